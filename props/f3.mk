## F3: the commutant of a full RoPE schedule (issue 3): schedules and
## presets, rotation generators, the RoPE kernel and its mutants, the MPFR
## RoPE oracle, the properties, `foldcheck schedules`, and their tests.
libfoldcheck_la_SOURCES += \
	src/gen/schedule.h \
	src/gen/schedule.c \
	src/gen/presets.h \
	src/gen/presets.c \
	src/gen/rotations.c \
	src/kernels/rope.h \
	src/kernels/rope.c \
	oracles/rope.h \
	oracles/rope.c \
	props/commutant.c

foldcheck_SOURCES += src/cli/schedules_cmd.c

check_PROGRAMS += tests/t-schedules tests/t-f3
tests_t_schedules_LDADD = $(FCTEST_LDADD)
tests_t_f3_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-schedules tests/t-f3 tests/cli-schedules.sh
EXTRA_DIST += tests/cli-schedules.sh

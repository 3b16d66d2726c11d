## F4-F6: attention kernels (and their mutants), the MPFR attention oracle,
## the fold experiment and its properties (fold.*, multihead.*, gauge.*),
## `foldcheck explain fold`, and their tests (issue 4).
libfoldcheck_la_SOURCES += \
	src/kernels/attn.h \
	src/kernels/attn.c \
	oracles/attention.h \
	oracles/attention.c \
	props/foldx_internal.h \
	props/foldx.c \
	props/fold_single.c \
	props/fold_multi.c \
	props/gauge.c

foldcheck_SOURCES += src/cli/explain_cmd.c

check_PROGRAMS += tests/t-f4f6
tests_t_f4f6_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-f4f6 tests/cli-explain.sh
EXTRA_DIST += tests/cli-explain.sh

## tests/bench-f4 [cases] [prec] [d] [T] [dm]: oracle-checked cases per
## second of single-head attention at a fixed size (not a test).
check_PROGRAMS += tests/bench-f4
tests_bench_f4_LDADD = libfoldcheck.la

## The command-line program.
foldcheck_SOURCES += \
	src/cli/cli.h \
	src/cli/main.c \
	src/cli/output.c \
	src/cli/report_cmd.c \
	src/cli/conformance_cmd.c \
	src/cli/kernels_ext.c \
	src/cli/bench_cmd.c \
	src/cli/opcount.h \
	src/cli/opcount.c
## bench counts MPFR operations with wrappers of the MPFR names in the
## executable (src/cli/opcount.c): -export-dynamic makes libfoldcheck's
## calls bind to them.  Programs linking libfoldcheck are not affected.
foldcheck_LDFLAGS = $(AM_LDFLAGS) -export-dynamic
foldcheck_LDADD += -ldl

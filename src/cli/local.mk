## The command-line program.
foldcheck_SOURCES += \
	src/cli/cli.h \
	src/cli/main.c \
	src/cli/output.c \
	src/cli/report_cmd.c \
	src/cli/conformance_cmd.c \
	src/cli/kernels_ext.c

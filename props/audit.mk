## Checkpoint audit (issue 12): safetensors/config.json reader, recovery of
## folded rotations, verdicts, certification, reports, `foldcheck audit`,
## the synthetic checkpoint generator and its tests.
libfoldcheck_la_SOURCES += \
	src/ckpt/ckpt.h \
	src/ckpt/safetensors.c \
	src/ckpt/hfconfig.c \
	src/ckpt/audit.h \
	src/ckpt/audit.c \
	src/ckpt/audit_report.c \
	src/ckpt/audit_internal.h \
	src/ckpt/stream.h \
	src/ckpt/stream.c \
	src/ckpt/rotation.c \
	src/ckpt/bias.c

foldcheck_SOURCES += src/cli/audit_cmd.c

## tests/mkckpt writes synthetic checkpoint pairs (make check uses small
## ones; `tests/mkckpt DIR big` writes the 32-layer timing pair).  Built by
## `make`, not only `make check`, and not installed: the manual's audit
## walkthrough starts with it in a freshly built tree.
noinst_PROGRAMS += tests/mkckpt
tests_mkckpt_LDADD = libfoldcheck.la $(JANSSON_LIBS) $(OPENBLAS_LIBS) -lm
TESTS += tests/cli-audit.sh tests/cli-audit-bias.sh tests/cli-audit-verdicts.sh
EXTRA_DIST += tests/cli-audit.sh tests/bench-audit.sh tests/cli-audit-bias.sh \
	tests/cli-audit-verdicts.sh \
	tests/mkckpt_bias.py
check_PROGRAMS += tests/t-ckpt
tests_t_ckpt_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-ckpt

## F4-F6 at realistic sizes (issue 11): the row-sampled attention oracle and
## the fold.large.* properties.
libfoldcheck_la_SOURCES += \
	oracles/attn_rows.h \
	oracles/attn_rows.c \
	props/fold_large.c

check_PROGRAMS += tests/t-fold-large
tests_t_fold_large_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-fold-large

## tests/bench-large KERNELS [T] [heads] [kv] [dm] [schedule] [rows]: the
## seconds of one fold.large.folded_qkvo case at a production size, built-in
## (-) or through a provider (not a test).
check_PROGRAMS += tests/bench-large
tests_bench_large_LDADD = libfoldcheck.la

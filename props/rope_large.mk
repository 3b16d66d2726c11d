## F3 RoPE at realistic head dimensions and long positions (issue 11):
## commutant.large.rope_accuracy.
libfoldcheck_la_SOURCES += props/rope_large.c

check_PROGRAMS += tests/t-rope-large
tests_t_rope_large_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-rope-large

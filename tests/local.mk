## The harness's own tests.  Every test prints TAP.
check_LTLIBRARIES += tests/libfctest.la
tests_libfctest_la_SOURCES = tests/fctest.h tests/fctest.c
tests_libfctest_la_LIBADD = libfoldcheck.la

FCTEST_LDADD = tests/libfctest.la libfoldcheck.la

check_PROGRAMS += tests/t-engine tests/t-shrink tests/t-replay
tests_t_engine_LDADD = $(FCTEST_LDADD)
tests_t_shrink_LDADD = $(FCTEST_LDADD)
tests_t_replay_LDADD = $(FCTEST_LDADD)

TESTS += tests/t-engine tests/t-shrink tests/t-replay \
	tests/cli-usage.sh tests/cli-run.sh
EXTRA_DIST += tests/cli-usage.sh tests/cli-run.sh tests/common.sh

## The report writers' tests.
check_PROGRAMS += tests/t-reports
# t-reports reads JSON back with jansson itself, so it links it directly.
tests_t_reports_LDADD = $(FCTEST_LDADD) $(JANSSON_LIBS)

TESTS += tests/t-reports tests/reports-validate.sh
EXTRA_DIST += tests/reports-validate.sh

## Report writers: read result records only.
libfoldcheck_la_SOURCES += \
	reports/reports_internal.h \
	reports/format.c \
	reports/text.c \
	reports/json.c \
	reports/json_read.c \
	reports/json_check.c \
	reports/summary.c \
	reports/tap.c \
	reports/junit.c \
	reports/diff.c \
	reports/page.h \
	reports/page.c \
	reports/svg.c

## The JSON report's schema, as the reader checks it.
EXTRA_DIST += doc/report-schema.md

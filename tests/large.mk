## Issue 16: the large families (fold.large.*, commutant.large.*) judge the
## user's kernels.  The example plugin's variants with bugs only production
## shapes show (examples/plugin/README), and their test.
check_LTLIBRARIES += examples/plugin/libfcexample_d64.la \
	examples/plugin/libfcexample_wrap.la \
	examples/plugin/libfcexample_gqa.la \
	examples/plugin/libfcexample_crash.la \
	examples/plugin/libfcexample_dgate.la
examples_plugin_libfcexample_d64_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_d64_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=18
examples_plugin_libfcexample_d64_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_d64_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_d64_la_LIBADD = -lm
examples_plugin_libfcexample_wrap_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_wrap_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=19
examples_plugin_libfcexample_wrap_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_wrap_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_wrap_la_LIBADD = -lm
examples_plugin_libfcexample_gqa_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_gqa_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=20
examples_plugin_libfcexample_gqa_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_gqa_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_gqa_la_LIBADD = -lm
examples_plugin_libfcexample_crash_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_crash_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=21
examples_plugin_libfcexample_crash_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_crash_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_crash_la_LIBADD = -lm
examples_plugin_libfcexample_dgate_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_dgate_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=22
examples_plugin_libfcexample_dgate_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_dgate_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_dgate_la_LIBADD = -lm

TESTS += tests/cli-large-kernels.sh
EXTRA_DIST += tests/cli-large-kernels.sh

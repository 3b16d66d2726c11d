## Issue 20: the three-part declared arithmetic, its presets and rounding
## points, the underflow terms of the bounds.  Test plugins: a Hugging
## Face-style bf16 kernel (hf_bf16.c) and two buggy variants
## (-DHF_BUG=N), and a plugin built against kernel ABI version 1.
## No sanitizers (see props/contract.mk).
check_LTLIBRARIES += tests/plugins/libhfbf16.la \
	tests/plugins/libhfbf16_causal.la \
	tests/plugins/libhfbf16_rothalf.la \
	tests/plugins/libabi1fp32.la
HF_SRC = tests/plugins/hf_bf16.c
tests_plugins_libhfbf16_la_SOURCES = $(HF_SRC)
tests_plugins_libhfbf16_la_CPPFLAGS = $(EX_CPP)
tests_plugins_libhfbf16_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
tests_plugins_libhfbf16_la_CFLAGS = $(WARN_CFLAGS)
tests_plugins_libhfbf16_la_LIBADD = -lm
tests_plugins_libhfbf16_causal_la_SOURCES = $(HF_SRC)
tests_plugins_libhfbf16_causal_la_CPPFLAGS = $(EX_CPP) -DHF_BUG=1
tests_plugins_libhfbf16_causal_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
tests_plugins_libhfbf16_causal_la_CFLAGS = $(WARN_CFLAGS)
tests_plugins_libhfbf16_causal_la_LIBADD = -lm
tests_plugins_libhfbf16_rothalf_la_SOURCES = $(HF_SRC)
tests_plugins_libhfbf16_rothalf_la_CPPFLAGS = $(EX_CPP) -DHF_BUG=2
tests_plugins_libhfbf16_rothalf_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
tests_plugins_libhfbf16_rothalf_la_CFLAGS = $(WARN_CFLAGS)
tests_plugins_libhfbf16_rothalf_la_LIBADD = -lm
tests_plugins_libabi1fp32_la_SOURCES = tests/plugins/abi1_fp32.c
tests_plugins_libabi1fp32_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
tests_plugins_libabi1fp32_la_CFLAGS = $(WARN_CFLAGS)
tests_plugins_libabi1fp32_la_LIBADD = -lm

check_PROGRAMS += tests/t-bounds
tests_t_bounds_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-bounds tests/cli-arith.sh
EXTRA_DIST += tests/cli-arith.sh

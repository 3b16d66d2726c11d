## Issue 9: the user's own kernels.  The plugin ABI header (installed as
## foldcheck/kernel.h), the harness's bounds, the providers (built-in
## tables, plugins through foldcheck-kernel-host, exec commands), the
## contract.* properties, the examples and their tests.
libfoldcheck_la_SOURCES += \
	src/bounds/bounds.h \
	src/bounds/bounds.c \
	src/bounds/arith.c \
	src/bounds/rotation.c \
	src/contract/provider.h \
	src/contract/provider.c \
	props/kcall_internal.h \
	props/kcall.c \
	props/contract.c \
	props/alloc_near.c

fckerneldir = $(includedir)/foldcheck
fckernel_HEADERS = src/foldcheck/kernel.h

libexec_PROGRAMS = foldcheck-kernel-host
foldcheck_kernel_host_SOURCES = src/contract/host.c src/contract/provider.h
foldcheck_kernel_host_LDADD = -ldl
# No sanitizers in the host and the example plugins: a plugin's crash must
# reach foldcheck as the signal it is (ASan would turn SIGSEGV into exit 1),
# and an ASan-built plugin cannot be dlopened into a plain program.
foldcheck_kernel_host_CFLAGS = $(WARN_CFLAGS)
foldcheck_kernel_host_LDFLAGS =

## The example plugins: the good float32 one and its buggy variants, built
## from one source with -DFC_EXAMPLE_BUG=N (examples/plugin/README).
EXAMPLE_PLUGIN_LDFLAGS = -module -rpath /nowhere -avoid-version -shared
check_LTLIBRARIES += examples/plugin/libfcexample.la \
	examples/plugin/libfcexample_nomax.la \
	examples/plugin/libfcexample_noscale.la \
	examples/plugin/libfcexample_causal.la \
	examples/plugin/libfcexample_ropev.la \
	examples/plugin/libfcexample_wor.la \
	examples/plugin/libfcexample_halfacc.la \
	examples/plugin/libfcexample_phase16.la \
	examples/plugin/libfcexample_layout.la \
	examples/plugin/libfcexample_offbyone.la \
	examples/plugin/libfcexample_claim.la \
	examples/plugin/libfcexample_segv.la \
	examples/plugin/libfcexample_hang.la \
	examples/plugin/libfcexample_nan.la \
	examples/plugin/libfcexample_abi.la \
	examples/plugin/libfcexample_sign0.la \
	examples/plugin/libfcexample_gate.la \
	examples/plugin/libfcexample_cosmean.la
EX_SRC = examples/plugin/fc_example_plugin.c
EX_CPP = -I$(top_srcdir)/src
examples_plugin_libfcexample_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_la_CPPFLAGS = $(EX_CPP)
examples_plugin_libfcexample_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_la_LIBADD = -lm
examples_plugin_libfcexample_nomax_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_nomax_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=1
examples_plugin_libfcexample_nomax_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_nomax_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_nomax_la_LIBADD = -lm
examples_plugin_libfcexample_noscale_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_noscale_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=2
examples_plugin_libfcexample_noscale_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_noscale_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_noscale_la_LIBADD = -lm
examples_plugin_libfcexample_causal_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_causal_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=3
examples_plugin_libfcexample_causal_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_causal_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_causal_la_LIBADD = -lm
examples_plugin_libfcexample_ropev_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_ropev_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=4
examples_plugin_libfcexample_ropev_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_ropev_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_ropev_la_LIBADD = -lm
examples_plugin_libfcexample_wor_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_wor_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=5
examples_plugin_libfcexample_wor_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_wor_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_wor_la_LIBADD = -lm
examples_plugin_libfcexample_halfacc_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_halfacc_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=6
examples_plugin_libfcexample_halfacc_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_halfacc_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_halfacc_la_LIBADD = -lm
examples_plugin_libfcexample_phase16_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_phase16_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=7
examples_plugin_libfcexample_phase16_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_phase16_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_phase16_la_LIBADD = -lm
examples_plugin_libfcexample_layout_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_layout_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=8
examples_plugin_libfcexample_layout_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_layout_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_layout_la_LIBADD = -lm
examples_plugin_libfcexample_offbyone_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_offbyone_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=9
examples_plugin_libfcexample_offbyone_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_offbyone_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_offbyone_la_LIBADD = -lm
examples_plugin_libfcexample_claim_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_claim_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=10
examples_plugin_libfcexample_claim_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_claim_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_claim_la_LIBADD = -lm
examples_plugin_libfcexample_segv_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_segv_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=11
examples_plugin_libfcexample_segv_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_segv_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_segv_la_LIBADD = -lm
examples_plugin_libfcexample_hang_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_hang_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=12
examples_plugin_libfcexample_hang_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_hang_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_hang_la_LIBADD = -lm
examples_plugin_libfcexample_nan_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_nan_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=13
examples_plugin_libfcexample_nan_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_nan_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_nan_la_LIBADD = -lm
examples_plugin_libfcexample_abi_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_abi_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=14
examples_plugin_libfcexample_abi_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_abi_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_abi_la_LIBADD = -lm
examples_plugin_libfcexample_sign0_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_sign0_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=15
examples_plugin_libfcexample_sign0_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_sign0_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_sign0_la_LIBADD = -lm
examples_plugin_libfcexample_gate_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_gate_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=16
examples_plugin_libfcexample_gate_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_gate_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_gate_la_LIBADD = -lm
examples_plugin_libfcexample_cosmean_la_SOURCES = $(EX_SRC)
examples_plugin_libfcexample_cosmean_la_CPPFLAGS = $(EX_CPP) -DFC_EXAMPLE_BUG=17
examples_plugin_libfcexample_cosmean_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
examples_plugin_libfcexample_cosmean_la_CFLAGS = $(WARN_CFLAGS)
examples_plugin_libfcexample_cosmean_la_LIBADD = -lm

check_PROGRAMS += tests/t-contract
tests_t_contract_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-contract tests/cli-plugin.sh tests/cli-python.sh \
	tests/cli-failure-detail.sh
EXTRA_DIST += tests/cli-plugin.sh tests/cli-python.sh \
	tests/cli-failure-detail.sh \
	examples/plugin/README examples/python/foldcheck_client.py

## The error model behind every bound (formats, gamma_n, underflow, the
## declared arithmetic and its rounding points): shipped and installed.
dist_doc_DATA += doc/error-model.md

## Precision-aware negative controls (issue 16, item 5): the fp32 example
## behind bf16 storage, an honest bf16-storage kernel that must get exit 0.
check_LTLIBRARIES += tests/plugins/libbf16store.la
tests_plugins_libbf16store_la_SOURCES = tests/plugins/bf16_store.c
tests_plugins_libbf16store_la_CPPFLAGS = $(EX_CPP)
tests_plugins_libbf16store_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
tests_plugins_libbf16store_la_CFLAGS = $(WARN_CFLAGS)
tests_plugins_libbf16store_la_LIBADD = -lm
TESTS += tests/cli-controls.sh
EXTRA_DIST += tests/cli-controls.sh

## The harness's own tests.  Every test prints TAP.
check_LTLIBRARIES += tests/libfctest.la
tests_libfctest_la_SOURCES = tests/fctest.h tests/fctest.c tests/toys.h tests/toys.c
tests_libfctest_la_LIBADD = libfoldcheck.la

FCTEST_LDADD = tests/libfctest.la libfoldcheck.la

check_PROGRAMS += tests/t-engine tests/t-shrink tests/t-replay tests/t-lean \
	tests/t-coverage tests/sweep tests/t-selfcheck tests/t-safeio \
	tests/t-outputs
tests_t_outputs_LDADD = $(FCTEST_LDADD)
tests_t_safeio_LDADD = $(FCTEST_LDADD)
tests_t_selfcheck_LDADD = $(FCTEST_LDADD)
tests_sweep_LDADD = $(FCTEST_LDADD)
tests_t_coverage_LDADD = $(FCTEST_LDADD)
tests_t_lean_LDADD = $(FCTEST_LDADD)
tests_t_engine_LDADD = $(FCTEST_LDADD)
tests_t_shrink_LDADD = $(FCTEST_LDADD)
tests_t_replay_LDADD = $(FCTEST_LDADD)

TESTS += tests/t-engine tests/t-shrink tests/t-replay tests/t-lean \
	tests/t-coverage tests/sweep tests/t-selfcheck tests/t-outputs \
	tests/cli-usage.sh tests/cli-run.sh tests/cli-diff.sh \
	tests/cli-conformance.sh tests/cli-output.sh tests/cli-lean-loops.sh \
	tests/cli-bench.sh tests/ci-recipes.sh tests/cli-select.sh \
	tests/cli-replay-report.sh tests/t-safeio tests/cli-safeio.sh \
	tests/cli-corrupt.sh tests/cli-exec-hello.sh \
	tests/cli-replay-values.sh tests/cli-same-report.sh \
	tests/torch-client.sh tests/doc-commands.sh tests/doc-man.sh \
	tests/cli-not-provided.sh tests/cli-kernel-db.sh
EXTRA_DIST += tests/doc-commands.sh tests/doc_commands.py tests/doc-block.sh \
	tests/doc-man.sh
EXTRA_DIST += tests/ci-recipes.sh tests/ci_recipes.py \
	examples/ci/github-actions.yml examples/ci/gitlab-ci.yml
EXTRA_DIST += tests/cli-output.sh tests/cli-lean-loops.sh tests/cli-bench.sh \
	tests/cli-select.sh tests/cli-replay-report.sh tests/cli-safeio.sh \
	tests/cli-corrupt.sh tests/cli-exec-hello.sh \
	tests/cli-replay-values.sh tests/cli-not-provided.sh \
	tests/cli-kernel-db.sh tests/cli-same-report.sh \
	tests/torch-client.sh \
	examples/python/foldcheck_torch.py examples/python/hf_llama.py
EXTRA_DIST += tests/cli-usage.sh tests/cli-run.sh tests/common.sh \
	tests/cli-diff.sh tests/cli-conformance.sh tests/diff/base.json tests/diff/newfail.json \
	tests/diff/grow10.json tests/diff/grow2.json tests/diff/env.json \
	tests/diff/lost.json tests/diff/nan.json \
	tests/diff/hist-base.json tests/diff/seednoise.json tests/diff/shift.json \
	tests/diff/undetected.json \
	tests/lean/Fixture/Symmetry.lean
include $(srcdir)/tests/reports.mk
include $(srcdir)/tests/arith.mk
include $(srcdir)/tests/large.mk

## Residual-stream rotations in the audit (QuaRot; issue 17): fixtures by
## tests/mkckpt_quarot.py (numpy; skipped without it).
TESTS += tests/cli-audit-quarot.sh
EXTRA_DIST += tests/cli-audit-quarot.sh tests/mkckpt_quarot.py
## Issue 16, item 1 for F3/F8/F10: the commutant, sign-quant and allocator
## properties with a contract entry judge the run's kernels.
TESTS += tests/cli-families-kernels.sh
EXTRA_DIST += tests/cli-families-kernels.sh
# F4-F6 through the kernel contract (issue 16; the plugins built by
# tests/large.mk and the bf16-storage test plugin).
TESTS += tests/cli-fold-kernels.sh
EXTRA_DIST += tests/cli-fold-kernels.sh
## Issue 16: realistic bugs written as an exec client (NumPy), caught by the
## property that owns each; tests/catch_table.py measures plugins and exec.
TESTS += tests/cli-exec-bugs.sh
EXTRA_DIST += tests/cli-exec-bugs.sh tests/catch_table.py
## Issue 16, item 5: the allocator negative controls sized to the declared
## arithmetic: detected on the seeds where they went undetected before
## (NumPy float64 client), and not detected with an exact (MPFR) allocator.
check_LTLIBRARIES += tests/plugins/libexactalloc.la
tests_plugins_libexactalloc_la_SOURCES = tests/plugins/exact_alloc.c
tests_plugins_libexactalloc_la_CPPFLAGS = $(EX_CPP)
tests_plugins_libexactalloc_la_LDFLAGS = $(EXAMPLE_PLUGIN_LDFLAGS)
tests_plugins_libexactalloc_la_CFLAGS = $(WARN_CFLAGS)
tests_plugins_libexactalloc_la_LIBADD = -lm
TESTS += tests/cli-alloc-controls.sh
EXTRA_DIST += tests/cli-alloc-controls.sh
## Issue 16 item 3 (attention/RoPE family): the harness's Givens and
## commutant-projection bounds (src/bounds/rotation.c) against MPFR, with
## negative controls.
check_PROGRAMS += tests/t-bounds-rot
tests_t_bounds_rot_LDADD = $(FCTEST_LDADD)
TESTS += tests/t-bounds-rot

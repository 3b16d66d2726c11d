#!/bin/sh
# cli-plugin.sh -- issue 9: the user's C plugin through foldcheck-kernel-host.
# The fp32 example passes at fp32 bounds and fails when judged at fp64
# accumulation (the precision parameter matters); every buggy variant is
# caught by its contract property and shrunk; a crash, a hang, a NaN and a
# wrong ABI get their verdicts, and the run continues past the first three;
# a counterexample replays through the plugin.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
FOLDCHECK_KERNEL_HOST="$top_builddir/foldcheck-kernel-host"
export FOLDCHECK_KERNEL_HOST
# Short relative paths: the replay record keeps the --kernels spec.
cd "$top_builddir/examples/plugin/.libs"
lib() { echo "./libfcexample$1.so"; }
RUN="run --profile ci --cases 60 --quiet --threads 2"

expect_exit 0 "the fp32 example passes every contract at fp32 bounds" -- \
  $F $RUN --kernels "$(lib)" --format json --output "$TMP/good.json"
for p in rope_accuracy attention_accuracy block_accuracy fold_invariance \
         fold_noncommuting sign_quant; do
  grep -q "\"contract.$p\"" "$TMP/good.json"; ok $? "report has contract.$p"
done
grep -q "storage fp32, accumulation fp32" "$TMP/err"
ok $? "the declared arithmetic is printed"
# Worst error/bound per contract (diagnostics for the report).
if command -v python3 >/dev/null 2>&1; then
  python3 - "$TMP/good.json" <<'PY' | sed 's/^/# /' || true
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["properties"]:
    print(p.get("id"), json.dumps(p.get("worst", p.get("levels", "")))[:160])
PY
fi

expect_exit 1 "the same kernel judged at fp64 accumulation fails" -- \
  $F $RUN contract.attention_accuracy contract.rope_accuracy \
  --kernels "$(lib)" --kernel-arith fp32/fp64
grep -q "FAIL" "$TMP/out"; ok $? "fp64 bounds reject the float32 kernel"

check_caught() { # VARIANT PROPERTY [OPTION...]
  v=$1 p=$2; shift 2
  expect_exit 1 "variant $v is caught" -- $F $RUN "$p" --kernels "$(lib _$v)" "$@"
  grep -q "^$p .*FAIL" "$TMP/out"; ok $? "$v: $p fails"
  grep -q "shrink: " "$TMP/out"; ok $? "$v: the counterexample was shrunk"
}
check_caught nomax contract.attention_accuracy
check_caught noscale contract.attention_accuracy
check_caught causal contract.attention_accuracy
check_caught halfacc contract.attention_accuracy
check_caught claim contract.attention_accuracy
check_caught ropev contract.block_accuracy
check_caught wor contract.fold_invariance
check_caught phase16 contract.rope_accuracy
check_caught layout contract.rope_accuracy
check_caught offbyone contract.rope_accuracy
check_caught sign0 contract.sign_quant
# The allocator's bugs need two keys or more (a mean of cosines equals the
# mean angle for one key), which the sizes reach later in the budget.
check_caught gate contract.allocator --cases 200
check_caught cosmean contract.allocator --cases 200
grep -q "kernel claims" "$TMP/out" 2>/dev/null || true

expect_exit 1 "a plugin that inflates its own bound is still caught" -- \
  $F $RUN contract.attention_accuracy --kernels "$(lib _claim)"
grep -q "error/bound" "$TMP/out" || grep -q "ratio" "$TMP/out"
ok $? "judged against the harness bound"

expect_exit 1 "segfaulting plugin: failing cases, the run continues" -- \
  $F $RUN contract.attention_accuracy contract.rope_accuracy \
  --kernels "$(lib _segv)"
grep -q "kernel crashed: SIGSEGV" "$TMP/out"; ok $? "verdict: kernel crashed: SIGSEGV"
grep -q "^contract.rope_accuracy .*pass" "$TMP/out"
ok $? "rope_accuracy still runs and passes after the crashes"
# The replay command names the token, or the file a long token was saved to.
tok=$(grep -o "foldcheck replay [^ ]*" "$TMP/out" | head -1 | cut -d" " -f3)
expect_exit 1 "the crash replays through the plugin" -- $F replay "$tok"
grep -q "kernel crashed: SIGSEGV" "$TMP/out"; ok $? "replay shows the crash"
expect_exit 0 "the same case passes on the good plugin" -- \
  $F replay --kernels "$(lib)" "$tok"

expect_exit 1 "NaN-returning plugin is caught" -- \
  $F $RUN contract.attention_accuracy --kernels "$(lib _nan)"
grep -q "kernel returned NaN" "$TMP/out"; ok $? "verdict: kernel returned NaN"

expect_exit 1 "hanging plugin times out, the run continues" -- \
  $F $RUN contract.attention_accuracy contract.sign_quant \
  --kernels "$(lib _hang)" --kernel-timeout 0.3 --shrink-time 3
grep -q "kernel timed out after 0.3 s" "$TMP/out"; ok $? "verdict: timed out"
grep -q "^contract.sign_quant .*pass" "$TMP/out"; ok $? "sign_quant still passes"

expect_exit 2 "wrong ABI version: a clear error before running" -- \
  $F $RUN --kernels "$(lib _abi)"
grep -q "ABI version 3, this foldcheck speaks versions 1 to 2" "$TMP/err"
ok $? "the ABI mismatch is named"
expect_exit 2 "a missing plugin file is bad usage" -- \
  $F $RUN --kernels ./no-such-plugin.so
expect_exit 2 "a bad --kernel-timeout is bad usage" -- \
  $F $RUN --kernels "$(lib)" --kernel-timeout 0
expect_exit 2 "a bad --kernel-arith is bad usage" -- \
  $F $RUN --kernels "$(lib)" --kernel-arith fp33/fp64
sleep 0.2
n=$(ps -eo ppid,comm | awk -v p=$$ '$1 == p && $2 ~ /kernel-host/' | wc -l)
[ "$n" -eq 0 ]; ok $? "no host process left behind"
done_testing

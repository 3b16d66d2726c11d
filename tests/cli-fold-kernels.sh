#!/bin/sh
# cli-fold-kernels.sh -- issue 16, items 1, 3 and 5 for F4-F6: the small
# fold, gauge and multi-head properties judge the selected kernels through
# the contract (fold_weights, attention_block), with the harness's bounds
# at the declared arithmetic, never the built-in tables in their name.
# - the honest float32 example and the same kernels behind bf16 storage
#   pass (positive properties and a negative control: exit 0);
# - the float32 example judged at fp32/fp64 fails: the bounds are the
#   declared arithmetic's, so the kernel really ran;
# - a plugin that crashes on every call fails the positive property AND the
#   negative control (a kernel failure is never a detection);
# - buggy plugins are caught and shrunk: Wo folded by W R instead of W R^T,
#   a causal mask off by one.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
plugin_env
lib() { echo "$top_builddir/examples/plugin/.libs/libfcexample$1.so"; }
RUN="run --profile ci --quiet --threads 2 --no-db"
SEL="fold.folded_qkvo fold.multi.concat_projected fold.multi.shell gauge.attention_score_gauge_invariance fold.neg.noncommuting"

for k in "$EX" "$BF"; do
  expect_exit 0 "honest $(basename "$k"): F4-F6 pass through the contract" -- \
    $F $RUN $SEL --cases 20 --kernels "$k"
  for p in $SEL; do
    grep -q "^$p .*pass" "$TMP/out"; ok $? "$(basename "$k"): $p passes"
  done
  if grep -q "not provided" "$TMP/out"; then r=1; else r=0; fi
  ok $r "$(basename "$k"): nothing is left not provided"
done

expect_exit 1 "the fp32 example judged at fp64 bounds fails fold.folded_qkvo" -- \
  $F $RUN fold.folded_qkvo --cases 20 --kernels "$EX" --kernel-arith fp32/fp64
grep -q "^fold.folded_qkvo .*FAIL" "$TMP/out"; ok $? "fp64 bounds reject the fp32 kernel"

expect_exit 1 "a plugin crashing on every call fails F4-F6" -- \
  $F $RUN fold.folded_qkvo fold.neg.noncommuting --cases 4 --kernels "$(lib _crash)"
grep -q "^fold.folded_qkvo .*FAIL" "$TMP/out"; ok $? "crash: the positive property fails"
grep -q "^fold.neg.noncommuting .*FAIL" "$TMP/out"; ok $? "crash: the negative control is not detected"
grep -q "kernel crashed: SIGSEGV" "$TMP/out"; ok $? "verdict: kernel crashed"

# caught VARIANT PROPERTY: fails and is shrunk.
caught() {
  v=$1 p=$2
  expect_exit 1 "variant $v is caught by $p" -- \
    $F $RUN "$p" --cases 100 --kernels "$(lib _$v)"
  grep -q "^$p .*FAIL" "$TMP/out"; ok $? "$v: $p fails"
  grep -q "shrink: " "$TMP/out"; ok $? "$v: the counterexample was shrunk"
}
caught wor fold.folded_qkvo
grep -q "fold wo" "$TMP/out"; ok $? "wor: the failing output is the fold of Wo"
caught causal fold.multi.concat_projected
done_testing

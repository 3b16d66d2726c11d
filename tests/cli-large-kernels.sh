#!/bin/sh
# cli-large-kernels.sh -- issue 16: with --kernels, fold.large.* and
# commutant.large.rope_accuracy judge the user's kernels (through the
# contract), never the built-in tables.  The float32 example passes them; a
# plugin that crashes on every call FAILS them (the defect: it used to pass
# fold.large.folded_qkvo); bugs that only production shapes show are caught
# and shrunk: the other pair layout at head dim >= 64 (shrinks to d = 64),
# a cos/sin cache that wraps at 2048 positions, grouped-query heads mapped
# by h % kv, an allocator gated on the key dimension instead of d_l.
# (The layout bug at d >= 64 changes q and k alike; through attention_block
# at fp32 its effect stays below the harness's block bound on the ci
# sizes, so commutant.large.rope_accuracy is the property that catches it.)
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
FOLDCHECK_KERNEL_HOST="$top_builddir/foldcheck-kernel-host"
export FOLDCHECK_KERNEL_HOST
cd "$top_builddir/examples/plugin/.libs"
lib() { echo "./libfcexample$1.so"; }
RUN="run --profile ci --quiet --threads 2"
FL=fold.large.folded_qkvo
FN=fold.large.neg.noncommuting
RL=commutant.large.rope_accuracy
RS=commutant.rope_accuracy

expect_exit 0 "the fp32 example passes fold.large and the large RoPE" -- \
  $F $RUN $FL $FN $RL $RS --cases 12 --kernels "$(lib)"
grep -q "^$FL .*pass" "$TMP/out"; ok $? "$FL passes"
grep -q "^$RS .*pass" "$TMP/out"; ok $? "$RS passes"
grep -q "^$FN .*pass" "$TMP/out"; ok $? "$FN is detected"
grep -q "^$RL .*pass" "$TMP/out"; ok $? "$RL passes"

# With no pattern, the user's kernels meet every property that judges a
# kernel through them, the large ones included (a d >= 64 bug is caught
# by a plain `foldcheck run --kernels`).
expect_exit 1 "no pattern: the d64 bug is caught by the default selection" -- \
  $F $RUN --cases 2 --kernels "$(lib _d64)"
for p in $FL $FN $RL $RS contract.rope_accuracy; do
  grep -q "^$p " "$TMP/out"; ok $? "no pattern: $p runs"
done
grep -q "^$RL .*FAIL" "$TMP/out"; ok $? "no pattern: $RL catches d64"

# The same kernel judged at fp64 accumulation: the large properties use the
# declared arithmetic's bounds, so they fail (the kernel really ran).
expect_exit 1 "the fp32 kernel judged at fp64 bounds fails $RL" -- \
  $F $RUN $RL --cases 12 --kernels "$(lib)" --kernel-arith fp32/fp64
grep -q "^$RL .*FAIL" "$TMP/out"; ok $? "fp64 bounds reject it"

expect_exit 1 "a plugin crashing on every call fails the large families" -- \
  $F $RUN $FL $FN $RL $RS --cases 4 --kernels "$(lib _crash)"
for p in $FL $FN $RL $RS; do
  grep -q "^$p .*FAIL" "$TMP/out"; ok $? "crash: $p fails"
done
grep -q "kernel crashed: SIGSEGV" "$TMP/out"; ok $? "verdict: kernel crashed"

expect_exit 0 "the online rotation cannot go through the contract: not provided, exit 0" -- \
  $F $RUN fold.large.online_any --cases 1 --kernels "$(lib)"
grep -q "inside attention_block, which the kernel contract cannot" "$TMP/out" "$TMP/err"
ok $? "online_any: not provided, with the reason"
expect_exit 1 "--require-all: the same is an error" -- \
  $F $RUN fold.large.online_any --cases 1 --kernels "$(lib)" --require-all

# caught VARIANT PROPERTY CASES: fails and is shrunk; the shrunk case's
# description is left in $TMP/out.
caught() {
  v=$1 p=$2 n=$3
  expect_exit 1 "variant $v is caught by $p" -- \
    $F $RUN "$p" --cases "$n" --kernels "$(lib _$v)"
  grep -q "^$p .*FAIL" "$TMP/out"; ok $? "$v: $p fails"
  grep -q "shrink: " "$TMP/out"; ok $? "$v: the counterexample was shrunk"
}
caught d64 $RL 40
grep -q "d = 64, rotary 64" "$TMP/out"; ok $? "d64: shrinks to head dim 64"
expect_exit 0 "d64 passes the small-d RoPE property (d <= 16)" -- \
  $F $RUN $RS --kernels "$(lib _d64)"
caught wrap $RL 40
caught gqa $FL 12
grep -q "heads 4 / kv 2" "$TMP/out"; ok $? "gqa: shrinks to 4 heads over 2"
caught dgate contract.allocator 200
done_testing

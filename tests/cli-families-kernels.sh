#!/bin/sh
# cli-families-kernels.sh -- issue 16, item 1 for F3, F8 and F10: the
# properties that evaluate a kernel with a contract entry judge the run's
# kernels through the provider, never the built-in tables in its name.
# - commutant.projection/iff/gap/samples take Theta(p) from rope_apply,
#   signquant.cos_formula takes s and alpha from sign_quant,
#   allocator.plain_exact takes its decision from allocate_bits;
# - the honest fp32 example passes them (plain_exact is not applicable at
#   fp32 storage, with the reason, exit 0); so does bf16 storage;
# - buggy plugins FAIL them: the other pair layout, RoPE at p + 1,
#   sign(0) = 0, a kernel that provides nothing (not provided, never pass);
# - commutant.nonorthogonal judges no kernel (FC_KV_NONE): it runs;
# - properties with no contract entry say why they are not provided.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
FOLDCHECK_KERNEL_HOST="$top_builddir/foldcheck-kernel-host"
export FOLDCHECK_KERNEL_HOST
L="$top_builddir/examples/plugin/.libs"
BF="$top_builddir/tests/plugins/.libs/libbf16store.so"
RUN="run --profile ci --threads 2 --no-db --cases 40 --shrink-steps 60"
F3="commutant.projection commutant.iff commutant.gap commutant.samples"
SQ=signquant.cos_formula
PE=allocator.plain_exact

for k in "$L/libfcexample.so" "$BF"; do
  expect_exit 0 "honest $(basename "$k"): the routed properties pass" -- \
    $F $RUN $F3 $SQ $PE commutant.nonorthogonal --kernels "$k"
  for p in $F3 $SQ; do
    grep -q "^$p .*pass" "$TMP/out"; ok $? "$(basename "$k"): $p passes"
  done
  grep -q "^commutant.nonorthogonal .*pass" "$TMP/out"
  ok $? "$(basename "$k"): the kernel-free control runs"
  grep "^not provided" "$TMP/out" | grep -q "$PE (not applicable at .*storage"
  ok $? "$(basename "$k"): plain_exact not applicable, with the reason"
done

# The reference through the same path: plain_exact detected.
expect_exit 0 "reference: plain_exact detected through allocate_bits" -- \
  $F $RUN $PE
grep -q "^$PE .*detect .*pass" "$TMP/out"; ok $? "$PE detected"

for b in layout offbyone; do
  expect_exit 1 "$b plugin: the F3 properties fail" -- \
    $F $RUN $F3 --kernels "$L/libfcexample_$b.so"
  for p in $F3; do
    grep -q "^$p .*FAIL" "$TMP/out"; ok $? "$b: $p fails"
  done
done
expect_exit 1 "sign0 plugin: cos_formula fails" -- \
  $F $RUN $SQ --kernels "$L/libfcexample_sign0.so"
grep -q "^$SQ .*FAIL" "$TMP/out"; ok $? "sign0: $SQ fails"

# The properties with no contract entry are not provided, each with why.
expect_exit 0 "no contract entry: not provided, with the reason" -- \
  $F $RUN commutant2d.span allocator.certified_exact moment.iid_floor \
  --kernels "$L/libfcexample.so"
grep "^not provided (3" "$TMP/out" | grep -q "commutant2d.span (judges the built-in double kernels only: the 2x2 algebra of F1"
ok $? "commutant2d.span: the 2x2 algebra has no contract entry"
grep "^not provided (3" "$TMP/out" | grep -q "certified_exact (judges the built-in double kernels only: the rule on a given angle and the certified"
ok $? "allocator.certified_exact: the certified allocator has no contract entry"
if grep -q "^commutant2d.span .*pass" "$TMP/out"; then r=1; else r=0; fi
ok $r "commutant2d.span is not run in the plugin's name"

# A kernel with no entry at all: not provided, never a pass.
none_client "$TMP/none.sh"
expect_exit 0 "a kernel that provides nothing: not provided" -- \
  $F $RUN $F3 $SQ --kernels "exec:sh $TMP/none.sh"
grep -q "5 properties: 0 passed, 0 failed, 0 errors, 5 not provided" "$TMP/out"
ok $? "every routed property is not provided"
done_testing

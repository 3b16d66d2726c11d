#!/bin/sh
# cli-alloc-controls.sh -- issue 16, item 5: the allocator negative controls
# (contract.allocator_exact, allocator.plain_exact) are sized to the
# declared arithmetic: their samples lie within 1/16 (fp64 keys) or 1/8
# (bf16-grid keys) of the accumulation's ulp of a threshold, or the control
# is "not applicable at ARITH" (doc/foldcheck.md, "The contracts").
# - the NumPy float64 client, on the ci seeds where the controls went
#   undetected before (8 fp64 ulps: contract.allocator_exact 5027, 5049,
#   5062, 5080; allocator.plain_exact 5005, 5016, 5038, 5042): detected;
# - the mutant: an allocator that decides exactly (MPFR,
#   tests/plugins/exact_alloc.c) is NOT detected (exit 1), so a detection
#   is the kernel's rounding landing on the threshold, nothing else;
# - bf16 or fp32 storage with fp64 accumulation: not applicable, with the
#   reason, exit 0; the same kernels at fp32 accumulation: detected.
# The NumPy part skips (a TAP SKIP line each) without a python3 with NumPy.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
plugin_env
XA="$top_builddir/tests/plugins/.libs/libexactalloc.so"
RUN="run --profile ci --threads 2 --no-db --shrink-steps 40"
ALLOC=contract.allocator_exact
PLAIN=allocator.plain_exact

# verdict PROPERTY: its verdict column in the text report in $TMP/out.
verdict() { awk -v p="$1" '$1 == p {print $4; exit}' "$TMP/out"; }

PY=$(numpy_python) || true
if [ -n "$PY" ]; then
  export PYTHONDONTWRITEBYTECODE=1 # keep the source tree clean (distcheck)
  K="exec:$PY $top_srcdir/examples/python/foldcheck_client.py --dtype float64"
  for s in 5027 5049 5062 5080; do
    expect_exit 0 "float64 client, seed $s: $ALLOC detected" -- \
      $F $RUN $ALLOC --kernels "$K" --seed $s
    [ "$(verdict $ALLOC)" = pass ]; ok $? "seed $s: $ALLOC verdict pass"
  done
  for s in 5005 5016 5038 5042; do
    expect_exit 0 "float64 client, seed $s: $PLAIN detected" -- \
      $F $RUN $PLAIN --kernels "$K" --seed $s
    [ "$(verdict $PLAIN)" = pass ]; ok $? "seed $s: $PLAIN verdict pass"
  done
else
  echo "$(basename "$0"): NumPy part SKIPPED: needs a python3 with NumPy" \
       "(Debian python3-numpy)" >&2
  for i in 1 2 3 4 5 6 7 8; do
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - float64 client seeds # SKIP python3 with numpy is needed"
  done
fi

# The mutant: exact decisions are never detected, at either threshold side.
for s in 5027 5005; do
  expect_exit 1 "exact allocator, seed $s: the controls are not detected" -- \
    $F $RUN $ALLOC $PLAIN --kernels "$XA" --seed $s
  grep -q "$ALLOC: FAIL: negative control not detected" "$TMP/out"
  ok $? "seed $s: $ALLOC not detected with exact decisions"
  grep -q "$PLAIN: FAIL: negative control not detected" "$TMP/out"
  ok $? "seed $s: $PLAIN not detected with exact decisions"
done

# Not applicable where the storage's keys cannot come near enough.
for k in "$BF|bf16/fp64" "$EX|fp32/fp64"; do
  expect_exit 0 "${k#*|}: $ALLOC not applicable, exit 0" -- \
    $F $RUN $ALLOC --kernels "${k%%|*}" --kernel-arith "${k#*|}" --seed 5027
  grep -q "$ALLOC (not applicable at ${k#*|}: .*over 1/8 of the fp64 ulp" \
    "$TMP/out"
  ok $? "${k#*|}: the reason names the fp64 ulp"
done
# ... and applicable, detected, at the kernels' own fp32 accumulation.
for k in "$BF" "$EX"; do
  expect_exit 0 "$(basename "$k"): $ALLOC detected" -- \
    $F $RUN $ALLOC --kernels "$k" --seed 5027
  [ "$(verdict $ALLOC)" = pass ]; ok $? "$(basename "$k"): verdict pass"
done
done_testing

#!/bin/sh
# cli-arith.sh -- issue 20: the three-part declared arithmetic end to end.
# - `foldcheck kernels --arith` lists the syntax and the presets;
# - a Hugging Face-style bf16 plugin (tests/plugins/hf_bf16.c: cos/sin
#   caches rounded to bf16, bf16 products and add; scores rounded to bf16
#   twice, fp32 softmax, weights cast to bf16; LlamaRMSNorm, bf16 matmuls
#   in its attention block) FAILS the two-part bf16/fp32
#   declaration (what foldcheck said before) and PASSES its own declaration
#   (hf-bf16 = bf16/bf16/fp32) over 20 seeds;
# - its buggy variants (causal diagonal off by one; rotate_half on the
#   interleaved layout) still FAIL under hf-bf16, shrunk;
# - a plugin built against kernel ABI 1 and 80-byte exec hellos keep
#   working; an 84-byte hello declares the elementwise format;
# - bad declarations exit 2 with a message that says what is wrong.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
FOLDCHECK_KERNEL_HOST="$top_builddir/foldcheck-kernel-host"
export FOLDCHECK_KERNEL_HOST
P="$top_builddir/tests/plugins/.libs"
HF=$P/libhfbf16.so
RUN="run --profile ci --quiet --threads 2"
ROPE=contract.rope_accuracy
ATTN=contract.attention_accuracy
BLK=contract.block_accuracy

expect_exit 0 "kernels --arith lists the declarations" -- $F kernels --arith
for p in hf-bf16 hf-fp16 strict-bf16 fp32 fp64; do
  grep -q "^  $p " "$TMP/out"; ok $? "preset $p is listed"
done
grep -q "^  hf-bf16 *bf16/bf16/fp32 " "$TMP/out" &&
  grep -q "Hugging Face" "$TMP/out"
ok $? "hf-bf16 is bf16/bf16/fp32 and says what it means"
awk 'length > 79 { bad = 1 } END { exit bad }' "$TMP/out"
ok $? "the list fits 79 columns"

# The plugin declares hf-bf16 itself.
expect_exit 0 "the HF-style bf16 plugin passes its own declaration" -- \
  $F $RUN $ROPE $ATTN --kernels $HF --seed 1
grep -q "storage bf16, elementwise bf16, accumulation fp32" "$TMP/err"
ok $? "the three-part declaration is printed"
# 20 seeds, the three contracts: never a false alarm.
bad=0
for s in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  $F $RUN $ROPE $ATTN $BLK --kernels $HF --kernel-arith hf-bf16 --seed $s \
    >"$TMP/s.out" 2>&1 || { bad=$((bad + 1)); sed 's/^/# /' "$TMP/s.out" | head -4; }
done
ok $bad "hf-bf16: 20 seeds, rope, attention and block, 0 false alarms ($bad)"
expect_exit 0 "bf16/bf16/fp32 written out is the same declaration" -- \
  $F $RUN $ROPE $ATTN --kernels $HF --kernel-arith bf16/bf16/fp32 --seed 3

# What foldcheck said before the elementwise format existed.
expect_exit 1 "the same kernel FAILS rope under two-part bf16/fp32" -- \
  $F $RUN $ROPE --kernels $HF --kernel-arith bf16/fp32
grep -q "^$ROPE .*FAIL" "$TMP/out"; ok $? "bf16/fp32: rope_accuracy fails"
expect_exit 1 "the same kernel FAILS attention under two-part bf16/fp32" -- \
  $F $RUN $ATTN --kernels $HF --kernel-arith bf16/fp32
grep -q "^$ATTN .*FAIL" "$TMP/out"; ok $? "bf16/fp32: attention_accuracy fails"
expect_exit 1 "and under strict-bf16 (round once at the output)" -- \
  $F $RUN $ROPE --kernels $HF --kernel-arith strict-bf16

# Real bugs are still caught at hf-bf16.
expect_exit 1 "causal diagonal off by one: caught under hf-bf16" -- \
  $F $RUN $ATTN --kernels $P/libhfbf16_causal.so
grep -q "^$ATTN .*FAIL" "$TMP/out"; ok $? "causal: attention_accuracy fails"
grep -q "shrink: " "$TMP/out"; ok $? "causal: the counterexample was shrunk"
expect_exit 1 "rotate_half on the interleaved layout: caught under hf-bf16" -- \
  $F $RUN $ROPE --kernels $P/libhfbf16_rothalf.so
grep -q "^$ROPE .*FAIL" "$TMP/out"; ok $? "rotate_half: rope_accuracy fails"
grep -q "shrink: " "$TMP/out"; ok $? "rotate_half: the counterexample was shrunk"

# A plugin built against ABI version 1.
expect_exit 0 "an ABI-1 plugin still loads and passes" -- \
  $F $RUN $ROPE --kernels $P/libabi1fp32.so
grep -q "(abi1-fp32): storage fp32, accumulation fp32;" "$TMP/err"
ok $? "an ABI-1 plugin declares two parts (elementwise = accumulation)"

# Bad declarations.
bad_arith() { # ARITH MESSAGE
  expect_exit 2 "--kernel-arith $1 is bad usage" -- \
    $F $RUN $ROPE --kernels $HF --kernel-arith "$1"
  grep -q "$2" "$TMP/err"; ok $? "--kernel-arith $1: says '$2'"
}
bad_arith bf16/xx/fp32 "unknown elementwise format 'xx'"
bad_arith bf16/bf16/fp32/fp32 "neither a preset"
bad_arith hf-bf17 "neither a preset"
bad_arith fp33/fp64 "unknown storage format 'fp33'"
bad_arith fp32 "but the kernel stores bf16"

# Exec hellos (src/contract/provider.h): 80 bytes (two parts) and 84 bytes
# (elementwise appended).  The clients provide no contract (mask 0): the
# run opens the provider, prints the declaration, and calls nothing.
# client NAME ABI STORAGE ACCUM [ELEMENTWISE] (octal byte values).
client() {
  n=80; ew=""
  [ $# -ge 5 ] && { n=84; ew="printf '\\$5\\0\\0\\0'"; }
  cat > "$TMP/client-$1.sh" <<EOF
printf '\106\103\113\106\0\0\0\0\1\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0'
printf '\\$(printf %o $n)\0\0\0\0\0\0\0'
printf '\\$2\0\0\0\\$3\0\0\0\\$4\0\0\0\0\0\0\0'
printf 'hello'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
$ew
exec cat >/dev/null
EOF
  echo "exec:sh $TMP/client-$1.sh"
}
set +e
$F $RUN $ROPE --cases 1 --kernels "$(client old 1 1 1)" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
grep -q "(hello): storage fp32, accumulation fp32;" "$TMP/err" && [ $rc -ne 2 ]
ok $? "an 80-byte hello is a two-part declaration (exit $rc)"
set +e
$F $RUN $ROPE --cases 1 --kernels "$(client new 2 2 1 2)" >"$TMP/out" 2>"$TMP/err"
rc=$?
set -e
grep -q "(hello): storage bf16, elementwise bf16, accumulation fp32;" \
  "$TMP/err" && [ $rc -ne 2 ]
ok $? "an 84-byte hello declares bf16/bf16/fp32 (exit $rc)"
expect_exit 2 "an 84-byte hello with elementwise 9 is refused" -- \
  $F $RUN $ROPE --cases 1 --kernels "$(client bad 2 2 1 11)"
grep -q "unknown arithmetic (storage 2, elementwise 9, accum 1)" "$TMP/err"
ok $? "the message names the elementwise format"
expect_exit 2 "ABI version 3 is refused" -- \
  $F $RUN $ROPE --cases 1 --kernels "$(client abi3 3 2 1 2)"
grep -q "kernel ABI version 3, this foldcheck speaks versions 1 to 2" \
  "$TMP/err"
ok $? "the message names the versions"
done_testing

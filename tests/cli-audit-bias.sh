#!/bin/sh
# cli-audit-bias.sh -- `foldcheck audit` on checkpoints with attention
# biases (Qwen2 q/k/v, Llama attention_bias q/k/v/o, GPT-NeoX fused), with
# pruned heads, and with float32 rotation files, written by
# tests/mkckpt_bias.py (numpy).  Every expected verdict is first confirmed
# by the script's own float64 forward pass of both checkpoints: a rewrite
# is expected to pass iff the two attention blocks compute the same
# outputs.  Also: contradictory layer options are an error (exit 2).
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
A="--rewrite-arith f64"   # the fixture forms R W in double
PY=$(numpy_python) || true
if [ -z "$PY" ]; then
  echo "1..0 # SKIP python3 with numpy (Debian python3-numpy) is needed"
  exit 0
fi
MK="$PY $top_srcdir/tests/mkckpt_bias.py"

# case SCENARIO EXIT VERDICTS [GREP]: the forward pass says equivalent iff
# EXIT is 0 (outputs within $FWTOL, relative); the audit exits EXIT with
# the verdict line VERDICTS.
FWTOL=1e-4
case_() {
  sc=$1; want=$2; verd=$3; pat=$4
  $MK make "$TMP/$sc" "$sc"
  $MK forward "$TMP/$sc/orig" "$TMP/$sc/rew" --tol $FWTOL > "$TMP/$sc.fw"
  if [ "$want" -eq 0 ]; then fw=equivalent; else fw=different; fi
  tail -n 1 "$TMP/$sc.fw" | grep -qx "$fw"
  ok $? "$sc: the float64 forward pass finds the blocks $fw ($(head -n 1 "$TMP/$sc.fw"))"
  expect_exit "$want" "$sc: audit exit" -- $F audit "$TMP/$sc/orig" "$TMP/$sc/rew" $A
  grep -q "^verdicts: $verd\$" "$TMP/out"
  ok $? "$sc: verdicts $verd"
  if [ -n "$pat" ]; then
    grep -q -- "$pat" "$TMP/out"; ok $? "$sc: report says '$pat'"
  fi
  cp "$TMP/out" "$TMP/$sc.txt"
}

case_ qwen2-rotated 0 "8 foldable, 0 vo-only, 0 online, 0 broken, 0 pruned" \
  "biases: q,k,v in the original, q,k,v in the rewrite"
[ "$(grep -c 'within the storage bound' "$TMP/qwen2-rotated.txt")" -eq 4 ]
ok $? "qwen2-rotated: 4 blocks with biases certified within the bound"
case_ qwen2-unrotated 1 "0 foldable, 0 vo-only, 0 online, 8 broken, 0 pruned" \
  "layer 0 head 0: broken: bias model.layers.0.self_attn.q_proj.bias (rows of head 0) not folded"
[ "$(grep -c 'EXCEEDS the storage bound' "$TMP/out")" -eq 4 ]
ok $? "qwen2-unrotated: the certification sees every block change"
case_ qwen2-random 1 "4 foldable, 0 vo-only, 0 online, 4 broken, 0 pruned" \
  "layer 1 head 2: broken: bias model.layers.1.self_attn.k_proj.bias (rows of KV group 1) not folded"
case_ llama-obias 0 "8 foldable, 0 vo-only, 0 online, 0 broken, 0 pruned" \
  "biases: q,k,v,o in the original"
case_ llama-obias-changed 1 "4 foldable, 0 vo-only, 0 online, 4 broken, 0 pruned" \
  "bias model.layers.0.self_attn.o_proj.bias (the layer's output) changed"
case_ neox-rotated 0 "8 foldable, 0 vo-only, 0 online, 0 broken, 0 pruned"
case_ neox-unrotated 1 "0 foldable, 0 vo-only, 0 online, 8 broken, 0 pruned" \
  "bias gpt_neox.layers.0.attention.query_key_value.bias (rows of head 0) not folded"
case_ pruned 0 "7 foldable, 0 vo-only, 0 online, 0 broken, 1 pruned" \
  "layer 0 head 1: pruned: Wo columns of the head are zero in both"
case_ pruned-q 0 "7 foldable, 0 vo-only, 0 online, 0 broken, 1 pruned" \
  "layer 1 head 2: pruned: Wq of the head zero in both: uniform attention"
case_ pruned-broken 1 "7 foldable, 0 vo-only, 0 online, 1 broken, 0 pruned" \
  "layer 0 head 1: broken: Wo of the head is zero in the original (pruned) but not in the rewrite"

expect_exit 1 "json with a changed bias" -- $F audit "$TMP/qwen2-random/orig" "$TMP/qwen2-random/rew" $A --format json --cases 0 --layers 1
grep -q '"q_bias": {' "$TMP/out" && grep -q '"tensor": "model.layers.1.self_attn.k_proj.bias"' "$TMP/out"
ok $? "json reports the biases with their tensors"

# A bias of the wrong shape: a malformed checkpoint (exit 2, one line).
$MK make "$TMP/badbias" qwen2-badbias
expect_exit 2 "a bias of the wrong shape" -- $F audit "$TMP/badbias/orig" "$TMP/badbias/rew"
[ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q "rew/model.safetensors: tensor 'model.layers.0.self_attn.q_proj.bias': a bias of 1 dimension(s) \[63\] where config.json implies \[64\]" "$TMP/err"
ok $? "wrong-shape bias: one line naming file and tensor"

# Rotation files: the same rotations written as float64 and as float32
# values; both fold (the file's precision sets the tolerance), a float32
# file reports its orthogonality defect.
R=$TMP/qwen2-rotated
for w in 64 32; do
  $MK forward "$R/orig" --rotation "$R/rot$w.json" | tail -n 1 | grep -qx equivalent
  ok $? "rot$w: the forward pass finds the fold equivalent"
  expect_exit 0 "rot$w.json folds, biases included" -- $F audit "$R/orig" --rotation "$R/rot$w.json"
  grep -q "^verdicts: 8 foldable" "$TMP/out"; ok $? "rot$w: 8 heads foldable"
done
grep -q "^rotation file: numbers to u = 5.96e-08; worst orthogonality defect ||R^T R - I||_F = .* (within its precision's bound" "$TMP/out"
ok $? "rot32: the file's precision and orthogonality defect are reported"
# One entry of layer 1 group 0 scaled by 1.001: orthogonal to no
# float32 precision; that group's heads are flagged, the rest fold.
$PY -c "
import json, struct
j = json.load(open('$R/rot32.json')); r = j['rotations'][1][0][0]
r[0] = struct.unpack('f', struct.pack('f', r[0] * 1.001))[0]
json.dump(j, open('$TMP/rotbad.json', 'w'))"
$MK forward "$R/orig" --rotation "$TMP/rotbad.json" | tail -n 1 | grep -qx different
ok $? "rotbad: the forward pass finds the fold different"
expect_exit 1 "a rotation off orthogonal by 1e-3 is flagged" -- $F audit "$R/orig" --rotation "$TMP/rotbad.json" --cases 0
grep -q "ABOVE its precision's bound" "$TMP/out" && grep -q "^verdicts: 6 foldable" "$TMP/out" &&
  grep -q "layer 1 head 0: broken: the rotation file's matrix for layer 1 group 0 is not orthogonal" "$TMP/out"
ok $? "rotbad: the defect is above the bound; layer 1 group 0's heads flagged, the file named"

# Detection near the storage noise: a Givens rotation of 1e-3, 1e-4, 1e-5
# rad between planes 1 and 5 after the commuting R, F32 (outputs move by
# about 0.3 x the angle; F32 storage alone by about 5e-8, so the forward
# pass's tolerance is 1e-6).
FWTOL=1e-6
for a in 1e-3 1e-4 1e-5; do
  case_ mix_$a 1 "0 foldable, 0 vo-only, 8 online, 0 broken, 0 pruned" \
    "layer 1 head 3: online: orthogonal, off the RoPE commutant by .*planes 1-5"
done
# BF16 storage of the rewrite moves outputs by about 3e-3 itself: the
# forward pass confirms a mixing of 1e-2 rad by a larger change than the
# unmixed BF16 rewrite of the same seed; the threshold (3 x the noise
# measured from the rounding residual) flags it and passes the unmixed one.
FWTOL=1
case_ mix_0_bf16 0 "8 foldable, 0 vo-only, 0 online, 0 broken, 0 pruned"
grep -q "^rewritten: .*(BF16)" "$TMP/out"; ok $? "mix_0_bf16: the rewrite is read as BF16"
FWTOL=0
case_ mix_1e-2_bf16 1 "0 foldable, 0 vo-only, 8 online, 0 broken, 0 pruned"
n0=$(head -n 1 "$TMP/mix_0_bf16.fw" | awk '{print $NF}')
n1=$(head -n 1 "$TMP/mix_1e-2_bf16.fw" | awk '{print $NF}')
awk -v a="$n0" -v b="$n1" 'BEGIN { exit !(b > 1.2 * a) }'
ok $? "mix_1e-2_bf16: the forward pass moves more ($n1) than BF16 storage alone ($n0)"

# The certification samples the first, middle and last layer and the
# first and last KV group of each; --certify-all certifies every group.
$MK make "$TMP/deep" deep
expect_exit 0 "deep: sampled certification" -- $F audit "$TMP/deep/orig" "$TMP/deep/rew" $A --cases 1
grep -q "a sample of 6 of the 20 KV groups" "$TMP/out" &&
  [ "$(grep -c 'within the storage bound' "$TMP/out")" -eq 6 ] &&
  grep -q "layer 2 group 3: " "$TMP/out" && grep -q "^verdicts: 20 foldable" "$TMP/out"
ok $? "deep: 6 of 20 groups certified (layers 0, 2, 4; groups 0, 3), 20 heads checked"
expect_exit 0 "deep: --certify-all" -- $F audit "$TMP/deep/orig" "$TMP/deep/rew" $A --cases 1 --certify-all --progress
[ "$(grep -c 'within the storage bound' "$TMP/out")" -eq 20 ] && ! grep -q "a sample of" "$TMP/out"
ok $? "deep: --certify-all certifies the 20 groups"
[ "$(grep -c '^audit: [0-9]*/25 ' "$TMP/err")" -eq 25 ] && grep -q "^audit: 25/25 layer 4 group 3 certified" "$TMP/err"
ok $? "deep: --progress reports 25 steps (5 layers, 20 groups) on stderr"

# Contradictory layer options.
expect_exit 2 "--certify-layers outside --layers" -- $F audit "$R/orig" "$R/rew" --layers 0 --certify-layers 1
grep -q "names layer 1, which --layers 0 does not audit" "$TMP/err"; ok $? "the message names the layer"
expect_exit 2 "--certify-layers with --certify-all" -- $F audit "$R/orig" "$R/rew" --certify-layers 1 --certify-all
grep -q "one or the other" "$TMP/err"; ok $? "the message says one or the other"
expect_exit 2 "--certify-layers with --cases 0" -- $F audit "$R/orig" "$R/rew" --certify-layers 1 --cases 0
grep -q "with --cases 0: no certification would run" "$TMP/err"; ok $? "the message says nothing would be certified"
expect_exit 0 "--certify-layers inside --layers" -- $F audit "$R/orig" "$R/rew" $A --layers 0-1 --certify-layers 1
[ "$(grep -c 'within the storage bound' "$TMP/out")" -eq 2 ]; ok $? "only layer 1 certified"
done_testing

#!/bin/sh
# cli-audit-quarot.sh -- `foldcheck audit` on QuaRot-style residual-stream
# rewrites (one orthogonal Q on the hidden stream, RMSNorm gains fused, plus
# head-wise V/O rotations and a stated online Hadamard before down_proj),
# written by tests/mkckpt_quarot.py (numpy), correct and broken.  Every
# expected verdict is first confirmed by the script's own float64 forward
# pass of both whole models (embedding, layers with RMSNorm, RoPE attention
# and MLP, final norm, lm_head): a rewrite is expected to pass iff the
# logits agree to the storage rounding.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
A="--rewrite-arith f64"   # the fixture rotates in float64, as QuaRot does
need_numpy_python
MK="$PY $top_srcdir/tests/mkckpt_quarot.py"

# case SCENARIO EXIT STREAM VERDICTS [GREP [AUDIT OPTIONS]]: the forward
# pass says equivalent iff EXIT is 0 (logits within $FWTOL, relative;
# $FWOPT passes --online-hadamard to it); the audit exits EXIT, its
# residual-rotation line starts with STREAM, its verdict line is VERDICTS.
FWTOL=1e-5
FWOPT=
case_() {
  sc=$1; want=$2; strm=$3; verd=$4; pat=$5; shift 4; [ $# -gt 0 ] && shift
  d=$TMP/$(echo "$sc" | tr '+=' '__')
  $MK make "$d" "$sc"
  $MK forward "$d/orig" "$d/rew" $FWOPT --tol $FWTOL > "$d.fw"
  if [ "$want" -eq 0 ]; then fw=equivalent; else fw=different; fi
  tail -n 1 "$d.fw" | grep -qx "$fw"
  ok $? "$sc: the float64 forward pass finds the models $fw ($(head -n 1 "$d.fw"))"
  expect_exit "$want" "$sc: audit exit" -- $F audit "$d/orig" "$d/rew" $A --cases 1 "$@"
  grep -q "^residual rotation: $strm" "$TMP/out"
  ok $? "$sc: residual rotation: $strm"
  grep -q "^verdicts: $verd\$" "$TMP/out"
  ok $? "$sc: verdicts $verd"
  if [ -n "$pat" ]; then
    grep -q -- "$pat" "$TMP/out"; ok $? "$sc: report says '$pat'"
  fi
  cp "$TMP/out" "$d.txt"
}

ALL="12 foldable, 0 vo-only, 0 online, 0 broken, 0 pruned"
L1="8 foldable, 0 vo-only, 0 online, 4 broken, 0 pruned"
C="consistent: Q orthogonal"

# F32: correct rewrites pass, each broken one is named.
case_ correct 0 "$C" "$ALL" \
  "^residual stream (auto: a norm weight or the embeddings changed): Q 64 x 64 recovered from layer 0"
grep -q "all 3 audited layers (attention, mlp) + embed_tokens + lm_head" "$TMP/out" &&
  [ "$(grep -c 'within the storage bound' "$TMP/out")" -eq 6 ]
ok $? "correct: 3 layers, mlp, embed_tokens, lm_head; 6 de-rotated blocks certified"
case_ headwise 0 "$C" "$ALL" "other-orth"
FWOPT=--online-hadamard
case_ hadamard+headwise 0 "$C" "$ALL" "stated: online Hadamard before down_proj" \
  --online-hadamard down_proj
FWOPT=
# the same checkpoint without the Hadamard stated: down_proj' is not Q down
$MK forward "$TMP/hadamard_headwise/orig" "$TMP/hadamard_headwise/rew" | tail -n 1 | grep -qx different
ok $? "hadamard unstated: the forward pass without the online Hadamard differs"
expect_exit 1 "hadamard unstated: audit exit" -- $F audit "$TMP/hadamard_headwise/orig" "$TMP/hadamard_headwise/rew" $A --cases 0
grep -q "^residual rotation: BROKEN: layer 0: model.layers.0.mlp.down_proj.weight not rotated (output side) with Q" "$TMP/out"
ok $? "hadamard unstated: down_proj named"
case_ otherq 1 "BROKEN: layer 1: another residual rotation" "$L1"
case_ gain-kept 1 "BROKEN: layer 0: q_proj/k_proj' diag(g') is no rotation" "$L1" \
  "the rewritten input_layernorm.weight is not 1"
case_ gain-dropped 1 "BROKEN: layer 0: input_layernorm gain not fused" "$L1"
case_ nowo 1 "BROKEN: layer 1: o_proj not rotated with Q" "$L1" \
  "layer 1 head 0: broken: Wo not compensated"
case_ nodown 1 "BROKEN: layer 0: model.layers.0.mlp.down_proj.weight not rotated (output side)" "$ALL"
case_ noembed 1 "BROKEN: model.embed_tokens.weight not rotated with Q" "$ALL"
case_ nolm 1 "BROKEN: lm_head.weight not rotated with Q" "$ALL"
# A Givens rotation of 1e-5 rad between residual coordinates 1 and 5 in
# layer 1's Q: the logits move by about 0.3 x the angle, F32 storage alone
# by about 1e-7; the forward pass confirms against the correct rewrite.
FWTOL=0
case_ givens=1e-5 1 "BROKEN: layer 1: another residual rotation" "$L1"
n0=$(head -n 1 "$TMP/correct.fw" | awk '{print $NF}')
n1=$(head -n 1 "$TMP/givens_1e-5.fw" | awk '{print $NF}')
awk -v a="$n0" -v b="$n1" 'BEGIN { exit !(b > 10 * a) }'
ok $? "givens=1e-5: the forward pass moves ($n1) more than F32 storage alone ($n0)"

# BF16 (both checkpoints): storage alone moves the logits by about 7e-3.
FWTOL=0.05
case_ correct+bf16 0 "$C" "$ALL"
grep -q "^rewritten: .*(BF16)" "$TMP/out"; ok $? "correct+bf16: the rewrite is read as BF16"
case_ headwise+bf16 0 "$C" "$ALL"
case_ otherq+bf16 1 "BROKEN: layer 1: another residual rotation" "$L1"
case_ gain-kept+bf16 1 "BROKEN: layer 0: q_proj/k_proj' diag(g') is no rotation" "$L1"
case_ gain-dropped+bf16 1 "BROKEN: layer 0: input_layernorm gain not fused" "$L1"
case_ nowo+bf16 1 "BROKEN: layer 1: o_proj not rotated with Q" "$L1"
case_ nodown+bf16 1 "BROKEN: layer 0: model.layers.0.mlp.down_proj.weight not rotated" "$ALL"
FWTOL=0
case_ givens=0.3+bf16 1 "BROKEN: layer 1: another residual rotation" "$L1"
n0=$(head -n 1 "$TMP/correct_bf16.fw" | awk '{print $NF}')
n1=$(head -n 1 "$TMP/givens_0.3_bf16.fw" | awk '{print $NF}')
awk -v a="$n0" -v b="$n1" 'BEGIN { exit !(b > 3 * a) }'
ok $? "givens=0.3+bf16: the forward pass moves ($n1) more than BF16 storage alone ($n0)"

# Reports: the stream verdict in JSON, Markdown and HTML.
D=$TMP/otherq
expect_exit 1 "json" -- $F audit "$D/orig" "$D/rew" $A --cases 0 --format json
grep -q '"residual_stream": {' "$TMP/out" && grep -q '"broken": true' "$TMP/out" &&
  grep -q '"reference_layer": 0' "$TMP/out"
ok $? "json: residual_stream, broken, reference layer"
expect_exit 1 "markdown" -- $F audit "$D/orig" "$D/rew" $A --cases 0 --format markdown
grep -q "^\*\*RESIDUAL STREAM BROKEN: layer 1: another residual rotation" "$TMP/out" &&
  grep -q "^- residual rotation: BROKEN" "$TMP/out"
ok $? "markdown: banner and stream line"
expect_exit 1 "html" -- $F audit "$D/orig" "$D/rew" $A --cases 0 --format html
grep -q 'class="banner bad">RESIDUAL STREAM BROKEN' "$TMP/out"
ok $? "html: the banner says the stream is broken"

# Options.  --residual off: the per-head audit alone sees no head fold (the
# residual rotation is no head-space map): every head broken, as before.
D=$TMP/correct
expect_exit 1 "--residual off" -- $F audit "$D/orig" "$D/rew" $A --cases 0 --residual off
grep -q "^verdicts: 0 foldable, 0 vo-only, 0 online, 12 broken" "$TMP/out" && ! grep -q "^residual" "$TMP/out"
ok $? "--residual off: no stream, 12 heads broken"
expect_exit 0 "--residual on" -- $F audit "$D/orig" "$D/rew" $A --cases 0 --residual on
grep -q "^residual stream (--residual on)" "$TMP/out"; ok $? "--residual on is said"
expect_exit 2 "--residual bogus" -- $F audit "$D/orig" "$D/rew" --residual maybe
grep -q "expects auto, on or off" "$TMP/err"; ok $? "--residual bogus: message"
expect_exit 2 "--online-hadamard bogus" -- $F audit "$D/orig" "$D/rew" --online-hadamard up_proj
grep -q "expects down_proj" "$TMP/err"; ok $? "--online-hadamard bogus: message"
expect_exit 2 "--online-hadamard with --residual off" -- $F audit "$D/orig" "$D/rew" --online-hadamard down_proj --residual off
expect_exit 2 "--online-hadamard, intermediate 96" -- sh -c "
  $PY -c \"
import sys; sys.path.insert(0, '$top_srcdir/tests'); import mkckpt_quarot as m
m.I = 96; m.make('$TMP/i96', 'correct', 1)\" &&
  $F audit '$TMP/i96/orig' '$TMP/i96/rew' --online-hadamard down_proj --cases 0"
grep -q "intermediate size 96 is no power of 2" "$TMP/err"; ok $? "no power of 2: message names the tensor's size"
# A tensor in one checkpoint only: exit 2, named.
$PY -c "
import sys; sys.path.insert(0, '$top_srcdir/tests'); import mkckpt_bias as mb
t = mb.read_st('$D/rew/model.safetensors'); del t['lm_head.weight']
import shutil, os; os.makedirs('$TMP/nolm', exist_ok=True)
shutil.copy('$D/rew/config.json', '$TMP/nolm/config.json')
mb.write_st('$TMP/nolm/model.safetensors', t)"
expect_exit 2 "lm_head in one checkpoint only" -- $F audit "$D/orig" "$TMP/nolm" --cases 0
grep -q "tensor 'lm_head.weight' is in one checkpoint only" "$TMP/err"; ok $? "the tensor is named"
# Not Llama-named: --residual on is refused, auto stays off.
$PY "$top_srcdir/tests/mkckpt_bias.py" make "$TMP/neox" neox-rotated
expect_exit 2 "--residual on with GPT-NeoX" -- $F audit "$TMP/neox/orig" "$TMP/neox/rew" --residual on
grep -q "Llama-family tensor names only" "$TMP/err"; ok $? "GPT-NeoX: the message says why"
done_testing

#!/bin/sh
# torch-client.sh -- issue 16 item 9, issue 20 item 5: a Hugging Face-style
# Llama layer in PyTorch (examples/python/hf_llama.py, served through
# examples/python/foldcheck_torch.py) checked over the exec protocol.
#   float32: every contract passes (fixed seed, ci profile);
#   its --bug variants fail at the property that owns the bug, and only
#   there;
#   bfloat16 declared bf16/fp32: what foldcheck says today (rope and
#   attention fail: the code rounds to bf16 where a two-part declaration
#   allows one rounding per output; see issue 20), and torch 1.13's small
#   bf16 matmul caught by contract.fold_invariance while the same fold in
#   float32, rounded once, passes.
# Needs a Python with torch and NumPy: $TORCH_PYTHON, default /usr/bin/python3
# (Debian's python3-torch; a python3 first on PATH may be another
# interpreter).  Without it: a loud skip, with the reason and how to install
# torch on stderr and in the TAP plan.  The skip exits 0, not 77: under
# automake's TAP driver a plan of "1..0 # SKIP" is what counts as SKIPPED,
# and a status of 77 is reported as an ERROR on top of it.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
PY=${TORCH_PYTHON:-/usr/bin/python3}
if ! TV=$("$PY" -c "import torch, numpy; print(torch.__version__)" 2>"$TMP/imp")
then
  msg="torch is not importable by $PY ($(tail -1 "$TMP/imp")): install it (Debian/Ubuntu: apt-get install python3-torch python3-numpy) or set TORCH_PYTHON to a python with torch"
  echo "$msg" >&2
  echo "1..0 # SKIP $msg"
  exit 0
fi
export PYTHONDONTWRITEBYTECODE=1 # keep the source tree clean (distcheck)
EX="$top_srcdir/examples/python/hf_llama.py"
# The first call of each client, the hello, includes torch's import: about
# 2 s, but minutes on a machine loaded to 8 runnable processes per core
# (measured).  A generous per-call timeout keeps that from reading as a
# failure; one thread, so one client (one import) per run.
RUN="run --profile ci --seed 1 --threads 1 --kernel-timeout 600 --shrink-steps 300"
K="exec:$PY $EX"

# verdict PROPERTY: its verdict column in the text report in $TMP/out.
verdict() { awk -v p="$1" '$1 == p {print $4; exit}' "$TMP/out"; }

# --- float32 -----------------------------------------------------------
expect_exit 0 "float32: every contract passes" -- \
  $F $RUN 'contract.*' --cases 40 --kernels "$K --dtype float32"
grep -q "(hf-llama-float32): storage fp32, accumulation fp32" "$TMP/err" && r=0 || r=1
ok $r "the handshake names the client and its declaration"
grep -q "^8 properties: 8 passed" "$TMP/out" && r=0 || r=1
ok $r "all 8 contract properties ran"

# bug PROPERTY-THAT-FAILS PROPERTY-THAT-PASSES
bug() {
  expect_exit 1 "--bug $1 is caught" -- $F $RUN contract.rope_accuracy \
    contract.attention_accuracy --cases 20 \
    --kernels "$K --dtype float32 --bug $1"
  [ "$(verdict "$2")" = FAIL ] && [ "$(verdict "$3")" = pass ] && r=0 || r=1
  ok $r "--bug $1: $2 fails, $3 passes"
  grep -q "shrink: " "$TMP/out" && r=0 || r=1; ok $r "--bug $1: the counterexample is shrunk"
}
bug causal contract.attention_accuracy contract.rope_accuracy
bug gqa contract.attention_accuracy contract.rope_accuracy
bug layout contract.rope_accuracy contract.attention_accuracy
grep -q "s.layout = 0" "$TMP/out" && r=0 || r=1
ok $r "--bug layout: the counterexample is in the interleaved layout"

# --- bfloat16 declared bf16/fp32 -----------------------------------------
# What is true today with a two-part declaration (issue 20): HF's bf16
# RoPE rounds cos/sin, both products and the sum to bf16 (four roundings
# per output where bf16/fp32 allows one), and its attention rounds the
# scores to bf16 twice before the float32 softmax: both fail.
expect_exit 1 "bfloat16 declared bf16/fp32 fails" -- \
  $F $RUN contract.rope_accuracy contract.attention_accuracy \
  contract.sign_quant contract.allocator --cases 40 \
  --kernels "$K --dtype bfloat16"
grep -q "(hf-llama-bfloat16): storage bf16, accumulation fp32" "$TMP/err" && r=0 || r=1
ok $r "bf16: the handshake declares bf16/fp32"
[ "$(verdict contract.rope_accuracy)" = FAIL ] && r=0 || r=1
ok $r "bf16/fp32: rope_apply fails (cos/sin and the products rounded to bf16)"
[ "$(verdict contract.attention_accuracy)" = FAIL ] && r=0 || r=1
ok $r "bf16/fp32: attention fails (scores rounded to bf16 twice)"
[ "$(verdict contract.sign_quant)" = pass ] &&
  [ "$(verdict contract.allocator)" = pass ] && r=0 || r=1
ok $r "bf16/fp32: sign_quant and the allocator (float32 inside) pass"

# Three-part declaration: what the code computes is bf16/bf16/fp32 (preset
# hf-bf16): bf16 tensor ops and stage results, fp32 reductions.  Declared
# so, the client must pass rope, attention and the block, and a real bug
# must still be caught under it.
expect_exit 0 "bfloat16 declared hf-bf16: rope, attention, block pass" -- \
  $F $RUN contract.rope_accuracy contract.attention_accuracy \
  contract.block_accuracy --cases 40 \
  --kernels "$K --dtype bfloat16 --arith hf-bf16"
grep -q "storage bf16, elementwise bf16, accumulation fp32" "$TMP/err" &&
  r=0 || r=1
ok $r "hf-bf16: the handshake declares three parts"
expect_exit 1 "hf-bf16 --bug layout is caught" -- \
  $F $RUN contract.rope_accuracy --cases 40 \
  --kernels "$K --dtype bfloat16 --arith hf-bf16 --bug layout"

# torch 1.13's CPU matmul of small bf16 matrices is not once-rounded:
# with the layer computed in float32 (rounded once), the fold through
# `R @ W` fails fold_invariance and the same fold in float32 passes.
case $TV in
  1.*)
    expect_exit 1 "bf16 fold through R @ W (torch $TV): fold_invariance fails" -- \
      $F $RUN contract.fold_invariance --cases 40 \
      --kernels "$K --dtype bfloat16 --compute float32 --fold matmul" ;;
  *)
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP torch $TV: the bf16 matmul finding is torch 1.x's" ;;
esac
expect_exit 0 "bf16 fold in float32, rounded once: fold_invariance passes" -- \
  $F $RUN contract.fold_invariance --cases 40 \
  --kernels "$K --dtype bfloat16 --compute float32 --fold float32"
done_testing

#!/usr/bin/python3
"""hf_llama.py -- a Llama attention layer written the way Hugging Face
transformers writes it, checked by foldcheck through foldcheck_torch.py.

    foldcheck run --kernel-timeout 60 \
        --kernels 'exec:/usr/bin/python3 examples/python/hf_llama.py --dtype float32'

(/usr/bin/python3: Debian's python3-torch; a python3 first on PATH may lack
torch.)  What it computes, as transformers' modeling_llama.py does:
  - RoPE through cos/sin caches: inv_freq in float32, angles
    position * inv_freq in float32, emb = cat(freqs, freqs), cos/sin cast
    to the activation dtype, then q * cos + rotate_half(q) * sin in that
    dtype.  Partial rotary as GPT-NeoX (rotate the first rotary_dim
    coordinates, pass the rest); the interleaved layout (pairs (2i, 2i+1))
    as GPT-J's rotate_every_two with repeat_interleave'd cos/sin;
  - attention: repeat_kv (grouped-query heads through expand + reshape),
    scores = q @ k^T * head_dim**-0.5 in the activation dtype, an additive
    causal mask of finfo.min above the diagonal, softmax upcast to float32
    and cast back, then @ v;
  - LlamaRMSNorm: variance in float32, x * rsqrt(var + eps) cast back, then
    times the weight;
  - the layer: q/k/v/o projections as F.linear (nn.Linear), residual add.
sign_quant and allocate_bits are not Llama's: small torch versions, so that
`foldcheck run 'contract.*'` has every contract to check.

--dtype float32 | bfloat16 | float16   the activation/storage dtype
--arith DECL      the declaration: S/A, S/E/A or a preset (default fp32/fp32;
                  bf16/fp32 for bf16).  What this code computes in bf16 is
                  hf-bf16 = bf16/bf16/fp32 (bf16 tensor ops, fp32
                  reductions), which needs foldcheck 0.2's three-part hello
--fold matmul | linear | float32   fold_weights as R @ W, W @ R.T in the
                  storage dtype (default), through F.linear (nn.Linear's
                  kernel), or in float32 rounded once to the storage dtype.
                  In bfloat16, torch 1.13's CPU matmul of small matrices is
                  not once-rounded (it rounds each product to bf16 before
                  adding: 0.8671875 * 8.125 + 0.5 * 2 = 8.0458984375 comes
                  out 8.0, not 8.0625) and F.linear of a matrix by a vector
                  neither: contract.fold_invariance catches both
--compute float32  rope, attention and the block compute in float32 from the
                  storage dtype's inputs and round their outputs once (what a
                  "round once at the output" kernel does; isolates fold)
--bug causal      causal mask off by one (torch.triu(..., diagonal=2): each
                  query also sees the next key)
--bug layout      rotate_half applied whatever the layout (a GPT-J
                  interleaved checkpoint run through Llama code)
--bug gqa         k.repeat(1, n_rep, 1, 1) instead of repeat_kv (query head
                  h reads kv head h % kv instead of h // n_rep)
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from foldcheck_torch import (DTYPES, LAYOUT_HALF, serve)  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

BUG = None
FOLD = "matmul"


# ------------------------------------------------------------------ RoPE
def rotate_half(x):
    """Rotates half the hidden dims of the input (Llama, GPT-NeoX)."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rotate_every_two(x):
    """GPT-J: pairs (2i, 2i+1) -> (-x_{2i+1}, x_{2i})."""
    x1 = x[..., ::2]
    x2 = x[..., 1::2]
    return torch.stack((-x2, x1), dim=-1).flatten(-2)


def rotary_cos_sin(position_ids, theta, rotary_dim, layout, dtype):
    """LlamaRotaryEmbedding.forward: cos/sin caches in float32, cast to the
    activation dtype.  position_ids (..., T) -> cos, sin (..., T, rotary)."""
    inv_freq = theta[: rotary_dim // 2].to(torch.float32)  # the buffer
    freqs = position_ids.to(torch.float32)[..., None] * inv_freq
    if layout == LAYOUT_HALF or BUG == "layout":
        emb = torch.cat((freqs, freqs), dim=-1)
    else:
        emb = torch.repeat_interleave(freqs, 2, dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def apply_rotary_pos_emb(x, cos, sin, rotary_dim, layout):
    """x * cos + rotate(x) * sin on the first rotary_dim coordinates."""
    if rotary_dim == 0:
        return x.clone()
    x_rot, x_pass = x[..., :rotary_dim], x[..., rotary_dim:]
    rot = rotate_half if (layout == LAYOUT_HALF or BUG == "layout") \
        else rotate_every_two
    x_embed = (x_rot * cos) + (rot(x_rot) * sin)
    return torch.cat((x_embed, x_pass), dim=-1)


def rope(x, pos, theta, layout, rotary_dim):
    cos, sin = rotary_cos_sin(pos, theta, rotary_dim, layout, x.dtype)
    return apply_rotary_pos_emb(x, cos, sin, rotary_dim, layout)


# ------------------------------------------------------------- attention
def repeat_kv(hidden_states, n_rep):
    """(batch, kv, T, d) -> (batch, kv * n_rep, T, d): kv head g serves
    query heads g n_rep .. g n_rep + n_rep - 1."""
    batch, kv, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    if BUG == "gqa":
        return hidden_states.repeat(1, n_rep, 1, 1)
    hidden_states = hidden_states[:, :, None, :, :].expand(
        batch, kv, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, kv * n_rep, slen, head_dim)


def causal_mask(T, dtype):
    mask = torch.full((T, T), torch.finfo(dtype).min, dtype=dtype)
    return torch.triu(mask, diagonal=2 if BUG == "causal" else 1)


def attention(query, key, value, causal):
    """eager_attention_forward: (1, heads, T, d), (1, kv, T, d) x 2."""
    n_rep = query.shape[1] // key.shape[1]
    key_states = repeat_kv(key, n_rep)
    value_states = repeat_kv(value, n_rep)
    scaling = query.shape[-1] ** -0.5
    attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling
    if causal:
        attn_weights = attn_weights + causal_mask(query.shape[2],
                                                  query.dtype)
    attn_weights = F.softmax(attn_weights, dim=-1,
                             dtype=torch.float32).to(query.dtype)
    return torch.matmul(attn_weights, value_states)


# ----------------------------------------------------------------- block
def rms_norm(hidden_states, weight, eps):
    """LlamaRMSNorm.forward."""
    input_dtype = hidden_states.dtype
    hidden_states = hidden_states.to(torch.float32)
    variance = hidden_states.pow(2).mean(-1, keepdim=True)
    hidden_states = hidden_states * torch.rsqrt(variance + eps)
    return weight * hidden_states.to(input_dtype)


def block(x, *, wq, wk, wv, wo, gain, eps, position_ids, theta, heads, kv,
          causal, residual, layout, rotary_dim):
    """LlamaDecoderLayer's attention half: input_layernorm, self_attn,
    residual add."""
    bsz, T, _ = x.shape
    d = wq.shape[0] // heads
    h = rms_norm(x, gain, eps) if gain is not None else x
    q = F.linear(h, wq).view(bsz, T, heads, d).transpose(1, 2)
    k = F.linear(h, wk).view(bsz, T, kv, d).transpose(1, 2)
    v = F.linear(h, wv).view(bsz, T, kv, d).transpose(1, 2)
    cos, sin = rotary_cos_sin(position_ids, theta, rotary_dim, layout,
                              x.dtype)
    cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)  # broadcast over heads
    q = apply_rotary_pos_emb(q, cos, sin, rotary_dim, layout)
    k = apply_rotary_pos_emb(k, cos, sin, rotary_dim, layout)
    ctx = attention(q, k, v, causal)
    ctx = ctx.transpose(1, 2).reshape(bsz, T, heads * d)
    out = F.linear(ctx, wo)
    return x + out if residual else out


# ------------------------------------------------- fold and the others
def fold(w, r, side):
    """The offline weight rewrite: side 0 R W, side 1 W R^T."""
    if FOLD == "linear":  # F.linear(a, b) = a b^T: nn.Linear's kernel
        if side == 0:
            return F.linear(r, w.t().contiguous())
        return F.linear(w, r)
    if FOLD == "float32":  # products and sums in float32, rounded once
        wf, rf = w.to(torch.float32), r.to(torch.float32)
        return (rf @ wf if side == 0 else wf @ rf.t()).to(w.dtype)
    return r @ w if side == 0 else w @ r.t()


def sign_quant(k):
    s = torch.where(k >= 0, 1.0, -1.0).to(k.dtype)
    return s, k.abs().to(torch.float32).sum() / k.shape[0]


def allocate_bits(keys, d_l):
    kf = keys.to(torch.float32)
    l1 = kf.abs().sum(dim=1)
    l2 = kf.pow(2).sum(dim=1).sqrt()
    c = torch.clamp(l1 / (math.sqrt(keys.shape[1]) * l2), max=1.0)
    angle = torch.rad2deg(torch.acos(c)).mean().item()
    if d_l >= 512 and angle <= 40:
        return 1
    return 2 if angle <= 44 else 3


def upcast(fn, keys=()):
    """fn computed in float32 from the storage dtype's inputs, its output
    rounded once to the storage dtype (--compute float32)."""
    def wrapped(*args, **kw):
        dtype = args[0].dtype
        f32 = [a.to(torch.float32) if isinstance(a, torch.Tensor) and
               a.is_floating_point() and a.dtype == dtype else a
               for a in args]
        kw = {k: (v.to(torch.float32) if k in keys and v is not None else v)
              for k, v in kw.items()}
        return fn(*f32, **kw).to(dtype)
    return wrapped


def main(argv):
    global BUG, FOLD
    ap = argparse.ArgumentParser(
        prog="hf_llama.py",
        description="A Hugging Face-style Llama attention layer served to "
        "foldcheck (run with /usr/bin/python3: Debian's python3-torch).")
    ap.add_argument("--dtype", choices=("float32", "bfloat16", "float16"),
                    default="float32")
    ap.add_argument("--arith", help="declaration STORAGE/ACCUM, "
                    "STORAGE/ELEMENTWISE/ACCUM or a preset (hf-bf16 = "
                    "bf16/bf16/fp32: what this code computes in bf16); "
                    "default fp32/fp32 for float32, bf16/fp32 for bfloat16")
    ap.add_argument("--fold", choices=("matmul", "linear", "float32"),
                    default="matmul")
    ap.add_argument("--compute", choices=("storage", "float32"),
                    default="storage")
    ap.add_argument("--bug", choices=("causal", "layout", "gqa"))
    a = ap.parse_args(argv)
    BUG, FOLD = a.bug, a.fold
    name = "hf-llama-" + a.dtype + ("-bug-" + a.bug if a.bug else "")
    r, at, bl = rope, attention, block
    if a.compute == "float32":
        r, at = upcast(rope), upcast(attention)
        bl = upcast(block, ("wq", "wk", "wv", "wo", "gain"))
        name += "-compute-float32"
    serve(rope=r, attention=at, block=bl, fold=fold,
          sign_quant=sign_quant, allocate_bits=allocate_bits,
          dtype=DTYPES[a.dtype], name=name, arith=a.arith)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

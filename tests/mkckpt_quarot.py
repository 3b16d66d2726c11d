#!/usr/bin/env python3
"""mkckpt_quarot.py -- small Llama-style checkpoints and their QuaRot-style
residual-stream rewrites for tests/cli-audit-quarot.sh, and an independent
float64 forward pass of the whole model that says whether two checkpoints
compute the same logits.

  mkckpt_quarot.py make OUTDIR SCENARIO [--seed S]
      writes OUTDIR/orig and OUTDIR/rew (config.json + model.safetensors:
      embed_tokens, per layer input_layernorm, q/k/v/o_proj,
      post_attention_layernorm, gate/up/down_proj, then model.norm and
      lm_head).
  mkckpt_quarot.py forward ORIG REW [--online-hadamard] [--tol X]
      prints "max relative logit difference X" and then "equivalent" or
      "different" (X below or above the tolerance, default 1e-5).
      --online-hadamard: the rewritten model applies the normalised
      Sylvester Hadamard to the MLP activation before down_proj (the
      online rotation the checkpoint does not hold).

Model: 3 layers, hidden 64, 4 heads over 2 KV heads of d = 16,
intermediate 128, vocabulary 96, rope_theta 10000, rotate_half, RMSNorm
(eps 1e-6) with gains drawn in [0.5, 1.5] and two outlier channels at 4.
The rewrite (QuaRot, in float64 from the stored values, then rounded to
the storage format): one random orthogonal Q (64 x 64) on the residual
stream, W diag(g) Q^T for q/k/v, gate/up and lm_head (the norms' gains
fused, their weights set to 1), Q W for o_proj and down_proj, embed Q^T.
SCENARIO, words joined by '+':
  correct       the rewrite above
  headwise      plus per KV group an orthogonal H_g on V (Wv'_g = H_g
                Wv'_g) and H_g^T on the group's Wo' columns
  hadamard      plus an online Hadamard before down_proj, folded into
                down_proj' = Q down H^T (audit with --online-hadamard)
  otherq        layer 1 rewritten, consistently, with another random Q
  givens=EPS    layer 1 rewritten with G Q, G a Givens rotation of EPS rad
                between residual coordinates 1 and 5
  gain-kept     layer 0's input_layernorm gain fused and also left in the
                norm (applied twice)
  gain-dropped  layer 0's input_layernorm set to 1 but its gain not fused
  nowo          layer 1's o_proj not rotated
  nodown        layer 0's down_proj not rotated
  noembed       embed_tokens not rotated
  nolm          lm_head not rotated (the final gain fused)
  bf16          both checkpoints stored in BF16 (else F32)
This is a test fixture (numpy); the harness itself never uses Python.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import mkckpt_bias as mb  # noqa: E402  (re-executes under /usr/bin/python3)
np = mb.np

L, N, H, KV, D, I, V = 3, 64, 4, 2, 16, 128, 96
EPS = 1e-6


def rnd(a, dtype):
    """Round float64 values to the storage format (exact afterwards)."""
    a = a.astype(np.float32).astype(np.float64)
    if dtype == "BF16":
        u = mb.bf16_bits(a).astype("<u4") << 16
        a = u.view("<f4").astype(np.float64)
    return a


def orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def sylvester(m):
    h = np.ones((1, 1))
    while h.shape[0] < m:
        h = np.block([[h, h], [h, -h]])
    return h / np.sqrt(m)


def config():
    return {"model_type": "llama", "hidden_size": N, "num_hidden_layers": L,
            "num_attention_heads": H, "num_key_value_heads": KV,
            "intermediate_size": I, "vocab_size": V, "rms_norm_eps": EPS,
            "rope_theta": mb.THETA, "max_position_embeddings": 4096,
            "tie_word_embeddings": False}


def make(out, scenario, seed):
    words = scenario.split("+")
    dt = "BF16" if "bf16" in words else "F32"
    giv = [float(w.split("=")[1]) for w in words if w.startswith("givens=")]
    rng = np.random.default_rng(seed)
    R = lambda a: rnd(a, dt)

    def gain():
        g = rng.uniform(0.5, 1.5, N)
        g[rng.choice(N, 2, replace=False)] = 4.0
        return R(g)

    o = {"model.embed_tokens.weight": R(rng.standard_normal((V, N)))}
    for l in range(L):
        p = "model.layers.%d." % l
        o[p + "input_layernorm.weight"] = gain()
        for nm, r, c in (("q_proj", H * D, N), ("k_proj", KV * D, N),
                         ("v_proj", KV * D, N), ("o_proj", N, H * D)):
            o[p + "self_attn." + nm + ".weight"] = R(
                rng.standard_normal((r, c)) / np.sqrt(c))
        o[p + "post_attention_layernorm.weight"] = gain()
        for nm, r, c in (("gate_proj", I, N), ("up_proj", I, N),
                         ("down_proj", N, I)):
            o[p + "mlp." + nm + ".weight"] = R(
                rng.standard_normal((r, c)) / np.sqrt(c))
    o["model.norm.weight"] = gain()
    o["lm_head.weight"] = R(rng.standard_normal((V, N)) / np.sqrt(N))

    Q = orthogonal(rng, N)
    Qs = [Q] * L
    if "otherq" in words:
        Qs[1] = orthogonal(rng, N)
    if giv:
        G = np.eye(N)
        c, s = np.cos(giv[0]), np.sin(giv[0])
        G[1, 1], G[1, 5], G[5, 1], G[5, 5] = c, -s, s, c
        Qs[1] = G @ Q
    Hs = [orthogonal(rng, D) for _ in range(KV)]
    Hd = sylvester(I)
    w = {}
    ones = np.ones(N)
    w["model.embed_tokens.weight"] = (o["model.embed_tokens.weight"] if
                                      "noembed" in words else
                                      o["model.embed_tokens.weight"] @ Q.T)
    for l in range(L):
        p, Ql = "model.layers.%d." % l, Qs[l]
        ga = o[p + "input_layernorm.weight"]
        gm = o[p + "post_attention_layernorm.weight"]
        fuse = ones if "gain-dropped" in words and l == 0 else ga
        w[p + "input_layernorm.weight"] = (
            ga if "gain-kept" in words and l == 0 else ones)
        for nm in ("q_proj", "k_proj", "v_proj"):
            k = p + "self_attn." + nm + ".weight"
            w[k] = o[k] * fuse @ Ql.T
        ko = p + "self_attn.o_proj.weight"
        w[ko] = o[ko] if "nowo" in words and l == 1 else Ql @ o[ko]
        if "headwise" in words:
            kv = p + "self_attn.v_proj.weight"
            for g in range(KV):
                s = slice(g * D, (g + 1) * D)
                w[kv][s] = Hs[g] @ w[kv][s]
            for h in range(H):
                g = h // (H // KV)
                s = slice(h * D, (h + 1) * D)
                w[ko][:, s] = w[ko][:, s] @ Hs[g].T
        w[p + "post_attention_layernorm.weight"] = ones
        for nm in ("gate_proj", "up_proj"):
            k = p + "mlp." + nm + ".weight"
            w[k] = o[k] * gm @ Ql.T
        kd = p + "mlp.down_proj.weight"
        w[kd] = o[kd] if "nodown" in words and l == 0 else Ql @ o[kd]
        if "hadamard" in words:
            w[kd] = w[kd] @ Hd.T
    w["model.norm.weight"] = ones
    w["lm_head.weight"] = o["lm_head.weight"] * o["model.norm.weight"] @ (
        np.eye(N) if "nolm" in words else Q.T)
    for side, t in (("orig", o), ("rew", w)):
        d = os.path.join(out, side)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(config(), f, indent=1)
        mb.write_st(os.path.join(d, "model.safetensors"),
                    {k: R(v) for k, v in t.items()}, dt)


# ----------------------------------------------------------- forward pass

def rmsnorm(x, g, eps):
    return x / np.sqrt((x * x).mean(axis=1, keepdims=True) + eps) * g


def logits(d, tokens, pos, online_hadamard):
    with open(os.path.join(d, "config.json")) as f:
        c = json.load(f)
    t = mb.read_st(os.path.join(d, "model.safetensors"))
    eps = c["rms_norm_eps"]
    x = t["model.embed_tokens.weight"][tokens]
    zero = lambda n: np.zeros(n)
    for l in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % l
        a = p + "self_attn."
        xn = rmsnorm(x, t[p + "input_layernorm.weight"], eps)
        wts = (t[a + "q_proj.weight"], t[a + "k_proj.weight"],
               t[a + "v_proj.weight"], t[a + "o_proj.weight"],
               zero(H * D), zero(KV * D), zero(KV * D), zero(N), H, KV)
        x = x + mb.attention(wts, xn, pos)
        xn = rmsnorm(x, t[p + "post_attention_layernorm.weight"], eps)
        gt = xn @ t[p + "mlp.gate_proj.weight"].T
        act = gt / (1 + np.exp(-gt)) * (xn @ t[p + "mlp.up_proj.weight"].T)
        if online_hadamard:
            act = act @ sylvester(act.shape[1]).T
        x = x + act @ t[p + "mlp.down_proj.weight"].T
    x = rmsnorm(x, t["model.norm.weight"], eps)
    return x @ t["lm_head.weight"].T


def forward(a, b, online_hadamard, tol):
    rng = np.random.default_rng(7)
    worst = 0.0
    for _ in range(3):
        T = 8
        tokens = rng.integers(0, V, T)
        pos = np.arange(T, dtype=np.float64) + rng.integers(0, 4000)
        o1 = logits(a, tokens, pos, False)
        o2 = logits(b, tokens, pos, online_hadamard)
        worst = max(worst, np.linalg.norm(o2 - o1) / np.linalg.norm(o1))
    mb.verdict("logit", worst, tol)


def main(argv):
    if len(argv) >= 4 and argv[1] == "make":
        seed = int(argv[5]) if len(argv) > 5 and argv[4] == "--seed" else 1
        make(argv[2], argv[3], seed)
        return 0
    if len(argv) >= 4 and argv[1] == "forward":
        rest, tol, oh = argv[4:], 1e-5, False
        while rest:
            if rest[0] == "--online-hadamard":
                oh, rest = True, rest[1:]
            elif rest[0] == "--tol" and len(rest) > 1:
                tol, rest = float(rest[1]), rest[2:]
            else:
                sys.stderr.write(__doc__)
                return 2
        forward(argv[2], argv[3], oh, tol)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

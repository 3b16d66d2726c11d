#!/usr/bin/env python3
"""mkckpt_bias.py -- checkpoints with attention biases, pruned heads and
rotation files for tests/cli-audit-bias.sh, and an independent float64
forward pass that says whether two checkpoints compute the same attention.

  mkckpt_bias.py make OUTDIR SCENARIO [--seed S]
      writes OUTDIR/orig, OUTDIR/rew (config.json + model.safetensors) and
      OUTDIR/rot64.json, OUTDIR/rot32.json (the Q/K rotation of every layer
      and KV group, in float64 and in float32 values).
  mkckpt_bias.py rms ORIG REW
      prints "rms X max Y": the root mean square over 2 layers x 8 inputs
      x 16 tokens of ||out' - out|| / ||out|| and its maximum
      (tests/cli-audit-verdicts.sh compares X with a correct rewrite's).
  mkckpt_bias.py forward ORIG (REW | --rotation FILE) [--tol X]
      prints "max relative output difference X" and then "equivalent" or
      "different" (X below or above the tolerance, default 1e-4: F32
      storage moves outputs by about 5e-8 here, every changed rewrite
      below but the mixings by more than 0.1; a mixing of a rad by about
      0.3 a).

Models: 2 layers, hidden 64, 4 heads of d = 16 (2 KV heads; GPT-NeoX: no
GQA), rope_theta 10000, rotate_half.  The rewrite: per KV group an
orthogonal R in the RoPE commutant (one 2x2 rotation per frequency plane)
on Q and K, another orthogonal A on V, Wo' = Wo A^T.  SCENARIO:
  qwen2-rotated     Qwen2 q/k/v biases folded with their weights: b' = R b
  qwen2-unrotated   weights rotated, biases copied unchanged
  qwen2-random      weights rotated, the k bias of layer 1 drawn anew
  qwen2-badbias     qwen2-rotated with the rewrite's layer 0 q bias one
                    entry short (a malformed checkpoint)
  llama-obias       Llama with attention_bias: q/k/v/o biases, folded
                    (o bias unchanged)
  llama-obias-changed   the same with the o bias of layer 0 drawn anew
  neox-rotated      GPT-NeoX fused query_key_value.bias and dense.bias, folded
  neox-unrotated    GPT-NeoX, weights rotated, fused bias copied
  pruned            Llama without biases; layer 0 head 1 pruned (Wq rows and
                    Wo columns zero in both), every head rotated
  pruned-q          layer 1 head 2 with Wq rows zero in both (uniform
                    attention), V/O folded
  pruned-broken     head zero in the original, nonzero in the rewrite
  deep              Qwen2 rotated, 5 layers, 4 KV heads (no GQA): for the
                    certification sample
  mix_ANGLE[_bf16][_wide]  Llama without biases, the commuting R followed
                    by a Givens rotation of ANGLE rad (e.g. 1e-4) between
                    planes 1 and 5 (different frequencies) on Q and K;
                    _bf16: the rewrite stored in BF16 (the original F32);
                    _wide: hidden 1024 (enough columns per head for the
                    audit's plane test, which needs about 420)
  refl              Llama, R followed by the reflection of coordinate 1
                    (orthogonal, off the commutant: online)
  broken            Llama rotated, layer 1's rewritten Wq drawn anew
  nowo              Llama rotated on Q/K/V, Wo left as it was
This is a test fixture (numpy); the harness itself never uses Python.
"""
import json
import os
import struct
import sys

try:
    import numpy as np
except ImportError:
    # a python3 without numpy first on PATH (pyenv, a venv): the system's
    # (Debian python3-numpy) when there is one
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

L, N, H, KV, D = 2, 64, 4, 2, 16
THETA = 10000.0


def bf16_bits(a):
    """float64 -> bfloat16 bit patterns, round to nearest even (via the
    exact float32 value: both roundings to nearest at once would double
    round; the fixture's values are float32 already)."""
    u = np.ascontiguousarray(a, dtype="<f4").view("<u4").astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype("<u2")


def write_st(path, tensors, dtype="F32"):
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        if dtype == "BF16":
            b = bf16_bits(arr).tobytes()
        else:
            b = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_st(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        if e["dtype"] == "BF16":
            u = np.frombuffer(data[a:b], dtype="<u2").astype("<u4") << 16
            v = u.view("<f4")
        else:
            assert e["dtype"] == "F32", e
            v = np.frombuffer(data[a:b], dtype="<f4")
        out[name] = v.astype(np.float64).reshape(e["shape"])
    return out


def config(neox, bias):
    c = {"model_type": "gpt_neox" if neox else "llama", "hidden_size": N,
         "num_hidden_layers": L, "num_attention_heads": H,
         "rope_theta": THETA, "max_position_embeddings": 4096}
    if N != H * D:
        c["head_dim"] = D
    if neox:
        c["rotary_pct"] = 1.0
    else:
        c["num_key_value_heads"] = KV
        if bias == "qkv":
            c["model_type"] = "qwen2"
        elif bias == "qkvo":
            c["attention_bias"] = True
    return c


def commuting(rng):
    R = np.zeros((D, D))
    m = D // 2
    for i in range(m):
        t = rng.uniform(-np.pi, np.pi)
        c, s = np.cos(t), np.sin(t)
        R[i, i], R[i, i + m], R[i + m, i], R[i + m, i + m] = c, -s, s, c
    return R


def orthogonal(rng):
    q, r = np.linalg.qr(rng.standard_normal((D, D)))
    return q * np.sign(np.diag(r))


def layer_names(neox, l):
    if neox:
        p = "gpt_neox.layers.%d.attention." % l
        return p + "query_key_value.", p + "dense."
    p = "model.layers.%d.self_attn." % l
    return p, None


def make(out, sc, seed):
    global L, KV
    if sc == "deep":
        L, KV, sc = 5, 4, "qwen2-rotated"
    mix, st_dtype = 0.0, "F32"
    if sc.startswith("mix_"):
        w = sc.split("_")
        mix = float(w[1])
        st_dtype = "BF16" if "bf16" in w[2:] else "F32"
        if "wide" in w[2:]:
            hidden(1024)
    rng = np.random.default_rng(seed)
    neox = sc.startswith("neox")
    kv = H if neox else KV
    G = H // kv
    bias = ("qkvo" if neox or sc.startswith("llama-obias") else
            "qkv" if sc.startswith("qwen2") else None)
    f32 = lambda a: a.astype(np.float32).astype(np.float64)
    orig, rew, rots = {}, {}, []
    for l in range(L):
        Wq = f32(rng.standard_normal((H * D, N)) / np.sqrt(N))
        Wk = f32(rng.standard_normal((kv * D, N)) / np.sqrt(N))
        Wv = f32(rng.standard_normal((kv * D, N)) / np.sqrt(N))
        Wo = f32(rng.standard_normal((N, H * D)) / np.sqrt(H * D))
        bq = f32(rng.standard_normal(H * D)) if bias else None
        bk = f32(rng.standard_normal(kv * D)) if bias else None
        bv = f32(rng.standard_normal(kv * D)) if bias else None
        bo = f32(rng.standard_normal(N)) if bias == "qkvo" else None
        ph = None
        if sc == "pruned" and l == 0:
            ph = 1
            Wq[ph * D:(ph + 1) * D] = 0
            Wo[:, ph * D:(ph + 1) * D] = 0
        if sc == "pruned-q" and l == 1:
            Wq[2 * D:3 * D] = 0
        if sc == "pruned-broken" and l == 0:
            Wo[:, 1 * D:2 * D] = 0
        Rs = [commuting(rng) for g in range(kv)]
        if mix:
            # a Givens rotation between plane 1 (coordinates 1, 9) and
            # plane 5 (5, 13): different frequencies, off the commutant
            Gv = np.eye(D)
            c, s_ = np.cos(mix), np.sin(mix)
            for a_, b_ in ((1, 5), (1 + D // 2, 5 + D // 2)):
                Gv[a_, a_], Gv[a_, b_], Gv[b_, a_], Gv[b_, b_] = c, -s_, s_, c
            Rs = [Gv @ R for R in Rs]
        if sc == "refl":
            Fl = np.eye(D)
            Fl[1, 1] = -1
            Rs = [Fl @ R for R in Rs]
        As = [orthogonal(rng) for g in range(kv)]
        rots.append(Rs)
        Wq2, Wk2, Wv2, Wo2 = Wq.copy(), Wk.copy(), Wv.copy(), Wo.copy()
        bq2 = bq.copy() if bias else None
        bk2 = bk.copy() if bias else None
        bv2 = bv.copy() if bias else None
        bo2 = bo.copy() if bo is not None else None
        rot_b = sc not in ("qwen2-unrotated", "neox-unrotated")
        for h in range(H):
            g = h // G
            s = slice(h * D, (h + 1) * D)
            Wq2[s] = Rs[g] @ Wq[s]
            Wo2[:, s] = Wo[:, s] @ As[g].T
            if bias and rot_b:
                bq2[s] = Rs[g] @ bq[s]
        for g in range(kv):
            s = slice(g * D, (g + 1) * D)
            Wk2[s] = Rs[g] @ Wk[s]
            Wv2[s] = As[g] @ Wv[s]
            if bias and rot_b:
                bk2[s] = Rs[g] @ bk[s]
                bv2[s] = As[g] @ bv[s]
        if sc == "qwen2-badbias" and l == 0:
            bq2 = bq2[:-1]
        if sc == "qwen2-random" and l == 1:
            bk2 = f32(rng.standard_normal(kv * D))
        if sc == "llama-obias-changed" and l == 0:
            bo2 = f32(rng.standard_normal(N))
        if sc == "pruned-broken" and l == 0:
            Wo2[:, 1 * D:2 * D] = f32(rng.standard_normal((N, D)) / np.sqrt(D))
        if sc == "broken" and l == 1:
            Wq2 = f32(rng.standard_normal((H * D, N)) / np.sqrt(N))
        if sc == "nowo":
            Wo2 = Wo.copy()
        for dst, (wq, wk, wv, wo, b_q, b_k, b_v, b_o) in (
                (orig, (Wq, Wk, Wv, Wo, bq, bk, bv, bo)),
                (rew, (Wq2, Wk2, Wv2, Wo2, bq2, bk2, bv2, bo2))):
            if neox:
                p, po = layer_names(True, l)
                qkv = np.concatenate([np.concatenate(
                    [wq[h * D:(h + 1) * D], wk[h * D:(h + 1) * D],
                     wv[h * D:(h + 1) * D]]) for h in range(H)])
                dst[p + "weight"] = qkv
                dst[po + "weight"] = wo
                if bias:
                    dst[p + "bias"] = np.concatenate([np.concatenate(
                        [b_q[h * D:(h + 1) * D], b_k[h * D:(h + 1) * D],
                         b_v[h * D:(h + 1) * D]]) for h in range(H)])
                    dst[po + "bias"] = b_o
            else:
                p, _ = layer_names(False, l)
                for nm, w, b in (("q_proj", wq, b_q), ("k_proj", wk, b_k),
                                 ("v_proj", wv, b_v), ("o_proj", wo, b_o)):
                    dst[p + nm + ".weight"] = w
                    if b is not None:
                        dst[p + nm + ".bias"] = b
    for side, t in (("orig", orig), ("rew", rew)):
        os.makedirs(os.path.join(out, side), exist_ok=True)
        with open(os.path.join(out, side, "config.json"), "w") as f:
            json.dump(config(neox, bias), f, indent=1)
        write_st(os.path.join(out, side, "model.safetensors"), t,
                 st_dtype if side == "rew" else "F32")
    with open(os.path.join(out, "rot64.json"), "w") as f:
        json.dump({"rotations": [[R.tolist() for R in Rs] for Rs in rots]}, f)
    with open(os.path.join(out, "rot32.json"), "w") as f:
        json.dump({"rotations": [[R.astype(np.float32).tolist() for R in Rs]
                                 for Rs in rots]}, f)


# ----------------------------------------------------------- forward pass

def load(d):
    with open(os.path.join(d, "config.json")) as f:
        c = json.load(f)
    return c, read_st(os.path.join(d, "model.safetensors"))


def weights(c, t, l):
    neox = c["model_type"] == "gpt_neox"
    H_ = c["num_attention_heads"]
    kv = c.get("num_key_value_heads", H_)
    z = lambda n: np.zeros(n)
    if neox:
        p, po = layer_names(True, l)
        W, b = t[p + "weight"], t.get(p + "bias", z(3 * H_ * D))
        Wq = np.concatenate([W[h * 3 * D:h * 3 * D + D] for h in range(H_)])
        Wk = np.concatenate([W[h * 3 * D + D:h * 3 * D + 2 * D] for h in range(H_)])
        Wv = np.concatenate([W[h * 3 * D + 2 * D:h * 3 * D + 3 * D] for h in range(H_)])
        bq = np.concatenate([b[h * 3 * D:h * 3 * D + D] for h in range(H_)])
        bk = np.concatenate([b[h * 3 * D + D:h * 3 * D + 2 * D] for h in range(H_)])
        bv = np.concatenate([b[h * 3 * D + 2 * D:h * 3 * D + 3 * D] for h in range(H_)])
        return (Wq, Wk, Wv, t[po + "weight"], bq, bk, bv,
                t.get(po + "bias", z(N)), H_, H_)
    p, _ = layer_names(False, l)
    g = lambda nm, n: t.get(p + nm + ".bias", z(n))
    return (t[p + "q_proj.weight"], t[p + "k_proj.weight"],
            t[p + "v_proj.weight"], t[p + "o_proj.weight"],
            g("q_proj", H_ * D), g("k_proj", kv * D), g("v_proj", kv * D),
            g("o_proj", N), H_, kv)


def rope(x, pos):
    m = D // 2
    inv = THETA ** (-np.arange(m) * 2.0 / D)
    ang = np.outer(pos, inv)
    c = np.concatenate([np.cos(ang), np.cos(ang)], axis=1)
    s = np.concatenate([np.sin(ang), np.sin(ang)], axis=1)
    rh = np.concatenate([-x[:, m:], x[:, :m]], axis=1)
    return x * c + rh * s


def attention(w, x, pos):
    Wq, Wk, Wv, Wo, bq, bk, bv, bo, H_, kv = w
    T = x.shape[0]
    q, k, v = x @ Wq.T + bq, x @ Wk.T + bk, x @ Wv.T + bv
    ctx = np.zeros((T, H_ * D))
    G = H_ // kv
    mask = np.triu(np.ones((T, T)), 1) > 0
    for h in range(H_):
        g = h // G
        qh = rope(q[:, h * D:(h + 1) * D], pos)
        kh = rope(k[:, g * D:(g + 1) * D], pos)
        s = qh @ kh.T / np.sqrt(D)
        s[mask] = -np.inf
        a = np.exp(s - s.max(axis=1, keepdims=True))
        a /= a.sum(axis=1, keepdims=True)
        ctx[:, h * D:(h + 1) * D] = a @ v[:, g * D:(g + 1) * D]
    return ctx @ Wo.T + bo


def fold(w, Rs):
    Wq, Wk, Wv, Wo, bq, bk, bv, bo, H_, kv = [np.copy(a) if isinstance(
        a, np.ndarray) else a for a in w]
    G = H_ // kv
    for h in range(H_):
        R, s = Rs[h // G], slice(h * D, (h + 1) * D)
        Wq[s], bq[s], Wo[:, s] = R @ Wq[s], R @ bq[s], Wo[:, s] @ R.T
    for g in range(kv):
        R, s = Rs[g], slice(g * D, (g + 1) * D)
        Wk[s], bk[s], Wv[s], bv[s] = R @ Wk[s], R @ bk[s], R @ Wv[s], R @ bv[s]
    return Wq, Wk, Wv, Wo, bq, bk, bv, bo, H_, kv


def forward(a, b, rotation, tol):
    c1, t1 = load(a)
    hidden(c1["hidden_size"])
    if rotation:
        with open(rotation) as f:
            R = np.array(json.load(f)["rotations"], dtype=np.float64)
    else:
        c2, t2 = load(b)
    rng = np.random.default_rng(7)
    worst = 0.0
    for l in range(c1["num_hidden_layers"]):
        w1 = weights(c1, t1, l)
        w2 = fold(w1, R[l]) if rotation else weights(c2, t2, l)
        for _ in range(3):
            T = 6
            x = rng.standard_normal((T, N))
            pos = rng.integers(0, 4096, T).astype(np.float64)
            o1, o2 = attention(w1, x, pos), attention(w2, x, pos)
            rel = np.linalg.norm(o2 - o1) / np.linalg.norm(o1)
            worst = max(worst, rel)
    verdict("output", worst, tol)


def verdict(what, worst, tol):
    """The forward pass's two lines (the shell tests read them)."""
    print("max relative %s difference %.3g" % (what, worst))
    print("equivalent" if worst < tol else "different")


def hidden(n):
    """The hidden size of the model made or read (default 64)."""
    global N
    N = n


def rms(a, b):
    c1, t1 = load(a)
    c2, t2 = load(b)
    hidden(c1["hidden_size"])
    rng = np.random.default_rng(11)
    sq, n, worst = 0.0, 0, 0.0
    for l in range(c1["num_hidden_layers"]):
        w1, w2 = weights(c1, t1, l), weights(c2, t2, l)
        for _ in range(8):
            T = 16
            x = rng.standard_normal((T, N))
            pos = rng.integers(0, 4096, T).astype(np.float64)
            o1, o2 = attention(w1, x, pos), attention(w2, x, pos)
            rel = (np.linalg.norm(o2 - o1, axis=1) /
                   np.linalg.norm(o1, axis=1))
            sq += float(np.sum(rel ** 2))
            n += T
            worst = max(worst, float(rel.max()))
    print("rms %.4g max %.4g" % (np.sqrt(sq / n), worst))


def main(argv):
    if len(argv) == 4 and argv[1] == "rms":
        rms(argv[2], argv[3])
    elif len(argv) >= 4 and argv[1] == "make":
        seed = int(argv[5]) if len(argv) > 5 and argv[4] == "--seed" else 1
        make(argv[2], argv[3], seed)
    elif len(argv) >= 4 and argv[1] == "forward":
        tol = 1e-4
        if len(argv) >= 6 and argv[-2] == "--tol":
            tol = float(argv[-1])
            argv = argv[:-2]
        if len(argv) == 4:
            forward(argv[2], argv[3], None, tol)
        elif len(argv) == 5 and argv[3] == "--rotation":
            forward(argv[2], None, argv[4], tol)
        else:
            sys.stderr.write(__doc__)
            return 2
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

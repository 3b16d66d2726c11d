#!/usr/bin/env python3
"""foldcheck_client.py -- a NumPy reference client of foldcheck's kernel
frame protocol, for `foldcheck run --kernels 'exec:python3
foldcheck_client.py'`.

Replace the six kernel functions below with calls into your own code
(PyTorch: torch.from_numpy(...), then .numpy() on the way back) and keep
the framing.  Requirements: Python 3 and NumPy only.

Protocol (version 1, little-endian; doc/kernel-protocol.md states it):
  request  u32 magic 0x464b4346, u32 version 1, u32 contract, u32 narrays,
           i64 iparam[12], f64 fparam[4], then narrays x (u64 nbytes, bytes)
  reply    u32 magic, i32 status (0 ok), u32 narrays, u32 0, f64 claimed
           (NaN: no self-reported bound), then narrays x (u64 nbytes, bytes)
  contract 0 hello   -> one 80-byte array: i32 abi, i32 storage, i32 accum,
                        u32 mask of provided contracts, char name[64]
           1 rope_apply      ip: rows, d, layout, rotary; in: x, pos(i64),
                             theta(f64) -> out
           2 attention       ip: T, d, heads, kv, causal; in: q, k, v -> ctx
           3 attention_block ip: T, dm, d, heads, kv, causal, residual,
                             has_gain, layout, rotary; fp: eps; in: x, wq,
                             wk, wv, wo, gain, pos, theta -> out
           4 fold_weights    ip: d, n, side; in: w, r -> w2
           5 sign_quant      ip: d; in: k -> s, alpha(f64)
           6 allocate_bits   ip: n, d, d_l; in: keys (n x d) -> bits(i32)
  Storage arrays are in the declared format, row-major as in
  foldcheck/kernel.h.

--dtype float32 (default) or float64: the declared arithmetic, storage =
accumulation; every operation below runs in that dtype.

--bug KIND makes the client wrong the way real kernels go wrong, for
foldcheck's own tests and tests/catch_table.py (the plugin's
-DFC_EXAMPLE_BUG variants, examples/plugin/README, have the same names
where the bug is the same).  KIND is one of the keys of BUGS below
(--list-bugs prints them); every one must be caught except `stderr`, which
only logs (stderr is not part of the protocol, so it must pass).
"""
import math
import struct
import sys
import threading

import numpy as np

MAGIC = 0x464B4346
ABI = 1
DTYPES = {"float32": (np.float32, "<f4", 1), "float64": (np.float64, "<f8", 0)}
DT, WIRE, FMT = DTYPES["float32"]
BUG = None

BUGS = {
    # RoPE
    "d64": "a fast path for head dim >= 64 that uses the other pair layout",
    "wrap": "cos/sin cache of 2048 positions, indexed p mod 2048",
    "layout": "rotate_half planes even when the layout is interleaved",
    "offbyone": "position ids start at 1: RoPE at p + 1",
    "pos16": "positions cast to float16 before the angle",
    "ropev": "block: RoPE applied to the values too",
    # attention
    "causal": "causal mask off by one: each query sees the next key",
    "gqa": "kv heads tiled (np.tile), not repeated: head h reads kv h % kv",
    "noscale": "scores without 1/sqrt(d)",
    "nomax": "softmax without max subtraction (exp overflows)",
    "halfacc": "QK^T accumulated in float16, declared fp32/fp64",
    "claim": "scale off by 1e-3, and claims an error bound of 1e30",
    "nan": "additive causal mask built as (1 - tril) * -inf: 0 * -inf = NaN",
    # fold, sign, allocator
    "wor": "Wo folded by W R, not W R^T (a transpose forgotten)",
    "sign0": "np.sign: sign(0) = 0, not +1",
    "dgate": "allocator gates the 1-bit rule on the key dim d, not d_l",
    "gate": "allocator: 1 bit only for d_l > 512 (>= intended)",
    "cosmean": "allocator: acos of the mean cosine, not the mean angle",
    # the process
    "crash": "exits (status 7) halfway through writing an attention reply",
    "segv": "grouped-query attention (heads > kv) dereferences NULL",
    "hang": "attention for T >= 2 takes a lock it already holds",
    "garbage": "RoPE reply in float64 (a cast forgotten): wrong byte count",
    "print": "a debug print() on standard output: a malformed frame",
    "abi": "hello declares ABI version 3",
    "stderr": "not a bug: logs every request to standard error",
}
# cos and sin: foldcheck's error model assumes library functions within
# 1 ulp (doc/error-model.md).  NumPy's float64 np.cos/np.sin on an AVX-512
# machine are SVML's, measured up to 3 ulps from glibc's there, which an
# fp64 RoPE bound notices (commutant.large.rope_accuracy, ratio 1.07 at
# d = 80): the float64 client calls the C library's through math.
COS, SIN = np.cos, np.sin
LIBM_COS = np.vectorize(math.cos, otypes=[np.float64])
LIBM_SIN = np.vectorize(math.sin, otypes=[np.float64])
CACHE_LEN = 2048  # "wrap": max_position_embeddings of the cos/sin cache
LOCK = threading.Lock()  # "hang"


def angles(pos, theta, h):
    """The RoPE angles p * theta_i, formed in the declared dtype (as
    engines do: float32 inv_freq times float32 positions)."""
    if BUG == "wrap":
        # cos/sin tables for positions 0..2047, looked up modulo their length
        p = np.arange(CACHE_LEN, dtype=DT)[:, None] * theta[:h].astype(DT)[None, :]
        return p[pos % CACHE_LEN]
    if BUG == "offbyone":
        pos = pos + 1
    p = pos.astype(np.float16).astype(DT) if BUG == "pos16" else pos.astype(DT)
    return p[:, None] * theta[:h].astype(DT)[None, :]


def rope(x, pos, theta, layout, rot):
    """x: rows x d."""
    y = x.copy()
    h = rot // 2
    if h == 0:
        return y
    w = angles(pos, theta, h)
    c, s = COS(w), SIN(w)
    if BUG == "layout":
        layout = 1
    elif BUG == "d64" and x.shape[1] >= 64:
        layout = 1 - layout
    if layout == 1:  # rotate_half: planes (i, i + rot/2)
        a, b = x[:, :h], x[:, h:rot]
        y[:, :h] = c * a - s * b
        y[:, h:rot] = s * a + c * b
    else:  # interleaved: planes (2i, 2i+1)
        a, b = x[:, 0:rot:2], x[:, 1:rot:2]
        y[:, 0:rot:2] = c * a - s * b
        y[:, 1:rot:2] = s * a + c * b
    return y.astype(np.float64 if BUG == "garbage" else DT)


def scores(qh, kh):
    """qh kh^T; "halfacc": a float16 accumulator, one rounding per add."""
    if BUG != "halfacc":
        return qh @ kh.T
    acc = np.zeros((qh.shape[0], kh.shape[0]), np.float16)
    for j in range(qh.shape[1]):
        acc = acc + (qh[:, j:j + 1] * kh[:, j][None, :]).astype(np.float16)
    return acc.astype(DT)


def attention(q, k, v, T, d, H, kv, causal, claimed):
    if BUG == "segv" and H > kv:
        import ctypes
        ctypes.string_at(0)
    if BUG == "hang" and T >= 2:
        with LOCK:
            with LOCK:
                pass
    ctx = np.zeros((T, H * d), DT)
    scale = DT(1.0) if BUG == "noscale" else DT(1.0 / math.sqrt(d))
    if BUG == "claim":
        scale = scale * DT(1.001)
        claimed[0] = 1e30
    allowed = np.tril(np.ones((T, T), bool), 1 if BUG == "causal" else 0)
    for h in range(H):
        g = h % kv if BUG == "gqa" else h // (H // kv)
        qh = q[:, h * d:(h + 1) * d]
        kh = k[:, g * d:(g + 1) * d]
        vh = v[:, g * d:(g + 1) * d]
        s = scores(qh, kh) * scale
        if causal and BUG == "nan":
            s = s + (1 - np.tril(np.ones((T, T), DT))) * DT(-np.inf)
        elif causal:
            s = np.where(allowed, s, DT(-np.inf))
        if BUG != "nomax":
            s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        a = e / e.sum(axis=1, keepdims=True)
        ctx[:, h * d:(h + 1) * d] = a @ vh
    return ctx


def block(ip, eps, x, wq, wk, wv, wo, gain, pos, theta, claimed):
    T, dm, d, H, kv, causal, residual, has_gain, layout, rot = ip[:10]
    xn = x
    if has_gain:
        r = np.sqrt(DT(eps) + (x * x).sum(axis=1, keepdims=True) / DT(dm))
        xn = (x / r * gain[None, :]).astype(DT)
    q = xn @ wq.T
    k = xn @ wk.T
    v = xn @ wv.T
    for h in range(H):
        q[:, h * d:(h + 1) * d] = rope(q[:, h * d:(h + 1) * d], pos, theta, layout, rot)
    for h in range(kv):
        k[:, h * d:(h + 1) * d] = rope(k[:, h * d:(h + 1) * d], pos, theta, layout, rot)
        if BUG == "ropev":
            v[:, h * d:(h + 1) * d] = rope(v[:, h * d:(h + 1) * d], pos, theta, layout, rot)
    o = attention(q, k, v, T, d, H, kv, causal, claimed) @ wo.T
    return (x + o) if residual else o


def fold(w, r, side):
    if side == 0:
        return r @ w
    return w @ r if BUG == "wor" else w @ r.T


def sign_quant(k):
    if BUG == "sign0":
        s = np.sign(k)
    else:
        s = np.where(k >= 0, DT(1), DT(-1))
    return s.astype(DT), float(np.abs(k).sum(dtype=DT) / DT(k.size))


def allocate_bits(keys, d_l):
    """The horizontal-slice allocator: mean phase-collapse angle (in the
    declared dtype, degrees), then 1 bit if d_l >= 512 and angle <= 40, 2 if
    <= 44, else 3."""
    d = keys.shape[1]
    l1 = np.abs(keys).sum(axis=1, dtype=DT)
    l2 = np.sqrt((keys * keys).sum(axis=1, dtype=DT))
    c = np.minimum(l1 / (np.sqrt(DT(d)) * l2), DT(1))
    if BUG == "cosmean":
        angle = np.degrees(np.arccos(c.mean(dtype=DT)))
    else:
        angle = np.degrees(np.arccos(c)).astype(DT).mean(dtype=DT)
    gate = {"dgate": d >= 512, "gate": d_l > 512}.get(BUG, d_l >= 512)
    if gate and angle <= 40:
        return 1
    return 2 if angle <= 44 else 3


def read_exact(f, n):
    b = f.read(n)
    if b is None or len(b) != n:
        raise EOFError
    return b


def arr(b, shape):
    return np.frombuffer(b, dtype=WIRE).reshape(shape).astype(DT)


def reply(out, status, arrays, claimed=float("nan")):
    head = struct.pack("<IiIId", MAGIC, status, len(arrays), 0, claimed)
    if BUG == "crash" and status == 0 and len(arrays) == 1 and CONTRACT[0] == 2:
        out.write(head)
        out.flush()
        import os
        os._exit(7)
    out.write(head)
    for a in arrays:
        out.write(struct.pack("<Q", len(a)))
        out.write(a)
    out.flush()


CONTRACT = [0]


def wire(a):
    """An output array's bytes: little-endian, its own dtype (the client
    casts to the declared one; "garbage" forgets to)."""
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def serve(inp, out):
    while True:
        try:
            hdr = read_exact(inp, 144)
        except EOFError:
            return
        magic, ver, con, narr = struct.unpack("<IIII", hdr[:16])
        ip = struct.unpack("<12q", hdr[16:112])
        fp = struct.unpack("<4d", hdr[112:144])
        if magic != MAGIC or ver != 1 or narr > 8:
            return
        arrs = []
        for _ in range(narr):
            (nb,) = struct.unpack("<Q", read_exact(inp, 8))
            if nb > (1 << 28):
                return
            arrs.append(read_exact(inp, nb))
        CONTRACT[0] = con
        if BUG == "stderr":
            sys.stderr.write("foldcheck_client: contract %d, iparam %s, %d arrays\n"
                             % (con, list(ip), narr))
        claimed = [float("nan")]
        try:
            if con == 0:
                mask = sum(1 << c for c in range(1, 7))
                info = struct.pack("<iiiI", 3 if BUG == "abi" else ABI, FMT, FMT, mask)
                info += ("numpy-" + np.dtype(DT).name).encode().ljust(64, b"\0")
                reply(out, 0, [info])
            elif con == 1:
                rows, d, layout, rot = ip[:4]
                x = arr(arrs[0], (rows, d))
                pos = np.frombuffer(arrs[1], "<i8")
                theta = np.frombuffer(arrs[2], "<f8")
                reply(out, 0, [wire(rope(x, pos, theta, layout, rot))])
            elif con == 2:
                T, d, H, kv, causal = ip[:5]
                if BUG == "print":
                    print("attention T=%d d=%d heads=%d/%d" % (T, d, H, kv))
                    sys.stdout.flush()
                q = arr(arrs[0], (T, H * d))
                k = arr(arrs[1], (T, kv * d))
                v = arr(arrs[2], (T, kv * d))
                ctx = attention(q, k, v, T, d, H, kv, causal, claimed)
                reply(out, 0, [wire(ctx.astype(DT))], claimed[0])
            elif con == 3:
                T, dm, d, H, kv = ip[:5]
                x = arr(arrs[0], (T, dm))
                wq = arr(arrs[1], (H * d, dm))
                wk = arr(arrs[2], (kv * d, dm))
                wv = arr(arrs[3], (kv * d, dm))
                wo = arr(arrs[4], (dm, H * d))
                gain = arr(arrs[5], (dm,)) if ip[7] else None
                pos = np.frombuffer(arrs[6], "<i8")
                theta = np.frombuffer(arrs[7], "<f8")
                o = block(ip, fp[0], x, wq, wk, wv, wo, gain, pos, theta, claimed)
                reply(out, 0, [wire(o.astype(DT))], claimed[0])
            elif con == 4:
                d, n, side = ip[:3]
                w = arr(arrs[0], (d, n) if side == 0 else (n, d))
                r = arr(arrs[1], (d, d))
                reply(out, 0, [wire(fold(w, r, side).astype(DT))])
            elif con == 5:
                s, alpha = sign_quant(arr(arrs[0], (ip[0],)))
                reply(out, 0, [wire(s), struct.pack("<d", alpha)])
            elif con == 6:
                n, d, d_l = ip[:3]
                bits = allocate_bits(arr(arrs[0], (n, d)), d_l)
                reply(out, 0, [struct.pack("<i", bits)])
            else:
                reply(out, 1, [])
        except (ValueError, IndexError) as e:
            sys.stderr.write("foldcheck_client: %s\n" % e)
            reply(out, 2, [])


def usage(msg):
    sys.stderr.write("foldcheck_client.py: %s\nusage: foldcheck_client.py "
                     "[--dtype float32|float64] [--bug KIND] | --list-bugs\n  KIND: %s\n"
                     % (msg, " ".join(sorted(BUGS))))
    return 2


def main():
    global BUG, DT, WIRE, FMT, COS, SIN
    args = sys.argv[1:]
    if args == ["--list-bugs"]:
        for kind in BUGS:
            sys.stdout.write("%s\t%s\n" % (kind, BUGS[kind]))
        return 0
    while args:
        if len(args) < 2:
            return usage("%s needs a value" % args[0])
        opt, val = args[0], args[1]
        args = args[2:]
        if opt == "--bug" and val in BUGS:
            BUG = val
        elif opt == "--dtype" and val in DTYPES:
            DT, WIRE, FMT = DTYPES[val]
            if DT == np.float64:
                COS, SIN = LIBM_COS, LIBM_SIN
        else:
            return usage("bad option %s %s" % (opt, val))
    np.seterr(all="ignore")
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())

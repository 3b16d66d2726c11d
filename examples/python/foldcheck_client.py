#!/usr/bin/env python3
"""foldcheck_client.py -- a NumPy reference client of foldcheck's kernel
frame protocol (float32), for `foldcheck run --kernels 'exec:python3
foldcheck_client.py'`.

Replace the six kernel functions below with calls into your own code
(PyTorch: torch.from_numpy(...), then .numpy() on the way back) and keep
the framing.  Requirements: Python 3 and NumPy only.

Protocol (version 1, little-endian; see src/contract/provider.h):
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
  Storage arrays are float32 here (storage = accum = fp32); shapes row-major
  as in foldcheck/kernel.h.

--bug noscale   scores without 1/sqrt(d) (foldcheck must catch it)
--bug crash     exit abruptly inside attention (a crash verdict)
"""
import math
import struct
import sys

import numpy as np

MAGIC = 0x464B4346
ABI = 1
FP32 = 1
BUG = None


def rope(x, pos, theta, layout, rot):
    """x: rows x d float32; angle formed in float32 (as engines do)."""
    y = x.copy()
    h = rot // 2
    if h == 0:
        return y
    w = pos.astype(np.float32)[:, None] * theta[:h].astype(np.float32)[None, :]
    c, s = np.cos(w), np.sin(w)
    if layout == 1:  # rotate_half: planes (i, i + rot/2)
        a, b = x[:, :h], x[:, h:rot]
        y[:, :h] = c * a - s * b
        y[:, h:rot] = s * a + c * b
    else:  # interleaved: planes (2i, 2i+1)
        a, b = x[:, 0:rot:2], x[:, 1:rot:2]
        y[:, 0:rot:2] = c * a - s * b
        y[:, 1:rot:2] = s * a + c * b
    return y.astype(np.float32)


def attention(q, k, v, T, d, H, kv, causal):
    if BUG == "crash":
        sys.stdout.flush()
        import os
        os._exit(7)
    ctx = np.zeros((T, H * d), np.float32)
    scale = np.float32(1.0) if BUG == "noscale" else np.float32(1.0 / math.sqrt(d))
    for h in range(H):
        g = h // (H // kv)
        qh = q[:, h * d:(h + 1) * d]
        kh = k[:, g * d:(g + 1) * d]
        vh = v[:, g * d:(g + 1) * d]
        s = (qh @ kh.T) * scale
        if causal:
            s = np.where(np.tril(np.ones((T, T), bool)), s, np.float32(-np.inf))
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        a = e / e.sum(axis=1, keepdims=True)
        ctx[:, h * d:(h + 1) * d] = a @ vh
    return ctx


def block(ip, eps, x, wq, wk, wv, wo, gain, pos, theta):
    T, dm, d, H, kv, causal, residual, has_gain, layout, rot = ip[:10]
    xn = x
    if has_gain:
        r = np.sqrt(np.float32(eps) + (x * x).sum(axis=1, keepdims=True) / np.float32(dm))
        xn = (x / r * gain[None, :]).astype(np.float32)
    q = xn @ wq.T
    k = xn @ wk.T
    v = xn @ wv.T
    for h in range(H):
        q[:, h * d:(h + 1) * d] = rope(q[:, h * d:(h + 1) * d], pos, theta, layout, rot)
    for h in range(kv):
        k[:, h * d:(h + 1) * d] = rope(k[:, h * d:(h + 1) * d], pos, theta, layout, rot)
    o = attention(q, k, v, T, d, H, kv, causal) @ wo.T
    return (x + o) if residual else o


def fold(w, r, side):
    return (r @ w) if side == 0 else (w @ r.T)


def sign_quant(k):
    s = np.where(k >= 0, np.float32(1), np.float32(-1)).astype(np.float32)
    return s, float(np.abs(k).sum(dtype=np.float32) / np.float32(k.size))


def allocate_bits(keys, d_l):
    """The horizontal-slice allocator: mean phase-collapse angle (float32,
    degrees), then 1 bit if d_l >= 512 and angle <= 40, 2 if <= 44, else 3."""
    d = keys.shape[1]
    l1 = np.abs(keys).sum(axis=1, dtype=np.float32)
    l2 = np.sqrt((keys * keys).sum(axis=1, dtype=np.float32))
    c = np.minimum(l1 / (np.sqrt(np.float32(d)) * l2), np.float32(1))
    angle = np.degrees(np.arccos(c)).astype(np.float32).mean(dtype=np.float32)
    if d_l >= 512 and angle <= 40:
        return 1
    return 2 if angle <= 44 else 3


def read_exact(f, n):
    b = f.read(n)
    if b is None or len(b) != n:
        raise EOFError
    return b


def f32(b, shape):
    return np.frombuffer(b, dtype="<f4").reshape(shape).astype(np.float32)


def reply(out, status, arrays, claimed=float("nan")):
    out.write(struct.pack("<IiIId", MAGIC, status, len(arrays), 0, claimed))
    for a in arrays:
        out.write(struct.pack("<Q", len(a)))
        out.write(a)
    out.flush()


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
        try:
            if con == 0:
                mask = sum(1 << c for c in range(1, 7))
                info = struct.pack("<iiiI", ABI, FP32, FP32, mask)
                info += b"numpy-float32".ljust(64, b"\0")
                reply(out, 0, [info])
            elif con == 1:
                rows, d, layout, rot = ip[:4]
                x = f32(arrs[0], (rows, d))
                pos = np.frombuffer(arrs[1], "<i8")
                theta = np.frombuffer(arrs[2], "<f8")
                reply(out, 0, [rope(x, pos, theta, layout, rot).astype("<f4").tobytes()])
            elif con == 2:
                T, d, H, kv, causal = ip[:5]
                q = f32(arrs[0], (T, H * d))
                k = f32(arrs[1], (T, kv * d))
                v = f32(arrs[2], (T, kv * d))
                reply(out, 0, [attention(q, k, v, T, d, H, kv, causal).astype("<f4").tobytes()])
            elif con == 3:
                T, dm, d, H, kv = ip[:5]
                x = f32(arrs[0], (T, dm))
                wq = f32(arrs[1], (H * d, dm))
                wk = f32(arrs[2], (kv * d, dm))
                wv = f32(arrs[3], (kv * d, dm))
                wo = f32(arrs[4], (dm, H * d))
                gain = f32(arrs[5], (dm,)) if ip[7] else None
                pos = np.frombuffer(arrs[6], "<i8")
                theta = np.frombuffer(arrs[7], "<f8")
                o = block(ip, fp[0], x, wq, wk, wv, wo, gain, pos, theta)
                reply(out, 0, [o.astype("<f4").tobytes()])
            elif con == 4:
                d, n, side = ip[:3]
                w = f32(arrs[0], (d, n) if side == 0 else (n, d))
                r = f32(arrs[1], (d, d))
                reply(out, 0, [fold(w, r, side).astype("<f4").tobytes()])
            elif con == 5:
                s, alpha = sign_quant(f32(arrs[0], (ip[0],)))
                reply(out, 0, [s.astype("<f4").tobytes(), struct.pack("<d", alpha)])
            elif con == 6:
                n, d, d_l = ip[:3]
                bits = allocate_bits(f32(arrs[0], (n, d)), d_l)
                reply(out, 0, [struct.pack("<i", bits)])
            else:
                reply(out, 1, [])
        except (ValueError, IndexError) as e:
            sys.stderr.write("foldcheck_client: %s\n" % e)
            reply(out, 2, [])


def main():
    global BUG
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--bug" and args[1] in ("noscale", "crash"):
        BUG = args[1]
    elif args:
        sys.stderr.write("usage: foldcheck_client.py [--bug noscale|crash]\n")
        return 2
    np.seterr(all="ignore")
    serve(sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main())

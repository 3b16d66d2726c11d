#!/usr/bin/python3
"""foldcheck_torch.py -- serve your PyTorch functions to foldcheck as an exec
kernel client (`foldcheck run --kernels 'exec:/usr/bin/python3 ...'`).

Run it with an interpreter that has torch.  On Debian/Ubuntu that is the
system one, /usr/bin/python3, after `apt-get install python3-torch
python3-numpy`: a `python3` found first on PATH (pyenv, a venv, conda) may
be another interpreter WITHOUT torch, hence the explicit /usr/bin/python3 in
the shebang and in every command below.  Needs torch, NumPy and the Python
standard library only.

As a library (your own script, run by foldcheck):

    import sys, torch
    sys.path.insert(0, "/path/to/foldcheck/examples/python")
    from foldcheck_torch import serve

    def my_rope(x, pos, theta, layout, rotary_dim): ...
    def my_attention(q, k, v, causal): ...

    serve(rope=my_rope, attention=my_attention, dtype=torch.bfloat16,
          name="mine", arith="bf16/fp32")

    foldcheck run --kernel-timeout 60 \
        --kernels 'exec:/usr/bin/python3 my_script.py'

As a program: `foldcheck_torch.py [--dtype D] [--arith A] [--name N] FILE.py`
imports FILE.py and serves the functions it defines under the names rope,
attention, block, fold, sign_quant and allocate_bits (any subset).

Your functions receive torch tensors of the storage dtype (`dtype`), in
these shapes, and return tensors of the same dtype (exactly that dtype:
this module never converts a result, so every rounding is your code's):

  rope(x, pos, theta, layout, rotary_dim) -> (rows, d)
      x (rows, d); pos (rows,) int64; theta (d/2,) float64 (entries past
      rotary_dim/2 are 0); layout 1 = LAYOUT_HALF (planes (i, i + r/2):
      Llama/NeoX rotate_half), 0 = LAYOUT_INTERLEAVED (planes (2i, 2i+1):
      GPT-J); coordinates >= rotary_dim are copied.
  attention(q, k, v, causal) -> (1, heads, T, d)
      q (1, heads, T, d), k and v (1, kv, T, d) (batch of one, the layout of
      Hugging Face's attention functions); query head h reads key/value head
      h // (heads // kv); causal is a bool.
  block(x, *, wq, wk, wv, wo, gain, eps, position_ids, theta, heads, kv,
        causal, residual, layout, rotary_dim) -> (1, T, dm)
      x (1, T, dm); wq (heads d, dm), wk and wv (kv d, dm), wo (dm, heads d)
      (nn.Linear weights: q = F.linear(xn, wq)); gain (dm,) or None (None:
      no RMSNorm at all, xn = x); eps a float; position_ids (1, T) int64;
      theta, layout, rotary_dim as for rope; residual a bool.
  fold(w, r, side) -> w2
      side 0: w2 = r @ w (r (d, d), w (d, n)); side 1: w2 = w @ r.T (w (n, d)).
  sign_quant(k) -> (s, alpha)
      k (d,); s (d,) in the storage dtype, sign(0) = sign(-0) = +1; alpha a
      float or 0-d tensor (||k||_1 / d; sent as float64).
  allocate_bits(keys, d_l) -> int
      keys (n, d); d_l an int; returns 1, 2 or 3 (see foldcheck/kernel.h).

The exact contracts are in foldcheck/kernel.h (installed) and the frame
protocol in src/contract/provider.h.  Storage formats: float32 and float64
as IEEE arrays, bfloat16 and float16 as 16-bit patterns (bfloat16 = the
upper half of a binary32).  Inputs reach your function bit-exact in the
storage dtype and your outputs go back bit-exact: the only roundings
foldcheck judges are the ones your code does.

The declaration (`arith`) says how your code computes: "STORAGE/ACCUM" or
"STORAGE/ELEMENTWISE/ACCUM" with formats fp64, fp32, bf16, fp16, or a
preset: hf-bf16 = bf16/bf16/fp32 (bf16 tensor ops and stage results, fp32
reductions: what Hugging Face code computes in bf16), hf-fp16,
strict-bf16 = bf16/fp32 (fp32 inside, one rounding at the output).
Default: the storage dtype's format for both parts, except bf16 and fp16
storage, which default to fp32 accumulation (two parts; a three-part
declaration needs a foldcheck whose hello takes it, 0.2 or later).
foldcheck's bounds are derived from it; declaring a wider format than your
code uses is caught as an accuracy failure.

Failures: an exception in your function, or a result of the wrong type,
dtype or shape, is a failing call (nonzero status; foldcheck reports
"kernel returned status 2" or "3") with the reason on stderr (the first few
per contract).  A broken frame stream ends the process with status 1 and
a message on stderr.  While serving, sys.stdout and file descriptor 1 are
redirected to stderr, so a print() in your code cannot corrupt the frames.

FOLDCHECK_TORCH_SAVE=DIR in the environment saves every successful call's
request and reply (raw little-endian arrays, torch.save) to DIR: with
`foldcheck replay --kernels SPEC TOKEN`, which runs one case, that is a
counterexample's tensors to look at.
"""
import importlib.util
import os
import struct
import sys
import traceback

try:
    import numpy as np
    import torch
except ImportError as _e:  # a clear message instead of a traceback
    sys.stderr.write(
        "foldcheck_torch: cannot import torch and numpy with %s (%s).\n"
        "  Debian/Ubuntu: apt-get install python3-torch python3-numpy, then run\n"
        "  the client with /usr/bin/python3 (a python3 first on PATH, e.g.\n"
        "  pyenv or a venv, may be another interpreter without torch);\n"
        "  elsewhere: pip install torch into this interpreter.\n"
        % (sys.executable, _e))
    sys.exit(1)

MAGIC = 0x464B4346  # "FCKF"
PROTOCOL_VERSION = 1
MAXARR = 8
MAXBYTES = 1 << 28

HELLO, ROPE, ATTENTION, BLOCK, FOLD, SIGN_QUANT, ALLOCATE_BITS = range(7)
CONTRACT_NAMES = {ROPE: "rope", ATTENTION: "attention", BLOCK: "block",
                  FOLD: "fold", SIGN_QUANT: "sign_quant",
                  ALLOCATE_BITS: "allocate_bits"}
LAYOUT_INTERLEAVED, LAYOUT_HALF = 0, 1

# foldcheck/kernel.h FC_FMT_* (part of the ABI).
FORMATS = {"fp64": 0, "fp32": 1, "bf16": 2, "fp16": 3}
DTYPE_FORMAT = {torch.float64: "fp64", torch.float32: "fp32",
                torch.bfloat16: "bf16", torch.float16: "fp16"}
DTYPES = {"float64": torch.float64, "float32": torch.float32,
          "bfloat16": torch.bfloat16, "float16": torch.float16}

STATUS_RAISED = 2     # the user's function raised
STATUS_BAD_RESULT = 3  # it returned the wrong type, dtype or shape
STATUS_UNKNOWN = 1    # a contract this client does not serve


class ProtocolError(Exception):
    """The frame stream is broken: the process ends (status 1)."""


class BadResult(Exception):
    """A user's function returned something the contract cannot take."""


# Named declarations (foldcheck kernels --arith lists them, with what each
# computes where).
PRESETS = {"hf-bf16": "bf16/bf16/fp32", "hf-fp16": "fp16/fp16/fp32",
           "strict-bf16": "bf16/fp32", "strict-fp16": "fp16/fp32",
           "fp32": "fp32/fp32", "fp64": "fp64/fp64"}


def default_arith(dtype):
    fmt = DTYPE_FORMAT[dtype]
    return fmt + "/" + ("fp32" if fmt in ("bf16", "fp16") else fmt)


def parse_arith(arith, dtype):
    """"STORAGE/ACCUM", "STORAGE/ELEMENTWISE/ACCUM" or a preset name ->
    tuple of FC_FMT_* codes (storage, accum) or (storage, elementwise,
    accum); the storage part must be the dtype's format."""
    parts = PRESETS.get(arith, arith).split("/")
    if len(parts) not in (2, 3) or any(p not in FORMATS for p in parts):
        raise ValueError("arith %r: expected STORAGE/ACCUM, "
                         "STORAGE/ELEMENTWISE/ACCUM (formats %s) or one of "
                         "%s" % (arith, ", ".join(FORMATS), ", ".join(PRESETS)))
    if parts[0] != DTYPE_FORMAT[dtype]:
        raise ValueError("arith %r: storage %s does not match dtype %s (%s)"
                         % (arith, parts[0], dtype, DTYPE_FORMAT[dtype]))
    return tuple(FORMATS[p] for p in parts)


def hello_info(arith_codes, mask, name):
    """The hello reply's array (provider.h): i32 abi, i32 storage, i32
    accum, u32 mask of provided contracts, char name[64] NUL-padded (80
    bytes: a two-part declaration, ABI 1); a three-part declaration appends
    i32 elementwise (84 bytes, ABI 2: foldcheck 0.2 and later; an older
    foldcheck refuses the 84-byte hello).  The one place that encodes the
    declaration."""
    nm = name.encode("utf-8")[:63].ljust(64, b"\0")
    if len(arith_codes) == 2:
        storage, accum = arith_codes
        return struct.pack("<iiiI", 1, storage, accum, mask) + nm
    storage, elementwise, accum = arith_codes
    return struct.pack("<iiiI", 2, storage, accum, mask) + nm + \
        struct.pack("<i", elementwise)


class Storage:
    """Arrays of one storage dtype <-> tensors, bit-exact both ways."""

    def __init__(self, dtype):
        if dtype not in DTYPE_FORMAT:
            raise ValueError("dtype %s: foldcheck storage is one of %s"
                             % (dtype, ", ".join(DTYPES)))
        self.dtype = dtype
        self.np = {torch.float64: "<f8", torch.float32: "<f4",
                   torch.bfloat16: "<i2", torch.float16: "<f2"}[dtype]
        self.size = 8 if dtype == torch.float64 else \
            4 if dtype == torch.float32 else 2

    def decode(self, b, shape, what):
        n = int(np.prod(shape))
        if len(b) != n * self.size:
            raise ProtocolError("%s: %d bytes, expected %d (%s x %d)"
                                % (what, len(b), n * self.size, shape,
                                   self.size))
        a = np.frombuffer(b, dtype=self.np).astype(self.np[1:], copy=True)
        t = torch.from_numpy(a)
        if self.dtype == torch.bfloat16:
            t = t.view(torch.bfloat16)  # same bits, reinterpreted
        return t.reshape(shape)

    def encode(self, t, shape, what):
        if not isinstance(t, torch.Tensor):
            raise BadResult("%s returned %s, expected a torch tensor"
                            % (what, type(t).__name__))
        if t.dtype != self.dtype:
            raise BadResult("%s returned a %s tensor, expected %s (convert "
                            "in your function: this module never rounds)"
                            % (what, t.dtype, self.dtype))
        if tuple(t.shape) != tuple(shape):
            raise BadResult("%s returned shape %s, expected %s"
                            % (what, tuple(t.shape), tuple(shape)))
        t = t.detach().to("cpu").contiguous()
        if self.dtype == torch.bfloat16:
            t = t.view(torch.int16)
        return t.numpy().astype(self.np, copy=False).tobytes()


def _i64(b, n, what):
    if len(b) != 8 * n:
        raise ProtocolError("%s: %d bytes, expected %d" % (what, len(b), 8 * n))
    return torch.from_numpy(np.frombuffer(b, "<i8").astype(np.int64))


def _f64(b, n, what):
    if len(b) != 8 * n:
        raise ProtocolError("%s: %d bytes, expected %d" % (what, len(b), 8 * n))
    return torch.from_numpy(np.frombuffer(b, "<f8").astype(np.float64))


class Server:
    def __init__(self, fns, dtype, name, arith, inp, out):
        self.fns = fns
        self.st = Storage(dtype)
        self.codes = parse_arith(arith or default_arith(dtype), dtype)
        self.name = name
        self.inp, self.out = inp, out
        self.mask = sum(1 << c for c in fns)
        self.errors = {}
        self.save_dir = os.environ.get("FOLDCHECK_TORCH_SAVE") or None
        self.nsaved = 0

    # ---------------------------------------------------------- framing
    def read_exact(self, n, eof_ok=False):
        chunks, got = [], 0
        while got < n:
            b = self.inp.read(n - got)
            if not b:
                if eof_ok and got == 0:
                    return None
                raise ProtocolError("end of input inside a frame (%d of %d "
                                    "bytes)" % (got, n))
            chunks.append(b)
            got += len(b)
        return b"".join(chunks)

    def reply(self, status, arrays=(), claimed=float("nan")):
        o = self.out
        o.write(struct.pack("<IiIId", MAGIC, status, len(arrays), 0, claimed))
        for a in arrays:
            o.write(struct.pack("<Q", len(a)))
            o.write(a)
        o.flush()

    def complain(self, con, msg, tb=None):
        n = self.errors.get(con, 0) + 1
        self.errors[con] = n
        if n <= 3:
            sys.stderr.write("foldcheck_torch (%s): %s: %s\n"
                             % (self.name, CONTRACT_NAMES.get(con, con), msg))
            if tb and n == 1:
                sys.stderr.write(tb)
        if n == 3:
            sys.stderr.write("foldcheck_torch (%s): further %s failures are "
                             "not printed\n"
                             % (self.name, CONTRACT_NAMES.get(con, con)))

    def loop(self):
        while True:
            hdr = self.read_exact(144, eof_ok=True)
            if hdr is None:
                return  # foldcheck closed the pipe: done
            magic, ver, con, narr = struct.unpack("<IIII", hdr[:16])
            ip = struct.unpack("<12q", hdr[16:112])
            fp = struct.unpack("<4d", hdr[112:144])
            if magic != MAGIC:
                raise ProtocolError("bad frame magic 0x%08x" % magic)
            if ver != PROTOCOL_VERSION:
                raise ProtocolError("frame protocol version %d, this client "
                                    "speaks %d" % (ver, PROTOCOL_VERSION))
            if narr > MAXARR:
                raise ProtocolError("%d arrays in a frame" % narr)
            arrs = []
            for _ in range(narr):
                (nb,) = struct.unpack("<Q", self.read_exact(8))
                if nb > MAXBYTES:
                    raise ProtocolError("array of %d bytes" % nb)
                arrs.append(self.read_exact(nb))
            if con == HELLO:
                self.reply(0, [hello_info(self.codes, self.mask, self.name)])
                continue
            if con not in self.fns:
                self.complain(con, "not served by this client")
                self.reply(STATUS_UNKNOWN)
                continue
            try:
                outs = self.dispatch(con, ip, fp, arrs)
            except (ProtocolError, KeyboardInterrupt):
                raise
            except BadResult as e:
                self.complain(con, str(e))
                self.reply(STATUS_BAD_RESULT)
                continue
            except Exception as e:  # the user's code raised
                self.complain(con, "%s: %s" % (type(e).__name__, e),
                              traceback.format_exc())
                self.reply(STATUS_RAISED)
                continue
            self.reply(0, outs)
            if self.save_dir:
                self.save(con, ip, fp, arrs, outs)

    def save(self, con, ip, fp, arrs, outs):
        """FOLDCHECK_TORCH_SAVE=DIR: each successful call's request and
        reply (raw little-endian arrays) as DIR/NNNNNN-CONTRACT-PID.pt."""
        self.nsaved += 1
        path = os.path.join(self.save_dir, "%06d-%s-%d.pt" % (
            self.nsaved, CONTRACT_NAMES[con], os.getpid()))
        torch.save({"contract": CONTRACT_NAMES[con], "ip": ip, "fp": fp,
                    "dtype": str(self.st.dtype), "inputs": arrs,
                    "outputs": outs}, path)

    def need(self, arrs, n, con):
        if len(arrs) != n:
            raise ProtocolError("%s request with %d arrays, expected %d"
                                % (CONTRACT_NAMES[con], len(arrs), n))

    # --------------------------------------------------------- contracts
    def dispatch(self, con, ip, fp, arrs):
        st, f = self.st, self.fns[con]
        with torch.no_grad():
            if con == ROPE:
                self.need(arrs, 3, con)
                rows, d, layout, rot = ip[:4]
                x = st.decode(arrs[0], (rows, d), "rope x")
                pos = _i64(arrs[1], rows, "rope pos")
                theta = _f64(arrs[2], d // 2, "rope theta")
                y = f(x, pos, theta, int(layout), int(rot))
                return [st.encode(y, (rows, d), "rope")]
            if con == ATTENTION:
                self.need(arrs, 3, con)
                T, d, H, kv, causal = ip[:5]
                q = self._heads(arrs[0], T, H, d, "attention q")
                k = self._heads(arrs[1], T, kv, d, "attention k")
                v = self._heads(arrs[2], T, kv, d, "attention v")
                ctx = f(q, k, v, bool(causal))
                return [self._unheads(ctx, T, H, d, "attention")]
            if con == BLOCK:
                self.need(arrs, 8, con)
                T, dm, d, H, kv, causal, residual, has_gain, layout, rot = \
                    ip[:10]
                x = st.decode(arrs[0], (1, T, dm), "block x")
                w = [st.decode(arrs[i], s, "block " + nm) for i, s, nm in (
                    (1, (H * d, dm), "wq"), (2, (kv * d, dm), "wk"),
                    (3, (kv * d, dm), "wv"), (4, (dm, H * d), "wo"))]
                gain = st.decode(arrs[5], (dm,), "block gain") \
                    if has_gain else None
                if not has_gain and len(arrs[5]) != 0:
                    raise ProtocolError("block gain: bytes without has_gain")
                pos = _i64(arrs[6], T, "block pos").reshape(1, T)
                theta = _f64(arrs[7], d // 2, "block theta")
                y = f(x, wq=w[0], wk=w[1], wv=w[2], wo=w[3], gain=gain,
                      eps=fp[0], position_ids=pos, theta=theta, heads=int(H),
                      kv=int(kv), causal=bool(causal),
                      residual=bool(residual), layout=int(layout),
                      rotary_dim=int(rot))
                return [st.encode(y, (1, T, dm), "block")]
            if con == FOLD:
                self.need(arrs, 2, con)
                d, n, side = ip[:3]
                shape = (d, n) if side == 0 else (n, d)
                w = st.decode(arrs[0], shape, "fold w")
                r = st.decode(arrs[1], (d, d), "fold r")
                return [st.encode(f(w, r, int(side)), shape, "fold")]
            if con == SIGN_QUANT:
                self.need(arrs, 1, con)
                d = ip[0]
                k = st.decode(arrs[0], (d,), "sign_quant k")
                res = f(k)
                if not isinstance(res, tuple) or len(res) != 2:
                    raise BadResult("sign_quant returned %s, expected (s, "
                                    "alpha)" % type(res).__name__)
                s, alpha = res
                return [st.encode(s, (d,), "sign_quant s"),
                        struct.pack("<d", float(alpha))]
            if con == ALLOCATE_BITS:
                self.need(arrs, 1, con)
                n, d, d_l = ip[:3]
                keys = st.decode(arrs[0], (n, d), "allocate_bits keys")
                bits = f(keys, int(d_l))
                if isinstance(bits, torch.Tensor) and bits.numel() == 1:
                    bits = bits.item()
                if isinstance(bits, bool) or not isinstance(bits, int):
                    raise BadResult("allocate_bits returned %r, expected an "
                                    "int" % (bits,))
                return [struct.pack("<i", bits)]
        raise ProtocolError("contract %d" % con)

    def _heads(self, b, T, H, d, what):
        # (T, H d) row-major -> (1, H, T, d), contiguous
        t = self.st.decode(b, (T, H, d), what)
        return t.transpose(0, 1).contiguous().unsqueeze(0)

    def _unheads(self, t, T, H, d, what):
        if isinstance(t, torch.Tensor) and tuple(t.shape) == (1, H, T, d):
            t = t[0].transpose(0, 1)
            return self.st.encode(t, (T, H, d), what)
        return self.st.encode(t, (1, H, T, d), what)  # raises BadResult


def serve(rope=None, attention=None, block=None, fold=None, sign_quant=None,
          allocate_bits=None, *, dtype=torch.float32, name="torch",
          arith=None, threads=1):
    """Serve the given functions over stdin/stdout until foldcheck closes
    the pipe, then return.  dtype: the storage dtype (torch.float32,
    torch.bfloat16, torch.float16, torch.float64); arith: the declaration
    "STORAGE/ACCUM" (default from dtype, see the module's help); threads:
    torch's intra-op threads (1: no oversubscription next to foldcheck's
    own threads, and results independent of the machine).  A broken frame
    stream ends the process (SystemExit(1)) with a message on stderr."""
    fns = {c: fn for c, fn in ((ROPE, rope), (ATTENTION, attention),
                               (BLOCK, block), (FOLD, fold),
                               (SIGN_QUANT, sign_quant),
                               (ALLOCATE_BITS, allocate_bits))
           if fn is not None}
    if not fns:
        raise ValueError("serve: no function given")
    try:
        srv = Server(fns, dtype, name, arith, None, None)
    except ValueError as e:
        sys.stderr.write("foldcheck_torch: %s\n" % e)
        raise SystemExit(2)
    if threads:
        torch.set_num_threads(threads)
    # The frames own file descriptor 1; everything else written to stdout
    # (print, C libraries) goes to stderr.
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    srv.inp, srv.out = sys.stdin.buffer, out
    try:
        srv.loop()
    except ProtocolError as e:
        sys.stderr.write("foldcheck_torch (%s): protocol error: %s\n"
                         % (name, e))
        raise SystemExit(1)
    except BrokenPipeError:
        sys.stderr.write("foldcheck_torch (%s): foldcheck closed the pipe "
                         "during a reply\n" % name)
        raise SystemExit(1)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(
        prog="foldcheck_torch.py",
        description="Serve the functions rope, attention, block, fold, "
        "sign_quant, allocate_bits defined in FILE to foldcheck (exec "
        "client).  Run it with /usr/bin/python3 (Debian's python3-torch).")
    ap.add_argument("file", help="a Python file defining the functions")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="float32",
                    help="storage dtype (default float32)")
    ap.add_argument("--arith", help="declaration STORAGE/ACCUM, "
                    "STORAGE/ELEMENTWISE/ACCUM or a preset (%s); default "
                    "fp32/fp32 for float32, bf16/fp32 for bfloat16"
                    % ", ".join(PRESETS))
    ap.add_argument("--name", help="the name foldcheck reports (default: "
                    "the file's)")
    a = ap.parse_args(argv)
    spec = importlib.util.spec_from_file_location("fc_user_kernels", a.file)
    if spec is None:
        sys.stderr.write("foldcheck_torch: cannot load %s\n" % a.file)
        return 2
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except FileNotFoundError as e:
        sys.stderr.write("foldcheck_torch: %s\n" % e)
        return 2
    fns = {nm: getattr(mod, nm, None) for nm in CONTRACT_NAMES.values()}
    if not any(fns.values()):
        sys.stderr.write("foldcheck_torch: %s defines none of %s\n"
                         % (a.file, ", ".join(CONTRACT_NAMES.values())))
        return 2
    serve(**fns, dtype=DTYPES[a.dtype],
          name=a.name or os.path.basename(a.file), arith=a.arith)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

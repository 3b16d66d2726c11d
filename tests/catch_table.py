#!/usr/bin/env python3
"""catch_table.py -- which property catches each buggy kernel, shrunk to what.

A measurement, not a unit test (tests/cli-*.sh assert the catches): it runs
`foldcheck run --kernels SPEC` on every kernel given and prints one Markdown
row per kernel: the first property that fell short, its headline, the
shrunk case's size and choice count, and the run's wall time.

    tests/catch_table.py --foldcheck ./foldcheck \\
        --kernel 'd64=examples/plugin/.libs/libfcexample_d64.so' \\
        --kernel 'causal-exec=exec:python3 examples/python/foldcheck_client.py --bug causal'

With --all-plugins DIR, every libfcexample_*.so in DIR is a kernel (the
honest libfcexample.so is expected to pass).  Extra arguments after `--` go
to every `foldcheck run` (default: --profile ci -x).  Standard library only.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time


def run_one(fc, spec, extra, timeout):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [fc, "run", "--kernels", spec, "--quiet", "--format", "json",
               "--output", out] + extra
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, cwd=d, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"exit": "timeout", "secs": timeout}
        secs = time.monotonic() - t0
        res = {"exit": p.returncode, "secs": secs,
               "stderr": p.stderr.strip().splitlines()[-1:] }
        try:
            with open(out) as f:
                rep = json.load(f)
        except (OSError, ValueError):
            return res
        res["counts"] = {}
        for pr in rep.get("properties", []):
            st = pr.get("status")
            res["counts"][st] = res["counts"].get(st, 0) + 1
            if "caught" in res:
                continue
            if st not in ("fail", "error"):
                continue
            cx = pr.get("counterexample") or {}
            sh = cx.get("shrink") or {}
            size = cx.get("size") or {}
            res["caught"] = pr.get("id")
            res["why"] = (pr.get("message") or cx.get("note") or "")[:90]
            res["size"] = " ".join("%s=%s" % kv for kv in size.items())
            res["choices"] = "%s -> %s" % (sh.get("choices_before", "?"),
                                           sh.get("choices_after", "?"))
        return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--foldcheck", required=True)
    ap.add_argument("--kernel", action="append", default=[],
                    metavar="NAME=SPEC")
    ap.add_argument("--all-plugins", metavar="DIR")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    extra = a.extra or ["--profile", "ci", "-x"]
    kernels = []
    if a.all_plugins:
        for so in sorted(glob.glob(os.path.join(a.all_plugins,
                                                "libfcexample*.so"))):
            name = os.path.basename(so)[len("libfcexample"):-3].lstrip("_")
            kernels.append((name or "honest", os.path.abspath(so)))
    for k in a.kernel:
        name, _, spec = k.partition("=")
        kernels.append((name, spec))
    if not kernels:
        ap.error("no kernel: give --kernel NAME=SPEC or --all-plugins DIR")
    print("| kernel | exit | caught by | shrunk to | choices | why | s |")
    print("|---|---|---|---|---|---|---|")
    for name, spec in kernels:
        r = run_one(a.foldcheck, spec, extra, a.timeout)
        print("| %s | %s | %s | %s | %s | %s | %.0f |" % (
            name, r["exit"], r.get("caught", "-"), r.get("size", "-"),
            r.get("choices", "-"),
            (r.get("why") or " ".join(r.get("stderr", []))).replace("|", "/"),
            r["secs"]))
        sys.stdout.flush()


if __name__ == "__main__":
    main()

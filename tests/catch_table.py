#!/usr/bin/env python3
"""catch_table.py -- which property catches each buggy kernel, shrunk to what.

A measurement, not a unit test (tests/cli-*.sh assert the catches): it runs
`foldcheck run --kernels SPEC` on every kernel given and prints one Markdown
row per kernel: the bug, the client kind (plugin or exec), the first
property that fell short, its error/bound ratio after shrinking (before
shrinking in brackets), the shrunk case's dimensions and choice count,
the verdict line and the run's wall time.

    tests/catch_table.py --foldcheck ./foldcheck \\
        --all-plugins examples/plugin/.libs \\
        --exec '/usr/bin/python3 examples/python/foldcheck_client.py' \\
        --stage 'contract.*' --stage '' -- --profile ci -x --threads 1

--all-plugins DIR: every libfcexample*.so in DIR is a kernel (the honest
libfcexample.so must pass); the bug descriptions come from
examples/plugin/README.  --exec CMD: a client that prints its bug kinds
with `CMD --list-bugs` (one "KIND<TAB>description" a line); `exec:CMD` is
the honest kernel and `exec:CMD --bug KIND` each buggy one (--bugs K1,K2
keeps those kinds only, plugins and exec alike; --skip K1,K2 drops
them).  --kernel NAME=SPEC adds
one more.

--stage PATTERNS (repeatable; space-separated property patterns, '' for
the default selection): a kernel is run stage after stage until one
catches it, so `--stage 'contract.*' --stage ''` says whether the small
contract properties catch a bug or only the production-size ones.  Extra
arguments after `--` go to every `foldcheck run` (default: --profile ci
-x).  Rows are grouped by bug kind, plugin before exec.  Exit status: 1
when a bug went uncaught or an honest kernel (or `stderr`, which only
logs) fell short, else 0.  Standard library only.
"""
import argparse
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

# Kinds that are not bugs: they must pass.
HONEST = ("honest", "stderr")


def first_failure(rep):
    """The first property that fell short, as a dict of table fields."""
    for pr in rep.get("properties", []):
        if pr.get("status") not in ("fail", "error"):
            continue
        cx = pr.get("counterexample") or {}
        sh = cx.get("shrink") or {}
        size = cx.get("size") or {}
        ratio = cx.get("ratio", "-")
        before = cx.get("ratio_before_shrink")
        if cx.get("kernel_failure"):
            ratio, before = "-", None
        if isinstance(ratio, float):
            ratio = "%.3g" % ratio
        if isinstance(before, float):
            ratio = "%s (%.3g)" % (ratio, before)
        return {"caught": pr.get("id"),
                "why": (cx.get("kernel_failure") or pr.get("message")
                        or cx.get("note") or "")[:100],
                "ratio": ratio,
                "size": " ".join("%s=%s" % kv for kv in size.items()),
                "choices": "%s -> %s" % (sh.get("choices_before", "?"),
                                         sh.get("choices_after", "?"))}
    return None


def run_one(fc, spec, patterns, extra, timeout):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r.json")
        cmd = [fc, "run", "--kernels", spec, "--quiet", "--format", "json",
               "--output", out] + patterns + extra
        t0 = time.monotonic()
        try:
            p = subprocess.run(cmd, cwd=d, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"exit": "timeout", "secs": timeout}
        res = {"exit": p.returncode, "secs": time.monotonic() - t0}
        if p.returncode != 0:  # a refusal (exit 2) says why on stderr
            res["why"] = " ".join(p.stderr.strip().splitlines()[-1:])[:100]
        try:
            with open(out) as f:
                rep = json.load(f)
        except (OSError, ValueError):
            return res
        res.update(first_failure(rep) or {})
        return res


def plugin_descriptions():
    """libfcexample_NAME -> description, from examples/plugin/README."""
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", "examples", "plugin", "README")
    desc = {}
    try:
        with open(readme) as f:
            for line in f:
                m = re.match(r"\s+libfcexample_(\w+)\s+(.*?)(\s{2,}|$)", line)
                if m:
                    desc[m.group(1)] = m.group(2)
    except OSError:
        pass
    return desc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--foldcheck", required=True)
    ap.add_argument("--kernel", action="append", default=[],
                    metavar="NAME=SPEC")
    ap.add_argument("--all-plugins", metavar="DIR")
    ap.add_argument("--exec", dest="exec_cmd", metavar="CMD")
    ap.add_argument("--bugs", metavar="K1,K2,...")
    ap.add_argument("--skip", metavar="K1,K2,...")
    ap.add_argument("--stage", action="append", metavar="PATTERNS")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    extra = a.extra or ["--profile", "ci", "-x"]
    # Each run works in a scratch directory (its .foldcheck/ database must
    # not replay one kernel's failures on the next): paths become absolute.
    fc = os.path.abspath(a.foldcheck)
    if a.exec_cmd:
        a.exec_cmd = " ".join(
            shlex.quote(os.path.abspath(w) if os.path.exists(w) else w)
            for w in shlex.split(a.exec_cmd))
    stages = [shlex.split(s) for s in (a.stage or [""])]
    kernels = []  # (bug, client kind, description, spec)
    if a.all_plugins:
        desc = plugin_descriptions()
        for so in sorted(glob.glob(os.path.join(a.all_plugins,
                                                "libfcexample*.so"))):
            name = os.path.basename(so)[len("libfcexample"):-3].lstrip("_")
            kernels.append((name or "honest", "plugin", desc.get(name, ""),
                            os.path.abspath(so)))
    if a.exec_cmd:
        try:
            p = subprocess.run(shlex.split(a.exec_cmd) + ["--list-bugs"],
                               stdout=subprocess.PIPE, text=True, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            sys.exit("catch_table.py: --exec %s --list-bugs: %s"
                     % (a.exec_cmd, e))
        kernels.append(("honest", "exec", "", "exec:" + a.exec_cmd))
        for line in p.stdout.splitlines():
            kind, _, what = line.partition("\t")
            kernels.append((kind, "exec", what,
                            "exec:%s --bug %s" % (a.exec_cmd, kind)))
    for k in a.kernel:
        name, _, spec = k.partition("=")
        kernels.append((name, "plugin" if spec.endswith(".so") else "exec",
                        "", spec))
    if a.bugs:
        keep = set(a.bugs.split(","))
        kernels = [k for k in kernels if k[0] in keep]
    if a.skip:
        drop = set(a.skip.split(","))
        kernels = [k for k in kernels if k[0] not in drop]
    if not kernels:
        ap.error("no kernel: give --all-plugins DIR, --exec CMD or "
                 "--kernel NAME=SPEC")
    kernels.sort(key=lambda k: (k[0] not in HONEST, k[0], k[1]))
    print("| bug | client | what | exit | caught by | ratio (unshrunk) "
          "| shrunk to | choices | verdict | s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    bad = 0
    for name, kind, what, spec in kernels:
        secs = 0.0
        for pats in stages:
            r = run_one(fc, spec, pats, extra, a.timeout)
            secs += r["secs"]
            if r["exit"] != 0:
                break
        honest = name in HONEST
        if (r["exit"] != 0) == honest:
            bad += 1
        print("| %s | %s | %s | %s%s | %s | %s | %s | %s | %s | %.0f |" % (
            name, kind, what, r["exit"],
            ("" if (r["exit"] != 0) != honest
             else (" FALSE ALARM" if honest else " MISSED")),
            r.get("caught", "-"), r.get("ratio", "-"), r.get("size", "-"),
            r.get("choices", "-"), (r.get("why") or "").replace("|", "/"),
            secs))
        sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

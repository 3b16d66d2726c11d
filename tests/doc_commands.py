#!/usr/bin/env python3
"""doc_commands.py -- run the command blocks of the documentation (TAP).

    doc_commands.py SRCDIR BUILDDIR FILE...

The convention (doc/HACKING.md, "Tested documentation"): every fenced
block of README and doc/*.md opens with an info string, and

  ```sh                 is run, in order with the file's other sh blocks,
                        by `sh -e` in one scratch directory per file: the
                        build tree's foldcheck first on PATH, `examples`
                        and `src` (the source tree's), `tests/mkckpt`
                        (the build tree's) and the NumPy fixtures
                        tests/mkckpt_quarot.py and tests/mkckpt_bias.py
                        beside it, as at the top of a built tree;
                        it must exit 0, within 300 s
  ```sh exit=N          the same, and the block must exit N (its last
                        command: put the failing command last)
  ```sh id=ID tested-by=FILE
                        is not run here (it installs packages, configures
                        a tree, needs an install); FILE (.ci/run,
                        tests/installcheck.sh, a test script) runs it
                        through tests/doc-block.sh with this ID, which is
                        checked here
  ```sh needs=numpy     the same, skipped when no python3 has NumPy
  ```sh needs=torch     the same, skipped when /usr/bin/python3 cannot
                        import torch (Debian's python3-torch; the blocks
                        name /usr/bin/python3, as a python3 first on PATH
                        may lack torch)
  ```text compare       shown output, compared with the stdout of the sh
                        block just before it: line by line, trailing
                        blanks ignored, a line "..." standing for any
                        number of lines and "..." in a line for any text
  ```text, ```c, ```json, ```yaml, ...
                        shown, not run

A fence without an info string is an error, so no command escapes.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 300

n = 0
failed = 0


def tap(good, desc, detail=None):
    global n, failed
    n += 1
    print(("ok" if good else "not ok") + " %d - %s" % (n, desc))
    if not good:
        failed += 1
        for line in (detail or "").splitlines()[-25:]:
            print("# " + line)
    sys.stdout.flush()


def blocks(path):
    """(line number, info words, body lines) of every fenced block."""
    out = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("```"):
            start = i + 1
            info = lines[i][3:].split()
            body = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                out.append((start, ["<unclosed>"], body))
            else:
                out.append((start, info, body))
        i += 1
    return out


def attrs(info):
    a = {}
    for w in info[1:]:
        k, _, v = w.partition("=")
        a[k] = v
    return a


def line_matches(want, got):
    """One line; "..." inside it stands for any text."""
    if "..." not in want:
        return want == got
    pat = ".*".join(re.escape(part) for part in want.split("..."))
    return re.fullmatch(pat, got) is not None


def matches(want, got):
    """want (lines, '...' = any lines) against got (lines)."""
    want = [w.rstrip() for w in want]
    got = [g.rstrip() for g in got]
    while want and want[-1] == "":
        want.pop()
    while got and got[-1] == "":
        got.pop()
    memo = {}

    def m(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(want):
            r = j == len(got)
        elif want[i] == "...":
            r = any(m(i + 1, k) for k in range(j, len(got) + 1))
        else:
            r = j < len(got) and line_matches(want[i], got[j]) and \
                m(i + 1, j + 1)
        memo[(i, j)] = r
        return r

    return m(0, 0)


def first_command(body):
    for line in body:
        s = line.strip()
        if s and not s.startswith("#"):
            return s if len(s) <= 60 else s[:57] + "..."
    return "(empty)"


def check_marker(srcdir, fname, line, a):
    who = a.get("tested-by", "")
    bid = a.get("id", "")
    desc = "%s:%d: tested by %s (id=%s)" % (fname, line, who, bid)
    if not bid:
        tap(False, desc, "a tested-by block needs an id=ID")
        return
    target = os.path.join(srcdir, who)
    if who == "installcheck":
        target = os.path.join(srcdir, "tests", "installcheck.sh")
    try:
        with open(target, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        tap(False, desc, str(e))
        return
    pat = re.compile(r"doc-block\.sh\b.*\b%s\b.*\b%s\b" %
                     (re.escape(os.path.basename(fname)), re.escape(bid)))
    hit = any(pat.search(l) and not l.lstrip().startswith("#")
              for l in text.splitlines())
    tap(hit, desc, "%s does not run it: no line calling doc-block.sh "
        "with %s and %s" % (who, os.path.basename(fname), bid))


def numpy_python(scratch, env):
    """Make `python3` on env's PATH one with NumPy, as on a Debian machine
    with python3-numpy (a python3 without it may come first on PATH, as
    tests/cli-python.sh also allows).  False when there is none."""
    for c in ["python3", "/usr/bin/python3"]:
        exe = shutil.which(c, path=env["PATH"])
        if exe and subprocess.run([exe, "-c", "import numpy"], env=env,
                                  stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode == 0:
            if c != "python3":
                os.mkdir(os.path.join(scratch, ".bin"))
                os.symlink(exe, os.path.join(scratch, ".bin", "python3"))
                env["PATH"] = os.path.join(scratch, ".bin") + os.pathsep + \
                    env["PATH"]
            return True
    return False


def torch_python(env):
    """True when /usr/bin/python3, which the torch blocks name, imports
    torch."""
    exe = "/usr/bin/python3"
    return os.access(exe, os.X_OK) and subprocess.run(
        [exe, "-c", "import torch"], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL).returncode == 0


def run_file(srcdir, builddir, path):
    fname = os.path.relpath(path, srcdir)
    scratch = tempfile.mkdtemp(prefix="fcdoc.")
    try:
        os.symlink(os.path.join(srcdir, "examples"),
                   os.path.join(scratch, "examples"))
        os.symlink(os.path.join(srcdir, "src"), os.path.join(scratch, "src"))
        os.mkdir(os.path.join(scratch, "tests"))
        os.symlink(os.path.join(builddir, "tests", "mkckpt"),
                   os.path.join(scratch, "tests", "mkckpt"))
        # the NumPy checkpoint fixtures (the QuaRot example; needs=numpy)
        for py in ("mkckpt_quarot.py", "mkckpt_bias.py"):
            os.symlink(os.path.join(srcdir, "tests", py),
                       os.path.join(scratch, "tests", py))
        env = dict(os.environ)
        env["PATH"] = builddir + os.pathsep + env.get("PATH", "")
        numpy = numpy_python(scratch, env)
        torch = None  # checked at the first torch block (the import is slow)
        env.pop("CI", None)
        env["HOME"] = scratch
        last_out = None
        for line, info, body in blocks(path):
            lang = info[0] if info else ""
            a = attrs(info)
            where = "%s:%d" % (fname, line)
            if not lang or lang == "<unclosed>":
                tap(False, where + ": a fence needs an info string "
                    "(sh, text, ...) and a closing fence")
                continue
            if lang == "sh" and "tested-by" in a:
                check_marker(srcdir, fname, line, a)
                last_out = None
                continue
            if lang == "sh" and a.get("needs") == "numpy" and not numpy:
                tap(True, "%s: %s # SKIP no python3 with NumPy" %
                    (where, first_command(body)))
                last_out = None
                continue
            if lang == "sh" and a.get("needs") == "torch":
                if torch is None:
                    torch = torch_python(env)
                if not torch:
                    tap(True, "%s: %s # SKIP /usr/bin/python3 cannot import "
                        "torch" % (where, first_command(body)))
                    last_out = None
                    continue
            if lang == "sh":
                want = int(a.get("exit", "0"))
                script = os.path.join(scratch, ".block.sh")
                with open(script, "w", encoding="utf-8") as f:
                    f.write("\n".join(body) + "\n")
                t0 = time.time()
                try:
                    p = subprocess.run(["sh", "-e", script], cwd=scratch,
                                       env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE,
                                       timeout=TIMEOUT)
                    got, out, err = p.returncode, p.stdout, p.stderr
                except subprocess.TimeoutExpired as e:
                    got, out, err = "timeout", e.stdout or b"", e.stderr or b""
                out = out.decode("utf-8", "replace")
                err = err.decode("utf-8", "replace")
                tap(got == want, "%s: %s (exit %s, %.1f s)" %
                    (where, first_command(body), got, time.time() - t0),
                    "wanted exit %d\n--- stdout\n%s--- stderr\n%s" %
                    (want, out[-3000:], err[-3000:]))
                last_out = out
                continue
            if lang == "text" and "compare" in a:
                if last_out is None:
                    tap(False, where + ": a compared output follows no "
                        "sh block")
                else:
                    tap(matches(body, last_out.split("\n")),
                        where + ": the output shown is the output",
                        "--- shown\n%s\n--- got\n%s" %
                        ("\n".join(body), last_out[-3000:]))
                continue
            last_out = None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    sys.setrecursionlimit(20000)
    srcdir, builddir = os.path.abspath(sys.argv[1]), \
        os.path.abspath(sys.argv[2])
    for path in sys.argv[3:]:
        run_file(srcdir, builddir, path)
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

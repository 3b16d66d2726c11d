#!/usr/bin/env python3
"""ci_recipes.py -- run the shell steps of the shipped CI recipes locally.

    ci_recipes.py github RECIPE.yml WORKDIR
    ci_recipes.py gitlab RECIPE.yml WORKDIR

Reads examples/ci/github-actions.yml or examples/ci/gitlab-ci.yml, checks
the structure a working pipeline needs (a trigger or an image, checkout,
an install and a build step in every job, a shard matrix, a report job that
runs whatever the shards did, artifacts kept always, JUnit published), then
runs the recipe's own shell lines in WORKDIR the way the CI service would:
every shard of the matrix in turn, then the report job, with the service's
variables set (matrix values, CI_NODE_INDEX/TOTAL, GITHUB_STEP_SUMMARY) and
its failure rules (a failed step skips the rest of a job except steps that
run always; GitLab's after_script always runs).

Not run here: `uses:` actions (checkout, artifact upload and download: all
jobs share WORKDIR, which stands for the artifacts passed between them) and
the steps that install packages and build (the test suite runs on the
build it is part of).  WORKDIR holds a ./foldcheck that the caller provides.

Prints one line per job and step run, and on the last line a JSON object:
{"shards": [exit, ...], "report": exit}.  Exit status: 0 when the recipe's
structure is sound (whatever its steps returned), 2 when it is not.
"""
import json
import os
import re
import subprocess
import sys

import yaml


class RecipeError(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise RecipeError(msg)


def is_setup(cmd):
    """An install or build line: not run here (see the module comment)."""
    c = cmd.strip()
    return (c.startswith("sudo apt-get") or c.startswith("apt-get")
            or c.startswith("autoreconf"))


def sh(cmd, cwd, env):
    """Run one step as the services do (bash, stop at the first error)."""
    print("  $ " + cmd, flush=True)
    r = subprocess.run(["bash", "-e", "-c", cmd], cwd=cwd, env=env)
    print("  -> exit %d" % r.returncode, flush=True)
    return r.returncode


def github(recipe, work):
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    on = recipe.get("on", recipe.get(True))
    need(on, "no 'on:' trigger")
    jobs = recipe.get("jobs") or {}
    shard = jobs.get("shard")
    report = jobs.get("report")
    need(shard and report, "jobs 'shard' and 'report' are required")
    shards = shard.get("strategy", {}).get("matrix", {}).get("shard")
    need(isinstance(shards, list) and len(shards) > 1,
         "the shard job has no 'shard' matrix")
    need(shard["strategy"].get("fail-fast") is False,
         "a failing shard must not cancel the others (fail-fast: false)")
    need(report.get("needs") in ("shard", ["shard"]),
         "the report job must need the shards")
    need(str(report.get("if", "")).strip() == "always()",
         "the report job must run when a shard failed (if: always())")
    for name, job in (("shard", shard), ("report", report)):
        steps = job.get("steps") or []
        uses = [s.get("uses", "") for s in steps]
        runs = [s.get("run", "") for s in steps]
        need(uses and uses[0].startswith("actions/checkout@"),
             "job %s: first step must check out the repository" % name)
        need(any("apt-get install" in r for r in runs),
             "job %s: no package install step" % name)
        need(any("./configure" in r and "make" in r for r in runs),
             "job %s: no build step" % name)
        for s in steps:
            if s.get("uses", "").startswith("actions/upload-artifact@"):
                need(str(s.get("if", "")).strip() == "always()",
                     "job %s: artifacts must be uploaded always" % name)
    rsteps = report["steps"]
    need(any(s.get("uses", "").startswith("actions/download-artifact@")
             for s in rsteps), "the report job downloads no artifact")
    need(any("merge" in s.get("run", "") for s in rsteps),
         "the report job merges nothing")
    need(any("junit" in s.get("uses", "") and
             str(s.get("if", "")).strip() == "always()" for s in rsteps),
         "the report job does not publish the JUnit file always")

    def run_job(steps, env):
        failed = 0
        for s in steps:
            cmd = s.get("run")
            if cmd is None or is_setup(cmd):
                continue
            if failed and str(s.get("if", "")).strip() != "always()":
                continue
            rc = sh(cmd, work, env)
            if rc and not failed:
                failed = rc
        return failed

    base = dict(os.environ)
    out = {"shards": [], "report": None}
    for k in shards:
        print("job shard %s" % k, flush=True)
        steps = [dict(s, run=s["run"].replace("${{ matrix.shard }}", str(k)))
                 if "run" in s else s for s in shard["steps"]]
        out["shards"].append(run_job(steps, base))
    print("job report", flush=True)
    env = dict(base, GITHUB_STEP_SUMMARY=os.path.join(work, "step-summary.md"))
    out["report"] = run_job(rsteps, env)
    return out


def gitlab(recipe, work):
    need("image" in recipe, "no image: the jobs would run in an unknown "
         "environment")
    job = recipe.get("foldcheck")
    report = recipe.get("foldcheck-report")
    need(job and report, "jobs 'foldcheck' and 'foldcheck-report' are "
         "required")

    def resolved(j):
        base = {}
        for e in ([j["extends"]] if isinstance(j.get("extends"), str)
                  else j.get("extends", [])):
            base.update(resolved(recipe[e]))
        base.update({k: v for k, v in j.items() if k != "extends"})
        return base

    job, report = resolved(job), resolved(report)
    n = job.get("parallel")
    need(isinstance(n, int) and n > 1, "the foldcheck job is not parallel")
    for name, j in (("foldcheck", job), ("foldcheck-report", report)):
        lines = j.get("before_script", []) + j.get("script", [])
        need(any("apt-get install" in l for l in lines),
             "job %s: no package install" % name)
        need(any("./configure" in l and "make" in l for l in lines),
             "job %s: no build" % name)
        need(j.get("artifacts", {}).get("when") == "always",
             "job %s: artifacts must be kept always" % name)
    need(report.get("when") == "always",
         "the report job must run when a shard failed (when: always)")
    need("foldcheck" in json.dumps(report.get("needs")),
         "the report job must need the shards")
    need(report["artifacts"].get("reports", {}).get("junit"),
         "the report job publishes no JUnit report")
    need(any(" | " not in l for l in report["script"] if "merge" in l),
         "the merge line must not be piped (its exit status would be lost)")

    def run_job(j, env):
        failed = 0
        for line in j.get("before_script", []) + j.get("script", []):
            if is_setup(line):
                continue
            rc = sh(line, work, env)
            if rc:
                failed = rc
                break
        for line in j.get("after_script", []):
            sh(line, work, env)
        return failed

    out = {"shards": [], "report": None}
    for k in range(1, n + 1):
        print("job foldcheck %d/%d" % (k, n), flush=True)
        env = dict(os.environ, CI_NODE_INDEX=str(k), CI_NODE_TOTAL=str(n))
        out["shards"].append(run_job(job, env))
    print("job foldcheck-report", flush=True)
    out["report"] = run_job(report, dict(os.environ))
    return out


def main(argv):
    if len(argv) != 4 or argv[1] not in ("github", "gitlab"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2]) as f:
        recipe = yaml.safe_load(f)
    try:
        out = (github if argv[1] == "github" else gitlab)(recipe, argv[3])
    except RecipeError as e:
        print("ci_recipes.py: %s: %s" % (argv[2], e), file=sys.stderr)
        return 2
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

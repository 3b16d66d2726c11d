#!/bin/sh
# cli-select.sh -- selection like pytest's (issue 18 item 6): --exclude,
# -x/--maxfail, --last-failed, and `foldcheck help COMMAND`.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
M=mutant-lin-mul-transpose # commutant2d.span and .rotation fall short
CI_RUN="run --profile ci --cases 10 --quiet"

ids() { # the property ids of a JSON report, one per line
  grep '^      "id": ' "$1" | cut -d'"' -f4
}
one_line() {
  [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q '^foldcheck: ' "$TMP/err"
}
bad() { # bad DESCRIPTION ARGS...: exit 2 with one clear line
  d=$1; shift
  expect_exit 2 "$d" -- $F "$@"
  one_line; ok $? "$d: one line: $(head -c 100 "$TMP/err")"
}

# --- --exclude ---------------------------------------------------------
expect_exit 0 "--exclude" -- $F $CI_RUN commutant2d schur --exclude '*.neg_*' --exclude schur.sandwich --format json --output ex.json
ids ex.json > ex.ids
[ "$(wc -l < ex.ids)" -eq 6 ] && ! grep -q -e neg_ -e schur.sandwich ex.ids
ok $? "--exclude leaves out what its patterns match ($(tr '\n' ' ' < ex.ids))"
bad "--exclude matching no property" $CI_RUN schur --exclude no.such.thing
grep -q "'no.such.thing'" "$TMP/err"; ok $? "the message names the pattern"
bad "--exclude leaving nothing" $CI_RUN schur --exclude schur
bad "--exclude without a value" $CI_RUN schur --exclude
# Exclusion before sharding: the shards partition the selected set.
for k in 1 2 3; do
  $F $CI_RUN commutant2d schur --exclude '*.neg_*' --exclude schur.sandwich --shard $k/3 --format json --output sh$k.json
  ids sh$k.json
done | sort > shards.ids
sort ex.ids | cmp -s - shards.ids; ok $? "3 shards of an excluded selection run it exactly once"

# --- -x / --maxfail --------------------------------------------------------
expect_exit 1 "-x under a mutant" -- $F $CI_RUN commutant2d schur --kernels $M -x --format json --output x.json --format text
grep -q "^10 properties: 1 passed, 1 failed, 0 errors, 8 not run (--maxfail 1 reached)" "$TMP/out"
ok $? "text: the 8 properties after the first failure are not run, not passed"
grep -q "^foldcheck: stopped after 1 property fell short (--maxfail 1): 8 not run" "$TMP/err"
ok $? "stderr says the run stopped"
[ "$(ids x.json | tr '\n' ' ')" = "commutant2d.commutator_norm commutant2d.span " ]
ok $? "the report lists the properties up to the first failure"
grep -q '"not_run": 8' x.json && grep -q '"maxfail": 1' x.json
ok $? "JSON: summary.not_run and config.maxfail"
$F $CI_RUN commutant2d schur --kernels $M -x --format summary --output x.md || true
grep -q "^## foldcheck: FAIL -- 10 properties: 1 passed, 1 failed, 0 errors, 8 not run" x.md
ok $? "Markdown summary counts the properties not run"
expect_exit 1 "--maxfail 2" -- $F $CI_RUN commutant2d schur --kernels $M --maxfail 2 --format json --output m2.json
[ "$(ids m2.json | wc -l)" -eq 3 ] && grep -q '"not_run": 7' m2.json
ok $? "--maxfail 2 stops after the second failure (3 run, 7 not run)"
$F $CI_RUN commutant2d schur --kernels $M --maxfail 1 --threads 1 --format json --output t1.json || true
$F $CI_RUN commutant2d schur --kernels $M --maxfail 1 --threads 2 --format json --output t2.json || true
[ "$(ids t1.json)" = "$(ids t2.json)" ] && grep -q '"not_run": 8' t2.json
ok $? "the same properties run and stop with 1 and 2 threads"
expect_exit 0 "--maxfail above the failures of a passing run" -- $F $CI_RUN schur --maxfail 3
bad "--maxfail 0" $CI_RUN schur --maxfail 0
bad "--maxfail -1" $CI_RUN schur --maxfail -1
bad "--maxfail x" $CI_RUN schur --maxfail x
bad "-x for mutants" mutants 'mutant-lin-*' -x
bad "--last-failed for bench" bench schur --last-failed

# --- --last-failed (the default profile keeps .foldcheck/last.json) ---------
DEF_RUN="run --cases 10 --no-db --quiet"
expect_exit 0 "--last-failed with no previous report" -- $F $DEF_RUN commutant2d --last-failed --format json --output lf0.json
grep -q "^foldcheck: --last-failed: no previous report" "$TMP/err" && [ "$(ids lf0.json | wc -l)" -eq 5 ]
ok $? "no previous report: says so and runs every selected property"
# --no-db leaves last.json unwritten; with the database it is written.
expect_exit 1 "a failing run in the default profile" -- $F run commutant2d schur --cases 10 --db db --quiet --kernels $M
[ -f .foldcheck/last.json ]; ok $? "the default profile wrote .foldcheck/last.json"
cp .foldcheck/last.json failed-last.json
expect_exit 1 "--last-failed reruns the failures" -- $F $DEF_RUN --last-failed --kernels $M --format json --output lf1.json
[ "$(ids lf1.json | tr '\n' ' ')" = "commutant2d.span commutant2d.rotation " ]
ok $? "only the two properties that failed ran"
grep -q "^foldcheck: --last-failed: running the 2 properties that failed in the last run" "$TMP/err"
ok $? "stderr says which"
for k in 1 2; do
  $F $DEF_RUN --last-failed --kernels $M --shard $k/2 --format json --output lfs$k.json 2>/dev/null || true
done
[ "$(cat lfs1.json lfs2.json | grep '^      "id": ' | cut -d'"' -f4 | sort | tr '\n' ' ')" = "commutant2d.rotation commutant2d.span " ]
ok $? "--last-failed with --shard: the shards split the failures"
expect_exit 0 "--last-failed within a pattern that holds no failure" -- $F $DEF_RUN schur --last-failed --format json --output lf2.json
grep -q "none of the 2 properties that failed in the last run" "$TMP/err" && [ "$(ids lf2.json | wc -l)" -eq 5 ]
ok $? "failures outside the selection: says so and runs the selection"
expect_exit 0 "--last-failed with --exclude" -- $F $DEF_RUN --last-failed --exclude commutant2d.span --format json --output lf3.json
[ "$(ids lf3.json | tr '\n' ' ')" = "commutant2d.rotation " ]; ok $? "--exclude applies to the failures too"
# The fixed properties pass, and a run with the database rewrites last.json.
expect_exit 0 "--last-failed on the reference kernels" -- $F run --last-failed --cases 10 --db db --quiet
expect_exit 0 "--last-failed after everything passed" -- $F $DEF_RUN commutant2d --last-failed --format json --output lf4.json
grep -q "^foldcheck: --last-failed: no property failed in the last run" "$TMP/err" && [ "$(ids lf4.json | wc -l)" -eq 5 ]
ok $? "no failure last time: says so and runs every selected property"
echo '{"no": "report"}' > .foldcheck/last.json
bad "--last-failed with a malformed last report" $DEF_RUN schur --last-failed

# --- help COMMAND ------------------------------------------------------------
for c in run list replay kernels mutants bench anchors diff schedules explain report merge audit; do
  $F $c --help > want.txt
  expect_exit 0 "help $c" -- $F help $c
  cmp -s want.txt "$TMP/out"; ok $? "help $c prints $c's help"
done
$F help run > run-help.txt
grep -q -e "--exclude PATTERN" run-help.txt && grep -q -e "-x, --maxfail N" run-help.txt && grep -q -e "--last-failed" run-help.txt
ok $? "run's help lists --exclude, -x/--maxfail and --last-failed"
bad "help of an unknown command" help nosuch
bad "help with two commands" help run list
expect_exit 0 "help alone" -- $F help
grep -q "help COMMAND" "$TMP/out"; ok $? "the general help mentions help COMMAND"
done_testing

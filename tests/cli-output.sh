#!/bin/sh
# cli-output.sh -- where reports go and how they read: several
# --format/--output pairs, `report` (a saved JSON report in other formats),
# `run --shard K/N` + `merge` equal to the unsharded run, atomic writes and
# SIGINT/SIGTERM, failure-database warnings, time-limited shrinks, the
# short text and the Markdown summary, options after operands, anchors
# coverage, schedules --rope-error's exit status.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
FAM="commutant2d schur amplification"
RUN="run $FAM --profile ci --cases 30 --quiet"
# Work in a scratch directory: the text report saves long replay tokens
# under ./.foldcheck/replay.
mkdir "$TMP/w"
cd "$TMP/w"

# --- several outputs from one run ----------------------------------------
expect_exit 0 "three --format/--output pairs" -- $F $RUN --format json --output r.json --format junit --output r.xml --format html --output r.html
{ grep -q '"schema": 1' r.json; } && r=0 || r=1; ok $r "pair 1: JSON"
{ head -1 r.xml | grep -q '<?xml'; } && r=0 || r=1; ok $r "pair 2: JUnit XML"
{ grep -q '<html' r.html; } && r=0 || r=1; ok $r "pair 3: HTML (the second pair no longer replaces the first)"
expect_exit 0 "--output before its --format, and a format implied by the name" -- $F $RUN --output o.json --format json --output o.tap
{ grep -q '"schema": 1' o.json; } && r=0 || r=1; ok $r "--output FILE --format json"
{ grep -q '^TAP version 13' o.tap; } && r=0 || r=1; ok $r "o.tap: TAP from its name"
expect_exit 2 "two formats for stdout" -- $F $RUN --format json --format tap
{ grep -q "only one format goes to stdout" "$TMP/err"; } && r=0 || r=1; ok $r "says why"
expect_exit 2 "the same --output twice" -- $F $RUN --format json --output x.json --format tap --output x.json
expect_exit 2 "an unknown format lists the formats" -- $F $RUN --format yaml
{ grep -q "text, json, tap, junit, markdown, html, summary" "$TMP/err"; } && r=0 || r=1; ok $r "message lists every format"

# --- report: a saved JSON report converted -------------------------------
expect_exit 0 "report r.json --format json reproduces the report" -- $F report r.json --format json
{ cmp -s "$TMP/out" r.json; } && r=0 || r=1; ok $r "JSON -> records -> JSON is the identity"
expect_exit 0 "report r.json (text)" -- $F report r.json
{ grep -q "^12 properties: 12 passed" "$TMP/out"; } && r=0 || r=1; ok $r "text from a saved report"
expect_exit 0 "report with options after the operand, to a file" -- $F report r.json --format junit --output c.xml --quiet
{ head -1 c.xml | grep -q '<?xml'; } && r=0 || r=1; ok $r "converted to JUnit"
echo '{"schema": 1}' > bad.json
expect_exit 2 "report of a non-report" -- $F report bad.json
expect_exit 2 "report of a missing file" -- $F report /nonexistent.json

# --- shards: deterministic, complete, merged = unsharded ----------------
strip() { grep -v '"seconds":' "$1"; }
FULL="run commutant2d schur amplification signquant.cos_formula fold.kernel_accuracy --profile ci --cases 30 --quiet --format json"
$F $FULL --output all.json || true
for k in 1 2 3; do $F $FULL --shard $k/3 --output s$k.json || true; done
n=0; for k in 1 2 3; do n=$((n + $(grep -c '^    {$' s$k.json || true))); done
{ [ "$n" -eq "$(grep -c '^    {$' all.json)" ]; } && r=0 || r=1; ok $r "the 3 shards hold every property once ($n)"
for k in 1 2 3; do
  { [ "$(grep -c '^    {$' s$k.json || true)" -ge 1 ]; } && r=0 || r=1; ok $r "shard $k/3 is not empty"
done
$F $FULL --shard 2/3 --output s2b.json || true
{ strip s2.json > a.s; strip s2b.json > b.s; cmp -s a.s b.s; } && r=0 || r=1; ok $r "a shard is deterministic"
expect_exit 0 "merge s3 s1 s2" -- $F merge s3.json s1.json s2.json --format json --output m.json --quiet
{ strip all.json > a.s; strip m.json > b.s; cmp -s a.s b.s; } && r=0 || r=1; ok $r "merged == unsharded (timings aside)"
expect_exit 0 "merge straight to HTML" -- $F merge s1.json s2.json s3.json --format html --output m.html --quiet
{ grep -q '<html' m.html; } && r=0 || r=1; ok $r "merged HTML written"
expect_exit 2 "merge with a shard missing" -- $F merge s1.json s2.json
{ grep -q "shard 3/3 is missing" "$TMP/err"; } && r=0 || r=1; ok $r "names the missing shard"
expect_exit 2 "merge with a shard twice" -- $F merge s1.json s2.json s2b.json
$F run schur --profile ci --cases 30 --seed 5 --quiet --format json --output other.json || true
expect_exit 2 "merge reports of different seeds" -- $F merge r.json other.json
expect_exit 2 "--shard 4/3" -- $F $RUN --shard 4/3
expect_exit 2 "--shard x" -- $F $RUN --shard x

# --- interruption and atomic writes ---------------------------------------
LONG="run commutant2d moment.gaussian_closed_form --profile ci --cases 2000 --quiet"
echo '{"previous": "report"}' > prev.json
$F $LONG --format json --output prev.json >/dev/null 2>&1 &
pid=$!
sleep 4
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
{ [ "$rc" -eq 130 ]; } && r=0 || r=1; ok $r "SIGINT: exit 130 (got $rc)"
{ grep -q '"interrupted": true' prev.json; } && r=0 || r=1; ok $r "SIGINT: a complete report marked interrupted"
if command -v python3 >/dev/null; then
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['interrupted'] and d['properties']" prev.json
  ok $? "the interrupted report is valid JSON with what ran"
fi
$F report prev.json > prev.txt || true
{ grep -q "INTERRUPTED" prev.txt; } && r=0 || r=1; ok $r "text says INTERRUPTED"
echo '{"previous": "report"}' > keep.json
$F $LONG --format json --output keep.json >/dev/null 2>&1 &
pid=$!
sleep 2
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
{ [ "$rc" -eq 143 ]; } && r=0 || r=1; ok $r "SIGTERM: exit 143 (got $rc)"
echo '{"previous": "report"}' > keep.json
$F $LONG --format json --output keep.json >/dev/null 2>&1 &
pid=$!
sleep 2
kill -KILL $pid
set +e; wait $pid; set -e
{ grep -q '"previous": "report"' keep.json; } && r=0 || r=1; ok $r "SIGKILL mid-run: the previous report is intact"
ls -a | grep -q '\.tmp\.' && r=1 || r=0; ok $r "no temporary file left behind"

# --- failure database problems: one line on stderr ------------------------
expect_exit 0 "an unwritable --db" -- $F run schur.vanishing --profile ci --cases 10 --db /dev/null/db --quiet
{ grep -q "warning: failure database '/dev/null/db' cannot be created" "$TMP/err"; } && r=0 || r=1; ok $r "says the database cannot be written"
mkdir -p db && echo 'not json' > db/schur.vanishing.json
expect_exit 0 "a corrupt database record" -- $F run schur.vanishing --profile ci --cases 10 --db db --quiet
{ grep -q "db/schur.vanishing.json is unreadable or corrupt" "$TMP/err"; } && r=0 || r=1; ok $r "says the record is corrupt"

# --- time-limited shrink: flagged in JSON and text ------------------------
expect_exit 0 "a shrink stopped by its time budget" -- $F run schur.neg_equal --profile ci --shrink-time 0.000001 --format json --output tl.json
{ grep -q '"time_limited": true' tl.json; } && r=0 || r=1; ok $r "JSON: shrink.time_limited"
{ grep -q "time-limited" "$TMP/out"; } && r=0 || r=1; ok $r "text: (time-limited)"

# --- readable text --------------------------------------------------------
expect_exit 0 "default text run" -- $F $RUN
{ sed -n 2p "$TMP/out" | grep -q "^12 properties: 12 passed, 0 failed, 0 errors"; } && r=0 || r=1; ok $r "the verdict on line 2"
{ grep -q "^negative controls detected" "$TMP/out"; } && r=0 || r=1; ok $r "negative controls summarised"
{ [ "$(grep -c ': detected at ' "$TMP/out")" -eq 4 ]; } && r=0 || r=1; ok $r "one line per negative control"
grep -q "shrink:" "$TMP/out" && r=1 || r=0; ok $r "no full counterexample blocks for expected detections"
{ [ "$(wc -l < "$TMP/out")" -lt 40 ]; } && r=0 || r=1; ok $r "short: $(wc -l < "$TMP/out") lines for 12 properties"
{ awk 'length > 400 { exit 1 }' "$TMP/out"; } && r=0 || r=1; ok $r "no line over 400 characters (long tokens in files)"
tf=$(grep -o 'foldcheck replay \.foldcheck/replay/[^ ]*\.token' "$TMP/out" | head -1 | cut -d' ' -f3)
{ [ -n "$tf" ] && [ -s "$tf" ]; } && r=0 || r=1; ok $r "long replay token saved to $tf"
expect_exit 0 "replay FILE from the text report" -- $F replay "$tf"
expect_exit 0 "replay FILE --choices (option after the operand)" -- $F replay "$tf" --choices
{ grep -q "regenerated from its choices" "$TMP/out"; } && r=0 || r=1; ok $r "--choices was taken"
expect_exit 0 "--verbose prints every counterexample" -- $F $RUN --verbose
{ grep -q "foldcheck replay fc1-" "$TMP/out"; } && r=0 || r=1; ok $r "--verbose: tokens inline"

# --- the Markdown summary -------------------------------------------------
expect_exit 0 "--format summary" -- $F $RUN --format summary
{ grep -q "^## foldcheck: PASS" "$TMP/out"; } && r=0 || r=1; ok $r "summary headline"
{ [ "$(wc -c < "$TMP/out")" -lt 65536 ]; } && r=0 || r=1; ok $r "summary under 64 KB ($(wc -c < "$TMP/out") bytes)"
grep -q "<svg" "$TMP/out" && r=1 || r=0; ok $r "summary has no SVG"
$F run commutant2d.span --profile ci --cases 30 --kernels mutant-lin-mul-transpose --quiet --format summary > fail.md || true
{ grep -q "### Fell short" fail.md && grep -q "foldcheck replay" fail.md; } && r=0 || r=1; ok $r "a failure is listed with its replay command"

# --- anchors: coverage of a partial report --------------------------------
$F run schur.vanishing --profile ci --cases 10 --quiet --format json --output part.json || true
expect_exit 0 "anchors on a partial report" -- $F anchors --report part.json
{ grep "^intertwiner_zero_of_cos_ne" "$TMP/out" | grep -q "partial 1/"; } && r=0 || r=1; ok $r "a partly covered anchor is 'partial 1/N', not 'pass'"

# --- schedules --rope-error exit status -----------------------------------
expect_exit 0 "schedules --rope-error within the bound" -- $F schedules llama2 --rope-error --positions 0..4096
expect_exit 1 "schedules --rope-error with a float-phase kernel" -- $F schedules llama2 --rope-error --kernels mutant-rope-phase-float
{ grep -q "exceeds its bound" "$TMP/err"; } && r=0 || r=1; ok $r "says the bound is exceeded"
done_testing

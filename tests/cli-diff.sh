#!/bin/sh
# cli-diff.sh -- `foldcheck diff` on constructed report pairs.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
D=$top_srcdir/tests/diff

expect_exit 0 "identical reports: no regression" -- $F diff $D/base.json $D/base.json
grep -q "^0 regressions" "$TMP/out"; ok $? "says 0 regressions"
expect_exit 1 "a new failure is a regression" -- $F diff $D/base.json $D/newfail.json
grep -q "REGRESSION newly falls short" "$TMP/out"; ok $? "names the new failure"
expect_exit 1 "a 10x growth of a worst ratio is a regression" -- $F diff $D/base.json $D/grow10.json
grep -q "REGRESSION accuracy" "$TMP/out"; ok $? "names the level that grew"
expect_exit 0 "a 2x growth is not flagged (and detection strength is no regression)" -- $F diff $D/base.json $D/grow2.json
expect_exit 1 "with --factor 1.5 the 2x growth is flagged" -- $F diff --factor 1.5 $D/base.json $D/grow2.json
expect_exit 0 "an environment change alone is no regression" -- $F diff $D/base.json $D/env.json
grep -q "environment: openblas changed" "$TMP/out"; ok $? "reports the BLAS change"
grep -q "environment: threads changed" "$TMP/out"; ok $? "reports the thread-count change"
expect_exit 1 "a lost property and anchor are regressions" -- $F diff $D/base.json $D/lost.json
grep -q "anchor commutesWithQuarterTurn_iff lost its coverage" "$TMP/out"; ok $? "names the lost anchor"
expect_exit 1 "a ratio turning nan is a regression" -- $F diff $D/base.json $D/nan.json
expect_exit 1 "JSON output" -- $F diff --format json $D/base.json $D/grow10.json
if command -v python3 >/dev/null; then
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['regressions']==1" "$TMP/out"
  ok $? "JSON diff parses and counts 1 regression"
fi
# The seed-aware rule (constructed histograms): one unlucky case 10x above
# the old worst is seed noise; the whole distribution a decade up is a
# regression; a negative control's accuracy ratio is not compared, its
# detection is.
expect_exit 0 "a 10x worst from one case above the old decade is seed noise" -- $F diff $D/hist-base.json $D/seednoise.json
grep -q "within seed variation" "$TMP/out"; ok $? "reported as within seed variation"
expect_exit 1 "a distribution shifted a decade up is a regression" -- $F diff $D/hist-base.json $D/shift.json
grep -q "REGRESSION accuracy.*20 new cases above" "$TMP/out"; ok $? "names the level and the cases above"
expect_exit 0 "with --min-above 25 the shift is not enough" -- $F diff --min-above 25 $D/hist-base.json $D/shift.json
expect_exit 1 "a negative control no longer detected is a regression" -- $F diff $D/hist-base.json $D/undetected.json
expect_exit 1 "options after the operands (diff A B --format json)" -- $F diff $D/hist-base.json $D/shift.json --format json
grep -q '"regressions": 1' "$TMP/out"; ok $? "the trailing --format json was taken"

# Real runs: the same code under different seeds never regresses; a
# mutant kernel table does (whatever its seed).
FAM="commutant2d schur amplification signquant.cos_formula commutant.rope_accuracy fold.kernel_accuracy"
for s in 1 2 3 4 5 6; do
  $F run $FAM --profile ci --seed $s --quiet --format json --output "$TMP/s$s.json" || true
done
for s in 1 2 3 4 5; do
  expect_exit 0 "same code, seeds $s and $((s + 1)): no regression" -- $F diff "$TMP/s$s.json" "$TMP/s$((s + 1)).json"
done
$F run $FAM --profile ci --seed 7 --quiet --kernels mutant-rope-phase-float --format json --output "$TMP/mut.json" || true
expect_exit 1 "mutant (seed 7) against the reference (seed 1): regression" -- $F diff "$TMP/s1.json" "$TMP/mut.json"
grep -q "REGRESSION newly falls short" "$TMP/out"; ok $? "the mutant's caught property newly falls short"

expect_exit 2 "one argument" -- $F diff $D/base.json
expect_exit 2 "not JSON" -- $F diff $D/base.json $top_srcdir/README
expect_exit 2 "bad factor" -- $F diff --factor 0.5 $D/base.json $D/base.json
expect_exit 2 "bad --min-above" -- $F diff --min-above 0 $D/base.json $D/base.json
expect_exit 2 "missing file" -- $F diff $D/base.json /nonexistent.json
done_testing

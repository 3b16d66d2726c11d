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
expect_exit 2 "one argument" -- $F diff $D/base.json
expect_exit 2 "not JSON" -- $F diff $D/base.json $top_srcdir/README
expect_exit 2 "bad factor" -- $F diff --factor 0.5 $D/base.json $D/base.json
expect_exit 2 "missing file" -- $F diff $D/base.json /nonexistent.json
done_testing

#!/bin/sh
# cli-conformance.sh -- issue 6 end to end: the anchor table (with a
# report, and against a Lean fixture tree), the HTML and Markdown pages,
# and `diff` catching a deliberately degraded kernel between two runs.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK

# The anchor table: every anchor covered, verdicts from a report.
expect_exit 0 "anchors: every anchor has a property and a negative control" -- $F anchors --report $top_srcdir/tests/diff/base.json
grep -q "^commutesWithQuarterTurn_iff .* partial [0-9]*/[0-9]* " "$TMP/out"; ok $? "verdict read from the report (base.json covers part of the anchor: partial)"
grep -q "^iid_coord_moment_ratio_floor .*deferred" "$TMP/out"; ok $? "the deferred anchor is marked deferred"
expect_exit 0 "anchors --format json" -- $F anchors --format json --report $top_srcdir/tests/diff/base.json
if command -v python3 >/dev/null; then
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['anchors'])==19 and all(a['holds']>0 and a['detect']>0 for a in d['anchors'])" "$TMP/out"
  ok $? "JSON anchor table: 19 anchors, each with holds and detect properties"
fi
# Against the fixture tree: most anchors are missing there (exit 1), the
# present ones carry the tree's status, and unchecked theorems are listed.
expect_exit 1 "anchors --lean on a partial tree reports the missing anchors" -- $F anchors --lean $top_srcdir/tests/lean
grep -q "attention_score_gauge_invariance .*Fixture/Symmetry.lean:[0-9]* axiom, axiom (table says otherwise)" "$TMP/out"; ok $? "status read from the tree, disagreement flagged"
grep -q "MISSING from the tree" "$TMP/out"; ok $? "missing anchors flagged"
grep -q "unrelated_helper_lemma" "$TMP/out"; ok $? "theorems without a property listed"
# A report where properties fell short: the verdict line counts the
# failing anchors and the exit status says so.
expect_exit 1 "anchors --report of a report with a failure" -- $F anchors --report $top_srcdir/tests/diff/newfail.json
{ grep -q "^intertwiner_zero_of_cos_ne .* FAIL " "$TMP/out" && grep -q "^19 anchors; 1 failing in .*newfail.json (verdict FAIL); 0 with a problem" "$TMP/out"; } && r=0 || r=1
ok $r "the verdict line counts the failing anchor"
$F run commutant2d schur --profile ci --cases 10 --shrink-steps 100 --quiet --kernels mutant-lin-mul-transpose --format json --output "$TMP/fail.json" || true
expect_exit 1 "anchors --report of a run under a mutant" -- $F anchors --report "$TMP/fail.json"
n=$(grep -c " FAIL " "$TMP/out" || true)
{ [ "$n" -ge 1 ] && grep -q "^19 anchors; $n failing in " "$TMP/out"; } && r=0 || r=1
ok $r "as many failing in the verdict line as FAIL rows ($n)"
expect_exit 1 "anchors --format json of that report" -- $F anchors --format json --report "$TMP/fail.json"
grep -q "\"failing\": $n" "$TMP/out"; ok $? "JSON: failing = $n"
expect_exit 0 "anchors --report of a passing report" -- $F anchors --report $top_srcdir/tests/diff/base.json
grep -q "^19 anchors; 0 failing in " "$TMP/out"; ok $? "a passing report: 0 failing"
expect_exit 2 "anchors --lean on a missing tree" -- $F anchors --lean /nonexistent/lean
expect_exit 2 "anchors --report on a non-report" -- $F anchors --report $top_srcdir/README

# Pages: well-formed, self-contained, holding every anchor name.
expect_exit 0 "run --format html" -- $F run commutant2d schur --profile ci --quiet --format html --output "$TMP/r.html"
if command -v xmllint >/dev/null; then
  xmllint --noout "$TMP/r.html"; ok $? "the HTML page is well-formed XML"
fi
missing=0
for a in $($F anchors --format json --report $top_srcdir/tests/diff/base.json | grep '"name"' | cut -d'"' -f4); do
  grep -q "$a" "$TMP/r.html" || missing=$((missing + 1))
done
[ "$missing" -eq 0 ]; ok $? "the page holds every anchor name ($missing missing)"
grep -q "<svg" "$TMP/r.html"; ok $? "the page has inline SVG plots"
# Namespace URIs (xmlns="http://...") name vocabularies, they fetch nothing.
sed 's/xmlns="[^"]*"//g' "$TMP/r.html" | grep -q -i -E "<script|https?://" && r=1 || r=0
ok $r "the page has no script and no external reference"
expect_exit 0 "run --format markdown" -- $F run schur --profile ci --quiet --format markdown --output "$TMP/r.md"
grep -q "^| schur.vanishing " "$TMP/r.md"; ok $? "the Markdown page has the results table"

# diff catches a degraded kernel: a run on the reference kernels and one
# on a mutant give a regression and exit 1.
$F run commutant2d --profile ci --quiet --format json --output "$TMP/good.json" || true
$F run commutant2d --profile ci --quiet --kernels mutant-lin-mul-transpose --format json --output "$TMP/bad.json" || true
expect_exit 0 "diff of a run with itself" -- $F diff "$TMP/good.json" "$TMP/good.json"
expect_exit 1 "diff catches the degraded kernel" -- $F diff "$TMP/good.json" "$TMP/bad.json"
grep -q "REGRESSION newly falls short" "$TMP/out"; ok $? "names the new failure"
grep -q "environment: kernels changed" "$TMP/out"; ok $? "says the kernel table changed"
done_testing

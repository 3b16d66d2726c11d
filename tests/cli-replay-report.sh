#!/bin/sh
# cli-replay-report.sh -- replay from what CI keeps (issue 18 item 5):
# `foldcheck replay REPORT.json [PROPERTY]` re-checks the counterexamples a
# saved JSON report holds (the full tokens, long ones included), and the
# manual's nightly recipe runs, its first night (no previous report)
# included.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
M=mutant-lin-mul-transpose # commutant2d.span and .rotation fall short
RUN="run commutant2d --profile ci --cases 10 --shrink-steps 200"

one_line() {
  [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q '^foldcheck: ' "$TMP/err"
}
bad() { # bad DESCRIPTION ARGS...: exit 2 with one clear line
  d=$1; shift
  expect_exit 2 "$d" -- $F "$@"
  one_line; ok $? "$d: one line: $(head -c 120 "$TMP/err")"
}

# A failing run: text on stdout saves the long tokens under
# .foldcheck/replay; the JSON report keeps them in full.
expect_exit 1 "a failing run, text and JSON" -- $F $RUN --kernels $M --format json --output r.json --format text
grep -q "foldcheck replay .foldcheck/replay/commutant2d.span.token  (token of" "$TMP/out"
ok $? "the text report points at the saved token file"
tok=$(cat .foldcheck/replay/commutant2d.span.token)
[ "${#tok}" -gt 160 ] && grep -q "\"replay\": \"$tok\"" r.json
ok $? "the JSON report holds the same long token in full (${#tok} chars)"
rm -rf .foldcheck # what a CI runner does not keep

expect_exit 1 "replay REPORT.json: the failures still fail" -- $F replay r.json
[ "$(grep -c '^verdict    FAILS' "$TMP/out")" -eq 2 ] && grep -q "^property   commutant2d.span " "$TMP/out" && grep -q "^property   commutant2d.rotation " "$TMP/out"
ok $? "both counterexamples of the report are re-checked"
grep -q "^r.json: 2 counterexamples replayed: 2 still fall short, 0 meet their expectation now" "$TMP/out"
ok $? "a closing line counts them"
expect_exit 1 "replay REPORT.json PROPERTY" -- $F replay r.json commutant2d.rotation
[ "$(grep -c '^property ' "$TMP/out")" -eq 1 ] && grep -q "^property   commutant2d.rotation " "$TMP/out"
ok $? "only the named property is replayed"
expect_exit 0 "replay REPORT.json PROPERTY on fixed kernels: passes now" -- $F replay r.json commutant2d.span --kernels reference
grep -q "^verdict    passes" "$TMP/out"; ok $? "says it passes"
expect_exit 0 "replay REPORT.json NEGATIVE-CONTROL: detected" -- $F replay r.json commutant2d.neg_all_commute
grep -q "^verdict    detected" "$TMP/out"; ok $? "a negative control's detection replays"
expect_exit 1 "replay REPORT.json --choices regenerates the cases" -- $F replay --choices r.json

bad "replay REPORT.json of a property without a counterexample" replay r.json commutant2d.rope_block
bad "replay REPORT.json of a property not in the report" replay r.json schur.vanishing
bad "replay REPORT.json of a property that does not exist" replay r.json no.such
bad "replay REPORT.json with two properties" replay r.json commutant2d.span commutant2d.rotation
$F run schur.vanishing --profile ci --cases 5 --quiet --format json --output pass.json
bad "replay of a passing report" replay pass.json
grep -q "no property fell short" "$TMP/err"; ok $? "says no property fell short"
# (status error, and the summary to match: a property that must hold and
# fails always keeps its counterexample, and the report reader refuses a
# report that says otherwise)
awk '!d && sub(/"status": "pass"/, "\"status\": \"error\"") { d = 1 }
     { sub(/"passed": 1,/, "\"passed\": 0,"); sub(/"errors": 0,/, "\"errors\": 1,") } 1' \
  pass.json > nocex.json
bad "replay of a report whose failure kept no counterexample" replay nocex.json
grep -q "no counterexample to replay" "$TMP/err"; ok $? "says there is no counterexample"
bad "a PROPERTY after a token" replay "$tok" commutant2d.span
printf '{"properties": 3}\n' > notreport.json
bad "a JSON file that is neither report nor record" replay notreport.json

# The shard recipe: --quiet --format json shards, merged; the merged report
# replays on another machine (here: another directory).
for k in 1 2; do
  $F $RUN --kernels $M --shard $k/2 --quiet --format json --output shard-$k.json || true
done
$F merge shard-1.json shard-2.json --quiet --format json --output all.json || true
[ ! -d .foldcheck/replay ]; ok $? "--quiet --format json runs save no token files"
mkdir elsewhere && cp all.json elsewhere/
expect_exit 1 "replay of the merged shard reports" -- sh -c "cd elsewhere && exec \"$F\" replay all.json"
[ "$(grep -c '^verdict    FAILS' "$TMP/out")" -eq 2 ]; ok $? "both failures replay from the merged report"

# --- the manual's nightly recipe ------------------------------------------
# The manual's block id=nightly, run as written with `foldcheck` a function
# that adds a fast selection to `run`.
sh "$top_srcdir/tests/doc-block.sh" "$top_srcdir/doc/foldcheck.md" nightly > recipe.sh
[ "$(grep -c . recipe.sh)" -ge 5 ] && grep -q "foldcheck run --profile nightly" recipe.sh
ok $? "the nightly recipe is found in the manual ($(grep -c . recipe.sh) lines)"
cat > nightly.sh <<EOF
foldcheck() {
  if [ "\$1" = run ]; then
    shift
    "$F" run "\$@" commutant2d --cases 5 --shrink-steps 100 \$NIGHT_KERNELS
  else
    "$F" "\$@"
  fi
}
EOF
cat recipe.sh >> nightly.sh
night() { # night WANT DESCRIPTION DIR [KERNELS]: the recipe in DIR
  mkdir -p "$3"
  expect_exit "$1" "$2" -- sh -c "cd '$3' && NIGHT_KERNELS='${4:+--kernels $4}' exec sh ../nightly.sh"
}
night 0 "nightly, first night (no last.json)" n1
grep -q "first night" "$TMP/out" "$TMP/err" && [ -f n1/last.json ] && [ ! -f n1/new.json ]
ok $? "the first night says so and keeps its report as the baseline"
cp n1/last.json night1.json
night 0 "nightly, second night (diff against the first)" n1
[ -f n1/last.json ] && ! cmp -s n1/last.json night1.json
ok $? "a passing night becomes the new baseline"
cp n1/last.json night2.json
night 1 "nightly, a regressed kernel" n1 $M
cmp -s n1/last.json night2.json && [ -f n1/new.json ]
ok $? "a regression keeps the last good report and the night's report"
expect_exit 1 "the regressed night's report replays" -- $F replay n1/new.json
night 1 "nightly, a first night that falls short" n2 $M
[ ! -f n2/last.json ] && grep -q "foldcheck replay new.json" "$TMP/out" "$TMP/err"
ok $? "no baseline from a failing first night; it says how to replay"
done_testing

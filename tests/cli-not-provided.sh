#!/bin/sh
# cli-not-provided.sh -- issue 16: a run names only the kernels it ran.
# With an external kernel (exec:CMD here, a shell script: no compiler, no
# Python), a property that calls the built-in double tables directly is
# "not provided", never run on the reference in the kernel's name; a
# contract.* property whose entry the kernel lacks is "not provided" too,
# not an error.  Exit 0 when what ran met its expectation; --require-all
# makes not provided an error naming them.  Every format says so: text (one
# line), JSON (read back by the strict reader), TAP SKIP, JUnit skipped.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK

# A client that provides no contract at all (none_client, common.sh).
none_client "$TMP/none.sh"
K="exec:sh $TMP/none.sh"
SEL="contract.rope_accuracy schur.sandwich commutant2d.span moment.gaussian_closed_form"
RUN="run --profile ci --cases 3 --no-db --threads 1"

expect_exit 0 "what ran passed; the rest is not provided, not an error" -- \
  $F $RUN $SEL --kernels "$K" --format json --output "$TMP/r.json" \
  --format tap --output "$TMP/r.tap" --format junit --output "$TMP/r.xml"
grep -q "4 properties: 1 passed, 0 failed, 0 errors, 3 not provided" "$TMP/out" && r=0 || r=1
ok $r "the summary line counts not provided apart"
n=$(grep -c "^not provided (3" "$TMP/out" || true)
[ "$n" -eq 1 ] && r=0 || r=1; ok $r "the text report lists them in one line"
grep "^not provided" "$TMP/out" | grep -q "schur.sandwich.*built-in double kernels only" && r=0 || r=1
ok $r "a built-in-table property is not run on the reference in the kernel's name"
grep "^not provided" "$TMP/out" | grep -q "contract.rope_accuracy (the kernels under test have no entry" && r=0 || r=1
ok $r "a missing contract entry is not provided, not an error"
if grep -q "^schur.sandwich .*pass" "$TMP/out"; then r=1; else r=0; fi
ok $r "schur.sandwich does not pass with a kernel that provides nothing"
grep -q '"status": "not_provided"' "$TMP/r.json" && r=0 || r=1; ok $r "JSON: status not_provided"
grep -q '"not_provided": 3' "$TMP/r.json" && r=0 || r=1; ok $r "JSON: summary.not_provided"
grep -q "^ok [0-9]* - schur.sandwich # SKIP not provided: " "$TMP/r.tap" && r=0 || r=1
ok $r "TAP: a SKIP directive with the reason"
grep -q 'skipped="3"' "$TMP/r.xml" && grep -q '<skipped message="not provided: ' "$TMP/r.xml" && r=0 || r=1
ok $r "JUnit: skipped, with the reason"
expect_exit 0 "the strict reader reads it back" -- $F report "$TMP/r.json"
grep -q "3 not provided" "$TMP/out" && r=0 || r=1; ok $r "read back: not provided kept"

expect_exit 1 "--require-all: not provided is an error" -- \
  $F $RUN $SEL --kernels "$K" --require-all
grep -q "require-all: 3 properties not provided .*commutant2d.span" "$TMP/err" && r=0 || r=1
ok $r "--require-all names them"
expect_exit 0 "--require-all with everything provided (built-in reference)" -- \
  $F $RUN commutant2d.span moment.gaussian_closed_form --require-all

# The fold experiment judges the provider (fold_weights, attention_block):
# with neither entry it is not provided for want of the entry, not run on
# the reference.
expect_exit 0 "fold.folded_qkvo with a kernel that provides nothing" -- \
  $F $RUN fold.folded_qkvo --kernels "$K"
grep "^not provided" "$TMP/out" | grep -q "fold.folded_qkvo (the kernels under test have no entry" && r=0 || r=1
ok $r "fold.folded_qkvo: not provided for want of the entry"

# A corrupt count is refused by the strict reader.
sed 's/"not_provided": 3/"not_provided": 2/' "$TMP/r.json" > "$TMP/bad.json"
expect_exit 2 "a summary.not_provided that disagrees is refused" -- \
  $F report "$TMP/bad.json"
grep -q "summary.not_provided" "$TMP/err" && r=0 || r=1; ok $r "the field is named"

# A property that calls no kernel (the theorem's statement only) runs under
# any --kernels; the text report lists it apart so its pass is never read as
# the kernel's.  Not under the reference.
expect_exit 0 "a kernel-free property runs with an external kernel" -- \
  $F $RUN moment.gaussian_closed_form --kernels "$K"
grep -q "^calling no kernel (1: .*): moment.gaussian_closed_form$" "$TMP/out" && r=0 || r=1
ok $r "the kernel-free property is named as calling no kernel"
expect_exit 0 "the same under the reference" -- $F $RUN moment.gaussian_closed_form
if grep -q "^calling no kernel" "$TMP/out"; then r=1; else r=0; fi
ok $r "no such line under the reference"
done_testing

#!/bin/sh
# cli-kernel-db.sh -- issue 16, item 6: replay records and the failure
# database carry the kernel.  The database keys an entry by property and
# kernel identity (a built-in table's name; a plugin's name, arithmetic
# and file hash; an exec command line), so a run of kernel B never
# replays, nor deletes, kernel A's failure; an entry of the older layout
# (DIR/<id>.json, no kernel) is the reference's.  A token keeps the
# --kernels spec and any --kernel-arith: replay honours both, the command
# line winning with a warning.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
M=mutant-lin-mul-transpose
R="run commutant2d.span --profile ci --cases 50 --db db --threads 1"

expect_exit 1 "kernel A (a mutant) fails and saves its failure" -- \
  $F $R --kernels $M
n=$(ls db | grep -c '^commutant2d\.span@[0-9a-f]\{16\}\.json$' || true)
[ "$n" -eq 1 ] && r=0 || r=1; ok $r "saved under the property and A's identity"
grep -q "\"kernel_id\": \"$M\"" db/commutant2d.span@*.json && r=0 || r=1
ok $r "the record names A"
expect_exit 0 "kernel B (the reference) passes" -- $F $R
grep -q "from db" "$TMP/out" && r=1 || r=0
ok $r "B does not replay A's failure"
[ -f db/commutant2d.span@*.json ] && r=0 || r=1
ok $r "B does not delete A's failure"
expect_exit 1 "A again: its saved failure is replayed first" -- \
  $F $R --kernels $M
grep -q "^commutant2d.span .*FAIL.*1 from db" "$TMP/out" && r=0 || r=1
ok $r "A replays its own failure"

# An entry of the older layout has no kernel: it is the reference's.
sed -e '/"kernel_id"/d' -e 's/^  ],$/  ]/' \
  -e 's/"kernels": "[^"]*"/"kernels": "reference"/' \
  db/commutant2d.span@*.json > db/commutant2d.span.json
expect_exit 0 "an old entry is the reference's: replayed, passes" -- $F $R
grep -q "1 from db" "$TMP/out" && r=0 || r=1; ok $r "old entry replayed"
[ ! -f db/commutant2d.span.json ] && r=0 || r=1
ok $r "fixed for the reference: removed"
[ -f db/commutant2d.span@*.json ] && r=0 || r=1; ok $r "A's entry kept"
# A record of other kernels in the reference's place is not replayed.
cp db/commutant2d.span@*.json db/commutant2d.span.json
expect_exit 0 "a record of other kernels in B's place is ignored" -- $F $R
grep -q "of other kernels" "$TMP/err" && r=0 || r=1; ok $r "with a warning"
[ -f db/commutant2d.span.json ] && r=0 || r=1; ok $r "and left alone"
rm -f db/commutant2d.span.json

# The token carries the kernel: replay uses it, --kernels overrides.
$F $R --kernels $M --no-db --format json --output "$TMP/m.json" >/dev/null 2>&1 || true
expect_exit 1 "replay of A's counterexample fails again through A" -- \
  $F replay "$TMP/m.json" commutant2d.span
grep -q "replaying through the record's kernels $M" "$TMP/err" && r=0 || r=1
ok $r "a note names the record's kernels"
grep -q "kernels $M" "$TMP/out" && r=0 || r=1; ok $r "checked through A"
expect_exit 0 "--kernels reference wins: the case passes there" -- \
  $F replay --kernels reference "$TMP/m.json" commutant2d.span
grep -q "record was found with kernels $M; replaying through reference" \
  "$TMP/err" && r=0 || r=1
ok $r "with a warning naming the record's kernels"

# Plugins (built by make check): identity includes the file's content and
# the judged arithmetic; the token keeps --kernel-arith.
PLUG="$top_builddir/examples/plugin/.libs"
if [ -f "$PLUG/libfcexample.so" ] && [ -x "$top_builddir/foldcheck-kernel-host" ]; then
  FOLDCHECK_KERNEL_HOST="$top_builddir/foldcheck-kernel-host"
  export FOLDCHECK_KERNEL_HOST
  cp "$PLUG/libfcexample.so" ./good.so
  cp "$PLUG/libfcexample_nomax.so" ./bad.so
  P="run contract.attention_accuracy --profile ci --cases 40 --db pdb --threads 1"
  expect_exit 1 "plugin A (a bug) fails" -- $F $P --kernels ./bad.so
  expect_exit 0 "plugin B passes" -- $F $P --kernels ./good.so
  n=$(ls pdb | grep -c '^contract\.attention_accuracy@' || true)
  [ "$n" -eq 1 ] && r=0 || r=1; ok $r "B left A's failure alone"
  grep -q '"kernel_id": "plugin .* fp32/fp32/fp32 fnv1a64:[0-9a-f]\{16\}"' \
    pdb/contract.attention_accuracy@*.json && r=0 || r=1
  ok $r "a plugin's identity: name, arithmetic, file hash"
  cp ./good.so ./bad.so # same path, other content: another kernel
  expect_exit 0 "the fixed file at A's path is another kernel" -- \
    $F $P --kernels ./bad.so
  grep -q "from db" "$TMP/out" && r=1 || r=0; ok $r "it does not replay A's"
  expect_exit 1 "judged at fp32/fp64, the float32 kernel fails" -- \
    $F $P --kernels ./good.so --kernel-arith fp32/fp64 --no-db \
    --format json --output "$TMP/a.json"
  expect_exit 1 "its replay judges at the token's --kernel-arith again" -- \
    $F replay "$TMP/a.json" contract.attention_accuracy
  grep -q "judged at fp32/fp64" "$TMP/out" && r=0 || r=1
  ok $r "the replay says which arithmetic it judged at"
  expect_exit 0 "--kernel-arith fp32/fp32 on the command line wins" -- \
    $F replay --kernel-arith fp32/fp32 "$TMP/a.json" contract.attention_accuracy
  grep -q "record was judged at fp32/fp64; judging at fp32/fp32" "$TMP/err" \
    && r=0 || r=1
  ok $r "with a warning"
else
  echo "# the example plugins are not built: plugin part skipped"
fi
done_testing

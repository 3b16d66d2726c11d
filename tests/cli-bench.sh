#!/bin/sh
# cli-bench.sh -- `foldcheck bench` prints its columns (issue 11): the MPFR
# unit costs, per property the oracle share, P+64 recomputations and the
# oracle time over the operation-count bound, the operations per case by
# kind, and for a counterexample its choices before and after shrinking.
# Timings are parsed (numbers, finite), never compared with a threshold.
. "$top_srcdir/tests/common.sh"
F=$FOLDCHECK

expect_exit 0 "bench an oracle property and a negative control" -- \
  $F bench fold.folded_qkvo allocator.plain_exact --cases 20
cp "$TMP/out" "$TMP/bench"
sed 's/^/# /' "$TMP/bench"

# "MPFR unit costs at 256 bits, ns (...): mul 27.1 add/sub 14.0 ..."
awk '/^MPFR unit costs at 256 bits/ {
       sub(/.*per term\): /, ""); n = split($0, f, " ");
       bad = n != 26;
       for (i = 2; i <= n; i += 2) if (!(f[i] ~ /^[0-9]+\.[0-9]$/) || f[i] + 0 <= 0) bad = 1;
       found = 1 }
     END { exit !(found && !bad) }' "$TMP/bench"
ok $? "unit costs line: 13 kinds, each a positive number of ns"
for kind in mul add/sub fma fmma dot sum div sqrt exp sin_cos log acos/atan mpn_mul; do
  grep -q "^MPFR unit costs.* $kind [0-9]" "$TMP/bench"; ok $? "unit cost of $kind"
done

grep -q "^property  *cases  *seconds  *cases/s  *oracle%  *P+64  *vs.ops  *shrink  *shrink s  *choices$" "$TMP/bench"
ok $? "main table header has the new columns"
# fold.folded_qkvo: cases seconds cases/s oracle% P+64 vs.ops, all numbers,
# the ratio finite and positive.
awk '/^MPFR operations per case/ { ops = 1 }
     !ops && $1 == "fold.folded_qkvo" && NF == 7 {
       num = "^[0-9]+(\\.[0-9]+)?$";
       good = $2 ~ /^[0-9]+$/ && $2 > 0 && $3 ~ num && $4 ~ num && $5 ~ num &&
              $6 ~ /^[0-9]+$/ && $7 ~ num && $7 + 0 > 0 && $5 + 0 > 0 }
     END { exit !good }' "$TMP/bench"
ok $? "fold.folded_qkvo row: oracle share and oracle/ops ratio are finite numbers"
# allocator.plain_exact: a counterexample: shrink steps, seconds, N->M.
awk '/^MPFR operations per case/ { ops = 1 }
     !ops && $1 == "allocator.plain_exact" {
       split($NF, c, "->");
       good = $(NF-2) ~ /^[0-9]+$/ && $(NF-1) ~ /^[0-9]+\.[0-9]+$/ &&
              $NF ~ /^[0-9]+->[0-9]+$/ && c[2] + 0 <= c[1] + 0 && c[2] + 0 > 0 }
     END { exit !good }' "$TMP/bench"
ok $? "counterexample row: shrink steps, seconds, choices before->after"

# Operations per case: 13 counts, a bound and an oracle time.
grep -q "^MPFR operations per case" "$TMP/bench"; ok $? "operations table present"
awk 'hdr && $1 == "fold.folded_qkvo" {
       bad = NF != 16; s = 0;
       for (i = 2; i <= NF; i++) { if (!($i ~ /^[0-9]+\.[0-9]$/)) bad = 1; s += $i }
       good = !bad && s > 0 && $15 > 0 }
     /^MPFR operations per case/ { hdr = 1 }
     END { exit !good }' "$TMP/bench"
ok $? "fold.folded_qkvo: operation counts parse, some > 0, bound > 0"

# Two threads: the same columns (counts of a passing property are the same
# cases' operations, so they match one thread's).
expect_exit 0 "bench --threads 2" -- $F bench fold.folded_qkvo --cases 20 --threads 2
c1=$(awk 'hdr && $1 == "fold.folded_qkvo" { $NF = ""; $(NF-1) = ""; print }
          /^MPFR operations per case/ { hdr = 1 }' "$TMP/bench")
c2=$(awk 'hdr && $1 == "fold.folded_qkvo" { $NF = ""; $(NF-1) = ""; print }
          /^MPFR operations per case/ { hdr = 1 }' "$TMP/out")
[ -n "$c1" ] && [ "$c1" = "$c2" ]; ok $? "operation counts do not depend on the thread count"

# Counting is bench's only: run's output has no such columns.
expect_exit 0 "run is unchanged" -- $F run fold.folded_qkvo --cases 5 --quiet --profile ci
! grep -q "MPFR unit costs" "$TMP/out"; ok $? "run prints no operation counts"

done_testing

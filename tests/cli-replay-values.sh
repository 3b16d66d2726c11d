#!/bin/sh
# cli-replay-values.sh -- replay records (files and fc1- tokens) whose
# values are malformed (NaN, inf, beyond the double range, a negative or
# huge dimension, a case index below -1) or outside what the property
# checks (a turn far beyond 1/2): bad input, exit 2 with a message naming
# what is wrong -- not exit 1, "could not be checked".  Each record is a
# real counterexample (replayed first, exit 0) with one value changed.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK

# record PROPERTY CASE_INDEX FIELDS: a replay record (JSON) on stdout.
record() {
  printf '{"format":"foldcheck-replay","record_version":1,"foldcheck":"0.1.0",'
  printf '"property":"%s","precision":256,"slack_bits":8,' "$1"
  printf '"kernels":"reference","seed":"20261123","case_index":%s,' "$2"
  printf '"choices":"0","fields":[%s]}\n' "$3"
}
# token FILE: the fc1- token of a record file.
token() {
  printf 'fc1-%s' "$(base64 < "$1" | tr -d '\n=' | tr '+/' '-_')"
}
# Real counterexamples (ci profile, seed 20261123).
commutant() { # R's four values
  record commutant2d.neg_all_commute 0 \
    "{\"name\":\"R\",\"type\":\"real\",\"dim\":false,\"shape\":[2,2],\"data\":[$1]}"
}
schur() { # t1, t2
  record schur.neg_opposite 0 \
    "{\"name\":\"t1\",\"type\":\"real\",\"dim\":false,\"shape\":[1,1],\"data\":[\"$1\"]},\
{\"name\":\"t2\",\"type\":\"real\",\"dim\":false,\"shape\":[1,1],\"data\":[\"$2\"]},\
{\"name\":\"X\",\"type\":\"real\",\"dim\":false,\"shape\":[2,2],\"data\":[\"0x0p+0\",\"0x1p+0\",\"0x1p+0\",\"0x0p+0\"]}"
}
signquant() { # case index, d
  record signquant.sign0_control "$1" \
    "{\"name\":\"d\",\"type\":\"int\",\"dim\":true,\"shape\":[1,1],\"data\":[$2]},\
{\"name\":\"kind\",\"type\":\"int\",\"dim\":false,\"shape\":[1,1],\"data\":[0]},\
{\"name\":\"k\",\"type\":\"real\",\"dim\":false,\"shape\":[2,1],\"data\":[\"0x1p+0\",\"0x0p+0\"]}"
}

commutant '"0x0p+0","0x0p+0","0x0p+0","0x1p+0"' > good1.json
schur 0x1p-2 -0x1p-2 > good2.json
signquant 1 2 > good3.json
for g in good1 good2 good3; do
  expect_exit 0 "$g: the real counterexample replays (detected)" -- $F replay $g.json
done
expect_exit 0 "good1 as a token" -- $F replay "$(token good1.json)"

# bad NAME WHAT: replaying NAME.json, and its token, exits 2 and the
# message says WHAT.
bad() {
  for form in file token; do
    if [ $form = file ]; then arg=$1.json; else arg=$(token $1.json); fi
    expect_exit 2 "$1 ($form): bad input" -- $F replay "$arg"
    grep -q "$2" "$TMP/err" && r=0 || r=1
    ok $r "$1 ($form): the message says '$2'"
  done
}
commutant '"nan","0x0p+0","0x0p+0","0x1p+0"' > nan.json
bad nan "field 'R'\[0\] is nan"
commutant '"0x0p+0","-inf","0x0p+0","0x1p+0"' > inf.json
bad inf "field 'R'\[1\] is -inf"
commutant '"0x0p+0","0x0p+0","0x1p+99999","0x1p+0"' > overflow.json
bad overflow "field 'R'\[2\]: '0x1p+99999' is beyond the double range"
schur 0x1p+1000 -0x1p-2 > hugeturn.json
bad hugeturn "case is not one schur.neg_opposite takes"
schur 0x1p-2 -1e300 > negturn.json
bad negturn "case is not one schur.neg_opposite takes"
signquant 1 -1 > negdim.json
bad negdim "dimension 'd' is -1"
signquant 1 99999999999 > hugedim.json
bad hugedim "dimension 'd' is 99999999999"
signquant -5 2 > negindex.json
bad negindex "case_index -5"
done_testing

#!/bin/sh
# cli-same-report.sh -- the ci profile gives the same report on a loaded
# machine as on an idle one (issue 18): a few negative controls, run as two
# shards and merged, then unsharded under load -- two CPU hogs beside it,
# and the run itself stopped (SIGSTOP) for 11 s halfway through, while it
# shrinks, longer than any wall-clock shrink budget -- give the same JSON
# report, timings aside.  ci shrinks are bounded by their step count only.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
# Negative controls whose run is mostly shrinking (1400 to 3300 candidates).
PROPS="fold.neg.context_noncommuting fold.multi.neg.gqa_split_group fold.neg.wo_uncompensated"
RUN="run $PROPS --profile ci --quiet --format json"
strip() { grep -v '"seconds":' "$1"; }
now() { date +%s.%N; }

# --- idle: two shards, merged ---------------------------------------------
t0=$(now)
for k in 1 2; do $F $RUN --shard $k/2 --output s$k.json || true; done
t1=$(now)
expect_exit 0 "merge shards 1/2 and 2/2" -- $F merge s1.json s2.json --format json --output m.json --quiet

# --- loaded: unsharded, beside two CPU hogs, stopped for 11 s ------------
h1=; h2=; pid=
trap 'kill $h1 $h2 2>/dev/null || true; rm -rf "$TMP"' EXIT
yes >/dev/null & h1=$!
yes >/dev/null & h2=$!
$F $RUN --output all.json & pid=$!
# Halfway through the shards' time: past start-up, inside a shrink (the
# shrinks are most of these properties' time).
sleep "$(echo "$t0 $t1" | awk '{ printf "%.2f", ($2 - $1) / 2 }')"
kill -STOP $pid 2>/dev/null || true
sleep 11
kill -CONT $pid 2>/dev/null || true
set +e; wait $pid; rc=$?; set -e
kill $h1 $h2 2>/dev/null || true
wait $h1 $h2 2>/dev/null || true
h1=; h2=
{ [ "$rc" -eq 0 ]; } && r=0 || r=1; ok $r "the loaded run passes (exit $rc)"
secs=$(sed -n 's/^  "seconds": \([0-9.]*\),*$/\1/p' all.json)
echo "# idle shards: $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s; loaded run: $secs s"
{ echo "$secs" | awk '{ exit !($1 >= 11) }'; } && r=0 || r=1; ok $r "the loaded run was stopped mid-run ($secs s)"
grep -q '"time_limited": true' all.json && r=1 || r=0; ok $r "no shrink of the loaded run was time-limited"
[ "$(grep -c '"counterexample": {' all.json || true)" -eq 3 ]; ok $? "three counterexamples"
{ strip all.json > a.s; strip m.json > b.s; cmp -s a.s b.s; } && r=0 || r=1
ok $r "merged idle shards == unsharded loaded run (timings aside)"
[ $r -eq 0 ] || diff a.s b.s | cut -c1-150 | head -20 | sed "s/^/# /"
done_testing

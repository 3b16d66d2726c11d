#!/bin/sh
# cli-exec-bugs.sh -- issue 16: realistic bugs written as an exec client
# (examples/python/foldcheck_client.py --bug KIND, NumPy) are caught by the
# property that owns them, and only there, shrunk; the process-level ones
# (SIGSEGV, a deadlock, a wrong byte count, a print() on stdout, NaN) get
# their verdict line.  The negative controls: the honest client passes the
# same properties at float32 and float64, and `--bug stderr` (logs on
# standard error, which is not part of the protocol) passes too.
# tests/catch_table.py measures every kind; this is a representative subset
# that fits a minute on a loaded machine.  Skips (TAP plan 1..0, exit 0)
# only when no python3 with NumPy is installed.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
need_numpy_python
export PYTHONDONTWRITEBYTECODE=1 # keep the source tree clean (distcheck)
CL="$top_srcdir/examples/python/foldcheck_client.py"
# One client process per run (--threads 1).  A crashed client is restarted
# (Python and NumPy imported again) for every shrink candidate, and a hung
# call costs --kernel-timeout seconds of each one: the process-level bugs
# get a smaller shrink budget ($SHRINK), so the test fits a loaded machine.
# The timeout covers the hello, that is Python's start and NumPy's import
# (seconds on a loaded machine): generous, except for the hang.
RUN="run --profile ci --seed 1 --cases 20 --threads 1"
TMO=60
SHRINK=60

# verdict PROPERTY: its verdict column in the text report in $TMP/out.
verdict() { awk -v p="$1" '$1 == p {print $4; exit}' "$TMP/out"; }

# bug KIND FAILS PASSES [TEXT]: --bug KIND fails property FAILS (shrunk, and
# with TEXT in its report when given) while PASSES, run alongside, passes.
bug() {
  expect_exit 1 "--bug $1 is caught" -- $F $RUN --kernel-timeout $TMO \
    --shrink-steps $SHRINK "$2" "$3" --kernels "exec:$PY $CL --bug $1"
  [ "$(verdict "$2")" = FAIL ] && [ "$(verdict "$3")" = pass ] && r=0 || r=1
  ok $r "--bug $1: $2 fails, $3 passes"
  if [ "$SHRINK" -gt 0 ]; then
    # "shrink: N candidates, M accepted, ...": M simpler failing cases
    sed -n 's/.*shrink: [0-9]* candidates, \([0-9]*\) accepted.*/\1/p' "$TMP/out" \
      | { read -r m && [ "$m" -gt 0 ]; } && r=0 || r=1
    ok $r "--bug $1: the counterexample is shrunk"
  fi
  if [ -n "$4" ]; then
    grep -q "$4" "$TMP/out" && r=0 || r=1
    ok $r "--bug $1: the report says '$4'"
  fi
}

# Negative controls first: what passes honestly is what the bugs fail.
P="contract.rope_accuracy contract.attention_accuracy contract.sign_quant contract.allocator"
for dt in float32 float64; do
  expect_exit 0 "the honest client passes at $dt" -- \
    $F $RUN --kernel-timeout $TMO $P --kernels "exec:$PY $CL --dtype $dt"
done
expect_exit 0 "--bug stderr (logs on stderr only) passes" -- \
  $F $RUN --kernel-timeout $TMO contract.attention_accuracy \
  --kernels "exec:$PY $CL --bug stderr"
grep -q "foldcheck_client: contract 2" "$TMP/err" && r=0 || r=1
ok $r "--bug stderr: its log reached foldcheck's stderr"

bug gqa contract.attention_accuracy contract.rope_accuracy
bug halfacc contract.attention_accuracy contract.rope_accuracy
bug wrap contract.rope_accuracy contract.attention_accuracy
bug dgate contract.allocator contract.sign_quant
bug sign0 contract.sign_quant contract.allocator
bug nan contract.attention_accuracy contract.rope_accuracy \
  "kernel returned NaN"
SHRINK=4
bug segv contract.attention_accuracy contract.rope_accuracy \
  "kernel crashed: SIGSEGV"
SHRINK=0
TMO=5
bug hang contract.attention_accuracy contract.rope_accuracy \
  "kernel timed out after 5 s"
TMO=60
bug garbage contract.rope_accuracy contract.attention_accuracy \
  "kernel sent an array of 16 bytes, expected 8"
bug print contract.attention_accuracy contract.rope_accuracy \
  "malformed reply (bad magic)"
SHRINK=60

# Only a production head dim shows d64: the small contract passes it, the
# production-size RoPE property catches it and shrinks to d = 64.
expect_exit 0 "--bug d64 passes the small contract.rope_accuracy" -- \
  $F $RUN --kernel-timeout $TMO contract.rope_accuracy \
  --kernels "exec:$PY $CL --bug d64"
expect_exit 1 "--bug d64 is caught by commutant.large.rope_accuracy" -- \
  $F $RUN --kernel-timeout $TMO commutant.large.rope_accuracy \
  --kernels "exec:$PY $CL --bug d64"
grep -q "s.d = 64  (dimension)" "$TMP/out" && r=0 || r=1
ok $r "--bug d64: shrunk to head dim 64"

# A kernel process that crashes and then cannot restart within
# --kernel-timeout (a slow start on every restart): the crash seen in the
# run is real, but a candidate that only met the failed restart is no
# simpler failing case.  The property is an error saying so, never a
# counterexample shrunk onto a case where the bug does not occur.
cat > "$TMP/slow.sh" <<SLOW_EOF
#!/bin/sh
if [ -e "$TMP/started" ]; then sleep 4; fi
touch "$TMP/started"
exec $PY $CL --bug segv
SLOW_EOF
rm -f "$TMP/started"
expect_exit 1 "a crash followed by a failed restart" -- $F run \
  contract.attention_accuracy --profile ci --seed 1 --threads 1 \
  --kernel-timeout 2 --shrink-steps 20 --no-db --kernels "exec:sh $TMP/slow.sh"
grep -q "ERROR: case [0-9]* failed, but shrinking it failed: .*did not restart: kernel timed out" "$TMP/out" && r=0 || r=1
ok $r "a failed restart is an error of the run, not a shrunk counterexample"
done_testing

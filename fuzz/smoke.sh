#!/bin/sh
# smoke.sh -- run each libFuzzer driver for a short time on a copy of its
# seed corpus; fail on any crash, leak, hang or sanitizer report
# (fuzz/README).  `make fuzz-smoke` runs it from the build directory.
#
#   fuzz/smoke.sh [SECONDS [TARGET...]]
# SECONDS per target (default 30); targets default to every directory of
# the corpus.  Environment:
#   FUZZ_BIN     directory of the fuzz-TARGET programs (default: fuzz)
#   FUZZ_CORPUS  seed corpora, one directory per target (default: the
#                corpus/ next to this script); never written to
#   FUZZ_DICT    dictionaries TARGET.dict (default: the dict/ next to it)
#   FUZZ_OUT     logs and crash inputs (default: fuzz/smoke)
#   FUZZ_JOBS    targets run at once (default 1)
# Prints one line per target ("fuzz-report: 123456 runs in 30 s: ok") and
# ends with "fuzz smoke: N passed, N failed"; exit 1 when one failed.
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-30}
[ $# -gt 0 ] && shift
bin=${FUZZ_BIN:-fuzz}
corpus=${FUZZ_CORPUS:-$here/corpus}
dict=${FUZZ_DICT:-$here/dict}
out=${FUZZ_OUT:-fuzz/smoke}
jobs=${FUZZ_JOBS:-1}
case $secs in ''|*[!0-9]*) echo "smoke.sh: SECONDS must be a number" >&2; exit 2;; esac
if [ $# -eq 0 ]; then
  for d in "$corpus"/*/; do
    [ -d "$d" ] && set -- "$@" "$(basename "$d")"
  done
fi
[ $# -gt 0 ] || { echo "smoke.sh: no targets (no corpus in $corpus)" >&2; exit 2; }
mkdir -p "$out" || exit 2
# Corpus copies and the drivers' temporary files (TMPDIR), in memory when
# /dev/shm is there; removed at the end, also what a crashed driver left.
if [ -n "$TMPDIR" ] || [ ! -w /dev/shm ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/fc-smoke-XXXXXX") || exit 2
else
  work=$(mktemp -d /dev/shm/fc-smoke-XXXXXX) || exit 2
fi
trap 'rm -rf "$work"' EXIT
TMPDIR=$work
export TMPDIR
trap 'exit 130' INT TERM

# One target: its result in $out/TARGET.result (pass|fail and a line).
run() {
  t=$1 log="$out/$t.log" res="$out/$t.result"
  prog="$bin/fuzz-$t"
  rm -f "$res" "$out/$t"-crash-* "$out/$t"-leak-* "$out/$t"-timeout-* \
    "$out/$t"-oom-*
  if [ ! -x "$prog" ]; then
    echo "fail fuzz-$t: no program $prog (configure --enable-fuzzing, make)" >"$res"
    return
  fi
  mkdir -p "$work/$t"
  [ -d "$corpus/$t" ] && cp "$corpus/$t"/* "$work/$t"/ 2>/dev/null
  set --
  [ -f "$dict/$t.dict" ] && set -- "-dict=$dict/$t.dict"
  "$prog" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$out/$t-" "$@" "$work/$t" \
    >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ]; then
    echo "pass fuzz-$t: ${runs:-?} runs in $secs s: ok" >"$res"
  else
    art=$(sed -n 's/^artifact_prefix=.*; Test unit written to //p' "$log" | tail -n 1)
    echo "fail fuzz-$t: FAILED (exit $rc)${runs:+ after $runs runs}${art:+: input $art}; log $log" >"$res"
  fi
}

running=0
for t in "$@"; do
  run "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait

pass=0 fail=0
for t in "$@"; do
  line=$(cat "$out/$t.result" 2>/dev/null || echo "fail fuzz-$t: no result")
  echo "${line#* }"
  case $line in
    pass*) pass=$((pass + 1)) ;;
    *) fail=$((fail + 1))
       [ -f "$out/$t.log" ] && grep -A 30 -m 1 -E '^==[0-9]+== ?ERROR|runtime error' "$out/$t.log" | head -n 40 >&2 ;;
  esac
done
echo "fuzz smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

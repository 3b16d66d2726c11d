#!/bin/sh
# cli-usage.sh -- bad input gets one clear line and exit 2; help and
# version work.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK

expect_exit 0 "--help" -- $F --help
grep -q "run" "$TMP/out"; ok $? "--help lists the commands"
expect_exit 0 "--version" -- $F --version
grep -q "^foldcheck [0-9]" "$TMP/out"; ok $? "--version prints the version"
expect_exit 2 "no command" -- $F
expect_exit 2 "unknown command" -- $F frobnicate
grep -q "^foldcheck: unknown command 'frobnicate'" "$TMP/err"; ok $? "unknown command message"
for c in run list replay kernels mutants; do
  expect_exit 0 "$c --help" -- $F $c --help
done

one_line() { # the error is exactly one line starting "foldcheck: "
  [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q '^foldcheck: ' "$TMP/err"
}
bad() { # bad DESCRIPTION ARGS...
  d=$1; shift
  expect_exit 2 "$d" -- $F "$@"
  one_line; ok $? "$d: one clear line: $(head -c 100 "$TMP/err")"
}
bad "unknown flag" run --frobnicate
bad "negative cases" run --cases -5
bad "zero cases" run --cases 0
bad "non-numeric cases" run --cases many
bad "cases with junk" run --cases 10x
bad "huge cases" run --cases 99999999999999999999
bad "zero threads" run --threads 0
bad "precision below 53" run --prec 20
bad "precision above the maximum" run --prec 100000000
bad "negative seed" run --seed -1
bad "seed over 2^64" run --seed 18446744073709551616
bad "bad format" run --format yaml
bad "bad profile" run --profile weekly
bad "bad time budget" run --time-budget -3
bad "nan time budget" run --time-budget nan
bad "unknown kernel table" run --kernels nope
bad "missing option value" run --cases
bad "pattern matching nothing" run --cases 1 no.such.property
bad "unwritable output" run --cases 1 --output /nonexistent/dir/report.json
bad "replay without argument" replay
bad "replay of garbage" replay not-a-token
bad "replay of a bad token" replay fc1-@@@@
bad "replay of a future token" replay fc7-AAAA
bad "replay of a missing file" replay /nonexistent/replay.json
printf '{"format":"foldcheck-replay","record_version":1' > "$TMP/trunc.json"
bad "replay of a truncated file" replay "$TMP/trunc.json"
printf 'fc1-e30\n' > "$TMP/empty.tok"
bad "replay of a token file holding {}" replay "$TMP/empty.tok"
bad "list with a bad option" list --zzz
bad "kernels with an argument" kernels extra
# A --kernels spec is kept whole in every report: one too long to keep is
# refused, never truncated.
long=$(printf 'x%.0s' $(seq 1 1100))
bad "a --kernels spec of 1105 characters" run contract.sign_quant --kernels "exec:$long"
done_testing

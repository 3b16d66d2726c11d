#!/bin/sh
# cli-explain.sh -- `foldcheck explain fold`: the foldability checker's
# table (held / broken levels, shrunk counterexamples, agreement with the
# theorems' prediction), and clear errors for bad toggles (exit 2).
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK

expect_exit 0 "explain --help" -- $F explain fold --help
grep -q "invariance level" "$TMP/out"; ok $? "help names the invariance levels"

# The theorem's hypotheses hold: every level is held.
expect_exit 0 "commuting orthogonal R, QKVO" -- $F explain fold --rewrite QKVO --heads 2 --cases 15
for lv in "scores" "single-head context" "single-head output" \
          "multi-head concat output" "residual block" "transformer shell"; do
  grep -q "^$lv  *held  *held" "$TMP/out"; ok $? "QKVO: $lv held, as predicted"
done

# Wo not compensated: scores and contexts hold, every output level breaks
# with a shrunk counterexample.
expect_exit 0 "commuting orthogonal R, QKV only" -- $F explain fold --rewrite QKV --heads 2 --cases 15 --residual no
grep -q "^scores  *held" "$TMP/out"; ok $? "QKV: scores held"
grep -q "^single-head context  *held" "$TMP/out"; ok $? "QKV: context held (ctx' = R ctx)"
grep -q "^single-head output  *broken  *broken .*d=[0-9]* T=[0-9]* dm=[0-9]* heads=1" "$TMP/out"
ok $? "QKV: single-head output broken, with its shrunk size"
grep -q "^residual block  *skipped" "$TMP/out"; ok $? "--residual no skips the residual levels"

# A non-commuting R breaks even the scores; the shrunk case is two planes.
expect_exit 0 "non-commuting R" -- $F explain fold --commuting no --rewrite QK --cases 30 --residual no
grep -q "^scores  *broken  *broken  .*d=4 " "$TMP/out"; ok $? "non-commuting R: scores broken at d=4"

# A verdict that contradicts the theorems exits 1: a mutant kernel table
# (the output fold uses Wo R) breaks a level that should hold.
expect_exit 1 "a wrong fold kernel is flagged" -- $F explain fold --rewrite QKVO --heads 1 --cases 20 --residual no --kernels mutant-attn-fold-wo-untransposed
grep -q "(!)" "$TMP/out"; ok $? "the unexpected verdict is marked"

expect_exit 2 "unknown topic" -- $F explain nothing
grep -q "^foldcheck: " "$TMP/err"; ok $? "unknown topic: one clear line"
expect_exit 2 "bad rewrite set" -- $F explain fold --rewrite QX
expect_exit 2 "bad heads" -- $F explain fold --heads 9
expect_exit 2 "bad yes/no" -- $F explain fold --orthogonal maybe
done_testing

#!/bin/sh
# cli-schedules.sh -- `foldcheck schedules`: the preset list, one schedule's
# classes and spectral gap, JSON, the RoPE error measurement, and clear
# errors for bad schedules (exit 2, one line).
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK

expect_exit 0 "schedules lists the presets" -- $F schedules
for p in llama2 llama3 llama3.1 qwen2 mistral-v0.2 gpt-j gpt-neox pythia phi-2 gemma; do
  grep -q "^$p " "$TMP/out"; ok $? "the list has $p"
done
expect_exit 0 "schedules --help" -- $F schedules --help

expect_exit 0 "schedules llama3.1" -- $F schedules llama3.1 --positions 0..4096
grep -q "frequency classes" "$TMP/out"; ok $? "llama3.1: prints its frequency classes"
grep -q "commutant: real dimension 128" "$TMP/out"; ok $? "llama3.1: commutant dimension 128 (64 classes of one plane)"
grep -q "worst position: gap(" "$TMP/out"; ok $? "llama3.1: prints the worst-position gap"
grep -q "best position found: gap(" "$TMP/out"; ok $? "llama3.1: prints the best-position gap"
grep -q "smallest relative frequency gap: 0.18538" "$TMP/out"; ok $? "llama3.1: smallest relative gap 0.185"

expect_exit 0 "schedules phi-2 --format json" -- $F schedules phi-2 --format json --positions 0,1,100
grep -q '"rotary_dim": 32' "$TMP/out"; ok $? "phi-2 JSON: rotary_dim 32"
grep -q '"fixed": true' "$TMP/out"; ok $? "phi-2 JSON: a fixed class (the 48 unrotated coordinates)"
grep -q '"orthogonal_commutant_dim": 1144' "$TMP/out"; ok $? "phi-2 JSON: orthogonal commutant dimension 16 + 24*47"

expect_exit 0 "a near-collision is flagged" -- $F schedules theta:1,0x1.0000000000001p+0,0.5
grep -q "NEAR-COLLISION: planes 0 and 1" "$TMP/out"; ok $? "near-collision flagged"
grep -q "gap(1) = 2.22045e-16" "$TMP/out"; ok $? "its gap at p = 1 is one ulp"

expect_exit 0 "repeated frequencies share a class" -- $F schedules theta:1,1,-1,0 --positions 0,5
grep -q "commutant: real dimension 22" "$TMP/out"; ok $? "theta 1,1,-1,0: M_3(C) + M_2(R) = 18 + 4"
expect_exit 0 "position 0 alone" -- $F schedules llama2 --positions 0
grep -q "Theta = I" "$TMP/out"; ok $? "position set {0}: everything commutes"

expect_exit 0 "RoPE kernel error at 2^20" -- $F schedules llama3.1@exact --rope-error --positions 1048575,1048576
grep -q "the bound holds" "$TMP/out"; ok $? "the reference kernel stays inside its bound at 2^20"
expect_exit 1 "a mutant's RoPE error exceeds the bound: exit 1" -- $F schedules llama3.1@exact --rope-error --positions 1048575 --kernels mutant-rope-phase-float
grep -q "BOUND EXCEEDED" "$TMP/out"; ok $? "the float-phase mutant exceeds the bound"

one_line() { [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -q '^foldcheck: ' "$TMP/err"; }
bad() { # bad DESCRIPTION NEEDLE ARGS...
  d=$1; n=$2; shift 2
  expect_exit 2 "$d" -- $F schedules "$@"
  one_line && grep -q "$n" "$TMP/err"; ok $? "$d: one clear line: $(head -c 100 "$TMP/err")"
}
bad "unknown preset" "unknown schedule 'llama9'" llama9
bad "odd dimension" "even" geom:d=127,base=10000
bad "negative base" "base must be" geom:d=128,base=-5
bad "odd rotary" "rotary" geom:d=8,base=10,rotary=3
bad "bad transform" "transform" llama2+warp=2
bad "bad mode" "frequency mode" llama2@f16
bad "bad positions" "positions" llama2 --positions 5..3
bad "bad format" "format" llama2 --format yaml
bad "bad near" "near" llama2 --near 2
bad "unknown option" "unknown option" llama2 --frobnicate
bad "two schedules" "one schedule" llama2 llama3
bad "unknown kernels" "unknown kernel table" llama2 --rope-error --kernels nope
done_testing

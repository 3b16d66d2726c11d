#!/bin/sh
# cli-audit.sh -- `foldcheck audit ORIG REW` on synthetic checkpoints written
# by tests/mkckpt (3 layers, hidden 64, 4 heads / 2 KV heads of d = 16):
# verdicts of every scenario, the offending planes, the certification, the
# report formats, determinism, and one clear error line (exit 2) for each
# corrupted file.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
MK=$top_builddir/tests/mkckpt
A="--rewrite-arith f64"   # mkckpt forms R W in double

mk() { "$MK" "$TMP/$1" "$1" >/dev/null; }
heads() { # heads FILE VERDICT: number of table rows with that verdict
  grep -c "^ *[0-9][0-9]* *[0-9][0-9]* .* $2\$" "$1" || true
}

expect_exit 0 "audit --help" -- $F audit --help
grep -q "foldable, vo-only, online" "$TMP/out"; ok $? "help names the verdicts"
expect_exit 2 "audit without directories" -- $F audit
mk commuting
C=$TMP/commuting
expect_exit 2 "a bad layer list" -- $F audit $C/orig $C/rew --layers 7
grep -q "layer 7 beyond the model's 3 layers" "$TMP/err"; ok $? "layer list error names the limit"
expect_exit 2 "an unknown format" -- $F audit $C/orig $C/rew --format tap
expect_exit 2 "a missing directory" -- $F audit $C/orig $TMP/nowhere

# An exact commuting rewrite (per KV group R in the commutant; V/O by the
# same R, another orthogonal map, a merely invertible map): foldable.
expect_exit 0 "commuting rewrite passes" -- $F audit $C/orig $C/rew $A
cp "$TMP/out" "$TMP/commuting.txt"
[ "$(heads $TMP/commuting.txt foldable)" -eq 12 ]; ok $? "commuting: 12 heads foldable"
grep -q "same-orth" "$TMP/out" && grep -q "other-orth" "$TMP/out" && grep -q "invertible" "$TMP/out"
ok $? "commuting: V/O maps reported as same, other orthogonal, invertible"
[ "$(grep -c 'within the storage bound' "$TMP/out")" -eq 6 ]; ok $? "commuting: 6 blocks certified within the bound"
grep -q "schedule gap over positions 1..4096" "$TMP/out"; ok $? "the schedule's gap is reported"

# Determinism: same seed, same report (the time line aside).
expect_exit 0 "commuting again" -- $F audit $C/orig $C/rew $A
grep -v "audit time" "$TMP/out" > "$TMP/a2"; grep -v "audit time" "$TMP/commuting.txt" > "$TMP/a1"
cmp -s "$TMP/a1" "$TMP/a2"; ok $? "same seed, same report"
expect_exit 0 "one layer" -- $F audit $C/orig $C/rew $A --layers 1 --cases 1
[ "$(heads $TMP/out foldable)" -eq 4 ]; ok $? "--layers 1 audits 4 heads"

# A Givens rotation mixing planes 1 and 5 (different frequencies) after R.
mk mixing
expect_exit 1 "mixing rotation is flagged" -- $F audit $TMP/mixing/orig $TMP/mixing/rew $A
[ "$(heads $TMP/out online)" -eq 12 ]; ok $? "mixing: 12 heads need an online rotation"
[ "$(grep -c '^ *[0-9].* 1-5,.* online$' "$TMP/out")" -eq 12 ]; ok $? "mixing: planes 1-5 named first for every head"
[ "$(grep -c 'EXCEEDS the storage bound' "$TMP/out")" -eq 6 ]; ok $? "mixing: certification sees the block change"

# A Hadamard on Q/K/V (Wo compensated): orthogonal, must stay online.
mk hadamard
expect_exit 1 "Hadamard is flagged" -- $F audit $TMP/hadamard/orig $TMP/hadamard/rew $A
[ "$(heads $TMP/out online)" -eq 12 ]; ok $? "hadamard: 12 heads online"
grep -q "orthogonal, off the RoPE commutant by 1 .*apply online after RoPE (F6 b)" "$TMP/out"
ok $? "hadamard: reason says orthogonal, apply online after RoPE"

# Wo not compensated.
mk nowo
expect_exit 1 "Wo not compensated is flagged" -- $F audit $TMP/nowo/orig $TMP/nowo/rew $A
[ "$(heads $TMP/out broken)" -eq 12 ]; ok $? "nowo: 12 heads broken"
[ "$(grep -c 'broken: Wo not compensated' "$TMP/out")" -eq 12 ]; ok $? "nowo: reason Wo not compensated"
[ "$(grep -c 'EXCEEDS' "$TMP/out")" -eq 6 ]; ok $? "nowo: certification fails"

# Q by 2R, K by R: scores doubled (vo-only); Q by 2R, K by R/2: a score gauge.
mk scaled
expect_exit 1 "scaled Q/K is flagged" -- $F audit $TMP/scaled/orig $TMP/scaled/rew $A
[ "$(heads $TMP/out vo-only)" -eq 12 ]; ok $? "scaled: 12 heads vo-only"
grep -q "no score gauge .*R_q not orthogonal" "$TMP/out"; ok $? "scaled: reason names the gauge and orthogonality"
mk gauge
expect_exit 0 "score gauge passes" -- $F audit $TMP/gauge/orig $TMP/gauge/rew $A
grep -q "non-orthogonal score gauge" "$TMP/out"; ok $? "gauge: reported as a non-orthogonal gauge"

# Storage precisions: BF16 rewrite, F16 throughout; and the BF16 bound
# still flags a mixing rotation.
mk bf16
expect_exit 0 "bf16 rewrite passes within the bf16 bound" -- $F audit $TMP/bf16/orig $TMP/bf16/rew $A
grep -q "^rewritten: .*(BF16)" "$TMP/out"; ok $? "bf16: the storage format is read"
[ "$(heads $TMP/out foldable)" -eq 12 ]; ok $? "bf16: 12 heads foldable"
mk mixing+bf16
expect_exit 1 "mixing under bf16 storage" -- $F audit $TMP/mixing+bf16/orig $TMP/mixing+bf16/rew $A --cases 0
[ "$(heads $TMP/out online)" -eq 12 ]; ok $? "mixing+bf16: still 12 heads online"
mk f16
expect_exit 0 "f16 checkpoints pass" -- $F audit $TMP/f16/orig $TMP/f16/rew $A
grep -q "^original: .*(F16)" "$TMP/out"; ok $? "f16: the storage format is read"

# A sharded checkpoint with model.safetensors.index.json.
mk sharded
[ -f "$TMP/sharded/rew/model.safetensors.index.json" ]; ok $? "sharded: index written"
expect_exit 0 "sharded checkpoints pass" -- $F audit $TMP/sharded/orig $TMP/sharded/rew $A
[ "$(heads $TMP/out foldable)" -eq 12 ]; ok $? "sharded: 12 heads foldable"

# GPT-NeoX: fused query_key_value, rotary_pct 0.5 (dense O(8) on the fixed
# planes commutes); a rotation mixing rotating plane 1 and fixed plane 5.
mk neox
expect_exit 0 "neox fused QKV passes" -- $F audit $TMP/neox/orig $TMP/neox/rew $A
grep -q "rotary 8 of 16" "$TMP/out"; ok $? "neox: rotary_pct read"
mk neox+mixing
expect_exit 1 "neox mixing is flagged" -- $F audit $TMP/neox+mixing/orig $TMP/neox+mixing/rew $A --cases 0
[ "$(grep -c '^ *[0-9].* 1-5,.* online$' "$TMP/out")" -eq 12 ]; ok $? "neox+mixing: planes 1-5 named"

# One checkpoint and a rotation file (the fold computed in double).
expect_exit 0 "commuting rotation file folds" -- $F audit $C/orig --rotation $C/rotations.json
[ "$(heads $TMP/out foldable)" -eq 12 ] && grep -q "folded in double by" "$TMP/out"
ok $? "rotation file: 12 heads foldable"
expect_exit 1 "mixing rotation file" -- $F audit $TMP/mixing/orig --rotation $TMP/mixing/rotations.json --cases 1
[ "$(grep -c '^ *[0-9].* 1-5,.* online$' "$TMP/out")" -eq 12 ]; ok $? "rotation file: mixing planes 1-5 named"
awk 'BEGIN { printf "{\"rotation\": ["; for (i = 0; i < 16; i++) { printf "%s[", i ? "," : ""; for (j = 0; j < 16; j++) printf "%s%d", j ? "," : "", i == j ? 2 : 0; printf "]" } print "]}" }' > $TMP/twoI.json
expect_exit 1 "rotation 2I" -- $F audit $C/orig --rotation $TMP/twoI.json --cases 0
[ "$(heads $TMP/out broken)" -eq 12 ]; ok $? "rotation 2I (not orthogonal): broken"
echo '{"rotation": [[1, 0], [0, 1]]}' > $TMP/small.json
expect_exit 2 "rotation of the wrong size" -- $F audit $C/orig --rotation $TMP/small.json
grep -q "small.json: rotation is not a list of 16 rows" "$TMP/err"; ok $? "wrong-size rotation: clear message"
expect_exit 2 "rotation with two directories" -- $F audit $C/orig $C/rew --rotation $TMP/small.json

# Formats.
expect_exit 0 "json" -- $F audit $C/orig $C/rew $A --format json --cases 1
grep -q '"foldcheck_audit": 1' "$TMP/out" && grep -q '"verdict": "foldable"' "$TMP/out"
ok $? "json report with verdicts"
expect_exit 1 "html (mixing)" -- $F audit $TMP/mixing/orig $TMP/mixing/rew $A --format html --cases 1 --output $TMP/a.html
grep -q "<svg" "$TMP/a.html" && grep -q "Distance to the RoPE commutant" "$TMP/a.html"
ok $? "html page with the commutant-distance plots"
grep -q '<div class="banner bad">NOT FOLDABLE: 12 of 12 heads flagged (12 online' "$TMP/a.html"
ok $? "html: a verdict banner"
[ "$(grep -c '<rect [^>]*stroke="#000" stroke-width="2"><title>layer' "$TMP/a.html")" -eq 12 ]
ok $? "html: a layer x head heatmap with the 12 flagged heads outlined"
[ "$(grep -c '>threshold' "$TMP/a.html")" -ge 2 ]
ok $? "html: the heatmap scale and the plot both mark the threshold"
ticks=$(grep -o 'text-anchor="end">1e[-+][0-9]*</text>' "$TMP/a.html" | sed 's/.*>\(1e[^<]*\)<.*/\1/')
[ "$(echo "$ticks" | wc -l)" -ge 3 ] && [ "$(echo "$ticks" | sort | uniq -d | wc -l)" -eq 0 ]
ok $? "html: the plot's y ticks read distinct numbers ($(echo $ticks))"
grep -A1 '<th>reason</th></tr>' "$TMP/a.html" | grep -q '<tr class="flag">'
ok $? "html: flagged heads first"
expect_exit 0 "html (commuting)" -- $F audit $C/orig $C/rew $A --format html --cases 1
grep -q '<div class="banner good">FOLDABLE: all 12 audited heads fold' "$TMP/out"
ok $? "html: a passing banner"
expect_exit 1 "markdown" -- $F audit $TMP/hadamard/orig $TMP/hadamard/rew $A --format markdown --cases 0
grep -q "^| 0 | 0 | 0 |.*\*\*online\*\* |" "$TMP/out" && grep -q "^## Flagged heads" "$TMP/out" &&
  grep -q "^| 2 | \*\*O\*\* | \*\*O\*\* | \*\*O\*\* | \*\*O\*\* |" "$TMP/out"
ok $? "markdown: flagged heads, a layer x head table, the full table"
! grep -q "<svg" "$TMP/out"
ok $? "markdown: no raw SVG (GitHub strips it)"

# Corrupted files: exit 2, one line naming the file and the tensor.
# (13 cases; intweight is a valid file whose weight is stored as I32; gap
# and trailing leave data bytes to no tensor, which the reference
# implementation rejects.)
for c in truncated:"rew/model.safetensors: tensor 'model.layers.1.self_attn.k_proj.weight': data_offsets" \
         hdrlen:"rew/model.safetensors: header length 1099511627776 beyond the file" \
         badjson:"rew/model.safetensors: header is not valid JSON" \
         dtype:"rew/model.safetensors: tensor 'model.layers.0.self_attn.q_proj.weight': unknown dtype 'F12'" \
         intweight:"rew/model.safetensors: tensor 'model.layers.0.self_attn.q_proj.weight': dtype I32 is not a floating-point weight" \
         sizemismatch:"rew/model.safetensors: tensor 'model.layers.0.self_attn.q_proj.weight': shape needs 16640 bytes of F32, data_offsets give 16384" \
         missing:"rew: tensor 'model.layers.1.self_attn.k_proj.weight': missing" \
         noheads:"rew/config.json: no positive integer num_attention_heads" \
         overlap:"rew/model.safetensors: tensor 'model.layers.0.self_attn.k_proj.weight': data overlaps" \
         notobject:"rew/model.safetensors: tensor 'model.layers.0.self_attn.q_proj.weight': entry is not an object" \
         dupshard:"rew/model-00002-of-00002.safetensors: tensor 'model.layers.0.self_attn.q_proj.weight': defined twice" \
         gap:"rew/model.safetensors: data bytes 16384..16391 belong to no tensor (a gap before tensor 'model.layers.0.self_attn.k_proj.weight')" \
         trailing:"rew/model.safetensors: data bytes 147456..147471 belong to no tensor (after the last tensor's data)"; do
  name=${c%%:*}; msg=${c#*:}
  mk corrupt-$name
  expect_exit 2 "corrupt $name" -- $F audit $TMP/corrupt-$name/orig $TMP/corrupt-$name/rew
  [ "$(wc -l < "$TMP/err")" -eq 1 ] && grep -qF "$msg" "$TMP/err"
  ok $? "corrupt $name: one line: $msg"
done
done_testing

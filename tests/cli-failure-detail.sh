#!/bin/sh
# cli-failure-detail.sh -- failures that point at the bug (PyTorch's
# assert_close report): a failing kernel's counterexample names the output,
# its mismatched elements k / n, the greatest absolute and relative
# differences with their coordinates, actual against exact and the bound
# there, in the text, JSON, JUnit and TAP reports and in replay; a crashing
# exec client's crash is the failure's headline; an fp32 kernel's error is
# counted in fp32 ulps.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
FOLDCHECK_KERNEL_HOST="$top_builddir/foldcheck-kernel-host"
export FOLDCHECK_KERNEL_HOST
RUN="run --profile ci --quiet --threads 2"
have_py=0
command -v python3 >/dev/null 2>&1 && have_py=1

# ---- a built-in mutant: RoPE applied to the values breaks the block output
expect_exit 1 "mutant-attn-rope-values fails contract.block_accuracy" -- \
  $F $RUN contract.block_accuracy --kernels mutant-attn-rope-values \
  --format json --output "$TMP/m.json"
expect_exit 1 "the text report of it (a failing report: exit 1)" -- $F report "$TMP/m.json"
cp "$TMP/out" "$TMP/m.txt"
grep -q "^    block out \[accuracy, shape [0-9]* x [0-9]*\]$" "$TMP/m.txt"
ok $? "text: the output and its shape"
grep -q "^      mismatched elements: [1-9][0-9]* / [1-9][0-9]* ([0-9.]*%)$" \
  "$TMP/m.txt"
ok $? "text: mismatched elements k / n (percent)"
grep -q "greatest absolute difference: .* at ([0-9]*, [0-9]*) (up to .* allowed there)" \
  "$TMP/m.txt"
ok $? "text: greatest absolute difference, its coordinates, the bound"
grep -q "greatest difference/bound: .* at ([0-9]*, [0-9]*)$" "$TMP/m.txt"
ok $? "text: greatest relative difference (to the bound) and its coordinates"
grep -q "at ([0-9]*, [0-9]*): actual .* (.*), exact .* (.*), bound " \
  "$TMP/m.txt"
ok $? "text: actual against exact (decimal and hex) and the bound there"

expect_exit 1 "the JSON report written again" -- \
  $F report "$TMP/m.json" --format json
cmp -s "$TMP/m.json" "$TMP/out"; ok $? "JSON with outputs round-trips byte for byte"
grep -q '"name": "block out"' "$TMP/m.json"; ok $? "JSON: the output's name"
grep -q '"mismatched": [1-9]' "$TMP/m.json"; ok $? "JSON: mismatched count"
grep -q '"ulps_format": "fp64"' "$TMP/m.json"; ok $? "JSON: ulps format"

expect_exit 1 "JUnit of it" -- $F report "$TMP/m.json" --format junit
grep -q '<failure message="block out: [0-9]* / [0-9]* elements mismatched (.*), greatest error/bound .* at ([0-9]*, [0-9]*) (actual .*, exact .*, bound .*)"' \
  "$TMP/out"
ok $? "JUnit: the message is the headline"
grep -q "mismatched elements: " "$TMP/out"; ok $? "JUnit: the body has the details"
expect_exit 1 "TAP of it" -- $F report "$TMP/m.json" --format tap
grep -q "^# block out \[accuracy" "$TMP/out"; ok $? "TAP: the output in the diagnostics"
grep -q '^    where: "block out: ' "$TMP/out"; ok $? "TAP: the headline in the YAML block"
expect_exit 1 "HTML of it" -- $F report "$TMP/m.json" --format html
grep -q '<pre class="where">block out' "$TMP/out"; ok $? "HTML: where, before the case"

expect_exit 1 "replay REPORT.json" -- $F replay "$TMP/m.json"
grep -q "^where      block out (accuracy level), element [0-9]* at ([0-9]*, [0-9]*): error/bound " \
  "$TMP/out"
ok $? "replay: the output, index and coordinates of the worst element"
grep -q "^           actual " "$TMP/out" && grep -q "^           exact  " "$TMP/out"
ok $? "replay: actual and exact values"
grep -q "mismatched elements:" "$TMP/out" && r=1 || r=0
ok $r "replay: the per-output details only with --verbose"
expect_exit 1 "replay --verbose is accepted" -- $F replay --verbose "$TMP/m.json"
grep -q "^outputs$" "$TMP/out" && grep -q "^    mismatched elements: " "$TMP/out"
ok $? "replay --verbose: every output's details"

# The same details at any thread count.
expect_exit 1 "the same run on one thread" -- \
  $F run --profile ci --quiet --threads 1 contract.block_accuracy \
  --kernels mutant-attn-rope-values --format json --output "$TMP/m1.json"
if [ $have_py = 1 ]; then
  python3 - "$TMP/m.json" "$TMP/m1.json" <<'PY'
import json, sys
a, b = (json.load(open(f))["properties"][0]["counterexample"] for f in sys.argv[1:3])
for c in (a, b):
    c["shrink"].pop("seconds")
sys.exit(0 if a == b else 1)
PY
  ok $? "one or two threads: the same counterexample and outputs"
  # The strict reader checks the coordinates against the index and shape.
  python3 - "$TMP/m.json" "$TMP/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o = d["properties"][0]["counterexample"]["outputs"][0]["max_abs"]
o["at"] = [c + 1 for c in o["at"]]
json.dump(d, open(sys.argv[2], "w"))
PY
  expect_exit 2 "a report whose coordinates disagree with the index is refused" -- \
    $F report "$TMP/bad.json"
  grep -q "outputs\[0\].max_abs.at: coordinate" "$TMP/err"; ok $? "the field is named"
else
  ok 0 "# SKIP no python3"
fi

# ---- a crashing exec client: the crash is the headline
# Hello reply (src/contract/provider.h): fp32/fp32, every contract; then it
# reads the hello request (144 bytes) and one byte of the first call, and
# dies of SIGSEGV.
cat > "$TMP/crash.sh" <<'EOF'
printf '\106\103\113\106\0\0\0\0\1\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0'
printf '\120\0\0\0\0\0\0\0'
printf '\1\0\0\0\1\0\0\0\1\0\0\0\176\0\0\0'
printf 'crash'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
head -c 145 >/dev/null
kill -SEGV $$
EOF
expect_exit 1 "a crashing exec client fails contract.rope_accuracy" -- \
  $F $RUN contract.rope_accuracy --cases 3 --shrink-steps 20 \
  --kernels "exec:sh $TMP/crash.sh" --format json --output "$TMP/c.json"
expect_exit 1 "its text report" -- $F report "$TMP/c.json"
grep -q "^    failed: kernel crashed: SIGSEGV in rope_apply (call 1)$" "$TMP/out"
ok $? "text: the crash is the headline"
grep -q "residual nan" "$TMP/out" && r=1 || r=0
ok $r "text: no 'residual nan vs bound 0'"
grep -q '"kernel_failure": "kernel crashed: SIGSEGV in rope_apply (call 1)"' \
  "$TMP/c.json"
ok $? "JSON: kernel_failure"
expect_exit 1 "its JSON written again" -- $F report "$TMP/c.json" --format json
cmp -s "$TMP/out" "$TMP/c.json"
ok $? "JSON with a kernel failure round-trips byte for byte"
expect_exit 1 "its JUnit" -- $F report "$TMP/c.json" --format junit
grep -q '<failure message="kernel crashed: SIGSEGV in rope_apply (call 1)"' \
  "$TMP/out"
ok $? "JUnit: the crash is the message"
expect_exit 1 "replay of the crash" -- $F replay "$TMP/c.json"
grep -q "^where      kernel crashed: SIGSEGV in rope_apply (call 1)$" "$TMP/out"
ok $? "replay: where is the crash"

# ---- ulps in the declared format: the fp32 example plugin
lib="$top_builddir/examples/plugin/.libs/libfcexample.so"
if [ -f "$lib" ]; then
  expect_exit 0 "the fp32 example passes attention_accuracy" -- \
    $F $RUN contract.attention_accuracy --cases 60 --kernels "$lib" \
    --format json --output "$TMP/u.json"
  if [ $have_py = 1 ]; then
    python3 - "$TMP/u.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))["properties"][0]["worst"]["accuracy"]
print("# worst accuracy: ratio %.3g, %.3g fp32 ulps" % (w["ratio"], w["ulps"]))
# within its bound, an fp32 kernel is a few fp32 ulps off (binary64 ulps
# would count 2^29 times as many: about 2.5e8 here)
sys.exit(0 if w["ulps"] < 64 else 1)
PY
    ok $? "a passing fp32 kernel's error is a few fp32 ulps, not 1e8 fp64 ulps"
  else
    ok 0 "# SKIP no python3"
  fi
  ropev="$top_builddir/examples/plugin/.libs/libfcexample_ropev.so"
  expect_exit 1 "the fp32 plugin with RoPE on the values fails block_accuracy" -- \
    $F $RUN contract.block_accuracy --kernels "$ropev" \
    --format json --output "$TMP/f.json"
  grep -q '"ulps_format": "fp32"' "$TMP/f.json"; ok $? "JSON: ulps counted in fp32"
  expect_exit 1 "its text report" -- $F report "$TMP/f.json"
  grep -q "greatest error: .* fp32 ulps" "$TMP/out"; ok $? "text: fp32 ulps"
else
  ok 0 "# SKIP the example plugin is not built"
fi
done_testing

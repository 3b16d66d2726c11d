#!/bin/sh
# cli-corrupt.sh -- corrupt JSON reports, made by mutating a real report
# produced here, through every reader of reports: each must exit 2 with a
# message that names the file and the field.  Skips (77) without python3.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
if ! command -v python3 >/dev/null 2>&1; then
  echo "1..0 # SKIP python3 is not installed"
  exit 77
fi
$F run commutant2d commutant.rope_accuracy --profile ci --cases 20 --quiet \
  --format json --output good.json || true
[ -s good.json ] && r=0 || r=1
ok $r "a real report to mutate"

# corrupt.py writes NAME.json for each kind of corruption and a manifest
# line "NAME FIELD" (FIELD: what the message must name).
cat > corrupt.py <<'PY'
import json, sys
good = json.load(open("good.json"))
kinds = []
def kind(name, field):
    def add(f):
        kinds.append((name, field, f))
        return f
    return add

@kind("seed-letters", "seed")
def _(d): d["seed"] = "12x"

with open("manifest", "w") as m:
    for name, field, f in kinds:
        d = json.loads(json.dumps(good))
        f(d)
        with open(name + ".json", "w") as out:
            json.dump(d, out, indent=1)
        m.write("%s %s\n" % (name, field))
PY
python3 corrupt.py && r=0 || r=1
ok $r "corrupt reports written"

expect_exit 0 "the unmutated report reads" -- $F report good.json
while read -r name field; do
  for how in report merge; do
    expect_exit 2 "$name: $how" -- $F $how "$name.json"
    grep -q "$name.json: .*$field" "$TMP/err" && r=0 || r=1
    ok $r "$name: $how names the file and '$field'"
  done
done < manifest
done_testing

#!/bin/sh
# cli-corrupt.sh -- corrupt JSON reports, made by mutating a real report
# produced here, through every reader of reports (report, merge, diff as
# either argument, anchors --report, replay REPORT.json, run
# --last-failed): each must exit 2 with a message that
# names the file and the field ("foldcheck: F.json: properties[3].cases:
# negative count -4"), never exit 0 or 1, never a crash.  The table covers
# issue 19's list (a negative seed, precision 1e18, negative counts, a
# duplicated property, a string for a boolean, a future version, "nan" for
# a finite number, a garbage replay token; diff's unknown status and
# numeric seed) and more.  Skips (a "1..0 # SKIP" plan, exit 0) without python3.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
if ! command -v python3 >/dev/null 2>&1; then
  echo "1..0 # SKIP python3 is not installed"
  exit 0
fi
# Two families: a negative control with a counterexample and its replay
# token, and commutant.rope_accuracy with plot points.
$F run commutant2d commutant.rope_accuracy --profile ci --cases 20 --quiet \
  --format json --output good.json || true
[ -s good.json ] && r=0 || r=1
ok $r "a real report to mutate"

# corrupt.py writes NAME.json for each kind of corruption and a manifest
# line "NAME READERS WHAT": WHAT is the text the message must start with
# after the file name (the field's path, and for some what is wrong).
cat > corrupt.py <<'PY'
import json
good = json.load(open("good.json"))
props = good["properties"]
CX = [i for i, p in enumerate(props) if p["counterexample"]][0]
PL = [i for i, p in enumerate(props) if p["plot"]][0]
HOLD = [i for i, p in enumerate(props) if p["expect"] == "holds"][0]
kinds = []
# readers: "all" (report, merge, diff either way, anchors, replay,
# run --last-failed) or "report"
# (the same checks once more would only cost time: every reader goes
# through the same fc_report_check_json, which the "all" rows prove).
def kind(name, what, text=None, readers="all"):
    def add(f):
        kinds.append((name, what, f, text, readers))
        return f
    return add
P = "properties[%d]"

@kind("seed-letters", "seed: ")
def _(d): d["seed"] = "12x"
@kind("seed-negative", "seed: ")          # read as 2^64 - 5 before
def _(d): d["seed"] = "-5"
@kind("seed-number", "seed: ")            # diff took it
def _(d): d["seed"] = 20261123
@kind("seed-2^64", readers="report", what="seed: ")
def _(d): d["seed"] = "18446744073709551616"
@kind("precision-1e18", "precision: ")
def _(d): d["precision"] = 10**18
@kind("precision-real", readers="report", what="precision: ")
def _(d): d["precision"] = 256.5
@kind("slack-over-half", "slack_bits: ")
def _(d): d["slack_bits"] = d["precision"]
@kind("cases-negative", (P + ".cases: negative count -4") % 3)
def _(d): d["properties"][3]["cases"] = -4
@kind("cases-nan", (P + ".cases: ") % 2)
def _(d): d["properties"][2]["cases"] = "nan"
@kind("cases-over-budget", (P + ".cases: ") % HOLD)
def _(d): d["properties"][HOLD]["cases"] = d["config"]["cases"] + 5
@kind("failures-over-cases", (P + ".failures: ") % 0)
def _(d): d["properties"][0]["failures"] = d["properties"][0]["cases"] + 1
@kind("discarded-negative", readers="report", what=(P + ".discarded: negative count") % 1)
def _(d): d["properties"][1]["discarded"] = -1
@kind("property-twice", (P + ".id: ") % len(props))
def _(d): d["properties"].append(json.loads(json.dumps(d["properties"][0])))
@kind("bool-as-string", (P + ".stopped_by_time: ") % 0)
def _(d): d["properties"][0]["stopped_by_time"] = "false"
@kind("bool-as-number", readers="report", what="interrupted: ")
def _(d): d["interrupted"] = 0
@kind("schema-future", "schema: ")
def _(d): d["schema"] = 2
@kind("version-future", "version: ")
def _(d):
    d["version"] = "99.0.0"
    d["environment"]["foldcheck"] = "99.0.0"
@kind("version-garbage", readers="report", what="version: ")
def _(d): d["version"] = "banana"
@kind("environment-version", "environment.foldcheck: ")
def _(d): d["environment"]["foldcheck"] = "0.0.9"
@kind("seconds-nan", (P + ".seconds: ") % 0)
def _(d): d["properties"][0]["seconds"] = "nan"
@kind("budget-nan", "config.time_budget: ")
def _(d): d["config"]["time_budget"] = "nan"
@kind("threads-zero", readers="report", what="config.threads: ")
def _(d): d["config"]["threads"] = 0
@kind("status-unknown", (P + ".status: ") % 0)   # diff took it
def _(d): d["properties"][0]["status"] = "passed"
@kind("expect-flipped", (P + ".expect: ") % HOLD)
def _(d): d["properties"][HOLD]["expect"] = "detect"
@kind("profile-unknown", readers="report", what="profile: ")
def _(d): d["profile"] = "weekly"
@kind("shard-reversed", readers="report", what="shard: ")
def _(d): d["shard"] = "3/2"
@kind("summary-passed", "summary.passed: ")
def _(d): d["summary"]["passed"] += 1
@kind("histogram-over-cases", (P + ".histogram.accuracy: ") % 0)
def _(d): d["properties"][0]["histogram"]["accuracy"][5] += 1000
@kind("histogram-short", readers="report", what=(P + ".histogram.statement: ") % 0)
def _(d): d["properties"][0]["histogram"]["statement"].pop()
@kind("worst-ratio-word", (P + ".worst.accuracy.ratio: ") % 0)
def _(d): d["properties"][0]["worst"]["accuracy"]["ratio"] = "huge"
@kind("worst-level-unknown", readers="report", what=(P + ".worst: ") % 0)
def _(d): d["properties"][0]["worst"]["overall"] = None
@kind("plot-series", readers="report", what=(P + ".plot.points[3]: ") % PL)
def _(d): d["properties"][PL]["plot"]["points"][3][2] = 7
@kind("token-garbage", (P + ".counterexample.replay: ") % CX)
def _(d): d["properties"][CX]["counterexample"]["replay"] = "fc1-garbage!!"
@kind("token-other-values", (P + ".counterexample.replay: the token does "
                             "not replay this counterexample") % CX)
def _(d):
    v = d["properties"][CX]["counterexample"]["values"]
    f = list(v.values())[0]
    f["values"][0] = "0x1.8p+0" if f["type"] == "real" else 3
@kind("value-nan", (P + ".counterexample.values.") % CX)
def _(d):
    v = d["properties"][CX]["counterexample"]["values"]
    f = [x for x in v.values() if x["type"] == "real"][0]
    f["values"][0] = "nan"
@kind("level-unknown", readers="report", what=(P + ".counterexample.level: ") % CX)
def _(d): d["properties"][CX]["counterexample"]["level"] = "overall"
@kind("control-fail-with-cex", (P + ".counterexample: ") % CX)
def _(d): d["properties"][CX]["status"] = "fail"
@kind("properties-object", readers="report", what="properties: ")
def _(d): d["properties"] = {}
@kind("maxfail-negative", readers="report", what="config.maxfail: negative")
def _(d): d["config"]["maxfail"] = -1
@kind("not-run-without-maxfail", readers="report", what="summary.not_run: ")
def _(d):
    d["config"]["maxfail"] = 0
    d["summary"]["not_run"] = 3
@kind("key-twice", "not valid JSON: duplicate object key",
      text=lambda t: t.replace('"cases": ', '"cases": -4, "cases": ', 1))
def _(d): pass

# Not corrupt: a run cut by --maxfail 1 (one property errored, three not
# run), which must read back whole.
d = json.loads(json.dumps(good))
d["config"]["maxfail"] = 1
d["summary"]["not_run"] = 3
d["properties"][HOLD]["status"] = "error"
d["summary"]["passed"] -= 1
d["summary"]["errors"] += 1
json.dump(d, open("maxfail.json", "w"), indent=1)

with open("manifest", "w") as m:
    for name, what, f, text, readers in kinds:
        d = json.loads(json.dumps(good))
        f(d)
        t = json.dumps(d, indent=1)
        if text:
            t = text(t)
        with open(name + ".json", "w") as out:
            out.write(t)
        m.write("%s %s %s\n" % (name, readers, what))
PY
python3 corrupt.py && r=0 || r=1
ok $r "corrupt reports written"
n=$(grep -c "^[^ ]* all " manifest)
[ "$n" -ge 20 ] && r=0 || r=1
ok $r "$n kinds of corruption through every reader (at least 20)"

# The unmutated report reads through every reader.
expect_exit 0 "good.json: report" -- $F report good.json
expect_exit 0 "good.json: merge" -- $F merge good.json
expect_exit 0 "good.json: diff with itself" -- $F diff good.json good.json
expect_exit 0 "good.json: anchors --report" -- $F anchors --report good.json
expect_exit 0 "good.json: replay (a detection)" -- \
  $F replay good.json commutant2d.neg_all_commute
expect_exit 1 "maxfail.json (a run cut by --maxfail): report" -- \
  $F report maxfail.json --format json
python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d['config']['maxfail'] == 1 and d['summary']['not_run'] == 3
" "$TMP/out" && r=0 || r=1
ok $r "maxfail.json: config.maxfail and summary.not_run read back"
mkdir -p .foldcheck && cp good.json .foldcheck/last.json
expect_exit 0 "good.json: run --last-failed" -- \
  $F run commutant2d --cases 1 --quiet --last-failed

mkdir -p .foldcheck
while read -r name readers what; do
  hows="report merge diff-old diff-new anchors replay last-failed"
  [ "$readers" = all ] || hows=$readers
  for how in $hows; do
    file=$name.json
    case $how in
      report) set -- report "$name.json" ;;
      merge) set -- merge "$name.json" ;;
      diff-old) set -- diff "$name.json" good.json ;;
      diff-new) set -- diff good.json "$name.json" ;;
      anchors) set -- anchors --report "$name.json" ;;
      replay) set -- replay "$name.json" ;;
      last-failed) # run --last-failed reads the last report
        cp "$name.json" .foldcheck/last.json
        file="--last-failed: .foldcheck/last.json"
        set -- run commutant2d --cases 1 --quiet --last-failed ;;
    esac
    expect_exit 2 "$name: $how" -- $F "$@" </dev/null
    grep -F -q "foldcheck: $file: $what" "$TMP/err" && r=0 || r=1
    ok $r "$name: $how names the file and '$what'"
  done
done < manifest
done_testing

#!/bin/sh
# reports-validate.sh -- check the four report formats with outside tools.
#
# tests/t-reports --write FORMAT FILE writes its hand-made report (6
# properties: 2 pass, 3 fail, 1 error).  This script validates each file:
# JUnit and the HTML page with xmllint, TAP with Perl's TAP::Parser, JSON with python3's
# json module (and jansson's own round trip in t-reports).  A missing tool
# skips its assertions.  Prints TAP.

: "${top_builddir:=.}"
t_reports=$top_builddir/tests/t-reports

tmp=${TMPDIR:-/tmp}/reports-validate.$$
rm -rf "$tmp" && mkdir "$tmp" || { echo "1..0 # SKIP cannot create $tmp"; exit 0; }
trap 'rm -rf "$tmp"' 0
trap 'exit 1' 1 2 13 15

n=0
status=0
ok() { # ok COND-EXIT-STATUS DESCRIPTION
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $n - $2"
  else
    echo "not ok $n - $2"
    status=1
  fi
}
skip() { # skip REASON DESCRIPTION
  n=$((n + 1))
  echo "ok $n - $2 # SKIP $1"
}
have() { command -v "$1" >/dev/null 2>&1; }



# Writing every format.
for f in text json tap junit html; do
  "$t_reports" --write "$f" "$tmp/report.$f" 2>"$tmp/err.$f"
  rc=$?
  test "$rc" -eq 0 && test -s "$tmp/report.$f"
  ok $? "t-reports --write $f"
  test "$rc" -eq 0 || sed 's/^/# /' "$tmp/err.$f"
done

"$t_reports" --write bogus "$tmp/report.bogus" 2>/dev/null
test $? -eq 2
ok $? "t-reports --write with an unknown format is refused"

grep -q "^6 properties: 2 passed, 3 failed, 1 errors" "$tmp/report.text" &&
  grep -q "foldcheck replay fc1-" "$tmp/report.text"
ok $? "text: summary line and replay command"

# JUnit: well-formed XML.
if have xmllint; then
  xmllint --noout "$tmp/report.junit" 2>"$tmp/xmllint.err"
  rc=$?
  ok $rc "junit: xmllint --noout"
  test $rc -eq 0 || sed 's/^/# /' "$tmp/xmllint.err"
  # The HTML page (reports/page.c) is meant to be well-formed XML too.
  xmllint --noout "$tmp/report.html" 2>"$tmp/xmllint-html.err"
  rc=$?
  ok $rc "html: xmllint --noout"
  test $rc -eq 0 || sed 's/^/# /' "$tmp/xmllint-html.err"
else
  skip "xmllint not found" "junit: xmllint --noout"
  skip "xmllint not found" "html: xmllint --noout"
fi

# TAP: TAP::Parser reads it with no parse error, the right counts and a
# YAML block per test.
if have perl && perl -MTAP::Parser -e 1 2>/dev/null; then
  perl -MTAP::Parser -e '
    local $/; open my $fh, "<", $ARGV[0] or die "open: $!"; my $tap = <$fh>;
    my $p = TAP::Parser->new({ tap => $tap });
    my $yaml = 0;
    while (my $r = $p->next) { $yaml++ if $r->is_yaml; }
    my @err = $p->parse_errors;
    print "# parse error: $_\n" for @err;
    printf "# version %s, planned %s, passed %d, failed %d, yaml %d\n",
      $p->version, $p->tests_planned, scalar($p->passed),
      scalar($p->failed), $yaml;
    exit(!(@err == 0 && $p->version == 13 && $p->tests_planned == 6
           && scalar($p->passed) == 2 && scalar($p->failed) == 4
           && $yaml == 6));
  ' "$tmp/report.tap"
  ok $? "tap: TAP::Parser, no parse errors, 2 passed, 4 failed, 6 YAML blocks"
else
  skip "perl TAP::Parser not found" \
    "tap: TAP::Parser, no parse errors, 2 passed, 4 failed, 6 YAML blocks"
fi

# JSON: a strict parser accepts it; the seed is a string; hex floats read
# back.
if have python3; then
  python3 -m json.tool "$tmp/report.json" >/dev/null 2>"$tmp/json.err"
  rc=$?
  ok $rc "json: python3 -m json.tool"
  test $rc -eq 0 || sed 's/^/# /' "$tmp/json.err"
  python3 - "$tmp/report.json" <<'PY'
import json, math, sys

def strict(tok):
    raise ValueError("non-standard JSON constant " + tok)

with open(sys.argv[1]) as fh:
    doc = json.load(fh, parse_constant=strict)
assert isinstance(doc["seed"], str) and int(doc["seed"]) >= 2 ** 53
assert doc["summary"]["passed"] == 2 and doc["summary"]["errors"] == 1
props = doc["properties"]
assert [p["status"] for p in props] == \
    ["pass", "pass", "fail", "fail", "error", "fail"]
q = props[1]["counterexample"]["values"]["Q"]
vals = [float.fromhex(s) for s in q["values"]]
assert q["shape"] == [2, 3]
assert math.copysign(1.0, vals[0]) == -1.0 and vals[0] == 0.0
assert vals[1] == 1e-310 and vals[2] == 1e300 and vals[3] == 0.1
assert vals[4] == -1.0 / 3.0 and vals[5] == 1.7976931348623157e308
assert props[5]["worst"]["conformance"]["err"] == "inf"
PY
  ok $? "json: strict parse, seed string, hex floats round-trip"
else
  skip "python3 not found" "json: python3 -m json.tool"
  skip "python3 not found" "json: strict parse, seed string, hex floats round-trip"
fi

echo "1..$n"
exit $status

#!/bin/sh
# ci-recipes.sh -- the shipped CI recipes (examples/ci/*.yml) run their
# shell steps locally: every shard, then the report job, through
# tests/ci_recipes.py, which also checks their structure (trigger or image,
# checkout, install, build, fail-fast off, a report job that always runs,
# artifacts always kept, JUnit published).
#
# The recipes' own lines run unchanged; ./foldcheck in the scratch
# directory is a wrapper that runs the built program and, for `run` only,
# adds a small selection and case budget ($RUN_EXTRA), so four shards take
# seconds.  Selection happens before sharding, so the shards still
# partition the selected set and merge checks them as in CI.
. "${top_srcdir:?}/tests/common.sh"

# check DESC CMD...: ok when CMD succeeds (no set -e: a failed check must
# be reported, not end the script).
check() { d_=$1; shift; if "$@"; then ok 0 "$d_"; else ok 1 "$d_"; fi; }

if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "1..0 # SKIP python3 with PyYAML (Debian python3-yaml) is needed"
  exit 0
fi
runner="$top_srcdir/tests/ci_recipes.py"
fast="--cases 3 commutant2d.* schur.*"

# scratch NAME RUN_EXTRA: a fresh work directory with the wrapper.
scratch() {
  d="$TMP/$1"
  mkdir -p "$d"
  cat >"$d/foldcheck" <<EOF
#!/bin/sh
set -f
if [ "\$1" = run ]; then exec "$FOLDCHECK" "\$@" $2; fi
exec "$FOLDCHECK" "\$@"
EOF
  chmod +x "$d/foldcheck"
  echo "$d"
}

# field JSON KEY: the runner's last line, one field of it.
field() {
  tail -n 1 "$1" | python3 -c "import json,sys; v=json.load(sys.stdin)['$2']; print(v if isinstance(v,int) else ' '.join(map(str,v)))"
}

for flavour in github gitlab; do
  case $flavour in
    github) recipe="$top_srcdir/examples/ci/github-actions.yml" ;;
    gitlab) recipe="$top_srcdir/examples/ci/gitlab-ci.yml" ;;
  esac

  # A passing run: every shard 0, the merge 0, all artifacts present.
  d=$(scratch "$flavour-pass" "$fast")
  python3 "$runner" $flavour "$recipe" "$d" >"$d/log" 2>&1
  rc=$?
  ok $rc "$flavour: the recipe's structure is sound"
  [ $rc -eq 0 ] || sed 's/^/# /' "$d/log" | tail -20
  shards=$(field "$d/log" shards 2>/dev/null || echo "?")
  report=$(field "$d/log" report 2>/dev/null || echo "?")
  check "$flavour: four shards pass (exits: $shards)" [ "$shards" = "0 0 0 0" ]
  check "$flavour: the report job merges them (exit $report)" [ "$report" = 0 ]
  check "$flavour: merged JSON written" test -s "$d/foldcheck.json"
  check "$flavour: merged JUnit written" test -s "$d/foldcheck.xml"
  if command -v xmllint >/dev/null 2>&1; then
    check "$flavour: the JUnit file is well-formed XML" \
      xmllint --noout "$d/foldcheck.xml"
  fi
  case $flavour in
    github) summary="$d/step-summary.md" ;;
    gitlab) summary="$d/foldcheck-summary.md" ;;
  esac
  check "$flavour: the summary holds the verdict" grep -q 'passed' "$summary"
  # merge equals the unsharded run (timings aside).
  "$FOLDCHECK" run --profile ci $fast --quiet --format json \
    --output "$d/whole.json" >/dev/null 2>&1 || true
  "$FOLDCHECK" report "$d/foldcheck.json" --format tap >"$d/merged.tap" 2>&1 || true
  "$FOLDCHECK" report "$d/whole.json" --format tap >"$d/whole.tap" 2>&1 || true
  # Timings aside: the "(0.04 s)" of a test line, the seconds: of its YAML.
  sed 's/([0-9.]* s)//; /seconds:/d' "$d/merged.tap" >"$d/m"
  sed 's/([0-9.]* s)//; /seconds:/d' "$d/whole.tap" >"$d/w"
  check "$flavour: the merged report equals the unsharded run's" \
    cmp "$d/m" "$d/w"

  # A failing shard: the other shards still run, the report job still
  # runs, merges, exits 1 and publishes the failure.
  d=$(scratch "$flavour-fail" "$fast --kernels mutant-lin-rot-clockwise")
  python3 "$runner" $flavour "$recipe" "$d" >"$d/log" 2>&1 || true
  shards=$(field "$d/log" shards 2>/dev/null || echo "?")
  report=$(field "$d/log" report 2>/dev/null || echo "?")
  case " $shards " in *" 1 "*) r=0 ;; *) r=1 ;; esac
  ok $r "$flavour: a mutant fails a shard (exits: $shards)"
  check "$flavour: the report job runs anyway and fails (exit $report)" \
    [ "$report" = 1 ]
  check "$flavour: the JUnit file carries the failure" \
    grep -q '<failure' "$d/foldcheck.xml"
done

# The checker itself can fail: a report job that does not always run is
# refused.
sed 's/^    if: always()$/    if: success()/' \
  "$top_srcdir/examples/ci/github-actions.yml" >"$TMP/bad-gh.yml"
expect_exit 2 "github: a report job skipped after a failed shard is refused" -- \
  python3 "$runner" github "$TMP/bad-gh.yml" "$TMP"
sed '/^  when: always$/d' "$top_srcdir/examples/ci/gitlab-ci.yml" >"$TMP/bad-gl.yml"
expect_exit 2 "gitlab: a report job skipped after a failed shard is refused" -- \
  python3 "$runner" gitlab "$TMP/bad-gl.yml" "$TMP"
grep -v '^image:' "$top_srcdir/examples/ci/gitlab-ci.yml" >"$TMP/bad-gl2.yml"
expect_exit 2 "gitlab: a recipe without an image is refused" -- \
  python3 "$runner" gitlab "$TMP/bad-gl2.yml" "$TMP"
set +e

done_testing

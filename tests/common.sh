# common.sh -- TAP helpers for the shell tests.  Source it; $FOLDCHECK is the
# program under test (exported by the test harness).
: "${FOLDCHECK:?FOLDCHECK must name the foldcheck program}"
tap_n=0
tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/fctest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Work in a scratch directory: runs write .foldcheck/ (failure database,
# last report, long replay tokens) in the current directory, and a test must
# leave the build tree as it found it (distcheck's distcleancheck checks).
mkdir "$TMP/cwd" && cd "$TMP/cwd"
unset CI || true

ok() { # ok COND-STATUS DESCRIPTION
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $tap_n - $2"
  else
    echo "not ok $tap_n - $2"
    tap_failed=$((tap_failed + 1))
  fi
}

# expect_exit CODE DESCRIPTION -- COMMAND...: the command exits with CODE;
# its stderr is kept in $TMP/err, stdout in $TMP/out.
expect_exit() {
  want=$1; desc=$2; shift 3
  set +e
  "$@" >"$TMP/out" 2>"$TMP/err"
  got=$?
  set -e
  if [ "$got" -eq "$want" ]; then ok 0 "$desc (exit $got)"; else
    ok 1 "$desc (exit $got, wanted $want)"
    sed 's/^/# /' "$TMP/err" | head -5
  fi
}

# numpy_python: prints the first of python3, /usr/bin/python3 that imports
# numpy (test fixtures only); fails when none does.
numpy_python() {
  for c in python3 /usr/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c "import numpy" 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

# need_numpy_python: sets PY to numpy_python's answer; without one, prints
# a TAP skip plan (1..0, which automake counts as SKIP) and exits 0.
need_numpy_python() {
  PY=$(numpy_python) || true
  if [ -z "$PY" ]; then
    echo "$(basename "$0"): SKIPPED: needs a python3 with NumPy" \
         "(Debian python3-numpy)" >&2
    echo "1..0 # SKIP python3 with numpy (Debian python3-numpy) is needed"
    exit 0
  fi
}

# plugin_env: the build tree's kernel host for plugin runs, EX the float32
# example plugin and BF the bf16-storage test plugin.
plugin_env() {
  FOLDCHECK_KERNEL_HOST="$top_builddir/foldcheck-kernel-host"
  export FOLDCHECK_KERNEL_HOST
  EX="$top_builddir/examples/plugin/.libs/libfcexample.so"
  BF="$top_builddir/tests/plugins/.libs/libbf16store.so"
}

done_testing() {
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}

# none_client FILE: write an exec kernel client whose hello declares
# fp32/fp32 and no contract at all (mask 0), then reads requests until
# foldcheck closes the pipe (src/contract/provider.h;
# doc/kernel-protocol.md).  Run it as "exec:sh FILE".
none_client() {
  cat > "$1" <<'NONE_EOF'
printf '\106\103\113\106\0\0\0\0\1\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0'
printf '\120\0\0\0\0\0\0\0'
printf '\1\0\0\0\1\0\0\0\1\0\0\0\0\0\0\0'
printf 'none'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
exec cat >/dev/null
NONE_EOF
}

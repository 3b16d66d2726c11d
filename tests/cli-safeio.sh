#!/bin/sh
# cli-safeio.sh -- the one safe writer and the checked reader through the
# CLI (issue 19).  Writes: --output to character devices (written through,
# never replaced; /dev/full exits 2 "No space left on device"), to a FIFO
# (with a reader: written; without: exit 2 at once), through links (the
# target replaced, the links kept; last.json and token files too), to a
# directory and a read-only directory (exit 2, nothing replaced), to
# /dev/stdout (appended to what stdout is, also for an unprivileged user);
# audit --output left as it was after a checkpoint error found mid-audit
# and after SIGTERM (exit 143) or SIGINT (130).  Reads: a FIFO, a device or
# an oversized sparse file where foldcheck reads a checkpoint, config.json,
# an index, a rotation file, a report, last.json, a replay file, a kernel
# plugin or a database record is refused at once with exit 2 (or a
# warning, for the database), never a hang; a report from a FIFO with a
# writer still works.
#
# Every command that could hang before the fix runs under `timeout 20`, so a
# regression fails instead of hanging.  Nothing here may replace a file
# outside the scratch directory even if the writer regressed: as root the
# real /dev/null, /dev/full and /dev/stdout are written only after scratch
# stand-ins (mknod copies, a link to /proc/self/fd/1) came through intact.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
MK=$top_builddir/tests/mkckpt
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout 20"
RUN="run schur.vanishing --profile ci --cases 10 --quiet --no-db"
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
same() { cmp -s "$1" "$2" && r=0 || r=1; ok $r "$3"; }
# Two reports of one run differ in their timings only.
same_report() {
  grep -v '"seconds":' "$1" > "$TMP/sr1" || true
  grep -v '"seconds":' "$2" > "$TMP/sr2" || true
  { [ -s "$TMP/sr1" ] && cmp -s "$TMP/sr1" "$TMP/sr2"; } && r=0 || r=1
  ok $r "$3"
}
has() { grep -qF "$2" "$1" && r=0 || r=1; ok $r "$3"; }
S=$TMP/s
mkdir "$S"
$F $RUN --format json --output "$S/r.json"
printf 'the previous report\n' > "$S/prev"

# --- character devices: written through, never replaced ------------------
guard=1
if [ "$(id -u)" -eq 0 ]; then
  guard=0
  if mknod "$S/null" c 1 3 2>/dev/null && mknod "$S/full" c 1 7 2>/dev/null; then
    expect_exit 0 "--output a scratch copy of /dev/null" -- $F $RUN --format json --output "$S/null"
    expect_exit 2 "--output a scratch copy of /dev/full" -- $F $RUN --format json --output "$S/full"
    { [ -c "$S/null" ] && [ -c "$S/full" ]; } && guard=1
    ok $((1 - guard)) "the scratch device nodes are still character devices"
  fi
fi
if [ $guard -eq 1 ]; then
  expect_exit 0 "--output /dev/null" -- $F $RUN --format json --output /dev/null
  expect_exit 2 "--output /dev/full" -- $F $RUN --format json --output /dev/full
  has "$TMP/err" "cannot write '/dev/full': No space left on device" "/dev/full: the reason, naming the path"
  { [ -c /dev/null ] && [ -c /dev/full ]; } && r=0 || r=1
  ok $r "/dev/null and /dev/full are still character devices"
else
  skip "--output /dev/null and /dev/full" "root without a scratch device node that came through: not risked"
fi

# --- FIFOs -------------------------------------------------------------------
mkfifo "$S/fifo"
expect_exit 2 "--output a FIFO without a reader (at once)" -- $TO $F $RUN --format json --output "$S/fifo"
has "$TMP/err" "no process has the FIFO open for reading" "FIFO without a reader: says so"
cat "$S/fifo" > "$S/got" 2>/dev/null &
cpid=$!
# The reader may still be starting: retry while foldcheck says it is absent.
for i in 1 2 3 4 5 6 7 8 9 10; do
  set +e; $TO $F $RUN --format json --output "$S/fifo" 2>"$S/ferr"; rc=$?; set -e
  [ $rc -eq 2 ] && grep -q "no process has the FIFO" "$S/ferr" && { sleep 1; continue; }
  break
done
[ $rc -eq 0 ] || kill $cpid 2>/dev/null || true
wait $cpid || true
ok $rc "--output a FIFO with a reader (exit $rc)"
same_report "$S/got" "$S/r.json" "the reader got the report"
[ -p "$S/fifo" ] && r=0 || r=1; ok $r "the FIFO is still a FIFO"

# --- links: the final target replaced, the links kept -------------------------
cp "$S/prev" "$S/target.json"
mkdir "$S/d"
ln -s ../target.json "$S/d/l1"
ln -s d/l1 "$S/l2"
expect_exit 0 "--output through two links" -- $F $RUN --format json --output "$S/l2"
{ [ -L "$S/l2" ] && [ -L "$S/d/l1" ]; } && r=0 || r=1; ok $r "both links are still links"
same_report "$S/target.json" "$S/r.json" "their target holds the new report"
# .foldcheck/last.json (default profile) and replay token files through links.
mkdir -p "$S/lk/.foldcheck"
cp "$S/prev" "$S/lk/kept.json"
ln -s ../kept.json "$S/lk/.foldcheck/last.json"
(cd "$S/lk" && $F run schur.vanishing --profile default --cases 10 --quiet >/dev/null) || true
{ [ -L "$S/lk/.foldcheck/last.json" ] && grep -q '"schema": 1' "$S/lk/kept.json"; } && r=0 || r=1
ok $r "last.json through a link: the link kept, its target the new report"
mkdir "$S/tk"
TOK="run schur.neg_equal --profile ci --cases 30 --quiet --no-db"
(cd "$S/tk" && $F $TOK >/dev/null) || true
t=$(ls "$S/tk/.foldcheck/replay" | head -1)
if [ -n "$t" ]; then
  mv "$S/tk/.foldcheck/replay/$t" "$S/tk/token"
  : > "$S/tk/token.new"
  ln -s ../../token.new "$S/tk/.foldcheck/replay/$t"
  (cd "$S/tk" && $F $TOK >/dev/null) || true
  { [ -L "$S/tk/.foldcheck/replay/$t" ] && cmp -s "$S/tk/token" "$S/tk/token.new"; } && r=0 || r=1
  ok $r "a replay token file through a link: the link kept, its target the token"
else
  ok 1 "schur.neg_equal saved no long replay token"
fi

# --- directories --------------------------------------------------------------
mkdir "$S/outdir"
expect_exit 2 "--output a directory" -- $F $RUN --format json --output "$S/outdir"
has "$TMP/err" "is a directory" "a directory: says so"
expect_exit 2 "--output in a missing directory" -- $F report "$S/r.json" --output "$S/nodir/x.json"
expect_exit 2 "audit --output a directory, refused before the audit" -- $F audit "$S/nowhere" "$S/nowhere" --output "$S/outdir"
has "$TMP/err" "is a directory" "audit: the output is checked first"
# A read-only directory: root ignores permission bits, so as root the
# command runs as uid 65534 (setpriv), else the subtest is skipped.
mkdir "$S/ro"
cp "$S/prev" "$S/ro/r.json"
chmod 555 "$S/ro"
chmod 755 "$TMP" "$S"
AS=
if [ "$(id -u)" -eq 0 ]; then
  AS=none
  if command -v setpriv >/dev/null 2>&1 &&
     setpriv --reuid=65534 --regid=65534 --clear-groups $F --version >/dev/null 2>&1; then
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
  fi
fi
if [ "$AS" = none ]; then
  skip "--output in a read-only directory" "running as root and cannot drop to uid 65534"
  skip "--output /dev/stdout as an unprivileged user" "running as root and cannot drop to uid 65534"
else
  expect_exit 2 "--output in a read-only directory" -- $AS $F report "$S/r.json" --format json --output "$S/ro/r.json"
  { grep -q "Permission denied" "$TMP/err" && cmp -s "$S/ro/r.json" "$S/prev"; } && r=0 || r=1
  ok $r "read-only directory: 'Permission denied', the previous file kept"
  expect_exit 0 "--output /dev/stdout as an unprivileged user" -- $AS $F report "$S/r.json" --format json --output /dev/stdout --quiet
  same "$TMP/out" "$S/r.json" "/dev/stdout: the report on stdout"
fi
chmod 755 "$S/ro"

# --- /dev/stdout: the process's stdout, appended, never replaced ---------------
ln -s /proc/self/fd/1 "$S/so"
cp "$S/prev" "$S/app"
set +e; $F report "$S/r.json" --format json --output "$S/so" --quiet >> "$S/app"; rc=$?; set -e
{ [ $rc -eq 0 ] && [ -L "$S/so" ] && cat "$S/prev" "$S/r.json" | cmp -s - "$S/app"; } && r=0 || r=1
ok $r "a link to /proc/self/fd/1 writes to stdout (appended), the link kept"
if [ $r -eq 0 ]; then
  cp "$S/prev" "$S/app"
  wasl=$([ -L /dev/stdout ] && echo 1 || echo 0)
  set +e; $F report "$S/r.json" --format json --output /dev/stdout --quiet >> "$S/app"; rc=$?; set -e
  isl=$([ -L /dev/stdout ] && echo 1 || echo 0)
  { [ $rc -eq 0 ] && [ $wasl -eq $isl ] && cat "$S/prev" "$S/r.json" | cmp -s - "$S/app"; } && r=0 || r=1
  ok $r "--output /dev/stdout >> FILE appends the report; /dev/stdout unchanged"
else
  skip "--output /dev/stdout" "its stand-in failed: not risked"
fi

# --- audit: the previous report kept on an error and on a signal ---------------
"$MK" "$S/ck" commuting >/dev/null
"$MK" "$S/iw" corrupt-intweight >/dev/null
cp "$S/prev" "$S/a.txt"
expect_exit 2 "audit with a bad tensor found mid-audit" -- $F audit "$S/iw/orig" "$S/iw/rew" --output "$S/a.txt"
has "$TMP/err" "dtype I32 is not a floating-point weight" "the tensor error is reported"
same "$S/a.txt" "$S/prev" "the error left the previous --output byte-identical"
LONGA="audit $S/ck/orig $S/ck/rew --rewrite-arith f64 --cases 1000"
$F $LONGA --output "$S/a.txt" >/dev/null 2>"$S/aerr" &
pid=$!
sleep 2
( sleep 30; kill -KILL $pid 2>/dev/null ) &
wd=$!
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
kill $wd 2>/dev/null || true
ok $([ $rc -eq 143 ] && echo 0 || echo 1) "audit stopped by SIGTERM: exit 143 (got $rc)"
same "$S/a.txt" "$S/prev" "SIGTERM left the previous --output byte-identical"
has "$S/aerr" "interrupted: the audit did not finish; no report written" "SIGTERM: says no report was written"
ls -a "$S" | grep -q '\.tmp\.' && r=1 || r=0; ok $r "no temporary file left behind"
$F $LONGA >"$S/aout" 2>/dev/null &
pid=$!
sleep 2
( sleep 30; kill -KILL $pid 2>/dev/null ) &
wd=$!
kill -INT $pid
set +e; wait $pid; rc=$?; set -e
kill $wd 2>/dev/null || true
{ [ $rc -eq 130 ] && [ ! -s "$S/aout" ]; } && r=0 || r=1
ok $r "audit stopped by SIGINT: exit 130, no partial report on stdout (got $rc)"
expect_exit 0 "a complete audit replaces the previous --output" -- $F audit "$S/ck/orig" "$S/ck/rew" --rewrite-arith f64 --cases 1 --output "$S/a.txt"
has "$S/a.txt" "verdicts: 12 foldable" "the new report is complete"
if [ $guard -eq 1 ]; then
  expect_exit 2 "audit --output /dev/full" -- $F audit "$S/ck/orig" "$S/ck/rew" --cases 0 --output /dev/full
  has "$TMP/err" "cannot write '/dev/full': No space left on device" "audit: /dev/full's reason"
  [ -c /dev/full ] && r=0 || r=1; ok $r "/dev/full is still a character device"
else
  skip "audit --output /dev/full" "root without a scratch device node that came through: not risked"
fi

# --- reads: FIFOs and devices refused at once ----------------------------------
ckfifo() { # ckfifo NAME FILE-IN-REW: FILE replaced by a FIFO
  cp -R "$S/ck" "$S/$1"
  rm -f "$S/$1/rew/$2"
  mkfifo "$S/$1/rew/$2"
}
ckfifo fst model.safetensors
expect_exit 2 "a FIFO named model.safetensors" -- $TO $F audit "$S/fst/orig" "$S/fst/rew"
has "$TMP/err" "rew/model.safetensors' is not a regular file (a FIFO)" "model.safetensors FIFO: says so"
ckfifo fcf config.json
expect_exit 2 "a FIFO named config.json" -- $TO $F audit "$S/fcf/orig" "$S/fcf/rew"
has "$TMP/err" "rew/config.json' is not a regular file (a FIFO)" "config.json FIFO: says so"
"$MK" "$S/sh" sharded >/dev/null
rm "$S/sh/rew/model.safetensors.index.json"
mkfifo "$S/sh/rew/model.safetensors.index.json"
expect_exit 2 "a FIFO named model.safetensors.index.json" -- $TO $F audit "$S/sh/orig" "$S/sh/rew"
has "$TMP/err" "index.json' is not a regular file (a FIFO)" "index FIFO: says so"
cp -R "$S/ck" "$S/zc"
rm "$S/zc/rew/config.json"
ln -s /dev/zero "$S/zc/rew/config.json"
expect_exit 2 "config.json -> /dev/zero" -- $TO $F audit "$S/zc/orig" "$S/zc/rew"
has "$TMP/err" "config.json' is not a regular file (a character device)" "config.json -> /dev/zero: refused unread"
cp -R "$S/ck" "$S/bc"
if truncate -s 2G "$S/bc/rew/config.json" 2>/dev/null; then
  expect_exit 2 "a sparse 2 GiB config.json" -- $TO $F audit "$S/bc/orig" "$S/bc/rew"
  has "$TMP/err" "config.json' is too large (2147483648 bytes; the limit is 1024 MiB)" "the size limit from st_size, before reading"
else
  skip "a sparse 2 GiB config.json" "the file system refuses it"
fi
rm -rf "$S/bc" "$S/zc" "$S/fst" "$S/fcf" "$S/sh"
expect_exit 2 "audit --rotation /dev/zero" -- $TO $F audit "$S/ck/orig" --rotation /dev/zero
has "$TMP/err" "'/dev/zero' is not a regular file (a character device)" "rotation file: a device refused"
expect_exit 2 "report /dev/zero" -- $TO $F report /dev/zero
has "$TMP/err" "'/dev/zero' is not a regular file (a character device)" "report: a device refused unread"
expect_exit 2 "report of a directory" -- $TO $F report "$S/d"
has "$TMP/err" "is not a regular file (a directory)" "report: a directory refused"
expect_exit 2 "diff with /dev/zero" -- $TO $F diff /dev/zero "$S/r.json"
expect_exit 2 "anchors --report /dev/zero" -- $TO $F anchors --report /dev/zero
expect_exit 2 "replay /dev/zero" -- $TO $F replay /dev/zero
has "$TMP/err" "'/dev/zero' is not a regular file (a character device)" "replay: a device refused unread"
mkdir -p "$S/lj/.foldcheck"
mkfifo "$S/lj/.foldcheck/last.json"
set +e; (cd "$S/lj" && $TO $F anchors >/dev/null 2>"$TMP/err"); rc=$?; set -e
{ [ $rc -eq 2 ] && grep -q "last.json' is not a regular file (a FIFO)" "$TMP/err"; } && r=0 || r=1
ok $r "anchors with a FIFO for .foldcheck/last.json: exit 2 at once (got $rc)"
mkdir "$S/db"
mkfifo "$S/db/schur.vanishing.json"
expect_exit 0 "a FIFO in the failure database: a warning, not a hang" -- $TO $F run schur.vanishing --profile ci --cases 10 --db "$S/db" --quiet
has "$TMP/err" "schur.vanishing.json is unreadable or corrupt" "the database warning names the record"
mkfifo "$S/plugin.so"
expect_exit 2 "a FIFO as --kernels plugin: refused, not a handshake timeout" -- $TO $F run contract --profile ci --cases 1 --quiet --kernels "$S/plugin.so"
has "$TMP/err" "plugin.so' is not a regular file (a FIFO)" "the plugin host says so"
# A report from a FIFO the user names (with a writer) is still read.  The
# writers are killed afterwards: one left blocked would hold the TAP pipe.
cat "$S/r.json" > "$S/fifo" 2>/dev/null &
wpid=$!
expect_exit 0 "report of a FIFO with a writer" -- $TO $F report "$S/fifo" --format json
kill $wpid 2>/dev/null || true; wait $wpid 2>/dev/null || true
same "$TMP/out" "$S/r.json" "the report read from the FIFO"
cat "$S/r.json" > "$S/fifo" 2>/dev/null &
wpid=$!
expect_exit 0 "diff of a FIFO with a writer" -- $TO $F diff "$S/fifo" "$S/r.json"
kill $wpid 2>/dev/null || true; wait $wpid 2>/dev/null || true
done_testing

#!/bin/sh
# bench-audit.sh -- time `foldcheck audit` on a Llama-shaped checkpoint pair:
# 32 layers, hidden 4096, 32 heads (8 KV heads) of d = 128, F16, only the
# q, k, v, o tensors (about 2.7 GB per checkpoint, one shard per layer),
# rewritten by a commuting rotation.  Not run by make check (size).
#   tests/bench-audit.sh [DIR]     (default /tmp/foldcheck-bench-audit)
# Prints wall time and peak RSS (GNU time -v when installed, else the
# shell's time), then deletes the checkpoints.
set -e
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
DIR=${1:-/tmp/foldcheck-bench-audit}
rm -rf "$DIR"
echo "writing the checkpoint pair to $DIR ..."
"$top_builddir/tests/mkckpt" "$DIR" big 2>/dev/null
du -sh "$DIR/orig" "$DIR/rew"
run() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" 2>"$DIR/time.log" >"$DIR/report.txt" || true
    grep -E "Elapsed|Maximum resident" "$DIR/time.log"
  else
    time "$@" >"$DIR/report.txt" || true
  fi
  grep -E "^verdicts|audit time" "$DIR/report.txt"
}
echo "== structural audit of all 32 layers, no certification"
run "$top_builddir/foldcheck" audit "$DIR/orig" "$DIR/rew" --cases 0
echo "== plus the MPFR certification of layer 0 (8 KV groups, 1 input, T = 2)"
run "$top_builddir/foldcheck" audit "$DIR/orig" "$DIR/rew" --layers 0 \
  --cases 1 --tokens 2
rm -rf "$DIR"

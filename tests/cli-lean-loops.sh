#!/bin/sh
# cli-lean-loops.sh -- `anchors --lean DIR` on a tree with two directory
# symlink cycles (A/toB -> B, B/toA -> A; C/up -> ..) and a self-loop
# (self -> .): the scan ends and reports each declaration once.  The tree
# is built here (symlinks are not committed).
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
T="$TMP/tree"
mkdir -p "$T/A" "$T/B" "$T/C"
cp "$top_srcdir/tests/lean/Fixture/Symmetry.lean" "$T/A/Symmetry.lean"
ln -s ../B "$T/A/toB"
ln -s ../A "$T/B/toA"
ln -s .. "$T/C/up"
ln -s . "$T/self"
TO=""
command -v timeout >/dev/null && TO="timeout 60"
expect_exit 1 "anchors --lean on a tree with symlink cycles ends (partial tree: exit 1)" -- $TO $F anchors --lean "$T"
n=$(grep -c "unrelated_helper_lemma" "$TMP/out" || true)
{ [ "$n" -eq 1 ]; } && r=0 || r=1; ok $r "each declaration reported once ($n)"
{ grep -q "^commutesWithQuarterTurn_iff .*Symmetry.lean:" "$TMP/out"; } && r=0 || r=1; ok $r "the anchor is found through the cycles"
done_testing

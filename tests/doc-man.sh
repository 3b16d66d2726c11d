#!/bin/sh
# doc-man.sh -- the man pages (doc/*.1, man(7) troff) against the program:
# a page for every command `foldcheck --help` lists, installed (in
# Makefile.am's dist_man1_MANS) and named in foldcheck(1); every option a
# command's `foldcheck help COMMAND` prints is in its page and every option
# its page's OPTIONS section names is one the command has; each page renders
# without a warning (groff -man -ww, when groff is installed).
. "${top_srcdir:?}/tests/common.sh"
F=$FOLDCHECK
doc=$top_srcdir/doc

# longopts FILE: the long options in FILE, one a line (troff's \- too).
longopts() { sed 's/\\-/-/g' "$1" | grep -o -- '--[a-z][a-z-]*' | sort -u; }

cmds=$("$F" --help | awk '/^commands:/ {on = 1; next} on && NF >= 2 && /^  [a-z]/ {print $1}')
[ -n "$cmds" ]; ok $? "foldcheck --help lists the commands ($(echo $cmds | wc -w))"

for c in $cmds; do
  page=$doc/foldcheck-$c.1
  if [ ! -f "$page" ]; then ok 1 "foldcheck-$c.1 exists"; continue; fi
  grep -q "doc/foldcheck-$c\.1" "$top_srcdir/Makefile.am"
  ok $? "foldcheck-$c.1 is installed (dist_man1_MANS)"
  grep -q "^\.BR foldcheck\\\\-$c (1)" "$doc/foldcheck.1"
  ok $? "foldcheck(1) refers to foldcheck-$c(1)"
  "$F" help "$c" >"$TMP/help" 2>&1
  longopts "$TMP/help" >"$TMP/opts.help"
  longopts "$page" >"$TMP/opts.page"
  # A command that takes "[run options]" has run's options too.
  if grep -q "run options" "$TMP/help"; then
    "$F" help run | longopts /dev/stdin | sort -u - "$TMP/opts.help" >"$TMP/opts.all"
  else
    cp "$TMP/opts.help" "$TMP/opts.all"
  fi
  missing=$(comm -23 "$TMP/opts.help" "$TMP/opts.page" | tr '\n' ' ')
  [ -z "$missing" ]; ok $? "foldcheck-$c.1 names every option of 'foldcheck help $c'${missing:+ (missing: $missing)}"
  sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" >"$TMP/options"
  longopts "$TMP/options" >"$TMP/opts.section"
  stale=$(comm -23 "$TMP/opts.section" "$TMP/opts.all" | tr '\n' ' ')
  [ -z "$stale" ]; ok $? "foldcheck-$c.1 documents no option the command lacks${stale:+ (stale: $stale)}"
done

for page in "$doc"/*.1; do
  name=$(basename "$page")
  if command -v groff >/dev/null 2>&1; then
    groff -man -ww -z "$page" >"$TMP/warn" 2>&1 && [ ! -s "$TMP/warn" ]
    ok $? "$name renders without warnings"
    [ -s "$TMP/warn" ] && sed 's/^/# /' "$TMP/warn" | head -5
  else
    ok 0 "$name renders without warnings # SKIP groff is not installed"
  fi
done
done_testing

#!/bin/sh
# doc-commands.sh -- the documentation's command blocks run as written
# (README and doc/*.md; the convention is in tests/doc_commands.py and
# doc/HACKING.md): a stale path, option, count or output fails make check.
: "${top_srcdir:?}" "${top_builddir:?}"
if ! command -v python3 >/dev/null 2>&1; then
  echo "1..0 # SKIP python3 is needed"
  exit 0
fi
# shellcheck disable=SC2086
exec python3 "$top_srcdir/tests/doc_commands.py" "$top_srcdir" "$top_builddir" \
  "$top_srcdir/README" "$top_srcdir"/doc/*.md

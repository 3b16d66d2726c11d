#!/bin/sh
# doc-block.sh FILE ID -- print the body of the fenced code block of FILE
# (README, doc/*.md) whose info string carries id=ID, e.g.
#
#   ```sh id=build tested-by=.ci/run
#
# .ci/run and tests/installcheck.sh run the README's blocks through it, so
# what they run is what the README says; tests/doc-commands.sh checks that
# every block marked tested-by=FILE is read by FILE this way.
# Exit 1 when FILE has no such block.
[ $# -eq 2 ] || { echo "usage: doc-block.sh FILE ID" >&2; exit 2; }
awk -v id="$2" '
  /^```/ {
    if (inb) { inb = 0; if (found) exit; next }
    inb = 1
    n = split(substr($0, 4), w, " ")
    for (i = 1; i <= n; i++) if (w[i] == "id=" id) found = 1
    next
  }
  inb && found { print }
  END { exit !found }
' "$1"

#!/bin/sh
# installcheck.sh -- `make installcheck`: the installed foldcheck, from
# outside the build tree, as a user meets it after `make install`.
#
#   1. the installed program starts (finds libfoldcheck.so through its run
#      path, whatever prefix it was configured with) and runs a property;
#   2. a plugin builds against the installed header with pkg-config alone
#      (PKG_CONFIG_PATH pointing at the installed foldcheck.pc);
#   3. the installed program finds its installed kernel host and checks
#      that plugin;
#   4. the README's plugin block runs as written (tests/doc-block.sh
#      README plugin), with HOME a scratch directory whose .local/bin and
#      .local/lib are the installed bindir and libdir.
#
# Environment (set by Makefile.am's installcheck-local): FC_BINDIR,
# FC_LIBDIR, FC_SRCDIR; CC optional.  Prints TAP.
set -u

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

bin="${FC_BINDIR:?}/foldcheck"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/fc-installcheck.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1

echo "1..6"

# Nothing from the build tree: no libtool wrapper, no LD_LIBRARY_PATH, no
# host override.
unset LD_LIBRARY_PATH FOLDCHECK_KERNEL_HOST

if "$bin" --version >version.out 2>&1; then
  ok "installed foldcheck starts ($(head -n 1 version.out))"
else
  notok "installed foldcheck starts"
  sed 's/^/# /' version.out
fi

if "$bin" run fold.folded_qkvo --cases 5 --seed 1 >run.out 2>&1; then
  ok "installed foldcheck runs a property"
else
  notok "installed foldcheck runs a property"
  sed 's/^/# /' run.out
fi

PKG_CONFIG_PATH="${FC_LIBDIR:?}/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
if cflags=$(pkg-config --cflags foldcheck 2>pc.err); then
  ok "pkg-config finds the installed foldcheck.pc ($cflags)"
else
  notok "pkg-config finds the installed foldcheck.pc"
  sed 's/^/# /' pc.err
fi

# The example plugin, compiled with the installed header only: copied out
# of the source tree so no -I can reach src/.
cp "${FC_SRCDIR:?}/examples/plugin/fc_example_plugin.c" mine.c
# shellcheck disable=SC2086 # cflags is a list of flags
if ${CC:-cc} -O2 -fPIC -shared -o libmine.so mine.c $cflags -lm \
    >cc.out 2>&1; then
  ok "a plugin builds against the installed foldcheck/kernel.h"
else
  notok "a plugin builds against the installed foldcheck/kernel.h"
  sed 's/^/# /' cc.out
fi

if "$bin" run --kernels ./libmine.so 'contract.rope*' --cases 5 --seed 1 \
    >plugin.out 2>&1; then
  ok "installed foldcheck checks the plugin through its installed host"
else
  notok "installed foldcheck checks the plugin through its installed host"
  sed 's/^/# /' plugin.out
fi

# The README's block, as written.  Only pkg-config reaches the header: the
# example's quoted include finds no foldcheck/ beside it.
mkdir -p home/.local
ln -s "$FC_BINDIR" home/.local/bin
ln -s "$FC_LIBDIR" home/.local/lib
ln -s "$FC_SRCDIR/examples" examples
if sh "$FC_SRCDIR/tests/doc-block.sh" "$FC_SRCDIR/README" plugin >readme.sh &&
   env -u PKG_CONFIG_PATH HOME="$scratch/home" sh -e readme.sh >readme.out 2>&1; then
  ok "the README's plugin block runs against the install"
else
  notok "the README's plugin block runs against the install"
  sed 's/^/# /' readme.sh readme.out | tail -20
fi

[ "$fails" -eq 0 ]

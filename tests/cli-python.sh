#!/bin/sh
# cli-python.sh -- issue 9: the NumPy reference client over the exec frame
# protocol passes at fp32 bounds; its buggy modes are caught (a wrong scale
# is shrunk; an abrupt exit is a crash verdict).  Skips (TAP plan 1..0, exit 0) only when no
# python3 with NumPy is installed.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK
need_numpy_python
CL="$top_srcdir/examples/python/foldcheck_client.py"
RUN="run --profile ci --cases 40 --quiet --threads 2"
expect_exit 0 "the NumPy client passes every contract at fp32 bounds" -- \
  $F $RUN --kernels "exec:$PY $CL"
grep -q "numpy-float32" "$TMP/err"; ok $? "the client's handshake names it"
expect_exit 1 "--bug noscale is caught" -- \
  $F $RUN contract.attention_accuracy --kernels "exec:$PY $CL --bug noscale"
grep -q "shrink: " "$TMP/out"; ok $? "and shrunk"
expect_exit 1 "--bug crash gives a crash verdict" -- \
  $F $RUN contract.attention_accuracy --kernels "exec:$PY $CL --bug crash"
grep -q "kernel process exited with status 7" "$TMP/out"; ok $? "verdict names the exit"
done_testing

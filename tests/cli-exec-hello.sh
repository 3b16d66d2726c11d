#!/bin/sh
# cli-exec-hello.sh -- the handshake of an exec kernel client that declares
# an arithmetic foldcheck does not know (storage or accumulation outside
# fp64, fp32, bf16, fp16): a clear error naming it, exit 2, and no read of
# the closed provider (the ASan build aborts on a return of that bug).
# The client is a shell script writing the hello reply with printf: no
# compiler, no Python.
. "$top_srcdir/tests/common.sh"
set -e
F=$FOLDCHECK

# client STORAGE ACCUM: a client whose hello reply declares that arithmetic
# (each an octal byte value: 11 is 9), then reads requests until foldcheck
# closes the pipe; prints its --kernels spec.
# Reply (src/contract/provider.h): u32 magic "FCKF", i32 status 0, u32 one
# array, u32 0, f64 claimed 0; u64 80 bytes; i32 abi 1, i32 storage,
# i32 accum, u32 mask of contracts 1-6, char name[64] "hello".
client() {
  cat > "$TMP/client-$1-$2.sh" <<EOF
printf '\106\103\113\106\0\0\0\0\1\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0'
printf '\120\0\0\0\0\0\0\0'
printf '\1\0\0\0\\$1\0\0\0\\$2\0\0\0\176\0\0\0'
printf 'hello'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0'
exec cat >/dev/null
EOF
  echo "exec:sh $TMP/client-$1-$2.sh"
}

expect_exit 2 "storage 7: the handshake is refused" -- \
  $F run contract.rope_accuracy --cases 1 --quiet --kernels "$(client 7 1)"
grep -q "unknown arithmetic (storage 7, accum 1)" "$TMP/err" && r=0 || r=1
ok $r "the message names the declared storage and accumulation"
expect_exit 2 "accumulation 9: the handshake is refused" -- \
  $F run contract.rope_accuracy --cases 1 --quiet --kernels "$(client 1 11)"
grep -q "unknown arithmetic (storage 1, accum 9)" "$TMP/err" && r=0 || r=1
ok $r "the message names the accumulation"
done_testing

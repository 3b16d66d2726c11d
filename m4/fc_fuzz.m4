# fc_fuzz.m4 -- what ./configure --enable-fuzzing needs (fuzz/README).
#
# libFuzzer ships with clang (Debian: the clang and libclang-rt-14-dev
# packages).  The compiler must be clang, and a program defining
# LLVMFuzzerTestOneInput must link with -fsanitize=fuzzer,address,undefined
# (the runtime is a separate package on Debian: clang alone compiles but
# does not link).  Either failure stops configure with what to install.

# FC_CHECK_LIBFUZZER
AC_DEFUN([FC_CHECK_LIBFUZZER], [
  AC_MSG_CHECKING([whether $CC is clang])
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#ifndef __clang__
#error not clang
#endif]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([--enable-fuzzing needs clang for libFuzzer, and CC is $CC: run CC=clang ./configure --enable-fuzzing (Debian: apt-get install clang libclang-rt-14-dev)])])
  AC_MSG_CHECKING([whether $CC links -fsanitize=fuzzer,address,undefined])
  fc_fuzz_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -fsanitize=fuzzer,address,undefined"
  AC_LINK_IFELSE([AC_LANG_SOURCE([[#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return size > 0 && data[0] == 'x';
}]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([$CC cannot link -fsanitize=fuzzer (no libFuzzer runtime): install it (Debian: apt-get install libclang-rt-14-dev, matching clang's version) or configure without --enable-fuzzing])])
  CFLAGS=$fc_fuzz_save_CFLAGS
])

# fc_libs.m4 -- locating GMP, MPFR and a CBLAS for foldcheck.
#
# GMP and MPFR are found by linking a real symbol and checking the header
# version with the preprocessor (as FLINT's acinclude.m4 and MPFR's
# configure.ac do); --with-gmp=DIR and --with-mpfr=DIR add DIR/include and
# DIR/lib.  CBLAS: OpenBLAS via pkg-config first, then a library search for
# cblas_dgemm, and cblas.h is required (as Sage's openblas spkg-configure.m4).

# FC_CHECK_GMP
AC_DEFUN([FC_CHECK_GMP], [
  AC_ARG_WITH([gmp],
    [AS_HELP_STRING([--with-gmp=DIR], [GMP installation prefix])],
    [CPPFLAGS="$CPPFLAGS -I$withval/include"
     LDFLAGS="$LDFLAGS -L$withval/lib"])
  AC_CHECK_HEADER([gmp.h], [],
    [AC_MSG_ERROR([gmp.h not found: install the Debian package libgmp-dev (or use --with-gmp=DIR)])])
  AC_CHECK_LIB([gmp], [__gmpz_init], [LIBS="-lgmp $LIBS"],
    [AC_MSG_ERROR([libgmp not found: install the Debian package libgmp-dev (or use --with-gmp=DIR)])])
])

# FC_CHECK_MPFR(MIN-VERSION)
AC_DEFUN([FC_CHECK_MPFR], [
  AC_ARG_WITH([mpfr],
    [AS_HELP_STRING([--with-mpfr=DIR], [MPFR installation prefix])],
    [CPPFLAGS="$CPPFLAGS -I$withval/include"
     LDFLAGS="$LDFLAGS -L$withval/lib"])
  AC_CHECK_HEADER([mpfr.h], [],
    [AC_MSG_ERROR([mpfr.h not found: install the Debian package libmpfr-dev (or use --with-mpfr=DIR)])])
  m4_pushdef([fc_v], m4_split([$1], [\.]))
  AC_MSG_CHECKING([whether mpfr.h is version $1 or newer])
  AC_PREPROC_IFELSE([AC_LANG_SOURCE([[
#include <mpfr.h>
#if !defined(MPFR_VERSION) || MPFR_VERSION < MPFR_VERSION_NUM(]m4_argn(1, fc_v)[,]m4_argn(2, fc_v)[,]m4_argn(3, fc_v)[)
#error MPFR too old
#endif
]])], [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([MPFR >= $1 is required (for mpfr_dot): install the Debian package libmpfr-dev from Debian 12 or newer])])
  m4_popdef([fc_v])
  AC_CHECK_LIB([mpfr], [mpfr_init2], [LIBS="-lmpfr $LIBS"],
    [AC_MSG_ERROR([libmpfr not found: install the Debian package libmpfr-dev (or use --with-mpfr=DIR)])])
  AC_CHECK_FUNC([mpfr_dot], [],
    [AC_MSG_ERROR([libmpfr has no mpfr_dot: MPFR >= $1 is required])])
])

# FC_CHECK_CBLAS: sets OPENBLAS_CFLAGS, OPENBLAS_LIBS.
AC_DEFUN([FC_CHECK_CBLAS], [
  PKG_CHECK_MODULES([OPENBLAS], [openblas], [fc_have_openblas_pc=yes],
                    [fc_have_openblas_pc=no])
  fc_save_LIBS=$LIBS
  fc_save_CPPFLAGS=$CPPFLAGS
  CPPFLAGS="$CPPFLAGS $OPENBLAS_CFLAGS"
  LIBS="$OPENBLAS_LIBS $LIBS"
  AC_SEARCH_LIBS([cblas_dgemm], [openblas cblas blas], [],
    [AC_MSG_ERROR([no CBLAS library with cblas_dgemm: install the Debian package libopenblas-dev])])
  AC_CHECK_HEADER([cblas.h], [],
    [AC_MSG_ERROR([cblas.h not found: install the Debian package libopenblas-dev])])
  AC_CHECK_FUNCS([openblas_get_config openblas_set_num_threads openblas_get_num_threads blas_thread_shutdown_])
  dnl keep what the search added in OPENBLAS_LIBS, not in LIBS
  AS_IF([test "x$ac_cv_search_cblas_dgemm" != "xnone required"],
        [OPENBLAS_LIBS="$OPENBLAS_LIBS $ac_cv_search_cblas_dgemm"])
  LIBS=$fc_save_LIBS
  CPPFLAGS=$fc_save_CPPFLAGS
  AC_SUBST([OPENBLAS_CFLAGS])
  AC_SUBST([OPENBLAS_LIBS])
])

# AX_PTHREAD_LITE: -pthread for gcc/clang on the platforms foldcheck targets.
AC_DEFUN([AX_PTHREAD_LITE], [
  AC_SEARCH_LIBS([pthread_create], [pthread], [],
    [AC_MSG_ERROR([POSIX threads not found])])
])

/* exact_alloc.c -- a test plugin whose allocate_bits decides exactly: the
 * mean phase-collapse angle in MPFR at 256 bits (the case's keys sit at
 * least 2^-55 degrees from 40/44, far above 256-bit rounding), then the
 * rule.  It provides nothing else.  It is the mutant of the allocator
 * negative controls (issue 16, item 5): they must detect a float
 * allocator because its last rounding lands on the threshold, not for
 * any other reason, so with this kernel contract.allocator_exact and
 * allocator.plain_exact must report "not detected" (exit 1). */
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include "foldcheck/kernel.h"

#define PREC 256

static int exact_alloc(int32_t *bits, const void *keys_, size_t n, size_t d,
                       int64_t d_l, double *claimed)
{
  const double *keys = keys_;
  (void)claimed;
  if (n == 0 || d == 0)
    return -1;
  mpfr_t s1, s2, t, sum, pi;
  mpfr_inits2(PREC, s1, s2, t, sum, pi, (mpfr_ptr)0);
  mpfr_set_zero(sum, 1);
  mpfr_const_pi(pi, MPFR_RNDN);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    mpfr_set_zero(s1, 1);
    mpfr_set_zero(s2, 1);
    for (size_t j = 0; j < d; j++) {
      const double k = keys[i * d + j];
      mpfr_set_d(t, fabs(k), MPFR_RNDN); /* exact */
      mpfr_add(s1, s1, t, MPFR_RNDN);
      mpfr_sqr(t, t, MPFR_RNDN);
      mpfr_add(s2, s2, t, MPFR_RNDN);
    }
    if (mpfr_zero_p(s2)) {
      rc = -1;
      break;
    }
    mpfr_mul_ui(s2, s2, (unsigned long)d, MPFR_RNDN);
    mpfr_sqrt(s2, s2, MPFR_RNDN);
    mpfr_div(t, s1, s2, MPFR_RNDN);
    if (mpfr_cmp_ui(t, 1) > 0)
      mpfr_set_ui(t, 1, MPFR_RNDN);
    mpfr_acos(t, t, MPFR_RNDN);
    mpfr_add(sum, sum, t, MPFR_RNDN);
  }
  if (rc == 0) {
    /* mean in degrees: sum * 180 / (pi n) */
    mpfr_mul_ui(sum, sum, 180, MPFR_RNDN);
    mpfr_div(sum, sum, pi, MPFR_RNDN);
    mpfr_div_ui(sum, sum, (unsigned long)n, MPFR_RNDN);
    *bits = d_l >= 512 && mpfr_cmp_ui(sum, 40) <= 0
                ? 1
                : (mpfr_cmp_ui(sum, 44) <= 0 ? 2 : 3);
  }
  mpfr_clears(s1, s2, t, sum, pi, (mpfr_ptr)0);
  return rc;
}

const fc_kernel_plugin_t fc_kernel_plugin = {
    .abi_version = FC_KERNEL_ABI_VERSION,
    .name = "fc-test-exact-allocator",
    .arith = {FC_FMT_FP64, FC_FMT_FP64},
    .allocate_bits = exact_alloc,
};

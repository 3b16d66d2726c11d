/* quant_mp.c -- the certified allocator's MPFR escalation (quant.h).
 *
 * Kernels never call the oracle (DESIGN.md: the oracle must stay
 * independent of what it judges).  The certified allocator nevertheless
 * needs more precision than double when a layer's mean angle is within its
 * double error bound of 40 or 44 degrees; this file is its own small MPFR
 * evaluation, written apart from oracles/quant.c (different formulas: acos
 * of a correctly rounded cosine here, atan2 of a two-pass residual there),
 * so the oracle still judges the certified kernel.
 *
 * Ziv's strategy: at precision p (128, 256, ... up to max_prec) compute
 *   D = sum_i acos(c_i) - n t pi / 180
 * and a rigorous bound B on |D^ - D| (below); if |D^| > B the sign is
 * certain, else double p.  Bounds are computed in MPFR at 64 bits rounding
 * upward, so they are never understated. */
#include <math.h>
#include <stdlib.h>
#include <mpfr.h>
#include "quant.h"

/* Error analysis at precision p (every MPFR operation is correctly rounded
 * to nearest: relative error <= 2^-p):
 *   S1 = sum |k_j| (mpfr_sum), S2 = sum k_j^2 (mpfr_dot): 2^-p each;
 *   c = S1 / sqrt(d S2): the product by d, the square root (which also
 *     halves S2's error) and the quotient: |c^ - c| <= 5 2^-p c <= h with
 *     h = 6 2^-p (c <= 1 + 5 2^-p);
 *   acos: |acos(c^) - acos(c)| <= min(h / sqrt(1 - (c^ + h)^2),
 *     acos(1 - h) <= sqrt(2h / (1 - h/2)))  (the second: acos is steepest
 *     at 1; acos(1 - h) = 2 asin(sqrt(h/2)) and asin x <= x/sqrt(1 - x^2)),
 *     plus its own rounding 2^-p theta_i^;
 *   the running sum adds 2^-p |partial sum| per addition;
 *   tau = n t pi / 180: pi, the product and the quotient: 3 2^-p tau (one
 *     more for safety: 4);
 *   D = sum - tau rounds to nearest, which never changes its sign. */
int fc_quant_mp_cmp_mean_angle(int *cmp, const double *keys, size_t n,
                               size_t d, double t, long max_prec)
{
  if (cmp == NULL || keys == NULL || n == 0 || d == 0 || !isfinite(t)
      || max_prec < 128 || max_prec > (1L << 20))
    return FC_EINVAL;
  for (size_t i = 0; i < n * d; i++)
    if (!isfinite(keys[i]))
      return FC_EINVAL;
  for (size_t i = 0; i < n; i++) {
    int nz = 0;
    for (size_t j = 0; j < d && !nz; j++)
      nz = keys[i * d + j] != 0;
    if (!nz)
      return FC_EINVAL;
  }
  mpfr_t *v = malloc(d * sizeof *v);
  mpfr_ptr *pv = malloc(d * sizeof *pv);
  if (v == NULL || pv == NULL) {
    free(v);
    free(pv);
    return FC_ENOMEM;
  }
  for (size_t j = 0; j < d; j++) {
    mpfr_init2(v[j], 53);
    pv[j] = v[j];
  }
  mpfr_t B, h, e, x, y;
  mpfr_inits2(64, B, h, e, x, y, (mpfr_ptr)0);
  int rc = FC_OK;
  *cmp = 0;
  for (long p = 128;; p *= 2) {
    mpfr_t S1, S2, c, th, sum, tau;
    mpfr_inits2((mpfr_prec_t)p, S1, S2, c, th, sum, tau, (mpfr_ptr)0);
    mpfr_set_zero(sum, 1);
    mpfr_set_zero(B, 1);
    mpfr_set_ui_2exp(h, 6, -p, MPFR_RNDU);
    for (size_t i = 0; i < n; i++) {
      for (size_t j = 0; j < d; j++)
        mpfr_set_d(v[j], fabs(keys[i * d + j]), MPFR_RNDN); /* exact */
      mpfr_sum(S1, pv, (unsigned long)d, MPFR_RNDN);
      mpfr_dot(S2, pv, pv, (unsigned long)d, MPFR_RNDN);
      mpfr_mul_ui(S2, S2, (unsigned long)d, MPFR_RNDN);
      mpfr_sqrt(S2, S2, MPFR_RNDN);
      mpfr_div(c, S1, S2, MPFR_RNDN);
      if (mpfr_cmp_ui(c, 1) > 0)
        mpfr_set_ui(c, 1, MPFR_RNDN); /* the exact c is <= 1 */
      mpfr_acos(th, c, MPFR_RNDN);
      /* e = acos(1 - h) bound: sqrt(2h / (1 - h/2)). */
      mpfr_div_2ui(x, h, 1, MPFR_RNDD);
      mpfr_ui_sub(x, 1, x, MPFR_RNDD);
      mpfr_mul_2ui(e, h, 1, MPFR_RNDU);
      mpfr_div(e, e, x, MPFR_RNDU);
      mpfr_sqrt(e, e, MPFR_RNDU);
      /* slope bound h / sqrt(1 - (c + h)^2) when c + h < 1. */
      mpfr_add(x, c, h, MPFR_RNDU);
      if (mpfr_cmp_ui(x, 1) < 0) {
        mpfr_sqr(x, x, MPFR_RNDU);
        mpfr_ui_sub(x, 1, x, MPFR_RNDD);
        mpfr_sqrt(x, x, MPFR_RNDD);
        mpfr_div(y, h, x, MPFR_RNDU);
        mpfr_min(e, e, y, MPFR_RNDU);
      }
      mpfr_add(B, B, e, MPFR_RNDU);
      mpfr_mul_2si(y, th, -p, MPFR_RNDU);
      mpfr_abs(y, y, MPFR_RNDU);
      mpfr_add(B, B, y, MPFR_RNDU);
      mpfr_add(sum, sum, th, MPFR_RNDN);
      mpfr_mul_2si(y, sum, -p, MPFR_RNDU);
      mpfr_abs(y, y, MPFR_RNDU);
      mpfr_add(B, B, y, MPFR_RNDU);
    }
    mpfr_const_pi(tau, MPFR_RNDN);
    mpfr_mul_d(tau, tau, t, MPFR_RNDN);
    mpfr_mul_ui(tau, tau, (unsigned long)n, MPFR_RNDN);
    mpfr_div_ui(tau, tau, 180, MPFR_RNDN);
    mpfr_mul_2si(y, tau, 2 - p, MPFR_RNDU);
    mpfr_abs(y, y, MPFR_RNDU);
    mpfr_add(B, B, y, MPFR_RNDU);
    mpfr_sub(sum, sum, tau, MPFR_RNDN);
    mpfr_abs(x, sum, MPFR_RNDD);
    const int decided = mpfr_cmp(x, B) > 0;
    const int sgn = mpfr_sgn(sum);
    mpfr_clears(S1, S2, c, th, sum, tau, (mpfr_ptr)0);
    if (decided) {
      *cmp = sgn > 0 ? 1 : -1;
      break;
    }
    if (2 * p > max_prec) {
      *cmp = 0; /* a tie to 2^-max_prec: counted as <= t */
      break;
    }
  }
  mpfr_clears(B, h, e, x, y, (mpfr_ptr)0);
  for (size_t j = 0; j < d; j++)
    mpfr_clear(v[j]);
  free(v);
  free(pv);
  return rc;
}

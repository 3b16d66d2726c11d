/* quant.c -- MPFR oracles for the quantisation geometry (quant.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"

#define GUARD 32

static int finite_all(const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]))
      return 0;
  return 1;
}

/* ------------------------------------------------------------------ F7 */

/* Sum of squares of x[0], x[inc], ... correctly rounded to s's precision:
 * mpfr_dot of exact 53-bit copies. */
static int sumsq(mpfr_t s, const double *x, size_t n, size_t inc)
{
  if (n == 0) {
    mpfr_set_zero(s, 1);
    return FC_OK;
  }
  mpfr_t *v = malloc(n * sizeof *v);
  mpfr_ptr *p = malloc(n * sizeof *p);
  if (v == NULL || p == NULL) {
    free(v);
    free(p);
    return FC_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    mpfr_init2(v[i], 53);
    mpfr_set_d(v[i], x[i * inc], MPFR_RNDN);
    p[i] = v[i];
  }
  mpfr_dot(s, p, p, (unsigned long)n, MPFR_RNDN);
  for (size_t i = 0; i < n; i++)
    mpfr_clear(v[i]);
  free(v);
  free(p);
  return FC_OK;
}

int fc_mp_frob(mpfr_t r, const double *W, size_t m, size_t n)
{
  if (r == NULL || (W == NULL && m * n > 0) || !finite_all(W, m * n))
    return FC_EINVAL;
  mpfr_t s;
  mpfr_init2(s, mpfr_get_prec(r) + GUARD);
  int rc = sumsq(s, W, m * n, 1);
  if (rc == FC_OK)
    mpfr_sqrt(r, s, MPFR_RNDN);
  mpfr_clear(s);
  return rc;
}

int fc_mp_colnorm_rms(mpfr_t r, const double *W, size_t m, size_t n,
                      size_t divisor)
{
  if (r == NULL || n == 0 || divisor == 0 || (W == NULL && m)
      || !finite_all(W, m * n))
    return FC_EINVAL;
  const mpfr_prec_t wp = mpfr_get_prec(r) + GUARD;
  mpfr_t *c = malloc(n * sizeof *c);
  mpfr_ptr *p = malloc(n * sizeof *p);
  if (c == NULL || p == NULL) {
    free(c);
    free(p);
    return FC_ENOMEM;
  }
  int rc = FC_OK;
  for (size_t j = 0; j < n; j++) {
    mpfr_init2(c[j], wp);
    p[j] = c[j];
    if (rc == FC_OK)
      rc = sumsq(c[j], W + j, m, n); /* ||W e_j||^2 */
  }
  if (rc == FC_OK) {
    mpfr_t s;
    mpfr_init2(s, wp);
    mpfr_sum(s, p, (unsigned long)n, MPFR_RNDN);
    mpfr_div_ui(s, s, (unsigned long)divisor, MPFR_RNDN);
    mpfr_sqrt(r, s, MPFR_RNDN);
    mpfr_clear(s);
  }
  for (size_t j = 0; j < n; j++)
    mpfr_clear(c[j]);
  free(c);
  free(p);
  return rc;
}

/* ------------------------------------------------------------------ F8 */

int fc_mp_keyws_init(fc_mp_keyws *w, size_t d, mpfr_prec_t prec)
{
  if (w == NULL)
    return FC_EINVAL;
  memset(w, 0, sizeof *w);
  if (d == 0 || prec < 53)
    return FC_EINVAL;
  w->prec = prec + GUARD;
  w->a = malloc(d * sizeof *w->a);
  w->b = malloc(d * sizeof *w->b);
  w->pa = malloc(d * sizeof *w->pa);
  w->pb = malloc(d * sizeof *w->pb);
  if (!w->a || !w->b || !w->pa || !w->pb) {
    free(w->a), free(w->b), free(w->pa), free(w->pb);
    memset(w, 0, sizeof *w);
    return FC_ENOMEM;
  }
  w->d = d;
  for (size_t i = 0; i < d; i++) {
    mpfr_init2(w->a[i], 53);
    mpfr_init2(w->b[i], w->prec);
    w->pa[i] = w->a[i];
    w->pb[i] = w->b[i];
  }
  mpfr_inits2(w->prec, w->S1, w->S2, w->q, w->al, w->t, (mpfr_ptr)0);
  return FC_OK;
}

void fc_mp_keyws_clear(fc_mp_keyws *w)
{
  if (w == NULL || w->d == 0)
    return;
  for (size_t i = 0; i < w->d; i++) {
    mpfr_clear(w->a[i]);
    mpfr_clear(w->b[i]);
  }
  free(w->a), free(w->b), free(w->pa), free(w->pb);
  mpfr_clears(w->S1, w->S2, w->q, w->al, w->t, (mpfr_ptr)0);
  memset(w, 0, sizeof *w);
}

/* a_i = |k_i|; S1 = sum a_i, S2 = sum a_i^2 (correctly rounded).  Returns
 * FC_EINVAL for a zero or non-finite key. */
static int load_key(fc_mp_keyws *w, const double *k)
{
  if (!finite_all(k, w->d))
    return FC_EINVAL;
  for (size_t i = 0; i < w->d; i++)
    mpfr_set_d(w->a[i], fabs(k[i]), MPFR_RNDN);
  mpfr_sum(w->S1, w->pa, (unsigned long)w->d, MPFR_RNDN);
  mpfr_dot(w->S2, w->pa, w->pa, (unsigned long)w->d, MPFR_RNDN);
  return mpfr_zero_p(w->S2) ? FC_EINVAL : FC_OK;
}

int fc_mp_key_geom(fc_mp_keyws *w, const double *k, mpfr_t cos, mpfr_t sin2,
                   mpfr_t alpha, mpfr_t theta)
{
  if (w == NULL || k == NULL || w->d == 0)
    return FC_EINVAL;
  int rc = load_key(w, k);
  if (rc)
    return rc;
  const unsigned long d = (unsigned long)w->d;
  mpfr_div_ui(w->al, w->S1, d, MPFR_RNDN);
  if (alpha)
    mpfr_set(alpha, w->al, MPFR_RNDN);
  if (cos) {
    mpfr_mul_ui(w->t, w->S2, d, MPFR_RNDN);
    mpfr_sqrt(w->t, w->t, MPFR_RNDN);
    mpfr_div(cos, w->S1, w->t, MPFR_RNDN);
  }
  if (sin2 || theta) {
    /* q = sum (a_i - alpha)^2: the two-pass form, no cancellation. */
    for (size_t i = 0; i < w->d; i++)
      mpfr_sub(w->b[i], w->a[i], w->al, MPFR_RNDN);
    mpfr_dot(w->q, w->pb, w->pb, d, MPFR_RNDN);
    if (sin2)
      mpfr_div(sin2, w->q, w->S2, MPFR_RNDN);
    if (theta) {
      mpfr_mul_ui(w->t, w->q, d, MPFR_RNDN);
      mpfr_sqrt(w->t, w->t, MPFR_RNDN);
      mpfr_atan2(theta, w->t, w->S1, MPFR_RNDN);
    }
  }
  return FC_OK;
}

int fc_mp_cos_lhs(mpfr_t r, fc_mp_keyws *w, const double *k, int sign0_zero)
{
  if (r == NULL || w == NULL || k == NULL || w->d == 0)
    return FC_EINVAL;
  int rc = load_key(w, k);
  if (rc)
    return rc;
  /* <k, s> = sum of |k_i| over the coordinates with s_i != 0, which is
   * sum |k_i| under either convention (zeros contribute 0); ||s||^2 counts
   * the nonzero signs: d, or the nonzero coordinates under sign(0) = 0.
   * Computed literally: b_i = s_i, <k, s> = mpfr_dot(k, s). */
  size_t cnt = 0;
  for (size_t i = 0; i < w->d; i++) {
    const int s = k[i] < 0 ? -1 : (k[i] > 0 || !sign0_zero) ? 1 : 0;
    mpfr_set_si(w->b[i], s, MPFR_RNDN);
    cnt += s != 0;
    mpfr_set_d(w->a[i], k[i], MPFR_RNDN); /* signed copy for the dot */
  }
  mpfr_dot(w->q, w->pa, w->pb, (unsigned long)w->d, MPFR_RNDN);
  mpfr_sqrt(w->t, w->S2, MPFR_RNDN);
  mpfr_set(w->al, w->t, MPFR_RNDN);
  mpfr_set_ui(w->t, (unsigned long)cnt, MPFR_RNDN);
  mpfr_sqrt(w->t, w->t, MPFR_RNDN);
  mpfr_mul(w->t, w->t, w->al, MPFR_RNDN);
  mpfr_div(r, w->q, w->t, MPFR_RNDN);
  return FC_OK;
}

int fc_mp_residual(mpfr_t r, fc_mp_keyws *w, const double *k,
                   const mpfr_t alpha, int sign0_zero)
{
  if (r == NULL || w == NULL || k == NULL || alpha == NULL || w->d == 0)
    return FC_EINVAL;
  int rc = load_key(w, k);
  if (rc)
    return rc;
  for (size_t i = 0; i < w->d; i++) {
    /* k_i - alpha s_i = s_i (|k_i| - alpha) for s_i = +-1; k_i (= 0) for
     * s_i = 0. */
    if (k[i] == 0 && sign0_zero)
      mpfr_set_zero(w->b[i], 1);
    else
      mpfr_sub(w->b[i], w->a[i], alpha, MPFR_RNDN);
  }
  mpfr_dot(w->q, w->pb, w->pb, (unsigned long)w->d, MPFR_RNDN);
  mpfr_div(r, w->q, w->S2, MPFR_RNDN);
  return FC_OK;
}

/* ------------------------------------------------------------------ F9 */

/* r = Gamma(x) at r's precision for an exact double x > 0 (callers pass
 * only exactly representable arguments: halves of exact doubles). */
static void gamma_d(mpfr_t r, double x)
{
  mpfr_set_d(r, x, MPFR_RNDN);
  mpfr_gamma(r, r, MPFR_RNDN);
}

int fc_mp_abs_moment(mpfr_t r, const fc_dist *f, int k)
{
  if (r == NULL || fc_dist_check(f) != FC_OK || k < 1 || k > 4)
    return FC_EINVAL;
  if (f->kind == FC_DIST_STUDENT && !(f->shape > k))
    return FC_EINVAL;
  const mpfr_prec_t wp = mpfr_get_prec(r) + GUARD;
  mpfr_t x, y, z;
  mpfr_inits2(wp, x, y, z, (mpfr_ptr)0);
  switch (f->kind) {
  case FC_DIST_GAUSS: /* 2^(k/2) Gamma((k+1)/2) / sqrt(pi) */
    gamma_d(x, 0.5 * (k + 1));
    mpfr_const_pi(y, MPFR_RNDN);
    mpfr_sqrt(y, y, MPFR_RNDN);
    mpfr_div(x, x, y, MPFR_RNDN);
    mpfr_set_ui(y, 2, MPFR_RNDN);
    mpfr_set_d(z, 0.5 * k, MPFR_RNDN);
    mpfr_pow(y, y, z, MPFR_RNDN);
    mpfr_mul(x, x, y, MPFR_RNDN);
    break;
  case FC_DIST_UNIFORM:
    mpfr_set_ui(x, 1, MPFR_RNDN);
    mpfr_div_ui(x, x, (unsigned long)k + 1, MPFR_RNDN);
    break;
  case FC_DIST_LAPLACE:
    mpfr_fac_ui(x, (unsigned long)k, MPFR_RNDN);
    break;
  case FC_DIST_GENNORM: /* (k+1)/s and 1/s formed in MPFR, not double */
    mpfr_set_ui(x, (unsigned long)k + 1, MPFR_RNDN);
    mpfr_div_d(x, x, f->shape, MPFR_RNDN);
    mpfr_gamma(x, x, MPFR_RNDN);
    mpfr_set_ui(y, 1, MPFR_RNDN);
    mpfr_div_d(y, y, f->shape, MPFR_RNDN);
    mpfr_gamma(y, y, MPFR_RNDN);
    mpfr_div(x, x, y, MPFR_RNDN);
    break;
  default: /* STUDENT */
    gamma_d(x, 0.5 * (k + 1));
    gamma_d(y, 0.5 * (f->shape - k));
    mpfr_mul(x, x, y, MPFR_RNDN);
    gamma_d(y, 0.5 * f->shape);
    mpfr_div(x, x, y, MPFR_RNDN);
    mpfr_const_pi(y, MPFR_RNDN);
    mpfr_sqrt(y, y, MPFR_RNDN);
    mpfr_div(x, x, y, MPFR_RNDN);
    mpfr_set_d(y, f->shape, MPFR_RNDN);
    mpfr_set_d(z, 0.5 * k, MPFR_RNDN);
    mpfr_pow(y, y, z, MPFR_RNDN);
    mpfr_mul(x, x, y, MPFR_RNDN);
    break;
  }
  /* scale^k */
  mpfr_set_d(y, f->scale, MPFR_RNDN);
  mpfr_pow_ui(y, y, (unsigned long)k, MPFR_RNDN);
  mpfr_mul(r, x, y, MPFR_RNDN);
  mpfr_clears(x, y, z, (mpfr_ptr)0);
  return FC_OK;
}

int fc_mp_beta(mpfr_t beta, const fc_dist *f)
{
  if (beta == NULL || fc_dist_check(f) != FC_OK)
    return FC_EINVAL;
  const mpfr_prec_t wp = mpfr_get_prec(beta) + GUARD;
  mpfr_t m1, m2;
  mpfr_inits2(wp, m1, m2, (mpfr_ptr)0);
  int rc = fc_mp_abs_moment(m1, f, 1);
  if (rc == FC_OK)
    rc = fc_mp_abs_moment(m2, f, 2);
  if (rc == FC_OK) {
    mpfr_sqr(m1, m1, MPFR_RNDN);
    mpfr_div(beta, m1, m2, MPFR_RNDN);
  }
  mpfr_clears(m1, m2, (mpfr_ptr)0);
  return rc;
}

int fc_mp_bias_coef(mpfr_t c, const fc_dist *f)
{
  if (c == NULL || fc_dist_check(f) != FC_OK)
    return FC_EINVAL;
  const mpfr_prec_t wp = mpfr_get_prec(c) + GUARD;
  mpfr_t m[5], t, acc;
  for (int k = 1; k <= 4; k++)
    mpfr_init2(m[k], wp);
  mpfr_inits2(wp, t, acc, (mpfr_ptr)0);
  int rc = FC_OK;
  for (int k = 1; k <= 4 && rc == FC_OK; k++)
    rc = fc_mp_abs_moment(m[k], f, k);
  if (rc == FC_OK) {
    /* (mu2 - mu1^2) / mu2 */
    mpfr_sqr(t, m[1], MPFR_RNDN);
    mpfr_sub(acc, m[2], t, MPFR_RNDN);
    mpfr_div(acc, acc, m[2], MPFR_RNDN);
    /* - 2 mu1 (mu3 - mu1 mu2) / mu2^2 */
    mpfr_mul(t, m[1], m[2], MPFR_RNDN);
    mpfr_sub(t, m[3], t, MPFR_RNDN);
    mpfr_mul(t, t, m[1], MPFR_RNDN);
    mpfr_mul_2ui(t, t, 1, MPFR_RNDN);
    mpfr_div(t, t, m[2], MPFR_RNDN);
    mpfr_div(t, t, m[2], MPFR_RNDN);
    mpfr_sub(acc, acc, t, MPFR_RNDN);
    /* + mu1^2 (mu4 - mu2^2) / mu2^3 */
    mpfr_sqr(t, m[2], MPFR_RNDN);
    mpfr_sub(t, m[4], t, MPFR_RNDN);
    mpfr_mul(t, t, m[1], MPFR_RNDN);
    mpfr_mul(t, t, m[1], MPFR_RNDN);
    mpfr_div(t, t, m[2], MPFR_RNDN);
    mpfr_div(t, t, m[2], MPFR_RNDN);
    mpfr_div(t, t, m[2], MPFR_RNDN);
    mpfr_add(acc, acc, t, MPFR_RNDN);
    mpfr_neg(c, acc, MPFR_RNDN);
  }
  for (int k = 1; k <= 4; k++)
    mpfr_clear(m[k]);
  mpfr_clears(t, acc, (mpfr_ptr)0);
  return rc;
}

int fc_mp_sin2_mean(mpfr_t mean, fc_mp_keyws *w, const double *keys,
                    size_t n)
{
  if (mean == NULL || w == NULL || keys == NULL || n == 0)
    return FC_EINVAL;
  mpfr_t s, acc;
  mpfr_inits2(w->prec, s, acc, (mpfr_ptr)0);
  mpfr_set_zero(acc, 1);
  int rc = FC_OK;
  for (size_t i = 0; i < n && rc == FC_OK; i++) {
    rc = fc_mp_key_geom(w, keys + i * w->d, NULL, s, NULL, NULL);
    mpfr_add(acc, acc, s, MPFR_RNDN);
  }
  if (rc == FC_OK)
    mpfr_div_ui(mean, acc, (unsigned long)n, MPFR_RNDN);
  mpfr_clears(s, acc, (mpfr_ptr)0);
  return rc;
}

/* ----------------------------------------------------------------- F10 */

int fc_mp_mean_angle_deg(mpfr_t r, fc_mp_keyws *w, const double *keys,
                         size_t n)
{
  if (r == NULL || w == NULL || keys == NULL || n == 0)
    return FC_EINVAL;
  mpfr_t th, acc;
  mpfr_inits2(w->prec, th, acc, (mpfr_ptr)0);
  mpfr_set_zero(acc, 1);
  int rc = FC_OK;
  for (size_t i = 0; i < n && rc == FC_OK; i++) {
    rc = fc_mp_key_geom(w, keys + i * w->d, NULL, NULL, NULL, th);
    mpfr_add(acc, acc, th, MPFR_RNDN);
  }
  if (rc == FC_OK) {
    /* degrees = radians 180 / pi, averaged */
    mpfr_mul_ui(acc, acc, 180, MPFR_RNDN);
    mpfr_const_pi(th, MPFR_RNDN);
    mpfr_div(acc, acc, th, MPFR_RNDN);
    mpfr_div_ui(r, acc, (unsigned long)n, MPFR_RNDN);
  }
  mpfr_clears(th, acc, (mpfr_ptr)0);
  return rc;
}

int fc_mp_alloc_rule(const mpfr_t angle, long d_l)
{
  if (d_l >= 512 && mpfr_cmp_ui(angle, 40) <= 0)
    return 1;
  if (mpfr_cmp_ui(angle, 44) <= 0)
    return 2;
  return 3;
}

/* quadrature.c -- double-exponential quadrature of E|X| and E X^2
 * (quadrature.h). */
#include <math.h>
#include <string.h>
#include "quadrature.h"

#define H0 0.25      /* initial step */
#define TMAX 12.0    /* |t| cap: x = exp((pi/2) sinh 12) ~ e^(1.3e5) */
#define MAXLEV 12    /* finest step H0 2^-12 */

static const char *const names[FC_NDIST] = {"gauss", "uniform", "laplace",
                                            "gennorm", "student"};

const char *fc_dist_name(fc_dist_kind k)
{
  return (unsigned)k < FC_NDIST ? names[k] : "?";
}

int fc_dist_check(const fc_dist *f)
{
  if (f == NULL || (unsigned)f->kind >= FC_NDIST || !(f->scale > 0)
      || !isfinite(f->scale))
    return FC_EINVAL;
  if (f->kind == FC_DIST_GENNORM && !(f->shape > 0 && isfinite(f->shape)))
    return FC_EINVAL;
  if (f->kind == FC_DIST_STUDENT && !(f->shape > 2 && isfinite(f->shape)))
    return FC_EINVAL;
  return FC_OK;
}

/* Scratch of one quadrature at working precision. */
typedef struct qctx {
  const fc_dist *f;
  mpfr_t t, s, c, u, x, phi, w, e, a, lnscale, pi2;
} qctx;

static void qctx_init(qctx *q, const fc_dist *f, mpfr_prec_t wp)
{
  q->f = f;
  mpfr_inits2(wp, q->t, q->s, q->c, q->u, q->x, q->phi, q->w, q->e, q->a,
              q->lnscale, q->pi2, (mpfr_ptr)0);
  mpfr_const_pi(q->pi2, MPFR_RNDN);
  mpfr_div_2ui(q->pi2, q->pi2, 1, MPFR_RNDN);
  mpfr_set_d(q->lnscale, f->scale, MPFR_RNDN);
  mpfr_log(q->lnscale, q->lnscale, MPFR_RNDN);
}

static void qctx_clear(qctx *q)
{
  mpfr_clears(q->t, q->s, q->c, q->u, q->x, q->phi, q->w, q->e, q->a,
              q->lnscale, q->pi2, (mpfr_ptr)0);
}

/* term[k] = (integrand x^k g(x)) (dx/dt) at t = tv (an exact double). */
static void node(mpfr_t term[3], qctx *q, double tv)
{
  const fc_dist *f = q->f;
  mpfr_set_d(q->t, tv, MPFR_RNDN);
  mpfr_sinh_cosh(q->s, q->c, q->t, MPFR_RNDN);
  mpfr_mul(q->u, q->s, q->pi2, MPFR_RNDN); /* u = (pi/2) sinh t */
  mpfr_mul(q->w, q->c, q->pi2, MPFR_RNDN); /* du/dt = (pi/2) cosh t */
  if (f->kind == FC_DIST_UNIFORM) {
    /* x = a / (1 + e^(-2u)), dx/du = a e^(-2u) / (1 + e^(-2u))^2, written
     * with e^(-2|u|) so that nothing overflows. */
    mpfr_set_d(q->a, f->scale, MPFR_RNDN);
    mpfr_abs(q->e, q->u, MPFR_RNDN);
    mpfr_mul_si(q->e, q->e, -2, MPFR_RNDN);
    mpfr_exp(q->e, q->e, MPFR_RNDN); /* E = e^(-2|u|) */
    mpfr_add_ui(q->phi, q->e, 1, MPFR_RNDN); /* 1 + E */
    if (mpfr_sgn(q->u) >= 0)
      mpfr_div(q->x, q->a, q->phi, MPFR_RNDN);
    else {
      mpfr_mul(q->x, q->a, q->e, MPFR_RNDN);
      mpfr_div(q->x, q->x, q->phi, MPFR_RNDN);
    }
    mpfr_sqr(q->phi, q->phi, MPFR_RNDN);
    mpfr_div(q->e, q->e, q->phi, MPFR_RNDN);
    mpfr_mul(q->e, q->e, q->a, MPFR_RNDN); /* dx/du */
    mpfr_mul(term[0], q->e, q->w, MPFR_RNDN);
  } else {
    /* x = e^u; log g(x) = -phi(x); term0 = e^(u - phi) du/dt. */
    mpfr_exp(q->x, q->u, MPFR_RNDN);
    switch (f->kind) {
    case FC_DIST_GAUSS:
      mpfr_div_d(q->phi, q->x, f->scale, MPFR_RNDN);
      mpfr_sqr(q->phi, q->phi, MPFR_RNDN);
      mpfr_div_2ui(q->phi, q->phi, 1, MPFR_RNDN);
      break;
    case FC_DIST_LAPLACE:
      mpfr_div_d(q->phi, q->x, f->scale, MPFR_RNDN);
      break;
    case FC_DIST_GENNORM: /* (x/scale)^s = exp(s (u - ln scale)) */
      mpfr_sub(q->phi, q->u, q->lnscale, MPFR_RNDN);
      mpfr_mul_d(q->phi, q->phi, f->shape, MPFR_RNDN);
      mpfr_exp(q->phi, q->phi, MPFR_RNDN);
      break;
    default: /* STUDENT: ((nu+1)/2) log1p((x/scale)^2 / nu) */
      mpfr_div_d(q->phi, q->x, f->scale, MPFR_RNDN);
      mpfr_sqr(q->phi, q->phi, MPFR_RNDN);
      mpfr_div_d(q->phi, q->phi, f->shape, MPFR_RNDN);
      mpfr_log1p(q->phi, q->phi, MPFR_RNDN);
      mpfr_mul_d(q->phi, q->phi, 0.5 * (f->shape + 1), MPFR_RNDN);
      break;
    }
    mpfr_sub(q->e, q->u, q->phi, MPFR_RNDN);
    mpfr_exp(q->e, q->e, MPFR_RNDN);
    mpfr_mul(term[0], q->e, q->w, MPFR_RNDN);
  }
  mpfr_mul(term[1], term[0], q->x, MPFR_RNDN);
  mpfr_mul(term[2], term[1], q->x, MPFR_RNDN);
}

/* All three terms are negligible against the sums and falling. */
static int negligible(mpfr_t term[3], mpfr_t prev[3], mpfr_t sum[3],
                      long bits)
{
  for (int k = 0; k < 3; k++) {
    if (mpfr_zero_p(term[k]))
      continue;
    if (mpfr_cmp(term[k], prev[k]) >= 0)
      return 0;
    if (mpfr_zero_p(sum[k])
        || mpfr_get_exp(term[k]) > mpfr_get_exp(sum[k]) - bits)
      return 0;
  }
  return 1;
}

int fc_mp_quad_moments(mpfr_t m1, mpfr_t m2, const fc_dist *f, int *levels)
{
  if (m1 == NULL || m2 == NULL || fc_dist_check(f) != FC_OK)
    return FC_EINVAL;
  mpfr_prec_t prec = mpfr_get_prec(m1) > mpfr_get_prec(m2)
                         ? mpfr_get_prec(m1) : mpfr_get_prec(m2);
  const mpfr_prec_t wp = prec + 32;
  /* Integrate the unit-scale density: m_k(scale) = scale^k m_k(1) exactly,
   * and at unit scale the mass sits around x = 1 (t = 0), where the
   * outward scan starts (a scale of 2^-8 with shape 8 would put e^(-2^64)
   * at t = 0, an MPFR underflow). */
  fc_dist unit = *f;
  unit.scale = 1;
  qctx q;
  qctx_init(&q, &unit, wp);
  mpfr_t term[3], prev[3], sum[3], old[3], diff;
  for (int k = 0; k < 3; k++) {
    mpfr_inits2(wp, term[k], prev[k], sum[k], old[k], (mpfr_ptr)0);
    mpfr_set_zero(sum[k], 1);
  }
  mpfr_init2(diff, wp);
  /* Level 0: scan outward from t = 0 to find the truncation [tlo, thi]. */
  double tlo = -TMAX, thi = TMAX;
  node(term, &q, 0.0);
  for (int k = 0; k < 3; k++)
    mpfr_set(sum[k], term[k], MPFR_RNDN);
  for (int dir = -1; dir <= 1; dir += 2) {
    node(prev, &q, 0.0);
    for (long j = 1;; j++) {
      const double tv = dir * (double)j * H0;
      if (fabs(tv) > TMAX)
        break;
      node(term, &q, tv);
      for (int k = 0; k < 3; k++)
        mpfr_add(sum[k], sum[k], term[k], MPFR_RNDN);
      if (negligible(term, prev, sum, (long)prec + 24)) {
        if (dir < 0)
          tlo = tv - 2 * H0;
        else
          thi = tv + 2 * H0;
        break;
      }
      for (int k = 0; k < 3; k++)
        mpfr_set(prev[k], term[k], MPFR_RNDN);
    }
  }
  /* The level-0 sum over the (possibly extended) range. */
  for (int k = 0; k < 3; k++)
    mpfr_set_zero(sum[k], 1);
  for (double tv = ceil(tlo / H0) * H0; tv <= thi; tv += H0) {
    node(term, &q, tv);
    for (int k = 0; k < 3; k++)
      mpfr_add(sum[k], sum[k], term[k], MPFR_RNDN);
  }
  /* I_L = h_L sum; refine: I_{L+1} = I_L / 2 + h_{L+1} sum_odd. The sums
   * below hold sum_L = I_L / h_L, so sum_{L+1} = sum_L + sum_odd. */
  int rc = FC_ERANGE, lev;
  for (lev = 1; lev <= MAXLEV; lev++) {
    const double h = ldexp(H0, -lev);
    for (int k = 0; k < 3; k++)
      mpfr_set(old[k], sum[k], MPFR_RNDN);
    const long j0 = (long)ceil(tlo / h), j1 = (long)floor(thi / h);
    for (long j = j0; j <= j1; j++) {
      if ((j & 1) == 0)
        continue;
      node(term, &q, (double)j * h);
      for (int k = 0; k < 3; k++)
        mpfr_add(sum[k], sum[k], term[k], MPFR_RNDN);
    }
    /* Compare I_lev = h sum with I_{lev-1} = 2h old. */
    int conv = lev >= 3;
    for (int k = 0; k < 3 && conv; k++) {
      mpfr_mul_2ui(diff, old[k], 1, MPFR_RNDN);
      mpfr_sub(diff, diff, sum[k], MPFR_RNDN);
      if (!mpfr_zero_p(diff)
          && mpfr_get_exp(diff) > mpfr_get_exp(sum[k]) - (long)prec - 8)
        conv = 0;
    }
    if (conv) {
      rc = FC_OK;
      break;
    }
  }
  if (levels)
    *levels = lev;
  if (rc == FC_OK && !(mpfr_regular_p(sum[0]) && mpfr_sgn(sum[0]) > 0))
    rc = FC_ERANGE;
  if (rc == FC_OK) {
    /* m_k = scale^k I_k / I_0 (the step h cancels). */
    mpfr_div(m1, sum[1], sum[0], MPFR_RNDN);
    mpfr_mul_d(m1, m1, f->scale, MPFR_RNDN);
    mpfr_div(m2, sum[2], sum[0], MPFR_RNDN);
    mpfr_mul_d(m2, m2, f->scale, MPFR_RNDN);
    mpfr_mul_d(m2, m2, f->scale, MPFR_RNDN);
  }
  for (int k = 0; k < 3; k++)
    mpfr_clears(term[k], prev[k], sum[k], old[k], (mpfr_ptr)0);
  mpfr_clear(diff);
  qctx_clear(&q);
  return rc;
}

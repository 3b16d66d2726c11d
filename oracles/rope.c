/* rope.c -- RoPE and the commutant of a schedule in MPFR (oracles/rope.h).
 *
 * The oracle never calls a kernel.  Angles p * theta are formed exactly:
 * p is a long (at most 64 bits) and theta a double (53 bits), so the
 * product is exact at ANGLE_PREC = 128 bits; sin/cos are then correctly
 * rounded at the requested precision.  Sums of two such products are
 * formed at (precision + 64) bits or more, so their relative error is far
 * below the statement slack.
 *
 * Speed: fc_mp_rope_tab holds the (sin, cos) of every (schedule, position,
 * plane) once; fc_mp_rope_apply_tab then only does the two roundings per
 * pair (rotate_pair, the same code as fc_mp_rope_apply), so values are
 * bit-identical to the direct path (tests/t-f4f6 checks it).  The
 * attention oracle used to spend ~17% of its time in mpfr_sin_cos,
 * recomputing the same angles for q and k of every head and every block. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rope.h"

#define ANGLE_PREC 128

static mpfr_prec_t maxp(mpfr_prec_t a, mpfr_prec_t b) { return a > b ? a : b; }

/* r = p * theta exactly (r has ANGLE_PREC bits). */
static void exact_angle(mpfr_t r, long p, double theta)
{
  mpfr_set_d(r, theta, MPFR_RNDN);     /* exact */
  mpfr_mul_si(r, r, p, MPFR_RNDN);     /* exact: 53 + 64 <= 128 bits */
}

static int sched_ok(const fc_schedule *s)
{
  return fc_schedule_check(s, NULL) == FC_OK;
}

/* out_a = c x_a - s x_b, out_b = s x_a + c x_b for plane i, one rounding
 * each (shared by the direct and the table paths). */
static void rotate_pair(mpfr_t *out, mpfr_t *const in, const fc_schedule *s,
                        size_t i, mpfr_srcptr sn, mpfr_srcptr c)
{
  size_t a, b;
  fc_schedule_plane(&a, &b, s, i);
  mpfr_fmms(out[a], c, in[a], sn, in[b], MPFR_RNDN);
  mpfr_fmma(out[b], sn, in[a], c, in[b], MPFR_RNDN);
}

int fc_mp_rope_apply(mpfr_t *out, mpfr_t *const in, const fc_schedule *s,
                     long p)
{
  if (out == NULL || in == NULL || !sched_ok(s))
    return FC_EINVAL;
  const size_t m = s->d / 2;
  /* cos/sin carry 32 guard bits beyond the widest output, so each output
   * is within about 2^-32 ulp of its exact value (one final rounding). */
  mpfr_prec_t prec = MPFR_PREC_MIN;
  for (size_t k = 0; k < s->d; k++)
    prec = maxp(prec, mpfr_get_prec(out[k]));
  mpfr_t w, c, sn;
  mpfr_init2(w, ANGLE_PREC);
  mpfr_inits2(prec + 32, c, sn, (mpfr_ptr)0);
  for (size_t i = 0; i < m; i++) {
    exact_angle(w, p, s->theta[i]);
    mpfr_sin_cos(sn, c, w, MPFR_RNDN);
    rotate_pair(out, in, s, i, sn, c);
  }
  mpfr_clears(w, c, sn, (mpfr_ptr)0);
  return FC_OK;
}

int fc_mp_rope_tab_init(fc_mp_rope_tab *tab, const fc_schedule *sched,
                        size_t nsched, const long *pos, size_t npos,
                        mpfr_prec_t prec)
{
  if (tab == NULL)
    return FC_EINVAL;
  memset(tab, 0, sizeof *tab);
  if (sched == NULL || nsched == 0 || pos == NULL || npos == 0 ||
      prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX - 32)
    return FC_EINVAL;
  for (size_t j = 0; j < nsched; j++)
    if (!sched_ok(&sched[j]) || sched[j].d != sched[0].d)
      return FC_EINVAL;
  const size_t m = sched[0].d / 2;
  if (npos > SIZE_MAX / nsched)
    return FC_EINVAL;
  /* fc_mp_rope_apply's working precision for outputs of precision prec
   * (prec >= MPFR_PREC_MIN, so max(MPFR_PREC_MIN, prec) + 32). */
  int rc = fc_mpmat_init(tab->sn, nsched * npos, m, prec + 32);
  if (rc == FC_OK)
    rc = fc_mpmat_init(tab->cs, nsched * npos, m, prec + 32);
  if (rc != FC_OK) {
    fc_mp_rope_tab_clear(tab);
    return rc;
  }
  tab->sched = sched;
  tab->nsched = nsched;
  tab->pos = pos;
  tab->npos = npos;
  tab->m = m;
  tab->prec = prec;
  mpfr_t w;
  mpfr_init2(w, ANGLE_PREC);
  for (size_t j = 0; j < nsched; j++)
    for (size_t t = 0; t < npos; t++)
      for (size_t i = 0; i < m; i++) {
        const size_t r = j * npos + t;
        exact_angle(w, pos[t], sched[j].theta[i]);
        mpfr_sin_cos(FC_MPMAT(tab->sn, r, i), FC_MPMAT(tab->cs, r, i), w,
                     MPFR_RNDN);
      }
  mpfr_clear(w);
  return FC_OK;
}

void fc_mp_rope_tab_clear(fc_mp_rope_tab *tab)
{
  if (tab == NULL)
    return;
  fc_mpmat_clear(tab->sn);
  fc_mpmat_clear(tab->cs);
  memset(tab, 0, sizeof *tab);
}

int fc_mp_rope_apply_tab(mpfr_t *out, mpfr_t *const in,
                         const fc_mp_rope_tab *tab, size_t j, size_t t)
{
  if (out == NULL || in == NULL || tab == NULL || tab->sn->e == NULL ||
      j >= tab->nsched || t >= tab->npos)
    return FC_EINVAL;
  const fc_schedule *s = &tab->sched[j];
  for (size_t k = 0; k < s->d; k++)
    if (mpfr_get_prec(out[k]) != tab->prec)
      return FC_EINVAL; /* the table's sin/cos are for this precision */
  const size_t r = j * tab->npos + t;
  for (size_t i = 0; i < tab->m; i++)
    rotate_pair(out, in, s, i, FC_MPMAT(tab->sn, r, i),
                FC_MPMAT(tab->cs, r, i));
  return FC_OK;
}

int fc_mpmat_rope(fc_mpmat_t R, const fc_schedule *s, long p)
{
  if (R == NULL || !sched_ok(s) || R->rows != s->d || R->cols != s->d)
    return FC_EINVAL;
  fc_mpmat_set_zero(R);
  mpfr_t w;
  mpfr_init2(w, ANGLE_PREC);
  for (size_t i = 0; i < s->d / 2; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, s, i);
    exact_angle(w, p, s->theta[i]);
    mpfr_sin_cos(FC_MPMAT(R, b, a), FC_MPMAT(R, a, a), w, MPFR_RNDN);
    mpfr_set(FC_MPMAT(R, b, b), FC_MPMAT(R, a, a), MPFR_RNDN);
    mpfr_neg(FC_MPMAT(R, a, b), FC_MPMAT(R, b, a), MPFR_RNDN);
  }
  mpfr_clear(w);
  return FC_OK;
}

/* ---------------------------------------------------------- relations */

int fc_mp_rope_relations(unsigned char *rel, const fc_schedule *s,
                         const long *pos, size_t npos)
{
  static const long one = 1;
  if (rel == NULL || !sched_ok(s) || (pos == NULL && npos != 0))
    return FC_EINVAL;
  const size_t m = s->d / 2;
  if (pos == NULL) { /* every integer position: p = 1 decides */
    pos = &one;
    npos = 1;
  }
  for (size_t k = 0; k < m * m; k++)
    rel[k] = FC_REL_SAME | FC_REL_ANTI;
  mpfr_t *pt = malloc(m * sizeof *pt);
  mpfr_t sum;
  if (pt == NULL)
    return FC_ENOMEM;
  for (size_t i = 0; i < m; i++)
    mpfr_init2(pt[i], ANGLE_PREC);
  mpfr_init2(sum, ANGLE_PREC + 8);
  for (size_t q = 0; q < npos; q++) {
    for (size_t i = 0; i < m; i++)
      exact_angle(pt[i], pos[q], s->theta[i]);
    for (size_t i = 0; i < m; i++)
      for (size_t j = 0; j < m; j++) {
        /* p theta_i -/+ p theta_j exactly (operands have the same or
         * comparable exponents when the result is 0; a nonzero result
         * stays nonzero under rounding), then "in 2 pi Z" iff zero. */
        mpfr_sub(sum, pt[i], pt[j], MPFR_RNDN);
        if (!mpfr_zero_p(sum))
          rel[i * m + j] &= (unsigned char)~FC_REL_SAME;
        mpfr_add(sum, pt[i], pt[j], MPFR_RNDN);
        if (!mpfr_zero_p(sum))
          rel[i * m + j] &= (unsigned char)~FC_REL_ANTI;
      }
  }
  for (size_t i = 0; i < m; i++)
    mpfr_clear(pt[i]);
  mpfr_clear(sum);
  free(pt);
  return FC_OK;
}

/* ---------------------------------------------------------- projection */

int fc_mpmat_commutant_project(fc_mpmat_t Y, const fc_mpmat_t X,
                               const fc_schedule *s,
                               const unsigned char *rel)
{
  if (Y == NULL || X == NULL || rel == NULL || !sched_ok(s)
      || X->rows != s->d || X->cols != s->d || Y->rows != s->d
      || Y->cols != s->d)
    return FC_EINVAL;
  const size_t m = s->d / 2;
  mpfr_t x00, x01, x10, x11, al, be;
  const mpfr_prec_t wp = maxp(X->prec, Y->prec);
  mpfr_inits2(wp, x00, x01, x10, x11, al, be, (mpfr_ptr)0);
  for (size_t i = 0; i < m; i++) {
    size_t ai, bi;
    fc_schedule_plane(&ai, &bi, s, i);
    for (size_t j = 0; j < m; j++) {
      size_t aj, bj;
      fc_schedule_plane(&aj, &bj, s, j);
      mpfr_set(x00, FC_MPMAT(X, ai, aj), MPFR_RNDN); /* exact: wp >= */
      mpfr_set(x01, FC_MPMAT(X, ai, bj), MPFR_RNDN);
      mpfr_set(x10, FC_MPMAT(X, bi, aj), MPFR_RNDN);
      mpfr_set(x11, FC_MPMAT(X, bi, bj), MPFR_RNDN);
      const int same = (rel[i * m + j] & FC_REL_SAME) != 0;
      const int anti = (rel[i * m + j] & FC_REL_ANTI) != 0;
      mpfr_ptr y00 = FC_MPMAT(Y, ai, aj), y01 = FC_MPMAT(Y, ai, bj);
      mpfr_ptr y10 = FC_MPMAT(Y, bi, aj), y11 = FC_MPMAT(Y, bi, bj);
      if (same && anti) {
        mpfr_set(y00, x00, MPFR_RNDN);
        mpfr_set(y01, x01, MPFR_RNDN);
        mpfr_set(y10, x10, MPFR_RNDN);
        mpfr_set(y11, x11, MPFR_RNDN);
      } else if (same) {
        mpfr_add(al, x00, x11, MPFR_RNDN);
        mpfr_div_2ui(al, al, 1, MPFR_RNDN);
        mpfr_sub(be, x10, x01, MPFR_RNDN);
        mpfr_div_2ui(be, be, 1, MPFR_RNDN);
        mpfr_set(y00, al, MPFR_RNDN);
        mpfr_set(y11, al, MPFR_RNDN);
        mpfr_set(y10, be, MPFR_RNDN);
        mpfr_neg(y01, be, MPFR_RNDN);
      } else if (anti) {
        mpfr_sub(al, x00, x11, MPFR_RNDN);
        mpfr_div_2ui(al, al, 1, MPFR_RNDN);
        mpfr_add(be, x01, x10, MPFR_RNDN);
        mpfr_div_2ui(be, be, 1, MPFR_RNDN);
        mpfr_set(y00, al, MPFR_RNDN);
        mpfr_neg(y11, al, MPFR_RNDN);
        mpfr_set(y01, be, MPFR_RNDN);
        mpfr_set(y10, be, MPFR_RNDN);
      } else {
        mpfr_set_zero(y00, 1);
        mpfr_set_zero(y01, 1);
        mpfr_set_zero(y10, 1);
        mpfr_set_zero(y11, 1);
      }
    }
  }
  mpfr_clears(x00, x01, x10, x11, al, be, (mpfr_ptr)0);
  return FC_OK;
}

/* ------------------------------------------------------------------ gap */

/* r = 2 |sin((p theta_i + sgn p theta_j) / 2)| at r's precision. */
static void part_sin(mpfr_t r, mpfr_t w, mpfr_t pa, mpfr_t pb, long p,
                     double ti, double tj, int sgn)
{
  exact_angle(pa, p, ti);
  exact_angle(pb, p, tj);
  if (sgn > 0)
    mpfr_add(w, pa, pb, MPFR_RNDN);
  else
    mpfr_sub(w, pa, pb, MPFR_RNDN);
  mpfr_div_2ui(w, w, 1, MPFR_RNDN);
  mpfr_sin(r, w, MPFR_RNDN);
  mpfr_abs(r, r, MPFR_RNDN);
  mpfr_mul_2ui(r, r, 1, MPFR_RNDN);
}

int fc_mp_rope_gap(mpfr_t g, int *arg_i, int *arg_j, int *arg_sign,
                   const fc_schedule *s, const unsigned char *rel, long p)
{
  if (g == NULL || rel == NULL || !sched_ok(s))
    return FC_EINVAL;
  const size_t m = s->d / 2;
  const mpfr_prec_t prec = mpfr_get_prec(g);
  mpfr_t w, pa, pb, t;
  mpfr_init2(w, maxp(prec + 64, 2 * ANGLE_PREC));
  mpfr_inits2(ANGLE_PREC, pa, pb, (mpfr_ptr)0);
  mpfr_init2(t, prec);
  mpfr_set_inf(g, 1);
  int bi = -1, bj = -1, bs = 0;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i; j < m; j++)
      for (int sg = -1; sg <= 1; sg += 2) {
        const unsigned char need = sg < 0 ? FC_REL_SAME : FC_REL_ANTI;
        if (rel[i * m + j] & need)
          continue;
        part_sin(t, w, pa, pb, p, s->theta[i], s->theta[j], sg);
        if (mpfr_cmp(t, g) < 0) {
          mpfr_set(g, t, MPFR_RNDN);
          bi = (int)i;
          bj = (int)j;
          bs = sg;
        }
      }
  if (arg_i)
    *arg_i = bi;
  if (arg_j)
    *arg_j = bj;
  if (arg_sign)
    *arg_sign = bs;
  mpfr_clears(w, pa, pb, t, (mpfr_ptr)0);
  return FC_OK;
}

int fc_mp_rope_comm_sq(mpfr_t r, const fc_mpmat_t X, const fc_schedule *s,
                       long p)
{
  if (r == NULL || X == NULL || !sched_ok(s) || X->rows != s->d
      || X->cols != s->d)
    return FC_EINVAL;
  const size_t m = s->d / 2;
  const mpfr_prec_t prec = mpfr_get_prec(r) + 32;
  mpfr_t w, pa, pb, sm, sp, ab, cd, t;
  mpfr_init2(w, maxp(prec + 64, 2 * ANGLE_PREC));
  mpfr_inits2(ANGLE_PREC, pa, pb, (mpfr_ptr)0);
  mpfr_inits2(prec, sm, sp, ab, cd, t, (mpfr_ptr)0);
  mpfr_t acc;
  mpfr_init2(acc, prec);
  mpfr_set_zero(acc, 1);
  for (size_t i = 0; i < m; i++) {
    size_t ai, bi;
    fc_schedule_plane(&ai, &bi, s, i);
    for (size_t j = 0; j < m; j++) {
      size_t aj, bj;
      fc_schedule_plane(&aj, &bj, s, j);
      /* a^2 + b^2 = ((x00+x11)^2 + (x10-x01)^2)/4, c^2 + d^2 likewise */
      mpfr_add(t, FC_MPMAT(X, ai, aj), FC_MPMAT(X, bi, bj), MPFR_RNDN);
      mpfr_sqr(ab, t, MPFR_RNDN);
      mpfr_sub(t, FC_MPMAT(X, bi, aj), FC_MPMAT(X, ai, bj), MPFR_RNDN);
      mpfr_fma(ab, t, t, ab, MPFR_RNDN);
      mpfr_sub(t, FC_MPMAT(X, ai, aj), FC_MPMAT(X, bi, bj), MPFR_RNDN);
      mpfr_sqr(cd, t, MPFR_RNDN);
      mpfr_add(t, FC_MPMAT(X, ai, bj), FC_MPMAT(X, bi, aj), MPFR_RNDN);
      mpfr_fma(cd, t, t, cd, MPFR_RNDN);
      /* 8 sin^2 (a^2+b^2) = 2 sin^2 * 4(a^2+b^2) = (2 sin)^2/2 * ab */
      part_sin(sm, w, pa, pb, p, s->theta[j], s->theta[i], -1);
      part_sin(sp, w, pa, pb, p, s->theta[i], s->theta[j], +1);
      mpfr_sqr(sm, sm, MPFR_RNDN);
      mpfr_sqr(sp, sp, MPFR_RNDN);
      mpfr_mul(ab, ab, sm, MPFR_RNDN);
      mpfr_mul(cd, cd, sp, MPFR_RNDN);
      mpfr_add(acc, acc, ab, MPFR_RNDN);
      mpfr_add(acc, acc, cd, MPFR_RNDN);
    }
  }
  mpfr_div_2ui(r, acc, 1, MPFR_RNDN);
  mpfr_clears(w, pa, pb, sm, sp, ab, cd, t, acc, (mpfr_ptr)0);
  return FC_OK;
}

/* min over 1 <= p <= N of ||p b|| (b > 0): the largest convergent
 * denominator q <= N of b's continued fraction.  x has the working
 * precision; returns q, v = ||q b||. */
static long best_denominator(mpfr_t v, const mpfr_t b, long N)
{
  const mpfr_prec_t wp = mpfr_get_prec(b);
  mpfr_t x, fl;
  mpfr_inits2(wp, x, fl, (mpfr_ptr)0);
  long qprev = 0, q = 1; /* q_{-1} = 0, q_0 = 1 */
  mpfr_frac(x, b, MPFR_RNDN); /* b - floor(b) for b > 0 */
  for (int it = 0; it < 200 && !mpfr_zero_p(x); it++) {
    mpfr_ui_div(x, 1, x, MPFR_RNDN);
    mpfr_floor(fl, x);
    mpfr_sub(x, x, fl, MPFR_RNDN);
    if (mpfr_cmp_si(fl, N) > 0)
      break;
    const long a = mpfr_get_si(fl, MPFR_RNDN);
    if (a > 0 && q > (N - qprev) / a) /* a q + qprev > N */
      break;
    const long qn = a * q + qprev;
    qprev = q;
    q = qn;
  }
  /* v = |q b - round(q b)| */
  mpfr_mul_si(x, b, q, MPFR_RNDN);
  mpfr_rint(fl, x, MPFR_RNDN);
  mpfr_sub(v, x, fl, MPFR_RNDN);
  mpfr_abs(v, v, MPFR_RNDN);
  mpfr_clears(x, fl, (mpfr_ptr)0);
  return q;
}

int fc_mp_rope_gap_min(mpfr_t g, long *argp, int *arg_i, int *arg_j,
                       int *arg_sign, const fc_schedule *s,
                       const unsigned char *rel, long N)
{
  if (g == NULL || rel == NULL || !sched_ok(s) || N < 1)
    return FC_EINVAL;
  const size_t m = s->d / 2;
  const mpfr_prec_t wp = mpfr_get_prec(g) + 128;
  mpfr_t b, v, best, twopi, t;
  mpfr_inits2(wp, b, v, best, twopi, t, (mpfr_ptr)0);
  mpfr_const_pi(twopi, MPFR_RNDN);
  mpfr_mul_2ui(twopi, twopi, 1, MPFR_RNDN);
  mpfr_set_inf(best, 1);
  long bp = 0;
  int bi = -1, bj = -1, bs = 0;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i; j < m; j++)
      for (int sg = -1; sg <= 1; sg += 2) {
        const unsigned char need = sg < 0 ? FC_REL_SAME : FC_REL_ANTI;
        if (rel[i * m + j] & need)
          continue;
        /* b = |theta_i -/+ theta_j| / (2 pi) */
        mpfr_set_d(b, s->theta[i], MPFR_RNDN);
        mpfr_set_d(t, s->theta[j], MPFR_RNDN);
        if (sg < 0)
          mpfr_sub(b, b, t, MPFR_RNDN);
        else
          mpfr_add(b, b, t, MPFR_RNDN);
        mpfr_abs(b, b, MPFR_RNDN);
        if (mpfr_zero_p(b))
          continue; /* cannot happen for a part outside the commutant */
        mpfr_div(b, b, twopi, MPFR_RNDN);
        const long q = best_denominator(v, b, N);
        if (mpfr_cmp(v, best) < 0) {
          mpfr_set(best, v, MPFR_RNDN);
          bp = q;
          bi = (int)i;
          bj = (int)j;
          bs = sg;
        }
      }
  if (mpfr_inf_p(best)) {
    mpfr_set_inf(g, 1);
  } else { /* 2 sin(pi v) */
    mpfr_const_pi(t, MPFR_RNDN);
    mpfr_mul(t, t, best, MPFR_RNDN);
    mpfr_sin(t, t, MPFR_RNDN);
    mpfr_mul_2ui(g, t, 1, MPFR_RNDN);
  }
  if (argp)
    *argp = bp;
  if (arg_i)
    *arg_i = bi;
  if (arg_j)
    *arg_j = bj;
  if (arg_sign)
    *arg_sign = bs;
  mpfr_clears(b, v, best, twopi, t, (mpfr_ptr)0);
  return FC_OK;
}

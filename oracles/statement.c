/* statement.c -- the statement level, the oracle self-check and the
 * accuracy measure (oracle.h). */
#include <math.h>
#include "oracle.h"

/* Keep the worse (by ratio) of an existing statement measure and a new one.
 * NaN never wins over a number and never survives: a NaN ratio is stored as
 * +inf (a residual that cannot be evaluated is not a pass). */
static void fold_statement(fc_measure *m, double err, double bound,
                           double ratio)
{
  if (isnan(ratio))
    ratio = INFINITY;
  if (m->present && !(ratio > m->ratio))
    return;
  m->present = 1;
  m->err = err;
  m->bound = bound;
  m->ratio = ratio;
  m->ulps = 0.0;
}

/* ratio = a / b in MPFR (0 when both are 0, +inf when only b is 0), as a
 * double rounded up so that a ratio is never understated. */
static double mp_ratio(const mpfr_t a, const mpfr_t b, mpfr_prec_t prec)
{
  if (mpfr_zero_p(b))
    return mpfr_zero_p(a) ? 0.0 : INFINITY;
  mpfr_t q;
  mpfr_init2(q, prec);
  mpfr_div(q, a, b, MPFR_RNDU);
  const double r = mpfr_get_d(q, MPFR_RNDU);
  mpfr_clear(q);
  return r;
}

/* Statement level.  For a statement fn (residual r >= 0, scale S >= 0):
 *   evaluate at P and at P + 64;
 *   statement measure: err = r_P, bound = 2^(-P+s) S_P, ratio = r_P / bound
 *     (the ratio in MPFR, so it survives a P where 2^-P underflows a
 *     double), folded into res->level[FC_LEVEL_STATEMENT] keeping the worse
 *     ratio when the check evaluates several statements;
 *   self-check: oracle fault when
 *     |r_P - r_{P+64}| > 2^(-P+s) max(S_P, 2^-P).
 * Choice of the floor 2^-P: S_P = 0 means every magnitude the statement
 * involves is zero, so both evaluations must give an (essentially) exact
 * zero residual; the floor keeps that comparison meaningful (allowed
 * difference 2^(-2P+s)) without treating 0 as a licence for any difference.
 * An oracle fault sets res->oracle_fault and is not an error return: the
 * check goes on and the runner reports the fault apart from the verdict.
 * The self-check fields keep the worst (by ratio) pair seen.
 * Returns FC_OK; FC_EINVAL for NULL arguments, a precision below 53 bits
 * (doubles must be exact), above FC_PREC_MAX, or a slack outside
 * [0, P); FC_EINTERNAL for a NaN or negative residual or scale; any error fn
 * returns. */
int fc_oracle_statement(fc_check_result *res, fc_statement_fn fn, void *arg,
                        const fc_check_ctx *x)
{
  if (res == NULL || fn == NULL || x == NULL)
    return FC_EINVAL;
  const long P = x->prec, s = x->slack_bits;
  if (P < 53 || P > FC_PREC_MAX || s < 0 || s >= P)
    return FC_EINVAL;
  const mpfr_prec_t P2 = (mpfr_prec_t)P + 64;
  mpfr_t r1, S1, r2, S2, bnd, diff, sbnd;
  mpfr_inits2((mpfr_prec_t)P, r1, S1, bnd, sbnd, (mpfr_ptr)0);
  mpfr_inits2(P2, r2, S2, diff, (mpfr_ptr)0);
  mpfr_set_zero(r1, 1);
  mpfr_set_zero(S1, 1);
  mpfr_set_zero(r2, 1);
  mpfr_set_zero(S2, 1);
  int rc = fn(r1, S1, arg, (mpfr_prec_t)P);
  if (rc == FC_OK)
    rc = fn(r2, S2, arg, P2);
  if (rc == FC_OK
      && (mpfr_nan_p(r1) || mpfr_nan_p(S1) || mpfr_nan_p(r2) || mpfr_nan_p(S2)
          || mpfr_sgn(r1) < 0 || mpfr_sgn(S1) < 0 || mpfr_sgn(r2) < 0
          || mpfr_sgn(S2) < 0))
    rc = FC_EINTERNAL;
  if (rc == FC_OK) {
    /* Statement measure. */
    mpfr_mul_2si(bnd, S1, s - P, MPFR_RNDN); /* exact */
    const double ratio = mp_ratio(r1, bnd, 64);
    fold_statement(&res->level[FC_LEVEL_STATEMENT],
                   mpfr_get_d(r1, MPFR_RNDU), mpfr_get_d(bnd, MPFR_RNDN),
                   ratio);
    /* Self-check. */
    mpfr_sub(diff, r1, r2, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDN);
    mpfr_set_ui_2exp(sbnd, 1, -P, MPFR_RNDN); /* 2^-P */
    if (mpfr_cmp(S1, sbnd) > 0)
      mpfr_set(sbnd, S1, MPFR_RNDN);
    mpfr_mul_2si(sbnd, sbnd, s - P, MPFR_RNDN); /* exact */
    const double sratio = mp_ratio(diff, sbnd, 64);
    const double old =
        res->selfcheck_bound > 0 ? res->selfcheck_err / res->selfcheck_bound
        : (res->selfcheck_err > 0 ? INFINITY : 0.0);
    if (sratio > old || (res->selfcheck_err == 0 && res->selfcheck_bound == 0)) {
      res->selfcheck_err = mpfr_get_d(diff, MPFR_RNDU);
      res->selfcheck_bound = mpfr_get_d(sbnd, MPFR_RNDN);
    }
    if (mpfr_cmp(diff, sbnd) > 0)
      res->oracle_fault = 1;
  }
  mpfr_clears(r1, S1, bnd, sbnd, r2, S2, diff, (mpfr_ptr)0);
  return rc;
}

/* Accuracy: err = |d - exact| (rounded up to a double), ulps = err /
 * ulp(exact), where ulp(x) is the spacing of binary64 at x:
 * 2^(max(e - 53, -1074)) for |x| in [2^(e-1), 2^e), and the smallest
 * subnormal 2^-1074 for x = 0.  A non-finite d (or a NaN exact) is an
 * infinite error.  Folded into res->level[FC_LEVEL_ACCURACY] with
 * fc_measure_fold (the worse ratio err / bound is kept). */
void fc_oracle_accuracy(fc_check_result *res, double d, const mpfr_t exact,
                        double bound)
{
  if (res == NULL || exact == NULL)
    return;
  double err, ulps;
  if (!isfinite(d) || mpfr_nan_p(exact)) {
    err = INFINITY;
    ulps = INFINITY;
  } else {
    mpfr_t diff, q;
    mpfr_init2(diff, mpfr_get_prec(exact) + 64);
    mpfr_init2(q, 64);
    mpfr_sub_d(diff, exact, d, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDN);
    err = mpfr_get_d(diff, MPFR_RNDU);
    long e2 = -1074;
    if (!mpfr_zero_p(exact) && !mpfr_inf_p(exact)) {
      const mpfr_exp_t e = mpfr_get_exp(exact);
      e2 = e - 53 < -1074 ? -1074 : (e - 53 > 971 ? 971 : (long)(e - 53));
    }
    mpfr_div_2si(q, diff, e2, MPFR_RNDU);
    ulps = mpfr_get_d(q, MPFR_RNDU);
    mpfr_clear(diff);
    mpfr_clear(q);
  }
  fc_measure_fold(&res->level[FC_LEVEL_ACCURACY], err, bound, ulps);
}

/* statement.c -- the statement level, the oracle self-check and the
 * accuracy measure (oracle.h). */
#include <math.h>
#include <time.h>
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

static double seconds_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* fn at prec into (r, S), timed into res->oracle_seconds; FC_EINTERNAL for
 * a NaN or negative residual or scale. */
static int eval_timed(fc_check_result *res, fc_statement_fn fn, void *arg,
                      mpfr_t r, mpfr_t S, mpfr_prec_t prec)
{
  mpfr_set_zero(r, 1);
  mpfr_set_zero(S, 1);
  const double t0 = seconds_now();
  int rc = fn(r, S, arg, prec);
  res->oracle_seconds += seconds_now() - t0;
  if (rc == FC_OK && (mpfr_nan_p(r) || mpfr_nan_p(S) || mpfr_sgn(r) < 0 ||
                      mpfr_sgn(S) < 0))
    rc = FC_EINTERNAL;
  return rc;
}

static int args_ok(const fc_check_result *res, fc_statement_fn fn,
                   const fc_check_ctx *x)
{
  return res != NULL && fn != NULL && x != NULL && x->prec >= 53 &&
         x->prec <= FC_PREC_MAX && x->slack_bits >= 0 &&
         x->slack_bits < x->prec;
}

/* Statement level at P.  For a statement fn (residual r >= 0, scale S >=
 * 0): statement measure err = r_P, bound = 2^(-P+s) S_P, ratio = r_P /
 * bound (the ratio in MPFR, so it survives a P where 2^-P underflows a
 * double), folded into res->level[FC_LEVEL_STATEMENT] keeping the worse
 * ratio when the check evaluates several statements.  ev->outside is set
 * when r_P > 2^-P S_P: the residual leaves the sum of the oracle's balls
 * (for a ball-certified statement, see oracle.h). */
int fc_oracle_statement_begin(fc_stmt_eval *ev, fc_check_result *res,
                              fc_statement_fn fn, void *arg,
                              const fc_check_ctx *x)
{
  if (ev == NULL)
    return FC_EINVAL;
  ev->outside = 0;
  ev->init = 0;
  if (!args_ok(res, fn, x))
    return FC_EINVAL;
  const long P = x->prec, s = x->slack_bits;
  mpfr_inits2((mpfr_prec_t)P, ev->r, ev->S, (mpfr_ptr)0);
  ev->init = 1;
  int rc = eval_timed(res, fn, arg, ev->r, ev->S, (mpfr_prec_t)P);
  if (rc != FC_OK)
    return rc;
  mpfr_t bnd;
  mpfr_init2(bnd, (mpfr_prec_t)P);
  mpfr_mul_2si(bnd, ev->S, s - P, MPFR_RNDN); /* exact */
  const double ratio = mp_ratio(ev->r, bnd, 64);
  fold_statement(&res->level[FC_LEVEL_STATEMENT],
                 mpfr_get_d(ev->r, MPFR_RNDU), mpfr_get_d(bnd, MPFR_RNDN),
                 ratio);
  mpfr_mul_2si(bnd, ev->S, -P, MPFR_RNDN); /* exact: the balls' sum */
  ev->outside = mpfr_cmp(ev->r, bnd) > 0;
  mpfr_clear(bnd);
  return FC_OK;
}

/* Self-check: evaluate at P + 64 and compare with the P-bit residual of
 * ev; oracle fault when |r_P - r_{P+64}| > 2^(-P+s) max(S_P, 2^-P).
 * Choice of the floor 2^-P: S_P = 0 means every magnitude the statement
 * involves is zero, so both evaluations must give an (essentially) exact
 * zero residual; the floor keeps that comparison meaningful (allowed
 * difference 2^(-2P+s)) without treating 0 as a licence for any difference.
 * An oracle fault sets res->oracle_fault and is not an error return: the
 * check goes on and the runner reports the fault apart from the verdict.
 * The self-check fields keep the worst (by ratio) pair seen. */
int fc_oracle_statement_recheck(fc_stmt_eval *ev, fc_check_result *res,
                                fc_statement_fn fn, void *arg,
                                const fc_check_ctx *x)
{
  if (ev == NULL || !ev->init || !args_ok(res, fn, x))
    return FC_EINVAL;
  const long P = x->prec, s = x->slack_bits;
  const mpfr_prec_t P2 = (mpfr_prec_t)P + 64;
  mpfr_t r2, S2, diff, sbnd;
  mpfr_inits2(P2, r2, S2, diff, (mpfr_ptr)0);
  mpfr_init2(sbnd, (mpfr_prec_t)P);
  res->recomputed = 1;
  int rc = eval_timed(res, fn, arg, r2, S2, P2);
  if (rc == FC_OK) {
    mpfr_sub(diff, ev->r, r2, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDN);
    mpfr_set_ui_2exp(sbnd, 1, -P, MPFR_RNDN); /* 2^-P */
    if (mpfr_cmp(ev->S, sbnd) > 0)
      mpfr_set(sbnd, ev->S, MPFR_RNDN);
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
  mpfr_clears(r2, S2, diff, sbnd, (mpfr_ptr)0);
  return rc;
}

void fc_oracle_statement_end(fc_stmt_eval *ev)
{
  if (ev != NULL && ev->init)
    mpfr_clears(ev->r, ev->S, (mpfr_ptr)0);
  if (ev != NULL)
    ev->init = 0;
}

/* Both evaluations, always (statements without certified balls).
 * Returns FC_OK; FC_EINVAL for NULL arguments, a precision below 53 bits
 * (doubles must be exact), above FC_PREC_MAX, or a slack outside [0, P);
 * FC_EINTERNAL for a NaN or negative residual or scale; any error fn
 * returns. */
int fc_oracle_statement(fc_check_result *res, fc_statement_fn fn, void *arg,
                        const fc_check_ctx *x)
{
  fc_stmt_eval ev;
  int rc = fc_oracle_statement_begin(&ev, res, fn, arg, x);
  if (rc == FC_OK)
    rc = fc_oracle_statement_recheck(&ev, res, fn, arg, x);
  fc_oracle_statement_end(&ev);
  return rc;
}

/* Ball-certified statements (oracle.h): the P + 64 recomputation runs when
 * the P-bit residual leaves the balls or the caller's verdict failed. */
int fc_oracle_statement_ball(fc_check_result *res, fc_statement_fn fn,
                             void *arg, const fc_check_ctx *x,
                             int (*failed)(void *arg))
{
  fc_stmt_eval ev;
  int rc = fc_oracle_statement_begin(&ev, res, fn, arg, x);
  if (rc == FC_OK && (ev.outside || (failed != NULL && failed(arg))))
    rc = fc_oracle_statement_recheck(&ev, res, fn, arg, x);
  fc_oracle_statement_end(&ev);
  return rc;
}

/* Accuracy: err = |d - exact| (rounded up to a double), ulps = err /
 * ulp(exact), where ulp(x) is the spacing at x of the format the check
 * counts in (res->outputs: the kernel's declared storage format, binary64
 * by default): 2^(max(e - p, emin - p + 1)) for |x| in [2^(e-1), 2^e),
 * e - p at most emax + 1 - p (a value beyond the format's range counts in
 * its top binade's ulps), the smallest subnormal for x = 0.  A non-finite
 * d (or a NaN exact) is an infinite error.  Folded into
 * res->level[FC_LEVEL_ACCURACY] with fc_measure_fold (the worse ratio err /
 * bound is kept) and recorded, with the values, in the check's current
 * output (fc_check_record). */
void fc_oracle_accuracy(fc_check_result *res, double d, const mpfr_t exact,
                        double bound)
{
  if (res == NULL || exact == NULL)
    return;
  double err, ulps;
  const long p = res->outputs.fmt_bits > 0 ? res->outputs.fmt_bits : 53;
  const long emax = res->outputs.fmt_bits > 0 ? res->outputs.fmt_emax : 1023;
  const long lo = 2 - emax - p, hi = emax + 1 - p; /* -1074, 971 for fp64 */
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
    long e2 = lo;
    if (!mpfr_zero_p(exact) && !mpfr_inf_p(exact)) {
      const mpfr_exp_t e = mpfr_get_exp(exact);
      e2 = e - p < lo ? lo : (e - p > hi ? hi : (long)(e - p));
    }
    mpfr_div_2si(q, diff, e2, MPFR_RNDU);
    ulps = mpfr_get_d(q, MPFR_RNDU);
    mpfr_clear(diff);
    mpfr_clear(q);
  }
  fc_measure_fold(&res->level[FC_LEVEL_ACCURACY], err, bound, ulps);
  fc_check_record(res, FC_LEVEL_ACCURACY, d, mpfr_get_d(exact, MPFR_RNDN),
                  err, bound, ulps);
}

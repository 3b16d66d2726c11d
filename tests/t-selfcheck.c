/* t-selfcheck.c -- the oracle self-check of ball-certified statements
 * (oracles/oracle.h, fc_oracle_statement_ball; issue 11).
 *
 * A ball-certified statement is evaluated at P; the P + 64 recomputation
 * runs only when the residual leaves the oracle's balls or a kernel output
 * failed against the oracle.  This test shows that:
 *  - a sound statement whose residual lies in its balls is not recomputed
 *    and passes;
 *  - a genuine violation (precision-independent) is recomputed, is no
 *    oracle fault, and fails the statement;
 *  - a deliberately broken oracle is caught as an oracle fault: a
 *    synthetic one whose residual depends on the precision, and the real
 *    MPFR attention oracle with one step kept at half precision while its
 *    balls claim full precision;
 *  - the fold properties' passing cases are never recomputed, and the
 *    detected case of a negative control always is (no fault). */
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "attention.h"
#include "oracle.h"

/* ------------------------------------------------ synthetic statements */

/* r = |fl(fl(sqrt 2)^2) - 2|: sqrt 2 errs by <= 2^-P sqrt 2 (half an ulp
 * of a value in [1, 2)), its square by <= 2 sqrt 2 of that plus a rounding
 * of 2^-P 2: |r| <= 2^-P 8 = 2^-P S. */
static int st_sqrt2(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  (void)arg;
  mpfr_t t;
  mpfr_init2(t, prec);
  mpfr_sqrt_ui(t, 2, MPFR_RNDN);
  mpfr_sqr(t, t, MPFR_RNDN);
  mpfr_sub_ui(r, t, 2, MPFR_RNDN);
  mpfr_abs(r, r, MPFR_RNDN);
  mpfr_set_ui(S, 8, MPFR_RNDN);
  mpfr_clear(t);
  return FC_OK;
}

/* A broken oracle: r = 2^-(prec/2), far outside a ball of 2^-P. */
static int st_half_precision(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  (void)arg;
  mpfr_set_ui_2exp(r, 1, -(long)(prec / 2), MPFR_RNDN);
  mpfr_set_ui(S, 1, MPFR_RNDN);
  return FC_OK;
}

/* A genuine violation: r = fl(1/3), the same at every precision. */
static int st_violation(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  (void)arg;
  (void)prec;
  mpfr_set_ui(r, 1, MPFR_RNDN);
  mpfr_div_ui(r, r, 3, MPFR_RNDN);
  mpfr_set_ui(S, 1, MPFR_RNDN);
  return FC_OK;
}

static int yes(void *arg)
{
  (void)arg;
  return 1;
}

static void test_synthetic(void)
{
  const fc_check_ctx x = {256, 8, fc_kernels_reference()};
  fc_check_result r;

  memset(&r, 0, sizeof r);
  int rc = fc_oracle_statement_ball(&r, st_sqrt2, NULL, &x, NULL);
  fct_ok(rc == FC_OK && !r.recomputed && !r.oracle_fault &&
             r.level[FC_LEVEL_STATEMENT].err > 0 &&
             r.level[FC_LEVEL_STATEMENT].ratio <= 0x1p-8,
         "ball: a residual inside its balls passes (ratio %.3g <= 2^-s) "
         "without the P + 64 recomputation",
         r.level[FC_LEVEL_STATEMENT].ratio);
  fct_ok(r.oracle_seconds > 0, "ball: the evaluation time is recorded");

  memset(&r, 0, sizeof r);
  rc = fc_oracle_statement_ball(&r, st_sqrt2, NULL, &x, yes);
  fct_ok(rc == FC_OK && r.recomputed && !r.oracle_fault,
         "ball: a failure elsewhere (the callback) forces the recomputation,"
         " which agrees");

  memset(&r, 0, sizeof r);
  rc = fc_oracle_statement_ball(&r, st_violation, NULL, &x, NULL);
  fct_ok(rc == FC_OK && r.recomputed && !r.oracle_fault &&
             r.level[FC_LEVEL_STATEMENT].ratio > 0x1p200,
         "ball: a genuine violation is recomputed, is no oracle fault, and "
         "fails the statement (ratio %.3g)",
         r.level[FC_LEVEL_STATEMENT].ratio);

  memset(&r, 0, sizeof r);
  rc = fc_oracle_statement_ball(&r, st_half_precision, NULL, &x, NULL);
  fct_ok(rc == FC_OK && r.recomputed && r.oracle_fault == 1,
         "ball: a precision-dependent (broken) oracle is an oracle fault "
         "(|r_P - r_P+64| = %.3g > %.3g)",
         r.selfcheck_err, r.selfcheck_bound);

  fc_stmt_eval ev;
  const fc_check_ctx bad = {40, 8, NULL};
  fct_ok(fc_oracle_statement_begin(&ev, &r, st_sqrt2, NULL, &bad) ==
             FC_EINVAL,
         "ball: precision below 53 bits refused");
  fc_oracle_statement_end(&ev);
  fct_ok(fc_oracle_statement_ball(NULL, st_sqrt2, NULL, &x, NULL) ==
             FC_EINVAL,
         "ball: NULL result refused");
}

/* ------------------------------------- the attention oracle, broken on purpose */

/* The folding theorem on one single-head RoPE attention block, in the
 * oracle alone: block 2 has Wq, Wk, Wv -> R W and Wo -> Wo R^T with R a
 * phase rotation of every RoPE plane (it commutes with Theta(p)), the fold
 * formed in MPFR with its balls; the outputs agree within the balls.
 * broken = 1: after the forward pass, block 2's outputs are rounded to
 * P/2 bits while their balls still claim P bits -- an oracle step kept at
 * too low a precision; broken = 2: both blocks' output balls claim exact
 * values -- an error rule lost. */
enum { ST = 6, SD = 8, SDM = 8 };

typedef struct attn_case {
  double x[ST * SDM], w[4][SD * SDM], theta[SD / 2], turns[SD / 2];
  long pos[ST], gi[SD / 2], gj[SD / 2];
  int broken;
} attn_case;

static void attn_case_fill(attn_case *c, fc_rng *g)
{
  const fc_schedule s = {SD, SD, FC_LAYOUT_HALF, c->theta};
  for (size_t i = 0; i < SD / 2; i++) {
    c->theta[i] = pow(1e4, -2.0 * (double)i / SD);
    size_t a, b;
    fc_schedule_plane(&a, &b, &s, i);
    c->gi[i] = (long)a;
    c->gj[i] = (long)b;
    c->turns[i] = fc_rng_unit(g) - 0.5;
  }
  for (size_t t = 0; t < ST; t++)
    c->pos[t] = (long)fc_rng_below(g, 1u << 20);
  for (size_t i = 0; i < ST * SDM; i++)
    c->x[i] = 2 * fc_rng_unit(g) - 1;
  for (int k = 0; k < 4; k++)
    for (size_t i = 0; i < SD * SDM; i++)
      c->w[k][i] = 2 * fc_rng_unit(g) - 1;
}

/* Forward pass of the original (fold = 0) or folded block at prec. */
static int attn_block(fc_mp_attn *a, const attn_case *c, int fold,
                      mpfr_prec_t prec)
{
  const fc_mp_attn_dims g = {ST, SDM, SD, 1, 1, SDM};
  const fc_schedule s = {SD, SD, FC_LAYOUT_HALF, c->theta};
  const fc_givens gv = {SD, SD / 2, c->gi, c->gj, c->turns, 0};
  fc_mp_emat W[4], F[4], R;
  memset(W, 0, sizeof W);
  memset(F, 0, sizeof F);
  memset(&R, 0, sizeof R);
  int rc = fc_mp_emat_init(&R, SD, SD, prec);
  for (int k = 0; k < 4 && rc == FC_OK; k++) {
    const size_t rows = k < 3 ? SD : SDM, cols = k < 3 ? SDM : SD;
    rc = fc_mp_emat_init(&W[k], rows, cols, prec);
    if (rc == FC_OK)
      rc = fc_mp_emat_init(&F[k], rows, cols, prec);
    if (rc == FC_OK)
      fc_mp_emat_set_d(&W[k], c->w[k]);
  }
  if (rc == FC_OK)
    rc = fc_mp_emat_givens(&R, &gv);
  for (int k = 0; k < 4 && rc == FC_OK; k++)
    rc = !fold ? fc_mp_emat_copy(&F[k], &W[k])
         : k < 3 ? fc_mp_emat_mul(&F[k], &R, 0, &W[k], 0)
                 : fc_mp_emat_mul(&F[k], &W[k], 0, &R, 1);
  if (rc == FC_OK)
    rc = fc_mp_attn_init(a, &g, prec);
  if (rc == FC_OK) {
    fc_mp_attn_in in;
    memset(&in, 0, sizeof in);
    in.g = g;
    in.x = c->x;
    in.pos = c->pos;
    in.sched = &s;
    in.causal = 1;
    in.wq = &F[0];
    in.wk = &F[1];
    in.wv = &F[2];
    in.wo = &F[3];
    rc = fc_mp_attn_forward(a, &in);
  }
  for (int k = 0; k < 4; k++) {
    fc_mp_emat_clear(&W[k]);
    fc_mp_emat_clear(&F[k]);
  }
  fc_mp_emat_clear(&R);
  return rc;
}

static int st_attention(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  const attn_case *c = arg;
  fc_mp_attn a1, a2;
  memset(&a1, 0, sizeof a1);
  memset(&a2, 0, sizeof a2);
  int rc = attn_block(&a1, c, 0, prec);
  if (rc == FC_OK)
    rc = attn_block(&a2, c, 1, prec);
  if (rc == FC_OK && c->broken == 2) /* balls claimed exact: a rule lost */
    for (size_t i = 0; i < (size_t)ST * SDM; i++)
      a1.out.e[i] = a2.out.e[i] = 0.0;
  if (rc == FC_OK && c->broken == 1) {
    mpfr_t half;
    mpfr_init2(half, prec / 2);
    for (size_t i = 0; i < (size_t)ST * SDM; i++) {
      mpfr_set(half, a2.out.m->e[i], MPFR_RNDN);
      mpfr_set(a2.out.m->e[i], half, MPFR_RNDN);
    }
    mpfr_clear(half);
  }
  if (rc == FC_OK)
    rc = fc_mp_emat_residual(r, S, &a2.out, &a1.out, 0);
  fc_mp_attn_clear(&a1);
  fc_mp_attn_clear(&a2);
  return rc;
}

static void test_attention_oracle(void)
{
  const fc_check_ctx x = {256, 8, fc_kernels_reference()};
  fc_rng g;
  fc_rng_seed(&g, fct_seed());
  attn_case *c = malloc(sizeof *c);
  if (!fct_ok(c != NULL, "attention case allocated"))
    return;
  const long n = 8 * fct_multiplier();
  long inside = 0, caught = 0, caught_rule = 0, nonzero = 0;
  double worst = 0;
  for (long i = 0; i < n; i++) {
    attn_case_fill(c, &g);
    fc_check_result r;
    c->broken = 0;
    memset(&r, 0, sizeof r);
    int rc = fc_oracle_statement_ball(&r, st_attention, c, &x, NULL);
    inside += rc == FC_OK && !r.recomputed && !r.oracle_fault &&
              r.level[FC_LEVEL_STATEMENT].ratio <= 0x1p-8;
    nonzero += r.level[FC_LEVEL_STATEMENT].err > 0;
    worst = fmax(worst, r.level[FC_LEVEL_STATEMENT].ratio);
    c->broken = 1;
    memset(&r, 0, sizeof r);
    rc = fc_oracle_statement_ball(&r, st_attention, c, &x, NULL);
    caught += rc == FC_OK && r.recomputed && r.oracle_fault;
    c->broken = 2;
    memset(&r, 0, sizeof r);
    rc = fc_oracle_statement_ball(&r, st_attention, c, &x, NULL);
    caught_rule += rc == FC_OK && r.recomputed && r.oracle_fault;
  }
  fct_ok(inside == n,
         "attention oracle: %ld of %ld folded blocks agree with the original "
         "within their balls, no recomputation (%ld nonzero residuals)",
         inside, n, nonzero);
  fct_ok(nonzero == n, "attention oracle: every residual is a real "
         "rounding difference (worst ratio %.3g)", worst);
  fct_ok(caught == n,
         "attention oracle kept at P/2 bits in one step: %ld of %ld cases "
         "recomputed and reported as oracle faults", caught, n);
  fct_ok(caught_rule == n,
         "attention oracle whose balls claim exact outputs (an error rule "
         "lost): %ld of %ld cases recomputed and reported as oracle faults",
         caught_rule, n);
  free(c);
}

/* ------------------------------------------ the fold properties' cases */

static void test_fold_runs(void)
{
  fc_run_config cfg;
  fct_config(&cfg);
  fc_prop_result r;
  /* A passing property: its cases are certified by the balls. */
  int rc = fct_run_prop(&r, "fold.folded_qkvo", NULL, &cfg);
  fct_ok(rc == FC_OK && r.status == FC_STATUS_PASS && r.cases > 0 &&
             r.oracle_faults == 0 && r.recomputed == 0,
         "fold.folded_qkvo: %ld cases pass, %ld recomputed at P + 64",
         r.cases, r.recomputed);
  fc_prop_result_clear(&r);
  /* A negative control: its detection rests on a recomputed oracle. */
  rc = fct_run_prop(&r, "fold.neg.noncommuting", NULL, &cfg);
  fct_ok(rc == FC_OK && r.status == FC_STATUS_PASS && r.cex != NULL &&
             r.cex->check.recomputed && !r.cex->check.oracle_fault,
         "fold.neg.noncommuting: the detected (shrunk) case was recomputed "
         "at P + 64 and agrees");
  fc_prop_result_clear(&r);
}

int main(void)
{
  fct_start("t-selfcheck");
  test_synthetic();
  test_attention_oracle();
  test_fold_runs();
  mpfr_free_cache();
  return fct_end();
}

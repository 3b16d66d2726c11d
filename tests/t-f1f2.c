/* t-f1f2.c -- the MPFR oracle core, the 2x2 kernels, F1 and F2.
 *
 * Proves: oracle primitives against hand values; every F1/F2 holds-property
 * passes on the reference kernels; every negative control is detected,
 * shrunk to simple values and replays from its token; every lin mutant is
 * caught by its target property and shrunk.  The harness bounds of the lin
 * kernels (src/bounds/lin.c): rot is within its bound at the edge angles;
 * over many generated cases the reference stays within every bound, which
 * is not vacuous (worst accuracy ratio >= 1/16), and a kernel 16 ulps
 * sloppier than the reference in its angle is caught; the rot bound at
 * fp32 holds for a float32 Rot, which the fp64 bound rejects (issue 16
 * item 3). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpfr.h>
#include "fctest.h"
#include "oracle.h"
#include "kernels/lin.h"
#include "bounds/bounds.h"
#include "props.h" /* fc_splitmix */

/* ------------------------------------------------------------- helpers */

/* A "simple" value: 0, or at most 8 significant bits (integers up to 255,
 * short dyadics m / 2^e), the kind of value a shrunk case should hold. */
static int simple_value(double x)
{
  if (x == 0)
    return 1;
  if (!isfinite(x))
    return 0;
  int e;
  const double m = frexp(fabs(x), &e) * 256.0; /* in [128, 256) */
  return m == floor(m);
}

static int case_is_simple(const fc_case *c)
{
  for (size_t i = 0; i < fc_case_nfields(c); i++) {
    if (fc_case_field_type(c, i) != FC_FIELD_REAL)
      continue;
    size_t r, k;
    fc_case_field_shape(c, i, &r, &k);
    const double *v = fc_case_field_reals(c, i);
    for (size_t j = 0; j < r * k; j++)
      if (!simple_value(v[j]))
        return 0;
  }
  return 1;
}

static void print_case(const fc_case *c)
{
  printf("# case:\n");
  fc_case_print(stdout, c, "#   ");
}

/* ------------------------------------------------------ oracle: mpmat */

static int mat_equals(const fc_mpmat_t m, const double *v)
{
  for (size_t k = 0; k < m->rows * m->cols; k++)
    if (mpfr_cmp_d(m->e[k], v[k]) != 0)
      return 0;
  return 1;
}

static void test_mpmat(void)
{
  fc_mpmat_t A, B, C, S, D;
  const mpfr_prec_t p = 64;
  int rc = fc_mpmat_init(A, 2, 2, p);
  rc |= fc_mpmat_init(B, 2, 2, p);
  rc |= fc_mpmat_init(C, 2, 2, p);
  rc |= fc_mpmat_init(S, 2, 2, p);
  rc |= fc_mpmat_init(D, 2, 3, p);
  fct_ok(rc == FC_OK, "mpmat: init");
  const double a[4] = {1, -2, 3, 4}, b[4] = {5, 6, 7, 8};
  fc_mpmat_set_d(A, a);
  fc_mpmat_set_d(B, b);
  rc = fc_mpmat_mul(C, S, A, B);
  const double c_hand[4] = {-9, -10, 43, 50}, s_hand[4] = {19, 22, 43, 50};
  fct_ok(rc == FC_OK && mat_equals(C, c_hand) && mat_equals(S, s_hand),
         "mpmat_mul: [[1,-2],[3,4]] [[5,6],[7,8]] = [[-9,-10],[43,50]], "
         "|A||B| = [[19,22],[43,50]]");
  fct_ok(fc_mpmat_mul(A, NULL, A, B) == FC_EINVAL,
         "mpmat_mul: C aliasing A is refused");
  fct_ok(fc_mpmat_mul(C, NULL, D, B) == FC_EINVAL,
         "mpmat_mul: shape mismatch is refused");
  fct_ok(fc_mpmat_mul(C, D, A, B) == FC_EINVAL,
         "mpmat_mul: S of the wrong shape is refused");
  /* Correct rounding: 1 * 1 + 2^-70 * 1 at 64 bits rounds to 1 (ties away
   * impossible: 2^-70 is below half an ulp, 2^-64). */
  const double a2[4] = {1, 0x1p-70, 0, 0}, b2[4] = {1, 0, 1, 0};
  fc_mpmat_set_d(A, a2);
  fc_mpmat_set_d(B, b2);
  rc = fc_mpmat_mul(C, NULL, A, B);
  fct_ok(rc == FC_OK && mpfr_cmp_ui(FC_MPMAT(C, 0, 0), 1) == 0,
         "mpmat_mul: 1 + 2^-70 rounds to 1 at 64 bits (correct rounding)");
  /* Transpose, add, sub, frob, maxabs. */
  const double t3[4] = {3, 4, 0, 0};
  fc_mpmat_set_d(A, t3);
  mpfr_t r;
  mpfr_init2(r, p);
  fc_mpmat_frob(r, A);
  fct_ok(mpfr_cmp_ui(r, 5) == 0, "mpmat_frob: ||(3, 4)|| = 5 exactly");
  fc_mpmat_transpose(B, A);
  const double t3t[4] = {3, 0, 4, 0};
  fct_ok(mat_equals(B, t3t), "mpmat_transpose");
  fc_mpmat_sub(C, A, A);
  fc_mpmat_maxabs(r, C);
  fct_ok(mpfr_zero_p(r), "mpmat_sub: A - A = 0");
  fc_mpmat_set_identity(C);
  const double id[4] = {1, 0, 0, 1};
  fct_ok(mat_equals(C, id), "mpmat_set_identity");
  mpfr_clear(r);
  fc_mpmat_clear(A);
  fc_mpmat_clear(B);
  fc_mpmat_clear(C);
  fc_mpmat_clear(S);
  fc_mpmat_clear(D);
  fc_mpmat_t Z;
  fct_ok(fc_mpmat_init(Z, 2, 2, 0) == FC_EINVAL && Z->e == NULL,
         "mpmat_init: precision 0 refused, matrix left cleared");
  fc_mpmat_clear(Z);
  fct_ok(fc_mpmat_init(Z, (size_t)1 << 40, (size_t)1 << 40, 53) == FC_EINVAL,
         "mpmat_init: oversized matrix refused");
  fc_mpmat_clear(Z);
}

/* -------------------------------------------------- oracle: sin/cos */

static void test_sincos(void)
{
  const mpfr_prec_t p = 256;
  mpfr_t s, c, x, ref;
  mpfr_inits2(p, s, c, x, (mpfr_ptr)0);
  mpfr_init2(ref, 2 * p);
  struct {
    double t;
    int s, c; /* exact values in {-1, 0, 1}, or 2 for "not exact" */
  } exact[] = {{0.5, 0, -1},  {-0.5, 0, -1}, {0.25, 1, 0},  {-0.25, -1, 0},
               {0.75, -1, 0}, {0, 0, 1},     {1.0, 0, 1},   {-1.5, 0, -1}};
  for (size_t k = 0; k < sizeof exact / sizeof exact[0]; k++) {
    fc_mp_sincos_turns(s, c, exact[k].t);
    fct_ok(mpfr_cmp_si(s, exact[k].s) == 0 && mpfr_cmp_si(c, exact[k].c) == 0
               && !(mpfr_zero_p(s) && mpfr_signbit(s))
               && !(mpfr_zero_p(c) && mpfr_signbit(c)),
           "sincos_turns(%g): sin = %d, cos = %d exactly (zeros are +0)",
           exact[k].t, exact[k].s, exact[k].c);
  }
  /* t = 1/8, 3/8: sqrt(2)/2 correctly rounded, signs from the octant. */
  mpfr_sqrt_ui(x, 2, MPFR_RNDN);
  mpfr_div_2ui(x, x, 1, MPFR_RNDN);
  fc_mp_sincos_turns(s, c, 0.125);
  int ok = mpfr_equal_p(s, x) && mpfr_equal_p(c, x);
  fc_mp_sincos_turns(s, c, 0.375);
  mpfr_neg(x, x, MPFR_RNDN);
  ok &= mpfr_cmpabs(s, x) == 0 && mpfr_sgn(s) > 0 && mpfr_equal_p(c, x);
  fct_ok(ok, "sincos_turns(1/8), (3/8): +-sqrt(2)/2 correctly rounded");
  /* General t against sin(2 pi t) at 2P bits: the documented relative
   * error is below 2^-(P+29) plus the final rounding (2^-P), so 2^-(P-1)
   * relative is a bound with margin. */
  double worst = 0;
  ok = 1;
  const double ts[] = {0.1, -0.3, 0.49999999999999994, 1e-300, 0x1p-1074,
                       0.123456789, -0.376, 0.2500000000000001, 0.6};
  for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
    fc_mp_sincos_turns(s, c, ts[k]);
    for (int f = 0; f < 2; f++) {
      mpfr_const_pi(ref, MPFR_RNDN);
      mpfr_mul_d(ref, ref, ts[k], MPFR_RNDN);
      mpfr_mul_2ui(ref, ref, 1, MPFR_RNDN);
      if (f == 0)
        mpfr_sin(ref, ref, MPFR_RNDN);
      else
        mpfr_cos(ref, ref, MPFR_RNDN);
      mpfr_sub(x, f == 0 ? s : c, ref, MPFR_RNDN);
      mpfr_div(x, x, ref, MPFR_RNDN);
      mpfr_abs(x, x, MPFR_RNDN);
      mpfr_mul_2si(x, x, p - 1, MPFR_RNDN); /* in units of 2^-(P-1) */
      const double rel = mpfr_get_d(x, MPFR_RNDU);
      worst = rel > worst ? rel : worst;
      ok &= rel <= 1.0;
    }
  }
  fct_ok(ok, "sincos_turns: general t within 2^-(P-1) relative of sin/cos "
             "at 2P bits (worst %.3g of the bound)", worst);
  mpfr_clears(s, c, x, ref, (mpfr_ptr)0);
}

/* -------------------------------------------------- oracle: Givens */

static void test_givens(void)
{
  /* Convention: Q = G_k ... G_1, G(i, j, w) with Q[i][i] = cos, Q[i][j] =
   * -sin, Q[j][i] = sin, Q[j][j] = cos; reflect negates column 0.
   * Quarter turns give exact permutation matrices:
   * G(0,1,pi/2) = [[0,-1,0],[1,0,0],[0,0,1]];
   * G(1,2,pi/2) G(0,1,pi/2) = [[0,-1,0],[0,0,-1],[1,0,0]];
   * reflecting column 0 gives [[0,-1,0],[0,0,-1],[-1,0,0]]. */
  const long gi[2] = {0, 1}, gj[2] = {1, 2};
  const double gt[2] = {0.25, 0.25};
  fc_givens g = {3, 2, gi, gj, gt, 1};
  fc_mpmat_t Q;
  int rc = fc_mpmat_init(Q, 3, 3, 256);
  rc = rc == FC_OK ? fc_mpmat_givens(Q, &g) : rc;
  const double hand[9] = {0, -1, 0, 0, 0, -1, -1, 0, 0};
  fct_ok(rc == FC_OK && mat_equals(Q, hand),
         "mpmat_givens: two quarter turns and a reflection, exact by hand");
  double Qd[9];
  fc_givens_build_d(Qd, &g);
  double dmax = 0;
  for (int k = 0; k < 9; k++)
    dmax = fmax(dmax, fabs(Qd[k] - hand[k]));
  /* The double build uses cos(fl(pi/2)) = 6.1e-17: within 4u of exact. */
  fct_ok(dmax <= 4 * 0x1p-53,
         "mpmat_givens agrees with fc_givens_build_d's convention (%.2g)",
         dmax);
  fc_mpmat_clear(Q);

  /* Orthogonality at 256 bits: n = 5, 8 rotations with general angles.
   * Each rotation step rounds every entry once (mpfr_fmma/fmms) after
   * cos/sin with relative error < 2^-(P+29), so each step moves Q^T Q by
   * less than 4 n 2^-P entrywise: 8 steps give < 160 * 2^-P < 2^-(P-8). */
  const long ri[8] = {0, 1, 2, 3, 4, 0, 2, 1}, rj[8] = {1, 2, 3, 4, 0, 3, 4, 3};
  const double rt[8] = {0.1, -0.37, 0.2, 0.45, -0.01, 0.3333, 0.125, -0.2};
  fc_givens h = {5, 8, ri, rj, rt, 1};
  fc_mpmat_t P, Pt, G;
  rc = fc_mpmat_init(P, 5, 5, 256);
  rc |= fc_mpmat_init(Pt, 5, 5, 256);
  rc |= fc_mpmat_init(G, 5, 5, 256);
  rc = rc == FC_OK ? fc_mpmat_givens(P, &h) : rc;
  fc_mpmat_transpose(Pt, P);
  rc = rc == FC_OK ? fc_mpmat_mul(G, NULL, Pt, P) : rc;
  mpfr_t m, one;
  mpfr_inits2(256, m, one, (mpfr_ptr)0);
  for (size_t i = 0; i < 5; i++)
    mpfr_sub_ui(FC_MPMAT(G, i, i), FC_MPMAT(G, i, i), 1, MPFR_RNDN);
  fc_mpmat_maxabs(m, G);
  mpfr_set_ui_2exp(one, 1, -248, MPFR_RNDN);
  fct_ok(rc == FC_OK && mpfr_cmp(m, one) <= 0,
         "mpmat_givens: ||Q^T Q - I||_max = %.3g <= 2^-248 at 256 bits",
         mpfr_get_d(m, MPFR_RNDU));
  long bad_i[1] = {0}, bad_j[1] = {0};
  fc_givens bad = {5, 1, bad_i, bad_j, rt, 0};
  fct_ok(fc_mpmat_givens(P, &bad) == FC_EINVAL,
         "mpmat_givens: a rotation with i = j is refused");
  mpfr_clears(m, one, (mpfr_ptr)0);
  fc_mpmat_clear(P);
  fc_mpmat_clear(Pt);
  fc_mpmat_clear(G);
}

/* ----------------------------------------------- oracle: statement level */

/* r = 2^-(prec/2): depends on the evaluation precision (a broken oracle). */
static int st_precision_dependent(mpfr_t r, mpfr_t S, void *arg,
                                  mpfr_prec_t prec)
{
  (void)arg;
  mpfr_set_ui_2exp(r, 1, -(long)(prec / 2), MPFR_RNDN);
  mpfr_set_ui(S, 1, MPFR_RNDN);
  return FC_OK;
}

/* r = |3 fl(1/3) - 1| <= 2^-prec: a sound statement with scale 1. */
static int st_third(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  (void)arg;
  mpfr_t t;
  mpfr_init2(t, prec);
  mpfr_set_ui(t, 1, MPFR_RNDN);
  mpfr_div_ui(t, t, 3, MPFR_RNDN);
  mpfr_mul_ui(t, t, 3, MPFR_RNDN);
  mpfr_sub_ui(r, t, 1, MPFR_RNDN);
  mpfr_abs(r, r, MPFR_RNDN);
  mpfr_set_ui(S, 1, MPFR_RNDN);
  mpfr_clear(t);
  return FC_OK;
}

static void test_statement(void)
{
  fc_check_ctx x = {256, 8, fc_kernels_reference()};
  fc_check_result r;
  memset(&r, 0, sizeof r);
  int rc = fc_oracle_statement(&r, st_third, NULL, &x);
  fct_ok(rc == FC_OK && !r.oracle_fault && r.level[0].present
             && r.level[0].ratio <= 1.0,
         "oracle_statement: |3 fl(1/3) - 1| passes (ratio %.3g), no fault",
         r.level[0].ratio);
  rc = fc_oracle_statement(&r, st_precision_dependent, NULL, &x);
  fct_ok(rc == FC_OK && r.oracle_fault == 1,
         "oracle_statement: a precision-dependent statement is an oracle "
         "fault (|r_P - r_P+64| = %.3g > %.3g)", r.selfcheck_err,
         r.selfcheck_bound);
  fct_ok(r.level[0].ratio > 0x1p100,
         "oracle_statement: keeps the worse statement ratio (%.3g)",
         r.level[0].ratio);
  fc_check_ctx bad = {40, 8, NULL};
  fct_ok(fc_oracle_statement(&r, st_third, NULL, &bad) == FC_EINVAL,
         "oracle_statement: precision below 53 bits refused");

  /* Accuracy: 1 + 2^-52 against 1 is 1 ulp; 2^-1074 against 0 is 1 ulp
   * (ulp(0) = the smallest subnormal). */
  memset(&r, 0, sizeof r);
  mpfr_t e;
  mpfr_init2(e, 256);
  mpfr_set_ui(e, 1, MPFR_RNDN);
  fc_oracle_accuracy(&r, 1 + 0x1p-52, e, 0x1p-51);
  const fc_measure *m = &r.level[FC_LEVEL_ACCURACY];
  fct_ok(m->present && m->err == 0x1p-52 && m->ulps == 1.0
             && m->ratio == 0.5,
         "oracle_accuracy: 1 + 2^-52 vs 1 is 1 ulp, ratio 1/2");
  mpfr_set_zero(e, 1);
  fc_oracle_accuracy(&r, 0x1p-1074, e, 0x1p-1074);
  fct_ok(m->ratio == 1.0 && m->ulps == 1.0,
         "oracle_accuracy: 2^-1074 vs 0 is 1 ulp; the worse ratio is kept");
  fc_oracle_accuracy(&r, NAN, e, 1.0);
  fct_ok(isinf(m->ratio), "oracle_accuracy: a NaN kernel output is an "
                          "infinite error");
  mpfr_clear(e);
}

/* ------------------------------------------------------------ properties */

static const char *const holds[] = {
    "commutant2d.commutator_norm", "commutant2d.span", "commutant2d.rotation",
    "commutant2d.rope_block",      "schur.singular_values",
    "schur.sandwich",              "schur.vanishing"};

/* Checks of the shrunk negative-control case beyond simplicity. */
static int neg_shape_ok(const char *id, const fc_case *c, char *why,
                        size_t n)
{
  const double *R = fc_case_reals(c, "R", NULL, NULL);
  const double *X = fc_case_reals(c, "X", NULL, NULL);
  const double *t1 = fc_case_reals(c, "t1", NULL, NULL);
  const double *t2 = fc_case_reals(c, "t2", NULL, NULL);
  if (strcmp(id, "commutant2d.neg_all_commute") == 0) {
    if (R == NULL)
      return 0;
    const double cc = 0.5 * (R[0] - R[3]), dd = 0.5 * (R[1] + R[2]);
    snprintf(why, n, "R has c = %g, d = %g (must not both vanish)", cc, dd);
    return cc != 0 || dd != 0;
  }
  if (!X || !t1 || !t2)
    return 0;
  const double a = 0.5 * (X[0] + X[3]), b = 0.5 * (X[2] - X[1]),
               c2 = 0.5 * (X[0] - X[3]), d2 = 0.5 * (X[1] + X[2]);
  if (strcmp(id, "schur.neg_opposite") == 0) {
    snprintf(why, n, "t2 = -t1 = %g != 0, X = %g K + %g L (a K/L "
                     "intertwiner)", -t1[0], c2, d2);
    return t2[0] == -t1[0] && t1[0] != 0 && a == 0 && b == 0
           && (c2 != 0 || d2 != 0);
  }
  snprintf(why, n, "t2 = t1 = %g, X = %g I + %g J", t1[0], a, b);
  return t2[0] == t1[0] && c2 == 0 && d2 == 0 && (a != 0 || b != 0);
}

static void test_negative(const char *id, const fc_run_config *cfg)
{
  fc_prop_result res;
  if (fct_run_prop(&res, id, NULL, cfg))
    return;
  const int ok = res.status == FC_STATUS_PASS && res.cex != NULL;
  fct_ok(ok, "%s detected and shrunk (%ld cases)%s%s", id, res.cases,
         ok ? "" : ": ", ok ? "" : res.message);
  if (!ok) {
    fc_prop_result_clear(&res);
    return;
  }
  const fc_counterexample *cx = res.cex;
  if (!fct_ok(case_is_simple(cx->values),
              "%s: shrunk values are 0, small integers or short dyadics", id))
    print_case(cx->values);
  char why[160];
  if (!fct_ok(neg_shape_ok(id, cx->values, why, sizeof why), "%s: %s", id,
              why))
    print_case(cx->values);
  fct_ok(cx->check.level[FC_LEVEL_STATEMENT].ratio > cfg->detect_factor,
         "%s: statement ratio %.3g far above 1", id,
         cx->check.level[FC_LEVEL_STATEMENT].ratio);
  /* The replay token round-trips: decode, re-check, same verdict. */
  fc_replay rp;
  fc_error err = {0, ""};
  int rc = fc_replay_decode(&rp, cx->token, &err);
  int again = 0;
  double ratio = 0;
  if (rc == FC_OK) {
    fc_check_result r;
    fc_check_ctx x = {rp.prec, rp.slack_bits, fc_kernels_find(rp.kernels)};
    memset(&r, 0, sizeof r);
    if (x.kernels && rp.prop == res.prop
        && rp.prop->check(&r, rp.values, &x) == FC_OK) {
      again = fc_judge(NULL, &r, rp.prop, cfg, 1.0);
      ratio = r.level[FC_LEVEL_STATEMENT].ratio;
    }
    fc_replay_clear(&rp);
  }
  fct_ok(again && ratio == cx->check.level[FC_LEVEL_STATEMENT].ratio,
         "%s: replay token re-checks to the same detection (ratio %.3g)%s%s",
         id, ratio, rc ? ": " : "", rc ? err.msg : "");
  fc_prop_result_clear(&res);
}

/* ------------------------------------------ harness bounds of lin */

/* |R_i - Rot(2 pi t)_i| rounded up, Rot from s = sin, c = cos at 256 bits. */
static double rot_entry_err(const double R[4], int i, mpfr_t s, mpfr_t c)
{
  mpfr_t d;
  mpfr_init2(d, 256);
  mpfr_set_d(d, R[i], MPFR_RNDN);
  if (i == 0 || i == 3)
    mpfr_sub(d, d, c, MPFR_RNDN);
  else if (i == 1)
    mpfr_add(d, d, s, MPFR_RNDN);
  else
    mpfr_sub(d, d, s, MPFR_RNDN);
  const double e = fabs(mpfr_get_d(d, MPFR_RNDU));
  mpfr_clear(d);
  return e;
}

/* rot at the edge angles against MPFR, within fc_bnd_lin_rot: t = 0 (R = I
 * exactly), the half and quarter turns (libm's sin(fl(pi)) = 1.2e-16 must
 * fit), tiny t (the relative bound must follow |sin| down to 2^-1000), a
 * large t (the angle's own rounding dominates), a subnormal t. */
static void test_rot_bound(void)
{
  static const double ts[] = {0.0,      0.5,       -0.5,     0.25,
                              0.125,    0x1p-1000, -0x1p-30, 0x1.8p-1074,
                              12345.75, 0.3,       -0.4999999999999999};
  mpfr_t s, c;
  mpfr_inits2(256, s, c, (mpfr_ptr)0);
  double worst = 0;
  int sound = 1;
  for (size_t k = 0; k < sizeof ts / sizeof ts[0]; k++) {
    double R[4], ER[4], RM[4];
    fc_kern_lin_ref.rot(R, ts[k]);
    fc_bnd_lin_rot(FC_FMT_FP64, ER, RM, ts[k]);
    fc_mp_sincos_turns(s, c, ts[k]);
    const double ex[4] = {mpfr_get_d(c, MPFR_RNDN), -mpfr_get_d(s, MPFR_RNDN),
                          mpfr_get_d(s, MPFR_RNDN), mpfr_get_d(c, MPFR_RNDN)};
    for (int i = 0; i < 4; i++) {
      const double err = rot_entry_err(R, i, s, c);
      if (!(err <= ER[i]) || !(fabs(ex[i]) <= RM[i]))
        sound = 0;
      if (ER[i] > 0 && err / ER[i] > worst)
        worst = err / ER[i];
    }
    if (ts[k] == 0)
      fct_ok(R[0] == 1 && R[1] == 0 && R[2] == 0 && R[3] == 1 &&
                 ER[1] <= 0x1p-1067 && ER[0] <= 0x1p-52 * (1 + 0x1p-39),
             "rot(0) = I exactly; bounds: sin %.3g (one subnormal ulp and "
             "the harness's 2^-1068), cos %.3g (libm's ulp at 1)", ER[1],
             ER[0]);
  }
  fct_ok(sound, "rot at edge angles within fc_bnd_lin_rot, magnitudes "
                "above |sin|, |cos| (worst ratio %.3g)", worst);
  double ER[4], RM[4];
  fc_bnd_lin_rot(FC_FMT_FP64, ER, RM, 0x1p-1000);
  fct_ok(ER[1] <= 8 * 0x1p-53 * RM[1],
         "rot bound at t = 2^-1000 is relative: %.3g <= 8u |sin| = 8u %.3g",
         ER[1], RM[1]);
  mpfr_clears(s, c, (mpfr_ptr)0);
}

/* The same rot bound at another arithmetic: a float32 Rot (angle
 * fl32(fl32(2 pi) t), sinf/cosf) on float t is within fc_bnd_lin_rot at
 * fp32 and, the control, outside it at fp64. */
static double rot32_err(double *R, const double *ER, float t, mpfr_t s,
                        mpfr_t c)
{
  const float w = (2.0f * (float)0x1.921fb54442d18p+1) * t;
  const float sn = sinf(w), cs = cosf(w);
  R[0] = cs;
  R[1] = -sn;
  R[2] = sn;
  R[3] = cs;
  fc_mp_sincos_turns(s, c, t);
  double worst = 0;
  for (int i = 0; i < 4; i++) {
    const double r = rot_entry_err(R, i, s, c) / ER[i];
    if (r > worst)
      worst = r;
  }
  return worst;
}

static void test_rot_bound_fp32(void)
{
  mpfr_t s, c;
  mpfr_inits2(256, s, c, (mpfr_ptr)0);
  uint64_t st = fct_seed() ^ 0x6c696e3332ULL;
  double w32 = 0, w64 = 0;
  const long n = 2000 * fct_multiplier();
  for (long k = 0; k < n; k++) {
    /* t uniform in [-1/2, 1/2), a quarter of them scaled down by up to
     * 2^-40 (small angles), rounded to float */
    double t = (double)(fc_splitmix(&st) >> 11) * 0x1p-53 - 0.5;
    if ((fc_splitmix(&st) & 3) == 0)
      t = ldexp(t, -(int)(fc_splitmix(&st) % 40));
    const float tf = (float)t;
    double R[4], E32[4], E64[4];
    fc_bnd_lin_rot(FC_FMT_FP32, E32, NULL, tf);
    fc_bnd_lin_rot(FC_FMT_FP64, E64, NULL, tf);
    const double r32 = rot32_err(R, E32, tf, s, c);
    const double r64 = rot32_err(R, E64, tf, s, c);
    if (r32 > w32)
      w32 = r32;
    if (r64 > w64)
      w64 = r64;
  }
  fct_ok(w32 <= 1 && w32 >= 1.0 / 16,
         "float32 rot within fc_bnd_lin_rot at fp32 on %ld angles (worst "
         "ratio %.3g)", n, w32);
  fct_ok(w64 > 1, "control: the same float32 rot exceeds the fp64 bound "
                  "(worst ratio %.3g)", w64);
  mpfr_clears(s, c, (mpfr_ptr)0);
}

/* A kernel whose angle carries 16 ulps of relative error (a 2 pi constant
 * or angle kept a few bits short): within the old ad-hoc tolerance of a
 * sloppy test, outside the harness bound gamma_2 |w| of a kernel that forms
 * w = fl(fl(2 pi) t) (the negative control of the bound's tightness). */
static void rot_sloppy(double R[4], double t)
{
  const double w = (2.0 * 0x1.921fb54442d18p+1) * t * (1.0 + 0x1p-49);
  const double sn = sin(w), cs = cos(w);
  R[0] = cs;
  R[1] = -sn;
  R[2] = sn;
  R[3] = cs;
}

/* The same slip in the closed-form singular values' angle pi h. */
static void sigmas_sloppy(double sig[2], double t1, double t2)
{
  sig[0] = 2.0 * fabs(sin(0x1.921fb54442d18p+1 * (t1 - t2) * (1.0 + 0x1p-49)));
  sig[1] = 2.0 * fabs(sin(0x1.921fb54442d18p+1 * (t1 + t2) * (1.0 + 0x1p-49)));
}

/* Run p's check on n generated cases under table k; the worst ratio at
 * `level` and how many cases fail at any level. */
static int scan_cases(const fc_property *p, const fc_kernels *k, uint64_t n,
                      int level, double *worst, long *nfail,
                      const fc_run_config *cfg)
{
  *worst = 0;
  *nfail = 0;
  for (uint64_t i = 0; i < n; i++) {
    fc_case *c = fct_generate(p, "t-f1f2.bounds", i, NULL, NULL);
    if (c == NULL)
      return FC_ENOMEM;
    fc_check_result r;
    memset(&r, 0, sizeof r);
    fc_check_ctx x = {cfg->prec, cfg->slack_bits, k};
    const int rc = p->check(&r, c, &x);
    fc_case_free(c);
    if (rc != FC_OK)
      return rc;
    if (r.level[level].ratio > *worst)
      *worst = r.level[level].ratio;
    if (fc_judge(NULL, &r, p, cfg, 1.0))
      (*nfail)++;
  }
  return FC_OK;
}

static void test_lin_bounds(const fc_run_config *cfg)
{
  const uint64_t n = 300 * (uint64_t)fct_multiplier();
  /* The reference within every bound; the bounds not vacuous: the worst
   * accuracy ratio over n cases reaches 1/16 (each bound is a few gamma_k
   * of the magnitudes; random inputs realise a good part of it). */
  for (size_t i = 0; i < sizeof holds / sizeof holds[0]; i++) {
    const fc_property *p = fc_properties_find(holds[i]);
    double worst = 0;
    long nfail = 0;
    int rc = p ? scan_cases(p, fc_kernels_reference(), n,
                            FC_LEVEL_ACCURACY, &worst, &nfail, cfg)
               : FC_EINVAL;
    fct_ok(rc == FC_OK && nfail == 0 && worst >= 1.0 / 16 && worst <= 1,
           "%s: reference within the harness bounds on %llu cases, worst "
           "accuracy ratio %.3g (>= 1/16: not vacuous)", holds[i],
           (unsigned long long)n, worst);
  }
  /* The sloppy-angle kernels are caught, at the accuracy level. */
  struct fc_kern_lin sl_rot = fc_kern_lin_ref, sl_sig = fc_kern_lin_ref;
  sl_rot.rot = rot_sloppy;
  sl_sig.sigmas = sigmas_sloppy;
  const struct {
    const char *id;
    const struct fc_kern_lin *lin;
  } ctl[] = {{"commutant2d.rotation", &sl_rot},
             {"schur.singular_values", &sl_sig}};
  for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
    const fc_property *p = fc_properties_find(ctl[i].id);
    fc_kernels k = *fc_kernels_reference();
    k.lin = ctl[i].lin;
    double worst = 0;
    long nfail = 0;
    int rc = p ? scan_cases(p, &k, n, FC_LEVEL_ACCURACY, &worst, &nfail, cfg)
               : FC_EINVAL;
    fct_ok(rc == FC_OK && nfail > 0 && worst > 1,
           "%s: a 16-ulp sloppy angle is caught in %ld of %llu cases "
           "(worst accuracy ratio %.3g)", ctl[i].id, nfail,
           (unsigned long long)n, worst);
  }
}

static void test_mutant(const char *mutant, const fc_run_config *cfg)
{
  const fc_kernels *k = fc_kernels_find(mutant);
  if (!fct_ok(k != NULL && fc_kernels_is_mutant(k), "%s exists", mutant))
    return;
  const char *target = fc_kernels_targets(k);
  fct_expect_caught(target, mutant, cfg);
  /* Shrink quality (a separate run: fct_expect_caught keeps no result). */
  fc_prop_result res;
  if (fct_run_prop(&res, target, mutant, cfg))
    return;
  if (res.cex != NULL
      && !fct_ok(case_is_simple(res.cex->values),
                 "%s: shrunk case under %s has simple values", target,
                 mutant))
    print_case(res.cex->values);
  fc_prop_result_clear(&res);
}

int main(void)
{
  fct_start("t-f1f2");
  test_mpmat();
  test_sincos();
  test_givens();
  test_statement();

  fc_run_config cfg;
  fct_config(&cfg);
  for (size_t i = 0; i < sizeof holds / sizeof holds[0]; i++)
    fct_expect_pass(holds[i], &cfg);
  test_negative("commutant2d.neg_all_commute", &cfg);
  test_negative("schur.neg_opposite", &cfg);
  test_negative("schur.neg_equal", &cfg);
  test_rot_bound();
  test_rot_bound_fp32();
  test_lin_bounds(&cfg);

  /* Every lin mutant of the table, caught by its target. */
  size_t nmut = 0;
  for (size_t i = 0; i < fc_kernels_count(); i++) {
    const char *name = fc_kernels_name(fc_kernels_at(i));
    if (strncmp(name, "mutant-lin-", 11) == 0) {
      test_mutant(name, &cfg);
      nmut++;
    }
  }
  fct_ok(nmut >= 2, "%zu lin mutants registered", nmut);
  mpfr_free_cache();
  return fct_end();
}

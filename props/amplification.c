/* amplification.c -- F7: output-projection amplification
 * (WoAmplification.lean, SPEC.md F7).
 *
 * Anchor: avg_amplification_eq_frob_div_sqrt.  For W (m x n):
 *   sqrt((1/n) sum_j ||W e_j||^2) = ||W||_F / sqrt(n).
 *
 * Cases: "W" (m x n reals), m and n in 1..16 as dimensions.  Magnitudes:
 * each column is scaled by a class 1, 1e300, 1e-300, 1e200, 1e-200,
 * 1e100, 1e-100 or 1e-310 (subnormal range), drawn once for the matrix or
 * per column; columns may be zero.  A kernel that squares naively
 * overflows at 1e200 and underflows at 1e-200.
 *
 * Levels.  Statement: both sides in MPFR at P (and P + 64) bits, residual
 * |lhs - rhs| against 2^(-P+s) rhs.  Conformance: the kernel's colnorm_rms
 * against the kernel's frob / sqrt(n), bound = the harness's a-priori
 * bounds of both (fc_bnd_quant_colnorm_rms, fc_bnd_quant_frob_rms: the
 * latter through fl(sqrt(n)) and the quotient), from W and the table's
 * declared arithmetic (fp64/fp64).  Accuracy: each kernel output against
 * the oracle's value, against the same harness bounds.
 *
 * Negative control amplification.wrong_divisor: the average taken over the
 * m rows instead of the n columns (sqrt((1/m) sum_j ||W e_j||^2)); it differs
 * from ||W||_F / sqrt(n) whenever m != n and W != 0. */
#include <string.h>
#include "quantp_internal.h"

static const char *const anchors[] = {"avg_amplification_eq_frob_div_sqrt",
                                      NULL};

#define NMAX 16

static const double classes[] = {1.0,    1e300, 1e-300, 1e200,
                                 1e-200, 1e100, 1e-100, 1e-310};
#define NCLASS (sizeof classes / sizeof classes[0])

static int gen(fc_case *c, fc_draw *d)
{
  const long m = fc_draw_size(d, 1, NMAX), n = fc_draw_size(d, 1, NMAX);
  int rc = fc_case_add_dim(c, "m", m);
  if (rc == FC_OK)
    rc = fc_case_add_dim(c, "n", n);
  if (rc)
    return rc;
  double *W = fc_case_add_reals(c, "W", (size_t)m, (size_t)n);
  if (W == NULL)
    return FC_ENOMEM;
  static const fc_double_spec spec = {4.0, 0, 0};
  fc_draw_doubles(d, W, (size_t)(m * n), &spec);
  static const double wcls[NCLASS] = {4, 2, 2, 2, 2, 1, 1, 1};
  const size_t global = fc_draw_weighted(d, wcls, NCLASS);
  const int percol = fc_draw_bool(d, 0.3);
  for (long j = 0; j < n; j++) {
    const size_t cl = percol ? fc_draw_weighted(d, wcls, NCLASS) : global;
    const int zero = fc_draw_bool(d, 0.15);
    for (long i = 0; i < m; i++)
      W[i * n + j] = zero ? 0.0 : W[i * n + j] * classes[cl];
  }
  return fc_draw_status(d);
}

typedef struct amp_arg {
  const double *W;
  size_t m, n, divisor;
} amp_arg;

/* r = |colnorm_rms(W, divisor) - ||W||_F / sqrt(n)|, S = ||W||_F/sqrt(n). */
static int stmt(mpfr_t r, mpfr_t S, void *argp, mpfr_prec_t prec)
{
  const amp_arg *a = argp;
  mpfr_t lhs, rhs, t;
  mpfr_inits2(prec + 32, lhs, rhs, t, (mpfr_ptr)0);
  int rc = fc_mp_colnorm_rms(lhs, a->W, a->m, a->n, a->divisor);
  if (rc == FC_OK)
    rc = fc_mp_frob(rhs, a->W, a->m, a->n);
  if (rc == FC_OK) {
    mpfr_set_ui(t, (unsigned long)a->n, MPFR_RNDN);
    mpfr_sqrt(t, t, MPFR_RNDN);
    mpfr_div(rhs, rhs, t, MPFR_RNDN);
    mpfr_sub(t, lhs, rhs, MPFR_RNDN);
    mpfr_abs(r, t, MPFR_RNDN);
    mpfr_set(S, rhs, MPFR_RNDN);
  }
  mpfr_clears(lhs, rhs, t, (mpfr_ptr)0);
  return rc;
}

static int load(amp_arg *a, const fc_case *c)
{
  size_t m, n;
  a->W = fc_qp_reals(c, "W", &m, &n);
  if (a->W == NULL || m < 1 || n < 1)
    return FC_EINVAL;
  a->m = m;
  a->n = n;
  a->divisor = n;
  return FC_OK;
}

static int check_identity(fc_check_result *r, const fc_case *c,
                          const fc_check_ctx *x)
{
  const struct fc_kern_quant *K = fc_qp_kern(x);
  amp_arg a;
  int rc = load(&a, c);
  if (rc)
    return rc;
  if (K == NULL)
    return FC_EINVAL;
  rc = fc_oracle_statement(r, stmt, &a, x);
  if (rc)
    return rc;
  /* Kernels, judged against the harness's bounds (from W only). */
  const fc_kernel_arith *ar = fc_qp_arith();
  double lhs = 0, fro = 0;
  const int rl = K->colnorm_rms(&lhs, a.W, a.m, a.n);
  const int rf = K->frob(&fro, a.W, a.m, a.n);
  const double elhs = fc_bnd_quant_colnorm_rms(a.W, a.m, a.n, ar);
  const double efro = fc_bnd_quant_frob(a.W, a.m, a.n, ar);
  const double erhs = fc_bnd_quant_frob_rms(a.W, a.m, a.n, ar);
  const double rhs = fro / sqrt((double)a.n);
  fc_qp_fold(&r->level[FC_LEVEL_CONFORMANCE], rl | rf, fabs(lhs - rhs),
             elhs + erhs, 0);
  /* Accuracy against the oracle at P. */
  mpfr_t ex;
  mpfr_init2(ex, (mpfr_prec_t)x->prec);
  rc = fc_mp_colnorm_rms(ex, a.W, a.m, a.n, a.n);
  if (rc == FC_OK) {
    if (rl == FC_OK)
      fc_oracle_accuracy(r, lhs, ex, elhs);
    else
      fc_qp_fold(&r->level[FC_LEVEL_ACCURACY], rl, INFINITY, elhs, 0);
    rc = fc_mp_frob(ex, a.W, a.m, a.n);
  }
  if (rc == FC_OK) {
    if (rf == FC_OK)
      fc_oracle_accuracy(r, fro, ex, efro);
    else
      fc_qp_fold(&r->level[FC_LEVEL_ACCURACY], rf, INFINITY, efro, 0);
  }
  mpfr_clear(ex);
  snprintf(r->note, sizeof r->note, "m=%zu n=%zu ||W||_F/sqrt(n)=%.6g",
           a.m, a.n, rhs);
  return rc;
}

static int check_wrong_divisor(fc_check_result *r, const fc_case *c,
                               const fc_check_ctx *x)
{
  amp_arg a;
  int rc = load(&a, c);
  if (rc)
    return rc;
  a.divisor = a.m; /* the hypothesis dropped: average over the wrong axis */
  rc = fc_oracle_statement(r, stmt, &a, x);
  snprintf(r->note, sizeof r->note, "m=%zu n=%zu: rows averaged", a.m, a.n);
  return rc;
}

static void describe(FILE *out, const fc_case *c)
{
  amp_arg a;
  if (load(&a, c))
    return;
  fprintf(out, "    W is %zu x %zu; column norms (double, scaled):", a.m,
          a.n);
  for (size_t j = 0; j < a.n && j < 8; j++) {
    double s;
    if (fc_kern_quant_ref.nrm2(&s, a.W + j, a.m, a.n) == FC_OK)
      fprintf(out, " %.6g", s);
  }
  fprintf(out, a.n > 8 ? " ...\n" : "\n");
}

/* Why these properties cannot judge a plugin or exec kernel (their
 * "not provided" reason with --kernels PLUGIN; issue 16). */
static const char f7_why[] =
    "column norms and the Frobenius norm have no kernel contract "
    "entry";

static const fc_property p_identity = {
    .id = "amplification.frob_identity",
    .title = "RMS of the column norms of W equals ||W||_F / sqrt(n), with "
             "magnitudes near overflow and underflow and zero columns",
    .anchors = anchors,
    .lean_file = "WoAmplification.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen,
    .check = check_identity,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f7_why,
    .describe = describe,
};

static const fc_property p_wrong = {
    .id = "amplification.wrong_divisor",
    .title = "negative control: the column-norm RMS averaged over the m rows "
             "instead of the n columns differs from ||W||_F / sqrt(n)",
    .anchors = anchors,
    .lean_file = "WoAmplification.lean",
    .expect = FC_EXPECT_DETECT,
    .generate = gen,
    .check = check_wrong_divisor,
    .describe = describe,
};

const fc_property *const fc_family_amplification[] = {&p_identity, &p_wrong,
                                                      NULL};

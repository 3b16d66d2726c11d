/* signquant.c -- F8: 1-bit sign quantisation geometry (JensenFloor.lean;
 * the statements are RECONSTRUCTED from the seed page's glossary, SPEC.md
 * F8, since the page leaves them out).
 *
 * Anchors: cos_sign_quant_formula, residual_energy_formula.
 * Convention sign(0) = +1, khat = alpha sign(k).  For k != 0 in R^d:
 *   cos theta_k = <k, sign k> / (||k|| ||sign k||) = ||k||_1 / (sqrt(d) ||k||_2)
 *   min_alpha ||k - alpha sign k||^2 / ||k||^2 = 1 - cos^2 theta_k = sin^2,
 *   attained at alpha = ||k||_1 / d; sin^2 >= 0, = 0 iff all |k_i| equal.
 *
 * Cases: "k" (d x 1), d in 1..4096 (fc_draw_size: small first), of a kind
 * (int "kind"): general, exact zeros, equal magnitudes (the sign lattice),
 * one dominant coordinate, or a lattice with one magnitude nudged by a few
 * ulps; magnitudes scaled by 1, 1e300, 1e-300, 1e150, 1e-150.  residual
 * cases also hold "eps" (the relative step of alpha (1 +- eps)).
 *
 * Levels.  Statement: MPFR at P and P + 64, all quantities in [0, 1]
 * (scale 1).  Conformance: the identities with the double kernels, bounds
 * from the harness (fc_bnd_quant_key, fc_bnd_quant_residual: a priori,
 * from k and the table's declared fp64/fp64, never from a kernel's
 * output).  Accuracy: each kernel output against the oracle, against the
 * same harness bounds.  The sign vector must
 * be exact (bound 0).  cos_formula judges the run's sign_quant contract
 * entry instead (any kernel: cos_kernel below); residual_energy and
 * lattice_zero judge the built-in quant table's geom/residual/nrm2, which
 * no contract entry provides (not provided with --kernels PLUGIN). */
#include <stdlib.h>
#include <string.h>
#include "quantp_internal.h"
#include "kcall_internal.h"

static const char *const anchors_cos[] = {"cos_sign_quant_formula", NULL};
static const char *const anchors_res[] = {"residual_energy_formula", NULL};

#define DMAX 4096

enum { K_GENERAL, K_ZEROS, K_LATTICE, K_DOMINANT, K_NUDGED, K_NKIND };

static const double scales[] = {1.0, 1e300, 1e-300, 1e150, 1e-150};
#define NSCALE (sizeof scales / sizeof scales[0])

/* Fill k (length d) of the given kind. */
static void fill(double *k, long d, int kind, fc_draw *dr)
{
  static const fc_double_spec spec = {2.0, 0, 0};
  static const fc_double_spec mag = {8.0, 0, 1};
  static const double wsc[NSCALE] = {4, 1, 1, 1, 1};
  const double sc = scales[fc_draw_weighted(dr, wsc, NSCALE)];
  switch (kind) {
  case K_LATTICE:
  case K_NUDGED: {
    double a = fc_draw_double(dr, &mag);
    if (a == 0)
      a = 1;
    for (long i = 0; i < d; i++)
      k[i] = fc_draw_bool(dr, 0.5) ? -a : a;
    if (kind == K_NUDGED) {
      const long j = fc_draw_int(dr, 0, d - 1);
      const long ulps = fc_draw_int(dr, 1, 4);
      double v = fabs(k[j]);
      for (long t = 0; t < ulps; t++)
        v = nextafter(v, fc_draw_bool(dr, 0.5) ? 0.0 : INFINITY);
      k[j] = k[j] < 0 ? -v : v;
    }
    break;
  }
  case K_DOMINANT: {
    for (long i = 0; i < d; i++)
      k[i] = ldexp(fc_draw_double(dr, &spec), -30);
    const long j = fc_draw_int(dr, 0, d - 1);
    double big = fc_draw_double(dr, &mag);
    k[j] = big == 0 ? 1 : big;
    break;
  }
  default:
    for (long i = 0; i < d; i++)
      k[i] = fc_draw_double(dr, &spec);
    if (kind == K_ZEROS) {
      for (long i = 0; i < d; i++)
        if (fc_draw_bool(dr, 0.5))
          k[i] = 0;
      if (d >= 2) /* at least one zero */
        k[d - 1] = 0;
    }
    break;
  }
  int nz = 0;
  for (long i = 0; i < d; i++) {
    k[i] *= sc;
    nz |= k[i] != 0;
  }
  if (!nz)
    k[0] = sc;
}

static int gen_kind(fc_case *c, fc_draw *d, const double *w, int with_eps)
{
  const long dim = fc_draw_size(d, 1, DMAX);
  const int kind = (int)fc_draw_weighted(d, w, K_NKIND);
  int rc = fc_case_add_dim(c, "d", dim);
  if (rc)
    return rc;
  long *kd = fc_case_add_ints(c, "kind", 1, 1);
  double *k = fc_case_add_reals(c, "k", (size_t)dim, 1);
  if (kd == NULL || k == NULL)
    return FC_ENOMEM;
  *kd = kind;
  fill(k, dim, kind, d);
  if (with_eps) {
    double *e = fc_case_add_reals(c, "eps", 1, 1);
    if (e == NULL)
      return FC_ENOMEM;
    *e = ldexp(1.0, -(int)fc_draw_int(d, 1, 20));
  }
  return fc_draw_status(d);
}

static int gen_cos(fc_case *c, fc_draw *d)
{
  static const double w[K_NKIND] = {3, 3, 1, 1, 1};
  return gen_kind(c, d, w, 0);
}

static int gen_res(fc_case *c, fc_draw *d)
{
  static const double w[K_NKIND] = {3, 2, 1, 2, 1};
  return gen_kind(c, d, w, 1);
}

static int gen_lattice(fc_case *c, fc_draw *d)
{
  static const double w[K_NKIND] = {0, 0, 2, 0, 1};
  return gen_kind(c, d, w, 0);
}

static int gen_zeros(fc_case *c, fc_draw *d)
{
  static const double w[K_NKIND] = {0, 1, 0, 0, 0};
  return gen_kind(c, d, w, 0);
}

typedef struct sq_arg {
  const double *k;
  size_t d;
  int kind;
  double eps;
  int sign0;
} sq_arg;

static int load(sq_arg *a, const fc_case *c)
{
  size_t r, q;
  memset(a, 0, sizeof *a);
  a->k = fc_qp_reals(c, "k", &r, &q);
  if (a->k == NULL || q != 1 || r < 1 || r > DMAX)
    return FC_EINVAL;
  a->d = r;
  a->kind = (int)fc_case_dim(c, "kind", K_GENERAL);
  const double *e = fc_qp_reals(c, "eps", NULL, NULL);
  a->eps = e ? *e : 0.5;
  return FC_OK;
}

/* ------------------------------------------------ cos_sign_quant_formula */

/* r = |<k, s>/(||k|| ||s||) - ||k||_1 / (sqrt(d) ||k||_2)|, S = 1. */
static int stmt_cos(mpfr_t r, mpfr_t S, void *argp, mpfr_prec_t prec)
{
  const sq_arg *a = argp;
  fc_mp_keyws w;
  int rc = fc_mp_keyws_init(&w, a->d, prec);
  if (rc)
    return rc;
  mpfr_t lhs, rhs;
  mpfr_inits2(prec + 32, lhs, rhs, (mpfr_ptr)0);
  rc = fc_mp_cos_lhs(lhs, &w, a->k, a->sign0);
  if (rc == FC_OK)
    rc = fc_mp_key_geom(&w, a->k, rhs, NULL, NULL, NULL);
  if (rc == FC_OK) {
    mpfr_sub(lhs, lhs, rhs, MPFR_RNDN);
    mpfr_abs(r, lhs, MPFR_RNDN);
    mpfr_set_ui(S, 1, MPFR_RNDN);
  }
  mpfr_clears(lhs, rhs, (mpfr_ptr)0);
  fc_mp_keyws_clear(&w);
  return rc;
}

/* Issue 16: the kernel levels judge the run's sign_quant (the user's
 * kernel through the provider, or the built-in quant table adapted by
 * fc_kx_open).  cos theta is invariant under k -> 2^e k, so the key is
 * first scaled exactly by a power of two to a largest magnitude in [1, 2)
 * (the 1e+-300 cases fit every storage format) and then rounded to the
 * declared storage: ks.  Accuracy: s = sign(ks) exactly, alpha against
 * ||ks||_1 / d with the harness bound B = fc_bnd_sign_alpha
 * (fc_kx_sign_accuracy).  Conformance: the identity with the kernel's
 * outputs, evaluated exactly by the harness (MPFR at P bits):
 *   lhs = <ks, s> / (||ks|| ||s||),  rhs = alpha sqrt(d) / ||ks||,
 * equal for exact outputs (<ks, sign ks> = ||ks||_1 = d alpha*); an alpha
 * within B of alpha* moves rhs by at most B sqrt(d) / ||ks||, plus
 * 2^(-P+s) for the harness's own roundings. */
static int cos_kernel(fc_check_result *r, const sq_arg *a,
                      const fc_check_ctx *x)
{
  const size_t d = a->d;
  double amax = 0;
  for (size_t i = 0; i < d; i++)
    amax = fmax(amax, fabs(a->k[i]));
  const int e = amax > 0 ? ilogb(amax) : 0;
  fc_kx k;
  int rc = fc_kx_open(&k, x);
  if (rc != FC_OK)
    return rc;
  double *ks = malloc(d * sizeof *ks), *s = malloc(d * sizeof *s), alpha = 0;
  rc = FC_ENOMEM;
  if (ks == NULL || s == NULL)
    goto done;
  for (size_t i = 0; i < d; i++)
    ks[i] = ldexp(a->k[i], -e);
  fc_kx_store(ks, NULL, ks, d, k.a.storage);
  rc = fc_kx_sign(r, &k, s, &alpha, ks, d);
  if (rc == FC_EKERNEL) {
    rc = FC_OK;
    goto done;
  }
  if (rc != FC_OK)
    goto done;
  const double B = fc_kx_sign_accuracy(r, NULL, s, alpha, ks, d, &k.a,
                                       x->prec);
  mpfr_t dot, nk, ns, t, lhs, rhs;
  mpfr_inits2((mpfr_prec_t)x->prec, dot, nk, ns, t, lhs, rhs, (mpfr_ptr)0);
  mpfr_set_ui(dot, 0, MPFR_RNDN);
  mpfr_set_ui(nk, 0, MPFR_RNDN);
  mpfr_set_ui(ns, 0, MPFR_RNDN);
  for (size_t i = 0; i < d; i++) {
    mpfr_set_d(t, ks[i], MPFR_RNDN);
    mpfr_mul_d(lhs, t, s[i], MPFR_RNDN);
    mpfr_add(dot, dot, lhs, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_add(nk, nk, t, MPFR_RNDN);
    mpfr_set_d(t, s[i], MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_add(ns, ns, t, MPFR_RNDN);
  }
  mpfr_sqrt(nk, nk, MPFR_RNDN);
  mpfr_sqrt(ns, ns, MPFR_RNDN);
  double err = INFINITY, bound = 0;
  if (mpfr_zero_p(nk)) { /* every entry underflowed: nothing to compare */
    err = 0;
  } else if (!mpfr_zero_p(ns)) {
    mpfr_mul(t, nk, ns, MPFR_RNDN);
    mpfr_div(lhs, dot, t, MPFR_RNDN);
    mpfr_set_ui(rhs, (unsigned long)d, MPFR_RNDN);
    mpfr_sqrt(rhs, rhs, MPFR_RNDN);
    mpfr_div(rhs, rhs, nk, MPFR_RNDN);
    bound = B * mpfr_get_d(rhs, MPFR_RNDU) * (1 + 0x1p-50) +
            ldexp(1.0, (int)(x->slack_bits - x->prec));
    mpfr_mul_d(rhs, rhs, alpha, MPFR_RNDN);
    mpfr_sub(t, lhs, rhs, MPFR_RNDN);
    err = fabs(mpfr_get_d(t, MPFR_RNDU));
  }
  fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], err, bound, 0);
  mpfr_clears(dot, nk, ns, t, lhs, rhs, (mpfr_ptr)0);
  fc_kx_note(r, &k, B);
done:
  free(ks);
  free(s);
  fc_kx_close(&k);
  return rc;
}

static int check_cos(fc_check_result *r, const fc_case *c,
                     const fc_check_ctx *x)
{
  sq_arg a;
  int rc = load(&a, c);
  if (rc)
    return rc;
  rc = fc_oracle_statement(r, stmt_cos, &a, x);
  if (rc)
    return rc;
  return cos_kernel(r, &a, x);
}

static int check_sign0(fc_check_result *r, const fc_case *c,
                       const fc_check_ctx *x)
{
  sq_arg a;
  int rc = load(&a, c);
  if (rc)
    return rc;
  a.sign0 = 1; /* the convention dropped: sign(0) = 0 */
  rc = fc_oracle_statement(r, stmt_cos, &a, x);
  size_t z = 0;
  for (size_t i = 0; i < a.d; i++)
    z += a.k[i] == 0;
  snprintf(r->note, sizeof r->note, "d=%zu zeros=%zu: ||sign k|| = "
           "sqrt(%zu) != sqrt(d)", a.d, z, a.d - z);
  return rc;
}

/* ------------------------------------------------ residual_energy_formula */

/* Negative control: residual_energy_formula with its convention sign(0) =
 * +1 dropped.  With s = sign(k) under sign(0) = 0 and nnz nonzeros, the
 * residual at the claimed alpha* = ||k||_1 / d is
 *   1 - 2 ||k||_1^2 / (d ||k||^2) + nnz ||k||_1^2 / (d^2 ||k||^2),
 * which differs from sin^2 theta_k = 1 - ||k||_1^2 / (d ||k||^2) by
 * ||k||_1^2 (d - nnz) / (d^2 ||k||^2) whenever k has a zero.
 * r = |residual(alpha*) - (1 - cos^2)|, S = 1. */
static int stmt_res_sign0(mpfr_t r, mpfr_t S, void *argp, mpfr_prec_t prec)
{
  const sq_arg *a = argp;
  fc_mp_keyws w;
  int rc = fc_mp_keyws_init(&w, a->d, prec);
  if (rc)
    return rc;
  mpfr_t cs, s2, al, r0, t;
  mpfr_inits2(prec + 32, cs, s2, al, r0, t, (mpfr_ptr)0);
  rc = fc_mp_key_geom(&w, a->k, cs, s2, al, NULL);
  if (rc == FC_OK)
    rc = fc_mp_residual(r0, &w, a->k, al, 1);
  if (rc == FC_OK) {
    mpfr_sqr(t, cs, MPFR_RNDN);
    mpfr_ui_sub(t, 1, t, MPFR_RNDN);
    mpfr_sub(t, r0, t, MPFR_RNDN);
    mpfr_abs(r, t, MPFR_RNDN);
    mpfr_set_ui(S, 1, MPFR_RNDN);
  }
  mpfr_clears(cs, s2, al, r0, t, (mpfr_ptr)0);
  fc_mp_keyws_clear(&w);
  return rc;
}

static int check_res_sign0(fc_check_result *r, const fc_case *c,
                           const fc_check_ctx *x)
{
  sq_arg a;
  int rc = load(&a, c);
  if (rc)
    return rc;
  rc = fc_oracle_statement(r, stmt_res_sign0, &a, x);
  size_t z = 0;
  for (size_t i = 0; i < a.d; i++)
    z += a.k[i] == 0;
  snprintf(r->note, sizeof r->note, "d=%zu zeros=%zu: with sign(0) = 0 the "
           "residual at ||k||_1/d misses sin^2 theta", a.d, z);
  return rc;
}

/* The residual of the statement, the largest of
 *   |res(alpha*) - (1 - cos^2)|,  |sin2 - (1 - cos^2)|,
 *   |res(alpha*(1 +- eps)) - res(alpha*) - eps^2 alpha*^2 d / ||k||^2|
 *     (the excess is exactly quadratic: alpha* is the minimiser),
 *   max(0, -sin2);  S = 1 + eps^2 (the residuals' magnitude). */
static int stmt_res(mpfr_t r, mpfr_t S, void *argp, mpfr_prec_t prec)
{
  const sq_arg *a = argp;
  fc_mp_keyws w;
  int rc = fc_mp_keyws_init(&w, a->d, prec);
  if (rc)
    return rc;
  const mpfr_prec_t wp = prec + 32;
  mpfr_t cs, s2, al, r0, r1, t, u, worst, n2;
  mpfr_inits2(wp, cs, s2, al, r0, r1, t, u, worst, n2, (mpfr_ptr)0);
  rc = fc_mp_key_geom(&w, a->k, cs, s2, al, NULL);
  mpfr_set(n2, w.S2, MPFR_RNDN);
  if (rc == FC_OK)
    rc = fc_mp_residual(r0, &w, a->k, al, 0);
  if (rc == FC_OK) {
    mpfr_sqr(t, cs, MPFR_RNDN);
    mpfr_ui_sub(t, 1, t, MPFR_RNDN); /* 1 - cos^2 */
    mpfr_sub(u, r0, t, MPFR_RNDN);
    mpfr_abs(worst, u, MPFR_RNDN);
    mpfr_sub(u, s2, t, MPFR_RNDN);
    mpfr_abs(u, u, MPFR_RNDN);
    mpfr_max(worst, worst, u, MPFR_RNDN);
    if (mpfr_sgn(s2) < 0) {
      mpfr_neg(u, s2, MPFR_RNDN);
      mpfr_max(worst, worst, u, MPFR_RNDN);
    }
    /* expected excess eps^2 alpha^2 d / ||k||^2 */
    mpfr_mul_d(t, al, a->eps, MPFR_RNDN);
    mpfr_sqr(t, t, MPFR_RNDN);
    mpfr_mul_ui(t, t, (unsigned long)a->d, MPFR_RNDN);
    mpfr_div(t, t, n2, MPFR_RNDN);
    for (int sg = -1; sg <= 1 && rc == FC_OK; sg += 2) {
      mpfr_mul_d(u, al, 1.0 + sg * a->eps, MPFR_RNDN); /* 1 +- eps exact */
      rc = fc_mp_residual(r1, &w, a->k, u, 0);
      mpfr_sub(u, r1, r0, MPFR_RNDN);
      mpfr_sub(u, u, t, MPFR_RNDN);
      mpfr_abs(u, u, MPFR_RNDN);
      mpfr_max(worst, worst, u, MPFR_RNDN);
    }
    mpfr_set(r, worst, MPFR_RNDN);
    mpfr_set_d(S, 1.0 + a->eps * a->eps, MPFR_RNDN);
  }
  mpfr_clears(cs, s2, al, r0, r1, t, u, worst, n2, (mpfr_ptr)0);
  fc_mp_keyws_clear(&w);
  return rc;
}

/* Conformance with the kernels, every bound the harness's (B =
 * fc_bnd_quant_key of k: ea = B.alpha bounds |alpha^ - alpha*|, B.norm_lo
 * <= ||k||, B.alpha_mag >= alpha*; e(al) = fc_bnd_quant_residual(k, al)
 * for the residual kernel on its input al):
 *  (a) residual(alpha^) = sin2 within e(alpha^) + B.sin2 + d ea^2 /
 *      ||k||^2 (alpha^ misses alpha* by ea; the excess is exactly d
 *      (alpha^ - alpha*)^2 / ||k||^2);
 *  (b) alpha^ is optimal: residual(alpha^ (1 +- eps)) >= residual(alpha^)
 *      up to e(alpha^) + e(alpha^ (1 +- eps)) plus 2 d eps ea |alpha^| /
 *      ||k||^2, |alpha^| <= alpha* + ea (the first-order change of the
 *      quadratic when alpha^ is off by ea; its eps^2 part is >= 0).
 * Accuracy: cos, sin2, alpha and residual(alpha^) against the oracle. */
static int check_res(fc_check_result *r, const fc_case *c,
                     const fc_check_ctx *x)
{
  const struct fc_kern_quant *K = fc_qp_kern(x);
  sq_arg a;
  int rc = load(&a, c);
  if (rc)
    return rc;
  if (K == NULL)
    return FC_EINVAL;
  rc = fc_oracle_statement(r, stmt_res, &a, x);
  if (rc)
    return rc;
  fc_quant_geom g = {0};
  int rk = K->geom(&g, a.k, a.d);
  double r0 = NAN;
  rk |= K->residual(&r0, a.k, a.d, g.alpha);
  fc_bnd_quant_key_t B;
  rc = fc_bnd_quant_key(&B, a.k, a.d, fc_qp_arith());
  if (rc)
    return rc;
  const double e0 = fc_bnd_quant_residual(a.k, a.d, g.alpha, fc_qp_arith());
  const double dd = (double)a.d;
  /* The ratios ea/||k|| and |alpha^|/||k|| are formed first so that
   * nothing overflows at 1e300. */
  const double ra = B.alpha / B.norm_lo;
  const double rl = (B.alpha_mag + B.alpha) / B.norm_lo;
  const double qa = dd * ra * ra * FC_BND_SAFETY;
  const double lin = 2 * dd * a.eps * ra * rl * FC_BND_SAFETY;
  fc_qp_fold(&r->level[FC_LEVEL_CONFORMANCE], rk, fabs(r0 - g.sin2),
             e0 + B.sin2 + qa, 0);
  for (int sg = -1; sg <= 1; sg += 2) {
    double r1 = NAN;
    const double al1 = g.alpha * (1.0 + sg * a.eps);
    const int r1c = K->residual(&r1, a.k, a.d, al1);
    const double e1 = fc_bnd_quant_residual(a.k, a.d, al1, fc_qp_arith());
    /* al1 itself is a double: residual is evaluated exactly there, so
     * the rounding of alpha (1 +- eps) does not enter. */
    fc_qp_fold(&r->level[FC_LEVEL_CONFORMANCE], rk | r1c,
               r0 > r1 ? r0 - r1 : 0, e0 + e1 + lin, 0);
  }
  /* Accuracy. */
  fc_mp_keyws w;
  rc = fc_mp_keyws_init(&w, a.d, (mpfr_prec_t)x->prec);
  if (rc)
    return rc;
  mpfr_t cs, s2, al, rr;
  mpfr_inits2((mpfr_prec_t)x->prec, cs, s2, al, rr, (mpfr_ptr)0);
  rc = fc_mp_key_geom(&w, a.k, cs, s2, al, NULL);
  if (rc == FC_OK) {
    mpfr_t ad;
    mpfr_init2(ad, 53);
    mpfr_set_d(ad, g.alpha, MPFR_RNDN);
    rc = fc_mp_residual(rr, &w, a.k, ad, 0);
    mpfr_clear(ad);
  }
  if (rc == FC_OK) {
    if (rk == FC_OK) {
      fc_oracle_accuracy(r, g.cos_theta, cs, B.cos_theta);
      fc_oracle_accuracy(r, g.sin2, s2, B.sin2);
      fc_oracle_accuracy(r, g.alpha, al, B.alpha);
      fc_oracle_accuracy(r, r0, rr, e0);
    } else {
      fc_qp_fold(&r->level[FC_LEVEL_ACCURACY], rk, INFINITY, 0, 0);
    }
  }
  snprintf(r->note, sizeof r->note, "d=%zu sin^2=%.6g alpha=%.6g eps=%g",
           a.d, g.sin2, g.alpha, a.eps);
  mpfr_clears(cs, s2, al, rr, (mpfr_ptr)0);
  fc_mp_keyws_clear(&w);
  return rc;
}

/* ------------------------------------------------------- the sign lattice */

static int all_equal_magnitudes(const double *k, size_t d)
{
  for (size_t i = 1; i < d; i++)
    if (fabs(k[i]) != fabs(k[0]))
      return 0;
  return 1;
}

/* r = |sin2| on the lattice (must be exactly 0); off it r = 1 when sin2 is
 * not > 0 (the "only if"), else 0.  S = 1. */
static int stmt_lattice(mpfr_t r, mpfr_t S, void *argp, mpfr_prec_t prec)
{
  const sq_arg *a = argp;
  fc_mp_keyws w;
  int rc = fc_mp_keyws_init(&w, a->d, prec);
  if (rc)
    return rc;
  mpfr_t s2;
  mpfr_init2(s2, prec + 32);
  rc = fc_mp_key_geom(&w, a->k, NULL, s2, NULL, NULL);
  if (rc == FC_OK) {
    if (all_equal_magnitudes(a->k, a->d))
      mpfr_abs(r, s2, MPFR_RNDN);
    else
      mpfr_set_ui(r, mpfr_sgn(s2) > 0 ? 0 : 1, MPFR_RNDN);
    mpfr_set_ui(S, 1, MPFR_RNDN);
  }
  mpfr_clear(s2);
  fc_mp_keyws_clear(&w);
  return rc;
}

/* Conformance: the kernel's sin2 is exactly 0 on the lattice (bound 0: the
 * two-pass formula makes it so by construction) and > 0 off it.  Accuracy:
 * sin2 against the oracle with the harness's bound (fc_bnd_quant_key). */
static int check_lattice(fc_check_result *r, const fc_case *c,
                         const fc_check_ctx *x)
{
  const struct fc_kern_quant *K = fc_qp_kern(x);
  sq_arg a;
  int rc = load(&a, c);
  if (rc)
    return rc;
  if (K == NULL)
    return FC_EINVAL;
  rc = fc_oracle_statement(r, stmt_lattice, &a, x);
  if (rc)
    return rc;
  fc_quant_geom g = {0};
  const int rg = K->geom(&g, a.k, a.d);
  fc_bnd_quant_key_t B;
  rc = fc_bnd_quant_key(&B, a.k, a.d, fc_qp_arith());
  if (rc)
    return rc;
  const int lattice = all_equal_magnitudes(a.k, a.d);
  const double e = lattice ? fabs(g.sin2) : (g.sin2 > 0 ? 0 : 1);
  fc_qp_fold(&r->level[FC_LEVEL_CONFORMANCE], rg, e, 0, 0);
  fc_mp_keyws w;
  rc = fc_mp_keyws_init(&w, a.d, (mpfr_prec_t)x->prec);
  if (rc)
    return rc;
  mpfr_t s2;
  mpfr_init2(s2, (mpfr_prec_t)x->prec);
  rc = fc_mp_key_geom(&w, a.k, NULL, s2, NULL, NULL);
  if (rc == FC_OK) {
    if (rg == FC_OK)
      fc_oracle_accuracy(r, g.sin2, s2, B.sin2);
    else
      fc_qp_fold(&r->level[FC_LEVEL_ACCURACY], rg, INFINITY, 0, 0);
  }
  snprintf(r->note, sizeof r->note, "d=%zu %s sin^2=%a", a.d,
           lattice ? "on the lattice" : "nudged off the lattice", g.sin2);
  mpfr_clear(s2);
  fc_mp_keyws_clear(&w);
  return rc;
}

static void describe(FILE *out, const fc_case *c)
{
  sq_arg a;
  if (load(&a, c))
    return;
  fc_quant_geom g;
  if (fc_kern_quant_ref.geom(&g, a.k, a.d) != FC_OK)
    return;
  size_t z = 0;
  for (size_t i = 0; i < a.d; i++)
    z += a.k[i] == 0;
  fprintf(out,
          "    d=%zu zeros=%zu lattice=%d: cos theta=%.17g sin^2=%.17g "
          "alpha=%.17g (%a)\n",
          a.d, z, all_equal_magnitudes(a.k, a.d), g.cos_theta, g.sin2,
          g.alpha, g.alpha);
}

/* Why these properties cannot judge a plugin or exec kernel (their
 * "not provided" reason with --kernels PLUGIN; issue 16). */
static const char f8_why[] =
    "the sign-quantisation geometry (sin^2 theta, the residual of a "
    "given scale) has no kernel contract entry; signquant.cos_formula "
    "and contract.sign_quant judge sign_quant";

static const fc_property p_cos = {
    .id = "signquant.cos_formula",
    .title = "[reconstructed statement] cos theta_k = <k, sign k>/(||k|| "
             "||sign k||) = ||k||_1/(sqrt(d) ||k||_2), sign(0) = +1",
    .anchors = anchors_cos,
    .lean_file = "JensenFloor.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_cos,
    .check = check_cos,
    .kernels_via = FC_KV_PROVIDER,
    .describe = describe,
};

static const fc_property p_res = {
    .id = "signquant.residual_energy",
    .title = "[reconstructed statement] min_alpha ||k - alpha sign k||^2/"
             "||k||^2 = sin^2 theta_k = 1 - cos^2, attained at alpha = "
             "||k||_1/d",
    .anchors = anchors_res,
    .lean_file = "JensenFloor.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_res,
    .check = check_res,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f8_why,
    .describe = describe,
};

static const fc_property p_lattice = {
    .id = "signquant.lattice_zero",
    .title = "[reconstructed statement] sin^2 theta_k = 0 exactly iff all "
             "|k_i| are equal (the sign lattice), in MPFR and in the kernel",
    .anchors = anchors_res,
    .lean_file = "JensenFloor.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_lattice,
    .check = check_lattice,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f8_why,
    .describe = describe,
};

static const fc_property p_sign0 = {
    .id = "signquant.sign0_control",
    .title = "negative control [reconstructed statement]: with sign(0) = 0 "
             "the sqrt(d) cosine formula fails on keys with zeros",
    .anchors = anchors_cos,
    .lean_file = "JensenFloor.lean",
    .expect = FC_EXPECT_DETECT,
    .generate = gen_zeros,
    .check = check_sign0,
    .describe = describe,
};

static const fc_property p_res_sign0 = {
    .id = "signquant.residual_sign0_control",
    .title = "negative control [reconstructed statement]: with sign(0) = 0 "
             "the residual at alpha = ||k||_1/d is not sin^2 theta_k on keys "
             "with zeros",
    .anchors = anchors_res,
    .lean_file = "JensenFloor.lean",
    .expect = FC_EXPECT_DETECT,
    .generate = gen_zeros,
    .check = check_res_sign0,
    .describe = describe,
};

const fc_property *const fc_family_signquant[] = {
    &p_cos, &p_res, &p_lattice, &p_sign0, &p_res_sign0, NULL};

/* t-f7f10.c -- the quantisation-geometry kernels, oracles and properties
 * (F7 amplification, F8 sign quantisation, F9 moment ratios, F10 the
 * allocator).
 *
 * Proves: the reference norms survive 1e300 and 1e-300 where the naive
 * mutant overflows and underflows; sign(0) = +1; sin^2 = 0 exactly on the
 * sign lattice; the quadrature meets the closed forms to far better than
 * 2^-100 at 256 bits; the paper's figures print as 36.3% and 25%; every
 * F7-F10 holds-property passes on the reference kernels; every negative
 * control is detected, shrunk and replays; every quant mutant is caught
 * and shrunk.  The statistical properties run with the ci seed and the
 * fast sizes (a handful of cases); FC_TEST_MULTIPLIER scales the case
 * counts. */
#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <mpfr.h>
#include "fctest.h"
#include "kernels/kernels.h"
#include "kernels/quant.h"
#include "quant.h" /* oracles/quant.h */
#include "bounds/bounds.h"

static const struct fc_kern_quant *ref(void)
{
  return fc_kernels_reference()->quant;
}

static const fc_kernel_arith fp64 = {FC_FMT_FP64, FC_FMT_FP64, 0};

/* |v - exact(key)| for the MPFR geometry of k at 256 bits: what = 0 cos,
 * 1 sin^2, 2 alpha. */
static double geom_err(const double *k, size_t d, double v, int what)
{
  fc_mp_keyws w;
  double e = INFINITY;
  if (fc_mp_keyws_init(&w, d, 256) != FC_OK)
    return e;
  mpfr_t c, s2, al;
  mpfr_inits2(256, c, s2, al, (mpfr_ptr)0);
  if (fc_mp_key_geom(&w, k, c, s2, al, NULL) == FC_OK) {
    mpfr_ptr x = what == 0 ? c : what == 1 ? s2 : al;
    mpfr_sub_d(x, x, v, MPFR_RNDN);
    e = fabs(mpfr_get_d(x, MPFR_RNDU));
  }
  mpfr_clears(c, s2, al, (mpfr_ptr)0);
  fc_mp_keyws_clear(&w);
  return e;
}

static void test_norms(void)
{
  const struct fc_kern_quant *K = ref();
  const struct fc_kern_quant *N = fc_kernels_find("mutant-quant-naive-nrm2")
                                      ->quant;
  /* The harness's bound (src/bounds/quant.c) covers the reference at the
   * extremes and is tight (a few hundred u relative, not vacuous); the
   * naive mutant breaks it. */
  double x[4] = {3e300, 4e300, 0, 0}, r;
  double e = fc_bnd_quant_nrm2(x, 4, 1, &fp64);
  int rc = K->nrm2(&r, x, 4, 1);
  fct_ok(rc == FC_OK && fabs(r - 5e300) <= e && e < 5e300 * 0x1p-48,
         "nrm2 (3e300, 4e300) = 5e300 within the harness bound (%g, bound "
         "%g)", r, e);
  N->nrm2(&r, x, 4, 1);
  fct_ok(isinf(r), "naive nrm2 of (3e300, 4e300) overflows (%g)", r);
  double y[3] = {3e-300, 4e-300, 0};
  e = fc_bnd_quant_nrm2(y, 3, 1, &fp64);
  rc = K->nrm2(&r, y, 3, 1);
  fct_ok(rc == FC_OK && fabs(r - 5e-300) <= e,
         "nrm2 (3e-300, 4e-300) = 5e-300 within the harness bound (%g)", r);
  N->nrm2(&r, y, 3, 1);
  fct_ok(r == 0 && fabs(r - 5e-300) > e,
         "naive nrm2 of (3e-300, 4e-300) underflows to 0, outside the "
         "bound %g", e);
  double z[2] = {0x1p-1074, 0x1p-1074};
  e = fc_bnd_quant_nrm2(z, 2, 1, &fp64);
  rc = K->nrm2(&r, z, 2, 1);
  fct_ok(rc == FC_OK && fabs(r - 0x1p-1074 * sqrt(2.0)) <= e,
         "nrm2 of two smallest subnormals within the harness bound");
  /* The identity on a 2 x 3 matrix with a zero column, at 1e300. */
  const double W[6] = {1e300, 0, 2e300, -3e300, 0, 1e300};
  double a, f;
  rc = K->colnorm_rms(&a, W, 2, 3);
  rc |= K->frob(&f, W, 2, 3);
  fct_ok(rc == FC_OK && fabs(a - f / sqrt(3.0)) <=
                            fc_bnd_quant_colnorm_rms(W, 2, 3, &fp64) +
                                fc_bnd_quant_frob_rms(W, 2, 3, &fp64),
         "colnorm_rms = frob / sqrt(n) at 1e300 with a zero column");
  /* Every size 1..64, the harness's bound of the reference against MPFR,
   * and not vacuous (below 4 m u F: an a-priori bound is gamma-sized);
   * m = 2 once lost its relative part to 1 + u rounding to 1. */
  int cover = 1, tight = 1;
  double Wr[64];
  uint64_t st = 12345;
  mpfr_t fx;
  mpfr_init2(fx, 256);
  for (size_t m = 1; m <= 64; m++) {
    for (size_t i = 0; i < m; i++) {
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      Wr[i] = ldexp((double)(st >> 11), -53) + (i == 0);
    }
    double fr;
    const double bf = fc_bnd_quant_frob(Wr, m, 1, &fp64);
    rc = K->frob(&fr, Wr, m, 1);
    rc |= fc_mp_frob(fx, Wr, m, 1);
    mpfr_sub_d(fx, fx, fr, MPFR_RNDN);
    cover &= rc == FC_OK && fabs(mpfr_get_d(fx, MPFR_RNDU)) <= bf;
    tight &= bf <= 4 * (double)m * 0x1p-53 * fr;
  }
  mpfr_clear(fx);
  fct_ok(cover && tight, "frob of m x 1, m = 1..64: the reference within "
         "the harness bound, the bound below 4 m u ||W||");
  const double z6[6] = {0};
  fct_ok(fc_bnd_quant_nrm2(z6, 6, 1, &fp64) == 0 &&
             fc_bnd_quant_frob_rms(z6, 2, 3, &fp64) == 0,
         "the bound of the norm of 0 is 0 (the table returns exactly 0)");
  /* Vacuous where the model does not apply. */
  const fc_kernel_arith narrow = {FC_FMT_FP64, FC_FMT_FP32, 0};
  fct_ok(fc_bnd_vacuous(fc_bnd_quant_nrm2(x, 4, 1, &narrow)) &&
             fc_bnd_vacuous(fc_bnd_quant_nrm2((double[]){NAN}, 1, 1, &fp64)) &&
             fc_bnd_vacuous(fc_bnd_quant_colnorm_rms(W, 2, 0, &fp64)),
         "quant bounds are vacuous for fp64 storage read at fp32, a NaN "
         "input, n = 0");
  fct_ok(K->nrm2(&r, (double[]){NAN}, 1, 1) == FC_EINVAL,
         "nrm2 refuses NaN input");
  fct_ok(K->colnorm_rms(&r, W, 2, 0) == FC_EINVAL,
         "colnorm_rms refuses n = 0");
}

static void test_signquant(void)
{
  const struct fc_kern_quant *K = ref();
  const double k[4] = {0.0, -0.0, -2.0, 3.0};
  double s[4];
  K->sign(s, k, 4);
  fct_ok(s[0] == 1 && s[1] == 1 && s[2] == -1 && s[3] == 1,
         "sign(0) = sign(-0) = +1");
  /* Lattice: sin^2 exactly 0, for awkward magnitudes and d. */
  static double lat[4096];
  int exact = 1;
  const double mags[] = {1.0, 0.1, 1e300, 1e-300, 0x1p-1074, 3.0};
  for (size_t m = 0; m < sizeof mags / sizeof mags[0]; m++)
    for (size_t d = 1; d <= 4096; d = d * 3 + 1) {
      for (size_t i = 0; i < d; i++)
        lat[i] = (i % 3 == 1) ? -mags[m] : mags[m];
      fc_quant_geom g;
      exact &= K->geom(&g, lat, d) == FC_OK && g.sin2 == 0
               && g.alpha == mags[m];
    }
  fct_ok(exact, "sin^2 = 0 and alpha = |k_i| exactly on the sign lattice");
  fc_quant_geom g;
  fc_bnd_quant_key_t B;
  fct_ok(K->geom(&g, (double[]){0, 0}, 2) == FC_EINVAL &&
             fc_bnd_quant_key(&B, (double[]){0, 0}, 2, &fp64) == FC_EINVAL &&
             fc_bnd_vacuous(B.sin2),
         "geom and its bound refuse the zero key");
  /* cos theta of (1, 0): 1/sqrt(2) with sign(0) = +1. */
  fct_ok(K->geom(&g, (double[]){1, 0}, 2) == FC_OK &&
             fc_bnd_quant_key(&B, (double[]){1, 0}, 2, &fp64) == FC_OK &&
             fabs(g.cos_theta - sqrt(0.5)) <= B.cos_theta,
         "cos theta of (1, 0) = 1/sqrt(2) within the harness bound");
  /* A key near the sign lattice (one magnitude nudged by 3 ulps), d = 300,
   * at 1e-300: the reference meets the harness bounds of cos, sin^2 and
   * alpha; the 1 - cos^2 and RMS-scale mutants break them (negative
   * controls of the bounds). */
  static double kn[300];
  for (size_t i = 0; i < 300; i++)
    kn[i] = (i % 2 ? -1.25e-300 : 1.25e-300);
  kn[7] = nextafter(nextafter(nextafter(kn[7], 1.0), 1.0), 1.0);
  const struct fc_kern_quant *C = fc_kernels_find("mutant-quant-sin2-cancel")
                                      ->quant;
  const struct fc_kern_quant *R = fc_kernels_find("mutant-quant-alpha-rms")
                                      ->quant;
  int ok = fc_bnd_quant_key(&B, kn, 300, &fp64) == FC_OK &&
           K->geom(&g, kn, 300) == FC_OK;
  fct_ok(ok && geom_err(kn, 300, g.cos_theta, 0) <= B.cos_theta &&
             geom_err(kn, 300, g.sin2, 1) <= B.sin2 &&
             geom_err(kn, 300, g.alpha, 2) <= B.alpha &&
             B.sin2 < 0x1p-60 && B.alpha < 1.25e-300 * 0x1p-50,
         "near-lattice key at 1e-300: the reference within the harness "
         "bounds (sin2 %a, bound %a)", g.sin2, B.sin2);
  ok = C->geom(&g, kn, 300) == FC_OK;
  fct_ok(ok && geom_err(kn, 300, g.sin2, 1) > B.sin2,
         "1 - cos^2 near the lattice misses sin^2 by more than the bound "
         "(%a vs %a)", geom_err(kn, 300, g.sin2, 1), B.sin2);
  const double kg[4] = {1, -2, 3, 0.5};
  ok = R->geom(&g, kg, 4) == FC_OK &&
       fc_bnd_quant_key(&B, kg, 4, &fp64) == FC_OK;
  fct_ok(ok && geom_err(kg, 4, g.alpha, 2) > B.alpha,
         "the RMS scale misses ||k||_1/d by more than the alpha bound");
  /* Every d in 1..64 (random keys, some coordinates 0): cos, sin^2 and
   * alpha of the reference within the harness bounds against MPFR. */
  int cover = 1;
  double kr[64];
  uint64_t st = 777;
  for (size_t d = 1; d <= 64; d++) {
    for (size_t i = 0; i < d; i++) {
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      kr[i] = (st >> 60) == 0 ? 0.0 : ldexp((double)(st >> 11), -53) - 0.5;
    }
    kr[0] = 1.5;
    cover &= K->geom(&g, kr, d) == FC_OK &&
             fc_bnd_quant_key(&B, kr, d, &fp64) == FC_OK &&
             geom_err(kr, d, g.cos_theta, 0) <= B.cos_theta &&
             geom_err(kr, d, g.sin2, 1) <= B.sin2 &&
             geom_err(kr, d, g.alpha, 2) <= B.alpha;
  }
  fct_ok(cover, "geometry of random keys, d = 1..64: the reference within "
         "the harness bounds");
  /* The residual kernel on its input alpha. */
  double r0;
  const double al = 1.625, e0 = fc_bnd_quant_residual(kg, 4, al, &fp64);
  fct_ok(K->residual(&r0, kg, 4, al) == FC_OK &&
             fabs(r0 - 3.6875 / 14.25) <= e0 &&
             e0 < 0x1p-48,
         "residual of (1, -2, 3, 0.5) at 1.625 within the harness bound "
         "%a", e0);
}

static void test_quadrature(void)
{
  mpfr_t q1, q2, c1, c2, t;
  mpfr_inits2(256, q1, q2, c1, c2, t, (mpfr_ptr)0);
  const fc_dist ds[] = {{FC_DIST_GAUSS, 1.5, 0},
                        {FC_DIST_UNIFORM, 0.25, 0},
                        {FC_DIST_LAPLACE, 3, 0},
                        {FC_DIST_GENNORM, 1, 0.75},
                        {FC_DIST_STUDENT, 1, 2.5}};
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
    int rc = fc_mp_quad_moments(q1, q2, &ds[i], NULL);
    rc |= fc_mp_abs_moment(c1, &ds[i], 1);
    rc |= fc_mp_abs_moment(c2, &ds[i], 2);
    mpfr_sub(t, q1, c1, MPFR_RNDN);
    mpfr_div(t, t, c1, MPFR_RNDN);
    const double e1 = fabs(mpfr_get_d(t, MPFR_RNDN));
    mpfr_sub(t, q2, c2, MPFR_RNDN);
    mpfr_div(t, t, c2, MPFR_RNDN);
    const double e2 = fabs(mpfr_get_d(t, MPFR_RNDN));
    fct_ok(rc == FC_OK && e1 < 0x1p-200 && e2 < 0x1p-200,
           "quadrature of %s meets the closed forms at 256 bits "
           "(relative differences %g and %g; below 2^-200 required, the "
           "issue asks 2^-100)",
           fc_dist_name(ds[i].kind), e1, e2);
  }
  const fc_dist bad = {FC_DIST_STUDENT, 1, 2.0};
  fct_ok(fc_mp_quad_moments(q1, q2, &bad, NULL) == FC_EINVAL,
         "quadrature refuses Student-t with nu = 2 (infinite variance)");
  mpfr_clears(q1, q2, c1, c2, t, (mpfr_ptr)0);
  char b1[16], b2[16];
  snprintf(b1, sizeof b1, "%.1f", 100 * (1 - 2 / M_PI));
  snprintf(b2, sizeof b2, "%.0f", 100 * (1 - 0.75));
  fct_ok(strcmp(b1, "36.3") == 0 && strcmp(b2, "25") == 0,
         "the floors print as %s%% and %s%%", b1, b2);
}

static void test_certified(void)
{
  const struct fc_kern_quant *K = ref();
  /* (x, 1, 1, ...) at d = 512 with x a little above the 40-degree
   * solution: both allocators must agree off the threshold. */
  static double key[512];
  for (int i = 0; i < 512; i++)
    key[i] = 1;
  key[0] = 30;
  int bp, bc, esc;
  int rc = K->alloc_plain(&bp, NULL, key, 1, 512, 512);
  rc |= K->alloc_certified(&bc, &esc, key, 1, 512, 512);
  fct_ok(rc == FC_OK && bp == bc && !esc,
         "plain and certified agree far from the thresholds (%d bits)", bp);
  /* The mean angle against MPFR within the harness's fc_bnd_mean_angle
   * (written for the acos form; src/bounds/quant.c argues it covers the
   * table's atan2 form). */
  double ang;
  fc_mp_keyws w;
  mpfr_t ex;
  mpfr_init2(ex, 256);
  rc = K->mean_angle(&ang, key, 1, 512);
  rc |= fc_mp_keyws_init(&w, 512, 256);
  if (rc == FC_OK) {
    rc = fc_mp_mean_angle_deg(ex, &w, key, 1);
    fc_mp_keyws_clear(&w);
  }
  mpfr_sub_d(ex, ex, ang, MPFR_RNDN);
  const double ea = fabs(mpfr_get_d(ex, MPFR_RNDU));
  const double ba = fc_bnd_mean_angle(key, 1, 512, &fp64);
  mpfr_clear(ex);
  fct_ok(rc == FC_OK && ea <= ba && ba < 0x1p-30,
         "mean angle within the harness bound (error %a, bound %a)", ea, ba);
  int cmp;
  rc = fc_quant_mp_cmp_mean_angle(&cmp, key, 1, 512, 0.0, 256);
  fct_ok(rc == FC_OK && cmp == 1, "MPFR escalation: angle > 0");
  fct_ok(fc_quant_mp_cmp_mean_angle(&cmp, (double[]){0, 0}, 1, 2, 40, 256)
             == FC_EINVAL,
         "MPFR escalation refuses the zero key");
}

int main(void)
{
  fct_start("t-f7f10");
  test_norms();
  test_signquant();
  test_quadrature();
  test_certified();

  fc_run_config cfg;
  fct_config(&cfg);
  const long mult = fct_multiplier();
  /* Cheap properties. */
  cfg.cases = 40 * mult;
  static const char *const cheap[] = {
      "amplification.frob_identity", "amplification.wrong_divisor",
      "signquant.cos_formula",       "signquant.residual_energy",
      "signquant.lattice_zero",      "signquant.sign0_control",
      "moment.gennorm_meets",        "moment.paper_figures",
      "allocator.rule_monotone",     "allocator.plain_exact",
      "allocator.certified_exact"};
  for (size_t i = 0; i < sizeof cheap / sizeof cheap[0]; i++)
    fct_expect_pass(cheap[i], &cfg);
  /* Quadrature (a few tenths of a second per case). */
  cfg.cases = 3 * mult;
  static const char *const quad[] = {
      "moment.gaussian_closed_form", "moment.uniform_closed_form",
      "moment.laplace_closed_form", "moment.gennorm_closed_form",
      "moment.student_closed_form"};
  for (size_t i = 0; i < sizeof quad / sizeof quad[0]; i++)
    fct_expect_pass(quad[i], &cfg);
  /* Monte Carlo, fast sizes. */
  cfg.cases = 4 * mult;
  fct_expect_pass("moment.iid_floor", &cfg);
  fct_expect_pass("moment.clt_attractor", &cfg);
  fct_expect_pass("moment.dependent_control", &cfg);
  /* Mutants. */
  cfg.cases = 40 * mult;
  fct_expect_caught("amplification.frob_identity", "mutant-quant-naive-nrm2",
                    &cfg);
  fct_expect_caught("amplification.frob_identity", "mutant-quant-rms-rows",
                    &cfg);
  fct_expect_caught("signquant.cos_formula", "mutant-quant-sign0", &cfg);
  fct_expect_caught("signquant.lattice_zero", "mutant-quant-sin2-cancel",
                    &cfg);
  fct_expect_caught("signquant.residual_energy", "mutant-quant-alpha-rms",
                    &cfg);
  fct_expect_caught("allocator.certified_exact",
                    "mutant-quant-cert-noescalate", &cfg);
  return fct_end();
}

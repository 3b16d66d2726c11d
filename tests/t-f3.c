/* t-f3.c -- F3, the commutant of a full RoPE schedule (issue 3).
 *
 * Every commutant.* property meets its expectation (the negative controls
 * are detected and shrunk), every RoPE mutant is caught and shrunk, the
 * mixing control shrinks to head dimension 4 / one Givens rotation / two
 * positions, and the rotation generators are checked directly by the MPFR
 * oracle. */
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "engine/engine_internal.h"
#include "gen/schedule.h"
#include "rope.h" /* oracles/rope.h */

static const char *const holds[] = {
    "commutant.projection", "commutant.iff", "commutant.gap",
    "commutant.samples", "commutant.rope_accuracy"};
static const char *const controls[] = {
    "commutant.mixing", "commutant.near_collision", "commutant.haar",
    "commutant.nonorthogonal"};
static const char *const mutants[] = {
    "mutant-rope-phase-float", "mutant-rope-wrong-layout",
    "mutant-rope-position-off-by-one"};

/* ||[Q, Theta(p)]||_F and ||Q^T Q - I||_F in MPFR at 256 bits. */
static void oracle_norms(double *comm, double *orth, const fc_mpmat_t Q,
                         const fc_schedule *s, const long *pos, size_t np)
{
  const size_t d = s->d;
  fc_mpmat_t T, A, B, C;
  mpfr_t t;
  fc_mpmat_init(T, d, d, 256);
  fc_mpmat_init(A, d, d, 256);
  fc_mpmat_init(B, d, d, 256);
  fc_mpmat_init(C, d, d, 256);
  mpfr_init2(t, 256);
  *comm = 0;
  for (size_t q = 0; q < np; q++) {
    fc_mpmat_rope(T, s, pos[q]);
    fc_mpmat_mul(A, NULL, Q, T);
    fc_mpmat_mul(B, NULL, T, Q);
    fc_mpmat_sub(C, A, B);
    fc_mpmat_frob(t, C);
    if (mpfr_get_d(t, MPFR_RNDU) > *comm)
      *comm = mpfr_get_d(t, MPFR_RNDU);
  }
  fc_mpmat_transpose(T, Q);
  fc_mpmat_mul(A, NULL, T, Q);
  fc_mpmat_set_identity(B);
  fc_mpmat_sub(C, A, B);
  fc_mpmat_frob(t, C);
  *orth = mpfr_get_d(t, MPFR_RNDU);
  fc_mpmat_clear(T);
  fc_mpmat_clear(A);
  fc_mpmat_clear(B);
  fc_mpmat_clear(C);
  mpfr_clear(t);
}

/* The generators, checked by the oracle on random schedules: commuting
 * rotations commute (to 2^-240) and are orthogonal at every position,
 * 0 included; mixing and Haar-like rotations do not commute; the
 * near-commuting ones miss by about their mixing angle; non-orthogonal
 * commutant members commute but are not orthogonal. */
static void test_generators(void)
{
  static const long pos[] = {0, 1, 7, 12345, 1L << 20};
  const size_t np = sizeof pos / sizeof pos[0];
  const long n = 150 * fct_multiplier();
  long bad_comm = 0, bad_mix = 0, bad_near = 0, bad_nonorth = 0, runs = 0;
  long mixing_cases = 0, nonorth_cases = 0, identity_cases = 0;
  double worst_comm = 0, worst_orth = 0;
  for (long t = 0; t < n; t++) {
    fc_rng rng;
    fc_rng_stream(&rng, fct_seed(), "t-f3.generators", (uint64_t)t);
    fc_draw d;
    fc_draw_init_generate(&d, &rng, 1.0, 1u << 16);
    fc_case *c = fc_case_new();
    fc_schedule s;
    int rc = c ? fc_draw_schedule(c, &d, "s", 2, 16) : FC_ENOMEM;
    if (rc == FC_OK)
      rc = fc_schedule_view(&s, c, "s");
    if (rc == FC_OK)
      rc = fc_draw_commuting_rotation(c, &d, "Q", &s);
    if (rc == FC_OK) {
      const int mixable = fc_draw_mixing_rotation(c, &d, "M", &s) == FC_OK;
      const int near = mixable
                       && fc_draw_near_commuting_rotation(c, &d, "N", &s,
                                                          0x1p-20) == FC_OK;
      rc = fc_draw_commuting_matrix(c, &d, "X", &s);
      fc_givens g;
      fc_mpmat_t Q;
      double comm, orth;
      if (rc == FC_OK && fc_givens_view(&g, c, "Q", s.d) == FC_OK
          && fc_mpmat_init(Q, s.d, s.d, 256) == FC_OK) {
        runs++;
        fc_mpmat_givens(Q, &g);
        oracle_norms(&comm, &orth, Q, &s, pos, np);
        if (comm > 0x1p-240 * (double)(g.count + 1)
            || orth > 0x1p-240 * (double)(g.count + 1))
          bad_comm++;
        identity_cases += g.count == 0 && !g.reflect;
        worst_comm = comm > worst_comm ? comm : worst_comm;
        worst_orth = orth > worst_orth ? orth : worst_orth;
        if (mixable && fc_givens_view(&g, c, "M", s.d) == FC_OK) {
          mixing_cases++;
          fc_mpmat_givens(Q, &g);
          oracle_norms(&comm, &orth, Q, &s, pos, np);
          /* a mixing Givens by angle w moves the matrix by |sin w|-ish:
           * its commutator must be far above rounding unless w ~ 0. */
          const double w = fabs(sin(2 * M_PI * g.turns[0]));
          if (g.count != 1 || (w > 1e-3 && comm < 1e-60) || orth > 1e-70)
            bad_mix++;
        }
        if (near && fc_givens_view(&g, c, "N", s.d) == FC_OK) {
          fc_mpmat_givens(Q, &g);
          oracle_norms(&comm, &orth, Q, &s, pos, np);
          /* ||[G Q0, Theta]|| <= ||[G, Theta]|| <= 2 ||G - I|| ~ 2 sqrt2
           * 2 pi 2^-20: near, and nonzero. */
          if (!(comm > 0) || comm > 8 * 2 * M_PI * 0x1p-20 || orth > 1e-70)
            bad_near++;
        }
        const double *X = fc_commuting_matrix_view(c, "X", s.d);
        if (X) {
          fc_mpmat_set_d(Q, X);
          oracle_norms(&comm, &orth, Q, &s, pos, np);
          if (comm > 1e-60)
            bad_nonorth++;
          nonorth_cases += orth > 0.5;
        }
        fc_mpmat_clear(Q);
      }
    }
    fc_case_free(c);
    fc_draw_clear(&d);
  }
  fct_ok(runs > n / 2, "generators ran on %ld of %ld random schedules", runs,
         n);
  fct_ok(bad_comm == 0,
         "commuting rotations commute and are orthogonal at p = 0, 1, 7, "
         "12345, 2^20 (worst %.3g, %.3g; %ld identity draws)", worst_comm,
         worst_orth, identity_cases);
  fct_ok(bad_mix == 0 && mixing_cases > 0,
         "mixing rotations (%ld) are single Givens that do not commute",
         mixing_cases);
  fct_ok(bad_near == 0, "near-commuting rotations miss by about the mixing "
                        "angle, not more, not zero");
  fct_ok(bad_nonorth == 0 && nonorth_cases > 0,
         "non-orthogonal commutant members commute (%ld of them not "
         "orthogonal)", nonorth_cases);
}

/* The mixing control must shrink to d = 4, one Givens, two positions. */
static void test_mixing_shrink(const fc_run_config *cfg)
{
  fc_prop_result res;
  if (fct_run_prop(&res, "commutant.mixing", NULL, cfg))
    return;
  int ok = res.status == FC_STATUS_PASS && res.cex != NULL;
  size_t np = 0, ng = 0;
  long d = -1;
  if (ok) {
    d = fc_case_dim(res.cex->values, "s.d", -1);
    fc_case_ints(res.cex->values, "p", &np, NULL);
    fc_case_ints(res.cex->values, "R.i", &ng, NULL);
  }
  fct_ok(ok && d == 4 && ng == 1 && np == 2,
         "commutant.mixing shrinks to head dimension %ld, %zu Givens, %zu "
         "positions (want 4, 1, 2)", d, ng, np);
  if (ok)
    fct_diag("note: %s", res.cex->check.note);
  fc_prop_result_clear(&res);
  /* The near-collision control reports the gap in its note. */
  if (fct_run_prop(&res, "commutant.near_collision", NULL, cfg))
    return;
  ok = res.status == FC_STATUS_PASS && res.cex != NULL
       && strstr(res.cex->check.note, "gap=") != NULL;
  fct_ok(ok, "commutant.near_collision is detected (ratio %.3g) and its "
             "note gives the gap: %s",
         res.cex ? res.cex->check.level[FC_LEVEL_STATEMENT].ratio : 0.0,
         res.cex ? res.cex->check.note : "(none)");
  fc_prop_result_clear(&res);
}

/* A one-ulp collision is still detected at the statement level, and the
 * note reports how close it is. */
static void test_one_ulp(const fc_run_config *cfg)
{
  const fc_property *p = fc_properties_find("commutant.near_collision");
  fc_case *c = fc_case_new();
  double th[2] = {1, nextafter(1.0, 2.0)};
  fc_schedule s = {4, 4, FC_LAYOUT_HALF, th};
  long *pos, *I, *J, *R;
  double *T;
  int ok = p && c && fc_schedule_store(c, "s", &s) == FC_OK
           && (pos = fc_case_add_ints(c, "p", 2, 1)) != NULL
           && (I = fc_case_add_ints(c, "R.i", 2, 1)) != NULL
           && (J = fc_case_add_ints(c, "R.j", 2, 1)) != NULL
           && (T = fc_case_add_reals(c, "R.turns", 2, 1)) != NULL
           && (R = fc_case_add_ints(c, "R.reflect", 1, 1)) != NULL;
  if (ok) {
    pos[0] = 0;
    pos[1] = 1;
    /* half layout: plane 0 = (0, 2), plane 1 = (1, 3); the complex
     * rotation mixing them by an eighth of a turn */
    I[0] = 0;
    J[0] = 1;
    I[1] = 2;
    J[1] = 3;
    T[0] = T[1] = 0.125;
    *R = 0;
    fc_check_result r;
    memset(&r, 0, sizeof r);
    fc_check_ctx x = {cfg->prec, cfg->slack_bits, fc_kernels_reference()};
    ok = p->check(&r, c, &x) == FC_OK;
    int level;
    ok = ok && fc_judge(&level, &r, p, cfg, 1.0);
    /* ||[R, Theta(1)]|| = 2 sin(2^-53) ||R - Pc R|| = 2^-52 * 2 sin(pi/4) */
    fct_ok(ok && strstr(r.note, "gap=2.22e-16") != NULL,
           "a one-ulp collision (theta = 1, 1 + 2^-52) is detected: "
           "statement ratio %.3g; %s", r.level[FC_LEVEL_STATEMENT].ratio,
           r.note);
  } else {
    fct_ok(0, "one-ulp case built");
  }
  fc_case_free(c);
}

int main(void)
{
  fct_start("t-f3");
  fc_run_config cfg;
  fct_config(&cfg);
  for (size_t k = 0; k < sizeof holds / sizeof holds[0]; k++)
    fct_expect_pass(holds[k], &cfg);
  for (size_t k = 0; k < sizeof controls / sizeof controls[0]; k++)
    fct_expect_pass(controls[k], &cfg);
  for (size_t k = 0; k < sizeof mutants / sizeof mutants[0]; k++)
    fct_expect_caught("commutant.rope_accuracy", mutants[k], &cfg);
  test_mixing_shrink(&cfg);
  test_one_ulp(&cfg);
  test_generators();
  mpfr_free_cache();
  return fct_end();
}

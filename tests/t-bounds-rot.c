/* t-bounds-rot.c -- issue 16 item 3, the attention/RoPE family: the
 * harness's bounds of its own Givens products (fc_bnd_givens) and of the
 * commutant projection (fc_bnd_project), src/bounds/rotation.c, against
 * the MPFR oracle, each with a negative control:
 *
 * - fc_givens_build_d vs the exact product (fc_mpmat_givens at 256 bits)
 *   over random rotations (n up to 64, up to 64 Givens, angles of every
 *   size, reflections): error / bound <= 1 everywhere, and the worst ratio
 *   is printed (not vacuous: above 2^-10); the same product with the angle
 *   formed in binary32 (the RoPE phase bug of mutant-rope-phase-float)
 *   exceeds the bound;
 * - the reference projection (the rope sub-table's `project`) vs the exact
 *   projection (fc_mpmat_commutant_project) over schedules with repeated,
 *   opposite and zero frequencies: error / bound <= 1, worst printed
 *   (above 1/4: the bound is one rounding of the sum, and ties are
 *   common); a projection rounded to binary32 exceeds it;
 * - the bounds are 0 where the result is exact (copied and zeroed
 *   entries), and the functions refuse malformed rotations;
 * - fp64 underflow: eta/2 = 2^-1075 is not a double, so the model's
 *   absolute term is taken as eta at fp64 (bounds.c, rotation.c): the
 *   built-in RoPE on subnormal inputs stays within fc_bnd_rope. */
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "bounds/bounds.h"
#include "gen/presets.h"
#include "gen/schedule.h"
#include "kernels/rope.h"
#include "oracle.h" /* oracles/oracle.h */
#include "rope.h" /* oracles/rope.h */

#define PREC 256
#define NMAX 64
#define GMAX 64

/* max over entries of |D - exact| / B (0 / 0 = 0, x / 0 = inf). */
static double worst_ratio(const double *D, const fc_mpmat_t M, const double *B,
                          size_t n)
{
  mpfr_t t;
  mpfr_init2(t, PREC);
  double w = 0;
  for (size_t e = 0; e < n; e++) {
    mpfr_sub_d(t, M->e[e], D[e], MPFR_RNDN);
    const double err = fabs(mpfr_get_d(t, MPFR_RNDU));
    const double r = B[e] > 0 ? err / B[e] : (err > 0 ? INFINITY : 0);
    if (r > w || isnan(r))
      w = isnan(r) ? INFINITY : r;
  }
  mpfr_clear(t);
  return w;
}

/* The Givens product with w = (float)(2 pi t): the float-phase bug. */
static void givens_build_float(double *Q, const fc_givens *g)
{
  const size_t n = g->n;
  for (size_t r = 0; r < n * n; r++)
    Q[r] = (r / n) == (r % n);
  for (size_t k = 0; k < g->count; k++) {
    const float wf = (float)(2 * M_PI * g->turns[k]);
    const double c = cos((double)wf), s = sin((double)wf);
    const size_t i = (size_t)g->i[k], j = (size_t)g->j[k];
    for (size_t col = 0; col < n; col++) {
      const double qi = Q[i * n + col], qj = Q[j * n + col];
      Q[i * n + col] = c * qi - s * qj;
      Q[j * n + col] = s * qi + c * qj;
    }
  }
  if (g->reflect)
    for (size_t r = 0; r < n; r++)
      Q[r * n] = -Q[r * n];
}

static void test_givens(void)
{
  static const size_t dims[] = {2, 3, 4, 8, 16, 64};
  fc_rng rng;
  fc_rng_seed(&rng, 20261205);
  long I[GMAX], J[GMAX];
  double turns[GMAX];
  double *Q = malloc(NMAX * NMAX * sizeof *Q), *EQ = malloc(NMAX * NMAX *
                                                            sizeof *EQ);
  double *Qf = malloc(NMAX * NMAX * sizeof *Qf);
  double worst = 0, worst_float = INFINITY;
  int ok = 1, runs = 0, nfloat = 0;
  for (size_t di = 0; Q && EQ && Qf && di < sizeof dims / sizeof dims[0];
       di++) {
    const size_t n = dims[di];
    for (int rep = 0; rep < 20 * fct_multiplier(); rep++) {
      const size_t count = 1 + (size_t)fc_rng_below(&rng, GMAX - 1);
      int sizable = 0; /* an angle the binary32 phase visibly rounds */
      for (size_t k = 0; k < count; k++) {
        I[k] = (long)fc_rng_below(&rng, n - 1);
        do
          J[k] = (long)fc_rng_below(&rng, n - 1);
        while (J[k] == I[k]);
        /* angles of every size: tiny, ordinary, several turns, dyadic */
        const int kind = (int)fc_rng_below(&rng, 3);
        const double u = 2 * fc_rng_unit(&rng) - 1;
        turns[k] = kind == 0   ? ldexp(u, -30)
                   : kind == 1 ? u
                   : kind == 2 ? 37.0 * u
                               : 0.125;
        sizable |= fabs(turns[k]) >= 0x1p-10;
      }
      const fc_givens g = {n, count, I, J, turns,
                           (int)fc_rng_below(&rng, 1)};
      fc_givens_build_d(Q, &g);
      if (fc_bnd_givens(EQ, &g) != FC_OK) {
        ok = 0;
        continue;
      }
      fc_mpmat_t M;
      if (fc_mpmat_init(M, n, n, PREC) != FC_OK)
        continue;
      if (fc_mpmat_givens(M, &g) == FC_OK) {
        const double w = worst_ratio(Q, M, EQ, n * n);
        worst = w > worst ? w : worst;
        if (sizable) {
          givens_build_float(Qf, &g);
          const double wf = worst_ratio(Qf, M, EQ, n * n);
          worst_float = wf < worst_float ? wf : worst_float;
          nfloat++;
        }
        runs++;
      }
      fc_mpmat_clear(M);
    }
  }
  fct_ok(ok && runs > 0 && worst <= 1 && worst > 0x1p-10,
         "fc_bnd_givens holds on %d random Givens products (n <= %d, up to "
         "%d rotations): worst error/bound %.3g", runs, NMAX, GMAX, worst);
  fct_ok(nfloat > runs / 2 && worst_float > 1,
         "negative control: the same products with the angle in binary32 "
         "exceed the bound in each of the %d cases with an angle >= 2^-10 "
         "turns (smallest worst ratio %.3g)", nfloat, worst_float);
  /* The identity (no rotation) is exact: bound 0; a bad plane is refused. */
  const fc_givens id = {4, 0, NULL, NULL, NULL, 1};
  int zero = fc_bnd_givens(EQ, &id) == FC_OK;
  for (size_t e = 0; zero && e < 16; e++)
    zero = EQ[e] == 0;
  fct_ok(zero, "fc_bnd_givens: no rotation (a reflection only) has bound 0");
  long bi[1] = {1}, bj[1] = {1};
  double bt[1] = {0.25};
  const fc_givens bad = {4, 1, bi, bj, bt, 0};
  fct_ok(fc_bnd_givens(EQ, &bad) == FC_EINVAL,
         "fc_bnd_givens refuses a rotation of a plane with itself");
  free(Q);
  free(EQ);
  free(Qf);
}

/* Schedules with SAME (repeated theta), ANTI (opposite theta) and fixed
 * (zero theta) relations, in both layouts, and a preset. */
static void test_project(void)
{
  static const char *const specs[] = {
      "theta:1,1,-1,0,0.5,0.5", "theta:0.25,-0.25,0.25,0,0,3,layout=interleaved",
      "theta:1,2,3,4", "geom:d=16,base=10000"};
  const fc_kernels *k = fc_kernels_reference();
  fc_rng rng;
  fc_rng_seed(&rng, 1605);
  double worst = 0, worst_float = INFINITY;
  int runs = 0, exact_ok = 1;
  for (size_t si = 0; si < sizeof specs / sizeof specs[0]; si++) {
    fc_schedule_buf b;
    fc_schedule_buf_zero(&b);
    fc_error err = {0, ""};
    if (!fct_ok(fc_schedule_parse(&b, specs[si], &err) == FC_OK,
                "parse %s", specs[si]))
      continue;
    const size_t d = b.s.d, m = d / 2, dd = d * d;
    unsigned char *rel = malloc(m * m);
    double *X = malloc(dd * sizeof *X), *Y = malloc(dd * sizeof *Y),
           *EY = malloc(dd * sizeof *EY);
    fc_mpmat_t MX, MY;
    if (rel && X && Y && EY &&
        fc_schedule_relations(rel, &b.s, NULL, 0) == FC_OK &&
        fc_mpmat_init(MX, d, d, PREC) == FC_OK) {
      if (fc_mpmat_init(MY, d, d, PREC) == FC_OK) {
        for (int rep = 0; rep < 50 * fct_multiplier(); rep++) {
          /* short dyadics (ties of the halving's sum are common) or
           * full-precision values, some subnormal */
          for (size_t e = 0; e < dd; e++) {
            const double u = 2 * fc_rng_unit(&rng) - 1;
            X[e] = rep % 3 == 0   ? ldexp(floor(u * 64), -5)
                   : rep % 3 == 1 ? u
                                  : ldexp(u, -1060);
          }
          k->rope->project(Y, X, &b.s, rel);
          fc_bnd_project(EY, X, &b.s, rel);
          fc_mpmat_set_d(MX, X);
          if (fc_mpmat_commutant_project(MY, MX, &b.s, rel) != FC_OK)
            continue;
          const double w = worst_ratio(Y, MY, EY, dd);
          worst = w > worst ? w : worst;
          /* exact entries (bound 0) must be exact: checked by the ratio
           * (x / 0 = inf); count that zero bounds occur at all */
          for (size_t e = 0; e < dd; e++)
            if (EY[e] == 0 && Y[e] != 0 && mpfr_cmp_d(MY->e[e], Y[e]) != 0)
              exact_ok = 0;
          if (rep % 3 == 1) { /* a projection rounded to binary32 */
            for (size_t e = 0; e < dd; e++)
              Y[e] = (double)(float)Y[e];
            const double wf = worst_ratio(Y, MY, EY, dd);
            worst_float = wf < worst_float ? wf : worst_float;
          }
          runs++;
        }
        fc_mpmat_clear(MY);
      }
      fc_mpmat_clear(MX);
    }
    free(rel);
    free(X);
    free(Y);
    free(EY);
    fc_schedule_buf_clear(&b);
  }
  fct_ok(runs > 0 && worst <= 1 && worst > 0.25 && exact_ok,
         "fc_bnd_project holds on %d projections (repeated, opposite and "
         "zero frequencies): worst error/bound %.3g", runs, worst);
  fct_ok(runs > 0 && worst_float > 1,
         "negative control: projections rounded to binary32 exceed the "
         "bound (smallest worst ratio %.3g)", worst_float);
}

/* fp64 underflow: the built-in RoPE on inputs a few subnormal quanta
 * wide, judged against fc_bnd_rope at fp64/fp64.  Each product rounds
 * to a multiple of 2^-1074 with an absolute error up to eta/2 = 2^-1075,
 * which is not a double: a bound that adds eta/2 in double adds 0. */
static void test_fp64_underflow(void)
{
  const fc_kernels *k = fc_kernels_reference();
  const fc_kernel_arith fp64 = {FC_FMT_FP64, FC_FMT_FP64, 0};
  fc_schedule_buf b;
  fc_schedule_buf_zero(&b);
  fc_error err = {0, ""};
  if (!fct_ok(fc_schedule_parse(&b, "geom:d=8,base=10000", &err) == FC_OK,
              "parse geom:d=8"))
    return;
  const size_t d = b.s.d;
  double x[8], out[8], E[8];
  mpfr_t in[8], ex[8], t;
  for (size_t i = 0; i < d; i++) {
    mpfr_init2(in[i], 53);
    mpfr_init2(ex[i], PREC);
  }
  mpfr_init2(t, PREC);
  double worst = 0;
  int zero_bound = 0;
  for (long p = 1; p < 200; p += 7)
    for (size_t i = 0; i < d; i++) {
      for (size_t j = 0; j < d; j++)
        x[j] = ldexp((double)((long)(i + j * p) % 7 - 3), -1074);
      const int64_t p64 = p;
      k->rope->apply(out, x, &b.s, p);
      fc_bnd_rope(E, x, NULL, 1, &p64, &b.s, &fp64);
      for (size_t j = 0; j < d; j++)
        mpfr_set_d(in[j], x[j], MPFR_RNDN);
      fc_mp_rope_apply(ex, in, &b.s, p);
      for (size_t j = 0; j < d; j++) {
        mpfr_sub_d(t, ex[j], out[j], MPFR_RNDN);
        const double e = fabs(mpfr_get_d(t, MPFR_RNDU));
        const double r = E[j] > 0 ? e / E[j] : (e > 0 ? INFINITY : 0);
        worst = r > worst ? r : worst;
        zero_bound |= E[j] == 0 && x[j] != 0;
      }
    }
  fct_ok(worst <= 1 && !zero_bound,
         "fp64 RoPE on subnormal inputs within fc_bnd_rope at fp64 (worst "
         "error/bound %.3g%s)", worst,
         zero_bound ? "; a nonzero input got bound 0" : "");
  for (size_t i = 0; i < d; i++) {
    mpfr_clear(in[i]);
    mpfr_clear(ex[i]);
  }
  mpfr_clear(t);
  fc_schedule_buf_clear(&b);
}

int main(void)
{
  fct_start("t-bounds-rot");
  test_givens();
  test_project();
  test_fp64_underflow();
  return fct_end();
}

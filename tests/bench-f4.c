/* bench-f4.c -- oracle-checked cases per second for single-head RoPE
 * attention (not a test).
 *
 *   tests/bench-f4 [cases] [prec] [d] [T] [dm]
 *
 * Builds fold.folded_qkvo cases of fixed size (default head dimension 16,
 * sequence 8, model dimension 16, 256 bits): a geometric schedule (base
 * 1e4, split-half layout), positions from 0 to 2^20, a causal mask, random
 * weights, and a commuting rotation (one phase rotation per plane), and
 * times the property's full check: the MPFR statement at P and P + 64 bits
 * (original and folded block), the double conformance and the accuracy of
 * every double output against the oracle.  Prints cases per second and the
 * worst error/bound per level. */
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "foldcheck.h"
#include "gen/schedule.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double unit(fc_rng *r) { return 2 * fc_rng_unit(r) - 1; }

static int build(fc_case *c, fc_rng *r, long d, long T, long dm)
{
  const long conf[10] = {1, 0, 0, 1, 15, 0, 0, 0, 1 | 4, 0};
  double *theta = malloc((size_t)d / 2 * sizeof *theta);
  if (theta == NULL)
    return 1;
  for (long i = 0; i < d / 2; i++)
    theta[i] = pow(1e4, -2.0 * (double)i / (double)d);
  fc_schedule s = {(size_t)d, (size_t)d, FC_LAYOUT_HALF, theta};
  int bad = fc_case_add_dim(c, "heads", 1) || fc_case_add_dim(c, "kv", 1) ||
            fc_case_add_dim(c, "d", d) || fc_case_add_dim(c, "T", T) ||
            fc_case_add_dim(c, "dm", dm) || fc_case_add_dim(c, "dout", dm);
  long *cf = fc_case_add_ints(c, "config", 10, 1);
  bad = bad || cf == NULL || fc_schedule_store(c, "s0", &s) != FC_OK;
  long *pos = fc_case_add_ints(c, "pos", (size_t)T, 1);
  long *causal = fc_case_add_ints(c, "causal", 1, 1);
  double *x = fc_case_add_reals(c, "x", (size_t)T, (size_t)dm);
  double *w[4] = {fc_case_add_reals(c, "wq", (size_t)d, (size_t)dm),
                  fc_case_add_reals(c, "wk", (size_t)d, (size_t)dm),
                  fc_case_add_reals(c, "wv", (size_t)d, (size_t)dm),
                  fc_case_add_reals(c, "wo", (size_t)dm, (size_t)d)};
  long *gi = fc_case_add_ints(c, "R0.i", (size_t)d / 2, 1);
  long *gj = fc_case_add_ints(c, "R0.j", (size_t)d / 2, 1);
  double *gt = fc_case_add_reals(c, "R0.turns", (size_t)d / 2, 1);
  long *gr = fc_case_add_ints(c, "R0.reflect", 1, 1);
  long *slots = fc_case_add_ints(c, "slots", 1, 2);
  long *map = fc_case_add_ints(c, "map", 4, 1);
  if (bad || !pos || !causal || !x || !w[0] || !w[1] || !w[2] || !w[3] ||
      !gi || !gj || !gt || !gr || !slots || !map) {
    free(theta);
    return 1;
  }
  memcpy(cf, conf, sizeof conf);
  for (long t = 0; t < T; t++)
    pos[t] = t < T / 2 ? t : (long)fc_rng_below(r, FC_POS_MAX);
  *causal = 1;
  for (long i = 0; i < T * dm; i++)
    x[i] = unit(r);
  for (int k = 0; k < 4; k++)
    for (long i = 0; i < d * dm; i++)
      w[k][i] = unit(r);
  for (long i = 0; i < d / 2; i++) { /* a phase rotation of each plane */
    size_t a, b;
    fc_schedule_plane(&a, &b, &s, (size_t)i);
    gi[i] = (long)(a < b ? a : b);
    gj[i] = (long)(a < b ? b : a);
    gt[i] = unit(r) / 2;
  }
  *gr = 0;
  slots[0] = 1; /* a Givens product stored under R0 */
  slots[1] = 0;
  memset(map, 0, 4 * sizeof *map);
  free(theta);
  return 0;
}

int main(int argc, char **argv)
{
  const long n = argc > 1 ? atol(argv[1]) : 200;
  const long prec = argc > 2 ? atol(argv[2]) : 256;
  const long d = argc > 3 ? atol(argv[3]) : 16;
  const long T = argc > 4 ? atol(argv[4]) : 8;
  const long dm = argc > 5 ? atol(argv[5]) : 16;
  const fc_property *p = fc_properties_find("fold.folded_qkvo");
  if (p == NULL || n < 1 || prec < 53 || d < 2 || d % 2 || T < 1 || dm < 1) {
    fprintf(stderr, "usage: bench-f4 [cases] [prec] [d even] [T] [dm]\n");
    return 2;
  }
  fc_env_blas_threads(1);
  fc_check_ctx x = {prec, 8, fc_kernels_reference()};
  fc_rng r;
  fc_rng_seed(&r, 20261123);
  fc_case *c = fc_case_new();
  double worst[FC_NLEVELS] = {0, 0, 0}, t = 0;
  int faults = 0;
  long recomputed = 0;
  double oracle_s = 0;
  for (long i = 0; i < n && c; i++) {
    fc_case_reset(c);
    if (build(c, &r, d, T, dm)) {
      fprintf(stderr, "bench-f4: out of memory\n");
      return 1;
    }
    fc_check_result res;
    memset(&res, 0, sizeof res);
    const double t0 = now();
    const int rc = p->check(&res, c, &x);
    t += now() - t0;
    if (rc != FC_OK) {
      fprintf(stderr, "bench-f4: check failed: %s\n", fc_strerror(rc));
      return 1;
    }
    faults += res.oracle_fault;
    recomputed += res.recomputed;
    oracle_s += res.oracle_seconds;
    for (int l = 0; l < FC_NLEVELS; l++)
      if (res.level[l].present && !(res.level[l].ratio <= worst[l]))
        worst[l] = res.level[l].ratio;
  }
  printf("fold.folded_qkvo, single head, d=%ld T=%ld dm=%ld, %ld bits: "
         "%ld oracle-checked cases in %.3f s = %.1f cases/s\n",
         d, T, dm, prec, n, t, (double)n / t);
  printf("worst error/bound: statement %.3g, conformance %.3g, accuracy "
         "%.3g; oracle faults %d\n", worst[0], worst[1], worst[2], faults);
  printf("oracle share %.0f%%; recomputed at P + 64: %ld of %ld cases\n",
         t > 0 ? 100 * oracle_s / t : 0.0, recomputed, n);
  fc_case_free(c);
  mpfr_free_cache();
  return worst[0] <= 1 && worst[1] <= 1 && worst[2] <= 1 && !faults ? 0 : 1;
}

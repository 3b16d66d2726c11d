/* bench-f9.c -- print the F9 convergence tables (not a test).
 *
 *   tests/bench-f9 [full|fast] [seed] [work]
 *
 * For the Gaussian, uniform and Laplace marginals (moment.iid_floor_full at
 * full sizes, or moment.iid_floor at fast sizes with W = 2^work samples x
 * dimension per d) and for the CLT attractor (Laplace, uniform and
 * low-rank Student-t(6) keys under a Haar and a randomised Hadamard
 * rotation, fast sizes), build the case and print the property's
 * describe output: d, n, mean E[sin^2 theta], 99% half-width, 1 - beta,
 * bias, fitted bias, 1 - mean (beta^), rounding; the fitted slope. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "foldcheck.h"

static int run(const char *id, long src, long dist, double shape, long rot,
               long full, uint64_t seed, long work)
{
  const fc_property *p = fc_properties_find(id);
  fc_case *c = fc_case_new();
  if (p == NULL || c == NULL || p->describe == NULL)
    return 1;
  long *k = fc_case_add_ints(c, "dist", 1, 1);
  double *par = fc_case_add_reals(c, "param", 2, 1);
  long *mc = fc_case_add_ints(c, "mc", 4, 1);
  if (!k || !par || !mc || fc_case_add_dim(c, "work", work)) {
    fc_case_free(c);
    return 1;
  }
  *k = dist;
  par[0] = 1;
  par[1] = shape;
  mc[0] = src;
  mc[1] = rot;
  mc[2] = full;
  mc[3] = (long)seed;
  printf("%s\n", id);
  p->describe(stdout, c);
  fflush(stdout);
  fc_case_free(c);
  return 0;
}

int main(int argc, char **argv)
{
  const int full = argc > 1 && strcmp(argv[1], "full") == 0;
  const uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261123;
  const long work = argc > 3 ? strtol(argv[3], NULL, 10) : 18;
  if (work < 8 || work > 30) {
    fprintf(stderr, "bench-f9: work must be in [8, 30]\n");
    return 2;
  }
  int rc = 0;
  for (long dist = 0; dist < 3; dist++) /* gauss, uniform, laplace */
    rc |= run(full ? "moment.iid_floor_full" : "moment.iid_floor", 0, dist,
              0, 0, full, seed + (uint64_t)dist, work);
  /* CLT attractor: Laplace and uniform iid, low-rank t(6); Haar (1) and
   * randomised Hadamard (2). */
  for (long rot = 1; rot <= 2; rot++) {
    rc |= run("moment.clt_attractor", 0, 2, 0, rot, 0, seed + 10, work);
    rc |= run("moment.clt_attractor", 0, 1, 0, rot, 0, seed + 11, work);
    rc |= run("moment.clt_attractor", 2, 4, 6, rot, 0, seed + 12, work);
  }
  return rc;
}

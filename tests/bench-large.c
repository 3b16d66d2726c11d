/* bench-large.c -- the cost of one fold.large.folded_qkvo case at a
 * production size (issue 16; not a test).
 *
 *   tests/bench-large KERNELS [T] [heads] [kv] [dm] [schedule] [rows]
 *
 * KERNELS: "-" for the built-in reference table (adapted in process by
 * the property itself, fc_kx_open), else a provider spec: "reference", a
 * plugin path or exec:CMD.  Every path is the provider path with the
 * harness's bounds (src/bounds; issue 16 item 3: no property calls the
 * built-in kernels for a bound).  Builds one case of
 * the property's shape (defaults: T = 4096, 32 query heads over 8
 * key/value heads, dm = 32, llama2 (d = 128), 4 sampled rows, p0 = 0,
 * causal, values k/16 scaled as the generator scales them, a commuting
 * rotation of one phase per plane) and times the property's whole check,
 * oracle included, on this thread.  Prints the seconds, the oracle's
 * share and the worst error/bound per level. */
#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include "foldcheck.h"
#include "contract/provider.h"
#include "gen/presets.h"
#include "gen/schedule.h"
#include "kernels/kernels.h"
#include "props.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds (user + system) of this process or of its reaped children:
 * on a shared machine the wall clock measures the neighbours. */
static double cpu(int who)
{
  struct rusage u;
  getrusage(who, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

static int build(fc_case *c, const char *sched, long T, long H, long kv,
                 long dm, long nrows)
{
  fc_schedule_buf sb;
  fc_schedule_buf_zero(&sb);
  fc_error err = {0, ""};
  if (fc_schedule_parse(&sb, sched, &err) != FC_OK) {
    fprintf(stderr, "bench-large: %s\n", err.msg);
    return 1;
  }
  const long d = (long)sb.s.d, m = (long)sb.s.rotary_dim / 2;
  int bad = fc_schedule_store(c, "s0", &sb.s) != FC_OK ||
            fc_case_add_dim(c, "T", T) || fc_case_add_dim(c, "dm", dm) ||
            fc_case_add_dim(c, "d", d) || fc_case_add_dim(c, "heads", H) ||
            fc_case_add_dim(c, "kv", kv);
  long *pos = fc_case_add_ints(c, "pos", (size_t)T, 1);
  long *cz = fc_case_add_ints(c, "causal", 1, 1);
  long *rows = fc_case_add_ints(c, "rows", (size_t)nrows, 1);
  long *gi = fc_case_add_ints(c, "R.i", (size_t)m, 1);
  long *gj = fc_case_add_ints(c, "R.j", (size_t)m, 1);
  double *gt = fc_case_add_reals(c, "R.turns", (size_t)m, 1);
  long *gr = fc_case_add_ints(c, "R.reflect", 1, 1);
  const size_t hd = (size_t)(H * d), kd = (size_t)(kv * d);
  double *x = fc_case_add_reals(c, "x", (size_t)T, (size_t)dm);
  double *wq = fc_case_add_reals(c, "wq", hd, (size_t)dm);
  double *wk = fc_case_add_reals(c, "wk", kd, (size_t)dm);
  double *wv = fc_case_add_reals(c, "wv", kd, (size_t)dm);
  double *wo = fc_case_add_reals(c, "wo", (size_t)dm, hd);
  if (bad || !pos || !cz || !rows || !gi || !gj || !gt || !gr || !x || !wq ||
      !wk || !wv || !wo) {
    fc_schedule_buf_clear(&sb);
    return 1;
  }
  for (long t = 0; t < T; t++)
    pos[t] = t;
  *cz = 1;
  for (long r = 0; r < nrows; r++)
    rows[r] = T - 1 - r * (T / nrows);
  /* One phase rotation per rotating plane: commutes with Theta(p). */
  for (long i = 0; i < m; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, &sb.s, (size_t)i);
    gi[i] = (long)a;
    gj[i] = (long)b;
    gt[i] = (double)(i % 7) / 7;
  }
  *gr = 0;
  fc_schedule_buf_clear(&sb);
  uint64_t seed = 20261123;
  const double sin_ = ldexp(1.0, -(int)((ilogb((double)dm) + 2) / 2));
  const double sout = ldexp(1.0, -(int)((ilogb((double)hd) + 1) / 2));
  fc_fill_seeded(x, (size_t)(T * dm), &seed, 1, 1.0);
  fc_fill_seeded(wq, hd * (size_t)dm, &seed, 1, sin_);
  fc_fill_seeded(wk, kd * (size_t)dm, &seed, 1, sin_);
  fc_fill_seeded(wv, kd * (size_t)dm, &seed, 1, sin_);
  fc_fill_seeded(wo, (size_t)dm * hd, &seed, 1, sout);
  return 0;
}

int main(int argc, char **argv)
{
  const char *spec = argc > 1 ? argv[1] : "-";
  const long T = argc > 2 ? atol(argv[2]) : 4096;
  const long H = argc > 3 ? atol(argv[3]) : 32;
  const long kv = argc > 4 ? atol(argv[4]) : 8;
  const long dm = argc > 5 ? atol(argv[5]) : 32;
  const char *sched = argc > 6 ? argv[6] : "llama2";
  const long nrows = argc > 7 ? atol(argv[7]) : 4;
  const fc_property *p = fc_properties_find("fold.large.folded_qkvo");
  if (p == NULL || T < 1 || H < 1 || kv < 1 || H % kv || dm < 1 ||
      nrows < 1 || nrows > T) {
    fprintf(stderr, "usage: bench-large KERNELS|- [T] [heads] [kv] [dm] "
                    "[schedule] [rows]\n");
    return 2;
  }
  fc_env_blas_threads(1);
  fc_kernels k = *fc_kernels_reference();
  fc_kprov *prov = NULL;
  if (strcmp(spec, "-") != 0) {
    fc_error err = {0, ""};
    if (fc_kprov_open(&prov, spec, 3600, NULL, &err) != FC_OK) {
      fprintf(stderr, "bench-large: %s\n", err.msg);
      return 2;
    }
    k.provider = prov;
  }
  fc_check_ctx x = {256, 8, &k};
  fc_case *c = fc_case_new();
  if (c == NULL || build(c, sched, T, H, kv, dm, nrows)) {
    fprintf(stderr, "bench-large: cannot build the case\n");
    return 1;
  }
  fc_check_result res;
  memset(&res, 0, sizeof res);
  const double t0 = now(), c0 = cpu(RUSAGE_SELF);
  const int rc = p->check(&res, c, &x);
  const double t = now() - t0, ct = cpu(RUSAGE_SELF) - c0;
  fc_case_free(c);
  fc_kprov_close(prov); /* reaps the kernel's process: its CPU time */
  printf("fold.large.folded_qkvo, %s, T=%ld heads=%ld/%ld dm=%ld, kernels "
         "%s: %s; CPU %.1f s harness (oracle included) + %.1f s kernel "
         "process; wall %.1f s (oracle %.1f s); error/bound: statement "
         "%.3g, conformance %.3g, accuracy %.3g\n%s\n",
         sched, T, H, kv, dm, spec, rc == FC_OK ? "checked" : fc_strerror(rc),
         ct, cpu(RUSAGE_CHILDREN), t, res.oracle_seconds, res.level[0].ratio,
         res.level[1].ratio, res.level[2].ratio, res.note);
  mpfr_free_cache();
  return rc == FC_OK ? 0 : 1;
}

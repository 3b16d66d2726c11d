/* t-shrink.c -- the shrinker reaches the known minimal counterexamples. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "toys.h"
#include "engine/engine_internal.h"

static void expect_min(const fc_property *p, const fc_run_config *cfg,
                       const char *what, int (*ok)(const fc_case *))
{
  fc_prop_result res;
  fc_error err = {0, ""};
  int rc = fc_run_property(&res, p, cfg, &err);
  if (!fct_ok(rc == FC_OK && res.cex != NULL, "%s finds a counterexample", p->id)) {
    fct_diag("%s", err.msg);
    fc_prop_result_clear(&res);
    return;
  }
  int good = ok(res.cex->values);
  fct_ok(good, "%s shrinks to %s (%ld candidates, %zu -> %zu choices)", p->id,
         what, res.cex->shrink_steps, res.cex->orig_nchoices,
         res.cex->nchoices);
  if (!good)
    fc_case_print(stdout, res.cex->values, "#   ");
  fct_ok(res.status == FC_STATUS_FAIL, "%s: status fail", p->id);
  fc_prop_result_clear(&res);
}

static int is_1000(const fc_case *c) { return fc_case_dim(c, "n", -1) == 1000; }
static int is_2000(const fc_case *c) { return fc_case_dim(c, "n", -1) == 2000; }
static int is_100(const fc_case *c)
{
  size_t n;
  const long *v = fc_case_ints(c, "xs", &n, NULL);
  return v && n == 1 && v[0] == 100;
}
static int is_two(const fc_case *c)
{
  const double *x = fc_case_reals(c, "x", NULL, NULL);
  return x && x[0] == 2.0;
}
/* n = 16 entries, every one 0: toy.small_excess's minimal failure. */
static int is_16_zeros(const fc_case *c)
{
  size_t n;
  const long *v = fc_case_ints(c, "xs", &n, NULL);
  int zero = v != NULL && n == 16;
  for (size_t i = 0; zero && i < n; i++)
    zero = v[i] == 0;
  return zero;
}
static int is_half_turn(const fc_case *c)
{
  size_t n;
  const long *i = fc_case_ints(c, "Q.i", &n, NULL);
  const long *j = fc_case_ints(c, "Q.j", NULL, NULL);
  const double *t = fc_case_reals(c, "Q.turns", NULL, NULL);
  /* Any angle with |cos w - 1| > 1/2 fails; the simplest is a quarter turn
   * (t = 1/4 is m/2^e with e = 2, m = 1; a half turn needs e = 1, m = 1,
   * which sorts first). */
  return n == 1 && i[0] == 0 && j[0] == 1 && (t[0] == 0.5 || t[0] == 0.25);
}

int main(void)
{
  fct_start("t-shrink");
  fc_run_config cfg;
  fct_config(&cfg);
  cfg.shrink_margin = 1; /* exact minimal counterexamples */
  expect_min(&toy_int_below_1000, &cfg, "exactly 1000", is_1000);
  expect_min(&toy_sum_below_100, &cfg, "the one-element list [100]", is_100);
  expect_min(&toy_double_below, &cfg, "2.0 (integers before fractions)", is_two);
  expect_min(&toy_givens_identity, &cfg,
             "one rotation of planes (0,1) by a simple angle", is_half_turn);

  /* With a margin of 2 the shrunk case stays clear of the tolerance edge:
   * n + 1 > 2 * 1000. */
  cfg.shrink_margin = 2;
  expect_min(&toy_int_below_1000, &cfg, "2000 with margin 2", is_2000);

  /* Several seeds: the minimal counterexample does not depend on the seed. */
  int all = 1;
  for (uint64_t s = 1; s <= 5; s++) {
    fc_run_config c2 = cfg;
    c2.seed = s;
    c2.shrink_margin = 1;
    fc_prop_result res;
    if (fc_run_property(&res, &toy_sum_below_100, &c2, NULL) != FC_OK ||
        !res.cex || !is_100(res.cex->values))
      all = 0;
    fc_prop_result_clear(&res);
  }
  fct_ok(all, "toy.sum_below_100 shrinks to [100] under seeds 1..5");

  /* From a large start: 20 elements of 50 (sum 1000) must shrink to the
   * one-element list [100] too, so lists really get shorter. */
  {
    fc_run_config c3 = cfg;
    c3.shrink_margin = 1;
    size_t n = 21;
    uint64_t *seq = malloc(n * sizeof *seq);
    seq[0] = 20;
    for (size_t i = 1; i < n; i++)
      seq[i] = 50;
    fc_counterexample cex;
    memset(&cex, 0, sizeof cex);
    int rc = fc_shrink(&cex, &seq, &n, FC_LEVEL_STATEMENT, &toy_sum_below_100,
                       &c3, fc_kernels_reference());
    fct_ok(rc == FC_OK && n == 2 && seq[0] == 1 && seq[1] == 100,
           "20 x 50 shrinks to [100] (%zu choices, %ld candidates)", n,
           cex.shrink_steps);
    free(seq);
  }

  /* A long sequence (issue 11: >= 10^4 choices, as the allocator's keys
   * at d = 4096): 16385 choices (2^14 random bits) shrink to the minimal
   * 4096 zero bits within the step budget, not stopped by the clock.
   * Candidates whose generated sequence cannot be adopted are never
   * checked, and the tail is zeroed first, so this takes few checks. */
  {
    fc_run_config c4 = cfg;
    c4.shrink_margin = 1;
    size_t n = 1 + ((size_t)1 << 14);
    uint64_t *seq = malloc(n * sizeof *seq);
    fc_rng g;
    fc_rng_seed(&g, fct_seed());
    seq[0] = 14;
    for (size_t i = 1; i < n; i++)
      seq[i] = fc_rng_next(&g) & 1;
    fc_counterexample cex;
    memset(&cex, 0, sizeof cex);
    int rc = fc_shrink(&cex, &seq, &n, FC_LEVEL_STATEMENT, &toy_long_vector,
                       &c4, fc_kernels_reference());
    int zero = rc == FC_OK && n == 4097 && seq[0] == 12;
    for (size_t i = 1; zero && i < n; i++)
      zero = seq[i] == 0;
    fct_ok(zero && !cex.shrink_time_limited,
           "16385 choices shrink to 4096 zero bits (%zu choices, %ld "
           "candidates, %.3f s)", n, cex.shrink_steps, cex.shrink_seconds);
    free(seq);
  }

  /* Small failures (issue 20): a ratio in (1, 2) is shrunk too, keeping
   * candidates above a margin derived from it (fc_shrink_margin). */
  {
    fc_run_config c5;
    fct_config(&c5); /* the ci profile: shrink margin 2 */
    fct_ok(fc_shrink_margin(&c5, 1.24) == 1.12 &&
               fc_shrink_margin(&c5, 1.5) == 1.25 &&
               fc_shrink_margin(&c5, 2.5) == 1.75 &&
               fc_shrink_margin(&c5, 3) == 2 &&
               fc_shrink_margin(&c5, 1e300) == 2 &&
               fc_shrink_margin(&c5, INFINITY) == 2 &&
               fc_shrink_margin(&c5, NAN) == 2,
           "the margin is halfway between 1 and r, at most shrink_margin");
    fct_ok(fc_shrink_margin(&c5, 1 + 0x1p-52) == 1 + 0x1p-52 &&
               fc_shrink_margin(&c5, 1 + 0x1p-51) == 1 + 0x1p-52 &&
               fc_shrink_margin(&c5, 1) > 1 && fc_shrink_margin(&c5, 0) > 1,
           "the margin is strictly above 1, even for r at or next to 1");
    c5.shrink_margin = 1;
    fct_ok(fc_shrink_margin(&c5, 1.24) == 1,
           "a configured margin of 1 stays 1 (exact minimal cases)");
    c5.shrink_margin = 2;
    fc_prop_result res;
    fc_error err = {0, ""};
    int rc = fc_run_property(&res, &toy_small_excess, &c5, &err);
    const fc_counterexample *cx = rc == FC_OK ? res.cex : NULL;
    fct_ok(cx != NULL && is_16_zeros(cx->values) &&
               cx->orig_check.level[FC_LEVEL_STATEMENT].ratio == 1.24 &&
               cx->check.level[FC_LEVEL_STATEMENT].ratio == 1.24,
           "a failure at ratio 1.24 shrinks to n = 16, entries 0 (%zu -> "
           "%zu choices, %ld candidates, %ld accepted)",
           cx ? cx->orig_nchoices : 0, cx ? cx->nchoices : 0,
           cx ? cx->shrink_steps : 0, cx ? cx->shrink_accepted : 0);
    if (cx && !is_16_zeros(cx->values))
      fc_case_print(stdout, cx->values, "#   ");
    fc_prop_result_clear(&res);

    /* From n = 40 (ratio 1.24) with a band at 4 <= n < 16 failing at
     * 1.05: the margin 1.12 keeps the shrink above the band, where a
     * margin of 1 slides onto it (n = 4). */
    for (int exact = 0; exact < 2; exact++) {
      c5.shrink_margin = exact ? 1 : 2;
      size_t n = 41;
      uint64_t *seq = malloc(n * sizeof *seq);
      seq[0] = 39; /* n = 1 + 39 */
      for (size_t i = 1; i < n; i++)
        seq[i] = 7;
      fc_counterexample cex;
      memset(&cex, 0, sizeof cex);
      rc = fc_shrink(&cex, &seq, &n, FC_LEVEL_STATEMENT, &toy_excess_band,
                     &c5, fc_kernels_reference());
      const size_t want = exact ? 4 : 16;
      int min = rc == FC_OK && n == want + 1 && seq[0] == want - 1;
      for (size_t i = 1; min && i < n; i++)
        min = seq[i] == 0;
      fct_ok(min, "from n = 40, margin %g: shrinks to n = %zu, entries 0 "
                  "(%zu choices, first %llu)", fc_shrink_margin(&c5, 1.24),
             want, n, n ? (unsigned long long)seq[0] : 0ULL);
      free(seq);
    }
  }

  /* A wall-time budget of 0 is "none" (--shrink-time 0): the shrink is
   * bounded by its step count only and reaches the same fixed point as
   * under an unbounded time budget, not time-limited; a tiny positive
   * budget does cut it (the clock is read only then); the interruption
   * flag still stops it. */
  {
    fc_run_config ci;
    fc_run_config_profile(&ci, "ci");
    fct_ok(ci.shrink_seconds == 0 && ci.shrink_steps >= 20000,
           "ci profile: shrinks bounded by %ld candidates, no wall-time "
           "budget (%g s)", ci.shrink_steps, ci.shrink_seconds);
    uint64_t *res_seq[3] = {NULL, NULL, NULL};
    size_t res_n[3];
    fc_counterexample res_cex[3];
    static volatile sig_atomic_t raised = 1;
    for (int v = 0; v < 3; v++) {
      fc_run_config c6 = ci;
      c6.progress = 0;
      c6.shrink_seconds = 0;
      if (v == 1)
        c6.shrink_seconds = 1e9;
      if (v == 2)
        c6.stop = &raised;
      size_t n = 21;
      uint64_t *seq = malloc(n * sizeof *seq);
      seq[0] = 20;
      for (size_t i = 1; i < n; i++)
        seq[i] = 50;
      memset(&res_cex[v], 0, sizeof res_cex[v]);
      int rc = fc_shrink(&res_cex[v], &seq, &n, FC_LEVEL_STATEMENT,
                         &toy_sum_below_100, &c6, fc_kernels_reference());
      if (rc != FC_OK)
        n = 0;
      res_seq[v] = seq;
      res_n[v] = n;
    }
    fct_ok(res_n[0] > 0 && res_n[0] == res_n[1] &&
               memcmp(res_seq[0], res_seq[1], res_n[0] * sizeof *res_seq[0]) == 0 &&
               res_cex[0].shrink_steps == res_cex[1].shrink_steps &&
               !res_cex[0].shrink_time_limited,
           "ci: no time budget shrinks as an unbounded one (%zu choices, "
           "%ld candidates, not time-limited)", res_n[0],
           res_cex[0].shrink_steps);
    fct_ok(res_n[2] == 21 && res_cex[2].shrink_steps == 0 &&
               res_cex[2].shrink_time_limited,
           "ci: an interruption still stops the shrink (flagged)");
    for (int v = 0; v < 3; v++)
      free(res_seq[v]);
    fc_run_config c7 = ci;
    c7.shrink_seconds = 1e-9;
    size_t n = 21;
    uint64_t *seq = malloc(n * sizeof *seq);
    seq[0] = 20;
    for (size_t i = 1; i < n; i++)
      seq[i] = 50;
    fc_counterexample cex;
    memset(&cex, 0, sizeof cex);
    fc_shrink(&cex, &seq, &n, FC_LEVEL_STATEMENT, &toy_sum_below_100, &c7,
              fc_kernels_reference());
    fct_ok(cex.shrink_time_limited && n == 21,
           "a time budget of 1e-9 s, asked for, cuts the shrink (flagged)");
    free(seq);
  }

  /* A property's stall limit (fc_property.shrink_stall) ends a shrink after
   * that many consecutive candidates without progress: counted, never
   * timed, so two shrinks of the same start agree; a limit above the
   * longest stall of an unlimited shrink changes nothing. */
  {
    fc_run_config c8;
    fct_config(&c8);
    c8.shrink_seconds = 0;
    fc_property stalled = toy_sum_below_100;
    fc_counterexample cx[4];
    uint64_t *sq[4];
    size_t ns[4];
    const long limits[4] = {0, 3, 3, 100000};
    for (int v = 0; v < 4; v++) {
      stalled.shrink_stall = limits[v];
      ns[v] = 21;
      sq[v] = malloc(ns[v] * sizeof *sq[v]);
      sq[v][0] = 20;
      for (size_t i = 1; i < ns[v]; i++)
        sq[v][i] = 50;
      memset(&cx[v], 0, sizeof cx[v]);
      if (fc_shrink(&cx[v], &sq[v], &ns[v], FC_LEVEL_STATEMENT, &stalled,
                    &c8, fc_kernels_reference()) != FC_OK)
        ns[v] = 0;
    }
    fct_ok(ns[1] > 0 && cx[1].shrink_steps < cx[0].shrink_steps &&
               !cx[1].shrink_time_limited,
           "a stall limit of 3 ends the shrink early (%ld of %ld candidates, "
           "not flagged as time-limited)", cx[1].shrink_steps,
           cx[0].shrink_steps);
    fct_ok(ns[1] == ns[2] && cx[1].shrink_steps == cx[2].shrink_steps &&
               memcmp(sq[1], sq[2], ns[1] * sizeof *sq[1]) == 0,
           "two stall-limited shrinks of the same start agree");
    fct_ok(ns[0] > 0 && ns[3] == ns[0] &&
               cx[3].shrink_steps == cx[0].shrink_steps &&
               memcmp(sq[3], sq[0], ns[0] * sizeof *sq[0]) == 0,
           "a stall limit above every stall changes nothing (%zu choices)",
           ns[0]);
    for (int v = 0; v < 4; v++)
      free(sq[v]);
  }

  /* Budget: a shrink of 0 steps keeps the original failure. */
  cfg.shrink_steps = 0;
  fc_prop_result res;
  fc_run_property(&res, &toy_int_below_1000, &cfg, NULL);
  fct_ok(res.cex && res.cex->shrink_steps == 0 &&
             res.cex->nchoices == res.cex->orig_nchoices,
         "a zero shrink budget keeps the original counterexample");
  fc_prop_result_clear(&res);
  return fct_end();
}

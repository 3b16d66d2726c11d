/* t-rope-large.c -- commutant.large.rope_accuracy (issue 11 item 2): the
 * double RoPE kernel at the real head dimension of public presets, over
 * long-context position runs up to 2^20.
 *
 * - The property holds on the reference kernels in the ci profile: worst
 *   accuracy error/bound <= 1, the statement (norm preservation) and the
 *   conformance level hold, and the ci cases reach a real preset at its
 *   real d and positions at the end of 2^20.
 * - Each RoPE mutant (phase formed in float, the other pair layout,
 *   position off by one) is caught; its counterexample shrinks and
 *   replays; the shrunk head dimension and positions are reported.  And
 *   from a full-size ci case (a real preset at its real d, n = 16, long
 *   positions) failing under the mutant, the shrinker reaches d = 4 and
 *   at most three positions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "engine/engine_internal.h"
#include "gen/schedule.h"

#define ID "commutant.large.rope_accuracy"

static void test_holds(const fc_run_config *cfg)
{
  fc_prop_result r;
  if (fct_run_prop(&r, ID, NULL, cfg))
    return;
  double pmax = 0;
  for (size_t i = 0; i < r.npoints; i++)
    pmax = r.points[i].x > pmax ? r.points[i].x : pmax;
  fct_ok(r.status == FC_STATUS_PASS && r.cases >= 20 &&
             r.worst[FC_LEVEL_ACCURACY].present &&
             r.worst[FC_LEVEL_ACCURACY].ratio <= 1 &&
             r.worst[FC_LEVEL_STATEMENT].present &&
             r.worst[FC_LEVEL_STATEMENT].ratio <= 1 &&
             r.worst[FC_LEVEL_CONFORMANCE].ratio <= 1 &&
             r.oracle_faults == 0,
         ID " holds: %ld cases in %.2f s (%ld recomputed at P + 64), worst "
            "accuracy err/bound %.3g, statement %.3g, conformance %.3g",
         r.cases, r.seconds, r.recomputed, r.worst[FC_LEVEL_ACCURACY].ratio,
         r.worst[FC_LEVEL_STATEMENT].ratio,
         r.worst[FC_LEVEL_CONFORMANCE].ratio);
  fct_ok(pmax >= (double)(FC_POS_MAX - 64),
         "positions at the end of 2^20 are checked (largest plotted %g)",
         pmax);
  fc_prop_result_clear(&r);
}

/* At the end of the ci size curve, the generator draws real presets at
 * their real head dimension with the profile's largest run (n = 16) and
 * positions at the end of 2^20; each such case holds. */
static void test_real_sizes(const fc_run_config *cfg)
{
  const fc_property *p = fc_properties_find(ID);
  if (!fct_ok(p != NULL, ID " registered"))
    return;
  long big = 0, dmax = 0, pmax = 0, bad = 0;
  double worst = 0;
  for (uint64_t k = 0; k < 8; k++) {
    fc_case *c = fct_generate(p, "t-rope-large.sizes", k, NULL, NULL);
    int rc = c ? FC_OK : FC_ENOMEM;
    if (rc == FC_OK) {
      fc_check_result r;
      memset(&r, 0, sizeof r);
      fc_check_ctx x = {cfg->prec, cfg->slack_bits, fc_kernels_reference()};
      rc = p->check(&r, c, &x);
      const long dd = fc_case_dim(c, "d", 0), n = fc_case_dim(c, "n", 0);
      size_t np = 0, one = 0;
      const long *pos = fc_case_ints(c, "pos", &np, &one);
      for (size_t q = 0; pos && q < np; q++)
        pmax = pos[q] > pmax ? pos[q] : pmax;
      big += dd >= 80 && n == 16;
      dmax = dd > dmax ? dd : dmax;
      if (rc != FC_OK || fc_judge(NULL, &r, p, cfg, 1.0) || r.oracle_fault)
        bad++;
      if (r.level[FC_LEVEL_ACCURACY].ratio > worst)
        worst = r.level[FC_LEVEL_ACCURACY].ratio;
      if (k == 0)
        fct_diag("a largest ci case: %s", r.note);
    } else {
      bad++;
    }
    fc_case_free(c);
  }
  fct_ok(bad == 0 && big >= 4 && dmax >= 128 && pmax >= FC_POS_MAX - 64,
         "ci cases at full size: %ld of 8 real presets with n = 16 (largest "
         "d %ld, largest position %ld), all hold (worst err/bound %.3g; %ld "
         "bad)",
         big, dmax, pmax, worst, bad);
}

static void test_mutant(const char *mutant, const fc_run_config *cfg)
{
  fc_prop_result res;
  if (!fct_ok(fc_kernels_find(mutant) != NULL, "kernel table %s exists",
              mutant))
    return;
  if (fct_run_prop(&res, ID, mutant, cfg))
    return;
  const int caught = res.status == FC_STATUS_FAIL && res.cex != NULL;
  fct_ok(caught, ID " catches %s%s%s", mutant, caught ? "" : ": ",
         caught ? "" : fc_status_name(res.status));
  if (!caught) {
    fc_prop_result_clear(&res);
    return;
  }
  const fc_case *c = res.cex->values;
  size_t np = 0, one = 0;
  const long *pos = fc_case_ints(c, "pos", &np, &one);
  const long d = fc_case_dim(c, "d", -1), n = fc_case_dim(c, "n", -1);
  char buf[256];
  size_t used = 0;
  for (size_t q = 0; pos && q < np && used < sizeof buf; q++) {
    int w = snprintf(buf + used, sizeof buf - used, "%s%ld", q ? " " : "",
                     pos[q]);
    used += w > 0 ? (size_t)w : 0;
  }
  if (used == 0)
    buf[0] = '\0';
  fct_diag("%s: shrunk to d = %ld, run n = %ld, positions {%s}; "
           "accuracy err/bound %.3g; %s",
           mutant, d, n, buf,
           res.cex->check.level[FC_LEVEL_ACCURACY].ratio,
           res.cex->check.note);
  fct_ok(res.cex->nchoices <= res.cex->orig_nchoices && d == 4 && n <= 2 &&
             np <= 3,
         "%s: shrunk from %zu to %zu choices, to d = 4 and at most 3 "
         "positions (d = %ld, n = %ld, %zu positions)",
         mutant, res.cex->orig_nchoices, res.cex->nchoices, d, n, np);
  fc_error err = {0, ""};
  fc_check_result r;
  const int again = fct_replay_fails(&r, &res, cfg, &err) &&
                    r.level[FC_LEVEL_STATEMENT].ratio <= 1 &&
                    r.recomputed && !r.oracle_fault;
  fct_ok(again,
         "%s: the replay token reproduces the failure (accuracy), the "
         "statement holds, the oracle was recomputed at P + 64 and agreed"
         "%s%s",
         mutant, err.code ? ": " : "", err.msg);
  fc_prop_result_clear(&res);
}

/* From a full-size ci case (a real preset, n = 16, long positions) that
 * the mutant fails, the shrinker reaches d = 4 and a handful of
 * positions. */
static void test_shrink_from_large(const char *mutant,
                                   const fc_run_config *cfg0)
{
  const fc_property *p = fc_properties_find(ID);
  const fc_kernels *km = fc_kernels_find(mutant);
  if (p == NULL || km == NULL)
    return;
  fc_run_config cfg = *cfg0;
  int done = 0;
  for (uint64_t k = 0; k < 16 && !done; k++) {
    uint64_t *rec = NULL;
    size_t nrec = 0;
    fc_case *c = fct_generate(p, "t-rope-large.shrink", k, &rec, &nrec);
    int rc = c ? FC_OK : FC_ENOMEM;
    const long d0 = c ? fc_case_dim(c, "d", 0) : 0;
    const long n0 = c ? fc_case_dim(c, "n", 0) : 0;
    if (rc == FC_OK && d0 >= 80 && n0 == 16) {
      fc_check_result r;
      memset(&r, 0, sizeof r);
      fc_check_ctx x = {cfg.prec, cfg.slack_bits, km};
      int level = -1;
      const int failed = p->check(&r, c, &x) == FC_OK &&
                         fc_judge(&level, &r, p, &cfg, 1.0);
      size_t n = nrec;
      uint64_t *seq = malloc((n ? n : 1) * sizeof *seq);
      if (failed && seq != NULL) {
        memcpy(seq, rec, n * sizeof *seq);
        fc_counterexample cex;
        memset(&cex, 0, sizeof cex);
        const size_t n_orig = n;
        rc = fc_shrink(&cex, &seq, &n, level, p, &cfg, km);
        fc_case *s = fc_case_new();
        fc_check_result rs;
        memset(&rs, 0, sizeof rs);
        int f2 = 0, l2 = 0, disc = 0;
        if (rc == FC_OK && s != NULL)
          rc = fc_eval_internal(&rs, &f2, &l2, &disc, NULL, NULL, s, p, seq,
                                n, &cfg, km, 1.0);
        const long d1 = s ? fc_case_dim(s, "d", 0) : -1;
        size_t np = 0, one = 0;
        const long *pos = s ? fc_case_ints(s, "pos", &np, &one) : NULL;
        fct_diag("%s from a full-size case (d = %ld, n = %ld, %s): shrunk "
                 "in %ld candidates to d = %ld, %zu positions (first %ld, "
                 "last %ld); %s",
                 mutant, d0, n0, r.note, cex.shrink_steps, d1, np,
                 pos ? pos[0] : -1, pos && np ? pos[np - 1] : -1, rs.note);
        fct_ok(rc == FC_OK && f2 && n <= n_orig && d1 == 4 && np <= 3,
               "%s: a full-size failing case (d = %ld) shrinks to d = 4 and "
               "at most 3 positions (d = %ld, %zu positions, %zu -> %zu "
               "choices)",
               mutant, d0, d1, np, n_orig, n);
        fc_case_free(s);
        done = 1;
      } else if (!failed) {
        fct_ok(0, "%s fails the full-size case (d = %ld): %s", mutant, d0,
               r.note);
        done = 1;
      }
      free(seq);
    }
    fc_case_free(c);
    free(rec);
  }
  fct_ok(done, "%s: a full-size case was generated", mutant);
}

int main(void)
{
  fct_start("t-rope-large");
  fc_run_config cfg;
  fct_config(&cfg);
  test_holds(&cfg);
  test_real_sizes(&cfg);
  static const char *const mutants[] = {"mutant-rope-phase-float",
                                        "mutant-rope-wrong-layout",
                                        "mutant-rope-position-off-by-one"};
  for (size_t i = 0; i < sizeof mutants / sizeof mutants[0]; i++)
    test_mutant(mutants[i], &cfg);
  for (size_t i = 0; i < sizeof mutants / sizeof mutants[0]; i++)
    test_shrink_from_large(mutants[i], &cfg);
  return fct_end();
}

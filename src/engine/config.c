/* config.c -- run profiles and configuration checks.
 *
 * Profiles, as Hypothesis has them:
 *   ci       derandomised (fixed seed), no database, case budgets that keep
 *            the whole run within a few minutes on 2 cores, shrinks
 *            bounded by candidates only; the time budget is only a safety
 *            net, so reports are reproducible on any machine.
 *   nightly  a fresh seed (printed in the report), large budgets and sizes.
 *   default  interactive use: a fresh seed, moderate budgets; the CLI adds
 *            a failure database in .foldcheck/db.
 * Flags override the profile. */
#include <mpfr.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "engine_internal.h"

/* The fixed seed of the ci profile. */
#define FC_CI_SEED UINT64_C(20261123)

static uint64_t fresh_seed(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  fc_rng r;
  fc_rng_seed(&r, (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^
                      (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32));
  /* Keep seeds short enough to type: 48 bits. */
  return fc_rng_next(&r) >> 16;
}

int fc_run_config_profile(fc_run_config *cfg, const char *profile)
{
  if (cfg == NULL)
    return FC_EINVAL;
  memset(cfg, 0, sizeof *cfg);
  cfg->prec = 256;
  cfg->slack_bits = 8;
  cfg->threads = 1;
  cfg->shrink_margin = 2.0;
  cfg->detect_factor = 0x1p32;
  cfg->max_choices = 1u << 20;
  if (profile == NULL || strcmp(profile, "default") == 0) {
    cfg->profile = "default";
    cfg->seed = fresh_seed();
    cfg->cases = 200;
    cfg->time_budget = 20;
    cfg->shrink_steps = 5000;
    cfg->shrink_seconds = 30;
  } else if (strcmp(profile, "ci") == 0) {
    cfg->profile = "ci";
    cfg->seed = FC_CI_SEED;
    cfg->cases = 100;
    /* A safety net, not a budget: case counts bound a ci run (85 s of CPU
     * for all 89 properties; the longest, moment.iid_floor_full, 37 s of
     * wall time on a loaded 2-core machine), so its report does not
     * depend on the machine's speed.  A property it does stop says so
     * (stopped_by_time). */
    cfg->time_budget = 120;
    /* Shrinks: 20000 candidates (every negative control reaches its fixed
     * point within 6645) and no wall-time budget: a ci shrink never reads
     * the clock, so its counterexample depends on the seed alone, on a
     * loaded runner as on an idle one, sharded or not.  A property whose
     * case is a whole experiment bounds its shrink by a count instead
     * (fc_property.shrink_stall: fold.large stops after 256 candidates in
     * a row that did not shrink, above the 204 its negative controls
     * need), so a kernel bug that shows only at full size does not walk
     * 20000 full-size candidates. */
    cfg->shrink_steps = 20000;
    cfg->shrink_seconds = 0;
  } else if (strcmp(profile, "nightly") == 0) {
    cfg->profile = "nightly";
    cfg->seed = fresh_seed();
    cfg->cases = 5000;
    cfg->time_budget = 300;
    cfg->shrink_steps = 20000;
    cfg->shrink_seconds = 120;
  } else {
    return FC_ENOTFOUND;
  }
  return FC_OK;
}

int fc_run_config_check(const fc_run_config *cfg, fc_error *err)
{
  if (cfg->cases < 1 || cfg->cases > FC_CASES_MAX)
    return fc_error_set(err, FC_ERANGE, "--cases must be in [1, 1e8], got %ld",
                        cfg->cases);
  if (!(cfg->time_budget > 0) || cfg->time_budget > FC_TIME_BUDGET_MAX)
    return fc_error_set(err, FC_ERANGE,
                        "--time-budget must be positive seconds (<= 1e7)");
  if (cfg->threads < 1 || cfg->threads > FC_THREADS_MAX)
    return fc_error_set(err, FC_ERANGE, "--threads must be in [1, 1024], got %d",
                        cfg->threads);
  if (cfg->prec < FC_PREC_MIN || cfg->prec > FC_PREC_MAX ||
      cfg->prec + 64 > (long)MPFR_PREC_MAX)
    return fc_error_set(err, FC_ERANGE,
                        "--prec must be in [%ld, %ld] bits, got %ld",
                        FC_PREC_MIN, FC_PREC_MAX, cfg->prec);
  if (cfg->slack_bits < 0 || cfg->slack_bits > cfg->prec / 2)
    return fc_error_set(err, FC_ERANGE, "slack must be in [0, prec/2] bits");
  if (cfg->shrink_steps < 0 || !(cfg->shrink_seconds >= 0))
    return fc_error_set(err, FC_ERANGE, "shrink budgets must be >= 0");
  if (!(cfg->shrink_margin >= 1))
    return fc_error_set(err, FC_ERANGE, "shrink margin must be >= 1");
  if (!(cfg->detect_factor >= 1))
    return fc_error_set(err, FC_ERANGE, "detect factor must be >= 1");
  if (cfg->maxfail < 0)
    return fc_error_set(err, FC_ERANGE, "--maxfail must be >= 1 (0: no "
                        "limit), got %ld", cfg->maxfail);
  if (cfg->max_choices < FC_MAX_CHOICES_MIN)
    return fc_error_set(err, FC_ERANGE, "draw limit too small");
  return FC_OK;
}

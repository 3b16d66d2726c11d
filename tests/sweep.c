/* sweep.c -- fresh seeds must never raise a false alarm.
 *
 * A nightly user runs foldcheck with a new seed every night.  A false
 * alarm is a run of unchanged, correct code that does not exit 0: a
 * property that must hold failing or erroring, a negative control
 * erroring (a generator that cannot handle its own draws), or a negative
 * control that does not find its counterexample within the ci profile's
 * case budget.  This program runs every selected property of the
 * reference kernels under many seeds and counts them.
 *
 *   tests/sweep [--seeds A:B] [--cases K] [--threads N] [--all] [PATTERN...]
 *
 * Must-hold properties run K cases per seed (default 2: case 0 of each
 * seed is the smallest case its generators draw, where degenerate draws
 * such as a schedule with a single frequency class are most likely, and
 * sizes grow with the case index).  Negative controls run the ci profile's
 * whole case budget (they stop at the first detection) with a shrink
 * budget of one candidate: the sweep asks whether they detect, not how
 * well they shrink (t-coverage tests that).  Properties whose case is a
 * whole experiment (fc_property.max_cases > 0: the full-size Monte Carlo)
 * cost seconds a case; they are swept only with --all.
 *
 * Without arguments (as make check runs it) it sweeps seeds 1..16 (times
 * FC_TEST_MULTIPLIER) and prints TAP: one check per property, "ok" when no seed raised a false
 * alarm; each false alarm is printed with its seed, message and replay
 * token.  The long sweep is a benchmark, run by hand:
 *
 *   tests/sweep --seeds 1:1000 --threads 2
 *
 * The last line reads "sweep: ... false alarms F of R runs". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fctest.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int parse_range(uint64_t *a, uint64_t *b, const char *s)
{
  char *end;
  unsigned long long x = strtoull(s, &end, 10);
  if (end == s || *end != ':')
    return -1;
  const char *t = end + 1;
  unsigned long long y = strtoull(t, &end, 10);
  if (end == t || *end != '\0' || y < x || y - x > 1000000ULL)
    return -1;
  *a = x;
  *b = y;
  return 0;
}

static int selected(const char *id, char **pats, int npats)
{
  if (npats == 0)
    return 1;
  for (int i = 0; i < npats; i++)
    if (fc_pattern_match(pats[i], id))
      return 1;
  return 0;
}

/* Run p once under seed s; 1 when the run is a false alarm (message in
 * why, the counterexample's token printed). */
static int one_run(const fc_property *p, uint64_t s, long cases, int threads)
{
  fc_run_config cfg;
  fc_run_config_profile(&cfg, "ci");
  cfg.seed = s;
  cfg.threads = threads;
  cfg.progress = 0;
  cfg.db_dir = NULL;
  if (p->expect == FC_EXPECT_HOLDS)
    cfg.cases = cases;
  else
    cfg.shrink_steps = 1;
  fc_prop_result res;
  fc_error err = {0, ""};
  memset(&res, 0, sizeof res);
  int rc = fc_run_property(&res, p, &cfg, &err);
  int alarm = rc != FC_OK || res.status != FC_STATUS_PASS;
  if (alarm) {
    fct_diag("FALSE ALARM %s seed %" PRIu64 ": %s", p->id, s,
             rc != FC_OK ? err.msg : res.message);
    if (rc == FC_OK && res.cex && res.cex->token)
      fct_diag("  foldcheck replay %s", res.cex->token);
  }
  fc_prop_result_clear(&res);
  return alarm;
}

int main(int argc, char **argv)
{
  uint64_t a = 1, b = 16 * (uint64_t)fct_multiplier();
  long cases = 2;
  int threads = 1, all = 0, npats = 0;
  char **pats = calloc((size_t)argc + 1, sizeof *pats);
  if (pats == NULL)
    return 99;
  for (int i = 1; i < argc; i++) {
    char *end;
    if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc) {
      if (parse_range(&a, &b, argv[++i])) {
        fprintf(stderr, "sweep: --seeds takes A:B with A <= B\n");
        free(pats);
        return 2;
      }
    } else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
      cases = strtol(argv[++i], &end, 10);
      if (*end || cases < 1 || cases > 100000) {
        fprintf(stderr, "sweep: --cases takes 1..100000\n");
        free(pats);
        return 2;
      }
    } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      long t = strtol(argv[++i], &end, 10);
      if (*end || t < 1 || t > 256) {
        fprintf(stderr, "sweep: --threads takes 1..256\n");
        free(pats);
        return 2;
      }
      threads = (int)t;
    } else if (strcmp(argv[i], "--all") == 0) {
      all = 1;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: sweep [--seeds A:B] [--cases K] [--threads N] [--all] "
             "[PATTERN...]\n"
             "Run every selected property of the reference kernels under "
             "seeds A..B\n(default 1:16 times FC_TEST_MULTIPLIER) and count "
             "false alarms: a must-hold\nproperty failing or erroring, a "
             "negative control erroring or not detecting\nwithin the ci "
             "budget.  --cases K: cases per seed of must-hold properties\n"
             "(default 2); --all: also the full-size Monte Carlo "
             "properties.\nExit 0 when there is no false alarm.\n");
      free(pats);
      return 0;
    } else if (argv[i][0] == '-') {
      fprintf(stderr, "sweep: unknown option %s\n"
              "usage: sweep [--seeds A:B] [--cases K] [--threads N] "
              "[--all] [PATTERN...]\n", argv[i]);
      free(pats);
      return 2;
    } else {
      pats[npats++] = argv[i];
    }
  }
  fct_start("sweep");
  fct_diag("seeds %" PRIu64 "..%" PRIu64 ", %ld cases per seed for "
           "must-hold properties, the ci budget for negative controls",
           a, b, cases);
  long runs = 0, alarms = 0, props = 0;
  for (size_t i = 0; i < fc_properties_count(); i++) {
    const fc_property *p = fc_properties_at(i);
    if (!selected(p->id, pats, npats))
      continue;
    if (p->max_cases > 0 && !all) {
      fct_diag("%s: a whole experiment per case; swept with --all", p->id);
      continue;
    }
    long bad = 0;
    const double t0 = now();
    for (uint64_t s = a; s <= b; s++) {
      bad += one_run(p, s, cases, threads);
      runs++;
    }
    alarms += bad;
    props++;
    fct_ok(bad == 0, "%s: %" PRIu64 " seeds, %ld false alarms (%.2f s)",
           p->id, b - a + 1, bad, now() - t0);
  }
  fct_ok(props > 0, "the patterns select at least one property");
  printf("# sweep: %ld properties, seeds %" PRIu64 "..%" PRIu64
         ", false alarms %ld of %ld runs\n", props, a, b, alarms, runs);
  free(pats);
  return fct_end();
}

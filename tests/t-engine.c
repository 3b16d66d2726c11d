/* t-engine.c -- PRNG, cases, draws, runner verdicts and determinism. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "toys.h"

static void test_rng(void)
{
  fc_rng a, b;
  fc_rng_stream(&a, 1, "p", 7);
  fc_rng_stream(&b, 1, "p", 7);
  int same = 1;
  for (int i = 0; i < 100; i++)
    same &= fc_rng_next(&a) == fc_rng_next(&b);
  fct_ok(same, "rng: the same (seed, property, index) gives the same stream");
  fc_rng_stream(&a, 1, "p", 7);
  fc_rng_stream(&b, 1, "p", 8);
  fct_ok(fc_rng_next(&a) != fc_rng_next(&b), "rng: case streams differ");
  fc_rng_stream(&b, 1, "q", 7);
  fc_rng_stream(&a, 1, "p", 7);
  fct_ok(fc_rng_next(&a) != fc_rng_next(&b), "rng: property streams differ");
  /* fc_rng_below: range and rough uniformity (chi-square on 10 bins, 10^5
   * draws: 99.9% quantile of chi2(9) is 27.9). */
  long bins[10] = {0};
  int inrange = 1;
  for (int i = 0; i < 100000; i++) {
    uint64_t v = fc_rng_below(&a, 9);
    inrange &= v <= 9;
    if (v <= 9)
      bins[v]++;
  }
  double chi = 0;
  for (int i = 0; i < 10; i++)
    chi += (bins[i] - 1e4) * (bins[i] - 1e4) / 1e4;
  fct_ok(inrange && chi < 27.9, "rng: below(9) uniform (chi2 %.1f < 27.9)", chi);
  double u = fc_rng_unit(&a);
  fct_ok(u >= 0 && u < 1, "rng: unit in [0, 1)");
}

static void test_case(void)
{
  fc_case *c = fc_case_new();
  double *x = fc_case_add_reals(c, "x", 2, 3);
  long *n = fc_case_add_ints(c, "n", 1, 1);
  fct_ok(x && n, "case: add fields");
  fct_ok(fc_case_add_reals(c, "x", 1, 1) == NULL, "case: duplicate name refused");
  fct_ok(fc_case_add_reals(c, "big", FC_CASE_MAX_ELEMS, 2) == NULL,
         "case: absurd size refused");
  fct_ok(fc_case_add_reals(c, "huge", SIZE_MAX / 2, SIZE_MAX / 2) == NULL,
         "case: overflowing size refused");
  char longname[100];
  memset(longname, 'a', 99);
  longname[99] = 0;
  fct_ok(fc_case_add_reals(c, longname, 1, 1) == NULL, "case: long name refused");
  fct_ok(fc_case_add_dim(c, "d", 4) == FC_OK && fc_case_dim(c, "d", 0) == 4,
         "case: dimension");
  fct_ok(fc_case_add_reals(c, "empty", 0, 2) != NULL, "case: empty field");
  x[5] = -0.0;
  fc_case *d = fc_case_new();
  fct_ok(fc_case_copy(d, c) == FC_OK && fc_case_nfields(d) == fc_case_nfields(c),
         "case: copy");
  const double *y = fc_case_reals(d, "x", NULL, NULL);
  fct_ok(y && signbit(y[5]), "case: copy keeps -0");
  fct_ok(fc_case_reals(d, "n", NULL, NULL) == NULL, "case: type checked on read");
  fc_case_free(c);
  fc_case_free(d);
  fc_case_free(NULL);
}

/* Draw from generate mode, then replay the recorded choices: same values. */
typedef struct drawn {
  long i, s;
  int b;
  double x, t;
  size_t w;
} drawn;

static void draw_some(drawn *o, fc_draw *d)
{
  static const double w[3] = {1, 2, 3};
  fc_double_spec spec = {8, FC_SPECIAL_HUGE | FC_SPECIAL_SUBNORMAL, 0};
  o->i = fc_draw_int(d, -5, 5);
  o->s = fc_draw_size(d, 2, 40);
  o->b = fc_draw_bool(d, 0.5);
  o->x = fc_draw_double(d, &spec);
  o->t = fc_draw_turns(d);
  o->w = fc_draw_weighted(d, w, 3);
}

/* A property whose generator exercises every draw kind, recording the
 * values so the test can compare generation and replay. */
static int gen_all(fc_case *c, fc_draw *d)
{
  drawn o;
  draw_some(&o, d);
  double *v = fc_case_add_reals(c, "v", 6, 1);
  if (!v)
    return FC_ENOMEM;
  v[0] = (double)o.i;
  v[1] = (double)o.s;
  v[2] = o.b;
  v[3] = o.x;
  v[4] = o.t;
  v[5] = (double)o.w;
  return FC_OK;
}
static int check_ranges(fc_check_result *r, const fc_case *c,
                        const fc_check_ctx *x)
{
  const double *v = fc_case_reals(c, "v", NULL, NULL);
  int ok = v[0] >= -5 && v[0] <= 5 && v[1] >= 2 && v[1] <= 40 &&
           (v[2] == 0 || v[2] == 1) &&
           (fabs(v[3]) <= 8 || v[3] == 1e300 || v[3] == 1e200 ||
            v[3] == DBL_MAX / 4 || fabs(v[3]) < DBL_MIN) &&
           v[4] > -0.5 && v[4] <= 0.5 && v[5] >= 0 && v[5] <= 2;
  fc_measure_fold(&r->level[FC_LEVEL_STATEMENT], ok ? 0 : 2, 1, 0);
  return FC_OK;
}
static const char *const none[] = {NULL};
static const fc_property draw_ranges = {
    .id = "toy.draw_ranges", .title = "every draw stays in its range",
    .anchors = none, .expect = FC_EXPECT_HOLDS, .generate = gen_all,
    .check = check_ranges};

static void test_runner(void)
{
  fc_run_config cfg;
  fct_config(&cfg);
  cfg.cases = 2000;
  fc_prop_result res;
  fc_error err = {0, ""};
  int rc = fc_run_property(&res, &draw_ranges, &cfg, &err);
  fct_ok(rc == FC_OK && res.status == FC_STATUS_PASS && res.cases == 2000,
         "draws stay in range over 2000 cases (%s)", fc_status_name(res.status));
  fc_prop_result_clear(&res);

  /* Zero choices replay to the simplest values. */
  fc_check_result r;
  int failed = 1, level = -1;
  fc_case *c = fc_case_new();
  rc = fc_eval_choices(&r, &failed, &level, c, &draw_ranges, NULL, 0, &cfg, 1);
  const double *v = fc_case_reals(c, "v", NULL, NULL);
  fct_ok(rc == FC_OK && v && v[0] == -5 && v[1] == 2 && v[2] == 0 &&
             v[3] == 0 && v[4] == 0 && v[5] == 0,
         "the empty choice sequence gives the simplest values");
  fc_case_free(c);

  rc = fc_run_property(&res, &toy_always_holds, &cfg, &err);
  fct_ok(rc == FC_OK && res.status == FC_STATUS_PASS &&
             res.worst[FC_LEVEL_STATEMENT].present &&
             res.worst[FC_LEVEL_STATEMENT].ratio <= 1,
         "a holding property passes, worst ratio %.3f",
         res.worst[FC_LEVEL_STATEMENT].ratio);
  fc_prop_result_clear(&res);

  rc = fc_run_property(&res, &toy_detect_never, &cfg, &err);
  fct_ok(rc == FC_OK && res.status == FC_STATUS_FAIL && res.cex == NULL,
         "a negative control that detects nothing fails: %s", res.message);
  fc_prop_result_clear(&res);

  fc_run_config bad = cfg;
  bad.cases = 0;
  fct_ok(fc_run_property(&res, &toy_always_holds, &bad, &err) == FC_ERANGE,
         "cases = 0 refused: %s", err.msg);
  bad = cfg;
  bad.prec = 63;
  fct_ok(fc_run_property(&res, &toy_always_holds, &bad, &err) == FC_ERANGE,
         "prec = 63 refused: %s", err.msg);
  bad = cfg;
  bad.kernels = "no-such-table";
  fct_ok(fc_run_property(&res, &toy_always_holds, &bad, &err) == FC_ENOTFOUND,
         "unknown kernel table refused: %s", err.msg);
}

/* Same seed, same report, whatever the thread count. */
static void test_determinism(void)
{
  fc_run_config cfg;
  fct_config(&cfg);
  cfg.cases = 400;
  const fc_property *props[] = {&toy_always_holds, &toy_sum_below_100,
                                &toy_givens_identity};
  for (size_t k = 0; k < 3; k++) {
    fc_prop_result r1, r4;
    cfg.threads = 1;
    fc_run_property(&r1, props[k], &cfg, NULL);
    cfg.threads = 4;
    fc_run_property(&r4, props[k], &cfg, NULL);
    int same = r1.status == r4.status && r1.cases == r4.cases &&
               memcmp(r1.worst, r4.worst, sizeof r1.worst) == 0 &&
               memcmp(r1.hist, r4.hist, sizeof r1.hist) == 0 &&
               (r1.cex == NULL) == (r4.cex == NULL);
    if (same && r1.cex)
      same = strcmp(r1.cex->token, r4.cex->token) == 0;
    fct_ok(same, "%s: threads 1 and 4 give the same result (%ld cases)",
           props[k]->id, r1.cases);
    fc_prop_result_clear(&r1);
    fc_prop_result_clear(&r4);
  }
}

static void test_patterns(void)
{
  fct_ok(fc_pattern_match("schur", "schur.vanishing"), "pattern: family name");
  fct_ok(!fc_pattern_match("schu", "schur.vanishing"), "pattern: not a prefix");
  fct_ok(fc_pattern_match("fold.*", "fold.single"), "pattern: glob");
  fct_ok(fc_pattern_match("*.neg_?", "a.neg_x"), "pattern: ? glob");
  fct_ok(!fc_pattern_match("fold.*", "gauge.x"), "pattern: glob mismatch");
  fct_ok(fc_pattern_match("*", "anything"), "pattern: *");
}

/* The ids of a selection, space-separated, into buf (or the error's
 * message, *rc its code). */
static const char *sel_ids(char *buf, size_t cap, const fc_run_config *cfg,
                           const char *const *pats, int *rc)
{
  const fc_property **sel = NULL;
  size_t n = 0, o = 0;
  fc_error err = {0, ""};
  buf[0] = '\0';
  *rc = fc_select_properties(&sel, &n, cfg, pats, &err);
  for (size_t i = 0; *rc == FC_OK && i < n && o < cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? " " : "", sel[i]->id);
  free(sel);
  if (*rc != FC_OK)
    snprintf(buf, cap, "%s", err.msg);
  return buf;
}

/* --exclude, --last-failed's id list and shards: one selection. */
static void test_selection(void)
{
  fc_run_config cfg;
  fct_config(&cfg);
  char buf[2048];
  int rc;
  static const char *const schur[] = {"schur", NULL};
  static const char *const negs[] = {"*.neg_*", NULL};
  cfg.exclude = negs;
  fct_ok(strcmp(sel_ids(buf, sizeof buf, &cfg, schur, &rc),
                "schur.singular_values schur.sandwich schur.vanishing") == 0,
         "exclude drops what it matches: %s", buf);
  static const char *const typo[] = {"schur.neg_*", "no.such.*", NULL};
  cfg.exclude = typo;
  sel_ids(buf, sizeof buf, &cfg, schur, &rc);
  fct_ok(rc == FC_ENOTFOUND, "an exclude pattern matching nothing is an "
         "error: %s", buf);
  cfg.exclude = schur;
  sel_ids(buf, sizeof buf, &cfg, schur, &rc);
  fct_ok(rc == FC_ENOTFOUND, "excluding everything selected is an error: %s",
         buf);
  cfg.exclude = NULL;
  static const char *const only[] = {"schur.vanishing", "commutant2d.span",
                                     NULL};
  cfg.only = only;
  fct_ok(strcmp(sel_ids(buf, sizeof buf, &cfg, NULL, &rc),
                "commutant2d.span schur.vanishing") == 0,
         "only: exact ids, registry order: %s", buf);
  fct_ok(strcmp(sel_ids(buf, sizeof buf, &cfg, schur, &rc),
                "schur.vanishing") == 0,
         "only within the patterns: %s", buf);
  static const char *const stale[] = {"schur", NULL};
  cfg.only = stale; /* a family name is not an id */
  sel_ids(buf, sizeof buf, &cfg, NULL, &rc);
  fct_ok(rc == FC_ENOTFOUND, "only: an id that names no property is an "
         "error: %s", buf);
  cfg.only = NULL;

  /* Exclusion before sharding: the shards partition the selection. */
  static const char *const fam[] = {"commutant2d", "schur", "fold", NULL};
  static const char *const ex[] = {"fold.multi", "*.neg*", NULL};
  cfg.exclude = ex;
  char whole[2048], joined[2048] = "";
  sel_ids(whole, sizeof whole, &cfg, fam, &rc);
  size_t total = 0, parts = 0;
  for (const char *c = whole; *c; c++)
    total += *c == ' ';
  total += whole[0] != '\0';
  int disjoint = 1;
  for (int k = 1; k <= 3; k++) {
    cfg.shard_index = k;
    cfg.shard_count = 3;
    const fc_property **sel = NULL;
    size_t n = 0;
    fc_error err = {0, ""};
    if (fc_select_properties(&sel, &n, &cfg, fam, &err) != FC_OK)
      disjoint = 0;
    for (size_t i = 0; i < n; i++) {
      disjoint &= strstr(joined, sel[i]->id) == NULL &&
                  strstr(whole, sel[i]->id) != NULL &&
                  strstr(sel[i]->id, ".neg") == NULL;
      strcat(joined, sel[i]->id);
      strcat(joined, " ");
    }
    parts += n;
    free(sel);
  }
  fct_ok(disjoint && parts == total && total > 3,
         "3 shards of an excluded selection: disjoint, %zu of %zu "
         "properties, none excluded", parts, total);
}

/* --maxfail: stop after the N-th property that fell short, in registry
 * order, whatever the thread count; the rest are counted as not run. */
static void test_maxfail(void)
{
  fc_run_config cfg;
  fct_config(&cfg);
  cfg.cases = 20;
  cfg.shrink_steps = 50;
  cfg.kernels = "mutant-lin-mul-transpose";
  static const char *const pats[] = {"commutant2d", "schur", NULL};
  fc_report full, r1, r2;
  fc_error err = {0, ""};
  int rc = fc_run(&full, &cfg, pats, &err);
  size_t first = full.n, second = full.n;
  for (size_t i = 0; rc == FC_OK && i < full.n; i++)
    if (full.results[i].status != FC_STATUS_PASS) {
      if (first == full.n)
        first = i;
      else if (second == full.n)
        second = i;
    }
  fct_ok(rc == FC_OK && full.not_run == 0 && second < full.n,
         "under the mutant two properties fall short (%zu and %zu of %zu)",
         first, second, full.n);
  cfg.maxfail = 1;
  rc = fc_run(&r1, &cfg, pats, &err);
  cfg.threads = 2;
  int rc2 = fc_run(&r2, &cfg, pats, &err);
  fct_ok(rc == FC_OK && rc2 == FC_OK && r1.n == first + 1 &&
             r1.not_run == full.n - first - 1 && r2.n == r1.n &&
             r2.not_run == r1.not_run &&
             r1.results[first].status != FC_STATUS_PASS,
         "maxfail 1: %zu run, %zu not run, with 1 and 2 threads alike",
         r1.n, r1.not_run);
  fc_report_clear(&r1);
  fc_report_clear(&r2);
  cfg.maxfail = 2;
  rc = fc_run(&r1, &cfg, pats, &err);
  fct_ok(rc == FC_OK && r1.n == second + 1 &&
             r1.not_run == full.n - second - 1,
         "maxfail 2: stops after the second (%zu run)", r1.n);
  fc_report_clear(&r1);
  cfg.maxfail = 100;
  rc = fc_run(&r1, &cfg, pats, &err);
  fct_ok(rc == FC_OK && r1.n == full.n && r1.not_run == 0,
         "maxfail above the failures: everything runs");
  fc_report_clear(&r1);
  cfg.maxfail = -1;
  fct_ok(fc_run(&r1, &cfg, pats, &err) == FC_ERANGE, "maxfail -1 refused: %s",
         err.msg);
  fc_report_clear(&full);
}

static void test_errors(void)
{
  fct_ok(strcmp(fc_strerror(FC_OK), "success") == 0, "strerror OK");
  fct_ok(strcmp(fc_strerror(12345), "unknown error") == 0, "strerror unknown");
  fc_error e;
  fct_ok(fc_error_set(&e, FC_EPARSE, "x=%d", 3) == FC_EPARSE &&
             strcmp(e.msg, "x=3") == 0,
         "error_set formats");
  fc_run_config cfg;
  fct_ok(fc_run_config_profile(&cfg, "nope") == FC_ENOTFOUND, "unknown profile");
  fct_ok(fc_run_config_profile(&cfg, "ci") == FC_OK && cfg.seed == 20261123,
         "ci profile is derandomised");
}

/* Issue 16: how properties reach kernels, and the status "not provided". */
static int table_calls;
static int check_counting(fc_check_result *r, const fc_case *c,
                          const fc_check_ctx *x)
{
  (void)c;
  (void)x;
  __atomic_add_fetch(&table_calls, 1, __ATOMIC_RELAXED);
  fc_measure_fold(&r->level[FC_LEVEL_STATEMENT], 0, 1, 0);
  return FC_OK;
}
static int check_no_entry(fc_check_result *r, const fc_case *c,
                          const fc_check_ctx *x)
{
  (void)r;
  (void)c;
  (void)x;
  return FC_ENOTPROVIDED;
}
static const fc_property toy_table = {
    .id = "toy.table", .title = "calls the built-in tables",
    .anchors = none, .expect = FC_EXPECT_HOLDS, .generate = gen_all,
    .check = check_counting, .kernels_via = FC_KV_TABLE};
/* A negative control whose generator rejects every draw. */
static int gen_reject_all(fc_case *c, fc_draw *d)
{
  (void)c;
  fc_draw_reject(d);
  return FC_OK;
}
static const fc_property toy_ctl_nocase = {
    .id = "toy.ctl_nocase", .title = "a control that never gets a case",
    .anchors = none, .expect = FC_EXPECT_DETECT, .generate = gen_reject_all,
    .check = check_counting, .kernels_via = FC_KV_NONE};
static const fc_property toy_no_entry = {
    .id = "toy.no_entry", .title = "its provider lacks the entry",
    .anchors = none, .expect = FC_EXPECT_HOLDS, .generate = gen_all,
    .check = check_no_entry, .kernels_via = FC_KV_PROVIDER};

static void test_not_provided(void)
{
  fc_run_config cfg;
  fct_config(&cfg);
  cfg.cases = 5;
  fc_prop_result res;
  fc_error err = {0, ""};
  int dummy = 0;

  /* Every registered property says how it reaches kernels; spot checks
   * of the classes read from their check code. */
  int bad = 0, contract_ok = 1;
  for (size_t i = 0; i < fc_properties_count(); i++) {
    const fc_property *p = fc_properties_at(i);
    bad += p->kernels_via < FC_KV_NONE || p->kernels_via > FC_KV_PROVIDER;
    if (strncmp(p->id, "contract.", 9) == 0)
      contract_ok &= p->kernels_via == FC_KV_PROVIDER;
  }
  fct_ok(bad == 0, "every property's kernels_via is NONE, TABLE or PROVIDER");
  fct_ok(contract_ok, "contract.* take their kernels from the provider");
  static const struct { const char *id; int via; } known[] = {
      {"moment.gaussian_closed_form", FC_KV_NONE},
      {"commutant.mixing", FC_KV_NONE},
      {"signquant.sign0_control", FC_KV_NONE},
      {"amplification.wrong_divisor", FC_KV_NONE},
      {"commutant2d.span", FC_KV_TABLE},
      {"schur.sandwich", FC_KV_TABLE},
      {"moment.iid_floor", FC_KV_TABLE},
      {"allocator.certified_exact", FC_KV_TABLE},
      {"commutant.nonorthogonal", FC_KV_NONE},
      /* issue 16 item 1: routed through rope_apply, allocate_bits and
       * sign_quant */
      {"commutant.projection", FC_KV_PROVIDER},
      {"commutant.iff", FC_KV_PROVIDER},
      {"commutant.gap", FC_KV_PROVIDER},
      {"commutant.samples", FC_KV_PROVIDER},
      {"allocator.plain_exact", FC_KV_PROVIDER},
      {"signquant.cos_formula", FC_KV_PROVIDER}};
  for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
    const fc_property *p = fc_properties_find(known[k].id);
    fct_ok(p != NULL && p->kernels_via == known[k].via, "%s: kernels_via %d",
           known[k].id, known[k].via);
  }
  /* F4-F6 (the fold experiment, props/foldx.c) judge the provider:
   * every fold.*, fold.multi.* and gauge.* property. */
  int fx_ok = 1, fx_n = 0;
  for (size_t i = 0; i < fc_properties_count(); i++) {
    const fc_property *p = fc_properties_at(i);
    if (strncmp(p->id, "fold.", 5) == 0 || strncmp(p->id, "gauge.", 6) == 0) {
      fx_ok &= p->kernels_via == FC_KV_PROVIDER;
      fx_n++;
    }
  }
  fct_ok(fx_ok && fx_n >= 30, "fold.* and gauge.* (%d) take their kernels "
         "from the provider", fx_n);
  /* fold.large.* evaluate kernels: never NONE (TABLE until routed
   * through the provider). */
  const fc_property *fl = fc_properties_find("fold.large.folded_qkvo");
  fct_ok(fl != NULL && fl->kernels_via != FC_KV_NONE,
         "fold.large.folded_qkvo evaluates kernels");

  /* A built-in table (no provider): a TABLE property runs. */
  table_calls = 0;
  int rc = fc_run_property(&res, &toy_table, &cfg, &err);
  fct_ok(rc == FC_OK && res.status == FC_STATUS_PASS && table_calls == 5,
         "TABLE property with a built-in table runs (%d checks)",
         table_calls);
  fc_prop_result_clear(&res);
  /* An external provider: not provided, and the check is never called
   * (it would judge the reference in the provider's name). */
  cfg.provider = &dummy;
  table_calls = 0;
  rc = fc_run_property(&res, &toy_table, &cfg, &err);
  fct_ok(rc == FC_OK && res.status == FC_STATUS_NOT_PROVIDED &&
             table_calls == 0 && res.cases == 0 &&
             strstr(res.message, "built-in double kernels only") != NULL,
         "TABLE property with an external provider: not provided, not run "
         "(%s: %s)", fc_status_name(res.status), res.message);
  fc_prop_result_clear(&res);
  cfg.provider = NULL;
  /* A provider without the entry: not provided, not an error. */
  rc = fc_run_property(&res, &toy_no_entry, &cfg, &err);
  fct_ok(rc == FC_OK && res.status == FC_STATUS_NOT_PROVIDED &&
             res.cex == NULL,
         "FC_ENOTPROVIDED from the check: status not provided (%s)",
         fc_status_name(res.status));
  fct_ok(strcmp(fc_status_name(FC_STATUS_NOT_PROVIDED), "not_provided") == 0,
         "status name not_provided");
  fc_report rep;
  memset(&rep, 0, sizeof rep);
  rep.n = 1;
  rep.results = &res;
  fct_ok(fc_report_ok(&rep) &&
             fc_report_count(&rep, FC_STATUS_NOT_PROVIDED) == 1,
         "a run whose only property is not provided is ok (exit 0 unless "
         "--require-all)");
  fc_prop_result_clear(&res);

  /* A control that judged no case is an error of the run, as a holds
   * property is: not a control "not detected in 0 cases" (a FAIL that
   * blamed the kernel for a generator that discarded its one draw). */
  rc = fc_run_property(&res, &toy_ctl_nocase, &cfg, &err);
  fct_ok(rc == FC_OK && res.status == FC_STATUS_ERROR && res.cases == 0 &&
             res.discarded == 5 &&
             strstr(res.message, "no case could be generated") != NULL,
         "a negative control with every draw discarded: error, not a "
         "failed control (%s: %s)", fc_status_name(res.status), res.message);
  fc_prop_result_clear(&res);

  /* Item 7: the engine runs the list and the kernel table it is given
   * (no registry, no lookup by name): properties of the caller's own. */
  const fc_property *mine[] = {&toy_always_holds, &toy_table};
  fc_report r2;
  table_calls = 0;
  rc = fc_run_props(&r2, &cfg, mine, 2, fc_kernels_reference(), &err);
  fct_ok(rc == FC_OK && r2.n == 2 && r2.results[0].prop == mine[0] &&
             r2.results[1].prop == mine[1] &&
             r2.results[0].status == FC_STATUS_PASS &&
             r2.results[1].status == FC_STATUS_PASS && table_calls == 5 &&
             strcmp(r2.kernels, "reference") == 0,
         "fc_run_props runs the caller's own properties, in its order");
  fc_report_clear(&r2);
  rc = fc_run_props(&r2, &cfg, mine, 2, NULL, &err);
  fct_ok(rc == FC_EINVAL, "fc_run_props without a kernel table: EINVAL");
}

int main(void)
{
  fct_start("t-engine");
  test_rng();
  test_case();

  test_runner();
  test_determinism();
  test_patterns();
  test_selection();
  test_maxfail();
  test_errors();
  test_not_provided();
  return fct_end();
}

/* fctest.c -- the test helper library. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "engine/engine_internal.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

static struct {
  const char *name;
  int n, failed;
} st;

void fct_start(const char *name)
{
  st.name = name;
  st.n = st.failed = 0;
  setvbuf(stdout, NULL, _IOLBF, 0);
  fc_env_blas_threads(1);
  printf("# %s: seed %" PRIu64 ", multiplier %ld (FC_TEST_SEED, "
         "FC_TEST_MULTIPLIER)\n", name, fct_seed(), fct_multiplier());
}

int fct_end(void)
{
  printf("1..%d\n", st.n);
  if (st.failed)
    printf("# %s: %d of %d checks failed (seed %" PRIu64 ")\n", st.name,
           st.failed, st.n, fct_seed());
  return st.failed ? 1 : 0;
}

int fct_ok(int cond, const char *fmt, ...)
{
  va_list ap;
  st.n++;
  if (!cond)
    st.failed++;
  printf("%s %d - ", cond ? "ok" : "not ok", st.n);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  return cond;
}

void fct_diag(const char *fmt, ...)
{
  va_list ap;
  fputs("# ", stdout);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
}

static long env_long(const char *name, long dflt)
{
  const char *s = getenv(name);
  if (s == NULL || *s == '\0')
    return dflt;
  char *end;
  long v = strtol(s, &end, 10);
  return *end == '\0' && v > 0 ? v : dflt;
}

long fct_multiplier(void) { return env_long("FC_TEST_MULTIPLIER", 1); }

uint64_t fct_seed(void)
{
  const char *s = getenv("FC_TEST_SEED");
  if (s && *s) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end == '\0')
      return v;
  }
  return 20261123;
}

void fct_config(fc_run_config *cfg)
{
  fc_run_config_profile(cfg, "ci");
  cfg->seed = fct_seed();
  cfg->threads = 1;
  cfg->cases *= fct_multiplier();
  cfg->progress = 0;
  cfg->db_dir = NULL;
}

int fct_run_prop(fc_prop_result *res, const char *id, const char *kernels,
                 const fc_run_config *cfg)
{
  const fc_property *p = fc_properties_find(id);
  memset(res, 0, sizeof *res);
  if (!fct_ok(p != NULL, "property %s exists", id))
    return 1;
  fc_run_config c = *cfg;
  c.kernels = kernels;
  fc_error err = {0, ""};
  int rc = fc_run_property(res, p, &c, &err);
  if (rc != FC_OK) {
    fct_ok(0, "%s runs (%s)", id, err.msg);
    return 1;
  }
  return 0;
}

static void show_cex(const fc_prop_result *res)
{
  if (res->cex == NULL)
    return;
  printf("# counterexample (%zu choices, %ld shrink steps):\n",
         res->cex->nchoices, res->cex->shrink_steps);
  fc_case_print(stdout, res->cex->values, "#   ");
}

void fct_expect_pass(const char *id, const fc_run_config *cfg)
{
  fc_prop_result res;
  if (fct_run_prop(&res, id, NULL, cfg))
    return;
  const fc_property *p = res.prop;
  int ok = res.status == FC_STATUS_PASS;
  fct_ok(ok, "%s %s (%ld cases)%s%s", id,
         p->expect == FC_EXPECT_DETECT ? "detected and shrunk" : "holds",
         res.cases, ok ? "" : ": ", ok ? "" : res.message);
  if (!ok || p->expect == FC_EXPECT_DETECT)
    show_cex(&res);
  if (p->expect == FC_EXPECT_DETECT && res.cex) {
    /* The shrunk counterexample must replay: decode its token and check
     * the values again. */
    fc_replay rp;
    fc_error err = {0, ""};
    int rc = fc_replay_decode(&rp, res.cex->token, &err);
    int again = 0;
    if (rc == FC_OK) {
      fc_check_result r;
      fc_check_ctx x = {rp.prec, rp.slack_bits, fc_kernels_reference()};
      memset(&r, 0, sizeof r);
      if (rp.prop->check(&r, rp.values, &x) == FC_OK)
        again = fc_judge(NULL, &r, rp.prop, cfg, 1.0);
      fc_replay_clear(&rp);
    }
    fct_ok(again, "%s: replay token reproduces the detection%s%s", id,
           rc ? ": " : "", rc ? err.msg : "");
  }
  fc_prop_result_clear(&res);
}

fc_case *fct_generate(const fc_property *p, const char *stream, uint64_t k,
                      uint64_t **rec, size_t *nrec)
{
  fc_rng rng;
  fc_rng_stream(&rng, fct_seed(), stream, k);
  fc_draw d;
  fc_draw_init_generate(&d, &rng, 1.0, 1u << 16);
  d.scale = 0;
  fc_case *c = fc_case_new();
  int rc = c ? p->generate(c, &d) : FC_ENOMEM;
  if (rc == FC_OK)
    rc = fc_draw_status(&d);
  if (rc == FC_OK && rec != NULL) {
    *rec = d.rec;
    *nrec = d.nrec;
    d.rec = NULL;
  }
  fc_draw_clear(&d);
  if (rc != FC_OK) {
    fc_case_free(c);
    return NULL;
  }
  return c;
}

int fct_replay_fails(fc_check_result *r, const fc_prop_result *res,
                     const fc_run_config *cfg, fc_error *err)
{
  fc_replay rp;
  memset(r, 0, sizeof *r);
  if (res->cex == NULL || fc_replay_decode(&rp, res->cex->token, err) != FC_OK)
    return 0;
  int again = 0;
  fc_check_ctx x = {rp.prec, rp.slack_bits, fc_kernels_find(rp.kernels)};
  if (x.kernels && rp.prop->check(r, rp.values, &x) == FC_OK)
    again = fc_judge(NULL, r, rp.prop, cfg, 1.0);
  fc_replay_clear(&rp);
  return again;
}

void fct_expect_caught(const char *id, const char *mutant,
                       const fc_run_config *cfg)
{
  fc_prop_result res;
  if (!fct_ok(fc_kernels_find(mutant) != NULL, "kernel table %s exists",
              mutant))
    return;
  if (fct_run_prop(&res, id, mutant, cfg))
    return;
  int caught = res.status == FC_STATUS_FAIL && res.cex != NULL;
  fct_ok(caught, "%s catches %s%s%s", id, mutant, caught ? "" : ": ",
         caught ? "" : fc_status_name(res.status));
  if (caught) {
    show_cex(&res);
    fct_ok(res.cex->nchoices <= res.cex->orig_nchoices,
           "%s/%s: shrunk from %zu to %zu choices", id, mutant,
           res.cex->orig_nchoices, res.cex->nchoices);
    fc_error err = {0, ""};
    fc_check_result r;
    const int again = fct_replay_fails(&r, &res, cfg, &err);
    fct_ok(again, "%s/%s: replay token reproduces the failure%s%s", id,
           mutant, err.code ? ": " : "", err.msg);
  }
  fc_prop_result_clear(&res);
}

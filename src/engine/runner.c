/* runner.c -- running properties: cases, threads, budgets, verdicts.
 *
 * Case i of property p under seed s is generated from its own PRNG stream
 * (fc_rng_stream), with a size fraction that grows with i (small cases
 * first).  Threads take case indices from a shared counter; every index
 * below the first failing one is always completed, and aggregation covers
 * exactly [0, first failure] (or [0, cases done) without one), so a run's
 * results do not depend on the thread count.  The time budget is the one
 * exception: it stops taking new cases, so how many ran depends on speed
 * (the report says so). */
#include <math.h>
#include <mpfr.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "engine_internal.h"

double fc_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void check_result_init(fc_check_result *r) { memset(r, 0, sizeof *r); }

/* Generate into c from draw d, then check and judge. */
/* Generate c from d; *discarded = 1 (and FC_OK) for an overrun or a
 * rejection. */
static int gen_case(int *discarded, fc_case *c, fc_draw *d,
                    const fc_property *p)
{
  *discarded = 0;
  fc_case_reset(c);
  int rc = p->generate(c, d);
  int ds = fc_draw_status(d);
  if (ds == FC_EOVERRUN || ds == FC_EREJECT || rc == FC_EOVERRUN ||
      rc == FC_EREJECT) {
    *discarded = 1;
    return FC_OK;
  }
  return ds != FC_OK ? ds : rc;
}

int fc_check_internal(fc_check_result *r, int *failed, int *level,
                      const fc_case *c, const fc_property *p,
                      const fc_run_config *cfg, const fc_kernels *k,
                      double margin)
{
  check_result_init(r);
  *failed = 0;
  *level = -1;
  fc_check_ctx x = {cfg->prec, cfg->slack_bits, k};
  int rc = p->check(r, c, &x);
  if (rc != FC_OK)
    return rc;
  *failed = fc_judge(level, r, p, cfg, margin);
  return FC_OK;
}

static int gen_and_check(fc_check_result *r, int *failed, int *level,
                         int *discarded, fc_case *c, fc_draw *d,
                         const fc_property *p, const fc_run_config *cfg,
                         const fc_kernels *k, double margin)
{
  check_result_init(r);
  *failed = 0;
  *level = -1;
  int rc = gen_case(discarded, c, d, p);
  if (rc != FC_OK || *discarded)
    return rc;
  return fc_check_internal(r, failed, level, c, p, cfg, k, margin);
}

/* Generate c from the replayed sequence src under cfg's profile, then
 * check and judge it; the consumed sequence goes to *rec when rec is
 * non-NULL. */
int fc_eval_internal(fc_check_result *r, int *failed, int *level,
                     int *discarded, uint64_t **rec, size_t *nrec,
                     fc_case *c, const fc_property *p, const uint64_t *src,
                     size_t n, const fc_run_config *cfg, const fc_kernels *k,
                     double margin)
{
  fc_draw d;
  fc_draw_init_replay(&d, src, n, cfg->max_choices);
  d.scale = fc_profile_scale(cfg->profile);
  int rc = gen_and_check(r, failed, level, discarded, c, &d, p, cfg, k,
                         margin);
  if (rc == FC_OK && rec != NULL) {
    *rec = d.rec;
    *nrec = d.nrec;
    d.rec = NULL;
  }
  fc_draw_clear(&d);
  return rc;
}

int fc_gen_internal(int *discarded, uint64_t **rec, size_t *nrec, fc_case *c,
                    const fc_property *p, const uint64_t *src, size_t n,
                    const fc_run_config *cfg)
{
  fc_draw d;
  fc_draw_init_replay(&d, src, n, cfg->max_choices);
  d.scale = fc_profile_scale(cfg->profile);
  int rc = gen_case(discarded, c, &d, p);
  if (rc == FC_OK && !*discarded) {
    *rec = d.rec;
    *nrec = d.nrec;
    d.rec = NULL;
  }
  fc_draw_clear(&d);
  return rc;
}

int fc_eval_choices_with(fc_check_result *r, int *failed, int *level,
                         fc_case *c, const fc_property *p,
                         const uint64_t *choices, size_t n,
                         const fc_run_config *cfg, const fc_kernels *k,
                         double margin)
{
  if (r == NULL || failed == NULL || p == NULL || cfg == NULL || k == NULL ||
      (choices == NULL && n > 0))
    return FC_EINVAL;
  fc_case *own = NULL;
  if (c == NULL && (c = own = fc_case_new()) == NULL)
    return FC_ENOMEM;
  int lv = -1, disc = 0;
  int rc = fc_eval_internal(r, failed, &lv, &disc, NULL, NULL, c, p, choices,
                            n, cfg, k, margin);
  if (level)
    *level = lv;
  fc_case_free(own);
  return rc;
}

/* ------------------------------------------------------------ the workers */

typedef struct case_out {
  int done;
  int rc;
  int failed, level, discarded;
  fc_check_result r;
} case_out;

typedef struct job {
  const fc_property *p;
  const fc_run_config *cfg;
  const fc_kernels *k;
  long ncases;
  case_out *out;
  pthread_mutex_t mu;
  long next;          /* next index to take */
  long first_stop;    /* lowest index that failed or errored */
  int timed_out;
  double t0;
  long done_count;
  long failing;       /* failing (or detected) cases so far, for progress */
  int interrupted;    /* cfg->stop was raised: no new case taken */
  double last_progress;
} job;

static double size_fraction(long i, long n)
{
  /* Reach full size by 60% of the budget; the first case is the smallest. */
  if (n <= 1)
    return 1;
  double f = (double)i / (0.6 * (double)(n - 1));
  return f > 1 ? 1 : f;
}

static void *worker(void *arg)
{
  job *j = arg;
  fc_case *c = fc_case_new();
  for (;;) {
    long i;
    pthread_mutex_lock(&j->mu);
    if (c == NULL || j->next >= j->ncases || j->next > j->first_stop ||
        j->timed_out || j->interrupted) {
      pthread_mutex_unlock(&j->mu);
      break;
    }
    if (j->cfg->stop != NULL && *j->cfg->stop) {
      j->interrupted = 1;
      pthread_mutex_unlock(&j->mu);
      break;
    }
    if (fc_now() - j->t0 > j->cfg->time_budget) {
      j->timed_out = 1;
      pthread_mutex_unlock(&j->mu);
      break;
    }
    i = j->next++;
    pthread_mutex_unlock(&j->mu);

    case_out *o = &j->out[i];
    fc_rng rng;
    fc_rng_stream(&rng, j->cfg->seed, j->p->id, (uint64_t)i);
    fc_draw d;
    fc_draw_init_generate(&d, &rng, size_fraction(i, j->ncases),
                          j->cfg->max_choices);
    d.scale = fc_profile_scale(j->cfg->profile);
    o->rc = gen_and_check(&o->r, &o->failed, &o->level, &o->discarded, c, &d,
                          j->p, j->cfg, j->k, 1.0);
    fc_draw_clear(&d);

    pthread_mutex_lock(&j->mu);
    o->done = 1;
    j->done_count++;
    j->failing += o->failed;
    if ((o->rc != FC_OK || o->failed || o->r.oracle_fault) &&
        i < j->first_stop)
      j->first_stop = i;
    if (j->cfg->progress) {
      double now = fc_now();
      if (now - j->last_progress > 0.25) {
        j->last_progress = now;
        /* ETA from the rate so far, capped by the time budget left. */
        double spent = now - j->t0;
        double eta = spent / (double)j->done_count *
                     (double)(j->ncases - j->done_count);
        double left = j->cfg->time_budget - spent;
        fprintf(stderr, "\r  %s: %ld/%ld cases, %ld failing, ETA %.0f s   ",
                j->p->id, j->done_count, j->ncases, j->failing,
                eta < left ? eta : (left > 0 ? left : 0));
        fflush(stderr);
      }
    }
    pthread_mutex_unlock(&j->mu);
  }
  if (c == NULL) {
    pthread_mutex_lock(&j->mu);
    j->first_stop = -1; /* signal ENOMEM */
    pthread_mutex_unlock(&j->mu);
  }
  fc_case_free(c);
  /* MPFR keeps per-thread caches (constants such as pi); a worker thread
   * frees its own before it ends. */
  mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
  return NULL;
}

/* Regenerate case i in generate mode to recover its choice sequence. */
static int record_case(uint64_t **seq, size_t *n, const fc_property *p,
                       const fc_run_config *cfg, const fc_kernels *k, long i,
                       long ncases)
{
  fc_case *c = fc_case_new();
  if (c == NULL)
    return FC_ENOMEM;
  fc_rng rng;
  fc_rng_stream(&rng, cfg->seed, p->id, (uint64_t)i);
  fc_draw d;
  fc_draw_init_generate(&d, &rng, size_fraction(i, ncases), cfg->max_choices);
  d.scale = fc_profile_scale(cfg->profile);
  int rc = p->generate(c, &d);
  if (rc == FC_OK)
    rc = fc_draw_status(&d);
  fc_case_free(c);
  if (rc != FC_OK) {
    fc_draw_clear(&d);
    return rc;
  }
  *seq = d.rec;
  *n = d.nrec;
  d.rec = NULL;
  fc_draw_clear(&d);
  return FC_OK;
}

int fc_hist_bin(double ratio)
{
  if (ratio == 0)
    return 0;
  if (!(ratio < INFINITY)) /* inf and nan */
    return FC_HIST_BINS - 1;
  int b = (int)floor(log10(ratio)) - FC_HIST_LO + 1;
  return b < 1 ? 1 : b > FC_HIST_BINS - 1 ? FC_HIST_BINS - 1 : b;
}

/* Keep the case's plot points (up to FC_MAX_POINTS, in case order). */
static void add_point(fc_prop_result *res, const fc_check_result *r)
{
  for (int k = 0; k < r->npoints && k < FC_CASE_POINTS; k++) {
    if (res->npoints >= FC_MAX_POINTS)
      return;
    if (res->points == NULL &&
        (res->points = malloc(FC_MAX_POINTS * sizeof *res->points)) == NULL)
      return; /* plots are optional: no memory, no points */
    res->points[res->npoints++] = r->points[k];
  }
}

static void fold_worst(fc_prop_result *res, const fc_check_result *r, long i)
{
  for (int l = 0; l < FC_NLEVELS; l++)
    if (r->level[l].present)
      res->hist[l][fc_hist_bin(r->level[l].ratio)]++;
  add_point(res, r);
  for (int l = 0; l < FC_NLEVELS; l++) {
    const fc_measure *m = &r->level[l];
    fc_worst *w = &res->worst[l];
    if (!m->present)
      continue;
    if (!w->present || isnan(m->ratio) || (!isnan(w->ratio) && m->ratio > w->ratio)) {
      if (w->present && isnan(w->ratio))
        continue;
      w->present = 1;
      w->ratio = m->ratio;
      w->err = m->err;
      w->bound = m->bound;
      w->ulps = m->ulps;
      w->case_index = i;
    }
  }
}

/* Shrink a failing sequence and fill res->cex. Takes ownership of seq. */
static int make_counterexample(fc_prop_result *res, uint64_t *seq, size_t n,
                               int level, long case_index,
                               const fc_property *p, const fc_run_config *cfg,
                               const fc_kernels *k)
{
  fc_counterexample *cex = calloc(1, sizeof *cex);
  if (cex == NULL) {
    free(seq);
    return FC_ENOMEM;
  }
  res->cex = cex;
  cex->case_index = case_index;
  cex->level = level;
  cex->orig_nchoices = n;
  int rc = fc_shrink(cex, &seq, &n, level, p, cfg, k);
  cex->choices = seq;
  cex->nchoices = n;
  if (rc != FC_OK)
    return rc;
  /* Regenerate the shrunk case to keep its values. */
  cex->values = fc_case_new();
  if (cex->values == NULL)
    return FC_ENOMEM;
  int failed = 0, lv = -1, disc = 0;
  rc = fc_eval_internal(&cex->check, &failed, &lv, &disc, NULL, NULL,
                        cex->values, p, seq, n, cfg, k, 1.0);
  if (rc != FC_OK)
    return rc;
  return fc_replay_encode(&cex->token, res, cfg);
}

int fc_run_property_with(fc_prop_result *res, const fc_property *p,
                         const fc_run_config *cfg, const fc_kernels *k,
                         fc_error *err)
{
  if (res == NULL || p == NULL || cfg == NULL || k == NULL ||
      p->generate == NULL || p->check == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_run_property: NULL argument");
  int rc = fc_run_config_check(cfg, err);
  if (rc != FC_OK)
    return rc;
  memset(res, 0, sizeof *res);
  res->prop = p;
  double t0 = fc_now();
  /* Issue 16: a property that calls the built-in tables directly cannot
   * judge a plugin or an exec kernel; running it would judge the
   * reference in the user's kernel's name.  It is not provided, and its
   * database entry (another kernel's) is left alone. */
  if (cfg->provider != NULL && p->kernels_via == FC_KV_TABLE) {
    res->status = FC_STATUS_NOT_PROVIDED;
    if (p->kernels_why != NULL)
      snprintf(res->message, sizeof res->message, "judges the built-in "
               "double kernels only: %s", p->kernels_why);
    else
      snprintf(res->message, sizeof res->message, "runs the built-in double "
               "kernels only; not yet routed through a kernel provider");
    res->seconds = fc_now() - t0;
    return FC_OK;
  }

  uint64_t *fail_seq = NULL;
  size_t fail_n = 0;
  int fail_level = -1;
  long fail_index = -1;
  long j_ncases = cfg->cases;

  /* 1. The failure database: replay the saved failure first. */
  if (cfg->db_dir != NULL) {
    uint64_t *seq = NULL;
    size_t n = 0;
    int lrc = fc_db_load(&seq, &n, cfg->db_dir, p, fc_kernel_id(cfg));
    char dbp[4200];
    if (lrc != FC_OK && lrc != FC_ENOTFOUND)
      snprintf(res->db_warning, sizeof res->db_warning,
               "failure database record %s is unreadable or corrupt, or "
               "of other kernels (%s): ignored",
               fc_db_path(dbp, sizeof dbp, cfg->db_dir, p->id,
                          fc_kernel_id(cfg)), fc_strerror(lrc));
    if (lrc == FC_OK) {
      fc_case *c = fc_case_new();
      fc_check_result r;
      int failed = 0, lv = -1, disc = 0;
      int erc = c ? fc_eval_internal(&r, &failed, &lv, &disc, NULL, NULL, c,
                                     p, seq, n, cfg, k, 1.0)
                  : FC_ENOMEM;
      fc_case_free(c);
      res->db_replayed = 1;
      if (erc == FC_OK && failed) {
        fail_seq = seq;
        fail_n = n;
        fail_level = lv;
        seq = NULL;
        res->cases++;
        res->failures++;
        res->oracle_seconds += r.oracle_seconds;
        fold_worst(res, &r, -1);
      } else if (erc == FC_OK) {
        fc_db_remove(cfg->db_dir, p->id, fc_kernel_id(cfg)); /* fixed */
      }
      free(seq);
    }
  }

  /* 2. Random cases, unless the database already gave a failure. */
  if (fail_seq == NULL) {
    job j;
    memset(&j, 0, sizeof j);
    j.p = p;
    j.cfg = cfg;
    j.k = k;
    long cap = p->max_cases_by_scale != NULL
                   ? p->max_cases_by_scale[fc_profile_scale(cfg->profile)]
                   : p->max_cases;
    j.ncases = cap > 0 && cap < cfg->cases ? cap : cfg->cases;
    j.first_stop = j.ncases;
    j.t0 = t0;
    j.out = calloc((size_t)j.ncases, sizeof *j.out);
    if (j.out == NULL)
      return fc_error_set(err, FC_ENOMEM, "out of memory for %ld cases",
                          cfg->cases);
    pthread_mutex_init(&j.mu, NULL);
    int nt = cfg->threads;
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    int started = 0;
    if (th != NULL)
      for (; started < nt; started++)
        if (pthread_create(&th[started], NULL, worker, &j) != 0)
          break;
    if (started == 0)
      worker(&j); /* no thread could start: run here */
    for (int t = 0; t < started; t++)
      pthread_join(th[t], NULL);
    free(th);
    pthread_mutex_destroy(&j.mu);
    if (cfg->progress)
      fprintf(stderr, "\r%*s\r", 78, "");
    if (j.first_stop < 0) {
      free(j.out);
      return fc_error_set(err, FC_ENOMEM, "out of memory running %s", p->id);
    }
    long end = j.first_stop < j.next ? j.first_stop + 1 : j.next;
    for (long i = 0; i < end; i++) {
      case_out *o = &j.out[i];
      if (!o->done)
        break;
      if (o->rc == FC_ENOTPROVIDED) {
        /* The provider has no entry for what the check calls: a status
         * of its own, neither a pass nor an error of the run. */
        res->status = FC_STATUS_NOT_PROVIDED;
        if (o->r.note[0] != '\0') /* the check's own reason */
          snprintf(res->message, sizeof res->message, "%s", o->r.note);
        else
          snprintf(res->message, sizeof res->message, "the kernels under "
                   "test have no entry for the contract this property "
                   "calls");
        break;
      }
      if (o->rc != FC_OK) {
        res->status = FC_STATUS_ERROR;
        if (o->r.note[0] != '\0') /* the check's own account */
          snprintf(res->message, sizeof res->message, "case %ld: %s: %s", i,
                   fc_strerror(o->rc), o->r.note);
        else
          snprintf(res->message, sizeof res->message,
                   "case %ld: %s", i, fc_strerror(o->rc));
        break;
      }
      if (o->discarded) {
        res->discarded++;
        continue;
      }
      res->cases++;
      res->recomputed += o->r.recomputed;
      res->oracle_seconds += o->r.oracle_seconds;
      fold_worst(res, &o->r, i);
      if (o->r.oracle_fault) {
        res->oracle_faults++;
        res->status = FC_STATUS_ERROR;
        snprintf(res->message, sizeof res->message,
                 "oracle fault in case %ld: P and P+64 bit results differ by "
                 "%.3g (bound %.3g)", i, o->r.selfcheck_err,
                 o->r.selfcheck_bound);
        break;
      }
      if (o->failed) {
        res->failures++;
        fail_level = o->level;
        fail_index = i;
        break;
      }
    }
    j_ncases = j.ncases;
    res->stopped_by_time = j.timed_out && fail_index < 0 &&
                           res->status == FC_STATUS_PASS;
    res->interrupted = j.interrupted && fail_index < 0 &&
                       res->status == FC_STATUS_PASS;
    free(j.out);
    if (res->status == FC_STATUS_PASS && fail_index >= 0) {
      rc = record_case(&fail_seq, &fail_n, p, cfg, k, fail_index, j_ncases);
      if (rc != FC_OK) {
        res->status = FC_STATUS_ERROR;
        snprintf(res->message, sizeof res->message,
                 "could not regenerate case %ld: %s", fail_index,
                 fc_strerror(rc));
      }
    }
  }

  /* 3. Shrink the failure and judge the property.  Until here the status
   * is pass (still open), error or not provided (settled). */
  if (res->status == FC_STATUS_PASS && fail_seq != NULL) {
    rc = make_counterexample(res, fail_seq, fail_n, fail_level, fail_index, p,
                             cfg, k);
    fail_seq = NULL;
    if (rc != FC_OK) {
      /* An error of the run while shrinking (out of memory, a kernel
       * process that no longer restarts): the failure seen in case
       * fail_index is real but cannot be shown shrunk or replayed, so the
       * property is an error saying so, and the partial counterexample
       * goes (a report never carries one without its values). */
      fc_counterexample *cx = res->cex;
      res->status = FC_STATUS_ERROR;
      snprintf(res->message, sizeof res->message,
               "case %ld failed, but shrinking it failed: %s%s%s", fail_index,
               fc_strerror(rc), cx && cx->orig_check.note[0] ? ": " : "",
               cx ? cx->orig_check.note : "");
      if (cx) {
        fc_case_free(cx->values);
        free(cx->choices);
        free(cx->token);
        free(cx);
        res->cex = NULL;
      }
    } else if (cfg->db_dir != NULL && p->expect == FC_EXPECT_HOLDS) {
      char *json = NULL;
      int src = fc_replay_record_json(&json, p, res->cex, cfg, 1);
      if (src == FC_OK)
        src = fc_db_save(cfg->db_dir, p->id, fc_kernel_id(cfg), json);
      if (src != FC_OK)
        snprintf(res->db_warning, sizeof res->db_warning,
                 "could not save the failure in the database %s: %s",
                 cfg->db_dir, fc_strerror(src));
      free(json);
    }
  }
  free(fail_seq);
  if (res->status == FC_STATUS_PASS) {
    if (p->expect == FC_EXPECT_HOLDS) {
      res->status = res->cex ? FC_STATUS_FAIL : FC_STATUS_PASS;
      if (res->cex)
        snprintf(res->message, sizeof res->message,
                 "counterexample at the %s level (error/bound %.3g)",
                 fc_level_name((fc_level)res->cex->level),
                 res->cex->check.level[res->cex->level].ratio);
      else if (res->cases == 0) {
        res->status = FC_STATUS_ERROR;
        snprintf(res->message, sizeof res->message,
                 "no case could be generated (%ld discarded)", res->discarded);
      }
    } else if (!res->cex && res->cases == 0 && !res->interrupted &&
               !res->stopped_by_time) {
      /* Nothing was judged: no more a failed control than a passed
       * property (the holds branch above says the same). */
      res->status = FC_STATUS_ERROR;
      snprintf(res->message, sizeof res->message,
               "no case could be generated (%ld discarded)", res->discarded);
    } else {
      res->status = res->cex ? FC_STATUS_PASS : FC_STATUS_FAIL;
      if (!res->cex)
        snprintf(res->message, sizeof res->message,
                 "negative control not detected in %ld cases%s", res->cases,
                 res->interrupted       ? " (interrupted)"
                 : res->stopped_by_time ? " (time budget reached)"
                                        : "");
    }
  }
  res->seconds = fc_now() - t0;
  return FC_OK;
}

void fc_prop_result_clear(fc_prop_result *res)
{
  if (res == NULL)
    return;
  free(res->points);
  if (res->cex) {
    fc_case_free(res->cex->values);
    free(res->cex->choices);
    free(res->cex->token);
    free(res->cex);
  }
  memset(res, 0, sizeof *res);
}

void fc_report_clear(fc_report *rep)
{
  if (rep == NULL)
    return;
  for (size_t i = 0; i < rep->n; i++)
    fc_prop_result_clear(&rep->results[i]);
  free(rep->results);
  memset(rep, 0, sizeof *rep);
}

int fc_report_ok(const fc_report *rep)
{
  if (rep == NULL || rep->interrupted)
    return 0;
  for (size_t i = 0; i < rep->n; i++)
    if (rep->results[i].status != FC_STATUS_PASS &&
        rep->results[i].status != FC_STATUS_NOT_PROVIDED)
      return 0;
  return 1;
}

size_t fc_report_count(const fc_report *rep, fc_status s)
{
  size_t n = 0;
  for (size_t i = 0; rep != NULL && i < rep->n; i++)
    n += rep->results[i].status == s;
  return n;
}

int fc_run_props(fc_report *rep, const fc_run_config *cfg,
                 const fc_property *const *sel, size_t n,
                 const fc_kernels *k, fc_error *err)
{
  if (rep == NULL || cfg == NULL || k == NULL || (sel == NULL && n > 0))
    return fc_error_set(err, FC_EINVAL, "fc_run: NULL argument");
  memset(rep, 0, sizeof *rep);
  int rc = fc_run_config_check(cfg, err);
  if (rc != FC_OK)
    return rc;
  rep->results = calloc(n ? n : 1, sizeof *rep->results);
  if (rep->results == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  rep->cfg = *cfg;
  rep->cfg.stop = NULL; /* the caller's flag does not outlive the run */
  /* The kernels' name as the caller gave it (a table name or a provider's
   * --kernels spec): the engine looks up no table. */
  snprintf(rep->kernels, sizeof rep->kernels, "%s",
           cfg->kernels ? cfg->kernels : "reference");
  fc_env_collect(&rep->env, cfg->threads);
  double t0 = fc_now();
  long fell_short = 0;
  for (size_t i = 0; i < n; i++) {
    const fc_property *p = sel[i];
    /* --maxfail: properties run one at a time in selection order (threads
     * share a property's cases), so which properties count does not depend
     * on the thread count. */
    if (cfg->maxfail > 0 && fell_short >= cfg->maxfail) {
      rep->not_run = n - i;
      break;
    }
    if (cfg->stop != NULL && *cfg->stop) {
      rep->interrupted = 1;
      break;
    }
    rc = fc_run_property_with(&rep->results[rep->n], p, cfg, k, err);
    if (rc != FC_OK) {
      fc_report_clear(rep);
      return rc;
    }
    fell_short += rep->results[rep->n].status == FC_STATUS_FAIL ||
                  rep->results[rep->n].status == FC_STATUS_ERROR;
    rep->n++;
    if (cfg->stop != NULL && *cfg->stop) {
      rep->interrupted = 1;
      break;
    }
  }
  rep->seconds = fc_now() - t0;
  return FC_OK;
}

/* ---------------------------------------------------------------- patterns */

static int glob(const char *p, const char *s)
{
  for (; *p; p++, s++) {
    if (*p == '*') {
      while (p[1] == '*')
        p++;
      if (!p[1])
        return 1;
      for (; *s; s++)
        if (glob(p + 1, s))
          return 1;
      return glob(p + 1, s);
    }
    if (!*s || (*p != '?' && *p != *s))
      return 0;
  }
  return *s == '\0';
}

int fc_pattern_match(const char *pattern, const char *id)
{
  if (pattern == NULL || id == NULL)
    return 0;
  if (strpbrk(pattern, "*?") != NULL)
    return glob(pattern, id);
  if (strcmp(pattern, id) == 0)
    return 1;
  /* A bare family name selects the family: "schur" matches "schur.*". */
  size_t n = strlen(pattern);
  return strncmp(pattern, id, n) == 0 && id[n] == '.';
}

/* json_read.c -- a JSON report (reports/json.c's schema) read back into
 * the records it was written from, so a saved report can be written in
 * another format (`foldcheck report`) and shard reports can be merged
 * (`foldcheck merge`).
 *
 * The text goes through fc_report_check_json first (json_check.c, the one
 * reader every command shares): what is read here has its types, ranges
 * and consistency checked already, so this file only copies, taking the
 * schema's defaults for optional fields that are absent.
 *
 * What the JSON holds comes back exactly: counts, statuses, worst ratios
 * (17 significant digits), histograms, plot points, a counterexample's
 * values (hex floats, bit-exact) and, from its replay token, its choice
 * sequence.  What the JSON does not hold (a counterexample's pre-shrink
 * check, the oracle self-check residuals of a case) stays zero. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports_internal.h"

/* A number written by json.c's jnum: a JSON number, or "inf", "-inf",
 * "nan" (the checker admits nothing else where a number belongs); dflt
 * when absent or null. */
static double num(json_t *v, double dflt) {
  if (json_is_number(v))
    return json_number_value(v);
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (strcmp(s, "nan") == 0)
      return NAN;
    if (strcmp(s, "inf") == 0)
      return INFINITY;
    if (strcmp(s, "-inf") == 0)
      return -INFINITY;
  }
  return dflt;
}

/* An integer field, dflt when absent. */
static long lng(json_t *v, long dflt) {
  return json_is_integer(v) ? (long)json_integer_value(v) : dflt;
}

/* Copy a JSON string (or "" for null or absent) into a fixed-size buffer;
 * the checker bounded the lengths of those that must fit. */
static void cpy(char *dst, size_t n, json_t *v) {
  const char *s = json_string_value(v);
  snprintf(dst, n, "%s", s ? s : "");
}

static int index_of(const char *s, const char *const *names) {
  for (int i = 0; s != NULL && names[i] != NULL; i++)
    if (strcmp(s, names[i]) == 0)
      return i;
  return -1;
}

static const char *const status_names[] = {"pass", "fail", "error",
                                           "not_provided", NULL};
static const char *const level_names[] = {"statement", "conformance",
                                          "accuracy", NULL};

static void read_elem(fc_elem *e, json_t *v) {
  e->index = lng(json_object_get(v, "index"), -1);
  e->actual = num(json_object_get(v, "actual"), 0);
  e->expected = num(json_object_get(v, "expected"), 0);
  e->err = num(json_object_get(v, "err"), 0);
  e->bound = num(json_object_get(v, "bound"), 0);
  e->ratio = num(json_object_get(v, "ratio"), 0);
}

/* The per-output details (optional: none in an older report). */
static void read_outputs(fc_check_result *r, json_t *cx) {
  fc_outputs *os = &r->outputs;
  json_t *a = json_object_get(cx, "outputs");
  cpy(r->kernel_failure, sizeof r->kernel_failure,
      json_object_get(cx, "kernel_failure"));
  const char *f = json_string_value(json_object_get(cx, "ulps_format"));
  if (f != NULL && strcmp(f, "fp64") != 0)
    snprintf(os->fmt, sizeof os->fmt, "%s", f);
  os->dropped = (int)lng(json_object_get(cx, "outputs_dropped"), 0);
  for (size_t i = 0; i < json_array_size(a) && i < FC_CHECK_OUTPUTS; i++) {
    json_t *v = json_array_get(a, i), *sh = json_object_get(v, "shape");
    fc_output *o = &os->out[os->n++];
    cpy(o->name, sizeof o->name, json_object_get(v, "name"));
    o->level = index_of(json_string_value(json_object_get(v, "level")),
                        level_names);
    o->ndim = (int)json_array_size(sh);
    for (int k = 0; k < o->ndim && k < FC_OUTPUT_DIMS; k++)
      o->shape[k] = lng(json_array_get(sh, (size_t)k), 0);
    o->n = lng(json_object_get(v, "elements"), 0);
    o->mismatched = lng(json_object_get(v, "mismatched"), 0);
    o->ulps = num(json_object_get(v, "ulps"), 0);
    read_elem(&o->max_abs, json_object_get(v, "max_abs"));
    read_elem(&o->max_ratio, json_object_get(v, "max_ratio"));
  }
}

static int read_cex(fc_prop_result *res, json_t *cx, const char *at,
                    fc_error *err) {
  fc_counterexample *x = calloc(1, sizeof *x);
  if (x == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  res->cex = x;
  x->values = fc_case_new();
  if (x->values == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  int rc = fc_rep_json_case(x->values, cx, at, res->prop, err);
  if (rc != FC_OK)
    return rc;
  x->case_index = lng(json_object_get(cx, "case_index"), 0);
  x->level = index_of(json_string_value(json_object_get(cx, "level")),
                      level_names);
  if (x->level < 0)
    return fc_error_set(err, FC_EPARSE, "%s.level: not a level", at);
  fc_measure *m = &x->check.level[x->level];
  if (json_object_get(cx, "ratio") != NULL &&
      !json_is_null(json_object_get(cx, "ratio"))) {
    m->present = 1;
    m->ratio = num(json_object_get(cx, "ratio"), 0);
    m->err = num(json_object_get(cx, "err"), 0);
    m->bound = num(json_object_get(cx, "bound"), 0);
  }
  json_t *before = json_object_get(cx, "ratio_before_shrink");
  if (json_is_number(before) || json_is_string(before)) {
    x->orig_check.level[x->level].present = 1;
    x->orig_check.level[x->level].ratio = num(before, 0);
  }
  cpy(x->check.note, sizeof x->check.note, json_object_get(cx, "note"));
  x->check.oracle_fault = json_is_true(json_object_get(cx, "oracle_fault"));
  read_outputs(&x->check, cx);
  json_t *sh = json_object_get(cx, "shrink");
  x->shrink_steps = lng(json_object_get(sh, "steps"), 0);
  x->shrink_accepted = lng(json_object_get(sh, "accepted"), 0);
  x->shrink_seconds = num(json_object_get(sh, "seconds"), 0);
  x->shrink_time_limited = json_is_true(json_object_get(sh, "time_limited"));
  x->orig_nchoices = (size_t)lng(json_object_get(sh, "choices_before"), 0);
  x->nchoices = (size_t)lng(json_object_get(sh, "choices_after"), 0);
  const char *tok = json_string_value(json_object_get(cx, "replay"));
  if (tok != NULL) {
    x->token = strdup(tok);
    if (x->token == NULL)
      return fc_error_set(err, FC_ENOMEM, "out of memory");
    /* The choice sequence lives in the token (which the checker decoded
     * already: it agrees with the values and choices_after). */
    fc_replay rp;
    fc_error e2 = {0, ""};
    rc = fc_replay_decode(&rp, tok, &e2);
    if (rc != FC_OK)
      return fc_error_set(err, rc, "%s.replay: %s", at, e2.msg);
    x->choices = rp.choices;
    x->nchoices = rp.nchoices;
    rp.choices = NULL;
    fc_replay_clear(&rp);
  }
  return FC_OK;
}

static int read_prop(fc_prop_result *res, json_t *p, size_t i,
                     fc_error *err) {
  char at[64], cat[96];
  const char *id = json_string_value(json_object_get(p, "id"));
  snprintf(at, sizeof at, "properties[%zu]", i);
  res->prop = id != NULL ? fc_properties_find(id) : NULL;
  if (res->prop == NULL)
    return fc_error_set(err, FC_EPARSE, "%s.id: '%s' is not a property of "
                        "this foldcheck (see 'foldcheck list')", at,
                        id != NULL ? id : "");
  res->status = (fc_status)index_of(
      json_string_value(json_object_get(p, "status")), status_names);
  res->cases = lng(json_object_get(p, "cases"), 0);
  res->discarded = lng(json_object_get(p, "discarded"), 0);
  res->failures = lng(json_object_get(p, "failures"), 0);
  res->db_replayed = lng(json_object_get(p, "db_replayed"), 0);
  res->oracle_faults = lng(json_object_get(p, "oracle_faults"), 0);
  res->recomputed = lng(json_object_get(p, "recomputed"), 0);
  res->stopped_by_time = json_is_true(json_object_get(p, "stopped_by_time"));
  res->interrupted = json_is_true(json_object_get(p, "interrupted"));
  res->seconds = num(json_object_get(p, "seconds"), 0);
  cpy(res->message, sizeof res->message, json_object_get(p, "message"));
  cpy(res->db_warning, sizeof res->db_warning,
      json_object_get(p, "db_warning"));
  json_t *worst = json_object_get(p, "worst");
  json_t *hist = json_object_get(p, "histogram");
  for (int l = 0; l < FC_NLEVELS; l++) {
    const char *ln = fc_level_name((fc_level)l);
    json_t *w = json_object_get(worst, ln);
    if (json_is_object(w)) {
      fc_worst *o = &res->worst[l];
      o->present = 1;
      o->ratio = num(json_object_get(w, "ratio"), 0);
      o->err = num(json_object_get(w, "err"), 0);
      o->bound = num(json_object_get(w, "bound"), 0);
      o->ulps = num(json_object_get(w, "ulps"), 0);
      o->case_index = lng(json_object_get(w, "case"), 0);
    }
    json_t *h = json_object_get(hist, ln);
    for (int b = 0; json_is_array(h) && b < FC_HIST_BINS; b++)
      res->hist[l][b] = lng(json_array_get(h, (size_t)b), 0);
  }
  json_t *pts = json_object_get(json_object_get(p, "plot"), "points");
  if (json_is_array(pts) && json_array_size(pts) > 0) {
    size_t n = json_array_size(pts); /* at most FC_MAX_POINTS: checked */
    res->points = malloc(FC_MAX_POINTS * sizeof *res->points);
    if (res->points == NULL)
      return fc_error_set(err, FC_ENOMEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
      json_t *xy = json_array_get(pts, k);
      res->points[k].x = num(json_array_get(xy, 0), 0);
      res->points[k].y = num(json_array_get(xy, 1), 0);
      res->points[k].series = (int)lng(json_array_get(xy, 2), 0);
    }
    res->npoints = n;
  }
  json_t *cx = json_object_get(p, "counterexample");
  snprintf(cat, sizeof cat, "%s.counterexample", at);
  if (json_is_object(cx))
    return read_cex(res, cx, cat, err);
  return FC_OK;
}

/* See foldcheck.h. */
int fc_report_read_json(fc_report *rep, const char *text, fc_error *err) {
  if (rep == NULL || text == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_report_read_json: NULL argument");
  memset(rep, 0, sizeof *rep);
  json_t *root;
  int rc = fc_report_check_json(&root, text, err);
  if (rc != FC_OK)
    return rc;
  json_t *props = json_object_get(root, "properties");
  fc_run_config *c = &rep->cfg;
  fc_run_config_profile(c, "ci"); /* defaults for what the JSON lacks */
  c->seed = strtoull(json_string_value(json_object_get(root, "seed")), NULL,
                     10);
  c->prec = lng(json_object_get(root, "precision"), c->prec);
  c->slack_bits = lng(json_object_get(root, "slack_bits"), c->slack_bits);
  const char *prof = json_string_value(json_object_get(root, "profile"));
  if (prof != NULL) {
    snprintf(rep->profile_buf, sizeof rep->profile_buf, "%s", prof);
    c->profile = rep->profile_buf;
  } else {
    c->profile = NULL;
  }
  c->db_dir = NULL;
  c->progress = 0;
  json_t *cf = json_object_get(root, "config");
  if (json_is_object(cf)) {
    c->cases = lng(json_object_get(cf, "cases"), c->cases);
    c->time_budget = num(json_object_get(cf, "time_budget"), c->time_budget);
    c->threads = (int)lng(json_object_get(cf, "threads"), c->threads);
    c->shrink_steps = lng(json_object_get(cf, "shrink_steps"),
                          c->shrink_steps);
    c->shrink_seconds = num(json_object_get(cf, "shrink_seconds"),
                            c->shrink_seconds);
    c->shrink_margin = num(json_object_get(cf, "shrink_margin"),
                           c->shrink_margin);
    c->detect_factor = num(json_object_get(cf, "detect_factor"),
                           c->detect_factor);
    c->max_choices = (size_t)lng(json_object_get(cf, "max_choices"),
                                 (long)c->max_choices);
    c->maxfail = lng(json_object_get(cf, "maxfail"), 0);
  }
  rep->not_run = (size_t)lng(
      json_object_get(json_object_get(root, "summary"), "not_run"), 0);
  cpy(rep->kernels, sizeof rep->kernels, json_object_get(root, "kernels"));
  c->kernels = rep->kernels;
  rep->seconds = num(json_object_get(root, "seconds"), 0);
  rep->interrupted = json_is_true(json_object_get(root, "interrupted"));
  const char *shard = json_string_value(json_object_get(root, "shard"));
  c->shard_index = c->shard_count = 0;
  if (shard != NULL) /* "K/N", checked */
    sscanf(shard, "%d/%d", &c->shard_index, &c->shard_count);
  json_t *e = json_object_get(root, "environment");
  cpy(rep->env.foldcheck, sizeof rep->env.foldcheck,
      json_object_get(e, "foldcheck"));
  cpy(rep->env.mpfr, sizeof rep->env.mpfr, json_object_get(e, "mpfr"));
  cpy(rep->env.gmp, sizeof rep->env.gmp, json_object_get(e, "gmp"));
  cpy(rep->env.openblas, sizeof rep->env.openblas,
      json_object_get(e, "openblas"));
  cpy(rep->env.openblas_config, sizeof rep->env.openblas_config,
      json_object_get(e, "openblas_config"));
  cpy(rep->env.compiler, sizeof rep->env.compiler,
      json_object_get(e, "compiler"));
  cpy(rep->env.cpu, sizeof rep->env.cpu, json_object_get(e, "cpu"));
  rep->env.threads = (int)lng(json_object_get(e, "threads"), 0);
  if (rep->env.foldcheck[0] == '\0') /* no environment: the version */
    cpy(rep->env.foldcheck, sizeof rep->env.foldcheck,
        json_object_get(root, "version"));
  size_t n = json_array_size(props);
  rep->results = calloc(n ? n : 1, sizeof *rep->results);
  if (rep->results == NULL)
    rc = fc_error_set(err, FC_ENOMEM, "out of memory");
  for (size_t i = 0; i < n && rc == FC_OK; i++) {
    rc = read_prop(&rep->results[i], json_array_get(props, i), i, err);
    rep->n = i + 1; /* a partly read result is cleared with the rest */
  }
  json_decref(root);
  if (rc != FC_OK)
    fc_report_clear(rep);
  return rc;
}

/* See foldcheck.h. */
int fc_report_merge(fc_report *out, fc_report *parts, size_t n,
                    fc_error *err) {
  if (out == NULL || parts == NULL || n == 0)
    return fc_error_set(err, FC_EINVAL, "merge needs at least one report");
  memset(out, 0, sizeof *out);
  const fc_report *a = &parts[0];
  size_t total = 0;
  for (size_t i = 0; i < n; i++) {
    const fc_report *b = &parts[i];
    if (b->cfg.seed != a->cfg.seed || b->cfg.prec != a->cfg.prec ||
        b->cfg.slack_bits != a->cfg.slack_bits ||
        b->cfg.cases != a->cfg.cases ||
        strcmp(b->kernels, a->kernels) != 0)
      return fc_error_set(err, FC_EINVAL, "report %zu was run with other "
                          "settings (seed, precision, slack, cases or kernel "
                          "table) than report 1: not shards of one run",
                          i + 1);
    if (b->cfg.shard_count != a->cfg.shard_count)
      return fc_error_set(err, FC_EINVAL, "report %zu is shard %d/%d, report "
                          "1 is one of %d", i + 1, b->cfg.shard_index,
                          b->cfg.shard_count, a->cfg.shard_count);
    total += b->n;
  }
  /* Every property once, in registry order. */
  size_t np = fc_properties_count();
  out->results = calloc(total ? total : 1, sizeof *out->results);
  if (out->results == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    for (size_t r = 0; r < parts[i].n; r++)
      for (size_t j = 0; j <= i; j++)
        for (size_t s = 0; s < parts[j].n && !(j == i && s >= r); s++)
          if (parts[j].results[s].prop == parts[i].results[r].prop) {
            free(out->results);
            out->results = NULL;
            return fc_error_set(err, FC_EINVAL, "property %s appears in "
                                "reports %zu and %zu", parts[i].results[r].prop->id,
                                j + 1, i + 1);
          }
  out->cfg = a->cfg;
  snprintf(out->profile_buf, sizeof out->profile_buf, "%s",
           a->cfg.profile ? a->cfg.profile : "");
  out->cfg.profile = a->cfg.profile ? out->profile_buf : NULL;
  snprintf(out->kernels, sizeof out->kernels, "%s", a->kernels);
  out->cfg.kernels = out->kernels;
  out->cfg.shard_index = out->cfg.shard_count = 0;
  out->env = a->env;
  for (size_t k = 0; k < np; k++) {
    const fc_property *p = fc_properties_at(k);
    for (size_t i = 0; i < n; i++)
      for (size_t r = 0; r < parts[i].n; r++)
        if (parts[i].results[r].prop == p) {
          out->results[out->n++] = parts[i].results[r];
          memset(&parts[i].results[r], 0, sizeof parts[i].results[r]);
        }
  }
  for (size_t i = 0; i < n; i++) {
    out->seconds += parts[i].seconds;
    out->interrupted |= parts[i].interrupted;
    out->not_run += parts[i].not_run; /* each shard's --maxfail cut */
    fc_report_clear(&parts[i]);
  }
  return FC_OK;
}

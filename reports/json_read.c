/* json_read.c -- a JSON report (reports/json.c's schema) read back into
 * the records it was written from, so a saved report can be written in
 * another format (`foldcheck report`) and shard reports can be merged
 * (`foldcheck merge`).
 *
 * What the JSON holds comes back exactly: counts, statuses, worst ratios
 * (17 significant digits), histograms, plot points, a counterexample's
 * values (hex floats, bit-exact) and, from its replay token, its choice
 * sequence.  What the JSON does not hold (a counterexample's pre-shrink
 * check, the oracle self-check residuals of a case) stays zero. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports_internal.h"

/* A number written by json.c's jnum: a JSON number, or "inf", "-inf",
 * "nan"; dflt when absent or of another type. */
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

static long lng(json_t *v) {
  return json_is_integer(v) ? (long)json_integer_value(v) : 0;
}

/* Copy a JSON string (or "") into a fixed-size buffer. */
static void cpy(char *dst, size_t n, json_t *v) {
  const char *s = json_string_value(v);
  snprintf(dst, n, "%s", s ? s : "");
}

static int status_of(const char *s) {
  if (s == NULL)
    return -1;
  if (strcmp(s, "pass") == 0)
    return FC_STATUS_PASS;
  if (strcmp(s, "fail") == 0)
    return FC_STATUS_FAIL;
  if (strcmp(s, "error") == 0)
    return FC_STATUS_ERROR;
  return -1;
}

static int level_of(const char *s) {
  for (int l = 0; s != NULL && l < FC_NLEVELS; l++)
    if (strcmp(s, fc_level_name((fc_level)l)) == 0)
      return l;
  return -1;
}

/* The case of a counterexample from its "size" and "values" objects. */
static int read_case(fc_case *c, json_t *cx, const char *id, fc_error *err) {
  json_t *size = json_object_get(cx, "size");
  json_t *values = json_object_get(cx, "values");
  const char *name;
  json_t *f;
  if (!json_is_object(values))
    return fc_error_set(err, FC_EPARSE, "%s: counterexample without values",
                        id);
  json_object_foreach(values, name, f) {
    const char *type = json_string_value(json_object_get(f, "type"));
    json_t *shape = json_object_get(f, "shape");
    json_t *vals = json_object_get(f, "values");
    if (type == NULL || !json_is_array(shape) || json_array_size(shape) != 2 ||
        !json_is_array(vals))
      return fc_error_set(err, FC_EPARSE, "%s: malformed case field '%s'", id,
                          name);
    json_int_t r = json_integer_value(json_array_get(shape, 0));
    json_int_t k = json_integer_value(json_array_get(shape, 1));
    if (r < 0 || k < 0 || (k != 0 && (size_t)r > FC_CASE_MAX_ELEMS / (size_t)k) ||
        (size_t)(r * k) != json_array_size(vals))
      return fc_error_set(err, FC_EPARSE, "%s: field '%s' has a bad shape", id,
                          name);
    size_t rows = (size_t)r, cols = (size_t)k, n = rows * cols;
    if (strcmp(type, "int") == 0 && json_object_get(size, name) != NULL &&
        n == 1) {
      if (fc_case_add_dim(c, name, lng(json_array_get(vals, 0))) != FC_OK)
        return fc_error_set(err, FC_ENOMEM, "%s: cannot rebuild field '%s'",
                            id, name);
      continue;
    }
    if (strcmp(type, "int") == 0) {
      long *x = fc_case_add_ints(c, name, rows, cols);
      if (x == NULL)
        return fc_error_set(err, FC_ENOMEM, "%s: cannot rebuild field '%s'",
                            id, name);
      for (size_t i = 0; i < n; i++)
        x[i] = lng(json_array_get(vals, i));
    } else if (strcmp(type, "real") == 0) {
      double *x = fc_case_add_reals(c, name, rows, cols);
      if (x == NULL)
        return fc_error_set(err, FC_ENOMEM, "%s: cannot rebuild field '%s'",
                            id, name);
      for (size_t i = 0; i < n; i++) {
        const char *h = json_string_value(json_array_get(vals, i));
        char *end;
        if (h == NULL)
          return fc_error_set(err, FC_EPARSE, "%s: field '%s' element %zu is "
                              "not a hex float string", id, name, i);
        errno = 0;
        x[i] = strtod(h, &end); /* "inf"/"nan" too, as %a writes them */
        if (*end != '\0')
          return fc_error_set(err, FC_EPARSE, "%s: field '%s' element %zu "
                              "('%s') is not a number", id, name, i, h);
      }
    } else {
      return fc_error_set(err, FC_EPARSE, "%s: field '%s' has type '%s'", id,
                          name, type);
    }
  }
  return FC_OK;
}

static int read_cex(fc_prop_result *res, json_t *cx, fc_error *err) {
  const char *id = res->prop->id;
  fc_counterexample *x = calloc(1, sizeof *x);
  if (x == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  res->cex = x;
  x->values = fc_case_new();
  if (x->values == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  int rc = read_case(x->values, cx, id, err);
  if (rc != FC_OK)
    return rc;
  x->case_index = lng(json_object_get(cx, "case_index"));
  x->level = level_of(json_string_value(json_object_get(cx, "level")));
  if (x->level < 0)
    return fc_error_set(err, FC_EPARSE, "%s: counterexample without a level",
                        id);
  fc_measure *m = &x->check.level[x->level];
  if (json_object_get(cx, "ratio") != NULL &&
      !json_is_null(json_object_get(cx, "ratio"))) {
    m->present = 1;
    m->ratio = num(json_object_get(cx, "ratio"), 0);
    m->err = num(json_object_get(cx, "err"), 0);
    m->bound = num(json_object_get(cx, "bound"), 0);
    m->ulps = num(json_object_get(cx, "ulps"), 0);
  }
  json_t *before = json_object_get(cx, "ratio_before_shrink");
  if (json_is_number(before) || json_is_string(before)) {
    x->orig_check.level[x->level].present = 1;
    x->orig_check.level[x->level].ratio = num(before, 0);
  }
  cpy(x->check.note, sizeof x->check.note, json_object_get(cx, "note"));
  x->check.oracle_fault = json_is_true(json_object_get(cx, "oracle_fault"));
  json_t *sh = json_object_get(cx, "shrink");
  x->shrink_steps = lng(json_object_get(sh, "steps"));
  x->shrink_accepted = lng(json_object_get(sh, "accepted"));
  x->shrink_seconds = num(json_object_get(sh, "seconds"), 0);
  x->shrink_time_limited = json_is_true(json_object_get(sh, "time_limited"));
  x->orig_nchoices = (size_t)lng(json_object_get(sh, "choices_before"));
  x->nchoices = (size_t)lng(json_object_get(sh, "choices_after"));
  const char *tok = json_string_value(json_object_get(cx, "replay"));
  if (tok != NULL) {
    x->token = strdup(tok);
    if (x->token == NULL)
      return fc_error_set(err, FC_ENOMEM, "out of memory");
    /* The choice sequence lives in the token. */
    fc_replay rp;
    fc_error e2 = {0, ""};
    if (fc_replay_decode(&rp, tok, &e2) == FC_OK) {
      x->choices = rp.choices;
      x->nchoices = rp.nchoices;
      rp.choices = NULL;
      fc_replay_clear(&rp);
    }
  }
  return FC_OK;
}

static int read_prop(fc_prop_result *res, json_t *p, fc_error *err) {
  const char *id = json_string_value(json_object_get(p, "id"));
  if (id == NULL)
    return fc_error_set(err, FC_EPARSE, "a property without an id");
  res->prop = fc_properties_find(id);
  if (res->prop == NULL)
    return fc_error_set(err, FC_EPARSE, "the report names property '%s', "
                        "which this foldcheck does not have", id);
  int st = status_of(json_string_value(json_object_get(p, "status")));
  if (st < 0)
    return fc_error_set(err, FC_EPARSE, "%s: missing or unknown status", id);
  res->status = (fc_status)st;
  res->cases = lng(json_object_get(p, "cases"));
  res->discarded = lng(json_object_get(p, "discarded"));
  res->failures = lng(json_object_get(p, "failures"));
  res->db_replayed = lng(json_object_get(p, "db_replayed"));
  res->oracle_faults = lng(json_object_get(p, "oracle_faults"));
  res->recomputed = lng(json_object_get(p, "recomputed"));
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
      o->case_index = lng(json_object_get(w, "case"));
    }
    json_t *h = json_object_get(hist, ln);
    if (json_is_array(h)) {
      if (json_array_size(h) != FC_HIST_BINS)
        return fc_error_set(err, FC_EPARSE, "%s: %s histogram has %zu bins, "
                            "not %d", id, ln, json_array_size(h),
                            FC_HIST_BINS);
      for (int b = 0; b < FC_HIST_BINS; b++)
        res->hist[l][b] = lng(json_array_get(h, (size_t)b));
    }
  }
  json_t *pts = json_object_get(json_object_get(p, "plot"), "points");
  if (json_is_array(pts) && json_array_size(pts) > 0) {
    size_t n = json_array_size(pts);
    if (n > FC_MAX_POINTS)
      n = FC_MAX_POINTS;
    res->points = malloc(FC_MAX_POINTS * sizeof *res->points);
    if (res->points == NULL)
      return fc_error_set(err, FC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      json_t *xy = json_array_get(pts, i);
      res->points[i].x = num(json_array_get(xy, 0), 0);
      res->points[i].y = num(json_array_get(xy, 1), 0);
      res->points[i].series = (int)lng(json_array_get(xy, 2));
    }
    res->npoints = n;
  }
  json_t *cx = json_object_get(p, "counterexample");
  if (json_is_object(cx))
    return read_cex(res, cx, err);
  return FC_OK;
}

/* Parse "K/N" into the config; 0/0 for null. */
static int read_shard(fc_run_config *cfg, json_t *v, fc_error *err) {
  cfg->shard_index = cfg->shard_count = 0;
  if (v == NULL || json_is_null(v))
    return FC_OK;
  const char *s = json_string_value(v);
  int k, n, used = 0;
  if (s == NULL || sscanf(s, "%d/%d%n", &k, &n, &used) != 2 ||
      s[used] != '\0' || n < 1 || k < 1 || k > n)
    return fc_error_set(err, FC_EPARSE, "malformed shard (want \"K/N\")");
  cfg->shard_index = k;
  cfg->shard_count = n;
  return FC_OK;
}

/* See foldcheck.h. */
int fc_report_read_json(fc_report *rep, const char *text, fc_error *err) {
  if (rep == NULL || text == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_report_read_json: NULL argument");
  memset(rep, 0, sizeof *rep);
  json_error_t je;
  json_t *root = json_loads(text, 0, &je);
  if (root == NULL)
    return fc_error_set(err, FC_EPARSE, "not valid JSON: %s (line %d)",
                        je.text, je.line);
  json_t *props = json_object_get(root, "properties");
  const char *seed = json_string_value(json_object_get(root, "seed"));
  if (!json_is_object(root) || !json_is_array(props) ||
      json_integer_value(json_object_get(root, "schema")) != 1 ||
      seed == NULL) {
    json_decref(root);
    return fc_error_set(err, FC_EPARSE, "not a foldcheck JSON report (schema "
                        "1 with a seed and a 'properties' array)");
  }
  int rc = FC_OK;
  fc_run_config *c = &rep->cfg;
  fc_run_config_profile(c, "ci"); /* defaults for what the JSON lacks */
  char *end;
  errno = 0;
  c->seed = strtoull(seed, &end, 10);
  if (*end != '\0' || errno) {
    /* seed points into root: the message is formatted before root goes. */
    fc_error_set(err, FC_EPARSE, "the seed '%s' is not a uint64", seed);
    json_decref(root);
    return FC_EPARSE;
  }
  c->prec = lng(json_object_get(root, "precision"));
  c->slack_bits = lng(json_object_get(root, "slack_bits"));
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
    c->cases = lng(json_object_get(cf, "cases"));
    c->time_budget = num(json_object_get(cf, "time_budget"), c->time_budget);
    c->threads = (int)lng(json_object_get(cf, "threads"));
    c->shrink_steps = lng(json_object_get(cf, "shrink_steps"));
    c->shrink_seconds = num(json_object_get(cf, "shrink_seconds"), 0);
    c->shrink_margin = num(json_object_get(cf, "shrink_margin"), 0);
    c->detect_factor = num(json_object_get(cf, "detect_factor"), 0);
    c->max_choices = (size_t)lng(json_object_get(cf, "max_choices"));
  }
  cpy(rep->kernels, sizeof rep->kernels, json_object_get(root, "kernels"));
  c->kernels = rep->kernels;
  rep->seconds = num(json_object_get(root, "seconds"), 0);
  rep->interrupted = json_is_true(json_object_get(root, "interrupted"));
  rc = read_shard(c, json_object_get(root, "shard"), err);
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
  rep->env.threads = (int)lng(json_object_get(e, "threads"));
  size_t n = json_array_size(props);
  rep->results = calloc(n ? n : 1, sizeof *rep->results);
  if (rc == FC_OK && rep->results == NULL)
    rc = fc_error_set(err, FC_ENOMEM, "out of memory");
  for (size_t i = 0; i < n && rc == FC_OK; i++) {
    rc = read_prop(&rep->results[i], json_array_get(props, i), err);
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
    fc_report_clear(&parts[i]);
  }
  return FC_OK;
}

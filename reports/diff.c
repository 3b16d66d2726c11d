/* diff.c -- regression check between two JSON reports.
 *
 * Reads the reports as JSON documents checked by fc_report_check_json (the
 * one reader of reports), never the live records: a diff works on reports
 * written by another machine or another foldcheck version with the same
 * schema, properties this foldcheck lacks included. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "foldcheck.h"

static const char *const levels[] = {"statement", "conformance", "accuracy"};
static const char *const env_keys[] = {"foldcheck", "mpfr", "gmp", "openblas",
                                       "openblas_config", "compiler", "cpu",
                                       "threads", NULL};

static json_t *find_prop(json_t *rep, const char *id)
{
  size_t i;
  json_t *p;
  json_array_foreach(json_object_get(rep, "properties"), i, p) {
    const char *pid = json_string_value(json_object_get(p, "id"));
    if (pid && strcmp(pid, id) == 0)
      return p;
  }
  return NULL;
}

/* A ratio from a report: a number, or "inf"/"-inf"/"nan", or absent. */
static int ratio_of(double *r, json_t *prop, const char *level)
{
  json_t *w = json_object_get(json_object_get(prop, "worst"), level);
  json_t *v = json_object_get(w, "ratio");
  if (json_is_number(v)) {
    *r = json_number_value(v);
    return 1;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    *r = strcmp(s, "nan") == 0 ? NAN : strcmp(s, "-inf") == 0 ? -INFINITY
                                                               : INFINITY;
    return 1;
  }
  return 0;
}

static const char *str(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* A property of rep that ran (a property not provided covers nothing)
 * names the anchor. */
static int has_anchor(json_t *rep, const char *anchor)
{
  size_t i, j;
  json_t *p, *a;
  json_array_foreach(json_object_get(rep, "properties"), i, p) {
    if (strcmp(str(p, "status"), "not_provided") == 0)
      continue;
    json_array_foreach(json_object_get(p, "anchors"), j, a)
      if (json_is_string(a) && strcmp(json_string_value(a), anchor) == 0)
        return 1;
  }
  return 0;
}

/* A ratio as JSON: a number, or the string "inf" / "nan". */
static json_t *jratio(double x)
{
  if (isnan(x))
    return json_string("nan");
  if (isinf(x))
    return json_string(x > 0 ? "inf" : "-inf");
  return json_real(x);
}

/* Print a ratio written by jratio. */
static int print_ratio(FILE *out, json_t *v)
{
  if (json_is_string(v))
    return fprintf(out, "%s", json_string_value(v));
  return fprintf(out, "%.3g", json_number_value(v));
}

/* Append a change record; returns -1 on allocation failure. */
static int add(json_t *arr, json_t *o) { return o ? json_array_append_new(arr, o) : -1; }

/* See foldcheck.h. */
int fc_report_diff(FILE *out, int *regressions, const char *old_json,
                   const char *new_json, const fc_diff_opts *opts,
                   fc_format f, fc_error *err)
{
  if (out == NULL || regressions == NULL || old_json == NULL ||
      new_json == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_report_diff: NULL argument");
  json_t *a = NULL, *b = NULL;
  fc_error e2 = {0, ""};
  int rc = fc_report_check_json(&a, old_json, &e2);
  if (rc != FC_OK)
    return fc_error_set(err, rc, "old report: %s", e2.msg);
  rc = fc_report_check_json(&b, new_json, &e2);
  if (rc != FC_OK) {
    json_decref(a);
    return fc_error_set(err, rc, "new report: %s", e2.msg);
  }
  rc = fc_report_diff_docs(out, regressions, a, b, opts, f, err);
  json_decref(a);
  json_decref(b);
  return rc;
}

/* See foldcheck.h. */
int fc_report_diff_docs(FILE *out, int *regressions,
                        const struct json_t *old_doc,
                        const struct json_t *new_doc,
                        const fc_diff_opts *opts, fc_format f, fc_error *err)
{
  if (out == NULL || regressions == NULL || old_doc == NULL ||
      new_doc == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_report_diff_docs: NULL argument");
  if (f != FC_FORMAT_TEXT && f != FC_FORMAT_JSON)
    return fc_error_set(err, FC_EINVAL, "diff writes text or json");
  fc_diff_opts o = {4.0, 1e-6, 10};
  if (opts)
    o = *opts;
  if (!(o.factor > 1) || !(o.floor > 0) || o.min_above < 1)
    return fc_error_set(err, FC_ERANGE, "diff: factor must be > 1, floor > 0 "
                        "and min-above >= 1");
  /* Only read below (jansson's getters take const; its iteration macros
   * do not). */
  json_t *a = (json_t *)old_doc, *b = (json_t *)new_doc;
  int nreg = 0, oom = 0;
  json_t *envc = json_array(), *props = json_array(), *anch = json_array();
  oom |= !envc || !props || !anch;

  /* The environment, and the run settings that change what is measured. */
  json_t *ea = json_object_get(a, "environment"), *eb = json_object_get(b, "environment");
  for (const char *const *k = env_keys; *k && !oom; k++) {
    char *va = json_dumps(json_object_get(ea, *k), JSON_ENCODE_ANY);
    char *vb = json_dumps(json_object_get(eb, *k), JSON_ENCODE_ANY);
    if (va && vb && strcmp(va, vb) != 0)
      oom |= add(envc, json_pack("{s:s, s:s, s:s}", "what", *k, "old", va,
                                 "new", vb)) < 0;
    free(va);
    free(vb);
  }
  static const char *const run_keys[] = {"kernels", "precision", "slack_bits", NULL};
  for (const char *const *k = run_keys; *k && !oom; k++) {
    char *va = json_dumps(json_object_get(a, *k), JSON_ENCODE_ANY);
    char *vb = json_dumps(json_object_get(b, *k), JSON_ENCODE_ANY);
    if (va && vb && strcmp(va, vb) != 0)
      oom |= add(envc, json_pack("{s:s, s:s, s:s}", "what", *k, "old", va,
                                 "new", vb)) < 0;
    free(va);
    free(vb);
  }

  /* Properties of the old report, then those only in the new one. */
  for (int pass = 0; pass < 2 && !oom; pass++) {
    json_t *src = pass ? b : a, *p;
    size_t i;
    json_array_foreach(json_object_get(src, "properties"), i, p) {
      const char *id = str(p, "id");
      json_t *pa = pass ? find_prop(a, id) : p;
      json_t *pb = pass ? p : find_prop(b, id);
      if (pass && pa)
        continue; /* already compared */
      json_t *ch = json_array();
      json_t *rec = json_pack("{s:s, s:s, s:s, s:o}", "id", id, "old_status",
                              pa ? str(pa, "status") : "absent", "new_status",
                              pb ? str(pb, "status") : "absent", "changes", ch);
      if (ch == NULL || rec == NULL) {
        oom = 1;
        json_decref(rec);
        break;
      }
      int preg = 0;
      if (pa && !pb) {
        add(ch, json_pack("{s:s, s:b}", "what", "property removed: coverage lost",
                          "regression", 1));
        preg++;
      } else if (!pa && pb) {
        add(ch, json_pack("{s:s, s:b}", "what", "property added", "regression", 0));
      } else {
        const char *sa = str(pa, "status"), *sb = str(pb, "status");
        if (strcmp(sa, sb) != 0) {
          /* Not provided (the kernels under test lack what the property
           * evaluates) is neither a pass nor a failure: losing a pass to
           * it loses coverage; a failure where nothing ran before is
           * still a new failure. */
          int a_np = strcmp(sa, "not_provided") == 0;
          int b_np = strcmp(sb, "not_provided") == 0;
          int bad = strcmp(sa, "pass") == 0 ||
                    (a_np && strcmp(sb, "pass") != 0);
          add(ch, json_pack("{s:s, s:b}", "what",
                            b_np && bad ? "no longer provided by the kernels "
                                          "under test: coverage lost"
                            : bad       ? "newly falls short of its "
                                          "expectation"
                            : strcmp(sb, "pass") == 0
                                ? (a_np ? "now provided, and passes"
                                        : "now passes")
                            : b_np ? "not provided by the kernels under test"
                                   : "status changed",
                            "regression", bad));
          preg += bad;
        }
        int detect = strcmp(str(pb, "expect"), "detect") == 0;
        /* A negative control is compared by its verdict (detected and
         * shrunk, above) only: its ratios measure how clearly it detects
         * and depend on which case it met first, so they say nothing about
         * the code.  A time-limited shrink is noted: its size may differ
         * between runs for reasons of machine speed. */
        if (detect) {
          json_t *sa2 = json_object_get(json_object_get(pa, "counterexample"), "shrink");
          json_t *sb2 = json_object_get(json_object_get(pb, "counterexample"), "shrink");
          if (json_is_true(json_object_get(sb2, "time_limited")) &&
              !json_is_true(json_object_get(sa2, "time_limited")))
            add(ch, json_pack("{s:s, s:b}", "what", "shrink stopped by its "
                              "time budget in the new run (its size may "
                              "differ)", "regression", 0));
        }
        for (int l = 0; l < 3 && !detect; l++) {
          double ra, rb;
          int ha = ratio_of(&ra, pa, levels[l]), hb = ratio_of(&rb, pb, levels[l]);
          if (!ha || !hb)
            continue;
          double fa = isnan(ra) ? INFINITY : fmax(ra, o.floor);
          double fb = isnan(rb) ? INFINITY : fmax(rb, o.floor);
          double g = isinf(fb) && isinf(fa) ? 1 : fb / fa;
          int nonfinite = (isnan(rb) || isinf(rb)) && !(isnan(ra) || isinf(ra));
          int over = rb > 1 && !(ra > 1);
          /* Growth beyond what a seed change gives: the worst ratio grew by
           * more than the factor AND at least min_above of the new run's
           * cases lie in decades above the old worst's decade.  A new seed
           * moves the worst of N cases (one unlucky case can multiply it by
           * 10^4: a ratio of exactly 0 turning 0.04), but if the code did
           * not change, the number of new cases above the old maximum is
           * rank statistics: P(>= k) <= 2^-k whatever the distribution.  A
           * less accurate kernel moves the whole distribution, so many
           * cases land there.  Without histograms (hand-written reports)
           * growth alone decides. */
          long above = -1;
          json_t *hbj = json_object_get(json_object_get(pb, "histogram"), levels[l]);
          if (json_is_array(hbj) && json_array_size(hbj) == FC_HIST_BINS &&
              !isinf(fa)) {
            above = 0;
            for (int bin = fc_hist_bin(fa) + 1; bin < FC_HIST_BINS; bin++)
              above += (long)json_integer_value(json_array_get(hbj, (size_t)bin));
          }
          int grew = g > o.factor && (above < 0 || above >= o.min_above);
          int bad = nonfinite || over || grew;
          if (g > o.factor || bad) {
            json_t *c = json_pack("{s:s, s:s, s:o, s:o, s:o, s:I, s:b}", "what",
                                  over ? "worst error/bound exceeds its bound"
                                  : bad ? "worst error/bound changed"
                                  : "worst error/bound changed (within seed "
                                    "variation)",
                                  "level", levels[l], "old", jratio(ra),
                                  "new", jratio(rb), "factor", jratio(g),
                                  "cases_above", (json_int_t)above,
                                  "regression", bad);
            add(ch, c);
            preg += bad;
          }
        }
      }
      nreg += preg;
      if (json_array_size(ch) > 0)
        oom |= add(props, rec) < 0;
      else
        json_decref(rec);
    }
  }
  /* Anchors covered in the old report and not in the new one. */
  {
    size_t i, j;
    json_t *p, *an;
    json_array_foreach(json_object_get(a, "properties"), i, p)
      json_array_foreach(json_object_get(p, "anchors"), j, an) {
        const char *name = json_string_value(an);
        if (name == NULL || has_anchor(b, name) || !has_anchor(a, name))
          continue;
        int dup = 0;
        size_t k;
        json_t *x;
        json_array_foreach(anch, k, x)
          dup |= strcmp(json_string_value(x), name) == 0;
        if (!dup) {
          oom |= json_array_append_new(anch, json_string(name)) != 0;
          nreg++;
        }
      }
  }
  int rc = FC_OK;
  if (oom) {
    rc = fc_error_set(err, FC_ENOMEM, "out of memory comparing reports");
  } else if (f == FC_FORMAT_JSON) {
    json_t *root = json_pack("{s:i, s:f, s:f, s:I, s:O, s:O, s:O}",
                             "regressions", nreg, "factor", o.factor, "floor",
                             o.floor, "min_above", (json_int_t)o.min_above,
                             "environment_changes", envc, "anchors_lost", anch,
                             "properties", props);
    if (root == NULL || json_dumpf(root, out, JSON_INDENT(2)) != 0 ||
        fputc('\n', out) == EOF)
      rc = fc_error_set(err, FC_EIO, "writing the diff failed");
    json_decref(root);
  } else {
    int w = 0;
    w |= fprintf(out, "foldcheck diff: %s (seed %s) -> %s (seed %s)\n",
                 str(a, "version"), str(a, "seed"), str(b, "version"),
                 str(b, "seed")) < 0;
    if (json_is_true(json_object_get(b, "interrupted")))
      w |= fputs("note: the new run was interrupted: the properties it did "
                 "not reach count as lost coverage\n", out) < 0;
    size_t i, j;
    json_t *x, *c;
    json_array_foreach(envc, i, x)
      w |= fprintf(out, "environment: %s changed: %s -> %s\n", str(x, "what"),
                   str(x, "old"), str(x, "new")) < 0;
    json_array_foreach(anch, i, x)
      w |= fprintf(out, "REGRESSION anchor %s lost its coverage\n",
                   json_string_value(x)) < 0;
    json_array_foreach(props, i, x) {
      w |= fprintf(out, "%s: %s -> %s\n", str(x, "id"), str(x, "old_status"),
                   str(x, "new_status")) < 0;
      json_array_foreach(json_object_get(x, "changes"), j, c) {
        int bad = json_is_true(json_object_get(c, "regression"));
        if (json_object_get(c, "level")) {
          w |= fprintf(out, "  %s%s: %s ", bad ? "REGRESSION " : "",
                       str(c, "level"), str(c, "what")) < 0;
          w |= print_ratio(out, json_object_get(c, "old")) < 0;
          w |= fputs(" -> ", out) < 0;
          w |= print_ratio(out, json_object_get(c, "new")) < 0;
          w |= fputs(" (x", out) < 0;
          w |= print_ratio(out, json_object_get(c, "factor")) < 0;
          json_int_t ab = json_integer_value(json_object_get(c, "cases_above"));
          if (ab >= 0)
            w |= fprintf(out, ", %lld new cases above the old worst's decade",
                         (long long)ab) < 0;
          w |= fputs(")\n", out) < 0;
        } else
          w |= fprintf(out, "  %s%s\n", bad ? "REGRESSION " : "",
                       str(c, "what")) < 0;
      }
    }
    w |= fprintf(out, "%d regression%s (factor %g, floor %g, min-above %ld)\n",
                 nreg, nreg == 1 ? "" : "s", o.factor, o.floor,
                 o.min_above) < 0;
    if (w)
      rc = fc_error_set(err, FC_EIO, "writing the diff failed");
  }
  json_decref(envc);
  json_decref(props);
  json_decref(anch);
  *regressions = nreg;
  return rc;
}

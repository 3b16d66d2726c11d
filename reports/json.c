/* json.c -- the report for machines, built with jansson (never by hand).
 *
 * Schema (schema 1; keys appear in this order; doc/report-schema.md gives
 * each field's type and range and what the reader, json_check.c, holds
 * a report to):
 *
 *   version        string   foldcheck version that ran
 *   schema         number   1
 *   seed           string   the run seed as a decimal uint64, e.g.
 *                           "18446744073709551615": a uint64 does not fit a
 *                           JSON number (doubles hold 53 bits), so it is
 *                           always a string, whatever its size
 *   precision      number   oracle precision P, bits
 *   slack_bits     number   statement slack s
 *   profile        string | null
 *   kernels        string   kernel table under test
 *   seconds        number   wall time of the run
 *   interrupted    bool     SIGINT/SIGTERM stopped the run: the properties
 *                           listed are those run (the last one possibly
 *                           partly, see its own "interrupted")
 *   shard          string | null  "K/N" for `run --shard K/N`, else null
 *   config         object   cases, time_budget, threads, shrink_steps,
 *                           shrink_seconds, shrink_margin, detect_factor,
 *                           max_choices, maxfail (0: no limit)
 *   environment    object   foldcheck, mpfr, gmp, openblas,
 *                           openblas_config, compiler, cpu (strings),
 *                           threads (number)
 *   summary        object   total, passed, failed, errors, oracle_faults,
 *                           not_run (selected properties not run: --maxfail
 *                           was reached; "total" counts those listed),
 *                           not_provided (listed, status "not_provided")
 *   properties     array of objects:
 *     id, title, anchors (array of strings), lean_file (string | null),
 *     expect ("holds" | "detect"), extension (string | null),
 *     status ("pass" | "fail" | "error" | "not_provided"), cases, discarded, failures,
 *     db_replayed, oracle_faults, recomputed (cases whose oracle was
 *     recomputed at P + 64), stopped_by_time (bool), interrupted
 *     (bool: its cases stopped early), seconds, message, db_warning
 *     (string: a failure-database problem, or ""),
 *     worst: {"statement": W | null, "conformance": W | null,
 *             "accuracy": W | null}
 *        with W = {ratio, err, bound, ulps, case}  (case: the case index)
 *     counterexample: null, or
 *       {replay (token string | null), case_index (-1: from the database),
 *        level (level name), ratio, err, bound, note,
 *        oracle_fault (bool),
 *        kernel_failure (string: the kernel crashed, timed out or
 *        returned NaN, the headline of the failure | null),
 *        ulps_format (the format ulps are counted in: "fp64", "fp32"...),
 *        outputs: [{name, level, shape: [dims], elements, mismatched,
 *                   ulps, max_abs: X, max_ratio: X}]  (the worst outputs
 *                   the check compared elementwise, fc_outputs)
 *          with X = {index (row-major; -1: none), at: [coordinates],
 *                    actual, expected, err, bound, ratio},
 *        outputs_dropped (outputs compared but not kept),
 *        ratio_before_shrink (the first failing case's ratio | null),
 *        shrink: {steps, accepted, seconds, time_limited (bool: the time
 *                 budget or an interruption ended it), choices_before,
 *                 choices_after},
 *        size: {<dimension field name>: number, ...},
 *        values: {<field name>: {type ("real" | "int"), shape: [rows, cols],
 *                                values: [row-major elements]}}}
 *       Real elements are C99 hex-float strings as printf's "%a" writes
 *       them ("0x1.999999999999ap-4", "-0x0p+0"), which strtod (and
 *       Python's float.fromhex) read back to the same bits; integer
 *       elements are numbers.  `values` lists every field, dimensions
 *       included.
 *
 * Numbers: doubles are written with 17 significant digits (exact round
 * trip).  JSON has no infinities or NaN, so a non-finite double is written
 * as the string "inf", "-inf" or "nan".  Strings that are not valid UTF-8
 * have each offending byte replaced by U+FFFD.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports_internal.h"

/* obj[key] = v, taking v's reference; FC_ENOMEM when v is NULL (a failed
 * constructor) or the insertion fails (jansson then releases v). */
static int put(json_t *obj, const char *key, json_t *v) {
  if (v == NULL)
    return FC_ENOMEM;
  return json_object_set_new(obj, key, v) == 0 ? FC_OK : FC_ENOMEM;
}

/* Append v to arr, taking its reference; as put. */
static int push(json_t *arr, json_t *v) {
  if (v == NULL)
    return FC_ENOMEM;
  return json_array_append_new(arr, v) == 0 ? FC_OK : FC_ENOMEM;
}

/* A double as a JSON number, or "inf"/"-inf"/"nan" when not finite. */
static json_t *jnum(double x) {
  if (isnan(x))
    return json_string("nan");
  if (isinf(x))
    return json_string(x > 0 ? "inf" : "-inf");
  return json_real(x);
}

/* A string, NULL -> null, invalid UTF-8 bytes -> U+FFFD.  NULL only when
 * out of memory. */
static json_t *jstr(const char *s) {
  json_t *v;
  char *fixed;
  size_t n, i = 0, o = 0;
  if (s == NULL)
    return json_null();
  v = json_string(s);
  if (v != NULL)
    return v;
  /* Either s is not UTF-8 or jansson is out of memory: repair and retry. */
  n = strlen(s);
  fixed = malloc(3 * n + 1);
  if (fixed == NULL)
    return NULL;
  while (i < n) {
    unsigned long cp;
    size_t len = fc_rep_utf8_decode(s + i, n - i, &cp);
    if (len == 0) {
      memcpy(fixed + o, "\xEF\xBF\xBD", 3);
      o += 3;
      i++;
    } else {
      memcpy(fixed + o, s + i, len);
      o += len;
      i += len;
    }
  }
  fixed[o] = '\0';
  v = json_string(fixed);
  free(fixed);
  return v;
}

/* The decimal string of a uint64. */
static json_t *ju64(uint64_t x) {
  char buf[24];
  snprintf(buf, sizeof buf, "%llu", (unsigned long long)x);
  return json_string(buf);
}

/* "K/N" of a sharded run, else null. */
static json_t *shard_json(const fc_run_config *c) {
  char buf[32];
  if (c->shard_count <= 1)
    return json_null();
  snprintf(buf, sizeof buf, "%d/%d", c->shard_index, c->shard_count);
  return json_string(buf);
}

static int env_json(json_t **out, const fc_report *rep) {
  const fc_env *e = &rep->env;
  json_t *o = json_object();
  int rc;
  *out = NULL;
  if (o == NULL)
    return FC_ENOMEM;
  if ((rc = put(o, "foldcheck", jstr(fc_rep_version(rep)))) != FC_OK ||
      (rc = put(o, "mpfr", jstr(e->mpfr))) != FC_OK ||
      (rc = put(o, "gmp", jstr(e->gmp))) != FC_OK ||
      (rc = put(o, "openblas", jstr(e->openblas))) != FC_OK ||
      (rc = put(o, "openblas_config", jstr(e->openblas_config))) != FC_OK ||
      (rc = put(o, "compiler", jstr(e->compiler))) != FC_OK ||
      (rc = put(o, "cpu", jstr(e->cpu))) != FC_OK ||
      (rc = put(o, "threads", json_integer(e->threads))) != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

static int config_json(json_t **out, const fc_run_config *c) {
  json_t *o = json_object();
  int rc;
  *out = NULL;
  if (o == NULL)
    return FC_ENOMEM;
  if ((rc = put(o, "cases", json_integer(c->cases))) != FC_OK ||
      (rc = put(o, "time_budget", jnum(c->time_budget))) != FC_OK ||
      (rc = put(o, "threads", json_integer(c->threads))) != FC_OK ||
      (rc = put(o, "shrink_steps", json_integer(c->shrink_steps))) != FC_OK ||
      (rc = put(o, "shrink_seconds", jnum(c->shrink_seconds))) != FC_OK ||
      (rc = put(o, "shrink_margin", jnum(c->shrink_margin))) != FC_OK ||
      (rc = put(o, "detect_factor", jnum(c->detect_factor))) != FC_OK ||
      (rc = put(o, "max_choices",
                json_integer((json_int_t)c->max_choices))) != FC_OK ||
      (rc = put(o, "maxfail", json_integer(c->maxfail))) != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

static int summary_json(json_t **out, const fc_report *rep) {
  size_t passed, failed, errors;
  long faults;
  json_t *o = json_object();
  int rc;
  *out = NULL;
  if (o == NULL)
    return FC_ENOMEM;
  fc_report_counts(rep, &passed, &failed, &errors, &faults);
  if ((rc = put(o, "total", json_integer((json_int_t)rep->n))) != FC_OK ||
      (rc = put(o, "passed", json_integer((json_int_t)passed))) != FC_OK ||
      (rc = put(o, "failed", json_integer((json_int_t)failed))) != FC_OK ||
      (rc = put(o, "errors", json_integer((json_int_t)errors))) != FC_OK ||
      (rc = put(o, "oracle_faults", json_integer(faults))) != FC_OK ||
      (rc = put(o, "not_run", json_integer((json_int_t)rep->not_run))) !=
          FC_OK ||
      (rc = put(o, "not_provided",
                json_integer((json_int_t)fc_report_count(
                    rep, FC_STATUS_NOT_PROVIDED)))) != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

/* {"statement": W | null, ...} */
static int worst_json(json_t **out, const fc_prop_result *r) {
  json_t *o = json_object();
  int l, rc = FC_OK;
  *out = NULL;
  if (o == NULL)
    return FC_ENOMEM;
  for (l = 0; l < FC_NLEVELS && rc == FC_OK; l++) {
    const fc_worst *w = &r->worst[l];
    json_t *wo;
    if (!w->present) {
      rc = put(o, fc_rep_level_name(l), json_null());
      continue;
    }
    wo = json_object();
    if (wo == NULL) {
      rc = FC_ENOMEM;
      break;
    }
    if ((rc = put(wo, "ratio", jnum(w->ratio))) != FC_OK ||
        (rc = put(wo, "err", jnum(w->err))) != FC_OK ||
        (rc = put(wo, "bound", jnum(w->bound))) != FC_OK ||
        (rc = put(wo, "ulps", jnum(w->ulps))) != FC_OK ||
        (rc = put(wo, "case", json_integer(w->case_index))) != FC_OK) {
      json_decref(wo);
      break;
    }
    rc = put(o, fc_rep_level_name(l), wo);
  }
  if (rc != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

/* One field of a case: {type, shape, values}. */
static int field_json(json_t **out, const fc_case *c, size_t i) {
  size_t rows = 0, cols = 0, k, n;
  fc_field_type t = fc_case_field_type(c, i);
  json_t *o = json_object(), *shape = json_array(), *vals = json_array();
  int rc = FC_OK;
  *out = NULL;
  if (o == NULL || shape == NULL || vals == NULL) {
    json_decref(o);
    json_decref(shape);
    json_decref(vals);
    return FC_ENOMEM;
  }
  fc_case_field_shape(c, i, &rows, &cols);
  n = rows * cols;
  if (t == FC_FIELD_REAL) {
    const double *x = fc_case_field_reals(c, i);
    for (k = 0; k < n && x != NULL && rc == FC_OK; k++) {
      char hex[48];
      snprintf(hex, sizeof hex, "%a", x[k]);
      rc = push(vals, json_string(hex));
    }
  } else {
    const long *x = fc_case_field_ints(c, i);
    for (k = 0; k < n && x != NULL && rc == FC_OK; k++)
      rc = push(vals, json_integer(x[k]));
  }
  if (rc == FC_OK)
    rc = push(shape, json_integer((json_int_t)rows));
  if (rc == FC_OK)
    rc = push(shape, json_integer((json_int_t)cols));
  if (rc != FC_OK) {
    json_decref(o);
    json_decref(shape);
    json_decref(vals);
    return rc;
  }
  /* From here put() owns shape and vals whatever happens. */
  if ((rc = put(o, "type",
                json_string(t == FC_FIELD_REAL ? "real" : "int"))) != FC_OK) {
    json_decref(shape);
    json_decref(vals);
    json_decref(o);
    return rc;
  }
  rc = put(o, "shape", shape);
  if (rc != FC_OK) {
    json_decref(vals);
    json_decref(o);
    return rc;
  }
  rc = put(o, "values", vals);
  if (rc != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

/* The "size" and "values" objects of a case. */
static int case_json(json_t *cx, const fc_case *c) {
  json_t *size = json_object(), *values = json_object();
  size_t i, n = fc_case_nfields(c);
  int rc = FC_OK;
  if (size == NULL || values == NULL) {
    json_decref(size);
    json_decref(values);
    return FC_ENOMEM;
  }
  for (i = 0; i < n && rc == FC_OK; i++) {
    const char *name = fc_case_field_name(c, i);
    json_t *f;
    if (name == NULL)
      continue;
    if (fc_case_field_is_dim(c, i) && fc_case_field_type(c, i) == FC_FIELD_INT) {
      const long *v = fc_case_field_ints(c, i);
      rc = put(size, name, json_integer(v != NULL ? v[0] : 0));
      if (rc != FC_OK)
        break;
    }
    rc = field_json(&f, c, i);
    if (rc == FC_OK)
      rc = put(values, name, f);
  }
  if (rc != FC_OK) {
    json_decref(size);
    json_decref(values);
    return rc;
  }
  rc = put(cx, "size", size);
  if (rc != FC_OK) {
    json_decref(values);
    return rc;
  }
  return put(cx, "values", values);
}

static int shrink_json(json_t **out, const fc_counterexample *x) {
  json_t *o = json_object();
  int rc;
  *out = NULL;
  if (o == NULL)
    return FC_ENOMEM;
  if ((rc = put(o, "steps", json_integer(x->shrink_steps))) != FC_OK ||
      (rc = put(o, "accepted", json_integer(x->shrink_accepted))) != FC_OK ||
      (rc = put(o, "seconds", jnum(x->shrink_seconds))) != FC_OK ||
      (rc = put(o, "time_limited", json_boolean(x->shrink_time_limited))) !=
          FC_OK ||
      (rc = put(o, "choices_before",
                json_integer((json_int_t)x->orig_nchoices))) != FC_OK ||
      (rc = put(o, "choices_after",
                json_integer((json_int_t)x->nchoices))) != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

/* One element of an output: {index, at, actual, expected, err, bound,
 * ratio}; "at" the coordinates in the output's shape ([] when the shape is
 * unknown or there is no element), derived from index and shape. */
static int elem_json(json_t **out, const fc_output *o, const fc_elem *e) {
  json_t *v = json_object(), *at = json_array();
  int rc = v && at ? FC_OK : FC_ENOMEM;
  long total = 1;
  for (int k = 0; k < o->ndim && k < FC_OUTPUT_DIMS && total > 0; k++)
    total = o->shape[k] > 0 && total <= LONG_MAX / o->shape[k]
                ? total * o->shape[k]
                : -1;
  if (rc == FC_OK && o->ndim > 0 && o->ndim <= FC_OUTPUT_DIMS &&
      e->index >= 0 && e->index < total) {
    long c[FC_OUTPUT_DIMS], rest = e->index;
    for (int k = o->ndim - 1; k >= 0; k--) {
      c[k] = rest % o->shape[k];
      rest /= o->shape[k];
    }
    for (int k = 0; k < o->ndim && rc == FC_OK; k++)
      rc = push(at, json_integer(c[k]));
  }
  if (rc != FC_OK) {
    json_decref(v);
    json_decref(at);
    return FC_ENOMEM;
  }
  if ((rc = put(v, "index", json_integer(e->index))) != FC_OK) {
    json_decref(at);
    json_decref(v);
    return rc;
  }
  if ((rc = put(v, "at", at)) != FC_OK || /* put released at */
      (rc = put(v, "actual", jnum(e->actual))) != FC_OK ||
      (rc = put(v, "expected", jnum(e->expected))) != FC_OK ||
      (rc = put(v, "err", jnum(e->err))) != FC_OK ||
      (rc = put(v, "bound", jnum(e->bound))) != FC_OK ||
      (rc = put(v, "ratio", jnum(e->ratio))) != FC_OK) {
    json_decref(v);
    return rc;
  }
  *out = v;
  return FC_OK;
}

/* "outputs": [{name, level, shape, elements, mismatched, ulps, max_abs,
 * max_ratio}] in slot order (fc_outputs). */
static int outputs_json(json_t **out, const fc_check_result *r) {
  json_t *a = json_array();
  int rc = a ? FC_OK : FC_ENOMEM;
  for (int i = 0; i < r->outputs.n && i < FC_CHECK_OUTPUTS && rc == FC_OK;
       i++) {
    const fc_output *o = &r->outputs.out[i];
    json_t *v = json_object(), *sh = json_array(), *ea = NULL, *er = NULL;
    rc = v && sh ? FC_OK : FC_ENOMEM;
    for (int k = 0; k < o->ndim && k < FC_OUTPUT_DIMS && rc == FC_OK; k++)
      rc = push(sh, json_integer(o->shape[k]));
    if (rc != FC_OK) {
      json_decref(v);
      json_decref(sh);
      break;
    }
    if ((rc = put(v, "name", jstr(o->name))) != FC_OK ||
        (rc = put(v, "level", jstr(fc_rep_level_name(o->level)))) != FC_OK ||
        (rc = put(v, "shape", sh)) != FC_OK ||
        (rc = put(v, "elements", json_integer(o->n))) != FC_OK ||
        (rc = put(v, "mismatched", json_integer(o->mismatched))) != FC_OK ||
        (rc = put(v, "ulps", jnum(o->ulps))) != FC_OK ||
        (rc = elem_json(&ea, o, &o->max_abs)) != FC_OK ||
        (rc = put(v, "max_abs", ea)) != FC_OK ||
        (rc = elem_json(&er, o, &o->max_ratio)) != FC_OK ||
        (rc = put(v, "max_ratio", er)) != FC_OK) {
      json_decref(v);
      break;
    }
    if ((rc = push(a, v)) != FC_OK) /* push released v */
      break;
  }
  if (rc != FC_OK) {
    json_decref(a);
    return rc;
  }
  *out = a;
  return FC_OK;
}

static int cex_json(json_t **out, const fc_counterexample *x) {
  json_t *o = json_object(), *sh, *outs;
  const fc_measure *m = NULL;
  int rc;
  *out = NULL;
  if (o == NULL)
    return FC_ENOMEM;
  if (x->level >= 0 && x->level < FC_NLEVELS && x->check.level[x->level].present)
    m = &x->check.level[x->level];
  if ((rc = put(o, "replay", jstr(x->token))) != FC_OK ||
      (rc = put(o, "case_index", json_integer(x->case_index))) != FC_OK ||
      (rc = put(o, "level", jstr(fc_rep_level_name(x->level)))) != FC_OK ||
      (rc = put(o, "ratio", m ? jnum(m->ratio) : json_null())) != FC_OK ||
      (rc = put(o, "err", m ? jnum(m->err) : json_null())) != FC_OK ||
      (rc = put(o, "bound", m ? jnum(m->bound) : json_null())) != FC_OK ||
      (rc = put(o, "ratio_before_shrink",
                x->level >= 0 && x->level < FC_NLEVELS &&
                        x->orig_check.level[x->level].present
                    ? jnum(x->orig_check.level[x->level].ratio)
                    : json_null())) != FC_OK ||
      (rc = put(o, "note", jstr(x->check.note))) != FC_OK ||
      (rc = put(o, "oracle_fault", json_boolean(x->check.oracle_fault))) !=
          FC_OK ||
      (rc = put(o, "kernel_failure",
                x->check.kernel_failure[0] ? jstr(x->check.kernel_failure)
                                           : json_null())) != FC_OK ||
      (rc = put(o, "ulps_format",
                jstr(x->check.outputs.fmt[0] ? x->check.outputs.fmt
                                             : "fp64"))) != FC_OK ||
      (rc = outputs_json(&outs, &x->check)) != FC_OK ||
      (rc = put(o, "outputs", outs)) != FC_OK ||
      (rc = put(o, "outputs_dropped",
                json_integer(x->check.outputs.dropped))) != FC_OK ||
      (rc = shrink_json(&sh, x)) != FC_OK ||
      (rc = put(o, "shrink", sh)) != FC_OK ||
      (rc = case_json(o, x->values)) != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

/* "histogram": {level: [FC_HIST_BINS counts] | null}: bin 0 is ratio 0,
 * bin b in 1..FC_HIST_DECADES the decade [10^(FC_HIST_LO+b-1), 10^(..+b)),
 * the last everything above (and inf, nan); see fc_hist_bin. */
static int hist_json(json_t **out, const fc_prop_result *r) {
  json_t *o = json_object();
  int rc = o ? FC_OK : FC_ENOMEM;
  for (int l = 0; l < FC_NLEVELS && rc == FC_OK; l++) {
    long total = 0;
    for (int b = 0; b < FC_HIST_BINS; b++)
      total += r->hist[l][b];
    if (total == 0) {
      rc = put(o, fc_level_name((fc_level)l), json_null());
      continue;
    }
    json_t *a = json_array();
    rc = a ? FC_OK : FC_ENOMEM;
    for (int b = 0; b < FC_HIST_BINS && rc == FC_OK; b++)
      rc = push(a, json_integer(r->hist[l][b]));
    if (rc == FC_OK)
      rc = put(o, fc_level_name((fc_level)l), a);
    else
      json_decref(a);
  }
  if (rc != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

/* "plot": null, or {x, y (axis labels), logx, logy, reference: null or
 * {label, y}, points: [[x, y, series]...]}. */
static int plot_json(json_t **out, const fc_prop_result *r) {
  const fc_property *p = r->prop;
  if (r->npoints == 0 || p->plot_x == NULL || p->plot_y == NULL) {
    *out = json_null();
    return FC_OK;
  }
  json_t *pts = json_array();
  int rc = pts ? FC_OK : FC_ENOMEM;
  for (size_t i = 0; i < r->npoints && rc == FC_OK; i++) {
    json_t *xy = json_array();
    rc = xy ? FC_OK : FC_ENOMEM;
    if (rc == FC_OK && (rc = push(xy, jnum(r->points[i].x))) == FC_OK &&
        (rc = push(xy, jnum(r->points[i].y))) == FC_OK &&
        (rc = push(xy, json_integer(r->points[i].series))) == FC_OK)
      rc = push(pts, xy);
    else
      json_decref(xy);
  }
  json_t *o = rc == FC_OK ? json_object() : NULL;
  if (o == NULL || (rc = put(o, "x", jstr(p->plot_x))) != FC_OK ||
      (rc = put(o, "y", jstr(p->plot_y))) != FC_OK ||
      (rc = put(o, "logx", json_boolean(p->plot_logx))) != FC_OK ||
      (rc = put(o, "logy", json_boolean(p->plot_logy))) != FC_OK ||
      (rc = put(o, "reference", p->plot_ref_label
                                    ? json_pack("{s:s, s:f}", "label",
                                                p->plot_ref_label, "y",
                                                p->plot_ref_y)
                                    : json_null())) != FC_OK ||
      (rc = put(o, "points", pts)) != FC_OK) {
    if (o == NULL)
      json_decref(pts);
    json_decref(o);
    return rc != FC_OK ? rc : FC_ENOMEM;
  }
  *out = o;
  return FC_OK;
}

static int prop_json(json_t **out, const fc_prop_result *r) {
  const fc_property *p = r->prop;
  json_t *o = json_object(), *anchors = json_array(), *sub;
  size_t k;
  int rc = FC_OK;
  *out = NULL;
  if (o == NULL || anchors == NULL) {
    json_decref(o);
    json_decref(anchors);
    return FC_ENOMEM;
  }
  for (k = 0; p->anchors != NULL && p->anchors[k] != NULL && rc == FC_OK; k++)
    rc = push(anchors, jstr(p->anchors[k]));
  if (rc != FC_OK) {
    json_decref(anchors);
    json_decref(o);
    return rc;
  }
  if ((rc = put(o, "id", jstr(p->id))) != FC_OK ||
      (rc = put(o, "title", jstr(p->title))) != FC_OK) {
    json_decref(anchors);
    json_decref(o);
    return rc;
  }
  if ((rc = put(o, "anchors", anchors)) != FC_OK ||
      (rc = put(o, "lean_file", jstr(p->lean_file))) != FC_OK ||
      (rc = put(o, "expect", jstr(fc_rep_expect_name(p->expect)))) != FC_OK ||
      (rc = put(o, "extension", jstr(p->extension))) != FC_OK ||
      (rc = put(o, "status", jstr(fc_rep_status_name(r->status)))) != FC_OK ||
      (rc = put(o, "cases", json_integer(r->cases))) != FC_OK ||
      (rc = put(o, "discarded", json_integer(r->discarded))) != FC_OK ||
      (rc = put(o, "failures", json_integer(r->failures))) != FC_OK ||
      (rc = put(o, "db_replayed", json_integer(r->db_replayed))) != FC_OK ||
      (rc = put(o, "oracle_faults", json_integer(r->oracle_faults))) != FC_OK ||
      (rc = put(o, "recomputed", json_integer(r->recomputed))) != FC_OK ||
      (rc = put(o, "stopped_by_time", json_boolean(r->stopped_by_time))) !=
          FC_OK ||
      (rc = put(o, "interrupted", json_boolean(r->interrupted))) != FC_OK ||
      (rc = put(o, "seconds", jnum(r->seconds))) != FC_OK ||
      (rc = put(o, "message", jstr(r->message))) != FC_OK ||
      (rc = put(o, "db_warning", jstr(r->db_warning))) != FC_OK ||
      (rc = worst_json(&sub, r)) != FC_OK ||
      (rc = put(o, "worst", sub)) != FC_OK ||
      (rc = hist_json(&sub, r)) != FC_OK ||
      (rc = put(o, "histogram", sub)) != FC_OK ||
      (rc = plot_json(&sub, r)) != FC_OK ||
      (rc = put(o, "plot", sub)) != FC_OK) {
    json_decref(o);
    return rc;
  }
  if (r->cex == NULL)
    rc = put(o, "counterexample", json_null());
  else if ((rc = cex_json(&sub, r->cex)) == FC_OK)
    rc = put(o, "counterexample", sub);
  if (rc != FC_OK) {
    json_decref(o);
    return rc;
  }
  *out = o;
  return FC_OK;
}

/* Inputs: rep, a report (read only).
 * Output: *out, a new JSON object (schema at the top of this file) that the
 * caller releases with json_decref; NULL on failure.
 * Return: FC_OK; FC_EINVAL for NULL arguments or an invalid report
 * (fc_report_validate); FC_ENOMEM when jansson cannot allocate. */
int fc_report_to_json(json_t **out, const fc_report *rep) {
  json_t *root, *sub, *props;
  size_t i;
  int rc;
  if (out == NULL)
    return FC_EINVAL;
  *out = NULL;
  if (fc_report_validate(rep) != FC_OK)
    return FC_EINVAL;
  root = json_object();
  if (root == NULL)
    return FC_ENOMEM;
  if ((rc = put(root, "version", jstr(fc_rep_version(rep)))) != FC_OK ||
      (rc = put(root, "schema", json_integer(1))) != FC_OK ||
      (rc = put(root, "seed", ju64(rep->cfg.seed))) != FC_OK ||
      (rc = put(root, "precision", json_integer(rep->cfg.prec))) != FC_OK ||
      (rc = put(root, "slack_bits", json_integer(rep->cfg.slack_bits))) !=
          FC_OK ||
      (rc = put(root, "profile", jstr(rep->cfg.profile))) != FC_OK ||
      (rc = put(root, "kernels", jstr(fc_rep_kernels(rep)))) != FC_OK ||
      (rc = put(root, "seconds", jnum(rep->seconds))) != FC_OK ||
      (rc = put(root, "interrupted", json_boolean(rep->interrupted))) !=
          FC_OK ||
      (rc = put(root, "shard", shard_json(&rep->cfg))) != FC_OK ||
      (rc = config_json(&sub, &rep->cfg)) != FC_OK ||
      (rc = put(root, "config", sub)) != FC_OK ||
      (rc = env_json(&sub, rep)) != FC_OK ||
      (rc = put(root, "environment", sub)) != FC_OK ||
      (rc = summary_json(&sub, rep)) != FC_OK ||
      (rc = put(root, "summary", sub)) != FC_OK)
    goto fail;
  props = json_array();
  if ((rc = put(root, "properties", props)) != FC_OK)
    goto fail;
  for (i = 0; i < rep->n; i++) {
    if ((rc = prop_json(&sub, &rep->results[i])) != FC_OK ||
        (rc = push(props, sub)) != FC_OK)
      goto fail;
  }
  *out = root;
  return FC_OK;
fail:
  json_decref(root);
  return rc;
}

/* See reports_internal.h. */
int fc_report_write_json(FILE *out, const fc_report *rep) {
  json_t *root;
  int rc;
  if (out == NULL)
    return FC_EINVAL;
  rc = fc_report_to_json(&root, rep);
  if (rc != FC_OK)
    return rc;
  rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) == 0
           ? FC_OK
           : FC_EIO;
  json_decref(root);
  if (rc != FC_OK)
    return rc;
  FC_REP_TRY(fc_rep_puts(out, "\n"));
  return fc_rep_finish(out);
}

/* json_check.c -- the one reader of JSON reports: parse, then check the
 * document against the report schema (doc/report-schema.md) field by
 * field before anything reads it.  `report`, `merge` (through
 * fc_report_read_json), `diff` and `anchors --report` all go through
 * fc_report_check_json, so a corrupt report is refused the same way
 * everywhere, with the field named: "properties[3].cases: negative count
 * -4".
 *
 * What is checked: every field's type; ranges (the seed a uint64 in the
 * writer's decimal form, precision and slack within the run limits,
 * counts non-negative and bounded, statuses, levels, expectations and
 * profiles from their sets); consistency (unique property ids, counts
 * against each other and against the config, the summary against the
 * properties, histograms against the cases, a counterexample against
 * the status, its replay token, which must decode and replay the same
 * property, seed, precision, case and values); and
 * the version rule (schema 1; a foldcheck of a newer major version wrote
 * something this one cannot vouch for).  Which fields are required, and
 * how absent optional ones read, is in the schema document. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reports_internal.h"

/* The schema this foldcheck reads and writes. */
#define FC_REPORT_SCHEMA 1

/* ------------------------------------------------------------ messages */

/* A short, printable description of a JSON value for messages:
 * "the string \"nan\"", "1e+18", "true", "an object". */
static const char *show(char *buf, size_t n, const json_t *v)
{
  if (v == NULL)
    snprintf(buf, n, "nothing");
  else if (json_is_string(v)) {
    /* JSON-escaped and ASCII-only: nothing reaches a terminal raw. */
    char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
    if (s == NULL)
      snprintf(buf, n, "a string");
    else if (strlen(s) > 48)
      snprintf(buf, n, "the string %.44s...\"", s);
    else
      snprintf(buf, n, "the string %s", s);
    free(s);
  } else if (json_is_integer(v))
    snprintf(buf, n, "the integer %lld", (long long)json_integer_value(v));
  else if (json_is_real(v))
    snprintf(buf, n, "the number %.17g", json_real_value(v));
  else if (json_is_true(v))
    snprintf(buf, n, "true");
  else if (json_is_false(v))
    snprintf(buf, n, "false");
  else if (json_is_null(v))
    snprintf(buf, n, "null");
  else if (json_is_object(v))
    snprintf(buf, n, "an object");
  else
    snprintf(buf, n, "an array");
  return buf;
}

/* A field's path for messages, formatted into buf (cut short if need
 * be: a message names the field, it never overflows). */
static const char *pfmt(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const char *pfmt(char *buf, size_t n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, n, fmt, ap);
  va_end(ap);
  return buf;
}

/* "at.key" (or "key" at the top) into buf. */
static const char *join(char *buf, size_t n, const char *at, const char *key)
{
  return pfmt(buf, n, "%s%s%s", at, *at ? "." : "", key);
}

/* Set err to "PATH: message" and return code. */
static int fail(fc_error *err, int code, const char *path, const char *fmt,
                ...) __attribute__((format(printf, 4, 5)));
static int fail(fc_error *err, int code, const char *path, const char *fmt,
                ...)
{
  char msg[224];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return fc_error_set(err, code, "%s: %s", path, msg);
}

/* "expected WHAT, got VALUE". */
static int wrong(fc_error *err, const char *path, const char *what,
                 const json_t *v)
{
  char b[96];
  return fail(err, FC_EPARSE, path, "expected %s, got %s", what,
              show(b, sizeof b, v));
}

/* ------------------------------------------------------- typed fields */

/* obj[key] into *v; a missing required field is an error, a missing
 * optional one gives *v = NULL. */
static int field(json_t **v, json_t *obj, const char *at, const char *key,
                 int required, fc_error *err)
{
  char p[256];
  *v = json_object_get(obj, key);
  if (*v == NULL && required)
    return fail(err, FC_EPARSE, join(p, sizeof p, at, key),
                "missing (a required field)");
  return FC_OK;
}

/* An integer field in [lo, hi]; *x untouched when absent (optional).
 * `what` names the quantity in range messages ("count": "negative count
 * -4"). */
static int get_int(json_int_t *x, json_t *obj, const char *at,
                   const char *key, int required, json_int_t lo,
                   json_int_t hi, const char *what, fc_error *err)
{
  json_t *v;
  char p[256];
  int rc = field(&v, obj, at, key, required, err);
  if (rc != FC_OK || v == NULL)
    return rc;
  join(p, sizeof p, at, key);
  if (!json_is_integer(v))
    return wrong(err, p, "an integer", v);
  json_int_t y = json_integer_value(v);
  if (y < lo && lo == 0)
    return fail(err, FC_EPARSE, p, "negative %s %lld", what, (long long)y);
  if (y < lo || y > hi)
    return fail(err, FC_EPARSE, p, "%s %lld is outside [%lld, %lld]", what,
                (long long)y, (long long)lo, (long long)hi);
  *x = y;
  return FC_OK;
}

/* A finite number >= lo (and <= hi) where the writer can only produce a
 * finite one (timings, budgets): the strings "nan"/"inf" are refused. */
static int get_finite(double *x, json_t *obj, const char *at,
                      const char *key, int required, double lo, double hi,
                      fc_error *err)
{
  json_t *v;
  char p[256];
  int rc = field(&v, obj, at, key, required, err);
  if (rc != FC_OK || v == NULL)
    return rc;
  join(p, sizeof p, at, key);
  if (!json_is_number(v))
    return wrong(err, p, "a finite number", v);
  double y = json_number_value(v);
  if (!(y >= lo && y <= hi))
    return fail(err, FC_EPARSE, p, "%.17g is outside [%g, %g]", y, lo, hi);
  *x = y;
  return FC_OK;
}

/* A measured double as json.c's jnum writes it: a number, or the string
 * "inf", "-inf" or "nan" (an overflowed residual, a NaN from a broken
 * kernel).  null is accepted when nullable. */
static int check_measure(json_t *v, const char *path, int nullable,
                         fc_error *err)
{
  if (json_is_number(v) || (nullable && json_is_null(v)))
    return FC_OK;
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0 ||
        strcmp(s, "nan") == 0)
      return FC_OK;
  }
  return wrong(err, path, nullable ? "a number, \"inf\", \"-inf\", \"nan\" "
                                     "or null"
                                   : "a number, \"inf\", \"-inf\" or \"nan\"",
               v);
}

static int get_measure(json_t *obj, const char *at, const char *key,
                       int required, int nullable, fc_error *err)
{
  json_t *v;
  char p[256];
  int rc = field(&v, obj, at, key, required, err);
  if (rc != FC_OK || v == NULL)
    return rc;
  return check_measure(v, join(p, sizeof p, at, key), nullable, err);
}

static int get_bool(json_t *obj, const char *at, const char *key,
                    int required, fc_error *err)
{
  json_t *v;
  char p[256];
  int rc = field(&v, obj, at, key, required, err);
  if (rc != FC_OK || v == NULL)
    return rc;
  if (!json_is_boolean(v))
    return wrong(err, join(p, sizeof p, at, key), "true or false", v);
  return FC_OK;
}

/* A string (or null when nullable) shorter than max bytes. */
static int get_str(const char **s, json_t *obj, const char *at,
                   const char *key, int required, int nullable, size_t max,
                   fc_error *err)
{
  json_t *v;
  char p[256];
  int rc = field(&v, obj, at, key, required, err);
  if (s != NULL)
    *s = NULL;
  if (rc != FC_OK || v == NULL || (nullable && json_is_null(v)))
    return rc;
  join(p, sizeof p, at, key);
  if (!json_is_string(v))
    return wrong(err, p, nullable ? "a string or null" : "a string", v);
  if (json_string_length(v) >= max)
    return fail(err, FC_EPARSE, p, "longer than %zu bytes", max - 1);
  if (strlen(json_string_value(v)) != json_string_length(v))
    return fail(err, FC_EPARSE, p, "holds a NUL character");
  if (s != NULL)
    *s = json_string_value(v);
  return FC_OK;
}

/* One of the strings of names[] (NULL-terminated); its index in *k. */
static int get_enum(int *k, json_t *obj, const char *at, const char *key,
                    int required, const char *const *names, const char *set,
                    fc_error *err)
{
  const char *s;
  char p[256], b[96];
  int rc = get_str(&s, obj, at, key, required, 0, 64, err);
  if (rc != FC_OK || s == NULL)
    return rc;
  for (int i = 0; names[i] != NULL; i++)
    if (strcmp(s, names[i]) == 0) {
      *k = i;
      return FC_OK;
    }
  return fail(err, FC_EPARSE, join(p, sizeof p, at, key), "%s is not %s",
              show(b, sizeof b, json_object_get(obj, key)), set);
}

/* An object field (or null when nullable): *o = NULL when absent or
 * null. */
static int get_obj(json_t **o, json_t *obj, const char *at, const char *key,
                   int required, int nullable, fc_error *err)
{
  json_t *v;
  char p[256];
  int rc = field(&v, obj, at, key, required, err);
  *o = NULL;
  if (rc != FC_OK || v == NULL || (nullable && json_is_null(v)))
    return rc;
  if (!json_is_object(v))
    return wrong(err, join(p, sizeof p, at, key),
                 nullable ? "an object or null" : "an object", v);
  *o = v;
  return FC_OK;
}

static const char *const status_names[] = {"pass", "fail", "error",
                                           "not_provided", NULL};
static const char *const expect_names[] = {"holds", "detect", NULL};
static const char *const level_names[] = {"statement", "conformance",
                                          "accuracy", NULL};
static const char *const profile_names[] = {"default", "ci", "nightly", NULL};

/* ---------------------------------------------------- seed and version */

/* The seed as the writer writes it: the decimal digits of a uint64, no
 * sign, no blank, no leading zero. */
static int check_seed(uint64_t *seed, json_t *root, fc_error *err)
{
  json_t *v = json_object_get(root, "seed");
  if (v == NULL)
    return fail(err, FC_EPARSE, "seed", "missing (a required field)");
  if (json_is_number(v))
    return wrong(err, "seed", "the seed as a decimal string (a uint64 does "
                 "not fit a JSON number)", v);
  if (!json_is_string(v))
    return wrong(err, "seed", "a decimal string", v);
  const char *s = json_string_value(v);
  char b[96];
  size_t n = strlen(s);
  int digits = n > 0 && n <= 20 && n == json_string_length(v);
  for (size_t i = 0; digits && i < n; i++)
    digits = s[i] >= '0' && s[i] <= '9';
  if (!digits || (n > 1 && s[0] == '0'))
    return fail(err, FC_EPARSE, "seed", "%s is not a uint64 in decimal",
                show(b, sizeof b, v));
  errno = 0;
  unsigned long long x = strtoull(s, NULL, 10);
  if (errno == ERANGE)
    return fail(err, FC_EPARSE, "seed", "%s is larger than 2^64 - 1", s);
  *seed = (uint64_t)x;
  return FC_OK;
}

/* The leading number of a version string ("0" of "0.1.0"); -1 when the
 * string is not MAJOR.MINOR[.PATCH][suffix]. */
static long version_major(const char *s)
{
  char *end;
  if (!isdigit((unsigned char)s[0]))
    return -1;
  errno = 0;
  long major = strtol(s, &end, 10);
  if (errno || *end != '.' || !isdigit((unsigned char)end[1]))
    return -1;
  for (const char *q = end; *q; q++)
    if (!isgraph((unsigned char)*q))
      return -1;
  return major;
}

/* "schema" (1; a newer one is refused as such) and "version" (this
 * foldcheck's major version or an older one). */
static int check_version(const char **version, json_t *root, fc_error *err)
{
  json_t *v = json_object_get(root, "schema");
  char b[96];
  if (v == NULL)
    return fail(err, FC_EPARSE, "schema", "missing: not a foldcheck JSON "
                "report");
  if (json_is_integer(v) && json_integer_value(v) > FC_REPORT_SCHEMA)
    return fail(err, FC_EVERSION, "schema", "%lld is newer than this "
                "foldcheck reads (schema %d): read it with the foldcheck "
                "that wrote it or a newer one",
                (long long)json_integer_value(v), FC_REPORT_SCHEMA);
  if (!json_is_integer(v) || json_integer_value(v) != FC_REPORT_SCHEMA)
    return fail(err, FC_EPARSE, "schema", "expected %d, got %s",
                FC_REPORT_SCHEMA, show(b, sizeof b, v));
  int rc = get_str(version, root, "", "version", 1, 0, 32, err);
  if (rc != FC_OK)
    return rc;
  long major = version_major(*version), ours = version_major(fc_version());
  if (major < 0)
    return fail(err, FC_EPARSE, "version", "%s is not a foldcheck version "
                "(MAJOR.MINOR...)", show(b, sizeof b,
                                         json_object_get(root, "version")));
  if (major > ours)
    return fail(err, FC_EVERSION, "version", "written by foldcheck %s, a "
                "newer major version than this one (%s): read it with that "
                "foldcheck or a newer one", *version, fc_version());
  return FC_OK;
}

/* --------------------------------------------------------- run fields */

typedef struct run_info {
  uint64_t seed;
  json_int_t prec, slack;
  json_int_t cases;   /* config.cases, or -1 when there is no config */
  json_int_t maxfail; /* config.maxfail, or -1 when absent */
} run_info;

static int check_shard(json_t *root, fc_error *err)
{
  json_t *v = json_object_get(root, "shard");
  char b[96];
  if (v == NULL || json_is_null(v))
    return FC_OK;
  const char *s = json_string_value(v);
  int k, n, used = 0, form = s != NULL && strlen(s) < 16;
  /* Digits, one '/', digits: nothing sscanf would skip or take. */
  for (size_t i = 0; form && s[i]; i++)
    form = isdigit((unsigned char)s[i]) ||
           (s[i] == '/' && i > 0 && strchr(s + i + 1, '/') == NULL);
  if (!form || sscanf(s, "%d/%d%n", &k, &n, &used) != 2 ||
      s[used] != '\0' || n < 2 || n > FC_SHARDS_MAX || k < 1 || k > n)
    return fail(err, FC_EPARSE, "shard", "%s is not null or \"K/N\" with 1 "
                "<= K <= N, 2 <= N <= %d", show(b, sizeof b, v),
                FC_SHARDS_MAX);
  return FC_OK;
}

static int check_config(run_info *ri, json_t *root, fc_error *err)
{
  json_t *c;
  json_int_t x = 0;
  double d = 0;
  int rc = get_obj(&c, root, "", "config", 0, 0, err);
  ri->cases = ri->maxfail = -1;
  if (rc != FC_OK || c == NULL)
    return rc;
  if ((rc = get_int(&ri->cases, c, "config", "cases", 1, 1, FC_CASES_MAX,
                    "case budget", err)) != FC_OK ||
      (rc = get_finite(&d, c, "config", "time_budget", 1, 0,
                       FC_TIME_BUDGET_MAX, err)) != FC_OK ||
      (rc = get_int(&x, c, "config", "threads", 1, 1, FC_THREADS_MAX,
                    "thread count", err)) != FC_OK ||
      (rc = get_int(&x, c, "config", "shrink_steps", 1, 0, INT64_MAX,
                    "count", err)) != FC_OK ||
      (rc = get_finite(&d, c, "config", "shrink_seconds", 1, 0, HUGE_VAL,
                       err)) != FC_OK ||
      (rc = get_finite(&d, c, "config", "shrink_margin", 1, 1, HUGE_VAL,
                       err)) != FC_OK ||
      (rc = get_finite(&d, c, "config", "detect_factor", 1, 1, HUGE_VAL,
                       err)) != FC_OK ||
      (rc = get_int(&x, c, "config", "max_choices", 1, FC_MAX_CHOICES_MIN,
                    INT64_MAX, "draw limit", err)) != FC_OK ||
      /* Later than the others: optional (0, no limit, when absent). */
      (rc = get_int(&ri->maxfail, c, "config", "maxfail", 0, 0, INT64_MAX,
                    "count", err)) != FC_OK)
    return rc;
  json_t *tb = json_object_get(c, "time_budget");
  if (!(json_number_value(tb) > 0))
    return fail(err, FC_EPARSE, "config.time_budget", "must be positive");
  return FC_OK;
}

/* The sizes of fc_env's fields. */
static int check_env(json_t *root, const char *version, fc_error *err)
{
  static const struct {
    const char *key;
    size_t max;
  } keys[] = {{"foldcheck", 32},      {"mpfr", 32},      {"gmp", 32},
              {"openblas", 64},       {"openblas_config", 256},
              {"compiler", 128},      {"cpu", 128}};
  json_t *e;
  json_int_t x;
  const char *fv = NULL, *s;
  int rc = get_obj(&e, root, "", "environment", 0, 0, err);
  if (rc != FC_OK || e == NULL)
    return rc;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    if ((rc = get_str(&s, e, "environment", keys[i].key, 1, 0, keys[i].max,
                      err)) != FC_OK)
      return rc;
    if (i == 0)
      fv = s;
  }
  if ((rc = get_int(&x, e, "environment", "threads", 1, 0, FC_THREADS_MAX,
                    "thread count", err)) != FC_OK)
    return rc;
  /* The writer writes the same version in both places. */
  if (strcmp(fv, version) != 0)
    return fail(err, FC_EPARSE, "environment.foldcheck", "'%s' differs from "
                "the report's version '%s'", fv, version);
  return FC_OK;
}

/* ------------------------------------------------------ counterexample */

/* A real element as printf's "%a" writes a double: strtod reads all of
 * it, no blank, within the double range (inf and nan spelt out). */
static int hex_real(double *x, const char *s)
{
  char *end;
  if (*s == '\0' || isspace((unsigned char)*s))
    return -1;
  errno = 0;
  *x = strtod(s, &end);
  if (*end != '\0')
    return -1;
  if (errno == ERANGE && isinf(*x))
    return -2;
  return 0;
}

/* See reports_internal.h. */
int fc_rep_json_case(fc_case *c, json_t *cx, const char *at,
                     const fc_property *p, fc_error *err)
{
  json_t *size, *values, *f;
  const char *name;
  char path[256], fp[256];
  int rc;
  if ((rc = get_obj(&size, cx, at, "size", 1, 0, err)) != FC_OK ||
      (rc = get_obj(&values, cx, at, "values", 1, 0, err)) != FC_OK)
    return rc;
  json_object_foreach(size, name, f) {
    join(path, sizeof path, at, "size");
    pfmt(fp, sizeof fp, "%s.%s", path, name);
    json_t *vf = json_object_get(values, name);
    json_t *vv = json_object_get(vf, "values");
    if (!json_is_integer(f) || json_integer_value(f) < 0 ||
        (uint64_t)json_integer_value(f) > FC_CASE_MAX_ELEMS)
      return wrong(err, fp, "a dimension (an integer in [0, 2^26])", f);
    if (!json_is_array(vv) || json_array_size(vv) != 1 ||
        !json_equal(json_array_get(vv, 0), f) ||
        strcmp(json_string_value(json_object_get(vf, "type")) != NULL
                   ? json_string_value(json_object_get(vf, "type"))
                   : "",
               "int") != 0)
      return fail(err, FC_EPARSE, fp, "no int field '%s' of that value in "
                  "values", name);
  }
  json_object_foreach(values, name, f) {
    const char *type;
    json_t *shape, *vals;
    json_int_t r, k;
    join(path, sizeof path, at, "values");
    pfmt(fp, sizeof fp, "%s.%s", path, name);
    if (!json_is_object(f))
      return wrong(err, fp, "an object", f);
    int t = 0;
    static const char *const types[] = {"real", "int", NULL};
    if ((rc = get_enum(&t, f, fp, "type", 1, types, "\"real\" or \"int\"",
                       err)) != FC_OK)
      return rc;
    type = types[t];
    if ((rc = field(&shape, f, fp, "shape", 1, err)) != FC_OK ||
        (rc = field(&vals, f, fp, "values", 1, err)) != FC_OK)
      return rc;
    char sp[256];
    pfmt(sp, sizeof sp, "%s.shape", fp);
    if (!json_is_array(shape) || json_array_size(shape) != 2 ||
        !json_is_integer(json_array_get(shape, 0)) ||
        !json_is_integer(json_array_get(shape, 1)))
      return wrong(err, sp, "[rows, cols]", shape);
    r = json_integer_value(json_array_get(shape, 0));
    k = json_integer_value(json_array_get(shape, 1));
    if (r < 0 || k < 0 ||
        (k != 0 && (uint64_t)r > FC_CASE_MAX_ELEMS / (uint64_t)k))
      return fail(err, FC_EPARSE, sp, "[%lld, %lld] is not a field's size",
                  (long long)r, (long long)k);
    pfmt(sp, sizeof sp, "%s.values", fp);
    if (!json_is_array(vals))
      return wrong(err, sp, "an array", vals);
    size_t n = (size_t)r * (size_t)k;
    if (json_array_size(vals) != n)
      return fail(err, FC_EPARSE, sp, "%zu elements for a %lld x %lld field",
                  json_array_size(vals), (long long)r, (long long)k);
    int dim = json_object_get(size, name) != NULL;
    if (dim) {
      if (c != NULL && fc_case_add_dim(c, name, (long)json_integer_value(
                                                    json_array_get(vals, 0))))
        return fail(err, FC_EPARSE, fp, "cannot hold this field (a duplicate "
                    "or too long a name, or out of memory)");
      continue;
    }
    double *xr = NULL;
    long *xi = NULL;
    if (c != NULL && strcmp(type, "real") == 0)
      xr = fc_case_add_reals(c, name, (size_t)r, (size_t)k);
    else if (c != NULL)
      xi = fc_case_add_ints(c, name, (size_t)r, (size_t)k);
    if (c != NULL && xr == NULL && xi == NULL)
      return fail(err, FC_EPARSE, fp, "cannot hold this field (a duplicate "
                  "or too long a name, or out of memory)");
    for (size_t i = 0; i < n; i++) {
      json_t *e = json_array_get(vals, i);
      char ep[256];
      pfmt(ep, sizeof ep, "%s.values[%zu]", fp, i);
      if (strcmp(type, "int") == 0) {
        if (!json_is_integer(e))
          return wrong(err, ep, "an integer", e);
        if (xi != NULL)
          xi[i] = (long)json_integer_value(e);
        continue;
      }
      double x;
      int h = json_is_string(e) ? hex_real(&x, json_string_value(e)) : -1;
      if (h == -1)
        return wrong(err, ep, "a hex-float string (\"0x1.8p+0\")", e);
      if (h == -2)
        return fail(err, FC_EPARSE, ep, "'%.40s' is beyond the double range",
                    json_string_value(e));
      if (!isfinite(x) && p != NULL && !p->nonfinite_inputs)
        return fail(err, FC_EPARSE, ep, "%s, but %s draws finite values only",
                    json_string_value(e), p->id);
      if (xr != NULL)
        xr[i] = x;
    }
  }
  return FC_OK;
}

/* The index of b's field `name`; -1 when b lacks it. */
static long field_in(const fc_case *b, const char *name)
{
  for (size_t j = 0; j < fc_case_nfields(b); j++)
    if (strcmp(fc_case_field_name(b, j), name) == 0)
      return (long)j;
  return -1;
}

/* 1 when a (the report's case) and b (the token's) hold the same fields
 * (names, types, dimensions, shapes) with bit-identical values; else 0
 * and the first difference in why, said of the token. */
static int same_case(const fc_case *a, const fc_case *b, char *why, size_t n)
{
  if (fc_case_nfields(a) != fc_case_nfields(b)) {
    snprintf(why, n, "holds %zu fields, the counterexample %zu",
             fc_case_nfields(b), fc_case_nfields(a));
    return 0;
  }
  for (size_t i = 0; i < fc_case_nfields(a); i++) {
    const char *name = fc_case_field_name(a, i);
    long j = field_in(b, name);
    size_t r1, c1, r2 = 0, c2 = 0;
    fc_case_field_shape(a, i, &r1, &c1);
    if (j >= 0)
      fc_case_field_shape(b, (size_t)j, &r2, &c2);
    if (j < 0 || fc_case_field_type(a, i) != fc_case_field_type(b, (size_t)j) ||
        fc_case_field_is_dim(a, i) != fc_case_field_is_dim(b, (size_t)j) ||
        r1 != r2 || c1 != c2) {
      snprintf(why, n, "holds field '%s' with another type or shape, or not "
               "at all", name);
      return 0;
    }
    size_t ne = r1 * c1; /* empty fields may have no array at all */
    int eq = ne == 0 ||
             (fc_case_field_type(a, i) == FC_FIELD_REAL
                  ? memcmp(fc_case_field_reals(a, i),
                           fc_case_field_reals(b, (size_t)j),
                           ne * sizeof(double)) == 0
                  : memcmp(fc_case_field_ints(a, i),
                           fc_case_field_ints(b, (size_t)j),
                           ne * sizeof(long)) == 0);
    if (!eq) {
      snprintf(why, n, "holds other values of field '%s'", name);
      return 0;
    }
  }
  return 1;
}

/* One element of an output (json.c's elem_json): index in [-1, n), "at"
 * the coordinates index has in shape (dims[0..nd)), the measures. */
static int check_elem(json_t *o, const char *at, const char *key,
                      json_int_t n, const json_int_t *dims, int nd,
                      fc_error *err)
{
  char p[256], q[256];
  json_t *e, *c;
  json_int_t index = -1;
  int rc = get_obj(&e, o, at, key, 1, 0, err);
  if (rc != FC_OK)
    return rc;
  join(p, sizeof p, at, key);
  static const char *const ms[] = {"actual", "expected", "err", "bound",
                                   "ratio"};
  if ((rc = get_int(&index, e, p, "index", 1, -1, n - 1, "element index",
                    err)) != FC_OK)
    return rc;
  for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
    if ((rc = get_measure(e, p, ms[i], 1, 0, err)) != FC_OK)
      return rc;
  if ((rc = field(&c, e, p, "at", 1, err)) != FC_OK)
    return rc;
  join(q, sizeof q, p, "at");
  if (!json_is_array(c))
    return wrong(err, q, "an array of coordinates", c);
  /* The coordinates are derived: those of index in the shape. */
  json_int_t total = 1, rest = index;
  for (int k = 0; k < nd && total > 0; k++)
    total = dims[k] > 0 && total <= INT64_MAX / dims[k] ? total * dims[k]
                                                        : -1;
  const size_t want = nd > 0 && index >= 0 && index < total ? (size_t)nd : 0;
  if (json_array_size(c) != want)
    return fail(err, FC_EPARSE, q, "holds %zu coordinates, index %lld in "
                "this shape has %zu", json_array_size(c), (long long)index,
                want);
  for (int k = (int)want - 1; k >= 0; k--) {
    json_t *x = json_array_get(c, (size_t)k);
    if (!json_is_integer(x) || json_integer_value(x) != rest % dims[k])
      return fail(err, FC_EPARSE, q, "coordinate %d is not index %lld's in "
                  "the shape", k, (long long)index);
    rest /= dims[k];
  }
  return FC_OK;
}

/* The per-output details of a counterexample (optional: a report of an
 * older foldcheck has none): kernel_failure, ulps_format, outputs,
 * outputs_dropped. */
static int check_outputs(json_t *cx, const char *at2, fc_error *err)
{
  static const char *const fmts[] = {"fp64", "fp32", "bf16", "fp16", NULL};
  char p[256], q[256];
  json_t *a;
  json_int_t x;
  int k, rc;
  /* String limits: the record's buffer, tripled for bytes that are not
   * UTF-8 (the writer repairs each into a 3-byte U+FFFD). */
  if ((rc = get_str(NULL, cx, at2, "kernel_failure", 0, 1, 3 * 128, err)) !=
          FC_OK ||
      (rc = get_enum(&k, cx, at2, "ulps_format", 0, fmts,
                     "a format (fp64, fp32, bf16, fp16)", err)) != FC_OK ||
      (rc = get_int(&x, cx, at2, "outputs_dropped", 0, 0, INT32_MAX,
                    "count", err)) != FC_OK ||
      (rc = field(&a, cx, at2, "outputs", 0, err)) != FC_OK || a == NULL)
    return rc;
  join(p, sizeof p, at2, "outputs");
  if (!json_is_array(a))
    return wrong(err, p, "an array of outputs", a);
  if (json_array_size(a) > FC_CHECK_OUTPUTS)
    return fail(err, FC_EPARSE, p, "%zu outputs, at most %d are kept",
                json_array_size(a), FC_CHECK_OUTPUTS);
  for (size_t i = 0; i < json_array_size(a); i++) {
    json_t *o = json_array_get(a, i), *sh;
    json_int_t n = 0, mis = 0, dims[FC_OUTPUT_DIMS] = {0, 0, 0};
    int level;
    pfmt(q, sizeof q, "%s[%zu]", p, i);
    if (!json_is_object(o))
      return wrong(err, q, "an object", o);
    if ((rc = get_str(NULL, o, q, "name", 1, 0, 3 * FC_OUTPUT_NAME, err)) !=
            FC_OK ||
        (rc = get_enum(&level, o, q, "level", 1, level_names,
                       "a level (statement, conformance, accuracy)", err)) !=
            FC_OK ||
        (rc = get_int(&n, o, q, "elements", 1, 0, INT64_MAX, "count",
                      err)) != FC_OK ||
        (rc = get_int(&mis, o, q, "mismatched", 1, 0, n, "count", err)) !=
            FC_OK ||
        (rc = get_measure(o, q, "ulps", 1, 0, err)) != FC_OK ||
        (rc = field(&sh, o, q, "shape", 1, err)) != FC_OK)
      return rc;
    char sp[256];
    join(sp, sizeof sp, q, "shape");
    if (!json_is_array(sh) || json_array_size(sh) > FC_OUTPUT_DIMS)
      return wrong(err, sp, "an array of at most 3 dimensions", sh);
    const int nd = (int)json_array_size(sh);
    for (int d = 0; d < nd; d++) {
      json_t *v = json_array_get(sh, (size_t)d);
      if (!json_is_integer(v) || json_integer_value(v) < 0)
        return wrong(err, sp, "non-negative integer dimensions", sh);
      dims[d] = json_integer_value(v);
    }
    if ((rc = check_elem(o, q, "max_abs", n, dims, nd, err)) != FC_OK ||
        (rc = check_elem(o, q, "max_ratio", n, dims, nd, err)) != FC_OK)
      return rc;
  }
  return FC_OK;
}

/* The counterexample of property `id` (p: this foldcheck's, or NULL). */
static int check_cex(json_t *cx, const char *at, const char *id,
                     const fc_property *p, const run_info *ri,
                     json_int_t cases_seen, fc_error *err)
{
  char at2[256], path[256];
  json_int_t index = 0, before = 0, after = 0, steps = 0, acc = 0;
  double d;
  int level = 0, rc;
  const char *tok;
  json_t *sh;
  join(at2, sizeof at2, at, "counterexample");
  if ((rc = get_str(&tok, cx, at2, "replay", 1, 1, SIZE_MAX, err)) != FC_OK ||
      (rc = get_int(&index, cx, at2, "case_index", 1, -1, FC_CASES_MAX,
                    "case index", err)) != FC_OK ||
      (rc = get_enum(&level, cx, at2, "level", 1, level_names,
                     "a level (statement, conformance, accuracy)", err)) !=
          FC_OK ||
      (rc = get_measure(cx, at2, "ratio", 1, 1, err)) != FC_OK ||
      (rc = get_measure(cx, at2, "err", 1, 1, err)) != FC_OK ||
      (rc = get_measure(cx, at2, "bound", 1, 1, err)) != FC_OK ||
      (rc = get_measure(cx, at2, "ratio_before_shrink", 1, 1, err)) !=
          FC_OK ||
      (rc = get_str(NULL, cx, at2, "note", 1, 0, 160, err)) != FC_OK ||
      (rc = get_bool(cx, at2, "oracle_fault", 1, err)) != FC_OK ||
      (rc = check_outputs(cx, at2, err)) != FC_OK ||
      (rc = get_obj(&sh, cx, at2, "shrink", 1, 0, err)) != FC_OK)
    return rc;
  if (cases_seen >= 0 && index >= cases_seen)
    return fail(err, FC_EPARSE, join(path, sizeof path, at2, "case_index"),
                "case %lld, but the property ran %lld cases (discarded "
                "included)", (long long)index, (long long)cases_seen);
  /* ratio, err and bound: all null (no measure) or all present. */
  int nulls = json_is_null(json_object_get(cx, "ratio")) +
              json_is_null(json_object_get(cx, "err")) +
              json_is_null(json_object_get(cx, "bound"));
  if (nulls != 0 && nulls != 3)
    return fail(err, FC_EPARSE, join(path, sizeof path, at2, "ratio"),
                "ratio, err and bound are either all null or none is");
  join(path, sizeof path, at2, "shrink");
  if ((rc = get_int(&steps, sh, path, "steps", 1, 0, INT64_MAX, "count",
                    err)) != FC_OK ||
      (rc = get_int(&acc, sh, path, "accepted", 1, 0, steps, "count",
                    err)) != FC_OK ||
      (rc = get_finite(&d, sh, path, "seconds", 1, 0, HUGE_VAL, err)) !=
          FC_OK ||
      (rc = get_bool(sh, path, "time_limited", 1, err)) != FC_OK ||
      (rc = get_int(&before, sh, path, "choices_before", 1, 0, INT64_MAX,
                    "count", err)) != FC_OK ||
      (rc = get_int(&after, sh, path, "choices_after", 1, 0, before,
                    "count", err)) != FC_OK)
    return rc;
  fc_case *c = fc_case_new();
  if (c == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  rc = fc_rep_json_case(c, cx, at2, p, err);
  if (rc != FC_OK || tok == NULL) {
    fc_case_free(c);
    return rc;
  }
  /* The token must decode, and replay this very counterexample.  For a
   * property this foldcheck does not have, a stand-in with its id lets
   * the decoder check everything but the property's own rules. */
  fc_property stub;
  memset(&stub, 0, sizeof stub);
  stub.id = id;
  stub.nonfinite_inputs = 1;
  const fc_property *const extra[] = {&stub, NULL};
  fc_replay rp;
  fc_error e2 = {0, ""};
  join(path, sizeof path, at2, "replay");
  rc = fc_replay_decode_ex(&rp, tok, p != NULL ? NULL : extra, &e2);
  if (rc == FC_ENOMEM) {
    fc_case_free(c);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  if (rc != FC_OK) {
    fc_case_free(c);
    return fail(err, FC_EPARSE, path, "%s", e2.msg);
  }
  char why[160] = "";
  if (strcmp(rp.prop->id, id) != 0)
    snprintf(why, sizeof why, "replays property %s", rp.prop->id);
  else if (rp.seed != ri->seed)
    snprintf(why, sizeof why, "has seed %llu, the report %llu",
             (unsigned long long)rp.seed, (unsigned long long)ri->seed);
  else if (rp.prec != ri->prec || rp.slack_bits != ri->slack)
    snprintf(why, sizeof why, "has precision %ld and slack %ld, the report "
             "%lld and %lld", rp.prec, rp.slack_bits, (long long)ri->prec,
             (long long)ri->slack);
  else if (rp.case_index != index)
    snprintf(why, sizeof why, "replays case %ld, case_index says %lld",
             rp.case_index, (long long)index);
  else if ((json_int_t)rp.nchoices != after)
    snprintf(why, sizeof why, "holds %zu choices, shrink.choices_after says "
             "%lld",
             rp.nchoices, (long long)after);
  else
    same_case(c, rp.values, why, sizeof why);
  fc_replay_clear(&rp);
  fc_case_free(c);
  if (why[0] != '\0')
    return fail(err, FC_EPARSE, path, "the token does not replay this "
                "counterexample: it %s", why);
  return FC_OK;
}

/* ------------------------------------------------------------ property */

/* Sum of a histogram level, or -1 when null. */
static int check_hist(json_int_t *total, json_t *h, const char *path,
                      fc_error *err)
{
  *total = -1;
  if (json_is_null(h))
    return FC_OK;
  if (!json_is_array(h) || json_array_size(h) != FC_HIST_BINS) {
    char b[96];
    return fail(err, FC_EPARSE, path, "expected null or an array of %d "
                "counts, got %s", FC_HIST_BINS, show(b, sizeof b, h));
  }
  json_int_t s = 0;
  for (size_t b = 0; b < FC_HIST_BINS; b++) {
    json_t *v = json_array_get(h, b);
    char bp[256];
    pfmt(bp, sizeof bp, "%s[%zu]", path, b);
    if (!json_is_integer(v))
      return wrong(err, bp, "an integer", v);
    if (json_integer_value(v) < 0)
      return fail(err, FC_EPARSE, bp, "negative count %lld",
                  (long long)json_integer_value(v));
    if (json_integer_value(v) > FC_CASES_MAX)
      return fail(err, FC_EPARSE, bp, "count %lld is above %ld",
                  (long long)json_integer_value(v), FC_CASES_MAX);
    s += json_integer_value(v);
  }
  *total = s;
  return FC_OK;
}

static int check_plot(json_t *p, const char *at, fc_error *err)
{
  json_t *pl, *ref, *pts;
  char path[256];
  int rc = get_obj(&pl, p, at, "plot", 0, 1, err);
  if (rc != FC_OK || pl == NULL)
    return rc;
  char ap[256];
  join(ap, sizeof ap, at, "plot");
  if ((rc = get_str(NULL, pl, ap, "x", 1, 0, 256, err)) != FC_OK ||
      (rc = get_str(NULL, pl, ap, "y", 1, 0, 256, err)) != FC_OK ||
      (rc = get_bool(pl, ap, "logx", 1, err)) != FC_OK ||
      (rc = get_bool(pl, ap, "logy", 1, err)) != FC_OK ||
      (rc = get_obj(&ref, pl, ap, "reference", 1, 1, err)) != FC_OK ||
      (rc = field(&pts, pl, ap, "points", 1, err)) != FC_OK)
    return rc;
  if (ref != NULL) {
    double y;
    join(path, sizeof path, ap, "reference");
    if ((rc = get_str(NULL, ref, path, "label", 1, 0, 256, err)) != FC_OK ||
        (rc = get_finite(&y, ref, path, "y", 1, -HUGE_VAL, HUGE_VAL,
                         err)) != FC_OK)
      return rc;
  }
  join(path, sizeof path, ap, "points");
  if (!json_is_array(pts))
    return wrong(err, path, "an array", pts);
  if (json_array_size(pts) > FC_MAX_POINTS)
    return fail(err, FC_EPARSE, path, "%zu points, at most %d",
                json_array_size(pts), FC_MAX_POINTS);
  for (size_t i = 0; i < json_array_size(pts); i++) {
    json_t *xy = json_array_get(pts, i);
    char pp[256];
    pfmt(pp, sizeof pp, "%s[%zu]", path, i);
    if (!json_is_array(xy) || json_array_size(xy) != 3)
      return wrong(err, pp, "[x, y, series]", xy);
    if ((rc = check_measure(json_array_get(xy, 0), pp, 0, err)) != FC_OK ||
        (rc = check_measure(json_array_get(xy, 1), pp, 0, err)) != FC_OK)
      return rc;
    json_t *s = json_array_get(xy, 2);
    if (!json_is_integer(s) || json_integer_value(s) < 0 ||
        json_integer_value(s) > 3)
      return wrong(err, pp, "a series 0 to 3 as the third element", s);
  }
  return FC_OK;
}

/* Counts of one property, what the summary is checked against. */
typedef struct prop_counts {
  int status;
  json_int_t oracle_faults; /* -1: absent */
} prop_counts;

static int check_prop(prop_counts *pc, json_t *p, size_t i,
                      const run_info *ri, fc_error *err)
{
  char at[64], path[256];
  const char *id;
  int expect = 0, status = 0, rc;
  json_int_t cases = 0, n = -1, discarded = -1;
  json_t *worst, *hist, *cx, *v;
  pfmt(at, sizeof at, "properties[%zu]", i);
  if (!json_is_object(p))
    return wrong(err, at, "an object", p);
  if ((rc = get_str(&id, p, at, "id", 1, 0, 128, err)) != FC_OK)
    return rc;
  for (const char *q = id; *q; q++)
    if (!isalnum((unsigned char)*q) && strchr("._-+", *q) == NULL)
      return fail(err, FC_EPARSE, join(path, sizeof path, at, "id"),
                  "'%s' is not a property id (letters, digits, '.', '_', "
                  "'-', '+')", id);
  if (*id == '\0')
    return fail(err, FC_EPARSE, join(path, sizeof path, at, "id"), "empty");
  const fc_property *prop = fc_properties_find(id);
  if ((rc = get_str(NULL, p, at, "title", 0, 0, 1024, err)) != FC_OK ||
      (rc = get_str(NULL, p, at, "lean_file", 0, 1, 256, err)) != FC_OK ||
      (rc = get_str(NULL, p, at, "extension", 0, 1, 1024, err)) != FC_OK ||
      (rc = get_enum(&expect, p, at, "expect", 1, expect_names,
                     "\"holds\" or \"detect\"", err)) != FC_OK ||
      (rc = get_enum(&status, p, at, "status", 1, status_names,
                     "a status (pass, fail, error, not_provided)", err)) != FC_OK ||
      (rc = get_int(&cases, p, at, "cases", 1, 0, FC_CASES_MAX, "count",
                    err)) != FC_OK)
    return rc;
  if (prop != NULL && (int)prop->expect != expect)
    return fail(err, FC_EPARSE, join(path, sizeof path, at, "expect"),
                "'%s', but this foldcheck's %s %s", expect_names[expect], id,
                prop->expect == FC_EXPECT_HOLDS ? "must hold"
                                                : "is a negative control");
  if ((rc = field(&v, p, at, "anchors", 0, err)) != FC_OK)
    return rc;
  if (v != NULL && !json_is_array(v))
    return wrong(err, join(path, sizeof path, at, "anchors"),
                 "an array of anchor names", v);
  for (size_t k = 0; v != NULL && k < json_array_size(v); k++) {
    json_t *a = json_array_get(v, k);
    if (!json_is_string(a) || json_string_length(a) == 0) {
      char ap[256];
      pfmt(ap, sizeof ap, "%s.anchors[%zu]", at, k);
      return wrong(err, ap, "an anchor name", a);
    }
  }
  /* Counts: each bounded by the cases (a failure, an oracle fault, a
   * recomputation is one of them); cases and discarded together by the
   * case budget. */
  static const char *const le_cases[] = {"failures", "oracle_faults",
                                         "recomputed"};
  pc->oracle_faults = -1;
  for (size_t k = 0; k < 3; k++) {
    n = -1;
    if ((rc = get_int(&n, p, at, le_cases[k], 0, 0, FC_CASES_MAX, "count",
                      err)) != FC_OK)
      return rc;
    if (n > cases)
      return fail(err, FC_EPARSE, join(path, sizeof path, at, le_cases[k]),
                  "%lld, more than the %lld cases", (long long)n,
                  (long long)cases);
    if (k == 1)
      pc->oracle_faults = n;
  }
  json_int_t x;
  double secs;
  if ((rc = get_int(&discarded, p, at, "discarded", 0, 0, FC_CASES_MAX,
                    "count", err)) != FC_OK ||
      (rc = get_int(&x, p, at, "db_replayed", 0, 0, 1, "count", err)) !=
          FC_OK ||
      (rc = get_bool(p, at, "stopped_by_time", 0, err)) != FC_OK ||
      (rc = get_bool(p, at, "interrupted", 0, err)) != FC_OK ||
      (rc = get_finite(&secs, p, at, "seconds", 0, 0, HUGE_VAL, err)) !=
          FC_OK ||
      (rc = get_str(NULL, p, at, "message", 0, 0, 256, err)) != FC_OK ||
      (rc = get_str(NULL, p, at, "db_warning", 0, 0, 256, err)) != FC_OK)
    return rc;
  if (ri->cases >= 0 && cases + (discarded > 0 ? discarded : 0) > ri->cases)
    return fail(err, FC_EPARSE, join(path, sizeof path, at, "cases"),
                "%lld cases%s, more than the case budget config.cases = %lld",
                (long long)cases, discarded > 0 ? " and discarded" : "",
                (long long)ri->cases);
  /* Case indices run over cases and discarded ones; -1 is the database. */
  json_int_t seen = discarded >= 0 ? cases + discarded : -1;
  if ((rc = get_obj(&worst, p, at, "worst", 0, 0, err)) != FC_OK ||
      (rc = get_obj(&hist, p, at, "histogram", 0, 0, err)) != FC_OK)
    return rc;
  for (int l = 0; l < FC_NLEVELS; l++) {
    const char *ln = level_names[l];
    char wp[256], hp[256];
    pfmt(wp, sizeof wp, "%s.worst", at);
    pfmt(hp, sizeof hp, "%s.histogram", at);
    json_t *w = NULL, *h = NULL;
    json_int_t total = -1;
    if (worst != NULL && (rc = get_obj(&w, worst, wp, ln, 1, 1, err)) != FC_OK)
      return rc;
    if (hist != NULL) {
      if ((rc = field(&h, hist, hp, ln, 1, err)) != FC_OK ||
          (rc = check_hist(&total, h, join(path, sizeof path, hp, ln), err)) !=
              FC_OK)
        return rc;
      if (total > cases)
        return fail(err, FC_EPARSE, path, "%lld ratios, more than the %lld "
                    "cases", (long long)total, (long long)cases);
    }
    if (w == NULL)
      continue;
    char lp[256];
    join(lp, sizeof lp, wp, ln);
    json_int_t ci = 0;
    if (cases == 0)
      return fail(err, FC_EPARSE, lp, "a worst ratio, but no case ran");
    if ((rc = get_measure(w, lp, "ratio", 1, 0, err)) != FC_OK ||
        (rc = get_measure(w, lp, "err", 0, 0, err)) != FC_OK ||
        (rc = get_measure(w, lp, "bound", 0, 0, err)) != FC_OK ||
        (rc = get_measure(w, lp, "ulps", 0, 0, err)) != FC_OK ||
        (rc = get_int(&ci, w, lp, "case", 0, -1,
                      seen >= 0 ? seen - 1 : FC_CASES_MAX, "case index",
                      err)) != FC_OK)
      return rc;
  }
  /* The levels are a closed set: an unknown key is a corruption (a
   * misspelt level would be silently dropped). */
  json_t *sets[2] = {worst, hist};
  for (int t = 0; t < 2; t++) {
    const char *k;
    json_t *u;
    json_object_foreach(sets[t], k, u) {
      int known = 0;
      for (int l = 0; level_names[l] != NULL; l++)
        known |= strcmp(k, level_names[l]) == 0;
      if (!known)
        return fail(err, FC_EPARSE, join(path, sizeof path, at,
                                         t ? "histogram" : "worst"),
                    "'%.40s' is not a level (statement, conformance, "
                    "accuracy)", k);
    }
  }
  if ((rc = check_plot(p, at, err)) != FC_OK)
    return rc;
  if ((rc = field(&v, p, at, "counterexample", 0, err)) != FC_OK ||
      (v != NULL && (rc = get_obj(&cx, p, at, "counterexample", 0, 1, err)) !=
                        FC_OK))
    return rc;
  if (v != NULL) {
    /* Met expectation <=> counterexample for a negative control; the
     * opposite for a property that must hold ("error": either). */
    int want_cx = expect == FC_EXPECT_DETECT ? status == FC_STATUS_PASS
                                             : status == FC_STATUS_FAIL;
    if (status != FC_STATUS_ERROR && (cx != NULL) != want_cx)
      return fail(err, FC_EPARSE, join(path, sizeof path, at,
                                       "counterexample"),
                  "%s, but a %s with status %s has %s",
                  cx != NULL ? "present" : "null",
                  expect == FC_EXPECT_DETECT ? "negative control"
                                             : "property that must hold",
                  status_names[status], want_cx ? "one" : "none");
    if (cx != NULL && (rc = check_cex(cx, at, id, prop, ri, seen, err)) !=
                          FC_OK)
      return rc;
  }
  pc->status = status;
  return FC_OK;
}

/* ---------------------------------------------------------------- root */

static int check_summary(json_t *root, const prop_counts *pc, size_t n,
                         const run_info *ri, fc_error *err)
{
  json_t *s;
  int rc = get_obj(&s, root, "", "summary", 0, 0, err);
  if (rc != FC_OK || s == NULL)
    return rc;
  /* total, passed, failed, errors, oracle_faults, not_provided */
  json_int_t want[6] = {(json_int_t)n, 0, 0, 0, 0, 0};
  int faults_known = 1;
  for (size_t i = 0; i < n; i++) {
    want[pc[i].status == FC_STATUS_NOT_PROVIDED ? 5 : 1 + pc[i].status]++;
    if (pc[i].oracle_faults < 0)
      faults_known = 0;
    else
      want[4] += pc[i].oracle_faults;
  }
  static const char *const keys[] = {"total", "passed", "failed", "errors",
                                     "oracle_faults"};
  for (int k = 0; k < 5; k++) {
    json_int_t x = 0;
    char p[256];
    if ((rc = get_int(&x, s, "summary", keys[k], 1, 0, INT64_MAX, "count",
                      err)) != FC_OK)
      return rc;
    if (x != want[k] && (k < 4 || faults_known))
      return fail(err, FC_EPARSE, join(p, sizeof p, "summary", keys[k]),
                  "%lld, but the properties give %lld", (long long)x,
                  (long long)want[k]);
  }
  /* Not provided (optional, 0: reports before it could happen). */
  json_int_t np = 0;
  if ((rc = get_int(&np, s, "summary", "not_provided", 0, 0, INT64_MAX,
                    "count", err)) != FC_OK)
    return rc;
  if (np != want[5])
    return fail(err, FC_EPARSE, "summary.not_provided", "%lld, but the "
                "properties give %lld", (long long)np, (long long)want[5]);
  /* Properties not run: only after --maxfail N properties fell short. */
  json_int_t not_run = 0;
  if ((rc = get_int(&not_run, s, "summary", "not_run", 0, 0, INT64_MAX,
                    "count", err)) != FC_OK)
    return rc;
  if (not_run > 0 && ri->maxfail >= 0 &&
      (ri->maxfail == 0 || want[2] + want[3] < ri->maxfail))
    return fail(err, FC_EPARSE, "summary.not_run", "%lld, but config.maxfail "
                "%lld was not reached (%lld properties fell short)",
                (long long)not_run, (long long)ri->maxfail,
                (long long)(want[2] + want[3]));
  return FC_OK;
}

static int check_root(json_t *root, fc_error *err)
{
  run_info ri;
  const char *version = NULL;
  json_t *props;
  double d;
  int rc;
  if (!json_is_object(root))
    return fc_error_set(err, FC_EPARSE, "not a foldcheck JSON report (not "
                        "a JSON object)");
  memset(&ri, 0, sizeof ri);
  if ((rc = check_version(&version, root, err)) != FC_OK ||
      (rc = check_seed(&ri.seed, root, err)) != FC_OK ||
      (rc = get_int(&ri.prec, root, "", "precision", 1, FC_PREC_MIN,
                    FC_PREC_MAX, "precision (bits)", err)) != FC_OK ||
      (rc = get_int(&ri.slack, root, "", "slack_bits", 1, 0, ri.prec / 2,
                    "slack (bits)", err)) != FC_OK ||
      (rc = get_str(NULL, root, "", "kernels", 1, 0, 1023, err)) !=
          FC_OK ||
      (rc = check_shard(root, err)) != FC_OK ||
      (rc = get_bool(root, "", "interrupted", 0, err)) != FC_OK ||
      (rc = get_finite(&d, root, "", "seconds", 0, 0, HUGE_VAL, err)) !=
          FC_OK ||
      (rc = check_config(&ri, root, err)) != FC_OK ||
      (rc = check_env(root, version, err)) != FC_OK)
    return rc;
  if (json_string_length(json_object_get(root, "kernels")) == 0)
    return fail(err, FC_EPARSE, "kernels", "empty");
  json_t *prof = json_object_get(root, "profile");
  int k = 0;
  if (prof != NULL && !json_is_null(prof) &&
      (rc = get_enum(&k, root, "", "profile", 0, profile_names,
                     "null or a profile (default, ci, nightly)", err)) !=
          FC_OK)
    return rc;
  if ((rc = field(&props, root, "", "properties", 1, err)) != FC_OK)
    return rc;
  if (!json_is_array(props))
    return wrong(err, "properties", "an array", props);
  size_t n = json_array_size(props);
  prop_counts *pc = calloc(n ? n : 1, sizeof *pc);
  if (pc == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  for (size_t i = 0; i < n && rc == FC_OK; i++) {
    json_t *p = json_array_get(props, i);
    rc = check_prop(&pc[i], p, i, &ri, err);
    /* Each property once: a second record would be counted twice. */
    const char *id = json_string_value(json_object_get(p, "id"));
    for (size_t j = 0; j < i && rc == FC_OK; j++)
      if (strcmp(json_string_value(json_object_get(
                     json_array_get(props, j), "id")),
                 id) == 0) {
        char path[256];
        pfmt(path, sizeof path, "properties[%zu].id", i);
        rc = fail(err, FC_EPARSE, path, "'%s' is listed twice (also "
                  "properties[%zu])", id, j);
      }
  }
  if (rc == FC_OK)
    rc = check_summary(root, pc, n, &ri, err);
  free(pc);
  return rc;
}

/* See foldcheck.h. */
int fc_report_check_json(struct json_t **doc, const char *text, fc_error *err)
{
  if (doc != NULL)
    *doc = NULL;
  if (text == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_report_check_json: NULL text");
  json_error_t je;
  /* A key given twice is corrupt too: which one would count? */
  json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL)
    return fc_error_set(err, FC_EPARSE, "not valid JSON: %s (line %d)",
                        je.text, je.line);
  int rc = check_root(root, err);
  if (rc != FC_OK || doc == NULL)
    json_decref(root);
  else
    *doc = root;
  /* Messages quote keys and values of the report: no control character
   * of theirs reaches a terminal. */
  if (rc != FC_OK && err != NULL)
    for (char *q = err->msg; *q; q++)
      if ((unsigned char)*q < 0x20 || *q == 0x7f)
        *q = '?';
  return rc;
}

/* t-reports.c -- the report writers on hand-made result records.
 *
 * Builds one report by hand (no property runs): a passing holds property,
 * a detected negative control with a counterexample full of awkward values,
 * a failed holds property, a negative control that found nothing, a
 * property that could not run (XML-special, quote, control and non-UTF-8
 * bytes in its message; an extension with no Lean anchor) and a failed
 * property with non-finite worst errors.  Writes every format and checks
 * what comes back.
 *
 *   t-reports                      the TAP test
 *   t-reports --write FORMAT FILE  write the report in FORMAT to FILE and
 *                                  exit (used by reports-validate.sh):
 *                                  0 written, 1 write failed, 2 bad usage
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fctest.h"
#include "reports_internal.h"

/* Replay tokens are opaque text to the writers. */
#define TOKEN_NEG "fc1-eyJwcm9wIjoiY29tbXV0YW50MmQubmVnX3N3YXAifQ"
#define TOKEN_FAIL "fc1-eyJwcm9wIjoiZm9sZC5zaW5nbGUifQ"
/* Above 2^53: a JSON number could not hold it. */
#define SEED UINT64_C(18446744073709551557)
#define SEED_STR "18446744073709551557"
#define ERROR_MSG                                                           \
  "oracle failed: <mpfr_exp> & \"overflow\" at 'x'\x01\tnext\nsecond "      \
  "line \xff"                                                               \
  " end"
/* ERROR_MSG as JSON gives it back: the stray 0xFF byte becomes U+FFFD. */
#define ERROR_MSG_UTF8                                                      \
  "oracle failed: <mpfr_exp> & \"overflow\" at 'x'\x01\tnext\nsecond "      \
  "line \xEF\xBF\xBD end"

enum { NPROPS = 6, NPASS = 2, NFAIL = 3, NERROR = 1 };

static const char *const anchors_span[] = {"RoPE.commutant_2d_eq_span",
                                           "RoPE.commutant_2d_dim", NULL};
static const char *const anchors_neg[] = {"RoPE.commutant_2d_eq_span", NULL};
static const char *const anchors_fold[] = {
    "Attention.fold_single_head_scores", "Attention.fold_single_head_softmax",
    "Attention.fold_single_head_output", "Attention.fold_single_head", NULL};
static const char *const anchors_none[] = {NULL};

static void describe_fold(FILE *out, const fc_case *c) {
  fprintf(out, "    describe: d = %ld\n", fc_case_dim(c, "d", -1));
}

static const fc_property props[NPROPS] = {
    {.id = "commutant2d.span",
     .title = "The commutant of a 2D rotation is span{I, J}",
     .anchors = anchors_span, .lean_file = "Symmetry.lean",
     .expect = FC_EXPECT_HOLDS},
    {.id = "commutant2d.neg_swap",
     .title = "Negative control: a swap does not commute",
     .anchors = anchors_neg, .lean_file = "Symmetry.lean",
     .expect = FC_EXPECT_DETECT},
    {.id = "fold.single", .title = "Folding a rotation into W_q and W_k",
     .anchors = anchors_fold, .lean_file = "Symmetry.lean",
     .expect = FC_EXPECT_HOLDS, .describe = describe_fold},
    {.id = "schur.neg_ctrl",
     .title = "Negative control: equal frequencies couple",
     .anchors = anchors_neg, .lean_file = "Symmetry.lean",
     .expect = FC_EXPECT_DETECT},
    {.id = "quant.sign_floor",
     .title = "Sign quantisation floor (reconstructed)",
     .anchors = anchors_none, .lean_file = "JensenFloor.lean",
     .expect = FC_EXPECT_HOLDS,
     .extension = "reconstructed statement, no Lean declaration"},
    {.id = "attention.overflow", .title = "Softmax of huge scores",
     .anchors = anchors_span, .lean_file = "MoEGauge.lean",
     .expect = FC_EXPECT_HOLDS},
};

/* The awkward real matrix of the negative control's counterexample. */
static double awkward[6];
static void init_awkward(void) {
  awkward[0] = -0.0;
  awkward[1] = 1e-310;                  /* subnormal */
  awkward[2] = 1e300;
  awkward[3] = 0.1;                     /* needs 17 digits */
  awkward[4] = -1.0 / 3.0;
  awkward[5] = 0x1.fffffffffffffp+1023; /* DBL_MAX */
}

static void set_worst(fc_worst *w, double ratio, double err, double bound,
                      double ulps, long index) {
  w->present = 1;
  w->ratio = ratio;
  w->err = err;
  w->bound = bound;
  w->ulps = ulps;
  w->case_index = index;
}

/* A counterexample failing at `level`; NULL when out of memory. */
static fc_counterexample *make_cex(long index, int level, double err,
                                   double bound, const char *token) {
  fc_counterexample *x = calloc(1, sizeof *x);
  size_t k;
  if (x == NULL)
    return NULL;
  x->values = fc_case_new();
  x->nchoices = 9;
  x->orig_nchoices = 412;
  x->choices = calloc(x->nchoices, sizeof *x->choices);
  x->token = token != NULL ? strdup(token) : NULL;
  if (x->values == NULL || x->choices == NULL ||
      (token != NULL && x->token == NULL)) {
    fc_case_free(x->values);
    free(x->choices);
    free(x->token);
    free(x);
    return NULL;
  }
  for (k = 0; k < x->nchoices; k++)
    x->choices[k] = k;
  x->case_index = index;
  x->level = level;
  x->check.level[level].present = 1;
  x->check.level[level].err = err;
  x->check.level[level].bound = bound;
  x->check.level[level].ratio = err / bound;
  x->check.level[level].ulps = level == FC_LEVEL_ACCURACY ? 12.5 : 0;
  x->orig_check.level[level] = x->check.level[level];
  x->orig_check.level[level].ratio *= 1e3;
  x->shrink_steps = 120;
  x->shrink_accepted = 14;
  x->shrink_seconds = 0.53;
  return x;
}

/* Fill rep with the six results; FC_OK or FC_ENOMEM (rep then cleared). */
static int build_report(fc_report *rep) {
  fc_prop_result *r;
  double *q, *v;
  long *pl;
  size_t i;
  memset(rep, 0, sizeof *rep);
  init_awkward();
  rep->cfg.seed = SEED;
  rep->cfg.cases = 200;
  rep->cfg.time_budget = 30;
  rep->cfg.threads = 2;
  rep->cfg.prec = 256;
  rep->cfg.slack_bits = 8;
  rep->cfg.shrink_steps = 2000;
  rep->cfg.shrink_seconds = 10;
  rep->cfg.shrink_margin = 1;
  rep->cfg.detect_factor = 1e6;
  rep->cfg.max_choices = 1 << 16;
  rep->cfg.profile = "ci";
  snprintf(rep->kernels, sizeof rep->kernels, "reference");
  snprintf(rep->env.foldcheck, sizeof rep->env.foldcheck, "%s", fc_version());
  snprintf(rep->env.mpfr, sizeof rep->env.mpfr, "4.2.1");
  snprintf(rep->env.gmp, sizeof rep->env.gmp, "6.3.0");
  snprintf(rep->env.openblas, sizeof rep->env.openblas, "0.3.21");
  snprintf(rep->env.openblas_config, sizeof rep->env.openblas_config,
           "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64");
  snprintf(rep->env.compiler, sizeof rep->env.compiler, "gcc 12.2.0");
  snprintf(rep->env.cpu, sizeof rep->env.cpu,
           "Xeon(R) <test> & \"quoted\" 'cpu'");
  rep->env.threads = 2;
  rep->seconds = 3.25;
  rep->results = calloc(NPROPS, sizeof *rep->results);
  if (rep->results == NULL)
    return FC_ENOMEM;
  rep->n = NPROPS;
  for (i = 0; i < NPROPS; i++) {
    rep->results[i].prop = &props[i];
    rep->results[i].cases = 200;
    rep->results[i].seconds = 0.25 * (double)(i + 1);
  }

  /* 0: a passing holds property. */
  r = &rep->results[0];
  r->status = FC_STATUS_PASS;
  set_worst(&r->worst[0], 3.1e-3, 2.5e-75, 8.0e-73, 0, 17);
  set_worst(&r->worst[1], 0.25, 1.1e-16, 4.4e-16, 0, 3);
  set_worst(&r->worst[2], 0.125, 5.5e-17, 4.4e-16, 0.5, 150);

  /* 1: a detected negative control with awkward values. */
  r = &rep->results[1];
  r->status = FC_STATUS_PASS;
  r->failures = 5;
  r->cases = 37;
  set_worst(&r->worst[0], 1.16e74, 1e-3, 8.6e-78, 0, 36);
  r->cex = make_cex(36, FC_LEVEL_STATEMENT, 1e-3, 8.6e-78, TOKEN_NEG);
  if (r->cex == NULL)
    goto oom;
  q = fc_case_add_reals(r->cex->values, "Q", 2, 3);
  if (q == NULL || fc_case_add_dim(r->cex->values, "d", 2) != FC_OK)
    goto oom;
  memcpy(q, awkward, sizeof awkward);
  pl = fc_case_add_ints(r->cex->values, "planes", 1, 2);
  if (pl == NULL)
    goto oom;
  pl[0] = 0;
  pl[1] = -7;
  snprintf(r->cex->check.note, sizeof r->cex->check.note, "gap = 3.1e-05");

  /* 2: a failed holds property (accuracy), with describe and non-finite
   * case values. */
  r = &rep->results[2];
  r->status = FC_STATUS_FAIL;
  r->failures = 2;
  r->cases = 57;
  set_worst(&r->worst[0], 1e-3, 1e-80, 1e-77, 0, 1);
  set_worst(&r->worst[2], 4.5, 2e-15, 4.4e-16, 20, 56);
  r->cex = make_cex(56, FC_LEVEL_ACCURACY, 2e-15, 4.4e-16, TOKEN_FAIL);
  if (r->cex == NULL)
    goto oom;
  if (fc_case_add_dim(r->cex->values, "d", 2) != FC_OK ||
      fc_case_add_dim(r->cex->values, "T", 3) != FC_OK)
    goto oom;
  v = fc_case_add_reals(r->cex->values, "v", 3, 1);
  if (v == NULL)
    goto oom;
  v[0] = INFINITY;
  v[1] = -INFINITY;
  v[2] = NAN;
  snprintf(r->message, sizeof r->message,
           "counterexample at level accuracy, ratio 4.5");

  /* 3: a negative control that found nothing. */
  r = &rep->results[3];
  r->status = FC_STATUS_FAIL;
  r->stopped_by_time = 1;
  set_worst(&r->worst[0], 0.5, 1e-80, 2e-80, 0, 4);
  snprintf(r->message, sizeof r->message,
           "no counterexample found in 200 cases");

  /* 4: could not run; extension without anchors. */
  r = &rep->results[4];
  r->status = FC_STATUS_ERROR;
  r->cases = 0;
  r->discarded = 3;
  r->oracle_faults = 2;
  snprintf(r->message, sizeof r->message, "%s", ERROR_MSG);

  /* 5: a failed property with non-finite worst errors. */
  r = &rep->results[5];
  r->status = FC_STATUS_FAIL;
  r->db_replayed = 1;
  set_worst(&r->worst[1], INFINITY, INFINITY, 1e-16, 0, 9);
  set_worst(&r->worst[2], NAN, NAN, 1e-16, NAN, 9);
  snprintf(r->message, sizeof r->message,
           "kernel produced a non-finite output");
  return FC_OK;
oom:
  fc_report_clear(rep);
  return FC_ENOMEM;
}

/* Write rep as f into a temporary file and read it back (NUL-terminated;
 * caller frees).  *rc gets the writer's code; NULL if the file failed. */
/* Options for text written by write_to_string (NULL: defaults). */
static const fc_write_opts *text_opts;

static char *write_to_string(const fc_report *rep, fc_format f, int *rc,
                             size_t *len) {
  FILE *t = tmpfile();
  char *buf = NULL;
  long n;
  *rc = FC_EIO;
  *len = 0;
  if (t == NULL)
    return NULL;
  *rc = fc_report_write_ex(t, rep, f, text_opts);
  n = ftell(t);
  if (n >= 0 && fseek(t, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)n + 1);
    if (buf != NULL) {
      *len = fread(buf, 1, (size_t)n, t);
      buf[*len] = '\0';
    }
  }
  fclose(t);
  return buf;
}

static size_t count_str(const char *s, const char *needle) {
  size_t n = 0, l = strlen(needle);
  while ((s = strstr(s, needle)) != NULL) {
    n++;
    s += l;
  }
  return n;
}

/* Lines of s beginning with prefix. */
static size_t count_lines(const char *s, const char *prefix) {
  size_t n = 0, l = strlen(prefix);
  while (*s) {
    if (strncmp(s, prefix, l) == 0)
      n++;
    s = strchr(s, '\n');
    if (s == NULL)
      break;
    s++;
  }
  return n;
}

static int same_bits(double a, double b) {
  if (isnan(a) && isnan(b))
    return 1;
  return memcmp(&a, &b, sizeof a) == 0;
}

static int has_str(json_t *o, const char *key, const char *want) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

static int has_int(json_t *o, const char *key, json_int_t want) {
  json_t *v = json_object_get(o, key);
  return json_is_integer(v) && json_integer_value(v) == want;
}

static void test_parse(void) {
  static const char *const names[] = {"text",  "json",     "tap",
                                      "junit", "markdown", "html"};
  fc_format f;
  int i;
  for (i = 0; i < 6; i++) {
    f = (fc_format)99;
    fct_ok(fc_format_parse(&f, names[i]) == FC_OK && (int)f == i,
           "fc_format_parse(\"%s\")", names[i]);
  }
  f = FC_FORMAT_TAP;
  fct_ok(fc_format_parse(&f, "xml") == FC_EINVAL && f == FC_FORMAT_TAP,
         "unknown format name: FC_EINVAL, output untouched");
  fct_ok(fc_format_parse(&f, "JSON") == FC_EINVAL, "names are lower case");
  fct_ok(fc_format_parse(NULL, "text") == FC_EINVAL &&
             fc_format_parse(&f, NULL) == FC_EINVAL,
         "fc_format_parse: NULL arguments");
}

static void test_bad_args(fc_report *rep) {
  FILE *t = tmpfile();
  json_t *j = (json_t *)1;
  const fc_property *keep;
  if (!fct_ok(t != NULL, "tmpfile"))
    return;
  fct_ok(fc_report_write(NULL, rep, FC_FORMAT_TEXT) == FC_EINVAL,
         "fc_report_write: NULL stream");
  fct_ok(fc_report_write(t, NULL, FC_FORMAT_TEXT) == FC_EINVAL,
         "fc_report_write: NULL report");
  fct_ok(fc_report_write(t, rep, (fc_format)42) == FC_EINVAL,
         "fc_report_write: unknown format");
  keep = rep->results[2].prop;
  rep->results[2].prop = NULL;
  fct_ok(fc_report_write(t, rep, FC_FORMAT_JSON) == FC_EINVAL,
         "fc_report_write: result without a property");
  rep->results[2].prop = keep;
  rep->results[2].status = (fc_status)7;
  fct_ok(fc_report_write(t, rep, FC_FORMAT_TAP) == FC_EINVAL,
         "fc_report_write: status out of range");
  rep->results[2].status = FC_STATUS_FAIL;
  fct_ok(fc_report_to_json(&j, NULL) == FC_EINVAL && j == NULL,
         "fc_report_to_json: NULL report, *out = NULL");
  fct_ok(fc_report_to_json(NULL, rep) == FC_EINVAL,
         "fc_report_to_json: NULL output");
  fct_ok(ftell(t) == 0, "nothing written on bad arguments");
  fclose(t);
}

static void test_eio(const fc_report *rep) {
  int f;
  FILE *full = fopen("/dev/full", "w");
  if (full == NULL) {
    fct_ok(1, "# SKIP /dev/full is not available");
    return;
  }
  fclose(full);
  for (f = FC_FORMAT_TEXT; f <= FC_FORMAT_HTML; f++) {
    int rc;
    full = fopen("/dev/full", "w");
    if (full == NULL)
      continue;
    rc = fc_report_write(full, rep, (fc_format)f);
    fct_ok(rc == FC_EIO, "format %d on /dev/full: FC_EIO (got %d)", f, rc);
    fclose(full);
  }
}

/* The default text table fits 120 columns for every property this
 * foldcheck has, with the widest values a run can put in it (8-digit case
 * counts, ratios of any exponent, NaN, a 999 s property, the run's notes). */
static void test_text_width(void) {
  const fc_property **props = NULL;
  size_t n = 0;
  fc_run_config cfg;
  fc_report rep;
  int rc;
  size_t len;
  memset(&rep, 0, sizeof rep);
  fc_run_config_profile(&cfg, "ci");
  if (!fct_ok(fc_select_properties(&props, &n, &cfg, NULL, NULL) == FC_OK &&
                  n > 0,
              "width: the registry's properties"))
    return;
  rep.cfg = cfg;
  snprintf(rep.kernels, sizeof rep.kernels, "reference");
  rep.results = calloc(n, sizeof *rep.results);
  if (!fct_ok(rep.results != NULL, "width: allocate")) {
    free(props);
    return;
  }
  rep.n = n;
  for (size_t i = 0; i < n; i++) {
    fc_prop_result *r = &rep.results[i];
    r->prop = props[i];
    r->status = i % 3 == 0 ? FC_STATUS_PASS
                           : (i % 3 == 1 ? FC_STATUS_FAIL : FC_STATUS_ERROR);
    r->cases = 100000000; /* --cases' largest */
    r->seconds = 999.99;
    for (int l = 0; l < FC_NLEVELS; l++) {
      r->worst[l].present = 1;
      r->worst[l].ratio = l == 1 ? NAN : -1.25e-300;
    }
    if (i % 2) { /* every run note at once */
      r->discarded = 99999999;
      r->oracle_faults = 99999999;
      r->db_replayed = 99999999;
      r->stopped_by_time = 1;
    }
  }
  free(props);
  char *s = write_to_string(&rep, FC_FORMAT_TEXT, &rc, &len);
  size_t widest = 0, rows = 0;
  int in_table = 0;
  for (char *line = s; line != NULL && *line != '\0';) {
    char *nl = strchr(line, '\n');
    size_t w = nl ? (size_t)(nl - line) : strlen(line);
    if (strncmp(line, "property ", 9) == 0)
      in_table = 1;
    else if (w == 0)
      in_table = 0;
    if (in_table) {
      rows++;
      if (w > widest)
        widest = w;
    }
    line = nl ? nl + 1 : NULL;
  }
  fct_ok(rc == FC_OK && rows > n && widest <= 120,
         "text: the table fits 120 columns (%zu properties, %zu lines, "
         "widest %zu)", n, rows, widest);
  free(s);
  fc_report_clear(&rep);
}

static void test_text(const fc_report *rep) {
  int rc;
  size_t len;
  /* Default text: the verdict on line 2, a detected negative control's
   * counterexample (expected) in one line. */
  char *s = write_to_string(rep, FC_FORMAT_TEXT, &rc, &len);
  if (!fct_ok(rc == FC_OK && s != NULL, "text: written (%d)", rc)) {
    free(s);
    return;
  }
  const char *l2 = strchr(s, '\n');
  fct_ok(l2 != NULL && strncmp(l2 + 1, "6 properties: 2 passed", 22) == 0,
         "text: the summary leads (line 2)");
  fct_ok(strstr(s, "negative controls detected (expected") != NULL &&
             strstr(s, ": detected at statement (ratio") != NULL &&
             strstr(s, "detected at level statement: residual") == NULL,
         "text: a detected negative control in one line by default");
  fct_ok(strstr(s, "failed at level accuracy") != NULL,
         "text: a property that fell short in full by default");
  free(s);
  /* Verbose: every counterexample in full. */
  static const fc_write_opts verbose = {1, NULL};
  text_opts = &verbose;
  s = write_to_string(rep, FC_FORMAT_TEXT, &rc, &len);
  text_opts = NULL;
  if (!fct_ok(rc == FC_OK && s != NULL, "text --verbose: written (%d)", rc)) {
    free(s);
    return;
  }
  fct_ok(strncmp(s, "foldcheck ", 10) == 0 &&
             strstr(s, "seed " SEED_STR) != NULL &&
             strstr(s, "precision 256 bits") != NULL &&
             strstr(s, "kernels reference") != NULL &&
             strstr(s, "threads 2") != NULL,
         "text: header with version, seed, precision, kernels, threads");
  fct_ok(strstr(s, "foldcheck replay " TOKEN_NEG "\n") != NULL &&
             strstr(s, "foldcheck replay " TOKEN_FAIL "\n") != NULL,
         "text: replay commands");
  fct_ok(strstr(s, "RoPE.commutant_2d_eq_span, RoPE.commutant_2d_dim") != NULL,
         "text: anchors comma-joined");
  fct_ok(strstr(s, "Attention.fold_single_head_scores, +3 more") != NULL &&
             strstr(s, "Attention.fold_single_head_output") != NULL,
         "text: a long anchor list is shortened in the table, full in notes");
  fct_ok(strstr(s, "6 properties: 2 passed, 3 failed, 1 errors "
                   "(2 oracle faults)") != NULL,
         "text: summary line");
  fct_ok(strstr(s, "quant.sign_floor: extension") != NULL &&
             strstr(s, "quant.sign_floor: no Lean anchor") != NULL,
         "text: extension and missing anchors noted");
  fct_ok(strstr(s, "0x1.999999999999ap-4") != NULL &&
             strstr(s, "-0x0p+0") != NULL,
         "text: the shrunk case in hex floats");
  fct_ok(strstr(s, "describe: d = 2") != NULL,
         "text: the property's describe callback ran");
  fct_ok(strstr(s, "detected at level statement: residual 1.000000e-03 vs "
                   "bound 8.600000e-78") != NULL &&
             strstr(s, "failed at level accuracy") != NULL,
         "text: the failing level with residual and bound");
  fct_ok(strstr(s, "120 candidates, 14 accepted") != NULL &&
             strstr(s, "412 -> 9") != NULL,
         "text: shrink statistics");
  fct_ok(strstr(s, "inf") != NULL && strstr(s, "nan") != NULL,
         "text: non-finite worst ratios printed");
  fct_ok(strstr(s, "no counterexample found in 200 cases") != NULL,
         "text: messages of failures without counterexample");
  fct_ok(strstr(s, "&amp;") == NULL && strchr(s, '\x01') == NULL &&
             strstr(s, "'x'\\x01\\x09next\\x0asecond line") != NULL,
         "text: messages unescaped, control characters shown as \\xNN");
  free(s);
}

/* The counterexample of the detected negative control. */
static void check_json_cex(json_t *cx) {
  json_t *vals, *q, *arr, *shape, *pl;
  size_t k;
  int bits_ok = 1;
  fct_ok(has_str(cx, "replay", TOKEN_NEG) && has_int(cx, "case_index", 36) &&
             has_str(cx, "level", "statement"),
         "json: counterexample replay, case_index, level");
  fct_ok(json_is_real(json_object_get(cx, "ratio")) &&
             json_real_value(json_object_get(cx, "ratio")) == 1e-3 / 8.6e-78,
         "json: counterexample ratio exact");
  fct_ok(has_int(json_object_get(cx, "shrink"), "steps", 120) &&
             has_int(json_object_get(cx, "shrink"), "accepted", 14) &&
             has_int(json_object_get(cx, "shrink"), "choices_before", 412) &&
             has_int(json_object_get(cx, "shrink"), "choices_after", 9) &&
             json_is_real(
                 json_object_get(json_object_get(cx, "shrink"), "seconds")),
         "json: shrink statistics");
  fct_ok(has_int(json_object_get(cx, "size"), "d", 2) &&
             json_object_size(json_object_get(cx, "size")) == 1,
         "json: size holds exactly the dimension fields");
  vals = json_object_get(cx, "values");
  q = json_object_get(vals, "Q");
  shape = json_object_get(q, "shape");
  arr = json_object_get(q, "values");
  fct_ok(has_str(q, "type", "real") && json_array_size(shape) == 2 &&
             json_integer_value(json_array_get(shape, 0)) == 2 &&
             json_integer_value(json_array_get(shape, 1)) == 3 &&
             json_array_size(arr) == 6,
         "json: Q is a 2 x 3 real field");
  for (k = 0; k < 6; k++) {
    json_t *e = json_array_get(arr, k);
    char *end;
    double x;
    if (!json_is_string(e)) {
      bits_ok = 0;
      break;
    }
    x = strtod(json_string_value(e), &end);
    if (*end != '\0' || !same_bits(x, awkward[k])) {
      fct_diag("Q[%zu] = %s, want %a", k, json_string_value(e), awkward[k]);
      bits_ok = 0;
    }
  }
  fct_ok(bits_ok, "json: hex floats read back to the same bits "
                  "(-0, subnormal, 1e300, 0.1, -1/3, DBL_MAX)");
  pl = json_object_get(vals, "planes");
  fct_ok(has_str(pl, "type", "int") &&
             json_integer_value(json_array_get(
                 json_object_get(pl, "values"), 1)) == -7 &&
             has_str(json_object_get(vals, "d"), "type", "int"),
         "json: int fields as numbers, dims among the values");
}

/* Property ids by index. */
static const char *props_id(size_t i) {
  return i < NPROPS ? props[i].id : "";
}

static void check_json_props(json_t *parr) {
  json_t *p, *w, *anchors, *cx;
  static const char *const keys[] = {
      "id", "title", "anchors", "lean_file", "expect", "extension",
      "status", "cases", "discarded", "failures", "db_replayed",
      "oracle_faults", "recomputed", "stopped_by_time", "seconds", "message", "worst",
      "counterexample", NULL};
  static const char *const status[NPROPS] = {"pass", "pass", "fail",
                                             "fail", "error", "fail"};
  size_t i, k;
  int all_keys = 1, all_status = 1;
  for (i = 0; i < json_array_size(parr); i++) {
    p = json_array_get(parr, i);
    for (k = 0; keys[k] != NULL; k++)
      if (json_object_get(p, keys[k]) == NULL) {
        fct_diag("property %zu has no key %s", i, keys[k]);
        all_keys = 0;
      }
    if (!has_str(p, "status", status[i]) || !has_str(p, "id", props_id(i)))
      all_status = 0;
  }
  fct_ok(all_keys, "json: every property has every key");
  fct_ok(all_status, "json: ids and statuses in order");

  p = json_array_get(parr, 0);
  anchors = json_object_get(p, "anchors");
  w = json_object_get(p, "worst");
  fct_ok(json_array_size(anchors) == 2 &&
             strcmp(json_string_value(json_array_get(anchors, 0)),
                    "RoPE.commutant_2d_eq_span") == 0 &&
             has_str(p, "expect", "holds") && has_str(p, "lean_file",
                                                      "Symmetry.lean") &&
             json_is_null(json_object_get(p, "extension")) &&
             json_is_null(json_object_get(p, "counterexample")) &&
             has_int(p, "cases", 200),
         "json: passing property fields");
  fct_ok(has_int(json_object_get(w, "accuracy"), "case", 150) &&
             json_real_value(
                 json_object_get(json_object_get(w, "accuracy"), "ratio")) ==
                 0.125 &&
             json_real_value(
                 json_object_get(json_object_get(w, "statement"), "bound")) ==
                 8.0e-73,
         "json: worst per level with exact doubles");

  p = json_array_get(parr, 1);
  cx = json_object_get(p, "counterexample");
  fct_ok(has_str(p, "expect", "detect") && json_is_object(cx) &&
             json_is_null(json_object_get(json_object_get(p, "worst"),
                                          "accuracy")),
         "json: negative control with counterexample, absent level null");
  if (json_is_object(cx))
    check_json_cex(cx);

  p = json_array_get(parr, 2);
  cx = json_object_get(p, "counterexample");
  {
    json_t *v = json_object_get(json_object_get(json_object_get(cx, "values"),
                                                "v"),
                                "values");
    char *end;
    double a = strtod(json_string_value(json_array_get(v, 0)), &end);
    double b = strtod(json_string_value(json_array_get(v, 1)), &end);
    double c = strtod(json_string_value(json_array_get(v, 2)), &end);
    fct_ok(has_str(cx, "replay", TOKEN_FAIL) &&
               has_str(cx, "level", "accuracy") && json_array_size(v) == 3 &&
               isinf(a) && a > 0 && isinf(b) && b < 0 && isnan(c) &&
               json_object_size(json_object_get(cx, "size")) == 2,
           "json: failed property: non-finite case values read back");
  }

  p = json_array_get(parr, 4);
  fct_ok(has_str(p, "message", ERROR_MSG_UTF8) &&
             has_str(p, "extension",
                     "reconstructed statement, no Lean declaration") &&
             json_array_size(json_object_get(p, "anchors")) == 0 &&
             has_int(p, "oracle_faults", 2),
         "json: error property: message (non-UTF-8 byte repaired), "
         "extension, no anchors");

  p = json_array_get(parr, 5);
  w = json_object_get(p, "worst");
  fct_ok(has_str(json_object_get(w, "conformance"), "err", "inf") &&
             has_str(json_object_get(w, "conformance"), "ratio", "inf") &&
             has_str(json_object_get(w, "accuracy"), "err", "nan") &&
             json_is_real(json_object_get(json_object_get(w, "accuracy"),
                                          "bound")),
         "json: non-finite worst values as strings");
}

static void test_json(const fc_report *rep) {
  int rc;
  size_t len;
  json_error_t jerr;
  json_t *root, *env, *sum, *direct = NULL;
  char *s = write_to_string(rep, FC_FORMAT_JSON, &rc, &len);
  static const char *const env_keys[] = {
      "foldcheck", "mpfr", "gmp", "openblas", "openblas_config", "compiler",
      "cpu", "threads", NULL};
  size_t k;
  int ok = 1;
  if (!fct_ok(rc == FC_OK && s != NULL, "json: written (%d)", rc)) {
    free(s);
    return;
  }
  root = json_loadb(s, len, 0, &jerr);
  if (!fct_ok(root != NULL && json_is_object(root), "json: parses (%s)",
              root ? "ok" : jerr.text)) {
    free(s);
    json_decref(root);
    return;
  }
  fct_ok(has_str(root, "version", fc_version()) &&
             has_str(root, "seed", SEED_STR) &&
             has_int(root, "precision", 256) &&
             has_int(root, "slack_bits", 8) && has_str(root, "profile", "ci") &&
             has_str(root, "kernels", "reference") &&
             json_real_value(json_object_get(root, "seconds")) == 3.25,
         "json: top-level version, seed (string), precision, slack, "
         "profile, kernels, seconds");
  env = json_object_get(root, "environment");
  for (k = 0; env_keys[k] != NULL; k++)
    if (json_object_get(env, env_keys[k]) == NULL)
      ok = 0;
  fct_ok(ok && has_str(env, "cpu", "Xeon(R) <test> & \"quoted\" 'cpu'") &&
             has_int(env, "threads", 2),
         "json: environment");
  sum = json_object_get(root, "summary");
  fct_ok(has_int(sum, "passed", NPASS) && has_int(sum, "failed", NFAIL) &&
             has_int(sum, "errors", NERROR) &&
             has_int(sum, "oracle_faults", 2),
         "json: summary");
  fct_ok(json_array_size(json_object_get(root, "properties")) == NPROPS,
         "json: %d properties", NPROPS);
  check_json_props(json_object_get(root, "properties"));

  fct_ok(fc_report_to_json(&direct, rep) == FC_OK &&
             json_equal(direct, root),
         "fc_report_to_json equals the written document");
  json_decref(direct);
  json_decref(root);
  free(s);
}

static void test_tap(const fc_report *rep) {
  int rc;
  size_t len, i;
  char *s = write_to_string(rep, FC_FORMAT_TAP, &rc, &len), line[32];
  int numbered = 1;
  if (!fct_ok(rc == FC_OK && s != NULL, "tap: written (%d)", rc)) {
    free(s);
    return;
  }
  fct_ok(strncmp(s, "TAP version 13\n1..6\n", 20) == 0,
         "tap: version line and plan");
  fct_ok(count_lines(s, "ok ") == NPASS &&
             count_lines(s, "not ok ") == NFAIL + NERROR,
         "tap: %d ok, %d not ok", NPASS, NFAIL + NERROR);
  for (i = 0; i < NPROPS; i++) {
    snprintf(line, sizeof line, "%s %zu - %s",
             rep->results[i].status == FC_STATUS_PASS ? "ok" : "not ok", i + 1,
             rep->results[i].prop->id);
    if (strstr(s, line) == NULL)
      numbered = 0;
  }
  fct_ok(numbered, "tap: tests numbered 1..6 in order");
  fct_ok(strstr(s, "ok 1 - commutant2d.span (holds, 200 cases)\n") != NULL &&
             strstr(s, "ok 2 - commutant2d.neg_swap (detect, 37 cases)\n") !=
                 NULL,
         "tap: test line format");
  fct_ok(count_lines(s, "  ---") == NPROPS &&
             count_lines(s, "  ...") == NPROPS,
         "tap: a YAML block per test");
  fct_ok(strstr(s, "    replay: \"" TOKEN_NEG "\"") != NULL &&
             strstr(s, "# replay: foldcheck replay " TOKEN_FAIL) != NULL,
         "tap: replay token in YAML and diagnostics");
  fct_ok(strstr(s, "\\x01") != NULL && strchr(s, '\x01') == NULL,
         "tap: control characters escaped in YAML");
  fct_ok(strstr(s, "# 6 properties: 2 passed, 3 failed, 1 errors") != NULL,
         "tap: summary diagnostic");
  fct_ok(count_lines(s, "  stopped_by_time: true") == 1,
         "tap: the one property the time budget stopped says so");
  free(s);
}

/* The Markdown summary says when the time budget cut a property's cases
 * (the report then depends on the machine's speed). */
static void test_summary(const fc_report *rep) {
  int rc;
  size_t len;
  char *s = write_to_string(rep, FC_FORMAT_SUMMARY, &rc, &len);
  fct_ok(rc == FC_OK && s != NULL &&
             strstr(s, ", 1 stopped by the time budget\n") != NULL,
         "summary: counts the properties stopped by the time budget");
  free(s);
}

static void test_junit(const fc_report *rep) {
  int rc;
  size_t len;
  char *s = write_to_string(rep, FC_FORMAT_JUNIT, &rc, &len);
  if (!fct_ok(rc == FC_OK && s != NULL, "junit: written (%d)", rc)) {
    free(s);
    return;
  }
  fct_ok(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0,
         "junit: XML declaration");
  fct_ok(strstr(s, "<testsuite name=\"foldcheck\" tests=\"6\" failures=\"3\" "
                   "errors=\"1\"") != NULL,
         "junit: testsuite counts");
  fct_ok(count_str(s, "<testcase ") == NPROPS &&
             count_str(s, "</testcase>") == NPROPS &&
             count_str(s, "<failure ") == NFAIL &&
             count_str(s, "<error ") == NERROR,
         "junit: testcases, failures, errors");
  fct_ok(strstr(s, "classname=\"foldcheck.commutant2d\" "
                   "name=\"commutant2d.span\"") != NULL,
         "junit: classname from the family");
  fct_ok(strstr(s, "foldcheck replay " TOKEN_NEG) != NULL &&
             strstr(s, "foldcheck replay " TOKEN_FAIL) != NULL,
         "junit: replay tokens");
  fct_ok(strstr(s, "RoPE.commutant_2d_eq_span") != NULL &&
             strstr(s, "Attention.fold_single_head_softmax") != NULL,
         "junit: anchors");
  fct_ok(strstr(s, "<property name=\"seed\" value=\"" SEED_STR "\"/>") !=
                 NULL &&
             strstr(s, "<property name=\"precision\" value=\"256\"/>") != NULL,
         "junit: run properties");
  fct_ok(strstr(s, "&lt;mpfr_exp&gt; &amp; &quot;overflow&quot; at "
                   "&apos;x&apos;&#xFFFD;&#9;next&#10;second line "
                   "&#xFFFD; end") != NULL,
         "junit: attribute escaping (specials, control, tab, newline, "
         "non-UTF-8)");
  fct_ok(memchr(s, '\x01', len) == NULL && memchr(s, '\xff', len) == NULL,
         "junit: no forbidden bytes");
  fct_ok(strstr(s, "Xeon(R) &lt;test&gt; &amp; &quot;quoted&quot;") != NULL,
         "junit: environment escaped");
  free(s);
}

/* Markdown and HTML come from reports/page.c: here only the dispatch. */
static void test_pages(const fc_report *rep) {
  int rc;
  size_t len = 0;
  char *s = write_to_string(rep, FC_FORMAT_MARKDOWN, &rc, &len);
  fct_ok(rc == FC_OK && s != NULL && len > 0 &&
             strstr(s, "commutant2d.span") != NULL,
         "markdown: dispatched and written (%d)", rc);
  if (s != NULL) {
    /* The verdict first, contents, the failures before the table, and no
     * inline SVG (GitHub and GitLab strip it). */
    const char *fell = strstr(s, "\n## Properties that fell short\n");
    const char *table = strstr(s, "\n## Properties\n");
    fct_ok(strstr(s, "# foldcheck conformance report\n\n> **FAIL**: 4 of 6 "
                     "properties did not meet their expectation") != NULL,
           "markdown: the verdict banner leads");
    fct_ok(strstr(s, "- [Properties that fell short]"
                     "(#properties-that-fell-short)\n") != NULL,
           "markdown: contents with links");
    fct_ok(fell != NULL && table != NULL && fell < table,
           "markdown: the properties that fell short come first");
    fct_ok(strstr(s, "<svg") == NULL, "markdown: no raw SVG");
    free(s);
  }
  s = write_to_string(rep, FC_FORMAT_HTML, &rc, &len);
  fct_ok(rc == FC_OK && s != NULL && len > 0 &&
             strstr(s, "commutant2d.span") != NULL,
         "html: dispatched and written (%d)", rc);
  if (s != NULL) {
    const char *tab = strstr(s, "<h2 id=\"properties\">");
    const char *pass = tab ? strstr(tab, "<td class=\"pass\">pass") : NULL;
    const char *fail = tab ? strstr(tab, "<td class=\"fail\">") : NULL;
    fct_ok(strstr(s, "<div id=\"verdict\" class=\"banner fail\"><strong>"
                     "FAIL</strong>") != NULL,
           "html: the verdict banner");
    fct_ok(strstr(s, "<a href=\"#properties-that-fell-short\">") != NULL &&
               strstr(s, "<h2 id=\"properties-that-fell-short\">") != NULL,
           "html: contents linked to their sections");
    fct_ok(pass != NULL && fail != NULL && fail < pass,
           "html: failing rows first in the table");
    fct_ok(strstr(s, "met their expectation (show plots)</summary>") != NULL,
           "html: passing properties' plots collapsed");
    free(s);
  }
}

static void test_empty(void) {
  fc_report rep;
  int f, rc;
  size_t len;
  memset(&rep, 0, sizeof rep);
  for (f = FC_FORMAT_TEXT; f <= FC_FORMAT_HTML; f++) {
    char *s = write_to_string(&rep, (fc_format)f, &rc, &len);
    fct_ok(rc == FC_OK && s != NULL && len > 0,
           "empty report, format %d: written", f);
    if (s != NULL && f == FC_FORMAT_TAP)
      fct_ok(strstr(s, "1..0\n") != NULL, "empty report: TAP plan 1..0");
    if (s != NULL && f == FC_FORMAT_TEXT)
      fct_ok(strstr(s, "0 properties: 0 passed") != NULL,
             "empty report: text summary");
    if (s != NULL && f == FC_FORMAT_HTML)
      fct_ok(strstr(s, "class=\"banner pass\"><strong>PASS</strong>") !=
                 NULL,
             "empty report: HTML banner PASS");
    free(s);
  }
}

/* The one reader of reports (fc_report_check_json) on a minimal report,
 * and the readers built on it: fc_report_read_json, fc_report_diff. */
static const char *min_report =
    "{\"schema\": 1, \"version\": \"0.1.0\", \"seed\": \"7\", "
    "\"precision\": 256, \"slack_bits\": 8, \"kernels\": \"reference\", "
    "\"properties\": [{\"id\": \"commutant2d.span\", \"expect\": "
    "\"holds\", \"status\": \"pass\", \"cases\": 3}]}";

/* min_report with the first `from` replaced by `to`. */
static void mutate(char *buf, size_t n, const char *from, const char *to) {
  const char *at = strstr(min_report, from);
  snprintf(buf, n, "%.*s%s%s", at ? (int)(at - min_report) : 0, min_report,
           at ? to : "", at ? at + strlen(from) : min_report);
}

static void test_reader(void) {
  fc_error err = {0, ""};
  json_t *doc = NULL;
  fc_report rep;
  char buf[1024];
  int rc = fc_report_check_json(&doc, min_report, &err);
  fct_ok(rc == FC_OK && doc != NULL, "reader: the minimal report (%s)",
         err.msg);
  json_decref(doc);
  fct_ok(fc_report_check_json(NULL, min_report, &err) == FC_OK,
         "reader: check only (doc NULL)");
  rc = fc_report_read_json(&rep, min_report, &err);
  fct_ok(rc == FC_OK && rep.n == 1 && rep.cfg.seed == 7 &&
             rep.results[0].cases == 3 && rep.cfg.cases == 100 &&
             strcmp(rep.env.foldcheck, "0.1.0") == 0,
         "reader: records, with the defaults of absent fields (%s)", err.msg);
  if (rc == FC_OK)
    fc_report_clear(&rep);
  static const struct {
    const char *from, *to, *msg;
    int want;
  } bad[] = {
      {"\"cases\": 3", "\"cases\": -4",
       "properties[0].cases: negative count -4", FC_EPARSE},
      {"\"seed\": \"7\"", "\"seed\": \"-7\"", "seed: ", FC_EPARSE},
      {"\"schema\": 1", "\"schema\": 2", "schema: 2 is newer", FC_EVERSION},
      {"\"version\": \"0.1.0\"", "\"version\": \"1.0.0\"",
       "version: written by foldcheck 1.0.0", FC_EVERSION},
      {"\"cases\": 3", "\"cases\": 3, \"cases\": 4",
       "not valid JSON: duplicate object key", FC_EPARSE},
      /* A raw control character of the report never reaches the
       * message (nor a terminal). */
      {"commutant2d.span", "commutant2d\\u001b[31m",
       "properties[0].id: 'commutant2d?[31m' is not", FC_EPARSE},
      {"\"status\": \"pass\"", "\"status\": \"passed\"",
       "properties[0].status: ", FC_EPARSE},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    mutate(buf, sizeof buf, bad[i].from, bad[i].to);
    doc = NULL;
    err.msg[0] = '\0';
    rc = fc_report_check_json(&doc, buf, &err);
    fct_ok(rc == bad[i].want && doc == NULL &&
               strncmp(err.msg, bad[i].msg, strlen(bad[i].msg)) == 0 &&
               strchr(err.msg, '\x1b') == NULL,
           "reader: refused with '%s' (%s)", bad[i].msg, err.msg);
  }
  /* Through the text API of diff, the message says which report. */
  mutate(buf, sizeof buf, "\"seed\": \"7\"", "\"seed\": 7");
  int nreg = -1;
  FILE *out = tmpfile();
  rc = out ? fc_report_diff(out, &nreg, min_report, buf, NULL,
                            FC_FORMAT_TEXT, &err)
           : FC_EIO;
  fct_ok(rc == FC_EPARSE && strncmp(err.msg, "new report: seed: ", 18) == 0,
         "diff: a numeric seed in the new report refused (%s)", err.msg);
  rc = out ? fc_report_diff(out, &nreg, min_report, min_report, NULL,
                            FC_FORMAT_TEXT, &err)
           : FC_EIO;
  fct_ok(rc == FC_OK && nreg == 0, "diff: the minimal report against itself");
  if (out)
    fclose(out);
  /* read_json needs this foldcheck's properties; the check alone not. */
  mutate(buf, sizeof buf, "commutant2d.span", "other.version.prop");
  fct_ok(fc_report_check_json(NULL, buf, &err) == FC_OK,
         "reader: a property this foldcheck lacks passes the check");
  rc = fc_report_read_json(&rep, buf, &err);
  fct_ok(rc == FC_EPARSE && strstr(err.msg, "properties[0].id: ") != NULL,
         "read_json: ... but not into records (%s)", err.msg);
}

static int write_mode(const char *format, const char *path) {
  fc_format f;
  fc_report rep;
  FILE *out;
  int rc;
  if (fc_format_parse(&f, format) != FC_OK) {
    fprintf(stderr, "t-reports: unknown format '%s'\n", format);
    return 2;
  }
  if (build_report(&rep) != FC_OK) {
    fprintf(stderr, "t-reports: out of memory\n");
    return 1;
  }
  out = fopen(path, "w");
  if (out == NULL) {
    fprintf(stderr, "t-reports: cannot open %s\n", path);
    fc_report_clear(&rep);
    return 1;
  }
  rc = fc_report_write(out, &rep, f);
  if (fclose(out) != 0 && rc == FC_OK)
    rc = FC_EIO;
  fc_report_clear(&rep);
  if (rc != FC_OK) {
    fprintf(stderr, "t-reports: %s\n", fc_strerror(rc));
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  fc_report rep;
  if (argc > 1 && strcmp(argv[1], "--write") == 0) {
    if (argc != 4) {
      fprintf(stderr, "usage: t-reports --write FORMAT FILE\n");
      return 2;
    }
    return write_mode(argv[2], argv[3]);
  }
  fct_start("t-reports");
  if (fct_ok(build_report(&rep) == FC_OK, "build the report")) {
    test_parse();
    test_bad_args(&rep);
    test_text(&rep);
    test_text_width();
    test_json(&rep);
    test_tap(&rep);
    test_summary(&rep);
    test_junit(&rep);
    test_pages(&rep);
    test_eio(&rep);
    test_empty();
    test_reader();
    fc_report_clear(&rep);
  }
  return fct_end();
}

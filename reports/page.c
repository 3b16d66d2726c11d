/* page.c -- the conformance page: HTML (self-contained: inline CSS and SVG,
 * no script, no network; well-formed XML so xmllint can check it) and
 * Markdown (tables and code blocks only: GitHub and GitLab strip inline
 * SVG, so the plots are in the HTML alone).
 *
 * Content, in reading order: a verdict banner, the run settings, contents,
 * the properties that fell short with their counterexamples, the results
 * table (failing rows first), the negative controls' detections (one line
 * each; in HTML collapsed with their counterexamples), the Lean anchor
 * table with the Lean status beside the numeric verdict, the plots (HTML:
 * those of passing properties collapsed) and the environment. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "reports_internal.h"
#include "page.h"

typedef struct page {
  FILE *out;
  int md; /* 1: Markdown, 0: HTML */
  int err;
} page;

static void put(page *g, const char *s)
{
  if (fputs(s, g->out) == EOF)
    g->err = 1;
}

static void putf(page *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(page *g, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if (vfprintf(g->out, fmt, ap) < 0)
    g->err = 1;
  va_end(ap);
}

/* Text for a cell: HTML escapes, or Markdown with pipes escaped. */
static void text(page *g, const char *s)
{
  if (!g->md) {
    if (fc_svg_escape(g->out, s) != FC_OK)
      g->err = 1;
    return;
  }
  /* Markdown: pipes escaped, newlines as spaces, control characters and
   * bytes that are not UTF-8 as U+FFFD. */
  size_t n = s ? strlen(s) : 0;
  for (size_t i = 0; i < n;) {
    unsigned long c;
    size_t len = fc_rep_utf8_decode(s + i, n - i, &c);
    int w;
    if (len == 0 || (c < 0x20 && c != '\n') || c == 0x7F) {
      w = fputs("\xEF\xBF\xBD", g->out) != EOF;
      len = len ? len : 1;
    } else if (c == '|') {
      w = fputs("\\|", g->out) != EOF;
    } else if (c == '\n') {
      w = fputc(' ', g->out) != EOF;
    } else {
      w = fwrite(s + i, 1, len, g->out) == len;
    }
    if (!w)
      g->err = 1;
    i += len;
  }
}

static void ratio(page *g, const fc_worst *w)
{
  if (!w->present)
    put(g, "-");
  else if (isnan(w->ratio))
    put(g, "nan");
  else if (isinf(w->ratio))
    put(g, "inf");
  else
    putf(g, "%.2e", w->ratio);
}

static void row_start(page *g) { put(g, g->md ? "|" : "<tr>"); }
static void row_end(page *g) { put(g, g->md ? "\n" : "</tr>\n"); }
static void cell(page *g, const char *cls, const char *s)
{
  if (g->md) {
    put(g, " ");
    text(g, s);
    put(g, " |");
  } else {
    putf(g, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    text(g, s);
    put(g, "</td>");
  }
}

static void header_row(page *g, const char *const *cols)
{
  row_start(g);
  for (const char *const *c = cols; *c; c++) {
    if (g->md) {
      put(g, " ");
      text(g, *c);
      put(g, " |");
    } else {
      put(g, "<th>");
      text(g, *c);
      put(g, "</th>");
    }
  }
  row_end(g);
  if (g->md) {
    put(g, "|");
    for (const char *const *c = cols; *c; c++)
      put(g, "---|");
    put(g, "\n");
  }
}

static void table_start(page *g) { put(g, g->md ? "\n" : "<table>\n"); }
static void table_end(page *g) { put(g, g->md ? "\n" : "</table>\n"); }

/* A heading; id (or NULL) is its link target, in HTML as an attribute
 * and in Markdown the slug GitHub and GitLab derive from the text. */
static void heading_id(page *g, int level, const char *id, const char *s)
{
  if (g->md) {
    putf(g, "\n%.*s ", level, "####");
    text(g, s);
    put(g, "\n\n");
  } else {
    putf(g, "<h%d", level);
    if (id) {
      put(g, " id=\"");
      text(g, id);
      put(g, "\"");
    }
    put(g, ">");
    text(g, s);
    putf(g, "</h%d>\n", level);
  }
}

static void heading(page *g, int level, const char *s)
{
  heading_id(g, level, NULL, s);
}

static void para(page *g, const char *s)
{
  if (!g->md)
    put(g, "<p>");
  text(g, s);
  put(g, g->md ? "\n\n" : "</p>\n");
}

/* The anchor's numeric verdict over the report's results. */
/* Fell short: failed or errored (a property not provided did neither). */
static int short_of(const fc_prop_result *r)
{
  return r->status == FC_STATUS_FAIL || r->status == FC_STATUS_ERROR;
}

static const char *anchor_verdict(const fc_report *rep, const char *name,
                                  long *cases, int *nprops)
{
  int ran = 0, bad = 0;
  *cases = 0;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    for (const char *const *a = r->prop->anchors; a && *a; a++)
      if (strcmp(*a, name) == 0 && r->status != FC_STATUS_NOT_PROVIDED) {
        ran++;
        *cases += r->cases;
        bad |= r->status != FC_STATUS_PASS;
      }
  }
  *nprops = ran;
  return ran == 0 ? "not run" : bad ? "fail" : "pass";
}

static void anchors_table(page *g, const fc_report *rep)
{
  static const char *const cols[] = {"Lean anchor", "file", "Lean status",
                                     "numeric verdict", "properties run",
                                     "cases", NULL};
  heading_id(g, 2, "lean-anchors", "Lean anchors");
  para(g, "Each declaration the properties stand for: its status in Lean "
          "(proven, deferred = real statement with sorry in the proof, stub, "
          "axiom) beside foldcheck's numeric verdict on this run. A deferred "
          "anchor has numeric evidence only.");
  table_start(g);
  header_row(g, cols);
  for (size_t i = 0; i < fc_anchors_count(); i++) {
    const fc_anchor *a = fc_anchors_at(i);
    long cases;
    int np;
    const char *v = anchor_verdict(rep, a->name, &cases, &np);
    char file[200], n1[32], n2[32];
    snprintf(file, sizeof file, "%s/%s", a->library, a->file ? a->file : "(no Lean file recorded)");
    snprintf(n1, sizeof n1, "%d", np);
    snprintf(n2, sizeof n2, "%ld", cases);
    row_start(g);
    cell(g, "mono", a->name);
    cell(g, NULL, file);
    cell(g, a->status == FC_LEAN_PROVEN ? NULL : "warn",
         fc_lean_status_name(a->status));
    cell(g, strcmp(v, "pass") == 0 ? "pass" : strcmp(v, "fail") == 0 ? "fail" : NULL, v);
    cell(g, NULL, n1);
    cell(g, NULL, n2);
    row_end(g);
  }
  table_end(g);
}

static void results_table(page *g, const fc_report *rep)
{
  static const char *const cols[] = {"property", "expect", "status", "cases",
                                     "statement", "conformance", "accuracy",
                                     "seconds", NULL};
  heading_id(g, 2, "properties", "Properties");
  /* The rule as the judge applies it (engine/judge.c): a property that
   * must hold fails on any ratio above 1 (or NaN); a negative control
   * detects a case when its statement ratio exceeds the run's detection
   * factor or the property's own. */
  char rule[256];
  snprintf(rule, sizeof rule,
           "Worst error/bound per level over the cases run.  A property that "
           "must hold passes when every ratio is at most 1; a negative "
           "control passes when a statement ratio exceeds its detection "
           "factor (%.3g unless the property sets its own).",
           rep->cfg.detect_factor);
  para(g, rule);
  para(g, "Properties that fell short come first.");
  table_start(g);
  header_row(g, cols);
  for (size_t k = 0; k < 2 * rep->n; k++) {
    /* Two passes: the properties that fell short, then the rest. */
    const fc_prop_result *r = &rep->results[k % rep->n];
    if (short_of(r) == (k >= rep->n))
      continue;
    char n[32], t[32];
    snprintf(n, sizeof n, "%ld", r->cases);
    snprintf(t, sizeof t, "%.2f", r->seconds);
    row_start(g);
    cell(g, "mono", r->prop->id);
    cell(g, NULL, r->prop->expect == FC_EXPECT_HOLDS ? "holds" : "detect");
    cell(g, r->status == FC_STATUS_PASS ? "pass"
            : r->status == FC_STATUS_NOT_PROVIDED ? "warn" : "fail",
         fc_status_name(r->status));
    cell(g, NULL, n);
    for (int l = 0; l < FC_NLEVELS; l++) {
      if (g->md)
        put(g, " ");
      else
        put(g, "<td>");
      ratio(g, &r->worst[l]);
      put(g, g->md ? " |" : "</td>");
    }
    cell(g, NULL, t);
    row_end(g);
  }
  table_end(g);
}

/* HTML only (Markdown renderers strip inline SVG): the plots of the
 * properties that fell short open, the rest in a collapsed block. */
static void plots(page *g, const fc_report *rep)
{
  heading_id(g, 2, "plots", "Plots");
  if (g->md) {
    para(g, "The plots (error/bound distributions, a property's own points) "
            "are in the HTML report: foldcheck report REPORT.json --format "
            "html.");
    return;
  }
  para(g, "Per property: the distribution of error/bound over the cases, one "
          "bar per decade and level (the dashed line is the bound); and, where "
          "a property reports them, its own points (e.g. RoPE kernel error "
          "against position).");
  for (int pass = 0; pass < 2; pass++) {
    size_t count = 0;
    for (size_t i = 0; i < rep->n; i++)
      count += rep->results[i].status != FC_STATUS_NOT_PROVIDED &&
               short_of(&rep->results[i]) != pass;
    if (count == 0)
      continue;
    if (pass)
      putf(g, "<details><summary>%zu propert%s that met %s expectation "
              "(show plots)</summary>\n", count, count == 1 ? "y" : "ies",
           count == 1 ? "its" : "their");
    put(g, "<div class=\"plots\">\n");
    for (size_t i = 0; i < rep->n; i++) {
      const fc_prop_result *r = &rep->results[i];
      if (r->status == FC_STATUS_NOT_PROVIDED || short_of(r) == pass)
        continue;
      if (fc_svg_histogram(g->out, r) != FC_OK ||
          fc_svg_scatter(g->out, r) != FC_OK)
        g->err = 1;
    }
    put(g, "</div>\n");
    if (pass)
      put(g, "</details>\n");
  }
}

/* A counterexample in full: what failed and where, the shrunk case
 * (dimensions and values first), the property's description of it, the
 * shrink, the replay command. */
static void cex_block(page *g, const fc_prop_result *r)
{
  char line[600];
  const fc_measure *m = &r->cex->check.level[r->cex->level];
  snprintf(line, sizeof line, "%s%s Failed at the %s level: error %.3e, bound "
           "%.3e, error/bound %.3e. Shrunk from %zu to %zu choices in %ld "
           "steps (%.2f s).", r->prop->title,
           r->prop->expect == FC_EXPECT_DETECT ? " (negative control: "
                                                 "detected)." : ".",
           fc_level_name((fc_level)r->cex->level), m->err, m->bound, m->ratio,
           r->cex->orig_nchoices, r->cex->nchoices, r->cex->shrink_steps,
           r->cex->shrink_seconds);
  para(g, line);
  /* Where it went wrong, before the case: the kernel failure, or the
   * mismatched elements with actual against exact values. */
  char *buf = NULL;
  size_t len = 0;
  FILE *mem;
  if (r->cex->check.kernel_failure[0] != '\0')
    para(g, r->cex->check.kernel_failure);
  else if ((mem = open_memstream(&buf, &len)) == NULL) {
    g->err = 1;
    return;
  } else {
    if (fc_check_write_outputs(mem, &r->cex->check, r->cex->level, "", 0) !=
        FC_OK)
      g->err = 1;
    fclose(mem);
    if (buf != NULL && len > 0) {
      put(g, g->md ? "```\n" : "<pre class=\"where\">");
      if (g->md)
        put(g, buf);
      else
        text(g, buf);
      put(g, g->md ? "```\n\n" : "</pre>\n");
    }
    free(buf);
    buf = NULL;
    len = 0;
  }
  if (r->cex->check.note[0] != '\0')
    para(g, r->cex->check.note);
  mem = open_memstream(&buf, &len);
  if (mem == NULL) {
    g->err = 1;
    return;
  }
  fc_case_print(mem, r->cex->values, "");
  if (r->prop->describe)
    r->prop->describe(mem, r->cex->values);
  fclose(mem);
  put(g, g->md ? "```\n" : "<pre>");
  if (g->md)
    put(g, buf ? buf : "");
  else
    text(g, buf);
  put(g, g->md ? "```\n\n" : "</pre>\n");
  free(buf);
  put(g, g->md ? "Replay:\n\n```\nfoldcheck replay "
               : "<p>Replay:</p><pre class=\"replay\">foldcheck replay ");
  text(g, r->cex->token ? r->cex->token : "(no token)");
  put(g, g->md ? "\n```\n" : "</pre>\n");
}

/* The properties not provided, in one paragraph: "Not provided (N): id
 * (why), ...". */
static void not_provided(page *g, const fc_report *rep)
{
  size_t np = fc_report_count(rep, FC_STATUS_NOT_PROVIDED), k = 0;
  if (np == 0)
    return;
  if (!g->md)
    put(g, "<p class=\"warn\">");
  putf(g, "Not provided by the kernels under test, not run (%zu; "
          "--require-all makes them an error): ", np);
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->status != FC_STATUS_NOT_PROVIDED)
      continue;
    put(g, k++ ? ", " : "");
    put(g, g->md ? "`" : "<span class=\"mono\">");
    text(g, r->prop->id);
    put(g, g->md ? "` (" : "</span> (");
    text(g, r->message[0] ? r->message : "no reason");
    put(g, ")");
  }
  put(g, g->md ? ".\n\n" : ".</p>\n");
}

/* The properties that fell short, each with why and its counterexample:
 * the first thing after the verdict. */
static void failures(page *g, const fc_report *rep)
{
  heading_id(g, 2, "properties-that-fell-short", "Properties that fell short");
  int any = 0;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (!short_of(r))
      continue;
    any = 1;
    heading(g, 3, r->prop->id);
    char line[400];
    snprintf(line, sizeof line, "%s (%s after %ld cases): %s",
             r->status == FC_STATUS_FAIL ? "FAIL" : "ERROR",
             r->prop->expect == FC_EXPECT_DETECT ? "negative control"
                                                 : "must hold",
             r->cases, r->message[0] ? r->message : "(no message)");
    para(g, line);
    if (r->cex != NULL)
      cex_block(g, r);
  }
  if (!any)
    para(g, "None: every property run met its expectation.");
  not_provided(g, rep);
}

/* Negative controls that detected their dropped hypothesis (expected):
 * one line each; in HTML behind a collapsed block with their full
 * counterexamples. */
static void detections(page *g, const fc_report *rep)
{
  size_t n = 0;
  for (size_t i = 0; i < rep->n; i++)
    n += rep->results[i].status == FC_STATUS_PASS &&
         rep->results[i].cex != NULL;
  if (n == 0)
    return;
  heading_id(g, 2, "negative-controls-detected",
             "Negative controls detected");
  para(g, "Expected: each shows that a hypothesis of its theorem matters.");
  if (!g->md)
    putf(g, "<details><summary>%zu negative control%s, each with its "
            "shrunk counterexample (show)</summary>\n", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->status != FC_STATUS_PASS || r->cex == NULL)
      continue;
    const fc_measure *m = &r->cex->check.level[r->cex->level];
    if (g->md) {
      putf(g, "- `%s`: detected at the %s level (error/bound %.2e), shrunk "
              "to %zu choices\n", r->prop->id,
           fc_level_name((fc_level)r->cex->level), m->ratio,
           r->cex->nchoices);
    } else {
      heading(g, 3, r->prop->id);
      cex_block(g, r);
    }
  }
  put(g, g->md ? "\n" : "</details>\n");
}

static void environment(page *g, const fc_report *rep)
{
  static const char *const cols[] = {"", "", NULL};
  const fc_env *e = &rep->env;
  char thr[16];
  snprintf(thr, sizeof thr, "%d", e->threads);
  const char *rows[][2] = {{"foldcheck", e->foldcheck}, {"MPFR", e->mpfr},
                           {"GMP", e->gmp}, {"OpenBLAS", e->openblas},
                           {"OpenBLAS configuration", e->openblas_config},
                           {"compiler", e->compiler}, {"CPU", e->cpu},
                           {"threads", thr}};
  heading_id(g, 2, "environment", "Environment");
  table_start(g);
  header_row(g, cols);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    row_start(g);
    cell(g, NULL, rows[i][0]);
    cell(g, "mono", rows[i][1]);
    row_end(g);
  }
  table_end(g);
}

static const char css[] =
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:90%}"
    "th{background:#f3f3f3}.mono{font-family:monospace}"
    ".pass{background:#dcfce7}.fail{background:#fee2e2}.warn{background:#fef9c3}"
    ".banner{padding:12px 16px;margin:1em 0;font-size:120%;border-radius:4px}"
    ".banner.pass{border:2px solid #16a34a}.banner.fail{border:2px solid #dc2626}"
    "details{margin:1em 0}summary{cursor:pointer;font-weight:bold}"
    "pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:85%}"
    "pre.replay{white-space:pre-wrap;word-break:break-all}"
    ".plots{display:flex;flex-wrap:wrap}.plots svg{margin:4px}";

/* The verdict first: PASS, or FAIL with the properties that fell short
 * (the first ten named), and INTERRUPTED when the run was cut short. */
static void banner(page *g, const fc_report *rep, size_t failed,
                   size_t errors)
{
  size_t bad = failed + errors;
  char head[160];
  snprintf(head, sizeof head, "%s%s", bad ? "FAIL" : "PASS",
           rep->interrupted ? " (INTERRUPTED: not every property ran)" : "");
  if (g->md)
    putf(g, "> **%s**: ", head);
  else {
    putf(g, "<div id=\"verdict\" class=\"banner %s\"><strong>",
         bad ? "fail" : "pass");
    text(g, head);
    put(g, "</strong>: ");
  }
  size_t np = fc_report_count(rep, FC_STATUS_NOT_PROVIDED);
  if (bad == 0 && np > 0) {
    putf(g, "all %zu properties run met their expectation; %zu not "
            "provided by the kernels under test (not run).", rep->n - np, np);
  } else if (bad == 0) {
    putf(g, "all %zu properties met their expectation.", rep->n);
  } else {
    putf(g, "%zu of %zu properties did not meet their expectation (%zu "
            "failed, %zu errors): ", bad, rep->n, failed, errors);
    size_t named = 0;
    for (size_t i = 0; i < rep->n && named < 10; i++) {
      if (!short_of(&rep->results[i]))
        continue;
      put(g, named++ ? ", " : "");
      put(g, g->md ? "`" : "<span class=\"mono\">");
      text(g, rep->results[i].prop->id);
      put(g, g->md ? "`" : "</span>");
    }
    if (bad > named)
      putf(g, ", +%zu more", bad - named);
    put(g, ".");
  }
  put(g, g->md ? "\n\n" : "</div>\n");
}

static void contents(page *g, const fc_report *rep)
{
  static const char *const sec[][2] = {
      {"properties-that-fell-short", "Properties that fell short"},
      {"properties", "Properties"},
      {"negative-controls-detected", "Negative controls detected"},
      {"lean-anchors", "Lean anchors"},
      {"plots", "Plots"},
      {"environment", "Environment"}};
  int detected = 0;
  for (size_t i = 0; i < rep->n; i++)
    detected |= rep->results[i].status == FC_STATUS_PASS &&
                rep->results[i].cex != NULL;
  put(g, g->md ? "Contents:\n\n" : "<nav><p>Contents:</p><ul>\n");
  for (size_t i = 0; i < sizeof sec / sizeof sec[0]; i++) {
    if (i == 2 && !detected)
      continue;
    putf(g, g->md ? "- [%s](#%s)\n" : "<li><a href=\"#%2$s\">%1$s</a></li>\n",
         sec[i][1], sec[i][0]);
  }
  put(g, g->md ? "\n" : "</ul></nav>\n");
}

static int write_page(FILE *out, const fc_report *rep, int md)
{
  page g = {out, md, 0};
  size_t passed = 0, failed = 0, errors = 0;
  long faults = 0;
  fc_report_counts(rep, &passed, &failed, &errors, &faults);
  char summary[1700]; /* the kernels spec may be 1023 characters */
  snprintf(summary, sizeof summary,
           "foldcheck %s, profile %s, seed %llu, precision %ld bits (self-check "
           "at %ld), slack %ld bits, kernels %s. %zu properties: %zu passed, %zu "
           "failed, %zu errors, %zu not provided; %ld oracle faults; %.1f s.",
           rep->env.foldcheck, rep->cfg.profile ? rep->cfg.profile : "?",
           (unsigned long long)rep->cfg.seed, rep->cfg.prec, rep->cfg.prec + 64,
           rep->cfg.slack_bits, rep->kernels, rep->n, passed, failed, errors,
           fc_report_count(rep, FC_STATUS_NOT_PROVIDED), faults, rep->seconds);
  if (md) {
    put(&g, "# foldcheck conformance report\n\n");
  } else {
    put(&g, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
            "lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
            "<title>foldcheck conformance report</title>\n<style>");
    put(&g, css);
    put(&g, "</style>\n</head>\n<body>\n<h1>foldcheck conformance report</h1>\n");
  }
  banner(&g, rep, failed, errors);
  para(&g, summary);
  contents(&g, rep);
  failures(&g, rep);
  results_table(&g, rep);
  detections(&g, rep);
  anchors_table(&g, rep);
  plots(&g, rep);
  environment(&g, rep);
  if (!md)
    put(&g, "</body>\n</html>\n");
  if (g.err)
    return FC_EIO;
  return fc_rep_finish(out);
}

int fc_report_write_html(FILE *out, const fc_report *rep)
{
  if (out == NULL || fc_report_validate(rep) != FC_OK)
    return FC_EINVAL;
  return write_page(out, rep, 0);
}

int fc_report_write_markdown(FILE *out, const fc_report *rep)
{
  if (out == NULL || fc_report_validate(rep) != FC_OK)
    return FC_EINVAL;
  return write_page(out, rep, 1);
}

/* page.c -- the conformance page: HTML (self-contained: inline CSS and SVG,
 * no script, no network; well-formed XML so xmllint can check it) and
 * Markdown (tables, code blocks, the same SVG inline).
 *
 * Content: run settings, the Lean anchor table with the Lean status beside
 * the numeric verdict, per-property results, plots (error/bound
 * distribution per level; a property's own points such as RoPE error
 * against position), counterexamples with replay commands, and the
 * environment. */
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
  for (; s && *s; s++) {
    if (*s == '|' && fputs("\\|", g->out) == EOF)
      g->err = 1;
    else if (*s == '\n' && fputc(' ', g->out) == EOF)
      g->err = 1;
    else if (*s != '|' && *s != '\n' && fputc(*s, g->out) == EOF)
      g->err = 1;
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

static void heading(page *g, int level, const char *s)
{
  if (g->md) {
    putf(g, "\n%.*s ", level, "####");
    text(g, s);
    put(g, "\n\n");
  } else {
    putf(g, "<h%d>", level);
    text(g, s);
    putf(g, "</h%d>\n", level);
  }
}

static void para(page *g, const char *s)
{
  if (!g->md)
    put(g, "<p>");
  text(g, s);
  put(g, g->md ? "\n\n" : "</p>\n");
}

/* The anchor's numeric verdict over the report's results. */
static const char *anchor_verdict(const fc_report *rep, const char *name,
                                  long *cases, int *nprops)
{
  int ran = 0, bad = 0;
  *cases = 0;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    for (const char *const *a = r->prop->anchors; a && *a; a++)
      if (strcmp(*a, name) == 0) {
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
  heading(g, 2, "Lean anchors");
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
  heading(g, 2, "Properties");
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
  table_start(g);
  header_row(g, cols);
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    char n[32], t[32];
    snprintf(n, sizeof n, "%ld", r->cases);
    snprintf(t, sizeof t, "%.2f", r->seconds);
    row_start(g);
    cell(g, "mono", r->prop->id);
    cell(g, NULL, r->prop->expect == FC_EXPECT_HOLDS ? "holds" : "detect");
    cell(g, r->status == FC_STATUS_PASS ? "pass" : "fail", fc_status_name(r->status));
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

static void plots(page *g, const fc_report *rep)
{
  heading(g, 2, "Plots");
  para(g, "Per property: the distribution of error/bound over the cases, one "
          "bar per decade and level (the dashed line is the bound); and, where "
          "a property reports them, its own points (e.g. RoPE kernel error "
          "against position).");
  put(g, g->md ? "\n" : "<div class=\"plots\">\n");
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (fc_svg_histogram(g->out, r) != FC_OK || fc_svg_scatter(g->out, r) != FC_OK)
      g->err = 1;
  }
  put(g, g->md ? "\n" : "</div>\n");
}

static void counterexamples(page *g, const fc_report *rep)
{
  heading(g, 2, "Counterexamples");
  int any = 0;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->cex == NULL)
      continue;
    any = 1;
    heading(g, 3, r->prop->id);
    char line[400];
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
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
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
    put(g, g->md ? "Replay:\n\n```\nfoldcheck replay " : "<p>Replay:</p><pre class=\"replay\">foldcheck replay ");
    text(g, r->cex->token ? r->cex->token : "(no token)");
    put(g, g->md ? "\n```\n" : "</pre>\n");
  }
  if (!any)
    para(g, "None.");
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
  heading(g, 2, "Environment");
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
    "pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:85%}"
    "pre.replay{white-space:pre-wrap;word-break:break-all}"
    ".plots{display:flex;flex-wrap:wrap}.plots svg{margin:4px}";

static int write_page(FILE *out, const fc_report *rep, int md)
{
  page g = {out, md, 0};
  size_t passed = 0, failed = 0, errors = 0;
  long faults = 0;
  fc_report_counts(rep, &passed, &failed, &errors, &faults);
  char summary[512];
  snprintf(summary, sizeof summary,
           "foldcheck %s, profile %s, seed %llu, precision %ld bits (self-check "
           "at %ld), slack %ld bits, kernels %s. %zu properties: %zu passed, %zu "
           "failed, %zu errors; %ld oracle faults; %.1f s.",
           rep->env.foldcheck, rep->cfg.profile ? rep->cfg.profile : "?",
           (unsigned long long)rep->cfg.seed, rep->cfg.prec, rep->cfg.prec + 64,
           rep->cfg.slack_bits, rep->kernels, rep->n, passed, failed, errors,
           faults, rep->seconds);
  if (md) {
    put(&g, "# foldcheck conformance report\n\n");
  } else {
    put(&g, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
            "lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
            "<title>foldcheck conformance report</title>\n<style>");
    put(&g, css);
    put(&g, "</style>\n</head>\n<body>\n<h1>foldcheck conformance report</h1>\n");
  }
  para(&g, summary);
  anchors_table(&g, rep);
  results_table(&g, rep);
  counterexamples(&g, rep);
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

/* conformance_cmd.c -- `foldcheck anchors` and `foldcheck diff`: turning
 * results into what users act on (the Lean anchor table with numeric
 * verdicts, and the regression check between two runs). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "foldcheck.h"
#include "cli.h"
#include "engine/safeio.h"

#define FC_LAST_REPORT ".foldcheck/last.json"

const char *fc_cli_last_report(void) { return FC_LAST_REPORT; }

/* The text of a JSON report (read from path) through the one reader of
 * reports, fc_report_check_json; frees text.  0 with *doc, or 2 with the
 * message printed, naming the file. */
static int check_doc(json_t **doc, char *text, const char *path)
{
  fc_error err = {0, ""};
  int rc = fc_report_check_json(doc, text, &err);
  free(text);
  if (rc != FC_OK)
    return fc_cli_usage_error("%s: %s", path, err.msg);
  return 0;
}

/* A JSON report file through check_doc: 0 with *doc, or 2. */
static int load_doc(json_t **doc, const char *path)
{
  fc_error err = {0, ""};
  char *text = fc_cli_slurp(path, &err);
  if (text == NULL)
    return fc_cli_usage_error("%s", err.msg);
  return check_doc(doc, text, path);
}

/* ---------------------------------------------------------------- anchors */

/* The numeric verdict of an anchor in a JSON report: "pass" when every
 * one of its nprops properties ran and met its expectation, "partial" when
 * those that ran passed but some did not run (a partial run must not look
 * like a full pass), "FAIL" when one fell short, "not run" when none ran.
 * *ran gets how many of them the report covers. */
static const char *verdict(json_t *rep, const char *anchor, long *cases,
                           size_t nprops, size_t *ran_out)
{
  size_t i, j;
  json_t *p, *a;
  size_t ran = 0;
  int bad = 0;
  *cases = 0;
  json_array_foreach(json_object_get(rep, "properties"), i, p)
    json_array_foreach(json_object_get(p, "anchors"), j, a) {
      if (!json_is_string(a) || strcmp(json_string_value(a), anchor) != 0)
        continue;
      const char *st = json_string_value(json_object_get(p, "status"));
      if (st != NULL && strcmp(st, "not_provided") == 0)
        continue; /* not run: covers nothing */
      ran++;
      *cases += (long)json_integer_value(json_object_get(p, "cases"));
      bad |= st == NULL || strcmp(st, "pass") != 0;
    }
  *ran_out = ran;
  return !ran ? "not run" : bad ? "FAIL" : ran < nprops ? "partial" : "pass";
}

int fc_cli_anchors(int argc, char **argv)
{
  enum { O_FORMAT = 1, O_LEAN, O_REPORT, O_HELP };
  static const struct option opts[] = {
      {"format", required_argument, NULL, O_FORMAT},
      {"lean", required_argument, NULL, O_LEAN},
      {"report", required_argument, NULL, O_REPORT},
      {"help", no_argument, NULL, O_HELP},
      {NULL, 0, NULL, 0}};
  const char *lean = NULL, *report = NULL;
  int json = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case O_FORMAT:
      if (strcmp(optarg, "json") == 0)
        json = 1;
      else if (strcmp(optarg, "text") != 0)
        return fc_cli_usage_error("anchors: unknown format '%s' (text, json)",
                                  optarg);
      break;
    case O_LEAN:
      lean = optarg;
      break;
    case O_REPORT:
      report = optarg;
      break;
    case 'h':
    case O_HELP:
      printf("usage: foldcheck anchors [--format text|json] [--report FILE] "
             "[--lean DIR]\n"
             "The Lean anchors (the declarations the properties stand for): file,\nLean status, "
             "the properties that check each (holds / negative controls) and\n"
             "the numeric verdict of the last run (--report FILE, default\n"
             "%s, which 'foldcheck run' writes in the default\n"
             "profile) with how many of the anchor's properties it covered:\n"
             "'pass 5/5'; 'partial 2/5' when some did not run.  --lean DIR scans a Lean source tree: each anchor's\n"
             "declaration and status there, anchors missing from the tree, and\n"
             "theorems in the tree that no property checks.\n"
             "The last line counts the anchors whose verdict is FAIL (one of\n"
             "their properties fell short in the report) and those with a\n"
             "problem (no property, no negative control, or, with --lean,\n"
             "missing from the tree).\n"
             "Exit 1 when an anchor's verdict is FAIL or an anchor has a\n"
             "problem, 2 on bad input: an unreadable tree, an unreadable or\n"
             "corrupt report (see doc/report-schema.md).\n",
             FC_LAST_REPORT);
      return 0;
    case ':':
      return fc_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return fc_cli_usage_error("anchors: unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind != argc)
    return fc_cli_usage_error("anchors takes no arguments besides options");
  fc_error err = {0, ""};
  json_t *rep = NULL;
  const char *rpath = report ? report : FC_LAST_REPORT;
  /* --report FILE may be a pipe; last.json, which foldcheck finds itself,
   * is a regular file or nothing (engine/safeio.h). */
  char *text = NULL;
  if (report) {
    if ((text = fc_cli_slurp(rpath, &err)) == NULL)
      return fc_cli_usage_error("%s", err.msg);
  } else {
    int lrc = fc_file_read_all(&text, NULL, rpath, FC_CLI_REPORT_MAX,
                               FC_FILE_REGULAR, &err);
    if (lrc != FC_OK && lrc != FC_ENOTFOUND)
      return fc_cli_usage_error("%s", err.msg);
  }
  if (text != NULL && check_doc(&rep, text, rpath) != 0)
    return 2;
  fc_lean_decl *decls = NULL;
  size_t ndecl = 0;
  if (lean && fc_lean_scan(&decls, &ndecl, lean, &err) != FC_OK) {
    json_decref(rep);
    return fc_cli_usage_error("%s", err.msg);
  }
  int problems = 0;
  size_t failing = 0; /* anchors whose verdict in the report is FAIL */
  json_t *out = json_array();
  if (!json)
    printf("%-76s %-9s %-6s %-13s %s\n", "anchor", "lean", "props", "verdict",
           lean ? "in the Lean tree" : "file");
  for (size_t i = 0; i < fc_anchors_count(); i++) {
    const fc_anchor *a = fc_anchors_at(i);
    size_t holds = 0, detect = 0;
    size_t np = fc_anchor_properties(NULL, 0, &holds, &detect, a->name);
    long cases = 0;
    size_t ran = 0;
    const char *v = rep ? verdict(rep, a->name, &cases, np, &ran) : "not run";
    failing += strcmp(v, "FAIL") == 0;
    char vbuf[32];
    if (rep && ran > 0) {
      snprintf(vbuf, sizeof vbuf, "%s %zu/%zu", v, ran, np);
      if (!json)
        v = vbuf;
    }
    const fc_lean_decl *d = NULL;
    for (size_t k = 0; k < ndecl && !d; k++)
      if (strcmp(decls[k].name, a->name) == 0)
        d = &decls[k];
    int uncovered = holds == 0 || detect == 0;
    problems += uncovered || (lean && d == NULL);
    char where[600];
    if (lean)
      snprintf(where, sizeof where, "%s",
               d ? "" : "MISSING from the tree");
    else
      snprintf(where, sizeof where, "%s/%s", a->library,
               a->file ? a->file : "(file not named by the seeds)");
    if (lean && d)
      snprintf(where, sizeof where, "%s:%d %s, %s%s", d->file, d->line,
               d->kind, fc_lean_status_name(d->status),
               d->status != a->status ? " (table says otherwise)" : "");
    if (json) {
      json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:i, s:i, s:s, s:I, "
                            "s:i, s:i}",
                            "name", a->name, "library", a->library, "file",
                            a->file, "lean_status",
                            fc_lean_status_name(a->status), "family",
                            a->family, "holds", (int)holds, "detect",
                            (int)detect, "verdict", v, "cases",
                            (json_int_t)cases, "covered", (int)ran,
                            "properties", (int)np);
      if (o && lean)
        json_object_set_new(o, "tree", d ? json_pack("{s:s, s:i, s:s, s:s}",
                                                     "file", d->file, "line",
                                                     d->line, "kind", d->kind,
                                                     "status",
                                                     fc_lean_status_name(d->status))
                                         : json_null());
      if (o == NULL || json_array_append_new(out, o) != 0) {
        free(decls);
        json_decref(out);
        json_decref(rep);
        return fc_cli_usage_error("out of memory");
      }
    } else {
      printf("%-76s %-9s %zu/%zu%s %-13s %s\n", a->name,
             fc_lean_status_name(a->status), holds, detect,
             np < 10 ? "  " : " ", v, where);
      if (uncovered)
        printf("%-76s   ^ %s\n", "",
               holds == 0 ? "NO PROPERTY checks this anchor"
                          : "no negative control drops its hypotheses");
    }
  }
  /* Theorems in the tree that no property checks. */
  size_t extra = 0;
  for (size_t k = 0; k < ndecl; k++) {
    if (strcmp(decls[k].kind, "theorem") != 0 && strcmp(decls[k].kind, "lemma") != 0)
      continue;
    if (fc_anchors_find(decls[k].name) != NULL)
      continue;
    if (extra++ == 0 && !json)
      printf("\ndeclarations in the Lean tree that no property checks:\n");
    if (!json)
      printf("  %s:%d %s %s (%s)\n", decls[k].file, decls[k].line,
             decls[k].kind, decls[k].name, fc_lean_status_name(decls[k].status));
  }
  if (json) {
    json_t *root = json_pack("{s:o, s:s?, s:I}", "anchors", out, "report",
                             rep ? rpath : NULL, "failing",
                             (json_int_t)failing);
    json_t *unc = json_array();
    for (size_t k = 0; root && unc && k < ndecl; k++)
      if ((strcmp(decls[k].kind, "theorem") == 0 ||
           strcmp(decls[k].kind, "lemma") == 0) &&
          fc_anchors_find(decls[k].name) == NULL)
        json_array_append_new(unc, json_string(decls[k].name));
    if (root && lean)
      json_object_set_new(root, "unchecked_declarations", unc);
    else
      json_decref(unc);
    if (root == NULL || json_dumpf(root, stdout, JSON_INDENT(2)) != 0)
      problems = -1;
    putchar('\n');
    json_decref(root);
  } else {
    json_decref(out);
    printf("\n%zu anchors; ", fc_anchors_count());
    if (rep)
      printf("%zu failing in %s (verdict FAIL); ", failing, rpath);
    printf("%d with a problem (no property%s)%s\n", problems,
           lean ? ", no negative control or missing from the tree"
                : " or no negative control",
           rep ? "" : "; verdicts: no report (run 'foldcheck run' or give "
                      "--report)");
  }
  free(decls);
  json_decref(rep);
  return problems < 0 ? 2 : problems || failing ? 1 : 0;
}

/* ------------------------------------------------------------------- diff */

int fc_cli_diff(int argc, char **argv)
{
  enum { O_FACTOR = 1, O_FLOOR, O_FORMAT, O_HELP, O_MINABOVE };
  static const struct option opts[] = {
      {"min-above", required_argument, NULL, O_MINABOVE},
      {"factor", required_argument, NULL, O_FACTOR},
      {"floor", required_argument, NULL, O_FLOOR},
      {"format", required_argument, NULL, O_FORMAT},
      {"help", no_argument, NULL, O_HELP},
      {NULL, 0, NULL, 0}};
  fc_diff_opts o = {4.0, 1e-6, 10};
  fc_format f = FC_FORMAT_TEXT;
  int c;
  char *end;
  optind = 1;
  opterr = 0;
  /* GNU order: options may follow the operands (diff A B --format json). */
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case O_MINABOVE: {
      errno = 0;
      long v = strtol(optarg, &end, 10);
      if (*optarg == '\0' || *end != '\0' || errno || v < 1 || v > 1000000000L)
        return fc_cli_usage_error("--min-above expects an integer >= 1, got "
                                  "'%s'", optarg);
      o.min_above = v;
      break;
    }
    case O_FACTOR:
    case O_FLOOR: {
      errno = 0;
      double v = strtod(optarg, &end);
      if (*optarg == '\0' || *end != '\0' || errno || !(v > 0) || v > 1e300 ||
          (c == O_FACTOR && !(v > 1)))
        return fc_cli_usage_error("--%s expects a number %s, got '%s'",
                                  c == O_FACTOR ? "factor" : "floor",
                                  c == O_FACTOR ? "> 1" : "> 0", optarg);
      if (c == O_FACTOR)
        o.factor = v;
      else
        o.floor = v;
      break;
    }
    case O_FORMAT:
      if (strcmp(optarg, "text") == 0)
        f = FC_FORMAT_TEXT;
      else if (strcmp(optarg, "json") == 0)
        f = FC_FORMAT_JSON;
      else
        return fc_cli_usage_error("diff: unknown format '%s' (text, json)",
                                  optarg);
      break;
    case 'h':
    case O_HELP:
      printf("usage: foldcheck diff OLD.json NEW.json [--factor F] [--floor X] "
             "[--min-above K] [--format text|json]\n"
             "Compare two JSON reports, of the same or of different seeds:\n"
             "verdicts, worst error/bound per level of the properties that must\n"
             "hold, lost coverage, environment changes (BLAS, its config,\n"
             "threads, compiler, MPFR, GMP, CPU).  A regression: a property that\n"
             "newly falls short (a negative control no longer detected), a\n"
             "property or anchor no longer covered, a worst error/bound above\n"
             "its bound or non-finite, or one that grew by more than F (default\n"
             "4) with at least K (default 10) of the new cases in decades above\n"
             "the old worst's -- a new seed moves the worst case, a regression\n"
             "moves the distribution.  Ratios below X (default 1e-6) count as X.\n"
             "Negative controls' ratios are not compared.\n"
             "Exit 1 on a regression, 0 otherwise, 2 on bad input: a report\n"
             "that is corrupt (the reader checks doc/report-schema.md: the\n"
             "message names the file and the field) or of a newer schema.\n");
      return 0;
    case ':':
      return fc_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return fc_cli_usage_error("diff: unknown option '%s'", argv[optind - 1]);
    }
  }
  if (argc - optind != 2)
    return fc_cli_usage_error("diff expects two JSON reports: OLD NEW");
  fc_error err = {0, ""};
  json_t *a = NULL, *b = NULL;
  if (load_doc(&a, argv[optind]) != 0)
    return 2;
  if (load_doc(&b, argv[optind + 1]) != 0) {
    json_decref(a);
    return 2;
  }
  int nreg = 0;
  int rc = fc_report_diff_docs(stdout, &nreg, a, b, &o, f, &err);
  json_decref(a);
  json_decref(b);
  if (rc != FC_OK)
    return fc_cli_usage_error("%s", err.msg);
  return nreg ? 1 : 0;
}

/* text.c -- the report for people.
 *
 *   foldcheck 0.1.0: profile ci, seed 42, precision 256 bits (slack 8), ...
 *   environment: MPFR 4.2.1, GMP 6.3.0, ...
 *
 *   property          expect  cases verdict statement ...   (120 columns;
 *   commutant2d.span  holds     200 pass     3.10e-70 ...    --verbose adds
 *                                                              anchors, notes)
 *
 *   notes: (extensions, properties with no Lean anchor, full anchor lists)
 *   counterexamples: (one block each, fc_report_write_cex)
 *   problems: (why each failing property without a counterexample failed)
 *   not provided (3): ... (one line: the properties the kernels under test
 *                          do not provide, grouped by reason)
 *
 *   6 properties: 2 passed, 3 failed, 1 errors, 3 not provided (2 oracle
 *   faults), 3.21 s
 */
#include <stdlib.h>
#include <string.h>

#include "reports_internal.h"

/* Widest anchors column; longer lists are shortened to "A, B, +3 more". */
#define ANCHORS_WIDTH 48

/* pre, then s with control characters escaped (fc_rep_put_clean), then
 * post. */
static int put_field(FILE *out, const char *pre, const char *s,
                     const char *post) {
  FC_REP_TRY(fc_rep_puts(out, pre));
  FC_REP_TRY(fc_rep_put_clean(out, s));
  return fc_rep_puts(out, post);
}

static size_t count_anchors(const fc_property *p) {
  size_t n = 0;
  if (p->anchors != NULL)
    while (p->anchors[n] != NULL)
      n++;
  return n;
}

/* The anchors column for p in buf (size > ANCHORS_WIDTH): every anchor
 * comma-joined when it fits, else as many whole anchors as fit followed by
 * ", +K more", else the first anchor cut with "..." and the count.  Returns
 * 1 when the list was shortened. */
static int anchors_short(char *buf, size_t size, const fc_property *p) {
  size_t n = count_anchors(p), k, len = 0;
  char more[32];
  if (n == 0) {
    snprintf(buf, size, "(none)");
    return 0;
  }
  buf[0] = '\0';
  for (k = 0; k < n; k++) {
    size_t alen = strlen(p->anchors[k]);
    size_t add = (k > 0 ? 2 : 0) + alen;
    size_t suffix = 0;
    if (k + 1 < n)
      suffix = (size_t)snprintf(more, sizeof more, ", +%zu more", n - k - 1);
    if (len + add + suffix > ANCHORS_WIDTH)
      break;
    snprintf(buf + len, size - len, "%s%s", k > 0 ? ", " : "",
             p->anchors[k]);
    len += add;
  }
  if (k == n)
    return 0;
  if (k == 0) {
    /* Not even the first anchor fits: cut it. */
    int keep;
    if (n > 1)
      snprintf(more, sizeof more, ", +%zu more", n - 1);
    else
      more[0] = '\0';
    keep = (int)(ANCHORS_WIDTH - 3 - strlen(more));
    snprintf(buf, size, "%.*s...%s", keep, p->anchors[0], more);
  } else {
    snprintf(buf + len, size - len, ", +%zu more", n - k);
  }
  return 1;
}

/* The ratio column of one level: "%.2e" or "-". */
static void ratio_cell(char *buf, size_t size, const fc_worst *w) {
  if (w->present)
    snprintf(buf, size, "%.2e", w->ratio);
  else
    snprintf(buf, size, "-");
}

/* first: the run line; else the environment lines. */
static int write_header(FILE *out, const fc_report *rep, int first) {
  const fc_env *e = &rep->env;
  if (first) {
    FC_REP_TRY(fc_rep_printf(
        out,
        "foldcheck %s: profile %s, seed %llu, precision %ld bits (slack %ld), "
        "kernels %s, threads %d",
        fc_rep_version(rep), fc_rep_str(rep->cfg.profile, "-"),
        (unsigned long long)rep->cfg.seed, rep->cfg.prec, rep->cfg.slack_bits,
        fc_rep_kernels(rep), rep->cfg.threads));
    if (rep->cfg.shard_count > 1)
      FC_REP_TRY(fc_rep_printf(out, ", shard %d/%d", rep->cfg.shard_index,
                               rep->cfg.shard_count));
    return fc_rep_puts(out, "\n");
  }
  FC_REP_TRY(fc_rep_printf(
      out, "environment: MPFR %s, GMP %s, OpenBLAS %s, compiler %s, cpu %s\n",
      fc_rep_str(e->mpfr, "?"), fc_rep_str(e->gmp, "?"),
      fc_rep_str(e->openblas, "?"), fc_rep_str(e->compiler, "?"),
      fc_rep_str(e->cpu, "?")));
  if (e->openblas_config[0] != '\0')
    FC_REP_TRY(
        fc_rep_printf(out, "openblas config: %s\n", e->openblas_config));
  return fc_rep_puts(out, "\n");
}

/* The free-form last column: short flags explained under "notes".
 * shortened < 0: the run's notes only, not the property's. */
static void flags_cell(char *buf, size_t size, const fc_prop_result *r,
                       int shortened) {
  size_t len = 0;
  buf[0] = '\0';
#define FLAG(...)                                                           \
  do {                                                                      \
    if (len < size)                                                         \
      len += (size_t)snprintf(buf + len, size - len, "%s", len ? ", " : ""); \
    if (len < size)                                                         \
      len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__);          \
  } while (0)
  if (shortened >= 0) { /* the property's notes: --verbose only */
    if (r->prop->extension != NULL)
      FLAG("extension");
    if (count_anchors(r->prop) == 0)
      FLAG("no Lean anchor");
    else if (shortened)
      FLAG("anchors shortened");
  }
  if (r->oracle_faults > 0)
    FLAG("%ld oracle faults", r->oracle_faults);
  if (r->stopped_by_time)
    FLAG("time budget");
  if (r->interrupted)
    FLAG("INTERRUPTED after %ld cases", r->cases);
  if (r->cex != NULL && r->cex->shrink_time_limited)
    FLAG("shrink time-limited");
  if (r->discarded > 0)
    FLAG("%ld discarded", r->discarded);
  if (r->db_replayed > 0)
    FLAG("%ld from db", r->db_replayed);
#undef FLAG
}

/* The table fits TABLE_WIDTH columns by default (the longest property id
 * is 45 characters; cases up to 1e8, ratios like -1.25e-300): the anchors column and the notes that describe a
 * property rather than the run (extension, no Lean anchor, a shortened
 * anchor list) come with --verbose only (`foldcheck list` and `foldcheck
 * anchors` have them too); the run's own notes (discarded cases, oracle
 * faults, a time budget, ...) follow the row, or go on the next line,
 * indented, when the row would grow past TABLE_WIDTH. */
#define TABLE_WIDTH 120

static int write_table(FILE *out, const fc_report *rep, int verbose) {
  size_t i, wid = strlen("property"), wan = strlen("anchors");
  char an[ANCHORS_WIDTH + 8];
  for (i = 0; i < rep->n; i++) {
    size_t l = strlen(rep->results[i].prop->id);
    if (l > wid)
      wid = l;
    anchors_short(an, sizeof an, rep->results[i].prop);
    l = strlen(an);
    if (l > wan)
      wan = l;
  }
  if (!verbose)
    wan = 0;
  FC_REP_TRY(fc_rep_printf(out, "%-*s  ", (int)wid, "property"));
  if (verbose)
    FC_REP_TRY(fc_rep_printf(out, "%-*s  ", (int)wan, "anchors"));
  FC_REP_TRY(fc_rep_printf(out,
                           "%-6s  %9s  %-7s  %-10s  %-11s  %-10s  %8s%s\n",
                           "expect", "cases", "verdict", "statement",
                           "conformance", "accuracy", "time",
                           verbose ? "  notes" : ""));
  for (i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    char cell[FC_NLEVELS][32], flags[160], verdict[16], row[512];
    if (r->status == FC_STATUS_NOT_PROVIDED)
      continue; /* one line after the table (write_not_provided) */
    int l, shortened = anchors_short(an, sizeof an, r->prop);
    for (l = 0; l < FC_NLEVELS; l++)
      ratio_cell(cell[l], sizeof cell[l], &r->worst[l]);
    flags_cell(flags, sizeof flags, r, verbose ? shortened : -1);
    snprintf(verdict, sizeof verdict, "%s",
             r->status == FC_STATUS_PASS
                 ? "pass"
                 : (r->status == FC_STATUS_FAIL ? "FAIL" : "ERROR"));
    int len = snprintf(
        row, sizeof row,
        "%-*s  %-*s%s%-6s  %9ld  %-7s  %-10s  %-11s  %-10s  %7.2fs",
        (int)wid, r->prop->id, (int)wan, verbose ? an : "",
        verbose ? "  " : "", fc_rep_expect_name(r->prop->expect), r->cases,
        verdict, cell[0], cell[1], cell[2], r->seconds);
    FC_REP_TRY(fc_rep_puts(out, row));
    if (flags[0] == '\0')
      FC_REP_TRY(fc_rep_puts(out, "\n"));
    else if (verbose || len + 2 + (int)strlen(flags) <= TABLE_WIDTH)
      FC_REP_TRY(fc_rep_printf(out, "  %s\n", flags));
    else
      FC_REP_TRY(fc_rep_printf(out, "\n    (%s)\n", flags));
  }
  return FC_OK;
}

/* Extensions, missing anchors and the full lists behind shortened ones.
 * They describe the property, not the run (the table's notes column flags
 * them; `foldcheck list` has them): unless verbose, they are printed in
 * full only for properties that did not pass, the rest counted in one
 * line, so a passing run stays short however many properties it has. */
static int write_notes(FILE *out, const fc_report *rep, int verbose) {
  size_t i, hidden = 0;
  int any = 0;
  char an[ANCHORS_WIDTH + 8];
  for (i = 0; i < rep->n; i++) {
    const fc_property *p = rep->results[i].prop;
    size_t n = count_anchors(p), k;
    int shortened = anchors_short(an, sizeof an, p);
    if (p->extension == NULL && n > 0 && !shortened)
      continue;
    if (rep->results[i].status == FC_STATUS_NOT_PROVIDED && !verbose)
      continue; /* not run: listed in one line below */
    if (!verbose && rep->results[i].status == FC_STATUS_PASS) {
      hidden++;
      continue;
    }
    if (!any)
      FC_REP_TRY(fc_rep_puts(out, "\nnotes:\n"));
    any = 1;
    if (p->extension != NULL) {
      FC_REP_TRY(fc_rep_printf(
          out, "  %s: extension, a check beyond the Lean anchors: ", p->id));
      FC_REP_TRY(put_field(out, "", p->extension, "\n"));
    }
    if (n == 0)
      FC_REP_TRY(fc_rep_printf(
          out, "  %s: no Lean anchor (%s)\n", p->id,
          fc_rep_str(p->lean_file, "no Lean file")));
    if (shortened) {
      FC_REP_TRY(fc_rep_printf(out, "  %s: anchors (%s): ", p->id,
                               fc_rep_str(p->lean_file, "?")));
      for (k = 0; k < n; k++)
        FC_REP_TRY(fc_rep_printf(out, "%s%s", k ? ", " : "", p->anchors[k]));
      FC_REP_TRY(fc_rep_puts(out, "\n"));
    }
  }
  if (hidden > 0)
    FC_REP_TRY(fc_rep_printf(
        out, "%snotes: %zu passing propert%s with notes (extensions, no Lean "
        "anchor, long anchor lists): --verbose or `foldcheck list` prints "
        "them\n", any ? "" : "\n", hidden, hidden == 1 ? "y" : "ies"));
  return FC_OK;
}

/* Values of a field of more than ELIDE_AFTER elements are cut in the text
 * report (all of them stay in the JSON report and the replay record). */
#define ELIDE_AFTER 8

static void print_real_short(FILE *out, double x) {
  fprintf(out, "%.6g (%a)", x, x);
}

/* fc_case_print, with long fields cut to their first ELIDE_AFTER values
 * and a count of the rest. */
static void print_case_elided(FILE *out, const fc_case *c, const char *in) {
  size_t n = fc_case_nfields(c);
  for (size_t step = 0; step < 4 * n; step++) {
    /* fc_case_print's order: dimensions and values before parameters. */
    size_t i = step % n;
    if (fc_case_field_rank(c, i) != (int)(step / n))
      continue;
    size_t rows = 0, cols = 0;
    fc_case_field_shape(c, i, &rows, &cols);
    size_t count = rows * cols;
    if (count <= ELIDE_AFTER) {
      /* Short fields exactly as fc_case_print writes them. */
      fc_case *one = fc_case_new();
      if (one == NULL)
        return;
      const char *name = fc_case_field_name(c, i);
      if (fc_case_field_type(c, i) == FC_FIELD_REAL) {
        double *d = fc_case_add_reals(one, name, rows, cols);
        if (d != NULL && count > 0)
          memcpy(d, fc_case_field_reals(c, i), count * sizeof *d);
      } else if (fc_case_field_is_dim(c, i)) {
        fc_case_add_dim(one, name, fc_case_field_ints(c, i)[0]);
      } else {
        long *d = fc_case_add_ints(one, name, rows, cols);
        if (d != NULL && count > 0)
          memcpy(d, fc_case_field_ints(c, i), count * sizeof *d);
      }
      fc_case_print(out, one, in);
      fc_case_free(one);
      continue;
    }
    fprintf(out, "%s%s [%zu x %zu]\n%s  ", in, fc_case_field_name(c, i), rows,
            cols, in);
    for (size_t k = 0; k < ELIDE_AFTER; k++) {
      if (k)
        fputs(", ", out);
      if (fc_case_field_type(c, i) == FC_FIELD_REAL)
        print_real_short(out, fc_case_field_reals(c, i)[k]);
      else
        fprintf(out, "%ld", fc_case_field_ints(c, i)[k]);
    }
    fprintf(out, ", ... (+%zu more; all values in the JSON report and the "
                 "replay record, --verbose prints them)\n",
            count - ELIDE_AFTER);
  }
}

/* See foldcheck.h. */
int fc_report_token_path(char *buf, size_t n, const char *dir,
                         const char *id) {
  if (buf == NULL || dir == NULL || id == NULL)
    return FC_EINVAL;
  int k = snprintf(buf, n, "%s/%s.token", dir, id);
  return k > 0 && (size_t)k < n ? FC_OK : FC_ERANGE;
}

/* The replay command of a counterexample: the token inline, or the file it
 * was saved to when it is long and opts has a token directory. */
static int write_replay_cmd(FILE *out, const fc_prop_result *res,
                            const fc_write_opts *opts) {
  const char *tok = res->cex->token;
  char path[4096];
  if (tok == NULL)
    return fc_rep_puts(out, "(no replay token)");
  if (opts != NULL && opts->token_dir != NULL && !opts->verbose &&
      strlen(tok) > FC_TOKEN_INLINE_MAX &&
      fc_report_token_path(path, sizeof path, opts->token_dir,
                           res->prop->id) == FC_OK)
    return fc_rep_printf(out, "foldcheck replay %s  (token of %zu chars)",
                         path, strlen(tok));
  return fc_rep_printf(out, "foldcheck replay %s", tok);
}

static int write_cex_opts(FILE *out, const fc_report *rep,
                          const fc_prop_result *res, const char *indent,
                          const fc_write_opts *opts);

/* See reports_internal.h. */
int fc_report_write_cex(FILE *out, const fc_report *rep,
                        const fc_prop_result *res, const char *indent) {
  fc_write_opts full = {1, NULL};
  return write_cex_opts(out, rep, res, indent, &full);
}

static int write_cex_opts(FILE *out, const fc_report *rep,
                          const fc_prop_result *res, const char *indent,
                          const fc_write_opts *opts) {
  const fc_counterexample *cx;
  const fc_property *p;
  const char *in = indent != NULL ? indent : "";
  char sub[96];
  int detect;
  if (out == NULL || rep == NULL || res == NULL || res->cex == NULL ||
      res->prop == NULL || res->prop->id == NULL)
    return FC_EINVAL;
  cx = res->cex;
  p = res->prop;
  detect = p->expect == FC_EXPECT_DETECT;
  FC_REP_TRY(fc_rep_printf(out, "%s%s: ", in, p->id));
  FC_REP_TRY(put_field(out, "", fc_rep_str(p->title, "(no title)"), "\n"));
  if (cx->case_index >= 0)
    FC_REP_TRY(fc_rep_printf(out, "%s  seed %llu, case %ld\n", in,
                             (unsigned long long)rep->cfg.seed,
                             cx->case_index));
  else
    FC_REP_TRY(fc_rep_printf(out,
                             "%s  seed %llu, case from the failure database\n",
                             in, (unsigned long long)rep->cfg.seed));
  FC_REP_TRY(fc_rep_printf(
      out, "%s  expectation: %s\n", in,
      detect ? "detect (negative control: a counterexample must be found)"
             : "holds (no case may fail)"));
  if (cx->check.kernel_failure[0] != '\0') {
    /* The kernel failed: that is the headline, not a NaN residual. */
    FC_REP_TRY(fc_rep_printf(out, "%s  %s: ", in,
                             detect ? "detected" : "failed"));
    FC_REP_TRY(put_field(out, "", cx->check.kernel_failure, "\n"));
  } else if (cx->level >= 0 && cx->level < FC_NLEVELS &&
      cx->check.level[cx->level].present) {
    const fc_measure *m = &cx->check.level[cx->level];
    FC_REP_TRY(fc_rep_printf(
        out, "%s  %s at level %s: residual %.6e vs bound %.6e, ratio %.3e\n",
        in, detect ? "detected" : "failed", fc_rep_level_name(cx->level),
        m->err, m->bound, m->ratio));
    if (cx->level == FC_LEVEL_ACCURACY && m->ulps != 0)
      FC_REP_TRY(fc_rep_printf(out, "%s  error in %s ulps: %.3g\n", in,
                               cx->check.outputs.fmt[0]
                                   ? cx->check.outputs.fmt
                                   : "fp64",
                               m->ulps));
    if (cx->orig_check.level[cx->level].present)
      FC_REP_TRY(fc_rep_printf(out,
                               "%s  before shrinking: ratio %.3e\n", in,
                               cx->orig_check.level[cx->level].ratio));
  } else {
    FC_REP_TRY(fc_rep_printf(out, "%s  %s at level %s (not measured)\n", in,
                             detect ? "detected" : "failed",
                             fc_rep_level_name(cx->level)));
  }
  if (cx->check.kernel_failure[0] == '\0') {
    char sub2[96];
    snprintf(sub2, sizeof sub2, "%s  ", in);
    FC_REP_TRY(fc_check_write_outputs(out, &cx->check, cx->level, sub2,
                                      opts->verbose));
  }
  if (cx->check.note[0] != '\0') {
    FC_REP_TRY(fc_rep_printf(out, "%s  note: ", in));
    FC_REP_TRY(put_field(out, "", cx->check.note, "\n"));
  }
  if (cx->check.oracle_fault)
    FC_REP_TRY(fc_rep_printf(
        out, "%s  oracle fault: |r_P - r_P+64| = %.3e > %.3e\n", in,
        cx->check.selfcheck_err, cx->check.selfcheck_bound));
  FC_REP_TRY(fc_rep_printf(out, "%s  case (shrunk, %zu fields):\n", in,
                           fc_case_nfields(cx->values)));
  snprintf(sub, sizeof sub, "%s    ", in);
  if (opts->verbose)
    fc_case_print(out, cx->values, sub);
  else
    print_case_elided(out, cx->values, sub);
  if (ferror(out))
    return FC_EIO;
  if (p->describe != NULL) {
    /* The property writes free text; indent each of its lines under the
     * case (through a memory stream, so the callback needs no indent). */
    FC_REP_TRY(fc_rep_printf(out, "%s  about this case:\n", in));
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL)
      return FC_ENOMEM;
    p->describe(mem, cx->values);
    if (fclose(mem) != 0) {
      free(buf);
      return FC_ENOMEM;
    }
    for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
      nl = strchr(line, '\n');
      if (fc_rep_printf(out, "%s    %.*s\n", in,
                        (int)(nl ? nl - line : (long)strlen(line)), line) != FC_OK) {
        free(buf);
        return FC_EIO;
      }
    }
    free(buf);
  }
  FC_REP_TRY(fc_rep_printf(
      out,
      "%s  shrink: %ld candidates, %ld accepted, %.2f s; choice sequence "
      "%zu -> %zu%s\n",
      in, cx->shrink_steps, cx->shrink_accepted, cx->shrink_seconds,
      cx->orig_nchoices, cx->nchoices,
      cx->shrink_time_limited ? " (TIME-LIMITED: stopped by the shrink time "
                                "budget; another run may shrink further)"
                              : ""));
  FC_REP_TRY(fc_rep_printf(out, "%s  replay: ", in));
  FC_REP_TRY(write_replay_cmd(out, res, opts));
  return fc_rep_puts(out, "\n");
}

/* One line about a negative control's counterexample (expected: it shows
 * the dropped hypothesis matters): level, ratio, shrunk size, replay. */
static int write_cex_line(FILE *out, const fc_prop_result *r,
                          const fc_write_opts *opts) {
  const fc_counterexample *cx = r->cex;
  char size[160] = "";
  size_t o = 0;
  for (size_t f = 0, n = fc_case_nfields(cx->values); f < n; f++)
    if (fc_case_field_is_dim(cx->values, f) && o < sizeof size - 40)
      o += (size_t)snprintf(size + o, sizeof size - o, "%s%s=%ld",
                            o ? " " : "", fc_case_field_name(cx->values, f),
                            fc_case_field_ints(cx->values, f)[0]);
  FC_REP_TRY(fc_rep_printf(out, "  %s: detected at %s", r->prop->id,
                           fc_rep_level_name(cx->level)));
  if (cx->level >= 0 && cx->level < FC_NLEVELS &&
      cx->check.level[cx->level].present)
    FC_REP_TRY(fc_rep_printf(out, " (ratio %.2e)",
                             cx->check.level[cx->level].ratio));
  FC_REP_TRY(fc_rep_printf(out, ", shrunk to %s%s%zu choices%s; ", size,
                           o ? ", " : "", cx->nchoices,
                           cx->shrink_time_limited ? " (time-limited)" : ""));
  FC_REP_TRY(write_replay_cmd(out, r, opts));
  return fc_rep_puts(out, "\n");
}

/* A negative control that met its expectation: its counterexample is
 * expected and gets one line unless verbose. */
static int expected_cex(const fc_prop_result *r, const fc_write_opts *opts) {
  return !opts->verbose && r->prop->expect == FC_EXPECT_DETECT &&
         r->status == FC_STATUS_PASS;
}

static int write_counterexamples(FILE *out, const fc_report *rep,
                                 const fc_write_opts *opts) {
  size_t i;
  int any = 0;
  for (i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->cex == NULL || expected_cex(r, opts))
      continue;
    FC_REP_TRY(fc_rep_puts(out, any ? "\n" : "\ncounterexamples:\n\n"));
    any = 1;
    FC_REP_TRY(write_cex_opts(out, rep, r, "  ", opts));
    if (r->status != FC_STATUS_PASS && r->message[0] != '\0') {
      FC_REP_TRY(fc_rep_printf(out, "    %s: ", fc_rep_status_name(r->status)));
      FC_REP_TRY(put_field(out, "", r->message, "\n"));
    }
  }
  return FC_OK;
}

/* Failing or erroring properties without a counterexample: their message. */
static int write_problems(FILE *out, const fc_report *rep) {
  size_t i;
  int any = 0;
  for (i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->status == FC_STATUS_PASS ||
        r->status == FC_STATUS_NOT_PROVIDED || r->cex != NULL)
      continue;
    if (!any)
      FC_REP_TRY(fc_rep_puts(out, "\nproblems:\n"));
    any = 1;
    FC_REP_TRY(fc_rep_printf(out, "  %s: %s: ", r->prop->id,
                             r->status == FC_STATUS_FAIL ? "FAIL" : "ERROR"));
    FC_REP_TRY(put_field(out, "", fc_rep_str(r->message, "(no message)"),
                         "\n"));
  }
  return FC_OK;
}

/* The properties not provided, in one line, grouped by reason (their
 * message), each reason once: "not provided (3): a, b (why); c (why)". */
static int write_not_provided(FILE *out, const fc_report *rep) {
  size_t n = fc_report_count(rep, FC_STATUS_NOT_PROVIDED), i, j, k;
  if (n == 0)
    return FC_OK;
  FC_REP_TRY(fc_rep_printf(out, "\nnot provided (%zu, not run; "
                                "--require-all makes them an error):", n));
  int group = 0;
  for (i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->status != FC_STATUS_NOT_PROVIDED)
      continue;
    for (j = 0; j < i; j++) /* reason already written with an earlier id */
      if (rep->results[j].status == FC_STATUS_NOT_PROVIDED &&
          strcmp(rep->results[j].message, r->message) == 0)
        break;
    if (j < i)
      continue;
    FC_REP_TRY(fc_rep_puts(out, group++ ? "; " : " "));
    int first = 1;
    for (k = i; k < rep->n; k++) {
      const fc_prop_result *q = &rep->results[k];
      if (q->status != FC_STATUS_NOT_PROVIDED ||
          strcmp(q->message, r->message) != 0)
        continue;
      FC_REP_TRY(fc_rep_printf(out, "%s%s", first ? "" : ", ", q->prop->id));
      first = 0;
    }
    FC_REP_TRY(put_field(out, " (", fc_rep_str(r->message, "no reason"),
                         ")"));
  }
  return fc_rep_puts(out, "\n");
}

/* A run that names kernels (a plugin, an exec client, a built-in mutant):
 * the properties that call no kernel at all (FC_KV_NONE: oracle statements
 * only) in one line, so that a pass of theirs is never read as a pass of
 * those kernels. */
static int write_kernel_free(FILE *out, const fc_report *rep) {
  if (strcmp(fc_rep_kernels(rep), "reference") == 0)
    return FC_OK;
  size_t n = 0;
  for (size_t i = 0; i < rep->n; i++)
    if (rep->results[i].prop != NULL &&
        rep->results[i].prop->kernels_via == FC_KV_NONE &&
        rep->results[i].status != FC_STATUS_NOT_PROVIDED)
      n++;
  if (n == 0)
    return FC_OK;
  FC_REP_TRY(fc_rep_printf(out, "\ncalling no kernel (%zu: the theorem's "
                                "statement only, the same under any "
                                "--kernels):", n));
  int first = 1;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->prop == NULL || r->prop->kernels_via != FC_KV_NONE ||
        r->status == FC_STATUS_NOT_PROVIDED)
      continue;
    FC_REP_TRY(fc_rep_printf(out, "%s%s", first ? " " : ", ", r->prop->id));
    first = 0;
  }
  return fc_rep_puts(out, "\n");
}

/* The negative controls' expected counterexamples, one line each. */
static int write_detections(FILE *out, const fc_report *rep,
                            const fc_write_opts *opts) {
  int any = 0;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->cex == NULL || !expected_cex(r, opts))
      continue;
    if (!any)
      FC_REP_TRY(fc_rep_puts(out, "\nnegative controls detected (expected; "
                                  "--verbose shows each case):\n"));
    any = 1;
    FC_REP_TRY(write_cex_line(out, r, opts));
  }
  return FC_OK;
}

/* "N properties: ..." */
static int write_summary_line(FILE *out, const fc_report *rep) {
  size_t passed, failed, errors;
  long faults;
  fc_report_counts(rep, &passed, &failed, &errors, &faults);
  size_t np = fc_report_count(rep, FC_STATUS_NOT_PROVIDED);
  FC_REP_TRY(fc_rep_printf(out, "%zu properties: %zu passed, %zu failed, "
                                "%zu errors",
                           rep->n + rep->not_run, passed, failed, errors));
  if (np > 0) /* never counted as passes either */
    FC_REP_TRY(fc_rep_printf(out, ", %zu not provided", np));
  if (rep->not_run > 0) /* never counted as passes */
    FC_REP_TRY(fc_rep_printf(out, ", %zu not run (--maxfail %ld reached)",
                             rep->not_run, rep->cfg.maxfail));
  if (faults > 0)
    FC_REP_TRY(fc_rep_printf(out, " (%ld oracle faults)", faults));
  FC_REP_TRY(fc_rep_printf(out, ", %.2f s", rep->seconds));
  if (rep->interrupted)
    FC_REP_TRY(fc_rep_puts(out, "; INTERRUPTED: the properties after the "
                                "last one listed did not run"));
  return fc_rep_puts(out, "\n");
}

/* Text with options (see foldcheck.h, fc_write_opts). */
int fc_report_write_text_ex(FILE *out, const fc_report *rep,
                            const fc_write_opts *opts) {
  fc_write_opts dflt = {0, NULL};
  if (out == NULL || fc_report_validate(rep) != FC_OK)
    return FC_EINVAL;
  if (opts == NULL)
    opts = &dflt;
  /* The run and its verdict first, then the table, then what needs
   * reading. */
  FC_REP_TRY(write_header(out, rep, 1));
  FC_REP_TRY(write_summary_line(out, rep));
  FC_REP_TRY(write_header(out, rep, 0));
  FC_REP_TRY(write_table(out, rep, opts->verbose));
  FC_REP_TRY(write_notes(out, rep, opts->verbose));
  FC_REP_TRY(write_detections(out, rep, opts));
  FC_REP_TRY(write_counterexamples(out, rep, opts));
  FC_REP_TRY(write_problems(out, rep));
  FC_REP_TRY(write_not_provided(out, rep));
  FC_REP_TRY(write_kernel_free(out, rep));
  FC_REP_TRY(fc_rep_puts(out, "\n"));
  FC_REP_TRY(write_summary_line(out, rep));
  return fc_rep_finish(out);
}

/* See reports_internal.h. */
int fc_report_write_text(FILE *out, const fc_report *rep) {
  return fc_report_write_text_ex(out, rep, NULL);
}

/* summary.c -- a short Markdown summary of a run, for a pull-request
 * comment or a CI job summary ($GITHUB_STEP_SUMMARY).
 *
 *   ## foldcheck: PASS -- 76 properties: 76 passed, 0 failed, 0 errors
 *   seed ..., profile ..., kernels ..., precision ...
 *   | family | properties | passed | fell short | worst accuracy |
 *   ### Fell short                 (each: expectation, message, replay)
 *   <details> negative controls detected, one line each </details>
 *
 * No SVG, no case values: it stays below SUMMARY_MAX bytes (64 KB is
 * GitHub's comment and step-summary budget) whatever the report: lists are
 * cut with a count of what was left out, and replay tokens longer than
 * TOKEN_MAX are replaced by a pointer to the JSON report. */
#include <string.h>

#include "reports_internal.h"

#define SUMMARY_MAX 60000 /* bytes: below 64 KiB with room to spare */
#define TOKEN_MAX 600     /* longer tokens are not inlined */
#define LIST_MAX 40       /* entries per list */

/* printf that keeps count of the bytes written. */
#define OUT(...)                                                            \
  do {                                                                      \
    int k_ = fprintf(out, __VA_ARGS__);                                     \
    if (k_ < 0)                                                             \
      return FC_EIO;                                                        \
    *used += (size_t)k_;                                                    \
  } while (0)

/* An identifier or message in backticks, without backticks or newlines in
 * it (they would break the Markdown). */
static int code(FILE *out, size_t *used, const char *s, size_t max) {
  size_t n = 0;
  OUT("`");
  for (; s != NULL && *s && n < max; s++, n++) {
    char c = *s == '`' || *s == '\n' || *s == '\r' || *s == '|' ? '\'' : *s;
    if (fputc(c, out) == EOF)
      return FC_EIO;
    (*used)++;
  }
  if (s != NULL && *s)
    OUT("...");
  OUT("`");
  return FC_OK;
}

static int families(FILE *out, size_t *used, const fc_report *rep) {
  OUT("| family | properties | met expectation | fell short | worst "
      "accuracy error/bound (must hold) |\n|---|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < rep->n; i++) {
    const char *id = rep->results[i].prop->id;
    size_t fl = fc_rep_family_len(id);
    int seen = 0;
    for (size_t j = 0; j < i && !seen; j++)
      seen = fc_rep_family_len(rep->results[j].prop->id) == fl &&
             strncmp(rep->results[j].prop->id, id, fl) == 0;
    if (seen)
      continue;
    size_t n = 0, ok = 0;
    double worst = -1;
    for (size_t j = i; j < rep->n; j++) {
      const fc_prop_result *r = &rep->results[j];
      if (fc_rep_family_len(r->prop->id) != fl ||
          strncmp(r->prop->id, id, fl) != 0)
        continue;
      if (r->status == FC_STATUS_NOT_PROVIDED)
        continue; /* listed under "Not provided" */
      n++;
      ok += r->status == FC_STATUS_PASS;
      const fc_worst *w = &r->worst[FC_LEVEL_ACCURACY];
      if (r->prop->expect == FC_EXPECT_HOLDS && w->present &&
          !(w->ratio <= worst))
        worst = w->ratio;
    }
    OUT("| %.*s | %zu | %zu | %zu | ", (int)fl, id, n, ok, n - ok);
    if (worst >= 0 || worst != worst)
      OUT("%.2e |\n", worst);
    else
      OUT("- |\n");
  }
  return FC_OK;
}

static int replay(FILE *out, size_t *used, const fc_prop_result *r) {
  const char *tok = r->cex ? r->cex->token : NULL;
  if (tok == NULL)
    return FC_OK;
  if (strlen(tok) > TOKEN_MAX) {
    OUT("  replay: token of %zu characters in the JSON report "
        "(`properties[].counterexample.replay`)\n", strlen(tok));
    return FC_OK;
  }
  OUT("  replay: `foldcheck replay %s`\n", tok);
  return FC_OK;
}

/* See reports_internal.h. */
int fc_report_write_summary(FILE *out, const fc_report *rep) {
  size_t passed, failed, errors, u = 0, *used = &u;
  long faults;
  if (out == NULL || fc_report_validate(rep) != FC_OK)
    return FC_EINVAL;
  fc_report_counts(rep, &passed, &failed, &errors, &faults);
  int ok = failed == 0 && errors == 0 && !rep->interrupted;
  OUT("## foldcheck: %s -- %zu properties: %zu passed, %zu failed, %zu "
      "errors",
      ok ? "PASS" : rep->interrupted ? "INTERRUPTED" : "FAIL",
      rep->n + rep->not_run, passed, failed, errors);
  size_t np = fc_report_count(rep, FC_STATUS_NOT_PROVIDED);
  if (np > 0)
    OUT(", %zu not provided", np);
  if (rep->not_run > 0)
    OUT(", %zu not run (--maxfail %ld reached)", rep->not_run, rep->cfg.maxfail);
  OUT("%s\n\n", rep->interrupted ? " (interrupted: partial run)" : "");
  OUT("seed %llu, profile %s, kernels %s, precision %ld bits, foldcheck %s, "
      "%.1f s",
      (unsigned long long)rep->cfg.seed, fc_rep_str(rep->cfg.profile, "-"),
      fc_rep_kernels(rep), rep->cfg.prec, fc_rep_version(rep), rep->seconds);
  if (rep->cfg.shard_count > 1)
    OUT(", shard %d/%d", rep->cfg.shard_index, rep->cfg.shard_count);
  if (faults > 0)
    OUT(", %ld oracle faults", faults);
  size_t timed = 0;
  for (size_t i = 0; i < rep->n; i++)
    timed += rep->results[i].stopped_by_time != 0;
  if (timed > 0) /* fewer cases than asked: the report depends on speed */
    OUT(", %zu stopped by the time budget", timed);
  OUT("\n\n");
  FC_REP_TRY(families(out, used, rep));

  size_t shown = 0, left = 0;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->status == FC_STATUS_PASS || r->status == FC_STATUS_NOT_PROVIDED)
      continue;
    if (shown >= LIST_MAX || *used > SUMMARY_MAX / 2) {
      left++;
      continue;
    }
    if (shown++ == 0)
      OUT("\n### Fell short\n\n");
    OUT("- ");
    FC_REP_TRY(code(out, used, r->prop->id, 120));
    OUT(" (%s): **%s** ",
        r->prop->expect == FC_EXPECT_HOLDS ? "must hold" : "negative control",
        r->status == FC_STATUS_FAIL ? "FAIL" : "ERROR");
    FC_REP_TRY(code(out, used, r->message, 240));
    OUT("\n");
    char head[320];
    if (r->cex != NULL && r->prop->expect == FC_EXPECT_HOLDS &&
        fc_check_headline(head, sizeof head, &r->cex->check,
                          r->cex->level)[0]) {
      OUT("  where: "); /* which output, element, values; or the crash */
      FC_REP_TRY(code(out, used, head, 320));
      OUT("\n");
    }
    FC_REP_TRY(replay(out, used, r));
  }
  if (left)
    OUT("- ... and %zu more (see the full report)\n", left);

  /* Not provided: one line, ids only (the full report has the reasons). */
  if (np > 0) {
    OUT("\nNot provided by the kernels under test (not run): ");
    shown = 0;
    for (size_t i = 0; i < rep->n; i++) {
      const fc_prop_result *r = &rep->results[i];
      if (r->status != FC_STATUS_NOT_PROVIDED)
        continue;
      if (shown >= LIST_MAX || *used > SUMMARY_MAX - 8000) {
        OUT(", ... (%zu in all)", np);
        break;
      }
      OUT("%s", shown++ ? ", " : "");
      FC_REP_TRY(code(out, used, r->prop->id, 120));
    }
    OUT("\n");
  }

  shown = left = 0;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->prop->expect != FC_EXPECT_DETECT || r->status != FC_STATUS_PASS ||
        r->cex == NULL)
      continue;
    if (shown >= LIST_MAX || *used > SUMMARY_MAX - 4000) {
      left++;
      continue;
    }
    if (shown++ == 0)
      OUT("\n<details><summary>negative controls detected (expected)"
          "</summary>\n\n");
    OUT("- ");
    FC_REP_TRY(code(out, used, r->prop->id, 120));
    OUT(": detected at %s, shrunk to %zu choices%s\n",
        fc_rep_level_name(r->cex->level), r->cex->nchoices,
        r->cex->shrink_time_limited ? " (time-limited)" : "");
  }
  if (left)
    OUT("- ... and %zu more\n", left);
  if (shown || left)
    OUT("\n</details>\n");
  return fc_rep_finish(out);
}

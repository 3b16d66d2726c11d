/* tap.c -- the report for automake's tap-driver and Perl's prove.
 *
 *   TAP version 13
 *   1..3
 *   # foldcheck 0.1.0: profile ci, seed 42, precision 256, kernels reference
 *   ok 1 - commutant2d.span (holds, 200 cases)
 *     ---
 *     status: pass
 *     ...
 *     ...
 *   not ok 2 - fold.single (holds, 57 cases)
 *     ---
 *     ...
 *   # fold.single: fail: counterexample at level accuracy
 *   # replay: foldcheck replay fc1-...
 *   # 3 properties: 2 passed, 1 failed, 0 errors
 *
 * A property is "ok" exactly when its status is pass (a detected negative
 * control included); fail and error are "not ok".  The YAML block uses only
 * the YAMLish subset TAP::Parser reads: nested maps, unquoted numbers, "~"
 * for absent values and double-quoted strings with \\, \" and \xNN escapes.
 */
#include <string.h>

#include <stdlib.h>

#include "reports_internal.h"

/* s as a YAMLish double-quoted string (NULL -> ~). */
static int yaml_str(FILE *out, const char *s) {
  const unsigned char *u;
  if (s == NULL)
    return fc_rep_puts(out, "~");
  FC_REP_TRY(fc_rep_puts(out, "\""));
  for (u = (const unsigned char *)s; *u != '\0'; u++) {
    if (*u == '"' || *u == '\\')
      FC_REP_TRY(fc_rep_printf(out, "\\%c", *u));
    else if (*u < 0x20 || *u == 0x7F)
      FC_REP_TRY(fc_rep_printf(out, "\\x%02x", *u));
    else if (fputc(*u, out) == EOF)
      return FC_EIO;
  }
  return fc_rep_puts(out, "\"");
}

/* "  key: "string"\n" at the given indentation. */
static int yaml_kv_str(FILE *out, const char *ind, const char *key,
                       const char *s) {
  FC_REP_TRY(fc_rep_printf(out, "%s%s: ", ind, key));
  FC_REP_TRY(yaml_str(out, s));
  return fc_rep_puts(out, "\n");
}

/* Text on a TAP test line: no newline, and '#' escaped so that it does not
 * start a directive. */
static int tap_desc(FILE *out, const char *s) {
  for (; *s != '\0'; s++) {
    int rc;
    if (*s == '#')
      rc = fc_rep_puts(out, "\\#");
    else if (*s == '\n' || *s == '\r')
      rc = fc_rep_puts(out, " ");
    else
      rc = fputc((unsigned char)*s, out) == EOF ? FC_EIO : FC_OK;
    if (rc != FC_OK)
      return rc;
  }
  return FC_OK;
}

/* "# prefix" followed by text, one "# " line per line of text; other
 * control characters as \xNN. */
static int tap_diag(FILE *out, const char *prefix, const char *text) {
  FC_REP_TRY(fc_rep_printf(out, "# %s", prefix));
  for (; *text != '\0'; text++) {
    if (*text == '\n') {
      FC_REP_TRY(fc_rep_puts(out, "\n# "));
    } else if ((unsigned char)*text < 0x20 || *text == 0x7F) {
      FC_REP_TRY(fc_rep_printf(out, "\\x%02x", (unsigned char)*text));
    } else if (fputc((unsigned char)*text, out) == EOF) {
      return FC_EIO;
    }
  }
  return fc_rep_puts(out, "\n");
}

/* "# " diagnostics saying where a failing case went wrong: the kernel
 * failure, or each mismatched output's elements (fc_check_write_outputs). */
static int cex_diag(FILE *out, const fc_counterexample *x) {
  if (x->check.kernel_failure[0] != '\0')
    return tap_diag(out, "", x->check.kernel_failure);
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (mem == NULL)
    return FC_ENOMEM;
  int rc = fc_check_write_outputs(mem, &x->check, x->level, "", 0);
  if (fclose(mem) != 0 && rc == FC_OK)
    rc = FC_ENOMEM;
  if (rc == FC_OK && len > 0) {
    if (buf[len - 1] == '\n')
      buf[len - 1] = '\0';
    rc = tap_diag(out, "", buf);
  }
  free(buf);
  return rc;
}

static int yaml_block(FILE *out, const fc_prop_result *r) {
  const fc_property *p = r->prop;
  const fc_counterexample *x = r->cex;
  int l;
  FC_REP_TRY(fc_rep_puts(out, "  ---\n"));
  FC_REP_TRY(yaml_kv_str(out, "  ", "id", p->id));
  FC_REP_TRY(fc_rep_printf(out, "  status: %s\n  expect: %s\n",
                           fc_rep_status_name(r->status),
                           fc_rep_expect_name(p->expect)));
  if (p->extension != NULL)
    FC_REP_TRY(yaml_kv_str(out, "  ", "extension", p->extension));
  FC_REP_TRY(fc_rep_printf(out,
                           "  cases: %ld\n  discarded: %ld\n  failures: %ld\n"
                           "  oracle_faults: %ld\n  seconds: %.3f\n",
                           r->cases, r->discarded, r->failures,
                           r->oracle_faults, r->seconds));
  if (r->stopped_by_time) /* fewer cases than asked: machine-dependent */
    FC_REP_TRY(fc_rep_puts(out, "  stopped_by_time: true\n"));
  if (r->message[0] != '\0')
    FC_REP_TRY(yaml_kv_str(out, "  ", "message", r->message));
  FC_REP_TRY(fc_rep_puts(out, "  worst_ratio:\n"));
  for (l = 0; l < FC_NLEVELS; l++) {
    if (r->worst[l].present)
      FC_REP_TRY(fc_rep_printf(out, "    %s: %.3e\n", fc_rep_level_name(l),
                               r->worst[l].ratio));
    else
      FC_REP_TRY(fc_rep_printf(out, "    %s: ~\n", fc_rep_level_name(l)));
  }
  if (x != NULL) {
    FC_REP_TRY(fc_rep_printf(out,
                             "  counterexample:\n    level: %s\n"
                             "    case_index: %ld\n",
                             fc_rep_level_name(x->level), x->case_index));
    if (x->level >= 0 && x->level < FC_NLEVELS &&
        x->check.level[x->level].present)
      FC_REP_TRY(fc_rep_printf(out, "    ratio: %.3e\n",
                               x->check.level[x->level].ratio));
    char head[320];
    if (fc_check_headline(head, sizeof head, &x->check, x->level)[0])
      FC_REP_TRY(yaml_kv_str(out, "    ", "where", head));
    FC_REP_TRY(fc_rep_printf(out, "    choices: %zu\n", x->nchoices));
    FC_REP_TRY(yaml_kv_str(out, "    ", "replay", x->token));
  }
  return fc_rep_puts(out, "  ...\n");
}

/* See reports_internal.h. */
int fc_report_write_tap(FILE *out, const fc_report *rep) {
  size_t i, passed, failed, errors;
  long faults;
  if (out == NULL || fc_report_validate(rep) != FC_OK)
    return FC_EINVAL;
  fc_report_counts(rep, &passed, &failed, &errors, &faults);
  FC_REP_TRY(fc_rep_printf(out, "TAP version 13\n1..%zu\n", rep->n));
  FC_REP_TRY(fc_rep_printf(
      out, "# foldcheck %s: profile %s, seed %llu, precision %ld bits "
           "(slack %ld), kernels %s, threads %d\n",
      fc_rep_version(rep), fc_rep_str(rep->cfg.profile, "-"),
      (unsigned long long)rep->cfg.seed, rep->cfg.prec, rep->cfg.slack_bits,
      fc_rep_kernels(rep), rep->cfg.threads));
  for (i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->status == FC_STATUS_NOT_PROVIDED) {
      /* Neither a pass nor a failure: a skip with its reason. */
      FC_REP_TRY(fc_rep_printf(out, "ok %zu - ", i + 1));
      FC_REP_TRY(tap_desc(out, r->prop->id));
      FC_REP_TRY(fc_rep_puts(out, " # SKIP not provided: "));
      FC_REP_TRY(tap_desc(out, fc_rep_str(r->message, "no reason")));
      FC_REP_TRY(fc_rep_puts(out, "\n"));
      continue;
    }
    FC_REP_TRY(fc_rep_printf(out, "%s %zu - ",
                             r->status == FC_STATUS_PASS ? "ok" : "not ok",
                             i + 1));
    FC_REP_TRY(tap_desc(out, r->prop->id));
    FC_REP_TRY(fc_rep_printf(out, " (%s, %ld cases)\n",
                             fc_rep_expect_name(r->prop->expect), r->cases));
    FC_REP_TRY(yaml_block(out, r));
    if (r->status != FC_STATUS_PASS) {
      char prefix[160];
      snprintf(prefix, sizeof prefix, "%.100s: %s: ", r->prop->id,
               fc_rep_status_name(r->status));
      FC_REP_TRY(tap_diag(out, prefix, fc_rep_str(r->message, "(no message)")));
      if (r->cex != NULL)
        FC_REP_TRY(cex_diag(out, r->cex));
    }
    if (r->cex != NULL && r->cex->token != NULL)
      FC_REP_TRY(tap_diag(out, "replay: foldcheck replay ", r->cex->token));
  }
  FC_REP_TRY(fc_rep_printf(out, "# %zu properties: %zu passed, %zu failed, "
                                "%zu errors",
                           rep->n, passed, failed, errors));
  if (fc_report_count(rep, FC_STATUS_NOT_PROVIDED) > 0)
    FC_REP_TRY(fc_rep_printf(out, ", %zu not provided",
                             fc_report_count(rep, FC_STATUS_NOT_PROVIDED)));
  if (faults > 0)
    FC_REP_TRY(fc_rep_printf(out, " (%ld oracle faults)", faults));
  FC_REP_TRY(fc_rep_puts(out, "\n"));
  return fc_rep_finish(out);
}

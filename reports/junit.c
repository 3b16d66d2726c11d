/* junit.c -- the report for CI servers (JUnit XML, as Jenkins, GitLab and
 * GitHub Actions read it).
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <testsuites name="foldcheck" tests="3" failures="1" errors="0" time="...">
 *     <testsuite name="foldcheck" tests="3" failures="1" errors="0"
 *                skipped="0" time="...">   (skipped: not provided)
 *       <properties> seed, precision, kernels, environment.* </properties>
 *       <testcase classname="foldcheck.fold" name="fold.single" time="...">
 *         <failure message="..." type="counterexample">(the counterexample
 *           block of the text report)</failure>
 *         <system-out>(anchors, expectation, cases, worst ratios)</system-out>
 *       </testcase>
 *     </testsuite>
 *   </testsuites>
 *
 * A property with status error gets <error>; a detected negative control
 * (status pass) keeps its counterexample in <system-out>.  All text is
 * escaped for XML 1.0: the five special characters become entities, tab,
 * newline and carriage return are kept (as character references inside
 * attributes), and characters XML 1.0 forbids (other C0 controls, U+FFFE,
 * U+FFFF) and bytes that are not UTF-8 become U+FFFD.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports_internal.h"

static int xml_escape(FILE *out, const char *s, int attr) {
  return fc_rep_xml_escape(out, s, attr);
}

/* <property name="name" value="value"/> */
static int xml_property(FILE *out, const char *name, const char *value) {
  FC_REP_TRY(fc_rep_printf(out, "      <property name=\""));
  FC_REP_TRY(xml_escape(out, name, 1));
  FC_REP_TRY(fc_rep_puts(out, "\" value=\""));
  FC_REP_TRY(xml_escape(out, value, 1));
  return fc_rep_puts(out, "\"/>\n");
}

/* Seconds for a time attribute: finite and non-negative. */
static double xml_seconds(double s) { return isfinite(s) && s > 0 ? s : 0; }

static int write_properties(FILE *out, const fc_report *rep) {
  const fc_env *e = &rep->env;
  char num[32];
  FC_REP_TRY(fc_rep_puts(out, "    <properties>\n"));
  FC_REP_TRY(xml_property(out, "foldcheck", fc_rep_version(rep)));
  snprintf(num, sizeof num, "%llu", (unsigned long long)rep->cfg.seed);
  FC_REP_TRY(xml_property(out, "seed", num));
  snprintf(num, sizeof num, "%ld", rep->cfg.prec);
  FC_REP_TRY(xml_property(out, "precision", num));
  snprintf(num, sizeof num, "%ld", rep->cfg.slack_bits);
  FC_REP_TRY(xml_property(out, "slack_bits", num));
  FC_REP_TRY(xml_property(out, "profile", fc_rep_str(rep->cfg.profile, "")));
  FC_REP_TRY(xml_property(out, "kernels", fc_rep_kernels(rep)));
  snprintf(num, sizeof num, "%ld", rep->cfg.cases);
  FC_REP_TRY(xml_property(out, "cases", num));
  FC_REP_TRY(xml_property(out, "environment.mpfr", e->mpfr));
  FC_REP_TRY(xml_property(out, "environment.gmp", e->gmp));
  FC_REP_TRY(xml_property(out, "environment.openblas", e->openblas));
  FC_REP_TRY(xml_property(out, "environment.openblas_config",
                          e->openblas_config));
  FC_REP_TRY(xml_property(out, "environment.compiler", e->compiler));
  FC_REP_TRY(xml_property(out, "environment.cpu", e->cpu));
  snprintf(num, sizeof num, "%d", e->threads);
  FC_REP_TRY(xml_property(out, "environment.threads", num));
  return fc_rep_puts(out, "    </properties>\n");
}

/* What a person reads about a property in <system-out>. */
static int write_summary_text(FILE *m, const fc_report *rep,
                              const fc_prop_result *r) {
  const fc_property *p = r->prop;
  size_t k;
  int l;
  FC_REP_TRY(fc_rep_printf(m, "%s: %s\n", p->id,
                           fc_rep_str(p->title, "(no title)")));
  FC_REP_TRY(fc_rep_printf(m, "anchors (%s): ",
                           fc_rep_str(p->lean_file, "no Lean file")));
  if (p->anchors == NULL || p->anchors[0] == NULL)
    FC_REP_TRY(fc_rep_puts(m, "none"));
  for (k = 0; p->anchors != NULL && p->anchors[k] != NULL; k++)
    FC_REP_TRY(fc_rep_printf(m, "%s%s", k ? ", " : "", p->anchors[k]));
  FC_REP_TRY(fc_rep_puts(m, "\n"));
  if (p->extension != NULL)
    FC_REP_TRY(fc_rep_printf(m, "extension (beyond the Lean anchors): %s\n",
                             p->extension));
  FC_REP_TRY(fc_rep_printf(
      m,
      "expect %s, status %s: %ld cases, %ld discarded, %ld failures, "
      "%ld from the database, %ld oracle faults%s\n",
      fc_rep_expect_name(p->expect), fc_rep_status_name(r->status), r->cases,
      r->discarded, r->failures, r->db_replayed, r->oracle_faults,
      r->stopped_by_time ? ", stopped by the time budget" : ""));
  FC_REP_TRY(fc_rep_puts(m, "worst error/bound:"));
  for (l = 0; l < FC_NLEVELS; l++) {
    const fc_worst *w = &r->worst[l];
    if (w->present)
      FC_REP_TRY(fc_rep_printf(m, " %s %.2e (err %.2e, bound %.2e, case %ld)%s",
                               fc_rep_level_name(l), w->ratio, w->err,
                               w->bound, w->case_index,
                               l + 1 < FC_NLEVELS ? ";" : ""));
    else
      FC_REP_TRY(fc_rep_printf(m, " %s -%s", fc_rep_level_name(l),
                               l + 1 < FC_NLEVELS ? ";" : ""));
  }
  FC_REP_TRY(fc_rep_puts(m, "\n"));
  if (r->cex != NULL && r->status == FC_STATUS_PASS) {
    FC_REP_TRY(fc_rep_puts(m, "counterexample (detected, as expected):\n"));
    FC_REP_TRY(fc_report_write_cex(m, rep, r, "  "));
  }
  return FC_OK;
}

/* Render into a memory buffer: 0 = summary text, 1 = counterexample. */
static int render(char **buf, size_t *len, int what, const fc_report *rep,
                  const fc_prop_result *r) {
  FILE *m;
  int rc;
  *buf = NULL;
  *len = 0;
  m = open_memstream(buf, len);
  if (m == NULL)
    return FC_ENOMEM;
  rc = what == 0 ? write_summary_text(m, rep, r)
                 : fc_report_write_cex(m, rep, r, "");
  if (fclose(m) != 0 && rc == FC_OK)
    rc = FC_ENOMEM;
  if (rc != FC_OK) {
    /* A memory stream only fails when it cannot grow. */
    free(*buf);
    *buf = NULL;
    return rc == FC_EIO ? FC_ENOMEM : rc;
  }
  return FC_OK;
}

/* <failure> or <error> of a property that did not pass. */
static int write_verdict(FILE *out, const fc_report *rep,
                         const fc_prop_result *r) {
  const char *tag = r->status == FC_STATUS_FAIL ? "failure" : "error";
  char msg[320];
  /* The message CI servers show in their list: where a failing case went
   * wrong (the kernel failure, the worst output's mismatches) when there
   * is one; the body has the details. */
  if (r->status == FC_STATUS_FAIL && r->cex != NULL &&
      r->prop->expect == FC_EXPECT_HOLDS &&
      fc_check_headline(msg, sizeof msg, &r->cex->check, r->cex->level)[0])
    ;
  else if (r->message[0] != '\0')
    snprintf(msg, sizeof msg, "%s", r->message);
  else if (r->cex != NULL)
    snprintf(msg, sizeof msg, "counterexample at level %s",
             fc_rep_level_name(r->cex->level));
  else
    snprintf(msg, sizeof msg, "%s", fc_rep_status_name(r->status));
  FC_REP_TRY(fc_rep_printf(out, "      <%s message=\"", tag));
  FC_REP_TRY(xml_escape(out, msg, 1));
  FC_REP_TRY(fc_rep_printf(out, "\" type=\"%s\">",
                           r->status == FC_STATUS_ERROR
                               ? "error"
                               : (r->cex != NULL ? "counterexample"
                                                 : "no-counterexample")));
  if (r->cex != NULL) {
    char *buf;
    size_t len;
    int rc = render(&buf, &len, 1, rep, r);
    if (rc != FC_OK)
      return rc;
    rc = fc_rep_xml_escape_n(out, buf, len, 0);
    free(buf);
    if (rc != FC_OK)
      return rc;
  } else {
    FC_REP_TRY(xml_escape(out, fc_rep_str(r->message, msg), 0));
  }
  return fc_rep_printf(out, "</%s>\n", tag);
}

static int write_testcase(FILE *out, const fc_report *rep,
                          const fc_prop_result *r) {
  const char *id = r->prop->id;
  char *buf;
  size_t len;
  int rc;
  FC_REP_TRY(fc_rep_puts(out, "    <testcase classname=\"foldcheck."));
  FC_REP_TRY(fc_rep_xml_escape_n(out, id, fc_rep_family_len(id), 1));
  FC_REP_TRY(fc_rep_puts(out, "\" name=\""));
  FC_REP_TRY(xml_escape(out, id, 1));
  FC_REP_TRY(fc_rep_printf(out, "\" time=\"%.3f\">\n",
                           xml_seconds(r->seconds)));
  if (r->status == FC_STATUS_NOT_PROVIDED) {
    /* Not provided: skipped, with the reason (never a pass). */
    FC_REP_TRY(fc_rep_puts(out, "      <skipped message=\"not provided: "));
    FC_REP_TRY(xml_escape(out, fc_rep_str(r->message, "no reason"), 1));
    FC_REP_TRY(fc_rep_puts(out, "\"/>\n"));
  } else if (r->status != FC_STATUS_PASS)
    FC_REP_TRY(write_verdict(out, rep, r));
  FC_REP_TRY(fc_rep_puts(out, "      <system-out>"));
  rc = render(&buf, &len, 0, rep, r);
  if (rc != FC_OK)
    return rc;
  rc = fc_rep_xml_escape_n(out, buf, len, 0);
  free(buf);
  if (rc != FC_OK)
    return rc;
  return fc_rep_puts(out, "</system-out>\n    </testcase>\n");
}

/* See reports_internal.h. */
int fc_report_write_junit(FILE *out, const fc_report *rep) {
  size_t i, passed, failed, errors;
  double t;
  if (out == NULL || fc_report_validate(rep) != FC_OK)
    return FC_EINVAL;
  fc_report_counts(rep, &passed, &failed, &errors, NULL);
  t = xml_seconds(rep->seconds);
  FC_REP_TRY(fc_rep_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
  FC_REP_TRY(fc_rep_printf(out,
                           "<testsuites name=\"foldcheck\" tests=\"%zu\" "
                           "failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
                           rep->n, failed, errors, t));
  FC_REP_TRY(fc_rep_printf(out,
                           "  <testsuite name=\"foldcheck\" tests=\"%zu\" "
                           "failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
                           "time=\"%.3f\">\n",
                           rep->n, failed, errors,
                           fc_report_count(rep, FC_STATUS_NOT_PROVIDED), t));
  FC_REP_TRY(write_properties(out, rep));
  for (i = 0; i < rep->n; i++)
    FC_REP_TRY(write_testcase(out, rep, &rep->results[i]));
  FC_REP_TRY(fc_rep_puts(out, "  </testsuite>\n</testsuites>\n"));
  return fc_rep_finish(out);
}

/* reports_internal.h -- the report writers (internal to libfoldcheck).
 *
 * Reports read result records (fc_report, fc_prop_result and what they
 * point to) and nothing else: no kernel table, no oracle, no property
 * callback except a property's optional `describe`, which prints a case.
 *
 * Every writer here takes a report that fc_report_validate accepted,
 * writes it to `out`, checks every write and returns FC_OK, FC_EIO when a
 * write (or the final fflush) failed, FC_ENOMEM when an allocation failed,
 * FC_EINVAL for NULL arguments or an invalid report.  A writer may have
 * written part of the report when it fails.  None keeps state between
 * calls; all are safe to call from several threads on different streams.
 *
 * Non-finite doubles (an overflowed residual, a NaN from a broken kernel)
 * are legal in records.  Text and TAP print them as "inf"/"-inf"/"nan";
 * JSON, which has no such numbers, encodes them as the strings "inf",
 * "-inf" and "nan" (see fc_report_to_json).
 */
#ifndef FC_REPORTS_INTERNAL_H
#define FC_REPORTS_INTERNAL_H

#include <stdio.h>
#include <jansson.h>

#include "foldcheck.h"

/* Return the code of `expr` from the enclosing function if it is not FC_OK. */
#define FC_REP_TRY(expr)                                                    \
  do {                                                                      \
    int fc_rep_rc_ = (expr);                                                \
    if (fc_rep_rc_ != FC_OK)                                                \
      return fc_rep_rc_;                                                    \
  } while (0)

/* ------------------------------------------------------------ format.c */

/* Check that rep can be written: rep non-NULL, results non-NULL when n > 0,
 * each result has a property with a non-NULL id and a status in range, each
 * counterexample has its values, and every fixed-size string field (kernels,
 * env, message, note) is NUL-terminated.  FC_OK or FC_EINVAL. */
int fc_report_validate(const fc_report *rep);

/* fprintf to out; FC_OK, or FC_EIO when fprintf reports an error. */
int fc_rep_printf(FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* fputs to out; FC_OK or FC_EIO. */
int fc_rep_puts(FILE *out, const char *s);
/* fputs s (NULL -> "") with C0 control characters (tab included), DEL and
 * newlines written as "\xNN", so that one-line fields stay on one line and
 * nothing reaches a terminal as an escape sequence.  FC_OK or FC_EIO. */
int fc_rep_put_clean(FILE *out, const char *s);
/* Flush out and check its error indicator; FC_OK or FC_EIO. */
int fc_rep_finish(FILE *out);

/* Counts over the results: passed, failed, errors and the sum of oracle
 * faults (the properties not provided are in none of the three:
 * fc_report_count).  Any output pointer may be NULL. */
void fc_report_counts(const fc_report *rep, size_t *passed, size_t *failed,
                      size_t *errors, long *oracle_faults);

/* Names that never return NULL, whatever the (possibly corrupt) value. */
const char *fc_rep_status_name(int status);  /* "pass", ..., "not_provided" */
const char *fc_rep_level_name(int level);    /* "statement", ... "?" */
const char *fc_rep_expect_name(int expect);  /* "holds", "detect" */
/* The kernel table of a run: rep->kernels, else cfg.kernels, else
 * "reference". */
const char *fc_rep_kernels(const fc_report *rep);
/* The foldcheck version that produced rep: env.foldcheck, else
 * fc_version(). */
const char *fc_rep_version(const fc_report *rep);
/* A string field that may be NULL or empty: s, else dflt. */
const char *fc_rep_str(const char *s, const char *dflt);

/* Decode the UTF-8 sequence at s (n > 0 bytes available): its length (1 to
 * 4) with the code point in *cp, or 0 when the bytes are not valid UTF-8
 * (a stray continuation byte, an overlong form, a surrogate, a value over
 * U+10FFFF, or a sequence cut short). */
size_t fc_rep_utf8_decode(const char *s, size_t n, unsigned long *cp);
/* s (NULL: "") escaped for XML 1.0 text, or for a double-quoted attribute
 * value when attr: the five special characters as entities, tab and
 * newline kept (as references inside attributes), CR as a reference, and
 * what XML 1.0 forbids (other C0 controls, U+FFFE, U+FFFF) and bytes that
 * are not UTF-8 as U+FFFD.  FC_OK or FC_EIO.  Used by JUnit, HTML, SVG. */
int fc_rep_xml_escape(FILE *out, const char *s, int attr);
/* The same for s[0..n). */
int fc_rep_xml_escape_n(FILE *out, const char *s, size_t n, int attr);

/* Length of the family of a property id: the part before the first '.',
 * or the whole id when it has no dot. */
size_t fc_rep_family_len(const char *id);

/* ------------------------------------------------------------- text.c */

/* The text report for people: summary line, header, table, notes, the
 * negative controls' detections one line each, counterexamples of
 * properties that fell short (long fields elided), problems, summary line
 * again.  fc_report_write_text is fc_report_write_text_ex with default
 * options (opts NULL). */
int fc_report_write_text(FILE *out, const fc_report *rep);
int fc_report_write_text_ex(FILE *out, const fc_report *rep,
                            const fc_write_opts *opts);

/* ---------------------------------------------------------- summary.c */

/* The short Markdown summary for a pull-request comment or a CI job
 * summary: verdict, counts per family, the properties that fell short
 * (message and replay command), negative controls in one line; no SVG,
 * below 64 KB whatever the report (long lists are cut with a count). */
int fc_report_write_summary(FILE *out, const fc_report *rep);

/* The block a person needs about one counterexample of res (which must
 * have res->cex != NULL): property, title, seed, case index, expectation,
 * the level that failed with residual, bound and ratio, the shrunk case
 * (fc_case_print, then the property's describe callback if any), shrink
 * statistics and the one-line replay command.  Each line starts with
 * `indent` (NULL = "").  Shared by the text and JUnit writers. */
int fc_report_write_cex(FILE *out, const fc_report *rep,
                        const fc_prop_result *res, const char *indent);

/* ------------------------------------------------------------- json.c */

/* Build the JSON document of a report (the schema is documented at the top
 * of reports/json.c).  On FC_OK *out holds a new reference the caller
 * releases with json_decref; on failure *out is NULL.  FC_EINVAL for NULL
 * arguments or an invalid report, FC_ENOMEM when jansson fails to
 * allocate.  Non-finite doubles become the strings "inf", "-inf", "nan";
 * the seed is a decimal string (a uint64 does not fit a JSON number). */
int fc_report_to_json(json_t **out, const fc_report *rep);

/* The JSON report: fc_report_to_json dumped with two-space indentation and
 * 17 significant digits, then a newline. */
int fc_report_write_json(FILE *out, const fc_report *rep);

/* ------------------------------------------------------- json_check.c */

/* Rebuild the case of a counterexample object cx (its "size" and "values"
 * members, json.c's form) into c (may be NULL: check only), checking each
 * field's type, shape and elements; a non-finite real is refused when p
 * (this foldcheck's property, or NULL) draws finite values only.  `at` is
 * cx's path for messages ("properties[4].counterexample").  FC_OK, or
 * FC_EPARSE with "PATH: what is wrong" in err. */
int fc_rep_json_case(fc_case *c, json_t *cx, const char *at,
                     const fc_property *p, fc_error *err);

/* -------------------------------------------------------------- tap.c */

/* TAP version 13 for prove and automake: one test per property, "ok" iff
 * its status is pass, a YAML block with the details, "# " diagnostics. */
int fc_report_write_tap(FILE *out, const fc_report *rep);

/* ------------------------------------------------------------ junit.c */

/* JUnit XML for CI servers: one testsuite "foldcheck", one testcase per
 * property (classname "foldcheck.<family>"), <failure> with the
 * counterexample text, <error> for properties that could not run. */
int fc_report_write_junit(FILE *out, const fc_report *rep);

#endif /* FC_REPORTS_INTERNAL_H */

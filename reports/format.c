/* format.c -- choosing a report format and dispatching to its writer, plus
 * the small helpers every writer shares. */
#include <stdarg.h>
#include <string.h>

#include "reports_internal.h"
#include "page.h"

/* The formats by name, in fc_format order. */
static const struct {
  const char *name;
  fc_format format;
} format_names[] = {
    {"text", FC_FORMAT_TEXT},
    {"json", FC_FORMAT_JSON},
    {"tap", FC_FORMAT_TAP},
    {"junit", FC_FORMAT_JUNIT},
    {"markdown", FC_FORMAT_MARKDOWN},
    {"html", FC_FORMAT_HTML},
    {"summary", FC_FORMAT_SUMMARY},
};

/* Inputs: name, one of "text", "json", "tap", "junit", "markdown", "html"
 * (exact, lower case).
 * Output: *f on success (untouched on failure).
 * Return: FC_OK; FC_EINVAL for a NULL argument or an unknown name. */
int fc_format_parse(fc_format *f, const char *name) {
  size_t i;
  if (f == NULL || name == NULL)
    return FC_EINVAL;
  for (i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
    if (strcmp(name, format_names[i].name) == 0) {
      *f = format_names[i].format;
      return FC_OK;
    }
  }
  return FC_EINVAL;
}

/* Inputs: out, an open stream; rep, a report (read only); f, the format.
 * Return: FC_OK; FC_EINVAL for NULL arguments, an invalid report or an
 * unknown format; FC_EIO when a write fails (the stream may then hold part
 * of the report); FC_ENOMEM when an allocation fails.
 * Notes: the stream is flushed but not closed. */
int fc_report_write(FILE *out, const fc_report *rep, fc_format f) {
  return fc_report_write_ex(out, rep, f, NULL);
}

/* As fc_report_write; opts (may be NULL) shape the text format. */
int fc_report_write_ex(FILE *out, const fc_report *rep, fc_format f,
                       const fc_write_opts *opts) {
  int rc;
  if (out == NULL || rep == NULL)
    return FC_EINVAL;
  rc = fc_report_validate(rep);
  if (rc != FC_OK)
    return rc;
  switch (f) {
  case FC_FORMAT_TEXT:
    return fc_report_write_text_ex(out, rep, opts);
  case FC_FORMAT_SUMMARY:
    return fc_report_write_summary(out, rep);
  case FC_FORMAT_JSON:
    return fc_report_write_json(out, rep);
  case FC_FORMAT_TAP:
    return fc_report_write_tap(out, rep);
  case FC_FORMAT_JUNIT:
    return fc_report_write_junit(out, rep);
  case FC_FORMAT_MARKDOWN:
    return fc_report_write_markdown(out, rep);
  case FC_FORMAT_HTML:
    return fc_report_write_html(out, rep);
  }
  return FC_EINVAL;
}

/* A fixed-size string field of a record holds its terminating NUL. */
#define TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

/* See reports_internal.h. */
int fc_report_validate(const fc_report *rep) {
  size_t i;
  if (rep == NULL)
    return FC_EINVAL;
  if (rep->n > 0 && rep->results == NULL)
    return FC_EINVAL;
  if (!TERMINATED(rep->kernels) || !TERMINATED(rep->env.foldcheck) ||
      !TERMINATED(rep->env.mpfr) || !TERMINATED(rep->env.gmp) ||
      !TERMINATED(rep->env.openblas) ||
      !TERMINATED(rep->env.openblas_config) ||
      !TERMINATED(rep->env.compiler) || !TERMINATED(rep->env.cpu))
    return FC_EINVAL;
  for (i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->prop == NULL || r->prop->id == NULL)
      return FC_EINVAL;
    if (r->status != FC_STATUS_PASS && r->status != FC_STATUS_FAIL &&
        r->status != FC_STATUS_ERROR && r->status != FC_STATUS_NOT_PROVIDED)
      return FC_EINVAL;
    if (r->cex != NULL && r->cex->values == NULL)
      return FC_EINVAL;
    if (!TERMINATED(r->message) ||
        (r->cex != NULL && !TERMINATED(r->cex->check.note)))
      return FC_EINVAL;
    if (r->cex != NULL) { /* where the check failed: its strings, counts */
      const fc_check_result *c = &r->cex->check;
      if (!TERMINATED(c->kernel_failure) || !TERMINATED(c->outputs.fmt) ||
          c->outputs.n < 0 || c->outputs.n > FC_CHECK_OUTPUTS)
        return FC_EINVAL;
      for (int k = 0; k < c->outputs.n; k++)
        if (!TERMINATED(c->outputs.out[k].name) ||
            c->outputs.out[k].ndim < 0 ||
            c->outputs.out[k].ndim > FC_OUTPUT_DIMS)
          return FC_EINVAL;
    }
  }
  return FC_OK;
}

/* See reports_internal.h. */
int fc_rep_printf(FILE *out, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vfprintf(out, fmt, ap);
  va_end(ap);
  return n < 0 ? FC_EIO : FC_OK;
}

/* See reports_internal.h. */
int fc_rep_puts(FILE *out, const char *s) {
  return fputs(s, out) == EOF ? FC_EIO : FC_OK;
}

/* See reports_internal.h. */
int fc_rep_put_clean(FILE *out, const char *s) {
  const unsigned char *u;
  for (u = (const unsigned char *)(s != NULL ? s : ""); *u != '\0'; u++) {
    int rc;
    if (*u < 0x20 || *u == 0x7F)
      rc = fprintf(out, "\\x%02x", *u) < 0 ? FC_EIO : FC_OK;
    else
      rc = fputc(*u, out) == EOF ? FC_EIO : FC_OK;
    if (rc != FC_OK)
      return rc;
  }
  return FC_OK;
}

/* See reports_internal.h. */
int fc_rep_finish(FILE *out) {
  if (fflush(out) != 0 || ferror(out))
    return FC_EIO;
  return FC_OK;
}

/* See reports_internal.h. */
void fc_report_counts(const fc_report *rep, size_t *passed, size_t *failed,
                      size_t *errors, long *oracle_faults) {
  size_t i, p = 0, f = 0, e = 0;
  long of = 0;
  for (i = 0; rep != NULL && rep->results != NULL && i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    if (r->status == FC_STATUS_PASS)
      p++;
    else if (r->status == FC_STATUS_FAIL)
      f++;
    else if (r->status == FC_STATUS_ERROR)
      e++;
    if (r->oracle_faults > 0)
      of += r->oracle_faults;
  }
  if (passed)
    *passed = p;
  if (failed)
    *failed = f;
  if (errors)
    *errors = e;
  if (oracle_faults)
    *oracle_faults = of;
}

/* See reports_internal.h. */
const char *fc_rep_status_name(int status) {
  if (status < FC_STATUS_PASS || status > FC_STATUS_NOT_PROVIDED)
    return "?";
  return fc_status_name((fc_status)status);
}

/* See reports_internal.h. */
const char *fc_rep_level_name(int level) {
  if (level < 0 || level >= FC_NLEVELS)
    return "?";
  return fc_level_name((fc_level)level);
}

/* See reports_internal.h. */
const char *fc_rep_expect_name(int expect) {
  return expect == FC_EXPECT_DETECT ? "detect" : "holds";
}

/* See reports_internal.h. */
const char *fc_rep_str(const char *s, const char *dflt) {
  return (s != NULL && s[0] != '\0') ? s : dflt;
}

/* See reports_internal.h. */
const char *fc_rep_kernels(const fc_report *rep) {
  if (rep->kernels[0] != '\0')
    return rep->kernels;
  return fc_rep_str(rep->cfg.kernels, "reference");
}

/* See reports_internal.h. */
const char *fc_rep_version(const fc_report *rep) {
  if (rep->env.foldcheck[0] != '\0')
    return rep->env.foldcheck;
  return fc_version();
}

/* See reports_internal.h. */
size_t fc_rep_family_len(const char *id) {
  const char *dot = strchr(id, '.');
  return dot != NULL ? (size_t)(dot - id) : strlen(id);
}

/* See reports_internal.h. */
size_t fc_rep_utf8_decode(const char *s, size_t n, unsigned long *cp) {
  const unsigned char *u = (const unsigned char *)s;
  unsigned long c, min;
  size_t len, k;
  if (n == 0)
    return 0;
  if (u[0] < 0x80) {
    *cp = u[0];
    return 1;
  }
  if (u[0] >= 0xC2 && u[0] <= 0xDF) {
    len = 2;
    c = u[0] & 0x1F;
    min = 0x80;
  } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
    len = 3;
    c = u[0] & 0x0F;
    min = 0x800;
  } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
    len = 4;
    c = u[0] & 0x07;
    min = 0x10000;
  } else {
    return 0; /* continuation byte, C0/C1 overlong lead, or > U+10FFFF */
  }
  if (n < len)
    return 0;
  for (k = 1; k < len; k++) {
    if ((u[k] & 0xC0) != 0x80)
      return 0;
    c = (c << 6) | (u[k] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return len;
}

/* See reports_internal.h. */
int fc_rep_xml_escape_n(FILE *out, const char *s, size_t n, int attr) {
  size_t i = 0;
  while (i < n) {
    unsigned long c;
    size_t len = fc_rep_utf8_decode(s + i, n - i, &c);
    const char *rep = NULL;
    if (len == 0) {
      rep = "&#xFFFD;"; /* not UTF-8 */
      len = 1;
    } else if (c == '&') {
      rep = "&amp;";
    } else if (c == '<') {
      rep = "&lt;";
    } else if (c == '>') {
      rep = "&gt;";
    } else if (c == '"') {
      rep = "&quot;";
    } else if (c == '\'') {
      rep = "&apos;";
    } else if (c == '\r') {
      rep = "&#13;"; /* a raw CR would be normalised away */
    } else if ((c == '\t' || c == '\n') && attr) {
      rep = c == '\t' ? "&#9;" : "&#10;";
    } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0xFFFE ||
               c == 0xFFFF) {
      rep = "&#xFFFD;"; /* not allowed in XML 1.0, even as a reference */
    }
    if (rep != NULL) {
      FC_REP_TRY(fc_rep_puts(out, rep));
    } else if (fwrite(s + i, 1, len, out) != len) {
      return FC_EIO;
    }
    i += len;
  }
  return FC_OK;
}

/* See reports_internal.h. */
int fc_rep_xml_escape(FILE *out, const char *s, int attr) {
  return fc_rep_xml_escape_n(out, s != NULL ? s : "",
                             s != NULL ? strlen(s) : 0, attr);
}

/* outputs.c -- where a check's elementwise comparisons failed (the
 * fc_outputs of a check result, foldcheck.h): recording, kept to the
 * FC_CHECK_OUTPUTS worst outputs without allocation, and the text people
 * read (headline, per-output details).  Deterministic: a pure function of
 * the comparisons a check makes, in the order it makes them. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include "engine_internal.h"

#define SPARE FC_CHECK_OUTPUTS

/* 1 when ratio a is worse than b: NaN worst, then larger. */
static int ratio_worse(double a, double b)
{
  if (isnan(a))
    return !isnan(b);
  return !isnan(b) && a > b;
}

/* How bad an output is: its greatest ratio, -1 when it has no element. */
static double badness(const fc_output *o)
{
  return o->n > 0 ? o->max_ratio.ratio : -1.0;
}

static void start(fc_output *o, const char *name, int level, int ndim,
                  const size_t *dims)
{
  memset(o, 0, sizeof *o);
  snprintf(o->name, sizeof o->name, "%s", name);
  o->level = level;
  o->ndim = ndim;
  for (int k = 0; k < ndim; k++)
    o->shape[k] = (long)dims[k];
  o->max_abs.index = o->max_ratio.index = -1;
}

/* The slot of an existing output with this name and level, or -1. */
static int find(const fc_outputs *os, const char *name, int level)
{
  const int last = os->cur == SPARE + 1 ? SPARE : os->n - 1;
  for (int i = 0; i <= last; i++)
    if (i < os->n || i == SPARE)
      if (os->out[i].level == level &&
          strncmp(os->out[i].name, name, FC_OUTPUT_NAME - 1) == 0)
        return i;
  return -1;
}

static void declare(fc_outputs *os, const char *name, int level, int ndim,
                    const size_t *dims)
{
  int slot = find(os, name, level);
  if (slot >= 0) { /* the same output again: continue it */
    os->cur = slot + 1;
    return;
  }
  if (os->n < FC_CHECK_OUTPUTS)
    slot = os->n++;
  else {
    slot = SPARE; /* replaces the spare's output, if any: one more left */
    os->dropped++;
  }
  start(&os->out[slot], name, level, ndim, dims);
  os->cur = slot + 1;
}

int fc_check_output(fc_check_result *r, const char *name, int level,
                    int ndim, size_t d0, size_t d1, size_t d2)
{
  if (r == NULL || name == NULL || level < 0 || level >= FC_NLEVELS ||
      ndim < 0 || ndim > FC_OUTPUT_DIMS)
    return FC_EINVAL;
  const size_t dims[FC_OUTPUT_DIMS] = {d0, d1, d2};
  declare(&r->outputs, name, level, ndim, dims);
  return FC_OK;
}

int fc_check_format(fc_check_result *r, const char *name, int bits,
                    int emax)
{
  if (r == NULL || bits < 2 || bits > 64 || emax < 1 || emax > 16383)
    return FC_EINVAL;
  snprintf(r->outputs.fmt, sizeof r->outputs.fmt, "%s", name ? name : "");
  r->outputs.fmt_bits = bits;
  r->outputs.fmt_emax = emax;
  return FC_OK;
}

/* See engine_internal.h. */
double fc_ratio_of(double err, double bound)
{
  if (isnan(err) || isnan(bound))
    return NAN;
  if (bound > 0)
    return err / bound;
  return err > 0 ? INFINITY : 0;
}

static void set_elem(fc_elem *e, long index, double actual, double expected,
                     double err, double bound, double ratio)
{
  e->index = index;
  e->actual = actual;
  e->expected = expected;
  e->err = err;
  e->bound = bound;
  e->ratio = ratio;
}

void fc_check_record(fc_check_result *r, int level, double actual,
                     double expected, double err, double bound, double ulps)
{
  if (r == NULL || level < 0 || level >= FC_NLEVELS)
    return;
  fc_outputs *os = &r->outputs;
  if (os->cur < 1 || os->cur > SPARE + 1 || os->out[os->cur - 1].level != level)
    declare(os, "", level, 0, NULL);
  fc_output *o = &os->out[os->cur - 1];
  const double ratio = fc_ratio_of(err, bound);
  const long i = o->n++;
  if (err > bound || isnan(ratio))
    o->mismatched++;
  if (i == 0 || err > o->max_abs.err ||
      (isnan(err) && !isnan(o->max_abs.err)))
    set_elem(&o->max_abs, i, actual, expected, err, bound, ratio);
  if (i == 0 || ratio_worse(ratio, o->max_ratio.ratio))
    set_elem(&o->max_ratio, i, actual, expected, err, bound, ratio);
  if (ulps > o->ulps || (isnan(ulps) && !isnan(o->ulps)))
    o->ulps = ulps;
  if (os->cur != SPARE + 1)
    return;
  /* The spare holds an output that was left out: it takes the place of
   * the least bad kept one as soon as it is worse (ties keep the
   * earlier). */
  int least = 0;
  for (int k = 1; k < os->n; k++) /* the later of equals goes first */
    if (!ratio_worse(badness(&os->out[k]), badness(&os->out[least])))
      least = k;
  if (ratio_worse(badness(o), badness(&os->out[least]))) {
    fc_output t = os->out[least];
    os->out[least] = *o;
    os->out[SPARE] = t;
    os->cur = least + 1;
  }
}

void fc_check_merge_outputs(fc_check_result *dst, const fc_check_result *src)
{
  if (dst == NULL || src == NULL || dst == src)
    return;
  fc_outputs *os = &dst->outputs;
  if (os->fmt_bits == 0 && src->outputs.fmt_bits != 0) {
    memcpy(os->fmt, src->outputs.fmt, sizeof os->fmt);
    os->fmt_bits = src->outputs.fmt_bits;
    os->fmt_emax = src->outputs.fmt_emax;
  }
  os->dropped += src->outputs.dropped;
  for (int i = 0; i < src->outputs.n && i < FC_CHECK_OUTPUTS; i++) {
    const fc_output *o = &src->outputs.out[i];
    if (os->n < FC_CHECK_OUTPUTS) {
      os->out[os->n++] = *o;
      continue;
    }
    int least = 0;
    for (int k = 1; k < os->n; k++)
      if (!ratio_worse(badness(&os->out[k]), badness(&os->out[least])))
        least = k;
    if (ratio_worse(badness(o), badness(&os->out[least])))
      os->out[least] = *o;
    os->dropped++;
  }
  os->cur = 0;
}

void fc_check_compare(fc_check_result *r, int level, double actual,
                      double expected, double bound)
{
  if (r == NULL || level < 0 || level >= FC_NLEVELS)
    return;
  double err;
  if (isnan(expected))
    err = NAN;
  else if (!isfinite(actual) || !isfinite(expected))
    err = actual == expected ? 0 : INFINITY;
  else
    err = fabs(actual - expected);
  fc_measure_fold(&r->level[level], err, bound, 0);
  fc_check_record(r, level, actual, expected, err, bound, 0);
}

void fc_check_kernel_failed(fc_check_result *r, const char *fmt, ...)
{
  if (r == NULL)
    return;
  if (r->kernel_failure[0] == '\0' && fmt != NULL) { /* the first: the cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->kernel_failure, sizeof r->kernel_failure, fmt, ap);
    va_end(ap);
  }
  fc_measure_fold(&r->level[FC_LEVEL_ACCURACY], NAN, 0, 0);
}

const char *fc_output_coords(char *buf, size_t n, const fc_output *o,
                             long index)
{
  if (buf == NULL || n == 0)
    return buf;
  long total = 1;
  for (int k = 0; o != NULL && k < o->ndim && k < FC_OUTPUT_DIMS && total > 0;
       k++)
    total = o->shape[k] > 0 && total <= LONG_MAX / o->shape[k]
                ? total * o->shape[k]
                : -1;
  if (o == NULL || o->ndim < 1 || o->ndim > FC_OUTPUT_DIMS || index < 0 ||
      total < 0 || index >= total) {
    snprintf(buf, n, "[%ld]", index);
    return buf;
  }
  long c[FC_OUTPUT_DIMS], rest = index;
  for (int k = o->ndim - 1; k >= 0; k--) {
    c[k] = rest % o->shape[k];
    rest /= o->shape[k];
  }
  if (o->ndim == 1)
    snprintf(buf, n, "(%ld)", c[0]);
  else if (o->ndim == 2)
    snprintf(buf, n, "(%ld, %ld)", c[0], c[1]);
  else
    snprintf(buf, n, "(%ld, %ld, %ld)", c[0], c[1], c[2]);
  return buf;
}

int fc_check_outputs_sorted(const fc_output **sorted, const fc_check_result *r,
                            int level)
{
  int m = 0;
  if (sorted == NULL || r == NULL)
    return 0;
  const int n = r->outputs.n < FC_CHECK_OUTPUTS ? r->outputs.n
                                                : FC_CHECK_OUTPUTS;
  for (int i = 0; i < n; i++) {
    const fc_output *o = &r->outputs.out[i];
    if (o->n <= 0)
      continue;
    /* insertion: level match first, then worse ratio; stable */
    int j = m;
    while (j > 0) {
      const fc_output *p = sorted[j - 1];
      const int lo = level < 0 || o->level == level,
                lp = level < 0 || p->level == level;
      if (lo > lp || (lo == lp && ratio_worse(badness(o), badness(p))))
        j--;
      else
        break;
    }
    memmove(sorted + j + 1, sorted + j, (size_t)(m - j) * sizeof *sorted);
    sorted[j] = o;
    m++;
  }
  return m;
}

static const char *out_name(const fc_output *o)
{
  return o->name[0] ? o->name : "compared values";
}

const char *fc_check_headline(char *buf, size_t n, const fc_check_result *r,
                              int level)
{
  if (buf == NULL || n == 0)
    return buf;
  buf[0] = '\0';
  if (r == NULL)
    return buf;
  if (r->kernel_failure[0] != '\0') {
    snprintf(buf, n, "%s", r->kernel_failure);
    return buf;
  }
  const fc_output *s[FC_CHECK_OUTPUTS];
  const int m = fc_check_outputs_sorted(s, r, level);
  if (m > 0 && (level < 0 || s[0]->level == level) && s[0]->mismatched > 0) {
    const fc_output *o = s[0];
    char at[64];
    snprintf(buf, n,
             "%s: %ld / %ld elements mismatched (%.3g%%), greatest "
             "error/bound %.3g at %s (actual %.6g, %s %.6g, bound %.3g)",
             out_name(o), o->mismatched, o->n,
             100.0 * (double)o->mismatched / (double)o->n, o->max_ratio.ratio,
             fc_output_coords(at, sizeof at, o, o->max_ratio.index),
             o->max_ratio.actual,
             o->level == FC_LEVEL_ACCURACY ? "exact" : "expected",
             o->max_ratio.expected, o->max_ratio.bound);
    return buf;
  }
  if (level >= 0 && level < FC_NLEVELS && r->level[level].present) {
    const fc_measure *me = &r->level[level];
    snprintf(buf, n, "%s: residual %.6e vs bound %.6e (ratio %.3e)",
             fc_level_name((fc_level)level), me->err, me->bound, me->ratio);
  }
  return buf;
}

/* printf to out; FC_EIO when the stream reports an error. */
static int put(FILE *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int put(FILE *out, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int k = vfprintf(out, fmt, ap);
  va_end(ap);
  return k < 0 ? FC_EIO : FC_OK;
}

/* "at (2, 17): actual 0.51229999 (0x1.0640p-1), exact 0.5 (0x1p-1),
 * bound 1.2e-06" */
static int put_values(FILE *out, const char *in, const fc_output *o,
                      const fc_elem *e)
{
  char at[64];
  return put(out, "%s  at %s: actual %.9g (%a), %s %.9g (%a), bound %.3g\n",
             in, fc_output_coords(at, sizeof at, o, e->index), e->actual,
             e->actual, o->level == FC_LEVEL_ACCURACY ? "exact" : "expected",
             e->expected, e->expected, e->bound);
}

static int write_one(FILE *out, const fc_output *o, const char *fmt,
                     const char *in)
{
  char at[64], shape[64] = "";
  int rc;
  if (o->ndim >= 1) {
    size_t k = (size_t)snprintf(shape, sizeof shape, ", shape %ld",
                                o->shape[0]);
    for (int d = 1; d < o->ndim && k < sizeof shape; d++)
      k += (size_t)snprintf(shape + k, sizeof shape - k, " x %ld",
                            o->shape[d]);
  }
  const fc_elem *a = &o->max_abs, *q = &o->max_ratio;
  if ((rc = put(out, "%s%s [%s%s]\n", in, out_name(o),
                fc_level_name((fc_level)o->level), shape)) != FC_OK ||
      (rc = put(out, "%s  mismatched elements: %ld / %ld (%.3g%%)\n", in,
                o->mismatched, o->n,
                100.0 * (double)o->mismatched / (double)o->n)) != FC_OK ||
      (rc = put(out, "%s  greatest absolute difference: %.3g at %s (up to "
                "%.3g allowed there)\n", in, a->err,
                fc_output_coords(at, sizeof at, o, a->index), a->bound)) !=
          FC_OK ||
      (rc = put(out, "%s  greatest difference/bound: %.3g at %s\n", in,
                q->ratio, fc_output_coords(at, sizeof at, o, q->index))) !=
          FC_OK ||
      (rc = put_values(out, in, o, q)) != FC_OK)
    return rc;
  if (a->index != q->index && (rc = put_values(out, in, o, a)) != FC_OK)
    return rc;
  if (o->level == FC_LEVEL_ACCURACY && o->ulps != 0)
    rc = put(out, "%s  greatest error: %.3g %s ulps\n", in, o->ulps, fmt);
  return rc;
}

int fc_check_write_outputs(FILE *out, const fc_check_result *r, int level,
                           const char *indent, int verbose)
{
  if (out == NULL || r == NULL)
    return FC_EINVAL;
  const char *in = indent ? indent : "";
  const char *fmt = r->outputs.fmt[0] ? r->outputs.fmt : "fp64";
  const fc_output *s[FC_CHECK_OUTPUTS];
  const int m = fc_check_outputs_sorted(s, r, level);
  int shown = 0, rc = FC_OK;
  for (int i = 0; i < m && rc == FC_OK; i++) {
    const int show = verbose || (s[i]->mismatched > 0 &&
                                 (level < 0 || s[i]->level == level));
    if (show) {
      rc = write_one(out, s[i], fmt, in);
      shown++;
    }
  }
  /* None mismatched: the closest to failing, when it is the level's. */
  if (rc == FC_OK && shown == 0 && m > 0 &&
      (level < 0 || s[0]->level == level))
    rc = write_one(out, s[0], fmt, in);
  if (rc == FC_OK && r->outputs.dropped > 0 && verbose)
    rc = put(out, "%s(%d more output%s compared, less far off: not kept)\n",
             in, r->outputs.dropped, r->outputs.dropped == 1 ? "" : "s");
  return rc;
}

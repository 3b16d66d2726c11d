/* draw.c -- draws recorded as a choice sequence.
 *
 * Every draw is one or more raw choices, each a uint64 in [0, max].  In
 * generate mode a choice comes from the case's PRNG stream (with a
 * distribution chosen by the draw); in replay mode it is read from a given
 * sequence, reduced modulo (max + 1) when an edit made it out of range, and
 * read as 0 past the end (0 is always the simplest choice).  Either way the
 * choice as used is recorded, so the recorded sequence regenerates the case
 * exactly.  Interpretation never depends on the mode: only generation
 * chooses distributions, and shrinking only ever sees the choices. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"

void fc_draw_init_generate(fc_draw *d, const fc_rng *rng, double sizefrac,
                           size_t max_choices)
{
  memset(d, 0, sizeof *d);
  d->mode = FC_DRAW_GENERATE;
  d->rng = *rng;
  d->sizefrac = sizefrac < 0 ? 0 : sizefrac > 1 ? 1 : sizefrac;
  d->scale = 1;
  d->max_choices = max_choices;
}

void fc_draw_init_replay(fc_draw *d, const uint64_t *src, size_t n,
                         size_t max_choices)
{
  memset(d, 0, sizeof *d);
  d->mode = FC_DRAW_REPLAY;
  d->src = src;
  d->nsrc = n;
  d->sizefrac = 1;
  d->scale = 1;
  d->max_choices = max_choices;
}

void fc_draw_clear(fc_draw *d)
{
  free(d->rec);
  d->rec = NULL;
  d->nrec = d->caprec = 0;
}

int fc_draw_status(const fc_draw *d) { return d ? d->status : FC_EINVAL; }

void fc_draw_reject(fc_draw *d)
{
  if (d && d->status == FC_OK)
    d->status = FC_EREJECT;
}
double fc_draw_sizefrac(const fc_draw *d) { return d ? d->sizefrac : 1; }

int fc_draw_scale(const fc_draw *d) { return d ? d->scale : 1; }

int fc_profile_scale(const char *profile)
{
  if (profile != NULL && strcmp(profile, "ci") == 0)
    return 0;
  if (profile != NULL && strcmp(profile, "nightly") == 0)
    return 2;
  return 1;
}

/* Record one choice.  `gen` is the value generate mode proposes (ignored in
 * replay mode); the result is in [0, max]. */
static uint64_t choice(fc_draw *d, uint64_t max, uint64_t gen)
{
  if (d->status != FC_OK)
    return 0;
  if (d->nrec >= d->max_choices) {
    d->status = FC_EOVERRUN;
    return 0;
  }
  uint64_t v;
  if (d->mode == FC_DRAW_GENERATE)
    v = gen;
  else
    v = d->nrec < d->nsrc ? d->src[d->nrec] : 0;
  if (max != UINT64_MAX && v > max)
    v %= max + 1;
  if (d->nrec == d->caprec) {
    size_t cap = d->caprec ? 2 * d->caprec : 64;
    uint64_t *nr = realloc(d->rec, cap * sizeof *nr);
    if (nr == NULL) {
      d->status = FC_ENOMEM;
      return 0;
    }
    d->rec = nr;
    d->caprec = cap;
  }
  d->rec[d->nrec++] = v;
  return v;
}

static int generating(const fc_draw *d)
{
  return d->mode == FC_DRAW_GENERATE && d->status == FC_OK;
}

/* A choice in [0, max] that generate mode makes 0 with probability p0 and
 * uniform otherwise. */
static uint64_t choice_zero_biased(fc_draw *d, uint64_t max, double p0)
{
  uint64_t g = 0;
  if (generating(d) && fc_rng_unit(&d->rng) >= p0)
    g = fc_rng_below(&d->rng, max);
  return choice(d, max, g);
}

uint64_t fc_draw_raw(fc_draw *d, uint64_t max)
{
  if (d == NULL)
    return 0;
  return choice(d, max, generating(d) ? fc_rng_below(&d->rng, max) : 0);
}

long fc_draw_int(fc_draw *d, long lo, long hi)
{
  if (d == NULL)
    return lo;
  if (hi < lo) {
    d->status = d->status ? d->status : FC_EINVAL;
    return lo;
  }
  uint64_t span = (uint64_t)hi - (uint64_t)lo;
  return (long)((uint64_t)lo + fc_draw_raw(d, span));
}

long fc_draw_size(fc_draw *d, long lo, long hi)
{
  if (d == NULL)
    return lo;
  if (hi < lo) {
    d->status = d->status ? d->status : FC_EINVAL;
    return lo;
  }
  uint64_t span = (uint64_t)hi - (uint64_t)lo;
  uint64_t g = 0;
  if (generating(d)) {
    /* Generated sizes grow with the case: the case's size fraction scales
     * the reachable range (small cases first, as Hypothesis does). */
    uint64_t reach = (uint64_t)llround((double)span * d->sizefrac);
    if (reach > span)
      reach = span;
    g = fc_rng_below(&d->rng, reach);
  }
  return (long)((uint64_t)lo + choice(d, span, g));
}

int fc_draw_bool(fc_draw *d, double p)
{
  if (d == NULL)
    return 0;
  uint64_t g = generating(d) && fc_rng_unit(&d->rng) < p;
  return (int)choice(d, 1, g);
}

size_t fc_draw_weighted(fc_draw *d, const double *w, size_t n)
{
  if (d == NULL || n == 0 || w == NULL) {
    if (d)
      d->status = d->status ? d->status : FC_EINVAL;
    return 0;
  }
  uint64_t g = 0;
  if (generating(d)) {
    double total = 0;
    for (size_t i = 0; i < n; i++)
      total += w[i] > 0 ? w[i] : 0;
    double x = fc_rng_unit(&d->rng) * total;
    g = n - 1;
    for (size_t i = 0; i < n; i++) {
      double wi = w[i] > 0 ? w[i] : 0;
      if (wi > 0 && x < wi) {
        g = i;
        break;
      }
      x -= wi;
    }
    while (g > 0 && !(w[g] > 0)) /* never generate a zero-weight index */
      g--;
  }
  return (size_t)choice(d, n - 1, g);
}

/* The specials a spec admits, in order of simplicity. */
static size_t specials(double *out, int mask)
{
  size_t n = 0;
  if (mask & FC_SPECIAL_SIGNED_ZERO)
    out[n++] = -0.0;
  if (mask & FC_SPECIAL_TINY) {
    out[n++] = 1e-300;
    out[n++] = DBL_MIN;
  }
  if (mask & FC_SPECIAL_HUGE) {
    out[n++] = 1e300;
    out[n++] = 1e200;
    out[n++] = DBL_MAX / 4;
  }
  if (mask & FC_SPECIAL_SUBNORMAL) {
    out[n++] = 0x1p-1074;
    out[n++] = DBL_MIN / 3;
    out[n++] = DBL_MIN - 0x1p-1074;
  }
  if (mask & FC_SPECIAL_NONFINITE) {
    out[n++] = INFINITY;
    out[n++] = -INFINITY;
    out[n++] = NAN;
  }
  return n;
}

/* Kinds of double, in order of simplicity. */
enum { K_INT, K_DYADIC, K_GENERAL, K_SPECIAL };

double fc_draw_double(fc_draw *d, const fc_double_spec *spec)
{
  static const fc_double_spec dflt = {1.0, 0, 0};
  if (d == NULL)
    return 0;
  if (spec == NULL)
    spec = &dflt;
  double max_abs = spec->max_abs > 0 && isfinite(spec->max_abs)
                       ? spec->max_abs
                       : 1.0;
  double sp[16];
  size_t nsp = specials(sp, spec->specials);
  double w[4] = {0.15, 0.15, 0.65, nsp ? 0.05 : 0};
  size_t kind = fc_draw_weighted(d, w, nsp ? 4 : 3);
  double x;
  switch (kind) {
  case K_INT: {
    /* 0, 1, 2, ...: integers up to min(max_abs, 64). */
    double cap = floor(fmin(max_abs, 64));
    x = (double)fc_draw_int(d, 0, (long)cap);
    break;
  }
  case K_DYADIC: {
    /* m / 2^e with e in [1, 12]: exact, short, shrinks to small e and m. */
    long e = fc_draw_int(d, 1, 12);
    double scale = ldexp(1.0, (int)e);
    double mmax = floor(fmin(max_abs, 64) * scale);
    x = (double)fc_draw_int(d, 0, (long)mmax) / scale;
    break;
  }
  case K_GENERAL: {
    /* max_abs * f * 2^-k, f a 52-bit fraction, k usually 0 (wide range
     * otherwise); shrinks to 0 through f. */
    uint64_t f = fc_draw_raw(d, (UINT64_C(1) << 52) - 1);
    long k = (long)choice_zero_biased(d, 60, 0.75);
    x = ldexp(max_abs * ((double)f * 0x1p-52), -(int)k);
    break;
  }
  default:
    x = sp[fc_draw_raw(d, nsp - 1)];
    return x; /* specials carry their own sign */
  }
  if (!spec->nonnegative && x != 0 && fc_draw_bool(d, 0.5))
    x = -x;
  return x;
}

void fc_draw_doubles(fc_draw *d, double *x, size_t n,
                     const fc_double_spec *spec)
{
  for (size_t i = 0; i < n; i++)
    x[i] = fc_draw_double(d, spec);
}

double fc_draw_turns(fc_draw *d)
{
  static const double w[2] = {0.3, 0.7};
  double t;
  if (fc_draw_weighted(d, w, 2) == 0) {
    /* m / 2^e, |t| <= 1/2: e = 1 gives 0 and 1/2 (a half turn, pi). */
    long e = fc_draw_int(d, 1, 8);
    long m = fc_draw_int(d, 0, 1L << (e - 1));
    t = ldexp((double)m, -(int)e);
  } else {
    /* A general fraction in [0, 1/2) with 52 bits, drawn as two 26-bit
     * halves so that a general angle takes as many choices as a short
     * dyadic and shortlex order prefers the dyadic (1/4 before 2^-53). */
    uint64_t hi = fc_draw_raw(d, (UINT64_C(1) << 26) - 1);
    uint64_t lo = fc_draw_raw(d, (UINT64_C(1) << 26) - 1);
    t = (double)(hi << 26 | lo) * 0x1p-53;
  }
  if (t != 0 && t != 0.5 && fc_draw_bool(d, 0.5))
    t = -t;
  return t;
}

/* schedule.c -- RoPE schedules in cases, their frequency classes, and the
 * schedule and position generators (schedule.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen/presets.h"
#include "gen/schedule.h"

/* ------------------------------------------------------------ planes */

void fc_schedule_plane(size_t *a, size_t *b, const fc_schedule *s, size_t i)
{
  const size_t rd = s->rotary_dim;
  size_t x, y;
  if (i < rd / 2) {
    if (s->layout == FC_LAYOUT_INTERLEAVED) {
      x = 2 * i;
      y = 2 * i + 1;
    } else {
      x = i;
      y = i + rd / 2;
    }
  } else {
    const size_t k = i - rd / 2;
    x = rd + 2 * k;
    y = rd + 2 * k + 1;
  }
  if (a)
    *a = x;
  if (b)
    *b = y;
}

int fc_schedule_check(const fc_schedule *s, fc_error *err)
{
  if (s == NULL)
    return fc_error_set(err, FC_EINVAL, "no schedule");
  if (s->d < 2 || s->d % 2 != 0)
    return fc_error_set(err, FC_EINVAL,
                        "head dimension must be even and >= 2, got %zu",
                        s->d);
  if (s->d > (size_t)1 << 16)
    return fc_error_set(err, FC_EINVAL, "head dimension %zu too large",
                        s->d);
  if (s->rotary_dim % 2 != 0 || s->rotary_dim > s->d)
    return fc_error_set(err, FC_EINVAL,
                        "rotary dimension must be even and <= %zu, got %zu",
                        s->d, s->rotary_dim);
  if (s->layout != FC_LAYOUT_INTERLEAVED && s->layout != FC_LAYOUT_HALF)
    return fc_error_set(err, FC_EINVAL, "unknown pair layout %d",
                        (int)s->layout);
  if (s->theta == NULL)
    return fc_error_set(err, FC_EINVAL, "schedule without frequencies");
  for (size_t i = 0; i < s->d / 2; i++) {
    if (!isfinite(s->theta[i]))
      return fc_error_set(err, FC_EINVAL, "frequency %zu is not finite", i);
    if (i >= s->rotary_dim / 2 && s->theta[i] != 0)
      return fc_error_set(err, FC_EINVAL,
                          "plane %zu is beyond the rotary dimension %zu but "
                          "has frequency %g", i, s->rotary_dim, s->theta[i]);
  }
  return FC_OK;
}

/* --------------------------------------------------------- case fields */

static int fname(char *buf, size_t n, const char *prefix, const char *s)
{
  int k = snprintf(buf, n, "%s.%s", prefix, s);
  return k > 0 && (size_t)k < n ? FC_OK : FC_EINVAL;
}

int fc_schedule_store(fc_case *c, const char *prefix, const fc_schedule *s)
{
  char nt[96], nl[96], nr[96], nd[96];
  if (c == NULL || prefix == NULL || fc_schedule_check(s, NULL) != FC_OK
      || fname(nt, sizeof nt, prefix, "theta")
      || fname(nl, sizeof nl, prefix, "layout")
      || fname(nr, sizeof nr, prefix, "rotary")
      || fname(nd, sizeof nd, prefix, "d"))
    return FC_EINVAL;
  const size_t m = s->d / 2;
  double *t = fc_case_add_reals(c, nt, m, 1);
  long *l = fc_case_add_ints(c, nl, 1, 1);
  long *r = fc_case_add_ints(c, nr, 1, 1);
  if (t == NULL || l == NULL || r == NULL)
    return FC_ENOMEM;
  int rc = fc_case_add_dim(c, nd, (long)s->d);
  if (rc)
    return rc;
  memcpy(t, s->theta, m * sizeof *t);
  *l = (long)s->layout;
  *r = (long)s->rotary_dim;
  return FC_OK;
}

int fc_schedule_view(fc_schedule *s, const fc_case *c, const char *prefix)
{
  char nt[96], nl[96], nr[96], nd[96];
  if (s == NULL || c == NULL || prefix == NULL
      || fname(nt, sizeof nt, prefix, "theta")
      || fname(nl, sizeof nl, prefix, "layout")
      || fname(nr, sizeof nr, prefix, "rotary")
      || fname(nd, sizeof nd, prefix, "d"))
    return FC_EINVAL;
  size_t rows, cols;
  const double *t = fc_case_reals(c, nt, &rows, &cols);
  const long d = fc_case_dim(c, nd, -1);
  if (t == NULL || d < 0)
    return FC_ENOTFOUND;
  const long lay = fc_case_dim(c, nl, -1), rd = fc_case_dim(c, nr, -1);
  if (cols != 1 || d < 2 || d % 2 != 0 || rows != (size_t)d / 2 || rd < 0
      || (lay != FC_LAYOUT_INTERLEAVED && lay != FC_LAYOUT_HALF))
    return FC_EINVAL;
  fc_schedule v = {(size_t)d, (size_t)rd, (fc_layout)lay, t};
  if (fc_schedule_check(&v, NULL) != FC_OK)
    return FC_EINVAL;
  *s = v;
  return FC_OK;
}

/* ----------------------------------------------------------- relations */

int fc_positions_nontrivial(const long *pos, size_t npos)
{
  if (pos == NULL || npos == 0)
    return pos == NULL;
  for (size_t k = 0; k < npos; k++)
    if (pos[k] != 0)
      return 1;
  return 0;
}

int fc_schedule_relations(unsigned char *rel, const fc_schedule *s,
                          const long *pos, size_t npos)
{
  if (rel == NULL || fc_schedule_check(s, NULL) != FC_OK
      || (pos == NULL && npos != 0))
    return FC_EINVAL;
  const size_t m = s->d / 2;
  /* "all positions" is pos == NULL, npos == 0; an empty non-NULL set has
   * no nonzero position. */
  const int nontrivial = pos == NULL ? 1 : fc_positions_nontrivial(pos, npos);
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < m; j++) {
      unsigned char r = 0;
      if (!nontrivial) {
        r = FC_REL_SAME | FC_REL_ANTI;
      } else {
        /* Exact comparisons (schedule.h): rational p (theta_i -/+
         * theta_j) is in 2 pi Z only when it is 0. */
        if (s->theta[i] == s->theta[j])
          r |= FC_REL_SAME;
        if (s->theta[i] == -s->theta[j])
          r |= FC_REL_ANTI;
      }
      rel[i * m + j] = r;
    }
  return FC_OK;
}

void fc_schedule_classes_clear(fc_schedule_classes *k)
{
  if (k == NULL)
    return;
  free(k->cls);
  free(k->sign);
  free(k->size);
  free(k->fixed);
  memset(k, 0, sizeof *k);
}

int fc_schedule_classes_init(fc_schedule_classes *k, const fc_schedule *s,
                             const unsigned char *rel)
{
  if (k == NULL)
    return FC_EINVAL;
  memset(k, 0, sizeof *k);
  if (rel == NULL || fc_schedule_check(s, NULL) != FC_OK)
    return FC_EINVAL;
  const size_t m = s->d / 2;
  k->m = m;
  k->cls = malloc(m * sizeof *k->cls);
  k->sign = malloc(m * sizeof *k->sign);
  k->size = calloc(m, sizeof *k->size);
  k->fixed = calloc(m, sizeof *k->fixed);
  if (!k->cls || !k->sign || !k->size || !k->fixed) {
    fc_schedule_classes_clear(k);
    return FC_ENOMEM;
  }
  for (size_t i = 0; i < m; i++)
    k->cls[i] = (size_t)-1;
  for (size_t i = 0; i < m; i++) {
    if (k->cls[i] != (size_t)-1)
      continue;
    const size_t c = k->nclasses++;
    const int fixed = (rel[i * m + i] & FC_REL_ANTI) != 0;
    k->fixed[c] = fixed;
    for (size_t j = i; j < m; j++) {
      const unsigned char r = rel[i * m + j];
      if (k->cls[j] != (size_t)-1 || r == 0)
        continue;
      k->cls[j] = c;
      k->sign[j] = (r & FC_REL_SAME) || fixed ? 1 : -1;
      k->size[c]++;
    }
  }
  return FC_OK;
}

size_t fc_schedule_classes_dim(const fc_schedule_classes *k)
{
  size_t n = 0;
  for (size_t c = 0; k && c < k->nclasses; c++)
    n += (k->fixed[c] ? 4 : 2) * k->size[c] * k->size[c];
  return n;
}

size_t fc_schedule_classes_orth_dim(const fc_schedule_classes *k)
{
  size_t n = 0;
  for (size_t c = 0; k && c < k->nclasses; c++) {
    const size_t q = k->size[c];
    n += k->fixed[c] ? q * (2 * q - 1) : q * q;
  }
  return n;
}

/* --------------------------------------------------------- generators */

/* Frequencies for the fixed planes are 0; theta has m entries, r of them
 * rotating.  Each kind fills theta[0..r). */

static double draw_freq(fc_draw *d)
{
  static const fc_double_spec spec = {4.0, 0, 0};
  return fc_draw_double(d, &spec);
}

static void kind_explicit(double *theta, size_t r, fc_draw *d)
{
  for (size_t i = 0; i < r; i++)
    theta[i] = draw_freq(d);
}

/* base^(-2i/rd): the base is a common one or a random one in (1, 1e7]. */
static void kind_geometric(double *theta, size_t r, fc_draw *d)
{
  static const double w[4] = {0.3, 0.2, 0.2, 0.3};
  static const double common[3] = {1e4, 5e5, 1e6};
  const size_t k = fc_draw_weighted(d, w, 4);
  double base;
  if (k < 3) {
    base = common[k];
  } else {
    static const fc_double_spec spec = {1e7, 0, 1};
    base = 1 + fc_draw_double(d, &spec);
    if (!(base > 1))
      base = 2;
  }
  for (size_t i = 0; i < r; i++)
    theta[i] = pow(base, -2.0 * (double)i / (double)(2 * r));
}

/* A window of r consecutive planes of a preset's rotating frequencies
 * (float32 or exact), keeping the preset's layout. */
static int kind_preset(double *theta, size_t r, fc_layout *lay, fc_draw *d)
{
  const size_t np = fc_presets_count();
  const fc_preset *p = fc_presets_at((size_t)fc_draw_int(d, 0, (long)np - 1));
  const fc_freq_mode mode = fc_draw_bool(d, 0.5) ? FC_FREQ_EXACT : FC_FREQ_F32;
  const size_t pm = p->rotary_dim / 2;
  const size_t start = r <= pm ? (size_t)fc_draw_int(d, 0, (long)(pm - r)) : 0;
  double *all = malloc(pm * sizeof *all);
  if (all == NULL)
    return FC_ENOMEM;
  int rc = fc_rope_frequencies(all, p->rotary_dim, p->base, &p->scaling,
                               mode, NULL);
  if (rc == FC_OK)
    for (size_t i = 0; i < r; i++)
      theta[i] = i + start < pm ? all[i + start] : 0.0;
  free(all);
  *lay = p->layout;
  return rc;
}

/* Repeated frequencies: a few distinct values, each plane one of them with
 * a sign (theta and -theta form one class: the anti-relation). */
static void kind_repeated(double *theta, size_t r, fc_draw *d)
{
  double vals[8];
  if (r == 0)
    return;
  const size_t nv = (size_t)fc_draw_int(d, 1, r < 8 ? (long)r : 8);
  for (size_t k = 0; k < nv; k++)
    vals[k] = draw_freq(d);
  for (size_t i = 0; i < r; i++) {
    const double v = vals[fc_draw_int(d, 0, (long)nv - 1)];
    theta[i] = fc_draw_bool(d, 0.3) ? -v : v;
  }
}

/* Near-collision: planes i != j with theta_j a few ulps above theta_i, or
 * theta_i (1 + 2^-k) with k in [10, 52]. */
static void kind_near(double *theta, size_t r, fc_draw *d)
{
  kind_geometric(theta, r, d);
  if (r < 2)
    return;
  const size_t i = (size_t)fc_draw_int(d, 0, (long)r - 1);
  size_t j = (size_t)fc_draw_int(d, 0, (long)r - 2);
  if (j >= i)
    j++;
  double t = theta[i] != 0 ? theta[i] : 1.0;
  theta[i] = t;
  if (fc_draw_bool(d, 0.5)) {
    const long k = fc_draw_int(d, 1, 64);
    double u = t;
    for (long q = 0; q < k; q++)
      u = nextafter(u, INFINITY);
    theta[j] = u;
  } else {
    const long k = fc_draw_int(d, 10, 52);
    theta[j] = t * (1 + ldexp(1.0, -(int)k));
    if (theta[j] == t)
      theta[j] = nextafter(t, INFINITY);
  }
}

int fc_draw_schedule_kind(fc_case *c, fc_draw *d, const char *prefix,
                          size_t d_min, size_t d_max, fc_sched_kind kind)
{
  if (c == NULL || d == NULL || prefix == NULL || d_min < 2 || d_min % 2
      || d_max < d_min || d_max % 2 || d_max > 4096
      || (int)kind < 0 || kind >= FC_SCHED_NKINDS)
    return FC_EINVAL;
  const size_t m = (size_t)fc_draw_size(d, (long)d_min / 2, (long)d_max / 2);
  /* Fixed planes (partial rotary): none unless drawn; odd counts allowed,
   * so rotary fractions like 3/4 or 1/3 occur. */
  size_t nfix = 0;
  if (fc_draw_bool(d, 0.25))
    nfix = (size_t)fc_draw_int(d, 1, (long)m);
  fc_layout lay = fc_draw_bool(d, 0.5) ? FC_LAYOUT_HALF
                                       : FC_LAYOUT_INTERLEAVED;
  const size_t r = m - nfix;
  double *theta = calloc(m, sizeof *theta);
  if (theta == NULL)
    return FC_ENOMEM;
  int rc = FC_OK;
  switch (kind) {
  case FC_SCHED_EXPLICIT: kind_explicit(theta, r, d); break;
  case FC_SCHED_GEOMETRIC: kind_geometric(theta, r, d); break;
  case FC_SCHED_PRESET: rc = kind_preset(theta, r, &lay, d); break;
  case FC_SCHED_REPEATED: kind_repeated(theta, r, d); break;
  case FC_SCHED_NEAR: kind_near(theta, r, d); break;
  default: rc = FC_EINVAL; break;
  }
  if (rc == FC_OK)
    rc = fc_draw_status(d);
  if (rc == FC_OK) {
    fc_schedule s = {2 * m, 2 * r, lay, theta};
    rc = fc_schedule_store(c, prefix, &s);
  }
  free(theta);
  return rc;
}

int fc_draw_schedule(fc_case *c, fc_draw *d, const char *prefix,
                     size_t d_min, size_t d_max)
{
  static const double w[FC_SCHED_NKINDS] = {0.2, 0.3, 0.2, 0.15, 0.15};
  if (d == NULL)
    return FC_EINVAL;
  const size_t kind = fc_draw_weighted(d, w, FC_SCHED_NKINDS);
  return fc_draw_schedule_kind(c, d, prefix, d_min, d_max,
                               (fc_sched_kind)kind);
}

long fc_draw_position(fc_draw *d)
{
  /* small integers, offsets, long contexts, the very end of 2^20 */
  static const double w[4] = {0.35, 0.25, 0.3, 0.1};
  switch (fc_draw_weighted(d, w, 4)) {
  case 0: return fc_draw_int(d, 0, 16);
  case 1: return fc_draw_int(d, 0, 1L << 12);
  case 2: return fc_draw_int(d, 1L << 15, FC_POS_MAX);
  default: return FC_POS_MAX - fc_draw_int(d, 0, 64);
  }
}

int fc_draw_positions(fc_case *c, fc_draw *d, const char *prefix, size_t n)
{
  if (c == NULL || d == NULL || prefix == NULL || n > ((size_t)1 << 20))
    return FC_EINVAL;
  long *p = fc_case_add_ints(c, prefix, n, 1);
  if (p == NULL && n > 0)
    return FC_ENOMEM;
  for (size_t k = 0; k < n; k++)
    p[k] = fc_draw_position(d);
  return fc_draw_status(d);
}

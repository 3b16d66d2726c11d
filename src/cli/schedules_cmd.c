/* schedules_cmd.c -- `foldcheck schedules`: RoPE presets, frequency classes,
 * the commutant and its spectral gap (issue 3).
 *
 *   foldcheck schedules [--format text|json]
 *       lists the presets.
 *   foldcheck schedules NAME [--format text|json] [--positions SPEC]
 *                       [--near REL] [--rope-error] [--kernels TABLE]
 *       one schedule (NAME as fc_schedule_parse reads it: a preset, with
 *       +ntk=F / +linear=F / +yarn=F[:ORIG] transforms and @f32 / @exact, or
 *       geom:... / theta:...): its frequencies, frequency classes, the
 *       dimension of its commutant, the smallest relative frequency gap,
 *       near-collisions, and the spectral gap over a position set:
 *         gap(p) = min 2|sin(p (theta_i -/+ theta_j)/2)| over the block
 *         parts outside the commutant (SPEC.md F3), so that
 *         ||[X, Theta(p)]|| >= gap(p) ||X - Pc(X)||;
 *       reported at p = 1, at the worst position of the set (exact, from
 *       continued fractions: oracles/rope.h fc_mp_rope_gap_min) and at the
 *       best position found (searched in double, confirmed in MPFR).
 *       --rope-error measures the RoPE kernel (reference, or --kernels
 *       TABLE) against the MPFR oracle at positions of the set, as
 *       error / bound, the bound the harness's fc_bnd_rope at fp64 (the
 *       kernel computes values only); the exit status is 1 when a ratio
 *       exceeds 1.
 * Bad input: one line "foldcheck: ..." on stderr and exit status 2. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "foldcheck.h"
#include "cli.h"
#include "bounds/bounds.h"
#include "gen/presets.h"
#include "gen/schedule.h"
#include "kernels/rope.h"
#include "rope.h" /* oracles/rope.h */

#define GAP_MAX_PLANES 1024       /* spectral gap analysis up to this m */
#define SEARCH_BUDGET (1L << 24)  /* part evaluations in the best-p search */
#define POS_LIMIT (1LL << 53)     /* positions are exact doubles below */

/* ------------------------------------------------------------ positions */

typedef struct prange {
  long lo, hi;
} prange;

typedef struct pset {
  prange r[64];
  size_t n;
  long max;
  unsigned long long count;
  int nontrivial; /* holds a nonzero position */
} pset;

static int parse_pos_value(long *out, const char *s, size_t n)
{
  char buf[32];
  if (n == 0 || n >= sizeof buf)
    return -1;
  memcpy(buf, s, n);
  buf[n] = 0;
  char *end;
  errno = 0;
  if (buf[0] == '-' || buf[0] == '+')
    return -1;
  long long v = strtoll(buf, &end, 10);
  if (*end == '^') { /* 2^K */
    if (v != 2)
      return -1;
    char *e2;
    long long k = strtoll(end + 1, &e2, 10);
    if (*e2 || end[1] == 0 || k < 0 || k > 52)
      return -1;
    v = 1LL << k;
  } else if (*end || errno) {
    return -1;
  }
  if (v < 0 || v > POS_LIMIT)
    return -1;
  *out = (long)v;
  return 0;
}

/* SPEC: comma-separated items N or A..B (N, A, B decimal or 2^K). */
static int parse_positions(pset *ps, const char *spec)
{
  memset(ps, 0, sizeof *ps);
  const char *q = spec;
  if (*q == 0)
    return fc_cli_usage_error("--positions: empty position set");
  while (*q) {
    const char *comma = strchr(q, ',');
    const char *e = comma ? comma : q + strlen(q);
    const char *dots = strstr(q, "..");
    prange r;
    if (dots && dots < e) {
      if (parse_pos_value(&r.lo, q, (size_t)(dots - q))
          || parse_pos_value(&r.hi, dots + 2, (size_t)(e - dots - 2)))
        return fc_cli_usage_error("--positions: bad range '%.*s' (expected "
                                  "A..B with 0 <= A <= B <= 2^53)",
                                  (int)(e - q), q);
      if (r.lo > r.hi)
        return fc_cli_usage_error("--positions: empty range '%.*s'",
                                  (int)(e - q), q);
    } else {
      if (parse_pos_value(&r.lo, q, (size_t)(e - q)))
        return fc_cli_usage_error("--positions: bad position '%.*s' "
                                  "(expected an integer in [0, 2^53], or "
                                  "2^K)", (int)(e - q), q);
      r.hi = r.lo;
    }
    if (ps->n == sizeof ps->r / sizeof ps->r[0])
      return fc_cli_usage_error("--positions: at most 64 items");
    ps->r[ps->n++] = r;
    ps->count += (unsigned long long)(r.hi - r.lo) + 1;
    if (r.hi > ps->max)
      ps->max = r.hi;
    if (r.hi > 0)
      ps->nontrivial = 1;
    q = comma ? comma + 1 : e;
    if (comma && *q == 0)
      return fc_cli_usage_error("--positions: trailing comma");
  }
  return 0;
}

/* The k-th position of the set (k < count), items in order. */
static long pset_at(const pset *ps, unsigned long long k)
{
  for (size_t i = 0; i < ps->n; i++) {
    const unsigned long long len =
        (unsigned long long)(ps->r[i].hi - ps->r[i].lo) + 1;
    if (k < len)
      return ps->r[i].lo + (long)k;
    k -= len;
  }
  return ps->max;
}

/* --------------------------------------------------------------- report */

typedef struct part {
  int i, j, sign; /* sign -1: theta_i - theta_j (span{I,J}); +1: sum */
  double rate;
} part;

typedef struct near_pair {
  int i, j;
  double rel;
} near_pair;

typedef struct rope_row {
  long p;
  double ratio, err, bound; /* the coordinate with the worst err/bound */
  double maxerr, maxbound;  /* the largest absolute error, its bound */
} rope_row;

typedef struct report {
  fc_schedule_buf b;
  size_t m;
  unsigned char *rel;
  fc_schedule_classes cls;
  /* frequency gaps */
  int has_rel_gap;
  double rel_gap, abs_gap;
  int rg_i, rg_j;
  near_pair *near;
  size_t nnear;
  double near_thr;
  /* spectral gap */
  int gap_done;
  const char *gap_skip; /* why not */
  double gap1;
  int gap1_inf;
  double worst, best;
  long worst_p, best_p;
  int worst_i, worst_j, worst_s, best_i, best_j, best_s, worst_exact;
  int worst_inf;
  unsigned long long searched;
  /* rope error */
  rope_row *rows;
  size_t nrows;
  const char *kernels;
} report;

static void report_clear(report *r)
{
  fc_schedule_buf_clear(&r->b);
  free(r->rel);
  fc_schedule_classes_clear(&r->cls);
  free(r->near);
  free(r->rows);
  memset(r, 0, sizeof *r);
}

static int cmp_abs(const void *a, const void *b, const double *th)
{
  const double x = fabs(th[*(const int *)a]), y = fabs(th[*(const int *)b]);
  return (x > y) - (x < y);
}

/* qsort has no context argument: sort indices by insertion (m is small
 * enough for the preset sizes; O(m^2) worst case up to 32768 planes is
 * still well under a second). */
static void sort_by_abs(int *idx, size_t m, const double *th)
{
  for (size_t a = 1; a < m; a++) {
    const int v = idx[a];
    size_t b = a;
    while (b > 0 && cmp_abs(&idx[b - 1], &v, th) > 0) {
      idx[b] = idx[b - 1];
      b--;
    }
    idx[b] = v;
  }
}

/* Smallest relative gap between distinct frequency magnitudes (|theta_i|
 * vs |theta_j|: the span{I,J} part when signs agree, span{K,L} when they
 * differ), and the near-collisions below a threshold.  For sorted
 * magnitudes a < b < c, (c - a)/c >= (b - a)/b, so neighbours suffice. */
static int freq_gaps(report *r)
{
  const size_t m = r->m;
  const double *th = r->b.theta;
  int *idx = malloc(m * sizeof *idx);
  if (idx == NULL)
    return FC_ENOMEM;
  size_t nrot = 0;
  for (size_t i = 0; i < m; i++)
    if (th[i] != 0)
      idx[nrot++] = (int)i;
  sort_by_abs(idx, nrot, th);
  size_t cap = 0;
  for (size_t k = 0; k + 1 < nrot; k++) {
    const int i = idx[k], j = idx[k + 1];
    const double a = fabs(th[i]), b = fabs(th[j]);
    if (a == b)
      continue; /* same class */
    const double rel = (b - a) / b;
    if (!r->has_rel_gap || rel < r->rel_gap) {
      r->has_rel_gap = 1;
      r->rel_gap = rel;
      r->abs_gap = b - a;
      r->rg_i = i < j ? i : j;
      r->rg_j = i < j ? j : i;
    }
    if (rel < r->near_thr) {
      if (r->nnear == cap) {
        cap = cap ? 2 * cap : 16;
        near_pair *np = realloc(r->near, cap * sizeof *np);
        if (np == NULL) {
          free(idx);
          return FC_ENOMEM;
        }
        r->near = np;
      }
      r->near[r->nnear++] = (near_pair){i < j ? i : j, i < j ? j : i, rel};
    }
  }
  free(idx);
  return FC_OK;
}

static int spectral_gap(report *r, const pset *ps)
{
  const size_t m = r->m;
  if (m > GAP_MAX_PLANES) {
    r->gap_skip = "more than 1024 planes";
    return FC_OK;
  }
  if (!ps->nontrivial) {
    r->gap_skip = "the position set is {0}: Theta = I, everything commutes";
    return FC_OK;
  }
  mpfr_t g;
  mpfr_init2(g, 64);
  int rc = fc_mp_rope_gap(g, NULL, NULL, NULL, &r->b.s, r->rel, 1);
  r->gap1_inf = mpfr_inf_p(g);
  r->gap1 = mpfr_get_d(g, MPFR_RNDN);
  /* Worst position: exact over [1, b] for each range (a lower bound over
   * the range when it starts above 1). */
  r->worst_inf = 1;
  r->worst_exact = 1;
  for (size_t k = 0; k < ps->n && rc == FC_OK; k++) {
    const long lo = ps->r[k].lo, hi = ps->r[k].hi;
    if (hi < 1)
      continue;
    long wp = 0;
    int wi = -1, wj = -1, ws = 0, found = 0;
    double v = INFINITY;
    if (hi - lo < 64) { /* a short item: every position, in MPFR */
      for (long p = lo > 1 ? lo : 1; p <= hi && rc == FC_OK; p++) {
        int gi, gj, gs;
        rc = fc_mp_rope_gap(g, &gi, &gj, &gs, &r->b.s, r->rel, p);
        if (rc == FC_OK && !mpfr_inf_p(g) && mpfr_get_d(g, MPFR_RNDN) < v) {
          v = mpfr_get_d(g, MPFR_RNDN);
          wp = p;
          wi = gi;
          wj = gj;
          ws = gs;
          found = 1;
        }
      }
    } else { /* continued fractions: exact over 1..hi */
      rc = fc_mp_rope_gap_min(g, &wp, &wi, &wj, &ws, &r->b.s, r->rel, hi);
      if (rc == FC_OK && !mpfr_inf_p(g)) {
        v = mpfr_get_d(g, MPFR_RNDN);
        found = 1;
        if (lo > 1 && wp < lo)
          r->worst_exact = 0; /* a lower bound over this range */
      }
    }
    if (found && (r->worst_inf || v < r->worst)) {
      r->worst_inf = 0;
      r->worst = v;
      r->worst_p = wp;
      r->worst_i = wi;
      r->worst_j = wj;
      r->worst_s = ws;
    }
  }
  /* Best position: search in double over (a spread of) the set, then
   * confirm the winner in MPFR. */
  part *pt = malloc(m * (m + 1) * sizeof *pt);
  size_t np = 0;
  if (pt == NULL)
    rc = FC_ENOMEM;
  for (size_t i = 0; i < m && rc == FC_OK; i++)
    for (size_t j = i; j < m; j++)
      for (int sg = -1; sg <= 1; sg += 2) {
        const unsigned char need = sg < 0 ? FC_REL_SAME : FC_REL_ANTI;
        if (r->rel[i * m + j] & need)
          continue;
        const double a = r->b.theta[i], b = r->b.theta[j];
        pt[np++] = (part){(int)i, (int)j, sg, sg < 0 ? a - b : a + b};
      }
  if (rc == FC_OK && np > 0) {
    unsigned long long want = (unsigned long long)(SEARCH_BUDGET / (long)np);
    if (want < 1)
      want = 1;
    const unsigned long long n = ps->count < want ? ps->count : want;
    double best = -1;
    long bp = 0;
    for (unsigned long long k = 0; k <= n; k++) {
      /* an even spread of the set, and its largest position last */
      const long p = k < n ? pset_at(ps, n == ps->count
                                             ? k
                                             : k * (ps->count / n))
                           : ps->max;
      if (p == 0)
        continue;
      double gmin = INFINITY;
      for (size_t q = 0; q < np && gmin > best; q++) {
        const double v = 2 * fabs(sin((double)p * pt[q].rate / 2));
        if (v < gmin)
          gmin = v;
      }
      if (gmin > best) {
        best = gmin;
        bp = p;
      }
    }
    r->searched = n;
    int bi, bj, bs;
    rc = fc_mp_rope_gap(g, &bi, &bj, &bs, &r->b.s, r->rel, bp);
    r->best = mpfr_get_d(g, MPFR_RNDN);
    r->best_p = bp;
    r->best_i = bi;
    r->best_j = bj;
    r->best_s = bs;
  }
  free(pt);
  mpfr_clear(g);
  r->gap_done = rc == FC_OK;
  return rc;
}

/* Kernel error / bound at up to 24 positions of the set (its largest
 * included), on 4 fixed vectors, against the oracle at 256 bits. */
static int rope_error(report *r, const pset *ps, const fc_kernels *k)
{
  const size_t d = r->b.s.d;
  const size_t npos = ps->count < 24 ? (size_t)ps->count : 24;
  r->rows = calloc(npos + 1, sizeof *r->rows);
  double *x = malloc(4 * d * sizeof *x), *out = malloc(d * sizeof *out),
         *err = malloc(d * sizeof *err);
  mpfr_t *in = malloc(d * sizeof *in), *ex = malloc(d * sizeof *ex);
  if (!r->rows || !x || !out || !err || !in || !ex) {
    free(x);
    free(out);
    free(err);
    free(in);
    free(ex);
    return FC_ENOMEM;
  }
  fc_rng rng;
  fc_rng_seed(&rng, 20240613);
  for (size_t i = 0; i < d; i++) {
    x[i] = 1;                              /* all ones */
    x[d + i] = i % 2 ? -1 : 1;             /* alternating */
    x[2 * d + i] = 2 * fc_rng_unit(&rng) - 1; /* random in [-1, 1) */
    x[3 * d + i] = ldexp(fc_rng_unit(&rng), -(int)(i % 8)) * 3;
    mpfr_init2(in[i], 53);
    mpfr_init2(ex[i], 256);
  }
  mpfr_t diff;
  mpfr_init2(diff, 320);
  for (size_t q = 0; q <= npos; q++) {
    const long p = q < npos ? pset_at(ps, npos == ps->count
                                              ? q
                                              : q * (ps->count / npos))
                            : ps->max;
    if (q > 0 && r->rows[r->nrows - 1].p == p)
      continue;
    rope_row row = {p, 0, 0, 0, 0, 0};
    for (size_t v = 0; v < 4; v++) {
      const double *xv = x + v * d;
      /* the kernel's values, the harness's bound at fp64 (src/bounds) */
      const int64_t p64 = p;
      const fc_kernel_arith fp64 = {FC_FMT_FP64, FC_FMT_FP64, 0};
      k->rope->apply(out, xv, &r->b.s, p);
      fc_bnd_rope(err, xv, NULL, 1, &p64, &r->b.s, &fp64);
      for (size_t i = 0; i < d; i++)
        mpfr_set_d(in[i], xv[i], MPFR_RNDN);
      fc_mp_rope_apply(ex, in, &r->b.s, p);
      for (size_t i = 0; i < d; i++) {
        mpfr_sub_d(diff, ex[i], out[i], MPFR_RNDN);
        const double e = fabs(mpfr_get_d(diff, MPFR_RNDU));
        const double ratio = err[i] > 0 ? e / err[i] : (e > 0 ? INFINITY : 0);
        if (ratio > row.ratio || (row.ratio == 0 && e > row.err)) {
          row.ratio = ratio;
          row.err = e;
          row.bound = err[i];
        }
        if (e > row.maxerr) {
          row.maxerr = e;
          row.maxbound = err[i];
        }
      }
    }
    r->rows[r->nrows++] = row;
  }
  for (size_t i = 0; i < d; i++) {
    mpfr_clear(in[i]);
    mpfr_clear(ex[i]);
  }
  mpfr_clear(diff);
  free(x);
  free(out);
  free(err);
  free(in);
  free(ex);
  return FC_OK;
}

/* ----------------------------------------------------------- printing */

static const char *layout_name(fc_layout l)
{
  return l == FC_LAYOUT_HALF ? "half" : "interleaved";
}

static void scaling_text(char *buf, size_t n, const fc_rope_scaling *s)
{
  switch (s->type) {
  case FC_ROPE_DEFAULT: snprintf(buf, n, "none"); break;
  case FC_ROPE_LINEAR: snprintf(buf, n, "linear factor %g", s->factor); break;
  case FC_ROPE_NTK: snprintf(buf, n, "ntk factor %g", s->factor); break;
  case FC_ROPE_YARN:
    snprintf(buf, n, "yarn factor %g, original context %ld, beta %g/%g",
             s->factor, s->original_ctx, s->beta_fast, s->beta_slow);
    break;
  case FC_ROPE_LLAMA3:
    snprintf(buf, n, "llama3 factor %g, low_freq_factor %g, "
                     "high_freq_factor %g, original context %ld",
             s->factor, s->low_freq_factor, s->high_freq_factor,
             s->original_ctx);
    break;
  }
}

static const char *part_name(int s) { return s < 0 ? "span{I,J}" : "span{K,L}"; }

static void print_text(const report *r, const char *spec, const pset *ps,
                       const char *pspec)
{
  const fc_schedule *s = &r->b.s;
  char sc[160];
  printf("schedule %s\n", spec);
  if (r->b.from_config) {
    if (r->b.cfg.model)
      printf("  model: %s\n", r->b.cfg.model);
    if (r->b.cfg.source)
      printf("  figures: %s\n", r->b.cfg.source);
    scaling_text(sc, sizeof sc, &r->b.cfg.scaling);
    printf("  base %.17g, rope_scaling %s\n", r->b.cfg.base, sc);
    printf("  frequencies: %s\n",
           r->b.mode == FC_FREQ_F32
               ? "float32, as HF transformers computes inv_freq (NAME@exact "
                 "for the exact formula)"
               : "the exact formula, rounded to the nearest double");
  } else {
    printf("  frequencies: given explicitly\n");
  }
  printf("  head dimension %zu, rotary dimension %zu (%zu rotating planes, "
         "%zu fixed), layout %s\n", s->d, s->rotary_dim, s->rotary_dim / 2,
         r->m - s->rotary_dim / 2, layout_name(s->layout));
  printf("\n  %5s %11s %-24s %-22s %12s  %s\n", "plane", "coords", "theta",
         "theta (hex)", "wavelength", "class");
  for (size_t i = 0; i < r->m; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, s, i);
    char co[32], wl[32];
    snprintf(co, sizeof co, "(%zu,%zu)", a, b);
    if (s->theta[i] != 0)
      snprintf(wl, sizeof wl, "%.6g", 2 * M_PI / fabs(s->theta[i]));
    else
      snprintf(wl, sizeof wl, "inf");
    printf("  %5zu %11s %-24.17g %-22a %12s  %zu%s%s\n", i, co, s->theta[i],
           s->theta[i], wl, r->cls.cls[i], r->cls.sign[i] < 0 ? " (-)" : "",
           r->cls.fixed[r->cls.cls[i]] ? " fixed" : "");
  }
  size_t nfixed = 0, maxsize = 0;
  for (size_t c = 0; c < r->cls.nclasses; c++) {
    if (r->cls.fixed[c])
      nfixed += r->cls.size[c];
    if (r->cls.size[c] > maxsize)
      maxsize = r->cls.size[c];
  }
  printf("\n  frequency classes (over any position set with a nonzero "
         "position): %zu", r->cls.nclasses);
  if (maxsize <= 1 && nfixed == 0)
    printf(", all of one plane (no repeated frequency)\n");
  else
    printf(", largest %zu planes, %zu fixed planes\n", maxsize, nfixed);
  printf("  commutant: real dimension %zu; orthogonal commutant (U(k) per "
         "class, O(2k) on fixed planes): dimension %zu\n",
         fc_schedule_classes_dim(&r->cls),
         fc_schedule_classes_orth_dim(&r->cls));
  if (r->has_rel_gap)
    printf("  smallest relative frequency gap: %.6g (|theta| %.17g vs "
           "%.17g, planes %d and %d; absolute %.6g)\n", r->rel_gap,
           fabs(s->theta[r->rg_i]), fabs(s->theta[r->rg_j]), r->rg_i,
           r->rg_j, r->abs_gap);
  else
    printf("  smallest relative frequency gap: none (fewer than two "
           "distinct nonzero frequencies)\n");
  if (r->nnear == 0)
    printf("  near-collisions (relative gap < %.3g): none\n", r->near_thr);
  for (size_t k = 0; k < r->nnear; k++)
    printf("  NEAR-COLLISION: planes %d and %d, relative gap %.6g "
           "(< %.3g): a rotation mixing them almost commutes\n",
           r->near[k].i, r->near[k].j, r->near[k].rel, r->near_thr);
  printf("\n  spectral gap over positions %s (%llu positions):\n", pspec,
         ps->count);
  if (!r->gap_done) {
    printf("    not computed: %s\n", r->gap_skip ? r->gap_skip : "error");
  } else {
    if (r->gap1_inf)
      printf("    nothing outside the commutant: every X commutes\n");
    else {
      printf("    gap(1) = %.6g\n", r->gap1);
      if (!r->worst_inf)
        printf("    worst position: gap(%ld) = %.6g (%s part of planes %d, "
               "%d)%s\n", r->worst_p, r->worst, part_name(r->worst_s),
               r->worst_i, r->worst_j,
               r->worst_exact ? " [exact minimum over the set]"
                              : " [a lower bound: minimum over 1..B of a range A..B]");
      printf("    best position found: gap(%ld) = %.6g (%s part of planes "
             "%d, %d; %llu positions searched)\n", r->best_p, r->best,
             part_name(r->best_s), r->best_i, r->best_j, r->searched);
      printf("    so ||[X, Theta(%ld)]|| >= %.6g ||X - Pc(X)|| for every X\n",
             r->best_p, r->best);
    }
  }
  if (r->nrows) {
    printf("\n  RoPE kernel '%s' against the MPFR oracle (4 vectors):\n",
           r->kernels);
    printf("    %10s %12s %12s %12s\n", "position", "max err/bnd",
           "max abs err", "its bound");
    double worst = 0;
    for (size_t k = 0; k < r->nrows; k++) {
      printf("    %10ld %12.4g %12.4g %12.4g\n", r->rows[k].p,
             r->rows[k].ratio, r->rows[k].maxerr, r->rows[k].maxbound);
      if (r->rows[k].ratio > worst)
        worst = r->rows[k].ratio;
    }
    printf("    worst error / bound over these positions: %.4g (%s)\n", worst,
           worst <= 1 ? "<= 1: the bound holds" : "> 1: BOUND EXCEEDED");
  }
}

static json_t *hexreal(double x)
{
  char buf[40];
  snprintf(buf, sizeof buf, "%a", x);
  return json_string(buf);
}

static json_t *finite_or_null(double x)
{
  return isfinite(x) ? json_real(x) : json_null();
}

static json_t *json_report(const report *r, const char *spec, const pset *ps,
                           const char *pspec)
{
  const fc_schedule *s = &r->b.s;
  json_t *o = json_object(), *planes = json_array(), *classes = json_array();
  json_object_set_new(o, "schedule", json_string(spec));
  if (r->b.from_config) {
    char sc[160];
    scaling_text(sc, sizeof sc, &r->b.cfg.scaling);
    json_object_set_new(o, "model",
                        r->b.cfg.model ? json_string(r->b.cfg.model)
                                       : json_null());
    json_object_set_new(o, "figures",
                        r->b.cfg.source ? json_string(r->b.cfg.source)
                                        : json_null());
    json_object_set_new(o, "base", json_real(r->b.cfg.base));
    json_object_set_new(o, "rope_type",
                        json_string(fc_rope_type_name(r->b.cfg.scaling.type)));
    json_object_set_new(o, "rope_scaling", json_string(sc));
    json_object_set_new(o, "frequency_mode",
                        json_string(fc_freq_mode_name(r->b.mode)));
  } else {
    json_object_set_new(o, "frequency_mode", json_string("explicit"));
  }
  json_object_set_new(o, "d", json_integer((json_int_t)s->d));
  json_object_set_new(o, "rotary_dim", json_integer((json_int_t)s->rotary_dim));
  json_object_set_new(o, "layout", json_string(layout_name(s->layout)));
  for (size_t i = 0; i < r->m; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, s, i);
    json_t *p = json_object();
    json_object_set_new(p, "plane", json_integer((json_int_t)i));
    json_object_set_new(p, "coords", json_pack("[II]", (json_int_t)a,
                                               (json_int_t)b));
    json_object_set_new(p, "theta", json_real(s->theta[i]));
    json_object_set_new(p, "theta_hex", hexreal(s->theta[i]));
    json_object_set_new(p, "class", json_integer((json_int_t)r->cls.cls[i]));
    json_object_set_new(p, "sign", json_integer(r->cls.sign[i]));
    json_array_append_new(planes, p);
  }
  json_object_set_new(o, "planes", planes);
  for (size_t c = 0; c < r->cls.nclasses; c++) {
    json_t *cl = json_object(), *mem = json_array();
    for (size_t i = 0; i < r->m; i++)
      if (r->cls.cls[i] == c)
        json_array_append_new(mem, json_integer((json_int_t)i));
    json_object_set_new(cl, "class", json_integer((json_int_t)c));
    json_object_set_new(cl, "size", json_integer((json_int_t)r->cls.size[c]));
    json_object_set_new(cl, "fixed", json_boolean(r->cls.fixed[c]));
    json_object_set_new(cl, "planes", mem);
    json_array_append_new(classes, cl);
  }
  json_object_set_new(o, "classes", classes);
  json_object_set_new(o, "commutant_dim",
                      json_integer((json_int_t)fc_schedule_classes_dim(&r->cls)));
  json_object_set_new(o, "orthogonal_commutant_dim",
                      json_integer((json_int_t)fc_schedule_classes_orth_dim(&r->cls)));
  if (r->has_rel_gap)
    json_object_set_new(o, "min_relative_gap",
                        json_pack("{s:f,s:f,s:i,s:i}", "value", r->rel_gap,
                                  "absolute", r->abs_gap, "i", r->rg_i, "j",
                                  r->rg_j));
  else
    json_object_set_new(o, "min_relative_gap", json_null());
  json_t *nc = json_array();
  for (size_t k = 0; k < r->nnear; k++)
    json_array_append_new(nc, json_pack("{s:i,s:i,s:f}", "i", r->near[k].i,
                                        "j", r->near[k].j, "relative_gap",
                                        r->near[k].rel));
  json_object_set_new(o, "near_collision_threshold", json_real(r->near_thr));
  json_object_set_new(o, "near_collisions", nc);
  json_t *g = json_object();
  json_object_set_new(g, "positions", json_string(pspec));
  json_object_set_new(g, "count", json_integer((json_int_t)ps->count));
  if (!r->gap_done) {
    json_object_set_new(g, "computed", json_false());
    json_object_set_new(g, "reason", json_string(r->gap_skip ? r->gap_skip
                                                             : "error"));
  } else if (r->gap1_inf) {
    json_object_set_new(g, "computed", json_true());
    json_object_set_new(g, "everything_commutes", json_true());
  } else {
    json_object_set_new(g, "computed", json_true());
    json_object_set_new(g, "gap_at_1", finite_or_null(r->gap1));
    if (!r->worst_inf)
      json_object_set_new(
          g, "worst",
          json_pack("{s:o,s:I,s:i,s:i,s:s,s:b}", "gap",
                    finite_or_null(r->worst), "p", (json_int_t)r->worst_p,
                    "i", r->worst_i, "j", r->worst_j, "part",
                    part_name(r->worst_s), "exact", r->worst_exact));
    json_object_set_new(
        g, "best",
        json_pack("{s:o,s:I,s:i,s:i,s:s,s:I}", "gap", finite_or_null(r->best),
                  "p", (json_int_t)r->best_p, "i", r->best_i, "j", r->best_j,
                  "part", part_name(r->best_s), "searched",
                  (json_int_t)r->searched));
  }
  json_object_set_new(o, "spectral_gap", g);
  if (r->nrows) {
    json_t *re = json_array();
    for (size_t k = 0; k < r->nrows; k++)
      json_array_append_new(
          re, json_pack("{s:I,s:o,s:f,s:f,s:f,s:f}", "p",
                        (json_int_t)r->rows[k].p, "err_over_bound",
                        finite_or_null(r->rows[k].ratio), "err",
                        r->rows[k].err, "bound", r->rows[k].bound,
                        "max_abs_err", r->rows[k].maxerr, "max_abs_err_bound",
                        r->rows[k].maxbound));
    json_object_set_new(o, "rope_kernels", json_string(r->kernels));
    json_object_set_new(o, "rope_error", re);
  }
  return o;
}

/* ------------------------------------------------------------- listing */

static int list_presets(int json)
{
  if (json) {
    json_t *a = json_array();
    for (size_t i = 0; i < fc_presets_count(); i++) {
      const fc_preset *p = fc_presets_at(i);
      char sc[160];
      scaling_text(sc, sizeof sc, &p->scaling);
      json_array_append_new(
          a, json_pack("{s:s,s:s,s:I,s:I,s:s,s:f,s:I,s:s,s:s,s:s}", "name",
                       p->name, "model", p->model, "d", (json_int_t)p->d,
                       "rotary_dim", (json_int_t)p->rotary_dim, "layout",
                       layout_name(p->layout), "base", p->base, "max_pos",
                       (json_int_t)p->max_pos, "rope_type",
                       fc_rope_type_name(p->scaling.type), "rope_scaling", sc,
                       "figures", p->source));
    }
    json_t *o = json_pack("{s:o}", "presets", a);
    if (o == NULL || json_dumpf(o, stdout, JSON_INDENT(2)) != 0) {
      json_decref(o);
      return fc_cli_usage_error("writing JSON failed");
    }
    json_decref(o);
    putchar('\n');
    return 0;
  }
  printf("%-13s %5s %7s %-12s %9s %-8s %s\n", "NAME", "d", "rotary",
         "layout", "base", "scaling", "model");
  for (size_t i = 0; i < fc_presets_count(); i++) {
    const fc_preset *p = fc_presets_at(i);
    printf("%-13s %5zu %7zu %-12s %9g %-8s %s\n", p->name, p->d,
           p->rotary_dim, layout_name(p->layout), p->base,
           p->scaling.type == FC_ROPE_DEFAULT
               ? "-"
               : fc_rope_type_name(p->scaling.type),
           p->model);
  }
  printf("\nFrequencies are HF transformers' float32 values; NAME@exact gives "
         "the exact formula\nrounded to double.  Transforms: NAME+ntk=F, "
         "NAME+linear=F, NAME+yarn=F[:ORIG].\nCustom: geom:d=D,base=B[,rotary="
         "R][,layout=half|interleaved] or theta:T1,T2,...\n"
         "Details: foldcheck schedules NAME [--positions SPEC] "
         "[--rope-error]\n");
  return 0;
}

static void usage(FILE *out)
{
  fprintf(out,
          "usage: foldcheck schedules [--format text|json]\n"
          "       foldcheck schedules NAME [--format text|json] "
          "[--positions SPEC]\n"
          "                           [--near REL] [--rope-error] "
          "[--kernels TABLE]\n"
          "\n"
          "Without NAME, list the RoPE presets.  With NAME, print its "
          "frequencies,\nfrequency classes, commutant dimension, smallest "
          "frequency gap, near-collisions\nand spectral gap over a position "
          "set.\n"
          "\n"
          "NAME         a preset (llama2, llama3.1, gpt-j, ...), optionally "
          "+ntk=F, +linear=F,\n"
          "             +yarn=F[:ORIG], and @f32 (default) or @exact; or "
          "geom:d=D,base=B[,...]\n"
          "             or theta:T1,T2,...\n"
          "--positions  comma-separated N or A..B (N may be 2^K); default "
          "0..2^20\n"
          "--near REL   flag frequency pairs closer than REL (relative); "
          "default 2^-20\n"
          "--rope-error measure the RoPE kernel against the MPFR oracle at "
          "positions of the set\n"
          "--kernels T  the kernel table for --rope-error (default "
          "reference)\n"
          "Exit status: 0; 1 when --rope-error finds the kernel's error above\n"
          "its bound (error/bound > 1); 2 bad usage.\n");
}

int fc_cli_schedules(int argc, char **argv)
{
  const char *name = NULL, *pspec = "0..1048576", *kname = NULL;
  int json = 0, want_rope = 0;
  double near = 0x1p-20;
  for (int a = 1; a < argc; a++) {
    const char *o = argv[a];
    const char *val = NULL;
    if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(o, "--rope-error") == 0) {
      want_rope = 1;
      continue;
    }
    if (strcmp(o, "--format") == 0 || strcmp(o, "--positions") == 0
        || strcmp(o, "--near") == 0 || strcmp(o, "--kernels") == 0) {
      if (a + 1 >= argc)
        return fc_cli_usage_error("schedules: option '%s' needs a value", o);
      val = argv[++a];
    } else if (strncmp(o, "--", 2) == 0) {
      const char *eq = strchr(o, '=');
      if (eq == NULL)
        return fc_cli_usage_error("schedules: unknown option '%s' (see "
                                  "'foldcheck schedules --help')", o);
      static const char *const known[] = {"--format", "--positions", "--near",
                                          "--kernels"};
      size_t k;
      for (k = 0; k < 4; k++)
        if ((size_t)(eq - o) == strlen(known[k])
            && strncmp(o, known[k], strlen(known[k])) == 0)
          break;
      if (k == 4)
        return fc_cli_usage_error("schedules: unknown option '%.*s' (see "
                                  "'foldcheck schedules --help')",
                                  (int)(eq - o), o);
      val = eq + 1;
      o = known[k];
    } else {
      if (name)
        return fc_cli_usage_error("schedules: one schedule at a time (got "
                                  "'%s' and '%s')", name, o);
      name = o;
      continue;
    }
    if (strcmp(o, "--format") == 0) {
      if (strcmp(val, "json") == 0)
        json = 1;
      else if (strcmp(val, "text") == 0)
        json = 0;
      else
        return fc_cli_usage_error("schedules: unknown format '%s' (text, "
                                  "json)", val);
    } else if (strcmp(o, "--positions") == 0) {
      pspec = val;
    } else if (strcmp(o, "--kernels") == 0) {
      kname = val;
    } else { /* --near */
      char *end;
      errno = 0;
      near = strtod(val, &end);
      if (*val == 0 || *end || errno || !(near >= 0) || !(near < 1))
        return fc_cli_usage_error("--near expects a relative gap in [0, 1), "
                                  "got '%s'", val);
    }
  }
  if (name == NULL) {
    if (want_rope || kname)
      return fc_cli_usage_error("schedules: --rope-error needs a schedule "
                                "NAME");
    return list_presets(json);
  }
  pset ps;
  int rc = parse_positions(&ps, pspec);
  if (rc)
    return rc;
  const fc_kernels *kern = fc_kernels_reference();
  if (kname) {
    kern = fc_kernels_find(kname);
    if (kern == NULL)
      return fc_cli_usage_error("unknown kernel table '%s' (see 'foldcheck "
                                "kernels')", kname);
  }
  if (want_rope && (kern->rope == NULL || kern->rope->apply == NULL))
    return fc_cli_usage_error("kernel table '%s' has no RoPE kernel", kname);
  report r;
  memset(&r, 0, sizeof r);
  r.near_thr = near;
  r.kernels = fc_kernels_name(kern);
  fc_error err = {0, ""};
  rc = fc_schedule_parse(&r.b, name, &err);
  if (rc) {
    report_clear(&r);
    return fc_cli_usage_error("%s", err.msg);
  }
  r.m = r.b.s.d / 2;
  r.rel = malloc(r.m * r.m);
  if (r.rel == NULL) {
    report_clear(&r);
    return fc_cli_usage_error("out of memory");
  }
  /* Classes as for any set holding a nonzero position (the schedule's own
   * classes); the spectral gap uses the given set. */
  rc = fc_schedule_relations(r.rel, &r.b.s, NULL, 0);
  if (rc == FC_OK)
    rc = fc_schedule_classes_init(&r.cls, &r.b.s, r.rel);
  if (rc == FC_OK)
    rc = freq_gaps(&r);
  if (rc == FC_OK)
    rc = spectral_gap(&r, &ps);
  if (rc == FC_OK && want_rope)
    rc = rope_error(&r, &ps, kern);
  if (rc != FC_OK) {
    report_clear(&r);
    return fc_cli_usage_error("schedules: %s", fc_strerror(rc));
  }
  if (json) {
    json_t *o = json_report(&r, name, &ps, pspec);
    if (o == NULL || json_dumpf(o, stdout, JSON_INDENT(2)) != 0) {
      json_decref(o);
      report_clear(&r);
      return fc_cli_usage_error("writing JSON failed");
    }
    json_decref(o);
    putchar('\n');
  } else {
    print_text(&r, name, &ps, pspec);
  }
  /* --rope-error: exit 1 when the kernel's error exceeds its bound at a
   * position (a ratio above 1, or not a number). */
  int exceeded = 0;
  for (size_t k = 0; k < r.nrows; k++)
    exceeded |= !(r.rows[k].ratio <= 1);
  report_clear(&r);
  if (exceeded)
    fprintf(stderr, "foldcheck: schedules: the RoPE kernel's error exceeds "
            "its bound (error/bound > 1)\n");
  return exceeded ? 1 : 0;
}

/* foldx.c -- the fold experiment (foldx_internal.h): generation, the
 * three-level check, and a readable description. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "foldx_internal.h"
#include "attention.h"
#include "kcall_internal.h"
#include "kernels/rope.h"
#include "gen/schedule.h"

/* The "config" field, in this order. */
enum {
  CONF_ROPE,
  CONF_NORM,
  CONF_RESIDUAL,
  CONF_OUTPUT,
  CONF_REWRITE,
  CONF_OMODE,
  CONF_ONLINE,
  CONF_SIDE,
  CONF_COMPARE,
  CONF_NEG,
  CONF_N
};

/* How a rotation slot is stored ("slots" field: kind, source index). */
enum {
  SLOT_IDENT = 0,   /* I */
  SLOT_GIVENS = 1,  /* fc_givens under "R<src>" */
  SLOT_MATRIX = 2,  /* explicit "R<src>.matrix" (fc_draw_commuting_matrix) */
  SLOT_PRODUCT = 3, /* "R<src>.matrix" times the Givens "R<src>" */
  SLOT_A = 4,       /* A = Q1 diag(2^e) Q2: "R<src>.q1", "R<src>.e",
                       "R<src>.q2" */
  SLOT_AINVT = 5    /* A^-T = Q1 diag(2^-e) Q2 (so Wo A^-1 = Wo (A^-T)^T) */
};

#define FX_MAX_HEADS 64

/* ------------------------------------------------------------ generation */

static int pfx(char *buf, size_t n, const char *fmt, long k)
{
  int w = snprintf(buf, n, fmt, k);
  return w > 0 && (size_t)w < n ? FC_OK : FC_EINVAL;
}

/* 1 if the schedule has two planes of different classes (over all
 * positions), so that a mixing rotation exists. */
static int mixable(const fc_schedule *s)
{
  const size_t m = s->d / 2;
  unsigned char *rel = malloc(m > 0 ? m * m : 1);
  if (rel == NULL)
    return -1;
  int ok = 0;
  if (fc_schedule_relations(rel, s, NULL, 0) == FC_OK)
    for (size_t i = 0; i < m && !ok; i++)
      for (size_t j = i + 1; j < m && !ok; j++)
        ok = rel[i * m + j] == 0;
  free(rel);
  return ok;
}

typedef struct gen_slots {
  long (*slots)[2];
  size_t n, cap;
} gen_slots;

static long push_slot(gen_slots *g, long kind, long src)
{
  if (g->n == g->cap)
    return -1;
  g->slots[g->n][0] = kind;
  g->slots[g->n][1] = src;
  return (long)g->n++;
}

/* Draw one rotation of `kind` under "R<src>" (src = the new slot's index)
 * and register it.  Returns the slot index, or a negative fc_err. */
static long draw_rotation(fc_case *c, fc_draw *d, gen_slots *g, int kind,
                          const fc_schedule *s, size_t dim)
{
  char p[32];
  const long src = (long)g->n;
  if (pfx(p, sizeof p, "R%ld", src) != FC_OK)
    return FC_EINVAL;
  /* Without RoPE (Theta = I) every matrix commutes: a commuting rotation
   * is any rotation, and a non-orthogonal member of the commutant is any
   * matrix, drawn against the all-fixed schedule (theta = 0). */
  double zeros[64] = {0};
  fc_schedule ident = {dim, 0, FC_LAYOUT_INTERLEAVED, zeros};
  if (s == NULL && kind == FX_KIND_NONORTH_COMM) {
    if (dim % 2 != 0 || dim / 2 > sizeof zeros / sizeof zeros[0])
      return FC_EREJECT;
    s = &ident;
  } else if (s == NULL && kind != FX_KIND_HAAR) {
    kind = FX_KIND_HAAR;
  }
  int rc = FC_OK;
  long slot_kind = SLOT_GIVENS;
  if ((kind == FX_KIND_MIXING || kind == FX_KIND_NONORTH_MIX)) {
    int mx = mixable(s);
    if (mx < 0)
      return FC_ENOMEM;
    if (!mx)
      return FC_EREJECT; /* one class: no mixing rotation, discard */
  }
  switch (kind) {
  case FX_KIND_COMMUTING:
    rc = fc_draw_commuting_rotation(c, d, p, s);
    break;
  case FX_KIND_MIXING:
    rc = fc_draw_mixing_rotation(c, d, p, s);
    break;
  case FX_KIND_HAAR:
    rc = fc_draw_haar_rotation(c, d, p, dim);
    break;
  case FX_KIND_NONORTH_COMM:
    rc = fc_draw_commuting_matrix(c, d, p, s);
    slot_kind = SLOT_MATRIX;
    break;
  case FX_KIND_NONORTH_MIX:
    rc = fc_draw_commuting_matrix(c, d, p, s);
    if (rc == FC_OK)
      rc = fc_draw_mixing_rotation(c, d, p, s);
    slot_kind = SLOT_PRODUCT;
    break;
  default:
    return FC_EINVAL;
  }
  if (rc != FC_OK)
    return rc;
  return push_slot(g, slot_kind, src);
}

/* A = Q1 diag(2^e) Q2 with Q1, Q2 Haar-like and e in {0, 1, -1, 2, -2};
 * registers A and A^-T (two slots, one source).  Returns the slot of A. */
static long draw_invertible(fc_case *c, fc_draw *d, gen_slots *g,
                            size_t dim)
{
  char p[48];
  const long src = (long)g->n;
  int rc = pfx(p, sizeof p, "R%ld.q1", src);
  if (rc == FC_OK)
    rc = fc_draw_haar_rotation(c, d, p, dim);
  if (rc == FC_OK)
    rc = pfx(p, sizeof p, "R%ld.e", src);
  long *e = NULL;
  if (rc == FC_OK) {
    e = fc_case_add_ints(c, p, dim, 1);
    if (e == NULL)
      rc = FC_ENOMEM;
  }
  for (size_t i = 0; rc == FC_OK && i < dim; i++) {
    const long k = fc_draw_int(d, 0, 4); /* 0, 1, -1, 2, -2 */
    e[i] = (k + 1) / 2 * (k % 2 ? 1 : -1);
  }
  if (rc == FC_OK)
    rc = pfx(p, sizeof p, "R%ld.q2", src);
  if (rc == FC_OK)
    rc = fc_draw_haar_rotation(c, d, p, dim);
  if (rc != FC_OK)
    return rc;
  const long a = push_slot(g, SLOT_A, src);
  if (a < 0 || push_slot(g, SLOT_AINVT, src) < 0)
    return FC_EINVAL;
  return a;
}

static int add_dim(fc_case *c, const char *name, size_t v)
{
  return fc_case_add_dim(c, name, (long)v);
}

/* One choice: 0, 1, -1, 2, -2, 1/2, -1/2, 3, -3 (shrinks toward 0, then
 * +-1).  Grid mode draws weights this way: one choice per value keeps the
 * choice sequence short (the shrink budget is counted in evaluations, and
 * a deletion pass costs about five per choice), and small exact entries
 * make counterexamples easy to read.  Only negative controls and `explain`
 * use it: the positive properties draw general doubles. */
static double draw_small(fc_draw *d)
{
  static const double v[9] = {0, 1, -1, 2, -2, 0.5, -0.5, 3, -3};
  return v[fc_draw_int(d, 0, 8)];
}

/* The same for token inputs x, but shrinking toward 1: a zero token still
 * takes part in the softmax (score 0), so a shrink that zeroes a token
 * keeps T at a local minimum; tokens that stay nonzero let T shrink. */
static double draw_small_token(fc_draw *d)
{
  static const double v[9] = {1, -1, 2, -2, 0.5, -0.5, 3, -3, 0};
  return v[fc_draw_int(d, 0, 8)];
}

static const fc_double_spec token_spec_marker = {-1.0, 0, 0};

/* A block matrix on a grid: rows are rb blocks of rs (of at most rbm
 * blocks of rsm), columns cb blocks of cs (of cbm of csm).  Every grid
 * entry is drawn, in grid order; the actual matrix, (rb rs) x (cb cs)
 * row-major in dst, takes the LAST rb of the rbm blocks, the last rs of
 * each block's rsm rows, and likewise for columns.  Why the last: the
 * shrinker zeroes choices front to back, so the values that survive it sit
 * late in the grid; taking the last entries means a lower size keeps them
 * (with the first entries, lowering dm from 2 to 1 would drop the one
 * column that still carries the failure, and the shrink would stall). */
static void draw_grid(fc_draw *d, double *dst, size_t rb, size_t rs,
                      size_t rbm, size_t rsm, size_t cb, size_t cs,
                      size_t cbm, size_t csm, const fc_double_spec *spec)
{
  const size_t cols = cb * cs;
  for (size_t i = 0; i < rbm; i++)
    for (size_t a = 0; a < rsm; a++)
      for (size_t j = 0; j < cbm; j++)
        for (size_t b = 0; b < csm; b++) {
          const double v = spec == &token_spec_marker ? draw_small_token(d)
                           : spec ? fc_draw_double(d, spec)
                                  : draw_small(d);
          if (i + rb < rbm || a + rs < rsm || j + cb < cbm || b + cs < csm)
            continue; /* outside the actual sizes */
          const size_t ii = i - (rbm - rb), aa = a - (rsm - rs);
          const size_t jj = j - (cbm - cb), bb = b - (csm - cs);
          dst[(ii * rs + aa) * cols + jj * cs + bb] = v;
        }
}

/* Draw a schedule of dimension dsrc (into a scratch case) and store its
 * LAST d/2 planes under prefix, with the same layout: as with draw_grid,
 * the last entries survive a lower size (for the interleaved layout plane
 * i is coordinates 2i, 2i+1, so the kept planes pair with the kept weight
 * rows).  Fixed planes (theta 0) come last, so the kept planes hold
 * max(0, rotary/2 - (dsrc - d)/2) rotating ones first: a consistent
 * schedule. */
static int draw_schedule_trunc(fc_case *c, fc_draw *d, const char *prefix,
                               size_t dd, size_t dsrc, int store)
{
  fc_case *tmp = fc_case_new();
  if (tmp == NULL)
    return FC_ENOMEM;
  fc_schedule s;
  int rc = fc_draw_schedule(tmp, d, "s", dsrc, dsrc);
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, tmp, "s");
  if (rc == FC_OK && store) {
    const size_t drop = (dsrc - dd) / 2; /* planes dropped at the front */
    const size_t rot = s.rotary_dim / 2;
    s.theta += drop;
    s.d = dd;
    s.rotary_dim = rot > drop ? 2 * (rot - drop) : 0;
    rc = fc_schedule_store(c, prefix, &s);
  }
  fc_case_free(tmp);
  return rc;
}

int fc_fx_generate(fc_case *c, fc_draw *d, const fc_fx_cfg *cfg)
{
  if (c == NULL || d == NULL || cfg == NULL)
    return FC_EINVAL;
  /* Sizes: drawn first, simplest (smallest) first. */
  size_t heads, kv, grp = 1, kv_max;
  const size_t heads_max = cfg->heads_max ? cfg->heads_max : 1;
  if (cfg->gqa) {
    grp = (size_t)fc_draw_int(d, 2, 4);
    kv_max = heads_max / grp ? heads_max / grp : 1;
    kv = (size_t)fc_draw_size(d, 1, (long)kv_max);
    heads = kv * grp;
    kv_max = heads_max / 2 ? heads_max / 2 : 1; /* grid over every grp */
  } else {
    heads = (size_t)fc_draw_size(d, cfg->heads_min ? cfg->heads_min : 1,
                                 (long)heads_max);
    kv = heads;
    kv_max = heads_max;
  }
  if (heads_max > FX_MAX_HEADS || heads > heads_max)
    return FC_EINVAL;
  const size_t T_max = cfg->T_max ? cfg->T_max : 1;
  const size_t dm_max = cfg->dm_max ? cfg->dm_max : 1;
  const size_t T = (size_t)fc_draw_size(d, 1, (long)T_max);
  const size_t dm = (size_t)fc_draw_size(d, 1, (long)dm_max);
  const size_t dlo = cfg->d_min >= 2 ? cfg->d_min / 2 : 1;
  const size_t dhi = cfg->d_max / 2 > dlo ? cfg->d_max / 2 : dlo;
  const size_t dd = 2 * (size_t)fc_draw_size(d, (long)dlo, (long)dhi);
  const size_t d_max = 2 * dhi;
  const size_t hd = heads * dd, kvd = kv * dd;
  const int rows = cfg->o_mode == FX_O_ROWS;
  const size_t dout = rows ? hd : dm;
  /* The grid: maximal sizes when cfg->grid, the actual ones otherwise. */
  const int gr = cfg->grid;
  const size_t gT = gr ? T_max : T, gdm = gr ? dm_max : dm;
  const size_t gd = gr ? d_max : dd, gh = gr ? heads_max : heads;
  const size_t gkv = gr ? kv_max : kv;
  int rc = FC_OK;
  if (add_dim(c, "heads", heads) || add_dim(c, "kv", kv) ||
      add_dim(c, "d", dd) || add_dim(c, "T", T) || add_dim(c, "dm", dm) ||
      add_dim(c, "dout", dout))
    return FC_ENOMEM;
  long *conf = fc_case_add_ints(c, "config", CONF_N, 1);
  if (conf == NULL)
    return FC_ENOMEM;
  conf[CONF_ROPE] = cfg->rope;
  conf[CONF_NORM] = cfg->norm;
  conf[CONF_RESIDUAL] = cfg->residual;
  conf[CONF_OUTPUT] = cfg->output || cfg->residual || rows;
  conf[CONF_REWRITE] = cfg->rewrite;
  conf[CONF_OMODE] = cfg->o_mode;
  conf[CONF_ONLINE] = cfg->online;
  conf[CONF_SIDE] = cfg->side;
  conf[CONF_COMPARE] = cfg->compare;
  conf[CONF_NEG] = cfg->neg;
  /* Schedules, one per key/value head (or one shared), and positions. */
  const size_t nsched = cfg->shared ? 1 : kv;
  const size_t gsched = cfg->shared ? 1 : gkv;
  fc_schedule sched[FX_MAX_HEADS];
  if (cfg->rope) {
    char p[16];
    for (size_t j = 0; j < gsched && rc == FC_OK; j++) {
      rc = pfx(p, sizeof p, "s%ld", (long)j);
      if (rc == FC_OK)
        rc = draw_schedule_trunc(c, d, p, dd, gd, j < nsched);
      if (rc == FC_OK && j < nsched)
        rc = fc_schedule_view(&sched[j], c, p);
    }
    long *pos = rc == FC_OK ? fc_case_add_ints(c, "pos", T, 1) : NULL;
    if (rc == FC_OK && pos == NULL)
      rc = FC_ENOMEM;
    for (size_t t = 0; t < gT && rc == FC_OK; t++) { /* the last T */
      const long v = fc_draw_position(d);
      if (t + T >= gT)
        pos[t - (gT - T)] = v;
    }
    if (rc != FC_OK)
      return rc;
  }
  long *causal = fc_case_add_ints(c, "causal", 1, 1);
  if (causal == NULL)
    return FC_ENOMEM;
  *causal = fc_draw_bool(d, 0.5);
  /* The shell's norm. */
  if (cfg->norm) {
    static const double epsv[3] = {0x1p-20, 1e-6, 1e-5};
    static const double epsw[3] = {0.4, 0.3, 0.3};
    static const fc_double_spec gspec0 = {2.0, 0, 0};
    const fc_double_spec *gspec = gr ? NULL : &gspec0;
    double *gain = fc_case_add_reals(c, "gain", dm, 1);
    double *eps = fc_case_add_reals(c, "eps", 1, 1);
    if (gain == NULL || eps == NULL)
      return FC_ENOMEM;
    *eps = epsv[fc_draw_weighted(d, epsw, 3)];
    draw_grid(d, gain, 1, dm, 1, gdm, 1, 1, 1, 1, gspec);
  }
  /* Inputs and weights.  A drawn exponent scales x up to 2^6 (scores up
   * to about 1e4 d: softmax saturation); shrinks to no scaling. */
  const int e = cfg->big && fc_draw_bool(d, 0.3) ? (int)fc_draw_int(d, 1, 6)
                                                 : 0;
  static const fc_double_spec xspec0 = {2.0, 0, 0}, wspec0 = {1.0, 0, 0};
  const fc_double_spec *xspec = gr ? &token_spec_marker : &xspec0;
  const fc_double_spec *wspec = gr ? NULL : &wspec0;
  double *x = fc_case_add_reals(c, "x", T, dm);
  double *wq = fc_case_add_reals(c, "wq", hd, dm);
  double *wk = fc_case_add_reals(c, "wk", kvd, dm);
  double *wv = fc_case_add_reals(c, "wv", kvd, dm);
  double *wo = fc_case_add_reals(c, "wo", dout, hd);
  if (!x || !wq || !wk || !wv || !wo)
    return FC_ENOMEM;
  draw_grid(d, x, 1, T, 1, gT, 1, dm, 1, gdm, xspec);
  for (size_t i = 0; i < T * dm; i++)
    x[i] = ldexp(x[i], e);
  draw_grid(d, wq, heads, dd, gh, gd, 1, dm, 1, gdm, wspec);
  draw_grid(d, wk, kv, dd, gkv, gd, 1, dm, 1, gdm, wspec);
  draw_grid(d, wv, kv, dd, gkv, gd, 1, dm, 1, gdm, wspec);
  if (rows)
    draw_grid(d, wo, heads, dd, gh, gd, heads, dd, gh, gd, wspec);
  else
    draw_grid(d, wo, 1, dm, 1, gdm, heads, dd, gh, gd, wspec);
  /* Rotations (last: their draws depend on the schedule's classes) and
   * the head -> rotation map. */
  long slots_mem[4 * FX_MAX_HEADS + 8][2];
  gen_slots gs = {slots_mem, 0, sizeof slots_mem / sizeof slots_mem[0]};
  long qk[FX_MAX_HEADS], vs[FX_MAX_HEADS], os[FX_MAX_HEADS];
  long bad = -1;
  if (cfg->bad_head) {
    long *b = fc_case_add_ints(c, "bad_head", 1, 1);
    if (b == NULL)
      return FC_ENOMEM;
    bad = *b = fc_draw_int(d, 0, (long)heads - 1);
  }
  const size_t ngroups = cfg->shared ? 1 : kv;
  for (size_t gi = 0; gi < ngroups; gi++) {
    const fc_schedule *s = cfg->rope ? &sched[gi] : NULL;
    const int kind = bad >= 0 && (size_t)bad / grp == gi ? FX_KIND_MIXING
                                                         : cfg->kind;
    long r = draw_rotation(c, d, &gs, kind, s, dd);
    if (r < 0)
      return (int)r;
    qk[gi] = r;
    vs[gi] = os[gi] = r;
    if (cfg->v_kind == FX_V_HAAR) {
      r = draw_rotation(c, d, &gs, FX_KIND_HAAR, s, dd);
      if (r < 0)
        return (int)r;
      vs[gi] = os[gi] = r;
    } else if (cfg->v_kind == FX_V_INVERTIBLE) {
      r = draw_invertible(c, d, &gs, dd);
      if (r < 0)
        return (int)r;
      vs[gi] = r;
      os[gi] = r + 1;
    }
  }
  long *map = fc_case_add_ints(c, "map", 2 * heads + 2 * kv, 1);
  if (map == NULL)
    return FC_ENOMEM;
  for (size_t h = 0; h < heads; h++) {
    const size_t gi = cfg->shared ? 0 : h / grp;
    map[h] = qk[gi];
    if (cfg->gqa_split && h % grp != 0) {
      long r = draw_rotation(c, d, &gs, cfg->kind,
                             cfg->rope ? &sched[gi] : NULL, dd);
      if (r < 0)
        return (int)r;
      map[h] = r;
    }
    const size_t ho = cfg->o_mode == FX_O_REVERSED ? heads - 1 - h : h;
    map[heads + 2 * kv + h] = os[cfg->shared ? 0 : ho / grp];
  }
  for (size_t j = 0; j < kv; j++) {
    const size_t gi = cfg->shared ? 0 : j;
    map[heads + j] = qk[gi];
    map[heads + kv + j] = vs[gi];
  }
  long *sl = fc_case_add_ints(c, "slots", gs.n, 2);
  if (sl == NULL && gs.n > 0)
    return FC_ENOMEM;
  for (size_t i = 0; i < gs.n; i++) {
    sl[2 * i] = gs.slots[i][0];
    sl[2 * i + 1] = gs.slots[i][1];
  }
  return fc_draw_status(d);
}

/* ----------------------------------------------------------------- parse */

typedef struct fx {
  const fc_case *c;
  size_t T, dm, d, heads, kv, dout, hd, kvd, grp;
  long conf[CONF_N];
  const double *x, *gain, *wq, *wk, *wv, *wo;
  double eps;
  const long *pos;
  int causal;
  fc_schedule sched[FX_MAX_HEADS]; /* kv entries when RoPE */
  int rope;
  size_t nslots;
  const long *slots; /* nslots x 2 */
  const long *map;   /* q: heads, k: kv, v: kv, o: heads */
} fx;

static const long *mq(const fx *f) { return f->map; }
static const long *mk(const fx *f) { return f->map + f->heads; }
static const long *mv(const fx *f) { return f->map + f->heads + f->kv; }
static const long *mo(const fx *f) { return f->map + f->heads + 2 * f->kv; }

static const double *reals(const fc_case *c, const char *n, size_t r,
                           size_t k)
{
  size_t rr, kk;
  const double *p = fc_case_reals(c, n, &rr, &kk);
  return p && rr == r && kk == k ? p : NULL;
}

static int fx_parse(fx *f, const fc_case *c)
{
  memset(f, 0, sizeof *f);
  f->c = c;
  const long dims[6] = {fc_case_dim(c, "T", 0),    fc_case_dim(c, "dm", 0),
                        fc_case_dim(c, "d", 0),    fc_case_dim(c, "heads", 0),
                        fc_case_dim(c, "kv", 0),   fc_case_dim(c, "dout", 0)};
  for (int i = 0; i < 6; i++)
    if (dims[i] < 1 || dims[i] > (1L << 20))
      return FC_EINVAL;
  f->T = (size_t)dims[0];
  f->dm = (size_t)dims[1];
  f->d = (size_t)dims[2];
  f->heads = (size_t)dims[3];
  f->kv = (size_t)dims[4];
  f->dout = (size_t)dims[5];
  if (f->heads > FX_MAX_HEADS || f->heads % f->kv != 0)
    return FC_EINVAL;
  f->grp = f->heads / f->kv;
  f->hd = f->heads * f->d;
  f->kvd = f->kv * f->d;
  size_t r, k;
  const long *conf = fc_case_ints(c, "config", &r, &k);
  if (conf == NULL || r != CONF_N || k != 1)
    return FC_EINVAL;
  memcpy(f->conf, conf, sizeof f->conf);
  f->x = reals(c, "x", f->T, f->dm);
  f->wq = reals(c, "wq", f->hd, f->dm);
  f->wk = reals(c, "wk", f->kvd, f->dm);
  f->wv = reals(c, "wv", f->kvd, f->dm);
  f->wo = reals(c, "wo", f->dout, f->hd);
  if (!f->x || !f->wq || !f->wk || !f->wv || !f->wo)
    return FC_EINVAL;
  if (f->conf[CONF_NORM]) {
    f->gain = reals(c, "gain", f->dm, 1);
    const double *eps = reals(c, "eps", 1, 1);
    if (f->gain == NULL || eps == NULL || !(*eps > 0))
      return FC_EINVAL;
    f->eps = *eps;
  }
  if (f->conf[CONF_RESIDUAL] && f->dout != f->dm)
    return FC_EINVAL;
  if (f->conf[CONF_OMODE] == FX_O_ROWS && f->dout != f->hd)
    return FC_EINVAL;
  f->causal = fc_case_dim(c, "causal", 0) != 0;
  f->rope = f->conf[CONF_ROPE] != 0;
  if (f->rope) {
    f->pos = fc_case_ints(c, "pos", &r, &k);
    if (f->pos == NULL || r != f->T || k != 1)
      return FC_EINVAL;
    for (size_t j = 0; j < f->kv; j++) {
      char p[16];
      snprintf(p, sizeof p, "s%ld", (long)j);
      if (fc_schedule_view(&f->sched[j], c, p) != FC_OK &&
          fc_schedule_view(&f->sched[j], c, "s0") != FC_OK)
        return FC_EINVAL;
      if (f->sched[j].d != f->d)
        return FC_EINVAL;
    }
  }
  f->slots = fc_case_ints(c, "slots", &r, &k);
  if (f->slots == NULL || k != 2)
    return FC_EINVAL;
  f->nslots = r;
  f->map = fc_case_ints(c, "map", &r, &k);
  if (f->map == NULL || r != 2 * f->heads + 2 * f->kv || k != 1)
    return FC_EINVAL;
  for (size_t i = 0; i < r; i++)
    if (f->map[i] < 0 || (size_t)f->map[i] >= f->nslots)
      return FC_EINVAL;
  for (size_t i = 0; i < f->nslots; i++)
    if (f->slots[2 * i] < SLOT_IDENT || f->slots[2 * i] > SLOT_AINVT ||
        f->slots[2 * i + 1] < 0)
      return FC_EINVAL;
  return FC_OK;
}

static int slot_name(char *buf, size_t n, const fx *f, size_t k,
                     const char *suffix)
{
  int w = snprintf(buf, n, "R%ld%s", f->slots[2 * k + 1], suffix);
  return w > 0 && (size_t)w < n ? FC_OK : FC_EINVAL;
}

static int slot_givens(fc_givens *g, const fx *f, size_t k,
                       const char *suffix)
{
  char p[48];
  int rc = slot_name(p, sizeof p, f, k, suffix);
  return rc == FC_OK ? fc_givens_view(g, f->c, p, f->d) : rc;
}

static const double *slot_matrix(const fx *f, size_t k)
{
  char p[48];
  if (slot_name(p, sizeof p, f, k, "") != FC_OK)
    return NULL;
  return fc_commuting_matrix_view(f->c, p, f->d);
}

static const long *slot_exps(const fx *f, size_t k)
{
  char p[48];
  size_t r, cc;
  if (slot_name(p, sizeof p, f, k, ".e") != FC_OK)
    return NULL;
  const long *e = fc_case_ints(f->c, p, &r, &cc);
  if (e == NULL || r != f->d || cc != 1)
    return NULL;
  for (size_t i = 0; i < r; i++)
    if (e[i] < -8 || e[i] > 8)
      return NULL;
  return e;
}

/* ------------------------------------------------- rotations in double */

/* Slot k as a d x d matrix M in double, computed by the harness (never by
 * a kernel under test): fc_givens_build_d, plain products.  What the
 * kernels receive is M rounded to their storage; the kernel level never
 * needs a bound on M's own rounding, since it compares the user's fold of
 * the stored M with the exact fold by the exact rotation in MPFR (the
 * difference is measured, not bounded). */
static void mat_mul_d(double *C, const double *A, const double *B, size_t d)
{
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double s = 0.0;
      for (size_t l = 0; l < d; l++)
        s += A[i * d + l] * B[l * d + j];
      C[i * d + j] = s;
    }
}

static int slot_build_d(double *M, const fx *f, size_t k)
{
  const size_t d = f->d;
  fc_givens g;
  int rc = FC_OK;
  switch (f->slots[2 * k]) {
  case SLOT_IDENT:
    for (size_t i = 0; i < d * d; i++)
      M[i] = (i % (d + 1)) == 0;
    return FC_OK;
  case SLOT_GIVENS:
    rc = slot_givens(&g, f, k, "");
    if (rc == FC_OK)
      fc_givens_build_d(M, &g);
    return rc;
  case SLOT_MATRIX: {
    const double *X = slot_matrix(f, k);
    if (X == NULL)
      return FC_EINVAL;
    memcpy(M, X, d * d * sizeof *M);
    return FC_OK;
  }
  case SLOT_PRODUCT: {
    const double *X = slot_matrix(f, k);
    double *G = malloc(d * d * sizeof *G);
    if (X == NULL || G == NULL) {
      free(G);
      return X == NULL ? FC_EINVAL : FC_ENOMEM;
    }
    rc = slot_givens(&g, f, k, "");
    if (rc == FC_OK) {
      fc_givens_build_d(G, &g);
      mat_mul_d(M, X, G, d);
    }
    free(G);
    return rc;
  }
  case SLOT_A:
  case SLOT_AINVT: {
    /* Q1 (D Q2), D = diag(2^(+-e)) scaling rows exactly. */
    const long *e = slot_exps(f, k);
    const double sg = f->slots[2 * k] == SLOT_A ? 1 : -1;
    double *W = malloc(2 * d * d * sizeof *W);
    if (e == NULL || W == NULL) {
      free(W);
      return e == NULL ? FC_EINVAL : FC_ENOMEM;
    }
    double *Q1 = W, *Q2 = W + d * d;
    rc = slot_givens(&g, f, k, ".q1");
    if (rc == FC_OK) {
      fc_givens_build_d(Q1, &g);
      rc = slot_givens(&g, f, k, ".q2");
    }
    if (rc == FC_OK) {
      fc_givens_build_d(Q2, &g);
      for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
          Q2[i * d + j] = ldexp(Q2[i * d + j], (int)(sg * e[i]));
      mat_mul_d(M, Q1, Q2, d);
    }
    free(W);
    return rc;
  }
  default:
    return FC_EINVAL;
  }
}
/* ---------------------------------------------------- rotations in MPFR */

static int slot_build_mp(fc_mp_emat *M, const fx *f, size_t k)
{
  const size_t d = f->d;
  fc_givens g;
  int rc = FC_OK;
  switch (f->slots[2 * k]) {
  case SLOT_IDENT:
    fc_mpmat_set_identity(M->m);
    for (size_t i = 0; i < d * d; i++)
      M->e[i] = 0.0;
    fc_mp_emat_sync(M);
    return FC_OK;
  case SLOT_GIVENS:
    rc = slot_givens(&g, f, k, "");
    return rc == FC_OK ? fc_mp_emat_givens(M, &g) : rc;
  case SLOT_MATRIX: {
    const double *X = slot_matrix(f, k);
    if (X == NULL)
      return FC_EINVAL;
    fc_mp_emat_set_d(M, X);
    return FC_OK;
  }
  case SLOT_PRODUCT:
  case SLOT_A:
  case SLOT_AINVT: {
    const mpfr_prec_t prec = M->m->prec;
    fc_mp_emat L, R;
    rc = fc_mp_emat_init(&L, d, d, prec);
    if (rc == FC_OK)
      rc = fc_mp_emat_init(&R, d, d, prec);
    if (rc != FC_OK) {
      fc_mp_emat_clear(&L);
      return rc;
    }
    if (f->slots[2 * k] == SLOT_PRODUCT) {
      const double *X = slot_matrix(f, k);
      if (X == NULL)
        rc = FC_EINVAL;
      else
        fc_mp_emat_set_d(&L, X);
      if (rc == FC_OK)
        rc = slot_givens(&g, f, k, "");
      if (rc == FC_OK)
        rc = fc_mp_emat_givens(&R, &g);
    } else {
      const long *e = slot_exps(f, k);
      const long sg = f->slots[2 * k] == SLOT_A ? 1 : -1;
      rc = e ? slot_givens(&g, f, k, ".q1") : FC_EINVAL;
      if (rc == FC_OK)
        rc = fc_mp_emat_givens(&L, &g);
      if (rc == FC_OK)
        rc = slot_givens(&g, f, k, ".q2");
      if (rc == FC_OK)
        rc = fc_mp_emat_givens(&R, &g);
      if (rc == FC_OK) /* rows of Q2 times 2^(+-e): exact */
        for (size_t i = 0; i < d; i++)
          for (size_t j = 0; j < d; j++) {
            mpfr_mul_2si(FC_MPMAT(R.m, i, j), FC_MPMAT(R.m, i, j),
                         sg * e[i], MPFR_RNDN);
            R.e[i * d + j] = ldexp(R.e[i * d + j], (int)(sg * e[i]));
            R.d[i * d + j] = ldexp(R.d[i * d + j], (int)(sg * e[i]));
          }
    }
    if (rc == FC_OK)
      rc = fc_mp_emat_mul(M, &L, 0, &R, 0);
    fc_mp_emat_clear(&L);
    fc_mp_emat_clear(&R);
    return rc;
  }
  default:
    return FC_EINVAL;
  }
}

/* --------------------------------------------------------------- check */

/* The kernel level of the experiment (issue 16): every kernel output comes
 * from the run's provider (fc_kx_open: the user's plugin or exec client,
 * or an adapter over the built-in reference or mutant table), every bound
 * from src/bounds at the provider's declared arithmetic.
 *
 * The contract exposes fold_weights and the output of attention_block
 * (no scores, probabilities or contexts), and one RoPE schedule per block
 * call.  So the block runs in parts: one call for every head when the
 * heads share a schedule (or there is no RoPE: rotary_dim 0), else one call
 * per key/value head with its query heads and its columns of Wo (the
 * output of the whole block is the sum of the parts' projections, and a
 * fold by B(R) acts on each part alone, so every part's output is
 * invariant by itself).  A property that compares scores or contexts is
 * judged at the kernel level on the block output, which the statement
 * implies (scores equal and V, O unchanged or compensated; ctx' = R ctx and
 * Wo R^T); the block runs with the case's Wo even where the statement has
 * no output projection.  Levels:
 *   accuracy     each fold output against the exact product of what was
 *                sent (fc_kx_fold_accuracy, fc_bnd_fold), each block
 *                output y against the oracle O of its own (stored) inputs
 *                with E = fc_bnd_block + the oracle's ball;
 *   conformance  (positive properties) the theorem through the kernels:
 *                |y' - y| <= E + E' + |O' - O3| + 2^-P (e' + e3), O3 the
 *                oracle of the exact fold of the stored weights by the
 *                exact rotations (= O by the theorem, which the statement
 *                level certifies), O' that of the user's folded weights:
 *                |O' - O3| is the exact effect of the fold's and the
 *                stored rotation's rounding, measured rather than bounded;
 *   statement    the MPFR statement, on the inputs as held in storage.
 * Not expressible through the contract: rotations applied online after
 * RoPE (F6 (b): only the original block is judged), and Wo on rows with
 * heads d != dm (fold.multi.neg.rows_not_columns: only the folds are
 * judged).  A kernel failure (crash, timeout, status, NaN) fails the case;
 * a negative control never counts it as a detection. */

typedef struct fx_part {
  size_t h0, nh, j0, nkv; /* query heads [h0, h0+nh), kv [j0, j0+nkv) */
} fx_part;

typedef struct fx_eval {
  const fx *f;            /* the case as held in storage */
  const fc_check_ctx *x;
  fc_check_result *res;   /* the kernel level measures into it */
  int rewrite, compare, online, side;
  int acc_only;
  double side_ratio;      /* F6: the other variant's residual / bound */
  int side_done;
  /* the kernel level */
  int blocks;             /* 1: the block calls ran (y1, E1) */
  int folded;             /* 1: the folded block ran too (y2, E2) */
  size_t nparts;
  fx_part part[FX_MAX_HEADS];
  const double *y1, *y2, *E1, *E2; /* nparts x T x dm */
  const double *uq, *uk, *uv, *uo; /* the user's folded weights */
  double kneg;            /* negative controls: max |y' - y| / (E + E') */
  int out_implied;        /* 1: the compared statement implies that the
                             block output is unchanged (out_implied()) */
} fx_eval;

/* 1 when the statement the case compares implies out' = out, so that the
 * theorem through the kernels can be judged on the block output: the
 * output itself; equal scores with V and O untouched; ctx' = Rv ctx (or
 * ctx' = ctx) with Wo compensating exactly when V is rewritten.  Not
 * implied (e.g. `explain`'s context cell with Wo uncompensated): the
 * kernel level judges accuracy only. */
static int out_implied(int compare, int rewrite)
{
  const int v = (rewrite & FX_V) != 0, o = (rewrite & FX_O) != 0;
  return (compare & FX_CMP_OUT) ||
         ((compare & FX_CMP_SCORES) && !v && !o) ||
         ((compare & FX_CMP_CTX) && v == o);
}

typedef struct mpw {
  fc_mp_emat wq, wk, wv, wo;
} mpw;

static void mpw_clear(mpw *w)
{
  fc_mp_emat_clear(&w->wq);
  fc_mp_emat_clear(&w->wk);
  fc_mp_emat_clear(&w->wv);
  fc_mp_emat_clear(&w->wo);
}

static int mpw_init_dims(mpw *w, size_t hd, size_t kvd, size_t dm,
                         size_t dout, mpfr_prec_t prec)
{
  memset(w, 0, sizeof *w);
  int rc = fc_mp_emat_init(&w->wq, hd, dm, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&w->wk, kvd, dm, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&w->wv, kvd, dm, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&w->wo, dout, hd, prec);
  if (rc != FC_OK)
    mpw_clear(w);
  return rc;
}

static int mpw_init(mpw *w, const fx *f, mpfr_prec_t prec)
{
  return mpw_init_dims(w, f->hd, f->kvd, f->dm, f->dout, prec);
}

/* The four weights from exact doubles. */
static void mpw_set_d(mpw *w, const double *wq, const double *wk,
                      const double *wv, const double *wo)
{
  fc_mp_emat_set_d(&w->wq, wq);
  fc_mp_emat_set_d(&w->wk, wk);
  fc_mp_emat_set_d(&w->wv, wv);
  fc_mp_emat_set_d(&w->wo, wo);
}

/* dst block (r0, c0) <- op(L) src-block or src-block op(R): the rewrite of
 * one weight block in MPFR.  left: R W; else W R^T (rt = 1) or W R. */
static int mp_block_mul(fc_mp_emat *dst, const fc_mp_emat *src, size_t r0,
                        size_t c0, size_t rows, size_t cols,
                        const fc_mp_emat *R, int left, int transr)
{
  const mpfr_prec_t prec = dst->m->prec;
  fc_mp_emat blk, res;
  int rc = fc_mp_emat_init(&blk, rows, cols, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&res, rows, cols, prec);
  if (rc != FC_OK) {
    fc_mp_emat_clear(&blk);
    return rc;
  }
  rc = fc_mp_emat_get(&blk, src, r0, c0);
  if (rc == FC_OK)
    rc = left ? fc_mp_emat_mul(&res, R, transr, &blk, 0)
              : fc_mp_emat_mul(&res, &blk, 0, R, transr);
  if (rc == FC_OK)
    rc = fc_mp_emat_put(dst, r0, c0, &res);
  fc_mp_emat_clear(&blk);
  fc_mp_emat_clear(&res);
  return rc;
}

static int fold_mp(mpw *w2, const mpw *w, const fx *f, fc_mp_emat *S,
                   int rewrite)
{
  const size_t d = f->d;
  int rc = FC_OK;
  if (rewrite & FX_Q)
    for (size_t h = 0; h < f->heads && rc == FC_OK; h++)
      rc = mp_block_mul(&w2->wq, &w->wq, h * d, 0, d, f->dm, &S[mq(f)[h]],
                        1, 0);
  else
    rc = fc_mp_emat_copy(&w2->wq, &w->wq);
  if (rc == FC_OK && (rewrite & FX_K))
    for (size_t j = 0; j < f->kv && rc == FC_OK; j++)
      rc = mp_block_mul(&w2->wk, &w->wk, j * d, 0, d, f->dm, &S[mk(f)[j]],
                        1, 0);
  else if (rc == FC_OK)
    rc = fc_mp_emat_copy(&w2->wk, &w->wk);
  if (rc == FC_OK && (rewrite & FX_V))
    for (size_t j = 0; j < f->kv && rc == FC_OK; j++)
      rc = mp_block_mul(&w2->wv, &w->wv, j * d, 0, d, f->dm, &S[mv(f)[j]],
                        1, 0);
  else if (rc == FC_OK)
    rc = fc_mp_emat_copy(&w2->wv, &w->wv);
  if (rc == FC_OK && (rewrite & FX_O)) {
    for (size_t h = 0; h < f->heads && rc == FC_OK; h++) {
      const fc_mp_emat *R = &S[mo(f)[h]];
      if (f->conf[CONF_OMODE] == FX_O_ROWS)
        rc = mp_block_mul(&w2->wo, &w->wo, h * d, 0, d, f->hd, R, 1, 1);
      else
        rc = mp_block_mul(&w2->wo, &w->wo, 0, h * d, f->dout, d, R, 0, 1);
    }
  } else if (rc == FC_OK) {
    rc = fc_mp_emat_copy(&w2->wo, &w->wo);
  }
  return rc;
}

static void mp_in_setup(fc_mp_attn_in *in, const fx *f, const mpw *w)
{
  memset(in, 0, sizeof *in);
  in->g.T = f->T;
  in->g.dm = f->dm;
  in->g.d = f->d;
  in->g.heads = f->heads;
  in->g.kv = f->kv;
  in->g.dout = f->dout;
  in->x = f->x;
  in->pos = f->pos;
  in->sched = f->rope ? f->sched : NULL;
  in->causal = f->causal;
  in->gain = f->gain;
  in->eps = f->eps;
  in->wq = &w->wq;
  in->wk = &w->wk;
  in->wv = &w->wv;
  in->wo = f->conf[CONF_OUTPUT] ? &w->wo : NULL;
  in->residual = (int)f->conf[CONF_RESIDUAL];
}

/* Expected rewritten contexts: ctx_h Rv^T per head (rows: Rv ctx_t), or
 * ctx itself when V is not rewritten. */
static int expected_ctx(fc_mp_emat *E, const fc_mp_attn *w, const fx *f,
                        fc_mp_emat *S, int rewrite)
{
  if (!(rewrite & FX_V))
    return fc_mp_emat_copy(E, &w->ctx);
  int rc = FC_OK;
  for (size_t h = 0; h < f->heads && rc == FC_OK; h++)
    rc = mp_block_mul(E, &w->ctx, 0, h * f->d, f->T, f->d,
                      &S[mv(f)[h / f->grp]], 0, 1);
  return rc;
}

/* Residuals of the selected comparisons between forward passes w1
 * (original) and w2 (rewritten). */
static int compare_mp(mpfr_t r, mpfr_t S, const fc_mp_attn *w1,
                      const fc_mp_attn *w2, const fx *f, fc_mp_emat *slots,
                      int compare, int rewrite)
{
  mpfr_set_zero(r, 1);
  mpfr_set_zero(S, 1);
  int rc = FC_OK;
  if (compare & FX_CMP_SCORES)
    rc = fc_mp_emat_residual(r, S, &w2->s, &w1->s, 1);
  if (rc == FC_OK && (compare & FX_CMP_CTX)) {
    fc_mp_emat E;
    rc = fc_mp_emat_init(&E, f->T, f->hd, w1->prec);
    if (rc == FC_OK)
      rc = expected_ctx(&E, w1, f, slots, rewrite);
    if (rc == FC_OK)
      rc = fc_mp_emat_residual(r, S, &w2->ctx, &E, 1);
    fc_mp_emat_clear(&E);
  }
  if (rc == FC_OK && (compare & FX_CMP_OUT) && f->conf[CONF_OUTPUT])
    rc = fc_mp_emat_residual(r, S, &w2->out, &w1->out, 1);
  return rc;
}

/* r / (2^(-P+s) S) as a double (for notes). */
static double mp_ratio(const mpfr_t r, const mpfr_t S, long P, long s)
{
  if (mpfr_zero_p(S))
    return mpfr_zero_p(r) ? 0.0 : INFINITY;
  mpfr_t q;
  mpfr_init2(q, 64);
  mpfr_div(q, r, S, MPFR_RNDU);
  mpfr_mul_2si(q, q, P - s, MPFR_RNDU);
  const double v = mpfr_get_d(q, MPFR_RNDU);
  mpfr_clear(q);
  return v;
}

/* The whole oracle side at one precision. */
/* The oracle of part p of the block with the full weights W (at prec):
 * a forward pass of the part's heads, its key/value heads and its columns
 * of Wo, into a (initialised here; the caller clears it). */
static int part_forward(fc_mp_attn *a, const fx *f, const fx_part *p,
                        const mpw *W, mpfr_prec_t prec)
{
  const size_t d = f->d, nd = p->nh * d, kd = p->nkv * d;
  mpw P;
  int rc = mpw_init_dims(&P, nd, kd, f->dm, f->dout, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_get(&P.wq, &W->wq, p->h0 * d, 0);
  if (rc == FC_OK)
    rc = fc_mp_emat_get(&P.wk, &W->wk, p->j0 * d, 0);
  if (rc == FC_OK)
    rc = fc_mp_emat_get(&P.wv, &W->wv, p->j0 * d, 0);
  if (rc == FC_OK)
    rc = fc_mp_emat_get(&P.wo, &W->wo, 0, p->h0 * d);
  const fc_mp_attn_dims g = {f->T, f->dm, d, p->nh, p->nkv, f->dout};
  if (rc == FC_OK)
    rc = fc_mp_attn_init(a, &g, prec);
  if (rc == FC_OK) {
    fc_mp_attn_in in;
    mp_in_setup(&in, f, &P);
    in.g = g;
    in.sched = f->rope ? &f->sched[p->j0] : NULL;
    in.wo = &P.wo;
    rc = fc_mp_attn_forward(a, &in);
  }
  mpw_clear(&P);
  return rc;
}

/* The part's output from a whole forward pass: its contexts (columns
 * [h0 d, (h0 + nh) d) of whole->ctx) times its columns of Wo, plus x with
 * the residual (the oracle's rule for the add, oracles/attention.c: E_y =
 * E_o + |y|, widened by 2^-30 as there).  O: T x dout, initialised by the
 * caller at prec. */
static int part_project(fc_mp_emat *O, const fx_eval *e, size_t i,
                        const fc_mp_attn *whole, const mpw *W,
                        mpfr_prec_t prec)
{
  const fx *f = e->f;
  const size_t nd = e->part[i].nh * f->d, c0 = e->part[i].h0 * f->d;
  fc_mp_emat C, Wp;
  int rc = fc_mp_emat_init(&C, f->T, nd, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&Wp, f->dout, nd, prec);
  if (rc != FC_OK) {
    fc_mp_emat_clear(&C);
    return rc;
  }
  rc = fc_mp_emat_get(&C, &whole->ctx, 0, c0);
  if (rc == FC_OK)
    rc = fc_mp_emat_get(&Wp, &W->wo, 0, c0);
  if (rc == FC_OK)
    rc = fc_mp_emat_mul(O, &C, 0, &Wp, 1);
  if (rc == FC_OK && f->conf[CONF_RESIDUAL])
    for (size_t j = 0; j < f->T * f->dout; j++) {
      mpfr_add_d(O->m->e[j], O->m->e[j], f->x[j], MPFR_RNDN);
      O->d[j] = mpfr_get_d(O->m->e[j], MPFR_RNDN);
      O->e[j] = (O->e[j] + fabs(O->d[j])) * (1.0 + 0x1p-30);
    }
  fc_mp_emat_clear(&C);
  fc_mp_emat_clear(&Wp);
  return rc;
}

/* The oracle output of part i.  From a whole forward pass (whole, its
 * weights W): the pass's own output when one part covers the block and
 * the pass computed it, else the part's projection of the pass's contexts
 * (no second evaluation).  Without one (whole NULL): a forward pass of
 * the part with the weights W, into tmp. */
static int part_out(const fc_mp_emat **O, fc_mp_attn *tmp, const fx_eval *e,
                    size_t i, const fc_mp_attn *whole, const mpw *W,
                    mpfr_prec_t prec)
{
  if (e->nparts == 1 && whole != NULL && e->f->conf[CONF_OUTPUT]) {
    *O = &whole->out;
    return FC_OK;
  }
  fc_mp_attn_clear(tmp);
  memset(tmp, 0, sizeof *tmp);
  if (whole != NULL) {
    int rc = fc_mp_emat_init(&tmp->out, e->f->T, e->f->dout, prec);
    if (rc == FC_OK)
      rc = part_project(&tmp->out, e, i, whole, W, prec);
    *O = &tmp->out;
    return rc;
  }
  int rc = part_forward(tmp, e->f, &e->part[i], W, prec);
  *O = &tmp->out;
  return rc;
}

static void part_name(char *nm, size_t n, const fx_eval *e, const char *what,
                      size_t i)
{
  if (e->nparts == 1)
    snprintf(nm, n, "%s out", what);
  else
    snprintf(nm, n, "%.6s out k%u", what, (unsigned)(i % 100));
}

/* Accuracy of the kernel outputs y (T x dm) of part i against the oracle
 * O: the harness bound E plus the oracle's own ball 2^-P e. */
static void judge_out(fc_check_result *r, const fx_eval *e, const char *what,
                      size_t i, const double *y, const double *E,
                      const fc_mp_emat *O)
{
  char nm[FC_OUTPUT_NAME];
  const size_t n = e->f->T * e->f->dm;
  part_name(nm, sizeof nm, e, what, i);
  fc_check_output(r, nm, FC_LEVEL_ACCURACY, 2, e->f->T, e->f->dm, 0);
  for (size_t j = 0; j < n; j++)
    fc_oracle_accuracy(r, y[j], O->m->e[j],
                       E[j] + ldexp(O->e[j],
                                    -(int)mpfr_get_prec(O->m->e[j])));
}

/* The kernel level against the oracle (base precision only): the original
 * block's outputs against whole1 (the statement's original forward pass)
 * or the parts' own; with a fold, the folded block's against the oracle of
 * the user's folded weights, and the theorem through the kernels against
 * the exact fold W3 (whole3: its forward pass). */
static int kernel_oracle(fx_eval *e, const fc_mp_attn *whole1, const mpw *W1,
                         const fc_mp_attn *whole3, const mpw *W3,
                         mpfr_prec_t prec)
{
  const fx *f = e->f;
  fc_check_result *r = e->res;
  const size_t n = f->T * f->dm;
  fc_mp_attn t1, t2, t3;
  memset(&t1, 0, sizeof t1);
  memset(&t2, 0, sizeof t2);
  memset(&t3, 0, sizeof t3);
  mpw U;
  memset(&U, 0, sizeof U);
  int rc = FC_OK;
  if (e->folded) {
    rc = mpw_init(&U, f, prec);
    if (rc == FC_OK)
      mpw_set_d(&U, e->uq, e->uk, e->uv, e->uo);
  }
  mpfr_t t;
  mpfr_init2(t, prec);
  for (size_t i = 0; i < e->nparts && rc == FC_OK; i++) {
    const fc_mp_emat *O1, *O2, *O3;
    rc = part_out(&O1, &t1, e, i, whole1, W1, prec);
    if (rc != FC_OK)
      break;
    judge_out(r, e, e->folded ? "orig" : "block", i, e->y1 + i * n,
              e->E1 + i * n, O1);
    if (!e->folded)
      continue;
    rc = part_out(&O2, &t2, e, i, NULL, &U, prec);
    if (rc == FC_OK)
      rc = part_out(&O3, &t3, e, i, whole3, W3, prec);
    if (rc != FC_OK)
      break;
    const double *y1 = e->y1 + i * n, *y2 = e->y2 + i * n;
    const double *E1 = e->E1 + i * n, *E2 = e->E2 + i * n;
    judge_out(r, e, "folded", i, y2, E2, O2);
    char nm[FC_OUTPUT_NAME];
    part_name(nm, sizeof nm, e, "diff", i);
    if (!f->conf[CONF_NEG] && e->out_implied)
      fc_check_output(r, nm, FC_LEVEL_CONFORMANCE, 2, f->T, f->dm, 0);
    for (size_t j = 0; j < n; j++) {
      mpfr_sub(t, O2->m->e[j], O3->m->e[j], MPFR_RNDA);
      mpfr_abs(t, t, MPFR_RNDN);
      const double prop =
          mpfr_get_d(t, MPFR_RNDU) +
          ldexp(O2->e[j] + O3->e[j], -(int)mpfr_get_prec(O2->m->e[j]));
      if (!f->conf[CONF_NEG]) {
        if (e->out_implied)
          fc_check_compare(r, FC_LEVEL_CONFORMANCE, y2[j], y1[j],
                           E1[j] + E2[j] + prop);
      } else {
        const double v = fabs(y2[j] - y1[j]), b = E1[j] + E2[j];
        const double q = b > 0 ? v / b : (v > 0 ? INFINITY : 0);
        if (q > e->kneg || isnan(q))
          e->kneg = q;
      }
    }
  }
  mpfr_clear(t);
  fc_mp_attn_clear(&t1);
  fc_mp_attn_clear(&t2);
  fc_mp_attn_clear(&t3);
  mpw_clear(&U);
  return rc;
}

static int fx_eval_prec(mpfr_t r, mpfr_t S, fx_eval *e, mpfr_prec_t prec)
{
  const fx *f = e->f;
  const int base = prec == (mpfr_prec_t)e->x->prec;
  int rc = FC_OK;
  fc_mp_emat *slots = calloc(f->nslots ? f->nslots : 1, sizeof *slots);
  mpw w, w2;
  fc_mp_attn a1, a2;
  fc_mp_rope_tab tab; /* RoPE sin/cos, once for every head and block */
  memset(&w, 0, sizeof w);
  memset(&w2, 0, sizeof w2);
  memset(&a1, 0, sizeof a1);
  memset(&a2, 0, sizeof a2);
  memset(&tab, 0, sizeof tab);
  if (slots == NULL)
    return FC_ENOMEM;
  size_t ninit = 0;
  for (; ninit < f->nslots && rc == FC_OK; ninit++) {
    rc = fc_mp_emat_init(&slots[ninit], f->d, f->d, prec);
    if (rc == FC_OK)
      rc = slot_build_mp(&slots[ninit], f, ninit);
  }
  if (rc == FC_OK)
    rc = mpw_init(&w, f, prec);
  if (rc == FC_OK)
    mpw_set_d(&w, f->wq, f->wk, f->wv, f->wo);
  fc_mp_attn_dims g = {f->T, f->dm, f->d, f->heads, f->kv, f->dout};
  fc_mp_attn_in in1, in2;
  if (rc == FC_OK && f->rope)
    rc = fc_mp_rope_tab_init(&tab, f->sched, f->kv, f->pos, f->T, prec);
  if (rc == FC_OK)
    rc = fc_mp_attn_init(&a1, &g, prec);
  if (rc == FC_OK) {
    mp_in_setup(&in1, f, &w);
    in1.rope_tab = f->rope ? &tab : NULL;
    rc = fc_mp_attn_forward(&a1, &in1);
  }
  int judged = 0; /* the kernel level met the oracle */
  const fc_mp_emat *rq[FX_MAX_HEADS], *rk[FX_MAX_HEADS];
  for (size_t h = 0; h < f->heads && rc == FC_OK; h++)
    rq[h] = &slots[mq(f)[h]];
  for (size_t j = 0; j < f->kv && rc == FC_OK; j++)
    rk[j] = &slots[mk(f)[j]];
  /* The rewritten block: online rotations or folded weights. */
  for (int variant = 0; variant < 2 && rc == FC_OK && !e->acc_only;
       variant++) {
    const int online = variant == 0 ? e->online : !e->online;
    if (variant == 1 && !(base && e->side))
      break;
    if (online) {
      in2 = in1;
      in2.rq_online = (e->rewrite & FX_Q) ? rq : NULL;
      in2.rk_online = (e->rewrite & FX_K) ? rk : NULL;
    } else {
      if (w2.wq.e == NULL)
        rc = mpw_init(&w2, f, prec);
      if (rc == FC_OK)
        rc = fold_mp(&w2, &w, f, slots, e->rewrite);
      mp_in_setup(&in2, f, &w2);
      in2.rope_tab = f->rope ? &tab : NULL;
    }
    if (rc == FC_OK && a2.s.e == NULL)
      rc = fc_mp_attn_init(&a2, &g, prec);
    if (rc == FC_OK)
      rc = fc_mp_attn_forward(&a2, &in2);
    if (rc != FC_OK)
      break;
    if (variant == 0) {
      rc = compare_mp(r, S, &a1, &a2, f, slots, e->compare, e->rewrite);
      if (rc == FC_OK && base && e->blocks) {
        rc = kernel_oracle(e, &a1, &w, online ? NULL : &a2,
                           online ? NULL : &w2, prec);
        judged = 1;
      }
    } else {
      mpfr_t r3, S3;
      mpfr_inits2(prec, r3, S3, (mpfr_ptr)0);
      rc = compare_mp(r3, S3, &a1, &a2, f, slots, e->compare, e->rewrite);
      e->side_ratio = mp_ratio(r3, S3, e->x->prec, e->x->slack_bits);
      e->side_done = 1;
      mpfr_clears(r3, S3, (mpfr_ptr)0);
    }
  }
  if (rc == FC_OK && base && e->blocks && !judged)
    rc = kernel_oracle(e, &a1, &w, NULL, NULL, prec);
  fc_mp_attn_clear(&a1);
  fc_mp_attn_clear(&a2);
  fc_mp_rope_tab_clear(&tab);
  mpw_clear(&w);
  mpw_clear(&w2);
  for (size_t i = 0; i < ninit; i++)
    fc_mp_emat_clear(&slots[i]);
  free(slots);
  return rc;
}

static int fx_statement(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  return fx_eval_prec(r, S, arg, prec);
}

/* 1 when a kernel output failed against the P-bit oracle (accuracy or the
 * theorem through the kernels): the statement is then recomputed at
 * P + 64 as well. */
static int fx_failed(void *arg)
{
  const fc_check_result *r = ((const fx_eval *)arg)->res;
  for (int l = FC_LEVEL_CONFORMANCE; l <= FC_LEVEL_ACCURACY; l++) {
    const fc_measure *m = &r->level[l];
    if (m->present && !(m->ratio <= 1.0))
      return 1;
  }
  return 0;
}

/* One fold_weights call and its accuracy; mag gets |exact fold| + the
 * fold bound (an upper bound of |out| once the accuracy holds: the
 * folded block's bound reads it).  ex, ef: scratch of d n. */
static int fold_one(fc_check_result *r, fc_kx *k, double *out, double *mag,
                    const double *in, const double *R, size_t d, size_t n,
                    int side, long prec, double *ex, double *ef)
{
  int rc = fc_kx_fold(r, k, out, in, R, d, n, side);
  if (rc == FC_OK)
    rc = fc_kx_fold_accuracy(r, out, in, R, d, n, side, &k->a, ex, ef, prec);
  for (size_t i = 0; rc == FC_OK && i < d * n; i++)
    mag[i] = fabs(ex[i]) + ef[i];
  return rc;
}

/* The user's fold of the stored weights of f by the stored rotations Rs
 * (slot s at Rs + s d^2) through fold_weights, as the experiment's rewrite
 * says: U[0..3] get the folded Wq, Wk, Wv, Wo, M[0..3] their magnitudes.
 * Row blocks of Wq, Wk, Wv (and of Wo for the rows control, by Ro^T) fold
 * on the left; Wo's column blocks on the right (W R^T).  Weights the
 * rewrite leaves alone are copied. */
static int user_fold(fc_check_result *r, fc_kx *k, const fx *f,
                     const double *Rs, int rewrite, double *const U[4],
                     double *const M[4], long prec)
{
  const size_t d = f->d, dd = d * d, dm = f->dm, hd = f->hd;
  const size_t n[4] = {f->hd * dm, f->kvd * dm, f->kvd * dm, f->dout * hd};
  const double *W[4] = {f->wq, f->wk, f->wv, f->wo};
  const size_t big = (hd > dm ? hd : dm) > f->dout ? (hd > dm ? hd : dm)
                                                    : f->dout;
  double *tmp = malloc((4 * d * big + dd) * sizeof *tmp);
  if (tmp == NULL)
    return FC_ENOMEM;
  double *in = tmp, *out = in + d * big, *ex = out + d * big,
         *ef = ex + d * big, *Rt = ef + d * big;
  static const char *const name[4] = {"fold wq", "fold wk", "fold wv",
                                      "fold wo"};
  int rc = FC_OK;
  for (int m = 0; m < 4 && rc == FC_OK; m++) {
    const int bit = m == 0 ? FX_Q : m == 1 ? FX_K : m == 2 ? FX_V : FX_O;
    if (!(rewrite & bit)) {
      memcpy(U[m], W[m], n[m] * sizeof *U[m]);
      memcpy(M[m], W[m], n[m] * sizeof *M[m]);
      continue;
    }
    if (m < 3) { /* row blocks, left */
      const size_t nb = m == 0 ? f->heads : f->kv;
      const long *map = m == 0 ? mq(f) : m == 1 ? mk(f) : mv(f);
      for (size_t b = 0; b < nb && rc == FC_OK; b++) {
        const size_t o = b * d * dm;
        fc_check_output(r, name[m], FC_LEVEL_ACCURACY, 2, d, dm, 0);
        rc = fold_one(r, k, U[m] + o, M[m] + o, W[m] + o,
                      Rs + (size_t)map[b] * dd, d, dm, 0, prec, ex, ef);
      }
    } else if (f->conf[CONF_OMODE] == FX_O_ROWS) {
      /* the rows control: row block h <- Ro_h^T (rows block h) */
      for (size_t h = 0; h < f->heads && rc == FC_OK; h++) {
        const double *R = Rs + (size_t)mo(f)[h] * dd;
        for (size_t i = 0; i < d; i++)
          for (size_t j = 0; j < d; j++)
            Rt[i * d + j] = R[j * d + i];
        const size_t o = h * d * hd;
        fc_check_output(r, name[m], FC_LEVEL_ACCURACY, 2, d, hd, 0);
        rc = fold_one(r, k, U[m] + o, M[m] + o, W[m] + o, Rt, d, hd, 0,
                      prec, ex, ef);
      }
    } else { /* column block h (dout x d, gathered) <- W R^T */
      const size_t no = f->dout;
      for (size_t h = 0; h < f->heads && rc == FC_OK; h++) {
        for (size_t i = 0; i < no; i++)
          memcpy(in + i * d, W[m] + i * hd + h * d, d * sizeof *in);
        fc_check_output(r, name[m], FC_LEVEL_ACCURACY, 2, no, d, 0);
        rc = fold_one(r, k, out, ex + 0, in,
                      Rs + (size_t)mo(f)[h] * dd, d, no, 1, prec,
                      ex, ef);
        for (size_t i = 0; rc == FC_OK && i < no; i++) {
          memcpy(U[m] + i * hd + h * d, out + i * d, d * sizeof *out);
          memcpy(M[m] + i * hd + h * d, ex + i * d, d * sizeof *ex);
        }
      }
    }
  }
  free(tmp);
  return rc;
}

/* One attention_block call on part p with the weights W (full arrays) and
 * their magnitudes Mg: y (T x dm) and the harness bound E.  wo: scratch
 * of 2 dm (nh d) for the part's columns of Wo and of its magnitudes. */
static int part_block(fc_check_result *r, fc_kx *k, const fx *f,
                      const fx_part *p, const fc_schedule *s,
                      const int64_t *pos, const double *const W[4],
                      const double *const Mg[4], double *wo, double *y,
                      double *E)
{
  const size_t d = f->d, dm = f->dm, hd = f->hd, nd = p->nh * d;
  double *mo = wo + dm * nd;
  for (size_t i = 0; i < dm; i++) {
    memcpy(wo + i * nd, W[3] + i * hd + p->h0 * d, nd * sizeof *wo);
    memcpy(mo + i * nd, Mg[3] + i * hd + p->h0 * d, nd * sizeof *mo);
  }
  const fc_kx_blk b = {.T = f->T, .dm = dm, .d = d, .heads = p->nh,
                       .kv = p->nkv, .causal = f->causal,
                       .residual = (int)f->conf[CONF_RESIDUAL],
                       .has_gain = f->gain != NULL, .eps = f->eps, .s = s,
                       .pos = pos, .x = f->x, .gain = f->gain};
  const size_t oq = p->h0 * d * dm, ok = p->j0 * d * dm;
  int rc = fc_kx_block(r, k, &b, W[0] + oq, W[1] + ok, W[2] + ok, wo, y);
  if (rc == FC_OK)
    rc = fc_kx_block_bound(E, k, &b, Mg[0] + oq, Mg[1] + ok, Mg[2] + ok, mo,
                           NULL, 0);
  return rc;
}

/* 1 when schedules a and b are the same. */
static int same_schedule(const fc_schedule *a, const fc_schedule *b)
{
  return a->d == b->d && a->rotary_dim == b->rotary_dim &&
         a->layout == b->layout &&
         (a->theta == b->theta ||
          memcmp(a->theta, b->theta, a->d / 2 * sizeof *a->theta) == 0);
}

/* The parts of the block (see above): one when every head has the same
 * schedule, else one per key/value head. */
static void make_parts(fx_eval *e)
{
  const fx *f = e->f;
  int one = !f->rope || f->kv == 1;
  for (size_t j = 1; !one && j < f->kv; j++)
    if (!same_schedule(&f->sched[j], &f->sched[0]))
      break;
    else if (j == f->kv - 1)
      one = 1;
  e->nparts = one ? 1 : f->kv;
  for (size_t i = 0; i < e->nparts; i++) {
    fx_part *p = &e->part[i];
    p->h0 = one ? 0 : i * f->grp;
    p->nh = one ? f->heads : f->grp;
    p->j0 = one ? 0 : i;
    p->nkv = one ? f->kv : 1;
  }
}

/* The kernel calls of the case: the fold (when the experiment folds) and
 * every part's block, original and folded; y1, y2, E1, E2 go into e (in
 * buf, sized by the caller).  FC_EKERNEL when a kernel failed (recorded). */
static int kernel_calls(fc_check_result *r, fx_eval *e, fc_kx *k,
                        const fx *f, double *buf)
{
  const size_t d = f->d, dd = d * d, nx = f->T * f->dm;
  const size_t n[4] = {f->hd * f->dm, f->kvd * f->dm, f->kvd * f->dm,
                       f->dout * f->hd};
  double *Rs = buf, *p = Rs + f->nslots * dd;
  double *U[4], *M[4];
  for (int m = 0; m < 4; m++) {
    U[m] = p;
    p += n[m];
  }
  for (int m = 0; m < 4; m++) {
    M[m] = p;
    p += n[m];
  }
  double *y1 = p, *y2 = y1 + e->nparts * nx, *E1 = y2 + e->nparts * nx,
         *E2 = E1 + e->nparts * nx, *wo = E2 + e->nparts * nx;
  double *zero = wo + 2 * f->dm * f->hd;
  int64_t *pos = (int64_t *)(zero + d);
  int rc = FC_OK;
  /* The rotations as the kernel holds them. */
  for (size_t s = 0; s < f->nslots && rc == FC_OK; s++) {
    rc = slot_build_d(Rs + s * dd, f, s);
    fc_kx_store(Rs + s * dd, NULL, Rs + s * dd, dd, k->a.storage);
  }
  const int fold = !e->acc_only && !e->online && e->rewrite != 0;
  if (rc == FC_OK && fold)
    rc = user_fold(r, k, f, Rs, e->rewrite, U, M, e->x->prec);
  if (rc != FC_OK || f->dout != f->dm)
    return rc; /* Wo on rows, heads d != dm: no block call */
  /* No RoPE: a schedule with rotary_dim 0 (every coordinate copied). */
  memset(zero, 0, d * sizeof *zero);
  const fc_schedule none = {d, 0, FC_LAYOUT_INTERLEAVED, zero};
  for (size_t t = 0; t < f->T; t++)
    pos[t] = f->rope ? (int64_t)f->pos[t] : 0;
  const double *W0[4] = {f->wq, f->wk, f->wv, f->wo};
  const double *U0[4] = {U[0], U[1], U[2], U[3]};
  const double *M0[4] = {M[0], M[1], M[2], M[3]};
  for (size_t i = 0; i < e->nparts && rc == FC_OK; i++) {
    const fc_schedule *s = f->rope ? &f->sched[e->part[i].j0] : &none;
    rc = part_block(r, k, f, &e->part[i], s, pos, W0, W0, wo, y1 + i * nx,
                    E1 + i * nx);
    if (rc == FC_OK && fold)
      rc = part_block(r, k, f, &e->part[i], s, pos, U0, M0, wo,
                      y2 + i * nx, E2 + i * nx);
  }
  if (rc == FC_OK) {
    e->blocks = 1;
    e->folded = fold;
    e->y1 = y1, e->y2 = y2, e->E1 = E1, e->E2 = E2;
    e->uq = U[0], e->uk = U[1], e->uv = U[2], e->uo = U[3];
  }
  return rc;
}

/* The case as the kernels hold it: fs = f with every real rounded into
 * fmt, in mem.  FC_EINVAL when a value overflows the format. */
static int store_case(fx *fs, const fx *f, int fmt, double *mem)
{
  *fs = *f;
  const double *src[6] = {f->x, f->gain, f->wq, f->wk, f->wv, f->wo};
  const size_t n[6] = {f->T * f->dm, f->gain ? f->dm : 0, f->hd * f->dm,
                       f->kvd * f->dm, f->kvd * f->dm, f->dout * f->hd};
  const double **dst[6] = {&fs->x, &fs->gain, &fs->wq, &fs->wk, &fs->wv,
                           &fs->wo};
  double *p = mem;
  for (int m = 0; m < 6; m++) {
    if (src[m] == NULL)
      continue;
    fc_kx_store(p, NULL, src[m], n[m], fmt);
    for (size_t i = 0; i < n[m]; i++)
      if (!isfinite(p[i]))
        return FC_EINVAL;
    *dst[m] = p;
    p += n[m];
  }
  return FC_OK;
}

int fc_fx_check_with(fc_check_result *r, const fc_case *c,
                     const fc_check_ctx *x, int rewrite, int compare)
{
  if (r == NULL || c == NULL || x == NULL)
    return FC_EINVAL;
  fx f0, f;
  int rc = fx_parse(&f0, c);
  if (rc != FC_OK)
    return rc;
  fc_kx k;
  if ((rc = fc_kx_open(&k, x)) != FC_OK)
    return rc;
  fx_eval e;
  memset(&e, 0, sizeof e);
  e.f = &f;
  e.x = x;
  e.res = r;
  e.rewrite = rewrite >= 0 ? rewrite : (int)f0.conf[CONF_REWRITE];
  e.compare = compare >= 0 ? compare : (int)f0.conf[CONF_COMPARE];
  e.online = (int)f0.conf[CONF_ONLINE];
  e.side = (int)f0.conf[CONF_SIDE];
  e.acc_only = e.compare == 0;
  e.out_implied = out_implied(e.compare, e.rewrite);
  const size_t nx = f0.T * f0.dm;
  const size_t nw = f0.hd * f0.dm + 2 * f0.kvd * f0.dm + f0.dout * f0.hd;
  double *mem = malloc((nx + f0.dm + nw) * sizeof *mem);
  double *buf = NULL;
  if (mem == NULL) {
    rc = FC_ENOMEM;
    goto done;
  }
  if ((rc = store_case(&f, &f0, k.a.storage, mem)) != FC_OK)
    goto done;
  make_parts(&e);
  const size_t nbuf = f.nslots * f.d * f.d + 2 * nw + 4 * e.nparts * nx +
                      2 * f.dm * f.hd + f.d + f.T; /* + pos (int64) */
  buf = malloc(nbuf * sizeof *buf);
  if (buf == NULL) {
    rc = FC_ENOMEM;
    goto done;
  }
  rc = kernel_calls(r, &e, &k, &f, buf);
  if (rc == FC_EKERNEL) {
    /* recorded (accuracy NaN): the case fails; a negative control must
     * not count a kernel failure as a detection */
    if (f.conf[CONF_NEG])
      fc_measure_fold(&r->level[FC_LEVEL_STATEMENT], 0, 1, 0);
    rc = FC_OK;
    goto done;
  }
  if (rc != FC_OK)
    goto done;
  if (e.acc_only) {
    mpfr_t rr, SS;
    mpfr_inits2((mpfr_prec_t)x->prec, rr, SS, (mpfr_ptr)0);
    rc = fx_eval_prec(rr, SS, &e, (mpfr_prec_t)x->prec);
    mpfr_clears(rr, SS, (mpfr_ptr)0);
  } else {
    /* Ball-certified (oracle.h): the P + 64 recomputation runs when the
     * residual leaves the balls or a kernel output failed. */
    rc = fc_oracle_statement_ball(r, fx_statement, &e, x, fx_failed);
  }
  if (rc == FC_OK) {
    char ab[32], kl[96];
    fc_arith_format(ab, sizeof ab, &k.a);
    if (!e.blocks)
      snprintf(kl, sizeof kl, "Wo on rows (%zu x %zu): folds judged, no "
               "block call", f.dout, f.hd);
    else if (e.online)
      snprintf(kl, sizeof kl, "online rotation: not in the contract, the "
               "original block judged");
    else if (f.conf[CONF_NEG] && e.folded)
      snprintf(kl, sizeof kl, "kernel |y'-y|/(E+E') %.3g", e.kneg);
    else
      snprintf(kl, sizeof kl, "%zu block call%s", e.nparts * (1 + e.folded),
               e.nparts * (1 + e.folded) > 1 ? "s" : "");
    if (e.side_done)
      snprintf(r->note, sizeof r->note,
               "%s residual/bound %.3g (the other side); arith %.20s; %.50s",
               e.online ? "folded-before-RoPE" : "online-after-RoPE",
               e.side_ratio, ab, kl);
    else
      snprintf(r->note, sizeof r->note, "arith %.20s; %.90s", ab, kl);
    /* Plot point: largest position vs accuracy usage. */
    long pmax = 0;
    for (size_t t = 0; f.rope && t < f.T; t++)
      if (labs(f.pos[t]) > pmax)
        pmax = labs(f.pos[t]);
    fc_check_add_point(r, 0, (double)pmax,
                       r->level[FC_LEVEL_ACCURACY].ratio);
  }
done:
  free(mem);
  free(buf);
  fc_kx_close(&k);
  return rc;
}

int fc_fx_check(fc_check_result *r, const fc_case *c, const fc_check_ctx *x)
{
  return fc_fx_check_with(r, c, x, -1, -1);
}

/* ------------------------------------------------------------- describe */

static const char *slot_kind_name(long k)
{
  switch (k) {
  case SLOT_IDENT: return "identity";
  case SLOT_GIVENS: return "Givens product";
  case SLOT_MATRIX: return "commutant matrix";
  case SLOT_PRODUCT: return "commutant matrix x Givens";
  case SLOT_A: return "A = Q1 diag(2^e) Q2";
  case SLOT_AINVT: return "A^-T";
  default: return "?";
  }
}

/* The key/value head whose schedule a slot's rotation was drawn for. */
static size_t sched_of_slot(const fx *f, size_t k)
{
  for (size_t h = 0; h < f->heads; h++)
    if ((size_t)mq(f)[h] == k || (size_t)mo(f)[h] == k)
      return h / f->grp;
  for (size_t j = 0; j < f->kv; j++)
    if ((size_t)mk(f)[j] == k || (size_t)mv(f)[j] == k)
      return j;
  return 0;
}

void fc_fx_describe(FILE *out, const fc_case *c)
{
  fc_fx_describe_with(out, c, -1);
}

void fc_fx_describe_with(FILE *out, const fc_case *c, int rewrite)
{
  fx f;
  if (out == NULL || fx_parse(&f, c) != FC_OK)
    return;
  const int rw = rewrite >= 0 ? rewrite : (int)f.conf[CONF_REWRITE];
  fprintf(out, "  experiment: %s%s%s, rewrite %s%s%s%s%s, Wo %s%s\n",
          f.heads == 1 ? "single head" : (f.kv < f.heads ? "grouped-query"
                                                         : "multi-head"),
          f.conf[CONF_NORM] ? " + RMSNorm" : "",
          f.conf[CONF_RESIDUAL] ? " + residual" : "",
          rw & FX_Q ? "Q" : "", rw & FX_K ? "K" : "", rw & FX_V ? "V" : "",
          rw & FX_O ? "O" : "", rw ? "" : "nothing",
          f.conf[CONF_OMODE] == FX_O_ROWS
              ? "B(R)^T on rows"
              : (f.conf[CONF_OMODE] == FX_O_REVERSED ? "heads reversed"
                                                     : "columns B(R)^T"),
          f.conf[CONF_ONLINE] ? ", online after RoPE" : "");
  const fc_kernels *K = fc_kernels_reference();
  const size_t d = f.d, dd = d * d;
  double *M = malloc(4 * dd * sizeof *M);
  if (M == NULL)
    return;
  double *Th = M + 2 * dd, *e = M + 3 * dd;
  for (size_t k = 0; k < f.nslots; k++) {
    if (slot_build_d(M, &f, k) != FC_OK)
      continue;
    /* orthogonality defect max |R^T R - I| */
    double orth = 0.0;
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t l = 0; l < d; l++)
          s += M[l * d + i] * M[l * d + j];
        const double v = fabs(s - (i == j));
        orth = v > orth ? v : orth;
      }
    /* max over the case's position differences of |[R, Theta(p)]| */
    double comm = 0.0;
    long pworst = 0;
    for (size_t t = 0; f.rope && t < f.T; t++)
      for (size_t u = 0; u < f.T; u++) {
        const long p = f.pos[t] - f.pos[u];
        const fc_schedule *s = &f.sched[sched_of_slot(&f, k)];
        for (size_t j = 0; j < d; j++) { /* Theta(p) column by column */
          for (size_t i = 0; i < d; i++)
            e[i] = i == j;
          K->rope->apply(e, e, s, p);
          for (size_t i = 0; i < d; i++)
            Th[i * d + j] = e[i];
        }
        for (size_t i = 0; i < d; i++)
          for (size_t j = 0; j < d; j++) {
            double a = 0.0, b = 0.0;
            for (size_t l = 0; l < d; l++) {
              a += M[i * d + l] * Th[l * d + j];
              b += Th[i * d + l] * M[l * d + j];
            }
            if (fabs(a - b) > comm) {
              comm = fabs(a - b);
              pworst = p;
            }
          }
      }
    fprintf(out, "  R%zu: %s; max|R^T R - I| = %.3g", k,
            slot_kind_name(f.slots[2 * k]), orth);
    if (f.rope)
      fprintf(out, "; max|[R, Theta(p)]| = %.3g (p = %ld)", comm, pworst);
    fputc('\n', out);
    if (d <= 8) {
      for (size_t i = 0; i < d; i++) {
        fprintf(out, "    [");
        for (size_t j = 0; j < d; j++)
          fprintf(out, " %9.5f", M[i * d + j]);
        fprintf(out, " ]\n");
      }
    }
  }
  fprintf(out, "  rotation of each head (Q; O):");
  for (size_t h = 0; h < f.heads; h++)
    fprintf(out, " h%zu:R%ld;R%ld", h, mq(&f)[h], mo(&f)[h]);
  fprintf(out, "; key/value heads (K; V):");
  for (size_t j = 0; j < f.kv; j++)
    fprintf(out, " %zu:R%ld;R%ld", j, mk(&f)[j], mv(&f)[j]);
  fputc('\n', out);
  free(M);
}

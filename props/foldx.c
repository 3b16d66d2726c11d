/* foldx.c -- the fold experiment (foldx_internal.h): generation, the
 * three-level check, and a readable description. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "foldx_internal.h"
#include "attention.h"
#include "kernels/attn.h"
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

/* Slot k as a d x d matrix M with bound E, through the kernels under test
 * (gemm for products; fc_givens_build_d + fc_attn_givens_bound). */
static int slot_build_d(double *M, double *E, const fx *f, size_t k,
                        const fc_kernels *K)
{
  const size_t d = f->d;
  fc_givens g;
  int rc = FC_OK;
  switch (f->slots[2 * k]) {
  case SLOT_IDENT:
    for (size_t i = 0; i < d * d; i++) {
      M[i] = (i % (d + 1)) == 0;
      E[i] = 0.0;
    }
    return FC_OK;
  case SLOT_GIVENS:
    rc = slot_givens(&g, f, k, "");
    if (rc == FC_OK) {
      fc_givens_build_d(M, &g);
      rc = fc_attn_givens_bound(E, M, &g);
    }
    return rc;
  case SLOT_MATRIX: {
    const double *X = slot_matrix(f, k);
    if (X == NULL)
      return FC_EINVAL;
    memcpy(M, X, d * d * sizeof *M);
    memset(E, 0, d * d * sizeof *E);
    return FC_OK;
  }
  case SLOT_PRODUCT: {
    const double *X = slot_matrix(f, k);
    double *G = malloc(2 * d * d * sizeof *G);
    if (X == NULL || G == NULL) {
      free(G);
      return X == NULL ? FC_EINVAL : FC_ENOMEM;
    }
    rc = slot_givens(&g, f, k, "");
    if (rc == FC_OK) {
      fc_givens_build_d(G, &g);
      rc = fc_attn_givens_bound(G + d * d, G, &g);
    }
    if (rc == FC_OK)
      rc = K->attn->gemm(M, E, d, X, NULL, d, G, G + d * d, d, 0, d, d, d);
    free(G);
    return rc;
  }
  case SLOT_A:
  case SLOT_AINVT: {
    /* Q1 (D Q2): D = diag(2^(+-e)) scales rows exactly (powers of two, no
     * underflow at these sizes), so D Q2 has bound D EQ2; then a gemm. */
    const long *e = slot_exps(f, k);
    const double sg = f->slots[2 * k] == SLOT_A ? 1 : -1;
    double *W = malloc(4 * d * d * sizeof *W);
    if (e == NULL || W == NULL) {
      free(W);
      return e == NULL ? FC_EINVAL : FC_ENOMEM;
    }
    double *Q1 = W, *E1 = W + d * d, *Q2 = W + 2 * d * d, *E2 = W + 3 * d * d;
    rc = slot_givens(&g, f, k, ".q1");
    if (rc == FC_OK) {
      fc_givens_build_d(Q1, &g);
      rc = fc_attn_givens_bound(E1, Q1, &g);
    }
    if (rc == FC_OK)
      rc = slot_givens(&g, f, k, ".q2");
    if (rc == FC_OK) {
      fc_givens_build_d(Q2, &g);
      rc = fc_attn_givens_bound(E2, Q2, &g);
    }
    if (rc == FC_OK) {
      for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
          Q2[i * d + j] = ldexp(Q2[i * d + j], (int)(sg * e[i]));
          E2[i * d + j] = ldexp(E2[i * d + j], (int)(sg * e[i]));
        }
      rc = K->attn->gemm(M, E, d, Q1, E1, d, Q2, E2, d, 0, d, d, d);
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

/* ------------------------------------------------------ double blocks */

/* Double buffers of one block's outputs. */
typedef struct dout {
  double *s, *es, *a, *ea, *ctx, *ectx, *out, *eout;
  double *mem;
} dout;

static int dout_alloc(dout *o, const fx *f)
{
  const size_t hTT = f->heads * f->T * f->T, Thd = f->T * f->hd,
               To = f->T * f->dout;
  o->mem = calloc(4 * hTT + 2 * Thd + 2 * To, sizeof *o->mem);
  if (o->mem == NULL)
    return FC_ENOMEM;
  double *p = o->mem;
  o->s = p, p += hTT;
  o->es = p, p += hTT;
  o->a = p, p += hTT;
  o->ea = p, p += hTT;
  o->ctx = p, p += Thd;
  o->ectx = p, p += Thd;
  o->out = p, p += To;
  o->eout = p;
  return FC_OK;
}

static void block_setup(fc_attn_block *b, const fx *f)
{
  memset(b, 0, sizeof *b);
  b->g.T = f->T;
  b->g.dm = f->dm;
  b->g.d = f->d;
  b->g.heads = f->heads;
  b->g.kv = f->kv;
  b->g.dout = f->dout;
  b->x = f->x;
  b->pos = f->pos;
  b->sched = f->rope ? f->sched : NULL;
  b->causal = f->causal;
  b->gain = f->gain;
  b->eps = f->eps;
  b->wq = f->wq;
  b->wk = f->wk;
  b->wv = f->wv;
  b->wo = f->conf[CONF_OUTPUT] ? f->wo : NULL;
  b->residual = (int)f->conf[CONF_RESIDUAL];
}

static int run_block(dout *o, const fc_attn_block *b, const fc_kernels *K)
{
  fc_attn_out out;
  memset(&out, 0, sizeof out);
  out.scores = o->s;
  out.escores = o->es;
  out.probs = o->a;
  out.eprobs = o->ea;
  out.ctx = o->ctx;
  out.ectx = o->ectx;
  out.out = o->out;
  out.eout = o->eout;
  return K->attn->block(K, &out, b);
}

/* Folded weights in double (kernels under test). */
typedef struct dfold {
  double *wq, *ewq, *wk, *ewk, *wv, *ewv, *wo, *ewo, *tr, *etr;
  double *mem;
} dfold;

static int fold_d(dfold *w, const fx *f, const fc_kernels *K,
                  const double *SM, const double *SE, int rewrite)
{
  const size_t d = f->d, dd = d * d, dm = f->dm, hd = f->hd;
  const size_t nq = f->hd * dm, nk = f->kvd * dm, no = f->dout * hd;
  w->mem = calloc(2 * (nq + 2 * nk + no) + 2 * dd, sizeof *w->mem);
  if (w->mem == NULL)
    return FC_ENOMEM;
  double *p = w->mem;
  w->wq = p, p += nq;
  w->ewq = p, p += nq;
  w->wk = p, p += nk;
  w->ewk = p, p += nk;
  w->wv = p, p += nk;
  w->ewv = p, p += nk;
  w->wo = p, p += no;
  w->ewo = p, p += no;
  w->tr = p, p += dd;
  w->etr = p;
  const struct fc_kern_attn *A = K->attn;
  int rc = FC_OK;
  for (size_t h = 0; h < f->heads && rc == FC_OK; h++) {
    const size_t o = h * d * dm, s = (size_t)mq(f)[h];
    if (rewrite & FX_Q)
      rc = A->fold_left(K, w->wq + o, w->ewq + o, dm, SM + s * dd,
                        SE + s * dd, f->wq + o, NULL, d, dm);
    else
      memcpy(w->wq + o, f->wq + o, d * dm * sizeof *w->wq);
  }
  for (size_t j = 0; j < f->kv && rc == FC_OK; j++) {
    const size_t o = j * d * dm, sk = (size_t)mk(f)[j],
                 sv = (size_t)mv(f)[j];
    if (rewrite & FX_K)
      rc = A->fold_left(K, w->wk + o, w->ewk + o, dm, SM + sk * dd,
                        SE + sk * dd, f->wk + o, NULL, d, dm);
    else
      memcpy(w->wk + o, f->wk + o, d * dm * sizeof *w->wk);
    if (rc == FC_OK && (rewrite & FX_V))
      rc = A->fold_left(K, w->wv + o, w->ewv + o, dm, SM + sv * dd,
                        SE + sv * dd, f->wv + o, NULL, d, dm);
    else if (rc == FC_OK)
      memcpy(w->wv + o, f->wv + o, d * dm * sizeof *w->wv);
  }
  if (!(rewrite & FX_O)) {
    memcpy(w->wo, f->wo, no * sizeof *w->wo);
    return rc;
  }
  for (size_t h = 0; h < f->heads && rc == FC_OK; h++) {
    const size_t s = (size_t)mo(f)[h];
    if (f->conf[CONF_OMODE] == FX_O_ROWS) {
      /* B(R)^T applied to the rows of Wo (a wrong rewrite): rows block h
       * <- Ro_h^T rows block h.  Transposes are exact. */
      for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
          w->tr[i * d + j] = SM[s * dd + j * d + i];
          w->etr[i * d + j] = SE[s * dd + j * d + i];
        }
      const size_t o = h * d * hd;
      rc = A->fold_left(K, w->wo + o, w->ewo + o, hd, w->tr, w->etr,
                        f->wo + o, NULL, d, hd);
    } else {
      rc = A->fold_right_t(K, w->wo + h * d, w->ewo + h * d, hd,
                           f->wo + h * d, NULL, SM + s * dd, SE + s * dd,
                           f->dout, d);
    }
  }
  return rc;
}

/* --------------------------------------------------------------- check */

typedef struct fx_eval {
  const fx *f;
  const fc_check_ctx *x;
  int rewrite, compare, online, side;
  int acc_only;
  const dout *o1, *o2; /* double outputs: original, rewritten */
  fc_check_result acc; /* accuracy (filled at the base precision) */
  char worst[64];
  double side_ratio;   /* F6: the other variant's residual / bound */
  int side_done;
} fx_eval;

/* Accuracy of a double output against the oracle matrix m (n entries):
 * bound = the kernel's bound + the oracle's own 2^-P E (tiny). */
static void acc_fold(fx_eval *e, const double *dv, const double *de,
                     const fc_mp_emat *m, size_t n, int scores,
                     const char *what, const char *side)
{
  for (size_t i = 0; i < n; i++) {
    const double before = e->acc.level[FC_LEVEL_ACCURACY].present
                              ? e->acc.level[FC_LEVEL_ACCURACY].ratio
                              : -1;
    if (scores && mpfr_inf_p(m->m->e[i])) {
      /* masked: the kernel must mask it too */
      const double err = dv[i] == -INFINITY ? 0 : INFINITY;
      if (err > 0)
        fc_measure_fold(&e->acc.level[FC_LEVEL_ACCURACY], INFINITY, 0, 0);
      fc_check_record(&e->acc, FC_LEVEL_ACCURACY, dv[i], -INFINITY, err, 0,
                      err);
    } else {
      const double b =
          de[i] + ldexp(m->e[i], -(int)mpfr_get_prec(m->m->e[i]));
      fc_oracle_accuracy(&e->acc, dv[i], m->m->e[i], b);
    }
    const double after = e->acc.level[FC_LEVEL_ACCURACY].ratio;
    if (after > before || (isnan(after) && !isnan(before)))
      snprintf(e->worst, sizeof e->worst, "%s %s[%zu]", side, what, i);
  }
}

static void accuracy(fx_eval *e, const dout *o, const fc_mp_attn *w,
                     const char *side)
{
  const fx *f = e->f;
  const size_t hTT = f->heads * f->T * f->T;
  char nm[FC_OUTPUT_NAME];
  /* outputs named "<side> <what>" with their shapes: scores and
   * probabilities (head, t, s), contexts (t, head, i), the output (t, i) */
  snprintf(nm, sizeof nm, "%s score", side);
  fc_check_output(&e->acc, nm, FC_LEVEL_ACCURACY, 3, f->heads, f->T, f->T);
  acc_fold(e, o->s, o->es, &w->s, hTT, 1, "score", side);
  snprintf(nm, sizeof nm, "%s prob", side);
  fc_check_output(&e->acc, nm, FC_LEVEL_ACCURACY, 3, f->heads, f->T, f->T);
  acc_fold(e, o->a, o->ea, &w->a, hTT, 0, "prob", side);
  snprintf(nm, sizeof nm, "%s ctx", side);
  fc_check_output(&e->acc, nm, FC_LEVEL_ACCURACY, 3, f->T, f->heads, f->d);
  acc_fold(e, o->ctx, o->ectx, &w->ctx, f->T * f->hd, 0, "ctx", side);
  snprintf(nm, sizeof nm, "%s out", side);
  if (f->conf[CONF_OUTPUT]) {
    fc_check_output(&e->acc, nm, FC_LEVEL_ACCURACY, 2, f->T, f->dout, 0);
    acc_fold(e, o->out, o->eout, &w->out, f->T * f->dout, 0, "out", side);
  }
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

static int mpw_init(mpw *w, const fx *f, mpfr_prec_t prec)
{
  memset(w, 0, sizeof *w);
  int rc = fc_mp_emat_init(&w->wq, f->hd, f->dm, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&w->wk, f->kvd, f->dm, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&w->wv, f->kvd, f->dm, prec);
  if (rc == FC_OK)
    rc = fc_mp_emat_init(&w->wo, f->dout, f->hd, prec);
  if (rc != FC_OK)
    mpw_clear(w);
  return rc;
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
  if (rc == FC_OK) {
    fc_mp_emat_set_d(&w.wq, f->wq);
    fc_mp_emat_set_d(&w.wk, f->wk);
    fc_mp_emat_set_d(&w.wv, f->wv);
    fc_mp_emat_set_d(&w.wo, f->wo);
  }
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
  if (rc == FC_OK && base)
    accuracy(e, e->o1, &a1, "original");
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
      if (rc == FC_OK && base)
        accuracy(e, e->o2, &a2, online ? "online" : "rewritten");
    } else {
      mpfr_t r3, S3;
      mpfr_inits2(prec, r3, S3, (mpfr_ptr)0);
      rc = compare_mp(r3, S3, &a1, &a2, f, slots, e->compare, e->rewrite);
      e->side_ratio = mp_ratio(r3, S3, e->x->prec, e->x->slack_bits);
      e->side_done = 1;
      mpfr_clears(r3, S3, (mpfr_ptr)0);
    }
  }
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

/* 1 when a double output failed against the P-bit oracle (accuracy). */
static int fx_failed(void *arg)
{
  const fc_measure *m = &((const fx_eval *)arg)->acc.level[FC_LEVEL_ACCURACY];
  return m->present && !(m->ratio <= 1.0);
}

/* Conformance in double: the same comparisons between the two double
 * blocks, each against the sum of the two kernels' bounds (the exact
 * values agree when the statement holds, so |d2 - d1| <= E1 + E2). */
static int conformance(fc_check_result *res, const fx *f, const dout *o1,
                       const dout *o2, const double *SM, const double *SE,
                       const fc_kernels *K, int compare, int rewrite)
{
  fc_measure *m = &res->level[FC_LEVEL_CONFORMANCE];
  if (compare & FX_CMP_SCORES)
    for (size_t i = 0, n = f->heads * f->T * f->T; i < n; i++) {
      if (o1->s[i] == -INFINITY && o2->s[i] == -INFINITY)
        continue;
      fc_measure_fold(m, fabs(o2->s[i] - o1->s[i]), o1->es[i] + o2->es[i],
                      0);
    }
  if (compare & FX_CMP_CTX) {
    const size_t n = f->T * f->hd, d = f->d;
    double *X = malloc(2 * n * sizeof *X);
    if (X == NULL)
      return FC_ENOMEM;
    double *EX = X + n;
    int rc = FC_OK;
    for (size_t h = 0; h < f->heads && rc == FC_OK; h++) {
      const size_t s = (size_t)mv(f)[h / f->grp];
      if (rewrite & FX_V)
        rc = K->attn->gemm(X + h * d, EX + h * d, f->hd, o1->ctx + h * d,
                           o1->ectx + h * d, f->hd, SM + s * d * d,
                           SE + s * d * d, d, 1, f->T, d, d);
      else
        for (size_t t = 0; t < f->T; t++)
          for (size_t i = 0; i < d; i++) {
            X[t * f->hd + h * d + i] = o1->ctx[t * f->hd + h * d + i];
            EX[t * f->hd + h * d + i] = o1->ectx[t * f->hd + h * d + i];
          }
    }
    for (size_t i = 0; i < n && rc == FC_OK; i++)
      fc_measure_fold(m, fabs(o2->ctx[i] - X[i]), o2->ectx[i] + EX[i], 0);
    free(X);
    if (rc != FC_OK)
      return rc;
  }
  if ((compare & FX_CMP_OUT) && f->conf[CONF_OUTPUT])
    for (size_t i = 0, n = f->T * f->dout; i < n; i++)
      fc_measure_fold(m, fabs(o2->out[i] - o1->out[i]),
                      o1->eout[i] + o2->eout[i], 0);
  return FC_OK;
}

int fc_fx_check_with(fc_check_result *r, const fc_case *c,
                     const fc_check_ctx *x, int rewrite, int compare)
{
  if (r == NULL || c == NULL || x == NULL || x->kernels == NULL ||
      x->kernels->attn == NULL)
    return FC_EINVAL;
  const fc_kernels *K = x->kernels;
  fx f;
  int rc = fx_parse(&f, c);
  if (rc != FC_OK)
    return rc;
  fx_eval e;
  memset(&e, 0, sizeof e);
  e.f = &f;
  e.x = x;
  e.rewrite = rewrite >= 0 ? rewrite : (int)f.conf[CONF_REWRITE];
  e.compare = compare >= 0 ? compare : (int)f.conf[CONF_COMPARE];
  e.online = (int)f.conf[CONF_ONLINE];
  e.side = (int)f.conf[CONF_SIDE];
  e.acc_only = e.compare == 0;
  const size_t dd = f.d * f.d;
  double *SM = malloc(2 * (f.nslots ? f.nslots : 1) * dd * sizeof *SM);
  dout o1, o2;
  dfold fw;
  memset(&o1, 0, sizeof o1);
  memset(&o2, 0, sizeof o2);
  memset(&fw, 0, sizeof fw);
  if (SM == NULL)
    return FC_ENOMEM;
  double *SE = SM + f.nslots * dd;
  for (size_t k = 0; k < f.nslots && rc == FC_OK; k++)
    rc = slot_build_d(SM + k * dd, SE + k * dd, &f, k, K);
  if (rc == FC_OK)
    rc = dout_alloc(&o1, &f);
  if (rc == FC_OK)
    rc = dout_alloc(&o2, &f);
  fc_attn_block b1, b2;
  if (rc == FC_OK) {
    block_setup(&b1, &f);
    rc = run_block(&o1, &b1, K);
  }
  const double *rqd[FX_MAX_HEADS], *erqd[FX_MAX_HEADS];
  const double *rkd[FX_MAX_HEADS], *erkd[FX_MAX_HEADS];
  if (rc == FC_OK && !e.acc_only) {
    b2 = b1;
    if (e.online) {
      for (size_t h = 0; h < f.heads; h++) {
        rqd[h] = SM + (size_t)mq(&f)[h] * dd;
        erqd[h] = SE + (size_t)mq(&f)[h] * dd;
      }
      for (size_t j = 0; j < f.kv; j++) {
        rkd[j] = SM + (size_t)mk(&f)[j] * dd;
        erkd[j] = SE + (size_t)mk(&f)[j] * dd;
      }
      if (e.rewrite & FX_Q) {
        b2.rq_online = rqd;
        b2.erq_online = erqd;
      }
      if (e.rewrite & FX_K) {
        b2.rk_online = rkd;
        b2.erk_online = erkd;
      }
    } else {
      rc = fold_d(&fw, &f, K, SM, SE, e.rewrite);
      b2.wq = fw.wq;
      b2.ewq = fw.ewq;
      b2.wk = fw.wk;
      b2.ewk = fw.ewk;
      b2.wv = fw.wv;
      b2.ewv = fw.ewv;
      b2.wo = b1.wo ? fw.wo : NULL;
      b2.ewo = b1.wo ? fw.ewo : NULL;
    }
    if (rc == FC_OK)
      rc = run_block(&o2, &b2, K);
    if (rc == FC_OK && !f.conf[CONF_NEG])
      rc = conformance(r, &f, &o1, &o2, SM, SE, K, e.compare, e.rewrite);
  }
  e.o1 = &o1;
  e.o2 = &o2;
  if (rc == FC_OK) {
    if (e.acc_only) {
      mpfr_t rr, SS;
      mpfr_inits2((mpfr_prec_t)x->prec, rr, SS, (mpfr_ptr)0);
      rc = fx_eval_prec(rr, SS, &e, (mpfr_prec_t)x->prec);
      mpfr_clears(rr, SS, (mpfr_ptr)0);
    } else {
      /* Ball-certified (oracle.h): the P + 64 recomputation runs when the
       * residual leaves the balls or a kernel output failed against the
       * oracle. */
      rc = fc_oracle_statement_ball(r, fx_statement, &e, x, fx_failed);
    }
  }
  if (rc == FC_OK) {
    r->level[FC_LEVEL_ACCURACY] = e.acc.level[FC_LEVEL_ACCURACY];
    fc_check_merge_outputs(r, &e.acc);
    if (e.side_done)
      snprintf(r->note, sizeof r->note,
               "%s residual/bound %.3g (the other side); worst accuracy: %s",
               e.online ? "folded-before-RoPE" : "online-after-RoPE",
               e.side_ratio, e.worst);
    else
      snprintf(r->note, sizeof r->note, "worst accuracy: %s", e.worst);
    /* Plot point: largest position vs accuracy usage. */
    long pmax = 0;
    for (size_t t = 0; f.rope && t < f.T; t++)
      if (labs(f.pos[t]) > pmax)
        pmax = labs(f.pos[t]);
    fc_check_add_point(r, 0, (double)pmax,
                       r->level[FC_LEVEL_ACCURACY].ratio);
  }
  free(SM);
  free(o1.mem);
  free(o2.mem);
  free(fw.mem);
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
  double *E = M + dd, *Th = M + 2 * dd, *e = M + 3 * dd;
  for (size_t k = 0; k < f.nslots; k++) {
    if (slot_build_d(M, E, &f, k, K) != FC_OK)
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
          K->rope->apply(e, NULL, e, s, p);
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

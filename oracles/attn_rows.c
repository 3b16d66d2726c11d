/* attn_rows.c -- the row-sampled attention oracle (issue 11; see
 * attn_rows.h).
 *
 * Error coefficients (units of u = 2^-P, first order; second-order terms
 * are O(u^2) and covered by the statement slack s).  Rounding to nearest
 * at P bits errs by at most half an ulp, ulp(y) <= 2 u |y|, so a correctly
 * rounded result y carries |y| u.
 *   projection y_i = W_i . x (mpfr_dot, correctly rounded, x exact):
 *       e(y_i) = |y_i| + sum_j e(W_ij) |x_j|;
 *   RoPE (fc_mp_rope_apply: one rounding of a value within 2^-32 ulp):
 *       e(out_a) = 2 |out_a| + e(in_a) + e(in_b)   (|cos|, |sin| <= 1);
 *   online rotation y = R z after RoPE (F6 (b); R a d x d oracle matrix
 *       with coefficients e(R), z a rotated q or k; dot() over d terms,
 *       the product rule of attention.c with its second-order term):
 *       e(y_i) = |y_i| + sum_l (e(R_il) |z_l| + |R_il| e(z_l))
 *                + 2^-P sum_l e(R_il) e(z_l);
 *   score s_u = fl(fl(q . k_u) / fl(sqrt d)): three roundings,
 *       e(s_u) = 3 |s_u| + sum_i (|q_i| e(k_ui) + e(q_i) |k_ui|) / sqrt d;
 *   softmax a_u = exp(s_u - m) / sum_w exp(s_w - m): a perturbation delta
 *       of the scores moves a_u by a_u (delta_u - sum_w a_w delta_w), at
 *       most a_u (eps_u + max eps); the subtraction s_u - m errs by
 *       u |s_u - m|, i.e. a relative error |s_u - m| u of the exponential,
 *       exp and the division round once each, the sum (mpfr_sum) once:
 *       e(a_u) = a_u (e(s_u) + max_w e(s_w) + |s_u - m| + max_w |s_w - m|
 *                + 4);
 *   context ctx_i = sum_u a_u v_ui (mpfr_dot):
 *       e(ctx_i) = |ctx_i| + sum_u (e(a_u) |v_ui| + a_u e(v_ui));
 *   output out_c = Wo_c . ctx (mpfr_dot):
 *       e(out_c) = |out_c| + sum_l (e(Wo_cl) |ctx_l| + |Wo_cl| e(ctx_l)).
 * "mpfr_dot" above stands for dot(): an fma loop at P + 32 bits rounded
 * once to P (mpfr_dot allocates temporaries on every call, which was half
 * the time of a case): each of the n fma roundings errs by at most
 * 2^-(P+32) times the running sum's magnitude <= sum |a_i b_i|, so every
 * rule above gets the extra term n 2^-32 sum_i |a_i| |b_i| (computed from
 * the double magnitudes, enlarged by 2 for their own rounding) besides the
 * final rounding |y|.
 *
 * The projections (issue 16: three quarters of a T = 4096 case's oracle
 * time as fma loops) are exact dot products instead (fc_xdot_mpd, xdot.h:
 * x is an exact double and each weight an MPFR number, so the products
 * are added exactly and the sum rounded once to P): e(y_i) = |y_i| +
 * sum_j e(W_ij) |x_j| exactly as derived above, without dot()'s extra
 * term.  So are the scores' q . k and the contexts' sum a_u v_u
 * (fc_xdot_mm: MPFR times MPFR), with the coefficient rules above less the
 * extra term.  Products spread too widely for the accumulator (a saturated
 * softmax's weights near 2^-4000) fall back to dot(). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "attn_rows.h"
#include "rope.h"
#include "xdot.h"

#define SAFE(x) ((x) < INFINITY ? (x) : INFINITY)

static mpfr_t *mp_array(size_t n, mpfr_prec_t prec)
{
  mpfr_t *a = malloc((n ? n : 1) * sizeof *a);
  if (a == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    mpfr_init2(a[i], prec);
  return a;
}

static void mp_array_free(mpfr_t *a, size_t n)
{
  if (a == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    mpfr_clear(a[i]);
  free(a);
}

int fc_mp_rows_init(fc_mp_rows *o, const fc_mp_attn_dims *g, size_t nrows,
                    int keep_scores, mpfr_prec_t prec)
{
  if (o == NULL)
    return FC_EINVAL;
  memset(o, 0, sizeof *o);
  if (g == NULL || g->T == 0 || g->d == 0 || g->heads == 0 || g->kv == 0 ||
      g->heads % g->kv != 0 || nrows == 0 || prec < MPFR_PREC_MIN ||
      g->T > FC_CASE_MAX_ELEMS || g->heads * g->d > FC_CASE_MAX_ELEMS)
    return FC_EINVAL;
  o->g = *g;
  o->prec = prec;
  o->nrows = nrows;
  o->keep_scores = keep_scores;
  const size_t ns = keep_scores ? nrows * g->heads * g->T : 0;
  const size_t nc = nrows * g->heads * g->d, no = nrows * g->dout;
  if (ns) {
    o->s = mp_array(ns, prec);
    o->a = mp_array(ns, prec);
    o->es = calloc(ns, sizeof *o->es);
    o->ea = calloc(ns, sizeof *o->ea);
    if (!o->s || !o->a || !o->es || !o->ea)
      goto nomem;
  }
  o->ctx = mp_array(nc, prec);
  o->ectx = calloc(nc, sizeof *o->ectx);
  if (!o->ctx || !o->ectx)
    goto nomem;
  if (no) {
    o->out = mp_array(no, prec);
    o->eout = calloc(no, sizeof *o->eout);
    if (!o->out || !o->eout)
      goto nomem;
  }
  return FC_OK;
nomem:
  fc_mp_rows_clear(o);
  return FC_ENOMEM;
}

void fc_mp_rows_clear(fc_mp_rows *o)
{
  if (o == NULL)
    return;
  const size_t ns = o->keep_scores ? o->nrows * o->g.heads * o->g.T : 0;
  mp_array_free(o->s, o->s ? ns : 0);
  mp_array_free(o->a, o->a ? ns : 0);
  mp_array_free(o->ctx, o->ctx ? o->nrows * o->g.heads * o->g.d : 0);
  mp_array_free(o->out, o->out ? o->nrows * o->g.dout : 0);
  free(o->es);
  free(o->ea);
  free(o->ectx);
  free(o->eout);
  memset(o, 0, sizeof *o);
}

/* The work arrays of one evaluation. */
typedef struct rows_ws {
  mpfr_t *X;          /* T x dm, exact */
  mpfr_t *K, *V;      /* T x d of one key/value head */
  double *dK, *eK, *dV, *eV;
  mpfr_t *q, *qr;     /* d */
  double *dq, *eq;
  double *dr, *er;    /* d: the online rotation's results */
  mpfr_t *ex;         /* T: exponentials */
  double *es, *dev, *ea, *da;
  mpfr_t *tin, *tout; /* d: RoPE */
  mpfr_ptr *pa, *pb;  /* max(T, dm, heads d) */
  fc_xacc *xacc;      /* the exact projections (xdot.h) */
  mpfr_t sqrtd, sum, m, t0, acc; /* acc: P + 32 bits */
  size_t nX, nK, nT, nd, np;
} rows_ws;

static void ws_free(rows_ws *w)
{
  mp_array_free(w->X, w->X ? w->nX : 0);
  mp_array_free(w->K, w->K ? w->nK : 0);
  mp_array_free(w->V, w->V ? w->nK : 0);
  mp_array_free(w->q, w->q ? w->nd : 0);
  mp_array_free(w->qr, w->qr ? w->nd : 0);
  mp_array_free(w->tin, w->tin ? w->nd : 0);
  mp_array_free(w->tout, w->tout ? w->nd : 0);
  mp_array_free(w->ex, w->ex ? w->nT : 0);
  free(w->dK);
  free(w->eK);
  free(w->dV);
  free(w->eV);
  free(w->dq);
  free(w->eq);
  free(w->dr);
  free(w->er);
  free(w->es);
  free(w->dev);
  free(w->ea);
  free(w->da);
  free(w->pa);
  free(w->pb);
  free(w->xacc);
  mpfr_clears(w->sqrtd, w->sum, w->m, w->t0, w->acc, (mpfr_ptr)0);
}

static int ws_alloc(rows_ws *w, const fc_mp_attn_dims *g, mpfr_prec_t prec)
{
  memset(w, 0, sizeof *w);
  mpfr_inits2(prec, w->sqrtd, w->sum, w->m, w->t0, (mpfr_ptr)0);
  mpfr_init2(w->acc, prec + 32);
  w->nX = g->T * g->dm;
  w->nK = g->T * g->d;
  w->nT = g->T;
  w->nd = g->d;
  size_t np = g->T;
  if (g->dm > np)
    np = g->dm;
  if (g->heads * g->d > np)
    np = g->heads * g->d;
  w->np = np;
  w->X = mp_array(w->nX, prec);
  w->K = mp_array(w->nK, prec);
  w->V = mp_array(w->nK, prec);
  w->q = mp_array(w->nd, prec);
  w->qr = mp_array(w->nd, prec);
  w->tin = mp_array(w->nd, prec);
  w->tout = mp_array(w->nd, prec);
  w->ex = mp_array(w->nT, prec);
  w->dK = malloc(w->nK * sizeof *w->dK);
  w->eK = malloc(w->nK * sizeof *w->eK);
  w->dV = malloc(w->nK * sizeof *w->dV);
  w->eV = malloc(w->nK * sizeof *w->eV);
  w->dq = malloc(w->nd * sizeof *w->dq);
  w->eq = malloc(w->nd * sizeof *w->eq);
  w->dr = malloc(w->nd * sizeof *w->dr);
  w->er = malloc(w->nd * sizeof *w->er);
  w->es = malloc(w->nT * sizeof *w->es);
  w->dev = malloc(w->nT * sizeof *w->dev);
  w->ea = malloc(w->nT * sizeof *w->ea);
  w->da = malloc(w->nT * sizeof *w->da);
  w->pa = malloc(np * sizeof *w->pa);
  w->pb = malloc(np * sizeof *w->pb);
  w->xacc = malloc(sizeof *w->xacc);
  if (!w->xacc || !w->X || !w->K || !w->V || !w->q || !w->qr || !w->tin || !w->tout ||
      !w->ex || !w->dK || !w->eK || !w->dV || !w->eV || !w->dq || !w->eq ||
      !w->dr || !w->er ||
      !w->es || !w->dev || !w->ea || !w->da || !w->pa || !w->pb) {
    ws_free(w);
    return FC_ENOMEM;
  }
  return FC_OK;
}

/* y = a . b (n terms) by an fma loop at P + 32 bits, rounded once; the
 * extra coefficient for mag = sum |a_i b_i| is returned. */
static double dot(rows_ws *w, mpfr_t y, size_t n, double mag)
{
  mpfr_set_zero(w->acc, 1);
  for (size_t i = 0; i < n; i++)
    mpfr_fma(w->acc, w->pa[i], w->pb[i], w->acc, MPFR_RNDN);
  mpfr_set(y, w->acc, MPFR_RNDN);
  return ldexp(2 * (double)n * mag, -32);
}

/* y[i] = W[r0 + i] . X_t for i < n, with magnitudes dy and coefficients
 * ey (x exact): exactly (xdot) when the terms fit, else by dot(). */
static void project(rows_ws *w, mpfr_t *y, double *dy, double *ey,
                    const fc_mp_emat *W, size_t r0, size_t n, size_t t,
                    const double *x, size_t dm)
{
  for (size_t i = 0; i < n; i++) {
    const size_t row = (r0 + i) * dm;
    double prop = 0, mag = 0;
    for (size_t j = 0; j < dm; j++)
      prop += W->e[row + j] * fabs(x[t * dm + j]);
    if (fc_xdot_mpd(y[i], w->xacc, W->m->e + row, x + t * dm, dm) != 0) {
      for (size_t j = 0; j < dm; j++) {
        w->pa[j] = W->m->e[row + j];
        w->pb[j] = w->X[t * dm + j];
        mag += fabs(W->d[row + j]) * fabs(x[t * dm + j]);
      }
      prop += dot(w, y[i], dm, mag);
    }
    dy[i] = mpfr_get_d(y[i], MPFR_RNDN);
    ey[i] = SAFE(fabs(dy[i]) + prop);
  }
}

/* In-place RoPE of y (d entries) at position p, coefficients as derived
 * above. */
static int rope(rows_ws *w, mpfr_t *y, double *dy, double *ey,
                const fc_mp_rows_in *in, size_t t)
{
  const size_t d = w->nd;
  const fc_schedule *s = in->sched;
  for (size_t i = 0; i < d; i++)
    mpfr_set(w->tin[i], y[i], MPFR_RNDN);
  int rc = in->rope_tab
               ? fc_mp_rope_apply_tab(w->tout, w->tin, in->rope_tab, 0, t)
               : fc_mp_rope_apply(w->tout, w->tin, s, in->pos[t]);
  if (rc != FC_OK)
    return rc;
  for (size_t i = 0; i < d / 2; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, s, i);
    const double ea = ey[a], eb = ey[b];
    mpfr_swap(y[a], w->tout[a]);
    mpfr_swap(y[b], w->tout[b]);
    dy[a] = mpfr_get_d(y[a], MPFR_RNDN);
    dy[b] = mpfr_get_d(y[b], MPFR_RNDN);
    ey[a] = SAFE(2 * fabs(dy[a]) + ea + eb);
    ey[b] = SAFE(2 * fabs(dy[b]) + ea + eb);
  }
  return FC_OK;
}

/* In-place online rotation y <- R y (d entries), coefficients as derived
 * above.  R is d x d (checked by check_in). */
static void rotate(rows_ws *w, mpfr_t *y, double *dy, double *ey,
                   const fc_mp_emat *R)
{
  const size_t d = w->nd;
  const int P = (int)mpfr_get_prec(w->t0);
  for (size_t i = 0; i < d; i++) {
    double prop = 0, mag = 0, second = 0;
    for (size_t l = 0; l < d; l++) {
      const size_t il = i * d + l;
      w->pa[l] = R->m->e[il];
      w->pb[l] = y[l];
      prop += R->e[il] * fabs(dy[l]) + fabs(R->d[il]) * ey[l];
      mag += fabs(R->d[il]) * fabs(dy[l]);
      second += R->e[il] * ey[l];
    }
    prop += dot(w, w->qr[i], d, mag) + ldexp(second, -P);
    w->dr[i] = mpfr_get_d(w->qr[i], MPFR_RNDN);
    w->er[i] = SAFE(fabs(w->dr[i]) + prop);
  }
  for (size_t i = 0; i < d; i++) {
    mpfr_swap(y[i], w->qr[i]);
    dy[i] = w->dr[i];
    ey[i] = w->er[i];
  }
}

static int online_ok(const fc_mp_emat *const *R, size_t n, size_t d)
{
  for (size_t h = 0; R != NULL && h < n; h++)
    if (R[h] != NULL && (R[h]->m->rows != d || R[h]->m->cols != d ||
                         R[h]->e == NULL || R[h]->d == NULL))
      return 0;
  return 1;
}

static int check_in(const fc_mp_rows *o, const fc_mp_rows_in *in)
{
  const fc_mp_attn_dims *g = &in->g;
  if (o == NULL || in == NULL || in->x == NULL || in->wq == NULL ||
      in->wk == NULL || in->wv == NULL || in->rows == NULL ||
      memcmp(&o->g, g, sizeof *g) != 0 || o->nrows != in->nrows ||
      o->keep_scores != in->keep_scores)
    return FC_EINVAL;
  const size_t hd = g->heads * g->d, kvd = g->kv * g->d;
  if (in->wq->m->rows != hd || in->wq->m->cols != g->dm ||
      in->wk->m->rows != kvd || in->wk->m->cols != g->dm ||
      in->wv->m->rows != kvd || in->wv->m->cols != g->dm)
    return FC_EINVAL;
  if ((in->wo != NULL) != (g->dout > 0))
    return FC_EINVAL;
  if (in->wo && (in->wo->m->rows != g->dout || in->wo->m->cols != hd))
    return FC_EINVAL;
  if (in->sched && (in->sched->d != g->d || in->pos == NULL))
    return FC_EINVAL;
  /* The table must be of these positions and schedule, at o's precision
   * (fc_mp_rope_apply_tab checks the precision per call). */
  const fc_mp_rope_tab *tb = in->rope_tab;
  if (tb && (in->sched == NULL || tb->pos != in->pos || tb->npos != g->T ||
             tb->nsched < 1 || tb->sched->d != g->d ||
             memcmp(tb->sched->theta, in->sched->theta,
                    g->d / 2 * sizeof *tb->sched->theta) != 0 ||
             tb->sched->layout != in->sched->layout ||
             tb->sched->rotary_dim != in->sched->rotary_dim ||
             tb->prec != o->prec))
    return FC_EINVAL;
  for (size_t r = 0; r < in->nrows; r++)
    if (in->rows[r] >= g->T)
      return FC_EINVAL;
  if (!online_ok(in->rq_online, g->heads, g->d) ||
      !online_ok(in->rk_online, g->kv, g->d))
    return FC_EINVAL;
  return FC_OK;
}

int fc_mp_rows_forward(fc_mp_rows *o, const fc_mp_rows_in *in)
{
  int rc = check_in(o, in);
  if (rc != FC_OK)
    return rc;
  const fc_mp_attn_dims *g = &in->g;
  const size_t T = g->T, d = g->d, dm = g->dm, hd = g->heads * d,
               grp = g->heads / g->kv;
  rows_ws w;
  rc = ws_alloc(&w, g, o->prec);
  if (rc != FC_OK)
    return rc;
  for (size_t i = 0; i < T * dm; i++)
    mpfr_set_d(w.X[i], in->x[i], MPFR_RNDN);
  mpfr_sqrt_ui(w.sqrtd, (unsigned long)d, MPFR_RNDN);
  const double sqrtd = sqrt((double)d);
  /* Keys beyond the last sampled row are masked for every sampled row
   * under a causal mask: they need not be formed. */
  size_t nkeys = T;
  if (in->causal) {
    nkeys = 0;
    for (size_t r = 0; r < in->nrows; r++)
      if (in->rows[r] + 1 > nkeys)
        nkeys = in->rows[r] + 1;
  }
  for (size_t j = 0; j < g->kv && rc == FC_OK; j++) {
    /* Keys and values of head j. */
    for (size_t u = 0; u < nkeys && rc == FC_OK; u++) {
      project(&w, w.K + u * d, w.dK + u * d, w.eK + u * d, in->wk, j * d, d,
              u, in->x, dm);
      project(&w, w.V + u * d, w.dV + u * d, w.eV + u * d, in->wv, j * d, d,
              u, in->x, dm);
      if (in->sched)
        rc = rope(&w, w.K + u * d, w.dK + u * d, w.eK + u * d, in, u);
      if (rc == FC_OK && in->rk_online && in->rk_online[j])
        rotate(&w, w.K + u * d, w.dK + u * d, w.eK + u * d,
               in->rk_online[j]);
    }
    for (size_t h = j * grp; h < (j + 1) * grp && rc == FC_OK; h++)
      for (size_t r = 0; r < in->nrows && rc == FC_OK; r++) {
        const size_t t = in->rows[r];
        project(&w, w.q, w.dq, w.eq, in->wq, h * d, d, t, in->x, dm);
        if (in->sched)
          rc = rope(&w, w.q, w.dq, w.eq, in, t);
        if (rc != FC_OK)
          break;
        if (in->rq_online && in->rq_online[h])
          rotate(&w, w.q, w.dq, w.eq, in->rq_online[h]);
        /* Scores of row t. */
        const size_t nu = in->causal ? t + 1 : T;
        int have_max = 0;
        double es_max = 0;
        for (size_t u = 0; u < nu; u++) {
          double prop = 0, mag = 0;
          for (size_t i = 0; i < d; i++) {
            prop += fabs(w.dq[i]) * w.eK[u * d + i] +
                    w.eq[i] * fabs(w.dK[u * d + i]);
            mag += fabs(w.dq[i]) * fabs(w.dK[u * d + i]);
          }
          if (fc_xdot_mm(w.ex[u], w.xacc, w.q, 1, w.K + u * d, 1, d) != 0) {
            for (size_t i = 0; i < d; i++) {
              w.pa[i] = w.q[i];
              w.pb[i] = w.K[u * d + i];
            }
            prop += dot(&w, w.ex[u], d, mag);
          }
          mpfr_div(w.ex[u], w.ex[u], w.sqrtd, MPFR_RNDN);
          w.es[u] = SAFE(3 * fabs(mpfr_get_d(w.ex[u], MPFR_RNDN)) +
                         prop / sqrtd);
          if (w.es[u] > es_max)
            es_max = w.es[u];
          if (!have_max || mpfr_greater_p(w.ex[u], w.m))
            mpfr_set(w.m, w.ex[u], MPFR_RNDN);
          have_max = 1;
        }
        const size_t base = (r * g->heads + h) * T;
        if (o->keep_scores)
          for (size_t u = 0; u < T; u++) {
            if (u < nu) {
              mpfr_set(o->s[base + u], w.ex[u], MPFR_RNDN);
              o->es[base + u] = w.es[u];
            } else {
              mpfr_set_inf(o->s[base + u], -1);
              o->es[base + u] = 0;
            }
          }
        /* Softmax: exp(s - m), correctly rounded sum, division. */
        double dev_max = 0;
        for (size_t u = 0; u < nu; u++) {
          mpfr_sub(w.ex[u], w.ex[u], w.m, MPFR_RNDN);
          w.dev[u] = fabs(mpfr_get_d(w.ex[u], MPFR_RNDN));
          if (w.dev[u] > dev_max)
            dev_max = w.dev[u];
          mpfr_exp(w.ex[u], w.ex[u], MPFR_RNDN);
          w.pa[u] = w.ex[u];
        }
        mpfr_sum(w.sum, w.pa, (unsigned long)nu, MPFR_RNDN);
        for (size_t u = 0; u < nu; u++) {
          mpfr_div(w.ex[u], w.ex[u], w.sum, MPFR_RNDN);
          w.da[u] = mpfr_get_d(w.ex[u], MPFR_RNDN);
          w.ea[u] =
              SAFE(w.da[u] * (w.es[u] + es_max + w.dev[u] + dev_max + 4));
        }
        if (o->keep_scores)
          for (size_t u = 0; u < T; u++) {
            if (u < nu) {
              mpfr_set(o->a[base + u], w.ex[u], MPFR_RNDN);
              o->ea[base + u] = w.ea[u];
            } else {
              mpfr_set_zero(o->a[base + u], 1);
              o->ea[base + u] = 0;
            }
          }
        /* Context of head h at row t. */
        for (size_t i = 0; i < d; i++) {
          double prop = 0, mag = 0;
          for (size_t u = 0; u < nu; u++) {
            prop += w.ea[u] * fabs(w.dV[u * d + i]) +
                    w.da[u] * w.eV[u * d + i];
            mag += w.da[u] * fabs(w.dV[u * d + i]);
          }
          const size_t ic = r * hd + h * d + i;
          if (fc_xdot_mm(o->ctx[ic], w.xacc, w.ex, 1, w.V + i, d, nu) !=
              0) {
            for (size_t u = 0; u < nu; u++) {
              w.pa[u] = w.ex[u];
              w.pb[u] = w.V[u * d + i];
            }
            prop += dot(&w, o->ctx[ic], nu, mag);
          }
          o->ectx[ic] =
              SAFE(fabs(mpfr_get_d(o->ctx[ic], MPFR_RNDN)) + prop);
        }
      }
  }
  /* Output columns of every sampled row. */
  for (size_t r = 0; r < in->nrows && rc == FC_OK && in->wo; r++)
    for (size_t c = 0; c < g->dout; c++) {
      double prop = 0, mag = 0;
      for (size_t l = 0; l < hd; l++) {
        const size_t iw = c * hd + l, ic = r * hd + l;
        w.pa[l] = in->wo->m->e[iw];
        w.pb[l] = o->ctx[ic];
        const double mc = fabs(mpfr_get_d(o->ctx[ic], MPFR_RNDN));
        prop += in->wo->e[iw] * mc + fabs(in->wo->d[iw]) * o->ectx[ic];
        mag += fabs(in->wo->d[iw]) * mc;
      }
      const size_t io = r * g->dout + c;
      prop += dot(&w, o->out[io], hd, mag);
      o->eout[io] = SAFE(fabs(mpfr_get_d(o->out[io], MPFR_RNDN)) + prop);
    }
  ws_free(&w);
  return rc;
}

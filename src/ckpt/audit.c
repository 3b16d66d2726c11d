/* audit.c -- recover the folded rotations of a rewritten checkpoint and
 * judge them against F3-F6 (audit.h).
 *
 * Hypothesis H0 of every bound below: each rewritten tensor is the storage
 * rounding of an exact linear image of the original one, Y = fl(M X) with
 *   |fl(z) - z| <= u_s |z| + eta_s      (u_s, eta_s of Y's dtype, ckpt.h)
 * and M X formed by the rewriter in arithmetic of unit roundoff u_c (d
 * terms per entry, so an extra gamma_d(u_c) |M||X| entrywise).  Hence
 *   Y = M X + E,  ||E||_F <= e_F = u_s ||Y||_F + eta_s sqrt(d n)
 *                                  + (1 + u_s) gamma_d(u_c) ||M||_F ||X||_F
 * (||M||_F replaced by the recovered ||M^||_F: first order).
 *
 * Recovery.  M^ = Y X^T (X X^T)^-1, the least-squares solution, with
 * G = X X^T = L L^T (Cholesky, in double).  Then M^ - M = E X^+, so
 *   ||M^ - M||_F <= ||E||_F ||X^+||_2 <= e_F sqrt(tr G^-1)
 * (||X^+||_2^2 = ||G^-1||_2 <= tr G^-1, which we compute exactly as the
 * trace of L^-T L^-1), plus the error of doing this in double:
 * G and C = Y X^T carry gamma_n(u) ||X||_F^2, gamma_n(u) ||Y||_F ||X||_F
 * (n = hidden), which perturb M^ by at most tr(G^-1) times
 * gamma_n (||M^||_F ||X||_F^2 + ||Y||_F ||X||_F), and the Cholesky
 * solve adds gamma_3d(u) kappa_F(G) ||M^||_F with kappa_F = ||G||_F tr G^-1.
 * Their sum is delta.  With it, under H0:
 *   residual   ||Y - M^ X||_F <= ||Y - M X||_F = ||E||_F <= e_F
 *              (least squares minimises it; + gamma_d ||M^||_F ||X||_F for
 *              forming M^ X and delta ||X||_F for M^'s own error),
 *   orthogonal M: ||M^T M^ - I||_F <= 2 delta + delta^2
 *              (+ gamma_d ||M^||_F^2 for forming the product),
 *   commuting M:  ||M^ - Pc(M^)||_F <= ||(I - Pc)(M^ - M)||_F <= delta
 *              (Pc is an orthogonal projection; + the projection kernel's
 *              running bound),
 *   same rotation for Q and K: ||R^_h - Rk^_g||_F <= delta_q + delta_k,
 *   Wo compensated (Wo'_h = fl(Wo_h A^-1)):
 *     ||Wo'_h A^ - Wo_h||_F <= ||E_o||_F (||A^||_F + delta_v)
 *                              + ||Wo'_h||_F delta_v
 *     with ||E_o||_F <= u_s ||Wo'_h||_F + eta_s sqrt(n d)
 *                       + gamma_d(u_c) ||Wo_h||_F ||A^-1||_F
 *     (+ gamma_d ||Wo'_h||_F ||A^||_F for forming the product).
 * A figure above its bound rejects H0 for that property: the verdict. */
#include <cblas.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ckpt/audit.h"
#include "kernels/kernels.h"
#include "kernels/rope.h"
#include "oracles/rope.h"
#include "oracles/attention.h"
#include "engine/engine_internal.h"

#define U_D ldexp(1, -53)

static double gam(double n, double u) { return n * u / (1 - n * u); }

const char *fc_verdict_name(fc_verdict v)
{
  switch (v) {
  case FC_VERDICT_FOLDABLE: return "foldable";
  case FC_VERDICT_VO_ONLY: return "vo-only";
  case FC_VERDICT_ONLINE: return "online";
  case FC_VERDICT_BROKEN: return "broken";
  }
  return "?";
}

static double frob(const double *a, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += a[i] * a[i];
  return sqrt(s);
}

/* Lower Cholesky factor in place (row-major d x d, lower part used);
 * then L^-1 in place of L.  Returns -1 when G is not positive definite. */
static int chol_inv(double *G, size_t d)
{
  for (size_t j = 0; j < d; j++) {
    double s = G[j * d + j];
    for (size_t k = 0; k < j; k++)
      s -= G[j * d + k] * G[j * d + k];
    if (!(s > 0))
      return -1;
    double ljj = sqrt(s);
    G[j * d + j] = ljj;
    for (size_t i = j + 1; i < d; i++) {
      double t = G[i * d + j];
      for (size_t k = 0; k < j; k++)
        t -= G[i * d + k] * G[j * d + k];
      G[i * d + j] = t / ljj;
    }
    for (size_t i = 0; i < j; i++)
      G[i * d + j] = 0;
  }
  /* invert the lower triangle: forward substitution column by column */
  for (size_t j = 0; j < d; j++) {
    G[j * d + j] = 1 / G[j * d + j];
    for (size_t i = j + 1; i < d; i++) {
      double t = 0;
      for (size_t k = j; k < i; k++)
        t += G[i * d + k] * G[k * d + j];
      G[i * d + j] = -t / G[i * d + i];
    }
  }
  return 0;
}

typedef struct work {
  size_t d, n;
  double *G, *C, *Gi, *M, *P, *EP, *tmp;
} work;

static int work_init(work *w, size_t d, size_t n)
{
  memset(w, 0, sizeof *w);
  w->d = d;
  w->n = n;
  w->G = malloc(d * d * sizeof(double));
  w->C = malloc(d * d * sizeof(double));
  w->Gi = malloc(d * d * sizeof(double));
  w->P = malloc(d * d * sizeof(double));
  w->EP = malloc(d * d * sizeof(double));
  w->tmp = malloc((d * n > d * d ? d * n : d * d) * sizeof(double));
  return w->G && w->C && w->Gi && w->P && w->EP && w->tmp ? 0 : -1;
}

static void work_clear(work *w)
{
  free(w->G);
  free(w->C);
  free(w->Gi);
  free(w->P);
  free(w->EP);
  free(w->tmp);
}

/* Fit Y = M X (X, Y: d x n with leading dimension ld); M (d x d) out.
 * Fills the figures except the commutant ones. */
static void fit(fc_audit_fit *f, double *M, work *w, const double *X,
                const double *Y, size_t ld, double u_s, double eta_s,
                double u_c)
{
  size_t d = w->d, n = w->n;
  memset(f, 0, sizeof *f);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)d, (int)n, 1.0,
              X, (int)ld, 0.0, w->G, (int)d);
  for (size_t i = 0; i < d; i++)
    for (size_t j = i + 1; j < d; j++)
      w->G[i * d + j] = w->G[j * d + i];
  double nG = frob(w->G, d * d), nX2 = 0, nY2 = 0;
  for (size_t i = 0; i < d; i++) {
    nX2 += w->G[i * d + i];
    for (size_t k = 0; k < n; k++)
      nY2 += Y[i * ld + k] * Y[i * ld + k];
  }
  double nX = sqrt(nX2), nY = sqrt(nY2);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)n,
              1.0, Y, (int)ld, X, (int)ld, 0.0, w->C, (int)d);
  memcpy(w->Gi, w->G, d * d * sizeof(double));
  if (chol_inv(w->Gi, d) != 0) {
    f->ok = 0;
    memset(M, 0, d * d * sizeof(double));
    return;
  }
  f->ok = 1;
  /* G^-1 = L^-T L^-1 (P), M = C G^-1 */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)d,
              1.0, w->Gi, (int)d, w->Gi, (int)d, 0.0, w->P, (int)d);
  double tr = 0;
  for (size_t i = 0; i < d; i++)
    tr += w->P[i * d + i];
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d,
              (int)d, 1.0, w->C, (int)d, w->P, (int)d, 0.0, M, (int)d);
  double nM = frob(M, d * d);
  f->normM = nM;
  /* e_F and delta (header comment) */
  double gd_c = gam((double)d, u_c);
  f->efro = u_s * nY + eta_s * sqrt((double)d * (double)n) +
            (1 + u_s) * gd_c * nM * nX;
  double comp = tr * gam((double)n, U_D) * (nM * nX2 + nY * nX) +
                gam(3.0 * (double)d, U_D) * nG * tr * nM;
  f->delta = f->efro * sqrt(tr) + comp;
  /* residual Y - M X */
  for (size_t i = 0; i < d; i++)
    memcpy(w->tmp + i * n, Y + i * ld, n * sizeof(double));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)n,
              (int)d, -1.0, M, (int)d, X, (int)ld, 1.0, w->tmp, (int)n);
  double res = frob(w->tmp, d * n);
  double res_tol = f->efro + gam((double)d, U_D) * nM * nX + comp * nX;
  f->res = nY > 0 ? res / nY : res;
  f->res_tol = nY > 0 ? res_tol / nY : res_tol;
  /* orthogonality */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)d,
              1.0, M, (int)d, M, (int)d, 0.0, w->P, (int)d);
  for (size_t i = 0; i < d; i++)
    w->P[i * d + i] -= 1;
  f->orth = frob(w->P, d * d);
  f->orth_tol = 2 * f->delta + f->delta * f->delta + gam((double)d, U_D) * nM * nM;
}

/* Distance to the commutant and the offending plane pairs. */
static void commutant(fc_audit_fit *f, fc_audit_head *hd, const double *M,
                      work *w, const fc_schedule *s, const unsigned char *rel)
{
  size_t d = w->d, m = d / 2;
  fc_kernels_reference()->rope->project(w->P, w->EP, M, s, rel);
  for (size_t i = 0; i < d * d; i++)
    w->tmp[i] = M[i] - w->P[i];
  double dist = frob(w->tmp, d * d);
  double tol = f->delta + frob(w->EP, d * d) + U_D * f->normM;
  f->comm = f->normM > 0 ? dist / f->normM : dist;
  f->comm_tol = f->normM > 0 ? tol / f->normM : tol;
  if (hd == NULL)
    return;
  hd->nplanes = 0;
  /* block (i, j) and (j, i) together, for i <= j */
  for (size_t i = 0; i < m; i++)
    for (size_t j = i; j < m; j++) {
      size_t ai, bi, aj, bj;
      fc_schedule_plane(&ai, &bi, s, i);
      fc_schedule_plane(&aj, &bj, s, j);
      size_t ri[2] = {ai, bi}, rj[2] = {aj, bj};
      double sq = 0;
      for (int x = 0; x < 2; x++)
        for (int y = 0; y < 2; y++) {
          double v = w->tmp[ri[x] * d + rj[y]];
          sq += v * v;
          if (i != j) {
            v = w->tmp[rj[y] * d + ri[x]];
            sq += v * v;
          }
        }
      double nb = sqrt(sq);
      if (!(nb > tol))
        continue;
      /* keep the 3 largest, sorted */
      int k;
      if (hd->nplanes < 3)
        k = hd->nplanes++;
      else if (nb > hd->plane_norm[2])
        k = 2;
      else
        continue;
      hd->plane_norm[k] = nb;
      hd->plane_i[k] = (int)i;
      hd->plane_j[k] = (int)j;
      for (; k > 0 && hd->plane_norm[k - 1] < hd->plane_norm[k]; k--) {
        double tn = hd->plane_norm[k];
        int ti = hd->plane_i[k], tj = hd->plane_j[k];
        hd->plane_norm[k] = hd->plane_norm[k - 1];
        hd->plane_i[k] = hd->plane_i[k - 1];
        hd->plane_j[k] = hd->plane_j[k - 1];
        hd->plane_norm[k - 1] = tn;
        hd->plane_i[k - 1] = ti;
        hd->plane_j[k - 1] = tj;
      }
    }
}

/* ||Wo'_h A - Wo_h||_F (relative) and its bound. */
static void compensation(fc_audit_head *hd, const double *wo,
                         const double *wo2, size_t ldo, const double *A,
                         const fc_audit_group *g, work *w, double u_s,
                         double eta_s, double u_c)
{
  size_t d = w->d, n = w->n;
  /* tmp = Wo_h (n x d), then tmp = Wo'_h A - tmp */
  for (size_t r = 0; r < n; r++)
    memcpy(w->tmp + r * d, wo + r * ldo, d * sizeof(double));
  double nWo = frob(w->tmp, n * d), nWo2 = 0;
  for (size_t r = 0; r < n; r++)
    for (size_t c = 0; c < d; c++)
      nWo2 += wo2[r * ldo + c] * wo2[r * ldo + c];
  nWo2 = sqrt(nWo2);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d,
              (int)d, 1.0, wo2, (int)ldo, A, (int)d, -1.0, w->tmp, (int)d);
  double r = frob(w->tmp, n * d);
  double nA = g->v.normM, dv = g->v.delta;
  hd->eo = u_s * nWo2 + eta_s * sqrt((double)n * (double)d) +
           gam((double)d, u_c) * nWo * g->inv_fro;
  double tol = hd->eo * (nA + dv) + nWo2 * dv + gam((double)d, U_D) * nWo2 * nA;
  hd->comp = nWo > 0 ? r / nWo : r;
  hd->comp_tol = nWo > 0 ? tol / nWo : tol;
}

/* ||A^-1||_F from A^T A = L L^T: tr((A^T A)^-1); -1 when singular. */
static double inv_fro(const double *A, work *w)
{
  size_t d = w->d;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)d,
              1.0, A, (int)d, A, (int)d, 0.0, w->Gi, (int)d);
  if (chol_inv(w->Gi, d) != 0)
    return -1;
  double s = 0;
  for (size_t i = 0; i < d * d; i++)
    s += w->Gi[i] * w->Gi[i];
  return sqrt(s);
}

static void verdict(fc_audit_head *h, const fc_audit_group *g)
{
  char *r = h->reason;
  size_t rn = sizeof h->reason;
  if (!h->q.ok || !g->k.ok || !g->v.ok) {
    h->verdict = FC_VERDICT_BROKEN;
    snprintf(r, rn, "original %s weights rank-deficient: the map is not "
             "determined", !h->q.ok ? "Q" : !g->k.ok ? "K" : "V");
  } else if (h->q.res > h->q.res_tol || g->k.res > g->k.res_tol) {
    h->verdict = FC_VERDICT_BROKEN;
    snprintf(r, rn, "%s' is not a linear map of %s (residual %.3g > %.3g)",
             h->q.res > h->q.res_tol ? "Wq" : "Wk",
             h->q.res > h->q.res_tol ? "Wq" : "Wk",
             h->q.res > h->q.res_tol ? h->q.res : g->k.res,
             h->q.res > h->q.res_tol ? h->q.res_tol : g->k.res_tol);
  } else if (g->v.res > g->v.res_tol || !g->v_invertible) {
    h->verdict = FC_VERDICT_BROKEN;
    snprintf(r, rn, "%s", g->v_invertible ? "Wv' is not a linear map of Wv"
                                          : "the V map is singular");
  } else if (h->comp > h->comp_tol) {
    h->verdict = FC_VERDICT_BROKEN;
    snprintf(r, rn, "Wo not compensated: ||Wo' A - Wo|| / ||Wo|| = %.3g > %.3g",
             h->comp, h->comp_tol);
  } else if (h->gauge > h->gauge_tol) {
    h->verdict = FC_VERDICT_VO_ONLY;
    snprintf(r, rn, "Q/K maps are no score gauge (||R_q^T R_k - I|| = %.3g > "
             "%.3g%s): scores change, folded or online; only the V/O fold is "
             "valid", h->gauge, h->gauge_tol,
             h->q.orth > h->q.orth_tol ? "; R_q not orthogonal" : "");
  } else if (h->q.comm > h->q.comm_tol || g->k.comm > g->k.comm_tol) {
    h->verdict = FC_VERDICT_ONLINE;
    int k = snprintf(r, rn, "%s, off the RoPE commutant by %.3g > %.3g: apply "
                     "online after RoPE (F6 b); planes",
                     h->q.orth <= h->q.orth_tol ? "orthogonal" : "score gauge",
                     h->q.comm, h->q.comm_tol);
    for (int i = 0; i < h->nplanes && k > 0 && (size_t)k < rn; i++)
      k += snprintf(r + k, rn - (size_t)k, " %d-%d", h->plane_i[i],
                    h->plane_j[i]);
  } else {
    h->verdict = FC_VERDICT_FOLDABLE;
    snprintf(r, rn, "%s, commutes with RoPE, Wo compensated%s",
             h->q.orth <= h->q.orth_tol
                 ? "orthogonal"
                 : "non-orthogonal score gauge R_q = R_k^-T (beyond the Lean "
                   "anchors)",
             g->vk_diff > g->vk_tol ? "; V/O uses its own map" : "");
  }
}

/* ------------------------------------------------------- certification
 *
 * The original and the rewritten attention block of one KV group (its
 * heads/kv query heads, its key/value head, the matching columns of Wo; no
 * RMSNorm: x stands for the normalised input, which a head-space fold does
 * not touch; no residual, which adds the same x to both) are evaluated by
 * the MPFR oracle on drawn inputs.  Under H0 with exact weights the two
 * outputs are equal (F4/F5); the storage rounding E of the rewritten
 * weights perturbs them by at most (per token t, 2-norms, from the
 * rewritten pass's own values q', k', v', ctx'):
 *   dq_t = e_q ||x_t||, dk_u = e_k ||x_u||              (Theta orthogonal)
 *   |s'_tu - s_tu| <= (dq_t ||k'_u|| + ||q'_t|| dk_u + dq_t dk_u) / sqrt(d)
 *   ||a'_t - a_t||_1 <= exp(2 max_u |s'_tu - s_tu|) - 1   (softmax ratio)
 *   dctx_t <= e_v max_u ||x_u|| + ||a'_t - a_t||_1 max_u (||v'_u|| + e_v ||x_u||)
 *   ||out'_t - out_t|| <= sum_h e_o,h ||ctx'_t,h|| + (||Wo'_h||_F + e_o,h) dctx_t,h
 * plus the oracle's own error (its coefficients, 2^-P) and the rounding of
 * the difference to double.  e_* are the e_F bounds of the fits. */
typedef struct cert_in {
  size_t n, d, G, T;
  const double *wq, *wk, *wv, *wo; /* group slices, contiguous */
  const double *wq2, *wk2, *wv2, *wo2;
  const double *eq, *nwo2, *eo;    /* per query head of the group */
  double ek, ev;
  const fc_schedule *s;
} cert_in;

static int mp_forward(fc_mp_attn *w, fc_mp_emat *m, const cert_in *ci,
                      const double *wq, const double *wk, const double *wv,
                      const double *wo, const double *x, const long *pos)
{
  fc_mp_emat_set_d(&m[0], wq);
  fc_mp_emat_set_d(&m[1], wk);
  fc_mp_emat_set_d(&m[2], wv);
  fc_mp_emat_set_d(&m[3], wo);
  fc_mp_attn_in in;
  memset(&in, 0, sizeof in);
  in.g = w->g;
  in.x = x;
  in.pos = pos;
  in.sched = ci->s;
  in.causal = 1;
  in.wq = &m[0];
  in.wk = &m[1];
  in.wv = &m[2];
  in.wo = &m[3];
  return fc_mp_attn_forward(w, &in);
}

static double vnorm(const double *a, size_t n)
{
  return frob(a, n);
}

static int certify(fc_audit_cert *ct, const cert_in *ci, uint64_t seed,
                   long cases, long prec, volatile sig_atomic_t *stop,
                   fc_error *err)
{
  size_t n = ci->n, d = ci->d, G = ci->G, T = ci->T;
  fc_mp_attn_dims g = {T, n, d, G, 1, n};
  fc_mp_attn w1, w2;
  fc_mp_emat m[4];
  memset(&w1, 0, sizeof w1);
  memset(&w2, 0, sizeof w2);
  memset(m, 0, sizeof m);
  double *x = malloc(T * n * sizeof *x);
  long *pos = malloc(T * sizeof *pos);
  int rc = x && pos ? FC_OK : FC_ENOMEM;
  if (rc == FC_OK)
    rc = fc_mp_attn_init(&w1, &g, (mpfr_prec_t)prec);
  if (rc == FC_OK)
    rc = fc_mp_attn_init(&w2, &g, (mpfr_prec_t)prec);
  size_t rows[4] = {G * d, d, d, n}, cols[4] = {n, n, n, G * d};
  for (int i = 0; i < 4 && rc == FC_OK; i++)
    rc = fc_mp_emat_init(&m[i], rows[i], cols[i], (mpfr_prec_t)prec);
  ct->cases = cases;
  ct->T = (long)T;
  ct->ratio = -1;
  ct->pass = 1;
  char pid[64];
  snprintf(pid, sizeof pid, "audit.certify.%zu.%zu", ct->layer, ct->group);
  double p2 = ldexp(1, -(int)prec);
  for (long c = 0; c < cases && rc == FC_OK && !(stop && *stop); c++) {
    fc_rng r;
    fc_rng_stream(&r, seed, pid, (uint64_t)c);
    fc_draw dr;
    fc_draw_init_generate(&dr, &r, 1.0, (size_t)1 << 24);
    fc_double_spec sp = {4.0, 0, 0};
    fc_draw_doubles(&dr, x, T * n, &sp);
    /* The block's input is RMSNorm's output: each token scaled to RMS 1
     * (gain 1; a zero token stays zero).  Exact enough: x is then an exact
     * double input of both passes, whatever rounding the scaling did. */
    for (size_t t = 0; t < T; t++) {
      double rms = vnorm(x + t * n, n) / sqrt((double)n);
      if (rms > 0)
        for (size_t i = 0; i < n; i++)
          x[t * n + i] /= rms;
    }
    for (size_t t = 0; t < T; t++)
      pos[t] = fc_draw_position(&dr);
    rc = fc_draw_status(&dr);
    fc_draw_clear(&dr);
    if (rc)
      break;
    rc = mp_forward(&w1, m, ci, ci->wq, ci->wk, ci->wv, ci->wo, x, pos);
    if (rc == FC_OK)
      rc = mp_forward(&w2, m, ci, ci->wq2, ci->wk2, ci->wv2, ci->wo2, x, pos);
    if (rc)
      break;
    double xmax = 0, vmax = 0;
    for (size_t u = 0; u < T; u++) {
      double xn = vnorm(x + u * n, n);
      xmax = fmax(xmax, xn);
      vmax = fmax(vmax, vnorm(w2.v.d + u * d, d) + ci->ev * xn);
    }
    for (size_t t = 0; t < T; t++) {
      double bound = 0, xt = vnorm(x + t * n, n);
      for (size_t h = 0; h < G; h++) {
        double dq = ci->eq[h] * xt;
        double qn = vnorm(w2.q.d + t * G * d + h * d, d);
        double ds = 0;
        for (size_t u = 0; u <= t; u++) {
          double dk = ci->ek * vnorm(x + u * n, n);
          double kn = vnorm(w2.k.d + u * d, d);
          ds = fmax(ds, (dq * kn + qn * dk + dq * dk) / sqrt((double)d));
        }
        double da = expm1(2 * ds);
        double dctx = ci->ev * xmax + da * vmax;
        double cn = vnorm(w2.ctx.d + t * G * d + h * d, d);
        bound += ci->eo[h] * cn + (ci->nwo2[h] + ci->eo[h]) * dctx;
      }
      double diff = 0, on = 0, oe = 0;
      for (size_t i = 0; i < n; i++) {
        double a = w2.out.d[t * n + i], b = w1.out.d[t * n + i];
        diff += (a - b) * (a - b);
        on += a * a + b * b;
        double e = w1.out.e[t * n + i] + w2.out.e[t * n + i];
        oe += e * e;
      }
      diff = sqrt(diff);
      /* oracle error 2^-P sqrt(sum e^2); doubles of the outputs: u |out| */
      bound = bound * (1 + 4 * U_D) + p2 * sqrt(oe) + 2 * U_D * sqrt(on);
      double ratio = bound > 0 ? diff / bound : (diff > 0 ? INFINITY : 0);
      if (ratio > ct->ratio) {
        ct->ratio = ratio;
        ct->diff = diff;
        ct->bound = bound;
        ct->out_norm = sqrt(on / 2);
        ct->worst_case = c;
      }
      if (!(ratio <= 1))
        ct->pass = 0;
    }
  }
  if (rc && err && err->code == 0)
    fc_error_set(err, rc, "certification of layer %zu group %zu: %s",
                 ct->layer, ct->group, fc_strerror(rc));
  for (int i = 0; i < 4; i++)
    fc_mp_emat_clear(&m[i]);
  fc_mp_attn_clear(&w1);
  fc_mp_attn_clear(&w2);
  free(x);
  free(pos);
  return rc;
}

/* ----------------------------------------------------------------- run */

void fc_audit_clear(fc_audit *a)
{
  if (a == NULL)
    return;
  free(a->head);
  free(a->group);
  free(a->cert);
  memset(a, 0, sizeof *a);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The F4/F5 fold of a rotation file, in double: per KV group g (and its
 * query heads) Wq' = R_g Wq, Wk' = R_g Wk, Wv' = R_g Wv, Wo'_h = Wo_h R_g^T.
 * Stored as F64 (no storage rounding beyond the double products). */
static int fold_layer(double **w, fc_dtype *dt, const fc_audit_opts *o,
                      size_t l, size_t H, size_t KV, size_t d, size_t n)
{
  size_t Gq = H / KV;
  for (size_t g = 0; g < KV; g++) {
    const double *R = o->rotation +
        ((o->rot_layers > 1 ? l : 0) * o->rot_groups +
         (o->rot_groups > 1 ? g : 0)) * d * d;
    for (size_t h = g * Gq; h < (g + 1) * Gq; h++) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)n,
                  (int)d, 1.0, R, (int)d, w[0] + h * d * n, (int)n, 0.0,
                  w[4] + h * d * n, (int)n);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d,
                  (int)d, 1.0, w[3] + h * d, (int)(H * d), R, (int)d, 0.0,
                  w[7] + h * d, (int)(H * d));
    }
    for (int k = 1; k <= 2; k++)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)n,
                  (int)d, 1.0, R, (int)d, w[k] + g * d * n, (int)n, 0.0,
                  w[4 + k] + g * d * n, (int)n);
  }
  *dt = FC_DT_F64;
  return FC_OK;
}

int fc_audit_run(fc_audit *a, const fc_ckpt *orig, const fc_ckpt *rew,
                 const fc_audit_opts *o, fc_error *err)
{
  memset(a, 0, sizeof *a);
  double t0 = now_s();
  const fc_ckpt_config *c1 = fc_ckpt_config_get(orig),
                       *c2 = rew ? fc_ckpt_config_get(rew) : c1;
  if (rew == NULL && o->rotation == NULL)
    return fc_error_set(err, FC_EINVAL, "no rewritten checkpoint and no "
                        "rotation");
  if (c1->hidden != c2->hidden || c1->heads != c2->heads ||
      c1->kv_heads != c2->kv_heads || c1->head_dim != c2->head_dim ||
      c1->layers != c2->layers || c1->naming != c2->naming ||
      c1->sched.s.rotary_dim != c2->sched.s.rotary_dim ||
      memcmp(c1->sched.theta, c2->sched.theta,
             c1->head_dim / 2 * sizeof(double)) != 0)
    return fc_error_set(err, FC_EPARSE, "%s/config.json and %s/config.json "
                        "describe different models (sizes, layout or RoPE)",
                        fc_ckpt_dir(orig), rew ? fc_ckpt_dir(rew) : "");
  size_t d = c1->head_dim, H = c1->heads, KV = c1->kv_heads, n = c1->hidden,
         L = c1->layers, Gq = H / KV;
  snprintf(a->orig, sizeof a->orig, "%s", fc_ckpt_dir(orig));
  if (rew)
    snprintf(a->rew, sizeof a->rew, "%s", fc_ckpt_dir(rew));
  else
    snprintf(a->rew, sizeof a->rew, "%s folded in double by %s",
             fc_ckpt_dir(orig), o->rotation_name ? o->rotation_name : "R");
  snprintf(a->model_type, sizeof a->model_type, "%s", c1->model_type);
  snprintf(a->sched_name, sizeof a->sched_name, "%s", c1->sched.name);
  a->d = d;
  a->rotary_dim = c1->sched.s.rotary_dim;
  a->heads = H;
  a->kv = KV;
  a->hidden = n;
  a->layers = L;
  a->seed = o->seed;
  a->u_arith = o->u_arith;
  a->max_pos = c1->max_pos;
  const fc_schedule *s = &c1->sched.s;
  size_t m = d / 2;
  unsigned char *rel = malloc(m * m);
  if (rel == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  int rc = fc_schedule_relations(rel, s, NULL, 0);
  /* The schedule's gap over positions 1 .. max_position_embeddings. */
  if (rc == FC_OK) {
    mpfr_t gp;
    mpfr_init2(gp, 128);
    rc = fc_mp_rope_gap_min(gp, &a->gap_p, &a->gap_i, &a->gap_j, &a->gap_sign,
                            s, rel, c1->max_pos);
    a->gap_inf = mpfr_inf_p(gp);
    a->gap = mpfr_get_d(gp, MPFR_RNDN);
    mpfr_clear(gp);
  }
  size_t nl = 0;
  for (size_t l = 0; l < L; l++)
    nl += o->layers == NULL || o->layers[l];
  size_t ncert = 0;
  if (o->cases > 0)
    for (size_t l = 0; l < L; l++)
      ncert += (o->layers == NULL || o->layers[l]) &&
               (o->cert_layers == NULL || o->cert_layers[l]);
  a->head = calloc(nl * H + 1, sizeof *a->head);
  a->group = calloc(nl * KV + 1, sizeof *a->group);
  a->cert = calloc(ncert * KV + 1, sizeof *a->cert);
  double *w[8] = {0};
  size_t sz[8] = {H * d * n, KV * d * n, KV * d * n, n * H * d,
                  H * d * n, KV * d * n, KV * d * n, n * H * d};
  for (int i = 0; i < 8; i++)
    w[i] = malloc(sz[i] * sizeof(double));
  double *Rk = malloc(KV * d * d * sizeof(double));
  double *A = malloc(KV * d * d * sizeof(double));
  double *Rq = malloc(d * d * sizeof(double));
  double *eq = malloc((Gq + 1) * 3 * sizeof(double));
  double *wog = malloc(2 * n * Gq * d * sizeof(double));
  work wk;
  int wok = work_init(&wk, d, n);
  int nomem = !a->head || !a->group || !a->cert || !Rk || !A || !Rq || !eq ||
              !wog || wok;
  for (int i = 0; i < 8; i++)
    nomem |= w[i] == NULL;
  if (rc == FC_OK && nomem)
    rc = fc_error_set(err, FC_ENOMEM, "out of memory (layer buffers for "
                      "hidden %zu, %zu heads of %zu)", n, H, d);
  for (size_t l = 0; l < L && rc == FC_OK; l++) {
    if (o->stop && *o->stop)
      break;
    if (o->layers && !o->layers[l])
      continue;
    fc_dtype dt1, dt2;
    rc = fc_ckpt_layer(w[0], w[1], w[2], w[3], &dt1, orig, l, err);
    if (rc == FC_OK)
      rc = rew ? fc_ckpt_layer(w[4], w[5], w[6], w[7], &dt2, rew, l, err)
               : fold_layer(w, &dt2, o, l, H, KV, d, n);
    if (rc)
      break;
    if (a->nhead == 0) {
      a->dt_orig = dt1;
      a->dt_rew = dt2;
    } else {
      if (fc_dtype_unit_roundoff(dt1) > fc_dtype_unit_roundoff(a->dt_orig))
        a->dt_orig = dt1;
      if (fc_dtype_unit_roundoff(dt2) > fc_dtype_unit_roundoff(a->dt_rew))
        a->dt_rew = dt2;
    }
    double us = fc_dtype_unit_roundoff(dt2), eta = fc_dtype_subnormal_eta(dt2);
    double uc = rew ? fmax(o->u_arith, U_D) : U_D;
    fc_audit_group *grp = a->group + a->ngroup;
    for (size_t g = 0; g < KV; g++) {
      fc_audit_group *G = &grp[g];
      G->layer = l;
      G->group = g;
      fit(&G->k, Rk + g * d * d, &wk, w[1] + g * d * n, w[5] + g * d * n, n,
          us, eta, uc);
      if (G->k.ok)
        commutant(&G->k, NULL, Rk + g * d * d, &wk, s, rel);
      fit(&G->v, A + g * d * d, &wk, w[2] + g * d * n, w[6] + g * d * n, n,
          us, eta, uc);
      G->inv_fro = G->v.ok ? inv_fro(A + g * d * d, &wk) : -1;
      G->v_invertible = G->inv_fro >= 0;
      double df = 0;
      for (size_t i = 0; i < d * d; i++) {
        double e = A[g * d * d + i] - Rk[g * d * d + i];
        df += e * e;
      }
      G->vk_diff = sqrt(df);
      G->vk_tol = G->v.delta + G->k.delta;
    }
    a->ngroup += KV;
    for (size_t h = 0; h < H; h++) {
      fc_audit_head *hd = &a->head[a->nhead++];
      size_t g = h / Gq;
      hd->layer = l;
      hd->head = h;
      hd->group = g;
      fit(&hd->q, Rq, &wk, w[0] + h * d * n, w[4] + h * d * n, n, us, eta, uc);
      if (hd->q.ok)
        commutant(&hd->q, hd, Rq, &wk, s, rel);
      /* score gauge: Rq^T Rk = I (scores q.k unchanged) */
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d,
                  (int)d, 1.0, Rq, (int)d, Rk + g * d * d, (int)d, 0.0, wk.P,
                  (int)d);
      for (size_t i = 0; i < d; i++)
        wk.P[i * d + i] -= 1;
      hd->gauge = frob(wk.P, d * d);
      double dq = hd->q.delta, dk = grp[g].k.delta;
      hd->gauge_tol = dq * (grp[g].k.normM + dk) + (hd->q.normM + dq) * dk +
                      dq * dk + gam((double)d, U_D) * hd->q.normM * grp[g].k.normM;
      if (grp[g].v_invertible)
        compensation(hd, w[3] + h * d, w[7] + h * d, H * d, A + g * d * d,
                     &grp[g], &wk, us, eta, uc);
      verdict(hd, &grp[g]);
      a->count[hd->verdict]++;
    }
    /* certification */
    if (o->cases > 0 && (o->cert_layers == NULL || o->cert_layers[l])) {
      for (size_t g = 0; g < KV && rc == FC_OK; g++) {
        fc_audit_cert *ct = &a->cert[a->ncert++];
        ct->layer = l;
        ct->group = g;
        double *wo1 = wog, *wo2 = wog + n * Gq * d;
        for (size_t r = 0; r < n; r++) {
          memcpy(wo1 + r * Gq * d, w[3] + r * H * d + g * Gq * d,
                 Gq * d * sizeof(double));
          memcpy(wo2 + r * Gq * d, w[7] + r * H * d + g * Gq * d,
                 Gq * d * sizeof(double));
        }
        fc_audit_head *hh = &a->head[a->nhead - H + g * Gq];
        for (size_t h = 0; h < Gq; h++) {
          eq[h] = hh[h].q.efro;
          eq[Gq + h] = hh[h].eo;
          double s2 = 0;
          for (size_t r = 0; r < n; r++)
            for (size_t cc = 0; cc < d; cc++) {
              double v = wo2[r * Gq * d + h * d + cc];
              s2 += v * v;
            }
          eq[2 * Gq + h] = sqrt(s2);
        }
        cert_in ci = {n, d, Gq, (size_t)o->T,
                      w[0] + g * Gq * d * n, w[1] + g * d * n, w[2] + g * d * n, wo1,
                      w[4] + g * Gq * d * n, w[5] + g * d * n, w[6] + g * d * n, wo2,
                      eq, eq + 2 * Gq, eq + Gq, grp[g].k.efro, grp[g].v.efro, s};
        rc = certify(ct, &ci, o->seed, o->cases, o->prec, o->stop, err);
      }
    }
    if (o->progress)
      fprintf(stderr, "audit: layer %zu/%zu done (%.1f s)\n", l + 1, L,
              now_s() - t0);
  }
  for (int i = 0; i < 8; i++)
    free(w[i]);
  free(Rk);
  free(A);
  free(Rq);
  free(eq);
  free(wog);
  work_clear(&wk);
  free(rel);
  a->seconds = now_s() - t0;
  a->interrupted = o->stop != NULL && *o->stop != 0;
  return rc;
}

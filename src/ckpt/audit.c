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
 *              (Pc is an orthogonal projection; + the rounding of the
 *              double projection, fc_bnd_project),
 *   same rotation for Q and K: ||R^_h - Rk^_g||_F <= delta_q + delta_k,
 *   Wo compensated (Wo'_h = fl(Wo_h A^-1)):
 *     ||Wo'_h A^ - Wo_h||_F <= ||E_o||_F (||A^||_F + delta_v)
 *                              + ||Wo'_h||_F delta_v
 *     with ||E_o||_F <= u_s ||Wo'_h||_F + eta_s sqrt(n d)
 *                       + gamma_d(u_c) ||Wo_h||_F ||A^-1||_F
 *     (+ gamma_d ||Wo'_h||_F ||A^||_F for forming the product).
 * A figure above its bound rejects H0 for that property: the verdict. */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bounds/bounds.h"
#include "ckpt/audit.h"
#include "ckpt/audit_internal.h"
#include "ckpt/stream.h"
#include "kernels/kernels.h"
#include "kernels/rope.h"
#include "oracles/rope.h"
#include "oracles/attention.h"
#include "engine/engine_internal.h"

#define U_D ldexp(1, -53)
/* How far above the measured noise a distance to the commutant must be to
 * be flagged (fit(), commutant()).  The squared distance of pure noise is
 * a sum of about d^2 - d squares (240 at d = 16): its square root stays
 * within a few percent of its mean, and 3x leaves room for rounding errors
 * that are not spread evenly. */
#define FC_AUDIT_NOISE_K 3.0

const char *fc_verdict_name(fc_verdict v)
{
  switch (v) {
  case FC_VERDICT_FOLDABLE: return "foldable";
  case FC_VERDICT_VO_ONLY: return "vo-only";
  case FC_VERDICT_ONLINE: return "online";
  case FC_VERDICT_BROKEN: return "broken";
  case FC_VERDICT_PRUNED: return "pruned";
  }
  return "?";
}

/* LAPACK (OpenBLAS exports it): Cholesky and the inverse of a triangle. */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda,
                    int *info);
extern void dtrtri_(const char *uplo, const char *diag, const int *n,
                    double *a, const int *lda, int *info);

/* Lower Cholesky factor G = L L^T of a symmetric row-major d x d G, then
 * L^-1 in place (lower triangle; the upper is zeroed).  Returns -1 when G
 * is not positive definite.  A row-major lower triangle is the
 * column-major upper one, so LAPACK's 'U' factor G = U^T U gives L = U^T
 * and its triangular inverse U^-1 = (L^-1)^T, i.e. L^-1 in row-major.
 * LAPACK's blocked algorithms obey error bounds of the same form as the
 * unblocked loops this replaces (Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., ch. 10 (Cholesky, |dG| <= gamma_{d+1} |L|
 * |L^T|) and 14.2 (triangular inversion, residual within c d u |X| |L|)),
 * the terms fit() budgets with gamma_{3d}; tests/cli-audit*.sh hold the
 * thresholds to correct and broken rewrites. */
static int chol_inv(double *G, size_t d)
{
  if (d > (size_t)INT_MAX)
    return -1;
  int n = (int)d, info = 0;
  dpotrf_("U", &n, G, &n, &info);
  if (info != 0)
    return -1;
  dtrtri_("U", "N", &n, G, &n, &info);
  if (info != 0)
    return -1;
  for (size_t i = 0; i < d; i++)
    for (size_t j = i + 1; j < d; j++)
      G[i * d + j] = 0;
  return 0;
}

typedef struct work {
  size_t d, n;
  double *G, *C, *Gi, *M, *P, *EP, *tmp;
  double *Pinv; /* G^-1 of the last fit (d x d) */
  double *rss;  /* the last fit's residual sum of squares per row (d) */
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
  w->Pinv = malloc(d * d * sizeof(double));
  w->rss = malloc(d * sizeof(double));
  return w->G && w->C && w->Gi && w->P && w->EP && w->tmp && w->Pinv &&
                 w->rss
             ? 0
             : -1;
}

static void work_clear(work *w)
{
  free(w->G);
  free(w->C);
  free(w->Gi);
  free(w->P);
  free(w->EP);
  free(w->tmp);
  free(w->Pinv);
  free(w->rss);
}

/* Fit Y = M X (X, Y: d x n with leading dimension ld); M (d x d) out.
 * Fills the figures except the commutant ones. */
static void fit(fc_audit_fit *f, double *M, work *w, const double *X,
                const double *Y, size_t ld, double u_s, double eta_s,
                double u_c)
{
  size_t d = w->d, n = w->n;
  memset(f, 0, sizeof *f);
  f->blk_tol = INFINITY; /* the plane test: commutant() */
  f->blk_floor = 2 * atan(1.0);
  cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)d, (int)n, 1.0,
              X, (int)ld, 0.0, w->G, (int)d);
  for (size_t i = 0; i < d; i++)
    for (size_t j = i + 1; j < d; j++)
      w->G[i * d + j] = w->G[j * d + i];
  double nG = fc_ck_frob(w->G, d * d), nX2 = 0, nY2 = 0;
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
  memcpy(w->Pinv, w->P, d * d * sizeof(double));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d,
              (int)d, 1.0, w->C, (int)d, w->P, (int)d, 0.0, M, (int)d);
  double nM = fc_ck_frob(M, d * d);
  f->normM = nM;
  /* e_F and delta (header comment) */
  double gd_c = fc_ck_gam((double)d, u_c);
  f->efro = u_s * nY + eta_s * sqrt((double)d * (double)n) +
            (1 + u_s) * gd_c * nM * nX;
  double comp = tr * fc_ck_gam((double)n, U_D) * (nM * nX2 + nY * nX) +
                fc_ck_gam(3.0 * (double)d, U_D) * nG * tr * nM;
  f->delta = f->efro * sqrt(tr) + comp;
  f->comp = comp;
  /* residual Y - M X */
  for (size_t i = 0; i < d; i++)
    memcpy(w->tmp + i * n, Y + i * ld, n * sizeof(double));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)n,
              (int)d, -1.0, M, (int)d, X, (int)ld, 1.0, w->tmp, (int)n);
  double res = 0;
  for (size_t i = 0; i < d; i++) {
    w->rss[i] = 0;
    for (size_t k = 0; k < n; k++)
      w->rss[i] += w->tmp[i * n + k] * w->tmp[i * n + k];
    res += w->rss[i];
  }
  res = sqrt(res);
  double res_tol = f->efro + fc_ck_gam((double)d, U_D) * nM * nX + comp * nX;
  /* The noise the data show (thresholds from the data): the residual
   * r = Y - M^ X = E (I - P_X) holds n - d of the n dimensions of each row
   * of E; for rounding errors spread evenly (independent entries of
   * variance s^2), s^2 ~ ||r||^2 / (d (n - d)), and M^ - M = E X^+ has
   * E ||E X^+||_F^2 = d s^2 tr G^-1. */
  f->noise = n > d ? res * sqrt(tr / (double)(n - d)) : INFINITY;
  f->res = nY > 0 ? res / nY : res;
  f->res_tol = nY > 0 ? res_tol / nY : res_tol;
  /* orthogonality */
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)d,
              1.0, M, (int)d, M, (int)d, 0.0, w->P, (int)d);
  for (size_t i = 0; i < d; i++)
    w->P[i * d + i] -= 1;
  f->orth = fc_ck_frob(w->P, d * d);
  f->orth_tol = 2 * f->delta + f->delta * f->delta + fc_ck_gam((double)d, U_D) * nM * nM;
}

/* ------------------------------------------------- the plane-pair test
 *
 * The Frobenius distance ||M^ - Pc(M^)||_F sums the noise of all d^2
 * entries, so a mixing of two planes, which moves only the 8 entries of
 * their two off-diagonal blocks, must exceed noise spread over d^2
 * entries: at d = 128 in BF16 it sees 7e-3 rad and no less.  The plane
 * test looks at each block between two planes i < j of distinct
 * frequencies (rel 0: the commutant is 0 there, so the block of M^ is all
 * deviation) against the noise of exactly those entries.
 *
 * Noise model (the data's, as for the Frobenius threshold): row r of E =
 * Y - M X holds rounding errors spread evenly, variance s_r^2, rows
 * independent.  Then row r of M^ - M = E_r X^+ has covariance s_r^2 G^-1,
 * and the residual Y_r - M^_r X = E_r (I - P_X) has expected squared norm
 * s_r^2 (n - d).  Summed over n columns, each entry of M^ - M is a sum of
 * n independent small terms: Gaussian to high accuracy.  For one block,
 * each of its 4 rows r contributes the whitened square
 *   S_r = v^T (s_r^2 G^-1[c, c])^-1 v,  v = (M^[r, c1], M^[r, c2]),
 * c = the two coordinates of the other plane; under H0 the block's
 * S = sum S_r is chi^2 with 8 degrees of freedom.
 *
 * Thresholds (Laurent and Massart, Ann. Statist. 28 (2000), Lemma 1: for
 * chi^2_k, P(X >= k + 2 sqrt(k x) + 2 x) <= e^-x and
 * P(X <= k - 2 sqrt(k x)) <= e^-x), for a false flag probability of at
 * most FC_AUDIT_ALPHA per fitted map:
 *   s_r^2 is replaced by its upper confidence bound rss_r / (k - 2 sqrt(k
 *   x1)), k = n - d, x1 = ln(2 d / alpha) (all d rows at once);
 *   a block is flagged when S > 8 + 2 sqrt(8 x2) + 2 x2, x2 = ln(2 B /
 *   alpha), B the number of blocks tested.
 * The test is off (blk_tol +inf; the Frobenius test decides alone) when
 * k - 2 sqrt(k x1) < k / 2: too few columns to measure each row's noise.
 * At d = 128, n = 4096: x2 = 28.3, threshold 94.6; blk_floor below. */
#define FC_AUDIT_ALPHA 1e-9

static double chi2_upper(double k, double x) { return k + 2 * sqrt(k * x) + 2 * x; }
static double chi2_lower(double k, double x) { return k - 2 * sqrt(k * x); }

/* S_r for row r of M and the coordinates c1, c2 (P = G^-1, var = s_r^2). */
static double whitened(const double *M, const double *P, size_t d, size_t r,
                       size_t c1, size_t c2, double var)
{
  double p11 = P[c1 * d + c1], p22 = P[c2 * d + c2], p12 = P[c1 * d + c2];
  double det = p11 * p22 - p12 * p12;
  double v1 = M[r * d + c1], v2 = M[r * d + c2];
  if (!(det > 0) || !(var > 0))
    return INFINITY;
  return (p22 * v1 * v1 - 2 * p12 * v1 * v2 + p11 * v2 * v2) / (det * var);
}

/* The largest eigenvalue of G^-1 restricted to the coordinates a, b. */
static double lam2(const double *P, size_t d, size_t a, size_t b)
{
  double p11 = P[a * d + a], p22 = P[b * d + b], p12 = P[a * d + b];
  double h = 0.5 * (p11 + p22), q = 0.5 * (p11 - p22);
  return h + sqrt(q * q + p12 * p12);
}

/* Set up the plane test of fit f (w holds its G^-1 and residuals): the
 * per-row variance bounds into var (d), f->blk_tol and f->blk_floor.
 * Returns 0 when the test is off. */
static int plane_test_init(fc_audit_fit *f, double *var, const work *w,
                           const fc_schedule *s, const unsigned char *rel)
{
  size_t d = w->d, n = w->n, m = d / 2, nb = 0;
  f->blk = 0;
  f->blk_tol = INFINITY;
  f->blk_floor = 2 * atan(1.0); /* pi / 2: nothing guaranteed */
  if (!f->ok || n <= d)
    return 0;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++)
      nb += rel[i * m + j] == 0;
  double k = (double)(n - d);
  double lo = chi2_lower(k, log(2.0 * (double)d / FC_AUDIT_ALPHA));
  if (nb == 0 || !(lo >= k / 2))
    return 0;
  double vmax = 0, lmax = 0;
  for (size_t r = 0; r < d; r++) {
    var[r] = w->rss[r] / lo;
    vmax = fmax(vmax, var[r]);
  }
  for (size_t i = 0; i < m; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, s, i);
    lmax = fmax(lmax, lam2(w->Pinv, d, a, b));
  }
  f->blk_tol = chi2_upper(8, log(2.0 * (double)nb / FC_AUDIT_ALPHA));
  /* A Givens mixing by theta of coordinate a (plane i) and c (plane j)
   * puts sin theta times a unit row of R into each of the two blocks
   * (floor_rad below): S >= 2 sin^2 theta / (vmax lmax). */
  f->blk_floor = asin(fmin(1, sqrt(f->blk_tol * vmax * lmax / 2)));
  return 1;
}

/* Distance to the commutant, the plane test, and the offending plane
 * pairs (hd, may be NULL). */
static void commutant(fc_audit_fit *f, fc_audit_head *hd, const double *M,
                      work *w, const fc_schedule *s, const unsigned char *rel)
{
  size_t d = w->d, m = d / 2;
  /* the reference projection's values; its bound from M (src/bounds) */
  fc_kernels_reference()->rope->project(w->P, M, s, rel);
  fc_bnd_project(w->EP, M, s, rel);
  for (size_t i = 0; i < d * d; i++)
    w->tmp[i] = M[i] - w->P[i];
  double dist = fc_ck_frob(w->tmp, d * d);
  double pe = fc_ck_frob(w->EP, d * d) + U_D * f->normM;
  double tol = f->delta + pe;
  f->comm = f->normM > 0 ? dist / f->normM : dist;
  f->comm_bound = f->normM > 0 ? tol / f->normM : tol;
  /* The threshold: FC_AUDIT_NOISE_K times the measured noise of M^ (the
   * distance of pure noise concentrates near its mean: about d^2 - d
   * independent squares), plus our arithmetic, never above the bound. */
  double thr = FC_AUDIT_NOISE_K * f->noise + f->comp + pe;
  if (thr < tol)
    tol = thr;
  f->comm_tol = f->normM > 0 ? tol / f->normM : tol;
  /* w->EP is free again: the per-row variances of the plane test */
  double *var = w->EP;
  int ptest = plane_test_init(f, var, w, s, rel);
  if (hd != NULL)
    hd->nplanes = 0;
  /* block (i, j) and (j, i) together, for i <= j */
  for (size_t i = 0; i < m; i++)
    for (size_t j = i; j < m; j++) {
      size_t ai, bi, aj, bj;
      fc_schedule_plane(&ai, &bi, s, i);
      fc_schedule_plane(&aj, &bj, s, j);
      size_t ri[2] = {ai, bi}, rj[2] = {aj, bj};
      double S = 0;
      if (ptest && i != j && rel[i * m + j] == 0) {
        for (int x = 0; x < 2; x++)
          S += whitened(M, w->Pinv, d, ri[x], aj, bj, var[ri[x]]) +
               whitened(M, w->Pinv, d, rj[x], ai, bi, var[rj[x]]);
        f->blk = fmax(f->blk, S);
      }
      if (hd == NULL)
        continue;
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
      if (!(nb > tol) && !(S > f->blk_tol))
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

/* 1 when fit f rejects "M commutes with RoPE": the Frobenius distance or
 * a plane pair above its threshold. */
static int off_commutant(const fc_audit_fit *f)
{
  return f->comm > f->comm_tol || f->blk > f->blk_tol;
}

/* The detection floor of one fit (audit.h, floor_rad): the smallest angle
 * theta of a Givens rotation G mixing one coordinate a of plane i with one
 * coordinate c of plane j (distinct frequencies), M = G R for a foldable R,
 * that the threshold flags.  Rows a and c of G R are cos R_a -+ sin R_c:
 * the sin parts lie in the off-diagonal blocks (i, j) and (j, i), which
 * are orthogonal to the commutant (block-diagonal), with norm sin theta
 * each (rows of an orthogonal R); the cos parts leave the diagonal blocks
 * diag(cos, 1) R_i, at distance (1 - cos theta) / sqrt 2 each.  So
 *   ||M - Pc(M)||_F = sqrt(2 sin^2 theta + (1 - cos theta)^2)
 *                  >= sqrt(2) sin theta,
 * and every theta with sqrt(2) sin theta > comm_tol ||M||_F is flagged:
 *   theta_floor = asin(min(1, comm_tol ||M||_F / sqrt 2)).
 * (comm_tol is relative to ||M||_F; R non-orthogonal, a score gauge, scales
 * both sides alike to first order.)  The plane test flags down to its own
 * blk_floor (plane_test_init); the floor is the smaller of the two. */
static double floor_rad(const fc_audit_fit *f)
{
  double t = f->normM > 0 ? f->comm_tol * f->normM : f->comm_tol;
  return fmin(asin(fmin(1, t / sqrt(2))), f->blk_floor);
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
  double nWo = fc_ck_frob(w->tmp, n * d), nWo2 = 0;
  for (size_t r = 0; r < n; r++)
    for (size_t c = 0; c < d; c++)
      nWo2 += wo2[r * ldo + c] * wo2[r * ldo + c];
  nWo2 = sqrt(nWo2);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d,
              (int)d, 1.0, wo2, (int)ldo, A, (int)d, -1.0, w->tmp, (int)d);
  double r = fc_ck_frob(w->tmp, n * d);
  double nA = g->v.normM, dv = g->v.delta;
  hd->eo = u_s * nWo2 + eta_s * sqrt((double)n * (double)d) +
           fc_ck_gam((double)d, u_c) * nWo * g->inv_fro;
  double tol = hd->eo * (nA + dv) + nWo2 * dv + fc_ck_gam((double)d, U_D) * nWo2 * nA;
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

/* Biases.  Under H0 a folded bias is b' = fl(M b) (q, k, v: the map of
 * its weight, which the weights determine) or b' = fl(b) (o: Wo' = Wo A^-1
 * leaves the output space alone).  With the recovered M^ (||M^ - M||_F <=
 * delta):
 *   ||b' - M^ b||_2 <= u_s ||b'|| + eta_s sqrt(len)          (storage)
 *                      + (1 + u_s) gamma_d(u_c) ||M^||_F ||b||  (rewriter)
 *                      + delta ||b|| + gamma_d(u) ||M^||_F ||b|| (ours)
 * M = NULL: the identity (the o bias), no arithmetic terms. */
static void bias_check(fc_audit_bias *b, const double *M, double normM,
                       double delta, const double *b0, const double *b1,
                       size_t len, double u_s, double eta_s, double u_c,
                       double *tmp)
{
  double nb0 = fc_ck_frob(b0, len), nb1 = fc_ck_frob(b1, len);
  memcpy(tmp, b1, len * sizeof *tmp);
  if (M)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)len, (int)len, -1.0, M,
                (int)len, b0, 1, 1.0, tmp, 1);
  else
    for (size_t i = 0; i < len; i++)
      tmp[i] -= b0[i];
  b->diff = fc_ck_frob(tmp, len);
  b->norm = nb0;
  b->efro = u_s * nb1 + eta_s * sqrt((double)len);
  if (M)
    b->efro += (1 + u_s) * fc_ck_gam((double)len, u_c) * normM * nb0;
  b->tol = b->efro + (M ? (delta + fc_ck_gam((double)len, U_D) * normM) * nb0 : 0);
}

static int bias_bad(const fc_audit_bias *b)
{
  return b->diff > b->tol;
}

/* "bias ...q_proj.bias (rows of head 3) not folded: ||b' - R_q b|| = 0.5 >
 * 1e-7 (||b|| = 2)"; map NULL (the o bias): "changed: ||b' - b|| = ..." */
static int bias_reason(char *r, size_t rn, const fc_audit_bias *b,
                       const char *what, const char *map)
{
  return snprintf(r, rn, "bias %s (%s) %s: ||b' - %s%sb|| = %.3g > "
                  "%.3g (||b|| = %.3g)%s", b->name, what, map ? "not folded"
                  : "changed", map ? map : "", map ? " " : "", b->diff, b->tol,
                  b->norm, b->in_orig && !b->in_rew ? "; missing from the "
                  "rewritten checkpoint" : !b->in_orig && b->in_rew
                  ? "; absent from the original" : "");
}

static int all_zero(const double *x, size_t rows, size_t cols, size_t ld)
{
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++)
      if (x[r * ld + c] != 0)
        return 0;
  return 1;
}

/* Zero parts of a head in the original and the rewrite (pruning). */
typedef struct zeros {
  int q0, q1, k0, k1, v0, v1, o0, o1; /* Wq_h, Wk_g, Wv_g, Wo_h zero in orig
                                         (0) and rewrite (1) */
} zeros;

static int pruned_verdict(fc_audit_head *h, const fc_audit_group *g,
                          const zeros *z)
{
  char *r = h->reason;
  size_t rn = sizeof h->reason;
  const char *nm[4] = {"Wq", "Wk", "Wv", "Wo"};
  int o[4] = {z->q0, z->k0, z->v0, z->o0}, w[4] = {z->q1, z->k1, z->v1, z->o1};
  for (int i = 0; i < 4; i++)
    if (o[i] && !w[i]) {
      h->verdict = FC_VERDICT_BROKEN;
      snprintf(r, rn, "%s of the head is zero in the original (pruned) but "
               "not in the rewrite", nm[i]);
      return 1;
    }
  int anyb = h->bq.in_orig || h->bq.in_rew || g->bk.in_orig ||
             g->bk.in_rew || g->bv.in_orig || g->bv.in_rew;
  if (z->o0 && z->o1) {
    h->verdict = FC_VERDICT_PRUNED;
    snprintf(r, rn, "Wo columns of the head are zero in both: the head adds "
             "nothing");
    return 1;
  }
  if (anyb)
    return 0; /* a bias keeps a zeroed Q, K or V alive: the general path */
  if (z->v0 && z->v1) {
    h->verdict = FC_VERDICT_PRUNED;
    snprintf(r, rn, "Wv of the group is zero in both: the head adds nothing");
    return 1;
  }
  if ((z->q0 && z->q1) || (z->k0 && z->k1)) {
    if (!g->v.ok || g->v.res > g->v.res_tol || !g->v_invertible ||
        h->comp > h->comp_tol)
      return 0; /* the V/O part is judged as usual */
    h->verdict = FC_VERDICT_PRUNED;
    snprintf(r, rn, "%s zero in both: uniform attention; the V/O fold is "
             "exact", z->q0 ? "Wq of the head" : "Wk of the group");
    return 1;
  }
  return 0;
}

static void verdict(fc_audit_head *h, const fc_audit_group *g,
                    const zeros *z)
{
  char *r = h->reason;
  size_t rn = sizeof h->reason;
  if (pruned_verdict(h, g, z))
    return;
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
  } else if (bias_bad(&h->bq) || bias_bad(&g->bk) || bias_bad(&g->bv) ||
             bias_bad(&g->bo)) {
    h->verdict = FC_VERDICT_BROKEN;
    char what[48];
    snprintf(what, sizeof what, "rows of head %zu", h->head);
    if (bias_bad(&h->bq))
      bias_reason(r, rn, &h->bq, what, "R_q");
    else {
      snprintf(what, sizeof what, "rows of KV group %zu", h->group);
      if (bias_bad(&g->bk))
        bias_reason(r, rn, &g->bk, what, "R_k");
      else if (bias_bad(&g->bv))
        bias_reason(r, rn, &g->bv, what, "A");
      else
        bias_reason(r, rn, &g->bo, "the layer's output", NULL);
    }
  } else if (h->gauge > h->gauge_tol) {
    h->verdict = FC_VERDICT_VO_ONLY;
    snprintf(r, rn, "Q/K maps are no score gauge (||R_q^T R_k - I|| = %.3g > "
             "%.3g%s): scores change, folded or online; only the V/O fold is "
             "valid", h->gauge, h->gauge_tol,
             h->q.orth > h->q.orth_tol ? "; R_q not orthogonal" : "");
  } else if (off_commutant(&h->q) || off_commutant(&g->k)) {
    h->verdict = FC_VERDICT_ONLINE;
    const fc_audit_fit *f = off_commutant(&h->q) ? &h->q : &g->k;
    int k = f->comm > f->comm_tol
                ? snprintf(r, rn, "%s, off the RoPE commutant by %.3g > %.3g: "
                           "apply online after RoPE (F6 b); planes",
                           h->q.orth <= h->q.orth_tol ? "orthogonal"
                                                      : "score gauge",
                           f->comm, f->comm_tol)
                : snprintf(r, rn, "%s, a plane pair off the RoPE commutant "
                           "(noise-whitened %.3g > %.3g): apply online after "
                           "RoPE (F6 b); planes",
                           h->q.orth <= h->q.orth_tol ? "orthogonal"
                                                      : "score gauge",
                           f->blk, f->blk_tol);
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
 * The original and the rewritten attention block of one KV group (its Gq
 * query heads, its key/value head, the matching columns of Wo; no RMSNorm:
 * x stands for the normalised input, which a head-space fold does not
 * touch; no residual, which adds the same x to both) are evaluated by the
 * MPFR oracle on drawn inputs, and their difference is compared with what
 * H0 allows: the bound below.  The bound is built from the perturbation
 * the rewritten weights actually carry, measured against the recovered
 * maps, so that only the part H0 leaves unknown is bounded in norm.
 *
 * Notation (one map; q stands for each query head, k and v alike).  W is
 * the original slice (d x n), W' the rewritten one, b, b' their biases
 * (0 when absent), x_aug = [x; 1] (x alone without biases), q = W x + b
 * the original pre-RoPE vector, q' = W' x + b' the rewritten one.  M^ is
 * the recovered map (fit()), L the Cholesky factor of W W^T, e_F and
 * delta the fit's bounds, comp its share of our arithmetic.
 *
 * Step 1, the perturbation of q.  Under H0 there is an exact foldable R
 * (orthogonal, or a score gauge, in the RoPE commutant; for v an
 * invertible A) with W' = R W + E, b' = R b + e_b, ||E||_F <= e_F,
 * ||e_b|| <= e_b.  Exact least squares gives M - R = E W^+ with
 * W^+ = W^T (W W^T)^-1, and ||M^ - M||_F <= comp.  Then
 *   q' - R q = a + (M^ - R) q,   a = q' - M^ q   (measured, per token),
 *   (M^ - R) q = E W^+ W x + (M^ - M) W x + (M^ - R) b,
 * and W^+ W x = P x (P the orthogonal projection on W's row space),
 * ||P x||^2 = (Wx)^T (W W^T)^-1 (Wx) = ||L^-1 W x||^2, so
 *   ||q' - R q|| <= ||a|| + e_F ||L^-1 W x|| + comp ||W x|| + delta ||b||
 *                 =: dq.
 * Also ||q' - R q|| = ||E x + e_b|| <= (e_F + e_b) ||x_aug|| (the old,
 * input-only bound), and H0 implies both: the bound uses their minimum,
 * so a rewrite whose measured a is large (H0 false) is held to the
 * allowance, not excused by its own error.  a, W x and L^-1 W x are
 * formed in double: |fl(W x) - W x| <= gamma_n |W||x| and the rest add
 *   gamma_n (||W'||_F + ||M^||_F ||W||_F) ||x_aug|| (1 + gamma_d)
 *   + gamma_d ||M^||_F ||q^|| + u ||a^||                    (to ||a||),
 *   ||L^-1||_F gamma_n ||W||_F ||x|| + gamma_d ||L^-1 W x||^ (to that),
 * with ||L^-1||_F = sqrt(tr G^-1) (L^-1 itself computed in double is
 * inside the fit's comp, which this bound reuses as a first-order term).
 * RoPE Theta_t is orthogonal and commutes with R, so the post-RoPE
 * vectors differ by the same dq_t (and dk_u, dv_u: v without RoPE).
 *
 * Step 2, scores.  With q~ = Theta R q, k~ = Theta R k the exact fold
 * (q~ . k~ = q . k, F4/F5) and q', k' the rewritten pass's vectors,
 *   |s'_tu - s_tu| <= (dq_t ||k'_u|| + ||q'_t|| dk_u + dq_t dk_u) / sqrt(d)
 * (q~ . k~ - q' . k' = -(q' - q~).k' - q'.(k' - k~) + (q'-q~).(k'-k~)).
 * Softmax: along a(tau) = softmax(s + tau dl), dl = s' - s, tau in [0, 1],
 * da_u/dtau = a_u (dl_u - abar) with abar = sum_u a_u dl_u, so
 * ||da/dtau||_1 = E_a |dl - abar|, the mean absolute deviation of a
 * variable in [min dl, max dl]; |z - abar| is convex, hence below its
 * chord on that interval, whose mean is 2 (max - abar)(abar - min) /
 * (max - min) <= (max dl - min dl) / 2 <= max_u |dl_u|.  Integrating,
 *   ||a'_t - a_t||_1 <= max_u |s'_tu - s_tu| =: ds_t.
 *
 * Step 3, contexts (causal: u <= t):
 *   ctx'_t - A ctx_t = sum_u a'_tu (v'_u - A v_u) + sum_u (a'_tu - a_tu) A v_u
 *   ||.|| <= max_u dv_u + ||a'_t - a_t||_1 max_u (||v'_u|| + dv_u) =: dctx_t.
 *
 * Step 4, output (per head h of the group; Wo_h its n x d columns):
 *   out' - out = sum_h Wo'_h (ctx'_h - A ctx_h) + (Wo'_h A - Wo_h) ctx_h
 *              + (bo' - bo),
 *   (Wo'_h A - Wo_h) ctx_h = (Wo'_h A^ - Wo_h) ctx_h + Wo'_h (A - A^) ctx_h.
 * The first part summed over h is the measured vector m_t (formed in
 * double from the original pass's ctx, error terms as in step 1); H0 also
 * bounds it by sum_h comp_tol_h ||Wo_h||_F ||ctx_h|| (compensation()), and
 * the bound takes the smaller.  For the second, ctx_h = Wv xbar + b_v with
 * xbar = sum_u a_tu x_u (sum_u a_tu = 1), so as in step 1
 *   ||(A - A^) ctx_h|| <= e_Fv ||Lv^-1 (ctx_h - b_v)|| + comp_v ||ctx_h - b_v||
 *                        + delta_v ||b_v|| =: dA_h.
 * ||Wo'_h||_2 is bounded by sigma_h = (||B^8||_F^(1/8) ||S||_F)^(1/2),
 * S = Wo'_h^T Wo'_h, B = S / ||S||_F (lambda_max(S)^8 <= ||S^8||_F),
 * times 1 + 16 d (gamma_n + gamma_d) for forming S and its powers in
 * double (first order: a relative perturbation eps of S, in Frobenius
 * norm at most sqrt(d) of the spectral one, moves S^8 by 8 sqrt(d) eps),
 * and never above ||Wo'_h||_F.  The bias term is min(||bo' - bo||, e_bo).
 *   ||out'_t - out_t|| <= min(||m_t||, sum_h tol_h ||ctx_h||)
 *                         + min(||bo' - bo||, e_bo)
 *                         + sum_h sigma_h (dctx_t,h + dA_t,h)
 * plus the oracle's own error (its coefficients, 2^-P, added to every
 * norm read off the oracle and to the outputs' difference) and the
 * rounding of the difference to double.
 *
 * Sampled rows: with rows set (o->cert_rows), the output is evaluated on
 * that subset S of the n output rows (Wo, bo restricted); every term above
 * holds for the restricted matrices (||(Wo'A^ - Wo)_S||_F <= the full
 * norm), so the certification covers those rows of the output exactly.
 *
 * Biases ride along exactly: with q/k/v biases the input gets a last
 * coordinate 1 and each weight the bias as its last column (x_aug =
 * [x; 1], W_aug = [W b]), so the oracle computes W x + b.
 *
 * Noise twin (the second test; data-derived like the structural
 * thresholds, not a worst case).  The bound above is a worst case over
 * every rounding H0 allows, adversarially aligned with the input: at Llama
 * scale in F16 it is about half the output norm, far above what rounding
 * does, so a mixing that changes outputs by a percent stays within it.
 * The twin measures what this rewrite's own rounding does: the original
 * weights plus the measured perturbation mapped back to them,
 *   W~ = W + M^-1 (W' - M^ W)   (q, k, v; M^ the recovered map),
 *   Wo~ = Wo + (Wo' A^ - Wo),   bo~ = bo' when ||bo' - bo|| <= e_bo, else bo,
 * i.e. the rewrite with its map undone.  A rewrite that is the rounding of
 * a foldable map differs from the original by that rounding: the residual
 * (I - P) part, which the twin carries, and the part P absorbed into M^,
 * about d / (n - d) of it in squared norm for rounding spread evenly
 * (fit(), noise).  So over all tokens and cases of a group
 *   rho = sqrt(sum ||out' - out||^2 / sum ||out~ - out||^2) / sqrt(n / (n - d))
 * is about 1, and a map off the commutant, which the twin does not carry,
 * raises it by its effect over the rounding's.  The group fails when rho
 * exceeds FC_AUDIT_NOISE_K (the structural thresholds' margin).  The
 * twin's sum gets (4 u ||out||)^2 per token for the doubles' own rounding
 * (an exact F64 fold: both differences are rounding of the doubles).  No
 * twin when a map is not invertible or a fit failed (the structural
 * verdict is then broken or pruned): the bound alone decides. */
typedef struct cert_map {
  const double *M, *Li; /* recovered map, L^-1 (d x d) */
  double ef, comp, delta, allow; /* e_F, comp, delta; (e_F + e_b) */
  double nW, nW2, nM, nLi; /* ||W||_F, ||W'_aug||_F, ||M^||_F, ||L^-1||_F */
} cert_map;

typedef struct cert_in {
  size_t n, d, G, T;
  size_t dm;                       /* n, or n + 1 with q/k/v biases */
  size_t nout;                     /* output rows evaluated (<= n) */
  const double *wq, *wk, *wv, *wo; /* group slices, contiguous, dm columns;
                                      wo: nout x (G d) */
  const double *wq2, *wk2, *wv2, *wo2;
  const cert_map *mq;              /* G query heads */
  cert_map mk, mv;
  const double *tolo;              /* G: comp_tol_h ||Wo_h||_F */
  const double *sig;               /* G: ||Wo'_h||_2 bounds (rows S) */
  double nwo, nwo2;                /* ||Wo_g||_F, ||Wo'_g||_F (rows S) */
  const double *bo, *bo2;          /* o biases (nout) or NULL */
  double ebo;                      /* ||bo' - bo|| allowed by rounding */
  const fc_schedule *s;
  /* The noise twin (NULL: none): the original weights plus the measured
   * rounding perturbation mapped back, W + M^-1 (W' - M^ W) for q, k, v
   * and Wo + (Wo' A^ - Wo) for o (see "Noise twin" above). */
  const double *wqt, *wkt, *wvt, *wot;
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
  return fc_ck_frob(a, n);
}

/* ||value|| of an oracle row plus its error 2^-P ||E||: an upper bound on
 * the exact vector's norm. */
static double onorm(const fc_mp_emat *a, size_t off, size_t len, double p2)
{
  return vnorm(a->d + off, len) + p2 * vnorm(a->e + off, len);
}

/* Step 1 for one map and one token: the bound dq on ||q' - R q||.  W, W2:
 * d x dm slices (bias in column n when dm > n); buf 3 d. */
static double pert(const cert_map *cm, const double *W, const double *W2,
                   const double *x, size_t n, size_t dm, size_t d,
                   double *buf)
{
  double *u = buf, *qh = buf + d, *a = buf + 2 * d;
  double nx = vnorm(x, dm), nxn = vnorm(x, n), nb = 0;
  /* u = W x (no bias), q^ = u + b, a = W2 x_aug - M^ q^ */
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)n, 1.0, W, (int)dm,
              x, 1, 0.0, u, 1);
  for (size_t i = 0; i < d; i++) {
    double bi = dm > n ? W[i * dm + n] : 0;
    qh[i] = u[i] + bi;
    nb += bi * bi;
  }
  nb = sqrt(nb);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)dm, 1.0, W2, (int)dm,
              x, 1, 0.0, a, 1);
  cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, -1.0, cm->M,
              (int)d, qh, 1, 1.0, a, 1);
  double na = vnorm(a, d), nq = vnorm(qh, d), nu = vnorm(u, d);
  double gn = fc_ck_gam((double)dm, U_D), gd = fc_ck_gam((double)d, U_D);
  double ea = gn * (cm->nW2 + cm->nM * cm->nW) * nx * (1 + gd) +
              gd * cm->nM * nq + U_D * na;
  /* L^-1 u (lower triangular) */
  cblas_dtrmv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, (int)d,
              cm->Li, (int)d, u, 1);
  double nl = vnorm(u, d);
  nl += gd * nl + cm->nLi * gn * cm->nW * nxn;
  double meas = na + ea + cm->ef * nl + cm->comp * (nu + gn * cm->nW * nxn) +
                cm->delta * nb;
  return fmin(meas, cm->allow * nx);
}

/* sigma >= ||W||_2 for W (rows x d, leading dimension ld): step 4. */
static double spec_bound(const double *W, size_t rows, size_t d, size_t ld,
                         double *S, double *B)
{
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d,
              (int)rows, 1.0, W, (int)ld, W, (int)ld, 0.0, S, (int)d);
  double nS = fc_ck_frob(S, d * d), tr = 0;
  for (size_t i = 0; i < d; i++)
    tr += S[i * d + i];
  if (!(nS > 0))
    return 0;
  for (size_t i = 0; i < d * d; i++)
    S[i] /= nS;
  for (int k = 0; k < 3; k++) { /* S^2, S^4, S^8 */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d,
                (int)d, 1.0, S, (int)d, S, (int)d, 0.0, B, (int)d);
    memcpy(S, B, d * d * sizeof *S);
  }
  double lam = pow(fc_ck_frob(S, d * d), 1.0 / 8) * nS *
               (1 + 16 * (double)d * (fc_ck_gam((double)rows, U_D) +
                                      fc_ck_gam((double)d, U_D)));
  return sqrt(fmin(lam, tr)); /* tr S = ||W||_F^2 */
}

/* The certification's figures of one fit: W, W2 the original and
 * rewritten d x dm slices (bias column n when dm > n), eb the rewritten
 * bias's rounding bound. */
static int cert_map_set(cert_map *cm, const fc_audit_fit *f, double eb,
                        const double *M, const double *Li, const double *W,
                        const double *W2, size_t n, size_t dm, size_t d,
                        double us, double uc)
{
  double s = 0;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < n; j++)
      s += W[i * dm + j] * W[i * dm + j];
  /* The rewriter's arithmetic term of e_F, (1 + u_s) gamma_d(u_c) ||M||_F
   * ||X||_F (fit()), bounds || |M| |X| ||_F, which we form here (in double,
   * rounding up by gamma_{d+n}): the certification uses the smaller. */
  double *aM = calloc(d * d, sizeof *aM), *aX = calloc(d * n, sizeof *aX),
         *P = malloc(d * n * sizeof *P);
  if (!aM || !aX || !P) {
    free(aM);
    free(aX);
    free(P);
    return FC_ENOMEM;
  }
  for (size_t i = 0; i < d * d; i++)
    aM[i] = fabs(M[i]);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < n; j++)
      aX[i * n + j] = fabs(W[i * dm + j]);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)n,
              (int)d, 1.0, aM, (int)d, aX, (int)n, 0.0, P, (int)n);
  double nabs = fc_ck_frob(P, d * n) * (1 + fc_ck_gam((double)(d + n), U_D));
  free(aM);
  free(aX);
  free(P);
  double gc = (1 + us) * fc_ck_gam((double)d, uc);
  cm->M = M;
  cm->Li = Li;
  cm->ef = f->efro - gc * fmax(0, f->normM * sqrt(s) - nabs);
  cm->comp = f->comp;
  cm->delta = f->delta;
  cm->allow = f->efro + eb;
  cm->nW = sqrt(s);
  cm->nW2 = fc_ck_frob(W2, d * dm);
  cm->nM = f->normM;
  cm->nLi = fc_ck_frob(Li, d * d);
  return FC_OK;
}

/* The noise twin of one map (certify()): dst = W + M^-1 (W2 - M W), all
 * d x dm; M^-1 = (M^T M)^-1 M^T by Cholesky.  sc: 2 d d + d dm.  -1 when
 * M is singular (no twin). */
static int twin_map(double *dst, const double *W, const double *W2,
                    const double *M, size_t d, size_t dm, double *sc)
{
  double *Li = sc, *Mi = sc + d * d, *E = sc + 2 * d * d;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d, (int)d,
              1.0, M, (int)d, M, (int)d, 0.0, Li, (int)d);
  if (chol_inv(Li, d) != 0)
    return -1;
  /* Mi = L^-T (L^-1 M^T) */
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      Mi[i * d + j] = M[j * d + i];
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans,
              CblasNonUnit, (int)d, (int)d, 1.0, Li, (int)d, Mi, (int)d);
  cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit,
              (int)d, (int)d, 1.0, Li, (int)d, Mi, (int)d);
  memcpy(E, W2, d * dm * sizeof *E);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)dm,
              (int)d, -1.0, M, (int)d, W, (int)dm, 1.0, E, (int)dm);
  memcpy(dst, W, d * dm * sizeof *dst);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)dm,
              (int)d, 1.0, Mi, (int)d, E, (int)dm, 1.0, dst, (int)dm);
  return 0;
}

static int cmp_size(const void *a, const void *b)
{
  size_t x = *(const size_t *)a, y = *(const size_t *)b;
  return x < y ? -1 : x > y;
}

static int certify(fc_audit_cert *ct, const cert_in *ci, uint64_t seed,
                   long cases, long prec, volatile sig_atomic_t *stop,
                   fc_error *err)
{
  int twin = ci->wqt != NULL;
  double sd = 0, st = 0; /* sums of ||out' - out||^2, ||out~ - out||^2 */
  size_t n = ci->n, d = ci->d, G = ci->G, T = ci->T, dm = ci->dm,
         no = ci->nout;
  fc_mp_attn_dims g = {T, dm, d, G, 1, no};
  fc_mp_attn w1, w2, w3;
  fc_mp_emat m[4];
  memset(&w1, 0, sizeof w1);
  memset(&w2, 0, sizeof w2);
  memset(&w3, 0, sizeof w3);
  memset(m, 0, sizeof m);
  double *x = malloc(T * dm * sizeof *x);
  long *pos = malloc(T * sizeof *pos);
  /* per token: dq (G), dk, dv; scratch 3 d; y (G d), mv (no) */
  double *dq = malloc((T * (G + 2) + 3 * d + G * d + no) * sizeof *dq);
  int rc = x && pos && dq ? FC_OK : FC_ENOMEM;
  if (rc == FC_OK)
    rc = fc_mp_attn_init(&w1, &g, (mpfr_prec_t)prec);
  if (rc == FC_OK)
    rc = fc_mp_attn_init(&w2, &g, (mpfr_prec_t)prec);
  if (rc == FC_OK && twin)
    rc = fc_mp_attn_init(&w3, &g, (mpfr_prec_t)prec);
  size_t rows[4] = {G * d, d, d, no}, cols[4] = {dm, dm, dm, G * d};
  for (int i = 0; i < 4 && rc == FC_OK; i++)
    rc = fc_mp_emat_init(&m[i], rows[i], cols[i], (mpfr_prec_t)prec);
  ct->cases = cases;
  ct->T = (long)T;
  ct->ratio = -1;
  ct->pass = 1;
  char pid[64];
  snprintf(pid, sizeof pid, "audit.certify.%zu.%zu", ct->layer, ct->group);
  double p2 = ldexp(1, -(int)prec);
  double *dk = dq + T * G, *dv = dk + T, *buf = dv + T, *y = buf + 3 * d,
         *mv = y + G * d;
  /* the twin's o bias: the rewrite's when its change is within the
   * rounding allowance (a rounded copy), else the original's */
  const double *bot = ci->bo;
  if (twin && ci->bo) {
    double e = 0;
    for (size_t i = 0; i < no; i++)
      e += (ci->bo2[i] - ci->bo[i]) * (ci->bo2[i] - ci->bo[i]);
    if (sqrt(e) <= ci->ebo)
      bot = ci->bo2;
  }
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
    for (size_t t = T; dm > n && t-- > 0;) { /* x_aug = [x; 1] */
      memmove(x + t * dm, x + t * n, n * sizeof *x);
      x[t * dm + n] = 1;
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
    if (rc == FC_OK && twin)
      rc = mp_forward(&w3, m, ci, ci->wqt, ci->wkt, ci->wvt, ci->wot, x, pos);
    if (rc)
      break;
    /* step 1 */
    for (size_t t = 0; t < T; t++) {
      const double *xt = x + t * dm;
      for (size_t h = 0; h < G; h++)
        dq[t * G + h] = pert(&ci->mq[h], ci->wq + h * d * dm,
                             ci->wq2 + h * d * dm, xt, n, dm, d, buf);
      dk[t] = pert(&ci->mk, ci->wk, ci->wk2, xt, n, dm, d, buf);
      dv[t] = pert(&ci->mv, ci->wv, ci->wv2, xt, n, dm, d, buf);
    }
    double bv = 0; /* ||b_v|| */
    for (size_t i = 0; dm > n && i < d; i++)
      bv += ci->wv[i * dm + n] * ci->wv[i * dm + n];
    bv = sqrt(bv);
    double gn = fc_ck_gam((double)(G * d), U_D), gd = fc_ck_gam((double)d, U_D);
    double dvmax = 0, vmax = 0;
    for (size_t t = 0; t < T; t++) {
      dvmax = fmax(dvmax, dv[t]);
      vmax = fmax(vmax, onorm(&w2.v, t * d, d, p2) + dv[t]);
      double bound = 0, nctx = 0, allow_m = 0;
      for (size_t h = 0; h < G; h++) {
        /* step 2 */
        double qn = onorm(&w2.q, t * G * d + h * d, d, p2), ds = 0;
        for (size_t u = 0; u <= t; u++) {
          double kn = onorm(&w2.k, u * d, d, p2), e = dq[t * G + h];
          ds = fmax(ds, (e * kn + qn * dk[u] + e * dk[u]) / sqrt((double)d));
        }
        /* step 3 (ds bounds ||a'_t - a_t||_1, step 2) */
        double dctx = dvmax + ds * vmax;
        /* step 4: dA_h from the original pass's ctx_h */
        const double *ch = w1.ctx.d + t * G * d + h * d;
        double ce = p2 * vnorm(w1.ctx.e + t * G * d + h * d, d);
        double cn = vnorm(ch, d) + ce;
        nctx += cn * cn;
        allow_m += ci->tolo[h] * cn;
        for (size_t i = 0; i < d; i++)
          buf[i] = ch[i] - (dm > n ? ci->wv[i * dm + n] : 0);
        double ncb = vnorm(buf, d);
        cblas_dtrmv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit,
                    (int)d, ci->mv.Li, (int)d, buf, 1);
        double nl = vnorm(buf, d) * (1 + gd) +
                    ci->mv.nLi * (ce + U_D * ncb);
        double dA = ci->mv.ef * nl + ci->mv.comp * (ncb + ce) +
                    ci->mv.delta * bv;
        bound += ci->sig[h] * (dctx + dA);
        /* y_h = A^ ctx_h */
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0,
                    ci->mv.M, (int)d, ch, 1, 0.0, y + h * d, 1);
      }
      nctx = sqrt(nctx);
      /* m_t = Wo'_g y - Wo_g ctx_g (measured) */
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)no, (int)(G * d), 1.0,
                  ci->wo2, (int)(G * d), y, 1, 0.0, mv, 1);
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)no, (int)(G * d), -1.0,
                  ci->wo, (int)(G * d), w1.ctx.d + t * G * d, 1, 1.0, mv, 1);
      double nm = vnorm(mv, no), ny = vnorm(y, G * d);
      double ce = p2 * vnorm(w1.ctx.e + t * G * d, G * d);
      double em = gn * (ci->nwo2 * ny + ci->nwo * nctx) +
                  ci->nwo2 * (gd * ci->mv.nM * nctx + ci->mv.nM * ce) +
                  ci->nwo * ce + U_D * nm;
      bound += fmin(nm + em, allow_m);
      double diff = 0, on = 0, oe = 0, db = 0;
      for (size_t i = 0; i < no; i++) {
        double a = w2.out.d[t * no + i], b = w1.out.d[t * no + i];
        if (ci->bo) {
          a += ci->bo2[i];
          b += ci->bo[i];
          db += (ci->bo2[i] - ci->bo[i]) * (ci->bo2[i] - ci->bo[i]);
        }
        diff += (a - b) * (a - b);
        on += a * a + b * b;
        if (twin) {
          double tw = w3.out.d[t * no + i] + (bot ? bot[i] : 0);
          st += (tw - b) * (tw - b);
        }
        double e = w1.out.e[t * no + i] + w2.out.e[t * no + i];
        oe += e * e;
      }
      sd += diff;
      st += 16 * U_D * U_D * on / 2;
      diff = sqrt(diff);
      db = sqrt(db);
      bound += ci->bo ? fmin(db * (1 + U_D), ci->ebo) : 0;
      /* oracle error 2^-P sqrt(sum e^2); doubles of the outputs: u |out| */
      bound = bound * (1 + 4 * U_D) + p2 * sqrt(oe) + 4 * U_D * sqrt(on);
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
  ct->twin = twin;
  if (twin && st > 0) {
    size_t n_ = ci->n > ci->d ? ci->n : ci->d + 1;
    ct->noise_ratio = sqrt(sd / st) / sqrt((double)n_ / (double)(n_ - ci->d));
    if (!(ct->noise_ratio <= FC_AUDIT_NOISE_K))
      ct->pass = 0;
  }
  if (rc && err && err->code == 0)
    fc_error_set(err, rc, "certification of layer %zu group %zu: %s",
                 ct->layer, ct->group, fc_strerror(rc));
  for (int i = 0; i < 4; i++)
    fc_mp_emat_clear(&m[i]);
  fc_mp_attn_clear(&w1);
  fc_mp_attn_clear(&w2);
  fc_mp_attn_clear(&w3);
  free(x);
  free(pos);
  free(dq);
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

/* The F4/F5 fold of a rotation file, in double: per KV group g (and its
 * query heads) Wq' = R_g Wq, Wk' = R_g Wk, Wv' = R_g Wv, Wo'_h = Wo_h R_g^T;
 * biases bq' = R_g bq, bk' = R_g bk, bv' = R_g bv, bo' = bo.  Stored as
 * F64 (no storage rounding beyond the double products). */
static int fold_layer(double **w, double **b, fc_dtype *dt,
                      const fc_audit_opts *o, size_t l, size_t H, size_t KV,
                      size_t d, size_t n)
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
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, R,
                  (int)d, b[0] + h * d, 1, 0.0, b[4] + h * d, 1);
    }
    for (int k = 1; k <= 2; k++) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)n,
                  (int)d, 1.0, R, (int)d, w[k] + g * d * n, (int)n, 0.0,
                  w[4 + k] + g * d * n, (int)n);
      cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, R,
                  (int)d, b[k] + g * d, 1, 0.0, b[4 + k] + g * d, 1);
    }
  }
  memcpy(b[7], b[3], n * sizeof(double));
  *dt = FC_DT_F64;
  return FC_OK;
}

/* A rotation file's own precision (fc_rotation_load's u): its entries are
 * R = Q + F, Q exactly orthogonal, |F_ij| <= u |Q_ij|, so
 *   ||R^T R - I||_F <= 2 ||F||_F + ||F||_F^2 <= 2 u ||R|| + u^2 ||R||^2
 * (||Q||_F ~ ||R||_F, first order) + gamma_d(u53) ||R||_F^2 for forming
 * R^T R in double.  The worst defect and the worst defect/bound ratio go to
 * a->rot_orth, a->rot_orth_tol (the bound of the worst ratio).  Within
 * its bound the defect eps is the file's rounding, and the fold's
 * figures carry it: ||Rq^T Rk - I||, ||R^T R - I|| and ||Wo R^T R - Wo|| /
 * ||Wo|| each grow by at most eps; slack[k] receives it for matrix k (0
 * when it exceeds its bound: then its heads are judged at double precision
 * and flagged), slack[nm + k] and slack[2 nm + k] its defect and bound. */
static int rotation_defect(fc_audit *a, double *slack, const fc_audit_opts *o,
                           size_t d)
{
  size_t nm = o->rot_layers * o->rot_groups;
  double *P = malloc(d * d * sizeof *P), worst = -1, eps_max = 0;
  if (P == NULL)
    return FC_ENOMEM;
  for (size_t k = 0; k < nm; k++) {
    const double *R = o->rotation + k * d * d;
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d,
                (int)d, 1.0, R, (int)d, R, (int)d, 0.0, P, (int)d);
    for (size_t i = 0; i < d; i++)
      P[i * d + i] -= 1;
    double eps = fc_ck_frob(P, d * d), nR = fc_ck_frob(R, d * d), u = o->rotation_u;
    double tol = 2 * u * nR + u * u * nR * nR + fc_ck_gam((double)d, U_D) * nR * nR;
    eps_max = fmax(eps_max, eps);
    slack[k] = eps <= tol ? eps : 0;
    slack[nm + k] = eps;
    slack[2 * nm + k] = tol;
    if (eps / tol > worst) {
      worst = eps / tol;
      a->rot_orth = eps;
      a->rot_orth_tol = tol;
    }
  }
  a->rot_orth = fmax(a->rot_orth, eps_max);
  a->rot_u = o->rotation_u;
  free(P);
  return FC_OK;
}

int fc_audit_run(fc_audit *a, const fc_ckpt *orig, const fc_ckpt *rew,
                 const fc_audit_opts *o, fc_error *err)
{
  memset(a, 0, sizeof *a);
  a->stream = o->stream;
  double t0 = fc_ck_now();
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
  /* Rotation mode: the file's orthogonality to its own precision. */
  double *slacks = NULL, slack = 0;
  if (rc == FC_OK && rew == NULL &&
      ((slacks = malloc(3 * o->rot_layers * o->rot_groups * sizeof *slacks)) ==
           NULL ||
       rotation_defect(a, slacks, o, d) != FC_OK))
    rc = fc_error_set(err, FC_ENOMEM, "out of memory");
  size_t nl = 0;
  for (size_t l = 0; l < L; l++)
    nl += o->layers == NULL || o->layers[l];
  /* Layers to certify: those named, else a sample of the audited ones
   * (first, middle, last; the first and last KV group of each), else all
   * of them. */
  unsigned char *certl = calloc(L + 1, 1);
  size_t ncert = 0, ncg = 0, nseen = 0;
  a->cert_sampled = o->cases > 0 && o->cert_layers == NULL && o->cert_sample;
  for (size_t l = 0; certl && o->cases > 0 && l < L; l++) {
    if (o->layers && !o->layers[l])
      continue;
    if (o->cert_layers)
      certl[l] = o->cert_layers[l];
    else if (a->cert_sampled)
      certl[l] = nseen == 0 || nseen == (nl - 1) / 2 || nseen == nl - 1;
    else
      certl[l] = 1;
    nseen++;
    ncert += certl[l];
  }
  size_t gsel = a->cert_sampled && KV > 2 ? 2 : KV; /* groups per layer */
  ncg = ncert * gsel;
  a->cert_groups_total = nl * KV;
  size_t pdone = 0, ptotal = nl + ncg;
  a->head = calloc(nl * H + 1, sizeof *a->head);
  a->group = calloc(nl * KV + 1, sizeof *a->group);
  a->cert = calloc(ncert * KV + 1, sizeof *a->cert);
  double *w[8] = {0}, *b[8] = {0};
  size_t sz[8] = {H * d * n, KV * d * n, KV * d * n, n * H * d,
                  H * d * n, KV * d * n, KV * d * n, n * H * d};
  size_t bsz[8] = {H * d, KV * d, KV * d, n, H * d, KV * d, KV * d, n};
  for (int i = 0; i < 8; i++) {
    w[i] = malloc(sz[i] * sizeof(double));
    b[i] = malloc(bsz[i] * sizeof(double));
  }
  double *Rk = malloc(KV * d * d * sizeof(double));
  double *A = malloc(KV * d * d * sizeof(double));
  double *Rq = malloc(d * d * sizeof(double));
  /* certification: every head's map and L^-1, the groups' L^-1 (cert_map),
   * the Wo spectral bounds' scratch, the sampled output rows */
  double *MqH = malloc(H * d * d * sizeof(double));
  double *LqH = malloc(H * d * d * sizeof(double));
  double *LkG = malloc(KV * d * d * sizeof(double));
  double *LvG = malloc(KV * d * d * sizeof(double));
  double *sig = malloc((2 * d * d + 2 * Gq + 2 * n) * sizeof(double));
  cert_map *cmq = malloc(Gq * sizeof *cmq);
  size_t nout = o->cert_rows > 0 && o->cert_rows < n ? o->cert_rows : n;
  size_t *orow = malloc(n * sizeof *orow);
  double *wog = malloc(2 * n * Gq * d * sizeof(double));
  double *btmp = malloc((n > d ? n : d) * sizeof(double));
  /* certification slices with a bias column (allocated when needed) */
  double *aug = NULL;
  unsigned char *zq = malloc(H * 2 + KV * 4 + H * 2);
  work wk;
  int wok = work_init(&wk, d, n);
  int nomem = !a->head || !a->group || !a->cert || !Rk || !A || !Rq ||
              !wog || !btmp || !zq || !certl || wok || !MqH || !LqH ||
              !LkG || !LvG || !sig || !cmq || !orow;
  for (int i = 0; i < 8; i++)
    nomem |= w[i] == NULL || b[i] == NULL;
  if (rc == FC_OK && nomem)
    rc = fc_error_set(err, FC_ENOMEM, "out of memory (layer buffers for "
                      "hidden %zu, %zu heads of %zu)", n, H, d);
  for (size_t l = 0; l < L && rc == FC_OK; l++) {
    if (o->stop && *o->stop)
      break;
    if (o->layers && !o->layers[l])
      continue;
    fc_dtype dt1, dt2, bdt1, bdt2 = FC_DT_F64;
    unsigned bp1 = 0, bp2 = 0;
    char bname[4][256];
    rc = fc_ckpt_layer(w[0], w[1], w[2], w[3], &dt1, orig, l, err);
    if (rc == FC_OK)
      rc = fc_ckpt_layer_bias(b[0], b[1], b[2], b[3], &bp1, rew ? NULL : bname,
                              &bdt1, orig, l, err);
    if (rc == FC_OK && rew) {
      rc = fc_ckpt_layer(w[4], w[5], w[6], w[7], &dt2, rew, l, err);
      if (rc == FC_OK)
        rc = fc_ckpt_layer_bias(b[4], b[5], b[6], b[7], &bp2, bname, &bdt2,
                                rew, l, err);
    } else if (rc == FC_OK) {
      rc = fold_layer(w, b, &dt2, o, l, H, KV, d, n);
      bp2 = bp1;
    }
    if (rc)
      break;
    a->bias_orig |= bp1;
    a->bias_rew |= bp2;
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
    /* Residual-stream rotation (stream.c): the heads are judged on the
     * de-rotated weights, the gains fused on both sides; us grows by what
     * the recovered Q's own error adds. */
    if (o->stream && rew &&
        (rc = fc_stream_derotate(o->stream, l, w, b, &us, err)) != FC_OK)
      break;
    double bus = fc_dtype_unit_roundoff(bdt2),
           beta = fc_dtype_subnormal_eta(bdt2);
    double uc = rew ? fmax(o->u_arith, U_D) : U_D;
    /* zero (pruned) parts: q per head, k and v per group, o per head,
     * in the original (first half) and the rewrite */
    unsigned char *zqh = zq, *zkg = zq + 2 * H, *zvg = zkg + 2 * KV,
                  *zoh = zvg + 2 * KV;
    for (int side = 0; side < 2; side++) {
      for (size_t h = 0; h < H; h++) {
        zqh[side * H + h] = (unsigned char)all_zero(w[4 * side] + h * d * n,
                                                    d, n, n);
        zoh[side * H + h] = (unsigned char)all_zero(w[4 * side + 3] + h * d,
                                                    n, d, H * d);
      }
      for (size_t g = 0; g < KV; g++) {
        zkg[side * KV + g] = (unsigned char)all_zero(w[4 * side + 1] +
                                                     g * d * n, d, n, n);
        zvg[side * KV + g] = (unsigned char)all_zero(w[4 * side + 2] +
                                                     g * d * n, d, n, n);
      }
    }
    fc_audit_group *grp = a->group + a->ngroup;
    for (size_t g = 0; g < KV; g++) {
      fc_audit_group *G = &grp[g];
      G->layer = l;
      G->group = g;
      fit(&G->k, Rk + g * d * d, &wk, w[1] + g * d * n, w[5] + g * d * n, n,
          us, eta, uc);
      memcpy(LkG + g * d * d, wk.Gi, d * d * sizeof(double));
      if (G->k.ok)
        commutant(&G->k, NULL, Rk + g * d * d, &wk, s, rel);
      fit(&G->v, A + g * d * d, &wk, w[2] + g * d * n, w[6] + g * d * n, n,
          us, eta, uc);
      memcpy(LvG + g * d * d, wk.Gi, d * d * sizeof(double));
      G->inv_fro = G->v.ok ? inv_fro(A + g * d * d, &wk) : -1;
      G->v_invertible = G->inv_fro >= 0;
      double df = 0;
      for (size_t i = 0; i < d * d; i++) {
        double e = A[g * d * d + i] - Rk[g * d * d + i];
        df += e * e;
      }
      G->vk_diff = sqrt(df);
      G->vk_tol = G->v.delta + G->k.delta;
      /* biases under the group's maps (a zero weight in both: the map is
       * not determined; a zero bias in both is then all there is) */
      fc_audit_bias *bb[3] = {&G->bk, &G->bv, &G->bo};
      const fc_audit_fit *bf[2] = {&G->k, &G->v};
      const double *bM[2] = {Rk + g * d * d, A + g * d * d};
      for (int i = 0; i < 3; i++) {
        unsigned bit = i == 0 ? FC_BIAS_K : i == 1 ? FC_BIAS_V : FC_BIAS_O;
        int k = i == 0 ? 1 : i == 1 ? 2 : 3;
        size_t off = i < 2 ? g * d : 0, len = i < 2 ? d : n;
        bb[i]->in_orig = (bp1 & bit) != 0;
        bb[i]->in_rew = (bp2 & bit) != 0;
        snprintf(bb[i]->name, sizeof bb[i]->name, "%.*s",
                 (int)sizeof bb[i]->name - 1, bname[k]);
        if (i < 2 && !bf[i]->ok) {
          bias_check(bb[i], NULL, 0, 0, b[k] + off, b[4 + k] + off, len, bus,
                     beta, uc, btmp);
          continue;
        }
        bias_check(bb[i], i < 2 ? bM[i] : NULL, i < 2 ? bf[i]->normM : 0,
                   i < 2 ? bf[i]->delta : 0, b[k] + off, b[4 + k] + off, len,
                   bus, beta, uc, btmp);
      }
    }
    a->ngroup += KV;
    for (size_t h = 0; h < H; h++) {
      fc_audit_head *hd = &a->head[a->nhead++];
      size_t g = h / Gq;
      size_t rk = (o->rot_layers > 1 ? l : 0) * o->rot_groups +
                  (o->rot_groups > 1 ? g : 0),
             nrm = o->rot_layers * o->rot_groups;
      if (slacks)
        slack = slacks[rk];
      hd->layer = l;
      hd->head = h;
      hd->group = g;
      fit(&hd->q, Rq, &wk, w[0] + h * d * n, w[4] + h * d * n, n, us, eta, uc);
      memcpy(MqH + h * d * d, Rq, d * d * sizeof(double));
      memcpy(LqH + h * d * d, wk.Gi, d * d * sizeof(double));
      if (hd->q.ok)
        commutant(&hd->q, hd, Rq, &wk, s, rel);
      hd->q.orth_tol += slack;
      /* score gauge: Rq^T Rk = I (scores q.k unchanged) */
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)d,
                  (int)d, 1.0, Rq, (int)d, Rk + g * d * d, (int)d, 0.0, wk.P,
                  (int)d);
      for (size_t i = 0; i < d; i++)
        wk.P[i * d + i] -= 1;
      hd->gauge = fc_ck_frob(wk.P, d * d);
      double dq = hd->q.delta, dk = grp[g].k.delta;
      hd->gauge_tol = dq * (grp[g].k.normM + dk) + (hd->q.normM + dq) * dk +
                      dq * dk + fc_ck_gam((double)d, U_D) * hd->q.normM * grp[g].k.normM +
                      slack;
      if (grp[g].v_invertible) {
        compensation(hd, w[3] + h * d, w[7] + h * d, H * d, A + g * d * d,
                     &grp[g], &wk, us, eta, uc);
        hd->comp_tol += slack;
      }
      hd->bq.in_orig = (bp1 & FC_BIAS_Q) != 0;
      hd->bq.in_rew = (bp2 & FC_BIAS_Q) != 0;
      snprintf(hd->bq.name, sizeof hd->bq.name, "%.*s",
               (int)sizeof hd->bq.name - 1, bname[0]);
      bias_check(&hd->bq, hd->q.ok ? Rq : NULL, hd->q.normM, hd->q.delta,
                 b[0] + h * d, b[4] + h * d, d, bus, beta, uc, btmp);
      if (slack > 0) {
        /* Rotation mode, R orthogonal to its file's precision only: the
         * fold Wo' = Wo R^T is Wo R^-1 + Wo (R^T - R^-1), Wq' = R Wq is
         * the exact score gauge R^-T Wq plus (R - R^-T) Wq, and
         * ||R^T - R^-1||, ||R - R^-T|| <= eps (1 + eps): storage-like
         * errors for the certification's bound. */
        double e1 = slack * (1 + slack), so = 0;
        for (size_t r = 0; r < n; r++)
          for (size_t cc = 0; cc < d; cc++)
            so += w[3][r * H * d + h * d + cc] * w[3][r * H * d + h * d + cc];
        hd->q.efro += e1 * fc_ck_frob(w[0] + h * d * n, d * n);
        hd->eo += e1 * sqrt(so);
        hd->bq.efro += e1 * hd->bq.norm;
      }
      zeros z = {zqh[h], zqh[H + h], zkg[g], zkg[KV + g], zvg[g], zvg[KV + g],
                 zoh[h], zoh[H + h]};
      verdict(hd, &grp[g], &z);
      if (slacks && hd->verdict != FC_VERDICT_FOLDABLE &&
          slacks[nrm + rk] > slacks[2 * nrm + rk])
        snprintf(hd->reason, sizeof hd->reason, "the rotation file's matrix "
                 "for layer %zu group %zu is not orthogonal to the file's "
                 "precision (||R^T R - I||_F = %.3g > %.3g): its fold (Wo "
                 "R^T) does not undo R", l, g, slacks[nrm + rk],
                 slacks[2 * nrm + rk]);
      a->count[hd->verdict]++;
      if (hd->q.ok && grp[g].k.ok && (int)dt2 >= 0 && dt2 < 4) {
        double fl = fmin(floor_rad(&hd->q), floor_rad(&grp[g].k));
        a->floor_rad[dt2] = fmax(a->floor_rad[dt2], fl);
        a->floor_heads[dt2]++;
      }
    }
    /* certification */
    if (o->progress && o->progress_cb) {
      char what[64];
      snprintf(what, sizeof what, "layer %zu checked", l);
      o->progress_cb(o->progress_arg, ++pdone, ptotal, fc_ck_now() - t0, what);
    }
    if (o->cases > 0 && certl[l]) {
      int qkvb = (bp1 | bp2) & (FC_BIAS_Q | FC_BIAS_K | FC_BIAS_V);
      size_t dm = qkvb ? n + 1 : n;
      if (qkvb && aug == NULL) {
        aug = malloc(2 * (Gq + 2) * d * dm * sizeof *aug);
        if (aug == NULL) {
          rc = fc_error_set(err, FC_ENOMEM, "out of memory");
          break;
        }
      }
      for (size_t g = 0; g < KV && rc == FC_OK; g++) {
        if (gsel < KV && g != 0 && g != KV - 1)
          continue;
        fc_audit_cert *ct = &a->cert[a->ncert++];
        ct->layer = l;
        ct->group = g;
        /* the output rows evaluated: all, or a sample of nout drawn
         * from the seed (partial Fisher-Yates, then in order) */
        for (size_t r = 0; r < n; r++)
          orow[r] = r;
        if (nout < n) {
          char rid[64];
          fc_rng rr;
          snprintf(rid, sizeof rid, "audit.certify.rows.%zu.%zu", l, g);
          fc_rng_stream(&rr, o->seed, rid, 0);
          for (size_t i = 0; i < nout; i++) {
            size_t j = i + (size_t)fc_rng_below(&rr, (uint64_t)(n - 1 - i));
            size_t t = orow[i];
            orow[i] = orow[j];
            orow[j] = t;
          }
          qsort(orow, nout, sizeof *orow, cmp_size);
        }
        double *wo1 = wog, *wo2 = wog + n * Gq * d;
        double *S = sig, *B = S + d * d, *sg = B + d * d, *tolo = sg + Gq,
               *bo1 = tolo + Gq, *bo2 = bo1 + n;
        for (size_t i = 0; i < nout; i++) {
          size_t r = orow[i];
          memcpy(wo1 + i * Gq * d, w[3] + r * H * d + g * Gq * d,
                 Gq * d * sizeof(double));
          memcpy(wo2 + i * Gq * d, w[7] + r * H * d + g * Gq * d,
                 Gq * d * sizeof(double));
          bo1[i] = b[3][r];
          bo2[i] = b[7][r];
        }
        fc_audit_head *hh = &a->head[a->nhead - H + g * Gq];
        for (size_t h = 0; h < Gq; h++) {
          double s2 = 0;
          for (size_t r = 0; r < n; r++)
            for (size_t cc = 0; cc < d; cc++) {
              double v = w[3][r * H * d + (g * Gq + h) * d + cc];
              s2 += v * v;
            }
          tolo[h] = hh[h].comp_tol * sqrt(s2);
          sg[h] = spec_bound(wo2 + h * d, nout, d, Gq * d, S, B);
        }
        const double *src[6] = {w[0] + g * Gq * d * n, w[1] + g * d * n,
                                w[2] + g * d * n, w[4] + g * Gq * d * n,
                                w[5] + g * d * n, w[6] + g * d * n};
        const double *slice[6];
        memcpy(slice, src, sizeof slice);
        if (qkvb) {
          /* [W b]: rows of the group's slices with the bias appended */
          const double *bsrc[6] = {b[0] + g * Gq * d, b[1] + g * d,
                                   b[2] + g * d, b[4] + g * Gq * d,
                                   b[5] + g * d, b[6] + g * d};
          double *p = aug;
          for (int i = 0; i < 6; i++) {
            size_t rows = i % 3 == 0 ? Gq * d : d;
            for (size_t r = 0; r < rows; r++) {
              memcpy(p + r * dm, src[i] + r * n, n * sizeof *p);
              p[r * dm + n] = bsrc[i][r];
            }
            slice[i] = p;
            p += rows * dm;
          }
        }
        fc_audit_group *G = &grp[g];
        cert_in ci = {n, d, Gq, (size_t)o->T, dm, nout,
                      slice[0], slice[1], slice[2], wo1,
                      slice[3], slice[4], slice[5], wo2,
                      cmq, {0}, {0}, tolo, sg,
                      fc_ck_frob(wo1, nout * Gq * d), fc_ck_frob(wo2, nout * Gq * d),
                      (bp1 | bp2) & FC_BIAS_O ? bo1 : NULL,
                      (bp1 | bp2) & FC_BIAS_O ? bo2 : NULL, G->bo.efro, s,
                      NULL, NULL, NULL, NULL};
        int mrc = 0;
        for (size_t h = 0; h < Gq; h++)
          mrc |= cert_map_set(&cmq[h], &hh[h].q, qkvb ? hh[h].bq.efro : 0,
                              MqH + (g * Gq + h) * d * d,
                              LqH + (g * Gq + h) * d * d,
                              slice[0] + h * d * dm, slice[3] + h * d * dm, n,
                              dm, d, us, uc);
        mrc |= cert_map_set(&ci.mk, &G->k, qkvb ? G->bk.efro : 0,
                            Rk + g * d * d, LkG + g * d * d, slice[1],
                            slice[4], n, dm, d, us, uc);
        mrc |= cert_map_set(&ci.mv, &G->v, qkvb ? G->bv.efro : 0,
                            A + g * d * d, LvG + g * d * d, slice[2],
                            slice[5], n, dm, d, us, uc);
        /* the noise twin: q heads, k, v, then Wo' A^ (rows S) */
        double *tw = malloc(((Gq + 2) * d * dm + nout * Gq * d +
                             2 * d * d + d * dm) * sizeof *tw);
        if (mrc || tw == NULL) {
          free(tw);
          rc = fc_error_set(err, FC_ENOMEM, "out of memory");
          break;
        }
        double *twq = tw, *twk = twq + Gq * d * dm, *twv = twk + d * dm,
               *two = twv + d * dm, *tsc = two + nout * Gq * d;
        int tok = G->k.ok && G->v.ok && G->v_invertible;
        for (size_t h = 0; h < Gq && tok; h++)
          tok = hh[h].q.ok &&
                twin_map(twq + h * d * dm, slice[0] + h * d * dm,
                         slice[3] + h * d * dm, MqH + (g * Gq + h) * d * d, d,
                         dm, tsc) == 0;
        tok = tok && twin_map(twk, slice[1], slice[4], Rk + g * d * d, d, dm,
                              tsc) == 0;
        tok = tok && twin_map(twv, slice[2], slice[5], A + g * d * d, d, dm,
                              tsc) == 0;
        for (size_t h = 0; h < Gq && tok; h++)
          cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nout,
                      (int)d, (int)d, 1.0, wo2 + h * d, (int)(Gq * d),
                      A + g * d * d, (int)d, 0.0, two + h * d, (int)(Gq * d));
        if (tok) {
          ci.wqt = twq;
          ci.wkt = twk;
          ci.wvt = twv;
          ci.wot = two;
        }
        rc = certify(ct, &ci, o->seed, o->cases, o->prec, o->stop, err);
        free(tw);
        if (o->progress && o->progress_cb) {
          char what[64];
          snprintf(what, sizeof what, "layer %zu group %zu certified", l, g);
          o->progress_cb(o->progress_arg, ++pdone, ptotal, fc_ck_now() - t0,
                         what);
        }
      }
    }
  }
  for (int i = 0; i < 8; i++) {
    free(w[i]);
    free(b[i]);
  }
  free(Rk);
  free(A);
  free(Rq);
  free(MqH);
  free(LqH);
  free(LkG);
  free(LvG);
  free(sig);
  free(cmq);
  free(orow);
  free(wog);
  free(btmp);
  free(aug);
  free(zq);
  free(slacks);
  free(certl);
  work_clear(&wk);
  free(rel);
  a->seconds = fc_ck_now() - t0;
  a->interrupted = o->stop != NULL && *o->stop != 0;
  return rc;
}

/* ------------------------------------------- shared with stream.c
 * The least-squares fit and its bounds, for the residual-stream rotation
 * (audit_internal.h). */
int fc_audit_lsfit(fc_audit_fit *f, double *M, const double *X,
                   const double *Y, size_t d, size_t n, size_t ld,
                   double u_s, double eta_s, double u_c)
{
  work w;
  int bad = work_init(&w, d, n);
  if (!bad)
    fit(f, M, &w, X, Y, ld, u_s, eta_s, u_c);
  work_clear(&w);
  return bad ? FC_ENOMEM : FC_OK;
}

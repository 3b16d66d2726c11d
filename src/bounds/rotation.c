/* rotation.c -- the harness's bounds of its own rotation matrices and of
 * the commutant projection (issue 16, item 3: the attention/RoPE family;
 * declarations in bounds.h, "rotations and the commutant projection").
 *
 * These quantities are computed by the harness, in binary64, from inputs
 * it holds exactly (the drawn Givens parameters, a drawn matrix X): the
 * bounds below are a-priori bounds from those inputs at fp64 (u =
 * fc_fmt_u(FC_FMT_FP64), eta = fc_fmt_eta(FC_FMT_FP64); the model of
 * bounds.h and doc/error-model.md), never from an output of a kernel.
 * Until issue 16 they were computed inside src/kernels/attn.c
 * (fc_attn_givens_bound), props/commutant.c (a second copy) and the rope
 * sub-table's `project`, beside the values. */
#include <math.h>
#include <stdlib.h>
#include "foldcheck.h"
#include "bounds/bounds.h"

/* ------------------------------------------------------------- Givens */

/* fc_givens_build_d (src/engine/givens.c) starts from Q = I (exact) and,
 * for rotation k on rows (i, j) with angle t_k turns, sets every column
 *   q_i' = fl(fl(c q_i) - fl(s q_j)),  q_j' = fl(fl(s q_i) + fl(c q_j)),
 *   c = cos(w), s = sin(w) from libm, w = fl(fl(2 pi) t_k);
 * then negates column 0 when g->reflect (exact).  Let Q* be the exact
 * product (angles exactly 2 pi t_k) and B >= |Q - Q*| entrywise so far.
 * (1) Angle.  fl(2 pi) = 2 fl(pi) is within 0.4 u of 2 pi relatively
 *     (|M_PI - pi| < 1.23e-16 = 0.35 u pi), and the product rounds once
 *     (Higham (2.4)), possibly underflowing (eta/2):
 *       |w - 2 pi t| <= u|w| + 0.4 u |2 pi t| + eta/2 <= ew := 2u|w| + eta
 *     (2 pi |t| <= |w| (1 + u) / (1 - 0.4 u)).
 * (2) libm (the contract's assumption, bounds.h: within 2u of the exact
 *     function at the computed argument, plus eta/2 below the normal
 *     range), then the angle error through the exact function: cos w -
 *     cos(w + dw) = sin(w) dw + O(dw^2), |second order| <= dw^2 / 2 <=
 *     ew^2, so
 *       ec = 2u|c| + eta + ew (|s| + ew) >= |c - cos(2 pi t)|,
 *       es = 2u|s| + eta + ew (|c| + ew) >= |s - sin(2 pi t)|.
 * (3) The 2-term expressions (with or without FMA, Higham (3.4)):
 *       |q_i' - (c q_i - s q_j)| <= gamma_2 (|c q_i| + |s q_j|) + 2 eta
 *     (two products that may underflow, eta/2 each, carried through the
 *     subtraction's rounding: 2 (eta/2)(1 + gamma_2) <= 2 eta).
 * (4) The carried errors and those of c, s:
 *       |(c q_i - s q_j) - (c* q*_i - s* q*_j)| <= ec |q_i| + es |q_j|
 *           + (|c| + ec) B_i + (|s| + es) B_j,
 *     and symmetrically for q_j'.
 * The magnitudes |q| are those of this function's own replay of the
 * recurrence in binary64 (the same operations as fc_givens_build_d: the
 * harness's own evaluation, from g alone; a different evaluation order
 * there would change them by rounding only, second order).  The whole
 * bound is evaluated from nonnegative terms (at most 20 operations per
 * entry and rotation, relative error < gamma_{20 count}(fp64) for the
 * count <= 2^16 rotations drawn) and multiplied at the end by
 * FC_BND_SAFETY (1 + gamma_16) times (1 + gamma_{20 count}). */
int fc_bnd_givens(double *EQ, const fc_givens *g)
{
  if (EQ == NULL || g == NULL || g->n == 0 || g->n > 4096 ||
      (g->count > 0 && (g->i == NULL || g->j == NULL || g->turns == NULL)))
    return FC_EINVAL;
  const size_t n = g->n;
  for (size_t k = 0; k < g->count; k++)
    if (g->i[k] < 0 || g->j[k] < 0 || (size_t)g->i[k] >= n ||
        (size_t)g->j[k] >= n || g->i[k] == g->j[k] || !isfinite(g->turns[k]))
      return FC_EINVAL;
  double *M = malloc(n * n * sizeof *M);
  if (M == NULL)
    return FC_ENOMEM;
  const double u = fc_fmt_u(FC_FMT_FP64), eta = fc_fmt_eta(FC_FMT_FP64);
  const double g2 = fc_fmt_gamma(FC_FMT_FP64, 2);
  for (size_t r = 0; r < n; r++)
    for (size_t s = 0; s < n; s++) {
      M[r * n + s] = r == s;
      EQ[r * n + s] = 0.0;
    }
  for (size_t k = 0; k < g->count; k++) {
    const double w = 2 * M_PI * g->turns[k];
    const double c = cos(w), s = sin(w);
    const double ew = 2 * u * fabs(w) + eta;
    const double ec = 2 * u * fabs(c) + eta + ew * (fabs(s) + ew);
    const double es = 2 * u * fabs(s) + eta + ew * (fabs(c) + ew);
    const size_t i = (size_t)g->i[k], j = (size_t)g->j[k];
    for (size_t col = 0; col < n; col++) {
      const double qi = M[i * n + col], qj = M[j * n + col];
      const double bi = EQ[i * n + col], bj = EQ[j * n + col];
      M[i * n + col] = c * qi - s * qj;
      M[j * n + col] = s * qi + c * qj;
      EQ[i * n + col] = g2 * (fabs(c * qi) + fabs(s * qj)) + 2 * eta +
                        ec * fabs(qi) + es * fabs(qj) +
                        (fabs(c) + ec) * bi + (fabs(s) + es) * bj;
      EQ[j * n + col] = g2 * (fabs(s * qi) + fabs(c * qj)) + 2 * eta +
                        es * fabs(qi) + ec * fabs(qj) +
                        (fabs(s) + es) * bi + (fabs(c) + ec) * bj;
    }
  }
  const double own =
      FC_BND_SAFETY * (1 + fc_fmt_gamma(FC_FMT_FP64, 20.0 * (double)g->count));
  for (size_t r = 0; r < n * n; r++)
    EQ[r] *= own;
  free(M);
  return FC_OK;
}

/* ---------------------------------------------------- commutant projection */

/* Pc(X) block by block (the rope sub-table's `project`, src/kernels/
 * rope.h): a kept coefficient is fl(fl(x + y) / 2) for two entries x, y of
 * the exact input X (al = (x00 + x11)/2, be = (x10 - x01)/2 for the
 * span{I, J} part, ga = (x00 - x11)/2, de = (x01 + x10)/2 for span{K, L});
 * copied and zeroed entries are exact.  The sum rounds once (round to
 * nearest, Higham Thm 2.2: |fl(v) - v| <= u/(1+u) |v|; a sum that
 * underflows is exact), the halving is exact unless the result is
 * subnormal (eta/2):
 *   |y^ - y| <= u/(1+u) |x + y| / 2 + eta/2 <= ... + eta
 * (eta/2 = 2^-1075 is below the smallest double: taken as eta).
 * |x + y| is the exact magnitude of the harness's inputs: the harness's
 * own fl_h(x + y) gives |x + y| <= |fl_h(x + y)| / (1 - u/(1+u)), so
 *   EY = (u / (1+u)) / (1 - u/(1+u)) |fl_h(x + y)| / 2 + eta
 *      = u |fl_h(x + y)| / 2 + eta,
 * times FC_BND_SAFETY for the few roundings of its evaluation.  An input
 * sum that overflows gives +inf (a vacuous bound, reported as such). */
/* The entries (00, 01, 10, 11) of the 2x2 block between planes i and j. */
static void block_at(size_t k[4], const fc_schedule *s, size_t i, size_t j)
{
  size_t r[2], c[2];
  fc_schedule_plane(&r[0], &r[1], s, i);
  fc_schedule_plane(&c[0], &c[1], s, j);
  for (int e = 0; e < 4; e++)
    k[e] = r[e / 2] * s->d + c[e % 2];
}

void fc_bnd_project(double *EY, const double *X, const fc_schedule *s,
                    const unsigned char *rel)
{
  /* eta/2 = 2^-1075 is not a double (it would round to 0): the absolute
   * term is taken as eta, the smallest double above it */
  const double u = fc_fmt_u(FC_FMT_FP64), h = fc_fmt_eta(FC_FMT_FP64);
  const size_t m = s->d / 2;
  for (size_t b = 0; b < m * m; b++) {
    size_t k[4];
    block_at(k, s, b / m, b % m);
    const int same = (rel[b] & FC_REL_SAME) != 0;
    const int anti = (rel[b] & FC_REL_ANTI) != 0;
    double e[2] = {0, 0}; /* the diagonal pair, the off-diagonal pair */
    if (same != anti) {
      /* same: (x00 + x11, x10 - x01); anti: (x00 - x11, x01 + x10) */
      const double sum[2] = {same ? X[k[0]] + X[k[3]] : X[k[0]] - X[k[3]],
                             same ? X[k[2]] - X[k[1]] : X[k[1]] + X[k[2]]};
      for (int t = 0; t < 2; t++)
        e[t] = isfinite(sum[t]) ? (u * fabs(sum[t]) / 2 + h) * FC_BND_SAFETY
                                : INFINITY;
    }
    EY[k[0]] = EY[k[3]] = e[0];
    EY[k[1]] = EY[k[2]] = e[1];
  }
}

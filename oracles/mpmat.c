/* mpmat.c -- matrices of mpfr_t, turns-to-sin/cos and Givens products.
 *
 * The oracle core (oracle.h).  Entries of a matrix share one precision.
 * Allocation: one malloc per matrix holds the entry array and, after it,
 * the limbs of every entry (MPFR's custom interface: mpfr_custom_get_size,
 * mpfr_custom_init_set), so init is one allocation (failure -> FC_ENOMEM)
 * and clear one free, instead of an mpfr_init2 / mpfr_clear per entry
 * (these were ~18% of an F4 oracle evaluation).  Entries are ordinary
 * mpfr_t of precision m->prec for every MPFR function that does not
 * reallocate; what must never be called on an entry: mpfr_clear,
 * mpfr_set_prec, mpfr_prec_round, and mpfr_swap with a variable outside the
 * matrix (it would exchange limb ownership).  Nothing in the tree does
 * (oracles/, props/, src/ckpt/ checked; fc_mpmat_givens uses mpfr_set).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "oracle.h"

/* ------------------------------------------------------------ lifetime */

int fc_mpmat_init(fc_mpmat_t m, size_t rows, size_t cols, mpfr_prec_t prec)
{
  if (m == NULL)
    return FC_EINVAL;
  m->rows = m->cols = 0;
  m->prec = prec;
  m->e = NULL;
  if (prec < MPFR_PREC_MIN || prec > MPFR_PREC_MAX)
    return FC_EINVAL;
  if (cols != 0 && rows > FC_CASE_MAX_ELEMS / cols)
    return FC_EINVAL;
  const size_t n = rows * cols;
  if (n > 0) {
    /* [n mpfr_t][n significands of `limb` bytes], limb a multiple of
     * sizeof(mp_limb_t); the entry array's size is too (mpfr_t holds a
     * pointer), so every significand is limb-aligned. */
    const size_t head = n * sizeof *m->e;
    const size_t limb = mpfr_custom_get_size(prec);
    if (limb == 0 || n > (SIZE_MAX - head) / limb)
      return FC_ENOMEM;
    char *mem = malloc(head + n * limb);
    if (mem == NULL)
      return FC_ENOMEM;
    m->e = (mpfr_t *)(void *)mem;
    for (size_t k = 0; k < n; k++) /* +0 */
      mpfr_custom_init_set(m->e[k], MPFR_ZERO_KIND, 0, prec,
                           mem + head + k * limb);
  }
  m->rows = rows;
  m->cols = cols;
  return FC_OK;
}

void fc_mpmat_clear(fc_mpmat_t m)
{
  if (m == NULL)
    return;
  free(m->e); /* entries and limbs: one block (fc_mpmat_init) */
  m->e = NULL;
  m->rows = m->cols = 0;
}

static size_t nelems(const fc_mpmat_struct *m) { return m->rows * m->cols; }

static int same_shape(const fc_mpmat_struct *a, const fc_mpmat_struct *b)
{
  return a->rows == b->rows && a->cols == b->cols;
}

/* ------------------------------------------------------------- setters */

void fc_mpmat_set_d(fc_mpmat_t m, const double *a)
{
  if (m == NULL || a == NULL)
    return;
  for (size_t k = 0, n = nelems(m); k < n; k++)
    mpfr_set_d(m->e[k], a[k], MPFR_RNDN);
}

void fc_mpmat_set_zero(fc_mpmat_t m)
{
  if (m == NULL)
    return;
  for (size_t k = 0, n = nelems(m); k < n; k++)
    mpfr_set_zero(m->e[k], 1);
}

void fc_mpmat_set_identity(fc_mpmat_t m)
{
  if (m == NULL)
    return;
  for (size_t i = 0; i < m->rows; i++)
    for (size_t j = 0; j < m->cols; j++)
      mpfr_set_ui(FC_MPMAT(m, i, j), i == j, MPFR_RNDN);
}

void fc_mpmat_set(fc_mpmat_t dst, const fc_mpmat_t src)
{
  if (dst == NULL || src == NULL || !same_shape(dst, src) || dst == src)
    return;
  for (size_t k = 0, n = nelems(dst); k < n; k++)
    mpfr_set(dst->e[k], src->e[k], MPFR_RNDN);
}

void fc_mpmat_get_d(double *dst, const fc_mpmat_t src)
{
  if (dst == NULL || src == NULL)
    return;
  for (size_t k = 0, n = nelems(src); k < n; k++)
    dst[k] = mpfr_get_d(src->e[k], MPFR_RNDN);
}

/* ------------------------------------------------------------ products */

int fc_mpmat_mul(fc_mpmat_t C, fc_mpmat_t S, const fc_mpmat_t A,
                 const fc_mpmat_t B)
{
  if (C == NULL || A == NULL || B == NULL)
    return FC_EINVAL;
  if (A->cols != B->rows || C->rows != A->rows || C->cols != B->cols)
    return FC_EINVAL;
  if (S != NULL && !same_shape(S, C))
    return FC_EINVAL;
  /* No aliasing of outputs with inputs (they would be overwritten while
   * still being read), nor of C with S. */
  if (C == A || C == B || (S != NULL && (S == A || S == B || S == C)))
    return FC_EINVAL;
  const size_t n = A->cols;
  if (C->rows == 0 || C->cols == 0)
    return FC_OK;
  if (n == 0) {
    fc_mpmat_set_zero(C);
    if (S != NULL)
      fc_mpmat_set_zero(S);
    return FC_OK;
  }
  /* mpfr_dot takes arrays of pointers: one row of A, one column of B, and,
   * for S, absolute copies of both (exact: same precision, mpfr_abs). */
  const int want_s = S != NULL;
  const size_t nptr = (want_s ? 4 : 2) * n;
  mpfr_ptr *p = malloc(nptr * sizeof *p);
  mpfr_t *abs_a = NULL, *abs_b = NULL;
  if (p == NULL)
    return FC_ENOMEM;
  if (want_s) {
    abs_a = malloc(n * sizeof *abs_a);
    abs_b = malloc(n * sizeof *abs_b);
    if (abs_a == NULL || abs_b == NULL) {
      free(abs_a);
      free(abs_b);
      free(p);
      return FC_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
      mpfr_init2(abs_a[k], A->prec);
      mpfr_init2(abs_b[k], B->prec);
    }
  }
  mpfr_ptr *pa = p, *pb = p + n, *qa = p + 2 * n, *qb = p + 3 * n;
  for (size_t i = 0; i < C->rows; i++) {
    for (size_t k = 0; k < n; k++) {
      pa[k] = FC_MPMAT(A, i, k);
      if (want_s) {
        mpfr_abs(abs_a[k], FC_MPMAT(A, i, k), MPFR_RNDN);
        qa[k] = abs_a[k];
      }
    }
    for (size_t j = 0; j < C->cols; j++) {
      for (size_t k = 0; k < n; k++) {
        pb[k] = FC_MPMAT(B, k, j);
        if (want_s) {
          mpfr_abs(abs_b[k], FC_MPMAT(B, k, j), MPFR_RNDN);
          qb[k] = abs_b[k];
        }
      }
      mpfr_dot(FC_MPMAT(C, i, j), pa, pb, (unsigned long)n, MPFR_RNDN);
      if (want_s)
        mpfr_dot(FC_MPMAT(S, i, j), qa, qb, (unsigned long)n, MPFR_RNDN);
    }
  }
  if (want_s) {
    for (size_t k = 0; k < n; k++) {
      mpfr_clear(abs_a[k]);
      mpfr_clear(abs_b[k]);
    }
    free(abs_a);
    free(abs_b);
  }
  free(p);
  return FC_OK;
}

void fc_mpmat_sub(fc_mpmat_t C, const fc_mpmat_t A, const fc_mpmat_t B)
{
  if (C == NULL || A == NULL || B == NULL || !same_shape(A, B)
      || !same_shape(C, A))
    return;
  for (size_t k = 0, n = nelems(C); k < n; k++)
    mpfr_sub(C->e[k], A->e[k], B->e[k], MPFR_RNDN);
}

void fc_mpmat_add(fc_mpmat_t C, const fc_mpmat_t A, const fc_mpmat_t B)
{
  if (C == NULL || A == NULL || B == NULL || !same_shape(A, B)
      || !same_shape(C, A))
    return;
  for (size_t k = 0, n = nelems(C); k < n; k++)
    mpfr_add(C->e[k], A->e[k], B->e[k], MPFR_RNDN);
}

void fc_mpmat_transpose(fc_mpmat_t T, const fc_mpmat_t A)
{
  if (T == NULL || A == NULL || T == A || T->rows != A->cols
      || T->cols != A->rows)
    return;
  for (size_t i = 0; i < A->rows; i++)
    for (size_t j = 0; j < A->cols; j++)
      mpfr_set(FC_MPMAT(T, j, i), FC_MPMAT(A, i, j), MPFR_RNDN);
}

/* ---------------------------------------------------------------- norms */

/* sqrt(sum a^2): the sum of squares by a sequence of correctly rounded
 * fused steps at prec(r) + 32 bits (relative error below (n+1) 2^-(p+32)),
 * then one rounding of the square root to r's precision. */
void fc_mpmat_frob(mpfr_t r, const fc_mpmat_t A)
{
  if (A == NULL)
    return;
  mpfr_t acc;
  mpfr_init2(acc, mpfr_get_prec(r) + 32);
  mpfr_set_zero(acc, 1);
  for (size_t k = 0, n = nelems(A); k < n; k++)
    mpfr_fma(acc, A->e[k], A->e[k], acc, MPFR_RNDN);
  mpfr_sqrt(r, acc, MPFR_RNDN);
  mpfr_clear(acc);
}

void fc_mpmat_maxabs(mpfr_t r, const fc_mpmat_t A)
{
  mpfr_set_zero(r, 1);
  if (A == NULL)
    return;
  for (size_t k = 0, n = nelems(A); k < n; k++)
    if (mpfr_cmpabs(A->e[k], r) > 0)
      mpfr_abs(r, A->e[k], MPFR_RNDN);
}

/* ------------------------------------------------------- sin/cos (turns) */

/* The reduction is exact in double: with t >= 0,
 *   t mod 1                 fmod is exact;
 *   t - 1/2 on [1/2, 1)     exact by Sterbenz's lemma (t/2 <= 1/2 <= t);
 *   t - 1/4 on [1/4, 1/2)   exact by Sterbenz;
 *   1/4 - t on (1/8, 1/4)   exact by Sterbenz;
 * leaving t in [0, 1/8] with sign/swap bookkeeping (sin(-x) = -sin x,
 * x + pi: both negate, x + pi/2: (sin, cos) -> (cos, -sin), pi/2 - x: swap).
 * t = 0 and t = 1/8 are set exactly / correctly rounded (sqrt(2)/2); other t
 * form w = 2 pi t at max(prec) + 32 bits (relative error < 2^-(p+30)) and
 * call mpfr_sin_cos, whose outputs are then within 2^-(p+29) relative of
 * sin/cos (0 < w <= pi/4: both condition numbers are below 1). */
/* s and c must be distinct variables (mpfr_sin_cos). */
void fc_mp_sincos_turns(mpfr_t s, mpfr_t c, double t)
{
  if (isnan(t) || isinf(t)) {
    mpfr_set_nan(s);
    mpfr_set_nan(c);
    return;
  }
  int neg_s = 0, neg_c = 0, swap = 0;
  if (t < 0) {
    t = -t;
    neg_s = 1;
  }
  t = fmod(t, 1.0);
  if (t >= 0.5) { /* w + pi */
    t -= 0.5;
    neg_s ^= 1;
    neg_c ^= 1;
  }
  if (t >= 0.25) { /* w + pi/2: sin -> cos, cos -> -sin */
    t -= 0.25;
    /* (s, c) = (cos x, -sin x): swap, then negate the new cos. */
    const int ns = neg_s, nc = neg_c;
    swap = 1;
    neg_s = ns;      /* sign applied to what lands in s (cos x) */
    neg_c = nc ^ 1;  /* sign applied to what lands in c (sin x) */
  }
  if (t > 0.125) { /* x = pi/2 - y: sin x = cos y, cos x = sin y */
    t = 0.25 - t;
    swap ^= 1;
  }
  /* Now the result is s = (+-) f(y), c = (+-) g(y), y = 2 pi t in
   * [0, pi/4], with (f, g) = (sin, cos) when !swap and (cos, sin) when
   * swap. */
  mpfr_ptr ps = swap ? c : s; /* receives sin y */
  mpfr_ptr pc = swap ? s : c; /* receives cos y */
  if (t == 0.0) {
    mpfr_set_zero(ps, 1);
    mpfr_set_ui(pc, 1, MPFR_RNDN);
  } else if (t == 0.125) {
    mpfr_sqrt_ui(ps, 2, MPFR_RNDN);
    mpfr_div_2ui(ps, ps, 1, MPFR_RNDN);
    mpfr_sqrt_ui(pc, 2, MPFR_RNDN);
    mpfr_div_2ui(pc, pc, 1, MPFR_RNDN);
  } else {
    mpfr_prec_t wp = mpfr_get_prec(s);
    if (mpfr_get_prec(c) > wp)
      wp = mpfr_get_prec(c);
    wp += 32;
    mpfr_t w;
    mpfr_init2(w, wp);
    mpfr_const_pi(w, MPFR_RNDN);
    mpfr_mul_d(w, w, t, MPFR_RNDN);
    mpfr_mul_2ui(w, w, 1, MPFR_RNDN);
    mpfr_sin_cos(ps, pc, w, MPFR_RNDN);
    mpfr_clear(w);
  }
  if (neg_s)
    mpfr_neg(s, s, MPFR_RNDN);
  if (neg_c)
    mpfr_neg(c, c, MPFR_RNDN);
  /* Exact zeros are +0 whatever the bookkeeping did to them. */
  if (mpfr_zero_p(s))
    mpfr_set_zero(s, 1);
  if (mpfr_zero_p(c))
    mpfr_set_zero(c, 1);
}

/* ------------------------------------------------------------- Givens */

int fc_mpmat_givens(fc_mpmat_t Q, const fc_givens *g)
{
  if (Q == NULL || g == NULL || Q->rows != g->n || Q->cols != g->n)
    return FC_EINVAL;
  if (g->count > 0 && (g->i == NULL || g->j == NULL || g->turns == NULL))
    return FC_EINVAL;
  for (size_t k = 0; k < g->count; k++) {
    if (g->i[k] < 0 || g->j[k] < 0 || (size_t)g->i[k] >= g->n
        || (size_t)g->j[k] >= g->n || g->i[k] == g->j[k])
      return FC_EINVAL;
    if (!isfinite(g->turns[k]))
      return FC_EINVAL;
  }
  fc_mpmat_set_identity(Q);
  if (g->n == 0)
    return FC_OK;
  mpfr_t cs, sn, a, b;
  mpfr_inits2(Q->prec, cs, sn, a, b, (mpfr_ptr)0);
  /* Q <- G_k Q for k = 1..count, so Q = G_count ... G_1.  G(i, j, w)
   * mixes rows i and j:  row_i <- c row_i - s row_j,
   *                      row_j <- s row_i + c row_j,
   * each entry one correctly rounded mpfr_fmms / mpfr_fmma. */
  for (size_t k = 0; k < g->count; k++) {
    const size_t i = (size_t)g->i[k], j = (size_t)g->j[k];
    fc_mp_sincos_turns(sn, cs, g->turns[k]);
    for (size_t col = 0; col < g->n; col++) {
      mpfr_fmms(a, cs, FC_MPMAT(Q, i, col), sn, FC_MPMAT(Q, j, col),
                MPFR_RNDN);
      mpfr_fmma(b, sn, FC_MPMAT(Q, i, col), cs, FC_MPMAT(Q, j, col),
                MPFR_RNDN);
      /* mpfr_set, not mpfr_swap: entries' limbs belong to Q's block
       * (exact: a, b have Q's precision) */
      mpfr_set(FC_MPMAT(Q, i, col), a, MPFR_RNDN);
      mpfr_set(FC_MPMAT(Q, j, col), b, MPFR_RNDN);
    }
  }
  if (g->reflect) /* Q <- Q diag(-1, 1, ..., 1): negate column 0 */
    for (size_t row = 0; row < g->n; row++)
      mpfr_neg(FC_MPMAT(Q, row, 0), FC_MPMAT(Q, row, 0), MPFR_RNDN);
  mpfr_clears(cs, sn, a, b, (mpfr_ptr)0);
  return FC_OK;
}

/* attn.c -- attention kernels, values only (F4, F5, F6).
 *
 * The reference block and its mutants compute values; the bound each
 * property judges them against is the harness's (src/bounds:
 * fc_bnd_block, fc_bnd_attention, fc_bnd_fold, fc_bnd_givens; issue 16
 * item 3), derived from the inputs at the declared arithmetic (fp64/fp64
 * for these tables), so a mutant is judged against the same bound as the
 * reference.
 *
 * Determinism and OpenBLAS: see attn.h.
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "attn.h"
#include "rope.h"

static int dims_ok(size_t a, size_t b, size_t c)
{
  return a <= (size_t)INT_MAX && b <= (size_t)INT_MAX && c <= (size_t)INT_MAX;
}

/* Buffers of the attention block can be heads T^2 doubles (0.5 GB for one
 * head at T = 4096), allocated afresh by every call: in 4 KiB pages each
 * call pays a page fault per 4 KiB on first touch, which measured most of
 * a nightly T = 4096 case.  Buffers of 32 MiB and more are therefore
 * aligned to 2 MiB and offered to transparent huge pages (madvise, a hint:
 * where the system refuses, nothing changes but the speed).  zero: as
 * calloc.  NULL on failure; release with free(). */
static void *big_alloc(size_t n, int zero)
{
  const size_t huge = (size_t)2 << 20;
  if (n < ((size_t)32 << 20))
    return zero ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
  void *p = NULL;
  if (posix_memalign(&p, huge, n) != 0)
    return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, n / huge * huge, MADV_HUGEPAGE);
#endif
  if (zero)
    memset(p, 0, n);
  return p;
}

/* ------------------------------------------------------------------ gemm */

static int gemm_args_ok(const double *C, size_t ldc, const double *A,
                        size_t lda, const double *B, size_t ldb, int transb,
                        size_t m, size_t n, size_t kk)
{
  if (m == 0 || n == 0)
    return 1;
  if (C == NULL || ldc < n)
    return 0;
  if (kk == 0)
    return 1;
  if (A == NULL || B == NULL || lda < kk || ldb < (transb ? kk : n))
    return 0;
  return dims_ok(m, n, kk) && dims_ok(lda, ldb, ldc);
}

static void zero_out(double *C, size_t ldc, size_t m, size_t n)
{
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++)
      C[i * ldc + j] = 0.0;
}

static int gemm_ref(double *C, size_t ldc, const double *A, size_t lda,
                    const double *B, size_t ldb, int transb, size_t m,
                    size_t n, size_t kk)
{
  if (!gemm_args_ok(C, ldc, A, lda, B, ldb, transb, m, n, kk))
    return FC_EINVAL;
  if (m == 0 || n == 0)
    return FC_OK;
  if (kk == 0) {
    zero_out(C, ldc, m, n);
    return FC_OK;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, transb ? CblasTrans : CblasNoTrans,
              (int)m, (int)n, (int)kk, 1.0, A, (int)lda, B, (int)ldb, 0.0, C,
              (int)ldc);
  return FC_OK;
}

/* Mutant: products accumulated in binary32 (a "mixed precision" kernel that
 * forgot to widen its accumulator). */
static int gemm_float(double *C, size_t ldc, const double *A, size_t lda,
                      const double *B, size_t ldb, int transb, size_t m,
                      size_t n, size_t kk)
{
  if (!gemm_args_ok(C, ldc, A, lda, B, ldb, transb, m, n, kk))
    return FC_EINVAL;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      float acc = 0.0f;
      for (size_t l = 0; l < kk; l++) {
        const size_t ib = transb ? j * ldb + l : l * ldb + j;
        acc += (float)A[i * lda + l] * (float)B[ib];
      }
      C[i * ldc + j] = (double)acc;
    }
  return FC_OK;
}

/* --------------------------------------------------------------- rmsnorm */

/* y_ti = g_i * (x_ti / r_t), r_t = sqrt(ss_t / n + eps), ss_t = sum x_ti^2
 * (bound: fc_bnd_block's RMSNorm stage). */
static int rmsnorm_ref(double *y, const double *x, const double *gain,
                       double eps, size_t T, size_t n)
{
  if (y == NULL || x == NULL || gain == NULL || n == 0 || !(eps >= 0) ||
      y == x)
    return FC_EINVAL;
  for (size_t t = 0; t < T; t++) {
    const double *xr = x + t * n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
      ss += xr[i] * xr[i];
    const double v = ss / (double)n + eps;
    const double r = sqrt(v);
    for (size_t i = 0; i < n; i++)
      y[t * n + i] = gain[i] * (xr[i] / r);
  }
  return FC_OK;
}

/* ----------------------------------------------------------------- embed */

/* RoPE of each row through k->rope: y_t <- Theta(pos_t) y_t. */
static int embed_rope(const fc_kernels *k, double *y, size_t ld, size_t T,
                      const fc_schedule *s, const long *pos)
{
  if (k == NULL || k->rope == NULL || k->rope->apply == NULL || pos == NULL)
    return FC_EINVAL;
  for (size_t t = 0; t < T; t++)
    k->rope->apply(y + t * ld, y + t * ld, s, pos[t]); /* in place */
  return FC_OK;
}

static int embed_check(double *y, size_t ld, const fc_schedule *s)
{
  if (y == NULL)
    return FC_EINVAL;
  if (s != NULL && (s->d < 2 || s->d % 2 != 0 || ld < s->d))
    return FC_EINVAL;
  return FC_OK;
}

/* Queries and keys carry the position; values do not (SPEC F4). */
static int embed_ref(const fc_kernels *k, double *y, size_t ld, size_t T,
                     const fc_schedule *s, const long *pos, int role)
{
  int rc = embed_check(y, ld, s);
  if (rc != FC_OK || s == NULL || role == FC_ATTN_V)
    return rc;
  return embed_rope(k, y, ld, T, s, pos);
}

/* Mutant: RoPE applied to the values too. */
static int embed_ropev(const fc_kernels *k, double *y, size_t ld, size_t T,
                       const fc_schedule *s, const long *pos, int role)
{
  (void)role;
  int rc = embed_check(y, ld, s);
  if (rc != FC_OK || s == NULL)
    return rc;
  return embed_rope(k, y, ld, T, s, pos);
}

/* ---------------------------------------------------------------- scores */

/* s_tu = fl(fl(q_t . k_u) * c_hat), c_hat = fl(1 / fl(sqrt(d))).
 * `scale` is 0 for the mutant that forgets 1/sqrt(d); `shift` moves the
 * causal mask (0: u <= t; 1: the mutant's u <= t + 1). */
static int scores_impl(const fc_kernels *k, double *s, const double *q,
                       size_t ldq, const double *kk, size_t ldk, size_t T,
                       size_t d, int causal, int scale, size_t shift)
{
  if (k == NULL || k->attn == NULL || s == NULL || d == 0)
    return FC_EINVAL;
  int rc = k->attn->gemm(s, T, q, ldq, kk, ldk, 1, T, T, d);
  if (rc != FC_OK)
    return rc;
  const double c = 1.0 / sqrt((double)d);
  for (size_t t = 0; t < T; t++)
    for (size_t u = 0; u < T; u++) {
      const size_t i = t * T + u;
      if (causal && u > t + shift)
        s[i] = -INFINITY;
      else if (scale)
        s[i] *= c;
    }
  return FC_OK;
}

#define SCORES_FN(name, scale, shift)                                        \
  static int name(const fc_kernels *k, double *s, const double *q,           \
                  size_t ldq, const double *kk, size_t ldk, size_t T,        \
                  size_t d, int causal)                                      \
  {                                                                          \
    return scores_impl(k, s, q, ldq, kk, ldk, T, d, causal, scale, shift);   \
  }
SCORES_FN(scores_ref, 1, 0)
SCORES_FN(scores_noscale, 0, 0) /* mutant: no 1/sqrt(d) */
SCORES_FN(scores_causal, 1, 1)  /* mutant: the mask lets u = t + 1 in */

/* --------------------------------------------------------------- softmax */

/* One row: a_u = e_u / S, e_u = fl(exp(z_u)), z_u = fl(s_u - m), S = sum
 * e_u in index order, over the unmasked entries.  The reference subtracts
 * m = max_u s_u; the mutant (sub_max = 0) uses m = 0.  NaN or +inf scores,
 * or a row with nothing to attend to, give NaN weights. */
static void softmax_row(double *a, const double *s, size_t T, int sub_max)
{
  double m = -INFINITY;
  size_t n = 0;
  int bad = 0;
  for (size_t u = 0; u < T; u++) {
    if (s[u] == -INFINITY)
      continue;
    if (!isfinite(s[u]))
      bad = 1;
    n++;
    if (s[u] > m)
      m = s[u];
  }
  if (n == 0 || bad) {
    for (size_t u = 0; u < T; u++)
      a[u] = NAN;
    return;
  }
  if (!sub_max)
    m = 0.0;
  double sum = 0.0;
  for (size_t u = 0; u < T; u++) {
    if (s[u] == -INFINITY)
      continue;
    a[u] = exp(s[u] - m); /* e_u for now */
    sum += a[u];
  }
  for (size_t u = 0; u < T; u++)
    a[u] = s[u] == -INFINITY ? 0.0 : a[u] / sum;
}

/* Rows are copied first, so a may alias s. */
static int softmax_impl(double *a, const double *s, size_t T, int sub_max)
{
  if (a == NULL || s == NULL || T == 0)
    return FC_EINVAL;
  double *row = malloc(T * sizeof *row);
  if (row == NULL)
    return FC_ENOMEM;
  for (size_t t = 0; t < T; t++) {
    memcpy(row, s + t * T, T * sizeof *row);
    softmax_row(a + t * T, row, T, sub_max);
  }
  free(row);
  return FC_OK;
}

static int softmax_ref(double *a, const double *s, size_t T)
{
  return softmax_impl(a, s, T, 1);
}

/* Mutant: no max subtraction (exp(s) overflows once s > 709.78). */
static int softmax_nomax(double *a, const double *s, size_t T)
{
  return softmax_impl(a, s, T, 0);
}

/* ------------------------------------------------------------------ fold */

/* W2 = R W: a product of inner length d (bound: fc_bnd_fold). */
static int fold_left_ref(const fc_kernels *k, double *W2, size_t ldw,
                         const double *R, const double *W, size_t d, size_t n)
{
  if (k == NULL || k->attn == NULL || W2 == W)
    return FC_EINVAL;
  return k->attn->gemm(W2, ldw, R, d, W, ldw, 0, d, n, d);
}

/* W2 = W R^T (column block of Wo): gemm with B = R transposed. */
static int fold_right_t_ref(const fc_kernels *k, double *W2, size_t ldw,
                            const double *W, const double *R, size_t rows,
                            size_t d)
{
  if (k == NULL || k->attn == NULL || W2 == W)
    return FC_EINVAL;
  return k->attn->gemm(W2, ldw, W, ldw, R, d, 1, rows, d, d);
}

/* Mutant: W2 = W R (the transpose forgotten). */
static int fold_right_r(const fc_kernels *k, double *W2, size_t ldw,
                        const double *W, const double *R, size_t rows,
                        size_t d)
{
  if (k == NULL || k->attn == NULL || W2 == W)
    return FC_EINVAL;
  return k->attn->gemm(W2, ldw, W, ldw, R, d, 0, rows, d, d);
}

/* ----------------------------------------------------------------- block */

typedef struct ws {
  double *xn, *q, *k, *v, *s, *a, *ctx, *out, *tmp;
  double *mem;
} ws;

/* all_heads 0: the scores and probabilities of one head at a time (the
 * caller keeps neither), T^2 instead of heads T^2 of each. */
static int ws_alloc(ws *w, const fc_attn_geom *g, int norm, int all_heads)
{
  const size_t hd = g->heads * g->d, kvd = g->kv * g->d, TT = g->T * g->T;
  const size_t nxn = norm ? g->T * g->dm : 0;
  const size_t nS = (all_heads ? g->heads : 1) * TT;
  const size_t sizes[] = {nxn,       g->T * hd, g->T * kvd,
                          g->T * kvd, nS,        nS,
                          g->T * hd, g->T * g->dout, g->T * g->d};
  double **ptrs[] = {&w->xn, &w->q,   &w->k,   &w->v,  &w->s,
                     &w->a,  &w->ctx, &w->out, &w->tmp};
  size_t total = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    if (sizes[i] > FC_CASE_MAX_ELEMS)
      return FC_EINVAL;
    total += sizes[i];
  }
  if (total > SIZE_MAX / sizeof *w->mem)
    return FC_ENOMEM;
  w->mem = big_alloc(total * sizeof *w->mem, 1);
  if (w->mem == NULL)
    return FC_ENOMEM;
  double *p = w->mem;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    *ptrs[i] = sizes[i] ? p : NULL;
    p += sizes[i];
  }
  return FC_OK;
}

static void put(double *dst, const double *src, size_t n)
{
  if (dst && src)
    memcpy(dst, src, n * sizeof *dst);
}

static int block_check(const fc_attn_block *b)
{
  const fc_attn_geom *g = &b->g;
  if (g->T == 0 || g->dm == 0 || g->d == 0 || g->heads == 0 || g->kv == 0 ||
      g->heads % g->kv != 0)
    return FC_EINVAL;
  if (b->x == NULL || b->wq == NULL || b->wk == NULL || b->wv == NULL)
    return FC_EINVAL;
  if (b->wo != NULL && g->dout == 0)
    return FC_EINVAL;
  if (b->residual && (b->wo == NULL || g->dout != g->dm))
    return FC_EINVAL;
  if (b->gain != NULL && !(b->eps >= 0))
    return FC_EINVAL;
  if (b->sched != NULL) {
    if (b->pos == NULL)
      return FC_EINVAL;
    for (size_t i = 0; i < g->kv; i++)
      if (b->sched[i].d != g->d || b->sched[i].theta == NULL)
        return FC_EINVAL;
  }
  /* Sizes whose products must stay far from overflow. */
  const size_t big = (size_t)1 << 20;
  if (g->T > big || g->dm > big || g->d > big || g->heads > 4096 ||
      g->dout > big)
    return FC_EINVAL;
  return FC_OK;
}

/* Online rotation of the head slices of y (T x (n d)): y_h <- y_h R_h^T,
 * i.e. each row y_t,h <- R_h y_t,h. */
static int rotate_online(const fc_kernels *k, ws *w, double *y, size_t n,
                         const fc_attn_geom *g, const double *const *R)
{
  const size_t ld = n * g->d;
  for (size_t h = 0; h < n; h++) {
    if (R[h] == NULL)
      continue;
    int rc = k->attn->gemm(w->tmp, g->d, y + h * g->d, ld, R[h], g->d, 1,
                           g->T, g->d, g->d);
    if (rc != FC_OK)
      return rc;
    for (size_t t = 0; t < g->T; t++)
      memcpy(y + t * ld + h * g->d, w->tmp + t * g->d, g->d * sizeof *y);
  }
  return FC_OK;
}

/* The block: each stage through k->attn (and k->rope), so a mutant of one
 * entry reaches the block; the residual add is x + o. */
static int block_ref(const fc_kernels *k, fc_attn_out *o,
                     const fc_attn_block *b)
{
  if (k == NULL || k->attn == NULL || o == NULL || b == NULL)
    return FC_EINVAL;
  int rc = block_check(b);
  if (rc != FC_OK)
    return rc;
  const struct fc_kern_attn *A = k->attn;
  const fc_attn_geom *g = &b->g;
  const size_t T = g->T, d = g->d, hd = g->heads * d, kvd = g->kv * d,
               TT = T * T, grp = g->heads / g->kv;
  /* The scores of every head only when they are returned: at T = 4096 and
   * 32 heads that is 17 GB otherwise. */
  const int all_heads = o->scores || o->probs;
  ws w;
  rc = ws_alloc(&w, g, b->gain != NULL, all_heads);
  if (rc != FC_OK)
    return rc;
  const double *xn = b->x;
  if (b->gain != NULL) {
    rc = A->rmsnorm(w.xn, b->x, b->gain, b->eps, T, g->dm);
    xn = w.xn;
  }
  /* Projections: Q = Xn Wq^T etc. */
  if (rc == FC_OK)
    rc = A->gemm(w.q, hd, xn, g->dm, b->wq, g->dm, 1, T, hd, g->dm);
  if (rc == FC_OK)
    rc = A->gemm(w.k, kvd, xn, g->dm, b->wk, g->dm, 1, T, kvd, g->dm);
  if (rc == FC_OK)
    rc = A->gemm(w.v, kvd, xn, g->dm, b->wv, g->dm, 1, T, kvd, g->dm);
  /* Positional encoding. */
  for (size_t h = 0; h < g->heads && rc == FC_OK; h++)
    rc = A->embed(k, w.q + h * d, hd, T, b->sched ? &b->sched[h / grp] : NULL,
                  b->pos, FC_ATTN_Q);
  for (size_t j = 0; j < g->kv && rc == FC_OK; j++) {
    const fc_schedule *s = b->sched ? &b->sched[j] : NULL;
    rc = A->embed(k, w.k + j * d, kvd, T, s, b->pos, FC_ATTN_K);
    if (rc == FC_OK)
      rc = A->embed(k, w.v + j * d, kvd, T, s, b->pos, FC_ATTN_V);
  }
  /* Online rotations after RoPE (F6 (b)). */
  if (rc == FC_OK && b->rq_online)
    rc = rotate_online(k, &w, w.q, g->heads, g, b->rq_online);
  if (rc == FC_OK && b->rk_online)
    rc = rotate_online(k, &w, w.k, g->kv, g, b->rk_online);
  /* Scores, softmax and contexts, head by head. */
  for (size_t h = 0; h < g->heads && rc == FC_OK; h++) {
    const size_t j = h / grp, hs = all_heads ? h * TT : 0;
    rc = A->scores(k, w.s + hs, w.q + h * d, hd, w.k + j * d, kvd, T, d,
                   b->causal);
    if (rc == FC_OK)
      rc = A->softmax(w.a + hs, w.s + hs, T);
    if (rc == FC_OK)
      rc = A->gemm(w.ctx + h * d, hd, w.a + hs, T, w.v + j * d, kvd, 0, T,
                   d, T);
  }
  /* Output projection and residual. */
  if (rc == FC_OK && b->wo != NULL) {
    rc = A->gemm(w.out, g->dout, w.ctx, hd, b->wo, hd, 1, T, g->dout, hd);
    if (rc == FC_OK && b->residual)
      for (size_t i = 0; i < T * g->dout; i++)
        w.out[i] += b->x[i];
  }
  if (rc == FC_OK) {
    put(o->q, w.q, T * hd);
    put(o->k, w.k, T * kvd);
    put(o->v, w.v, T * kvd);
    put(o->scores, w.s, g->heads * TT);
    put(o->probs, w.a, g->heads * TT);
    put(o->ctx, w.ctx, T * hd);
    if (b->wo != NULL)
      put(o->out, w.out, T * g->dout);
  }
  free(w.mem);
  return rc;
}

/* ---------------------------------------------------------------- tables */

#define ATTN_TABLE(gm, em, sc, sm, fr)                                       \
  {.gemm = gm, .rmsnorm = rmsnorm_ref, .embed = em, .scores = sc,            \
   .softmax = sm, .fold_left = fold_left_ref, .fold_right_t = fr,            \
   .block = block_ref}

const struct fc_kern_attn fc_kern_attn_ref = ATTN_TABLE(
    gemm_ref, embed_ref, scores_ref, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_nomax = ATTN_TABLE(
    gemm_ref, embed_ref, scores_ref, softmax_nomax, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_noscale = ATTN_TABLE(
    gemm_ref, embed_ref, scores_noscale, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_causal = ATTN_TABLE(
    gemm_ref, embed_ref, scores_causal, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_ropev = ATTN_TABLE(
    gemm_ref, embed_ropev, scores_ref, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_wo_r = ATTN_TABLE(
    gemm_ref, embed_ref, scores_ref, softmax_ref, fold_right_r);
const struct fc_kern_attn fc_kern_attn_mut_float = ATTN_TABLE(
    gemm_float, embed_ref, scores_ref, softmax_ref, fold_right_t_ref);

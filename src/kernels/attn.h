/* attn.h -- the attention kernel sub-table (F4, F5, F6; issue 4).
 *
 * Double kernels for RoPE attention as SPEC.md F4 defines it, multi-head
 * with a concat and one shared output projection, grouped-query attention,
 * the residual add and the transformer shell (RMSNorm with gain before
 * attention), plus the fold operators that rewrite the weights.
 *
 * The kernels compute values only (issue 16 item 3): the bound a property
 * judges them against is the harness's, from the inputs at the declared
 * arithmetic (src/bounds/bounds.h: fc_bnd_block, fc_bnd_attention,
 * fc_bnd_fold; the online rotation's fc_bnd_givens), the same for the
 * reference and every mutant.
 *
 * Layouts are row-major.  Sequences are rows: x is T x dm, q is
 * T x (heads d) with head h in columns [h d, (h+1) d), k and v are
 * T x (kv d).  Weights map a row x_t to W x_t: Wq is (heads d) x dm with
 * head h in rows [h d, (h+1) d), Wk and Wv are (kv d) x dm, Wo is
 * dout x (heads d) (the concat is T x (heads d)).  Query head h reads
 * key/value head h / (heads / kv) (grouped-query attention; kv = heads is
 * plain multi-head attention).  Scores and probabilities are stored per
 * head: heads blocks of T x T.
 *
 * Determinism: matrix products go through cblas_dgemm.  OpenBLAS may split
 * a product over threads, and its results can then depend on the thread
 * count and the machine; every program that runs these kernels pins
 * OpenBLAS to one thread with fc_env_blas_threads(1) (the CLI commands,
 * explain_cmd.c included, the test helper fct_start, tests/bench-f4), the
 * test environment also sets OPENBLAS_NUM_THREADS=1, and the harness
 * parallelises over cases with its own threads, each case computed by one
 * thread.  The harness's bounds hold for any summation order, so they
 * stay valid whatever OpenBLAS does; only bit-reproducibility needs the
 * pinning.
 */
#ifndef FC_KERN_ATTN_H
#define FC_KERN_ATTN_H

#include <stddef.h>
#include "kernels.h"
#include "gen/schedule.h"

/* Sizes of an attention block. */
typedef struct fc_attn_geom {
  size_t T;     /* sequence length, >= 1 */
  size_t dm;    /* model dimension (width of x), >= 1 */
  size_t d;     /* head dimension, >= 1 (even with RoPE) */
  size_t heads; /* query heads, >= 1 */
  size_t kv;    /* key/value heads, >= 1, divides heads */
  size_t dout;  /* rows of Wo (output width); == dm with a residual */
} fc_attn_geom;

/* One attention block (inputs borrowed, not copied). */
typedef struct fc_attn_block {
  fc_attn_geom g;
  const double *x;           /* T x dm */
  const long *pos;           /* T positions (unused without RoPE) */
  const fc_schedule *sched;  /* kv schedules (query head h uses
                                sched[h / (heads/kv)]), or NULL: no RoPE */
  int causal;                /* 1: token t attends to u <= t only */
  const double *gain;        /* dm: RMSNorm with gain before attention;
                                NULL: no norm (the block reads x itself) */
  double eps;                /* RMSNorm epsilon (> 0 unless rows are
                                nonzero) */
  const double *wq;          /* (heads d) x dm */
  const double *wk;          /* (kv d) x dm */
  const double *wv;          /* (kv d) x dm */
  const double *wo;          /* dout x (heads d); NULL: stop at the
                                context (no output projection) */
  int residual;              /* 1: out = x + Wo concat (needs dout == dm) */
  /* Online rotations (SPEC F6 (b)): after RoPE, q_t <- Rq_h q_t per query
   * head and k_t <- Rk_g k_t per key head; each a d x d matrix (NULL
   * entry: none).  NULL arrays: none. */
  const double *const *rq_online; /* heads entries */
  const double *const *rk_online; /* kv entries */
} fc_attn_block;

/* Outputs of a block; each may be NULL when not wanted.  Shapes as in the
 * layout note above.  Masked scores are -inf; their probabilities are
 * exactly 0. */
typedef struct fc_attn_out {
  double *q;      /* T x (heads d), after RoPE (and online) */
  double *k;      /* T x (kv d) */
  double *v;      /* T x (kv d) */
  double *scores; /* heads x T x T */
  double *probs;  /* heads x T x T */
  double *ctx;    /* T x (heads d): the concat of the contexts */
  double *out;    /* T x dout (with Wo) */
} fc_attn_out;

/* Roles for the positional encoding of a projection. */
enum { FC_ATTN_Q = 0, FC_ATTN_K = 1, FC_ATTN_V = 2 };

struct fc_kern_attn {
  /* C = A op(B), C m x n, A m x kk, op(B) = B (kk x n) when !transb, B^T
   * (B n x kk) when transb; leading dimensions lda, ldb, ldc.  C must not
   * alias A or B.  FC_OK, FC_EINVAL. */
  int (*gemm)(double *C, size_t ldc, const double *A, size_t lda,
              const double *B, size_t ldb, int transb, size_t m, size_t n,
              size_t kk);
  /* y = RMSNorm(x) * gain row by row (T x n), y_ti = g_i x_ti /
   * sqrt(eps + sum_i x_ti^2 / n).  y must not alias x.  FC_OK,
   * FC_EINVAL. */
  int (*rmsnorm)(double *y, const double *x, const double *gain, double eps,
                 size_t T, size_t n);
  /* The positional encoding of one projection, in place on a T x d slice
   * (leading dimension ld): RoPE (through k->rope) at positions pos for
   * queries and keys, nothing for values.  FC_OK, FC_EINVAL. */
  int (*embed)(const fc_kernels *k, double *y, size_t ld, size_t T,
               const fc_schedule *s, const long *pos, int role);
  /* Scores of one head: s_tu = q_t . k_u / sqrt(d) (T x T, dense), masked
   * entries (causal, u > t) -inf.  q, k are T x d slices with leading
   * dimensions ldq, ldk.  FC_OK, FC_EINVAL, FC_ENOMEM. */
  int (*scores)(const fc_kernels *k, double *s, const double *q, size_t ldq,
                const double *kk, size_t ldk, size_t T, size_t d,
                int causal);
  /* Row-wise softmax of a T x T block (entries -inf are masked: weight 0),
   * subtracting the row maximum.  A row without a finite entry gives NaN.
   * a may alias s.  FC_OK, FC_EINVAL, FC_ENOMEM. */
  int (*softmax)(double *a, const double *s, size_t T);
  /* Fold from the left: W2 = R W (R d x d, W d x n, leading dimension
   * ldw for W and W2).  FC_OK, FC_EINVAL. */
  int (*fold_left)(const fc_kernels *k, double *W2, size_t ldw,
                   const double *R, const double *W, size_t d, size_t n);
  /* Fold into the output projection: W2 = W R^T on a column block
   * (W rows x d with leading dimension ldw, also for W2; R d x d).  This
   * is Wo -> Wo R^T of SPEC F4, one head block at a time for B(R)^T =
   * blockdiag(R_1..R_h)^T.  FC_OK, FC_EINVAL. */
  int (*fold_right_t)(const fc_kernels *k, double *W2, size_t ldw,
                      const double *W, const double *R, size_t rows,
                      size_t d);
  /* The whole block: norm, projections, RoPE, (online rotations), scores,
   * mask, softmax, contexts, concat, output projection, residual.  Calls
   * the other entries of k->attn (so a mutant of one entry reaches the
   * block).  FC_OK, FC_EINVAL, FC_ENOMEM. */
  int (*block)(const fc_kernels *k, fc_attn_out *o, const fc_attn_block *b);
};

/* Mutants (attn.c): the reference with one realistic bug each. */
extern const struct fc_kern_attn fc_kern_attn_mut_nomax;
extern const struct fc_kern_attn fc_kern_attn_mut_noscale;
extern const struct fc_kern_attn fc_kern_attn_mut_causal;
extern const struct fc_kern_attn fc_kern_attn_mut_ropev;
extern const struct fc_kern_attn fc_kern_attn_mut_wo_r;
extern const struct fc_kern_attn fc_kern_attn_mut_float;

/* Initialisers of fc_kernels entries for table.c (FC_REF_BUT_ATTN lists
 * the reference sub-tables of the other families).  Each names the
 * holds-property that must catch it. */
#define FC_ATTN_MUTANT_(nm, desc, tgt, tab)                                  \
  {.name = nm, .description = desc, .targets = tgt,                          \
   FC_REF_BUT_ATTN .attn = &tab}

#define FC_ATTN_MUTANTS                                                     \
  FC_ATTN_MUTANT_("mutant-attn-softmax-nomax",                               \
                  "softmax without max subtraction: exp overflows on "       \
                  "large scores",                                            \
                  "fold.folded_qkvo", fc_kern_attn_mut_nomax),               \
  FC_ATTN_MUTANT_("mutant-attn-no-scale",                                    \
                  "scores q.k without the 1/sqrt(d) factor",                 \
                  "fold.head_context", fc_kern_attn_mut_noscale),            \
  FC_ATTN_MUTANT_("mutant-attn-causal-off-by-one",                           \
                  "causal mask off by one: token t also sees t+1",           \
                  "fold.multi.concat_projected", fc_kern_attn_mut_causal),    \
  FC_ATTN_MUTANT_("mutant-attn-rope-values",                                 \
                  "RoPE applied to the values as well as queries and keys",  \
                  "fold.folded_qkvo", fc_kern_attn_mut_ropev),               \
  FC_ATTN_MUTANT_("mutant-attn-fold-wo-untransposed",                        \
                  "output-projection fold uses Wo R instead of Wo R^T",      \
                  "fold.multi.residual_concat_projected",                     \
                  fc_kern_attn_mut_wo_r),                                    \
  FC_ATTN_MUTANT_("mutant-attn-float-accumulation",                          \
                  "matrix products accumulate in float (binary32)",          \
                  "fold.multi.shell", fc_kern_attn_mut_float)

#endif

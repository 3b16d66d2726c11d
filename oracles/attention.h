/* attention.h -- RoPE attention in MPFR (issue 4): the oracle of F4-F6.
 *
 * The same computations as the double kernels (src/kernels/attn.h), at a
 * precision P, independently of them (the oracle never calls a kernel):
 * RMSNorm, projections by correctly rounded dot products (mpfr_dot), RoPE by
 * fc_mp_rope_apply, scores q.k / sqrt(d), causal mask, softmax with mpfr_exp
 * and a correctly rounded sum (mpfr_sum), contexts, concat, output
 * projection and residual add.  Layouts are those of attn.h (row-major; q
 * is T x (heads d), k and v T x (kv d), query head h reads key/value head
 * h / (heads/kv); scores and probabilities heads blocks of T x T).
 *
 * Error coefficients.  Every oracle matrix carries beside its values a
 * double array E of "error coefficients in units of 2^-P": |value - exact|
 * <= 2^-P E entrywise (first order; second-order terms are carried
 * explicitly where they are not negligible).  A statement's scale is built
 * from them (SPEC "Statement-level residuals use 2^(-P+s) * scale, with
 * scale the same magnitude sums ... evaluated in the oracle"), so the
 * statement bound 2^(-P+s) S holds with s = the run's slack (8 bits by
 * default) as a genuine safety margin rather than a fitted tolerance.  The
 * propagation rules are derived next to each function in attention.c.
 *
 * Allocation: one fc_mp_attn workspace holds every intermediate of a block
 * at one precision; a check allocates it once per case and precision and
 * reuses it for every forward pass at that precision. */
#ifndef FC_ORACLE_ATTENTION_H
#define FC_ORACLE_ATTENTION_H

#include "oracle.h"
#include "rope.h"
#include "gen/schedule.h"

/* A matrix at precision P with its error coefficients (units of 2^-P). */
typedef struct fc_mp_emat {
  fc_mpmat_t m;
  double *e; /* rows * cols coefficients, >= 0 */
  double *d; /* the values rounded to double (magnitudes for the
                coefficients); refreshed by every function below, and by
                fc_mp_emat_sync after a caller writes m directly */
} fc_mp_emat;

/* Allocate rows x cols at prec, values and coefficients 0.  FC_ENOMEM /
 * FC_EINVAL; on failure the struct is safe to clear. */
int fc_mp_emat_init(fc_mp_emat *a, size_t rows, size_t cols,
                    mpfr_prec_t prec);
void fc_mp_emat_clear(fc_mp_emat *a);
/* Refresh a->d from a->m. */
void fc_mp_emat_sync(fc_mp_emat *a);
/* Exact doubles (coefficients 0). */
void fc_mp_emat_set_d(fc_mp_emat *a, const double *x);
/* The Givens product of g (fc_mpmat_givens) with its coefficients. */
int fc_mp_emat_givens(fc_mp_emat *a, const fc_givens *g);
/* C = op(A) op(B) (op: transpose when the flag is set) by the exact
 * accumulation of the block's dot products (products exact, sum at
 * prec(C) + 64 bits, one rounding; exact-zero terms skipped), with
 * propagated coefficients (rule in attention.c).  C must not alias A or B.
 * FC_EINVAL on a shape mismatch, FC_ENOMEM. */
int fc_mp_emat_mul(fc_mp_emat *C, const fc_mp_emat *A, int transa,
                   const fc_mp_emat *B, int transb);
/* T = A^T (exact; must not alias). */
int fc_mp_emat_transpose(fc_mp_emat *T, const fc_mp_emat *A);
/* Copy (same shape). */
int fc_mp_emat_copy(fc_mp_emat *dst, const fc_mp_emat *src);
/* Blocks: dst[r0.., c0..] = src (src fits inside dst). */
int fc_mp_emat_put(fc_mp_emat *dst, size_t r0, size_t c0,
                   const fc_mp_emat *src);
/* dst = src[r0 .. r0 + dst->rows, c0 .. c0 + dst->cols). */
int fc_mp_emat_get(fc_mp_emat *dst, const fc_mp_emat *src, size_t r0,
                   size_t c0);

/* Residual of two matrices of the same shape: r = max |A - B| over the
 * entries (skipping both-infinite entries, e.g. masked scores, which must
 * agree), S = max (E_A + E_B) over the same entries, both to be read as
 * "|A - B| <= 2^-P S for an exact identity".  r and S are set at r's and
 * S's precision; max with what they hold already when `accumulate` is set.
 * FC_EINVAL on a shape mismatch. */
int fc_mp_emat_residual(mpfr_t r, mpfr_t S, const fc_mp_emat *A,
                        const fc_mp_emat *B, int accumulate);

/* Sizes of a block (as fc_attn_geom). */
typedef struct fc_mp_attn_dims {
  size_t T, dm, d, heads, kv, dout;
} fc_mp_attn_dims;

/* One block's inputs.  x exact doubles; weights and online rotations are
 * oracle matrices (possibly folded, carrying coefficients). */
typedef struct fc_mp_attn_in {
  fc_mp_attn_dims g;
  const double *x;          /* T x dm */
  const long *pos;          /* T */
  const fc_schedule *sched; /* kv schedules, or NULL: no RoPE */
  int causal;
  const double *gain;       /* dm or NULL: no RMSNorm */
  double eps;
  const fc_mp_emat *wq, *wk, *wv; /* (heads d) x dm, (kv d) x dm */
  const fc_mp_emat *wo;     /* dout x (heads d), or NULL */
  int residual;
  const fc_mp_emat *const *rq_online; /* heads entries (d x d) or NULL */
  const fc_mp_emat *const *rk_online; /* kv entries or NULL */
  /* Optional precomputed RoPE sines/cosines (NULL: computed per use, as
   * fc_mp_rope_apply does).  Must be built for exactly this block's
   * schedules and positions (tab->sched == sched, tab->nsched == kv,
   * tab->pos == pos, tab->npos == T) at the workspace's precision, else
   * FC_EINVAL; the values are bit-identical either way. */
  const fc_mp_rope_tab *rope_tab;
} fc_mp_attn_in;

/* Workspace and results of one forward pass at one precision.  After
 * fc_mp_attn_forward: q, k, v (after RoPE and online rotations), s
 * (scores; masked entries -inf with coefficient 0, mask[] = 1), a
 * (probabilities), ctx (concat), out (if wo). */
typedef struct fc_mp_attn {
  fc_mp_attn_dims g;
  mpfr_prec_t prec;
  fc_mp_emat xn, q, k, v, s, a, ctx, out, tmp;
  unsigned char *mask; /* heads * T * T */
  mpfr_t *rope_out;    /* d entries: RoPE of one row (the input is read in
                          place from the row) */
  double *rope_e;      /* 2 d: coefficient scratch of the RoPE step */
  mpfr_ptr *pa, *pb;   /* pointer arrays for mpfr_dot / mpfr_sum */
  mpfr_t t0, t1;
  struct fc_dot_tmp *dot; /* dot products' temporaries (attention.c) */
} fc_mp_attn;

/* FC_EINVAL for a bad geometry, FC_ENOMEM; on failure safe to clear. */
int fc_mp_attn_init(fc_mp_attn *w, const fc_mp_attn_dims *g,
                    mpfr_prec_t prec);
void fc_mp_attn_clear(fc_mp_attn *w);
/* Evaluate the block into w.  FC_EINVAL for inconsistent inputs (shapes,
 * schedules, residual without dout == dm), or an error of the RoPE oracle. */
int fc_mp_attn_forward(fc_mp_attn *w, const fc_mp_attn_in *in);

#endif

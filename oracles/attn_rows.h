/* attn_rows.h -- the row-sampled attention oracle (issue 11).
 *
 * At realistic sizes (d = 128, 32 query heads, T = 4096) the full oracle of
 * attention.h needs heads x T x T MPFR scores: O(T^2 d) work and gigabytes.
 * This oracle evaluates the same block (no RMSNorm: x is read as it is)
 * exactly, at precision P, on a drawn set of query rows only: for each
 * sampled row t and every query head h, the scores of t against every key
 * (masked ones -inf), the softmax, the context ctx_h[t], and every output
 * column out[t, c] = sum_h Wo[c, h-block] ctx_h[t], optionally with online
 * rotations of q and k after RoPE (F6 (b)).  Keys and values are
 * formed one key/value head at a time (T x d entries), so the memory is
 * O(T d) whatever the number of heads; the work is O(T d dm) per key/value
 * head plus O(T d) per sampled row and query head.
 *
 * What the entries mean: each is the exact block's value at those indices
 * up to the oracle's own rounding, bounded by error coefficients (units of
 * 2^-P, first order, as in attention.h), derived next to the code in
 * attn_rows.c.  Nothing is approximated by the sampling: the sampled
 * entries are computed exactly from all T keys; only the set of entries
 * compared is a sample.
 *
 * The oracle never calls a kernel.  Weights are oracle matrices (exact
 * doubles, or folded in MPFR with their coefficients). */
#ifndef FC_ORACLE_ATTN_ROWS_H
#define FC_ORACLE_ATTN_ROWS_H

#include "attention.h"

typedef struct fc_mp_rows_in {
  fc_mp_attn_dims g;          /* T, dm, d, heads, kv, dout (0: no Wo) */
  const double *x;            /* T x dm, exact */
  const long *pos;            /* T positions */
  const fc_schedule *sched;   /* one schedule for every key/value head, or
                                 NULL: no RoPE */
  int causal;
  const fc_mp_emat *wq, *wk, *wv; /* (heads d) x dm, (kv d) x dm */
  const fc_mp_emat *wo;       /* dout x (heads d), or NULL */
  size_t nrows;
  const size_t *rows;         /* the sampled query rows, each < T */
  int keep_scores;            /* 1: keep scores and probabilities */
  /* Online rotations (SPEC F6 (b)), as in fc_mp_attn_in: after RoPE,
   * q_t <- Rq_h q_t for the sampled rows of query head h and k_u <- Rk_j k_u
   * for every key of key/value head j; d x d oracle matrices (with their
   * coefficients), entries may be NULL (none for that head); NULL arrays:
   * none.  Last in the struct, so positional initialisers without them
   * stay valid. */
  const fc_mp_emat *const *rq_online; /* heads entries, or NULL */
  const fc_mp_emat *const *rk_online; /* kv entries, or NULL */
  /* Optional (issue 16): the sines and cosines of RoPE, shared by every
   * pass over the same positions (fc_mp_rope_tab_init of sched, 1
   * schedule, pos, T positions, at o's precision): bit-identical to
   * computing them here, once per (position, plane) instead of once per
   * (position, plane, key/value head, pass).  NULL: computed here. */
  const fc_mp_rope_tab *rope_tab;
} fc_mp_rows_in;

/* Results per sampled row r (in the order of rows[]): scores and
 * probabilities [r][h][u] (when kept), ctx [r][h d + i], out [r][c]; each
 * with its coefficients (units of 2^-P). */
typedef struct fc_mp_rows {
  fc_mp_attn_dims g;
  mpfr_prec_t prec;
  size_t nrows;
  int keep_scores;
  mpfr_t *s, *a;      /* nrows * heads * T, or NULL */
  double *es, *ea;
  mpfr_t *ctx;        /* nrows * heads * d */
  double *ectx;
  mpfr_t *out;        /* nrows * dout, or NULL */
  double *eout;
} fc_mp_rows;

/* Allocate the results for nrows rows at prec.  FC_EINVAL (bad sizes),
 * FC_ENOMEM; on failure safe to clear. */
int fc_mp_rows_init(fc_mp_rows *o, const fc_mp_attn_dims *g, size_t nrows,
                    int keep_scores, mpfr_prec_t prec);
void fc_mp_rows_clear(fc_mp_rows *o);
/* Evaluate the sampled rows of the block into o (initialised with in's
 * dims, nrows and keep_scores).  FC_EINVAL for inconsistent inputs,
 * FC_ENOMEM. */
int fc_mp_rows_forward(fc_mp_rows *o, const fc_mp_rows_in *in);

#endif

/* kcall_internal.h -- the plumbing every property shares to judge the
 * selected provider's kernels (issues 9 and 16): open the provider, round
 * a case's values into its declared storage, call a contract and decode,
 * record a kernel failure.  Used by contract.* (props/contract.c) and by
 * the large families when the run carries the user's kernels
 * (props/fold_large.c, props/rope_large.c).
 *
 * A kernel failure (crash, timeout, nonzero status, malformed reply, a
 * NaN or Inf output) is a FAILING CASE: accuracy NaN with the verdict in
 * the note (fc_kx_* return FC_EKERNEL after recording it); a missing
 * entry is FC_ENOTPROVIDED, an error of the run that the engine reports as
 * "not provided", never a pass. */
#ifndef FC_KCALL_INTERNAL_H
#define FC_KCALL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "props.h"
#include "bounds/bounds.h"
#include "contract/provider.h"
#include "gen/schedule.h"

typedef struct fc_kx {
  fc_kprov *p, *own;
  fc_kernel_arith a;
} fc_kx;

/* The run's provider (the user's kernels), or an in-process adapter over
 * the built-in table of x (fp64/fp64, owned: fc_kx_close frees it). */
int fc_kx_open(fc_kx *k, const fc_check_ctx *x);
void fc_kx_close(fc_kx *k);
/* 1 when the run checks the user's kernels (a plugin or exec command). */
int fc_kx_external(const fc_check_ctx *x);

/* dst[i] = src[i] rounded to fmt (dst may alias src); bytes (may be
 * NULL) the encoding. */
void fc_kx_store(double *dst, unsigned char *bytes, const double *src,
                 size_t n, int fmt);
/* Record a kernel failure in r: accuracy NaN, the verdict in the note. */
void fc_kx_failed(fc_check_result *r, const char *why);
/* Call c; decode out[0] from storage into dec[0] (ndec[0] values), copy
 * further outputs as doubles.  FC_OK; FC_EKERNEL (recorded in r); an error
 * of the run (FC_ENOTPROVIDED, FC_ENOMEM, FC_EIO). */
int fc_kx_call(fc_check_result *r, fc_kx *k, fc_kcall *c, double *const *dec,
               const size_t *ndec);
/* "arith S/A, largest bound B" in r->note unless a note is there. */
void fc_kx_note(fc_check_result *r, const fc_kx *k, double worst_bound);

/* RoPE through the contract: out (rows x d) = rope_apply of xs (rows x d,
 * values already in storage) at pos under s. */
int fc_kx_rope(fc_check_result *r, fc_kx *k, double *out, const double *xs,
               size_t rows, const int64_t *pos, const fc_schedule *s);

/* fold_weights: w2 (d x n, side 0: R W; n x d, side 1: W R^T) from W and
 * R (d x d), both already in storage. */
int fc_kx_fold(fc_check_result *r, fc_kx *k, double *w2, const double *W,
               const double *R, size_t d, size_t n, int side);
/* The accuracy of a fold output w2 against the exact product of the
 * stored W and R (MPFR), bound fc_bnd_fold at a; RWd (may be NULL) gets
 * the exact product rounded to double, Ef the bounds. */
int fc_kx_fold_accuracy(fc_check_result *r, const double *w2, const double *W,
                        const double *R, size_t d, size_t n, int side,
                        const fc_kernel_arith *a, double *RWd, double *Ef,
                        long prec);

/* sign_quant: s (n, decoded from storage) and *alpha of the key ks (n
 * values already in storage).  fc_kx_call's return codes. */
int fc_kx_sign(fc_check_result *r, fc_kx *k, double *s, double *alpha,
               const double *ks, size_t n);
/* The accuracy of sign_quant's outputs for the stored key ks (n): every
 * s_i exactly sign(ks_i) with sign(0) = +1 (bound 0; *wrong, may be NULL,
 * gets the count of wrong entries), alpha against the exact ||ks||_1 / n
 * with bound fc_bnd_sign_alpha at a (returned). */
double fc_kx_sign_accuracy(fc_check_result *r, double *wrong, const double *s,
                           double alpha, const double *ks, size_t n,
                           const fc_kernel_arith *a, long prec);
/* allocate_bits: *bits for the keys ks (n x d, already in storage) and the
 * layer dimension d_l.  fc_kx_call's return codes. */
int fc_kx_alloc(fc_check_result *r, fc_kx *k, int *bits, const double *ks,
                size_t n, size_t d, long d_l);

/* One attention block of the contract (src/foldcheck/kernel.h). */
typedef struct fc_kx_blk {
  size_t T, dm, d, heads, kv;
  int causal, residual, has_gain;
  double eps;
  const fc_schedule *s;
  const int64_t *pos;     /* T */
  const double *x, *gain; /* stored; gain used when has_gain */
} fc_kx_blk;
/* y (T x dm) = attention_block(b with the stored weights wq, wk, wv, wo). */
int fc_kx_block(fc_check_result *r, fc_kx *k, const fc_kx_blk *b,
                const double *wq, const double *wk, const double *wv,
                const double *wo, double *y);
/* The harness bound fc_bnd_block of that call at k's arithmetic: every
 * row (rows NULL; E T x dm) or the rows rows[0 .. nrows) (E nrows x dm).
 * wq..wo: magnitudes (upper bounds) of the weights. */
int fc_kx_block_bound(double *E, const fc_kx *k, const fc_kx_blk *b,
                      const double *wq, const double *wk, const double *wv,
                      const double *wo, const size_t *rows, size_t nrows);

#endif

/* quantp_internal.h -- helpers shared by the F7-F10 property families
 * (props/amplification.c, signquant.c, moment.c, allocator.c). */
#ifndef FC_QUANTP_INTERNAL_H
#define FC_QUANTP_INTERNAL_H

#include <math.h>
#include <stdio.h>
#include "props.h"
#include "kernels/quant.h"
#include "quant.h" /* oracles/quant.h */
#include "bounds/bounds.h"

/* The quant sub-table of the kernels under test, or NULL. */
static inline const struct fc_kern_quant *fc_qp_kern(const fc_check_ctx *x)
{
  return x && x->kernels ? x->kernels->quant : NULL;
}

/* Fold a measure; a kernel that failed (rc != FC_OK) or produced a
 * non-finite value counts as an infinite error. */
static inline void fc_qp_fold(fc_measure *m, int rc, double err,
                              double bound, double ulps)
{
  if (rc != FC_OK || !isfinite(err))
    err = INFINITY;
  fc_measure_fold(m, err, bound, ulps);
}

/* The declared arithmetic of the built-in quant table (fp64 storage and
 * accumulation): what the harness bounds of src/bounds/quant.c are
 * computed at for the F7-F10 properties that judge the table. */
static inline const fc_kernel_arith *fc_qp_arith(void)
{
  static const fc_kernel_arith fp64 = {FC_FMT_FP64, FC_FMT_FP64, 0};
  return &fp64;
}

/* A case field's reals with the expected element count, or NULL. */
static inline const double *fc_qp_reals(const fc_case *c, const char *name,
                                        size_t *rows, size_t *cols)
{
  size_t r = 0, q = 0;
  const double *v = fc_case_reals(c, name, &r, &q);
  if (rows)
    *rows = r;
  if (cols)
    *cols = q;
  return v;
}

/* Crafted key samples of F10 (props/allocator.c): fill keys (n x d, d >= 2)
 * with n keys of the family (1, ..., 1) whose coordinate pos[i] is set to
 * x_i >= 1 and whose signs are flipped where neg[i d + j] (neg may be
 * NULL); key i < n - 1 has angle target + delta_deg[i] degrees, the last
 * makes the mean angle target (computed in long double).  FC_EINVAL for
 * bad arguments, FC_ERANGE when an angle is out of the family's reach. */
int fc_alloc_craft(double *keys, size_t n, size_t d, double target_deg,
                   const double *delta_deg, const long *pos,
                   const unsigned char *neg);

/* The layer width d_l of an allocator case with keys of dimension d,
 * drawn independently of d (issue 16: an allocator that gates on the key
 * dimension instead of d_l is caught only when they differ): d itself
 * (first: shrinks to it), or a layer width of a real model, 512 (the
 * 1-bit gate), 2048, 4096, 256, 64. */
long fc_alloc_draw_dl(fc_draw *dr, long d);

/* How near fp64 keys put the exact mean angle to a threshold (degrees):
 * 2^-51, 1/16 of the fp64 spacing at 40 and 44 degrees (2^-47), so that
 * every accumulation format's last rounding can land on the threshold
 * (contract.c, gen_alloc_near, derives the rule). */
#define FC_ALLOC_NEAR_D64 0x1p-51L

/* Near-threshold allocator keys on a format's grid (props/alloc_near.c;
 * issue 16, item 5).  Fill key (length d >= 3) with a key whose
 * coordinates all have at most p significant bits (p in 2..53; values in
 * [1 - 2^-p, 2^7) for targets of 40-44 degrees at d <= 4096, so p = 8 keys
 * are exact in bf16, fp16, fp32 and fp64) and whose exact angle minus
 * target lies in [lo, hi] degrees as evaluated in long double (within
 * about 1e-17 degrees: verify in MPFR), its large coordinate at pos % d.
 * FC_OK; FC_ERANGE when the search finds none; FC_EINVAL for bad
 * arguments. */
int fc_alloc_near_craft(double *key, size_t d, size_t pos, int p,
                        long double target, long double lo, long double hi);
/* The phase-collapse angle (degrees) of one key in long double. */
long double fc_alloc_key_angle_ld(const double *key, size_t d);
/* Recraft the last of the n keys (n x d, fp64 grid, its large coordinate
 * at pos % d) so that the exact mean angle minus t lies in [D/16, D]
 * (side 1, just above) or [-D, -D/16] (side -1, just below), keys 0..n-2
 * as given.  Codes of fc_alloc_near_craft. */
int fc_alloc_near_last(double *keys, size_t n, size_t d, size_t pos,
                       double t, int side, long double D);
/* FC_OK when the exact (MPFR, 128 bits) mean angle m of keys (n x d)
 * satisfies 0 < m - t <= D (side 1) or 0 < t - m <= D (side -1);
 * FC_EREJECT when it does not; FC_ENOMEM. */
int fc_alloc_near_verify(const double *keys, size_t n, size_t d, double t,
                         int side, long double D);

#endif

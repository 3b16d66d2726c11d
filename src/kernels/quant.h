/* quant.h -- the quantisation-geometry kernel sub-table (F7, F8, F10).
 *
 * Double kernels for
 *   F7  column-norm RMS and Frobenius norm (scaled accumulation: no
 *       overflow at 1e300, no underflow loss at 1e-300);
 *   F8  1-bit sign quantisation: sign (convention sign(0) = +1), the
 *       phase-collapse cosine cos theta_k = ||k||_1 / (sqrt(d) ||k||_2),
 *       the residual energy sin^2 theta_k, the optimal scale
 *       alpha = ||k||_1 / d, and the relative residual of a given scale;
 *   F10 the mean phase-collapse angle of a key sample and the
 *       horizontal-slice allocator (SPEC F10), plain and certified.
 *
 * Values only (issue 16, item 3).  The kernels return values; the bound
 * each property judges them against is the harness's, computed a priori
 * from the inputs at the declared arithmetic by src/bounds/quant.c
 * (fc_bnd_quant_*, and fc_bnd_mean_angle for the mean angle), so a mutant
 * is judged against the same bound as the reference.  The one exception
 * is inside an algorithm: the certified allocator encloses its own double
 * mean angle to decide when to escalate to MPFR (quant.c); that enclosure
 * never leaves the kernel and no property judges anything against it.
 *
 * Return codes: FC_OK; FC_EINVAL for NULL pointers, a zero length where
 * the quantity is undefined (the angle of a zero key), or non-finite
 * inputs; FC_ERANGE when the exact result is not representable (a norm
 * above DBL_MAX); FC_ENOMEM (certified allocator escalation only).
 *
 * Kernels never call the oracle (oracles/).  The certified allocator is
 * the one kernel that uses MPFR: when the double mean angle is too close to
 * a threshold to decide with its error bound, it escalates to an MPFR
 * evaluation of its own (src/kernels/quant_mp.c), written independently of
 * the oracle so that the oracle still judges it.
 *
 * Aliasing: no output aliases an input. */
#ifndef FC_KERN_QUANT_H
#define FC_KERN_QUANT_H

#include <stddef.h>
#include "kernels.h"

/* The sign-quantisation geometry of one key k in R^d (k != 0). */
typedef struct fc_quant_geom {
  double cos_theta; /* ||k||_1 / (sqrt(d) ||k||_2) */
  double sin2;      /* sin^2 theta = 1 - cos^2 theta, computed as
                       sum (|k_i| - alpha)^2 / ||k||^2 */
  double alpha;     /* optimal scale ||k||_1 / d */
} fc_quant_geom;

/* The allocator's thresholds (degrees) and the dimension gate. */
#define FC_ALLOC_ANGLE_1BIT 40
#define FC_ALLOC_ANGLE_2BIT 44
#define FC_ALLOC_DIM_1BIT 512

struct fc_kern_quant {
  /* ||x||_2 of x[0], x[incx], ..., x[(n-1) incx]; n = 0 gives 0. */
  int (*nrm2)(double *r, const double *x, size_t n, size_t incx);
  /* ||W||_F of the row-major m x n matrix W. */
  int (*frob)(double *r, const double *W, size_t m, size_t n);
  /* sqrt((1/n) sum_j ||W e_j||^2): the RMS of the column norms (n >= 1). */
  int (*colnorm_rms)(double *r, const double *W, size_t m, size_t n);
  /* x . y of length n (no scaling: FC_ERANGE if it overflows). */
  int (*dot)(double *r, const double *x, const double *y, size_t n);
  /* s_i = sign(k_i) in {-1, +1}, sign(0) = sign(-0) = +1. */
  void (*sign)(double *s, const double *k, size_t d);
  /* cos theta, sin^2 theta and alpha of k (k != 0). */
  int (*geom)(fc_quant_geom *g, const double *k, size_t d);
  /* ||k - alpha sign(k)||^2 / ||k||^2 for a given alpha (k != 0). */
  int (*residual)(double *r, const double *k, size_t d, double alpha);
  /* Mean phase-collapse angle, in degrees, of the n keys (rows of the
   * row-major n x d array; none may be zero). */
  int (*mean_angle)(double *deg, const double *keys, size_t n, size_t d);
  /* The rule of SPEC F10 on a given angle (degrees) and layer dimension
   * d_l: 1 if d_l >= 512 and angle <= 40; 2 if angle <= 44; 3 otherwise
   * (a NaN angle gives 3). */
  int (*rule)(int *bits, double angle_deg, long d_l);
  /* The allocator in plain double: rule(mean_angle(keys), d_l).  *angle
   * (may be NULL) receives the angle it decided on. */
  int (*alloc_plain)(int *bits, double *angle, const double *keys, size_t n,
                     size_t d, long d_l);
  /* The certified allocator: decides with the double angle when it is
   * farther than its own enclosure's radius (part of its algorithm, not a
   * judging bound) from every threshold that matters, and escalates to
   * MPFR otherwise.  *escalated (may be NULL) gets 1 when it
   * escalated. */
  int (*alloc_certified)(int *bits, int *escalated, const double *keys,
                         size_t n, size_t d, long d_l);
};

/* The MPFR escalation of the certified allocator (quant_mp.c).  Decides
 * the sign of  mean_i theta(k_i) - t  (theta in degrees, t an exact double)
 * by Ziv's strategy: evaluate at increasing precision with a proven error
 * bound until the sign is certain.  *cmp gets -1, 0 or +1; 0 only when
 * |difference| stays below 2^-max_prec after max_prec bits (a tie in
 * practice: the rule then counts the angle as <= t).  Returns FC_OK,
 * FC_EINVAL (zero key, non-finite input), FC_ENOMEM. */
int fc_quant_mp_cmp_mean_angle(int *cmp, const double *keys, size_t n,
                               size_t d, double t, long max_prec);

/* Mutant sub-tables (quant.c): the reference with one realistic bug. */
extern const struct fc_kern_quant fc_kern_quant_mut_naive_nrm2;
extern const struct fc_kern_quant fc_kern_quant_mut_sign0;
extern const struct fc_kern_quant fc_kern_quant_mut_sin2_cancel;
extern const struct fc_kern_quant fc_kern_quant_mut_alpha_rms;
extern const struct fc_kern_quant fc_kern_quant_mut_rms_rows;
extern const struct fc_kern_quant fc_kern_quant_mut_cert_noescalate;

/* Initialisers of fc_kernels entries for table.c (FC_REF_BUT_QUANT
 * expands to the reference sub-tables of every other family). */
#define FC_QUANT_MUTANT_(nm, desc, tgt, tab)                                 \
  {.name = nm, .description = desc, .targets = tgt,                         \
   FC_REF_BUT_QUANT .quant = &tab}

#define FC_QUANT_MUTANTS                                                    \
  FC_QUANT_MUTANT_("mutant-quant-naive-nrm2",                                \
                   "norms as sqrt of a naive sum of squares: overflows at "  \
                   "1e200, underflows to 0 at 1e-200",                       \
                   "amplification.frob_identity",                            \
                   fc_kern_quant_mut_naive_nrm2),                            \
  FC_QUANT_MUTANT_("mutant-quant-sign0",                                     \
                   "sign(0) = 0 (the (x>0)-(x<0) idiom) with the sqrt(d) "   \
                   "cosine formula",                                         \
                   "signquant.cos_formula", fc_kern_quant_mut_sign0),        \
  FC_QUANT_MUTANT_("mutant-quant-sin2-cancel",                               \
                   "sin^2 theta as 1 - cos^2 theta (cancellation near the "  \
                   "sign lattice)",                                          \
                   "signquant.lattice_zero", fc_kern_quant_mut_sin2_cancel), \
  FC_QUANT_MUTANT_("mutant-quant-alpha-rms",                                 \
                   "optimal scale as the RMS ||k||_2 / sqrt(d) instead of "  \
                   "the mean magnitude ||k||_1 / d",                         \
                   "signquant.residual_energy",                              \
                   fc_kern_quant_mut_alpha_rms),                             \
  FC_QUANT_MUTANT_("mutant-quant-rms-rows",                                  \
                   "column-norm RMS divided by the row count m instead of "  \
                   "the column count n",                                     \
                   "amplification.frob_identity",                            \
                   fc_kern_quant_mut_rms_rows),                              \
  FC_QUANT_MUTANT_("mutant-quant-cert-noescalate",                           \
                   "certified allocator that trusts the double angle and "   \
                   "never escalates to MPFR",                                \
                   "allocator.certified_exact",                              \
                   fc_kern_quant_mut_cert_noescalate)

#endif

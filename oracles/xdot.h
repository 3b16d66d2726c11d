/* xdot.h -- exact dot products of doubles and MPFR numbers (issue 16).
 *
 * A double is an integer of at most 53 bits times a power of two, an MPFR
 * number its significand limbs times a power of two, so every product of
 * two of them is an integer (GMP limbs) times a power of two.  These
 * functions add the n products exactly in a fixed-point accumulator of
 * GMP limbs spanning the products' exponents and round the exact sum once
 * (to nearest) to y's precision: the value mpfr_dot returns (correctly
 * rounded), at a few nanoseconds per term instead of an MPFR operation
 * per term.  Used where an oracle's dot products have exact double or
 * MPFR factors (the row oracle's projections, the fold accuracy check).
 *
 * When the products' bits spread over more than FC_XACC_LIMBS limbs (a
 * weight near 2^-1000 beside one near 2^1000) or a factor is NaN or
 * infinite, a function returns -1 and leaves y untouched: the caller falls
 * back to its MPFR loop. */
#ifndef FC_ORACLE_XDOT_H
#define FC_ORACLE_XDOT_H

#include <gmp.h>
#include <mpfr.h>
#include <stddef.h>

#define FC_XACC_LIMBS 72

/* Work space of one caller (not shared between threads). */
typedef struct fc_xacc {
  mp_limb_t pos[FC_XACC_LIMBS], neg[FC_XACC_LIMBS], tmp[FC_XACC_LIMBS];
} fc_xacc;

/* y = sum_j a[j] x[j] (MPFR times double), exact, rounded once.  0, or
 * -1 (see above). */
int fc_xdot_mpd(mpfr_t y, fc_xacc *w, mpfr_t *const a, const double *x,
                size_t n);
/* y = sum_j a[j sa] b[j sb] (MPFR times MPFR), exact, rounded once.  0,
 * or -1.  Each significand may have at most FC_XACC_LIMBS / 4 limbs. */
int fc_xdot_mm(mpfr_t y, fc_xacc *w, mpfr_t *const a, size_t sa,
               mpfr_t *const b, size_t sb, size_t n);
/* y = sum_j a[j sa] b[j sb] (doubles), exact, rounded once.  0, or -1. */
int fc_xdot_dd(mpfr_t y, fc_xacc *w, const double *a, size_t sa,
               const double *b, size_t sb, size_t n);

#endif

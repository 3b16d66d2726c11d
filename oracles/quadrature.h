/* quadrature.h -- MPFR numerical quadrature of the moments of symmetric
 * distributions (F9).
 *
 * For a symmetric density f the moments the moment ratio needs are
 *   mu1 = E|X| = int |x| f,  mu2 = E X^2 = int x^2 f,
 * and beta = mu1^2 / mu2.  The quadrature integrates the unnormalised
 * density g (f = g / int g) over [0, inf) (symmetry), so
 *   mu_k = int_0^inf x^k g / int_0^inf g.
 * Rules: exp-sinh (x = exp((pi/2) sinh t)) on [0, inf) for the Gaussian,
 * Laplace, generalised normal and Student-t densities, whose integrands
 * become double-exponentially decaying in t at both ends (algebraic tails
 * included); tanh-sinh (x = a / (1 + exp(-pi sinh t))) on [0, a] for the
 * uniform.  The trapezoidal sums are refined by halving the step until two
 * successive levels agree to 2^-(prec+8) relative, for all three integrals
 * (at that point the error of the finer level is far smaller still: the
 * double-exponential rules double the number of correct digits per level
 * near convergence).  Everything is evaluated at prec + 32 bits; the terms
 * are formed in log space, exp((k+1) u - phi(x)) (pi/2) cosh t, so no
 * intermediate overflows.  The truncation of the infinite sums stops where
 * the terms are below 2^-(prec+24) of the partial sums and decreasing.
 *
 * The quadrature runs on the unit-scale density and multiplies m1 by
 * scale and m2 by scale^2 (exact: E|X|^k scales as scale^k), so the mass
 * always sits around t = 0, where the truncation scan starts.
 *
 * The closed forms are in oracles/quant.h; the properties (props/moment.c)
 * compare the two at P and P + 64 bits. */
#ifndef FC_ORACLE_QUADRATURE_H
#define FC_ORACLE_QUADRATURE_H

#include <mpfr.h>
#include "foldcheck.h"

typedef enum {
  FC_DIST_GAUSS = 0,   /* exp(-x^2 / (2 scale^2)) */
  FC_DIST_UNIFORM = 1, /* 1 on [-scale, scale] */
  FC_DIST_LAPLACE = 2, /* exp(-|x| / scale) */
  FC_DIST_GENNORM = 3, /* exp(-|x / scale|^shape), shape > 0 */
  FC_DIST_STUDENT = 4, /* (1 + x^2 / (shape scale^2))^(-(shape + 1)/2),
                          shape = nu > 2 (finite variance) */
  FC_NDIST = 5
} fc_dist_kind;

typedef struct fc_dist {
  fc_dist_kind kind;
  double scale; /* > 0 */
  double shape; /* GENNORM: s; STUDENT: nu; unused otherwise */
} fc_dist;

/* "gauss", "uniform", ... */
const char *fc_dist_name(fc_dist_kind k);
/* FC_OK when the parameters are valid for the kind (scale > 0 finite; the
 * shape > 0, and nu > 2 for Student-t); FC_EINVAL otherwise. */
int fc_dist_check(const fc_dist *f);

/* m1 = E|X| and m2 = E X^2 of f by quadrature, at the precision of m1 and
 * m2 (they may differ; the larger is used).  *levels (may be NULL) gets the
 * number of step halvings used.  FC_EINVAL for a bad distribution;
 * FC_ERANGE when the refinement does not converge within its level cap (2^-12
 * of the initial step). */
int fc_mp_quad_moments(mpfr_t m1, mpfr_t m2, const fc_dist *f, int *levels);

#endif

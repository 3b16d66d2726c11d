/* quant.h -- MPFR oracles for the quantisation geometry (F7-F10).
 *
 * Inputs are exact doubles; results are computed at the precision of the
 * output variable (plus 32 guard bits inside), with correctly rounded sums
 * (mpfr_sum) and dot products (mpfr_dot) where they fit.  The statement
 * level evaluates each at P and P + 64 (fc_oracle_statement) and compares.
 * The oracle never calls a kernel. */
#ifndef FC_ORACLE_QUANT_H
#define FC_ORACLE_QUANT_H

#include "oracle.h"
#include "quadrature.h"

/* ------------------------------------------------------------------ F7 */

/* ||W||_F of the row-major m x n matrix (one correctly rounded dot product
 * of the entries with themselves, then a square root). */
int fc_mp_frob(mpfr_t r, const double *W, size_t m, size_t n);
/* sqrt((1/divisor) sum_j ||W e_j||^2), column by column: each ||W e_j||^2
 * a correctly rounded dot product, the n of them summed (mpfr_sum).  The
 * anchor's left side has divisor = n; the negative control uses m. */
int fc_mp_colnorm_rms(mpfr_t r, const double *W, size_t m, size_t n,
                      size_t divisor);

/* ------------------------------------------------------------------ F8 */

/* Scratch for one key of dimension d at precision prec (reused across
 * keys; allocate once per case). */
typedef struct fc_mp_keyws {
  size_t d;
  mpfr_prec_t prec; /* working precision (the caller's + 32) */
  mpfr_t *a;        /* |k_i|, 53 bits, exact */
  mpfr_t *b;        /* |k_i| - alpha, or k_i - alpha s_i */
  mpfr_ptr *pa, *pb;
  mpfr_t S1, S2, q, al, t;
} fc_mp_keyws;

/* FC_OK, FC_EINVAL (d = 0), FC_ENOMEM.  On failure w is safe to clear. */
int fc_mp_keyws_init(fc_mp_keyws *w, size_t d, mpfr_prec_t prec);
void fc_mp_keyws_clear(fc_mp_keyws *w);

/* The geometry of one key k (length w->d, k != 0), each output at its own
 * precision, any may be NULL:
 *   cos   = ||k||_1 / (sqrt(d) ||k||_2)
 *   sin2  = sum (|k_i| - alpha)^2 / ||k||^2  (= 1 - cos^2, exactly 0 on
 *           the sign lattice)
 *   alpha = ||k||_1 / d
 *   theta = atan2(sqrt(d sum (|k_i| - alpha)^2), ||k||_1), radians.
 * FC_EINVAL for k = 0 or a non-finite entry. */
int fc_mp_key_geom(fc_mp_keyws *w, const double *k, mpfr_t cos, mpfr_t sin2,
                   mpfr_t alpha, mpfr_t theta);

/* <k, s> / (||k|| ||s||) with s = sign(k) under sign(0) = +1, or, when
 * sign0_zero, sign(0) = 0 (the negative control / mutant convention). */
int fc_mp_cos_lhs(mpfr_t r, fc_mp_keyws *w, const double *k, int sign0_zero);
/* ||k - alpha s||^2 / ||k||^2, s as above. */
int fc_mp_residual(mpfr_t r, fc_mp_keyws *w, const double *k,
                   const mpfr_t alpha, int sign0_zero);

/* ------------------------------------------------------------------ F9 */

/* E|X|^k for k in 1..4 from the closed forms (Gaussian sigma:
 * sigma^k 2^(k/2) Gamma((k+1)/2) / sqrt(pi); uniform [-a, a]: a^k/(k+1);
 * Laplace b: b^k k!; generalised normal: scale^k Gamma((k+1)/s) /
 * Gamma(1/s); Student-t: scale^k nu^(k/2) Gamma((k+1)/2) Gamma((nu-k)/2)
 * / (sqrt(pi) Gamma(nu/2)), k < nu).  FC_EINVAL otherwise. */
int fc_mp_abs_moment(mpfr_t r, const fc_dist *f, int k);
/* beta = (E|X|)^2 / E X^2 from the closed forms.  For the anchors' three
 * this is 2/pi, 3/4 and 1/2 whatever the scale. */
int fc_mp_beta(mpfr_t beta, const fc_dist *f);
/* The delta-method bias coefficient c of E[sin^2 theta_d] = 1 - beta + c/d
 * + o(1/d) for iid coordinates with finite fourth moment:
 *   c = -[(mu2 - mu1^2)/mu2 - 2 mu1 (mu3 - mu1 mu2)/mu2^2
 *         + mu1^2 (mu4 - mu2^2)/mu2^3],  mu_k = E|X|^k.
 * FC_EINVAL when the fourth moment is infinite (Student nu <= 4). */
int fc_mp_bias_coef(mpfr_t c, const fc_dist *f);

/* Mean of sin^2 theta over the n keys (rows of n x d). */
int fc_mp_sin2_mean(mpfr_t mean, fc_mp_keyws *w, const double *keys,
                    size_t n);

/* ----------------------------------------------------------------- F10 */

/* Mean phase-collapse angle in degrees of the n keys (rows of n x d). */
int fc_mp_mean_angle_deg(mpfr_t r, fc_mp_keyws *w, const double *keys,
                         size_t n);
/* The rule of SPEC F10 on an exact angle (degrees): 1, 2 or 3 bits. */
int fc_mp_alloc_rule(const mpfr_t angle_deg, long d_l);

#endif

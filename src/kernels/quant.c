/* quant.c -- the quantisation-geometry kernels (quant.h): reference and
 * mutants.  Values only: the bounds the properties judge these kernels
 * against are the harness's (src/bounds/quant.c, derived there for the
 * algorithms below).  The one error bound left here is part of the
 * certified allocator's ALGORITHM (key_angle, mean_angle_encl: the
 * enclosure it decides with before escalating to MPFR); it never leaves
 * the kernel and nothing is judged against it.
 *
 * Notation there: u = 2^-53 (FC_U), gamma_n = n u / (1 - n u) (fc_gamma),
 * ETA = 2^-1074 (the smallest subnormal), SAFE: a relative 2^-40 inflation
 * covering the neglected second-order terms (O(gamma_n^2) < 2^-80 for n <
 * 2^26) and the enclosure's own rounding.
 *
 * Scaling.  A norm or a sum of squares of values near 1e300 overflows, and
 * near 1e-300 underflows to 0.  The reference kernels scale by an exact
 * power of two 2^-E, E = ilogb(max |x_i|), so that the largest scaled
 * magnitude lies in [1, 2) (LAPACK 3.10's dnrm2 uses Blue's constants; the
 * power-of-two form is exact and simpler).  Scaling is exact except where a
 * scaled value falls into the subnormal range (only values 2^-1022 below the
 * largest). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quant.h"

#define ETA 0x1p-1074
#define SAFE(x) ((x) * (1.0 + 0x1p-40))

/* ---------------------------------------------------------------- scaling */

/* The scale exponent of x[0], x[inc], ...: E with max|x_i| 2^-E in [1, 2);
 * *zero = 1 when every x_i is zero.  FC_EINVAL on a non-finite entry. */
static int scale_exp(int *E, int *zero, const double *x, size_t n, size_t inc)
{
  double mx = 0;
  for (size_t i = 0; i < n; i++) {
    const double a = fabs(x[i * inc]);
    if (!isfinite(a))
      return FC_EINVAL;
    if (a > mx)
      mx = a;
  }
  *zero = mx == 0;
  *E = mx == 0 ? 0 : ilogb(mx);
  return FC_OK;
}

/* A pair of power-of-two factors whose product is 2^-E, each representable,
 * so that (x * s1) * s2 = x 2^-E with no rounding when the result is
 * normal: s1 = 2^600 first when E < -1000 (x subnormal: scaling up is
 * exact), s2 the rest. */
typedef struct { double s1, s2; } scaler;

static scaler make_scaler(int E)
{
  scaler s;
  if (E < -1000) {
    s.s1 = 0x1p600;
    s.s2 = ldexp(1.0, -E - 600);
  } else {
    s.s1 = ldexp(1.0, -E);
    s.s2 = 1.0;
  }
  return s;
}

static inline double scl(const scaler *s, double x) { return x * s->s1 * s->s2; }

/* ------------------------------------------------------------------- F7 */

/* ||x||_2, scaled: ssq = sum fl(y_i^2), y_i = x_i 2^-E, r = fl(sqrt(ssq))
 * 2^E (bound: fc_bnd_quant_nrm2). */
static int nrm2_ref(double *r, const double *x, size_t n, size_t incx)
{
  if (r == NULL || (x == NULL && n > 0) || incx == 0)
    return FC_EINVAL;
  int E, zero, rc = scale_exp(&E, &zero, x, n, incx);
  if (rc)
    return rc;
  if (zero) {
    *r = 0;
    return FC_OK;
  }
  const scaler s = make_scaler(E);
  double ssq = 0;
  for (size_t i = 0; i < n; i++) {
    const double y = scl(&s, x[i * incx]);
    ssq += y * y;
  }
  const double v = ldexp(sqrt(ssq), E);
  *r = v;
  if (!isfinite(v))
    return FC_ERANGE;
  return FC_OK;
}

/* ||W||_F: nrm2 of the m n entries. */
static int frob_ref(double *r, const double *W, size_t m, size_t n)
{
  if (W == NULL && m * n > 0)
    return FC_EINVAL;
  return nrm2_ref(r, W, m * n, 1);
}

/* sqrt((1/n) sum_j ||W e_j||^2), as deployed code computes an average
 * amplification: column norms c_j = nrm2(column j), then R = nrm2(c) /
 * sqrt(n) (bound: fc_bnd_quant_colnorm_rms).  Needs n column norms of
 * scratch: FC_ENOMEM when that fails. */
static int colnorm_rms_impl(double *r, const double *W, size_t m, size_t n,
                            size_t divisor)
{
  if (r == NULL || n == 0 || (W == NULL && m > 0))
    return FC_EINVAL;
  double *c = malloc(n * sizeof *c);
  if (c == NULL)
    return FC_ENOMEM;
  int rc = FC_OK;
  for (size_t j = 0; j < n && rc == FC_OK; j++)
    rc = m ? nrm2_ref(&c[j], W + j, m, n) : (c[j] = 0, FC_OK);
  double cn = 0;
  if (rc == FC_OK)
    rc = nrm2_ref(&cn, c, n, 1);
  free(c);
  if (rc)
    return rc;
  *r = cn / sqrt((double)divisor);
  return FC_OK;
}

static int colnorm_rms_ref(double *r, const double *W, size_t m, size_t n)
{
  return colnorm_rms_impl(r, W, m, n, n);
}

/* x . y, recursive summation (FC_ERANGE when it overflows). */
static int dot_ref(double *r, const double *x, const double *y, size_t n)
{
  if (r == NULL || (n > 0 && (x == NULL || y == NULL)))
    return FC_EINVAL;
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += x[i] * y[i];
  *r = s;
  if (!isfinite(s))
    return isnan(s) ? FC_EINVAL : FC_ERANGE;
  return FC_OK;
}

/* ------------------------------------------------------------------- F8 */

/* sign(0) = sign(-0) = +1 (SPEC F8): exact. */
static void sign_ref(double *s, const double *k, size_t d)
{
  for (size_t i = 0; i < d; i++)
    s[i] = k[i] < 0 ? -1.0 : 1.0;
}

/* The geometry of k, scaled by 2^-E (a_i = |k_i| 2^-E, max a_i in [1,2));
 * bounds of the values: fc_bnd_quant_key.  When enc != NULL it also
 * returns the radii of the certified allocator's enclosure (its own
 * algorithm, key_angle below; derived here because they are computed from
 * this function's intermediates):
 *
 *  S1 = sum a_i, S2 = sum a_i^2 (recursive):
 *    |S1^ - S1| <= e1 S1, e1 = gamma_{d-1} + d ETA  (S1 >= 1);
 *    |S2^ - S2| <= e2 S2, e2 = gamma_d + d ETA      (S2 >= 1).
 *  cos = S1^ / (fl(sqrt(d)) fl(sqrt(S2^))): two square roots, a product and
 *    a quotient add 4u; sqrt halves e2:
 *    relative error ec = e1 + e2/2 + 4u;  cos_err = SAFE(ec cos/(1-ec)).
 *  alpha (scaled) = m + T/d with the shift m = a_0 and T = sum fl(a_i - m)
 *    (a shifted mean: on the sign lattice every a_i - m is exactly 0, so
 *    alpha is exactly m).  Each difference rounds once (u |t_i|), the sum
 *    adds gamma_{d-1} sum |t_i^|, so with A^ = sum |t_i^| computed alongside
 *    |T^ - T| <= gamma_{d+2} A^ + d ETA (underflowed a_i); T/d and m + T/d
 *    round once each:
 *    ea = SAFE(u |alpha^| (1 + 2u) + (1 + 2u)(gamma_{d+2} A^ + d ETA)/d).
 *  sin^2 = q / S2 with q = sum fl(fl(a_i - alpha^)^2), the two-pass form
 *    of 1 - cos^2 (no cancellation near the lattice).  Exactly
 *    sum (a_i - alpha^)^2 = sum (a_i - alpha)^2 + d (alpha^ - alpha)^2 with
 *    alpha = S1/d, so q^ is within gamma_{d+2} q^ (subtract, square, sum)
 *    + d ea^2 + d ETA of the exact d S2 sin^2; dividing by S2^ adds e2 + u:
 *    sin2_err = SAFE((gamma_{d+2} + e2 + 2u) sin2 + (d ea^2 + d ETA)/S2^
 *               (1 + 2 e2)).
 *  On the sign lattice q = 0 exactly, so sin2 = 0 exactly. */
typedef struct geom_encl {
  double cos_err, sin2_err;
} geom_encl;

static int geom_impl(fc_quant_geom *g, geom_encl *enc, const double *k,
                     size_t d, int cancel, int alpha_rms)
{
  if (g == NULL || k == NULL || d == 0)
    return FC_EINVAL;
  int E, zero, rc = scale_exp(&E, &zero, k, d, 1);
  if (rc)
    return rc;
  if (zero)
    return FC_EINVAL; /* the angle of 0 is undefined */
  const scaler s = make_scaler(E);
  const double m = scl(&s, fabs(k[0]));
  double S1 = 0, S2 = 0, T = 0, A = 0;
  for (size_t i = 0; i < d; i++) {
    const double a = scl(&s, fabs(k[i]));
    const double t = a - m;
    S1 += a;
    S2 += a * a;
    T += t;
    A += fabs(t);
  }
  const double dd = (double)d;
  double al = m + T / dd;
  if (alpha_rms) /* mutant: the RMS instead of the mean magnitude */
    al = sqrt(S2 / dd);
  double q = 0;
  for (size_t i = 0; i < d; i++) {
    const double t = scl(&s, fabs(k[i])) - al;
    q += t * t;
  }
  g->cos_theta = S1 / (sqrt(dd) * sqrt(S2));
  g->alpha = ldexp(al, E);
  if (cancel) /* mutant: the textbook 1 - cos^2 */
    g->sin2 = 1 - g->cos_theta * g->cos_theta;
  else
    g->sin2 = q / S2;
  if (enc) { /* the certified allocator's enclosure */
    const double e1 = fc_gamma(dd - 1) + dd * ETA;
    const double e2 = fc_gamma(dd) + dd * ETA;
    const double ec = e1 + 0.5 * e2 + 4 * FC_U;
    const double ea = SAFE(FC_U * fabs(al) * (1 + 2 * FC_U)
                           + (1 + 2 * FC_U)
                                 * (fc_gamma(dd + 2) * A + dd * ETA) / dd);
    enc->cos_err = SAFE(ec * g->cos_theta / (1 - ec));
    enc->sin2_err = SAFE((fc_gamma(dd + 2) + e2 + 2 * FC_U) * fabs(g->sin2)
                         + (dd * ea * ea + dd * ETA) / S2 * (1 + 2 * e2));
  }
  return FC_OK;
}

static int geom_ref(fc_quant_geom *g, const double *k, size_t d)
{
  return geom_impl(g, NULL, k, d, 0, 0);
}

/* ||k - alpha s||^2 / ||k||^2 with s = sign(k) from `sgn`, scaled by
 * 2^-E, E = ilogb(max(max |k_i|, |alpha|)) (bound:
 * fc_bnd_quant_residual). */
static int residual_impl(double *r, const double *k, size_t d, double alpha,
                         void (*sgn)(double *, const double *, size_t))
{
  if (r == NULL || k == NULL || d == 0 || !isfinite(alpha))
    return FC_EINVAL;
  int E, zero, rc = scale_exp(&E, &zero, k, d, 1);
  if (rc)
    return rc;
  if (zero)
    return FC_EINVAL;
  if (fabs(alpha) > 0 && ilogb(alpha) > E)
    E = ilogb(alpha);
  const scaler sc = make_scaler(E);
  const double as = scl(&sc, alpha);
  double num = 0, den = 0;
  double sv[64];
  for (size_t i0 = 0; i0 < d; i0 += 64) {
    const size_t nb = d - i0 < 64 ? d - i0 : 64;
    sgn(sv, k + i0, nb);
    for (size_t i = 0; i < nb; i++) {
      const double y = scl(&sc, k[i0 + i]);
      const double v = y - as * sv[i];
      num += v * v;
      den += y * y;
    }
  }
  if (!(den > 0))
    return FC_EINVAL;
  *r = num / den;
  return FC_OK;
}

static int residual_ref(double *r, const double *k, size_t d, double alpha)
{
  return residual_impl(r, k, d, alpha, sign_ref);
}

/* ------------------------------------------------------------------ F10 */

/* Outward rounding helpers: up(x) >= x + 1 ulp-ish, with room for one
 * more rounding: |x| 2^-51 is at least 2 ulps of x (an ulp is at most
 * 2u |x|), ETA covers x = 0 and subnormals.  lib_up/lib_dn widen a libm
 * result by 2 ulps (glibc's table of known maximum errors lists acos,
 * asin, atan2 at 1 ulp or less on x86_64; we allow 2). */
static double up(double x) { return x + fabs(x) * 0x1p-51 + ETA; }
static double dn(double x) { return x - fabs(x) * 0x1p-51 - ETA; }
static double lib_up(double x) { return x + fabs(x) * 0x1p-50 + ETA; }
static double lib_dn(double x) { return x - fabs(x) * 0x1p-50 - ETA; }

/* The certified allocator's enclosure (its algorithm: which side of a
 * threshold the exact angle is on, decided in double when it can be).
 * One key's angle in radians and an enclosure.  theta^ = atan2(sqrt(s2),
 * c) from the reference geometry.  The exact theta lies in both
 *   [acos(c + ec), acos(c - ec)]  (acos decreasing, c exact within ec)
 *   [asin(sqrt(s2 - e2)), asin(sqrt(s2 + e2))]  (theta in [0, pi/2])
 * with every argument rounded outward and every libm result widened by
 * lib_up/lib_dn; the intersection [lo, hi] is an enclosure, and the error
 * of theta^ is max(hi - theta^, theta^ - lo).  The cosine enclosure is
 * tight away from the lattice, the sine one near it (where acos is
 * ill-conditioned). */
static int key_angle(double *th, double *err, const double *k, size_t d)
{
  fc_quant_geom g;
  geom_encl ge;
  int rc = geom_impl(&g, &ge, k, d, 0, 0);
  if (rc)
    return rc;
  const double c = g.cos_theta, s2 = g.sin2 < 0 ? 0 : g.sin2;
  const double t = atan2(sqrt(s2), c);
  if (err == NULL) {
    *th = t;
    return FC_OK;
  }
  double lo_c = lib_dn(acos(fmin(1.0, up(c + ge.cos_err))));
  double hi_c = lib_up(acos(fmax(-1.0, dn(c - ge.cos_err))));
  double slo = dn(s2 - ge.sin2_err), shi = up(s2 + ge.sin2_err);
  double lo_s = slo <= 0 ? 0 : lib_dn(asin(fmax(0.0, dn(sqrt(slo)))));
  double hi_s = lib_up(asin(fmin(1.0, up(sqrt(fmin(1.0, shi))))));
  double lo = fmax(fmax(lo_c, lo_s), 0.0), hi = fmin(hi_c, hi_s);
  if (!(hi >= lo)) /* empty: cannot happen with valid bounds; be safe */
    lo = fmin(lo_c, lo_s), hi = fmax(hi_c, hi_s);
  *th = t;
  *err = up(fmax(hi - t, t - lo));
  return FC_OK;
}

/* Mean angle in degrees: deg_i = theta_i^ R with R = fl(180/fl(pi)), the
 * mean of the n (bound: fc_bnd_mean_angle).  With err != NULL (the
 * certified allocator only) also the radius of its enclosure: R has
 * relative error <= 2u against 180/pi, the product one rounding (u); the
 * sum of n degrees adds gamma_{n-1} sum deg_i, the division by n one u:
 *   err = SAFE((sum err_i R (1 + 3u) + 3u sum deg_i)(1 + gamma_{n+1})/n
 *              + gamma_{n+1} sum deg_i / n). */
static int mean_angle_encl(double *deg, double *err, const double *keys,
                           size_t n, size_t d)
{
  if (deg == NULL || keys == NULL || n == 0 || d == 0)
    return FC_EINVAL;
  const double R = 180.0 / M_PI;
  double sum = 0, esum = 0;
  for (size_t i = 0; i < n; i++) {
    double t, e = 0;
    int rc = key_angle(&t, err ? &e : NULL, keys + i * d, d);
    if (rc)
      return rc;
    const double di = t * R;
    sum += di;
    esum += e * R * (1 + 3 * FC_U) + 3 * FC_U * di;
  }
  const double dn_ = (double)n;
  *deg = sum / dn_;
  if (err)
    *err = SAFE(esum * (1 + fc_gamma(dn_ + 1)) / dn_
                + fc_gamma(dn_ + 1) * sum / dn_);
  return FC_OK;
}

static int mean_angle_ref(double *deg, const double *keys, size_t n,
                          size_t d)
{
  return mean_angle_encl(deg, NULL, keys, n, d);
}

static int rule_ref(int *bits, double angle, long d_l)
{
  if (bits == NULL)
    return FC_EINVAL;
  if (isnan(angle))
    *bits = 3;
  else if (d_l >= FC_ALLOC_DIM_1BIT && angle <= FC_ALLOC_ANGLE_1BIT)
    *bits = 1;
  else if (angle <= FC_ALLOC_ANGLE_2BIT)
    *bits = 2;
  else
    *bits = 3;
  return FC_OK;
}

static int alloc_plain_ref(int *bits, double *angle, const double *keys,
                           size_t n, size_t d, long d_l)
{
  double a;
  int rc = mean_angle_ref(&a, keys, n, d);
  if (rc)
    return rc;
  if (angle)
    *angle = a;
  return rule_ref(bits, a, d_l);
}

/* Is the exact mean angle <= t?  Certain from the double enclosure
 * [a - e, a + e] when t lies outside it; otherwise escalate (or, for the
 * mutant, trust a). */
static int le_threshold(int *le, int *esc, double a, double e,
                        const double *keys, size_t n, size_t d, double t,
                        int escalate)
{
  if (up(a + e) < t) {
    *le = 1;
    return FC_OK;
  }
  if (dn(a - e) > t) {
    *le = 0;
    return FC_OK;
  }
  if (!escalate) {
    *le = a <= t;
    return FC_OK;
  }
  *esc = 1;
  int cmp;
  int rc = fc_quant_mp_cmp_mean_angle(&cmp, keys, n, d, t, 1L << 13);
  if (rc)
    return rc;
  *le = cmp <= 0;
  return FC_OK;
}

static int alloc_cert_impl(int *bits, int *escalated, const double *keys,
                           size_t n, size_t d, long d_l, int escalate)
{
  if (bits == NULL)
    return FC_EINVAL;
  double a, e;
  int rc = mean_angle_encl(&a, &e, keys, n, d);
  if (rc)
    return rc;
  int esc = 0, le40 = 0, le44 = 0;
  if (d_l >= FC_ALLOC_DIM_1BIT)
    rc = le_threshold(&le40, &esc, a, e, keys, n, d, FC_ALLOC_ANGLE_1BIT,
                      escalate);
  if (rc == FC_OK && !le40)
    rc = le_threshold(&le44, &esc, a, e, keys, n, d, FC_ALLOC_ANGLE_2BIT,
                      escalate);
  if (rc)
    return rc;
  *bits = le40 ? 1 : le44 ? 2 : 3;
  if (escalated)
    *escalated = esc;
  return FC_OK;
}

static int alloc_cert_ref(int *bits, int *escalated, const double *keys,
                          size_t n, size_t d, long d_l)
{
  return alloc_cert_impl(bits, escalated, keys, n, d, d_l, 1);
}

const struct fc_kern_quant fc_kern_quant_ref = {
    .nrm2 = nrm2_ref,
    .frob = frob_ref,
    .colnorm_rms = colnorm_rms_ref,
    .dot = dot_ref,
    .sign = sign_ref,
    .geom = geom_ref,
    .residual = residual_ref,
    .mean_angle = mean_angle_ref,
    .rule = rule_ref,
    .alloc_plain = alloc_plain_ref,
    .alloc_certified = alloc_cert_ref,
};

/* ---------------------------------------------------------------- mutants */

/* Naive norms: sqrt(sum x_i^2) with no scaling.  Overflows to inf once
 * x_i^2 does (|x_i| > 1.3e154, so at 1e200) and loses everything below
 * 1e-162 (1e-200 squares to 0). */
static int nrm2_naive(double *r, const double *x, size_t n, size_t incx)
{
  if (r == NULL || (x == NULL && n > 0) || incx == 0)
    return FC_EINVAL;
  double ssq = 0;
  for (size_t i = 0; i < n; i++)
    ssq += x[i * incx] * x[i * incx];
  *r = sqrt(ssq);
  return FC_OK;
}

static int frob_naive(double *r, const double *W, size_t m, size_t n)
{
  return nrm2_naive(r, W, m * n, 1);
}

static int colnorm_rms_naive(double *r, const double *W, size_t m, size_t n)
{
  if (r == NULL || n == 0 || (W == NULL && m > 0))
    return FC_EINVAL;
  double ssq = 0;
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < m; i++)
      ssq += W[i * n + j] * W[i * n + j];
  *r = sqrt(ssq / (double)n);
  return FC_OK;
}

/* sign(0) = 0, the (x > 0) - (x < 0) idiom; the cosine keeps sqrt(d). */
static void sign_zero(double *s, const double *k, size_t d)
{
  for (size_t i = 0; i < d; i++)
    s[i] = (double)((k[i] > 0) - (k[i] < 0));
}

static int residual_sign0(double *r, const double *k, size_t d, double alpha)
{
  return residual_impl(r, k, d, alpha, sign_zero);
}

static int geom_cancel(fc_quant_geom *g, const double *k, size_t d)
{
  return geom_impl(g, NULL, k, d, 1, 0);
}

static int geom_alpha_rms(fc_quant_geom *g, const double *k, size_t d)
{
  return geom_impl(g, NULL, k, d, 0, 1);
}

static int colnorm_rms_rows(double *r, const double *W, size_t m, size_t n)
{
  return colnorm_rms_impl(r, W, m, n, m ? m : 1);
}

static int alloc_cert_noesc(int *bits, int *escalated, const double *keys,
                            size_t n, size_t d, long d_l)
{
  return alloc_cert_impl(bits, escalated, keys, n, d, d_l, 0);
}

const struct fc_kern_quant fc_kern_quant_mut_naive_nrm2 = {
    .nrm2 = nrm2_naive, .frob = frob_naive, .colnorm_rms = colnorm_rms_naive,
    .dot = dot_ref, .sign = sign_ref, .geom = geom_ref,
    .residual = residual_ref, .mean_angle = mean_angle_ref, .rule = rule_ref,
    .alloc_plain = alloc_plain_ref, .alloc_certified = alloc_cert_ref};

const struct fc_kern_quant fc_kern_quant_mut_sign0 = {
    .nrm2 = nrm2_ref, .frob = frob_ref, .colnorm_rms = colnorm_rms_ref,
    .dot = dot_ref, .sign = sign_zero, .geom = geom_ref,
    .residual = residual_sign0, .mean_angle = mean_angle_ref,
    .rule = rule_ref, .alloc_plain = alloc_plain_ref,
    .alloc_certified = alloc_cert_ref};

const struct fc_kern_quant fc_kern_quant_mut_sin2_cancel = {
    .nrm2 = nrm2_ref, .frob = frob_ref, .colnorm_rms = colnorm_rms_ref,
    .dot = dot_ref, .sign = sign_ref, .geom = geom_cancel,
    .residual = residual_ref, .mean_angle = mean_angle_ref,
    .rule = rule_ref, .alloc_plain = alloc_plain_ref,
    .alloc_certified = alloc_cert_ref};

const struct fc_kern_quant fc_kern_quant_mut_alpha_rms = {
    .nrm2 = nrm2_ref, .frob = frob_ref, .colnorm_rms = colnorm_rms_ref,
    .dot = dot_ref, .sign = sign_ref, .geom = geom_alpha_rms,
    .residual = residual_ref, .mean_angle = mean_angle_ref,
    .rule = rule_ref, .alloc_plain = alloc_plain_ref,
    .alloc_certified = alloc_cert_ref};

const struct fc_kern_quant fc_kern_quant_mut_rms_rows = {
    .nrm2 = nrm2_ref, .frob = frob_ref, .colnorm_rms = colnorm_rms_rows,
    .dot = dot_ref, .sign = sign_ref, .geom = geom_ref,
    .residual = residual_ref, .mean_angle = mean_angle_ref,
    .rule = rule_ref, .alloc_plain = alloc_plain_ref,
    .alloc_certified = alloc_cert_ref};

const struct fc_kern_quant fc_kern_quant_mut_cert_noescalate = {
    .nrm2 = nrm2_ref, .frob = frob_ref, .colnorm_rms = colnorm_rms_ref,
    .dot = dot_ref, .sign = sign_ref, .geom = geom_ref,
    .residual = residual_ref, .mean_angle = mean_angle_ref,
    .rule = rule_ref, .alloc_plain = alloc_plain_ref,
    .alloc_certified = alloc_cert_noesc};

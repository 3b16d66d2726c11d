/* lin.c -- harness bounds for the 2x2 linear-algebra kernels of F1 and F2
 * (src/kernels/lin.h; issue 16 item 3).
 *
 * The kernels compute values only.  Each function here bounds, a priori,
 * what one kernel returns when every operation of it is done in format f
 * (round to nearest; the built-in tables are fp64/fp64, f = FC_FMT_FP64),
 * from what the harness holds: the exact inputs, or for a composed input
 * (a kernel output fed to another kernel) a magnitude m >= |x*| of the
 * exact value and the bound e >= |x^ - x*| of the computed one, so that
 * |x^| <= m + e.  Nothing here reads a kernel's output.
 *
 * Model (bounds.h, doc/error-model.md; Higham, Accuracy and Stability of
 * Numerical Algorithms, 2nd ed., sections 2.1-2.2 and 3.1): with u = u_f
 * and eta = eta_f (the smallest subnormal of f),
 *   fl(a +- b) = (a +- b)(1 + d),          |d| <= u (an underflowing sum
 *                                           is exact: no absolute term);
 *   fl(a b)    = a b (1 + d) + h,          |d| <= u, |h| <= eta/2
 *                                           (Higham (2.8)), and exactly 0
 *                                           when a factor is 0;
 *   a library sin/cos returns f(x)(1 + d) + h, |d| <= 2u, |h| <= eta, of
 *   its computed argument x: within one ulp (glibc's table of known
 *   maximum errors lists <= 1 ulp for sin and cos on x86_64 and aarch64),
 *   and an ulp is at most 2u|y| for a normal y, eta for a subnormal one.
 * A product or sum whose operands are all exactly 0 (magnitude and error
 * both 0) is exactly 0; the dot bounds count only the other terms.
 *
 * Each bound and magnitude is evaluated in double from nonnegative terms
 * with fewer than 64 roundings along any path, so the computed value is at
 * least (1 - 2^-53)^64 > 1 - 2^-46 times its exact value, less at most 64
 * half-ulps of the subnormal range (2^-1075 each) where the evaluation
 * underflows.  up() multiplies by 1 + 2^-40 and adds 2^-1068 = 64 2^-1074,
 * which covers both; an exactly zero value (every operand exactly 0) stays
 * 0.  The magnitudes of sin and cos come from MPFR (sinpi_mag) with a
 * relative error below 2^-250, folded into the same factor.  No factor is
 * tuned. */
#include <math.h>
#include <mpfr.h>
#include <stddef.h>
#include "bounds/bounds.h"

/* The harness's own rounding of a bound or magnitude x (see above); x is
 * exactly 0 when !nonzero. */
static double up(double x, int nonzero)
{
  return nonzero ? x * (1.0 + 0x1p-40) + 0x1p-1068 : 0.0;
}

/* Precision holding t, 2 t + 1/2 and t1 -/+ t2 exactly for any doubles:
 * their bits span at most 2^1025 .. 2^-1074, 2100 bits. */
#define EXACT_PREC 2200
/* Working precision of sin(pi r), |r| <= 1/2. */
#define SIN_PREC 256

static double ein(const double *e, size_t i) { return e ? e[i] : 0.0; }

/* An operand is exactly 0 in the kernel when its magnitude and error are. */
static int zero_op(double m, double e) { return m == 0 && e == 0; }

/* ------------------------------------------------------- sin magnitudes */

/* An upper bound of |sin(pi h)| for h exact (h is overwritten).
 * r = h - nearest integer (exact: mpfr_remainder at h's precision), so
 * |sin(pi h)| = |sin(pi r)|, |r| <= 1/2; r = 0 gives exactly 0.  At SIN_PREC
 * = 256 bits v = fl(fl(pi) r) = pi r (1 + d), |d| <= 2^-255, and sin is
 * 1-Lipschitz, so |sin v - sin(pi r)| <= 2^-255 |pi r| <= 2^-255 (pi/2)
 * |sin(pi r)| (|sin x| >= 2|x|/pi on |x| <= pi/2); with the rounding of sin
 * (2^-256 relative) |sin(pi r)| <= |fl(sin v)| (1 + 2^-252).  The result,
 * rounded up to double, goes through the caller's up(), whose factor
 * (1 + 2^-40) covers the (1 + 2^-252). */
static double sinpi_mag(mpfr_t h)
{
  mpfr_t one, r, v;
  mpfr_init2(one, 2);
  mpfr_init2(r, mpfr_get_prec(h));
  mpfr_init2(v, SIN_PREC);
  mpfr_set_ui(one, 1, MPFR_RNDN);
  mpfr_remainder(r, h, one, MPFR_RNDN);
  double m = 0.0;
  if (!mpfr_zero_p(r)) {
    mpfr_const_pi(v, MPFR_RNDN);
    mpfr_mul(v, v, r, MPFR_RNDN);
    mpfr_sin(v, v, MPFR_RNDN);
    mpfr_abs(v, v, MPFR_RNDN);
    m = mpfr_get_d(v, MPFR_RNDU);
  }
  mpfr_clears(one, r, v, (mpfr_ptr)0);
  return m;
}

/* Upper bounds of |sin(2 pi t)| = |sin(pi 2t)| and |cos(2 pi t)| =
 * |sin(pi (2t + 1/2))|, t a finite double. */
static void sincos_mag(double *sm, double *cm, double t)
{
  mpfr_t h;
  mpfr_init2(h, EXACT_PREC);
  mpfr_set_d(h, t, MPFR_RNDN);
  mpfr_mul_2ui(h, h, 1, MPFR_RNDN);
  *sm = sinpi_mag(h);
  mpfr_set_d(h, t, MPFR_RNDN);
  mpfr_mul_2ui(h, h, 1, MPFR_RNDN);
  mpfr_add_d(h, h, 0.5, MPFR_RNDN);
  *cm = sinpi_mag(h);
  mpfr_clear(h);
}

/* ------------------------------------------------------------ scalars */

/* fl(a^ b^) against a* b*: the input errors propagate as
 *   |a^ b^ - a* b*| <= am eb + bm ea + ea eb,
 * the rounding adds u |a^ b^| + eta/2 <= u (am + ea)(bm + eb) + eta/2. */
double fc_bnd_lin_mul(int f, double am, double ea, double bm, double eb)
{
  if (zero_op(am, ea) || zero_op(bm, eb))
    return 0.0;
  const double u = fc_fmt_u(f), eta = fc_fmt_eta(f);
  return up(am * eb + bm * ea + ea * eb + u * (am + ea) * (bm + eb)
                + 0.5 * eta, 1);
}

/* fl(a^ +- b^) against a* +- b*:  ea + eb + u |a^ +- b^|
 *   <= ea + eb + u (am + ea + bm + eb). */
double fc_bnd_lin_add(int f, double am, double ea, double bm, double eb)
{
  return up(ea + eb + fc_fmt_u(f) * (am + ea + bm + eb),
            !zero_op(am, ea) || !zero_op(bm, eb));
}

/* ---------------------------------------------------------------- dot */

/* fl(x^ . y^) by any summation order, with or without FMA, against
 * x* . y* (Higham Lemma 3.1 and (3.4), with the underflow of each product):
 *   |fl(x^.y^) - x^.y^| <= gamma_k sum |x^_i y^_i| + (1 + gamma_k) k eta/2,
 * k the number of terms that are not exactly 0 (an exact zero product adds
 * nothing and its addition is exact), |x^_i y^_i| <= (xm_i + ex_i)(ym_i +
 * ey_i); the input errors add sum (ym_i ex_i + xm_i ey_i + ex_i ey_i). */
double fc_bnd_lin_dot(int f, size_t n, const double *xm, const double *ex,
                      const double *ym, const double *ey)
{
  double mag = 0.0, prop = 0.0, k = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double a = ein(ex, i), b = ein(ey, i);
    if (zero_op(xm[i], a) || zero_op(ym[i], b))
      continue;
    k += 1.0;
    mag += (xm[i] + a) * (ym[i] + b);
    prop += ym[i] * a + xm[i] * b + a * b;
  }
  if (k == 0)
    return 0.0;
  const double g = fc_fmt_gamma(f, k);
  return up(g * mag + (1.0 + g) * k * 0.5 * fc_fmt_eta(f) + prop, 1);
}

/* --------------------------------------------------------------- mul2 */

/* C = A B: each entry a dot of length 2 (row i of A, column j of B), so
 * EC_ij = fc_bnd_lin_dot of those; CM_ij = sum_k AM_ik BM_kj >= |C*_ij|. */
void fc_bnd_lin_mul2(int f, double EC[4], double CM[4], const double AM[4],
                     const double EA[4], const double BM[4],
                     const double EB[4])
{
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      const double xm[2] = {AM[2 * i], AM[2 * i + 1]};
      const double ym[2] = {BM[j], BM[2 + j]};
      const double ex[2] = {ein(EA, 2 * i), ein(EA, 2 * i + 1)};
      const double ey[2] = {ein(EB, j), ein(EB, 2 + j)};
      if (EC)
        EC[2 * i + j] = fc_bnd_lin_dot(f, 2, xm, ex, ym, ey);
      if (CM)
        CM[2 * i + j] = up(xm[0] * ym[0] + xm[1] * ym[1],
                           (xm[0] != 0 && ym[0] != 0)
                               || (xm[1] != 0 && ym[1] != 0));
    }
}

/* fl(P^ - Q^) for P = A B, Q = B' A' computed by mul2 (bounds EP, EQ,
 * magnitudes PM, QM): |fl(P^ - Q^) - (P* - Q*)| <= u |P^ - Q^| + EP + EQ
 * <= u (PM + EP + QM + EQ) + EP + EQ  (fc_bnd_lin_add); magnitude PM + QM. */
static void diff2(int f, double E[4], double M[4], const double PM[4],
                  const double EP[4], const double QM[4], const double EQ[4])
{
  for (int k = 0; k < 4; k++) {
    const double e = fc_bnd_lin_add(f, PM[k], EP[k], QM[k], EQ[k]);
    const double m = up(PM[k] + QM[k], PM[k] != 0 || QM[k] != 0);
    if (E)
      E[k] = e;
    if (M)
      M[k] = m;
  }
}

/* -------------------------------------------------------------- comm2 */

/* C = A B - B A: two mul2 and a difference (diff2). */
void fc_bnd_lin_comm2(int f, double EC[4], double CM[4], const double AM[4],
                      const double EA[4], const double BM[4],
                      const double EB[4])
{
  double EP[4], PM[4], EQ[4], QM[4];
  fc_bnd_lin_mul2(f, EP, PM, AM, EA, BM, EB);
  fc_bnd_lin_mul2(f, EQ, QM, BM, EB, AM, EA);
  diff2(f, EC, CM, PM, EP, QM, EQ);
}

/* ---------------------------------------------------------------- rot */

/* R = Rot(2 pi t) as the kernel forms it: c2 = fl_f(2 pi) = 2 pi (1 + d0),
 * w = fl(c2 t) = 2 pi t (1 + d0)(1 + d1) + h1, so
 *   |w - 2 pi t| <= gamma_2 |2 pi t| + eta/2 =: ew   (0 when t = 0: w = 0),
 * |2 pi t| <= fl(2 pi_d |t|)(1 + 2u) (1 + 2^-51) (pi_d = fl_64(pi), pi <=
 * pi_d (1 + 2^-53), two roundings); up()'s factor covers the (1 + 2^-51).
 * Then s = sin(w): by the mean value theorem |sin w - sin 2 pi t| <= ew
 * |cos xi| with |cos xi| <= min(1, cm + ew), cm >= |cos 2 pi t|; the
 * library adds 2u |sin w| + eta <= 2u (sm + ew) + eta:
 *   es = ew min(1, cm + ew) + 2u (sm + ew) + eta,
 *   ec = ew min(1, sm + ew) + 2u (cm + ew) + eta.
 * Negation is exact.  sm, cm: sincos_mag (MPFR). */
void fc_bnd_lin_rot(int f, double ER[4], double RM[4], double t)
{
  const double u = fc_fmt_u(f), eta = fc_fmt_eta(f);
  double sm, cm;
  sincos_mag(&sm, &cm, t);
  const double w = 2.0 * 0x1.921fb54442d18p+1 * fabs(t) * (1.0 + 2.0 * u);
  const double ew = t == 0 ? 0.0 : fc_fmt_gamma(f, 2.0) * w + 0.5 * eta;
  const double es = up(ew * fmin(1.0, cm + ew) + 2.0 * u * (sm + ew) + eta, 1);
  const double ec = up(ew * fmin(1.0, sm + ew) + 2.0 * u * (cm + ew) + eta, 1);
  const double e[4] = {ec, es, es, ec};
  const double m[4] = {up(cm, cm != 0), up(sm, sm != 0), up(sm, sm != 0),
                       up(cm, cm != 0)};
  for (int k = 0; k < 4; k++) {
    if (ER)
      ER[k] = e[k];
    if (RM)
      RM[k] = m[k];
  }
}

/* --------------------------------------------------------------- sylv */

/* Y = X R1 - R2 X, R1 = Rot(2 pi t1), R2 = Rot(2 pi t2) formed as rot:
 * the rot bounds, two mul2 that propagate them and EX, and diff2. */
void fc_bnd_lin_sylv(int f, double EY[4], double YM[4], const double XM[4],
                     const double EX[4], double t1, double t2)
{
  double ER1[4], RM1[4], ER2[4], RM2[4], EP[4], PM[4], EQ[4], QM[4];
  fc_bnd_lin_rot(f, ER1, RM1, t1);
  fc_bnd_lin_rot(f, ER2, RM2, t2);
  fc_bnd_lin_mul2(f, EP, PM, XM, EX, RM1, ER1);
  fc_bnd_lin_mul2(f, EQ, QM, RM2, ER2, XM, EX);
  diff2(f, EY, YM, PM, EP, QM, EQ);
}

/* ------------------------------------------------------------- sigmas */

/* sig = 2 |sin(pi h)|, h = t1 -/+ t2, as the kernel forms it:
 *   h~ = fl(t1 -/+ t2) = h (1 + d1);  a = fl(pi_f h~) = pi h (1 + d0)(1 + d1)
 *   (1 + d2) + h2, so |a - pi h| <= gamma_3 pi |h| + eta/2 =: ea (0 when
 *   h = 0: then h~ = 0 and a = 0 exactly);
 * |h| <= |fl(t1 -/+ t2)| (1 + 2u).  sin is 1-Lipschitz and the library adds
 * 2u |sin a| + eta <= 2u (sm + ea) + eta, sm >= |sin(pi h)| (MPFR, h
 * formed exactly); fabs and the doubling are exact:
 *   esig = 2 (ea + 2u (sm + ea) + eta),  sigm = 2 sm. */
void fc_bnd_lin_sigmas(int f, double esig[2], double sigm[2], double t1,
                       double t2)
{
  const double u = fc_fmt_u(f), eta = fc_fmt_eta(f);
  mpfr_t h;
  mpfr_init2(h, EXACT_PREC);
  for (int k = 0; k < 2; k++) {
    const double hd = k == 0 ? t1 - t2 : t1 + t2;
    mpfr_set_d(h, t1, MPFR_RNDN);
    if (k == 0)
      mpfr_sub_d(h, h, t2, MPFR_RNDN);
    else
      mpfr_add_d(h, h, t2, MPFR_RNDN);
    const double sm = sinpi_mag(h);
    const double a = 0x1.921fb54442d18p+1 * fabs(hd) * (1.0 + 2.0 * u);
    const double ea = hd == 0 ? 0.0 : fc_fmt_gamma(f, 3.0) * a + 0.5 * eta;
    if (esig)
      esig[k] = up(2.0 * (ea + 2.0 * u * (sm + ea) + eta), 1);
    if (sigm)
      sigm[k] = up(2.0 * sm, sm != 0);
  }
  mpfr_clear(h);
}

/* ------------------------------------------------------------- decomp */

/* a = fl(fl(r00 + r11) / 2) and b, c, d alike.  The sum errs by at most
 * u |r00^ + r11^| <= u (RM00 + E00 + RM11 + E11); halving is exact unless
 * the result is subnormal (then at most eta/2); input errors halve:
 *   E_a = (u (RM00 + E00 + RM11 + E11) + E00 + E11) / 2 + eta/2
 * (0 when every operand is exactly 0); magnitude (RM00 + RM11) / 2. */
void fc_bnd_lin_decomp(int f, double E[4], double M[4], const double RM[4],
                       const double ER[4])
{
  const int pair[4][2] = {{0, 3}, {2, 1}, {0, 3}, {1, 2}};
  for (int k = 0; k < 4; k++) {
    const int i = pair[k][0], j = pair[k][1];
    const double ei = ein(ER, (size_t)i), ej = ein(ER, (size_t)j);
    const int nz = !zero_op(RM[i], ei) || !zero_op(RM[j], ej);
    const double e = up(0.5 * fc_bnd_lin_add(f, RM[i], ei, RM[j], ej)
                        + 0.5 * fc_fmt_eta(f), nz);
    if (E)
      E[k] = e;
    if (M)
      M[k] = up(0.5 * (RM[i] + RM[j]), RM[i] != 0 || RM[j] != 0);
  }
}

/* lin.c -- 2x2 linear-algebra kernels with running error bounds (F1, F2).
 *
 * Model of arithmetic (Higham, ch. 2-3): binary64, round to nearest,
 * u = 2^-53 (FC_U).  For +, -: fl(x op y) = (x op y)(1 + d), |d| <= u (no
 * underflow error: a subnormal sum is exact).  For *: fl(x y) = x y (1 + d)
 * + e, |d| <= u, |e| <= 2^-1075 (underflow), so every product contributes at
 * most ETA = 2^-1074 absolute beside its relative error.
 *
 * libm assumption: sin and cos (glibc, x86_64 and aarch64) return a result
 * within 1 ulp of the exact value of the double argument they were given
 * (glibc's "Known Maximum Errors" table lists 1 ulp or less).  An ulp of a
 * double y is at most 2u|y| for normal y and ETA for subnormal y, so the libm
 * error is at most 2u|y| + ETA (y the exact or the computed value: the
 * difference is second order and covered by SAFE below).
 *
 * Every bound is itself evaluated in double from fewer than 40 nonnegative
 * terms with round to nearest, so the computed bound is at least
 * (1 - u)^40 > 1 - 2^-47 times its exact value; SAFE() multiplies the final
 * bound by 1 + 2^-40, which covers that evaluation error and the second-order
 * terms neglected above.  No tolerance is tuned: every factor is derived.
 */
#include <math.h>
#include <stddef.h>
#include "lin.h"

#define ETA 0x1p-1074
#define PI_D 0x1.921fb54442d18p+1 /* fl(pi), the double nearest pi */
#define SAFE(x) ((x) * (1.0 + 0x1p-40))

static double ein(const double *e, size_t i) { return e ? e[i] : 0.0; }

static void copy4(double *dst, const double *src)
{
  if (dst)
    for (int k = 0; k < 4; k++)
      dst[k] = src[k];
}

/* ------------------------------------------------------------------ dot */

/* x . y by recursive summation.  Bound (Higham (3.5) plus underflow and
 * input propagation):
 *   |fl(x.y) - x*.y*| <= gamma_n sum|x_i y_i| + n ETA
 *                        + sum (|y_i| ex_i + |x_i| ey_i + ex_i ey_i),
 * x* = x + dx with |dx| <= ex (and y likewise).  The first term holds for
 * any summation order and with or without FMA. */
static double dot_ref(double *err, const double *x, const double *ex,
                      const double *y, const double *ey, size_t n)
{
  double s = 0.0, mag = 0.0, prop = 0.0;
  for (size_t i = 0; i < n; i++) {
    s += x[i] * y[i];
    mag += fabs(x[i] * y[i]);
    prop += fabs(y[i]) * ein(ex, i) + fabs(x[i]) * ein(ey, i)
            + ein(ex, i) * ein(ey, i);
  }
  if (err)
    *err = SAFE(fc_gamma((double)n) * mag + (double)n * ETA + prop);
  return s;
}

/* ---------------------------------------------------------------- mul2 */

/* C = A B: each entry is a dot product of length 2, so
 *   EC_ij = gamma_2 (|a_i0 b_0j| + |a_i1 b_1j|) + 2 ETA
 *           + sum_k (|b_kj| ea_ik + |a_ik| eb_kj + ea_ik eb_kj). */
static void mul2_ref(double C[4], double EC[4], const double A[4],
                     const double EA[4], const double B[4],
                     const double EB[4])
{
  double c[4], e[4];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      const double x[2] = {A[2 * i], A[2 * i + 1]};
      const double y[2] = {B[j], B[2 + j]};
      const double ex[2] = {ein(EA, 2 * i), ein(EA, 2 * i + 1)};
      const double ey[2] = {ein(EB, j), ein(EB, 2 + j)};
      c[2 * i + j] = dot_ref(&e[2 * i + j], x, ex, y, ey, 2);
    }
  copy4(C, c);
  copy4(EC, e);
}

/* Mutant: the left operand is read transposed (C = A^T B), the bug of a
 * kernel that mixes up row- and column-major storage for one argument. */
static void mul2_transpose(double C[4], double EC[4], const double A[4],
                           const double EA[4], const double B[4],
                           const double EB[4])
{
  const double At[4] = {A[0], A[2], A[1], A[3]};
  const double EAt[4] = {ein(EA, 0), ein(EA, 2), ein(EA, 1), ein(EA, 3)};
  mul2_ref(C, EC, At, EAt, B, EB);
}

/* --------------------------------------------------------------- comm2 */

/* C = P - Q with P = A B, Q = B A (mul2_ref, bounds EP, EQ):
 *   |fl(P - Q) - (P* - Q*)| <= u |P - Q| + EP + EQ
 *                           <= u (|P| + |Q|) + EP + EQ. */
static void comm2_sign(double C[4], double EC[4], const double A[4],
                       const double EA[4], const double B[4],
                       const double EB[4], double sign)
{
  double P[4], Q[4], EP[4], EQ[4], c[4], e[4];
  mul2_ref(P, EP, A, EA, B, EB);
  mul2_ref(Q, EQ, B, EB, A, EA);
  for (int k = 0; k < 4; k++) {
    c[k] = P[k] + sign * Q[k];
    e[k] = SAFE(FC_U * (fabs(P[k]) + fabs(Q[k])) + EP[k] + EQ[k]);
  }
  copy4(C, c);
  copy4(EC, e);
}

static void comm2_ref(double C[4], double EC[4], const double A[4],
                      const double EA[4], const double B[4],
                      const double EB[4])
{
  comm2_sign(C, EC, A, EA, B, EB, -1.0);
}

/* Mutant: the anticommutator AB + BA (a sign slip). */
static void comm2_anti(double C[4], double EC[4], const double A[4],
                       const double EA[4], const double B[4],
                       const double EB[4])
{
  comm2_sign(C, EC, A, EA, B, EB, +1.0);
}

/* ----------------------------------------------------------------- rot */

/* Rot(2 pi t).  The angle is formed as deployed kernels do:
 * w = fl(fl(2 pi) t), fl(2 pi) = 2 PI_D (an exact doubling of fl(pi)), so
 *   w = 2 pi t (1 + d0)(1 + d1) + e,  |w - 2 pi t| <= gamma_2 |2 pi t| + ETA
 *     <= gamma_3 |w| + ETA =: ew
 * (|2 pi t| <= |w| / (1 - gamma_2) and gamma_2 / (1 - gamma_2) <= gamma_3).
 * Then s = sin(w), c = cos(w): by the mean value theorem
 *   |sin w - sin 2 pi t| <= |cos xi| ew,  |cos xi| <= |cos w| + ew
 *                        <= |c| (1 + 2u) + ETA + ew   (and <= 1),
 * plus the libm error 2u|s| + ETA; cos likewise with the roles swapped:
 *   es = ew min(1, |c|(1+2u) + ETA + ew) + 2u|s| + ETA,
 *   ec = ew min(1, |s|(1+2u) + ETA + ew) + 2u|c| + ETA.
 * At t = 0 everything is exact (w = 0, s = 0, c = 1); at t = 1/2 the double
 * sin(fl(pi)) = 1.22e-16 lies inside es = gamma_3 pi + ... = 1.05e-15. */
static void rot_sign(double R[4], double ER[4], double t, double sign)
{
  const double w = (2.0 * PI_D) * t;
  const double ew = fc_gamma(3.0) * fabs(w) + ETA;
  const double s = sin(w), c = cos(w);
  const double es = SAFE(ew * fmin(1.0, fabs(c) * (1.0 + 2.0 * FC_U) + ETA + ew)
                         + 2.0 * FC_U * fabs(s) + ETA);
  const double ec = SAFE(ew * fmin(1.0, fabs(s) * (1.0 + 2.0 * FC_U) + ETA + ew)
                         + 2.0 * FC_U * fabs(c) + ETA);
  const double r[4] = {c, -sign * s, sign * s, c};
  const double e[4] = {ec, es, es, ec};
  copy4(R, r);
  copy4(ER, e);
}

static void rot_ref(double R[4], double ER[4], double t)
{
  rot_sign(R, ER, t, 1.0);
}

/* Mutant: sin's sign flipped, i.e. Rot(-w): the wrong rotation direction. */
static void rot_clockwise(double R[4], double ER[4], double t)
{
  rot_sign(R, ER, t, -1.0);
}

/* ---------------------------------------------------------------- sylv */

/* Y = X R1 - R2 X with R1 = Rot(2 pi t1), R2 = Rot(2 pi t2) from rot_ref
 * (bounds ER1, ER2), the products by mul2_ref (bounds EP, EQ, which
 * propagate EX and ER), and the difference as in comm2:
 *   EY = u (|P| + |Q|) + EP + EQ. */
static void sylv_order(double Y[4], double EY[4], const double X[4],
                       const double EX[4], double t1, double t2, int swapped)
{
  double R1[4], R2[4], ER1[4], ER2[4], P[4], Q[4], EP[4], EQ[4], y[4], e[4];
  rot_ref(R1, ER1, t1);
  rot_ref(R2, ER2, t2);
  if (!swapped) {
    mul2_ref(P, EP, X, EX, R1, ER1);
    mul2_ref(Q, EQ, R2, ER2, X, EX);
  } else { /* mutant: R1 X - X R2 */
    mul2_ref(P, EP, R1, ER1, X, EX);
    mul2_ref(Q, EQ, X, EX, R2, ER2);
  }
  for (int k = 0; k < 4; k++) {
    y[k] = P[k] - Q[k];
    e[k] = SAFE(FC_U * (fabs(P[k]) + fabs(Q[k])) + EP[k] + EQ[k]);
  }
  copy4(Y, y);
  copy4(EY, e);
}

static void sylv_ref(double Y[4], double EY[4], const double X[4],
                     const double EX[4], double t1, double t2)
{
  sylv_order(Y, EY, X, EX, t1, t2, 0);
}

/* Mutant: operands swapped, Rot(w1) X - X Rot(w2).  Its singular values
 * equal the reference's, so only the accuracy level sees it. */
static void sylv_swap(double Y[4], double EY[4], const double X[4],
                      const double EX[4], double t1, double t2)
{
  sylv_order(Y, EY, X, EX, t1, t2, 1);
}

/* -------------------------------------------------------------- sigmas */

/* sig = 2 |sin(pi h)|, h = t1 -/+ t2 (|h| <= 1).
 *   h~ = fl(t1 -/+ t2) = h (1 + d1);  a = fl(fl(pi) h~) = pi h (1+d0)(1+d1)(1+d2)
 *   + e, so |a - pi h| <= gamma_3 |pi h| + ETA <= gamma_4 |a| + ETA =: ea
 * (as in rot: gamma_3 / (1 - gamma_3) <= gamma_4).  sin is 1-Lipschitz and
 * libm adds 2u|s| + ETA; the factor 2 and fabs are exact:
 *   esig = 2 (ea + 2u |s| + ETA).
 * `factor` is pi for the reference and 2 pi for the full-angle mutant. */
static void sigmas_factor(double sig[2], double esig[2], double t1, double t2,
                          double factor)
{
  for (int k = 0; k < 2; k++) {
    const double h = k == 0 ? t1 - t2 : t1 + t2;
    const double a = factor * h;
    const double ea = fc_gamma(4.0) * fabs(a) + ETA;
    const double s = sin(a);
    const double r = 2.0 * fabs(s);
    const double e = SAFE(2.0 * (ea + 2.0 * FC_U * fabs(s) + ETA));
    sig[k] = r;
    if (esig)
      esig[k] = e;
  }
}

static void sigmas_ref(double sig[2], double esig[2], double t1, double t2)
{
  sigmas_factor(sig, esig, t1, t2, PI_D);
}

/* Mutant: 2 |sin(w1 -/+ w2)|, the half angle forgotten. */
static void sigmas_fullangle(double sig[2], double esig[2], double t1,
                             double t2)
{
  sigmas_factor(sig, esig, t1, t2, 2.0 * PI_D);
}

/* -------------------------------------------------------------- decomp */

/* a = fl(r00 + r11) / 2 etc.  The sum errs by at most u (|r00| + |r11|);
 * halving is exact unless the result is subnormal (then at most ETA / 2);
 * input errors halve:  ea = (u (|r00| + |r11|) + E00 + E11) / 2 + ETA. */
static void decomp_ref(double abcd[4], double E[4], const double R[4],
                       const double ER[4])
{
  const double r00 = R[0], r01 = R[1], r10 = R[2], r11 = R[3];
  const double v[4] = {(r00 + r11) * 0.5, (r10 - r01) * 0.5,
                       (r00 - r11) * 0.5, (r01 + r10) * 0.5};
  const double dg = 0.5 * (FC_U * (fabs(r00) + fabs(r11)) + ein(ER, 0)
                           + ein(ER, 3)) + ETA;
  const double od = 0.5 * (FC_U * (fabs(r01) + fabs(r10)) + ein(ER, 1)
                           + ein(ER, 2)) + ETA;
  const double e[4] = {SAFE(dg), SAFE(od), SAFE(dg), SAFE(od)};
  copy4(abcd, v);
  copy4(E, e);
}

/* -------------------------------------------------------------- tables */

const struct fc_kern_lin fc_kern_lin_ref = {
    .mul2 = mul2_ref, .comm2 = comm2_ref, .rot = rot_ref, .sylv = sylv_ref,
    .sigmas = sigmas_ref, .decomp = decomp_ref, .dot = dot_ref};

const struct fc_kern_lin fc_kern_lin_mut_transpose = {
    .mul2 = mul2_transpose, .comm2 = comm2_ref, .rot = rot_ref,
    .sylv = sylv_ref, .sigmas = sigmas_ref, .decomp = decomp_ref,
    .dot = dot_ref};

const struct fc_kern_lin fc_kern_lin_mut_clockwise = {
    .mul2 = mul2_ref, .comm2 = comm2_ref, .rot = rot_clockwise,
    .sylv = sylv_ref, .sigmas = sigmas_ref, .decomp = decomp_ref,
    .dot = dot_ref};

const struct fc_kern_lin fc_kern_lin_mut_anticomm = {
    .mul2 = mul2_ref, .comm2 = comm2_anti, .rot = rot_ref, .sylv = sylv_ref,
    .sigmas = sigmas_ref, .decomp = decomp_ref, .dot = dot_ref};

const struct fc_kern_lin fc_kern_lin_mut_sylv_swap = {
    .mul2 = mul2_ref, .comm2 = comm2_ref, .rot = rot_ref, .sylv = sylv_swap,
    .sigmas = sigmas_ref, .decomp = decomp_ref, .dot = dot_ref};

const struct fc_kern_lin fc_kern_lin_mut_fullangle = {
    .mul2 = mul2_ref, .comm2 = comm2_ref, .rot = rot_ref, .sylv = sylv_ref,
    .sigmas = sigmas_fullangle, .decomp = decomp_ref, .dot = dot_ref};

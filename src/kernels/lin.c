/* lin.c -- the 2x2 linear-algebra kernels of F1 and F2 and their mutants.
 *
 * Values only, in binary64 as a deployed kernel computes them: the bound
 * each is judged against is the harness's (src/bounds/lin.c, issue 16 item
 * 3), derived from the inputs and the declared arithmetic fp64/fp64, the
 * same for the reference and for every mutant. */
#include <math.h>
#include <stddef.h>
#include "lin.h"

#define PI_D 0x1.921fb54442d18p+1 /* fl(pi), the double nearest pi */

static void copy4(double *dst, const double *src)
{
  for (int k = 0; k < 4; k++)
    dst[k] = src[k];
}

/* ------------------------------------------------------------------ dot */

/* x . y by recursive summation. */
static double dot_ref(const double *x, const double *y, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; i++)
    s += x[i] * y[i];
  return s;
}

/* ---------------------------------------------------------------- mul2 */

/* C = A B, each entry a dot product of length 2. */
static void mul2_ref(double C[4], const double A[4], const double B[4])
{
  double c[4];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      const double x[2] = {A[2 * i], A[2 * i + 1]};
      const double y[2] = {B[j], B[2 + j]};
      c[2 * i + j] = dot_ref(x, y, 2);
    }
  copy4(C, c);
}

/* Mutant: the left operand is read transposed (C = A^T B), the bug of a
 * kernel that mixes up row- and column-major storage for one argument. */
static void mul2_transpose(double C[4], const double A[4], const double B[4])
{
  const double At[4] = {A[0], A[2], A[1], A[3]};
  mul2_ref(C, At, B);
}

/* --------------------------------------------------------------- comm2 */

/* C = A B + sign B A. */
static void comm2_sign(double C[4], const double A[4], const double B[4],
                       double sign)
{
  double P[4], Q[4];
  mul2_ref(P, A, B);
  mul2_ref(Q, B, A);
  for (int k = 0; k < 4; k++)
    C[k] = P[k] + sign * Q[k];
}

static void comm2_ref(double C[4], const double A[4], const double B[4])
{
  comm2_sign(C, A, B, -1.0);
}

/* Mutant: the anticommutator AB + BA (a sign slip). */
static void comm2_anti(double C[4], const double A[4], const double B[4])
{
  comm2_sign(C, A, B, +1.0);
}

/* ----------------------------------------------------------------- rot */

/* Rot(2 pi t), the angle formed as deployed kernels do: w = fl(fl(2 pi) t),
 * fl(2 pi) = 2 PI_D (an exact doubling of fl(pi)), then libm sin, cos. */
static void rot_sign(double R[4], double t, double sign)
{
  const double w = (2.0 * PI_D) * t;
  const double s = sin(w), c = cos(w);
  const double r[4] = {c, -sign * s, sign * s, c};
  copy4(R, r);
}

static void rot_ref(double R[4], double t) { rot_sign(R, t, 1.0); }

/* Mutant: sin's sign flipped, i.e. Rot(-w): the wrong rotation direction. */
static void rot_clockwise(double R[4], double t) { rot_sign(R, t, -1.0); }

/* ---------------------------------------------------------------- sylv */

/* Y = X R1 - R2 X with R1 = Rot(2 pi t1), R2 = Rot(2 pi t2) from rot_ref;
 * the mutant computes R1 X - X R2. */
static void sylv_order(double Y[4], const double X[4], double t1, double t2,
                       int swapped)
{
  double R1[4], R2[4], P[4], Q[4];
  rot_ref(R1, t1);
  rot_ref(R2, t2);
  if (!swapped) {
    mul2_ref(P, X, R1);
    mul2_ref(Q, R2, X);
  } else {
    mul2_ref(P, R1, X);
    mul2_ref(Q, X, R2);
  }
  for (int k = 0; k < 4; k++)
    Y[k] = P[k] - Q[k];
}

static void sylv_ref(double Y[4], const double X[4], double t1, double t2)
{
  sylv_order(Y, X, t1, t2, 0);
}

/* Mutant: operands swapped, Rot(w1) X - X Rot(w2).  Its singular values
 * equal the reference's, so only the accuracy level sees it. */
static void sylv_swap(double Y[4], const double X[4], double t1, double t2)
{
  sylv_order(Y, X, t1, t2, 1);
}

/* -------------------------------------------------------------- sigmas */

/* sig = 2 |sin(factor h)|, h = t1 -/+ t2: factor pi for the reference,
 * 2 pi for the full-angle mutant. */
static void sigmas_factor(double sig[2], double t1, double t2, double factor)
{
  for (int k = 0; k < 2; k++) {
    const double h = k == 0 ? t1 - t2 : t1 + t2;
    sig[k] = 2.0 * fabs(sin(factor * h));
  }
}

static void sigmas_ref(double sig[2], double t1, double t2)
{
  sigmas_factor(sig, t1, t2, PI_D);
}

/* Mutant: 2 |sin(w1 -/+ w2)|, the half angle forgotten. */
static void sigmas_fullangle(double sig[2], double t1, double t2)
{
  sigmas_factor(sig, t1, t2, 2.0 * PI_D);
}

/* -------------------------------------------------------------- decomp */

static void decomp_ref(double abcd[4], const double R[4])
{
  const double r00 = R[0], r01 = R[1], r10 = R[2], r11 = R[3];
  const double v[4] = {(r00 + r11) * 0.5, (r10 - r01) * 0.5,
                       (r00 - r11) * 0.5, (r01 + r10) * 0.5};
  copy4(abcd, v);
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

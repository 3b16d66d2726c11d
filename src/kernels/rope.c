/* rope.c -- the RoPE kernels: the reference, its error bound, and mutants.
 *
 * Model of arithmetic (as lin.c): binary64, round to nearest, u = 2^-53
 * (FC_U).  fl(x op y) = (x op y)(1 + d), |d| <= u, plus at most ETA =
 * 2^-1074 absolute for a product that underflows.  libm: cos and sin
 * (glibc, x86_64/aarch64) are within 1 ulp of the exact value at the double
 * argument they get (glibc manual, "Known Maximum Errors in Math
 * Functions"), i.e. within 2u|y| + ETA of y.  SAFE() multiplies a final
 * bound by 1 + 2^-40: the bound is evaluated in double from a few dozen
 * nonnegative terms (relative evaluation error < 2^-47) and the second-order
 * terms below are dropped only where they are smaller than that.
 *
 * The position-dependent bound of apply.  Plane (a, b) with frequency
 * theta at position p; P = (double)p is exact for |p| <= 2^53 (beyond,
 * |P - p| <= u|p|, carried as ep below).
 *   (1) angle: w = fl(P theta), |w - P theta| <= ulp(w)/2 (round to nearest,
 *       ulp(w)/2 <= u|w|), plus ETA if the product underflows; so
 *       ew = ulp(w)/2 + ETA + ep |theta|.  This is the term that grows
 *       with the position: |p theta| = 2^20 gives ew ~ 2^-33.
 *   (2) libm: c = cos(w), s = sin(w) with |c - cos w| <= 2u|c| + ETA = ec,
 *       |s - sin w| <= 2u|s| + ETA = es.
 *   (3) the 2-term dot products oa = c xa - s xb, ob = s xa + c xb (with or
 *       without FMA): gamma_2 (|c xa| + |s xb|) + 2 ETA.
 *   (4) the angle error rotates the exact pair: d/dw (Rot(w) x)_a =
 *       -(Rot(w) x)_b, so |(Rot(w) x)_a - (Rot(p theta) x)_a| <=
 *       ew |(Rot(w) x)_b| + ew^2 (|xa| + |xb|), and |(Rot(w) x)_b| <= |ob| +
 *       (the (2)+(3) bound of ob).
 *   E_a = SAFE( (3)_a + ec|xa| + es|xb| + ew (|ob| + E0_b)
 *               + ew^2 (|xa| + |xb|) ),   E_b symmetrically,
 * where E0 is the (2)+(3) part.  Against the oracle (exact p theta, exact
 * sin/cos) the observed error / E is at most 1; in the angle-dominated
 * regime (large p) it typically lies in [0.1, 1], since ulp(w)/2 is the
 * rounding error's actual worst case.
 */
#include <limits.h>
#include <math.h>
#include "rope.h"

#define ETA 0x1p-1074
#define SAFE(x) ((x) * (1.0 + 0x1p-40))

enum {
  MUT_NONE = 0,
  MUT_PHASE_FLOAT = 1, /* w = (float)p * (float)theta in binary32 */
  MUT_LAYOUT = 2,      /* the other pair layout */
  MUT_OFF_BY_ONE = 4   /* position p + 1 */
};

/* ulp(w)/2 for a finite double w (0 for w = 0). */
static double half_ulp(double w)
{
  if (w == 0 || !isfinite(w))
    return 0;
  const int e = ilogb(w);
  return ldexp(1.0, (e < -1022 ? -1022 : e) - 53);
}

static void apply_impl(double *out, double *err, const double *in,
                       const fc_schedule *s, long p, int mut)
{
  if (out == NULL || in == NULL || s == NULL || s->theta == NULL)
    return;
  const size_t m = s->d / 2;
  fc_schedule lay = *s;
  if (mut & MUT_LAYOUT)
    lay.layout = s->layout == FC_LAYOUT_HALF ? FC_LAYOUT_INTERLEAVED
                                             : FC_LAYOUT_HALF;
  const long pp = (mut & MUT_OFF_BY_ONE) && p < LONG_MAX ? p + 1 : p;
  const double P = (double)pp;
  const double ep = fabs(P) > 0x1p53 ? FC_U * fabs(P) : 0.0;
  const double g2 = fc_gamma(2);
  for (size_t i = 0; i < m; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, &lay, i);
    const double th = s->theta[i];
    const double xa = in[a], xb = in[b];
    double w;
    if (mut & MUT_PHASE_FLOAT) {
      const float wf = (float)P * (float)th; /* binary32 product */
      w = (double)wf;
    } else {
      w = P * th;
    }
    const double c = cos(w), sn = sin(w);
    const double oa = c * xa - sn * xb;
    const double ob = sn * xa + c * xb;
    out[a] = oa;
    out[b] = ob;
    if (err) {
      const double ew = half_ulp(w) + ETA + ep * fabs(th);
      const double ec = 2 * FC_U * fabs(c) + ETA;
      const double es = 2 * FC_U * fabs(sn) + ETA;
      const double e0a = g2 * (fabs(c * xa) + fabs(sn * xb)) + 2 * ETA
                         + ec * fabs(xa) + es * fabs(xb);
      const double e0b = g2 * (fabs(sn * xa) + fabs(c * xb)) + 2 * ETA
                         + es * fabs(xa) + ec * fabs(xb);
      const double sq = ew * ew * (fabs(xa) + fabs(xb));
      err[a] = SAFE(e0a + ew * (fabs(ob) + e0b) + sq);
      err[b] = SAFE(e0b + ew * (fabs(oa) + e0a) + sq);
    }
  }
}

static void apply_ref(double *out, double *err, const double *in,
                      const fc_schedule *s, long p)
{
  apply_impl(out, err, in, s, p, MUT_NONE);
}

static void apply_phase_float(double *out, double *err, const double *in,
                              const fc_schedule *s, long p)
{
  apply_impl(out, err, in, s, p, MUT_PHASE_FLOAT);
}

static void apply_layout(double *out, double *err, const double *in,
                         const fc_schedule *s, long p)
{
  apply_impl(out, err, in, s, p, MUT_LAYOUT);
}

static void apply_off_by_one(double *out, double *err, const double *in,
                             const fc_schedule *s, long p)
{
  apply_impl(out, err, in, s, p, MUT_OFF_BY_ONE);
}

/* Pc(X), block by block.  A kept coefficient is fl(x + y)/2: one rounding
 * (|fl(x+y) - (x+y)| <= u |fl(x+y)|), the halving exact unless the result
 * is subnormal (ETA); so EY = SAFE(u |Y| + ETA) on entries of a projected
 * part, 0 on copied or zeroed entries (exact). */
static void project_ref(double *Y, double *EY, const double *X,
                        const fc_schedule *s, const unsigned char *rel)
{
  if (Y == NULL || X == NULL || s == NULL || rel == NULL)
    return;
  const size_t m = s->d / 2, d = s->d;
  for (size_t i = 0; i < m; i++) {
    size_t ai, bi;
    fc_schedule_plane(&ai, &bi, s, i);
    for (size_t j = 0; j < m; j++) {
      size_t aj, bj;
      fc_schedule_plane(&aj, &bj, s, j);
      const size_t k00 = ai * d + aj, k01 = ai * d + bj;
      const size_t k10 = bi * d + aj, k11 = bi * d + bj;
      const double x00 = X[k00], x01 = X[k01], x10 = X[k10], x11 = X[k11];
      const int same = (rel[i * m + j] & FC_REL_SAME) != 0;
      const int anti = (rel[i * m + j] & FC_REL_ANTI) != 0;
      double y00 = 0, y01 = 0, y10 = 0, y11 = 0;
      int rounded = 0;
      if (same && anti) {
        y00 = x00;
        y01 = x01;
        y10 = x10;
        y11 = x11;
      } else if (same) { /* alpha I + beta J */
        const double al = (x00 + x11) / 2, be = (x10 - x01) / 2;
        y00 = al;
        y11 = al;
        y10 = be;
        y01 = -be;
        rounded = 1;
      } else if (anti) { /* gamma K + delta L */
        const double ga = (x00 - x11) / 2, de = (x01 + x10) / 2;
        y00 = ga;
        y11 = -ga;
        y01 = de;
        y10 = de;
        rounded = 1;
      }
      Y[k00] = y00;
      Y[k01] = y01;
      Y[k10] = y10;
      Y[k11] = y11;
      if (EY) {
        EY[k00] = rounded ? SAFE(FC_U * fabs(y00) + ETA) : 0.0;
        EY[k01] = rounded ? SAFE(FC_U * fabs(y01) + ETA) : 0.0;
        EY[k10] = rounded ? SAFE(FC_U * fabs(y10) + ETA) : 0.0;
        EY[k11] = rounded ? SAFE(FC_U * fabs(y11) + ETA) : 0.0;
      }
    }
  }
}

const struct fc_kern_rope fc_kern_rope_ref = {apply_ref, project_ref};
const struct fc_kern_rope fc_kern_rope_mut_phase_float = {apply_phase_float,
                                                          project_ref};
const struct fc_kern_rope fc_kern_rope_mut_layout = {apply_layout,
                                                     project_ref};
const struct fc_kern_rope fc_kern_rope_mut_off_by_one = {apply_off_by_one,
                                                         project_ref};

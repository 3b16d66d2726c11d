/* alloc_near.c -- allocator keys whose exact phase-collapse angle lies in a
 * given narrow window just above or just below a target, with every
 * coordinate on the grid of a p-bit format (issue 16, item 5: the negative
 * control contract.allocator_exact sized to the declared arithmetic).
 *
 * The key (dimension d >= 3): x at coordinate pos, y = 1 + j h at the
 * next one, m1 coordinates 1 + h, m2 coordinates 1 - l, the rest 1, with
 * h = 2^(1-p) and l = 2^-p the spacings of the p-bit grid just above and
 * just below 1.  Its angle depends on s1 = ||k||_1 and s2 = ||k||_2^2
 * alone:
 *   s1 = x + y + (d - 2) + m1 h - m2 l,
 *   s2 = x^2 + y^2 + (d - 2) + m1 (2h + h^2) - m2 (2l - l^2),
 *   cos theta = s1 / sqrt(d s2).
 * The search: x on the p-bit grid around the continuous solution of the
 * all-ones key (16 grid points), j = 0..127, m1 = 0..d-3, and m2 from the
 * quadratic s1^2 = d cos^2(mid) s2 (mid the window's centre), its floor
 * and ceiling.  With p = 53 or 24 one m2 step moves the angle by less
 * than the window (1e-17 and 3e-9 degrees at d = 512), so the first
 * candidate lands; with p = 8 (bf16) a step is 2e-4 degrees, and the
 * window is hit by a candidate whose fractional position falls in it
 * (y breaks the lattice the counts alone form: m1 and m2 move s1 and s2
 * along two fixed directions).  Measured: every d in 16..4096 for p = 53,
 * 24 and d >= 128 for p = 11 and 8, within 6000 candidates (4 ms).
 *
 * The angles are evaluated in long double: s1 and s2 of these keys are
 * sums of a few exactly representable terms, x^2 rounded to 64 bits, so
 * the angle is within about 1e-17 degrees; the caller verifies the result
 * in MPFR (a candidate within that of the window's edge may be off). */
#include <math.h>
#include <stddef.h>
#include "quantp_internal.h"

#define NEAR_PI 3.14159265358979323846264338327950288L
#define NEAR_XS 16  /* grid points of x tried around the solution */
#define NEAR_JS 128 /* values of y = 1 + j h tried */

static long double near_angle(long double x, long double y, long m1, long m2,
                              long d, long double h, long double l)
{
  const long double A = (long double)(d - 2);
  const long double s1 = x + y + A + m1 * h - m2 * l;
  const long double s2 =
      x * x + y * y + A + m1 * (2 * h + h * h) - m2 * (2 * l - l * l);
  const long double c = s1 / sqrtl((long double)d * s2);
  return acosl(c > 1 ? 1 : c) * 180 / NEAR_PI;
}

/* x rounded down to p significant bits (x > 0); *ulp the spacing there. */
static long double near_floor(long double x, int p, long double *ulp)
{
  int e;
  frexpl(x, &e);
  *ulp = ldexpl(1, e - p);
  return ldexpl(floorl(ldexpl(x, p - e)), e - p);
}

/* The real roots of a z^2 + b z + c = 0 (a may be 0) in the cancellation-
 * free form; returns how many. */
static int near_roots(long double r[2], long double a, long double b,
                      long double c)
{
  if (a == 0) {
    if (b == 0)
      return 0;
    r[0] = -c / b;
    return 1;
  }
  const long double disc = b * b - 4 * a * c;
  if (!(disc >= 0))
    return 0;
  const long double q = -(b + (b < 0 ? -1 : 1) * sqrtl(disc)) / 2;
  if (q == 0) {
    r[0] = 0;
    return 1;
  }
  r[0] = q / a;
  r[1] = c / q;
  return 2;
}

long double fc_alloc_key_angle_ld(const double *key, size_t d)
{
  long double s1 = 0, s2 = 0;
  for (size_t i = 0; i < d; i++) {
    s1 += fabsl((long double)key[i]);
    s2 += (long double)key[i] * key[i];
  }
  const long double c = s1 / sqrtl((long double)d * s2);
  return acosl(c > 1 ? 1 : c) * 180 / NEAR_PI;
}

int fc_alloc_near_craft(double *key, size_t d, size_t pos, int p,
                        long double target, long double lo, long double hi)
{
  if (key == NULL || d < 3 || p < 2 || p > 53 || !(lo < hi))
    return FC_EINVAL;
  const long dd = (long)d, M = dd - 3;
  const long double h = ldexpl(1, 1 - p), l = ldexpl(1, -p);
  const long double mid = target + (lo + hi) / 2;
  const long double cs = cosl(mid * NEAR_PI / 180), K = cs * cs * dd;
  /* the all-ones key with one x: (x + d - 1)^2 = K (x^2 + d - 1) */
  const long double A1 = (long double)(dd - 1), A = (long double)(dd - 2);
  long double r[2], xs = -1, ulp;
  const int nr = near_roots(r, 1 - K, 2 * A1, A1 * A1 - K * A1);
  for (int i = 0; i < nr; i++)
    if (r[i] >= 1 && r[i] > xs)
      xs = r[i];
  if (!(xs >= 1))
    return FC_ERANGE;
  const long double x0 = near_floor(xs, p, &ulp);
  for (long j = 0; j < NEAR_JS; j++) {
    const long double y = 1 + j * h;
    for (int k = 0; k < NEAR_XS; k++) {
      const long double x = x0 + (k & 1 ? -1 : 1) * ((k + 1) / 2) * ulp;
      if (!(x >= 1))
        continue;
      for (long m1 = 0; m1 <= M; m1++) {
        const long double P = x + y + A + m1 * h,
                          Q = x * x + y * y + A + m1 * (2 * h + h * h);
        long double z[2];
        const int nz = near_roots(z, l * l, K * (2 * l - l * l) - 2 * P * l,
                                  P * P - K * Q);
        for (int i = 0; i < nz; i++) {
          if (!(z[i] > -1 && z[i] < (long double)(M - m1 + 1)))
            continue;
          for (long m2 = (long)floorl(z[i]); m2 <= (long)floorl(z[i]) + 1;
               m2++) {
            if (m2 < 0 || m2 > M - m1)
              continue;
            const long double o = near_angle(x, y, m1, m2, dd, h, l) - target;
            if (!(o >= lo && o <= hi))
              continue;
            const size_t px = pos % d;
            size_t q = 0; /* the coordinates other than x, in order */
            for (size_t c = 0; c < d; c++) {
              if (c == px) {
                key[c] = (double)x;
                continue;
              }
              key[c] = q == 0 ? (double)y
                              : ((long)q <= m1
                                     ? (double)(1 + h)
                                     : ((long)q <= m1 + m2 ? (double)(1 - l)
                                                           : 1.0));
              q++;
            }
            return FC_OK;
          }
        }
      }
    }
  }
  return FC_ERANGE;
}

int fc_alloc_near_last(double *keys, size_t n, size_t d, size_t pos,
                       double t, int side, long double D)
{
  if (keys == NULL || n == 0 || !(D > 0))
    return FC_EINVAL;
  long double acc = 0;
  for (size_t i = 0; i + 1 < n; i++)
    acc += fc_alloc_key_angle_ld(keys + i * d, d);
  /* the last key's angle is n t - acc; the mean's window, n times */
  const long double nn = (long double)n;
  return fc_alloc_near_craft(keys + (n - 1) * d, d, pos, 53, nn * t - acc,
                             side > 0 ? nn * D / 16 : -nn * D,
                             side > 0 ? nn * D : -nn * D / 16);
}

int fc_alloc_near_verify(const double *keys, size_t n, size_t d, double t,
                         int side, long double D)
{
  fc_mp_keyws w;
  int rc = fc_mp_keyws_init(&w, d, 128);
  if (rc != FC_OK)
    return rc;
  mpfr_t m;
  mpfr_init2(m, 128);
  rc = fc_mp_mean_angle_deg(m, &w, keys, n);
  if (rc == FC_OK) {
    mpfr_sub_d(m, m, t, MPFR_RNDN); /* m - t (128 bits: exact here) */
    if (side < 0)
      mpfr_neg(m, m, MPFR_RNDN);
    rc = mpfr_sgn(m) > 0 && mpfr_get_ld(m, MPFR_RNDU) <= D ? FC_OK
                                                          : FC_EREJECT;
  }
  mpfr_clear(m);
  fc_mp_keyws_clear(&w);
  return rc;
}

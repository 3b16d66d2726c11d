/* quant.c -- a-priori bounds for the quantisation-geometry kernels (the
 * built-in quant table, src/kernels/quant.h; properties F7-F10), issue 16
 * item 3.  Declarations in bounds.h, section "quantisation geometry".
 *
 * Each function bounds |computed - exact| for the table's ALGORITHM (the
 * scaled algorithms written out in src/kernels/quant.c) run at the
 * declared accumulation format f = a->accum, from the INPUTS the harness
 * holds: never from a kernel's output.  Notation: u = fc_fmt_u(f), eta =
 * fc_fmt_eta(f) (smallest subnormal), g(n) = fc_fmt_gamma(f, n) = n u / (1 -
 * n u) (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
 * Lemma 3.1; g(n) + u <= g(n + 1) and (1 + g(j))(1 + g(k)) <= 1 + g(j + k),
 * Lemma 3.3).  The model is bounds.h's (each operation op (1 + e) + h, |e|
 * <= u, |h| <= eta / 2 for products and quotients).  The table reads its
 * inputs in f: a declaration whose storage f does not contain is not a
 * model of it, and every function returns +inf there (fc_bnd_vacuous).
 *
 * Scaling.  The table scales a vector x by the exact power of two 2^-E,
 * E = ilogb(max |x_i|), so the scaled magnitudes a_i = |x_i| 2^-E have
 * max a_i in [1, 2): sums of a_i and of a_i^2 are >= 1 and nothing
 * overflows.  A scaled value is exact unless it falls below the normal
 * range of f (2^-1022 below the largest for fp64), where it is off by at
 * most eta / 2; a scaled square is then off by at most eta, so a sum of n
 * of them (>= 1) has a RELATIVE error n eta beside g(n).  That is why the
 * bounds below carry terms n eta next to gamma_n.
 *
 * Magnitudes.  The exact sums the bounds need (sum a_i, sum a_i^2, sum
 * |a_i - a_0|, sum (a_i - c)^2) are not representable; the harness forms
 * them in fp64 from the inputs (struct mags) and widens each computed sum
 * s^ of n terms by its own recursive-summation bound, |s^ - s| <= g64(n +
 * 2) s + 3 n eta64 (the terms' own roundings included), so the exact sum
 * lies in [lo, hi] = [(s^ - 3 n eta64) / (1 + g64(n + 2)), (s^ + 3 n
 * eta64) / (1 - g64(n + 2))].  Every bound is finally multiplied by
 * FC_BND_SAFETY (bounds.h) for the few roundings of its own formula; the
 * bounds of unscaled results (norms, alpha) add one eta64 more for the
 * underflow of their own products (rel F is below the subnormal quantum
 * when F is subnormal): HEPS.
 *
 * The mean angle of the allocator is bounded by fc_bnd_mean_angle
 * (bounds.c), written for the acos form; the table computes atan2(sqrt(s^),
 * c^) from its cosine and sine^2 instead.  Why that bound covers it: with
 * c^ = c (1 + r1), |r1| <= rc (fc_bnd_quant_key's relative cosine error,
 * at most (1.5 d + 3) u to first order) and s^ = s2 (1 + r2) + t, |r2|
 * <= (2 d + 4) u, t the absolute part of the sin^2 bound (of order d u^2),
 * the atan2 angle is acos(c^ / sqrt(c^2 + s^)), and c^ / sqrt(c^2 + s^)
 * = c (1 + s2 (r1 - r2/2) - t/2) to first order; so the angle moves from
 * theta by at most c s (rc + (d + 2) u) + c t / (2 s) <= (2.5 d + 5) u c
 * + c t / (2 s).  The acos bound is at least acos'(.) >= 1 times its
 * window 2 c (rho + rho_h) >= 2 c (2 (2 d + 3) u) = (8 d + 12) u c, more
 * than three times the first term for every d; the second matters only
 * near the lattice (s -> 0), where the window acos(c (1 - rho')) ~ sqrt(2
 * rho') >> sqrt(t) bounds it (t / s <= sqrt(t) once s >= sqrt(t), and
 * the angle itself is below sqrt(2 t) before).  g4 covers atan2's ulp as
 * it covers acos's.  The properties measure the margin
 * (allocator.certified_exact's accuracy ratio). */
#include <math.h>
#include "foldcheck.h"
#include "bounds/bounds.h"

#define HEPS fc_fmt_eta(FC_FMT_FP64)

/* The harness's magnitudes of x[0], x[inc], ..., x[(n-1) inc] (n >= 1),
 * scaled by 2^-E: enclosures of S1 = sum a_i, S2 = sum a_i^2 and, when
 * wanted, A = sum |a_i - a_0|. */
typedef struct mags {
  int E, zero;     /* zero: every x_i is 0 */
  double s1lo, s1hi, s2lo, s2hi, ahi;
} mags;

/* [lo, hi] enclosing the exact sum of n terms whose fp64 sum is s. */
static void widen(double *lo, double *hi, double s, size_t n)
{
  const double g = fc_fmt_gamma(FC_FMT_FP64, (double)n + 2);
  const double h = 3 * (double)n * fc_fmt_eta(FC_FMT_FP64);
  if (lo)
    *lo = (s - h) / (1 + g);
  if (hi)
    *hi = (s + h) / (1 - g);
}

/* A non-finite entry makes every sum nan (the bound is then vacuous). */
static void mags_of(mags *m, const double *x, size_t n, size_t inc)
{
  double mx = 0;
  for (size_t i = 0; i < n; i++) {
    const double t = fabs(x[i * inc]);
    mx = t > mx || t != t ? t : mx; /* a nan sticks */
  }
  m->zero = mx == 0;
  m->E = mx > 0 && isfinite(mx) ? ilogb(mx) : 0;
  double s1 = 0, s2 = 0, A = 0;
  const double a0 = n ? ldexp(fabs(x[0]), -m->E) : 0;
  for (size_t i = 0; i < n; i++) {
    const double ai = ldexp(fabs(x[i * inc]), -m->E);
    s1 += ai;
    s2 += ai * ai;
    A += fabs(ai - a0);
  }
  if (!isfinite(mx))
    s1 = s2 = A = NAN;
  widen(&m->s1lo, &m->s1hi, s1, n);
  widen(&m->s2lo, &m->s2hi, s2, n);
  widen(NULL, &m->ahi, A, n);
}

/* Relative factors are combined without forming 1 + x (which rounds a
 * relative error of order u away): comp(x, y) = (1 + x)(1 + y) - 1,
 * over(x) = 1/(1 - x) - 1, sqrt_lo(t) = 1 - sqrt(1 - t) (>= sqrt(1 + t) -
 * 1), inv_sqrt(t) = 1/sqrt(1 - t) - 1, each in a form free of
 * cancellation. */
static double comp(double x, double y) { return x + y + x * y; }
static double over(double x) { return x / (1 - x); }
static double sqrt_lo(double t) { return t / (1 + sqrt(1 - t)); }
static double inv_sqrt(double t)
{
  return t / ((1 + sqrt(1 - t)) * sqrt(1 - t));
}

/* The format the table computes in, or -1 when the declaration is not a
 * model of it (storage not contained in the accumulation format). */
static int table_fmt(const fc_kernel_arith *a)
{
  if (a == NULL || !fc_arith_valid(a) || !fc_fmt_contains(a->accum,
                                                          a->storage))
    return -1;
  return a->accum;
}

/* Relative error of the table's scaled norm of n entries: the scaled sum
 * of squares is within t = g(n) + n eta of its exact value (>= 1), its
 * square root within 1 - sqrt(1 - t) >= t / 2 >= sqrt(1 + t) - 1 of the
 * exact root, rounded once more (u); the power of two is exact.  +inf
 * when g is undefined. */
static double nrm2_rel(int f, size_t n)
{
  const double t = fc_fmt_gamma(f, (double)n) + (double)n * fc_fmt_eta(f);
  if (!(t < 1))
    return INFINITY;
  return comp(sqrt_lo(t), fc_fmt_u(f));
}

/* An upper bound of sqrt(S2) 2^E = ||x||_2 from the magnitudes. */
static double norm_hi(const mags *m)
{
  return ldexp(sqrt(m->s2hi), m->E);
}

/* The common start of the norm bounds: the table's format and the
 * magnitudes of the n entries of x, or -1 with *early the whole answer
 * (+inf for a declaration that is not a model of the table or bad
 * arguments, 0 for no entry or every entry 0: the table's norm is then
 * exactly 0). */
static int norm_setup(mags *m, double *early, const double *x, size_t n,
                      size_t inc, const fc_kernel_arith *a)
{
  const int f = table_fmt(a);
  *early = INFINITY;
  if (f < 0 || inc == 0 || (x == NULL && n > 0))
    return -1;
  *early = 0;
  if (n == 0)
    return -1;
  mags_of(m, x, n, inc);
  return m->zero ? -1 : f;
}

/* The scaled norm's result is r 2^E; a subnormal result rounds once more
 * (eta / 2, counted as eta). */
double fc_bnd_quant_nrm2(const double *x, size_t n, size_t inc,
                         const fc_kernel_arith *a)
{
  mags m;
  double early;
  const int f = norm_setup(&m, &early, x, n, inc, a);
  if (f < 0)
    return early;
  return (nrm2_rel(f, n) * norm_hi(&m) + fc_fmt_eta(f) + HEPS) *
         FC_BND_SAFETY;
}

double fc_bnd_quant_frob(const double *W, size_t m, size_t n,
                         const fc_kernel_arith *a)
{
  return fc_bnd_quant_nrm2(W, m * n, 1, a);
}

/* colnorm_rms = nrm2(c) / fl(sqrt(n)), c_j = nrm2(column j) (m entries):
 * each c_j^ = c_j (1 + r_m) + eta, |r_m| <= nrm2_rel(m), so ||c^ - c|| <=
 * r_m ||c|| + sqrt(n) eta; the outer norm adds r_n relative and eta; the
 * square root of n and the quotient one u each:
 *   |R^ - F / sqrt(n)| <= ((1 + r_m)(1 + r_n)(1 + u)/(1 - u) - 1) F/sqrt(n)
 *                         + (sqrt(n) (1 + r_n) + 2) eta / sqrt(n)
 * with F = ||W||_F = ||c|| bounded from the magnitudes. */
double fc_bnd_quant_colnorm_rms(const double *W, size_t m, size_t n,
                                const fc_kernel_arith *a)
{
  if (n == 0)
    return INFINITY;
  mags g;
  double early;
  const int f = norm_setup(&g, &early, W, m * n, 1, a);
  if (f < 0)
    return early;
  const double u = fc_fmt_u(f), eta = fc_fmt_eta(f);
  const double rm = nrm2_rel(f, m), rn = nrm2_rel(f, n);
  const double rel = comp(comp(rm, rn), comp(u, over(u)));
  const double sn = sqrt((double)n);
  return (rel * norm_hi(&g) / sn + (sn * (1 + rn) + 2) * eta / sn + HEPS) *
         FC_BND_SAFETY;
}

/* fl(frob^ / fl(sqrt(n))), the right-hand side of the F7 identity formed
 * by the property from the table's frob: frob^ = F + e, |e| <= e_F
 * (fc_bnd_quant_frob); fl(sqrt(n)) = sqrt(n)(1 + t1), the quotient (1 +
 * t2), |t1|, |t2| <= u:
 *   |rhs - F/sqrt(n)| <= ((1 + u)/(1 - u) - 1) F/sqrt(n)
 *                        + e_F (1 + u) / ((1 - u) sqrt(n)) + eta. */
double fc_bnd_quant_frob_rms(const double *W, size_t m, size_t n,
                             const fc_kernel_arith *a)
{
  const int f = table_fmt(a);
  if (f < 0 || n == 0 || (W == NULL && m > 0))
    return INFINITY;
  const double eF = fc_bnd_quant_frob(W, m, n, a);
  if (m == 0 || eF == 0)
    return 0; /* W = 0: frob is exactly 0, and so is the quotient */
  mags g;
  mags_of(&g, W, m * n, 1);
  const double u = fc_fmt_u(f), sn = sqrt((double)n);
  const double q = comp(u, over(u)); /* (1 + u)/(1 - u) - 1 */
  return (q * norm_hi(&g) / sn + eF * (1 + q) / sn + fc_fmt_eta(f) + HEPS) *
         FC_BND_SAFETY;
}

/* The geometry of one key k (d entries, k != 0), scaled: a_i = |k_i| 2^-E,
 * S1 = sum a_i, S2 = sum a_i^2 (both >= 1), e1 = g(d - 1) + d eta, e2 =
 * g(d) + d eta their relative errors in the table.
 *
 * cos = S1^ / (fl(sqrt(d)) fl(sqrt(S2^))), four more roundings:
 *   cos^/cos in [(1 - e1)(1 - u) / ((1 + u)^3 sqrt(1 + e2)),
 *                (1 + e1)(1 + u) / ((1 - u)^3 sqrt(1 - e2))],
 * so |cos^ - cos| <= rc cos, rc = the upper end - 1 (the larger side).
 *
 * alpha (scaled) = m + fl(T^ / d), m = a_0, T^ = sum fl(a_i - m): each
 * difference rounds once, the sum adds g(d - 1) of sum |t_i|, an
 * underflowed a_i eta / 2 each; with A = sum |a_i - a_0|,
 *   |T^ - T| <= g(d + 1) A + d eta,
 * and the quotient and the final sum round once each (Lemma 3.3):
 *   |alpha^ - alpha| <= ea = u alpha + (1 + u)^2 (g(d + 2) A + d eta) / d;
 * unscaled, ea 2^E + eta (a subnormal alpha).  On the sign lattice A = 0:
 * the bound is u alpha and the table's alpha is in fact exact.
 *
 * sin^2 = q^ / S2^ with q^ = sum fl(fl(a_i - alpha^)^2).  Exactly,
 * sum (a_i - alpha^)^2 = q + d (alpha^ - alpha)^2 with q = sum (a_i -
 * alpha)^2 = S2 sin^2 (sum (a_i - alpha) = 0), and each term is within
 * g(3) of its rounded value, the sum adds g(d - 1), an underflowed a_i
 * or square at most 3 eta per term:
 *   |q^ - q| <= g(d + 2) q + (1 + g(d + 2)) d ea^2 + 3 d eta;
 * the quotient (u) and S2^ (e2):
 *   |sin2^ - sin2| <= ((g(d + 3) + e2) sin2
 *                      + (1 + u)((1 + g(d + 2)) d ea^2 + 3 d eta) / S2)
 *                     / (1 - e2).
 * The exact sin2 is bounded above by sum (a_i - c)^2 / S2 for any c (the
 * mean minimises it): the harness takes c = its own fp64 S1 / d. */
int fc_bnd_quant_key(fc_bnd_quant_key_t *B, const double *k, size_t d,
                     const fc_kernel_arith *a)
{
  if (B == NULL)
    return FC_EINVAL;
  B->cos_theta = B->sin2 = B->alpha = INFINITY;
  B->alpha_mag = INFINITY;
  B->norm_lo = 0;
  const int f = table_fmt(a);
  if (k == NULL || d == 0)
    return FC_EINVAL;
  mags m;
  mags_of(&m, k, d, 1);
  if (m.zero)
    return FC_EINVAL; /* the angle of 0 is undefined */
  if (!isfinite(m.s2hi))
    return FC_EINVAL;
  const double dd = (double)d;
  B->alpha_mag = ldexp(m.s1hi / dd, m.E);
  B->norm_lo = ldexp(sqrt(m.s2lo), m.E);
  if (f < 0)
    return FC_OK;
  const double u = fc_fmt_u(f), eta = fc_fmt_eta(f);
  const double e1 = fc_fmt_gamma(f, dd - 1) + dd * eta;
  const double e2 = fc_fmt_gamma(f, dd) + dd * eta;
  const double gd2 = fc_fmt_gamma(f, dd + 2), gd3 = fc_fmt_gamma(f, dd + 3);
  if (!(e2 < 1) || fc_bnd_vacuous(gd3))
    return FC_OK;
  /* cosine */
  const double ou = over(u);
  const double rc = comp(comp(e1, u), comp(comp(ou, ou), comp(ou,
                                                               inv_sqrt(e2))));
  const double cos_hi = fmin(1.0, m.s1hi / (sqrt(dd) * sqrt(m.s2lo)));
  B->cos_theta = rc * cos_hi * FC_BND_SAFETY;
  /* alpha */
  const double ea = u * m.s1hi / dd + (1 + u) * (1 + u) *
                                          (gd2 * m.ahi + dd * eta) / dd;
  B->alpha = (ldexp(ea, m.E) + eta + HEPS) * FC_BND_SAFETY;
  /* sin^2: an upper bound of the exact value first */
  const double c = (m.s1lo + m.s1hi) / (2 * dd);
  double q = 0;
  for (size_t i = 0; i < d; i++) {
    const double t = ldexp(fabs(k[i]), -m.E) - c;
    q += t * t;
  }
  double qhi;
  widen(NULL, &qhi, q, d);
  const double s2_hi = fmin(1.0, qhi / m.s2lo);
  B->sin2 = ((gd3 + e2) * s2_hi +
             (1 + u) * ((1 + gd2) * dd * ea * ea + 3 * dd * eta) / m.s2lo) /
            (1 - e2) * FC_BND_SAFETY;
  return FC_OK;
}

/* residual(k, alpha) = ||k - alpha sign(k)||^2 / ||k||^2, scaled by 2^-E,
 * E = max(ilogb max |k_i|, ilogb |alpha|): y_i = k_i 2^-E, b = alpha 2^-E
 * (exact but for underflow, eta / 2 each), v_i = fl(y_i - b s_i), |v_i| =
 * ||y_i| - b| <= 4 (sign(0) = +1).  num = sum v_i^2: a subtraction, a
 * square and the sum give g(d + 2) num; an underflowed y_i or b moves v_i
 * by eta, its square by at most 9 eta, plus eta for the square's own
 * underflow: 10 d eta.  den = sum y_i^2: g(d) den + 3 d eta.  The
 * quotient rounds once:
 *   |r^ - r| <= ((g(d + 3) + g(d)) r den + 11 d eta + 3 r d eta)
 *               / (den (1 - g(d)) - 3 d eta),
 * with r and den enclosed by the harness's own sums. */
double fc_bnd_quant_residual(const double *k, size_t d, double alpha,
                             const fc_kernel_arith *a)
{
  const int f = table_fmt(a);
  if (f < 0 || k == NULL || d == 0 || !isfinite(alpha))
    return INFINITY;
  mags m;
  mags_of(&m, k, d, 1);
  if (m.zero || !isfinite(m.s2hi))
    return INFINITY;
  int E = m.E;
  if (alpha != 0 && ilogb(alpha) > E)
    E = ilogb(alpha);
  const double b = ldexp(fabs(alpha), -E);
  double num = 0, den = 0;
  for (size_t i = 0; i < d; i++) {
    const double y = ldexp(fabs(k[i]), -E), v = y - b;
    num += v * v;
    den += y * y;
  }
  double nhi, dlo, dhi;
  widen(NULL, &nhi, num, d);
  widen(&dlo, &dhi, den, d);
  const double dd = (double)d, eta = fc_fmt_eta(f);
  const double gd = fc_fmt_gamma(f, dd), gd3 = fc_fmt_gamma(f, dd + 3);
  const double dlo2 = dlo * (1 - gd) - 3 * dd * eta;
  if (!(dlo2 > 0) || fc_bnd_vacuous(gd3))
    return INFINITY;
  const double r = nhi / dlo;
  return ((gd3 + gd) * r * dhi + 11 * dd * eta + 3 * r * dd * eta) / dlo2 *
         FC_BND_SAFETY;
}

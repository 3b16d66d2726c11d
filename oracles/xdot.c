/* xdot.c -- exact dot products (xdot.h).
 *
 * Each product is an integer P (n_p limbs) times 2^lo.  Pass 1 finds the
 * lowest and highest bit of every product (emin, emax); the accumulator
 * holds L = ceil((emax - emin) / 64) + 2 limbs (one limb of headroom for
 * the carries of up to 2^63 terms, one for the shift).  Pass 2 shifts each
 * P left by (lo - emin) mod 64 bits and adds it at limb (lo - emin) / 64
 * into the sum of the positive or of the negative products (mpn_add
 * propagates the carry); the exact sum is their difference, an integer
 * times 2^emin, which mpfr_set_z_2exp rounds once. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "xdot.h"

#if GMP_NUMB_BITS == 64 && defined(__SIZEOF_INT128__)
#define XDOT_OK 1
#else
#define XDOT_OK 0
#endif

/* A finite nonzero double as m 2^e, m odd (< 2^53).  -1 for NaN/Inf. */
static int dsplit(uint64_t *m, long *e, double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  const unsigned be = (unsigned)(b >> 52) & 0x7ffu;
  if (be == 0x7ffu)
    return -1;
  uint64_t f = b & ((UINT64_C(1) << 52) - 1);
  long ex;
  if (be == 0) {
    ex = -1074; /* subnormal */
  } else {
    f |= UINT64_C(1) << 52;
    ex = (long)be - 1075;
  }
  const int tz = __builtin_ctzll(f); /* f != 0: v != 0 */
  *m = f >> tz;
  *e = ex + tz;
  return 0;
}

/* An MPFR regular number as A 2^e, A its significand limbs without the
 * low zero limbs (na of them). */
static const mp_limb_t *msplit(size_t *na, long *e, mpfr_srcptr a)
{
  const mp_limb_t *A = mpfr_custom_get_significand(a);
  size_t n = (mpfr_get_prec(a) + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS;
  long ex = (long)mpfr_get_exp(a) - (long)n * GMP_NUMB_BITS;
  while (n > 1 && A[0] == 0) {
    A++;
    n--;
    ex += GMP_NUMB_BITS;
  }
  *na = n;
  *e = ex;
  return A;
}

/* Add the product held in w->tmp[0 .. nt) (times 2^lo) to pos or neg. */
static int add_term(fc_xacc *w, size_t L, long emin, long lo, size_t nt,
                    int negative)
{
  const size_t off = (size_t)(lo - emin), lw = off / GMP_NUMB_BITS;
  const unsigned sh = (unsigned)(off % GMP_NUMB_BITS);
  if (sh) {
    w->tmp[nt] = mpn_lshift(w->tmp, w->tmp, (mp_size_t)nt, sh);
    nt++;
  }
  if (lw + nt > L) /* L covers emax: not reached; kept as a guard */
    return -1;
  mp_limb_t *acc = negative ? w->neg : w->pos;
  (void)mpn_add(acc + lw, acc + lw, (mp_size_t)(L - lw), w->tmp,
                (mp_size_t)nt);
  return 0;
}

/* The accumulator's size for [emin, emax), zeroed; 0 when it does not
 * fit. */
static size_t acc_open(fc_xacc *w, long emin, long emax)
{
  const size_t L =
      (size_t)((emax - emin + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS) + 2;
  if (L + 1 > FC_XACC_LIMBS) /* tmp holds a product plus the shift limb */
    return 0;
  memset(w->pos, 0, L * sizeof *w->pos);
  memset(w->neg, 0, L * sizeof *w->neg);
  return L;
}

/* y = (pos - neg) 2^emin, rounded once. */
static void acc_close(mpfr_t y, fc_xacc *w, size_t L, long emin)
{
  int sign = 1;
  if (mpn_cmp(w->pos, w->neg, (mp_size_t)L) >= 0)
    mpn_sub_n(w->tmp, w->pos, w->neg, (mp_size_t)L);
  else {
    mpn_sub_n(w->tmp, w->neg, w->pos, (mp_size_t)L);
    sign = -1;
  }
  size_t nz = L;
  while (nz > 0 && w->tmp[nz - 1] == 0)
    nz--;
  if (nz == 0) {
    mpfr_set_zero(y, 1);
    return;
  }
  mpz_t z;
  mpz_roinit_n(z, w->tmp, sign * (mp_size_t)nz);
  mpfr_set_z_2exp(y, z, (mpfr_exp_t)emin, MPFR_RNDN);
}

int fc_xdot_mpd(mpfr_t y, fc_xacc *w, mpfr_t *const a, const double *x,
                size_t n)
{
  if (!XDOT_OK)
    return -1;
  int have = 0;
  long emin = 0, emax = 0;
  for (size_t j = 0; j < n; j++) {
    if (x[j] == 0 || mpfr_zero_p(a[j]))
      continue;
    if (!mpfr_regular_p(a[j]))
      return -1;
    uint64_t m = 0;
    long ex = 0, ea = 0;
    size_t na;
    if (dsplit(&m, &ex, x[j]) != 0)
      return -1;
    (void)msplit(&na, &ea, a[j]);
    const long lo = ea + ex, hi = lo + (long)na * GMP_NUMB_BITS + 53;
    emin = !have || lo < emin ? lo : emin;
    emax = !have || hi > emax ? hi : emax;
    have = 1;
  }
  if (!have) {
    mpfr_set_zero(y, 1);
    return 0;
  }
  const size_t L = acc_open(w, emin, emax);
  if (L == 0)
    return -1;
  for (size_t j = 0; j < n; j++) {
    if (x[j] == 0 || mpfr_zero_p(a[j]))
      continue;
    uint64_t m = 0;
    long ex = 0, ea = 0;
    size_t na;
    (void)dsplit(&m, &ex, x[j]);
    const mp_limb_t *A = msplit(&na, &ea, a[j]);
    w->tmp[na] = mpn_mul_1(w->tmp, A, (mp_size_t)na, (mp_limb_t)m);
    if (add_term(w, L, emin, ea + ex, na + 1,
                 (mpfr_signbit(a[j]) != 0) != (x[j] < 0)) != 0)
      return -1;
  }
  acc_close(y, w, L, emin);
  return 0;
}

int fc_xdot_mm(mpfr_t y, fc_xacc *w, mpfr_t *const a, size_t sa,
               mpfr_t *const b, size_t sb, size_t n)
{
  if (!XDOT_OK)
    return -1;
  int have = 0;
  long emin = 0, emax = 0;
  for (size_t j = 0; j < n; j++) {
    mpfr_srcptr u = a[j * sa], v = b[j * sb];
    if (mpfr_zero_p(u) || mpfr_zero_p(v))
      continue;
    if (!mpfr_regular_p(u) || !mpfr_regular_p(v))
      return -1;
    size_t nu, nv;
    long eu, ev;
    (void)msplit(&nu, &eu, u);
    (void)msplit(&nv, &ev, v);
    if (4 * (nu + nv) > FC_XACC_LIMBS)
      return -1;
    const long lo = eu + ev, hi = lo + (long)(nu + nv) * GMP_NUMB_BITS;
    emin = !have || lo < emin ? lo : emin;
    emax = !have || hi > emax ? hi : emax;
    have = 1;
  }
  if (!have) {
    mpfr_set_zero(y, 1);
    return 0;
  }
  const size_t L = acc_open(w, emin, emax);
  if (L == 0)
    return -1;
  for (size_t j = 0; j < n; j++) {
    mpfr_srcptr u = a[j * sa], v = b[j * sb];
    if (mpfr_zero_p(u) || mpfr_zero_p(v))
      continue;
    size_t nu, nv;
    long eu, ev;
    const mp_limb_t *U = msplit(&nu, &eu, u), *V = msplit(&nv, &ev, v);
    if (nu >= nv)
      mpn_mul(w->tmp, U, (mp_size_t)nu, V, (mp_size_t)nv);
    else
      mpn_mul(w->tmp, V, (mp_size_t)nv, U, (mp_size_t)nu);
    if (add_term(w, L, emin, eu + ev, nu + nv,
                 (mpfr_signbit(u) != 0) != (mpfr_signbit(v) != 0)) != 0)
      return -1;
  }
  acc_close(y, w, L, emin);
  return 0;
}

int fc_xdot_dd(mpfr_t y, fc_xacc *w, const double *a, size_t sa,
               const double *b, size_t sb, size_t n)
{
  if (!XDOT_OK)
    return -1;
  int have = 0;
  long emin = 0, emax = 0;
  for (size_t j = 0; j < n; j++) {
    const double u = a[j * sa], v = b[j * sb];
    if (u == 0 || v == 0)
      continue;
    uint64_t mu = 0, mv = 0;
    long eu = 0, ev = 0;
    if (dsplit(&mu, &eu, u) != 0 || dsplit(&mv, &ev, v) != 0)
      return -1;
    const long lo = eu + ev, hi = lo + 106;
    emin = !have || lo < emin ? lo : emin;
    emax = !have || hi > emax ? hi : emax;
    have = 1;
  }
  if (!have) {
    mpfr_set_zero(y, 1);
    return 0;
  }
  const size_t L = acc_open(w, emin, emax);
  if (L == 0)
    return -1;
  for (size_t j = 0; j < n; j++) {
    const double u = a[j * sa], v = b[j * sb];
    if (u == 0 || v == 0)
      continue;
    uint64_t mu = 0, mv = 0;
    long eu = 0, ev = 0;
    (void)dsplit(&mu, &eu, u);
    (void)dsplit(&mv, &ev, v);
#if XDOT_OK
    const unsigned __int128 p = (unsigned __int128)mu * mv;
    w->tmp[0] = (mp_limb_t)p;
    w->tmp[1] = (mp_limb_t)(p >> 64);
#endif
    if (add_term(w, L, emin, eu + ev, 2, (u < 0) != (v < 0)) != 0)
      return -1;
  }
  acc_close(y, w, L, emin);
  return 0;
}

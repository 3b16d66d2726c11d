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

/* The routines below are forced inline into the three entry points, so
 * that each is compiled for its factor kinds (a call per factor was half
 * the time of a projection). */
#if defined(__GNUC__)
#define XINLINE static inline __attribute__((always_inline))
#else
#define XINLINE static inline
#endif

/* A double's significand must fit one limb. */
#if GMP_NUMB_BITS >= 64
#define XDOT_OK 1
#else
#define XDOT_OK 0
#endif

/* A finite nonzero double as m 2^e, m odd (< 2^53).  -1 for NaN/Inf. */
XINLINE int dsplit(uint64_t *m, long *e, double v)
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
XINLINE const mp_limb_t *msplit(size_t *na, long *e, mpfr_srcptr a)
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

/* The n products: a[j sa] times b[j sb], each an MPFR number (mpfr_t *)
 * or a double (const double *) as the kinds say. */
enum { XMP = 0, XD = 1 };
typedef struct xsrc {
  int ka, kb;
  const void *a, *b;
  size_t sa, sb;
} xsrc;

/* Factor j of one side as F 2^e (F limbs, nf of them; a double's 53-bit
 * significand goes into *one).  1 for a zero factor, -1 for NaN/Inf. */
XINLINE int factor(const mp_limb_t **F, size_t *nf, long *e, int *neg,
                  mp_limb_t *one, int kind, const void *base, size_t i)
{
  if (kind == XD) {
    const double v = ((const double *)base)[i];
    if (v == 0)
      return 1;
    uint64_t m = 0;
    if (dsplit(&m, e, v) != 0)
      return -1;
    *one = (mp_limb_t)m;
    *F = one;
    *nf = 1;
    *neg = v < 0;
    return 0;
  }
  mpfr_srcptr v = ((mpfr_t *)base)[i];
  if (mpfr_zero_p(v))
    return 1;
  if (!mpfr_regular_p(v))
    return -1;
  *F = msplit(nf, e, v);
  *neg = mpfr_signbit(v) != 0;
  return 0;
}

/* Term j: 1 when it is zero, -1 when it cannot be taken; else its factors
 * (fa, na), (fb, nb) and the exponent of its lowest bit. */
typedef struct xterm {
  const mp_limb_t *fa, *fb;
  size_t na, nb;
  long lo;
  int neg;
  mp_limb_t oa, ob;
} xterm;

XINLINE int term(xterm *t, const xsrc *s, size_t j)
{
  long ea = 0, eb = 0;
  int sa = 0, sb = 0;
  int ra = factor(&t->fa, &t->na, &ea, &sa, &t->oa, s->ka, s->a, j * s->sa);
  int rb = factor(&t->fb, &t->nb, &eb, &sb, &t->ob, s->kb, s->b, j * s->sb);
  if (ra < 0 || rb < 0)
    return -1;
  if (ra > 0 || rb > 0)
    return 1;
  if (4 * (t->na + t->nb) > FC_XACC_LIMBS)
    return -1;
  t->lo = ea + eb;
  t->neg = sa != sb;
  return 0;
}

XINLINE int xdot(mpfr_t y, fc_xacc *w, const xsrc *s, size_t n)
{
  if (!XDOT_OK)
    return -1;
  int have = 0;
  long emin = 0, emax = 0;
  xterm t;
  memset(&t, 0, sizeof t);
  for (size_t j = 0; j < n; j++) {
    const int r = term(&t, s, j);
    if (r < 0)
      return -1;
    if (r > 0)
      continue;
    const long hi = t.lo + (long)(t.na + t.nb) * GMP_NUMB_BITS;
    emin = !have || t.lo < emin ? t.lo : emin;
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
    if (term(&t, s, j) != 0)
      continue;
    if (t.na >= t.nb)
      mpn_mul(w->tmp, t.fa, (mp_size_t)t.na, t.fb, (mp_size_t)t.nb);
    else
      mpn_mul(w->tmp, t.fb, (mp_size_t)t.nb, t.fa, (mp_size_t)t.na);
    if (add_term(w, L, emin, t.lo, t.na + t.nb, t.neg) != 0)
      return -1;
  }
  acc_close(y, w, L, emin);
  return 0;
}

int fc_xdot_mpd(mpfr_t y, fc_xacc *w, mpfr_t *const a, const double *x,
                size_t n)
{
  const xsrc s = {XMP, XD, a, x, 1, 1};
  return xdot(y, w, &s, n);
}

int fc_xdot_mm(mpfr_t y, fc_xacc *w, mpfr_t *const a, size_t sa,
               mpfr_t *const b, size_t sb, size_t n)
{
  const xsrc s = {XMP, XMP, a, b, sa, sb};
  return xdot(y, w, &s, n);
}

int fc_xdot_dd(mpfr_t y, fc_xacc *w, const double *a, size_t sa,
               const double *b, size_t sb, size_t n)
{
  const xsrc s = {XD, XD, a, b, sa, sb};
  return xdot(y, w, &s, n);
}

/* attention.c -- RoPE attention in MPFR with error coefficients.
 *
 * Unit: v = 2^-P (P the precision of the matrices).  Rounding to nearest
 * at P bits has relative error at most v (half an ulp is at most 2^-P of
 * the value); a correctly rounded mpfr_dot / mpfr_sum / mpfr_exp / mpfr_sqrt
 * / division rounds once.  Coefficients E are in units of v: |value -
 * exact| <= v E.  The rules, with |.| the magnitudes of the computed values
 * (as doubles):
 *   exact input:              E = 0
 *   C = A B (mpfr_dot):       E_C = |C| + E_A |B| + |A| E_B + v E_A E_B
 *     (A B - A* B* = dA B + A dB - dA dB: the last term is the explicit
 *     second-order one; the rounding of the dot is one v |C|)
 *   every dot product (dot_rows and fc_mp_emat_mul, through the one
 *     helper emat_dot) avoids mpfr_dot's allocations.  Its sum is either
 *     (a) exact (dot_exact: whole-limb precisions, finite operands, a
 *     spread of product exponents that fits its fixed-point accumulator,
 *     which is the common case): the exact products are summed exactly in
 *     limbs and the sum rounded once -- the correctly rounded dot, as
 *     mpfr_dot, one v |C|; or (b) the fallback: products exact at
 *     prec(a) + prec(b) bits, n additions at max(2P, P + 64) bits (each
 *     within 2^-(P+64) of the partial sum, so in all within n 2^-64 v
 *     sum |a b| <= 2^-44 v sum |a b| for n <= 2^20), one final rounding
 *     to P.  Both take the rule above plus 2^-40 sum |a b| (needed by (b)
 *     only).  Values: (a) equals mpfr_dot's (what fc_mp_emat_mul returned
 *     before); dot_rows used (b) with sums at P + 64 bits, so its values
 *     may differ from before in the last bit (one correct rounding instead
 *     of two roundings), within the same rule.
 *   exact-zero terms: a term whose operand a is exactly zero (MPFR value
 *     0, double magnitude 0, coefficient 0) while the other operand b has
 *     a finite double magnitude and coefficient contributes exactly
 *     nothing: the product is an exact zero and adding it to the sum
 *     (started at +0, or the exact accumulator) leaves it unchanged bit
 *     for bit (the sum of an all-zero dot is +0 either way);
 *     E_a |b| + |a| E_b = 0 + 0, E_a E_b = 0, |a b| = 0, so prop, second
 *     and mag are unchanged.  Such
 *     terms are skipped: a per-plane rotation has 2 nonzeros per row, so
 *     folding R W costs O(d dm) terms instead of O(d^2 dm), and causally
 *     masked probabilities (exact zeros) cost nothing in A V.
 *   z = s - m (m an exact max of computed scores, a common shift that
 *     cancels in the softmax): E_z = E_s + |z|
 *   e = exp(z): relative error E_z (1 + v E_z) + 1 units (exp(dz) - 1 <=
 *     dz (1 + dz) for 0 <= dz <= 1, one rounding)
 *   S = sum e (mpfr_sum): relative (sum e rel_e) / sum e + 1
 *   a = e / S: relative rel_e + rel_S (1 + v rel_S) + 1
 *   RMSNorm row: ss (dot, 1), / n (1), + eps (1; a sum of nonnegatives),
 *     sqrt (halves it, plus 1), x / r (1), * g (1): relative 4.5 units;
 *     we use 6
 *   RoPE pair (a, b) (fc_mp_rope_apply: exact angle, sin/cos and at most
 *     three roundings per output): E_a' = E_a + E_b + 4 (|x_a| + |x_b|)
 *     + 2 |out_a| (twice the count of unit errors, so an implementation
 *     with a few more roundings stays covered)
 *   Givens step (fc_mpmat_givens: c, s within 2^-(P+29) relative, one
 *     rounding per entry): E_i' = E_i + E_j + (|q_i| + |q_j|) + |q_i'|
 *   residual add: E_y = E_o + |y|.
 * Each new coefficient is multiplied by SAFE = 1 + 2^-30, which covers the
 * double evaluation of the coefficients (nonnegative terms) and the
 * conversion of magnitudes to double.
 *
 * Speed (one F4 evaluation, tests/bench-f4: ~1.9x fewer instructions):
 * the exact fixed-point dot products and exact-zero skipping above; RoPE
 * sines/cosines from an optional table (fc_mp_attn_in.rope_tab, rope.h;
 * bit-identical values); matrices allocated in one block (mpmat.c); no
 * per-call allocation in the dot products or the RoPE step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "attention.h"
#include "rope.h"

#define SAFE(x) ((x) * (1.0 + 0x1p-30))

static size_t nel(const fc_mp_emat *a) { return a->m->rows * a->m->cols; }

/* ------------------------------------------------------------- matrices */

int fc_mp_emat_init(fc_mp_emat *a, size_t rows, size_t cols,
                    mpfr_prec_t prec)
{
  if (a == NULL)
    return FC_EINVAL;
  memset(a, 0, sizeof *a);
  int rc = fc_mpmat_init(a->m, rows, cols, prec);
  if (rc != FC_OK)
    return rc;
  const size_t n = rows * cols > 0 ? rows * cols : 1;
  a->e = calloc(n, sizeof *a->e);
  a->d = calloc(n, sizeof *a->d);
  if (a->e == NULL || a->d == NULL) {
    fc_mp_emat_clear(a);
    return FC_ENOMEM;
  }
  return FC_OK;
}

void fc_mp_emat_clear(fc_mp_emat *a)
{
  if (a == NULL)
    return;
  fc_mpmat_clear(a->m);
  free(a->e);
  free(a->d);
  a->e = NULL;
  a->d = NULL;
}

void fc_mp_emat_sync(fc_mp_emat *a)
{
  for (size_t i = 0, n = nel(a); i < n; i++)
    a->d[i] = mpfr_get_d(a->m->e[i], MPFR_RNDN);
}

void fc_mp_emat_set_d(fc_mp_emat *a, const double *x)
{
  fc_mpmat_set_d(a->m, x);
  for (size_t i = 0, n = nel(a); i < n; i++) {
    a->e[i] = 0.0;
    a->d[i] = x[i];
  }
}

int fc_mp_emat_givens(fc_mp_emat *a, const fc_givens *g)
{
  if (a == NULL || g == NULL)
    return FC_EINVAL;
  fc_mpmat_struct *q = a->m;
  if (q->rows != g->n || q->cols != g->n)
    return FC_EINVAL;
  int rc = fc_mpmat_givens(q, g);
  if (rc != FC_OK)
    return rc;
  /* Replay the recurrence on magnitudes (double) for the coefficients. */
  const size_t n = g->n;
  double *M = malloc(n * n * sizeof *M);
  if (M == NULL)
    return FC_ENOMEM;
  for (size_t r = 0; r < n; r++)
    for (size_t c = 0; c < n; c++) {
      M[r * n + c] = r == c;
      a->e[r * n + c] = 0.0;
    }
  for (size_t k = 0; k < g->count; k++) {
    const double w = 2 * M_PI * g->turns[k];
    const double cs = cos(w), sn = sin(w);
    const size_t i = (size_t)g->i[k], j = (size_t)g->j[k];
    for (size_t c = 0; c < n; c++) {
      const double qi = M[i * n + c], qj = M[j * n + c];
      const double ei = a->e[i * n + c], ej = a->e[j * n + c];
      const double ni = cs * qi - sn * qj, nj = sn * qi + cs * qj;
      M[i * n + c] = ni;
      M[j * n + c] = nj;
      /* |q'| as a double may be off by a rounding of the magnitudes:
       * count one more unit of (|q_i| + |q_j|) for it. */
      const double common = 2 * (fabs(qi) + fabs(qj));
      a->e[i * n + c] = SAFE(ei + ej + common + fabs(ni));
      a->e[j * n + c] = SAFE(ei + ej + common + fabs(nj));
    }
  }
  free(M);
  fc_mp_emat_sync(a);
  return FC_OK;
}

/* The precision of the fallback temporaries for operands of precisions pa,
 * pb and a result of precision pc: products exact (pa + pb bits), sums at
 * pc + 64 bits or more; one precision for both, so that the additions take
 * MPFR's same-precision path (mpfr_add1sp/sub1sp, ~40% cheaper). */
static mpfr_prec_t dot_prec(mpfr_prec_t pa, mpfr_prec_t pb, mpfr_prec_t pc)
{
  return pa + pb > pc + 64 ? pa + pb : pc + 64;
}

/* Limbs beyond the product's in the exact accumulator: room for a spread
 * of product exponents plus log2(n) bits of up to 64 (FX_EXTRA - 2) bits. */
#define FX_EXTRA 8

/* The temporaries of emat_dot, one malloc'd block (free it; prod and acc
 * are custom variables, never mpfr_clear them):
 *  - exact path: pos, neg (the accumulated positive and negative products,
 *    cap limbs each), tmp (one shifted product), buf (the normalised sum);
 *  - fallback path: prod and acc at dot_prec. */
struct fc_dot_tmp {
  mpfr_t prod, acc;
  mp_limb_t *pos, *neg, *tmp, *buf;
  mp_size_t cap;
};

static mp_size_t limbs_of(mpfr_prec_t p)
{
  return (mp_size_t)((p + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS);
}

/* NULL on allocation failure. */
static struct fc_dot_tmp *dot_tmp_new(mpfr_prec_t pa, mpfr_prec_t pb,
                                      mpfr_prec_t pc)
{
  const mpfr_prec_t q = dot_prec(pa, pb, pc);
  const size_t sz = mpfr_custom_get_size(q);
  const mp_size_t cap = limbs_of(pa) + limbs_of(pb) + FX_EXTRA;
  const size_t head = (sizeof(struct fc_dot_tmp) + 63) / 64 * 64;
  char *mem = malloc(head + 2 * sz + 4 * (size_t)cap * sizeof(mp_limb_t));
  if (mem == NULL)
    return NULL;
  struct fc_dot_tmp *t = (struct fc_dot_tmp *)(void *)mem;
  mpfr_custom_init_set(t->prod, MPFR_ZERO_KIND, 0, q, mem + head);
  mpfr_custom_init_set(t->acc, MPFR_ZERO_KIND, 0, q, mem + head + sz);
  t->pos = (mp_limb_t *)(void *)(mem + head + 2 * sz);
  t->neg = t->pos + cap;
  t->tmp = t->neg + cap;
  t->buf = t->tmp + cap;
  t->cap = cap;
  return t;
}

/* r = x y exactly, r a custom variable of precision >= prec(x) + prec(y).
 * When r's precision is exactly prec(x) + prec(y), all three are whole
 * limbs and x, y are regular, the product of the significands is formed
 * by mpn_mul into r's limbs (normalised by one shift when its top bit is
 * clear) and the exponent and sign set through the custom interface: the
 * value mpfr_mul would return (the product is exact either way), without
 * its general path.  Otherwise, or for an exponent outside [emin, emax]
 * (the current range, read once per dot by the caller), mpfr_mul. */
static inline void mul_exact(mpfr_ptr r, mpfr_srcptr x, mpfr_srcptr y,
                             mpfr_exp_t emin, mpfr_exp_t emax)
{
  const mpfr_prec_t px = mpfr_get_prec(x), py = mpfr_get_prec(y);
  if (mpfr_regular_p(x) && mpfr_regular_p(y) && px % GMP_NUMB_BITS == 0 &&
      py % GMP_NUMB_BITS == 0 && mpfr_get_prec(r) == px + py) {
    const mp_size_t nx = px / GMP_NUMB_BITS, ny = py / GMP_NUMB_BITS;
    mp_limb_t *rp = mpfr_custom_get_significand(r);
    const mp_limb_t *xp = mpfr_custom_get_significand(x);
    const mp_limb_t *yp = mpfr_custom_get_significand(y);
    if (nx == ny)
      mpn_mul_n(rp, xp, yp, nx);
    else if (nx > ny)
      mpn_mul(rp, xp, nx, yp, ny);
    else
      mpn_mul(rp, yp, ny, xp, nx);
    /* significands in [1/2, 1): the product is in [1/4, 1) */
    mpfr_exp_t e = mpfr_get_exp(x) + mpfr_get_exp(y);
    if ((rp[nx + ny - 1] >> (GMP_NUMB_BITS - 1)) == 0) {
      mpn_lshift(rp, rp, nx + ny, 1);
      e--;
    }
    if (e >= emin && e <= emax) {
      const int neg = (mpfr_signbit(x) != 0) != (mpfr_signbit(y) != 0);
      mpfr_custom_init_set(r, neg ? -MPFR_REGULAR_KIND : MPFR_REGULAR_KIND,
                           e, px + py, rp);
      return;
    }
  }
  mpfr_mul(r, x, y, MPFR_RNDN); /* exact: enough bits */
}

/* Leading zero bits of a nonzero limb. */
static int clz_limb(mp_limb_t x)
{
  int z = 0;
  while (!(x >> (GMP_NUMB_BITS - 1))) {
    x <<= 1;
    z++;
  }
  return z;
}

/* 1 when term (ia, ib) is an exact zero that emat_dot skips (the
 * exact-zero rule of the header comment). */
static inline int term_skipped(const fc_mp_emat *X, size_t ia,
                               const fc_mp_emat *W, size_t ib)
{
  const double xd = X->d[ia], xe = X->e[ia], wd = W->d[ib], we = W->e[ib];
  return (xd == 0.0 && xe == 0.0 && mpfr_zero_p(X->m->e[ia]) &&
          isfinite(wd) && isfinite(we)) ||
         (wd == 0.0 && we == 0.0 && mpfr_zero_p(W->m->e[ib]) &&
          isfinite(xd) && isfinite(xe));
}

/* The exact path: sum_l x_l w_l exactly in fixed point, then one rounding
 * to out.  Every product of regular operands is an integer M_l (the
 * product of the significands, Lp = limbs(x) + limbs(w) limbs) times
 * 2^(e_l - 64 Lp), e_l = exp(x_l) + exp(w_l); with e0 = min e_l, it is
 * (M_l << (e_l - e0)) 2^(e0 - 64 Lp), added exactly into pos or neg by its
 * sign (mpn_add; the accumulators have Lp + 1 + ceil((spread + bits(n)) /
 * 64) limbs, so no carry leaves them).  A term with a zero operand and a
 * finite other one is an exact zero and adds nothing.  The difference
 * pos - neg is the exact dot (+0 when it is 0, as +0 + ... + 0 is in
 * MPFR); normalised into buf, it is read as an MPFR number of 64 k bits
 * through the custom interface and rounded once by mpfr_set: out is the
 * correctly rounded dot product (what mpfr_dot returns).  Returns 0, or -1
 * without touching out when the path does not apply (precisions not whole
 * limbs, an infinite or NaN operand, a spread of exponents too wide for
 * the accumulators, exponents near the ends of MPFR's range): the caller
 * then uses the fallback. */
static int dot_exact(struct fc_dot_tmp *t, mpfr_ptr out, const fc_mp_emat *X,
                     size_t xi, size_t xstep, const fc_mp_emat *W, size_t wi,
                     size_t wstep, size_t n)
{
  const mpfr_prec_t px = X->m->prec, pw = W->m->prec;
  if (px % GMP_NUMB_BITS != 0 || pw % GMP_NUMB_BITS != 0 ||
      GMP_NAIL_BITS != 0)
    return -1;
  const mp_size_t lx = limbs_of(px), lw = limbs_of(pw), lp = lx + lw;
  /* Pass 1: the exponent range of the nonzero products. */
  mpfr_exp_t e0 = 0, e1 = 0;
  size_t cnt = 0;
  for (size_t l = 0; l < n; l++) {
    const size_t ia = xi + l * xstep, ib = wi + l * wstep;
    mpfr_srcptr x = X->m->e[ia], w = W->m->e[ib];
    if (mpfr_regular_p(x) && mpfr_regular_p(w)) {
      const mpfr_exp_t e = mpfr_get_exp(x) + mpfr_get_exp(w);
      if (cnt == 0 || e < e0)
        e0 = e;
      if (cnt == 0 || e > e1)
        e1 = e;
      cnt++;
    } else if (!((mpfr_zero_p(x) && mpfr_number_p(w)) ||
                 (mpfr_zero_p(w) && mpfr_number_p(x)))) {
      return -1; /* inf or NaN */
    }
  }
  if (cnt == 0) {
    mpfr_set_zero(out, 1);
    return 0;
  }
  if (e0 < mpfr_get_emin_min() / 2 || e1 > mpfr_get_emax_max() / 2)
    return -1;
  const unsigned long spread = (unsigned long)(e1 - e0);
  int nbits = 0;
  for (size_t c = cnt; c; c >>= 1)
    nbits++;
  if (spread > (unsigned long)GMP_NUMB_BITS * (FX_EXTRA - 2) - (unsigned)nbits)
    return -1;
  const mp_size_t nl =
      lp + 1 + (mp_size_t)((spread + (unsigned)nbits + GMP_NUMB_BITS - 1) /
                           GMP_NUMB_BITS);
  if (nl > t->cap)
    return -1;
  mpn_zero(t->pos, nl);
  mpn_zero(t->neg, nl);
  /* Pass 2: accumulate. */
  for (size_t l = 0; l < n; l++) {
    const size_t ia = xi + l * xstep, ib = wi + l * wstep;
    mpfr_srcptr x = X->m->e[ia], w = W->m->e[ib];
    if (!mpfr_regular_p(x) || !mpfr_regular_p(w))
      continue; /* an exact zero */
    const mp_limb_t *xp = mpfr_custom_get_significand(x);
    const mp_limb_t *wp = mpfr_custom_get_significand(w);
    if (lx == lw)
      mpn_mul_n(t->tmp, xp, wp, lx);
    else if (lx > lw)
      mpn_mul(t->tmp, xp, lx, wp, lw);
    else
      mpn_mul(t->tmp, wp, lw, xp, lx);
    const unsigned long s =
        (unsigned long)(mpfr_get_exp(x) + mpfr_get_exp(w) - e0);
    const mp_size_t q = (mp_size_t)(s / GMP_NUMB_BITS);
    const unsigned r = (unsigned)(s % GMP_NUMB_BITS);
    t->tmp[lp] = r ? mpn_lshift(t->tmp, t->tmp, lp, r) : 0;
    mp_limb_t *a =
        (mpfr_signbit(x) != 0) != (mpfr_signbit(w) != 0) ? t->neg : t->pos;
    if (mpn_add(a + q, a + q, nl - q, t->tmp, lp + 1) != 0)
      return -1; /* cannot happen (sizes above) */
  }
  /* pos - neg, its sign, and one rounding. */
  const int c = mpn_cmp(t->pos, t->neg, nl);
  if (c == 0) {
    mpfr_set_zero(out, 1);
    return 0;
  }
  mp_limb_t *dif = c > 0 ? t->pos : t->neg;
  mpn_sub_n(dif, dif, c > 0 ? t->neg : t->pos, nl);
  mp_size_t k = nl - 1;
  while (dif[k] == 0)
    k--; /* dif != 0 */
  const int z = clz_limb(dif[k]);
  if (z)
    mpn_lshift(t->buf, dif, k + 1, (unsigned)z);
  else
    mpn_copyi(t->buf, dif, k + 1);
  /* value = 0.buf * 2^(64 (k + 1) - z) * 2^(e0 - 64 lp) */
  const mpfr_exp_t ex = e0 - (mpfr_exp_t)GMP_NUMB_BITS * lp +
                        (mpfr_exp_t)GMP_NUMB_BITS * (k + 1) - z;
  if (ex < mpfr_get_emin() || ex > mpfr_get_emax())
    return -1;
  mpfr_t sum;
  mpfr_custom_init_set(sum, c > 0 ? MPFR_REGULAR_KIND : -MPFR_REGULAR_KIND,
                       ex, (mpfr_prec_t)GMP_NUMB_BITS * (k + 1), t->buf);
  mpfr_set(out, sum, MPFR_RNDN);
  return 0;
}

/* The accumulation of every dot product of this file:
 * C[ci] = sum_l X[xi + l xstep] W[wi + l wstep], l < n, with t from
 * dot_tmp_new(prec(X), prec(W), prec(C)).  Exact-zero terms are skipped
 * (header comment).  The sum: dot_exact (exact, one rounding) when it
 * applies, else the fallback: products exact (mul_exact), the sum kept at
 * dot_prec >= prec(C) + 64 bits, then rounded once to C; its first term is
 * formed in acc directly (0 + p = p exactly; an exact zero is made +0, as
 * +0 + p would be).  Coefficients by the product rule plus 2^-40 sum
 * |x w| for the fallback's accumulation (header comment; the exact path
 * needs only the |C| of its one rounding, and is given the same rule).
 * No allocation. */
static void emat_dot(struct fc_dot_tmp *t, fc_mp_emat *C, size_t ci,
                     const fc_mp_emat *X, size_t xi, size_t xstep,
                     const fc_mp_emat *W, size_t wi, size_t wstep, size_t n)
{
  const double v = ldexp(1.0, -(int)C->m->prec);
  double prop = 0.0, second = 0.0, mag = 0.0;
  for (size_t l = 0; l < n; l++) {
    const size_t ia = xi + l * xstep, ib = wi + l * wstep;
    if (term_skipped(X, ia, W, ib))
      continue; /* contributes exactly nothing (header comment) */
    const double xd = X->d[ia], xe = X->e[ia], wd = W->d[ib], we = W->e[ib];
    prop += xe * fabs(wd) + fabs(xd) * we;
    second += xe * we;
    mag += fabs(xd * wd);
  }
  if (dot_exact(t, C->m->e[ci], X, xi, xstep, W, wi, wstep, n) != 0) {
    int first = 1;
    const mpfr_exp_t emin = mpfr_get_emin(), emax = mpfr_get_emax();
    mpfr_set_zero(t->acc, 1);
    for (size_t l = 0; l < n; l++) {
      const size_t ia = xi + l * xstep, ib = wi + l * wstep;
      if (term_skipped(X, ia, W, ib))
        continue;
      if (first) {
        mul_exact(t->acc, X->m->e[ia], W->m->e[ib], emin, emax);
        if (mpfr_zero_p(t->acc))
          mpfr_set_zero(t->acc, 1);
        first = 0;
      } else {
        mul_exact(t->prod, X->m->e[ia], W->m->e[ib], emin, emax);
        mpfr_add(t->acc, t->acc, t->prod, MPFR_RNDN);
      }
    }
    mpfr_set(C->m->e[ci], t->acc, MPFR_RNDN);
  }
  C->d[ci] = mpfr_get_d(C->m->e[ci], MPFR_RNDN);
  C->e[ci] = SAFE(fabs(C->d[ci]) + prop + v * second + 0x1p-40 * mag);
}

int fc_mp_emat_mul(fc_mp_emat *C, const fc_mp_emat *A, int transa,
                   const fc_mp_emat *B, int transb)
{
  if (C == NULL || A == NULL || B == NULL || C == A || C == B)
    return FC_EINVAL;
  const size_t ar = transa ? A->m->cols : A->m->rows;
  const size_t ac = transa ? A->m->rows : A->m->cols;
  const size_t br = transb ? B->m->cols : B->m->rows;
  const size_t bc = transb ? B->m->rows : B->m->cols;
  if (ac != br || C->m->rows != ar || C->m->cols != bc)
    return FC_EINVAL;
  if (ac > ((size_t)1 << 20)) /* the 2^-40 accumulation rule's range */
    return FC_EINVAL;
  const size_t n = ac;
  /* op(A)(i, l) = A[xi + l xstep], op(B)(l, j) = B[wi + l wstep]. */
  const size_t xstep = transa ? A->m->cols : 1;
  const size_t wstep = transb ? 1 : B->m->cols;
  struct fc_dot_tmp *t = dot_tmp_new(A->m->prec, B->m->prec, C->m->prec);
  if (t == NULL)
    return FC_ENOMEM;
  for (size_t i = 0; i < ar; i++)
    for (size_t j = 0; j < bc; j++)
      emat_dot(t, C, i * bc + j, A, transa ? i : i * A->m->cols, xstep, B,
               transb ? j * B->m->cols : j, wstep, n);
  free(t);
  return FC_OK;
}

int fc_mp_emat_transpose(fc_mp_emat *T, const fc_mp_emat *A)
{
  if (T == NULL || A == NULL || T == A || T->m->rows != A->m->cols ||
      T->m->cols != A->m->rows)
    return FC_EINVAL;
  for (size_t i = 0; i < A->m->rows; i++)
    for (size_t j = 0; j < A->m->cols; j++) {
      const size_t s = i * A->m->cols + j, t = j * A->m->rows + i;
      mpfr_set(T->m->e[t], A->m->e[s], MPFR_RNDN);
      T->e[t] = A->e[s];
      T->d[t] = A->d[s];
    }
  return FC_OK;
}

int fc_mp_emat_copy(fc_mp_emat *dst, const fc_mp_emat *src)
{
  if (dst == NULL || src == NULL || dst->m->rows != src->m->rows ||
      dst->m->cols != src->m->cols)
    return FC_EINVAL;
  if (dst == src)
    return FC_OK;
  for (size_t i = 0, n = nel(src); i < n; i++) {
    mpfr_set(dst->m->e[i], src->m->e[i], MPFR_RNDN);
    dst->e[i] = src->e[i];
    dst->d[i] = src->d[i];
  }
  return FC_OK;
}

int fc_mp_emat_put(fc_mp_emat *dst, size_t r0, size_t c0,
                   const fc_mp_emat *src)
{
  if (dst == NULL || src == NULL || dst == src ||
      r0 + src->m->rows > dst->m->rows || c0 + src->m->cols > dst->m->cols)
    return FC_EINVAL;
  for (size_t i = 0; i < src->m->rows; i++)
    for (size_t j = 0; j < src->m->cols; j++) {
      const size_t s = i * src->m->cols + j;
      const size_t t = (r0 + i) * dst->m->cols + c0 + j;
      mpfr_set(dst->m->e[t], src->m->e[s], MPFR_RNDN);
      dst->e[t] = src->e[s];
      dst->d[t] = src->d[s];
    }
  return FC_OK;
}

int fc_mp_emat_get(fc_mp_emat *dst, const fc_mp_emat *src, size_t r0,
                   size_t c0)
{
  if (dst == NULL || src == NULL || dst == src ||
      r0 + dst->m->rows > src->m->rows || c0 + dst->m->cols > src->m->cols)
    return FC_EINVAL;
  for (size_t i = 0; i < dst->m->rows; i++)
    for (size_t j = 0; j < dst->m->cols; j++) {
      const size_t t = i * dst->m->cols + j;
      const size_t s = (r0 + i) * src->m->cols + c0 + j;
      mpfr_set(dst->m->e[t], src->m->e[s], MPFR_RNDN);
      dst->e[t] = src->e[s];
      dst->d[t] = src->d[s];
    }
  return FC_OK;
}

int fc_mp_emat_residual(mpfr_t r, mpfr_t S, const fc_mp_emat *A,
                        const fc_mp_emat *B, int accumulate)
{
  if (A == NULL || B == NULL || A->m->rows != B->m->rows ||
      A->m->cols != B->m->cols)
    return FC_EINVAL;
  if (!accumulate) {
    mpfr_set_zero(r, 1);
    mpfr_set_zero(S, 1);
  }
  mpfr_t diff;
  mpfr_init2(diff, mpfr_get_prec(r));
  double smax = mpfr_get_d(S, MPFR_RNDU);
  for (size_t i = 0, n = nel(A); i < n; i++) {
    mpfr_srcptr a = A->m->e[i], b = B->m->e[i];
    if (mpfr_inf_p(a) && mpfr_inf_p(b) && mpfr_sgn(a) == mpfr_sgn(b))
      continue; /* both masked */
    if (mpfr_inf_p(a) || mpfr_inf_p(b) || mpfr_nan_p(a) || mpfr_nan_p(b)) {
      mpfr_set_inf(r, 1);
      continue;
    }
    mpfr_sub(diff, a, b, MPFR_RNDA);
    mpfr_abs(diff, diff, MPFR_RNDN);
    if (mpfr_cmp(diff, r) > 0)
      mpfr_set(r, diff, MPFR_RNDU);
    const double e = A->e[i] + B->e[i];
    if (e > smax)
      smax = e;
  }
  mpfr_set_d(S, SAFE(smax), MPFR_RNDU);
  mpfr_clear(diff);
  return FC_OK;
}

/* -------------------------------------------------------------- the block */

static int dims_valid(const fc_mp_attn_dims *g)
{
  const size_t big = (size_t)1 << 20;
  return g->T > 0 && g->dm > 0 && g->d > 0 && g->heads > 0 && g->kv > 0 &&
         g->heads % g->kv == 0 && g->T <= big && g->dm <= big &&
         g->d <= big && g->heads <= 4096 && g->dout <= big;
}

int fc_mp_attn_init(fc_mp_attn *w, const fc_mp_attn_dims *g,
                    mpfr_prec_t prec)
{
  if (w == NULL)
    return FC_EINVAL;
  memset(w, 0, sizeof *w);
  if (g == NULL || !dims_valid(g) || prec < MPFR_PREC_MIN)
    return FC_EINVAL;
  w->g = *g;
  w->prec = prec;
  const size_t T = g->T, hd = g->heads * g->d, kvd = g->kv * g->d;
  int rc = FC_OK;
  fc_mp_emat *m[] = {&w->xn, &w->q, &w->k, &w->v, &w->s,
                     &w->a,  &w->ctx, &w->out, &w->tmp};
  const size_t rows[] = {T, T, T, T, g->heads * T, g->heads * T, T, T, T};
  const size_t cols[] = {g->dm, hd, kvd, kvd, T, T, hd,
                         g->dout ? g->dout : 1, g->d};
  for (size_t i = 0; i < sizeof m / sizeof m[0] && rc == FC_OK; i++)
    rc = fc_mp_emat_init(m[i], rows[i], cols[i], prec);
  size_t L = g->dm;
  if (hd > L)
    L = hd;
  if (kvd > L)
    L = kvd;
  if (T > L)
    L = T;
  if (rc == FC_OK) {
    w->mask = calloc(g->heads * T * T, 1);
    w->rope_out = malloc(g->d * sizeof *w->rope_out);
    w->rope_e = malloc(2 * g->d * sizeof *w->rope_e);
    w->pa = malloc((L + 1) * sizeof *w->pa);
    w->pb = malloc((L + 1) * sizeof *w->pb);
    w->dot = dot_tmp_new(prec, prec, prec);
    if (!w->mask || !w->rope_out || !w->rope_e || !w->pa || !w->pb ||
        !w->dot)
      rc = FC_ENOMEM;
  }
  if (rc == FC_OK) {
    for (size_t i = 0; i < g->d; i++)
      mpfr_init2(w->rope_out[i], prec);
    mpfr_inits2(prec, w->t0, w->t1, (mpfr_ptr)0);
    w->prec = prec;
  } else {
    free(w->rope_out);
    w->rope_out = NULL;
    fc_mp_attn_clear(w);
  }
  return rc;
}

void fc_mp_attn_clear(fc_mp_attn *w)
{
  if (w == NULL)
    return;
  fc_mp_emat *m[] = {&w->xn, &w->q, &w->k, &w->v, &w->s,
                     &w->a,  &w->ctx, &w->out, &w->tmp};
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
    fc_mp_emat_clear(m[i]);
  if (w->rope_out) {
    for (size_t i = 0; i < w->g.d; i++)
      mpfr_clear(w->rope_out[i]);
    mpfr_clears(w->t0, w->t1, (mpfr_ptr)0);
  }
  free(w->rope_out);
  free(w->rope_e);
  free(w->dot); /* one block, custom variables (dot_tmp_new) */
  free(w->mask);
  free(w->pa);
  free(w->pb);
  memset(w, 0, sizeof *w);
}

/* C entry ci = sum_l X[xi + l xstep] W[wi + l wstep], l < n, by emat_dot
 * with the workspace's temporaries (for operands of precision P, the
 * workspace's).  No allocation. */
static void dot_rows(fc_mp_attn *w, fc_mp_emat *C, size_t ci,
                     const fc_mp_emat *X, size_t xi, const fc_mp_emat *W,
                     size_t wi, size_t n, size_t xstep, size_t wstep)
{
  emat_dot(w->dot, C, ci, X, xi, xstep, W, wi, wstep, n);
}

static void rmsnorm(fc_mp_attn *w, const double *x, const double *gain,
                    double eps)
{
  const size_t T = w->g.T, n = w->g.dm;
  fc_mp_emat *Y = &w->xn;
  for (size_t t = 0; t < T; t++) {
    for (size_t i = 0; i < n; i++)
      mpfr_set_d(Y->m->e[t * n + i], x[t * n + i], MPFR_RNDN); /* exact */
    for (size_t i = 0; i < n; i++) {
      w->pa[i] = Y->m->e[t * n + i];
      w->pb[i] = Y->m->e[t * n + i];
    }
    mpfr_dot(w->t0, w->pa, w->pb, (unsigned long)n, MPFR_RNDN);
    mpfr_div_ui(w->t0, w->t0, (unsigned long)n, MPFR_RNDN);
    mpfr_add_d(w->t0, w->t0, eps, MPFR_RNDN);
    mpfr_sqrt(w->t0, w->t0, MPFR_RNDN);
    for (size_t i = 0; i < n; i++) {
      mpfr_ptr y = Y->m->e[t * n + i];
      mpfr_div(y, y, w->t0, MPFR_RNDN);
      mpfr_mul_d(y, y, gain[i], MPFR_RNDN);
      Y->d[t * n + i] = mpfr_get_d(y, MPFR_RNDN);
      Y->e[t * n + i] = SAFE(6.0 * fabs(Y->d[t * n + i]));
    }
  }
}

/* RoPE on the head slice (columns c0 .. c0 + d) of every row of Y, with
 * schedule s (kv index j): from the table tab when non-NULL (bit-identical
 * values, fc_mp_rope_apply_tab), else fc_mp_rope_apply.  The slice of a
 * row is read in place (out does not alias it); no allocation. */
static int rope_slice(fc_mp_attn *w, fc_mp_emat *Y, size_t c0,
                      const fc_schedule *s, size_t j, const long *pos,
                      const fc_mp_rope_tab *tab)
{
  const size_t d = w->g.d, ld = Y->m->cols;
  double *ein = w->rope_e, *xin = w->rope_e + d;
  for (size_t t = 0; t < w->g.T; t++) {
    for (size_t i = 0; i < d; i++) {
      ein[i] = Y->e[t * ld + c0 + i];
      xin[i] = fabs(Y->d[t * ld + c0 + i]);
    }
    mpfr_t *row = Y->m->e + t * ld + c0;
    int rc = tab ? fc_mp_rope_apply_tab(w->rope_out, row, tab, j, t)
                 : fc_mp_rope_apply(w->rope_out, row, s, pos[t]);
    if (rc != FC_OK)
      return rc;
    for (size_t i = 0; i < d; i++) {
      mpfr_set(Y->m->e[t * ld + c0 + i], w->rope_out[i], MPFR_RNDN);
      Y->d[t * ld + c0 + i] = mpfr_get_d(w->rope_out[i], MPFR_RNDN);
    }
    for (size_t i = 0; i < d / 2; i++) {
      size_t a, b;
      fc_schedule_plane(&a, &b, s, i);
      const double base = ein[a] + ein[b] + 4 * (xin[a] + xin[b]);
      Y->e[t * ld + c0 + a] = SAFE(base + 2 * fabs(Y->d[t * ld + c0 + a]));
      Y->e[t * ld + c0 + b] = SAFE(base + 2 * fabs(Y->d[t * ld + c0 + b]));
    }
  }
  return FC_OK;
}

/* Head slice h of Y (T x (n d)) <- slice R^T: each row y <- R y. */
static int rotate_slice(fc_mp_attn *w, fc_mp_emat *Y, size_t h,
                        const fc_mp_emat *R)
{
  const size_t d = w->g.d, ld = Y->m->cols;
  if (R->m->rows != d || R->m->cols != d)
    return FC_EINVAL;
  for (size_t t = 0; t < w->g.T; t++)
    for (size_t i = 0; i < d; i++)
      dot_rows(w, &w->tmp, t * d + i, Y, t * ld + h * d, R, i * d, d, 1, 1);
  for (size_t t = 0; t < w->g.T; t++)
    for (size_t i = 0; i < d; i++) {
      const size_t s = t * d + i, u = t * ld + h * d + i;
      mpfr_set(Y->m->e[u], w->tmp.m->e[s], MPFR_RNDN);
      Y->e[u] = w->tmp.e[s];
      Y->d[u] = w->tmp.d[s];
    }
  return FC_OK;
}

/* Softmax of one row of scores (head block row), with coefficients. */
static void softmax_row(fc_mp_attn *w, size_t row)
{
  const size_t T = w->g.T;
  const double v = ldexp(1.0, -(int)w->prec);
  fc_mp_emat *S = &w->s, *A = &w->a;
  const size_t o = row * T;
  /* m = max over unmasked entries (exact selection). */
  mpfr_ptr m = NULL;
  for (size_t u = 0; u < T; u++)
    if (!w->mask[o + u] && (m == NULL || mpfr_cmp(S->m->e[o + u], m) > 0))
      m = S->m->e[o + u];
  mpfr_set(w->t1, m, MPFR_RNDN);
  size_t n = 0;
  double wsum = 0.0, wrel = 0.0;
  for (size_t u = 0; u < T; u++) {
    mpfr_ptr a = A->m->e[o + u];
    if (w->mask[o + u]) {
      mpfr_set_zero(a, 1);
      A->e[o + u] = 0.0;
      A->d[o + u] = 0.0;
      continue;
    }
    mpfr_sub(a, S->m->e[o + u], w->t1, MPFR_RNDN);
    const double ez = S->e[o + u] + fabs(mpfr_get_d(a, MPFR_RNDN));
    mpfr_exp(a, a, MPFR_RNDN);
    const double rel = ez * (1.0 + v * ez) + 1.0;
    A->e[o + u] = rel; /* relative, for now */
    const double e = mpfr_get_d(a, MPFR_RNDN);
    wsum += e;
    wrel += e * rel;
    w->pa[n++] = a;
  }
  mpfr_sum(w->t0, w->pa, (unsigned long)n, MPFR_RNDN);
  const double relS = (wsum > 0 ? wrel / wsum : 0.0) + 1.0;
  for (size_t u = 0; u < T; u++) {
    if (w->mask[o + u])
      continue;
    mpfr_ptr a = A->m->e[o + u];
    mpfr_div(a, a, w->t0, MPFR_RNDN);
    A->d[o + u] = mpfr_get_d(a, MPFR_RNDN);
    const double rel = A->e[o + u] + relS * (1.0 + v * relS) + 1.0;
    A->e[o + u] = SAFE(fabs(A->d[o + u]) * rel);
  }
}

int fc_mp_attn_forward(fc_mp_attn *w, const fc_mp_attn_in *in)
{
  if (w == NULL || in == NULL || in->x == NULL)
    return FC_EINVAL;
  const fc_mp_attn_dims *g = &w->g;
  if (memcmp(g, &in->g, sizeof *g) != 0)
    return FC_EINVAL;
  const size_t T = g->T, d = g->d, hd = g->heads * d, kvd = g->kv * d,
               grp = g->heads / g->kv;
  /* Shapes. */
  if (in->wq == NULL || in->wk == NULL || in->wv == NULL ||
      in->wq->m->rows != hd || in->wq->m->cols != g->dm ||
      in->wk->m->rows != kvd || in->wk->m->cols != g->dm ||
      in->wv->m->rows != kvd || in->wv->m->cols != g->dm)
    return FC_EINVAL;
  if (in->wo != NULL &&
      (in->wo->m->rows != g->dout || in->wo->m->cols != hd || g->dout == 0))
    return FC_EINVAL;
  if (in->residual && (in->wo == NULL || g->dout != g->dm))
    return FC_EINVAL;
  if (in->sched != NULL) {
    if (in->pos == NULL)
      return FC_EINVAL;
    for (size_t j = 0; j < g->kv; j++)
      if (in->sched[j].d != d || in->sched[j].theta == NULL || d % 2)
        return FC_EINVAL;
    const fc_mp_rope_tab *tab = in->rope_tab;
    if (tab != NULL &&
        (tab->sched != in->sched || tab->nsched != g->kv ||
         tab->pos != in->pos || tab->npos != T || tab->prec != w->prec))
      return FC_EINVAL; /* a table for another block or precision */
  }
  /* Norm (or the exact input). */
  if (in->gain != NULL)
    rmsnorm(w, in->x, in->gain, in->eps);
  else
    fc_mp_emat_set_d(&w->xn, in->x);
  /* Projections. */
  const fc_mp_emat *W[3] = {in->wq, in->wk, in->wv};
  fc_mp_emat *Y[3] = {&w->q, &w->k, &w->v};
  for (int p = 0; p < 3; p++) {
    const size_t r = W[p]->m->rows, n = g->dm;
    for (size_t t = 0; t < T; t++)
      for (size_t j = 0; j < r; j++)
        dot_rows(w, Y[p], t * r + j, &w->xn, t * n, W[p], j * n, n, 1, 1);
  }
  /* RoPE on queries and keys (values carry no position). */
  if (in->sched != NULL) {
    const fc_mp_rope_tab *tab = in->rope_tab;
    for (size_t h = 0; h < g->heads; h++) {
      int rc = rope_slice(w, &w->q, h * d, &in->sched[h / grp], h / grp,
                          in->pos, tab);
      if (rc != FC_OK)
        return rc;
    }
    for (size_t j = 0; j < g->kv; j++) {
      int rc = rope_slice(w, &w->k, j * d, &in->sched[j], j, in->pos, tab);
      if (rc != FC_OK)
        return rc;
    }
  }
  /* Online rotations. */
  if (in->rq_online)
    for (size_t h = 0; h < g->heads; h++)
      if (in->rq_online[h]) {
        int rc = rotate_slice(w, &w->q, h, in->rq_online[h]);
        if (rc != FC_OK)
          return rc;
      }
  if (in->rk_online)
    for (size_t j = 0; j < g->kv; j++)
      if (in->rk_online[j]) {
        int rc = rotate_slice(w, &w->k, j, in->rk_online[j]);
        if (rc != FC_OK)
          return rc;
      }
  /* Scores: s = (q . k) / sqrt(d), sqrt(d) rounded once and the division
   * once: E_s = E_dot / sqrt(d) + 2 |s| (the dot's own E from dot_rows). */
  mpfr_t sq;
  mpfr_init2(sq, w->prec);
  mpfr_sqrt_ui(sq, (unsigned long)d, MPFR_RNDN);
  const double rsq = 1.0 / sqrt((double)d);
  for (size_t h = 0; h < g->heads; h++) {
    const size_t j = h / grp;
    for (size_t t = 0; t < T; t++)
      for (size_t u = 0; u < T; u++) {
        const size_t i = (h * T + t) * T + u;
        if (in->causal && u > t) {
          w->mask[i] = 1;
          mpfr_set_inf(w->s.m->e[i], -1);
          w->s.e[i] = 0.0;
          w->s.d[i] = -INFINITY;
          continue;
        }
        w->mask[i] = 0;
        dot_rows(w, &w->s, i, &w->q, t * hd + h * d, &w->k, u * kvd + j * d,
                 d, 1, 1);
        mpfr_div(w->s.m->e[i], w->s.m->e[i], sq, MPFR_RNDN);
        w->s.d[i] = mpfr_get_d(w->s.m->e[i], MPFR_RNDN);
        w->s.e[i] = SAFE(w->s.e[i] * rsq * (1.0 + 0x1p-50) +
                         2 * fabs(w->s.d[i]));
      }
  }
  mpfr_clear(sq);
  /* Softmax, row by row. */
  for (size_t row = 0; row < g->heads * T; row++)
    softmax_row(w, row);
  /* Contexts: ctx_h = A_h V_j (inner length T). */
  for (size_t h = 0; h < g->heads; h++) {
    const size_t j = h / grp;
    for (size_t t = 0; t < T; t++)
      for (size_t i = 0; i < d; i++)
        dot_rows(w, &w->ctx, t * hd + h * d + i, &w->a, (h * T + t) * T,
                 &w->v, j * d + i, T, 1, kvd);
  }
  /* Output projection and residual. */
  if (in->wo != NULL) {
    for (size_t t = 0; t < T; t++)
      for (size_t r = 0; r < g->dout; r++)
        dot_rows(w, &w->out, t * g->dout + r, &w->ctx, t * hd, in->wo,
                 r * hd, hd, 1, 1);
    if (in->residual)
      for (size_t i = 0; i < T * g->dout; i++) {
        mpfr_add_d(w->out.m->e[i], w->out.m->e[i], in->x[i], MPFR_RNDN);
        w->out.d[i] = mpfr_get_d(w->out.m->e[i], MPFR_RNDN);
        w->out.e[i] = SAFE(w->out.e[i] + fabs(w->out.d[i]));
      }
  }
  return FC_OK;
}

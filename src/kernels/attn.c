/* attn.c -- attention kernels with running error bounds (F4, F5, F6).
 *
 * Model of arithmetic (Higham, ch. 2-3): binary64, round to nearest,
 * u = 2^-53 (FC_U), gamma_n = n u / (1 - n u).  For +, -, *, /, sqrt:
 * fl(x op y) = (x op y)(1 + d) + e, |d| <= u, with an absolute underflow
 * term |e| <= 2^-1075 for * and / (a subnormal sum is exact).  ETA =
 * 2^-1074 bounds each such term.
 *
 * libm assumption: exp (glibc, x86_64 and aarch64) returns a result within
 * 1 ulp of the exact value of its double argument (glibc's "Known Maximum
 * Errors" table); an ulp of y is at most 2u|y| for a normal y and ETA for a
 * subnormal one, so |fl(exp z) - exp z| <= 2u exp(z) + ETA.  RoPE's sin/cos
 * are the rope sub-table's business (src/kernels/rope.c documents them).
 *
 * Every bound is evaluated in double from nonnegative terms (no
 * cancellation: where a first-order expression would subtract, the
 * subtraction is done symbolically, see softmax), so the computed bound is
 * at least (1 - u)^m times its exact value for m < 2^20 operations; SAFE()
 * multiplies each final bound by 1 + 2^-30, which covers that and the
 * second-order terms dropped below.  No tolerance is tuned: every factor is
 * derived next to its code.
 *
 * Determinism and OpenBLAS: see attn.h.
 */
#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "attn.h"
#include "rope.h"

#define ETA 0x1p-1074
#define SAFE(x) ((x) * (1.0 + 0x1p-30))

static double ein(const double *e, size_t i) { return e ? e[i] : 0.0; }

static int dims_ok(size_t a, size_t b, size_t c)
{
  return a <= (size_t)INT_MAX && b <= (size_t)INT_MAX && c <= (size_t)INT_MAX;
}

/* ------------------------------------------------------------------ gemm */

/* The bound of C = A op(B), shared by the reference and the mutants (a
 * mutant computes its values wrongly but believes the same bound).
 *
 * Each entry is a dot product of length kk.  For any summation order, with
 * or without FMA (Higham (3.4)-(3.5), and OpenBLAS's blocked kernels are
 * such orders):
 *   |fl(a.b) - a.b| <= gamma_kk sum_l |a_l b_l| + kk ETA   (ETA: underflow).
 * Inputs with errors: A* = A + dA, |dA| <= EA, B* likewise, and
 *   A B - A* B* = -(dA B + A dB + dA dB) ... so
 *   |A B - A* B*| <= EA |B| + (|A| + EA) EB  entrywise (computed A, B).
 * Together:
 *   EC_ij = gamma_kk (|A||B|)_ij + kk ETA + (EA |B| + (|A| + EA) EB)_ij. */
static void gemm_bound_loop(double *EC, size_t ldc, const double *A,
                            const double *EA, size_t lda, const double *B,
                            const double *EB, size_t ldb, int transb,
                            size_t m, size_t n, size_t kk)
{
  const double g = fc_gamma((double)kk);
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      double mag = 0.0, prop = 0.0;
      for (size_t l = 0; l < kk; l++) {
        const size_t ia = i * lda + l;
        const size_t ib = transb ? j * ldb + l : l * ldb + j;
        const double a = fabs(A[ia]), b = fabs(B[ib]);
        const double ea = ein(EA, ia), eb = ein(EB, ib);
        mag += a * b;
        prop += ea * b + (a + ea) * eb;
      }
      EC[i * ldc + j] = SAFE(g * mag + (double)kk * ETA + prop);
    }
}

/* The same bound through dgemm on magnitudes (the scalar loop above is
 * O(m n kk) and, at T = 4096, ten times the dgemm it bounds):
 *   EC = gamma_kk |A| |B|  +  EA |B|  +  (|A| + EA) EB,  then + kk ETA.
 * Every term is a sum of nonnegative products, so the computed sums are
 * within a relative gamma_{2 kk + 2} (fp64) of the exact ones in any order
 * BLAS uses, far below SAFE's 2^-30 for kk < 2^23: the bound stays an upper
 * bound.  Needs |A| and |B| copies (m kk + kk n doubles); on allocation
 * failure the loop computes the same bound. */
/* Buffers of the attention block can be heads T^2 doubles (0.5 GB for one
 * head at T = 4096), allocated afresh by every call: in 4 KiB pages each
 * call pays a page fault per 4 KiB on first touch, which measured most of
 * a nightly T = 4096 case.  Buffers of 32 MiB and more are therefore
 * aligned to 2 MiB and offered to transparent huge pages (madvise, a hint:
 * where the system refuses, nothing changes but the speed).  zero: as
 * calloc.  NULL on failure; release with free(). */
static void *big_alloc(size_t n, int zero)
{
  const size_t huge = (size_t)2 << 20;
  if (n < ((size_t)32 << 20))
    return zero ? calloc(1, n ? n : 1) : malloc(n ? n : 1);
  void *p = NULL;
  if (posix_memalign(&p, huge, n) != 0)
    return NULL;
#ifdef MADV_HUGEPAGE
  (void)madvise(p, n / huge * huge, MADV_HUGEPAGE);
#endif
  if (zero)
    memset(p, 0, n);
  return p;
}

static void gemm_bound(double *EC, size_t ldc, const double *A,
                       const double *EA, size_t lda, const double *B,
                       const double *EB, size_t ldb, int transb, size_t m,
                       size_t n, size_t kk)
{
  const size_t br = transb ? n : kk, bc = transb ? kk : n;
  double *aA = big_alloc(m * kk * sizeof *aA, 0),
         *aB = big_alloc(br * bc * sizeof *aB, 0);
  if (aA == NULL || aB == NULL) {
    free(aA);
    free(aB);
    gemm_bound_loop(EC, ldc, A, EA, lda, B, EB, ldb, transb, m, n, kk);
    return;
  }
  for (size_t i = 0; i < m; i++)
    for (size_t l = 0; l < kk; l++)
      aA[i * kk + l] = fabs(A[i * lda + l]);
  for (size_t i = 0; i < br; i++)
    for (size_t l = 0; l < bc; l++)
      aB[i * bc + l] = fabs(B[i * ldb + l]);
  const enum CBLAS_TRANSPOSE tb = transb ? CblasTrans : CblasNoTrans;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, tb, (int)m, (int)n, (int)kk,
              fc_gamma((double)kk), aA, (int)kk, aB, (int)bc, 0.0, EC,
              (int)ldc);
  if (EA != NULL)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, tb, (int)m, (int)n, (int)kk,
                1.0, EA, (int)lda, aB, (int)bc, 1.0, EC, (int)ldc);
  if (EB != NULL) {
    if (EA != NULL)
      for (size_t i = 0; i < m; i++)
        for (size_t l = 0; l < kk; l++)
          aA[i * kk + l] += EA[i * lda + l];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, tb, (int)m, (int)n, (int)kk,
                1.0, aA, (int)kk, EB, (int)ldb, 1.0, EC, (int)ldc);
  }
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++)
      EC[i * ldc + j] = SAFE(EC[i * ldc + j] + (double)kk * ETA);
  free(aA);
  free(aB);
}

static int gemm_args_ok(const double *C, size_t ldc, const double *A,
                        size_t lda, const double *B, size_t ldb, int transb,
                        size_t m, size_t n, size_t kk)
{
  if (m == 0 || n == 0)
    return 1;
  if (C == NULL || ldc < n)
    return 0;
  if (kk == 0)
    return 1;
  if (A == NULL || B == NULL || lda < kk || ldb < (transb ? kk : n))
    return 0;
  return dims_ok(m, n, kk) && dims_ok(lda, ldb, ldc);
}

static void zero_out(double *C, double *EC, size_t ldc, size_t m, size_t n)
{
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      C[i * ldc + j] = 0.0;
      if (EC)
        EC[i * ldc + j] = 0.0;
    }
}

static int gemm_ref(double *C, double *EC, size_t ldc, const double *A,
                    const double *EA, size_t lda, const double *B,
                    const double *EB, size_t ldb, int transb, size_t m,
                    size_t n, size_t kk)
{
  if (!gemm_args_ok(C, ldc, A, lda, B, ldb, transb, m, n, kk))
    return FC_EINVAL;
  if (m == 0 || n == 0)
    return FC_OK;
  if (kk == 0) {
    zero_out(C, EC, ldc, m, n);
    return FC_OK;
  }
  cblas_dgemm(CblasRowMajor, CblasNoTrans, transb ? CblasTrans : CblasNoTrans,
              (int)m, (int)n, (int)kk, 1.0, A, (int)lda, B, (int)ldb, 0.0, C,
              (int)ldc);
  if (EC)
    gemm_bound(EC, ldc, A, EA, lda, B, EB, ldb, transb, m, n, kk);
  return FC_OK;
}

/* Mutant: products accumulated in binary32 (a "mixed precision" kernel that
 * forgot to widen its accumulator).  Same believed bound. */
static int gemm_float(double *C, double *EC, size_t ldc, const double *A,
                      const double *EA, size_t lda, const double *B,
                      const double *EB, size_t ldb, int transb, size_t m,
                      size_t n, size_t kk)
{
  if (!gemm_args_ok(C, ldc, A, lda, B, ldb, transb, m, n, kk))
    return FC_EINVAL;
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) {
      float acc = 0.0f;
      for (size_t l = 0; l < kk; l++) {
        const size_t ib = transb ? j * ldb + l : l * ldb + j;
        acc += (float)A[i * lda + l] * (float)B[ib];
      }
      C[i * ldc + j] = (double)acc;
    }
  if (EC && m > 0 && n > 0) {
    if (kk == 0)
      zero_out(C, EC, ldc, m, n);
    else
      gemm_bound(EC, ldc, A, EA, lda, B, EB, ldb, transb, m, n, kk);
  }
  return FC_OK;
}

/* --------------------------------------------------------------- rmsnorm */

/* y_ti = g_i * (x_ti / r_t), r_t = sqrt(ss_t / n + eps), ss_t = sum x_ti^2.
 * Bound, relative to y (theta_k denotes a relative error <= gamma_k):
 *   ss: n products and n-1 additions of nonnegative terms: ss (1+theta_n);
 *   / n: theta_{n+1};  + eps (eps >= 0 exact, a sum of nonnegatives keeps
 *   the larger relative error): theta_{n+2};
 *   sqrt: sqrt(1+theta) is within |theta|/2 of 1, then one rounding:
 *   gamma_{n+2}/2 + u <= gamma_{n+3}, so r_hat = r (1 + theta_{n+3});
 *   x / r_hat: (1+d)/(1+theta_{n+3}), within gamma_{n+5} of 1 (n u small);
 *   * g: one more rounding: gamma_{n+6}.
 * So |y_hat - y| <= gamma_{n+6} |y| <= gamma_{n+7} |y_hat|.  Underflow: the
 * relative model needs ss/n + eps to be normal; below 2^-960 (far below
 * any generated input) the bound gives up and reports +inf. */
static int rmsnorm_ref(double *y, double *ey, const double *x,
                       const double *gain, double eps, size_t T, size_t n)
{
  if (y == NULL || x == NULL || gain == NULL || n == 0 || !(eps >= 0) ||
      y == x)
    return FC_EINVAL;
  const double g = fc_gamma((double)n + 7.0);
  for (size_t t = 0; t < T; t++) {
    const double *xr = x + t * n;
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
      ss += xr[i] * xr[i];
    const double v = ss / (double)n + eps;
    const double r = sqrt(v);
    const int underflow = !(v >= 0x1p-960);
    for (size_t i = 0; i < n; i++) {
      y[t * n + i] = gain[i] * (xr[i] / r);
      if (ey)
        ey[t * n + i] = underflow ? INFINITY : SAFE(g * fabs(y[t * n + i]));
    }
  }
  return FC_OK;
}

/* ----------------------------------------------------------------- embed */

/* RoPE of one row through k->rope: out = Theta(p) y.  The rope kernel
 * returns the bound err of its own rounding for its (computed) input y.
 * The input's own error dy propagates through the exact rotation: on a
 * plane (a, b), (c dy_a - s dy_b) with c^2 + s^2 = 1, so by Cauchy-Schwarz
 * its size is at most hypot(dy_a, dy_b); a coordinate of a fixed plane has
 * c = 1, s = 0 and the same formula covers it.  So
 *   ey_a <- err_a + hypot(ey_a, ey_b),  ey_b <- err_b + hypot(ey_a, ey_b). */
static int embed_rope(const fc_kernels *k, double *y, double *ey, size_t ld,
                      size_t T, const fc_schedule *s, const long *pos)
{
  if (k == NULL || k->rope == NULL || k->rope->apply == NULL || pos == NULL)
    return FC_EINVAL;
  const size_t d = s->d;
  double *in = malloc(3 * d * sizeof *in);
  if (in == NULL)
    return FC_ENOMEM;
  double *out = in + d, *err = in + 2 * d;
  for (size_t t = 0; t < T; t++) {
    double *row = y + t * ld;
    memcpy(in, row, d * sizeof *in);
    k->rope->apply(out, ey ? err : NULL, in, s, pos[t]);
    memcpy(row, out, d * sizeof *row);
    if (ey) {
      double *erow = ey + t * ld;
      for (size_t i = 0; i < d / 2; i++) {
        size_t a, b;
        fc_schedule_plane(&a, &b, s, i);
        const double h = hypot(erow[a], erow[b]);
        erow[a] = SAFE(err[a] + h);
        erow[b] = SAFE(err[b] + h);
      }
    }
  }
  free(in);
  return FC_OK;
}

static int embed_check(double *y, size_t ld, const fc_schedule *s)
{
  if (y == NULL)
    return FC_EINVAL;
  if (s != NULL && (s->d < 2 || s->d % 2 != 0 || ld < s->d))
    return FC_EINVAL;
  return FC_OK;
}

/* Queries and keys carry the position; values do not (SPEC F4). */
static int embed_ref(const fc_kernels *k, double *y, double *ey, size_t ld,
                     size_t T, const fc_schedule *s, const long *pos,
                     int role)
{
  int rc = embed_check(y, ld, s);
  if (rc != FC_OK || s == NULL || role == FC_ATTN_V)
    return rc;
  return embed_rope(k, y, ey, ld, T, s, pos);
}

/* Mutant: RoPE applied to the values too. */
static int embed_ropev(const fc_kernels *k, double *y, double *ey, size_t ld,
                       size_t T, const fc_schedule *s, const long *pos,
                       int role)
{
  (void)role;
  int rc = embed_check(y, ld, s);
  if (rc != FC_OK || s == NULL)
    return rc;
  return embed_rope(k, y, ey, ld, T, s, pos);
}

/* ---------------------------------------------------------------- scores */

/* s_tu = fl(fl(q_t . k_u) * c_hat), c_hat = fl(1 / fl(sqrt(d))).
 *   c_hat = c (1 + theta_2) (sqrt and / each round once), c = 1/sqrt(d);
 *   the product rounds once more: |s_hat - dot_hat c| <= gamma_3 |dot_hat c|
 *   <= gamma_4 |s_hat|, and |dot_hat c - dot c| = c |dot_hat - dot| <=
 *   c_hat E_dot (1 + gamma_3) with E_dot the gemm bound.  So
 *   E_s = c_hat E_dot (1 + gamma_3) + gamma_4 |s_hat|.
 * `scale` is 0 for the mutant that forgets 1/sqrt(d) (it believes the same
 * bound); `shift` moves the causal mask (0: u <= t; 1: the mutant's
 * u <= t + 1). */
static int scores_impl(const fc_kernels *k, double *s, double *es,
                       const double *q, const double *eq, size_t ldq,
                       const double *kk, const double *ek, size_t ldk,
                       size_t T, size_t d, int causal, int scale,
                       size_t shift)
{
  if (k == NULL || k->attn == NULL || s == NULL || d == 0)
    return FC_EINVAL;
  int rc = k->attn->gemm(s, es, T, q, eq, ldq, kk, ek, ldk, 1, T, T, d);
  if (rc != FC_OK)
    return rc;
  const double c = 1.0 / sqrt((double)d);
  const double g3 = fc_gamma(3), g4 = fc_gamma(4);
  for (size_t t = 0; t < T; t++)
    for (size_t u = 0; u < T; u++) {
      const size_t i = t * T + u;
      if (causal && u > t + shift) {
        s[i] = -INFINITY;
        if (es)
          es[i] = 0.0;
        continue;
      }
      if (scale)
        s[i] *= c;
      if (es)
        es[i] = SAFE(c * es[i] * (1.0 + g3) + g4 * fabs(s[i]));
    }
  return FC_OK;
}

static int scores_ref(const fc_kernels *k, double *s, double *es,
                      const double *q, const double *eq, size_t ldq,
                      const double *kk, const double *ek, size_t ldk,
                      size_t T, size_t d, int causal)
{
  return scores_impl(k, s, es, q, eq, ldq, kk, ek, ldk, T, d, causal, 1, 0);
}

static int scores_noscale(const fc_kernels *k, double *s, double *es,
                          const double *q, const double *eq, size_t ldq,
                          const double *kk, const double *ek, size_t ldk,
                          size_t T, size_t d, int causal)
{
  return scores_impl(k, s, es, q, eq, ldq, kk, ek, ldk, T, d, causal, 0, 0);
}

static int scores_causal(const fc_kernels *k, double *s, double *es,
                         const double *q, const double *eq, size_t ldq,
                         const double *kk, const double *ek, size_t ldk,
                         size_t T, size_t d, int causal)
{
  return scores_impl(k, s, es, q, eq, ldq, kk, ek, ldk, T, d, causal, 1, 1);
}

/* --------------------------------------------------------------- softmax */

/* One row: a_u = e_u / S, e_u = fl(exp(z_u)), z_u = fl(s_u - m), S = sum
 * e_u in index order, over the unmasked entries (n of them).  The
 * reference subtracts m = max_u s_u; the mutant (sub_max = 0) uses m = 0.
 *
 * Bound.  The exact softmax of the exact scores s* is invariant under any
 * common shift, so compare with a*_u = exp(z*_u) / S*, z*_u = s*_u - m (the
 * same computed m), S* = sum exp(z*_v).
 * 1. |z_u - z*_u| <= u |s_u - m| + |s_u - s*_u| <= gamma_1 |z_u| + es_u
 *    =: zeta_u.
 * 2. libm: e_u = exp(z_u)(1 + eps) + t, |eps| <= 2u, |t| <= ETA; and
 *    exp(z_u) = exp(z*_u) exp(z_u - z*_u) with |exp(.) - 1| <= expm1(zeta);
 *    so e_u = exp(z*_u)(1 + eta'_u) + t_u, |eta'_u| <= eta_u :=
 *    expm1(zeta_u) + 2u exp(zeta_u).
 * 3. sum e_u - S* = sum exp(z*_u) eta'_u + sum t_u, and exp(z*_u) <=
 *    (e_u + ETA) / (1 - eta_u), so |sum e - S*| <= A := sum (e_u + ETA)
 *    eta_u / (1 - eta_u) + n ETA.  The computed sum S = (sum e)(1 + theta),
 *    |theta| <= gamma_{n-1} (nonnegative terms); sum e >= S (1 - gamma).
 *    With the max subtracted e_max = exp(0) = 1 exactly, so sum e >= 1 and
 *    rho := A / (S (1 - gamma) - A) bounds |sum e / S* - 1|.
 * 4. a_u = fl(e_u / S) = (e_u / S)(1 + d) + t2, |d| <= u, |t2| <= ETA, and
 *    e_u / S = a*_u r (1 + eta'_u) + t_u / S with r = S* / S in
 *    [1 / ((1+rho)(1+gamma)), 1 / ((1-rho)(1-gamma))].  Expanding
 *    symbolically (no cancellation in double):
 *      |r (1 + eta')(1 + d) - 1| <= kappa :=
 *        (eta + u + eta u + rho + gamma + rho gamma) / ((1-rho)(1-gamma)),
 *    and a*_u <= (a_u + 3 ETA) (1+rho)(1+gamma) / ((1-eta)(1-u)) (S >= 1).
 *    So |a_u - a*_u| <= kappa a*_u + 3 ETA.
 * When eta or rho reaches 1/4 the expansion is not trusted and the bound is
 * the trivial 1 (both a and a* lie in [0, 1]); the bound is capped at 1 in
 * any case. */
static void softmax_row(double *a, double *ea, const double *s,
                        const double *es, double *z, size_t T, int sub_max)
{
  double m = -INFINITY;
  size_t n = 0;
  int bad = 0;
  for (size_t u = 0; u < T; u++) {
    if (s[u] == -INFINITY)
      continue;
    if (!isfinite(s[u]))
      bad = 1;
    n++;
    if (s[u] > m)
      m = s[u];
  }
  if (n == 0 || bad) { /* NaN or +inf scores, or nothing to attend to */
    for (size_t u = 0; u < T; u++) {
      a[u] = NAN;
      if (ea)
        ea[u] = INFINITY;
    }
    return;
  }
  if (!sub_max)
    m = 0.0;
  double sum = 0.0;
  for (size_t u = 0; u < T; u++) {
    if (s[u] == -INFINITY)
      continue;
    z[u] = s[u] - m;
    a[u] = exp(z[u]); /* e_u for now */
    sum += a[u];
  }
  /* Bound pieces, before normalising (a[] holds e_u). */
  const double u1 = FC_U, gam = fc_gamma((double)(n - 1));
  double A = (double)n * ETA;
  int trivial = 0;
  if (ea)
    for (size_t u = 0; u < T && !trivial; u++) {
      if (s[u] == -INFINITY)
        continue;
      const double zeta = fc_gamma(1) * fabs(z[u]) + ein(es, u);
      const double eta = expm1(zeta) + 2 * u1 * exp(zeta);
      if (!(eta < 0.25))
        trivial = 1;
      else
        A += (a[u] + ETA) * eta / (1.0 - eta);
    }
  const double lo = sum * (1.0 - gam) - A;
  const double rho = trivial || !(lo > 0) ? INFINITY : A / lo;
  if (!(rho < 0.25))
    trivial = 1;
  for (size_t u = 0; u < T; u++) {
    if (s[u] == -INFINITY) {
      a[u] = 0.0;
      if (ea)
        ea[u] = 0.0;
      continue;
    }
    a[u] = a[u] / sum;
    if (ea == NULL)
      continue;
    if (trivial) {
      ea[u] = 1.0;
      continue;
    }
    const double zeta = fc_gamma(1) * fabs(z[u]) + ein(es, u);
    const double eta = expm1(zeta) + 2 * u1 * exp(zeta);
    const double kappa = (eta + u1 + eta * u1 + rho + gam + rho * gam) /
                         ((1.0 - rho) * (1.0 - gam));
    const double astar = (a[u] + 3 * ETA) * (1.0 + rho) * (1.0 + gam) /
                         ((1.0 - eta) * (1.0 - u1));
    const double b = SAFE(kappa * astar + 3 * ETA);
    ea[u] = b < 1.0 ? b : 1.0;
  }
}

/* Rows are copied first, so a may alias s. */
static int softmax_impl(double *a, double *ea, const double *s,
                        const double *es, size_t T, int sub_max)
{
  if (a == NULL || s == NULL || T == 0 || (ea != NULL && ea == es))
    return FC_EINVAL;
  double *row = malloc(2 * T * sizeof *row);
  if (row == NULL)
    return FC_ENOMEM;
  for (size_t t = 0; t < T; t++) {
    memcpy(row, s + t * T, T * sizeof *row);
    softmax_row(a + t * T, ea ? ea + t * T : NULL, row,
                es ? es + t * T : NULL, row + T, T, sub_max);
  }
  free(row);
  return FC_OK;
}

static int softmax_ref(double *a, double *ea, const double *s,
                       const double *es, size_t T)
{
  return softmax_impl(a, ea, s, es, T, 1);
}

/* Mutant: no max subtraction (exp(s) overflows once s > 709.78). */
static int softmax_nomax(double *a, double *ea, const double *s,
                         const double *es, size_t T)
{
  return softmax_impl(a, ea, s, es, T, 0);
}

/* ------------------------------------------------------------------ fold */

/* W2 = R W: a product of inner length d; the bound is the gemm bound, with
 * R's own error ER (e.g. fc_attn_givens_bound) and W's (EW) propagated. */
static int fold_left_ref(const fc_kernels *k, double *W2, double *EW2,
                         size_t ldw, const double *R, const double *ER,
                         const double *W, const double *EW, size_t d,
                         size_t n)
{
  if (k == NULL || k->attn == NULL || W2 == W)
    return FC_EINVAL;
  return k->attn->gemm(W2, EW2, ldw, R, ER, d, W, EW, ldw, 0, d, n, d);
}

/* W2 = W R^T (column block of Wo): gemm with B = R transposed. */
static int fold_right_t_ref(const fc_kernels *k, double *W2, double *EW2,
                            size_t ldw, const double *W, const double *EW,
                            const double *R, const double *ER, size_t rows,
                            size_t d)
{
  if (k == NULL || k->attn == NULL || W2 == W)
    return FC_EINVAL;
  return k->attn->gemm(W2, EW2, ldw, W, EW, ldw, R, ER, d, 1, rows, d, d);
}

/* Mutant: W2 = W R (the transpose forgotten). */
static int fold_right_r(const fc_kernels *k, double *W2, double *EW2,
                        size_t ldw, const double *W, const double *EW,
                        const double *R, const double *ER, size_t rows,
                        size_t d)
{
  if (k == NULL || k->attn == NULL || W2 == W)
    return FC_EINVAL;
  return k->attn->gemm(W2, EW2, ldw, W, EW, ldw, R, ER, d, 0, rows, d, d);
}

/* ----------------------------------------------------------------- block */

typedef struct ws {
  double *xn, *exn, *q, *eq, *k, *ek, *v, *ev, *s, *es, *a, *ea, *ctx,
      *ectx, *out, *eout, *tmp, *etmp;
  double *mem;
} ws;

/* bounds 0: no bound arrays (the caller wants no bound); all_heads 0:
 * the scores and probabilities of one head at a time (the caller keeps
 * neither), T^2 instead of heads T^2 of each. */
static int ws_alloc(ws *w, const fc_attn_geom *g, int norm, int bounds,
                    int all_heads)
{
  const size_t hd = g->heads * g->d, kvd = g->kv * g->d, TT = g->T * g->T;
  const size_t nxn = norm ? g->T * g->dm : 0, e = bounds ? 1 : 0;
  const size_t nS = (all_heads ? g->heads : 1) * TT;
  const size_t sizes[] = {nxn,         e * nxn,     g->T * hd, e * g->T * hd,
                          g->T * kvd,  e * g->T * kvd, g->T * kvd,
                          e * g->T * kvd, nS, e * nS, nS, e * nS,
                          g->T * hd, e * g->T * hd, g->T * g->dout,
                          e * g->T * g->dout, g->T * g->d, e * g->T * g->d};
  double **ptrs[] = {&w->xn, &w->exn, &w->q,   &w->eq,  &w->k,    &w->ek,
                     &w->v,  &w->ev,  &w->s,   &w->es,  &w->a,    &w->ea,
                     &w->ctx, &w->ectx, &w->out, &w->eout, &w->tmp, &w->etmp};
  size_t total = 0;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    if (sizes[i] > FC_CASE_MAX_ELEMS)
      return FC_EINVAL;
    total += sizes[i];
  }
  if (total > SIZE_MAX / sizeof *w->mem)
    return FC_ENOMEM;
  w->mem = big_alloc(total * sizeof *w->mem, 1);
  if (w->mem == NULL)
    return FC_ENOMEM;
  double *p = w->mem;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    *ptrs[i] = sizes[i] ? p : NULL;
    p += sizes[i];
  }
  return FC_OK;
}

static void put(double *dst, const double *src, size_t n)
{
  if (dst && src)
    memcpy(dst, src, n * sizeof *dst);
}

static int block_check(const fc_attn_block *b)
{
  const fc_attn_geom *g = &b->g;
  if (g->T == 0 || g->dm == 0 || g->d == 0 || g->heads == 0 || g->kv == 0 ||
      g->heads % g->kv != 0)
    return FC_EINVAL;
  if (b->x == NULL || b->wq == NULL || b->wk == NULL || b->wv == NULL)
    return FC_EINVAL;
  if (b->wo != NULL && g->dout == 0)
    return FC_EINVAL;
  if (b->residual && (b->wo == NULL || g->dout != g->dm))
    return FC_EINVAL;
  if (b->gain != NULL && !(b->eps >= 0))
    return FC_EINVAL;
  if (b->sched != NULL) {
    if (b->pos == NULL)
      return FC_EINVAL;
    for (size_t i = 0; i < g->kv; i++)
      if (b->sched[i].d != g->d || b->sched[i].theta == NULL)
        return FC_EINVAL;
  }
  /* Sizes whose products must stay far from overflow. */
  const size_t big = (size_t)1 << 20;
  if (g->T > big || g->dm > big || g->d > big || g->heads > 4096 ||
      g->dout > big)
    return FC_EINVAL;
  return FC_OK;
}

/* Online rotation of the head slices of y (T x (n d)): y_h <- y_h R_h^T,
 * i.e. each row y_t,h <- R_h y_t,h.  Bounds by the gemm bound. */
/* p + i, or NULL for an absent bound array. */
static double *at(double *p, size_t i) { return p ? p + i : NULL; }

static int rotate_online(const fc_kernels *k, ws *w, double *y, double *ey,
                         size_t n, const fc_attn_geom *g,
                         const double *const *R, const double *const *ER)
{
  const size_t ld = n * g->d;
  for (size_t h = 0; h < n; h++) {
    if (R[h] == NULL)
      continue;
    int rc = k->attn->gemm(w->tmp, ey ? w->etmp : NULL, g->d, y + h * g->d,
                           at(ey, h * g->d), ld, R[h], ER ? ER[h] : NULL,
                           g->d, 1, g->T, g->d, g->d);
    if (rc != FC_OK)
      return rc;
    for (size_t t = 0; t < g->T; t++) {
      memcpy(y + t * ld + h * g->d, w->tmp + t * g->d, g->d * sizeof *y);
      if (ey)
        memcpy(ey + t * ld + h * g->d, w->etmp + t * g->d,
               g->d * sizeof *y);
    }
  }
  return FC_OK;
}

/* The block.  Bounds: each stage's kernel propagates the bounds of its
 * inputs (see gemm_bound, rmsnorm_ref, embed_rope, scores_impl,
 * softmax_row); the context is a gemm of the probabilities (inner length
 * T, masked entries exactly 0) with the values, the output a gemm of the
 * concat with Wo (inner length heads d).  The residual add rounds once:
 *   |fl(x + o_hat) - (x + o)| <= u |x + o_hat| + E_o <= gamma_1 |y_hat| + E_o. */
static int block_ref(const fc_kernels *k, fc_attn_out *o,
                     const fc_attn_block *b)
{
  if (k == NULL || k->attn == NULL || o == NULL || b == NULL)
    return FC_EINVAL;
  int rc = block_check(b);
  if (rc != FC_OK)
    return rc;
  const struct fc_kern_attn *A = k->attn;
  const fc_attn_geom *g = &b->g;
  const size_t T = g->T, d = g->d, hd = g->heads * d, kvd = g->kv * d,
               TT = T * T, grp = g->heads / g->kv;
  /* Bounds only when an output bound is asked for (the provider adapter
   * asks for out alone: the harness bounds it, src/bounds), and the
   * scores of every head only when they are returned: at T = 4096 and 32
   * heads that is 17 GB otherwise. */
  const int bounds = o->eq || o->ek || o->ev || o->escores || o->eprobs ||
                     o->ectx || o->eout;
  const int all_heads = o->scores || o->escores || o->probs || o->eprobs;
  ws w;
  rc = ws_alloc(&w, g, b->gain != NULL, bounds, all_heads);
  if (rc != FC_OK)
    return rc;
  const double *xn = b->x, *exn = NULL;
  if (b->gain != NULL) {
    rc = A->rmsnorm(w.xn, w.exn, b->x, b->gain, b->eps, T, g->dm);
    xn = w.xn;
    exn = w.exn;
  }
  /* Projections: Q = Xn Wq^T etc. */
  if (rc == FC_OK)
    rc = A->gemm(w.q, w.eq, hd, xn, exn, g->dm, b->wq, b->ewq, g->dm, 1, T,
                 hd, g->dm);
  if (rc == FC_OK)
    rc = A->gemm(w.k, w.ek, kvd, xn, exn, g->dm, b->wk, b->ewk, g->dm, 1, T,
                 kvd, g->dm);
  if (rc == FC_OK)
    rc = A->gemm(w.v, w.ev, kvd, xn, exn, g->dm, b->wv, b->ewv, g->dm, 1, T,
                 kvd, g->dm);
  /* Positional encoding. */
  for (size_t h = 0; h < g->heads && rc == FC_OK; h++)
    rc = A->embed(k, w.q + h * d, at(w.eq, h * d), hd, T,
                  b->sched ? &b->sched[h / grp] : NULL, b->pos, FC_ATTN_Q);
  for (size_t j = 0; j < g->kv && rc == FC_OK; j++) {
    const fc_schedule *s = b->sched ? &b->sched[j] : NULL;
    rc = A->embed(k, w.k + j * d, at(w.ek, j * d), kvd, T, s, b->pos,
                  FC_ATTN_K);
    if (rc == FC_OK)
      rc = A->embed(k, w.v + j * d, at(w.ev, j * d), kvd, T, s, b->pos,
                    FC_ATTN_V);
  }
  /* Online rotations after RoPE (F6 (b)). */
  if (rc == FC_OK && b->rq_online)
    rc = rotate_online(k, &w, w.q, w.eq, g->heads, g, b->rq_online,
                       b->erq_online);
  if (rc == FC_OK && b->rk_online)
    rc = rotate_online(k, &w, w.k, w.ek, g->kv, g, b->rk_online,
                       b->erk_online);
  /* Scores, softmax and contexts, head by head. */
  for (size_t h = 0; h < g->heads && rc == FC_OK; h++) {
    const size_t j = h / grp, hs = all_heads ? h * TT : 0;
    rc = A->scores(k, w.s + hs, at(w.es, hs), w.q + h * d, at(w.eq, h * d),
                   hd, w.k + j * d, at(w.ek, j * d), kvd, T, d, b->causal);
    if (rc == FC_OK)
      rc = A->softmax(w.a + hs, at(w.ea, hs), w.s + hs, at(w.es, hs), T);
    if (rc == FC_OK)
      rc = A->gemm(w.ctx + h * d, at(w.ectx, h * d), hd, w.a + hs,
                   at(w.ea, hs), T, w.v + j * d, at(w.ev, j * d), kvd, 0, T,
                   d, T);
  }
  /* Output projection and residual. */
  if (rc == FC_OK && b->wo != NULL) {
    rc = A->gemm(w.out, w.eout, g->dout, w.ctx, w.ectx, hd, b->wo, b->ewo,
                 hd, 1, T, g->dout, hd);
    if (rc == FC_OK && b->residual)
      for (size_t i = 0; i < T * g->dout; i++) {
        w.out[i] += b->x[i];
        if (w.eout)
          w.eout[i] = SAFE(w.eout[i] + fc_gamma(1) * fabs(w.out[i]));
      }
  }
  if (rc == FC_OK) {
    put(o->q, w.q, T * hd);
    put(o->eq, w.eq, T * hd);
    put(o->k, w.k, T * kvd);
    put(o->ek, w.ek, T * kvd);
    put(o->v, w.v, T * kvd);
    put(o->ev, w.ev, T * kvd);
    put(o->scores, w.s, g->heads * TT);
    put(o->escores, w.es, g->heads * TT);
    put(o->probs, w.a, g->heads * TT);
    put(o->eprobs, w.ea, g->heads * TT);
    put(o->ctx, w.ctx, T * hd);
    put(o->ectx, w.ectx, T * hd);
    if (b->wo != NULL) {
      put(o->out, w.out, T * g->dout);
      put(o->eout, w.eout, T * g->dout);
    }
  }
  free(w.mem);
  return rc;
}

/* ---------------------------------------------------------------- givens */

/* Bound of fc_givens_build_d (src/engine/givens.c): Q starts at I (exact);
 * step k sets, for every column,
 *   q_i' = fl(c q_i - s q_j),  q_j' = fl(s q_i + c q_j),
 * with w = fl(2 pi t) formed as fl(fl(2 pi) t): 2 * M_PI is exact, M_PI is
 * within 0.35u of pi relatively, the product rounds once, so
 * |w - 2 pi t| <= 1.36 u |w| (to first order; SAFE covers the rest); cos
 * and sin are within 1 ulp <= 2u of their values at w (libm, |value| <=
 * 1), and are 1-Lipschitz in the angle, so c, s are within
 *   dcs = 1.36 u |w| + 2u  of the exact c*, s*.
 * With E the bound of the current Q entries (vs the exact partial product):
 *   |q_i' - (c* q*_i - s* q*_j)| <= gamma_2 (|c q_i| + |s q_j|)
 *       + dcs (|q_i| + |q_j|) + (|c| + dcs) E_i + (|s| + dcs) E_j,
 * and likewise for q_j'.  The final reflection (negating column 0) is
 * exact.  The magnitudes |q| are those of this function's own replay of
 * the same recurrence (they differ from fc_givens_build_d's by rounding
 * only if the engine changes its arithmetic: second order, in SAFE). */
int fc_attn_givens_bound(double *EQ, const double *Q, const fc_givens *g)
{
  (void)Q;
  if (EQ == NULL || g == NULL || g->n == 0)
    return FC_EINVAL;
  const size_t n = g->n;
  if (n > 4096)
    return FC_EINVAL;
  double *M = malloc(n * n * sizeof *M);
  if (M == NULL)
    return FC_ENOMEM;
  for (size_t r = 0; r < n; r++)
    for (size_t s = 0; s < n; s++) {
      M[r * n + s] = r == s;
      EQ[r * n + s] = 0.0;
    }
  const double g2 = fc_gamma(2);
  for (size_t k = 0; k < g->count; k++) {
    if (g->i[k] < 0 || g->j[k] < 0 || (size_t)g->i[k] >= n ||
        (size_t)g->j[k] >= n || g->i[k] == g->j[k] || !isfinite(g->turns[k])) {
      free(M);
      return FC_EINVAL;
    }
    const double w = 2 * M_PI * g->turns[k];
    const double cs = cos(w), sn = sin(w);
    const double dcs = 1.36 * FC_U * fabs(w) + 2 * FC_U;
    const size_t i = (size_t)g->i[k], j = (size_t)g->j[k];
    for (size_t s = 0; s < n; s++) {
      const double qi = M[i * n + s], qj = M[j * n + s];
      const double ei = EQ[i * n + s], ej = EQ[j * n + s];
      M[i * n + s] = cs * qi - sn * qj;
      M[j * n + s] = sn * qi + cs * qj;
      const double common = dcs * (fabs(qi) + fabs(qj));
      EQ[i * n + s] = SAFE(g2 * (fabs(cs * qi) + fabs(sn * qj)) + common +
                           (fabs(cs) + dcs) * ei + (fabs(sn) + dcs) * ej);
      EQ[j * n + s] = SAFE(g2 * (fabs(sn * qi) + fabs(cs * qj)) + common +
                           (fabs(sn) + dcs) * ei + (fabs(cs) + dcs) * ej);
    }
  }
  free(M);
  return FC_OK;
}

/* ---------------------------------------------------------------- tables */

#define ATTN_TABLE(gm, em, sc, sm, fr)                                       \
  {.gemm = gm, .rmsnorm = rmsnorm_ref, .embed = em, .scores = sc,            \
   .softmax = sm, .fold_left = fold_left_ref, .fold_right_t = fr,            \
   .block = block_ref}

const struct fc_kern_attn fc_kern_attn_ref = ATTN_TABLE(
    gemm_ref, embed_ref, scores_ref, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_nomax = ATTN_TABLE(
    gemm_ref, embed_ref, scores_ref, softmax_nomax, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_noscale = ATTN_TABLE(
    gemm_ref, embed_ref, scores_noscale, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_causal = ATTN_TABLE(
    gemm_ref, embed_ref, scores_causal, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_ropev = ATTN_TABLE(
    gemm_ref, embed_ropev, scores_ref, softmax_ref, fold_right_t_ref);
const struct fc_kern_attn fc_kern_attn_mut_wo_r = ATTN_TABLE(
    gemm_ref, embed_ref, scores_ref, softmax_ref, fold_right_r);
const struct fc_kern_attn fc_kern_attn_mut_float = ATTN_TABLE(
    gemm_float, embed_ref, scores_ref, softmax_ref, fold_right_t_ref);

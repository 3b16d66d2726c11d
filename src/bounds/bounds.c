/* bounds.c -- a-priori error bounds owned by the harness (issue 9).
 * The model and its assumptions are in bounds.h; each derivation sits next
 * to its code. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "foldcheck.h"
#include "bounds/bounds.h"

/* ------------------------------------------------------------- formats */

static const struct {
  const char *name;
  int bits;      /* significand bits, implicit bit included */
  int emin;      /* exponent of the smallest normal: 2^emin */
  double max;    /* largest finite */
  size_t size;
} fmts[] = {
    {"fp64", 53, -1022, 0x1.fffffffffffffp+1023, 8},
    {"fp32", 24, -126, 0x1.fffffep+127, 4},
    {"bf16", 8, -126, 0x1.fep+127, 2},
    {"fp16", 11, -14, 65504.0, 2},
};

int fc_fmt_valid(int f) { return f >= 0 && f <= FC_FMT_FP16; }
int fc_fmt_bits(int f) { return fc_fmt_valid(f) ? fmts[f].bits : 53; }
double fc_fmt_u(int f) { return ldexp(1.0, -fc_fmt_bits(f)); }
double fc_fmt_max(int f) { return fc_fmt_valid(f) ? fmts[f].max : 0; }
const char *fc_fmt_name(int f) { return fc_fmt_valid(f) ? fmts[f].name : "?"; }
size_t fc_fmt_size(int f) { return fc_fmt_valid(f) ? fmts[f].size : 0; }

double fc_fmt_eta(int f)
{
  return fc_fmt_valid(f) ? ldexp(1.0, fmts[f].emin - fmts[f].bits + 1)
                         : 0x1p-1074;
}

int fc_fmt_contains(int to, int from)
{
  if (!fc_fmt_valid(to) || !fc_fmt_valid(from))
    return 0;
  return fmts[to].bits >= fmts[from].bits &&
         fmts[to].emin - fmts[to].bits <= fmts[from].emin - fmts[from].bits &&
         fmts[to].max >= fmts[from].max;
}

int fc_fmt_parse(const char *name)
{
  for (int f = 0; name && f <= FC_FMT_FP16; f++)
    if (strcmp(name, fmts[f].name) == 0)
      return f;
  return -1;
}

double fc_fmt_round(int f, double x)
{
  if (!fc_fmt_valid(f) || f == FC_FMT_FP64 || x == 0 || !isfinite(x))
    return x;
  if (f == FC_FMT_FP32)
    return (double)(float)x; /* one correctly rounded conversion */
  /* bf16/fp16: round to `bits` significant bits, with the subnormal
   * quantum 2^(emin - bits + 1); nearbyint rounds ties to even in the
   * default mode.  Scaling by powers of two is exact. */
  int e;
  frexp(x, &e); /* x = m 2^e, 0.5 <= |m| < 1: ulp is 2^(e - bits) */
  int q = e - fmts[f].bits;
  int qmin = fmts[f].emin - fmts[f].bits + 1;
  if (q < qmin)
    q = qmin;
  double r = ldexp(nearbyint(ldexp(x, -q)), q);
  if (fabs(r) > fmts[f].max)
    return x > 0 ? INFINITY : -INFINITY;
  return r;
}

static uint16_t fp16_bits(double x)
{
  uint16_t s = signbit(x) ? 0x8000 : 0;
  x = fabs(x);
  if (x == 0)
    return s;
  if (isinf(x))
    return s | 0x7c00;
  if (isnan(x))
    return 0x7e00;
  int e;
  frexp(x, &e);
  if (e - 1 < -14) /* subnormal: x = m 2^-24 */
    return s | (uint16_t)ldexp(x, 24);
  uint16_t ex = (uint16_t)(e - 1 + 15);
  uint16_t man = (uint16_t)(ldexp(x, 11 - e) - 1024.0);
  return s | (uint16_t)(ex << 10) | man;
}

static double fp16_value(uint16_t b)
{
  int s = b >> 15, ex = (b >> 10) & 31, man = b & 1023;
  double v;
  if (ex == 0)
    v = ldexp(man, -24);
  else if (ex == 31)
    v = man ? NAN : INFINITY;
  else
    v = ldexp(1024 + man, ex - 25);
  return s ? -v : v;
}

void fc_fmt_encode(void *dst, int f, const double *x, size_t n)
{
  unsigned char *o = dst;
  for (size_t i = 0; i < n; i++) {
    if (f == FC_FMT_FP64) {
      memcpy(o + 8 * i, &x[i], 8);
    } else if (f == FC_FMT_FP32) {
      float v = (float)x[i];
      memcpy(o + 4 * i, &v, 4);
    } else if (f == FC_FMT_BF16) {
      float v = (float)x[i];
      uint32_t b;
      memcpy(&b, &v, 4);
      uint16_t h = (uint16_t)(b >> 16);
      memcpy(o + 2 * i, &h, 2);
    } else {
      uint16_t h = fp16_bits(x[i]);
      memcpy(o + 2 * i, &h, 2);
    }
  }
}

void fc_fmt_decode(double *x, int f, const void *src, size_t n)
{
  const unsigned char *p = src;
  for (size_t i = 0; i < n; i++) {
    if (f == FC_FMT_FP64) {
      memcpy(&x[i], p + 8 * i, 8);
    } else if (f == FC_FMT_FP32) {
      float v;
      memcpy(&v, p + 4 * i, 4);
      x[i] = v;
    } else if (f == FC_FMT_BF16) {
      uint16_t h;
      memcpy(&h, p + 2 * i, 2);
      uint32_t b = (uint32_t)h << 16;
      float v;
      memcpy(&v, &b, 4);
      x[i] = v;
    } else {
      uint16_t h;
      memcpy(&h, p + 2 * i, 2);
      x[i] = fp16_value(h);
    }
  }
}

double fc_fmt_gamma(int f, double n)
{
  double nu = n * fc_fmt_u(f);
  return nu < 1 ? nu / (1 - nu) : INFINITY;
}

/* ------------------------------------------------------------- model */

/* One rounding: relative u, absolute h (half the smallest subnormal); both
 * 0 for a conversion that is exact. */
typedef struct rnd {
  double u, h;
} rnd;

/* The three declared formats and every rounding the contracts allow
 * (kernel.h, "Rounding points"), derived once from the declaration.  In
 * the derivations below, u_E and h_E of an elementwise OPERATION (gamma_2
 * (E) in RoPE, the score scaling, RMSNorm's products, the residual add)
 * stand for uEop and hEop: the op may be computed in A and rounded to E. */
typedef struct model {
  int S, E, A;
  double uE, uA;   /* unit roundoffs of E and A */
  double hE, hA;   /* half the smallest subnormal of E and A */
  double uEop, hEop; /* one elementwise op: in E, or computed in A and
                        rounded to E (PyTorch's "opmath") */
  rnd inE, inA;    /* an input held in S read by an op of E / of A */
  rnd toE;         /* a result of A rounded to E (a stage result) */
  rnd outE;        /* a result of an op of E stored into S */
  rnd outA;        /* a result of A stored into S: to E, then to S */
} model;

/* Half the smallest subnormal of f, the absolute term of one rounding; for
 * fp64 eta/2 = 2^-1075 is not a double (computed, it is 0, which dropped
 * every fp64 underflow term): the smallest double above it, eta. */
static double half_eta(int f)
{
  const double h = fc_fmt_eta(f) / 2;
  return h > 0 ? h : fc_fmt_eta(f);
}

/* The rounding of a value of `from` converted into `to`. */
static rnd conv(int to, int from)
{
  rnd r = {0, 0};
  if (!fc_fmt_contains(to, from)) {
    r.u = fc_fmt_u(to);
    r.h = half_eta(to);
  }
  return r;
}

/* Two roundings in sequence, as one: (1 + u1)(1 + u2) - 1 relative; the
 * first absolute term passes through the second relative factor. */
static rnd seq(rnd a, rnd b)
{
  rnd r = {a.u + b.u + a.u * b.u, a.h * (1 + b.u) + b.h};
  return r;
}

static void model_of(model *m, const fc_kernel_arith *a)
{
  m->S = a->storage;
  m->A = a->accum;
  m->E = fc_arith_elementwise(a);
  m->uE = fc_fmt_u(m->E);
  m->uA = fc_fmt_u(m->A);
  m->hE = half_eta(m->E);
  m->hA = half_eta(m->A);
  /* An elementwise op of a narrow E is often computed in A and rounded to
   * E (PyTorch computes bf16 ops in float): two roundings, whose sum can
   * exceed u_E by u_A.  Allowed: it costs u_A relative. */
  if (fc_fmt_contains(m->E, m->A)) {
    m->uEop = m->uE;
    m->hEop = m->hE;
  } else {
    m->uEop = (1 + m->uA) * (1 + m->uE) - 1;
    m->hEop = m->hA * (1 + m->uE) + m->hE;
  }
  m->inE = conv(m->E, m->S);
  m->inA = conv(m->A, m->S);
  m->toE = conv(m->E, m->A);
  m->outE = conv(m->S, m->E);
  /* A result of A goes through E when E does not contain A, then into S;
   * when E contains A it goes straight into S. */
  m->outA = fc_fmt_contains(m->E, m->A)
                ? conv(m->S, m->A)
                : seq(m->toE, conv(m->S, m->E));
}

/* a b with 0 * inf = 0: a zero magnitude contributes no error however
 * vacuous its factor (e.g. a context of exactly-zero values is computed
 * exactly whatever the weights' error). */
static double mulz(double a, double b) { return a == 0 || b == 0 ? 0 : a * b; }

/* |r(x) - x| for |x| <= X: u X + h; 0 when X = 0 (zero converts and
 * multiplies exactly: no rounding and no underflow). */
static double rerr(rnd r, double X) { return X == 0 ? 0 : mulz(r.u, X) + r.h; }

double fc_arith_uout(const fc_kernel_arith *a)
{
  model m;
  model_of(&m, a);
  return m.outA.u;
}

int fc_bnd_vacuous(double b) { return !(b < INFINITY); }

/* ---------------------------------------------------------------- RoPE */

/* One rotated plane (a, b) at angle w = p theta (rounding points in
 * kernel.h: angle, cos, sin in A; tables rounded to E; products and the
 * add/sub in E; the output stored in S):
 *   inputs: x_a read into E: e_a' = e_a + inE.u (|x_a| + e_a) + inE.h (the
 *   same for b; e_a is the error the caller's input already carries);
 *   w^ = fl(fl(p) fl(theta)): |w^ - w| <= gamma_3 |w| + 2 h_A (theta's
 *   conversion and the product may underflow; p is an integer);
 *   c^ = cos(w^) (libm), |c^ - cos w| <= |w^ - w| + 2 u_A + h_A =: delta
 *   (cos is 1-Lipschitz), the same for s^;
 *   c~ = the table entry rounded to E: |c~ - cos w| <= delta + toE.u (1 +
 *   delta) + toE.h =: delta', |c~| <= 1 + delta';
 *   y~_a = fl_E(fl_E(c~ x_a) - fl_E(s~ x_b)): two products and one
 *   subtraction in E, |y~_a - (c~ x_a - s~ x_b)| <= gamma_2(E) (1 +
 *   delta') (|x_a| + |x_b|) + 2 h_E (1 + u_E) (each product of a nonzero
 *   input may underflow; an underflowing subtraction is exact);
 *   |(c~ - c) x_a - (s~ - s) x_b| <= delta' (|x_a| + |x_b|), and the input
 *   errors pass through the exact rotation: |c e_a' - s e_b'| <= e_a' +
 *   e_b'.
 * So E0 = (delta' + gamma_2(E)(1 + delta')) (|x_a| + e_a' + |x_b| + e_b')
 * + e_a' + e_b' + 2 h_E (1 + u_E); storage: + outE.u (|y| + E0) + outE.h
 * with |y| <= |x_a| + |x_b|.
 * With E = A (two parts) toE = 0 and this is the one-rounding model.
 * A zero-frequency plane inside the rotary part (theta_i = 0, i <
 * rotary_dim/2) is y = x: a kernel may still multiply by cos 0 = 1 and
 * sin 0 = 0 exactly, which rounds x into E when E is narrower than S:
 * e_a' then the store, outE.  Coordinates >= rotary_dim are copied: they
 * keep their error. */
void fc_bnd_rope(double *E, const double *X, const double *EX, size_t rows,
                 const int64_t *pos, const fc_schedule *s,
                 const fc_kernel_arith *a)
{
  model m;
  model_of(&m, a);
  const size_t d = s->d, m2 = d / 2, rh = s->rotary_dim / 2;
  /* two elementwise ops: gamma_2 of E, with the opmath allowance */
  const double g2 = 2 * m.uEop < 1 ? 2 * m.uEop / (1 - 2 * m.uEop) : INFINITY;
  const double g3 = fc_fmt_gamma(m.A, 3);
  for (size_t r = 0; r < rows; r++) {
    const double *x = X + r * d;
    const double *ex = EX ? EX + r * d : NULL;
    double *e = E + r * d;
    for (size_t i = 0; i < m2; i++) {
      size_t ia, ib;
      fc_schedule_plane(&ia, &ib, s, i);
      const double ea = ex ? ex[ia] : 0, eb = ex ? ex[ib] : 0;
      const double xa = fabs(x[ia]), xb = fabs(x[ib]);
      if (i >= rh) { /* copied */
        e[ia] = ea;
        e[ib] = eb;
        continue;
      }
      const double ea1 = ea + rerr(m.inE, xa + ea);
      const double eb1 = eb + rerr(m.inE, xb + eb);
      if (s->theta[i] == 0) { /* y = x, read into E and stored */
        e[ia] = (ea1 + rerr(m.outE, xa + ea1)) * FC_BND_SAFETY;
        e[ib] = (eb1 + rerr(m.outE, xb + eb1)) * FC_BND_SAFETY;
        continue;
      }
      const double w = fabs((double)pos[r] * s->theta[i]);
      const double delta = g3 * w + 2 * m.hA + 2 * m.uA + m.hA;
      const double delta1 = delta + rerr(m.toE, 1 + delta);
      const double mag = xa + xb;
      /* a product underflows only if its input is not zero */
      const double nz = (xa + ea1 > 0) + (xb + eb1 > 0);
      const double e0 = mulz(delta1 + g2 * (1 + delta1), mag + ea1 + eb1) +
                        ea1 + eb1 + nz * m.hEop * (1 + m.uEop);
      const double tot = (e0 + rerr(m.outE, mag + e0)) * FC_BND_SAFETY;
      e[ia] = tot;
      e[ib] = tot;
    }
  }
}

/* ----------------------------------------------------------- attention */

/* Per query head h (key/value group g) and token t, with the unmasked keys
 * u (u <= t when causal); rounding points in kernel.h (scores in A, rounded
 * to E, scaled in E; softmax in A; weights rounded to E; context in A,
 * stored in S):
 * Inputs.  q, k, v are read into A (inA when A does not contain S): their
 *   errors grow by inA.u (|x| + e) + inA.h.
 * Scores.  s_tu = q_t . k_u / sqrt(d).  With M_tu = sum_i (|q|+eq)(|k|+ek)
 *   and M0_tu = sum_i |q||k| (magnitudes as given), the perturbation of
 *   the exact score by input errors is <= (M_tu - M0_tu)/sqrt(d).  The dot
 *   product (d terms in A: gamma_d(A), d products that may underflow: d h_A
 *   (1 + gamma_d)), its rounding to E (toE), the scale 1/sqrt(d) formed in
 *   A (u_A) and applied in E (u_E, h_E) give the relative factor
 *   g_s = (1 + gamma_d(A))(1 + toE.u)(1 + u_A)(1 + u_E) - 1 (= gamma_{d+2}
 *   of the two-part model when E = A) and es_tu = (g_s M_tu + M_tu - M0_tu)
 *   / sqrt(d) + a_s, a_s the underflow terms; |s^_tu| <= S_t := max_u
 *   M_tu / sqrt(d) (1 + g_s) + a_s.
 * Softmax with max subtraction in A, a_u = exp(s_u - m) / sum_v exp(s_v -
 *   m): the weights do not depend on m (it cancels in the ratio, whatever
 *   value the kernel computed for it), so each computed argument s^_u - m^
 *   differs from s_u - m^ by at most eta = es_max + u_A 2 S_t (the score
 *   error and the rounding of the subtraction, |s^_u - m^| <= 2 S_t);
 *   exp adds a relative 2 u_A; the sum of T terms gamma_{T-1} <= gamma_T
 *   (positive terms) and the division u_A.  A weight is a ratio, so
 *   a^_u / a_u lies within exp(+-2 eta) (1 +- 2u_A)^2 / (1 -+ gamma_T)
 *   (1 +- u_A): we use rho_t = exp(2 eta) (1 + 2u_A)^2 / (1 - 2u_A)^2
 *   (1 + u_A) / (1 - gamma_T) - 1 (covers both sides and a kernel that
 *   divides at the end).  Underflow: an exp that underflows, the T terms
 *   of the denominator (>= 1 - 2u_A: it holds exp(0)) and the division add
 *   at most wabs = (T + 2) h_A / (1 - gamma_T - 2u_A) absolute per weight.
 *   The weights rounded to E: rho' = (1 + rho)(1 + toE.u) - 1, wabs' = wabs
 *   (1 + toE.u) + toE.h.
 * Context.  c_tj = sum_u a_u v_uj with sum_u a_u = 1: with V_j = max_u
 *   (|v_uj|) and EV_j = max_u ev_uj over the unmasked u,
 *   |c^ - c| <= rho' V_j + (1 + rho') EV_j + gamma_T (1 + rho')(V_j + EV_j)
 *   + T (wabs' (V_j + EV_j) + h_A)(1 + gamma_T) (weight errors, value
 *   errors, the T-term sum in A and its products' underflow), then stored:
 *   outA (|c| + E), |c| <= V_j + EV_j. */
/* Cost.  The magnitudes M_tu are a matrix product per head, formed with
 * cblas_dgemm in row blocks (nonnegative terms: the harness's own error is
 * at most gamma_d(fp64) relative, so M is taken as M (1 + gamma_d(fp64))
 * and M - M0 as M (1 + g) - M0 (1 - g), 0 when the inputs carry no error);
 * the largest |v| and error over the unmasked keys are running maxima.
 * O(heads T^2 d) in BLAS, O(heads T^2) scalar: a T = 4096, 32-head case
 * in seconds.  Out of memory: every entry +inf (a vacuous bound, which the
 * property reports, never a pass).  An infinite magnitude or error of q or
 * k (a vacuous bound upstream) makes the head's weights unknown: rho = inf
 * (kept out of the BLAS products, where 0 inf is NaN). */
#define ATT_TB 256 /* query rows per block */

/* M (n x d) = |X| + EX read into A, M0 (may be NULL) = |X|, from the
 * head slice X (rows of ld); 1 when an entry is infinite (kept out of the
 * products as 0: 0 inf = NaN), else 0. */
static int att_mags(double *M, double *M0, const double *X, const double *EX,
                    size_t ld, size_t n, size_t d, const model *m)
{
  int vacuous = 0;
  for (size_t t = 0; t < n; t++)
    for (size_t i = 0; i < d; i++) {
      const double x = fabs(X[t * ld + i]);
      double ex = EX ? EX[t * ld + i] : 0;
      ex += rerr(m->inA, x + ex);
      M[t * d + i] = x + ex;
      if (!isfinite(x + ex)) {
        vacuous = 1;
        M[t * d + i] = 0;
      }
      if (M0)
        M0[t * d + i] = x;
    }
  return vacuous;
}

/* The bound above for the query rows qrows[0 .. nq) only (issue 16: the
 * row-sampled checks; every key is still read): Q, EQ, E and C hold those
 * rows (nq x heads d), in that order, and each row's value maxima are
 * taken over its own unmasked keys.  qrows NULL: every row, nq = T. */
static void att_bound(double *E, double *C, const double *Q,
                      const double *EQ, const double *K, const double *EK,
                      const double *V, const double *EV, size_t T, size_t d,
                      size_t heads, size_t kv, int causal,
                      const fc_kernel_arith *a, const size_t *qrows,
                      size_t nq)
{
  model m;
  model_of(&m, a);
  const size_t hd = heads * d, kd = kv * d, grp = heads / kv;
  const double ua = m.uA;
  const double gd = fc_fmt_gamma(m.A, (double)d);
  const double gT = fc_fmt_gamma(m.A, (double)T);
  const double gh = fc_fmt_gamma(FC_FMT_FP64, (double)d);
  const double gs =
      (1 + gd) * (1 + m.toE.u) * (1 + m.uA) * (1 + m.uEop) - 1;
  const double rs = 1 / sqrt((double)d);
  const double as = ((double)d * m.hA * (1 + gd) + m.toE.h) * (1 + gs) * rs +
                    m.hEop;
  double wabs = (double)(T + 2) * m.hA / (1 - gT - 2 * ua);
  if (!(wabs >= 0) || !(gT < INFINITY))
    wabs = INFINITY;
  wabs = wabs * (1 + m.toE.u) + m.toE.h;
  const int inerr = EQ != NULL || EK != NULL || m.inA.u > 0 || m.inA.h > 0;
  const size_t tb = nq < ATT_TB ? nq : ATT_TB;
  double *A = malloc((nq ? nq : 1) * d * sizeof *A),
         *B = malloc(T * d * sizeof *B);
  double *A0 = inerr ? malloc((nq ? nq : 1) * d * sizeof *A0) : NULL;
  double *B0 = inerr ? malloc(T * d * sizeof *B0) : NULL;
  double *Mb = malloc(tb * T * sizeof *Mb);
  double *M0b = inerr ? malloc(tb * T * sizeof *M0b) : NULL;
  double *Vm = malloc(d * sizeof *Vm), *EVm = malloc(d * sizeof *EVm);
  if (!A || !B || !Mb || !Vm || !EVm || (inerr && (!A0 || !B0 || !M0b))) {
    for (size_t i = 0; i < nq * hd; i++) {
      E[i] = INFINITY;
      if (C)
        C[i] = INFINITY;
    }
    goto done;
  }
  for (size_t h = 0; h < heads; h++) {
    const size_t g = h / grp;
    /* an infinite input error: the weights are unknown */
    const int vacuous =
        att_mags(A, inerr ? A0 : NULL, Q + h * d, EQ ? EQ + h * d : NULL,
                 hd, nq, d, &m) |
        att_mags(B, inerr ? B0 : NULL, K + g * d, EK ? EK + g * d : NULL,
                 kd, T, d, &m);
    /* values: the running maxima over the unmasked keys */
    for (size_t j = 0; j < d; j++)
      Vm[j] = EVm[j] = 0;
    size_t vseen = 0; /* keys folded into Vm so far */
    for (size_t t0 = 0; t0 < nq; t0 += tb) {
      const size_t nt = nq - t0 < tb ? nq - t0 : tb;
      size_t nu = causal ? t0 + nt : T; /* keys any row here sees */
      if (qrows && causal) {
        nu = 0;
        for (size_t r = 0; r < nt; r++)
          nu = qrows[t0 + r] + 1 > nu ? qrows[t0 + r] + 1 : nu;
      }
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)nu,
                  (int)d, 1.0, A + t0 * d, (int)d, B, (int)d, 0.0, Mb,
                  (int)nu);
      if (inerr)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt,
                    (int)nu, (int)d, 1.0, A0 + t0 * d, (int)d, B0, (int)d,
                    0.0, M0b, (int)nu);
      for (size_t r = 0; r < nt; r++) {
        const size_t t = qrows ? qrows[t0 + r] : t0 + r,
                     ulast = causal ? t : T - 1, it = t0 + r;
        double esmax = 0, smax = 0;
        for (size_t u = 0; u <= ulast; u++) {
          const double M = Mb[r * nu + u] * (1 + gh);
          double dM = 0;
          if (inerr) {
            dM = M - M0b[r * nu + u] * (1 - gh);
            if (dM < 0)
              dM = 0;
          }
          const double es = (mulz(gs, M) + dM) * rs + as;
          if (es > esmax)
            esmax = es;
          if (M * rs > smax)
            smax = M * rs;
        }
        smax = smax * (1 + gs) + as;
        const double eta = esmax + ua * 2 * smax;
        double rho = exp(2 * eta) * (1 + 2 * ua) * (1 + 2 * ua) /
                         ((1 - 2 * ua) * (1 - 2 * ua)) * (1 + ua) /
                         (1 - gT) -
                     1;
        if (vacuous || !(gT < INFINITY) || !(rho < INFINITY))
          rho = INFINITY;
        rho = (1 + rho) * (1 + m.toE.u) - 1;
        if (qrows) { /* rows in any order: this row's maxima afresh */
          for (size_t j = 0; j < d; j++)
            Vm[j] = EVm[j] = 0;
          vseen = 0;
        }
        for (; vseen <= ulast; vseen++)
          for (size_t j = 0; j < d; j++) {
            const double v = fabs(V[vseen * kd + g * d + j]);
            double ev = EV ? EV[vseen * kd + g * d + j] : 0;
            ev += rerr(m.inA, v + ev);
            if (v > Vm[j])
              Vm[j] = v;
            if (ev > EVm[j])
              EVm[j] = ev;
          }
        for (size_t j = 0; j < d; j++) {
          const double Vj = Vm[j], EVj = EVm[j];
          /* (zero values: every product exact, no underflow) */
          double e = mulz(rho, Vj) + mulz(1 + rho, EVj) +
                     mulz(gT * (1 + rho), Vj + EVj) +
                     mulz((double)T * (1 + gT),
                          mulz(wabs, Vj + EVj) + (Vj + EVj > 0 ? m.hA : 0));
          e += rerr(m.outA, Vj + EVj + e);
          e *= FC_BND_SAFETY;
          E[it * hd + h * d + j] = e;
          if (C) /* |exact context| <= max |exact v| (weights sum to 1) */
            C[it * hd + h * d + j] = Vj;
        }
      }
    }
  }
done:
  free(A); free(B); free(A0); free(B0); free(Mb); free(M0b); free(Vm);
  free(EVm);
}

void fc_bnd_attention(double *E, double *C, const double *Q,
                      const double *EQ, const double *K, const double *EK,
                      const double *V, const double *EV, size_t T, size_t d,
                      size_t heads, size_t kv, int causal,
                      const fc_kernel_arith *a)
{
  att_bound(E, C, Q, EQ, K, EK, V, EV, T, d, heads, kv, causal, a, NULL, T);
}

/* ------------------------------------------------------------- products */

/* A dot product in A of c terms w_j x_j: w exact as held in S (magnitudes
 * |w|), x with magnitude X_j and carried error EX_j.  Both are read into A
 * (inA): w gains inA.u |w| + inA.h, x gains inA.u (X + EX) + inA.h.  With
 * the perturbed magnitudes S = sum (|w| + ew)(X + ex) and S0 = sum |w| X,
 * the error is <= gamma_c(A) S + (S - S0) + nz h_A (1 + gamma_c) (the nz
 * products without a zero factor may underflow).  Writes S0 into *s0. */
static double dot_err(double *s0, const double *w, size_t wstride,
                      const double *X, const double *EX, size_t c,
                      const model *m, double gc)
{
  double S0 = 0, S = 0, nz = 0;
  for (size_t j = 0; j < c; j++) {
    const double wj = fabs(w[j * wstride]), xj = fabs(X[j]);
    double ex = EX ? EX[j] : 0;
    const double ew = rerr(m->inA, wj);
    ex += rerr(m->inA, xj + ex);
    const double t = mulz(wj + ew, xj + ex);
    S0 += wj * xj;
    S += t;
    nz += t > 0; /* a product with a zero factor is exact */
  }
  *s0 = S0;
  return mulz(gc, S) + (S - S0) + mulz(nz * m->hA, 1 + gc);
}

/* y = W x-style products with propagated errors (rows of X are tokens: X
 * is T x c, Y is T x r, W is r x c): dot_err's bound per entry, then the
 * result of A stored (outA: rounded to E, then to S) with |Y| <= S0 + E.
 * X holds magnitudes of the exact inputs; Ymag receives sum_j |W_ij| X_j,
 * an upper bound of the exact |Y| (the next stage's magnitude, its error
 * carried in EY).
 * Cost: the sums are cblas_dgemm products in blocks of 256 tokens,
 *   S0 = |W| X^T, D = |W| EX'^T (+ EW (X + EX')^T when W is read into a
 *   narrower A), so S - S0 = D with no cancellation; each taken times
 *   (1 + gamma_c(fp64)) for the harness's own sums.  The count of
 *   products that may underflow is bounded by min(nonzeros of the token,
 *   nonzeros of the row).  A token with an infinite magnitude or error
 *   (a vacuous bound upstream) gets a vacuous bound wherever its row of W
 *   is not zero: kept out of the BLAS products, where 0 inf is NaN.  FC_OK
 *   or FC_ENOMEM. */
#define PROJ_TB 256

static int bnd_proj(double *EY, double *Ymag, const double *W,
                    const double *X, const double *EX, size_t T, size_t r,
                    size_t c, const fc_kernel_arith *a)
{
  model m;
  model_of(&m, a);
  const double gc = fc_fmt_gamma(m.A, (double)c);
  const double gh = fc_fmt_gamma(FC_FMT_FP64, (double)c);
  const int wconv = m.inA.u > 0 || m.inA.h > 0;
  const size_t tb = T < PROJ_TB ? T : PROJ_TB;
  if (T == 0 || r == 0)
    return FC_OK;
  if (c == 0) {
    for (size_t i = 0; i < T * r; i++)
      EY[i] = Ymag[i] = 0;
    return FC_OK;
  }
  int rc = FC_ENOMEM;
  double *Wa = malloc(r * c * sizeof *Wa);
  double *EW = wconv ? malloc(r * c * sizeof *EW) : NULL;
  double *Xa = malloc(tb * c * sizeof *Xa), *EXa = malloc(tb * c * sizeof *EXa);
  double *Xp = wconv ? malloc(tb * c * sizeof *Xp) : NULL;
  double *S0 = malloc(tb * r * sizeof *S0), *D = malloc(tb * r * sizeof *D);
  double *D2 = wconv ? malloc(tb * r * sizeof *D2) : NULL;
  size_t *nzw = malloc(r * sizeof *nzw), *nzx = malloc(tb * sizeof *nzx);
  char *bad = malloc(tb);
  if (!Wa || !Xa || !EXa || !S0 || !D || !nzw || !nzx || !bad ||
      (wconv && (!EW || !Xp || !D2)))
    goto done;
  for (size_t i = 0; i < r; i++) {
    nzw[i] = 0;
    for (size_t j = 0; j < c; j++) {
      const double w = fabs(W[i * c + j]), ew = rerr(m.inA, w);
      Wa[i * c + j] = w;
      if (wconv)
        EW[i * c + j] = ew;
      nzw[i] += w + ew > 0;
    }
  }
  for (size_t t0 = 0; t0 < T; t0 += tb) {
    const size_t nt = T - t0 < tb ? T - t0 : tb;
    for (size_t t = 0; t < nt; t++) {
      nzx[t] = 0;
      bad[t] = 0;
      for (size_t j = 0; j < c; j++) {
        double x = fabs(X[(t0 + t) * c + j]);
        double ex = EX ? EX[(t0 + t) * c + j] : 0;
        ex += rerr(m.inA, x + ex);
        if (!isfinite(x + ex)) { /* kept out of the products (0 inf) */
          bad[t] = 1;
          x = ex = 0;
        }
        Xa[t * c + j] = x;
        EXa[t * c + j] = ex;
        if (wconv)
          Xp[t * c + j] = x + ex;
        nzx[t] += x + ex > 0;
      }
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)r,
                (int)c, 1.0, Xa, (int)c, Wa, (int)c, 0.0, S0, (int)r);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)r,
                (int)c, 1.0, EXa, (int)c, Wa, (int)c, 0.0, D, (int)r);
    if (wconv)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nt, (int)r,
                  (int)c, 1.0, Xp, (int)c, EW, (int)c, 0.0, D2, (int)r);
    for (size_t t = 0; t < nt; t++)
      for (size_t i = 0; i < r; i++) {
        const double s0 = S0[t * r + i] * (1 + gh);
        const double dd =
            (D[t * r + i] + (wconv ? D2[t * r + i] : 0)) * (1 + gh);
        const double nz = (double)(nzx[t] < nzw[i] ? nzx[t] : nzw[i]);
        double e = mulz(gc, s0 + dd) + dd + mulz(nz * m.hA, 1 + gc);
        e += rerr(m.outA, s0 + e);
        EY[(t0 + t) * r + i] = e * FC_BND_SAFETY;
        Ymag[(t0 + t) * r + i] = s0 * FC_BND_SAFETY;
        if (bad[t]) /* an infinite input: vacuous unless the row is 0 */
          EY[(t0 + t) * r + i] = Ymag[(t0 + t) * r + i] =
              nzw[i] > 0 ? INFINITY : 0;
      }
  }
  rc = FC_OK;
done:
  free(Wa); free(EW); free(Xa); free(EXa); free(Xp); free(S0); free(D);
  free(D2); free(nzw); free(nzx); free(bad);
  return rc;
}

void fc_bnd_fold(double *E, const double *W, const double *R, size_t d,
                 size_t n, int side, const fc_kernel_arith *a)
{
  /* side 0: (R W)_ij = sum_k R_ik W_kj, d terms; side 1: (W R^T)_ij =
   * sum_k W_ik R_jk, the same: dot_err (both factors exact as held), then
   * the result of A stored (outA). */
  model m;
  model_of(&m, a);
  const double gd = fc_fmt_gamma(m.A, (double)d);
  const size_t rows = side == 0 ? d : n, cols = side == 0 ? n : d;
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++) {
      double S0, e;
      if (side == 0) /* R row i (stride 1) with W column j (stride n) */
        e = dot_err(&S0, W + j, n, R + i * d, NULL, d, &m, gd);
      else           /* W row i with R row j */
        e = dot_err(&S0, R + j * d, 1, W + i * d, NULL, d, &m, gd);
      e += rerr(m.outA, S0 + e);
      E[i * cols + j] = e * FC_BND_SAFETY;
    }
}

/* ---------------------------------------------------------------- block */

/* The online rotation of F6 (b) on the head slices of M (n tokens x nh
 * heads of d; magnitudes, errors EM, both updated in place): y = R x per
 * head and token, R as the kernel receives it (exact as held) within ER of
 * the exact rotation R*.  The product R x is bnd_proj's (d terms in A,
 * stored in S: the rotated q and k are a stage result); the distance to
 * R* x* adds |R - R*| |x*| <= ER (|x| + ex) (computed as a dgemm of
 * nonnegative terms, taken times 1 + gamma_d(fp64) for the harness's own
 * sum); the magnitude of y* is at most |R| |x| + ER (|x| + ex), bnd_proj's
 * Ymag plus that term.  FC_OK or FC_ENOMEM. */
static int bnd_rotate(double *M, double *EM, size_t n, size_t nh, size_t d,
                      const double *R, const double *ER,
                      const fc_kernel_arith *a)
{
  const size_t ld = nh * d;
  const double gh = fc_fmt_gamma(FC_FMT_FP64, (double)d);
  double *X = malloc((n ? n : 1) * d * sizeof *X);
  double *EX = malloc((n ? n : 1) * d * sizeof *EX);
  double *Y = malloc((n ? n : 1) * d * sizeof *Y);
  double *EY = malloc((n ? n : 1) * d * sizeof *EY);
  double *P = ER ? malloc((n ? n : 1) * d * sizeof *P) : NULL;
  int rc = FC_ENOMEM;
  if (!X || !EX || !Y || !EY || (ER && !P))
    goto done;
  for (size_t h = 0; h < nh; h++) {
    for (size_t t = 0; t < n; t++)
      for (size_t i = 0; i < d; i++) {
        X[t * d + i] = M[t * ld + h * d + i];
        EX[t * d + i] = EM[t * ld + h * d + i];
      }
    if (bnd_proj(EY, Y, R, X, EX, n, d, d, a) != FC_OK)
      goto done;
    if (ER) { /* an infinite x (vacuous upstream): kept out of the
               * product (0 inf = NaN), its row vacuous below */
      for (size_t i = 0; i < n * d; i++) {
        X[i] += EX[i];
        if (!isfinite(X[i]))
          X[i] = 0, Y[i] = EY[i] = INFINITY;
      }
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d,
                  (int)d, 1.0, X, (int)d, ER, (int)d, 0.0, P, (int)d);
    }
    for (size_t t = 0; t < n; t++)
      for (size_t i = 0; i < d; i++) {
        const double pr = P ? P[t * d + i] * (1 + gh) : 0;
        M[t * ld + h * d + i] = (Y[t * d + i] + pr) * FC_BND_SAFETY;
        EM[t * ld + h * d + i] = (EY[t * d + i] + pr) * FC_BND_SAFETY;
      }
  }
  rc = FC_OK;
done:
  free(X); free(EX); free(Y); free(EY); free(P);
  return rc;
}

/* The block as a composition (each stage's bound above, errors carried as
 * absolute bounds with magnitude upper bounds):
 * RMSNorm (gain given): var = eps + sum_j x_j^2 / dm and the factor f =
 *   1/sqrt(var) in A: the x_j read into A (inA, twice per square), the sum
 *   of dm squares gamma_dm, the division and eps 2 roundings, sqrt halves
 *   the relative error and adds u_A, the reciprocal u_A: gamma_{dm+4}(A)
 *   covers it; the squares' underflow adds dm h_A absolute to the sum, h_A
 *   / var relative to var.  Then f rounded to E (toE), x_i f and * g_i in E
 *   (inE for x_i, u_E and h_E each): |xn^_i - xn_i| <= g_n |xn_i| + the
 *   underflow terms, g_n = (1 + rel_f)(1 + toE.u)(1 + inE.u)(1 + u_E)^2 - 1
 *   (= gamma_{dm+6}(A) of the two-part model), and xn is kept in S (outE).
 *   Without gain xn = x exactly.
 * Projections q = Wq xn etc.: bnd_proj (c = dm terms).
 * RoPE on q and k head by head: fc_bnd_rope with the magnitudes and errors
 *   of the projections (the magnitude bound after the rotation of a plane
 *   is |q_a| + |q_b| per coordinate).
 * Online rotation (optional, in->rq / in->rk): bnd_rotate.
 * Attention: fc_bnd_attention on those magnitudes and errors.
 * Output: bnd_proj with c = heads d terms; with the residual x + o one
 *   addition in E (both read into E: inE) and the store (outE). */
static int bnd_block_all(double *E, const fc_bnd_block_in *in,
                         const fc_kernel_arith *a)
{
  const size_t T = in->T, dm = in->dm, d = in->d, hd = in->heads * in->d,
               kd = in->kv * in->d;
  /* The query side (queries, scores, contexts, outputs) of the sampled
   * rows only (in->rows), each bounded as in the whole block; the keys and
   * values of every row. */
  const size_t *qr = in->rows, nq = qr ? in->nrows : T;
  model m;
  model_of(&m, a);
  int rc = FC_ENOMEM;
  const size_t nq1 = nq ? nq : 1;
  double *xn = calloc(T * dm, sizeof *xn), *exn = calloc(T * dm, sizeof *exn);
  double *xq = qr ? malloc(nq1 * dm * sizeof *xq) : xn;
  double *exq = qr ? malloc(nq1 * dm * sizeof *exq) : exn;
  double *Q = malloc(nq1 * hd * sizeof *Q), *EQ = malloc(nq1 * hd * sizeof *EQ);
  double *K = malloc(T * kd * sizeof *K), *EK = malloc(T * kd * sizeof *EK);
  double *V = malloc(T * kd * sizeof *V), *EV = malloc(T * kd * sizeof *EV);
  double *Q2 = malloc(nq1 * hd * sizeof *Q2),
         *EQ2 = malloc(nq1 * hd * sizeof *EQ2);
  double *K2 = malloc(T * kd * sizeof *K2), *EK2 = malloc(T * kd * sizeof *EK2);
  double *C = malloc(nq1 * hd * sizeof *C), *EC = malloc(nq1 * hd * sizeof *EC);
  double *O = malloc(nq1 * dm * sizeof *O);
  double *row = malloc(d * sizeof *row), *erow = malloc(d * sizeof *erow),
         *eout = malloc(d * sizeof *eout);
  if (!xn || !exn || !xq || !exq || !Q || !EQ || !K || !EK || !V || !EV ||
      !Q2 || !EQ2 || !K2 || !EK2 || !C || !EC || !O || !row || !erow ||
      !eout)
    goto done;
  const double gf = fc_fmt_gamma(m.A, (double)dm + 4);
  const double sq_in = (1 + m.inA.u) * (1 + m.inA.u) - 1;
  for (size_t t = 0; t < T; t++) {
    double ss = 0;
    for (size_t j = 0; j < dm; j++)
      ss += in->x[t * dm + j] * in->x[t * dm + j];
    const double var = in->eps + ss / (double)dm;
    const double r = sqrt(var);
    /* relative error of f: the squares read into A (sq_in, halved by the
     * sqrt but counted whole), gamma_{dm+4}, underflow dm h_A / (dm var) (and the
     * inputs' own conversion underflow, 2 inA.h |x| per square, at most
     * 2 inA.h sqrt(dm var) in the sum: 2 inA.h sqrt(dm / var) relative). */
    const double relf = gf + sq_in + (var > 0 ? m.hA / var : INFINITY) +
                        (var > 0 ? 2 * m.inA.h * sqrt((double)dm / var) : 0);
    const double gn = (1 + relf) * (1 + m.toE.u) * (1 + m.inE.u) *
                          (1 + m.uEop) * (1 + m.uEop) - 1;
    for (size_t j = 0; j < dm; j++) {
      if (in->gain == NULL) {
        xn[t * dm + j] = fabs(in->x[t * dm + j]);
        exn[t * dm + j] = 0;
      } else {
        const double g = fabs(in->gain[j]), xj = fabs(in->x[t * dm + j]);
        const double v = g * xj / r * FC_BND_SAFETY;
        /* the underflow terms: f's rounding to E (toE.h |x| g), x's into E
         * (inE.h f g), the two products (h_E g, h_E); x_i = 0 or g_i = 0
         * gives an exact 0 */
        double e = v == 0 ? 0
                          : mulz(gn, v) +
                                (m.toE.h * xj * g + m.inE.h * g / r) *
                                    (1 + m.uEop) * (1 + m.uEop) +
                                m.hEop * g * (1 + m.uEop) + m.hEop;
        e += rerr(m.outE, v + e);
        xn[t * dm + j] = v;
        exn[t * dm + j] = e * FC_BND_SAFETY;
      }
    }
  }
  for (size_t r = 0; qr && r < nq; r++) {
    memcpy(xq + r * dm, xn + qr[r] * dm, dm * sizeof *xq);
    memcpy(exq + r * dm, exn + qr[r] * dm, dm * sizeof *exq);
  }
  if (bnd_proj(EQ, Q, in->wq, xq, exq, nq, hd, dm, a) != FC_OK ||
      bnd_proj(EK, K, in->wk, xn, exn, T, kd, dm, a) != FC_OK ||
      bnd_proj(EV, V, in->wv, xn, exn, T, kd, dm, a) != FC_OK)
    goto done;
  memcpy(Q2, Q, nq * hd * sizeof *Q);
  memcpy(EQ2, EQ, nq * hd * sizeof *EQ);
  memcpy(K2, K, T * kd * sizeof *K);
  memcpy(EK2, EK, T * kd * sizeof *EK);
  if (in->s != NULL) {
    for (int which = 0; which < 2; which++) {
      const size_t nh = which == 0 ? in->heads : in->kv;
      const size_t ld = which == 0 ? hd : kd, nt = which == 0 ? nq : T;
      double *M = which == 0 ? Q : K, *EM = which == 0 ? EQ : EK;
      double *M2 = which == 0 ? Q2 : K2, *EM2 = which == 0 ? EQ2 : EK2;
      for (size_t t = 0; t < nt; t++)
        for (size_t h = 0; h < nh; h++) {
          const size_t tp = which == 0 && qr ? qr[t] : t; /* its position */
          memcpy(row, M + t * ld + h * d, d * sizeof *row);
          memcpy(erow, EM + t * ld + h * d, d * sizeof *erow);
          fc_bnd_rope(eout, row, erow, 1, in->pos + tp, in->s, a);
          for (size_t i = 0; i < d / 2; i++) {
            size_t ia, ib;
            fc_schedule_plane(&ia, &ib, in->s, i);
            if (in->s->theta[i] != 0) {
              const double mg = row[ia] + row[ib];
              M2[t * ld + h * d + ia] = mg;
              M2[t * ld + h * d + ib] = mg;
            }
          }
          memcpy(EM2 + t * ld + h * d, eout, d * sizeof *eout);
        }
    }
  }
  if ((in->rq && bnd_rotate(Q2, EQ2, nq, in->heads, d, in->rq, in->erq,
                            a) != FC_OK) ||
      (in->rk && bnd_rotate(K2, EK2, T, in->kv, d, in->rk, in->erk, a) !=
                     FC_OK))
    goto done;
  att_bound(EC, C, Q2, EQ2, K2, EK2, V, EV, T, d, in->heads, in->kv,
            in->causal, a, qr, nq);
  if (in->ectx)
    memcpy(in->ectx, EC, nq * hd * sizeof *EC);
  if (bnd_proj(E, O, in->wo, C, EC, nq, dm, hd, a) != FC_OK)
    goto done;
  if (in->residual)
    for (size_t i = 0; i < nq * dm; i++) {
      const double xi =
          fabs(in->x[qr ? qr[i / dm] * dm + i % dm : i]);
      const double s = xi + O[i];
      /* x and o read into E, one addition in E (exact if it underflows),
       * the store */
      double e = E[i] + rerr(m.inE, xi) + rerr(m.inE, O[i] + E[i]);
      e += mulz(m.uEop, s + e);
      e += rerr(m.outE, s + e);
      E[i] = e * FC_BND_SAFETY;
    }
  rc = FC_OK;
done:
  if (qr) {
    free(xq);
    free(exq);
  }
  free(xn); free(exn); free(Q); free(EQ); free(K); free(EK); free(V);
  free(EV); free(Q2); free(EQ2); free(K2); free(EK2); free(C); free(EC);
  free(O); free(row); free(erow); free(eout);
  return rc;
}

/* alpha = ||k||_1 / n in A: the n entries read into A (inA: u |k| + h
 * each), n - 1 additions of nonnegative terms (exact when they underflow)
 * and one division (u_A, h_A): |alpha^ - alpha| <= gamma_{n+1}(A) (1 +
 * inA.u) sum|k| / n + (n inA.h (1 + gamma_n) / n + h_A). */
double fc_bnd_sign_alpha(const double *k, size_t n, const fc_kernel_arith *a)
{
  model m;
  model_of(&m, a);
  if (n == 0)
    return INFINITY;
  double mag = 0;
  for (size_t i = 0; i < n; i++)
    mag += fabs(k[i]);
  const double g = fc_fmt_gamma(m.A, (double)n + 1);
  const double rel = (1 + g) * (1 + m.inA.u) - 1;
  if (mag == 0)
    return 0; /* every term 0: exact */
  return (mulz(rel, mag / (double)n) + m.inA.h * (1 + g) + m.hA) *
         FC_BND_SAFETY;
}

double fc_bnd_mean_angle(const double *keys, size_t n, size_t d,
                         const fc_kernel_arith *a)
{
  /* Per key k (length d): c = ||k||_1 / (sqrt(d) ||k||_2).  The kernel
   * forms ||k||_1 (d - 1 additions of exact |k_j|), ||k||_2^2 (d products,
   * d - 1 additions), its square root (which halves the relative error of
   * its argument, plus one rounding), sqrt(d), one product and one
   * division: |c^/c - 1| <= rho = gamma_{2d+3}(accum).  The harness forms
   * c_h the same way in double: |c_h/c - 1| <= rho_h = gamma_{2d+3}(fp64).
   * So c and c^ both lie in [lo, hi] = [c_h (1-rho_h)(1-rho),
   * min(1, c_h (1+rho_h)(1+rho))], and acos being decreasing,
   *   |acos(c^) - acos(c)| <= dth = acos(lo) - acos(hi)
   * (+ 4 2^-52 rad for the harness's two double acos, each within an ulp
   * of pi/2).  acos of the computed argument (2u, the contract's libm
   * assumption), the constant 180/pi and the product: gamma_4, so the
   * key's angle in degrees is within
   *   E = (180/pi) (dth + gamma_4 acos(lo))
   * (acos(lo) bounds the angle and its computed value).  The mean, n - 1
   * additions of nonnegative terms and one division, adds
   * gamma_n (1/n) sum (deg + E) <= gamma_n (1/n) sum ((180/pi) acos(lo)
   * + E).  Returns (1/n) sum E + that, times FC_BND_SAFETY; +inf when a
   * gamma is undefined (n u >= 1), 0 keys or a zero key.
   * The keys read into A (inA, when A does not contain S) and underflow
   * widen rho per key: (1 + rho)(1 + inA.u)^2 - 1 for the conversions'
   * relative part, d inA.h / ||k||_1 and (2 inA.h ||k||_1 + d inA.h^2 +
   * d h_A) / ||k||_2^2 for their absolute parts and the squares' underflow
   * (the sqrt halves the latter; counted whole). */
  if (keys == NULL || n == 0 || d == 0)
    return INFINITY;
  model m;
  model_of(&m, a);
  const double rho0 = fc_fmt_gamma(a->accum, 2.0 * (double)d + 3);
  const double rho1 = (1 + rho0) * (1 + m.inA.u) * (1 + m.inA.u) - 1;
  const double rho_h = fc_fmt_gamma(FC_FMT_FP64, 2.0 * (double)d + 3);
  const double g4 = fc_fmt_gamma(a->accum, 4);
  const double gn = fc_fmt_gamma(a->accum, (double)n);
  const double deg = 180 / 3.14159265358979323846;
  if (fc_bnd_vacuous(rho0) || fc_bnd_vacuous(g4) || fc_bnd_vacuous(gn))
    return INFINITY;
  double sumE = 0, sumA = 0;
  for (size_t i = 0; i < n; i++) {
    const double *k = keys + i * d;
    double l1 = 0, s2 = 0;
    for (size_t j = 0; j < d; j++) {
      l1 += fabs(k[j]);
      s2 += k[j] * k[j];
    }
    if (!(s2 > 0) || !isfinite(s2))
      return INFINITY;
    const double ch = l1 / (sqrt((double)d) * sqrt(s2));
    const double rho = rho1 + (double)d * m.inA.h / l1 +
                       (2 * m.inA.h * l1 + (double)d * m.inA.h * m.inA.h +
                        (double)d * m.hA) / s2;
    const double lo = ch * (1 - rho_h) * (1 - rho);
    double hi = ch * (1 + rho_h) * (1 + rho);
    if (hi > 1)
      hi = 1;
    const double amax = acos(lo > -1 ? lo : -1);
    const double dth = amax - acos(hi) + 4 * 0x1p-52;
    const double E = deg * (dth + g4 * amax);
    sumE += E;
    sumA += deg * amax + E;
  }
  return (sumE / (double)n + gn * sumA / (double)n) * FC_BND_SAFETY;
}

/* Every row, or the sampled rows in->rows (bnd_block_all forms the query
 * side of those rows only: the keys and values of every row, then each
 * sampled row's scores, weights, context and output, as for the whole
 * block; issue 16: the whole block's attention bound was seconds at T =
 * 4096 and 32 heads, the rows' a few milliseconds); the rows are checked
 * against T first. */
int fc_bnd_block(double *E, const fc_bnd_block_in *in,
                 const fc_kernel_arith *a)
{
  for (size_t r = 0; in->rows && r < in->nrows; r++)
    if (in->rows[r] >= in->T)
      return FC_EINVAL;
  return bnd_block_all(E, in, a);
}

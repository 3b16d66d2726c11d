/* bounds.c -- a-priori error bounds owned by the harness (issue 9).
 * The model and its assumptions are in bounds.h; each derivation sits next
 * to its code. */
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

double fc_arith_uout(const fc_kernel_arith *a)
{
  return fc_fmt_bits(a->storage) < fc_fmt_bits(a->accum) ? fc_fmt_u(a->storage)
                                                         : 0;
}

int fc_bnd_vacuous(double b) { return !(b < INFINITY); }

/* a b with 0 * inf = 0: a zero magnitude contributes no error however
 * vacuous its factor (e.g. a context of exactly-zero values is computed
 * exactly whatever the weights' error). */
static double mulz(double a, double b) { return a == 0 || b == 0 ? 0 : a * b; }

/* ---------------------------------------------------------------- RoPE */

/* One plane (a, b) at angle w = p theta, computed in accum (unit u_a):
 *   w^ = fl(fl(p) fl(theta)): |w^ - w| <= gamma_3 |w| (theta and p rounded
 *   into accum, one product);
 *   c^ = cos(w^)(libm), |c^ - cos w| <= |w^ - w| + 2 u_a =: delta (cos is
 *   1-Lipschitz), the same for s^;
 *   y^_a = fl(c^ x_a - s^ x_b): two products and one subtraction, so
 *   |y^_a - (c^ x_a - s^ x_b)| <= gamma_2 (|c^||x_a| + |s^||x_b|)
 *   <= gamma_2 (1 + delta)(|x_a| + |x_b|);
 *   |(c^ - c) x_a - (s^ - s) x_b| <= delta (|x_a| + |x_b|).
 * So E0 = (delta + gamma_2 (1 + delta)) (|x_a| + |x_b|).  Input errors
 * e_a, e_b pass through the exact rotation with |c e_a - s e_b| <= e_a +
 * e_b (and through the computed one with factor (1 + delta)).  Storage
 * rounding: + u_out (|y| + E0), |y| <= |x_a| + |x_b| + e_a + e_b.  Copied
 * coordinates (fixed planes) keep their error; y = x needs no rounding. */
void fc_bnd_rope(double *E, const double *X, const double *EX, size_t rows,
                 const int64_t *pos, const fc_schedule *s,
                 const fc_kernel_arith *a)
{
  const size_t d = s->d, m = d / 2;
  const double ua = fc_fmt_u(a->accum), uo = fc_arith_uout(a);
  const double g2 = fc_fmt_gamma(a->accum, 2), g3 = fc_fmt_gamma(a->accum, 3);
  for (size_t r = 0; r < rows; r++) {
    const double *x = X + r * d;
    const double *ex = EX ? EX + r * d : NULL;
    double *e = E + r * d;
    for (size_t i = 0; i < m; i++) {
      size_t ia, ib;
      fc_schedule_plane(&ia, &ib, s, i);
      const double ea = ex ? ex[ia] : 0, eb = ex ? ex[ib] : 0;
      if (s->theta[i] == 0) { /* fixed plane or zero frequency: copied
                                 (a kernel may still multiply by cos 0 =
                                 1, sin 0 = 0 exactly) */
        e[ia] = ea;
        e[ib] = eb;
        continue;
      }
      const double w = fabs((double)pos[r] * s->theta[i]);
      const double delta = g3 * w + 2 * ua;
      const double mag = fabs(x[ia]) + fabs(x[ib]);
      const double ein = (ea + eb) * (1 + delta);
      const double e0 = (delta + g2 * (1 + delta)) * (mag + ea + eb) + ein;
      const double tot = (e0 + uo * (mag + ea + eb + e0)) * FC_BND_SAFETY;
      e[ia] = tot;
      e[ib] = tot;
    }
  }
}

/* ----------------------------------------------------------- attention */

/* Per query head h (key/value group g) and token t, with the unmasked keys
 * u (u <= t when causal):
 * Scores.  s_tu = q_t . k_u / sqrt(d).  With M_tu = sum_i (|q|+eq)(|k|+ek)
 *   and M0_tu = sum_i |q||k| (magnitudes as given), the perturbation of
 *   the exact score by input errors is <= (M_tu - M0_tu)/sqrt(d), and the
 *   computation (a dot product of d terms, then the scale 1/sqrt(d) formed
 *   and applied: 2 more roundings) adds gamma_{d+2} M_tu / sqrt(d).  So
 *   es_tu = (gamma_{d+2} M_tu + M_tu - M0_tu) / sqrt(d), and |s^_tu| <=
 *   S_t := max_u M_tu / sqrt(d) (1 + gamma_{d+2}).
 * Softmax with max subtraction, a_u = exp(s_u - m) / sum_v exp(s_v - m):
 *   the computed arguments differ from the exact s_u - s_max by at most
 *   eta = 2 es_max + u_a 2 S_t (the score errors, counted for s_u and for
 *   the max, and the rounding of the subtraction, |s_u - m| <= 2 S_t); exp
 *   adds a relative 2 u_a; the sum of T terms gamma_{T-1} <= gamma_T
 *   (positive terms) and the division u_a.  A weight is a ratio, so
 *   a^_u / a_u lies within exp(+-2 eta) (1 +- 2u_a)^2 / (1 -+ gamma_T)
 *   (1 +- u_a): rho_t = expm1(2 eta + 2 log1p(2u_a)
 *   - 2 log1p(-2u_a) ... ) bounded below by the same algebra.  We use
 *   rho_t = exp(2 eta) (1 + 2u_a)^2 / (1 - 2u_a)^2 (1 + u_a) / (1 - gamma_T)
 *   - 1 (covers both sides and a kernel that divides at the end).
 * Context.  c_tj = sum_u a_u v_uj with sum_u a_u = 1: with V_j = max_u
 *   (|v_uj|) and EV_j = max_u ev_uj over the unmasked u,
 *   |c^ - c| <= rho V_j + (1 + rho) EV_j + gamma_T (1 + rho)(V_j + EV_j)
 *   (weight errors, value errors, the T-term sum), then the storage
 *   rounding u_out (V_j + EV_j + E).  |c| <= V_j + EV_j. */
/* The bound above for nq query rows: row r of Q/EQ/E/C is the query at
 * token qt[r] (qt NULL: token r), against the T keys and values. */
static void bnd_attn_rows(double *E, double *C, const double *Q,
                          const double *EQ, const size_t *qt, size_t nq,
                          const double *K, const double *EK, const double *V,
                          const double *EV, size_t T, size_t d, size_t heads,
                          size_t kv, int causal, const fc_kernel_arith *a)
{
  const size_t hd = heads * d, kd = kv * d, grp = heads / kv;
  const double ua = fc_fmt_u(a->accum), uo = fc_arith_uout(a);
  const double gd = fc_fmt_gamma(a->accum, (double)d + 2);
  const double gT = fc_fmt_gamma(a->accum, (double)T);
  const double rs = 1 / sqrt((double)d);
  for (size_t h = 0; h < heads; h++) {
    const size_t g = h / grp;
    for (size_t t = 0; t < nq; t++) {
      const size_t tok = qt ? qt[t] : t;
      const size_t ulast = causal ? tok : T - 1;
      double esmax = 0, smax = 0;
      for (size_t u = 0; u <= ulast; u++) {
        double M = 0, M0 = 0;
        for (size_t i = 0; i < d; i++) {
          const double q = fabs(Q[t * hd + h * d + i]);
          const double k = fabs(K[u * kd + g * d + i]);
          const double eq = EQ ? EQ[t * hd + h * d + i] : 0;
          const double ek = EK ? EK[u * kd + g * d + i] : 0;
          M += (q + eq) * (k + ek);
          M0 += q * k;
        }
        const double es = (gd * M + (M - M0)) * rs;
        if (es > esmax)
          esmax = es;
        if (M * rs > smax)
          smax = M * rs;
      }
      smax *= 1 + gd;
      const double eta = 2 * esmax + ua * 2 * smax;
      double rho = exp(2 * eta) * (1 + 2 * ua) * (1 + 2 * ua) /
                       ((1 - 2 * ua) * (1 - 2 * ua)) * (1 + ua) / (1 - gT) -
                   1;
      if (!(gT < INFINITY) || !(rho < INFINITY))
        rho = INFINITY;
      for (size_t j = 0; j < d; j++) {
        double Vj = 0, EVj = 0;
        for (size_t u = 0; u <= ulast; u++) {
          const double v = fabs(V[u * kd + g * d + j]);
          const double ev = EV ? EV[u * kd + g * d + j] : 0;
          if (v > Vj)
            Vj = v;
          if (ev > EVj)
            EVj = ev;
        }
        double e = mulz(rho, Vj) + mulz(1 + rho, EVj) +
                   mulz(gT * (1 + rho), Vj + EVj);
        e += mulz(uo, Vj + EVj + e);
        e *= FC_BND_SAFETY;
        E[t * hd + h * d + j] = e;
        if (C) /* |exact context| <= max |exact v| (weights sum to 1) */
          C[t * hd + h * d + j] = Vj;
      }
    }
  }
}

void fc_bnd_attention(double *E, double *C, const double *Q,
                      const double *EQ, const double *K, const double *EK,
                      const double *V, const double *EV, size_t T, size_t d,
                      size_t heads, size_t kv, int causal,
                      const fc_kernel_arith *a)
{
  bnd_attn_rows(E, C, Q, EQ, NULL, T, K, EK, V, EV, T, d, heads, kv, causal,
                a);
}

/* ------------------------------------------------------------- products */

/* y = A x-style products with propagated errors: for Y = W Xm (W r x c,
 * entries per row i: sum_j |W_ij| (X_j + EX_j)), the computed product has
 * error <= gamma_c sum_j |W_ij|(X_j + EX_j) + sum_j |W_ij| EX_j; then the
 * storage rounding u_out (|Y| + E).  X holds magnitudes of the exact
 * inputs; Ymag receives sum_j |W_ij| X_j, an upper bound of the exact
 * |Y| (the next stage's magnitude, its error carried in EY).  Rows of X are tokens: X is T x c,
 * Y is T x r. */
static void bnd_proj(double *EY, double *Ymag, const double *W,
                     const double *X, const double *EX, size_t T, size_t r,
                     size_t c, const fc_kernel_arith *a)
{
  const double gc = fc_fmt_gamma(a->accum, (double)c);
  const double uo = fc_arith_uout(a);
  for (size_t t = 0; t < T; t++)
    for (size_t i = 0; i < r; i++) {
      double S0 = 0, S = 0, SE = 0;
      for (size_t j = 0; j < c; j++) {
        const double w = fabs(W[i * c + j]);
        const double ex = EX ? EX[t * c + j] : 0;
        S0 += w * fabs(X[t * c + j]);
        S += mulz(w, fabs(X[t * c + j]) + ex);
        SE += mulz(w, ex);
      }
      double e = mulz(gc, S) + SE;
      e += mulz(uo, S + e);
      e *= FC_BND_SAFETY;
      EY[t * r + i] = e;
      Ymag[t * r + i] = S0 * FC_BND_SAFETY;
    }
}

void fc_bnd_fold(double *E, const double *W, const double *R, size_t d,
                 size_t n, int side, const fc_kernel_arith *a)
{
  /* side 0: (R W)_ij = sum_k R_ik W_kj, d terms: gamma_d sum |R_ik||W_kj|;
   * side 1: (W R^T)_ij = sum_k W_ik R_jk, the same.  + u_out |.|. */
  const double gd = fc_fmt_gamma(a->accum, (double)d);
  const double uo = fc_arith_uout(a);
  const size_t rows = side == 0 ? d : n, cols = side == 0 ? n : d;
  for (size_t i = 0; i < rows; i++)
    for (size_t j = 0; j < cols; j++) {
      double S = 0;
      for (size_t k = 0; k < d; k++)
        S += side == 0 ? fabs(R[i * d + k]) * fabs(W[k * n + j])
                       : fabs(W[i * d + k]) * fabs(R[j * d + k]);
      double e = gd * S;
      e += uo * (S + e);
      E[i * cols + j] = e * FC_BND_SAFETY;
    }
}

/* ---------------------------------------------------------------- block */

/* The block as a composition (each stage's bound above, errors carried as
 * absolute bounds with magnitude upper bounds):
 * RMSNorm (gain given): r_t = sqrt(eps + sum_j x_j^2 / dm): the sum of dm
 *   squares (nonnegative terms) gamma_{dm+1} relative, the division and the
 *   eps add 2 roundings, sqrt halves the relative error and adds u_a; then
 *   x_i / r and * g_i two more: |xn^_i - xn_i| <= gamma_{dm+6} |xn_i|,
 *   + u_out for storing xn.  Without gain xn = x exactly.
 * Projections q = Wq xn etc.: bnd_proj (c = dm terms).
 * RoPE on q and k head by head: fc_bnd_rope with the magnitudes and errors
 *   of the projections (the magnitude bound after the rotation of a plane
 *   is |q_a| + |q_b| per coordinate).
 * Attention: fc_bnd_attention on those magnitudes and errors.
 * Output: bnd_proj with c = heads d terms; with the residual one more
 *   addition in accum (u_a (|x| + |o|)) and the storage rounding. */
int fc_bnd_block(double *E, const fc_bnd_block_in *in,
                 const fc_kernel_arith *a)
{
  const size_t T = in->T, dm = in->dm, d = in->d, hd = in->heads * in->d,
               kd = in->kv * in->d;
  /* nq query rows: every token, or the sampled rows (queries formed for
   * them alone; keys and values need every token). */
  const size_t nq = in->rows ? in->nrows : T;
  for (size_t r = 0; in->rows && r < nq; r++)
    if (in->rows[r] >= T)
      return FC_EINVAL;
  const double uo = fc_arith_uout(a), ua = fc_fmt_u(a->accum);
  int rc = FC_ENOMEM;
  double *xn = calloc(T * dm, sizeof *xn), *exn = calloc(T * dm, sizeof *exn);
  double *xq = malloc(nq * dm * sizeof *xq), *exq = malloc(nq * dm * sizeof *exq);
  double *Q = malloc(nq * hd * sizeof *Q), *EQ = malloc(nq * hd * sizeof *EQ);
  double *K = malloc(T * kd * sizeof *K), *EK = malloc(T * kd * sizeof *EK);
  double *V = malloc(T * kd * sizeof *V), *EV = malloc(T * kd * sizeof *EV);
  double *Q2 = malloc(nq * hd * sizeof *Q2), *EQ2 = malloc(nq * hd * sizeof *EQ2);
  double *K2 = malloc(T * kd * sizeof *K2), *EK2 = malloc(T * kd * sizeof *EK2);
  double *C = malloc(nq * hd * sizeof *C), *EC = malloc(nq * hd * sizeof *EC);
  double *O = malloc(nq * dm * sizeof *O);
  int64_t *qpos = malloc(nq * sizeof *qpos);
  double *row = malloc(d * sizeof *row), *erow = malloc(d * sizeof *erow),
         *eout = malloc(d * sizeof *eout);
  if (!xn || !exn || !xq || !exq || !Q || !EQ || !K || !EK || !V || !EV ||
      !Q2 || !EQ2 || !K2 || !EK2 || !C || !EC || !O || !qpos || !row ||
      !erow || !eout)
    goto done;
  const double gn = fc_fmt_gamma(a->accum, (double)dm + 6);
  for (size_t t = 0; t < T; t++) {
    double ss = 0;
    for (size_t j = 0; j < dm; j++)
      ss += in->x[t * dm + j] * in->x[t * dm + j];
    const double r = sqrt(in->eps + ss / (double)dm);
    for (size_t j = 0; j < dm; j++) {
      if (in->gain == NULL) {
        xn[t * dm + j] = fabs(in->x[t * dm + j]);
        exn[t * dm + j] = 0;
      } else {
        const double v = fabs(in->gain[j] * in->x[t * dm + j] / r) *
                         FC_BND_SAFETY;
        double e = gn * v;
        e += uo * (v + e);
        xn[t * dm + j] = v;
        exn[t * dm + j] = e;
      }
    }
  }
  for (size_t r = 0; r < nq; r++) {
    const size_t t = in->rows ? in->rows[r] : r;
    memcpy(xq + r * dm, xn + t * dm, dm * sizeof *xq);
    memcpy(exq + r * dm, exn + t * dm, dm * sizeof *exq);
    qpos[r] = in->pos ? in->pos[t] : 0;
  }
  bnd_proj(EQ, Q, in->wq, xq, exq, nq, hd, dm, a);
  bnd_proj(EK, K, in->wk, xn, exn, T, kd, dm, a);
  bnd_proj(EV, V, in->wv, xn, exn, T, kd, dm, a);
  memcpy(Q2, Q, nq * hd * sizeof *Q);
  memcpy(EQ2, EQ, nq * hd * sizeof *EQ);
  memcpy(K2, K, T * kd * sizeof *K);
  memcpy(EK2, EK, T * kd * sizeof *EK);
  if (in->s != NULL) {
    for (int which = 0; which < 2; which++) {
      const size_t nh = which == 0 ? in->heads : in->kv;
      const size_t ld = which == 0 ? hd : kd, nt = which == 0 ? nq : T;
      const int64_t *ps = which == 0 ? qpos : in->pos;
      double *M = which == 0 ? Q : K, *EM = which == 0 ? EQ : EK;
      double *M2 = which == 0 ? Q2 : K2, *EM2 = which == 0 ? EQ2 : EK2;
      for (size_t t = 0; t < nt; t++)
        for (size_t h = 0; h < nh; h++) {
          memcpy(row, M + t * ld + h * d, d * sizeof *row);
          memcpy(erow, EM + t * ld + h * d, d * sizeof *erow);
          fc_bnd_rope(eout, row, erow, 1, ps + t, in->s, a);
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
  bnd_attn_rows(EC, C, Q2, EQ2, in->rows, nq, K2, EK2, V, EV, T, d,
                in->heads, in->kv, in->causal, a);
  bnd_proj(E, O, in->wo, C, EC, nq, dm, hd, a);
  if (in->residual)
    for (size_t r = 0; r < nq; r++)
      for (size_t j = 0; j < dm; j++) {
        const size_t t = in->rows ? in->rows[r] : r, i = r * dm + j;
        const double s = fabs(in->x[t * dm + j]) + O[i];
        double e = E[i] + mulz(ua, s + E[i]);
        e += mulz(uo, s + e);
        E[i] = e * FC_BND_SAFETY;
      }
  rc = FC_OK;
done:
  free(xn); free(exn); free(xq); free(exq); free(Q); free(EQ); free(K);
  free(EK); free(V); free(EV); free(Q2); free(EQ2); free(K2); free(EK2);
  free(C); free(EC); free(O); free(qpos); free(row); free(erow); free(eout);
  return rc;
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
   * gamma is undefined (n u >= 1), 0 keys or a zero key. */
  if (keys == NULL || n == 0 || d == 0)
    return INFINITY;
  const double rho = fc_fmt_gamma(a->accum, 2.0 * (double)d + 3);
  const double rho_h = fc_fmt_gamma(FC_FMT_FP64, 2.0 * (double)d + 3);
  const double g4 = fc_fmt_gamma(a->accum, 4);
  const double gn = fc_fmt_gamma(a->accum, (double)n);
  const double deg = 180 / 3.14159265358979323846;
  if (fc_bnd_vacuous(rho) || fc_bnd_vacuous(g4) || fc_bnd_vacuous(gn))
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

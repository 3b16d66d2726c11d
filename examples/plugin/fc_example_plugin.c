/* fc_example_plugin.c -- a float32 kernel plugin for foldcheck, written the
 * way inference engines write these kernels (issue 9).
 *
 * Build (installed foldcheck):
 *   cc -O2 -fPIC -shared -o libmine.so fc_example_plugin.c \
 *      $(pkg-config --cflags foldcheck) -lm
 *   foldcheck run --kernels ./libmine.so
 *
 * Arithmetic: storage fp32, accumulation fp32 (declared below).
 *   RoPE: inv_freq and the positions are cast to float and the angle is
 *   formed in float, w = (float)p * (float)theta, then cosf/sinf -- the
 *   Hugging Face / many-engine float32 path.  (Forming the angle in double
 *   and casting afterwards would be more accurate; float is what ships, and
 *   foldcheck's fp32 bound accounts for it: gamma_3 |p theta| per angle.)
 *   Attention: float dot products, scale by 1/sqrtf(d), softmax with max
 *   subtraction, expf, float sums.  Block: RMSNorm, projections, RoPE on q
 *   and k, attention, Wo, residual, all float.
 *   Allocator: the mean phase-collapse angle in float (acosf, degrees).
 *
 * Buggy variants (for foldcheck's own tests): compile with
 * -DFC_EXAMPLE_BUG=N, N as in the enum below; each re-expresses one of
 * foldcheck's built-in mutants for a float kernel, or misbehaves on
 * purpose (crash, hang, NaN, wrong ABI, inflated self-reported bound). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "foldcheck/kernel.h"

#ifndef FC_EXAMPLE_BUG
#define FC_EXAMPLE_BUG 0
#endif
enum {
  BUG_NONE = 0,
  BUG_NOMAX = 1,     /* softmax without max subtraction */
  BUG_NOSCALE = 2,   /* scores without 1/sqrt(d) */
  BUG_CAUSAL = 3,    /* causal mask off by one */
  BUG_ROPEV = 4,     /* RoPE applied to values too */
  BUG_WOR = 5,       /* Wo folded by W R instead of W R^T */
  BUG_HALFACC = 6,   /* dot products accumulate in bf16 (declared fp32) */
  BUG_PHASE16 = 7,   /* RoPE position rounded to 8 bits (bf16) */
  BUG_LAYOUT = 8,    /* always the interleaved layout */
  BUG_OFFBYONE = 9,  /* RoPE at position p + 1 */
  BUG_CLAIM = 10,    /* scale off by 1e-3, claims a bound of 1e30 */
  BUG_SEGV = 11,     /* attention dereferences NULL */
  BUG_HANG = 12,     /* attention never returns for T >= 2 */
  BUG_NAN = 13,      /* attention writes NaN into its last output */
  BUG_ABI = 14,      /* wrong ABI version */
  BUG_SIGN0 = 15,    /* sign(0) = 0 */
  BUG_GATE = 16,     /* allocator: 1 bit only for d_l > 512 */
  BUG_COSMEAN = 17,  /* allocator: acos of the mean cosine */
  /* Bugs that only production shapes show (fold.large.*,
   * commutant.large.rope_accuracy through the provider): */
  BUG_D64 = 18,      /* head dim >= 64: the other pair layout */
  BUG_WRAP = 19,     /* cos/sin cache of 2048 positions: p mod 2048 */
  BUG_GQA = 20,      /* query head h reads kv head h % kv, not h/(H/kv) */
  BUG_CRASH = 21,    /* every entry crashes (SIGSEGV) */
  BUG_DGATE = 22     /* allocator: 1-bit gate on the key dim d, not d_l */
};
#define BUG(x) (FC_EXAMPLE_BUG == (x))

/* Round a float to bfloat16 (8 significant bits), for BUG_HALFACC /
 * BUG_PHASE16. */
static float to_bf16(float x)
{
  uint32_t b;
  memcpy(&b, &x, 4);
  b = (b + 0x7fff + ((b >> 16) & 1)) & 0xffff0000u;
  memcpy(&x, &b, 4);
  return x;
}

/* A wild-pointer write, as a real memory bug has. */
static void crash(void)
{
  volatile uintptr_t bad = 8;
  *(volatile int *)bad = 1;
}

static float dot(const float *a, size_t sa, const float *b, size_t sb,
                 size_t n)
{
  if (BUG(BUG_HALFACC)) {
    float s = 0;
    for (size_t i = 0; i < n; i++)
      s = to_bf16(s + a[i * sa] * b[i * sb]);
    return s;
  }
  /* Four partial sums (contiguous operands vectorise): any order is within
   * the fp32 bound gamma_n sum |a_i b_i|. */
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i * sa] * b[i * sb];
    s1 += a[(i + 1) * sa] * b[(i + 1) * sb];
    s2 += a[(i + 2) * sa] * b[(i + 2) * sb];
    s3 += a[(i + 3) * sa] * b[(i + 3) * sb];
  }
  for (; i < n; i++)
    s0 += a[i * sa] * b[i * sb];
  return (s0 + s1) + (s2 + s3);
}

static void rope_row(float *y, const float *x, size_t d, int64_t p,
                     const double *theta, int layout, size_t rot)
{
  memcpy(y, x, d * sizeof *y);
  if (BUG(BUG_OFFBYONE))
    p += 1;
  if (BUG(BUG_LAYOUT))
    layout = FC_ROPE_INTERLEAVED;
  if (BUG(BUG_D64) && d >= 64)
    layout = layout == FC_ROPE_HALF ? FC_ROPE_INTERLEAVED : FC_ROPE_HALF;
  if (BUG(BUG_WRAP))
    p %= 2048;
  float pf = (float)p;
  if (BUG(BUG_PHASE16))
    pf = to_bf16(pf);
  for (size_t i = 0; i < rot / 2; i++) {
    const float w = pf * (float)theta[i];
    const float c = cosf(w), s = sinf(w);
    const size_t a = layout == FC_ROPE_HALF ? i : 2 * i;
    const size_t b = layout == FC_ROPE_HALF ? i + rot / 2 : 2 * i + 1;
    y[a] = c * x[a] - s * x[b];
    y[b] = s * x[a] + c * x[b];
  }
}

static int rope_apply(void *out, const void *in, size_t rows, size_t d,
                      const int64_t *pos, const double *theta, int layout,
                      size_t rot, double *claimed)
{
  (void)claimed;
  if (BUG(BUG_CRASH))
    crash();
  for (size_t r = 0; r < rows; r++)
    rope_row((float *)out + r * d, (const float *)in + r * d, d, pos[r],
             theta, layout, rot);
  return 0;
}

static int attention(void *ctxv, const void *qv, const void *kv_,
                     const void *vv, size_t T, size_t d, size_t H, size_t kv,
                     int causal, double *claimed)
{
  const float *q = qv, *k = kv_, *v = vv;
  float *ctx = ctxv;
  if (BUG(BUG_SEGV) || BUG(BUG_CRASH))
    crash();
  if (BUG(BUG_HANG) && T >= 2)
    for (;;)
      pause();
  float *s = malloc(T * sizeof *s), *c = malloc(d * sizeof *c);
  if (s == NULL || c == NULL) {
    free(s);
    free(c);
    return 1;
  }
  float scale = 1.0f / sqrtf((float)d);
  if (BUG(BUG_NOSCALE))
    scale = 1.0f;
  if (BUG(BUG_CLAIM)) {
    scale *= 1.001f;
    *claimed = 1e30;
  }
  for (size_t h = 0; h < H; h++) {
    const size_t g = BUG(BUG_GQA) ? h % kv : h / (H / kv);
    for (size_t t = 0; t < T; t++) {
      size_t last = causal ? t : T - 1;
      if (BUG(BUG_CAUSAL) && causal && t + 1 < T)
        last = t + 1;
      float m = -INFINITY, sum = 0;
      for (size_t u = 0; u <= last; u++) {
        s[u] = dot(q + t * H * d + h * d, 1, k + u * kv * d + g * d, 1, d) *
               scale;
        if (s[u] > m)
          m = s[u];
      }
      if (BUG(BUG_NOMAX))
        m = 0;
      for (size_t u = 0; u <= last; u++) {
        s[u] = expf(s[u] - m);
        sum += s[u];
      }
      /* ctx_t = sum_u (e_u / sum) v_u, the values read row by row */
      for (size_t j = 0; j < d; j++)
        c[j] = 0;
      for (size_t u = 0; u <= last; u++) {
        const float w = s[u] / sum;
        const float *vu = v + u * kv * d + g * d;
        for (size_t j = 0; j < d; j++)
          c[j] += w * vu[j];
      }
      memcpy(ctx + t * H * d + h * d, c, d * sizeof *c);
    }
  }
  if (BUG(BUG_NAN))
    ctx[T * H * d - 1] = NAN;
  free(s);
  free(c);
  return 0;
}

static int attention_block(void *outv, const fc_kernel_block_args *a,
                           double *claimed)
{
  const size_t T = a->T, dm = a->dm, d = a->d, H = a->heads, kv = a->kv;
  const size_t hd = H * d, kd = kv * d;
  const float *x = a->x, *wq = a->wq, *wk = a->wk, *wv = a->wv, *wo = a->wo,
              *g = a->gain;
  float *out = outv;
  if (BUG(BUG_CRASH))
    crash();
  float *xn = malloc(T * dm * sizeof *xn), *q = malloc(T * hd * sizeof *q),
        *k = malloc(T * kd * sizeof *k), *v = calloc(T * kd, sizeof *v),
        *q2 = calloc(T * hd, sizeof *q2), *k2 = calloc(T * kd, sizeof *k2),
        *c = malloc(T * hd * sizeof *c);
  int rc = 1;
  if (!xn || !q || !k || !v || !q2 || !k2 || !c)
    goto done;
  for (size_t t = 0; t < T; t++) {
    float ss = 0;
    for (size_t j = 0; j < dm; j++)
      ss += x[t * dm + j] * x[t * dm + j];
    const float r = sqrtf((float)a->eps + ss / (float)dm);
    for (size_t j = 0; j < dm; j++)
      xn[t * dm + j] = g ? x[t * dm + j] / r * g[j] : x[t * dm + j];
  }
  for (size_t t = 0; t < T; t++) {
    for (size_t i = 0; i < hd; i++)
      q[t * hd + i] = dot(wq + i * dm, 1, xn + t * dm, 1, dm);
    for (size_t i = 0; i < kd; i++) {
      k[t * kd + i] = dot(wk + i * dm, 1, xn + t * dm, 1, dm);
      v[t * kd + i] = dot(wv + i * dm, 1, xn + t * dm, 1, dm);
    }
    for (size_t h = 0; h < H; h++)
      rope_row(q2 + t * hd + h * d, q + t * hd + h * d, d, a->pos[t],
               a->theta, a->layout, a->rotary_dim);
    for (size_t h = 0; h < kv; h++) {
      rope_row(k2 + t * kd + h * d, k + t * kd + h * d, d, a->pos[t],
               a->theta, a->layout, a->rotary_dim);
      if (BUG(BUG_ROPEV)) {
        float tmp[512];
        if (d > 512)
          goto done;
        rope_row(tmp, v + t * kd + h * d, d, a->pos[t], a->theta, a->layout,
                 a->rotary_dim);
        memcpy(v + t * kd + h * d, tmp, d * sizeof *tmp);
      }
    }
  }
  if (attention(c, q2, k2, v, T, d, H, kv, a->causal, claimed) != 0)
    goto done;
  for (size_t t = 0; t < T; t++)
    for (size_t i = 0; i < dm; i++) {
      float o = dot(wo + i * hd, 1, c + t * hd, 1, hd);
      out[t * dm + i] = a->residual ? x[t * dm + i] + o : o;
    }
  rc = 0;
done:
  free(xn); free(q); free(k); free(v); free(q2); free(k2); free(c);
  return rc;
}

static int fold_weights(void *w2v, const void *wv, const void *rv, size_t d,
                        size_t n, int side, double *claimed)
{
  (void)claimed;
  if (BUG(BUG_CRASH))
    crash();
  const float *w = wv, *r = rv;
  float *w2 = w2v;
  if (side == 0) { /* R W: d x n */
    for (size_t i = 0; i < d; i++)
      for (size_t j = 0; j < n; j++)
        w2[i * n + j] = dot(r + i * d, 1, w + j, n, d);
  } else { /* W R^T: n x d, (W R^T)_ij = sum_k W_ik R_jk */
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < d; j++)
        w2[i * d + j] = BUG(BUG_WOR) ? dot(w + i * d, 1, r + j, d, d)
                                     : dot(w + i * d, 1, r + j * d, 1, d);
  }
  return 0;
}

static int sign_quant(void *sv, double *alpha, const void *kv_, size_t d,
                      double *claimed)
{
  (void)claimed;
  if (BUG(BUG_CRASH))
    crash();
  const float *k = kv_;
  float *s = sv, a = 0;
  for (size_t i = 0; i < d; i++) {
    s[i] = BUG(BUG_SIGN0) ? (float)((k[i] > 0) - (k[i] < 0))
                          : (k[i] >= 0 ? 1.0f : -1.0f);
    a += fabsf(k[i]);
  }
  *alpha = a / (float)d;
  return 0;
}

/* The horizontal-slice allocator: the mean phase-collapse angle of the
 * keys, in float, then the rule (1 bit if d_l >= 512 and angle <= 40,
 * 2 bits if angle <= 44, else 3). */
static int allocate_bits(int32_t *bits, const void *kv_, size_t n, size_t d,
                         int64_t d_l, double *claimed)
{
  (void)claimed;
  if (BUG(BUG_CRASH))
    crash();
  const float *keys = kv_;
  const float rad2deg = 57.29577951308232f;
  float sum = 0;
  for (size_t i = 0; i < n; i++) {
    const float *k = keys + i * d;
    float l1 = 0, s2 = 0;
    for (size_t j = 0; j < d; j++) {
      l1 += fabsf(k[j]);
      s2 += k[j] * k[j];
    }
    const float c = l1 / (sqrtf((float)d) * sqrtf(s2));
    sum += BUG(BUG_COSMEAN) ? c : acosf(c > 1 ? 1 : c) * rad2deg;
  }
  float angle = sum / (float)n;
  if (BUG(BUG_COSMEAN))
    angle = acosf(angle > 1 ? 1 : angle) * rad2deg;
  const int gate = BUG(BUG_GATE)    ? d_l > 512
                   : BUG(BUG_DGATE) ? (int64_t)d >= 512
                                    : d_l >= 512;
  *bits = gate && angle <= 40 ? 1 : (angle <= 44 ? 2 : 3);
  return 0;
}

const fc_kernel_plugin_t fc_kernel_plugin = {
    .abi_version = BUG(BUG_ABI) ? FC_KERNEL_ABI_VERSION + 1
                                : FC_KERNEL_ABI_VERSION,
    .name = "fc-example-float32",
    .arith = {FC_FMT_FP32, FC_FMT_FP32},
    .rope_apply = rope_apply,
    .attention = attention,
    .attention_block = attention_block,
    .fold_weights = fold_weights,
    .sign_quant = sign_quant,
    .allocate_bits = allocate_bits,
};

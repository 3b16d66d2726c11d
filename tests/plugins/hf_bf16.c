/* hf_bf16.c -- a test plugin that computes RoPE and attention the way
 * Hugging Face transformers computes a Llama held in bfloat16 (issue 20),
 * emulated in C with correctly rounded (to nearest even) bf16 operations:
 *
 *   RoPE (LlamaRotaryEmbedding + apply_rotary_pos_emb): inv_freq and the
 *   positions in fp32, freqs = t * inv_freq in fp32, cos and sin in fp32,
 *   the caches cast to bf16 (`.to(dtype)`), then q * cos + rotate_half(q) *
 *   sin as bf16 tensor ops: two bf16 products and one bf16 add per output.
 *   Attention (eager LlamaAttention): scores = q @ k^T (a bf16 matmul:
 *   fp32 accumulation, bf16 result), / sqrt(d) (a bf16 op), the causal mask
 *   added, softmax(dtype=float32) (fp32 max, exp, sum, division), the
 *   weights cast back to bf16, weights @ v (a bf16 matmul).
 *   Block (LlamaDecoderLayer's attention half): LlamaRMSNorm (x in fp32,
 *   variance = mean(x^2) in fp32, x * rsqrt(variance + eps) in fp32, cast
 *   to bf16, times the weight as a bf16 op), the projections as bf16
 *   matmuls, RoPE and attention as above, o_proj, the residual add in bf16.
 *
 * So it declares hf-bf16: storage bf16, elementwise bf16, accumulation
 * fp32.  tests/cli-arith.sh shows it fails the two-part bf16/fp32
 * declaration (more roundings than one per output) and passes hf-bf16.
 * Variants (-DHF_BUG=N): 1 the causal mask lets each query see one key
 * ahead (diagonal off by one); 2 rotate_half whatever the layout (wrong on
 * the interleaved layout).  Both must still fail under hf-bf16. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "foldcheck/kernel.h"

#ifndef HF_BUG
#define HF_BUG 0
#endif

/* x rounded to bfloat16, to nearest even, directly from double (one
 * rounding: bf16 ops computed exactly in double, then rounded once).  Keeps
 * bf16 subnormals (quantum 2^-133); |x| past the largest bf16 -> inf. */
static double bf16r(double x)
{
  if (x == 0 || !isfinite(x))
    return x;
  int e;
  frexp(x, &e);
  int q = e - 8;
  if (q < -133)
    q = -133;
  double r = ldexp(nearbyint(ldexp(x, -q)), q);
  return fabs(r) > 0x1.fep+127 ? copysign(INFINITY, x) : r;
}

static double ld(const void *p, size_t i)
{
  uint16_t h;
  memcpy(&h, (const unsigned char *)p + 2 * i, 2);
  uint32_t b = (uint32_t)h << 16;
  float f;
  memcpy(&f, &b, 4);
  return f;
}

/* v must already be a bf16 value (bf16r): its upper 16 bits. */
static void st(void *p, size_t i, double v)
{
  float f = (float)v;
  uint32_t b;
  memcpy(&b, &f, 4);
  uint16_t h = (uint16_t)(b >> 16);
  memcpy((unsigned char *)p + 2 * i, &h, 2);
}

static int rope_apply(void *out, const void *in, size_t rows, size_t d,
                      const int64_t *pos, const double *theta, int layout,
                      size_t rot, double *claimed)
{
  (void)claimed;
  if (HF_BUG == 2)
    layout = FC_ROPE_HALF;
  for (size_t r = 0; r < rows; r++) {
    for (size_t i = 0; i < d; i++) /* the pass-through part, copied */
      st(out, r * d + i, ld(in, r * d + i));
    const float t = (float)pos[r];
    for (size_t i = 0; i < rot / 2; i++) {
      const size_t ia = layout == FC_ROPE_HALF ? i : 2 * i;
      const size_t ib = layout == FC_ROPE_HALF ? i + rot / 2 : 2 * i + 1;
      const float w = t * (float)theta[i]; /* fp32 freqs */
      /* fp32 cos/sin (correctly rounded), the caches cast to bf16 */
      const double c = bf16r((float)cos((double)w));
      const double s = bf16r((float)sin((double)w));
      const double xa = ld(in, r * d + ia), xb = ld(in, r * d + ib);
      /* q * cos + rotate_half(q) * sin; rotate_half(q)_a = -q_b */
      const double ya = bf16r(bf16r(xa * c) + bf16r(-xb * s));
      const double yb = bf16r(bf16r(xb * c) + bf16r(xa * s));
      st(out, r * d + ia, ya);
      st(out, r * d + ib, yb);
    }
  }
  return 0;
}

static int attention(void *ctx, const void *q, const void *k, const void *v,
                     size_t T, size_t d, size_t H, size_t kv, int causal,
                     double *claimed)
{
  (void)claimed;
  float *p = malloc(T * sizeof *p);
  double *a = malloc(T * sizeof *a);
  if (p == NULL || a == NULL) {
    free(p);
    free(a);
    return 1;
  }
  const size_t hd = H * d, kd = kv * d;
  const double scale = (float)sqrt((double)d); /* the divisor, in fp32 */
  for (size_t h = 0; h < H; h++) {
    const size_t g = h / (H / kv);
    for (size_t t = 0; t < T; t++) {
      const size_t last = !causal ? T - 1 : HF_BUG == 1 && t + 1 < T ? t + 1
                                                                     : t;
      float m = -INFINITY;
      for (size_t u = 0; u <= last; u++) {
        float acc = 0; /* bf16 products are exact in fp32 */
        for (size_t i = 0; i < d; i++)
          acc += (float)(ld(q, t * hd + h * d + i) * ld(k, u * kd + g * d + i));
        const double s1 = bf16r(acc);        /* q @ k^T, bf16 result */
        p[u] = (float)bf16r(s1 / scale);     /* / sqrt(d), a bf16 op */
        if (p[u] > m)
          m = p[u];
      }
      float sum = 0; /* softmax in fp32 */
      for (size_t u = 0; u <= last; u++) {
        p[u] = expf(p[u] - m);
        sum += p[u];
      }
      for (size_t u = 0; u <= last; u++)
        a[u] = bf16r(p[u] / sum); /* .to(bf16) */
      for (size_t j = 0; j < d; j++) {
        float acc = 0; /* weights @ v: fp32 accumulation, bf16 result */
        for (size_t u = 0; u <= last; u++)
          acc += (float)(a[u] * ld(v, u * kd + g * d + j));
        st(ctx, t * hd + h * d + j, bf16r(acc));
      }
    }
  }
  free(p);
  free(a);
  return 0;
}

/* y (rows x r, bf16) = x (rows x c, bf16) W^T (W r x c, bf16): a bf16
 * matmul, fp32 accumulation (bf16 products exact in fp32), bf16 result. */
static void matmul(void *y, const void *x, const void *w, size_t rows,
                   size_t r, size_t c)
{
  for (size_t t = 0; t < rows; t++)
    for (size_t i = 0; i < r; i++) {
      float acc = 0;
      for (size_t j = 0; j < c; j++)
        acc += (float)(ld(x, t * c + j) * ld(w, i * c + j));
      st(y, t * r + i, bf16r(acc));
    }
}

static int attention_block(void *out, const fc_kernel_block_args *a,
                           double *claimed)
{
  const size_t T = a->T, dm = a->dm, d = a->d, H = a->heads, kv = a->kv;
  const size_t hd = H * d, kd = kv * d;
  uint16_t *xn = calloc(T * dm, 2), *q = malloc(T * hd * 2),
           *k = malloc(T * kd * 2), *v = malloc(T * kd * 2),
           *q2 = malloc(T * hd * 2), *k2 = malloc(T * kd * 2),
           *ctx = malloc(T * hd * 2), *o = malloc(T * dm * 2);
  int64_t *pq = calloc(T * H, sizeof *pq), *pk = calloc(T * kv, sizeof *pk);
  int rc = 1;
  if (!xn || !q || !k || !v || !q2 || !k2 || !ctx || !o || !pq || !pk)
    goto done;
  for (size_t t = 0; t < T; t++) {
    if (a->gain == NULL) {
      memcpy(xn + t * dm, (const uint16_t *)a->x + t * dm, dm * 2);
      continue;
    }
    float var = 0; /* hidden_states.to(float32).pow(2).mean(-1) */
    for (size_t j = 0; j < dm; j++) {
      const float xj = (float)ld(a->x, t * dm + j);
      var += xj * xj;
    }
    var /= (float)dm;
    const float f = 1.0f / sqrtf(var + (float)a->eps); /* rsqrt in fp32 */
    for (size_t j = 0; j < dm; j++) {
      const double h = bf16r((float)ld(a->x, t * dm + j) * f); /* .to(bf16) */
      st(xn, t * dm + j, bf16r(ld(a->gain, j) * h)); /* weight * h, bf16 */
    }
  }
  matmul(q, xn, a->wq, T, hd, dm);
  matmul(k, xn, a->wk, T, kd, dm);
  matmul(v, xn, a->wv, T, kd, dm);
  for (size_t t = 0; t < T; t++) {
    for (size_t h = 0; h < H; h++)
      pq[t * H + h] = a->pos[t];
    for (size_t h = 0; h < kv; h++)
      pk[t * kv + h] = a->pos[t];
  }
  /* each head's d coordinates are a row of rope_apply */
  rope_apply(q2, q, T * H, d, pq, a->theta, a->layout, a->rotary_dim, claimed);
  rope_apply(k2, k, T * kv, d, pk, a->theta, a->layout, a->rotary_dim,
             claimed);
  attention(ctx, q2, k2, v, T, d, H, kv, a->causal, claimed);
  matmul(o, ctx, a->wo, T, dm, hd);
  for (size_t i = 0; i < T * dm; i++) /* the residual add, a bf16 op */
    st(out, i, a->residual ? bf16r(ld(o, i) + ld(a->x, i)) : ld(o, i));
  rc = 0;
done:
  free(xn); free(q); free(k); free(v); free(q2); free(k2); free(ctx);
  free(o); free(pq); free(pk);
  return rc;
}

const fc_kernel_plugin_t fc_kernel_plugin = {
    .abi_version = FC_KERNEL_ABI_VERSION,
    .name = HF_BUG == 1   ? "hf-bf16-causal"
            : HF_BUG == 2 ? "hf-bf16-rotate-half"
                          : "hf-bf16",
    .arith = {.storage = FC_FMT_BF16,
              .accum = FC_FMT_FP32,
              .elementwise = FC_ELEMENTWISE(FC_FMT_BF16)},
    .rope_apply = rope_apply,
    .attention = attention,
    .attention_block = attention_block,
};

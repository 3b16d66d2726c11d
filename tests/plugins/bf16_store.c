/* bf16_store.c -- a test plugin: the float32 example plugin
 * (examples/plugin/fc_example_plugin.c) behind bf16 storage.  Every array
 * crosses the ABI as bf16; the wrapper widens it to float, runs the
 * example's kernel (fp32 inside) and rounds each output to bf16 (to
 * nearest even) once.  An honest bf16-storage kernel: it declares
 * storage bf16, accumulation fp32 (strict-bf16), and the negative
 * controls contract.fold_noncommuting / contract.allocator_exact must
 * give it exit 0 (detected, or not applicable at bf16 with a reason). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define fc_kernel_plugin fc_example_fp32
#include "../../examples/plugin/fc_example_plugin.c"
#undef fc_kernel_plugin

static float bf_get(const uint16_t h)
{
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

static uint16_t bf_put(float f)
{
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if (isnan(f))
    return (uint16_t)((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1); /* round to nearest even */
  return (uint16_t)(u >> 16);
}

static float *widen(const void *src, size_t n)
{
  float *f = malloc((n ? n : 1) * sizeof *f);
  if (f != NULL)
    for (size_t i = 0; i < n; i++)
      f[i] = bf_get(((const uint16_t *)src)[i]);
  return f;
}

static void narrow(void *dst, const float *f, size_t n)
{
  for (size_t i = 0; i < n; i++)
    ((uint16_t *)dst)[i] = bf_put(f[i]);
}

static int w_rope(void *out, const void *in, size_t rows, size_t d,
                  const int64_t *pos, const double *theta, int layout,
                  size_t rotary_dim, double *claimed)
{
  float *i = widen(in, rows * d), *o = malloc(rows * d * sizeof *o + 1);
  int rc = -1;
  if (i && o && (rc = rope_apply(o, i, rows, d, pos, theta, layout,
                                 rotary_dim, claimed)) == 0)
    narrow(out, o, rows * d);
  free(i); free(o);
  return rc;
}

static int w_attention(void *ctx, const void *q, const void *k,
                       const void *v, size_t T, size_t d, size_t heads,
                       size_t kv, int causal, double *claimed)
{
  float *fq = widen(q, T * heads * d), *fk = widen(k, T * kv * d),
        *fv = widen(v, T * kv * d), *o = malloc(T * heads * d * sizeof *o + 1);
  int rc = -1;
  if (fq && fk && fv && o &&
      (rc = attention(o, fq, fk, fv, T, d, heads, kv, causal, claimed)) == 0)
    narrow(ctx, o, T * heads * d);
  free(fq); free(fk); free(fv); free(o);
  return rc;
}

static int w_block(void *out, const fc_kernel_block_args *a,
                   double *claimed)
{
  fc_kernel_block_args b = *a;
  const size_t hd = a->heads * a->d, kd = a->kv * a->d;
  float *x = widen(a->x, a->T * a->dm), *wq = widen(a->wq, hd * a->dm),
        *wk = widen(a->wk, kd * a->dm), *wv = widen(a->wv, kd * a->dm),
        *wo = widen(a->wo, a->dm * hd),
        *g = a->gain ? widen(a->gain, a->dm) : NULL,
        *o = malloc(a->T * a->dm * sizeof *o + 1);
  int rc = -1;
  if (x && wq && wk && wv && wo && o && (g || !a->gain)) {
    b.x = x; b.wq = wq; b.wk = wk; b.wv = wv; b.wo = wo; b.gain = g;
    if ((rc = attention_block(o, &b, claimed)) == 0)
      narrow(out, o, a->T * a->dm);
  }
  free(x); free(wq); free(wk); free(wv); free(wo); free(g); free(o);
  return rc;
}

static int w_fold(void *w2, const void *w, const void *r, size_t d,
                  size_t n, int side, double *claimed)
{
  float *fw = widen(w, d * n), *fr = widen(r, d * d),
        *o = malloc(d * n * sizeof *o + 1);
  int rc = -1;
  if (fw && fr && o && (rc = fold_weights(o, fw, fr, d, n, side,
                                          claimed)) == 0)
    narrow(w2, o, d * n);
  free(fw); free(fr); free(o);
  return rc;
}

static int w_sign(void *s, double *alpha, const void *k, size_t d,
                  double *claimed)
{
  float *fk = widen(k, d), *o = malloc(d * sizeof *o + 1);
  int rc = -1;
  if (fk && o && (rc = sign_quant(o, alpha, fk, d, claimed)) == 0)
    narrow(s, o, d);
  free(fk); free(o);
  return rc;
}

static int w_alloc(int32_t *bits, const void *keys, size_t n, size_t d,
                   int64_t d_l, double *claimed)
{
  float *fk = widen(keys, n * d);
  int rc = fk ? allocate_bits(bits, fk, n, d, d_l, claimed) : -1;
  free(fk);
  return rc;
}

const fc_kernel_plugin_t fc_kernel_plugin = {
    .abi_version = FC_KERNEL_ABI_VERSION,
    .name = "fc-example-bf16-storage",
    .arith = {FC_FMT_BF16, FC_FMT_FP32},
    .rope_apply = w_rope,
    .attention = w_attention,
    .attention_block = w_block,
    .fold_weights = w_fold,
    .sign_quant = w_sign,
    .allocate_bits = w_alloc,
};

/* bias.c -- the attention biases of one layer (ckpt.h): Qwen2 has q, k, v
 * biases, GPT-NeoX a fused query_key_value bias and a dense bias, Llama
 * checkpoints with attention_bias = true all four. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ckpt/ckpt.h"

/* Read the vector `nm` of n entries into out (zeros when absent).  1 when
 * present, 0 when absent, negative on error. */
static int vec(double *out, size_t n, fc_dtype *dt, const fc_ckpt *ck,
               const char *nm, fc_error *err)
{
  const fc_tensor *t;
  fc_error probe = {0, ""};
  memset(out, 0, n * sizeof *out);
  if (fc_ckpt_find(&t, ck, nm, &probe) != FC_OK)
    return 0;
  if (t->ndim != 1 || t->shape[0] != n)
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': a bias of %zu "
                        "dimension(s) [%zu%s] where config.json implies [%zu]",
                        fc_ckpt_file_of(ck, t), nm, t->ndim,
                        t->ndim ? t->shape[0] : 0, t->ndim > 1 ? ", ..." : "",
                        n);
  int rc = fc_ckpt_rows_d(out, ck, t, 0, n, err);
  if (rc)
    return rc;
  if (fc_dtype_unit_roundoff(t->dtype) > fc_dtype_unit_roundoff(*dt))
    *dt = t->dtype;
  return 1;
}

int fc_ckpt_layer_bias(double *bq, double *bk, double *bv, double *bo,
                       unsigned *present, char (*name)[256], fc_dtype *dtype,
                       const fc_ckpt *ck, size_t layer, fc_error *err)
{
  const fc_ckpt_config *c = fc_ckpt_config_get(ck);
  size_t d = c->head_dim, H = c->heads, KV = c->kv_heads, n = c->hidden;
  char nm[4][256];
  fc_dtype dt = FC_DT_F64;
  unsigned p = 0;
  int r;
  if (c->naming == FC_NAMES_NEOX) {
    snprintf(nm[0], sizeof nm[0],
             "gpt_neox.layers.%zu.attention.query_key_value.bias", layer);
    memcpy(nm[1], nm[0], sizeof nm[0]);
    memcpy(nm[2], nm[0], sizeof nm[0]);
    snprintf(nm[3], sizeof nm[3], "gpt_neox.layers.%zu.attention.dense.bias",
             layer);
    double *qkv = NULL;
    const fc_tensor *t;
    fc_error probe = {0, ""};
    memset(bq, 0, H * d * sizeof *bq);
    memset(bk, 0, KV * d * sizeof *bk);
    memset(bv, 0, KV * d * sizeof *bv);
    if (fc_ckpt_find(&t, ck, nm[0], &probe) == FC_OK) {
      /* NeoX has no GQA (KV == H); the per-head packing of the weight */
      qkv = malloc(3 * H * d * sizeof *qkv);
      if (qkv == NULL)
        return fc_error_set(err, FC_ENOMEM, "out of memory");
      r = vec(qkv, 3 * H * d, &dt, ck, nm[0], err);
      if (r < 0) {
        free(qkv);
        return r;
      }
      for (size_t h = 0; h < H; h++) {
        memcpy(bq + h * d, qkv + h * 3 * d, d * sizeof *bq);
        memcpy(bk + h * d, qkv + h * 3 * d + d, d * sizeof *bk);
        memcpy(bv + h * d, qkv + h * 3 * d + 2 * d, d * sizeof *bv);
      }
      free(qkv);
      p |= FC_BIAS_Q | FC_BIAS_K | FC_BIAS_V;
    }
    r = vec(bo, n, &dt, ck, nm[3], err);
    if (r < 0)
      return r;
    p |= r ? FC_BIAS_O : 0;
  } else {
    const char *fmt = c->naming == FC_NAMES_GPTJ
                          ? "transformer.h.%zu.attn.%s.bias"
                          : "model.layers.%zu.self_attn.%s.bias";
    const char *pr[4] = {"q_proj", "k_proj", "v_proj",
                         c->naming == FC_NAMES_GPTJ ? "out_proj" : "o_proj"};
    double *dst[4] = {bq, bk, bv, bo};
    size_t len[4] = {H * d, KV * d, KV * d, n};
    for (int i = 0; i < 4; i++) {
      snprintf(nm[i], sizeof nm[i], fmt, layer, pr[i]);
      r = vec(dst[i], len[i], &dt, ck, nm[i], err);
      if (r < 0)
        return r;
      p |= r ? 1u << i : 0;
    }
  }
  if (name)
    memcpy(name, nm, sizeof nm);
  *present = p;
  if (dtype)
    *dtype = dt;
  return FC_OK;
}

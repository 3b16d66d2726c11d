/* ckpt.h -- Hugging Face-style checkpoints: safetensors files (single or
 * sharded) and config.json (issue 12).
 *
 * A checkpoint directory holds config.json and either model.safetensors or
 * model.safetensors.index.json (whose "weight_map" names the shard of every
 * tensor), or, failing both, every *.safetensors file of the directory.
 *
 * safetensors: 8 bytes little-endian header length N, N bytes of JSON (an
 * object: tensor name -> {"dtype", "shape", "data_offsets": [begin, end]},
 * plus an optional "__metadata__" object that is skipped), then the raw
 * little-endian tensor bytes; offsets are relative to the end of the header.
 * Files are memory-mapped; tensors are converted to double on demand, a row
 * range at a time (fc_ckpt_rows_d), so a checkpoint is never loaded whole.
 *
 * Everything is validated when a file is opened: header length beyond the
 * file, JSON that does not parse or is not an object, an entry that is not
 * an object, unknown dtypes (the integer, bool and 8-bit float dtypes of
 * the format are accepted for buffers, but are no weights), shapes that are not arrays of non-negative
 * integers, offsets out of range, decreasing, overlapping another tensor or
 * not matching prod(shape) * sizeof(dtype), data bytes that belong to no
 * tensor (a gap between tensors, trailing bytes: as the reference
 * implementation, the tensors must cover the data section exactly),
 * duplicate names (also across shards).  Every file is opened without
 * blocking and must be a regular file (a FIFO or a device named
 * config.json or model.safetensors is refused at once; engine/safeio.h).
 * Every error is FC_EPARSE, FC_EIO, FC_ERANGE or FC_ENOTFOUND with one
 * message naming the file and, where there is one, the tensor. */
#ifndef FC_CKPT_H
#define FC_CKPT_H

#include <stddef.h>
#include "foldcheck.h"
#include "gen/presets.h"

typedef enum {
  FC_DT_F64 = 0,
  FC_DT_F32 = 1,
  FC_DT_F16 = 2,
  FC_DT_BF16 = 3
} fc_dtype;

/* "F64", "F32", "F16", "BF16". */
const char *fc_dtype_name(fc_dtype t);
size_t fc_dtype_size(fc_dtype t);
/* Unit roundoff of the format (round to nearest): 2^-53, 2^-24, 2^-11,
 * 2^-8. */
double fc_dtype_unit_roundoff(fc_dtype t);
/* Half the smallest subnormal spacing: the absolute rounding error bound of
 * values in the subnormal range (2^-1075, 2^-150, 2^-25, 2^-134).  So for
 * every real x in range, |fl(x) - x| <= u |x| + eta. */
double fc_dtype_subnormal_eta(fc_dtype t);
/* Decoders: IEEE binary16 and bfloat16 bit patterns to double (exact). */
double fc_f16_to_d(uint16_t h);
double fc_bf16_to_d(uint16_t h);
/* Encoders, round to nearest even (for the test generators). */
uint16_t fc_d_to_f16(double x);
uint16_t fc_d_to_bf16(double x);

typedef struct fc_tensor {
  char *name;
  fc_dtype dtype;            /* valid when is_float */
  int is_float;              /* 0: BOOL, U8, I8, ..., I64, F8_*: sized and
                                validated, but no weight (reading it is
                                FC_EPARSE) */
  size_t esize;              /* bytes per element */
  char dtname[12];           /* as the header spells it */
  size_t ndim;
  size_t shape[8];
  size_t nelem;
  const unsigned char *data; /* inside the mapping */
  size_t file;               /* index of its file in the checkpoint */
} fc_tensor;

/* The figures of config.json the audit needs. */
typedef struct fc_ckpt_config {
  char model_type[64];
  size_t hidden, heads, kv_heads, head_dim, layers;
  int fused_qkv;          /* 1: GPT-NeoX query_key_value */
  int naming;             /* FC_NAMES_* */
  long max_pos;           /* max_position_embeddings (default 4096) */
  fc_schedule_buf sched;  /* the RoPE schedule of every head */
} fc_ckpt_config;

enum { FC_NAMES_LLAMA = 0, FC_NAMES_NEOX = 1, FC_NAMES_GPTJ = 2 };

typedef struct fc_ckpt fc_ckpt;

/* Open a checkpoint directory: config.json, then the safetensors files
 * (validated, mapped).  *out is NULL on failure.  FC_EIO (missing or
 * unreadable file), FC_EPARSE (malformed file, message naming file and
 * tensor), FC_ENOMEM. */
int fc_ckpt_open(fc_ckpt **out, const char *dir, fc_error *err);
void fc_ckpt_close(fc_ckpt *ck); /* NULL is fine */

const fc_ckpt_config *fc_ckpt_config_get(const fc_ckpt *ck);
const char *fc_ckpt_dir(const fc_ckpt *ck);
const char *fc_ckpt_file_of(const fc_ckpt *ck, const fc_tensor *t);

/* Parse config.json text (path for messages).  FC_EPARSE for malformed
 * JSON, missing heads/hidden size, inconsistent sizes, an unknown
 * rope_scaling type. c is zeroed first; clear with fc_ckpt_config_clear. */
int fc_ckpt_config_parse(fc_ckpt_config *c, const char *text,
                         const char *path, fc_error *err);
void fc_ckpt_config_clear(fc_ckpt_config *c);

/* The tensor of that name; FC_ENOTFOUND with a message naming the
 * directory and the tensor. */
int fc_ckpt_find(const fc_tensor **t, const fc_ckpt *ck, const char *name,
                 fc_error *err);
/* A 2-D tensor of exactly rows x cols (FC_EPARSE, naming file and tensor,
 * otherwise). */
int fc_ckpt_find_2d(const fc_tensor **t, const fc_ckpt *ck, const char *name,
                    size_t rows, size_t cols, fc_error *err);
/* out[0 .. nrows*cols) = rows [r0, r0 + nrows) of a 2-D tensor as doubles
 * (exact conversion; a 1-D tensor reads as one column); then tells the
 * kernel the mapped pages may be dropped.  FC_EINVAL for a range outside
 * the tensor or a tensor of more than 2 dimensions. */
int fc_ckpt_rows_d(double *out, const fc_ckpt *ck, const fc_tensor *t,
                   size_t r0, size_t nrows, fc_error *err);

/* The attention weights of one layer as doubles (row-major, as stored):
 * wq (heads d) x hidden, wk and wv (kv d) x hidden, wo hidden x (heads d).
 * For the fused GPT-NeoX layout the per-head [q; k; v] packing of
 * query_key_value is undone.  *dtype receives the storage format of the
 * coarsest of the four tensors.  FC_ENOTFOUND / FC_EPARSE (naming file and
 * tensor) / FC_ENOMEM. */
int fc_ckpt_layer(double *wq, double *wk, double *wv, double *wo,
                  fc_dtype *dtype, const fc_ckpt *ck, size_t layer,
                  fc_error *err);

/* The attention biases of one layer where the checkpoint has them:
 * bq (heads d), bk and bv (kv d), bo (hidden), as doubles; a bias the
 * checkpoint lacks reads as zeros and its bit is clear in *present
 * (FC_BIAS_Q | FC_BIAS_K | FC_BIAS_V | FC_BIAS_O).  Names: Llama, Mistral,
 * Qwen2 (q_proj.bias, ..., o_proj.bias), GPT-J (out_proj.bias), GPT-NeoX
 * (query_key_value.bias with the per-head [q; k; v] packing undone,
 * dense.bias).  name[i] (when non-NULL, 4 buffers of 256 bytes) receives
 * the tensor name of each bias (the fused tensor for NeoX q/k/v).  *dtype:
 * the storage format of the coarsest present bias (F64 when none).
 * FC_EPARSE for a bias of the wrong shape or dtype (naming file and
 * tensor); FC_ENOMEM. */
enum { FC_BIAS_Q = 1, FC_BIAS_K = 2, FC_BIAS_V = 4, FC_BIAS_O = 8 };
int fc_ckpt_layer_bias(double *bq, double *bk, double *bv, double *bo,
                       unsigned *present, char (*name)[256], fc_dtype *dtype,
                       const fc_ckpt *ck, size_t layer, fc_error *err);

#endif

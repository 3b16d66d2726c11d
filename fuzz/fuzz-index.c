/* fuzz-index.c -- libFuzzer driver for the sharded index
 * (model.safetensors.index.json, read by fc_ckpt_open in
 * src/ckpt/safetensors.c): the input is the index, next to a fixed
 * config.json (FC_FUZZ_CONFIG_JSON) and two valid shards,
 * model-00001-of-00002.safetensors (q_proj, k_proj of layer 0) and
 * model-00002-of-00002.safetensors (v_proj, o_proj), all F32 zeros.  When
 * the checkpoint opens, layer 0 is read as the audit reads it. */
#include <stdio.h>
#include <string.h>
#include "ckpt/ckpt.h"
#include "fuzz_util.h"

#define T "model.layers.0.self_attn."

/* A safetensors file of two F32 tensors of r1 x 8 and r2 x 8 zeros. */
static void shard(const char *file, const char *n1, int r1, const char *n2,
                  int r2)
{
  static unsigned char buf[8 + 512 + 1024];
  char *h = (char *)buf + 8;
  int e1 = r1 * 8 * 4, e2 = e1 + r2 * 8 * 4;
  int hl = snprintf(h, 512, "{\"%s\": {\"dtype\": \"F32\", \"shape\": [%d, 8], "
                    "\"data_offsets\": [0, %d]}, \"%s\": {\"dtype\": \"F32\", "
                    "\"shape\": [%d, 8], \"data_offsets\": [%d, %d]}}",
                    n1, r1, e1, n2, r2, e1, e2);
  memset(buf, 0, 8); /* the header length, u64 little-endian */
  buf[0] = (unsigned char)(hl & 0xff);
  buf[1] = (unsigned char)(hl >> 8);
  memset(buf + 8 + hl, 0, (size_t)e2);
  fc_fuzz_write(file, buf, (size_t)(8 + hl + e2));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready) {
    fc_fuzz_write("config.json", (const uint8_t *)FC_FUZZ_CONFIG_JSON,
                  strlen(FC_FUZZ_CONFIG_JSON));
    shard("model-00001-of-00002.safetensors", T "q_proj.weight", 8,
          T "k_proj.weight", 4);
    shard("model-00002-of-00002.safetensors", T "v_proj.weight", 4,
          T "o_proj.weight", 8);
    ready = 1;
  }
  fc_fuzz_write("model.safetensors.index.json", data, size);
  fc_fuzz_open_checkpoint();
  return 0;
}

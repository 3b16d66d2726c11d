/* fuzz-safetensors.c -- libFuzzer driver for the safetensors reader
 * (src/ckpt/safetensors.c): the input is a checkpoint's model.safetensors
 * (8-byte header length, JSON header, data), next to a fixed config.json
 * (FC_FUZZ_CONFIG_JSON) in the driver's temporary directory, opened with
 * fc_ckpt_open as `foldcheck audit` opens a checkpoint.  When it opens,
 * the weights of layer 0 are read as the audit reads them (fc_ckpt_layer:
 * names, shapes, dtypes and the data the offsets point at). */
#include <string.h>
#include "ckpt/ckpt.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready) {
    fc_fuzz_write("config.json", (const uint8_t *)FC_FUZZ_CONFIG_JSON,
                  strlen(FC_FUZZ_CONFIG_JSON));
    ready = 1;
  }
  fc_fuzz_write("model.safetensors", data, size);
  fc_ckpt *ck = NULL;
  fc_error err = {0, ""};
  if (fc_fuzz_verdict("open", fc_ckpt_open(&ck, fc_fuzz_dir(), &err),
                      err.msg) == FC_OK) {
    double wq[64], wk[32], wv[32], wo[64];
    fc_dtype dt;
    fc_fuzz_verdict("layer 0", fc_ckpt_layer(wq, wk, wv, wo, &dt, ck, 0, &err),
                    err.msg);
    fc_ckpt_close(ck);
  }
  return 0;
}

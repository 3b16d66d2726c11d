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
  fc_fuzz_open_checkpoint();
  return 0;
}

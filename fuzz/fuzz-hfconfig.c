/* fuzz-hfconfig.c -- libFuzzer driver for a checkpoint's config.json
 * (fc_ckpt_config_parse, src/ckpt/hfconfig.c), which `foldcheck audit`
 * reads first; the schedule it derives is the RoPE schedule of the audit. */
#include <stdlib.h>
#include "ckpt/ckpt.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = fc_fuzz_cstr(data, size);
  fc_ckpt_config c;
  fc_error err = {0, ""};
  fc_fuzz_verdict("config.json",
                  fc_ckpt_config_parse(&c, text, "config.json", &err), err.msg);
  fc_ckpt_config_clear(&c);
  free(text);
  return 0;
}

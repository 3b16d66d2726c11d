/* fuzz-rotation.c -- libFuzzer driver for rotation files (`foldcheck audit
 * --rotation FILE`, fc_rotation_load in src/ckpt/rotation.c): the input is
 * the file, read for head_dim 4, 2 layers and 2 KV groups ({"rotation":
 * 4x4} or {"rotations": [2][2][4][4]}). */
#include <stdlib.h>
#include "ckpt/audit.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fc_fuzz_write("rotation.json", data, size);
  double *R = NULL;
  size_t nl = 0, ng = 0;
  fc_error err = {0, ""};
  int rc = fc_rotation_load(&R, NULL, &nl, &ng, path, 4, 2, 2, &err);
  if (fc_fuzz_verdict("rotation", rc, err.msg) == FC_OK)
    free(R);
  return 0;
}

/* fuzz-lean.c -- libFuzzer driver for the Lean scanner
 * (fc_lean_scan_text, props/lean_scan.c): the input is one .lean file as
 * `foldcheck anchors --lean DIR` reads each file of the tree. */
#include <stdlib.h>
#include "foldcheck.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = fc_fuzz_cstr(data, size);
  fc_lean_decl *decls = NULL;
  size_t n = 0;
  fc_error err = {0, ""};
  int rc = fc_lean_scan_text(&decls, &n, text, "Fuzz/Input.lean", &err);
  if (fc_fuzz_verdict("lean", rc, err.msg) == FC_OK)
    free(decls);
  free(text);
  return 0;
}

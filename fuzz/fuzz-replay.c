/* fuzz-replay.c -- libFuzzer driver for the replay decoder
 * (fc_replay_decode, src/engine/replay.c): the input is what `foldcheck
 * replay` reads, a token "fc1-<base64url JSON>" or a JSON replay record.
 * A decoded case is printed (to /dev/null) as `foldcheck replay` prints it. */
#include <stdlib.h>
#include "foldcheck.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = fc_fuzz_cstr(data, size);
  fc_replay rp;
  fc_error err = {0, ""};
  if (fc_fuzz_verdict("replay", fc_replay_decode(&rp, text, &err), err.msg) ==
      FC_OK) {
    fc_case_print(fc_fuzz_devnull(), rp.values, "  ");
    fc_replay_clear(&rp);
  }
  free(text);
  return 0;
}

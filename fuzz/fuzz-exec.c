/* fuzz-exec.c -- libFuzzer driver for the exec client's frame reader
 * (src/contract/provider.c): the input is what a kernel process writes on
 * its stdout, the reply to the handshake (hello) and then the reply to one
 * call (frame protocol, src/contract/provider.h).
 *
 * The kernel process is fuzz/frame-feed, which writes the input and exits
 * (see there).  It is started through the provider's plugin path, host =
 * frame-feed and plugin = the input file: the same child process, pipes,
 * deadlines and frame reader as `--kernels exec:CMD`, without a shell per
 * input.  When the handshake passes, one call is made to the first
 * contract the kernel declares (2 reply arrays for sign_quant, else 1; the
 * reader only checks counts and lengths).  Orphans (frame-feed's child)
 * are reaped here: this process is their subreaper. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "contract/provider.h"
#include "fuzz_util.h"

static char feed[PATH_MAX];

static void setup(void)
{
  const char *env = getenv("FC_FUZZ_FRAME_FEED");
  if (env && *env) {
    snprintf(feed, sizeof feed, "%s", env);
  } else {
    char self[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", self, sizeof self - 1);
    if (r <= 0)
      abort();
    self[r] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(feed, sizeof feed, "%s/frame-feed", self);
  }
  if (access(feed, X_OK) != 0) {
    fprintf(stderr, "fuzz-exec: no frame-feed at %s (set FC_FUZZ_FRAME_FEED)\n",
            feed);
    abort();
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (feed[0] == '\0')
    setup();
  while (waitpid(-1, NULL, WNOHANG) > 0)
    ;
  const char *path = fc_fuzz_write("frames.bin", data, size);
  fc_kprov *p = NULL;
  fc_error err = {0, ""};
  if (fc_fuzz_verdict("handshake", fc_kprov_open(&p, path, 5.0, feed, &err),
                      err.msg) != FC_OK)
    return 0;
  int contract = 1;
  while (contract < FC_KC_COUNT && !fc_kprov_has(p, contract))
    contract++;
  if (contract < FC_KC_COUNT) {
    double in[4] = {1, -2, 0.5, 0}, out0[4], out1[1];
    fc_kcall c;
    memset(&c, 0, sizeof c);
    c.contract = contract;
    c.ip[0] = 4;
    c.nin = 1;
    c.in[0] = in;
    c.in_bytes[0] = sizeof in;
    c.nout = contract == FC_KC_SIGN ? 2 : 1;
    c.out[0] = out0;
    c.out_bytes[0] = sizeof out0;
    c.out[1] = out1;
    c.out_bytes[1] = sizeof out1;
    char why[200] = "";
    fc_fuzz_verdict(fc_kc_name(contract), fc_kprov_call(p, &c, why, sizeof why),
                    why);
  }
  fc_kprov_close(p);
  return 0;
}

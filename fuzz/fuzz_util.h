/* fuzz_util.h -- what the libFuzzer drivers share (fuzz/README).
 *
 * Each driver defines LLVMFuzzerTestOneInput and feeds its input to one
 * parser through the parser's own entry point.  Parsers that take text get
 * a NUL-terminated copy; parsers that only read a path (a checkpoint
 * directory, a rotation file) get the input written to a file in one
 * temporary directory per process (created on first use, removed at exit;
 * a crashed run leaves a small fc-fuzz-* directory behind). */
#ifndef FC_FUZZ_UTIL_H
#define FC_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The libFuzzer entry point (defined by each driver). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd copy of data with a NUL appended (a NUL inside the input ends
 * the text there, as it would for a C string read from a file).  Aborts on
 * allocation failure: a driver has no one to report it to. */
char *fc_fuzz_cstr(const uint8_t *data, size_t size);

/* The per-process temporary directory (mkdtemp under $TMPDIR, else
 * /dev/shm when it is writable, else /tmp). */
const char *fc_fuzz_dir(void);

/* Replace <dir>/<name> with exactly size bytes of data and return its path
 * (valid until the next call with the same name).  name: a plain file name;
 * at most 8 distinct names per process. */
const char *fc_fuzz_write(const char *name, const uint8_t *data, size_t size);

/* The config.json of the checkpoint drivers (fuzz-safetensors, fuzz-index):
 * one layer, hidden 8, 2 heads sharing 1 KV head, head_dim 4, so the tensors
 * of layer 0 are q_proj 8x8, k_proj and v_proj 4x8, o_proj 8x8. */
#define FC_FUZZ_CONFIG_JSON                                                   \
  "{\"model_type\": \"llama\", \"hidden_size\": 8, "                          \
  "\"num_attention_heads\": 2, \"num_key_value_heads\": 1, "                 \
  "\"head_dim\": 4, \"num_hidden_layers\": 1}\n"

/* Open the checkpoint in fc_fuzz_dir() as `foldcheck audit` opens one and,
 * when it opens, read the weights of layer 0 (names, shapes, dtypes and the
 * data the offsets point at) for FC_FUZZ_CONFIG_JSON's sizes.  Shared by
 * fuzz-safetensors and fuzz-index. */
void fc_fuzz_open_checkpoint(void);

/* With FC_FUZZ_VERBOSE set in the environment, print "what: ok" or "what:
 * the error message" on stderr (to see what the parser made of an input:
 * FC_FUZZ_VERBOSE=1 fuzz/fuzz-report FILE...); rc is returned. */
int fc_fuzz_verdict(const char *what, int rc, const char *msg);

/* A stream to /dev/null for writers whose output is not inspected (opened
 * once). */
FILE *fc_fuzz_devnull(void);

#endif

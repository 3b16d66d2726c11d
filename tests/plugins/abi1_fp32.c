/* abi1_fp32.c -- a plugin as it was built against kernel ABI version 1
 * (issue 20): the version-1 struct is spelled out here, as the old
 * foldcheck/kernel.h laid it out (arith with two fields, the function
 * pointers right after it), so this binary is what an old plugin is.
 * A float32 RoPE (angle in float, cosf/sinf, float products): the harness
 * must keep loading it, with elementwise = accumulation = fp32. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct plugin_v1 {
  int abi_version; /* 1 */
  const char *name;
  struct {
    int storage, accum;
  } arith;
  int (*rope_apply)(void *, const void *, size_t, size_t, const int64_t *,
                    const double *, int, size_t, double *);
  void *attention, *attention_block, *fold_weights, *sign_quant,
      *allocate_bits;
} plugin_v1;

static int rope_apply(void *out, const void *in, size_t rows, size_t d,
                      const int64_t *pos, const double *theta, int layout,
                      size_t rot, double *claimed)
{
  (void)claimed;
  const float *x = in;
  float *y = out;
  memcpy(y, x, rows * d * sizeof *y);
  for (size_t r = 0; r < rows; r++)
    for (size_t i = 0; i < rot / 2; i++) {
      const size_t ia = layout == 1 ? i : 2 * i;
      const size_t ib = layout == 1 ? i + rot / 2 : 2 * i + 1;
      const float w = (float)pos[r] * (float)theta[i];
      const float c = cosf(w), s = sinf(w);
      const float xa = x[r * d + ia], xb = x[r * d + ib];
      y[r * d + ia] = c * xa - s * xb;
      y[r * d + ib] = s * xa + c * xb;
    }
  return 0;
}

const plugin_v1 fc_kernel_plugin = {
    1, "abi1-fp32", {1, 1}, rope_apply, NULL, NULL, NULL, NULL, NULL};

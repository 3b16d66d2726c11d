/* arith.c -- the declared arithmetic: three formats (storage, elementwise,
 * accumulation), their textual form and the named presets (issue 20).
 * What each format covers and where a kernel may round: kernel.h. */
#include <stdio.h>
#include <string.h>
#include "foldcheck.h"
#include "bounds/bounds.h"

#define E(f) FC_ELEMENTWISE(f)

/* The stacks people run.  The hf-* presets are what Hugging Face
 * transformers computes for a Llama-style model held in that dtype: tensor
 * ops (RoPE's cos/sin caches and products, the scaled scores, the softmax
 * weights cast back, RMSNorm's x * factor * weight) in the model dtype,
 * matmuls accumulated in fp32 (cuBLAS / oneDNN), softmax and the RMSNorm
 * variance upcast to fp32.  strict-* rounds once, at the output. */
static const fc_arith_preset presets[] = {
    {"hf-bf16", {FC_FMT_BF16, FC_FMT_FP32, E(FC_FMT_BF16)},
     "bf16 storage, bf16 elementwise ops and stage results (cos/sin caches, "
     "scores, softmax weights), fp32 reductions incl. softmax and the RMSNorm "
     "variance: Hugging Face transformers' bf16 Llama"},
    {"hf-fp16", {FC_FMT_FP16, FC_FMT_FP32, E(FC_FMT_FP16)},
     "the same in fp16: fp16 storage, elementwise ops and stage results, "
     "fp32 reductions"},
    {"strict-bf16", {FC_FMT_BF16, FC_FMT_FP32, 0},
     "bf16 storage, everything inside in fp32: each output rounded once "
     "(bf16/fp32)"},
    {"strict-fp16", {FC_FMT_FP16, FC_FMT_FP32, 0},
     "fp16 storage, everything inside in fp32: each output rounded once "
     "(fp16/fp32)"},
    {"fp32", {FC_FMT_FP32, FC_FMT_FP32, 0},
     "fp32 storage and arithmetic (fp32/fp32)"},
    {"fp64", {FC_FMT_FP64, FC_FMT_FP64, 0},
     "fp64 storage and arithmetic (fp64/fp64)"},
};

const fc_arith_preset *fc_arith_preset_at(size_t i)
{
  return i < sizeof presets / sizeof presets[0] ? &presets[i] : NULL;
}

int fc_arith_elementwise(const fc_kernel_arith *a)
{
  if (a->elementwise == FC_ELEMENTWISE_AS_ACCUM)
    return a->accum;
  return a->elementwise & 0xff;
}

int fc_arith_valid(const fc_kernel_arith *a)
{
  if (!fc_fmt_valid(a->storage) || !fc_fmt_valid(a->accum))
    return 0;
  if (a->elementwise == FC_ELEMENTWISE_AS_ACCUM)
    return 1;
  return (a->elementwise & ~0xff) == FC_ELEMENTWISE(0) &&
         fc_fmt_valid(a->elementwise & 0xff);
}

int fc_arith_parse(fc_kernel_arith *a, const char *text, char *why,
                   size_t nwhy)
{
  for (size_t i = 0; text && fc_arith_preset_at(i); i++)
    if (strcmp(text, presets[i].name) == 0) {
      *a = presets[i].arith;
      return FC_OK;
    }
  char buf[64], *part[4] = {0};
  size_t np = 0;
  if (text == NULL || strlen(text) >= sizeof buf) {
    snprintf(why, nwhy, "'%s' is not a declaration", text ? text : "");
    return FC_EINVAL;
  }
  snprintf(buf, sizeof buf, "%s", text);
  for (char *p = buf, *s; np < 4; p = s + 1) {
    part[np++] = p;
    if ((s = strchr(p, '/')) == NULL)
      break;
    *s = '\0';
  }
  if (np == 1 || np > 3 || strchr(text, '/') == NULL ||
      (np == 3 && strchr(part[2], '/') != NULL)) {
    snprintf(why, nwhy,
             "'%s' is neither a preset (see 'foldcheck kernels --arith') nor "
             "STORAGE/ACCUM nor STORAGE/ELEMENTWISE/ACCUM", text);
    return FC_EINVAL;
  }
  static const char *const role2[] = {"storage", "accumulation"};
  static const char *const role3[] = {"storage", "elementwise",
                                      "accumulation"};
  int f[3];
  for (size_t i = 0; i < np; i++) {
    f[i] = fc_fmt_parse(part[i]);
    if (f[i] < 0) {
      snprintf(why, nwhy, "unknown %s format '%s' in '%s' (fp64, fp32, "
               "bf16, fp16)", np == 2 ? role2[i] : role3[i], part[i], text);
      return FC_EINVAL;
    }
  }
  a->storage = f[0];
  a->accum = f[np - 1];
  a->elementwise = np == 3 ? FC_ELEMENTWISE(f[1]) : FC_ELEMENTWISE_AS_ACCUM;
  return FC_OK;
}

const char *fc_arith_format(char *buf, size_t n, const fc_kernel_arith *a)
{
  if (a->elementwise == FC_ELEMENTWISE_AS_ACCUM)
    snprintf(buf, n, "%s/%s", fc_fmt_name(a->storage), fc_fmt_name(a->accum));
  else
    snprintf(buf, n, "%s/%s/%s", fc_fmt_name(a->storage),
             fc_fmt_name(fc_arith_elementwise(a)), fc_fmt_name(a->accum));
  return buf;
}

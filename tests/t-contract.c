/* t-contract.c -- issue 9: the harness's formats and bounds, and the
 * contract.* properties on the built-in tables (through the same provider
 * interface a plugin uses).
 *
 * - rounding into bf16/fp16/fp32 is round-to-nearest-even with subnormals
 *   and fp16 overflow to inf; encode/decode round-trips exactly;
 * - gamma_n is n u/(1 - n u) and +inf past n u >= 1; the RoPE bound at
 *   fp32 exceeds the fp64 one by about 2^29 (the precision parameter);
 * - every contract property holds on the reference table, the negative
 *   control is detected and shrinks to d <= 6 / T <= 2 / dm = 1;
 * - every RoPE and attention mutant, and the sign(0) mutant, is caught by
 *   its contract property and shrunk, and the replay reproduces it;
 * - a provider without an entry reports FC_ENOTPROVIDED (never a pass). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "bounds/bounds.h"
#include "contract/provider.h"

static void test_formats(void)
{
  fct_ok(fc_fmt_round(FC_FMT_BF16, 1 + 0x1p-8) == 1.0,
         "bf16: the tie 1 + 2^-8 rounds to even (1)");
  fct_ok(fc_fmt_round(FC_FMT_BF16, 1 + 3 * 0x1p-9) == 1 + 0x1p-7,
         "bf16: 1 + 3 2^-9 rounds up to 1 + 2^-7");
  fct_ok(fc_fmt_round(FC_FMT_FP16, 65504) == 65504 &&
             isinf(fc_fmt_round(FC_FMT_FP16, 65520)),
         "fp16: 65504 is finite, 65520 overflows to inf");
  fct_ok(fc_fmt_round(FC_FMT_FP16, 0x1p-24) == 0x1p-24 &&
             fc_fmt_round(FC_FMT_FP16, 0x1p-25) == 0 &&
             fc_fmt_round(FC_FMT_FP16, 3 * 0x1p-26) == 0x1p-24,
         "fp16: subnormal quantum 2^-24, ties to even");
  fct_ok(fc_fmt_round(FC_FMT_FP32, 1 + 0x1p-30) == 1.0,
         "fp32: 1 + 2^-30 rounds to 1");
  unsigned char b[8];
  double one = 1.0, back = 0;
  fc_fmt_encode(b, FC_FMT_FP16, &one, 1);
  fct_ok(b[0] == 0x00 && b[1] == 0x3c, "fp16 bits of 1.0 are 0x3c00");
  fc_fmt_encode(b, FC_FMT_BF16, &one, 1);
  fct_ok(b[0] == 0x80 && b[1] == 0x3f, "bf16 bits of 1.0 are 0x3f80");
  int bad = 0;
  uint64_t st = 12345;
  for (int f = 0; f <= FC_FMT_FP16; f++)
    for (int i = 0; i < 2000; i++) {
      st = st * 6364136223846793005ULL + 1442695040888963407ULL;
      double x = ldexp((double)(st >> 11) / 0x1p53 - 0.5, (int)(st % 40) - 30);
      double r = fc_fmt_round(f, x);
      fc_fmt_encode(b, f, &r, 1);
      fc_fmt_decode(&back, f, b, 1);
      bad += !(back == r) || fabs(r - x) > fc_fmt_u(f) * fabs(x) + 0x1p-24;
    }
  fct_ok(bad == 0, "round/encode/decode: exact round trip, |r - x| <= u|x| "
         "(normal range) in every format (%d bad)", bad);
  fct_ok(fc_fmt_gamma(FC_FMT_FP32, 1) == 0x1p-24 / (1 - 0x1p-24),
         "gamma_1(fp32) = u/(1-u)");
  fct_ok(isinf(fc_fmt_gamma(FC_FMT_BF16, 256)), "gamma_256(bf16) = inf "
         "(n u >= 1: a vacuous bound, never a finite one)");
}

static void test_rope_bound(void)
{
  double theta[2] = {1.0, 0.01};
  fc_schedule s = {4, 4, FC_LAYOUT_INTERLEAVED, theta};
  double x[4] = {1, -2, 0.5, 3}, e64[4], e32[4];
  int64_t pos = 1000;
  fc_kernel_arith a64 = {FC_FMT_FP64, FC_FMT_FP64},
                  a32 = {FC_FMT_FP32, FC_FMT_FP32};
  fc_bnd_rope(e64, x, NULL, 1, &pos, &s, &a64);
  fc_bnd_rope(e32, x, NULL, 1, &pos, &s, &a32);
  double r = e32[0] / e64[0];
  fct_ok(r > 0x1p28 && r < 0x1p30, "fp32 RoPE bound / fp64 bound = %.3g "
         "(about 2^29)", r);
  /* The p theta term dominates at long positions: the bound grows with p. */
  int64_t far = 1 << 20;
  double ef[4];
  fc_bnd_rope(ef, x, NULL, 1, &far, &s, &a32);
  fct_ok(ef[0] > 100 * e32[0], "the float angle's error grows with p "
         "(gamma_3 |p theta|): %.3g at p = 2^20 vs %.3g at 1000", ef[0],
         e32[0]);
}

/* The allocator's angle bound: wider at fp32 than at fp64 by about
 * u32/u64, and it covers a float computation of the mean angle. */
static void test_angle_bound(void)
{
  enum { N = 3, D = 512 };
  static double keys[N * D];
  for (size_t i = 0; i < N * D; i++)
    keys[i] = 1 + (double)((i * 2654435761u) % 1000) / 64;
  const fc_kernel_arith a64 = {FC_FMT_FP64, FC_FMT_FP64};
  const fc_kernel_arith a32 = {FC_FMT_FP64, FC_FMT_FP32};
  const double b64 = fc_bnd_mean_angle(keys, N, D, &a64);
  const double b32 = fc_bnd_mean_angle(keys, N, D, &a32);
  fct_ok(b64 > 0 && b32 > 1e6 * b64 && b32 < 1,
         "mean-angle bound: fp64 %.3g, fp32 %.3g degrees", b64, b32);
  long double exact = 0;
  float fsum = 0;
  for (size_t i = 0; i < N; i++) {
    long double l1 = 0, s2 = 0;
    float f1 = 0, f2 = 0;
    for (size_t j = 0; j < D; j++) {
      const double v = keys[i * D + j];
      l1 += fabsl((long double)v);
      s2 += (long double)v * v;
      f1 += fabsf((float)v);
      f2 += (float)v * (float)v;
    }
    exact += acosl(l1 / (sqrtl((long double)D) * sqrtl(s2))) * 180 /
             acosl(-1.0L);
    fsum += acosf(f1 / (sqrtf((float)D) * sqrtf(f2))) * 57.29577951308232f;
  }
  const double err = fabs((double)(fsum / N - exact / N));
  fct_ok(err <= b32, "a float mean angle is within its bound: %.3g <= %.3g",
         err, b32);
  double zero[4] = {0, 0, 0, 0};
  fct_ok(fc_bnd_vacuous(fc_bnd_mean_angle(zero, 1, 4, &a32)),
         "a zero key has no bound (vacuous)");
}

static const struct {
  const char *prop, *mutant;
} catches[] = {
    {"contract.rope_accuracy", "mutant-rope-phase-float"},
    {"contract.rope_accuracy", "mutant-rope-wrong-layout"},
    {"contract.rope_accuracy", "mutant-rope-position-off-by-one"},
    {"contract.attention_accuracy", "mutant-attn-softmax-nomax"},
    {"contract.attention_accuracy", "mutant-attn-no-scale"},
    {"contract.attention_accuracy", "mutant-attn-causal-off-by-one"},
    {"contract.attention_accuracy", "mutant-attn-float-accumulation"},
    {"contract.block_accuracy", "mutant-attn-rope-values"},
    {"contract.fold_invariance", "mutant-attn-fold-wo-untransposed"},
    {"contract.sign_quant", "mutant-quant-sign0"},
};

int main(void)
{
  fct_start("t-contract");
  test_formats();
  test_rope_bound();
  test_angle_bound();
  fc_run_config cfg;
  fct_config(&cfg);
  const char *holds[] = {"contract.rope_accuracy",
                         "contract.attention_accuracy",
                         "contract.block_accuracy",
                         "contract.fold_invariance", "contract.sign_quant",
                         "contract.fold_noncommuting", "contract.allocator"};
  for (size_t i = 0; i < sizeof holds / sizeof holds[0]; i++)
    fct_expect_pass(holds[i], &cfg);
  fc_prop_result res;
  if (fct_run_prop(&res, "contract.fold_noncommuting", NULL, &cfg) == 0) {
    const fc_case *v = res.cex ? res.cex->values : NULL;
    /* Two planes of different frequency need d >= 4; the shrinker may stop
     * at 6 when the drawn schedule's classes resist (seed-dependent). */
    fct_ok(v && fc_case_dim(v, "s.d", 0) <= 6 && fc_case_dim(v, "T", 0) <= 2 &&
               fc_case_dim(v, "dm", 0) == 1,
           "negative control shrinks to d <= 6, T <= 2, dm = 1 (d = %ld)",
           v ? fc_case_dim(v, "s.d", 0) : -1);
    fc_prop_result_clear(&res);
  }
  for (size_t i = 0; i < sizeof catches / sizeof catches[0]; i++)
    fct_expect_caught(catches[i].prop, catches[i].mutant, &cfg);
  /* A missing entry: FC_ENOTPROVIDED from the provider. */
  fc_kprov *p = NULL;
  fct_ok(fc_kprov_builtin(&p, fc_kernels_reference()) == FC_OK,
         "built-in provider");
  fc_kcall c;
  memset(&c, 0, sizeof c);
  c.contract = 99;
  char why[64];
  fct_ok(p && fc_kprov_call(p, &c, why, sizeof why) == FC_ENOTPROVIDED,
         "an unknown contract is not provided");
  fc_kprov_close(p);
  return fct_end();
}

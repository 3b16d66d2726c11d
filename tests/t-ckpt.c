/* t-ckpt.c -- the checkpoint module's number formats and config reader
 * (issue 12).
 *
 * - F16 and BF16 decoding is exact and encoding rounds to nearest: every
 *   finite bit pattern round-trips, and for random doubles the encoder's
 *   result is the nearest of the two neighbouring representable values.
 * - The storage rounding bound every audit threshold rests on,
 *   |fl(x) - x| <= u |x| + eta with u, eta of fc_dtype_unit_roundoff /
 *   fc_dtype_subnormal_eta, holds on random doubles over the whole range
 *   of each format, and fails (negative control) when u is halved.
 * - config.json: head_dim default, GQA, partial rotary, rope_scaling types
 *   reuse the presets' frequencies; malformed configs are FC_EPARSE. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "ckpt/ckpt.h"

static uint64_t st;
static uint64_t nx(void)
{
  uint64_t z = (st += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double fl(double x, fc_dtype t)
{
  return t == FC_DT_F16 ? fc_f16_to_d(fc_d_to_f16(x))
                        : fc_bf16_to_d(fc_d_to_bf16(x));
}

int main(void)
{
  fct_start("t-ckpt");
  st = fct_seed();
  /* round trips of every finite pattern */
  int bad16 = 0, badb = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    double a = fc_f16_to_d((uint16_t)h), b = fc_bf16_to_d((uint16_t)h);
    if (isfinite(a) && fc_d_to_f16(a) != h)
      bad16++;
    if (isfinite(b) && fc_d_to_bf16(b) != h)
      badb++;
  }
  fct_ok(bad16 == 0, "F16: every finite pattern round-trips (%d bad)", bad16);
  fct_ok(badb == 0, "BF16: every finite pattern round-trips (%d bad)", badb);
  fct_ok(fc_f16_to_d(0x3c00) == 1.0 && fc_f16_to_d(0x0001) == ldexp(1, -24) &&
             fc_f16_to_d(0x7bff) == 65504.0 && fc_bf16_to_d(0x3f80) == 1.0,
         "F16/BF16 anchor values (1, smallest subnormal, largest)");

  /* the storage bound, and its negative control (u / 2) */
  fc_dtype ts[2] = {FC_DT_F16, FC_DT_BF16};
  double lo[2] = {-26, -130}, hi[2] = {15, 120};
  long n = 200000 * fct_multiplier();
  for (int k = 0; k < 2; k++) {
    double u = fc_dtype_unit_roundoff(ts[k]), eta = fc_dtype_subnormal_eta(ts[k]);
    long viol = 0, viol_half = 0;
    for (long i = 0; i < n; i++) {
      double m = 1 + (double)(nx() >> 11) * 0x1p-53;
      int e = (int)(lo[k] + (double)(nx() % 1000) / 1000 * (hi[k] - lo[k]));
      double x = ldexp(m, e) * (nx() & 1 ? -1 : 1);
      double err = fabs(fl(x, ts[k]) - x);
      viol += err > u * fabs(x) + eta;
      viol_half += err > u / 2 * fabs(x) + eta;
    }
    fct_ok(viol == 0, "%s: |fl(x) - x| <= u|x| + eta on %ld random x (%ld "
           "violations)", fc_dtype_name(ts[k]), n, viol);
    fct_ok(viol_half > 0, "%s negative control: u/2 is violated (%ld times)",
           fc_dtype_name(ts[k]), viol_half);
  }

  /* config.json */
  fc_ckpt_config c;
  fc_error e = {0, ""};
  int rc = fc_ckpt_config_parse(&c, "{\"hidden_size\": 4096, "
      "\"num_attention_heads\": 32, \"num_key_value_heads\": 8, "
      "\"num_hidden_layers\": 32, \"rope_theta\": 500000.0, "
      "\"max_position_embeddings\": 131072, \"rope_scaling\": {\"rope_type\": "
      "\"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
      "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}}",
      "llama31.json", &e);
  fct_ok(rc == FC_OK && c.head_dim == 128 && c.kv_heads == 8 &&
             c.sched.s.rotary_dim == 128 && c.sched.s.layout == FC_LAYOUT_HALF,
         "Llama-3.1 config: d 128, 8 KV heads, rotate_half (%s)", e.msg);
  /* the same frequencies as the llama3.1 preset */
  fc_schedule_buf p;
  fc_schedule_buf_zero(&p);
  int rc2 = fc_preset_schedule(&p, fc_presets_find("llama3.1"), FC_FREQ_F32, &e);
  fct_ok(rc == FC_OK && rc2 == FC_OK &&
             memcmp(p.theta, c.sched.theta, 64 * sizeof(double)) == 0,
         "llama3 rope_scaling gives the llama3.1 preset's frequencies");
  fc_schedule_buf_clear(&p);
  fc_ckpt_config_clear(&c);
  rc = fc_ckpt_config_parse(&c, "{\"model_type\": \"gpt_neox\", \"hidden_size\": 512,"
      " \"num_attention_heads\": 8, \"num_hidden_layers\": 6, \"rotary_pct\": 0.25}",
      "pythia.json", &e);
  fct_ok(rc == FC_OK && c.fused_qkv && c.head_dim == 64 &&
             c.sched.s.rotary_dim == 16 && c.sched.theta[8] == 0,
         "GPT-NeoX config: fused QKV, rotary_pct 0.25 -> 16 of 64, fixed planes");
  fc_ckpt_config_clear(&c);
  rc = fc_ckpt_config_parse(&c, "{\"model_type\": \"gptj\", \"n_embd\": 4096,"
      " \"n_head\": 16, \"n_layer\": 28, \"rotary_dim\": 64}", "gptj.json", &e);
  fct_ok(rc == FC_OK && c.head_dim == 256 && c.sched.s.rotary_dim == 64 &&
             c.sched.s.layout == FC_LAYOUT_INTERLEAVED,
         "GPT-J config: rotary_dim 64 of 256, interleaved");
  fc_ckpt_config_clear(&c);
  const char *bad[] = {
      "{\"hidden_size\": 64, \"num_hidden_layers\": 2}",
      "{\"hidden_size\": 64, \"num_attention_heads\": 3, \"num_hidden_layers\": 2}",
      "{\"hidden_size\": 64, \"num_attention_heads\": 4, \"num_key_value_heads\": 3, \"num_hidden_layers\": 2}",
      "{\"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"rope_scaling\": {\"rope_type\": \"longrope\", \"factor\": 2}}",
      "{\"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"rope_theta\": -1}",
      "[1, 2]", "{\"hidden_size\": 64,"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fc_error e2 = {0, ""};
    rc = fc_ckpt_config_parse(&c, bad[i], "bad.json", &e2);
    fct_ok(rc == FC_EPARSE && strncmp(e2.msg, "bad.json: ", 10) == 0,
           "malformed config %zu rejected: %s", i, e2.msg);
    fc_ckpt_config_clear(&c);
  }
  return fct_end();
}

/* presets.c -- RoPE schedules of public models (presets.h).
 *
 * Where the figures come from.  Model figures are the config.json of the
 * named Hugging Face checkpoint (head dimension = hidden_size /
 * num_attention_heads unless the config gives head_dim).  The frequency
 * formulas are those of Hugging Face transformers,
 * src/transformers/modeling_rope_utils.py (the v4.45-era file, read for
 * this issue):
 *   default: inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
 *   linear:  inv_freq /= factor
 *   ntk:     base = base * factor ** (dim / (dim - 2)), then default
 *   yarn:    pos_freqs = base ** (arange(0, dim, 2).float() / dim);
 *            extrapolation = 1 / pos_freqs; interpolation =
 *            1 / (factor * pos_freqs); low, high = floor/ceil of
 *            find_correction_dim(beta_fast / beta_slow) clamped to
 *            [0, dim - 1]; ramp = clamp((arange(dim // 2) - low) /
 *            (high - low), 0, 1) (high += 0.001 when equal);
 *            e = 1 - ramp; inv = interpolation * (1 - e) + extrapolation * e
 *   llama3:  wavelen = 2 * math.pi / inv_freq; bands at
 *            original_max_position_embeddings / low_freq_factor and
 *            / high_freq_factor; long wavelengths divided by factor, the
 *            middle band smoothed with
 *            smooth = (old_context_len / wavelen - low_freq_factor) /
 *                     (high_freq_factor - low_freq_factor),
 *            (1 - smooth) * inv / factor + smooth * inv.
 * Pair layouts: HF's Llama, Mistral, Qwen2, Gemma, GPT-NeoX and Phi use
 * rotate_half (FC_LAYOUT_HALF; HF permutes Meta's interleaved checkpoints
 * on conversion); GPT-J uses rotate_every_two (FC_LAYOUT_INTERLEAVED).
 *
 * float32 emulation (FC_FREQ_F32).  Each torch tensor operation is one
 * binary32 rounding.  A binary32 +, -, *, / computed in binary64 and then
 * rounded to binary32 is correctly rounded (double rounding is innocuous
 * for p' >= 2p + 2: 53 >= 50, Figueroa 1995), so those steps are plain C
 * with a cast after every operation (never a fused expression).  The power
 * base ** e is computed correctly rounded to 24 bits by MPFR.  Python
 * scalars meeting a float32 tensor are cast to float32 first (torch's
 * TensorIterator casts CPU scalars to the common dtype), and `c / t` on a
 * tensor is torch's `t.reciprocal() * c` (torch/_tensor.py __rtruediv__).
 * Scalar-only Python arithmetic (the ntk base, yarn's correction range) is
 * binary64 with libm, as Python does it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen/presets.h"

/* --------------------------------------------------------------- table */

#define HF "config.json of the Hugging Face checkpoint "
static const fc_preset presets[] = {
    {"llama2", "meta-llama/Llama-2-7b-hf",
     HF "meta-llama/Llama-2-7b-hf: hidden_size 4096 / 32 heads = 128, "
        "rope_theta 10000 (default), max_position_embeddings 4096; "
        "rotate_half in HF",
     128, 128, FC_LAYOUT_HALF, 1e4, 4096, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"llama3", "meta-llama/Meta-Llama-3-8B",
     HF "meta-llama/Meta-Llama-3-8B: 4096 / 32 = 128, rope_theta 500000.0, "
        "max_position_embeddings 8192",
     128, 128, FC_LAYOUT_HALF, 5e5, 8192, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"llama3.1", "meta-llama/Llama-3.1-8B",
     HF "meta-llama/Llama-3.1-8B: 4096 / 32 = 128, rope_theta 500000.0, "
        "rope_scaling {rope_type llama3, factor 8.0, low_freq_factor 1.0, "
        "high_freq_factor 4.0, original_max_position_embeddings 8192}, "
        "max_position_embeddings 131072",
     128, 128, FC_LAYOUT_HALF, 5e5, 131072,
     {FC_ROPE_LLAMA3, 8.0, 1.0, 4.0, 8192, 0, 0}},
    {"qwen2", "Qwen/Qwen2-7B-Instruct",
     HF "Qwen/Qwen2-7B-Instruct: hidden_size 3584 / 28 heads = 128, "
        "rope_theta 1000000.0, max_position_embeddings 32768",
     128, 128, FC_LAYOUT_HALF, 1e6, 32768, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"mistral-v0.2", "mistralai/Mistral-7B-Instruct-v0.2",
     HF "mistralai/Mistral-7B-Instruct-v0.2: 4096 / 32 = 128 (head_dim 128 "
        "in Mistral's params.json), rope_theta 1000000.0, "
        "max_position_embeddings 32768",
     128, 128, FC_LAYOUT_HALF, 1e6, 32768, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"gpt-j", "EleutherAI/gpt-j-6b",
     HF "EleutherAI/gpt-j-6b: n_embd 4096 / n_head 16 = 256, rotary_dim 64, "
        "n_positions 2048; base 10000 and rotate_every_two (interleaved) in "
        "HF modeling_gptj.py",
     256, 64, FC_LAYOUT_INTERLEAVED, 1e4, 2048,
     {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"gpt-neox", "EleutherAI/gpt-neox-20b",
     HF "EleutherAI/gpt-neox-20b: hidden_size 6144 / 64 heads = 96, "
        "rotary_pct 0.25 -> int(96 * 0.25) = 24, rotary_emb_base 10000, "
        "max_position_embeddings 2048",
     96, 24, FC_LAYOUT_HALF, 1e4, 2048, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"pythia", "EleutherAI/pythia-6.9b",
     HF "EleutherAI/pythia-6.9b: hidden_size 4096 / 32 heads = 128, "
        "rotary_pct 0.25 -> 32, rotary_emb_base 10000, "
        "max_position_embeddings 2048",
     128, 32, FC_LAYOUT_HALF, 1e4, 2048, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"phi-2", "microsoft/phi-2",
     HF "microsoft/phi-2: hidden_size 2560 / 32 heads = 80, "
        "partial_rotary_factor 0.4 -> int(80 * 0.4) = 32, rope_theta 10000.0, "
        "max_position_embeddings 2048",
     80, 32, FC_LAYOUT_HALF, 1e4, 2048, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"gemma", "google/gemma-7b",
     HF "google/gemma-7b: head_dim 256, rope_theta 10000.0, "
        "max_position_embeddings 8192",
     256, 256, FC_LAYOUT_HALF, 1e4, 8192, {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0}},
    {"llama2-ntk", "meta-llama/Llama-2-7b-hf with NTK-aware scaling",
     "llama2 figures; rope_scaling {rope_type ntk, factor 4.0} "
     "(factor 4 is illustrative: HF's _compute_ntk_parameters, "
     "base * factor^(dim/(dim-2)))",
     128, 128, FC_LAYOUT_HALF, 1e4, 4096, {FC_ROPE_NTK, 4.0, 0, 0, 0, 0, 0}},
    {"qwen2-yarn", "Qwen/Qwen2-7B-Instruct with YaRN",
     "qwen2 figures; rope_scaling {type yarn, factor 4.0, "
     "original_max_position_embeddings 32768} as the Qwen2-7B-Instruct "
     "model card recommends for long inputs; beta_fast 32, beta_slow 1 "
     "(HF defaults)",
     128, 128, FC_LAYOUT_HALF, 1e6, 32768,
     {FC_ROPE_YARN, 4.0, 0, 0, 32768, 32, 1}},
};
#undef HF

size_t fc_presets_count(void) { return sizeof presets / sizeof presets[0]; }

const fc_preset *fc_presets_at(size_t i)
{
  return i < fc_presets_count() ? &presets[i] : NULL;
}

const fc_preset *fc_presets_find(const char *name)
{
  if (name == NULL)
    return NULL;
  for (size_t i = 0; i < fc_presets_count(); i++)
    if (strcmp(presets[i].name, name) == 0)
      return &presets[i];
  return NULL;
}

const char *fc_rope_type_name(fc_rope_type t)
{
  switch (t) {
  case FC_ROPE_DEFAULT: return "default";
  case FC_ROPE_LINEAR: return "linear";
  case FC_ROPE_NTK: return "ntk";
  case FC_ROPE_YARN: return "yarn";
  case FC_ROPE_LLAMA3: return "llama3";
  default: return "?";
  }
}

const char *fc_freq_mode_name(fc_freq_mode m)
{
  return m == FC_FREQ_EXACT ? "exact" : "f32";
}

/* ------------------------------------------------- float32 emulation */

/* One binary32 rounding of a binary64 value (see the header comment). */
static float f32(double x) { return (float)x; }

/* base ** e correctly rounded to binary32 (both are binary32 values). */
static float f32_pow(float base, float e)
{
  mpfr_t b, x, r;
  mpfr_inits2(24, b, x, r, (mpfr_ptr)0);
  mpfr_set_flt(b, base, MPFR_RNDN);
  mpfr_set_flt(x, e, MPFR_RNDN);
  mpfr_pow(r, b, x, MPFR_RNDN);
  const float out = mpfr_get_flt(r, MPFR_RNDN);
  mpfr_clears(b, x, r, (mpfr_ptr)0);
  return out;
}

/* HF's yarn find_correction_range in binary64, as Python computes it. */
static void yarn_range_d(double *low, double *high, size_t dim, double base,
                         const fc_rope_scaling *sc)
{
  const double ctx = (double)sc->original_ctx;
  const double lo = floor(((double)dim *
                           log(ctx / (sc->beta_fast * 2 * M_PI))) /
                          (2 * log(base)));
  const double hi = ceil(((double)dim *
                          log(ctx / (sc->beta_slow * 2 * M_PI))) /
                         (2 * log(base)));
  *low = lo > 0 ? lo : 0;
  *high = hi < (double)dim - 1 ? hi : (double)dim - 1;
}

static void freqs_f32(double *theta, size_t rd, double base,
                      const fc_rope_scaling *sc)
{
  const size_t m = rd / 2;
  double b = base;
  if (sc->type == FC_ROPE_NTK) /* Python float arithmetic */
    b = base * pow(sc->factor, (double)rd / ((double)rd - 2));
  const float b32 = f32(b), dim32 = f32((double)rd);
  const float factor32 = f32(sc->factor);
  double low = 0, high = 0;
  if (sc->type == FC_ROPE_YARN) {
    yarn_range_d(&low, &high, rd, b, sc);
    if (low == high)
      high += 0.001;
  }
  for (size_t i = 0; i < m; i++) {
    const float e = f32((double)f32((double)(2 * i)) / (double)dim32);
    const float pw = f32_pow(b32, e);
    const float inv = f32(1.0 / (double)pw);
    float out = inv;
    switch (sc->type) {
    case FC_ROPE_DEFAULT:
    case FC_ROPE_NTK:
      break;
    case FC_ROPE_LINEAR:
      out = f32((double)inv / (double)factor32);
      break;
    case FC_ROPE_YARN: {
      const float extrap = inv;
      const float interp = f32(1.0 / (double)f32((double)factor32 * pw));
      float ramp = f32((double)f32((double)i - low) / (double)f32(high - low));
      ramp = ramp < 0 ? 0 : ramp > 1 ? 1 : ramp;
      const float ef = f32(1.0 - (double)ramp);
      const float a = f32((double)interp * (double)f32(1.0 - (double)ef));
      const float c = f32((double)extrap * (double)ef);
      out = f32((double)a + (double)c);
      break;
    }
    case FC_ROPE_LLAMA3: {
      const float twopi = f32(2 * M_PI);
      const float wavelen = f32((double)f32(1.0 / (double)inv) * twopi);
      const double lw = (double)sc->original_ctx / sc->low_freq_factor;
      const double hw = (double)sc->original_ctx / sc->high_freq_factor;
      float il = (double)wavelen > lw ? f32((double)inv / (double)factor32)
                                      : inv;
      /* smooth = (ctx / wavelen - low) / (high - low), tensor ops */
      const float r = f32((double)f32(1.0 / (double)wavelen) *
                          (double)f32((double)sc->original_ctx));
      const float sm = f32((double)f32((double)r -
                                       (double)f32(sc->low_freq_factor)) /
                           (double)f32(sc->high_freq_factor -
                                       sc->low_freq_factor));
      const float t1 = f32((double)f32(1.0 - (double)sm) * (double)il);
      const float t2 = f32((double)t1 / (double)factor32);
      const float t3 = f32((double)sm * (double)il);
      const float smoothed = f32((double)t2 + (double)t3);
      const int medium = !((double)wavelen < hw) && !((double)wavelen > lw);
      out = medium ? smoothed : il;
      break;
    }
    }
    theta[i] = (double)out;
  }
}

/* --------------------------------------------------------- exact mode */

/* The exact real value of theta_i at working precision `prec` (relative
 * error a few 2^-prec, the comparisons made at that precision). */
static void theta_exact(mpfr_t out, size_t i, size_t rd, double base,
                        const fc_rope_scaling *sc, mpfr_prec_t prec)
{
  mpfr_t lb, e, t0, pi2, w, s, a, lo, hi, tmp;
  mpfr_inits2(prec, lb, e, t0, pi2, w, s, a, lo, hi, tmp, (mpfr_ptr)0);
  /* log of the base, with ntk's change of base. */
  mpfr_set_d(lb, base, MPFR_RNDN);
  mpfr_log(lb, lb, MPFR_RNDN);
  if (sc->type == FC_ROPE_NTK) { /* log(base * factor^(rd/(rd-2))) */
    mpfr_set_d(tmp, sc->factor, MPFR_RNDN);
    mpfr_log(tmp, tmp, MPFR_RNDN);
    mpfr_mul_ui(tmp, tmp, (unsigned long)rd, MPFR_RNDN);
    mpfr_div_ui(tmp, tmp, (unsigned long)(rd - 2), MPFR_RNDN);
    mpfr_add(lb, lb, tmp, MPFR_RNDN);
  }
  /* theta0 = exp(-(2i/rd) log base) */
  mpfr_set_ui(e, (unsigned long)(2 * i), MPFR_RNDN);
  mpfr_div_ui(e, e, (unsigned long)rd, MPFR_RNDN);
  mpfr_mul(t0, e, lb, MPFR_RNDN);
  mpfr_neg(t0, t0, MPFR_RNDN);
  mpfr_exp(t0, t0, MPFR_RNDN);
  mpfr_set(out, t0, MPFR_RNDN);
  switch (sc->type) {
  case FC_ROPE_DEFAULT:
  case FC_ROPE_NTK:
    break;
  case FC_ROPE_LINEAR:
    mpfr_div_d(out, t0, sc->factor, MPFR_RNDN);
    break;
  case FC_ROPE_YARN: {
    /* find_correction_dim(r) = rd ln(ctx / (r 2 pi)) / (2 ln base) */
    const double betas[2] = {sc->beta_fast, sc->beta_slow};
    mpfr_ptr lims[2] = {lo, hi};
    mpfr_const_pi(pi2, MPFR_RNDN);
    mpfr_mul_2ui(pi2, pi2, 1, MPFR_RNDN);
    for (int k = 0; k < 2; k++) {
      mpfr_mul_d(tmp, pi2, betas[k], MPFR_RNDN);
      mpfr_ui_div(tmp, (unsigned long)sc->original_ctx, tmp, MPFR_RNDN);
      mpfr_log(tmp, tmp, MPFR_RNDN);
      mpfr_mul_ui(tmp, tmp, (unsigned long)rd, MPFR_RNDN);
      mpfr_div(tmp, tmp, lb, MPFR_RNDN);
      mpfr_div_2ui(lims[k], tmp, 1, MPFR_RNDN);
    }
    mpfr_floor(lo, lo);
    mpfr_ceil(hi, hi);
    if (mpfr_sgn(lo) < 0)
      mpfr_set_zero(lo, 1);
    if (mpfr_cmp_ui(hi, (unsigned long)(rd - 1)) > 0)
      mpfr_set_ui(hi, (unsigned long)(rd - 1), MPFR_RNDN);
    if (mpfr_equal_p(lo, hi))
      mpfr_add_d(hi, hi, 0.001, MPFR_RNDN);
    /* ramp = clamp((i - lo) / (hi - lo), 0, 1); e = 1 - ramp */
    mpfr_ui_sub(s, (unsigned long)i, lo, MPFR_RNDN);
    mpfr_sub(tmp, hi, lo, MPFR_RNDN);
    mpfr_div(s, s, tmp, MPFR_RNDN);
    if (mpfr_sgn(s) < 0)
      mpfr_set_zero(s, 1);
    if (mpfr_cmp_ui(s, 1) > 0)
      mpfr_set_ui(s, 1, MPFR_RNDN);
    /* inv = (t0/f) ramp + t0 (1 - ramp) */
    mpfr_div_d(a, t0, sc->factor, MPFR_RNDN);
    mpfr_mul(a, a, s, MPFR_RNDN);
    mpfr_ui_sub(tmp, 1, s, MPFR_RNDN);
    mpfr_mul(tmp, tmp, t0, MPFR_RNDN);
    mpfr_add(out, a, tmp, MPFR_RNDN);
    break;
  }
  case FC_ROPE_LLAMA3: {
    /* wavelen = 2 pi / t0, compared with ctx/low and ctx/high exactly */
    mpfr_const_pi(pi2, MPFR_RNDN);
    mpfr_mul_2ui(pi2, pi2, 1, MPFR_RNDN);
    mpfr_div(w, pi2, t0, MPFR_RNDN);
    mpfr_set_si(lo, sc->original_ctx, MPFR_RNDN);
    mpfr_div_d(lo, lo, sc->low_freq_factor, MPFR_RNDN);  /* low band */
    mpfr_set_si(hi, sc->original_ctx, MPFR_RNDN);
    mpfr_div_d(hi, hi, sc->high_freq_factor, MPFR_RNDN); /* high band */
    if (mpfr_cmp(w, hi) < 0) {
      mpfr_set(out, t0, MPFR_RNDN);
    } else if (mpfr_cmp(w, lo) > 0) {
      mpfr_div_d(out, t0, sc->factor, MPFR_RNDN);
    } else {
      mpfr_si_div(s, sc->original_ctx, w, MPFR_RNDN);
      mpfr_sub_d(s, s, sc->low_freq_factor, MPFR_RNDN);
      mpfr_div_d(s, s, sc->high_freq_factor - sc->low_freq_factor,
                 MPFR_RNDN);
      mpfr_ui_sub(a, 1, s, MPFR_RNDN);
      mpfr_mul(a, a, t0, MPFR_RNDN);
      mpfr_div_d(a, a, sc->factor, MPFR_RNDN);
      mpfr_mul(tmp, s, t0, MPFR_RNDN);
      mpfr_add(out, a, tmp, MPFR_RNDN);
    }
    break;
  }
  }
  mpfr_clears(lb, e, t0, pi2, w, s, a, lo, hi, tmp, (mpfr_ptr)0);
}

/* Ziv's strategy: the value at precisions q and q + 64 must round to the
 * same double; q grows 128, 256, 512, 1024.  If they never agree (an
 * exact midpoint, impossible for these transcendental values, or a value
 * within 2^-1000 of one) the last rounding is kept. */
static double theta_exact_d(size_t i, size_t rd, double base,
                            const fc_rope_scaling *sc)
{
  double d2 = 0;
  for (mpfr_prec_t q = 128; q <= 1024; q *= 2) {
    mpfr_t v1, v2;
    mpfr_init2(v1, q);
    mpfr_init2(v2, q + 64);
    theta_exact(v1, i, rd, base, sc, q);
    theta_exact(v2, i, rd, base, sc, q + 64);
    const double d1 = mpfr_get_d(v1, MPFR_RNDN);
    d2 = mpfr_get_d(v2, MPFR_RNDN);
    mpfr_clear(v1);
    mpfr_clear(v2);
    if (d1 == d2)
      break;
  }
  return d2;
}

/* ------------------------------------------------------------ public */

static int check_scaling(const fc_rope_scaling *sc, size_t rd, double base,
                         fc_error *err)
{
  switch (sc->type) {
  case FC_ROPE_DEFAULT:
    return FC_OK;
  case FC_ROPE_LINEAR:
  case FC_ROPE_NTK:
  case FC_ROPE_YARN:
  case FC_ROPE_LLAMA3:
    break;
  default:
    return fc_error_set(err, FC_EINVAL, "unknown rope scaling type %d",
                        (int)sc->type);
  }
  if (!(sc->factor > 0) || !isfinite(sc->factor))
    return fc_error_set(err, FC_EINVAL,
                        "%s scaling factor must be a finite number > 0, "
                        "got %g", fc_rope_type_name(sc->type), sc->factor);
  if (sc->type == FC_ROPE_NTK && rd < 4)
    return fc_error_set(err, FC_EINVAL,
                        "ntk scaling needs rotary dimension >= 4 (it uses "
                        "dim / (dim - 2)), got %zu", rd);
  if (sc->type == FC_ROPE_YARN) {
    if (sc->original_ctx < 1 || !(sc->beta_fast > 0) || !(sc->beta_slow > 0)
        || !isfinite(sc->beta_fast) || !isfinite(sc->beta_slow))
      return fc_error_set(err, FC_EINVAL,
                          "yarn needs an original context >= 1 and betas "
                          "> 0");
    if (base == 1)
      return fc_error_set(err, FC_EINVAL,
                          "yarn needs base != 1 (it divides by log(base))");
  }
  if (sc->type == FC_ROPE_LLAMA3
      && (sc->original_ctx < 1 || !(sc->low_freq_factor > 0)
          || !(sc->high_freq_factor > sc->low_freq_factor)
          || !isfinite(sc->high_freq_factor)))
    return fc_error_set(err, FC_EINVAL,
                        "llama3 scaling needs original context >= 1 and "
                        "0 < low_freq_factor < high_freq_factor");
  return FC_OK;
}

int fc_rope_frequencies(double *theta, size_t rotary_dim, double base,
                        const fc_rope_scaling *scaling, fc_freq_mode mode,
                        fc_error *err)
{
  static const fc_rope_scaling none = {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0};
  if (theta == NULL)
    return fc_error_set(err, FC_EINVAL, "no output array");
  if (rotary_dim < 2 || rotary_dim % 2 != 0)
    return fc_error_set(err, FC_EINVAL,
                        "rotary dimension must be even and >= 2, got %zu",
                        rotary_dim);
  if (rotary_dim > 1u << 20)
    return fc_error_set(err, FC_EINVAL, "rotary dimension %zu too large",
                        rotary_dim);
  if (!(base > 0) || !isfinite(base))
    return fc_error_set(err, FC_EINVAL,
                        "base must be a finite number > 0, got %g", base);
  if (mode == FC_FREQ_F32 && !((float)base > 0 && isfinite((float)base)))
    return fc_error_set(err, FC_EINVAL,
                        "base %g is not representable in float32", base);
  const fc_rope_scaling *sc = scaling ? scaling : &none;
  int rc = check_scaling(sc, rotary_dim, base, err);
  if (rc)
    return rc;
  if (mode == FC_FREQ_F32) {
    freqs_f32(theta, rotary_dim, base, sc);
  } else {
    for (size_t i = 0; i < rotary_dim / 2; i++)
      theta[i] = theta_exact_d(i, rotary_dim, base, sc);
  }
  for (size_t i = 0; i < rotary_dim / 2; i++)
    if (!isfinite(theta[i]))
      return fc_error_set(err, FC_ERANGE,
                          "frequency %zu is not finite (base %g)", i, base);
  return FC_OK;
}

void fc_schedule_buf_zero(fc_schedule_buf *b)
{
  if (b)
    memset(b, 0, sizeof *b);
}

void fc_schedule_buf_clear(fc_schedule_buf *b)
{
  if (b == NULL)
    return;
  free(b->theta);
  memset(b, 0, sizeof *b);
}

/* Allocate theta (zeros) and fill the schedule's shape. */
static int buf_alloc(fc_schedule_buf *b, size_t d, size_t rd, fc_layout lay,
                     fc_error *err)
{
  if (d < 2 || d % 2 != 0)
    return fc_error_set(err, FC_EINVAL,
                        "head dimension must be even and >= 2, got %zu", d);
  if (d > (size_t)1 << 16)
    return fc_error_set(err, FC_EINVAL,
                        "head dimension %zu is too large (at most 65536)", d);
  if (rd % 2 != 0 || rd > d)
    return fc_error_set(err, FC_EINVAL,
                        "rotary dimension must be even and <= the head "
                        "dimension %zu, got %zu", d, rd);
  if (lay != FC_LAYOUT_INTERLEAVED && lay != FC_LAYOUT_HALF)
    return fc_error_set(err, FC_EINVAL, "unknown layout %d", (int)lay);
  double *t = calloc(d / 2, sizeof *t);
  if (t == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  free(b->theta);
  b->theta = t;
  b->s.d = d;
  b->s.rotary_dim = rd;
  b->s.layout = lay;
  b->s.theta = t;
  return FC_OK;
}

int fc_preset_schedule(fc_schedule_buf *b, const fc_preset *p,
                       fc_freq_mode mode, fc_error *err)
{
  if (b == NULL || p == NULL)
    return fc_error_set(err, FC_EINVAL, "no schedule or preset");
  if (mode != FC_FREQ_F32 && mode != FC_FREQ_EXACT)
    return fc_error_set(err, FC_EINVAL, "unknown frequency mode %d",
                        (int)mode);
  int rc = buf_alloc(b, p->d, p->rotary_dim, p->layout, err);
  if (rc)
    return rc;
  if (p->rotary_dim > 0) {
    rc = fc_rope_frequencies(b->theta, p->rotary_dim, p->base, &p->scaling,
                             mode, err);
    if (rc)
      return rc;
  }
  b->cfg = *p;
  b->mode = mode;
  b->from_config = 1;
  snprintf(b->name, sizeof b->name, "%s", p->name ? p->name : "custom");
  return FC_OK;
}

/* ------------------------------------------------------------ parsing */

static int parse_double(double *out, const char *s, size_t n,
                        const char *what, fc_error *err)
{
  char buf[96];
  if (n == 0 || n >= sizeof buf)
    return fc_error_set(err, FC_EINVAL, "%s: expected a number, got '%.*s'",
                        what, (int)(n < 60 ? n : 60), s);
  memcpy(buf, s, n);
  buf[n] = 0;
  char *end;
  errno = 0;
  const double v = strtod(buf, &end);
  if (end == buf || *end != 0 || errno == ERANGE || isnan(v))
    return fc_error_set(err, FC_EINVAL, "%s: expected a number, got '%s'",
                        what, buf);
  *out = v;
  return FC_OK;
}

static int parse_size(size_t *out, const char *s, size_t n, const char *what,
                      fc_error *err)
{
  double v;
  int rc = parse_double(&v, s, n, what, err);
  if (rc)
    return rc;
  if (!(v >= 0) || v != floor(v) || v > 1e9)
    return fc_error_set(err, FC_EINVAL,
                        "%s must be a non-negative integer, got '%.*s'", what,
                        (int)n, s);
  *out = (size_t)v;
  return FC_OK;
}

static int parse_layout(fc_layout *out, const char *s, size_t n,
                        fc_error *err)
{
  if (n == 4 && strncmp(s, "half", 4) == 0)
    *out = FC_LAYOUT_HALF;
  else if (n == 11 && strncmp(s, "interleaved", 11) == 0)
    *out = FC_LAYOUT_INTERLEAVED;
  else
    return fc_error_set(err, FC_EINVAL,
                        "layout must be 'half' or 'interleaved', got '%.*s'",
                        (int)n, s);
  return FC_OK;
}

/* One transform "ntk=F", "linear=F", "yarn=F[:ORIG]" into sc. */
static int parse_transform(fc_rope_scaling *sc, long dflt_ctx, const char *s,
                           size_t n, fc_error *err)
{
  const char *eq = memchr(s, '=', n);
  if (eq == NULL)
    return fc_error_set(err, FC_EINVAL,
                        "transform '%.*s': expected ntk=F, linear=F or "
                        "yarn=F[:ORIG]", (int)n, s);
  const size_t kn = (size_t)(eq - s);
  const char *v = eq + 1;
  size_t vn = n - kn - 1;
  fc_rope_scaling t = {FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0};
  if (kn == 3 && strncmp(s, "ntk", 3) == 0)
    t.type = FC_ROPE_NTK;
  else if (kn == 6 && strncmp(s, "linear", 6) == 0)
    t.type = FC_ROPE_LINEAR;
  else if (kn == 4 && strncmp(s, "yarn", 4) == 0) {
    t.type = FC_ROPE_YARN;
    t.beta_fast = 32;
    t.beta_slow = 1;
    t.original_ctx = dflt_ctx;
    const char *colon = memchr(v, ':', vn);
    if (colon) {
      size_t ctx;
      int rc = parse_size(&ctx, colon + 1, vn - (size_t)(colon - v) - 1,
                          "yarn original context", err);
      if (rc)
        return rc;
      t.original_ctx = (long)ctx;
      vn = (size_t)(colon - v);
    }
  } else
    return fc_error_set(err, FC_EINVAL,
                        "unknown transform '%.*s' (ntk, linear, yarn)",
                        (int)kn, s);
  int rc = parse_double(&t.factor, v, vn, "transform factor", err);
  if (rc)
    return rc;
  if (!(t.factor > 0) || !isfinite(t.factor))
    return fc_error_set(err, FC_EINVAL,
                        "transform factor must be > 0, got %g", t.factor);
  if (t.type == FC_ROPE_YARN && t.original_ctx < 1)
    return fc_error_set(err, FC_EINVAL,
                        "yarn needs an original context: yarn=F:ORIG");
  *sc = t;
  return FC_OK;
}

/* Split "body+tr1+tr2" at each '+' followed by a letter (a '+' inside a
 * number, as in 1e+4, is followed by a digit). */
static const char *next_plus(const char *s, const char *end)
{
  for (const char *q = s; q < end; q++)
    if (*q == '+' && q + 1 < end && isalpha((unsigned char)q[1]))
      return q;
  return end;
}

/* key=value list of a custom spec (geom: or theta:).  Numbers without
 * '=' are explicit frequencies (theta: only). */
static int parse_custom(fc_schedule_buf *b, const char *body,
                        const char *bend, int explicit_theta,
                        fc_rope_scaling *sc, fc_freq_mode mode,
                        fc_error *err)
{
  size_t d = 0, rd = 0, nth = 0;
  int have_d = 0, have_rd = 0, have_base = 0;
  double base = 0;
  fc_layout lay = FC_LAYOUT_HALF;
  double *th = NULL;
  size_t cap = 0;
  int rc = FC_OK;
  const char *q = body;
  while (q < bend && rc == FC_OK) {
    const char *comma = memchr(q, ',', (size_t)(bend - q));
    const char *e = comma ? comma : bend;
    const char *eq = memchr(q, '=', (size_t)(e - q));
    if (eq == NULL) {
      if (!explicit_theta) {
        rc = fc_error_set(err, FC_EINVAL,
                          "geom: expected key=value, got '%.*s'",
                          (int)(e - q), q);
        break;
      }
      if (nth == cap) {
        cap = cap ? 2 * cap : 16;
        double *nt = realloc(th, cap * sizeof *nt);
        if (nt == NULL) {
          rc = fc_error_set(err, FC_ENOMEM, "out of memory");
          break;
        }
        th = nt;
      }
      rc = parse_double(&th[nth], q, (size_t)(e - q), "frequency", err);
      if (rc == FC_OK && !isfinite(th[nth]))
        rc = fc_error_set(err, FC_EINVAL, "frequencies must be finite");
      nth++;
    } else {
      const size_t kn = (size_t)(eq - q), vn = (size_t)(e - eq - 1);
      if (kn == 1 && *q == 'd') {
        rc = parse_size(&d, eq + 1, vn, "d", err);
        have_d = 1;
      } else if (kn == 6 && strncmp(q, "rotary", 6) == 0) {
        rc = parse_size(&rd, eq + 1, vn, "rotary", err);
        have_rd = 1;
      } else if (kn == 4 && strncmp(q, "base", 4) == 0) {
        rc = parse_double(&base, eq + 1, vn, "base", err);
        have_base = 1;
      } else if (kn == 6 && strncmp(q, "layout", 6) == 0) {
        rc = parse_layout(&lay, eq + 1, vn, err);
      } else {
        rc = fc_error_set(err, FC_EINVAL,
                          "unknown key '%.*s' (d, rotary, base, layout)",
                          (int)kn, q);
      }
    }
    q = comma ? comma + 1 : bend;
  }
  if (rc == FC_OK && explicit_theta) {
    if (nth == 0)
      rc = fc_error_set(err, FC_EINVAL, "theta: give at least one frequency");
    else if (have_base || sc->type != FC_ROPE_DEFAULT)
      rc = fc_error_set(err, FC_EINVAL,
                        "theta: explicit frequencies take no base or "
                        "transform");
    if (rc == FC_OK) {
      if (!have_d)
        d = 2 * nth;
      if (!have_rd)
        rd = 2 * nth;
      if (d % 2 != 0)
        rc = fc_error_set(err, FC_EINVAL,
                          "head dimension must be even and >= 2, got %zu",
                          d);
      else if (rd != 2 * nth)
        rc = fc_error_set(err, FC_EINVAL,
                          "rotary=%zu but %zu frequencies given (rotary must "
                          "be twice the count)", rd, nth);
      else if (rd > d)
        rc = fc_error_set(err, FC_EINVAL,
                          "%zu frequencies need a head dimension >= %zu, "
                          "got %zu", nth, rd, d);
    }
    if (rc == FC_OK)
      rc = buf_alloc(b, d, rd, lay, err);
    if (rc == FC_OK) {
      memcpy(b->theta, th, nth * sizeof *th);
      b->from_config = 0;
      b->mode = FC_FREQ_EXACT;
    }
  } else if (rc == FC_OK) {
    if (!have_d)
      rc = fc_error_set(err, FC_EINVAL, "geom: needs d=D");
    else if (!have_base)
      rc = fc_error_set(err, FC_EINVAL, "geom: needs base=B");
    else if (d < 2 || d % 2 != 0)
      rc = fc_error_set(err, FC_EINVAL,
                        "head dimension must be even and >= 2, got %zu", d);
    else if (!(base > 0) || !isfinite(base))
      rc = fc_error_set(err, FC_EINVAL,
                        "base must be a finite number > 0, got %g", base);
    if (rc == FC_OK) {
      fc_preset p = {"geom", "custom", "command line", d, have_rd ? rd : d,
                     lay, base, 0, *sc};
      rc = fc_preset_schedule(b, &p, mode, err);
      if (rc == FC_OK)
        b->cfg.name = NULL; /* the spec string is in b->name */
    }
  }
  free(th);
  return rc;
}

int fc_schedule_parse(fc_schedule_buf *b, const char *spec, fc_error *err)
{
  if (b == NULL || spec == NULL)
    return fc_error_set(err, FC_EINVAL, "no schedule given");
  const size_t len = strlen(spec);
  if (len == 0)
    return fc_error_set(err, FC_EINVAL, "empty schedule name");
  if (len >= 4096)
    return fc_error_set(err, FC_EINVAL, "schedule spec too long");
  const char *end = spec + len;
  fc_freq_mode mode = FC_FREQ_F32;
  const char *at = strrchr(spec, '@');
  if (at) {
    if (strcmp(at, "@f32") == 0)
      mode = FC_FREQ_F32;
    else if (strcmp(at, "@exact") == 0)
      mode = FC_FREQ_EXACT;
    else
      return fc_error_set(err, FC_EINVAL,
                          "unknown frequency mode '%s' (@f32 or @exact)", at);
    end = at;
  }
  const char *body_end = next_plus(spec, end);
  int explicit_theta = 0, custom = 0;
  const char *body = spec;
  if ((size_t)(body_end - spec) >= 6 && strncmp(spec, "theta:", 6) == 0) {
    explicit_theta = custom = 1;
    body = spec + 6;
  } else if ((size_t)(body_end - spec) >= 5 && strncmp(spec, "geom:", 5) == 0) {
    custom = 1;
    body = spec + 5;
  }
  const fc_preset *p = NULL;
  if (!custom) {
    char name[64];
    const size_t n = (size_t)(body_end - spec);
    if (n == 0 || n >= sizeof name)
      return fc_error_set(err, FC_ENOTFOUND,
                          "unknown schedule '%.*s' (see 'foldcheck "
                          "schedules' for the presets)", (int)(n < 60 ? n : 60),
                          spec);
    memcpy(name, spec, n);
    name[n] = 0;
    p = fc_presets_find(name);
    if (p == NULL)
      return fc_error_set(err, FC_ENOTFOUND,
                          "unknown schedule '%s' (see 'foldcheck schedules' "
                          "for the presets, or use geom:d=D,base=B or "
                          "theta:T1,T2,...)", name);
  }
  fc_rope_scaling sc = p ? p->scaling
                         : (fc_rope_scaling){FC_ROPE_DEFAULT, 0, 0, 0, 0, 0, 0};
  for (const char *q = body_end; q < end;) {
    const char *nx = next_plus(q + 1, end);
    int rc = parse_transform(&sc, p ? p->max_pos : 0, q + 1,
                             (size_t)(nx - q - 1), err);
    if (rc)
      return rc;
    q = nx;
  }
  int rc;
  if (custom) {
    if (explicit_theta && at)
      return fc_error_set(err, FC_EINVAL,
                          "theta: frequencies are exact doubles; no @mode");
    rc = parse_custom(b, body, body_end, explicit_theta, &sc, mode, err);
  } else {
    fc_preset q = *p;
    q.scaling = sc;
    rc = fc_preset_schedule(b, &q, mode, err);
  }
  if (rc == FC_OK)
    snprintf(b->name, sizeof b->name, "%.*s", (int)(end - spec), spec);
  return rc;
}

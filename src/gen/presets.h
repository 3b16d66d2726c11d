/* presets.h -- RoPE schedules of public models, by name (issue 3).
 *
 * Each preset carries the configuration figures of a public model (cited in
 * presets.c next to each entry) and its frequencies are computed the way the
 * reference implementation computes them: Hugging Face transformers'
 * modeling_rope_utils.py (`_compute_default_rope_parameters`,
 * `_compute_llama3_parameters`, `_compute_ntk_parameters`,
 * `_compute_yarn_parameters`, `_compute_linear_scaling_rope_parameters`).
 *
 * Precision of the frequencies.  HF computes inv_freq in float32, so the
 * frequencies a deployed model runs with are float32 numbers.  Presets
 * offer both:
 *   FC_FREQ_F32   (default): the float32 values of HF's pipeline, every
 *                 tensor operation emulated as one IEEE binary32 rounding
 *                 (MPFR at 24 bits, round to nearest), in HF's operation
 *                 order.  Caveat: torch's vectorised powf (SLEEF, 1 ulp)
 *                 is not correctly rounded; we round base^e correctly, so
 *                 a real HF run may differ by one float ulp in a plane
 *                 where powf happens to round the other way.
 *   FC_FREQ_EXACT: the double nearest the exact real value of the same
 *                 formula (exact exponents 2i/d, exact pi, exact
 *                 comparisons), computed in MPFR and checked by
 *                 recomputation at a higher precision (Ziv's strategy).
 * Either way a schedule's theta are exact doubles from then on: the kernel
 * and the oracle see the same numbers.
 *
 * Names: "llama2", "llama3", "llama3.1", "qwen2", "mistral-v0.2", "gpt-j",
 * "gpt-neox", "pythia", "phi-2", "gemma", and the transformed examples
 * "llama2-ntk", "qwen2-yarn".  fc_schedule_parse also reads transforms and
 * custom schedules (grammar at fc_schedule_parse). */
#ifndef FC_PRESETS_H
#define FC_PRESETS_H

#include "gen/schedule.h"

typedef enum {
  FC_ROPE_DEFAULT = 0, /* theta_i = base^(-2i/rd) */
  FC_ROPE_LINEAR,      /* theta_i / factor */
  FC_ROPE_NTK,         /* base * factor^(rd/(rd-2)) ("NTK-aware") */
  FC_ROPE_YARN,        /* YaRN ramp between theta and theta/factor */
  FC_ROPE_LLAMA3       /* Llama 3.1 wavelength bands */
} fc_rope_type;

typedef enum { FC_FREQ_F32 = 0, FC_FREQ_EXACT = 1 } fc_freq_mode;

/* rope_scaling as HF's config.json spells it (fields unused by a type are
 * 0). */
typedef struct fc_rope_scaling {
  fc_rope_type type;
  double factor;
  double low_freq_factor, high_freq_factor; /* llama3 */
  long original_ctx;  /* llama3: original_max_position_embeddings;
                         yarn: the pre-scaling context HF reads from
                         max_position_embeddings */
  double beta_fast, beta_slow; /* yarn (HF defaults 32, 1) */
} fc_rope_scaling;

typedef struct fc_preset {
  const char *name;
  const char *model;    /* the public checkpoint the figures come from */
  const char *source;   /* where each figure comes from */
  size_t d;             /* head dimension */
  size_t rotary_dim;    /* rotated coordinates (partial RoPE: < d) */
  fc_layout layout;
  double base;          /* rope_theta */
  long max_pos;         /* max_position_embeddings */
  fc_rope_scaling scaling;
} fc_preset;

size_t fc_presets_count(void);
const fc_preset *fc_presets_at(size_t i);          /* NULL past the end */
const fc_preset *fc_presets_find(const char *name); /* NULL if unknown */
const char *fc_rope_type_name(fc_rope_type t);       /* "default", ... */
const char *fc_freq_mode_name(fc_freq_mode m);       /* "f32", "exact" */

/* theta[0 .. rotary_dim/2) = the rotating frequencies of a configuration.
 * rotary_dim even >= 2; base finite > 0; scaling may be NULL (default).
 * FC_EINVAL with a message for bad figures; FC_ENOMEM. */
int fc_rope_frequencies(double *theta, size_t rotary_dim, double base,
                        const fc_rope_scaling *scaling, fc_freq_mode mode,
                        fc_error *err);

/* A schedule that owns its frequencies.  s.theta points at theta. */
typedef struct fc_schedule_buf {
  fc_schedule s;
  double *theta;       /* d/2 entries, owned */
  fc_preset cfg;       /* the configuration (name: the spec it came from) */
  fc_freq_mode mode;
  int from_config;     /* 1: cfg describes how theta was computed;
                          0: explicit frequencies (theta: spec) */
  char name[128];
} fc_schedule_buf;

/* Zero-initialise (safe to clear afterwards). */
void fc_schedule_buf_zero(fc_schedule_buf *b);
void fc_schedule_buf_clear(fc_schedule_buf *b);

/* The schedule of a configuration (preset or custom). */
int fc_preset_schedule(fc_schedule_buf *b, const fc_preset *p,
                       fc_freq_mode mode, fc_error *err);

/* Parse a schedule spec:
 *   NAME[+TRANSFORM...][@f32|@exact]
 *       a preset; TRANSFORM is ntk=F, linear=F or yarn=F[:ORIG] (ORIG
 *       defaults to the preset's max_position_embeddings); replaces the
 *       preset's own rope_scaling.
 *   geom:d=D,base=B[,rotary=R][,layout=half|interleaved][+TRANSFORM][@MODE]
 *       the default law for a custom head (rotary defaults to d, layout to
 *       half).
 *   theta:T1,T2,...[,d=D][,rotary=R][,layout=half|interleaved]
 *       explicit frequencies (exact doubles as strtod reads them; C99 hex
 *       floats accepted); d defaults to twice their count, the rest fixed.
 * Clear messages for: odd or zero dimension, rotary_dim > d or odd, base
 * <= 0 / not finite, an unknown preset, malformed numbers.  FC_EINVAL,
 * FC_ENOTFOUND (unknown preset), FC_ENOMEM. */
int fc_schedule_parse(fc_schedule_buf *b, const char *spec, fc_error *err);

#endif

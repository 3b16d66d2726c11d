/* t-schedules.c -- RoPE schedules, presets, classes and the RoPE kernel
 * against independent computations (issue 3).
 *
 * Preset frequencies are recomputed here from the formulas, independently
 * of src/gen/presets.c: the float32 pipeline with MPFR at 24 bits per
 * operation (presets.c uses binary64 arithmetic rounded to float, and
 * computes the power at 24 bits directly; here the power is computed at
 * 200 bits and rounded once more), and the exact mode at 300 bits with
 * base^(2i/d) as a root of a power (presets.c uses exp/log and Ziv's
 * loop).  Both must agree bit for bit. */
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "bounds/bounds.h"
#include "gen/presets.h"
#include "gen/schedule.h"
#include "kernels/rope.h"
#include "rope.h" /* oracles/rope.h */

/* ------------------------------------------ independent frequencies */

/* One binary32 operation: a op b at 24 bits, round to nearest. */
typedef enum { ADD, SUB, MUL, DIV } op;
static float f32op(float a, op o, float b)
{
  mpfr_t x, y, r;
  mpfr_inits2(24, x, y, r, (mpfr_ptr)0);
  mpfr_set_flt(x, a, MPFR_RNDN);
  mpfr_set_flt(y, b, MPFR_RNDN);
  switch (o) {
  case ADD: mpfr_add(r, x, y, MPFR_RNDN); break;
  case SUB: mpfr_sub(r, x, y, MPFR_RNDN); break;
  case MUL: mpfr_mul(r, x, y, MPFR_RNDN); break;
  case DIV: mpfr_div(r, x, y, MPFR_RNDN); break;
  }
  float v = mpfr_get_flt(r, MPFR_RNDN);
  mpfr_clears(x, y, r, (mpfr_ptr)0);
  return v;
}

/* base ** e at 200 bits, then rounded to binary32. */
static float f32pow(float base, float e)
{
  mpfr_t b, x, r;
  mpfr_inits2(200, b, x, r, (mpfr_ptr)0);
  mpfr_set_flt(b, base, MPFR_RNDN);
  mpfr_set_flt(x, e, MPFR_RNDN);
  mpfr_pow(r, b, x, MPFR_RNDN);
  float v = mpfr_get_flt(r, MPFR_RNDN);
  mpfr_clears(b, x, r, (mpfr_ptr)0);
  return v;
}

/* HF's float32 pipeline, op by op (modeling_rope_utils.py). */
static double indep_f32(size_t i, size_t rd, double base,
                        const fc_rope_scaling *sc)
{
  double b = base;
  if (sc->type == FC_ROPE_NTK)
    b = base * pow(sc->factor, (double)rd / (double)(rd - 2));
  const float b32 = (float)b, dim = (float)rd, f = (float)sc->factor;
  const float e = f32op((float)(2 * i), DIV, dim);
  const float pw = f32pow(b32, e);
  const float inv = f32op(1.0f, DIV, pw);
  switch (sc->type) {
  case FC_ROPE_DEFAULT:
  case FC_ROPE_NTK:
    return inv;
  case FC_ROPE_LINEAR:
    return f32op(inv, DIV, f);
  case FC_ROPE_LLAMA3: {
    const float wl = f32op(f32op(1.0f, DIV, inv), MUL, (float)(2 * M_PI));
    const double lw = (double)sc->original_ctx / sc->low_freq_factor;
    const double hw = (double)sc->original_ctx / sc->high_freq_factor;
    const float il = wl > lw ? f32op(inv, DIV, f) : inv;
    const float sm = f32op(
        f32op(f32op(f32op(1.0f, DIV, wl), MUL, (float)sc->original_ctx), SUB,
              (float)sc->low_freq_factor),
        DIV, (float)(sc->high_freq_factor - sc->low_freq_factor));
    const float smoothed =
        f32op(f32op(f32op(f32op(1.0f, SUB, sm), MUL, il), DIV, f), ADD,
              f32op(sm, MUL, il));
    return (!(wl < hw) && !(wl > lw)) ? smoothed : il;
  }
  case FC_ROPE_YARN: {
    const double ctx = (double)sc->original_ctx;
    double lo = floor(rd * log(ctx / (sc->beta_fast * 2 * M_PI)) /
                      (2 * log(b)));
    double hi = ceil(rd * log(ctx / (sc->beta_slow * 2 * M_PI)) /
                     (2 * log(b)));
    lo = lo > 0 ? lo : 0;
    hi = hi < rd - 1.0 ? hi : rd - 1.0;
    if (lo == hi)
      hi += 0.001;
    float ramp = f32op(f32op((float)i, SUB, (float)lo), DIV, (float)(hi - lo));
    ramp = ramp < 0 ? 0 : ramp > 1 ? 1 : ramp;
    const float ef = f32op(1.0f, SUB, ramp);
    const float interp = f32op(1.0f, DIV, f32op(f, MUL, pw));
    return f32op(f32op(interp, MUL, f32op(1.0f, SUB, ef)), ADD,
                 f32op(inv, MUL, ef));
  }
  }
  return NAN;
}

/* The exact formula at 300 bits: theta0 = 1 / root_d'(base'^a') with
 * 2i/rd = a'/d' in lowest terms (base' = base, or the ntk base). */
static double indep_exact(size_t i, size_t rd, double base,
                          const fc_rope_scaling *sc)
{
  const mpfr_prec_t P = 300;
  mpfr_t b, t0, t, w, pi2, s, lo, hi;
  mpfr_inits2(P, b, t0, t, w, pi2, s, lo, hi, (mpfr_ptr)0);
  mpfr_set_d(b, base, MPFR_RNDN);
  if (sc->type == FC_ROPE_NTK) { /* base * factor^(rd/(rd-2)) */
    mpfr_set_d(t, sc->factor, MPFR_RNDN);
    mpfr_set_ui(w, (unsigned long)rd, MPFR_RNDN);
    mpfr_div_ui(w, w, (unsigned long)(rd - 2), MPFR_RNDN);
    mpfr_pow(t, t, w, MPFR_RNDN);
    mpfr_mul(b, b, t, MPFR_RNDN);
  }
  unsigned long a = (unsigned long)(2 * i), dd = (unsigned long)rd;
  unsigned long g = a, h = dd; /* gcd(a, dd) */
  while (h) {
    const unsigned long r = g % h;
    g = h;
    h = r;
  }
  a /= g;
  dd /= g;
  if (a == 0)
    mpfr_set_ui(t0, 1, MPFR_RNDN);
  else {
    mpfr_pow_ui(t, b, a, MPFR_RNDN);
    mpfr_rootn_ui(t, t, dd, MPFR_RNDN);
    mpfr_ui_div(t0, 1, t, MPFR_RNDN);
  }
  mpfr_const_pi(pi2, MPFR_RNDN);
  mpfr_mul_2ui(pi2, pi2, 1, MPFR_RNDN);
  double out = mpfr_get_d(t0, MPFR_RNDN);
  if (sc->type == FC_ROPE_LINEAR) {
    mpfr_div_d(t, t0, sc->factor, MPFR_RNDN);
    out = mpfr_get_d(t, MPFR_RNDN);
  } else if (sc->type == FC_ROPE_LLAMA3) {
    mpfr_div(w, pi2, t0, MPFR_RNDN); /* wavelength */
    const double lw = (double)sc->original_ctx / sc->low_freq_factor;
    const double hw = (double)sc->original_ctx / sc->high_freq_factor;
    if (mpfr_cmp_d(w, hw) < 0) {
      /* unchanged */
    } else if (mpfr_cmp_d(w, lw) > 0) {
      mpfr_div_d(t, t0, sc->factor, MPFR_RNDN);
      out = mpfr_get_d(t, MPFR_RNDN);
    } else { /* t0 (1 + (f - 1) s) / f, s = (ctx t0/(2 pi) - lf)/(hf - lf) */
      mpfr_mul_d(s, t0, (double)sc->original_ctx, MPFR_RNDN);
      mpfr_div(s, s, pi2, MPFR_RNDN);
      mpfr_sub_d(s, s, sc->low_freq_factor, MPFR_RNDN);
      mpfr_div_d(s, s, sc->high_freq_factor - sc->low_freq_factor,
                 MPFR_RNDN);
      mpfr_mul_d(t, s, sc->factor - 1, MPFR_RNDN);
      mpfr_add_ui(t, t, 1, MPFR_RNDN);
      mpfr_mul(t, t, t0, MPFR_RNDN);
      mpfr_div_d(t, t, sc->factor, MPFR_RNDN);
      out = mpfr_get_d(t, MPFR_RNDN);
    }
  } else if (sc->type == FC_ROPE_YARN) {
    /* ramp over the frequency index; theta = t0 (1 - r (1 - 1/f)) */
    const double betas[2] = {sc->beta_fast, sc->beta_slow};
    mpfr_ptr lims[2] = {lo, hi};
    mpfr_log(w, b, MPFR_RNDN);
    for (int k = 0; k < 2; k++) {
      mpfr_set_si(t, sc->original_ctx, MPFR_RNDN);
      mpfr_div(t, t, pi2, MPFR_RNDN);
      mpfr_div_d(t, t, betas[k], MPFR_RNDN);
      mpfr_log(t, t, MPFR_RNDN);
      mpfr_mul_ui(t, t, (unsigned long)rd, MPFR_RNDN);
      mpfr_div(t, t, w, MPFR_RNDN);
      mpfr_div_ui(lims[k], t, 2, MPFR_RNDN);
    }
    mpfr_floor(lo, lo);
    mpfr_ceil(hi, hi);
    if (mpfr_sgn(lo) < 0)
      mpfr_set_ui(lo, 0, MPFR_RNDN);
    if (mpfr_cmp_ui(hi, (unsigned long)rd - 1) > 0)
      mpfr_set_ui(hi, (unsigned long)rd - 1, MPFR_RNDN);
    if (mpfr_equal_p(lo, hi))
      mpfr_add_d(hi, hi, 0.001, MPFR_RNDN);
    mpfr_ui_sub(s, (unsigned long)i, lo, MPFR_RNDN);
    mpfr_sub(t, hi, lo, MPFR_RNDN);
    mpfr_div(s, s, t, MPFR_RNDN);
    if (mpfr_sgn(s) < 0)
      mpfr_set_ui(s, 0, MPFR_RNDN);
    if (mpfr_cmp_ui(s, 1) > 0)
      mpfr_set_ui(s, 1, MPFR_RNDN);
    mpfr_set_d(t, 1.0 / sc->factor, MPFR_RNDN); /* exact for f = 4, 8 */
    mpfr_ui_sub(t, 1, t, MPFR_RNDN);
    mpfr_mul(t, t, s, MPFR_RNDN);
    mpfr_ui_sub(t, 1, t, MPFR_RNDN);
    mpfr_mul(t, t, t0, MPFR_RNDN);
    out = mpfr_get_d(t, MPFR_RNDN);
  }
  mpfr_clears(b, t0, t, w, pi2, s, lo, hi, (mpfr_ptr)0);
  return out;
}

static void test_presets(void)
{
  for (size_t k = 0; k < fc_presets_count(); k++) {
    const fc_preset *p = fc_presets_at(k);
    for (int mode = 0; mode < 2; mode++) {
      fc_schedule_buf b;
      fc_schedule_buf_zero(&b);
      fc_error err = {0, ""};
      int rc = fc_preset_schedule(&b, p, (fc_freq_mode)mode, &err);
      if (!fct_ok(rc == FC_OK, "preset %s (%s) builds%s%s", p->name,
                  fc_freq_mode_name((fc_freq_mode)mode), rc ? ": " : "",
                  err.msg))
        continue;
      size_t bad = 0, badi = 0;
      double got = 0, want = 0;
      for (size_t i = 0; i < p->rotary_dim / 2; i++) {
        const double w = mode == FC_FREQ_F32
                             ? indep_f32(i, p->rotary_dim, p->base,
                                         &p->scaling)
                             : indep_exact(i, p->rotary_dim, p->base,
                                           &p->scaling);
        if (w != b.theta[i] && bad++ == 0) {
          badi = i;
          got = b.theta[i];
          want = w;
        }
      }
      int fixed_zero = 1;
      for (size_t i = p->rotary_dim / 2; i < p->d / 2; i++)
        fixed_zero &= b.theta[i] == 0;
      fct_ok(bad == 0 && fixed_zero && b.s.d == p->d
                 && b.s.rotary_dim == p->rotary_dim,
             "preset %s (%s): %zu frequencies match the independent "
             "computation bit for bit%s", p->name,
             fc_freq_mode_name((fc_freq_mode)mode), p->rotary_dim / 2,
             bad ? " -- MISMATCH" : "");
      if (bad)
        fct_diag("first mismatch at plane %zu: %a vs %a (%zu planes differ)",
                 badi, got, want, bad);
      fc_schedule_buf_clear(&b);
    }
  }
  /* Anchors that need no computation: theta_0 = 1, and gpt-neox's plane 6
   * (2i/d = 1/2): 1e4^(-1/2) = 1/100 (float32: the float nearest 0.01). */
  fc_schedule_buf b;
  fc_schedule_buf_zero(&b);
  fc_error err = {0, ""};
  fct_ok(fc_schedule_parse(&b, "gpt-neox", &err) == FC_OK
             && b.theta[0] == 1 && b.theta[6] == (double)0.01f
             && b.s.rotary_dim == 24 && b.s.d == 96,
         "gpt-neox: theta_0 = 1, theta_6 = (float)0.01, rotary 24 of 96");
  fct_ok(fc_schedule_parse(&b, "gpt-neox@exact", &err) == FC_OK
             && b.theta[6] == 0.01,
         "gpt-neox@exact: theta_6 = 0.01 (the double nearest)");
  fct_ok(fc_schedule_parse(&b, "phi-2", &err) == FC_OK && b.s.d == 80
             && b.s.rotary_dim == 32 && b.s.layout == FC_LAYOUT_HALF,
         "phi-2: partial rotary 32 of 80 (factor 0.4), rotate_half");
  fct_ok(fc_schedule_parse(&b, "gpt-j", &err) == FC_OK && b.s.d == 256
             && b.s.rotary_dim == 64 && b.s.layout == FC_LAYOUT_INTERLEAVED,
         "gpt-j: rotary 64 of 256, interleaved");
  /* llama3.1 against llama3: high frequencies unchanged, low ones / 8. */
  fc_schedule_buf b3;
  fc_schedule_buf_zero(&b3);
  int ok = fc_schedule_parse(&b, "llama3.1", &err) == FC_OK
           && fc_schedule_parse(&b3, "llama3", &err) == FC_OK;
  size_t same = 0, eighth = 0, mid = 0;
  for (size_t i = 0; ok && i < 64; i++) {
    const double wl = 2 * M_PI / b3.theta[i];
    if (wl < 2048)
      same += b.theta[i] == b3.theta[i];
    else if (wl > 8192)
      eighth += b.theta[i] == b3.theta[i] / 8;
    else
      mid += b.theta[i] > b3.theta[i] / 8 && b.theta[i] <= b3.theta[i];
    if (i > 0 && !(b.theta[i] < b.theta[i - 1]))
      ok = 0;
  }
  fct_ok(ok && same + eighth + mid == 64,
         "llama3.1: %zu planes unchanged, %zu divided by 8, %zu smoothed; "
         "strictly decreasing", same, eighth, mid);
  fc_schedule_buf_clear(&b3);
  /* Transforms and custom schedules. */
  ok = fc_schedule_parse(&b, "llama2+ntk=4@exact", &err) == FC_OK;
  const double want_ntk = indep_exact(
      1, 128, 1e4, &(fc_rope_scaling){FC_ROPE_NTK, 4, 0, 0, 0, 0, 0});
  fct_ok(ok && b.theta[1] == want_ntk, "llama2+ntk=4@exact: theta_1 %a",
         b.theta[1]);
  ok = fc_schedule_parse(&b, "geom:d=10,base=100,rotary=6,layout=interleaved",
                         &err) == FC_OK;
  fct_ok(ok && b.s.d == 10 && b.s.rotary_dim == 6 && b.theta[3] == 0
             && b.theta[4] == 0 && b.theta[1] == (double)f32op(1.0f, DIV, f32pow(100, f32op(2, DIV, 6))),
         "geom: odd rotary fraction 3/5 (6 of 10), fixed planes are 0");
  ok = fc_schedule_parse(&b, "theta:0x1p-1,1e+0,-1", &err) == FC_OK;
  fct_ok(ok && b.s.d == 6 && b.theta[0] == 0.5 && b.theta[1] == 1
             && b.theta[2] == -1,
         "theta: explicit frequencies (hex and 1e+0 accepted)");
  ok = fc_schedule_parse(&b, "theta:2,d=2", &err) == FC_OK;
  fct_ok(ok && b.s.d == 2, "head dimension 2");
  fc_schedule_buf_clear(&b);
}

/* Bad input: a clear error, never a crash. */
static void test_bad_input(void)
{
  static const struct {
    const char *spec, *needle;
  } bad[] = {
      {"geom:d=127,base=1e4", "even"},
      {"geom:d=0,base=1e4", "even"},
      {"geom:d=128,base=-5", "base must be"},
      {"geom:d=128,base=0", "base must be"},
      {"geom:d=128,base=inf", "base must be"},
      {"llama9", "unknown schedule 'llama9'"},
      {"", "empty"},
      {"llama2+ntk=-1", "factor"},
      {"llama2+warp=2", "unknown transform"},
      {"llama2@f16", "frequency mode"},
      {"geom:d=8,base=10,rotary=3", "rotary"},
      {"geom:d=8,base=10,rotary=10", "rotary"},
      {"theta:1,2,d=3", "even"},
      {"theta:1,x", "number"},
      {"geom:d=2,base=10+ntk=2", "ntk"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    fc_schedule_buf b;
    fc_schedule_buf_zero(&b);
    fc_error err = {0, ""};
    int rc = fc_schedule_parse(&b, bad[k].spec, &err);
    fct_ok(rc != FC_OK && strstr(err.msg, bad[k].needle) != NULL,
           "bad schedule '%s': %s", bad[k].spec, err.msg);
    fc_schedule_buf_clear(&b);
  }
  /* A malformed schedule struct is refused by the checker and the oracle. */
  double th[2] = {1, 2};
  fc_schedule s = {3, 2, FC_LAYOUT_HALF, th};
  fc_error err = {0, ""};
  fct_ok(fc_schedule_check(&s, &err) == FC_EINVAL && strstr(err.msg, "even"),
         "odd head dimension refused: %s", err.msg);
  fc_schedule s2 = {4, 2, FC_LAYOUT_HALF, th};
  fct_ok(fc_schedule_check(&s2, &err) == FC_EINVAL,
         "a fixed plane with nonzero frequency refused: %s", err.msg);
  unsigned char rel[4];
  fct_ok(fc_mp_rope_relations(rel, &s, NULL, 0) == FC_EINVAL,
         "the oracle refuses a malformed schedule");
}

/* Planes cover every coordinate once, in both layouts, with fixed planes. */
static void test_planes(void)
{
  double th[8] = {0};
  int ok = 1;
  for (size_t d = 2; d <= 16; d += 2)
    for (size_t rd = 0; rd <= d; rd += 2)
      for (int lay = 0; lay < 2; lay++) {
        fc_schedule s = {d, rd, (fc_layout)lay, th};
        int seen[16] = {0};
        for (size_t i = 0; i < d / 2; i++) {
          size_t a, b;
          fc_schedule_plane(&a, &b, &s, i);
          if (a >= d || b >= d) {
            ok = 0;
            continue;
          }
          seen[a]++;
          seen[b]++;
          if (i < rd / 2)
            ok &= lay ? (a == i && b == i + rd / 2)
                      : (a == 2 * i && b == 2 * i + 1);
        }
        for (size_t c = 0; c < d; c++)
          ok &= seen[c] == 1;
      }
  fct_ok(ok, "planes partition the coordinates (d 2..16, every even "
             "rotary_dim, both layouts)");
}

/* Relations: double side and oracle agree; classes and dimensions. */
static void test_relations(void)
{
  fc_rng rng;
  fc_rng_seed(&rng, fct_seed());
  const long n = 300 * fct_multiplier();
  long disagree = 0;
  for (long t = 0; t < n; t++) {
    const size_t m = 1 + (size_t)fc_rng_below(&rng, 7);
    double th[8], vals[3] = {1.0, 0x1.8p-3, 0.1};
    for (size_t i = 0; i < m; i++) {
      const uint64_t k = fc_rng_below(&rng, 5);
      th[i] = k < 3 ? vals[k] : k == 3 ? -vals[fc_rng_below(&rng, 2)] : 0.0;
      if (fc_rng_below(&rng, 8) == 0)
        th[i] = nextafter(th[i], 2.0); /* a one-ulp near collision */
    }
    /* zero frequencies must be fixed planes only past rotary_dim; use a
     * full-rotary schedule (theta = 0 inside it is allowed). */
    fc_schedule s = {2 * m, 2 * m, (fc_layout)(t % 2), th};
    long pos[4];
    const size_t np = (size_t)fc_rng_below(&rng, 3);
    for (size_t q = 0; q < np; q++)
      pos[q] = fc_rng_below(&rng, 2) ? 0 : (long)fc_rng_below(&rng, 1u << 20);
    unsigned char r1[64], r2[64];
    if (fc_schedule_relations(r1, &s, pos, np) != FC_OK
        || fc_mp_rope_relations(r2, &s, pos, np) != FC_OK
        || memcmp(r1, r2, m * m) != 0)
      disagree++;
  }
  fct_ok(disagree == 0, "relations: double side and MPFR oracle agree on "
                        "%ld random schedules and position sets", n);
  double th[5] = {1, 1, -1, 0.5, 0};
  fc_schedule s = {10, 10, FC_LAYOUT_HALF, th};
  unsigned char rel[25];
  fc_schedule_classes k;
  fc_schedule_relations(rel, &s, NULL, 0);
  int ok = fc_schedule_classes_init(&k, &s, rel) == FC_OK;
  fct_ok(ok && k.nclasses == 3 && k.size[0] == 3 && k.sign[2] == -1
             && k.fixed[2] && !k.fixed[0]
             && fc_schedule_classes_dim(&k) == 2 * 9 + 2 + 4
             && fc_schedule_classes_orth_dim(&k) == 9 + 1 + 1,
         "classes of (1, 1, -1, 1/2, 0): {0,1,2-}, {3}, fixed {4}; "
         "commutant dim 24, orthogonal 11");
  fc_schedule_classes_clear(&k);
  long zero = 0;
  fc_schedule_relations(rel, &s, &zero, 1);
  ok = fc_schedule_classes_init(&k, &s, rel) == FC_OK;
  fct_ok(ok && k.nclasses == 1 && k.fixed[0]
             && fc_schedule_classes_dim(&k) == 100,
         "position set {0}: one fixed class, commutant = all 10x10");
  fc_schedule_classes_clear(&k);
}

/* The exact worst-position gap (continued fractions) against brute force
 * over every position. */
static void test_gap_min(void)
{
  static const double sets[3][4] = {{1, 0.7, 0.7 + 0x1p-30, 0},
                                    {1, 0.7, 0.45, -0.2},
                                    {0x1.bb5faep-1, 0.0123, 3.5, 0}};
  for (int t = 0; t < 3; t++) {
    double th[4];
    memcpy(th, sets[t], sizeof th);
    fc_schedule s = {8, th[3] == 0 ? 6 : 8, FC_LAYOUT_INTERLEAVED, th};
    unsigned char rel[16];
    fc_schedule_relations(rel, &s, NULL, 0);
    const long N = 3000;
    mpfr_t g, b;
    mpfr_inits2(64, g, b, (mpfr_ptr)0);
    mpfr_set_inf(b, 1);
    long bp = 0, cp = 0;
    for (long p = 1; p <= N; p++) {
      fc_mp_rope_gap(g, NULL, NULL, NULL, &s, rel, p);
      if (mpfr_cmp(g, b) < 0) {
        mpfr_set(b, g, MPFR_RNDN);
        bp = p;
      }
    }
    fc_mp_rope_gap_min(g, &cp, NULL, NULL, NULL, &s, rel, N);
    mpfr_sub(g, g, b, MPFR_RNDN);
    fct_ok(cp == bp && mpfr_zero_p(g),
           "gap_min over 1..%ld by continued fractions = brute force "
           "(p = %ld vs %ld, value %.6g)", N, cp, bp,
           mpfr_get_d(b, MPFR_RNDN));
    mpfr_clears(g, b, (mpfr_ptr)0);
  }
}

/* The reference RoPE kernel against the oracle on every preset at long
 * positions (its bound must hold: error / bound <= 1). */
static void test_kernel_presets(void)
{
  static const long ps[] = {0, 1, 4095, 999999, (1L << 20) - 1, 1L << 20};
  const fc_kernels *k = fc_kernels_reference();
  const fc_kernel_arith fp64 = {FC_FMT_FP64, FC_FMT_FP64, 0};
  for (size_t q = 0; q < fc_presets_count(); q++) {
    const fc_preset *p = fc_presets_at(q);
    for (int mode = 0; mode < 2; mode++) {
      fc_schedule_buf b;
      fc_schedule_buf_zero(&b);
      if (fc_preset_schedule(&b, p, (fc_freq_mode)mode, NULL) != FC_OK)
        continue;
      const size_t d = b.s.d;
      double *x = malloc(d * sizeof *x), *out = malloc(d * sizeof *out),
             *err = malloc(d * sizeof *err), *al = malloc(d * sizeof *al);
      mpfr_t *in = malloc(d * sizeof *in), *ex = malloc(d * sizeof *ex);
      mpfr_t diff;
      mpfr_init2(diff, 400);
      for (size_t i = 0; i < d; i++) {
        x[i] = i % 3 ? 0.75 : -1.25;
        mpfr_init2(in[i], 53);
        mpfr_set_d(in[i], x[i], MPFR_RNDN);
        mpfr_init2(ex[i], 256);
      }
      double worst = 0, at20 = 0, at20m1 = 0;
      int alias_ok = 1;
      for (size_t t = 0; t < sizeof ps / sizeof ps[0]; t++) {
        /* the harness bound at fp64 (src/bounds), not the kernel's */
        const int64_t p64 = ps[t];
        k->rope->apply(out, x, &b.s, ps[t]);
        fc_bnd_rope(err, x, NULL, 1, &p64, &b.s, &fp64);
        memcpy(al, x, d * sizeof *al);
        k->rope->apply(al, al, &b.s, ps[t]); /* out aliases in */
        alias_ok &= memcmp(al, out, d * sizeof *al) == 0;
        fc_mp_rope_apply(ex, in, &b.s, ps[t]);
        double wp = 0;
        for (size_t i = 0; i < d; i++) {
          mpfr_sub_d(diff, ex[i], out[i], MPFR_RNDN);
          const double e = fabs(mpfr_get_d(diff, MPFR_RNDU));
          const double r = err[i] > 0 ? e / err[i] : (e > 0 ? INFINITY : 0);
          if (r > wp)
            wp = r;
        }
        if (wp > worst)
          worst = wp;
        if (ps[t] == 1L << 20)
          at20 = wp;
        if (ps[t] == (1L << 20) - 1)
          at20m1 = wp;
      }
      fct_ok(worst <= 1 && alias_ok,
             "RoPE kernel on %s (%s): worst err/bound %.3g (p = 2^20: %.3g, "
             "p = 2^20 - 1: %.3g)%s", p->name,
             fc_freq_mode_name((fc_freq_mode)mode), worst, at20, at20m1,
             alias_ok ? "" : "; aliasing broke it");
      for (size_t i = 0; i < d; i++) {
        mpfr_clear(in[i]);
        mpfr_clear(ex[i]);
      }
      mpfr_clear(diff);
      free(x);
      free(out);
      free(err);
      free(al);
      free(in);
      free(ex);
      fc_schedule_buf_clear(&b);
    }
  }
}

int main(void)
{
  fct_start("t-schedules");
  test_presets();
  test_bad_input();
  test_planes();
  test_relations();
  test_gap_min();
  test_kernel_presets();
  mpfr_free_cache();
  return fct_end();
}

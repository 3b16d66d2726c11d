/* t-bounds.c -- issue 20 and issue 16 item 3: the three-part declared
 * arithmetic and the bounds derived from it.
 *
 * - declarations: presets, STORAGE/ACCUM, STORAGE/ELEMENTWISE/ACCUM parse
 *   and print back; bad ones are refused with a reason; a two-part arith
 *   (elementwise 0) means elementwise = accum;
 * - two parts and three parts with elementwise = accum give the same
 *   bounds (RoPE, attention, block, fold): the old meaning is kept;
 * - the Hugging Face-style bf16 kernels (tests/plugins/hf_bf16.c, included
 *   here and called in process) exceed the bf16/fp32 bound (more roundings
 *   than one per output: the measurement of issue 20) and stay within the
 *   hf-bf16 bound, over many random inputs; the worst ratios are printed;
 * - underflow: an honest float32 RoPE on inputs near 2^-149 (the shrinker's
 *   walk of issue 16) is within its bound; before the underflow terms the
 *   ratio was about 1e6;
 * - a zero-frequency plane computed in an accumulation narrower than
 *   storage rounds its input: the bound is no longer 0 and covers it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "bounds/bounds.h"
#include "gen/schedule.h"

/* The HF-style plugin's rope_apply and attention, called directly. */
#include "plugins/hf_bf16.c"

static const fc_kernel_arith A_BF16_FP32 = {FC_FMT_BF16, FC_FMT_FP32, 0};

static fc_kernel_arith parse_ok(const char *text)
{
  fc_kernel_arith a = {-1, -1, -1};
  char why[200] = "";
  fct_ok(fc_arith_parse(&a, text, why, sizeof why) == FC_OK, "'%s' parses%s%s",
         text, why[0] ? ": " : "", why);
  return a;
}

static void test_parse(void)
{
  char buf[32];
  fc_kernel_arith a = parse_ok("bf16/fp32");
  fct_ok(a.storage == FC_FMT_BF16 && a.accum == FC_FMT_FP32 &&
             a.elementwise == FC_ELEMENTWISE_AS_ACCUM &&
             fc_arith_elementwise(&a) == FC_FMT_FP32,
         "two parts: elementwise = accumulation");
  fct_ok(strcmp(fc_arith_format(buf, sizeof buf, &a), "bf16/fp32") == 0,
         "two parts print as two parts (%s)", buf);
  a = parse_ok("bf16/bf16/fp32");
  fct_ok(a.storage == FC_FMT_BF16 && a.accum == FC_FMT_FP32 &&
             fc_arith_elementwise(&a) == FC_FMT_BF16 && fc_arith_valid(&a),
         "three parts: storage, elementwise, accumulation");
  fct_ok(strcmp(fc_arith_format(buf, sizeof buf, &a), "bf16/bf16/fp32") == 0,
         "three parts print as three parts (%s)", buf);
  fc_kernel_arith h = parse_ok("hf-bf16");
  fct_ok(memcmp(&h, &a, sizeof a) == 0, "hf-bf16 is bf16/bf16/fp32");
  h = parse_ok("strict-bf16");
  fct_ok(memcmp(&h, &A_BF16_FP32, sizeof h) == 0,
         "strict-bf16 is bf16/fp32 (one rounding, at the output)");
  h = parse_ok("hf-fp16");
  fct_ok(h.storage == FC_FMT_FP16 && fc_arith_elementwise(&h) == FC_FMT_FP16 &&
             h.accum == FC_FMT_FP32, "hf-fp16 is fp16/fp16/fp32");
  size_t n = 0;
  for (; fc_arith_preset_at(n); n++) {
    fc_kernel_arith p = parse_ok(fc_arith_preset_at(n)->name);
    fct_ok(fc_arith_valid(&p) && fc_arith_preset_at(n)->summary[0],
           "preset %s is valid and described", fc_arith_preset_at(n)->name);
  }
  fct_ok(n >= 5, "%zu presets", n);
  const char *bad[] = {"bf16/xx/fp32", "bf16/bf16/fp32/fp32", "hf-bf17",
                       "bf16", "", "/", "bf16//fp32", "fp33/fp64",
                       "bf16/fp32/"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char why[200] = "";
    fc_kernel_arith b;
    int rc = fc_arith_parse(&b, bad[i], why, sizeof why);
    fct_ok(rc == FC_EINVAL && why[0] != '\0', "'%s' is refused: %s", bad[i],
           why);
  }
  fc_kernel_arith odd = {FC_FMT_FP32, FC_FMT_FP32, 7};
  fct_ok(!fc_arith_valid(&odd), "an elementwise field not written with "
         "FC_ELEMENTWISE() is invalid");
}

/* Same bounds for S/A and S/A/A. */
static void test_two_parts(void)
{
  enum { T = 3, D = 4, DM = 5 };
  double theta[D / 2] = {1.0, 0.01};
  fc_schedule s = {D, D, FC_LAYOUT_HALF, theta};
  double q[T * D], k[T * D], v[T * D], x[T * DM], w[DM * DM], e1[T * DM],
      e2[T * DM];
  for (size_t i = 0; i < T * D; i++) {
    q[i] = sin(1.0 + (double)i);
    k[i] = cos(2.0 * (double)i);
    v[i] = 0.5 - (double)(i % 3);
  }
  for (size_t i = 0; i < T * DM; i++)
    x[i] = sin(0.3 * (double)i);
  for (size_t i = 0; i < DM * DM; i++)
    w[i] = cos(0.7 * (double)i);
  int64_t pos[T] = {0, 7, 300};
  int same = 1;
  for (int st = 0; st <= FC_FMT_FP16; st++)
    for (int ac = 0; ac <= FC_FMT_FP16; ac++) {
      const fc_kernel_arith a2 = {st, ac, 0}, a3 = {st, ac, FC_ELEMENTWISE(ac)};
      double r1[T * D], r2[T * D];
      fc_bnd_rope(r1, q, NULL, T, pos, &s, &a2);
      fc_bnd_rope(r2, q, NULL, T, pos, &s, &a3);
      same &= memcmp(r1, r2, sizeof r1) == 0;
      fc_bnd_attention(r1, NULL, q, NULL, k, NULL, v, NULL, T, D, 1, 1, 1,
                       &a2);
      fc_bnd_attention(r2, NULL, q, NULL, k, NULL, v, NULL, T, D, 1, 1, 1,
                       &a3);
      same &= memcmp(r1, r2, sizeof r1) == 0;
      fc_bnd_fold(e1, x, w, DM, T, 1, &a2);
      fc_bnd_fold(e2, x, w, DM, T, 1, &a3);
      same &= memcmp(e1, e2, sizeof e1) == 0;
    }
  fct_ok(same, "S/A and S/A/A give identical RoPE, attention and fold "
         "bounds for every pair of formats");
}

/* A uniform draw in [-m, m] rounded to bf16. */
static double draw(uint64_t *st, double m)
{
  *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
  return bf16r(m * (2 * ((double)(*st >> 11) / 0x1p53) - 1));
}

static void enc(void *dst, const double *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    st(dst, i, x[i]);
}

static void test_hf_rope(void)
{
  enum { D = 16, ROWS = 4 };
  const long trials = 400 * fct_multiplier();
  uint64_t sd = fct_seed() ^ 0x5eed;
  double worst2 = 0, worst3 = 0, worst_err = 0, bound_at_worst = 0;
  const fc_kernel_arith hf = {FC_FMT_BF16, FC_FMT_FP32,
                              FC_ELEMENTWISE(FC_FMT_BF16)};
  for (long tr = 0; tr < trials; tr++) {
    double theta[D / 2], x[ROWS * D], y[ROWS * D], E2[ROWS * D],
        E3[ROWS * D];
    uint16_t xb[ROWS * D], yb[ROWS * D];
    const int layout = tr % 2 ? FC_ROPE_HALF : FC_ROPE_INTERLEAVED;
    for (size_t i = 0; i < D / 2; i++)
      theta[i] = pow(10000.0, -2.0 * (double)i / D);
    int64_t pos[ROWS];
    for (size_t r = 0; r < ROWS; r++)
      pos[r] = (int64_t)(fabs(draw(&sd, 1)) * 4096);
    for (size_t i = 0; i < ROWS * D; i++)
      x[i] = draw(&sd, 16);
    enc(xb, x, ROWS * D);
    rope_apply(yb, xb, ROWS, D, pos, theta, layout, D, NULL);
    for (size_t i = 0; i < ROWS * D; i++)
      y[i] = ld(yb, i);
    fc_schedule s = {D, D, layout == FC_ROPE_HALF ? FC_LAYOUT_HALF
                                                  : FC_LAYOUT_INTERLEAVED,
                     theta};
    fc_bnd_rope(E2, x, NULL, ROWS, pos, &s, &A_BF16_FP32);
    fc_bnd_rope(E3, x, NULL, ROWS, pos, &s, &hf);
    for (size_t r = 0; r < ROWS; r++)
      for (size_t i = 0; i < D / 2; i++) {
        size_t ia, ib;
        fc_schedule_plane(&ia, &ib, &s, i);
        const long double wl = (long double)pos[r] * theta[i];
        const long double c = cosl(wl), sn = sinl(wl);
        const long double xa = x[r * D + ia], xb2 = x[r * D + ib];
        const double ea = (double)fabsl(y[r * D + ia] - (c * xa - sn * xb2));
        const double eb = (double)fabsl(y[r * D + ib] - (sn * xa + c * xb2));
        const double em = ea > eb ? ea : eb;
        const size_t j = r * D + ia;
        if (em / E2[j] > worst2) {
          worst2 = em / E2[j];
          worst_err = em;
          bound_at_worst = E2[j];
        }
        if (em / E3[j] > worst3)
          worst3 = em / E3[j];
      }
  }
  fct_diag("HF bf16 RoPE, %ld trials: worst error/bound %.3f under bf16/fp32 "
           "(error %.4g against bound %.4g), %.3f under hf-bf16",
           trials, worst2, worst_err, bound_at_worst, worst3);
  fct_ok(worst2 > 1, "the HF-style RoPE exceeds the bf16/fp32 bound "
         "(ratio %.3f): 5 bf16 roundings where bf16/fp32 allows one", worst2);
  fct_ok(worst3 <= 1, "and stays within the hf-bf16 bound (ratio %.3f)",
         worst3);
  fct_ok(worst3 > 0.05, "the hf-bf16 bound is not vacuous (ratio %.3f)",
         worst3);
}

/* Exact attention in long double. */
static void attn_exact(long double *c, const double *q, const double *k,
                       const double *v, size_t T, size_t d, int causal)
{
  long double *s = malloc(T * sizeof *s);
  if (s == NULL) {
    fct_ok(0, "out of memory");
    return;
  }
  for (size_t t = 0; t < T; t++) {
    const size_t last = causal ? t : T - 1;
    long double m = -INFINITY, sum = 0;
    for (size_t u = 0; u <= last; u++) {
      long double acc = 0;
      for (size_t i = 0; i < d; i++)
        acc += (long double)q[t * d + i] * k[u * d + i];
      s[u] = acc / sqrtl((long double)d);
      if (s[u] > m)
        m = s[u];
    }
    for (size_t u = 0; u <= last; u++)
      sum += s[u] = expl(s[u] - m);
    for (size_t j = 0; j < d; j++) {
      long double acc = 0;
      for (size_t u = 0; u <= last; u++)
        acc += s[u] / sum * v[u * d + j];
      c[t * d + j] = acc;
    }
  }
  free(s);
}

static void test_hf_attention(void)
{
  enum { T = 6, D = 8 };
  const long trials = 300 * fct_multiplier();
  uint64_t sd = fct_seed() ^ 0xa77e;
  const fc_kernel_arith hf = {FC_FMT_BF16, FC_FMT_FP32,
                              FC_ELEMENTWISE(FC_FMT_BF16)};
  double worst2 = 0, worst3 = 0;
  for (long tr = 0; tr < trials; tr++) {
    double q[T * D], k[T * D], v[T * D], y[T * D], E2[T * D], E3[T * D];
    uint16_t qb[T * D], kb[T * D], vb[T * D], yb[T * D];
    long double c[T * D];
    const double sc = ldexp(1, 2 * (int)(tr % 4)); /* scores up to ~2^13 */
    for (size_t i = 0; i < T * D; i++) {
      q[i] = draw(&sd, sc);
      k[i] = draw(&sd, sc);
      v[i] = draw(&sd, 16);
    }
    const int causal = (int)(tr % 2);
    enc(qb, q, T * D);
    enc(kb, k, T * D);
    enc(vb, v, T * D);
    attention(yb, qb, kb, vb, T, D, 1, 1, causal, NULL);
    attn_exact(c, q, k, v, T, D, causal);
    fc_bnd_attention(E2, NULL, q, NULL, k, NULL, v, NULL, T, D, 1, 1, causal,
                     &A_BF16_FP32);
    fc_bnd_attention(E3, NULL, q, NULL, k, NULL, v, NULL, T, D, 1, 1, causal,
                     &hf);
    for (size_t i = 0; i < T * D; i++) {
      y[i] = ld(yb, i);
      const double e = (double)fabsl(y[i] - c[i]);
      if (e / E2[i] > worst2)
        worst2 = e / E2[i];
      if (e / E3[i] > worst3)
        worst3 = e / E3[i];
    }
  }
  fct_diag("HF bf16 attention, %ld trials: worst error/bound %.3f under "
           "bf16/fp32, %.3g under hf-bf16", trials, worst2, worst3);
  fct_ok(worst2 > 1, "the HF-style attention exceeds the bf16/fp32 bound "
         "(ratio %.3f): scores and weights rounded to bf16", worst2);
  fct_ok(worst3 <= 1, "and stays within the hf-bf16 bound (ratio %.3g)",
         worst3);
}

/* The attention bound is formed in row blocks of 256 queries: a float32
 * attention at T = 300 (two blocks), causal and full, two heads sharing
 * one key/value head, is within it everywhere, and the bound is not
 * vacuous. */
static void test_attention_blocks(void)
{
  enum { T = 300, D = 4, H = 2 };
  static double q[T * H * D], k[T * D], v[T * D], E[T * H * D];
  static long double c[T * D];
  static double qh[T * D];
  const fc_kernel_arith a32 = {FC_FMT_FP32, FC_FMT_FP32, 0};
  uint64_t sd = fct_seed() ^ 0xb10c;
  for (size_t i = 0; i < T * H * D; i++)
    q[i] = (double)(float)(2 * draw(&sd, 1));
  for (size_t i = 0; i < T * D; i++) {
    k[i] = (double)(float)(2 * draw(&sd, 1));
    v[i] = (double)(float)draw(&sd, 4);
  }
  double worst = 0, wb = 0;
  for (int causal = 0; causal < 2; causal++) {
    fc_bnd_attention(E, NULL, q, NULL, k, NULL, v, NULL, T, D, H, 1, causal,
                     &a32);
    for (size_t h = 0; h < H; h++) {
      for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < D; i++)
          qh[t * D + i] = q[t * H * D + h * D + i];
      attn_exact(c, qh, k, v, T, D, causal);
      for (size_t t = 0; t < T; t++) {
        /* float32: scores, max, expf, sums, division */
        const size_t last = causal ? t : T - 1;
        static float p[T];
        float m = -INFINITY, sum = 0;
        for (size_t u = 0; u <= last; u++) {
          float acc = 0;
          for (size_t i = 0; i < D; i++)
            acc += (float)qh[t * D + i] * (float)k[u * D + i];
          p[u] = acc / sqrtf((float)D);
          m = p[u] > m ? p[u] : m;
        }
        for (size_t u = 0; u <= last; u++)
          sum += p[u] = expf(p[u] - m);
        for (size_t j = 0; j < D; j++) {
          float acc = 0;
          for (size_t u = 0; u <= last; u++)
            acc += p[u] / sum * (float)v[u * D + j];
          const double e = (double)fabsl((long double)acc - c[t * D + j]);
          const double b = E[t * H * D + h * D + j];
          if (e / b > worst)
            worst = e / b;
          if (b > wb)
            wb = b;
        }
      }
    }
  }
  fct_ok(worst <= 1 && wb < 1, "fp32 attention at T = %d (two row blocks), "
         "causal and full: within the bound (worst ratio %.3g, largest "
         "bound %.3g)", T, worst, wb);
}

/* A vacuous stage (gamma_n undefined: n u >= 1, here bf16 accumulation
 * over dm = 300) makes the block bound +inf, never NaN (the BLAS products
 * would give 0 inf = NaN, which compares false and would pass); an
 * infinite score error makes the weights unknown. */
static void test_vacuous(void)
{
  enum { T = 2, DM = 300, D = 2 };
  static double x[T * DM], wq[D * DM], wk[D * DM], wv[D * DM], wo[DM * D],
      E[T * DM];
  for (size_t i = 0; i < T * DM; i++)
    x[i] = 0.5 + (double)(i % 3);
  for (size_t i = 0; i < D * DM; i++) {
    wq[i] = 0.01 * (double)(i % 5);
    wk[i] = 0.02;
    wv[i] = i % 2 ? 0.01 : 0;
    wo[i] = 0.1;
  }
  double theta[D / 2] = {0.5};
  fc_schedule s = {D, D, FC_LAYOUT_HALF, theta};
  int64_t pos[T] = {0, 3};
  fc_bnd_block_in in = {T, DM, D, 1, 1, 1, 1, x, wq, wk, wv, wo, NULL, 1e-6,
                        pos, &s};
  const fc_kernel_arith nb = {FC_FMT_BF16, FC_FMT_BF16, 0};
  int rc = fc_bnd_block(E, &in, &nb);
  int nan = 0, inf = 0;
  for (size_t i = 0; i < T * DM; i++) {
    nan += isnan(E[i]);
    inf += isinf(E[i]);
  }
  fct_ok(rc == FC_OK && nan == 0 && inf == T * DM,
         "bf16 accumulation over dm = 300: the block bound is +inf "
         "everywhere (%d inf, %d NaN)", inf, nan);
  double q[2] = {1, 1}, k[2] = {1, 1}, v[2] = {1, 1}, eq[2] = {INFINITY, 0},
         Ea[2];
  const fc_kernel_arith a32 = {FC_FMT_FP32, FC_FMT_FP32, 0};
  fc_bnd_attention(Ea, NULL, q, eq, k, NULL, v, NULL, 1, 2, 1, 1, 0, &a32);
  fct_ok(isinf(Ea[0]) && isinf(Ea[1]), "an infinite query error gives an "
         "infinite attention bound (%g, %g)", Ea[0], Ea[1]);
}

/* Issue 16: inputs near 2^-149 (fp32's smallest subnormal); a float32
 * RoPE (angle, cosf/sinf, float products) rounds correctly into the
 * subnormals or to 0.  The bound must cover it (before: relative terms
 * only, ratio about 1e6). */
static void test_underflow(void)
{
  enum { D = 4 };
  double theta[D / 2] = {1.0, 0.25};
  fc_schedule s = {D, D, FC_LAYOUT_INTERLEAVED, theta};
  const fc_kernel_arith a32 = {FC_FMT_FP32, FC_FMT_FP32, 0};
  double worst = 0, E[D], x[D];
  int64_t pos;
  for (int tr = 0; tr < 2000; tr++) {
    pos = 1 + tr % 97;
    for (size_t i = 0; i < D; i++)
      x[i] = ldexp((double)((tr * 7 + (int)i * 3) % 5) - 2, -149);
    fc_bnd_rope(E, x, NULL, 1, &pos, &s, &a32);
    for (size_t i = 0; i < D / 2; i++) {
      const float w = (float)pos * (float)theta[i];
      const float c = cosf(w), sn = sinf(w);
      const float xa = (float)x[2 * i], xb = (float)x[2 * i + 1];
      const float ya = c * xa - sn * xb, yb = sn * xa + c * xb;
      const long double cl = cosl((long double)pos * theta[i]),
                        sl = sinl((long double)pos * theta[i]);
      const double ea = (double)fabsl(ya - (cl * xa - sl * xb));
      const double eb = (double)fabsl(yb - (sl * xa + cl * xb));
      if (ea / E[2 * i] > worst)
        worst = ea / E[2 * i];
      if (eb / E[2 * i + 1] > worst)
        worst = eb / E[2 * i + 1];
    }
  }
  fct_ok(worst <= 1, "float32 RoPE on subnormal inputs (2^-149 scale) is "
         "within its bound: worst ratio %.3g (about 1e6 without the "
         "underflow terms)", worst);
  x[0] = 0x1p-149;
  x[1] = x[2] = x[3] = 0;
  pos = 1;
  fc_bnd_rope(E, x, NULL, 1, &pos, &s, &a32);
  fct_ok(E[0] >= 0x1p-150 && E[0] < 0x1p-145,
         "the underflow term: one subnormal input, bound %a (2 products + "
         "their half-quanta)", E[0]);
  /* Per rounding: a bf16/bf16/fp32 rope adds the half-quantum of bf16 for
   * each product of a nonzero input (2^-134); zeros multiply exactly. */
  const fc_kernel_arith hf = {FC_FMT_BF16, FC_FMT_FP32,
                              FC_ELEMENTWISE(FC_FMT_BF16)};
  x[0] = 0x1p-133; /* bf16's smallest subnormal */
  fc_bnd_rope(E, x, NULL, 1, &pos, &s, &hf);
  fct_ok(E[0] >= 0x1p-134 && E[0] < 0x1p-129,
         "a subnormal input at hf-bf16: bound %a covers one bf16 half-quantum",
         E[0]);
  x[0] = 0;
  fc_bnd_rope(E, x, NULL, 1, &pos, &s, &hf);
  fct_ok(E[0] == 0 && E[1] == 0, "zero inputs: bound 0 (zero products are "
         "exact, no underflow term)");
}

/* Issue 16: a zero-frequency plane inside the rotary part, computed by a
 * kernel whose accumulation (here also elementwise) is narrower than
 * storage: y = fl_bf16(1 x) is not x. */
static void test_zero_frequency(void)
{
  enum { D = 4 };
  double theta[D / 2] = {0.0, 0.5}; /* plane 0 has frequency 0 */
  fc_schedule s = {D, D, FC_LAYOUT_INTERLEAVED, theta};
  const fc_kernel_arith narrow = {FC_FMT_FP32, FC_FMT_BF16, 0};
  const fc_kernel_arith wide = {FC_FMT_FP32, FC_FMT_FP32, 0};
  double x[D] = {1 + 0x1p-20, -3 - 0x1p-18, 0.5, 0.25}, E[D];
  int64_t pos = 5;
  fc_bnd_rope(E, x, NULL, 1, &pos, &s, &narrow);
  const double err = fabs(fc_fmt_round(FC_FMT_BF16, 1 * x[0] - 0 * x[1]) -
                          x[0]);
  const double err1 = fabs(fc_fmt_round(FC_FMT_BF16, 0 * x[0] + 1 * x[1]) -
                           x[1]);
  fct_ok(err > 0 && err <= E[0] && err1 <= E[1] && E[0] <= 0x1p-8 * 1.01 * 2,
         "zero frequency, fp32 storage, bf16 accumulation: the kernel's "
         "rounding %.3g is within bound %.3g (was 0)", err, E[0]);
  fc_bnd_rope(E, x, NULL, 1, &pos, &s, &wide);
  fct_ok(E[0] == 0 && E[1] == 0, "at fp32/fp32 it stays exact (bound 0)");
  /* Copied coordinates past rotary_dim keep bound 0 even then. */
  fc_schedule sp = {D, 2, FC_LAYOUT_INTERLEAVED, theta};
  double tz[D / 2] = {0.5, 0};
  sp.theta = tz;
  fc_bnd_rope(E, x, NULL, 1, &pos, &sp, &narrow);
  fct_ok(E[2] == 0 && E[3] == 0, "coordinates past rotary_dim are copied "
         "exactly (bound 0) whatever the accumulation");
}

/* Issue 16: fc_bnd_block on sampled rows forms the query side of those
 * rows only; each row's bound is the whole block's bound of that row, up
 * to the harness's own double sums (the BLAS products of a subset of rows
 * may be blocked differently): relative gamma_n(fp64), n = T + dm + heads
 * d, the longest sum.  Rows in any order, repeated, causal and full, with
 * the residual, bf16 storage.  A row's bound set against another row's
 * (rows 0 and T-1 see different keys) differs: the comparison is not
 * vacuous. */
static void test_block_rows(void)
{
  enum { T = 300, DM = 6, D = 4, H = 4, KV = 2 };
  static double x[T * DM], wq[H * D * DM], wk[KV * D * DM], wv[KV * D * DM],
      wo[DM * H * D], Eall[T * DM], Er[5 * DM];
  uint64_t st = 99;
  for (size_t i = 0; i < T * DM; i++) {
    st = st * UINT64_C(6364136223846793005) + 1442695040888963407u;
    x[i] = ldexp((double)(int)((st >> 40) % 255) - 127, -6);
  }
  for (size_t i = 0; i < H * D * DM; i++) {
    wq[i] = 0.01 * (double)(i % 13) - 0.05;
    wo[i] = 0.02 * (double)(i % 7) - 0.06;
  }
  for (size_t i = 0; i < KV * D * DM; i++) {
    wk[i] = 0.03 * (double)(i % 5) - 0.06;
    wv[i] = 0.05 * (double)(i % 3) - 0.05;
  }
  double theta[D / 2] = {1.0, 0.01};
  fc_schedule s = {D, D, FC_LAYOUT_HALF, theta};
  static int64_t pos[T];
  for (size_t t = 0; t < T; t++)
    pos[t] = 1000 + (int64_t)t;
  const size_t rows[5] = {T - 1, 0, 137, 137, 256};
  const fc_kernel_arith ar[2] = {{FC_FMT_FP32, FC_FMT_FP32, 0},
                                 {FC_FMT_BF16, FC_FMT_FP32, 0}};
  const double tol = fc_fmt_gamma(FC_FMT_FP64, T + DM + H * D);
  double worst = 0, other = 0;
  int rc = FC_OK;
  for (int causal = 0; causal < 2; causal++)
    for (int ai = 0; ai < 2; ai++) {
      fc_bnd_block_in in = {T, DM, D, H, KV, causal, ai, x, wq, wk, wv, wo,
                            NULL, 1e-6, pos, &s, NULL, 0};
      rc |= fc_bnd_block(Eall, &in, &ar[ai]);
      in.rows = rows;
      in.nrows = 5;
      rc |= fc_bnd_block(Er, &in, &ar[ai]);
      for (size_t r = 0; r < 5; r++)
        for (size_t c = 0; c < DM; c++) {
          const double a = Er[r * DM + c], b = Eall[rows[r] * DM + c];
          const double q = fabs(a - b) / (tol * (a > b ? a : b));
          worst = q > worst ? q : worst;
          /* the same column of another row (row 0 vs T - 1) */
          const double o = Eall[rows[(r + 1) % 2] * DM + c];
          if (r == 0 && causal)
            other = fmax(other, fabs(a - o) / (tol * (a > o ? a : o)));
        }
    }
  fct_ok(rc == FC_OK && worst <= 1,
         "fc_bnd_block on 5 sampled rows (any order, repeated) = the whole "
         "block's bound of those rows, within the harness's own rounding "
         "(worst |diff| / (gamma_n |E|) = %.3g)", worst);
  fct_ok(other > 1, "negative control: row T-1's bound against row 0's "
         "differs (%.3g gamma_n |E|)", other);
  fc_bnd_block_in bad = {T, DM, D, H, KV, 1, 0, x, wq, wk, wv, wo, NULL,
                         1e-6, pos, &s, rows, 5};
  const size_t oob[1] = {T};
  bad.rows = oob;
  bad.nrows = 1;
  fct_ok(fc_bnd_block(Er, &bad, &ar[0]) == FC_EINVAL,
         "a sampled row >= T is refused (FC_EINVAL)");
}

int main(void)
{
  fct_start("t-bounds");
  test_parse();
  test_two_parts();
  test_hf_rope();
  test_hf_attention();
  test_attention_blocks();
  test_vacuous();
  test_underflow();
  test_zero_frequency();
  test_block_rows();
  return fct_end();
}

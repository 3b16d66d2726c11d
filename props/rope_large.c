/* rope_large.c -- F3 RoPE at realistic head dimensions and long positions
 * (issue 11 item 2): commutant.large.rope_accuracy.
 *
 * commutant.rope_accuracy (commutant.c) checks the double RoPE kernel on
 * random schedules of head dimension <= 16.  This property checks it on
 * the schedules of public models at their real head dimension, over a
 * batch of positions shaped like a long context.
 *
 * A case: a schedule (first in the shrink order the small custom
 * geom:d=4,base=10000@exact (double frequencies: 0.01 is not a float),
 * then a Llama-law head of d = 64 (geom:d=64,base=10000: the smallest
 * production head dimension, so that a bug that appears only at d >= 64
 * shrinks to d = 64), llama2, llama3, llama3.1, qwen2, mistral-v0.2,
 * gpt-j (interleaved, rotary 64 of 256), gpt-neox (24 of 96), pythia (32 of
 * 128), phi-2 (32 of 80), gemma (d 256), and the transformed llama2+ntk=4
 * and qwen2+yarn=4), the positions
 *   a run p0 .. p0 + n - 1 of consecutive positions (p0 = 0, drawn up to
 *   2^20 - n, or at the very end: 2^20 - n - j, j <= 64),
 *   then 0 (Theta(0) = I) and k scattered positions (fc_draw_position: 0,
 *   small, offsets, long contexts, the end of 2^20), and optionally one
 *   more at the end of the range, 2^20 - j (j <= 64),
 * and one input vector x of d entries per position, from one drawn seed
 * and a drawn level (values in {-1, 0, 1}, k/16, wide dyadics, wide
 * dyadics scaled by 2^e with |e| <= 20 per entry), so that a case is a
 * handful of choices, not d (n + k) of them.
 *
 * Sizes per profile (fc_draw_scale): ci n <= 16, k <= 4; default n <= 256,
 * k <= 8; nightly n <= 4096, k <= 16.  Sizes come first in the choice
 * sequence and shrink first (the "largest" flag, n, the schedule down to
 * geom:d=4, k, the end position); past half of the size curve 3 cases in 4
 * are the profile's largest (n and k at their maximum, a real preset).
 *
 * Levels.
 *   statement (MPFR): Theta(p) preserves norms, at every position:
 *       r = sum_p | ||Theta(p) x_p||^2 - ||x_p||^2 |, computed from
 *       fc_mp_rope_apply at P bits.  Ball-certified (oracle.h): each oracle
 *       output is one rounding of a value within 2^-(P+31) (|x_a| + |x_b|)
 *       of the exact one (sin/cos at P + 32 bits), so |out_i - y_i| <=
 *       2^-P (|y_i| + 2^-30 (|x_a| + |x_b|)) with y = Theta x exact;
 *       sum_i |out_i^2 - y_i^2| <= 2^-P N (2 + 2^-27) (N = ||x||^2 =
 *       ||y||^2; the cross terms by Cauchy-Schwarz per plane); the two
 *       sums of d squares by fma, each rounding relative to its partial
 *       sum, add d 2^-P N (1 + 2^-P d) each; the subtraction and the
 *       accumulation over positions add 2^-P of quantities 2^-P smaller.
 *       So r_P <= 2^-P S with S = sum_p (2d + 4) ||x_p||^2 (rounded up),
 *       and the P + 64 recomputation runs only when r_P leaves the balls or
 *       the accuracy level failed (fc_oracle_statement_ball).
 *   conformance (double): | ||out||^2 - ||x||^2 | of the kernel's outputs
 *       against E (2|out| + E) per coordinate plus gamma_d for the two
 *       sums (as commutant.rope_accuracy).
 *   accuracy: every entry of the double kernel's Theta(p) x_p against the
 *       oracle's (the P-bit outputs of the statement's first evaluation,
 *       which are fc_mp_rope_apply's at P: one oracle pass per case),
 *       against the harness bound fc_bnd_rope at the declared arithmetic
 *       (src/bounds; position-dependent through gamma_3 |p theta|).  Every
 *       kernel, the built-in tables and their mutants included, runs
 *       through the provider (fc_kx_open adapts a built-in table; issue 16
 *       item 3: no kernel computes a bound).
 * The kernel runs first, over every position, into arrays the check owns;
 * the statement function only reads them (the oracle never calls a
 * kernel).  The note gives the worst error/bound, where, and the largest
 * position's; the plot points are (position, worst error/bound at that
 * position) for the run's worst position and the scattered positions
 * (nonzero, at most FC_CASE_POINTS). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "props.h"
#include "gen/presets.h"
#include "gen/schedule.h"
#include "kernels/rope.h"
#include "rope.h" /* oracles/rope.h */
#include "kcall_internal.h"

#define ETA 0x1p-1074
#define SAFE(x) ((x) * (1.0 + 0x1p-40))

static const char *const anchors[] = {"intertwiner_zero_of_cos_ne", NULL};

/* The schedules, simplest first. */
static const char *const schedules[] = {
    "geom:d=4,base=10000@exact", "geom:d=64,base=10000", "llama2", "llama3",
    "llama3.1", "qwen2", "mistral-v0.2", "gpt-j", "gpt-neox", "pythia",
    "phi-2", "gemma", "llama2+ntk=4", "qwen2+yarn=4"};
#define NSCHED (sizeof schedules / sizeof schedules[0])

typedef struct rsize {
  long logn, nscat;
} rsize;
static const rsize limits[3] = {{4, 4}, {8, 8}, {12, 16}};

/* ------------------------------------------------------------ the case */


static int gen_rope_large(fc_case *c, fc_draw *d)
{
  int sc = fc_draw_scale(d);
  sc = sc < 0 ? 0 : sc > 2 ? 2 : sc;
  const rsize *L = &limits[sc];
  /* Sizes first (they shrink first).  The flag is always drawn, so the
   * choice sequence keeps its shape when the shrinker clears it. */
  const int big = fc_draw_bool(d, fc_draw_sizefrac(d) >= 0.5 ? 0.75 : 0.0);
  long logn = fc_draw_size(d, 0, L->logn);
  long si = fc_draw_int(d, 0, (long)NSCHED - 1);
  long nscat = fc_draw_int(d, 0, L->nscat);
  const int top = fc_draw_bool(d, 0.75);
  if (big) {
    logn = L->logn;
    nscat = L->nscat;
    si = si <= 1 ? 2 : si; /* a real preset */
  }
  if (fc_draw_status(d) != FC_OK)
    return FC_OK;
  const size_t n = (size_t)1 << logn;
  fc_schedule_buf sb;
  fc_schedule_buf_zero(&sb);
  fc_error err = {0, ""};
  int rc = fc_schedule_parse(&sb, schedules[si], &err);
  if (rc == FC_OK)
    rc = fc_schedule_store(c, "s", &sb.s);
  const size_t dh = sb.s.d;
  fc_schedule_buf_clear(&sb);
  if (rc != FC_OK)
    return rc;
  if (fc_case_add_dim(c, "d", (long)dh) || fc_case_add_dim(c, "n", (long)n) ||
      fc_case_add_dim(c, "schedule", si))
    return FC_ENOMEM;
  /* The run: from 0, anywhere up to 2^20 - n, or at the very end. */
  static const double pw[] = {1, 2, 1};
  long p0 = 0;
  switch (fc_draw_weighted(d, pw, 3)) {
  case 0: break;
  case 1: p0 = fc_draw_int(d, 0, FC_POS_MAX - (long)n); break;
  default: p0 = FC_POS_MAX - (long)n - fc_draw_int(d, 0, 64); break;
  }
  const size_t npos = n + 1 + (size_t)nscat + (top ? 1 : 0);
  long *pos = fc_case_add_ints(c, "pos", npos, 1);
  if (pos == NULL)
    return FC_ENOMEM;
  for (size_t t = 0; t < n; t++)
    pos[t] = p0 + (long)t;
  pos[n] = 0;
  for (long k = 0; k < nscat; k++)
    pos[n + 1 + (size_t)k] = fc_draw_position(d);
  if (top)
    pos[npos - 1] = FC_POS_MAX - fc_draw_int(d, 0, 64);
  /* Values. */
  const long level = fc_draw_int(d, 0, 3);
  uint64_t seed = fc_draw_raw(d, UINT32_MAX);
  double *x = fc_case_add_reals(c, "x", npos, dh);
  long *lv = fc_case_add_ints(c, "level", 1, 1);
  if (x == NULL || lv == NULL)
    return FC_ENOMEM;
  *lv = level;
  fc_fill_seeded(x, npos * dh, &seed, level, 1.0);
  return fc_draw_status(d);
}

typedef struct rcase {
  fc_schedule s;
  size_t d, n, npos;
  const long *pos;
  const double *x;
} rcase;

static int view(rcase *k, const fc_case *c)
{
  memset(k, 0, sizeof *k);
  if (fc_schedule_view(&k->s, c, "s") != FC_OK)
    return FC_EINVAL;
  k->d = k->s.d;
  k->n = (size_t)fc_case_dim(c, "n", 0);
  if ((long)k->d != fc_case_dim(c, "d", 0) || k->n == 0)
    return FC_EINVAL;
  size_t r, q;
  k->pos = fc_case_ints(c, "pos", &r, &q);
  if (k->pos == NULL || q != 1 || r <= k->n)
    return FC_EINVAL;
  k->npos = r;
  k->x = fc_case_reals(c, "x", &r, &q);
  if (k->x == NULL || r != k->npos || q != k->d)
    return FC_EINVAL;
  return FC_OK;
}

static void describe(FILE *out, const fc_case *c)
{
  rcase k;
  if (view(&k, c) != FC_OK)
    return;
  const long si = fc_case_dim(c, "schedule", -1);
  fprintf(out,
          "    schedule %s (d = %zu, rotary %zu, %s); run p = %ld..%ld (n = "
          "%zu); scattered:",
          si >= 0 && (size_t)si < NSCHED ? schedules[si] : "?", k.d,
          k.s.rotary_dim,
          k.s.layout == FC_LAYOUT_HALF ? "rotate_half" : "interleaved",
          k.pos[0], k.pos[k.n - 1], k.n);
  for (size_t q = k.n; q < k.npos; q++)
    fprintf(out, " %ld", k.pos[q]);
  fprintf(out, "\n");
}

/* ------------------------------------------------------------- the check */

typedef struct racc {
  const rcase *k;
  const double *out, *err; /* the kernel's outputs and bounds, npos x d */
  fc_check_result *res;
  long prec;               /* the accuracy pass runs at this precision */
  int visited;             /* 1: the accuracy pass ran */
  double worst, worst_err; /* worst error/bound, its error */
  size_t worst_q, worst_i;
  double *qworst;          /* per position: worst error/bound */
} racc;

/* The accuracy of position q's kernel outputs against the oracle's (ex, at
 * P bits). */
static void visit(racc *a, size_t q, mpfr_t *ex, mpfr_t diff)
{
  const size_t d = a->k->d;
  const double *o = a->out + q * d, *e = a->err + q * d;
  double qw = 0;
  for (size_t i = 0; i < d; i++) {
    fc_oracle_accuracy(a->res, o[i], ex[i], e[i]);
    double ab;
    if (!isfinite(o[i])) {
      ab = INFINITY;
    } else {
      mpfr_sub_d(diff, ex[i], o[i], MPFR_RNDN);
      ab = fabs(mpfr_get_d(diff, MPFR_RNDU));
    }
    double ratio = e[i] > 0 ? ab / e[i] : (ab > 0 ? INFINITY : 0);
    if (isnan(ratio))
      ratio = INFINITY;
    if (ratio > qw)
      qw = ratio;
    if (ratio > a->worst) {
      a->worst = ratio;
      a->worst_err = ab;
      a->worst_q = q;
      a->worst_i = i;
    }
  }
  a->qworst[q] = qw;
}

/* Norm preservation at every position (ball-certified, see the head). */
static int st_norms(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  racc *a = arg;
  const rcase *k = a->k;
  const size_t d = k->d;
  const int acc = !a->visited && prec == (mpfr_prec_t)a->prec;
  mpfr_t *in = malloc(d * sizeof *in), *out = malloc(d * sizeof *out);
  if (in == NULL || out == NULL) {
    free(in);
    free(out);
    return FC_ENOMEM;
  }
  mpfr_t nx, no, t, diff;
  for (size_t i = 0; i < d; i++) {
    mpfr_init2(in[i], 53);
    mpfr_init2(out[i], prec);
  }
  mpfr_inits2(prec, nx, no, t, (mpfr_ptr)0);
  mpfr_init2(diff, prec + 64);
  int rc = FC_OK;
  for (size_t q = 0; q < k->npos && rc == FC_OK; q++) {
    const double *xq = k->x + q * d;
    mpfr_set_zero(nx, 1);
    for (size_t i = 0; i < d; i++) {
      mpfr_set_d(in[i], xq[i], MPFR_RNDN); /* exact */
      mpfr_fma(nx, in[i], in[i], nx, MPFR_RNDN);
    }
    rc = fc_mp_rope_apply(out, in, &k->s, k->pos[q]);
    if (rc != FC_OK)
      break;
    mpfr_set_zero(no, 1);
    for (size_t i = 0; i < d; i++)
      mpfr_fma(no, out[i], out[i], no, MPFR_RNDN);
    mpfr_sub(no, no, nx, MPFR_RNDN);
    mpfr_abs(no, no, MPFR_RNDN);
    mpfr_add(r, r, no, MPFR_RNDU);
    mpfr_mul_ui(t, nx, (unsigned long)(2 * d + 4), MPFR_RNDU);
    mpfr_add(S, S, t, MPFR_RNDU);
    if (acc)
      visit(a, q, out, diff);
  }
  if (acc && rc == FC_OK)
    a->visited = 1;
  for (size_t i = 0; i < d; i++) {
    mpfr_clear(in[i]);
    mpfr_clear(out[i]);
  }
  mpfr_clears(nx, no, t, diff, (mpfr_ptr)0);
  free(in);
  free(out);
  return rc;
}

static int acc_failed(void *arg)
{
  const racc *a = arg;
  const fc_measure *m = &a->res->level[FC_LEVEL_ACCURACY];
  return m->present && !(m->ratio <= 1);
}

/* The kernel outputs and their bounds, every position, from the run's
 * provider (the user's kernels, or the built-in table adapted; issue 16):
 * the inputs rounded into the declared storage (xs, which the oracle then
 * reads too), one rope_apply call over every position, the harness bound
 * fc_bnd_rope at the declared arithmetic.  FC_EKERNEL: the failure is
 * recorded in r. */
static int run_kx(double *out, double *err, double *xs, const rcase *k,
                    const fc_check_ctx *x, fc_check_result *r,
                    fc_kernel_arith *a)
{
  fc_kx kx;
  int rc = fc_kx_open(&kx, x);
  if (rc != FC_OK)
    return rc;
  *a = kx.a;
  int64_t *pos = malloc(k->npos * sizeof *pos);
  if (pos == NULL) {
    fc_kx_close(&kx);
    return FC_ENOMEM;
  }
  for (size_t q = 0; q < k->npos; q++)
    pos[q] = k->pos[q];
  /* A row beyond the storage format's range (level-3 values reach 2^22;
   * fp16 stops at 65504) is scaled by a power of two first: RoPE is
   * linear, the scaled row is the case the kernel is asked, and the
   * oracle reads the stored values.  Headroom 4: |out| <= 2 max |x|. */
  const double fmax = fc_fmt_max(kx.a.storage);
  for (size_t q = 0; q < k->npos; q++) {
    const double *xq = k->x + q * k->d;
    double m = 0;
    for (size_t i = 0; i < k->d; i++)
      m = fabs(xq[i]) > m ? fabs(xq[i]) : m;
    int e = 0;
    while (ldexp(m, e) > fmax / 4)
      e--;
    for (size_t i = 0; i < k->d; i++)
      xs[q * k->d + i] = ldexp(xq[i], e);
  }
  fc_kx_store(xs, NULL, xs, k->npos * k->d, kx.a.storage);
  rc = fc_kx_rope(r, &kx, out, xs, k->npos, pos, &k->s);
  if (rc == FC_OK)
    fc_bnd_rope(err, xs, NULL, k->npos, pos, &k->s, &kx.a);
  free(pos);
  fc_kx_close(&kx);
  return rc;
}

static int check_rope_large(fc_check_result *r, const fc_case *c,
                            const fc_check_ctx *x)
{
  rcase k;
  int rc = view(&k, c);
  if (rc != FC_OK)
    return rc;
  if (fc_schedule_check(&k.s, NULL) != FC_OK)
    return FC_EINVAL;
  const size_t d = k.d, np = k.npos;
  const int user = fc_kx_external(x);
  fc_kernel_arith arith = {FC_FMT_FP64, FC_FMT_FP64, 0};
  double *out = malloc(np * d * sizeof *out);
  double *err = malloc(np * d * sizeof *err);
  double *xs = malloc(np * d * sizeof *xs);
  double *qw = calloc(np, sizeof *qw);
  if (out == NULL || err == NULL || qw == NULL || xs == NULL) {
    free(out);
    free(err);
    free(xs);
    free(qw);
    return FC_ENOMEM;
  }
  rc = run_kx(out, err, xs, &k, x, r, &arith);
  if (rc != FC_OK) {
    free(out);
    free(err);
    free(xs);
    free(qw);
    return rc == FC_EKERNEL ? FC_OK : rc;
  }
  k.x = xs; /* the oracle reads the values the kernel read */
  /* Conformance (as commutant.rope_accuracy), whoever computed out and
   * err: |o^2 - o*^2| <= E (2|o| + E) per coordinate, sum o*^2 = ||x||^2
   * exactly; each sum of d squares gamma_d; the subtraction u. */
  for (size_t q = 0; q < np; q++) {
    const double *xq = k.x + q * d, *o = out + q * d, *e = err + q * d;
    double nx2 = 0, no2 = 0, prop = 0;
    for (size_t i = 0; i < d; i++) {
      nx2 += xq[i] * xq[i];
      no2 += o[i] * o[i];
      prop += e[i] * (2 * fabs(o[i]) + e[i]);
    }
    const double dif = fabs(no2 - nx2);
    fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], dif,
                    SAFE(prop + fc_gamma((double)d) * (no2 + nx2) +
                         FC_U * dif + (double)d * ETA),
                    0);
  }
  /* Statement and accuracy: one oracle pass at P. */
  racc a = {&k, out, err, r, x->prec, 0, 0, 0, 0, 0, qw};
  rc = fc_oracle_statement_ball(r, st_norms, &a, x, acc_failed);
  if (rc == FC_OK && !a.visited)
    rc = FC_EINTERNAL;
  if (rc == FC_OK) {
    /* Plot points: the run's worst position, then the scattered ones. */
    size_t qr = 0;
    for (size_t q = 1; q < k.n; q++)
      if (qw[q] > qw[qr])
        qr = q;
    if (k.pos[qr] > 0)
      fc_check_add_point(r, 0, (double)k.pos[qr], qw[qr]);
    for (size_t q = k.n; q < np && r->npoints < FC_CASE_POINTS; q++)
      if (k.pos[q] > 0)
        fc_check_add_point(r, 0, (double)k.pos[q], qw[q]);
    size_t qmax = 0;
    for (size_t q = 1; q < np; q++)
      if (k.pos[q] > k.pos[qmax])
        qmax = q;
    const long si = fc_case_dim(c, "schedule", -1);
    snprintf(r->note, sizeof r->note,
             "%s%s%s%s%s d=%zu, %zu positions: worst err/bound %.3g (err "
             "%.2e) at p=%ld coord %zu; largest p=%ld: %.3g",
             user ? fc_fmt_name(arith.storage) : "", user ? "/" : "",
             user ? fc_fmt_name(arith.accum) : "",
             user ? " kernels," : "",
             si >= 0 && (size_t)si < NSCHED ? schedules[si] : "?", d, np,
             a.worst, a.worst_err, k.pos[a.worst_q], a.worst_i, k.pos[qmax],
             qw[qmax]);
  }
  free(out);
  free(err);
  free(xs);
  free(qw);
  return rc;
}

/* Cases per profile (ci, default, nightly).  Measured on the 2-core build
 * machine, one thread (foldcheck run commutant.large.rope_accuracy
 * --profile P --threads 1): ci 100 cases in 0.35 s; default 50 cases in
 * 1.5 s; nightly 32 cases in 10-24 s, a case at n = 4096 in 0.25 s
 * (phi-2, d = 80) to 1.1 s (d = 128) and 1.9 s (gemma, d = 256), peak RSS
 * 42 MB. */
static const long caps[3] = {100, 50, 32};

static const fc_property p_rope_large = {
    .id = "commutant.large.rope_accuracy",
    .title =
        "real RoPE presets at their head dimension (d up to 256, partial "
        "and interleaved rotary, NTK/YaRN), long-context position runs up "
        "to 2^20: the double RoPE kernel stays inside its position-"
        "dependent error bound, and Theta(p) preserves norms",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .extension = "kernel accuracy of RoPE against MPFR at realistic sizes, "
                 "error vs position (no Lean name)",
    .generate = gen_rope_large,
    .check = check_rope_large,
    .kernels_via = FC_KV_PROVIDER,
    .describe = describe,
    .plot_x = "position p",
    .plot_y = "error / bound",
    .plot_ref_label = "bound",
    .plot_ref_y = 1,
    .plot_logx = 1,
    .max_cases_by_scale = caps,
};

const fc_property *const fc_family_rope_large[] = {&p_rope_large, NULL};

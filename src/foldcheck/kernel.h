/* foldcheck/kernel.h -- the kernel plugin ABI: the contracts a user's own
 * kernels implement so that foldcheck checks them (issue 9).
 *
 * Pure C, no MPFR/BLAS types; include it alone.  A plugin is a shared
 * object exporting ONE symbol, `fc_kernel_plugin`, of type
 * `const fc_kernel_plugin_t`:
 *
 *     #include <foldcheck/kernel.h>
 *     const fc_kernel_plugin_t fc_kernel_plugin = {
 *       .abi_version = FC_KERNEL_ABI_VERSION, .name = "mine",
 *       .arith = {FC_FMT_FP32, FC_FMT_FP32},
 *       .rope_apply = my_rope, .attention = my_attention, ...};
 *
 * and `foldcheck run --kernels ./libmine.so` checks it (through the host
 * program foldcheck-kernel-host, in a separate process: a crash or a hang of
 * the plugin is a failing case, never the end of the run).
 *
 * Arithmetic: three formats (FC_FMT_*), declared in `arith`.
 *   storage      the format of every floating-point array that crosses the
 *                ABI (inputs and outputs): FC_FMT_FP64 -> double,
 *                FC_FMT_FP32 -> float, FC_FMT_BF16 / FC_FMT_FP16 -> uint16_t
 *                bit patterns (IEEE binary16; bfloat16 = the upper half of
 *                a binary32).  The harness rounds its inputs into it (round
 *                to nearest even) before the call and judges the outputs as
 *                the exact values they encode.
 *   elementwise  every operation that is not a reduction (a product, an
 *                addition of two terms, a scaling) and every STAGE RESULT
 *                the kernel may round before the next stage (the rounding
 *                points listed per contract below).
 *   accum        reductions: dot products, sums, softmax (its max, exp,
 *                denominator and division), the RMSNorm variance, and the
 *                RoPE angle p theta with its cos and sin.
 * The harness's a-priori bounds use each format's unit roundoff u (fp64
 * 2^-53, fp32 2^-24, bf16 2^-8, fp16 2^-11) and half its smallest
 * subnormal per rounding (the error model is doc/error-model.md), so
 * declare what the kernel really does: declaring a wider format than it
 * uses is caught as an accuracy failure.  Positions are int64_t, RoPE
 * frequencies and epsilons double (the kernel may round them into accum).
 *
 * `arith.elementwise` is encoded so that an arith written with two parts
 * keeps its meaning: 0 (FC_ELEMENTWISE_AS_ACCUM, what `{S, A}` leaves
 * there) means "the same as accum"; another format is written
 * FC_ELEMENTWISE(FC_FMT_BF16).  Common stacks (foldcheck kernels --arith):
 *   {FC_FMT_FP32, FC_FMT_FP32}                        fp32 everywhere
 *   {FC_FMT_BF16, FC_FMT_FP32}                        strict-bf16: fp32
 *       inside, one rounding at the output
 *   {FC_FMT_BF16, FC_FMT_FP32, FC_ELEMENTWISE(FC_FMT_BF16)}   hf-bf16: what
 *       Hugging Face transformers computes for a bf16 Llama (bf16 tensor
 *       ops, fp32 matmul accumulation, fp32 softmax and RMSNorm variance).
 *
 * Rounding points: where a kernel of declared storage S, elementwise E and
 * accumulation A may round (and the bound allows no other):
 *   every input    into E or A when it is narrower than S (before the first
 *                  operation that reads it);
 *   every op       elementwise ops in E (or computed in A and rounded to
 *                  E, as PyTorch's opmath does), reductions in A (any
 *                  order, FMA or not);
 *   stage results  the result of a reduction or of an accum-format scalar
 *                  function may be rounded to E before the next stage;
 *   outputs        rounded to S (after the rounding to E, if any).
 * Per contract:
 *   rope_apply     w = p theta, cos w, sin w in A; the cos/sin tables
 *                  rounded to E; the two products and the add/sub in E;
 *                  (a coordinate >= rotary_dim is copied exactly);
 *   attention      q.k in A, rounded to E, scaled by 1/sqrt(d) (the
 *                  constant formed in A) in E: HF's `q @ k^T` then
 *                  `/ sqrt(d)`, each rounded to bf16; softmax in A; the
 *                  weights rounded to E; sum_u a_u v_u in A;
 *   attention_block  RMSNorm: the variance and 1/sqrt(eps + var) in A,
 *                  that factor rounded to E, x_i * factor and * gain in E;
 *                  projections in A, each result rounded to E then kept in
 *                  S; RoPE and attention as above; the residual add in E;
 *   fold_weights   R W in A, rounded to E, then to S;
 *   sign_quant, allocate_bits   reductions and their scalar functions
 *                  (alpha, the angles and their mean) in A.
 * With elementwise = accum (two parts) every rounding point above that
 * rounds a value of A into E is exact: a result is rounded once, into S.
 *
 * ABI versions.  Version 2 (this header) added `arith.elementwise`, which
 * moved the function pointers of fc_kernel_plugin_t.  A plugin built
 * against version 1 (abi_version 1, arith {storage, accum}) keeps working:
 * the host reads it with the version-1 layout and elementwise = accum.
 *
 * Layouts: row-major, C-contiguous, no padding.  Every entry returns 0 on
 * success and nonzero on failure (reported as "kernel returned status N").
 * `claimed` (never NULL) is preset to NaN: an entry may store the max
 * absolute error bound it believes its outputs have.  foldcheck shows it
 * beside its own bound and never uses it.  An entry left NULL is "not
 * provided": properties that need it are reported as such, never as a pass.
 *
 * Contracts (exact mathematics; the harness bounds the distance to it):
 *
 * rope_apply(out, in, rows, d, pos, theta, layout, rotary_dim, claimed):
 *   in, out: rows x d.  Row r is rotated by Theta(pos[r]): for plane i
 *   (0 <= i < rotary_dim/2) with angle w = pos[r] * theta[i],
 *     out_a = cos(w) in_a - sin(w) in_b,  out_b = sin(w) in_a + cos(w) in_b,
 *   planes (a, b) = (2i, 2i+1) for FC_ROPE_INTERLEAVED (GPT-J) or
 *   (i, i + rotary_dim/2) for FC_ROPE_HALF (Llama/NeoX rotate_half);
 *   coordinates >= rotary_dim are copied.  theta: d/2 doubles (entries past
 *   rotary_dim/2 are 0).  out must not alias in.
 *
 * attention(ctx, q, k, v, T, d, heads, kv, causal, claimed):
 *   q: T x (heads d) (head h in columns [h d, (h+1) d)), k, v: T x (kv d);
 *   query head h reads key/value head g = h / (heads / kv) (kv divides
 *   heads).  s_tu = q_t . k_u / sqrt(d), masked (u > t) when causal,
 *   a_t = softmax(s_t), ctx_t = sum_u a_tu v_u: T x (heads d).
 *
 * attention_block(out, args, claimed):  see fc_kernel_block_args below:
 *   xn_t = RMSNorm(x_t) * gain (xn = x when gain is NULL),
 *   q = Theta(pos) Wq xn, k = Theta(pos) Wk xn (rope_apply's convention per
 *   head), v = Wv xn, ctx = attention(q, k, v), out_t = Wo ctx_t (+ x_t with
 *   residual).  RMSNorm(x)_i = x_i / sqrt(eps + sum_j x_j^2 / dm).
 *
 * fold_weights(w2, w, r, d, n, side, claimed):  the offline rewrite.
 *   side 0: w2 = R W (R d x d, W d x n: one head block of Wq, Wk or Wv);
 *   side 1: w2 = W R^T (W n x d: one head's column block of Wo, given
 *   contiguous n x d).
 *
 * sign_quant(s, alpha, k, d, claimed):  s_i = sign(k_i) with sign(0) =
 *   sign(-0) = +1 (s in the storage format), *alpha = ||k||_1 / d.
 *
 * allocate_bits(bits, keys, n, d, d_l, claimed):  the horizontal-slice
 *   allocator (SPEC F10).  keys: n x d (no zero row).  The layer angle is
 *   the mean over the n keys of theta_k = acos(||k||_1 / (sqrt(d)
 *   ||k||_2)) in degrees; *bits = 1 if d_l >= 512 and angle <= 40, else 2
 *   if angle <= 44, else 3.  A decision the exact angle would not give is
 *   accepted only when the exact angle lies within the harness's bound of
 *   the angle error (at the declared accumulation) of every threshold the
 *   decision crosses: near a threshold a float allocator may go either way.
 */
#ifndef FOLDCHECK_KERNEL_H
#define FOLDCHECK_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FC_KERNEL_ABI_VERSION 2

/* Floating-point formats (values are part of the ABI). */
enum {
  FC_FMT_FP64 = 0,
  FC_FMT_FP32 = 1,
  FC_FMT_BF16 = 2,
  FC_FMT_FP16 = 3
};

/* RoPE pair layouts (values are part of the ABI). */
enum { FC_ROPE_INTERLEAVED = 0, FC_ROPE_HALF = 1 };

/* fc_kernel_arith.elementwise: 0 = the same as accum (a two-part
 * declaration), else FC_ELEMENTWISE(FC_FMT_*). */
#define FC_ELEMENTWISE_AS_ACCUM 0
#define FC_ELEMENTWISE(fmt) (0x100 | (fmt))

typedef struct fc_kernel_arith {
  int storage;     /* FC_FMT_*: arrays across the ABI */
  int accum;       /* FC_FMT_*: reductions */
  int elementwise; /* FC_ELEMENTWISE(FC_FMT_*) or 0: as accum (ABI 2) */
} fc_kernel_arith;

typedef struct fc_kernel_block_args {
  size_t T, dm, d, heads, kv; /* out is T x dm */
  int causal, residual;
  const void *x;    /* T x dm */
  const void *wq;   /* (heads d) x dm */
  const void *wk;   /* (kv d) x dm */
  const void *wv;   /* (kv d) x dm */
  const void *wo;   /* dm x (heads d) */
  const void *gain; /* dm, or NULL: no RMSNorm */
  double eps;
  const int64_t *pos;   /* T */
  const double *theta;  /* d/2 (one schedule for every head) */
  int layout;           /* FC_ROPE_* */
  size_t rotary_dim;
} fc_kernel_block_args;

typedef struct fc_kernel_plugin_t {
  int abi_version; /* FC_KERNEL_ABI_VERSION */
  const char *name;
  fc_kernel_arith arith;
  int (*rope_apply)(void *out, const void *in, size_t rows, size_t d,
                    const int64_t *pos, const double *theta, int layout,
                    size_t rotary_dim, double *claimed);
  int (*attention)(void *ctx, const void *q, const void *k, const void *v,
                   size_t T, size_t d, size_t heads, size_t kv, int causal,
                   double *claimed);
  int (*attention_block)(void *out, const fc_kernel_block_args *a,
                         double *claimed);
  int (*fold_weights)(void *w2, const void *w, const void *r, size_t d,
                      size_t n, int side, double *claimed);
  int (*sign_quant)(void *s, double *alpha, const void *k, size_t d,
                    double *claimed);
  int (*allocate_bits)(int32_t *bits, const void *keys, size_t n, size_t d,
                       int64_t d_l, double *claimed);
} fc_kernel_plugin_t;

/* The symbol a plugin exports. */
#define FC_KERNEL_PLUGIN_SYMBOL "fc_kernel_plugin"

#ifdef __cplusplus
}
#endif
#endif /* FOLDCHECK_KERNEL_H */

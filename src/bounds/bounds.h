/* bounds.h -- a-priori error bounds owned by the harness (internal).
 *
 * Issue 9: the bound a kernel is judged against is computed here, by the
 * harness, from the contract (src/foldcheck/kernel.h), the inputs as the
 * harness holds them (exact values in the declared storage format) and the
 * kernel's DECLARED arithmetic -- never from the kernel's outputs or from a
 * bound it reports about itself.  The built-in double kernels go through
 * the same functions (declared arithmetic fp64/fp64).
 *
 * Model (Higham, Accuracy and Stability of Numerical Algorithms, ch. 2-3;
 * written out once, with the rounding points, in doc/error-model.md): each
 * operation in format f returns op(a, b)(1 + e) + h, |e| <= u_f, |h| <=
 * eta_f / 2 (u_f the unit roundoff: fp64 2^-53, fp32 2^-24, bf16 2^-8,
 * fp16 2^-11; eta_f the smallest subnormal: the absolute term covers
 * gradual underflow, Higham eq. (2.8); additions and subtractions that
 * underflow are exact, so only products, divisions, conversions and
 * library functions carry it); a sum or dot product of n terms, in any
 * order, with or without FMA, has error <= gamma_n sum |terms| + n eta/2
 * (1 + gamma_n), gamma_n = n u / (1 - n u) (Higham Lemma 3.1, eq. (3.4));
 * libm-quality sin, cos, exp are within 2 u of the exact function of their
 * computed argument (documented assumption of the contract; all common
 * float libms are within 1 ulp).
 * Three formats are declared (src/foldcheck/kernel.h): storage S (every
 * array across the ABI), elementwise E (non-reduction operations and stage
 * results), accumulation A (reductions).  A value converted into a format
 * that does not contain every value of its source is one rounding of that
 * format: an input of S read by an operation of E or A, a reduction's
 * result rounded to E (a stage result), a result stored into S.  The
 * rounding points of each contract are listed in kernel.h; each bound below
 * derives its terms once from the three formats (struct model in
 * bounds.c).  Intermediate stages of the block are kept in S, as engines
 * keep activations.  Magnitudes are formed by the harness in double; every
 * bound is finally multiplied by (1 + gamma_16(fp64)) to cover those few
 * roundings of its own (FC_BND_SAFETY).
 *
 * When n u >= 1 gamma_n is not defined: the bound is +inf and
 * fc_bnd_vacuous() tells the property to say so (never a silent pass). */
#ifndef FC_BOUNDS_H
#define FC_BOUNDS_H

#include <stddef.h>
#include <stdint.h>
#include "foldcheck/kernel.h"
#include "gen/schedule.h"

/* Unit roundoff, precision in bits, largest finite value, name. */
double fc_fmt_u(int fmt);
int fc_fmt_bits(int fmt);
double fc_fmt_max(int fmt);
const char *fc_fmt_name(int fmt); /* "fp64", ...; "?" when unknown */
/* Parse "fp64", "fp32", "bf16", "fp16"; -1 otherwise. */
int fc_fmt_parse(const char *name);
/* Bytes per element. */
size_t fc_fmt_size(int fmt);
/* 1 if fmt is one of FC_FMT_*. */
int fc_fmt_valid(int fmt);
/* x rounded to nearest (ties to even) in fmt, with fmt's subnormals;
 * overflow gives +-inf (callers reject such cases). */
double fc_fmt_round(int fmt, double x);
/* Encode n doubles already representable in fmt into fmt's bytes
 * (little-endian bit patterns for bf16/fp16) / decode back exactly. */
void fc_fmt_encode(void *dst, int fmt, const double *x, size_t n);
void fc_fmt_decode(double *x, int fmt, const void *src, size_t n);

/* The smallest positive subnormal of fmt (fp32 2^-149, bf16 2^-133, fp16
 * 2^-24, fp64 2^-1074): one rounding in fmt adds at most half of it. */
double fc_fmt_eta(int fmt);
/* 1 if every value of `from` is a value of `to` (a conversion is exact). */
int fc_fmt_contains(int to, int from);

/* gamma_n in format fmt; +inf when n u >= 1. */
double fc_fmt_gamma(int fmt, double n);

/* ---- the declared arithmetic (src/bounds/arith.c) ---- */

/* The elementwise format of a: its explicit one, or accum when a says "as
 * accum" (elementwise 0). */
int fc_arith_elementwise(const fc_kernel_arith *a);
/* 1 if storage, accum and elementwise are valid (elementwise 0 or
 * FC_ELEMENTWISE(a valid format)). */
int fc_arith_valid(const fc_kernel_arith *a);
/* Parse a declaration: a preset name (fc_arith_preset_at), STORAGE/ACCUM
 * (elementwise = accum) or STORAGE/ELEMENTWISE/ACCUM, formats fp64, fp32,
 * bf16, fp16.  FC_OK, or FC_EINVAL with a one-line reason in why. */
int fc_arith_parse(fc_kernel_arith *a, const char *text, char *why,
                   size_t nwhy);
/* "bf16/fp32" (two parts when elementwise is accum) or "bf16/bf16/fp32"
 * into buf (n >= 16 holds every declaration); returns buf. */
const char *fc_arith_format(char *buf, size_t n, const fc_kernel_arith *a);
/* Named presets: the stacks people run.  NULL past the last. */
typedef struct fc_arith_preset {
  const char *name;        /* "hf-bf16" */
  fc_kernel_arith arith;
  const char *summary;     /* one line: what computes in which format */
} fc_arith_preset;
const fc_arith_preset *fc_arith_preset_at(size_t i);

/* Unit roundoff of the final rounding of a reduction's result into
 * storage (to elementwise, then to storage): 0 when both conversions are
 * exact.  Kept for callers of the two-part model. */
double fc_arith_uout(const fc_kernel_arith *a);

#define FC_BND_SAFETY (1.0 + 16 * 0x1p-53 / (1.0 - 16 * 0x1p-53))

/* RoPE: E (rows x d) bounds |out - Theta(pos) x| entrywise for a kernel of
 * arithmetic a applied to x (rows x d; the magnitudes |x| it reads are the
 * caller's: exact inputs, or upper bounds of perturbed ones), with input
 * errors ex (rows x d, NULL: exact inputs) propagated. */
void fc_bnd_rope(double *E, const double *xmag, const double *ex,
                 size_t rows, const int64_t *pos, const fc_schedule *s,
                 const fc_kernel_arith *a);

/* Attention: E (T x heads d) bounds |ctx - attention(q, k, v)| for inputs
 * with magnitudes (upper bounds) Q, K, V and errors EQ, EK, EV (NULL: 0).
 * Cmag (may be NULL) receives an upper bound of |ctx| + E. */
void fc_bnd_attention(double *E, double *Cmag, const double *Q,
                      const double *EQ, const double *K, const double *EK,
                      const double *V, const double *EV, size_t T, size_t d,
                      size_t heads, size_t kv, int causal,
                      const fc_kernel_arith *a);

/* The attention block of the contract; inputs exact (as held).  E: T x dm.
 * FC_OK or FC_ENOMEM. */
typedef struct fc_bnd_block_in {
  size_t T, dm, d, heads, kv;
  int causal, residual;
  const double *x, *wq, *wk, *wv, *wo, *gain; /* gain NULL: no norm */
  double eps;
  const int64_t *pos;
  const fc_schedule *s; /* NULL: no RoPE */
  /* Optional (row-sampled checks at long context): when rows != NULL, E is
   * nrows x dm and bounds the output rows rows[0 .. nrows) only (each
   * < T, else FC_EINVAL; any order, repeats allowed): the keys and values
   * of every row, the query side of those rows only (each row's bound is
   * the whole block's, up to the harness's own rounding).  NULL: every
   * row, E is T x dm. */
  const size_t *rows;
  size_t nrows;
  /* Optional (issue 16, F6 (b) at realistic sizes): an online rotation R
   * (d x d, the same for every head) applied after RoPE to every query
   * head (rq) and every key head (rk), each given as its values as the
   * kernel receives them and an entrywise bound of their distance to the
   * exact rotation the theorem names (e.g. fc_bnd_givens; NULL: exact).
   * NULL rq / rk: no rotation on that side. */
  const double *rq, *erq, *rk, *erk;
  /* Optional output: the contexts' bounds (nrows x heads d, or T x heads
   * d without rows) against the exact contexts of the exact inputs, as
   * the kernel concatenates them before Wo.  NULL: not wanted. */
  double *ectx;
} fc_bnd_block_in;
int fc_bnd_block(double *E, const fc_bnd_block_in *in,
                 const fc_kernel_arith *a);

/* Fold: side 0: E (d x n) for R W; side 1: E (n x d) for W R^T. */
void fc_bnd_fold(double *E, const double *W, const double *R, size_t d,
                 size_t n, int side, const fc_kernel_arith *a);

/* Allocator (SPEC F10): a bound, in degrees, of |mean^ - mean| for the
 * mean phase-collapse angle mean_i acos(||k_i||_1 / (sqrt(d) ||k_i||_2))
 * of n keys (n x d, exact as held) computed at arithmetic a.  +inf for a
 * zero key or when a gamma is undefined.  Derivation in bounds.c. */
double fc_bnd_mean_angle(const double *keys, size_t n, size_t d,
                         const fc_kernel_arith *a);

/* sign_quant's alpha = ||k||_1 / n (k exact as held, n entries) computed
 * at arithmetic a: a bound of |alpha^ - alpha| (alpha crosses the ABI as a
 * double: no storage rounding). */
double fc_bnd_sign_alpha(const double *k, size_t n, const fc_kernel_arith *a);

/* ---- quantisation geometry: the built-in quant table (F7-F10;
 * src/bounds/quant.c, derivations there and in doc/error-model.md) ----
 * Bounds of |computed - exact| for the table's scaled algorithms
 * (src/kernels/quant.c) at the declared accumulation format, from the
 * inputs only.  +inf (fc_bnd_vacuous) when the storage format is not
 * contained in the accumulation format (the table reads its inputs in
 * it), a gamma is undefined, or an input is not finite. */

/* ||x||_2 of x[0], x[inc], ..., x[(n-1) inc]. */
double fc_bnd_quant_nrm2(const double *x, size_t n, size_t inc,
                         const fc_kernel_arith *a);
/* ||W||_F of the row-major m x n matrix W. */
double fc_bnd_quant_frob(const double *W, size_t m, size_t n,
                         const fc_kernel_arith *a);
/* The RMS of the column norms, sqrt((1/n) sum_j ||W e_j||^2) (n >= 1). */
double fc_bnd_quant_colnorm_rms(const double *W, size_t m, size_t n,
                                const fc_kernel_arith *a);
/* fl(frob^ / fl(sqrt(n))) against ||W||_F / sqrt(n): the quotient formed
 * from the table's frob (the F7 identity's right-hand side). */
double fc_bnd_quant_frob_rms(const double *W, size_t m, size_t n,
                             const fc_kernel_arith *a);

/* The sign-quantisation geometry of one key k (d entries, k != 0): bounds
 * of the table's cos theta, sin^2 theta and alpha = ||k||_1 / d, and two
 * magnitudes the properties compose with (upper bound of alpha, lower
 * bound of ||k||_2 > 0). */
typedef struct fc_bnd_quant_key_t {
  double cos_theta, sin2, alpha;
  double alpha_mag, norm_lo;
} fc_bnd_quant_key_t;
/* Fills *B (bounds +inf when vacuous; the magnitudes are always set for a
 * nonzero finite key).  FC_OK, or FC_EINVAL for NULL, d = 0, a zero or
 * non-finite key (every bound +inf). */
int fc_bnd_quant_key(fc_bnd_quant_key_t *B, const double *k, size_t d,
                     const fc_kernel_arith *a);
/* ||k - alpha sign(k)||^2 / ||k||^2 for the given double alpha (an input
 * of the residual kernel). */
double fc_bnd_quant_residual(const double *k, size_t d, double alpha,
                             const fc_kernel_arith *a);
/* The mean phase-collapse angle of the table (atan2 form) is bounded by
 * fc_bnd_mean_angle above: src/bounds/quant.c says why. */
/* ---- rotations and the commutant projection (src/bounds/rotation.c;
 * issue 16 item 3, the attention/RoPE family).  Quantities the harness
 * computes itself in binary64 from inputs it holds exactly; the bounds are
 * a-priori, from those inputs at fp64. ---- */

/* EQ (n x n) bounds |fc_givens_build_d(g) - Q*| entrywise, Q* the exact
 * Givens product of g (angles exactly 2 pi t).  From g alone.  FC_OK;
 * FC_EINVAL (n = 0 or > 4096, a bad plane, a non-finite turn);
 * FC_ENOMEM. */
struct fc_givens;
int fc_bnd_givens(double *EQ, const struct fc_givens *g);

/* EY (d x d) bounds |Y - Pc(X)| entrywise for Y the rope sub-table's
 * project(X) (the commutant projection under rel, fc_schedule_relations)
 * of an exact d x d X: the rounding of each kept coefficient, 0 on copied
 * and zeroed entries. */
void fc_bnd_project(double *EY, const double *X, const fc_schedule *s,
                    const unsigned char *rel);

/* 1 if the value is a vacuous bound (+inf or nan). */
int fc_bnd_vacuous(double b);

/* ---- F1/F2: the 2x2 linear-algebra kernels (src/bounds/lin.c) ----
 * The kernels of src/kernels/lin.h return values only; these are their
 * bounds, for a kernel doing every operation in format f (the built-in
 * tables: FC_FMT_FP64).  2x2 matrices are row-major double[4].  An input is
 * described by a magnitude (M: an upper bound of |exact value|, entrywise)
 * and an error bound (E: |computed - exact|; NULL: exact, as held).  Each
 * function returns the bound of the computed result (E out) and, where a
 * composition needs it, a magnitude of the exact result (M out; either
 * output may be NULL).  Turns t are exact doubles (angle 2 pi t).  The
 * derivations are in lin.c. */
/* fl(a b), fl(a +- b) of two bounded operands (a property's own ops). */
double fc_bnd_lin_mul(int f, double am, double ea, double bm, double eb);
double fc_bnd_lin_add(int f, double am, double ea, double bm, double eb);
/* x . y of length n (ex, ey may be NULL). */
double fc_bnd_lin_dot(int f, size_t n, const double *xm, const double *ex,
                      const double *ym, const double *ey);
/* C = A B and C = A B - B A. */
void fc_bnd_lin_mul2(int f, double EC[4], double CM[4], const double AM[4],
                     const double EA[4], const double BM[4],
                     const double EB[4]);
void fc_bnd_lin_comm2(int f, double EC[4], double CM[4], const double AM[4],
                      const double EA[4], const double BM[4],
                      const double EB[4]);
/* R = Rot(2 pi t) (magnitudes |cos|, |sin| of the exact angle, by MPFR). */
void fc_bnd_lin_rot(int f, double ER[4], double RM[4], double t);
/* Y = X Rot(2 pi t1) - Rot(2 pi t2) X. */
void fc_bnd_lin_sylv(int f, double EY[4], double YM[4], const double XM[4],
                     const double EX[4], double t1, double t2);
/* sig[k] = 2 |sin(pi (t1 -/+ t2))| (k = 0: minus, 1: plus). */
void fc_bnd_lin_sigmas(int f, double esig[2], double sigm[2], double t1,
                       double t2);
/* abcd of R = a I + b J + c K + d L. */
void fc_bnd_lin_decomp(int f, double E[4], double M[4], const double RM[4],
                       const double ER[4]);

#endif

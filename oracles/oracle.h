/* oracle.h -- MPFR oracles (internal).
 *
 * The oracle is independent of what it judges: it never calls a kernel.
 * Matrices are row-major arrays of mpfr_t, allocated once per case and
 * reused.  Every oracle result is recomputed at P + 64 bits
 * (fc_oracle_statement) and the two must agree to 2^(-P+s) * scale;
 * disagreement is an oracle fault, reported apart from a property failure.
 */
#ifndef FC_ORACLE_H
#define FC_ORACLE_H

#include <mpfr.h>
#include "foldcheck.h"

typedef struct fc_mpmat_struct {
  size_t rows, cols;
  mpfr_prec_t prec;
  mpfr_t *e; /* rows * cols entries, row-major */
} fc_mpmat_struct;
typedef fc_mpmat_struct fc_mpmat_t[1];

#define FC_MPMAT(m, i, j) ((m)->e[(size_t)(i) * (m)->cols + (size_t)(j)])

/* Allocate rows x cols entries at prec, set to 0.  FC_ENOMEM, FC_EINVAL
 * (a size over FC_CASE_MAX_ELEMS).  On failure m is left cleared (safe to
 * fc_mpmat_clear). */
int fc_mpmat_init(fc_mpmat_t m, size_t rows, size_t cols, mpfr_prec_t prec);
void fc_mpmat_clear(fc_mpmat_t m);
/* Exact copy of a row-major double array (doubles are exact at prec >= 53). */
void fc_mpmat_set_d(fc_mpmat_t m, const double *a);
void fc_mpmat_set_zero(fc_mpmat_t m);
void fc_mpmat_set_identity(fc_mpmat_t m); /* square */
void fc_mpmat_set(fc_mpmat_t dst, const fc_mpmat_t src); /* same shape */
/* dst = round(src) entry by entry to double, row-major. */
void fc_mpmat_get_d(double *dst, const fc_mpmat_t src);
/* C = A B (C must not alias A or B); each entry correctly rounded
 * (mpfr_dot).  If S is non-NULL it receives |A| |B| (the magnitude sums a
 * statement bound scales with).  FC_EINVAL on shape mismatch; FC_ENOMEM. */
int fc_mpmat_mul(fc_mpmat_t C, fc_mpmat_t S, const fc_mpmat_t A,
                 const fc_mpmat_t B);
/* C = A - B, C = A + B (may alias). */
void fc_mpmat_sub(fc_mpmat_t C, const fc_mpmat_t A, const fc_mpmat_t B);
void fc_mpmat_add(fc_mpmat_t C, const fc_mpmat_t A, const fc_mpmat_t B);
/* T = A^T (must not alias). */
void fc_mpmat_transpose(fc_mpmat_t T, const fc_mpmat_t A);
/* Frobenius norm and max-abs entry. */
void fc_mpmat_frob(mpfr_t r, const fc_mpmat_t A);
void fc_mpmat_maxabs(mpfr_t r, const fc_mpmat_t A);
/* s = sin(2 pi t), c = cos(2 pi t) for the exact double t, at their own
 * precision: a t that is a short dyadic hits multiples of pi/2^k exactly
 * in exact arithmetic (2 pi t formed at prec + 32 bits). */
void fc_mp_sincos_turns(mpfr_t s, mpfr_t c, double t);
/* Q = the Givens product of g at Q's precision (same convention as
 * fc_givens_build_d).  Q must be g->n x g->n. */
int fc_mpmat_givens(fc_mpmat_t Q, const fc_givens *g);

/* A statement: compute residual r >= 0 and scale S >= 0 at precision prec
 * (both set to that precision by the caller).  Return FC_OK or an error. */
typedef int (*fc_statement_fn)(mpfr_t r, mpfr_t S, void *arg,
                               mpfr_prec_t prec);

/* Evaluate a statement at P = x->prec and at P + 64; fill the statement
 * level (err = r_P, bound = 2^(-P+s) S, ratio in MPFR) and the self-check
 * (oracle_fault set when |r_P - r_{P+64}| > 2^(-P+s) max(S, tiny)); a
 * fault is a flag in res, not an error code (the runner reports it).  The
 * wall time of both evaluations is added to res->oracle_seconds. */
int fc_oracle_statement(fc_check_result *res, fc_statement_fn fn, void *arg,
                        const fc_check_ctx *x);

/* Ball-certified statements.  A statement is ball-certified when its
 * oracle carries a rigorous error coefficient (a ball radius) with every
 * value -- the running error analysis of oracles/attention.c and
 * attn_rows.c -- and fn returns as its scale S a bound such that, whenever
 * the theorem holds on the case, the P-bit residual satisfies
 *     r_P <= 2^-P S_P                                        (the balls)
 * (e.g. r = max |b_i - a_i| and S = max (E(a_i) + E(b_i)): if the exact
 * a_i and b_i are equal, the two balls around the computed ones meet).
 *
 * The self-check then needs the P + 64 recomputation only where it can
 * change what is reported.  The argument:
 *  - a residual inside the balls (r_P <= 2^-P S_P) passes the statement
 *    with a margin of 2^s; an oracle whose balls are right cannot make it
 *    fail, and no value of the exact residual that the statement can
 *    resolve (above 2^(-P+s) S) is consistent with it;
 *  - a residual outside the balls is either a genuine violation or an
 *    oracle fault (a ball rule that understates the error, an intermediate
 *    kept at too low a precision): exactly the cases the recomputation
 *    tells apart, so they are recomputed at P + 64 and compared as
 *    fc_oracle_statement does;
 *  - a case that fails at another level (accuracy: a kernel output against
 *    the oracle) is recomputed too (`failed`), so that every reported
 *    failure and every detection of a negative control rests on a
 *    self-checked oracle.
 * So every verdict that depends on the oracle is self-checked, and a
 * passing case costs one evaluation instead of two.  What this does not
 * do, the full recomputation did not do either: a fault that moves the
 * P and P + 64 results alike (a wrong formula, a value rounded through a
 * double at both precisions) is seen as a statement failure, not a fault.
 * tests/t-f4f6 breaks an oracle deliberately and shows the fault caught.
 *
 * Use as fc_oracle_statement_ball(res, fn, arg, x, failed): evaluates at
 * P; recomputes at P + 64 when r_P > 2^-P S_P or failed(arg) is true
 * (failed may be NULL); res->recomputed says whether it did. */
int fc_oracle_statement_ball(fc_check_result *res, fc_statement_fn fn,
                             void *arg, const fc_check_ctx *x,
                             int (*failed)(void *arg));

/* The two halves, for callers that decide themselves (fc_oracle_statement
 * and fc_oracle_statement_ball are built of them).  begin evaluates at P,
 * fills the statement level and sets ev->outside (r_P > 2^-P S_P);
 * recheck evaluates at P + 64 and compares (sets res->recomputed, and
 * res->oracle_fault on disagreement); end frees ev (always call it after
 * begin, whatever begin returned). */
typedef struct fc_stmt_eval {
  mpfr_t r, S;  /* the P-bit residual and scale */
  int outside;  /* 1: r_P > 2^-P S_P */
  int init;
} fc_stmt_eval;
int fc_oracle_statement_begin(fc_stmt_eval *ev, fc_check_result *res,
                              fc_statement_fn fn, void *arg,
                              const fc_check_ctx *x);
int fc_oracle_statement_recheck(fc_stmt_eval *ev, fc_check_result *res,
                                fc_statement_fn fn, void *arg,
                                const fc_check_ctx *x);
void fc_oracle_statement_end(fc_stmt_eval *ev);

/* Accuracy measure of a double result against the oracle value: err = |d -
 * exact|, ulps = err / ulp(exact) in the check's format (fc_check_format;
 * binary64 by default), folded into res->level[ACCURACY] against `bound`
 * and recorded as the next element of the check's current output
 * (fc_check_output; an unnamed one when none is named), so that a failure
 * names the element, its values and the bound there. */
void fc_oracle_accuracy(fc_check_result *res, double d, const mpfr_t exact,
                        double bound);

#endif

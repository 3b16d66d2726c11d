/* opcount.h -- counting MPFR operations for `foldcheck bench`.
 *
 * The foldcheck executable (never libfoldcheck) defines functions with the
 * MPFR names (mpfr_mul, mpfr_add, ..., see opcount.c).  It is linked with
 * -export-dynamic, so the calls libfoldcheck.so makes to those names bind
 * to these definitions; each one adds to a thread-local counter, when
 * counting is on, and calls the real MPFR function (dlsym RTLD_NEXT).
 * Only top-level calls count: MPFR's own internal calls (mpfr_exp calling
 * mpfr_mul, ...) pass through without counting.  Counting is off unless
 * bench turns it on; off, a wrapper costs a load, a branch and an
 * indirect call. */
#ifndef FC_CLI_OPCOUNT_H
#define FC_CLI_OPCOUNT_H

enum {
  FC_OP_MUL,     /* mul, sqr, mul_d, mul_ui, mul_si */
  FC_OP_ADD,     /* add, sub and their _d, _ui, _si forms, ui_sub */
  FC_OP_FMA,     /* fma, fms */
  FC_OP_FMMA,    /* fmma, fmms */
  FC_OP_DOT,     /* mpfr_dot: terms (its n argument) */
  FC_OP_SUM,     /* mpfr_sum: terms (its n argument) */
  FC_OP_DIV,     /* div, div_d, div_ui, div_si, ui_div, si_div */
  FC_OP_SQRT,    /* sqrt, sqrt_ui, rec_sqrt */
  FC_OP_EXP,     /* exp, expm1 */
  FC_OP_SINCOS,  /* sin_cos, sin, cos */
  FC_OP_LOG,     /* log, log1p */
  FC_OP_ATRIG,   /* acos, asin, atan, atan2 */
  FC_OP_MPN_MUL, /* GMP's mpn_mul, mpn_mul_n, mpn_sqr called outside a
                    counted MPFR function (an oracle's own exact products) */
  FC_OP_NKINDS
};

typedef struct fc_op_counts {
  unsigned long long n[FC_OP_NKINDS];
} fc_op_counts;

extern const char *const fc_op_kind_name[FC_OP_NKINDS];

/* 1 if libfoldcheck's MPFR calls reach the wrappers (the executable's
 * definitions are the ones the dynamic linker binds). */
int fc_op_count_available(void);
/* Turn counting on (1) or off (0), process-wide. */
void fc_op_count_enable(int on);
/* Add to *out, then zero: the counts of the threads that ended since the
 * last call (the runner's workers, whose counts are folded in when they
 * exit), and separately those of the calling thread. */
void fc_op_count_take_exited(fc_op_counts *out);
void fc_op_count_take_self(fc_op_counts *out);
/* Measure the cost in ns of one operation of each kind (dot and sum: per
 * term, over 64 terms; mpn_mul: ceil(prec/64) x ceil(prec/64) limbs)
 * at precision prec on random full-precision
 * operands: the best of 9 timed loops of >= 1 ms each (short loops, many:
 * on a shared machine some run undisturbed).  Counting is off
 * during the measurement.  Returns 0, or -1 when out of memory. */
int fc_op_cost_measure(double ns[FC_OP_NKINDS], long prec);

#endif

/* foldcheck.h -- the public API of libfoldcheck, in one header.
 *
 * foldcheck checks Lean theorem statements about RoPE-commuting rotations and
 * 1-bit sign quantisation on randomised cases: an MPFR oracle validates each
 * statement, double kernels are checked against the oracle and against
 * a-priori error bounds, and failures are shrunk to minimal counterexamples.
 *
 * Conventions (MPFR's): outputs first, then inputs, then precision.  Every
 * function that can fail returns an int: FC_OK (0) or a negative fc_err code.
 * No function aborts or exits; no function keeps mutable global state.
 */
#ifndef FOLDCHECK_H
#define FOLDCHECK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ errors */

/* X-macro: name, value, message (libuv's UV_ERRNO_MAP). */
#define FC_ERRNO_MAP(X)                                                     \
  X(OK, 0, "success")                                                       \
  X(EINVAL, -1, "invalid argument")                                         \
  X(ENOMEM, -2, "out of memory")                                            \
  X(EIO, -3, "input/output error")                                          \
  X(EPARSE, -4, "malformed input")                                          \
  X(ERANGE, -5, "value out of range")                                       \
  X(EOVERRUN, -6, "choice sequence longer than the draw limit")             \
  X(ENOTFOUND, -7, "not found")                                             \
  X(EVERSION, -8, "record written by an incompatible foldcheck version")    \
  X(EORACLE, -9, "oracle fault (P and P+64 bit results disagree)")          \
  X(EINTERNAL, -10, "internal error")                                       \
  X(EREJECT, -11, "case rejected by its generator")                        \
  X(ENOTPROVIDED, -12, "not provided: the kernels under test have no entry " \
    "for this contract (never a pass)")                                     \
  X(EKERNEL, -13, "the kernel under test failed (crash, timeout, status)")

typedef enum {
#define FC_ERR_ENUM_(name, val, msg) FC_##name = val,
  FC_ERRNO_MAP(FC_ERR_ENUM_)
#undef FC_ERR_ENUM_
} fc_err;

/* The message for an error code; never NULL. */
const char *fc_strerror(int code);

/* Human-readable error with a message buffer, for calls that parse user
 * input (tokens, files, options).  Functions taking an fc_error* fill it on
 * failure and leave it untouched on success; it may be NULL. */
typedef struct fc_error {
  int code;
  char msg[256];
} fc_error;

/* Sets e (if non-NULL) and returns code. printf-style. */
int fc_error_set(fc_error *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --------------------------------------------------------------- versions */

const char *fc_version(void); /* "0.1.0" */

/* ------------------------------------------------------------------- PRNG */

/* Counter-based generator: the stream of case i of property p under seed s
 * is a pure function of (s, p, i), so results do not depend on thread count
 * or order.  Output is SplitMix64's finaliser over a Weyl sequence. */
typedef struct fc_rng {
  uint64_t key;
  uint64_t ctr;
} fc_rng;

/* 64-bit FNV-1a of a string (used to key streams by property id). */
uint64_t fc_hash_str(const char *s);
/* Stream for case `index` of the property named `prop_id` under `seed`. */
void fc_rng_stream(fc_rng *r, uint64_t seed, const char *prop_id,
                   uint64_t index);
void fc_rng_seed(fc_rng *r, uint64_t key);
uint64_t fc_rng_next(fc_rng *r);
/* Uniform in [0, bound] inclusive, unbiased (rejection). */
uint64_t fc_rng_below(fc_rng *r, uint64_t bound_inclusive);
/* Uniform in [0, 1) with 53 random bits. */
double fc_rng_unit(fc_rng *r);

/* ---------------------------------------------------------------- the case */

/* A case is a list of named fields: real or integer matrices (a vector is a
 * 1-column matrix, a scalar 1x1).  Integer fields flagged as dimensions are
 * the case's "size" in reports.  Generators fill a case; checks read it;
 * reports print it; replay records store it with hex floats, so a replay
 * reproduces the values exactly whatever the generator does in later
 * versions. */
typedef struct fc_case fc_case;

typedef enum { FC_FIELD_REAL = 0, FC_FIELD_INT = 1 } fc_field_type;

fc_case *fc_case_new(void);             /* NULL on allocation failure */
void fc_case_free(fc_case *c);          /* NULL is fine */
void fc_case_reset(fc_case *c);         /* drop all fields */
/* Add a rows x cols field, zero-filled; NULL on ENOMEM or a duplicate name
 * or a size over FC_CASE_MAX_ELEMS.  The pointer stays valid until the case
 * is reset or freed. */
double *fc_case_add_reals(fc_case *c, const char *name, size_t rows,
                          size_t cols);
long *fc_case_add_ints(fc_case *c, const char *name, size_t rows,
                       size_t cols);
/* An integer scalar that is one of the case's dimensions (reported as its
 * size, e.g. "d", "T", "heads"). */
int fc_case_add_dim(fc_case *c, const char *name, long value);
/* Readers: NULL when absent or of the other type. rows/cols may be NULL. */
const double *fc_case_reals(const fc_case *c, const char *name, size_t *rows,
                            size_t *cols);
const long *fc_case_ints(const fc_case *c, const char *name, size_t *rows,
                         size_t *cols);
/* A dimension or 1x1 integer field; `dflt` when absent. */
long fc_case_dim(const fc_case *c, const char *name, long dflt);
/* Iteration over fields, in insertion order. */
size_t fc_case_nfields(const fc_case *c);
const char *fc_case_field_name(const fc_case *c, size_t i);
fc_field_type fc_case_field_type(const fc_case *c, size_t i);
int fc_case_field_is_dim(const fc_case *c, size_t i);
void fc_case_field_shape(const fc_case *c, size_t i, size_t *rows,
                         size_t *cols);
const double *fc_case_field_reals(const fc_case *c, size_t i);
const long *fc_case_field_ints(const fc_case *c, size_t i);
/* Deep copy into dst (reset first). */
int fc_case_copy(fc_case *dst, const fc_case *src);
/* Where field i is printed: 0 a dimension, 1 real values, 2 an integer
 * scalar, 3 an integer array (a generator's parameters: configuration
 * words, index maps); 3 for an out-of-range i. */
int fc_case_field_rank(const fc_case *c, size_t i);
/* Print readably: each field with decimals and hex floats (%a), the
 * dimensions and values first, generator parameters last
 * (fc_case_field_rank), insertion order within a rank. */
void fc_case_print(FILE *out, const fc_case *c, const char *indent);

#define FC_CASE_MAX_ELEMS ((size_t)1 << 26)

/* ------------------------------------------------- draws (choice sequence) */

/* Generators never call the PRNG: they call fc_draw_*, which records every
 * raw choice (a uint64 in [0, max]).  A case is a pure function of its
 * choice sequence; the shrinker edits the sequence and regenerates.  Smaller
 * choices mean simpler values: sizes shrink to their minimum, doubles to 0,
 * then small integers, then short dyadic fractions; rotations to the
 * identity.
 *
 * Errors inside draws are sticky (fc_draw_status): a draw past the limit
 * returns the simplest value and the engine discards the case afterwards,
 * so generator code need not test every draw. */
typedef struct fc_draw fc_draw;

/* Raw choice in [0, max]; shrinks toward 0. */
uint64_t fc_draw_raw(fc_draw *d, uint64_t max);
/* Integer in [lo, hi]; shrinks toward lo. */
long fc_draw_int(fc_draw *d, long lo, long hi);
/* Size in [lo, hi] whose generated range grows with the case index (small
 * cases first); shrinks toward lo. */
long fc_draw_size(fc_draw *d, long lo, long hi);
/* Boolean, true with probability p when generating; shrinks to false. */
int fc_draw_bool(fc_draw *d, double p);
/* Index in [0, n) drawn with the given weights when generating; shrinks
 * toward 0 (put the simplest alternative first). */
size_t fc_draw_weighted(fc_draw *d, const double *weights, size_t n);

/* Special values a double draw may produce on request. */
enum {
  FC_SPECIAL_SIGNED_ZERO = 1 << 0, /* +0, -0 */
  FC_SPECIAL_SUBNORMAL = 1 << 1,   /* 2^-1074, DBL_MIN/3, ... */
  FC_SPECIAL_TINY = 1 << 2,        /* 1e-300, DBL_MIN */
  FC_SPECIAL_HUGE = 1 << 3,        /* 1e300, DBL_MAX/4 */
  FC_SPECIAL_NONFINITE = 1 << 4    /* inf, nan */
};

typedef struct fc_double_spec {
  double max_abs;  /* finite non-special values lie in [-max_abs, max_abs] */
  int specials;    /* FC_SPECIAL_* mask; 0 for none */
  int nonnegative; /* 1: no sign draw */
} fc_double_spec;

/* A double.  Simplicity order (what shrinking reaches first): 0, small
 * non-negative integers, short dyadic fractions m/2^e, general values with
 * wide exponent range, then the specials; positive before negative. */
double fc_draw_double(fc_draw *d, const fc_double_spec *spec);
/* Fill x[0..n) with fc_draw_double. */
void fc_draw_doubles(fc_draw *d, double *x, size_t n,
                     const fc_double_spec *spec);
/* A fraction of a turn t in (-1/2, 1/2]: the angle is 2 pi t.  Shrinks to 0,
 * then to short dyadics (1/2, 1/4, 1/8 ...), which are exact multiples of
 * pi/2^k in the oracle. */
double fc_draw_turns(fc_draw *d);

/* Discard the case being generated (Hypothesis's assume(False)): the
 * runner counts it as discarded; the shrinker treats it as passing. */
void fc_draw_reject(fc_draw *d);
/* Status of the draw source: FC_OK, or FC_EOVERRUN / FC_EREJECT /
 * FC_ENOMEM. */
int fc_draw_status(const fc_draw *d);
/* The case size parameter in [0, 1] (grows with the case index). */
double fc_draw_sizefrac(const fc_draw *d);
/* The size class of the run's profile: 0 ci, 1 default, 2 nightly (1 when
 * no run sets it, e.g. a bare replay).  Generators whose cases are whole
 * experiments at realistic sizes (props/fold_large.c) bound their sizes by
 * it, so each profile sizes its own cases. */
int fc_draw_scale(const fc_draw *d);

/* ------------------------------------------------------ rotations (params) */

/* An orthogonal n x n matrix parametrised as a product of Givens rotations
 * G(i, j, 2 pi t) (applied in order: Q = G_k ... G_1), optionally followed by
 * a reflection of coordinate 0.  All-zero draws give the identity; a single
 * nonzero rotation gives one plane rotation.  Kernels build the double
 * matrix (fc_givens_build_d), oracles build it at precision P. */
typedef struct fc_givens {
  size_t n;       /* dimension */
  size_t count;   /* number of rotations */
  const long *i, *j;     /* planes, i != j, in [0, n) */
  const double *turns;   /* angle of each rotation in turns (exact double) */
  int reflect;    /* 1: Q <- Q * diag(-1, 1, ..., 1) */
} fc_givens;

/* Draw up to max_count rotations on an n x n matrix and store them as case
 * fields "<prefix>.i", "<prefix>.j" (count x 1 ints), "<prefix>.turns"
 * (count x 1 reals) and "<prefix>.reflect" (1x1 int).  allow_reflect: whether a reflection
 * may be drawn. */
int fc_draw_givens(fc_case *c, fc_draw *d, const char *prefix, size_t n,
                   size_t max_count, int allow_reflect);
/* View the rotations stored under prefix (no copy; pointers into the case).
 * FC_ENOTFOUND when absent, FC_EINVAL when malformed. */
int fc_givens_view(fc_givens *g, const fc_case *c, const char *prefix,
                   size_t n);
/* Q (n x n, row-major) = the double-precision product (cos/sin from libm,
 * angle fl(2 pi t)). */
void fc_givens_build_d(double *Q, const fc_givens *g);

/* ------------------------------------------------------------- properties */

typedef enum {
  FC_EXPECT_HOLDS = 0, /* the theorem holds: no case may fail */
  FC_EXPECT_DETECT = 1 /* negative control: a counterexample must be found */
} fc_expect;

/* The three levels of every check (SPEC.md). */
typedef enum {
  FC_LEVEL_STATEMENT = 0,   /* oracle residual vs 2^(-P+s) * scale */
  FC_LEVEL_CONFORMANCE = 1, /* identity in double vs a-priori bound */
  FC_LEVEL_ACCURACY = 2,    /* double kernel vs oracle vs the same bound */
  FC_NLEVELS = 3
} fc_level;

const char *fc_level_name(fc_level l); /* "statement", ... */

typedef struct fc_measure {
  int present;  /* 0: this level does not apply to the case */
  double err;   /* observed residual / error (may underflow for large P) */
  double bound; /* its bound (may underflow for large P) */
  double ratio; /* err / bound, computed by the producer (authoritative:
                   the oracle computes it in MPFR, so it survives P where
                   2^-P underflows a double) */
  double ulps;  /* accuracy level: error in ulps of the exact result (or 0) */
} fc_measure;

/* Set a measure from doubles: present = 1, ratio = err / bound (0 when both
 * are 0, +inf when only bound is 0).  Keeps the worse of an existing present
 * measure and the new one (by ratio), so checks can fold many outputs. */
void fc_measure_fold(fc_measure *m, double err, double bound, double ulps);

typedef struct fc_kernels fc_kernels; /* a table of double kernels */

/* How a property reaches kernels (fc_property.kernels_via; issue 16).  A
 * run whose kernels are external (a plugin or an exec command) runs only
 * the properties that evaluate no kernel or take their outputs from the
 * provider: an FC_KV_TABLE property is reported "not provided" there,
 * never run on the built-in tables in the user's kernel's name. */
typedef enum {
  FC_KV_NONE = 0,    /* evaluates no kernel (oracle statements only): runs
                        whatever --kernels says (the default) */
  FC_KV_TABLE = 1,   /* calls the built-in double kernel tables directly
                        (x->kernels sub-tables): judges the reference and
                        the mutants, cannot judge a plugin or exec kernel */
  FC_KV_PROVIDER = 2 /* takes its kernel outputs from the run's provider
                        (src/contract/provider.h): any kernel */
} fc_kernels_via;

typedef struct fc_check_ctx {
  long prec;                  /* oracle precision P in bits */
  long slack_bits;            /* s: statement bound is 2^(-P+s) * scale */
  const fc_kernels *kernels;  /* the kernel table under test */
} fc_check_ctx;

/* A plot point: x, y and the series it belongs to (the property's
 * plot_series names them; 0 when there is one). */
typedef struct fc_point {
  double x, y;
  int series;
} fc_point;

/* The most points one case may report (e.g. one per head dimension d). */
#define FC_CASE_POINTS 8

/* Where a check's elementwise comparisons went wrong (PyTorch's
 * assert_close report): per output of the check (a kernel output or a
 * contract call's result: "rope out", "block out", "fold wq", "original
 * ctx"), how many elements mismatched (|actual - expected| > the bound at
 * that element), the element with the greatest absolute difference and
 * the one with the greatest difference/bound, with their values.  Fixed
 * size: a check result keeps the FC_CHECK_OUTPUTS worst outputs (by their
 * greatest ratio; NaN worst) and counts the others in `dropped`.  Filled
 * by fc_oracle_accuracy and fc_check_compare into the output named last
 * by fc_check_output (elements numbered in call order, row-major), or into
 * an unnamed output when none is named. */
#define FC_CHECK_OUTPUTS 4
#define FC_OUTPUT_NAME 24
#define FC_OUTPUT_DIMS 3

/* One element of an output. */
typedef struct fc_elem {
  long index;      /* row-major index in the output; -1: none */
  double actual;   /* the value under test (a kernel's output) */
  double expected; /* the oracle's exact value (rounded to double), or
                      the reference value an invariance compares with */
  double err;      /* |actual - expected| (rounded up; inf for a
                      non-finite actual) */
  double bound;    /* the bound at this element */
  double ratio;    /* err / bound as fc_measure_fold computes it */
} fc_elem;

typedef struct fc_output {
  char name[FC_OUTPUT_NAME]; /* "" when the check named none */
  int level;                 /* the level (FC_LEVEL_*) it was judged at */
  int ndim;                  /* 0: shape unknown (flat index); 1..3 */
  long shape[FC_OUTPUT_DIMS];
  long n;                    /* elements compared (the next one's index) */
  long mismatched;           /* elements with err > bound or NaN ratio */
  fc_elem max_abs;           /* greatest err */
  fc_elem max_ratio;         /* greatest err / bound */
  double ulps;               /* greatest err in ulps of the check's format
                                (accuracy level; 0 otherwise) */
} fc_output;

typedef struct fc_outputs {
  int n;           /* outputs kept in out[0..n) */
  int dropped;     /* outputs compared but not kept (less bad) */
  int cur;         /* 1 + the slot being filled (FC_CHECK_OUTPUTS: the
                      spare); 0: none (a zeroed struct is empty) */
  int fmt_bits;    /* precision p of the format ulps are counted in
                      (fp32 24, bf16 8, fp16 11); 0: binary64 */
  int fmt_emax;    /* its largest binade exponent (fp32 127) */
  char fmt[8];     /* its name; "" = "fp64" */
  fc_output out[FC_CHECK_OUTPUTS + 1]; /* + a spare slot */
} fc_outputs;

typedef struct fc_check_result {
  fc_measure level[FC_NLEVELS];
  int oracle_fault;     /* 1: oracle at P and P+64 disagreed */
  int recomputed;       /* 1: the P+64 recomputation ran on this case */
  double selfcheck_err; /* |r_P - r_{P+64}| (as a double) */
  double selfcheck_bound;
  double oracle_seconds;/* wall time spent in the MPFR statement
                           evaluations (fc_oracle_statement), for bench */
  char note[160];       /* optional one-line remark, e.g. "gap = 3.1e-05" */
  /* Optional plot points of this case (the property's plot_x / plot_y
   * axes), e.g. (position, error/bound) for the RoPE kernel; added with
   * fc_check_add_point. */
  int npoints;
  fc_point points[FC_CASE_POINTS];
  /* The kernel under test failed ("kernel crashed: SIGSEGV in attention
   * (call 3)", "kernel timed out after 10 s in rope (call 1)", "kernel
   * returned NaN at rope out index (3, 5)"): the headline of the failure;
   * "" otherwise.  Set with fc_check_kernel_failed. */
  char kernel_failure[128];
  int kernel_calls;     /* kernel calls made by the check (numbering) */
  fc_outputs outputs;   /* where the elementwise comparisons failed */
} fc_check_result;

/* Add a plot point to a check result; FC_ERANGE when it holds
 * FC_CASE_POINTS already (the point is dropped). */
int fc_check_add_point(fc_check_result *r, int series, double x, double y);

/* Name the output the next element comparisons of r belong to: name
 * (cut to FC_OUTPUT_NAME - 1 bytes), the level they are judged at, and
 * the shape (ndim in 0..3 dimensions d0, d1, d2; 0 = unknown, indices are
 * shown flat), elements numbered from 0 in the order they are compared.
 * FC_EINVAL for a NULL r or name, a level or ndim out of range. */
int fc_check_output(fc_check_result *r, const char *name, int level,
                    int ndim, size_t d0, size_t d1, size_t d2);
/* Compare one element in double: err = |actual - expected| (inf when
 * actual is not finite, NaN when expected is NaN), folded into
 * r->level[level] with fc_measure_fold and recorded in the current output
 * (an unnamed one when the current output is another level's or none). */
void fc_check_compare(fc_check_result *r, int level, double actual,
                      double expected, double bound);
/* Record an element already measured (err, ulps) into the current output,
 * without folding the level's measure (fc_oracle_accuracy uses it). */
void fc_check_record(fc_check_result *r, int level, double actual,
                     double expected, double err, double bound, double ulps);
/* Add the outputs src kept to dst's (a check that measures into a
 * scratch result, e.g. at another precision), keeping dst's
 * FC_CHECK_OUTPUTS worst; dst's format is src's when dst has none.  dst
 * then has no current output. */
void fc_check_merge_outputs(fc_check_result *dst, const fc_check_result *src);
/* The format ulps are counted in (the kernel's declared storage format):
 * its name, precision p in bits and largest binade exponent; the
 * default (zeroed r) is binary64 (53, 1023).  FC_EINVAL for p outside
 * [2, 64] or emax outside [1, 16383]. */
int fc_check_format(fc_check_result *r, const char *name, int bits,
                    int emax);
/* The kernel under test failed: the printf-style verdict becomes the
 * failure's headline (r->kernel_failure, cut to fit), and the accuracy
 * level gets a NaN measure (a failing case, never a pass). */
void fc_check_kernel_failed(fc_check_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The coordinates of element `index` of o: "(2, 17)" for a known shape,
 * "[index]" otherwise, into buf (cut to fit).  Returns buf. */
const char *fc_output_coords(char *buf, size_t n, const fc_output *o,
                             long index);
/* The outputs of r in report order: those judged at `level` first (-1:
 * any), then by greatest ratio, worst first (NaN worst), then by slot;
 * writes up to FC_CHECK_OUTPUTS pointers and returns how many. */
int fc_check_outputs_sorted(const fc_output **sorted, const fc_check_result *r,
                            int level);
/* The one-line headline of a failing check at `level`: the kernel failure
 * when there is one, else the worst output's "block out: 3 / 4096
 * elements mismatched (0.07%), greatest error/bound 1.2e+04 at (2, 17)",
 * else "residual E vs bound B (ratio R)" of the level.  Into buf; returns
 * buf. */
const char *fc_check_headline(char *buf, size_t n, const fc_check_result *r,
                              int level);
/* Print the outputs of r for people: for each (all of them when verbose,
 * else those of `level` with a mismatch and, when none has one, the
 * level's worst; nothing for a level no output belongs to), its name, mismatched k / n (percent), the greatest absolute and
 * relative differences with their coordinates, actual and expected values
 * (decimal and %a) and the bound there, the ulps.  Each line starts with
 * indent.  FC_OK or FC_EIO. */
int fc_check_write_outputs(FILE *out, const fc_check_result *r, int level,
                           const char *indent, int verbose);

/* A property is data plus callbacks.  The engine knows no theorem. */
typedef struct fc_property {
  const char *id;            /* "commutant2d.span": family.name */
  const char *title;         /* one line */
  const char *const *anchors;/* NULL-terminated Lean names; may be empty */
  const char *lean_file;     /* "Symmetry.lean" */
  fc_expect expect;
  const char *extension;     /* non-NULL: a check beyond the anchors */
  /* Fill c from draws.  Return FC_OK; FC_EREJECT (or fc_draw_reject) to
   * discard a case that misses a hypothesis (counted, not an error); any
   * other code is an error of the run. */
  int (*generate)(fc_case *c, fc_draw *d);
  /* Evaluate the case: oracle and kernels.  Return FC_OK with r filled, or
   * an error code (the run reports status "error"). */
  int (*check)(fc_check_result *r, const fc_case *c, const fc_check_ctx *x);
  /* Optional: extra readable lines about a case (e.g. decompositions). */
  void (*describe)(FILE *out, const fc_case *c);
  /* Optional: axis labels (with units) of the points checks report in
   * fc_check_result.point_*; NULL: the property reports no points. */
  const char *plot_x, *plot_y;
  int plot_logx, plot_logy; /* 1: logarithmic axis */
  const char *plot_series[4]; /* names of the series (NULL: one, unnamed) */
  const char *plot_ref_label; /* a horizontal reference line y = plot_ref_y,
                                 e.g. "bound" at 1; NULL: none */
  double plot_ref_y;
  /* Optional cost cap: at most this many cases per run whatever --cases
   * says (0: no cap), for properties whose case is a whole experiment
   * (e.g. a Monte Carlo at full sizes), so case counts, not time budgets,
   * bound a run and reports stay deterministic. */
  long max_cases;
  /* Optional: the cap per profile size class (fc_draw_scale: ci, default,
   * nightly), overriding max_cases when non-NULL. */
  const long *max_cases_by_scale;
  /* Optional (issue 9): a negative control whose statement level is judged
   * against kernel-level bounds rather than 2^(-P+s) (e.g. an invariance
   * evaluated through the user's kernels) detects a case when its ratio
   * exceeds this factor instead of the run's detect_factor; 0: the run's. */
  double detect_factor;
  /* Optional: 1 when the generator may draw non-finite reals (a double
   * spec with FC_SPECIAL_NONFINITE), so that a replay record of the
   * property may hold inf or nan; 0 (every registered property): a record
   * holding one is malformed and fc_replay_decode refuses it. */
  int nonfinite_inputs;
  /* How the check reaches kernels: FC_KV_NONE (0), FC_KV_TABLE or
   * FC_KV_PROVIDER (fc_kernels_via).  Every registered property says so
   * honestly (tests/t-engine checks its classes). */
  int kernels_via;
  /* Optional: a shrink of this property's counterexample ends after this
   * many consecutive candidates that did not shrink it (0: no such limit;
   * the fixed point, the step budget and the time budget still apply).
   * For properties whose case is a whole experiment (fold.large: a
   * Llama-sized block per candidate), where a failure that shows only at
   * full size would otherwise walk thousands of full-size candidates.  It
   * counts candidates, never time, so the shrink's result depends on the
   * seed alone: the ci profile, which reads no clock while shrinking,
   * relies on it.  Set it above the longest run of rejected candidates
   * the property's negative controls show before their fixed point. */
  long shrink_stall;
  /* Optional (FC_KV_TABLE): why the property cannot judge a plugin or
   * exec kernel (e.g. "no kernel contract entry computes column norms"),
   * its "not provided" reason with such kernels; NULL: a generic one. */
  const char *kernels_why;
} fc_property;

/* The registry of built-in properties. */
size_t fc_properties_count(void);
const fc_property *fc_properties_at(size_t i);
const fc_property *fc_properties_find(const char *id);
/* Glob match (*, ?) of a property id against a pattern; a pattern with no
 * glob characters also matches as a prefix of "family." */
int fc_pattern_match(const char *pattern, const char *id);

/* ------------------------------------------------------------ kernel tables */

size_t fc_kernels_count(void);
const fc_kernels *fc_kernels_at(size_t i);
const fc_kernels *fc_kernels_find(const char *name);
const fc_kernels *fc_kernels_reference(void);
const char *fc_kernels_name(const fc_kernels *k);
const char *fc_kernels_description(const fc_kernels *k);
/* For a mutant: the property pattern that must catch it; NULL for the
 * reference table. */
const char *fc_kernels_targets(const fc_kernels *k);
int fc_kernels_is_mutant(const fc_kernels *k);

/* ------------------------------------------------------------- the runner */

typedef struct fc_run_config {
  uint64_t seed;
  long cases;            /* case budget per property (>= 1) */
  double time_budget;    /* seconds per property (> 0) */
  int threads;           /* >= 1 */
  long prec;             /* MPFR precision, bits */
  long slack_bits;       /* statement slack s */
  long shrink_steps;     /* candidate evaluations per shrink */
  double shrink_seconds; /* wall time per shrink; 0: no limit (the ci
                            profile: shrink_steps alone bounds a shrink,
                            so its result does not depend on the
                            machine) */
  double shrink_margin;  /* a shrink candidate fails only if its ratio
                            exceeds this factor (>= 1) */
  double detect_factor;  /* a negative control detects a case when the
                            statement ratio exceeds this */
  size_t max_choices;    /* draw limit per case */
  const char *db_dir;    /* failure database, or NULL */
  const char *kernels;   /* kernel table name; NULL = reference; with a
                            provider, its --kernels spec (for replay) */
  const char *kernel_arith; /* --kernel-arith "STORAGE/ACCUM" the provider
                            is judged at, or NULL (its declaration): kept
                            in replay records so a replay judges alike */
  const char *kernel_id; /* identity of the kernels under test for the
                            failure database: name, declared arithmetic
                            and content (the CLI builds it: a plugin's file
                            hash, an exec command line); NULL or
                            "reference": the reference table, whose
                            entries keep the historical name <id>.json */
  const char *profile;   /* "default", "ci", "nightly" (informational) */
  int progress;          /* 1: progress lines on stderr */
  /* Sharding: run only shard shard_index of shard_count (1-based), the
   * properties fc_shard_assign gives it; shard_count 0 or 1 = all. */
  int shard_index, shard_count;
  /* Interruption: when non-NULL and *stop becomes non-zero (a signal
   * handler sets it; the flag belongs to the caller), the runner takes no
   * new case, ends shrinking, skips the remaining properties and marks the
   * report interrupted. */
  volatile sig_atomic_t *stop;
  void *provider;        /* issue 9: user kernels (fc_kprov), or NULL;
                            the other properties then use the reference */
  /* Selection beyond the patterns (fc_select_properties), applied before
   * sharding, so the shards partition what is selected.  exclude: NULL or
   * NULL-terminated patterns of properties to leave out; only: NULL, or
   * NULL-terminated exact property ids to keep (e.g. the properties that
   * fell short last time). */
  const char *const *exclude;
  const char *const *only;
  /* Stop after this many properties fell short (status fail or error),
   * counted in the selection's (registry) order: the selected properties
   * after the maxfail-th are not run (fc_report.not_run).  0: never. */
  long maxfail;
} fc_run_config;

/* Largest oracle precision the CLI accepts (the P + 64 self-check and the
 * per-case allocation stay reasonable; MPFR allows far more). */
#define FC_PREC_MAX 65536L
/* Smallest: below it the oracle's own rounding (2^-P) is no longer
 * negligible beside the kernels' bounds (>= u = 2^-53). */
#define FC_PREC_MIN 64L
/* The other limits of a run's configuration (fc_run_config_check), which
 * the report reader holds a report's "config" to as well: cases per
 * property in [1, FC_CASES_MAX], time budget in (0, FC_TIME_BUDGET_MAX]
 * seconds, threads in [1, FC_THREADS_MAX], a draw limit of at least
 * FC_MAX_CHOICES_MIN, shards K/N with N <= FC_SHARDS_MAX. */
#define FC_CASES_MAX 100000000L
#define FC_TIME_BUDGET_MAX 1e7
#define FC_THREADS_MAX 1024
#define FC_MAX_CHOICES_MIN 16
#define FC_SHARDS_MAX 1024

/* Validate a run configuration against the limits above (and its shard,
 * margins, draw limit): FC_OK, or FC_ERANGE / FC_EINVAL with the message
 * in err. */
int fc_run_config_check(const fc_run_config *cfg, fc_error *err);

/* Fill a profile's defaults ("default", "ci", "nightly"); FC_ENOTFOUND for
 * an unknown name.  The seed of "default" and "nightly" is fresh (from the
 * clock and pid); "ci" is derandomised. */
int fc_run_config_profile(fc_run_config *cfg, const char *profile);

typedef enum {
  FC_STATUS_PASS = 0,  /* met its expectation */
  FC_STATUS_FAIL = 1,  /* fell short: a failure found, or a negative control
                          that found nothing */
  FC_STATUS_ERROR = 2, /* could not run: generator/oracle error, oracle
                          fault */
  FC_STATUS_NOT_PROVIDED = 3 /* the kernels under test do not provide what
                          the property evaluates (an external kernel
                          without the contract entry, or a property that
                          runs the built-in tables only): neither a pass
                          nor a failure; fc_prop_result.message says why */
} fc_status;

/* "pass", "fail", "error", "not_provided" (the JSON report's spelling). */
const char *fc_status_name(fc_status s);

typedef struct fc_worst {
  int present;
  double ratio, err, bound, ulps;
  long case_index;
} fc_worst;

typedef struct fc_counterexample {
  fc_case *values;        /* the shrunk case */
  uint64_t *choices;      /* its choice sequence */
  size_t nchoices;
  size_t orig_nchoices;   /* length before shrinking */
  long case_index;        /* which case first failed (-1: database) */
  int level;              /* the level that failed (FC_LEVEL_*) */
  fc_check_result check;  /* the shrunk case's check */
  fc_check_result orig_check;
  long shrink_steps;      /* candidates evaluated */
  long shrink_accepted;   /* candidates that improved */
  double shrink_seconds;
  int shrink_time_limited; /* 1: the shrink's time budget (or an
                              interruption) ended it: the case may be less
                              simple than another run's */
  char *token;            /* replay token (fc_replay_encode) */
} fc_counterexample;

/* Distribution of a level's error/bound ratios over the cases: bin 0 holds
 * ratio 0 (exact), bins 1..FC_HIST_DECADES one decade each from
 * 10^FC_HIST_LO up, the last bin everything above (and inf, nan); ratios
 * below 10^FC_HIST_LO fall in bin 1. */
#define FC_HIST_LO (-20)
#define FC_HIST_DECADES 24
#define FC_HIST_BINS (FC_HIST_DECADES + 2)
/* The most points a result keeps (the first cases, in index order). */
#define FC_MAX_POINTS 4096

/* The bin of a ratio in the histogram above. */
int fc_hist_bin(double ratio);

typedef struct fc_prop_result {
  const fc_property *prop;
  fc_status status;
  long cases;            /* cases checked */
  long discarded;        /* cases the generator discarded */
  long failures;         /* failing (or detected) cases among them */
  long db_replayed;      /* database entries replayed first */
  long oracle_faults;
  long recomputed;       /* cases whose oracle was recomputed at P + 64 */
  int stopped_by_time;   /* the time budget ended the run early */
  double seconds;
  fc_worst worst[FC_NLEVELS];
  fc_counterexample *cex; /* NULL if none */
  char message[256];     /* why, for fail/error */
  long hist[FC_NLEVELS][FC_HIST_BINS]; /* ratio distribution per level */
  fc_point *points;      /* plot points (property's plot_x/plot_y), or NULL */
  size_t npoints;
  int interrupted;       /* the run was interrupted while this property ran:
                            results cover the cases done before */
  char db_warning[256];  /* failure database problem (unwritable directory,
                            corrupt record), or "" */
  /* For bench: the sum of fc_check_result.oracle_seconds over the cases
   * counted in `cases` (a timing: not deterministic). */
  double oracle_seconds;
} fc_prop_result;

typedef struct fc_env {
  char foldcheck[32], mpfr[32], gmp[32], openblas[64];
  char openblas_config[256], compiler[128], cpu[128];
  int threads;
} fc_env;

void fc_env_collect(fc_env *env, int threads);
/* Set the BLAS library's own thread count (OpenBLAS; a no-op for another
 * CBLAS).  foldcheck runs its own threads, so programs call this with 1:
 * it avoids oversubscription and keeps dgemm's summation order, hence its
 * results, independent of the machine.  Process-wide (OpenBLAS's state). */
void fc_env_blas_threads(int n);

typedef struct fc_report {
  fc_run_config cfg;
  char kernels[1024]; /* the --kernels spec, whole (exec command lines are long) */
  fc_env env;
  size_t n;
  fc_prop_result *results;
  double seconds;
  int interrupted;       /* cfg.stop was raised: properties after the
                            interrupted one were not run */
  char profile_buf[16];  /* storage for cfg.profile in a report read back
                            from JSON (fc_report_read_json) */
  size_t not_run;        /* selected properties not run because
                            cfg.maxfail properties fell short first */
} fc_report;

/* The properties that patterns select (NULL-terminated; NULL or empty =
 * all), less those cfg->exclude matches, kept to the ids in cfg->only when
 * it is non-NULL, in registry order; then restricted to cfg's shard
 * (shard_index of shard_count), so the shards partition that selection.
 * *out (free it) receives *n entries.  FC_ENOTFOUND naming a pattern (or
 * an exclude pattern) that matches no property or an `only` id that names
 * none (a typo is an error, not a pass), or when nothing is left once the
 * exclusions and `only` are applied; FC_ERANGE for a shard outside
 * 1 <= K <= N <= 1024; FC_ENOMEM. */
int fc_select_properties(const fc_property ***out, size_t *n,
                         const fc_run_config *cfg,
                         const char *const *patterns, fc_error *err);

/* Run the selected properties (NULL-terminated patterns; NULL or empty =
 * all; see fc_select_properties), one after another in registry order.
 * Fills *rep (free with fc_report_clear).  With cfg->maxfail = N > 0 the
 * run stops after the N-th property that fell short; the rest are counted
 * in rep->not_run.  Returns FC_OK when the run happened (whatever the
 * verdicts), an error for bad configuration. */
int fc_run(fc_report *rep, const fc_run_config *cfg,
           const char *const *patterns, fc_error *err);
/* Run one property (exposed for tests). */
int fc_run_property(fc_prop_result *res, const fc_property *p,
                    const fc_run_config *cfg, fc_error *err);

/* The engine's own entry points (issue 16, item 7): they run what they are
 * given and look nothing up.  fc_run, fc_run_property and fc_eval_choices
 * above are these after the lookup (props/run_named.c): the registry's
 * properties by pattern, the kernel table by cfg->kernels.
 *   fc_run_props: run props[0..n) in that order (already selected and
 *   sharded) into *rep, as fc_run does after its selection (--maxfail,
 *   interruption, rep->kernels = cfg->kernels or "reference").
 *   fc_run_property_with, fc_eval_choices_with: fc_run_property and
 *   fc_eval_choices with the kernel table given.
 * k: the kernel table the properties' checks receive (fc_check_ctx.
 * kernels): a built-in table, or a table carrying the run's provider
 * (cfg->provider non-NULL: an external kernel, which FC_KV_TABLE
 * properties are not run on).  Never NULL (FC_EINVAL).  A user's own
 * property, written against this header, runs through the same calls. */
int fc_run_props(fc_report *rep, const fc_run_config *cfg,
                 const fc_property *const *props, size_t n,
                 const fc_kernels *k, fc_error *err);
int fc_run_property_with(fc_prop_result *res, const fc_property *p,
                         const fc_run_config *cfg, const fc_kernels *k,
                         fc_error *err);
int fc_eval_choices_with(fc_check_result *r, int *failed, int *level,
                         fc_case *c, const fc_property *p,
                         const uint64_t *choices, size_t n,
                         const fc_run_config *cfg, const fc_kernels *k,
                         double margin);
void fc_prop_result_clear(fc_prop_result *res);
void fc_report_clear(fc_report *rep);
/* 1 if every property met its expectation, not counting the properties
 * not provided (the caller decides about those: `run --require-all`);
 * 0 for an interrupted run. */
int fc_report_ok(const fc_report *rep);
/* How many of rep's results have status s. */
size_t fc_report_count(const fc_report *rep, fc_status s);

/* Evaluate one case of p from a choice sequence: regenerate, check, judge.
 * *failed gets 1 when the case fails (holds) / is detected (detect) with
 * ratio above `margin` at *level.  c receives the case (may be NULL). */
int fc_eval_choices(fc_check_result *r, int *failed, int *level, fc_case *c,
                    const fc_property *p, const uint64_t *choices, size_t n,
                    const fc_run_config *cfg, double margin);
/* Judge a check result: returns 1 if it fails/detects above margin and sets
 * *level.  For FC_EXPECT_DETECT only the statement level counts. */
int fc_judge(int *level, const fc_check_result *r, const fc_property *p,
             const fc_run_config *cfg, double margin);

/* --------------------------------------------------------------- replay */

/* A replay record holds the foldcheck version, the property, precision,
 * slack, kernel table (its --kernels spec), the --kernel-arith override
 * and the kernel identity when given, seed, case index, choice sequence
 * and the case's values (hex floats).  A token is "fc1-" +
 * base64url(JSON). */
int fc_replay_encode(char **token, const fc_prop_result *res,
                     const fc_run_config *cfg);
/* Parse a token or the contents of a replay file (JSON or token text).
 * Fills the property, the config fields it holds (prec, slack, kernels
 * name copied into kernels_buf), and the case values and choices. */
typedef struct fc_replay {
  const fc_property *prop;
  long prec, slack_bits;
  char kernels[1024];     /* the --kernels spec ("" when longer) */
  char kernel_arith[32];  /* the --kernel-arith override, or "" */
  char kernel_id[1200];   /* the kernel identity, or "" (reference) */
  char version[32];
  uint64_t seed;
  long case_index;
  uint64_t *choices;
  size_t nchoices;
  fc_case *values;
} fc_replay;
int fc_replay_decode(fc_replay *rp, const char *text, fc_error *err);
/* The same, looking the property up in props only (NULL-terminated; no
 * registry): the engine's own decoder, for a program that runs its own
 * properties (FC_ENOTFOUND for a record of any other). */
int fc_replay_decode_only(fc_replay *rp, const char *text,
                          const fc_property *const *props, fc_error *err);
/* The same, looking the property up first in `extra` (NULL-terminated; may
 * be NULL), then in the registry: for properties defined outside it. */
int fc_replay_decode_ex(fc_replay *rp, const char *text,
                        const fc_property *const *extra, fc_error *err);
void fc_replay_clear(fc_replay *rp);

/* ----------------------------------------------------- Lean anchors */

/* Lean statuses, in the seed pages' vocabulary. */
typedef enum {
  FC_LEAN_PROVEN = 0,   /* complete proof, no sorry */
  FC_LEAN_DEFERRED = 1, /* real statement, sorry in the proof body */
  FC_LEAN_STUB = 2,     /* `: True := sorry` placeholder */
  FC_LEAN_AXIOM = 3,    /* taken on faith */
  FC_LEAN_MISSING = 4   /* not found (in a scanned tree) */
} fc_lean_status;

const char *fc_lean_status_name(fc_lean_status s); /* "proven", ... */

/* One Lean declaration that foldcheck's properties stand for (SPEC.md, "The
 * anchor list"). */
typedef struct fc_anchor {
  const char *name;      /* exactly as the Lean source spells it */
  const char *library;   /* "VerifiedNeuralCompilation", "NeuralGeometry" */
  const char *file;      /* "Symmetry.lean", ...; NULL when the seed pages
                            do not name it */
  fc_lean_status status; /* as the seed pages give it */
  const char *family;    /* SPEC.md family: "F1" ... */
} fc_anchor;

size_t fc_anchors_count(void);
const fc_anchor *fc_anchors_at(size_t i);
const fc_anchor *fc_anchors_find(const char *name);
/* The registered properties that name the anchor: writes up to max of them
 * to out and returns how many there are (holds and detect counted apart if
 * the pointers are non-NULL). */
size_t fc_anchor_properties(const fc_property **out, size_t max,
                            size_t *holds, size_t *detect,
                            const char *anchor);

/* A declaration found in a Lean source tree. */
typedef struct fc_lean_decl {
  char name[160];   /* last component of the declared name */
  char kind[16];    /* theorem, lemma, def, axiom, ... */
  char file[512];   /* path relative to the scanned directory */
  int line;
  fc_lean_status status;
} fc_lean_decl;

/* Scan every *.lean file under dir (recursively): each theorem, lemma,
 * def, abbrev, instance or axiom with its status (axiom; a body of `True :=
 * sorry` is a stub; a `sorry` elsewhere in the body deferred; otherwise
 * proven).  Comments and strings are ignored.  *decls is malloc'd.
 * FC_EIO (unreadable dir, message in err), FC_ENOMEM. */
int fc_lean_scan(fc_lean_decl **decls, size_t *n, const char *dir,
                 fc_error *err);
/* Status of one Lean source text's declarations (for tests). */
int fc_lean_scan_text(fc_lean_decl **decls, size_t *n, const char *text,
                      const char *file, fc_error *err);

/* --------------------------------------------------------------- reports */

typedef enum {
  FC_FORMAT_TEXT = 0,
  FC_FORMAT_JSON,
  FC_FORMAT_TAP,
  FC_FORMAT_JUNIT,
  FC_FORMAT_MARKDOWN,
  FC_FORMAT_HTML,
  FC_FORMAT_SUMMARY /* short Markdown for a PR comment / CI job summary */
} fc_format;

/* Parse "text", "json", "tap", "junit", "markdown", "html", "summary";
 * FC_EINVAL otherwise. */
int fc_format_parse(fc_format *f, const char *name);
/* Write the report in the given format. */
int fc_report_write(FILE *out, const fc_report *rep, fc_format f);

/* ------------------------------------------------------ regression diff */

typedef struct fc_diff_opts {
  double factor; /* flag a worst error/bound that grew by more (default 4) */
  double floor;  /* ratios below this count as this (default 1e-6): growth
                    among negligible errors is not a regression */
  long min_above; /* a growth is a regression only when at least this many
                     of the new run's cases (default 10) lie in decades
                     above the old worst's: seed noise moves the worst case,
                     a regression moves the distribution */
} fc_diff_opts;

/* The one reader of JSON reports: `report`, `merge`, `diff` and `anchors
 * --report` all go through it.  Inputs: text, a JSON report (the text
 * fc_report_write(.., FC_FORMAT_JSON) writes).  It is parsed (a key given
 * twice is refused) and checked against the report schema
 * (doc/report-schema.md) field by field: types; ranges (the seed a uint64
 * in decimal, precision and slack within the run limits, counts
 * non-negative; statuses, levels, expectations and profiles from their
 * sets); consistency (unique property ids, counts against the cases and
 * the case budget, the summary against the properties, histograms against
 * the cases, a counterexample against its property's status, and its
 * replay token, which must decode and replay the same property, seed,
 * precision, case index and values); the version rule (schema 1; a report
 * of a newer major foldcheck version is refused).  A property this
 * foldcheck does not have is allowed (diff compares across versions); its
 * token is checked without that property's own rules.
 * Output: *doc (when doc is non-NULL), the checked document, a jansson
 * json_t the caller releases with json_decref; NULL on failure.
 * Return: FC_OK; FC_EPARSE with "FIELD: what is wrong" in err (e.g.
 * "properties[3].cases: negative count -4"); FC_EVERSION for a newer
 * schema or major version; FC_ENOMEM; FC_EINVAL for NULL text. */
struct json_t;
int fc_report_check_json(struct json_t **doc, const char *text,
                         fc_error *err);

/* Compare two JSON reports (the text of `foldcheck run --format json`):
 * per property, status changes and, for properties that must hold, the
 * change of the worst error/bound per level; regressions: a property that
 * newly fails or errors (a negative control no longer detected), a
 * property or an anchor that lost coverage, a worst ratio that exceeds its
 * bound, became inf/nan, or grew by more than `factor` with `min_above`
 * new cases above the old worst's decade (seed-aware, see diff.c).
 * Negative controls' ratios are not compared.  Environment changes
 * (BLAS, its configuration, threads, compiler, MPFR, GMP, CPU) are reported.
 * Writes text or JSON (f) to out and the regression count to *regressions.
 * Each text is read by fc_report_check_json: FC_EPARSE or FC_EVERSION
 * (message in err, "old report: FIELD: ...") for a corrupt report. */
int fc_report_diff(FILE *out, int *regressions, const char *old_json,
                   const char *new_json, const fc_diff_opts *opts,
                   fc_format f, fc_error *err);
/* The same on two documents fc_report_check_json returned (read only), so
 * that a caller reading files names the file of a corrupt one. */
int fc_report_diff_docs(FILE *out, int *regressions,
                        const struct json_t *old_doc,
                        const struct json_t *new_doc,
                        const fc_diff_opts *opts, fc_format f,
                        fc_error *err);

/* ------------------------------------ reading, merging, writing options */

/* Options of fc_report_write_ex. */
typedef struct fc_write_opts {
  int verbose;           /* text: every counterexample in full (default:
                            negative controls one line each, long fields
                            elided) */
  const char *token_dir; /* text: replay tokens longer than
                            FC_TOKEN_INLINE_MAX are shown as
                            `foldcheck replay <token_dir>/<id>.token`
                            (the caller writes those files, see
                            fc_report_token_path); NULL: inline */
} fc_write_opts;

/* Tokens up to this length are printed inline. */
#define FC_TOKEN_INLINE_MAX 160

/* fc_report_write with options (opts NULL = defaults). */
int fc_report_write_ex(FILE *out, const fc_report *rep, fc_format f,
                       const fc_write_opts *opts);

/* The path <dir>/<property id>.token into buf (size n); FC_ERANGE when it
 * does not fit. */
int fc_report_token_path(char *buf, size_t n, const char *dir,
                         const char *id);

/* Read a JSON report (the text fc_report_write(.., FC_FORMAT_JSON) wrote)
 * back into *rep (free with fc_report_clear).  Properties are looked up in
 * the registry by id; counterexamples get their values back bit-exact and
 * their choice sequence from the replay token.  What JSON does not hold
 * (a counterexample's pre-shrink check, plot point details beyond x, y,
 * series) stays zero.  The text is read by fc_report_check_json (its
 * errors are this function's), and every property must be one this
 * foldcheck has: FC_EPARSE (message in err) otherwise; FC_ENOMEM. */
int fc_report_read_json(fc_report *rep, const char *text, fc_error *err);

/* Merge n shard reports into *out (free with fc_report_clear): results
 * in registry order, as an unsharded run lists them.  The parts must share
 * seed, precision, slack, kernel table and case budget, and no property may
 * appear twice; FC_EINVAL (message in err) otherwise.  The parts' results
 * are moved into *out (each part is cleared); the merged report's seconds
 * are the sum of the parts', its shard is unset, and it is interrupted
 * when a part was. */
int fc_report_merge(fc_report *out, fc_report *parts, size_t n,
                    fc_error *err);

/* Estimated cost of one property under cfg, in milliseconds (a static
 * table measured on the ci profile, times the case count; see
 * src/engine/shard.c). */
double fc_property_cost(const fc_property *p, const fc_run_config *cfg);

/* Assign props[0..n) to cfg->shard_count shards, balanced by
 * fc_property_cost: longest first, each to the least loaded shard (ties:
 * the lower shard, then the registry order), so the split is
 * deterministic.  shard_of[i] gets a shard in 1..shard_count.  FC_EINVAL for
 * bad arguments. */
int fc_shard_assign(int *shard_of, const fc_property *const *props, size_t n,
                    const fc_run_config *cfg);

#ifdef __cplusplus
}
#endif
#endif /* FOLDCHECK_H */

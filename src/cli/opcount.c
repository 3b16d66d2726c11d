/* opcount.c -- counting wrappers for MPFR operations (foldcheck bench).
 *
 * See opcount.h.  Only the foldcheck executable links this file, with
 * -export-dynamic: libfoldcheck.so's PLT calls to mpfr_mul (...) then bind
 * to the definitions below, which count and forward to the real function
 * found with dlsym(RTLD_NEXT).  Programs linking libfoldcheck themselves
 * (foldcheck.pc users, the tests) call MPFR directly.
 *
 * State: the counters are thread-local (no sharing between the runner's
 * workers, so counting does not limit thread scaling); a worker's counts
 * are folded into `exited` under a mutex when the thread ends (a
 * pthread key destructor).  `enabled` is the process-wide switch.  This is
 * executable-only mutable state, which the library does not have. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* RTLD_NEXT, RTLD_DEFAULT */
#endif
#include "config.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mpfr.h>
#include "cli/opcount.h"

/* mpfr.h turns these into macros (constant-argument shortcuts that still
 * call the functions); the definitions below need the plain names. */
#undef mpfr_mul_ui
#undef mpfr_div_ui
#undef mpfr_mul_si
#undef mpfr_div_si

const char *const fc_op_kind_name[FC_OP_NKINDS] = {
    "mul", "add/sub", "fma", "fmma", "dot", "sum",
    "div", "sqrt", "exp", "sin_cos", "log", "acos/atan", "mpn_mul"};

static int enabled;                  /* atomic: counting on */
static __thread fc_op_counts tl_counts;
static __thread int tl_depth;        /* inside a counted call */
static __thread int tl_registered;   /* tl_counts given to the key */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static int key_ok;
static pthread_mutex_t exited_mu = PTHREAD_MUTEX_INITIALIZER;
static fc_op_counts exited;

static void fold_on_exit(void *p)
{
  const fc_op_counts *c = p;
  pthread_mutex_lock(&exited_mu);
  for (int k = 0; k < FC_OP_NKINDS; k++)
    exited.n[k] += c->n[k];
  pthread_mutex_unlock(&exited_mu);
}

static void make_key(void) { key_ok = pthread_key_create(&key, fold_on_exit) == 0; }

static void note(int kind, unsigned long long amount)
{
  if (!tl_registered) {
    tl_registered = 1;
    if (key_ok)
      pthread_setspecific(key, &tl_counts);
  }
  tl_counts.n[kind] += amount;
}

static void *resolve(const char *name)
{
  void *f = dlsym(RTLD_NEXT, name);
  if (f == NULL) {
    fprintf(stderr, "foldcheck: cannot find the MPFR function %s: %s\n", name,
            dlerror());
    abort();
  }
  return f;
}

/* f = the real NAME, found once (a benign race: every thread stores the
 * same pointer). */
#define REAL(NAME)                                                           \
  static NAME##_fn real;                                                     \
  NAME##_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);                    \
  if (f == NULL) {                                                           \
    void *p = resolve(#NAME);                                                \
    memcpy(&f, &p, sizeof f);                                                \
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);                            \
  }

/* One wrapper: find the real function once (a benign race: every thread
 * stores the same pointer), count top-level calls when enabled. */
#define WRAP(KIND, AMOUNT, NAME, PARAMS, ARGS)                               \
  typedef int (*NAME##_fn) PARAMS;                                           \
  int NAME PARAMS                                                            \
  {                                                                          \
    REAL(NAME);                                                              \
    if (!__atomic_load_n(&enabled, __ATOMIC_RELAXED) || tl_depth)            \
      return f ARGS;                                                         \
    note(KIND, AMOUNT);                                                      \
    tl_depth = 1;                                                            \
    int ret_ = f ARGS;                                                       \
    tl_depth = 0;                                                            \
    return ret_;                                                             \
  }

#define BIN(KIND, NAME)                                                      \
  WRAP(KIND, 1, NAME, (mpfr_ptr a, mpfr_srcptr b, mpfr_srcptr c,            \
                       mpfr_rnd_t r), (a, b, c, r))
#define UN(KIND, NAME)                                                       \
  WRAP(KIND, 1, NAME, (mpfr_ptr a, mpfr_srcptr b, mpfr_rnd_t r), (a, b, r))
#define WITH(KIND, NAME, T)                                                  \
  WRAP(KIND, 1, NAME, (mpfr_ptr a, mpfr_srcptr b, T c, mpfr_rnd_t r),       \
       (a, b, c, r))
#define SCALAR_FIRST(KIND, NAME, T)                                          \
  WRAP(KIND, 1, NAME, (mpfr_ptr a, T b, mpfr_srcptr c, mpfr_rnd_t r),       \
       (a, b, c, r))

BIN(FC_OP_MUL, mpfr_mul)
UN(FC_OP_MUL, mpfr_sqr)
WITH(FC_OP_MUL, mpfr_mul_d, double)
WITH(FC_OP_MUL, mpfr_mul_ui, unsigned long)
WITH(FC_OP_MUL, mpfr_mul_si, long)

BIN(FC_OP_ADD, mpfr_add)
BIN(FC_OP_ADD, mpfr_sub)
WITH(FC_OP_ADD, mpfr_add_d, double)
WITH(FC_OP_ADD, mpfr_sub_d, double)
WITH(FC_OP_ADD, mpfr_add_ui, unsigned long)
WITH(FC_OP_ADD, mpfr_sub_ui, unsigned long)
WITH(FC_OP_ADD, mpfr_add_si, long)
WITH(FC_OP_ADD, mpfr_sub_si, long)
SCALAR_FIRST(FC_OP_ADD, mpfr_ui_sub, unsigned long)

WRAP(FC_OP_FMA, 1, mpfr_fma,
     (mpfr_ptr a, mpfr_srcptr b, mpfr_srcptr c, mpfr_srcptr d, mpfr_rnd_t r),
     (a, b, c, d, r))
WRAP(FC_OP_FMA, 1, mpfr_fms,
     (mpfr_ptr a, mpfr_srcptr b, mpfr_srcptr c, mpfr_srcptr d, mpfr_rnd_t r),
     (a, b, c, d, r))
WRAP(FC_OP_FMMA, 1, mpfr_fmma,
     (mpfr_ptr a, mpfr_srcptr b, mpfr_srcptr c, mpfr_srcptr d, mpfr_srcptr e,
      mpfr_rnd_t r),
     (a, b, c, d, e, r))
WRAP(FC_OP_FMMA, 1, mpfr_fmms,
     (mpfr_ptr a, mpfr_srcptr b, mpfr_srcptr c, mpfr_srcptr d, mpfr_srcptr e,
      mpfr_rnd_t r),
     (a, b, c, d, e, r))

WRAP(FC_OP_DOT, n, mpfr_dot,
     (mpfr_ptr a, const mpfr_ptr *x, const mpfr_ptr *y, unsigned long n,
      mpfr_rnd_t r),
     (a, x, y, n, r))
WRAP(FC_OP_SUM, n, mpfr_sum,
     (mpfr_ptr a, const mpfr_ptr *x, unsigned long n, mpfr_rnd_t r),
     (a, x, n, r))

BIN(FC_OP_DIV, mpfr_div)
WITH(FC_OP_DIV, mpfr_div_d, double)
WITH(FC_OP_DIV, mpfr_div_ui, unsigned long)
WITH(FC_OP_DIV, mpfr_div_si, long)
SCALAR_FIRST(FC_OP_DIV, mpfr_ui_div, unsigned long)
SCALAR_FIRST(FC_OP_DIV, mpfr_si_div, long)

UN(FC_OP_SQRT, mpfr_sqrt)
UN(FC_OP_SQRT, mpfr_rec_sqrt)
WRAP(FC_OP_SQRT, 1, mpfr_sqrt_ui, (mpfr_ptr a, unsigned long b, mpfr_rnd_t r),
     (a, b, r))

UN(FC_OP_EXP, mpfr_exp)
UN(FC_OP_EXP, mpfr_expm1)

WRAP(FC_OP_SINCOS, 1, mpfr_sin_cos,
     (mpfr_ptr s, mpfr_ptr c, mpfr_srcptr x, mpfr_rnd_t r), (s, c, x, r))
UN(FC_OP_SINCOS, mpfr_sin)
UN(FC_OP_SINCOS, mpfr_cos)

UN(FC_OP_LOG, mpfr_log)
UN(FC_OP_LOG, mpfr_log1p)

UN(FC_OP_ATRIG, mpfr_acos)
UN(FC_OP_ATRIG, mpfr_asin)
UN(FC_OP_ATRIG, mpfr_atan)
BIN(FC_OP_ATRIG, mpfr_atan2)

/* GMP's mpn_mul (exported as __gmpn_mul): an oracle forming exact
 * products itself (oracles/attention.c) calls it directly; MPFR's calls
 * from inside a counted function pass through uncounted. */
typedef mp_limb_t (*mpn_mul_fn)(mp_ptr, mp_srcptr, mp_size_t, mp_srcptr,
                                mp_size_t);
mp_limb_t mpn_mul(mp_ptr rp, mp_srcptr up, mp_size_t un, mp_srcptr vp,
                  mp_size_t vn)
{
  static mpn_mul_fn real;
  mpn_mul_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);
  if (f == NULL) {
    void *p = resolve("__gmpn_mul");
    memcpy(&f, &p, sizeof f);
    __atomic_store_n(&real, f, __ATOMIC_RELEASE);
  }
  if (!__atomic_load_n(&enabled, __ATOMIC_RELAXED) || tl_depth)
    return f(rp, up, un, vp, vn);
  note(FC_OP_MPN_MUL, 1);
  tl_depth = 1;
  mp_limb_t ret_ = f(rp, up, un, vp, vn);
  tl_depth = 0;
  return ret_;
}

/* MPFR's cached constants: computed once per thread, so the operations
 * inside would make the counts depend on the thread count.  Passed
 * through uncounted. */
#define GUARD(NAME)                                                          \
  typedef int (*NAME##_fn)(mpfr_ptr, mpfr_rnd_t);                            \
  int NAME(mpfr_ptr a, mpfr_rnd_t r)                                         \
  {                                                                          \
    REAL(NAME);                                                              \
    if (tl_depth)                                                            \
      return f(a, r);                                                        \
    tl_depth = 1;                                                            \
    int ret_ = f(a, r);                                                      \
    tl_depth = 0;                                                            \
    return ret_;                                                             \
  }
GUARD(mpfr_const_pi)
GUARD(mpfr_const_log2)
GUARD(mpfr_const_euler)
GUARD(mpfr_const_catalan)

/* mpn_mul_n and mpn_sqr: the same products for operands of equal size. */
#define MPN_VOID(NAME, SYM, PARAMS, ARGS)                                    \
  typedef void (*NAME##_fn) PARAMS;                                          \
  void NAME PARAMS                                                           \
  {                                                                          \
    static NAME##_fn real;                                                   \
    NAME##_fn f = __atomic_load_n(&real, __ATOMIC_ACQUIRE);                  \
    if (f == NULL) {                                                         \
      void *p = resolve(SYM);                                                \
      memcpy(&f, &p, sizeof f);                                              \
      __atomic_store_n(&real, f, __ATOMIC_RELEASE);                          \
    }                                                                        \
    if (!__atomic_load_n(&enabled, __ATOMIC_RELAXED) || tl_depth) {          \
      f ARGS;                                                                \
      return;                                                                \
    }                                                                        \
    note(FC_OP_MPN_MUL, 1);                                                  \
    tl_depth = 1;                                                            \
    f ARGS;                                                                  \
    tl_depth = 0;                                                            \
  }
MPN_VOID(mpn_mul_n, "__gmpn_mul_n",
         (mp_ptr rp, mp_srcptr up, mp_srcptr vp, mp_size_t n),
         (rp, up, vp, n))
MPN_VOID(mpn_sqr, "__gmpn_sqr", (mp_ptr rp, mp_srcptr up, mp_size_t n),
         (rp, up, n))

int fc_op_count_available(void)
{
  /* The dynamic linker's first definition of mpfr_mul is the one
   * libfoldcheck's calls bind to: ours only with -export-dynamic. */
  void *global = dlsym(RTLD_DEFAULT, "mpfr_mul");
  mpfr_mul_fn self = mpfr_mul;
  void *mine;
  memcpy(&mine, &self, sizeof mine);
  return global != NULL && global == mine;
}

void fc_op_count_enable(int on)
{
  if (on)
    pthread_once(&key_once, make_key);
  __atomic_store_n(&enabled, on != 0, __ATOMIC_RELEASE);
}

void fc_op_count_take_exited(fc_op_counts *out)
{
  pthread_mutex_lock(&exited_mu);
  for (int k = 0; k < FC_OP_NKINDS; k++) {
    out->n[k] += exited.n[k];
    exited.n[k] = 0;
  }
  pthread_mutex_unlock(&exited_mu);
}

void fc_op_count_take_self(fc_op_counts *out)
{
  for (int k = 0; k < FC_OP_NKINDS; k++) {
    out->n[k] += tl_counts.n[k];
    tl_counts.n[k] = 0;
  }
}

/* ------------------------------------------------------ unit costs */

#define POOL 64

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct pool {
  mpfr_t x[POOL], y[POOL], pos[POOL], ex[POOL], ang[POOL], lg[POOL];
  mpfr_ptr px[POOL], py[POOL];
  mpfr_t r, r2;
  mp_size_t limbs;     /* of a prec-bit significand */
  mp_limb_t *prod;     /* 2 limbs products */
} pool;

/* iters operations of kind k (dot, sum: iters calls of POOL terms). */
static void run_kind(pool *p, int k, long iters)
{
  for (long i = 0; i < iters; i++) {
    unsigned a = (unsigned)i % POOL, b = (unsigned)(i * 7 + 3) % POOL,
             c = (unsigned)(i * 13 + 5) % POOL, d = (unsigned)(i * 29 + 11) % POOL;
    switch (k) {
    case FC_OP_MUL: mpfr_mul(p->r, p->x[a], p->y[b], MPFR_RNDN); break;
    case FC_OP_ADD:
      if (i & 1)
        mpfr_sub(p->r, p->x[a], p->y[b], MPFR_RNDN);
      else
        mpfr_add(p->r, p->x[a], p->y[b], MPFR_RNDN);
      break;
    case FC_OP_FMA: mpfr_fma(p->r, p->x[a], p->y[b], p->x[c], MPFR_RNDN); break;
    case FC_OP_FMMA:
      mpfr_fmma(p->r, p->x[a], p->y[b], p->x[c], p->y[d], MPFR_RNDN);
      break;
    case FC_OP_DOT:
      mpfr_dot(p->r, (const mpfr_ptr *)p->px, (const mpfr_ptr *)p->py, POOL,
               MPFR_RNDN);
      break;
    case FC_OP_SUM: mpfr_sum(p->r, (const mpfr_ptr *)p->px, POOL, MPFR_RNDN); break;
    case FC_OP_DIV: mpfr_div(p->r, p->x[a], p->pos[b], MPFR_RNDN); break;
    case FC_OP_SQRT: mpfr_sqrt(p->r, p->pos[a], MPFR_RNDN); break;
    case FC_OP_EXP: mpfr_exp(p->r, p->ex[a], MPFR_RNDN); break;
    case FC_OP_SINCOS: mpfr_sin_cos(p->r, p->r2, p->ang[a], MPFR_RNDN); break;
    case FC_OP_LOG: mpfr_log(p->r, p->lg[a], MPFR_RNDN); break;
    case FC_OP_ATRIG: mpfr_acos(p->r, p->pos[a], MPFR_RNDN); break;
    case FC_OP_MPN_MUL:
      mpn_mul_n(p->prod, p->x[a]->_mpfr_d, p->y[b]->_mpfr_d, p->limbs);
      break;
    default: break;
    }
  }
}

int fc_op_cost_measure(double ns[FC_OP_NKINDS], long prec)
{
  pool *p = malloc(sizeof *p);
  if (p == NULL)
    return -1;
  p->limbs = (mp_size_t)((prec + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS);
  p->prod = malloc(2 * (size_t)p->limbs * sizeof *p->prod);
  if (p->prod == NULL) {
    free(p);
    return -1;
  }
  int was = __atomic_load_n(&enabled, __ATOMIC_RELAXED);
  fc_op_count_enable(0);
  gmp_randstate_t st;
  gmp_randinit_default(st);
  gmp_randseed_ui(st, 20261204UL);
  mpfr_prec_t pr = (mpfr_prec_t)prec;
  mpfr_init2(p->r, pr);
  mpfr_init2(p->r2, pr);
  for (int i = 0; i < POOL; i++) {
    mpfr_t *v[] = {&p->x[i], &p->y[i], &p->pos[i], &p->ex[i], &p->ang[i],
                   &p->lg[i]};
    for (size_t j = 0; j < sizeof v / sizeof *v; j++) {
      mpfr_init2(*v[j], pr);
      /* full precision: a random significand of prec bits in [1/2, 1) */
      do
        mpfr_urandomb(*v[j], st);
      while (mpfr_cmp_d(*v[j], 0.5) < 0);
    }
    /* x, y: signed, exponents in [-8, 8); pos: positive; ex: softmax-like
     * exponents in (-16, -8]; ang: RoPE-like angles up to 64; lg: (1/2, 1). */
    long e = (long)(gmp_urandomm_ui(st, 16)) - 8;
    mpfr_mul_2si(p->x[i], p->x[i], e, MPFR_RNDN);
    if (gmp_urandomm_ui(st, 2))
      mpfr_neg(p->x[i], p->x[i], MPFR_RNDN);
    e = (long)(gmp_urandomm_ui(st, 16)) - 8;
    mpfr_mul_2si(p->y[i], p->y[i], e, MPFR_RNDN);
    if (gmp_urandomm_ui(st, 2))
      mpfr_neg(p->y[i], p->y[i], MPFR_RNDN);
    mpfr_mul_2si(p->ex[i], p->ex[i], 4, MPFR_RNDN);
    mpfr_neg(p->ex[i], p->ex[i], MPFR_RNDN);
    mpfr_mul_2si(p->ang[i], p->ang[i], 6, MPFR_RNDN);
    p->px[i] = p->x[i];
    p->py[i] = p->y[i];
  }
  gmp_randclear(st);
  for (int k = 0; k < FC_OP_NKINDS; k++) {
    long iters = 1;
    double t;
    for (;;) {
      double t0 = now_s();
      run_kind(p, k, iters);
      t = now_s() - t0;
      if (t >= 1e-3 || iters > (1L << 28))
        break;
      iters *= 2;
    }
    double best = t;
    for (int rep = 0; rep < 8; rep++) {
      double t0 = now_s();
      run_kind(p, k, iters);
      t = now_s() - t0;
      if (t < best)
        best = t;
    }
    double per = k == FC_OP_DOT || k == FC_OP_SUM ? (double)iters * POOL
                                                   : (double)iters;
    ns[k] = 1e9 * best / per;
  }
  for (int i = 0; i < POOL; i++) {
    mpfr_clears(p->x[i], p->y[i], p->pos[i], p->ex[i], p->ang[i], p->lg[i],
                (mpfr_ptr)0);
  }
  mpfr_clears(p->r, p->r2, (mpfr_ptr)0);
  free(p->prod);
  free(p);
  fc_op_count_enable(was);
  return 0;
}

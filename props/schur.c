/* schur.c -- F2, Schur vanishing between frequencies (Symmetry.lean,
 * intertwiner_zero_of_cos_ne).
 *
 * The Sylvester map S(X) = X Rot(w1) - Rot(w2) X, w = 2 pi t.  Writing
 * X = X+ + X- with X+ = aI + bJ, X- = cK + dL (orthogonal in Frobenius):
 *   S(X+) = X+ (Rot(w1) - Rot(w2)),   S(X-) = X- (Rot(w1) - Rot(-w2)),
 * and Rot(u) - Rot(v) is |Rot(u) - Rot(v)| times a rotation, so S is normal
 * with singular values
 *   sigma0 = 2 |sin((w1 - w2)/2)| on span{I, J},
 *   sigma1 = 2 |sin((w1 + w2)/2)| on span{K, L},
 * whose product is 2 |cos w1 - cos w2|; ||S(X)||^2 = sigma0^2 ||X+||^2 +
 * sigma1^2 ||X-||^2 (||X+||^2 = 2 (a^2 + b^2)).  If cos w1 != cos w2 both are
 * nonzero and S(X) = 0 forces X = 0.
 *
 * Oracle method for the singular values (sound and exact in the limit):
 * the Gram matrix of S in the basis B = (I, J, K, L) of R^{2x2},
 * G_ab = <S(B_a), S(B_b)>, must equal diag(2 s0^2, 2 s0^2, 2 s1^2, 2 s1^2)
 * (B is orthogonal with ||B_a||^2 = 2), which says exactly that S^T S has
 * eigenvalues s0^2 (on span{I,J}) and s1^2 (on span{K,L}), each twice; the
 * same for the adjoint S*(X) = X Rot(w1)^T - Rot(w2)^T X proves S S^T =
 * S^T S (normality); and s0 s1 = 2 |cos w1 - cos w2| is checked apart.  The
 * closed forms come from sin of pi (t1 -/+ t2) with the sum formed exactly
 * (sigma_closed below), independent of the Gram entries.
 *
 * Levels as in commutant2d.c: statement in MPFR against 2^(-P+s) times the
 * magnitude scale (each statement has fewer than 16 roundings per scale
 * term, residual below 2^(4-P) S: the default s = 8 covers it); conformance
 * with the double kernels against the harness's a-priori bounds
 * (src/bounds/lin.c, from the exact inputs at the declared arithmetic
 * fp64/fp64); accuracy of each kernel output against the oracle, within
 * the same harness bound (one for the reference and every mutant).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "props.h"
#include "kernels/lin.h"
#include "bounds/bounds.h"

/* The built-in lin tables' declared arithmetic (fp64/fp64). */
#define F FC_FMT_FP64
#define PSAFE(x) ((x) * (1.0 + 0x1p-40)) /* as in commutant2d.c */
#define PI_D 0x1.921fb54442d18p+1

static const double Bd[4][4] = {
    {1, 0, 0, 1}, {0, -1, 1, 0}, {1, 0, 0, -1}, {0, 1, 1, 0}}; /* I J K L */
static const char *const bname[4] = {"I", "J", "K", "L"};

static const fc_double_spec entry_spec = {16.0, 0, 0};

static const char *const anchors[] = {"intertwiner_zero_of_cos_ne", NULL};

/* ------------------------------------------------------------ case I/O */

static int get22(const double **m, const fc_case *cs, const char *name)
{
  size_t r, c;
  *m = fc_case_reals(cs, name, &r, &c);
  return *m != NULL && r == 2 && c == 2 ? FC_OK : FC_EINVAL;
}

/* A turn in [-1/2, 1/2] (the closed forms assume |t1 -/+ t2| <= 1). */
static int get_turn(double *v, const fc_case *cs, const char *name)
{
  size_t r, c;
  const double *p = fc_case_reals(cs, name, &r, &c);
  if (p == NULL || r != 1 || c != 1 || !(fabs(p[0]) <= 0.5))
    return FC_EINVAL;
  *v = p[0];
  return FC_OK;
}

static int get_turns(double *t1, double *t2, const fc_case *cs)
{
  int rc = get_turn(t1, cs, "t1");
  return rc != FC_OK ? rc : get_turn(t2, cs, "t2");
}

/* cos w1 = cos w2 exactly iff t1 = +-t2 (mod 1); on [-1/2, 1/2] with the
 * half-turn pair (1/2, -1/2) also equal. */
static int cos_equal(double t1, double t2)
{
  return t1 == t2 || t1 == -t2 || (fabs(t1) == 0.5 && fabs(t2) == 0.5);
}

/* ------------------------------------------------------------ levels */

static void conf(fc_check_result *r, double err, double bound)
{
  fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], fabs(err), PSAFE(bound),
                  0.0);
}

/* ------------------------------------------------------------- oracle */

enum {
  MX, MR1, MR2, MR1T, MR2T, MY, MM, MT1, MT2, MS1, MS2,
  MB0,             /* the basis I, J, K, L */
  MYB0 = MB0 + 4,  /* S(B_a) */
  MMB0 = MYB0 + 4, /* its magnitude */
  MYA0 = MMB0 + 4, /* S*(B_a) */
  MMA0 = MYA0 + 4, /* its magnitude */
  F2_NMATS = MMA0 + 4
};

typedef struct {
  fc_mpmat_struct m[F2_NMATS];
  mpfr_t s1, c1, s2, c2, sig0, sig1, a, b, c, d, am, bm, cm, dm, nx2, ny2,
      tmp, tmp2;
} f2_ws;

#define W(k) (&w->m[k])

static void f2_clear(f2_ws *w)
{
  for (int k = 0; k < F2_NMATS; k++)
    fc_mpmat_clear(W(k));
  mpfr_clears(w->s1, w->c1, w->s2, w->c2, w->sig0, w->sig1, w->a, w->b, w->c,
              w->d, w->am, w->bm, w->cm, w->dm, w->nx2, w->ny2, w->tmp,
              w->tmp2, (mpfr_ptr)0);
}

static int f2_init(f2_ws *w, mpfr_prec_t prec)
{
  for (int k = 0; k < F2_NMATS; k++) {
    w->m[k].e = NULL;
    w->m[k].rows = w->m[k].cols = 0;
  }
  mpfr_inits2(prec, w->s1, w->c1, w->s2, w->c2, w->sig0, w->sig1, w->a, w->b,
              w->c, w->d, w->am, w->bm, w->cm, w->dm, w->nx2, w->ny2, w->tmp,
              w->tmp2, (mpfr_ptr)0);
  for (int k = 0; k < F2_NMATS; k++) {
    int rc = fc_mpmat_init(W(k), 2, 2, prec);
    if (rc != FC_OK) {
      f2_clear(w);
      return rc;
    }
  }
  return FC_OK;
}

static void mp_inner(mpfr_t r, const fc_mpmat_struct *A,
                     const fc_mpmat_struct *B)
{
  mpfr_ptr p[4] = {A->e[0], A->e[1], A->e[2], A->e[3]};
  mpfr_ptr q[4] = {B->e[0], B->e[1], B->e[2], B->e[3]};
  mpfr_dot(r, p, q, 4, MPFR_RNDN);
}

static void mp_rot(fc_mpmat_struct *R, const mpfr_t s, const mpfr_t c)
{
  mpfr_set(R->e[0], c, MPFR_RNDN);
  mpfr_neg(R->e[1], s, MPFR_RNDN);
  mpfr_set(R->e[2], s, MPFR_RNDN);
  mpfr_set(R->e[3], c, MPFR_RNDN);
}

/* Y = X R1 - R2 X, M = |X||R1| + |R2||X|. */
static int mp_sylv(f2_ws *w, fc_mpmat_struct *Y, fc_mpmat_struct *M,
                   const fc_mpmat_struct *X, const fc_mpmat_struct *R1,
                   const fc_mpmat_struct *R2)
{
  int rc = fc_mpmat_mul(W(MT1), W(MS1), X, R1);
  if (rc == FC_OK)
    rc = fc_mpmat_mul(W(MT2), W(MS2), R2, X);
  if (rc != FC_OK)
    return rc;
  fc_mpmat_sub(Y, W(MT1), W(MT2));
  fc_mpmat_add(M, W(MS1), W(MS2));
  return FC_OK;
}

/* r = 2 |sin(pi h)|, h = t1 + sign t2, |h| <= 1.  h is formed exactly at
 * 1100 bits (two doubles of magnitude <= 1/2 are multiples of 2^-1074, so
 * h needs at most 1076 bits); h = 0 and |h| = 1 give an exact 0.
 * Otherwise v = pi h at prec(r) + 64 bits (relative error < 2^-(p+62)), and
 * |sin v - sin(pi h)| <= |v - pi h|; since |h| <= 1 - 2^-54 away from the
 * exact zeros (the doubles nearest 1/2 are 2^-54 apart), |pi h| / |sin pi h|
 * <= 2^54, so r has relative error below 2^-(p+7) + one final rounding. */
static int sigma_closed(mpfr_t r, double t1, double t2, int sign)
{
  mpfr_t h, v;
  mpfr_init2(h, 1100);
  mpfr_init2(v, mpfr_get_prec(r) + 64);
  int rc = FC_OK;
  int inex = mpfr_set_d(h, t1, MPFR_RNDN);
  inex |= sign > 0 ? mpfr_add_d(h, h, t2, MPFR_RNDN)
                   : mpfr_sub_d(h, h, t2, MPFR_RNDN);
  if (inex != 0) {
    rc = FC_EINTERNAL;
  } else if (mpfr_zero_p(h) || mpfr_cmpabs_ui(h, 1) == 0) {
    mpfr_set_zero(r, 1);
  } else {
    mpfr_const_pi(v, MPFR_RNDN);
    mpfr_mul(v, v, h, MPFR_RNDN);
    mpfr_sin(v, v, MPFR_RNDN);
    mpfr_abs(v, v, MPFR_RNDN);
    mpfr_mul_2ui(r, v, 1, MPFR_RNDN);
  }
  mpfr_clear(h);
  mpfr_clear(v);
  return rc;
}

/* Evaluate at w's precision: R1, R2, sigmas; with Xd: S(X), its norms and
 * X's decomposition; with basis: S and S* on I, J, K, L. */
static int f2_eval(f2_ws *w, const double *Xd, double t1, double t2,
                   int basis)
{
  int rc;
  fc_mp_sincos_turns(w->s1, w->c1, t1);
  fc_mp_sincos_turns(w->s2, w->c2, t2);
  mp_rot(W(MR1), w->s1, w->c1);
  mp_rot(W(MR2), w->s2, w->c2);
  fc_mpmat_transpose(W(MR1T), W(MR1));
  fc_mpmat_transpose(W(MR2T), W(MR2));
  if ((rc = sigma_closed(w->sig0, t1, t2, -1)) != FC_OK
      || (rc = sigma_closed(w->sig1, t1, t2, +1)) != FC_OK)
    return rc;
  if (Xd != NULL) {
    fc_mpmat_struct *X = W(MX);
    fc_mpmat_set_d(X, Xd);
    if ((rc = mp_sylv(w, W(MY), W(MM), X, W(MR1), W(MR2))) != FC_OK)
      return rc;
    mp_inner(w->ny2, W(MY), W(MY));
    mp_inner(w->nx2, X, X);
    mpfr_add(w->a, X->e[0], X->e[3], MPFR_RNDN);
    mpfr_div_2ui(w->a, w->a, 1, MPFR_RNDN);
    mpfr_sub(w->b, X->e[2], X->e[1], MPFR_RNDN);
    mpfr_div_2ui(w->b, w->b, 1, MPFR_RNDN);
    mpfr_sub(w->c, X->e[0], X->e[3], MPFR_RNDN);
    mpfr_div_2ui(w->c, w->c, 1, MPFR_RNDN);
    mpfr_add(w->d, X->e[1], X->e[2], MPFR_RNDN);
    mpfr_div_2ui(w->d, w->d, 1, MPFR_RNDN);
    mpfr_abs(w->tmp, X->e[3], MPFR_RNDN);
    mpfr_abs(w->am, X->e[0], MPFR_RNDN);
    mpfr_add(w->am, w->am, w->tmp, MPFR_RNDN);
    mpfr_div_2ui(w->am, w->am, 1, MPFR_RNDN);
    mpfr_set(w->cm, w->am, MPFR_RNDN);
    mpfr_abs(w->tmp, X->e[2], MPFR_RNDN);
    mpfr_abs(w->bm, X->e[1], MPFR_RNDN);
    mpfr_add(w->bm, w->bm, w->tmp, MPFR_RNDN);
    mpfr_div_2ui(w->bm, w->bm, 1, MPFR_RNDN);
    mpfr_set(w->dm, w->bm, MPFR_RNDN);
  }
  if (basis)
    for (int k = 0; k < 4; k++) {
      fc_mpmat_set_d(W(MB0 + k), Bd[k]);
      if ((rc = mp_sylv(w, W(MYB0 + k), W(MMB0 + k), W(MB0 + k), W(MR1),
                        W(MR2))) != FC_OK
          || (rc = mp_sylv(w, W(MYA0 + k), W(MMA0 + k), W(MB0 + k), W(MR1T),
                           W(MR2T))) != FC_OK)
        return rc;
    }
  return FC_OK;
}

typedef enum {
  ST_GRAM,     /* ||Gram(S) - D||_F */
  ST_GRAM_ADJ, /* ||Gram(S*) - D||_F */
  ST_PROD,     /* |s0 s1 - 2 |cos w1 - cos w2|| */
  ST_SPLIT,    /* | ||S X||^2 - 2 s0^2 (a^2+b^2) - 2 s1^2 (c^2+d^2) | */
  ST_SANDWICH, /* (smin^2 ||X||^2 - ||SX||^2)+ + (||SX||^2 - smax^2 ||X||^2)+ */
  ST_VANISH,   /* (||X|| - ||S X|| / smin)+ when smin > 0 */
  ST_IMPL      /* ||X|| if S(X) = 0 (at 2^(-P+s)), else 0 */
} f2_stmt;

typedef struct {
  const double *X; /* may be NULL */
  double t1, t2;
  f2_stmt which;
  long prec, slack; /* the run's P and s (ST_IMPL's premise) */
} f2_arg;

/* sqrt(sum_ab (G_ab - D_ab)^2) and sqrt(sum_ab (Gm_ab + |D_ab|)^2) for the
 * Gram matrix of the images Y[0..3] (magnitudes M[0..3]). */
static void gram_residual(mpfr_t r, mpfr_t S, f2_ws *w, int y0, int m0)
{
  mpfr_t acc_r, acc_s, dg;
  const mpfr_prec_t p = mpfr_get_prec(r) + 32;
  mpfr_inits2(p, acc_r, acc_s, dg, (mpfr_ptr)0);
  mpfr_set_zero(acc_r, 1);
  mpfr_set_zero(acc_s, 1);
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      mpfr_set_zero(dg, 1);
      if (a == b) {
        mpfr_sqr(dg, a < 2 ? w->sig0 : w->sig1, MPFR_RNDN);
        mpfr_mul_2ui(dg, dg, 1, MPFR_RNDN);
      }
      mp_inner(w->tmp, W(y0 + a), W(y0 + b));
      mpfr_sub(w->tmp, w->tmp, dg, MPFR_RNDN);
      mpfr_fma(acc_r, w->tmp, w->tmp, acc_r, MPFR_RNDN);
      mp_inner(w->tmp, W(m0 + a), W(m0 + b));
      mpfr_add(w->tmp, w->tmp, dg, MPFR_RNDN);
      mpfr_fma(acc_s, w->tmp, w->tmp, acc_s, MPFR_RNDN);
    }
  mpfr_sqrt(r, acc_r, MPFR_RNDN);
  mpfr_sqrt(S, acc_s, MPFR_RNDN);
  mpfr_clears(acc_r, acc_s, dg, (mpfr_ptr)0);
}

static int f2_statement(mpfr_t r, mpfr_t S, void *argp, mpfr_prec_t prec)
{
  const f2_arg *arg = argp;
  f2_ws w_;
  f2_ws *w = &w_;
  int rc = f2_init(w, prec);
  if (rc != FC_OK)
    return rc;
  const int basis = arg->which == ST_GRAM || arg->which == ST_GRAM_ADJ;
  rc = f2_eval(w, arg->X, arg->t1, arg->t2, basis);
  if (rc == FC_OK && arg->X == NULL && arg->which >= ST_SPLIT)
    rc = FC_EINVAL;
  if (rc != FC_OK) {
    f2_clear(w);
    return rc;
  }
  mpfr_ptr smin = mpfr_cmp(w->sig0, w->sig1) <= 0 ? w->sig0 : w->sig1;
  mpfr_ptr smax = smin == w->sig0 ? w->sig1 : w->sig0;
  mpfr_ptr p[2];
  switch (arg->which) {
  case ST_GRAM:
    gram_residual(r, S, w, MYB0, MMB0);
    break;
  case ST_GRAM_ADJ:
    gram_residual(r, S, w, MYA0, MMA0);
    break;
  case ST_PROD:
    mpfr_mul(w->tmp, w->sig0, w->sig1, MPFR_RNDN);
    mpfr_sub(w->tmp2, w->c1, w->c2, MPFR_RNDN);
    mpfr_abs(w->tmp2, w->tmp2, MPFR_RNDN);
    mpfr_mul_2ui(w->tmp2, w->tmp2, 1, MPFR_RNDN);
    mpfr_sub(r, w->tmp, w->tmp2, MPFR_RNDN);
    mpfr_abs(r, r, MPFR_RNDN);
    mpfr_abs(w->tmp2, w->c1, MPFR_RNDN);
    mpfr_abs(S, w->c2, MPFR_RNDN);
    mpfr_add(S, S, w->tmp2, MPFR_RNDN);
    mpfr_mul_2ui(S, S, 1, MPFR_RNDN);
    mpfr_add(S, S, w->tmp, MPFR_RNDN);
    break;
  case ST_SPLIT:
    /* rhs = 2 s0^2 (a^2 + b^2) + 2 s1^2 (c^2 + d^2); the scale has the
     * same form in the magnitudes plus ||M||^2. */
    for (int mag = 0; mag < 2; mag++) {
      mpfr_ptr out = mag ? S : r;
      p[0] = mag ? w->am : w->a;
      p[1] = mag ? w->bm : w->b;
      mpfr_dot(w->tmp, p, p, 2, MPFR_RNDN);
      mpfr_sqr(w->tmp2, w->sig0, MPFR_RNDN);
      mpfr_mul(out, w->tmp, w->tmp2, MPFR_RNDN);
      p[0] = mag ? w->cm : w->c;
      p[1] = mag ? w->dm : w->d;
      mpfr_dot(w->tmp, p, p, 2, MPFR_RNDN);
      mpfr_sqr(w->tmp2, w->sig1, MPFR_RNDN);
      mpfr_fma(out, w->tmp, w->tmp2, out, MPFR_RNDN);
      mpfr_mul_2ui(out, out, 1, MPFR_RNDN);
    }
    mpfr_sub(r, w->ny2, r, MPFR_RNDN);
    mpfr_abs(r, r, MPFR_RNDN);
    mp_inner(w->tmp, W(MM), W(MM));
    mpfr_add(S, S, w->tmp, MPFR_RNDN);
    break;
  case ST_SANDWICH:
    mpfr_sqr(w->tmp, smin, MPFR_RNDN);
    mpfr_mul(w->tmp, w->tmp, w->nx2, MPFR_RNDN); /* lower */
    mpfr_sub(w->tmp, w->tmp, w->ny2, MPFR_RNDN);
    if (mpfr_sgn(w->tmp) < 0)
      mpfr_set_zero(w->tmp, 1);
    mpfr_sqr(w->tmp2, smax, MPFR_RNDN);
    mpfr_mul(w->tmp2, w->tmp2, w->nx2, MPFR_RNDN); /* upper */
    mp_inner(S, W(MM), W(MM));
    mpfr_add(S, S, w->tmp2, MPFR_RNDN);
    mpfr_sub(w->tmp2, w->ny2, w->tmp2, MPFR_RNDN);
    if (mpfr_sgn(w->tmp2) < 0)
      mpfr_set_zero(w->tmp2, 1);
    mpfr_add(r, w->tmp, w->tmp2, MPFR_RNDN);
    break;
  case ST_VANISH:
    fc_mpmat_frob(w->tmp, W(MX));
    if (mpfr_zero_p(smin)) { /* hypothesis cos w1 != cos w2 fails: vacuous */
      mpfr_set_zero(r, 1);
      mpfr_set(S, w->tmp, MPFR_RNDN);
      break;
    }
    fc_mpmat_frob(w->tmp2, W(MY));
    mpfr_div(w->tmp2, w->tmp2, smin, MPFR_RNDN);
    mpfr_sub(r, w->tmp, w->tmp2, MPFR_RNDN);
    if (mpfr_sgn(r) < 0)
      mpfr_set_zero(r, 1);
    fc_mpmat_frob(S, W(MM));
    mpfr_div(S, S, smin, MPFR_RNDN);
    mpfr_add(S, S, w->tmp, MPFR_RNDN);
    break;
  case ST_IMPL:
    /* Claim under test: S(X) = 0 implies X = 0.  Premise: ||S(X)||_F <=
     * 2^(-P+s) ||M||_F with the run's P (not prec), so the P + 64
     * evaluation tests the same premise. */
    fc_mpmat_frob(w->tmp, W(MY));
    fc_mpmat_frob(S, W(MM));
    mpfr_mul_2si(w->tmp2, S, arg->slack - arg->prec, MPFR_RNDN);
    if (mpfr_cmp(w->tmp, w->tmp2) <= 0)
      fc_mpmat_frob(r, W(MX));
    else
      mpfr_set_zero(r, 1);
    break;
  }
  f2_clear(w);
  return FC_OK;
}

/* ------------------------------------------------------- generators */

static int add_turns(fc_case *cs, double t1, double t2)
{
  double *p1 = fc_case_add_reals(cs, "t1", 1, 1);
  double *p2 = fc_case_add_reals(cs, "t2", 1, 1);
  if (p1 == NULL || p2 == NULL)
    return FC_ENOMEM;
  p1[0] = t1;
  p2[0] = t2;
  return FC_OK;
}

/* X = a I + b J + c K + d L = [[a + c, d - b], [b + d, a - c]]. */
static int add_X(fc_case *cs, double a, double b, double c, double d)
{
  double *X = fc_case_add_reals(cs, "X", 2, 2);
  if (X == NULL)
    return FC_ENOMEM;
  X[0] = a + c;
  X[1] = d - b;
  X[2] = b + d;
  X[3] = a - c;
  return FC_OK;
}

static int gen_sv(fc_case *cs, fc_draw *d)
{
  const double t1 = fc_draw_turns(d);
  return add_turns(cs, t1, fc_draw_turns(d));
}

static int gen_sandwich(fc_case *cs, fc_draw *d)
{
  const double t1 = fc_draw_turns(d);
  int rc = add_turns(cs, t1, fc_draw_turns(d));
  double *X = rc == FC_OK ? fc_case_add_reals(cs, "X", 2, 2) : NULL;
  if (X == NULL)
    return FC_ENOMEM;
  fc_draw_doubles(d, X, 4, &entry_spec);
  return FC_OK;
}

/* cos w1 != cos w2 by construction: a drawn pair with t2 = +-t1 is mapped
 * to t2 = 1/4 (if t1 = 0) or t2 = 0 (otherwise), whose cosines differ from
 * cos w1.  (The engine treats a generator error as a run error, not a
 * discard, so the hypothesis is enforced by this deterministic map, which
 * keeps the shrink order: the simplest pair is (0, 1/4).)  X is general, or
 * in one eigenspace of S (where the vanishing bound is tight). */
static int gen_vanish(fc_case *cs, fc_draw *d)
{
  static const double wts[3] = {0.5, 0.25, 0.25};
  const double t1 = fc_draw_turns(d);
  double t2 = fc_draw_turns(d);
  if (cos_equal(t1, t2))
    t2 = t1 == 0 ? 0.25 : 0.0;
  int rc = add_turns(cs, t1, t2);
  if (rc != FC_OK)
    return rc;
  const size_t kind = fc_draw_weighted(d, wts, 3);
  if (kind == 0) {
    double *X = fc_case_add_reals(cs, "X", 2, 2);
    if (X == NULL)
      return FC_ENOMEM;
    fc_draw_doubles(d, X, 4, &entry_spec);
    return FC_OK;
  }
  const double u = fc_draw_double(d, &entry_spec);
  const double v = fc_draw_double(d, &entry_spec);
  return kind == 1 ? add_X(cs, u, v, 0, 0) : add_X(cs, 0, 0, u, v);
}

/* Negative control w2 = -w1 != 0: t1 = 0 and t1 = 1/2 (where w2 = w1 as
 * well) are mapped to 1/4.  Candidates X = cK + dL, with a span{I,J} part
 * added 30% of the time (those are not intertwiners: the search has to
 * shrink it away). */
static int gen_neg_opposite(fc_case *cs, fc_draw *d)
{
  double t1 = fc_draw_turns(d);
  if (t1 == 0 || fabs(t1) == 0.5)
    t1 = 0.25;
  int rc = add_turns(cs, t1, -t1);
  if (rc != FC_OK)
    return rc;
  const double c = fc_draw_double(d, &entry_spec);
  const double dd = fc_draw_double(d, &entry_spec);
  double a = 0, b = 0;
  if (fc_draw_bool(d, 0.3)) {
    a = fc_draw_double(d, &entry_spec);
    b = fc_draw_double(d, &entry_spec);
  }
  return add_X(cs, a, b, c, dd);
}

/* Negative control w2 = w1: candidates X = aI + bJ (+ cK + dL 30% of the
 * time). */
static int gen_neg_equal(fc_case *cs, fc_draw *d)
{
  const double t1 = fc_draw_turns(d);
  int rc = add_turns(cs, t1, t1);
  if (rc != FC_OK)
    return rc;
  const double a = fc_draw_double(d, &entry_spec);
  const double b = fc_draw_double(d, &entry_spec);
  double c = 0, dd = 0;
  if (fc_draw_bool(d, 0.3)) {
    c = fc_draw_double(d, &entry_spec);
    dd = fc_draw_double(d, &entry_spec);
  }
  return add_X(cs, a, b, c, dd);
}

/* ------------------------------------------------------------- checks */

static const struct fc_kern_lin *lin_of(const fc_check_ctx *x)
{
  return x != NULL && x->kernels != NULL ? FC_LIN(x) : NULL;
}

static int statement(fc_check_result *r, const fc_check_ctx *x,
                     const double *X, double t1, double t2, f2_stmt which)
{
  f2_arg arg = {X, t1, t2, which, x->prec, x->slack_bits};
  return fc_oracle_statement(r, f2_statement, &arg, x);
}

/* The oracle at P for the accuracy level. */
static int oracle_at_P(f2_ws *w, const fc_check_ctx *x, const double *X,
                       double t1, double t2, int basis)
{
  int rc = f2_init(w, (mpfr_prec_t)x->prec);
  if (rc != FC_OK)
    return rc;
  rc = f2_eval(w, X, t1, t2, basis);
  if (rc != FC_OK)
    f2_clear(w);
  return rc;
}

static void acc4(fc_check_result *r, const double *v, const double *e,
                 const fc_mpmat_struct *exact)
{
  for (int k = 0; k < 4; k++)
    fc_oracle_accuracy(r, v[k], exact->e[k], e[k]);
}

static void abs4(double M[4], const double A[4])
{
  for (int k = 0; k < 4; k++)
    M[k] = fabs(A[k]);
}

static int check_sv(fc_check_result *r, const fc_case *cs,
                    const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  double t1, t2;
  if (lin == NULL || get_turns(&t1, &t2, cs) != FC_OK)
    return FC_EINVAL;
  int rc = statement(r, x, NULL, t1, t2, ST_GRAM);
  if (rc == FC_OK)
    rc = statement(r, x, NULL, t1, t2, ST_GRAM_ADJ);
  if (rc == FC_OK)
    rc = statement(r, x, NULL, t1, t2, ST_PROD);
  if (rc != FC_OK)
    return rc;
  /* Double: images of the basis under S and S* (sylv with -t1, -t2: Rot(-w)
   * = Rot(w)^T), their Gram matrices against D = diag(2 s0^2 ..) from the
   * closed forms, and s0 s1 against 2 |c1 - c2| from rot. */
  double sig[2], Y[4][4], YA[4][4], G[4][4], GA[4][4], R1[4], R2[4];
  lin->sigmas(sig, t1, t2);
  for (int a = 0; a < 4; a++) {
    lin->sylv(Y[a], Bd[a], t1, t2);
    lin->sylv(YA[a], Bd[a], -t1, -t2);
  }
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      G[a][b] = lin->dot(Y[a], Y[b], 4);
      GA[a][b] = lin->dot(YA[a], YA[b], 4);
    }
  lin->rot(R1, t1);
  lin->rot(R2, t2);
  /* Harness bounds from t1, t2 and the exact basis: sigmas; D = 2 fl(s^2)
   * (the doubling exact); sylv of B_a; the Gram dots; the product s0 s1
   * and 2 |fl(c1 - c2)| (fabs and the doubling exact). */
  double esig[2], sigm[2], ED[2], EY[4][4], YM[4][4], EYA[4][4], YAM[4][4];
  double EG[4][4], EGA[4][4], ER1[4], RM1[4], ER2[4], RM2[4];
  fc_bnd_lin_sigmas(F, esig, sigm, t1, t2);
  for (int k = 0; k < 2; k++)
    ED[k] = 2.0 * fc_bnd_lin_mul(F, sigm[k], esig[k], sigm[k], esig[k]);
  for (int a = 0; a < 4; a++) {
    double Bm[4];
    abs4(Bm, Bd[a]);
    fc_bnd_lin_sylv(F, EY[a], YM[a], Bm, NULL, t1, t2);
    fc_bnd_lin_sylv(F, EYA[a], YAM[a], Bm, NULL, -t1, -t2);
  }
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      const double dab = a == b ? 2.0 * sig[a / 2] * sig[a / 2] : 0.0;
      const double edab = a == b ? ED[a / 2] : 0.0;
      EG[a][b] = fc_bnd_lin_dot(F, 4, YM[a], EY[a], YM[b], EY[b]);
      EGA[a][b] = fc_bnd_lin_dot(F, 4, YAM[a], EYA[a], YAM[b], EYA[b]);
      conf(r, G[a][b] - dab, EG[a][b] + edab);
      conf(r, GA[a][b] - dab, EGA[a][b] + edab);
    }
  fc_bnd_lin_rot(F, ER1, RM1, t1);
  fc_bnd_lin_rot(F, ER2, RM2, t2);
  const double ep = fc_bnd_lin_mul(F, sigm[0], esig[0], sigm[1], esig[1]);
  const double eq = fc_bnd_lin_add(F, RM1[0], ER1[0], RM2[0], ER2[0]);
  conf(r, sig[0] * sig[1] - 2.0 * fabs(R1[0] - R2[0]), ep + 2.0 * eq);
  /* Accuracy. */
  f2_ws w;
  if ((rc = oracle_at_P(&w, x, NULL, t1, t2, 1)) != FC_OK)
    return rc;
  fc_oracle_accuracy(r, sig[0], w.sig0, esig[0]);
  fc_oracle_accuracy(r, sig[1], w.sig1, esig[1]);
  for (int a = 0; a < 4; a++) {
    acc4(r, Y[a], EY[a], &w.m[MYB0 + a]);
    acc4(r, YA[a], EYA[a], &w.m[MYA0 + a]);
    for (int b = 0; b < 4; b++) {
      mp_inner(w.tmp, &w.m[MYB0 + a], &w.m[MYB0 + b]);
      fc_oracle_accuracy(r, G[a][b], w.tmp, EG[a][b]);
      mp_inner(w.tmp, &w.m[MYA0 + a], &w.m[MYA0 + b]);
      fc_oracle_accuracy(r, GA[a][b], w.tmp, EGA[a][b]);
    }
  }
  f2_clear(&w);
  snprintf(r->note, sizeof r->note, "sigma = (%.6g, %.6g)", sig[0], sig[1]);
  return FC_OK;
}

/* Double side shared by sandwich and vanishing: Y = S(X), ny2 = ||Y||^2,
 * nx2 = ||X||^2, the sigmas; and the harness bounds of each (from X, t1,
 * t2): E* the error bounds, *m the magnitudes of the exact values. */
typedef struct {
  double Y[4], ny2, nx2, sig[2];
  double EY[4], YM[4], eny2, enx2, nx2m, esig[2], sigm[2], Xm[4];
} f2_dbl;

static void f2_double(f2_dbl *v, const struct fc_kern_lin *lin,
                      const double *X, double t1, double t2)
{
  lin->sylv(v->Y, X, t1, t2);
  v->ny2 = lin->dot(v->Y, v->Y, 4);
  v->nx2 = lin->dot(X, X, 4);
  lin->sigmas(v->sig, t1, t2);
  abs4(v->Xm, X);
  fc_bnd_lin_sylv(F, v->EY, v->YM, v->Xm, NULL, t1, t2);
  v->eny2 = fc_bnd_lin_dot(F, 4, v->YM, v->EY, v->YM, v->EY);
  v->enx2 = fc_bnd_lin_dot(F, 4, v->Xm, NULL, v->Xm, NULL);
  v->nx2m = 0.0;
  for (int k = 0; k < 4; k++)
    v->nx2m += v->Xm[k] * v->Xm[k];
  fc_bnd_lin_sigmas(F, v->esig, v->sigm, t1, t2);
}

/* sigma^2 ||X||^2 for the smaller (want_max = 0) or larger sigma, and its
 * bound.  The kernel's sigmas pick the index; the min (max) of two values
 * with errors errs by at most the larger error, and its exact value is at
 * most the min (max) of their magnitudes. */
static double scaled_nx2(double *e, const f2_dbl *v, int want_max)
{
  const int k = (v->sig[0] <= v->sig[1]) != want_max ? 0 : 1;
  const double es = fmax(v->esig[0], v->esig[1]);
  const double sm = want_max ? fmax(v->sigm[0], v->sigm[1])
                             : fmin(v->sigm[0], v->sigm[1]);
  const double esq = fc_bnd_lin_mul(F, sm, es, sm, es);
  *e = fc_bnd_lin_mul(F, sm * sm, esq, v->nx2m, v->enx2);
  const double sq = v->sig[k] * v->sig[k];
  return sq * v->nx2;
}

static void acc_common(fc_check_result *r, const f2_dbl *v, f2_ws *w)
{
  acc4(r, v->Y, v->EY, &w->m[MY]);
  fc_oracle_accuracy(r, v->ny2, w->ny2, v->eny2);
  fc_oracle_accuracy(r, v->sig[0], w->sig0, v->esig[0]);
  fc_oracle_accuracy(r, v->sig[1], w->sig1, v->esig[1]);
}

static int check_sandwich(fc_check_result *r, const fc_case *cs,
                          const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  double t1, t2;
  const double *X;
  if (lin == NULL || get_turns(&t1, &t2, cs) != FC_OK
      || get22(&X, cs, "X") != FC_OK)
    return FC_EINVAL;
  int rc = statement(r, x, X, t1, t2, ST_SPLIT);
  if (rc == FC_OK)
    rc = statement(r, x, X, t1, t2, ST_SANDWICH);
  if (rc != FC_OK)
    return rc;
  f2_dbl v;
  f2_double(&v, lin, X, t1, t2);
  /* ||S X||^2 = 2 s0^2 (a^2+b^2) + 2 s1^2 (c^2+d^2) (the factor 2 exact). */
  double abcd[4];
  lin->decomp(abcd, X);
  const double ab = lin->dot(abcd, abcd, 2);
  const double cd = lin->dot(abcd + 2, abcd + 2, 2);
  const double p0 = 2.0 * ((v.sig[0] * v.sig[0]) * ab);
  const double p1 = 2.0 * ((v.sig[1] * v.sig[1]) * cd);
  /* Bounds: decomp of X (exact), its two dots; fl(s^2), fl(s^2 ab), the
   * doubling exact, then the sum. */
  double E[4], M[4], es[2], sqm[2], pe[2], pm[2];
  fc_bnd_lin_decomp(F, E, M, v.Xm, NULL);
  const double ed[2] = {fc_bnd_lin_dot(F, 2, M, E, M, E),
                        fc_bnd_lin_dot(F, 2, M + 2, E + 2, M + 2, E + 2)};
  const double dm[2] = {M[0] * M[0] + M[1] * M[1],
                        M[2] * M[2] + M[3] * M[3]};
  for (int k = 0; k < 2; k++) {
    es[k] = fc_bnd_lin_mul(F, v.sigm[k], v.esig[k], v.sigm[k], v.esig[k]);
    sqm[k] = v.sigm[k] * v.sigm[k];
    pe[k] = 2.0 * fc_bnd_lin_mul(F, sqm[k], es[k], dm[k], ed[k]);
    pm[k] = 2.0 * sqm[k] * dm[k];
  }
  const double erhs = fc_bnd_lin_add(F, pm[0], pe[0], pm[1], pe[1]);
  conf(r, v.ny2 - (p0 + p1), v.eny2 + erhs);
  /* Sandwich: violations (lo - ny2)+ and (ny2 - hi)+. */
  double elo, ehi;
  const double lo = scaled_nx2(&elo, &v, 0);
  const double hi = scaled_nx2(&ehi, &v, 1);
  conf(r, fmax(0.0, lo - v.ny2), elo + v.eny2);
  conf(r, fmax(0.0, v.ny2 - hi), ehi + v.eny2);
  f2_ws w;
  if ((rc = oracle_at_P(&w, x, X, t1, t2, 0)) != FC_OK)
    return rc;
  acc_common(r, &v, &w);
  f2_clear(&w);
  snprintf(r->note, sizeof r->note, "sigma = (%.6g, %.6g)", v.sig[0],
           v.sig[1]);
  return FC_OK;
}

static int check_vanish(fc_check_result *r, const fc_case *cs,
                        const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  double t1, t2;
  const double *X;
  if (lin == NULL || get_turns(&t1, &t2, cs) != FC_OK
      || get22(&X, cs, "X") != FC_OK)
    return FC_EINVAL;
  int rc = statement(r, x, X, t1, t2, ST_VANISH);
  if (rc != FC_OK)
    return rc;
  f2_dbl v;
  f2_double(&v, lin, X, t1, t2);
  /* In double the claim is smin^2 ||X||^2 <= ||S X||^2 (squares avoid the
   * division and the square roots); vacuous when cos w1 = cos w2. */
  if (!cos_equal(t1, t2)) {
    double elo;
    const double lo = scaled_nx2(&elo, &v, 0);
    conf(r, fmax(0.0, lo - v.ny2), elo + v.eny2);
  }
  f2_ws w;
  if ((rc = oracle_at_P(&w, x, X, t1, t2, 0)) != FC_OK)
    return rc;
  acc_common(r, &v, &w);
  f2_clear(&w);
  snprintf(r->note, sizeof r->note, "gap sigma_min = %.6g",
           fmin(v.sig[0], v.sig[1]));
  return FC_OK;
}

/* Negative controls: statement "S(X) = 0 implies X = 0" (ST_IMPL), and
 * the accuracy of the kernel's S(X). */
static int check_neg(fc_check_result *r, const fc_case *cs,
                     const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  double t1, t2;
  const double *X;
  if (lin == NULL || get_turns(&t1, &t2, cs) != FC_OK
      || get22(&X, cs, "X") != FC_OK)
    return FC_EINVAL;
  int rc = statement(r, x, X, t1, t2, ST_IMPL);
  if (rc != FC_OK)
    return rc;
  double Y[4], EY[4], Xm[4];
  lin->sylv(Y, X, t1, t2);
  abs4(Xm, X);
  fc_bnd_lin_sylv(F, EY, NULL, Xm, NULL, t1, t2);
  f2_ws w;
  if ((rc = oracle_at_P(&w, x, X, t1, t2, 0)) != FC_OK)
    return rc;
  acc4(r, Y, EY, &w.m[MY]);
  f2_clear(&w);
  return FC_OK;
}



/* ----------------------------------------------------------- describe */

static void describe(FILE *out, const fc_case *cs)
{
  double t1, t2;
  const double *X;
  if (out == NULL || cs == NULL || get_turns(&t1, &t2, cs) != FC_OK)
    return;
  const double s0 = 2 * fabs(sin(PI_D * (t1 - t2)));
  const double s1 = 2 * fabs(sin(PI_D * (t1 + t2)));
  fprintf(out, "w1 = 2 pi (%a) (%.17g deg), w2 = 2 pi (%a) (%.17g deg)\n",
          t1, 360 * t1, t2, 360 * t2);
  fprintf(out, "closed form: sigma0 = 2|sin((w1-w2)/2)| = %.17g on "
               "span{I,J}, sigma1 = 2|sin((w1+w2)/2)| = %.17g on span{K,L}\n",
          s0, s1);
  fprintf(out, "cos w1 - cos w2 = %.17g in double (%s)\n",
          cos(2 * PI_D * t1) - cos(2 * PI_D * t2),
          cos_equal(t1, t2) ? "equal cosines: a nonzero intertwiner exists"
                            : "cosines differ: S is invertible");
  if (get22(&X, cs, "X") == FC_OK) {
    const double v[4] = {0.5 * (X[0] + X[3]), 0.5 * (X[2] - X[1]),
                         0.5 * (X[0] - X[3]), 0.5 * (X[1] + X[2])};
    fprintf(out, "X =");
    for (int k = 0; k < 4; k++)
      fprintf(out, "%s %.17g %s", k ? " +" : "", v[k], bname[k]);
    fprintf(out, "\n");
  }
}

/* --------------------------------------------------------- properties */

/* Why these properties cannot judge a plugin or exec kernel (their
 * "not provided" reason with --kernels PLUGIN; issue 16). */
static const char f2_why[] =
    "the Sylvester map of F2 and its closed-form singular values have "
    "no kernel contract entry";

static const fc_property p_sv = {
    .id = "schur.singular_values",
    .title = "S(X) = X Rot(w1) - Rot(w2) X is normal with singular values "
             "2|sin((w1 -/+ w2)/2)|, product 2|cos w1 - cos w2|",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_sv,
    .check = check_sv,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f2_why,
    .describe = describe};

static const fc_property p_sandwich = {
    .id = "schur.sandwich",
    .title = "sigma_min ||X|| <= ||S(X)|| <= sigma_max ||X|| (and the exact "
             "split over span{I,J} + span{K,L})",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_sandwich,
    .check = check_sandwich,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f2_why,
    .describe = describe};

static const fc_property p_vanish = {
    .id = "schur.vanishing",
    .title = "cos w1 != cos w2: ||X|| <= ||S(X)|| / sigma_min, so "
             "X Rot(w1) = Rot(w2) X forces X = 0",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_vanish,
    .check = check_vanish,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f2_why,
    .describe = describe};

static const fc_property p_neg_opposite = {
    .id = "schur.neg_opposite",
    .title = "negative control: w2 = -w1 != 0 has the nonzero intertwiner K",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_DETECT,
    .generate = gen_neg_opposite,
    .check = check_neg,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f2_why,
    .describe = describe};

static const fc_property p_neg_equal = {
    .id = "schur.neg_equal",
    .title = "negative control: w2 = w1 has the intertwiners I and J",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_DETECT,
    .generate = gen_neg_equal,
    .check = check_neg,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f2_why,
    .describe = describe};

const fc_property *const fc_family_schur[] = {
    &p_sv, &p_sandwich, &p_vanish, &p_neg_opposite, &p_neg_equal, NULL};

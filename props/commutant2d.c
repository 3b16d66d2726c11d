/* commutant2d.c -- F1, the 2D commutant (Symmetry.lean,
 * commutesWithQuarterTurn_iff).
 *
 * R = a I + b J + c K + d L with a = (r00+r11)/2, b = (r10-r01)/2,
 * c = (r00-r11)/2, d = (r01+r10)/2.  Then ||RJ - JR||_F^2 = 8 (c^2 + d^2),
 * so R commutes with J iff c = d = 0; R = aI + bJ has R^T R = (a^2+b^2) I;
 * and for a RoPE block [R, Rot(w)] = sin(w) [R, J].
 *
 * Every check fills the three levels (SPEC.md):
 *  statement    the identity in MPFR at P bits (fc_oracle_statement), the
 *               scale being the same expression with every input replaced
 *               by its magnitude (|R||J| + |J||R| ...).  Each statement
 *               below is evaluated with at most 8 roundings at P bits per
 *               term of its scale, so its residual is below 2^(3-P) S: the
 *               default slack s = 8 covers it with 5 bits to spare.
 *  conformance  the identity evaluated with the double kernels
 *               (x->kernels->lin) only, against the harness's a-priori
 *               bounds (src/bounds/lin.c) of every kernel output and of
 *               the few operations done here, composed from the exact
 *               inputs at the declared arithmetic fp64/fp64.
 *  accuracy     every double kernel output against the oracle's value of
 *               the same quantity, against the same harness bound (one
 *               bound for the reference and every mutant; issue 16).
 * Negative controls fill statement and accuracy (conformance of a false
 * identity is not a kernel property).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "props.h"
#include "kernels/lin.h"
#include "bounds/bounds.h"

/* The declared arithmetic of the built-in lin tables (fp64/fp64): every
 * bound below is the harness's at this format. */
#define F FC_FMT_FP64
/* The residuals formed here are one subtraction of two doubles, compared
 * with their bound: |fl(y)| <= |y| (1 + u), so (1 + 2^-40) on the bound
 * covers it (and the few roundings of summing two bounds). */
#define PSAFE(x) ((x) * (1.0 + 0x1p-40))

static const double Jd[4] = {0, -1, 1, 0};
static const double Id[4] = {1, 0, 0, 1};
static const double Jm[4] = {0, 1, 1, 0}; /* |J|, J exact */

static void abs4(double M[4], const double A[4])
{
  for (int k = 0; k < 4; k++)
    M[k] = fabs(A[k]);
}

/* Entries: integers, short dyadics, then 52-bit values in [-16, 16] with a
 * wide exponent range (underflowing products are covered by the eta terms of the bounds). */
static const fc_double_spec entry_spec = {16.0, 0, 0};

static const char *const anchors[] = {"commutesWithQuarterTurn_iff", NULL};

/* ------------------------------------------------------------ case I/O */

static int get22(const double **m, const fc_case *cs, const char *name)
{
  size_t r, c;
  *m = fc_case_reals(cs, name, &r, &c);
  return *m != NULL && r == 2 && c == 2 ? FC_OK : FC_EINVAL;
}

static int get1(double *v, const fc_case *cs, const char *name)
{
  size_t r, c;
  const double *p = fc_case_reals(cs, name, &r, &c);
  if (p == NULL || r != 1 || c != 1 || !isfinite(p[0]))
    return FC_EINVAL;
  *v = p[0];
  return FC_OK;
}

/* ------------------------------------------------------------- oracle */

typedef struct {
  fc_mpmat_t R, J, Rt, Rw, C, M, C1, M1, Y, G, Mg, T1, T2, S1, S2;
  mpfr_t a, b, c, d, am, bm, cm, dm, s, co, n2, rhs, ab2, tmp;
} f1_ws;

#define F1_NMATS 15

static void f1_mats(fc_mpmat_struct **m, f1_ws *w)
{
  fc_mpmat_struct *all[F1_NMATS] = {w->R,  w->J, w->Rt, w->Rw, w->C,
                                    w->M,  w->C1, w->M1, w->Y, w->G,
                                    w->Mg, w->T1, w->T2, w->S1, w->S2};
  memcpy(m, all, sizeof all);
}

static void f1_clear(f1_ws *w)
{
  fc_mpmat_struct *m[F1_NMATS];
  f1_mats(m, w);
  for (int k = 0; k < F1_NMATS; k++)
    fc_mpmat_clear(m[k]);
  mpfr_clears(w->a, w->b, w->c, w->d, w->am, w->bm, w->cm, w->dm, w->s,
              w->co, w->n2, w->rhs, w->ab2, w->tmp, (mpfr_ptr)0);
}

static int f1_init(f1_ws *w, mpfr_prec_t prec)
{
  fc_mpmat_struct *m[F1_NMATS];
  f1_mats(m, w);
  for (int k = 0; k < F1_NMATS; k++) {
    m[k]->e = NULL;
    m[k]->rows = m[k]->cols = 0;
  }
  mpfr_inits2(prec, w->a, w->b, w->c, w->d, w->am, w->bm, w->cm, w->dm,
              w->s, w->co, w->n2, w->rhs, w->ab2, w->tmp, (mpfr_ptr)0);
  for (int k = 0; k < F1_NMATS; k++) {
    int rc = fc_mpmat_init(m[k], 2, 2, prec);
    if (rc != FC_OK) {
      f1_clear(w);
      return rc;
    }
  }
  return FC_OK;
}

/* r = sum of squares of the 4 entries (one correctly rounded mpfr_dot). */
static void mp_sumsq(mpfr_t r, fc_mpmat_struct *A)
{
  mpfr_ptr p[4] = {A->e[0], A->e[1], A->e[2], A->e[3]};
  mpfr_dot(r, p, p, 4, MPFR_RNDN);
}

/* C = [A, B] = AB - BA and M = |A||B| + |B||A| (its magnitude). */
static int mp_comm(f1_ws *w, fc_mpmat_struct *C, fc_mpmat_struct *M,
                   fc_mpmat_struct *A, fc_mpmat_struct *B)
{
  int rc = fc_mpmat_mul(w->T1, w->S1, A, B);
  if (rc == FC_OK)
    rc = fc_mpmat_mul(w->T2, w->S2, B, A);
  if (rc != FC_OK)
    return rc;
  fc_mpmat_sub(C, w->T1, w->T2);
  fc_mpmat_add(M, w->S1, w->S2);
  return FC_OK;
}

/* Evaluate everything F1 needs at w's precision.  R is the double matrix
 * Rd, or, when Rd is NULL, Rot(2 pi t) itself (the rotation property).
 * t (when finite) gives Rw = Rot(2 pi t) for the RoPE block. */
static int f1_eval(f1_ws *w, const double *Rd, double t)
{
  int rc;
  fc_mpmat_set_d(w->J, Jd);
  if (Rd != NULL) {
    fc_mpmat_set_d(w->R, Rd);
  } else {
    fc_mp_sincos_turns(w->s, w->co, t);
    mpfr_set(FC_MPMAT(w->R, 0, 0), w->co, MPFR_RNDN);
    mpfr_neg(FC_MPMAT(w->R, 0, 1), w->s, MPFR_RNDN);
    mpfr_set(FC_MPMAT(w->R, 1, 0), w->s, MPFR_RNDN);
    mpfr_set(FC_MPMAT(w->R, 1, 1), w->co, MPFR_RNDN);
  }
  mpfr_ptr r00 = w->R->e[0], r01 = w->R->e[1], r10 = w->R->e[2],
           r11 = w->R->e[3];
  mpfr_add(w->a, r00, r11, MPFR_RNDN);
  mpfr_div_2ui(w->a, w->a, 1, MPFR_RNDN);
  mpfr_sub(w->b, r10, r01, MPFR_RNDN);
  mpfr_div_2ui(w->b, w->b, 1, MPFR_RNDN);
  mpfr_sub(w->c, r00, r11, MPFR_RNDN);
  mpfr_div_2ui(w->c, w->c, 1, MPFR_RNDN);
  mpfr_add(w->d, r01, r10, MPFR_RNDN);
  mpfr_div_2ui(w->d, w->d, 1, MPFR_RNDN);
  /* magnitudes: (|r00| + |r11|)/2 for a and c, (|r01| + |r10|)/2 for b, d */
  mpfr_abs(w->tmp, r11, MPFR_RNDN);
  mpfr_abs(w->am, r00, MPFR_RNDN);
  mpfr_add(w->am, w->am, w->tmp, MPFR_RNDN);
  mpfr_div_2ui(w->am, w->am, 1, MPFR_RNDN);
  mpfr_set(w->cm, w->am, MPFR_RNDN);
  mpfr_abs(w->tmp, r10, MPFR_RNDN);
  mpfr_abs(w->bm, r01, MPFR_RNDN);
  mpfr_add(w->bm, w->bm, w->tmp, MPFR_RNDN);
  mpfr_div_2ui(w->bm, w->bm, 1, MPFR_RNDN);
  mpfr_set(w->dm, w->bm, MPFR_RNDN);
  /* C = [R, J], ||C||^2 and 8 (c^2 + d^2); a^2 + b^2 */
  if ((rc = mp_comm(w, w->C, w->M, w->R, w->J)) != FC_OK)
    return rc;
  mp_sumsq(w->n2, w->C);
  {
    mpfr_ptr p[2] = {w->c, w->d}, q[2] = {w->a, w->b};
    mpfr_dot(w->rhs, p, p, 2, MPFR_RNDN);
    mpfr_mul_2ui(w->rhs, w->rhs, 3, MPFR_RNDN);
    mpfr_dot(w->ab2, q, q, 2, MPFR_RNDN);
  }
  /* G = R^T R and its magnitude */
  fc_mpmat_transpose(w->Rt, w->R);
  if ((rc = fc_mpmat_mul(w->G, w->Mg, w->Rt, w->R)) != FC_OK)
    return rc;
  /* RoPE block: Rw = Rot(w), C1 = [R, Rw], Y = C1 - sin(w) C */
  if (Rd != NULL && isfinite(t)) {
    fc_mp_sincos_turns(w->s, w->co, t);
    mpfr_set(FC_MPMAT(w->Rw, 0, 0), w->co, MPFR_RNDN);
    mpfr_neg(FC_MPMAT(w->Rw, 0, 1), w->s, MPFR_RNDN);
    mpfr_set(FC_MPMAT(w->Rw, 1, 0), w->s, MPFR_RNDN);
    mpfr_set(FC_MPMAT(w->Rw, 1, 1), w->co, MPFR_RNDN);
    if ((rc = mp_comm(w, w->C1, w->M1, w->R, w->Rw)) != FC_OK)
      return rc;
    for (int k = 0; k < 4; k++) {
      mpfr_mul(w->tmp, w->s, w->C->e[k], MPFR_RNDN);
      mpfr_sub(w->Y->e[k], w->C1->e[k], w->tmp, MPFR_RNDN);
    }
  }
  return FC_OK;
}

/* Statement arguments: the case's data. */
typedef struct {
  const double *R; /* NULL: R = Rot(2 pi t) */
  double t;        /* NAN when absent */
} f1_arg;

typedef enum {
  ST_NORM,     /* | ||[R,J]||^2 - 8 (c^2 + d^2) | */
  ST_COMMUTE,  /* ||[R, J]||_F */
  ST_GRAM,     /* ||R^T R - (a^2 + b^2) I||_F */
  ST_ORTHO,    /* ||R^T R - I||_F */
  ST_UNIT,     /* |a^2 + b^2 - 1| */
  ST_ROPE      /* ||[R, Rot(w)] - sin(w) [R, J]||_F */
} f1_stmt;

static int f1_statement(mpfr_t r, mpfr_t S, const f1_arg *arg, f1_stmt which,
                        mpfr_prec_t prec)
{
  f1_ws w;
  int rc = f1_init(&w, prec);
  if (rc != FC_OK)
    return rc;
  rc = f1_eval(&w, arg->R, arg->t);
  if (rc != FC_OK) {
    f1_clear(&w);
    return rc;
  }
  mpfr_ptr p[2];
  switch (which) {
  case ST_NORM:
    /* S = || |R||J| + |J||R| ||^2 + 8 (cm^2 + dm^2) */
    mpfr_sub(r, w.n2, w.rhs, MPFR_RNDN);
    mpfr_abs(r, r, MPFR_RNDN);
    mp_sumsq(S, w.M);
    p[0] = w.cm;
    p[1] = w.dm;
    mpfr_dot(w.tmp, p, p, 2, MPFR_RNDN);
    mpfr_mul_2ui(w.tmp, w.tmp, 3, MPFR_RNDN);
    mpfr_add(S, S, w.tmp, MPFR_RNDN);
    break;
  case ST_COMMUTE:
    fc_mpmat_frob(r, w.C);
    fc_mpmat_frob(S, w.M);
    break;
  case ST_GRAM:
  case ST_ORTHO:
    /* G - lambda I with lambda = a^2 + b^2 (GRAM) or 1 (ORTHO);
     * S = || |R^T||R| ||_F + 2 lambda_m, lambda_m = am^2 + bm^2 or 1 */
    if (which == ST_GRAM) {
      p[0] = w.am;
      p[1] = w.bm;
      mpfr_dot(w.tmp, p, p, 2, MPFR_RNDN);
      mpfr_set(w.a, w.ab2, MPFR_RNDN);
    } else {
      mpfr_set_ui(w.tmp, 1, MPFR_RNDN);
      mpfr_set_ui(w.a, 1, MPFR_RNDN);
    }
    mpfr_sub(w.G->e[0], w.G->e[0], w.a, MPFR_RNDN);
    mpfr_sub(w.G->e[3], w.G->e[3], w.a, MPFR_RNDN);
    fc_mpmat_frob(r, w.G);
    fc_mpmat_frob(S, w.Mg);
    mpfr_mul_2ui(w.tmp, w.tmp, 1, MPFR_RNDN);
    mpfr_add(S, S, w.tmp, MPFR_RNDN);
    break;
  case ST_UNIT:
    mpfr_sub_ui(r, w.ab2, 1, MPFR_RNDN);
    mpfr_abs(r, r, MPFR_RNDN);
    p[0] = w.am;
    p[1] = w.bm;
    mpfr_dot(S, p, p, 2, MPFR_RNDN);
    mpfr_add_ui(S, S, 1, MPFR_RNDN);
    break;
  case ST_ROPE:
    /* S = || M1 + |sin w| M ||_F */
    fc_mpmat_frob(r, w.Y);
    mpfr_abs(w.tmp, w.s, MPFR_RNDN);
    for (int k = 0; k < 4; k++)
      mpfr_fma(w.M1->e[k], w.tmp, w.M->e[k], w.M1->e[k], MPFR_RNDN);
    fc_mpmat_frob(S, w.M1);
    break;
  }
  f1_clear(&w);
  return FC_OK;
}

#define F1_STMT_FN(name, which)                                            \
  static int name(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)        \
  {                                                                        \
    return f1_statement(r, S, arg, which, prec);                           \
  }
F1_STMT_FN(st_norm, ST_NORM)
F1_STMT_FN(st_commute, ST_COMMUTE)
F1_STMT_FN(st_gram, ST_GRAM)
F1_STMT_FN(st_ortho, ST_ORTHO)
F1_STMT_FN(st_unit, ST_UNIT)
F1_STMT_FN(st_rope, ST_ROPE)

/* Accuracy of 4 double entries against an oracle matrix. */
static void acc4(fc_check_result *r, const double *v, const double *e,
                 fc_mpmat_struct *exact)
{
  for (int k = 0; k < 4; k++)
    fc_oracle_accuracy(r, v[k], exact->e[k], e[k]);
}

static void conf(fc_check_result *r, double err, double bound)
{
  fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], fabs(err), PSAFE(bound),
                  0.0);
}

static const struct fc_kern_lin *lin_of(const fc_check_ctx *x)
{
  return x != NULL && x->kernels != NULL ? FC_LIN(x) : NULL;
}

/* ------------------------------------------------------- generators */

static int gen_general(fc_case *cs, fc_draw *d)
{
  double *R = fc_case_add_reals(cs, "R", 2, 2);
  if (R == NULL)
    return FC_ENOMEM;
  fc_draw_doubles(d, R, 4, &entry_spec);
  return FC_OK;
}

/* R = a I + b J = [[a, -b], [b, a]] (exact). */
static int gen_span(fc_case *cs, fc_draw *d)
{
  double *R = fc_case_add_reals(cs, "R", 2, 2);
  if (R == NULL)
    return FC_ENOMEM;
  const double a = fc_draw_double(d, &entry_spec);
  const double b = fc_draw_double(d, &entry_spec);
  R[0] = a;
  R[1] = -b;
  R[2] = b;
  R[3] = a;
  return FC_OK;
}

static int gen_rotation(fc_case *cs, fc_draw *d)
{
  double *t = fc_case_add_reals(cs, "t", 1, 1);
  if (t == NULL)
    return FC_ENOMEM;
  t[0] = fc_draw_turns(d);
  return FC_OK;
}

/* General R and an angle that is, a quarter of the time, an exact multiple
 * of pi (t in {0, 1/2}: position 0 and the half turn). */
static int gen_rope(fc_case *cs, fc_draw *d)
{
  static const double wts[2] = {0.75, 0.25};
  int rc = gen_general(cs, d);
  if (rc != FC_OK)
    return rc;
  double *t = fc_case_add_reals(cs, "t", 1, 1);
  if (t == NULL)
    return FC_ENOMEM;
  if (fc_draw_weighted(d, wts, 2) == 0)
    t[0] = fc_draw_turns(d);
  else
    t[0] = 0.5 * (double)fc_draw_int(d, 0, 1);
  return FC_OK;
}

/* ------------------------------------------------------------- checks */

/* ||[R,J]||^2 = 8 (c^2 + d^2) for general R. */
static int check_norm(fc_check_result *r, const fc_case *cs,
                      const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  const double *R;
  if (lin == NULL || get22(&R, cs, "R") != FC_OK)
    return FC_EINVAL;
  f1_arg arg = {R, NAN};
  int rc = fc_oracle_statement(r, st_norm, &arg, x);
  if (rc != FC_OK)
    return rc;
  /* Double: C = comm2(R, J); n2 = C . C; rhs = 8 (c, d) . (c, d). */
  double C[4], abcd[4];
  lin->comm2(C, R, Jd);
  const double n2 = lin->dot(C, C, 4);
  lin->decomp(abcd, R);
  const double rhs = 8.0 * lin->dot(abcd + 2, abcd + 2, 2);
  /* Harness bounds from R (exact): the dot products compose the comm2 and
   * decomp bounds; the factor 8 is exact, so its bound scales by 8. */
  double Rm[4], EC[4], CM[4], E[4], M[4];
  abs4(Rm, R);
  fc_bnd_lin_comm2(F, EC, CM, Rm, NULL, Jm, NULL);
  const double en2 = fc_bnd_lin_dot(F, 4, CM, EC, CM, EC);
  fc_bnd_lin_decomp(F, E, M, Rm, NULL);
  const double erhs = 8.0 * fc_bnd_lin_dot(F, 2, M + 2, E + 2, M + 2, E + 2);
  conf(r, n2 - rhs, en2 + erhs);
  /* Accuracy at P. */
  f1_ws w;
  if ((rc = f1_init(&w, (mpfr_prec_t)x->prec)) != FC_OK)
    return rc;
  if ((rc = f1_eval(&w, R, NAN)) == FC_OK) {
    acc4(r, C, EC, w.C);
    fc_oracle_accuracy(r, n2, w.n2, en2);
    fc_oracle_accuracy(r, rhs, w.rhs, erhs);
    fc_oracle_accuracy(r, abcd[0], w.a, E[0]);
    fc_oracle_accuracy(r, abcd[1], w.b, E[1]);
    fc_oracle_accuracy(r, abcd[2], w.c, E[2]);
    fc_oracle_accuracy(r, abcd[3], w.d, E[3]);
  }
  f1_clear(&w);
  snprintf(r->note, sizeof r->note, "8(c^2+d^2) = %.6g", rhs);
  return rc;
}

/* The bounds of G = R^T R and of a^2 + b^2 for an R with magnitudes Rm and
 * errors ER (NULL: exact), the inputs of check_span and check_rotation. */
typedef struct {
  double EC[4], EG[4], E[4], M[4], eab2;
} f1_gram_bnd;

static void gram_bounds(f1_gram_bnd *b, const double Rm[4],
                        const double ER[4])
{
  const double Rtm[4] = {Rm[0], Rm[2], Rm[1], Rm[3]};
  double ERt[4];
  if (ER != NULL) {
    ERt[0] = ER[0];
    ERt[1] = ER[2];
    ERt[2] = ER[1];
    ERt[3] = ER[3];
  }
  fc_bnd_lin_comm2(F, b->EC, NULL, Rm, ER, Jm, NULL);
  fc_bnd_lin_mul2(F, b->EG, NULL, Rtm, ER ? ERt : NULL, Rm, ER);
  fc_bnd_lin_decomp(F, b->E, b->M, Rm, ER);
  b->eab2 = fc_bnd_lin_dot(F, 2, b->M, b->E, b->M, b->E);
}

/* Members of span{I, J} commute with J and have R^T R = (a^2 + b^2) I. */
static int check_span(fc_check_result *r, const fc_case *cs,
                      const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  const double *R;
  if (lin == NULL || get22(&R, cs, "R") != FC_OK)
    return FC_EINVAL;
  f1_arg arg = {R, NAN};
  int rc = fc_oracle_statement(r, st_commute, &arg, x);
  if (rc == FC_OK)
    rc = fc_oracle_statement(r, st_gram, &arg, x);
  if (rc != FC_OK)
    return rc;
  /* Double: [R, J] = 0 entrywise within EC; R^T R - (a^2+b^2) I = 0
   * entrywise within EG (+ eab2 on the diagonal). */
  double C[4], G[4], abcd[4], Rm[4];
  const double Rt[4] = {R[0], R[2], R[1], R[3]};
  lin->comm2(C, R, Jd);
  lin->mul2(G, Rt, R);
  lin->decomp(abcd, R);
  const double ab2 = lin->dot(abcd, abcd, 2);
  f1_gram_bnd b;
  abs4(Rm, R);
  gram_bounds(&b, Rm, NULL);
  for (int k = 0; k < 4; k++)
    conf(r, C[k], b.EC[k]);
  for (int k = 0; k < 4; k++)
    conf(r, G[k] - Id[k] * ab2, b.EG[k] + Id[k] * b.eab2);
  f1_ws w;
  if ((rc = f1_init(&w, (mpfr_prec_t)x->prec)) != FC_OK)
    return rc;
  if ((rc = f1_eval(&w, R, NAN)) == FC_OK) {
    acc4(r, C, b.EC, w.C);
    acc4(r, G, b.EG, w.G);
    fc_oracle_accuracy(r, ab2, w.ab2, b.eab2);
  }
  f1_clear(&w);
  snprintf(r->note, sizeof r->note, "a^2+b^2 = %.6g", ab2);
  return rc;
}

/* Orthogonal members: R = Rot(2 pi t) commutes with J, R^T R = I,
 * a^2 + b^2 = 1. */
static int check_rotation(fc_check_result *r, const fc_case *cs,
                          const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  double t;
  if (lin == NULL || get1(&t, cs, "t") != FC_OK)
    return FC_EINVAL;
  f1_arg arg = {NULL, t};
  int rc = fc_oracle_statement(r, st_commute, &arg, x);
  if (rc == FC_OK)
    rc = fc_oracle_statement(r, st_ortho, &arg, x);
  if (rc == FC_OK)
    rc = fc_oracle_statement(r, st_unit, &arg, x);
  if (rc != FC_OK)
    return rc;
  /* Double: R = rot(t); everything downstream uses the kernel's R. */
  double R[4], C[4], G[4], abcd[4];
  lin->rot(R, t);
  const double Rt[4] = {R[0], R[2], R[1], R[3]};
  lin->comm2(C, R, Jd);
  lin->mul2(G, Rt, R);
  lin->decomp(abcd, R);
  const double ab2 = lin->dot(abcd, abcd, 2);
  /* Harness bounds: rot's (from t) composed through comm2, mul2, decomp
   * and dot. */
  double ER[4], RM[4];
  f1_gram_bnd b;
  fc_bnd_lin_rot(F, ER, RM, t);
  gram_bounds(&b, RM, ER);
  for (int k = 0; k < 4; k++)
    conf(r, C[k], b.EC[k]);
  for (int k = 0; k < 4; k++)
    conf(r, G[k] - Id[k], b.EG[k]);
  conf(r, ab2 - 1.0, b.eab2);
  conf(r, abcd[2], b.E[2]); /* c = 0 */
  conf(r, abcd[3], b.E[3]); /* d = 0 */
  f1_ws w;
  if ((rc = f1_init(&w, (mpfr_prec_t)x->prec)) != FC_OK)
    return rc;
  if ((rc = f1_eval(&w, NULL, t)) == FC_OK) {
    acc4(r, R, ER, w.R);
    acc4(r, C, b.EC, w.C);
    acc4(r, G, b.EG, w.G);
    fc_oracle_accuracy(r, abcd[0], w.a, b.E[0]);
    fc_oracle_accuracy(r, abcd[1], w.b, b.E[1]);
    fc_oracle_accuracy(r, abcd[2], w.c, b.E[2]);
    fc_oracle_accuracy(r, abcd[3], w.d, b.E[3]);
    fc_oracle_accuracy(r, ab2, w.ab2, b.eab2);
  }
  f1_clear(&w);
  return rc;
}

/* RoPE block: [R, Rot(w)] = sin(w) [R, J]. */
static int check_rope(fc_check_result *r, const fc_case *cs,
                      const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  const double *R;
  double t;
  if (lin == NULL || get22(&R, cs, "R") != FC_OK
      || get1(&t, cs, "t") != FC_OK)
    return FC_EINVAL;
  f1_arg arg = {R, t};
  int rc = fc_oracle_statement(r, st_rope, &arg, x);
  if (rc != FC_OK)
    return rc;
  /* Double: Rw = rot(t); C1 = comm2(R, Rw); C2 = comm2(R, J);
   * Y = C1 - s C2 with s = Rw[2]; exact Y* = 0. */
  double Rw[4], C1[4], C2[4];
  lin->rot(Rw, t);
  lin->comm2(C1, R, Rw);
  lin->comm2(C2, R, Jd);
  /* Harness bounds: rot from t, the two comm2 from R (exact) and rot's
   * bound, then fl(s C2) and fl(C1 - s C2) (fc_bnd_lin_mul, _add). */
  double Rm[4], ERw[4], RwM[4], EC1[4], C1M[4], EC2[4], C2M[4];
  abs4(Rm, R);
  fc_bnd_lin_rot(F, ERw, RwM, t);
  fc_bnd_lin_comm2(F, EC1, C1M, Rm, NULL, RwM, ERw);
  fc_bnd_lin_comm2(F, EC2, C2M, Rm, NULL, Jm, NULL);
  const double s = Rw[2];
  for (int k = 0; k < 4; k++) {
    const double ep = fc_bnd_lin_mul(F, RwM[2], ERw[2], C2M[k], EC2[k]);
    const double ey = fc_bnd_lin_add(F, C1M[k], EC1[k], RwM[2] * C2M[k], ep);
    conf(r, C1[k] - s * C2[k], ey);
  }
  f1_ws w;
  if ((rc = f1_init(&w, (mpfr_prec_t)x->prec)) != FC_OK)
    return rc;
  if ((rc = f1_eval(&w, R, t)) == FC_OK) {
    acc4(r, Rw, ERw, w.Rw);
    acc4(r, C1, EC1, w.C1);
    acc4(r, C2, EC2, w.C);
    if (mpfr_zero_p(w.s))
      snprintf(r->note, sizeof r->note,
               "w = 2 pi (%a): sin w = 0 exactly in the oracle, %a in double",
               t, s);
  }
  f1_clear(&w);
  return rc;
}

/* Negative control: "every R commutes with J" on general R. */
static int check_neg_all(fc_check_result *r, const fc_case *cs,
                         const fc_check_ctx *x)
{
  const struct fc_kern_lin *lin = lin_of(x);
  const double *R;
  if (lin == NULL || get22(&R, cs, "R") != FC_OK)
    return FC_EINVAL;
  f1_arg arg = {R, NAN};
  int rc = fc_oracle_statement(r, st_commute, &arg, x);
  if (rc != FC_OK)
    return rc;
  double C[4], EC[4], Rm[4];
  lin->comm2(C, R, Jd);
  abs4(Rm, R);
  fc_bnd_lin_comm2(F, EC, NULL, Rm, NULL, Jm, NULL);
  f1_ws w;
  if ((rc = f1_init(&w, (mpfr_prec_t)x->prec)) != FC_OK)
    return rc;
  if ((rc = f1_eval(&w, R, NAN)) == FC_OK)
    acc4(r, C, EC, w.C);
  f1_clear(&w);
  snprintf(r->note, sizeof r->note, "c = %.6g, d = %.6g",
           0.5 * (R[0] - R[3]), 0.5 * (R[1] + R[2]));
  return rc;
}

/* ----------------------------------------------------------- describe */

static void describe_R(FILE *out, const double *R)
{
  const double a = 0.5 * (R[0] + R[3]), b = 0.5 * (R[2] - R[1]),
               c = 0.5 * (R[0] - R[3]), d = 0.5 * (R[1] + R[2]);
  fprintf(out, "R = a I + b J + c K + d L with a = %.17g, b = %.17g, "
               "c = %.17g, d = %.17g\n", a, b, c, d);
  fprintf(out, "  span{I,J} part (a, b) = (%a, %a); span{K,L} part (c, d) "
               "= (%a, %a)\n", a, b, c, d);
  fprintf(out, "  ||RJ - JR||_F^2 = 8 (c^2 + d^2) = %.17g (%s)\n",
          8 * (c * c + d * d),
          c == 0 && d == 0 ? "commutes with J" : "does not commute with J");
}

static void describe(FILE *out, const fc_case *cs)
{
  const double *R;
  double t;
  if (out == NULL || cs == NULL)
    return;
  if (get22(&R, cs, "R") == FC_OK)
    describe_R(out, R);
  if (get1(&t, cs, "t") == FC_OK)
    fprintf(out, "t = %a turns: w = 2 pi t = %.17g rad (%.17g degrees)%s\n",
            t, 2 * 0x1.921fb54442d18p+1 * t, 360 * t,
            t == 0 || fabs(t) == 0.5 ? ", a multiple of pi" : "");
}

/* --------------------------------------------------------- properties */

/* Why these properties cannot judge a plugin or exec kernel (their
 * "not provided" reason with --kernels PLUGIN; issue 16). */
static const char f1_why[] =
    "the 2x2 algebra of F1 (products, commutators, rotations by "
    "turns, the I/J/K/L decomposition) has no kernel contract entry";

static const fc_property p_norm = {
    .id = "commutant2d.commutator_norm",
    .title = "||RJ - JR||_F^2 = 8 (c^2 + d^2) for every real 2x2 R",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_general,
    .check = check_norm,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f1_why,
    .describe = describe};

static const fc_property p_span = {
    .id = "commutant2d.span",
    .title = "R = aI + bJ commutes with J and R^T R = (a^2 + b^2) I",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_span,
    .check = check_span,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f1_why,
    .describe = describe};

static const fc_property p_rotation = {
    .id = "commutant2d.rotation",
    .title = "orthogonal members Rot(w) commute with J, R^T R = I, "
             "a^2 + b^2 = 1",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_rotation,
    .check = check_rotation,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f1_why,
    .describe = describe};

static const fc_property p_rope = {
    .id = "commutant2d.rope_block",
    .title = "[R, Rot(w)] = sin(w) [R, J], exact at multiples of pi",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .generate = gen_rope,
    .check = check_rope,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f1_why,
    .describe = describe};

static const fc_property p_neg_all = {
    .id = "commutant2d.neg_all_commute",
    .title = "negative control: \"every R commutes with J\" must fail",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_DETECT,
    .generate = gen_general,
    .check = check_neg_all,
    .kernels_via = FC_KV_TABLE,
    .kernels_why = f1_why,
    .describe = describe};

const fc_property *const fc_family_commutant2d[] = {
    &p_norm, &p_span, &p_rotation, &p_rope, &p_neg_all, NULL};

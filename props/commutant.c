/* commutant.c -- F3: the commutant of a full RoPE schedule (SPEC.md F3).
 *
 * Anchors: intertwiner_zero_of_cos_ne lifted to a schedule, and the
 * block-diagonal characterisation of Symmetry.lean ("lifting to Llama-like
 * schedules"): X commutes with Theta(p) for every p in a position set iff
 * every 2x2 block X_ij between planes i, j lies in span{I,J} when
 * p theta_i = p theta_j (mod 2 pi) for all p (SAME), in span{K,L} when
 * p theta_i = -p theta_j (ANTI), is free when both hold, and is zero
 * otherwise.  How SAME/ANTI are decided exactly for a finite position set:
 * src/gen/schedule.h (fc_schedule_relations, double side) and
 * oracles/rope.h (fc_mp_rope_relations, oracle side, per position); the
 * two must agree on every case (a disagreement is an internal error).
 *
 * Numeric form.  For one position p the commutator map
 * X -> X Theta(p) - Theta(p) X is normal; on block (i, j), X_ij = aI + bJ +
 * cK + dL, it scales the span{I,J} part by 2|sin(p (theta_j - theta_i)/2)|
 * and the span{K,L} part by 2|sin(p (theta_i + theta_j)/2)| (F2's
 * Sylvester map), so
 *   ||[X, Theta(p)]||_F^2 = sum_ij 8 (sin^2(.)(a^2+b^2) + sin^2(.)(c^2+d^2))
 * and ||[X, Theta(p)]||_F >= gap(p) ||X - Pc(X)||_F with gap(p) the
 * smallest factor over the parts Pc removes.
 *
 * Cases: a schedule "s" of head dimension 2..16 (fc_draw_schedule), a
 * position set "p" whose first entry is always 0 (Theta(0) = I: every
 * statement must also hold there) followed by 1..5 drawn positions up to
 * 2^20, and the property's matrices.
 *
 * Levels.  Statement: MPFR at P (and P + 64) bits with scale = the
 * magnitude sums of the products involved (|X||Theta| + |Theta||X|, and a
 * factor (count + 1) for a Givens product of `count` rotations, each of
 * whose entries carries up to count roundings).  Conformance: the same
 * identity in double with Theta(p) from the run's kernel (rope_apply of the
 * basis vectors through the provider, issue 16: the user's plugin or exec
 * kernel, or the built-in table adapted; bound fc_bnd_rope at the declared
 * arithmetic) and the harness's double projection (the rope sub-table's
 * `project`: harness code, no kernel contract entry computes it; bound
 * fc_bnd_project) and Givens products (fc_givens_build_d, bound
 * fc_bnd_givens; both src/bounds/rotation.c), against the bounds derived
 * at each helper below.  Accuracy: Theta(p) and the
 * projection against the oracle's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "props.h"
#include "gen/schedule.h"
#include "kernels/rope.h"
#include "rope.h" /* oracles/rope.h */
#include "kcall_internal.h"

#define DMAX 16
#define ETA 0x1p-1074
#define SAFE(x) ((x) * (1.0 + 0x1p-40))

static const char *const anchors[] = {"intertwiner_zero_of_cos_ne", NULL};


/* ------------------------------------------------------------ the case */

typedef struct f3case {
  fc_schedule s;
  const long *pos;
  size_t npos, d, m;
  unsigned char rel[(DMAX / 2) * (DMAX / 2)];  /* oracle's relations */
  unsigned char reld[(DMAX / 2) * (DMAX / 2)]; /* double side's */
} f3case;

/* View "s" and "p"; decide the relations on both sides and require that
 * they agree (FC_EINTERNAL otherwise). */
static int load(f3case *k, const fc_case *c)
{
  memset(k, 0, sizeof *k);
  int rc = fc_schedule_view(&k->s, c, "s");
  if (rc)
    return rc;
  if (k->s.d > DMAX)
    return FC_EINVAL;
  size_t rows, cols;
  k->pos = fc_case_ints(c, "p", &rows, &cols);
  if (k->pos == NULL || cols != 1 || rows < 1)
    return FC_EINVAL;
  k->npos = rows;
  k->d = k->s.d;
  k->m = k->s.d / 2;
  rc = fc_mp_rope_relations(k->rel, &k->s, k->pos, k->npos);
  if (rc == FC_OK)
    rc = fc_schedule_relations(k->reld, &k->s, k->pos, k->npos);
  if (rc == FC_OK && memcmp(k->rel, k->reld, k->m * k->m) != 0)
    rc = FC_EINTERNAL;
  return rc;
}

static int gen_sched_pos(fc_case *c, fc_draw *d, size_t dmin, int kind)
{
  int rc = kind < 0 ? fc_draw_schedule(c, d, "s", dmin, DMAX)
                    : fc_draw_schedule_kind(c, d, "s", dmin, DMAX,
                                            (fc_sched_kind)kind);
  if (rc)
    return rc;
  const long n = fc_draw_size(d, 1, 5);
  long *p = fc_case_add_ints(c, "p", (size_t)n + 1, 1);
  if (p == NULL)
    return FC_ENOMEM;
  p[0] = 0;
  for (long q = 1; q <= n; q++)
    p[q] = fc_draw_position(d);
  return fc_draw_status(d);
}

static int gen_matrix(fc_case *c, fc_draw *d, const char *name, size_t n)
{
  static const fc_double_spec spec = {4.0, 0, 0};
  double *X = fc_case_add_reals(c, name, n, n);
  if (X == NULL)
    return FC_ENOMEM;
  fc_draw_doubles(d, X, n * n, &spec);
  return fc_draw_status(d);
}

static const double *matrix_field(const fc_case *c, const char *name,
                                  size_t n)
{
  size_t r, q;
  const double *X = fc_case_reals(c, name, &r, &q);
  return X && r == n && q == n ? X : NULL;
}

/* The harness's commutant projection (the rope sub-table's `project`; no
 * kernel contract entry computes it, so with a plugin it is the reference
 * table's).  RoPE itself is always the run's rope_apply (theta_kx). */
static const struct fc_kern_rope *rope_kern(const fc_check_ctx *x)
{
  return x && x->kernels && x->kernels->rope && x->kernels->rope->project
             ? x->kernels->rope
             : NULL;
}

/* ------------------------------------------------------- double helpers */

static double frob(const double *A, size_t n)
{
  double s = 0;
  for (size_t k = 0; k < n; k++)
    s += A[k] * A[k];
  return sqrt(s);
}

/* A computed Frobenius norm of n entries exceeds the true one by at most
 * a factor 1 + gamma_{n+2} (squares, sum, sqrt): used to inflate a bound
 * compared with a computed norm. */
static double norm_slack(size_t n) { return 1 + fc_gamma((double)n + 2); }

/* Theta(p) from the run's kernel (issue 16): rope_apply of the d basis
 * vectors e_k at position p through the provider (the built-in table,
 * reference or mutant, is adapted by fc_kx_open), column k = the output
 * row k (every e_k is exact in any storage format); ET bounds |T - Theta|
 * entrywise: fc_bnd_rope, the harness's bound at the declared arithmetic
 * (src/bounds; doc/error-model.md), never the kernel's own.  FC_EKERNEL:
 * the failure is recorded in r. */
static int theta_kx(fc_check_result *r, fc_kx *kx, double *T, double *ET,
                    const fc_schedule *s, long p)
{
  const size_t d = s->d;
  double I[DMAX * DMAX] = {0}, O[DMAX * DMAX], E[DMAX * DMAX];
  int64_t pos[DMAX] = {0};
  for (size_t k = 0; k < d; k++) {
    for (size_t j = 0; j < d; j++)
      I[k * d + j] = j == k;
    pos[k] = p;
  }
  int rc = fc_kx_rope(r, kx, O, I, d, pos, s);
  if (rc != FC_OK)
    return rc;
  fc_bnd_rope(E, I, NULL, d, pos, s, &kx->a);
  for (size_t k = 0; k < d; k++)
    for (size_t j = 0; j < d; j++) {
      T[j * d + k] = O[k * d + j];
      ET[j * d + k] = E[k * d + j];
    }
  return FC_OK;
}

/* Theta(p) without a kernel: the oracle's, rounded to double (ET half an
 * ulp of each entry), for notes of properties that judge no kernel. */
static int theta_exact(double *T, double *ET, const fc_schedule *s, long p)
{
  fc_mpmat_t M;
  int rc = fc_mpmat_init(M, s->d, s->d, 64);
  if (rc)
    return rc;
  rc = fc_mpmat_rope(M, s, p);
  if (rc == FC_OK)
    fc_mpmat_get_d(T, M);
  for (size_t e = 0; rc == FC_OK && e < s->d * s->d; e++)
    ET[e] = FC_U * fabs(T[e]) + ETA;
  fc_mpmat_clear(M);
  return rc;
}

/* Accuracy of the kernel's Theta(p) entries against the oracle's. */
static int acc_theta(fc_check_result *r, const f3case *k, const double *T,
                     const double *ET, long p, long prec)
{
  fc_mpmat_t M;
  int rc = fc_mpmat_init(M, k->d, k->d, (mpfr_prec_t)prec);
  if (rc)
    return rc;
  rc = fc_mpmat_rope(M, &k->s, p);
  for (size_t e = 0; rc == FC_OK && e < k->d * k->d; e++)
    fc_oracle_accuracy(r, T[e], M->e[e], ET[e]);
  fc_mpmat_clear(M);
  return rc;
}

/* C = X T - T X in double.  With |X - X*| <= EX and |T - T*| <= ET
 * entrywise (EX may be NULL: exact), each entry of C differs from the
 * exact X* T* - T* X* by at most
 *   gamma_d (|X||T| + |T||X|)_rs + u |C_rs| + 2 d ETA     (the two length-d
 *                                                          dot products
 *                                                          and the
 *                                                          subtraction)
 *   + (|X| ET + EX |T| + EX ET + |T| EX + ET |X| + ET EX)_rs (inputs).
 * *nc = ||C||_F (computed), *nb = ||bound||_F inflated by norm_slack. */
static void comm_d(double *nc, double *nb, double *C, const double *X,
                   const double *EX, const double *T, const double *ET,
                   size_t d)
{
  const double gd = fc_gamma((double)d);
  double c2 = 0, b2 = 0;
  for (size_t r = 0; r < d; r++)
    for (size_t s = 0; s < d; s++) {
      double P = 0, Q = 0, mag = 0, prop = 0;
      for (size_t k = 0; k < d; k++) {
        const double xa = X[r * d + k], tb = T[k * d + s];
        const double ta = T[r * d + k], xb = X[k * d + s];
        P += xa * tb;
        Q += ta * xb;
        mag += fabs(xa * tb) + fabs(ta * xb);
        const double exa = EX ? EX[r * d + k] : 0, exb = EX ? EX[k * d + s] : 0;
        const double eta = ET[r * d + k], etb = ET[k * d + s];
        prop += fabs(xa) * etb + exa * fabs(tb) + exa * etb
                + fabs(ta) * exb + eta * fabs(xb) + eta * exb;
      }
      const double cv = P - Q;
      if (C)
        C[r * d + s] = cv;
      const double b = gd * mag + FC_U * fabs(cv) + 2 * (double)d * ETA + prop;
      c2 += cv * cv;
      b2 += b * b;
    }
  *nc = sqrt(c2);
  *nb = SAFE(sqrt(b2) * norm_slack(d * d));
}

/* ||Q^T Q - I||_F in double and its bound: exact Q* is orthogonal, so
 *   |(Q^T Q - I) - (Q*^T Q* - I)| <= gamma_{d+1} (|Q|^T |Q| + I)
 *                                   + |Q|^T EQ + EQ^T |Q| + EQ^T EQ. */
static void orth_d(double *no, double *nb, const double *Q, const double *EQ,
                   size_t d)
{
  const double g = fc_gamma((double)d + 1);
  double o2 = 0, b2 = 0;
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++) {
      double s = 0, mag = 0, prop = 0;
      for (size_t k = 0; k < d; k++) {
        const double a = Q[k * d + i], b = Q[k * d + j];
        const double ea = EQ ? EQ[k * d + i] : 0, eb = EQ ? EQ[k * d + j] : 0;
        s += a * b;
        mag += fabs(a * b);
        prop += fabs(a) * eb + ea * fabs(b) + ea * eb;
      }
      const double v = s - (i == j);
      const double bd = g * (mag + (i == j)) + prop + (double)d * ETA;
      o2 += v * v;
      b2 += bd * bd;
    }
  *no = sqrt(o2);
  *nb = SAFE(sqrt(b2) * norm_slack(d * d));
}

/* ------------------------------------------------------- oracle helpers */

/* Work matrices for one statement evaluation at one precision. */
typedef struct mpwork {
  fc_mpmat_t T, A, B, C, SA, SB, S;
  mpfr_t t, u;
  int ok;
} mpwork;

static int mpw_init(mpwork *w, size_t d, mpfr_prec_t prec)
{
  memset(w, 0, sizeof *w);
  fc_mpmat_struct *ms[] = {w->T, w->A, w->B, w->C, w->SA, w->SB, w->S};
  int rc = FC_OK;
  for (size_t k = 0; k < sizeof ms / sizeof ms[0] && rc == FC_OK; k++)
    rc = fc_mpmat_init(ms[k], d, d, prec);
  mpfr_inits2(prec, w->t, w->u, (mpfr_ptr)0);
  w->ok = 1;
  return rc;
}

static void mpw_clear(mpwork *w)
{
  if (!w->ok)
    return;
  fc_mpmat_struct *ms[] = {w->T, w->A, w->B, w->C, w->SA, w->SB, w->S};
  for (size_t k = 0; k < sizeof ms / sizeof ms[0]; k++)
    fc_mpmat_clear(ms[k]);
  mpfr_clears(w->t, w->u, (mpfr_ptr)0);
  w->ok = 0;
}

/* w->C = X T - T X and w->S = |X||T| + |T||X| for T = w->T; X must not be
 * one of w's matrices other than T's companions A/B (it is not). */
static int mp_comm(mpwork *w, const fc_mpmat_t X)
{
  int rc = fc_mpmat_mul(w->A, w->SA, X, w->T);
  if (rc == FC_OK)
    rc = fc_mpmat_mul(w->B, w->SB, w->T, X);
  if (rc == FC_OK) {
    fc_mpmat_sub(w->C, w->A, w->B);
    fc_mpmat_add(w->S, w->SA, w->SB);
  }
  return rc;
}

/* ------------------------------------------------ describe (all props) */

static void describe(FILE *out, const fc_case *c)
{
  f3case k;
  if (load(&k, c) != FC_OK) {
    fprintf(out, "      (case does not hold a valid schedule)\n");
    return;
  }
  fprintf(out, "      schedule: d = %zu, rotary_dim = %zu, layout = %s\n", k.d,
          k.s.rotary_dim,
          k.s.layout == FC_LAYOUT_HALF ? "half (rotate_half)"
                                       : "interleaved (GPT-J)");
  fc_schedule_classes cl;
  if (fc_schedule_classes_init(&cl, &k.s, k.rel) == FC_OK) {
    for (size_t i = 0; i < k.m; i++) {
      size_t a, b;
      fc_schedule_plane(&a, &b, &k.s, i);
      fprintf(out, "        plane %zu (%zu,%zu): theta = %.17g (%a), class %zu%s%s\n",
              i, a, b, k.s.theta[i], k.s.theta[i], cl.cls[i],
              cl.sign[i] < 0 ? " (negated)" : "",
              cl.fixed[cl.cls[i]] ? " (fixed)" : "");
    }
    fprintf(out, "      classes: %zu; commutant dimension %zu, orthogonal part "
                 "%zu\n", cl.nclasses, fc_schedule_classes_dim(&cl),
            fc_schedule_classes_orth_dim(&cl));
    fc_schedule_classes_clear(&cl);
  }
  mpfr_t g;
  mpfr_init2(g, 64);
  for (size_t q = 0; q < k.npos; q++) {
    int gi = -1, gj = -1, gs = 0, seen = 0;
    for (size_t e = 0; e < q; e++)
      seen |= k.pos[e] == k.pos[q];
    if (seen)
      continue;
    if (fc_mp_rope_gap(g, &gi, &gj, &gs, &k.s, k.rel, k.pos[q]) == FC_OK)
      mpfr_fprintf(out, "      gap(p = %ld) = %.6Rg%s", k.pos[q], g,
                   gi >= 0 ? "" : " (nothing outside the commutant)\n");
    if (gi >= 0)
      fprintf(out, " at planes (%d, %d), %s part\n", gi, gj,
              gs < 0 ? "span{I,J}" : "span{K,L}");
  }
  mpfr_clear(g);
}

/* ================================================== commutant.projection */

typedef struct proj_arg {
  const f3case *k;
  const double *X;
  const fc_givens *g;
} proj_arg;

/* r = ||Pc(Pc X) - Pc X|| + ||Pc Q - Q|| + sum_p ||Pc Theta(p) - Theta(p)||
 * S = ||X|| + (count + 1) ||Q|| + sum_p ||Theta(p)||. */
static int st_projection(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  const proj_arg *a = arg;
  const f3case *k = a->k;
  mpwork w;
  fc_mpmat_t X;
  int rc = mpw_init(&w, k->d, prec);
  if (rc == FC_OK)
    rc = fc_mpmat_init(X, k->d, k->d, prec);
  else
    X->e = NULL;
  if (rc == FC_OK) {
    fc_mpmat_set_d(X, a->X);
    fc_mpmat_frob(S, X);
    rc = fc_mpmat_commutant_project(w.A, X, &k->s, k->rel);
  }
  if (rc == FC_OK)
    rc = fc_mpmat_commutant_project(w.B, w.A, &k->s, k->rel);
  if (rc == FC_OK) {
    fc_mpmat_sub(w.C, w.B, w.A);
    fc_mpmat_frob(r, w.C);
    rc = fc_mpmat_givens(X, a->g);
  }
  if (rc == FC_OK)
    rc = fc_mpmat_commutant_project(w.A, X, &k->s, k->rel);
  if (rc == FC_OK) {
    fc_mpmat_sub(w.C, w.A, X);
    fc_mpmat_frob(w.t, w.C);
    mpfr_add(r, r, w.t, MPFR_RNDU);
    fc_mpmat_frob(w.t, X);
    mpfr_mul_ui(w.t, w.t, (unsigned long)a->g->count + 1, MPFR_RNDU);
    mpfr_add(S, S, w.t, MPFR_RNDU);
  }
  for (size_t q = 0; q < k->npos && rc == FC_OK; q++) {
    rc = fc_mpmat_rope(w.T, &k->s, k->pos[q]);
    if (rc == FC_OK)
      rc = fc_mpmat_commutant_project(w.A, w.T, &k->s, k->rel);
    if (rc == FC_OK) {
      fc_mpmat_sub(w.C, w.A, w.T);
      fc_mpmat_frob(w.t, w.C);
      mpfr_add(r, r, w.t, MPFR_RNDU);
      fc_mpmat_frob(w.t, w.T);
      mpfr_add(S, S, w.t, MPFR_RNDU);
    }
  }
  if (X->e)
    fc_mpmat_clear(X);
  mpw_clear(&w);
  return rc;
}

static int gen_projection(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 2, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc == FC_OK)
    rc = gen_matrix(c, d, "X", s.d);
  if (rc == FC_OK)
    rc = fc_draw_commuting_rotation(c, d, "Q", &s);
  return rc;
}

/* Accuracy of the projection kernel against the oracle's Pc(X) (same
 * relations): entry by entry, against the kernel's bound. */
static int acc_projection(fc_check_result *r, const f3case *k,
                          const double *X, const double *Y, const double *EY,
                          long prec)
{
  fc_mpmat_t MX, MY;
  int rc = fc_mpmat_init(MX, k->d, k->d, (mpfr_prec_t)prec);
  if (rc)
    return rc;
  rc = fc_mpmat_init(MY, k->d, k->d, (mpfr_prec_t)prec);
  if (rc) {
    fc_mpmat_clear(MX);
    return rc;
  }
  fc_mpmat_set_d(MX, X);
  rc = fc_mpmat_commutant_project(MY, MX, &k->s, k->rel);
  for (size_t e = 0; rc == FC_OK && e < k->d * k->d; e++)
    fc_oracle_accuracy(r, Y[e], MY->e[e], EY[e]);
  fc_mpmat_clear(MX);
  fc_mpmat_clear(MY);
  return rc;
}

/* Accuracy of a double Givens product against the oracle's. */
static int acc_givens(fc_check_result *r, const fc_givens *g,
                      const double *Q, const double *EQ, long prec)
{
  fc_mpmat_t M;
  int rc = fc_mpmat_init(M, g->n, g->n, (mpfr_prec_t)prec);
  if (rc)
    return rc;
  rc = fc_mpmat_givens(M, g);
  for (size_t e = 0; rc == FC_OK && e < g->n * g->n; e++)
    fc_oracle_accuracy(r, Q[e], M->e[e], EQ[e]);
  fc_mpmat_clear(M);
  return rc;
}

static int check_projection(fc_check_result *r, const fc_case *c,
                            const fc_check_ctx *x)
{
  const struct fc_kern_rope *kr = rope_kern(x);
  if (kr == NULL)
    return FC_EINVAL;
  f3case k;
  int rc = load(&k, c);
  if (rc)
    return rc;
  const double *X = matrix_field(c, "X", k.d);
  fc_givens g;
  if (X == NULL || fc_givens_view(&g, c, "Q", k.d) != FC_OK)
    return FC_EINVAL;
  proj_arg a = {&k, X, &g};
  rc = fc_oracle_statement(r, st_projection, &a, x);
  if (rc)
    return rc;
  /* Conformance: idempotency in double (the second projection of a
   * projected block reproduces it exactly: (al + al)/2 = al), and Pc
   * fixing the double Q and Theta(p): |Pc(Qd) - Qd| <= 2|Qd - Q|-norm +
   * the projection's rounding, since Pc(Q) = Q exactly and Pc is an
   * orthogonal projection (norm 1). */
  const size_t d = k.d, dd = d * d;
  double Y[DMAX * DMAX], EY[DMAX * DMAX], Z[DMAX * DMAX], EZ[DMAX * DMAX];
  double Q[DMAX * DMAX], EQ[DMAX * DMAX], D[DMAX * DMAX] = {0};
  kr->project(Y, X, &k.s, k.rel);
  fc_bnd_project(EY, X, &k.s, k.rel);
  kr->project(Z, Y, &k.s, k.rel);
  fc_bnd_project(EZ, Y, &k.s, k.rel);
  for (size_t e = 0; e < dd; e++)
    D[e] = Z[e] - Y[e];
  fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], frob(D, dd),
                  SAFE(frob(EZ, dd) * norm_slack(dd)), 0);
  fc_givens_build_d(Q, &g);
  if ((rc = fc_bnd_givens(EQ, &g)) != FC_OK) /* src/bounds/rotation.c */
    return rc;
  double nq[3] = {0};
  kr->project(Z, Q, &k.s, k.rel);
  fc_bnd_project(EZ, Q, &k.s, k.rel);
  for (size_t e = 0; e < dd; e++)
    D[e] = Z[e] - Q[e];
  nq[0] = frob(D, dd);
  nq[1] = SAFE((2 * frob(EQ, dd) + frob(EZ, dd)) * norm_slack(dd)
               + FC_U * nq[0]);
  fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], nq[0], nq[1], 0);
  fc_kx kx;
  if ((rc = fc_kx_open(&kx, x)) != FC_OK)
    return rc;
  for (size_t q = 0; q < k.npos && rc == FC_OK; q++) {
    double T[DMAX * DMAX], ET[DMAX * DMAX];
    rc = theta_kx(r, &kx, T, ET, &k.s, k.pos[q]);
    if (rc != FC_OK)
      break;
    kr->project(Z, T, &k.s, k.rel);
    fc_bnd_project(EZ, T, &k.s, k.rel);
    for (size_t e = 0; e < dd; e++)
      D[e] = Z[e] - T[e];
    const double nd = frob(D, dd);
    fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], nd,
                    SAFE((2 * frob(ET, dd) + frob(EZ, dd)) * norm_slack(dd)
                         + FC_U * nd), 0);
    rc = acc_theta(r, &k, T, ET, k.pos[q], x->prec);
  }
  fc_kx_close(&kx);
  if (rc == FC_EKERNEL) /* recorded in r: a failing case */
    return FC_OK;
  /* Accuracy: the projection kernel and the Givens builder. */
  if (rc == FC_OK)
    rc = acc_projection(r, &k, X, Y, EY, x->prec);
  if (rc == FC_OK)
    rc = acc_givens(r, &g, Q, EQ, x->prec);
  snprintf(r->note, sizeof r->note,
           "d=%zu, %zu positions, Q of %zu Givens: ||Pc(Qd)-Qd|| = %.2g "
           "(bound %.2g)", d, k.npos, g.count, nq[0], nq[1]);
  return rc;
}


static const fc_property p_projection = {
    .id = "commutant.projection",
    .title =
    "the commutant projection Pc (block-diagonal characterisation) is "
    "idempotent and fixes commuting rotations and Theta(p)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_projection,
    .check = check_projection,
    .kernels_via = FC_KV_PROVIDER,
    .describe = describe,
};

/* ========================================================= commutant.iff */

typedef struct iff_arg {
  const f3case *k;
  const double *Y;
} iff_arg;

/* With X = Pc(Y), N = Y - X:
 *   r = sum_p ||[X, Theta(p)]||  (members commute: "if")
 *     + max(0, gbest ||N|| - max_p ||[Y, Theta(p)]||)  ("only if",
 *       quantitatively: a non-member fails to commute at the best p),
 *   gbest = max_p gap(p);  S = the matching magnitude sums. */
static int st_iff(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  const iff_arg *a = arg;
  const f3case *k = a->k;
  mpwork w;
  fc_mpmat_t Y, X, N;
  mpfr_t cmax, smax, gbest, g;
  int rc = mpw_init(&w, k->d, prec);
  int ny = rc == FC_OK && fc_mpmat_init(Y, k->d, k->d, prec) == FC_OK;
  int nx = ny && fc_mpmat_init(X, k->d, k->d, prec) == FC_OK;
  int nn = nx && fc_mpmat_init(N, k->d, k->d, prec) == FC_OK;
  if (!nn)
    rc = FC_ENOMEM;
  mpfr_inits2(prec, cmax, smax, gbest, g, (mpfr_ptr)0);
  mpfr_set_zero(cmax, 1);
  mpfr_set_zero(smax, 1);
  mpfr_set_zero(gbest, 1);
  if (rc == FC_OK) {
    fc_mpmat_set_d(Y, a->Y);
    rc = fc_mpmat_commutant_project(X, Y, &k->s, k->rel);
  }
  if (rc == FC_OK)
    fc_mpmat_sub(N, Y, X);
  for (size_t q = 0; q < k->npos && rc == FC_OK; q++) {
    rc = fc_mpmat_rope(w.T, &k->s, k->pos[q]);
    if (rc == FC_OK)
      rc = mp_comm(&w, X);
    if (rc == FC_OK) {
      fc_mpmat_frob(w.t, w.C);
      mpfr_add(r, r, w.t, MPFR_RNDU);
      fc_mpmat_frob(w.t, w.S);
      mpfr_add(S, S, w.t, MPFR_RNDU);
      rc = mp_comm(&w, Y);
    }
    if (rc == FC_OK) {
      fc_mpmat_frob(w.t, w.C);
      mpfr_max(cmax, cmax, w.t, MPFR_RNDN);
      fc_mpmat_frob(w.t, w.S);
      mpfr_max(smax, smax, w.t, MPFR_RNDN);
      rc = fc_mp_rope_gap(g, NULL, NULL, NULL, &k->s, k->rel, k->pos[q]);
    }
    if (rc == FC_OK && !mpfr_inf_p(g))
      mpfr_max(gbest, gbest, g, MPFR_RNDN);
  }
  if (rc == FC_OK) {
    fc_mpmat_frob(w.t, N);
    mpfr_mul(w.t, w.t, gbest, MPFR_RNDN);      /* gbest ||N|| */
    mpfr_sub(w.u, w.t, cmax, MPFR_RNDN);
    if (mpfr_sgn(w.u) > 0)
      mpfr_add(r, r, w.u, MPFR_RNDU);
    mpfr_add(S, S, w.t, MPFR_RNDU);
    mpfr_add(S, S, smax, MPFR_RNDU);
  }
  mpfr_clears(cmax, smax, gbest, g, (mpfr_ptr)0);
  if (nn)
    fc_mpmat_clear(N);
  if (nx)
    fc_mpmat_clear(X);
  if (ny)
    fc_mpmat_clear(Y);
  mpw_clear(&w);
  return rc;
}

static int gen_iff(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 2, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc == FC_OK)
    rc = gen_matrix(c, d, "Y", s.d);
  return rc;
}

static int check_iff(fc_check_result *r, const fc_case *c,
                     const fc_check_ctx *x)
{
  const struct fc_kern_rope *kr = rope_kern(x);
  if (kr == NULL)
    return FC_EINVAL;
  f3case k;
  int rc = load(&k, c);
  if (rc)
    return rc;
  const double *Y = matrix_field(c, "Y", k.d);
  if (Y == NULL)
    return FC_EINVAL;
  iff_arg a = {&k, Y};
  rc = fc_oracle_statement(r, st_iff, &a, x);
  if (rc)
    return rc;
  /* Conformance: X = Pc_d(Y) is, as a double matrix, exactly block
   * structured (its blocks are [[al, -be], [be, al]] etc. with double al,
   * be), hence exactly in the commutant: its commutator with the exact
   * Theta(p) is 0 and the double one is bounded by comm_d's bound. */
  const size_t dd = k.d * k.d;
  double X[DMAX * DMAX], EX[DMAX * DMAX], T[DMAX * DMAX], ET[DMAX * DMAX];
  kr->project(X, Y, &k.s, k.rel);
  fc_bnd_project(EX, Y, &k.s, k.rel);
  double worst = 0;
  fc_kx kx;
  if ((rc = fc_kx_open(&kx, x)) != FC_OK)
    return rc;
  for (size_t q = 0; q < k.npos && rc == FC_OK; q++) {
    double nc, nb;
    if ((rc = theta_kx(r, &kx, T, ET, &k.s, k.pos[q])) != FC_OK)
      break;
    comm_d(&nc, &nb, NULL, X, NULL, T, ET, k.d);
    fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], nc, nb, 0);
    if (nb > 0 && nc / nb > worst)
      worst = nc / nb;
    rc = acc_theta(r, &k, T, ET, k.pos[q], x->prec);
  }
  fc_kx_close(&kx);
  if (rc == FC_EKERNEL) /* recorded in r: a failing case */
    return FC_OK;
  (void)dd;
  snprintf(r->note, sizeof r->note,
           "d=%zu, %zu positions: members commute (double ||[Pc Y, Theta]|| "
           "/ bound <= %.2g)", k.d, k.npos, worst);
  return rc;
}


static const fc_property p_iff = {
    .id = "commutant.iff",
    .title =
    "X commutes with Theta(p) for every p in the set iff X = Pc(X) "
    "(block-diagonal characterisation)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_iff,
    .check = check_iff,
    .kernels_via = FC_KV_PROVIDER,
    .describe = describe,
};

/* ========================================================= commutant.gap */

typedef struct gap_arg {
  const f3case *k;
  const double *X;
} gap_arg;

/* For every p: the closed form ||[X,Theta(p)]||^2 = sum 8 sin^2 ...
 * (|c2 - cf| against ||S||^2 + cf) and the inequality ||[X, Theta(p)]|| >=
 * gap(p) ||X - Pc X|| (its violation against gap ||N|| + ||S||). */
static int st_gap(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  const gap_arg *a = arg;
  const f3case *k = a->k;
  mpwork w;
  fc_mpmat_t X, N;
  mpfr_t c2, cf, g, nn;
  int rc = mpw_init(&w, k->d, prec);
  int nx = rc == FC_OK && fc_mpmat_init(X, k->d, k->d, prec) == FC_OK;
  int nm = nx && fc_mpmat_init(N, k->d, k->d, prec) == FC_OK;
  if (!nm)
    rc = FC_ENOMEM;
  mpfr_inits2(prec, c2, cf, g, nn, (mpfr_ptr)0);
  if (rc == FC_OK) {
    fc_mpmat_set_d(X, a->X);
    rc = fc_mpmat_commutant_project(N, X, &k->s, k->rel);
  }
  if (rc == FC_OK) {
    fc_mpmat_sub(N, X, N);
    fc_mpmat_frob(nn, N);
  }
  for (size_t q = 0; q < k->npos && rc == FC_OK; q++) {
    rc = fc_mpmat_rope(w.T, &k->s, k->pos[q]);
    if (rc == FC_OK)
      rc = mp_comm(&w, X);
    if (rc == FC_OK)
      rc = fc_mp_rope_comm_sq(cf, X, &k->s, k->pos[q]);
    if (rc == FC_OK)
      rc = fc_mp_rope_gap(g, NULL, NULL, NULL, &k->s, k->rel, k->pos[q]);
    if (rc != FC_OK)
      break;
    fc_mpmat_frob(w.t, w.C);
    mpfr_sqr(c2, w.t, MPFR_RNDN);
    mpfr_sub(c2, c2, cf, MPFR_RNDN);
    mpfr_abs(c2, c2, MPFR_RNDN);
    mpfr_add(r, r, c2, MPFR_RNDU); /* closed form residual */
    fc_mpmat_frob(w.u, w.S);
    mpfr_sqr(c2, w.u, MPFR_RNDU);
    mpfr_add(S, S, c2, MPFR_RNDU);
    mpfr_add(S, S, cf, MPFR_RNDU);
    mpfr_add(S, S, w.u, MPFR_RNDU);
    if (!mpfr_inf_p(g)) {             /* inequality */
      mpfr_mul(c2, g, nn, MPFR_RNDN);
      mpfr_add(S, S, c2, MPFR_RNDU);
      mpfr_sub(c2, c2, w.t, MPFR_RNDN);
      if (mpfr_sgn(c2) > 0)
        mpfr_add(r, r, c2, MPFR_RNDU);
    }
  }
  mpfr_clears(c2, cf, g, nn, (mpfr_ptr)0);
  if (nm)
    fc_mpmat_clear(N);
  if (nx)
    fc_mpmat_clear(X);
  mpw_clear(&w);
  return rc;
}

static int gen_gap(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 2, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc == FC_OK)
    rc = gen_matrix(c, d, "X", s.d);
  return rc;
}

/* gap(p) in double with a bound on its error.  Each part is 2|sin(a)|,
 * a = fl(fl(P ti) -/+ fl(P tj)) / 2: |a - exact| <= ea = (ulp(P ti) +
 * ulp(P tj)) / 4 + u|a| + ETA (products half an ulp each, the sum u, the
 * halving exact), and |2|sin a_d| - 2|sin a|| <= 2 (ea + 2u|sin a_d| +
 * ETA) (Lipschitz, libm 1 ulp).  The minimum over parts moves by at most
 * the largest such error: *eg. */
static double gap_d(double *eg, const f3case *k, long p)
{
  const double P = (double)p;
  double best = INFINITY, emax = 0;
  for (size_t i = 0; i < k->m; i++)
    for (size_t j = i; j < k->m; j++)
      for (int sg = -1; sg <= 1; sg += 2) {
        const unsigned char need = sg < 0 ? FC_REL_SAME : FC_REL_ANTI;
        if (k->reld[i * k->m + j] & need)
          continue;
        const double wi = P * k->s.theta[i], wj = P * k->s.theta[j];
        const double a = (sg < 0 ? wi - wj : wi + wj) / 2;
        const double v = 2 * fabs(sin(a));
        const double ea = (2 * FC_U * fabs(wi) + 2 * FC_U * fabs(wj)) / 4
                          + FC_U * fabs(a) + 2 * ETA;
        const double e = 2 * (ea + 2 * FC_U * fabs(sin(a)) + ETA);
        if (v < best)
          best = v;
        if (e > emax)
          emax = e;
      }
  *eg = SAFE(emax);
  return best;
}

static int check_gap(fc_check_result *r, const fc_case *c,
                     const fc_check_ctx *x)
{
  const struct fc_kern_rope *kr = rope_kern(x);
  if (kr == NULL)
    return FC_EINVAL;
  f3case k;
  int rc = load(&k, c);
  if (rc)
    return rc;
  const double *X = matrix_field(c, "X", k.d);
  if (X == NULL)
    return FC_EINVAL;
  gap_arg a = {&k, X};
  rc = fc_oracle_statement(r, st_gap, &a, x);
  if (rc)
    return rc;
  /* Conformance: err = max(0, gap_d ||N_d|| - ||C_d||) against the sum of
   * the error bounds of both sides (the exact difference is <= 0). */
  const size_t dd = k.d * k.d;
  double P[DMAX * DMAX], EP[DMAX * DMAX], Nd[DMAX * DMAX] = {0};
  double T[DMAX * DMAX], ET[DMAX * DMAX];
  kr->project(P, X, &k.s, k.rel);
  fc_bnd_project(EP, X, &k.s, k.rel);
  for (size_t e = 0; e < dd; e++)
    Nd[e] = X[e] - P[e];
  const double nn = frob(Nd, dd);
  /* |N_d - N| <= EP + u|N_d| entrywise */
  double en2 = 0;
  for (size_t e = 0; e < dd; e++) {
    const double b = EP[e] + FC_U * fabs(Nd[e]);
    en2 += b * b;
  }
  const double en = sqrt(en2) * norm_slack(dd) + fc_gamma((double)dd) * nn;
  double best_ratio = INFINITY, best_gap = 0;
  long best_p = 0;
  fc_kx kx;
  if ((rc = fc_kx_open(&kx, x)) != FC_OK)
    return rc;
  for (size_t q = 0; q < k.npos && rc == FC_OK; q++) {
    double nc, nb, eg;
    if ((rc = theta_kx(r, &kx, T, ET, &k.s, k.pos[q])) != FC_OK)
      break;
    comm_d(&nc, &nb, NULL, X, NULL, T, ET, k.d);
    const double g = gap_d(&eg, &k, k.pos[q]);
    if (isfinite(g)) {
      const double lhs = g * nn;
      const double err = lhs > nc ? lhs - nc : 0;
      const double bound = SAFE(g * en + nn * eg + nb
                                + 2 * FC_U * (lhs + nc));
      fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], err, bound, 0);
      if (nn > 0 && g > best_gap) {
        best_gap = g;
        best_ratio = nc / nn;
        best_p = k.pos[q];
      }
    }
    rc = acc_theta(r, &k, T, ET, k.pos[q], x->prec);
  }
  fc_kx_close(&kx);
  if (rc == FC_EKERNEL) /* recorded in r: a failing case */
    return FC_OK;
  if (best_gap > 0)
    snprintf(r->note, sizeof r->note,
             "best p = %ld: gap %.3g <= ||[X,Theta]||/||X-Pc X|| = %.3g",
             best_p, best_gap, best_ratio);
  else
    snprintf(r->note, sizeof r->note,
             "X in the commutant or nothing outside it (d=%zu)", k.d);
  return rc;
}


static const fc_property p_gap = {
    .id = "commutant.gap",
    .title =
    "||[X, Theta(p)]|| >= gap(p) ||X - Pc(X)||, with the closed form of the "
    "commutator norm (block-diagonal characterisation, quantitative)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_gap,
    .check = check_gap,
    .kernels_via = FC_KV_PROVIDER,
    .describe = describe,
};

/* ===================================================== commutant.samples */

typedef struct giv_arg {
  const f3case *k;
  const fc_givens *g; /* or NULL */
  const double *M;    /* explicit matrix when g == NULL */
  int orth;           /* add ||Q^T Q - I|| */
} giv_arg;

/* r = sum_p ||[Q, Theta(p)]|| (+ ||Q^T Q - I||),
 * S = (count + 1) (sum_p |||Q||Theta| + |Theta||Q||| (+ |||Q^T||Q|||)). */
static int st_givens(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  const giv_arg *a = arg;
  const f3case *k = a->k;
  mpwork w;
  fc_mpmat_t Q, Qt;
  int rc = mpw_init(&w, k->d, prec);
  int nq = rc == FC_OK && fc_mpmat_init(Q, k->d, k->d, prec) == FC_OK;
  int nt = nq && fc_mpmat_init(Qt, k->d, k->d, prec) == FC_OK;
  if (!nt)
    rc = FC_ENOMEM;
  if (rc == FC_OK) {
    if (a->g)
      rc = fc_mpmat_givens(Q, a->g);
    else
      fc_mpmat_set_d(Q, a->M);
  }
  for (size_t q = 0; q < k->npos && rc == FC_OK; q++) {
    rc = fc_mpmat_rope(w.T, &k->s, k->pos[q]);
    if (rc == FC_OK)
      rc = mp_comm(&w, Q);
    if (rc == FC_OK) {
      fc_mpmat_frob(w.t, w.C);
      mpfr_add(r, r, w.t, MPFR_RNDU);
      fc_mpmat_frob(w.t, w.S);
      mpfr_add(S, S, w.t, MPFR_RNDU);
    }
  }
  if (rc == FC_OK && a->orth) {
    fc_mpmat_transpose(Qt, Q);
    rc = fc_mpmat_mul(w.A, w.SA, Qt, Q);
    if (rc == FC_OK) {
      fc_mpmat_set_identity(w.B);
      fc_mpmat_sub(w.C, w.A, w.B);
      fc_mpmat_frob(w.t, w.C);
      mpfr_add(r, r, w.t, MPFR_RNDU);
      fc_mpmat_frob(w.t, w.SA);
      mpfr_add(S, S, w.t, MPFR_RNDU);
    }
  }
  if (rc == FC_OK && a->g)
    mpfr_mul_ui(S, S, (unsigned long)a->g->count + 1, MPFR_RNDU);
  if (nt)
    fc_mpmat_clear(Qt);
  if (nq)
    fc_mpmat_clear(Q);
  mpw_clear(&w);
  return rc;
}

static int gen_samples(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 2, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc == FC_OK)
    rc = fc_draw_commuting_rotation(c, d, "Q", &s);
  return rc;
}

static int check_samples(fc_check_result *r, const fc_case *c,
                         const fc_check_ctx *x)
{
  f3case k;
  int rc = load(&k, c);
  if (rc)
    return rc;
  fc_givens g;
  if (fc_givens_view(&g, c, "Q", k.d) != FC_OK)
    return FC_EINVAL;
  giv_arg a = {&k, &g, NULL, 1};
  rc = fc_oracle_statement(r, st_givens, &a, x);
  if (rc)
    return rc;
  double Q[DMAX * DMAX], EQ[DMAX * DMAX], T[DMAX * DMAX], ET[DMAX * DMAX];
  fc_givens_build_d(Q, &g);
  if ((rc = fc_bnd_givens(EQ, &g)) != FC_OK) /* src/bounds/rotation.c */
    return rc;
  double worst = 0;
  fc_kx kx;
  if ((rc = fc_kx_open(&kx, x)) != FC_OK)
    return rc;
  for (size_t q = 0; q < k.npos && rc == FC_OK; q++) {
    double nc, nb;
    if ((rc = theta_kx(r, &kx, T, ET, &k.s, k.pos[q])) != FC_OK)
      break;
    comm_d(&nc, &nb, NULL, Q, EQ, T, ET, k.d);
    fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], nc, nb, 0);
    if (nb > 0 && nc / nb > worst)
      worst = nc / nb;
    rc = acc_theta(r, &k, T, ET, k.pos[q], x->prec);
  }
  fc_kx_close(&kx);
  if (rc == FC_EKERNEL) /* recorded in r: a failing case */
    return FC_OK;
  if (rc != FC_OK)
    return rc;
  double no, nb;
  orth_d(&no, &nb, Q, EQ, k.d);
  fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], no, nb, 0);
  rc = acc_givens(r, &g, Q, EQ, x->prec);
  snprintf(r->note, sizeof r->note,
           "d=%zu, %zu Givens, %zu positions (0 included): double "
           "||[Q,Theta]||/bound <= %.2g, ||Q^TQ-I||/bound %.2g",
           k.d, g.count, k.npos, worst, nb > 0 ? no / nb : 0.0);
  return rc;
}


static const fc_property p_samples = {
    .id = "commutant.samples",
    .title =
    "sampled commutant rotations (U(k) per class, O(2k) on fixed planes) "
    "commute with Theta(p) at every position, 0 included, and are "
    "orthogonal (block-diagonal characterisation)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_samples,
    .check = check_samples,
    .kernels_via = FC_KV_PROVIDER,
    .describe = describe,
};

/* ================================================ commutant.rope_accuracy */

typedef struct rope_arg {
  const f3case *k;
  const double *xv;
} rope_arg;

/* Theta(p) preserves norms: r = sum_p | ||Theta(p) x||^2 - ||x||^2 |,
 * S = (npos) ||x||^2. */
static int st_rope(mpfr_t r, mpfr_t S, void *arg, mpfr_prec_t prec)
{
  const rope_arg *a = arg;
  const f3case *k = a->k;
  const size_t d = k->d;
  mpfr_t in[DMAX], out[DMAX], nx, no;
  for (size_t i = 0; i < d; i++) {
    mpfr_init2(in[i], 53);
    mpfr_set_d(in[i], a->xv[i], MPFR_RNDN);
    mpfr_init2(out[i], prec);
  }
  mpfr_inits2(prec, nx, no, (mpfr_ptr)0);
  mpfr_set_zero(nx, 1);
  for (size_t i = 0; i < d; i++)
    mpfr_fma(nx, in[i], in[i], nx, MPFR_RNDN);
  int rc = FC_OK;
  for (size_t q = 0; q < k->npos && rc == FC_OK; q++) {
    rc = fc_mp_rope_apply(out, in, &k->s, k->pos[q]);
    mpfr_set_zero(no, 1);
    for (size_t i = 0; i < d; i++)
      mpfr_fma(no, out[i], out[i], no, MPFR_RNDN);
    mpfr_sub(no, no, nx, MPFR_RNDN);
    mpfr_abs(no, no, MPFR_RNDN);
    mpfr_add(r, r, no, MPFR_RNDU);
    mpfr_add(S, S, nx, MPFR_RNDU);
  }
  for (size_t i = 0; i < d; i++) {
    mpfr_clear(in[i]);
    mpfr_clear(out[i]);
  }
  mpfr_clears(nx, no, (mpfr_ptr)0);
  return rc;
}

static int gen_rope(fc_case *c, fc_draw *d)
{
  static const fc_double_spec spec = {8.0, 0, 0};
  int rc = gen_sched_pos(c, d, 2, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc != FC_OK)
    return rc;
  double *x = fc_case_add_reals(c, "x", s.d, 1);
  if (x == NULL)
    return FC_ENOMEM;
  fc_draw_doubles(d, x, s.d, &spec);
  return fc_draw_status(d);
}

/* The run's rope_apply (issue 16: the user's kernel, or the built-in table
 * adapted by fc_kx_open): x rounded into the declared storage
 * (xs, which the oracle then reads too), one call with a row per
 * position, the harness bound fc_bnd_rope at the declared arithmetic into
 * out/err (npos x d).  FC_EKERNEL: recorded in r. */
static int rope_user(double *out, double *err, double *xs, const double *xv,
                     const f3case *k, const fc_check_ctx *x,
                     fc_check_result *r)
{
  const size_t d = k->d, np = k->npos;
  fc_kx kx;
  int rc = fc_kx_open(&kx, x);
  if (rc != FC_OK)
    return rc;
  double *rows = malloc(np * d * sizeof *rows);
  int64_t *pos = malloc(np * sizeof *pos);
  rc = FC_ENOMEM;
  if (rows != NULL && pos != NULL) {
    fc_kx_store(xs, NULL, xv, d, kx.a.storage);
    for (size_t q = 0; q < np; q++) {
      memcpy(rows + q * d, xs, d * sizeof *xs);
      pos[q] = k->pos[q];
    }
    rc = fc_kx_rope(r, &kx, out, rows, np, pos, &k->s);
    if (rc == FC_OK)
      fc_bnd_rope(err, rows, NULL, np, pos, &k->s, &kx.a);
  }
  free(rows);
  free(pos);
  fc_kx_close(&kx);
  return rc;
}

static int check_rope(fc_check_result *r, const fc_case *c,
                      const fc_check_ctx *x)
{
  /* Every kernel, the built-in tables included, through the provider
   * path (issue 16, item 3: the harness bound fc_bnd_rope; no kernel
   * computes a bound). */
  f3case k;
  int rc = load(&k, c);
  if (rc)
    return rc;
  size_t rows, cols;
  const double *xv = fc_case_reals(c, "x", &rows, &cols);
  if (xv == NULL || rows != k.d || cols != 1)
    return FC_EINVAL;
  /* Every output and bound comes first (one call of rope_apply). */
  double xs[DMAX], *uout = NULL, *uerr = NULL;
  uout = malloc(k.npos * k.d * sizeof *uout);
  uerr = malloc(k.npos * k.d * sizeof *uerr);
  rc = uout && uerr ? rope_user(uout, uerr, xs, xv, &k, x, r) : FC_ENOMEM;
  if (rc != FC_OK) {
    free(uout);
    free(uerr);
    return rc == FC_EKERNEL ? FC_OK : rc;
  }
  xv = xs;
  rope_arg a = {&k, xv};
  rc = fc_oracle_statement(r, st_rope, &a, x);
  if (rc) {
    free(uout);
    free(uerr);
    return rc;
  }
  const size_t d = k.d;
  mpfr_t in[DMAX], ex[DMAX], diff;
  for (size_t i = 0; i < d; i++) {
    mpfr_init2(in[i], 53);
    mpfr_set_d(in[i], xv[i], MPFR_RNDN);
    mpfr_init2(ex[i], (mpfr_prec_t)x->prec);
  }
  mpfr_init2(diff, (mpfr_prec_t)x->prec + 64);
  char note[sizeof r->note];
  size_t used = (size_t)snprintf(note, sizeof note, "err/bound by p:");
  double nx2 = 0;
  for (size_t i = 0; i < d; i++)
    nx2 += xv[i] * xv[i];
  for (size_t q = 0; q < k.npos && rc == FC_OK; q++) {
    double out[DMAX], err[DMAX];
    memcpy(out, uout + q * d, d * sizeof *out);
    memcpy(err, uerr + q * d, d * sizeof *err);
    rc = fc_mp_rope_apply(ex, in, &k.s, k.pos[q]);
    /* Conformance: | ||out||^2 - ||x||^2 | with ||Theta x|| = ||x||
     * exactly: |o^2 - o*^2| <= E (2|o| + E) per coordinate; each sum of d
     * squares gamma_d; the final subtraction u. */
    double no2 = 0, prop = 0, worst = 0, worst_err = 0;
    for (size_t i = 0; i < d; i++) {
      no2 += out[i] * out[i];
      prop += err[i] * (2 * fabs(out[i]) + err[i]);
    }
    const double dif = fabs(no2 - nx2);
    fc_measure_fold(&r->level[FC_LEVEL_CONFORMANCE], dif,
                    SAFE(prop + fc_gamma((double)d) * (no2 + nx2)
                         + FC_U * dif + (double)d * ETA), 0);
    for (size_t i = 0; i < d && rc == FC_OK; i++) {
      fc_oracle_accuracy(r, out[i], ex[i], err[i]);
      mpfr_sub_d(diff, ex[i], out[i], MPFR_RNDN);
      const double e = fabs(mpfr_get_d(diff, MPFR_RNDU));
      const double ratio = err[i] > 0 ? e / err[i] : (e > 0 ? INFINITY : 0);
      if (ratio > worst || isnan(ratio)) {
        worst = ratio;
        worst_err = e;
      }
    }
    if (k.pos[q] > 0 && (r->npoints == 0 || (double)k.pos[q] >= r->points[0].x)) {
      /* the plot point: the case's largest position and its err/bound */
      r->npoints = 0; /* one point per case: the largest position */
      fc_check_add_point(r, 0, (double)k.pos[q], worst);
    }
    if (used < sizeof note) {
      int w = k.pos[q] >= (1L << 15)
                  ? snprintf(note + used, sizeof note - used,
                             " %ld:%.2g(%.1e)", k.pos[q], worst, worst_err)
                  : snprintf(note + used, sizeof note - used, " %ld:%.2g",
                             k.pos[q], worst);
      used += w > 0 ? (size_t)w : 0;
    }
  }
  snprintf(r->note, sizeof r->note, "%s", note);
  for (size_t i = 0; i < d; i++) {
    mpfr_clear(in[i]);
    mpfr_clear(ex[i]);
  }
  mpfr_clear(diff);
  free(uout);
  free(uerr);
  return rc;
}


static const fc_property p_rope = {
    .id = "commutant.rope_accuracy",
    .title =
    "the double RoPE kernel stays inside its position-dependent error bound "
    "for positions up to 2^20 (Theta(p) of the block-diagonal "
    "characterisation)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_HOLDS,
    .extension =
    "kernel accuracy of RoPE against MPFR, error vs position (no Lean name)",
    .generate = gen_rope,
    .check = check_rope,
    .kernels_via = FC_KV_PROVIDER,
    .describe = describe,
    .plot_x = "position p",
    .plot_y = "error / bound",
    .plot_ref_label = "bound",
    .plot_ref_y = 1,
    .plot_logx = 1,
};

/* ========================================= negative controls (detected) */

/* A short description of how far a rotation is from commuting, for the
 * notes: best p over the set, gap there, and ||[R,Theta(p)]|| /
 * ||R - Pc R|| (>= gap by the gap inequality), at 64 bits. */
static void note_mixing(char *note, size_t n, const char *what,
                        const f3case *k, const fc_givens *g,
                        const double *M)
{
  mpfr_t gg, best;
  mpfr_inits2(64, gg, best, (mpfr_ptr)0);
  mpfr_set_zero(best, 1);
  long bp = 0;
  for (size_t q = 0; q < k->npos; q++)
    if (fc_mp_rope_gap(gg, NULL, NULL, NULL, &k->s, k->rel, k->pos[q])
            == FC_OK
        && !mpfr_inf_p(gg) && mpfr_cmp(gg, best) > 0) {
      mpfr_set(best, gg, MPFR_RNDN);
      bp = k->pos[q];
    }
  double ratio = NAN, comm = NAN, off = NAN;
  mpwork w;
  fc_mpmat_t R, P;
  if (mpw_init(&w, k->d, 128) == FC_OK
      && fc_mpmat_init(R, k->d, k->d, 128) == FC_OK) {
    if (fc_mpmat_init(P, k->d, k->d, 128) == FC_OK) {
      int rc = FC_OK;
      if (g)
        rc = fc_mpmat_givens(R, g);
      else
        fc_mpmat_set_d(R, M);
      if (rc == FC_OK && fc_mpmat_rope(w.T, &k->s, bp) == FC_OK
          && mp_comm(&w, R) == FC_OK
          && fc_mpmat_commutant_project(P, R, &k->s, k->rel) == FC_OK) {
        fc_mpmat_frob(w.t, w.C);
        comm = mpfr_get_d(w.t, MPFR_RNDN);
        fc_mpmat_sub(P, R, P);
        fc_mpmat_frob(w.u, P);
        off = mpfr_get_d(w.u, MPFR_RNDN);
        ratio = off > 0 ? comm / off : NAN;
      }
      fc_mpmat_clear(P);
    }
    fc_mpmat_clear(R);
  }
  mpw_clear(&w);
  snprintf(note, n,
           "%s: best p=%ld gap=%.3g; ||[R,Theta]||=%.3g, ||R-PcR||=%.3g, "
           "ratio %.3g", what, bp, mpfr_get_d(best, MPFR_RNDN), comm, off,
           ratio);
  mpfr_clears(gg, best, (mpfr_ptr)0);
}

static int check_noncommuting(fc_check_result *r, const fc_case *c,
                              const fc_check_ctx *x, const char *what)
{
  f3case k;
  int rc = load(&k, c);
  if (rc)
    return rc;
  fc_givens g;
  if (fc_givens_view(&g, c, "R", k.d) != FC_OK)
    return FC_EINVAL;
  giv_arg a = {&k, &g, NULL, 0};
  rc = fc_oracle_statement(r, st_givens, &a, x);
  if (rc == FC_OK)
    note_mixing(r->note, sizeof r->note, what, &k, &g, NULL);
  return rc;
}

static int gen_mixing(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 4, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc == FC_OK)
    rc = fc_draw_mixing_rotation(c, d, "R", &s);
  return rc;
}

static int check_mixing(fc_check_result *r, const fc_case *c,
                        const fc_check_ctx *x)
{
  return check_noncommuting(r, c, x, "mixing Givens");
}


static const fc_property p_mixing = {
    .id = "commutant.mixing",
    .title =
    "negative control: a Givens rotation mixing two frequency classes does "
    "not commute with Theta (block-diagonal characterisation)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_DETECT,
    .extension = NULL,
    .generate = gen_mixing,
    .check = check_mixing,
    .describe = describe,
};

/* Near-collision: the schedule has two frequencies a few ulps or 2^-k
 * apart; the rotation mixes the closest pair of planes i, j in different
 * classes as a complex rotation, G(a_i, a_j, t) G(b_i, b_j, +-t) (sign -
 * when theta_j is close to -theta_i), whose blocks lie in span{I,J} (or
 * span{K,L}): it is what would commute if the two frequencies were equal,
 * so ||[R, Theta(p)]|| = 2|sin(p (theta_i -/+ theta_j)/2)| ||R - Pc R||
 * is tiny.  The harness must still detect it and the note gives the gap. */
static int gen_near(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 4, FC_SCHED_NEAR);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc != FC_OK)
    return rc;
  const size_t m = s.d / 2;
  size_t bi = 0, bj = 0;
  int anti = 0;
  double bestd = INFINITY;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++) {
      const double dd = fabs(s.theta[i] - s.theta[j]);
      const double ds = fabs(s.theta[i] + s.theta[j]);
      const double dm = dd <= ds ? dd : ds;
      if (s.theta[i] != s.theta[j] && s.theta[i] != -s.theta[j]
          && dm < bestd) {
        bestd = dm;
        bi = i;
        bj = j;
        anti = ds < dd;
      }
    }
  if (!isfinite(bestd)) {
    /* One class: nothing near-colliding to mix.  The schedule is this
     * case's own draw: discard the case, never an error. */
    fc_draw_reject(d);
    return FC_EREJECT;
  }
  size_t ai, aj, bbi, bbj;
  fc_schedule_plane(&ai, &bbi, &s, bi);
  fc_schedule_plane(&aj, &bbj, &s, bj);
  long *I = fc_case_add_ints(c, "R.i", 2, 1);
  long *J = fc_case_add_ints(c, "R.j", 2, 1);
  double *T = fc_case_add_reals(c, "R.turns", 2, 1);
  long *F = fc_case_add_ints(c, "R.reflect", 1, 1);
  if (!I || !J || !T || !F)
    return FC_ENOMEM;
  const double t = fc_draw_turns(d);
  I[0] = (long)ai;
  J[0] = (long)aj;
  T[0] = t;
  I[1] = (long)bbi;
  J[1] = (long)bbj;
  T[1] = anti ? -t : t;
  *F = 0;
  return fc_draw_status(d);
}

static int check_near(fc_check_result *r, const fc_case *c,
                      const fc_check_ctx *x)
{
  return check_noncommuting(r, c, x, "near-collision");
}


static const fc_property p_near = {
    .id = "commutant.near_collision",
    .title =
    "negative control: near-colliding frequencies make a mixing rotation "
    "almost commute; the harness detects it and reports the gap "
    "(block-diagonal characterisation)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_DETECT,
    .extension = NULL,
    .generate = gen_near,
    .check = check_near,
    .describe = describe,
};

static int gen_haar(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 4, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc == FC_OK)
    rc = fc_draw_haar_rotation(c, d, "R", s.d);
  return rc;
}

static int check_haar(fc_check_result *r, const fc_case *c,
                      const fc_check_ctx *x)
{
  return check_noncommuting(r, c, x, "Haar-like rotation");
}


static const fc_property p_haar = {
    .id = "commutant.haar",
    .title =
    "negative control: a Haar-like rotation of O(d) does not commute with "
    "Theta (block-diagonal characterisation)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_DETECT,
    .extension = NULL,
    .generate = gen_haar,
    .check = check_haar,
    .describe = describe,
};

/* A commutant member that is not orthogonal: commutes, but X^T X != I. */
static int gen_nonorth(fc_case *c, fc_draw *d)
{
  int rc = gen_sched_pos(c, d, 2, -1);
  fc_schedule s;
  if (rc == FC_OK)
    rc = fc_schedule_view(&s, c, "s");
  if (rc == FC_OK)
    rc = fc_draw_commuting_matrix(c, d, "X", &s);
  return rc;
}

static int check_nonorth(fc_check_result *r, const fc_case *c,
                         const fc_check_ctx *x)
{
  f3case k;
  int rc = load(&k, c);
  if (rc)
    return rc;
  const double *M = fc_commuting_matrix_view(c, "X", k.d);
  if (M == NULL)
    return FC_EINVAL;
  giv_arg a = {&k, NULL, M, 1};
  rc = fc_oracle_statement(r, st_givens, &a, x);
  if (rc == FC_OK) {
    /* How it fails: the commutator (0) and the orthogonality defect. */
    double no, nb, cmax = 0;
    orth_d(&no, &nb, M, NULL, k.d);
    /* The note's commutator with the exact Theta(p) rounded to double:
     * this control judges no kernel (FC_KV_NONE). */
    double T[DMAX * DMAX], ET[DMAX * DMAX];
    for (size_t q = 0; q < k.npos && rc == FC_OK; q++) {
      double nc, b;
      if ((rc = theta_exact(T, ET, &k.s, k.pos[q])) != FC_OK)
        break;
      comm_d(&nc, &b, NULL, M, NULL, T, ET, k.d);
      if (nc > cmax)
        cmax = nc;
    }
    snprintf(r->note, sizeof r->note,
             "commutes (double ||[X,Theta]|| <= %.2g) but ||X^T X - I|| = "
             "%.3g: not a rotation", cmax, no);
  }
  return rc;
}


static const fc_property p_nonorth = {
    .id = "commutant.nonorthogonal",
    .title =
    "negative control: a commutant member that is scaled or sheared within "
    "a class commutes but is not orthogonal (block-diagonal "
    "characterisation)",
    .anchors = anchors,
    .lean_file = "Symmetry.lean",
    .expect = FC_EXPECT_DETECT,
    .extension = NULL,
    .generate = gen_nonorth,
    .check = check_nonorth,
    /* The detection is the oracle's statement; the note's commutator uses
     * the exact Theta(p) (theta_exact): no kernel is evaluated, so the
     * control runs whatever --kernels says and names no kernel's output. */
    .kernels_via = FC_KV_NONE,
    .describe = describe,
};

const fc_property *const fc_family_commutant[] = {
    &p_projection, &p_iff, &p_gap, &p_samples, &p_rope,
    &p_mixing, &p_near, &p_haar, &p_nonorth, NULL};

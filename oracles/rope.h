/* rope.h -- RoPE in MPFR (issue 3).  out = Theta(p) in, with the angle
 * p * theta_i formed exactly (theta is an exact double) and sin/cos at out's
 * precision (plus 32 guard bits: each output is one rounding of a value
 * within 2^-32 ulp of the exact one).  out must not alias in; both have
 * s->d entries.  FC_EINVAL for a malformed schedule (fc_schedule_check). */
#ifndef FC_ORACLE_ROPE_H
#define FC_ORACLE_ROPE_H

#include "oracle.h"
#include "gen/schedule.h"

int fc_mp_rope_apply(mpfr_t *out, mpfr_t *const in, const fc_schedule *s,
                     long p);
/* Theta(p) as a d x d matrix at R's precision. */
int fc_mpmat_rope(fc_mpmat_t R, const fc_schedule *s, long p);

/* A table of the sines and cosines fc_mp_rope_apply computes, for
 * schedules sched[0..nsched) at positions pos[0..npos), for outputs of
 * precision prec: row (j, t), plane i holds sin and cos of the exact angle
 * pos[t] * sched[j].theta[i] correctly rounded at prec + 32 bits, exactly
 * what fc_mp_rope_apply(out, in, &sched[j], pos[t]) computes for outputs of
 * precision prec -- so fc_mp_rope_apply_tab returns bit-identical values,
 * with one mpfr_sin_cos per (schedule, position, plane) however many heads
 * and blocks reuse it.  sched and pos are borrowed (they must outlive the
 * table; users check them by pointer).  FC_EINVAL (malformed schedule,
 * schedules of different d), FC_ENOMEM; on failure safe to clear. */
typedef struct fc_mp_rope_tab {
  const fc_schedule *sched;
  size_t nsched;
  const long *pos;
  size_t npos;
  size_t m;           /* planes: sched[0].d / 2 */
  mpfr_prec_t prec;   /* the outputs' precision */
  fc_mpmat_t sn, cs;  /* (nsched npos) x m at prec + 32 */
} fc_mp_rope_tab;
int fc_mp_rope_tab_init(fc_mp_rope_tab *tab, const fc_schedule *sched,
                        size_t nsched, const long *pos, size_t npos,
                        mpfr_prec_t prec);
void fc_mp_rope_tab_clear(fc_mp_rope_tab *tab);
/* out = Theta(pos[t]) in for schedule j, from the table: the values of
 * fc_mp_rope_apply(out, in, &tab->sched[j], tab->pos[t]).  Every out entry
 * must have precision tab->prec (FC_EINVAL otherwise, or for j, t out of
 * range).  out must not alias in. */
int fc_mp_rope_apply_tab(mpfr_t *out, mpfr_t *const in,
                         const fc_mp_rope_tab *tab, size_t j, size_t t);

/* ---------------------------------------------------------------------
 * Additions (issue 3): the commutant of a schedule, decided in MPFR.
 * ------------------------------------------------------------------- */

/* Relations between planes over the position set pos[0..npos) (bits
 * FC_REL_SAME / FC_REL_ANTI of schedule.h, m x m, m = d/2), decided from
 * the definition position by position: for each p the products p theta_i
 * are formed exactly (128 bits hold a 64-bit p times a 53-bit theta) and
 *   SAME(p): p theta_i - p theta_j in 2 pi Z,
 *   ANTI(p): p theta_i + p theta_j in 2 pi Z,
 * where a rational number (both products are rational) lies in 2 pi Z iff
 * it is 0, since pi is irrational: so each test is an exact comparison of
 * the products.  rel = AND over the set.  An empty set (npos = 0, pos
 * non-NULL) is Theta = I: every bit set.  pos == NULL with npos == 0 means
 * every integer position, decided at p = 1 (for rationals "for all
 * integers p" is equivalent to p = 1).  FC_EINVAL, FC_ENOMEM. */
int fc_mp_rope_relations(unsigned char *rel, const fc_schedule *s,
                         const long *pos, size_t npos);

/* Y = Pc(X), the orthogonal (Frobenius) projection of the d x d X onto
 * the commutant given by rel: per 2x2 block, the span{I,J} part kept under
 * SAME, the span{K,L} part under ANTI (halvings are exact; one rounding
 * per kept coefficient at Y's precision).  Y may alias X. */
int fc_mpmat_commutant_project(fc_mpmat_t Y, const fc_mpmat_t X,
                               const fc_schedule *s,
                               const unsigned char *rel);

/* gap(p) = min 2 |sin(p (theta_i - theta_j) / 2)| over block parts (i, j)
 * outside the commutant (no SAME), and 2 |sin(p (theta_i + theta_j) / 2)|
 * over those without ANTI, at g's precision (angles formed from exact
 * products).  +inf when every part is in the commutant (then X = Pc(X) for
 * all X).  *arg_i, *arg_j, *arg_sign (may be NULL) receive the minimising
 * part (sign -1: the difference, +1: the sum). */
int fc_mp_rope_gap(mpfr_t g, int *arg_i, int *arg_j, int *arg_sign,
                   const fc_schedule *s, const unsigned char *rel, long p);

/* The closed form of the commutator norm (the map X -> X Theta(p) -
 * Theta(p) X is normal; on block (i, j) with X_ij = aI + bJ + cK + dL):
 *   ||[X, Theta(p)]||_F^2 = sum_ij 8 ( sin^2(p (theta_j - theta_i)/2)
 *                           (a^2 + b^2) + sin^2(p (theta_i + theta_j)/2)
 *                           (c^2 + d^2) ),
 * at r's precision. */
int fc_mp_rope_comm_sq(mpfr_t r, const fc_mpmat_t X, const fc_schedule *s,
                       long p);

/* min over 1 <= p <= N of gap(p) for the parts outside the commutant
 * (rel for a set with a nonzero position), exactly: for each part with
 * angle rate a = theta_i -/+ theta_j, 2|sin(p a / 2)| = 2 sin(pi ||p b||),
 * b = a / (2 pi), ||.|| the distance to the nearest integer; the minimum
 * of ||p b|| over 1 <= p <= N is attained at the largest convergent
 * denominator q <= N of the continued fraction of b (best approximations
 * of the second kind are convergents, Lagrange), computed at g's
 * precision + 128 bits.  *argp receives the minimising position, the
 * parts as in fc_mp_rope_gap.  +inf (argp 0) when nothing is outside.
 * N >= 1. */
int fc_mp_rope_gap_min(mpfr_t g, long *argp, int *arg_i, int *arg_j,
                       int *arg_sign, const fc_schedule *s,
                       const unsigned char *rel, long N);

#endif

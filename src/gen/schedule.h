/* schedule.h -- RoPE schedules and rotation generators (domain generators).
 *
 * A schedule of head dimension d = 2m is m frequencies theta_1..theta_m and
 * a pair layout; at position p the RoPE operator is
 *   Theta(p) = (+)_i Rot(p theta_i)   on the planes (a_i, b_i) of the layout,
 * Rot(w) = [[cos w, -sin w], [sin w, cos w]] acting on (x_a, x_b).
 * Partial rotary: only the first rotary_dim coordinates are rotated; the
 * remaining coordinates form fixed planes with theta = 0.
 *
 * Layouts: FC_LAYOUT_INTERLEAVED (GPT-J): plane i = (2i, 2i+1), i < rd/2.
 *          FC_LAYOUT_HALF (Llama/NeoX rotate_half): plane i = (i, i + rd/2).
 * Fixed planes (i >= rd/2): (rd + 2k, rd + 2k + 1), k = i - rd/2.
 *
 * Schedules live in a case as fields (so replay holds their values):
 *   "<prefix>.theta"  (m x 1 reals, theta of every plane, 0 for fixed)
 *   "<prefix>.layout" (1x1 int), "<prefix>.rotary" (1x1 int, rotary_dim),
 * and "<prefix>.d" as a dimension.
 */
#ifndef FC_SCHEDULE_H
#define FC_SCHEDULE_H

#include "foldcheck.h"

typedef enum { FC_LAYOUT_INTERLEAVED = 0, FC_LAYOUT_HALF = 1 } fc_layout;

typedef struct fc_schedule {
  size_t d;            /* head dimension, even, >= 2 */
  size_t rotary_dim;   /* even, <= d */
  fc_layout layout;
  const double *theta; /* d/2 entries; theta[i] = 0 for i >= rotary_dim/2 */
} fc_schedule;

/* Coordinates of plane i (0 <= i < d/2). */
void fc_schedule_plane(size_t *a, size_t *b, const fc_schedule *s, size_t i);

/* Store a schedule in a case under prefix (copies theta). */
int fc_schedule_store(fc_case *c, const char *prefix, const fc_schedule *s);
/* View the schedule stored under prefix (theta points into the case).
 * FC_ENOTFOUND / FC_EINVAL. */
int fc_schedule_view(fc_schedule *s, const fc_case *c, const char *prefix);

/* Draw a schedule (random or preset-derived, see schedule.c) and store it.
 * d_min/d_max bound the head dimension (even). */
int fc_draw_schedule(fc_case *c, fc_draw *d, const char *prefix,
                     size_t d_min, size_t d_max);

/* Draw positions: n positions stored as "<prefix>" (n x 1 ints) in
 * [0, 2^20]: 0, small integers, offsets, long contexts. */
int fc_draw_positions(fc_case *c, fc_draw *d, const char *prefix, size_t n);

/* Rotation generators: each stores an fc_givens under prefix (see
 * fc_draw_givens), so kernels build it with fc_givens_build_d and oracles
 * with fc_mpmat_givens.  All-zero draws give the identity.
 * - commuting: an orthogonal member of the commutant of s (U(k) per class,
 *   O(2k) on fixed planes), as products of paired Givens.
 * - mixing: a single Givens rotation mixing two planes of different
 *   classes (a non-commuting rotation whose shrink is one plane pair).
 * - haar: a Haar-like rotation of O(d) (dense product of Givens).
 * When s has a single frequency class (nothing to mix), the mixing and
 * near-commuting generators reject the case (fc_draw_reject, FC_EREJECT):
 * the schedule is the case's own draw, so it is a missed hypothesis, never
 * an error of the run. */
int fc_draw_commuting_rotation(fc_case *c, fc_draw *d, const char *prefix,
                               const fc_schedule *s);
int fc_draw_mixing_rotation(fc_case *c, fc_draw *d, const char *prefix,
                            const fc_schedule *s);
int fc_draw_haar_rotation(fc_case *c, fc_draw *d, const char *prefix,
                          size_t n);

/* ---------------------------------------------------------------------
 * Additions (issue 3).  Everything above keeps its signature.
 * ------------------------------------------------------------------- */

/* Largest position the generators draw (long contexts): 2^20. */
#define FC_POS_MAX (1L << 20)

/* One position as fc_draw_positions draws it (0, small integers, offsets,
 * long contexts up to FC_POS_MAX); shrinks to 0. */
long fc_draw_position(fc_draw *d);

/* Validate a schedule: d even >= 2, rotary_dim even <= d, a known layout,
 * theta non-NULL with finite entries, theta[i] = 0 for the fixed planes
 * i >= rotary_dim/2.  FC_OK, or FC_EINVAL with a message in err (may be
 * NULL). */
int fc_schedule_check(const fc_schedule *s, fc_error *err);

/* Relations between planes over a position set (bits of an m x m byte
 * matrix rel[i*m + j], m = d/2):
 *   FC_REL_SAME: p theta_i = p theta_j (mod 2 pi) for every p in the set
 *                (the 2x2 block X_ij may have a span{I, J} part);
 *   FC_REL_ANTI: p theta_i = -p theta_j (mod 2 pi) for every p
 *                (the block may have a span{K, L} part).
 * A plane is fixed (Theta(p) = I on it for every p in the set) iff
 * rel[i*m+i] has FC_REL_ANTI; a block between two fixed planes is free.
 *
 * How it is decided, exactly.  theta_i are finite doubles, hence rationals,
 * and positions are integers; so p (theta_i -/+ theta_j) is rational, and a
 * rational equals 2 pi k only for k = 0 (pi is irrational).  Hence for a
 * set holding some p != 0: SAME iff theta_i == theta_j, ANTI iff
 * theta_i == -theta_j, fixed iff theta_i == 0 -- comparisons of doubles,
 * no tolerance.  A set with no nonzero position (empty, or only 0) makes
 * Theta = I: every bit is set (the commutant is all of R^{d x d}).  The
 * oracle decides the same relations independently, position by position in
 * MPFR (fc_mp_rope_relations, oracles/rope.h).
 * pos may be NULL with npos = 0 meaning "all integer positions" (then the
 * set holds a nonzero position).  FC_EINVAL on a bad schedule. */
enum { FC_REL_SAME = 1, FC_REL_ANTI = 2 };
int fc_schedule_relations(unsigned char *rel, const fc_schedule *s,
                          const long *pos, size_t npos);
/* 1 if pos[0..npos) holds a nonzero position (NULL/0: all positions, 1). */
int fc_positions_nontrivial(const long *pos, size_t npos);

/* Frequency classes from relations: planes i, j share a class when SAME or
 * ANTI holds between them (an equivalence: SAME is equality of theta, ANTI
 * of theta and -theta).  cls[i] numbers the classes 0.. in order of first
 * plane; sign[i] = +1 when theta_i equals the theta of its class's first
 * plane (SAME), -1 when it is its negative (ANTI only); fixed classes have
 * sign +1 throughout.  Arrays are allocated here; clear with
 * fc_schedule_classes_clear (safe on a zeroed or failed struct). */
typedef struct fc_schedule_classes {
  size_t m;         /* planes */
  size_t nclasses;
  size_t *cls;      /* m entries */
  int *sign;        /* m entries, +1 / -1 */
  size_t *size;     /* nclasses entries: planes per class */
  int *fixed;       /* nclasses entries: 1 for a fixed class */
} fc_schedule_classes;
int fc_schedule_classes_init(fc_schedule_classes *k, const fc_schedule *s,
                             const unsigned char *rel);
void fc_schedule_classes_clear(fc_schedule_classes *k);
/* Real dimension of the commutant algebra, sum over classes of 2 k^2
 * (M_k(C)) or 4 k^2 (fixed: M_2k(R)); and of its orthogonal group, sum of
 * k^2 (U(k)) or k (2k - 1) (O(2k)). */
size_t fc_schedule_classes_dim(const fc_schedule_classes *k);
size_t fc_schedule_classes_orth_dim(const fc_schedule_classes *k);

/* Draw a schedule of a given kind (fc_draw_schedule draws the kind).
 * Kinds, simplest first: explicit small frequencies (shrink to 0), the
 * geometric base^(-2i/rd) law with a random base, a window of a preset,
 * repeated frequencies (with signs: anti-classes), a near-collision (two
 * frequencies a few ulps or a chosen relative gap apart). */
typedef enum {
  FC_SCHED_EXPLICIT = 0,
  FC_SCHED_GEOMETRIC = 1,
  FC_SCHED_PRESET = 2,
  FC_SCHED_REPEATED = 3,
  FC_SCHED_NEAR = 4,
  FC_SCHED_NKINDS = 5
} fc_sched_kind;
int fc_draw_schedule_kind(fc_case *c, fc_draw *d, const char *prefix,
                          size_t d_min, size_t d_max, fc_sched_kind kind);

/* Near-commuting rotation: a commuting rotation of s (as
 * fc_draw_commuting_rotation) followed by one Givens rotation by
 * +-mix_turns mixing two planes of different classes (drawn).  FC_EREJECT
 * (the case discarded) when s has a single class (nothing to mix);
 * FC_EINVAL when mix_turns is not finite. */
int fc_draw_near_commuting_rotation(fc_case *c, fc_draw *d,
                                    const char *prefix, const fc_schedule *s,
                                    double mix_turns);

/* A commutant member that is in general NOT orthogonal (scaled and sheared
 * within classes), for negative controls: X = I + sum of drawn elementary
 * commutant terms (a I or a J on a plane's diagonal block, a I / a J (SAME)
 * or a K / a L (ANTI) on a block between two planes of one class, any entry
 * between coordinates of fixed planes).  It cannot be an fc_givens, so it
 * is stored as an explicit d x d row-major field "<prefix>.matrix"
 * (fc_commuting_matrix_view reads it).  All-zero draws give I; a shrunk
 * case is one term, e.g. plane 0 scaled by 2. */
int fc_draw_commuting_matrix(fc_case *c, fc_draw *d, const char *prefix,
                             const fc_schedule *s);
/* The d x d matrix stored by fc_draw_commuting_matrix; NULL when absent or
 * of the wrong shape. */
const double *fc_commuting_matrix_view(const fc_case *c, const char *prefix,
                                       size_t d);

#endif

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
 * - haar: a Haar-like rotation of O(d) (dense product of Givens). */
int fc_draw_commuting_rotation(fc_case *c, fc_draw *d, const char *prefix,
                               const fc_schedule *s);
int fc_draw_mixing_rotation(fc_case *c, fc_draw *d, const char *prefix,
                            const fc_schedule *s);
int fc_draw_haar_rotation(fc_case *c, fc_draw *d, const char *prefix,
                          size_t n);

#endif

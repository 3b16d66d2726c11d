/* lin.h -- the small dense linear-algebra sub-table (F1, F2).
 *
 * 2x2 matrices are row-major double[4] = {m00, m01, m10, m11}.  The kernels
 * compute values only.  The bound each output is judged against is the
 * harness's (src/bounds/lin.c, declared in bounds/bounds.h): a priori, from
 * the inputs and the declared arithmetic (fp64/fp64 for these built-in
 * tables), the same for the reference and for every mutant (issue 16).
 *
 * Aliasing: outputs may alias inputs (every kernel computes into locals and
 * copies out).
 *
 * Angles are given in turns t (an exact double): the angle is w = 2 pi t,
 * formed in double as deployed kernels do (w = fl(fl(2 pi) t)), then cos/sin
 * from libm.  Rot(w) = [[cos w, -sin w], [sin w, cos w]] = cos w I + sin w J.
 */
#ifndef FC_KERN_LIN_H
#define FC_KERN_LIN_H

#include <stddef.h>
#include "kernels.h"

struct fc_kern_lin {
  /* C = A B. */
  void (*mul2)(double C[4], const double A[4], const double B[4]);
  /* C = [A, B] = A B - B A. */
  void (*comm2)(double C[4], const double A[4], const double B[4]);
  /* R = Rot(2 pi t). */
  void (*rot)(double R[4], double t);
  /* Y = S(X) = X Rot(2 pi t1) - Rot(2 pi t2) X (the Sylvester map of F2). */
  void (*sylv)(double Y[4], const double X[4], double t1, double t2);
  /* The closed-form singular values of S (each is double):
   * sig[0] = 2 |sin(pi (t1 - t2))| = 2 |sin((w1 - w2) / 2)|,
   * sig[1] = 2 |sin(pi (t1 + t2))| = 2 |sin((w1 + w2) / 2)|. */
  void (*sigmas)(double sig[2], double t1, double t2);
  /* abcd = (a, b, c, d) with R = a I + b J + c K + d L:
   * a = (r00 + r11)/2, b = (r10 - r01)/2, c = (r00 - r11)/2,
   * d = (r01 + r10)/2. */
  void (*decomp)(double abcd[4], const double R[4]);
  /* Returns x . y (length n). */
  double (*dot)(const double *x, const double *y, size_t n);
};

/* Mutants (lin.c): the reference with one realistic bug. */
extern const struct fc_kern_lin fc_kern_lin_mut_transpose;
extern const struct fc_kern_lin fc_kern_lin_mut_clockwise;
extern const struct fc_kern_lin fc_kern_lin_mut_anticomm;
extern const struct fc_kern_lin fc_kern_lin_mut_sylv_swap;
extern const struct fc_kern_lin fc_kern_lin_mut_fullangle;

/* Initialisers of fc_kernels entries for table.c.  FC_REF_BUT_LIN (table.c)
 * expands to the reference sub-tables of every other family, so .lin is
 * given exactly once.  Each mutant's target is a single holds-property that
 * must catch it (the level that catches it is noted). */
#define FC_LIN_MUTANT_(nm, desc, tgt, tab)                                   \
  {.name = nm, .description = desc, .targets = tgt, FC_REF_BUT_LIN .lin = &tab}

#define FC_LIN_MUTANTS                                                      \
  FC_LIN_MUTANT_("mutant-lin-mul-transpose",                                 \
                 "2x2 product uses the transpose of its left operand "       \
                 "(A^T B): a row/column-major mix-up",                       \
                 "commutant2d.span", fc_kern_lin_mut_transpose),             \
  FC_LIN_MUTANT_("mutant-lin-rot-clockwise",                                 \
                 "Rot(w) with the sign of sin flipped: rotates the wrong "   \
                 "way (Rot(-w))",                                            \
                 "commutant2d.rope_block", fc_kern_lin_mut_clockwise),       \
  FC_LIN_MUTANT_("mutant-lin-anticommutator",                                \
                 "commutator computed as AB + BA (sign slip)",               \
                 "commutant2d.commutator_norm", fc_kern_lin_mut_anticomm),   \
  FC_LIN_MUTANT_("mutant-lin-sylvester-swapped",                             \
                 "Sylvester map computed as Rot(w1) X - X Rot(w2) "          \
                 "(operands swapped; same singular values, wrong values)",   \
                 "schur.sandwich", fc_kern_lin_mut_sylv_swap),               \
  FC_LIN_MUTANT_("mutant-lin-sigma-full-angle",                              \
                 "closed-form singular values use 2|sin(w1 -/+ w2)| "        \
                 "(the half angle forgotten)",                               \
                 "schur.singular_values", fc_kern_lin_mut_fullangle)

#endif

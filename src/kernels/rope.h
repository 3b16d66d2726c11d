/* rope.h -- the RoPE kernel sub-table (issue 3 fills the reference).
 *
 * apply: out = Theta(p) in for a d-vector, computing the angle as deployed
 * kernels do: w = fl(p * theta_i), then cos/sin from libm.  Values only:
 * the bound a property judges it against is the harness's (fc_bnd_rope,
 * src/bounds/bounds.h; issue 16 item 3).  out may alias in. */
#ifndef FC_KERN_ROPE_H
#define FC_KERN_ROPE_H

#include "kernels.h"
#include "gen/schedule.h"

struct fc_kern_rope {
  void (*apply)(double *out, const double *in, const fc_schedule *s,
                long p);
  /* Added (issue 3): Y = Pc(X), the projection of a d x d row-major X onto
   * the commutant described by rel (fc_schedule_relations): each 2x2 block
   * X_ij between planes i, j keeps its span{I, J} part
   * ((x00+x11)/2, (x10-x01)/2) when rel has FC_REL_SAME, its span{K, L}
   * part ((x00-x11)/2, (x01+x10)/2) when FC_REL_ANTI, both (the block
   * unchanged) when both, nothing otherwise.  Values only: its bound
   * against the exact projection of X is fc_bnd_project (src/bounds).  Y
   * may alias X. */
  void (*project)(double *Y, const double *X, const fc_schedule *s,
                  const unsigned char *rel);
};

/* Mutants (rope.c): the reference with one realistic bug in apply. */
extern const struct fc_kern_rope fc_kern_rope_mut_phase_float;
extern const struct fc_kern_rope fc_kern_rope_mut_layout;
extern const struct fc_kern_rope fc_kern_rope_mut_off_by_one;

/* Initialisers of fc_kernels entries for table.c (FC_REF_BUT_ROPE there
 * gives every other family its reference sub-table). */
#define FC_ROPE_MUTANT_(nm, desc, tgt, tab)                                  \
  {.name = nm, .description = desc, .targets = tgt, FC_REF_BUT_ROPE .rope = &tab}

#define FC_ROPE_MUTANTS                                                     \
  FC_ROPE_MUTANT_("mutant-rope-phase-float",                                 \
                  "RoPE phase p * theta formed in single precision (float), " \
                  "as in the RoPE precision bugs reported against GPT-NeoX " \
                  "and several inference engines",                           \
                  "commutant.*rope_accuracy", fc_kern_rope_mut_phase_float),   \
  FC_ROPE_MUTANT_("mutant-rope-wrong-layout",                                \
                  "RoPE pairs taken in the other layout (interleaved vs "    \
                  "rotate_half)",                                            \
                  "commutant.*rope_accuracy", fc_kern_rope_mut_layout),        \
  FC_ROPE_MUTANT_("mutant-rope-position-off-by-one",                         \
                  "RoPE applied at position p + 1 (an off-by-one in the "    \
                  "position ids)",                                           \
                  "commutant.*rope_accuracy", fc_kern_rope_mut_off_by_one)

#endif

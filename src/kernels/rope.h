/* rope.h -- the RoPE kernel sub-table (issue 3 fills the reference).
 *
 * apply: out = Theta(p) in for a d-vector, computing the angle as deployed
 * kernels do: w = fl(p * theta_i), then cos/sin from libm.  `err` (may be
 * NULL) receives a running absolute error bound per output coordinate
 * (documented in rope.c).  out may alias in. */
#ifndef FC_KERN_ROPE_H
#define FC_KERN_ROPE_H

#include "kernels.h"
#include "gen/schedule.h"

struct fc_kern_rope {
  void (*apply)(double *out, double *err, const double *in,
                const fc_schedule *s, long p);
};

#endif

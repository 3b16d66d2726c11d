/* rope.h -- RoPE in MPFR (issue 3).  out = Theta(p) in, with the angle
 * p * theta_i formed exactly (theta is an exact double) and sin/cos at out's
 * precision.  out must not alias in; both have s->d entries. */
#ifndef FC_ORACLE_ROPE_H
#define FC_ORACLE_ROPE_H

#include "oracle.h"
#include "gen/schedule.h"

int fc_mp_rope_apply(mpfr_t *out, mpfr_t *const in, const fc_schedule *s,
                     long p);
/* Theta(p) as a d x d matrix at R's precision. */
int fc_mpmat_rope(fc_mpmat_t R, const fc_schedule *s, long p);

#endif

/* rope.c -- the RoPE kernels: the reference and its mutants, values only.
 *
 * apply computes the angle as deployed kernels do: w = fl(p * theta_i),
 * then cos/sin from libm, then the 2-term rotation of each plane.  The
 * bound a property judges them against is the harness's (src/bounds:
 * fc_bnd_rope for apply, fc_bnd_project for project; issue 16 item 3): no
 * kernel here computes a bound, so a mutant is judged against the same
 * bound as the reference.
 */
#include <limits.h>
#include <math.h>
#include "rope.h"

enum {
  MUT_NONE = 0,
  MUT_PHASE_FLOAT = 1, /* w = (float)p * (float)theta in binary32 */
  MUT_LAYOUT = 2,      /* the other pair layout */
  MUT_OFF_BY_ONE = 4   /* position p + 1 */
};

static void apply_impl(double *out, const double *in,
                       const fc_schedule *s, long p, int mut)
{
  if (out == NULL || in == NULL || s == NULL || s->theta == NULL)
    return;
  const size_t m = s->d / 2;
  fc_schedule lay = *s;
  if (mut & MUT_LAYOUT)
    lay.layout = s->layout == FC_LAYOUT_HALF ? FC_LAYOUT_INTERLEAVED
                                             : FC_LAYOUT_HALF;
  const long pp = (mut & MUT_OFF_BY_ONE) && p < LONG_MAX ? p + 1 : p;
  const double P = (double)pp;
  for (size_t i = 0; i < m; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, &lay, i);
    const double th = s->theta[i];
    const double xa = in[a], xb = in[b];
    double w;
    if (mut & MUT_PHASE_FLOAT) {
      const float wf = (float)P * (float)th; /* binary32 product */
      w = (double)wf;
    } else {
      w = P * th;
    }
    const double c = cos(w), sn = sin(w);
    const double oa = c * xa - sn * xb;
    const double ob = sn * xa + c * xb;
    out[a] = oa;
    out[b] = ob;
  }
}

static void apply_ref(double *out, const double *in, const fc_schedule *s,
                      long p)
{
  apply_impl(out, in, s, p, MUT_NONE);
}

static void apply_phase_float(double *out, const double *in,
                              const fc_schedule *s, long p)
{
  apply_impl(out, in, s, p, MUT_PHASE_FLOAT);
}

static void apply_layout(double *out, const double *in, const fc_schedule *s,
                         long p)
{
  apply_impl(out, in, s, p, MUT_LAYOUT);
}

static void apply_off_by_one(double *out, const double *in,
                             const fc_schedule *s, long p)
{
  apply_impl(out, in, s, p, MUT_OFF_BY_ONE);
}

/* Pc(X), block by block: a kept coefficient is fl(x + y)/2 (its bound:
 * fc_bnd_project, src/bounds/rotation.c). */
static void project_ref(double *Y, const double *X,
                        const fc_schedule *s, const unsigned char *rel)
{
  if (Y == NULL || X == NULL || s == NULL || rel == NULL)
    return;
  const size_t m = s->d / 2, d = s->d;
  for (size_t i = 0; i < m; i++) {
    size_t ai, bi;
    fc_schedule_plane(&ai, &bi, s, i);
    for (size_t j = 0; j < m; j++) {
      size_t aj, bj;
      fc_schedule_plane(&aj, &bj, s, j);
      const size_t k00 = ai * d + aj, k01 = ai * d + bj;
      const size_t k10 = bi * d + aj, k11 = bi * d + bj;
      const double x00 = X[k00], x01 = X[k01], x10 = X[k10], x11 = X[k11];
      const int same = (rel[i * m + j] & FC_REL_SAME) != 0;
      const int anti = (rel[i * m + j] & FC_REL_ANTI) != 0;
      double y00 = 0, y01 = 0, y10 = 0, y11 = 0;
      if (same && anti) {
        y00 = x00;
        y01 = x01;
        y10 = x10;
        y11 = x11;
      } else if (same) { /* alpha I + beta J */
        const double al = (x00 + x11) / 2, be = (x10 - x01) / 2;
        y00 = al;
        y11 = al;
        y10 = be;
        y01 = -be;
      } else if (anti) { /* gamma K + delta L */
        const double ga = (x00 - x11) / 2, de = (x01 + x10) / 2;
        y00 = ga;
        y11 = -ga;
        y01 = de;
        y10 = de;
      }
      Y[k00] = y00;
      Y[k01] = y01;
      Y[k10] = y10;
      Y[k11] = y11;
    }
  }
}

const struct fc_kern_rope fc_kern_rope_ref = {apply_ref, project_ref};
const struct fc_kern_rope fc_kern_rope_mut_phase_float = {apply_phase_float,
                                                          project_ref};
const struct fc_kern_rope fc_kern_rope_mut_layout = {apply_layout,
                                                     project_ref};
const struct fc_kern_rope fc_kern_rope_mut_off_by_one = {apply_off_by_one,
                                                         project_ref};

/* givens.c -- orthogonal matrices as products of Givens rotations.
 *
 * The parametrisation is chosen for shrinking: the rotation count is a size
 * (shrinks to 0: the identity), each plane pair shrinks to (0, 1) and each
 * angle to 0 turns, then to short dyadic turns.  A shrunk rotation is
 * therefore one plane rotation by a simple angle. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "engine_internal.h"

static int fieldname(char *buf, size_t n, const char *prefix, const char *s)
{
  int k = snprintf(buf, n, "%s.%s", prefix, s);
  return k > 0 && (size_t)k < n ? FC_OK : FC_EINVAL;
}

int fc_draw_givens(fc_case *c, fc_draw *d, const char *prefix, size_t n,
                   size_t max_count, int allow_reflect)
{
  char ni[80], nj[80], nt[80], nr[80];
  if (c == NULL || d == NULL || prefix == NULL ||
      fieldname(ni, sizeof ni, prefix, "i") || fieldname(nj, sizeof nj, prefix, "j") ||
      fieldname(nt, sizeof nt, prefix, "turns") ||
      fieldname(nr, sizeof nr, prefix, "reflect"))
    return FC_EINVAL;
  size_t count = n >= 2 ? (size_t)fc_draw_size(d, 0, (long)max_count) : 0;
  long *I = fc_case_add_ints(c, ni, count, 1);
  long *J = fc_case_add_ints(c, nj, count, 1);
  double *T = fc_case_add_reals(c, nt, count, 1);
  long *R = fc_case_add_ints(c, nr, 1, 1);
  if (!I || !J || !T || !R)
    return FC_ENOMEM;
  for (size_t k = 0; k < count; k++) {
    long i = fc_draw_int(d, 0, (long)n - 1);
    long j = fc_draw_int(d, 0, (long)n - 2);
    if (j >= i)
      j++;
    /* Canonical order: the simplest pair is (0, 1). */
    I[k] = i < j ? i : j;
    J[k] = i < j ? j : i;
    T[k] = fc_draw_turns(d);
  }
  *R = allow_reflect ? fc_draw_bool(d, 0.5) : 0;
  return fc_draw_status(d);
}

int fc_givens_view(fc_givens *g, const fc_case *c, const char *prefix,
                   size_t n)
{
  char ni[80], nj[80], nt[80], nr[80];
  if (g == NULL || c == NULL || prefix == NULL ||
      fieldname(ni, sizeof ni, prefix, "i") || fieldname(nj, sizeof nj, prefix, "j") ||
      fieldname(nt, sizeof nt, prefix, "turns") ||
      fieldname(nr, sizeof nr, prefix, "reflect"))
    return FC_EINVAL;
  size_t ri, ci, rj, cj, rt, ct;
  const long *I = fc_case_ints(c, ni, &ri, &ci);
  const long *J = fc_case_ints(c, nj, &rj, &cj);
  const double *T = fc_case_reals(c, nt, &rt, &ct);
  if (I == NULL || J == NULL || T == NULL)
    return FC_ENOTFOUND;
  if (ci != 1 || cj != 1 || ct != 1 || ri != rj || ri != rt)
    return FC_EINVAL;
  for (size_t k = 0; k < ri; k++)
    if (I[k] < 0 || J[k] < 0 || (size_t)I[k] >= n || (size_t)J[k] >= n ||
        I[k] == J[k] || !isfinite(T[k]))
      return FC_EINVAL;
  memset(g, 0, sizeof *g);
  g->n = n;
  g->count = ri;
  g->i = I;
  g->j = J;
  g->turns = T;
  g->reflect = fc_case_dim(c, nr, 0) != 0;
  return FC_OK;
}

void fc_givens_build_d(double *Q, const fc_givens *g)
{
  size_t n = g->n;
  for (size_t r = 0; r < n; r++)
    for (size_t s = 0; s < n; s++)
      Q[r * n + s] = r == s;
  for (size_t k = 0; k < g->count; k++) {
    /* Q <- G(i, j, w) Q: rows i and j mix.  w = fl(2 pi t). */
    double w = 2 * M_PI * g->turns[k];
    double cs = cos(w), sn = sin(w);
    size_t i = (size_t)g->i[k], j = (size_t)g->j[k];
    for (size_t s = 0; s < n; s++) {
      double qi = Q[i * n + s], qj = Q[j * n + s];
      Q[i * n + s] = cs * qi - sn * qj;
      Q[j * n + s] = sn * qi + cs * qj;
    }
  }
  if (g->reflect)
    for (size_t r = 0; r < n; r++)
      Q[r * n] = -Q[r * n];
}

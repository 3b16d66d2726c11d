/* rotations.c -- rotation generators for a RoPE schedule (schedule.h).
 *
 * Commuting rotations.  The commutant of a schedule (schedule.h, over all
 * positions) is, per frequency class of k planes, M_k(C) acting on the
 * planes (a_i, b_i) as complex coordinates x_a + i x_b (for a plane whose
 * frequency is the negative of the class's, through the conjugation K),
 * and all of M_2k(R) on the fixed planes.  Its orthogonal members are U(k)
 * per class and O(2k) on the fixed planes.  We reach them as products of
 * elementary commuting rotations, each one or two Givens rotations with
 * the same angle t (turns):
 *   phase(i):        G(a_i, b_i, t)                     = Rot(2 pi t) on
 *                                                         plane i
 *   real pair(i,j):  G(a_i, a_j, t) G(b_i, b_j, s t)    blocks -sin I, or
 *                                                         -sin K if s = -1
 *   imag pair(i,j):  G(a_i, b_j, t) G(b_i, a_j, -s t)   blocks sin J, or
 *                                                         -sin L if s = -1
 *   free(x, y):      G(x, y, t), x, y coordinates of fixed planes
 * where s = sign_i sign_j (+1: SAME, -1: ANTI).  Every factor is in the
 * commutant (each 2x2 block lies in span{I,J} for SAME, span{K,L} for
 * ANTI), so the product is; phases and the two kinds of pairs generate
 * the Lie algebra u(k) (real antisymmetric plus i times symmetric), so
 * products reach all of U(k), and free Givens all of SO(2k) on the fixed
 * planes.  A reflection (of coordinate 0) is drawn only when coordinate 0
 * lies in a fixed plane, the only case where diag(-1, 1, ...) commutes;
 * otherwise the sampler covers the identity component (U(k) is connected;
 * of O(2k) only SO(2k) is reached then).  All-zero draws give the
 * identity; a shrunk case is one phase rotation by a short dyadic angle.
 *
 * The rotations are stored as the engine's Givens fields (givens.c):
 * "<prefix>.i", "<prefix>.j" (count x 1 ints), "<prefix>.turns"
 * (count x 1), "<prefix>.reflect" (1 x 1), read with fc_givens_view. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gen/schedule.h"

/* A growing list of Givens rotations. */
typedef struct glist {
  long *i, *j;
  double *t;
  size_t n, cap;
  int status;
} glist;

static void gl_push(glist *g, size_t x, size_t y, double t)
{
  if (g->status != FC_OK)
    return;
  if (g->n == g->cap) {
    const size_t cap = g->cap ? 2 * g->cap : 16;
    long *ni = realloc(g->i, cap * sizeof *ni);
    if (ni == NULL) {
      g->status = FC_ENOMEM;
      return;
    }
    g->i = ni;
    long *nj = realloc(g->j, cap * sizeof *nj);
    if (nj == NULL) {
      g->status = FC_ENOMEM;
      return;
    }
    g->j = nj;
    double *nt = realloc(g->t, cap * sizeof *nt);
    if (nt == NULL) {
      g->status = FC_ENOMEM;
      return;
    }
    g->t = nt;
    g->cap = cap;
  }
  g->i[g->n] = (long)x;
  g->j[g->n] = (long)y;
  g->t[g->n] = t;
  g->n++;
}

static void gl_free(glist *g)
{
  free(g->i);
  free(g->j);
  free(g->t);
  memset(g, 0, sizeof *g);
}

static int fname(char *buf, size_t n, const char *prefix, const char *s)
{
  int k = snprintf(buf, n, "%s.%s", prefix, s);
  return k > 0 && (size_t)k < n ? FC_OK : FC_EINVAL;
}

static int gl_store(fc_case *c, const char *prefix, const glist *g,
                    int reflect)
{
  char ni[96], nj[96], nt[96], nr[96];
  if (fname(ni, sizeof ni, prefix, "i") || fname(nj, sizeof nj, prefix, "j")
      || fname(nt, sizeof nt, prefix, "turns")
      || fname(nr, sizeof nr, prefix, "reflect"))
    return FC_EINVAL;
  if (g->status != FC_OK)
    return g->status;
  long *I = fc_case_add_ints(c, ni, g->n, 1);
  long *J = fc_case_add_ints(c, nj, g->n, 1);
  double *T = fc_case_add_reals(c, nt, g->n, 1);
  long *R = fc_case_add_ints(c, nr, 1, 1);
  if (R == NULL || (g->n > 0 && (I == NULL || J == NULL || T == NULL)))
    return FC_ENOMEM;
  for (size_t k = 0; k < g->n; k++) {
    I[k] = g->i[k];
    J[k] = g->j[k];
    T[k] = g->t[k];
  }
  *R = reflect;
  return FC_OK;
}

/* Classes over all positions. */
static int classes_of(fc_schedule_classes *k, unsigned char **rel,
                      const fc_schedule *s)
{
  memset(k, 0, sizeof *k);
  *rel = NULL;
  if (fc_schedule_check(s, NULL) != FC_OK)
    return FC_EINVAL;
  const size_t m = s->d / 2;
  unsigned char *r = malloc(m * m);
  if (r == NULL)
    return FC_ENOMEM;
  int rc = fc_schedule_relations(r, s, NULL, 0);
  if (rc == FC_OK)
    rc = fc_schedule_classes_init(k, s, r);
  if (rc != FC_OK) {
    free(r);
    return rc;
  }
  *rel = r;
  return FC_OK;
}

/* The index-th other member of plane i's class (index in [0, size - 2]). */
static size_t class_member(const fc_schedule_classes *k, size_t i,
                           size_t index)
{
  for (size_t j = 0; j < k->m; j++)
    if (j != i && k->cls[j] == k->cls[i] && index-- == 0)
      return j;
  return i;
}

/* Draw the elementary commuting rotations into g. */
static void draw_commuting(glist *g, int *reflect, fc_draw *d,
                           const fc_schedule *s,
                           const fc_schedule_classes *k)
{
  static const double w[4] = {0.35, 0.25, 0.25, 0.15};
  const size_t m = k->m;
  const long count = fc_draw_size(d, 0, (long)(3 * m));
  for (long q = 0; q < count; q++) {
    const size_t kind = fc_draw_weighted(d, w, 4);
    const size_t i = (size_t)fc_draw_int(d, 0, (long)m - 1);
    const size_t ci = k->cls[i];
    size_t ai, bi;
    fc_schedule_plane(&ai, &bi, s, i);
    size_t j = i;
    if (kind > 0 && k->size[ci] >= 2)
      j = class_member(k, i, (size_t)fc_draw_int(d, 0,
                                                 (long)k->size[ci] - 2));
    size_t aj, bj;
    fc_schedule_plane(&aj, &bj, s, j);
    const double t = fc_draw_turns(d);
    const double sg = k->sign[i] * k->sign[j];
    if (kind == 3 && k->fixed[ci]) { /* free Givens on fixed planes */
      const size_t x = fc_draw_bool(d, 0.5) ? bi : ai;
      const size_t y = fc_draw_bool(d, 0.5) ? bj : aj;
      if (x != y)
        gl_push(g, x, y, t);
      else
        gl_push(g, ai, bi, t);
    } else if (kind == 0 || j == i) { /* phase */
      gl_push(g, ai, bi, t);
    } else if (kind == 1) { /* real pair */
      gl_push(g, ai, aj, t);
      gl_push(g, bi, bj, sg * t);
    } else { /* imaginary pair (kind 2, or free on a rotating class) */
      gl_push(g, ai, bj, t);
      gl_push(g, bi, aj, -sg * t);
    }
  }
  /* Reflection of coordinate 0: only when its plane is fixed. */
  *reflect = 0;
  for (size_t i = 0; i < m; i++) {
    size_t a, b;
    fc_schedule_plane(&a, &b, s, i);
    if ((a == 0 || b == 0) && k->fixed[k->cls[i]])
      *reflect = fc_draw_bool(d, 0.25);
  }
}

int fc_draw_commuting_rotation(fc_case *c, fc_draw *d, const char *prefix,
                               const fc_schedule *s)
{
  if (c == NULL || d == NULL || prefix == NULL)
    return FC_EINVAL;
  fc_schedule_classes k;
  unsigned char *rel;
  int rc = classes_of(&k, &rel, s);
  if (rc)
    return rc;
  glist g = {NULL, NULL, NULL, 0, 0, FC_OK};
  int reflect = 0;
  draw_commuting(&g, &reflect, d, s, &k);
  rc = fc_draw_status(d);
  if (rc == FC_OK)
    rc = gl_store(c, prefix, &g, reflect);
  gl_free(&g);
  fc_schedule_classes_clear(&k);
  free(rel);
  return rc;
}

/* Push one Givens rotation mixing two planes of different classes. */
static int draw_mixing(glist *g, fc_draw *d, const fc_schedule *s,
                       const unsigned char *rel, double turns, int draw_t)
{
  const size_t m = s->d / 2;
  size_t npairs = 0;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++)
      npairs += rel[i * m + j] == 0;
  if (npairs == 0) {
    /* A single class: nothing to mix.  The schedule came from the same
     * draws, so this is a case that misses the hypothesis, not an error:
     * discard it (the shrinker treats it as passing). */
    fc_draw_reject(d);
    return FC_EREJECT;
  }
  size_t pick = (size_t)fc_draw_int(d, 0, (long)npairs - 1);
  size_t pi = 0, pj = 0;
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++)
      if (rel[i * m + j] == 0 && pick-- == 0) {
        pi = i;
        pj = j;
      }
  size_t ai, bi, aj, bj;
  fc_schedule_plane(&ai, &bi, s, pi);
  fc_schedule_plane(&aj, &bj, s, pj);
  const size_t x = fc_draw_bool(d, 0.5) ? bi : ai;
  const size_t y = fc_draw_bool(d, 0.5) ? bj : aj;
  double t = turns;
  if (draw_t)
    t = fc_draw_turns(d);
  else if (fc_draw_bool(d, 0.5))
    t = -t;
  gl_push(g, x, y, t);
  return FC_OK;
}

int fc_draw_mixing_rotation(fc_case *c, fc_draw *d, const char *prefix,
                            const fc_schedule *s)
{
  if (c == NULL || d == NULL || prefix == NULL)
    return FC_EINVAL;
  fc_schedule_classes k;
  unsigned char *rel;
  int rc = classes_of(&k, &rel, s);
  if (rc)
    return rc;
  glist g = {NULL, NULL, NULL, 0, 0, FC_OK};
  rc = draw_mixing(&g, d, s, rel, 0, 1);
  if (rc == FC_OK)
    rc = fc_draw_status(d);
  if (rc == FC_OK)
    rc = gl_store(c, prefix, &g, 0);
  gl_free(&g);
  fc_schedule_classes_clear(&k);
  free(rel);
  return rc;
}

int fc_draw_near_commuting_rotation(fc_case *c, fc_draw *d,
                                    const char *prefix, const fc_schedule *s,
                                    double mix_turns)
{
  if (c == NULL || d == NULL || prefix == NULL || !isfinite(mix_turns))
    return FC_EINVAL;
  fc_schedule_classes k;
  unsigned char *rel;
  int rc = classes_of(&k, &rel, s);
  if (rc)
    return rc;
  glist g = {NULL, NULL, NULL, 0, 0, FC_OK};
  int reflect = 0;
  draw_commuting(&g, &reflect, d, s, &k);
  /* The mixing rotation is applied last: Q = G_mix Q_commuting (the
   * reflection, if any, acts first, as fc_givens places it). */
  rc = draw_mixing(&g, d, s, rel, mix_turns, 0);
  if (rc == FC_OK)
    rc = fc_draw_status(d);
  if (rc == FC_OK)
    rc = gl_store(c, prefix, &g, reflect);
  gl_free(&g);
  fc_schedule_classes_clear(&k);
  free(rel);
  return rc;
}

int fc_draw_haar_rotation(fc_case *c, fc_draw *d, const char *prefix,
                          size_t n)
{
  if (c == NULL || d == NULL || prefix == NULL || n < 1 || n > 4096)
    return FC_EINVAL;
  /* n (n - 1) random Givens (random planes, random angles) mix O(n) well
   * ("Haar-like"; not exactly Haar).  Capped at 256 rotations to keep the
   * oracle's Givens product cheap and its rounding within the statement
   * slack. */
  size_t cnt = n * (n - 1);
  if (cnt > 256)
    cnt = 256;
  return fc_draw_givens(c, d, prefix, n, cnt, 1);
}

/* ------------------------------------------- non-orthogonal members */

int fc_draw_commuting_matrix(fc_case *c, fc_draw *d, const char *prefix,
                             const fc_schedule *s)
{
  static const double w[4] = {0.4, 0.2, 0.3, 0.1};
  static const fc_double_spec spec = {4.0, 0, 0};
  char nm[96];
  if (c == NULL || d == NULL || prefix == NULL
      || fname(nm, sizeof nm, prefix, "matrix"))
    return FC_EINVAL;
  fc_schedule_classes k;
  unsigned char *rel;
  int rc = classes_of(&k, &rel, s);
  if (rc)
    return rc;
  const size_t n = s->d, m = s->d / 2;
  double *X = fc_case_add_reals(c, nm, n, n);
  if (X == NULL) {
    fc_schedule_classes_clear(&k);
    free(rel);
    return FC_ENOMEM;
  }
  for (size_t r = 0; r < n; r++)
    X[r * n + r] = 1;
  const long count = fc_draw_size(d, 0, (long)(2 * m));
  for (long q = 0; q < count; q++) {
    const size_t kind = fc_draw_weighted(d, w, 4);
    const size_t i = (size_t)fc_draw_int(d, 0, (long)m - 1);
    const size_t ci = k.cls[i];
    size_t j = i;
    if (kind >= 2 && k.size[ci] >= 2)
      j = class_member(&k, i, (size_t)fc_draw_int(d, 0,
                                                  (long)k.size[ci] - 2));
    const int second = fc_draw_bool(d, 0.5); /* J/L instead of I/K */
    const double al = fc_draw_double(d, &spec);
    size_t ai, bi, aj, bj;
    fc_schedule_plane(&ai, &bi, s, i);
    fc_schedule_plane(&aj, &bj, s, j);
    if (kind == 3 && k.fixed[ci]) { /* any entry between fixed coords */
      const size_t x = second ? bi : ai;
      const size_t y = fc_draw_bool(d, 0.5) ? bj : aj;
      X[x * n + y] += al;
      continue;
    }
    if (kind == 0) {
      /* alpha I on the diagonal block (a scaling of plane i) */
      X[ai * n + ai] += al;
      X[bi * n + bi] += al;
      continue;
    }
    if (kind == 1 || j == i) { /* alpha J on the diagonal block */
      X[bi * n + ai] += al;
      X[ai * n + bi] -= al;
      continue;
    }
    /* a block between two planes of one class: I/J (SAME), K/L (ANTI) */
    const int same = k.sign[i] == k.sign[j] || k.fixed[ci];
    if (same && !second) { /* I */
      X[ai * n + aj] += al;
      X[bi * n + bj] += al;
    } else if (same) { /* J = [[0, -1], [1, 0]] */
      X[bi * n + aj] += al;
      X[ai * n + bj] -= al;
    } else if (!second) { /* K = [[1, 0], [0, -1]] */
      X[ai * n + aj] += al;
      X[bi * n + bj] -= al;
    } else { /* L = [[0, 1], [1, 0]] */
      X[ai * n + bj] += al;
      X[bi * n + aj] += al;
    }
  }
  fc_schedule_classes_clear(&k);
  free(rel);
  return fc_draw_status(d);
}

const double *fc_commuting_matrix_view(const fc_case *c, const char *prefix,
                                       size_t d)
{
  char nm[96];
  size_t rows, cols;
  if (c == NULL || prefix == NULL || fname(nm, sizeof nm, prefix, "matrix"))
    return NULL;
  const double *X = fc_case_reals(c, nm, &rows, &cols);
  return X && rows == d && cols == d ? X : NULL;
}

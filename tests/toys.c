/* toys.c -- see toys.h. */
#include <math.h>
#include <string.h>
#include "toys.h"

static const char *const no_anchors[] = {NULL};

static void set_stmt(fc_check_result *r, double err, double bound)
{
  fc_measure_fold(&r->level[FC_LEVEL_STATEMENT], err, bound, 0);
}

static int gen_int(fc_case *c, fc_draw *d)
{
  long *n = fc_case_add_ints(c, "n", 1, 1);
  if (!n)
    return FC_ENOMEM;
  *n = fc_draw_int(d, 0, 1000000);
  return FC_OK;
}
/* n < 1000 fails at n >= 1000: err = n + 1 vs bound 1000. */
static int check_int(fc_check_result *r, const fc_case *c, const fc_check_ctx *x)
{
  set_stmt(r, (double)fc_case_dim(c, "n", 0) + 1, 1000);
  return FC_OK;
}
const fc_property toy_int_below_1000 = {
    .id = "toy.int_below_1000",
    .title = "an integer draw is below 1000",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_int,
    .check = check_int,
    .describe = NULL};

static int gen_list(fc_case *c, fc_draw *d)
{
  long n = fc_draw_size(d, 0, 30);
  if (fc_case_add_dim(c, "len", n))
    return FC_ENOMEM;
  long *v = fc_case_add_ints(c, "xs", (size_t)n, 1);
  if (!v)
    return FC_ENOMEM;
  for (long i = 0; i < n; i++)
    v[i] = fc_draw_int(d, 0, 1000);
  return FC_OK;
}
static int check_list(fc_check_result *r, const fc_case *c, const fc_check_ctx *x)
{
  size_t n;
  const long *v = fc_case_ints(c, "xs", &n, NULL);
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (double)v[i];
  set_stmt(r, s + 1, 100);
  return FC_OK;
}
const fc_property toy_sum_below_100 = {
    .id = "toy.sum_below_100",
    .title = "a list's sum is below 100",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_list,
    .check = check_list,
    .describe = NULL};

static int gen_double(fc_case *c, fc_draw *d)
{
  double *x = fc_case_add_reals(c, "x", 1, 1);
  if (!x)
    return FC_ENOMEM;
  fc_double_spec spec = {1e6, 0, 0};
  *x = fc_draw_double(d, &spec);
  return FC_OK;
}
static int check_double(fc_check_result *r, const fc_case *c, const fc_check_ctx *x)
{
  double v = fc_case_reals(c, "x", NULL, NULL)[0];
  set_stmt(r, v >= 1.5 ? 4 : 0, 1);
  return FC_OK;
}
const fc_property toy_double_below = {
    .id = "toy.double_below",
    .title = "a double is below 1.5",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_double,
    .check = check_double,
    .describe = NULL};

static int gen_vec(fc_case *c, fc_draw *d)
{
  long n = fc_draw_size(d, 1, 8);
  if (fc_case_add_dim(c, "n", n))
    return FC_ENOMEM;
  double *x = fc_case_add_reals(c, "v", (size_t)n, 1);
  if (!x)
    return FC_ENOMEM;
  fc_double_spec spec = {4, FC_SPECIAL_SIGNED_ZERO | FC_SPECIAL_TINY, 0};
  fc_draw_doubles(d, x, (size_t)n, &spec);
  return FC_OK;
}
static int check_holds(fc_check_result *r, const fc_case *c, const fc_check_ctx *x)
{
  size_t n;
  const double *v = fc_case_reals(c, "v", &n, NULL);
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += fabs(v[i]);
  /* |v_i| <= 4: the sum is at most 4n, a ratio that varies per case. */
  set_stmt(r, s, 4.0 * (double)n + 1);
  return FC_OK;
}
const fc_property toy_always_holds = {
    .id = "toy.always_holds",
    .title = "sum |v_i| <= 4 n",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_vec,
    .check = check_holds,
    .describe = NULL};
const fc_property toy_detect_never = {
    .id = "toy.detect_never",
    .title = "a negative control that never detects",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_DETECT,
    .extension = NULL,
    .generate = gen_vec,
    .check = check_holds,
    .describe = NULL};

static int gen_rot(fc_case *c, fc_draw *d)
{
  if (fc_case_add_dim(c, "n", 5))
    return FC_ENOMEM;
  return fc_draw_givens(c, d, "Q", 5, 6, 0);
}
/* "Q = I": err = max |Q - I|, bound 1/2: the simplest failure is one
 * rotation of the plane (0, 1) by a half turn (|cos - 1| = 2). */
static int check_rot(fc_check_result *r, const fc_case *c, const fc_check_ctx *x)
{
  fc_givens g;
  int rc = fc_givens_view(&g, c, "Q", 5);
  if (rc)
    return rc;
  double Q[25], m = 0;
  fc_givens_build_d(Q, &g);
  for (int i = 0; i < 25; i++)
    m = fmax(m, fabs(Q[i] - (i % 6 == 0)));
  set_stmt(r, m, 0.5);
  return FC_OK;
}
const fc_property toy_givens_identity = {
    .id = "toy.givens_identity",
    .title = "a rotation is far from the identity",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_rot,
    .check = check_rot,
    .describe = NULL};

/* A long vector: 2^k bits, k drawn in 0..14; fails when the vector has
 * 4096 entries or more, whatever the bits (as the allocator's crafted keys
 * at d = 4096 fail whatever their signs): minimal k = 12, every bit 0,
 * 4097 choices; a start at k = 14 has 16385. */
static int gen_long(fc_case *c, fc_draw *d)
{
  const long k = fc_draw_int(d, 0, 14);
  if (fc_case_add_dim(c, "n", 1L << k))
    return FC_ENOMEM;
  long *v = fc_case_add_ints(c, "bits", (size_t)1 << k, 1);
  if (!v)
    return FC_ENOMEM;
  for (long i = 0; i < (1L << k); i++)
    v[i] = fc_draw_bool(d, 0.5);
  return FC_OK;
}
static int check_long(fc_check_result *r, const fc_case *c,
                      const fc_check_ctx *x)
{
  (void)x;
  set_stmt(r, (double)fc_case_dim(c, "n", 0), 4095);
  return FC_OK;
}
const fc_property toy_long_vector = {
    .id = "toy.long_vector",
    .title = "a vector has fewer than 4096 entries",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_long,
    .check = check_long,
    .describe = NULL};

/* A small excess: a vector of n entries (n in 1..64, entries in 0..1000)
 * exceeds its bound by 24% once n >= 16, whatever its entries, as a
 * kernel's extra roundings show at size; smaller vectors pass (ratio 1/2).
 * Minimal: n = 16, every entry 0 (17 choices).  toy.excess_band adds a
 * band 4 <= n < 16 just above the bound (ratio 1.05): a shrink from a
 * failure at 1.24 must not slide onto it. */
static int gen_excess(fc_case *c, fc_draw *d)
{
  long n = fc_draw_size(d, 1, 64);
  if (fc_case_add_dim(c, "n", n))
    return FC_ENOMEM;
  long *v = fc_case_add_ints(c, "xs", (size_t)n, 1);
  if (!v)
    return FC_ENOMEM;
  for (long i = 0; i < n; i++)
    v[i] = fc_draw_int(d, 0, 1000);
  return FC_OK;
}
static int check_excess(fc_check_result *r, const fc_case *c,
                        const fc_check_ctx *x)
{
  (void)x;
  set_stmt(r, fc_case_dim(c, "n", 0) >= 16 ? 1.24 : 0.5, 1);
  return FC_OK;
}
static int check_band(fc_check_result *r, const fc_case *c,
                      const fc_check_ctx *x)
{
  (void)x;
  const long n = fc_case_dim(c, "n", 0);
  set_stmt(r, n >= 16 ? 1.24 : n >= 4 ? 1.05 : 0.5, 1);
  return FC_OK;
}
const fc_property toy_small_excess = {
    .id = "toy.small_excess",
    .title = "a vector's error stays within its bound (fails by 24% at n >= 16)",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_excess,
    .check = check_excess,
    .describe = NULL};
const fc_property toy_excess_band = {
    .id = "toy.excess_band",
    .title = "toy.small_excess with a band just above the bound at 4 <= n < 16",
    .anchors = no_anchors,
    .lean_file = NULL,
    .expect = FC_EXPECT_HOLDS,
    .extension = NULL,
    .generate = gen_excess,
    .check = check_band,
    .describe = NULL};

const fc_property *const toy_props[] = {
    &toy_int_below_1000, &toy_sum_below_100, &toy_double_below,
    &toy_always_holds, &toy_detect_never, &toy_givens_identity, NULL};

/* t-outputs.c -- where a check's comparisons failed (fc_outputs): the
 * mismatched count, the worst elements with their coordinates and values,
 * ulps counted in the declared format, the worst outputs kept when there
 * are more than FC_CHECK_OUTPUTS, merging, headlines, kernel failures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fctest.h"
#include "oracle.h"

/* A 4 x 32 output with three elements off: (2, 17) by 0.0123 (the
 * greatest difference), (0, 1) by 1e-5 against a tiny bound (the greatest
 * ratio), (3, 31) by twice its bound. */
static void three_off(fc_check_result *r)
{
  fc_check_output(r, "block out", FC_LEVEL_ACCURACY, 2, 4, 32, 0);
  for (long i = 0; i < 4 * 32; i++) {
    double want = 0.5, got = 0.5, bound = 1.2e-6;
    if (i == 2 * 32 + 17)
      got = 0.5123;
    if (i == 1) {
      got = 0.5 + 1e-5;
      bound = 1e-12;
    }
    if (i == 3 * 32 + 31)
      got = 0.5 + 2.4e-6;
    fc_check_compare(r, FC_LEVEL_ACCURACY, got, want, bound);
  }
}

static void test_elements(void)
{
  fc_check_result r;
  memset(&r, 0, sizeof r);
  three_off(&r);
  const fc_output *o = &r.outputs.out[0];
  char at[64];
  fct_ok(r.outputs.n == 1 && o->n == 128 && o->mismatched == 3,
         "3 / 128 elements mismatched (%ld / %ld)", o->mismatched, o->n);
  fct_ok(o->max_abs.index == 2 * 32 + 17 &&
             strcmp(fc_output_coords(at, sizeof at, o, o->max_abs.index),
                    "(2, 17)") == 0 &&
             o->max_abs.actual == 0.5123 && o->max_abs.expected == 0.5 &&
             o->max_abs.bound == 1.2e-6,
         "greatest absolute difference at (2, 17), actual 0.5123 vs 0.5 (%s)",
         at);
  fct_ok(o->max_ratio.index == 1 && o->max_ratio.ratio > 1e6 &&
             strcmp(fc_output_coords(at, sizeof at, o, 1), "(0, 1)") == 0,
         "greatest ratio at (0, 1): %.3g", o->max_ratio.ratio);
  fct_ok(r.level[FC_LEVEL_ACCURACY].present &&
             r.level[FC_LEVEL_ACCURACY].ratio == o->max_ratio.ratio,
         "the level's measure is the worst element's ratio");
  char head[320];
  fc_check_headline(head, sizeof head, &r, FC_LEVEL_ACCURACY);
  fct_ok(strstr(head, "block out: 3 / 128 elements mismatched") != NULL &&
             strstr(head, "at (0, 1)") != NULL,
         "headline: %s", head);
  /* Coordinates of three dimensions, and flat indices without a shape. */
  fc_output t;
  memset(&t, 0, sizeof t);
  t.ndim = 3;
  t.shape[0] = 5, t.shape[1] = 4, t.shape[2] = 8;
  fct_ok(strcmp(fc_output_coords(at, sizeof at, &t, 3 * 32 + 2 * 8 + 5),
                "(3, 2, 5)") == 0,
         "(t, head, i) coordinates: %s", at);
  t.ndim = 0;
  fct_ok(strcmp(fc_output_coords(at, sizeof at, &t, 7), "[7]") == 0,
         "no shape: a flat index (%s)", at);
  t.ndim = 2;
  fct_ok(strcmp(fc_output_coords(at, sizeof at, &t, 1000), "[1000]") == 0,
         "an index outside the shape stays flat (%s)", at);
  /* Elements compared with no output named go to an unnamed one; a NaN
   * is the worst and a mismatch. */
  memset(&r, 0, sizeof r);
  fc_check_compare(&r, FC_LEVEL_STATEMENT, 1.0, 1.0, 0.5);
  fc_check_compare(&r, FC_LEVEL_STATEMENT, NAN, 1.0, 0.5);
  fc_check_compare(&r, FC_LEVEL_STATEMENT, 3.0, 1.0, 0.5);
  o = &r.outputs.out[0];
  fct_ok(r.outputs.n == 1 && o->name[0] == '\0' && o->mismatched == 2 &&
             o->max_ratio.index == 1 && isinf(o->max_abs.err),
         "unnamed output: NaN output counted, worst (%ld mismatched, worst "
         "at %ld)", o->mismatched, o->max_ratio.index);
}

/* ulps in the declared format: 1 + 2^-23 against 1 is one fp32 ulp
 * (2^29 binary64 ulps); the default stays binary64. */
static void test_ulps(void)
{
  fc_check_result r;
  mpfr_t e;
  mpfr_init2(e, 256);
  mpfr_set_ui(e, 1, MPFR_RNDN);
  memset(&r, 0, sizeof r);
  fc_oracle_accuracy(&r, 1 + 0x1p-23, e, 1.0);
  fct_ok(r.level[FC_LEVEL_ACCURACY].ulps == 0x1p29,
         "binary64 by default: 2^29 ulps (%.3g)",
         r.level[FC_LEVEL_ACCURACY].ulps);
  memset(&r, 0, sizeof r);
  fct_ok(fc_check_format(&r, "fp32", 24, 127) == FC_OK, "fp32 format set");
  fc_check_output(&r, "rope out", FC_LEVEL_ACCURACY, 2, 1, 2, 0);
  fc_oracle_accuracy(&r, 1 + 0x1p-23, e, 1.0);
  fct_ok(r.level[FC_LEVEL_ACCURACY].ulps == 1.0 &&
             r.outputs.out[0].ulps == 1.0,
         "fp32: 1 + 2^-23 vs 1 is 1 ulp (%.3g)",
         r.level[FC_LEVEL_ACCURACY].ulps);
  mpfr_set_zero(e, 1);
  fc_oracle_accuracy(&r, 0x1p-149, e, 1.0);
  fct_ok(r.outputs.out[0].n == 2 && r.outputs.out[0].max_abs.index == 0,
         "the second element is index 1 of the same output");
  fct_ok(r.level[FC_LEVEL_ACCURACY].ulps == 1.0,
         "fp32: ulp(0) is the smallest fp32 subnormal");
  mpfr_set_ui(e, 1, MPFR_RNDN);
  mpfr_mul_2si(e, e, 200, MPFR_RNDN); /* beyond fp32's range */
  memset(&r, 0, sizeof r);
  fc_check_format(&r, "fp32", 24, 127);
  fc_oracle_accuracy(&r, 0x1p200 + 0x1p148, e, INFINITY);
  fct_ok(r.level[FC_LEVEL_ACCURACY].ulps == 0x1p44, /* 2^148 / 2^104 */
         "fp32: beyond the range, the top binade's ulp (%.3g)",
         r.level[FC_LEVEL_ACCURACY].ulps);
  fct_ok(fc_check_format(&r, "x", 1, 127) == FC_EINVAL &&
             fc_check_format(&r, "x", 24, 0) == FC_EINVAL,
         "a malformed format is refused");
  mpfr_clear(e);
}

/* Six outputs, the k-th off by k times its bound (the third by NaN): the
 * four worst are kept (NaN first), two counted as dropped, in whatever
 * order they came. */
static void fill_six(fc_check_result *r, int reverse)
{
  static const char *const names[6] = {"o0", "o1", "o2", "o3", "o4", "o5"};
  for (int j = 0; j < 6; j++) {
    const int k = reverse ? 5 - j : j;
    fc_check_output(r, names[k], FC_LEVEL_ACCURACY, 1, 2, 0, 0);
    fc_check_compare(r, FC_LEVEL_ACCURACY, 0, 0, 1);
    fc_check_compare(r, FC_LEVEL_ACCURACY, k == 2 ? NAN : (double)k, 0, 1);
  }
}

static int kept(const fc_check_result *r, const char *name)
{
  for (int i = 0; i < r->outputs.n; i++)
    if (strcmp(r->outputs.out[i].name, name) == 0)
      return 1;
  return 0;
}

static void test_keep_worst(void)
{
  for (int rev = 0; rev < 2; rev++) {
    fc_check_result r;
    memset(&r, 0, sizeof r);
    fill_six(&r, rev);
    fct_ok(r.outputs.n == FC_CHECK_OUTPUTS && r.outputs.dropped == 2 &&
               kept(&r, "o5") && kept(&r, "o4") && kept(&r, "o3") &&
               kept(&r, "o2") && !kept(&r, "o1") && !kept(&r, "o0"),
           "%s order: the four worst kept, two dropped",
           rev ? "reverse" : "forward");
    const fc_output *s[FC_CHECK_OUTPUTS];
    const int m = fc_check_outputs_sorted(s, &r, FC_LEVEL_ACCURACY);
    fct_ok(m == 4 && strcmp(s[0]->name, "o2") == 0 &&
               strcmp(s[1]->name, "o5") == 0 && strcmp(s[3]->name, "o3") == 0,
           "sorted worst first, NaN first (%s %s)", m ? s[0]->name : "-",
           m > 1 ? s[1]->name : "-");
  }
  /* Naming an output again continues it. */
  fc_check_result r;
  memset(&r, 0, sizeof r);
  fc_check_output(&r, "ctx", FC_LEVEL_ACCURACY, 1, 4, 0, 0);
  fc_check_compare(&r, FC_LEVEL_ACCURACY, 0, 0, 1);
  fc_check_output(&r, "out", FC_LEVEL_ACCURACY, 1, 4, 0, 0);
  fc_check_compare(&r, FC_LEVEL_ACCURACY, 0, 0, 1);
  fc_check_output(&r, "ctx", FC_LEVEL_ACCURACY, 1, 4, 0, 0);
  fc_check_compare(&r, FC_LEVEL_ACCURACY, 5, 0, 1);
  fct_ok(r.outputs.n == 2 && r.outputs.out[0].n == 2 &&
             r.outputs.out[0].max_ratio.index == 1,
         "an output named again continues where it stopped");
  /* Merging keeps the worst of both. */
  fc_check_result a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  fill_six(&b, 0);
  fc_check_output(&a, "a0", FC_LEVEL_STATEMENT, 0, 0, 0, 0);
  fc_check_compare(&a, FC_LEVEL_STATEMENT, 10, 0, 1);
  fc_check_merge_outputs(&a, &b);
  fct_ok(a.outputs.n == 4 && kept(&a, "a0") && kept(&a, "o5") &&
             kept(&a, "o2") && kept(&a, "o4") && !kept(&a, "o3") &&
             a.outputs.dropped == 3 && a.outputs.cur == 0,
         "merge keeps the four worst of both (dropped %d)",
         a.outputs.dropped);
  fct_ok(fc_check_output(&a, NULL, 0, 0, 0, 0, 0) == FC_EINVAL &&
             fc_check_output(&a, "x", FC_NLEVELS, 0, 0, 0, 0) == FC_EINVAL &&
             fc_check_output(&a, "x", 0, 4, 0, 0, 0) == FC_EINVAL,
         "fc_check_output refuses bad arguments");
}

static void test_kernel_failure(void)
{
  fc_check_result r;
  memset(&r, 0, sizeof r);
  fc_check_kernel_failed(&r, "kernel crashed: %s in %s (call %d)",
                         "SIGSEGV", "attention", 3);
  fc_check_kernel_failed(&r, "a later failure");
  char head[320];
  fc_check_headline(head, sizeof head, &r, FC_LEVEL_ACCURACY);
  fct_ok(strcmp(head, "kernel crashed: SIGSEGV in attention (call 3)") == 0,
         "the first kernel failure is the headline: %s", head);
  fct_ok(r.level[FC_LEVEL_ACCURACY].present &&
             isnan(r.level[FC_LEVEL_ACCURACY].ratio),
         "a kernel failure fails the accuracy level (NaN)");
  /* The text people read. */
  memset(&r, 0, sizeof r);
  three_off(&r);
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  int rc = mem ? fc_check_write_outputs(mem, &r, FC_LEVEL_ACCURACY, "  ", 0)
               : FC_ENOMEM;
  if (mem)
    fclose(mem);
  fct_ok(rc == FC_OK && buf &&
             strstr(buf, "mismatched elements: 3 / 128") != NULL &&
             strstr(buf, "greatest absolute difference: 0.0123 at (2, 17)") &&
             strstr(buf, "actual 0.5123") && strstr(buf, "exact 0.5"),
         "text: mismatched, greatest difference, actual vs exact");
  free(buf);
}

int main(void)
{
  fct_start("t-outputs");
  test_elements();
  test_ulps();
  test_keep_worst();
  test_kernel_failure();
  return fct_end();
}

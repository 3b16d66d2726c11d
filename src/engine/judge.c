/* judge.c -- measures and verdicts. */
#include <math.h>
#include "engine_internal.h"

const char *fc_level_name(fc_level l)
{
  switch (l) {
  case FC_LEVEL_STATEMENT: return "statement";
  case FC_LEVEL_CONFORMANCE: return "conformance";
  case FC_LEVEL_ACCURACY: return "accuracy";
  default: return "?";
  }
}

const char *fc_status_name(fc_status s)
{
  switch (s) {
  case FC_STATUS_PASS: return "pass";
  case FC_STATUS_FAIL: return "fail";
  case FC_STATUS_ERROR: return "error";
  case FC_STATUS_NOT_PROVIDED: return "not_provided";
  default: return "?";
  }
}

int fc_check_add_point(fc_check_result *r, int series, double x, double y)
{
  if (r == NULL || r->npoints < 0)
    return FC_EINVAL;
  if (r->npoints >= FC_CASE_POINTS)
    return FC_ERANGE;
  r->points[r->npoints].x = x;
  r->points[r->npoints].y = y;
  r->points[r->npoints].series = series;
  r->npoints++;
  return FC_OK;
}

void fc_measure_fold(fc_measure *m, double err, double bound, double ulps)
{
  const double ratio = fc_ratio_of(err, bound);
  /* NaN is the worst outcome: it must never hide behind a finite ratio. */
  if (m->present && !isnan(m->ratio) && !(isnan(ratio) || ratio > m->ratio))
    return;
  if (m->present && isnan(m->ratio))
    return;
  m->present = 1;
  m->err = err;
  m->bound = bound;
  m->ratio = ratio;
  m->ulps = ulps;
}

int fc_judge(int *level, const fc_check_result *r, const fc_property *p,
             const fc_run_config *cfg, double margin)
{
  if (r == NULL || p == NULL || cfg == NULL)
    return 0;
  if (r->oracle_fault)
    return 0; /* an oracle fault is an error, never a verdict */
  if (p->expect == FC_EXPECT_DETECT) {
    const fc_measure *m = &r->level[FC_LEVEL_STATEMENT];
    const double f =
        p->detect_factor > 0 ? p->detect_factor : cfg->detect_factor;
    if (m->present && (m->ratio > f || isnan(m->ratio))) {
      if (level)
        *level = FC_LEVEL_STATEMENT;
      return 1;
    }
    return 0;
  }
  for (int l = 0; l < FC_NLEVELS; l++) {
    const fc_measure *m = &r->level[l];
    if (m->present && (m->ratio > margin || isnan(m->ratio))) {
      if (level)
        *level = l;
      return 1;
    }
  }
  return 0;
}

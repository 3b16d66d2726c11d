/* bench_cmd.c -- the measurements of `foldcheck bench` (issues 9 and 11).
 *
 * Per property: cases per second; the MPFR oracle's share of the check
 * time (the runner's sum of fc_check_result.oracle_seconds); the MPFR
 * operations per case by kind (counted by the wrappers of opcount.c in the
 * runner's worker threads, so shrinking, which runs on the calling thread,
 * is left out); the ratio of the oracle time to the operation-count bound
 * (sum over kinds of count x the unit cost measured at start); and, for a
 * counterexample, its choices before and after shrinking, the steps and
 * the seconds.  Timings are printed, never asserted. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "foldcheck.h"
#include "cli.h"
#include "cli/opcount.h"

/* The seconds spent checking cases (the run minus its shrinking). */
static double check_seconds(const fc_prop_result *r)
{
  return r->seconds - (r->cex ? r->cex->shrink_seconds : 0);
}

/* The operation-count bound of counts, in seconds. */
static double bound_seconds(const fc_op_counts *c, const double *ns)
{
  double s = 0;
  for (int k = 0; k < FC_OP_NKINDS; k++)
    s += (double)c->n[k] * ns[k];
  return 1e-9 * s;
}

static int any_count(const fc_op_counts *c)
{
  for (int k = 0; k < FC_OP_NKINDS; k++)
    if (c->n[k])
      return 1;
  return 0;
}

/* Select as fc_run does (fc_select_properties), then run each property
 * with fc_run_property so that the operation counts can be taken between
 * properties. */
int fc_cli_bench_report(const fc_run_config *cfg, const char *const *pats)
{
  const fc_property **sel = NULL;
  size_t n = 0;
  fc_error serr = {0, ""};
  if (fc_select_properties(&sel, &n, cfg, pats, &serr) != FC_OK)
    return fc_cli_usage_error("%s", serr.msg);
  fc_prop_result *res = calloc(n ? n : 1, sizeof *res);
  fc_op_counts *cnt = calloc(n ? n : 1, sizeof *cnt);
  if (res == NULL || cnt == NULL) {
    free(sel);
    free(res);
    free(cnt);
    return fc_cli_usage_error("out of memory");
  }

  /* Unit costs first, counting off. */
  double ns[FC_OP_NKINDS] = {0};
  int counting = fc_op_count_available();
  int rc = 0;
  if (counting && fc_op_cost_measure(ns, cfg->prec) != 0)
    rc = fc_cli_usage_error("out of memory");

  size_t nres = 0;
  fc_error err = {0, ""};
  fc_op_counts junk;
  fc_op_count_enable(counting);
  for (size_t i = 0; i < n && rc == 0; i++) {
    memset(&junk, 0, sizeof junk);
    fc_op_count_take_exited(&junk);
    fc_op_count_take_self(&junk);
    if (fc_run_property(&res[nres], sel[i], cfg, &err) != FC_OK) {
      fc_prop_result_clear(&res[nres]);
      rc = fc_cli_usage_error("%s", err.msg);
      break;
    }
    fc_op_count_take_exited(&cnt[nres]); /* the worker threads: the cases */
    fc_op_count_take_self(&junk);        /* this thread: shrinking */
    nres++;
  }
  fc_op_count_enable(0);

  /* Issue 9: with the user's kernels, the same selection on the built-in
   * reference table gives the per-case overhead of the plugin or
   * subprocess path (same seed, same cases, same oracle work). */
  fc_report base;
  int have_base = 0;
  /* Issue 16: --via-provider puts a built-in table behind the provider
   * adapter (cfg->kernels its name, or NULL); the comparison is then with
   * direct calls of the same table. */
  const int via = cfg->provider != NULL &&
                  (cfg->kernels == NULL || fc_kernels_find(cfg->kernels));
  if (rc == 0 && cfg->provider != NULL) {
    fc_run_config bc = *cfg;
    bc.provider = NULL;
    bc.kernels = via ? cfg->kernels : NULL;
    if (fc_run(&base, &bc, pats, &err) != FC_OK)
      rc = fc_cli_usage_error("%s", err.msg);
    else
      have_base = 1;
  }
  if (rc != 0)
    goto out;

  const char *kname = cfg->kernels ? cfg->kernels
                                   : fc_kernels_name(fc_kernels_reference());
  printf("foldcheck %s bench: seed %" PRIu64 ", precision %ld, threads %d, "
         "kernels %s%s\n", fc_version(), cfg->seed, cfg->prec, cfg->threads,
         kname, via ? " (through the provider adapter)" : "");
  if (counting) {
    printf("MPFR unit costs at %ld bits, ns (dot, sum: per term):", cfg->prec);
    for (int k = 0; k < FC_OP_NKINDS; k++)
      printf(" %s %.1f", fc_op_kind_name[k], ns[k]);
    printf("\n");
  } else {
    printf("MPFR operation counts: unavailable (libfoldcheck's MPFR calls do "
           "not reach foldcheck's counting wrappers)\n");
  }
  printf("%-44s %7s %9s %11s %7s %6s %8s %9s %9s %17s\n", "property", "cases",
         "seconds", "cases/s", "oracle%", "P+64", "vs.ops", "shrink",
         "shrink s", "choices");
  for (size_t i = 0; i < nres; i++) {
    const fc_prop_result *r = &res[i];
    double cs = check_seconds(r);
    int th = cfg->threads > 1 ? cfg->threads : 1;
    if (r->cases > 0 && r->cases < th)
      th = (int)r->cases;
    printf("%-44s %7ld %9.3f %11.1f", r->prop->id, r->cases, cs,
           cs > 0 ? (double)r->cases / cs : 0.0);
    if (cs > 0 && r->oracle_seconds > 0)
      printf(" %7.1f", 100 * r->oracle_seconds / (cs * th));
    else
      printf(" %7s", "-");
    printf(" %6ld", r->recomputed);
    double b = counting ? bound_seconds(&cnt[i], ns) : 0;
    if (b > 0 && r->oracle_seconds > 0)
      printf(" %8.2f", r->oracle_seconds / b);
    else
      printf(" %8s", "-");
    if (r->cex) {
      char ch[40];
      snprintf(ch, sizeof ch, "%zu->%zu", r->cex->orig_nchoices,
               r->cex->nchoices);
      printf(" %9ld %9.3f %17s%s", r->cex->shrink_steps,
             r->cex->shrink_seconds, ch,
             r->cex->shrink_time_limited ? " (time-limited)" : "");
    }
    printf("\n");
  }
  if (counting) {
    int header = 0;
    for (size_t i = 0; i < nres; i++) {
      const fc_prop_result *r = &res[i];
      if (!any_count(&cnt[i]) || r->cases <= 0)
        continue;
      if (!header) {
        printf("\nMPFR operations per case (the random cases; dot, sum: "
               "terms), their bound and the oracle time, us per case:\n");
        printf("%-44s", "property");
        for (int k = 0; k < FC_OP_NKINDS; k++)
          printf(" %9s", fc_op_kind_name[k]);
        printf(" %10s %10s\n", "bound us", "oracle us");
        header = 1;
      }
      double per = 1.0 / (double)r->cases;
      printf("%-44s", r->prop->id);
      for (int k = 0; k < FC_OP_NKINDS; k++)
        printf(" %9.1f", (double)cnt[i].n[k] * per);
      printf(" %10.1f %10.1f\n", 1e6 * bound_seconds(&cnt[i], ns) * per,
             1e6 * r->oracle_seconds * per);
    }
  }
  if (have_base) {
    if (via)
      printf("\nper-case overhead of the provider path vs direct calls of "
             "the same table (same cases; checks only, shrinking "
             "excluded):\n");
    else
      printf("\nper-case overhead vs the built-in reference table (same "
             "cases; checks only, shrinking excluded):\n");
    printf("%-44s %12s %12s %14s\n", "property",
           via ? "direct/s" : "built-in/s", via ? "provider/s" : "these/s",
           "overhead us");
    for (size_t i = 0; i < nres && i < base.n; i++) {
      const fc_prop_result *r = &res[i], *bb = &base.results[i];
      double rs = check_seconds(r), bs = check_seconds(bb);
      if (r->cases <= 0 || bb->cases <= 0 || rs <= 0 || bs <= 0)
        continue;
      printf("%-44s %12.1f %12.1f %14.1f\n", r->prop->id,
             (double)bb->cases / bs, (double)r->cases / rs,
             1e6 * (rs / (double)r->cases - bs / (double)bb->cases));
    }
    fc_report_clear(&base);
  }
out:
  for (size_t i = 0; i < nres; i++)
    fc_prop_result_clear(&res[i]);
  free(res);
  free(cnt);
  free(sel);
  return rc;
}

/* t-coverage.c -- driven by the registries, so nothing new escapes:
 * every Lean anchor of SPEC.md has a property that must hold and a negative
 * control that drops a hypothesis; every registered negative control is
 * detected, shrunk and replayed; every mutant kernel table is caught (and
 * shrunk) by the properties it names. */
#include <string.h>
#include "fctest.h"

int main(void)
{
  fct_start("t-coverage");
  fc_run_config cfg;
  fct_config(&cfg);

  for (size_t i = 0; i < fc_anchors_count(); i++) {
    const fc_anchor *a = fc_anchors_at(i);
    size_t holds = 0, detect = 0;
    fc_anchor_properties(NULL, 0, &holds, &detect, a->name);
    fct_ok(holds > 0 && detect > 0,
           "anchor %s: %zu properties that must hold, %zu negative controls",
           a->name, holds, detect);
  }

  /* Every property names only anchors of the table (no typos). */
  for (size_t i = 0; i < fc_properties_count(); i++) {
    const fc_property *p = fc_properties_at(i);
    int known = 1;
    for (const char *const *a = p->anchors; a && *a; a++)
      known &= fc_anchors_find(*a) != NULL;
    if (!known || p->anchors == NULL)
      fct_ok(0, "%s names an anchor outside the table", p->id);
    if ((p->anchors == NULL || p->anchors[0] == NULL) && p->extension == NULL)
      fct_ok(0, "%s has neither an anchor nor an extension note", p->id);
  }

  size_t ncontrols = 0;
  for (size_t i = 0; i < fc_properties_count(); i++) {
    const fc_property *p = fc_properties_at(i);
    if (p->expect != FC_EXPECT_DETECT)
      continue;
    ncontrols++;
    fct_expect_pass(p->id, &cfg);
  }
  fct_diag("%zu negative controls", ncontrols);

  size_t nmut = 0;
  for (size_t i = 0; i < fc_kernels_count(); i++) {
    const fc_kernels *k = fc_kernels_at(i);
    if (!fc_kernels_is_mutant(k))
      continue;
    nmut++;
    fc_run_config c = cfg;
    c.kernels = fc_kernels_name(k);
    const char *targets[2] = {fc_kernels_targets(k), NULL};
    fc_report rep;
    fc_error err = {0, ""};
    if (!fct_ok(fc_run(&rep, &c, targets, &err) == FC_OK, "%s runs %s (%s)",
                fc_kernels_name(k), targets[0], err.msg))
      continue;
    const fc_prop_result *by = NULL;
    for (size_t r = 0; r < rep.n && !by; r++)
      if (rep.results[r].prop->expect == FC_EXPECT_HOLDS &&
          rep.results[r].status == FC_STATUS_FAIL && rep.results[r].cex)
        by = &rep.results[r];
    fct_ok(by != NULL, "%s is caught by %s%s%s", fc_kernels_name(k),
           targets[0], by ? ": " : "", by ? by->prop->id : "");
    if (by)
      fct_ok(by->cex->nchoices <= by->cex->orig_nchoices,
             "%s: counterexample shrunk from %zu to %zu choices",
             fc_kernels_name(k), by->cex->orig_nchoices, by->cex->nchoices);
    fc_report_clear(&rep);
  }
  fct_diag("%zu mutant kernel tables", nmut);
  return fct_end();
}

/* run_named.c -- the runner's entry points by name (issue 16, item 7).
 *
 * The engine (src/engine) runs what it is given: a list of properties and
 * the kernel table they call (fc_run_props, fc_run_property_with,
 * fc_eval_choices_with); it looks up neither the registry nor a kernel
 * table.  This file is the lookup: properties selected from the registry
 * by patterns, exclusions, an id list and a shard (fc_select_properties),
 * the kernel table named by cfg->kernels, or the reference carrying an
 * external provider (fc_kernels_resolve), then the engine.  fc_run,
 * fc_run_property and fc_eval_choices keep their contracts (foldcheck.h). */
#include <stdlib.h>
#include <string.h>
#include "props.h"
#include "kernels/kernels.h"

static int matches_any(const char *id, const char *const *patterns)
{
  for (const char *const *q = patterns; q && *q; q++)
    if (fc_pattern_match(*q, id))
      return 1;
  return 0;
}

static int selected(const char *id, const char *const *patterns,
                    const fc_run_config *cfg)
{
  if (patterns != NULL && patterns[0] != NULL && !matches_any(id, patterns))
    return 0;
  if (matches_any(id, cfg->exclude))
    return 0;
  if (cfg->only == NULL)
    return 1;
  for (const char *const *q = cfg->only; *q; q++)
    if (strcmp(*q, id) == 0)
      return 1;
  return 0;
}

/* The first of patterns that matches no property, or NULL. */
static const char *unmatched(const char *const *patterns)
{
  for (const char *const *q = patterns; q && *q; q++) {
    int any = 0;
    for (size_t i = 0, np = fc_properties_count(); i < np && !any; i++)
      any = fc_pattern_match(*q, fc_properties_at(i)->id);
    if (!any)
      return *q;
  }
  return NULL;
}

int fc_select_properties(const fc_property ***out, size_t *n,
                         const fc_run_config *cfg,
                         const char *const *patterns, fc_error *err)
{
  if (out == NULL || n == NULL || cfg == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_select_properties: NULL argument");
  *out = NULL;
  *n = 0;
  /* Every pattern must select something: a typo is an error, not a pass;
   * an exclusion with a typo would run what was meant to be left out. */
  const char *typo = unmatched(patterns);
  if (typo != NULL)
    return fc_error_set(err, FC_ENOTFOUND,
                        "no property matches '%s' (see 'foldcheck list')",
                        typo);
  if ((typo = unmatched(cfg->exclude)) != NULL)
    return fc_error_set(err, FC_ENOTFOUND, "--exclude '%s' matches no "
                        "property (see 'foldcheck list')", typo);
  for (const char *const *q = cfg->only; q && *q; q++)
    if (fc_properties_find(*q) == NULL)
      return fc_error_set(err, FC_ENOTFOUND, "no property has the id '%s' "
                          "(see 'foldcheck list')", *q);
  if (cfg->shard_count < 0 || cfg->shard_count > FC_SHARDS_MAX ||
      (cfg->shard_count > 1 &&
       (cfg->shard_index < 1 || cfg->shard_index > cfg->shard_count)))
    return fc_error_set(err, FC_ERANGE, "shard must be K/N with 1 <= K <= N "
                        "<= %d, got %d/%d", FC_SHARDS_MAX, cfg->shard_index,
                        cfg->shard_count);
  size_t total = fc_properties_count(), m = 0;
  const fc_property **sel = calloc(total ? total : 1, sizeof *sel);
  int *shard_of = calloc(total ? total : 1, sizeof *shard_of);
  if (sel == NULL || shard_of == NULL) {
    free(sel);
    free(shard_of);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < total; i++)
    if (selected(fc_properties_at(i)->id, patterns, cfg))
      sel[m++] = fc_properties_at(i);
  /* Before sharding: an empty shard of a non-empty selection is fine. */
  if (m == 0 && (cfg->exclude != NULL || cfg->only != NULL)) {
    free(sel);
    free(shard_of);
    return fc_error_set(err, FC_ENOTFOUND, "no property is left to run once "
                        "%s applied", cfg->only && cfg->exclude
                                          ? "the exclusions and the id list are"
                                          : cfg->only ? "the id list is"
                                                      : "the exclusions are");
  }
  if (cfg->shard_count > 1) {
    fc_shard_assign(shard_of, sel, m, cfg);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
      if (shard_of[i] == cfg->shard_index)
        sel[k++] = sel[i];
    m = k;
  }
  free(shard_of);
  *out = sel;
  *n = m;
  return FC_OK;
}

/* cfg checked, then its kernel table into *k (scratch: see
 * fc_kernels_resolve); FC_OK or the error with its message. */
static int resolve(const fc_kernels **k, fc_kernels *scratch,
                   const fc_run_config *cfg, fc_error *err)
{
  int rc = fc_run_config_check(cfg, err);
  if (rc != FC_OK)
    return rc;
  *k = fc_kernels_resolve(scratch, cfg);
  return *k != NULL ? FC_OK
                    : fc_error_set(err, FC_ENOTFOUND, "unknown kernel table "
                                   "'%s'", cfg->kernels);
}

int fc_run(fc_report *rep, const fc_run_config *cfg,
           const char *const *patterns, fc_error *err)
{
  if (rep == NULL || cfg == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_run: NULL argument");
  memset(rep, 0, sizeof *rep);
  fc_kernels kscratch;
  const fc_kernels *k = NULL;
  int rc = resolve(&k, &kscratch, cfg, err);
  if (rc != FC_OK)
    return rc;
  const fc_property **sel = NULL;
  size_t n = 0;
  rc = fc_select_properties(&sel, &n, cfg, patterns, err);
  if (rc != FC_OK)
    return rc;
  rc = fc_run_props(rep, cfg, sel, n, k, err);
  free(sel);
  return rc;
}

int fc_run_property(fc_prop_result *res, const fc_property *p,
                    const fc_run_config *cfg, fc_error *err)
{
  if (res == NULL || p == NULL || cfg == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_run_property: NULL argument");
  fc_kernels kscratch;
  const fc_kernels *k = NULL;
  int rc = resolve(&k, &kscratch, cfg, err);
  return rc != FC_OK ? rc : fc_run_property_with(res, p, cfg, k, err);
}

int fc_eval_choices(fc_check_result *r, int *failed, int *level, fc_case *c,
                    const fc_property *p, const uint64_t *choices, size_t n,
                    const fc_run_config *cfg, double margin)
{
  if (cfg == NULL)
    return FC_EINVAL;
  fc_kernels kscratch;
  const fc_kernels *k = fc_kernels_resolve(&kscratch, cfg);
  if (k == NULL)
    return FC_ENOTFOUND;
  return fc_eval_choices_with(r, failed, level, c, p, choices, n, cfg, k,
                              margin);
}

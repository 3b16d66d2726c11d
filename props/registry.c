/* registry.c -- every built-in property, family by family in SPEC.md order. */
#include <stdlib.h>
#include <string.h>
#include "props.h"

static const fc_property *const *const families[] = {
    fc_family_commutant2d, /* F1 */
    fc_family_schur,       /* F2 */
    fc_family_commutant,   /* F3 */
    fc_family_rope_large,  /* F3 RoPE at realistic sizes */
    fc_family_fold,        /* F4 */
    fc_family_multihead,   /* F5 */
    fc_family_fold_large,  /* F4-F6 at realistic sizes */
    fc_family_gauge,       /* F6 */
    fc_family_amplification, /* F7 */
    fc_family_signquant,     /* F8 */
    fc_family_moment,        /* F9 */
    fc_family_allocator,     /* F10 */
    fc_family_contract,      /* issue 9: the user's own kernels */
};

size_t fc_properties_count(void)
{
  size_t n = 0;
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
    for (const fc_property *const *p = families[f]; *p; p++)
      n++;
  return n;
}

const fc_property *fc_properties_at(size_t i)
{
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
    for (const fc_property *const *p = families[f]; *p; p++)
      if (i-- == 0)
        return *p;
  return NULL;
}

/* Replay records of the registry's properties (and of `extra`, first):
 * the engine's decoder (fc_replay_decode_only) with the registry as its
 * list, so the engine itself looks up no registry. */
int fc_replay_decode_ex(fc_replay *rp, const char *text,
                        const fc_property *const *extra, fc_error *err)
{
  size_t ne = 0, n = fc_properties_count();
  while (extra != NULL && extra[ne] != NULL)
    ne++;
  const fc_property **all = calloc(ne + n + 1, sizeof *all);
  if (all == NULL) {
    if (rp != NULL)
      memset(rp, 0, sizeof *rp);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < ne; i++)
    all[i] = extra[i];
  for (size_t i = 0; i < n; i++)
    all[ne + i] = fc_properties_at(i);
  int rc = fc_replay_decode_only(rp, text, all, err);
  free(all);
  return rc;
}

int fc_replay_decode(fc_replay *rp, const char *text, fc_error *err)
{
  return fc_replay_decode_ex(rp, text, NULL, err);
}

const fc_property *fc_properties_find(const char *id)
{
  if (id == NULL)
    return NULL;
  for (size_t i = 0, n = fc_properties_count(); i < n; i++)
    if (strcmp(fc_properties_at(i)->id, id) == 0)
      return fc_properties_at(i);
  return NULL;
}

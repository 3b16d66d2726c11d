/* table.c -- the kernel tables: the reference and its mutants.
 *
 * A mutant is the reference with one realistic bug injected into one
 * sub-table.  Each names the property pattern that must catch it; the test
 * suite (tests/t-mutants) and `foldcheck mutants` prove each is caught and
 * shrunk. */
#include <string.h>
#include "kernels.h"
#include "lin.h"
#include "rope.h"
#include "attn.h"
#include "quant.h"

/* The reference sub-table of each family, each ending in a comma, empty
 * while the family has no kernels yet (a family fills in its own line).  A
 * mutant of family X lists FC_REF_BUT_X and then its own sub-table, so no
 * field is initialised twice (-Woverride-init stays quiet). */
#define FC_REF_LIN .lin = &fc_kern_lin_ref,
#define FC_REF_ROPE .rope = &fc_kern_rope_ref,
#define FC_REF_ATTN .attn = &fc_kern_attn_ref,
#define FC_REF_QUANT .quant = &fc_kern_quant_ref,

#define FC_REF_TABLES FC_REF_LIN FC_REF_ROPE FC_REF_ATTN FC_REF_QUANT
#define FC_REF_BUT_LIN FC_REF_ROPE FC_REF_ATTN FC_REF_QUANT
#define FC_REF_BUT_ROPE FC_REF_LIN FC_REF_ATTN FC_REF_QUANT
#define FC_REF_BUT_ATTN FC_REF_LIN FC_REF_ROPE FC_REF_QUANT
#define FC_REF_BUT_QUANT FC_REF_LIN FC_REF_ROPE FC_REF_ATTN

static const fc_kernels tables[] = {
    {.name = "reference",
     .description = "the reference double kernels (OpenBLAS where it fits)",
     .targets = NULL,
     FC_REF_TABLES},
    /* F1/F2 mutants (src/kernels/lin.c). */
    FC_LIN_MUTANTS,
    /* F3 mutants (src/kernels/rope.c). */
    FC_ROPE_MUTANTS,
    /* F4-F6 mutants (src/kernels/attn.c). */
    FC_ATTN_MUTANTS,
    /* F7/F8/F10 mutants (src/kernels/quant.c). */
    FC_QUANT_MUTANTS
};

size_t fc_kernels_count(void) { return sizeof tables / sizeof tables[0]; }

const fc_kernels *fc_kernels_at(size_t i)
{
  return i < fc_kernels_count() ? &tables[i] : NULL;
}

const fc_kernels *fc_kernels_reference(void) { return &tables[0]; }

const fc_kernels *fc_kernels_find(const char *name)
{
  if (name == NULL)
    return NULL;
  for (size_t i = 0; i < fc_kernels_count(); i++)
    if (strcmp(tables[i].name, name) == 0)
      return &tables[i];
  return NULL;
}

const char *fc_kernels_name(const fc_kernels *k) { return k ? k->name : "(none)"; }
const char *fc_kernels_description(const fc_kernels *k) { return k ? k->description : ""; }
const char *fc_kernels_targets(const fc_kernels *k) { return k ? k->targets : NULL; }
int fc_kernels_is_mutant(const fc_kernels *k) { return k != NULL && k->targets != NULL; }

const fc_kernels *fc_kernels_resolve(fc_kernels *scratch,
                                     const fc_run_config *cfg)
{
  if (cfg->provider != NULL) {
    *scratch = tables[0];
    scratch->provider = cfg->provider;
    return scratch;
  }
  return cfg->kernels ? fc_kernels_find(cfg->kernels) : &tables[0];
}

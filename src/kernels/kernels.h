/* kernels.h -- the kernel table (internal).
 *
 * Double kernels are reached only through a table of function pointers
 * (DESIGN.md).  The table is a composite of per-family sub-tables, each
 * declared in its own header, so a mutant replaces one sub-table (or one
 * function in a copy of it) and leaves the rest as the reference.
 *
 * A kernel never consults the oracle and computes values only: the bound
 * a property judges it against is the harness's (src/bounds, at the table's
 * declared arithmetic fp64/fp64), the same for the reference and every
 * mutant (issue 16).  FC_U and fc_gamma below serve the kernels' own
 * algorithms (the certified allocator's escalation enclosure). */
#ifndef FC_KERNELS_H
#define FC_KERNELS_H

#include "foldcheck.h"

/* Unit roundoff of binary64 and Higham's gamma_n = n u / (1 - n u). */
#define FC_U 0x1p-53
static inline double fc_gamma(double n) { return n * FC_U / (1.0 - n * FC_U); }

struct fc_kern_lin;   /* small dense linear algebra: src/kernels/lin.h */
struct fc_kern_rope;  /* RoPE application: src/kernels/rope.h */
struct fc_kern_attn;  /* attention: src/kernels/attn.h */
struct fc_kern_quant; /* quantisation geometry: src/kernels/quant.h */

struct fc_kernels {
  const char *name;        /* "reference", "mutant-..." */
  const char *description; /* one line: what is wrong with it */
  const char *targets;     /* mutant: property pattern that must catch it */
  const struct fc_kern_lin *lin;
  const struct fc_kern_rope *rope;
  const struct fc_kern_attn *attn;
  const struct fc_kern_quant *quant;
  /* Issue 9: the user's kernels (a struct fc_kprov, src/contract/
   * provider.h) for the contract.* properties, or NULL: they adapt this
   * table.  Set only on the runner's per-run copy of the reference
   * (fc_kernels_resolve); the static tables leave it NULL. */
  void *provider;
};

/* The table a run checks: cfg->kernels by name, or, with cfg->provider,
 * a copy of the reference carrying the provider in *scratch (which must
 * outlive the use).  NULL for an unknown name. */
const fc_kernels *fc_kernels_resolve(fc_kernels *scratch,
                                     const fc_run_config *cfg);

/* Reference sub-tables (defined in the family files). */
extern const struct fc_kern_lin fc_kern_lin_ref;
extern const struct fc_kern_rope fc_kern_rope_ref;
extern const struct fc_kern_attn fc_kern_attn_ref;
extern const struct fc_kern_quant fc_kern_quant_ref;

#endif

/* props.h -- shared by the property families (internal).
 *
 * One file per family of SPEC.md (props/commutant2d.c ...), each exporting a
 * NULL-terminated array of properties that props/registry.c lists. */
#ifndef FC_PROPS_H
#define FC_PROPS_H

#include "foldcheck.h"
#include "kernels/kernels.h"
#include "oracle.h"

/* The family arrays, in SPEC.md order (registry.c). */
extern const fc_property *const fc_family_commutant2d[]; /* F1 */
extern const fc_property *const fc_family_schur[];       /* F2 */
extern const fc_property *const fc_family_commutant[];   /* F3 */
extern const fc_property *const fc_family_fold[];        /* F4 */
extern const fc_property *const fc_family_multihead[];   /* F5 */
extern const fc_property *const fc_family_fold_large[]; /* F4-F6 large */
extern const fc_property *const fc_family_rope_large[]; /* F3 RoPE large */
extern const fc_property *const fc_family_gauge[];       /* F6 */
extern const fc_property *const fc_family_amplification[]; /* F7 */
extern const fc_property *const fc_family_signquant[];     /* F8 */
extern const fc_property *const fc_family_moment[];        /* F9 */
extern const fc_property *const fc_family_allocator[];     /* F10 */
extern const fc_property *const fc_family_contract[]; /* issue 9 */

/* Extract the "lin" sub-table of the kernels under test. */
#define FC_LIN(x) ((x)->kernels->lin)

#endif

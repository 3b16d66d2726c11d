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

/* Input values from a seed (seeded.c), every one an exact double: level 0
 * in {-1, 0, 1}, 1 k/16 in [-1, 1], 2 wide dyadics (24-bit mantissas) in
 * [-4, 4], 3 the same times 2^e, e in [-20, 20] per entry; all times
 * scale (a power of two).  *s advances (SplitMix64). */
uint64_t fc_splitmix(uint64_t *s);
void fc_fill_seeded(double *a, size_t n, uint64_t *s, long level,
                    double scale);

#endif

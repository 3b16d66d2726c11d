/* toys.h -- toy properties with known minimal counterexamples, for the
 * engine's own tests.  Each fails when its value crosses a threshold; the
 * statement level carries err = value, bound = threshold. */
#ifndef FC_TOYS_H
#define FC_TOYS_H
#include "foldcheck.h"

extern const fc_property toy_int_below_1000; /* minimal: n = 1000 */
extern const fc_property toy_sum_below_100;  /* minimal: [100] */
extern const fc_property toy_double_below;   /* minimal: 2.0 */
extern const fc_property toy_always_holds;   /* never fails */
extern const fc_property toy_detect_never;   /* negative control, never
                                                detected: must fail */
extern const fc_property toy_givens_identity;/* "rotation is identity":
                                                minimal: one rotation,
                                                planes (0,1), half turn */
extern const fc_property toy_long_vector;   /* minimal: 4096 zero bits
                                                (4097 choices) */
extern const fc_property toy_small_excess;  /* ratio 1.24 at n >= 16:
                                                minimal: n = 16, zeros */
extern const fc_property toy_excess_band;   /* the same, and ratio 1.05
                                                at 4 <= n < 16 */
extern const fc_property *const toy_props[];
#endif

/* fold_multi.c -- F5: multi-head, residual and shell (Symmetry.lean).
 *
 * Heads h = 1..H, each with its own RoPE schedule Theta_h (or one shared),
 * its own commuting orthogonal R_h (or one shared R), contexts
 * concatenated and projected by one Wo, which absorbs
 * B(R)^T = blockdiag(R_1 .. R_H)^T on its columns; the residual block adds
 * x; the shell puts RMSNorm with gain before attention.  Grouped-query
 * attention (beyond the anchors): one rotation per key/value group.
 *
 * The check is the fold experiment (foldx.c): statement in MPFR,
 * conformance and accuracy of the selected kernels (the run's provider,
 * harness bounds at the declared arithmetic; per-head schedules go through
 * one attention_block call per key/value head, and scores and contexts,
 * which the kernel contract does not expose, are judged through the block
 * output).  Negative controls: Wo
 * compensated with the heads in the wrong order; B(R) applied to the rows
 * of Wo instead of its columns; one head's R_h non-commuting; in GQA,
 * different rotations inside one key/value group. */
#include "foldx_internal.h"

static const char *const a_lift[] = {"headwise_lift", NULL};
static const char *const a_mh[] = {
    "multiHead_folded_qkvo_attention_block_invariant_of_commutes", NULL};
static const char *const a_rmh[] = {
    "residual_multiHead_folded_qkvo_attention_block_invariant_of_commutes",
    NULL};
static const char *const a_cp[] = {
    "concatProjectedMultiHeadRopeAttentionBlockOutput_invariant_of_commutes",
    NULL};
static const char *const a_rcp[] = {
    "residualConcatProjectedMultiHeadRopeAttentionBlockOutput_invariant_of_"
    "commutes",
    NULL};
static const char *const a_shell[] = {
    "transformerShellRopeBlockOutput_invariant_of_commutes", NULL};
static const char *const a_none[] = {NULL};

/* Multi-head sizes: 1 to 8 heads, d up to 8, T up to 6, dm up to 12. */
#define MULTI_(hmin, dmin, out)                                            \
  .heads_min = hmin, .heads_max = 8, .output = out, .big = 1, .rope = 1,     \
  .d_min = dmin, .d_max = 8, .T_max = 6, .dm_max = 12
#define MULTI MULTI_(1, 2, 1)
/* Negative controls: the shrink-friendly grid with small maxima. */
#define NEG_(hmin, hmax, dmin, dmax)                                         \
  .heads_min = hmin, .heads_max = hmax, .output = 1, .rope = 1, .neg = 1,    \
  .grid = 1, .d_min = dmin, .d_max = dmax, .T_max = 3, .dm_max = 2

FC_FX_GENERATOR(lift, MULTI_(1, 2, 0), .shared = 1,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .compare = FX_CMP_SCORES | FX_CMP_CTX)
FC_FX_GENERATOR(mh, MULTI, .shared = 1, .kind = FX_KIND_COMMUTING,
                .rewrite = FX_QKVO, .compare = FX_CMP_OUT)
FC_FX_GENERATOR(rmh, MULTI, .shared = 1, .residual = 1,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(cp, MULTI, .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .compare = FX_CMP_CTX | FX_CMP_OUT)
FC_FX_GENERATOR(rcp, MULTI, .residual = 1, .kind = FX_KIND_COMMUTING,
                .rewrite = FX_QKVO, .compare = FX_CMP_OUT)
FC_FX_GENERATOR(shell, MULTI, .residual = 1, .norm = 1,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(gqa, MULTI, .gqa = 1, .residual = 1,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .compare = FX_CMP_SCORES | FX_CMP_OUT)
FC_FX_GENERATOR(n_order, NEG_(2, 3, 2, 6),
                .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .o_mode = FX_O_REVERSED, .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_rows, NEG_(1, 2, 2, 4), .kind = FX_KIND_COMMUTING,
                .rewrite = FX_QKVO, .o_mode = FX_O_ROWS,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_bad, NEG_(2, 3, 4, 6),
                .bad_head = 1, .kind = FX_KIND_COMMUTING,
                .rewrite = FX_QKVO, .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_split, NEG_(1, 4, 2, 6), .gqa = 1, .gqa_split = 1,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .compare = FX_CMP_SCORES | FX_CMP_OUT)
/* Each remaining anchor with its commutation hypothesis dropped, in that
 * anchor's own configuration (shared R, residual, shell). */
FC_FX_GENERATOR(n_lift, NEG_(1, 3, 4, 6), .shared = 1,
                .kind = FX_KIND_MIXING, .rewrite = FX_QKVO,
                .compare = FX_CMP_SCORES | FX_CMP_CTX)
FC_FX_GENERATOR(n_mh, NEG_(1, 3, 4, 6), .shared = 1,
                .kind = FX_KIND_MIXING, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_rmh, NEG_(1, 3, 4, 6), .shared = 1, .residual = 1,
                .kind = FX_KIND_MIXING, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_rcp, NEG_(2, 3, 4, 6), .residual = 1, .bad_head = 1,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_shell, NEG_(2, 3, 4, 6), .residual = 1, .norm = 1,
                .bad_head = 1, .kind = FX_KIND_COMMUTING,
                .rewrite = FX_QKVO, .compare = FX_CMP_OUT)

#define PROP(var, pid, ttl, anc, exp, ext, gen)                             \
  static const fc_property var = {.id = pid,                                 \
                                   .title = ttl,                             \
                                   .anchors = anc,                           \
                                   .lean_file = "Symmetry.lean",             \
                                   .expect = exp,                            \
                                   .extension = ext,                         \
                                   .generate = gen,                          \
                                   .check = fc_fx_check,                     \
                                   .kernels_via = FC_KV_PROVIDER,               \
                                   .describe = fc_fx_describe}

PROP(p_lift, "fold.multi.headwise_lift",
     "a shared commuting orthogonal R lifted across a bundle of heads: "
     "every head's scores unchanged, every context rotated by R",
     a_lift, FC_EXPECT_HOLDS, NULL, lift_gen);
PROP(p_mh, "fold.multi.folded_qkvo",
     "one shared commuting orthogonal R folded into every head's Q/K/V and "
     "the shared Wo: the multi-head block output is unchanged",
     a_mh, FC_EXPECT_HOLDS, NULL, mh_gen);
PROP(p_rmh, "fold.multi.residual_folded_qkvo",
     "the same with the residual add: x + block output unchanged", a_rmh,
     FC_EXPECT_HOLDS, NULL, rmh_gen);
PROP(p_cp, "fold.multi.concat_projected",
     "per-head schedules and commuting rotations R_h, concat, one Wo "
     "absorbing B(R)^T: contexts R_h ctx_h and the output unchanged",
     a_cp, FC_EXPECT_HOLDS, NULL, cp_gen);
PROP(p_rcp, "fold.multi.residual_concat_projected",
     "the same with the residual add", a_rcp, FC_EXPECT_HOLDS, NULL,
     rcp_gen);
PROP(p_shell, "fold.multi.shell",
     "transformer shell: RMSNorm with gain, per-head RoPE attention, concat, "
     "output projection, residual add: unchanged by per-head folding",
     a_shell, FC_EXPECT_HOLDS, NULL, shell_gen);
PROP(p_gqa, "fold.multi.gqa_group_rotation",
     "grouped-query attention: one commuting rotation per key/value group, "
     "shared by the group's query heads: scores and output unchanged",
     a_none, FC_EXPECT_HOLDS,
     "grouped-query attention, one rotation per KV group",
     gqa_gen);
PROP(p_n_order, "fold.multi.neg.wrong_head_order",
     "negative control: Wo compensated with the heads in the wrong order "
     "(B(R) with the head rotations reversed)",
     a_cp, FC_EXPECT_DETECT, NULL, n_order_gen);
PROP(p_n_rows, "fold.multi.neg.rows_not_columns",
     "negative control: B(R)^T applied to the rows of Wo instead of its "
     "columns",
     a_cp, FC_EXPECT_DETECT, NULL, n_rows_gen);
PROP(p_n_bad, "fold.multi.neg.one_head_noncommuting",
     "negative control: one head's R_h does not commute with its schedule",
     a_cp, FC_EXPECT_DETECT, NULL, n_bad_gen);
PROP(p_n_split, "fold.multi.neg.gqa_split_group",
     "negative control: in grouped-query attention, different rotations "
     "inside one key/value group",
     a_none, FC_EXPECT_DETECT,
     "grouped-query attention, split group", n_split_gen);

PROP(p_n_lift, "fold.multi.neg.lift_noncommuting",
     "negative control: a shared orthogonal R that does not commute, lifted "
     "across the heads: scores or contexts change",
     a_lift, FC_EXPECT_DETECT, NULL, n_lift_gen);
PROP(p_n_mh, "fold.multi.neg.shared_noncommuting",
     "negative control: one shared non-commuting R folded into every head "
     "and Wo: the multi-head output changes",
     a_mh, FC_EXPECT_DETECT, NULL, n_mh_gen);
PROP(p_n_rmh, "fold.multi.neg.residual_shared_noncommuting",
     "negative control: the same with the residual add", a_rmh,
     FC_EXPECT_DETECT, NULL, n_rmh_gen);
PROP(p_n_rcp, "fold.multi.neg.residual_one_head_noncommuting",
     "negative control: per-head rotations with one non-commuting, concat, "
     "Wo B(R)^T, residual add: the block changes",
     a_rcp, FC_EXPECT_DETECT, NULL, n_rcp_gen);
PROP(p_n_shell, "fold.multi.neg.shell_one_head_noncommuting",
     "negative control: the transformer shell with one head's rotation "
     "non-commuting: the shell output changes",
     a_shell, FC_EXPECT_DETECT, NULL, n_shell_gen);

const fc_property *const fc_family_multihead[] = {
    &p_lift,  &p_mh,    &p_rmh,   &p_cp,    &p_rcp,     &p_shell,
    &p_gqa,   &p_n_order, &p_n_rows, &p_n_bad, &p_n_split,
    &p_n_lift, &p_n_mh, &p_n_rmh, &p_n_rcp, &p_n_shell, NULL};

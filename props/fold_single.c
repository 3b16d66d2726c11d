/* fold_single.c -- F4: single-head folding (Symmetry.lean).
 *
 * Head: q_t = Theta(p_t) Wq x_t, k_t = Theta(p_t) Wk x_t, v_t = Wv x_t,
 * s_tu = q_t . k_u / sqrt(d) (optional causal mask), a_t = softmax(s_t),
 * ctx_t = sum_u a_tu v_u, out_t = Wo ctx_t.  Folding by R: Wq, Wk, Wv ->
 * R Wq, R Wk, R Wv and Wo -> Wo R^T.  If R^T R = I and R Theta(p) =
 * Theta(p) R for every p: scores unchanged, ctx' = R ctx, out' = out.
 *
 * Each property runs the fold experiment (foldx.c): the statement in MPFR
 * (original vs folded block, P and P + 64 bits, on the inputs as the
 * kernels hold them), the same identity through the selected kernels
 * (fold_weights and attention_block of the run's provider: the built-in
 * reference or a mutant, a plugin, an exec client) against the harness's
 * bounds at the declared arithmetic (conformance), and every kernel output
 * against the oracle (accuracy).  The kernel contract exposes no scores
 * and no contexts: a property about them is judged through the kernels on
 * the block output, which its statement implies.  Inputs: RoPE
 * schedules of every kind (presets, repeated and zero frequencies, partial
 * rotary, near-collisions), positions from 0 to 2^20, causal and full
 * masks, and inputs scaled up to 2^6 (score ranges of 1e4 and more, a
 * saturated softmax).
 *
 * Negative controls (each must be detected and shrunk): a non-commuting
 * orthogonal R (shrinks to d = 4, T = 2, dm = 1: two planes of different
 * frequency mixed by one Givens rotation, two tokens at different
 * positions); a commuting R that is not orthogonal; Q/K/V folded but Wo not
 * compensated; keys only; queries only. */
#include "foldx_internal.h"

static const char *const a_shared[] = {
    "attentionBlockOutput_invariant_of_shared_rotation", NULL};
static const char *const a_folded[] = {
    "folded_qkvo_attention_block_invariant_of_commutes", NULL};
static const char *const a_ctx[] = {"ropeAttentionHeadContext", NULL};
static const char *const a_none[] = {NULL};

/* Single-head sizes: d up to 16, T up to 8, dm up to 16. */
#define SINGLE_D(dmin)                                                     \
  .heads_min = 1, .heads_max = 1, .output = 1, .big = 1, .d_min = dmin,      \
  .d_max = 16, .T_max = 8, .dm_max = 16
#define SINGLE SINGLE_D(2)
/* Negative controls: the shrink-friendly grid with small maxima. */
#define NEG_D(dmin)                                                          \
  .heads_min = 1, .heads_max = 1, .output = 1, .neg = 1, .grid = 1,         \
  .rope = 1, .d_min = dmin, .d_max = 6, .T_max = 3, .dm_max = 2
#define NEG NEG_D(2)
/* The same grid without RoPE (Theta = I), for the shared-rotation theorem. */
#define NEG_NOROPE                                                           \
  .heads_min = 1, .heads_max = 1, .output = 1, .neg = 1, .grid = 1,         \
  .rope = 0, .d_min = 2, .d_max = 6, .T_max = 3, .dm_max = 2

FC_FX_GENERATOR(shared, SINGLE, .rope = 0, .kind = FX_KIND_HAAR,
                .rewrite = FX_QKVO,
                .compare = FX_CMP_SCORES | FX_CMP_CTX | FX_CMP_OUT)
FC_FX_GENERATOR(folded, SINGLE, .rope = 1, .kind = FX_KIND_COMMUTING,
                .rewrite = FX_QKVO, .compare = FX_CMP_SCORES | FX_CMP_OUT)
FC_FX_GENERATOR(ctx, SINGLE, .rope = 1, .kind = FX_KIND_COMMUTING,
                .rewrite = FX_QKVO, .compare = FX_CMP_CTX)
FC_FX_GENERATOR(vo_inv, SINGLE, .rope = 1, .kind = FX_KIND_COMMUTING,
                .v_kind = FX_V_INVERTIBLE, .rewrite = FX_QKVO,
                .compare = FX_CMP_CTX | FX_CMP_OUT)
FC_FX_GENERATOR(v_indep, SINGLE, .rope = 1, .kind = FX_KIND_COMMUTING,
                .v_kind = FX_V_HAAR, .rewrite = FX_QKVO,
                .compare = FX_CMP_CTX | FX_CMP_OUT)
/* Kernel bounds: the whole shell (RMSNorm, up to 4 heads, residual) with
 * RoPE, small sizes so that thousands of cases stay cheap. */
FC_FX_GENERATOR(kacc, .heads_min = 1, .heads_max = 4, .output = 1,
                .residual = 1, .norm = 1, .big = 1, .rope = 1,
                .kind = FX_KIND_COMMUTING, .rewrite = 0, .compare = 0,
                .d_min = 2, .d_max = 8, .T_max = 6, .dm_max = 8)
/* Negative controls. */
FC_FX_GENERATOR(n_noncomm, NEG_D(4),
                .kind = FX_KIND_MIXING, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_nonorth, NEG,
                .kind = FX_KIND_NONORTH_COMM, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_wo, NEG,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_Q | FX_K | FX_V,
                .compare = FX_CMP_OUT)
FC_FX_GENERATOR(n_keys, NEG,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_K,
                .compare = FX_CMP_SCORES | FX_CMP_OUT)
FC_FX_GENERATOR(n_queries, NEG,
                .kind = FX_KIND_COMMUTING, .rewrite = FX_Q,
                .compare = FX_CMP_SCORES | FX_CMP_OUT)
/* The shared-rotation theorem's one hypothesis dropped: no RoPE, R not
 * orthogonal. */
FC_FX_GENERATOR(n_shared, NEG_NOROPE,
                .kind = FX_KIND_NONORTH_COMM, .rewrite = FX_QKVO,
                .compare = FX_CMP_OUT)
/* ropeAttentionHeadContext with commutation dropped: ctx' != R ctx. */
FC_FX_GENERATOR(n_ctx, NEG_D(4),
                .kind = FX_KIND_MIXING, .rewrite = FX_QKVO,
                .compare = FX_CMP_CTX)

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
                                   .describe = fc_fx_describe,               \
                                   .plot_x = "largest position p",           \
                                   .plot_y = "accuracy error / bound",       \
                                   .plot_ref_label = "bound",                \
                                   .plot_ref_y = 1,                          \
                                   .plot_logx = 1,                           \
                                   .plot_logy = 1}

PROP(p_shared, "fold.shared_rotation",
     "no RoPE: any orthogonal R folded into Wq, Wk, Wv and Wo R^T leaves "
     "scores, R-rotated contexts and the block output unchanged",
     a_shared, FC_EXPECT_HOLDS, NULL, shared_gen);
PROP(p_folded, "fold.folded_qkvo",
     "R orthogonal, commuting with RoPE: Q/K/V/O folding leaves scores and "
     "the attention block output unchanged",
     a_folded, FC_EXPECT_HOLDS, NULL, folded_gen);
PROP(p_ctx, "fold.head_context",
     "R orthogonal, commuting with RoPE: the folded head's context is "
     "ctx' = R ctx",
     a_ctx, FC_EXPECT_HOLDS, NULL, ctx_gen);
PROP(p_vo, "fold.vo_invertible",
     "V/O folding needs only an invertible A: Wv -> A Wv, Wo -> Wo A^-1 "
     "(with Q/K folded by a commuting R): ctx' = A ctx, out' = out",
     a_none, FC_EXPECT_HOLDS,
     "V/O folding with any invertible A", vo_inv_gen);
PROP(p_vind, "fold.independent_v_rotation",
     "the V rotation may differ from the Q/K rotation: Q/K by a commuting "
     "R, V by any orthogonal Rv, Wo -> Wo Rv^T: ctx' = Rv ctx, out' = out",
     a_none, FC_EXPECT_HOLDS,
     "a V rotation independent of the Q/K rotation",
     v_indep_gen);
PROP(p_kacc, "fold.kernel_accuracy",
     "the selected kernels' attention_block (RMSNorm, projections, RoPE, "
     "scores, softmax, contexts, output, residual) stays within the "
     "harness's bound at the declared arithmetic against the MPFR oracle",
     a_none, FC_EXPECT_HOLDS,
     "kernel accuracy against the harness bound (accuracy level only; no "
     "statement)",
     kacc_gen);
PROP(p_n_noncomm, "fold.neg.noncommuting",
     "negative control: an orthogonal R that does not commute with RoPE "
     "breaks the folded block output",
     a_folded, FC_EXPECT_DETECT, NULL, n_noncomm_gen);
PROP(p_n_nonorth, "fold.neg.nonorthogonal",
     "negative control: a commuting R that is not orthogonal (e.g. 2I on a "
     "plane) breaks the folded block output",
     a_folded, FC_EXPECT_DETECT, NULL, n_nonorth_gen);
PROP(p_n_wo, "fold.neg.wo_uncompensated",
     "negative control: Q/K/V folded but Wo not compensated breaks the "
     "block output",
     a_folded, FC_EXPECT_DETECT, NULL, n_wo_gen);
PROP(p_n_keys, "fold.neg.keys_only",
     "negative control: rotating the keys only (Wk -> R Wk) changes the "
     "scores: key-only routing is impossible",
     a_folded, FC_EXPECT_DETECT, NULL, n_keys_gen);
PROP(p_n_queries, "fold.neg.queries_only",
     "negative control: rotating the queries only (Wq -> R Wq) changes the "
     "scores",
     a_folded, FC_EXPECT_DETECT, NULL, n_queries_gen);

PROP(p_n_shared, "fold.neg.shared_nonorthogonal",
     "negative control: without RoPE, a non-orthogonal R (e.g. 2I on a "
     "plane) folded into Wq, Wk, Wv and Wo R^T changes the block output",
     a_shared, FC_EXPECT_DETECT, NULL, n_shared_gen);
PROP(p_n_ctx, "fold.neg.context_noncommuting",
     "negative control: an orthogonal R that does not commute with RoPE: "
     "the folded head's context is not R ctx",
     a_ctx, FC_EXPECT_DETECT, NULL, n_ctx_gen);

const fc_property *const fc_family_fold[] = {
    &p_shared, &p_folded,   &p_ctx,    &p_vo,     &p_vind,      &p_kacc,
    &p_n_noncomm, &p_n_nonorth, &p_n_wo, &p_n_keys, &p_n_queries,
    &p_n_shared, &p_n_ctx, NULL};

/* gauge.c -- F6: the score gauge and online vs folded rotation
 * (MoEGauge.lean).
 *
 * attention_score_gauge_invariance: an orthogonal R inserted before W_K
 * (and W_Q) and absorbed into the weights leaves every attention score
 * unchanged.  Numeric forms:
 *   (a) no RoPE: scores of (R Wq, R Wk) equal scores of (Wq, Wk), any
 *       orthogonal R;
 *   (b) online after RoPE (q -> R q, k -> R k applied to the rotated
 *       vectors, as a KV-cache quantiser does): invariant for ANY
 *       orthogonal R;
 *   (c) the same R folded into the weights before RoPE: invariant only when
 *       R commutes with the schedule (F3).
 * (b) and (c) run side by side: each case of either property also
 * evaluates the other variant with the same R and puts its residual/bound
 * in the case note ("folded-before-RoPE residual/bound ..." beside an online
 * case, and vice versa).  With the same Haar-like R, (b) holds and (c) is a
 * negative control: that is the foldability boundary.
 *
 * Through the kernels (foldx.c): the contract exposes no scores, so the
 * kernel level compares the output of attention_block with the case's Wo
 * (scores unchanged and V, O untouched: the output is unchanged too); an
 * online rotation after RoPE cannot be passed to attention_block, so (b)
 * judges the original block's accuracy beside its MPFR statement. */
#include "foldx_internal.h"

static const char *const a_gauge[] = {"attention_score_gauge_invariance",
                                      NULL};

#define GAUGE .heads_min = 1, .heads_max = 2, .output = 0, .big = 1,         \
              .d_min = 2, .d_max = 16, .T_max = 8, .dm_max = 16,             \
              .rewrite = FX_Q | FX_K, .compare = FX_CMP_SCORES

FC_FX_GENERATOR(plain, GAUGE, .rope = 0, .kind = FX_KIND_HAAR)
FC_FX_GENERATOR(online, GAUGE, .rope = 1, .kind = FX_KIND_HAAR, .online = 1,
                .side = 1)
FC_FX_GENERATOR(fold_comm, GAUGE, .rope = 1, .kind = FX_KIND_COMMUTING,
                .side = 1)
FC_FX_GENERATOR(fold_haar, .heads_min = 1, .heads_max = 1,
                .d_min = 2, .d_max = 6, .T_max = 3, .dm_max = 2,
                .rewrite = FX_Q | FX_K, .compare = FX_CMP_SCORES, .rope = 1,
                .kind = FX_KIND_HAAR, .side = 1, .neg = 1, .grid = 1)

#define PROP(var, pid, ttl, exp, ext, gen)                                  \
  static const fc_property var = {.id = pid,                                 \
                                   .title = ttl,                             \
                                   .anchors = a_gauge,                       \
                                   .lean_file = "MoEGauge.lean",             \
                                   .expect = exp,                            \
                                   .extension = ext,                         \
                                   .generate = gen,                          \
                                   .check = fc_fx_check,                     \
                                   .kernels_via = FC_KV_PROVIDER,               \
                                   .describe = fc_fx_describe}

PROP(p_plain, "gauge.attention_score_gauge_invariance",
     "(a) no RoPE: any orthogonal R absorbed into Wq and Wk leaves every "
     "score unchanged",
     FC_EXPECT_HOLDS, NULL, plain_gen);
PROP(p_online, "gauge.online_after_rope",
     "(b) any orthogonal R applied online to q and k after RoPE leaves every "
     "score unchanged (note: the same R folded before RoPE)",
     FC_EXPECT_HOLDS, NULL, online_gen);
PROP(p_fold_comm, "gauge.folded_before_rope_commuting",
     "(c) a commuting orthogonal R folded into Wq, Wk before RoPE leaves "
     "every score unchanged (note: the same R online)",
     FC_EXPECT_HOLDS, NULL, fold_comm_gen);
PROP(p_fold_haar, "gauge.folded_before_rope_any",
     "(c) negative control: a general orthogonal R folded before RoPE "
     "changes the scores, though online after RoPE it does not (note)",
     FC_EXPECT_DETECT, NULL, fold_haar_gen);

const fc_property *const fc_family_gauge[] = {&p_plain, &p_online,
                                              &p_fold_comm, &p_fold_haar,
                                              NULL};

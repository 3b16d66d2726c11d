/* anchors.c -- the Lean anchor table (SPEC.md, "The anchor list").
 *
 * Statuses are the seed pages' (shared/seeds/): the Symmetry.lean
 * declarations are presented as machine-checked; of the NeuralGeometry
 * declarations, iid_coord_moment_ratio_floor is deferred (two sorry
 * placeholders in the measure-theoretic plumbing) and the rest proven.
 * The seeds do not say which NeuralGeometry file holds the moment-ratio
 * floors: their file is NULL ("not named").  `foldcheck anchors --lean DIR`
 * re-derives files and statuses from a source tree. */
#include <string.h>
#include "props.h"

#define SYM "VerifiedNeuralCompilation", "Symmetry.lean"
#define NG "NeuralGeometry"

static const fc_anchor anchors[] = {
    {"commutesWithQuarterTurn_iff", SYM, FC_LEAN_PROVEN, "F1"},
    {"intertwiner_zero_of_cos_ne", SYM, FC_LEAN_PROVEN, "F2, F3"},
    {"attentionBlockOutput_invariant_of_shared_rotation", SYM, FC_LEAN_PROVEN, "F4"},
    {"folded_qkvo_attention_block_invariant_of_commutes", SYM, FC_LEAN_PROVEN, "F4"},
    {"ropeAttentionHeadContext", SYM, FC_LEAN_PROVEN, "F4"},
    {"headwise_lift", SYM, FC_LEAN_PROVEN, "F5"},
    {"multiHead_folded_qkvo_attention_block_invariant_of_commutes", SYM, FC_LEAN_PROVEN, "F5"},
    {"residual_multiHead_folded_qkvo_attention_block_invariant_of_commutes", SYM, FC_LEAN_PROVEN, "F5"},
    {"concatProjectedMultiHeadRopeAttentionBlockOutput_invariant_of_commutes", SYM, FC_LEAN_PROVEN, "F5"},
    {"residualConcatProjectedMultiHeadRopeAttentionBlockOutput_invariant_of_commutes", SYM, FC_LEAN_PROVEN, "F5"},
    {"transformerShellRopeBlockOutput_invariant_of_commutes", SYM, FC_LEAN_PROVEN, "F5"},
    {"iid_coord_moment_ratio_floor", NG, NULL, FC_LEAN_DEFERRED, "F9"},
    {"gaussian_moment_ratio_floor_eq", NG, NULL, FC_LEAN_PROVEN, "F9"},
    {"uniform_moment_ratio_floor_eq", NG, NULL, FC_LEAN_PROVEN, "F9"},
    {"laplace_moment_ratio_floor_eq", NG, NULL, FC_LEAN_PROVEN, "F9"},
    {"attention_score_gauge_invariance", NG, "MoEGauge.lean", FC_LEAN_PROVEN, "F6"},
    {"avg_amplification_eq_frob_div_sqrt", NG, "WoAmplification.lean", FC_LEAN_PROVEN, "F7"},
    {"cos_sign_quant_formula", NG, "JensenFloor.lean", FC_LEAN_PROVEN, "F8"},
    {"residual_energy_formula", NG, "JensenFloor.lean", FC_LEAN_PROVEN, "F8"},
};

const char *fc_lean_status_name(fc_lean_status s)
{
  switch (s) {
  case FC_LEAN_PROVEN: return "proven";
  case FC_LEAN_DEFERRED: return "deferred";
  case FC_LEAN_STUB: return "stub";
  case FC_LEAN_AXIOM: return "axiom";
  case FC_LEAN_MISSING: return "missing";
  default: return "?";
  }
}

size_t fc_anchors_count(void) { return sizeof anchors / sizeof anchors[0]; }

const fc_anchor *fc_anchors_at(size_t i)
{
  return i < fc_anchors_count() ? &anchors[i] : NULL;
}

const fc_anchor *fc_anchors_find(const char *name)
{
  for (size_t i = 0; name && i < fc_anchors_count(); i++)
    if (strcmp(anchors[i].name, name) == 0)
      return &anchors[i];
  return NULL;
}

size_t fc_anchor_properties(const fc_property **out, size_t max,
                            size_t *holds, size_t *detect, const char *anchor)
{
  size_t n = 0, h = 0, d = 0;
  for (size_t i = 0, np = fc_properties_count(); anchor && i < np; i++) {
    const fc_property *p = fc_properties_at(i);
    for (const char *const *a = p->anchors; a && *a; a++) {
      if (strcmp(*a, anchor) != 0)
        continue;
      if (out && n < max)
        out[n] = p;
      n++;
      if (p->expect == FC_EXPECT_HOLDS)
        h++;
      else
        d++;
      break;
    }
  }
  if (holds)
    *holds = h;
  if (detect)
    *detect = d;
  return n;
}

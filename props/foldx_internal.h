/* foldx_internal.h -- the fold experiment shared by F4, F5, F6 and
 * `foldcheck explain fold` (internal).
 *
 * One experiment: an attention block (single head, multi-head, grouped
 * query, residual, shell; RoPE or none) with weights Wq, Wk, Wv, Wo, and a
 * rewrite of the weights by rotations (SPEC F4/F5):
 *   Wq_h -> Rq_h Wq_h, Wk_j -> Rk_j Wk_j, Wv_j -> Rv_j Wv_j,
 *   Wo   -> Wo B^T with B = blockdiag(Ro_1 .. Ro_h)   (columns, the theorem)
 *           or B^T Wo (rows: a negative control) or heads permuted,
 * or, for F6 (b), the same rotations applied online to q and k after RoPE.
 * The statement compares the rewritten block with the original: scores
 * equal, contexts ctx'_h = Rv ctx_h, outputs equal, as selected.
 *
 * Everything a check needs is stored in the case (config, rotations, the
 * head -> rotation map), so the check is one generic function and a replay
 * holds the whole experiment.  Case fields: dims T, dm, d, heads, kv, dout;
 * "config" (ints, FX_CONF_*), "x", "pos", "causal", "gain", "eps", "wq",
 * "wk", "wv", "wo", schedules "s0".. (RoPE), rotations "R0".. with "slots"
 * (kind and source of each rotation) and "map" (the rotation of each
 * head's Q, K, V, O).
 */
#ifndef FC_FOLDX_INTERNAL_H
#define FC_FOLDX_INTERNAL_H

#include <stdio.h>
#include "props.h"

/* Which weights are rewritten. */
enum { FX_Q = 1, FX_K = 2, FX_V = 4, FX_O = 8, FX_QKVO = 15 };
/* What the statement compares. */
enum { FX_CMP_SCORES = 1, FX_CMP_CTX = 2, FX_CMP_OUT = 4 };
/* How Wo absorbs the rotations. */
enum { FX_O_COLS = 0, FX_O_ROWS = 1, FX_O_REVERSED = 2 };
/* Kinds of rotation drawn for the Q/K (and V) rewrite. */
enum {
  FX_KIND_COMMUTING = 0,   /* orthogonal, in the commutant of the schedule */
  FX_KIND_MIXING = 1,      /* orthogonal, one Givens mixing two classes */
  FX_KIND_HAAR = 2,        /* any orthogonal (Haar-like) */
  FX_KIND_NONORTH_COMM = 3,/* commuting, not orthogonal (a commutant
                              matrix, shrinks to one plane scaled by 2) */
  FX_KIND_NONORTH_MIX = 4  /* neither: commutant matrix times a mixing
                              Givens */
};
/* The V rotation. */
enum {
  FX_V_SAME = 0,       /* Rv = the Q/K rotation (the theorems) */
  FX_V_HAAR = 1,       /* an independent orthogonal rotation (extension) */
  FX_V_INVERTIBLE = 2  /* any invertible A, Wo -> Wo A^-1 (extension) */
};

typedef struct fc_fx_cfg {
  unsigned char rope;       /* 1: RoPE schedules; 0: Theta = I */
  unsigned char heads_min, heads_max; /* query heads (MHA) */
  unsigned char gqa;        /* 1: grouped-query, groups of 2..4 heads */
  unsigned char shared;     /* 1: one schedule and one rotation for all */
  unsigned char norm;       /* 1: RMSNorm with gain first (the shell) */
  unsigned char residual;   /* 1: out = x + Wo concat */
  unsigned char output;     /* 1: the output projection is computed */
  unsigned char kind;       /* FX_KIND_* */
  unsigned char v_kind;     /* FX_V_* */
  unsigned char rewrite;    /* FX_Q | FX_K | FX_V | FX_O */
  unsigned char o_mode;     /* FX_O_* */
  unsigned char bad_head;   /* 1: one (drawn) head's rotation is mixing */
  unsigned char gqa_split;  /* 1: the query heads of a group get their own
                               rotations (a negative control) */
  unsigned char online;     /* 1: F6 (b), rotations after RoPE */
  unsigned char side;       /* 1: F6, note the other of online / folded */
  unsigned char compare;    /* FX_CMP_*; 0: kernel accuracy only */
  unsigned char neg;        /* 1: a negative control (no conformance) */
  unsigned char big;        /* 1: may draw large inputs (score ranges of
                               1e4 and more: softmax saturation) */
  unsigned char grid;       /* 1: draw every size-dependent value on the
                               fixed grid of the maximal sizes (schedules
                               at d_max, then truncated; T_max positions;
                               weights on max dims), rotations last, so
                               that lowering a size choice keeps the rest
                               of the choice sequence aligned and the
                               shrinker reaches minimal sizes.  Longer
                               sequences: used with small maxima by the
                               negative controls and `explain`. */
  unsigned char d_min, d_max, T_max, dm_max;
} fc_fx_cfg;

/* Generate a case of the experiment cfg.  FC_OK; FC_EOVERRUN when the
 * drawn schedule cannot host the requested rotation (a mixing rotation
 * needs two frequency classes): the engine discards such a case. */
int fc_fx_generate(fc_case *c, fc_draw *d, const fc_fx_cfg *cfg);
/* The check of every fold property: statement (oracle, original vs
 * rewritten, on the case rounded to the kernels' storage), conformance
 * (the same through the selected provider's fold_weights and
 * attention_block, positive properties only) and accuracy (each kernel
 * output vs the oracle, harness bounds at the declared arithmetic). */
int fc_fx_check(fc_check_result *r, const fc_case *c, const fc_check_ctx *x);
/* The same with the case's rewrite mask and comparison overridden (for
 * `explain`, whose toggles do not change the draws); -1 keeps the case's. */
int fc_fx_check_with(fc_check_result *r, const fc_case *c,
                     const fc_check_ctx *x, int rewrite, int compare);
/* Readable summary of an experiment case: the rewrite, each rotation's
 * kind, orthogonality defect and commutator with Theta at the case's
 * positions. */
void fc_fx_describe(FILE *out, const fc_case *c);
/* The same with the rewrite set overridden (-1: the case's), as
 * fc_fx_check_with checks it. */
void fc_fx_describe_with(FILE *out, const fc_case *c, int rewrite);

/* Define `static int name##_gen(fc_case *, fc_draw *)` for a cfg. */
#define FC_FX_GENERATOR(name, ...)                                           \
  static const fc_fx_cfg name##_cfg = {__VA_ARGS__};                         \
  static int name##_gen(fc_case *c, fc_draw *d)                              \
  {                                                                          \
    return fc_fx_generate(c, d, &name##_cfg);                                \
  }

#endif

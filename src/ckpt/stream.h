/* stream.h -- residual-stream rotations (QuaRot, SpinQuant's R1) in the
 * checkpoint audit (issue 17).
 *
 * Hypothesis: one orthogonal Q (hidden x hidden) on the residual stream,
 * applied as QuaRot does to Llama-family checkpoints: for every layer
 *   Wq', Wk', Wv' = W diag(g_attn) Q^T    input_layernorm.weight' = 1
 *   Wo'           = Q Wo                  (o bias' = Q bo)
 *   gate', up'    = W diag(g_mlp) Q^T     post_attention_layernorm' = 1
 *   down'         = Q W_down              (Q W_down H^T with a stated
 *                                          online Hadamard H before it)
 *   embed_tokens' = embed Q^T              (each token row x -> Q x)
 *   lm_head'      = lm_head diag(g_final) Q^T, model.norm.weight' = 1
 * and head-wise maps on V/O (Wv'_g = A_g ..., Wo'_h = ... A_g^-1) on top,
 * which the per-head audit judges on the de-rotated weights.  In general
 * the rewrite's own gains g' stay in: W' diag(g') must equal
 * W diag(g) Q^T, so a gain kept in the norm and also fused, or dropped
 * without being fused, is caught.
 *
 * Q_l is recovered from each layer's q and k projections (stacked, least
 * squares, audit.c's fit and bounds); the reference Q is the one most
 * layers agree with; every layer's Q_l is compared with it against a
 * threshold from the measured rounding noise of both fits; MLP, embeddings
 * and lm_head are checked against Q with bounds from their storage
 * precision (stream.c derives them). */
#ifndef FC_CKPT_STREAM_H
#define FC_CKPT_STREAM_H

#include <stdio.h>
#include "ckpt/audit.h"

typedef enum {
  FC_RESIDUAL_AUTO = 0, /* on when the rewrite changed a norm weight or
                           the embeddings (what a fused-gain rotation
                           does); off otherwise */
  FC_RESIDUAL_ON = 1,
  FC_RESIDUAL_OFF = 2
} fc_residual_mode;

/* One tensor checked against Q: ||Y - expected||_F / ||Y||_F and its
 * bound (relative). */
typedef struct fc_stream_check {
  int present;   /* 0: absent from both checkpoints, not checked */
  double res, tol;
  int bad;
  char name[96]; /* the rewritten tensor */
} fc_stream_check;

typedef struct fc_stream_layer {
  size_t layer;
  fc_audit_fit q;          /* Q_l from the layer's q/k projections */
  double qdiff, qdiff_tol; /* ||Q_l - Q||_F and its threshold */
  double qdiff_alt, qdiff_alt_tol; /* against the other candidate */
  double gdev, mlp_gdev;   /* max |g' - 1| of the rewritten norms */
  fc_stream_check gate, up, down;
  size_t heads_out;        /* heads whose V/O fails after de-rotation */
  int bad;
  char reason[300];
} fc_stream_layer;

typedef struct fc_stream {
  size_t n, H, KV, d, L;
  int hadamard_down;       /* stated: online Hadamard before down_proj */
  int auto_mode;           /* chosen by --residual auto */
  int have_q;              /* a reference Q was found */
  size_t ref;              /* the layer it was recovered from */
  double *Q;               /* n x n, row-major */
  fc_audit_fit qf;         /* its fit */
  double dq2;              /* bound on ||Q - Q_exact||_2 of the polar
                              factor used (stream.c) */
  double polar_defect;     /* ||Q^T Q - I||_F of the polar factor */
  double u_extra;          /* added to the per-head unit roundoff */
  fc_stream_layer *layer;
  size_t nlayer;
  double *g1, *g2;         /* input_layernorm gains, L x n, orig / rew */
  fc_stream_check embed, lm_head;
  double final_gdev;
  size_t nbad;             /* layers and tensors that break the stream */
  int broken;
  char verdict[400];
  double seconds;
} fc_stream;

/* Recover and check the residual rotation of rew against orig (the layers
 * masked by layers, NULL: all).  *out: NULL when mode is OFF, or AUTO
 * finds no sign of one (or the model is not Llama-named); else the
 * result (fc_stream_free).  u_arith: the rewriter's arithmetic.
 * FC_EPARSE (naming file and tensor) for a norm, MLP, embedding tensor of
 * the wrong shape or present on one side only, --residual on with a
 * model whose tensor names are not Llama's, a stated Hadamard with an
 * intermediate size that is no power of 2; FC_ENOMEM. */
int fc_stream_run(fc_stream **out, const fc_ckpt *orig, const fc_ckpt *rew,
                  fc_residual_mode mode, const unsigned char *layers,
                  double u_arith, int hadamard_down, fc_error *err);

/* De-rotate one layer for the per-head audit (audit.c): w[0..3] the
 * original Wq, Wk, Wv, Wo and w[4..7] the rewritten ones (audit.c's
 * layout), b[7] the rewritten o bias.  Wq, Wk, Wv <- W diag(g) on both
 * sides (their input_layernorm gains), the rewritten ones then <- W' Q,
 * Wo' <- Q^T Wo', bo' <- Q^T bo'.  *us grows by the error the recovered
 * Q carries into the de-rotated tensors.  FC_OK (nothing when no Q was
 * found), FC_ENOMEM. */
int fc_stream_derotate(const fc_stream *s, size_t layer, double *const *w,
                       double *const *b, double *us, fc_error *err);

/* After the per-head audit: a layer whose heads fail on the V/O side
 * after de-rotation has Wo or Wv not rotated with Q; the stream verdict
 * names it. */
void fc_stream_heads(fc_stream *s, const fc_audit *a);

void fc_stream_free(fc_stream *s); /* NULL is fine */

/* Report lines (each starting with pre) and the JSON object. */
void fc_stream_write_text(FILE *out, const fc_stream *s, const char *pre);
struct json_t *fc_stream_json(const fc_stream *s);

#endif

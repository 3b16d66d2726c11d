/* audit.h -- audit a rewritten checkpoint against the folding theorems
 * (issue 12): is the rotation folded into Q/K/V/O foldable (F3, F4, F5),
 * must it stay online after RoPE (F6 (b)), or is the rewrite broken; and
 * does the rewritten block compute what the original computes, within the
 * storage precision of its weights (certified by the MPFR oracle).
 *
 * The method and every threshold are derived in audit.c next to the code.
 * In short, per layer, query head h and KV group g:
 *   R_h  = argmin ||Wq'_h - R Wq_h||_F (normal equations, Cholesky);
 *   Rk_g, A_g the same for Wk, Wv;  Wo compensated iff Wo'_h A_g = Wo_h.
 * Under the hypothesis "the rewrite is fl(R W) for an exact R", each
 * recovered matrix lies within delta of R, delta computed from the storage
 * unit roundoff of the rewritten tensors, their norms and the conditioning
 * of the original weights; every test compares against such a bound. */
#ifndef FC_CKPT_AUDIT_H
#define FC_CKPT_AUDIT_H

#include <signal.h>
#include <stdint.h>
#include "ckpt/ckpt.h"

typedef enum {
  FC_VERDICT_FOLDABLE = 0, /* R_q^T R_k = I (orthogonal R shared by Q and
                              K, F4/F5; or a non-orthogonal score gauge),
                              in the RoPE commutant (F3), V/O compensated */
  FC_VERDICT_VO_ONLY = 1,  /* the V/O fold is consistent (A invertible, Wo
                              compensated) but R_q^T R_k != I: scores change
                              whether folded or applied online; only the V/O
                              part of the rewrite is valid */
  FC_VERDICT_ONLINE = 2,   /* R_q^T R_k = I but not in the commutant: the
                              Q/K rotation must be applied online after RoPE
                              (F6 (b)); folded it changes the scores */
  FC_VERDICT_BROKEN = 3,   /* a rewritten Wq/Wk/Wv that is no linear map of
                              the original, a singular V map, Wo not
                              compensated, a bias not folded with its
                              weight */
  FC_VERDICT_PRUNED = 4    /* the head is zero in the original (its Wo
                              columns, its V, or its Q/K with uniform
                              attention) and stays zero in the rewrite;
                              what is left of it (V/O) folds exactly */
} fc_verdict;
#define FC_VERDICT_COUNT 5

const char *fc_verdict_name(fc_verdict v); /* "foldable", "vo-only", ... */

/* One fitted map Y = M X (M d x d) and its figures. */
typedef struct fc_audit_fit {
  int ok;          /* 0: the original X is rank deficient (no fit) */
  double res, res_tol;   /* ||Y - M X||_F / ||Y||_F and its bound */
  double orth, orth_tol; /* ||M^T M - I||_F and its bound */
  double comm, comm_tol; /* ||M - Pc(M)||_F / ||M||_F and its threshold:
                            the smaller of comm_bound and the noise the
                            measured rounding residual implies */
  double comm_bound;     /* its worst-case bound under H0 */
  double noise;          /* ||M^ - M||_F expected from the measured
                            residual (absolute; audit.c) */
  double comp;           /* our double arithmetic's share of delta */
  double delta;          /* ||M - M_exact||_F bound (absolute) */
  double efro;           /* ||E||_F bound of the storage rounding of Y */
  double normM;          /* ||M||_F */
  /* The plane-pair test (audit.c, commutant()): the largest whitened
   * statistic S of a block between two planes of distinct frequencies
   * (chi^2 with 8 degrees of freedom under H0) and its threshold; blk_tol
   * is +inf when the fit has too few columns to measure the noise of each
   * row (the Frobenius test alone then decides).  blk_floor: the smallest
   * plane mixing (rad) this test flags. */
  double blk, blk_tol, blk_floor;
} fc_audit_fit;

/* One bias checked under its weight's map: b' = M b for q, k, v (M the
 * map recovered from the weights), b' = b for o.  A bias a checkpoint
 * lacks counts as zero. */
typedef struct fc_audit_bias {
  unsigned char in_orig, in_rew; /* present in each checkpoint */
  double diff, tol;    /* ||b' - M b||_2 and its bound (absolute) */
  double efro;         /* storage rounding bound of b' (certification) */
  double norm;         /* ||b||_2 of the original */
  char name[80];       /* the tensor (rewritten checkpoint's name) */
} fc_audit_bias;

typedef struct fc_audit_head {
  size_t layer, head, group;
  fc_audit_fit q;            /* query head */
  double gauge, gauge_tol;   /* ||R_h^T Rk_g - I||_F (score gauge) */
  double comp, comp_tol;     /* ||Wo'_h A_g - Wo_h||_F / ||Wo_h||_F */
  double eo;                 /* ||E_o,h||_F bound */
  int nplanes;
  int plane_i[3], plane_j[3]; /* offending plane pairs (largest first) */
  double plane_norm[3];       /* ||block of M - Pc(M)||_F */
  fc_audit_bias bq;           /* its rows of the q bias */
  fc_verdict verdict;
  char reason[240];
} fc_audit_head;

typedef struct fc_audit_group {
  size_t layer, group;
  fc_audit_fit k, v;
  int v_invertible;
  double inv_fro;      /* ||A^-1||_F */
  double vk_diff;      /* ||A - Rk||_F (V/O rotation differs from Q/K?) */
  double vk_tol;
  fc_audit_bias bk, bv;  /* the group's rows of the k and v biases */
  fc_audit_bias bo;      /* the layer's o bias (the same in every group) */
} fc_audit_group;

typedef struct fc_audit_cert {
  size_t layer, group;
  long cases, T;
  double diff, bound; /* worst max_t ||out'_t - out_t||_2 and its bound */
  double ratio;       /* worst diff / bound */
  double out_norm;    /* RMS of ||out_t|| of the two passes at the worst
                         token (for the relative difference) */
  long worst_case;    /* case index of the worst ratio (replay: seed, case) */
  int twin;           /* the noise twin was evaluated (audit.c) */
  double noise_ratio; /* rms ||out' - out|| over the rewrite's own rounding
                         (the twin's), scaled to 1 for a correct rewrite;
                         above FC_AUDIT_NOISE_K fails */
  int pass;           /* ratio <= 1 and noise_ratio <= FC_AUDIT_NOISE_K */
} fc_audit_cert;

typedef struct fc_audit_opts {
  uint64_t seed;
  long cases;          /* certification inputs per group (0: no cert) */
  long T;              /* tokens per input */
  long prec;           /* oracle precision */
  const unsigned char *layers;      /* NULL: all; else layers[i] != 0 */
  const unsigned char *cert_layers; /* NULL: the audited layers */
  double u_arith;      /* unit roundoff of the rewriter's arithmetic */
  int progress;        /* 1: report progress through progress_cb */
  /* Rotation mode (rew == NULL): rot_layers x rot_groups matrices d x d
   * (1 x 1: one R for every layer and KV group), folded in double. */
  const double *rotation;
  size_t rot_layers, rot_groups;
  const char *rotation_name;
  /* Interruption: when non-NULL and *stop becomes non-zero (a signal
   * handler's flag), the audit stops before the next layer and between
   * certification inputs, and marks the result interrupted. */
  volatile sig_atomic_t *stop;
  /* Rotation mode: the unit roundoff of the file's numbers
   * (fc_rotation_load); its matrices must be orthogonal to that precision,
   * and the fold's tolerances grow by their measured defect. */
  double rotation_u;
  /* Certification sample (cert_layers NULL): 1 certifies the first,
   * middle and last audited layers and in each the first and last KV
   * group (the structural check still covers every head); 0 certifies
   * every group of every certified layer. */
  int cert_sample;
  /* Progress (when progress is set): called after each layer and each
   * certified group with the work done and to do (layers + certified
   * groups), the elapsed seconds and what was just done. */
  void (*progress_cb)(void *arg, size_t done, size_t total, double seconds,
                      const char *what);
  void *progress_arg;
  /* Residual-stream rotation (stream.h; NULL: none): the heads are judged
   * on the weights it de-rotates, the gains it fuses. */
  const struct fc_stream *stream;
  /* Certification rows: 0 evaluates every output row of a certified
   * group; k > 0 a sample of k rows drawn from the seed (per layer and
   * group), certified exactly (audit.c, certify()). */
  size_t cert_rows;
} fc_audit_opts;
/* The default sample of output rows (the CLI's, without --certify-all). */
#define FC_AUDIT_CERT_ROWS 256

/* Read a rotation file (JSON): {"rotation": [[...d...], ...]} one d x d
 * matrix for every layer and KV group, or {"rotations": [layer][group]
 * [d][d]} with layers x kv entries.  *R malloc'd.  *u (may be NULL): the
 * unit roundoff of the file's numbers: 2^-24 when every entry is a float32
 * value (numpy float32 written by json), else half a unit in the last of
 * the most significant digits any number is written with, at least
 * 2^-24 when no number needs more than 9 digits (float32's round-trip
 * width) and at least 2^-53.  FC_EIO, FC_EPARSE (message naming the file
 * and the entry), FC_ENOMEM. */
int fc_rotation_load(double **R, double *u, size_t *nl, size_t *ng,
                     const char *path,
                     size_t d, size_t layers, size_t kv, fc_error *err);

typedef struct fc_audit {
  char orig[512], rew[512];
  char model_type[64], sched_name[160];
  size_t d, rotary_dim, heads, kv, hidden, layers;
  fc_dtype dt_orig, dt_rew;
  double gap;   long gap_p; int gap_i, gap_j, gap_sign; int gap_inf;
  long max_pos;
  fc_audit_head *head; size_t nhead;
  fc_audit_group *group; size_t ngroup;
  fc_audit_cert *cert; size_t ncert;
  size_t count[FC_VERDICT_COUNT];
  unsigned bias_orig, bias_rew; /* FC_BIAS_* present in any layer */
  /* Rotation mode: the file's precision (unit roundoff read off its
   * numbers) and its worst orthogonality defect max ||R^T R - I||_F with
   * the bound that precision allows. */
  double rot_u, rot_orth, rot_orth_tol;
  uint64_t seed;
  double u_arith;
  double seconds;
  int interrupted; /* opts.stop was raised: layers are missing, not a
                      report to write */
  int cert_sampled; /* the certification covered a sample (cert_sample) */
  size_t cert_groups_total; /* KV groups of the certified-eligible layers */
  const struct fc_stream *stream; /* opts.stream: its verdict is reported */
  /* Detection floor per format of the rewritten tensors (index fc_dtype:
   * F64, F32, F16, BF16): the largest over the heads of that format of
   * the smallest plane-mixing angle (radians, a Givens rotation between
   * planes of distinct frequencies) that this run's thresholds flag in
   * the head's Q or its group's K fit (audit.c, floor_rad); floor_heads
   * counts those heads (0: no head of that format). */
  double floor_rad[4];
  size_t floor_heads[4];
} fc_audit;

/* Audit rewritten against original (same config figures, else FC_EPARSE);
 * rew may be NULL with o->rotation set: the rotation's fold is audited.
 * a is filled (clear with fc_audit_clear).  FC_OK whatever the verdicts
 * (and when o->stop was raised: then a->interrupted is 1 and a holds only
 * the layers done); errors of the checkpoints (FC_EPARSE, FC_ENOTFOUND,
 * FC_EIO) with a message naming file and tensor; FC_ENOMEM. */
int fc_audit_run(fc_audit *a, const fc_ckpt *orig, const fc_ckpt *rew,
                 const fc_audit_opts *o, fc_error *err);
void fc_audit_clear(fc_audit *a);

/* Writers: text table, JSON, Markdown and HTML with the plot of the
 * distance to the commutant per layer and head (audit_report.c). */
int fc_audit_write(FILE *out, const fc_audit *a, fc_format f);

#endif

/* stream.c -- recover and check a residual-stream rotation (stream.h).
 *
 * Recovery, per audited layer l.  X = [Wq; Wk] diag(g) (r x n, r = (heads
 * + kv) d rows, g the original input_layernorm gain), Y = [Wq'; Wk']
 * diag(g') (g' the rewrite's, 1 in a QuaRot rewrite).  Under H0 Y is the
 * storage rounding of X Q^T, i.e. Y^T = fl(Q X^T): audit.c's fit
 * (fc_audit_lsfit) with M = Q, its columns the r rows, gives Q_l, the
 * residual against its bound, the orthogonality defect against its bound,
 * delta_l (the worst-case ||Q_l - Q||_F) and noise_l (the expected
 * ||Q_l - Q||_F the measured residual implies).  Storage roundoff: the
 * q/k tensors' u_s, plus g''s own u when g' is not all ones (|E diag(g')|
 * <= u_s |Y| entrywise, |W' diag(e_g)| <= u_g |Y|), plus 2^-53 for forming
 * X in double (exact for F32/F16/BF16 operands, not for F64).  V is left
 * out of the stack: head-wise V/O maps act on it.
 *
 * Same Q.  Two estimates of one Q differ by their two errors, so
 *   ||Q_l - Q_ref||_F <= delta_l + delta_ref          (worst case)
 * and, for rounding errors spread evenly (n^2 independent entries; the
 * distance concentrates near its mean), about sqrt(noise_l^2 +
 * noise_ref^2): the threshold is FC_STREAM_NOISE_K times that plus our
 * arithmetic (comp_l + comp_ref), never above the worst case -- as the
 * per-head commutant threshold in audit.c.  The reference is the first
 * layer whose fit passes; if another layer fits but disagrees, it is a
 * second candidate, and the one more layers agree with is Q.
 *
 * MLP, embeddings, lm_head, against Q (the reference Q^, ||Q^ - Q||_F <=
 * delta).  Input side, Y ~ X Q^T (X = W diag(g), Y = W' diag(g'); rows of
 * a token for embed_tokens, no gain):
 *   ||Y - X Q^^T||_F <= u_s ||Y||_F + eta_s sqrt(rows n)          (storage)
 *                     + (1 + u_s) gamma_n(u_c) ||X||_F sqrt(n)     (rewriter,
 *                                          entrywise |X||Q^T|, ||Q||_F = sqrt n)
 *                     + delta ||X||_F + (gamma_n(u) sqrt(n) + u) ||X||_F  (ours)
 * Output side, down' ~ Q W_down (times H^T, the stated online Hadamard,
 * which we undo exactly up to our rounding: Y H = Q X for the normalised
 * symmetric Sylvester H, H H = I):
 *   the same with n + I products for the rewriter when H is stated, and
 *   gamma_{log2 I + 1}(u) sqrt(I) ||Y|| for our transform.
 *
 * De-rotation for the per-head audit: W' diag(g') Q^ = X + E Q + W'
 * diag(g') (Q^ - Q) (Q orthogonal), so the storage bound of the
 * de-rotated tensor is its u_s plus delta (||W' dQ||_F <= ||W'||_F
 * ||dQ||_2) plus gamma_n(u) sqrt(n) for the product: u_extra. */
#include <cblas.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ckpt/stream.h"
#include "ckpt/audit_internal.h"

#define U_D ldexp(1, -53)
/* As audit.c's FC_AUDIT_NOISE_K: the squared distance of pure noise is a
 * sum of n^2 squares (4096 at hidden 64): its square root stays within a
 * few percent of its mean; 3x leaves room for unevenly spread errors. */
#define FC_STREAM_NOISE_K 3.0

/* ------------------------------------------------------------- reading */

/* A tensor of exactly `rows` x cols (rows 0: any) or a vector (cols 0).
 * 1 found, 0 absent, < 0 error (wrong shape, naming file and tensor). */
static int find_t(const fc_tensor **t, const fc_ckpt *ck, const char *nm,
                  size_t rows, size_t cols, fc_error *err)
{
  fc_error probe = {0, ""};
  if (fc_ckpt_find(t, ck, nm, &probe) != FC_OK)
    return 0;
  const fc_tensor *x = *t;
  int okshape = cols == 0 ? x->ndim == 1 && x->shape[0] == rows
                          : x->ndim == 2 && x->shape[1] == cols &&
                                (rows == 0 || x->shape[0] == rows);
  if (!x->is_float || !okshape)
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': %s where the "
                        "model's hidden size %zu implies %s", fc_ckpt_file_of(
                            ck, x), nm, x->is_float ? "unexpected shape"
                        : "not a float tensor", cols ? cols : rows,
                        cols ? "[rows, hidden]" : "[hidden]");
  return 1;
}

/* The pair of tensors nm in both checkpoints: both present (1), both
 * absent (0), or an error (present on one side only, wrong shape). */
static int find_pair(const fc_tensor **t1, const fc_tensor **t2,
                     const fc_ckpt *a, const fc_ckpt *b, const char *nm,
                     size_t rows, size_t cols, fc_error *err)
{
  int p1 = find_t(t1, a, nm, rows, cols, err);
  if (p1 < 0)
    return p1;
  int p2 = find_t(t2, b, nm, rows, cols, err);
  if (p2 < 0)
    return p2;
  if (p1 != p2)
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s' is in one "
                        "checkpoint only (%s has it, %s does not)",
                        fc_ckpt_dir(p1 ? b : a), nm, fc_ckpt_dir(p1 ? a : b),
                        fc_ckpt_dir(p1 ? b : a));
  if (p1 && cols && (*t1)->shape[0] != (*t2)->shape[0])
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s' has %zu rows, %zu "
                        "in %s", fc_ckpt_file_of(b, *t2), nm,
                        (*t2)->shape[0], (*t1)->shape[0], fc_ckpt_dir(a));
  return p1;
}

/* A gain vector of both checkpoints (ones when absent from both); *u2
 * receives the rewritten gain's unit roundoff when it is not all ones,
 * *dev max |g' - 1|. */
static int gains(double *g1, double *g2, double *u2, double *dev,
                 const fc_ckpt *a, const fc_ckpt *b, const char *nm,
                 size_t n, fc_error *err)
{
  const fc_tensor *t1, *t2;
  int p = find_pair(&t1, &t2, a, b, nm, n, 0, err);
  if (p < 0)
    return p;
  *u2 = 0;
  *dev = 0;
  for (size_t i = 0; i < n; i++)
    g1[i] = g2[i] = 1;
  if (p == 0)
    return FC_OK;
  int rc = fc_ckpt_rows_d(g1, a, t1, 0, n, err);
  if (rc == FC_OK)
    rc = fc_ckpt_rows_d(g2, b, t2, 0, n, err);
  for (size_t i = 0; rc == FC_OK && i < n; i++)
    *dev = fmax(*dev, fabs(g2[i] - 1));
  if (*dev > 0)
    *u2 = fc_dtype_unit_roundoff(t2->dtype);
  return rc;
}

static int all_ones(const double *g, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (g[i] != 1)
      return 0;
  return 1;
}

/* ------------------------------------------------------ checks against Q */

/* Input side: Y = W' diag(g2) against X Q^T, X = W diag(g1) (g NULL: no
 * gain), rows in chunks. */
static int check_in(fc_stream_check *c, const fc_stream *s, const fc_ckpt *a,
                    const fc_ckpt *b, const char *nm, const char *label,
                    const double *g1, const double *g2, double ug,
                    double u_c, fc_error *err)
{
  size_t n = s->n;
  const fc_tensor *t1, *t2;
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%.95s", label ? label : nm);
  int p = find_pair(&t1, &t2, a, b, nm, 0, n, err);
  if (p <= 0)
    return p;
  c->present = 1;
  size_t rows = t1->shape[0], B = (size_t)1 << 20;
  B = B / n ? B / n : 1;
  if (B > rows)
    B = rows;
  double *x = malloc(B * n * sizeof *x), *y = malloc(B * n * sizeof *y);
  if (!x || !y) {
    free(x);
    free(y);
    return fc_error_set(err, FC_ENOMEM, "out of memory (%s)", nm);
  }
  double nX2 = 0, nY2 = 0, nR2 = 0;
  int rc = FC_OK;
  for (size_t r0 = 0; r0 < rows && rc == FC_OK; r0 += B) {
    size_t nr = rows - r0 < B ? rows - r0 : B;
    rc = fc_ckpt_rows_d(x, a, t1, r0, nr, err);
    if (rc == FC_OK)
      rc = fc_ckpt_rows_d(y, b, t2, r0, nr, err);
    if (rc)
      break;
    for (size_t i = 0; i < nr; i++)
      for (size_t j = 0; j < n; j++) {
        if (g1)
          x[i * n + j] *= g1[j];
        if (g2)
          y[i * n + j] *= g2[j];
        nX2 += x[i * n + j] * x[i * n + j];
        nY2 += y[i * n + j] * y[i * n + j];
      }
    /* y <- y - x Q^T */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)n,
                (int)n, -1.0, x, (int)n, s->Q, (int)n, 1.0, y, (int)n);
    nR2 += fc_ck_frob(y, nr * n) * fc_ck_frob(y, nr * n);
  }
  free(x);
  free(y);
  if (rc)
    return rc;
  double us = fc_dtype_unit_roundoff(t2->dtype) + ug,
         eta = fc_dtype_subnormal_eta(t2->dtype), nX = sqrt(nX2),
         nY = sqrt(nY2), sn = sqrt((double)n);
  double tol = us * nY + eta * sqrt((double)rows * (double)n) +
               (1 + us) * fc_ck_gam((double)n, u_c) * nX * sn +
               s->dq2 * nX + (fc_ck_gam((double)n, U_D) * sn + U_D) * nX;
  c->res = nY > 0 ? sqrt(nR2) / nY : sqrt(nR2);
  c->tol = nY > 0 ? tol / nY : tol;
  c->bad = !(c->res <= c->tol);
  return FC_OK;
}

/* Rows of y (rows x m, m a power of 2) times the normalised Sylvester
 * Hadamard matrix (symmetric, orthogonal), in place. */
static void fwht_rows(double *y, size_t rows, size_t m)
{
  double sc = 1 / sqrt((double)m);
  for (size_t r = 0; r < rows; r++) {
    double *v = y + r * m;
    for (size_t h = 1; h < m; h *= 2)
      for (size_t i = 0; i < m; i += 2 * h)
        for (size_t j = i; j < i + h; j++) {
          double p = v[j], q = v[j + h];
          v[j] = p + q;
          v[j + h] = p - q;
        }
    for (size_t i = 0; i < m; i++)
      v[i] *= sc;
  }
}

/* Output side: down' (n x I) against Q down (with the stated Hadamard:
 * down' H against Q down). */
static int check_out(fc_stream_check *c, const fc_stream *s,
                     const fc_ckpt *a, const fc_ckpt *b, const char *nm,
                     double u_c, fc_error *err)
{
  size_t n = s->n;
  const fc_tensor *t1, *t2;
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%.95s", nm);
  fc_error probe = {0, ""};
  int p1 = fc_ckpt_find(&t1, a, nm, &probe) == FC_OK;
  if (!p1)
    return fc_ckpt_find(&t2, b, nm, &probe) == FC_OK
               ? fc_error_set(err, FC_EPARSE, "%s: tensor '%s' is in one "
                              "checkpoint only", fc_ckpt_dir(b), nm)
               : 0;
  if (t1->ndim != 2 || t1->shape[0] != n)
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': not [hidden %zu, "
                        "intermediate]", fc_ckpt_file_of(a, t1), nm, n);
  size_t m = t1->shape[1];
  int rc = fc_ckpt_find_2d(&t2, b, nm, n, m, err);
  if (rc)
    return rc;
  if (s->hadamard_down && (m & (m - 1)) != 0)
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': intermediate size "
                        "%zu is no power of 2: the stated online Hadamard "
                        "(Sylvester) before down_proj does not exist",
                        fc_ckpt_file_of(b, t2), nm, m);
  c->present = 1;
  double *x = malloc(n * m * sizeof *x), *y = malloc(n * m * sizeof *y);
  if (!x || !y) {
    free(x);
    free(y);
    return fc_error_set(err, FC_ENOMEM, "out of memory (%s)", nm);
  }
  rc = fc_ckpt_rows_d(x, a, t1, 0, n, err);
  if (rc == FC_OK)
    rc = fc_ckpt_rows_d(y, b, t2, 0, n, err);
  if (rc == FC_OK) {
    double nX = fc_ck_frob(x, n * m), nY = fc_ck_frob(y, n * m), sn = sqrt((double)n);
    if (s->hadamard_down)
      fwht_rows(y, n, m);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)m,
                (int)n, -1.0, s->Q, (int)n, x, (int)m, 1.0, y, (int)m);
    double us = fc_dtype_unit_roundoff(t2->dtype),
           eta = fc_dtype_subnormal_eta(t2->dtype);
    double lg = 0;
    for (size_t k = m; k > 1; k /= 2)
      lg++;
    double had = s->hadamard_down ? sqrt((double)m) : 1;
    double tol = us * nY + eta * sqrt((double)n * (double)m) +
                 (1 + us) * fc_ck_gam((double)n + (s->hadamard_down ? (double)m : 0),
                                u_c) * sn * had * nX +
                 s->dq2 * nX + (fc_ck_gam((double)n, U_D) * sn + U_D) * nX +
                 (s->hadamard_down ? fc_ck_gam(lg + 1, U_D) * had * nY : 0);
    double r = fc_ck_frob(y, n * m);
    c->res = nY > 0 ? r / nY : r;
    c->tol = nY > 0 ? tol / nY : tol;
    c->bad = !(c->res <= c->tol);
  }
  free(x);
  free(y);
  return rc;
}

/* ------------------------------------------------------------ recovery */

typedef struct lbuf {
  double *w1[4], *w2[4]; /* wq wk wv wo of both */
  double *XT, *YT;       /* n x r */
  double *g1, *g2;       /* scratch gains */
} lbuf;

static void lbuf_free(lbuf *b)
{
  for (int i = 0; i < 4; i++) {
    free(b->w1[i]);
    free(b->w2[i]);
  }
  free(b->XT);
  free(b->YT);
  free(b->g1);
  free(b->g2);
}

/* Fit Q_l from layer l's q/k projections: into M, figures into f; g1, g2
 * the gains to fuse (g1 NULL: none on the original side). */
static int fit_layer(fc_audit_fit *f, double *M, const fc_stream *s,
                     lbuf *bf, const double *g1, const double *g2, double ug,
                     fc_dtype dt2, double u_c)
{
  size_t n = s->n, rq = s->H * s->d, r = rq + s->KV * s->d;
  for (size_t j = 0; j < r; j++) {
    const double *x = j < rq ? bf->w1[0] + j * n : bf->w1[1] + (j - rq) * n;
    const double *y = j < rq ? bf->w2[0] + j * n : bf->w2[1] + (j - rq) * n;
    for (size_t i = 0; i < n; i++) {
      bf->XT[i * r + j] = g1 ? x[i] * g1[i] : x[i];
      bf->YT[i * r + j] = y[i] * g2[i];
    }
  }
  double us = fc_dtype_unit_roundoff(dt2) + ug + U_D;
  return fc_audit_lsfit(f, M, bf->XT, bf->YT, n, r, r, us,
                        fc_dtype_subnormal_eta(dt2), u_c);
}

/* Replace s->Q by its orthogonal polar factor U (Newton-Schulz,
 * U <- U (3I - U^T U) / 2, which converges for ||U^T U - I||_2 < 1 and
 * needs only products), and set s->dq2, the bound on ||U - Q||_2 the
 * checks use.  For the exact Q and Q^ = Q + D (||D||_F <= delta), the
 * polar factors satisfy ||U - Q||_F <= 2 ||D||_F / (sigma_min(Q^) + 1)
 * <= 2 delta / (2 - delta) (Higham, Functions of Matrices, Thm 8.9); the
 * computed U is off orthogonal by the measured eps_o = ||U^T U - I||_F,
 * which we add.  The worst case is far above the rounding the data show
 * at BF16 (delta grows with the conditioning of [Wq; Wk] diag(g)), so as
 * audit.c's commutant threshold, dq2 is the smaller of it and
 * FC_STREAM_NOISE_K times the noise estimate of ||D||_2: for errors
 * spread evenly D is close to a Gaussian n x n matrix of Frobenius norm
 * `noise`, whose 2-norm is about 2 noise / sqrt(n). */
static int polar(fc_stream *s, double *A, double *B)
{
  size_t n = s->n;
  double *U = s->Q, prev = INFINITY, eo = INFINITY;
  for (int it = 0; it < 60; it++) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)n,
                (int)n, 1.0, U, (int)n, U, (int)n, 0.0, A, (int)n);
    for (size_t i = 0; i < n; i++)
      A[i * n + i] -= 1;
    eo = fc_ck_frob(A, n * n);
    if (!(eo < 0.5) || !(eo < prev))
      break; /* too far to converge, or converged to rounding */
    prev = eo;
    /* U <- U (I - (U^T U - I) / 2) */
    for (size_t i = 0; i < n * n; i++)
      A[i] *= -0.5;
    for (size_t i = 0; i < n; i++)
      A[i * n + i] += 1;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)n,
                (int)n, 1.0, U, (int)n, A, (int)n, 0.0, B, (int)n);
    memcpy(U, B, n * n * sizeof *U);
  }
  double dl = s->qf.delta;
  double worst = dl < 2 ? 2 * dl / (2 - dl) + fmin(eo, prev) : INFINITY;
  double data = FC_STREAM_NOISE_K * 2 * s->qf.noise / sqrt((double)n) +
                s->qf.comp + fmin(eo, prev);
  s->polar_defect = fmin(eo, prev);
  s->dq2 = isfinite(data) && data < worst ? data : worst;
  return FC_OK;
}

/* ||A - B||_F and the threshold of two independent estimates. */
static void compare(double *diff, double *tol, const double *A,
                    const double *B, const fc_audit_fit *fa,
                    const fc_audit_fit *fb, size_t n, double *tmp)
{
  for (size_t i = 0; i < n * n; i++)
    tmp[i] = A[i] - B[i];
  *diff = fc_ck_frob(tmp, n * n);
  double worst = fa->delta + fb->delta + fc_ck_gam(1, U_D) * (fa->normM + fb->normM);
  double thr = FC_STREAM_NOISE_K * sqrt(fa->noise * fa->noise +
                                        fb->noise * fb->noise) +
               fa->comp + fb->comp + fc_ck_gam(1, U_D) * (fa->normM + fb->normM);
  *tol = isfinite(thr) && thr < worst ? thr : worst;
}

static int fit_passes(const fc_audit_fit *f)
{
  return f->ok && f->res <= f->res_tol && f->orth <= f->orth_tol;
}

/* Does tensor nm differ between the checkpoints (its first row / the
 * vector)?  1 yes, 0 no or absent on either side. */
static int differs(const fc_ckpt *a, const fc_ckpt *b, const char *nm,
                   size_t n)
{
  const fc_tensor *t1, *t2;
  fc_error probe = {0, ""};
  if (fc_ckpt_find(&t1, a, nm, &probe) != FC_OK ||
      fc_ckpt_find(&t2, b, nm, &probe) != FC_OK || !t1->is_float ||
      !t2->is_float || t1->ndim < 1 || t1->ndim > 2 || t2->ndim != t1->ndim ||
      t1->shape[t1->ndim - 1] != n || t2->shape[t2->ndim - 1] != n)
    return 0;
  double *x = malloc(2 * n * sizeof *x);
  if (x == NULL)
    return 0;
  int d = 0;
  size_t k = t1->ndim == 1 ? n : 1, c = t1->ndim == 1 ? 1 : n;
  if (fc_ckpt_rows_d(x, a, t1, 0, k, &probe) == FC_OK &&
      fc_ckpt_rows_d(x + n, b, t2, 0, k, &probe) == FC_OK)
    d = memcmp(x, x + n, k * c * sizeof *x) != 0;
  free(x);
  return d;
}

static void layer_name(char *buf, size_t n, size_t l, const char *what)
{
  snprintf(buf, n, "model.layers.%zu.%s", l, what);
}

/* The verdict line from the per-layer and per-tensor results. */
static void compose(fc_stream *s)
{
  s->nbad = 0;
  const char *first = NULL;
  size_t fl = 0;
  for (size_t i = 0; i < s->nlayer; i++)
    if (s->layer[i].bad) {
      if (s->nbad++ == 0) {
        first = s->layer[i].reason;
        fl = s->layer[i].layer;
      }
    }
  const fc_stream_check *ch[2] = {&s->embed, &s->lm_head};
  char tb[200] = "";
  for (int i = 0; i < 2; i++)
    if (ch[i]->bad && s->nbad++ == 0 && first == NULL)
      snprintf(tb, sizeof tb, "%s not rotated with Q: ||Y - expected|| / "
               "||Y|| = %.3g > %.3g", ch[i]->name, ch[i]->res, ch[i]->tol);
  s->broken = s->nbad > 0 || !s->have_q;
  if (!s->have_q)
    snprintf(s->verdict, sizeof s->verdict, "BROKEN: no layer's q/k "
             "projections are an orthogonal rotation of the original's "
             "(gains fused): no residual rotation Q to recover");
  else if (s->broken && first)
    snprintf(s->verdict, sizeof s->verdict, "BROKEN: layer %zu: %.300s%s",
             fl, first, s->nbad > 1 ? " (and more below)" : "");
  else if (s->broken)
    snprintf(s->verdict, sizeof s->verdict, "BROKEN: %s", tb);
  else {
    size_t nm = 0;
    for (size_t i = 0; i < s->nlayer; i++)
      nm += s->layer[i].gate.present;
    snprintf(s->verdict, sizeof s->verdict, "consistent: Q orthogonal to "
             "%.3g (bound %.3g), all %zu audited layers (attention%s)%s%s",
             s->qf.orth, s->qf.orth_tol, s->nlayer,
             nm == s->nlayer && nm ? ", mlp" : nm ? ", some mlp" : "",
             s->embed.present ? " + embed_tokens" : "",
             s->lm_head.present ? " + lm_head" : "");
  }
}

static int layer_checks(fc_stream *s, fc_stream_layer *sl, const fc_ckpt *a,
                        const fc_ckpt *b, lbuf *bf, double u_c, fc_error *err)
{
  size_t l = sl->layer, n = s->n;
  char nm[256], lab[96];
  lab[0] = '\0';
  double ug;
  layer_name(nm, sizeof nm, l, "post_attention_layernorm.weight");
  int rc = gains(bf->g1, bf->g2, &ug, &sl->mlp_gdev, a, b, nm, n, err);
  const char *pj[2] = {"gate_proj", "up_proj"};
  fc_stream_check *cc[2] = {&sl->gate, &sl->up};
  for (int k = 0; k < 2 && rc == FC_OK; k++) {
    char w[64];
    snprintf(w, sizeof w, "mlp.%s.weight", pj[k]);
    layer_name(nm, sizeof nm, l, w);
    snprintf(lab, sizeof lab, "%.95s", nm);
    rc = check_in(cc[k], s, a, b, nm, lab, bf->g1, bf->g2, ug, u_c, err);
  }
  if (rc == FC_OK) {
    layer_name(nm, sizeof nm, l, "mlp.down_proj.weight");
    rc = check_out(&sl->down, s, a, b, nm, u_c, err);
  }
  if (rc)
    return rc;
  if (sl->bad)
    return FC_OK;
  for (int k = 0; k < 3; k++) {
    const fc_stream_check *c = k == 0 ? &sl->gate : k == 1 ? &sl->up
                                                           : &sl->down;
    if (!c->bad)
      continue;
    sl->bad = 1;
    if (k < 2 && sl->mlp_gdev > 0)
      snprintf(sl->reason, sizeof sl->reason, "%.60s' diag(g') is "
               "not (%s diag(g)) Q^T: ||.|| / ||Y|| = %.3g > %.3g; the rewritten "
               "post_attention_layernorm.weight is not 1 (max |g' - 1| = "
               "%.3g): a gain kept and fused (applied twice) or not fused",
               c->name, pj[k], c->res, c->tol, sl->mlp_gdev);
    else
      snprintf(sl->reason, sizeof sl->reason, "%.60s %s with Q: ||Y - %s|| / "
               "||Y|| = %.3g > %.3g", c->name, k < 2 ? "not rotated (input "
               "side, gain fused)" : "not rotated (output side)",
               k < 2 ? "X Q^T" : s->hadamard_down ? "Q X H^T" : "Q X",
               c->res, c->tol);
    break;
  }
  return FC_OK;
}

int fc_stream_run(fc_stream **out, const fc_ckpt *orig, const fc_ckpt *rew,
                  fc_residual_mode mode, const unsigned char *layers,
                  double u_arith, int hadamard_down, fc_error *err)
{
  *out = NULL;
  if (mode == FC_RESIDUAL_OFF || rew == NULL)
    return FC_OK;
  double t0 = fc_ck_now();
  const fc_ckpt_config *c = fc_ckpt_config_get(orig);
  size_t n = c->hidden, L = c->layers, l0 = 0;
  while (layers && l0 < L && !layers[l0])
    l0++;
  if (c->naming != FC_NAMES_LLAMA || c->fused_qkv) {
    if (mode == FC_RESIDUAL_AUTO)
      return FC_OK;
    return fc_error_set(err, FC_EPARSE, "%s/config.json: model_type '%s': "
                        "the residual-stream audit reads Llama-family tensor "
                        "names only (llama, mistral, qwen2)",
                        fc_ckpt_dir(orig), c->model_type);
  }
  char nm[256];
  if (mode == FC_RESIDUAL_AUTO) {
    layer_name(nm, sizeof nm, l0, "input_layernorm.weight");
    if (!differs(orig, rew, nm, n) &&
        !differs(orig, rew, "model.norm.weight", n) &&
        !differs(orig, rew, "model.embed_tokens.weight", n))
      return FC_OK;
  }
  double uc = fmax(u_arith, U_D);
  fc_stream *s = calloc(1, sizeof *s);
  lbuf bf;
  memset(&bf, 0, sizeof bf);
  if (s == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  s->n = n;
  s->H = c->heads;
  s->KV = c->kv_heads;
  s->d = c->head_dim;
  s->L = L;
  s->hadamard_down = hadamard_down;
  s->auto_mode = mode == FC_RESIDUAL_AUTO;
  size_t d = s->d, r = (s->H + s->KV) * d;
  size_t sz[4] = {s->H * d * n, s->KV * d * n, s->KV * d * n, n * s->H * d};
  int nomem = 0;
  for (int i = 0; i < 4; i++) {
    nomem |= (bf.w1[i] = malloc(sz[i] * sizeof(double))) == NULL;
    nomem |= (bf.w2[i] = malloc(sz[i] * sizeof(double))) == NULL;
  }
  bf.XT = malloc(n * r * sizeof(double));
  bf.YT = malloc(n * r * sizeof(double));
  bf.g1 = malloc(n * sizeof(double));
  bf.g2 = malloc(n * sizeof(double));
  s->Q = malloc(n * n * sizeof(double));
  double *Qalt = malloc(n * n * sizeof(double)),
         *Ql = malloc(n * n * sizeof(double)),
         *tmp = malloc(n * n * sizeof(double));
  s->g1 = malloc(L * n * sizeof(double));
  s->g2 = malloc(L * n * sizeof(double));
  s->layer = calloc(L + 1, sizeof *s->layer);
  nomem |= !bf.XT || !bf.YT || !bf.g1 || !bf.g2 || !s->Q || !Qalt || !Ql ||
           !tmp || !s->g1 || !s->g2 || !s->layer;
  int rc = nomem ? fc_error_set(err, FC_ENOMEM, "out of memory (residual "
                                "stream, hidden %zu)", n) : FC_OK;
  fc_audit_fit falt;
  int have_alt = 0;
  size_t alt = 0;
  memset(&falt, 0, sizeof falt);
  /* pass 1: Q_l per layer, the candidates */
  for (size_t l = 0; l < L && rc == FC_OK; l++) {
    if (layers && !layers[l])
      continue;
    fc_stream_layer *sl = &s->layer[s->nlayer++];
    sl->layer = l;
    fc_dtype dt1, dt2;
    rc = fc_ckpt_layer(bf.w1[0], bf.w1[1], bf.w1[2], bf.w1[3], &dt1, orig, l,
                       err);
    if (rc == FC_OK)
      rc = fc_ckpt_layer(bf.w2[0], bf.w2[1], bf.w2[2], bf.w2[3], &dt2, rew,
                         l, err);
    double ug;
    layer_name(nm, sizeof nm, l, "input_layernorm.weight");
    if (rc == FC_OK)
      rc = gains(s->g1 + l * n, s->g2 + l * n, &ug, &sl->gdev, orig, rew, nm,
                 n, err);
    if (rc == FC_OK)
      rc = fit_layer(&sl->q, Ql, s, &bf, s->g1 + l * n, s->g2 + l * n, ug,
                     dt2, uc);
    if (rc)
      break;
    sl->qdiff = sl->qdiff_alt = INFINITY;
    if (!fit_passes(&sl->q)) {
      sl->bad = 1;
      if (!sl->q.ok)
        snprintf(sl->reason, sizeof sl->reason, "the original's q/k "
                 "projections are rank deficient: Q is not determined");
      else if (sl->gdev > 0)
        snprintf(sl->reason, sizeof sl->reason, "q_proj/k_proj' diag(g') "
                 "is no rotation of (q_proj/k_proj diag(g)) (residual %.3g / "
                 "%.3g, ||Q_l^T Q_l - I||_F %.3g / %.3g); the rewritten "
                 "input_layernorm.weight is not 1 (max |g' - 1| = %.3g): a "
                 "gain kept and fused (applied twice) or not fused",
                 sl->q.res, sl->q.res_tol, sl->q.orth, sl->q.orth_tol,
                 sl->gdev);
      else {
        /* the gain dropped instead of fused? */
        fc_audit_fit f0;
        int nofuse = 0;
        if (!all_ones(s->g1 + l * n, n)) {
          rc = fit_layer(&f0, tmp, s, &bf, NULL, s->g2 + l * n, ug, dt2, uc);
          nofuse = rc == FC_OK && fit_passes(&f0);
        }
        snprintf(sl->reason, sizeof sl->reason, "%s (residual %.3g / %.3g, "
                 "||Q_l^T Q_l - I||_F %.3g / %.3g)", nofuse
                 ? "input_layernorm gain not fused: its weight is 1 in the "
                   "rewrite, but q_proj/k_proj' = W Q^T without diag(g)"
                 : sl->q.res > sl->q.res_tol
                     ? "q_proj/k_proj' are no linear map of (q_proj/k_proj "
                       "diag(g))"
                     : "the map of the q/k projections is not orthogonal: "
                       "no rotation of the stream",
                 sl->q.res, sl->q.res_tol, sl->q.orth, sl->q.orth_tol);
      }
      continue;
    }
    if (!s->have_q) {
      s->have_q = 1;
      s->ref = l;
      s->qf = sl->q;
      memcpy(s->Q, Ql, n * n * sizeof(double));
    }
    compare(&sl->qdiff, &sl->qdiff_tol, Ql, s->Q, &sl->q, &s->qf, n, tmp);
    if (have_alt)
      compare(&sl->qdiff_alt, &sl->qdiff_alt_tol, Ql, Qalt, &sl->q, &falt, n,
              tmp);
    else if (sl->qdiff > sl->qdiff_tol) {
      have_alt = 1;
      alt = l;
      falt = sl->q;
      memcpy(Qalt, Ql, n * n * sizeof(double));
      sl->qdiff_alt = 0;
      sl->qdiff_alt_tol = sl->qdiff_tol;
    }
  }
  if (rc == FC_OK && have_alt) {
    size_t kr = 0, ka = 0;
    for (size_t i = 0; i < s->nlayer; i++) {
      kr += s->layer[i].qdiff <= s->layer[i].qdiff_tol;
      ka += s->layer[i].qdiff_alt <= s->layer[i].qdiff_alt_tol;
    }
    if (ka > kr) { /* more layers agree with the other candidate */
      s->ref = alt;
      s->qf = falt;
      memcpy(s->Q, Qalt, n * n * sizeof(double));
      for (size_t i = 0; i < s->nlayer; i++) {
        fc_stream_layer *sl = &s->layer[i];
        double t = sl->qdiff, tt = sl->qdiff_tol;
        sl->qdiff = sl->qdiff_alt;
        sl->qdiff_tol = sl->qdiff_alt_tol;
        sl->qdiff_alt = t;
        sl->qdiff_alt_tol = tt;
      }
    }
  }
  for (size_t i = 0; rc == FC_OK && i < s->nlayer; i++) {
    fc_stream_layer *sl = &s->layer[i];
    if (sl->bad || sl->qdiff <= sl->qdiff_tol)
      continue;
    sl->bad = 1;
    snprintf(sl->reason, sizeof sl->reason, "another residual rotation: its "
             "q/k projections fit an orthogonal Q_l with ||Q_l - Q||_F = "
             "%.3g > %.3g (Q from layer %zu)", sl->qdiff, sl->qdiff_tol,
             s->ref);
  }
  if (rc == FC_OK && s->have_q) {
    rc = polar(s, tmp, Ql);
    /* u_extra: the recovered Q's error in the de-rotated tensors */
    s->u_extra = s->dq2 + fc_ck_gam((double)n, U_D) * sqrt((double)n);
    for (size_t i = 0; rc == FC_OK && i < s->nlayer; i++)
      rc = layer_checks(s, &s->layer[i], orig, rew, &bf, uc, err);
    if (rc == FC_OK)
      rc = check_in(&s->embed, s, orig, rew, "model.embed_tokens.weight",
                    NULL, NULL, NULL, 0, uc, err);
    double ug = 0;
    if (rc == FC_OK)
      rc = gains(bf.g1, bf.g2, &ug, &s->final_gdev, orig, rew,
                 "model.norm.weight", n, err);
    if (rc == FC_OK) {
      /* lm_head; tied to embed_tokens when absent from both */
      const fc_tensor *t1, *t2;
      fc_error probe = {0, ""};
      int tied = fc_ckpt_find(&t1, orig, "lm_head.weight", &probe) != FC_OK &&
                 fc_ckpt_find(&t2, rew, "lm_head.weight", &probe) != FC_OK;
      rc = check_in(&s->lm_head, s, orig, rew,
                    tied ? "model.embed_tokens.weight" : "lm_head.weight",
                    tied ? "lm_head (tied: model.embed_tokens.weight)" : NULL,
                    bf.g1, bf.g2, ug, uc, err);
      if (rc == FC_OK && s->lm_head.bad && s->final_gdev > 0) {
        size_t k = strlen(s->lm_head.name);
        snprintf(s->lm_head.name + k, sizeof s->lm_head.name - k,
                 " (model.norm.weight' not 1)");
      }
    }
  }
  if (rc == FC_OK)
    compose(s);
  lbuf_free(&bf);
  free(Qalt);
  free(Ql);
  free(tmp);
  s->seconds = fc_ck_now() - t0;
  if (rc) {
    fc_stream_free(s);
    return rc;
  }
  *out = s;
  return FC_OK;
}

/* ------------------------------------------------------------ de-rotate */

int fc_stream_derotate(const fc_stream *s, size_t l, double *const *w,
                       double *const *b, double *us, fc_error *err)
{
  if (s == NULL || !s->have_q)
    return FC_OK;
  size_t n = s->n, d = s->d, rows[3] = {s->H * d, s->KV * d, s->KV * d};
  const double *g1 = s->g1 + l * n, *g2 = s->g2 + l * n;
  double *tmp = malloc(rows[0] * n * sizeof *tmp);
  if (tmp == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory (de-rotating layer "
                        "%zu)", l);
  for (int i = 0; i < 3; i++) {
    for (size_t r = 0; r < rows[i]; r++)
      for (size_t j = 0; j < n; j++) {
        w[i][r * n + j] *= g1[j];
        w[4 + i][r * n + j] *= g2[j];
      }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows[i],
                (int)n, (int)n, 1.0, w[4 + i], (int)n, s->Q, (int)n, 0.0, tmp,
                (int)n);
    memcpy(w[4 + i], tmp, rows[i] * n * sizeof *tmp);
  }
  size_t hd = s->H * d;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n, (int)hd,
              (int)n, 1.0, s->Q, (int)n, w[7], (int)hd, 0.0, tmp, (int)hd);
  memcpy(w[7], tmp, n * hd * sizeof *tmp);
  cblas_dgemv(CblasRowMajor, CblasTrans, (int)n, (int)n, 1.0, s->Q, (int)n,
              b[7], 1, 0.0, tmp, 1);
  memcpy(b[7], tmp, n * sizeof *tmp);
  free(tmp);
  double ug = 0;
  for (size_t j = 0; j < n; j++)
    if (g2[j] != 1)
      ug = U_D; /* the product W' diag(g') in double */
  *us += s->u_extra + ug;
  return FC_OK;
}

void fc_stream_heads(fc_stream *s, const fc_audit *a)
{
  if (s == NULL || !s->have_q)
    return;
  for (size_t i = 0; i < a->nhead; i++) {
    const fc_audit_head *h = &a->head[i];
    if (h->verdict != FC_VERDICT_BROKEN)
      continue;
    int vo = strncmp(h->reason, "Wo not compensated", 18) == 0 ||
             strncmp(h->reason, "Wv' is not a linear map", 23) == 0 ||
             strncmp(h->reason, "the V map is singular", 21) == 0;
    if (!vo)
      continue;
    for (size_t k = 0; k < s->nlayer; k++) {
      fc_stream_layer *sl = &s->layer[k];
      if (sl->layer != h->layer)
        continue;
      if (sl->heads_out++ == 0 && !sl->bad) {
        sl->bad = 1;
        snprintf(sl->reason, sizeof sl->reason, "%s not rotated with Q: "
                 "after de-rotation (Wv' Q, Q^T Wo') head %zu fails: %.160s",
                 h->reason[0] == 'W' && h->reason[1] == 'o' ? "o_proj"
                                                              : "v_proj",
                 h->head, h->reason);
      }
    }
  }
  compose(s);
}

void fc_stream_free(fc_stream *s)
{
  if (s == NULL)
    return;
  free(s->Q);
  free(s->g1);
  free(s->g2);
  free(s->layer);
  free(s);
}

/* -------------------------------------------------------------- reports */

static void check_str(char *buf, size_t n, const fc_stream_check *c)
{
  if (!c->present)
    snprintf(buf, n, "-");
  else
    snprintf(buf, n, "%.3g%s", c->tol > 0 ? c->res / c->tol : c->res,
             c->bad ? "!" : "");
}

void fc_stream_write_text(FILE *out, const fc_stream *s, const char *pre)
{
  if (s == NULL)
    return;
  fprintf(out, "%sresidual stream (%s): Q %zu x %zu", pre,
          s->auto_mode ? "auto: a norm weight or the embeddings changed"
                       : "--residual on", s->n, s->n);
  if (s->have_q)
    fprintf(out, " recovered from layer %zu's q/k projections (gains fused; "
            "fit residual %.3g, bound %.3g); its polar factor is used, "
            "within %.3g of Q in 2-norm", s->ref, s->qf.res, s->qf.res_tol,
            s->dq2);
  fprintf(out, "%s\n", s->hadamard_down ? "; stated: online Hadamard before "
          "down_proj" : "");
  fprintf(out, "%sresidual rotation: %s (%.2f s)\n", pre, s->verdict,
          s->seconds);
  for (size_t i = 0; i < s->nlayer; i++) {
    const fc_stream_layer *sl = &s->layer[i];
    char g[24], u[24], dn[24];
    check_str(g, sizeof g, &sl->gate);
    check_str(u, sizeof u, &sl->up);
    check_str(dn, sizeof dn, &sl->down);
    char qd[64] = "no rotation";
    if (isfinite(sl->qdiff))
      snprintf(qd, sizeof qd, "%.3g (threshold %.3g)", sl->qdiff,
               sl->qdiff_tol);
    fprintf(out, "%s  layer %zu: ||Q_l - Q|| %s; mlp gate/up/down res/bnd "
            "%s %s %s: %s%s\n", pre, sl->layer, qd, g, u, dn, sl->bad ? "BROKEN: " : "ok",
            sl->bad ? sl->reason : "");
  }
  const fc_stream_check *ch[2] = {&s->embed, &s->lm_head};
  for (int i = 0; i < 2; i++)
    if (ch[i]->present)
      fprintf(out, "%s  %s: res/bnd %.3g: %s\n", pre, ch[i]->name,
              ch[i]->tol > 0 ? ch[i]->res / ch[i]->tol : ch[i]->res,
              ch[i]->bad ? "BROKEN (not rotated with Q)" : "ok");
}

static json_t *jnum(double v)
{
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t *check_json(const fc_stream_check *c)
{
  if (!c->present)
    return json_null();
  return json_pack("{s:s,s:o,s:o,s:b}", "tensor", c->name, "residual",
                   jnum(c->res), "bound", jnum(c->tol), "broken", c->bad);
}

struct json_t *fc_stream_json(const fc_stream *s)
{
  json_t *ls = json_array();
  for (size_t i = 0; ls && i < s->nlayer; i++) {
    const fc_stream_layer *sl = &s->layer[i];
    json_array_append_new(ls, json_pack(
        "{s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:s}",
        "layer", (json_int_t)sl->layer, "fit_residual", jnum(sl->q.res),
        "fit_bound", jnum(sl->q.res_tol), "orth_defect", jnum(sl->q.orth),
        "orth_bound", jnum(sl->q.orth_tol), "q_difference", jnum(sl->qdiff),
        "q_threshold", jnum(sl->qdiff_tol), "input_gain_deviation",
        jnum(sl->gdev), "gate", check_json(&sl->gate), "up",
        check_json(&sl->up), "down", check_json(&sl->down), "broken",
        sl->bad, "reason", sl->reason));
  }
  return json_pack("{s:b,s:b,s:b,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o}",
                   "auto", s->auto_mode, "broken", s->broken,
                   "online_hadamard_down", s->hadamard_down, "reference_layer",
                   s->have_q ? json_integer((json_int_t)s->ref) : json_null(),
                   "hidden", (json_int_t)s->n, "orth_defect",
                   jnum(s->qf.orth), "orth_bound", jnum(s->qf.orth_tol),
                   "q_error_2norm", jnum(s->dq2), "embed_tokens",
                   check_json(&s->embed), "lm_head", check_json(&s->lm_head),
                   "layers", ls ? ls : json_array(), "verdict", s->verdict,
                   "seconds", json_real(s->seconds));
}

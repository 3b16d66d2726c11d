/* kcall.c -- calling the selected provider's contracts and recording what
 * they return (kcall_internal.h).  Moved out of props/contract.c so that
 * contract.* and the large families judge the user's kernels through one
 * piece of code (issue 16). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kcall_internal.h"
#include "oracles/xdot.h"

int fc_kx_external(const fc_check_ctx *x)
{
  return x != NULL && x->kernels != NULL && x->kernels->provider != NULL;
}

int fc_kx_open(fc_kx *k, const fc_check_ctx *x)
{
  k->own = NULL;
  if (fc_kx_external(x)) {
    k->p = x->kernels->provider;
  } else {
    int rc = fc_kprov_builtin(&k->own, x && x->kernels
                                           ? x->kernels
                                           : fc_kernels_reference());
    if (rc != FC_OK)
      return rc;
    k->p = k->own;
  }
  k->a = *fc_kprov_arith(k->p);
  return FC_OK;
}

void fc_kx_close(fc_kx *k) { fc_kprov_close(k->own); }

void fc_kx_store(double *dst, unsigned char *bytes, const double *src,
                 size_t n, int fmt)
{
  for (size_t i = 0; i < n; i++)
    dst[i] = fc_fmt_round(fmt, src[i]);
  if (bytes != NULL)
    fc_fmt_encode(bytes, fmt, dst, n);
}

void fc_kx_failed(fc_check_result *r, const char *why)
{
  fc_check_kernel_failed(r, "%s", why);
}

/* The name and shape of output i of a contract call (for the place of a
 * NaN): rope (rows, d), attention (t, head, i), block (t, i), fold (the
 * folded matrix), sign (i). */
static void call_output(fc_output *o, const fc_kcall *c, size_t i)
{
  /* the names the accuracy checks give their outputs */
  static const char *const short_name[FC_KC_COUNT] = {
      "hello", "rope", "attention", "block", "fold", "sign_quant", "alloc"};
  const int64_t *ip = c->ip;
  memset(o, 0, sizeof *o);
  snprintf(o->name, sizeof o->name, "%s %s",
           c->contract >= 0 && c->contract < FC_KC_COUNT
               ? short_name[c->contract]
               : "?",
           i == 0 ? "out" : "scale");
  if (i != 0)
    return;
  const long a = (long)ip[0], b = (long)ip[1];
  switch (c->contract) {
  case FC_KC_ROPE: case FC_KC_BLOCK:
    o->ndim = 2, o->shape[0] = a, o->shape[1] = b;
    break;
  case FC_KC_ATTENTION:
    o->ndim = 3, o->shape[0] = a, o->shape[1] = (long)ip[2], o->shape[2] = b;
    break;
  case FC_KC_FOLD:
    o->ndim = 2, o->shape[0] = ip[2] ? b : a, o->shape[1] = ip[2] ? a : b;
    break;
  case FC_KC_SIGN:
    o->ndim = 1, o->shape[0] = a;
    break;
  default:
    break;
  }
}

int fc_kx_call(fc_check_result *r, fc_kx *k, fc_kcall *c, double *const *dec,
               const size_t *ndec)
{
  char why[160] = "";
  const int f = k->a.storage;
  fc_check_format(r, fc_fmt_name(f), fc_fmt_bits(f), ilogb(fc_fmt_max(f)));
  const int ncall = ++r->kernel_calls;
  int rc = fc_kprov_call(k->p, c, why, sizeof why);
  if (rc == FC_EKERNEL) {
    fc_check_kernel_failed(r, "%s (call %d)", why, ncall);
    return rc;
  }
  if (rc != FC_OK) {
    if (why[0] != '\0') /* the run's error says why (a failed restart) */
      snprintf(r->note, sizeof r->note, "%s", why);
    return rc;
  }
  for (size_t i = 0; i < c->nout && dec[i]; i++) {
    if (i == 0)
      fc_fmt_decode(dec[i], k->a.storage, c->out[i], ndec[i]);
    else
      memcpy(dec[i], c->out[i], ndec[i] * sizeof(double));
    for (size_t j = 0; j < ndec[i]; j++)
      if (!isfinite(dec[i][j])) {
        fc_output o;
        char at[64];
        call_output(&o, c, i);
        fc_check_kernel_failed(
            r, "kernel returned %s at %s index %s (call %d)",
            isnan(dec[i][j]) ? "NaN" : dec[i][j] > 0 ? "+Inf" : "-Inf",
            o.name, fc_output_coords(at, sizeof at, &o, (long)j), ncall);
        return FC_EKERNEL;
      }
  }
  if (!isnan(c->claimed) && r->note[0] == '\0')
    snprintf(r->note, sizeof r->note,
             "kernel claims max error %.3g (not used: the bound is the "
             "harness's)", c->claimed);
  return FC_OK;
}

void fc_kx_note(fc_check_result *r, const fc_kx *k, double worst_bound)
{
  if (r->note[0] != '\0')
    return;
  char ab[32];
  snprintf(r->note, sizeof r->note, "arith %s, largest bound %.3g",
           fc_arith_format(ab, sizeof ab, &k->a), worst_bound);
}

int fc_kx_rope(fc_check_result *r, fc_kx *k, double *out, const double *xs,
               size_t rows, const int64_t *pos, const fc_schedule *s)
{
  const size_t n = rows * s->d, es = fc_fmt_size(k->a.storage);
  unsigned char *buf = malloc(2 * n * es + 1);
  if (buf == NULL)
    return FC_ENOMEM;
  unsigned char *xb = buf, *yb = buf + n * es;
  fc_fmt_encode(xb, k->a.storage, xs, n);
  fc_kcall cl;
  memset(&cl, 0, sizeof cl);
  cl.contract = FC_KC_ROPE;
  cl.ip[0] = (int64_t)rows;
  cl.ip[1] = (int64_t)s->d;
  cl.ip[2] = s->layout == FC_LAYOUT_HALF ? FC_ROPE_HALF : FC_ROPE_INTERLEAVED;
  cl.ip[3] = (int64_t)s->rotary_dim;
  cl.nin = 3;
  cl.in[0] = xb;
  cl.in_bytes[0] = n * es;
  cl.in[1] = pos;
  cl.in_bytes[1] = rows * 8;
  cl.in[2] = s->theta;
  cl.in_bytes[2] = s->d / 2 * 8;
  cl.nout = 1;
  cl.out[0] = yb;
  cl.out_bytes[0] = n * es;
  double *dec[1] = {out};
  size_t ndec[1] = {n};
  int rc = fc_kx_call(r, k, &cl, dec, ndec);
  free(buf);
  return rc;
}

int fc_kx_fold(fc_check_result *r, fc_kx *k, double *w2, const double *W,
               const double *R, size_t d, size_t n, int side)
{
  const int f = k->a.storage;
  const size_t es = fc_fmt_size(f);
  unsigned char *buf = malloc((2 * d * n + d * d) * es);
  if (buf == NULL)
    return FC_ENOMEM;
  unsigned char *wb = buf, *rb = wb + d * n * es, *ob = rb + d * d * es;
  fc_fmt_encode(wb, f, W, d * n);
  fc_fmt_encode(rb, f, R, d * d);
  fc_kcall cl;
  memset(&cl, 0, sizeof cl);
  cl.contract = FC_KC_FOLD;
  cl.ip[0] = (int64_t)d;
  cl.ip[1] = (int64_t)n;
  cl.ip[2] = side;
  cl.nin = 2;
  cl.in[0] = wb;
  cl.in_bytes[0] = d * n * es;
  cl.in[1] = rb;
  cl.in_bytes[1] = d * d * es;
  cl.nout = 1;
  cl.out[0] = ob;
  cl.out_bytes[0] = d * n * es;
  double *dec[1] = {w2};
  size_t ndec[1] = {d * n};
  int rc = fc_kx_call(r, k, &cl, dec, ndec);
  free(buf);
  return rc;
}

int fc_kx_fold_accuracy(fc_check_result *r, const double *w2, const double *W,
                        const double *R, size_t d, size_t n, int side,
                        const fc_kernel_arith *a, double *RWd, double *Ef,
                        long prec)
{
  fc_mpmat_t mW, mR, mRt, mC;
  int rc;
  const size_t wr = side == 0 ? d : n, wc = side == 0 ? n : d;
  memset(mW, 0, sizeof mW);
  memset(mR, 0, sizeof mR);
  memset(mRt, 0, sizeof mRt);
  memset(mC, 0, sizeof mC);
  if ((rc = fc_mpmat_init(mC, wr, wc, prec)) != FC_OK)
    goto done;
  /* The exact product, each entry correctly rounded: exact dot products
   * of the stored doubles (xdot.h, issue 16), or, when their exponents
   * spread too widely, fc_mpmat_mul (the same values, slower). */
  fc_xacc *xa = malloc(sizeof *xa);
  int exact = xa != NULL;
  for (size_t i = 0; exact && i < wr; i++)
    for (size_t j = 0; exact && j < wc; j++)
      exact = (side == 0 ? fc_xdot_dd(mC->e[i * wc + j], xa, R + i * d, 1,
                                      W + j, n, d)
                         : fc_xdot_dd(mC->e[i * wc + j], xa, W + i * d, 1,
                                      R + j * d, 1, d)) == 0;
  free(xa);
  if (!exact) {
    if ((rc = fc_mpmat_init(mW, wr, wc, prec)) != FC_OK ||
        (rc = fc_mpmat_init(mR, d, d, prec)) != FC_OK ||
        (rc = fc_mpmat_init(mRt, d, d, prec)) != FC_OK)
      goto done;
    fc_mpmat_set_d(mW, W);
    fc_mpmat_set_d(mR, R);
    if (side == 0)
      rc = fc_mpmat_mul(mC, NULL, mR, mW);
    else {
      fc_mpmat_transpose(mRt, mR);
      rc = fc_mpmat_mul(mC, NULL, mW, mRt);
    }
    if (rc != FC_OK)
      goto done;
  }
  fc_bnd_fold(Ef, W, R, d, n, side, a);
  for (size_t i = 0; i < wr * wc; i++)
    fc_oracle_accuracy(r, w2[i], mC->e[i], Ef[i]);
  if (RWd != NULL)
    fc_mpmat_get_d(RWd, mC);
done:
  fc_mpmat_clear(mW);
  fc_mpmat_clear(mR);
  fc_mpmat_clear(mRt);
  fc_mpmat_clear(mC);
  return rc;
}

int fc_kx_block(fc_check_result *r, fc_kx *k, const fc_kx_blk *b,
                const double *wq, const double *wk, const double *wv,
                const double *wo, double *y)
{
  const int f = k->a.storage;
  const size_t es = fc_fmt_size(f), hd = b->heads * b->d, kd = b->kv * b->d;
  const size_t nx = b->T * b->dm, nq = hd * b->dm, nk = kd * b->dm;
  unsigned char *buf = malloc((nx * 2 + nq * 2 + nk * 2 + b->dm) * es);
  if (buf == NULL)
    return FC_ENOMEM;
  unsigned char *xb = buf, *qb = xb + nx * es, *kb = qb + nq * es,
                *vb = kb + nk * es, *ob = vb + nk * es, *gb = ob + nq * es,
                *yb = gb + b->dm * es;
  fc_fmt_encode(xb, f, b->x, nx);
  fc_fmt_encode(qb, f, wq, nq);
  fc_fmt_encode(kb, f, wk, nk);
  fc_fmt_encode(vb, f, wv, nk);
  fc_fmt_encode(ob, f, wo, nq);
  if (b->has_gain)
    fc_fmt_encode(gb, f, b->gain, b->dm);
  fc_kcall cl;
  memset(&cl, 0, sizeof cl);
  cl.contract = FC_KC_BLOCK;
  const int64_t ip[10] = {
      (int64_t)b->T, (int64_t)b->dm, (int64_t)b->d, (int64_t)b->heads,
      (int64_t)b->kv, b->causal, b->residual, b->has_gain,
      b->s->layout == FC_LAYOUT_HALF ? FC_ROPE_HALF : FC_ROPE_INTERLEAVED,
      (int64_t)b->s->rotary_dim};
  memcpy(cl.ip, ip, sizeof ip);
  cl.fp[0] = b->eps;
  cl.nin = 8;
  const void *ins[8] = {xb, qb, kb, vb, ob, gb, b->pos, b->s->theta};
  const size_t nbs[8] = {nx * es, nq * es, nk * es, nk * es, nq * es,
                         b->has_gain ? b->dm * es : 0, b->T * 8,
                         b->d / 2 * 8};
  for (int i = 0; i < 8; i++) {
    cl.in[i] = ins[i];
    cl.in_bytes[i] = nbs[i];
  }
  cl.nout = 1;
  cl.out[0] = yb;
  cl.out_bytes[0] = nx * es;
  double *dec[1] = {y};
  size_t ndec[1] = {nx};
  int rc = fc_kx_call(r, k, &cl, dec, ndec);
  free(buf);
  return rc;
}

int fc_kx_block_bound(double *E, const fc_kx *k, const fc_kx_blk *b,
                      const double *wq, const double *wk, const double *wv,
                      const double *wo, const size_t *rows, size_t nrows)
{
  fc_bnd_block_in bi;
  memset(&bi, 0, sizeof bi);
  bi.T = b->T;
  bi.dm = b->dm;
  bi.d = b->d;
  bi.heads = b->heads;
  bi.kv = b->kv;
  bi.causal = b->causal;
  bi.residual = b->residual;
  bi.x = b->x;
  bi.wq = wq;
  bi.wk = wk;
  bi.wv = wv;
  bi.wo = wo;
  bi.gain = b->has_gain ? b->gain : NULL;
  bi.eps = b->eps;
  bi.pos = b->pos;
  bi.s = b->s;
  bi.rows = rows;
  bi.nrows = nrows;
  return fc_bnd_block(E, &bi, &k->a);
}

int fc_kx_sign(fc_check_result *r, fc_kx *k, double *s, double *alpha,
               const double *ks, size_t n)
{
  const size_t es = fc_fmt_size(k->a.storage);
  unsigned char *buf = malloc(2 * n * es + 1), ab[8];
  if (buf == NULL)
    return FC_ENOMEM;
  unsigned char *kb = buf, *sb = buf + n * es;
  fc_fmt_encode(kb, k->a.storage, ks, n);
  fc_kcall cl;
  memset(&cl, 0, sizeof cl);
  cl.contract = FC_KC_SIGN;
  cl.ip[0] = (int64_t)n;
  cl.nin = 1;
  cl.in[0] = kb;
  cl.in_bytes[0] = n * es;
  cl.nout = 2;
  cl.out[0] = sb;
  cl.out_bytes[0] = n * es;
  cl.out[1] = ab;
  cl.out_bytes[1] = 8;
  double *dec[2] = {s, alpha};
  size_t ndec[2] = {n, 1};
  int rc = fc_kx_call(r, k, &cl, dec, ndec);
  free(buf);
  return rc;
}

int fc_kx_alloc(fc_check_result *r, fc_kx *k, int *bits, const double *ks,
                size_t n, size_t d, long d_l)
{
  const size_t es = fc_fmt_size(k->a.storage);
  unsigned char *kb = malloc(n * d * es + 1);
  if (kb == NULL)
    return FC_ENOMEM;
  fc_fmt_encode(kb, k->a.storage, ks, n * d);
  int32_t b = 0;
  fc_kcall cl;
  memset(&cl, 0, sizeof cl);
  cl.contract = FC_KC_ALLOC;
  cl.ip[0] = (int64_t)n;
  cl.ip[1] = (int64_t)d;
  cl.ip[2] = d_l;
  cl.nin = 1;
  cl.in[0] = kb;
  cl.in_bytes[0] = n * d * es;
  cl.nout = 1;
  cl.out[0] = &b;
  cl.out_bytes[0] = sizeof b;
  double *dec[1] = {NULL};
  size_t ndec[1] = {0};
  int rc = fc_kx_call(r, k, &cl, dec, ndec);
  *bits = (int)b;
  free(kb);
  return rc;
}

double fc_kx_sign_accuracy(fc_check_result *r, double *wrong, const double *s,
                           double alpha, const double *ks, size_t n,
                           const fc_kernel_arith *a, long prec)
{
  double w = 0;
  fc_check_output(r, "sign_quant out", FC_LEVEL_ACCURACY, 1, n, 0, 0);
  for (size_t i = 0; i < n; i++) {
    const double want = signbit(ks[i]) && ks[i] != 0 ? -1.0 : 1.0;
    w += s[i] != want;
    fc_check_record(r, FC_LEVEL_ACCURACY, s[i], want, fabs(s[i] - want), 0,
                    0);
  }
  fc_measure_fold(&r->level[FC_LEVEL_ACCURACY], w, 0, 0);
  mpfr_t m, t;
  mpfr_init2(m, prec);
  mpfr_init2(t, 64);
  mpfr_set_ui(m, 0, MPFR_RNDN);
  for (size_t i = 0; i < n; i++) {
    mpfr_set_d(t, fabs(ks[i]), MPFR_RNDN);
    mpfr_add(m, m, t, MPFR_RNDN); /* exact at P >= 64 + log2 n bits */
  }
  mpfr_div_ui(m, m, (unsigned long)n, MPFR_RNDN);
  const double bound = fc_bnd_sign_alpha(ks, n, a);
  fc_check_output(r, "sign_quant scale", FC_LEVEL_ACCURACY, 0, 0, 0, 0);
  fc_oracle_accuracy(r, alpha, m, bound);
  mpfr_clears(m, t, (mpfr_ptr)0);
  if (wrong != NULL)
    *wrong = w;
  return bound;
}

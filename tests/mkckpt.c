/* mkckpt.c -- write synthetic Hugging Face-style checkpoint pairs
 * (config.json + safetensors) for the audit tests (issue 12).
 *
 *   mkckpt OUTDIR SCENARIO [--seed S]
 * writes OUTDIR/orig and OUTDIR/rew.  Small models: 3 layers, hidden 64,
 * 4 heads (2 KV heads: GQA) of d = 16, rope_theta 10000, rotate_half.
 * SCENARIO is one word or several joined by '+' (e.g. mixing+bf16,
 * neox+mixing).  Words (the rewrite of orig):
 *   commuting   per KV group an orthogonal R in the RoPE commutant (one
 *               random plane rotation per frequency plane) on Q and K;
 *               V/O: layer 0 the same R, layer 1 another orthogonal map,
 *               layer 2 a merely invertible A; Wo' = Wo A^-1; F32
 *   bf16        commuting, rewritten tensors stored in BF16
 *   f16         commuting, both checkpoints F16
 *   sharded     commuting, each checkpoint in 2 shards with an index.json
 *   neox        GPT-NeoX: fused query_key_value (per-head [q; k; v]),
 *               rotary_pct 0.5 (fixed planes rotated by a dense O(8)),
 *               no GQA
 *   mixing      commuting R followed by a Givens rotation (0.3 rad, or X
 *               with a word angle=X, e.g. big4+mixing+angle=3e-3)
 *               between plane 1 and plane 5 (different frequencies);
 *               with a word layer=K only in layer K
 *               (big+mixing+angle=0.1+layer=17)
 *   hadamard    the normalised Sylvester-Hadamard matrix on Q/K/V, Wo
 *               compensated: orthogonal, not in the commutant
 *   nowo        commuting R on Q/K/V, Wo left as it was
 *   scaled      Q by 2R, K by R, V/O by R (R_q^T R_k = 2I: vo-only)
 *   gauge       Q by 2R, K by R/2 (a non-orthogonal score gauge R_q^T R_k = I
 *               in the commutant: foldable, beyond the Lean anchors)
 *   corrupt-*   commuting pair, then rew broken: truncated, hdrlen,
 *               badjson, dtype (unknown F12), intweight (q_proj as I32),
 *               sizemismatch, missing, noheads, overlap,
 *               notobject, dupshard, gap (8 bytes between the first two
 *               tensors' data), trailing (16 bytes after the last one)
 * OUTDIR/rotations.json holds the Q/K rotation of every layer and KV group
 * ({"rotations": [layer][group][d][d]}, for `audit --rotation`).
 *   big         32 layers, hidden 4096, 32 heads (8 KV) of d = 128, F16,
 *               only the q, k, v, o tensors (about 2.7 GB per checkpoint);
 *               commuting rewrite.  For tests/bench-audit.sh, not for
 *               make check.
 *   big4        the same shapes with 4 layers (a per-layer timing when
 *               writing 32 layers takes too long).
 * Exit 0, or 2 with a message. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cblas.h>
#include "ckpt/ckpt.h"

static int die(const char *fmt, const char *a)
{
  fprintf(stderr, "mkckpt: ");
  fprintf(stderr, fmt, a);
  fputc('\n', stderr);
  exit(2);
}

/* SCENARIO is a '+'-separated list of words, e.g. "mixing+bf16". */
static int has(const char *sc, const char *w)
{
  size_t n = strlen(w);
  for (const char *p = sc; (p = strstr(p, w)) != NULL; p += n)
    if ((p == sc || p[-1] == '+') && (p[n] == '\0' || p[n] == '+'))
      return 1;
  return 0;
}

/* --------------------------------------------------------------- random */
static uint64_t rs;
static uint64_t next(void)
{
  uint64_t z = (rs += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double unif(void) { return ((double)(next() >> 11) + 0.5) * 0x1p-53; }
static double gauss(void)
{
  return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

/* ------------------------------------------------------------ the model */
typedef struct model {
  size_t L, n, H, KV, d, rot;
  int neox;
  fc_dtype dt_orig, dt_rew;
} model;

/* C = A B (r x k times k x c) */
static void mul(double *C, const double *A, const double *B, size_t r,
                size_t k, size_t c)
{
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)r, (int)c,
              (int)k, 1.0, A, (int)k, B, (int)c, 0.0, C, (int)c);
}

/* inverse by Gauss-Jordan with partial pivoting (d small, well
 * conditioned by construction) */
static void inv(double *X, const double *A, size_t d)
{
  double *M = malloc(d * 2 * d * sizeof *M);
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < 2 * d; j++)
      M[i * 2 * d + j] = j < d ? A[i * d + j] : (j - d == i);
  for (size_t c = 0; c < d; c++) {
    size_t p = c;
    for (size_t i = c + 1; i < d; i++)
      if (fabs(M[i * 2 * d + c]) > fabs(M[p * 2 * d + c]))
        p = i;
    for (size_t j = 0; j < 2 * d; j++) {
      double t = M[c * 2 * d + j];
      M[c * 2 * d + j] = M[p * 2 * d + j];
      M[p * 2 * d + j] = t;
    }
    double pv = M[c * 2 * d + c];
    for (size_t j = 0; j < 2 * d; j++)
      M[c * 2 * d + j] /= pv;
    for (size_t i = 0; i < d; i++)
      if (i != c) {
        double f = M[i * 2 * d + c];
        for (size_t j = 0; j < 2 * d; j++)
          M[i * 2 * d + j] -= f * M[c * 2 * d + j];
      }
  }
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      X[i * d + j] = M[i * 2 * d + d + j];
  free(M);
}

/* plane i of rotate_half over rot dims: (i, i + rot/2); fixed planes after */
static void plane(size_t *a, size_t *b, const model *m, size_t i)
{
  if (i < m->rot / 2) {
    *a = i;
    *b = i + m->rot / 2;
  } else {
    *a = m->rot + 2 * (i - m->rot / 2);
    *b = *a + 1;
  }
}

static void givens(double *R, size_t d, size_t a, size_t b, double w)
{
  /* R <- G R, G rotating coordinates a, b by w */
  for (size_t j = 0; j < d; j++) {
    double x = R[a * d + j], y = R[b * d + j];
    R[a * d + j] = cos(w) * x - sin(w) * y;
    R[b * d + j] = sin(w) * x + cos(w) * y;
  }
}

/* An orthogonal member of the commutant: a rotation per rotating plane,
 * a dense rotation of the fixed coordinates. */
static void commuting(double *R, const model *m)
{
  size_t d = m->d;
  memset(R, 0, d * d * sizeof *R);
  for (size_t i = 0; i < d; i++)
    R[i * d + i] = 1;
  for (size_t i = 0; i < m->rot / 2; i++) {
    size_t a, b;
    plane(&a, &b, m, i);
    givens(R, d, a, b, 2 * M_PI * unif());
  }
  for (size_t a = m->rot; a < d; a++)
    for (size_t b = a + 1; b < d; b++)
      givens(R, d, a, b, 2 * M_PI * unif());
}

static void orthogonal(double *R, size_t d)
{
  memset(R, 0, d * d * sizeof *R);
  for (size_t i = 0; i < d; i++)
    R[i * d + i] = 1;
  for (int s = 0; s < 3; s++)
    for (size_t a = 0; a < d; a++)
      for (size_t b = a + 1; b < d; b++)
        givens(R, d, a, b, 2 * M_PI * unif());
}

static void hadamard(double *R, size_t d)
{
  for (size_t i = 0; i < d; i++)
    for (size_t j = 0; j < d; j++)
      R[i * d + j] = (__builtin_popcountll(i & j) & 1 ? -1 : 1) / sqrt((double)d);
}

/* ------------------------------------------------------------- writing */
typedef struct tens {
  char name[128];
  fc_dtype dt;
  size_t rows, cols;
  double *data;
} tens;

static void store(unsigned char *p, fc_dtype dt, double v)
{
  if (dt == FC_DT_F32) {
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    for (int b = 0; b < 4; b++)
      p[b] = (unsigned char)(u >> (8 * b));
  } else if (dt == FC_DT_F64) {
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int b = 0; b < 8; b++)
      p[b] = (unsigned char)(u >> (8 * b));
  } else {
    uint16_t h = dt == FC_DT_F16 ? fc_d_to_f16(v) : fc_d_to_bf16(v);
    p[0] = (unsigned char)h;
    p[1] = (unsigned char)(h >> 8);
  }
}

/* Corruption hooks on the header object. */
static const char *corrupt = "";

static void write_st(const char *path, tens *t, size_t nt)
{
  json_t *h = json_object();
  json_object_set_new(h, "__metadata__", json_pack("{s:s}", "format", "pt"));
  size_t off = 0;
  for (size_t i = 0; i < nt; i++) {
    size_t len = t[i].rows * t[i].cols * fc_dtype_size(t[i].dt);
    size_t cols = t[i].cols;
    const char *dn = fc_dtype_name(t[i].dt);
    size_t b = off, e = off + len;
    if (i == 0 && strcmp(corrupt, "sizemismatch") == 0)
      cols += 1;
    if (i == 0 && strcmp(corrupt, "dtype") == 0)
      dn = "F12";
    if (i == 0 && strcmp(corrupt, "intweight") == 0)
      dn = "I32"; /* a known dtype, same size, but no float weight */
    if (i == 1 && strcmp(corrupt, "overlap") == 0) {
      b -= 8;
      e -= 8;
    }
    if (i >= 1 && strcmp(corrupt, "gap") == 0) {
      b += 8; /* 8 zero bytes after tensor 0 that no tensor covers */
      e += 8;
    }
    json_object_set_new(h, t[i].name,
                        strcmp(corrupt, "notobject") == 0 && i == 0
                            ? json_string("oops")
                            : json_pack("{s:s,s:[I,I],s:[I,I]}", "dtype", dn,
                                        "shape", (json_int_t)t[i].rows,
                                        (json_int_t)cols, "data_offsets",
                                        (json_int_t)b, (json_int_t)e));
    off += len;
  }
  char *js = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(h);
  size_t hl = strlen(js), pad = (8 - hl % 8) % 8;
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    die("cannot write %s", path);
  uint64_t N = hl + pad;
  if (strcmp(corrupt, "hdrlen") == 0)
    N = (uint64_t)1 << 40;
  if (strcmp(corrupt, "badjson") == 0)
    js[hl / 2] = '#';
  for (int b = 0; b < 8; b++)
    fputc((int)((N >> (8 * b)) & 255), f);
  fwrite(js, 1, hl, f);
  for (size_t i = 0; i < pad; i++)
    fputc(' ', f);
  free(js);
  for (size_t i = 0; i < nt; i++) {
    size_t es = fc_dtype_size(t[i].dt), n = t[i].rows * t[i].cols;
    unsigned char *buf = malloc(n * es);
    for (size_t k = 0; k < n; k++)
      store(buf + k * es, t[i].dt, t[i].data[k]);
    fwrite(buf, es, n, f);
    free(buf);
    if (i == 0 && strcmp(corrupt, "gap") == 0)
      for (int k = 0; k < 8; k++)
        fputc(0, f);
  }
  if (strcmp(corrupt, "trailing") == 0) /* 16 bytes after the last tensor */
    for (int k = 0; k < 16; k++)
      fputc(0, f);
  if (fclose(f) != 0)
    die("write error on %s", path);
  if (strcmp(corrupt, "truncated") == 0) {
    struct stat st;
    stat(path, &st);
    if (truncate(path, st.st_size / 2) != 0)
      die("cannot truncate %s", path);
  }
}

static void write_config(const char *dir, const model *m, int noheads)
{
  char p[4096];
  snprintf(p, sizeof p, "%s/config.json", dir);
  json_t *c = json_pack("{s:s,s:I,s:I,s:I,s:f,s:I}", "model_type",
                        m->neox ? "gpt_neox" : "llama", "hidden_size",
                        (json_int_t)m->n, "num_hidden_layers",
                        (json_int_t)m->L, "num_key_value_heads",
                        (json_int_t)m->KV, "rope_theta", 10000.0,
                        "max_position_embeddings", (json_int_t)4096);
  if (!noheads)
    json_object_set_new(c, "num_attention_heads", json_integer((json_int_t)m->H));
  if (m->neox)
    json_object_set_new(c, "rotary_pct", json_real((double)m->rot / (double)m->d));
  if (json_dump_file(c, p, JSON_INDENT(2)) != 0)
    die("cannot write %s", p);
  json_decref(c);
}

static double *randmat(size_t r, size_t c)
{
  double *a = malloc(r * c * sizeof *a);
  if (a == NULL)
    die("%s", "out of memory");
  double s = 1 / sqrt((double)c);
  for (size_t i = 0; i < r * c; i++)
    a[i] = s * gauss();
  return a;
}

/* Round to the storage format (what the stored tensor holds). */
static void round_to(double *a, size_t n, fc_dtype dt)
{
  for (size_t i = 0; i < n; i++) {
    if (dt == FC_DT_F32)
      a[i] = (float)a[i];
    else if (dt == FC_DT_F16)
      a[i] = fc_f16_to_d(fc_d_to_f16(a[i]));
    else if (dt == FC_DT_BF16)
      a[i] = fc_bf16_to_d(fc_d_to_bf16(a[i]));
  }
}

/* Y rows [r0, r0 + d) = M X rows [r0, r0 + d) (row block of n cols) */
static void left(double *Y, const double *M, const double *X, size_t d,
                 size_t n)
{
  mul(Y, M, X, d, d, n);
}

int main(int argc, char **argv)
{
  if (argc < 3)
    die("%s", "usage: mkckpt OUTDIR SCENARIO [--seed S]");
  const char *out = argv[1], *sc = argv[2];
  rs = 12345;
  /* mixing angle: 0.3 rad, or the value of a word "angle=X" */
  double mix_angle = 0.3;
  const char *ap = strstr(sc, "angle=");
  if (ap && (ap == sc || ap[-1] == '+'))
    mix_angle = strtod(ap + 6, NULL);
  /* mixing in one layer only: a word "layer=K" (else every layer) */
  long mix_layer = -1;
  const char *lp = strstr(sc, "layer=");
  if (lp && (lp == sc || lp[-1] == '+'))
    mix_layer = strtol(lp + 6, NULL, 10);
  if (argc == 5 && strcmp(argv[3], "--seed") == 0)
    rs = strtoull(argv[4], NULL, 0);
  model m = {3, 64, 4, 2, 16, 16, 0, FC_DT_F32, FC_DT_F32};
  if (strncmp(sc, "corrupt-", 8) == 0)
    corrupt = sc + 8;
  int big = has(sc, "big") || has(sc, "big4"), neox = has(sc, "neox");
  if (big) {
    m.L = has(sc, "big4") ? 4 : 32; m.n = 4096; m.H = 32; m.KV = 8;
    m.d = 128; m.rot = 128;
    m.dt_orig = m.dt_rew = FC_DT_F16;
  }
  if (neox) {
    m.neox = 1; m.KV = m.H; m.rot = 8;
  }
  if (has(sc, "bf16"))
    m.dt_rew = FC_DT_BF16;
  if (has(sc, "f16"))
    m.dt_orig = m.dt_rew = FC_DT_F16;
  int sharded = has(sc, "sharded") || strcmp(corrupt, "dupshard") == 0;
  char od[4096], rd[4096], p[8192];
  snprintf(od, sizeof od, "%s/orig", out);
  snprintf(rd, sizeof rd, "%s/rew", out);
  mkdir(out, 0777);
  mkdir(od, 0777);
  mkdir(rd, 0777);
  size_t n = m.n, d = m.d, H = m.H, KV = m.KV, Gq = H / KV;
  size_t per = m.neox ? 2 : 4;
  tens *to = calloc(m.L * per, sizeof *to), *tr = calloc(m.L * per, sizeof *tr);
  double *R = malloc(KV * d * d * sizeof *R), *A = malloc(KV * d * d * sizeof *A),
         *Ai = malloc(KV * d * d * sizeof *Ai), *tmp = malloc(d * d * sizeof *tmp);
  size_t nt = 0;
  json_t *bigmap[2] = {json_object(), json_object()};
  if (!big) {
    json_decref(bigmap[0]);
    json_decref(bigmap[1]);
  }
  json_t *rots = json_array(); /* the Q/K rotation of every layer and group */
  for (size_t l = 0; l < m.L; l++) {
    double *wq = randmat(H * d, n), *wk = randmat(KV * d, n),
           *wv = randmat(KV * d, n), *wo = randmat(n, H * d);
    round_to(wq, H * d * n, m.dt_orig);
    round_to(wk, KV * d * n, m.dt_orig);
    round_to(wv, KV * d * n, m.dt_orig);
    round_to(wo, n * H * d, m.dt_orig);
    for (size_t g = 0; g < KV; g++) {
      double *Rg = R + g * d * d, *Ag = A + g * d * d;
      if (has(sc, "hadamard"))
        hadamard(Rg, d);
      else
        commuting(Rg, &m);
      if (has(sc, "mixing") && (mix_layer < 0 || (size_t)mix_layer == l)) {
        size_t a1, b1, a5, b5;
        plane(&a1, &b1, &m, 1);
        plane(&a5, &b5, &m, 5);
        givens(Rg, d, a1, a5, mix_angle);
      }
      if (!big) {
        if (g == 0)
          json_array_append_new(rots, json_array());
        json_t *mj = json_array();
        for (size_t i = 0; i < d; i++) {
          json_t *row = json_array();
          for (size_t j = 0; j < d; j++)
            json_array_append_new(row, json_real(Rg[i * d + j]));
          json_array_append_new(mj, row);
        }
        json_array_append_new(json_array_get(rots, l), mj);
      }
      memcpy(Ag, Rg, d * d * sizeof *Ag);
      if (has(sc, "commuting") && l == 1)
        orthogonal(Ag, d);
      if (has(sc, "commuting") && l == 2)
        for (size_t i = 0; i < d * d; i++)
          Ag[i] = (i % (d + 1) == 0) + 0.3 * gauss() / sqrt((double)d);
      inv(Ai + g * d * d, Ag, d);
    }
    double *q2 = malloc(H * d * n * sizeof *q2), *k2 = malloc(KV * d * n * sizeof *k2),
           *v2 = malloc(KV * d * n * sizeof *v2), *o2 = malloc(n * H * d * sizeof *o2);
    /* scaled: Q by 2R, K by R (scores doubled); gauge: Q by 2R, K by R/2
     * (a non-orthogonal score gauge: scores unchanged) */
    double qs = has(sc, "scaled") || has(sc, "gauge") ? 2 : 1;
    double ks = has(sc, "gauge") ? 2 : 1;
    for (size_t h = 0; h < H; h++) {
      memcpy(tmp, R + (h / Gq) * d * d, d * d * sizeof *tmp);
      for (size_t i = 0; i < d * d; i++)
        tmp[i] *= qs;
      left(q2 + h * d * n, tmp, wq + h * d * n, d, n);
    }
    for (size_t g = 0; g < KV; g++) {
      memcpy(tmp, R + g * d * d, d * d * sizeof *tmp);
      for (size_t i = 0; i < d * d; i++)
        tmp[i] /= ks;
      left(k2 + g * d * n, tmp, wk + g * d * n, d, n);
      left(v2 + g * d * n, A + g * d * d, wv + g * d * n, d, n);
    }
    /* Wo'_h = Wo_h A_g^-1 (columns of head h) */
    for (size_t h = 0; h < H; h++)
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)d,
                  (int)d, 1.0, wo + h * d, (int)(H * d), Ai + (h / Gq) * d * d,
                  (int)d, 0.0, o2 + h * d, (int)(H * d));
    if (has(sc, "nowo"))
      memcpy(o2, wo, n * H * d * sizeof *o2);
    if (m.neox) {
      double *f1 = malloc(3 * H * d * n * sizeof *f1), *f2 = malloc(3 * H * d * n * sizeof *f2);
      for (size_t h = 0; h < H; h++) {
        memcpy(f1 + (3 * h) * d * n, wq + h * d * n, d * n * sizeof *f1);
        memcpy(f1 + (3 * h + 1) * d * n, wk + h * d * n, d * n * sizeof *f1);
        memcpy(f1 + (3 * h + 2) * d * n, wv + h * d * n, d * n * sizeof *f1);
        memcpy(f2 + (3 * h) * d * n, q2 + h * d * n, d * n * sizeof *f2);
        memcpy(f2 + (3 * h + 1) * d * n, k2 + h * d * n, d * n * sizeof *f2);
        memcpy(f2 + (3 * h + 2) * d * n, v2 + h * d * n, d * n * sizeof *f2);
      }
      free(wq); free(wk); free(wv); free(q2); free(k2); free(v2);
      tens a = {"", m.dt_orig, 3 * H * d, n, f1}, b = {"", m.dt_rew, 3 * H * d, n, f2};
      snprintf(a.name, sizeof a.name, "gpt_neox.layers.%zu.attention.query_key_value.weight", l);
      strcpy(b.name, a.name);
      to[nt] = a; tr[nt] = b;
      tens c = {"", m.dt_orig, n, H * d, wo}, e = {"", m.dt_rew, n, H * d, o2};
      snprintf(c.name, sizeof c.name, "gpt_neox.layers.%zu.attention.dense.weight", l);
      strcpy(e.name, c.name);
      to[nt + 1] = c; tr[nt + 1] = e;
      nt += 2;
    } else {
      const char *nm[4] = {"q_proj", "k_proj", "v_proj", "o_proj"};
      double *wa[4] = {wq, wk, wv, wo}, *wb[4] = {q2, k2, v2, o2};
      size_t rows[4] = {H * d, KV * d, KV * d, n}, cols[4] = {n, n, n, H * d};
      for (int i = 0; i < 4; i++) {
        tens a = {"", m.dt_orig, rows[i], cols[i], wa[i]};
        snprintf(a.name, sizeof a.name, "model.layers.%zu.self_attn.%s.weight", l, nm[i]);
        tens b = a;
        b.dt = m.dt_rew;
        b.data = wb[i];
        to[nt] = a;
        tr[nt] = b;
        nt++;
      }
    }
    if (big) {
      for (int w = 0; w < 2; w++) {
        char fn[64];
        snprintf(fn, sizeof fn, "model-%05zu-of-%05zu.safetensors", l + 1, m.L);
        snprintf(p, sizeof p, "%s/%s", w ? rd : od, fn);
        tens *t = w ? tr : to;
        write_st(p, t, nt);
        for (size_t i = 0; i < nt; i++) {
          json_object_set_new(bigmap[w], t[i].name, json_string(fn));
          free(t[i].data);
        }
      }
      nt = 0;
      fprintf(stderr, "mkckpt: layer %zu written\n", l);
    }
  }
  if (big) {
    for (int w = 0; w < 2; w++) {
      json_t *ix = json_pack("{s:{s:I},s:o}", "metadata", "total_size",
                             (json_int_t)0, "weight_map", bigmap[w]);
      snprintf(p, sizeof p, "%s/model.safetensors.index.json", w ? rd : od);
      if (json_dump_file(ix, p, JSON_INDENT(2)) != 0)
        die("cannot write %s", p);
      json_decref(ix);
    }
    write_config(od, &m, 0);
    write_config(rd, &m, 0);
    json_decref(rots);
    free(to); free(tr); free(R); free(A); free(Ai); free(tmp);
    return 0;
  }
  write_config(od, &m, 0);
  write_config(rd, &m, strcmp(corrupt, "noheads") == 0);
  {
    json_t *rf = json_pack("{s:o}", "rotations", rots);
    snprintf(p, sizeof p, "%s/rotations.json", out);
    if (json_dump_file(rf, p, JSON_COMPACT | JSON_REAL_PRECISION(17)) != 0)
      die("cannot write %s", p);
    json_decref(rf);
  }
  size_t ntr = nt;
  double *dropped = NULL;
  if (strcmp(corrupt, "missing") == 0) { /* drop layer 1's k_proj */
    dropped = tr[per + 1].data;
    memmove(tr + per + 1, tr + per + 2, (nt - per - 2) * sizeof *tr);
    ntr--;
  }
  const char *saved = corrupt;
  corrupt = "";
  if (sharded) {
    for (int w = 0; w < 2; w++) {
      const char *dir = w ? rd : od;
      tens *t = w ? tr : to;
      size_t half = nt / 2;
      json_t *wm = json_object();
      for (size_t i = 0; i < nt; i++)
        json_object_set_new(wm, t[i].name, json_string(i < half ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors"));
      snprintf(p, sizeof p, "%s/model-00001-of-00002.safetensors", dir);
      write_st(p, t, half);
      snprintf(p, sizeof p, "%s/model-00002-of-00002.safetensors", dir);
      if (w && strcmp(saved, "dupshard") == 0) { /* shard 2 repeats shard 1's first tensor */
        tens *t2 = malloc((nt - half + 1) * sizeof *t2);
        t2[0] = t[0];
        memcpy(t2 + 1, t + half, (nt - half) * sizeof *t2);
        write_st(p, t2, nt - half + 1);
        free(t2);
      } else
        write_st(p, t + half, nt - half);
      json_t *ix = json_pack("{s:{s:I},s:o}", "metadata", "total_size", (json_int_t)0, "weight_map", wm);
      snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
      json_dump_file(ix, p, JSON_INDENT(2));
      json_decref(ix);
    }
  } else {
    snprintf(p, sizeof p, "%s/model.safetensors", od);
    write_st(p, to, nt);
    corrupt = saved;
    snprintf(p, sizeof p, "%s/model.safetensors", rd);
    write_st(p, tr, ntr);
  }
  for (size_t i = 0; i < nt; i++)
    free(to[i].data);
  for (size_t i = 0; i < ntr; i++)
    free(tr[i].data);
  free(dropped);
  free(to); free(tr); free(R); free(A); free(Ai); free(tmp);
  return 0;
}

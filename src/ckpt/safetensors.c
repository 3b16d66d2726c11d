/* safetensors.c -- memory-mapped safetensors checkpoints (ckpt.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>
#include "ckpt/ckpt.h"
#include "engine/safeio.h"

/* ------------------------------------------------------------- formats */

const char *fc_dtype_name(fc_dtype t)
{
  switch (t) {
  case FC_DT_F64: return "F64";
  case FC_DT_F32: return "F32";
  case FC_DT_F16: return "F16";
  case FC_DT_BF16: return "BF16";
  }
  return "?";
}

size_t fc_dtype_size(fc_dtype t)
{
  return t == FC_DT_F64 ? 8 : t == FC_DT_F32 ? 4 : 2;
}

double fc_dtype_unit_roundoff(fc_dtype t)
{
  /* u = 2^-p for a p-bit significand (implicit bit included). */
  switch (t) {
  case FC_DT_F64: return ldexp(1, -53);
  case FC_DT_F32: return ldexp(1, -24);
  case FC_DT_F16: return ldexp(1, -11);
  case FC_DT_BF16: return ldexp(1, -8);
  }
  return 1;
}

double fc_dtype_subnormal_eta(fc_dtype t)
{
  /* Half the subnormal spacing 2^(emin - p + 1). */
  switch (t) {
  case FC_DT_F64: return ldexp(1, -1075);
  case FC_DT_F32: return ldexp(1, -150);
  case FC_DT_F16: return ldexp(1, -25);
  case FC_DT_BF16: return ldexp(1, -134);
  }
  return 1;
}

double fc_f16_to_d(uint16_t h)
{
  int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
  double v;
  if (e == 0)
    v = ldexp(m, -24);
  else if (e == 31)
    v = m ? NAN : INFINITY;
  else
    v = ldexp(m + 1024, e - 25);
  return s ? -v : v;
}

double fc_bf16_to_d(uint16_t h)
{
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

uint16_t fc_d_to_bf16(double x)
{
  float f = (float)x; /* double -> float -> bf16: a double rounding, but
                         the test generators only need nearest-even of the
                         float, which is what checkpoint writers do */
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (uint16_t)((u >> 16) | 64);
  uint32_t r = u + 0x7fffu + ((u >> 16) & 1);
  return (uint16_t)(r >> 16);
}

uint16_t fc_d_to_f16(double x)
{
  uint16_t s = signbit(x) ? 0x8000 : 0;
  double a = fabs(x);
  if (isnan(x))
    return 0x7e00;
  if (a >= 65520.0)
    return s | 0x7c00;
  if (a < ldexp(1, -14)) { /* subnormal: multiples of 2^-24 */
    double q = nearbyint(ldexp(a, 24)); /* ties to even (default mode) */
    return s | (uint16_t)q;
  }
  int e;
  double fr = frexp(a, &e); /* a = fr 2^e, fr in [0.5, 1) */
  double q = nearbyint(ldexp(fr, 11)); /* 1024 .. 2048 */
  if (q >= 2048) {
    q /= 2;
    e++;
  }
  if (e + 14 >= 31)
    return s | 0x7c00;
  return s | (uint16_t)((e + 14) << 10) | (uint16_t)((int)q - 1024);
}

/* ------------------------------------------------------------ the files */

typedef struct st_file {
  char *path;
  unsigned char *map;
  size_t size;
} st_file;

struct fc_ckpt {
  char *dir;
  fc_ckpt_config cfg;
  st_file *files;
  size_t nfiles;
  fc_tensor *t; /* sorted by name */
  size_t nt, capt;
};

static int cmp_tensor(const void *a, const void *b)
{
  return strcmp(((const fc_tensor *)a)->name, ((const fc_tensor *)b)->name);
}

/* The dtypes of the safetensors format (its Rust crate's Dtype). */
static int parse_dtype(fc_tensor *t, const char *s)
{
  static const struct { const char *n; int fl; fc_dtype t; size_t sz; } tab[] = {
      {"F64", 1, FC_DT_F64, 8}, {"F32", 1, FC_DT_F32, 4},
      {"F16", 1, FC_DT_F16, 2}, {"BF16", 1, FC_DT_BF16, 2},
      {"BOOL", 0, FC_DT_F64, 1}, {"U8", 0, FC_DT_F64, 1},
      {"I8", 0, FC_DT_F64, 1}, {"F8_E4M3", 0, FC_DT_F64, 1},
      {"F8_E5M2", 0, FC_DT_F64, 1}, {"I16", 0, FC_DT_F64, 2},
      {"U16", 0, FC_DT_F64, 2}, {"I32", 0, FC_DT_F64, 4},
      {"U32", 0, FC_DT_F64, 4}, {"I64", 0, FC_DT_F64, 8},
      {"U64", 0, FC_DT_F64, 8}};
  for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
    if (strcmp(s, tab[i].n) == 0) {
      t->dtype = tab[i].t;
      t->is_float = tab[i].fl;
      t->esize = tab[i].sz;
      snprintf(t->dtname, sizeof t->dtname, "%s", tab[i].n);
      return 0;
    }
  return -1;
}

typedef struct span { size_t b, e, idx; } span;

static int cmp_span(const void *a, const void *b)
{
  const span *x = a, *y = b;
  return x->b < y->b ? -1 : x->b > y->b ? 1 : x->e < y->e ? -1 : x->e > y->e;
}

/* Map one file and add its tensors.  `only`: when non-NULL, a JSON object
 * of the names this shard must hold per the index (unused here: the index
 * is checked after all files are read). */
static int add_file(fc_ckpt *ck, const char *path, fc_error *err)
{
  /* Opened without blocking and checked before mapping: a FIFO or a
   * device named model.safetensors is refused at once (engine/safeio.h). */
  int fd;
  uint64_t fsize;
  int orc = fc_file_open_read(&fd, &fsize, NULL, path, SIZE_MAX / 4,
                              FC_FILE_REGULAR, err);
  if (orc != FC_OK)
    return orc;
  size_t size = (size_t)fsize;
  if (size < 8) {
    close(fd);
    return fc_error_set(err, FC_EPARSE,
                        "%s: truncated: %zu bytes, no 8-byte header length",
                        path, size);
  }
  unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED)
    return fc_error_set(err, FC_EIO, "%s: cannot map: %s", path,
                        strerror(errno));
  st_file *nf = realloc(ck->files, (ck->nfiles + 1) * sizeof *nf);
  if (nf == NULL) {
    munmap(map, size);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  ck->files = nf;
  size_t fi = ck->nfiles;
  nf[fi].path = strdup(path);
  nf[fi].map = map;
  nf[fi].size = size;
  ck->nfiles++;
  if (nf[fi].path == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");

  uint64_t hl = 0;
  for (int i = 7; i >= 0; i--)
    hl = (hl << 8) | map[i];
  if (hl > size - 8)
    return fc_error_set(err, FC_EPARSE,
                        "%s: header length %llu beyond the file (%zu bytes)",
                        path, (unsigned long long)hl, size);
  json_error_t je;
  json_t *h = json_loadb((const char *)map + 8, (size_t)hl, 0, &je);
  if (h == NULL)
    return fc_error_set(err, FC_EPARSE, "%s: header is not valid JSON: %s "
                        "(header byte %d)", path, je.text, je.position);
  int rc = FC_OK;
  span *sp = NULL;
  size_t nsp = 0;
  size_t data_len = size - 8 - (size_t)hl;
  const unsigned char *data = map + 8 + hl;
  if (!json_is_object(h)) {
    rc = fc_error_set(err, FC_EPARSE, "%s: header is not a JSON object", path);
    goto done;
  }
  sp = malloc((json_object_size(h) + 1) * sizeof *sp);
  if (sp == NULL) {
    rc = fc_error_set(err, FC_ENOMEM, "out of memory");
    goto done;
  }
  const char *key;
  json_t *v;
  json_object_foreach(h, key, v) {
    if (strcmp(key, "__metadata__") == 0)
      continue;
    if (!json_is_object(v)) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': entry is not an "
                        "object", path, key);
      goto done;
    }
    json_t *jd = json_object_get(v, "dtype"), *js = json_object_get(v, "shape"),
           *jo = json_object_get(v, "data_offsets");
    fc_tensor t;
    memset(&t, 0, sizeof t);
    if (!json_is_string(jd)) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': no dtype", path, key);
      goto done;
    }
    if (parse_dtype(&t, json_string_value(jd))) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': unknown dtype "
                        "'%s'", path, key, json_string_value(jd));
      goto done;
    }
    if (!json_is_array(js) || json_array_size(js) > 8) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': shape is not an "
                        "array of at most 8 dimensions", path, key);
      goto done;
    }
    t.ndim = json_array_size(js);
    size_t n = 1;
    int ovf = 0;
    for (size_t i = 0; i < t.ndim; i++) {
      json_t *x = json_array_get(js, i);
      if (!json_is_integer(x) || json_integer_value(x) < 0) {
        rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': shape entry %zu "
                          "is not a non-negative integer", path, key, i);
        goto done;
      }
      t.shape[i] = (size_t)json_integer_value(x);
      if (t.shape[i] && n > SIZE_MAX / 8 / t.shape[i])
        ovf = 1;
      else
        n *= t.shape[i];
    }
    if (!json_is_array(jo) || json_array_size(jo) != 2 ||
        !json_is_integer(json_array_get(jo, 0)) ||
        !json_is_integer(json_array_get(jo, 1)) ||
        json_integer_value(json_array_get(jo, 0)) < 0 ||
        json_integer_value(json_array_get(jo, 1)) < 0) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': data_offsets is not "
                        "a pair of non-negative integers", path, key);
      goto done;
    }
    size_t b = (size_t)json_integer_value(json_array_get(jo, 0));
    size_t e = (size_t)json_integer_value(json_array_get(jo, 1));
    if (b > e || e > data_len) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': data_offsets [%zu, "
                        "%zu] outside the data (%zu bytes: truncated file?)%s", path, key, b, e,
                        data_len, b > e ? " or decreasing" : "");
      goto done;
    }
    if (ovf || n * t.esize != e - b) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': shape needs %zu "
                        "bytes of %s, data_offsets give %zu", path, key,
                        ovf ? SIZE_MAX : n * t.esize, t.dtname, e - b);
      goto done;
    }
    t.nelem = n;
    t.data = data + b;
    t.file = fi;
    t.name = strdup(key);
    if (t.name == NULL) {
      rc = fc_error_set(err, FC_ENOMEM, "out of memory");
      goto done;
    }
    if (ck->nt == ck->capt) {
      size_t cap = ck->capt ? 2 * ck->capt : 64;
      fc_tensor *nt = realloc(ck->t, cap * sizeof *nt);
      if (nt == NULL) {
        free(t.name);
        rc = fc_error_set(err, FC_ENOMEM, "out of memory");
        goto done;
      }
      ck->t = nt;
      ck->capt = cap;
    }
    ck->t[ck->nt++] = t;
    sp[nsp].b = b;
    sp[nsp].e = e;
    sp[nsp].idx = ck->nt - 1;
    nsp++;
  }
  /* The data section is exactly the tensors' bytes, as the reference
   * implementation requires (safetensors' Metadata::validate, then
   * deserialize's MetadataIncompleteBuffer): sorted by offsets, the first
   * tensor begins at 0, each one where the previous one ends, the last
   * one at the end of the file.  An overlap, a gap or trailing bytes --
   * bytes no tensor accounts for -- make a malformed file. */
  qsort(sp, nsp, sizeof *sp, cmp_span);
  size_t at = 0;
  for (size_t i = 0; i < nsp; i++) {
    if (sp[i].b < at) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': data overlaps "
                        "tensor '%s'", path, ck->t[sp[i].idx].name,
                        ck->t[sp[i - 1].idx].name);
      goto done;
    }
    if (sp[i].b > at) {
      rc = fc_error_set(err, FC_EPARSE, "%s: data bytes %zu..%zu belong to "
                        "no tensor (a gap before tensor '%s')", path, at,
                        sp[i].b - 1, ck->t[sp[i].idx].name);
      goto done;
    }
    at = sp[i].e;
  }
  if (at != data_len) {
    rc = fc_error_set(err, FC_EPARSE, "%s: data bytes %zu..%zu belong to no "
                      "tensor (%s)", path, at, data_len - 1,
                      nsp ? "after the last tensor's data"
                          : "the header lists no tensor");
    goto done;
  }
done:
  free(sp);
  json_decref(h);
  return rc;
}

/* Sort the tensors by name and reject a name defined twice. */
static int sort_check_dups(fc_ckpt *ck, fc_error *err)
{
  if (ck->nt == 0)
    return FC_OK;
  qsort(ck->t, ck->nt, sizeof *ck->t, cmp_tensor);
  for (size_t i = 1; i < ck->nt; i++)
    if (strcmp(ck->t[i].name, ck->t[i - 1].name) == 0) {
      size_t a = ck->t[i - 1].file, b = ck->t[i].file;
      return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': defined twice "
                          "(also in %s)", ck->files[a > b ? a : b].path,
                          ck->t[i].name, ck->files[a > b ? b : a].path);
    }
  return FC_OK;
}

static char *join(const char *dir, const char *name)
{
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static int exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0;
}

/* config.json and the index: regular files of at most 1 GiB, opened
 * without blocking and checked before reading (engine/safeio.h). */
static int read_text(char **out, const char *path, fc_error *err)
{
  return fc_file_read_all(out, NULL, path, (size_t)1 << 30, FC_FILE_REGULAR,
                          err);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The shards named by an index's weight_map (distinct, sorted). */
static int open_index(fc_ckpt *ck, const char *ipath, fc_error *err)
{
  char *text = NULL;
  int rc = read_text(&text, ipath, err);
  if (rc)
    return rc;
  json_error_t je;
  json_t *j = json_loads(text, 0, &je);
  free(text);
  if (j == NULL)
    return fc_error_set(err, FC_EPARSE, "%s: not valid JSON: %s (line %d)",
                        ipath, je.text, je.line);
  json_t *wm = json_object_get(j, "weight_map");
  if (!json_is_object(wm)) {
    json_decref(j);
    return fc_error_set(err, FC_EPARSE, "%s: no \"weight_map\" object", ipath);
  }
  size_t n = json_object_size(wm), k = 0;
  char **names = calloc(n + 1, sizeof *names);
  if (names == NULL) {
    json_decref(j);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  const char *key;
  json_t *v;
  json_object_foreach(wm, key, v) {
    if (!json_is_string(v) || strchr(json_string_value(v), '/')) {
      rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': shard is not a "
                        "file name", ipath, key);
      break;
    }
    names[k++] = (char *)json_string_value(v);
  }
  if (rc == FC_OK) {
    qsort(names, k, sizeof *names, cmp_str);
    for (size_t i = 0; i < k && rc == FC_OK; i++) {
      if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
        continue;
      char *p = join(ck->dir, names[i]);
      rc = p ? add_file(ck, p, err) : fc_error_set(err, FC_ENOMEM, "out of memory");
      free(p);
    }
  }
  /* Every tensor of the map must be in the shard the map names. */
  if (rc == FC_OK)
    rc = sort_check_dups(ck, err);
  if (rc == FC_OK && ck->nt > 0) {
    json_object_foreach(wm, key, v) {
      fc_tensor probe = {.name = (char *)key};
      fc_tensor *t = bsearch(&probe, ck->t, ck->nt, sizeof *ck->t, cmp_tensor);
      const char *want = json_string_value(v);
      const char *have = t ? strrchr(ck->files[t->file].path, '/') + 1 : NULL;
      if (t == NULL || strcmp(have, want) != 0) {
        rc = fc_error_set(err, FC_EPARSE, "%s: tensor '%s': listed in shard "
                          "%s but not found there", ipath, key, want);
        break;
      }
    }
  }
  free(names);
  json_decref(j);
  return rc;
}

static int is_st_name(const char *n)
{
  size_t l = strlen(n);
  return l > 12 && strcmp(n + l - 12, ".safetensors") == 0;
}

int fc_ckpt_open(fc_ckpt **out, const char *dir, fc_error *err)
{
  if (out == NULL || dir == NULL)
    return fc_error_set(err, FC_EINVAL, "no checkpoint directory");
  *out = NULL;
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return fc_error_set(err, FC_EIO, "%s: not a directory", dir);
  fc_ckpt *ck = calloc(1, sizeof *ck);
  if (ck == NULL || (ck->dir = strdup(dir)) == NULL) {
    free(ck);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  fc_schedule_buf_zero(&ck->cfg.sched);
  char *cpath = join(dir, "config.json"), *text = NULL;
  int rc = cpath ? read_text(&text, cpath, err)
                 : fc_error_set(err, FC_ENOMEM, "out of memory");
  if (rc == FC_OK)
    rc = fc_ckpt_config_parse(&ck->cfg, text, cpath, err);
  free(text);
  free(cpath);
  char *ipath = NULL, *spath = NULL;
  if (rc == FC_OK) {
    ipath = join(dir, "model.safetensors.index.json");
    spath = join(dir, "model.safetensors");
    if (ipath == NULL || spath == NULL)
      rc = fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  if (rc == FC_OK) {
    if (exists(ipath))
      rc = open_index(ck, ipath, err);
    else if (exists(spath))
      rc = add_file(ck, spath, err);
    else {
      DIR *dd = opendir(dir);
      char **names = NULL;
      size_t n = 0;
      struct dirent *de;
      while (rc == FC_OK && dd && (de = readdir(dd)) != NULL)
        if (is_st_name(de->d_name)) {
          char **nn = realloc(names, (n + 1) * sizeof *nn);
          if (nn == NULL || (nn[n] = strdup(de->d_name)) == NULL) {
            if (nn)
              names = nn;
            rc = fc_error_set(err, FC_ENOMEM, "out of memory");
            break;
          }
          names = nn;
          n++;
        }
      if (dd)
        closedir(dd);
      if (rc == FC_OK && n == 0)
        rc = fc_error_set(err, FC_EIO, "%s: no model.safetensors, no "
                          "model.safetensors.index.json, no *.safetensors", dir);
      if (names)
        qsort(names, n, sizeof *names, cmp_str);
      for (size_t i = 0; i < n; i++) {
        if (rc == FC_OK) {
          char *p = join(dir, names[i]);
          rc = p ? add_file(ck, p, err) : fc_error_set(err, FC_ENOMEM, "out of memory");
          free(p);
        }
        free(names[i]);
      }
      free(names);
    }
  }
  free(ipath);
  free(spath);
  if (rc == FC_OK)
    rc = sort_check_dups(ck, err);
  if (rc) {
    fc_ckpt_close(ck);
    return rc;
  }
  *out = ck;
  return FC_OK;
}

void fc_ckpt_close(fc_ckpt *ck)
{
  if (ck == NULL)
    return;
  for (size_t i = 0; i < ck->nt; i++)
    free(ck->t[i].name);
  free(ck->t);
  for (size_t i = 0; i < ck->nfiles; i++) {
    if (ck->files[i].map)
      munmap(ck->files[i].map, ck->files[i].size);
    free(ck->files[i].path);
  }
  free(ck->files);
  fc_ckpt_config_clear(&ck->cfg);
  free(ck->dir);
  free(ck);
}

const fc_ckpt_config *fc_ckpt_config_get(const fc_ckpt *ck)
{
  return &ck->cfg;
}

const char *fc_ckpt_dir(const fc_ckpt *ck) { return ck->dir; }

const char *fc_ckpt_file_of(const fc_ckpt *ck, const fc_tensor *t)
{
  return t->file < ck->nfiles ? ck->files[t->file].path : ck->dir;
}

int fc_ckpt_find(const fc_tensor **t, const fc_ckpt *ck, const char *name,
                 fc_error *err)
{
  fc_tensor probe = {.name = (char *)name};
  *t = ck->nt ? bsearch(&probe, ck->t, ck->nt, sizeof *ck->t, cmp_tensor)
              : NULL;
  if (*t == NULL)
    return fc_error_set(err, FC_ENOTFOUND, "%s: tensor '%s': missing from "
                        "the checkpoint", ck->dir, name);
  return FC_OK;
}

int fc_ckpt_find_2d(const fc_tensor **t, const fc_ckpt *ck, const char *name,
                    size_t rows, size_t cols, fc_error *err)
{
  int rc = fc_ckpt_find(t, ck, name, err);
  if (rc)
    return rc;
  const fc_tensor *x = *t;
  if (x->ndim != 2 || x->shape[0] != rows || x->shape[1] != cols)
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': shape [%zu%s%zu%s] "
                        "where config.json implies [%zu, %zu]",
                        fc_ckpt_file_of(ck, x), name,
                        x->ndim ? x->shape[0] : 0, x->ndim > 1 ? ", " : "",
                        x->ndim > 1 ? x->shape[1] : 0, x->ndim > 2 ? ", ..." : "",
                        rows, cols);
  return FC_OK;
}

int fc_ckpt_rows_d(double *out, const fc_ckpt *ck, const fc_tensor *t,
                   size_t r0, size_t nrows, fc_error *err)
{
  if (!t->is_float)
    return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': dtype %s is not a "
                        "floating-point weight (F64, F32, F16, BF16)",
                        fc_ckpt_file_of(ck, t), t->name, t->dtname);
  if ((t->ndim != 1 && t->ndim != 2) || r0 > t->shape[0] ||
      nrows > t->shape[0] - r0)
    return fc_error_set(err, FC_EINVAL, "%s: tensor '%s': rows %zu..%zu "
                        "outside the tensor", fc_ckpt_file_of(ck, t), t->name,
                        r0, r0 + nrows);
  /* a vector (a bias) reads as one column */
  size_t cols = t->ndim == 2 ? t->shape[1] : 1, n = nrows * cols,
         es = fc_dtype_size(t->dtype);
  const unsigned char *p = t->data + r0 * cols * es;
  /* Little-endian decoding byte by byte: independent of the host order and
   * of the alignment of the tensor inside the file. */
  switch (t->dtype) {
  case FC_DT_F16:
    for (size_t i = 0; i < n; i++)
      out[i] = fc_f16_to_d((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
    break;
  case FC_DT_BF16:
    for (size_t i = 0; i < n; i++)
      out[i] = fc_bf16_to_d((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
    break;
  case FC_DT_F32:
    for (size_t i = 0; i < n; i++) {
      uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                   (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
      float f;
      memcpy(&f, &u, sizeof f);
      out[i] = f;
    }
    break;
  case FC_DT_F64:
    for (size_t i = 0; i < n; i++) {
      uint64_t u = 0;
      for (int b = 7; b >= 0; b--)
        u = u << 8 | p[8 * i + b];
      memcpy(&out[i], &u, sizeof u);
    }
    break;
  }
  for (size_t i = 0; i < n; i++)
    if (!isfinite(out[i]))
      return fc_error_set(err, FC_EPARSE, "%s: tensor '%s': non-finite value "
                          "at element %zu", fc_ckpt_file_of(ck, t), t->name,
                          r0 * cols + i);
  /* The pages were read once; let the kernel reclaim them (private
   * read-only mapping: dropping only forgets the cache pages). */
  long pg = sysconf(_SC_PAGESIZE);
  if (pg > 0) {
    uintptr_t a = (uintptr_t)p, e = a + n * es;
    a = (a + (uintptr_t)pg - 1) & ~((uintptr_t)pg - 1);
    e &= ~((uintptr_t)pg - 1);
    if (e > a)
      madvise((void *)a, e - a, MADV_DONTNEED);
  }
  return FC_OK;
}

/* ------------------------------------------------------ layer weights */

static fc_dtype coarser(fc_dtype a, fc_dtype b)
{
  return fc_dtype_unit_roundoff(a) >= fc_dtype_unit_roundoff(b) ? a : b;
}

int fc_ckpt_layer(double *wq, double *wk, double *wv, double *wo,
                  fc_dtype *dtype, const fc_ckpt *ck, size_t layer,
                  fc_error *err)
{
  const fc_ckpt_config *c = &ck->cfg;
  size_t d = c->head_dim, H = c->heads, KV = c->kv_heads, n = c->hidden;
  char name[256];
  const fc_tensor *t;
  int rc;
  fc_dtype dt = FC_DT_F64;
  if (c->naming == FC_NAMES_NEOX) {
    snprintf(name, sizeof name,
             "gpt_neox.layers.%zu.attention.query_key_value.weight", layer);
    rc = fc_ckpt_find_2d(&t, ck, name, 3 * H * d, n, err);
    if (rc)
      return rc;
    /* HF GPTNeoXAttention: qkv.view(..., heads, 3 * head_dim) then split:
     * rows of head h are [q_h; k_h; v_h], d rows each. */
    for (size_t h = 0; h < H && rc == FC_OK; h++) {
      rc = fc_ckpt_rows_d(wq + h * d * n, ck, t, h * 3 * d, d, err);
      if (rc == FC_OK)
        rc = fc_ckpt_rows_d(wk + h * d * n, ck, t, h * 3 * d + d, d, err);
      if (rc == FC_OK)
        rc = fc_ckpt_rows_d(wv + h * d * n, ck, t, h * 3 * d + 2 * d, d, err);
    }
    if (rc)
      return rc;
    dt = coarser(dt, t->dtype);
    snprintf(name, sizeof name, "gpt_neox.layers.%zu.attention.dense.weight",
             layer);
    rc = fc_ckpt_find_2d(&t, ck, name, n, H * d, err);
    if (rc == FC_OK)
      rc = fc_ckpt_rows_d(wo, ck, t, 0, n, err);
    if (rc == FC_OK)
      dt = coarser(dt, t->dtype);
  } else {
    const char *fmt = c->naming == FC_NAMES_GPTJ ? "transformer.h.%zu.attn.%s.weight"
                                                 : "model.layers.%zu.self_attn.%s.weight";
    const char *nm[4] = {"q_proj", "k_proj", "v_proj",
                         c->naming == FC_NAMES_GPTJ ? "out_proj" : "o_proj"};
    double *dst[4] = {wq, wk, wv, wo};
    size_t rows[4] = {H * d, KV * d, KV * d, n};
    size_t cols[4] = {n, n, n, H * d};
    for (int i = 0; i < 4; i++) {
      snprintf(name, sizeof name, fmt, layer, nm[i]);
      rc = fc_ckpt_find_2d(&t, ck, name, rows[i], cols[i], err);
      if (rc == FC_OK)
        rc = fc_ckpt_rows_d(dst[i], ck, t, 0, rows[i], err);
      if (rc)
        return rc;
      dt = coarser(dt, t->dtype);
    }
  }
  if (rc == FC_OK && dtype)
    *dtype = dt;
  return rc;
}

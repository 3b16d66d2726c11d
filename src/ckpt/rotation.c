/* rotation.c -- rotation files for `foldcheck audit CKPT --rotation FILE`
 * (audit.h). */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ckpt/audit.h"
#include "engine/safeio.h"

static int matrix(double *out, json_t *m, size_t d, const char *path,
                  const char *what, fc_error *err)
{
  if (!json_is_array(m) || json_array_size(m) != d)
    return fc_error_set(err, FC_EPARSE, "%s: %s is not a list of %zu rows",
                        path, what, d);
  for (size_t i = 0; i < d; i++) {
    json_t *r = json_array_get(m, i);
    if (!json_is_array(r) || json_array_size(r) != d)
      return fc_error_set(err, FC_EPARSE, "%s: %s row %zu is not a list of "
                          "%zu numbers (head_dim)", path, what, i, d);
    for (size_t j = 0; j < d; j++) {
      json_t *x = json_array_get(r, j);
      if (!json_is_number(x) || !isfinite(json_number_value(x)))
        return fc_error_set(err, FC_EPARSE, "%s: %s entry (%zu, %zu) is not "
                            "a finite number", path, what, i, j);
      out[i * d + j] = json_number_value(x);
    }
  }
  return FC_OK;
}

/* The most significant digits any number of the JSON text is written
 * with (mantissa digits, leading zeros aside; digits inside strings are
 * counted too, which only makes the precision finer). */
static int max_digits(const char *t, size_t len)
{
  int best = 0;
  for (size_t i = 0; i < len;) {
    if (!(t[i] >= '0' && t[i] <= '9')) {
      i++;
      continue;
    }
    int nd = 0, lead = 1;
    for (; i < len && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.'); i++) {
      if (t[i] == '.')
        continue;
      if (lead && t[i] == '0')
        continue;
      lead = 0;
      nd++;
    }
    if (nd > best)
      best = nd;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) /* skip the exponent */
      for (i++; i < len && (t[i] == '+' || t[i] == '-' ||
                            (t[i] >= '0' && t[i] <= '9')); i++)
        ;
  }
  return best;
}

int fc_rotation_load(double **R, double *u, size_t *nl, size_t *ng,
                     const char *path, size_t d, size_t layers, size_t kv,
                     fc_error *err)
{
  *R = NULL;
  /* Named on the command line: a regular file or a pipe (--rotation
   * <(...)), read without blocking on anything else, at most 1 GiB
   * (engine/safeio.h). */
  char *text = NULL;
  size_t len = 0;
  int rc = fc_file_read_all(&text, &len, path, (size_t)1 << 30,
                            FC_FILE_PIPE_OK, err);
  if (rc != FC_OK)
    return rc;
  json_error_t je;
  json_t *j = json_loadb(text, len, 0, &je);
  int digits = max_digits(text, len);
  free(text);
  if (j == NULL)
    return fc_error_set(err, FC_EPARSE, "%s: %s (line %d)", path, je.text,
                        je.line);
  json_t *one = json_object_get(j, "rotation"), *many = json_object_get(j, "rotations");
  if (one) {
    *nl = *ng = 1;
  } else if (json_is_array(many) && json_array_size(many) == layers) {
    *nl = layers;
    *ng = kv;
  } else {
    json_decref(j);
    return fc_error_set(err, FC_EPARSE, "%s: needs \"rotation\" (a %zu x %zu "
                        "matrix) or \"rotations\" (%zu layers x %zu KV groups "
                        "of them)", path, d, d, layers, kv);
  }
  double *buf = malloc(*nl * *ng * d * d * sizeof *buf);
  if (buf == NULL) {
    json_decref(j);
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  }
  if (one)
    rc = matrix(buf, one, d, path, "rotation", err);
  for (size_t l = 0; many && !one && l < layers && rc == FC_OK; l++) {
    json_t *gl = json_array_get(many, l);
    if (!json_is_array(gl) || json_array_size(gl) != kv) {
      rc = fc_error_set(err, FC_EPARSE, "%s: rotations[%zu] is not a list of "
                        "%zu matrices (KV groups)", path, l, kv);
      break;
    }
    for (size_t g = 0; g < kv && rc == FC_OK; g++) {
      char what[64];
      snprintf(what, sizeof what, "rotations[%zu][%zu]", l, g);
      rc = matrix(buf + (l * kv + g) * d * d, json_array_get(gl, g), d, path,
                  what, err);
    }
  }
  json_decref(j);
  if (rc) {
    free(buf);
    return rc;
  }
  *R = buf;
  if (u) {
    size_t ne = *nl * *ng * d * d, f32 = 1;
    for (size_t i = 0; i < ne && f32; i++)
      f32 = (double)(float)buf[i] == buf[i];
    /* 9 significant digits are float32's round-trip width: a file whose
     * numbers never need more was written from float32 (or coarser) */
    double ud = digits >= 1 && digits < 17 ? 0.5 * pow(10, 1 - digits) : 0;
    if (digits <= 9)
      ud = fmax(ud, ldexp(1, -24));
    *u = f32 ? ldexp(1, -24) : fmax(ud, ldexp(1, -53));
  }
  return FC_OK;
}

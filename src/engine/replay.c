/* replay.c -- replay records and tokens.
 *
 * A record holds what reproduces a counterexample alone, and survives
 * generator changes: the property id, the foldcheck version, precision,
 * slack, kernel table, seed and case index, the choice sequence, and the
 * case's values (reals as C99 hex floats, so they are exact).  Replay uses
 * the values; the choices let a later run continue shrinking.
 *
 * Token: "fc1-" followed by the compact JSON record in base64url (RFC 4648
 * section 5, no padding). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"

#define FC_RECORD_VERSION 1
#define FC_TOKEN_PREFIX "fc1-"
/* A record or token larger than this is refused rather than parsed. */
#define FC_RECORD_MAX ((size_t)256 << 20)

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *b64url_encode(const unsigned char *in, size_t n)
{
  char *out = malloc(4 * (n / 3) + 5);
  if (out == NULL)
    return NULL;
  size_t o = 0, i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = b64[v >> 18];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = b64[(v >> 6) & 63];
    out[o++] = b64[v & 63];
  }
  if (i + 1 == n) {
    uint32_t v = (uint32_t)in[i] << 16;
    out[o++] = b64[v >> 18];
    out[o++] = b64[(v >> 12) & 63];
  } else if (i + 2 == n) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    out[o++] = b64[v >> 18];
    out[o++] = b64[(v >> 12) & 63];
    out[o++] = b64[(v >> 6) & 63];
  }
  out[o] = '\0';
  return out;
}

static int b64val(int c)
{
  const char *p = c ? strchr(b64, c) : NULL;
  return p ? (int)(p - b64) : -1;
}

/* Decode; NULL on a character outside the alphabet or a bad length. */
static unsigned char *b64url_decode(const char *in, size_t n, size_t *outn)
{
  if (n % 4 == 1)
    return NULL;
  unsigned char *out = malloc(3 * (n / 4) + 3);
  if (out == NULL)
    return NULL;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = b64val((unsigned char)in[i]);
    if (v < 0) {
      free(out);
      return NULL;
    }
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  *outn = o;
  return out;
}

static json_t *fields_json(const fc_case *c)
{
  json_t *arr = json_array();
  if (arr == NULL)
    return NULL;
  for (size_t i = 0; i < fc_case_nfields(c); i++) {
    size_t r, k;
    fc_case_field_shape(c, i, &r, &k);
    int real = fc_case_field_type(c, i) == FC_FIELD_REAL;
    json_t *data = json_array();
    json_t *f = json_pack("{s:s, s:s, s:b, s:[I,I]}", "name",
                          fc_case_field_name(c, i), "type",
                          real ? "real" : "int", "dim",
                          fc_case_field_is_dim(c, i), "shape", (json_int_t)r,
                          (json_int_t)k);
    if (data == NULL || f == NULL || json_array_append_new(arr, f)) {
      json_decref(data);
      json_decref(arr);
      return NULL;
    }
    for (size_t e = 0; e < r * k; e++) {
      json_t *v;
      if (real) {
        char buf[40];
        snprintf(buf, sizeof buf, "%a", fc_case_field_reals(c, i)[e]);
        v = json_string(buf);
      } else {
        v = json_integer(fc_case_field_ints(c, i)[e]);
      }
      if (v == NULL || json_array_append_new(data, v)) {
        json_decref(data);
        json_decref(arr);
        return NULL;
      }
    }
    if (json_object_set_new(f, "data", data)) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

static char *choices_string(const uint64_t *c, size_t n)
{
  char *s = malloc(n * 17 + 1);
  if (s == NULL)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++)
    o += (size_t)sprintf(s + o, "%s%" PRIx64, i ? "," : "", c[i]);
  s[o] = '\0';
  return s;
}

int fc_replay_record_json(char **json, const fc_property *p,
                          const fc_counterexample *cex,
                          const fc_run_config *cfg, int indent)
{
  if (json == NULL || p == NULL || cex == NULL || cfg == NULL ||
      cex->values == NULL)
    return FC_EINVAL;
  *json = NULL;
  char seed[24];
  snprintf(seed, sizeof seed, "%" PRIu64, cfg->seed);
  char *ch = choices_string(cex->choices, cex->nchoices);
  json_t *fields = fields_json(cex->values);
  json_t *root = NULL;
  if (ch && fields)
    root = json_pack("{s:s, s:i, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:s, s:o}",
                     "format", "foldcheck-replay", "record_version",
                     FC_RECORD_VERSION, "foldcheck", fc_version(), "property",
                     p->id, "precision", (json_int_t)cfg->prec, "slack_bits",
                     (json_int_t)cfg->slack_bits, "kernels",
                     cfg->kernels ? cfg->kernels : "reference", "seed", seed,
                     "case_index", (json_int_t)cex->case_index, "choices", ch,
                     "fields", fields);
  else
    json_decref(fields);
  free(ch);
  if (root == NULL)
    return FC_ENOMEM;
  /* Issue 16: the judgement's arithmetic and the kernel's identity, only
   * when they say more than the spec (records stay as they were for the
   * reference). */
  if ((cfg->kernel_arith != NULL &&
       json_object_set_new(root, "kernel_arith",
                           json_string(cfg->kernel_arith)) != 0) ||
      (strcmp(fc_kernel_id(cfg), "reference") != 0 &&
       json_object_set_new(root, "kernel_id",
                           json_string(fc_kernel_id(cfg))) != 0)) {
    json_decref(root);
    return FC_ENOMEM;
  }
  *json = json_dumps(root, indent ? JSON_INDENT(2) : JSON_COMPACT);
  json_decref(root);
  return *json ? FC_OK : FC_ENOMEM;
}

int fc_replay_encode(char **token, const fc_prop_result *res,
                     const fc_run_config *cfg)
{
  if (token == NULL || res == NULL || res->cex == NULL)
    return FC_EINVAL;
  char *json = NULL;
  int rc = fc_replay_record_json(&json, res->prop, res->cex, cfg, 0);
  if (rc != FC_OK)
    return rc;
  char *b = b64url_encode((const unsigned char *)json, strlen(json));
  free(json);
  if (b == NULL)
    return FC_ENOMEM;
  *token = malloc(strlen(b) + sizeof FC_TOKEN_PREFIX);
  if (*token == NULL) {
    free(b);
    return FC_ENOMEM;
  }
  strcpy(*token, FC_TOKEN_PREFIX);
  strcat(*token, b);
  free(b);
  return FC_OK;
}

void fc_replay_clear(fc_replay *rp)
{
  if (rp == NULL)
    return;
  free(rp->choices);
  fc_case_free(rp->values);
  memset(rp, 0, sizeof *rp);
}

static int parse_choices(fc_replay *rp, const char *s, fc_error *err)
{
  size_t n = *s ? 1 : 0;
  for (const char *q = s; *q; q++)
    n += *q == ',';
  rp->choices = malloc((n ? n : 1) * sizeof *rp->choices);
  if (rp->choices == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    char *end;
    if (!isxdigit((unsigned char)*s))
      return fc_error_set(err, FC_EPARSE, "replay record: bad choice %zu", i);
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno || (*end != ',' && *end != '\0'))
      return fc_error_set(err, FC_EPARSE, "replay record: bad choice %zu", i);
    rp->choices[i] = (uint64_t)v;
    s = *end ? end + 1 : end;
  }
  rp->nchoices = n;
  return FC_OK;
}

static int parse_fields(fc_replay *rp, json_t *fields, fc_error *err)
{
  rp->values = fc_case_new();
  if (rp->values == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  size_t i;
  json_t *f;
  json_array_foreach(fields, i, f) {
    const char *name, *type;
    int dim = 0;
    json_int_t r, k;
    json_t *data;
    json_error_t je;
    if (json_unpack_ex(f, &je, JSON_STRICT, "{s:s, s:s, s:b, s:[II], s:o}",
                       "name", &name, "type", &type, "dim", &dim, "shape", &r,
                       &k, "data", &data) ||
        !json_is_array(data))
      return fc_error_set(err, FC_EPARSE, "replay record: field %zu: %s", i,
                          je.text);
    if (r < 0 || k < 0 || (k > 0 && (size_t)r > FC_CASE_MAX_ELEMS / (size_t)k) ||
        json_array_size(data) != (size_t)(r * k))
      return fc_error_set(err, FC_EPARSE,
                          "replay record: field '%s': shape %lldx%lld does not "
                          "match its %zu values", name, (long long)r,
                          (long long)k, json_array_size(data));
    int real = strcmp(type, "real") == 0;
    if (!real && strcmp(type, "int") != 0)
      return fc_error_set(err, FC_EPARSE,
                          "replay record: field '%s': unknown type '%s'", name,
                          type);
    if (dim && (real || r * k != 1))
      return fc_error_set(err, FC_EPARSE,
                          "replay record: field '%s': a dimension is one integer",
                          name);
    if (dim) {
      json_t *v = json_array_get(data, 0);
      if (!json_is_integer(v))
        return fc_error_set(err, FC_EPARSE, "replay record: dimension '%s' "
                            "is not an integer", name);
      json_int_t x = json_integer_value(v);
      /* A dimension is a size: no case holds a negative one or one larger
       * than a field may be. */
      if (x < 0 || (uint64_t)x > FC_CASE_MAX_ELEMS)
        return fc_error_set(err, FC_EPARSE, "replay record: dimension '%s' "
                            "is %lld, outside [0, %zu]", name, (long long)x,
                            (size_t)FC_CASE_MAX_ELEMS);
      if (fc_case_add_dim(rp->values, name, (long)x))
        return fc_error_set(err, FC_EPARSE, "replay record: bad dimension '%s'",
                            name);
      continue;
    }
    void *dst = real ? (void *)fc_case_add_reals(rp->values, name, (size_t)r,
                                                 (size_t)k)
                     : (void *)fc_case_add_ints(rp->values, name, (size_t)r,
                                                (size_t)k);
    if (dst == NULL)
      return fc_error_set(err, FC_EPARSE,
                          "replay record: field '%s' is a duplicate, too long a "
                          "name or too large", name);
    for (size_t e = 0; e < (size_t)(r * k); e++) {
      json_t *v = json_array_get(data, e);
      if (real) {
        double x;
        if (json_is_string(v)) {
          const char *s = json_string_value(v);
          char *end;
          errno = 0;
          x = strtod(s, &end);
          if (end == s || *end != '\0' || isspace((unsigned char)*s))
            return fc_error_set(err, FC_EPARSE,
                                "replay record: field '%s'[%zu]: '%.40s' is "
                                "not a number", name, e, s);
          /* "%a" writes every double exactly: a finite text that
           * overflows was not written from one. */
          if (errno == ERANGE && isinf(x))
            return fc_error_set(err, FC_EPARSE,
                                "replay record: field '%s'[%zu]: '%.40s' is "
                                "beyond the double range", name, e, s);
          if (!isfinite(x) && !rp->prop->nonfinite_inputs)
            return fc_error_set(err, FC_EPARSE,
                                "replay record: field '%s'[%zu] is %s, but "
                                "%s draws finite values only", name, e,
                                isnan(x) ? "nan" : x > 0 ? "inf" : "-inf",
                                rp->prop->id);
        } else if (json_is_number(v)) {
          x = json_number_value(v);
        } else {
          return fc_error_set(err, FC_EPARSE,
                              "replay record: field '%s'[%zu] is not a number",
                              name, e);
        }
        ((double *)dst)[e] = x;
      } else {
        if (!json_is_integer(v))
          return fc_error_set(err, FC_EPARSE,
                              "replay record: field '%s'[%zu] is not an integer",
                              name, e);
        ((long *)dst)[e] = (long)json_integer_value(v);
      }
    }
  }
  return FC_OK;
}

/* The property named id among props (NULL-terminated): the engine knows
 * no registry (fc_replay_decode, outside it, passes the registry's). */
static const fc_property *lookup(const char *id,
                                 const fc_property *const *props)
{
  for (; props && *props; props++)
    if (strcmp((*props)->id, id) == 0)
      return *props;
  return NULL;
}

static int decode_json(fc_replay *rp, const char *text, size_t len,
                       const fc_property *const *extra, fc_error *err)
{
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL)
    return fc_error_set(err, FC_EPARSE, "replay record is not valid JSON: %s "
                        "(line %d)", je.text, je.line);
  const char *format = NULL, *version = NULL, *prop = NULL, *kernels = NULL,
             *seed = NULL, *choices = NULL;
  json_int_t rv = 0, prec = 0, slack = 0, index = 0;
  json_t *fields = NULL;
  int rc = FC_OK;
  if (json_unpack_ex(root, &je, 0, "{s:s, s:I}", "format", &format,
                     "record_version", &rv) ||
      strcmp(format, "foldcheck-replay") != 0) {
    rc = fc_error_set(err, FC_EPARSE, "not a foldcheck replay record");
    goto out;
  }
  if (rv != FC_RECORD_VERSION) {
    rc = fc_error_set(err, FC_EVERSION,
                      "replay record version %lld; this foldcheck reads "
                      "version %d", (long long)rv, FC_RECORD_VERSION);
    goto out;
  }
  if (json_unpack_ex(root, &je, 0,
                     "{s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:s, s:o}",
                     "foldcheck", &version, "property", &prop, "precision",
                     &prec, "slack_bits", &slack, "kernels", &kernels, "seed",
                     &seed, "case_index", &index, "choices", &choices,
                     "fields", &fields) ||
      !json_is_array(fields)) {
    rc = fc_error_set(err, FC_EPARSE, "replay record: %s", je.text);
    goto out;
  }
  rp->prop = lookup(prop, extra);
  if (rp->prop == NULL) {
    rc = fc_error_set(err, FC_ENOTFOUND,
                      "replay record names unknown property '%s'", prop);
    goto out;
  }
  if (prec < FC_PREC_MIN || prec > FC_PREC_MAX || slack < 0 || slack > prec / 2) {
    rc = fc_error_set(err, FC_ERANGE, "replay record: precision %lld or "
                      "slack %lld out of range", (long long)prec,
                      (long long)slack);
    goto out;
  }
  if (index < -1) {
    rc = fc_error_set(err, FC_EPARSE, "replay record: case_index %lld (a "
                      "case index is 0 or more, -1 for the failure database)",
                      (long long)index);
    goto out;
  }
  rp->prec = (long)prec;
  rp->slack_bits = (long)slack;
  rp->case_index = (long)index;
  if (strlen(version) >= sizeof rp->version) {
    rc = fc_error_set(err, FC_EPARSE, "replay record: name too long");
    goto out;
  }
  /* A --kernels spec of a user's plugin or command may be longer than the
   * field: it is then left empty and the replay needs --kernels again. */
  if (strlen(kernels) < sizeof rp->kernels)
    strcpy(rp->kernels, kernels);
  else
    rp->kernels[0] = '\0';
  /* Optional (issue 16; absent in older records: the declared arithmetic,
   * the reference's identity). */
  json_t *ka = json_object_get(root, "kernel_arith");
  json_t *kid = json_object_get(root, "kernel_id");
  if ((ka != NULL && (!json_is_string(ka) || json_string_length(ka) == 0 ||
                      json_string_length(ka) >= sizeof rp->kernel_arith)) ||
      (kid != NULL && (!json_is_string(kid) ||
                       json_string_length(kid) >= sizeof rp->kernel_id))) {
    rc = fc_error_set(err, FC_EPARSE, "replay record: kernel_arith must be "
                      "a --kernel-arith value (under %zu bytes) and kernel_id "
                      "a string under %zu bytes", sizeof rp->kernel_arith,
                      sizeof rp->kernel_id);
    goto out;
  }
  if (ka != NULL)
    strcpy(rp->kernel_arith, json_string_value(ka));
  if (kid != NULL)
    strcpy(rp->kernel_id, json_string_value(kid));
  strcpy(rp->version, version);
  char *end;
  errno = 0;
  rp->seed = strtoull(seed, &end, 10);
  if (errno || *seed == '\0' || *end != '\0' || *seed == '-') {
    rc = fc_error_set(err, FC_EPARSE, "replay record: bad seed '%s'", seed);
    goto out;
  }
  rc = parse_choices(rp, choices, err);
  if (rc == FC_OK)
    rc = parse_fields(rp, fields, err);
out:
  json_decref(root);
  return rc;
}

int fc_replay_decode_only(fc_replay *rp, const char *text,
                          const fc_property *const *extra, fc_error *err)
{
  if (rp == NULL || text == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_replay_decode: NULL argument");
  memset(rp, 0, sizeof *rp);
  while (isspace((unsigned char)*text))
    text++;
  size_t n = strlen(text);
  while (n > 0 && isspace((unsigned char)text[n - 1]))
    n--;
  if (n > FC_RECORD_MAX)
    return fc_error_set(err, FC_ERANGE, "replay record larger than %zu MiB",
                        FC_RECORD_MAX >> 20);
  int rc;
  if (n >= 4 && strncmp(text, FC_TOKEN_PREFIX, 4) == 0) {
    size_t len = 0;
    unsigned char *json = b64url_decode(text + 4, n - 4, &len);
    if (json == NULL)
      return fc_error_set(err, FC_EPARSE,
                          "malformed replay token: not base64url after 'fc1-'");
    rc = decode_json(rp, (const char *)json, len, extra, err);
    free(json);
  } else if (n > 0 && text[0] == '{') {
    rc = decode_json(rp, text, n, extra, err);
  } else if (n > 3 && strncmp(text, "fc", 2) == 0 && text[3] == '-') {
    return fc_error_set(err, FC_EVERSION,
                        "replay token of another format ('%.4s'); this "
                        "foldcheck reads 'fc1-' tokens", text);
  } else {
    return fc_error_set(err, FC_EPARSE,
                        "not a replay token (fc1-...) or record (JSON)");
  }
  if (rc != FC_OK)
    fc_replay_clear(rp);
  return rc;
}

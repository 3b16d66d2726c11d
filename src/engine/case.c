/* case.c -- a case: named real and integer matrices. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"

#define FC_NAME_MAX 64

typedef struct field {
  char name[FC_NAME_MAX];
  fc_field_type type;
  int is_dim;
  size_t rows, cols;
  void *data; /* double[] or long[] */
} field;

struct fc_case {
  field *f;
  size_t n, cap;
};

fc_case *fc_case_new(void) { return calloc(1, sizeof(fc_case)); }

void fc_case_reset(fc_case *c)
{
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->n; i++)
    free(c->f[i].data);
  c->n = 0;
}

void fc_case_free(fc_case *c)
{
  if (c == NULL)
    return;
  fc_case_reset(c);
  free(c->f);
  free(c);
}

static field *find(const fc_case *c, const char *name)
{
  if (c == NULL || name == NULL)
    return NULL;
  for (size_t i = 0; i < c->n; i++)
    if (strcmp(c->f[i].name, name) == 0)
      return &c->f[i];
  return NULL;
}

static void *add(fc_case *c, const char *name, fc_field_type t, size_t rows,
                 size_t cols)
{
  if (c == NULL || name == NULL || strlen(name) >= FC_NAME_MAX ||
      find(c, name) != NULL)
    return NULL;
  if (cols != 0 && rows > FC_CASE_MAX_ELEMS / cols)
    return NULL;
  size_t count = rows * cols;
  if (count > FC_CASE_MAX_ELEMS)
    return NULL;
  if (c->n == c->cap) {
    size_t cap = c->cap ? 2 * c->cap : 8;
    field *nf = realloc(c->f, cap * sizeof *nf);
    if (nf == NULL)
      return NULL;
    c->f = nf;
    c->cap = cap;
  }
  size_t esz = t == FC_FIELD_REAL ? sizeof(double) : sizeof(long);
  /* calloc(0) may return NULL: always allocate at least one element. */
  void *data = calloc(count ? count : 1, esz);
  if (data == NULL)
    return NULL;
  field *f = &c->f[c->n++];
  memset(f, 0, sizeof *f);
  strcpy(f->name, name);
  f->type = t;
  f->rows = rows;
  f->cols = cols;
  f->data = data;
  return data;
}

double *fc_case_add_reals(fc_case *c, const char *name, size_t rows,
                          size_t cols)
{
  return add(c, name, FC_FIELD_REAL, rows, cols);
}

long *fc_case_add_ints(fc_case *c, const char *name, size_t rows, size_t cols)
{
  return add(c, name, FC_FIELD_INT, rows, cols);
}

int fc_case_add_dim(fc_case *c, const char *name, long value)
{
  long *v = add(c, name, FC_FIELD_INT, 1, 1);
  if (v == NULL)
    return c == NULL || name == NULL || find(c, name) ? FC_EINVAL : FC_ENOMEM;
  *v = value;
  c->f[c->n - 1].is_dim = 1;
  return FC_OK;
}

const double *fc_case_reals(const fc_case *c, const char *name, size_t *rows,
                            size_t *cols)
{
  field *f = find(c, name);
  if (f == NULL || f->type != FC_FIELD_REAL)
    return NULL;
  if (rows)
    *rows = f->rows;
  if (cols)
    *cols = f->cols;
  return f->data;
}

const long *fc_case_ints(const fc_case *c, const char *name, size_t *rows,
                         size_t *cols)
{
  field *f = find(c, name);
  if (f == NULL || f->type != FC_FIELD_INT)
    return NULL;
  if (rows)
    *rows = f->rows;
  if (cols)
    *cols = f->cols;
  return f->data;
}

long fc_case_dim(const fc_case *c, const char *name, long dflt)
{
  field *f = find(c, name);
  if (f == NULL || f->type != FC_FIELD_INT || f->rows * f->cols != 1)
    return dflt;
  return *(long *)f->data;
}

size_t fc_case_nfields(const fc_case *c) { return c ? c->n : 0; }
const char *fc_case_field_name(const fc_case *c, size_t i) { return c->f[i].name; }
fc_field_type fc_case_field_type(const fc_case *c, size_t i) { return c->f[i].type; }
int fc_case_field_is_dim(const fc_case *c, size_t i) { return c->f[i].is_dim; }

void fc_case_field_shape(const fc_case *c, size_t i, size_t *rows,
                         size_t *cols)
{
  if (rows)
    *rows = c->f[i].rows;
  if (cols)
    *cols = c->f[i].cols;
}

const double *fc_case_field_reals(const fc_case *c, size_t i)
{
  return c->f[i].type == FC_FIELD_REAL ? c->f[i].data : NULL;
}

const long *fc_case_field_ints(const fc_case *c, size_t i)
{
  return c->f[i].type == FC_FIELD_INT ? c->f[i].data : NULL;
}

int fc_case_copy(fc_case *dst, const fc_case *src)
{
  if (dst == NULL || src == NULL || dst == src)
    return FC_EINVAL;
  fc_case_reset(dst);
  for (size_t i = 0; i < src->n; i++) {
    const field *f = &src->f[i];
    void *p = add(dst, f->name, f->type, f->rows, f->cols);
    if (p == NULL)
      return FC_ENOMEM;
    size_t esz = f->type == FC_FIELD_REAL ? sizeof(double) : sizeof(long);
    memcpy(p, f->data, f->rows * f->cols * esz);
    dst->f[dst->n - 1].is_dim = f->is_dim;
  }
  return FC_OK;
}

/* Print a double so a person can read it and a machine can recover it: the
 * shortest of %.17g that round-trips, and %a beside it. */
static void print_real(FILE *out, double x)
{
  char buf[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, x);
    if (strtod(buf, NULL) == x || isnan(x))
      break;
  }
  if (x == 0 && signbit(x))
    snprintf(buf, sizeof buf, "-0");
  fprintf(out, "%s (%a)", buf, x);
}

int fc_case_field_rank(const fc_case *c, size_t i)
{
  if (c == NULL || i >= c->n)
    return 3;
  const field *f = &c->f[i];
  if (f->is_dim)
    return 0;
  if (f->type == FC_FIELD_REAL)
    return 1;
  return f->rows * f->cols == 1 ? 2 : 3;
}

void fc_case_print(FILE *out, const fc_case *c, const char *indent)
{
  if (out == NULL || c == NULL)
    return;
  if (indent == NULL)
    indent = "";
  for (size_t step = 0; step < 4 * c->n; step++) {
    /* Rank by rank (fc_case_field_rank), insertion order within one. */
    size_t i = step % c->n;
    if (fc_case_field_rank(c, i) != (int)(step / c->n))
      continue;
    const field *f = &c->f[i];
    size_t count = f->rows * f->cols;
    if (f->type == FC_FIELD_INT && count == 1) {
      fprintf(out, "%s%s = %ld%s\n", indent, f->name, *(long *)f->data,
              f->is_dim ? "  (dimension)" : "");
      continue;
    }
    if (f->type == FC_FIELD_REAL && count == 1) {
      fprintf(out, "%s%s = ", indent, f->name);
      print_real(out, *(double *)f->data);
      fputc('\n', out);
      continue;
    }
    fprintf(out, "%s%s [%zu x %zu]%s\n", indent, f->name, f->rows, f->cols,
            count == 0 ? " (empty)" : "");
    for (size_t r = 0; r < f->rows; r++) {
      fprintf(out, "%s  ", indent);
      for (size_t k = 0; k < f->cols; k++) {
        if (k)
          fputs(f->type == FC_FIELD_REAL ? ",  " : ", ", out);
        if (f->type == FC_FIELD_REAL)
          print_real(out, ((double *)f->data)[r * f->cols + k]);
        else
          fprintf(out, "%ld", ((long *)f->data)[r * f->cols + k]);
      }
      fputc('\n', out);
    }
  }
}

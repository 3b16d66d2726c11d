/* lean_scan.c -- find declarations and their status in Lean 4 sources.
 *
 * Not a Lean parser: a scanner good enough for the anchor table.  It drops
 * comments (`--` to end of line, nested block comments) and string
 * literals, then finds declarations: a line whose first token, after any
 * attributes (`@[...]`) and modifiers (private, protected, noncomputable,
 * partial, unsafe, nonrec), is theorem, lemma, def, abbrev, instance or
 * axiom, followed by the declared name.  A declaration's body runs to the
 * next declaration or to a line starting with `end`, `namespace`,
 * `section`, `open`, `variable` or `#`.  Status: an axiom is an axiom; a
 * body whose text is `True := sorry` (or `:= by sorry`) after the colon is a
 * stub; any other `sorry` token in the body makes it deferred; otherwise
 * proven. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "props.h"
#include "engine/safeio.h"

typedef struct decls {
  fc_lean_decl *v;
  size_t n, cap;
} decls;

/* Remove comments and strings, keeping newlines (so lines still count). */
static char *strip(const char *s)
{
  size_t n = strlen(s);
  char *o = malloc(n + 1);
  if (o == NULL)
    return NULL;
  size_t j = 0;
  int depth = 0;
  for (size_t i = 0; i < n; i++) {
    if (depth > 0) {
      if (s[i] == '/' && s[i + 1] == '-') {
        depth++;
        i++;
      } else if (s[i] == '-' && s[i + 1] == '/') {
        depth--;
        i++;
      } else if (s[i] == '\n') {
        o[j++] = '\n';
      }
      continue;
    }
    if (s[i] == '/' && s[i + 1] == '-') {
      depth = 1;
      i++;
      o[j++] = ' ';
      continue;
    }
    if (s[i] == '-' && s[i + 1] == '-') {
      while (i < n && s[i] != '\n')
        i++;
      if (i < n)
        o[j++] = '\n';
      continue;
    }
    if (s[i] == '"') {
      for (i++; i < n && s[i] != '"'; i++) {
        if (s[i] == '\\' && i + 1 < n)
          i++;
        if (s[i] == '\n')
          o[j++] = '\n';
      }
      o[j++] = ' ';
      continue;
    }
    o[j++] = s[i];
  }
  o[j] = '\0';
  return o;
}

static int is_ident(int c)
{
  return isalnum(c) || c == '_' || c == '.' || c == '\'' || c == '!' ||
         c == '?' || (unsigned char)c >= 0x80;
}

/* Does `word` stand at p as a whole token? */
static int token_at(const char *p, const char *word)
{
  size_t k = strlen(word);
  return strncmp(p, word, k) == 0 && !is_ident((unsigned char)p[k]);
}

static const char *skip_space(const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

static const char *const kinds[] = {"theorem", "lemma", "def", "abbrev",
                                    "instance", "axiom", NULL};
static const char *const modifiers[] = {"private", "protected", "noncomputable",
                                        "partial", "unsafe", "nonrec", NULL};
static const char *const enders[] = {"end", "namespace", "section", "open",
                                     "variable", "universe", "import", NULL};

/* If line starts a declaration, its kind (index in kinds) and the name. */
static int decl_start(const char *line, char *name, size_t nname)
{
  const char *p = skip_space(line);
  for (;;) {
    if (p[0] == '@' && p[1] == '[') {
      int d = 0;
      for (; *p && *p != '\n'; p++) {
        if (*p == '[')
          d++;
        else if (*p == ']' && --d == 0) {
          p++;
          break;
        }
      }
      p = skip_space(p);
      continue;
    }
    int mod = 0;
    for (const char *const *m = modifiers; *m; m++)
      if (token_at(p, *m)) {
        p = skip_space(p + strlen(*m));
        mod = 1;
        break;
      }
    if (!mod)
      break;
  }
  for (int k = 0; kinds[k]; k++) {
    if (!token_at(p, kinds[k]))
      continue;
    p = skip_space(p + strlen(kinds[k]));
    size_t len = 0;
    while (is_ident((unsigned char)p[len]))
      len++;
    if (len == 0)
      return k == 4 ? k : -1; /* anonymous instance */
    const char *last = p;
    for (size_t i = 0; i < len; i++)
      if (p[i] == '.')
        last = p + i + 1;
    size_t ln = (size_t)(p + len - last);
    if (ln >= nname)
      ln = nname - 1;
    memcpy(name, last, ln);
    name[ln] = '\0';
    return k;
  }
  return -1;
}

static int ends_scope(const char *line)
{
  if (line[0] == '#')
    return 1;
  for (const char *const *e = enders; *e; e++)
    if (token_at(line, *e))
      return 1;
  return 0;
}

/* Status of a declaration's text (from its kind keyword to its end). */
static fc_lean_status status_of(int kind, const char *body, size_t len)
{
  if (kinds[kind][0] == 'a' && kinds[kind][1] == 'x')
    return FC_LEAN_AXIOM;
  int sorry = 0;
  for (size_t i = 0; i + 5 <= len; i++)
    if ((i == 0 || !is_ident((unsigned char)body[i - 1])) &&
        strncmp(body + i, "sorry", 5) == 0 &&
        (i + 5 == len || !is_ident((unsigned char)body[i + 5])))
      sorry = 1;
  if (!sorry)
    return FC_LEAN_PROVEN;
  /* Collapse white space to test for the stub shape ": True := sorry". */
  char *t = malloc(len + 1);
  if (t == NULL)
    return FC_LEAN_DEFERRED;
  size_t j = 0;
  for (size_t i = 0; i < len; i++)
    if (!isspace((unsigned char)body[i]))
      t[j++] = body[i];
  t[j] = '\0';
  int stub = 0;
  const char *shapes[] = {":True:=sorry", ":True:=bysorry"};
  for (int s = 0; s < 2 && !stub; s++) {
    size_t k = strlen(shapes[s]);
    stub = j >= k && strcmp(t + j - k, shapes[s]) == 0;
  }
  free(t);
  return stub ? FC_LEAN_STUB : FC_LEAN_DEFERRED;
}

static int push(decls *d, const char *name, int kind, const char *file,
                int line, fc_lean_status st)
{
  if (d->n == d->cap) {
    size_t cap = d->cap ? 2 * d->cap : 64;
    fc_lean_decl *v = realloc(d->v, cap * sizeof *v);
    if (v == NULL)
      return FC_ENOMEM;
    d->v = v;
    d->cap = cap;
  }
  fc_lean_decl *x = &d->v[d->n++];
  memset(x, 0, sizeof *x);
  snprintf(x->name, sizeof x->name, "%s", name);
  snprintf(x->kind, sizeof x->kind, "%s", kinds[kind]);
  snprintf(x->file, sizeof x->file, "%s", file);
  x->line = line;
  x->status = st;
  return FC_OK;
}

static int scan_text(decls *d, const char *text, const char *file)
{
  char *s = strip(text);
  if (s == NULL)
    return FC_ENOMEM;
  int cur_kind = -1, cur_line = 0, line = 1;
  char cur_name[160] = "";
  const char *cur_body = NULL;
  int rc = FC_OK;
  for (char *p = s; rc == FC_OK; line++) {
    char *nl = strchr(p, '\n');
    char name[160] = "";
    int k = decl_start(p, name, sizeof name);
    int ends = k < 0 && (p[0] != ' ' && p[0] != '\t') && ends_scope(p);
    if ((k >= 0 || ends || nl == NULL) && cur_kind >= 0) {
      const char *stop = (k >= 0 || ends) ? p : p + strlen(p);
      rc = push(d, cur_name, cur_kind, file, cur_line,
                status_of(cur_kind, cur_body, (size_t)(stop - cur_body)));
      cur_kind = -1;
    }
    if (k >= 0 && name[0] != '\0') {
      cur_kind = k;
      cur_line = line;
      cur_body = p;
      strcpy(cur_name, name);
    }
    if (nl == NULL)
      break;
    p = nl + 1;
  }
  free(s);
  return rc;
}

int fc_lean_scan_text(fc_lean_decl **out, size_t *n, const char *text,
                      const char *file, fc_error *err)
{
  if (out == NULL || n == NULL || text == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_lean_scan_text: NULL argument");
  decls d = {NULL, 0, 0};
  int rc = scan_text(&d, text, file ? file : "");
  if (rc != FC_OK) {
    free(d.v);
    return fc_error_set(err, rc, "out of memory scanning %s", file);
  }
  *out = d.v;
  *n = d.n;
  return FC_OK;
}

/* Directories (and files) already visited, by device and inode: symlink
 * cycles (a -> b -> a, a self-loop) and several links to one tree are
 * walked once, so the scan ends and reports each declaration once. */
typedef struct visited {
  struct {
    dev_t dev;
    ino_t ino;
  } *v;
  size_t n, cap;
} visited;

/* 1 when st was seen before; else records it and returns 0 (-1: ENOMEM). */
static int seen_before(visited *vs, const struct stat *st)
{
  for (size_t i = 0; i < vs->n; i++)
    if (vs->v[i].dev == st->st_dev && vs->v[i].ino == st->st_ino)
      return 1;
  if (vs->n == vs->cap) {
    size_t cap = vs->cap ? 2 * vs->cap : 64;
    void *nv = realloc(vs->v, cap * sizeof *vs->v);
    if (nv == NULL)
      return -1;
    vs->v = nv;
    vs->cap = cap;
  }
  vs->v[vs->n].dev = st->st_dev;
  vs->v[vs->n].ino = st->st_ino;
  vs->n++;
  return 0;
}

static int walk(decls *d, visited *vs, const char *root, const char *rel,
                int depth, fc_error *err)
{
  char path[8200];
  int kp = snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
  if (kp < 0 || (size_t)kp >= sizeof path)
    return fc_error_set(err, FC_ERANGE, "path too long under '%s'", root);
  DIR *dir = opendir(path);
  if (dir == NULL)
    return fc_error_set(err, FC_EIO, "cannot read directory '%s': %s", path,
                        strerror(errno));
  struct dirent *e;
  int rc = FC_OK;
  /* Collect names and sort them so the scan order is deterministic. */
  char **names = NULL;
  size_t nn = 0, cap = 0;
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    if (nn == cap) {
      cap = cap ? 2 * cap : 32;
      char **nv = realloc(names, cap * sizeof *nv);
      if (nv == NULL) {
        rc = FC_ENOMEM;
        break;
      }
      names = nv;
    }
    if ((names[nn] = strdup(e->d_name)) == NULL) {
      rc = FC_ENOMEM;
      break;
    }
    nn++;
  }
  closedir(dir);
  for (size_t i = 1; i < nn; i++)
    for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      char *t = names[j];
      names[j] = names[j - 1];
      names[j - 1] = t;
    }
  for (size_t i = 0; i < nn && rc == FC_OK; i++) {
    char sub[4096], full[8200];
    int ks = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]);
    int kf = snprintf(full, sizeof full, "%s/%s", root, sub);
    if (ks < 0 || (size_t)ks >= sizeof sub || kf < 0 || (size_t)kf >= sizeof full) {
      rc = fc_error_set(err, FC_ERANGE, "path too long under '%s'", root);
      break;
    }
    struct stat st;
    if (stat(full, &st) != 0)
      continue; /* a dangling link, or a loop stat(2) itself refuses */
    if ((S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
      int seen = seen_before(vs, &st);
      if (seen < 0) {
        rc = FC_ENOMEM;
        break;
      }
      if (seen)
        continue;
    }
    if (S_ISDIR(st.st_mode) && depth < 32) {
      rc = walk(d, vs, root, sub, depth + 1, err);
    } else if (S_ISREG(st.st_mode)) {
      size_t l = strlen(names[i]);
      if (l > 5 && strcmp(names[i] + l - 5, ".lean") == 0) {
        /* Read without blocking and checked again on the opened file
         * (it may have changed since the stat), at most 64 MiB. */
        char *text = NULL;
        rc = fc_file_read_all(&text, NULL, full, (size_t)64 << 20,
                              FC_FILE_REGULAR, err);
        if (rc == FC_OK)
          rc = scan_text(d, text, sub);
        free(text);
      }
    }
  }
  for (size_t i = 0; i < nn; i++)
    free(names[i]);
  free(names);
  if (rc == FC_ENOMEM)
    fc_error_set(err, rc, "out of memory scanning '%s'", root);
  return rc;
}

int fc_lean_scan(fc_lean_decl **out, size_t *n, const char *dir,
                 fc_error *err)
{
  if (out == NULL || n == NULL || dir == NULL)
    return fc_error_set(err, FC_EINVAL, "fc_lean_scan: NULL argument");
  decls d = {NULL, 0, 0};
  visited vs = {NULL, 0, 0};
  struct stat st;
  int rc = FC_OK;
  if (stat(dir, &st) == 0 && seen_before(&vs, &st) < 0)
    rc = fc_error_set(err, FC_ENOMEM, "out of memory scanning '%s'", dir);
  if (rc == FC_OK)
    rc = walk(&d, &vs, dir, "", 0, err);
  free(vs.v);
  if (rc != FC_OK) {
    free(d.v);
    return rc;
  }
  *out = d.v;
  *n = d.n;
  return FC_OK;
}

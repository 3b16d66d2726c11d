/* output.c -- where reports go: the table of --format/--output pairs,
 * atomic writes (temporary file in the same directory, then rename), long
 * replay tokens saved to files, and the SIGINT/SIGTERM flag of a run.
 *
 * Shared by `run`, `report` and `merge` (cli.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "foldcheck.h"
#include "cli.h"

/* ------------------------------------------------------ format/output */

static const char *const format_list =
    "text, json, tap, junit, markdown, html, summary";

const char *fc_cli_format_list(void) { return format_list; }

void fc_cli_outputs_init(fc_cli_outputs *o)
{
  memset(o, 0, sizeof *o);
  o->stdout_format = FC_FORMAT_TEXT;
}

/* The format a file name implies, for an --output given without --format:
 * .json, .xml (JUnit), .html/.htm, .md (markdown), .tap; else text. */
static fc_format format_of_path(const char *path)
{
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (dot == NULL || (slash && dot < slash))
    return FC_FORMAT_TEXT;
  if (strcmp(dot, ".json") == 0)
    return FC_FORMAT_JSON;
  if (strcmp(dot, ".xml") == 0)
    return FC_FORMAT_JUNIT;
  if (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0)
    return FC_FORMAT_HTML;
  if (strcmp(dot, ".md") == 0)
    return FC_FORMAT_MARKDOWN;
  if (strcmp(dot, ".tap") == 0)
    return FC_FORMAT_TAP;
  return FC_FORMAT_TEXT;
}

static int add_pair(fc_cli_outputs *o, fc_format f, const char *path)
{
  if (o->n >= FC_CLI_MAX_OUTPUTS)
    return fc_cli_usage_error("at most %d --output files", FC_CLI_MAX_OUTPUTS);
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->item[i].path, path) == 0)
      return fc_cli_usage_error("--output '%s' given twice", path);
  o->item[o->n].format = f;
  o->item[o->n].path = path;
  o->n++;
  return 0;
}

int fc_cli_outputs_format(fc_cli_outputs *o, const char *name)
{
  fc_format f;
  if (fc_format_parse(&f, name) != FC_OK)
    return fc_cli_usage_error("unknown format '%s' (%s)", name, format_list);
  if (o->pending_output) {
    /* --output FILE --format F: the format belongs to that file. */
    int rc = add_pair(o, f, o->pending_output);
    o->pending_output = NULL;
    return rc;
  }
  if (o->has_pending_format)
    return fc_cli_usage_error("--format %s follows another --format with no "
                              "--output between them (only one format goes "
                              "to stdout)", name);
  o->pending_format = f;
  o->has_pending_format = 1;
  return 0;
}

int fc_cli_outputs_output(fc_cli_outputs *o, const char *path)
{
  if (path == NULL || *path == '\0')
    return fc_cli_usage_error("--output expects a file name");
  if (o->has_pending_format) {
    o->has_pending_format = 0;
    return add_pair(o, o->pending_format, path);
  }
  if (o->pending_output) {
    /* Two --output in a row: the first takes the format of its name. */
    int rc = add_pair(o, format_of_path(o->pending_output), o->pending_output);
    if (rc)
      return rc;
  }
  o->pending_output = path;
  return 0;
}

int fc_cli_outputs_finish(fc_cli_outputs *o)
{
  if (o->pending_output) {
    int rc = add_pair(o, format_of_path(o->pending_output), o->pending_output);
    if (rc)
      return rc;
    o->pending_output = NULL;
  }
  if (o->has_pending_format) {
    o->stdout_format = o->pending_format;
    o->stdout_given = 1;
    o->has_pending_format = 0;
  }
  return 0;
}

/* -------------------------------------------------------- atomic writes */

/* Write rep in format f to a temporary file next to path, then rename it
 * over path: a reader (or a kill at any moment) sees the previous file or
 * the complete new one, never a partial one. */
int fc_cli_write_atomic(const char *path, const fc_report *rep, fc_format f,
                        const fc_write_opts *wo, fc_error *err)
{
  size_t len = strlen(path);
  char *tmp = malloc(len + 32);
  if (tmp == NULL)
    return fc_error_set(err, FC_ENOMEM, "out of memory");
  /* Same directory as path: rename(2) is atomic only within a file
   * system. */
  const char *slash = strrchr(path, '/');
  size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
  snprintf(tmp, len + 32, "%.*s.%s.tmp.XXXXXX", (int)dirlen, path,
           path + dirlen);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(tmp);
    return fc_error_set(err, FC_EIO, "cannot write '%s': %s", path,
                        strerror(e));
  }
  FILE *f2 = fdopen(fd, "w");
  if (f2 == NULL) {
    close(fd);
    unlink(tmp);
    free(tmp);
    return fc_error_set(err, FC_ENOMEM, "cannot write '%s'", path);
  }
  int rc = fc_report_write_ex(f2, rep, f, wo);
  if (rc == FC_OK && (fflush(f2) != 0 || fsync(fileno(f2)) != 0))
    rc = FC_EIO;
  if (fclose(f2) != 0 && rc == FC_OK)
    rc = FC_EIO;
  /* mkstemp creates 0600; a report is an ordinary file. */
  if (rc == FC_OK) {
    mode_t um = umask(0);
    umask(um);
    chmod(tmp, 0666 & ~um);
  }
  if (rc == FC_OK && rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return fc_error_set(err, FC_EIO, "cannot write '%s': %s", path,
                        strerror(e));
  }
  if (rc != FC_OK) {
    unlink(tmp);
    free(tmp);
    return fc_error_set(err, rc, "writing '%s' failed: %s", path,
                        fc_strerror(rc));
  }
  free(tmp);
  return FC_OK;
}

/* mkdir -p for a relative or absolute directory; 0 or -1. */
static int mkdirs(const char *dir)
{
  char buf[4096];
  if (strlen(dir) >= sizeof buf)
    return -1;
  strcpy(buf, dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int fc_cli_write_tokens(const fc_report *rep, const char *dir)
{
  int need = 0;
  for (size_t i = 0; i < rep->n; i++)
    need |= rep->results[i].cex && rep->results[i].cex->token &&
            strlen(rep->results[i].cex->token) > FC_TOKEN_INLINE_MAX;
  if (!need)
    return 0;
  if (mkdirs(dir) != 0)
    return -1;
  for (size_t i = 0; i < rep->n; i++) {
    const fc_prop_result *r = &rep->results[i];
    char path[4096], tmp[4200];
    if (!r->cex || !r->cex->token ||
        strlen(r->cex->token) <= FC_TOKEN_INLINE_MAX)
      continue;
    if (fc_report_token_path(path, sizeof path, dir, r->prop->id) != FC_OK)
      return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
      return -1;
    int ok = fprintf(f, "%s\n", r->cex->token) > 0;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
      unlink(tmp);
      return -1;
    }
  }
  return 0;
}

int fc_cli_check_db(const char *dir)
{
  char probe[4200];
  if (mkdirs(dir) != 0) {
    fprintf(stderr, "foldcheck: warning: failure database '%s' cannot be "
            "created (%s): failures will not be saved\n", dir,
            strerror(errno));
    return -1;
  }
  snprintf(probe, sizeof probe, "%s/.probe.%ld", dir, (long)getpid());
  FILE *f = fopen(probe, "w");
  if (f == NULL) {
    fprintf(stderr, "foldcheck: warning: failure database '%s' is not "
            "writable (%s): failures will not be saved\n", dir,
            strerror(errno));
    return -1;
  }
  fclose(f);
  unlink(probe);
  return 0;
}

/* ------------------------------------------------------------ signals */

/* The CLI's own flag (the library keeps none): set by the handler, read
 * by the runner through fc_run_config.stop.  sig_atomic_t written from a
 * handler is the one async-signal-safe thing a handler may do here. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig) { stop_flag = sig; }

volatile sig_atomic_t *fc_cli_install_stop(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* One-shot: a second Ctrl-C kills at once (default action). */
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  return &stop_flag;
}

int fc_cli_stop_status(void)
{
  return stop_flag ? 128 + (int)stop_flag : 0;
}

/* See cli.h. */
char *fc_cli_slurp(const char *path, fc_error *err)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fc_error_set(err, FC_EIO, "cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, len = 0;
  char *b = malloc(cap);
  while (b) {
    len += fread(b + len, 1, cap - len - 1, f);
    if (len + 1 < cap)
      break;
    char *nb = cap < ((size_t)256 << 20) ? realloc(b, cap * 2) : NULL;
    if (nb == NULL) {
      fc_error_set(err, FC_ERANGE, "'%s' is too large (over 256 MiB)", path);
      free(b);
      b = NULL;
      break;
    }
    b = nb;
    cap *= 2;
  }
  if (b && ferror(f)) {
    fc_error_set(err, FC_EIO, "error reading '%s'", path);
    free(b);
    b = NULL;
  }
  fclose(f);
  if (b)
    b[len] = '\0';
  else if (err && err->msg[0] == '\0')
    fc_error_set(err, FC_ENOMEM, "out of memory reading '%s'", path);
  return b;
}

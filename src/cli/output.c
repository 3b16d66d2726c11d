/* output.c -- where reports go: the table of --format/--output pairs,
 * report and token files written through the one safe writer
 * (engine/safeio.h: atomic replacement of regular files, devices and FIFOs
 * written in place), reports read through its reader, and the
 * SIGINT/SIGTERM flag of a run.
 *
 * Shared by `run`, `report` and `merge` (cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "foldcheck.h"
#include "cli.h"
#include "engine/safeio.h"

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
  /* A directory, a missing directory or a read-only one is said now, not
   * after the run. */
  for (int i = 0; i < o->n; i++) {
    fc_error err = {0, ""};
    if (fc_file_check_output(o->item[i].path, &err) != FC_OK)
      return fc_cli_usage_error("%s", err.msg);
  }
  return 0;
}

/* ---------------------------------------------------------------- writes */

typedef struct report_arg {
  const fc_report *rep;
  fc_format f;
  const fc_write_opts *wo;
} report_arg;

/* fc_file_writer: the report in its format. */
static int put_report(FILE *f, void *arg)
{
  const report_arg *ra = arg;
  return fc_report_write_ex(f, ra->rep, ra->f, ra->wo);
}

/* See cli.h: the one safe writer (engine/safeio.h) with the report as its
 * content. */
int fc_cli_write_report(const char *path, const fc_report *rep, fc_format f,
                        const fc_write_opts *wo, fc_error *err)
{
  report_arg ra = {rep, f, wo};
  return fc_file_write(path, put_report, &ra, err);
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

/* fc_file_writer: a token and a newline. */
static int put_token(FILE *f, void *arg)
{
  return fprintf(f, "%s\n", (const char *)arg) > 0 ? FC_OK : FC_EIO;
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
    char path[4096];
    if (!r->cex || !r->cex->token ||
        strlen(r->cex->token) <= FC_TOKEN_INLINE_MAX)
      continue;
    if (fc_report_token_path(path, sizeof path, dir, r->prop->id) != FC_OK ||
        fc_file_write(path, put_token, r->cex->token, NULL) != FC_OK)
      return -1;
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
  int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "foldcheck: warning: failure database '%s' is not "
            "writable (%s): failures will not be saved\n", dir,
            strerror(errno));
    return -1;
  }
  close(fd);
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
  /* A report named on the command line may be a pipe (diff <(...) b.json)
   * or a FIFO, read once its writer comes; a device or a directory is
   * refused without being read. */
  char *text = NULL;
  fc_file_read_all(&text, NULL, path, FC_CLI_REPORT_MAX, FC_FILE_PIPE_OK,
                   err);
  return text;
}

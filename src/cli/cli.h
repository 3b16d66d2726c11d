/* cli.h -- subcommands of the foldcheck program.  Each takes the arguments
 * after its name (argv[0] is the subcommand name) and returns the exit
 * status: 0 success, 1 a property fell short / regression, 2 bad usage or
 * input.  Bad input prints one clear line on stderr starting "foldcheck: ". */
#ifndef FC_CLI_H
#define FC_CLI_H

typedef struct fc_cli_cmd {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
} fc_cli_cmd;

int fc_cli_run(int argc, char **argv);       /* main.c */
int fc_cli_list(int argc, char **argv);      /* main.c */
int fc_cli_replay(int argc, char **argv);    /* main.c */
int fc_cli_kernels(int argc, char **argv);   /* main.c */
int fc_cli_mutants(int argc, char **argv);   /* main.c */
int fc_cli_bench(int argc, char **argv);     /* main.c */
struct fc_run_config;
/* bench's runs and table (bench_cmd.c); pats NULL-terminated or NULL. */
int fc_cli_bench_report(const struct fc_run_config *cfg,
                        const char *const *pats);
int fc_cli_anchors(int argc, char **argv);   /* conformance_cmd.c */
int fc_cli_diff(int argc, char **argv);      /* conformance_cmd.c */
/* Where the default profile keeps the last run's JSON report. */
const char *fc_cli_last_report(void);        /* conformance_cmd.c */
int fc_cli_schedules(int argc, char **argv); /* schedules_cmd.c (issue 3) */
int fc_cli_explain(int argc, char **argv);   /* explain_cmd.c (issue 4) */
int fc_cli_audit(int argc, char **argv);     /* audit_cmd.c (issue 12) */

int fc_cli_report(int argc, char **argv);    /* report_cmd.c */
int fc_cli_merge(int argc, char **argv);     /* report_cmd.c */

/* ------------------------------------------------ output.c: where reports go */
#include <signal.h>
#include "foldcheck.h"

#define FC_CLI_MAX_OUTPUTS 16
/* The --format/--output pairs of a command, in the order given.  Each
 * --output FILE takes the --format given just before it (or just after
 * it, when no other --output intervenes; or, without one, the format its
 * name implies: .json, .xml junit, .html, .md markdown, .tap, else text);
 * a --format with no --output is the format written to stdout. */
typedef struct fc_cli_outputs {
  int n;
  struct {
    fc_format format;
    const char *path;
  } item[FC_CLI_MAX_OUTPUTS];
  fc_format stdout_format; /* text unless a lone --format says otherwise */
  int stdout_given;        /* a lone --format was given */
  /* parser state */
  const char *pending_output;
  fc_format pending_format;
  int has_pending_format;
} fc_cli_outputs;
void fc_cli_outputs_init(fc_cli_outputs *o);
/* Handle one --format NAME / --output FILE; 0 or 2 (message printed). */
int fc_cli_outputs_format(fc_cli_outputs *o, const char *name);
int fc_cli_outputs_output(fc_cli_outputs *o, const char *path);
/* After the last option: the pending pair, then every --output checked
 * before any work (fc_file_check_output: not a directory, its directory
 * writable, ...); 0 or 2. */
int fc_cli_outputs_finish(fc_cli_outputs *o);
/* "text, json, ..." for messages and --help. */
const char *fc_cli_format_list(void);
/* Write rep to path through the one safe writer (engine/safeio.h): a
 * regular file (or a new path, or the target of a symlink) is replaced
 * atomically -- never an empty or partial file, the previous one kept on
 * failure; a character device, a FIFO or /dev/stdout is written in place;
 * a directory is refused.  FC_OK or an error with its message (naming the
 * path) in err. */
int fc_cli_write_report(const char *path, const fc_report *rep, fc_format f,
                        const fc_write_opts *wo, fc_error *err);
/* Save every replay token longer than FC_TOKEN_INLINE_MAX to
 * dir/<id>.token (fc_report_token_path), through the safe writer; 0, or -1
 * when one could not be written (then print them inline). */
int fc_cli_write_tokens(const fc_report *rep, const char *dir);
/* Create the failure database directory and probe that it is writable;
 * a warning line on stderr and -1 when not. */
int fc_cli_check_db(const char *dir);
/* Install the SIGINT/SIGTERM handler (one-shot: a second signal kills);
 * returns the flag to put in fc_run_config.stop. */
volatile sig_atomic_t *fc_cli_install_stop(void);
/* Write rep to every --output file (atomically) and to stdout (the lone
 * --format, else text unless quiet and files were given; long tokens of
 * the text report saved under .foldcheck/replay).  0, or 2 after a
 * message when a write failed. */
int fc_cli_emit(const fc_report *rep, const fc_cli_outputs *outs, int quiet,
                int verbose);
/* 128 + the signal that stopped the run (130 SIGINT, 143 SIGTERM), or 0. */
int fc_cli_stop_status(void);

/* Issue 9 (kernels_ext.c): --kernels PLUGIN | exec:CMD.  arg_ok: a
 * built-in name or an external spec.  open: for an external spec, start
 * the provider (handshake, ABI check; arith -- "STORAGE/ACCUM",
 * "STORAGE/ELEMENTWISE/ACCUM" or a preset, fc_arith_parse -- overrides the
 * declared elementwise and accumulation formats), print its contracts on
 * stderr and store it in
 * *prov; NULL for a built-in name.  Returns 0 or the exit status 2 (after
 * a message). */
int fc_cli_kernels_arg_ok(const char *spec);
int fc_cli_open_provider(void **prov, const char *spec, double timeout,
                         const char *arith);
void fc_cli_close_provider(void *prov);
/* Issue 16 (bench --via-provider): the built-in table named table (NULL:
 * the reference) behind the in-process provider adapter, as a plugin would
 * be called, into *prov.  0, or 2 after a message. */
int fc_cli_open_builtin_provider(void **prov, const char *table);
/* The identity of the kernels under test for the failure database
 * (fc_run_config.kernel_id), into buf: a built-in table's name (prov
 * NULL); "plugin NAME S/E/A fnv1a64:HASH" (the .so file's bytes) or
 * "exec NAME S/E/A cmd:COMMAND" (prov an open provider; S/E/A the storage,
 * elementwise and accumulation formats it is judged at).  0, or 2 after a message (an unreadable
 * plugin file, an identity longer than buf). */
#define FC_CLI_KERNEL_ID_MAX 1100
int fc_cli_kernel_identity(char *buf, size_t n, const char *spec,
                           const void *prov);
/* Both for a run: open cfg->kernels' provider into cfg->provider
 * (fc_cli_open_provider), write its identity into kid (n bytes,
 * FC_CLI_KERNEL_ID_MAX) and set cfg->kernel_id = kid and, for an external
 * provider, cfg->kernel_arith = arith.  0, or 2 after a message (nothing
 * left open). */
int fc_cli_kernels_setup(struct fc_run_config *cfg, char *kid, size_t n,
                         double timeout, const char *arith);
/* foldcheck kernels --arith: the declaration syntax and the presets on
 * stdout; returns 0. */
int fc_cli_kernels_arith(void);
/* Check one case's recorded values with cfg's kernels (built-in or
 * provider): p->check with the resolved table. */
struct fc_check_result;
struct fc_property;
struct fc_case;
struct fc_run_config;
int fc_cli_check_case(struct fc_check_result *r, const struct fc_property *p,
                      const struct fc_case *c,
                      const struct fc_run_config *cfg);
#define FC_CLI_KERNEL_TIMEOUT 10.0 /* default --kernel-timeout, seconds */

/* Shared by subcommands: print "foldcheck: <msg>" and return 2. */
int fc_cli_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* A report named on the command line as a NUL-terminated string (malloc'd;
 * at most FC_CLI_REPORT_MAX bytes), read by fc_file_read_all: a regular
 * file, or a pipe or FIFO (diff <(...) new.json); anything else refused
 * without blocking.  NULL with err set (cannot read, not a regular file,
 * too large, out of memory). */
#define FC_CLI_REPORT_MAX ((size_t)256 << 20)
char *fc_cli_slurp(const char *path, fc_error *err);

#endif

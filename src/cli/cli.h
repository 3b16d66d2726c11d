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
int fc_cli_anchors(int argc, char **argv);   /* conformance_cmd.c */
int fc_cli_diff(int argc, char **argv);      /* conformance_cmd.c */
/* Where the default profile keeps the last run's JSON report. */
const char *fc_cli_last_report(void);        /* conformance_cmd.c */
int fc_cli_schedules(int argc, char **argv); /* schedules_cmd.c (issue 3) */
int fc_cli_explain(int argc, char **argv);   /* explain_cmd.c (issue 4) */

/* Issue 9 (kernels_ext.c): --kernels PLUGIN | exec:CMD.  arg_ok: a
 * built-in name or an external spec.  open: for an external spec, start
 * the provider (handshake, ABI check; arith "STORAGE/ACCUM" overrides the
 * declared accumulation), print its contracts on stderr and store it in
 * *prov; NULL for a built-in name.  Returns 0 or the exit status 2 (after
 * a message). */
int fc_cli_kernels_arg_ok(const char *spec);
int fc_cli_open_provider(void **prov, const char *spec, double timeout,
                         const char *arith);
void fc_cli_close_provider(void *prov);
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

#endif

/* main.c -- the foldcheck command.
 *
 *   foldcheck list | run | replay | kernels | mutants | schedules | explain
 *
 * Exit status: 0 every selected property met its expectation, 1 one fell
 * short (or a mutant escaped, or a replayed case fails), 2 bad usage or
 * input (one line on stderr). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "foldcheck.h"
#include "cli.h"
#include "engine/safeio.h"


int fc_cli_usage_error(const char *fmt, ...)
{
  va_list ap;
  fputs("foldcheck: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 2;
}

/* ------------------------------------------------------- option parsing */

static int parse_long(long *out, const char *s, long lo, long hi,
                      const char *what)
{
  char *end;
  errno = 0;
  long v = s ? strtol(s, &end, 10) : 0;
  if (s == NULL || *s == '\0' || *end != '\0' || errno || v < lo || v > hi)
    return fc_cli_usage_error("%s expects an integer in [%ld, %ld], got '%s'",
                              what, lo, hi, s ? s : "");
  *out = v;
  return 0;
}

static int parse_double(double *out, const char *s, double lo, double hi,
                        const char *what)
{
  char *end;
  errno = 0;
  double v = s ? strtod(s, &end) : 0;
  if (s == NULL || *s == '\0' || *end != '\0' || errno || !(v >= lo) ||
      !(v <= hi))
    return fc_cli_usage_error("%s expects a number in [%g, %g], got '%s'",
                              what, lo, hi, s ? s : "");
  *out = v;
  return 0;
}

static int parse_seed(uint64_t *out, const char *s)
{
  char *end;
  errno = 0;
  if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
    return fc_cli_usage_error("--seed expects a non-negative integer, got '%s'",
                              s ? s : "");
  unsigned long long v = strtoull(s, &end, 0);
  if (*end != '\0' || errno)
    return fc_cli_usage_error("--seed expects an integer below 2^64, got '%s'",
                              s);
  *out = v;
  return 0;
}

static int ncpus(void)
{
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* ------------------------------------------------------------------ list */

int fc_cli_list(int argc, char **argv)
{
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("usage: foldcheck list [PATTERN...] [--count]\n"
           "List the properties: id, expectation (holds, or detect for a\n"
           "negative control), Lean anchors and title.\n"
           "\n"
           "  --count   print only how many properties the patterns select:\n"
           "            N properties (H that must hold, D negative controls)\n");
    return 0;
  }
  int count = 0, npats = 0;
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--count") == 0)
      count = 1;
    else if (argv[a][0] == '-')
      return fc_cli_usage_error("list: unknown option '%s'", argv[a]);
    else
      npats++;
  }
  size_t shown = 0, holds = 0;
  for (size_t i = 0, n = fc_properties_count(); i < n; i++) {
    const fc_property *p = fc_properties_at(i);
    int sel = npats == 0;
    for (int a = 1; a < argc && !sel; a++)
      sel = argv[a][0] != '-' && fc_pattern_match(argv[a], p->id);
    if (!sel)
      continue;
    shown++;
    holds += p->expect == FC_EXPECT_HOLDS;
    if (count)
      continue;
    printf("%-40s %-6s %s\n", p->id,
           p->expect == FC_EXPECT_HOLDS ? "holds" : "detect", p->title);
    printf("%-40s        anchors: ", "");
    if (p->anchors == NULL || p->anchors[0] == NULL)
      printf("(none%s)", p->extension ? ": extension beyond the Lean anchors" : "");
    for (const char *const *a = p->anchors; a && *a; a++)
      printf("%s%s", *a, a[1] ? ", " : "");
    printf("%s%s%s\n", p->lean_file ? "  [" : "",
           p->lean_file ? p->lean_file : "", p->lean_file ? "]" : "");
  }
  if (shown == 0)
    return fc_cli_usage_error("no property matches the given patterns");
  if (count)
    printf("%zu properties (%zu that must hold, %zu negative controls)\n",
           shown, holds, shown - holds);
  return 0;
}

/* ------------------------------------------------------------------- run */

static void run_help(void)
{
  printf(
      "usage: foldcheck run [PATTERN...] [options]\n"
      "Run the properties whose ids match the patterns (globs; a bare family\n"
      "name such as 'schur' selects the family); all of them by default.\n"
      "\n"
      "  --profile NAME      default | ci | nightly (ci when $CI is set)\n"
      "  --cases N           case budget per property\n"
      "  --time-budget SEC   time budget per property\n"
      "  --seed S            the run's seed (printed in every report)\n"
      "  --threads N         worker threads (results do not depend on N)\n"
      "  --prec BITS         oracle precision P, 64..65536 (default 256;\n"
      "                      self-check at P+64)\n"
      "  --kernels NAME      kernel table to check (see 'foldcheck kernels'),\n"
      "                      or your own: ./libmine.so (a C plugin, see\n"
      "                      foldcheck/kernel.h) or 'exec:CMD ARGS' (a program\n"
      "                      speaking the frame protocol); then the default\n"
      "                      selection is every property that judges a\n"
      "                      kernel through it (contract.*, fold.large.*,\n"
      "                      commutant.rope_accuracy, commutant.large.*)\n"
      "  --kernel-timeout SEC  per call of a plugin/exec kernel (default 10)\n"
      "  --kernel-arith ARITH  judge at another arithmetic: STORAGE/ACCUM,\n"
      "                      STORAGE/ELEMENTWISE/ACCUM or a preset such as\n"
      "                      hf-bf16 (see 'foldcheck kernels --arith')\n"
      "  --format F          text | json | tap | junit | markdown | html |\n"
      "                      summary (short Markdown for a PR comment)\n"
      "  --output FILE       write the report there, in the --format given\n"
      "                      just before it (or implied by the name: .json,\n"
      "                      .xml, .html, .md, .tap); both may be repeated:\n"
      "                      --format json --output r.json --format junit\n"
      "                      --output r.xml.  Files are written whole or not\n"
      "                      at all (temporary file, then rename); text still\n"
      "                      goes to stdout unless --quiet\n"
      "  --exclude PATTERN   leave out the properties PATTERN matches (same\n"
      "                      globs; repeatable; before --shard splits, so the\n"
      "                      shards still partition what is selected)\n"
      "  --last-failed       run only the properties that failed or errored in\n"
      "                      the last report (.foldcheck/last.json, which the\n"
      "                      default profile writes); with no such report, or\n"
      "                      no failure in it among the selection, everything\n"
      "                      selected runs (one line on stderr says which)\n"
      "  -x, --maxfail N     stop at the N-th property, in registry order,\n"
      "                      that falls short (fail or error; -x is\n"
      "                      --maxfail 1): those after it are reported as not\n"
      "                      run, never as passes.  Properties run one at a\n"
      "                      time (--threads split one property's cases), so\n"
      "                      this is the same whatever --threads; with\n"
      "                      --shard, it counts the shard's failures\n"
      "  --shard K/N         run only shard K of N (balanced by estimated\n"
      "                      cost); 'foldcheck merge' joins the shard reports\n"
      "  --verbose           text: every counterexample and note in full\n"
      "  --db DIR            failure database (default .foldcheck/db in the\n"
      "                      default profile, off in ci and nightly); its\n"
      "                      entries are keyed by property and kernels\n"
      "  --no-db             no failure database\n"
      "  --shrink-steps N    shrink candidate budget\n"
      "  --shrink-time SEC   shrink time budget; 0: none (the ci profile's:\n"
      "                      its shrinks end by counts of candidates, so the\n"
      "                      report does not depend on the machine)\n"
      "  --quiet             no progress line; no text on stdout when every\n"
      "                      report goes to an --output file\n"
      "  --require-all       a property the kernels under test do not provide\n"
      "                      is an error (exit 1, named on stderr); without\n"
      "                      it such properties are reported 'not provided'\n"
      "                      (TAP SKIP, JUnit skipped), never as passes\n"
      "\n"
      "Ctrl-C (SIGINT) or SIGTERM: no new case is taken, the reports are\n"
      "written with what ran, marked interrupted (.foldcheck/last.json is\n"
      "then left as it was), and the exit status is 130 (SIGINT) or 143\n"
      "(SIGTERM); a second Ctrl-C kills at once.\n"
      "With a plugin or exec kernel, a property that runs the built-in double\n"
      "kernels only is 'not provided' (never run on the built-in tables in\n"
      "your kernel's name), as is a contract.* property whose entry the\n"
      "kernel lacks.\n"
      "Exit status: 0 every property run met its expectation (those not\n"
      "provided aside, unless --require-all), 1 otherwise, 2 bad usage,\n"
      "130/143 interrupted.\n");
}

enum {
  OPT_CASES = 256, OPT_SEED, OPT_THREADS, OPT_PREC, OPT_TIME, OPT_FORMAT,
  OPT_OUTPUT, OPT_DB, OPT_NODB, OPT_PROFILE, OPT_KERNELS, OPT_SSTEPS,
  OPT_STIME, OPT_QUIET, OPT_HELP, OPT_CHOICES, OPT_SHARD, OPT_VERBOSE,
  OPT_KTIMEOUT, OPT_KARITH, OPT_EXCLUDE, OPT_MAXFAIL, OPT_LASTFAILED,
  OPT_REQUIREALL
};

static const struct option run_opts[] = {
    {"cases", required_argument, NULL, OPT_CASES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"prec", required_argument, NULL, OPT_PREC},
    {"time-budget", required_argument, NULL, OPT_TIME},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"db", required_argument, NULL, OPT_DB},
    {"no-db", no_argument, NULL, OPT_NODB},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"kernels", required_argument, NULL, OPT_KERNELS},
    {"shrink-steps", required_argument, NULL, OPT_SSTEPS},
    {"shrink-time", required_argument, NULL, OPT_STIME},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"help", no_argument, NULL, OPT_HELP},
    {"kernel-timeout", required_argument, NULL, OPT_KTIMEOUT},
    {"kernel-arith", required_argument, NULL, OPT_KARITH},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"maxfail", required_argument, NULL, OPT_MAXFAIL},
    {"last-failed", no_argument, NULL, OPT_LASTFAILED},
    {"require-all", no_argument, NULL, OPT_REQUIREALL},
    {NULL, 0, NULL, 0}};

#define MAX_EXCLUDES 64

typedef struct run_opts_out {
  fc_run_config cfg;
  fc_cli_outputs outs; /* --format/--output pairs (output.c) */
  int quiet, verbose;
  double ktimeout;
  const char *karith;
  int help;
  const char *exclude[MAX_EXCLUDES + 1]; /* --exclude (cfg.exclude) */
  int nexclude;
  int last_failed;                       /* --last-failed */
  int require_all;                       /* --require-all */
} run_opts_out;

/* "K/N" with 1 <= K <= N <= 1024. */
static int parse_shard(fc_run_config *cfg, const char *s)
{
  int k, n, used = 0;
  if (s == NULL || sscanf(s, "%d/%d%n", &k, &n, &used) != 2 ||
      s[used] != '\0' || n < 1 || n > 1024 || k < 1 || k > n)
    return fc_cli_usage_error("--shard expects K/N with 1 <= K <= N <= 1024, "
                              "got '%s'", s ? s : "");
  cfg->shard_index = k;
  cfg->shard_count = n;
  return 0;
}

/* Parse run-style options into o; patterns are collected in pats (argv
 * entries).  Returns 0 or the exit status of a usage error. */
static int parse_run_opts(run_opts_out *o, const char **pats, int *npats,
                          int argc, char **argv)
{
  /* The profile first: every other flag overrides it. */
  const char *profile = getenv("CI") && *getenv("CI") ? "ci" : "default";
  for (int a = 1; a < argc; a++) {
    if (strcmp(argv[a], "--profile") == 0 && a + 1 < argc)
      profile = argv[a + 1];
    else if (strncmp(argv[a], "--profile=", 10) == 0)
      profile = argv[a] + 10;
  }
  memset(o, 0, sizeof *o);
  if (fc_run_config_profile(&o->cfg, profile) != FC_OK)
    return fc_cli_usage_error("unknown profile '%s' (default, ci, nightly)",
                              profile);
  o->cfg.threads = ncpus();
  if (strcmp(profile, "default") == 0)
    o->cfg.db_dir = ".foldcheck/db";
  fc_cli_outputs_init(&o->outs);
  o->ktimeout = FC_CLI_KERNEL_TIMEOUT;
  *npats = 0;
  long v;
  double x;
  int c;
  optind = 1;
  opterr = 0;
  /* Selection by outcome is run's alone; mutants chooses mutants. */
  int is_run = strcmp(argv[0], "run") == 0;
  int is_mutants = strcmp(argv[0], "mutants") == 0;
  /* GNU order: options may come before or after the patterns. */
  while ((c = getopt_long(argc, argv, "hx", run_opts, NULL)) != -1) {
    const char *arg = optarg;
    if ((!is_run && (c == 'x' || c == OPT_MAXFAIL || c == OPT_LASTFAILED ||
                     c == OPT_REQUIREALL)) ||
        (is_mutants && c == OPT_EXCLUDE))
      return fc_cli_usage_error("%s: '%s' is an option of 'foldcheck run'",
                                argv[0], argv[optind - 1]);
    switch (c) {
    case OPT_EXCLUDE:
      if (*arg == '\0')
        return fc_cli_usage_error("--exclude expects a pattern");
      if (o->nexclude == MAX_EXCLUDES)
        return fc_cli_usage_error("more than %d --exclude patterns",
                                  MAX_EXCLUDES);
      o->exclude[o->nexclude++] = arg;
      o->cfg.exclude = o->exclude;
      break;
    case 'x':
      o->cfg.maxfail = 1;
      break;
    case OPT_MAXFAIL:
      if (parse_long(&v, arg, 1, 1000000000L, "--maxfail"))
        return 2;
      o->cfg.maxfail = v;
      break;
    case OPT_LASTFAILED:
      o->last_failed = 1;
      break;
    case OPT_REQUIREALL:
      o->require_all = 1;
      break;
    case OPT_CASES:
      if (parse_long(&v, arg, 1, 100000000L, "--cases"))
        return 2;
      o->cfg.cases = v;
      break;
    case OPT_SEED:
      if (parse_seed(&o->cfg.seed, arg))
        return 2;
      break;
    case OPT_THREADS:
      if (parse_long(&v, arg, 1, 1024, "--threads"))
        return 2;
      o->cfg.threads = (int)v;
      break;
    case OPT_PREC:
      if (parse_long(&v, arg, FC_PREC_MIN, FC_PREC_MAX, "--prec"))
        return 2;
      o->cfg.prec = v;
      break;
    case OPT_TIME:
      if (parse_double(&x, arg, 1e-3, 1e7, "--time-budget"))
        return 2;
      o->cfg.time_budget = x;
      break;
    case OPT_FORMAT:
      if (fc_cli_outputs_format(&o->outs, arg))
        return 2;
      break;
    case OPT_OUTPUT:
      if (fc_cli_outputs_output(&o->outs, arg))
        return 2;
      break;
    case OPT_SHARD:
      if (parse_shard(&o->cfg, arg))
        return 2;
      break;
    case OPT_VERBOSE:
      o->verbose = 1;
      break;
    case OPT_DB:
      if (*arg == '\0')
        return fc_cli_usage_error("--db expects a directory");
      o->cfg.db_dir = arg;
      break;
    case OPT_NODB:
      o->cfg.db_dir = NULL;
      break;
    case OPT_PROFILE:
      break; /* handled above */
    case OPT_KERNELS:
      /* Reports keep the spec whole (fc_report.kernels): never truncated. */
      if (strlen(arg) >= sizeof ((fc_report *)0)->kernels)
        return fc_cli_usage_error("--kernels: a spec of %zu characters; at "
                                  "most %zu (put a long command line in a "
                                  "script)", strlen(arg),
                                  sizeof ((fc_report *)0)->kernels - 1);
      if (!fc_cli_kernels_arg_ok(arg))
        return fc_cli_usage_error("unknown kernel table '%s' (see 'foldcheck "
                                  "kernels'; a plugin path needs a '/')", arg);
      o->cfg.kernels = arg;
      break;
    case OPT_KTIMEOUT:
      if (parse_double(&x, arg, 1e-3, 86400, "--kernel-timeout"))
        return 2;
      o->ktimeout = x;
      break;
    case OPT_KARITH:
      o->karith = arg;
      break;
    case OPT_SSTEPS:
      if (parse_long(&v, arg, 0, 100000000L, "--shrink-steps"))
        return 2;
      o->cfg.shrink_steps = v;
      break;
    case OPT_STIME:
      if (parse_double(&x, arg, 0, 1e7, "--shrink-time"))
        return 2;
      o->cfg.shrink_seconds = x;
      break;
    case OPT_QUIET:
      o->quiet = 1;
      break;
    case 'h':
    case OPT_HELP:
      o->help = 1;
      return 0;
    case ':':
      return fc_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return fc_cli_usage_error("unknown option '%s' (see '%s --help')",
                                argv[optind - 1], argv[0]);
    }
    (void)arg;
  }
  if (fc_cli_outputs_finish(&o->outs))
    return 2;
  for (int a = optind; a < argc; a++)
    pats[(*npats)++] = argv[a];
  pats[*npats] = NULL;
  o->cfg.progress = !o->quiet && isatty(STDERR_FILENO);
  return 0;
}

/* --last-failed: the ids of the properties that fell short (status fail
 * or error) in the last report and that pats and cfg's exclusions select
 * (shards aside: each shard then runs its part of them), into *ids
 * (NULL-terminated, the registry's strings; free the array).  *ids is NULL
 * when everything selected is to run: no report, no such property.  One
 * line on stderr says which.  0, or 2 after a message (unreadable or
 * malformed report). */
static int last_failed_ids(const char ***ids, const fc_run_config *cfg,
                           const char *const *pats)
{
  const char *path = fc_cli_last_report();
  *ids = NULL;
  FILE *probe = fopen(path, "rb");
  if (probe == NULL && errno == ENOENT) {
    fprintf(stderr, "foldcheck: --last-failed: no previous report (%s): "
            "running every selected property\n", path);
    return 0;
  }
  if (probe)
    fclose(probe);
  fc_error err = {0, ""};
  char *text = fc_cli_slurp(path, &err);
  if (text == NULL)
    return fc_cli_usage_error("--last-failed: %s", err.msg);
  /* The one reader of reports: a corrupt last report is refused, with
   * the field named, rather than read for a selection. */
  json_t *root = NULL;
  int crc = fc_report_check_json(&root, text, &err);
  free(text);
  if (crc != FC_OK)
    return fc_cli_usage_error("--last-failed: %s: %s (remove it to start "
                              "afresh)", path, err.msg);
  json_t *props = json_object_get(root, "properties");
  /* What the patterns and exclusions select, unsharded. */
  fc_run_config whole = *cfg;
  whole.shard_index = whole.shard_count = 0;
  whole.only = NULL;
  const fc_property **sel = NULL;
  size_t nsel = 0;
  if (fc_select_properties(&sel, &nsel, &whole, pats, &err) != FC_OK) {
    json_decref(root); /* fc_run reports the same error */
    return 0;
  }
  size_t nprops = json_array_size(props), failed = 0, k = 0, i;
  const char **out = calloc(nprops + 1, sizeof *out);
  if (out == NULL) {
    free(sel);
    json_decref(root);
    return fc_cli_usage_error("out of memory");
  }
  json_t *p;
  json_array_foreach(props, i, p) {
    const char *st = json_string_value(json_object_get(p, "status"));
    const fc_property *q =
        fc_properties_find(json_string_value(json_object_get(p, "id")));
    if (st == NULL || strcmp(st, "pass") == 0 ||
        strcmp(st, "not_provided") == 0 || q == NULL)
      continue; /* a property this foldcheck no longer has is skipped */
    failed++;
    for (size_t j = 0; j < nsel; j++)
      if (sel[j] == q) {
        out[k++] = q->id;
        break;
      }
  }
  free(sel);
  json_decref(root);
  if (k == 0) {
    free(out);
    if (failed == 0)
      fprintf(stderr, "foldcheck: --last-failed: no property failed in the "
              "last run (%s): running every selected property\n", path);
    else
      fprintf(stderr, "foldcheck: --last-failed: none of the %zu properties "
              "that failed in the last run (%s) is selected: running every "
              "selected property\n", failed, path);
    return 0;
  }
  fprintf(stderr, "foldcheck: --last-failed: running the %zu propert%s that "
          "failed in the last run (%s)\n", k, k == 1 ? "y" : "ies", path);
  *ids = out;
  return 0;
}

int fc_cli_run(int argc, char **argv)
{
  run_opts_out o;
  const char **pats = calloc((size_t)argc + 1, sizeof *pats);
  if (pats == NULL)
    return fc_cli_usage_error("out of memory");
  int npats = 0;
  int rc = parse_run_opts(&o, pats, &npats, argc, argv);
  if (rc || o.help) {
    if (o.help)
      run_help();
    free(pats);
    return rc;
  }
  /* Probe the failure database now: a warning line, not a silent loss. */
  if (o.cfg.db_dir != NULL && fc_cli_check_db(o.cfg.db_dir) != 0)
    o.cfg.db_dir = NULL;
  /* The user's kernels: their identity keys the failure database. */
  char kid[FC_CLI_KERNEL_ID_MAX];
  if ((rc = fc_cli_kernels_setup(&o.cfg, kid, sizeof kid, o.ktimeout,
                                 o.karith)) != 0) {
    free(pats);
    return rc;
  }
  /* With the user's kernels and no pattern: every property that judges a
   * kernel through the provider (kernels_via FC_KV_PROVIDER), in registry
   * order; the others would only report "not provided". */
  const char **prov_pats = NULL;
  if (npats == 0 && o.cfg.provider != NULL) {
    const size_t np = fc_properties_count();
    size_t k = 0;
    prov_pats = calloc(np + 1, sizeof *prov_pats);
    if (prov_pats == NULL) {
      free(pats);
      fc_cli_close_provider(o.cfg.provider);
      fprintf(stderr, "foldcheck: out of memory\n");
      return 2;
    }
    for (size_t i = 0; i < np; i++)
      if (fc_properties_at(i)->kernels_via == FC_KV_PROVIDER)
        prov_pats[k++] = fc_properties_at(i)->id;
  }
  const char *const *sel_pats =
      npats ? pats : o.cfg.provider ? prov_pats : NULL;
  const char **only = NULL;
  if (o.last_failed && (rc = last_failed_ids(&only, &o.cfg, sel_pats)) != 0) {
    free(pats);
    free(prov_pats);
    fc_cli_close_provider(o.cfg.provider);
    return rc;
  }
  o.cfg.only = only;
  fc_report rep;
  fc_error err = {0, ""};
  o.cfg.stop = fc_cli_install_stop();
  rc = fc_run(&rep, &o.cfg, sel_pats, &err);
  free(pats);
  free(prov_pats);
  free(only);
  fc_cli_close_provider(o.cfg.provider);
  if (rc != FC_OK)
    return fc_cli_usage_error("%s", err.msg);
  for (size_t i = 0; i < rep.n; i++)
    if (rep.results[i].db_warning[0])
      fprintf(stderr, "foldcheck: warning: %s\n", rep.results[i].db_warning);
  int status = fc_report_ok(&rep) ? 0 : 1;
  size_t nprov = fc_report_count(&rep, FC_STATUS_NOT_PROVIDED);
  if (nprov > 0 && o.require_all) {
    /* --require-all: what the kernels do not provide is an error. */
    fprintf(stderr, "foldcheck: --require-all: %zu propert%s not provided "
            "by the kernels under test:", nprov, nprov == 1 ? "y" : "ies");
    for (size_t i = 0; i < rep.n; i++)
      if (rep.results[i].status == FC_STATUS_NOT_PROVIDED)
        fprintf(stderr, " %s", rep.results[i].prop->id);
    fprintf(stderr, "\n");
    status = 1;
  }
  if (o.cfg.db_dir != NULL && strcmp(o.cfg.profile, "default") == 0 &&
      !rep.interrupted) {
    /* The default profile keeps the last report for 'foldcheck anchors'
     * (an interrupted run leaves the previous one in place). */
    mkdir(".foldcheck", 0777); /* may exist; the write reports the rest */
    if (fc_cli_write_report(fc_cli_last_report(), &rep, FC_FORMAT_JSON, NULL,
                            &err) != FC_OK)
      fprintf(stderr, "foldcheck: warning: %s\n", err.msg);
  }
  int wrc = fc_cli_emit(&rep, &o.outs, o.quiet, o.verbose);
  if (rep.interrupted)
    fprintf(stderr, "foldcheck: interrupted: %zu properties reported, the "
            "rest not run\n", rep.n);
  else if (rep.not_run > 0)
    fprintf(stderr, "foldcheck: stopped after %ld propert%s fell short "
            "(--maxfail %ld): %zu not run\n", o.cfg.maxfail,
            o.cfg.maxfail == 1 ? "y" : "ies", o.cfg.maxfail, rep.not_run);
  fc_report_clear(&rep);
  if (wrc)
    return 2;
  if (fc_cli_stop_status())
    return fc_cli_stop_status();
  return status;
}

/* ---------------------------------------------------------------- replay */

/* A token or replay record file named on the command line: read without
 * blocking on what is not a regular file or pipe (engine/safeio.h), at
 * most 256 MiB, no NUL bytes. */
static char *read_file(const char *path, fc_error *err)
{
  char *buf = NULL;
  size_t len = 0;
  if (fc_file_read_all(&buf, &len, path, (size_t)256 << 20, FC_FILE_PIPE_OK,
                       err) != FC_OK)
    return NULL;
  if (strlen(buf) != len) {
    fc_error_set(err, FC_EPARSE, "'%s' contains NUL bytes", path);
    free(buf);
    return NULL;
  }
  return buf;
}

static void print_levels(const fc_check_result *r)
{
  for (int l = 0; l < FC_NLEVELS; l++) {
    const fc_measure *m = &r->level[l];
    if (!m->present) {
      printf("  %-12s  -\n", fc_level_name((fc_level)l));
      continue;
    }
    printf("  %-12s  error %.3e  bound %.3e  error/bound %.3e", fc_level_name((fc_level)l),
           m->err, m->bound, m->ratio);
    if (l == FC_LEVEL_ACCURACY)
      printf("  (%.3g %s ulps)", m->ulps,
             r->outputs.fmt[0] ? r->outputs.fmt : "fp64");
    printf("\n");
  }
  if (r->oracle_fault)
    printf("  ORACLE FAULT: P and P+64 results differ by %.3e (bound %.3e)\n",
           r->selfcheck_err, r->selfcheck_bound);
  if (r->note[0])
    printf("  note: %s\n", r->note);
}

/* What replay was asked to do besides the record. */
typedef struct replay_opts {
  long prec;           /* --prec, or 0: the record's */
  const char *kernels; /* --kernels, or NULL: the record's */
  int from_choices;    /* --choices */
  double ktimeout;     /* --kernel-timeout */
  int verbose;         /* --verbose: every output's details */
  const char *karith;  /* --kernel-arith, or NULL: the record's */
} replay_opts;

/* Where a failing case went wrong, in one entry: the kernel failure, or
 * the worst output's worst element (which output, index and coordinates,
 * the sub-check it belongs to, actual against exact, the bound). */
static void print_where(const fc_check_result *r, int level)
{
  const fc_output *s[FC_CHECK_OUTPUTS];
  if (r->kernel_failure[0]) {
    printf("where      %s\n", r->kernel_failure);
    return;
  }
  const int m = fc_check_outputs_sorted(s, r, level);
  if (m == 0 || s[0]->level != level)
    return;
  const fc_output *o = s[0];
  const fc_elem *e = &o->max_ratio;
  char at[64];
  printf("where      %s (%s level), element %ld at %s: error/bound %.3g\n",
         o->name[0] ? o->name : "compared values",
         fc_level_name((fc_level)o->level), e->index,
         fc_output_coords(at, sizeof at, o, e->index), e->ratio);
  printf("           actual %.17g (%a)\n", e->actual, e->actual);
  printf("           %-6s %.17g (%a)\n",
         o->level == FC_LEVEL_ACCURACY ? "exact" : "expected", e->expected,
         e->expected);
  printf("           |difference| %.3g, bound there %.3g; %ld / %ld elements "
         "of %s mismatched\n", e->err, e->bound, o->mismatched, o->n,
         o->name[0] ? o->name : "the output");
}

/* Re-check one decoded record and print it; clears *rp.  0 the case meets
 * its property's expectation, 1 it does not (or could not be checked), 2
 * bad input (message printed). */
static int replay_one(fc_replay *rp, const replay_opts *ro)
{
  int rc;
  if (strcmp(rp->version, fc_version()) != 0)
    fprintf(stderr, "foldcheck: warning: record written by foldcheck %s, this "
            "is %s; replaying its recorded values\n", rp->version,
            fc_version());
  fc_run_config cfg;
  fc_run_config_profile(&cfg, "ci");
  cfg.prec = ro->prec ? ro->prec : rp->prec;
  cfg.slack_bits = rp->slack_bits;
  /* Issue 16: the record's kernels and --kernel-arith unless the command
   * line says otherwise; the command line wins, with a note, so that one
   * case can be tried on another kernel (replay --kernels B TOKEN). */
  cfg.kernels = ro->kernels ? ro->kernels : rp->kernels;
  if (cfg.kernels[0] == '\0') {
    fc_replay_clear(rp);
    return fc_cli_usage_error("the record's kernels spec is too long to be "
                              "stored: pass --kernels again");
  }
  int same_kernels = strcmp(cfg.kernels, rp->kernels) == 0;
  const char *arith = ro->karith ? ro->karith
                      : same_kernels && rp->kernel_arith[0] ? rp->kernel_arith
                                                            : NULL;
  if (ro->kernels == NULL && strcmp(rp->kernels, "reference") != 0)
    fprintf(stderr, "foldcheck: note: replaying through the record's kernels "
            "%s%s%s (--kernels overrides)\n", rp->kernels,
            arith ? " judged at " : "", arith ? arith : "");
  else if (!same_kernels)
    fprintf(stderr, "foldcheck: warning: the record was found with kernels "
            "%s%s%s; replaying through %s (--kernels)\n", rp->kernels,
            rp->kernel_arith[0] ? " judged at " : "", rp->kernel_arith,
            cfg.kernels);
  if (ro->karith != NULL && rp->kernel_arith[0] &&
      strcmp(ro->karith, rp->kernel_arith) != 0 && same_kernels)
    fprintf(stderr, "foldcheck: warning: the record was judged at %s; "
            "judging at %s (--kernel-arith)\n", rp->kernel_arith,
            ro->karith);
  if (!fc_cli_kernels_arg_ok(cfg.kernels)) {
    fc_replay_clear(rp);
    return fc_cli_usage_error("the record names kernel table '%s', which this "
                              "foldcheck does not have", cfg.kernels);
  }
  if ((rc = fc_cli_open_provider(&cfg.provider, cfg.kernels, ro->ktimeout,
                                 arith)) != 0) {
    fc_replay_clear(rp);
    return rc;
  }
  cfg.kernel_arith = arith;
  const fc_property *p = rp->prop;
  fc_check_result r;
  memset(&r, 0, sizeof r);
  int failed = 0, level = -1;
  fc_case *regen = NULL;
  if (ro->from_choices) {
    regen = fc_case_new();
    rc = regen ? fc_eval_choices(&r, &failed, &level, regen, p, rp->choices,
                                 rp->nchoices, &cfg, 1.0)
               : FC_ENOMEM;
  } else {
    rc = fc_cli_check_case(&r, p, rp->values, &cfg);
    if (rc == FC_OK)
      failed = fc_judge(&level, &r, p, &cfg, 1.0);
  }
  fc_cli_close_provider(cfg.provider);
  if (rc != FC_OK) {
    fc_case_free(regen);
    fc_replay_clear(rp);
    /* The property's check refuses values outside its domain (a turn
     * beyond 1/2, a size that does not match its arrays): the record's
     * case is not one the property takes, which is bad input. */
    if (!ro->from_choices && (rc == FC_EINVAL || rc == FC_ERANGE))
      return fc_cli_usage_error("the recorded case is not one %s takes: its "
                                "check refused the values (%s)", p->id,
                                fc_strerror(rc));
    fprintf(stderr, "foldcheck: the case could not be checked: %s\n",
            fc_strerror(rc));
    return 1;
  }
  const fc_case *shown = ro->from_choices ? regen : rp->values;
  printf("property   %s (%s)\n", p->id,
         p->expect == FC_EXPECT_HOLDS ? "must hold" : "negative control");
  printf("           %s\n", p->title);
  printf("anchors    ");
  if (!p->anchors || !p->anchors[0])
    printf("(none)");
  for (const char *const *a = p->anchors; a && *a; a++)
    printf("%s%s", *a, a[1] ? ", " : "");
  printf("%s%s%s\n", p->lean_file ? " (" : "", p->lean_file ? p->lean_file : "",
         p->lean_file ? ")" : "");
  printf("record     foldcheck %s, seed %" PRIu64 ", case %ld, %zu choices\n",
         rp->version, rp->seed, rp->case_index, rp->nchoices);
  printf("checked    precision %ld bits, slack %ld, kernels %s%s%s\n",
         cfg.prec, cfg.slack_bits, cfg.kernels,
         cfg.kernel_arith ? " judged at " : "",
         cfg.kernel_arith ? cfg.kernel_arith : "");
  printf("case%s\n", ro->from_choices ? " (regenerated from its choices)" : "");
  fc_case_print(stdout, shown, "  ");
  if (p->describe)
    p->describe(stdout, shown);
  printf("levels\n");
  print_levels(&r);
  int meets = p->expect == FC_EXPECT_HOLDS ? !failed && !r.oracle_fault
                                           : failed;
  if (p->expect == FC_EXPECT_HOLDS)
    printf("verdict    %s\n", failed ? "FAILS (the property does not hold on "
                                       "this case)"
                                     : r.oracle_fault ? "ORACLE FAULT"
                                                      : "passes");
  else
    printf("verdict    %s\n", failed ? "detected (the dropped hypothesis "
                                       "matters on this case)"
                                     : "NOT detected");
  if (failed) {
    printf("           at the %s level\n", fc_level_name((fc_level)level));
    print_where(&r, level);
  }
  if (ro->verbose && (r.outputs.n > 0 || r.kernel_failure[0])) {
    printf("outputs\n");
    if (r.kernel_failure[0])
      printf("  %s\n", r.kernel_failure);
    fc_check_write_outputs(stdout, &r, failed ? level : -1, "  ", 1);
  }
  fc_case_free(regen);
  fc_replay_clear(rp);
  return meets ? 0 : 1;
}

/* A saved JSON report (run --format json), not a replay record: an object
 * with a "properties" array. */
static int is_report(const char *text)
{
  json_t *root = json_loads(text, 0, NULL);
  int yes = json_is_array(json_object_get(root, "properties"));
  json_decref(root);
  return yes;
}

/* foldcheck replay REPORT.json [PROPERTY]: the counterexamples of the
 * report's properties that fell short (or of PROPERTY, whatever its
 * status), each re-checked from the replay token the JSON report keeps in
 * full.  0 every one meets its expectation now, 1 one does not, 2 bad
 * input. */
static int replay_report(const char *text, const char *path,
                         const char *property, const replay_opts *ro)
{
  fc_report rep;
  fc_error err = {0, ""};
  if (fc_report_read_json(&rep, text, &err) != FC_OK)
    return fc_cli_usage_error("%s: %s", path, err.msg);
  size_t want = 0, short_no_cex = 0;
  int rc = 0;
  for (size_t i = 0; i < rep.n; i++) {
    const fc_prop_result *r = &rep.results[i];
    if (property != NULL) {
      if (strcmp(r->prop->id, property) != 0)
        continue;
      if (r->cex == NULL)
        rc = fc_cli_usage_error("%s: %s (%s) has no counterexample to replay",
                                path, property, fc_status_name(r->status));
      want++;
    } else if (r->status != FC_STATUS_PASS &&
               r->status != FC_STATUS_NOT_PROVIDED) {
      if (r->cex != NULL)
        want++;
      else
        short_no_cex++;
    }
  }
  if (rc == 0 && property != NULL && want == 0)
    rc = fc_cli_usage_error("%s: no property '%s' in this report", path,
                            property);
  else if (rc == 0 && want == 0 && short_no_cex > 0)
    rc = fc_cli_usage_error("%s: no counterexample to replay: the %zu "
                            "propert%s that fell short kept none (a negative "
                            "control that detected nothing, an error)",
                            path, short_no_cex, short_no_cex == 1 ? "y"
                                                                   : "ies");
  else if (rc == 0 && want == 0)
    rc = fc_cli_usage_error("%s: no property fell short, no counterexample "
                            "to replay (name one: foldcheck replay %s "
                            "PROPERTY)", path, path);
  size_t done = 0, still = 0;
  for (size_t i = 0; rc != 2 && i < rep.n; i++) {
    const fc_prop_result *r = &rep.results[i];
    if (r->cex == NULL ||
        (property ? strcmp(r->prop->id, property) != 0
                  : r->status == FC_STATUS_PASS))
      continue;
    if (done++ > 0)
      printf("\n");
    fc_replay rp;
    if (r->cex->token == NULL) {
      rc = fc_cli_usage_error("%s: %s: the counterexample has no replay "
                              "token", path, r->prop->id);
      break;
    }
    if (fc_replay_decode(&rp, r->cex->token, &err) != FC_OK) {
      rc = fc_cli_usage_error("%s: %s: %s", path, r->prop->id, err.msg);
      break;
    }
    int one = replay_one(&rp, ro);
    if (one == 2) {
      rc = 2;
      break;
    }
    still += one == 1;
    rc = rc > one ? rc : one;
  }
  if (rc != 2 && want > 1)
    printf("\n%s: %zu counterexamples replayed: %zu still fall short, %zu "
           "meet their expectation now\n", path, want, still, want - still);
  fc_report_clear(&rep);
  return rc;
}

int fc_cli_replay(int argc, char **argv)
{
  static const struct option opts[] = {
      {"prec", required_argument, NULL, OPT_PREC},
      {"kernels", required_argument, NULL, OPT_KERNELS},
      {"choices", no_argument, NULL, OPT_CHOICES},
      {"verbose", no_argument, NULL, OPT_VERBOSE},
      {"help", no_argument, NULL, OPT_HELP},
      {"kernel-timeout", required_argument, NULL, OPT_KTIMEOUT},
      {"kernel-arith", required_argument, NULL, OPT_KARITH},
      {NULL, 0, NULL, 0}};
  replay_opts ro = {0, NULL, 0, FC_CLI_KERNEL_TIMEOUT, 0, NULL};
  int c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case OPT_PREC:
      if (parse_long(&ro.prec, optarg, FC_PREC_MIN, FC_PREC_MAX, "--prec"))
        return 2;
      break;
    case OPT_KERNELS:
      if (!fc_cli_kernels_arg_ok(optarg))
        return fc_cli_usage_error("unknown kernel table '%s'", optarg);
      ro.kernels = optarg;
      break;
    case OPT_KTIMEOUT:
      if (parse_double(&ro.ktimeout, optarg, 1e-3, 86400, "--kernel-timeout"))
        return 2;
      break;
    case OPT_CHOICES:
      ro.from_choices = 1;
      break;
    case OPT_VERBOSE:
      ro.verbose = 1;
      break;
    case OPT_KARITH:
      ro.karith = optarg;
      break;
    case 'h':
    case OPT_HELP:
      printf("usage: foldcheck replay TOKEN|FILE [--prec BITS] [--kernels NAME] "
             "[--kernel-arith S/A] [--choices] [--verbose]\n"
             "       foldcheck replay REPORT.json [PROPERTY] [options]\n"
             "Re-check one counterexample alone.  TOKEN is the fc1-... token a\n"
             "report prints; FILE holds a token or a JSON replay record (as the\n"
             "failure database stores them).  The case's recorded values are\n"
             "used; --choices regenerates it from its choice sequence instead.\n"
             "REPORT.json, a saved JSON report (run --format json, as CI keeps\n"
             "it; it holds every counterexample's full token): re-check the\n"
             "counterexample of each property that fell short, or PROPERTY's\n"
             "(a negative control's detection too).\n"
             "A failing case says where: the kernel failure, or the output,\n"
             "element (index and coordinates) and values of its worst\n"
             "comparison; --verbose prints every output compared (mismatched\n"
             "k / n, greatest absolute and relative differences).\n"
             "The record names the kernels it was found with (--kernels\n"
             "spec) and any --kernel-arith: replay uses both (a note says\n"
             "so); --kernels and --kernel-arith given here win (a warning\n"
             "names the record's), e.g. to try the case on a fixed kernel.\n"
             "Exit status: 0 the case meets its property's expectation (holds:\n"
             "passes; negative control: detected), 1 it does not (for a\n"
             "report: one of them) or could not be checked, 2 bad input: a\n"
             "malformed record (a non-finite value, a negative dimension, a\n"
             "case index below -1), a case whose values the property's check\n"
             "refuses, a corrupt report, a report without a counterexample\n"
             "to replay, a PROPERTY not in it.\n");
      return 0;
    case ':':
      return fc_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return fc_cli_usage_error("replay: unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind == argc || argc - optind > 2)
    return fc_cli_usage_error("replay expects one TOKEN or FILE, or a JSON "
                              "report and optionally a PROPERTY (see "
                              "'foldcheck replay --help')");
  const char *arg = argv[optind];
  fc_error err = {0, ""};
  char *text = NULL;
  struct stat st;
  if (strncmp(arg, "fc", 2) != 0 || stat(arg, &st) == 0) {
    text = read_file(arg, &err);
    if (text == NULL)
      return fc_cli_usage_error("%s", err.msg);
  }
  if (text != NULL && is_report(text)) {
    int rrc = replay_report(text, arg, optind + 1 < argc ? argv[optind + 1]
                                                        : NULL, &ro);
    free(text);
    return rrc;
  }
  if (optind + 1 < argc) {
    free(text);
    return fc_cli_usage_error("replay: a PROPERTY goes with a JSON report, "
                              "not with a token or replay record");
  }
  fc_replay rp;
  int rc = fc_replay_decode(&rp, text ? text : arg, &err);
  free(text);
  if (rc != FC_OK)
    return fc_cli_usage_error("%s", err.msg);
  return replay_one(&rp, &ro);
}

/* --------------------------------------------------------------- kernels */

int fc_cli_kernels(int argc, char **argv)
{
  if (argc > 1) {
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
      printf("usage: foldcheck kernels [--arith]\nList the kernel tables: the "
             "reference and the mutants (deliberately broken\nkernels, each "
             "with the properties that must catch it).\n"
             "--arith: the arithmetic declarations --kernel-arith accepts and "
             "the named\npresets, with what each means.\n");
      return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--arith") == 0)
      return fc_cli_kernels_arith();
    return fc_cli_usage_error("kernels takes no arguments but --arith");
  }
  for (size_t i = 0; i < fc_kernels_count(); i++) {
    const fc_kernels *k = fc_kernels_at(i);
    printf("%-32s %s\n", fc_kernels_name(k), fc_kernels_description(k));
    if (fc_kernels_is_mutant(k))
      printf("%-32s   caught by: %s\n", "", fc_kernels_targets(k));
  }
  return 0;
}

/* --------------------------------------------------------------- mutants */

int fc_cli_mutants(int argc, char **argv)
{
  run_opts_out o;
  const char **pats = calloc((size_t)argc + 1, sizeof *pats);
  if (pats == NULL)
    return fc_cli_usage_error("out of memory");
  int npats = 0;
  int rc = parse_run_opts(&o, pats, &npats, argc, argv);
  if (rc || o.help) {
    if (o.help)
      printf("usage: foldcheck mutants [MUTANT-PATTERN...] [run options]\n"
             "Run every mutant kernel table (or those matching) against the\n"
             "properties that must catch it, and report whether each is caught\n"
             "and how far its counterexample shrank.  Exit 1 if any escapes.\n");
    free(pats);
    return rc;
  }
  o.cfg.db_dir = NULL; /* mutants never pollute the failure database */
  int escaped = 0, ran = 0;
  printf("%-34s %-8s %-34s %s\n", "mutant", "verdict", "caught by",
         "shrunk case");
  for (size_t i = 0; i < fc_kernels_count(); i++) {
    const fc_kernels *k = fc_kernels_at(i);
    if (!fc_kernels_is_mutant(k))
      continue;
    int sel = npats == 0;
    for (int a = 0; a < npats && !sel; a++)
      sel = fc_pattern_match(pats[a], fc_kernels_name(k));
    if (!sel)
      continue;
    ran++;
    fc_run_config cfg = o.cfg;
    cfg.kernels = fc_kernels_name(k);
    const char *targets[2] = {fc_kernels_targets(k), NULL};
    fc_report rep;
    fc_error err = {0, ""};
    rc = fc_run(&rep, &cfg, targets, &err);
    if (rc != FC_OK) {
      free(pats);
      return fc_cli_usage_error("%s: %s", fc_kernels_name(k), err.msg);
    }
    const fc_prop_result *by = NULL;
    for (size_t r = 0; r < rep.n && !by; r++)
      if (rep.results[r].prop->expect == FC_EXPECT_HOLDS &&
          rep.results[r].status == FC_STATUS_FAIL && rep.results[r].cex)
        by = &rep.results[r];
    if (by) {
      char size[128] = "";
      size_t o2 = 0;
      const fc_case *c = by->cex->values;
      for (size_t f = 0; f < fc_case_nfields(c) && o2 < sizeof size - 24; f++)
        if (fc_case_field_is_dim(c, f))
          o2 += (size_t)snprintf(size + o2, sizeof size - o2, "%s%s=%ld",
                                 o2 ? " " : "", fc_case_field_name(c, f),
                                 fc_case_dim(c, fc_case_field_name(c, f), 0));
      printf("%-34s %-8s %-34s %s (%zu choices, %ld steps)\n",
             fc_kernels_name(k), "caught", by->prop->id, size,
             by->cex->nchoices, by->cex->shrink_steps);
    } else {
      escaped++;
      printf("%-34s %-8s %-34s\n", fc_kernels_name(k), "ESCAPED",
             fc_kernels_targets(k));
    }
    fc_report_clear(&rep);
  }
  free(pats);
  if (ran == 0)
    return fc_cli_usage_error("no mutant matches");
  printf("%d mutants: %d caught, %d escaped\n", ran, ran - escaped, escaped);
  return escaped ? 1 : 0;
}

/* ----------------------------------------------------------------- bench */

/* Throughput is measured, never asserted: bench prints cases per second
 * (generation, oracle at P and P+64, kernels) per property and, for a
 * counterexample, what shrinking it cost. */
int fc_cli_bench(int argc, char **argv)
{
  run_opts_out o;
  const char **pats = calloc((size_t)argc + 1, sizeof *pats);
  if (pats == NULL)
    return fc_cli_usage_error("out of memory");
  int npats = 0;
  /* --via-provider (bench only, issue 16): taken out before the run
   * options are parsed. */
  int via = 0, nargc = 0;
  for (int a = 0; a < argc; a++) {
    if (a > 0 && strcmp(argv[a], "--via-provider") == 0) {
      via = 1;
      continue;
    }
    argv[nargc++] = argv[a];
  }
  argc = nargc;
  /* bench defaults: the ci profile's seed, one thread, no database. */
  int rc = parse_run_opts(&o, pats, &npats, argc, argv);
  if (rc || o.help) {
    if (o.help)
      printf("usage: foldcheck bench [PATTERN...] [run options]\n"
             "Measure each property: cases per second (generation, MPFR oracle\n"
             "at P bits and, where the verdict depends on it, P+64, double\n"
             "kernels) and, where a counterexample is found, the choices\n"
             "before and after shrinking, the shrink steps and time.  With\n"
             "it, the oracle's share of the check time (oracle%%), the cases\n"
             "recomputed at P+64 (P+64), the MPFR operations per case by kind,\n"
             "and the oracle time over the operations' cost (vs.ops; unit\n"
             "costs measured at start, at --prec).\n"
             "Defaults: --threads 1, no database (--db DIR replays the failure\n"
             "saved there first), the ci profile's seed and budgets.\n"
             "  --via-provider   call the built-in table (--kernels NAME, default\n"
             "                   the reference) through the provider adapter, as\n"
             "                   a plugin is called, and compare with direct calls\n");
    free(pats);
    return rc;
  }
  int threads_given = 0, profile_given = 0, seed_given = 0, db_given = 0;
  for (int a = 1; a < argc; a++) {
    threads_given |= strncmp(argv[a], "--threads", 9) == 0;
    profile_given |= strncmp(argv[a], "--profile", 9) == 0;
    seed_given |= strncmp(argv[a], "--seed", 6) == 0;
    db_given |= strcmp(argv[a], "--db") == 0 || strncmp(argv[a], "--db=", 5) == 0;
  }
  if (!threads_given)
    o.cfg.threads = 1;
  if (!profile_given && !seed_given)
    o.cfg.seed = 20261123;
  if (!db_given) /* --db DIR: replay (and shrink) the failure saved there */
    o.cfg.db_dir = NULL;
  char kid[FC_CLI_KERNEL_ID_MAX];
  if ((rc = fc_cli_kernels_setup(&o.cfg, kid, sizeof kid, o.ktimeout,
                                 o.karith)) != 0) {
    free(pats);
    return rc;
  }
  if (via && o.cfg.provider != NULL) {
    fc_cli_close_provider(o.cfg.provider);
    free(pats);
    return fc_cli_usage_error("--via-provider applies to a built-in kernel "
                              "table; --kernels %s is already a provider",
                              o.cfg.kernels);
  }
  if (via && (rc = fc_cli_open_builtin_provider(&o.cfg.provider,
                                                o.cfg.kernels)) != 0) {
    free(pats);
    return rc;
  }
  static const char *const contract_pats[] = {"contract", NULL};
  const char *const *sel =
      npats ? pats : o.cfg.provider ? contract_pats : NULL;
  rc = fc_cli_bench_report(&o.cfg, sel); /* bench_cmd.c */
  free(pats);
  fc_cli_close_provider(o.cfg.provider);
  return rc;
}

/* ------------------------------------------------------------------ main */

static const fc_cli_cmd commands[] = {
    {"run", "run properties and report", fc_cli_run},
    {"list", "list the properties and their Lean anchors", fc_cli_list},
    {"replay", "re-check one counterexample from its token or file",
     fc_cli_replay},
    {"kernels", "list the kernel tables (reference and mutants)",
     fc_cli_kernels},
    {"mutants", "prove every mutant kernel is caught", fc_cli_mutants},
    {"bench", "measure cases per second and shrink cost", fc_cli_bench},
    {"anchors", "the Lean anchors, their status and numeric verdicts",
     fc_cli_anchors},
    {"diff", "regression check between two JSON reports", fc_cli_diff},
    {"schedules", "RoPE schedules: presets, classes, spectral gap",
     fc_cli_schedules},
    {"explain", "the foldability checker: which invariance levels hold",
     fc_cli_explain},
    {"report", "write a saved JSON report in other formats", fc_cli_report},
    {"merge", "merge shard reports (run --shard K/N) into one",
     fc_cli_merge},
    {"audit", "audit a rewritten checkpoint: foldable, online or broken",
     fc_cli_audit},
};

static void usage(FILE *f)
{
  fprintf(f,
          "usage: foldcheck COMMAND [ARGS]\n"
          "foldcheck checks Lean theorem statements about RoPE-commuting\n"
          "rotations and 1-bit sign quantisation: MPFR oracles validate each\n"
          "statement, double kernels are checked against the oracles and\n"
          "a-priori error bounds, failures shrink to minimal counterexamples.\n"
          "\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n'foldcheck help COMMAND' or 'foldcheck COMMAND --help' for a\n"
             "command's options;\n"
             "'foldcheck --version' for the version.\n");
}

int main(int argc, char **argv)
{
  /* foldcheck runs its own threads; one BLAS thread each keeps results
   * independent of the thread count and avoids oversubscription. */
  fc_env_blas_threads(1);
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "help") == 0 && argc > 2) {
    /* foldcheck help COMMAND: the command's own --help. */
    if (argc > 3)
      return fc_cli_usage_error("help takes one command name (see "
                                "'foldcheck help')");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
      if (strcmp(argv[2], commands[i].name) == 0) {
        char *hargv[] = {argv[2], "--help", NULL};
        return commands[i].run(2, hargv);
      }
    return fc_cli_usage_error("help: unknown command '%s' (see 'foldcheck "
                              "help')", argv[2]);
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
    fc_env env;
    fc_env_collect(&env, 1);
    printf("foldcheck %s\nMPFR %s, GMP %s, OpenBLAS %s\n", fc_version(),
           env.mpfr, env.gmp, env.openblas);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0)
      return commands[i].run(argc - 1, argv + 1);
  return fc_cli_usage_error("unknown command '%s' (see 'foldcheck --help')",
                            argv[1]);
}

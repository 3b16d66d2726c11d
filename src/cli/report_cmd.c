/* report_cmd.c -- writing a report to its outputs, `foldcheck report`
 * (a saved JSON report in other formats) and `foldcheck merge` (shard
 * reports joined into the report of the whole run). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "foldcheck.h"
#include "cli.h"

/* Where long replay tokens of the text report go. */
#define FC_TOKEN_DIR ".foldcheck/replay"

int fc_cli_emit(const fc_report *rep, const fc_cli_outputs *outs, int quiet,
                int verbose)
{
  fc_error err = {0, ""};
  int bad = 0;
  for (int i = 0; i < outs->n; i++)
    if (fc_cli_write_report(outs->item[i].path, rep, outs->item[i].format,
                            NULL, &err) != FC_OK) {
      fc_cli_usage_error("%s", err.msg);
      bad = 1;
    }
  /* stdout: the lone --format, or text unless --quiet with files. */
  if (outs->stdout_given || !(quiet && outs->n > 0)) {
    fc_write_opts wo = {verbose, NULL};
    if (outs->stdout_format == FC_FORMAT_TEXT && !verbose &&
        fc_cli_write_tokens(rep, FC_TOKEN_DIR) == 0)
      wo.token_dir = FC_TOKEN_DIR;
    int rc = fc_report_write_ex(stdout, rep, outs->stdout_format, &wo);
    if (rc != FC_OK) {
      fc_cli_usage_error("writing the report failed: %s", fc_strerror(rc));
      bad = 1;
    }
  }
  return bad;
}

/* Read a JSON report file; 0 or 2 (message printed). */
static int load(fc_report *rep, const char *path)
{
  fc_error err = {0, ""};
  char *text = fc_cli_slurp(path, &err);
  if (text == NULL)
    return fc_cli_usage_error("%s", err.msg);
  int rc = fc_report_read_json(rep, text, &err);
  free(text);
  if (rc != FC_OK)
    return fc_cli_usage_error("%s: %s", path, err.msg);
  return 0;
}

/* Options of report and merge: --format/--output pairs, --quiet,
 * --verbose; operands collected in files.  0, 2, or -1 for --help. */
static int parse(fc_cli_outputs *outs, int *quiet, int *verbose,
                 const char **files, int *nfiles, int argc, char **argv)
{
  enum { O_FORMAT = 1, O_OUTPUT, O_QUIET, O_VERBOSE, O_HELP };
  static const struct option opts[] = {
      {"format", required_argument, NULL, O_FORMAT},
      {"output", required_argument, NULL, O_OUTPUT},
      {"quiet", no_argument, NULL, O_QUIET},
      {"verbose", no_argument, NULL, O_VERBOSE},
      {"help", no_argument, NULL, O_HELP},
      {NULL, 0, NULL, 0}};
  int c;
  fc_cli_outputs_init(outs);
  *quiet = *verbose = *nfiles = 0;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case O_FORMAT:
      if (fc_cli_outputs_format(outs, optarg))
        return 2;
      break;
    case O_OUTPUT:
      if (fc_cli_outputs_output(outs, optarg))
        return 2;
      break;
    case O_QUIET:
      *quiet = 1;
      break;
    case O_VERBOSE:
      *verbose = 1;
      break;
    case 'h':
    case O_HELP:
      return -1;
    case ':':
      return fc_cli_usage_error("option '%s' needs a value", argv[optind - 1]);
    default:
      return fc_cli_usage_error("%s: unknown option '%s'", argv[0],
                                argv[optind - 1]);
    }
  }
  if (fc_cli_outputs_finish(outs))
    return 2;
  for (int a = optind; a < argc; a++)
    files[(*nfiles)++] = argv[a];
  return 0;
}

int fc_cli_report(int argc, char **argv)
{
  fc_cli_outputs outs;
  int quiet, verbose, nfiles;
  const char **files = calloc((size_t)argc + 1, sizeof *files);
  if (files == NULL)
    return fc_cli_usage_error("out of memory");
  int rc = parse(&outs, &quiet, &verbose, files, &nfiles, argc, argv);
  if (rc < 0) {
    printf("usage: foldcheck report IN.json [--format F] [--output FILE]... "
           "[--verbose] [--quiet]\n"
           "Write a saved JSON report (run --format json) in other formats:\n"
           "%s.  --format/--output pairs as in 'foldcheck run';\n"
           "text on stdout by default.  Exit 0 when the report's properties\n"
           "all met their expectation, 1 otherwise, 2 bad input (a corrupt\n"
           "report: the message names the file and the field; the schema is\n"
           "doc/report-schema.md).\n",
           fc_cli_format_list());
    free(files);
    return 0;
  }
  if (rc == 0 && nfiles != 1)
    rc = fc_cli_usage_error("report expects one JSON report (see 'foldcheck "
                            "report --help')");
  fc_report rep;
  if (rc == 0)
    rc = load(&rep, files[0]);
  free(files);
  if (rc)
    return rc;
  int ok = fc_report_ok(&rep);
  int wrc = fc_cli_emit(&rep, &outs, quiet, verbose);
  fc_report_clear(&rep);
  return wrc ? 2 : ok ? 0 : 1;
}

int fc_cli_merge(int argc, char **argv)
{
  fc_cli_outputs outs;
  int quiet, verbose, nfiles;
  const char **files = calloc((size_t)argc + 1, sizeof *files);
  if (files == NULL)
    return fc_cli_usage_error("out of memory");
  int rc = parse(&outs, &quiet, &verbose, files, &nfiles, argc, argv);
  if (rc < 0) {
    printf("usage: foldcheck merge A.json B.json ... [--format F] "
           "[--output FILE]... [--verbose] [--quiet]\n"
           "Merge the JSON reports of 'run --shard K/N' (same seed, budget,\n"
           "precision and kernels) into the report of the whole run, equal\n"
           "to the unsharded run's report timings aside.  Every shard 1..N\n"
           "must be given once.  Formats: %s.\n"
           "Exit 0 when every property met its expectation, 1 otherwise, 2\n"
           "bad input (a missing or repeated shard, mismatched runs).\n",
           fc_cli_format_list());
    free(files);
    return 0;
  }
  if (rc == 0 && nfiles < 1)
    rc = fc_cli_usage_error("merge expects the shard reports (see 'foldcheck "
                            "merge --help')");
  fc_report *parts = rc ? NULL : calloc((size_t)nfiles, sizeof *parts);
  if (rc == 0 && parts == NULL)
    rc = fc_cli_usage_error("out of memory");
  int loaded = 0;
  for (; rc == 0 && loaded < nfiles; loaded++)
    if ((rc = load(&parts[loaded], files[loaded])) != 0)
      break;
  /* Every shard exactly once: a missing shard would silently drop its
   * properties from the merged report. */
  if (rc == 0 && parts[0].cfg.shard_count > 1) {
    int ns = parts[0].cfg.shard_count;
    for (int k = 1; k <= ns && rc == 0; k++) {
      int seen = 0;
      for (int i = 0; i < nfiles; i++)
        seen += parts[i].cfg.shard_index == k;
      if (seen != 1)
        rc = fc_cli_usage_error("shard %d/%d is %s", k, ns,
                                seen ? "given twice" : "missing");
    }
    if (rc == 0 && nfiles != ns)
      rc = fc_cli_usage_error("%d reports given for %d shards", nfiles, ns);
  }
  fc_report rep;
  fc_error err = {0, ""};
  if (rc == 0 && fc_report_merge(&rep, parts, (size_t)nfiles, &err) != FC_OK)
    rc = fc_cli_usage_error("%s", err.msg);
  for (int i = 0; i < loaded && i < nfiles; i++)
    fc_report_clear(&parts[i]);
  free(parts);
  free(files);
  if (rc)
    return rc;
  int ok = fc_report_ok(&rep);
  int wrc = fc_cli_emit(&rep, &outs, quiet, verbose);
  fc_report_clear(&rep);
  return wrc ? 2 : ok ? 0 : 1;
}

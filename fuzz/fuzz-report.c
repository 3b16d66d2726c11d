/* fuzz-report.c -- libFuzzer driver for the JSON report reader
 * (fc_report_read_json, reports/json_read.c): the input is what `foldcheck
 * report`, `merge` and `diff` read.  A report that reads is then written in
 * every format (to /dev/null), as `foldcheck report IN.json --format F`
 * does, and merged with nothing (`foldcheck merge IN.json`); every input
 * is also compared with itself by the diff reader (reports/diff.c). */
#include <stdlib.h>
#include "foldcheck.h"
#include "fuzz_util.h"

static const fc_format formats[] = {
  FC_FORMAT_TEXT, FC_FORMAT_JSON, FC_FORMAT_TAP, FC_FORMAT_JUNIT,
  FC_FORMAT_MARKDOWN, FC_FORMAT_HTML, FC_FORMAT_SUMMARY};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = fc_fuzz_cstr(data, size);
  FILE *out = fc_fuzz_devnull();
  fc_report rep;
  fc_error err = {0, ""};
  if (fc_fuzz_verdict("report", fc_report_read_json(&rep, text, &err),
                      err.msg) == FC_OK) {
    fc_write_opts verbose = {1, NULL};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
      fc_report_write_ex(out, &rep, formats[i], NULL);
    fc_report_write_ex(out, &rep, FC_FORMAT_TEXT, &verbose);
    fc_report merged;
    if (fc_fuzz_verdict("merge", fc_report_merge(&merged, &rep, 1, &err),
                        err.msg) == FC_OK) {
      fc_report_write(out, &merged, FC_FORMAT_JSON);
      fc_report_clear(&merged);
    }
    fc_report_clear(&rep);
  }
  int regressions = 0;
  int rc = fc_report_diff(out, &regressions, text, text, NULL, FC_FORMAT_TEXT,
                          &err);
  fc_fuzz_verdict("diff", rc, err.msg);
  free(text);
  return 0;
}

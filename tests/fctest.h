/* fctest.h -- the test helper library (MPFR's libfrtests, in small).
 *
 * Every test program calls fct_start first and returns fct_end() from main.
 * Output is TAP for automake's tap-driver: "ok N - ..." lines, "# " notes,
 * and the plan at the end.  Randomised tests take their seed from
 * FC_TEST_SEED (default fixed) and their length multiplier from
 * FC_TEST_MULTIPLIER (default 1, FLINT's flint_test_multiplier), and print
 * both so a failure can be reproduced. */
#ifndef FCTEST_H
#define FCTEST_H

#include <stdint.h>
#include "foldcheck.h"

void fct_start(const char *name);
int fct_end(void); /* exit status: 0 if every check passed */
/* One TAP assertion; returns cond. */
int fct_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fct_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long fct_multiplier(void);
uint64_t fct_seed(void);
/* A run configuration for tests: the "ci" profile, the test seed, one
 * thread, no database, no progress. */
void fct_config(fc_run_config *cfg);
/* Run property `id` under kernel table `kernels` (NULL: reference) with cfg
 * and return its result (caller clears).  Fails the test (and returns
 * nonzero) if the property does not exist or the run errors. */
int fct_run_prop(fc_prop_result *res, const char *id, const char *kernels,
                 const fc_run_config *cfg);
/* Assert the standard verdicts:
 * - fct_expect_pass: status pass (a holds property with no failure; a
 *   negative control detected and shrunk).
 * - fct_expect_caught: a holds property run under a mutant table fails
 *   with a shrunk counterexample whose replay reproduces the failure. */
void fct_expect_pass(const char *id, const fc_run_config *cfg);
/* Case k of p at full size from the stream (fct_seed(), stream, k), as the
 * runner generates it (ci scale); NULL when generation fails.  Caller
 * frees with fc_case_free.  rec (may be NULL) receives the recorded
 * choice sequence (free it), nrec its length. */
fc_case *fct_generate(const fc_property *p, const char *stream, uint64_t k,
                      uint64_t **rec, size_t *nrec);
/* Re-check res's counterexample from its replay token into r: 1 when it
 * fails (is detected) again; 0, with err set on a bad token, otherwise. */
int fct_replay_fails(fc_check_result *r, const fc_prop_result *res,
                     const fc_run_config *cfg, fc_error *err);
void fct_expect_caught(const char *id, const char *mutant,
                       const fc_run_config *cfg);

#endif

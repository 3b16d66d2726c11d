/* env.c -- the environment a run reports: library versions, BLAS
 * configuration, compiler, CPU. */
#include <gmp.h>
#include <mpfr.h>
#include <string.h>
#include "engine_internal.h"

#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
#endif
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int);
#endif
#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
int openblas_get_num_threads(void);
#endif
#ifdef HAVE_BLAS_THREAD_SHUTDOWN_
int blas_thread_shutdown_(void);
#endif

/* Why the shutdown: OpenBLAS's pthread build starts its thread pool in a
 * library constructor, before main, with one thread per core
 * (OPENBLAS_NUM_THREADS is read then, not later).  openblas_set_num_threads(1)
 * only lowers the count used for new calls: the pool's idle threads stay
 * and each spins in sched_yield for OpenBLAS's thread timeout (2^28 cycles,
 * about 0.1 s) before sleeping -- about 10% of the samples of a short run
 * and a busy second core under every test process.  With one BLAS thread
 * the pool is never used, so it is shut down (its threads joined); OpenBLAS
 * restarts it lazily if a later call asks for more threads.  The count is
 * set first: openblas_set_num_threads restarts a pool that was shut down. */
void fc_env_blas_threads(int n)
{
  if (n < 1)
    n = 1;
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
  if (openblas_get_num_threads() != n)
#endif
    openblas_set_num_threads(n);
#ifdef HAVE_BLAS_THREAD_SHUTDOWN_
  if (n == 1)
    blas_thread_shutdown_();
#endif
#else
  (void)n;
#endif
}

static void cpu_model(char *out, size_t n)
{
  snprintf(out, n, "unknown");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (f == NULL)
    return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      char *p = strchr(line, ':');
      if (p) {
        p++;
        while (*p == ' ' || *p == '\t')
          p++;
        p[strcspn(p, "\n")] = '\0';
        snprintf(out, n, "%s", p);
      }
      break;
    }
  }
  fclose(f);
}

void fc_env_collect(fc_env *env, int threads)
{
  memset(env, 0, sizeof *env);
  snprintf(env->foldcheck, sizeof env->foldcheck, "%s", fc_version());
  snprintf(env->mpfr, sizeof env->mpfr, "%s", mpfr_get_version());
  snprintf(env->gmp, sizeof env->gmp, "%s", gmp_version);
#ifdef HAVE_OPENBLAS_GET_CONFIG
  const char *cfg = openblas_get_config();
  snprintf(env->openblas_config, sizeof env->openblas_config, "%s",
           cfg ? cfg : "");
  /* The configuration string starts "OpenBLAS <version> ...". */
  if (cfg && strncmp(cfg, "OpenBLAS ", 9) == 0) {
    size_t k = strcspn(cfg + 9, " ");
    snprintf(env->openblas, sizeof env->openblas, "%.*s", (int)k, cfg + 9);
  } else {
    snprintf(env->openblas, sizeof env->openblas, "unknown");
  }
#else
  snprintf(env->openblas, sizeof env->openblas, "not OpenBLAS");
  snprintf(env->openblas_config, sizeof env->openblas_config, "generic CBLAS");
#endif
#ifdef FC_COMPILER
  snprintf(env->compiler, sizeof env->compiler, "%s", FC_COMPILER);
#elif defined(__VERSION__)
  snprintf(env->compiler, sizeof env->compiler, "%s", __VERSION__);
#endif
  cpu_model(env->cpu, sizeof env->cpu);
  env->threads = threads;
}

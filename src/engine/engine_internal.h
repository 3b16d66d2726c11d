/* engine_internal.h -- shared inside the engine (src/engine/). */
#ifndef FC_ENGINE_INTERNAL_H
#define FC_ENGINE_INTERNAL_H

#include "foldcheck.h"

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

enum { FC_DRAW_GENERATE = 0, FC_DRAW_REPLAY = 1 };

struct fc_draw {
  int mode;
  int status;
  fc_rng rng;               /* generate mode */
  double sizefrac;          /* generate mode: case size in [0, 1] */
  const uint64_t *src;      /* replay mode: the sequence to read */
  size_t nsrc;
  uint64_t *rec;            /* every choice consumed, as used */
  size_t nrec, caprec;
  size_t max_choices;
  int scale;                /* the profile's size class (fc_draw_scale) */
};

void fc_draw_init_generate(fc_draw *d, const fc_rng *rng, double sizefrac,
                           size_t max_choices);
void fc_draw_init_replay(fc_draw *d, const uint64_t *src, size_t n,
                         size_t max_choices);
void fc_draw_clear(fc_draw *d);
/* The size class of the run's profile: 0 ci, 1 default, 2 nightly. */
int fc_profile_scale(const char *profile);

/* Monotonic seconds. */
double fc_now(void);


/* One evaluation from a choice sequence (replay mode).  On FC_OK: *rec /
 * *nrec hold the consumed sequence (malloc'd; caller frees), *failed and
 * *level the verdict at `margin`.  A generator overrun is FC_OK with
 * *failed = 0 and *discarded = 1. */
int fc_eval_internal(fc_check_result *r, int *failed, int *level,
                     int *discarded, uint64_t **rec, size_t *nrec,
                     fc_case *c, const fc_property *p, const uint64_t *src,
                     size_t n, const fc_run_config *cfg,
                     const fc_kernels *k, double margin);

/* fc_eval_internal in two halves, for the shrinker (which skips the check
 * of a candidate whose consumed sequence is not shortlex-smaller than its
 * best): fc_gen_internal generates c from src and gives the consumed
 * sequence as fc_eval_internal does (FC_OK with *discarded = 1 for an
 * overrun or rejection); fc_check_internal then checks and judges c. */
int fc_gen_internal(int *discarded, uint64_t **rec, size_t *nrec, fc_case *c,
                    const fc_property *p, const uint64_t *src, size_t n,
                    const fc_run_config *cfg);
int fc_check_internal(fc_check_result *r, int *failed, int *level,
                      const fc_case *c, const fc_property *p,
                      const fc_run_config *cfg, const fc_kernels *k,
                      double margin);

/* Shrink a failing choice sequence.  In: the failing sequence and the
 * level it failed at.  Out: the shrunk sequence (replaces *seq), its
 * check result, and statistics in cex. */
int fc_shrink(fc_counterexample *cex, uint64_t **seq, size_t *n, int level,
              const fc_property *p, const fc_run_config *cfg,
              const fc_kernels *k);

/* The margin a shrink keeps candidates above when its start failed at
 * error/bound ratio r: min(cfg->shrink_margin, max(1 + (r - 1) / 2, the
 * next double above 1)); cfg->shrink_margin for an infinite or nan r. */
double fc_shrink_margin(const fc_run_config *cfg, double r);

/* The identity of cfg's kernels: cfg->kernel_id, else the table name
 * cfg->kernels (built-in tables are this program's code), else
 * "reference". */
static inline const char *fc_kernel_id(const fc_run_config *cfg)
{
  return cfg->kernel_id  ? cfg->kernel_id
         : cfg->kernels ? cfg->kernels
                        : "reference";
}

/* Failure database (db.c), keyed by property and kernel identity
 * (fc_run_config.kernel_id; NULL or "reference": the reference's entry,
 * DIR/<id>.json).  load: the choices of p's entry for those kernels;
 * FC_ENOTFOUND when there is none, FC_EPARSE for a record of another
 * property or other kernels.  fc_db_path: the entry's path into buf (for
 * messages). */
int fc_db_load(uint64_t **seq, size_t *n, const char *dir,
               const fc_property *p, const char *kernel_id);
int fc_db_save(const char *dir, const char *id, const char *kernel_id,
               const char *record_json);
int fc_db_remove(const char *dir, const char *id, const char *kernel_id);
const char *fc_db_path(char *buf, size_t n, const char *dir, const char *id,
                       const char *kernel_id);

/* The replay record of a counterexample as JSON text (malloc'd). */
int fc_replay_record_json(char **json, const fc_property *p,
                          const fc_counterexample *cex,
                          const fc_run_config *cfg, int indent);

/* err / bound as a measure's ratio: NaN when either is NaN, 0 for 0 / 0,
 * +inf for a positive err against a bound of 0 (outputs.c; fc_measure_fold
 * and the outputs' elements share it). */
double fc_ratio_of(double err, double bound);

#endif

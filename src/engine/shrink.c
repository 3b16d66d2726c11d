/* shrink.c -- shrinking a failing choice sequence (Hypothesis's approach).
 *
 * Candidates are edits of the current sequence: zero the tail (of long
 * sequences), delete spans, zero spans,
 * minimise single choices (binary search), lower a choice and delete what
 * follows it (shorter lists), move value between nearby choices (keeping
 * their sum), and sort adjacent choices.  A candidate replaces the current
 * sequence only if it still fails at the same level with its ratio above
 * the shrink margin (below), and if the sequence it actually consumed is
 * smaller in shortlex order (shorter, or as long and lexicographically
 * smaller), so shrinking always terminates.  Budgets: candidate count,
 * the property's stall limit (fc_property.shrink_stall: consecutive
 * candidates without progress) and wall time; a wall time of 0 is no
 * limit (the ci profile), so the result depends on the seed alone.
 *
 * The shrink margin.  A start that failed at ratio r (error/bound at its
 * failing level) keeps only candidates whose ratio exceeds
 *
 *     m = min(shrink_margin, max(1 + (r - 1) / 2, 1 + 2^-52)):
 *
 * halfway between the bound and the start, at most the configured margin
 * (2 by default).  A failure at r >= 3 keeps candidates above 2 x the
 * bound, as a fixed margin did; one at r = 1.24 (a rounding slightly beyond
 * the declared one) keeps those above 1.12 x, where a fixed margin of 2
 * rejected every candidate and left the case at full size.  m comes from
 * the start, not the current best, so it cannot drift down to the bound;
 * it is strictly above 1 even when r is the next double above 1 (where
 * 1 + (r - 1) / 2 rounds to 1), so a shrink never slides onto a case at
 * the bound's edge.  An infinite or nan r keeps shrink_margin; a
 * configured shrink_margin of 1 keeps its meaning (exact minimal
 * counterexamples). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine_internal.h"

typedef struct shrinker {
  const fc_property *p;
  const fc_run_config *cfg;
  const fc_kernels *k;
  int level;
  uint64_t *best;
  size_t nbest;
  fc_check_result best_r;
  fc_case *scratch;
  uint64_t *cand;
  size_t capcand;
  long steps, accepted;
  long stall; /* candidates evaluated since the last one accepted */
  double margin; /* fc_shrink_margin of the start's ratio */
  double t0, last_progress;
  int stop;
  int time_limited; /* the wall-time budget or an interruption ended it */
  int err;
} shrinker;

static int shortlex_less(const uint64_t *a, size_t na, const uint64_t *b,
                         size_t nb)
{
  if (na != nb)
    return na < nb;
  for (size_t i = 0; i < na; i++)
    if (a[i] != b[i])
      return a[i] < b[i];
  return 0;
}

/* 1 when a and b are equal once both are extended by zeros. */
static int zero_padded_equal(const uint64_t *a, size_t na, const uint64_t *b,
                             size_t nb)
{
  const size_t n = na < nb ? na : nb;
  if (memcmp(a, b, n * sizeof *a) != 0)
    return 0;
  for (size_t i = n; i < na; i++)
    if (a[i] != 0)
      return 0;
  for (size_t i = n; i < nb; i++)
    if (b[i] != 0)
      return 0;
  return 1;
}

static void progress(shrinker *s)
{
  if (!s->cfg->progress)
    return;
  double now = fc_now();
  if (now - s->last_progress < 0.2)
    return;
  s->last_progress = now;
  fprintf(stderr, "\r  shrinking %s: %ld candidates, %ld accepted, %zu choices   ",
          s->p->id, s->steps, s->accepted, s->nbest);
  fflush(stderr);
}

/* Evaluate cand[0..n); adopt it if it is a smaller failing sequence. */
static int try_cand(shrinker *s, const uint64_t *cand, size_t n)
{
  if (s->stop)
    return 0;
  if (s->steps >= s->cfg->shrink_steps) {
    s->stop = 1;
    return 0;
  }
  /* The time budget (0: none, as in the ci profile) and an interruption
   * depend on the machine and the moment, not on the seed: flagged, as a
   * source of cross-run differences.  Without a time budget the shrink
   * never reads the clock to decide: the step budget alone bounds it, so
   * its result is the same on any machine. */
  if ((s->cfg->shrink_seconds > 0 &&
       fc_now() - s->t0 > s->cfg->shrink_seconds) ||
      (s->cfg->stop != NULL && *s->cfg->stop)) {
    s->stop = 1;
    s->time_limited = 1;
    return 0;
  }
  /* A candidate can only help if it is shortlex-smaller than the best. */
  if (!shortlex_less(cand, n, s->best, s->nbest))
    return 0;
  /* Replay reads zeros past the end, so a candidate equal to the best but
   * for trailing zeros (a deletion inside a zero tail) generates the same
   * case: not a step.  Without this a long zero tail (the allocator's sign
   * vectors, 16384 choices) spends the step budget on such deletions. */
  if (zero_padded_equal(cand, n, s->best, s->nbest))
    return 0;
  s->steps++;
  progress(s);
  fc_check_result r;
  int failed = 0, level = -1, discarded = 0;
  uint64_t *rec = NULL;
  size_t nrec = 0;
  /* Generate first: only a consumed sequence shortlex-smaller than the
   * best can be adopted, so the (costly) check runs only then.  Past the
   * end, replay reads zeros, so most edits of a long sequence consume as
   * many choices as the best and many are not smaller: for the allocator's
   * d = 4096 sign vectors that skips most checks.  Same decisions as
   * checking every candidate. */
  int rc = fc_gen_internal(&discarded, &rec, &nrec, s->scratch, s->p, cand,
                           n, s->cfg);
  if (rc == FC_OK && !discarded && shortlex_less(rec, nrec, s->best, s->nbest))
    rc = fc_check_internal(&r, &failed, &level, s->scratch, s->p, s->cfg,
                           s->k, s->margin);
  if (rc == FC_ENOMEM) {
    s->err = rc;
    s->stop = 1;
  }
  if (rc == FC_OK && failed && level == s->level &&
      shortlex_less(rec, nrec, s->best, s->nbest)) {
    free(s->best);
    s->best = rec;
    s->nbest = nrec;
    s->best_r = r;
    s->accepted++;
    s->stall = 0;
    return 1;
  }
  free(rec);
  /* The property's stall limit: counted in candidates, so deterministic. */
  if (++s->stall >= s->p->shrink_stall && s->p->shrink_stall > 0)
    s->stop = 1;
  return 0;
}

static uint64_t *cand_buf(shrinker *s, size_t n)
{
  if (n > s->capcand) {
    uint64_t *c = realloc(s->cand, (n ? n : 1) * sizeof *c);
    if (c == NULL) {
      s->err = FC_ENOMEM;
      s->stop = 1;
      return NULL;
    }
    s->cand = c;
    s->capcand = n;
  }
  return s->cand;
}

static int pass_delete(shrinker *s)
{
  int improved = 0;
  static const size_t ks[] = {16, 8, 4, 2, 1};
  for (size_t kk = 0; kk < sizeof ks / sizeof ks[0] && !s->stop; kk++) {
    size_t k = ks[kk];
    for (size_t i = s->nbest >= k ? s->nbest - k + 1 : 0; i-- > 0 && !s->stop;) {
      if (i + k > s->nbest)
        continue;
      uint64_t *c = cand_buf(s, s->nbest);
      if (!c)
        break;
      memcpy(c, s->best, i * sizeof *c);
      memcpy(c + i, s->best + i + k, (s->nbest - i - k) * sizeof *c);
      improved |= try_cand(s, c, s->nbest - k);
    }
  }
  return improved;
}

/* Long sequences only (>= 256 choices): zero every choice from m on, for
 * m = 0, 1, 2, 4, ... (replay reads zeros past the end, so this is also
 * the truncation to m choices).  A generator whose tail is a long run of
 * independent choices (the allocator's sign vectors, n x d up to 16384)
 * loses it in a few checks instead of walking the deletion pass through
 * it one accepted shift at a time; the edits of a zero tail then consume
 * the same sequence as the best and are skipped before their check. */
static int pass_zero_suffix(shrinker *s)
{
  int improved = 0;
  for (size_t m = 0; s->nbest >= 256 && m < s->nbest && !s->stop;
       m = m ? 2 * m : 1) {
    int nonzero = 0;
    for (size_t j = m; j < s->nbest && !nonzero; j++)
      nonzero = s->best[j] != 0;
    if (!nonzero)
      break;
    uint64_t *c = cand_buf(s, s->nbest);
    if (!c)
      break;
    memcpy(c, s->best, m * sizeof *c);
    memset(c + m, 0, (s->nbest - m) * sizeof *c);
    improved |= try_cand(s, c, s->nbest);
  }
  return improved;
}

static int pass_zero(shrinker *s)
{
  int improved = 0;
  static const size_t ks[] = {16, 8, 4, 2};
  for (size_t kk = 0; kk < sizeof ks / sizeof ks[0] && !s->stop; kk++) {
    size_t k = ks[kk];
    for (size_t i = 0; i + k <= s->nbest && !s->stop; i++) {
      int nonzero = 0;
      for (size_t j = i; j < i + k; j++)
        nonzero |= s->best[j] != 0;
      if (!nonzero)
        continue;
      uint64_t *c = cand_buf(s, s->nbest);
      if (!c)
        break;
      memcpy(c, s->best, s->nbest * sizeof *c);
      memset(c + i, 0, k * sizeof *c);
      improved |= try_cand(s, c, s->nbest);
    }
  }
  return improved;
}

/* Minimise choice i by binary search between a passing lower value and the
 * current (failing) one. */
static int minimise_at(shrinker *s, size_t i)
{
  int improved = 0;
  if (i >= s->nbest || s->best[i] == 0)
    return 0;
  uint64_t *c = cand_buf(s, s->nbest);
  if (!c)
    return 0;
  size_t n = s->nbest;
  memcpy(c, s->best, n * sizeof *c);
  c[i] = 0;
  if (try_cand(s, c, n))
    return 1;
  uint64_t lo = 0, hi = s->best[i];
  while (lo + 1 < hi && !s->stop) {
    uint64_t mid = lo + (hi - lo) / 2;
    c = cand_buf(s, s->nbest);
    if (!c)
      break;
    n = s->nbest;
    memcpy(c, s->best, n * sizeof *c);
    c[i] = mid;
    if (try_cand(s, c, n)) {
      improved = 1;
      if (i >= s->nbest || s->best[i] != mid)
        break; /* the structure changed: stop searching this index */
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return improved;
}

static int pass_minimise(shrinker *s)
{
  int improved = 0;
  for (size_t i = 0; i < s->nbest && !s->stop; i++)
    improved |= minimise_at(s, i);
  return improved;
}

/* Lower choice i by one and delete k choices right after it or at the
 * end: shortens lists whose length is a size choice followed by the
 * elements (each k choices long).  At most 12 candidates per choice. */
static int pass_lower_delete(shrinker *s)
{
  static const size_t ks[] = {1, 2, 3, 4, 6, 8};
  int improved = 0;
  for (size_t i = 0; i < s->nbest && !s->stop; i++) {
    if (s->best[i] == 0)
      continue;
    for (size_t kk = 0; kk < sizeof ks / sizeof ks[0] && !s->stop; kk++) {
      size_t k = ks[kk];
      if (i + 1 + k > s->nbest)
        break;
      size_t ats[2] = {i + 1, s->nbest - k};
      int done = 0;
      for (int a = 0; a < 2 && !done && !s->stop; a++) {
        size_t at = ats[a];
        if (a == 1 && at == ats[0])
          break;
        uint64_t *c = cand_buf(s, s->nbest);
        if (!c)
          return improved;
        memcpy(c, s->best, at * sizeof *c);
        c[i] -= 1;
        memcpy(c + at, s->best + at + k, (s->nbest - at - k) * sizeof *c);
        done = try_cand(s, c, s->nbest - k);
      }
      if (done) {
        improved = 1;
        break;
      }
    }
  }
  return improved;
}

/* Move value from choice i to a later choice j (up to 4 apart) keeping the
 * sum: lets [50, 50] become [0, 100], which deletion then shortens. */
static int pass_redistribute(shrinker *s)
{
  int improved = 0;
  for (size_t i = 0; i < s->nbest && !s->stop; i++) {
    for (size_t j = i + 1; j < s->nbest && j <= i + 4 && !s->stop; j++) {
      uint64_t a = s->best[i], b = s->best[j];
      if (a == 0 || a > (UINT64_C(1) << 40) || b > (UINT64_C(1) << 40))
        continue;
      uint64_t *c = cand_buf(s, s->nbest);
      if (!c)
        return improved;
      memcpy(c, s->best, s->nbest * sizeof *c);
      c[i] = 0;
      c[j] = a + b;
      if (try_cand(s, c, s->nbest)) {
        improved = 1;
        continue;
      }
      /* Otherwise move halves, quarters, ... of it. */
      for (uint64_t amt = a / 2; amt > 0 && !s->stop; amt /= 2) {
        c = cand_buf(s, s->nbest);
        if (!c || i >= s->nbest || j >= s->nbest || s->best[i] != a)
          break;
        memcpy(c, s->best, s->nbest * sizeof *c);
        c[i] = a - amt;
        c[j] = b + amt;
        if (try_cand(s, c, s->nbest)) {
          improved = 1;
          break;
        }
      }
    }
  }
  return improved;
}

static int pass_sort(shrinker *s)
{
  int improved = 0;
  for (size_t i = 0; i + 1 < s->nbest && !s->stop; i++) {
    if (s->best[i] <= s->best[i + 1])
      continue;
    uint64_t *c = cand_buf(s, s->nbest);
    if (!c)
      break;
    memcpy(c, s->best, s->nbest * sizeof *c);
    c[i] = s->best[i + 1];
    c[i + 1] = s->best[i];
    improved |= try_cand(s, c, s->nbest);
  }
  return improved;
}

double fc_shrink_margin(const fc_run_config *cfg, double r)
{
  const double cap = cfg->shrink_margin;
  if (!(r < INFINITY)) /* inf, nan */
    return cap;
  double m = 1 + (r - 1) / 2;
  const double above1 = nextafter(1.0, 2.0);
  if (!(m >= above1))
    m = above1;
  return m < cap ? m : cap;
}

int fc_shrink(fc_counterexample *cex, uint64_t **seq, size_t *n, int level,
              const fc_property *p, const fc_run_config *cfg,
              const fc_kernels *k)
{
  shrinker s;
  memset(&s, 0, sizeof s);
  s.p = p;
  s.cfg = cfg;
  s.k = k;
  s.level = level;
  s.t0 = fc_now();
  s.best = *seq;
  s.nbest = *n;
  s.scratch = fc_case_new();
  if (s.scratch == NULL)
    return FC_ENOMEM;
  /* Re-evaluate the start so best_r is the check of best (and so a start
   * that does not fail above the margin is kept as it is). */
  {
    int failed = 0, lv = -1, disc = 0;
    uint64_t *rec = NULL;
    size_t nrec = 0;
    int rc = fc_eval_internal(&s.best_r, &failed, &lv, &disc, &rec, &nrec,
                              s.scratch, p, s.best, s.nbest, cfg, k, 1.0);
    free(rec);
    if (rc != FC_OK) {
      cex->orig_check = s.best_r; /* its note says why (fc_run reports it) */
      fc_case_free(s.scratch);
      return rc;
    }
  }
  cex->orig_check = s.best_r;
  s.margin = cfg->shrink_margin;
  if (level >= 0 && level < FC_NLEVELS && s.best_r.level[level].present)
    s.margin = fc_shrink_margin(cfg, s.best_r.level[level].ratio);
  /* Cheap passes to a fixed point first, then the costlier ones; any
   * improvement from those sends shrinking back to the cheap passes. */
  int improved = 1;
  while (improved && !s.stop) {
    int cheap = 1;
    while (cheap && !s.stop) {
      cheap = 0;
      cheap |= pass_zero_suffix(&s);
      cheap |= pass_delete(&s);
      cheap |= pass_zero(&s);
      cheap |= pass_minimise(&s);
    }
    improved = 0;
    improved |= pass_lower_delete(&s);
    improved |= pass_redistribute(&s);
    improved |= pass_sort(&s);
  }
  if (cfg->progress)
    fprintf(stderr, "\r%*s\r", 78, "");
  cex->check = s.best_r;
  cex->shrink_steps = s.steps;
  cex->shrink_accepted = s.accepted;
  cex->shrink_seconds = fc_now() - s.t0;
  cex->shrink_time_limited = s.time_limited;
  *seq = s.best;
  *n = s.nbest;
  free(s.cand);
  fc_case_free(s.scratch);
  return s.err;
}

/* rng.c -- a counter-based generator.
 *
 * Output k of a stream keyed by `key` is mix(key + k * phi), with mix the
 * SplitMix64 finaliser (Steele, Lea, Flood 2014) and phi the 64-bit golden
 * ratio: a pure function of (key, k).  A case's key is derived from (seed,
 * property id, case index) by the same mixer, so every case has its own
 * stream, independent of thread count and order, and replays alone. */
#include "engine_internal.h"

#define FC_PHI UINT64_C(0x9e3779b97f4a7c15)

static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

uint64_t fc_hash_str(const char *s)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a 64 */
  for (; s && *s; s++) {
    h ^= (unsigned char)*s;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

void fc_rng_seed(fc_rng *r, uint64_t key)
{
  r->key = key;
  r->ctr = 0;
}

void fc_rng_stream(fc_rng *r, uint64_t seed, const char *prop_id,
                   uint64_t index)
{
  uint64_t k = mix64(seed + FC_PHI);
  k = mix64(k ^ fc_hash_str(prop_id));
  k = mix64(k ^ mix64(index * FC_PHI + UINT64_C(0x632be59bd9b4e019)));
  fc_rng_seed(r, k);
}

uint64_t fc_rng_next(fc_rng *r)
{
  r->ctr++;
  return mix64(r->key + r->ctr * FC_PHI);
}

uint64_t fc_rng_below(fc_rng *r, uint64_t bound)
{
  if (bound == UINT64_MAX)
    return fc_rng_next(r);
  uint64_t range = bound + 1;
  /* Reject the top partial block so every value is equally likely. */
  uint64_t limit = UINT64_MAX - (UINT64_MAX % range + 1) % range;
  uint64_t x;
  do
    x = fc_rng_next(r);
  while (x > limit);
  return x % range;
}

double fc_rng_unit(fc_rng *r)
{
  return (double)(fc_rng_next(r) >> 11) * 0x1p-53;
}

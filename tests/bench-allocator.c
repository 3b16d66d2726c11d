/* bench-allocator.c -- count plain-allocator misclassifications per
 * million crafted samples (not a test).
 *
 *   tests/bench-allocator [samples] [seed] [d_l]
 *
 * Each sample: 1 or 2 keys of dimension d_l (default 512) crafted with
 * fc_alloc_craft (props/allocator.c) so that the mean angle is 40 or 44
 * degrees plus -8..8 ulps, the other key's angle offset by a multiple of
 * 1/32 degree in [-4, 4].  The plain and the certified allocators are
 * compared with the exact rule evaluated in MPFR at 256 bits; the counts
 * and the rate per million are printed. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernels/quant.h"
#include "quantp_internal.h"

int main(int argc, char **argv)
{
  const long N = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
  const uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 10) : 20261123;
  const long d = argc > 3 ? strtol(argv[3], NULL, 10) : 512;
  if (N < 1 || d < 16 || d > 8192) {
    fprintf(stderr, "bench-allocator: bad arguments\n");
    return 2;
  }
  const struct fc_kern_quant *K = fc_kernels_reference()->quant;
  double *keys = malloc(2 * (size_t)d * sizeof *keys);
  fc_mp_keyws w;
  if (keys == NULL || fc_mp_keyws_init(&w, (size_t)d, 256) != FC_OK)
    return 1;
  mpfr_t ang;
  mpfr_init2(ang, 256);
  fc_rng r;
  fc_rng_seed(&r, seed);
  long done = 0, plain_bad = 0, cert_bad = 0, esc = 0, skipped = 0;
  long bad40 = 0, bad44 = 0;
  for (long s = 0; s < N; s++) {
    const size_t n = 1 + (size_t)fc_rng_below(&r, 1);
    const int t44 = (int)fc_rng_below(&r, 1);
    const long off = (long)fc_rng_below(&r, 16) - 8;
    double target = t44 ? 44 : 40;
    for (long u = 0; u < labs(off); u++)
      target = nextafter(target, off < 0 ? 0.0 : 90.0);
    double delta[2] = {((double)fc_rng_below(&r, 256) - 128) / 32, 0};
    long pos[2] = {(long)fc_rng_below(&r, (uint64_t)d - 1),
                   (long)fc_rng_below(&r, (uint64_t)d - 1)};
    if (fc_alloc_craft(keys, n, (size_t)d, target, delta, pos, NULL)) {
      skipped++;
      continue;
    }
    int bp, bc, e;
    if (K->alloc_plain(&bp, NULL, keys, n, (size_t)d, d)
        || K->alloc_certified(&bc, &e, keys, n, (size_t)d, d)
        || fc_mp_mean_angle_deg(ang, &w, keys, n)) {
      skipped++;
      continue;
    }
    const int be = fc_mp_alloc_rule(ang, d);
    done++;
    if (bp != be) {
      plain_bad++;
      if (t44)
        bad44++;
      else
        bad40++;
    }
    cert_bad += bc != be;
    esc += e;
  }
  printf("crafted samples %ld (d_l = %ld, 1-2 keys, 40/44 deg +- 8 ulps; "
         "%ld skipped)\n", done, d, skipped);
  printf("plain allocator misclassified %ld (%ld at 40, %ld at 44): %.0f "
         "per million\n", plain_bad, bad40, bad44,
         done ? 1e6 * (double)plain_bad / (double)done : 0.0);
  printf("certified allocator misclassified %ld; escalated to MPFR %ld "
         "(%.1f%%)\n", cert_bad, esc,
         done ? 100.0 * (double)esc / (double)done : 0.0);
  mpfr_clear(ang);
  fc_mp_keyws_clear(&w);
  free(keys);
  return cert_bad ? 1 : 0;
}

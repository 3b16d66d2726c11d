/* seeded.c -- input values drawn from one seed (props.h).
 *
 * Large cases (fold.large.*, commutant.large.*) would need 10^5 to 10^6
 * choices if every input value were a choice; they draw one seed and a
 * simplicity level instead and expand them here, so the case shrinks by
 * lowering the level (towards {-1, 0, 1}) and replays from its choices. */
#include <math.h>
#include "props.h"

uint64_t fc_splitmix(uint64_t *s)
{
  uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void fc_fill_seeded(double *a, size_t n, uint64_t *s, long level,
                    double scale)
{
  for (size_t i = 0; i < n; i++) {
    const uint64_t r = fc_splitmix(s);
    double v;
    if (level == 0)
      v = (double)(long)(r % 3) - 1;
    else if (level == 1)
      v = ((double)(long)(r % 33) - 16) / 16;
    else
      v = ldexp((double)(int64_t)(r >> 39) - (double)(1 << 24), -22);
    if (level >= 3)
      v = ldexp(v, (int)((r >> 8) % 41) - 20);
    a[i] = v * scale;
  }
}

/*
 * fill.h - deterministic inputs for the test programs that run generated code
 * (harness.c, tests/port/driver.c): a xorshift64 stream with a fixed seed, so
 * every run and every machine draws the same numbers, computed exactly (integer
 * arithmetic, then divisions by powers of two) without libm.
 */
#include <stddef.h>
#include <stdint.h>

static uint64_t rng = 88172645463325252u;
static double uniform(void) { /* xorshift64, in [0, 1) */
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

/* n inputs or targets of `size` bytes each at p: ids uniform in [0, ids)
 * when ids > 0, else floats (or doubles) uniform in [-1, 1). */
static void *fill(void *p, size_t size, long n, int ids) {
  for (long i = 0; i < n; i++)
    if (ids > 0) ((int32_t *)p)[i] = (int32_t)(uniform() * ids);
    else if (size == sizeof(float)) ((float *)p)[i] = (float)(2 * uniform() - 1);
    else ((double *)p)[i] = 2 * uniform() - 1;
  return p;
}

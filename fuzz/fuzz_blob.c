/*
 * fuzz_blob.c - libFuzzer target: the NAME_load that codegen/params.c
 * (emit_blob) generates, for fuzz_tiny.lua built at build time by `rnnc
 * build` and compiled into this harness with the same instrumentation.
 *
 * A blob load accepts must give back the very same bytes through
 * fuzz_tiny_store, and its parameters (whatever floats they are: NaN,
 * infinities, denormals) must run through fuzz_tiny_predict without any
 * access outside the params, the batch, the outputs and the arena.
 */
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_tiny.h"

static float params[FUZZ_TINY_PARAMS_BYTES / sizeof(float)];
static unsigned char stored[FUZZ_TINY_BLOB_BYTES];
static alignas(64) unsigned char arena[FUZZ_TINY_INFER_ARENA_BYTES];

static void predict(void) {
  static const float x[2 * 3 * 2] = {0.5f, -1, 2, 0, 1e-3f, 3, -0.25f, 1, 0, 0, 7, -2};
  float logits[2 * 3];
  fuzz_tiny_predict(params, &(fuzz_tiny_batch){.x = x}, &(fuzz_tiny_outputs){.logits = logits}, arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (fuzz_tiny_load(params, data, size) != 0) return 0;
  if (fuzz_tiny_store(params, stored, sizeof stored) != 0 || size != sizeof stored ||
      memcmp(stored, data, size) != 0)
    __builtin_trap(); /* load accepted what store would not write back */
  predict();
  return 0;
}

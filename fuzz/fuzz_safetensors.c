/*
 * fuzz_safetensors.c - libFuzzer target: host/safetensors.c's reader on
 * arbitrary bytes, from memory (st_read_memory shares st_read's parser).
 *
 * What a read accepts is then used the way bind.c and `rnnc` summaries use
 * it: every element read through st_get, every shape printed, every metadata
 * key looked up.  ASan sees any access outside what the header promised.
 */
#include <stdint.h>

#include "safetensors.h"

static double touch_tensor(const StTensor *t) {
  char shape[160];
  st_shape_str(shape, sizeof shape, t->rank, t->shape);
  double sum = shape[0];
  for (int64_t i = 0; i < st_numel(t); i++) sum += st_get(t, i);
  return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  StFile f;
  char err[512];
  if (st_read_memory(data, size, "fuzz.safetensors", &f, err, sizeof err) == 0) {
    volatile double sink = 0; /* keeps the reads from being optimised away */
    for (int i = 0; i < f.ntensors; i++) sink += touch_tensor(&f.tensors[i]);
    for (int i = 0; i < f.nmeta; i++)
      if (st_get_meta(&f, f.meta[i].key) != f.meta[i].value) __builtin_trap();
    (void)sink;
  }
  st_free(&f);
  return 0;
}

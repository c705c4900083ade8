/*
 * fuzz_checkpoint.c - libFuzzer target: tools/checkpoint.c's reader
 * (ckpt_read_weights: any weights file, and a checkpoint's run metadata,
 * history and vocabulary when it is one) on arbitrary bytes written to a
 * temporary file, since it takes a path.
 *
 * An accepted checkpoint then has its settings applied the way eval and
 * sample apply them (ckpt_settings).
 */
#include <stdint.h>

#include "checkpoint.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[FUZZ_PATH_MAX], err[1024];
  fuzz_write(path, "ckpt.safetensors", data, size);
  StFile w;
  Checkpoint c;
  if (ckpt_read_weights(path, &w, &c, err, sizeof err) == 1) {
    FeOptions fe = {.dtype = -1};
    ckpt_settings(&c, &fe);
  }
  ckpt_free(&c);
  st_free(&w);
  return 0;
}

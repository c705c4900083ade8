/*
 * blob_seed.c - writes the seed corpus of fuzz_blob: fuzz_tiny's parameters
 * as fuzz_tiny_init makes them from seeds 1 and 2, stored as blobs in
 * DIR/init1.blob and DIR/init2.blob.
 *
 *   blob_seed DIR
 */
#include <stdalign.h>
#include <stdio.h>

#include "fuzz_tiny.h"

static float params[FUZZ_TINY_PARAMS_BYTES / sizeof(float)];
static unsigned char blob[FUZZ_TINY_BLOB_BYTES];
static alignas(64) unsigned char arena[FUZZ_TINY_INIT_ARENA_BYTES];

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: blob_seed DIR\n");
    return 2;
  }
  for (unsigned seed = 1; seed <= 2; seed++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/init%u.blob", argv[1], seed);
    fuzz_tiny_init(params, seed, arena);
    FILE *f = fopen(path, "wb");
    if (fuzz_tiny_store(params, blob, sizeof blob) != 0 || !f || fwrite(blob, 1, sizeof blob, f) != sizeof blob ||
        fclose(f) != 0) {
      perror(path);
      return 1;
    }
  }
  return 0;
}

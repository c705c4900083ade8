/*
 * fuzz_data.c - libFuzzer targets: tools/data.c's loaders, one target per
 * kind of source, chosen by the compile definition FUZZ_DATA_KIND:
 *
 *   KIND_IDX      the four Fashion-MNIST IDX files, uncompressed
 *   KIND_IDX_GZ   the same, gzip'd (the input is the compressed bytes, so
 *                 zlib's framing and check sums are fuzzed too)
 *   KIND_CSV      a series, FILE.csv
 *   KIND_TEXT     a text file
 *   KIND_TEXT_DIR a directory of up to four text files
 *
 * data_load takes a path, so each run writes the input to files in the
 * process's temporary directory (fuzz_util.h): a kind of several files gets
 * them cut from one input at FUZZ_SEPARATOR, and files the input does not
 * reach this time are removed, so a run never reads the last one's.  The
 * spec whose input and target decide the shapes is read once, through the
 * pipeline's forward stage as `rnnc train` reads it; small steps keep the
 * inputs that make examples short.  A loaded set's baselines are computed
 * as train prints them, reading every example.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "data.h"
#include "fuzz_util.h"
#include "pipeline.h"

enum { KIND_IDX, KIND_IDX_GZ, KIND_CSV, KIND_TEXT, KIND_TEXT_DIR, MAX_FILES = 4 };

typedef struct {
  const char *spec; /* under RNNC_SOURCE_DIR */
  int steps;        /* FeOptions.steps (0: the spec's) */
  const char *files[MAX_FILES];
  bool dir;         /* data_load reads the directory, else the first file */
} DataKind;

static const DataKind kinds[] = {
    [KIND_IDX] = {"tests/train/fmnist_tiny.lua", 0,
                  {"train-labels-idx1-ubyte", "train-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                   "t10k-images-idx3-ubyte"}, true},
    [KIND_IDX_GZ] = {"tests/train/fmnist_tiny.lua", 0,
                     {"train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                      "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"}, true},
    [KIND_CSV] = {"tests/train/sine_tiny.lua", 4, {"series.csv"}, false},
    [KIND_TEXT] = {"tests/train/char_tiny.lua", 4, {"text.txt"}, false},
    [KIND_TEXT_DIR] = {"tests/train/char_tiny.lua", 4, {"a", "b", "c", "d"}, true},
};
static const DataKind *const kind = &kinds[FUZZ_DATA_KIND];
static Graph *spec;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  char path[FUZZ_PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", RNNC_SOURCE_DIR, kind->spec);
  PipelineOptions po = {.spec = path, .fe = {.steps = kind->steps, .dtype = -1}, .goal = GOAL_PREDICT,
                        .stop = STAGE_FORWARD};
  if (!(spec = pipeline_run(&po))) {
    fprintf(stderr, "fuzz_data: cannot read the spec %s\n", path);
    abort();
  }
  return 0;
}

/* Writes the input's parts to the kind's files; returns the path data_load reads. */
static const char *write_files(const uint8_t *data, size_t size, char first[static FUZZ_PATH_MAX]) {
  int nfiles = 0;
  while (nfiles < MAX_FILES && kind->files[nfiles]) nfiles++;
  FuzzPart parts[MAX_FILES];
  int n = fuzz_split(data, size, parts, nfiles);
  char path[FUZZ_PATH_MAX];
  for (int i = 0; i < n; i++) fuzz_write(i ? path : first, kind->files[i], parts[i].data, parts[i].size);
  for (int i = n; i < nfiles; i++) fuzz_remove(kind->files[i]);
  return kind->dir ? fuzz_dir() : first;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char first[FUZZ_PATH_MAX], err[2048];
  const char *what = write_files(data, size, first);
  Dataset d;
  if (data_load(what, spec, &(DataOptions){0}, &d, err, sizeof err) != 0) return 0;
  /* what train prints for a loaded set: its baselines read every field */
  volatile double sink = data_last_value_mse(&d.test, d.test.n) + data_unigram_bits(&d.train);
  (void)sink;
  data_free(&d);
  return 0;
}

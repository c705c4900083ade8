/*
 * fuzz_util.h - what the libFuzzer harnesses of fuzz/ share: a private
 * temporary directory for readers that take paths, and the cutting of one
 * fuzz input into several files.
 *
 * A harness whose reader needs several files (the four IDX files, a text
 * directory) gets them as one input cut at FUZZ_SEPARATOR (a compile
 * definition from fuzz/CMakeLists.txt, which also hands it to make_seeds.py
 * and writes it into the dictionary of those targets, so the three agree).
 */
#ifndef RNNC_FUZZ_UTIL_H
#define RNNC_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

enum { FUZZ_PATH_MAX = 1024 };

typedef struct {
  const uint8_t *data;
  size_t size;
} FuzzPart;

/* The process's own temporary directory (made on the first call; it and the
 * files in it are removed at exit). */
const char *fuzz_dir(void);

/* Writes size bytes to fuzz_dir()/name and puts that path in path.  Aborts
 * when that fails: a problem of the machine, not a finding. */
void fuzz_write(char path[static FUZZ_PATH_MAX], const char *name, const uint8_t *data, size_t size);

/* Removes fuzz_dir()/name if it exists. */
void fuzz_remove(const char *name);

/* Cuts data at FUZZ_SEPARATOR into at most max parts (the last keeps the
 * rest, separators and all); returns how many (at least 1). */
int fuzz_split(const uint8_t *data, size_t size, FuzzPart *parts, int max);

#endif

/*
 * fuzz_util.c - the temporary directory and input cutting of fuzz_util.h.
 *
 * The directory is made with mkdtemp under $TMPDIR (else /tmp) so that
 * parallel fuzzers (libFuzzer -jobs, ctest -j) never share files.  It holds
 * only files the harness wrote, flat, so removing it at exit is one readdir.
 */
#define _GNU_SOURCE /* mkdtemp, memmem */
#include "fuzz_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[FUZZ_PATH_MAX];

static void remove_dir(void) {
  DIR *d = opendir(dir);
  if (!d) return;
  char path[FUZZ_PATH_MAX];
  for (struct dirent *e; (e = readdir(d));) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
  rmdir(dir);
}

const char *fuzz_dir(void) {
  if (dir[0]) return dir;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/rnnc-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  atexit(remove_dir);
  return dir;
}

void fuzz_write(char path[static FUZZ_PATH_MAX], const char *name, const uint8_t *data, size_t size) {
  snprintf(path, FUZZ_PATH_MAX, "%s/%s", fuzz_dir(), name);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
    perror(path);
    abort();
  }
}

void fuzz_remove(const char *name) {
  char path[FUZZ_PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
  unlink(path);
}

int fuzz_split(const uint8_t *data, size_t size, FuzzPart *parts, int max) {
  static const char sep[] = FUZZ_SEPARATOR;
  const size_t seplen = sizeof sep - 1;
  int n = 0;
  while (n < max - 1) {
    const uint8_t *at = size >= seplen ? memmem(data, size, sep, seplen) : NULL;
    if (!at) break;
    parts[n++] = (FuzzPart){data, (size_t)(at - data)};
    size -= (size_t)(at - data) + seplen;
    data = at + seplen;
  }
  parts[n++] = (FuzzPart){data, size};
  return n;
}

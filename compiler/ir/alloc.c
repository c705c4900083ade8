/*
 * alloc.c - overflow-safe sizes and the one allocation wrapper (alloc.h).
 *
 * Failure prints the message itself and exits with status 1: this file is
 * below the IR and cannot use its diagnostics, and there is nothing to
 * clean up that the operating system does not.
 */
#include "alloc.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t size_mul(size_t a, size_t b) { return b && a > SIZE_MAX / b ? SIZE_MAX : a * b; }

size_t size_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }

const char *mem_size_str(size_t bytes, char *buf, size_t buflen) {
  static const char *units[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
  if (bytes < 1000) {
    snprintf(buf, buflen, "%zu bytes", bytes);
    return buf;
  }
  double v = (double)bytes / 1000;
  int u = 0;
  for (; v >= 1000 && u + 1 < (int)(sizeof units / sizeof *units); u++) v /= 1000;
  snprintf(buf, buflen, "%.1f %s", v, units[u]);
  return buf;
}

_Noreturn void mem_fail(size_t bytes, const char *what) {
  char buf[32];
  if (bytes == SIZE_MAX)
    fprintf(stderr, "rnnc: error: out of memory: %s would need more bytes than any machine holds\n", what);
  else
    fprintf(stderr, "rnnc: error: out of memory allocating %s (%s)\n", mem_size_str(bytes, buf, sizeof buf), what);
  exit(1);
}

/* The bytes of n elements of `size`, at least 1 (malloc(0) may return NULL). */
static size_t checked_bytes(size_t n, size_t size, const char *what) {
  size_t bytes = size_mul(n, size);
  if (bytes == SIZE_MAX) mem_fail(bytes, what);
  return bytes ? bytes : 1;
}

void *mem_alloc(size_t n, size_t size, const char *what) {
  void *p = malloc(checked_bytes(n, size, what));
  if (!p) mem_fail(size_mul(n, size), what);
  return p;
}

void *mem_calloc(size_t n, size_t size, const char *what) {
  void *p = calloc(1, checked_bytes(n, size, what));
  if (!p) mem_fail(size_mul(n, size), what);
  return p;
}

void *mem_calloc_lines(size_t n, size_t size, const char *what) {
  size_t bytes = checked_bytes(n, size, what);
  if (bytes > PTRDIFF_MAX - MEM_LINE) mem_fail(bytes, what);
  size_t lines = (bytes + MEM_LINE - 1) / MEM_LINE * MEM_LINE;
  void *p = aligned_alloc(MEM_LINE, lines);
  if (!p) mem_fail(bytes, what);
  return memset(p, 0, lines);
}

void *mem_realloc(void *p, size_t n, size_t size, const char *what) {
  void *q = realloc(p, checked_bytes(n, size, what));
  if (!q) mem_fail(size_mul(n, size), what);
  return q;
}

void *mem_grow(void *p, int n, int *cap, size_t size, const char *what) {
  if (n < *cap) return p;
  if (*cap > INT_MAX / 2) mem_fail(SIZE_MAX, what); /* the count is an int */
  *cap = *cap ? 2 * *cap : 16;
  return mem_realloc(p, (size_t)*cap, size, what);
}

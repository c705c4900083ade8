/*
 * readfile.h - reading a whole file that a stranger may have named.
 *
 * A spec's `require`, a CSV series and a text corpus are read whole.  The
 * path may name a FIFO (opening it would wait for a writer forever), a
 * device that never ends (/dev/zero), a directory or a file of gigabytes.
 * Only a regular file is read, and its size is checked against the caller's
 * bound before anything is allocated.  Failures are returned, never exits,
 * so that the readers built on this can be fuzzed in-process.
 *
 * The lowest layer: it depends on nothing else of rnnc.
 */
#ifndef RNNC_READFILE_H
#define RNNC_READFILE_H

#include <stddef.h>

typedef struct {
  char *p;        /* malloc'd; p[n] is a NUL not counted in n */
  size_t n, cap;
} FileBytes;

/* Opens path for reading if it is a regular file (without blocking on a
 * FIFO): its descriptor, with *size set, or -1 with "PATH: reason" in err. */
int file_open_regular(const char *path, long long *size, char *err, size_t errlen);

/* Appends the regular file at path to b, keeping a NUL after the bytes (so
 * that strtod or a tokenizer on the last line stops inside the buffer).
 * `what` names the file ("the spec", "text or CSV data") in the message
 * about max, the bound on b->n after the append.  0, or -1 with
 * "PATH: reason" in err; b stays valid either way (free b->p). */
int file_append(FileBytes *b, const char *path, const char *what, size_t max, char *err, size_t errlen);

#endif

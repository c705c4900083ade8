/*
 * readfile.c - whole regular files, sized before they are read (readfile.h).
 */
#define _POSIX_C_SOURCE 200809L /* O_CLOEXEC, S_ISSOCK */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

/* What a path names when it is not a regular file, for the message. */
static const char *kind_of(mode_t mode) {
  return S_ISDIR(mode) ? "a directory" : S_ISFIFO(mode) ? "a pipe" : S_ISSOCK(mode) ? "a socket" : "a device";
}

static int read_all(int fd, char *to, size_t size) {
  for (size_t got = 0; got < size;) {
    ssize_t k = read(fd, to + got, size - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return k < 0 ? errno : -1; /* -1: the file shrank */
    got += (size_t)k;
  }
  return 0;
}

/* Reads the size bytes of the open file fd onto the end of b. */
static int append_open(FileBytes *b, int fd, const char *path, size_t size, char *err, size_t errlen) {
  char shown[24];
  size_t need = b->n + size + 1;
  if (need > b->cap) {
    char *p = realloc(b->p, need);
    if (!p) {
      snprintf(err, errlen, "%s: out of memory (%s)", path, mem_size_str(need, shown, sizeof shown));
      return -1;
    }
    b->p = p, b->cap = need;
  }
  int e = read_all(fd, b->p + b->n, size);
  if (e == 0) b->n += size;
  b->p[b->n] = 0;
  if (e) snprintf(err, errlen, "%s: read error: %s", path, e > 0 ? strerror(e) : "the file shrank while rnnc read it");
  return e ? -1 : 0;
}

int file_open_regular(const char *path, long long *size, char *err, size_t errlen) {
  /* O_NONBLOCK: opening a FIFO to find out what it is must not wait for a writer */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0)
    snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    snprintf(err, errlen, "%s: not a regular file but %s", path, kind_of(st.st_mode));
  else {
    *size = (long long)st.st_size;
    return fd;
  }
  close(fd);
  return -1;
}

int file_append(FileBytes *b, const char *path, const char *what, size_t max, char *err, size_t errlen) {
  long long size = 0;
  int fd = file_open_regular(path, &size, err, errlen);
  if (fd < 0) return -1;
  int rc = -1;
  if ((unsigned long long)size > max - (b->n < max ? b->n : max))
    snprintf(err, errlen, "%s: %lld bytes, more than rnnc reads as %s (%zu bytes in all)", path, size, what, max);
  else
    rc = append_open(b, fd, path, (size_t)size, err, errlen);
  close(fd);
  return rc;
}

/*
 * data_fm.c - Fashion-MNIST: the gzip'd IDX files are read with zlib in chunks
 * of 1 MiB (gzread also reads uncompressed files), checking magic numbers
 * (2051, 2049), 28x28 images, equal counts, that the data is exactly as long
 * as the header says (read one byte past it, which also makes zlib check the
 * gzip check sum) and every label against the spec's class count.  The t10k
 * files are the test part.  x = 28 rows of 28 pixels scaled to [0, 1].
 */
#define _POSIX_C_SOURCE 200809L /* stat */
#include "data_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

enum {
  FM_SIDE = 28,           /* images are FM_SIDE x FM_SIDE */
  FM_CLASSES = 10,
  FM_IMAGE_MAGIC = 2051,  /* IDX: unsigned byte data, 3 dimensions */
  FM_LABEL_MAGIC = 2049,  /* IDX: unsigned byte data, 1 dimension */
  FM_CHUNK = 1 << 20,     /* bytes per gzread */
};

/* An IDX count is 32 bits: its images' bytes must fit a size_t. */
_Static_assert(SIZE_MAX / (FM_SIDE * FM_SIDE) >= UINT32_MAX, "size_t too small for IDX counts");

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static gzFile gz_open(Load *L, const char *path) {
  long long size;
  int fd = file_open_regular(path, &size, L->err, L->errlen);
  if (fd < 0) return NULL;
  gzFile f = gzdopen(fd, "rb");
  if (!f) {
    close(fd);
    data_fail(L, "%s: cannot open: out of memory", path);
    return NULL;
  }
  gzbuffer(f, 1 << 18);
  return f;
}

/* A zlib error: its message without the "<fd:N>: " zlib puts in front of a
 * file it did not open itself. */
static int gz_fail(Load *L, gzFile f, const char *path) {
  int code = 0;
  const char *msg = gzerror(f, &code), *colon = strstr(msg, ">: ");
  if (strncmp(msg, "<fd:", 4) == 0 && colon) msg = colon + 3;
  if (code == Z_ERRNO) return data_fail(L, "%s: read error: %s", path, strerror(errno));
  return data_fail(L, "%s: corrupt gzip data: %s", path, msg);
}

/* After the data: the file must end there, and the gzip check sum (read at
 * the end of the stream) must match. */
static int gz_end(Load *L, gzFile f, const char *path, const char *what) {
  unsigned char extra;
  int got = gzread(f, &extra, 1);
  int code = 0;
  gzerror(f, &code);
  if (got == 0 && code == Z_BUF_ERROR)
    return data_fail(L, "%s: truncated: the gzip stream is cut short after the %s", path, what);
  if (got < 0 || code != Z_OK) return gz_fail(L, f, path);
  if (got > 0) return data_fail(L, "%s: the file goes on after the %s its header announces", path, what);
  return 0;
}

/* Reads exactly n bytes (n <= FM_CHUNK), bytes [at, at + n) of `total` after
 * the header; `what` names them in the message (NULL: the header). */
static int gz_read(Load *L, gzFile f, const char *path, void *buf, size_t n, size_t at, size_t total,
                   const char *what) {
  int got = gzread(f, buf, (unsigned)n);
  if (got == (int)n) return 0;
  int code = 0;
  gzerror(f, &code);
  size_t have = at + (got > 0 ? (size_t)got : 0);
  if (got < 0 || (code != Z_OK && code != Z_BUF_ERROR)) return gz_fail(L, f, path);
  const char *cut = code == Z_BUF_ERROR ? " (the gzip stream is cut short)" : "";
  if (!what) return data_fail(L, "%s: truncated: the IDX header takes %zu bytes, the file has %zu%s", path, total, have, cut);
  return data_fail(L, "%s: truncated: %s take %zu bytes after the header, the file has %zu%s", path, what, total, have, cut);
}

static void fm_path(char out[static 1100], const char *dir, const char *part, const char *kind) {
  snprintf(out, 1100, "%s/%s-%s-ubyte.gz", dir, part, kind);
  struct stat st;
  if (stat(out, &st) == 0) return;
  char plain[1100];
  snprintf(plain, sizeof plain, "%s/%s-%s-ubyte", dir, part, kind);
  if (stat(plain, &st) == 0) memcpy(out, plain, sizeof plain); /* the uncompressed files work as well */
}

/* Reads the n bytes after an IDX header into a fresh buffer, then checks
 * that the file ends there.  The buffer grows with the data as it arrives,
 * so a header's count (which may lie: a 17-byte file may claim 4 GB) sizes
 * no allocation by itself, and a gzip file takes only what decompresses. */
static int idx_body(Load *L, gzFile f, const char *path, size_t n, const char *what, unsigned char **out) {
  unsigned char *buf = NULL;
  size_t cap = 0;
  int rc = 0;
  for (size_t at = 0; rc == 0 && at < n; at += FM_CHUNK) {
    size_t k = n - at < FM_CHUNK ? n - at : FM_CHUNK;
    if (at + k > cap) { /* doubling keeps the copies linear; never past n */
      size_t grow = cap ? cap : FM_CHUNK;
      cap = grow > n - cap ? n : cap + grow;
      unsigned char *p = realloc(buf, cap);
      if (!p) rc = data_fail(L, "%s: out of memory (%zu bytes)", path, cap);
      else buf = p;
    }
    if (rc == 0) rc = gz_read(L, f, path, buf + at, k, at, n, what);
  }
  if (rc == 0) rc = gz_end(L, f, path, what);
  if (rc) free(buf), buf = NULL;
  *out = buf;
  return rc;
}

/* Reads the labels file into a fresh buffer of n bytes (n from its header). */
static int fm_labels(Load *L, const char *path, unsigned char **labels, long *n) {
  gzFile f = gz_open(L, path);
  if (!f) return -1;
  unsigned char h[8];
  int rc = gz_read(L, f, path, h, sizeof h, 0, sizeof h, NULL);
  if (rc == 0 && be32(h) != FM_LABEL_MAGIC)
    rc = data_fail(L, "%s: not an IDX label file: magic number %u, expected %d", path, be32(h), FM_LABEL_MAGIC);
  if (rc == 0) {
    *n = (long)be32(h + 4);
    char what[64];
    snprintf(what, sizeof what, "%ld labels", *n);
    rc = idx_body(L, f, path, (size_t)*n, what, labels);
  }
  gzclose(f);
  return rc;
}

/* One part (train or t10k) of dir into s. */
static int fm_part(Load *L, const char *dir, const char *part, DataSplit *s) {
  char ipath[1100], lpath[1100];
  fm_path(ipath, dir, part, "images-idx3");
  fm_path(lpath, dir, part, "labels-idx1");
  unsigned char *labels = NULL, *pixels = NULL;
  long n = 0;
  if (fm_labels(L, lpath, &labels, &n)) return -1;
  gzFile f = gz_open(L, ipath);
  if (!f) {
    free(labels);
    return -1;
  }
  unsigned char h[16];
  int rc = gz_read(L, f, ipath, h, sizeof h, 0, sizeof h, NULL);
  if (rc == 0 && be32(h) != FM_IMAGE_MAGIC)
    rc = data_fail(L, "%s: not an IDX image file: magic number %u, expected %d", ipath, be32(h), FM_IMAGE_MAGIC);
  if (rc == 0 && (be32(h + 8) != FM_SIDE || be32(h + 12) != FM_SIDE))
    rc = data_fail(L, "%s: images are %ux%u, expected %dx%d", ipath, be32(h + 8), be32(h + 12), FM_SIDE, FM_SIDE);
  if (rc == 0 && (long)be32(h + 4) != n)
    rc = data_fail(L, "%s: %u images, but %s has %ld labels", ipath, be32(h + 4), lpath, n);
  if (rc == 0 && n == 0) rc = data_fail(L, "%s: no images", ipath);
  for (long i = 0; rc == 0 && i < n; i++)
    if (labels[i] >= L->y->attr.max)
      rc = data_fail(L, "%s: label %d of example %ld is out of range: the spec's target '%s' has %d classes", lpath,
                labels[i], i, L->y->attr.name, L->y->attr.max);
  size_t total = (size_t)n * FM_SIDE * FM_SIDE;
  char what[64];
  snprintf(what, sizeof what, "%ld images of %dx%d", n, FM_SIDE, FM_SIDE);
  if (rc == 0) rc = idx_body(L, f, ipath, total, what, &pixels);
  gzclose(f);
  /* the fields only once the files have shown they hold that many examples */
  int32_t *y = rc == 0 ? data_field_new(L, s, 1, L->y, DT_I32, L->ys, n) : NULL;
  float *x = y ? data_field_new(L, s, 0, L->x, DT_F32, L->xs, n) : NULL;
  if (!x) rc = -1;
  for (long i = 0; rc == 0 && i < n; i++) y[i] = labels[i];
  for (size_t j = 0; rc == 0 && j < total; j++) x[j] = (float)pixels[j] / 255.0f;
  free(pixels);
  free(labels);
  return rc;
}

bool data_fm_dir(const char *dir) {
  char p[1100];
  fm_path(p, dir, "train", "images-idx3");
  struct stat st;
  return stat(p, &st) == 0;
}

int data_fm_load(Load *L, const char *dir) {
  Dataset *d = L->d;
  snprintf(d->source, sizeof d->source, "%s", dir);
  struct stat st;
  if (strcmp(dir, FMNIST_DIR) == 0 && stat(dir, &st) != 0)
    return data_fail(L, "%s: not found: Debian's package dataset-fashion-mnist is not installed (scripts/setup.sh "
                   "installs it)", dir);
  const char *source = "Fashion-MNIST";
  if (!data_is_float_shape(L->x, L->xs, 2, FM_SIDE, FM_SIDE))
    return data_mismatch(L, L->x, L->xs, source, "float [28, 28] (28 steps of 28 pixels)");
  if (ir_is_float(L->y->dtype) || L->ys.rank != 0 || L->y->attr.max != FM_CLASSES)
    return data_mismatch(L, L->y, L->ys, source, "a label in [0, 10)");
  if (fm_part(L, dir, "train", &d->train)) return -1;
  return fm_part(L, dir, "t10k", &d->test);
}

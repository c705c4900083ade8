/*
 * data.c - the datasets of data.h, read or made whole into memory as arrays
 * of examples, already split into a training and a test part.
 *
 * data_load first finds the spec's model input and target (exactly one
 * input and one target; the fields take their names, so field 0 is the
 * input and field 1 the target) and picks the source from DATA:
 *   "fashion-mnist"  Debian's /usr/share/datasets/fashion-mnist;
 *   "sine"           the series below, made from the seed;
 *   "words"          Debian's word lists of five languages (below);
 *   a directory      Fashion-MNIST if it holds train-images-idx3-ubyte(.gz),
 *                    else text: its regular files (symlinks followed, each
 *                    file once, hidden files skipped) concatenated in byte
 *                    order of their names, e.g. /usr/share/common-licenses;
 *   FILE.csv         a series (case-insensitive suffix);
 *   any other file   text.
 * The spec's shapes per example (batch axis dropped) are checked against what
 * the source gives before anything large is read.
 *
 * Fashion-MNIST: the gzip'd IDX files are read with zlib in chunks of 1 MiB
 * (gzread also reads uncompressed files), checking magic numbers (2051, 2049),
 * 28x28 images, equal counts, that the data is exactly as long as the header
 * says (read one byte past it, which also makes zlib check the gzip check
 * sum) and every label against the spec's class count.  The t10k files are
 * the test part.
 *
 * CSV: the first number of every line (a ',' or ';' ends it; the rest of the
 * line is ignored); blank lines are skipped; the first line is a header if it
 * does not parse; any other line that does not (or is not finite) is an error
 * at FILE:LINE.
 *
 * Sine: s_t = sin(2 pi t / 50) + e_t, e_t ~ N(0, 0.1^2) for t = 0 .. 11199
 * (224 periods), e_t by Box-Muller from rnnc_uniform(seed, SINE_STREAM, 2t)
 * and (.., 2t + 1): the same seed gives the same series bit for bit.
 * Series (sine, CSV): the test part is the last test_fraction of the values;
 * each part is cut in windows of W values at every start (stride 1), y = the
 * value after the window (a target [1]) or the H values after it (a per-step
 * target [H, 1]: a forecast of H steps), so no window spans both parts.
 *
 * Text: ids are bytes.  If the text has at most V distinct bytes each gets
 * its own id, in byte order.  Otherwise the V-1 most frequent (ties: lower
 * byte first) get ids 0..V-2 in byte order and id V-1 is shared by all the
 * others; vocab[V-1] is the most frequent of those.  Examples are chunks of
 * T+1 bytes at stride T within each part (x = the first T, y = the last T).
 *
 * Words: the lines of /usr/share/dict/{american-english, french, ngerman,
 * italian, spanish} (packages wamerican, wfrench, wngerman, witalian,
 * wspanish), labelled 0 to 4 in that order; from each, WORDS_PER_LANGUAGE
 * evenly spaced through the list (all if it has fewer), every
 * 1/test_fraction-th of them held out for the test part; the languages take
 * turns in each part.  x = the word's
 * bytes as ids (UTF-8, so an accented letter is two), cut at the spec's
 * steps and padded with 0; its sequence's lengths input (field 2), if the
 * spec reads one, the number of real ones.
 *
 * Baselines (data_last_value_mse, data_unigram_bits, data_bytes_bayes) read a split's fields
 * and nothing else, so they apply to any source giving those shapes.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, stat */
#include "data.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "readfile.h"
#include "rnnc_rand.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define WORDS_DIR "/usr/share/dict"
#define SINE_SIGMA 0.1
#define DEFAULT_TEST_FRACTION 0.1
#define DATA_KINDS "DATA is fashion-mnist, sine, words, a .csv file, a text file or a directory"

enum {
  FM_SIDE = 28,           /* images are FM_SIDE x FM_SIDE */
  FM_CLASSES = 10,
  FM_IMAGE_MAGIC = 2051,  /* IDX: unsigned byte data, 3 dimensions */
  FM_LABEL_MAGIC = 2049,  /* IDX: unsigned byte data, 1 dimension */
  FM_CHUNK = 1 << 20,     /* bytes per gzread */
  DATA_MAX_BYTES = 1 << 30, /* of a text or CSV source: its examples take 8 times that */
  SINE_PERIOD = 50,       /* samples per period */
  SINE_SAMPLES = 11200,   /* 224 periods: ~10,000 training windows at T <= 70 */
  SINE_STREAM = 0x73696e65, /* "sine": the rnnc_rand stream of the noise */
  WORDS_PER_LANGUAGE = 20000,
  WORDS_MAX_BYTES = 64 << 20, /* of one word list (Debian's largest: 4.7 MB) */
};

static const char *const WORD_LISTS[] = {"american-english", "french", "ngerman", "italian", "spanish"};
enum { WORD_LANGUAGES = sizeof WORD_LISTS / sizeof WORD_LISTS[0] };

/* An IDX count is 32 bits: its images' bytes must fit a size_t. */
_Static_assert(SIZE_MAX / (FM_SIDE * FM_SIDE) >= UINT32_MAX, "size_t too small for IDX counts");

typedef struct {
  const char *src;           /* the file or directory named in messages */
  const Node *x, *y;         /* the spec's input and target */
  const Node *len;           /* the lengths of x's sequence, if the spec reads them (field 2) */
  Shape xs, ys;              /* their shapes per example */
  double test_fraction;
  Dataset *d;
  char *err;
  size_t errlen;
} Load;

static int fail(Load *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(L->err, L->errlen, fmt, ap);
  va_end(ap);
  return -1;
}

/* ---- the spec's side ---- */

static Shape drop_batch(Shape s) {
  Shape e = {0, {0}};
  for (int i = 1; i < s.rank; i++) e.dim[e.rank++] = s.dim[i];
  return e;
}

static void shape_text(Shape s, char buf[static 64]) {
  int k = snprintf(buf, 64, "[");
  for (int i = 0; i < s.rank; i++) k += snprintf(buf + k, (size_t)(64 - k), "%s%d", i ? ", " : "", s.dim[i]);
  snprintf(buf + k, (size_t)(64 - k), "]");
}

/* "float [28, 28]", "int32 [64] in [0, 65)", "a label in [0, 10)": a spec input per example. */
static void spec_text(const Node *n, Shape ex, char buf[static 128]) {
  char sh[64];
  shape_text(ex, sh);
  if (!ir_is_float(n->dtype) && ex.rank == 0) snprintf(buf, 128, "a label in [0, %d)", n->attr.max);
  else if (!ir_is_float(n->dtype)) snprintf(buf, 128, "int32 %s in [0, %d)", sh, n->attr.max);
  else snprintf(buf, 128, "float %s", sh);
}

/* The spec's `which` input (x or y) against what the source gives. */
static int mismatch(Load *L, const Node *n, Shape ex, const char *source, const char *gives) {
  char have[128];
  spec_text(n, ex, have);
  return fail(L, "%s: the spec's %s '%s' is %s per example, but %s gives %s", L->src,
              n->attr.target ? "target" : "input", n->attr.name, have, source, gives);
}

static bool is_float_shape(const Node *n, Shape ex, int rank, int d0, int d1) {
  if (!ir_is_float(n->dtype) || ex.rank != rank) return false;
  return (rank < 1 || ex.dim[0] == d0) && (rank < 2 || ex.dim[1] == d1);
}

static int find_io(Load *L, const Graph *g) {
  for (int i = 0; i < g->ninputs; i++) {
    const Node *n = g->inputs[i];
    const Node **slot = ir_sequence_of_lengths(g, n) ? &L->len : n->attr.target ? &L->y : &L->x;
    if (*slot)
      return fail(L, "%s: the spec has two %ss, '%s' and '%s'; a dataset gives one input and one target",
                  L->src, n->attr.target ? "target" : "input", (*slot)->attr.name, n->attr.name);
    *slot = n;
  }
  if (!L->x) return fail(L, "%s: the spec has no input (sequence() or input())", L->src);
  if (!L->y) return fail(L, "%s: the spec has no target (labels() or targets())", L->src);
  if (L->len && ir_sequence_of_lengths(g, L->len) != L->x)
    return fail(L, "%s: the spec's lengths '%s' are not those of its input '%s'", L->src, L->len->attr.name,
                L->x->attr.name);
  L->xs = drop_batch(L->x->shape);
  L->ys = drop_batch(L->y->shape);
  return 0;
}

/* ---- fields ---- */

/* Field f of s: n examples of `shape`, named after the spec's node. */
static void *field_new(Load *L, DataSplit *s, int f, const Node *spec, DType dt, Shape shape, long n) {
  DataField *fl = &s->field[f];
  snprintf(fl->name, sizeof fl->name, "%s", spec->attr.name);
  fl->dtype = dt;
  fl->shape = shape;
  size_t bytes = (size_t)n * (size_t)ir_numel(shape) * ir_dtype_size(dt);
  fl->data = malloc(bytes ? bytes : 1);
  if (!fl->data) {
    fail(L, "%s: out of memory (%zu bytes for %ld examples)", L->src, bytes, n);
    return NULL;
  }
  if (s->nfields < f + 1) s->nfields = f + 1;
  s->n = n;
  return fl->data;
}

/* ---- Fashion-MNIST ---- */

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
    fail(L, "%s: cannot open: out of memory", path);
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
  if (code == Z_ERRNO) return fail(L, "%s: read error: %s", path, strerror(errno));
  return fail(L, "%s: corrupt gzip data: %s", path, msg);
}

/* After the data: the file must end there, and the gzip check sum (read at
 * the end of the stream) must match. */
static int gz_end(Load *L, gzFile f, const char *path, const char *what) {
  unsigned char extra;
  int got = gzread(f, &extra, 1);
  int code = 0;
  gzerror(f, &code);
  if (got == 0 && code == Z_BUF_ERROR)
    return fail(L, "%s: truncated: the gzip stream is cut short after the %s", path, what);
  if (got < 0 || code != Z_OK) return gz_fail(L, f, path);
  if (got > 0) return fail(L, "%s: the file goes on after the %s its header announces", path, what);
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
  if (!what) return fail(L, "%s: truncated: the IDX header takes %zu bytes, the file has %zu%s", path, total, have, cut);
  return fail(L, "%s: truncated: %s take %zu bytes after the header, the file has %zu%s", path, what, total, have, cut);
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
      if (!p) rc = fail(L, "%s: out of memory (%zu bytes)", path, cap);
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
    rc = fail(L, "%s: not an IDX label file: magic number %u, expected %d", path, be32(h), FM_LABEL_MAGIC);
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
    rc = fail(L, "%s: not an IDX image file: magic number %u, expected %d", ipath, be32(h), FM_IMAGE_MAGIC);
  if (rc == 0 && (be32(h + 8) != FM_SIDE || be32(h + 12) != FM_SIDE))
    rc = fail(L, "%s: images are %ux%u, expected %dx%d", ipath, be32(h + 8), be32(h + 12), FM_SIDE, FM_SIDE);
  if (rc == 0 && (long)be32(h + 4) != n)
    rc = fail(L, "%s: %u images, but %s has %ld labels", ipath, be32(h + 4), lpath, n);
  if (rc == 0 && n == 0) rc = fail(L, "%s: no images", ipath);
  for (long i = 0; rc == 0 && i < n; i++)
    if (labels[i] >= L->y->attr.max)
      rc = fail(L, "%s: label %d of example %ld is out of range: the spec's target '%s' has %d classes", lpath,
                labels[i], i, L->y->attr.name, L->y->attr.max);
  size_t total = (size_t)n * FM_SIDE * FM_SIDE;
  char what[64];
  snprintf(what, sizeof what, "%ld images of %dx%d", n, FM_SIDE, FM_SIDE);
  if (rc == 0) rc = idx_body(L, f, ipath, total, what, &pixels);
  gzclose(f);
  /* the fields only once the files have shown they hold that many examples */
  int32_t *y = rc == 0 ? field_new(L, s, 1, L->y, DT_I32, L->ys, n) : NULL;
  float *x = y ? field_new(L, s, 0, L->x, DT_F32, L->xs, n) : NULL;
  if (!x) rc = -1;
  for (long i = 0; rc == 0 && i < n; i++) y[i] = labels[i];
  for (size_t j = 0; rc == 0 && j < total; j++) x[j] = (float)pixels[j] / 255.0f;
  free(pixels);
  free(labels);
  return rc;
}

static bool fm_dir(const char *dir) {
  char p[1100];
  fm_path(p, dir, "train", "images-idx3");
  struct stat st;
  return stat(p, &st) == 0;
}

static int fm_load(Load *L, const char *dir) {
  Dataset *d = L->d;
  snprintf(d->source, sizeof d->source, "%s", dir);
  struct stat st;
  if (strcmp(dir, FMNIST_DIR) == 0 && stat(dir, &st) != 0)
    return fail(L, "%s: not found: Debian's package dataset-fashion-mnist is not installed (scripts/setup.sh "
                   "installs it)", dir);
  const char *source = "Fashion-MNIST";
  if (!is_float_shape(L->x, L->xs, 2, FM_SIDE, FM_SIDE))
    return mismatch(L, L->x, L->xs, source, "float [28, 28] (28 steps of 28 pixels)");
  if (ir_is_float(L->y->dtype) || L->ys.rank != 0 || L->y->attr.max != FM_CLASSES)
    return mismatch(L, L->y, L->ys, source, "a label in [0, 10)");
  if (fm_part(L, dir, "train", &d->train)) return -1;
  return fm_part(L, dir, "t10k", &d->test);
}

/* ---- series: sine and CSV ---- */

/* Cuts v[0..n) in windows of w values plus the next h, train then test. */
static int series_windows(Load *L, const double *v, long n, int w, int h) {
  long wh = (long)w + h;
  if (n < wh)
    return fail(L, "%s: the window of %d values is longer than the series: a window and the %d value%s after it "
                   "need %ld values, the series has %ld", L->src, w, h, h == 1 ? "" : "s", wh, n);
  long split = n - lround((double)n * L->test_fraction);
  long ntrain = split - wh + 1, ntest = n - split - wh + 1;
  if (ntrain < 1 || ntest < 1)
    return fail(L, "%s: %ld values are too few for windows of %d: the training part (%ld values) and the test "
                   "part (the last %g%%, %ld values) each need at least %ld", L->src, n, w, split,
                100 * L->test_fraction, n - split, wh);
  DataSplit *parts[2] = {&L->d->train, &L->d->test};
  long start[2] = {0, split}, count[2] = {ntrain, ntest};
  for (int p = 0; p < 2; p++) {
    float *x = field_new(L, parts[p], 0, L->x, DT_F32, L->xs, count[p]);
    float *y = x ? field_new(L, parts[p], 1, L->y, DT_F32, L->ys, count[p]) : NULL;
    if (!y) return -1;
    for (long i = 0; i < count[p]; i++) {
      const double *s = v + start[p] + i;
      for (int t = 0; t < w; t++) x[i * w + t] = (float)s[t];
      for (int t = 0; t < h; t++) y[i * h + t] = (float)s[w + t];
    }
  }
  return 0;
}

/* Checks the spec's input against windows of w values; *h: the values its
 * target forecasts. */
static int series_spec(Load *L, const char *source, int w, int *h) {
  char gives[64];
  snprintf(gives, sizeof gives, "float [%d, 1] (a window of %d values)", w, w);
  if (!is_float_shape(L->x, L->xs, 2, w, 1)) return mismatch(L, L->x, L->xs, source, gives);
  *h = L->ys.rank == 2 ? L->ys.dim[0] : 1;
  if (!is_float_shape(L->y, L->ys, 1, 1, 0) && !is_float_shape(L->y, L->ys, 2, *h, 1))
    return mismatch(L, L->y, L->ys, source, "float [1] (the next value) or [H, 1] per step (the next H)");
  return 0;
}

static int sine_load(Load *L, const Graph *g, uint64_t seed) {
  snprintf(L->d->source, sizeof L->d->source, "sine (period %d, sigma %g, %d samples, seed %llu)", SINE_PERIOD,
           SINE_SIGMA, SINE_SAMPLES, (unsigned long long)seed);
  int h;
  if (series_spec(L, "the sine series", g->cfg.steps, &h)) return -1;
  double *v = malloc(SINE_SAMPLES * sizeof *v);
  if (!v) return fail(L, "sine: out of memory");
  const double pi = 3.14159265358979323846;
  for (long t = 0; t < SINE_SAMPLES; t++) {
    double u1 = rnnc_uniform(seed, SINE_STREAM, 2 * (uint64_t)t);
    double u2 = rnnc_uniform(seed, SINE_STREAM, 2 * (uint64_t)t + 1);
    double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * pi * u2); /* 1 - u1 is in (0, 1] */
    v[t] = sin(2.0 * pi * (double)t / SINE_PERIOD) + SINE_SIGMA * z;
  }
  L->d->noise_var = SINE_SIGMA * SINE_SIGMA;
  int rc = series_windows(L, v, SINE_SAMPLES, g->cfg.steps, h);
  free(v);
  return rc;
}

/* ---- words ---- */

/* The lines of a word list: their starts and lengths (a '\r' before the
 * '\n' dropped, empty lines skipped); the count, or -1 out of memory. */
static long word_lines(const FileBytes *b, long **start, int **len) {
  long n = 0, cap = 0;
  *start = NULL, *len = NULL;
  for (size_t at = 0; at < b->n;) {
    const char *nl = memchr(b->p + at, '\n', b->n - at);
    size_t end = nl ? (size_t)(nl - b->p) : b->n, k = end - at;
    if (k > 0 && b->p[end - 1] == '\r') k--;
    if (k > 0) {
      if (n == cap) {
        cap = cap ? 2 * cap : 4096;
        long *s = realloc(*start, (size_t)cap * sizeof *s);
        int *l = s ? realloc(*len, (size_t)cap * sizeof *l) : NULL;
        if (s) *start = s;
        if (!l) return -1;
        *len = l;
      }
      (*start)[n] = (long)at, (*len)[n++] = k > INT_MAX ? INT_MAX : (int)k;
    }
    at = end + 1;
  }
  return n;
}

/* Example i of a language's N taken is a test example. */
static bool held_out(long i, double fraction) { return floor((double)(i + 1) * fraction) > floor((double)i * fraction); }

/* Writes the word at b->p[start], len bytes, to example e of split s. */
static void put_word(Load *L, DataSplit *s, long e, const FileBytes *b, long start, int len, int label) {
  int T = L->xs.dim[0], n = len < T ? len : T;
  int32_t *x = (int32_t *)s->field[0].data + (size_t)e * (size_t)T;
  for (int t = 0; t < T; t++) x[t] = t < n ? (unsigned char)b->p[start + t] : 0;
  ((int32_t *)s->field[1].data)[e] = label;
  if (L->len) ((int32_t *)s->field[2].data)[e] = n;
}

static int words_spec(Load *L) {
  const char *source = "the word lists";
  if (ir_is_float(L->x->dtype) || L->xs.rank != 1 || L->x->attr.max < 256)
    return mismatch(L, L->x, L->xs, source, "int32 [T] in [0, 256) (a word's bytes)");
  if (ir_is_float(L->y->dtype) || L->ys.rank != 0 || L->y->attr.max != WORD_LANGUAGES)
    return mismatch(L, L->y, L->ys, source, "a label in [0, 5) (English, French, German, Italian, Spanish)");
  return 0;
}

/* Reads the five lists, then fills both splits with their words in turn
 * (English, French, ..., English, ...), so that any first N examples (--limit)
 * hold every language alike. */
static int words_load(Load *L) {
  snprintf(L->d->source, sizeof L->d->source,
           "Debian's word lists in %s: 0 English, 1 French, 2 German, 3 Italian, 4 Spanish", WORDS_DIR);
  if (words_spec(L)) return -1;
  FileBytes b[WORD_LANGUAGES] = {{0}};
  long *start[WORD_LANGUAGES] = {0}, lines[WORD_LANGUAGES] = {0}, count[WORD_LANGUAGES] = {0}, ntest = 0, ntrain = 0;
  int *len[WORD_LANGUAGES] = {0}, rc = 0;
  for (int c = 0; rc == 0 && c < WORD_LANGUAGES; c++) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", WORDS_DIR, WORD_LISTS[c]);
    rc = file_append(&b[c], path, "a word list (scripts/setup.sh installs Debian's)", WORDS_MAX_BYTES, L->err, L->errlen);
    long n = lines[c] = rc ? 0 : word_lines(&b[c], &start[c], &len[c]);
    if (rc == 0 && n < 0) rc = fail(L, "%s: out of memory", path);
    if (rc == 0 && n == 0) rc = fail(L, "%s: no words", path);
    count[c] = n < 0 ? 0 : n < WORDS_PER_LANGUAGE ? n : WORDS_PER_LANGUAGE;
    for (long i = 0; i < count[c]; i++) held_out(i, L->test_fraction) ? ntest++ : ntrain++;
  }
  DataSplit *parts[2] = {&L->d->train, &L->d->test};
  long total[2] = {ntrain, ntest}, filled[2] = {0, 0};
  Shape one = {0, {0}};
  for (int p = 0; rc == 0 && p < 2; p++)
    if (!field_new(L, parts[p], 0, L->x, DT_I32, L->xs, total[p]) ||
        !field_new(L, parts[p], 1, L->y, DT_I32, L->ys, total[p]) ||
        (L->len && !field_new(L, parts[p], 2, L->len, DT_I32, one, total[p])))
      rc = -1;
  for (long i = 0; rc == 0 && i < WORDS_PER_LANGUAGE; i++)
    for (int c = 0; c < WORD_LANGUAGES; c++) {
      if (i >= count[c]) continue;
      long w = (long)((double)i * (double)lines[c] / (double)count[c]); /* evenly spaced through the list */
      int p = held_out(i, L->test_fraction);
      put_word(L, parts[p], filled[p]++, &b[c], start[c][w], len[c][w], c);
    }
  for (int c = 0; c < WORD_LANGUAGES; c++) free(b[c].p), free(start[c]), free(len[c]);
  return rc;
}

/* ---- reading files ---- */

/* One file whole, or a directory's files appended, as bytes. */
static int read_file(Load *L, const char *path, FileBytes *b) {
  return file_append(b, path, "text or CSV data", DATA_MAX_BYTES, L->err, L->errlen);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The directory's regular files (each once), concatenated in name order. */
static int read_text_dir(Load *L, const char *dir, FileBytes *b) {
  DIR *dp = opendir(dir);
  if (!dp) return fail(L, "%s: cannot open: %s", dir, strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(dp));) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) {
        rc = fail(L, "%s: out of memory", dir);
        break;
      }
      names = p;
    }
    if (!(names[n] = malloc(strlen(e->d_name) + 1))) rc = fail(L, "%s: out of memory", dir);
    else strcpy(names[n++], e->d_name);
  }
  closedir(dp);
  if (names) qsort(names, n, sizeof *names, cmp_names);
  struct stat *seen = rc ? NULL : calloc(n ? n : 1, sizeof *seen);
  if (!seen && rc == 0) rc = fail(L, "%s: out of memory", dir);
  size_t nseen = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue; /* dangling links, subdirectories */
    bool dup = false;
    for (size_t j = 0; j < nseen && !dup; j++) dup = seen[j].st_dev == st.st_dev && seen[j].st_ino == st.st_ino;
    if (dup) continue; /* GPL -> GPL-3: the same text once */
    seen[nseen++] = st;
    rc = read_file(L, path, b);
  }
  if (rc == 0 && nseen == 0) rc = fail(L, "%s: no files to read as text", dir);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(seen);
  return rc;
}

/* ---- CSV ---- */

/* The first number of a line [s, end): 0, or -1 if it does not parse. */
static int csv_number(const char *s, const char *end, double *v) {
  while (s < end && isspace((unsigned char)*s)) s++;
  char *stop;
  errno = 0;
  *v = strtod(s, &stop);
  if (stop == s || !isfinite(*v)) return -1;
  while (stop < end && (*stop == ' ' || *stop == '\t' || *stop == '\r')) stop++;
  return stop == end || *stop == ',' || *stop == ';' ? 0 : -1;
}

static int csv_load(Load *L, const Graph *g, int window) {
  snprintf(L->d->source, sizeof L->d->source, "%s", L->src);
  int w = window > 0 ? window : g->cfg.steps, h;
  if (series_spec(L, "the CSV series", w, &h)) return -1;
  FileBytes b = {0};
  if (read_file(L, L->src, &b)) {
    free(b.p);
    return -1;
  }
  double *v = malloc((b.n / 2 + 1) * sizeof *v); /* k non-blank lines take 2k - 1 bytes at least */
  int rc = v ? 0 : fail(L, "%s: out of memory", L->src);
  long n = 0, line = 0;
  bool first = true;
  for (size_t at = 0; rc == 0 && at < b.n;) {
    line++;
    const char *s = b.p + at;
    const char *nl = memchr(b.p + at, '\n', b.n - at);
    size_t len = nl ? (size_t)(nl - (b.p + at)) : b.n - at;
    at += len + 1;
    size_t k = 0;
    while (k < len && isspace((unsigned char)s[k])) k++;
    if (k == len) continue; /* blank lines */
    if (csv_number(s, s + len, &v[n]) == 0) n++;
    else if (!first) {
      int shown = len > 40 ? 40 : (int)len;
      rc = fail(L, "%s:%ld: not a number: '%.*s%s'", L->src, line, shown, s, len > 40 ? "..." : "");
    }
    first = false; /* only the first line may be a header */
  }
  if (rc == 0 && n == 0) rc = fail(L, "%s: no numbers", L->src);
  if (rc == 0) rc = series_windows(L, v, n, w, h);
  free(v);
  free(b.p);
  return rc;
}

/* ---- text ---- */

static int text_spec(Load *L, int steps) { /* steps: the spec's, for the message */
  char gives[96];
  int v = L->x->attr.max;
  snprintf(gives, sizeof gives, "int32 [%d] (character ids)", steps);
  if (ir_is_float(L->x->dtype) || L->xs.rank != 1 || v < 1) return mismatch(L, L->x, L->xs, "text", gives);
  snprintf(gives, sizeof gives, "int32 [%d] in [0, %d) (the next character at every step)", L->xs.dim[0], v);
  if (ir_is_float(L->y->dtype) || L->ys.rank != 1 || L->ys.dim[0] != L->xs.dim[0] || L->y->attr.max != v)
    return mismatch(L, L->y, L->ys, "text", gives);
  return 0;
}

/* The vocabulary of data.h for V ids: fills d->vocab, d->nvocab and id[byte]. */
static void text_vocab(const FileBytes *b, int V, Dataset *d, int32_t id[256]) {
  long count[256] = {0};
  for (size_t i = 0; i < b->n; i++) count[(unsigned char)b->p[i]]++;
  int order[256], k = 0; /* present bytes, most frequent first, ties by byte */
  for (int c = 0; c < 256; c++)
    if (count[c]) order[k++] = c;
  for (int i = 1; i < k; i++) /* insertion sort: stable, so ties stay in byte order */
    for (int j = i; j > 0 && count[order[j]] > count[order[j - 1]]; j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  int keep = k <= V ? k : V - 1;
  bool kept[256] = {false};
  for (int i = 0; i < keep; i++) kept[order[i]] = true;
  d->nvocab = 0;
  for (int c = 0; c < 256; c++)
    if (kept[c]) {
      id[c] = d->nvocab;
      d->vocab[d->nvocab++] = (unsigned char)c;
    }
  if (keep < k) { /* the shared id of the rarer bytes */
    for (int c = 0; c < 256; c++)
      if (!kept[c]) id[c] = d->nvocab;
    d->vocab[d->nvocab++] = (unsigned char)order[keep];
  }
}

static int text_load(Load *L, const Graph *g, bool dir) {
  snprintf(L->d->source, sizeof L->d->source, "%s", L->src);
  if (text_spec(L, g->cfg.steps)) return -1;
  FileBytes b = {0};
  int rc = dir ? read_text_dir(L, L->src, &b) : read_file(L, L->src, &b);
  if (rc == 0 && b.n == 0) rc = fail(L, "%s: empty text", L->src);
  const char *nul = rc == 0 ? memchr(b.p, 0, b.n) : NULL;
  if (nul) rc = fail(L, "%s: not text: byte %zu is NUL (a binary file?)", L->src, (size_t)(nul - b.p));
  int T = L->xs.dim[0];
  long n = (long)b.n, split = n - lround((double)n * L->test_fraction);
  long ntrain = split > T ? (split - 1) / T : 0, ntest = n - split > T ? (n - split - 1) / T : 0;
  if (rc == 0 && (ntrain < 1 || ntest < 1))
    rc = fail(L, "%s: %ld bytes of text are too few for chunks of %d: the training part (%ld bytes) and the test "
                 "part (the last %g%%, %ld bytes) each need at least %d", L->src, n, T + 1, split,
              100 * L->test_fraction, n - split, T + 1);
  int32_t id[256];
  if (rc == 0) text_vocab(&b, L->x->attr.max, L->d, id);
  DataSplit *parts[2] = {&L->d->train, &L->d->test};
  long start[2] = {0, split}, count[2] = {ntrain, ntest};
  for (int p = 0; rc == 0 && p < 2; p++) {
    int32_t *x = field_new(L, parts[p], 0, L->x, DT_I32, L->xs, count[p]);
    int32_t *y = x ? field_new(L, parts[p], 1, L->y, DT_I32, L->ys, count[p]) : NULL;
    if (!y) rc = -1;
    for (long i = 0; rc == 0 && i < count[p]; i++) {
      const unsigned char *s = (const unsigned char *)b.p + start[p] + i * T;
      for (int t = 0; t < T; t++) {
        x[i * T + t] = id[s[t]];
        y[i * T + t] = id[s[t + 1]];
      }
    }
  }
  free(b.p);
  return rc;
}

/* ---- baselines ---- */

/* Field f of s if it holds dt values of the given rank (per example), else NULL. */
static const DataField *field_of(const DataSplit *s, int f, DType dt, int rank) {
  if (s->nfields < 2 || s->field[f].dtype != dt || s->field[f].shape.rank != rank) return NULL;
  return &s->field[f];
}

double data_last_value_mse(const DataSplit *s, long n) {
  const DataField *x = field_of(s, 0, DT_F32, 2), *y = field_of(s, 1, DT_F32, 1);
  const DataField *ys = y ? NULL : field_of(s, 1, DT_F32, 2); /* per step: [H, F] */
  if (ys) y = ys;
  long F = x ? x->shape.dim[1] : 0, H = ys ? ys->shape.dim[0] : 1;
  if (!x || !y || y->shape.dim[ys ? 1 : 0] != F) return NAN;
  long W = x->shape.dim[0];
  n = n < s->n ? n : s->n;
  if (n <= 0) return NAN;
  const float *xv = x->data, *yv = y->data;
  double sum = 0;
  for (long i = 0; i < n; i++)
    for (long j = 0; j < H * F; j++) {
      double e = (double)xv[(i * W + W - 1) * F + j % F] - (double)yv[i * H * F + j];
      sum += e * e;
    }
  return sum / (double)(n * H * F);
}

double data_unigram_bits(const DataSplit *s) {
  const DataField *x = field_of(s, 0, DT_I32, 1), *y = field_of(s, 1, DT_I32, 1);
  if (!x || !y) return NAN;
  long count[DATA_MAX_VOCAB] = {0}, total = s->n * y->shape.dim[0];
  const int32_t *id = y->data;
  for (long i = 0; i < total; i++) {
    if (id[i] < 0 || id[i] >= DATA_MAX_VOCAB) return NAN; /* not ids of a text */
    count[id[i]]++;
  }
  if (total == 0) return NAN;
  double bits = 0;
  for (int c = 0; c < DATA_MAX_VOCAB; c++)
    if (count[c]) {
      double p = (double)count[c] / (double)total;
      bits -= p * log2(p);
    }
  return bits;
}

/* Naive Bayes over the ids of a sequence (within its lengths, if the split
 * has them), trained on `train` with add-one smoothing: its accuracy on the
 * first n examples of `test`. */
double data_bytes_bayes(const DataSplit *train, const DataSplit *test, long n, int classes) {
  const DataField *x = field_of(train, 0, DT_I32, 1), *y = field_of(train, 1, DT_I32, 0);
  if (!x || !y || classes < 2 || classes > DATA_MAX_VOCAB || !field_of(test, 0, DT_I32, 1)) return NAN;
  bool lengths = train->nfields > 2 && test->nfields > 2;
  long T = x->shape.dim[0];
  double *count = calloc((size_t)classes * DATA_MAX_VOCAB + (size_t)classes, sizeof *count);
  if (!count) return NAN;
  double *prior = count + (size_t)classes * DATA_MAX_VOCAB;
  const DataSplit *parts[2] = {train, test};
  long correct = 0;
  n = n < test->n ? n : test->n;
  for (int p = 0; p < 2; p++)
    for (long i = 0; i < (p ? n : train->n); i++) {
      const int32_t *ids = (const int32_t *)parts[p]->field[0].data + i * T;
      int label = ((const int32_t *)parts[p]->field[1].data)[i];
      long len = lengths ? ((const int32_t *)parts[p]->field[2].data)[i] : T;
      if (label < 0 || label >= classes) continue;
      if (p == 0) {
        prior[label]++;
        for (long t = 0; t < len && t < T; t++) count[label * DATA_MAX_VOCAB + (ids[t] & (DATA_MAX_VOCAB - 1))]++;
        continue;
      }
      int best = 0;
      double top = -INFINITY;
      for (int c = 0; c < classes; c++) {
        double total = 0, score = log(prior[c] + 1);
        for (int v = 0; v < DATA_MAX_VOCAB; v++) total += count[c * DATA_MAX_VOCAB + v] + 1;
        for (long t = 0; t < len && t < T; t++) score += log((count[c * DATA_MAX_VOCAB + (ids[t] & (DATA_MAX_VOCAB - 1))] + 1) / total);
        if (score > top) top = score, best = c;
      }
      correct += best == label;
    }
  free(count);
  return n > 0 ? (double)correct / (double)n : NAN;
}

/* ---- the interface ---- */

static bool ends_with_csv(const char *s) {
  size_t n = strlen(s);
  if (n < 4) return false;
  const char *e = s + n - 4;
  return e[0] == '.' && tolower((unsigned char)e[1]) == 'c' && tolower((unsigned char)e[2]) == 's' &&
         tolower((unsigned char)e[3]) == 'v';
}

int data_load(const char *what, const Graph *g, const DataOptions *o, Dataset *d, char *err, size_t errlen) {
  memset(d, 0, sizeof *d);
  Load L = {.src = what, .d = d, .err = err, .errlen = errlen};
  L.test_fraction = o && o->test_fraction != 0 ? o->test_fraction : DEFAULT_TEST_FRACTION;
  if (!(L.test_fraction > 0 && L.test_fraction < 1))
    return fail(&L, "%s: the test fraction must be between 0 and 1, got %g", what, L.test_fraction);
  if (o && o->window < 0) return fail(&L, "%s: the window must be positive, got %d", what, o->window);
  if (find_io(&L, g)) return -1;
  int rc;
  if (strcmp(what, "fashion-mnist") == 0) {
    L.src = FMNIST_DIR;
    rc = fm_load(&L, FMNIST_DIR);
  } else if (strcmp(what, "sine") == 0) {
    rc = sine_load(&L, g, o ? o->seed : 0);
  } else if (strcmp(what, "words") == 0) {
    L.src = WORDS_DIR;
    rc = words_load(&L);
  } else {
    struct stat st;
    if (stat(what, &st) != 0)
      return fail(&L, "%s: %s (%s)", what, strerror(errno), DATA_KINDS);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
      return fail(&L, "%s: not a dataset but a device, a pipe or a socket; %s", what, DATA_KINDS);
    if (S_ISDIR(st.st_mode)) rc = fm_dir(what) ? fm_load(&L, what) : text_load(&L, g, true);
    else if (ends_with_csv(what)) rc = csv_load(&L, g, o ? o->window : 0);
    else rc = text_load(&L, g, false);
  }
  if (rc) data_free(d);
  return rc;
}

void data_free(Dataset *d) {
  DataSplit *parts[2] = {&d->train, &d->test};
  for (int p = 0; p < 2; p++)
    for (int f = 0; f < DATA_MAX_FIELDS; f++) free(parts[p]->field[f].data);
  memset(d, 0, sizeof *d);
}

void data_gather(const DataSplit *s, const long *idx, int count, DType dt, void *const *dest) {
  for (int f = 0; f < s->nfields; f++) {
    const DataField *fl = &s->field[f];
    long per = ir_numel(fl->shape);
    size_t esize = ir_dtype_size(fl->dtype);
    bool widen = fl->dtype == DT_F32 && dt == DT_F64;
    if (fl->dtype == DT_F32 && !ir_is_float(dt)) die("data_gather: float field '%s' into %s", fl->name, ir_dtype_name(dt));
    for (int i = 0; i < count; i++) {
      if (idx[i] < 0 || idx[i] >= s->n) die("data_gather: example %ld of %ld", idx[i], s->n);
      const char *src = (const char *)fl->data + (size_t)idx[i] * (size_t)per * esize;
      if (widen) {
        const float *a = (const float *)src;
        double *b = (double *)dest[f] + (size_t)i * (size_t)per;
        for (long k = 0; k < per; k++) b[k] = a[k];
      } else {
        memcpy((char *)dest[f] + (size_t)i * (size_t)per * esize, src, (size_t)per * esize);
      }
    }
  }
}

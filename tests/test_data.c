/*
 * test_data.c - the datasets of data.c (unit.data; argv[1] is the source tree).
 *
 * Writes its own small files into a temporary directory: an IDX pair made with
 * zlib's gzwrite (valid, then one file spoilt per case: wrong magic, truncated
 * data, a cut gzip stream, a bad check sum, data past the count, count
 * mismatch, wrong image size, label out of range, missing file), CSV series (header, blank lines, CRLF, extra columns;
 * window too long; a bad line), texts (vocabulary with the shared id,
 * shifted targets, a directory with a duplicate link, empty and too short),
 * and the baselines on them (last-value predictor, unigram entropy).
 * Spec graphs are made with the IR API the way the front end makes them, and
 * the real specs are run through the front end for the sources they are
 * meant for.  Hostile files: a 17-byte IDX claiming 4 billion labels (plain
 * and gzip'd, under an address-space limit that a 4 GB allocation breaks), a
 * FIFO and a text with a NUL byte.  Then the real Fashion-MNIST (installed by scripts/setup.sh, so
 * never skipped): counts, first labels, pixel and label checksums.  Every
 * failure must leave the dataset empty and name the file in its message.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "data.h"
#include "frontend.h"
#include "ir.h"

static char dir[] = "/tmp/rnnc_test_data_XXXXXX";
static const char *srcdir = ".";

typedef struct {
  char s[400];
} Path;

static Path tmp_path(const char *fmt, ...) {
  Path p;
  char name[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(name, sizeof name, fmt, ap);
  va_end(ap);
  snprintf(p.s, sizeof p.s, "%s/%s", dir, name);
  return p;
}

static void write_text(const char *path, const char *text) {
  FILE *fp = fopen(path, "wb");
  size_t n = strlen(text);
  CHECK(fp && fwrite(text, 1, n, fp) == n && fclose(fp) == 0, "cannot write %s", path);
}

/* ---- spec graphs, as the front end makes them ---- */

static Graph *spec_graph(int B, int T, Shape xs, DType xdt, int xmax, Shape ys, DType ydt, int ymax) {
  Graph *g = ir_graph_new();
  g->cfg.name = "test";
  g->cfg.batch = B;
  g->cfg.steps = T;
  g->cfg.dtype = DT_F32;
  Node *x = ir_input(g, "x", xs, xdt);
  x->attr.max = xmax;
  Node *y = ir_input(g, "y", ys, ydt);
  y->attr.max = ymax;
  y->attr.target = true;
  return g;
}

/* sequence("x", 28), labels("y", classes) */
static Graph *fm_graph(int T, int F, int classes) {
  return spec_graph(4, T, ir_shape(3, 4, T, F), DT_F32, 0, ir_shape(1, 4), DT_I32, classes);
}

/* sequence("x", 1), targets("y", 1) */
static Graph *series_graph(int T) {
  return spec_graph(4, T, ir_shape(3, 4, T, 1), DT_F32, 0, ir_shape(2, 4, 1), DT_F32, 0);
}

/* sequence("x", {ids = V}), labels("y", V, {per_step = true}) */
static Graph *text_graph(int T, int V) {
  return spec_graph(4, T, ir_shape(2, 4, T), DT_I32, V, ir_shape(2, 4, T), DT_I32, V);
}

/* data_load must fail, leave d empty, start its message with `file` and contain each word. */
static void expect_error(const char *what, Graph *g, const DataOptions *o, const char *file, ...) {
  Dataset d;
  char err[600] = "";
  CHECK(data_load(what, g, o, &d, err, sizeof err) == -1, "%s: accepted", what);
  CHECK(d.train.n == 0 && d.test.n == 0 && d.train.field[0].data == NULL && d.nvocab == 0,
        "%s: a failed load left data behind", what);
  CHECK(strncmp(err, file, strlen(file)) == 0, "message does not start with %s: %s", file, err);
  va_list ap;
  va_start(ap, file);
  for (const char *w; (w = va_arg(ap, const char *));) CHECK(strstr(err, w), "message lacks \"%s\": %s", w, err);
  va_end(ap);
  ir_graph_free(g);
}

static void load_ok(const char *what, const Graph *g, const DataOptions *o, Dataset *d) {
  char err[600] = "";
  int rc = data_load(what, g, o, d, err, sizeof err);
  CHECK(rc == 0, "%s: %s", what, err);
}

static void check_field(const DataField *f, const char *name, DType dt, Shape s) {
  CHECK(strcmp(f->name, name) == 0, "field '%s', expected '%s'", f->name, name);
  CHECK(f->dtype == dt && ir_shape_eq(f->shape, s), "field '%s': dtype %d rank %d", f->name, f->dtype, f->shape.rank);
}

/* ---- IDX files ---- */

enum { SIDE = 28, PIX = SIDE * SIDE, NTRAIN = 5, NTEST = 3 };

static unsigned char pixel(int part, long i) { return (unsigned char)((i * 7 + part * 31 + 3) % 256); }
static unsigned char label(int part, long i) { return (unsigned char)((i * 3 + part) % 10); }

static void put_be32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (24 - 8 * i));
}

/* An IDX file: header words, then `nbytes` data bytes from `byte`; mode "wb" gzip, "wbT" plain. */
static void write_idx(const char *path, const char *mode, const uint32_t *words, int nwords, long nbytes,
                      unsigned char (*byte)(int, long), int part) {
  gzFile f = gzopen(path, mode);
  CHECK(f, "cannot write %s", path);
  unsigned char h[16];
  for (int i = 0; i < nwords; i++) put_be32(h + 4 * i, words[i]);
  CHECK(gzwrite(f, h, (unsigned)(4 * nwords)) == 4 * nwords, "gzwrite %s", path);
  unsigned char *b = malloc(nbytes ? (size_t)nbytes : 1);
  for (long i = 0; i < nbytes; i++) b[i] = byte(part, i);
  CHECK(gzwrite(f, b, (unsigned)nbytes) == (int)nbytes, "gzwrite %s", path);
  free(b);
  CHECK(gzclose(f) == Z_OK, "gzclose %s", path);
}

typedef struct {
  uint32_t img_magic, lbl_magic, nimg, nlbl, rows, cols;
  long img_bytes; /* data bytes actually written */
  int bad_label;  /* >= 0: this label of the train file is 10 */
} Idx;

static Idx idx_ok(int n) {
  return (Idx){2051, 2049, (uint32_t)n, (uint32_t)n, SIDE, SIDE, (long)n * PIX, -1};
}

static unsigned char bad_label_at;
static unsigned char label_bad(int part, long i) { return i == bad_label_at ? 10 : label(part, i); }

static void write_part(const char *d, const char *part, int p, Idx x, const char *mode, const char *ext) {
  char path[500];
  uint32_t iw[4] = {x.img_magic, x.nimg, x.rows, x.cols}, lw[2] = {x.lbl_magic, x.nlbl};
  snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte%s", d, part, ext);
  write_idx(path, mode, iw, 4, x.img_bytes, pixel, p);
  snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte%s", d, part, ext);
  bad_label_at = (unsigned char)x.bad_label;
  write_idx(path, mode, lw, 2, x.nlbl, x.bad_label >= 0 ? label_bad : label, p);
}

/* A directory `name` with a valid t10k pair and the train pair `train`. */
static Path fm_dir(const char *name, Idx train) {
  Path d = tmp_path("%s", name);
  CHECK(mkdir(d.s, 0700) == 0, "mkdir %s", d.s);
  write_part(d.s, "train", 0, train, "wb", ".gz");
  write_part(d.s, "t10k", 1, idx_ok(NTEST), "wb", ".gz");
  return d;
}

static void check_fm_part(const DataSplit *s, int part, long n) {
  CHECK(s->n == n && s->nfields == 2, "part %d: %ld examples, %d fields", part, s->n, s->nfields);
  check_field(&s->field[0], "x", DT_F32, ir_shape(2, SIDE, SIDE));
  check_field(&s->field[1], "y", DT_I32, ir_shape(0));
  const float *x = s->field[0].data;
  const int32_t *y = s->field[1].data;
  for (long i = 0; i < n * PIX; i++)
    CHECK(x[i] == (float)pixel(part, i) / 255.0f, "part %d pixel %ld: %g", part, i, x[i]);
  for (long i = 0; i < n; i++) CHECK(y[i] == label(part, i), "part %d label %ld: %d", part, i, y[i]);
}

static void test_fmnist_files(void) {
  Path ok = fm_dir("fm_ok", idx_ok(NTRAIN));
  Graph *g = fm_graph(SIDE, SIDE, 10);
  Dataset d;
  load_ok(ok.s, g, NULL, &d);
  CHECK(strcmp(d.source, ok.s) == 0, "source %s", d.source);
  check_fm_part(&d.train, 0, NTRAIN);
  check_fm_part(&d.test, 1, NTEST);
  CHECK(d.noise_var == 0 && d.nvocab == 0, "extras set");

  /* gather: shuffled, converted to f64 and kept f32 */
  long idx[3] = {4, 0, 2};
  double *x64 = malloc(3 * PIX * sizeof *x64);
  float *x32 = malloc(3 * PIX * sizeof *x32);
  int32_t y[3];
  data_gather(&d.train, idx, 3, DT_F64, (void *const[]){x64, y});
  for (int i = 0; i < 3; i++) {
    CHECK(y[i] == label(0, idx[i]), "gathered label %d", i);
    for (int k = 0; k < PIX; k++)
      CHECK(x64[i * PIX + k] == (double)((float)pixel(0, idx[i] * PIX + k) / 255.0f), "gathered f64 %d %d", i, k);
  }
  data_gather(&d.train, idx, 3, DT_F32, (void *const[]){x32, y});
  CHECK(memcmp(x32, (float *)d.train.field[0].data + 4 * PIX, PIX * sizeof *x32) == 0, "gathered f32");
  free(x64);
  free(x32);
  data_free(&d);
  data_free(&d); /* freeing twice is harmless */

  /* uncompressed files (gzread reads them as they are) */
  Path plain = tmp_path("fm_plain");
  CHECK(mkdir(plain.s, 0700) == 0, "mkdir");
  write_part(plain.s, "train", 0, idx_ok(NTRAIN), "wbT", "");
  write_part(plain.s, "t10k", 1, idx_ok(NTEST), "wbT", "");
  load_ok(plain.s, g, NULL, &d);
  check_fm_part(&d.train, 0, NTRAIN);
  data_free(&d);
  ir_graph_free(g);

  char f[500];
  Idx x = idx_ok(NTRAIN);
  x.img_magic = 2049;
  Path p = fm_dir("fm_img_magic", x);
  snprintf(f, sizeof f, "%s/train-images-idx3-ubyte.gz", p.s);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "not an IDX image file", "magic number 2049, expected 2051", NULL);

  x = idx_ok(NTRAIN);
  x.lbl_magic = 2051;
  p = fm_dir("fm_lbl_magic", x);
  snprintf(f, sizeof f, "%s/train-labels-idx1-ubyte.gz", p.s);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "not an IDX label file", "magic number 2051, expected 2049", NULL);

  x = idx_ok(NTRAIN);
  x.img_bytes = 4 * PIX + 100;
  p = fm_dir("fm_short", x);
  snprintf(f, sizeof f, "%s/train-images-idx3-ubyte.gz", p.s);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "truncated", "5 images of 28x28 take 3920 bytes", "has 3236",
               NULL);

  x = idx_ok(NTRAIN);
  x.nlbl = 4;
  p = fm_dir("fm_count", x);
  snprintf(f, sizeof f, "%s/train-images-idx3-ubyte.gz", p.s);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "5 images", "train-labels-idx1-ubyte.gz has 4 labels", NULL);

  x = idx_ok(NTRAIN);
  x.cols = 27;
  p = fm_dir("fm_size", x);
  snprintf(f, sizeof f, "%s/train-images-idx3-ubyte.gz", p.s);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "images are 28x27, expected 28x28", NULL);

  x = idx_ok(NTRAIN);
  x.bad_label = 3;
  p = fm_dir("fm_label", x);
  snprintf(f, sizeof f, "%s/train-labels-idx1-ubyte.gz", p.s);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "label 10 of example 3 is out of range", "'y' has 10 classes",
               NULL);

  /* a gzip stream cut in the middle: its tail lost in a copy */
  p = fm_dir("fm_cut", idx_ok(NTRAIN));
  snprintf(f, sizeof f, "%s/train-images-idx3-ubyte.gz", p.s);
  struct stat st;
  CHECK(stat(f, &st) == 0 && truncate(f, st.st_size / 2) == 0, "truncate %s", f);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "truncated", "cut short", NULL);

  /* the gzip trailer's check sum spoilt: found when the stream ends */
  p = fm_dir("fm_crc", idx_ok(NTRAIN));
  snprintf(f, sizeof f, "%s/train-labels-idx1-ubyte.gz", p.s);
  FILE *fp = fopen(f, "r+b");
  CHECK(fp && fseek(fp, -8, SEEK_END) == 0 && fputc(0x5a, fp) != EOF && fclose(fp) == 0, "spoil %s", f);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "corrupt gzip data: incorrect data check", NULL);

  x = idx_ok(NTRAIN);
  x.img_bytes = NTRAIN * PIX + 10;
  p = fm_dir("fm_long", x);
  snprintf(f, sizeof f, "%s/train-images-idx3-ubyte.gz", p.s);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "goes on after the 5 images of 28x28 its header announces", NULL);

  p = fm_dir("fm_missing", idx_ok(NTRAIN));
  snprintf(f, sizeof f, "%s/t10k-labels-idx1-ubyte.gz", p.s);
  CHECK(unlink(f) == 0, "unlink");
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "cannot open", "No such file", NULL);

  /* the spec does not fit: checked before anything is read */
  expect_error(ok.s, series_graph(10), NULL, ok.s, "the spec's input 'x' is float [10, 1] per example",
               "Fashion-MNIST gives float [28, 28]", NULL);
  expect_error(ok.s, fm_graph(SIDE, SIDE, 5), NULL, ok.s, "the spec's target 'y' is a label in [0, 5)",
               "Fashion-MNIST gives a label in [0, 10)", NULL);
  expect_error(ok.s, fm_graph(14, 56, 10), NULL, ok.s, "'x' is float [14, 56]", NULL);
}

/* ---- series ---- */

static void test_sine(void) {
  enum { T = 10 };
  Graph *g = series_graph(T);
  Dataset a, b, c;
  load_ok("sine", g, &(DataOptions){.seed = 7}, &a);
  load_ok("sine", g, &(DataOptions){.seed = 7}, &b);
  load_ok("sine", g, &(DataOptions){.seed = 8}, &c);
  CHECK(a.train.n == 11200 - 1120 - T && a.test.n == 1120 - T, "sine: %ld train, %ld test", a.train.n, a.test.n);
  CHECK(fabs(a.noise_var - 0.01) < 1e-15, "noise_var %g", a.noise_var);
  check_field(&a.train.field[0], "x", DT_F32, ir_shape(2, T, 1));
  check_field(&a.train.field[1], "y", DT_F32, ir_shape(1, 1));
  for (int p = 0; p < 2; p++) {
    const DataSplit *sa = p ? &a.test : &a.train, *sb = p ? &b.test : &b.train, *sc = p ? &c.test : &c.train;
    for (int f = 0; f < 2; f++) {
      size_t bytes = (size_t)sa->n * (size_t)ir_numel(sa->field[f].shape) * sizeof(float);
      CHECK(memcmp(sa->field[f].data, sb->field[f].data, bytes) == 0, "same seed, other values (part %d)", p);
      CHECK(memcmp(sa->field[f].data, sc->field[f].data, bytes) != 0, "other seed, same values (part %d)", p);
    }
  }
  /* windows at stride 1: window i is s_i .. s_{i+T-1}, y = s_{i+T}; test starts at 11200 - 1120 */
  const float *x = a.train.field[0].data, *y = a.train.field[1].data;
  for (long i = 0; i + 1 < a.train.n; i++) CHECK(x[(i + 1) * T + T - 1] == y[i], "window %ld: y is not the next value", i);
  CHECK(((float *)a.test.field[1].data)[0] != y[a.train.n - 1], "test overlaps train");
  /* the documented series: the noise has mean 0 and variance 0.01 */
  double sum = 0, sum2 = 0;
  for (long i = 0; i < a.train.n; i++) {
    double e = y[i] - sin(2 * 3.14159265358979323846 * (double)(i + T) / 50);
    sum += e;
    sum2 += e * e;
  }
  double mean = sum / (double)a.train.n, var = sum2 / (double)a.train.n - mean * mean;
  CHECK(fabs(mean) < 0.005 && fabs(var - 0.01) < 0.001, "noise mean %g variance %g", mean, var);
  /* the last-value predictor: two noises and one step of the sine, 2 sigma^2 + (1 - cos(2 pi / 50)) on average */
  double naive = data_last_value_mse(&a.test, a.test.n), expect = 0.02 + 1 - cos(2 * 3.14159265358979323846 / 50);
  CHECK(fabs(naive - expect) < 0.004, "last-value mse %g, expected about %g", naive, expect);
  CHECK(isnan(data_unigram_bits(&a.train)), "a series has no unigram entropy");
  data_free(&a);
  data_free(&b);
  data_free(&c);
  ir_graph_free(g);
  expect_error("sine", fm_graph(SIDE, SIDE, 10), NULL, "sine", "the spec's input 'x' is float [28, 28]",
               "the sine series gives float [28, 1]", NULL);
  expect_error("sine", text_graph(T, 65), NULL, "sine", "'x' is int32 [10] in [0, 65)", NULL);
  expect_error("sine", series_graph(T), &(DataOptions){.test_fraction = 1.5}, "sine", "test fraction", NULL);
}

static void test_csv(void) {
  Path p = tmp_path("series.csv");
  write_text(p.s, "value,label\r\n1.5,a\r\n\r\n-2, b\n3e1\n  4 ;x\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20");
  /* values 1.5 -2 30 4 5 .. 20: 20 values */
  Graph *g;
  Dataset d;
  /* 20 values, window 2: 18 train values -> 16 windows; 2 test values are too few for a window and its next */
  g = series_graph(2);
  expect_error(p.s, g, NULL, p.s, "20 values are too few for windows of 2", "the last 10%, 2 values", NULL);
  g = series_graph(2);
  load_ok(p.s, g, &(DataOptions){.test_fraction = 0.25}, &d); /* 15 + 5 values */
  CHECK(d.train.n == 13 && d.test.n == 3, "csv: %ld train, %ld test", d.train.n, d.test.n);
  const float *x = d.train.field[0].data, *y = d.train.field[1].data;
  CHECK(x[0] == 1.5f && x[1] == -2 && y[0] == 30 && x[2] == -2 && x[3] == 30 && y[1] == 4, "csv values %g %g %g",
        x[0], x[1], y[0]);
  const float *tx = d.test.field[0].data, *ty = d.test.field[1].data;
  CHECK(tx[0] == 16 && tx[1] == 17 && ty[0] == 18 && ty[2] == 20, "csv test values %g %g %g", tx[0], tx[1], ty[0]);
  /* last value against the next: (-2 - 30)^2, (30 - 4)^2, then ten steps of 1 (4 -> 5 .. 14 -> 15) */
  CHECK(data_last_value_mse(&d.train, d.train.n) == (1024.0 + 676 + 11) / 13, "last-value mse %.17g",
        data_last_value_mse(&d.train, d.train.n));
  CHECK(data_last_value_mse(&d.train, 2) == 850 && data_last_value_mse(&d.test, 100) == 1, "last-value mse of %g, %g",
        data_last_value_mse(&d.train, 2), data_last_value_mse(&d.test, 100));
  CHECK(isnan(data_last_value_mse(&d.train, 0)), "no examples: NaN");
  data_free(&d);
  ir_graph_free(g);

  /* window option: must agree with the spec's steps */
  g = series_graph(4);
  load_ok(p.s, g, &(DataOptions){.window = 4, .test_fraction = 0.25}, &d);
  CHECK(d.train.n == 11 && d.test.n == 1, "csv window 4: %ld, %ld", d.train.n, d.test.n);
  data_free(&d);
  expect_error(p.s, g, &(DataOptions){.window = 3}, p.s, "the spec's input 'x' is float [4, 1]",
               "the CSV series gives float [3, 1]", NULL);
  expect_error(p.s, series_graph(50), NULL, p.s, "the window of 50 values is longer than the series",
               "need 51 values, the series has 20", NULL);

  Path bad = tmp_path("bad.csv");
  write_text(bad.s, "1\n2\n3\n\n4\n5x\n6\n");
  char where[500];
  snprintf(where, sizeof where, "%s:6: not a number: '5x'", bad.s);
  expect_error(bad.s, series_graph(2), NULL, where, NULL);
  write_text(bad.s, "t,v\n1\nnan\n");
  snprintf(where, sizeof where, "%s:3:", bad.s);
  expect_error(bad.s, series_graph(2), NULL, where, "'nan'", NULL);
  write_text(bad.s, "header only\n\n");
  expect_error(bad.s, series_graph(2), NULL, bad.s, "no numbers", NULL);
  Path none = tmp_path("none.csv");
  expect_error(none.s, series_graph(2), NULL, none.s, "No such file", NULL);
}

/* ---- text ---- */

static void test_text(void) {
  enum { T = 4 };
  char text[200] = "";
  for (int i = 0; i < 10; i++) strcat(text, "abracadabra"); /* a 50, b 20, r 20, c 10, d 10; 110 bytes */
  Path p = tmp_path("abra.txt");
  write_text(p.s, text);

  Graph *g = text_graph(T, 4);
  Dataset d;
  load_ok(p.s, g, NULL, &d);
  /* V = 4: a, b, r by frequency, in byte order; c and d share id 3, shown as c (ties: lower byte) */
  CHECK(d.nvocab == 4 && memcmp(d.vocab, "abrc", 4) == 0, "vocab %d '%.*s'", d.nvocab, d.nvocab, d.vocab);
  int32_t id[256];
  for (int c = 0; c < 256; c++) id[c] = -1;
  id['a'] = 0, id['b'] = 1, id['r'] = 2, id['c'] = 3, id['d'] = 3;
  /* split at 110 - 11 = 99: train chunks start at 0, 4, .. while 4i + 5 <= 99; test chunks at 99 + 4i */
  CHECK(d.train.n == 24 && d.test.n == 2, "text: %ld train, %ld test", d.train.n, d.test.n);
  check_field(&d.train.field[0], "x", DT_I32, ir_shape(1, T));
  check_field(&d.train.field[1], "y", DT_I32, ir_shape(1, T));
  for (int part = 0; part < 2; part++) {
    const DataSplit *s = part ? &d.test : &d.train;
    const int32_t *x = s->field[0].data, *y = s->field[1].data;
    for (long i = 0; i < s->n; i++)
      for (int t = 0; t < T; t++) {
        long at = (part ? 99 : 0) + i * T + t;
        CHECK(x[i * T + t] == id[(unsigned char)text[at]], "part %d x[%ld][%d]", part, i, t);
        CHECK(y[i * T + t] == id[(unsigned char)text[at + 1]], "part %d y[%ld][%d]: targets not shifted", part, i, t);
      }
  }
  long idx[2] = {1, 0};
  int32_t gx[2 * T], gy[2 * T];
  data_gather(&d.train, idx, 2, DT_F64, (void *const[]){gx, gy});
  CHECK(memcmp(gx, (int32_t *)d.train.field[0].data + T, T * sizeof *gx) == 0 && gy[T] == id['b'], "gather ids");
  data_free(&d);
  ir_graph_free(g);

  g = text_graph(T, 65); /* more ids than bytes: each byte its own */
  load_ok(p.s, g, NULL, &d);
  CHECK(d.nvocab == 5 && memcmp(d.vocab, "abcdr", 5) == 0, "vocab %d '%.*s'", d.nvocab, d.nvocab, d.vocab);
  data_free(&d);
  ir_graph_free(g);

  /* a directory: files in name order, each once (a link to one is skipped), hidden ones too */
  Path tdir = tmp_path("texts");
  CHECK(mkdir(tdir.s, 0700) == 0, "mkdir");
  Path f1 = tmp_path("texts/b"), f2 = tmp_path("texts/a"), f3 = tmp_path("texts/.hidden"), l1 = tmp_path("texts/c");
  write_text(f1.s, "012345678901234567890123456789");
  write_text(f2.s, "abcdefghijabcdefghijabcdefghij");
  write_text(f3.s, "zzzzzzzzzz");
  CHECK(symlink("a", l1.s) == 0, "symlink");
  g = text_graph(T, 30);
  load_ok(tdir.s, g, NULL, &d); /* 60 bytes: a, then b; split at 54 */
  CHECK(d.nvocab == 20 && d.train.n == 13 && d.test.n == 1, "dir: %d ids, %ld + %ld chunks", d.nvocab, d.train.n,
        d.test.n);
  const int32_t *x = d.train.field[0].data;
  CHECK(d.vocab[x[0]] == 'a' && d.vocab[x[7 * T + 2]] == '0', "directory order: %c %c", d.vocab[x[0]],
        d.vocab[x[7 * T + 2]]);
  data_free(&d);
  ir_graph_free(g);

  /* unigram entropy of the targets: "aaab" repeated, T = 4: every y is "aaba", 3/4 a and 1/4 b */
  Path aaab = tmp_path("aaab.txt");
  char text2[401] = "";
  for (int i = 0; i < 100; i++) strcat(text2, "aaab");
  write_text(aaab.s, text2);
  g = text_graph(T, 65);
  load_ok(aaab.s, g, NULL, &d);
  double bits = data_unigram_bits(&d.train), want = -(0.75 * log2(0.75) + 0.25 * log2(0.25));
  CHECK(fabs(bits - want) < 1e-12, "unigram entropy %.17g, expected %.17g (0.811...)", bits, want);
  CHECK(isnan(data_last_value_mse(&d.test, d.test.n)), "text has no last-value predictor");
  data_free(&d);
  ir_graph_free(g);

  Path empty = tmp_path("empty.txt");
  write_text(empty.s, "");
  expect_error(empty.s, text_graph(T, 65), NULL, empty.s, "empty text", NULL);
  Path shortp = tmp_path("short.txt");
  write_text(shortp.s, "0123456789");
  expect_error(shortp.s, text_graph(T, 65), NULL, shortp.s, "10 bytes of text are too few for chunks of 5", NULL);
  expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, p.s, "the spec's input 'x' is float [28, 28]",
               "text gives int32 [28] (character ids)", NULL);
  expect_error(p.s, spec_graph(4, T, ir_shape(2, 4, T), DT_I32, 65, ir_shape(2, 4, T), DT_I32, 64), NULL, p.s,
               "the spec's target 'y' is int32 [4] in [0, 64)", NULL);
  expect_error("no/such/file", text_graph(T, 65), NULL, "no/such/file", "No such file", "fashion-mnist, sine", NULL);
}

/* ---- the real specs through the front end ---- */

static Graph *spec(const char *name) {
  char path[600];
  snprintf(path, sizeof path, "%s/specs/%s", srcdir, name);
  Graph *g = fe_load(path, &(FeOptions){.dtype = -1, .training = true});
  CHECK(g, "cannot load %s", path);
  return g;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void test_real(void) {
  Graph *g = spec("fmnist_lstm.lua");
  Dataset d;
  double t0 = now();
  load_ok("fashion-mnist", g, NULL, &d);
  double dt = now() - t0;
  CHECK(strcmp(d.source, "/usr/share/datasets/fashion-mnist") == 0, "source %s", d.source);
  CHECK(d.train.n == 60000 && d.test.n == 10000, "Fashion-MNIST: %ld train, %ld test", d.train.n, d.test.n);
  const DataSplit *parts[2] = {&d.train, &d.test};
  const unsigned long long pixels[2] = {3431114169ull, 573469082ull}, labels[2] = {270000, 45000};
  for (int p = 0; p < 2; p++) {
    const float *x = parts[p]->field[0].data;
    const int32_t *y = parts[p]->field[1].data;
    unsigned long long px = 0, lb = 0;
    for (long i = 0; i < parts[p]->n * PIX; i++) px += (unsigned long long)lrintf(x[i] * 255.0f);
    for (long i = 0; i < parts[p]->n; i++) lb += (unsigned long long)y[i];
    CHECK(y[0] == 9, "first label %d", y[0]); /* an ankle boot, in both files */
    CHECK(px == pixels[p] && lb == labels[p], "part %d: pixel sum %llu, label sum %llu", p, px, lb);
  }
  printf("Fashion-MNIST: 60000 + 10000 images loaded in %.3f s\n", dt);
  CHECK(isnan(data_last_value_mse(&d.test, d.test.n)) && isnan(data_unigram_bits(&d.train)),
        "images with labels have neither baseline");
  data_free(&d);
  ir_graph_free(g);

  /* the other specs with the sources they are written for */
  g = spec("sine_rnn.lua");
  load_ok("sine", g, &(DataOptions){.seed = 1}, &d);
  CHECK(d.train.n == 11200 - 1120 - 10, "sine_rnn: %ld", d.train.n);
  data_free(&d);
  ir_graph_free(g);
  g = spec("lstm_dropout.lua");
  load_ok("sine", g, NULL, &d);
  data_free(&d);
  ir_graph_free(g);
  g = spec("charlm_lstm.lua");
  t0 = now();
  load_ok("/usr/share/common-licenses", g, NULL, &d);
  dt = now() - t0;
  /* 86 distinct bytes, fewer than the spec's 96 ids: one id each */
  CHECK(d.nvocab == 86 && d.train.n > 1000, "charlm: %d ids, %ld chunks", d.nvocab, d.train.n);
  printf("/usr/share/common-licenses: %ld + %ld chunks of 65 bytes, %d ids, %.3f s\n", d.train.n, d.test.n, d.nvocab,
         dt);
  data_free(&d);
  load_ok("/usr/share/common-licenses/GPL-3", g, NULL, &d);
  printf("/usr/share/common-licenses/GPL-3: %ld + %ld chunks\n", d.train.n, d.test.n);
  data_free(&d);
  expect_error("fashion-mnist", g, NULL, "/usr/share/datasets/fashion-mnist", "the spec's input 'x' is int32 [64] in [0, 96)",
               "Fashion-MNIST gives float [28, 28]", NULL);
}

/* ---- hostile files ---- */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1 /* its shadow memory needs terabytes of address space */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Limits the address space to 3 GB (unless under ASan), so that a loader
 * sizing an allocation by a lying header fails "out of memory" instead of
 * reporting the truncation; then puts the old limit back. */
static void with_small_address_space(void (*test)(void)) {
  struct rlimit old, small;
  CHECK(getrlimit(RLIMIT_AS, &old) == 0, "getrlimit");
  small = old;
#ifndef UNDER_ASAN
  if (old.rlim_max == RLIM_INFINITY || old.rlim_max > (3ul << 30)) small.rlim_cur = 3ul << 30;
#endif
  CHECK(setrlimit(RLIMIT_AS, &small) == 0, "setrlimit");
  test();
  CHECK(setrlimit(RLIMIT_AS, &old) == 0, "setrlimit back");
}

/* A 17-byte label file (header: 4294967295 labels; then 9 bytes), plain and gzip'd. */
static void test_lying_idx_count(void) {
  const char *kinds[][2] = {{"wbT", ""}, {"wb", ".gz"}};
  for (int k = 0; k < 2; k++) {
    Path p = tmp_path("fm_17%s", kinds[k][1]);
    CHECK(mkdir(p.s, 0700) == 0, "mkdir %s", p.s);
    write_part(p.s, "train", 0, idx_ok(NTRAIN), kinds[k][0], kinds[k][1]);
    write_part(p.s, "t10k", 1, idx_ok(NTEST), kinds[k][0], kinds[k][1]);
    char f[500];
    snprintf(f, sizeof f, "%s/train-labels-idx1-ubyte%s", p.s, kinds[k][1]);
    uint32_t words[2] = {2049, 0xffffffffu};
    write_idx(f, kinds[k][0], words, 2, 9, label, 0);
    if (k == 0) {
      struct stat st;
      CHECK(stat(f, &st) == 0 && st.st_size == 17, "%s is not 17 bytes", f);
    }
    expect_error(p.s, fm_graph(SIDE, SIDE, 10), NULL, f, "truncated",
                 "4294967295 labels take 4294967295 bytes after the header, the file has 9", NULL);
  }
}

static void test_hostile(void) {
  with_small_address_space(test_lying_idx_count);

  Path fifo = tmp_path("fifo.csv");
  CHECK(mkfifo(fifo.s, 0600) == 0, "mkfifo %s", fifo.s);
  expect_error(fifo.s, series_graph(4), NULL, fifo.s, "not a dataset but a device, a pipe or a socket", NULL);

  /* an IDX file that is a FIFO: refused at once, not read until a writer comes */
  Path fm = tmp_path("fm_fifo");
  CHECK(mkdir(fm.s, 0700) == 0, "mkdir %s", fm.s);
  write_part(fm.s, "train", 0, idx_ok(NTRAIN), "wb", "");
  write_part(fm.s, "t10k", 1, idx_ok(NTEST), "wb", "");
  char labels[500];
  snprintf(labels, sizeof labels, "%s/train-labels-idx1-ubyte", fm.s);
  CHECK(unlink(labels) == 0 && mkfifo(labels, 0600) == 0, "mkfifo %s", labels);
  expect_error(fm.s, fm_graph(SIDE, SIDE, 10), NULL, labels, "not a regular file but a pipe", NULL);

  Path bin = tmp_path("binary");
  static const char text_with_nul[] = "abc\0defghijklmnopqrstuvwxyz";
  FILE *fp = fopen(bin.s, "wb");
  CHECK(fp && fwrite(text_with_nul, 1, sizeof text_with_nul - 1, fp) == sizeof text_with_nul - 1 && fclose(fp) == 0,
        "write %s", bin.s);
  expect_error(bin.s, text_graph(4, 8), NULL, bin.s, "not text: byte 3 is NUL", NULL);
}

static void remove_tree(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) fprintf(stderr, "test_data: could not remove %s\n", path);
}

/* A split of n examples whose fields point at the arrays given (shapes per example). */
static DataSplit split_of(long n, int nfields, const DataField *fields) {
  DataSplit s = {.n = n, .nfields = nfields};
  for (int f = 0; f < nfields; f++) s.field[f] = fields[f];
  return s;
}

/* The baselines on hand-made splits: naive Bayes over ids within the
 * lengths, and the last value against a forecast of several steps. */
static void test_baselines(void) {
  /* class 0 writes an 'a', class 1 a 'b'; what stands past the lengths is the other letter, so
   * that counting it would turn the evidence round */
  int32_t xs[4][3] = {{'a', 'b', 'b'}, {'b', 'a', 'a'}, {'a', 'b', 'b'}, {'b', 'a', 'a'}};
  int32_t ys[4] = {0, 1, 0, 1}, lens[4] = {1, 1, 1, 1};
  DataField f[3] = {{"x", DT_I32, {1, {3}}, xs}, {"y", DT_I32, {0, {0}}, ys}, {"x_len", DT_I32, {0, {0}}, lens}};
  DataSplit train = split_of(4, 3, f);
  int32_t tx[2][3] = {{'b', 'b', 'b'}, {'a', 'a', 'a'}}, ty[2] = {1, 0}, tl[2] = {1, 1};
  DataField g[3] = {{"x", DT_I32, {1, {3}}, tx}, {"y", DT_I32, {0, {0}}, ty}, {"x_len", DT_I32, {0, {0}}, tl}};
  DataSplit test = split_of(2, 3, g);
  CHECK(data_bytes_bayes(&train, &test, 2, 2) == 1.0, "naive Bayes: %g", data_bytes_bayes(&train, &test, 2, 2));
  CHECK(data_bytes_bayes(&train, &test, 1, 2) == 1.0, "naive Bayes on the first example");
  ty[0] = 0; /* now the first test example is labelled against its letter */
  CHECK(data_bytes_bayes(&train, &test, 2, 2) == 0.5, "naive Bayes with a wrong label: %g",
        data_bytes_bayes(&train, &test, 2, 2));
  DataSplit floats = split_of(4, 2, (DataField[]){{"x", DT_F32, {2, {3, 1}}, xs}, {"y", DT_F32, {1, {1}}, ys}});
  CHECK(isnan(data_bytes_bayes(&floats, &floats, 4, 2)), "naive Bayes of floats: NaN");
  /* windows of 2 values, forecasts of 3: the last value against each */
  float wx[2][2] = {{0, 1}, {5, 2}}, wy[2][3] = {{1, 2, 3}, {2, 2, 0}};
  DataSplit series = split_of(2, 2, (DataField[]){{"x", DT_F32, {2, {2, 1}}, wx}, {"y", DT_F32, {2, {3, 1}}, wy}});
  CHECK(data_last_value_mse(&series, 2) == (0 + 1 + 4 + 0 + 0 + 4) / 6.0, "last value against 3 steps: %g",
        data_last_value_mse(&series, 2));
}

int main(int argc, char **argv) {
  if (argc > 1) srcdir = argv[1];
  CHECK(mkdtemp(dir), "mkdtemp");
  test_fmnist_files();
  test_sine();
  test_csv();
  test_text();
  test_baselines();
  test_hostile();
  test_real();
  remove_tree(dir);
  return check_done("test_data");
}

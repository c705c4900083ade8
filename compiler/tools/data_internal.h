/*
 * data_internal.h - what data.c shares with the reader of each source
 * (data_fm.c, data_series.c, data_text.c, data_words.c): the spec's input,
 * target and lengths as data_load found them (Load), messages, and the
 * fields the readers fill.  Each reader returns 0, or -1 with its message in
 * L->err ("FILE: what is wrong").
 */
#ifndef RNNC_DATA_INTERNAL_H
#define RNNC_DATA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "data.h"
#include "readfile.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define WORDS_DIR "/usr/share/dict"

enum { DATA_MAX_BYTES = 1 << 30 }; /* of a text or CSV source: its examples take 8 times that */

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

int data_fail(Load *L, const char *fmt, ...) IR_PRINTF(2, 3); /* -1, with the message */
/* The spec's input or target n (ex: its shape per example) is not what the source gives. */
int data_mismatch(Load *L, const Node *n, Shape ex, const char *source, const char *gives);
bool data_is_float_shape(const Node *n, Shape ex, int rank, int d0, int d1);
/* Field f of split s: n examples of `shape`, named after the spec's node; NULL out of memory. */
void *data_field_new(Load *L, DataSplit *s, int f, const Node *spec, DType dt, Shape shape, long n);
/* A file whole, as bytes (at most DATA_MAX_BYTES). */
int data_read_file(Load *L, const char *path, FileBytes *b);

int data_fm_load(Load *L, const char *dir);
bool data_fm_dir(const char *dir); /* holds Fashion-MNIST's files */
int data_sine_load(Load *L, const Graph *g, uint64_t seed);
int data_csv_load(Load *L, const Graph *g, int window);
int data_text_load(Load *L, const Graph *g, bool dir);
int data_words_load(Load *L);

#endif

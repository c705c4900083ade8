/*
 * data.h - datasets for `rnnc train`, `rnnc eval`: real data from Debian's
 * packages or made deterministically, as arrays of examples.
 *
 * Sources (DATA on the command line):
 *   fashion-mnist   Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist,
 *                   gzip'd IDX files read with zlib), or a directory holding the
 *                   four files: x = 28 rows of 28 pixels scaled to [0, 1], y = label
 *   sine            a noisy sine wave made from the seed; windows of `steps`
 *                   values, y = the next value (noise_var says how noisy)
 *   FILE.csv        a series (first column), cut in windows of `window` values
 *   any other file  text for a character model: x = `steps` character ids,
 *                   y = the same shifted by one; the vocabulary is the text's
 *                   most frequent characters, the rest share the last id
 *   words           Debian's English, French, German, Italian and Spanish word
 *                   lists: x = a word's bytes (with its length, if the spec's
 *                   sequence has lengths), y = its language
 * (data.c picks the source; data_fm.c, data_series.c, data_text.c and
 * data_words.c read them; data_baselines.c has the baselines below.)
 * Which one a spec can use follows from its inputs x and y (names and shapes
 * per example, as summary shows them); a mismatch is an error naming the
 * spec's input and the data's shape.
 *
 * Every malformed input (wrong magic, truncated file, label out of range,
 * window longer than the series, empty text) is an error naming the file and
 * what is wrong; nothing aborts.
 */
#ifndef RNNC_DATA_H
#define RNNC_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

enum { DATA_MAX_FIELDS = 4, DATA_MAX_VOCAB = 256 };

/* One named array: n examples of `shape` (without the batch axis). */
typedef struct {
  char name[32];
  DType dtype; /* DT_F32 for floats (converted to the model's dtype when gathered), DT_I32 for ids */
  Shape shape;
  void *data;  /* n * ir_numel(shape) elements */
} DataField;

typedef struct {
  long n;
  int nfields;
  DataField field[DATA_MAX_FIELDS];
} DataSplit;

typedef struct {
  DataSplit train, test;
  char source[512];           /* what was read, for messages and the checkpoint */
  double noise_var;           /* sine: the variance of the noise added (else 0) */
  int nvocab;                 /* text: ids in use; vocab[id] is its character (byte) */
  unsigned char vocab[DATA_MAX_VOCAB];
} Dataset;

typedef struct {
  uint64_t seed;         /* sine: the series; text/series: nothing (splits are fixed) */
  int window;            /* CSV: values per window (0: the spec's steps) */
  double test_fraction;  /* sine, CSV, text: the held-out tail (0: 0.1) */
} DataOptions;

/* Loads `what` for the spec's forward graph g (its inputs x and y decide the
 * shapes).  0, or -1 with a message in err. */
int data_load(const char *what, const Graph *g, const DataOptions *o, Dataset *d, char *err, size_t errlen);
void data_free(Dataset *d);

/* Copies examples idx[0..count) of s, field by field, to dest[f] (count *
 * per-example elements, floats converted to dt). */
void data_gather(const DataSplit *s, const long *idx, int count, DType dt, void *const *dest);

/* Baselines a model's loss is read against, from the data alone (NaN when s
 * is not of that kind):
 * - a series (x float [W, F], y float [F] or [H, F]): the mean squared error,
 *   over the first n examples of s, of predicting y (each of its H rows) by
 *   the window's last value x[W-1];
 * - text (x and y int32 [T]): the entropy in bits of the ids of y (every
 *   position of every example; for a training split, the unigram entropy of
 *   its text with the rarer bytes folded into the shared id);
 * - a sequence classifier (x int32 ids [T], y a label in [0, classes), and
 *   the sequences' lengths as field 2 if the data has them): the accuracy on
 *   the first n examples of test of naive Bayes over the ids (a bag of
 *   characters), trained on train. */
double data_last_value_mse(const DataSplit *s, long n);
double data_unigram_bits(const DataSplit *s);
double data_bytes_bayes(const DataSplit *train, const DataSplit *test, long n, int classes);

#endif

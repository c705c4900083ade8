/*
 * data_words.c - a word's language, from Debian's word lists.
 *
 * The lines of /usr/share/dict/{american-english, french, ngerman, italian,
 * spanish} (packages wamerican, wfrench, wngerman, witalian, wspanish),
 * labelled 0 to 4 in that order; from each, WORDS_PER_LANGUAGE evenly spaced
 * through the list (all if it has fewer), every 1/test_fraction-th of them
 * held out for the test part; the languages take turns in each part.  x = the
 * word's bytes as ids (UTF-8, so an accented letter is two), cut at the
 * spec's steps and padded with 0; its sequence's lengths input (field 2), if
 * the spec reads one, the number of real ones.
 */
#include "data_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  WORDS_PER_LANGUAGE = 20000,
  WORDS_MAX_BYTES = 64 << 20, /* of one word list (Debian's largest: 4.7 MB) */
};

static const char *const WORD_LISTS[] = {"american-english", "french", "ngerman", "italian", "spanish"};
enum { WORD_LANGUAGES = sizeof WORD_LISTS / sizeof WORD_LISTS[0] };

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
    return data_mismatch(L, L->x, L->xs, source, "int32 [T] in [0, 256) (a word's bytes)");
  if (ir_is_float(L->y->dtype) || L->ys.rank != 0 || L->y->attr.max != WORD_LANGUAGES)
    return data_mismatch(L, L->y, L->ys, source, "a label in [0, 5) (English, French, German, Italian, Spanish)");
  return 0;
}

/* Reads the five lists, then fills both splits with their words in turn
 * (English, French, ..., English, ...), so that any first N examples (--limit)
 * hold every language alike. */
int data_words_load(Load *L) {
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
    if (rc == 0 && n < 0) rc = data_fail(L, "%s: out of memory", path);
    if (rc == 0 && n == 0) rc = data_fail(L, "%s: no words", path);
    count[c] = n < 0 ? 0 : n < WORDS_PER_LANGUAGE ? n : WORDS_PER_LANGUAGE;
    for (long i = 0; i < count[c]; i++) held_out(i, L->test_fraction) ? ntest++ : ntrain++;
  }
  DataSplit *parts[2] = {&L->d->train, &L->d->test};
  long total[2] = {ntrain, ntest}, filled[2] = {0, 0};
  Shape one = {0, {0}};
  for (int p = 0; rc == 0 && p < 2; p++)
    if (!data_field_new(L, parts[p], 0, L->x, DT_I32, L->xs, total[p]) ||
        !data_field_new(L, parts[p], 1, L->y, DT_I32, L->ys, total[p]) ||
        (L->len && !data_field_new(L, parts[p], 2, L->len, DT_I32, one, total[p])))
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

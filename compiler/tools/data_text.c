/*
 * data_text.c - text for character models, from a file or a directory's files.
 *
 * Ids are bytes.  If the text has at most V distinct bytes each gets its own
 * id, in byte order.  Otherwise the V-1 most frequent (ties: lower byte
 * first) get ids 0..V-2 in byte order and id V-1 is shared by all the others;
 * vocab[V-1] is the most frequent of those.  Examples are chunks of T+1 bytes
 * at stride T within each part (x = the first T, y = the last T); the test
 * part is the last test_fraction of the text.
 */
#define _POSIX_C_SOURCE 200809L /* opendir, stat */
#include "data_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One file whole, or a directory's files appended, as bytes. */
int data_read_file(Load *L, const char *path, FileBytes *b) {
  return file_append(b, path, "text or CSV data", DATA_MAX_BYTES, L->err, L->errlen);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The directory's regular files (each once), concatenated in name order. */
static int read_text_dir(Load *L, const char *dir, FileBytes *b) {
  DIR *dp = opendir(dir);
  if (!dp) return data_fail(L, "%s: cannot open: %s", dir, strerror(errno));
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  for (struct dirent *e; rc == 0 && (e = readdir(dp));) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **p = realloc(names, cap * sizeof *p);
      if (!p) {
        rc = data_fail(L, "%s: out of memory", dir);
        break;
      }
      names = p;
    }
    if (!(names[n] = malloc(strlen(e->d_name) + 1))) rc = data_fail(L, "%s: out of memory", dir);
    else strcpy(names[n++], e->d_name);
  }
  closedir(dp);
  if (names) qsort(names, n, sizeof *names, cmp_names);
  struct stat *seen = rc ? NULL : calloc(n ? n : 1, sizeof *seen);
  if (!seen && rc == 0) rc = data_fail(L, "%s: out of memory", dir);
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
    rc = data_read_file(L, path, b);
  }
  if (rc == 0 && nseen == 0) rc = data_fail(L, "%s: no files to read as text", dir);
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
  free(seen);
  return rc;
}

/* ---- text ---- */

static int text_spec(Load *L, int steps) { /* steps: the spec's, for the message */
  char gives[96];
  int v = L->x->attr.max;
  snprintf(gives, sizeof gives, "int32 [%d] (character ids)", steps);
  if (ir_is_float(L->x->dtype) || L->xs.rank != 1 || v < 1) return data_mismatch(L, L->x, L->xs, "text", gives);
  snprintf(gives, sizeof gives, "int32 [%d] in [0, %d) (the next character at every step)", L->xs.dim[0], v);
  if (ir_is_float(L->y->dtype) || L->ys.rank != 1 || L->ys.dim[0] != L->xs.dim[0] || L->y->attr.max != v)
    return data_mismatch(L, L->y, L->ys, "text", gives);
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

int data_text_load(Load *L, const Graph *g, bool dir) {
  snprintf(L->d->source, sizeof L->d->source, "%s", L->src);
  if (text_spec(L, g->cfg.steps)) return -1;
  FileBytes b = {0};
  int rc = dir ? read_text_dir(L, L->src, &b) : data_read_file(L, L->src, &b);
  if (rc == 0 && b.n == 0) rc = data_fail(L, "%s: empty text", L->src);
  const char *nul = rc == 0 ? memchr(b.p, 0, b.n) : NULL;
  if (nul) rc = data_fail(L, "%s: not text: byte %zu is NUL (a binary file?)", L->src, (size_t)(nul - b.p));
  int T = L->xs.dim[0];
  long n = (long)b.n, split = n - lround((double)n * L->test_fraction);
  long ntrain = split > T ? (split - 1) / T : 0, ntest = n - split > T ? (n - split - 1) / T : 0;
  if (rc == 0 && (ntrain < 1 || ntest < 1))
    rc = data_fail(L, "%s: %ld bytes of text are too few for chunks of %d: the training part (%ld bytes) and the test "
                 "part (the last %g%%, %ld bytes) each need at least %d", L->src, n, T + 1, split,
              100 * L->test_fraction, n - split, T + 1);
  int32_t id[256];
  if (rc == 0) text_vocab(&b, L->x->attr.max, L->d, id);
  DataSplit *parts[2] = {&L->d->train, &L->d->test};
  long start[2] = {0, split}, count[2] = {ntrain, ntest};
  for (int p = 0; rc == 0 && p < 2; p++) {
    int32_t *x = data_field_new(L, parts[p], 0, L->x, DT_I32, L->xs, count[p]);
    int32_t *y = x ? data_field_new(L, parts[p], 1, L->y, DT_I32, L->ys, count[p]) : NULL;
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

/*
 * data.c - the datasets of data.h, read or made whole into memory as arrays
 * of examples, already split into a training and a test part.
 *
 * data_load first finds the spec's model input and target (exactly one
 * input and one target, and the lengths of the input's sequence if the spec
 * reads them; the fields take their names, so field 0 is the input, field 1
 * the target and field 2 the lengths) and picks the source from DATA:
 *   "fashion-mnist"  Debian's /usr/share/datasets/fashion-mnist (data_fm.c);
 *   "sine"           a noisy sine made from the seed (data_series.c);
 *   "words"          Debian's word lists of five languages (data_words.c);
 *   a directory      Fashion-MNIST if it holds train-images-idx3-ubyte(.gz),
 *                    else text: its regular files (symlinks followed, each
 *                    file once, hidden files skipped) concatenated in byte
 *                    order of their names, e.g. /usr/share/common-licenses
 *                    (data_text.c);
 *   FILE.csv         a series (case-insensitive suffix; data_series.c);
 *   any other file   text.
 * The spec's shapes per example (batch axis dropped) are checked against what
 * the source gives before anything large is read.  The baselines a model is
 * read against are in data_baselines.c.
 */
#define _POSIX_C_SOURCE 200809L /* stat */
#include "data_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_TEST_FRACTION 0.1
#define DATA_KINDS "DATA is fashion-mnist, sine, words, a .csv file, a text file or a directory"

int data_fail(Load *L, const char *fmt, ...) {
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
int data_mismatch(Load *L, const Node *n, Shape ex, const char *source, const char *gives) {
  char have[128];
  spec_text(n, ex, have);
  return data_fail(L, "%s: the spec's %s '%s' is %s per example, but %s gives %s", L->src,
              n->attr.target ? "target" : "input", n->attr.name, have, source, gives);
}

bool data_is_float_shape(const Node *n, Shape ex, int rank, int d0, int d1) {
  if (!ir_is_float(n->dtype) || ex.rank != rank) return false;
  return (rank < 1 || ex.dim[0] == d0) && (rank < 2 || ex.dim[1] == d1);
}

static int find_io(Load *L, const Graph *g) {
  for (int i = 0; i < g->ninputs; i++) {
    const Node *n = g->inputs[i];
    const Node **slot = ir_sequence_of_lengths(g, n) ? &L->len : n->attr.target ? &L->y : &L->x;
    if (*slot)
      return data_fail(L, "%s: the spec has two %ss, '%s' and '%s'; a dataset gives one input and one target",
                  L->src, n->attr.target ? "target" : "input", (*slot)->attr.name, n->attr.name);
    *slot = n;
  }
  if (!L->x) return data_fail(L, "%s: the spec has no input (sequence() or input())", L->src);
  if (!L->y) return data_fail(L, "%s: the spec has no target (labels() or targets())", L->src);
  if (L->len && ir_sequence_of_lengths(g, L->len) != L->x)
    return data_fail(L, "%s: the spec's lengths '%s' are not those of its input '%s'", L->src, L->len->attr.name,
                L->x->attr.name);
  L->xs = drop_batch(L->x->shape);
  L->ys = drop_batch(L->y->shape);
  return 0;
}

/* ---- fields ---- */

/* Field f of s: n examples of `shape`, named after the spec's node. */
void *data_field_new(Load *L, DataSplit *s, int f, const Node *spec, DType dt, Shape shape, long n) {
  DataField *fl = &s->field[f];
  snprintf(fl->name, sizeof fl->name, "%s", spec->attr.name);
  fl->dtype = dt;
  fl->shape = shape;
  size_t bytes = (size_t)n * (size_t)ir_numel(shape) * ir_dtype_size(dt);
  fl->data = malloc(bytes ? bytes : 1);
  if (!fl->data) {
    data_fail(L, "%s: out of memory (%zu bytes for %ld examples)", L->src, bytes, n);
    return NULL;
  }
  if (s->nfields < f + 1) s->nfields = f + 1;
  s->n = n;
  return fl->data;
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
    return data_fail(&L, "%s: the test fraction must be between 0 and 1, got %g", what, L.test_fraction);
  if (o && o->window < 0) return data_fail(&L, "%s: the window must be positive, got %d", what, o->window);
  if (find_io(&L, g)) return -1;
  int rc;
  if (strcmp(what, "fashion-mnist") == 0) {
    L.src = FMNIST_DIR;
    rc = data_fm_load(&L, FMNIST_DIR);
  } else if (strcmp(what, "sine") == 0) {
    rc = data_sine_load(&L, g, o ? o->seed : 0);
  } else if (strcmp(what, "words") == 0) {
    L.src = WORDS_DIR;
    rc = data_words_load(&L);
  } else {
    struct stat st;
    if (stat(what, &st) != 0)
      return data_fail(&L, "%s: %s (%s)", what, strerror(errno), DATA_KINDS);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
      return data_fail(&L, "%s: not a dataset but a device, a pipe or a socket; %s", what, DATA_KINDS);
    if (S_ISDIR(st.st_mode)) rc = data_fm_dir(what) ? data_fm_load(&L, what) : data_text_load(&L, g, true);
    else if (ends_with_csv(what)) rc = data_csv_load(&L, g, o ? o->window : 0);
    else rc = data_text_load(&L, g, false);
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

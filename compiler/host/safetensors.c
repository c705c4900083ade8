/*
 * safetensors.c - read and write safetensors files (see safetensors.h).
 *
 * Reading trusts nothing: the 8-byte header length is checked against the
 * file size (and a 100 MB cap) before anything is allocated, the JSON header
 * is parsed by cJSON and every entry is validated (dtype, shape, offsets, size
 * = numel * dtype size, unique names) before its bytes are read.  Each error
 * names the file and the tensor.  st_read fills an StFile from scratch and
 * leaves it empty on failure.
 *
 * Writing lays tensors out contiguously in insertion order behind a header
 * padded with spaces to a multiple of 8 bytes (the safetensors convention, so
 * data is 8-byte aligned), writes a temporary (rnnc_tmp.h: PATH.rnnc-PID.tmp,
 * removed by a later write if a kill leaves it), checks fflush and fclose,
 * then renames it over PATH: a failure at any point removes the temporary and
 * leaves an existing PATH untouched.
 *
 * Tensor bytes are copied as they are, so the host must be little-endian like
 * the format (checked at compile time below).
 *
 * st_read_memory reads bytes in memory through fmemopen, so that a file and a
 * buffer go through the very same parser (fuzz/ feeds it that way).
 */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include "safetensors.h"

#include "rnnc_tmp.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c copies tensor bytes verbatim: it needs a little-endian host"
#endif

enum { ST_HEADER_LEN_BYTES = 8 };
#define ST_MAX_HEADER (100u << 20)         /* a larger header means a corrupt or foreign file */
#define ST_MAX_JSON_INT 9007199254740992.0 /* 2^53: JSON numbers are doubles in cJSON */

static const struct {
  const char *name;
  size_t size;
} st_dtypes[] = {
    [ST_F32] = {"F32", 4}, [ST_F64] = {"F64", 8}, [ST_I32] = {"I32", 4},
    [ST_I64] = {"I64", 8}, [ST_U8] = {"U8", 1},
};
enum { ST_NDTYPES = sizeof st_dtypes / sizeof st_dtypes[0] };

/* Valid safetensors dtypes this module does not handle: named as such in errors. */
static const char *const st_unsupported[] = {"BOOL", "I8",  "I16",  "U16",     "U32",
                                             "U64",  "F16", "BF16", "F8_E4M3", "F8_E5M2"};

/* ---- dtypes, shapes, tensors ---- */

size_t st_dtype_size(StDType dt) { return (unsigned)dt < ST_NDTYPES ? st_dtypes[dt].size : 0; }

const char *st_dtype_name(StDType dt) {
  return (unsigned)dt < ST_NDTYPES ? st_dtypes[dt].name : "?";
}

int64_t st_numel(const StTensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->shape[i];
  return n;
}

char *st_shape_str(char *buf, size_t size, int rank, const int64_t *shape) {
  size_t k = (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < rank && k < size; i++)
    k += (size_t)snprintf(buf + k, size - k, "%s%" PRId64, i ? ", " : "", shape[i]);
  if (k < size) snprintf(buf + k, size - k, "]");
  return buf;
}

double st_get(const StTensor *t, int64_t i) {
  switch (t->dtype) {
  case ST_F32:
    return ((const float *)t->data)[i];
  case ST_F64:
    return ((const double *)t->data)[i];
  case ST_I32:
    return ((const int32_t *)t->data)[i];
  case ST_I64:
    return (double)((const int64_t *)t->data)[i];
  case ST_U8:
    return ((const uint8_t *)t->data)[i];
  }
  return 0;
}

/* Element count and byte size of a shape; false if either overflows int64.
 * A zero dimension makes the tensor empty whatever the other dimensions are. */
static bool st_size(StDType dt, int rank, const int64_t *shape, int64_t *numel, int64_t *bytes) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++)
    if (shape[i] == 0) n = 0;
  for (int i = 0; i < rank && n; i++) {
    if (n > INT64_MAX / shape[i]) return false;
    n *= shape[i];
  }
  int64_t esize = (int64_t)st_dtype_size(dt);
  if (n > INT64_MAX / esize) return false;
  *numel = n;
  *bytes = n * esize;
  return true;
}

static char *st_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  return p ? memcpy(p, s, n) : NULL;
}

/* Room for one more element in a growable array: the (possibly moved) array,
 * which the caller stores at once, or NULL with the old one still valid. */
static void *st_reserve(void *arr, int n, int *cap, size_t elem) {
  if (n < *cap) return arr;
  int ncap = *cap ? *cap * 2 : 8;
  void *p = realloc(arr, (size_t)ncap * elem);
  if (p) *cap = ncap;
  return p;
}

void st_init(StFile *f) { memset(f, 0, sizeof *f); }

void st_free(StFile *f) {
  for (int i = 0; i < f->ntensors; i++) {
    free(f->tensors[i].name);
    free(f->tensors[i].data);
  }
  for (int i = 0; i < f->nmeta; i++) {
    free(f->meta[i].key);
    free(f->meta[i].value);
  }
  free(f->tensors);
  free(f->meta);
  free(f->path);
  st_init(f);
}

StTensor *st_find(const StFile *f, const char *name) {
  for (int i = 0; i < f->ntensors; i++)
    if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
  return NULL;
}

/* NULL on a bad dtype, rank or dimension, or when out of memory. */
StTensor *st_add(StFile *f, const char *name, StDType dtype, int rank, const int64_t *shape,
                 const void *data) {
  StTensor t = {.dtype = dtype, .rank = rank};
  int64_t numel, bytes;
  if ((unsigned)dtype >= ST_NDTYPES || rank < 0 || rank > ST_MAXDIM) return NULL;
  for (int i = 0; i < rank; i++) {
    if (shape[i] < 0) return NULL;
    t.shape[i] = shape[i];
  }
  if (!st_size(dtype, rank, shape, &numel, &bytes) || (uint64_t)bytes > SIZE_MAX - 1) return NULL;
  t.name = st_strdup(name);
  t.data =
      data ? malloc((size_t)bytes + 1) : calloc((size_t)bytes + 1, 1); /* +1: never malloc(0) */
  StTensor *slot = st_find(f, name);
  StTensor *arr = slot ? f->tensors : st_reserve(f->tensors, f->ntensors, &f->cap, sizeof t);
  if (arr) f->tensors = arr;
  if (!t.name || !t.data || !arr) {
    free(t.name);
    free(t.data);
    return NULL;
  }
  if (data) memcpy(t.data, data, (size_t)bytes);
  if (slot) {
    free(slot->name);
    free(slot->data);
  } else {
    slot = &f->tensors[f->ntensors++];
  }
  *slot = t;
  return slot;
}

int st_set_meta(StFile *f, const char *key, const char *value) {
  char *v = st_strdup(value);
  if (!v) return -1;
  for (int i = 0; i < f->nmeta; i++)
    if (strcmp(f->meta[i].key, key) == 0) {
      free(f->meta[i].value);
      f->meta[i].value = v;
      return 0;
    }
  char *k = st_strdup(key);
  StMeta *arr = st_reserve(f->meta, f->nmeta, &f->capmeta, sizeof *arr);
  if (arr) f->meta = arr;
  if (!k || !arr) {
    free(k);
    free(v);
    return -1;
  }
  f->meta[f->nmeta++] = (StMeta){k, v};
  return 0;
}

const char *st_get_meta(const StFile *f, const char *key) {
  for (int i = 0; i < f->nmeta; i++)
    if (strcmp(f->meta[i].key, key) == 0) return f->meta[i].value;
  return NULL;
}

/* ---- errors ---- */

typedef struct {
  const char *path;
  char *err;
  size_t errlen;
} StErr;

/* "PATH: msg" or "PATH: tensor 'NAME': msg"; returns -1. */
static int st_fail(const StErr *e, const char *tensor, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (tensor)
    snprintf(e->err, e->errlen, "%s: tensor '%s': %s", e->path, tensor, msg);
  else
    snprintf(e->err, e->errlen, "%s: %s", e->path, msg);
  return -1;
}

/* ---- reading: the header ---- */

static int st_cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* cJSON keeps every duplicate key of an object: reject them (sorting the keys
 * keeps this O(n log n) for files with many tensors). */
static int st_check_unique(const StErr *e, const char *tensor, const cJSON *obj, const char *what) {
  int n = cJSON_GetArraySize(obj), i = 0;
  const char **keys = malloc((size_t)(n ? n : 1) * sizeof *keys);
  if (!keys) return st_fail(e, tensor, "out of memory");
  for (const cJSON *it = obj->child; it; it = it->next) keys[i++] = it->string;
  qsort(keys, (size_t)n, sizeof *keys, st_cmp_str);
  int rc = 0;
  for (i = 1; i < n && !rc; i++)
    if (strcmp(keys[i - 1], keys[i]) == 0)
      rc = st_fail(e, tensor, "%s '%s' appears twice", what, keys[i]);
  free(keys);
  return rc;
}

/* Parses the n header bytes (json[n] is a NUL); only whitespace may follow the object. */
static cJSON *st_parse_header(const StErr *e, const char *json, size_t n) {
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(json, n, &end, false);
  if (!root) {
    st_fail(e, NULL, "header is not valid JSON (error at header byte %td)", end ? end - json : 0);
    return NULL;
  }
  size_t k = (size_t)(end - json);
  while (k < n && json[k] && strchr(" \t\r\n", json[k])) k++;
  if (k < n)
    st_fail(e, NULL, "header has unexpected bytes after the JSON object (at header byte %zu)", k);
  else if (!cJSON_IsObject(root))
    st_fail(e, NULL, "header is not a JSON object");
  else if (st_check_unique(e, NULL, root, "tensor") == 0)
    return root;
  cJSON_Delete(root);
  return NULL;
}

static int st_read_meta(const StErr *e, const cJSON *meta, StFile *f) {
  if (!cJSON_IsObject(meta)) return st_fail(e, NULL, "__metadata__ is not an object");
  if (st_check_unique(e, NULL, meta, "__metadata__ key")) return -1;
  for (const cJSON *it = meta->child; it; it = it->next) {
    if (!cJSON_IsString(it))
      return st_fail(e, NULL, "__metadata__ value of '%s' is not a string", it->string);
    if (st_set_meta(f, it->string, it->valuestring)) return st_fail(e, NULL, "out of memory");
  }
  return 0;
}

/* ---- reading: one tensor entry ---- */

/* A JSON number that is a non-negative integer cJSON holds exactly. */
static bool st_json_count(const cJSON *it, int64_t *v) {
  if (!cJSON_IsNumber(it)) return false;
  double d = it->valuedouble;
  if (!(d >= 0 && d <= ST_MAX_JSON_INT && d == floor(d))) return false;
  *v = (int64_t)d;
  return true;
}

static int st_parse_dtype(const StErr *e, const char *name, const cJSON *it, StDType *dt) {
  if (!cJSON_IsString(it)) return st_fail(e, name, "dtype is missing or not a string");
  for (int i = 0; i < ST_NDTYPES; i++)
    if (strcmp(it->valuestring, st_dtypes[i].name) == 0) {
      *dt = (StDType)i;
      return 0;
    }
  for (size_t i = 0; i < sizeof st_unsupported / sizeof *st_unsupported; i++)
    if (strcmp(it->valuestring, st_unsupported[i]) == 0)
      return st_fail(e, name, "dtype %s is not supported (use F32, F64, I32, I64 or U8)",
                     it->valuestring);
  return st_fail(e, name, "unknown dtype '%s'", it->valuestring);
}

static int st_parse_shape(const StErr *e, const char *name, const cJSON *it, StTensor *t) {
  if (!cJSON_IsArray(it)) return st_fail(e, name, "shape is missing or not an array");
  int rank = cJSON_GetArraySize(it);
  if (rank > ST_MAXDIM)
    return st_fail(e, name, "shape has rank %d, more than the %d supported", rank, ST_MAXDIM);
  int i = 0;
  for (const cJSON *d = it->child; d; d = d->next, i++)
    if (!st_json_count(d, &t->shape[i]))
      return st_fail(
          e, name, "shape must be an array of non-negative integers (dimension %d is not)", i + 1);
  t->rank = rank;
  return 0;
}

static int st_parse_offsets(const StErr *e, const char *name, const cJSON *it, int64_t off[2],
                            int64_t data_size) {
  if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 || !st_json_count(it->child, &off[0]) ||
      !st_json_count(it->child->next, &off[1]))
    return st_fail(e, name, "data_offsets must be two non-negative integers [begin, end]");
  if (off[1] < off[0])
    return st_fail(e, name, "data_offsets [%" PRId64 ", %" PRId64 "]: end is before begin", off[0],
                   off[1]);
  if (off[1] > data_size)
    return st_fail(e, name,
                   "data_offsets [%" PRId64 ", %" PRId64 "] reach beyond the data area (%" PRId64
                   " bytes)",
                   off[0], off[1], data_size);
  return 0;
}

/* Validates entry `it` into t (dtype, rank, shape) and off ([begin, end)). */
static int st_parse_entry(const StErr *e, const cJSON *it, StTensor *t, int64_t off[2],
                          int64_t data_size) {
  const char *name = it->string;
  if (!cJSON_IsObject(it)) return st_fail(e, name, "entry is not an object");
  if (st_check_unique(e, name, it, "key") ||
      st_parse_dtype(e, name, cJSON_GetObjectItemCaseSensitive(it, "dtype"), &t->dtype) ||
      st_parse_shape(e, name, cJSON_GetObjectItemCaseSensitive(it, "shape"), t) ||
      st_parse_offsets(e, name, cJSON_GetObjectItemCaseSensitive(it, "data_offsets"), off,
                       data_size))
    return -1;
  char shape[160];
  st_shape_str(shape, sizeof shape, t->rank, t->shape);
  int64_t numel, bytes;
  if (!st_size(t->dtype, t->rank, t->shape, &numel, &bytes))
    return st_fail(e, name, "shape %s has too many elements", shape);
  if (bytes != off[1] - off[0])
    return st_fail(e, name,
                   "data_offsets [%" PRId64 ", %" PRId64 "] hold %" PRId64
                   " bytes, but %s %s needs %" PRId64,
                   off[0], off[1], off[1] - off[0], st_dtype_name(t->dtype), shape, bytes);
  return 0;
}

/* Reads n bytes at file offset pos. */
static int st_read_at(const StErr *e, const char *tensor, FILE *fp, int64_t pos, void *buf,
                      size_t n) {
  if (fseek(fp, (long)pos, SEEK_SET) != 0 || fread(buf, 1, n, fp) != n)
    return st_fail(e, tensor, "read error: %s", ferror(fp) ? strerror(errno) : "file is truncated");
  return 0;
}

static int st_read_tensor(const StErr *e, const cJSON *it, FILE *fp, int64_t data_start,
                          int64_t data_size, StFile *f) {
  StTensor spec;
  int64_t off[2] = {0, 0};
  if (st_parse_entry(e, it, &spec, off, data_size)) return -1;
  StTensor *t = st_add(f, it->string, spec.dtype, spec.rank, spec.shape, NULL);
  if (!t) return st_fail(e, it->string, "out of memory");
  return st_read_at(e, it->string, fp, data_start + off[0], t->data, (size_t)(off[1] - off[0]));
}

/* ---- reading: the file ---- */

static int st_file_size(const StErr *e, FILE *fp, int64_t *size) {
  long n;
  if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0)
    return st_fail(e, NULL, "cannot find the file size: %s", strerror(errno));
  *size = n;
  return 0;
}

static int st_read_header_len(const StErr *e, FILE *fp, int64_t size, int64_t *len) {
  unsigned char b[ST_HEADER_LEN_BYTES];
  if (size < ST_HEADER_LEN_BYTES)
    return st_fail(e, NULL, "file is %" PRId64 " bytes, too short for the 8-byte header length",
                   size);
  if (st_read_at(e, NULL, fp, 0, b, sizeof b)) return -1;
  uint64_t n = 0;
  for (int i = ST_HEADER_LEN_BYTES - 1; i >= 0; i--) n = n << 8 | b[i];
  if (n > ST_MAX_HEADER)
    return st_fail(e, NULL,
                   "header length %" PRIu64 " is absurd (over 100 MB): not a safetensors file?", n);
  if ((int64_t)n > size - ST_HEADER_LEN_BYTES)
    return st_fail(e, NULL,
                   "header length %" PRIu64 " is larger than the %" PRId64 " bytes after it", n,
                   size - ST_HEADER_LEN_BYTES);
  *len = (int64_t)n;
  return 0;
}

static int st_read_entries(const StErr *e, const cJSON *root, FILE *fp, int64_t data_start,
                           int64_t data_size, StFile *f) {
  for (const cJSON *it = root->child; it; it = it->next) {
    int rc = strcmp(it->string, "__metadata__") == 0
                 ? st_read_meta(e, it, f)
                 : st_read_tensor(e, it, fp, data_start, data_size, f);
    if (rc) return -1;
  }
  return 0;
}

static int st_read_file(const StErr *e, FILE *fp, StFile *f) {
  int64_t size = 0, n = 0; /* set on success; zeroed for gcc's flow analysis */
  if (st_file_size(e, fp, &size) || st_read_header_len(e, fp, size, &n)) return -1;
  char *json = malloc((size_t)n + 1);
  if (!json) return st_fail(e, NULL, "out of memory for a %" PRId64 "-byte header", n);
  cJSON *root = NULL;
  if (st_read_at(e, NULL, fp, ST_HEADER_LEN_BYTES, json, (size_t)n) == 0) {
    json[n] = '\0';
    root = st_parse_header(e, json, (size_t)n);
  }
  free(json);
  if (!root) return -1;
  int64_t data_start = ST_HEADER_LEN_BYTES + n;
  int rc = st_read_entries(e, root, fp, data_start, size - data_start, f);
  cJSON_Delete(root);
  return rc;
}

/* Reads fp (NULL: it could not be opened) and closes it; f->path becomes e->path. */
static int st_read_stream(const StErr *e, FILE *fp, StFile *f) {
  st_init(f);
  if (!fp) return st_fail(e, NULL, "cannot open: %s", strerror(errno));
  int rc = st_read_file(e, fp, f);
  fclose(fp);
  if (!rc && !(f->path = malloc(strlen(e->path) + 1))) rc = st_fail(e, NULL, "out of memory");
  if (rc) st_free(f);
  else strcpy(f->path, e->path);
  return rc;
}

int st_read(const char *path, StFile *f, char *err, size_t errlen) {
  StErr e = {path, err, errlen};
  return st_read_stream(&e, fopen(path, "rb"), f);
}

int st_read_memory(const void *data, size_t size, const char *name, StFile *f, char *err,
                   size_t errlen) {
  StErr e = {name, err, errlen};
  /* mode "rb" never writes to the buffer; glibc accepts size 0 */
  return st_read_stream(&e, fmemopen((void *)data, size, "rb"), f);
}

/* ---- writing ---- */

static bool st_json_add_numbers(cJSON *obj, const char *key, int n, const int64_t *v) {
  cJSON *arr = cJSON_AddArrayToObject(obj, key);
  bool ok = arr != NULL;
  for (int i = 0; i < n && ok; i++) {
    cJSON *num = cJSON_CreateNumber((double)v[i]);
    ok = num && cJSON_AddItemToArray(arr, num);
    if (!ok) cJSON_Delete(num);
  }
  return ok;
}

static bool st_json_tensor(cJSON *root, const StTensor *t, int64_t off[2]) {
  cJSON *obj = cJSON_AddObjectToObject(root, t->name);
  return obj && cJSON_AddStringToObject(obj, "dtype", st_dtype_name(t->dtype)) &&
         st_json_add_numbers(obj, "shape", t->rank, t->shape) &&
         st_json_add_numbers(obj, "data_offsets", 2, off);
}

static bool st_json_meta(cJSON *root, const StFile *f) {
  if (f->nmeta == 0) return true;
  cJSON *obj = cJSON_AddObjectToObject(root, "__metadata__");
  bool ok = obj != NULL;
  for (int i = 0; i < f->nmeta && ok; i++)
    ok = cJSON_AddStringToObject(obj, f->meta[i].key, f->meta[i].value) != NULL;
  return ok;
}

/* The header text, padded with spaces to a multiple of 8 bytes; NULL when out of memory. */
static char *st_make_header(const StFile *f, size_t *len) {
  cJSON *root = cJSON_CreateObject();
  bool ok = root && st_json_meta(root, f);
  int64_t off[2] = {0, 0};
  for (int i = 0; i < f->ntensors && ok; i++) {
    off[0] = off[1];
    off[1] += st_numel(&f->tensors[i]) * (int64_t)st_dtype_size(f->tensors[i].dtype);
    ok = st_json_tensor(root, &f->tensors[i], off);
  }
  char *json = ok ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (!json) return NULL;
  size_t n = strlen(json), padded = (n + 7) / 8 * 8;
  char *text = malloc(padded);
  if (text) {
    memcpy(text, json, n);
    memset(text + n, ' ', padded - n);
    *len = padded;
  }
  cJSON_free(json);
  return text;
}

/* Everything after opening: length, header, data.  A failed write sets the
 * stream's error indicator, which rnnc_tmp_commit checks. */
static void st_write_stream(FILE *fp, const char *header, size_t hlen, const StFile *f) {
  unsigned char b[ST_HEADER_LEN_BYTES];
  for (int i = 0; i < ST_HEADER_LEN_BYTES; i++) b[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
  fwrite(b, 1, sizeof b, fp);
  fwrite(header, 1, hlen, fp);
  for (int i = 0; i < f->ntensors && !ferror(fp); i++) {
    const StTensor *t = &f->tensors[i];
    fwrite(t->data, 1, (size_t)st_numel(t) * st_dtype_size(t->dtype), fp);
  }
}

int st_write(const char *path, const StFile *f, char *err, size_t errlen) {
  StErr e = {path, err, errlen};
  size_t hlen = 0, tmplen = strlen(path) + 64;
  char *tmp = malloc(tmplen);
  char *header = tmp ? st_make_header(f, &hlen) : NULL;
  int rc = 0;
  if (!header) {
    rc = st_fail(&e, NULL, "out of memory building the header");
  } else {
    FILE *fp = rnnc_tmp_open(path, tmp, tmplen);
    if (!fp) {
      rc = st_fail(&e, NULL, "cannot create %s: %s", tmp, strerror(errno));
    } else {
      st_write_stream(fp, header, hlen, f);
      if (rnnc_tmp_commit(fp, tmp, path)) rc = st_fail(&e, NULL, "cannot write: %s", strerror(errno));
    }
  }
  free(header);
  free(tmp);
  return rc;
}

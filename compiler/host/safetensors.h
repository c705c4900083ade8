/*
 * safetensors.h - read and write safetensors files (host side).
 *
 * Format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length N, then N bytes of JSON mapping each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
 * byte after the header) plus an optional "__metadata__" string->string map,
 * then the raw little-endian data.
 *
 * This module is for tools (rnnc itself, the training driver, tests); the
 * generated model code never depends on it.  Every failure returns -1 with a
 * message naming the file and what is wrong; nothing aborts on bad input.
 * Writing goes to PATH.tmp first and is renamed over PATH, so a crash or a
 * full disk never destroys an existing file.
 */
#ifndef RNNC_SAFETENSORS_H
#define RNNC_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { ST_F32, ST_F64, ST_I32, ST_I64, ST_U8 } StDType;

enum { ST_MAXDIM = 8 };

typedef struct {
  char *name;
  StDType dtype;
  int rank;
  int64_t shape[ST_MAXDIM];
  void *data; /* owned; numel * st_dtype_size(dtype) bytes */
} StTensor;

typedef struct {
  char *key, *value;
} StMeta;

typedef struct {
  char *path;        /* owned: the file st_read read (for messages); NULL when built in memory */
  StTensor *tensors; /* in file order when read; insertion order when written */
  int ntensors, cap;
  StMeta *meta;
  int nmeta, capmeta;
} StFile;

void st_init(StFile *f);
void st_free(StFile *f);

int st_read(const char *path, StFile *f, char *err, size_t errlen);
/* As st_read, from the size bytes at data (not NULL); name stands for the file
 * in messages and becomes f->path. */
int st_read_memory(const void *data, size_t size, const char *name, StFile *f, char *err,
                   size_t errlen);
int st_write(const char *path, const StFile *f, char *err, size_t errlen);

/* Adds a tensor, copying data (NULL: zero-filled).  Replaces one of the same name. */
StTensor *st_add(StFile *f, const char *name, StDType dtype, int rank, const int64_t *shape,
                 const void *data);
StTensor *st_find(const StFile *f, const char *name);
int st_set_meta(StFile *f, const char *key, const char *value);
const char *st_get_meta(const StFile *f, const char *key);

size_t st_dtype_size(StDType dt);
const char *st_dtype_name(StDType dt); /* "F32", "F64", "I32", "I64", "U8" */
int64_t st_numel(const StTensor *t);
/* Formats a shape as "[4, 8]" into buf (cut to size bytes) and returns buf.
 * Public so that every module reporting a shape mismatch (bind.c) prints
 * shapes the same way. */
char *st_shape_str(char *buf, size_t size, int rank, const int64_t *shape);
/* Element i (row-major) of t as a double, whatever its dtype (I64 beyond 2^53
 * rounds).  Shared by every reader of values: bind.c and `rnnc` summaries. */
double st_get(const StTensor *t, int64_t i);

#endif

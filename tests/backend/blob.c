/*
 * blob.c - NAME_init, NAME_store and NAME_load of a generated model, built
 * by blob.sh with -DMODEL=name -DMODEL_UPPER=NAME -include name.h.
 * store then load gives the parameters back bit for bit, from an unaligned
 * blob; a short buffer, a short blob and another layout's blob are refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define API(f) CAT(MODEL, f)
#define SIZE(m) CAT(MODEL_UPPER, m)

static int check(int ok, const char *what) {
  if (!ok) printf("FAIL: %s\n", what);
  return ok;
}

int main(void) {
  float *p = calloc(1, SIZE(_PARAMS_BYTES)), *q = calloc(1, SIZE(_PARAMS_BYTES));
  unsigned char *blob = malloc(SIZE(_BLOB_BYTES) + 1);
  void *arena = malloc(SIZE(_INIT_ARENA_BYTES));
  if (!p || !q || !blob || !arena) return 2;
  API(_init)(p, 3, arena);
  int ok = check(API(_store)(p, blob + 1, SIZE(_BLOB_BYTES)) == 0, "store to an unaligned blob");
  ok &= check(API(_load)(q, blob + 1, SIZE(_BLOB_BYTES)) == 0, "load it back");
  ok &= check(memcmp(p, q, SIZE(_PARAMS_BYTES)) == 0, "the same parameters");
  ok &= check(API(_load)(q, blob + 1, SIZE(_BLOB_BYTES) - 1) == -1, "a short blob is refused");
  ok &= check(API(_store)(p, blob + 1, 31) == -1, "a short buffer is refused");
  blob[1 + 9] ^= 1; /* the layout hash */
  ok &= check(API(_load)(q, blob + 1, SIZE(_BLOB_BYTES)) == -1, "another layout is refused");
  free(p), free(q), free(blob), free(arena);
  printf("%s\n", ok ? "blob: ok" : "blob: FAILED");
  return !ok;
}

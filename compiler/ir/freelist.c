/*
 * freelist.c - best fit over a sorted, coalesced free list (freelist.h).
 *
 * A linear scan per call: graphs have thousands of buffers and the list
 * stays short, since neighbours merge as they come back.
 */
#include "freelist.h"

#include <stdint.h>
#include <stdlib.h>

#include "alloc.h"

static size_t aligned(size_t bytes) {
  size_t up = size_add(bytes, FREELIST_ALIGN - 1);
  return up == SIZE_MAX ? SIZE_MAX : up / FREELIST_ALIGN * FREELIST_ALIGN;
}

size_t freelist_take(FreeList *f, size_t bytes) {
  size_t size = aligned(bytes);
  int best = -1;
  for (int i = 0; i < f->n; i++)
    if (f->free[i].size >= size && (best < 0 || f->free[i].size < f->free[best].size)) best = i;
  if (best < 0) {
    size_t at = f->top;
    f->top = size_add(f->top, size);
    return at;
  }
  size_t at = f->free[best].offset;
  f->free[best].offset += size;
  f->free[best].size -= size;
  return at;
}

void freelist_give_back(FreeList *f, size_t offset, size_t bytes) {
  size_t size = aligned(bytes);
  int i = 0;
  while (i < f->n && f->free[i].offset < offset) i++;
  f->free = mem_grow(f->free, f->n, &f->cap, sizeof *f->free, "a free list of buffers");
  for (int k = f->n; k > i; k--) f->free[k] = f->free[k - 1];
  f->free[i] = (FreeRange){offset, size};
  f->n++;
  if (i + 1 < f->n && f->free[i].offset + f->free[i].size == f->free[i + 1].offset) {
    f->free[i].size += f->free[i + 1].size;
    for (int k = i + 1; k + 1 < f->n; k++) f->free[k] = f->free[k + 1];
    f->n--;
  }
  if (i > 0 && f->free[i - 1].offset + f->free[i - 1].size == f->free[i].offset) {
    f->free[i - 1].size += f->free[i].size;
    for (int k = i; k + 1 < f->n; k++) f->free[k] = f->free[k + 1];
    f->n--;
  }
}

void freelist_free(FreeList *f) {
  free(f->free);
  f->free = NULL;
  f->n = f->cap = 0;
}

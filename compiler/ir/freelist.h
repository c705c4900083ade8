/*
 * freelist.h - offsets in one block of memory, taken and given back.
 *
 * Both backends keep a scheduled graph's values in one block laid out by
 * liveness: generated code in its arena (codegen/memplan.c), the interpreter
 * in the block it allocates on its first run and reuses after
 * (interp/interp.c).  Each walks its own order of work and knows when a
 * buffer is first written and last read; this is the placement they share.
 * A buffer taken gets the smallest free range it fits (best fit, the first
 * such by offset), or the block grows by it; a buffer given back returns to
 * the free list, kept sorted by offset and merged with its neighbours.
 * Every size is rounded up to FREELIST_ALIGN, so each buffer is aligned as
 * the block is (generated code's kernels use aligned vector loads).
 *
 * The list is only offsets: no memory is allocated for the block itself.
 */
#ifndef RNNC_FREELIST_H
#define RNNC_FREELIST_H

#include <stddef.h>

enum { FREELIST_ALIGN = 64 };

typedef struct {
  size_t offset, size;
} FreeRange;

typedef struct {
  FreeRange *free; /* sorted by offset */
  int n, cap;
  size_t top; /* the block's size so far; SIZE_MAX once it has overflowed */
} FreeList;

/* The offset of a new buffer of `bytes`.  Once top is SIZE_MAX the offsets
 * mean nothing: the caller fails on that top, as mem_alloc does. */
size_t freelist_take(FreeList *f, size_t bytes);
/* Gives back the buffer of `bytes` that freelist_take placed at offset. */
void freelist_give_back(FreeList *f, size_t offset, size_t bytes);
/* Frees the list (not top: the block's size stays readable). */
void freelist_free(FreeList *f);

#endif

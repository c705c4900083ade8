/*
 * alloc.h - sizes and heap memory for every layer of rnnc.
 *
 * Every size rnnc allocates comes from something a user chose (a spec's
 * shapes, --batch, --steps, a checkpoint), so a size is computed with
 * arithmetic that cannot overflow and memory that cannot be had is a user
 * error (exit 1, naming the size and what it was for), never a crash or an
 * internal error.  size_mul and size_add saturate at SIZE_MAX: a chain of
 * them needs one check at its end, and SIZE_MAX bytes is a request no
 * allocator grants, so a saturated size fails as out of memory.
 *
 * The lowest layer: it depends on nothing else of rnnc.
 */
#ifndef RNNC_ALLOC_H
#define RNNC_ALLOC_H

#include <stddef.h>

size_t size_mul(size_t a, size_t b); /* a * b, or SIZE_MAX on overflow */
size_t size_add(size_t a, size_t b); /* a + b, or SIZE_MAX on overflow */

/* n elements of `size` bytes (at least one byte, so NULL means failure);
 * `what` names them in the out-of-memory message: "rnnc: error: out of
 * memory allocating 4.2 GB (what)", exit 1.  mem_calloc zeroes them. */
void *mem_alloc(size_t n, size_t size, const char *what);
void *mem_calloc(size_t n, size_t size, const char *what);
void *mem_realloc(void *p, size_t n, size_t size, const char *what);
/* mem_calloc's, at an address that is a multiple of MEM_LINE (free() frees
 * it): the buffers kernels sweep with vector loads, which cost twice as
 * much when each straddles two cache lines (glibc's large blocks start 16
 * bytes into a page). */
enum { MEM_LINE = 64 };
void *mem_calloc_lines(size_t n, size_t size, const char *what);

/* The out-of-memory error of a failed allocation of `bytes` made elsewhere
 * (the runtime's): exit 1.  SIZE_MAX: a size that overflowed on its way. */
_Noreturn void mem_fail(size_t bytes, const char *what);

/* A growable array p of *cap elements of `size` bytes holding n: room for
 * one more, doubling *cap when full (from 16). */
void *mem_grow(void *p, int n, int *cap, size_t size, const char *what);

/* "4.2 GB", "512 bytes": a size for a message, in buf (24 bytes suffice). */
const char *mem_size_str(size_t bytes, char *buf, size_t buflen);

#endif

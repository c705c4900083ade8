/*
 * test_alloc.c - the overflow-safe sizes and the allocation wrapper (alloc.c).
 *
 * size_mul and size_add on both sides of SIZE_MAX (saturating, never
 * wrapping), mem_size_str's units, and that the wrapper hands out usable,
 * zeroed (mem_calloc), cache-line aligned (mem_calloc_lines) and growing
 * (mem_grow) memory.  Its failure, exit 1
 * with the size, is tested on the rnnc command by tests/sizes/run.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"

static void test_size_mul(void) {
  const size_t half = (size_t)1 << (sizeof(size_t) * 4); /* its square is SIZE_MAX + 1 */
  CHECK(size_mul(0, SIZE_MAX) == 0, "0 x SIZE_MAX");
  CHECK(size_mul(SIZE_MAX, 1) == SIZE_MAX, "SIZE_MAX x 1");
  CHECK(size_mul(6, 7) == 42, "6 x 7");
  CHECK(size_mul(half - 1, half) == SIZE_MAX - half + 1, "just fits: (2^k - 1) 2^k");
  CHECK(size_mul(half, half) == SIZE_MAX, "2^k x 2^k overflows: saturates");
  CHECK(size_mul(SIZE_MAX / 3 + 1, 3) == SIZE_MAX, "overflow by a little saturates");
  CHECK(size_mul(size_mul(half, half), 0) == 0, "a saturated size times 0");
  CHECK(size_mul(size_mul(1 << 20, 1 << 20), size_mul(1 << 20, 1 << 20)) == SIZE_MAX,
        "2^80: a chain saturates once and stays");
}

static void test_size_add(void) {
  CHECK(size_add(2, 3) == 5, "2 + 3");
  CHECK(size_add(SIZE_MAX - 1, 1) == SIZE_MAX, "fits exactly");
  CHECK(size_add(SIZE_MAX - 1, 2) == SIZE_MAX, "overflow saturates");
  CHECK(size_add(SIZE_MAX, SIZE_MAX) == SIZE_MAX, "SIZE_MAX + SIZE_MAX");
}

static void test_size_str(void) {
  char buf[32];
  CHECK(!strcmp(mem_size_str(512, buf, sizeof buf), "512 bytes"), "got %s", buf);
  CHECK(!strcmp(mem_size_str(4200000000u, buf, sizeof buf), "4.2 GB"), "got %s", buf);
  CHECK(!strcmp(mem_size_str(1536000, buf, sizeof buf), "1.5 MB"), "got %s", buf);
}

static void test_wrapper(void) {
  unsigned char *z = mem_calloc(1000, 4, "test");
  for (int i = 0; i < 4000; i++) CHECK(z[i] == 0, "mem_calloc byte %d is %d", i, z[i]);
  free(z);
  for (size_t n = 1; n < 300; n += 37) { /* sizes that are and are not multiples of a line */
    unsigned char *l = mem_calloc_lines(n, 3, "test");
    CHECK((uintptr_t)l % MEM_LINE == 0, "mem_calloc_lines(%zu, 3) at %p, not on a %d-byte line", n, (void *)l,
          MEM_LINE);
    for (size_t i = 0; i < 3 * n; i++) CHECK(l[i] == 0, "mem_calloc_lines byte %zu is %d", i, l[i]);
    free(l);
  }
  void *empty = mem_alloc(0, 8, "test");
  CHECK(empty != NULL, "an empty allocation is not NULL");
  free(empty);
  int *a = NULL, cap = 0;
  for (int n = 0; n < 1000; n++) {
    a = mem_grow(a, n, &cap, sizeof *a, "test");
    CHECK(cap > n, "mem_grow left no room: n %d cap %d", n, cap);
    a[n] = n;
  }
  for (int n = 0; n < 1000; n++) CHECK(a[n] == n, "mem_grow lost element %d", n);
  free(a);
}

int main(void) {
  test_size_mul();
  test_size_add();
  test_size_str();
  test_wrapper();
  return check_done("test_alloc");
}

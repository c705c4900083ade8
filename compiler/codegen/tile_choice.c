/*
 * tile_choice.c - a product's tiles by its shape (tile_choice.h): the rules
 * are searched in order, a few dozen at most for any model, so a linear
 * search costs nothing next to printing the kernel.
 */
#include "tile_choice.h"

#include <stdlib.h>

#include "alloc.h"

bool tile_shape_eq(TileShape a, TileShape b) {
  return a.M == b.M && a.N == b.N && a.K == b.K && a.ta == b.ta && a.tb == b.tb && a.dtype == b.dtype;
}

TileKind tile_choose(const TileChoice *c, TileShape s) {
  for (int i = 0; i < c->nrules; i++)
    if (tile_shape_eq(c->rules[i].shape, s)) return c->rules[i].kind;
  return c->fallback;
}

void tile_shapes_add(TileShapes *set, TileShape s) {
  for (int i = 0; i < set->n; i++)
    if (tile_shape_eq(set->shape[i], s)) return;
  set->shape = mem_grow(set->shape, set->n, &set->cap, sizeof *set->shape, "the shapes of products");
  set->shape[set->n++] = s;
}

void tile_shapes_free(TileShapes *set) {
  free(set->shape);
  *set = (TileShapes){0};
}

/*
 * tile_choice.h - which register tiles each matrix product gets: a default
 * and rules per product shape, as code generation takes them (the file of
 * rules, a tile profile, is host/tiles.h's).
 */
#ifndef RNNC_TILE_CHOICE_H
#define RNNC_TILE_CHOICE_H

#include <stdbool.h>

#include "ir.h"

/* The register tiles of a batched matrix product (emit_ops.c): 8 rows by
 * one vector of columns (8 accumulators), or by two vectors of 16 floats (8
 * doubles): 16 accumulators, for a compiler targeting a CPU with 32 vector
 * registers of that width (AVX-512).  Elsewhere wide tiles spill, so the
 * portable C that `rnnc build` writes has tiles of one vector. */
typedef enum { TILES_PORTABLE, TILES_WIDE } TileKind;

/* A product as its MATMUL node has it: C[M,N] = A'[M,K] B'[K,N], A' = A^T
 * if ta, B' = B^T if tb. */
typedef struct {
  long M, N, K;
  bool ta, tb;
  DType dtype;
} TileShape;

typedef struct {
  TileShape shape;
  TileKind kind;
} TileRule;

/* A set of shapes, each once (malloc'd; tile_shapes_free). */
typedef struct {
  TileShape *shape;
  int n, cap;
} TileShapes;

/* The tiles of each product: the rule for its shape (a profile that `rnnc
 * bench --tune` measured, host/tiles.h), else `fallback`.  Where `seen` is
 * not NULL, code generation adds to it the shape of every product whose
 * tiles it chose (a product of at least 8 rows and two vectors of columns,
 * not a dot product): what --tune measures. */
typedef struct {
  TileKind fallback;
  const TileRule *rules;
  int nrules;
  TileShapes *seen;
} TileChoice;

/* The tiles c gives a product of shape s; s is not added to c->seen. */
TileKind tile_choose(const TileChoice *c, TileShape s);
bool tile_shape_eq(TileShape a, TileShape b);
/* Adds s to the set unless it is there. */
void tile_shapes_add(TileShapes *set, TileShape s);
void tile_shapes_free(TileShapes *set);

#endif

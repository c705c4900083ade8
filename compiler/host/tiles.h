/*
 * tiles.h - tile profiles: the register tiles (tile_choice.h) that each
 * product shape gets, as `rnnc bench --tune` measured them on one machine.
 *
 * A profile is a text file:
 *   rnnc-tiles 1 KEY                 the format's version; the machine's key
 *   # any comment                    (16 hex digits, native_tiles_key)
 *   M N K ta tb f32|f64 portable|wide   one line per product shape
 * M, N, K and the flags are the product's as its MATMUL node has them
 * (C[M,N] = A'[M,K] B'[K,N]).  The choice only makes sense for code
 * compiled for the machine it was measured on, with the same compiler and
 * flags: rnnc's own builds take only the profile of their key (native.h).
 */
#ifndef RNNC_TILES_H
#define RNNC_TILES_H

#include <stddef.h>

#include "tile_choice.h"

enum {
  TILES_VERSION = 1,
  TILES_MAX_LINE = 200, /* bytes of a line, its newline not counted */
  TILES_MAX_RULES = 4096,
  TILES_KEY_LEN = 16,
};

typedef struct {
  char key[TILES_KEY_LEN + 1];
  TileRule *rules; /* malloc'd */
  int nrules;
} TileProfile;

/* Reads the profile at path, as untrusted text: every line ends in a
 * newline and has at most TILES_MAX_LINE bytes, at most TILES_MAX_RULES
 * rules, each shape once, numbers in [1, IR_MAX_EXTENT], no other words.
 * 0, or -1 with "PATH:LINE: error: ..." in err (p then holds nothing). */
int tiles_read(const char *path, TileProfile *p, char *err, size_t errlen);

/* Writes p to path through a temporary and a rename, `comment` (one line,
 * or NULL) after the header.  0, or -1 with a message in err. */
int tiles_write(const char *path, const TileProfile *p, const char *comment, char *err, size_t errlen);

/* Adds or replaces the rule of p for one shape. */
void tiles_set(TileProfile *p, TileShape s, TileKind kind);

void tiles_free(TileProfile *p);

/* The choice that p's rules make, `fallback` for other shapes. */
TileChoice tiles_choice(const TileProfile *p, TileKind fallback);

/* "wide", "portable"; "f32", "f64". */
const char *tiles_kind_name(TileKind k);

#endif

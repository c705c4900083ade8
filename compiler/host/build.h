/*
 * build.h - `rnnc build`: a spec as the pair of files NAME.h / NAME.c.
 *
 * The build driver runs the pipeline once per entry point the spec can have,
 * hands the graphs to code generation (codegen/emit_c.h, which documents the
 * generated API) and writes the two files.
 */
#ifndef RNNC_BUILD_H
#define RNNC_BUILD_H

#include <stddef.h>

#include "frontend.h"
#include "tile_choice.h"

typedef struct {
  const char *spec;
  FeOptions fe;              /* batch, steps, dtype overrides */
  const char *dir;           /* output directory */
  const char *embed_weights; /* a weights file to compile in, or NULL */
  unsigned entries;          /* what NAME.c defines (emit_c.h's ENTRY_*); 0: all it can */
  bool quiet;                /* no note on what it cannot (the tools' own builds, native.c) */
  TileChoice tiles;          /* EmitModel.tiles; {0}: portable tiles everywhere */
} BuildOptions;

/* The bits of emit_c.h's ENTRY_* that LIST names ("predict,step": the names
 * of the functions without NAME_), or 0 with a message in err. */
unsigned build_entries(const char *list, char *err, size_t errlen);

/* Writes DIR/NAME.h and DIR/NAME.c (temp files, then rename).  On success
 * returns 0 and stores the paths (owned by the caller) in *h and *c; on a
 * user error prints it and returns 1; on an I/O error returns 1 with a
 * message in err. */
int build_c(const BuildOptions *o, char **h, char **c, char *err, size_t errlen);

#endif

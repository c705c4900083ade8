/*
 * tune.h - `rnnc bench --tune`: the tiles of each product shape, chosen by
 * measurement on this machine (a tile profile, host/tiles.h).
 */
#ifndef RNNC_TUNE_H
#define RNNC_TUNE_H

#include <stdio.h>

#include "bench.h"

/* Collects the shapes of the spec's batched products (those with tiles to
 * choose: code generation records them), times each candidate's kernel
 * alone, prints a table, writes the profile (to `path`, or NULL: this
 * machine's in the cache) and times the spec's train step with the default
 * tiles and with the profile.  Where the machine has only one candidate it
 * says so and writes nothing.  0, or 1 after printing an error. */
int tune_run(const BenchOptions *o, const char *path, FILE *out);

#endif

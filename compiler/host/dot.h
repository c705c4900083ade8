/*
 * dot.h - a graph as a Graphviz picture.
 */
#ifndef RNNC_DOT_H
#define RNNC_DOT_H

#include <stddef.h>

#include "ir.h"

/* Writes g to path (temp file, then rename).  0, or -1 with a message. */
int dot_write(const Graph *g, const char *path, char *err, size_t errlen);

#endif

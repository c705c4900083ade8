/*
 * interp.h - the reference interpreter.
 *
 * Runs a scheduled graph (see ir.h) node by node with one buffer per node.
 * It is the reference the C backend must match and the baseline it must beat.
 * Kernels are the interp_* functions bound by the op table (ops.def); they
 * compute in the node's dtype (float or double; int32 for integer data).
 */
#ifndef RNNC_INTERP_H
#define RNNC_INTERP_H

#include "ir.h"
#include "safetensors.h"

/* What a kernel sees besides its inputs. */
typedef struct InterpCtx {
  uint64_t seed; /* dropout random seed (with each mask's stream id) */
  const Node *failed; /* node whose kernel reported bad data (e.g. label out of range) */
  char err[512];
} InterpCtx;

/* Reports a data error from inside a kernel, e.g. "label 12 out of range [0, 10)". */
void interp_fail(InterpCtx *c, const Node *n, const char *fmt, ...);

/* Runs g once.  PARAM leaves come from `weights`, INPUT leaves from `inputs`
 * (both looked up by name and converted to the node's dtype, see bind.h); every
 * Result of g is written to `out` under its name in the graph's dtype.
 * Returns 0, or -1 with a message in err. */
int interp_run(const Graph *g, const StFile *weights, const StFile *inputs, uint64_t seed,
               StFile *out, char *err, size_t errlen);

#endif

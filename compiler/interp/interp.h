/*
 * interp.h - the reference interpreter.
 *
 * Runs a scheduled graph (see ir.h) node by node, its values in one block
 * laid out by liveness on the first run and reused by every run after it
 * (an intermediate's place is free again after its last consumer).  It is the
 * reference the C backend must match and the baseline it must beat.  Kernels
 * are the interp_* functions bound by the op table (ops.def); they compute in
 * the node's dtype (float or double; int32 for integer data) on dense
 * row-major buffers.
 */
#ifndef RNNC_INTERP_H
#define RNNC_INTERP_H

#include "ir.h"

/* What a kernel sees besides its inputs. */
typedef struct InterpCtx {
  uint64_t seed;      /* dropout random seed (with each mask's stream id) */
  void *scratch;      /* where the kernel works besides its output (interp.c: scratch_bytes) */
  const Node *failed; /* node whose kernel reported bad data (e.g. label out of range) */
  char err[512];
} InterpCtx;

/* Reports a data error from inside a kernel, e.g. "label 12 out of range [0, 10)". */
void interp_fail(InterpCtx *c, const Node *n, const char *fmt, ...) IR_PRINTF(3, 4);

/* n's value on scalar operands (n elementwise, at most two inputs), computed
 * by its kernel in n's dtype: simplify's constant folding (pass_simplify). */
double interp_scalar(const Node *n, const double *operand);

typedef struct Interp Interp;

/* An interpreter for g (which must outlive it).  Dropout masks use `seed`. */
Interp *interp_new(const Graph *g, uint64_t seed);
void interp_free(Interp *it);
/* The buffer of a PARAM or INPUT leaf, ir_numel * ir_dtype_size bytes, for the
 * caller to fill before interp_exec; it keeps its contents across runs. */
void *interp_leaf(Interp *it, const Node *leaf);
/* Holds n's value: the next run computes it and keeps it, the runs after
 * that use that value instead of computing n again (gradcheck.c holds the
 * values of STOP_GRAD nodes so).  Only before the first run, which lays out
 * the values. */
void interp_hold(Interp *it, const Node *n);
/* The dropout seed of the next runs. */
void interp_seed(Interp *it, uint64_t seed);
/* Runs every node once.  0, or -1 with a message (bad data found by a kernel,
 * e.g. a label out of range, names the input). */
int interp_exec(Interp *it, char *err, size_t errlen);
/* After interp_exec: the value of a leaf or of a result node. */
const void *interp_value(const Interp *it, const Node *n);
/* The bytes of the block every computed value lives in, laid out by the
 * first run (0 before it): less than their sum, as places are reused. */
size_t interp_block_bytes(const Interp *it);

#endif

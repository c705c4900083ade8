/*
 * plan.h - how a scheduled graph becomes straight-line code.
 *
 * The plan decides, for every node of a scheduled graph:
 *   - where its value lives (a parameter, an input, the arena, or nowhere:
 *     a literal constant or a temporary inside a fused loop), and
 *   - which *item* computes it.  An item is one call in the generated
 *     function: a kernel for one node (matmul, softmax, ...) or one fused
 *     loop computing several elementwise nodes of the same shape.
 * View ops (select, slice, reshape of contiguous data, broadcast_to) compute
 * nothing: they are an offset and strides into another node's storage, and
 * every consumer reads them in place.  A stack or concat of computed values
 * is often no copy either: each value is computed into its block of the
 * join (a view of the join that its item writes; see plan.c), and a join of
 * values that already lie in order in one buffer is a view of that buffer.
 *
 * plan.c builds the items and views; memplan.c places arena buffers by
 * liveness over the item order; entry.c and kernels.c write the code.
 */
#ifndef RNNC_PLAN_H
#define RNNC_PLAN_H

#include "ir.h"

typedef enum {
  LOC_NONE,  /* a literal constant, or a temporary of a fused loop */
  LOC_PARAM, /* params + offset (elements); a computed node there is base's
                update, written over it (plan.c, updates_in_place) */
  LOC_INPUT, /* the input of that name */
  LOC_ARENA, /* arena + offset (bytes) */
  LOC_VIEW,  /* a view of base's storage */
} LocKind;

typedef struct {
  LocKind kind;
  const Node *base;           /* VIEW: the stored node it reads (never itself a view);
                                 PARAM: the parameter, for a computed node */
  long offset;                /* PARAM, VIEW: elements; ARENA: bytes */
  long stride[IR_MAXDIM];     /* elements, per axis of the node's shape */
  int item;                   /* the item computing it; -1 for leaves, constants, views
                                 (but an input of a join in place, a view of the join,
                                 has its item; the join has its first input's) */
  bool stored;                /* fused member: written to memory (someone outside reads it) */
} Loc;

typedef struct {
  const Node *node;   /* kernel item: the node; fused loop: NULL, or the product whose epilogue it is */
  const Node **members; /* fused loop: its nodes in order (all of one shape) */
  int nmembers;
  const Node **terms;   /* products added into node's accumulators (plan_epilogue_product) */
  int nterms;
  long scratch;        /* bytes of arena the kernel works in while it runs (a panel) */
  long scratch_offset; /* where (memplan) */
} Item;

/* Where the parameters live: the order and offsets of the params blob. */
typedef struct {
  int n;
  const char **names;
  long *offset; /* elements */
  long total;   /* elements */
  long trainable; /* elements of the trainable prefix (the grads blob) */
} ParamLayout;

typedef struct {
  const Graph *g;
  Loc *loc;            /* by node id */
  Item *items;
  int nitems;
  long arena_bytes;    /* set by memplan */
} Plan;

/* A row-major layout of g's parameters, trainable ones first, each aligned to
 * 16 elements (64 bytes in f32) so kernels see aligned rows. */
ParamLayout *plan_param_layout(const Graph *g);
void plan_layout_free(ParamLayout *l);
long plan_param_offset(const ParamLayout *l, const char *name); /* -1 if absent */

/* The parameters a streaming step keeps transposed (by node id, true for a
 * matrix PARAM of g that g reads only through its transpose): at batch 1 a
 * product reads its weight's transpose row by row, so the transpose the
 * layout pass made is prepared once, outside the step (NAME_step_prepare),
 * instead of on every call (in panels where its products read it so:
 * emit_panels).  mem_calloc'd; the caller frees it. */
bool *plan_prepared_params(const Graph *g);

/* A product [M, N] with N >= 16 that a fused loop reading it as its only
 * reader may finish: the loop runs as the product's epilogue, on each
 * element of C while it is in a register (emit_ops.c: matvec for one row,
 * the tiles' store otherwise), and C is never stored.  A product of several
 * rows qualifies when its k loop is one block (K <= PLAN_EPILOGUE_K: C is
 * final at the tiles' one store).  An item with both a node and members is
 * such a pair, at the place of the loop.  Other one-row products of the
 * same shape that the loop only adds to the first (an LSTM's x W_ih^T +
 * b_ih + h W_hh^T + b_hh at batch 1) are the item's terms: their k loops
 * accumulate into the same registers, one pass over [x; h] as over one
 * matrix, and the loop reads each as zero (kernels.c). */
enum { PLAN_EPILOGUE_K = 1024 };
bool plan_epilogue_product(const Node *n);

/* Builds views, fused loops and the item order for scheduled graph g.  With
 * prepared (from plan_prepared_params, or NULL), the transpose of a prepared
 * parameter is no item but the parameter's own storage, which then holds the
 * transpose. */
Plan *plan_build(const Graph *g, const ParamLayout *layout, const bool *prepared);
void plan_free(Plan *p);

/* memplan.c: arena offsets by liveness; sets loc[].offset and arena_bytes. */
void memplan_assign(Plan *p);

/* The storage node and element offset/strides a node is read through (views
 * resolved; a stored node is its own base with contiguous strides). */
const Node *plan_base(const Plan *p, const Node *n, long *offset, long stride[static IR_MAXDIM]);
/* The view rules of the F_VIEW ops (ops.def): rewrites the element offset and
 * strides of n's input into those of n over the same data; false if n cannot
 * be a view of it (a reshape of non-contiguous data). */
bool plan_view_of(const Node *n, long *offset, long stride[static IR_MAXDIM]);

#endif

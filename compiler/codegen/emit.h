/*
 * emit.h - what the per-op C emitters (emit_ops.c, bound by ops.def) share
 * with the code that calls them (kernels.c); emit.c defines the helpers.
 *
 * Each op has one emitter, emit_ID(e, n, arg), with one of two jobs:
 *   - fusable ops (F_FUSABLE in ops.def): print the C expression of one
 *     element of n, given the expressions of its operands' elements in
 *     arg[0..nin) (a random op, F_RANDOM, also gets arg[1] = the linear
 *     index and arg[2] = its stream variable);
 *   - every other op: print the body of a kernel function whose pointer
 *     parameters are named arg[0..nin) for the inputs and arg[nin] for the
 *     output.  Shapes and strides are compile-time constants: emit_index
 *     prints the element offset of an operand for given loop variables.
 */
#ifndef RNNC_EMIT_H
#define RNNC_EMIT_H

#include <stdarg.h>

#include "buf.h"
#include "tile_choice.h"
#include "plan.h"

/* The name of a loop variable, "i0". */
typedef char LoopVar[16];

typedef struct Emit {
  const Plan *plan;
  DType real;  /* the float type of the model */
  Buf *out;    /* where the emitter prints */
  int indent;  /* of kernel bodies, in spaces */
  long scratch; /* bytes of arena scratch the emitted code uses (emit_scratch) */
  long locals;  /* bytes of local arrays the emitted code declares (emit_local_array) */
  /* A product's epilogue (plan.h), or NULL: prints the code that finishes
   * the element of C at row `row` and column `column` (expressions; row
   * "0" in a product of one row) from its value `value`, instead of
   * storing it (kernels.c). */
  void (*epilogue)(struct Emit *e, const char *row, const char *column, const char *value);
  const void *epilogue_loop; /* what epilogue prints */
  /* Products added into the accumulators of the product being printed (its
   * item's terms, plan.h); term t's operands are named term_arg[2t] (A)
   * and term_arg[2t + 1] (B). */
  const Node *const *terms;
  const char *const *term_arg;
  int nterms;
  const TileChoice *tiles; /* EmitModel.tiles */
  const int *panels;       /* by node id: emit_panels */
} Emit;

/* The name of the kernel's scratch memory in the arena, at least `bytes`
 * long and 64-byte aligned: buffers a kernel would otherwise put on the
 * stack (embedded stacks are a few KB). */
const char *emit_scratch(Emit *e, long bytes);

/* Declares `T name[len] = {0};` on a line of the kernel body and counts its
 * bytes in e->locals: the stack NAME.h states (header.c), held against gcc
 * -fstack-usage by tests/generated/stack.py.  len may be "RNNC_LANES" (the
 * target's vector width, preamble.c), counted as the widest target's: 64
 * bytes.  Arrays of blocks that have ended may share stack slots, but no
 * compiler must share them, so every declaration counts. */
void emit_local_array(Emit *e, const char *name, const char *len);

/* Whether product n (a MATMUL) has tiles of two vectors of columns:
 * e->tiles' rule for its shape, else its fallback.  `chosen`: whether the
 * product has such tiles to choose (emit_ops.c says when); only then is
 * its shape added to e->tiles->seen. */
bool emit_wide_tiles(const Emit *e, const Node *n, bool chosen);

/* Which transposes are written in panels (by node id: the panels' width
 * in columns, 0 for row-major), for e->plan: a transpose that only products
 * read, each as its B, in tiles of the same widths (emit_ops.c).
 * mem_calloc'd; the caller frees it. */
int *emit_panels(const Emit *e);
/* Where element (k, j) of a K x N matrix stored in panels of `width`
 * columns (emit_panels) is, in elements from its start: the layout the
 * transposes read in panels are written in. */
long emit_panel_offset(const Emit *e, long K, long N, int width, long k, long j);

/* The emitter of n's op (emit_ops.c, bound by ops.def): an expression or a kernel body. */
void emit_op(Emit *e, const Node *n, const char *const *arg);
/* Node n of a fused loop, an expression of its input `a`, as a quotient
 * num / den if its op is one (sigmoid; tanh in f32, rnnc_math.h): printed
 * into num (nothing for 1) and den.  False, printing nothing, otherwise. */
bool emit_quotient(Emit *e, const Node *n, const char *a, Buf *num, Buf *den);
/* The sum of n expressions, added left to right as the interpreter adds:
 * "(a + b + c)"; of one, that one; of none, zero. */
void emit_sum(Emit *e, const char *const *arg, int n);
/* The C type of a dtype: "float", "double", "int32_t". */
const char *emit_ctype(DType dt);
/* A literal of the model's float type, written into buf and returned: "0.5f",
 * "1.0", "(-HUGE_VALF)", "NAN". */
const char *emit_literal(const Emit *e, double v, char buf[static 40]);
/* The libm function `name` for the model's float type: expf or exp. */
const char *emit_math(const Emit *e, const char *name, char buf[static 16]);
/* Prints one indented line of a kernel body. */
void emit_line(Emit *e, const char *fmt, ...) IR_PRINTF(2, 3);
/* Opens `for (long iK = 0; iK < dim; iK++)` for every axis of s longer than
 * 1 (vars[k] receives "iK"; "0" for an axis of 1), the innermost with a
 * block (a bare block if there is no loop); returns how many it opened, for
 * emit_close_loops. */
int emit_loops(Emit *e, Shape s, const char *prefix, LoopVar *vars);
void emit_close_loops(Emit *e, int open);
/* One term of an index into buf: " + i1 * 512", or " + i1" for stride 1
 * (without " + " when !plus).  Returns its length. */
int emit_term(char *buf, size_t size, bool plus, const char *var, long stride);
/* "i0 * 512 + i1": the element offset of operand x (as its kernel argument
 * points to it: the view's base plus its offset) at loop variables vars
 * over x's own shape. */
const char *emit_index(const Emit *e, const Node *x, LoopVar *vars, char buf[static 160]);
/* Element strides of x as its kernel argument sees it. */
void emit_strides(const Emit *e, const Node *x, long stride[static IR_MAXDIM]);
/* Prints s as "[64, 512]". */
void emit_shape(Buf *b, Shape s);

#endif

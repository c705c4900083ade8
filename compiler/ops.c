/*
 * ops.c - the op table: ops.def expanded into OpInfo, binding each op to its
 * shape rule (shape.c), gradient rule (autodiff.c), interpreter kernel
 * (interp.c) and C emitter (emit_ops.c) by name.  Passes reach op behaviour only through ir_ops[].
 */
#include "passes.h"

#define OP(id, name, arity, flags)                                      \
  const char *shape_##id(Node *n);                                      \
  void grad_##id(Graph *g, Node *n, Node *dy, Node **dx);               \
  void interp_##id(struct InterpCtx *c, const Node *n, void *out, void *const *in);   \
  void emit_##id(struct Emit *e, const Node *n, const char *const *arg);
#include "ops.def"
#undef OP

const OpInfo ir_ops[OP_COUNT] = {
#define OP(id, name, arity, flags) {#name, arity, flags, shape_##id, grad_##id, interp_##id, emit_##id},
#include "ops.def"
#undef OP
};

/*
 * ops.c - the op table: ops.def expanded into OpInfo (name, arity, flags) with
 * each op's shape rule (shape.c).  The layers above bind their own rule of
 * each op from the same ops.def through op_rules.h: the gradient rule
 * (passes/autodiff.c), the interpreter kernel (interp/interp.c) and the C
 * emitter (codegen/emit_ops.c).
 */
#include "ir.h"

#define OP_RULE_TYPE ShapeRule
#define OP_RULE(id) shape_##id
#include "op_rules.h"

const OpInfo ir_ops[OP_COUNT] = {
#define OP(id, name, arity, flags, attrs) {#name, arity, flags, attrs, shape_##id},
#include "ops.def"
#undef OP
};

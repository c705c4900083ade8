/*
 * op_rules.h - binds one rule of every op of ops.def into a table, by name.
 *
 * A layer that gives ops a behaviour (shape, gradient, interpreter kernel, C
 * emitter) defines OP_RULE_TYPE as the rule's function type and OP_RULE(ID)
 * as its name, then includes this file, which declares OP_RULE(ID) for every
 * op and defines
 *     static OP_RULE_TYPE *const op_rules[OP_COUNT];
 * in ops.def's order.  An op whose rule is missing is a link error in that
 * layer, never a silent gap, and no layer depends on another's rules.
 */
#if !defined(OP_RULE_TYPE) || !defined(OP_RULE)
#error "define OP_RULE_TYPE and OP_RULE(ID) before including op_rules.h"
#endif

#define OP(id, name, arity, flags, attrs) OP_RULE_TYPE OP_RULE(id);
#include "ops.def"
#undef OP

static OP_RULE_TYPE *const op_rules[OP_COUNT] = {
#define OP(id, name, arity, flags, attrs) OP_RULE(id),
#include "ops.def"
#undef OP
};

#undef OP_RULE
#undef OP_RULE_TYPE

/*
 * verify.c - the invariants of each stage, checked between passes.
 *
 * On the forward graph the checks are about the user's spec and end in user
 * errors at the spec line: a cycle that does not go through a state's back
 * edge, a state whose next value was never given, a result that still varies
 * over time.  On later stages a failure is a compiler bug: forward edges only
 * point to earlier nodes, time ops and per-step values are gone, shapes are
 * what the op table says.
 */
#include "passes.h"

#include <stdio.h>
#include <stdlib.h>

enum { WHITE, GREY, BLACK };

/* Reports the cycle closed by the edge n -> in: the forward path from `in`
 * back to n is on the stack[from..top). */
static _Noreturn void report_cycle(Graph *g, Node **stack, int from, int top) {
  char path[400];
  int k = 0;
  for (int i = from; i < top && k < (int)sizeof path - 40; i++)
    k += snprintf(path + k, sizeof path - (size_t)k, "%s%s (line %d)", i > from ? " <- " : "",
                  ir_ops[stack[i]->op].name, stack[i]->loc.line);
  (void)g;
  ir_user_error(stack[top - 1]->loc,
                "cycle outside a declared recurrence: %s; a value may depend on itself only "
                "through a state's next value (state:next)", path);
}

/* Depth-first search over forward edges (inputs, not STATE.back). */
static void check_cycles(Graph *g) {
  int n = g->nnodes;
  unsigned char *color = mem_calloc((size_t)n + 1, 1, "the marks of verify");
  Node **stack = mem_alloc((size_t)n + 1, sizeof *stack, "the stack of verify");
  int *next = mem_alloc((size_t)n + 1, sizeof *next, "the stack of verify");
  for (int r = 0; r < n; r++) {
    if (color[r]) continue;
    int top = 0;
    stack[top] = g->nodes[r], next[top++] = 0, color[r] = GREY;
    while (top) {
      Node *x = stack[top - 1];
      if (next[top - 1] == x->nin) {
        color[x->id] = BLACK;
        top--;
        continue;
      }
      Node *in = x->in[next[top - 1]++];
      if (color[in->id] == GREY) {
        int from = top - 1;
        while (stack[from] != in) from--;
        report_cycle(g, stack, from, top);
      }
      if (color[in->id] == WHITE) stack[top] = in, next[top++] = 0, color[in->id] = GREY;
    }
  }
  free(color);
  free(stack);
  free(next);
}

/* Does `from` depend on `target` through forward edges? */
static bool depends_on(Graph *g, Node *from, const Node *target) {
  unsigned char *seen = mem_calloc((size_t)g->nnodes, 1, "the marks of verify");
  Node **stack = mem_alloc((size_t)g->nnodes, sizeof *stack, "the stack of verify");
  int top = 0;
  bool found = false;
  stack[top++] = from;
  while (top && !found) {
    Node *x = stack[--top];
    found = x == target;
    for (int k = 0; k < x->nin; k++)
      if (!seen[x->in[k]->id]) seen[x->in[k]->id] = 1, stack[top++] = x->in[k];
  }
  free(seen);
  free(stack);
  return found;
}

/* Values computed from whole sequences (last, time_sum, time_stack) exist
 * only after the last step of their loop: nothing per-step in that loop that
 * a result needs may read them (a value nothing needs is never computed:
 * core.time_mean leaves such values behind when it takes a mean term by
 * term), and no state of that loop may take one as its next value; another
 * loop reads them as any value (an encoder's last state starts a decoder).
 * reducer[i] is the reduction a node's value comes from, if any (the first
 * found; unroll catches what that misses: a copy that needs itself). */
static void check_time_order(Graph *g) {
  Node **reducer = mem_calloc((size_t)g->nnodes, sizeof *reducer, "the time order of verify");
  bool *needed = pass_needed(g);
  for (int i = 0; i < g->nnodes; i++) {
    Node *n = g->nodes[i];
    Node *from = NULL;
    for (int k = 0; k < n->nin && !from; k++) from = ir_reduces_own_loop(g, n, reducer[n->in[k]->id]);
    if (from && n->seq && !(ir_ops[n->op].flags & F_TIME_REDUCE) && needed[i])
      ir_user_error(n->loc, "%s: reads the result of %s (line %d), which exists only after the last "
                    "step, inside the time loop (reduce the per-step value first: last, time_sum, time_mean)",
                    ir_ops[n->op].name, ir_ops[from->op].name, from->loc.line);
    reducer[i] = ir_ops[n->op].flags & F_TIME_REDUCE ? n : from;
  }
  for (int i = 0; i < g->nnodes; i++) {
    Node *s = g->nodes[i], *from = s->back ? ir_reduces_own_loop(g, s, reducer[s->back->id]) : NULL;
    if (s->op != OP_STATE || !from) continue;
    if (depends_on(g, s->back, s))
      ir_user_error(s->back->loc, "cycle outside a declared recurrence: the next value of the state "
                    "of line %d is computed from %s (line %d) of that state's own sequence",
                    s->loc.line, ir_ops[from->op].name, from->loc.line);
    ir_user_error(s->back->loc, "the next value of the state of line %d reads %s (line %d), which "
                  "exists only after the last step", s->loc.line, ir_ops[from->op].name, from->loc.line);
  }
  free(reducer);
}

static void verify_forward(Graph *g) {
  check_cycles(g);
  for (int i = 0; i < g->nnodes; i++) {
    Node *n = g->nodes[i];
    if (n->op == OP_STATE && !n->back)
      ir_user_error(n->loc, "state is never given its next value (call :next(v) on it in the step)");
  }
  check_time_order(g);
  for (int i = 0; i < g->nresults; i++) {
    Result *r = &g->results[i];
    if (r->node->seq)
      ir_user_error(r->node->loc, "%s '%s' varies over time steps; reduce it (last, time_mean) "
                    "or stack it (time_stack) first", r->role == ROLE_LOSS ? "loss" : "result", r->name);
    if (r->role == ROLE_LOSS && r->node->shape.rank != 0)
      ir_user_error(r->node->loc, "the loss must be a single number, got shape %s",
                    ir_shape_str(g, r->node->shape));
  }
}

static void verify_order(Graph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    Node *n = g->nodes[i];
    if (n->id != i) die("node at index %d has id %d", i, n->id);
    if (n->seq || (ir_ops[n->op].flags & F_TIME))
      die("node %%%d (%s) is per-step after unroll", i, ir_ops[n->op].name);
    for (int k = 0; k < n->nin; k++)
      if (n->in[k]->id >= i || g->nodes[n->in[k]->id] != n->in[k])
        die("node %%%d (%s): input %d is not scheduled before it", i, ir_ops[n->op].name, k);
  }
  for (int i = 0; i < g->nresults; i++)
    if (g->nodes[g->results[i].node->id] != g->results[i].node)
      die("result '%s' is not scheduled", g->results[i].name);
}

/* Re-infers every node's shape and dtype: passes must build nodes that are
 * correct by construction, so a difference is a compiler bug. */
static void verify_shapes(Graph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    Node *n = g->nodes[i], copy = *n;
    const char *e = ir_ops[n->op].shape(&copy);
    if (e) die("node %%%d (%s): %s", n->id, ir_ops[n->op].name, e);
    if (!ir_shape_eq(copy.shape, n->shape) || copy.dtype != n->dtype)
      die("node %%%d (%s): stored shape %s, inferred %s", n->id, ir_ops[n->op].name,
          ir_shape_str(g, n->shape), ir_shape_str(g, copy.shape));
  }
}

void pass_verify(Graph *g, Stage stage) {
  if (stage == STAGE_FORWARD) {
    verify_forward(g);
    return;
  }
  verify_order(g);
  verify_shapes(g);
}

/*
 * schedule.c - the execution order.
 *
 * requires: any stage after unroll (forward edges only).
 * produces: g->nodes holds exactly the nodes the results need, plus every
 * parameter (the weights file is the model's interface, used or not), in an
 * order where inputs come first, renumbered so that id == index.  Inputs
 * (g->inputs) that no result needs are dropped: inference does not ask for
 * targets.
 *
 * The order is a depth-first post-order from the results, taken in result
 * order, so each value is computed close to its first use.  The walk uses an
 * explicit stack: unrolled graphs are chains thousands of nodes deep.
 */
#include "passes.h"

#include <stdlib.h>

typedef struct {
  Node *node;
  int next_input;
} Frame;

typedef struct {
  Node **order;
  int n;
  unsigned char *seen; /* by old id */
  Frame *stack;
} Walk;

static void visit(Walk *w, Node *root) {
  if (w->seen[root->id]) return;
  int top = 0;
  w->stack[top++] = (Frame){root, 0};
  w->seen[root->id] = 1;
  while (top) {
    Frame *f = &w->stack[top - 1];
    if (f->next_input < f->node->nin) {
      Node *in = f->node->in[f->next_input++];
      if (!w->seen[in->id]) {
        w->seen[in->id] = 1;
        w->stack[top++] = (Frame){in, 0};
      }
      continue;
    }
    w->order[w->n++] = f->node;
    top--;
  }
}

void pass_schedule(Graph *g) {
  int n = g->nnodes;
  Walk w = {.order = ir_alloc(g, size_mul((size_t)(n ? n : 1), sizeof(Node *)))};
  w.seen = mem_calloc((size_t)n + 1, 1, "the marks of the schedule");
  w.stack = mem_alloc((size_t)n + 1, sizeof *w.stack, "the stack of the schedule");
  for (int i = 0; i < g->nparams; i++) visit(&w, g->params[i]);
  for (int i = 0; i < g->nresults; i++) visit(&w, g->results[i].node);
  int kept = 0;
  for (int i = 0; i < g->ninputs; i++)
    if (w.seen[g->inputs[i]->id]) g->inputs[kept++] = g->inputs[i];
  g->ninputs = kept;
  for (int i = 0; i < w.n; i++) w.order[i]->id = i;
  g->nodes = w.order;
  g->nnodes = g->capnodes = w.n;
  free(w.seen);
  free(w.stack);
}

/* A walk with an explicit stack (a back edge points forward, and chains are
 * deep): each node is pushed once. */
bool *pass_needed(Graph *g) {
  bool *live = ir_alloc(g, ((size_t)g->nnodes + 1) * sizeof *live);
  const Node **stack = mem_alloc((size_t)g->nnodes + 1, sizeof *stack, "the walk of pass_needed");
  int top = 0;
  for (int i = 0; i < g->nresults; i++) {
    const Node *r = g->results[i].node;
    if (!live[r->id]) live[r->id] = true, stack[top++] = r;
  }
  while (top) {
    const Node *n = stack[--top];
    for (int k = 0; k <= n->nin; k++) {
      const Node *m = k < n->nin ? n->in[k] : n->op == OP_STATE ? n->back : NULL;
      if (m && !live[m->id]) live[m->id] = true, stack[top++] = m;
    }
  }
  free(stack);
  return live;
}

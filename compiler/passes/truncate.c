/*
 * truncate.c - truncated backpropagation through time.
 *
 * requires: forward.  produces: forward, with each state's back edge routed
 * through TRUNCATE(k).  With cfg.tbptt = k > 0 the unrolled graph lets the
 * gradient flow back through at most k steps of a state: unroll turns
 * TRUNCATE into STOP_GRAD at the end of every k-th step and into nothing
 * elsewhere.  The forward values are unchanged, so truncation only changes
 * what the gradient sees, as in Keras and PyTorch when a long sequence is fed
 * in chunks of k steps with the state carried over.
 */
#include "passes.h"

void pass_truncate(Graph *g) {
  int k = g->cfg.tbptt;
  if (k <= 0 || k >= g->cfg.steps) return;
  int n = g->nnodes;
  for (int i = 0; i < n; i++) {
    Node *s = g->nodes[i];
    if (s->op != OP_STATE || !s->back->seq) continue;
    g->loc = s->loc;
    Attr at = {.len = k};
    s->back = ir_node(g, OP_TRUNCATE, 1, &s->back, &at);
  }
}

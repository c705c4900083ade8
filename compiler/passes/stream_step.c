/*
 * stream_step.c - the pass that makes the graph of one streaming step.
 *
 * requires: forward, built with batch 1 and steps 1.
 * produces: forward, where every state reads its value from an input
 * "state<k>" and its next value is an output "next_state<k>"; unroll then
 * makes one step of it.  A product feeds a sequence of any length one step
 * at a time, carrying the states between calls (NAME_step in generated
 * code), instead of unrolling a fixed length.  Outputs taken at the last
 * step (last) are then the outputs of the sequence so far; per-step outputs
 * are this step's.
 *
 * The state's initial value must be a constant (the usual zeros): NAME_reset
 * writes it, so it is recorded on the state's input (attr.value).  A learned
 * initial value (state(h0 + zeros{B, H}) with a parameter h0) would need
 * NAME_reset to read the parameters, which it does not: stream_learned_state
 * finds such a state, so that `rnnc build` leaves the streaming step out (with
 * a note) and emits the other entry points.  Its first
 * size must be the batch (here 1): a state of another size would carry rows
 * that do not belong to the one sequence streamed.
 *
 * Only the states some output depends on are carried: a state nobody reads
 * would keep its next value (and the inputs that feed it) alive through the
 * next_state output, though predict drops them all.
 */
#include "passes.h"

#include <stdio.h>

const Node *stream_learned_state(Graph *g) {
  bool *live = pass_needed(g);
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i]->op == OP_STATE && live[i] && g->nodes[i]->in[0]->op != OP_CONST) return g->nodes[i];
  return NULL;
}

void pass_stream(Graph *g) {
  int n = g->nnodes, k = 0;
  const Node *learned = stream_learned_state(g);
  if (learned)
    ir_user_error(learned->loc, "the streaming step (NAME_step) needs a constant initial value for this state, "
                  "but it is computed (%s): NAME_reset reads no parameters", ir_ops[learned->in[0]->op].name);
  bool *live = pass_needed(g);
  for (int i = 0; i < n; i++) {
    Node *s = g->nodes[i];
    if (s->op != OP_STATE || !live[i]) continue;
    if (s->shape.rank == 0 || s->shape.dim[0] != g->cfg.batch)
      ir_user_error(s->loc, "streaming (NAME_step) runs one sequence at a time, but this state's first size is "
                    "%ld, not the batch: size it from the input (zeros{x.shape[1], ...}), not with a number",
                    s->shape.rank ? s->shape.dim[0] : 0L);
    g->loc = s->loc;
    char name[32];
    snprintf(name, sizeof name, "state%d", k);
    Node *in = ir_input(g, name, s->shape, s->dtype);
    in->attr.value = s->in[0]->attr.value;
    s->in[0] = in;
    snprintf(name, sizeof name, "next_state%d", k++);
    ir_add_result(g, ROLE_OUTPUT, name, ir_unary(g, OP_LAST, s->back));
  }
}

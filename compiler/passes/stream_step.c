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
 * A constant initial value (the usual zeros) is NAME_reset's to write, so
 * it is recorded on the state's input (attr.value).  A computed one (a learned
 * h0: state(h0 + zeros{B, H})) is the step's own: NAME_reset, which reads no
 * parameters, zeroes the state and a flag "state_start", each step blends
 * state * start + initial * (1 - start), and writes start = 1 back; the
 * initial value is computed at every step, which costs what it costs once
 * per sequence in predict, times the steps.  (An infinite initial value then
 * makes the blend NaN after the first step: a learned h0 that is not finite
 * has no meaningful stream anyway.)  A state's first size must be the batch
 * (here 1): a state of another size would carry rows that do not belong to
 * the one sequence streamed.
 *
 * Four kinds of spec have no streaming step, and stream_blocker says why, so
 * that `rnnc build` leaves it out (with a note) and emits the other entry
 * points: a sequence made of a whole input (core.op("steps", {input})) has
 * a fixed number of steps, which a stream of any length cannot follow; a
 * value read in reverse (reverse, go_backwards, Bidirectional) needs the
 * steps still to come; a stream is one time loop, not an encoder followed by
 * a decoder; and the lengths of a batch's sequences are where a stream's
 * caller stops.
 *
 * Only the states some output depends on are carried: a state nobody reads
 * would keep its next value (and the inputs that feed it) alive through the
 * next_state output, though predict drops them all.
 */
#include "passes.h"

#include <stdio.h>

const Node *stream_blocker(Graph *g, char *why, size_t len) {
  bool *live = pass_needed(g);
  const Node *first = NULL; /* a per-step node of the first loop */
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    if (!live[i]) continue;
    if (n->seq && !first) first = n;
    if (n->seq && ir_loop_of(g, n) != ir_loop_of(g, first)) {
      snprintf(why, len, "this value is in a second time loop, beside the one of line %d", first->loc.line);
      return n;
    }
    if (n->seq && ir_loop_lengths(g, n)) {
      snprintf(why, len, "this sequence has a length per example; a stream ends where its caller stops");
      return n;
    }
    if (n->op == OP_REVERSE) {
      snprintf(why, len, "this value is read in reverse, from the sequence's last step, which a stream has not seen yet");
      return n;
    }
    if (n->op == OP_STEPS && n->in[0]->shape.dim[1] != g->cfg.steps) {
      const Node *x = n->in[0];
      snprintf(why, len, "this sequence is a whole %s%s%s%s of %d steps, which a stream of any length cannot follow",
               x->op == OP_INPUT ? "input" : ir_ops[x->op].name, x->op == OP_INPUT ? " '" : "",
               x->op == OP_INPUT ? x->attr.name : "", x->op == OP_INPUT ? "'" : "", x->shape.dim[1]);
      return n;
    }
  }
  return NULL;
}

/* The flag input that says whether a step continues a sequence (1) or
 * starts one (0, as NAME_reset leaves it); made once. */
static Node *start_flag(Graph *g, Node **flag, DType dt) {
  if (*flag) return *flag;
  *flag = ir_input(g, "state_start", ir_shape(1, 1), dt);
  ir_add_result(g, ROLE_OUTPUT, "next_state_start", ir_const(g, 1, ir_shape(1, 1), dt));
  return *flag;
}

/* state * start + initial * (1 - start) */
static Node *blend(Graph *g, Node *state, Node *initial, Node *start) {
  Node *keep = ir_binary(g, OP_MUL, state, start);
  Node *fresh = ir_binary(g, OP_MUL, initial, ir_binary(g, OP_SUB, ir_scalar(g, 1, start->dtype), start));
  return ir_binary(g, OP_ADD, keep, fresh);
}

void pass_stream(Graph *g) {
  int n = g->nnodes, k = 0;
  Node *flag = NULL;
  char why[300];
  const Node *blocker = stream_blocker(g, why, sizeof why);
  if (blocker) ir_user_error(blocker->loc, "no streaming step (NAME_reset, NAME_step): %s", why);
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
    bool constant = s->in[0]->op == OP_CONST;
    in->attr.value = constant ? s->in[0]->attr.value : 0;
    s->in[0] = constant ? in : blend(g, in, s->in[0], start_flag(g, &flag, s->dtype));
    snprintf(name, sizeof name, "next_state%d", k++);
    ir_add_result(g, ROLE_OUTPUT, name, ir_unary(g, OP_LAST, s->back));
  }
}

/*
 * unroll.c - copies the per-step part of the forward graph T times.
 *
 * requires: forward (verified: acyclic, every STATE has a back edge).
 * produces: unrolled: no seq node and no F_TIME op is reachable from the
 * results; parameters and other time-invariant nodes are shared by all steps.
 *
 * The forward graph has three kinds of nodes:
 *   before  time-invariant values (parameters, constants, whole inputs):
 *           kept as they are;
 *   seq     one value per step: copied once per step, in creation order
 *           (a topological order of everything but STATE.back);
 *   after   values computed from whole sequences (LAST, TIME_SUM,
 *           TIME_STACK and what is built on them): copied once, after the
 *           last step.
 * A STATE is its initial value at step 0 and its back edge's copy from step
 * t-1 at step t.  Nothing per-step may read an `after` value: that would need
 * the end of the sequence before it was computed.  Values no result needs
 * (pass_needed) are not copied: among them those a mean over time replaced
 * term by term (the front end's core.time_mean), which read `after` values.
 * The copies are counted before any is made: seq nodes x T past
 * IR_MAX_NODES is the user's error, reported before the memory is taken.
 */
#include "passes.h"

#include <stdlib.h>

enum { BEFORE, SEQ, AFTER, UNUSED };

typedef struct {
  Graph *g;
  int nfwd, steps;
  unsigned char *kind; /* BEFORE, SEQ, AFTER or UNUSED, by forward node id */
  int *row;            /* row[id]: the seq node's place among the seq nodes */
  Node **at;           /* at[row * steps + t]: copy of seq node id at step t */
  Node **after;        /* after[id]: copy of an AFTER node */
} Unroll;

/* The copies of seq node n, one per step. */
static Node **copies(const Unroll *u, const Node *n) { return u->at + (size_t)u->row[n->id] * (size_t)u->steps; }

static Node *value(const Unroll *u, Node *n, int t) {
  if (n->id >= u->nfwd) return n; /* made by this pass */
  switch (u->kind[n->id]) {
  case SEQ: return copies(u, n)[t];
  case AFTER: return u->after[n->id];
  default: return n;
  }
}

static Node *copy(Unroll *u, Node *n, int t) {
  Node **in = mem_alloc((size_t)n->nin, sizeof *in, "a node's inputs");
  for (int k = 0; k < n->nin; k++) in[k] = value(u, n->in[k], t);
  Attr at = n->attr;
  if (ir_ops[n->op].flags & F_RANDOM) at.stream = u->g->nstreams++;
  Node *x = ir_node(u->g, n->op, n->nin, in, &at);
  free(in);
  return x;
}

static Node *step_value(Unroll *u, Node *n, int t) {
  Graph *g = u->g;
  switch (n->op) {
  case OP_STATE: return t == 0 ? value(u, n->in[0], 0) : value(u, n->back, t - 1);
  case OP_STEPS: {
    Attr at = {.axis = 1, .start = t};
    Node *x = value(u, n->in[0], t);
    return ir_node(g, OP_SELECT, 1, &x, &at);
  }
  case OP_TRUNCATE: {
    Node *x = value(u, n->in[0], t);
    return (t + 1) % n->attr.len == 0 ? ir_unary(g, OP_STOP_GRAD, x) : x;
  }
  default: return copy(u, n, t);
  }
}

static Node *after_value(Unroll *u, Node *n) {
  Graph *g = u->g;
  int T = u->steps;
  Node **all = copies(u, n->in[0]);
  switch (n->op) {
  case OP_LAST: return all[T - 1];
  case OP_TIME_SUM: return ir_node(g, OP_ADDN, T, all, NULL);
  case OP_TIME_STACK: {
    Attr at = {.axis = 1};
    return ir_node(g, OP_STACK, T, all, &at);
  }
  default: return copy(u, n, T - 1);
  }
}

/* Sorts forward nodes into BEFORE / SEQ / AFTER, or UNUSED (verify has made
 * sure that nothing per-step that is needed reads an AFTER value). */
static void classify(Unroll *u) {
  bool *needed = pass_needed(u->g);
  for (int i = 0; i < u->nfwd; i++) {
    Node *n = u->g->nodes[i];
    if (!needed[i] && n->op != OP_PARAM && n->op != OP_INPUT) {
      u->kind[i] = UNUSED;
      continue;
    }
    bool after = ir_ops[n->op].flags & F_TIME_REDUCE;
    for (int k = 0; k < n->nin; k++) after |= u->kind[n->in[k]->id] == AFTER;
    if (n->seq && after) die("%s (%%%d) reads a whole-sequence value in the loop", ir_ops[n->op].name, n->id);
    u->kind[i] = n->seq ? SEQ : after ? AFTER : BEFORE;
  }
}

/* Numbers the seq nodes (row[]) and returns how many there are, after
 * checking that their copies fit in a graph. */
static int number_seq_nodes(Unroll *u) {
  int nseq = 0;
  for (int i = 0; i < u->nfwd; i++)
    if (u->kind[i] == SEQ) u->row[i] = nseq++;
  long copies = (long)nseq * u->steps; /* < 2^22 x 2^31: fits */
  if (copies > IR_MAX_NODES - u->nfwd)
    ir_user_error((SrcLoc){.file = u->g->loc.file},
                  "unrolling %d per-step nodes over %d steps makes %ld nodes, more than the limit of %d; use "
                  "fewer --steps",
                  nseq, u->steps, copies, IR_MAX_NODES);
  return nseq;
}

void pass_unroll(Graph *g) {
  Unroll u = {.g = g, .nfwd = g->nnodes, .steps = g->cfg.steps};
  u.kind = mem_calloc((size_t)u.nfwd, 1, "the kinds of forward nodes");
  u.row = mem_calloc((size_t)u.nfwd, sizeof *u.row, "the rows of per-step nodes");
  u.after = mem_calloc((size_t)u.nfwd, sizeof *u.after, "the whole-sequence values");
  classify(&u);
  int nseq = number_seq_nodes(&u);
  u.at = mem_calloc(size_mul((size_t)nseq, (size_t)u.steps), sizeof *u.at, "the copies of every step");
  for (int t = 0; t < u.steps; t++)
    for (int i = 0; i < u.nfwd; i++) {
      Node *n = g->nodes[i];
      if (u.kind[i] != SEQ) continue;
      g->loc = n->loc;
      g->loc.step = t + 1; /* the copies say which step they compute (generated C names them so) */
      copies(&u, n)[t] = step_value(&u, n, t);
    }
  for (int i = 0; i < u.nfwd; i++) {
    Node *n = g->nodes[i];
    if (u.kind[i] != AFTER) continue;
    g->loc = n->loc;
    u.after[i] = after_value(&u, n);
  }
  for (int i = 0; i < g->nresults; i++) g->results[i].node = value(&u, g->results[i].node, 0);
  free(u.kind);
  free(u.row);
  free(u.at);
  free(u.after);
}

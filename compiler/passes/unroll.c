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
 *   seq     one value per step of its time loop (ir.h): copied T times,
 *           T the steps of that loop;
 *   after   values computed from whole sequences (LAST, TIME_SUM,
 *           TIME_STACK and what is built on them): copied once.
 * A STATE is its initial value at step 0 and its back edge's copy from step
 * t-1 at step t; a REVERSE is its input's copy from step T-1-t.  Nothing
 * per-step may read an `after` value of its own loop: that would need the
 * end of the sequence before it was computed; another loop reads it as any
 * value (a decoder starts from its encoder's last state).  Values no result needs (pass_needed) are
 * not copied: among them those a mean over time replaced term by term (the
 * front end's core.time_mean), which read `after` values.
 *
 * Copies are made on demand: a copy first makes the copies it reads that do
 * not exist yet (depth first, with an explicit stack: a chain of states is
 * as deep as the sequence is long).  The copies are requested step by step
 * and, within a step, in creation order, so a graph without REVERSE is made
 * in exactly that order, every input already there; a REVERSE at step t
 * makes the later steps its input needs first.  A copy that needs itself is
 * the user's error: a recurrence that reads the reverse of its own sequence
 * (its step t would need its step T-1-t), reported at the REVERSE on the
 * cycle, or one that reads a value of its own whole sequence through
 * another loop.  The copies are counted before any is made: past
 * IR_MAX_NODES is the user's error, reported before the memory is taken.
 */
#include "passes.h"

#include <stdlib.h>

enum { BEFORE, SEQ, AFTER, UNUSED };

/* One copy to make: node n at step t (0 for an AFTER node); next is the
 * first of the copies it reads that may still be missing. */
typedef struct {
  Node *n;
  int t, next;
} Want;

typedef struct {
  Graph *g;
  int nfwd;
  unsigned char *kind; /* BEFORE, SEQ, AFTER or UNUSED, by forward node id */
  int *steps;          /* steps[id]: the steps of a SEQ node's loop */
  size_t *slot;        /* slot[id]: where the copies of a SEQ or AFTER node begin in made[] */
  Node **made;         /* made[slot[id] + t]: copy of node id at step t, once made */
  Node ***columns;     /* columns[id][j]: a REVERSE by lengths' mask of length j, made once */
  bool *busy;          /* busy[slot[id] + t]: on the stack of copies being made */
  Want *stack;
  int nstack, capstack;
} Unroll;

static size_t slot_of(const Unroll *u, const Node *n, int t) { return u->slot[n->id] + (size_t)t; }

/* The copy that stands for n at step t; NULL if it is not made yet. */
static Node *value(const Unroll *u, Node *n, int t) {
  if (n->id >= u->nfwd) return n; /* made by this pass */
  switch (u->kind[n->id]) {
  case SEQ: return u->made[slot_of(u, n, t)];
  case AFTER: return u->made[slot_of(u, n, 0)];
  default: return n;
  }
}

/* ---- what a copy reads ---- */

static int steps(const Unroll *u, const Node *n) { return u->steps[n->id]; }

/* A REVERSE by the examples' lengths reads its input at steps 0..T-1-t
 * (each example's step length-1-t is one of them), then the lengths. */
static bool by_lengths(const Node *n) { return n->op == OP_REVERSE && n->nin == 2; }

static int reads_count(const Unroll *u, const Node *n, int t) {
  if (u->kind[n->id] == AFTER && (n->op == OP_TIME_SUM || n->op == OP_TIME_STACK)) return steps(u, n->in[0]);
  if (by_lengths(n)) return steps(u, n) - t + 1;
  return n->op == OP_STATE ? 1 : n->nin;
}

/* The k-th copy that n's copy at step t reads: node *m at step *s. */
static void reads(const Unroll *u, const Node *n, int t, int k, Node **m, int *s) {
  *m = n->in[k < n->nin ? k : 0];
  *s = t;
  if (u->kind[n->id] == AFTER) {
    if (n->op == OP_LAST) *s = steps(u, *m) - 1;
    else if (n->op == OP_TIME_SUM || n->op == OP_TIME_STACK) *s = k;
  }
  else if (n->op == OP_STATE && t > 0) *m = n->back, *s = t - 1;
  else if (by_lengths(n)) *m = n->in[k < steps(u, n) - t ? 0 : 1], *s = k;
  else if (n->op == OP_REVERSE) *s = steps(u, n) - 1 - t;
  if ((*m)->id < u->nfwd && u->kind[(*m)->id] != SEQ) *s = 0; /* one copy, read by every step */
}

/* ---- making one copy, once all it reads exists ---- */

static Node *copy(Unroll *u, Node *n, int t) {
  Node **in = mem_alloc((size_t)n->nin, sizeof *in, "a node's inputs");
  for (int k = 0; k < n->nin; k++) in[k] = value(u, n->in[k], t);
  Attr at = n->attr;
  if (ir_ops[n->op].flags & F_RANDOM) at.stream = u->g->nstreams++;
  Node *x = ir_node(u->g, n->op, n->nin, in, &at);
  free(in);
  return x;
}

/* Column j of one_hot(lengths, T+1), [B, 1]: 1 where an example's length
 * is j (CSE shares the one_hot among the steps). */
static Node *length_is(Unroll *u, Node *lengths, int T, int j, int len) {
  Attr depth = {.len = T + 1};
  Node *oh = ir_node(u->g, OP_ONE_HOT, 1, &lengths, &depth);
  return ir_slice(u->g, OP_SLICE, oh, 1, j, len);
}

/* Step t of a mask: VALID is 1 while t < length (the lengths j > t),
 * FINAL at t = length-1. */
static Node *mask_value(Unroll *u, Node *n, int t) {
  int T = n->attr.len;
  Node *lengths = value(u, n->in[0], 0);
  if (n->op == OP_FINAL) return length_is(u, lengths, T, t + 1, 1);
  return ir_shaped(u->g, OP_SUM_TO, length_is(u, lengths, T, t + 1, T - t), n->shape);
}

/* Where an example's length is j, [B, 1, ...] to multiply n's values: the
 * T + 1 of them made at n's first step, so that the T^2 / 2 terms of its
 * steps are one product each. */
static Node *length_mask(Unroll *u, Node *n, int j) {
  Node ***cols = &u->columns[n->id];
  int T = steps(u, n);
  if (!*cols) {
    Shape mask = n->shape; /* [B, 1, ...]: broadcast over the rest */
    for (int i = 1; i < mask.rank; i++) mask.dim[i] = 1;
    *cols = mem_alloc((size_t)T + 1, sizeof **cols, "the masks of a reverse");
    for (int k = 0; k <= T; k++) {
      Node *col = length_is(u, value(u, n->in[1], 0), T, k, 1);
      (*cols)[k] = ir_shape_eq(col->shape, mask) ? col : ir_shaped(u->g, OP_RESHAPE, col, mask);
    }
  }
  return (*cols)[j];
}

/* Step t of x reversed within each example: the sum over s of x at s where
 * s = length-1-t, zero where t is past the length. */
static Node *reverse_by_lengths(Unroll *u, Node *n, int t) {
  int nterms = steps(u, n) - t;
  Node **terms = mem_alloc((size_t)nterms, sizeof *terms, "a reverse's terms");
  for (int s = 0; s < nterms; s++) terms[s] = ir_binary(u->g, OP_MUL, value(u, n->in[0], s), length_mask(u, n, s + t + 1));
  Node *x = nterms == 1 ? terms[0] : ir_node(u->g, OP_ADDN, nterms, terms, NULL);
  free(terms);
  return x;
}

static Node *step_value(Unroll *u, Node *n, int t) {
  Graph *g = u->g;
  switch (n->op) {
  case OP_STATE: return t == 0 ? value(u, n->in[0], 0) : value(u, n->back, t - 1);
  case OP_REVERSE: return by_lengths(n) ? reverse_by_lengths(u, n, t) : value(u, n->in[0], steps(u, n) - 1 - t);
  case OP_VALID:
  case OP_FINAL: return mask_value(u, n, t);
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
  int T = steps(u, n->in[0]);
  Node **all = u->made + slot_of(u, n->in[0], 0);
  switch (n->op) {
  case OP_LAST: return all[T - 1];
  case OP_TIME_SUM: return ir_node(g, OP_ADDN, T, all, NULL);
  case OP_TIME_STACK: {
    Attr at = {.axis = 1};
    return ir_node(g, OP_STACK, T, all, &at);
  }
  default: return copy(u, n, 0);
  }
}

static void make(Unroll *u, Node *n, int t) {
  Graph *g = u->g;
  g->loc = n->loc;
  if (u->kind[n->id] == SEQ) g->loc.step = t + 1; /* the copies say which step they compute (generated C names them so) */
  u->made[slot_of(u, n, t)] = u->kind[n->id] == SEQ ? step_value(u, n, t) : after_value(u, n);
}

/* ---- on demand ---- */

static void push(Unroll *u, Node *n, int t) {
  u->stack = mem_grow(u->stack, u->nstack, &u->capstack, sizeof *u->stack, "the copies to make");
  u->stack[u->nstack++] = (Want){.n = n, .t = t};
  u->busy[slot_of(u, n, t)] = true;
}

/* m at step s is needed by the copy on top of the stack and is being made
 * below it: a cycle, through a REVERSE (reported there) or a reduction. */
static _Noreturn void cycle(const Unroll *u, const Node *m, int s) {
  const Want *w = &u->stack[u->nstack - 1], *reduction = NULL;
  for (int i = u->nstack - 1; i >= 0 && w->n->op != OP_REVERSE; i--) {
    w = &u->stack[i];
    if (ir_ops[w->n->op].flags & F_TIME_REDUCE) reduction = w;
    if (w->n == m && w->t == s) break;
  }
  if (w->n->op == OP_REVERSE || !reduction)
    ir_user_error(w->n->loc, "%s: step %d of this value depends on itself (a recurrence cannot read the reverse "
                  "of a sequence it computes: its step t would need its step T-1-t)",
                  ir_ops[w->n->op].name, w->t + 1);
  ir_user_error(reduction->n->loc, "%s: a value of the whole sequence that its own steps need (through another "
                "time loop): the loop would need its end before its start", ir_ops[reduction->n->op].name);
}

/* Makes n's copy at step t and every missing copy it reads. */
static void demand(Unroll *u, Node *n, int t) {
  if (value(u, n, t)) return;
  push(u, n, t);
  while (u->nstack > 0) {
    Want *w = &u->stack[u->nstack - 1];
    if (w->next < reads_count(u, w->n, w->t)) {
      Node *m;
      int s;
      reads(u, w->n, w->t, w->next++, &m, &s);
      if (m->id >= u->nfwd || u->kind[m->id] == BEFORE || value(u, m, s)) continue;
      if (u->busy[slot_of(u, m, s)]) cycle(u, m, s);
      push(u, m, s);
      continue;
    }
    u->busy[slot_of(u, w->n, w->t)] = false;
    u->nstack--;
    make(u, w->n, w->t);
  }
}

/* ---- the plan ---- */

/* Sorts forward nodes into BEFORE / SEQ / AFTER, or UNUSED.  A SEQ node may
 * read an AFTER value of another loop (verify has made sure of that, or a
 * cycle of copies will tell). */
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
    u->kind[i] = n->seq ? SEQ : after ? AFTER : BEFORE;
  }
}

/* Gives every SEQ node a slot per step of its loop and every AFTER node
 * one, after checking that the copies fit in a graph; returns the number of
 * slots and the most steps of a loop. */
static size_t number_slots(Unroll *u, int *most) {
  long nseq = 0, copies = 0; /* < 2^22 nodes x 2^20 steps: fits */
  *most = 0;
  for (int i = 0; i < u->nfwd; i++) {
    if (u->kind[i] != SEQ) continue;
    u->steps[i] = ir_loop_steps(u->g, u->g->nodes[i]);
    if (u->steps[i] > *most) *most = u->steps[i];
    u->slot[i] = (size_t)copies;
    copies += u->steps[i], nseq++;
  }
  if (copies > IR_MAX_NODES - u->nfwd)
    ir_user_error((SrcLoc){.file = u->g->loc.file},
                  "unrolling %ld per-step nodes over %d steps makes %ld nodes, more than the limit of %d; use "
                  "fewer --steps",
                  nseq, *most, copies, IR_MAX_NODES);
  for (int i = 0; i < u->nfwd; i++)
    if (u->kind[i] == AFTER) u->slot[i] = (size_t)copies++;
  return (size_t)copies;
}

void pass_unroll(Graph *g) {
  Unroll u = {.g = g, .nfwd = g->nnodes};
  u.kind = mem_calloc((size_t)u.nfwd, 1, "the kinds of forward nodes");
  u.steps = mem_calloc((size_t)u.nfwd, sizeof *u.steps, "the steps of forward nodes");
  u.slot = mem_calloc((size_t)u.nfwd, sizeof *u.slot, "the slots of forward nodes");
  classify(&u);
  int most;
  size_t nslots = number_slots(&u, &most);
  u.made = mem_calloc(nslots, sizeof *u.made, "the copies of every step");
  u.busy = mem_calloc(nslots, sizeof *u.busy, "the copies being made");
  u.columns = mem_calloc((size_t)u.nfwd, sizeof *u.columns, "the masks of reverses");
  for (int t = 0; t < most; t++)
    for (int i = 0; i < u.nfwd; i++)
      if (u.kind[i] == SEQ && t < u.steps[i]) demand(&u, g->nodes[i], t);
  for (int i = 0; i < u.nfwd; i++)
    if (u.kind[i] == AFTER) demand(&u, g->nodes[i], 0);
  for (int i = 0; i < g->nresults; i++) g->results[i].node = value(&u, g->results[i].node, 0);
  free(u.kind);
  free(u.steps);
  free(u.slot);
  free(u.made);
  free(u.busy);
  for (int i = 0; i < u.nfwd; i++) free(u.columns[i]);
  free(u.columns);
  free(u.stack);
}

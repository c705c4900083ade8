/*
 * plan.c - views, fused loops and the order of items (see plan.h).
 *
 * One walk over the schedule.  Each node is
 *   a leaf        a parameter or an input: read where it lies;
 *   a constant    a literal in whatever reads it (a kernel that needs it in
 *                 memory gets a fill item);
 *   a view        select, slice, broadcast_to, and reshape of
 *                 contiguous data: offset and strides into its input's base;
 *   fusable       elementwise ops, addn and dropout masks: joins an open
 *                 fused loop of its shape that computes one of its inputs,
 *                 or opens a new one;
 *   in place      a stack or concat of values that items compute, each into
 *                 a buffer of its own: each is computed into its block of
 *                 the join's buffer instead (a view of the join written by
 *                 its item), and the join is no item;
 *   a kernel      everything else: one item of its own.
 * A fused loop stays open while later nodes may join it, and is closed (its
 * item appended) just before the first item that reads one of its values
 * from memory.  An open loop's inputs were all computed before it opened or
 * joined, so closing it at any later point is safe.  Joining only loops that
 * compute an input keeps one loop per step and kind (the cell of step t is
 * not merged with an unrelated loop), so the emitter can share their code.
 */
#include "alloc.h"
#include "plan.h"

#include <stdlib.h>
#include <string.h>

/* ---- parameter layout ---- */

enum { PARAM_ALIGN = 16 };

ParamLayout *plan_param_layout(const Graph *g) {
  ParamLayout *l = mem_calloc(1, sizeof *l, "the plan");
  l->names = mem_calloc((size_t)g->nparams, sizeof *l->names, "the plan");
  l->offset = mem_calloc((size_t)g->nparams, sizeof *l->offset, "the plan");
  for (int pass = 0; pass < 2; pass++) /* trainable first, then optimizer state */
    for (int i = 0; i < g->nparams; i++) {
      const Node *p = g->params[i];
      if (p->attr.trainable != (pass == 0)) continue;
      l->names[l->n] = p->attr.name;
      l->offset[l->n++] = l->total;
      l->total += (ir_numel(p->shape) + PARAM_ALIGN - 1) / PARAM_ALIGN * PARAM_ALIGN;
      if (pass == 0) l->trainable = l->total;
    }
  return l;
}

void plan_layout_free(ParamLayout *l) {
  if (!l) return;
  free(l->names);
  free(l->offset);
  free(l);
}

long plan_param_offset(const ParamLayout *l, const char *name) {
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->names[i], name)) return l->offset[i];
  return -1;
}

/* ---- views ---- */

const Node *plan_base(const Plan *p, const Node *n, long *offset, long stride[static IR_MAXDIM]) {
  const Loc *l = &p->loc[n->id];
  if (l->kind == LOC_VIEW) {
    *offset = l->offset;
    memcpy(stride, l->stride, sizeof l->stride);
    return l->base;
  }
  *offset = 0;
  ir_contiguous_strides(n->shape, stride);
  return n;
}

bool plan_view_of(const Node *n, long *offset, long stride[static IR_MAXDIM]) {
  const Node *x = n->in[0];
  const Attr *a = &n->attr;
  switch (n->op) {
  case OP_SELECT:
    *offset += a->start * stride[a->axis];
    for (int i = a->axis; i + 1 < x->shape.rank; i++) stride[i] = stride[i + 1];
    return true;
  case OP_SLICE: *offset += a->start * stride[a->axis]; return true;
  case OP_BROADCAST_TO: ir_broadcast_strides(x->shape, stride, n->shape, stride); return true;
  case OP_RESHAPE:
    if (!ir_is_contiguous(x->shape, stride)) return false;
    ir_contiguous_strides(n->shape, stride);
    return true;
  default: die("%s is flagged F_VIEW but has no view rule", ir_ops[n->op].name);
  }
}

/* Makes n a view of its input's base; false if it cannot be one. */
static bool make_view(Plan *p, const Node *n) {
  long off, st[IR_MAXDIM];
  const Node *base = plan_base(p, n->in[0], &off, st);
  if (!plan_view_of(n, &off, st)) return false;
  p->loc[n->id] = (Loc){.kind = LOC_VIEW, .base = base, .offset = off, .item = -1};
  memcpy(p->loc[n->id].stride, st, sizeof st);
  return true;
}

/* ---- fused loops ---- */

enum { LOOP_OPEN = -1, LOOP_MERGED = -2 };

typedef struct {
  int item;       /* its item once closed; LOOP_OPEN, or LOOP_MERGED into another loop */
  const Node **members;
  int n, cap;
  const Node *product; /* the product whose epilogue it is, or NULL */
  const Node **terms;  /* products of its shape added to it (plan.h), kept if close_loop agrees */
  int nterms, cap_terms;
} Loop;

typedef struct {
  Plan *p;
  Loop *loops;    /* by loop id */
  int nloops;
  int *loop_of;   /* by node id: the loop computing it, or -1 */
  int cap_items;
  bool *part;     /* by node id: an input of a join in place, computed into it */
  bool *pending;  /* by node id: a product waiting for the loop of its reader (plan.h) */
  const Node **reader; /* by node id: the one node reading it directly, or NULL */
} Builder;

static void push_item(Builder *b, Item it) {
  b->p->items = mem_grow(b->p->items, b->p->nitems, &b->cap_items, sizeof *b->p->items, "the items of the plan");
  b->p->items[b->p->nitems++] = it;
}

/* Product n, its inputs in memory, becomes an item of its own now, its
 * value stored. */
static void product_item(Builder *b, const Node *n) {
  b->loop_of[n->id] = -1;
  b->p->loc[n->id].item = b->p->nitems;
  push_item(b, (Item){.node = n});
}

static bool is_sum_in(const Builder *b, int id, const Node *x) {
  return (x->op == OP_ADD || x->op == OP_ADDN) && b->loop_of[x->id] == id;
}

/* Does term t's value reach the product of loop id by additions alone: up
 * sole readers that are sums in the loop, to one on the product's own such
 * chain?  Then one accumulator can hold both: the sums before the meeting
 * one are off by t, but nothing else reads them, and from it on every value
 * is as before (to rounding: the sum is reassociated). */
static bool adds_to_product(const Builder *b, int id, const Node *t) {
  for (const Node *x = t; (x = b->reader[x->id]) && is_sum_in(b, id, x);)
    for (const Node *y = b->loops[id].product; (y = b->reader[y->id]) && is_sum_in(b, id, y);)
      if (y == x) return true;
  return false;
}

/* The terms of loop id that do not add to its product (or all, if it has
 * none) become items of their own, before the loop. */
static void check_terms(Builder *b, int id) {
  Loop *lp = &b->loops[id];
  int kept = 0;
  for (int i = 0; i < lp->nterms; i++)
    if (lp->product && adds_to_product(b, id, lp->terms[i])) lp->terms[kept++] = lp->terms[i];
    else product_item(b, lp->terms[i]);
  lp->nterms = kept;
}

static void close_loop(Builder *b, int id) {
  Loop *lp = &b->loops[id];
  if (lp->item != LOOP_OPEN) return;
  for (int i = 0; i < lp->n && lp->product; i++) /* an epilogue has no seed */
    if (ir_ops[lp->members[i]->op].flags & F_RANDOM) product_item(b, lp->product), lp->product = NULL;
  check_terms(b, id);
  lp->item = b->p->nitems;
  for (int i = 0; i < lp->n; i++) b->p->loc[lp->members[i]->id].item = lp->item;
  if (lp->product) b->p->loc[lp->product->id].item = lp->item;
  for (int i = 0; i < lp->nterms; i++) b->p->loc[lp->terms[i]->id].item = lp->item;
  push_item(b, (Item){.node = lp->product, .members = lp->members, .nmembers = lp->n, .terms = lp->terms,
                      .nterms = lp->nterms});
}

/* Loop id takes product x, which its member reads, as the product whose
 * epilogue it is, if it has none yet, or as a term of that product if x
 * has its shape (close_loop checks it is one); else x is an item of its own. */
static void take_product(Builder *b, int id, const Node *x) {
  Loop *lp = &b->loops[id];
  if (!lp->product) {
    lp->product = x;
  } else if (ir_shape_eq(x->shape, lp->product->shape) && x->dtype == lp->product->dtype && x->shape.dim[0] == 1) {
    lp->terms = mem_grow(lp->terms, lp->nterms, &lp->cap_terms, sizeof *lp->terms, "the terms of a product");
    lp->terms[lp->nterms++] = x;
  } else {
    product_item(b, x);
    return;
  }
  b->loop_of[x->id] = id;
}

/* The open loop that computes the value n is read through, or -1. */
static int open_loop_of(const Builder *b, const Node *n) {
  long off, st[IR_MAXDIM];
  const Node *base = plan_base(b->p, n, &off, st);
  int id = b->loop_of[base->id];
  return id >= 0 && b->loops[id].item == LOOP_OPEN ? id : -1;
}

/* Before an item reads x from memory, x's loop must have run; a constant
 * gets a fill item the first time a kernel needs it in memory (kernels take
 * every operand as a pointer). */
static void need_in_memory(Builder *b, const Node *x) {
  Loc *l = &b->p->loc[x->id];
  if (x->op == OP_CONST && l->item < 0) {
    l->item = b->p->nitems;
    push_item(b, (Item){.node = x});
    return;
  }
  int id = open_loop_of(b, x);
  if (id >= 0) close_loop(b, id);
}

static void add_member(Builder *b, int id, const Node *n) {
  Loop *lp = &b->loops[id];
  lp->members = mem_grow(lp->members, lp->n, &lp->cap, sizeof *lp->members, "the members of a fused loop");
  lp->members[lp->n++] = n;
  b->loop_of[n->id] = id;
}

/* The open loop that computes x, read directly by a node of x's shape, or -1. */
static int joinable_loop(const Builder *b, const Node *n, const Node *x) {
  int id = b->loop_of[x->id];
  return id >= 0 && b->loops[id].item == LOOP_OPEN && ir_shape_eq(x->shape, n->shape) ? id : -1;
}

/* Loop `from` joins loop `into`, both open: neither reads the other's values
 * (a loop read from outside, or through a view, is closed first), so its
 * members can follow those of `into` in any order. */
static void merge_loops(Builder *b, int into, int from) {
  Loop *src = &b->loops[from];
  for (int i = 0; i < src->n; i++) add_member(b, into, src->members[i]);
  if (src->product) take_product(b, into, src->product);
  for (int i = 0; i < src->nterms; i++) take_product(b, into, src->terms[i]);
  free(src->members);
  free(src->terms);
  *src = (Loop){.item = LOOP_MERGED};
}

/* n joins the open loop of one of its same-shape inputs read directly, or
 * opens a loop; the open loops of its other same-shape inputs read directly
 * merge into it (the cell of an LSTM, which reads four slices of its gates,
 * is one loop); every other input must be in memory first. */
static void fuse(Builder *b, const Node *n) {
  int join = -1;
  for (int k = 0; k < n->nin && join < 0; k++) join = joinable_loop(b, n, n->in[k]);
  for (int k = 0; k < n->nin; k++) {
    const Node *x = n->in[k];
    if (join >= 0 && b->loop_of[x->id] == join) continue; /* a temporary of the loop */
    int id = joinable_loop(b, n, x);
    if (id >= 0 && join >= 0) {
      merge_loops(b, join, id);
      continue;
    }
    id = open_loop_of(b, x);
    if (id >= 0 && id == join) join = -1; /* read through a view: not at the same index */
    if (id >= 0) close_loop(b, id);
  }
  if (join < 0) {
    b->loops = mem_realloc(b->loops, (size_t)b->nloops + 1, sizeof *b->loops, "the fused loops of the plan");
    b->loops[b->nloops] = (Loop){.item = LOOP_OPEN};
    join = b->nloops++;
  }
  add_member(b, join, n);
  for (int k = 0; k < n->nin; k++)
    if (b->pending[n->in[k]->id]) b->pending[n->in[k]->id] = false, take_product(b, join, n->in[k]);
}

/* ---- joins in place ---- */

/* Does any view read x (as its base)? */
static bool viewed(const Plan *p, const Node *x) {
  for (int i = 0; i < p->g->nnodes; i++)
    if (p->loc[i].kind == LOC_VIEW && p->loc[i].base == x) return true;
  return false;
}

/* x, stored on its own so far, becomes a view of `base` at element offset
 * off with strides st (still computed by its item, and stored); the views of
 * x so far follow it, which takes x's block to be laid out as x was (so do
 * the parts of a concat in place that x is). */
static void move_into(Plan *p, const Node *x, const Node *base, long off, const long *st) {
  for (int i = 0; i < p->g->nnodes; i++) {
    Loc *v = &p->loc[i];
    if (v->kind == LOC_VIEW && v->base == x) v->base = base, v->offset += off;
  }
  Loc *l = &p->loc[x->id];
  l->kind = LOC_VIEW, l->base = base, l->offset = off, l->stored = true;
  memcpy(l->stride, st, sizeof l->stride);
}

/* Join n (a stack or a concat) is in place if each of its inputs, computed
 * by an item of this plan (not a leaf, constant or view, which is read where
 * it lies), can be computed into its block of n: then n is no item of its
 * own, only storage, from its first input's item on.  The inputs must be
 * distinct and in no other join in place.  A block is contiguous along
 * axis 0, and laid out like the input on its own; otherwise only a fused
 * loop computes it (its stores follow any strides; a kernel writes its
 * output contiguously), and nothing may view it yet (a view made before is
 * relative to the contiguous layout).  The inputs' loops are closed first,
 * as a kernel's inputs would be, since whatever reads n reads them. */
static bool join_in_place(Builder *b, const Node *n) {
  Plan *p = b->p;
  if (n->op != OP_STACK && n->op != OP_CONCAT) return false;
  bool along0 = n->attr.axis == 0;
  for (int j = 0; j < n->nin; j++) {
    const Node *x = n->in[j];
    if (x->op == OP_CONST || (ir_ops[x->op].flags & F_LEAF) || p->loc[x->id].kind == LOC_VIEW || b->part[x->id] ||
        (!along0 && (b->loop_of[x->id] < 0 || viewed(p, x))))
      return false;
    for (int i = 0; i < j; i++)
      if (n->in[i] == x) return false;
  }
  for (int j = 0; j < n->nin; j++) need_in_memory(b, n->in[j]);
  Loc *nl = &p->loc[n->id];
  *nl = (Loc){.kind = LOC_ARENA, .item = p->nitems};
  long os[IR_MAXDIM], st[IR_MAXDIM], at = 0;
  ir_contiguous_strides(n->shape, os);
  bool new_axis = n->op == OP_STACK;
  int ax = n->attr.axis;
  for (int j = 0; j < n->nin; j++) {
    const Node *x = n->in[j];
    if (p->loc[x->id].item < nl->item) nl->item = p->loc[x->id].item;
    for (int k = 0; k < x->shape.rank; k++) st[k] = os[new_axis && k >= ax ? k + 1 : k];
    move_into(p, x, n, at * os[ax], st);
    b->part[x->id] = true;
    at += new_axis ? 1 : x->shape.dim[ax];
  }
  return true;
}

/* Join n is a view, neither an item nor storage of its own, when its inputs
 * already lie where n's elements would: each a view of one base with the
 * same strides, each the next a fixed step (stack) or its extent (concat)
 * further along n's axis.  So a stack of the first T - 1 of T states that a
 * join in place holds (what a weight gradient reads) is those states where
 * they are, not a copy of them. */
static bool join_as_view(Plan *p, const Node *n) {
  if ((n->op != OP_STACK && n->op != OP_CONCAT) || n->nin < 2) return false;
  const Loc *first = &p->loc[n->in[0]->id];
  int ax = n->attr.axis, rank = n->in[0]->shape.rank;
  bool stack = n->op == OP_STACK;
  long step = stack ? p->loc[n->in[1]->id].offset - first->offset : first->stride[ax];
  if (first->kind != LOC_VIEW || step <= 0) return false;
  long at = 0;
  for (int j = 0; j < n->nin; j++) {
    const Node *x = n->in[j];
    const Loc *l = &p->loc[x->id];
    if (l->kind != LOC_VIEW || l->base != first->base || l->offset != first->offset + at * step ||
        memcmp(l->stride, first->stride, (size_t)rank * sizeof *l->stride))
      return false;
    at += stack ? 1 : x->shape.dim[ax];
  }
  long st[IR_MAXDIM];
  for (int k = 0; k < n->shape.rank; k++)
    st[k] = !stack ? first->stride[k] : k < ax ? first->stride[k] : k == ax ? step : first->stride[k - 1];
  p->loc[n->id] = (Loc){.kind = LOC_VIEW, .base = first->base, .offset = first->offset, .item = -1};
  memcpy(p->loc[n->id].stride, st, sizeof st);
  return true;
}

/* A member is stored when anything outside its loop reads it. */
static void mark_stored(Plan *p, const int *loop_of) {
  const Graph *g = p->g;
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    for (int k = 0; k < n->nin; k++) {
      long off, st[IR_MAXDIM];
      const Node *x = plan_base(p, n->in[k], &off, st);
      if (loop_of[x->id] >= 0 && (loop_of[n->id] != loop_of[x->id] || x != n->in[k]))
        p->loc[x->id].stored = true;
    }
  }
  for (int i = 0; i < g->nresults; i++) {
    long off, st[IR_MAXDIM];
    const Node *x = plan_base(p, g->results[i].node, &off, st);
    if (loop_of[x->id] >= 0) p->loc[x->id].stored = true;
  }
}

static void place_leaf(Plan *p, const Node *n, const ParamLayout *layout) {
  Loc *l = &p->loc[n->id];
  l->item = -1;
  if (n->op == OP_INPUT) l->kind = LOC_INPUT;
  else if (n->op == OP_PARAM) {
    l->kind = LOC_PARAM;
    l->offset = plan_param_offset(layout, n->attr.name);
    if (l->offset < 0) die("parameter '%s' is not in the layout", n->attr.name);
  } else
    l->kind = LOC_NONE; /* CONST: a literal */
}

/* rows[id]: node id is a transpose of a matrix parameter that only one-row
 * products narrower than a vector read, as their B.  Such a product is dot
 * products (emit_ops.c), which read the rows of the parameter in place, as
 * PyTorch stores them: the transpose is a view, neither copied nor
 * prepared, and each dot product runs along a contiguous row instead of
 * being one chain of K multiply-adds down a column. */
static bool *rows_in_place(const Graph *g) {
  bool *rows = mem_calloc((size_t)g->nnodes, sizeof *rows, "the plan");
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    rows[i] = n->op == OP_TRANSPOSE && n->in[0]->op == OP_PARAM && n->in[0]->shape.rank == 2;
  }
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    bool narrow = n->op == OP_MATMUL && !n->attr.ta && !n->attr.tb && n->shape.dim[0] == 1 && n->shape.dim[1] < 16;
    for (int k = 0; k < n->nin; k++)
      if (!narrow || k != 1 || n->in[0] == n->in[1]) rows[n->in[k]->id] = false;
  }
  for (int i = 0; i < g->nresults; i++) rows[g->results[i].node->id] = false;
  return rows;
}

bool *plan_prepared_params(const Graph *g) {
  bool *prepared = mem_calloc((size_t)g->nnodes, sizeof *prepared, "the plan");
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    if (n->op == OP_PARAM && n->shape.rank == 2) prepared[i] = true;
  }
  /* a parameter read otherwise than through a transpose stays as it is */
  bool *read_transposed = mem_calloc((size_t)g->nnodes, sizeof *read_transposed, "the plan");
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    for (int k = 0; k < n->nin; k++) {
      if (n->op == OP_TRANSPOSE) read_transposed[n->in[k]->id] = true;
      else prepared[n->in[k]->id] = false;
    }
  }
  for (int i = 0; i < g->nresults; i++) prepared[g->results[i].node->id] = false;
  bool *rows = rows_in_place(g);
  for (int i = 0; i < g->nnodes; i++)
    if (rows[i]) prepared[g->nodes[i]->in[0]->id] = false;
  for (int i = 0; i < g->nnodes; i++) prepared[i] = prepared[i] && read_transposed[i];
  free(read_transposed);
  free(rows);
  return prepared;
}

bool plan_epilogue_product(const Node *n) {
  return n->op == OP_MATMUL && !n->attr.ta && n->shape.rank == 2 && n->shape.dim[1] >= 16 &&
         (n->shape.dim[0] == 1 || n->in[0]->shape.dim[1] <= PLAN_EPILOGUE_K);
}

/* reader[id]: the one node reading node id directly, NULL when none does or
 * several do or it is a result. */
static const Node **sole_readers(const Graph *g) {
  const Node **reader = mem_calloc((size_t)g->nnodes, sizeof *reader, "the plan");
  bool *shared = mem_calloc((size_t)g->nnodes, sizeof *shared, "the plan");
  for (int i = 0; i < g->nnodes; i++)
    for (int k = 0; k < g->nodes[i]->nin; k++) {
      int x = g->nodes[i]->in[k]->id;
      if (reader[x]) shared[x] = true;
      reader[x] = g->nodes[i];
    }
  for (int i = 0; i < g->nresults; i++) shared[g->results[i].node->id] = true;
  for (int i = 0; i < g->nnodes; i++)
    if (shared[i]) reader[i] = NULL;
  free(shared);
  return reader;
}

/* Does product n wait for its reader's loop, to be its epilogue?  The
 * reader is elementwise over n's shape and reads n at the same index. */
static bool epilogue_awaited(const Node *n, const Node *reader) {
  return plan_epilogue_product(n) && reader && (ir_ops[reader->op].flags & F_FUSABLE) &&
         !(ir_ops[reader->op].flags & F_VIEW) && ir_shape_eq(reader->shape, n->shape);
}

/* The transpose of a prepared parameter: stored where the parameter is. */
static bool is_prepared_transpose(const Node *n, const bool *prepared) {
  return prepared && n->op == OP_TRANSPOSE && prepared[n->in[0]->id];
}

/* ---- updates in place ---- */

/* Does item it read base's storage (through any view), and where?  0: not
 * at all; 1: only as an operand of its fused loop at the loop's own index
 * (base itself, of the loop's shape, read by members); 2: otherwise. */
static int reads_of(const Plan *p, const Item *it, const Node *base) {
  int how = 0;
  for (int m = -1; m < it->nmembers + it->nterms; m++) {
    const Node *r = m < 0 ? it->node : m < it->nmembers ? it->members[m] : it->terms[m - it->nmembers];
    for (int k = 0; r && k < r->nin; k++) {
      long off, st[IR_MAXDIM];
      if (plan_base(p, r->in[k], &off, st) != base) continue;
      bool at_index = m >= 0 && m < it->nmembers && r->in[k] == base && ir_shape_eq(base->shape, r->shape);
      how = at_index && how < 2 ? 1 : 2;
    }
  }
  return how;
}

/* The parameter node named name, or NULL. */
static const Node *param_named(const Graph *g, const char *name) {
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i]->op == OP_PARAM && !strcmp(g->nodes[i]->attr.name, name)) return g->nodes[i];
  return NULL;
}

/* A parameter's update u (a ROLE_UPDATE result) may be written over the
 * parameter itself when a fused loop computes it from the parameter at the
 * same index and nothing after that loop reads the old value: then the
 * update needs neither an arena buffer nor a copy at the end (entry.c). */
static void updates_in_place(Plan *p) {
  const Graph *g = p->g;
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    const Node *u = r->node, *param = r->role == ROLE_UPDATE ? param_named(g, r->name) : NULL;
    Loc *l = &p->loc[u->id];
    if (!param || l->kind != LOC_ARENA || p->items[l->item].node || !ir_shape_eq(u->shape, param->shape)) continue;
    bool alone = true;
    for (int j = 0; j < g->nresults && alone; j++) {
      long off, st[IR_MAXDIM];
      alone = plan_base(p, g->results[j].node, &off, st) != param;
    }
    for (int j = l->item; j < p->nitems && alone; j++) alone = reads_of(p, &p->items[j], param) < (j == l->item ? 2 : 1);
    if (alone) *l = (Loc){.kind = LOC_PARAM, .base = param, .offset = p->loc[param->id].offset, .item = l->item, .stored = true};
  }
}

Plan *plan_build(const Graph *g, const ParamLayout *layout, const bool *prepared) {
  Plan *p = mem_calloc(1, sizeof *p, "the plan");
  p->g = g;
  p->loc = mem_calloc((size_t)g->nnodes, sizeof *p->loc, "the plan");
  Builder b = {.p = p, .loop_of = mem_calloc((size_t)g->nnodes, sizeof(int), "the plan"),
               .part = mem_calloc((size_t)g->nnodes, sizeof(bool), "the plan"),
               .pending = mem_calloc((size_t)g->nnodes, sizeof(bool), "the plan")};
  const Node **reader = b.reader = sole_readers(g);
  bool *rows = rows_in_place(g);
  for (int i = 0; i < g->nnodes; i++) b.loop_of[i] = -1;
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    if (ir_ops[n->op].flags & F_LEAF) {
      place_leaf(p, n, layout);
    } else if (is_prepared_transpose(n, prepared)) {
      place_leaf(p, n->in[0], layout);
      p->loc[n->id] = p->loc[n->in[0]->id];
    } else if (rows[n->id]) { /* [K, N], the parameter's element (j, k) at j * K + k */
      place_leaf(p, n->in[0], layout);
      p->loc[n->id] = (Loc){.kind = LOC_VIEW, .base = n->in[0], .stride = {1, n->shape.dim[0]}, .item = -1};
    } else if ((ir_ops[n->op].flags & F_VIEW) && n->in[0]->op != OP_CONST) {
      if (!make_view(p, n)) goto kernel;
    } else if (ir_ops[n->op].flags & F_FUSABLE) {
      fuse(&b, n);
    } else if (join_as_view(p, n) || join_in_place(&b, n)) {
      /* no item: its inputs' items compute it */
    } else {
    kernel:
      for (int k = 0; k < n->nin; k++) need_in_memory(&b, n->in[k]);
      if (epilogue_awaited(n, reader[n->id])) {
        b.pending[n->id] = true; /* its item is its reader's loop's */
        p->loc[n->id].item = -1;
        continue;
      }
      p->loc[n->id].item = p->nitems;
      push_item(&b, (Item){.node = n});
    }
  }
  for (int id = 0; id < b.nloops; id++) close_loop(&b, id);
  mark_stored(p, b.loop_of);
  for (int i = 0; i < g->nnodes; i++) {
    Loc *l = &p->loc[i];
    if (l->kind != LOC_VIEW && l->item >= 0 && (b.loop_of[i] < 0 || l->stored)) l->kind = LOC_ARENA;
  }
  updates_in_place(p);
  for (int id = 0; id < b.nloops; id++)
    if (b.loops[id].item == LOOP_OPEN) die("fused loop %d never closed", id);
  for (int i = 0; i < g->nnodes; i++)
    if (b.pending[i]) die("product %%%d never met the loop of its reader", i);
  free(b.loops);
  free(b.loop_of);
  free(b.part);
  free(b.pending);
  free(reader);
  free(rows);
  return p;
}

void plan_free(Plan *p) {
  if (!p) return;
  for (int i = 0; i < p->nitems; i++) free((void *)p->items[i].members), free((void *)p->items[i].terms);
  free(p->items);
  free(p->loc);
  free(p);
}

/*
 * batch_time.c - one large matrix product instead of T small ones.
 *
 * requires: scheduled (after simplify): ids are a topological order of the
 * live nodes.
 * invalidates: the schedule: new nodes are appended and the nodes they
 * replace become dead (pass_schedule drops them).
 *
 * Unrolling leaves T copies of every product: each step multiplies its slice
 * of the input by the same weight, and BPTT sums T weight-gradient products
 * and T bias reductions.  One product of [B*T, I] rows is one kernel call
 * instead of T, and a kernel that blocks for the cache reuses each block of
 * the weight over B*T rows instead of B.  So the pass merges them, with
 * existing ops only (matmul, scatter_add, reshape, stack, slice, select,
 * sum_to): the interpreter, the gradient rules and the C emitter need
 * nothing new.  The price is [T, B, ...] values: a stack, which copies
 * unless plan.c lets the producers of its steps write into it (steps along
 * axis 0); a reshape, a slice or a select moves nothing.  Three rewrites,
 * in this order:
 *   1. addn(matmul(P_t, Q_t) ta, ...) = sum_t P_t^T Q_t, a weight gradient,
 *      becomes matmul(rows(P), rows(Q)) ta, where rows(V) lays the V_t out
 *      as the rows of one [k*B, D] matrix: reshape(stack(V_t, axis=0)) (or
 *      of a run of an earlier stack), or reshape(X) when the V_t are the
 *      selects of X along axis 1 in order, and then the other side stacks
 *      along axis 1 to match ([B*k, D]).  Other addn terms stay.  The same
 *      for addn(scatter_add(ids_t, Q_t), ...), simplify.c's form of
 *      matmul(one_hot(ids_t), Q_t) ta: scatter_add(rows(ids), rows(Q)).
 *   2. addn(sum_to(V_t) ...) reducing away the leading axis (a bias
 *      gradient) becomes sum_to(stack(V_t)) (or sum_to(X)).
 *   3. A group of products matmul(A_t, W) (no ta, same W and tb, A_t of one
 *      shape) becomes Y = reshape(matmul(rows(A), W), [k, B, G]) and each
 *      member becomes select(Y, axis=0, t) (or [B, k, G] and axis 1, as
 *      rows(A) has them): the input projections of every
 *      step, and in BPTT the gradients sent back through them.  Where every
 *      member's one reader adds the same bias to it (b_ih of x W_ih^T +
 *      b_ih), Y includes the bias and each sum becomes the select instead:
 *      one add over [k*B, G], the product's epilogue (plan.h), in place of
 *      k.  Merging makes
 *      every member wait for every A_t, so a group is merged only if no A_t
 *      depends on a member: the recurrent matmul(h_{t-1}, weight_hh) never
 *      is (h_t depends on the product of step t-1).  One depth-first sweep
 *      from the A_t over the graph as rewritten so far decides; the graph
 *      stays acyclic after each merge, so checking groups one at a time
 *      also rules out cycles through two merged groups.
 * Rewrites 1 and 2 cannot make a cycle: they read values the addn already
 * depended on.  They run first because their pairs fix a step order (the
 * select index, else the order of an earlier stack, else the order in which
 * the forward values Q_t were computed) that later stacks of the same values
 * adopt, so a stack of dY_t is made once and shared by the weight gradient,
 * the bias gradient and the projection.
 * New nodes carry the spec line of the nodes they replace, and their step
 * when they stand for one step's value.
 */
#include "passes.h"

#include <stdlib.h>

typedef struct {
  Graph *g;
  int n0;        /* nodes before the pass: only these are ever replaced */
  Node **repl;   /* repl[id]: the node standing for original node id, or NULL */
  Node **stacks; /* every stack and row matrix made here, for reuse */
  Node **reader; /* by original id, its one reader (find_readers), for rewrite 3 */
  int nstacks, capstacks;
} Batch;

/* What x stands for now. */
static Node *now(const Batch *b, Node *x) {
  return x->id < b->n0 && b->repl[x->id] ? b->repl[x->id] : x;
}

static Node *remember(Batch *b, Node *x) {
  b->stacks = mem_grow(b->stacks, b->nstacks, &b->capstacks, sizeof *b->stacks, "the stacks of batch_time");
  return b->stacks[b->nstacks++] = x;
}

/* ---- the step order of k per-step values: v[perm[j]] goes to step j ---- */

/* The X of which v[0..k) are select(X, axis=1, j) for j = 0..k-1, each once
 * (perm[j] is the position of index j in v); NULL if there is none. */
static Node *selected_from(Node *const *v, int k, int *perm) {
  Node *x = v[0]->op == OP_SELECT ? v[0]->in[0] : NULL;
  if (!x || x->shape.rank != v[0]->shape.rank + 1 || x->shape.dim[1] != k) return NULL;
  for (int j = 0; j < k; j++) perm[j] = -1;
  for (int i = 0; i < k; i++) {
    const Node *s = v[i];
    if (s->op != OP_SELECT || s->in[0] != x || s->attr.axis != 1 || perm[s->attr.start] >= 0)
      return NULL;
    perm[s->attr.start] = i;
  }
  return x;
}

/* X if v[j] = select(X, axis=1, j) for every j in 0..k-1: then X itself
 * (or a reshape of it) holds the values in order, and nothing is copied. */
static Node *source_in_order(Node *const *v, int k) {
  Node *x = v[0]->op == OP_SELECT ? v[0]->in[0] : NULL;
  bool in_order = x && x->shape.rank == v[0]->shape.rank + 1 && x->shape.dim[1] == k;
  for (int j = 0; in_order && j < k; j++)
    in_order = v[j]->op == OP_SELECT && v[j]->in[0] == x && v[j]->attr.axis == 1 &&
               v[j]->attr.start == j;
  return in_order ? x : NULL;
}

/* Follows an earlier stack of the same values, in any order, or a run of
 * one along axis 0 (which a slice reads in place: the weight gradient of
 * W_hh has no step 0, and shares the stack of dz that W_ih's gradient made). */
static bool order_of_stack(const Batch *b, Node *const *v, int k, int *perm) {
  bool *used = mem_alloc((size_t)k, sizeof *used, "the steps of a stack"), all = false;
  for (int s = 0; s < b->nstacks && !all; s++) {
    Node *st = b->stacks[s];
    if (st->op != OP_STACK || st->nin < k || (st->nin > k && st->attr.axis != 0)) continue;
    for (int start = 0; start + k <= st->nin && !all; start++) {
      all = true;
      for (int i = 0; i < k; i++) used[i] = false;
      for (int j = 0; j < k && all; j++) {
        perm[j] = -1;
        for (int i = 0; i < k && perm[j] < 0; i++)
          if (!used[i] && v[i] == now(b, st->in[start + j])) perm[j] = i, used[i] = true;
        all = perm[j] >= 0;
      }
    }
  }
  free(used);
  return all;
}

typedef struct {
  int id, i;
} IdAt;

static int by_id_then_place(const void *pa, const void *pb) {
  const IdAt *x = pa, *y = pb;
  return x->id != y->id ? (x->id > y->id) - (x->id < y->id) : (x->i > y->i) - (x->i < y->i);
}

/* Creation order: forward values are made step by step (ties keep their
 * place; a sort, as k is the number of steps). */
static void order_of_ids(Node *const *v, int k, int *perm) {
  IdAt *a = mem_alloc((size_t)k, sizeof *a, "the step order of a sum");
  for (int i = 0; i < k; i++) a[i] = (IdAt){v[i]->id, i};
  qsort(a, (size_t)k, sizeof *a, by_id_then_place);
  for (int j = 0; j < k; j++) perm[j] = a[j].i;
  free(a);
}

static bool order_of_selects(Node *const *v, int k, int *perm) {
  return selected_from(v, k, perm) != NULL;
}

/* The step order of pairs (p_i, q_i). */
static void order_pairs(const Batch *b, Node *const *p, Node *const *q, int k, int *perm) {
  if (!order_of_selects(q, k, perm) && !order_of_selects(p, k, perm) && !order_of_stack(b, p, k, perm) &&
      !order_of_stack(b, q, k, perm))
    order_of_ids(q, k, perm);
}

static void order_values(const Batch *b, Node *const *v, int k, int *perm) {
  if (!order_of_selects(v, k, perm) && !order_of_stack(b, v, k, perm)) order_of_ids(v, k, perm);
}

/* ---- stacked values ---- */

/* v[perm[0..k)] as one tensor with the steps along axis 0, [k, B, ...], or
 * axis 1, [B, k, ...]: the X they select from (axis 1), an earlier stack of
 * the same values in this order, a run of one along axis 0, or a new stack.
 * axis < 0 takes whichever exists, else a new stack along axis 0: each step
 * is then one contiguous block, which plan.c lets the step's producer write
 * in place, so that the stack copies nothing.  Axis 1 is for values that
 * pair with the selects of an X [B, T, ...], read in place. */
/* v[perm[0..k)] in a new array (the caller frees it). */
static Node **permuted(Node *const *v, int k, const int *perm) {
  Node **in = mem_alloc((size_t)k, sizeof *in, "the steps of a stack");
  for (int j = 0; j < k; j++) in[j] = v[perm[j]];
  return in;
}

/* An earlier stack holding in[0..k) (the whole of it or a run along axis 0)
 * with its steps along `axis` (any if axis < 0), else NULL. */
static Node *earlier_stack(Batch *b, Node *const *in, int k, int axis) {
  for (int s = 0; s < b->nstacks; s++) {
    Node *st = b->stacks[s];
    if (st->op != OP_STACK || st->nin < k || (axis >= 0 && st->attr.axis != axis)) continue;
    for (int start = 0; start + k <= st->nin && (start == 0 || st->attr.axis == 0); start++) {
      bool same = true;
      for (int j = 0; same && j < k; j++) same = now(b, st->in[start + j]) == in[j];
      if (same && k == st->nin) return st;
      if (same) return ir_slice(b->g, OP_SLICE, st, 0, start, k);
    }
  }
  return NULL;
}

static Node *stacked(Batch *b, Node *const *v, int k, const int *perm, int axis) {
  Node **in = permuted(v, k, perm);
  Node *x = axis != 0 ? source_in_order(in, k) : NULL;
  if (x) x = now(b, x);
  else x = earlier_stack(b, in, k, axis);
  if (!x) x = remember(b, ir_node(b->g, OP_STACK, k, in, &(Attr){.axis = axis == 1}));
  free(in);
  return x;
}

/* The axis of the steps in what stacked() returned. */
static int steps_axis(const Node *x) {
  return x->op == OP_STACK ? x->attr.axis : x->op == OP_SLICE ? 0 : 1;
}

/* Are v[perm[0..k)] the selects of an X in order (stacked along axis 1 for free)? */
static bool selects_in_order(Node *const *v, int k, const int *perm) {
  Node **in = permuted(v, k, perm);
  bool in_order = source_in_order(in, k) != NULL;
  free(in);
  return in_order;
}

/* A [B, k, ...] or [k, B, ...] tensor as [B*k, ...] rows (row b*k + t, or
 * t*B + b, is step t of batch row b). */
static Node *rows(Batch *b, Node *x) {
  Shape s = x->shape;
  s.rank--;
  s.dim[0] *= s.dim[1];
  for (int d = 1; d < s.rank; d++) s.dim[d] = s.dim[d + 1];
  if (x->op == OP_RESHAPE && ir_shape_eq(x->in[0]->shape, s)) return x->in[0];
  for (int i = 0; i < b->nstacks; i++)
    if (b->stacks[i]->op == OP_RESHAPE && b->stacks[i]->in[0] == x) return b->stacks[i];
  return remember(b, ir_shaped(b->g, OP_RESHAPE, x, s));
}

/* ---- 1 and 2: sums over time ---- */

/* matmul(P_t, Q_t) ta, or scatter_add(ids_t, Q_t) (simplify.c's product by
 * a one-hot P_t), of the shapes of the first term. */
static bool is_weight_grad(const Node *t, const Node *first) {
  bool product = (t->op == OP_MATMUL && t->attr.ta && !t->attr.tb) || t->op == OP_SCATTER_ADD;
  return product && (!first || (t->op == first->op && t->attr.len == first->attr.len &&
                                ir_shape_eq(t->in[0]->shape, first->in[0]->shape) &&
                                ir_shape_eq(t->in[1]->shape, first->in[1]->shape)));
}

/* sum_to that sums the leading axis away, so stacking on axis 0 or 1 keeps
 * the same sum (a stack of rank > IR_MAXDIM is impossible). */
static bool is_bias_grad(const Node *t, const Node *first) {
  if (t->op != OP_SUM_TO) return false;
  Shape x = t->in[0]->shape;
  return t->shape.rank < x.rank && x.rank < IR_MAXDIM && (!first || ir_shape_eq(x, first->in[0]->shape));
}

/* The earlier stack whose steps are the most of v[0..k), at least two but
 * not all (order_of_stack finds those), and nothing else, or NULL; in
 * `inside` (by node id), its steps.  A bias gradient sums it as it is and
 * the other steps beside it, where a stack of all k would copy them again:
 * GRU's b_hh sums dz_hh of every step, and W_hh's gradient has stacked
 * those of all steps but the first (h_0 is zero). */
static Node *stack_of_some(const Batch *b, Node *const *v, int k, bool *inside) {
  char *mark = mem_calloc((size_t)b->g->nnodes, 1, "the steps of a stack"); /* 1: in v, 2: in v and st */
  for (int i = 0; i < k; i++) mark[v[i]->id] = 1;
  Node *best = NULL;
  for (int s = 0; s < b->nstacks; s++) {
    Node *st = b->stacks[s];
    if (st->op != OP_STACK || st->nin >= k || (best && st->nin <= best->nin)) continue;
    bool all = true;
    for (int i = 0; i < st->nin && all; i++) {
      char *m = &mark[now(b, st->in[i])->id];
      all = *m == 1, *m = all ? 2 : *m;
    }
    for (int i = 0; i < st->nin; i++)
      if (mark[now(b, st->in[i])->id] == 2) mark[now(b, st->in[i])->id] = 1;
    if (all) best = st;
  }
  for (int i = 0; best && i < best->nin; i++) inside[now(b, best->in[i])->id] = true;
  free(mark);
  return best;
}

/* Replaces `sum` by one node for term[0..k) plus rest[0..nrest) (p and q:
 * room for k nodes each). */
static void merge_terms(Batch *b, Node *sum, Node *const *term, int k, Node **rest, int nrest, Node **p,
                        Node **q) {
  Graph *g = b->g;
  g->loc = sum->loc;
  g->loc.step = 0; /* all the steps */
  int *perm = mem_alloc((size_t)k, sizeof *perm, "the step order of a sum");
  for (int i = 0; i < k; i++) p[i] = now(b, term[i]->in[0]);
  if (term[0]->op == OP_MATMUL) {
    for (int i = 0; i < k; i++) q[i] = now(b, term[i]->in[1]);
    order_pairs(b, p, q, k, perm);
    Node *ps = stacked(b, p, k, perm, selects_in_order(q, k, perm) ? 1 : -1);
    Node *qs = stacked(b, q, k, perm, steps_axis(ps));
    rest[nrest++] = ir_matmul(g, rows(b, ps), rows(b, qs), true, false);
  } else if (term[0]->op == OP_SCATTER_ADD) {
    /* the rows Q_t go to one stack (along axis 0 unless one exists: written
     * in place), the ids follow it (a small copy when they are selects) */
    for (int i = 0; i < k; i++) q[i] = now(b, term[i]->in[1]);
    order_pairs(b, q, p, k, perm);
    Node *qs = stacked(b, q, k, perm, -1);
    Node *ps = stacked(b, p, k, perm, steps_axis(qs)), *in[2] = {rows(b, ps), rows(b, qs)};
    rest[nrest++] = ir_node(g, OP_SCATTER_ADD, 2, in, &term[0]->attr);
  } else {
    bool ordered = order_of_selects(p, k, perm) || order_of_stack(b, p, k, perm);
    bool *inside = mem_calloc((size_t)g->nnodes, sizeof *inside, "the steps of a stack");
    Node *part = ordered ? NULL : stack_of_some(b, p, k, inside);
    int left = k; /* p[0..left): the steps to stack, q: their terms */
    if (part) {
      rest[nrest++] = ir_shaped(g, OP_SUM_TO, part, sum->shape);
      left = 0;
      for (int i = 0; i < k; i++)
        if (!inside[p[i]->id]) p[left] = p[i], q[left++] = term[i];
      if (left >= 2) order_values(b, p, left, perm);
    } else if (!ordered) {
      order_of_ids(p, k, perm);
    }
    free(inside);
    if (left == 1) rest[nrest++] = q[0];
    else if (left) rest[nrest++] = ir_shaped(g, OP_SUM_TO, stacked(b, p, left, perm, -1), sum->shape);
  }
  b->repl[sum->id] = nrest == 1 ? rest[0] : ir_node(g, OP_ADDN, nrest, rest, NULL);
  free(perm);
}

/* Replaces the terms of `sum` that `is_term` accepts (at least two) by one
 * node; the others stay. */
static void batch_sum(Batch *b, Node *sum, bool (*is_term)(const Node *, const Node *)) {
  Node *cur = now(b, sum); /* rewrite 1 may have made a new addn of the other terms */
  if (cur->op != OP_ADDN) return;
  int n = cur->nin, k = 0, nrest = 0;
  /* term, rest (one more: the merged term), p, q: n each */
  Node **scratch = mem_alloc(4 * (size_t)n + 1, sizeof *scratch, "the terms of a sum");
  Node **term = scratch, **rest = term + n, **p = rest + n + 1, **q = p + n;
  for (int i = 0; i < n; i++) {
    Node *t = now(b, cur->in[i]);
    if (is_term(t, k ? term[0] : NULL)) term[k++] = t;
    else rest[nrest++] = t;
  }
  if (k >= 2) merge_terms(b, sum, term, k, rest, nrest, p, q);
  free(scratch);
}

/* ---- 3: products with one weight ---- */

/* Does any of a[0..k) depend on a member of the group (member[id] set)? */
static bool depends_on_group(const Batch *b, Node *const *a, int k, const bool *member) {
  int n = b->g->nnodes;
  bool *seen = mem_calloc((size_t)n, sizeof *seen, "the nodes seen by batch_time"), found = false;
  Node **stack = mem_alloc((size_t)n, sizeof *stack, "the stack of batch_time");
  int top = 0;
  for (int i = 0; i < k; i++)
    if (!seen[a[i]->id]) seen[a[i]->id] = true, stack[top++] = a[i];
  while (top && !found) {
    Node *x = stack[--top];
    found = x->id < b->n0 && member[x->id];
    for (int j = 0; j < x->nin; j++) {
      Node *in = now(b, x->in[j]);
      if (!seen[in->id]) seen[in->id] = true, stack[top++] = in;
    }
  }
  free(seen);
  free(stack);
  return found;
}

/* The group mm[0..k) as one product of the stacked a[0..k). */
/* b->reader: for each original node, the one node reading it as the graph
 * stands now (NULL: none, several, or it is a result).  Merging a group
 * gives no member of another group a reader it did not have. */
static void find_readers(Batch *b) {
  const Graph *g = b->g;
  bool *shared = mem_calloc((size_t)b->n0 + 1, sizeof *shared, "the readers of batch_time");
  b->reader = mem_calloc((size_t)b->n0 + 1, sizeof *b->reader, "the readers of batch_time");
  for (int i = 0; i < g->nnodes; i++) {
    if (i < b->n0 && b->repl[i]) continue; /* replaced: no longer read */
    for (int k = 0; k < g->nodes[i]->nin; k++) {
      int x = now(b, g->nodes[i]->in[k])->id;
      if (x >= b->n0) continue;
      if (b->reader[x] && b->reader[x] != g->nodes[i]) shared[x] = true;
      b->reader[x] = g->nodes[i];
    }
  }
  for (int i = 0; i < g->nresults; i++) {
    int x = now(b, g->results[i].node)->id;
    if (x < b->n0) shared[x] = true;
  }
  for (int i = 0; i < b->n0; i++)
    if (shared[i]) b->reader[i] = NULL;
  free(shared);
}

/* A bias: a parameter or constant of G elements, or a [1, G] view of one. */
static bool is_bias(const Node *c, long G) {
  const Node *leaf = c->op == OP_RESHAPE || c->op == OP_BROADCAST_TO ? c->in[0] : c;
  bool row = (c->shape.rank == 1 && c->shape.dim[0] == G) ||
             (c->shape.rank == 2 && c->shape.dim[0] == 1 && c->shape.dim[1] == G);
  return row && (leaf->op == OP_PARAM || leaf->op == OP_CONST);
}

/* The bias every product of the group is added to by its one reader, the
 * same for all; NULL if there is none. */
static Node *common_bias(const Batch *b, Node *const *mm, int k) {
  Node *bias = NULL;
  for (int i = 0; i < k; i++) {
    Node *r = b->reader[mm[i]->id];
    if (!r || r->op != OP_ADD || !ir_shape_eq(r->shape, mm[i]->shape)) return NULL;
    Node *c = now(b, r->in[r->in[0] == mm[i] ? 1 : 0]);
    if ((bias && c != bias) || !is_bias(c, mm[i]->shape.dim[1])) return NULL;
    bias = c;
  }
  return bias;
}

static void merge_products(Batch *b, Node *const *mm, Node *const *a, int k) {
  Graph *g = b->g;
  int *perm = mem_alloc((size_t)k, sizeof *perm, "the step order of a group of products");
  order_values(b, a, k, perm);
  g->loc = mm[0]->loc;
  g->loc.step = 0; /* the stack and the product are of every step; each select is of one */
  Node *as = stacked(b, a, k, perm, -1);
  int axis = steps_axis(as), batch = a[0]->shape.dim[0];
  Node *y = ir_matmul(g, rows(b, as), now(b, mm[0]->in[1]), false, mm[0]->attr.tb);
  Node *bias = common_bias(b, mm, k);
  if (bias) y = ir_binary(g, OP_ADD, y, bias);
  Node *steps = ir_shaped(g, OP_RESHAPE, y,
                          axis ? ir_shape(3, batch, k, y->shape.dim[1]) : ir_shape(3, k, batch, y->shape.dim[1]));
  for (int j = 0; j < k; j++) {
    Node *m = mm[perm[j]];
    g->loc = m->loc;
    Attr at = {.axis = axis, .start = j};
    b->repl[(bias ? b->reader[m->id] : m)->id] = ir_node(g, OP_SELECT, 1, &steps, &at);
  }
  free(perm);
}

static void batch_products(Batch *b, Node *const *mm, int k, bool *member) {
  Node **a = mem_alloc((size_t)k, sizeof *a, "the operands of a group of products");
  for (int i = 0; i < k; i++) a[i] = now(b, mm[i]->in[0]), member[mm[i]->id] = true;
  bool cycle = depends_on_group(b, a, k, member);
  for (int i = 0; i < k; i++) member[mm[i]->id] = false;
  if (!cycle) merge_products(b, mm, a, k);
  free(a);
}

typedef struct {
  Node *mm, *w; /* a product and its weight as it stands now */
} Product;

/* Groups: same weight, same tb, same shape of A; then creation order. */
static int by_group(const void *pa, const void *pb) {
  const Product *x = pa, *y = pb;
  if (x->w->id != y->w->id) return x->w->id < y->w->id ? -1 : 1;
  if (x->mm->attr.tb != y->mm->attr.tb) return x->mm->attr.tb ? 1 : -1;
  const Shape *s = &x->mm->in[0]->shape, *t = &y->mm->in[0]->shape;
  for (int d = 0; d < 2; d++)
    if (s->dim[d] != t->dim[d]) return s->dim[d] < t->dim[d] ? -1 : 1;
  return x->mm->id < y->mm->id ? -1 : x->mm->id > y->mm->id;
}

static bool same_group(const Product *x, const Product *y) {
  return x->w == y->w && x->mm->attr.tb == y->mm->attr.tb &&
         ir_shape_eq(x->mm->in[0]->shape, y->mm->in[0]->shape);
}

static void batch_all_products(Batch *b) {
  Product *ps = mem_alloc((size_t)b->n0, sizeof *ps, "the products of batch_time");
  Node **mm = mem_alloc((size_t)b->n0, sizeof *mm, "the products of batch_time");
  bool *member = mem_calloc((size_t)b->n0 + 1, sizeof *member, "the products of batch_time");
  int n = 0;
  find_readers(b);
  for (int i = 0; i < b->n0; i++) {
    Node *x = b->g->nodes[i];
    if (x->op == OP_MATMUL && !x->attr.ta) ps[n++] = (Product){x, now(b, x->in[1])};
  }
  qsort(ps, (size_t)n, sizeof *ps, by_group);
  for (int i = 0, j; i < n; i = j) {
    for (j = i; j < n && same_group(&ps[i], &ps[j]); j++) mm[j - i] = ps[j].mm;
    if (j - i >= 2) batch_products(b, mm, j - i, member);
  }
  free(ps);
  free(mm);
  free(member);
}

void pass_batch_time(Graph *g) {
  Batch b = {.g = g, .n0 = g->nnodes};
  b.repl = mem_calloc((size_t)b.n0 + 1, sizeof *b.repl, "the replacements of batch_time");
  for (int i = 0; i < b.n0; i++)
    if (g->nodes[i]->op == OP_ADDN) batch_sum(&b, g->nodes[i], is_weight_grad);
  for (int i = 0; i < b.n0; i++)
    if (g->nodes[i]->op == OP_ADDN) batch_sum(&b, g->nodes[i], is_bias_grad);
  batch_all_products(&b);
  for (int i = 0; i < g->nnodes; i++)
    for (int k = 0; k < g->nodes[i]->nin; k++) g->nodes[i]->in[k] = now(&b, g->nodes[i]->in[k]);
  for (int i = 0; i < g->nresults; i++) g->results[i].node = now(&b, g->results[i].node);
  free(b.repl);
  free(b.stacks);
  free(b.reader);
}

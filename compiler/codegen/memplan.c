/*
 * memplan.c - places every arena buffer of a plan by liveness.
 *
 * requires: a plan (plan.c): items in order, each stored node LOC_ARENA.
 * produces: loc[].offset (bytes) for arena nodes and the arena's size.
 *
 * A buffer lives from the first item that writes it (a join in place has
 * one per input) to the last item that reads it (through any view of it);
 * results live to the end, where the function copies them out.  Items are
 * visited in order: an item's outputs are placed first (a kernel may read
 * its inputs while it writes), then every buffer whose last reader it was
 * returns to the free list; a kernel's scratch (a panel of a product) lives
 * while its item runs.  Placement is ir/freelist.c's, which the interpreter
 * shares: best fit over a free list kept sorted by offset and coalesced,
 * every buffer 64-byte aligned so kernels can use aligned vector loads.
 */
#include "alloc.h"
#include "freelist.h"
#include "plan.h"

#include <limits.h>
#include <stdlib.h>

static size_t buffer_bytes(const Node *n) {
  return size_mul((size_t)ir_numel(n->shape), ir_dtype_size(n->dtype));
}

static void read_by(const Plan *p, int *last, const Node *x, int item) {
  long off, st[IR_MAXDIM];
  const Node *b = plan_base(p, x, &off, st);
  if (last[b->id] < item) last[b->id] = item;
}

/* last[id]: the last item reading node id's storage; results: nitems. */
static int *last_uses(const Plan *p) {
  const Graph *g = p->g;
  int *last = mem_calloc((size_t)g->nnodes + 1, sizeof *last, "the last uses of the memory plan");
  for (int i = 0; i < g->nnodes; i++) last[i] = -1;
  for (int it = 0; it < p->nitems; it++) {
    const Item *item = &p->items[it];
    if (item->node)
      for (int k = 0; k < item->node->nin; k++) read_by(p, last, item->node->in[k], it);
    for (int m = 0; m < item->nmembers; m++)
      for (int k = 0; k < item->members[m]->nin; k++) read_by(p, last, item->members[m]->in[k], it);
    for (int t = 0; t < item->nterms; t++)
      for (int k = 0; k < item->terms[t]->nin; k++) read_by(p, last, item->terms[t]->in[k], it);
  }
  for (int i = 0; i < g->nresults; i++) read_by(p, last, g->results[i].node, p->nitems);
  return last;
}

/* The buffer item output n is written into, when its first writer runs (a
 * join in place has one writer per input). */
static void place(Plan *p, FreeList *a, bool *placed, const Node *n) {
  long off, st[IR_MAXDIM];
  const Node *b = plan_base(p, n, &off, st);
  Loc *l = &p->loc[b->id];
  if (l->kind != LOC_ARENA || placed[b->id]) return;
  l->offset = (long)freelist_take(a, buffer_bytes(b));
  placed[b->id] = true;
}

void memplan_assign(Plan *p) {
  const Graph *g = p->g;
  int *last = last_uses(p);
  FreeList a = {0};
  bool *placed = mem_calloc((size_t)g->nnodes + 1, sizeof *placed, "the memory plan");
  /* dying[it]: nodes whose last reader is item it, as a linked list */
  int *head = mem_alloc((size_t)p->nitems + 1, sizeof *head, "the memory plan");
  int *next = mem_alloc((size_t)g->nnodes + 1, sizeof *next, "the memory plan");
  for (int it = 0; it <= p->nitems; it++) head[it] = -1;
  for (int i = 0; i < g->nnodes; i++) {
    if (p->loc[i].kind != LOC_ARENA) continue;
    int at = last[i] < 0 ? p->loc[i].item : last[i]; /* never read: free after its writer */
    next[i] = head[at];
    head[at] = i;
  }
  for (int it = 0; it < p->nitems; it++) {
    const Item *item = &p->items[it];
    if (item->node) place(p, &a, placed, item->node);
    for (int m = 0; m < item->nmembers; m++) place(p, &a, placed, item->members[m]);
    size_t scratch = (size_t)item->scratch; /* live while the item runs */
    if (scratch) p->items[it].scratch_offset = (long)freelist_take(&a, scratch);
    for (int i = head[it]; i >= 0; i = next[i])
      freelist_give_back(&a, (size_t)p->loc[i].offset, buffer_bytes(g->nodes[i]));
    if (scratch) freelist_give_back(&a, (size_t)item->scratch_offset, scratch);
  }
  if (a.top > LONG_MAX) mem_fail(a.top, "the arena of the generated code");
  p->arena_bytes = (long)a.top;
  freelist_free(&a);
  free(head);
  free(next);
  free(last);
  free(placed);
}

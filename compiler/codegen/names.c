/*
 * names.c - the C names of an entry point's arena buffers.
 *
 * Generated code calls its kernels with named buffers, not bare offsets, so
 * that a reader can tell what each call reads and writes.  A name says what
 * the node that owns the buffer holds, from what the node records (its op,
 * and its SrcLoc: the layer that made it and the step unroll copied it for):
 *   lstm1_sigmoid_t3     layer, op, time step (the streaming step has none)
 *   d_lstm1_mul_t3       a value of the backward pass (a gradient rule of a
 *                        forward node of lstm1 at step 3)
 *   line13_mul           made outside any layer: the spec line
 *   opt_sqrt             made by the optimizer (no spec line)
 *   loss_value, out_logits, metric_accuracy, grad_lstm1_weight_hh,
 *   new_lstm1_weight_hh  a result: the loss, an output, a metric, a
 *                        gradient, a parameter's new value
 * A fused loop's stored members are named by their own op, a join in place
 * by the join, an item's scratch by the item ("..._scratch").
 *
 * Names are unique in the entry point (a repeat gets _2, _3, ... in item
 * order), deterministic (nothing but the graph decides them), at most
 * NAME_CHARS before the suffix (a long layer name is cut; C99 promises 63
 * significant characters), and never collide with what the parts and the
 * entry point refer to: a name that starts with an underscore (reserved),
 * looks like a kernel (k<digit>...) or is one of the functions' own
 * parameters and locals gets "v_" in front.  The memory plan puts values
 * whose lifetimes do not overlap at one offset: their names differ.
 */
#include "emit_c_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

enum { NAME_CHARS = 40, NAME_BUF = 96 /* room for a name and its suffixes */ };

typedef struct {
  const char **slot; /* open addressing by FNV-1a */
  size_t mask;
} NameSet;

static uint64_t name_hash(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

/* The slot of s in the set, empty if s is not in it. */
static const char **set_slot(const NameSet *set, const char *s) {
  size_t i = (size_t)name_hash(s) & set->mask;
  while (set->slot[i] && strcmp(set->slot[i], s)) i = (i + 1) & set->mask;
  return &set->slot[i];
}

/* What the parts and the entry point refer to besides the names (entry.c). */
static bool reserved(const char *s) {
  static const char *const own[] = {"P", "A", "in", "in_", "seed", "out", "metrics", "state", "input",
                                    "arena", "params", "grads", "step_params", "loss"};
  if (s[0] == '_' || (s[0] == 'k' && s[1] >= '0' && s[1] <= '9')) return true;
  for (size_t i = 0; i < sizeof own / sizeof *own; i++)
    if (!strcmp(s, own[i])) return true;
  return false;
}

/* base, or base_2, base_3, ...: the first not taken; added to the set. */
static char *unique(NameSet *set, const char *base) {
  const char *v = reserved(base) ? "v_" : "";
  char name[NAME_BUF];
  snprintf(name, sizeof name, "%s%s", v, base);
  for (int k = 2; *set_slot(set, name); k++) snprintf(name, sizeof name, "%s%s_%d", v, base, k);
  char *s = mem_alloc(strlen(name) + 1, 1, "the names of the generated C");
  memcpy(s, name, strlen(name) + 1);
  *set_slot(set, s) = s;
  return s;
}

/* A parameter's name, or a part of one: "lstm1.weight_hh" of
 * "opt.lstm1.weight_hh.exp_avg"; len 0: none, -1: several. */
typedef struct {
  const char *s;
  int len;
} Subject;

typedef struct {
  const Plan *p;
  FnKind kind;
  const Result **result; /* by node id: the first result it is, or NULL */
  bool *forward;         /* by node id: the loss, an output or a metric depends on it */
  bool *data;            /* by node id: depends on an input (weights and constants alone do not vary) */
  Subject *subject;      /* by node id: the parameter whose update it is for (subjects) */
} Namer;

/* head then tail into buf, head cut so that the whole has at most NAME_CHARS;
 * the dots of parameter names become underscores. */
static void fit(char buf[static NAME_BUF], const char *head, const char *tail) {
  int room = NAME_CHARS - (int)strlen(tail);
  snprintf(buf, NAME_BUF, "%.*s%.*s", room > 0 ? room : 0, head, NAME_CHARS, tail);
  for (char *c = buf; *c; c++)
    if (*c == '.') *c = '_';
}

/* prefix and parameter name p, its last component kept whole: "grad_lstm1.weight_hh". */
static void param_name(char buf[static NAME_BUF], const char *prefix, const char *p) {
  const char *leaf = strrchr(p, '.');
  char head[IR_MAX_NAME + 16];
  snprintf(head, sizeof head, "%s%.*s", prefix, leaf ? (int)(leaf - p) : 0, p);
  fit(buf, head, leaf ? leaf : p);
}

/* The parameter a product or transpose reads (through a transpose), or NULL. */
static const Node *weight(const Node *n) {
  for (int k = 0; k < n->nin; k++) {
    const Node *x = n->in[k]->op == OP_TRANSPOSE ? n->in[k]->in[0] : n->in[k];
    if (x->op == OP_PARAM) return x;
  }
  return NULL;
}

/* What node n holds (module comment), into buf; its step only if `step`. */
static void natural(const Namer *nm, const Node *n, bool step, char buf[static NAME_BUF]) {
  const Result *r = nm->result[n->id];
  if (r && !(r->role == ROLE_OUTPUT && is_next_state(r))) {
    switch (r->role) {
    case ROLE_LOSS: fit(buf, "loss_value", ""); return;
    case ROLE_OUTPUT: fit(buf, "out_", r->name); return;
    case ROLE_METRIC: fit(buf, "metric_", r->name); return;
    case ROLE_GRAD: param_name(buf, "grad_", r->name + 5); return; /* "grad.<param>" */
    case ROLE_UPDATE: param_name(buf, "new_", r->name); return;
    }
  }
  char head[IR_MAX_NAME + 32], tail[64];
  if ((n->op == OP_STACK || n->op == OP_CONCAT) && n->nin) { /* "rnn1_relu_stack": what it joins */
    natural(nm, n->in[0], false, head);
    snprintf(tail, sizeof tail, "_%s", ir_ops[n->op].name);
    fit(buf, head, tail);
    return;
  }
  const char *d = !nm->forward[n->id] && n->loc.file ? "d_" : "";
  if (n->loc.layer) snprintf(head, sizeof head, "%s%s", d, n->loc.layer);
  else if (n->loc.line) snprintf(head, sizeof head, "%sline%d", d, n->loc.line);
  else if (nm->kind == FN_STEP || nm->kind == FN_APPLY) { /* the optimizer's: "opt_lstm1.weight_hh" */
    Subject x = nm->subject[n->id];
    snprintf(head, sizeof head, "opt%s%.*s", x.len > 0 ? "_" : "", x.len > 0 ? x.len : 0, x.s);
  } else snprintf(head, sizeof head, "tmp");
  int k = snprintf(tail, sizeof tail, "_%s", ir_ops[n->op].name);
  const Node *w = n->op == OP_MATMUL || n->op == OP_TRANSPOSE ? weight(n) : NULL;
  if (w) { /* "_matmul_weight_hh" */
    const char *leaf = strrchr(w->attr.name, '.');
    k += snprintf(tail + k, sizeof tail - (size_t)k, "_%.20s", leaf ? leaf + 1 : w->attr.name);
  }
  if (step && n->loc.step && nm->data[n->id] && nm->kind != FN_STREAM)
    snprintf(tail + k, sizeof tail - (size_t)k, "_t%d", n->loc.step - 1);
  fit(buf, head, tail);
}

/* Adds what `from` is for to what *to is for. */
static void merge(Subject *to, Subject from) {
  if (!from.len || to->len < 0) return;
  if (!to->len) *to = from;
  else if (from.len < 0 || to->len != from.len || strncmp(to->s, from.s, (size_t)from.len)) to->len = -1;
}

/* By node id, the parameter whose update a value is computed for (by the
 * optimizer, which gives its values no spec line): the one parameter whose
 * new value or optimizer state (lstm1.weight_hh of "opt.lstm1.weight_hh.exp_avg")
 * depends on it, if there is one. */
static Subject *subjects(const Graph *g) {
  Subject *subject = mem_calloc((size_t)g->nnodes + 1, sizeof *subject, "the names of the generated C");
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    if (r->role != ROLE_UPDATE) continue;
    const char *s = r->name, *last = strrchr(s, '.');
    Subject x = {s, (int)strlen(s)};
    if (!strncmp(s, "opt.", 4)) x = last > s + 4 ? (Subject){s + 4, (int)(last - s - 4)} : (Subject){s + 4, x.len - 4};
    merge(&subject[r->node->id], x);
  }
  for (int i = g->nnodes - 1; i >= 0; i--) /* scheduled: what reads a node comes after it */
    for (int k = 0; k < g->nodes[i]->nin; k++) merge(&subject[g->nodes[i]->in[k]->id], subject[i]);
  return subject;
}

void names_build(Names *names, const Plan *p, FnKind kind) {
  const Graph *g = p->g;
  Namer nm = {.p = p, .kind = kind};
  nm.result = mem_calloc((size_t)g->nnodes + 1, sizeof *nm.result, "the names of the generated C");
  nm.forward = mem_calloc((size_t)g->nnodes + 1, sizeof *nm.forward, "the names of the generated C");
  for (int i = g->nresults - 1; i >= 0; i--) { /* the first result wins */
    const Result *r = &g->results[i];
    nm.result[r->node->id] = r;
    if (r->role == ROLE_LOSS || r->role == ROLE_OUTPUT || r->role == ROLE_METRIC) nm.forward[r->node->id] = true;
  }
  for (int i = g->nnodes - 1; i >= 0; i--) /* scheduled: inputs come first */
    if (nm.forward[i])
      for (int k = 0; k < g->nodes[i]->nin; k++) nm.forward[g->nodes[i]->in[k]->id] = true;
  /* a step's copy made of parameters and constants alone (a transpose of a
   * weight that the steps share) is the same at every step: no step in its name */
  nm.data = mem_calloc((size_t)g->nnodes + 1, sizeof *nm.data, "the names of the generated C");
  nm.subject = subjects(g);
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    for (int k = 0; k < n->nin; k++) nm.data[i] |= nm.data[n->in[k]->id] || n->in[k]->op == OP_INPUT;
  }

  size_t cap = 16;
  while (cap < 2 * ((size_t)g->nnodes + (size_t)p->nitems)) cap *= 2;
  NameSet set = {mem_calloc(cap, sizeof *set.slot, "the names of the generated C"), cap - 1};
  *names = (Names){.node = mem_calloc((size_t)g->nnodes + 1, sizeof *names->node, "the names of the generated C"),
                   .scratch = mem_calloc((size_t)p->nitems + 1, sizeof *names->scratch, "the names of the generated C"),
                   .node_fn = mem_calloc((size_t)g->nnodes + 1, sizeof *names->node_fn, "the names of the generated C"),
                   .scratch_fn = mem_calloc((size_t)p->nitems + 1, sizeof *names->scratch_fn, "the names of the generated C"),
                   .nnodes = g->nnodes, .nitems = p->nitems};
  char base[NAME_BUF], with[NAME_BUF];
  for (int it = 0; it < p->nitems; it++) { /* in item order: the first of a name keeps it */
    const Item *item = &p->items[it];
    for (int m = item->node ? -1 : 0; m < item->nmembers; m++) { /* the node, then a loop's members */
      long off, st[IR_MAXDIM];
      const Node *b = plan_base(p, m < 0 ? item->node : item->members[m], &off, st);
      if (p->loc[b->id].kind != LOC_ARENA || names->node[b->id]) continue;
      natural(&nm, b, true, base);
      names->node[b->id] = unique(&set, base);
    }
    if (item->scratch) {
      natural(&nm, item->node, true, base);
      snprintf(with, sizeof with, "%.*s_scratch", NAME_CHARS, base); /* up to 48: fine under 63 with a suffix */
      names->scratch[it] = unique(&set, with);
    }
  }
  free(set.slot);
  free(nm.result);
  free(nm.forward);
  free(nm.data);
  free(nm.subject);
}

void names_free(Names *names) {
  for (int i = 0; i < names->nnodes; i++) free(names->node[i]);
  for (int i = 0; i < names->nitems; i++) free(names->scratch[i]);
  free(names->node);
  free(names->scratch);
  free(names->node_fn);
  free(names->scratch_fn);
}

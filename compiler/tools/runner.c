/*
 * runner.c - one interface over a loaded Native and an Interp.
 *
 * The generated code updates its parameter blob in place; the interpreter
 * computes a step's updated parameters as results (ROLE_UPDATE, named as the
 * parameter), which runner_exec copies back into the parameter leaves, so
 * that the next run reads them as NAME_train_step's next call would.
 */
#include "alloc.h"
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "bind.h"

struct Runner {
  const Graph *g;
  Native *c;   /* generated code, or */
  Interp *it;    /* the interpreter */
  double loss;
};

static Node *find_input(const Graph *g, const char *name) {
  for (int i = 0; i < g->ninputs; i++)
    if (!strcmp(g->inputs[i]->attr.name, name)) return g->inputs[i];
  return NULL;
}

static size_t node_bytes(const Node *n) { return (size_t)ir_numel(n->shape) * ir_dtype_size(n->dtype); }

static Interp *interp_load(const Graph *g, const StFile *weights, const StFile *inputs, char *err, size_t errlen) {
  Interp *it = interp_new(g, 0);
  for (int i = 0; i < g->nparams; i++)
    if (bind_load(weights, g->params[i], interp_leaf(it, g->params[i]), err, errlen)) goto fail;
  for (int i = 0; i < g->ninputs; i++)
    if (bind_load(inputs, g->inputs[i], interp_leaf(it, g->inputs[i]), err, errlen)) goto fail;
  return it;
fail:
  interp_free(it);
  return NULL;
}

Runner *runner_load(const char *so, const Graph *g, Goal goal, const StFile *weights, const StFile *inputs,
                    char *err, size_t errlen) {
  Runner *r = mem_calloc(1, sizeof *r, "a runner");
  r->g = g;
  if (so) r->c = native_load(so, g, goal, weights, inputs, err, errlen);
  else r->it = interp_load(g, weights, inputs, err, errlen);
  if (!r->c && !r->it) {
    free(r);
    return NULL;
  }
  return r;
}

void runner_free(Runner *r) {
  if (!r) return;
  native_free(r->c);
  interp_free(r->it);
  free(r);
}

static double scalar(const void *p, DType dt) { return dt == DT_F64 ? *(const double *)p : *(const float *)p; }

int runner_exec(Runner *r, uint64_t seed, char *err, size_t errlen) {
  if (r->c) {
    native_exec(r->c, seed);
    r->loss = native_loss(r->c);
    return 0;
  }
  interp_seed(r->it, seed);
  if (interp_exec(r->it, err, errlen)) return -1;
  const Graph *g = r->g;
  for (int i = 0; i < g->nresults; i++) {
    const Result *res = &g->results[i];
    if (res->role == ROLE_LOSS) r->loss = scalar(interp_value(r->it, res->node), res->node->dtype);
    if (res->role != ROLE_UPDATE) continue;
    Node *p = ir_find_param(g, res->name);
    if (!p) die("the step updates '%s', which is not a parameter", res->name);
    memcpy(interp_leaf(r->it, p), interp_value(r->it, res->node), node_bytes(p));
  }
  return 0;
}

void *runner_buffer(Runner *r, const char *name) {
  if (r->c) return native_buffer(r->c, name);
  Node *x = find_input(r->g, name);
  if (x) return interp_leaf(r->it, x);
  for (int i = 0; i < r->g->nresults; i++) {
    const Result *res = &r->g->results[i];
    if ((res->role == ROLE_OUTPUT || res->role == ROLE_METRIC) && !strcmp(res->name, name))
      return (void *)interp_value(r->it, res->node);
  }
  return NULL;
}

double runner_loss(const Runner *r) { return r->loss; }

double runner_metric(Runner *r, const char *name) {
  const void *v = runner_buffer(r, name);
  if (!v) die("the model has no metric '%s'", name);
  return scalar(v, r->g->cfg.dtype);
}

void runner_copy_params(Runner *to, const Runner *from) {
  if (to->c && from->c) {
    size_t n, n2;
    void *dst = native_params(to->c, &n);
    const void *src = native_params(from->c, &n2);
    if (n != n2) die("the blobs of one model's entry points differ in size");
    memcpy(dst, src, n);
    return;
  }
  for (int i = 0; i < to->g->nparams; i++) {
    Node *p = to->g->params[i], *q = ir_find_param(from->g, p->attr.name);
    if (!q || !to->it || !from->it) die("runner_copy_params: '%s' cannot be copied", p->attr.name);
    memcpy(interp_leaf(to->it, p), interp_leaf(from->it, q), node_bytes(p));
  }
}

void runner_copy_trainable(Runner *to, const Runner *from) {
  if (!to->c || !from->c) die("runner_copy_trainable: the shards of --threads run generated code");
  size_t n, n2, trainable;
  void *dst = native_params(to->c, &n);
  const void *src = native_params(from->c, &n2);
  native_grads(to->c, &trainable);
  if (n != n2 || trainable > n) die("the blobs of one model's entry points differ in size");
  memcpy(dst, src, trainable);
}

const void *runner_params(Runner *r, size_t *bytes) {
  if (!r->c) die("runner_params: the interpreter keeps parameters as leaves, not in a blob");
  return native_params(r->c, bytes);
}

void *runner_grads(Runner *r, size_t *bytes) {
  if (!r->c) die("runner_grads: the interpreter keeps gradients as results, not in a blob");
  return native_grads(r->c, bytes);
}

int runner_store_params(const Runner *r, StFile *out, char *err, size_t errlen) {
  const Graph *g = r->g;
  if (!r->c) {
    for (int i = 0; i < g->nparams; i++)
      bind_store(out, g->params[i]->attr.name, g->params[i], interp_leaf(r->it, g->params[i]));
    return 0;
  }
  StFile all;
  st_init(&all);
  int rc = native_store(r->c, &all, err, errlen);
  for (int i = 0; !rc && i < g->nparams; i++) {
    const char *name = g->params[i]->attr.name;
    const StTensor *t = st_find(&all, name);
    if (!t) die("the generated code does not hold '%s'", name);
    if (!st_add(out, name, t->dtype, t->rank, t->shape, t->data)) mem_fail((size_t)st_numel(t) * st_dtype_size(t->dtype), name);
  }
  st_free(&all);
  return rc;
}

static bool params_finite(Runner *r) {
  const Graph *g = r->g;
  if (r->c) {
    size_t bytes;
    const void *blob = native_params(r->c, &bytes);
    return bind_all_finite(blob, (long)(bytes / ir_dtype_size(g->cfg.dtype)), g->cfg.dtype);
  }
  for (int i = 0; i < g->nparams; i++) {
    const Node *p = g->params[i];
    if (!bind_all_finite(interp_leaf(r->it, p), ir_numel(p->shape), p->dtype)) return false;
  }
  return true;
}

const char *runner_nonfinite_params(Runner *r, char *buf, size_t size) {
  if (params_finite(r)) return NULL;
  StFile all;
  st_init(&all);
  char err[512];
  if (runner_store_params(r, &all, err, sizeof err)) die("storing the parameters: %s", err);
  const StTensor *bad = bind_find_nonfinite(&all);
  if (!bad) die("the parameter blob holds a non-finite value outside every parameter");
  bind_nonfinite_str(bad, buf, size);
  st_free(&all);
  return buf;
}

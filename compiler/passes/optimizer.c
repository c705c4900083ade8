/*
 * optimizer.c - gradient clipping and the optimizer update, as graph nodes.
 *
 * requires: backward.  produces: updated: a ROLE_UPDATE result for every
 * trainable parameter and every optimizer state tensor, named as in the
 * weights file.  Optimizer state tensors are PARAM leaves with
 * trainable = false, so `rnnc init` writes them (zeroed) and every backend
 * binds them like parameters.
 *
 * The formulas follow torch.optim (1.13) step for step, so that a step agrees
 * with PyTorch to rounding, but for one reordering: Adam multiplies sqrt(v)
 * by 1 / sqrt(1 - b2^step), a scalar, where PyTorch divides every element
 * by it (one division per element fewer: the divider bounds the update):
 *   clip   coef = min(max_norm / (||g||_2 + 1e-6), 1); g *= coef
 *   decay  g += weight_decay * p                         (L2, both optimizers)
 *   SGD    buf = momentum * buf + g; d = nesterov ? g + momentum * buf : buf
 *          p -= lr * d                     (buf after step 1 = g: dampening 0)
 *   Adam   step += 1; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2
 *          p -= lr / (1 - b1^step) * m / (sqrt(v) * (1 / sqrt(1 - b2^step)) + eps)
 */
#include "passes.h"

#include <stdlib.h>

static Node *add(Graph *g, Node *a, Node *b) { return ir_binary(g, OP_ADD, a, b); }
static Node *sub(Graph *g, Node *a, Node *b) { return ir_binary(g, OP_SUB, a, b); }
static Node *mul(Graph *g, Node *a, Node *b) { return ir_binary(g, OP_MUL, a, b); }
static Node *div_(Graph *g, Node *a, Node *b) { return ir_binary(g, OP_DIV, a, b); }
static Node *k(Graph *g, double v) { return ir_scalar(g, v, g->cfg.dtype); }

static Node *state(Graph *g, Node *p, const char *what) {
  return ir_param(g, ir_fmt(g, "opt.%s.%s", p->attr.name, what), p->shape, (Init){INIT_ZEROS, 0, 0},
                  false);
}

static void update(Graph *g, Node *leaf, Node *value) {
  ir_add_result(g, ROLE_UPDATE, leaf->attr.name, value);
}

/* Scales all gradients by min(max_norm / (global norm + 1e-6), 1). */
static void clip(Graph *g, Node **grads, int n) {
  Node **squares = mem_alloc((size_t)n, sizeof *squares, "the squared norms of the gradients");
  for (int i = 0; i < n; i++)
    squares[i] = ir_shaped(g, OP_SUM_TO, mul(g, grads[i], grads[i]), ir_shape(0));
  Node *norm = ir_unary(g, OP_SQRT, ir_node(g, OP_ADDN, n, squares, NULL));
  free(squares);
  Node *coef = div_(g, k(g, g->cfg.clip_norm), add(g, norm, k(g, 1e-6)));
  coef = ir_binary(g, OP_MIN, coef, k(g, 1));
  for (int i = 0; i < n; i++) grads[i] = mul(g, grads[i], coef);
}

static void sgd(Graph *g, Node *p, Node *grad) {
  const OptConfig *o = &g->cfg.opt;
  Node *d = grad;
  if (o->momentum != 0) {
    Node *buf = state(g, p, "momentum_buffer");
    Node *nbuf = add(g, mul(g, k(g, o->momentum), buf), grad);
    update(g, buf, nbuf);
    d = o->nesterov ? add(g, grad, mul(g, k(g, o->momentum), nbuf)) : nbuf;
  }
  update(g, p, sub(g, p, mul(g, k(g, o->lr), d)));
}

static void adam(Graph *g, Node *p, Node *grad, Node *step) {
  const OptConfig *o = &g->cfg.opt;
  Node *m = state(g, p, "exp_avg"), *v = state(g, p, "exp_avg_sq");
  Node *nm = add(g, mul(g, k(g, o->beta1), m), mul(g, k(g, 1 - o->beta1), grad));
  Node *nv = add(g, mul(g, k(g, o->beta2), v), mul(g, k(g, 1 - o->beta2), mul(g, grad, grad)));
  Node *bc1 = sub(g, k(g, 1), ir_binary(g, OP_POW, k(g, o->beta1), step));
  Node *bc2 = sub(g, k(g, 1), ir_binary(g, OP_POW, k(g, o->beta2), step));
  Node *inv_sqrt_bc2 = div_(g, k(g, 1), ir_unary(g, OP_SQRT, bc2));
  Node *denom = add(g, mul(g, ir_unary(g, OP_SQRT, nv), inv_sqrt_bc2), k(g, o->eps));
  Node *step_size = div_(g, k(g, o->lr), bc1);
  update(g, m, nm);
  update(g, v, nv);
  update(g, p, sub(g, p, mul(g, div_(g, nm, denom), step_size)));
}

/* Clipping, then the optimizer's update of params[i] by grads[i]. */
static void update_all(Graph *g, Node **params, Node **grads, int n) {
  const OptConfig *o = &g->cfg.opt;
  g->loc = (SrcLoc){0};
  if (g->cfg.clip_norm > 0) clip(g, grads, n);
  Node *step = NULL;
  if (o->kind == OPT_ADAM) {
    Node *old = ir_param(g, "opt.step", ir_shape(0), (Init){INIT_ZEROS, 0, 0}, false);
    step = add(g, old, k(g, 1));
    update(g, old, step);
  }
  for (int i = 0; i < n; i++) {
    Node *grad = grads[i];
    if (o->weight_decay != 0) grad = add(g, grad, mul(g, k(g, o->weight_decay), params[i]));
    if (o->kind == OPT_SGD) sgd(g, params[i], grad);
    else adam(g, params[i], grad, step);
  }
}

void pass_optimizer(Graph *g) {
  const OptConfig *o = &g->cfg.opt;
  if (o->kind == OPT_NONE) return;
  int n = 0, nparams = g->nparams;
  Node **params = mem_alloc((size_t)nparams, sizeof *params, "the optimizer's parameters");
  Node **grads = mem_alloc((size_t)nparams, sizeof *grads, "the optimizer's gradients");
  for (int i = 0; i < nparams; i++) {
    Node *p = g->params[i];
    if (!p->attr.trainable) continue;
    params[n] = p;
    grads[n++] = ir_find_result(g, ROLE_GRAD, ir_fmt(g, "grad.%s", p->attr.name));
  }
  if (n > 0) update_all(g, params, grads, n);
  free(params);
  free(grads);
}

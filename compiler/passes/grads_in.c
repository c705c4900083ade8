/*
 * grads_in.c - the gradients as inputs, for NAME_apply (GOAL_APPLY).
 *
 * requires: unrolled.  produces: backward: a "grad.<param>" result for every
 * trainable parameter, as autodiff's, but each one an INPUT leaf of the
 * parameter's shape and dtype named as the result, instead of the BPTT graph.
 * pass_optimizer then builds clipping and the update on top of them, so the
 * optimizer step runs on gradients computed elsewhere (the shards of a batch
 * in `rnnc train --threads`).  The forward graph is left dead for
 * pass_schedule to drop; autodiff is not run at all, since it would only
 * build more dead graph.
 */
#include "passes.h"

void pass_grads_in(Graph *g) {
  for (int i = 0; i < g->nparams; i++) {
    Node *p = g->params[i];
    if (!p->attr.trainable) continue;
    const char *name = ir_fmt(g, "grad.%s", p->attr.name);
    g->loc = p->loc;
    ir_add_result(g, ROLE_GRAD, name, ir_input(g, name, p->shape, p->dtype));
  }
}

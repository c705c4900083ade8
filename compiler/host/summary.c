/*
 * summary.c - `rnnc summary`: what a spec defines, read off its forward graph.
 *
 * The table follows Keras' model.summary(): one row per layer with its output
 * shape ("[64, 28, 128]" for a per-step value: batch, steps, features) and
 * parameter count, then the inputs and targets.  The JSON form is the
 * machine interface used by tests and scripts (parity tests read parameter
 * names and shapes from it); its keys are documented in summary.h.
 */
#include "summary.h"

#include <stdio.h>

/* A node's shape as the user sees it: per-step values get the time axis. */
static Shape full_shape(const Graph *g, const Node *n) {
  Shape s = n->shape;
  if (!n->seq || s.rank == 0) return s;
  for (int i = s.rank; i > 1; i--) s.dim[i] = s.dim[i - 1];
  s.dim[1] = ir_loop_steps(g, n);
  s.rank++;
  return s;
}

/* "[64, 28]": the same text in the table and in JSON. */
static const char *shape_text(Shape s, char buf[static 64]) {
  int k = snprintf(buf, 64, "[");
  for (int i = 0; i < s.rank; i++) k += snprintf(buf + k, (size_t)(64 - k), "%s%d", i ? ", " : "", s.dim[i]);
  snprintf(buf + k, (size_t)(64 - k), "]");
  return buf;
}

static long layer_params(const Graph *g, const Layer *l) {
  long n = 0;
  for (int i = l->first_param; i < l->first_param + l->nparams; i++) n += ir_numel(g->params[i]->shape);
  return n;
}

static const char *input_kind(const Node *n) { return n->attr.target ? "target" : "input"; }

static const char *opt_name(OptKind k) { return k == OPT_SGD ? "SGD" : k == OPT_ADAM ? "Adam" : "none"; }

void summary_print(const Graph *g, FILE *f) {
  const ModelConfig *c = &g->cfg;
  fprintf(f, "Model: %s  (batch %d, steps %d, %s)\n", c->name, c->batch, c->steps, ir_dtype_name(c->dtype));
  fprintf(f, "%-22s %-14s %-20s %10s\n", "Layer", "Kind", "Output shape", "Params");
  long total = 0;
  for (int i = 0; i < g->nlayers; i++) {
    const Layer *l = &g->layers[i];
    long n = layer_params(g, l);
    total += n;
    char shape[64];
    fprintf(f, "%-22s %-14s %-20s %10ld\n", l->name, l->kind, shape_text(full_shape(g, l->out), shape), n);
  }
  fprintf(f, "Total params: %ld\n", total);
  for (int i = 0; i < g->ninputs; i++) {
    const Node *x = g->inputs[i];
    char shape[64];
    fprintf(f, "%-6s %-10s %s %s", input_kind(x), x->attr.name, ir_dtype_name(x->dtype), shape_text(x->shape, shape));
    if (x->attr.max) fprintf(f, " in [0, %d)", x->attr.max);
    fputc('\n', f);
  }
  if (c->opt.kind != OPT_NONE) fprintf(f, "Optimizer: %s, lr %g\n", opt_name(c->opt.kind), c->opt.lr);
}

/* ---- JSON ---- */

static void json_shape(FILE *f, Shape s) {
  char buf[64];
  fputs(shape_text(s, buf), f);
}

void summary_json(const Graph *g, FILE *f) {
  const ModelConfig *c = &g->cfg;
  fprintf(f, "{\"name\": ");
  ir_json_string(f, c->name);
  fprintf(f, ", \"batch\": %d, \"steps\": %d, \"dtype\": \"%s\",\n \"inputs\": [", c->batch, c->steps,
          ir_dtype_name(c->dtype));
  for (int i = 0; i < g->ninputs; i++) {
    const Node *x = g->inputs[i];
    fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
    ir_json_string(f, x->attr.name);
    fprintf(f, ", \"dtype\": \"%s\", \"shape\": ", x->dtype == DT_I32 ? "int32" : ir_dtype_name(x->dtype));
    json_shape(f, x->shape);
    fprintf(f, ", \"target\": %s, \"max\": %d", x->attr.target ? "true" : "false", x->attr.max);
    const Node *seq = ir_sequence_of_lengths(g, x);
    if (seq) {
      fputs(", \"lengths_of\": ", f);
      ir_json_string(f, seq->attr.name);
    }
    fputc('}', f);
  }
  fprintf(f, "],\n \"params\": [");
  for (int i = 0; i < g->nparams; i++) {
    const Node *p = g->params[i];
    fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
    ir_json_string(f, p->attr.name);
    fprintf(f, ", \"shape\": ");
    json_shape(f, p->shape);
    fprintf(f, ", \"trainable\": %s}", p->attr.trainable ? "true" : "false");
  }
  fprintf(f, "],\n \"layers\": [");
  for (int i = 0; i < g->nlayers; i++) {
    const Layer *l = &g->layers[i];
    fprintf(f, "%s\n  {\"name\": ", i ? "," : "");
    ir_json_string(f, l->name);
    fprintf(f, ", \"kind\": ");
    ir_json_string(f, l->kind);
    fprintf(f, ", \"args\": [");
    for (int k = 0; k < l->nargs; k++) fprintf(f, "%s%.17g", k ? ", " : "", l->args[k]);
    fprintf(f, "], \"output_shape\": ");
    json_shape(f, full_shape(g, l->out));
    fprintf(f, ", \"params\": %ld}", layer_params(g, l));
  }
  fprintf(f, "],\n \"loss\": ");
  ir_json_string(f, c->loss_kind ? c->loss_kind : "");
  const OptConfig *o = &c->opt;
  fprintf(f, ",\n \"optimizer\": {\"kind\": \"%s\", \"lr\": %.17g, \"momentum\": %.17g, "
             "\"weight_decay\": %.17g, \"nesterov\": %s, \"beta1\": %.17g, \"beta2\": %.17g, "
             "\"eps\": %.17g},\n \"clip_norm\": %.17g, \"tbptt\": %d, \"epochs\": %d}\n",
          opt_name(o->kind), o->lr, o->momentum, o->weight_decay, o->nesterov ? "true" : "false",
          o->beta1, o->beta2, o->eps, c->clip_norm, c->tbptt, c->epochs);
}

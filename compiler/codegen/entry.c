/*
 * entry.c - the entry points of NAME.c (predict, grad, train_step, apply, step).
 *
 * For each, the scheduled graph the pipeline made for it is planned (plan.c:
 * views, fused loops, items; memplan.c: the arena) and every item becomes
 * one kernel call (kernels.c).  The calls are split into functions of at
 * most CALLS_PER_PART calls, since gcc and clang slow down far more than
 * linearly on one huge function, and of about NAMES_PER_PART named buffers
 * (names.c), since without optimization each named pointer takes a slot of
 * the part's frame; the entry point calls these parts in order.
 * Results are copied to the caller's buffers at the end of each entry point:
 * a parameter's update is written only after everything that reads the old
 * value has run, unless the loop computing it is the last reader and writes
 * it in place (plan.c, updates_in_place).
 */
#include "emit_c_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CALLS_PER_PART = 200 };

const FnName fn_names[FN_COUNT] = {
    {"predict", "INFER"}, {"grad", "GRAD"}, {"train_step", "TRAIN"}, {"apply", "APPLY"}, {"step", "STREAM"}};

bool is_next_state(const Result *r) { return !strncmp(r->name, "next_state", 10); }

/* "const " where the parts only read the parameters: the entry points that
 * update them write updates in place. */
static const char *params_const(FnKind kind) { return kind == FN_STEP || kind == FN_APPLY ? "" : "const "; }

/* Where result r of an entry point goes. */
static const char *destination(const Model *md, const Result *r, char buf[static 200]) {
  switch (r->role) {
  case ROLE_LOSS: return "&loss";
  case ROLE_OUTPUT:
    if (is_next_state(r)) snprintf(buf, 200, "state->%s", r->name + 5);
    else snprintf(buf, 200, "out->%s", r->name);
    return buf;
  case ROLE_METRIC: snprintf(buf, 200, "&metrics->%s", r->name); return buf;
  case ROLE_GRAD: snprintf(buf, 200, "grads + %ld", plan_param_offset(md->layout, r->name + 5)); return buf;
  case ROLE_UPDATE: snprintf(buf, 200, "params + %ld", plan_param_offset(md->layout, r->name)); return buf;
  }
  return NULL;
}

/* "void fmnist_lstm_predict(const float *params, ...)" */
static void entry_decl(const Model *md, FnKind kind, Buf *b) {
  const char *N = md->name, *T = md->T;
  switch (kind) {
  case FN_PREDICT:
    buf_printf(b, "void %s_predict(const %s *params, const %s_batch *in, %s_outputs *out, void *arena)", N, T, N, N);
    break;
  case FN_GRAD:
    buf_printf(b, "%s %s_grad(const %s *params, const %s_batch *in, %s *grads, %s_outputs *out, %s_metrics *metrics, "
                  "void *arena, uint64_t seed)", T, N, T, N, T, N, N);
    break;
  case FN_STEP:
    buf_printf(b, "%s %s_train_step(%s *params, const %s_batch *in, %s_metrics *metrics, void *arena, uint64_t seed)",
               T, N, T, N, N);
    break;
  case FN_APPLY:
    buf_printf(b, "void %s_apply(%s *params, const %s *grads, void *arena)", N, T, T);
    break;
  default:
    buf_printf(b, "void %s_step(const %s *step_params, %s_state *state, const %s_step_input *input, %s_step_outputs *out, "
                  "void *arena)", N, T, N, N, N);
  }
}

/* The entry point's locals: P and A for the parts, and for a streaming step
 * the inputs the parts read (the step's input and the carried states). */
static void entry_prologue(Model *md, FnKind kind, const Graph *g) {
  Buf *c = &md->source;
  buf_printf(c, "  %s%s *P = %s;\n  char *A = arena;\n", params_const(kind), md->T,
             kind == FN_STREAM ? "step_params" : "params");
  if (kind == FN_PREDICT || kind == FN_STREAM || kind == FN_APPLY) buf_printf(c, "  const uint64_t seed = 0;\n");
  if (kind == FN_APPLY) buf_printf(c, "  const %s *in = grads;\n", md->T);
  if (kind == FN_GRAD) buf_printf(c, "  %s loss = 0;\n  (void)grads, (void)out, (void)metrics;\n", md->T);
  if (kind == FN_STEP) buf_printf(c, "  %s loss = 0;\n  (void)metrics;\n", md->T);
  if (kind == FN_PREDICT || kind == FN_STREAM) buf_printf(c, "  (void)out;\n");
  if (kind == FN_STREAM) {
    buf_printf(c, "  %s_stream_in in_;\n  const %s_stream_in *in = &in_;\n", md->name, md->name);
    int nstates = 0;
    for (int i = 0; i < g->ninputs; i++) {
      const char *x = g->inputs[i]->attr.name;
      if (!strncmp(x, "state", 5)) buf_printf(c, "  in_.%s = state->%s;\n", x, x), nstates++;
      else buf_printf(c, "  in_.%s = input->%s;\n", x, x);
    }
    /* a step that reads no state or no input */
    if (!nstates) buf_printf(c, "  (void)state;\n");
    if (nstates == g->ninputs) buf_printf(c, "  (void)input;\n");
  }
  buf_printf(c, "  (void)P, (void)A;\n");
}

/* f->decls then f->calls into b; both emptied. */
static void flush_calls(Fn *f, Buf *b) {
  buf_printf(b, "%s%s", buf_str(&f->decls), buf_str(&f->calls));
  buf_free(&f->decls);
  buf_free(&f->calls);
}

/* Emits g's items as calls in parts of at most CALLS_PER_PART (an item is
 * one call) and NAMES_PER_PART names (or the few more of the call that
 * reaches it); a part declares the name of a buffer just before its first
 * call that uses it (declared at the top, the pointers would all be live
 * across the whole part, which slows gcc's register allocation).
 * Returns the number of parts. */
static int emit_parts(Model *md, FnKind kind, Fn *f) {
  const Plan *plan = f->e.plan;
  char in_type[160]; /* what the parts read besides parameters: apply reads the gradients */
  if (kind == FN_APPLY) snprintf(in_type, sizeof in_type, "%s", md->T);
  else snprintf(in_type, sizeof in_type, "%s_%s", md->name, kind == FN_STREAM ? "stream_in" : "batch");
  int parts = 0;
  for (int i = 0; i < plan->nitems;) {
    f->fn = ++parts;
    f->declared = 0;
    buf_printf(&md->source, "static void %s_%s_%d(%s%s *restrict P, const %s *restrict in, "
               "char *restrict A, uint64_t seed) {\n  (void)P, (void)in, (void)A, (void)seed;\n",
               md->name, fn_names[kind].name, parts, params_const(kind), md->T, in_type);
    for (int k = 0; k < CALLS_PER_PART && i < plan->nitems && f->declared < NAMES_PER_PART; k++) {
      emit_item(f, &plan->items[i++]);
      flush_calls(f, &md->source);
    }
    buf_printf(&md->source, "}\n\n");
  }
  return parts;
}

/* Copies every result out (outputs and metrics only when asked for), after
 * declaring the names of the buffers they are in (a few); an update written
 * in place is where it belongs already. */
static void emit_results(Model *md, Fn *f) {
  const Graph *g = f->g;
  Buf copies = {0};
  f->fn = -1;
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    const Loc *l = &f->e.plan->loc[r->node->id];
    if (l->kind == LOC_PARAM && l->item >= 0) continue;
    char dest[200];
    emit_copy_out(f, r->node, destination(md, r, dest));
    const char *guard = r->role == ROLE_METRIC ? "metrics" : r->role == ROLE_OUTPUT && !is_next_state(r) ? "out" : NULL;
    if (guard) buf_printf(&copies, "  if (%s) %s", guard, f->calls.s + 2);
    else buf_printf(&copies, "%s", f->calls.s);
    buf_free(&f->calls);
  }
  f->calls = copies;
  flush_calls(f, &md->source);
}

/* NAME_reset: every carried state back to its initial value. */
static void emit_reset(Model *md) {
  const Graph *g = md->graphs[FN_STREAM];
  Buf decl = {0};
  buf_printf(&decl, "void %s_reset(%s_state *state)", md->name, md->name);
  buf_printf(&md->header, "%s;\n", decl.s);
  buf_printf(&md->source, "%s {\n", decl.s);
  Emit e = {.real = md->real};
  int nstates = 0;
  for (int i = 0; i < g->ninputs; i++) {
    const Node *x = g->inputs[i];
    char v[40];
    if (strncmp(x->attr.name, "state", 5)) continue;
    long n = ir_numel(x->shape);
    if (n == 1) buf_printf(&md->source, "  state->%s[0] = %s;\n", x->attr.name, emit_literal(&e, x->attr.value, v));
    else buf_printf(&md->source, "  for (long i = 0; i < %ld; i++) state->%s[i] = %s;\n", n, x->attr.name,
                    emit_literal(&e, x->attr.value, v));
    nstates++;
  }
  if (!nstates) buf_printf(&md->source, "  (void)state; /* nothing to carry */\n");
  buf_printf(&md->source, "}\n\n");
  buf_free(&decl);
}

void emit_function(Model *md, FnKind kind) {
  const Graph *g = md->graphs[kind];
  if (kind == FN_STREAM)
    emit_struct(&md->source, md, g, S_STATE_INPUTS, "stream_in",
                "What the parts of a streaming step read: its input and the carried states");
  bool *prepared = kind == FN_STREAM ? plan_prepared_params(g) : NULL;
  Plan *plan = plan_build(g, md->layout, prepared);
  Fn f = {.e = {.plan = plan, .real = md->real, .tiles = md->tiles}, .kind = kind, .g = g, .layout = md->layout, .kernels = &md->kernels};
  int *panels = emit_panels(&f.e);
  f.e.panels = panels;
  if (prepared) emit_step_prepare(md, g, prepared, &f.e);
  for (int i = 0; i < plan->nitems; i++) plan->items[i].scratch = emit_item_scratch(&f, &plan->items[i]);
  memplan_assign(plan);
  md->arena[kind] = plan->arena_bytes;
  names_build(&f.names, plan, kind);
  int parts = emit_parts(md, kind, &f);
  Buf decl = {0};
  entry_decl(md, kind, &decl);
  buf_printf(&md->header, "%s;\n", decl.s);
  buf_printf(&md->source, "%s {\n", decl.s);
  entry_prologue(md, kind, g);
  for (int i = 1; i <= parts; i++)
    buf_printf(&md->source, "  %s_%s_%d(P, in, A, seed);\n", md->name, fn_names[kind].name, i);
  if (!parts) buf_printf(&md->source, "  (void)in, (void)seed; /* nothing to compute (no outputs) */\n");
  emit_results(md, &f);
  md->stack[kind] = f.stack;
  free(f.called);
  buf_printf(&md->source, kind == FN_GRAD || kind == FN_STEP ? "  return loss;\n}\n\n" : "}\n\n");
  buf_free(&decl);
  names_free(&f.names);
  plan_free(plan);
  free(panels);
  free(prepared);
  if (kind == FN_STREAM) emit_reset(md);
}

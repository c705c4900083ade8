/*
 * tool_api.c - NAME.c's entry points for rnnc's own tools (compiled only
 * with -DRNNC_TOOL_API): `rnnc --backend c` loads the compiled model and
 * calls them through dlsym, so they take tensors as untyped pointers by
 * position and publish the sizes a caller that never saw NAME.h needs
 * (arenas, element size, the state).  They wrap the typed entry points.
 */
#include "emit_c_internal.h"

#include <stdio.h>
#include <string.h>

/* rnnc --backend c calls these through dlsym: tensors by position, inputs
 * in the order of NAME_tool_inputs, outputs and metrics in spec order.
 * fn: 0 predict, 1 grad, 2 train_step, 3 apply (grads is its input). */
static void emit_tool_run(const Model *md, const Graph *g, Buf *c) {
  const char *T = md->T, *N = md->name;
  buf_printf(c, "const char *const %s_tool_inputs[] = {", N);
  for (int i = 0; i < g->ninputs; i++) buf_printf(c, "\"%s\", ", g->inputs[i]->attr.name);
  buf_printf(c, "0};\n");
  buf_printf(c, "%s %s_tool_run(int fn, %s *params, void *const *inputs, %s *grads, void *const *outputs, "
                "void *const *metrics, void *arena, uint64_t seed) {\n", T, N, T, T);
  buf_printf(c, "  %s_batch in;\n  %s_outputs out;\n  %s_metrics m;\n  %s loss = 0;\n", N, N, N, T);
  for (int i = 0; i < g->ninputs; i++) buf_printf(c, "  in.%s = inputs[%d];\n", g->inputs[i]->attr.name, i);
  int no = 0, nm = 0;
  for (int i = 0; i < g->nresults; i++)
    if (g->results[i].role == ROLE_OUTPUT) buf_printf(c, "  out.%s = outputs[%d];\n", g->results[i].name, no++);
  if (!no) buf_printf(c, "  (void)outputs;\n  out.none = 0;\n");
  buf_printf(c, "  (void)in, (void)out, (void)grads, (void)seed;\n");
  buf_printf(c, "  if (fn == 0) %s_predict(params, &in, &out, arena);\n", N);
  if (md->graphs[FN_GRAD]) buf_printf(c, "  if (fn == 1) loss = %s_grad(params, &in, grads, &out, &m, arena, seed);\n", N);
  if (md->graphs[FN_STEP]) buf_printf(c, "  if (fn == 2) loss = %s_train_step(params, &in, &m, arena, seed);\n", N);
  if (md->graphs[FN_APPLY]) buf_printf(c, "  if (fn == 3) %s_apply(params, grads, arena);\n", N);
  for (int i = 0; i < g->nresults; i++)
    if (g->results[i].role == ROLE_METRIC)
      buf_printf(c, "  if (fn == 1 || fn == 2) *(%s *)metrics[%d] = m.%s;\n", T, nm++, g->results[i].name);
  if (!nm) buf_printf(c, "  (void)metrics, (void)m;\n");
  buf_printf(c, "  return loss;\n}\n");
}

/* NAME_tool_stream: predict's inputs and outputs, computed one row and one
 * step at a time with NAME_step, for checking streaming against predict.  A
 * per-step input or output is the (row, step) block of the whole tensor;
 * any other is the row's block, overwritten at each step (what remains is
 * the last step's). */
static void block(char at[static 64], long per_row, long per_step) {
  if (per_row > per_step && per_step == 1) snprintf(at, 64, "b * %ld + t", per_row);
  else if (per_row > per_step) snprintf(at, 64, "b * %ld + t * %ld", per_row, per_step);
  else if (per_row == 1) snprintf(at, 64, "b");
  else snprintf(at, 64, "b * %ld", per_row);
}

/* The tool entry points keep step_params at the start of the arena they are
 * given, the step's own arena after it (tool_arena counts both): this many
 * bytes, 64-byte aligned. */
static long step_params_bytes(const Model *md) {
  return (md->layout->trainable * (long)ir_dtype_size(md->real) + 63) / 64 * 64;
}

static void emit_tool_stream(const Model *md, const Graph *pg, Buf *c) {
  const Graph *sg = md->graphs[FN_STREAM];
  const char *T = md->T, *N = md->name;
  int B = pg->cfg.batch, steps = pg->cfg.steps;
  buf_printf(c, "void %s_tool_stream(const %s *params, void *const *inputs, void *const *outputs, void *arena) {\n", N, T);
  if (!pg->nresults) { /* no outputs: nothing to stream */
    buf_printf(c, "  (void)params, (void)inputs, (void)outputs, (void)arena;\n}\n");
    return;
  }
  buf_printf(c, "  %s_state state;\n  %s_step_input in;\n  %s_step_outputs out;\n", N, N, N);
  buf_printf(c, "  %s *step_params = arena;\n  %s_step_prepare(params, step_params);\n", T, N);
  int no = 0;
  for (int i = 0; i < sg->nresults; i++) {
    const Result *r = &sg->results[i];
    if (r->role != ROLE_OUTPUT || is_next_state(r)) continue;
    buf_printf(c, "  %s o%d[%ld];\n  out.%s = o%d;\n", emit_ctype(r->node->dtype), no, ir_numel(r->node->shape), r->name, no);
    no++;
  }
  if (!no) buf_printf(c, "  out.none = 0;\n");
  buf_printf(c, "  (void)outputs;\n");
  if (B == 1) buf_printf(c, "  {\n    const long b = 0;\n");
  else buf_printf(c, "  for (long b = 0; b < %d; b++) {\n", B);
  buf_printf(c, "    %s_reset(&state);\n", N);
  if (steps == 1) buf_printf(c, "    {\n");
  else buf_printf(c, "    for (long t = 0; t < %d; t++) {\n", steps);
  int ni = 0;
  for (int i = 0; i < sg->ninputs; i++) {
    const Node *x = sg->inputs[i];
    if (!strncmp(x->attr.name, "state", 5)) continue;
    const Node *whole = NULL;
    int pos = 0;
    for (int k = 0; k < pg->ninputs; k++)
      if (!strcmp(pg->inputs[k]->attr.name, x->attr.name)) whole = pg->inputs[k], pos = k;
    char at[64];
    block(at, ir_numel(whole->shape) / B, ir_numel(x->shape));
    buf_printf(c, "      in.%s = (const %s *)inputs[%d] + %s;\n", x->attr.name, emit_ctype(x->dtype), pos, at);
    ni++;
  }
  if (!ni) buf_printf(c, "      in.none = 0;\n      (void)inputs;\n");
  buf_printf(c, "      %s_step(step_params, &state, &in, &out, (char *)arena + %ld);\n", N, step_params_bytes(md));
  no = 0;
  for (int i = 0, k = 0; i < sg->nresults; i++) {
    const Result *r = &sg->results[i];
    if (r->role != ROLE_OUTPUT || is_next_state(r)) continue;
    while (pg->results[k].role != ROLE_OUTPUT) k++;
    long n = ir_numel(r->node->shape);
    char at[64];
    block(at, ir_numel(pg->results[k].node->shape) / B, n);
    if (n == 1)
      buf_printf(c, "      ((%s *)outputs[%d])[%s] = o%d[0];\n", emit_ctype(r->node->dtype), no, at, no);
    else
      buf_printf(c, "      for (long i = 0; i < %ld; i++) ((%s *)outputs[%d])[%s + i] = o%d[i];\n", n,
                 emit_ctype(r->node->dtype), no, at, no);
    no++, k++;
  }
  buf_printf(c, "    }\n  }\n}\n");
}

/* NAME_tool_step: one streaming step with untyped arguments (inputs that
 * are not states, then outputs that are not next states, each in graph
 * order), and the state's size, so a tool can stream without knowing the
 * structs' layouts.  A reset also prepares step_params in the arena, so the
 * caller keeps the arena between the steps of a sequence. */
static void emit_tool_step(const Model *md, Buf *c) {
  const Graph *sg = md->graphs[FN_STREAM];
  const char *N = md->name;
  buf_printf(c, "const long %s_tool_state_bytes = (long)sizeof(%s_state);\n", N, N);
  buf_printf(c, "void %s_tool_step(const %s *params, void *state, int reset, void *const *inputs, "
                "void *const *outputs, void *arena) {\n  %s_step_input in;\n  %s_step_outputs out;\n",
             N, md->T, N, N);
  int ni = 0, no = 0;
  for (int i = 0; i < sg->ninputs; i++)
    if (strncmp(sg->inputs[i]->attr.name, "state", 5))
      buf_printf(c, "  in.%s = inputs[%d];\n", sg->inputs[i]->attr.name, ni++);
  for (int i = 0; i < sg->nresults; i++)
    if (sg->results[i].role == ROLE_OUTPUT && !is_next_state(&sg->results[i]))
      buf_printf(c, "  out.%s = outputs[%d];\n", sg->results[i].name, no++);
  if (!ni) buf_printf(c, "  in.none = 0;\n  (void)inputs;\n");
  if (!no) buf_printf(c, "  out.none = 0;\n  (void)outputs;\n");
  buf_printf(c, "  if (reset) %s_reset(state), %s_step_prepare(params, arena); /* kept there until the next reset */\n"
                "  %s_step(arena, state, &in, &out, (char *)arena + %ld);\n}\n", N, N, N, step_params_bytes(md));
}

void emit_tool_api(const Model *md, Buf *c) {
  const char *N = md->name;
  const Graph *g = md->graphs[FN_GRAD] ? md->graphs[FN_GRAD] : md->graphs[FN_PREDICT];
  buf_printf(c, "#ifdef RNNC_TOOL_API\n");
  buf_printf(c, "const long %s_tool_arena[%d] = {", N, FN_COUNT);
  for (int k = 0; k < FN_COUNT; k++)
    buf_printf(c, "%s%ld", k ? ", " : "", md->arena[k] + (k == FN_STREAM && md->graphs[k] ? step_params_bytes(md) : 0));
  buf_printf(c, "};\nconst int %s_tool_dtype = %d; /* bytes per element */\n", N, (int)ir_dtype_size(md->real));
  buf_printf(c, "const int %s_tool_nparams = %d;\n", N, md->layout->n);
  emit_tool_run(md, g, c);
  if (md->graphs[FN_STREAM]) emit_tool_stream(md, md->graphs[FN_PREDICT], c), emit_tool_step(md, c);
  buf_printf(c, "#endif\n");
}

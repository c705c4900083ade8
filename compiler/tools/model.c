/*
 * model.c - a spec made ready for the tools: the pipeline's graphs for the
 * goals a tool runs, and (unless it runs in the interpreter) the generated
 * code of the training step compiled once, which every goal's entry point
 * is loaded from (native.h).
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"
#include "bind.h"
#include "pipeline.h"
#include "progress.h"

int tool_model_build(const char *spec, FeOptions fe, int want, ToolModel *m) {
  *m = (ToolModel){0};
  struct { Graph **g; Goal goal; Stage stop; bool wanted; } graphs[] = {
      {&m->fwd, GOAL_PREDICT, STAGE_FORWARD, true}, /* every input and target, before unused ones are dropped */
      {&m->pred, GOAL_PREDICT, STAGE_SCHEDULED, true},
      {&m->step, want & TOOL_SHARDS ? GOAL_APPLY : GOAL_STEP, STAGE_SCHEDULED, want & (TOOL_STEP | TOOL_SHARDS)},
      {&m->grad, GOAL_GRAD, STAGE_SCHEDULED, want & TOOL_SHARDS},
      {&m->stream, GOAL_STREAM, STAGE_SCHEDULED, want & TOOL_STREAM}};
  for (size_t i = 0; i < sizeof graphs / sizeof graphs[0]; i++) {
    if (!graphs[i].wanted) continue;
    PipelineOptions po = {.spec = spec, .fe = fe, .goal = graphs[i].goal, .stop = graphs[i].stop};
    if (!(*graphs[i].g = pipeline_run(&po))) {
      tool_model_free(m);
      return 1;
    }
  }
  if (want & TOOL_INTERP) return 0;
  PipelineOptions po = {.spec = spec, .fe = fe, .goal = GOAL_STEP, .stop = STAGE_SCHEDULED};
  char err[1024];
  double t0 = progress_now();
  if (native_build(&po, m->so, sizeof m->so, err, sizeof err)) {
    tool_model_free(m);
    if (err[0]) ir_report("%s\n", err);
    return 1;
  }
  m->compile_s = progress_now() - t0;
  return 0;
}

void tool_model_free(ToolModel *m) {
  Graph **gs[] = {&m->fwd, &m->pred, &m->step, &m->grad, &m->stream};
  for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) ir_graph_free(*gs[i]), *gs[i] = NULL;
}

const char *tool_model_so(const ToolModel *m) { return m->so[0] ? m->so : NULL; }

void tool_zero_inputs(const Graph *g, StFile *x) {
  for (int i = 0; i < g->ninputs; i++) {
    const Node *in = g->inputs[i];
    void *buf = mem_calloc((size_t)ir_numel(in->shape), ir_dtype_size(in->dtype), "an input buffer");
    bind_store(x, in->attr.name, in, buf);
    free(buf);
  }
}

char *tool_stem(const char *path) {
  size_t n = strlen(path), k = strlen(".safetensors");
  char *stem = mem_alloc(n + 1, 1, "a file name");
  memcpy(stem, path, n + 1);
  if (n > k && !strcmp(path + n - k, ".safetensors")) stem[n - k] = 0;
  return stem;
}


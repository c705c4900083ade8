/*
 * test_interp.c - the interpreter reuses its values' block from run to run.
 *
 * For a few specs and goals, an interpreter runs twice in one process, the
 * second time on other parameters and inputs; then a fresh interpreter runs
 * once on those, holding every value (interp_hold), so that none shares a
 * place with another: one buffer per node, as before the block.  The second
 * run must compute the fresh run's results bit for bit, with no allocation
 * at all (malloc, calloc and realloc are wrapped at link time and counted
 * while it runs), each result where the first run left it, and its block
 * smaller than the values it holds, since places are reused.  Every float
 * result must be finite: a block starts as NaN, so in the fresh run a
 * kernel that reads part of its output before writing it (or never writes
 * it) shows as NaN, where in a reused place it would read a stale value.
 * Held values (interp_hold) must outlive the runs after the first.
 *
 * usage: test_interp SOURCE_DIR
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "init.h"
#include "interp.h"
#include "pipeline.h"

static long allocations; /* while counting */
static bool counting;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size) {
  allocations += counting;
  return __real_malloc(size);
}
void *__wrap_calloc(size_t n, size_t size) {
  allocations += counting;
  return __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t size) {
  allocations += counting;
  return __real_realloc(p, size);
}

static size_t node_bytes(const Node *n) { return (size_t)ir_numel(n->shape) * ir_dtype_size(n->dtype); }

/* Every parameter and input of g in `it`, drawn from `seed`. */
static void fill(const Graph *g, Interp *it, uint64_t seed) {
  for (int i = 0; i < g->nparams; i++)
    CHECK(init_param(g->params[i], seed, interp_leaf(it, g->params[i])) == 0, "init %s",
          g->params[i]->attr.name);
  for (int i = 0; i < g->ninputs; i++) init_input(g, g->inputs[i], seed, interp_leaf(it, g->inputs[i]));
}

static bool finite(const Node *n, const void *v) {
  for (long i = 0; i < ir_numel(n->shape); i++) {
    double x = n->dtype == DT_F64 ? ((const double *)v)[i] : n->dtype == DT_F32 ? ((const float *)v)[i] : 0;
    if (!isfinite(x)) return false;
  }
  return true;
}

static void run(Interp *it, const char *what) {
  char err[512];
  int rc = interp_exec(it, err, sizeof err);
  CHECK(rc == 0, "%s: %s", what, rc ? err : "");
}

/* The scheduled graph of SOURCE_DIR/spec for goal at batch 4, 5 steps. */
static Graph *graph_of(const char *src, const char *spec, Goal goal, int dtype) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", src, spec);
  PipelineOptions o = {.spec = path, .goal = goal, .stop = STAGE_SCHEDULED};
  o.fe = (FeOptions){.batch = 4, .steps = 5, .dtype = dtype, .training = goal != GOAL_PREDICT};
  Graph *g = pipeline_run(&o);
  CHECK(g != NULL, "%s: no graph", spec);
  return g;
}

static void test_reuse(const char *src, const char *spec, Goal goal, int dtype) {
  Graph *g = graph_of(src, spec, goal, dtype);
  const char *what = ir_fmt(g, "%s, goal %d, %s", spec, (int)goal, ir_dtype_name(g->cfg.dtype));

  Interp *reused = interp_new(g, 7);
  fill(g, reused, 1);
  run(reused, what);
  size_t block = interp_block_bytes(reused);
  const void **first = calloc((size_t)g->nresults + 1, sizeof *first);
  for (int i = 0; i < g->nresults; i++) first[i] = interp_value(reused, g->results[i].node);
  fill(g, reused, 2);
  allocations = 0;
  counting = true;
  run(reused, what);
  counting = false;
  CHECK(allocations == 0, "%s: the second run allocated %ld times", what, allocations);
  CHECK(interp_block_bytes(reused) == block, "%s: the block changed size", what);

  size_t sum = 0;
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i]->op != OP_PARAM && g->nodes[i]->op != OP_INPUT) sum += node_bytes(g->nodes[i]);
  CHECK(block > 0 && block < sum, "%s: a block of %zu bytes for values of %zu", what, block, sum);

  Interp *fresh = interp_new(g, 7);
  for (int i = 0; i < g->nnodes; i++) interp_hold(fresh, g->nodes[i]);
  fill(g, fresh, 2);
  run(fresh, what);
  for (int i = 0; i < g->nresults; i++) {
    const Node *r = g->results[i].node;
    const void *v = interp_value(reused, r);
    CHECK(v == first[i], "%s: result %s moved between runs", what, g->results[i].name);
    CHECK(finite(r, v) && finite(r, interp_value(fresh, r)), "%s: result %s is not finite", what,
          g->results[i].name);
    CHECK(!memcmp(v, interp_value(fresh, r), node_bytes(r)),
          "%s: result %s of the second run differs from a fresh run's", what, g->results[i].name);
  }
  free(first);
  interp_free(fresh);
  interp_free(reused);
  ir_graph_free(g);
}

/* Held values (interp_hold) stay as the first run computed them while the
 * runs after it, on other inputs, reuse the places around them. */
static void test_hold(const char *src, const char *spec) {
  Graph *g = graph_of(src, spec, GOAL_STEP, DT_F32);
  Interp *it = interp_new(g, 7);
  for (int i = 0; i < g->nnodes; i += 3) interp_hold(it, g->nodes[i]);
  fill(g, it, 1);
  run(it, spec);
  void **held = calloc((size_t)g->nnodes + 1, sizeof *held);
  for (int i = 0; i < g->nnodes; i += 3) {
    held[i] = malloc(node_bytes(g->nodes[i]));
    memcpy(held[i], interp_value(it, g->nodes[i]), node_bytes(g->nodes[i]));
  }
  fill(g, it, 2);
  run(it, spec);
  for (int i = 0; i < g->nnodes; i += 3) {
    const Node *x = g->nodes[i];
    if (x->op != OP_PARAM && x->op != OP_INPUT)
      CHECK(!memcmp(held[i], interp_value(it, x), node_bytes(x)),
            "%s: held node %%%d (%s) changed in the second run", spec, i, ir_ops[x->op].name);
    free(held[i]);
  }
  free(held);
  interp_free(it);
  ir_graph_free(g);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_interp SOURCE_DIR\n");
    return 2;
  }
  check_keep_going = true;
  const char *specs[] = {"specs/fmnist_lstm.lua", "specs/charlm_lstm.lua", "specs/lstm_dropout.lua",
                         "specs/gru_classifier.lua", "tests/layers/learned_initial_state.lua"};
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
    test_reuse(argv[1], specs[i], GOAL_STEP, DT_F32);
    test_reuse(argv[1], specs[i], GOAL_PREDICT, DT_F32);
  }
  test_reuse(argv[1], "specs/fmnist_lstm.lua", GOAL_GRAD, DT_F64);
  test_hold(argv[1], "specs/fmnist_lstm.lua");
  return check_done("test_interp");
}

/*
 * pipeline.c - the whole compiler, top to bottom, in one function.
 *
 *   spec.lua --fe_load--> forward graph [--stream-->] --truncate--> --unroll-->
 *     unrolled --autodiff (or grads_in)--> backward --optimizer--> updated --simplify-->
 *     --batch_time--> --layout--> --simplify--> scheduled
 * (with pass_schedule after each rewrite: it drops dead nodes and renumbers
 * in a topological order)
 *
 * A verifier runs after every pass; `dump_after` prints the IR after a named
 * pass (or after all of them) in the one text format of ir_print.  Which
 * results are kept depends on the goal: inference needs no targets and no
 * gradients, a training step needs no outputs.
 */
#include "pipeline.h"
#include "interp.h"

#include <stdio.h>
#include <string.h>

static void after(const PipelineOptions *o, Graph *g, const char *pass, Stage stage) {
  pass_verify(g, stage);
  if (o->dump_after && (!strcmp(o->dump_after, pass) || !strcmp(o->dump_after, "all"))) {
    FILE *f = o->dump_to ? o->dump_to : stderr;
    fprintf(f, "; after %s\n", pass);
    ir_print(g, f);
  }
}

/* Drops the results the goal does not ask for. */
static void keep_results(Graph *g, Goal goal) {
  int kept = 0;
  for (int i = 0; i < g->nresults; i++) {
    Role r = g->results[i].role;
    bool keep = goal <= GOAL_STREAM ? r == ROLE_OUTPUT
              : goal == GOAL_STEP    ? r == ROLE_LOSS || r == ROLE_METRIC || r == ROLE_UPDATE
              : goal == GOAL_APPLY   ? r == ROLE_UPDATE
                                     : true;
    if (keep) g->results[kept++] = g->results[i];
  }
  g->nresults = kept;
}

/* What the goal needs from the spec (after verify: a broken graph is
 * reported at its line first). */
static void check_goal(Graph *g, const PipelineOptions *o) {
  SrcLoc spec = {.file = o->spec};
  if (o->goal >= GOAL_LOSS && !ir_find_result(g, ROLE_LOSS, "loss"))
    ir_user_error(spec, "the spec defines no loss: call loss(...) (for example "
                  "loss(cross_entropy(logits, y)))");
  if (o->goal >= GOAL_STEP && g->cfg.opt.kind == OPT_NONE)
    ir_user_error(spec, "the spec sets no optimizer; add optimizer(Adam{...}) or optimizer(SGD{...})");
}

/* The front end as the goal sees it. */
static Graph *load(const PipelineOptions *o, Goal goal) {
  FeOptions fe = o->fe;
  fe.training = goal >= GOAL_LOSS;
  if (goal == GOAL_STREAM) fe.batch = fe.steps = 1, fe.stream = true;
  return fe_load(o->spec, &fe);
}

bool pipeline_can_stream(const PipelineOptions *o, bool note) {
  Graph *g = load(o, GOAL_STREAM);
  if (!g) return true;
  keep_results(g, GOAL_STREAM);
  char why[300];
  const Node *s = stream_blocker(g, why, sizeof why);
  if (s && note)
    fprintf(stderr, "%s:%d: note: no streaming step (NAME_reset, NAME_step): %s; the other entry points are "
                    "emitted\n", s->loc.file, s->loc.line, why);
  ir_graph_free(g);
  return s == NULL;
}

Graph *pipeline_run(const PipelineOptions *o) {
  Graph *g = load(o, o->goal);
  if (!g && o->goal == GOAL_STREAM)
    fprintf(stderr, "%s: note: this failed while building the streaming step (NAME_step: batch 1, one step); "
                    "sizes that follow the batch must come from the input (x.shape[1]), not from a number\n", o->spec);
  if (!g) return NULL;
  if (o->goal <= GOAL_STREAM) keep_results(g, o->goal);
  after(o, g, "frontend", STAGE_FORWARD);
  if (o->goal == GOAL_STREAM) {
    pass_stream(g);
    after(o, g, "stream", STAGE_FORWARD);
  }
  check_goal(g, o);
  if (o->stop == STAGE_FORWARD) return g;

  pass_truncate(g);
  after(o, g, "truncate", STAGE_FORWARD);
  pass_unroll(g);
  pass_schedule(g); /* drops the rolled graph */
  after(o, g, "unroll", STAGE_UNROLLED);
  if (o->stop == STAGE_UNROLLED || o->goal <= GOAL_LOSS) goto finish;

  if (o->goal == GOAL_APPLY) {
    pass_grads_in(g);
    after(o, g, "grads_in", STAGE_BACKWARD);
  } else {
    pass_autodiff(g);
    after(o, g, "autodiff", STAGE_BACKWARD);
  }
  if (o->stop == STAGE_BACKWARD || o->goal == GOAL_GRAD) goto finish;

  pass_optimizer(g);
  after(o, g, "optimizer", STAGE_UPDATED);

finish:
  keep_results(g, o->goal);
  pass_simplify(g, interp_scalar, o->keep_stop_grad);
  pass_schedule(g);
  after(o, g, "simplify", STAGE_SCHEDULED);
  pass_batch_time(g);
  pass_schedule(g);
  after(o, g, "batch_time", STAGE_SCHEDULED);
  pass_layout(g);
  pass_schedule(g); /* the new transposes come after their users: renumber for CSE */
  pass_simplify(g, interp_scalar, o->keep_stop_grad);
  pass_schedule(g);
  after(o, g, "layout", STAGE_SCHEDULED);
  return g;
}

/*
 * gradcheck.c - finite-difference check of every gradient of a spec, in f64.
 *
 * The spec's GOAL_GRAD graph is built in double precision and run once on
 * parameters from init_param and random inputs; the analytic gradients are
 * copied before any later run overwrites the result buffers.  Then, for a
 * sample of entries of each trainable parameter (the entry with the largest
 * analytic gradient in each of `samples` equal segments, so the whole tensor
 * is covered), the entry is moved by +-h and the loss computed again: two runs
 * per entry.  Dropout masks
 * are a function of (seed, stream), so even a training graph with dropout is
 * deterministic and can be checked.
 *
 * The differences are taken of the loss whose gradient the graph computes:
 * stop_gradient(x) (and TBPTT's truncation, which is one) is x in the loss
 * but a constant to the gradient, so the loss is run from a graph of its own
 * (GOAL_LOSS, built with its STOP_GRAD nodes kept) whose STOP_GRAD nodes hold
 * the values of the unmoved parameters (interp_hold).  Differences through
 * them would differentiate what the gradient by definition does not.
 *
 * h = 1e-5 balances the truncation error of the central difference (~h^2)
 * against the rounding of the loss (~eps |L| / h) in double precision.
 */
#include "alloc.h"
#include "gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "interp.h"

static const double GC_STEP = 1e-5;

static void gc_error(SrcLoc loc, const char *fmt, const char *arg) {
  char msg[1024];
  snprintf(msg, sizeof msg, fmt, arg);
  if (!loc.file) {
    ir_report("%s\n", msg);
    return;
  }
  fprintf(stderr, "%s:%d: error: ", loc.file, loc.line);
  ir_show(stderr, msg, strlen(msg));
  fputc('\n', stderr);
}

static int gc_fill(const Graph *g, Interp *it, uint64_t seed) {
  for (int i = 0; i < g->nparams; i++) {
    const Node *p = g->params[i];
    if (init_param(p, seed, interp_leaf(it, p))) {
      gc_error(p->loc, "cannot initialise parameter '%s': its initialiser does not fit its shape",
               p->attr.name);
      return -1;
    }
  }
  for (int i = 0; i < g->ninputs; i++) init_input(g, g->inputs[i], seed, interp_leaf(it, g->inputs[i]));
  return 0;
}

/* Runs the graph and returns the loss; NAN after printing a data error. */
static double gc_loss(Interp *it, const Node *loss) {
  char err[512];
  if (interp_exec(it, err, sizeof err)) {
    gc_error((SrcLoc){0}, "%s", err);
    return NAN;
  }
  return *(const double *)interp_value(it, loss);
}

/* The larger error; NaN (a broken gradient or loss) wins over everything. */
static double gc_worse(double worst, double e) { return isnan(e) || e > worst ? e : worst; }

/* The entry of [lo, hi) with the largest analytic gradient: sampling at
 * random would mostly hit zeros in the embedding of a large vocabulary. */
static long gc_pick(const double *grad, long lo, long hi) {
  long best = lo;
  for (long i = lo + 1; i < hi; i++)
    if (fabs(grad[i]) > fabs(grad[best])) best = i;
  return best;
}

/* The loss's own graph (see the top): its interpreter, its loss node. */
typedef struct {
  Graph *g;
  Interp *it;
  const Node *loss;
} LossRun;

/* Worst relative error over n entries of parameter p, one from each of n
 * equal segments, whose analytic gradient is `grad`; entries are restored. */
static double gc_check(const LossRun *lr, const Node *p, const double *grad, int n) {
  const Node *lp = ir_find_param(lr->g, p->attr.name);
  if (!lp) die("gradcheck: the loss's graph has no parameter %s", p->attr.name);
  Interp *it = lr->it;
  const Node *loss = lr->loss;
  double *val = interp_leaf(it, lp), worst = 0;
  long count = ir_numel(p->shape);
  for (int j = 0; j < n; j++) {
    long i = gc_pick(grad, count * j / n, count * (j + 1) / n);
    double v = val[i];
    val[i] = v + GC_STEP;
    double up = gc_loss(it, loss);
    val[i] = v - GC_STEP;
    double down = gc_loss(it, loss);
    val[i] = v;
    double num = (up - down) / (2 * GC_STEP), a = grad[i];
    worst = gc_worse(worst, fabs(a - num) / fmax(fmax(fabs(a), fabs(num)), 1e-3));
  }
  return worst;
}

/* The analytic gradients of the trainable parameters, in g->params order. */
static double **gc_analytic(const Graph *g, Interp *it) {
  double **grads = mem_calloc((size_t)g->nparams + 1, sizeof *grads, "the gradients of gradcheck");
  for (int i = 0; i < g->nparams; i++) {
    const Node *p = g->params[i];
    if (!p->attr.trainable) continue;
    char name[300];
    snprintf(name, sizeof name, "grad.%s", p->attr.name);
    const Node *d = ir_find_result(g, ROLE_GRAD, name);
    if (!d) die("gradcheck: the graph has no result %s", name);
    size_t size = size_mul((size_t)ir_numel(p->shape), sizeof(double));
    grads[i] = mem_alloc(size, 1, "the gradients of gradcheck");
    memcpy(grads[i], interp_value(it, d), size);
  }
  return grads;
}

/* Prints one line per trainable parameter and the verdict; 0 if all pass. */
static int gc_report(const Graph *g, const LossRun *lr, double **grads, int samples, double tol, FILE *out) {
  int width = 0, checked = 0, failed = 0;
  for (int i = 0; i < g->nparams; i++) {
    int len = (int)strlen(g->params[i]->attr.name);
    if (grads[i] && len > width) width = len;
  }
  for (int i = 0; i < g->nparams; i++) {
    const Node *p = g->params[i];
    if (!grads[i]) continue;
    long count = ir_numel(p->shape);
    int n = samples <= 0 || count < samples ? (int)count : samples;
    double err = gc_check(lr, p, grads[i], n);
    bool ok = err < tol;
    fprintf(out, "grad.%-*s  max rel err %.1e (%d of %ld entries)%s\n", width, p->attr.name, err, n,
            count, ok ? "" : "  above tolerance");
    checked++;
    failed += !ok;
  }
  if (failed)
    fprintf(out, "gradcheck: FAILED (%d of %d parameters above %g)\n", failed, checked, tol);
  else
    fprintf(out, "gradcheck: ok (%d parameters)\n", checked);
  return failed != 0;
}

/* The loss's graph with its parameters and inputs filled as g's, and the
 * values of its STOP_GRAD nodes held at those parameters; 0, or -1 after an
 * error. */
static int gc_loss_run(const PipelineOptions *o, uint64_t seed, LossRun *lr) {
  PipelineOptions lo = *o;
  lo.goal = GOAL_LOSS;
  lo.keep_stop_grad = true;
  Graph *g = pipeline_run(&lo);
  if (!g) return -1;
  *lr = (LossRun){.g = g, .it = interp_new(g, seed), .loss = ir_find_result(g, ROLE_LOSS, "loss")};
  if (!lr->loss) die("gradcheck: the loss's graph has no loss");
  for (int i = 0; i < g->nnodes; i++)
    if (g->nodes[i]->op == OP_STOP_GRAD) interp_hold(lr->it, g->nodes[i]);
  return gc_fill(g, lr->it, seed) || isnan(gc_loss(lr->it, lr->loss)) ? -1 : 0;
}

int gradcheck_run(const PipelineOptions *po, uint64_t seed, int samples, double tol, FILE *out) {
  PipelineOptions o = *po;
  o.fe.dtype = DT_F64;
  o.goal = GOAL_GRAD;
  o.stop = STAGE_SCHEDULED;
  Graph *g = pipeline_run(&o);
  if (!g) return 1;
  const Node *loss = ir_find_result(g, ROLE_LOSS, "loss");
  if (!loss) die("gradcheck: the graph has no loss");
  Interp *it = interp_new(g, seed);
  LossRun lr = {0};
  int rc = 1;
  if (!gc_fill(g, it, seed) && !isnan(gc_loss(it, loss)) && !gc_loss_run(&o, seed, &lr)) {
    double **grads = gc_analytic(g, it);
    rc = gc_report(g, &lr, grads, samples, tol, out);
    for (int i = 0; i < g->nparams; i++) free(grads[i]);
    free(grads);
  }
  interp_free(lr.it);
  ir_graph_free(lr.g);
  interp_free(it);
  ir_graph_free(g);
  return rc;
}

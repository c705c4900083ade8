/*
 * passes.h - the passes of the pipeline, one file each, in the order
 * pipeline.c runs them.  Each pass states what stage it requires and what it
 * leaves behind (see the stages in ir.h).
 */
#ifndef RNNC_PASSES_H
#define RNNC_PASSES_H

#include "alloc.h"
#include "ir.h"

typedef enum { STAGE_FORWARD, STAGE_UNROLLED, STAGE_BACKWARD, STAGE_UPDATED, STAGE_SCHEDULED } Stage;

/* verify.c: structural invariants of a stage; user errors for cycles. */
void pass_verify(Graph *g, Stage stage);
/* stream_step.c: forward (batch 1, one step) -> states read from inputs, next
 * states as outputs: the graph of one streaming step. */
void pass_stream(Graph *g);
/* stream_step.c: what keeps a spec from streaming, or NULL: a state some
 * output reads whose initial value is learned, or a sequence of a whole
 * input; the reason in why. */
const Node *stream_blocker(Graph *g, char *why, size_t len);
/* schedule.c, for the forward graph: by node id, does a result depend on
 * the node, through inputs and the back edges of the states it depends on?
 * (Values nothing needs are never computed: unroll copies only these.)  In
 * g's arena. */
bool *pass_needed(Graph *g);
/* layout.c: every matmul reads a row-major right operand (x W^T becomes
 * x transpose(W)); run simplify after it to share the transposes. */
void pass_layout(Graph *g);
/* truncate.c: TBPTT - cuts the gradient through states every k steps. */
void pass_truncate(Graph *g);
/* unroll.c: forward -> unrolled. */
void pass_unroll(Graph *g);
/* autodiff.c: unrolled -> backward (grad.<param> results). */
void pass_autodiff(Graph *g);
/* grads_in.c: unrolled -> backward with every grad.<param> an input (for
 * GOAL_APPLY, in autodiff's place). */
void pass_grads_in(Graph *g);
/* optimizer.c: backward -> updated (clipping, optimizer, new parameter values). */
void pass_optimizer(Graph *g);
/* simplify.c: constant folding, algebraic identities, common subexpressions.
 * eval gives the value of an elementwise node on scalar operands (in its
 * dtype's precision); folding uses it, so it must compute what running does.
 * STOP_GRAD nodes are dropped unless keep_stop_grad (gradcheck.c). */
typedef double ScalarEval(const Node *n, const double *operand);
void pass_simplify(Graph *g, ScalarEval *eval, bool keep_stop_grad);
/* batch_time.c: the per-step products with one weight, and the sums over
 * time of weight-gradient products and bias reductions, become one product
 * each (never across the recurrence).  Requires a scheduled graph;
 * invalidates the schedule (pass_schedule runs next). */
void pass_batch_time(Graph *g);
/* schedule.c: keeps the nodes results need, in execution order, renumbered. */
void pass_schedule(Graph *g);

#endif

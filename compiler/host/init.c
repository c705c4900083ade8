/*
 * init.c - initial parameter values and sample inputs, for the host tools.
 *
 * The distributions live in runtime/rnnc_init.h, which generated code's
 * NAME_init compiles too: `rnnc init --seed N` and NAME_init(params, N, ...)
 * give the same values (see there for PyTorch's semantics and the random
 * streams).  This file allocates the scratch they need and stores values in
 * a parameter's dtype.
 *
 * Sample inputs (init_input) draw from the input's name the same way:
 * floats N(0, 1), integer ids floor(u * bound).
 */
#include "alloc.h"
#include "init.h"

#include <stdlib.h>

#include "rnnc_rand.h"
#define RNNC_INIT_SIZES
#include "rnnc_init.h"

/* init_param passes an InitKind as rnnc_init.h's kind: one order in both. */
#define SAME_KIND(K) ((int)INIT_##K == (int)RNNC_INIT_##K)
_Static_assert(SAME_KIND(ZEROS) && SAME_KIND(CONST) && SAME_KIND(UNIFORM) && SAME_KIND(NORMAL) &&
                   SAME_KIND(ORTHOGONAL) && SAME_KIND(GLOROT),
               "InitKind (ir.h) and RNNC_INIT_* (rnnc_init.h) list the kinds in different orders");
#undef SAME_KIND

static double *init_alloc(long n) { return mem_alloc((size_t)(n > 0 ? n : 0), sizeof(double), "initial values"); }

/* Stores the double values v in dtype dt (a float type) at buf. */
static void init_store(DType dt, const double *v, long n, void *buf) {
  for (long i = 0; i < n; i++) {
    if (dt == DT_F32)
      ((float *)buf)[i] = (float)v[i];
    else
      ((double *)buf)[i] = v[i];
  }
}

int init_param(const Node *p, uint64_t seed, void *buf) {
  if (!ir_is_float(p->dtype)) return -1;
  const Init *in = &p->attr.init;
  long n = ir_numel(p->shape);
  double *v = init_alloc(n), *scratch = init_alloc(rnnc_init_scratch((int)in->kind, p->shape.rank, p->shape.dim));
  int rc = rnnc_init_values((int)in->kind, in->a, in->b, p->shape.rank, p->shape.dim, p->attr.name, seed, v, scratch);
  if (rc == 0) init_store(p->dtype, v, n, buf);
  free(v);
  free(scratch);
  return rc;
}

/* Exclusive bound of the ids of input x (init.h). */
static int id_bound(const Graph *g, const Node *x) {
  if (x->attr.max > 0) return x->attr.max;
  int bound = 0;
  for (int i = 0; i < g->nnodes; i++) {
    int r = ir_id_range(g->nodes[i], x);
    if (r > 0 && (bound == 0 || r < bound)) bound = r;
  }
  return bound > 0 ? bound : 2;
}

void init_input(const Graph *g, const Node *x, uint64_t seed, void *buf) {
  RnncRng r = {seed, rnnc_init_stream(x->attr.name)};
  long n = ir_numel(x->shape);
  if (ir_is_float(x->dtype)) {
    double *v = init_alloc(n);
    rnnc_init_fill_normal(&r, 0, 1, v, n);
    init_store(x->dtype, v, n, buf);
    free(v);
    return;
  }
  int bound = id_bound(g, x);
  for (long i = 0; i < n; i++)
    ((int32_t *)buf)[i] = (int32_t)(rnnc_uniform(r.seed, r.stream, (uint64_t)i) * bound);
}

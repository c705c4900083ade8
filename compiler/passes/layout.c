/*
 * layout.c - chooses the memory layout of matrix products.
 *
 * requires: any stage after unroll, before schedule.
 * produces: the same stage; no MATMUL has tb set.
 *
 * A product x W^T (tb: PyTorch's layout for every linear layer) reads W by
 * rows for each output element: a dot product per element, which neither
 * the interpreter nor generated code runs near the machine's peak.  With
 * W^T stored row-major, every product streams rows of its right operand
 * (C[i,:] += a[i,k] * B[k,:]), which vectorizes.  So each such product is
 * rewritten to matmul(x, transpose(W)); simplify's CSE then shares one
 * transpose of a weight between all T steps that use it, and the transpose
 * costs one pass over W per call, against T products that read it.
 * ta is left alone: A^T B also streams rows of B.
 */
#include "passes.h"

void pass_layout(Graph *g) {
  int n = g->nnodes;
  for (int i = 0; i < n; i++) {
    Node *m = g->nodes[i];
    if (m->op != OP_MATMUL || !m->attr.tb) continue;
    g->loc = m->loc;
    m->in[1] = ir_unary(g, OP_TRANSPOSE, m->in[1]);
    m->attr.tb = false;
  }
}

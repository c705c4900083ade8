/*
 * init.h - initial parameter values, deterministic from a seed.
 *
 * Each parameter draws from its own random stream, derived from the seed and
 * the parameter's name, so adding a layer never changes another layer's
 * initial values.  The distributions are PyTorch's (see InitKind in ir.h); the
 * front end turns "PyTorch default for an LSTM" into a concrete Init.
 */
#ifndef RNNC_INIT_H
#define RNNC_INIT_H

#include <stdint.h>

#include "ir.h"

/* Writes the initial value of PARAM p (in p's dtype) to buf.  0, or -1 if the
 * initialiser does not apply to p's shape (e.g. orthogonal on a vector). */
int init_param(const Node *p, uint64_t seed, void *buf);

/* Writes random values for INPUT x of graph g (in x's dtype) to buf, for
 * trying a model, for benchmarks and for finite differences: floats N(0, 1),
 * integer ids uniform in [0, bound), the bound being x's declared maximum,
 * else the smallest range x's consumers accept (one_hot's depth, a gather's
 * rows), else 2. */
void init_input(const Graph *g, const Node *x, uint64_t seed, void *buf);

#endif

/*
 * gradcheck.h - finite-difference check of every gradient, in f64.
 */
#ifndef RNNC_GRADCHECK_H
#define RNNC_GRADCHECK_H

#include <stdint.h>
#include <stdio.h>

#include "pipeline.h"

/* Builds the spec's GOAL_GRAD graph in f64 (po->fe.dtype is forced to f64),
 * draws parameters with init_param(seed) and random inputs (floats N(0,1),
 * integer ids uniform in [0, max)), and compares every grad.<param> at
 * `samples` entries per parameter (all entries if it has fewer) against the
 * central difference (L(p+h) - L(p-h)) / 2h, where L holds every
 * stop_gradient (and TBPTT cut) at its value for the unmoved parameters, as
 * the gradient does.  Prints one line per parameter
 * with the worst relative error |a-n| / max(|a|, |n|, 1e-3) to out.
 * Returns 0 if all are below tol, 1 if not, 1 after printing a user error. */
int gradcheck_run(const PipelineOptions *po, uint64_t seed, int samples, double tol, FILE *out);

#endif

/*
 * backend_c.h - runs a graph's computation through generated C (`--backend c`).
 */
#ifndef RNNC_BACKEND_C_H
#define RNNC_BACKEND_C_H

#include <stdint.h>

#include "pipeline.h"
#include "safetensors.h"

/* Generates the spec's C (po->spec, po->fe), compiles it into a shared object
 * (cached by content), and runs the entry point of g's goal (po->goal:
 * predict, grad or step) on the weights and inputs, storing every result of
 * g in `out` exactly as interp_run does.  g is the pipeline's graph for that
 * goal (it names and shapes the tensors).  0, or -1 with a message. */
int backend_c_run(const PipelineOptions *po, const Graph *g, const StFile *weights, const StFile *inputs,
                  uint64_t seed, StFile *out, char *err, size_t errlen);

#endif

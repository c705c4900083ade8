/*
 * summary.h - `rnnc summary`: layers, output shapes, parameter counts,
 * inputs and targets, as a table (like Keras' model.summary()) or as JSON.
 */
#ifndef RNNC_SUMMARY_H
#define RNNC_SUMMARY_H

#include <stdio.h>

#include "ir.h"

/* g: the forward graph straight from the front end. */
void summary_print(const Graph *g, FILE *out);
/* {"name", "batch", "steps", "dtype", "inputs": [{"name","dtype","shape","target","max"}...],
 *  "params": [{"name","shape","trainable"}...] (spec order), "layers": [{"name","kind","output_shape","params"}...],
 *  "loss", "optimizer": {...}} */
void summary_json(const Graph *g, FILE *out);

#endif

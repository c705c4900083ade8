/*
 * bind.h - moving tensors between safetensors files and graph buffers.
 *
 * The file contract: a leaf is found by its name (PARAM: "<layer>.<name>" or
 * "opt.<...>"; INPUT: the spec's input name) and must have the node's shape.
 * Float tensors of either float dtype (F32, F64) are converted to the node's
 * dtype; integer inputs must be I32 (I64 is accepted and narrowed) and lie in
 * [0, attr.max) when the spec gives a bound.  Every mismatch is an error that
 * names the file, the tensor and what is wrong.
 */
#ifndef RNNC_BIND_H
#define RNNC_BIND_H

#include <stdbool.h>
#include <stddef.h>

#include "interp.h"
#include "ir.h"
#include "safetensors.h"

/* Fills buf (ir_numel(leaf->shape) elements of leaf->dtype) from file f
 * (messages name f->path).  0, or -1 with a message in err. */
int bind_load(const StFile *f, const Node *leaf, void *buf, char *err, size_t errlen);

/* Adds buf (the value of node n, in n's dtype and shape) to f as `name`. */
void bind_store(StFile *f, const char *name, const Node *n, const void *buf);

/* The whole contract in one call: PARAM leaves come from `weights`, INPUT
 * leaves from `inputs` (looked up by name and converted as above); every
 * Result of g is stored in `out` under its name.  0, or -1 with a message. */
int bind_run_interp(const Graph *g, const StFile *weights, const StFile *inputs, uint64_t seed,
               StFile *out, char *err, size_t errlen);

/* Whether the n values at buf (of float dtype dt) are all finite: one fast
 * pass, cheap enough for every training step. */
bool bind_all_finite(const void *buf, long n, DType dt);

/* The first float tensor of f holding a NaN or an infinity; NULL if none. */
const StTensor *bind_find_nonfinite(const StFile *f);

/* "NAME holds NaN in 3 of 64 values" (or infinities, or both), "NAME is
 * NaN" for a single value, into buf. */
const char *bind_nonfinite_str(const StTensor *t, char *buf, size_t size);

#endif

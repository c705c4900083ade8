/*
 * emit_c.h - the C backend: a spec as a pair of files NAME.h / NAME.c.
 *
 * The generated code is C99, needs only <math.h>, <stdint.h> and <stddef.h>,
 * allocates nothing and has no mutable file-scope state: the caller owns the
 * parameters and an arena whose sizes the header exports.  Every shape and
 * loop bound is a constant; every time step is straight-line code calling
 * shape-specialised kernels (see plan.h for how nodes become calls).
 *
 * The API of NAME.h (NAME from model{name}; T is float or double):
 *   NAME_PARAMS_BYTES, NAME_GRADS_BYTES, NAME_INFER_ARENA_BYTES,
 *   NAME_GRAD_ARENA_BYTES, NAME_TRAIN_ARENA_BYTES: memory the caller provides;
 *   NAME_batch { const T *x; const int32_t *y; ... }   inputs and targets;
 *   NAME_outputs { T *logits; ... }, NAME_metrics { T accuracy; ... };
 *   NAME_params_info[]: name, shape and offset of every parameter;
 *   void NAME_predict(const T *params, const NAME_batch *in, NAME_outputs *out, void *arena);
 *   T NAME_grad(const T *params, const NAME_batch *in, T *grads, NAME_outputs *out,
 *               NAME_metrics *metrics, void *arena, uint64_t seed);
 *   T NAME_train_step(T *params, const NAME_batch *in, NAME_metrics *metrics,
 *                     void *arena, uint64_t seed);
 * With embed_weights, NAME_weights[] holds the trained parameters as a const
 * array: pass it as `params` to predict and step (an inference product then
 * needs only the two files and libm).
 * Compiled with -DRNNC_TOOL_API the file also defines NAME_tool_run, the
 * entry point rnnc's own `--backend c` calls through dlsym.
 */
#ifndef RNNC_EMIT_C_H
#define RNNC_EMIT_C_H

#include <stddef.h>

#include "frontend.h"

typedef struct {
  const char *spec;
  FeOptions fe;     /* batch, steps, dtype overrides */
  const char *dir;  /* output directory */
  const char *embed_weights; /* a weights file to compile in, or NULL */
} EmitOptions;

/* Writes DIR/NAME.h and DIR/NAME.c (temp files, then rename).  On success
 * returns 0 and stores the paths (owned by the caller) in *h and *c; on a
 * user error prints it and returns 1; on an I/O error returns 1 with a
 * message in err. */
int emit_c_build(const EmitOptions *o, char **h, char **c, char *err, size_t errlen);

#endif

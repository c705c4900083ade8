/*
 * emit_c.h - code generation: a model's graphs as the text of NAME.h / NAME.c.
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
 *   void NAME_step_prepare(const T *params, T *step_params);
 *   void NAME_step(const T *step_params, NAME_state *state, const NAME_step_input *in,
 *                  NAME_step_outputs *out, void *arena);   streaming, batch 1
 * With embed_weights, NAME_weights[] holds the trained parameters as a const
 * array, to pass as `params` to predict, and NAME_step_weights[] the same
 * prepared for NAME_step (an inference product then needs only the two
 * files and libm).
 * Compiled with -DRNNC_TOOL_API the file also defines NAME_tool_run, the
 * entry point rnnc's own `--backend c` calls through dlsym.
 */
#ifndef RNNC_EMIT_C_H
#define RNNC_EMIT_C_H

#include <stddef.h>

#include "ir.h"
#include "tile_choice.h"

/* The entry points, in the order of EmitModel.graphs. */
typedef enum { FN_PREDICT, FN_GRAD, FN_STEP, FN_APPLY, FN_STREAM, FN_COUNT } FnKind;

/* What NAME.c defines (EmitModel.entries): the entry point of graph k (bit
 * 1 << k), NAME_init, NAME_store, NAME_load.  Only a build of them all
 * carries the tool API. */
enum {
  ENTRY_INIT = 1u << FN_COUNT,
  ENTRY_STORE = ENTRY_INIT << 1,
  ENTRY_LOAD = ENTRY_STORE << 1,
  ENTRY_ALL = (ENTRY_LOAD << 1) - 1,
};

/* Writes the value of trainable PARAM p (p's dtype and shape) to dst: how
 * NAME_weights gets its values without code generation reading files.
 * 0, or -1 with a message in err. */
typedef int EmitParamSource(void *ctx, const Node *p, void *dst, char *err, size_t errlen);

typedef struct {
  const char *spec;          /* named in the source's first comment */
  Graph *graphs[FN_COUNT];   /* the scheduled graph of each entry point, NULL
                                where the spec has none; predict's is required
                                (it names the model) even when not emitted */
  unsigned entries;          /* what to emit: ENTRY_ALL, or some of its bits */
  EmitParamSource *weights;  /* NULL: no NAME_weights */
  void *weights_ctx;
  const char *weights_file;  /* named in the header's comment on NAME_weights */
  TileChoice tiles;          /* the register tiles of every product */
} EmitModel;

/* The text of NAME.h and NAME.c: 0 with *h and *c (malloc'd, the caller
 * frees them), or 1 with a message in err (a weight the source refused). */
int emit_c_model(const EmitModel *m, char **h, char **c, char *err, size_t errlen);

#endif

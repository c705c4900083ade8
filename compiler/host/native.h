/*
 * native.h - runs a graph's computation through generated C (`--backend c`).
 */
#ifndef RNNC_NATIVE_H
#define RNNC_NATIVE_H

#include <stdint.h>

#include "pipeline.h"
#include "safetensors.h"
#include "tiles.h"

/* Generates the spec's C (po->spec, po->fe), compiles it into a shared object
 * (cached by content), and runs the entry point of g's goal (po->goal:
 * predict, grad or step) on the weights and inputs, storing every result of
 * g in `out` exactly as bind_run_interp does.  g is the pipeline's graph for that
 * goal (it names and shapes the tensors).  0, or -1 with a message.
 * It is native_compile, native_load, native_exec and native_store
 * in a row, with the object cached. */
int native_run(const PipelineOptions *po, const Graph *g, const StFile *weights, const StFile *inputs,
                  uint64_t seed, StFile *out, char *err, size_t errlen);

/* The C compiler ($CC, else cc) and the optimisation flags ($RNNC_CFLAGS,
 * else -O3 -march=native -ffp-contract=fast -fno-math-errno) the backend compiles with. */
const char *native_cc(void);
const char *native_cflags(void);

/* Whether the backend's own builds get product tiles for 32 vector
 * registers of 16 floats (TILES_WIDE): native_cflags() target
 * this machine (-march=native) and it has AVX-512. */
bool native_wide_tiles(void);

/* The tiles of rnnc's own builds: native_wide_tiles()'s for every product,
 * but for the shapes that this machine's tile profile (tiles.h) names, if
 * `rnnc bench --tune` measured one.  A profile in the cache that cannot be
 * read, or of another key, is ignored with a note on stderr.  The choice
 * points into p (tiles_free it after the build). */
TileChoice native_tiles(TileProfile *p);

/* The key of this machine's tile profile: a hash of the CPU (its model and
 * features, /proc/cpuinfo), native_cc() and native_cflags(), as 16 hex
 * digits.  A profile measured on another CPU or with other flags has
 * another key, so it is never used. */
void native_tiles_key(char key[static TILES_KEY_LEN + 1]);

/* The path of this machine's tile profile in the cache directory, made if
 * need be.  0, or -1 with a message. */
int native_tiles_path(char *path, size_t size, char *err, size_t errlen);

/* Compiles generated source c (rnnc build's NAME.c, NAME.h beside it) into
 * the shared object so: native_cc() -std=c99 -fPIC -shared
 * -DRNNC_TOOL_API FLAGS, where flags NULL means native_cflags(); but
 * only once c passes `rnnc check` (its messages on stderr).  The object gets
 * the record native_load requires and replaces so atomically.  0, or -1
 * with a message. */
int native_compile(const char *c, const char *flags, const char *so, char *err, size_t errlen);

/* Compiles the nc (at most 8) C files c into the program exe, as the
 * backend compiles: native_cc() -std=c99 native_cflags() -o exe FILES -lm
 * (`rnnc bench --tune`'s timing programs).  0, or -1 with a message. */
int native_compile_program(int nc, const char *const *c, const char *exe, char *err, size_t errlen);

/* Runs the program exe, its standard output into the file out; 0 when it
 * exits with status 0. */
int native_run_program(const char *exe, const char *out);

/* A compiled model loaded and bound to buffers for g: the parameters (from
 * `weights`) and inputs (from `inputs`), looked up by name as bind.h says,
 * and the arena of the goal's entry point.  So it can be run many times. */
typedef struct Native Native;
/* NULL, with a message, when so is not an intact object of
 * native_compile, not a model built by this rnnc for g's spec, or a
 * tensor is missing or wrong. */
Native *native_load(const char *so, const Graph *g, Goal goal, const StFile *weights, const StFile *inputs,
                         char *err, size_t errlen);
/* Runs the goal's entry point once.  A step updates the bound parameters and
 * optimizer state in place, as NAME_train_step does. */
void native_exec(Native *b, uint64_t seed);
/* Stores every result of g (after native_exec) in out under its name. */
int native_store(const Native *b, StFile *out, char *err, size_t errlen);
void native_free(Native *b);

/* Generates and compiles the spec's C (po->spec, po->fe) as native_run
 * does, cached by content: the shared object's path in so.  0, or -1. */
int native_build(const PipelineOptions *po, char *so, size_t size, char *err, size_t errlen);

/* For drivers that run a loaded model many times (rnnc train, eval, sample):
 * the buffer bound to g's input, output or metric `name` (NULL if g has none),
 * filled or read between runs; the parameter blob (parameters and optimizer
 * state as NAME_params_info lays them out) and its size in bytes; the loss of
 * the last run; the object's symbol NAME_what and the goal's arena (for
 * NAME_reset and NAME_step with GOAL_STREAM). */
void *native_buffer(Native *b, const char *name);
void *native_params(Native *b, size_t *bytes);
/* The gradient blob (NAME_GRADS_BYTES: the trainable parameters' part of the
 * layout), which grad writes and apply reads (apply's grad.<param> inputs
 * are copied into it when loaded, and read from it by every run). */
void *native_grads(Native *b, size_t *bytes);
double native_loss(const Native *b);
void *native_symbol(Native *b, const char *what);
void *native_arena(Native *b);

#endif

/*
 * harness.c - runs every entry point of one generated model under ASan and
 * UBSan (built and run by quality.sh, which see).
 *
 * Generic over models through fields.h, which fields.sh writes from NAME.h
 * (FN(_predict) is NAME_predict, K(_PARAMS_BYTES) NAME_PARAMS_BYTES, REAL the
 * model's float type, BATCH_FIELDS(F) its inputs, ...: see fields.sh).
 * Every buffer is an allocation of its own of exactly the size the header
 * gives, so that ASan reports any access past its end.  Arenas, outputs,
 * gradients and the streaming state start as NaN bytes (0xff), so that a read
 * of memory nobody wrote turns a result into NaN; the two identical training
 * steps run on arenas holding different garbage (0xff, then 0x00), so that
 * such a read also breaks determinism.  Exit status 0 when every check passes.
 */
#define _POSIX_C_SOURCE 200112L /* posix_memalign */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include HEADER
#include "fill.h"

static int failures;

static void expect(int ok, const char *what) {
  if (!ok) fprintf(stderr, "FAIL: %s\n", what);
  failures += !ok;
}

/* n bytes of their own (64-byte aligned, as arenas are best), all equal to byte. */
static void *exact(size_t n, int byte) {
  void *p = NULL;
  if (posix_memalign(&p, 64, n)) {
    fprintf(stderr, "FAIL: out of memory\n");
    exit(1);
  }
  if (n) memset(p, byte, n);
  return p;
}

static int all_finite(const REAL *p, long n) {
  for (long i = 0; i < n; i++)
    if (!isfinite(p[i])) return 0;
  return 1;
}

static long numel(const int *shape, int rank) {
  long n = 1;
  for (int k = 0; k < rank; k++) n *= shape[k];
  return n;
}

/* Does every trainable parameter's entry of a gradient array hold a finite value? */
static int grads_finite(const REAL *g) {
  for (int i = 0; i < K(_NPARAMS); i++) {
    const FN(_param_info) *p = &FN(_params_info)[i];
    if (p->trainable && !all_finite(g + p->offset, numel(p->shape, p->rank))) return 0;
  }
  return 1;
}

/* Buffers of exactly their size, and the structs pointing at them. */
#define NEW_INPUT(name, type, n, ids) in.name = fill(exact(sizeof(type) * (n), 0), sizeof(type), n, ids);
#define NEW_OUTPUT(name, type, n, ids) out.name = (type *)exact(sizeof(type) * (n), 0xff);
#define OUTPUT_FINITE(name, type, n, ids) expect(all_finite(out.name, n), "an output is not finite: " #name);
#define FREE_INPUT(name, type, n, ids) free((void *)in.name);
#define FREE_OUTPUT(name, type, n, ids) free(out.name);

int main(void) {
  /* Parameters: trainable ones uniform in [-0.2, 0.2), optimizer state zero
   * (as `rnnc init` gives it: Adam's second moment must not be negative). */
  REAL *params = exact(K(_PARAMS_BYTES), 0);
  for (int i = 0; i < K(_NPARAMS); i++) {
    const FN(_param_info) *p = &FN(_params_info)[i];
    if (!p->trainable) continue;
    for (long k = 0, n = numel(p->shape, p->rank); k < n; k++) params[p->offset + k] = (REAL)(0.4 * uniform() - 0.2);
  }
  FN(_batch) in;
  BATCH_FIELDS(NEW_INPUT)
  FN(_metrics) metrics;

  {
    FN(_outputs) out;
    OUTPUT_FIELDS(NEW_OUTPUT)
    void *arena = exact(K(_INFER_ARENA_BYTES), 0xff);
    FN(_predict)(params, &in, &out, arena);
    OUTPUT_FIELDS(OUTPUT_FINITE)
    OUTPUT_FIELDS(FREE_OUTPUT)
    free(arena);
  }
#ifdef HAS_GRAD
  {
    FN(_outputs) out;
    OUTPUT_FIELDS(NEW_OUTPUT)
    REAL *grads = exact(K(_GRADS_BYTES), 0xff);
    void *arena = exact(K(_GRAD_ARENA_BYTES), 0xff);
    REAL loss = FN(_grad)(params, &in, grads, &out, &metrics, arena, 5);
    expect(isfinite(loss), "grad: the loss is not finite");
    expect(grads_finite(grads), "grad: a gradient is not finite");
    OUTPUT_FIELDS(OUTPUT_FINITE)
    OUTPUT_FIELDS(FREE_OUTPUT)
    free(arena);
    free(grads);
  }
#endif
#ifdef HAS_TRAIN
  {
    /* The same step twice from the same parameters: bitwise the same result. */
    REAL *p1 = exact(K(_PARAMS_BYTES), 0), *p2 = exact(K(_PARAMS_BYTES), 0);
    memcpy(p1, params, K(_PARAMS_BYTES));
    memcpy(p2, params, K(_PARAMS_BYTES));
    void *arena = exact(K(_TRAIN_ARENA_BYTES), 0xff);
    REAL loss1 = FN(_train_step)(p1, &in, &metrics, arena, 7);
    memset(arena, 0, K(_TRAIN_ARENA_BYTES));
    REAL loss2 = FN(_train_step)(p2, &in, &metrics, arena, 7);
    expect(isfinite(loss1), "train_step: the loss is not finite");
    expect(memcmp(&loss1, &loss2, sizeof loss1) == 0, "train_step: two identical steps give different losses");
    expect(memcmp(p1, p2, K(_PARAMS_BYTES)) == 0, "train_step: two identical steps give different parameters");
    expect(memcmp(p1, params, K(_PARAMS_BYTES)) != 0, "train_step: the parameters did not change");
    /* A second step, from the updated parameters and optimizer state. */
    REAL loss3 = FN(_train_step)(p1, &in, &metrics, arena, 8);
    expect(isfinite(loss3) && all_finite(p1, K(_PARAMS_BYTES) / (long)sizeof(REAL)),
           "train_step: the second step is not finite");
    free(arena);
    free(p1);
    free(p2);
  }
  {
    /* grad then apply: a step too (tests/backend compares its numbers with train_step's). */
    REAL *p = exact(K(_PARAMS_BYTES), 0), *grads = exact(K(_GRADS_BYTES), 0xff);
    memcpy(p, params, K(_PARAMS_BYTES));
    void *arena = exact(K(_GRAD_ARENA_BYTES), 0xff), *apply_arena = exact(K(_APPLY_ARENA_BYTES), 0xff);
    FN(_grad)(p, &in, grads, NULL, NULL, arena, 7);
    FN(_apply)(p, grads, apply_arena);
    expect(all_finite(p, K(_PARAMS_BYTES) / (long)sizeof(REAL)), "apply: the parameters are not finite");
    expect(memcmp(p, params, K(_PARAMS_BYTES)) != 0, "apply: the parameters did not change");
    free(apply_arena);
    free(arena);
    free(grads);
    free(p);
  }
#endif
#ifdef HAS_STEP
  {
    /* Streaming: reset, then a few steps at batch 1 with the state carried. */
    FN(_step_input) in;
    STEP_INPUT_FIELDS(NEW_INPUT)
    FN(_step_outputs) out;
    STEP_OUTPUT_FIELDS(NEW_OUTPUT)
    FN(_state) *state = exact(sizeof(FN(_state)), 0xff);
    void *arena = exact(K(_STREAM_ARENA_BYTES), 0xff);
    REAL *step_params = exact(K(_STEP_PARAMS_ELEMS) * sizeof(REAL), 0xff);
    FN(_step_prepare)(params, step_params);
    FN(_reset)(state);
    for (int t = 0; t < 3; t++) FN(_step)(step_params, state, &in, &out, arena);
    STEP_OUTPUT_FIELDS(OUTPUT_FINITE)
    STEP_INPUT_FIELDS(FREE_INPUT)
    STEP_OUTPUT_FIELDS(FREE_OUTPUT)
    free(step_params);
    free(arena);
    free(state);
  }
#endif
  BATCH_FIELDS(FREE_INPUT)
  free(params);
  printf("%s\n", failures ? "FAILED" : "ok: every entry point ran clean");
  return failures != 0;
}

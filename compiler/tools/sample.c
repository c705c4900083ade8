/*
 * sample.c - `rnnc sample`: generation from a character model.
 *
 * The model runs one step at a time through the generated code's streaming
 * step (NAME_reset and NAME_step of NAME.h, batch 1), called through its
 * tool entry point NAME_tool_step: untyped arguments (the ids, the logits)
 * and the state as NAME_tool_state_bytes of memory kept here, so this file
 * needs no copy of the generated structs' layouts.
 *
 * Sampling: the logits of the last step, divided by the temperature, give a
 * softmax over the ids the vocabulary uses; one uniform draw (rnnc_uniform of
 * (seed, stream, index)) picks an id by its cumulative probability; a
 * temperature of 0 picks the likeliest id.
 */
#include "sample.h"
#include "alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "native.h"
#include "checkpoint.h"
#include "rnnc_rand.h"

#define STREAM_SAMPLE 0x73616d706c65u /* "sample" */

typedef void (*StepFn)(const void *params, void *state, int reset, void *const *inputs, void *const *outputs,
                       void *arena);

static int fail(const char *msg) {
  ir_report("%s\n", msg);
  return 1;
}

static bool is_state(const char *name, const char *prefix) { return !strncmp(name, prefix, strlen(prefix)); }

/* The streaming interface of a character model, from its stream graph. */
typedef struct {
  const Node *ids;    /* the one input: int32 ids, [1] */
  const char *logits; /* the output over the vocabulary */
  int classes;
} Stream;

static int stream_shape(const Graph *sg, Stream *s, char *err, size_t errlen) {
  *s = (Stream){0};
  int ninputs = 0, noutputs = 0;
  for (int i = 0; i < sg->ninputs; i++) {
    const Node *x = sg->inputs[i];
    if (!is_state(x->attr.name, "state")) ninputs++, s->ids = x;
  }
  for (int i = 0; i < sg->nresults; i++) {
    const Result *r = &sg->results[i];
    if (r->role != ROLE_OUTPUT || is_state(r->name, "next_state")) continue;
    noutputs++;
    if (!s->logits) s->logits = r->name, s->classes = r->node->shape.dim[r->node->shape.rank - 1];
  }
  if (ninputs != 1 || s->ids->dtype != DT_I32 || ir_numel(s->ids->shape) != 1 || noutputs != 1)
    return snprintf(err, errlen, "%s: sample needs a character model: one input of ids (sequence(x, {ids = V})) and "
                    "one output of logits over them", sg->cfg.name), -1;
  if (s->classes != s->ids->attr.max)
    return snprintf(err, errlen, "%s: the output '%s' has %d values per step, not one per id (%d)", sg->cfg.name,
                    s->logits, s->classes, s->ids->attr.max), -1;
  return 0;
}

/* Draws an id in [0, n) from softmax(logits / t) with the uniform u. */
static int draw(const void *logits, DType dt, int n, double t, double u) {
  double top = -INFINITY, sum = 0;
  int best = 0;
  for (int i = 0; i < n; i++) {
    double z = dt == DT_F64 ? ((const double *)logits)[i] : ((const float *)logits)[i];
    if (z > top) top = z, best = i;
  }
  if (t <= 0) return best;
  double *p = mem_alloc((size_t)n, sizeof *p, "the probabilities");
  for (int i = 0; i < n; i++) {
    double z = dt == DT_F64 ? ((const double *)logits)[i] : ((const float *)logits)[i];
    sum += p[i] = exp((z - top) / t);
  }
  int pick = n - 1;
  for (int i = 0; i < n; i++) {
    u -= p[i] / sum;
    if (u < 0) {
      pick = i;
      break;
    }
  }
  free(p);
  return pick;
}

int sample_run(const ToolOptions *o) {
  char err[1024] = "";
  StFile w, zeros;
  Checkpoint ck;
  st_init(&zeros);
  int is_ckpt = ckpt_read_weights(o->weights, &w, &ck, err, sizeof err);
  ToolModel tm = {0};
  Native *b = NULL;
  unsigned char vocab[DATA_MAX_VOCAB];
  int nvocab = is_ckpt < 0 ? -1 : ckpt_vocab(&w, vocab, err, sizeof err), rc = 1;
  void *state = NULL;
  Stream s;
  FeOptions fe = o->fe;
  if (is_ckpt > 0) ckpt_settings(&ck, &fe);
  if (nvocab < 0) {
    fail(err);
    goto done;
  }
  if (nvocab == 0) {
    ir_report("%s has no vocabulary (data.vocab): sample reads it from a checkpoint of "
                    "rnnc train on a text\n", o->weights);
    goto done;
  }
  if (tool_model_build(o->spec, fe, TOOL_STREAM, &tm)) goto done;
  if (stream_shape(tm.stream, &s, err, sizeof err)) {
    fail(err);
    goto done;
  }
  tool_zero_inputs(tm.pred, &zeros);
  if (!(b = native_load(tm.so, tm.pred, GOAL_STREAM, &w, &zeros, err, sizeof err))) {
    fail(err);
    goto done;
  }
  void *step_sym = native_symbol(b, "tool_step");
  const long *state_bytes = native_symbol(b, "tool_state_bytes");
  if (!step_sym || !state_bytes) {
    ir_report("%s: the generated code has no %s_tool_step\n", tm.so, tm.pred->cfg.name);
    goto done;
  }
  StepFn step;
  memcpy(&step, &step_sym, sizeof step); /* as native.c does: POSIX function pointers from dlsym */
  DType dt = tm.pred->cfg.dtype;
  size_t bytes;
  const void *params = native_params(b, &bytes);
  state = mem_calloc((size_t)*state_bytes / sizeof(double) + 1, sizeof(double), "the streaming state");
  double *logits = mem_calloc((size_t)s.classes, sizeof(double), "the logits");
  int32_t id = 0;
  void *input[1] = {&id}, *output[1] = {logits};
  int lookup[256];
  for (int c = 0; c < 256; c++) lookup[c] = -1;
  for (int i = nvocab - 1; i >= 0; i--) lookup[vocab[i]] = i;
  char first[2] = {lookup['\n'] >= 0 ? '\n' : (char)vocab[0], 0}; /* a newline, else the most frequent character */
  const char *prime = o->prime ? o->prime : first;
  if (!prime[0]) {
    fail("--prime is empty: the model needs at least one character to start from");
    free(logits);
    goto done;
  }
  int unknown = 0;
  for (const unsigned char *p = (const unsigned char *)prime; *p; p++) {
    id = lookup[*p] >= 0 ? lookup[*p] : (unknown++, nvocab - 1);
    step(params, state, p == (const unsigned char *)prime, input, output, native_arena(b));
  }
  if (unknown)
    fprintf(stderr, "rnnc: note: %d character%s of --prime not in the vocabulary, read as '%c'\n", unknown,
            unknown == 1 ? "" : "s", vocab[nvocab - 1]);
  fputs(prime, stdout);
  int n = nvocab < s.classes ? nvocab : s.classes; /* ids the training text never used are never drawn */
  for (int i = 0; i < o->length; i++) {
    id = draw(logits, dt, n, o->temperature, rnnc_uniform(o->seed, STREAM_SAMPLE, (uint64_t)i));
    fputc(vocab[id], stdout);
    if (i + 1 < o->length) step(params, state, 0, input, output, native_arena(b));
  }
  fputc('\n', stdout);
  free(logits);
  rc = ferror(stdout) ? fail("cannot write the sample to stdout") : 0;
done:
  free(state);
  native_free(b);
  tool_model_free(&tm);
  st_free(&w), st_free(&zeros);
  ckpt_free(&ck);
  return rc;
}

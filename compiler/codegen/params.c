/*
 * params.c - the functions of NAME.c that set or move the parameters as a
 * whole: NAME_init (every parameter as `rnnc init --seed` sets it, computed
 * by runtime/rnnc_init.h, which NAME.c carries), NAME_store / NAME_load (the
 * params array in a blob whose header names this model's layout, so that a
 * blob of another model is refused) and NAME_weights (trained parameters
 * compiled in, for an inference product that reads no files).
 */
#include "emit_c_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#define RNNC_INIT_SIZES /* rnnc_init_scratch: NAME_init's arena */
#include "rnnc_rand.h"
#include "rnnc_init.h" /* after rnnc_rand.h */

/* ---- initial values ---- */

/* NAME_init: every parameter as `rnnc init --seed` sets it, optimizer state
 * zero.  Values are computed in double in the arena, then stored. */
void emit_init(Model *md, const Graph *g) {
  const char *NAME = md->NAME;
  long bytes = 0;
  Buf *c = &md->source;
  buf_printf(&md->header, "void %s_init(%s *params, uint64_t seed, void *arena);\n", md->name, md->T);
  buf_printf(c, "void %s_init(%s *params, uint64_t seed, void *arena) {\n", md->name, md->T);
  buf_printf(c, "  static const struct {\n    const char *name;\n    int kind;\n    double a, b;\n    int rank;\n"
                "    int shape[4];\n    long offset;\n  } p[%s_NPARAMS] = {\n", NAME);
  for (int i = 0; i < md->layout->n; i++) {
    const Node *x = NULL;
    for (int k = 0; k < g->nparams; k++)
      if (!strcmp(g->params[k]->attr.name, md->layout->names[i])) x = g->params[k];
    const Init *in = &x->attr.init;
    buf_printf(c, "      {\"%s\", %d, %.17g, %.17g, %d, {", x->attr.name, (int)in->kind, in->a, in->b, x->shape.rank);
    for (int k = 0; k < 4; k++) buf_printf(c, "%s%d", k ? ", " : "", k < x->shape.rank ? x->shape.dim[k] : 0);
    buf_printf(c, "}, %ld},\n", md->layout->offset[i]);
    long scratch = (ir_numel(x->shape) + rnnc_init_scratch((int)in->kind, x->shape.rank, x->shape.dim)) *
                   (long)sizeof(double);
    if (scratch > bytes) bytes = scratch;
  }
  buf_printf(c, "  };\n  double *v = arena;\n  for (int i = 0; i < %s_NPARAMS; i++) {\n    long n = 1;\n"
                "    for (int k = 0; k < p[i].rank; k++) n *= p[i].shape[k];\n"
                "    (void)rnnc_init_values(p[i].kind, p[i].a, p[i].b, p[i].rank, p[i].shape, p[i].name, seed, v, v + n);\n"
                "    for (long k = 0; k < n; k++) params[p[i].offset + k] = (%s)v[k];\n  }\n}\n\n", NAME, md->T);
  md->init_arena = bytes;
}

/* ---- parameter blobs ---- */

/* A hash of what a blob must match: element type, names, shapes, offsets. */
static uint64_t layout_hash(const Model *md, const Graph *g) {
  uint64_t h = 1469598103934665603u ^ ir_dtype_size(md->real);
  for (int i = 0; i < md->layout->n; i++) {
    for (const char *c = md->layout->names[i]; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211u;
    const Node *p = NULL;
    for (int k = 0; k < g->nparams; k++)
      if (!strcmp(g->params[k]->attr.name, md->layout->names[i])) p = g->params[k];
    for (int k = 0; k < p->shape.rank; k++) h = (h ^ (uint64_t)p->shape.dim[k]) * 1099511628211u;
    h = (h ^ (uint64_t)md->layout->offset[i]) * 1099511628211u;
  }
  return h;
}

/* NAME_store / NAME_load: params behind a 32-byte header (magic, layout
 * hash, element count, element size; little-endian), byte by byte so the
 * blob needs no alignment. */
void emit_blob(Model *md, const Graph *g) {
  const char *NAME = md->NAME, *N = md->name, *T = md->T;
  bool store = md->entries & ENTRY_STORE, load = md->entries & ENTRY_LOAD;
  if (!store && !load) return;
  uint64_t fields[3] = {layout_hash(md, g), (uint64_t)md->layout->total, ir_dtype_size(md->real)};
  buf_printf(&md->header, "\n/* Parameters in a blob of %s_BLOB_BYTES (a header that names this model's layout,\n"
                          " * then params): store writes one, load refuses any other model's.  0, or -1. */\n"
                          "#define %s_BLOB_BYTES (32 + %s_PARAMS_BYTES)\n", NAME, NAME, NAME);
  if (store) buf_printf(&md->header, "int %s_store(const %s *params, void *blob, size_t size);\n", N, T);
  if (load) buf_printf(&md->header, "int %s_load(%s *params, const void *blob, size_t size);\n", N, T);
  Buf *c = &md->source;
  buf_printf(c, "static const unsigned char %s_blob_header[32] = {'R', 'N', 'N', 'C', 'P', 'A', 'R', '1'", N);
  for (int f = 0; f < 3; f++)
    for (int b = 0; b < 8; b++) buf_printf(c, ", %u", (unsigned)((fields[f] >> (8 * b)) & 0xff));
  buf_printf(c, "};\n\n");
  if (store)
    buf_printf(c, "int %s_store(const %s *params, void *blob, size_t size) {\n"
                  "  unsigned char *out = blob;\n  const unsigned char *from = (const unsigned char *)params;\n"
                  "  if (size < %s_BLOB_BYTES) return -1;\n"
                  "  for (long i = 0; i < 32; i++) out[i] = %s_blob_header[i];\n"
                  "  for (long i = 0; i < %s_PARAMS_BYTES; i++) out[32 + i] = from[i];\n  return 0;\n}\n\n",
               N, T, NAME, N, NAME);
  if (load)
    buf_printf(c, "int %s_load(%s *params, const void *blob, size_t size) {\n"
                  "  const unsigned char *in = blob;\n  unsigned char *to = (unsigned char *)params;\n"
                  "  if (size != %s_BLOB_BYTES) return -1;\n"
                  "  for (long i = 0; i < 32; i++)\n    if (in[i] != %s_blob_header[i]) return -1;\n"
                  "  for (long i = 0; i < %s_PARAMS_BYTES; i++) to[i] = in[32 + i];\n  return 0;\n}\n\n",
               N, T, NAME, N, NAME);
}

/* ---- the streaming step's parameters ---- */

/* The shape of the parameter at layout index i (in g, the graph with every
 * parameter). */
static Shape param_shape(const Model *md, const Graph *g, int i) {
  for (int k = 0; k < g->nparams; k++)
    if (!strcmp(g->params[k]->attr.name, md->layout->names[i])) return g->params[k]->shape;
  die("parameter '%s' is in no graph", md->layout->names[i]);
}

/* Does the streaming step read the parameter at layout index i transposed?
 * A row or column vector is its own transpose in memory: a plain copy. */
static bool kept_transposed(const Model *md, const Graph *g, int i) {
  if (!md->step_panels || md->step_panels[i] < 0) return false;
  Shape s = param_shape(md, g, i);
  return s.dim[0] > 1 && s.dim[1] > 1;
}

/* The transpose of the parameter at layout index i that the plan prepared
 * (plan.h) in the streaming graph g, or NULL. */
static const Node *prepared_transpose_of(const Model *md, const Graph *g, const bool *prepared, int i) {
  for (int k = 0; k < g->nnodes; k++) {
    const Node *t = g->nodes[k];
    if (t->op == OP_TRANSPOSE && prepared[t->in[0]->id] && !strcmp(t->in[0]->attr.name, md->layout->names[i]))
      return t;
  }
  return NULL;
}

void emit_step_prepare(Model *md, const Graph *g, const bool *prepared, const Emit *stream) {
  const char *N = md->name, *NAME = md->NAME, *T = md->T;
  md->step_panels = mem_alloc((size_t)md->layout->n + 1, sizeof *md->step_panels, "the step's parameters");
  const Node **transpose = mem_calloc((size_t)md->layout->n + 1, sizeof *transpose, "the step's parameters");
  for (int i = 0; i < md->layout->n; i++) {
    transpose[i] = prepared_transpose_of(md, g, prepared, i);
    md->step_panels[i] = transpose[i] ? stream->panels[transpose[i]->id] : -1;
  }
  buf_printf(&md->header, "\n/* %s_step reads step_params: the trainable parameters laid out as in params,\n"
                          " * but every weight matrix that its products read transposed (a read-out narrower\n"
                          " * than a vector reads its weight's rows as they are); a transpose wider than 512\n"
                          " * bytes in panels, 512 bytes of columns of every row at a time, so that a one-row\n"
                          " * product reads each panel as one stream.  %s_step_prepare writes them from\n"
                          " * params: call it once, and again whenever the parameters change. */\n"
                          "#define %s_STEP_PARAMS_ELEMS %ld\nvoid %s_step_prepare(const %s *params, %s *step_params);\n",
             N, N, NAME, md->layout->trainable, N, T, T);
  Buf *c = &md->source;
  buf_printf(c, "void %s_step_prepare(const %s *params, %s *step_params) {\n"
                "  for (long i = 0; i < %s_STEP_PARAMS_ELEMS; i++) step_params[i] = params[i];\n", N, T, T, NAME);
  Emit e = *stream;
  e.out = c, e.indent = 2;
  for (int i = 0; i < md->layout->n; i++) {
    if (!kept_transposed(md, g, i)) continue;
    const Node *t = transpose[i];
    char in[64], out[64];
    snprintf(in, sizeof in, "(params + %ld)", md->layout->offset[i]);
    snprintf(out, sizeof out, "(step_params + %ld)", md->layout->offset[i]);
    const char *arg[] = {in, out};
    buf_printf(c, "  /* %s [%d, %d], transposed */\n", md->layout->names[i], t->in[0]->shape.dim[0],
               t->in[0]->shape.dim[1]);
    emit_op(&e, t, arg);
  }
  buf_printf(c, "}\n\n");
  free(transpose);
}

/* ---- compiled-in weights ---- */

/* const T NAME_name[ELEMS] = {values...}; with its declaration. */
static void emit_array(Model *md, const char *name, const char *comment, const char *values) {
  size_t es = ir_dtype_size(md->real);
  const char *NAME = md->NAME;
  buf_printf(&md->header, "%sextern const %s %s_%s[%s_WEIGHTS_ELEMS];\n", comment, md->T, md->name, name, NAME);
  buf_printf(&md->source, "const %s %s_%s[%s_WEIGHTS_ELEMS] = {", md->T, md->name, name, NAME);
  Emit e = {.real = md->real};
  for (long i = 0; i < md->layout->trainable; i++) {
    char lit[40];
    double v = es == 8 ? ((const double *)(const void *)values)[i] : ((const float *)(const void *)values)[i];
    buf_printf(&md->source, "%s%s,", i % 8 ? " " : "\n    ", emit_literal(&e, v, lit));
  }
  buf_printf(&md->source, "\n};\n\n");
}

/* values with the parameters step_params holds transposed, transposed, as
 * NAME_step_prepare lays them out. */
static void prepare_values(const Model *md, const Graph *g, char *values) {
  size_t es = ir_dtype_size(md->real);
  const Emit e = {.real = md->real};
  for (int i = 0; i < md->layout->n; i++) {
    if (!kept_transposed(md, g, i)) continue;
    Shape s = param_shape(md, g, i);
    size_t bytes = (size_t)ir_numel(s) * es;
    char *at = values + (size_t)md->layout->offset[i] * es, *copy = mem_alloc(bytes, 1, "the embedded weights");
    memcpy(copy, at, bytes);
    long K = s.dim[1], N = s.dim[0]; /* the transpose's */
    for (long j = 0; j < N; j++)
      for (long k = 0; k < K; k++) {
        long to = md->step_panels[i] ? emit_panel_offset(&e, K, N, md->step_panels[i], k, j) : k * N + j;
        memcpy(at + (size_t)to * es, copy + (size_t)(j * K + k) * es, es);
      }
    free(copy);
  }
}

/* NAME_weights (and NAME_step_weights): the trainable parameters from
 * m->weights, laid out as in params (step_params).  0, or 1 with a message
 * in err. */
int emit_weights(Model *md, const Graph *g, const EmitModel *m, char *err, size_t errlen) {
  size_t es = ir_dtype_size(md->real);
  char *values = mem_calloc((size_t)md->layout->trainable + 1, es, "the embedded weights");
  int rc = 0;
  for (int i = 0; !rc && i < g->nparams; i++) {
    const Node *p = g->params[i];
    if (p->attr.trainable)
      rc = m->weights(m->weights_ctx, p, values + (size_t)plan_param_offset(md->layout, p->attr.name) * es, err,
                      errlen) ? 1 : 0;
  }
  if (!rc) {
    char comment[400];
    snprintf(comment, sizeof comment, "\n/* The trained parameters (from %s): pass as params to %s_predict. */\n"
             "#define %s_WEIGHTS_ELEMS %ld\n", m->weights_file, md->name, md->NAME, md->layout->trainable);
    emit_array(md, "weights", comment, values);
    if (md->step_panels) {
      prepare_values(md, g, values);
      snprintf(comment, sizeof comment, "/* The same, prepared (%s_step_prepare): pass as step_params to %s_step. */\n",
               md->name, md->name);
      emit_array(md, "step_weights", comment, values);
    }
  }
  free(values);
  return rc;
}

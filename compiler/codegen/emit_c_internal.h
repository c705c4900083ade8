/*
 * emit_c_internal.h - what the files of the C emitter share; only they
 * include it.  emit_c.c runs them in order (see there):
 *   entry.c     the entry points (NAME_predict, NAME_grad, ...), one graph each
 *   names.c     the names of an entry point's arena buffers
 *   kernels.c   the calls an entry point makes and the kernels they call,
 *               each kernel defined once however often it is called
 *   params.c    NAME_init, NAME_store / NAME_load and NAME_weights
 *   header.c    NAME.h's macros and structs, and NAME_params_info
 *   preamble.c  the top of NAME.c and the runtime code it carries
 *   tool_api.c  the untyped entry points rnnc's own tools call (RNNC_TOOL_API)
 */
#ifndef RNNC_EMIT_C_INTERNAL_H
#define RNNC_EMIT_C_INTERNAL_H

#include "buf.h"
#include "emit.h"
#include "emit_c.h"

/* Kernel functions keyed by their text (kernels.c). */
typedef struct {
  char **keys;  /* signature and body */
  char **names;
  long *stack;  /* bytes of local arrays each declares (kernels.c) */
  int n, cap;
  Buf defs;     /* their definitions, in order of first use */
} Kernels;

void kernels_free(Kernels *k);

/* The model being emitted. */
typedef struct {
  const char *name, *spec;
  char NAME[128]; /* name in capitals: the prefix of NAME.h's macros */
  DType real;
  const char *T;  /* the C type of real */
  Graph *graphs[FN_COUNT]; /* of the entry points emitted; NULL for the others */
  const Graph *reference;  /* predict's, emitted or not: the model's name, sizes, inputs */
  unsigned entries;        /* EmitModel.entries */
  const TileChoice *tiles; /* EmitModel.tiles */
  long arena[FN_COUNT];
  long stack[FN_COUNT]; /* Fn.stack of each entry point emitted */
  long init_arena; /* bytes NAME_init needs */
  ParamLayout *layout;
  /* by layout index: how step_params holds the parameter: -1 as params does,
   * 0 transposed, else transposed in panels of that width (NULL: no stream) */
  int *step_panels;
  Kernels kernels;
  Buf source;     /* NAME.c's functions so far, */
  Buf header;     /* and their declarations in NAME.h */
} Model;

/* The C names of an entry point's arena buffers (names.c), and which of its
 * functions declared each last. */
typedef struct {
  char **node;    /* by node id: the name of an arena buffer (a LOC_ARENA base), else NULL */
  char **scratch; /* by item: the name of its scratch, else NULL */
  int *node_fn, *scratch_fn; /* by node id, by item: Fn.fn of the function that declared it last */
  int nnodes, nitems;
} Names;

/* One entry point being emitted: the calls of the function being printed
 * (a part, or the entry point's copies of its results), one statement per
 * line, and the declarations of the names they use. */
typedef struct {
  Emit e;
  FnKind kind;
  const Graph *g;
  const ParamLayout *layout;
  Kernels *kernels;
  Names names;
  int fn;    /* the function being printed: 1, 2, ... its parts; -1 the entry point */
  int declared; /* names it has declared so far */
  long stack;   /* bytes of local arrays of the kernels it calls, each kernel once */
  bool *called; /* by kernel id (grown with Kernels.cap): counted in stack */
  int ncalled;
  Buf calls;
  Buf decls; /* "  float *lstm1_tanh_t3 = (float *)(A + 512); ..." */
} Fn;

/* The C name of each entry point and the macro of its arena size, by FnKind. */
typedef struct {
  const char *name, *arena_macro;
} FnName;
extern const FnName fn_names[FN_COUNT];

/* ---- entry.c ---- */

/* Plans md->graphs[kind] and emits its entry point: kernels, the parts that
 * call them, the function itself (declared in md->header); a streaming step
 * also gets the struct its parts read and NAME_reset. */
void emit_function(Model *md, FnKind kind);
/* Is r a recurrent state the streaming step carries to the next step? */
bool is_next_state(const Result *r);

/* ---- names.c ---- */

/* The names a part declares, about (entry.c): without optimization each
 * takes a slot of its frame, 1 KB of pointers on a 64-bit target. */
enum { NAMES_PER_PART = 128 };

/* Names every arena buffer and scratch of plan p (of entry point kind). */
void names_build(Names *names, const Plan *p, FnKind kind);
void names_free(Names *names);

/* ---- kernels.c ---- */

/* The bytes of arena scratch item it's kernel works in (memplan places
 * them; emit_item passes them): what emitting it asks of emit_scratch. */
long emit_item_scratch(const Fn *f, const Item *it);
/* The call of item it (a kernel for one node, or a fused loop) in f->calls;
 * the names it uses that f->fn has not declared yet, in f->decls. */
void emit_item(Fn *f, const Item *it);
/* A call in f->calls copying the value of node x to `dest` (a contiguous
 * buffer of the caller's). */
void emit_copy_out(Fn *f, const Node *x, const char *dest);

/* ---- params.c: each appends its functions to md->source and md->header ---- */

/* NAME_init: every parameter as `rnnc init --seed` sets it; sets md->init_arena. */
void emit_init(Model *md, const Graph *g);
/* NAME_store / NAME_load: params in a blob that names the layout. */
void emit_blob(Model *md, const Graph *g);
/* NAME_step_prepare: params to the step_params of the streaming graph g,
 * the parameters prepared (plan.h) transposed, in panels where the step's
 * products read them so (stream: its Emit, with its plan and panels); sets
 * md->step_panels. */
void emit_step_prepare(Model *md, const Graph *g, const bool *prepared, const Emit *stream);
/* NAME_weights: the trainable parameters from m->weights, and with a
 * streaming step NAME_step_weights, prepared.  0, or 1 with a message in err. */
int emit_weights(Model *md, const Graph *g, const EmitModel *m, char *err, size_t errlen);

/* ---- header.c ---- */

typedef enum { S_INPUTS, S_STATE_INPUTS, S_OUTPUTS, S_METRICS, S_STATES } StructKind;

/* A struct NAME_type of g's inputs or results, as `kind` selects them. */
void emit_struct(Buf *h, const Model *md, const Graph *g, StructKind kind, const char *type, const char *comment);
/* NAME.h: macros (sizes of the arenas planned), structs, then md->header. */
void emit_header(const Model *md, Buf *h);
/* NAME_params_info: name, shape and offset of each parameter of g. */
void emit_tables(const Model *md, const Graph *g, Buf *c);

/* ---- preamble.c ---- */

/* The top of NAME.c: its comment, includes and the runtime code it calls. */
void emit_preamble(const Model *md, Buf *c);

/* ---- tool_api.c ---- */

/* What rnnc's own tools call through dlsym, inside #ifdef RNNC_TOOL_API. */
void emit_tool_api(const Model *md, Buf *c);

#endif

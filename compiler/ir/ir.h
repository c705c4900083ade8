/*
 * ir.h - the graph IR shared by every stage of rnnc.
 *
 * A Graph owns all of its objects in one arena (freed at once).  A Node is a
 * primitive op (see ops.def) with a static shape and dtype, its inputs, its
 * attributes and the spec location that created it, so any error found by any
 * pass can point at the user's line.
 *
 * Stages of a graph (each pass states which it requires and produces):
 *   forward   built by the front end; nodes with seq=true hold one value per
 *             time step; STATE nodes carry the recurrence back edge (`back`).
 *   unrolled  no seq nodes and no F_TIME ops: every step is explicit.
 *   backward  ROLE_GRAD results added (reverse-mode autodiff).
 *   updated   ROLE_UPDATE results added (clipping and optimizer).
 *   scheduled g->nodes holds only live nodes, in execution order, ids 0..n-1.
 *
 * Nodes are created in dependency order (inputs first), so creation order is
 * a topological order of the forward edges; only STATE.back points forward.
 */
#ifndef RNNC_IR_H
#define RNNC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { IR_MAXDIM = 4 };

/* printf-like functions get their arguments checked against the format. */
#if defined(__GNUC__)
#define IR_PRINTF(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define IR_PRINTF(fmt, first)
#endif

/* The largest run anything may ask for: a spec (checked where it asks,
 * frontend.c), the command line (main.c), a checkpoint (checkpoint.c).  Every
 * count rnnc allocates by is bounded by these, so a size computed from them
 * cannot overflow (alloc.h) and a request past them is a user error naming
 * the limit; README, "The spec language". */
enum {
  IR_MAX_BATCH = 1 << 20,        /* model{batch}, --batch */
  IR_MAX_STEPS = 1 << 20,        /* model{steps}, --steps */
  IR_MAX_EPOCHS = 1000000,       /* model{epochs}, --epochs */
  IR_MAX_EXTENT = 1 << 24,       /* any one dimension of a shape */
  IR_MAX_ELEMENTS = 1 << 28,     /* elements of one value: its shape, times the steps when per step */
  IR_MAX_SPEC_NODES = 1 << 18,   /* nodes, layers and results a spec makes (before unrolling) */
  IR_MAX_NAME = 100,             /* characters of a name (model, layer, parameter, input, result) */
  IR_MAX_SPEC_BYTES = 1 << 24,   /* bytes of a spec file or of a file it requires */
  /* nodes of one graph (ir.c): the unrolled graph grows with the steps, and
   * every pass keeps arrays by node (about 1 GB of compiler memory at the cap) */
  IR_MAX_NODES = 1 << 22,
};

typedef enum { DT_F32, DT_F64, DT_I32 } DType;

typedef struct {
  int rank;
  int dim[IR_MAXDIM];
} Shape;

typedef struct {
  const char *file;  /* spec file as the user named it, or NULL (compiler-made) */
  int line;
  const char *layer; /* the innermost layer being built (its unique name), or NULL */
  int step;          /* 1 + the time step of a value unroll copied per step; 0: not per step */
} SrcLoc;

typedef enum {
#define OP(id, name, arity, flags, attrs) OP_##id,
#include "ops.def"
#undef OP
  OP_COUNT
} OpKind;

enum { /* op flags: see ops.def */
  F_LEAF = 1 << 0,
  F_TIME = 1 << 1,
  F_EWISE = 1 << 2,
  F_NODIFF = 1 << 3,
  F_RANDOM = 1 << 4,
  F_TIME_REDUCE = 1 << 5,
  F_FUSABLE = 1 << 6,
  F_VIEW = 1 << 7,
  F_NEEDS_EXP = 1 << 8,
  F_NEEDS_TANH = 1 << 9,
};

/* Parameter initialisers (PyTorch semantics; see init.c). */
typedef enum {
  INIT_ZEROS,
  INIT_CONST,      /* a */
  INIT_UNIFORM,    /* U(a, b) */
  INIT_NORMAL,     /* N(mean a, std b) */
  INIT_ORTHOGONAL, /* gain a; rows of [out, in] orthonormal (or columns) */
  INIT_GLOROT,     /* xavier uniform, gain a */
} InitKind;

typedef struct {
  InitKind kind;
  double a, b;
} Init;

typedef struct {
  const char *name; /* PARAM, INPUT */
  Init init;        /* PARAM */
  bool trainable;   /* PARAM: false for optimizer state */
  double value;     /* CONST fill value; DROPOUT_MASK drop probability */
  Shape shape;      /* PARAM, INPUT, CONST, SUM_TO, BROADCAST_TO, RESHAPE */
  int axis;         /* SLICE, PAD, CONCAT, SELECT, STACK */
  int start;        /* SLICE, PAD: offset; SELECT: index */
  int len;          /* SLICE: length; PAD: padded size; ONE_HOT: depth; SCATTER_ADD: rows */
  bool ta, tb;      /* MATMUL: transpose a / b */
  long stream;      /* DROPOUT_MASK: random stream id, unique per mask */
  int max;          /* INPUT of int32 ids: exclusive upper bound (classes, vocabulary) */
  bool target;      /* INPUT: a training target (label) rather than a model input */
} Attr;

typedef struct Node Node;
struct Node {
  int id; /* index in graph->nodes */
  OpKind op;
  DType dtype;
  Shape shape; /* per-step shape when seq */
  bool seq;    /* forward graph: one value per time step */
  int loop;    /* seq: its time loop, an index into graph->loops (ir_loop_of) */
  int nin;
  Node **in;
  Node *back; /* STATE: the value of the next step (recurrence edge) */
  Attr attr;
  SrcLoc loc;
};

typedef enum {
  ROLE_LOSS,   /* the scalar training loss, name "loss" */
  ROLE_OUTPUT, /* a model output */
  ROLE_METRIC, /* e.g. accuracy */
  ROLE_GRAD,   /* name "grad.<param>" */
  ROLE_UPDATE, /* name = a PARAM's name; node = its value after the step */
} Role;

typedef struct {
  Role role;
  const char *name;
  Node *node;
} Result;

typedef enum { OPT_NONE, OPT_SGD, OPT_ADAM } OptKind;

typedef struct {
  OptKind kind;
  double lr;
  double momentum, weight_decay; /* SGD (weight_decay also Adam) */
  bool nesterov;                 /* SGD */
  double beta1, beta2, eps;      /* Adam */
} OptConfig;

typedef struct {
  const char *name; /* model name (C identifier) */
  int batch, steps; /* B and T: everything is shape-specialised */
  DType dtype;      /* DT_F32 or DT_F64 */
  OptConfig opt;
  double clip_norm; /* 0: no clipping */
  int tbptt;        /* 0: full BPTT; k: gradients cross at most k steps */
  int epochs;       /* training default (used by the training driver) */
  const char *loss_kind; /* "cross_entropy", "mse", ... as the spec's loss helper says */
} ModelConfig;

/* A layer as recorded by the front end, for `rnnc summary`. */
#define LAYER_MAX_ARGS 4
typedef struct {
  const char *name, *kind;
  double args[LAYER_MAX_ARGS]; /* its leading numeric arguments: LSTM(128), Normalize(0.286, 0.353) */
  int nargs;
  Node *out;        /* its output (may be seq) */
  int first_param;  /* params[first_param .. first_param+nparams) */
  int nparams;
} Layer;

/* A time loop of the forward graph: per-step values that advance together,
 * one copy per step (ir.c, "time loops"). */
typedef enum { FIX_NONE, FIX_BY_SEQUENCE, FIX_BY_STATE, FIX_BY_REDUCTION } LoopFix;
typedef struct {
  int parent, size; /* union-find: loops whose values met are one */
  int steps;        /* 0 while FIX_NONE */
  LoopFix fixed_by; /* what fixed its steps ... */
  SrcLoc fixed_at;  /* ... and where */
  Node *lengths;    /* int32 [B]: where each example's sequence ends; NULL: at the last step */
} TimeLoop;

typedef struct Arena Arena;

typedef struct Graph {
  Arena *arena;
  Node **nodes; /* every node, by id */
  int nnodes, capnodes;
  Node **params; /* PARAM leaves: trainable ones in spec order, then optimizer state */
  int nparams, capparams;
  Node **inputs; /* INPUT leaves in spec order (inputs, then targets) */
  int ninputs, capinputs;
  Result *results;
  int nresults, capresults;
  Layer *layers;
  int nlayers, caplayers;
  TimeLoop *loops;
  int nloops, caploops;
  ModelConfig cfg;
  bool training;  /* dropout active */
  bool streaming; /* the streaming step's graph: every time loop runs its one step, whatever the
                     sequences' lengths (stream_step.c's stream_blocker refuses fixed lengths) */
  SrcLoc loc;     /* stamped on every new node (set by the front end / passes) */
  long nstreams;  /* DROPOUT_MASK streams handed out */
  char err[512];  /* message of the last failed ir_try_node */
} Graph;

/* ---- op table (ops.c) ---- */

typedef const char *ShapeRule(Node *n); /* fills n->shape, n->dtype; error text or NULL */

typedef struct {
  const char *name;
  int arity; /* -1: variadic */
  unsigned flags;
  const char *attrs; /* the Attr fields the IR text shows (see ops.def) */
  ShapeRule *shape;
} OpInfo;

extern const OpInfo ir_ops[OP_COUNT];
/* The range [0, r) of the ids n reads from its input x, or 0 if n reads none
 * from x (shape.c: the shape rules fix those ranges). */
int ir_id_range(const Node *n, const Node *x);
OpKind ir_op_by_name(const char *name); /* OP_COUNT if unknown */

/* ---- arena (ir.c) ---- */

void *ir_alloc(Graph *g, size_t size); /* zeroed, lives as long as g */
char *ir_strdup(Graph *g, const char *s);
char *ir_fmt(Graph *g, const char *fmt, ...) IR_PRINTF(2, 3);

/* ---- graphs and nodes (ir.c) ---- */

Graph *ir_graph_new(void);
void ir_graph_free(Graph *g);

/* Creates a node stamped with g->loc and infers its shape.  On a shape error
 * returns NULL with the message in g->err (the front end reports it at the
 * user's line).  ir_node is for passes: a failure there is a compiler bug. */
Node *ir_try_node(Graph *g, OpKind op, int nin, Node *const *in, const Attr *attr);
Node *ir_node(Graph *g, OpKind op, int nin, Node *const *in, const Attr *attr);

/* ---- time loops (ir.c) ----
 * Every per-step node is in a loop.  A sequence (STEPS) starts a loop of its
 * length (with its lengths, if it has them: VALID and FINAL start one too),
 * a STATE one of attr.len steps (0: open, its length not known yet);
 * any other per-step node joins the loops of its per-step inputs into one,
 * which fails (ir_try_node's error) if both have fixed lengths that differ,
 * or lengths inputs that differ.
 * So the loops of a spec are the groups of per-step values that meet: an
 * encoder and the decoder whose initial state is its last state are two. */
int ir_loop_of(const Graph *g, const Node *n); /* the loop's representative, for a seq node */
int ir_loop_steps(const Graph *g, const Node *n); /* its steps (the model's while open) */
Node *ir_loop_lengths(const Graph *g, const Node *n); /* its examples' lengths, or NULL */
/* The input whose sequence (STEPS) ends where input `lengths` says, or NULL. */
const Node *ir_sequence_of_lengths(const Graph *g, const Node *lengths);
/* Fixes the steps of n's loop if open (by a reduction at g->loc). */
void ir_loop_fix(Graph *g, const Node *n, int steps);
/* Why n's loop has its length, for messages: "the sequence of line 4". */
const char *ir_loop_why(Graph *g, const Node *n);
/* The reduction over time r (LAST, TIME_SUM, TIME_STACK) if a value that
 * n reads is computed from it and n can only see its result after the last
 * step: n does not vary over time, or r reduces n's own loop; else NULL. */
Node *ir_reduces_own_loop(const Graph *g, const Node *n, Node *r);

/* Convenience constructors for passes (all die on error). */
Node *ir_unary(Graph *g, OpKind op, Node *a);
Node *ir_binary(Graph *g, OpKind op, Node *a, Node *b);
Node *ir_const(Graph *g, double value, Shape shape, DType dt);
Node *ir_scalar(Graph *g, double value, DType dt); /* rank-0 CONST */
Node *ir_matmul(Graph *g, Node *a, Node *b, bool ta, bool tb);
Node *ir_shaped(Graph *g, OpKind op, Node *a, Shape s); /* SUM_TO, BROADCAST_TO, RESHAPE */
Node *ir_slice(Graph *g, OpKind op, Node *a, int axis, int start, int len); /* SLICE, PAD */
Node *ir_param(Graph *g, const char *name, Shape s, Init init, bool trainable);
Node *ir_input(Graph *g, const char *name, Shape s, DType dt);

void ir_add_result(Graph *g, Role role, const char *name, Node *n);
void ir_add_layer(Graph *g, Layer layer);
Node *ir_find_result(const Graph *g, Role role, const char *name);
Node *ir_find_param(const Graph *g, const char *name);

/* ---- shapes (ir.c) ---- */

Shape ir_shape(int rank, ...); /* ir_shape(2, B, H) */
bool ir_shape_eq(Shape a, Shape b);
long ir_numel(Shape s);
/* Strides (in elements) of s laid out contiguously, in row-major order. */
void ir_contiguous_strides(Shape s, long stride[static IR_MAXDIM]);
/* Whether strides lay s out contiguously (axes of one element aside). */
bool ir_is_contiguous(Shape s, const long *stride);
/* Numpy-style broadcasting: the strides over shape `to` of a value of shape
 * `from` (aligned right) laid out with from_stride; 0 along every axis it is
 * repeated over.  to_stride may be from_stride (converted in place). */
void ir_broadcast_strides(Shape from, const long *from_stride, Shape to, long to_stride[static IR_MAXDIM]);
const char *ir_shape_str(Graph *g, Shape s); /* "[64, 128]" */
size_t ir_dtype_size(DType dt);
const char *ir_dtype_name(DType dt); /* "f32", "f64", "i32" */
bool ir_is_float(DType dt);

/* ---- diagnostics (ir.c) ---- */

/* Internal compiler errors: print the compiler's own file:line and exit(70). */
#define die(...) ir_die(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void ir_die(const char *file, int line, const char *fmt, ...) IR_PRINTF(3, 4);
/* Formats a message into err (errlen bytes) and returns -1: the error path
 * of every function that reports with (err, errlen). */
int ir_errorf(char *err, size_t errlen, const char *fmt, ...) IR_PRINTF(3, 4);
/* User errors after the spec has run: "spec.lua:12: error: msg" (or
 * "spec.lua: error: msg" for line 0: about the spec as a whole), exit(1). */
_Noreturn void ir_user_error(SrcLoc loc, const char *fmt, ...) IR_PRINTF(2, 3);
/* Writes the len bytes of s to file (a FILE*) with every control character
 * but newline and tab shown as \ddd: text that came from a spec or a file
 * (its error(), its print, a name in a message) cannot drive a terminal. */
void ir_show(void *file, const char *s, size_t len);
/* "rnnc: error: " and the formatted message through ir_show, to stderr; the
 * format supplies its own newline.  For errors a command returns from. */
void ir_report(const char *fmt, ...) IR_PRINTF(1, 2);

/* ---- printing (ir.c) ---- */

/* Writes s as a JSON string (quotes, escapes) to file (a FILE*): names
 * come from specs. */
void ir_json_string(void *file, const char *s);

/* One line per node: "%12 = matmul(%3, %11) tb [64, 512] f32  spec.lua:9".
 * The same text format is used by `--dump-after` and the IR tests. */
void ir_print(const Graph *g, void *file /* FILE* */);
/* The attributes of n as the IR text shows them (ops.def's attrs column),
 * each after a space: " 'lstm1.weight_ih'", " axis=1 start=0 len=4". */
void ir_print_attrs(const Node *n, void *file /* FILE* */);

#endif

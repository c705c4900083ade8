/*
 * emit_c.c - the text of NAME.h and NAME.c for a model's graphs (see emit_c.h).
 *
 * For each entry point (predict, grad, train_step, apply, step) the scheduled
 * graph the pipeline made for it is planned (plan.c: views,
 * fused loops, items; memplan.c: the arena), and every item becomes one call
 * of a static kernel function.  Kernels are keyed by their full text, so the
 * T copies of a step's loop or product share one function: the code of a
 * step appears once, and the compiler's work grows with T only by the calls.
 * The calls are split into functions of at most CALLS_PER_PART calls, since
 * gcc and clang slow down far more than linearly on one huge function.
 * Results are copied to the caller's buffers at the end of each entry point:
 * a parameter's update is written only after everything that reads the old
 * value has run.
 */
#include "alloc.h"
#include "emit_c.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#define RNNC_INIT_SIZES /* rnnc_init_scratch: NAME_init's arena */
#include "rnnc_rand.h"
#include "rnnc_init.h" /* after rnnc_rand.h */

enum { CALLS_PER_PART = 200, PTR_CHARS = 320 /* a kernel argument, with a parameter name */ };

/* runtime/rnnc_rand.h, embedded at build time (generated code must not
 * depend on files outside the pair it ships as). */
extern const char emit_rand_source[];
/* runtime/rnnc_math.h, likewise: exp and tanh of f32 models. */
extern const char emit_math_source[];
/* runtime/rnnc_init.h: PyTorch's initialisers, for NAME_init. */
extern const char emit_init_source[];

/* ---- strings ---- */

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (b->len + (size_t)n + 1 > b->cap) {
    b->cap = (b->len + (size_t)n + 1) * 2;
    b->s = mem_realloc(b->s, b->cap, 1, "the generated C");
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void buf_free(Buf *b) {
  free(b->s);
  *b = (Buf){0};
}

static const char *buf_str(const Buf *b) { return b->s ? b->s : ""; }

/* Appends s as text inside a C comment.  It comes from outside (a spec's
 * file path): bytes that could end the comment or change how it is read are
 * written as \xHH instead: control and non-ASCII bytes (a newline), a
 * backslash (a line splice), the / of a star-slash or slash-star and the
 * second ? of ?? (a trigraph such as ??/ is a backslash). */
static void buf_comment_text(Buf *b, const char *s) {
  for (size_t i = 0; s[i]; i++) {
    unsigned char c = (unsigned char)s[i];
    bool slash_pair = c == '/' && ((i > 0 && s[i - 1] == '*') || s[i + 1] == '*');
    bool trigraph = c == '?' && i > 0 && s[i - 1] == '?';
    if (c < 32 || c > 126 || c == '\\' || slash_pair || trigraph) buf_printf(b, "\\x%02X", c);
    else buf_printf(b, "%c", c);
  }
}

/* ---- helpers of emit.h ---- */

const char *emit_ctype(DType dt) { return dt == DT_F64 ? "double" : dt == DT_F32 ? "float" : "int32_t"; }

/* Always into buf, which callers may use instead of the result.  Infinities
 * and NaN (a -inf mask, a folded log(0)) are math.h's constants: 1.0 / 0.0
 * would draw warnings; a negative one is parenthesised, so that a minus
 * before it never makes "--". */
const char *emit_literal(const Emit *e, double v, char buf[static 40]) {
  bool f32 = e->real == DT_F32;
  if (isnan(v)) return strcpy(buf, "NAN");
  if (isinf(v)) {
    snprintf(buf, 40, v > 0 ? "%s" : "(-%s)", f32 ? "HUGE_VALF" : "HUGE_VAL");
    return buf;
  }
  int n = snprintf(buf, 40, f32 ? "%.9g" : "%.17g", f32 ? (double)(float)v : v);
  if (!strpbrk(buf, ".e")) n += snprintf(buf + n, (size_t)(40 - n), ".0");
  if (f32) snprintf(buf + n, (size_t)(40 - n), "f");
  return buf;
}

/* f32 exp and tanh are rnnc_math.h's, which vectorize (see there). */
const char *emit_math(const Emit *e, const char *name, char buf[static 16]) {
  bool own = e->real == DT_F32 && (!strcmp(name, "exp") || !strcmp(name, "tanh"));
  snprintf(buf, 16, "%s%s%s", own ? "rnnc_" : "", name, e->real == DT_F32 ? "f" : "");
  return buf;
}

void emit_line(Emit *e, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  buf_printf(e->out, "%*s%s\n", e->indent, "", line);
}

void emit_loops(Emit *e, Shape s, const char *prefix, LoopVar *vars) {
  for (int i = 0; i < s.rank; i++) {
    snprintf(vars[i], sizeof vars[i], "%.4s%d", prefix, i);
    emit_line(e, "for (long %s = 0; %s < %d; %s++)%s", vars[i], vars[i], s.dim[i], vars[i],
              i + 1 == s.rank ? " {" : "");
    e->indent += 2;
  }
}

void emit_close_loops(Emit *e, int rank) {
  e->indent -= 2 * rank;
  if (rank) emit_line(e, "}");
}

void emit_strides(const Emit *e, const Node *x, long stride[static IR_MAXDIM]) {
  long off;
  plan_base(e->plan, x, &off, stride);
}

const char *emit_index(const Emit *e, const Node *x, LoopVar *vars, char buf[static 160]) {
  long st[IR_MAXDIM];
  emit_strides(e, x, st);
  int k = 0;
  for (int i = 0; i < x->shape.rank; i++)
    if (st[i] && x->shape.dim[i] > 1)
      k += snprintf(buf + k, (size_t)(160 - k), "%s%s * %ld", k ? " + " : "", vars[i], st[i]);
  if (!k) snprintf(buf, 160, "0");
  return buf;
}

/* ---- kernels, shared by their text ---- */

typedef struct {
  char **keys;  /* signature and body */
  char **names;
  int n, cap;
  Buf defs;     /* their definitions, in order of first use */
} Kernels;

static const char *kernel_intern(Kernels *k, const char *params, const char *body, const char *hint,
                                 const char *comment) {
  Buf key = {0};
  buf_printf(&key, "(%s) {\n%s}", params, body);
  for (int i = 0; i < k->n; i++)
    if (!strcmp(k->keys[i], key.s)) {
      buf_free(&key);
      return k->names[i];
    }
  if (k->n == k->cap) {
    k->cap = k->cap ? 2 * k->cap : 64;
    k->keys = mem_realloc(k->keys, (size_t)k->cap, sizeof *k->keys, "the kernels of the generated C");
    k->names = mem_realloc(k->names, (size_t)k->cap, sizeof *k->names, "the kernels of the generated C");
  }
  Buf name = {0};
  buf_printf(&name, "k%d_%s", k->n, hint);
  k->keys[k->n] = key.s;
  k->names[k->n++] = name.s;
  buf_printf(&k->defs, "/* %s */\nstatic void %s%s\n\n", comment, name.s, key.s);
  return name.s;
}

static void kernels_free(Kernels *k) {
  for (int i = 0; i < k->n; i++) free(k->keys[i]), free(k->names[i]);
  free(k->keys);
  free(k->names);
  buf_free(&k->defs);
}

/* ---- one entry point ---- */


typedef struct {
  Emit e;
  FnKind kind;
  const Graph *g;
  const ParamLayout *layout;
  Kernels *kernels;
  Buf calls;   /* one statement per line */
  int ncalls;
} Fn;

/* The pointer a kernel gets for node x: its base's storage plus the view's
 * offset; a parameter says its name.  apply's inputs are the gradients, in
 * grads (`in` in its parts) at their parameters' offsets. */
static const char *pointer(const Fn *f, const Node *x, char buf[static PTR_CHARS]) {
  long off, st[IR_MAXDIM];
  const Node *b = plan_base(f->e.plan, x, &off, st);
  const Loc *l = &f->e.plan->loc[b->id];
  const char *T = emit_ctype(b->dtype);
  switch (l->kind) {
  case LOC_PARAM: snprintf(buf, PTR_CHARS, "P + %ld /* %s */", l->offset + off, b->attr.name); break;
  case LOC_INPUT:
    if (f->kind == FN_APPLY)
      snprintf(buf, PTR_CHARS, "in + %ld /* %s */", plan_param_offset(f->layout, b->attr.name + 5) + off, b->attr.name);
    else snprintf(buf, PTR_CHARS, "in->%s + %ld", b->attr.name, off);
    break;
  case LOC_ARENA: snprintf(buf, PTR_CHARS, "(%s *)(A + %ld) + %ld", T, l->offset, off); break;
  default: die("node %%%d (%s) has no storage", b->id, ir_ops[b->op].name);
  }
  return buf;
}

/* "lstm1: matmul [64, 28] x [28, 512] (specs/x.lua:9)" */
static void describe(Buf *b, const Node *n) {
  buf_printf(b, "%s [", ir_ops[n->op].name);
  for (int i = 0; i < n->shape.rank; i++) buf_printf(b, "%s%d", i ? ", " : "", n->shape.dim[i]);
  buf_printf(b, "]");
  if (n->loc.file) {
    buf_printf(b, " (");
    buf_comment_text(b, n->loc.file);
    buf_printf(b, ":%d)", n->loc.line);
  }
}

static void add_call(Fn *f, const char *name, const Buf *args) {
  buf_printf(&f->calls, "  %s(%s);\n", name, buf_str(args));
  f->ncalls++;
}

static void kernel_item(Fn *f, const Node *n) {
  Buf params = {0}, body = {0}, args = {0}, comment = {0};
  int nargs = n->nin + 1;
  char(*names)[12] = mem_alloc((size_t)nargs, sizeof *names, "the arguments of a kernel"), ptr[PTR_CHARS];
  const char **arg = mem_calloc((size_t)nargs, sizeof *arg, "the arguments of a kernel");
  for (int k = 0; k < nargs; k++) {
    const Node *x = k < n->nin ? n->in[k] : n;
    snprintf(names[k], sizeof names[k], k < n->nin ? "a%d" : "out", k);
    arg[k] = names[k];
    buf_printf(&params, "%s%s%s *restrict %s", k ? ", " : "", k < n->nin ? "const " : "", emit_ctype(x->dtype),
               names[k]);
    buf_printf(&args, "%s%s", k ? ", " : "", pointer(f, x, ptr));
  }
  Emit e = f->e;
  e.out = &body;
  e.indent = 2;
  emit_op(&e, n, arg);
  describe(&comment, n);
  add_call(f, kernel_intern(f->kernels, params.s, body.s, ir_ops[n->op].name, comment.s), &args);
  buf_free(&params), buf_free(&body), buf_free(&args), buf_free(&comment);
  free(names);
  free(arg);
}

/* ---- fused loops ---- */

typedef struct {
  const Node *node;
  long stride[IR_MAXDIM]; /* over the loop's shape; 0 along broadcast axes */
  char name[16];
} Operand;

/* x's strides over loop shape s (x broadcasts to s, aligned right). */
static void strides_over(const Fn *f, const Node *x, Shape s, long *out) {
  long st[IR_MAXDIM];
  emit_strides(&f->e, x, st);
  ir_broadcast_strides(x->shape, st, s, out);
}

/* Merges neighbouring axes that every operand walks contiguously (or not at
 * all), so that a plain loop covers them: the common cases end as one loop
 * (same shapes, scalars) or two (a bias row). */
static Shape merge_axes(Shape s, Operand *ops, int nops) {
  for (int i = s.rank - 2; i >= 0; i--) {
    bool ok = true;
    for (int k = 0; k < nops && ok; k++) ok = ops[k].stride[i] == ops[k].stride[i + 1] * s.dim[i + 1];
    if (!ok) continue;
    s.dim[i] *= s.dim[i + 1];
    for (int k = 0; k < nops; k++) {
      ops[k].stride[i] = ops[k].stride[i + 1];
      for (int j = i + 1; j + 1 < s.rank; j++) ops[k].stride[j] = ops[k].stride[j + 1];
    }
    for (int j = i + 1; j + 1 < s.rank; j++) s.dim[j] = s.dim[j + 1];
    s.rank--;
  }
  return s;
}

static const char *operand_index(const Operand *op, Shape s, char buf[static 160]) {
  int k = 0;
  for (int i = 0; i < s.rank; i++)
    if (op->stride[i] && s.dim[i] > 1)
      k += snprintf(buf + k, (size_t)(160 - k), "%si%d * %ld", k ? " + " : "", i, op->stride[i]);
  if (!k) snprintf(buf, 160, "0");
  return buf;
}

static int member_index(const Item *it, const Node *x) {
  for (int m = 0; m < it->nmembers; m++)
    if (it->members[m] == x) return m;
  return -1;
}

static void loop_item(Fn *f, const Item *it) {
  Shape s = it->members[0]->shape;
  int cap = it->nmembers, nops = 0, nin = 0, nmask = 0;
  for (int m = 0; m < it->nmembers; m++) cap += it->members[m]->nin;
  Operand *ops = mem_alloc((size_t)cap, sizeof *ops, "the operands of a fused loop");
  /* inputs: every operand read from memory */
  for (int m = 0; m < it->nmembers; m++)
    for (int k = 0; k < it->members[m]->nin; k++) {
      const Node *x = it->members[m]->in[k];
      if (member_index(it, x) >= 0 || x->op == OP_CONST || (ir_ops[it->members[m]->op].flags & F_RANDOM)) continue;
      int seen = 0;
      while (seen < nops && ops[seen].node != x) seen++;
      if (seen < nops) continue;
      ops[nops].node = x;
      strides_over(f, x, s, ops[nops].stride);
      snprintf(ops[nops].name, sizeof ops[nops].name, "a%d", nops);
      nops++;
    }
  nin = nops;
  for (int m = 0; m < it->nmembers; m++) {
    const Node *x = it->members[m];
    if (!f->e.plan->loc[x->id].stored) continue;
    ops[nops].node = x;
    strides_over(f, x, s, ops[nops].stride);
    snprintf(ops[nops].name, sizeof ops[nops].name, "out%d", nops - nin);
    nops++;
  }
  s = merge_axes(s, ops, nops);

  Buf params = {0}, body = {0}, args = {0}, comment = {0};
  char ptr[PTR_CHARS], ix[160];
  for (int k = 0; k < nops; k++) {
    buf_printf(&params, "%s%s%s *restrict %s", k ? ", " : "", k < nin ? "const " : "", emit_ctype(ops[k].node->dtype),
               ops[k].name);
    buf_printf(&args, "%s%s", k ? ", " : "", pointer(f, ops[k].node, ptr));
  }
  for (int m = 0; m < it->nmembers; m++) /* one seed, one stream per mask */
    if (ir_ops[it->members[m]->op].flags & F_RANDOM) {
      buf_printf(&params, "%s%suint64_t stream%d", nops || nmask ? ", " : "", nmask ? "" : "uint64_t seed, ", nmask);
      buf_printf(&args, "%s%s%ldu", nops || nmask ? ", " : "", nmask ? "" : "seed, ", it->members[m]->attr.stream);
      nmask++;
    }
  Emit e = f->e;
  e.out = &body;
  e.indent = 2;
  LoopVar vars[IR_MAXDIM];
  emit_loops(&e, s, "i", vars);
  Operand lin = {.node = NULL};
  ir_contiguous_strides(s, lin.stride);
  const char *T = emit_ctype(e.real);
  nmask = 0;
  for (int m = 0; m < it->nmembers; m++) {
    const Node *x = it->members[m];
    char(*exprs)[200] = mem_alloc((size_t)x->nin + 1, sizeof *exprs, "the expressions of a fused loop"), streamname[24];
    const char **arg = mem_alloc((size_t)x->nin + 3, sizeof *arg, "the expressions of a fused loop");
    for (int k = 0; k < x->nin; k++) {
      const Node *in = x->in[k];
      int mi = member_index(it, in);
      if (mi >= 0) snprintf(exprs[k], sizeof exprs[k], "t%d", mi);
      else if (in->op == OP_CONST) emit_literal(&e, in->attr.value, exprs[k]);
      else {
        int o = 0;
        while (ops[o].node != in) o++;
        snprintf(exprs[k], sizeof exprs[k], "%s[%s]", ops[o].name, operand_index(&ops[o], s, ix));
      }
      arg[k] = exprs[k];
    }
    if (ir_ops[x->op].flags & F_RANDOM) {
      snprintf(streamname, sizeof streamname, "stream%d", nmask++);
      arg[1] = operand_index(&lin, s, ix);
      arg[2] = streamname;
    }
    Buf expr = {0};
    e.out = &expr;
    emit_op(&e, x, arg);
    e.out = &body;
    emit_line(&e, "const %s t%d = %s;", T, m, expr.s);
    buf_free(&expr);
    free(exprs);
    free(arg);
  }
  for (int k = nin; k < nops; k++)
    emit_line(&e, "%s[%s] = t%d;", ops[k].name, operand_index(&ops[k], s, ix), member_index(it, ops[k].node));
  emit_close_loops(&e, s.rank);

  Buf hint = {0};
  buf_printf(&comment, "fused:");
  for (int m = 0; m < it->nmembers; m++) {
    const char *op = ir_ops[it->members[m]->op].name;
    buf_printf(&comment, " %s", op);
    if (m < 3) buf_printf(&hint, "%s%s", m ? "_" : "", op);
  }
  buf_printf(&comment, " over ");
  describe(&comment, it->members[it->nmembers - 1]);
  add_call(f, kernel_intern(f->kernels, params.s ? params.s : "void", body.s, hint.s, comment.s), &args);
  buf_free(&params), buf_free(&body), buf_free(&args), buf_free(&comment), buf_free(&hint);
  free(ops);
}

/* Copies the value of node x to `dest` (a contiguous buffer), at the end. */
static void copy_out(Fn *f, const Node *x, const char *dest) {
  Buf params = {0}, body = {0}, args = {0};
  Emit e = f->e;
  e.out = &body;
  e.indent = 2;
  LoopVar vars[IR_MAXDIM];
  char ix[160], lit[40], ptr[PTR_CHARS];
  const char *T = emit_ctype(x->dtype);
  emit_loops(&e, x->shape, "i", vars);
  Operand o = {.node = x};
  ir_contiguous_strides(x->shape, o.stride);
  if (x->op == OP_CONST) {
    buf_printf(&params, "%s *restrict out", T);
    emit_line(&e, "out[%s] = %s;", operand_index(&o, x->shape, ix), emit_literal(&e, x->attr.value, lit));
  } else {
    char from[160];
    buf_printf(&params, "const %s *restrict a0, %s *restrict out", T, T);
    buf_printf(&args, "%s, ", pointer(f, x, ptr));
    emit_line(&e, "out[%s] = a0[%s];", operand_index(&o, x->shape, ix), emit_index(&e, x, vars, from));
  }
  emit_close_loops(&e, x->shape.rank);
  buf_printf(&args, "%s", dest);
  Buf comment = {0};
  buf_printf(&comment, "copy out ");
  describe(&comment, x);
  add_call(f, kernel_intern(f->kernels, params.s, body.s, "copy", comment.s), &args);
  buf_free(&params), buf_free(&body), buf_free(&args), buf_free(&comment);
}

/* ---- the files ---- */

static const struct {
  const char *name, *arena_macro;
} fns[FN_COUNT] = {{"predict", "INFER"}, {"grad", "GRAD"}, {"train_step", "TRAIN"}, {"apply", "APPLY"}, {"step", "STREAM"}};

typedef struct {
  const char *name, *spec;
  DType real;
  const char *T;
  Graph *graphs[FN_COUNT]; /* NULL when the spec cannot have that entry point */
  long arena[FN_COUNT];
  long init_arena; /* bytes NAME_init needs */
  ParamLayout *layout;
  Kernels kernels;
  Buf source, header;
} Model;

static bool is_next_state(const Result *r) { return !strncmp(r->name, "next_state", 10); }

/* Where result r of an entry point goes. */
static const char *destination(const Model *md, const Result *r, char buf[static 200]) {
  switch (r->role) {
  case ROLE_LOSS: return "&loss";
  case ROLE_OUTPUT:
    if (is_next_state(r)) snprintf(buf, 200, "state->%s", r->name + 5);
    else snprintf(buf, 200, "out->%s", r->name);
    return buf;
  case ROLE_METRIC: snprintf(buf, 200, "&metrics->%s", r->name); return buf;
  case ROLE_GRAD: snprintf(buf, 200, "grads + %ld", plan_param_offset(md->layout, r->name + 5)); return buf;
  case ROLE_UPDATE: snprintf(buf, 200, "params + %ld", plan_param_offset(md->layout, r->name)); return buf;
  }
  return NULL;
}

/* "void fmnist_lstm_predict(const float *params, ...)" */
static void entry_decl(const Model *md, FnKind kind, Buf *b) {
  const char *N = md->name, *T = md->T;
  switch (kind) {
  case FN_PREDICT:
    buf_printf(b, "void %s_predict(const %s *params, const %s_batch *in, %s_outputs *out, void *arena)", N, T, N, N);
    break;
  case FN_GRAD:
    buf_printf(b, "%s %s_grad(const %s *params, const %s_batch *in, %s *grads, %s_outputs *out, %s_metrics *metrics, "
                  "void *arena, uint64_t seed)", T, N, T, N, T, N, N);
    break;
  case FN_STEP:
    buf_printf(b, "%s %s_train_step(%s *params, const %s_batch *in, %s_metrics *metrics, void *arena, uint64_t seed)",
               T, N, T, N, N);
    break;
  case FN_APPLY:
    buf_printf(b, "void %s_apply(%s *params, const %s *grads, void *arena)", N, T, T);
    break;
  default:
    buf_printf(b, "void %s_step(const %s *params, %s_state *state, const %s_step_input *input, %s_step_outputs *out, "
                  "void *arena)", N, T, N, N, N);
  }
}

/* The entry point's locals: P and A for the parts, and for a streaming step
 * the inputs the parts read (the step's input and the carried states). */
static void entry_prologue(Model *md, FnKind kind, const Graph *g) {
  Buf *c = &md->source;
  buf_printf(c, "  const %s *P = params;\n  char *A = arena;\n", md->T);
  if (kind == FN_PREDICT || kind == FN_STREAM || kind == FN_APPLY) buf_printf(c, "  const uint64_t seed = 0;\n");
  if (kind == FN_APPLY) buf_printf(c, "  const %s *in = grads;\n", md->T);
  if (kind == FN_GRAD) buf_printf(c, "  %s loss = 0;\n  (void)grads, (void)out, (void)metrics;\n", md->T);
  if (kind == FN_STEP) buf_printf(c, "  %s loss = 0;\n  (void)metrics;\n", md->T);
  if (kind == FN_PREDICT || kind == FN_STREAM) buf_printf(c, "  (void)out;\n");
  if (kind == FN_STREAM) {
    buf_printf(c, "  %s_stream_in in_;\n  const %s_stream_in *in = &in_;\n", md->name, md->name);
    int nstates = 0;
    for (int i = 0; i < g->ninputs; i++) {
      const char *x = g->inputs[i]->attr.name;
      if (!strncmp(x, "state", 5)) buf_printf(c, "  in_.%s = state->%s;\n", x, x), nstates++;
      else buf_printf(c, "  in_.%s = input->%s;\n", x, x);
    }
    /* a step that reads no state or no input */
    if (!nstates) buf_printf(c, "  (void)state;\n");
    if (nstates == g->ninputs) buf_printf(c, "  (void)input;\n");
  }
  buf_printf(c, "  (void)P, (void)A;\n");
}

/* Plans g, emits its items as calls, splits them into parts; returns their count. */
static int emit_parts(Model *md, FnKind kind, Fn *f) {
  Plan *plan = (Plan *)f->e.plan;
  for (int i = 0; i < plan->nitems; i++) {
    const Item *it = &plan->items[i];
    if (it->node) kernel_item(f, it->node);
    else loop_item(f, it);
  }
  int parts = 0;
  const char *p = buf_str(&f->calls);
  char in_type[160]; /* what the parts read besides parameters: apply reads the gradients */
  if (kind == FN_APPLY) snprintf(in_type, sizeof in_type, "%s", md->T);
  else snprintf(in_type, sizeof in_type, "%s_%s", md->name, kind == FN_STREAM ? "stream_in" : "batch");
  while (*p) {
    parts++;
    buf_printf(&md->source, "static void %s_%s_%d(const %s *restrict P, const %s *restrict in, "
               "char *restrict A, uint64_t seed) {\n  (void)P, (void)in, (void)A, (void)seed;\n",
               md->name, fns[kind].name, parts, md->T, in_type);
    for (int k = 0; k < CALLS_PER_PART && *p; k++) {
      const char *eol = strchr(p, '\n');
      buf_printf(&md->source, "%.*s\n", (int)(eol - p), p);
      p = eol + 1;
    }
    buf_printf(&md->source, "}\n\n");
  }
  return parts;
}

/* Copies every result out: outputs and metrics only when asked for. */
static void emit_results(Model *md, Fn *f) {
  const Graph *g = f->g;
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    char dest[200];
    Buf before = f->calls;
    f->calls = (Buf){0};
    copy_out(f, r->node, destination(md, r, dest));
    const char *guard = r->role == ROLE_METRIC ? "metrics" : r->role == ROLE_OUTPUT && !is_next_state(r) ? "out" : NULL;
    if (guard) buf_printf(&md->source, "  if (%s) %s", guard, f->calls.s + 2);
    else buf_printf(&md->source, "%s", f->calls.s);
    buf_free(&f->calls);
    f->calls = before;
  }
}

static void emit_function(Model *md, FnKind kind) {
  const Graph *g = md->graphs[kind];
  Plan *plan = plan_build(g, md->layout);
  memplan_assign(plan);
  md->arena[kind] = plan->arena_bytes;
  Fn f = {.e = {.plan = plan, .real = md->real}, .kind = kind, .g = g, .layout = md->layout, .kernels = &md->kernels};
  int parts = emit_parts(md, kind, &f);
  Buf decl = {0};
  entry_decl(md, kind, &decl);
  buf_printf(&md->header, "%s;\n", decl.s);
  buf_printf(&md->source, "%s {\n", decl.s);
  entry_prologue(md, kind, g);
  for (int i = 1; i <= parts; i++) buf_printf(&md->source, "  %s_%s_%d(P, in, A, seed);\n", md->name, fns[kind].name, i);
  if (!parts) buf_printf(&md->source, "  (void)in, (void)seed; /* nothing to compute (no outputs) */\n");
  emit_results(md, &f);
  buf_printf(&md->source, kind == FN_GRAD || kind == FN_STEP ? "  return loss;\n}\n\n" : "}\n\n");
  buf_free(&decl);
  buf_free(&f.calls);
  plan_free(plan);
}

/* NAME_reset: every carried state back to its initial value. */
static void emit_reset(Model *md) {
  const Graph *g = md->graphs[FN_STREAM];
  Buf decl = {0};
  buf_printf(&decl, "void %s_reset(%s_state *state)", md->name, md->name);
  buf_printf(&md->header, "%s;\n", decl.s);
  buf_printf(&md->source, "%s {\n", decl.s);
  Emit e = {.real = md->real};
  int nstates = 0;
  for (int i = 0; i < g->ninputs; i++) {
    const Node *x = g->inputs[i];
    char v[40];
    if (strncmp(x->attr.name, "state", 5)) continue;
    buf_printf(&md->source, "  for (long i = 0; i < %ld; i++) state->%s[i] = %s;\n", ir_numel(x->shape), x->attr.name,
               emit_literal(&e, x->attr.value, v));
    nstates++;
  }
  if (!nstates) buf_printf(&md->source, "  (void)state; /* nothing to carry */\n");
  buf_printf(&md->source, "}\n\n");
  buf_free(&decl);
}

/* ---- the header ---- */

static void upper(char *dst, const char *src, size_t size) {
  size_t i = 0;
  for (; src[i] && i + 1 < size; i++) dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
  dst[i] = 0;
}

static void shape_comment(Buf *b, Shape s) {
  buf_printf(b, "[");
  for (int i = 0; i < s.rank; i++) buf_printf(b, "%s%d", i ? ", " : "", s.dim[i]);
  buf_printf(b, "]");
}

typedef enum { F_POINTER, F_CONST_POINTER, F_VALUE, F_ARRAY } FieldKind;

/* One field: "  const float *x; /+ [64, 28, 28] +/" */
static void emit_field(Buf *h, FieldKind kind, const Node *x, const char *name, const char *note) {
  const char *T = emit_ctype(x->dtype);
  switch (kind) {
  case F_POINTER: buf_printf(h, "  %s *%s; /* ", T, name); break;
  case F_CONST_POINTER: buf_printf(h, "  const %s *%s; /* ", T, name); break;
  case F_VALUE: buf_printf(h, "  %s %s; /* ", T, name); break;
  case F_ARRAY: buf_printf(h, "  %s %s[%ld]; /* ", T, name, ir_numel(x->shape)); break;
  }
  shape_comment(h, x->shape);
  if (x->op == OP_INPUT && x->attr.max) buf_printf(h, ", ids in [0, %d)", x->attr.max);
  buf_printf(h, "%s */\n", note);
}

typedef enum { S_INPUTS, S_STATE_INPUTS, S_OUTPUTS, S_METRICS, S_STATES } StructKind;

/* A struct of g's inputs or results, as `kind` selects them. */
static void emit_struct(Buf *h, const Model *md, const Graph *g, StructKind kind, const char *type, const char *comment) {
  buf_printf(h, "/* %s */\ntypedef struct {\n", comment);
  int n = 0;
  for (int i = 0; i < g->ninputs; i++) {
    const Node *x = g->inputs[i];
    bool state = !strncmp(x->attr.name, "state", 5) && g == md->graphs[FN_STREAM];
    if (kind == S_INPUTS && !state) emit_field(h, F_CONST_POINTER, x, x->attr.name, x->attr.target ? ", target (not read by predict)" : "");
    else if (kind == S_STATE_INPUTS) emit_field(h, F_CONST_POINTER, x, x->attr.name, "");
    else if (kind == S_STATES && state) emit_field(h, F_ARRAY, x, x->attr.name, x->loc.file ? "" : "");
    else continue;
    n++;
  }
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    if (kind == S_OUTPUTS && r->role == ROLE_OUTPUT && !is_next_state(r)) emit_field(h, F_POINTER, r->node, r->name, "");
    else if (kind == S_METRICS && r->role == ROLE_METRIC) emit_field(h, F_VALUE, r->node, r->name, "");
    else continue;
    n++;
  }
  if (!n) buf_printf(h, "  int none; /* the spec defines none */\n");
  buf_printf(h, "} %s_%s;\n\n", md->name, type);
}

static void emit_header_top(Model *md) {
  char NAME[128];
  upper(NAME, md->name, sizeof NAME);
  Buf *h = &md->header;
  const ParamLayout *l = md->layout;
  long es = (long)ir_dtype_size(md->real);
  buf_printf(h, "/*\n * %s.h - generated by rnnc from ", md->name);
  buf_comment_text(h, md->spec);
  buf_printf(h, ".  Do not edit.\n *\n"
                " * Every buffer is provided by the caller; nothing is allocated.  Parameters\n"
                " * (and optimizer state) live in one array of %s_PARAMS_BYTES, laid out as\n"
                " * %s_params_info says; each entry point needs an arena of the size below\n"
                " * (any alignment of 64 bytes or more; contents need not be kept between calls).\n"
                " * %s_step runs one time step at batch 1 for sequences of any length, with\n"
                " * the recurrent state in a %s_state the caller keeps (%s_reset starts over).\n",
             NAME, md->name, md->name, md->name, md->name);
  if (md->graphs[FN_APPLY])
    buf_printf(h, " * %s_apply(params, grads, arena) after %s_grad(params, &batch, grads, ...)\n"
                  " * is one %s_train_step: clipping and the optimizer's update, from gradients\n"
                  " * laid out as %s_grad writes them (for example averaged over the shards of\n"
                  " * a batch that several threads computed).\n", md->name, md->name, md->name, md->name);
  buf_printf(h, " */\n");
  buf_printf(h, "#ifndef %s_H\n#define %s_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
                "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n", NAME, NAME);
  buf_printf(h, "#define %s_BATCH %d\n#define %s_STEPS %d\n", NAME, md->graphs[FN_PREDICT]->cfg.batch, NAME,
             md->graphs[FN_PREDICT]->cfg.steps);
  buf_printf(h, "#define %s_NPARAMS %d\n#define %s_PARAMS_BYTES %ld\n#define %s_GRADS_BYTES %ld\n", NAME, l->n, NAME,
             l->total * es, NAME, l->trainable * es);
  for (int k = 0; k < FN_COUNT; k++)
    if (md->graphs[k]) buf_printf(h, "#define %s_%s_ARENA_BYTES %ld\n", NAME, fns[k].arena_macro, md->arena[k]);
  buf_printf(h, "#define %s_INIT_ARENA_BYTES %ld\n", NAME, md->init_arena);
  buf_printf(h, "\ntypedef struct {\n  const char *name;\n  int rank;\n  int shape[4];\n"
                "  long offset;    /* in elements of params (and of grads, for trainable ones) */\n"
                "  int trainable;  /* 0: optimizer state */\n} %s_param_info;\n"
                "extern const %s_param_info %s_params_info[%s_NPARAMS];\n\n", md->name, md->name, md->name, NAME);
  const Graph *g = md->graphs[FN_GRAD] ? md->graphs[FN_GRAD] : md->graphs[FN_PREDICT], *st = md->graphs[FN_STREAM];
  emit_struct(h, md, g, S_INPUTS, "batch", "Inputs and targets, row-major, batch first");
  emit_struct(h, md, g, S_OUTPUTS, "outputs", "Where predict and grad write the model's outputs");
  emit_struct(h, md, g, S_METRICS, "metrics", "Metrics of the batch, written by grad and train_step");
  emit_struct(h, md, st, S_STATES, "state", "The recurrent state carried between streaming steps");
  emit_struct(h, md, st, S_INPUTS, "step_input", "One time step's input (batch 1)");
  emit_struct(h, md, st, S_OUTPUTS, "step_outputs", "What one streaming step outputs (batch 1)");
}

/* ---- the source: tables and the tool entry point ---- */

static void emit_tables(Model *md) {
  Buf *c = &md->source;
  const Graph *g = md->graphs[FN_STEP] ? md->graphs[FN_STEP] : md->graphs[FN_GRAD] ? md->graphs[FN_GRAD] : md->graphs[FN_PREDICT];
  char NAME[128];
  upper(NAME, md->name, sizeof NAME);
  buf_printf(c, "const %s_param_info %s_params_info[%s_NPARAMS] = {\n", md->name, md->name, NAME);
  for (int i = 0; i < md->layout->n; i++) {
    const Node *p = NULL;
    for (int k = 0; k < g->nparams; k++)
      if (!strcmp(g->params[k]->attr.name, md->layout->names[i])) p = g->params[k];
    buf_printf(c, "    {\"%s\", %d, {", p->attr.name, p->shape.rank);
    for (int k = 0; k < 4; k++) buf_printf(c, "%s%d", k ? ", " : "", k < p->shape.rank ? p->shape.dim[k] : 0);
    buf_printf(c, "}, %ld, %d},\n", md->layout->offset[i], p->attr.trainable);
  }
  buf_printf(c, "};\n\n");
}

/* rnnc --backend c calls these through dlsym: tensors by position, inputs
 * in the order of NAME_tool_inputs, outputs and metrics in spec order.
 * fn: 0 predict, 1 grad, 2 train_step, 3 apply (grads is its input). */
static void emit_tool_run(Model *md, const Graph *g) {
  Buf *c = &md->source;
  const char *T = md->T, *N = md->name;
  buf_printf(c, "const char *const %s_tool_inputs[] = {", N);
  for (int i = 0; i < g->ninputs; i++) buf_printf(c, "\"%s\", ", g->inputs[i]->attr.name);
  buf_printf(c, "0};\n");
  buf_printf(c, "%s %s_tool_run(int fn, %s *params, void *const *inputs, %s *grads, void *const *outputs, "
                "void *const *metrics, void *arena, uint64_t seed) {\n", T, N, T, T);
  buf_printf(c, "  %s_batch in;\n  %s_outputs out;\n  %s_metrics m;\n  %s loss = 0;\n", N, N, N, T);
  for (int i = 0; i < g->ninputs; i++) buf_printf(c, "  in.%s = inputs[%d];\n", g->inputs[i]->attr.name, i);
  int no = 0, nm = 0;
  for (int i = 0; i < g->nresults; i++)
    if (g->results[i].role == ROLE_OUTPUT) buf_printf(c, "  out.%s = outputs[%d];\n", g->results[i].name, no++);
  if (!no) buf_printf(c, "  (void)outputs;\n  out.none = 0;\n");
  buf_printf(c, "  (void)in, (void)out, (void)grads, (void)seed;\n");
  buf_printf(c, "  if (fn == 0) %s_predict(params, &in, &out, arena);\n", N);
  if (md->graphs[FN_GRAD]) buf_printf(c, "  if (fn == 1) loss = %s_grad(params, &in, grads, &out, &m, arena, seed);\n", N);
  if (md->graphs[FN_STEP]) buf_printf(c, "  if (fn == 2) loss = %s_train_step(params, &in, &m, arena, seed);\n", N);
  if (md->graphs[FN_APPLY]) buf_printf(c, "  if (fn == 3) %s_apply(params, grads, arena);\n", N);
  for (int i = 0; i < g->nresults; i++)
    if (g->results[i].role == ROLE_METRIC)
      buf_printf(c, "  if (fn == 1 || fn == 2) *(%s *)metrics[%d] = m.%s;\n", T, nm++, g->results[i].name);
  if (!nm) buf_printf(c, "  (void)metrics, (void)m;\n");
  buf_printf(c, "  return loss;\n}\n");
}

/* NAME_tool_stream: predict's inputs and outputs, computed one row and one
 * step at a time with NAME_step, for checking streaming against predict.  A
 * per-step input or output is the (row, step) block of the whole tensor;
 * any other is the row's block, overwritten at each step (what remains is
 * the last step's). */
static void block(char at[static 64], long per_row, long per_step) {
  if (per_row > per_step) snprintf(at, 64, "b * %ld + t * %ld", per_row, per_step);
  else snprintf(at, 64, "b * %ld", per_row);
}

static void emit_tool_stream(Model *md, const Graph *pg) {
  const Graph *sg = md->graphs[FN_STREAM];
  Buf *c = &md->source;
  const char *T = md->T, *N = md->name;
  int B = pg->cfg.batch, steps = pg->cfg.steps;
  buf_printf(c, "void %s_tool_stream(const %s *params, void *const *inputs, void *const *outputs, void *arena) {\n", N, T);
  if (!pg->nresults) { /* no outputs: nothing to stream */
    buf_printf(c, "  (void)params, (void)inputs, (void)outputs, (void)arena;\n}\n");
    return;
  }
  buf_printf(c, "  %s_state state;\n  %s_step_input in;\n  %s_step_outputs out;\n", N, N, N);
  int no = 0;
  for (int i = 0; i < sg->nresults; i++) {
    const Result *r = &sg->results[i];
    if (r->role != ROLE_OUTPUT || is_next_state(r)) continue;
    buf_printf(c, "  %s o%d[%ld];\n  out.%s = o%d;\n", emit_ctype(r->node->dtype), no, ir_numel(r->node->shape), r->name, no);
    no++;
  }
  if (!no) buf_printf(c, "  out.none = 0;\n");
  buf_printf(c, "  (void)outputs;\n");
  buf_printf(c, "  for (long b = 0; b < %d; b++) {\n    %s_reset(&state);\n    for (long t = 0; t < %d; t++) {\n", B, N, steps);
  int ni = 0;
  for (int i = 0; i < sg->ninputs; i++) {
    const Node *x = sg->inputs[i];
    if (!strncmp(x->attr.name, "state", 5)) continue;
    const Node *whole = NULL;
    int pos = 0;
    for (int k = 0; k < pg->ninputs; k++)
      if (!strcmp(pg->inputs[k]->attr.name, x->attr.name)) whole = pg->inputs[k], pos = k;
    char at[64];
    block(at, ir_numel(whole->shape) / B, ir_numel(x->shape));
    buf_printf(c, "      in.%s = (const %s *)inputs[%d] + %s;\n", x->attr.name, emit_ctype(x->dtype), pos, at);
    ni++;
  }
  if (!ni) buf_printf(c, "      in.none = 0;\n      (void)inputs;\n");
  buf_printf(c, "      %s_step(params, &state, &in, &out, arena);\n", N);
  no = 0;
  for (int i = 0, k = 0; i < sg->nresults; i++) {
    const Result *r = &sg->results[i];
    if (r->role != ROLE_OUTPUT || is_next_state(r)) continue;
    while (pg->results[k].role != ROLE_OUTPUT) k++;
    long n = ir_numel(r->node->shape);
    char at[64];
    block(at, ir_numel(pg->results[k].node->shape) / B, n);
    buf_printf(c, "      for (long i = 0; i < %ld; i++) ((%s *)outputs[%d])[%s + i] = o%d[i];\n", n,
               emit_ctype(r->node->dtype), no, at, no);
    no++, k++;
  }
  buf_printf(c, "    }\n  }\n}\n");
}

/* NAME_tool_step: one streaming step with untyped arguments (inputs that
 * are not states, then outputs that are not next states, each in graph
 * order), and the state's size, so a tool can stream without knowing the
 * structs' layouts. */
static void emit_tool_step(Model *md) {
  const Graph *sg = md->graphs[FN_STREAM];
  Buf *c = &md->source;
  const char *N = md->name;
  buf_printf(c, "const long %s_tool_state_bytes = (long)sizeof(%s_state);\n", N, N);
  buf_printf(c, "void %s_tool_step(const %s *params, void *state, int reset, void *const *inputs, "
                "void *const *outputs, void *arena) {\n  %s_step_input in;\n  %s_step_outputs out;\n",
             N, md->T, N, N);
  int ni = 0, no = 0;
  for (int i = 0; i < sg->ninputs; i++)
    if (strncmp(sg->inputs[i]->attr.name, "state", 5))
      buf_printf(c, "  in.%s = inputs[%d];\n", sg->inputs[i]->attr.name, ni++);
  for (int i = 0; i < sg->nresults; i++)
    if (sg->results[i].role == ROLE_OUTPUT && !is_next_state(&sg->results[i]))
      buf_printf(c, "  out.%s = outputs[%d];\n", sg->results[i].name, no++);
  if (!ni) buf_printf(c, "  in.none = 0;\n  (void)inputs;\n");
  if (!no) buf_printf(c, "  out.none = 0;\n  (void)outputs;\n");
  buf_printf(c, "  if (reset) %s_reset(state);\n  %s_step(params, state, &in, &out, arena);\n}\n", N, N);
}

static void emit_tool_api(Model *md) {
  Buf *c = &md->source;
  const char *N = md->name;
  const Graph *g = md->graphs[FN_GRAD] ? md->graphs[FN_GRAD] : md->graphs[FN_PREDICT];
  buf_printf(c, "#ifdef RNNC_TOOL_API\n");
  buf_printf(c, "const long %s_tool_arena[%d] = {", N, FN_COUNT);
  for (int k = 0; k < FN_COUNT; k++) buf_printf(c, "%s%ld", k ? ", " : "", md->arena[k]);
  buf_printf(c, "};\nconst int %s_tool_dtype = %d; /* bytes per element */\n", N, (int)ir_dtype_size(md->real));
  buf_printf(c, "const int %s_tool_nparams = %d;\n", N, md->layout->n);
  emit_tool_run(md, g);
  if (md->graphs[FN_STREAM]) emit_tool_stream(md, md->graphs[FN_PREDICT]), emit_tool_step(md);
  buf_printf(c, "#endif\n");
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
static void emit_blob(Model *md, const Graph *g) {
  char NAME[128];
  upper(NAME, md->name, sizeof NAME);
  const char *N = md->name, *T = md->T;
  uint64_t fields[3] = {layout_hash(md, g), (uint64_t)md->layout->total, ir_dtype_size(md->real)};
  buf_printf(&md->header, "\n/* Parameters in a blob of NAME_BLOB_BYTES (a header that names this model's layout,\n"
                          " * then params): store writes one, load refuses any other model's.  0, or -1. */\n"
                          "#define %s_BLOB_BYTES (32 + %s_PARAMS_BYTES)\n"
                          "int %s_store(const %s *params, void *blob, size_t size);\n"
                          "int %s_load(%s *params, const void *blob, size_t size);\n", NAME, NAME, N, T, N, T);
  Buf *c = &md->source;
  buf_printf(c, "static const unsigned char %s_blob_header[32] = {'R', 'N', 'N', 'C', 'P', 'A', 'R', '1'", N);
  for (int f = 0; f < 3; f++)
    for (int b = 0; b < 8; b++) buf_printf(c, ", %u", (unsigned)((fields[f] >> (8 * b)) & 0xff));
  buf_printf(c, "};\n\n");
  buf_printf(c, "int %s_store(const %s *params, void *blob, size_t size) {\n"
                "  unsigned char *out = blob;\n  const unsigned char *from = (const unsigned char *)params;\n"
                "  if (size < %s_BLOB_BYTES) return -1;\n"
                "  for (long i = 0; i < 32; i++) out[i] = %s_blob_header[i];\n"
                "  for (long i = 0; i < %s_PARAMS_BYTES; i++) out[32 + i] = from[i];\n  return 0;\n}\n\n",
             N, T, NAME, N, NAME);
  buf_printf(c, "int %s_load(%s *params, const void *blob, size_t size) {\n"
                "  const unsigned char *in = blob;\n  unsigned char *to = (unsigned char *)params;\n"
                "  if (size != %s_BLOB_BYTES) return -1;\n"
                "  for (long i = 0; i < 32; i++)\n    if (in[i] != %s_blob_header[i]) return -1;\n"
                "  for (long i = 0; i < %s_PARAMS_BYTES; i++) to[i] = in[32 + i];\n  return 0;\n}\n\n",
             N, T, NAME, N, NAME);
}

/* ---- compiled-in weights ---- */

/* NAME_weights: the trainable parameters from m->weights, laid out as in
 * params.  Returns 0, or 1 with a message in err. */
static int emit_weights(Model *md, const Graph *g, const EmitModel *m, char *err, size_t errlen) {
  size_t es = ir_dtype_size(md->real);
  char *values = mem_calloc((size_t)md->layout->trainable + 1, es, "the embedded weights");
  int rc = 0;
  for (int i = 0; !rc && i < g->nparams; i++) {
    const Node *p = g->params[i];
    if (p->attr.trainable)
      rc = m->weights(m->weights_ctx, p, values + (size_t)plan_param_offset(md->layout, p->attr.name) * es, err,
                      errlen) ? 1 : 0;
  }
  char NAME[128];
  upper(NAME, md->name, sizeof NAME);
  buf_printf(&md->header, "\n/* The trained parameters (from %s): pass as params to predict and step. */\n"
                          "#define %s_WEIGHTS_ELEMS %ld\nextern const %s %s_weights[%s_WEIGHTS_ELEMS];\n",
             m->weights_file, NAME, md->layout->trainable, md->T, md->name, NAME);
  buf_printf(&md->source, "const %s %s_weights[%s_WEIGHTS_ELEMS] = {", md->T, md->name, NAME);
  Emit e = {.real = md->real};
  for (long i = 0; !rc && i < md->layout->trainable; i++) {
    char lit[40];
    double v = es == 8 ? ((double *)(void *)values)[i] : ((float *)(void *)values)[i];
    buf_printf(&md->source, "%s%s,", i % 8 ? " " : "\n    ", emit_literal(&e, v, lit));
  }
  buf_printf(&md->source, "\n};\n\n");
  free(values);
  return rc;
}

/* ---- building ---- */

/* Does any entry point compute an op with this flag (ops.def)? */
static bool uses(const Model *md, unsigned flag) {
  for (int k = 0; k < FN_COUNT; k++)
    for (int i = 0; md->graphs[k] && i < md->graphs[k]->nnodes; i++)
      if (ir_ops[md->graphs[k]->nodes[i]->op].flags & flag) return true;
  return false;
}

/* The runtime code the entry points call, and only that (unused static
 * functions are warnings). */
static void emit_runtime(Model *md, Buf *src) {
  bool exp = md->real == DT_F32 && uses(md, F_NEEDS_EXP), tanh = md->real == DT_F32 && uses(md, F_NEEDS_TANH);
  if (exp || tanh)
    buf_printf(src, "/* exp and tanh that vectorize. */\n%s%s%s\n", exp ? "#define RNNC_MATH_EXP\n" : "",
               tanh ? "#define RNNC_MATH_TANH\n" : "", emit_math_source);
  buf_printf(src, "/* rnnc's counter-based random numbers (initialisers%s). */\n%s%s\n",
             uses(md, F_RANDOM) ? ", dropout masks" : "", uses(md, F_RANDOM) ? "#define RNNC_RAND_DROPOUT\n" : "",
             emit_rand_source);
  buf_printf(src, "/* Initial values (NAME_init), as `rnnc init` computes them. */\n%s\n", emit_init_source);
}

/* NAME_init: every parameter as `rnnc init --seed` sets it, optimizer state
 * zero.  Values are computed in double in the arena, then stored. */
static void emit_init(Model *md, const Graph *g) {
  char NAME[128];
  upper(NAME, md->name, sizeof NAME);
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

/* The header around the declarations emit_function collected, and the
 * source: preamble, tables, kernels, entry points, tool entry point. */
static void assemble(Model *md, Buf *h, Buf *c, const Buf *functions) {
  char NAME[128];
  upper(NAME, md->name, sizeof NAME);
  Buf decls = md->header;
  md->header = (Buf){0};
  emit_header_top(md);
  buf_printf(h, "%s%s\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s_H */\n", buf_str(&md->header), buf_str(&decls),
             NAME);
  buf_free(&decls);
  Buf *src = &md->source;
  buf_printf(src, "/*\n * %s.c - generated by rnnc from ", md->name);
  buf_comment_text(src, md->spec);
  buf_printf(src, ".  Do not edit.\n *\n"
                  " * Straight-line code: each entry point calls its parts in order, each part\n"
                  " * calls shape-specialised kernels (defined once, called at every step).\n */\n"
                  "#include \"%s.h\"\n\n#include <math.h>\n\n", md->name);
  /* gcc 12.2 (the fixed version is unknown) emits some one-operand shuffles
   * of 8 doubles as vpermilpd, which cannot move an element across a 128-bit
   * lane: wrong results from 512-bit vectors in f64 code, at any -O
   * (tests/backend/gcc_v8df_shuffle.c).  256-bit shuffles of doubles and all
   * shuffles of floats are right, so only f64 code gives up 512-bit vectors,
   * whatever flags it is compiled with. */
  if (md->real == DT_F64)
    buf_printf(src, "/* gcc miscompiles shuffles of 8 doubles (tests/backend/gcc_v8df_shuffle.c in rnnc). */\n"
                    "#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512F__)\n"
                    "#pragma GCC target(\"prefer-vector-width=256\")\n#endif\n\n");
  emit_runtime(md, src);
  emit_tables(md);
  buf_printf(src, "%s%s", buf_str(&md->kernels.defs), buf_str(functions));
  emit_tool_api(md);
  *c = *src;
  *src = (Buf){0};
}

int emit_c_model(const EmitModel *m, char **h, char **c, char *err, size_t errlen) {
  Model md = {.spec = m->spec};
  memcpy(md.graphs, m->graphs, sizeof md.graphs);
  bool grad = md.graphs[FN_GRAD] != NULL, step = md.graphs[FN_STEP] != NULL;
  const Graph *g0 = md.graphs[FN_PREDICT];
  const Graph *gp = md.graphs[step ? FN_STEP : grad ? FN_GRAD : FN_PREDICT]; /* with every parameter */
  md.name = g0->cfg.name;
  md.real = g0->cfg.dtype;
  md.T = emit_ctype(md.real);
  md.layout = plan_param_layout(gp);
  Buf functions = {0}, hb = {0}, cb = {0};
  {
    Buf before = md.source;
    md.source = (Buf){0};
    emit_init(&md, gp);
    emit_blob(&md, gp);
    buf_printf(&functions, "%s", buf_str(&md.source));
    buf_free(&md.source);
    md.source = before;
  }
  for (int k = 0; k < FN_COUNT; k++) {
    if (!md.graphs[k]) continue;
    Buf before = md.source;
    md.source = (Buf){0};
    if (k == FN_STREAM) emit_struct(&md.source, &md, md.graphs[k], S_STATE_INPUTS, "stream_in",
                                    "What the parts of a streaming step read: its input and the carried states");
    emit_function(&md, (FnKind)k);
    if (k == FN_STREAM) emit_reset(&md);
    buf_printf(&functions, "%s", buf_str(&md.source));
    buf_free(&md.source);
    md.source = before;
  }
  int rc = 0;
  if (m->weights) {
    Buf before = md.source;
    md.source = (Buf){0};
    rc = emit_weights(&md, gp, m, err, errlen);
    buf_printf(&functions, "%s", buf_str(&md.source));
    buf_free(&md.source);
    md.source = before;
  }
  if (!rc) {
    assemble(&md, &hb, &cb, &functions);
    *h = hb.s ? hb.s : calloc(1, 1);
    *c = cb.s ? cb.s : calloc(1, 1);
    hb = cb = (Buf){0};
  }
  buf_free(&functions), buf_free(&md.header), buf_free(&md.source);
  kernels_free(&md.kernels);
  plan_layout_free(md.layout);
  return rc;
}

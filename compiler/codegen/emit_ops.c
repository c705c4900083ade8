/*
 * emit_ops.c - the C emitter of every op (bound by name through ops.def).
 *
 * Elementwise ops print one expression (see emit.h); their formulas are the
 * interpreter's (interp.c), operation for operation, so that generated code
 * agrees with it to rounding in f64.  Kernel ops print the body of a
 * function whose shapes and strides are constants: loops that gcc and clang
 * unroll and vectorize.  The one kernel where layout decides speed is the
 * matrix product: it is register-blocked, an MR x NR tile of C accumulated
 * in locals over the k loop (in blocks, if long), reading rows of B (the layout
 * pass gives every product a row-major B; a transposed A, a weight
 * gradient's, is turned into the B of the transposed product).
 */
#include "alloc.h"
#include "emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void Emitter(Emit *e, const Node *n, const char *const *arg);
#define OP_RULE_TYPE Emitter
#define OP_RULE(id) emit_##id
#include "op_rules.h"

void emit_op(Emit *e, const Node *n, const char *const *arg) { op_rules[n->op](e, n, arg); }

#define EMIT(ID) void emit_##ID(Emit *e, const Node *n, const char *const *arg)

/* ---- ops that never reach the emitter ---- */

#define NOT_EMITTED(ID, WHY)                                                                 \
  EMIT(ID) {                                                                                 \
    (void)e, (void)arg;                                                                      \
    die("emit: %s (%%%d) %s", ir_ops[n->op].name, n->id, WHY);                               \
  }
NOT_EMITTED(PARAM, "is a leaf")
NOT_EMITTED(INPUT, "is a leaf")
NOT_EMITTED(STATE, "is removed by unroll")
NOT_EMITTED(STEPS, "is removed by unroll")
NOT_EMITTED(LAST, "is removed by unroll")
NOT_EMITTED(TIME_SUM, "is removed by unroll")
NOT_EMITTED(TIME_STACK, "is removed by unroll")
NOT_EMITTED(TRUNCATE, "is removed by unroll")
NOT_EMITTED(REVERSE, "is removed by unroll")
NOT_EMITTED(VALID, "is removed by unroll")
NOT_EMITTED(FINAL, "is removed by unroll")

/* ---- elementwise: one expression ---- */

static void unary(Emit *e, const char *fn, const char *a) {
  char m[16];
  buf_printf(e->out, "%s(%s)", emit_math(e, fn, m), a);
}

EMIT(NEG) { (void)n, buf_printf(e->out, "(-%s)", arg[0]); }
EMIT(EXP) { (void)n, unary(e, "exp", arg[0]); }
EMIT(LOG) { (void)n, unary(e, "log", arg[0]); }
EMIT(SQRT) { (void)n, unary(e, "sqrt", arg[0]); }
EMIT(TANH) {
  Buf num = {0}, den = {0};
  if (emit_quotient(e, n, arg[0], &num, &den)) buf_printf(e->out, "(%s / %s)", num.s, den.s);
  else unary(e, "tanh", arg[0]);
  buf_free(&num), buf_free(&den);
}
EMIT(STOP_GRAD) { (void)n, buf_printf(e->out, "%s", arg[0]); }

bool emit_quotient(Emit *e, const Node *n, const char *a, Buf *num, Buf *den) {
  char one[40], m[16];
  if (n->op == OP_SIGMOID) {
    buf_printf(den, "(%s + %s(-%s))", emit_literal(e, 1, one), emit_math(e, "exp", m), a);
    return true;
  }
  if (n->op == OP_TANH && e->real == DT_F32) { /* rnnc_math.h's */
    buf_printf(num, "rnnc_tanhf_num(%s)", a);
    buf_printf(den, "rnnc_tanhf_den(%s)", a);
    return true;
  }
  return false;
}

EMIT(SIGMOID) {
  char one[40];
  Buf num = {0}, den = {0};
  emit_quotient(e, n, arg[0], &num, &den);
  buf_printf(e->out, "(%s / %s)", emit_literal(e, 1, one), den.s);
  buf_free(&den);
}

/* relu(NaN) = NaN and min(NaN, b) = NaN, as in PyTorch and the interpreter. */
EMIT(RELU) {
  (void)n;
  char zero[40];
  buf_printf(e->out, "(%s <= %s ? %s : %s)", arg[0], emit_literal(e, 0, zero), zero, arg[0]);
}

EMIT(STEP) {
  (void)n;
  char zero[40], one[40];
  buf_printf(e->out, "(%s > %s ? %s : %s)", arg[0], emit_literal(e, 0, zero), emit_literal(e, 1, one), zero);
}

static void infix(Emit *e, const char *a, const char *op, const char *b) {
  buf_printf(e->out, "(%s %s %s)", a, op, b);
}

EMIT(ADD) { (void)n, infix(e, arg[0], "+", arg[1]); }
EMIT(SUB) { (void)n, infix(e, arg[0], "-", arg[1]); }
EMIT(MUL) { (void)n, infix(e, arg[0], "*", arg[1]); }
EMIT(DIV) { (void)n, infix(e, arg[0], "/", arg[1]); }

EMIT(POW) {
  (void)n;
  char m[16];
  buf_printf(e->out, "%s(%s, %s)", emit_math(e, "pow", m), arg[0], arg[1]);
}

EMIT(MIN) {
  (void)n;
  buf_printf(e->out, "(%s < %s || %s != %s ? %s : %s)", arg[0], arg[1], arg[0], arg[0], arg[0], arg[1]);
}

void emit_sum(Emit *e, const char *const *arg, int n) {
  char zero[40];
  if (n <= 1) {
    buf_printf(e->out, "%s", n ? arg[0] : emit_literal(e, 0, zero));
    return;
  }
  for (int k = 0; k < n; k++) buf_printf(e->out, "%s%s", k ? " + " : "(", arg[k]);
  buf_printf(e->out, ")");
}

EMIT(ADDN) { emit_sum(e, arg, n->nin); }

/* arg[1]: the element's linear index; arg[2]: the variable holding the
 * mask's stream id (a kernel argument, so that the T masks of a step share
 * one kernel). */
EMIT(DROPOUT_MASK) {
  char p[40];
  buf_printf(e->out, "(%s)rnnc_dropout_scale(seed, %s, (uint64_t)(%s), %s)", emit_ctype(e->real), arg[2], arg[1],
             emit_literal(e, n->attr.value, p));
}

/* ---- kernels ---- */

enum { TB = 8 }; /* the side of a transpose's blocks */

/* "(k0 + k) * 128", or "k" for a plain index at stride 1, or "0" for index
 * 0 or stride 0: an offset along one axis, in buf. */
static const char *times(const char *index, long stride, char buf[static 48]) {
  bool sum = strchr(index, ' ') != NULL;
  if (!strcmp(index, "0") || !stride) snprintf(buf, 48, "0");
  else if (stride == 1) snprintf(buf, 48, "%s", index);
  else snprintf(buf, 48, sum ? "(%s) * %ld" : "%s * %ld", index, stride);
  return buf;
}

/* "a + b" of two offsets, without a term that is "0", in buf. */
static const char *plus(const char *a, const char *b, char buf[static 128]) {
  if (!strcmp(b, "0")) snprintf(buf, 128, "%s", a);
  else if (!strcmp(a, "0")) snprintf(buf, 128, "%s", b);
  else snprintf(buf, 128, "%s + %s", a, b);
  return buf;
}

/* Opens "for (T v = from; v < to; v += step) {" (to_text, if not NULL, is
 * the bound), or where it runs once, a block that defines v = from: no
 * loop of one iteration. */
static void open_for(Emit *e, const char *T, const char *v, long from, long to, long step, const char *to_text) {
  if (!to_text && from + step >= to) {
    emit_line(e, "{");
    emit_line(e, "  const %s %s = %ld;", T, v, from);
  } else if (to_text) {
    emit_line(e, "for (%s %s = %ld; %s < %s; %s++) {", T, v, from, v, to_text, v);
  } else if (step == 1) {
    emit_line(e, "for (%s %s = %ld; %s < %ld; %s++) {", T, v, from, v, to, v);
  } else {
    emit_line(e, "for (%s %s = %ld; %s < %ld; %s += %ld) {", T, v, from, v, to, v, step);
  }
}

/* open_for, indented by `extra` spaces more than e->indent. */
static void open_for_at(Emit *e, int extra, const char *T, const char *v, long from, long to, long step,
                        const char *to_text) {
  e->indent += extra;
  open_for(e, T, v, from, to, step, to_text);
  e->indent -= extra;
}

/* Opens the loop over the rows of a row-by-row kernel, or a block for one
 * row; returns the row's index: "r", or "0" (no loop of one iteration). */
static const char *open_rows(Emit *e, long rows) {
  if (rows == 1) {
    emit_line(e, "{");
    return "0";
  }
  emit_line(e, "for (long r = 0; r < %ld; r++) {", rows);
  return "r";
}

/* A fill: a constant some kernel reads from memory. */
EMIT(CONST) {
  char v[40];
  if (ir_numel(n->shape) == 1) emit_line(e, "%s[0] = %s;", arg[0], emit_literal(e, n->attr.value, v));
  else
    emit_line(e, "for (long i = 0; i < %ld; i++) %s[i] = %s;", ir_numel(n->shape), arg[0],
              emit_literal(e, n->attr.value, v));
}

/* "512 + i0 * 50 + i1": element offset + the sum of v[i] * stride[i] over
 * the axes of s that have more than one element, in buf. */
static const char *strided_index(char buf[static 160], long offset, Shape s, LoopVar *v, const long *stride) {
  int k = offset ? snprintf(buf, 160, "%ld", offset) : 0;
  for (int i = 0; i < s.rank; i++)
    if (s.dim[i] > 1 && stride[i]) k += emit_term(buf + k, (size_t)(160 - k), k > 0, v[i], stride[i]);
  if (!k) snprintf(buf, 160, "0");
  return buf;
}

/* out[index over n's shape] = in[index over the same element of in]: the
 * copy kernels (materialised views, transposes) differ only in how an
 * output element finds its input. */
static void copy_through(Emit *e, const Node *n, const char *in, const char *out,
                         const long *in_stride) {
  LoopVar v[IR_MAXDIM];
  char ix[160];
  int open = emit_loops(e, n->shape, "i", v);
  strided_index(ix, 0, n->shape, v, in_stride);
  char oix[160];
  emit_line(e, "%s[%s] = %s[%s];", out, emit_index(e, n, v, oix), in, ix);
  emit_close_loops(e, open);
}

/* A view op whose input could not be viewed (a constant, or a reshape of
 * strided data): copy it element by element through the strides the view
 * would use (plan_view_of), or walk a reshape's input in row-major order. */
static void materialise_view(Emit *e, const Node *n, const char *const *arg) {
  const Node *x = n->in[0];
  long base = 0, st[IR_MAXDIM];
  emit_strides(e, x, st);
  if (!plan_view_of(n, &base, st)) {
    LoopVar v[IR_MAXDIM];
    char ix[160];
    emit_line(e, "long k = 0;");
    int open = emit_loops(e, x->shape, "i", v);
    emit_line(e, "%s[k++] = %s[%s];", arg[1], arg[0], emit_index(e, x, v, ix));
    emit_close_loops(e, open);
    return;
  }
  char in[64];
  snprintf(in, sizeof in, "(%s + %ld)", arg[0], base);
  copy_through(e, n, in, arg[1], st);
}

EMIT(SELECT) { materialise_view(e, n, arg); }
EMIT(SLICE) { materialise_view(e, n, arg); }
EMIT(BROADCAST_TO) { materialise_view(e, n, arg); }
EMIT(RESHAPE) { materialise_view(e, n, arg); }

/* The TB x TB blocks of a transpose into out (rows of C elements of type
 * T): the first Rb rows and Cb columns, read through strides st, each block
 * element by element in straight lines, which gcc turns into vector
 * shuffles at -O2 as at -O3 (bench/README.md). */
static void transpose_blocks(Emit *e, const char *T, long Rb, long Cb, long C, const char *in, const char *out,
                             const long *st) {
  char s1[48], s2[48], ix[128];
  open_for(e, "long", "i", 0, Rb, TB, NULL);
  open_for_at(e, 2, "long", "j", 0, Cb, TB, NULL);
  emit_line(e, "    const %s *s = %s + %s;", T, in, plus(times("i", st[0], s1), times("j", st[1], s2), ix));
  emit_line(e, "    %s *d = %s + %s + j;", T, out, times("i", C, s1));
  for (int r = 0; r < TB; r++) {
    Buf line = {0};
    for (int c = 0; c < TB; c++)
      buf_printf(&line, "%sd[%ld] = s[%ld];", c ? " " : "", r * C + c, r * st[0] + c * st[1]);
    emit_line(e, "    %s", line.s);
    buf_free(&line);
  }
  emit_line(e, "  }");
  emit_line(e, "}");
}

/* A transpose into out, R x C elements (both at least TB) of type T read
 * through strides st, TB x TB at a time (transpose_blocks): element by
 * element, each element of a row of the output is on a line of its own in
 * the input, and once C of those lines no longer fit in L1 every read
 * misses; a block's TB lines stay.  The ragged edges go element by
 * element. */
static void blocked_transpose(Emit *e, const char *T, long R, long C, const char *in, const char *out,
                              const long *st) {
  long Rb = R / TB * TB, Cb = C / TB * TB;
  char s1[48], s2[48], s3[48], ix[128];
  if (Rb && Cb) transpose_blocks(e, T, Rb, Cb, C, in, out, st);
  const long edge[2][4] = {{Rb, R, 0, C}, {0, Rb, Cb, C}}; /* the bottom rows, then the right columns */
  for (int k = 0; k < 2; k++)
    if (edge[k][0] < edge[k][1] && edge[k][2] < edge[k][3]) {
      char to[128];
      open_for(e, "long", "i", edge[k][0], edge[k][1], 1, NULL);
      open_for_at(e, 2, "long", "j", edge[k][2], edge[k][3], 1, NULL);
      emit_line(e, "    %s[%s] = %s[%s];", out, plus(times("i", C, s1), "j", to), in,
                plus(times("i", st[0], s2), times("j", st[1], s3), ix));
      emit_line(e, "  }");
      emit_line(e, "}");
    }
}

static void panel_transpose(Emit *e, const Node *n, const char *const *arg, int two);

EMIT(TRANSPOSE) {
  long xs[IR_MAXDIM], st[2], R = n->shape.dim[0], C = n->shape.dim[1];
  if (e->panels && e->panels[n->id]) {
    panel_transpose(e, n, arg, e->panels[n->id]);
    return;
  }
  emit_strides(e, n->in[0], xs);
  st[0] = xs[1], st[1] = xs[0];
  if (R >= TB && C >= TB) blocked_transpose(e, emit_ctype(n->dtype), R, C, arg[0], arg[1], st);
  else copy_through(e, n, arg[0], arg[1], st);
}

/* PAD: zeros around the input, placed at attr.start along attr.axis. */
EMIT(PAD) {
  LoopVar v[IR_MAXDIM];
  char zero[40], ix[160];
  emit_line(e, "for (long i = 0; i < %ld; i++) %s[i] = %s;", ir_numel(n->shape), arg[1], emit_literal(e, 0, zero));
  long os[IR_MAXDIM];
  emit_strides(e, n, os);
  const Node *x = n->in[0];
  int open = emit_loops(e, x->shape, "i", v);
  char xi[160];
  emit_line(e, "%s[%s] = %s[%s];", arg[1], strided_index(ix, n->attr.start * os[n->attr.axis], x->shape, v, os), arg[0],
            emit_index(e, x, v, xi));
  emit_close_loops(e, open);
}

/* CONCAT and STACK: each input to its place along the axis. */
static void join(Emit *e, const Node *n, const char *const *arg, bool new_axis) {
  long os[IR_MAXDIM];
  emit_strides(e, n, os);
  int ax = n->attr.axis;
  long at = 0;
  for (int k = 0; k < n->nin; k++) {
    const Node *x = n->in[k];
    LoopVar v[IR_MAXDIM];
    char ix[160], xi[160];
    int open = emit_loops(e, x->shape, "i", v);
    long st[IR_MAXDIM]; /* of the join, along x's axes */
    for (int i = 0; i < x->shape.rank; i++) st[i] = os[new_axis && i >= ax ? i + 1 : i];
    emit_line(e, "%s[%s] = %s[%s];", arg[n->nin], strided_index(ix, at * os[ax], x->shape, v, st), arg[k],
              emit_index(e, x, v, xi));
    emit_close_loops(e, open);
    at += new_axis ? 1 : x->shape.dim[ax];
  }
}

EMIT(CONCAT) { join(e, n, arg, false); }
EMIT(STACK) { join(e, n, arg, true); }

/* Whether x is read as one contiguous run of its elements. */
static bool read_contiguously(const Emit *e, const Node *x) {
  long st[IR_MAXDIM];
  emit_strides(e, x, st);
  return ir_is_contiguous(x->shape, st);
}

/* The sum of all of x, contiguous, in SUM_LANES partial sums that a
 * compiler keeps in vector registers, added together at the end: one
 * chain of N dependent additions (a gradient's squared norm, for
 * clipping) would wait on the adder's latency at every element. */
enum { SUM_LANES = 16 };
static void lane_sum(Emit *e, const Node *n, const char *const *arg) {
  long N = ir_numel(n->in[0]->shape), whole = N / SUM_LANES * SUM_LANES;
  char zero[40];
  emit_line(e, "%s s[%d] = {%s};", emit_ctype(n->dtype), SUM_LANES, emit_literal(e, 0, zero));
  emit_line(e, "for (long i = 0; i < %ld; i += %d)", whole, SUM_LANES);
  emit_line(e, "  for (int c = 0; c < %d; c++) s[c] += %s[i + c];", SUM_LANES, arg[0]);
  if (whole < N) emit_line(e, "for (long i = %ld; i < %ld; i++) s[i - %ld] += %s[i];", whole, N, whole, arg[0]);
  emit_line(e, "%s[0] = %s;", arg[1], zero);
  emit_line(e, "for (int c = 0; c < %d; c++) %s[0] += s[c];", SUM_LANES, arg[1]);
}

/* out[target index] += x[...] over x's shape; reduced axes have stride 0.
 * The sum of all of a contiguous x of a few vectors or more: lane_sum. */
EMIT(SUM_TO) {
  const Node *x = n->in[0];
  if (ir_numel(n->shape) == 1 && ir_numel(x->shape) >= 4 * SUM_LANES && read_contiguously(e, x)) {
    lane_sum(e, n, arg);
    return;
  }
  LoopVar v[IR_MAXDIM];
  char zero[40], xi[160], oi[160];
  if (ir_numel(n->shape) > 1)
    emit_line(e, "for (long i = 0; i < %ld; i++) %s[i] = %s;", ir_numel(n->shape), arg[1], emit_literal(e, 0, zero));
  else
    emit_line(e, "%s[0] = %s;", arg[1], emit_literal(e, 0, zero));
  long os[IR_MAXDIM];
  emit_strides(e, n, os);
  ir_broadcast_strides(n->shape, os, x->shape, os); /* the target repeated over x's shape */
  int open = emit_loops(e, x->shape, "i", v);
  emit_line(e, "%s[%s] += %s[%s];", arg[1], strided_index(oi, 0, x->shape, v, os), arg[0], emit_index(e, x, v, xi));
  emit_close_loops(e, open);
}

/* Row by row over the last axis, as interp.c computes it. */
static void softmax(Emit *e, const Node *n, const char *const *arg, bool log_of) {
  const Node *x = n->in[0];
  long len = n->shape.dim[n->shape.rank - 1], rows = ir_numel(n->shape) / len, xs[IR_MAXDIM];
  emit_strides(e, x, xs);
  long xrow = x->shape.rank > 1 ? xs[x->shape.rank - 2] : 0, xcol = xs[x->shape.rank - 1];
  const char *T = emit_ctype(e->real);
  char zero[40], one[40], m1[16], m2[16];
  emit_literal(e, 0, zero), emit_literal(e, 1, one);
  char s1[48], s2[48], xj[48], xp[128], yp[128];
  const char *r = open_rows(e, rows);
  emit_line(e, "  const %s *x = %s;", T, plus(arg[0], times(r, xrow, s1), xp));
  emit_line(e, "  %s *y = %s;", T, plus(arg[1], times(r, len, s2), yp));
  emit_line(e, "  %s mx = x[0], sum = %s;", T, zero);
  times("j", xcol, xj);
  emit_line(e, "  for (long j = 1; j < %ld; j++) mx = x[%s] > mx ? x[%s] : mx;", len, xj, xj);
  emit_line(e, "  for (long j = 0; j < %ld; j++) sum += y[j] = %s(x[%s] - mx);", len, emit_math(e, "exp", m1), xj);
  if (log_of) {
    emit_line(e, "  const %s lse = %s(sum);", T, emit_math(e, "log", m2));
    emit_line(e, "  for (long j = 0; j < %ld; j++) y[j] = (x[%s] - mx) - lse;", len, xj);
  } else {
    emit_line(e, "  const %s inv = %s / sum;", T, one);
    emit_line(e, "  for (long j = 0; j < %ld; j++) y[j] = y[j] * inv;", len);
  }
  emit_line(e, "}");
}

EMIT(SOFTMAX) { softmax(e, n, arg, false); }
EMIT(LOG_SOFTMAX) { softmax(e, n, arg, true); }

/* ---- integer data: ids outside the table leave zeros (the host checks
 * ranges before it calls; generated code must not write out of bounds) ---- */

static long id_stride(const Emit *e, const Node *ids) {
  long st[IR_MAXDIM];
  emit_strides(e, ids, st);
  return ids->shape.rank ? st[ids->shape.rank - 1] : 0;
}

EMIT(ONE_HOT) {
  long rows = ir_numel(n->in[0]->shape), depth = n->attr.len;
  char zero[40], one[40];
  emit_line(e, "for (long i = 0; i < %ld; i++) %s[i] = %s;", rows * depth, arg[1], emit_literal(e, 0, zero));
  char s1[48], s2[48], ix[128];
  const char *r = open_rows(e, rows);
  emit_line(e, "  const int32_t id = %s[%s];", arg[0], times(r, id_stride(e, n->in[0]), s1));
  emit_line(e, "  if (id >= 0 && id < %ld) %s[%s] = %s;", depth, arg[1], plus(times(r, depth, s2), "id", ix),
            emit_literal(e, 1, one));
  emit_line(e, "}");
}

EMIT(GATHER) {
  const Node *table = n->in[0];
  long rows = ir_numel(n->in[1]->shape), width = table->shape.dim[1], ts[IR_MAXDIM];
  emit_strides(e, table, ts);
  char zero[40], s1[48], s2[48], s3[48], out[128], in[128];
  const char *r = open_rows(e, rows);
  emit_line(e, "  const int32_t id = %s[%s];", arg[1], times(r, id_stride(e, n->in[1]), s1));
  emit_line(e, "  for (long j = 0; j < %ld; j++)", width);
  emit_line(e, "    %s[%s] = id >= 0 && id < %d ? %s[%s] : %s;", arg[2], plus(times(r, width, s1), "j", out),
            table->shape.dim[0], arg[0], plus(times("id", ts[0], s2), times("j", ts[1], s3), in),
            emit_literal(e, 0, zero));
  emit_line(e, "}");
}

EMIT(SCATTER_ADD) {
  const Node *src = n->in[1];
  long width = n->shape.dim[1], rows = ir_numel(src->shape) / width, ss[IR_MAXDIM];
  emit_strides(e, src, ss);
  char zero[40];
  emit_line(e, "for (long i = 0; i < %ld; i++) %s[i] = %s;", ir_numel(n->shape), arg[2], emit_literal(e, 0, zero));
  char s1[48], s2[48], s3[48], in[128];
  const char *r = open_rows(e, rows);
  emit_line(e, "  const int32_t id = %s[%s];", arg[0], times(r, id_stride(e, n->in[0]), s1));
  emit_line(e, "  if (id >= 0 && id < %ld)", (long)n->attr.len);
  emit_line(e, "    for (long j = 0; j < %ld; j++) %s[%s + j] += %s[%s];", width, arg[2], times("id", width, s1),
            arg[1], plus(times(r, ss[src->shape.rank - 2], s2), times("j", ss[src->shape.rank - 1], s3), in));
  emit_line(e, "}");
}

EMIT(ARGMAX) {
  const Node *x = n->in[0];
  long len = x->shape.dim[x->shape.rank - 1], rows = ir_numel(n->shape), xs[IR_MAXDIM];
  emit_strides(e, x, xs);
  long xrow = x->shape.rank > 1 ? xs[x->shape.rank - 2] : 0, xcol = xs[x->shape.rank - 1];
  char s1[48], s2[48], s3[48], at_j[128], at_best[128];
  const char *r = open_rows(e, rows);
  times(r, xrow, s1);
  emit_line(e, "  int32_t best = 0;");
  emit_line(e, "  for (long j = 1; j < %ld; j++) {", len);
  emit_line(e, "    const %s v = %s[%s], top = %s[%s];", emit_ctype(x->dtype), arg[0], plus(s1, times("j", xcol, s2), at_j),
            arg[0], plus(s1, times("best", xcol, s3), at_best));
  emit_line(e, "    if (v > top || (v != v && top == top)) best = (int32_t)j; /* a NaN wins, as in PyTorch */");
  emit_line(e, "  }");
  emit_line(e, "  %s[%s] = best;", arg[1], r);
  emit_line(e, "}");
}

EMIT(EQUAL) {
  LoopVar v[IR_MAXDIM];
  char a[160], b[160], o[160], one[40], zero[40];
  int open = emit_loops(e, n->shape, "i", v);
  emit_line(e, "%s[%s] = %s[%s] == %s[%s] ? %s : %s;", arg[2], emit_index(e, n, v, o), arg[0],
            emit_index(e, n->in[0], v, a), arg[1], emit_index(e, n->in[1], v, b), emit_literal(e, 1, one),
            emit_literal(e, 0, zero));
  emit_close_loops(e, open);
}

/* ---- the matrix product ---- */

/* Tiles of C: MR rows by NR columns, one accumulator array per row, the
 * rows unrolled in the text so that the only loop left for the compiler is
 * the contiguous column loop, which it turns into one vector (8 x 16 floats:
 * 8 AVX-512 or 16 AVX2 registers).  A 2-D accumulator array left for the
 * vectorizer to unroll is kept in memory by gcc on some shapes (its scalar
 * replacement gives up on arrays of more than one vector), so the rows are
 * separate arrays, and a row wider than NR is several arrays of NR (acc_of).
 * With Emit.tiles wide (a target with 32 vector registers) a tile is two
 * vectors wide: 16 accumulators.  The ragged right and bottom edges are
 * tiles of the same form, only narrower.  (bench/README.md has the
 * measurements behind the choices here.)
 *
 * The MR rows of A that a row of tiles reads are copied into a local panel,
 * k-major, when they are not contiguous in k (each k on a row of its own, a
 * cache line per k that every tile of the row fetched again) or short (MR
 * row pointers cost more than the copy); long contiguous rows (LONG_K or
 * more) are read in place, where the copy costs more than it saves.  A k
 * loop too long for a panel of PANEL_BYTES (on the stack) is cut into
 * blocks, C accumulating across blocks.  Smaller blocks would keep the block
 * of B that the tiles share in L2, but reloading C costs more.
 *
 * The weight gradients (below) read B along its columns instead: a tile
 * reads 64 or 128 bytes of each of K rows of B.  There the loop over j is
 * outside the loop over i, so that every row of tiles reads one strip of nr
 * columns of B (k blocked by STRIP_BYTES) while it is in L1.  Where B's rows
 * are COPY_STRIDE or more apart, each row is on a page of its own, which the
 * prefetcher does not follow, and all rows fall in one set of L1: there a
 * strip is first copied into a contiguous local one.  Rows closer than that
 * are read in place, where the copy costs more than it saves.
 * No block changes the order of the sum over k, the interpreter's.
 *
 * In the forward products B is a weight's transpose, made once per call of
 * the entry point and read by every step's product: there the transpose
 * writes it in panels (emit_panels), each the columns of one column of
 * tiles (or of a matrix-vector product's accumulators), k-major, so that a
 * tile reads contiguous memory, not 64 or 128 bytes of each row of B, rows
 * a few KB apart (the same pages and L1 sets again, as for the strips; the
 * transpose is the copy).  The streaming step's prepared transposes (plan.h)
 * are in panels too: NAME_step_prepare writes them so, once. */
enum { MR = 8, NR_F32 = 16, NR_F64 = 8, ACC_REGS = 8, DOT_FLAT = 4, LONG_K = 256, PANEL_BYTES = 64 << 10,
       STRIP_BYTES = 32 << 10, COPY_STRIDE = 4 << 10 };
/* a product with an epilogue (plan.h) has one block of k, in either type */
_Static_assert(PANEL_BYTES / (MR * 8) >= PLAN_EPILOGUE_K, "PLAN_EPILOGUE_K exceeds a panel of A");

typedef struct {
  const char *A, *B, *C, *T;
  long ai, ak, bk, bj, ci, cj, K;
  bool strips; /* B in strips of nr columns, each read by every row of tiles */
  bool copied;  /* each strip copied first into a contiguous local one, bp */
  bool panels; /* B in panels (emit_panels): columns [j, j + nr) at B + j * K, k-major */
} Product;

/* The columns of one vector register in a tile (NR_F32, NR_F64). */
static int tile_vector(const Emit *e) { return e->real == DT_F64 ? NR_F64 : NR_F32; }

/* "i + 3": row r of a tile, in buf. */
static const char *tile_row(int r, char buf[static 16]) {
  if (r) snprintf(buf, 16, "i + %d", r);
  else snprintf(buf, 16, "i");
  return buf;
}

/* "out[(i + 3) * 128 + j + 16 + c]": element (i + r, j + col) of C. */
static const char *c_elem(const Product *p, int r, const char *col, char buf[static 128]) {
  char row[16], s1[48], s2[48], jc[48];
  snprintf(jc, sizeof jc, "j + %s", col);
  snprintf(buf, 128, "%s[%s + %s]", p->C, times(tile_row(r, row), p->ci, s1), times(jc, p->cj, s2));
  return buf;
}

/* The accumulators of a tile: row r's columns in groups of one vector
 * each, acc<r> if there is one group, acc<r>_<v> otherwise (gcc keeps an
 * array of one vector in a register, a wider one in memory once the tile
 * has more than a few); "16 + c", the column of lane c of group v. */
static void acc_of(int r, int v, int groups, int width, char name[static 32], char col[static 32]) {
  if (groups == 1) snprintf(name, 32, "acc%d", r);
  else snprintf(name, 32, "acc%d_%d", r, v);
  if (v) snprintf(col, 32, "%d + c", v * width);
  else snprintf(col, 32, "c");
}

/* How the tiles get their operands: the mr rows of A copied into a panel
 * ap or read in place, and B read in place or, with p->copied, from a strip
 * bp. */
typedef struct {
  bool pack_a, blocked;
  const char *kn, *k; /* the length of the k loop and the k of A and B in it */
} TileLoop;

/* One mr x nr tile of C at (i, j): accumulators (reloaded from C after the
 * first block of k), the k loop, the store. */
static void tile(Emit *e, const Product *p, const TileLoop *t, int mr, int nr) {
  char c[128], s1[48], s2[48], row[16], acc[32], col[32];
  int lanes = tile_vector(e), width = nr > lanes && nr % lanes == 0 ? lanes : nr,
      groups = nr / width;
  for (int r = 0; r < mr; r++)
    for (int v = 0; v < groups; v++) {
      char len[16];
      acc_of(r, v, groups, width, acc, col), snprintf(len, sizeof len, "%d", width);
      emit_local_array(e, acc, len);
    }
  if (t->blocked && e->epilogue) die("a product with an epilogue has one block of k (PLAN_EPILOGUE_K)");
  if (t->blocked) {
    emit_line(e, "if (k0)");
    open_for_at(e, 2, "int", "c", 0, width, 1, NULL);
    for (int r = 0; r < mr; r++)
      for (int v = 0; v < groups; v++)
        acc_of(r, v, groups, width, acc, col), emit_line(e, "    %s[c] = %s;", acc, c_elem(p, r, col, c));
    emit_line(e, "  }");
  }
  const char *k = t->blocked || p->K > 1 ? t->k : "0"; /* no loop of one iteration */
  char ix[128];
  if (strcmp(k, "0")) emit_line(e, "for (long k = 0; k < %s; k++) {", t->kn);
  else emit_line(e, "{");
  if (p->copied)
    emit_line(e, "  const %s *b = bp[%s];", p->T, strcmp(k, "0") ? "k" : "0");
  else if (p->panels)
    emit_line(e, "  const %s *b = %s + %s;", p->T, p->B, plus(times(k, nr, s1), times("j", p->K, s2), ix));
  else
    emit_line(e, "  const %s *b = %s + %s;", p->T, p->B, plus(times(k, p->bk, s1), times("j", p->bj, s2), ix));
  for (int r = 0; r < mr; r++)
    if (t->pack_a)
      emit_line(e, "  const %s x%d = ap[k][%d];", p->T, r, r);
    else
      emit_line(e, "  const %s x%d = %s[%s];", p->T, r, p->A, plus(times(tile_row(r, row), p->ai, s2), times(k, p->ak, s1), ix));
  open_for_at(e, 2, "int", "c", 0, width, 1, NULL);
  for (int v = 0; v < groups; v++)
    for (int r = 0; r < mr; r++) {
      acc_of(r, v, groups, width, acc, col);
      emit_line(e, "    %s[c] = RNNC_FMA(x%d, b[%s], %s[c]);", acc, r, times(col, p->copied || p->panels ? 1L : p->bj, s2),
                acc);
    }
  emit_line(e, "  }");
  emit_line(e, "}");
  open_for(e, "int", "c", 0, width, 1, NULL);
  for (int r = 0; r < mr; r++)
    for (int v = 0; v < groups; v++) {
      acc_of(r, v, groups, width, acc, col);
      if (e->epilogue) { /* the product's epilogue (plan.h) finishes the element and stores what it computes */
        char column[48], value[40];
        snprintf(column, sizeof column, "j + %s", col), snprintf(value, sizeof value, "%s[c]", acc);
        e->indent += 2, e->epilogue(e, tile_row(r, row), column, value), e->indent -= 2;
      } else {
        emit_line(e, "  %s = %s[c];", c_elem(p, r, col, c), acc);
      }
    }
  emit_line(e, "}");
}

/* Tiles of mr rows at i from i0 while a whole tile fits below i1, then one
 * tile of the rows left, each over the nr columns at j (inside the loops
 * tiles() opened, indented by `extra`). */
static void row_tiles(Emit *e, const Product *p, const TileLoop *t, int extra, long i0, long i1, int mr, int nr) {
  long full = i0 + (i1 - i0) / mr * mr;
  if (full > i0) {
    open_for_at(e, extra, "long", "i", i0, full, mr, NULL);
    e->indent += extra + 2, tile(e, p, t, mr, nr), e->indent -= extra + 2;
    emit_line(e, "%*s}", extra, "");
  }
  if (full < i1) {
    open_for_at(e, extra, "long", "i", full, i1, i1 - full, NULL);
    e->indent += extra + 2, tile(e, p, t, (int)(i1 - full), nr), e->indent -= extra + 2;
    emit_line(e, "%*s}", extra, "");
  }
}

/* The tiles covering rows [i0, i1) and columns [j0, j1) of C, mr x nr each:
 * rows of tiles, each with its panel of A ((i1 - i0) a multiple of mr), or
 * (p->strips) strips of B, each read by every row of tiles, the last
 * (i1 - i0) % mr rows a tile of their own, so that a strip is read (or
 * copied) once. */
static void tiles(Emit *e, const Product *p, long i0, long i1, int mr, long j0, long j1, int nr) {
  if (i0 >= i1 || j0 >= j1) return;
  long size = (long)ir_dtype_size(e->real);
  long kc = p->strips ? STRIP_BYTES / (nr * size) : PANEL_BYTES / (mr * size);
  char kn[24], k[16], s1[48], s2[48];
  /* one row of A (a matrix-vector product) is read in place: no panel */
  TileLoop t = {.pack_a = !p->strips && mr > 1 && p->K > 1 && (p->ak != 1 || p->K < LONG_K), .blocked = p->K > kc, .kn = kn, .k = k};
  snprintf(kn, sizeof kn, t.blocked ? "kn" : "%ld", p->K);
  snprintf(k, sizeof k, t.blocked ? "k0 + k" : "k");
  if (t.blocked) {
    emit_line(e, "for (long k0 = 0; k0 < %ld; k0 += %ld) {", p->K, kc);
    emit_line(e, "  const long kn = %ld - k0 < %ld ? %ld - k0 : %ld;", p->K, kc, p->K, kc);
    e->indent += 2;
  }
  char ix[128];
  if (p->strips) {
    open_for(e, "long", "j", j0, j1, nr, NULL);
    if (p->copied) {
      emit_line(e, "  %s (*bp)[%d] = (%s (*)[%d])(void *)%s;", p->T, nr, p->T, nr,
                emit_scratch(e, (t.blocked ? kc : p->K) * nr * size));
      open_for_at(e, 2, "long", "k", 0, p->K, 1, t.blocked ? kn : NULL);
      open_for_at(e, 4, "int", "c", 0, nr, 1, NULL);
      emit_line(e, "      bp[k][c] = %s[%s];", p->B, plus(times(k, p->bk, s1), times("j + c", p->bj, s2), ix));
      emit_line(e, "    }");
      emit_line(e, "  }");
    }
    row_tiles(e, p, &t, 2, i0, i1, mr, nr);
  } else {
    open_for(e, "long", "i", i0, i1, mr, NULL);
    if (t.pack_a) {
      emit_line(e, "  %s (*ap)[%d] = (%s (*)[%d])(void *)%s;", p->T, mr, p->T, mr,
                emit_scratch(e, (t.blocked ? kc : p->K) * mr * size));
      emit_line(e, "  for (long k = 0; k < %s; k++)", kn);
      emit_line(e, "    for (int r = 0; r < %d; r++) ap[k][r] = %s[%s + %s];", mr, p->A, times("i + r", p->ai, s2),
                times(k, p->ak, s1));
    }
    open_for_at(e, 2, "long", "j", j0, j1, nr, NULL);
    e->indent += 4, tile(e, p, &t, mr, nr), e->indent -= 4;
    emit_line(e, "  }");
  }
  emit_line(e, "}");
  if (t.blocked) {
    e->indent -= 2;
    emit_line(e, "}");
  }
}

/* Element `col` of row i of C (c0: "<i * ci> + " or ""), of value `value`:
 * stored, or finished by the product's epilogue (plan.h), which then
 * stores what it computes. */
static void store(Emit *e, const Product *p, long i, const char *c0, const char *col, const char *value) {
  char s1[48], row[24];
  snprintf(row, sizeof row, "%ld", i);
  if (e->epilogue) e->epilogue(e, row, col, value);
  else emit_line(e, "%s[%s%s] = %s;", p->C, c0, times(col, p->cj, s1), value);
}

/* Row i of p's A times B, columns [j, j + width * RNNC_LANES), added into
 * acc0 .. acc<width - 1>: a loop over k (a block where K is 1). */
static void matvec_term(Emit *e, const Product *p, long i, int width) {
  char s1[48], s2[48], col[32], a[64];
  bool one = p->K == 1;
  if (one) snprintf(a, sizeof a, "%ld", i * p->ai);
  else if (i) snprintf(a, sizeof a, "%ld + %s", i * p->ai, times("k", p->ak, s1));
  else snprintf(a, sizeof a, "%s", times("k", p->ak, s1));
  if (one) emit_line(e, "{");
  else emit_line(e, "for (long k = 0; k < %ld; k++) {", p->K);
  if (one) emit_line(e, "  const %s *b = %s + %s;", p->T, p->B, times("j", p->bj, s2));
  else emit_line(e, "  const %s *b = %s + %s + %s;", p->T, p->B, times("k", p->bk, s1), times("j", p->bj, s2));
  emit_line(e, "  const %s x = %s[%s];", p->T, p->A, a);
  emit_line(e, "  for (int c = 0; c < RNNC_LANES; c++) {");
  for (int r = 0; r < width; r++) {
    snprintf(col, sizeof col, r > 1 ? "%d * RNNC_LANES + c" : r ? "RNNC_LANES + c" : "c", r);
    emit_line(e, "    acc%d[c] = RNNC_FMA(x, b[%s], acc%d[c]);", r, times(col, p->bj, s2), r);
  }
  emit_line(e, "  }");
  emit_line(e, "}");
}

/* Element j of row i of p's A times B, added into sum. */
static void matvec_column(Emit *e, const Product *p, long i) {
  char s1[48], s2[48], s3[48], a0[40] = "";
  if (i) snprintf(a0, sizeof a0, "%ld + ", i * p->ai);
  if (p->K == 1)
    emit_line(e, "sum = RNNC_FMA(%s[%ld], %s[%s], sum);", p->A, i * p->ai, p->B, times("j", p->bj, s3));
  else
    emit_line(e, "for (long k = 0; k < %ld; k++) sum = RNNC_FMA(%s[%s%s], %s[%s + %s], sum);", p->K, p->A, a0,
              times("k", p->ak, s1), p->B, times("k", p->bk, s2), times("j", p->bj, s3));
}

/* One row of A times B (a matrix-vector product: a streaming step, or the
 * last row of an odd batch), plus the products of its terms (p[1 .. n),
 * the same row of other A's times other B's, plan.h): ACC_REGS accumulator
 * arrays of RNNC_LANES columns each, the width of the target's vector
 * registers (preamble.c), in one loop over the lanes.  Each array is then
 * one register whatever the flags: gcc -O2 keeps an array wider than a
 * register in memory, and -O3 vectorizes separate loops per array across k,
 * with shuffles (bench/README.md has the measurements).  What is left of N
 * takes half as many arrays, and so on down to one, then column by column;
 * the bounds are constants once RNNC_LANES is known, and the compiler drops
 * the loops that never run.  With j0 ("j0"), the N columns are those of a
 * panel of B (matvec_with_terms) and C's from column j0 on. */
static void matvec(Emit *e, const Product *p, int n, long i, long N, const char *j0) {
  char zero[40], c0[40] = "", col[40], acc[24], tail[16];
  const char *at = j0 ? "j0 + " : ""; /* C's columns: the panel's from j0 (matvec_with_terms) */
  emit_literal(e, 0, zero);
  if (i) snprintf(c0, sizeof c0, "%ld + ", i * p->ci);
  char from[128] = "0", to[128]; /* the columns [from, to) done by a width */
  for (int width = ACC_REGS; width > 0; width /= 2) {
    char step[40] = "RNNC_LANES";
    if (width > 1) snprintf(step, sizeof step, "(%d * RNNC_LANES)", width);
    snprintf(to, sizeof to, "%ld / %s * %s", N, step, step);
    emit_line(e, "for (long j = %s; j < %s; j += %s) {", from, to, step);
    memcpy(from, to, sizeof from);
    e->indent += 2;
    for (int r = 0; r < width; r++) {
      char name[16];
      snprintf(name, sizeof name, "acc%d", r);
      emit_local_array(e, name, "RNNC_LANES");
    }
    for (int t = 0; t < n; t++) matvec_term(e, &p[t], i, width);
    e->indent -= 2;
    emit_line(e, "  for (int c = 0; c < RNNC_LANES; c++) {");
    for (int r = 0; r < width; r++) {
      if (r > 1) snprintf(col, sizeof col, "%sj + %d * RNNC_LANES + c", at, r);
      else snprintf(col, sizeof col, r ? "%sj + RNNC_LANES + c" : "%sj + c", at);
      snprintf(acc, sizeof acc, "acc%d[c]", r);
      e->indent += 4;
      store(e, p, i, c0, col, acc);
      e->indent -= 4;
    }
    emit_line(e, "  }");
    emit_line(e, "}");
  }
  emit_line(e, "for (long j = %s; j < %ld; j++) {", from, N);
  emit_line(e, "  %s sum = %s;", p->T, zero);
  e->indent += 2;
  for (int t = 0; t < n; t++) matvec_column(e, &p[t], i);
  snprintf(tail, sizeof tail, "%sj", at);
  store(e, p, i, c0, tail, "sum");
  e->indent -= 2;
  emit_line(e, "}");
}

enum { LINE = 512 };

/* "for (int c = 0; c < n; c++) LINE" over w lines, in braces when several. */
static void lanes_loop(Emit *e, int n, int w, char (*line)[LINE]) {
  if (w == 1) {
    emit_line(e, "for (int c = 0; c < %d; c++) %s", n, line[0]);
    return;
  }
  emit_line(e, "for (int c = 0; c < %d; c++) {", n);
  for (int r = 0; r < w; r++) emit_line(e, "  %s", line[r]);
  emit_line(e, "}");
}

/* Columns [j, j + w) of the row of C that arow ("i * 64 + ") and crow
 * ("i * 10", or "" for row 0) say:
 * w dot products along k, each over nr partial sums (partR), added up in
 * halves. */
static void dot_block(Emit *e, const Product *p, const char *arow, const char *crow, long j, int w, int nr) {
  char bcol[ACC_REGS][24], line[ACC_REGS][LINE], name[16], len[16];
  long Kv = p->K / nr * nr;
  snprintf(len, sizeof len, "%d", nr);
  for (int r = 0; r < w; r++) {
    if ((j + r) * p->bj != 0) snprintf(bcol[r], sizeof bcol[r], "%ld + ", (j + r) * p->bj);
    else bcol[r][0] = 0;
    snprintf(name, sizeof name, "part%d", r);
    emit_local_array(e, name, len);
  }
  if (Kv > DOT_FLAT * nr) {
    emit_line(e, "for (long k = 0; k < %ld; k += %d)", Kv, nr);
    for (int r = 0; r < w; r++)
      snprintf(line[r], sizeof line[r], "part%d[c] = RNNC_FMA(%s[%sk + c], %s[%sk + c], part%d[c]);", r, p->A, arow,
               p->B, bcol[r], r);
    e->indent += 2;
    lanes_loop(e, nr, w, line);
    e->indent -= 2;
  } else
    for (long k = 0; k < Kv; k += nr) {
      char at[32] = "";
      if (k) snprintf(at, sizeof at, "%ld + ", k);
      for (int r = 0; r < w; r++)
        snprintf(line[r], sizeof line[r], "part%d[c] = RNNC_FMA(%s[%s%sc], %s[%s%sc], part%d[c]);", r, p->A, arow, at,
                 p->B, bcol[r], at, r);
      lanes_loop(e, nr, w, line);
    }
  for (int h = nr / 2; h > 1; h /= 2) { /* halves: log2(nr) vector adds, not nr - 1 dependent ones */
    for (int r = 0; r < w; r++) snprintf(line[r], sizeof line[r], "part%d[c] += part%d[c + %d];", r, r, h);
    lanes_loop(e, h, w, line);
  }
  for (int r = 0; r < w; r++) emit_line(e, "%s sum%d = part%d[0] + part%d[1];", p->T, r, r, r);
  if (Kv < p->K) {
    emit_line(e, "for (long k = %ld; k < %ld; k++) {", Kv, p->K);
    for (int r = 0; r < w; r++)
      emit_line(e, "  sum%d = RNNC_FMA(%s[%sk], %s[%sk], sum%d);", r, p->A, arow, p->B, bcol[r], r);
    emit_line(e, "}");
  }
  for (int r = 0; r < w; r++) { /* element (i, j + r) */
    long at = (j + r) * p->cj;
    if (!*crow) emit_line(e, "%s[%ld] = sum%d;", p->C, at, r);
    else if (!at) emit_line(e, "%s[%s] = sum%d;", p->C, crow, r);
    else emit_line(e, "%s[%s + %ld] = sum%d;", p->C, crow, at, r);
  }
}

/* A product too narrow for a vector of columns (a Dense read-out with fewer
 * outputs than a vector has lanes): as tiles, each element of C would be one
 * chain of K dependent multiply-adds.  Where A's rows and B's columns are
 * contiguous along k (B the transpose of a weight whose rows are read in
 * place: plan.c), each element is a dot product instead, over nr partial
 * sums that the compiler keeps in one vector.  The dot products of ACC_REGS
 * columns run in one loop (then of half as many, and so on), several
 * independent chains that gcc vectorizes: a loop of one chain of nr
 * multiply-adds, nested in a loop over columns, it unrolls into scalars.
 * Up to DOT_FLAT blocks of k are loops of their own for the same reason: a
 * loop over one or two blocks it unrolls completely, inner loop first. */
static bool dot_products(Emit *e, const Product *p, long M, long N, int nr) {
  if (N >= nr || p->ak != 1 || p->bk != 1 || p->strips || p->K < nr) return false;
  char s1[48], arow[56] = "", crow[56] = "";
  if (M > 1) {
    emit_line(e, "for (long i = 0; i < %ld; i++) {", M), e->indent += 2;
    snprintf(arow, sizeof arow, "%s + ", times("i", p->ai, s1));
    snprintf(crow, sizeof crow, "%s", times("i", p->ci, s1));
  }
  long j = 0;
  for (int w = ACC_REGS; w > 0; w /= 2)
    for (; j + w <= N; j += w) {
      bool block = w < N; /* one of several: its partial sums in a block of their own */
      if (block) emit_line(e, "{"), e->indent += 2;
      dot_block(e, p, arow, crow, j, w, nr);
      if (block) e->indent -= 2, emit_line(e, "}");
    }
  if (M > 1) e->indent -= 2, emit_line(e, "}");
  return true;
}

/* C[M,N] = A'[M,K] B'[K,N], A' = A or A^T, B' = B or B^T by the node's
 * flags; strides of A and B as the plan lays them out (the layout pass makes
 * B' row-major, so the inner loop reads contiguous memory). */
/* The k of product n. */
static long product_k(const Node *n) {
  return n->attr.ta ? n->in[0]->shape.dim[0] : n->in[0]->shape.dim[1];
}

static Product product_of(const Emit *e, const Node *n, const char *A, const char *B, const char *C) {
  long as[IR_MAXDIM], bs[IR_MAXDIM];
  emit_strides(e, n->in[0], as);
  emit_strides(e, n->in[1], bs);
  return (Product){.A = A, .B = B, .C = C, .T = emit_ctype(e->real),
                   .ai = n->attr.ta ? as[1] : as[0], .ak = n->attr.ta ? as[0] : as[1],
                   .bk = n->attr.tb ? bs[1] : bs[0], .bj = n->attr.tb ? bs[0] : bs[1],
                   .ci = n->shape.dim[1], .cj = 1, .K = product_k(n)};
}

/* The columns of C in tiles of one width (and of B in panels of it): [0,
 * N2) `two` wide (two vectors, or one, or a matrix-vector product's
 * panel), [N2, Nm) one vector, the rest narrower. */
typedef struct {
  long from, to;
  int width;
} Columns;

static void column_groups(long N, int two, int nr, Columns g[static 3]) {
  long N2 = N / two * two, Nm = N / nr * nr;
  g[0] = (Columns){0, N2, two}, g[1] = (Columns){N2, Nm, nr}, g[2] = (Columns){Nm, N, (int)(N - Nm)};
}

/* Whether product n, A^T B with A row-major, is computed as C^T = B^T A
 * (EMIT(MATMUL)): where k is long, so that A's columns are not each a
 * cache line per k, or where C's rows fill whole tiles of columns and its
 * own columns do not.  Otherwise C's tiles store whole vectors and read A's
 * columns from a short panel. */
static bool flipped(const Emit *e, const Product *p, const Node *n) {
  long M = n->shape.dim[0], N = n->shape.dim[1];
  int nr = tile_vector(e);
  return n->attr.ta && p->ai == 1 && (p->K >= LONG_K || (N % nr && M % nr == 0));
}

/* The columns of product n's tiles: two vectors for a target with 32
 * vector registers (Emit.tiles, by the node's shape): per k, 10 loads for
 * 16 multiply-adds instead of 9 for 8 (bench/README.md).  A choice only
 * where such tiles fit (in C^T's rows and columns when flipped). */
static int tile_columns(const Emit *e, const Node *n, long tile_rows, long tile_cols) {
  int nr = tile_vector(e);
  return emit_wide_tiles(e, n, tile_rows >= MR && tile_cols >= 2 * nr) ? 2 * nr : nr;
}

/* The width of the panels product n could read its B in, where it reads a
 * row-major B of more than one row (one row is its own panels) in place, no
 * flip: the width of its widest tiles where it is tiles over whole rows of
 * tiles (no ragged rows, no dot products); for a matrix-vector product,
 * what ACC_REGS of the widest vector registers (64 bytes) hold, so that
 * the columns of its accumulators are in one panel whatever RNNC_LANES is;
 * else 0. */
static int panel_width(const Emit *e, const Node *n) {
  if (n->op != OP_MATMUL || n->attr.tb) return 0;
  Product p = product_of(e, n, "", "", "");
  long M = n->shape.dim[0], N = n->shape.dim[1];
  int nr = tile_vector(e), row = ACC_REGS * 64 / (int)ir_dtype_size(e->real);
  if (flipped(e, &p, n) || p.K < 2 || p.bj != 1 || p.bk != N) return 0;
  if (M == 1) return N > row ? row : 0;
  return M >= MR && M % MR == 0 && N >= nr ? tile_columns(e, n, M, N) : 0;
}

/* A transpose of a parameter that the plan prepared (plan.h): stored in
 * step_params, written by NAME_step_prepare, not by the step. */
static bool prepared_transpose(const Emit *e, const Node *t) {
  return t->op == OP_TRANSPOSE && t->in[0]->op == OP_PARAM && e->plan->loc[t->id].kind == LOC_PARAM;
}

/* The width of the panels that product n and its terms (a matrix-vector
 * product's, plan.h) read their B's in, by w (emit_panels): they share one
 * loop over the columns, so every B of k longer than 1 is in panels of one
 * width, or none is (one row of B is its own panels): that width, 0 for
 * none, -1 where they disagree. */
static int terms_width(const Node *n, const Node *const *terms, int nterms, const int *w) {
  int width = -2; /* none seen yet */
  for (int t = -1; t < nterms; t++) {
    const Node *x = t < 0 ? n : terms[t];
    if (product_k(x) == 1) continue;
    int v = w[x->in[1]->id] > 0 ? w[x->in[1]->id] : 0;
    if (width != -2 && v != width) return -1;
    width = v;
  }
  return width < 0 ? 0 : width;
}

int *emit_panels(const Emit *e) {
  const Plan *plan = e->plan;
  const Graph *g = plan->g;
  int *w = mem_calloc((size_t)g->nnodes, sizeof *w, "the panels of transposes");
  for (int i = 0; i < g->nnodes; i++) {
    const Node *x = g->nodes[i];
    for (int k = 0; k < x->nin; k++) {
      const Node *t = x->in[k];
      if (t->op != OP_TRANSPOSE) continue;
      int want = k == 1 && x->in[0] != t ? panel_width(e, x) : 0;
      w[t->id] = want && (!w[t->id] || w[t->id] == want) ? want : -1;
    }
  }
  for (int i = 0; i < g->nresults; i++) w[g->results[i].node->id] = -1;
  int *first = mem_calloc((size_t)g->nnodes, sizeof *first, "the panels of transposes");
  for (bool stable = false; !stable;) {
    stable = true;
    for (int i = 0; i < plan->nitems; i++) {
      const Item *it = &plan->items[i];
      if (!it->nterms || terms_width(it->node, it->terms, it->nterms, w) >= 0) continue;
      for (int t = -1; t < it->nterms; t++) w[(t < 0 ? it->node : it->terms[t])->in[1]->id] = -1;
      stable = false;
    }
    /* one layout per prepared parameter, whichever transpose of it a product reads */
    for (int i = 0; i < g->nnodes; i++) {
      const Node *t = g->nodes[i];
      if (!prepared_transpose(e, t)) continue;
      int *f = &first[t->in[0]->id]; /* 1 + the id of its first transpose */
      if (!*f) *f = i + 1;
      if (w[*f - 1] != w[i]) w[*f - 1] = w[i] = -1, stable = false;
    }
  }
  free(first);
  for (int i = 0; i < g->nnodes; i++)
    if (w[i] < 0 || (plan->loc[i].kind != LOC_ARENA && !prepared_transpose(e, g->nodes[i]))) w[i] = 0;
  return w;
}

/* A transpose that products read in panels (emit_panels): each panel the
 * transpose of `width` rows of the input, written at out + j0 * K. */
static void panel_transpose(Emit *e, const Node *n, const char *const *arg, int two) {
  long xs[IR_MAXDIM], K = n->shape.dim[0], N = n->shape.dim[1];
  emit_strides(e, n->in[0], xs);
  const long st[2] = {xs[1], xs[0]};
  int nr = tile_vector(e);
  Columns g[3];
  column_groups(N, two, nr, g);
  emit_line(e, "/* in panels: columns [j0, j0 + w) of every row, k-major, at out + j0 * %ld */", K);
  for (int i = 0; i < 3; i++) {
    if (g[i].from >= g[i].to) continue;
    char in[80], out[80], s1[48], s2[48];
    snprintf(in, sizeof in, "(%s + %s)", arg[0], times("j0", xs[0], s1));
    snprintf(out, sizeof out, "(%s + %s)", arg[1], times("j0", K, s2));
    open_for(e, "long", "j0", g[i].from, g[i].to, g[i].width, NULL);
    e->indent += 2, blocked_transpose(e, emit_ctype(n->dtype), K, g[i].width, in, out, st), e->indent -= 2;
    emit_line(e, "}");
  }
}

long emit_panel_offset(const Emit *e, long K, long N, int width, long k, long j) {
  Columns g[3];
  column_groups(N, width, tile_vector(e), g);
  for (int i = 0; i < 3; i++)
    if (j >= g[i].from && j < g[i].to) {
      long j0 = g[i].from + (j - g[i].from) / g[i].width * g[i].width;
      return j0 * K + k * g[i].width + (j - j0);
    }
  die("column %ld is outside a matrix of %ld", j, N);
}

/* Row i of the product and its terms (Emit.terms), which only a
 * matrix-vector product has, in one matvec; where the product reads its B
 * in panels of `width` columns (emit_panels: then so does every term of k
 * longer than 1; one row of B is its own panels), over the columns of each
 * panel in turn. */
static void matvec_with_terms(Emit *e, const Product *p, long i, long N, int width) {
  int n = e->nterms + 1;
  Product *all = mem_alloc((size_t)n, sizeof *all, "the terms of a product");
  all[0] = *p;
  for (int t = 1; t < n; t++)
    all[t] = product_of(e, e->terms[t - 1], e->term_arg[2 * (t - 1)], e->term_arg[2 * (t - 1) + 1], p->C);
  if (!width) {
    matvec(e, all, n, i, N, NULL);
    free(all);
    return;
  }
  Product *panel = mem_alloc((size_t)n, sizeof *panel, "the terms of a product");
  char (*base)[80] = mem_alloc((size_t)n, sizeof *base, "the terms of a product");
  Columns g[3];
  column_groups(N, width, tile_vector(e), g);
  for (int c = 0; c < 3; c++) {
    if (g[c].from >= g[c].to) continue;
    for (int t = 0; t < n; t++) {
      char s1[48];
      bool row = all[t].K == 1;
      snprintf(base[t], sizeof base[t], "(%s + %s)", all[t].B, times("j0", row ? all[t].bj : all[t].K, s1));
      panel[t] = all[t], panel[t].B = base[t];
      if (!row) panel[t].bk = g[c].width, panel[t].bj = 1;
    }
    open_for(e, "long", "j0", g[c].from, g[c].to, g[c].width, NULL);
    e->indent += 2, matvec(e, panel, n, i, g[c].width, "j0"), e->indent -= 2;
    emit_line(e, "}");
  }
  free(base);
  free(panel);
  free(all);
}

EMIT(MATMUL) {
  Product p = product_of(e, n, arg[0], arg[1], arg[2]);
  long M = n->shape.dim[0], N = n->shape.dim[1];
  /* A^T B with A row-major (the weight gradients: A = dz stacked over time,
   * rows of 2 KB) is, where flipped() says, computed as C^T = B^T A, so that the vectors run along
   * A's rows (its columns, copied into a panel, would each be a cache line
   * of its own), in strips (above), and B, the narrower operand, is
   * read in place.  C^T's rows are C's columns: a tile would store and,
   * after every block of k, reload each of its vectors element by element,
   * so where k is blocked (and C is at least a transpose block) C^T
   * accumulates in scratch (after the strip, if copied), and is transposed
   * into C at the end. */
  int nr = tile_vector(e);
  long size = (long)ir_dtype_size(e->real);
  bool flip = flipped(e, &p, n), through_scratch = false;
  int two = flip ? tile_columns(e, n, N, M) : tile_columns(e, n, M, N);
  p.panels = e->panels && e->panels[n->in[1]->id];
  if (p.panels && panel_width(e, n) != e->panels[n->in[1]->id]) die("a product reads panels of another width");
  if (flip) {
    through_scratch = p.K > STRIP_BYTES / (two * size) && M >= TB && N >= TB;
    p = (Product){.A = p.B, .B = p.A, .C = through_scratch ? "ct" : p.C, .T = p.T, .ai = p.bj, .ak = p.bk,
                  .bk = p.ak, .bj = p.ai, .ci = through_scratch ? M : 1, .cj = through_scratch ? 1 : N, .K = p.K,
                  .strips = true, .copied = p.ak * size >= COPY_STRIDE};
    long strip = p.copied ? STRIP_BYTES : 0;
    if (through_scratch) {
      const char *scratch = emit_scratch(e, strip + M * N * size);
      char at[48];
      if (strip) snprintf(at, sizeof at, "(%s + %ld)", scratch, strip);
      else snprintf(at, sizeof at, "%s", scratch);
      emit_line(e, "%s *ct = (%s *)(void *)%s; /* C^T */", p.T, p.T, at);
    }
    long t = M;
    M = N, N = t;
  }
  if ((e->nterms && M != 1) || ((e->epilogue || e->nterms) && (p.strips || N < nr)))
    die("a product with an epilogue or terms is not one that plan_epilogue_product allows");
  if (dot_products(e, &p, M, N, nr)) return;
  long Mm = M / MR * MR, Mt = p.strips ? M : Mm;
  Columns g[3];
  column_groups(N, two, nr, g);
  for (int i = 0; i < 3; i++) tiles(e, &p, 0, Mt, MR, g[i].from, g[i].to, g[i].width);
  if (through_scratch) {
    const long st[2] = {1, N};
    blocked_transpose(e, p.T, N, M, "ct", arg[2], st);
  }
  if (p.strips) return; /* the last M % MR rows are in every strip's tiles */
  /* The last M % MR rows (all of them at batch sizes below MR, where the
   * product is a matrix-vector one): wider tiles, as many columns as
   * ACC_REGS vector registers hold, so each row of B is read once and the
   * chains of adds are independent; gcc keeps an accumulator array of 8
   * vectors in registers, not one of 16. */
  int rows = (int)(M - Mm), wide = rows ? (ACC_REGS * nr / rows) / nr * nr : nr;
  if (rows == 1) {
    int width = e->panels ? terms_width(n, e->terms, e->nterms, e->panels) : 0;
    if (width < 0) die("the terms of a product read panels of different widths");
    matvec_with_terms(e, &p, Mm, N, width);
    return;
  }
  if (wide > N / nr * nr) wide = (int)(N / nr * nr);
  if (wide < nr) wide = nr;
  long Nw = N / wide * wide, Nr = (N - Nw) / nr * nr + Nw;
  tiles(e, &p, Mm, M, rows, 0, Nw, wide);
  tiles(e, &p, Mm, M, rows, Nw, Nr, nr);
  tiles(e, &p, Mm, M, rows, Nr, N, (int)(N - Nr));
}

/*
 * emit.c - the helpers of emit.h: C types and literals of the model's float
 * type, libm names, and the indented lines, loop nests and element offsets
 * that kernel bodies are made of.  The per-op emitters (emit_ops.c) and the
 * kernels around them (kernels.c) print through these, so that every kernel
 * spells a literal, a loop or an index the same way.
 */
#include "emit.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* exp and tanh are rnnc_math.h's, which vectorize (see there); f32 tanh is
 * the quotient of its numerator and denominator (emit_quotient). */
const char *emit_math(const Emit *e, const char *name, char buf[static 16]) {
  bool own = !strcmp(name, "exp") || !strcmp(name, "tanh");
  snprintf(buf, 16, "%s%s%s", own ? "rnnc_" : "", name, e->real == DT_F32 ? "f" : "");
  return buf;
}

const char *emit_scratch(Emit *e, long bytes) {
  if (bytes > e->scratch) e->scratch = bytes;
  return "scratch";
}

void emit_local_array(Emit *e, const char *name, const char *len) {
  char zero[40];
  long n = strtol(len, NULL, 10), size = (long)ir_dtype_size(e->real);
  e->locals += strcmp(len, "RNNC_LANES") ? n * size : 64;
  emit_line(e, "%s %s[%s] = {%s};", emit_ctype(e->real), name, len, emit_literal(e, 0, zero));
}

void emit_line(Emit *e, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  buf_printf(e->out, "%*s%s\n", e->indent, "", line);
}

int emit_loops(Emit *e, Shape s, const char *prefix, LoopVar *vars) {
  int last = -1, open = 0;
  for (int i = 0; i < s.rank; i++)
    if (s.dim[i] > 1) last = i;
  for (int i = 0; i < s.rank; i++) {
    if (s.dim[i] == 1) { /* no loop of one iteration: its index is 0 */
      snprintf(vars[i], sizeof vars[i], "0");
      continue;
    }
    snprintf(vars[i], sizeof vars[i], "%.4s%d", prefix, i);
    emit_line(e, "for (long %s = 0; %s < %d; %s++)%s", vars[i], vars[i], s.dim[i], vars[i], i == last ? " {" : "");
    e->indent += 2;
    open++;
  }
  if (!open) emit_line(e, "{"), e->indent += 2, open = 1; /* one element: a block, so that locals stay local */
  return open;
}

void emit_close_loops(Emit *e, int open) {
  e->indent -= 2;
  emit_line(e, "}"); /* under the innermost for, which opened the block */
  e->indent -= 2 * (open - 1);
}

void emit_strides(const Emit *e, const Node *x, long stride[static IR_MAXDIM]) {
  long off;
  plan_base(e->plan, x, &off, stride);
}

int emit_term(char *buf, size_t size, bool plus, const char *var, long stride) {
  return stride == 1 ? snprintf(buf, size, "%s%s", plus ? " + " : "", var)
                     : snprintf(buf, size, "%s%s * %ld", plus ? " + " : "", var, stride);
}

const char *emit_index(const Emit *e, const Node *x, LoopVar *vars, char buf[static 160]) {
  long st[IR_MAXDIM];
  emit_strides(e, x, st);
  int k = 0;
  for (int i = 0; i < x->shape.rank; i++)
    if (st[i] && x->shape.dim[i] > 1)
      k += emit_term(buf + k, (size_t)(160 - k), k > 0, vars[i], st[i]);
  if (!k) snprintf(buf, 160, "0");
  return buf;
}

void emit_shape(Buf *b, Shape s) {
  buf_printf(b, "[");
  for (int i = 0; i < s.rank; i++) buf_printf(b, "%s%d", i ? ", " : "", s.dim[i]);
  buf_printf(b, "]");
}

bool emit_wide_tiles(const Emit *e, const Node *n, bool chosen) {
  const Node *a = n->in[0];
  TileShape s = {.M = n->shape.dim[0], .N = n->shape.dim[1], .K = a->shape.dim[n->attr.ta ? 0 : 1],
                 .ta = n->attr.ta, .tb = n->attr.tb, .dtype = n->dtype};
  if (chosen && e->tiles->seen) tile_shapes_add(e->tiles->seen, s);
  return tile_choose(e->tiles, s) == TILES_WIDE;
}

/*
 * kernels.c - the calls an entry point makes, and the kernels they call.
 *
 * Every item of a plan (plan.h) becomes one call of a static kernel function
 * whose shapes and strides are constants, passed the arena buffers it reads
 * and writes by name (names.c; a part declares each name where it first
 * uses it).  A node's kernel prints its body through the op's emitter
 * (emit_ops.c); a fused loop is one loop nest over
 * the members' common shape, each member a local of one element, the stored
 * ones written out.  Kernels are keyed by their full text, so the T copies of
 * a step's loop or product share one function: the code of a step appears
 * once, and the compiler's work grows with T only by the calls.
 */
#include "emit_c_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

enum { PTR_CHARS = 320 /* a kernel argument, with a parameter name */ };

/* ---- kernels, shared by their text ---- */

static int kernel_intern(Kernels *k, const char *spec, const char *params, const char *body, long locals,
                         const char *hint, const char *comment) {
  Buf key = {0};
  buf_printf(&key, "(%s) {\n%s}", params, body);
  for (int i = 0; i < k->n; i++)
    if (!strcmp(k->keys[i], key.s)) {
      buf_free(&key);
      return i;
    }
  if (k->n == k->cap) {
    k->cap = k->cap ? 2 * k->cap : 64;
    k->keys = mem_realloc(k->keys, (size_t)k->cap, sizeof *k->keys, "the kernels of the generated C");
    k->names = mem_realloc(k->names, (size_t)k->cap, sizeof *k->names, "the kernels of the generated C");
    k->stack = mem_realloc(k->stack, (size_t)k->cap, sizeof *k->stack, "the kernels of the generated C");
  }
  Buf name = {0};
  buf_printf(&name, "k%d_%s", k->n, hint);
  k->keys[k->n] = key.s;
  k->names[k->n] = name.s;
  k->stack[k->n] = locals;
  buf_printf(&k->defs, "/* %s */\nstatic %svoid %s%s\n\n", comment, spec, name.s, key.s);
  return k->n++;
}

void kernels_free(Kernels *k) {
  for (int i = 0; i < k->n; i++) free(k->keys[i]), free(k->names[i]);
  free(k->keys);
  free(k->names);
  free(k->stack);
  buf_free(&k->defs);
}

/* ---- the calls ---- */

/* " + 128", or "" for 0. */
static const char *plus(long off, char buf[static 24]) {
  if (off) snprintf(buf, 24, " + %ld", off);
  else buf[0] = 0;
  return buf;
}

/* "(float *)(A + 512)", or "(float *)A" at offset 0. */
static void arena_at(Buf *b, const char *T, long off) {
  if (off) buf_printf(b, "(%s *)(A + %ld)", T, off);
  else buf_printf(b, "(%s *)A", T);
}

/* The name of arena buffer b (names.c), declared in f->decls the first time
 * the function being printed uses it: "  float *x = (float *)(A + 512); /+ [1, 50] +/". */
static const char *buffer_name(Fn *f, const Node *b) {
  Names *nm = &f->names;
  if (!nm->node[b->id]) die("arena buffer %%%d (%s) has no name", b->id, ir_ops[b->op].name);
  if (nm->node_fn[b->id] != f->fn) {
    nm->node_fn[b->id] = f->fn;
    f->declared++;
    const char *T = emit_ctype(b->dtype);
    buf_printf(&f->decls, "  %s *%s = ", T, nm->node[b->id]);
    arena_at(&f->decls, T, f->e.plan->loc[b->id].offset);
    buf_printf(&f->decls, "; /* ");
    emit_shape(&f->decls, b->shape);
    buf_printf(&f->decls, " */\n");
  }
  return nm->node[b->id];
}

/* The name of the scratch of item it, declared likewise. */
static const char *scratch_name(Fn *f, const Item *it) {
  Names *nm = &f->names;
  int i = (int)(it - f->e.plan->items);
  if (nm->scratch_fn[i] != f->fn) {
    nm->scratch_fn[i] = f->fn;
    f->declared++;
    char at[24];
    buf_printf(&f->decls, "  char *%s = A%s; /* %ld bytes */\n", nm->scratch[i], plus(it->scratch_offset, at),
               it->scratch);
  }
  return nm->scratch[i];
}

/* The pointer a kernel gets for node x: its base's storage plus the view's
 * offset; a parameter says its name, an arena buffer is named (names.c).
 * apply's inputs are the gradients, in grads (`in` in its parts) at their
 * parameters' offsets. */
static const char *pointer(Fn *f, const Node *x, char buf[static PTR_CHARS]) {
  long off, st[IR_MAXDIM];
  const Node *b = plan_base(f->e.plan, x, &off, st);
  const Loc *l = &f->e.plan->loc[b->id];
  char at[24];
  switch (l->kind) {
  case LOC_PARAM: /* a prepared transpose (plan.h) says so; an update in place names its parameter */
    snprintf(buf, PTR_CHARS, "P%s /* %s%s */", plus(l->offset + off, at),
             l->base ? l->base->attr.name : b->op == OP_TRANSPOSE ? b->in[0]->attr.name : b->attr.name,
             b->op == OP_TRANSPOSE ? ", transposed" : "");
    break;
  case LOC_INPUT:
    if (f->kind == FN_APPLY)
      snprintf(buf, PTR_CHARS, "in%s /* %s */", plus(plan_param_offset(f->layout, b->attr.name + 5) + off, at),
               b->attr.name);
    else snprintf(buf, PTR_CHARS, "in->%s%s", b->attr.name, plus(off, at));
    break;
  case LOC_ARENA: snprintf(buf, PTR_CHARS, "%s%s", buffer_name(f, b), plus(off, at)); break;
  default: die("node %%%d (%s) has no storage", b->id, ir_ops[b->op].name);
  }
  return buf;
}

/* "matmul [64, 512] (specs/fmnist_lstm.lua:12)": n's op, its shape and the
 * spec line that made it. */
static void describe(Buf *b, const Node *n) {
  buf_printf(b, "%s ", ir_ops[n->op].name);
  emit_shape(b, n->shape);
  if (n->loc.file) {
    buf_printf(b, " (");
    buf_comment_file(b, n->loc.file);
    buf_printf(b, ":%d)", n->loc.line);
  }
}

/* A call in f->calls of the kernel with these parameters and body (defined
 * the first time, with `spec` between "static" and "void"; it declares
 * `locals` bytes of local arrays, counted in f->stack the first time f calls
 * it), with arguments args. */
static void call_kernel(Fn *f, const char *spec, const char *params, const char *body, long locals, const char *hint,
                        const char *comment, const Buf *args) {
  int k = kernel_intern(f->kernels, spec, params, body, locals, hint, comment);
  if (k >= f->ncalled) {
    f->called = mem_realloc(f->called, (size_t)f->kernels->cap, sizeof *f->called, "the kernels an entry point calls");
    memset(f->called + f->ncalled, 0, (size_t)(f->kernels->cap - f->ncalled) * sizeof *f->called);
    f->ncalled = f->kernels->cap;
  }
  if (!f->called[k]) f->called[k] = true, f->stack += f->kernels->stack[k];
  buf_printf(&f->calls, "  %s(%s);\n", f->kernels->names[k], buf_str(args));
}

long emit_item_scratch(const Fn *f, const Item *it) {
  if (!it->node) return 0; /* fused loops keep their values in registers */
  const Node *n = it->node;
  const char **arg = mem_calloc((size_t)n->nin + 1, sizeof *arg, "the arguments of a kernel");
  for (int k = 0; k <= n->nin; k++) arg[k] = "x"; /* names do not change what it needs */
  Buf discard = {0};
  Emit e = f->e;
  e.out = &discard;
  e.scratch = 0;
  emit_op(&e, n, arg);
  buf_free(&discard);
  free(arg);
  return e.scratch;
}

/* ---- fused loops ---- */

typedef struct {
  const Node *node;
  long stride[IR_MAXDIM]; /* over the loop's shape; 0 along broadcast axes */
  char name[16];
  bool written; /* an input the loop also writes: an update in place (plan.h) */
  bool alias;   /* an output written through that input's pointer */
} Operand;

/* x's strides over loop shape s (x broadcasts to s, aligned right). */
static void strides_over(const Fn *f, const Node *x, Shape s, long *out) {
  long st[IR_MAXDIM];
  emit_strides(&f->e, x, st);
  ir_broadcast_strides(x->shape, st, s, out);
}

/* Merges neighbouring axes that every operand walks contiguously (or not at
 * all), so that a plain loop covers them: the common cases end as one loop
 * (same shapes, scalars) or two (a bias row); an axis of one element needs
 * no loop at all. */
static Shape merge_axes(Shape s, Operand *ops, int nops) {
  for (int i = s.rank - 1; i >= 0 && s.rank > 1; i--) { /* axes of one element: no loop */
    if (s.dim[i] != 1) continue;
    for (int j = i; j + 1 < s.rank; j++) {
      s.dim[j] = s.dim[j + 1];
      for (int k = 0; k < nops; k++) ops[k].stride[j] = ops[k].stride[j + 1];
    }
    s.rank--;
  }
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
    if (op->stride[i] && s.dim[i] > 1) {
      char var[16];
      snprintf(var, sizeof var, "i%d", i);
      k += emit_term(buf + k, (size_t)(160 - k), k > 0, var, op->stride[i]);
    }
  if (!k) snprintf(buf, 160, "0");
  return buf;
}

static int member_index(const Item *it, const Node *x) {
  for (int m = 0; m < it->nmembers; m++)
    if (it->members[m] == x) return m;
  return -1;
}

/* Is x one of the terms the product of loop it adds up (plan.h)? */
static bool is_term(const Item *it, const Node *x) {
  for (int t = 0; t < it->nterms; t++)
    if (it->terms[t] == x) return true;
  return false;
}

/* The operands of fused loop it over its shape, axes merged: its members'
 * inputs read from memory (not the product whose epilogue it is, nor its
 * terms), a<first>,
 * a<first + 1>, ..., then its stored members, out0, out1, ...; an update
 * written over a parameter the loop reads is stored through the parameter's
 * operand instead. */
typedef struct {
  Operand *ops;
  int nin, nops;
  Shape s;
} LoopOperands;

static LoopOperands loop_operands(const Fn *f, const Item *it, int first) {
  Shape s = it->members[0]->shape;
  int cap = it->nmembers, nops = 0;
  for (int m = 0; m < it->nmembers; m++) cap += it->members[m]->nin;
  Operand *ops = mem_alloc((size_t)cap, sizeof *ops, "the operands of a fused loop");
  for (int m = 0; m < it->nmembers; m++)
    for (int k = 0; k < it->members[m]->nin; k++) {
      const Node *x = it->members[m]->in[k];
      if (member_index(it, x) >= 0 || x == it->node || is_term(it, x) || x->op == OP_CONST ||
          (ir_ops[it->members[m]->op].flags & F_RANDOM))
        continue;
      int seen = 0;
      while (seen < nops && ops[seen].node != x) seen++;
      if (seen < nops) continue;
      ops[nops] = (Operand){.node = x};
      strides_over(f, x, s, ops[nops].stride);
      snprintf(ops[nops].name, sizeof ops[nops].name, "a%d", first + nops);
      nops++;
    }
  int nin = nops, nout = 0;
  for (int m = 0; m < it->nmembers; m++) {
    const Node *x = it->members[m];
    const Loc *l = &f->e.plan->loc[x->id];
    if (!l->stored) continue;
    Operand *o = &ops[nops++];
    *o = (Operand){.node = x};
    strides_over(f, x, s, o->stride);
    for (int k = 0; k < nin && l->kind == LOC_PARAM; k++)
      if (ops[k].node == l->base) {
        ops[k].written = o->alias = true;
        snprintf(o->name, sizeof o->name, "a%d", first + k); /* ops[k]'s name */
      }
    if (!o->alias) snprintf(o->name, sizeof o->name, "out%d", nout++);
  }
  return (LoopOperands){.ops = ops, .nin = nin, .nops = nops, .s = merge_axes(s, ops, nops)};
}

/* The parameters and arguments of loop it's operands and random streams,
 * after any already in params and args. */
static void loop_params(Fn *f, const Item *it, const LoopOperands *lo, Buf *params, Buf *args) {
  char ptr[PTR_CHARS];
  for (int k = 0; k < lo->nops; k++) {
    if (lo->ops[k].alias) continue;
    buf_printf(params, "%s%s%s *restrict %s", params->len ? ", " : "", k < lo->nin && !lo->ops[k].written ? "const " : "",
               emit_ctype(lo->ops[k].node->dtype), lo->ops[k].name);
    buf_printf(args, "%s%s", args->len ? ", " : "", pointer(f, lo->ops[k].node, ptr));
  }
  int nmask = 0;
  for (int m = 0; m < it->nmembers; m++) /* one seed, one stream per mask */
    if (ir_ops[it->members[m]->op].flags & F_RANDOM) {
      buf_printf(params, "%s%suint64_t stream%d", params->len ? ", " : "", nmask ? "" : "uint64_t seed, ", nmask);
      buf_printf(args, "%s%s%ldu", args->len ? ", " : "", nmask ? "" : "seed, ", it->members[m]->attr.stream);
      nmask++;
    }
}

/* Member x of loop it from the expressions of its inputs: a term of the
 * product (NULL in arg) is in the product's accumulator already, so a sum
 * leaves it out (plan.c allows no other reader). */
static void member_expr(Emit *e, const Item *it, const Node *x, const char **arg) {
  int n = 0;
  if (it->nterms && (x->op == OP_ADD || x->op == OP_ADDN)) {
    for (int k = 0; k < x->nin; k++)
      if (arg[k]) arg[n++] = arg[k];
    if (n < x->nin) {
      emit_sum(e, arg, n);
      return;
    }
  }
  emit_op(e, x, arg);
}

/* ---- quotients left undivided ---- */

/* A division is the slowest operation of a fused loop, several times the
 * cost of a multiply-add.  A member whose value is a quotient (a sigmoid; a
 * tanh in f32) and that only a product reads is left undivided, t<m>n /
 * t<m>d, and the product of it and anything is one quotient, divided once
 * or, if only a product reads that, left undivided in turn: an LSTM cell's
 * sigmoid(i) * tanh(g) and sigmoid(o) * tanh(c) are one division each.
 * The values are the same to rounding (no denominator is 0; one that
 * overflows to infinity is one whose quotient is 0 anyway). */
enum { PLAIN, QUOTIENT, RECIPROCAL /* t<m>n is 1: only t<m>d */ };

/* Is member m read by one product of loop it, once, and by nothing else? */
static bool read_by_one_product(const Emit *e, const Item *it, int m) {
  const Node *x = it->members[m], *reader = NULL;
  if (e->plan->loc[x->id].stored) return false;
  for (int r = m + 1; r < it->nmembers; r++)
    for (int k = 0; k < it->members[r]->nin; k++)
      if (it->members[r]->in[k] == x) {
        if (reader) return false;
        reader = it->members[r];
      }
  return reader && reader->op == OP_MUL;
}

/* Product x of members left undivided (form[]) and other values, as one
 * quotient into num and den; false if x has no such factor. */
static bool product_of_quotients(const Item *it, const Node *x, const char *const *arg, const int *form, Buf *num,
                                 Buf *den) {
  int mi[2] = {member_index(it, x->in[0]), member_index(it, x->in[1])};
  if (!(mi[0] >= 0 && form[mi[0]]) && !(mi[1] >= 0 && form[mi[1]])) return false;
  for (int k = 0; k < 2; k++)
    if (mi[k] < 0 || !form[mi[k]]) {
      buf_printf(num, "%s%s", num->len ? " * " : "", arg[k]);
    } else {
      if (form[mi[k]] == QUOTIENT) buf_printf(num, "%st%dn", num->len ? " * " : "", mi[k]);
      buf_printf(den, "%st%dd", den->len ? " * " : "", mi[k]);
    }
  return true;
}

/* Member m of loop it, from the expressions of its inputs: the local t<m>,
 * or t<m>n and t<m>d (form[m] says which). */
static void member_line(Emit *e, const Item *it, int m, const char **arg, int *form) {
  const Node *x = it->members[m];
  const char *T = emit_ctype(e->real);
  Buf num = {0}, den = {0}, *out = e->out;
  bool undivided = read_by_one_product(e, it, m);
  if ((undivided && x->nin == 1 && emit_quotient(e, x, arg[0], &num, &den)) ||
      (x->op == OP_MUL && product_of_quotients(it, x, arg, form, &num, &den))) {
    char one[40];
    if (!undivided)
      emit_line(e, strstr(den.s, " * ") ? "const %s t%d = (%s / (%s));" : "const %s t%d = (%s / %s);", T, m,
                num.len ? num.s : emit_literal(e, 1, one), den.s);
    else if (num.len) emit_line(e, "const %s t%dn = %s;", T, m, num.s);
    if (undivided) emit_line(e, "const %s t%dd = %s;", T, m, den.s);
    form[m] = !undivided ? PLAIN : num.len ? QUOTIENT : RECIPROCAL;
  } else {
    Buf expr = {0};
    e->out = &expr;
    member_expr(e, it, x, arg);
    e->out = out;
    emit_line(e, "const %s t%d = %s;", T, m, expr.s);
    buf_free(&expr);
  }
  buf_free(&num), buf_free(&den);
}

/* One element of loop it at the index its loop variables give: each member
 * a local, then the stores; `product` is the expression of the element of
 * the product whose epilogue the loop is. */
static void loop_body(Emit *e, const Item *it, const LoopOperands *lo, const char *product) {
  char ix[160];
  Operand lin = {.node = NULL};
  ir_contiguous_strides(lo->s, lin.stride);
  int nmask = 0, *form = mem_calloc((size_t)it->nmembers, sizeof *form, "the expressions of a fused loop");
  for (int m = 0; m < it->nmembers; m++) {
    const Node *x = it->members[m];
    char(*exprs)[200] = mem_alloc((size_t)x->nin + 1, sizeof *exprs, "the expressions of a fused loop"), streamname[24];
    const char **arg = mem_alloc((size_t)x->nin + 3, sizeof *arg, "the expressions of a fused loop");
    for (int k = 0; k < x->nin; k++) {
      const Node *in = x->in[k];
      int mi = member_index(it, in);
      if (mi >= 0) snprintf(exprs[k], sizeof exprs[k], "t%d", mi);
      else if (in == it->node) snprintf(exprs[k], sizeof exprs[k], "%s", product);
      else if (is_term(it, in)) exprs[k][0] = 0;
      else if (in->op == OP_CONST) emit_literal(e, in->attr.value, exprs[k]);
      else {
        int o = 0;
        while (lo->ops[o].node != in) o++;
        snprintf(exprs[k], sizeof exprs[k], "%s[%s]", lo->ops[o].name, operand_index(&lo->ops[o], lo->s, ix));
      }
      arg[k] = exprs[k][0] ? exprs[k] : NULL;
    }
    if (ir_ops[x->op].flags & F_RANDOM) {
      snprintf(streamname, sizeof streamname, "stream%d", nmask++);
      arg[1] = operand_index(&lin, lo->s, ix);
      arg[2] = streamname;
    }
    member_line(e, it, m, arg, form);
    free(exprs);
    free(arg);
  }
  free(form);
  for (int k = lo->nin; k < lo->nops; k++)
    emit_line(e, "%s[%s] = t%d;", lo->ops[k].name, operand_index(&lo->ops[k], lo->s, ix), member_index(it, lo->ops[k].node));
}

/* "fused: add add add over add [1, 128] (lstm.lua:4)", and the kernel's name hint from the first three ops. */
static void describe_loop(Buf *comment, Buf *hint, const Item *it) {
  buf_printf(comment, "fused:");
  for (int m = 0; m < it->nmembers; m++) {
    const char *op = ir_ops[it->members[m]->op].name;
    buf_printf(comment, " %s", op);
    if (m < 3) buf_printf(hint, "%s%s", m ? "_" : "", op);
  }
  buf_printf(comment, " over ");
  describe(comment, it->members[it->nmembers - 1]);
}

static void loop_item(Fn *f, const Item *it) {
  LoopOperands lo = loop_operands(f, it, 0);
  Buf params = {0}, body = {0}, args = {0}, comment = {0}, hint = {0};
  loop_params(f, it, &lo, &params, &args);
  Emit e = f->e;
  e.out = &body;
  e.indent = 2;
  LoopVar vars[IR_MAXDIM];
  int open = emit_loops(&e, lo.s, "i", vars);
  loop_body(&e, it, &lo, NULL);
  emit_close_loops(&e, open);
  describe_loop(&comment, &hint, it);
  int nwritten = 0;
  for (int k = 0; k < lo.nin; k++)
    if (lo.ops[k].written) buf_printf(&comment, "%s%s", nwritten++ ? ", " : "; updated in place: ", lo.ops[k].name);
  call_kernel(f, "", params.s ? params.s : "void", body.s, 0, hint.s, comment.s, &args);
  buf_free(&params), buf_free(&body), buf_free(&args), buf_free(&comment), buf_free(&hint);
  free(lo.ops);
}

/* The loop a product's kernel finishes each element with (Emit.epilogue). */
typedef struct {
  const Item *it;
  LoopOperands lo;
} Epilogue;

/* One element of the product's epilogue, in a block of its own, which
 * defines the loop's indices: over a product of one row, or of rows that
 * every operand reads whole (merge_axes), one index, i0; else i0 and i1,
 * the row and the column. */
static void epilogue_element(Emit *e, const char *row, const char *column, const char *value) {
  const Epilogue *ep = e->epilogue_loop;
  const Shape c = ep->it->node->shape;
  emit_line(e, "{");
  e->indent += 2;
  if (ep->lo.s.rank == 2) emit_line(e, "const long i0 = %s, i1 = %s;", row, column);
  else if (c.dim[0] == 1) emit_line(e, "const long i0 = %s;", column);
  else emit_line(e, "const long i0 = (%s) * %d + %s;", row, c.dim[1], column);
  loop_body(e, ep->it, &ep->lo, value);
  e->indent -= 2;
  emit_line(e, "}");
}

/* A kernel item: node n's kernel; with members, they are n's epilogue
 * (plan.h), which takes the parameters of their loop instead of n's out,
 * after the operands of n's terms, A then B of each. */
static void kernel_item(Fn *f, const Item *it) {
  const Node *n = it->node;
  Buf params = {0}, body = {0}, args = {0}, comment = {0}, hint = {0};
  int nargs = n->nin + 1 + 2 * it->nterms;
  char(*names)[16] = mem_alloc((size_t)nargs, sizeof *names, "the arguments of a kernel"), ptr[PTR_CHARS];
  const char **arg = mem_calloc((size_t)nargs, sizeof *arg, "the arguments of a kernel");
  for (int k = 0; k <= n->nin; k++) {
    const Node *x = k < n->nin ? n->in[k] : n;
    snprintf(names[k], sizeof names[k], k < n->nin ? "a%d" : "out", k);
    arg[k] = names[k];
    if (k == n->nin && it->nmembers) break;
    buf_printf(&params, "%s%s%s *restrict %s", k ? ", " : "", k < n->nin ? "const " : "", emit_ctype(x->dtype),
               names[k]);
    buf_printf(&args, "%s%s", k ? ", " : "", pointer(f, x, ptr));
  }
  for (int t = 0; t < it->nterms; t++)
    for (int k = 0; k < 2; k++) {
      const Node *x = it->terms[t]->in[k];
      int a = n->nin + 1 + 2 * t + k;
      snprintf(names[a], sizeof names[a], "a%d", a - 1);
      arg[a] = names[a];
      buf_printf(&params, ", const %s *restrict %s", emit_ctype(x->dtype), names[a]);
      buf_printf(&args, ", %s", pointer(f, x, ptr));
    }
  Emit e = f->e;
  e.out = &body;
  e.indent = 2;
  e.scratch = 0, e.locals = 0;
  e.terms = it->terms, e.term_arg = arg + n->nin + 1, e.nterms = it->nterms;
  Epilogue ep = {.it = it};
  describe(&comment, n);
  for (int t = 0; t < it->nterms; t++) buf_printf(&comment, " plus "), describe(&comment, it->terms[t]);
  if (it->nmembers) {
    ep.lo = loop_operands(f, it, n->nin + 2 * it->nterms);
    loop_params(f, it, &ep.lo, &params, &args);
    e.epilogue = epilogue_element, e.epilogue_loop = &ep;
    buf_printf(&comment, ", then ");
    describe_loop(&comment, &hint, it);
  }
  emit_op(&e, n, arg);
  if (e.scratch > it->scratch) die("kernel %s needs %ld bytes of scratch, planned %ld", ir_ops[n->op].name, e.scratch, it->scratch);
  if (e.scratch) {
    buf_printf(&params, ", char *restrict scratch");
    buf_printf(&args, ", %s", scratch_name(f, it));
  }
  /* f64 products get gcc's 512-bit vectors (RNNC_WIDE, preamble.c) */
  const char *spec = n->op == OP_MATMUL && e.real == DT_F64 ? "RNNC_WIDE " : "";
  call_kernel(f, spec, params.s, body.s, e.locals, ir_ops[n->op].name, comment.s, &args);
  buf_free(&params), buf_free(&body), buf_free(&args), buf_free(&comment), buf_free(&hint);
  free(names);
  free(arg);
  free(ep.lo.ops);
}

void emit_item(Fn *f, const Item *it) {
  if (it->node) kernel_item(f, it);
  else loop_item(f, it);
}

/* ---- results, copied to the caller's buffers ---- */

void emit_copy_out(Fn *f, const Node *x, const char *dest) {
  Buf params = {0}, body = {0}, args = {0};
  Emit e = f->e;
  e.out = &body;
  e.indent = 2;
  LoopVar vars[IR_MAXDIM];
  char ix[160], lit[40], ptr[PTR_CHARS];
  const char *T = emit_ctype(x->dtype);
  int open = emit_loops(&e, x->shape, "i", vars);
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
  emit_close_loops(&e, open);
  buf_printf(&args, "%s", dest);
  Buf comment = {0};
  buf_printf(&comment, "copy out ");
  describe(&comment, x);
  call_kernel(f, "", params.s, body.s, 0, "copy", comment.s, &args);
  buf_free(&params), buf_free(&body), buf_free(&args), buf_free(&comment);
}

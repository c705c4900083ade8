/*
 * preamble.c - the top of NAME.c: its comment and includes, a guard against
 * a gcc bug, and the runtime code the generated functions call.  That code
 * is runtime/'s headers, embedded at build time (generated code must not
 * depend on files outside the pair it ships as), with only the parts this
 * model uses switched on: unused static functions are warnings.
 */
#include "emit_c_internal.h"

/* runtime/rnnc_rand.h, embedded at build time. */
extern const char emit_rand_source[];
/* runtime/rnnc_math.h, likewise: exp and tanh. */
extern const char emit_math_source[];
/* runtime/rnnc_init.h: PyTorch's initialisers, for NAME_init. */
extern const char emit_init_source[];

/* Does any entry point compute an op with this flag (ops.def), or this op? */
static bool uses_where(const Model *md, unsigned flag, int op) {
  for (int k = 0; k < FN_COUNT; k++)
    for (int i = 0; md->graphs[k] && i < md->graphs[k]->nnodes; i++) {
      const Node *n = md->graphs[k]->nodes[i];
      if ((ir_ops[n->op].flags & flag) || (int)n->op == op) return true;
    }
  return false;
}

static bool uses(const Model *md, unsigned flag) { return uses_where(md, flag, -1); }

/* The multiply-add of products (emit_ops.c) and of rnnc_math.h's polynomials.  gcc's ISO modes (-std=c99) never
 * fuse a * b + c on their own, which halves a product's speed on targets
 * with FMA; C99's FP_FAST_FMAF says the target has one.  fma rounds once, so
 * every target that has it computes the same bits, and RNNC_NO_FMA makes
 * every target round twice (golden vectors shared with targets without). */
static void emit_fma(const Model *md, Buf *c) {
  bool f32 = md->real == DT_F32;
  buf_printf(c, "/* a * b + c in products and polynomials: one rounding where the target has a fast fused\n"
                " * multiply-add; define RNNC_NO_FMA to round twice on every target. */\n"
                "#if defined(%s) && !defined(RNNC_NO_FMA)\n#define RNNC_FMA(a, b, c) %s(a, b, c)\n#else\n"
                "#define RNNC_FMA(a, b, c) ((a) * (b) + (c))\n#endif\n\n",
             f32 ? "FP_FAST_FMAF" : "FP_FAST_FMA", f32 ? "fmaf" : "fma");
}

/* The runtime code the entry points call, and only that. */
static void emit_runtime(const Model *md, Buf *src) {
  bool exp = uses(md, F_NEEDS_EXP), tanh = uses(md, F_NEEDS_TANH);
  const char *f64 = md->real == DT_F64 ? "_F64" : "";
  if (exp || tanh) {
    buf_printf(src, "/* exp and tanh that vectorize. */\n");
    if (exp) buf_printf(src, "#define RNNC_MATH_EXP%s\n", f64);
    if (tanh) buf_printf(src, "#define RNNC_MATH_TANH%s\n", f64);
    buf_printf(src, "%s\n", emit_math_source);
  }
  bool init = md->entries & ENTRY_INIT, dropout = uses(md, F_RANDOM);
  if (init || dropout)
    buf_printf(src, "/* rnnc's counter-based random numbers (%s). */\n%s%s\n",
               init && dropout ? "initialisers, dropout masks" : init ? "initialisers" : "dropout masks",
               dropout ? "#define RNNC_RAND_DROPOUT\n" : "", emit_rand_source);
  if (init) buf_printf(src, "/* Initial values (NAME_init), as `rnnc init` computes them. */\n%s\n", emit_init_source);
}

/* The width of the target's vector registers, in elements of the model's
 * type: the accumulators of a matrix-vector product (emit_ops.c) are arrays
 * of that many, in a product, which has all 512 bits of AVX-512 (below). */
static void emit_lanes(const Model *md, Buf *c) {
  bool f32 = md->real == DT_F32;
  buf_printf(c, "/* %ss in one vector register of the target (define RNNC_LANES for others). */\n"
                "#ifndef RNNC_LANES\n"
                "#if defined(__AVX512F__)\n#define RNNC_LANES %d\n#elif defined(__AVX__)\n#define RNNC_LANES %d\n"
                "#elif defined(__SSE2__) || defined(__ARM_NEON) || defined(__wasm_simd128__)\n#define RNNC_LANES %d\n"
                "#else\n#define RNNC_LANES 1\n#endif\n#endif\n"
                "#if RNNC_LANES < 1\n#error \"RNNC_LANES is the elements of one vector register: 1 or more\"\n#endif\n\n",
             f32 ? "float" : "double", f32 ? 16 : 8, f32 ? 8 : 4, f32 ? 4 : 2);
}

/* gcc vectorizes for 256-bit registers on CPUs with 512-bit ones unless
 * told otherwise (older Intel cores slowed their clock for 512-bit code);
 * Eigen, and so the peers rnnc is measured against, use all 512 bits.  f32
 * code asks for them.  gcc 12.2 (the fixed version is unknown) emits some
 * one-operand shuffles of 8 doubles as vpermilpd, which cannot move an
 * element across a 128-bit lane: wrong results from 512-bit vectors at any
 * -O, from the SLP and the loop vectorizer alike (tests/backend/gcc_v8df_shuffle.c).
 * So f64 code asks for 256 bits, where gcc's shuffles are right, except in
 * the products (RNNC_WIDE, kernels.c): their tiles read contiguous rows of B
 * and broadcast elements of A, and need no shuffle (tests/backend/v8df_scan.py
 * checks every spec's f64 code for the wrong vpermilpd).  An accumulator
 * row of 8 doubles is then one register; in 256-bit code gcc keeps it in
 * memory (emit_ops.c). */
static void emit_width(const Model *md, Buf *c) {
  const char *gcc512 = "#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512F__)\n";
  if (md->real == DT_F32)
    buf_printf(c, "/* All 512 bits of AVX-512 registers (gcc uses 256 unless asked). */\n%s"
                  "#pragma GCC target(\"prefer-vector-width=512\")\n#endif\n\n", gcc512);
  else if (!uses_where(md, 0, OP_MATMUL))
    buf_printf(c, "/* gcc miscompiles shuffles of 8 doubles (tests/backend/gcc_v8df_shuffle.c in rnnc). */\n%s"
                  "#pragma GCC target(\"prefer-vector-width=256\")\n#endif\n\n", gcc512);
  else
    buf_printf(c, "/* gcc miscompiles shuffles of 8 doubles (tests/backend/gcc_v8df_shuffle.c in rnnc): 256-bit\n"
                  " * vectors, but all 512 bits in the products (RNNC_WIDE), which need no shuffles. */\n%s"
                  "#pragma GCC target(\"prefer-vector-width=256\")\n"
                  "#define RNNC_WIDE __attribute__((target(\"prefer-vector-width=512\")))\n"
                  "#else\n#define RNNC_WIDE\n#endif\n\n", gcc512);
}

void emit_preamble(const Model *md, Buf *c) {
  buf_printf(c, "/*\n * %s.c - generated by rnnc from ", md->name);
  buf_comment_file(c, md->spec);
  buf_printf(c, ".  Do not edit.\n *\n"
                " * Straight-line code: each entry point calls its parts in order, each part\n"
                " * calls shape-specialised kernels (defined once, called at every step)\n"
                " * with arena buffers it names where it first uses them, LAYER_OP_tSTEP (d_\n"
                " * for the backward pass; out_, metric_, grad_, new_ for results).  Values\n"
                " * whose lifetimes do not overlap share arena space under their own names.\n */\n"
                "#include \"%s.h\"\n\n#include <math.h>\n\n", md->name);
  emit_width(md, c);
  if (uses_where(md, F_NEEDS_EXP | F_NEEDS_TANH, OP_MATMUL)) emit_fma(md, c);
  if (uses_where(md, 0, OP_MATMUL)) emit_lanes(md, c);
  emit_runtime(md, c);
}

/*
 * tune.c - `rnnc bench --tune`: tiles per product shape, by measurement.
 *
 * Which products there are, and which of them have tiles to choose, is
 * what code generation says: the spec's C is generated once with the
 * default tiles and a TileChoice.seen that collects the shapes (so the
 * conditions of emit_ops.c are not copied here).  Each shape is then timed
 * alone: a graph of one product (an input A, a parameter B) is generated
 * once per candidate, under two model names, and compiled with a timing
 * main into one program, with the backend's compiler and flags.  The program
 * times the two kernels in turns (so that other work on the machine weighs
 * on both alike), each run repeating the product enough times to take
 * about RUN_MS, and prints the median of RUNS runs after a warm-up run.
 * Buffers are 64-byte aligned, as the backend's are (native.c).  Portable
 * tiles replace the machine's default (wide) only where they are faster by
 * more than MARGIN: a profile should not follow the noise of one run.
 *
 * Profiles of several specs add up: a shape measured again replaces its
 * rule, the others stay.
 *
 * Timed alone, a product has its operands in cache as the model's
 * product may not, and contiguous where the model's may be views: the
 * profile is a measurement of the kernels, and the model's train step with
 * and without it (timed at the end) says whether it paid.
 */
#define _POSIX_C_SOURCE 200809L
#include "tune.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "emit_c.h"
#include "native.h"
#include "rnnc_tmp.h"
#include "tiles.h"

enum { RUNS = 21 };
#define MARGIN 0.03
#define RUN_MS "1"

/* C[M,N] = A'[M,K] B'[K,N] as s says, and nothing else: the model
 * `name`'s predict. */
static Graph *product_graph(TileShape s, const char *name) {
  Graph *g = ir_graph_new();
  g->cfg = (ModelConfig){.name = name, .batch = 1, .steps = 1, .dtype = s.dtype};
  int M = (int)s.M, N = (int)s.N, K = (int)s.K;
  Node *a = ir_input(g, "a", s.ta ? ir_shape(2, K, M) : ir_shape(2, M, K), s.dtype);
  Node *b = ir_param(g, "b", s.tb ? ir_shape(2, N, K) : ir_shape(2, K, N), (Init){INIT_ZEROS, 0, 0}, true);
  ir_add_result(g, ROLE_OUTPUT, "c", ir_matmul(g, a, b, s.ta, s.tb));
  return g;
}

static void put_text(FILE *f, const void *text) { fputs(text, f); }

/* DIR/NAME.h and DIR/NAME.c of the product with the given tiles. */
static int emit_product(TileShape s, TileKind kind, const char *dir, char *err, size_t errlen) {
  char name[32], path[4200];
  snprintf(name, sizeof name, "tune_%s", tiles_kind_name(kind));
  EmitModel m = {.spec = "rnnc bench --tune", .entries = 1u << FN_PREDICT, .tiles = {.fallback = kind}};
  m.graphs[FN_PREDICT] = product_graph(s, name);
  char *h = NULL, *c = NULL;
  int rc = emit_c_model(&m, &h, &c, err, errlen);
  snprintf(path, sizeof path, "%s/%s.h", dir, name);
  if (!rc) rc = rnnc_tmp_write(path, put_text, h, err, errlen);
  snprintf(path, sizeof path, "%s/%s.c", dir, name);
  if (!rc) rc = rnnc_tmp_write(path, put_text, c, err, errlen);
  free(h), free(c);
  ir_graph_free(m.graphs[FN_PREDICT]);
  return rc ? -1 : 0;
}

/* The timing program's main: the two models' predict in turns, without
 * outputs (so without the copy of C out of the arena: the product alone);
 * on stdout, the median ms of one product of each.  %s: the C type; %ld:
 * the elements of A. */
static const char timing_main[] =
    "/* rnnc bench --tune: one product's two kernels, timed in turns */\n"
    "#define _POSIX_C_SOURCE 199309L\n"
    "#define _ISOC11_SOURCE /* aligned_alloc, under -std=c99 */\n"
    "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n"
    "#include \"tune_portable.h\"\n#include \"tune_wide.h\"\n"
    "typedef %s T;\n"
    "enum { A_ELEMS = %ld, RUNS = %d };\n"
    "typedef struct { T *params, *a; void *arena; } Bufs;\n"
    "static double now(void) {\n"
    "  struct timespec t;\n"
    "  clock_gettime(CLOCK_MONOTONIC, &t);\n"
    "  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;\n"
    "}\n"
    "static void *buffer(size_t bytes) { /* 64-byte aligned, as the backend's */\n"
    "  void *p = aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);\n"
    "  if (!p) exit(1);\n"
    "  return memset(p, 0, bytes);\n"
    "}\n"
    "static T *values(size_t n) { /* small, and no denormals */\n"
    "  T *v = buffer(n * sizeof *v);\n"
    "  for (size_t i = 0; i < n; i++) v[i] = (T)((int)(i %% 7) - 3) / 64;\n"
    "  return v;\n"
    "}\n"
    "#define RUNNER(NAME, PREFIX)                                                      \\\n"
    "  static void run_##NAME(const Bufs *b, long n) {                                 \\\n"
    "    NAME##_batch in = {b->a};                                                     \\\n"
    "    for (long i = 0; i < n; i++) NAME##_predict(b->params, &in, NULL, b->arena);  \\\n"
    "  }                                                                               \\\n"
    "  static Bufs bufs_##NAME(void) {                                                 \\\n"
    "    Bufs b = {values(PREFIX##_PARAMS_BYTES / sizeof(T)), values(A_ELEMS),          \\\n"
    "              buffer(PREFIX##_INFER_ARENA_BYTES)};                                \\\n"
    "    return b;                                                                     \\\n"
    "  }\n"
    "RUNNER(tune_portable, TUNE_PORTABLE)\n"
    "RUNNER(tune_wide, TUNE_WIDE)\n"
    "typedef void Run(const Bufs *, long);\n"
    "static double timed(Run *run, const Bufs *b, long n) {\n"
    "  double t0 = now();\n"
    "  run(b, n);\n"
    "  return (now() - t0) / (double)n;\n"
    "}\n"
    "/* Products per run: enough for about " RUN_MS " ms, after a warm-up. */\n"
    "static long calls(Run *run, const Bufs *b) {\n"
    "  run(b, 1);\n"
    "  double ms = timed(run, b, 1), n = " RUN_MS " / (ms > 1e-6 ? ms : 1e-6);\n"
    "  return n < 1 ? 1 : n > 1e6 ? 1000000 : (long)n;\n"
    "}\n"
    "static int by_value(const void *x, const void *y) {\n"
    "  double a = *(const double *)x, b = *(const double *)y;\n"
    "  return (a > b) - (a < b);\n"
    "}\n"
    "int main(void) {\n"
    "  Bufs p = bufs_tune_portable(), w = bufs_tune_wide();\n"
    "  long np = calls(run_tune_portable, &p), nw = calls(run_tune_wide, &w);\n"
    "  double tp[RUNS], tw[RUNS];\n"
    "  for (int r = 0; r < RUNS; r++) {\n"
    "    tp[r] = timed(run_tune_portable, &p, np);\n"
    "    tw[r] = timed(run_tune_wide, &w, nw);\n"
    "  }\n"
    "  qsort(tp, RUNS, sizeof *tp, by_value);\n"
    "  qsort(tw, RUNS, sizeof *tw, by_value);\n"
    "  printf(\"%%.9f %%.9f\\n\", tp[RUNS / 2], tw[RUNS / 2]);\n"
    "  return 0;\n"
    "}\n";

/* What timing the kernels of one shape needs: where its files go. */
typedef struct {
  char dir[4096], main_c[4200], exe[4200], times[4200];
} Bench;

static void put_main(FILE *f, const void *arg) {
  const TileShape *s = arg;
  fprintf(f, timing_main, s->dtype == DT_F64 ? "double" : "float", s->M * s->K, RUNS);
}

/* The median ms of one product of shape s with each tiles (TileKind's
 * order), timed alone.  0, or -1 with a message. */
static int measure(const Bench *b, TileShape s, double ms[2], char *err, size_t errlen) {
  char c[2][4200];
  const char *sources[3] = {b->main_c, c[0], c[1]};
  for (int k = 0; k < 2; k++) {
    snprintf(c[k], sizeof c[k], "%s/tune_%s.c", b->dir, tiles_kind_name((TileKind)k));
    if (emit_product(s, (TileKind)k, b->dir, err, errlen)) return -1;
  }
  if (rnnc_tmp_write(b->main_c, put_main, &s, err, errlen) ||
      native_compile_program(3, sources, b->exe, err, errlen))
    return -1;
  if (native_run_program(b->exe, b->times)) return ir_errorf(err, errlen, "%s: the timing program failed", b->exe);
  FILE *f = fopen(b->times, "r");
  int got = f ? fscanf(f, "%lf %lf", &ms[0], &ms[1]) : 0;
  if (f) fclose(f);
  return got == 2 ? 0 : ir_errorf(err, errlen, "%s: the timing program printed no times", b->exe);
}

/* A directory for the timing programs: $TMPDIR/rnnc-tune (or /tmp's), a
 * temporary of this process (rnnc_tmp.h). */
static int open_bench(Bench *b, char *err, size_t errlen) {
  const char *tmp = getenv("TMPDIR");
  char base[4000];
  snprintf(base, sizeof base, "%s/rnnc-tune", tmp && *tmp ? tmp : "/tmp");
  rnnc_tmp_sweep(tmp && *tmp ? tmp : "/tmp");
  if (rnnc_tmp_name(b->dir, sizeof b->dir, base) || mkdir(b->dir, 0700))
    return ir_errorf(err, errlen, "%s: cannot create a temporary directory", base);
  snprintf(b->main_c, sizeof b->main_c, "%s/main.c", b->dir);
  snprintf(b->exe, sizeof b->exe, "%s/tune", b->dir);
  snprintf(b->times, sizeof b->times, "%s/times.txt", b->dir);
  return 0;
}

/* Each shape of seen timed alone, a line of the table each, its choice
 * added to p. */
static int tune_shapes(const TileShapes *seen, TileProfile *p, FILE *out) {
  char err[1024];
  Bench b;
  if (open_bench(&b, err, sizeof err)) return ir_report("%s\n", err), 1;
  fprintf(out, "%7s %7s %7s %2s %2s %5s %11s %11s  %s\n", "M", "N", "K", "ta", "tb", "dtype", "portable", "wide",
          "choice");
  int rc = 0;
  for (int i = 0; !rc && i < seen->n; i++) {
    TileShape s = seen->shape[i];
    double ms[2];
    if ((rc = measure(&b, s, ms, err, sizeof err))) break;
    TileKind k = ms[TILES_PORTABLE] < (1 - MARGIN) * ms[TILES_WIDE] ? TILES_PORTABLE : TILES_WIDE;
    tiles_set(p, s, k);
    fprintf(out, "%7ld %7ld %7ld %2d %2d %5s %11.6f %11.6f  %s\n", s.M, s.N, s.K, s.ta, s.tb, ir_dtype_name(s.dtype),
            ms[0], ms[1], tiles_kind_name(k));
  }
  if (rc) ir_report("%s\n", err);
  rnnc_tmp_remove(b.dir);
  return rc;
}

/* The profile p written to path, or to this machine's place in the cache. */
static int write_profile(const TileProfile *p, const char *path, FILE *out) {
  char err[4400], where[4200], comment[600];
  if (!path && native_tiles_path(where, sizeof where, err, sizeof err)) return ir_report("%s\n", err), 1;
  snprintf(comment, sizeof comment, "measured by rnnc bench --tune; compiled with %s %s", native_cc(), native_cflags());
  path = path ? path : where;
  if (tiles_write(path, p, comment, err, sizeof err)) return ir_report("%s\n", err), 1;
  fprintf(out, "profile: %s (key %s)\n", path, p->key);
  return 0;
}

int tune_run(const BenchOptions *o, const char *path, FILE *out) {
  if (!native_wide_tiles()) {
    fprintf(out, "bench --tune: nothing to choose: wide tiles need 32 vector registers (AVX-512) and code compiled "
                 "for this machine (-march=native), and %s %s is not; every product has portable tiles, and no "
                 "profile is written\n", native_cc(), native_cflags());
    return 0;
  }
  TileShapes seen = {0};
  TileProfile p = {0};
  const char *what;
  double before[2], after[2];
  if (!path) native_tiles(&p); /* what was measured before, for other specs */
  native_tiles_key(p.key);
  fprintf(out, "bench --tune %s: tiles per product shape, %s %s\n", o->spec, native_cc(), native_cflags());
  int rc = bench_generated(o, (TileChoice){.fallback = TILES_WIDE, .seen = &seen}, &what, before);
  if (!rc) fprintf(out, "%d product shapes with tiles to choose; ms per product, each alone, median of %d runs:\n",
                   seen.n, RUNS);
  if (!rc) rc = tune_shapes(&seen, &p, out);
  if (!rc) rc = write_profile(&p, path, out);
  if (!rc) rc = bench_generated(o, tiles_choice(&p, TILES_WIDE), &what, after);
  if (!rc) {
    fprintf(out, "%s of generated code, ms per run, median and min of %d runs after one warm-up run:\n", what,
            o->repeat);
    fprintf(out, "%-22s %10.4f %10.4f\n", "default tiles (wide)", before[0], before[1]);
    fprintf(out, "%-22s %10.4f %10.4f\n", "tuned (the profile)", after[0], after[1]);
  }
  tile_shapes_free(&seen);
  tiles_free(&p);
  return rc;
}

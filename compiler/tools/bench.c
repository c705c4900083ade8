/*
 * bench.c - `rnnc bench`: the interpreter against generated code, one graph,
 * one run.
 *
 * Both backends get the same pipeline graphs (one for the training step, one
 * for predict) and the same random parameters and inputs, bound by name as
 * every command binds them (bind.h): the interpreter through its leaves, the
 * generated code through native_load, which is what `--backend c` runs.
 * Each computation runs once to warm up (caches, page faults, lazy binding),
 * then `repeat` times, each run timed alone with CLOCK_MONOTONIC; the table
 * gives the median and the minimum.  Only the computation is timed: building
 * graphs, generating C and compiling it are reported on a line of their own.
 * Everything runs in this thread; neither backend starts others.
 *
 * A timed training step of generated code updates its parameters in place
 * (NAME_train_step), so run k starts from the weights of run k-1; the
 * interpreter's step graph computes new values beside its leaves, so each of
 * its runs repeats the same step.  The work per run is the same either way.
 *
 * Generated code has the tiles of rnnc's own builds (native_tiles: this
 * machine's tile profile, if `rnnc bench --tune` measured one, tune.c).
 *
 * --compile measures the other side of the trade: how long the spec takes to
 * become C and the C to become an object, for growing T.
 */
#define _POSIX_C_SOURCE 200809L
#include "bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "native.h"
#include "bind.h"
#include "build.h"
#include "init.h"
#include "interp.h"
#include "pipeline.h"
#include "tiles.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const char *what, const char *msg) {
  ir_report("%s%s%s\n", what, *msg ? ": " : "", msg);
  return 1;
}

/* A scratch directory for generated files: $TMPDIR or /tmp. */
static int scratch_dir(char *dir, size_t size) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, size, "%s/rnnc-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  return mkdtemp(dir) ? 0 : fail(dir, "cannot create a scratch directory");
}

/* ---- timing ---- */

/* One of the two backends, ready to run its computation again. */
typedef struct {
  Interp *it;   /* the interpreter, or */
  Native *gc; /* generated code */
  uint64_t seed;
} Runner;

static int run_once(Runner *r, char *err, size_t errlen) {
  if (r->it) return interp_exec(r->it, err, errlen);
  native_exec(r->gc, r->seed);
  return 0;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One warm-up run, then `repeat` timed runs: ms[0] the median, ms[1] the min. */
static int time_runs(Runner *r, int repeat, double ms[2], char *err, size_t errlen) {
  double *t = mem_calloc((size_t)repeat, sizeof *t, "the timings");
  int rc = run_once(r, err, errlen);
  for (int i = 0; !rc && i < repeat; i++) {
    double t0 = now();
    rc = run_once(r, err, errlen);
    t[i] = (now() - t0) * 1e3;
  }
  qsort(t, (size_t)repeat, sizeof *t, by_value);
  ms[0] = repeat % 2 ? t[repeat / 2] : (t[repeat / 2 - 1] + t[repeat / 2]) / 2;
  ms[1] = t[0];
  free(t);
  return rc;
}

/* ---- the computations ---- */

typedef struct {
  const char *label, *key; /* in the table; in JSON */
  Goal goal;
  Graph *g;
  double interp[2], gen[2]; /* median, min in ms */
} Row;

/* Random parameters (as `rnnc init`) and inputs (as `rnnc inputs`) for every
 * leaf of the rows' graphs, each name once (the step graph's leaves include
 * predict's), added to the empty files w and x. */
static void random_data(const Row *rows, int nrows, uint64_t seed, StFile *w, StFile *x) {
  for (int r = 0; r < nrows; r++) {
    const Graph *g = rows[r].g;
    for (int i = 0; i < g->nparams + g->ninputs; i++) {
      const Node *n = i < g->nparams ? g->params[i] : g->inputs[i - g->nparams];
      StFile *f = i < g->nparams ? w : x;
      if (st_find(f, n->attr.name)) continue;
      void *buf = mem_calloc((size_t)ir_numel(n->shape), ir_dtype_size(n->dtype), "an input buffer");
      if (i >= g->nparams) init_input(g, n, seed, buf);
      else if (init_param(n, seed, buf)) die("cannot initialise '%s'", n->attr.name);
      bind_store(f, n->attr.name, n, buf);
      free(buf);
    }
  }
}

static int time_interp(Row *row, const StFile *w, const StFile *x, const BenchOptions *o, char *err, size_t errlen) {
  const Graph *g = row->g;
  Runner r = {.it = interp_new(g, o->seed)};
  int rc = 0;
  for (int i = 0; !rc && i < g->nparams + g->ninputs; i++) {
    const Node *n = i < g->nparams ? g->params[i] : g->inputs[i - g->nparams];
    rc = bind_load(i < g->nparams ? w : x, n, interp_leaf(r.it, n), err, errlen);
  }
  if (!rc) rc = time_runs(&r, o->repeat, row->interp, err, errlen);
  interp_free(r.it);
  return rc;
}

static int time_generated(Row *row, const char *so, const StFile *w, const StFile *x, const BenchOptions *o,
                          char *err, size_t errlen) {
  Runner r = {.gc = native_load(so, row->g, row->goal, w, x, err, errlen), .seed = o->seed};
  if (!r.gc) return -1;
  int rc = time_runs(&r, o->repeat, row->gen, err, errlen);
  native_free(r.gc);
  return rc;
}

static long file_bytes(const char *path) {
  struct stat st;
  return stat(path, &st) ? 0 : (long)st.st_size;
}

/* Generates the spec's C (with fe's overrides and the given tiles) into
 * dir, timed in *s: the paths of NAME.h and NAME.c (for the caller to remove
 * and free). */
static int generate_with(const BenchOptions *o, FeOptions fe, TileChoice tiles, const char *dir, char **h, char **c,
                         double *s) {
  BuildOptions eo = {.spec = o->spec, .fe = fe, .dir = dir, .tiles = tiles};
  char err[512] = "";
  double t0 = now();
  int rc = build_c(&eo, h, c, err, sizeof err);
  *s = now() - t0;
  if (!rc) return 0;
  if (*h) remove(*h), free(*h);
  if (*c) remove(*c), free(*c);
  return err[0] ? fail("generating C", err) : 1;
}

/* generate_with the tiles of rnnc's own builds (native_tiles). */
static int generate(const BenchOptions *o, FeOptions fe, const char *dir, char **h, char **c, double *s) {
  TileProfile p;
  int rc = generate_with(o, fe, native_tiles(&p), dir, h, c, s);
  tiles_free(&p);
  return rc;
}

/* Compiles c into the shared object so as --backend c does, with `flags`
 * (NULL: the backend's own), timed in *s. */
static int compile(const char *c, const char *flags, const char *so, double *s) {
  char err[512] = "";
  double t0 = now();
  int rc = native_compile(c, flags, so, err, sizeof err);
  *s = now() - t0;
  return rc ? fail("compiling", err) : 0;
}

/* What bench_run reports but does not time. */
typedef struct {
  double graphs_s, gen_s, cc_s; /* building the graphs, generating C, compiling it */
  long bytes;                   /* of NAME.h and NAME.c */
} Costs;

static void print_table(const BenchOptions *o, const Graph *g, const Row *rows, int nrows, const Costs *k,
                        FILE *out) {
  const ModelConfig *m = &g->cfg;
  fprintf(out, "bench %s (%s): batch %d, steps %d, %s, one thread\n", m->name, o->spec, m->batch, m->steps,
          ir_dtype_name(m->dtype));
  fprintf(out, "not timed below: graphs %.3f s, generate C %.2f s (%ld bytes), compile %.2f s (%s %s)\n",
          k->graphs_s, k->gen_s, k->bytes, k->cc_s, native_cc(), native_cflags());
  fprintf(out, "ms per run, median and min of %d runs after one warm-up run:\n", o->repeat);
  fprintf(out, "%-12s %12s %10s %12s %10s %18s\n", "computation", "interp", "min", "generated", "min",
          "interp/generated");
  for (int r = 0; r < nrows; r++)
    fprintf(out, "%-12s %12.4f %10.4f %12.4f %10.4f %17.1fx\n", rows[r].label, rows[r].interp[0], rows[r].interp[1],
            rows[r].gen[0], rows[r].gen[1], rows[r].interp[0] / rows[r].gen[0]);
}

static void print_json(const BenchOptions *o, const Graph *g, const Row *rows, int nrows, const Costs *k,
                       FILE *out) {
  const ModelConfig *m = &g->cfg;
  fprintf(out, "{\"spec\": ");
  ir_json_string(out, o->spec);
  fprintf(out, ", \"model\": ");
  ir_json_string(out, m->name);
  fprintf(out, ", \"batch\": %d, \"steps\": %d, \"dtype\": \"%s\", \"repeat\": %d, \"warmup\": 1,\n", m->batch,
          m->steps, ir_dtype_name(m->dtype), o->repeat);
  fprintf(out, " \"graphs_s\": %.6f, \"generate_s\": %.6f, \"compile_s\": %.6f, \"c_bytes\": %ld, \"cc\": ",
          k->graphs_s, k->gen_s, k->cc_s, k->bytes);
  ir_json_string(out, native_cc());
  fprintf(out, ", \"cflags\": ");
  ir_json_string(out, native_cflags());
  fprintf(out, ",\n \"rows\": [");
  for (int r = 0; r < nrows; r++)
    fprintf(out, "%s\n  {\"name\": \"%s\", \"interp_median_ms\": %.6f, \"interp_min_ms\": %.6f, "
                 "\"generated_median_ms\": %.6f, \"generated_min_ms\": %.6f, \"ratio\": %.4f}",
            r ? "," : "", rows[r].key, rows[r].interp[0], rows[r].interp[1], rows[r].gen[0], rows[r].gen[1],
            rows[r].interp[0] / rows[r].gen[0]);
  fprintf(out, "]}\n");
}

/* Does the spec train (a loss and an optimizer)?  Asked of the front end,
 * as `rnnc init` asks: 1 yes, 0 no, -1 after printing the spec's error. */
static int trains(const BenchOptions *o) {
  Graph *spec = fe_load(o->spec, &o->fe);
  if (!spec) return -1;
  int yes = spec->cfg.opt.kind != OPT_NONE && ir_find_result(spec, ROLE_LOSS, "loss");
  ir_graph_free(spec);
  return yes;
}

/* The rows the spec has (a train step if it trains, and predict), each
 * with its graph, in *rows and *nrows.  0, or 1 after an error. */
static int load_rows(const BenchOptions *o, Row all[2], Row **rows, int *nrows) {
  all[0] = (Row){"train step", "train", GOAL_STEP, NULL, {0}, {0}};
  all[1] = (Row){"predict", "predict", GOAL_PREDICT, NULL, {0}, {0}};
  int train = trains(o);
  if (train < 0) return 1;
  *rows = train ? all : all + 1;
  *nrows = train ? 2 : 1;
  for (int r = 0; r < *nrows; r++) {
    PipelineOptions po = {.spec = o->spec, .fe = o->fe, .goal = (*rows)[r].goal, .stop = STAGE_SCHEDULED};
    if (!((*rows)[r].g = pipeline_run(&po))) return 1;
  }
  return 0;
}

/* The spec's C with the given tiles compiled into a scratch directory
 * (dir, made here): the object's path in so, the costs in k. */
static int build_object(const BenchOptions *o, TileChoice tiles, char dir[static 4096], char so[static 4200],
                        Costs *k) {
  char *h = NULL, *c = NULL;
  if (scratch_dir(dir, 4096) || generate_with(o, o->fe, tiles, dir, &h, &c, &k->gen_s)) return 1;
  k->bytes = file_bytes(h) + file_bytes(c);
  snprintf(so, 4200, "%s/model.so", dir);
  int rc = compile(c, NULL, so, &k->cc_s);
  remove(h), remove(c), free(h), free(c);
  return rc;
}

static void free_rows(Row *rows, int nrows, char *dir, const char *so) {
  if (so[0]) remove(so);
  if (dir[0]) rmdir(dir);
  for (int r = 0; r < nrows; r++) ir_graph_free(rows[r].g);
}

int bench_run(const BenchOptions *o, FILE *out) {
  Row all[2], *rows = all;
  int nrows = 0;
  double t0 = now();
  int rc = load_rows(o, all, &rows, &nrows);
  Costs k = {.graphs_s = now() - t0};
  StFile w, x;
  st_init(&w), st_init(&x);
  char err[512] = "", dir[4096] = "", so[4200] = "";
  if (!rc) random_data(rows, nrows, o->seed, &w, &x);
  for (int r = 0; !rc && r < nrows; r++)
    if (time_interp(&rows[r], &w, &x, o, err, sizeof err)) rc = fail("interpreter", err);
  TileProfile profile = {0};
  if (!rc) rc = build_object(o, native_tiles(&profile), dir, so, &k);
  tiles_free(&profile);
  for (int r = 0; !rc && r < nrows; r++)
    if (time_generated(&rows[r], so, &w, &x, o, err, sizeof err)) rc = fail("generated code", err);
  if (!rc && o->json) print_json(o, rows[0].g, rows, nrows, &k, out);
  else if (!rc) print_table(o, rows[0].g, rows, nrows, &k, out);
  st_free(&w), st_free(&x);
  free_rows(rows, nrows, dir, so);
  return rc;
}

int bench_generated(const BenchOptions *o, TileChoice tiles, const char **what, double ms[2]) {
  Row all[2], *rows = all;
  int nrows = 0, rc = load_rows(o, all, &rows, &nrows);
  StFile w, x;
  st_init(&w), st_init(&x);
  char err[512] = "", dir[4096] = "", so[4200] = "";
  Costs k;
  if (!rc) random_data(rows, 1, o->seed, &w, &x);
  if (!rc) rc = build_object(o, tiles, dir, so, &k);
  if (!rc && time_generated(&rows[0], so, &w, &x, o, err, sizeof err)) rc = fail("generated code", err);
  *what = rows[0].label;
  memcpy(ms, rows[0].gen, sizeof rows[0].gen);
  st_free(&w), st_free(&x);
  free_rows(rows, nrows, dir, so);
  return rc;
}

/* ---- compile time ---- */

typedef struct {
  int steps;
  long bytes, lines, kernels;
  double gen_s, o2_s, cc_s; /* generate, compile at -O2, compile at the backend's flags */
} CompileRow;

/* Lines and kernels of generated C: a kernel is a definition that opens a
 * line with "static void k<digit>" (codegen/kernels.c names them kN_ops). */
static void count_code(const char *path, CompileRow *row) {
  FILE *f = fopen(path, "r");
  char line[256];
  bool start = true; /* at the start of a line */
  while (f && fgets(line, sizeof line, f)) {
    if (start) row->kernels += !strncmp(line, "static void k", 13) && line[13] >= '0' && line[13] <= '9';
    start = strchr(line, '\n') != NULL;
    row->lines += start;
  }
  if (f) fclose(f);
}

/* The first line of `CC --version`, for the record. */
static void compiler_version(char *buf, size_t size) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "%s --version 2>/dev/null", native_cc());
  FILE *p = popen(cmd, "r");
  buf[0] = 0;
  if (p && fgets(buf, (int)size, p)) buf[strcspn(buf, "\n")] = 0;
  if (p) pclose(p);
  if (!buf[0]) snprintf(buf, size, "%s", native_cc());
}

static int compile_row(const BenchOptions *o, const char *dir, CompileRow *row) {
  FeOptions fe = o->fe;
  fe.steps = row->steps;
  char *h = NULL, *c = NULL, so[4200];
  if (generate(o, fe, dir, &h, &c, &row->gen_s)) return 1;
  row->bytes = file_bytes(h) + file_bytes(c);
  count_code(c, row);
  snprintf(so, sizeof so, "%s/model.so", dir);
  int rc = compile(c, "-O2", so, &row->o2_s) || compile(c, NULL, so, &row->cc_s);
  remove(so), remove(h), remove(c), free(h), free(c);
  return rc;
}

int bench_compile(const BenchOptions *o, FILE *out) {
  CompileRow rows[3] = {{.steps = 28}, {.steps = 256}, {.steps = 1000}};
  int n = 3, rc = 0;
  if (o->fe.steps > 0) rows[0].steps = o->fe.steps, n = 1;
  char dir[4096], version[256];
  if (scratch_dir(dir, sizeof dir)) return 1;
  compiler_version(version, sizeof version);
  for (int i = 0; !rc && i < n; i++) rc = compile_row(o, dir, &rows[i]);
  rmdir(dir);
  if (rc) return rc;
  Graph *g = fe_load(o->spec, &o->fe);
  if (!g) return 1;
  const ModelConfig *m = &g->cfg;
  if (o->json) {
    fprintf(out, "{\"spec\": ");
    ir_json_string(out, o->spec);
    fprintf(out, ", \"model\": ");
    ir_json_string(out, m->name);
    fprintf(out, ", \"batch\": %d, \"dtype\": \"%s\", \"cc\": ", m->batch, ir_dtype_name(m->dtype));
    ir_json_string(out, version);
    fprintf(out, ", \"cflags\": ");
    ir_json_string(out, native_cflags());
    fprintf(out, ",\n \"rows\": [");
    for (int i = 0; i < n; i++)
      fprintf(out, "%s\n  {\"steps\": %d, \"c_bytes\": %ld, \"lines\": %ld, \"kernels\": %ld, \"generate_s\": %.4f, "
                   "\"compile_O2_s\": %.4f, \"compile_s\": %.4f}",
              i ? "," : "", rows[i].steps, rows[i].bytes, rows[i].lines, rows[i].kernels, rows[i].gen_s, rows[i].o2_s,
              rows[i].cc_s);
    fprintf(out, "]}\n");
  } else {
    fprintf(out, "bench --compile %s (%s): batch %d, %s; compiler %s\n", m->name, o->spec, m->batch,
            ir_dtype_name(m->dtype), version);
    fprintf(out, "seconds; compiled as --backend c compiles (-std=c99 -fPIC -shared), at -O2 and at %s\n",
            native_cflags());
    fprintf(out, "%6s %10s %8s %8s %11s %9s %9s %16s\n", "steps", "C bytes", "lines", "kernels", "generate", "cc -O2",
            "cc", "spec to -O2 .so");
    for (int i = 0; i < n; i++)
      fprintf(out, "%6d %10ld %8ld %8ld %11.2f %9.2f %9.2f %16.2f\n", rows[i].steps, rows[i].bytes, rows[i].lines,
              rows[i].kernels, rows[i].gen_s, rows[i].o2_s, rows[i].cc_s, rows[i].gen_s + rows[i].o2_s);
    /* constant from row to row when the cost grows linearly with T */
    for (int i = 1; i < n; i++) {
      double dt = (rows[i].steps - rows[i - 1].steps) / 1000.0;
      fprintf(out, "per 1000 more steps, T %d to %d: generate %.2f s, cc -O2 %.2f s, cc %.2f s, %.0f bytes\n",
              rows[i - 1].steps, rows[i].steps, (rows[i].gen_s - rows[i - 1].gen_s) / dt,
              (rows[i].o2_s - rows[i - 1].o2_s) / dt, (rows[i].cc_s - rows[i - 1].cc_s) / dt,
              (double)(rows[i].bytes - rows[i - 1].bytes) / dt);
    }
  }
  ir_graph_free(g);
  return 0;
}

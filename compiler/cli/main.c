/*
 * main.c - the rnnc command line.
 *
 * Each command is one row of `commands`: its name, the options it accepts,
 * a usage line and a handler.  Options are parsed once into Args by a
 * table-driven parser, so every command spells and checks them the same way.
 * Errors are one line on stderr and a non-zero exit: 1 for bad input (spec,
 * files, options), 70 for an internal compiler error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "native.h"
#include "bench.h"
#include "bind.h"
#include "lint.h"
#include "dot.h"
#include "build.h"
#include "evaluate.h"
#include "gradcheck.h"
#include "init.h"
#include "interp.h"
#include "pipeline.h"
#include "safetensors.h"
#include "sample.h"
#include "summary.h"
#include "team.h"
#include "tiles.h"
#include "train.h"
#include "tune.h"

typedef struct {
  const char *spec, *weights, *inputs, *out, *backend, *stage, *dump_after, *goal;
  const char **files, **cflags; /* every FILE given (spec is the first) and clang's -I/-D options */
  int nfiles, ncflags;
  unsigned long long seed;
  int dtype; /* -1: as the spec says */
  int batch, steps, samples, repeat;
  int window; /* train, eval: --window, the steps of a series' windows */
  double tol;
  const char *data, *resume, *prime; /* train, eval, sample */
  unsigned entries;                  /* build: --entry, emit_c.h's ENTRY_* bits (0: all) */
  int epochs, length, threads;
  long limit, eval_every;
  double lr, temperature;
  bool seed_given;
  bool json, stream, no_check, compile, mpi, tune;
  const char *tiles; /* build: --tiles portable, wide or a tile profile (tiles.h) */
} Args;

typedef struct {
  const char *name, *usage, *help;
  const char *options;  /* space-separated option names the command accepts */
  const char *required; /* those of them it cannot run without */
  int (*run)(const Args *a);
} Command;

static int fail(const char *fmt, const char *arg) {
  char msg[1024];
  snprintf(msg, sizeof msg, fmt, arg);
  ir_report("%s\n", msg);
  return 1;
}

/* ---- shared steps of the commands ---- */

static PipelineOptions pipeline_options(const Args *a, Goal goal) {
  return (PipelineOptions){
      .spec = a->spec,
      .fe = {.batch = a->batch, .steps = a->steps, .dtype = a->dtype},
      .goal = goal,
      .stop = STAGE_SCHEDULED,
      .dump_after = a->dump_after,
  };
}

static int read_file(const char *path, StFile *f) {
  char err[512];
  st_init(f);
  if (st_read(path, f, err, sizeof err)) return fail("%s", err);
  return 0;
}

static int write_file(const char *path, StFile *f) {
  char err[512];
  int rc = st_write(path, f, err, sizeof err) ? fail("%s", err) : 0;
  st_free(f);
  return rc;
}

static int check_backend(const Args *a) {
  if (a->backend && strcmp(a->backend, "interp") && strcmp(a->backend, "c"))
    return fail("unknown backend '%s' (interp or c)", a->backend);
  return 0;
}

/* grad, step and apply refuse to write a NaN or an infinity (weights that
 * would silently poison every later step): 1 with a message naming the
 * result and, when the weights or inputs w, x already held one, that cause. */
static int refuse_nonfinite(const Args *a, Goal goal, const StFile *w, const StFile *x, const StFile *out) {
  const StTensor *bad = bind_find_nonfinite(out);
  if (!bad) return 0;
  const StTensor *given = bind_find_nonfinite(x);
  const StFile *from = given ? x : w;
  if (!given) given = bind_find_nonfinite(w);
  char result[256], cause[512];
  if (given) snprintf(cause, sizeof cause, "%s: %s", from->path, bind_nonfinite_str(given, result, sizeof result));
  else
    snprintf(cause, sizeof cause, "the weights and inputs are finite: %s",
             goal == GOAL_GRAD ? "the computation overflows; smaller inputs or weights?"
                               : "lower the learning rate, or set clip_norm in model{}");
  const char *command = goal == GOAL_GRAD ? "grad" : goal == GOAL_STEP ? "step" : "apply";
  ir_report("%s: %s; %s not written (%s)\n", command,
          bind_nonfinite_str(bad, result, sizeof result), a->out, cause);
  return 1;
}

/* Runs g on the weights and inputs files and writes its results to a->out. */
static int run_graph(const Args *a, const PipelineOptions *po, Graph *g) {
  if (check_backend(a)) return 1;
  StFile w, x, out;
  if (read_file(a->weights, &w)) return 1;
  if (read_file(a->inputs, &x)) {
    st_free(&w);
    return 1;
  }
  st_init(&out);
  char err[512];
  int rc = a->backend && !strcmp(a->backend, "c") ? native_run(po, g, &w, &x, a->seed, &out, err, sizeof err)
                                                   : bind_run_interp(g, &w, &x, a->seed, &out, err, sizeof err);
  if (rc) fail("%s", err);
  else if (po->goal != GOAL_PREDICT && po->goal != GOAL_STREAM) rc = refuse_nonfinite(a, po->goal, &w, &x, &out);
  st_free(&w);
  st_free(&x);
  if (rc) {
    st_free(&out);
    return 1;
  }
  return write_file(a->out, &out);
}

/* ---- commands ---- */

/* Every parameter, and the optimizer's state when the spec trains: the
 * parameters of a step graph, else those of the forward graph. */
static Graph *all_params(const Args *a) {
  PipelineOptions po = pipeline_options(a, GOAL_STEP);
  Graph *spec = fe_load(a->spec, &po.fe);
  if (!spec) return NULL;
  bool trains = spec->cfg.opt.kind != OPT_NONE && ir_find_result(spec, ROLE_LOSS, "loss");
  ir_graph_free(spec);
  if (!trains) po = (PipelineOptions){.spec = a->spec, .fe = po.fe, .goal = GOAL_PREDICT, .stop = STAGE_FORWARD};
  return pipeline_run(&po);
}

/* A zeroed buffer for the value of leaf n. */
static void *leaf_buffer(const Node *n) {
  char what[300];
  snprintf(what, sizeof what, "tensor '%s'", n->attr.name);
  return mem_calloc((size_t)ir_numel(n->shape), ir_dtype_size(n->dtype), what);
}

static int cmd_init(const Args *a) {
  Graph *g = all_params(a);
  if (!g) return 1;
  StFile w;
  st_init(&w);
  for (int i = 0; i < g->nparams; i++) {
    const Node *p = g->params[i];
    void *buf = leaf_buffer(p);
    if (init_param(p, a->seed, buf)) die("cannot initialise '%s'", p->attr.name);
    bind_store(&w, p->attr.name, p, buf);
    free(buf);
  }
  ir_graph_free(g);
  return write_file(a->out, &w);
}

static int cmd_inputs(const Args *a) {
  PipelineOptions po = pipeline_options(a, GOAL_PREDICT);
  po.stop = STAGE_FORWARD; /* every input and target, before unused ones are dropped */
  Graph *g = pipeline_run(&po);
  if (!g) return 1;
  StFile x;
  st_init(&x);
  for (int i = 0; i < g->ninputs; i++) {
    const Node *in = g->inputs[i];
    void *buf = leaf_buffer(in);
    init_input(g, in, a->seed, buf);
    bind_store(&x, in->attr.name, in, buf);
    free(buf);
  }
  ir_graph_free(g);
  return write_file(a->out, &x);
}

/* One line per tensor: name, dtype, shape and, for numbers, min/max/mean. */
static int cmd_show(const Args *a) {
  StFile f;
  if (read_file(a->spec, &f)) return 1;
  for (int i = 0; i < f.ntensors; i++) {
    const StTensor *t = &f.tensors[i];
    printf("%-40s %s [", t->name, st_dtype_name(t->dtype));
    for (int k = 0; k < t->rank; k++) printf("%s%lld", k ? ", " : "", (long long)t->shape[k]);
    printf("]");
    double lo = 0, hi = 0, sum = 0;
    int64_t n = st_numel(t);
    for (int64_t k = 0; k < n; k++) {
      double v = st_get(t, k);
      lo = k == 0 || v < lo ? v : lo;
      hi = k == 0 || v > hi ? v : hi;
      sum += v;
    }
    if (n > 0) printf("  min %.6g max %.6g mean %.6g", lo, hi, sum / (double)n);
    printf("\n");
  }
  st_free(&f);
  return 0;
}

static int run_goal(const Args *a, Goal goal);

static int cmd_grad(const Args *a) { return run_goal(a, GOAL_GRAD); }

/* predict runs the batch forward; with --stream (generated code), one row
 * and one step at a time through NAME_step instead. */
static int cmd_predict(const Args *a) {
  PipelineOptions po = pipeline_options(a, GOAL_PREDICT);
  Graph *g = pipeline_run(&po);
  if (!g) return 1;
  if (a->stream && !(a->backend && !strcmp(a->backend, "c"))) {
    ir_graph_free(g);
    return fail("--stream runs generated code: add --backend c%s", "");
  }
  if (a->stream) {
    po.goal = GOAL_STREAM;
    PipelineOptions check = po; /* the streaming step's own errors, at the spec's line */
    check.stop = STAGE_FORWARD;
    Graph *sg = pipeline_run(&check);
    if (!sg) {
      ir_graph_free(g);
      return 1;
    }
    ir_graph_free(sg);
  }
  int rc = run_graph(a, &po, g);
  ir_graph_free(g);
  return rc;
}

/* step, and apply: the step's update from the gradients in a->inputs (the
 * grad.<param> tensors `rnnc grad` writes). */
static int run_goal(const Args *a, Goal goal) {
  PipelineOptions po = pipeline_options(a, goal);
  Graph *g = pipeline_run(&po);
  if (!g) return 1;
  int rc = run_graph(a, &po, g);
  ir_graph_free(g);
  return rc;
}

static int cmd_step(const Args *a) { return run_goal(a, GOAL_STEP); }

static int cmd_apply(const Args *a) { return run_goal(a, GOAL_APPLY); }

/* --tiles portable or wide: those tiles for every product; else a tile
 * profile's, portable for the shapes it does not name.  0, or 1 after
 * printing the profile's error at its line. */
static int build_tiles(const Args *a, TileProfile *p, TileChoice *c) {
  bool wide = a->tiles && !strcmp(a->tiles, "wide");
  char err[800];
  *p = (TileProfile){0};
  bool file = a->tiles && !wide && strcmp(a->tiles, "portable");
  if (file && access(a->tiles, F_OK))
    return fail("--tiles expects portable, wide or the path of a tile profile, got '%s' (no such file)", a->tiles);
  if (file && tiles_read(a->tiles, p, err, sizeof err)) {
    ir_show(stderr, err, strlen(err));
    fputc('\n', stderr);
    return 1;
  }
  *c = tiles_choice(p, wide ? TILES_WIDE : TILES_PORTABLE);
  return 0;
}

static int cmd_build(const Args *a) {
  BuildOptions o = {.spec = a->spec,
                   .fe = {.batch = a->batch, .steps = a->steps, .dtype = a->dtype},
                   .dir = a->out,
                   .embed_weights = a->weights,
                   .entries = a->entries};
  TileProfile profile;
  if (build_tiles(a, &profile, &o.tiles)) return 1;
  char *h = NULL, *c = NULL, err[512];
  err[0] = 0;
  int rc = build_c(&o, &h, &c, err, sizeof err);
  tiles_free(&profile);
  if (rc && err[0]) fail("%s", err);
  /* What was written must pass `rnnc check`; a violation is a compiler bug,
   * but the user gets the files and the checker's messages, not a crash. */
  const char *written[] = {h, c};
  if (!rc && !a->no_check && lint_files(2, written, 0, NULL, stderr))
    rc = fail("the generated code fails `rnnc check` (above); --no-check skips the check%s", "");
  if (!rc) printf("%s\n%s\n", h, c);
  free(h);
  free(c);
  return rc;
}

static int cmd_summary(const Args *a) {
  PipelineOptions po = pipeline_options(a, GOAL_GRAD);
  po.stop = STAGE_FORWARD;
  Graph *g = pipeline_run(&po);
  if (!g) return 1;
  if (a->json) summary_json(g, stdout);
  else summary_print(g, stdout);
  ir_graph_free(g);
  return 0;
}

static int cmd_graph(const Args *a) {
  static const struct { const char *name; Stage stage; } stages[] = {
      {"forward", STAGE_FORWARD}, {"unrolled", STAGE_UNROLLED}, {"backward", STAGE_BACKWARD}};
  PipelineOptions po = pipeline_options(a, GOAL_GRAD);
  const char *want = a->stage ? a->stage : "forward";
  int k = 0;
  while (k < 3 && strcmp(stages[k].name, want)) k++;
  if (k == 3) return fail("unknown stage '%s' (forward, unrolled or backward)", want);
  po.stop = stages[k].stage;
  Graph *g = pipeline_run(&po);
  if (!g) return 1;
  char err[512];
  int rc = dot_write(g, a->out, err, sizeof err) ? fail("%s", err) : 0;
  ir_graph_free(g);
  return rc;
}

static int cmd_ir(const Args *a) {
  static const struct { const char *name; Goal goal; } goals[] = {
      {"predict", GOAL_PREDICT}, {"stream", GOAL_STREAM}, {"loss", GOAL_LOSS}, {"grad", GOAL_GRAD}, {"step", GOAL_STEP},
      {"apply", GOAL_APPLY}};
  const int n = (int)(sizeof goals / sizeof goals[0]);
  const char *want = a->goal ? a->goal : "grad";
  int k = 0;
  while (k < n && strcmp(goals[k].name, want)) k++;
  if (k == n) return fail("unknown goal '%s' (predict, stream, loss, grad, step or apply)", want);
  PipelineOptions po = pipeline_options(a, goals[k].goal);
  po.dump_after = a->dump_after ? a->dump_after : "all";
  po.dump_to = stdout;
  Graph *g = pipeline_run(&po);
  if (!g) return 1;
  ir_graph_free(g);
  return 0;
}

static int cmd_gradcheck(const Args *a) {
  PipelineOptions po = pipeline_options(a, GOAL_GRAD);
  return gradcheck_run(&po, a->seed, a->samples, a->tol, stdout);
}

static int cmd_bench(const Args *a) {
  BenchOptions o = {.spec = a->spec,
                    .fe = {.batch = a->batch, .steps = a->steps, .dtype = a->dtype},
                    .repeat = a->repeat,
                    .seed = a->seed,
                    .json = a->json};
  if (a->out && !a->tune) return fail("bench: -o names the profile of --tune%s", "");
  if (a->tune && (a->compile || a->json)) return fail("bench: --tune goes with neither --compile nor --json%s", "");
  return a->tune ? tune_run(&o, a->out, stdout) : a->compile ? bench_compile(&o, stdout) : bench_run(&o, stdout);
}

static int cmd_check(const Args *a) {
  return lint_files(a->nfiles, a->files, a->ncflags, a->cflags, stderr);
}

/* --window W cuts a series in windows of W values, which the model reads in
 * W steps: it is --steps W by the name a user of series data looks for. */
static ToolOptions train_options(const Args *a) {
  int steps = a->window ? a->window : a->steps;
  return (ToolOptions){.spec = a->spec, .data = a->data, .weights = a->weights, .resume = a->resume, .out = a->out,
                        .prime = a->prime, .fe = {.batch = a->batch, .steps = steps, .dtype = a->dtype, .lr = a->lr},
                        .seed = a->seed, .seed_given = a->seed_given, .epochs = a->epochs, .limit = a->limit,
                        .eval_every = a->eval_every, .interp = a->backend && !strcmp(a->backend, "interp"),
                        .length = a->length, .temperature = a->temperature, .threads = a->threads, .mpi = a->mpi};
}

static int check_window(const Args *a) {
  if (a->window && a->steps && a->window != a->steps) {
    ir_report("--window %d and --steps %d differ: they are one setting (the values of a window, "
                    "the model's steps)\n", a->window, a->steps);
    return 1;
  }
  return 0;
}

static int cmd_train(const Args *a) {
  ToolOptions o = train_options(a);
  return check_backend(a) || check_window(a) ? 1 : train_run(&o);
}

static int cmd_eval(const Args *a) {
  ToolOptions o = train_options(a);
  return check_backend(a) || check_window(a) ? 1 : eval_run(&o);
}

static int cmd_sample(const Args *a) {
  ToolOptions o = train_options(a);
  return sample_run(&o);
}

static const Command commands[] = {
    {"init", "rnnc init SPEC -o W.safetensors [--seed N] [--dtype f32|f64]",
     "initial parameters (PyTorch's initialisers) and zeroed optimizer state",
     "-o --seed --dtype --batch --steps", "-o", cmd_init},
    {"inputs", "rnnc inputs SPEC -o X.safetensors [--seed N] [--dtype f32|f64]",
     "random inputs and targets for the spec (floats N(0,1), ids and labels uniform)",
     "-o --seed --dtype --batch --steps", "-o", cmd_inputs},
    {"show", "rnnc show FILE.safetensors", "the tensors of a file: name, dtype, shape, min/max/mean",
     "", "", cmd_show},
    {"grad", "rnnc grad SPEC --weights W --inputs X -o OUT [--backend interp|c] [--dtype f64]",
     "loss, outputs, metrics and grad.<param> for one batch",
     "--weights --inputs -o --backend --dtype --batch --steps --seed --dump-after",
     "--weights --inputs -o", cmd_grad},
    {"predict", "rnnc predict SPEC --weights W --inputs X -o Y [--backend interp|c [--stream]]",
     "the model's outputs for a batch (inference: dropout off, targets not needed)",
     "--weights --inputs -o --backend --stream --dtype --batch --steps", "--weights --inputs -o", cmd_predict},
    {"step", "rnnc step SPEC --weights W --inputs X -o W2 [--backend interp|c] [--dtype f64]",
     "one training step: forward, BPTT, clipping, optimizer; writes the new weights",
     "--weights --inputs -o --backend --dtype --batch --steps --seed --dump-after",
     "--weights --inputs -o", cmd_step},
    {"apply", "rnnc apply SPEC --weights W --inputs GRADS -o W2 [--backend interp|c] [--dtype f64]",
     "the optimizer's update (clipping included) from the grad.<param> tensors of GRADS (`rnnc grad` output)",
     "--weights --inputs -o --backend --dtype --batch --steps --dump-after", "--weights --inputs -o", cmd_apply},
    {"build", "rnnc build SPEC -o DIR [--entry LIST] [--dtype f32|f64] [--batch B] [--steps T] [--embed-weights W.safetensors] [--tiles portable|wide|PROFILE] [--no-check]",
     "generates DIR/NAME.h and DIR/NAME.c: unrolled, shape-specialised, malloc-free C99, checked as `rnnc check` does",
     "-o --entry --dtype --batch --steps --embed-weights --tiles --no-check", "-o", cmd_build},
    {"summary", "rnnc summary SPEC [--json]",
     "layers, output shapes, parameter counts, inputs and targets",
     "--json --dtype --batch --steps", "", cmd_summary},
    {"graph", "rnnc graph SPEC [--stage forward|unrolled|backward] -o FILE.dot",
     "the graph as a Graphviz picture (use a small --steps for readability)",
     "--stage -o --dtype --batch --steps --dump-after", "-o", cmd_graph},
    {"ir", "rnnc ir SPEC [--goal predict|stream|loss|grad|step|apply] [--dump-after PASS|all]",
     "the IR in text after each pass (or one), for tests and debugging",
     "--goal --dump-after --dtype --batch --steps", "", cmd_ir},
    {"gradcheck", "rnnc gradcheck SPEC [--samples N] [--tol E] [--seed N]",
     "finite-difference check of every gradient in double precision",
     "--samples --tol --seed --batch --steps --dump-after", "", cmd_gradcheck},
    {"bench", "rnnc bench SPEC [--batch B] [--steps T] [--dtype f32|f64] [--repeat N] [--json] [--compile] "
              "[--tune [-o PROFILE]]",
     "times interpreter vs generated code (train step, predict); --compile: generation and compile time; "
     "--tune: tiles per product shape, measured, into this machine's tile profile",
     "--batch --steps --dtype --repeat --json --compile --tune -o --seed", "", cmd_bench},
    {"train", "rnnc train SPEC --data DATA -o CKPT.safetensors [--epochs N] [--lr X] [--seed S] [--batch B] "
              "[--window W] [--limit N] [--eval-every BATCHES] [--resume CKPT] [--backend c|interp] [--threads N] "
              "[--mpi (under mpirun -n RANKS)]",
     "trains through generated code: shuffled batches, test loss/accuracy, checkpoint and CSV/SVG curves each epoch",
     "--data -o --epochs --lr --seed --batch --steps --window --dtype --limit --eval-every --resume --backend --threads "
     "--mpi",
     "-o", cmd_train},
    {"eval", "rnnc eval SPEC --weights CKPT [--data DATA] [--window W] [--limit N] [--backend c|interp]",
     "loss and accuracy on the test split (each example once), confusion matrix for classifiers",
     "--weights --data --limit --seed --batch --steps --window --dtype --backend", "--weights", cmd_eval},
    {"sample", "rnnc sample SPEC --weights CKPT [--prime TEXT] [--length N] [--temperature T] [--seed S]",
     "text from a character model, one step at a time through its streaming code",
     "--weights --prime --length --temperature --seed --dtype", "--weights", cmd_sample},
    {"check", "rnnc check FILE.c... [-I DIR] [-D NAME[=VALUE]]",
     "libclang check of generated C: warning-free C99, only libm calls, no recursion, VLA or globals",
     "FILE... -I -D", "", cmd_check},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static void usage(FILE *f) {
  fprintf(f, "usage: rnnc COMMAND SPEC [options]\n\ncommands:\n");
  for (int i = 0; i < NCOMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
  fprintf(f, "\ncommon options: --batch B, --steps T (override the spec), --dtype f32|f64,\n"
             "  --dump-after PASS|all (print the IR to stderr),\n"
             "  --spec-timeout SECONDS (the longest a spec may run, default 30)\n"
             "`rnnc COMMAND --help` shows one command's usage.\n");
}

/* ---- option parsing ---- */

/* Is opt one of the words of the space-separated list? */
static bool listed(const char *list, const char *opt) {
  size_t n = strlen(opt);
  for (const char *p = list; (p = strstr(p, opt)); p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return true;
  return false;
}

static int parse_int(const char *opt, const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < lo || v > hi) {
    ir_report("%s expects an integer in [%ld, %ld], got '%s'\n", opt, lo, hi, s);
    return 1;
  }
  *out = v;
  return 0;
}

static int parse_value(Args *a, const char *opt, const char *v) {
  long n;
  if (!strcmp(opt, "-o")) a->out = v;
  else if (!strcmp(opt, "--weights") || !strcmp(opt, "--embed-weights")) a->weights = v;
  else if (!strcmp(opt, "--inputs")) a->inputs = v;
  else if (!strcmp(opt, "--backend")) a->backend = v;
  else if (!strcmp(opt, "--stage")) a->stage = v;
  else if (!strcmp(opt, "--dump-after")) a->dump_after = v;
  else if (!strcmp(opt, "--goal")) a->goal = v;
  else if (!strcmp(opt, "--data")) a->data = v;
  else if (!strcmp(opt, "--resume")) a->resume = v;
  else if (!strcmp(opt, "--prime")) a->prime = v;
  else if (!strcmp(opt, "--entry")) {
    char err[200];
    if (!(a->entries = build_entries(v, err, sizeof err))) return fail("%s", err);
  }
  else if (!strcmp(opt, "--tiles")) a->tiles = v;
  else if (!strcmp(opt, "--dtype")) {
    if (strcmp(v, "f32") && strcmp(v, "f64")) return fail("--dtype expects f32 or f64, got '%s'", v);
    a->dtype = strcmp(v, "f32") ? DT_F64 : DT_F32;
  } else if (!strcmp(opt, "--seed")) {
    if (parse_int(opt, v, 0, 2147483647L, &n)) return 1;
    a->seed = (unsigned long long)n;
    a->seed_given = true;
  } else if (!strcmp(opt, "--batch") || !strcmp(opt, "--steps") || !strcmp(opt, "--samples") ||
             !strcmp(opt, "--window")) {
    long hi = !strcmp(opt, "--batch") ? IR_MAX_BATCH : !strcmp(opt, "--samples") ? 1 << 20 : IR_MAX_STEPS;
    if (parse_int(opt, v, 1, hi, &n)) return 1;
    *(opt[2] == 'b' ? &a->batch : opt[2] == 'w' ? &a->window : opt[3] == 't' ? &a->steps : &a->samples) = (int)n;
  } else if (!strcmp(opt, "--repeat")) {
    if (parse_int(opt, v, 1, 1000000, &n)) return 1;
    a->repeat = (int)n;
  } else if (!strcmp(opt, "--threads")) {
    if (parse_int(opt, v, 1, TEAM_MAX_MEMBERS, &n)) return 1;
    a->threads = (int)n;
  } else if (!strcmp(opt, "--eval-every")) {
    if (parse_int(opt, v, 1, 2147483647L, &n)) return 1;
    a->eval_every = n;
  } else if (!strcmp(opt, "--epochs") || !strcmp(opt, "--length") || !strcmp(opt, "--limit")) {
    if (parse_int(opt, v, opt[2] == 'e' ? 1 : 0, opt[2] == 'e' ? IR_MAX_EPOCHS : 2147483647L, &n)) return 1;
    if (opt[2] == 'e') a->epochs = (int)n;
    else if (opt[3] == 'e') a->length = (int)n;
    else a->limit = n;
  } else if (!strcmp(opt, "--lr") || !strcmp(opt, "--temperature")) {
    char *end;
    double x = strtod(v, &end);
    if (*end || end == v || !(opt[2] == 'l' ? x > 0 && x < 1e6 : x >= 0 && x < 1e6))
      return fail(opt[2] == 'l' ? "--lr expects a positive number, got '%s'" : "--temperature expects a number >= 0, got '%s'", v);
    *(opt[2] == 'l' ? &a->lr : &a->temperature) = x;
  } else if (!strcmp(opt, "--spec-timeout")) {
    char *end;
    double x = strtod(v, &end);
    if (*end || end == v || !(x > 0 && x <= 86400)) return fail("--spec-timeout expects seconds in (0, 86400], got '%s'", v);
    fe_set_timeout(x);
  } else if (!strcmp(opt, "--tol")) {
    char *end;
    a->tol = strtod(v, &end);
    if (*end || end == v || !(a->tol > 0)) return fail("--tol expects a positive number, got '%s'", v);
  } else
    return fail("unknown option '%s'", opt);
  return 0;
}

/* A clang option the command passes through as given (-I DIR, -IDIR,
 * -D NAME=V): how many arguments it spans, or 0 when s is not one. */
static int clang_option(const Command *c, const char *s) {
  const char flag[3] = {s[0], s[1], 0};
  if (strcmp(flag, "-I") && strcmp(flag, "-D")) return 0;
  return listed(c->options, flag) ? (s[2] ? 1 : 2) : 0;
}

/* Fills a; its files and cflags are allocated even when it fails. */
static int parse_args(const Command *c, int argc, char **argv, Args *a) {
  *a = (Args){.dtype = -1, .samples = 8, .tol = 1e-6, .repeat = 10, .length = 200, .temperature = 1.0,
              .files = mem_calloc((size_t)argc + 1, sizeof(char *), "the command line"),
              .cflags = mem_calloc((size_t)argc + 1, sizeof(char *), "the command line")};
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    int n;
    if (s[0] != '-') {
      if (a->nfiles && !listed(c->options, "FILE...")) /* listed by commands taking several */
        return fail("unexpected argument '%s' (one SPEC per command)", s);
      a->files[a->nfiles++] = s;
    } else if ((n = clang_option(c, s))) {
      if (i + n > argc) return fail("option '%s' needs a value", s);
      a->cflags[a->ncflags++] = s;
      if (n == 2) a->cflags[a->ncflags++] = argv[++i];
    } else if (!listed(c->options, s) && !(strcmp(s, "--spec-timeout") == 0 && c->run != cmd_show && c->run != cmd_check)) {
      ir_report("%s does not take option '%s'\nusage: %s\n", c->name, s, c->usage);
      return 1;
    } else if (!strcmp(s, "--json")) {
      a->json = true;
    } else if (!strcmp(s, "--stream")) {
      a->stream = true;
    } else if (!strcmp(s, "--no-check")) {
      a->no_check = true;
    } else if (!strcmp(s, "--compile")) {
      a->compile = true;
    } else if (!strcmp(s, "--mpi")) {
      a->mpi = true;
    } else if (!strcmp(s, "--tune")) {
      a->tune = true;
    } else if (i + 1 >= argc) {
      return fail("option '%s' needs a value", s);
    } else if (parse_value(a, s, argv[++i])) {
      return 1;
    }
  }
  if (!a->nfiles)
    return fail("missing %s", c->run == cmd_show    ? "FILE (a .safetensors file)"
                              : c->run == cmd_check ? "FILE (a .c file)"
                                                    : "SPEC (a .lua model file)");
  a->spec = a->files[0];
  const struct { const char *name, *value; } given[] = {
      {"--weights", a->weights}, {"--inputs", a->inputs}, {"-o", a->out}};
  for (int k = 0; k < 3; k++)
    if (listed(c->required, given[k].name) && !given[k].value) {
      ir_report("%s needs %s\nusage: %s\n", c->name, given[k].name, c->usage);
      return 1;
    }
  return 0;
}

int main(int argc, char **argv) {
  /* A message reaches stderr in one write, not a write per character: under mpirun, which
     forwards a rank's stdout and stderr through separate pipes, a progress line's newline
     could otherwise land inside an error message. */
  setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2;
  }
  for (int i = 0; i < NCOMMANDS; i++) {
    const Command *c = &commands[i];
    if (strcmp(argv[1], c->name)) continue;
    if (argc > 2 && !strcmp(argv[2], "--help")) {
      printf("usage: %s\n%s\n", c->usage, c->help);
      return 0;
    }
    Args a;
    int rc = parse_args(c, argc - 2, argv + 2, &a) ? 1 : c->run(&a);
    free(a.files);
    free(a.cflags);
    return rc;
  }
  ir_report("unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 1;
}

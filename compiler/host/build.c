/*
 * build.c - `rnnc build`: the pipeline per entry point, code generation, the
 * files.
 *
 * Which entry points a spec has is asked of the front end first (grad needs
 * a loss, train_step and apply an optimizer), so that a spec without them
 * still builds for inference; a spec whose state starts from a learned value,
 * or that reads a whole input as a sequence, has no streaming step
 * (pipeline_can_stream says so in a note).  --embed-weights is read here and handed to
 * code generation as a source of parameter values (bind.c's rules).
 */
#define _POSIX_C_SOURCE 200809L /* mkdir */
#include "build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "bind.h"
#include "emit_c.h"
#include "pipeline.h"
#include "rnnc_tmp.h"

/* The goal of each entry point (FnKind's order). */
static const Goal fn_goal[FN_COUNT] = {GOAL_PREDICT, GOAL_GRAD, GOAL_STEP, GOAL_APPLY, GOAL_STREAM};

/* What C asks of the spec: inputs, outputs and metrics named by
 * identifiers, and at least one parameter (ISO C has no empty arrays). */
static int check_for_c(const Graph *g, const char *spec) {
  if (g->nparams == 0) {
    fprintf(stderr, "%s: error: the spec has no parameters; generated code needs at least one (a layer or core.param)\n",
            spec);
    return 1;
  }
  for (int i = 0; i < g->ninputs + g->nresults; i++) {
    const char *name = i < g->ninputs ? g->inputs[i]->attr.name : g->results[i - g->ninputs].name;
    if (i >= g->ninputs && g->results[i - g->ninputs].role != ROLE_OUTPUT &&
        g->results[i - g->ninputs].role != ROLE_METRIC)
      continue;
    bool ok = (*name < '0' || *name > '9');
    for (const char *p = name; *p; p++)
      ok &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (!ok) {
      fprintf(stderr, "%s: error: '%s' cannot name a field of the generated C (use letters, digits and _)\n", spec,
              name);
      return 1;
    }
  }
  return 0;
}

static void put_text(FILE *f, const void *text) { fputs(text, f); }

/* Through a temporary (rnnc_tmp.h), so a kill never leaves half a file. */
static int write_atomic(const char *path, const char *text, char *err, size_t errlen) {
  return rnnc_tmp_write(path, put_text, text, err, errlen) ? 1 : 0;
}

static char *join_path(const char *dir, const char *name, const char *ext) {
  size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
  char *p = mem_alloc(n, 1, "a file name");
  snprintf(p, n, "%s/%s%s", dir, name, ext);
  return p;
}

/* Which entry points the spec can have: grad needs a loss, train_step also
 * an optimizer.  Asked of the front end, so that a spec without them still
 * builds (inference only).  false after the front end reported an error. */
static bool available(const BuildOptions *o, bool *grad, bool *step) {
  FeOptions fe = o->fe;
  fe.training = true;
  Graph *g = fe_load(o->spec, &fe);
  bool loaded = g != NULL;
  *grad = g && ir_find_result(g, ROLE_LOSS, "loss");
  *step = *grad && g->cfg.opt.kind != OPT_NONE;
  ir_graph_free(g);
  return loaded;
}

/* EmitParamSource over a weights file. */
static int weight_from_file(void *file, const Node *p, void *dst, char *err, size_t errlen) {
  return bind_load(file, p, dst, err, errlen);
}

/* The C names of the entry points, by bit of ENTRY_* (FnKind's order, then
 * init, store, load). */
static const char *const entry_names[] = {"predict", "grad", "train_step", "apply", "step", "init", "store", "load"};
enum { NENTRIES = sizeof entry_names / sizeof *entry_names };
_Static_assert(1u << NENTRIES == ENTRY_ALL + 1, "entry_names names every ENTRY_* bit");

unsigned build_entries(const char *list, char *err, size_t errlen) {
  unsigned entries = 0;
  for (const char *s = list; *s;) {
    size_t len = strcspn(s, ",");
    int k = 0;
    while (k < NENTRIES && (strlen(entry_names[k]) != len || strncmp(entry_names[k], s, len))) k++;
    if (k == NENTRIES) {
      snprintf(err, errlen, "--entry: no entry point '%.*s' (predict, grad, train_step, apply, step, init, store, load)",
               (int)(len > 40 ? 40 : len), s);
      return 0;
    }
    entries |= 1u << k;
    s += len + (s[len] == ',');
  }
  if (!entries) snprintf(err, errlen, "--entry: name at least one entry point");
  return entries;
}

/* The graph of each entry point asked for that the spec has (predict's
 * always: it names the model); the entries to emit in *entries.  0, or 1
 * after the front end or a pass printed a user error. */
static int run_pipelines(const BuildOptions *o, Graph **graphs, unsigned *entries) {
  bool grad, step;
  if (!available(o, &grad, &step)) return 1;
  bool can[FN_COUNT] = {true, grad, step, step, true};
  *entries = o->entries ? o->entries : ENTRY_ALL;
  for (int k = 0; k < FN_COUNT; k++) {
    bool asked = *entries & 1u << k;
    if (asked && !can[k] && o->entries) {
      fprintf(stderr, "%s: error: --entry %s: the spec has no %s\n", o->spec, entry_names[k],
              k == FN_GRAD ? "loss" : "loss and optimizer");
      return 1;
    }
    if ((asked && !can[k]) || (!asked && k != FN_PREDICT)) continue; /* by default, all it can */
    PipelineOptions po = {.spec = o->spec, .fe = o->fe, .goal = fn_goal[k], .stop = STAGE_SCHEDULED};
    if (k == FN_STREAM && !o->entries && !pipeline_can_stream(&po, !o->quiet)) continue; /* a learned initial state, a whole input as a sequence */
    if (!(graphs[k] = pipeline_run(&po))) return 1;
  }
  return check_for_c(graphs[graphs[FN_GRAD] ? FN_GRAD : FN_PREDICT], o->spec);
}

static int generate(const BuildOptions *o, EmitModel *m, char **hpath, char **cpath, char *err, size_t errlen) {
  if (mkdir(o->dir, 0777) && errno != EEXIST) {
    snprintf(err, errlen, "%s: cannot create the directory", o->dir);
    return 1;
  }
  StFile weights;
  if (o->embed_weights) {
    if (st_read(o->embed_weights, &weights, err, errlen)) return 1;
    const char *slash = strrchr(o->embed_weights, '/');
    m->weights = weight_from_file;
    m->weights_ctx = &weights;
    m->weights_file = slash ? slash + 1 : o->embed_weights; /* no build-tree paths in output */
  }
  char *h = NULL, *c = NULL;
  int rc = emit_c_model(m, &h, &c, err, errlen);
  if (o->embed_weights) st_free(&weights);
  if (!rc) {
    const char *name = m->graphs[FN_PREDICT]->cfg.name;
    *hpath = join_path(o->dir, name, ".h");
    *cpath = join_path(o->dir, name, ".c");
    rc = write_atomic(*hpath, h, err, errlen) || write_atomic(*cpath, c, err, errlen);
  }
  free(h);
  free(c);
  return rc;
}

int build_c(const BuildOptions *o, char **hpath, char **cpath, char *err, size_t errlen) {
  EmitModel m = {.spec = o->spec, .tiles = o->tiles};
  int rc = run_pipelines(o, m.graphs, &m.entries);
  if (!rc) rc = generate(o, &m, hpath, cpath, err, errlen);
  for (int k = 0; k < FN_COUNT; k++) ir_graph_free(m.graphs[k]);
  return rc;
}

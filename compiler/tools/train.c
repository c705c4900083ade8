/*
 * train.c - `rnnc train`: the training driver.
 *
 * The spec is generated and compiled once (native_build, cached by
 * content; --lr reaches the front end, so another learning rate is another
 * object) and loaded twice from the same object: the training step and
 * predict, one parameter blob each, the step's copied into predict's after
 * every epoch.  An epoch visits the training split in the order of a
 * Fisher-Yates shuffle drawn from (seed, epoch) with rnnc_rand.h, in batches
 * of the spec's size; the last partial batch is left out (the shuffle makes
 * it different examples every epoch).  Everything else - forward, BPTT with
 * its truncation, clipping, the optimizer - happens inside the generated
 * NAME_train_step, whose dropout seed is drawn from (seed, epoch, batch).
 * After each epoch predict runs over the whole test split (evaluate.c) and
 * the checkpoint (checkpoint.h) and the curves (progress.h) are rewritten.
 *
 * --threads N splits every batch of B into N shards of B/N examples: the
 * spec is compiled at batch B/N, N members of a team (team.h: N-1 threads
 * made once, and this one) each run NAME_grad on one shard, with a copy of
 * the parameters as of the last update and a dropout seed of its own, and
 * then NAME_apply updates the parameters once with the mean of the shards'
 * gradients.  Every loss rnnc knows is a mean over the examples of the batch
 * (and over their steps), and the shards are of one size, so that mean is
 * the gradient of the batch: the run computes what one thread computes,
 * but for the order of the sums (rounding) and the dropout masks.  N = 1 is
 * NAME_train_step as before, bit for bit.  The evaluations run on the team
 * too, each member predicting one part of the test split in whole batches;
 * their sums are added in order, so the test loss differs from one pass's
 * by rounding alone (N = 1: one pass).
 *
 * --mpi (under mpirun -n N) spreads the shards over the N ranks of an MPI
 * job (ranks.h), M = --threads of them on each: N x M shards of B / (N x M)
 * examples, shard k of rank i being shard i x M + k of --threads N x M, with
 * its examples and its dropout seed.  Every rank loads the data, draws the
 * same shuffle and holds the same parameters; after its members' grads it
 * sums their gradients, one MPI_Allreduce sums those sums over the ranks,
 * and every rank divides by N x M and runs NAME_apply, so the run computes
 * what --threads N x M computes, but for the order of the sums.  (With two
 * ranks of one thread, the order is the same: a + b is b + a.)  A small
 * allreduce gives every rank the batch's loss, so all see a non-finite one
 * at once; a vote after every batch makes a signal that reached any rank
 * stop them all at the same batch; and every CHECK_EVERY batches, and
 * before every checkpoint, the ranks compare a checksum of their
 * parameters and optimizer state, and stop if one differs.  Rank 0 alone
 * prints, evaluates on the test split and writes checkpoints and curves;
 * the others' stdout goes to /dev/null.  An error on one rank alone (a file
 * rank 0 cannot write, a shard's non-finite gradient) ends the job with
 * ranks_abort rather than leaving the others waiting in the next
 * collective call.
 *
 * Since the shuffle, the dropout seeds and the parameters with their
 * optimizer state are all a checkpoint holds of a run's state, a resumed run
 * computes bit for bit what the uninterrupted one computes.  SIGINT and
 * SIGTERM only set a flag: the batch under way finishes, the state as of that
 * batch goes to STEM.interrupted.safetensors, and the run exits with 128 +
 * the signal; what the last epoch wrote stays as it was.  A second signal
 * kills at once (SA_RESETHAND).
 */
#define _POSIX_C_SOURCE 200809L
#include "train.h"
#include "alloc.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "native.h"
#include "bind.h"
#include "checkpoint.h"
#include "data.h"
#include "evaluate.h"
#include "init.h"
#include "pipeline.h"
#include "curves.h"
#include "progress.h"
#include "rnnc_rand.h"
#include "ranks.h"
#include "team.h"

/* Random streams of the driver (rnnc_bits' second argument). */
#define STREAM_SHUFFLE 0x73687566666c65u /* "shuffle" */
#define STREAM_DROPOUT 0x64726f706f7574u /* "dropout" */

/* --mpi: the ranks compare their parameters every this many batches (a
 * checksum costs one pass over the blob, like the finiteness check). */
enum { CHECK_EVERY = 50 };

static int fail(const char *msg) {
  ir_report("%s\n", msg);
  return 1;
}

/* ---- signals ---- */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

typedef struct {
  struct sigaction old_int, old_term;
} Signals;

static void catch_signals(Signals *s) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART | SA_RESETHAND; /* a second signal is not caught */
  sigemptyset(&sa.sa_mask);
  stop_signal = 0;
  sigaction(SIGINT, &sa, &s->old_int);
  sigaction(SIGTERM, &sa, &s->old_term);
  /* a signal ignored when we started (a background job of a script, nohup) stays ignored */
  if (s->old_int.sa_handler == SIG_IGN) sigaction(SIGINT, &s->old_int, NULL);
  if (s->old_term.sa_handler == SIG_IGN) sigaction(SIGTERM, &s->old_term, NULL);
}

static void restore_signals(const Signals *s) {
  sigaction(SIGINT, &s->old_int, NULL);
  sigaction(SIGTERM, &s->old_term, NULL);
}

/* ---- the run ---- */

/* One shard of every batch: its examples, run through its own model; and
 * one part of every evaluation. */
typedef struct {
  Runner *runner;       /* the run's step (one thread), or a grad of its own (--threads) */
  void *dest[DATA_MAX_FIELDS], *scratch[DATA_MAX_FIELDS]; /* eval_dest's */
  const long *idx;      /* the shard's examples in this batch */
  uint64_t seed;        /* its dropout seed */
  double loss, acc;
  int rc;
  char err[1024];
  Runner *pred;         /* its part of the test split: the run's predict (member 0) or one of its own */
  EvalMetrics m;        /* that part's sums */
} Shard;

typedef struct {
  const ToolOptions *o;
  ToolModel tm;
  Dataset d;
  bool have_data;
  Checkpoint ck;        /* the state; history grows by one row per epoch */
  int epochs;           /* total */
  int batch, threads;   /* examples per batch; shards per batch in this process (B / (threads x ranks)
                           examples each) */
  bool mpi;             /* --mpi: one rank of an MPI job */
  int rank, ranks;      /* this process's rank, and the job's count (0 and 1 without --mpi) */
  bool agreed;          /* an error every rank met at once (no ranks_abort needed) */
  double reduce_s;      /* --mpi: seconds in the gradients' allreduce */
  long ntrain, ntest, nbatches;
  Runner *step, *pred;  /* step: the parameters and optimizer state (tm.step) */
  Shard *shards;        /* threads of them */
  Team *team;
  EvalMetrics m;
  char *stem, *interrupted;
  bool acc;             /* the model has an "accuracy" metric */
} Run;

/* Shards per batch over all ranks. */
static int nshards(const Run *r) { return r->threads * r->ranks; }

/* The order of epoch e: a Fisher-Yates shuffle of 0..n-1 drawn from (seed, e). */
static void shuffle(long *perm, long n, uint64_t seed, int e) {
  for (long i = 0; i < n; i++) perm[i] = i;
  for (long i = n - 1; i > 0; i--) {
    uint64_t r = rnnc_bits(seed, STREAM_SHUFFLE, (uint64_t)e << 40 | (uint64_t)i);
    long j = (long)(r % (uint64_t)(i + 1)), t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
}

/* Writes the step's parameters and optimizer state with the run's state to path. */
static int save(Run *r, const char *path) {
  char err[1024];
  StFile w;
  st_init(&w);
  int rc = runner_store_params(r->step, &w, err, sizeof err);
  if (!rc) rc = ckpt_write(path, &w, &r->ck, err, sizeof err);
  st_free(&w);
  return rc ? fail(err) : 0;
}

/* Parameters: the checkpoint's, or initialised as `rnnc init --seed` does. */
static void initial_weights(const Run *r, StFile *w) {
  const Graph *g = r->tm.step;
  for (int i = 0; i < g->nparams; i++) {
    const Node *p = g->params[i];
    void *buf = calloc((size_t)ir_numel(p->shape), ir_dtype_size(p->dtype));
    if (!buf || init_param(p, r->ck.seed, buf)) die("cannot initialise '%s'", p->attr.name);
    bind_store(w, p->attr.name, p, buf);
    free(buf);
  }
}

static long count_params(const Graph *g) {
  long n = 0;
  for (int i = 0; i < g->nparams; i++)
    if (g->params[i]->attr.trainable) n += ir_numel(g->params[i]->shape);
  return n;
}

static void print_header(const Run *r, const char *data) {
  const ModelConfig *c = &r->tm.step->cfg;
  char n1[32], n2[32], n3[32], shards[64] = "";
  long B = r->batch, dropped = r->ntrain - r->nbatches * B;
  if (r->mpi)
    snprintf(shards, sizeof shards, " (%d ranks x %d thread%s, %ld examples each)", r->ranks, r->threads,
             r->threads == 1 ? "" : "s", B / nshards(r));
  else if (r->threads > 1)
    snprintf(shards, sizeof shards, " (%d threads, %ld examples each)", r->threads, B / r->threads);
  printf("rnnc train %s (%s): %s parameters, batch %ld%s, steps %d, %s, %s lr %g%s, seed %llu\n", c->name, r->o->spec,
         progress_count(n1, sizeof n1, count_params(r->tm.step)), B, shards, c->steps, ir_dtype_name(c->dtype),
         c->opt.kind == OPT_ADAM ? "Adam" : "SGD", c->opt.lr, c->clip_norm > 0 ? ", clipping" : "",
         (unsigned long long)r->ck.seed);
  bool same = !strcmp(data, r->d.source);
  printf("data %s%s%s%s: %s training examples, %s batches of %ld per epoch", data, same ? "" : " (",
         same ? "" : r->d.source, same ? "" : ")", progress_count(n1, sizeof n1, r->ntrain),
         progress_count(n2, sizeof n2, r->nbatches), B);
  if (dropped)
    printf(" (the last partial batch, %ld example%s, is dropped: different ones after each shuffle)", dropped,
           dropped == 1 ? "" : "s");
  printf("; %s test examples", progress_count(n3, sizeof n3, r->ntest));
  if (r->ntrain < r->d.train.n || r->ntest < r->d.test.n)
    printf(" (--limit %ld; the data has %s training and %s test examples)", r->ck.limit,
           progress_count(n1, sizeof n1, r->d.train.n), progress_count(n2, sizeof n2, r->d.test.n));
  printf("\n");
  char base[256];
  if (eval_baselines(base, sizeof base, &r->m, NAN, &r->d, r->ntest)[0]) printf("baselines: %s\n", base);
  if (tool_model_so(&r->tm))
    printf("code %s (generated and compiled, or found in the cache, in %.1f s)\n", r->tm.so, r->tm.compile_s);
  else
    printf("running in the interpreter (--backend interp)\n");
}

/* Called after each batch and epoch: on a signal, saves the state as of now
 * and says where things are.  The exit status, or 0 to go on. */
static int check_stop(Run *r, Progress *p) {
  int sig = r->mpi ? ranks_max(stop_signal) : stop_signal; /* --mpi: all ranks stop if one was signalled */
  if (!sig) return 0;
  if (r->rank > 0) return 128 + sig;
  stop_signal = sig;
  if (p->tty) printf("\n");
  int rc = save(r, r->interrupted);
  long b = r->ck.batch_done;
  printf("interrupted by %s at epoch %d, batch %ld of %ld: %s %s\n", stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
         r->ck.epoch + (b > 0), b ? b : r->nbatches, r->nbatches, rc ? "could not write" : "state written to",
         r->interrupted);
  if (!rc)
    printf("resume with: rnnc train %s --resume %s -o %s\n", r->o->spec, r->interrupted, r->o->out);
  if (r->ck.epoch > 0 && (b > 0 || rc)) printf("%s holds epoch %d\n", r->o->out, r->ck.epoch);
  fflush(stdout);
  return 128 + stop_signal;
}

static void summary(const Run *r, double total_s, int trained) {
  const CkptEpoch *h = r->ck.history;
  int best = 0;
  bool acc = r->m.classifier;
  for (int e = 1; e < r->ck.epoch; e++)
    if (acc ? h[e].test_acc > h[best].test_acc : h[e].test_loss < h[best].test_loss) best = e;
  if (r->ck.epoch > 0) {
    if (acc) printf("best test accuracy %.4f at epoch %d (test loss %.4g)", h[best].test_acc, best + 1, h[best].test_loss);
    else printf("best test loss %.4g at epoch %d", h[best].test_loss, best + 1);
    printf("; last epoch %d: test loss %.4g", r->ck.epoch, h[r->ck.epoch - 1].test_loss);
    if (acc) printf(" accuracy %.4f", h[r->ck.epoch - 1].test_acc);
    printf("\n");
    char base[256];
    if (eval_baselines(base, sizeof base, &r->m, h[r->ck.epoch - 1].test_loss, &r->d, r->ntest)[0])
      printf("last epoch: %s\n", base);
  }
  if (trained) printf("%d epoch%s in %.1f s (%.2f s per epoch)\n", trained, trained == 1 ? "" : "s", total_s, total_s / trained);
  if (trained && r->mpi) {
    size_t bytes;
    runner_grads(r->step, &bytes);
    printf("allreduce of the gradients (%zu bytes per batch, rank 0): %.2f s, %.1f%% of the training time\n", bytes,
           r->reduce_s, 100 * r->reduce_s / total_s);
  }
  printf("checkpoint %s; curves %s.csv, %s.svg\n", r->o->out, r->stem, r->stem);
}

/* Settings from the command line, else the checkpoint, else the spec. */
static int settings(Run *r, bool resumed, FeOptions *fe, const char **data) {
  const ToolOptions *o = r->o;
  Checkpoint *ck = &r->ck;
  *fe = o->fe;
  *data = o->data;
  /* resumed: the checkpoint's shards per batch, when they spread evenly over these ranks (the same run) */
  r->threads = o->threads > 0 ? o->threads : resumed && ck->threads % r->ranks == 0 ? ck->threads / r->ranks : 1;
  if (!resumed) {
    ck->seed = o->seed, ck->limit = o->limit;
    return 0;
  }
  bool mid = ck->batch_done > 0;
  if (mid && ((fe->batch > 0 && fe->batch != ck->batch) || (o->seed_given && o->seed != ck->seed) ||
              (o->limit > 0 && o->limit != ck->limit)))
    return fail("the checkpoint stopped in the middle of an epoch: resume it with its own --batch, --seed and "
                "--limit (or leave them out)");
  if (fe->batch <= 0) fe->batch = ck->batch;
  if (fe->steps <= 0) fe->steps = ck->steps;
  if (fe->dtype < 0) fe->dtype = ck->dtype;
  if (fe->lr <= 0) fe->lr = ck->lr;
  if (o->seed_given) ck->seed = o->seed;
  if (o->limit > 0) ck->limit = o->limit;
  if (!*data) *data = ck->data;
  if (fe->batch != ck->batch || fe->steps != ck->steps || fe->dtype != ck->dtype || fe->lr != ck->lr ||
      nshards(r) != ck->threads || r->ranks != ck->ranks)
    printf("note: resuming with other settings than %s was trained with (batch %d, steps %d, %s, lr %g, threads %d, "
           "ranks %d)\n", o->resume, ck->batch, ck->steps, ck->dtype == DT_F64 ? "f64" : "f32", ck->lr, ck->threads,
           ck->ranks);
  return 0;
}

/* --threads N: generated code only, and the model compiled at the batch of
 * one shard (fe->batch becomes B / N).  0, or 1 after printing an error. */
static int shard_batch(Run *r, FeOptions *fe) {
  int n = nshards(r), B = fe->batch;
  if (r->mpi && r->o->interp)
    return fail("--mpi runs shards of a batch through generated code; the interpreter (--backend interp) "
                "cannot take part");
  if (n > TEAM_MAX_MEMBERS) {
    ir_report("--mpi: %d ranks x %d threads make %d shards of a batch, more than %d\n", r->ranks, r->threads, n,
              TEAM_MAX_MEMBERS);
    return 1;
  }
  if (n == 1) return 0;
  if (r->o->interp)
    return fail("--threads runs shards of a batch through generated code; the interpreter (--backend interp) "
                "takes --threads 1");
  if (B <= 0) {
    Graph *g = fe_load(r->o->spec, fe);
    if (!g) return 1;
    B = g->cfg.batch;
    ir_graph_free(g);
  }
  if (B % n && r->mpi) {
    ir_report("--mpi: %d ranks x %d thread%s do not divide the batch of %d into shards of one size (a --batch "
              "that is a multiple of %d will)\n", r->ranks, r->threads, r->threads == 1 ? "" : "s", B, n);
    return 1;
  }
  if (B % n) {
    ir_report("--threads %d does not divide the batch of %d into shards of one size (a --batch "
                    "that is a multiple of %d will)\n", n, B, n);
    return 1;
  }
  fe->batch = B / n;
  return 0;
}

/* Can files be created beside path?  Asked before an epoch is spent on it. */
static int writable_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
  if (!access(dir, W_OK)) return 0;
  ir_report("%s: cannot write in %s: %s\n", path, dir, strerror(errno));
  return 1;
}

/* g (of goal) from the compiled object, bound to the weights w and to zeroed
 * inputs (the driver fills them batch after batch). */
static Runner *load_runner(const Run *r, const Graph *g, Goal goal, const StFile *w, char *err, size_t errlen) {
  StFile zeros;
  st_init(&zeros);
  tool_zero_inputs(g, &zeros);
  Runner *runner = runner_load(tool_model_so(&r->tm), g, goal, w, &zeros, err, errlen);
  st_free(&zeros);
  return runner;
}

/* The shards of a batch: one, run through the step itself, or --threads of
 * them, each through a grad of its own, and as many parts of the test split;
 * and the team that runs them.  0, or -1 with a message. */
static int load_shards(Run *r, const StFile *w, char *err, size_t errlen) {
  const Graph *g = nshards(r) > 1 ? r->tm.grad : r->tm.step;
  for (int i = 0; i < g->nresults; i++)
    if (g->results[i].role == ROLE_METRIC && !strcmp(g->results[i].name, "accuracy")) r->acc = true;
  r->shards = mem_calloc((size_t)r->threads, sizeof *r->shards, "the shards");
  for (int s = 0; s < r->threads; s++) {
    Shard *sh = &r->shards[s];
    sh->runner = nshards(r) > 1 ? load_runner(r, g, GOAL_GRAD, w, err, errlen) : r->step;
    if (!sh->runner || eval_dest(sh->runner, g, &r->d.train, g->cfg.batch, sh->dest, sh->scratch, err, errlen))
      return -1;
    sh->pred = s ? load_runner(r, r->tm.pred, GOAL_PREDICT, w, err, errlen) : r->pred;
    if (!sh->pred || eval_metrics_init(&sh->m, r->tm.fwd, r->tm.pred, err, errlen)) return -1;
  }
  r->team = team_new(r->threads, err, errlen);
  return r->team ? 0 : -1;
}

static void free_shards(Run *r) {
  team_free(r->team);
  for (int s = 0; r->shards && s < r->threads; s++) {
    eval_dest_free(&r->d.train, r->shards[s].scratch);
    if (nshards(r) > 1) runner_free(r->shards[s].runner);
    if (s) runner_free(r->shards[s].pred);
    eval_metrics_free(&r->shards[s].m);
  }
  free(r->shards);
}

static int setup(Run *r, StFile *w) {
  const ToolOptions *o = r->o;
  char err[1024];
  if (writable_dir(o->out)) return 1;
  bool resumed = o->resume != NULL;
  if (resumed && ckpt_read(o->resume, w, &r->ck, err, sizeof err)) return fail(err);
  FeOptions fe;
  const char *data;
  if (settings(r, resumed, &fe, &data)) return 1;
  if (!data || !data[0]) return fail("train needs --data DATA (fashion-mnist, sine, a .csv series or a text file)");
  if (shard_batch(r, &fe)) return 1;
  if (tool_model_build(o->spec, fe, (nshards(r) > 1 ? TOOL_SHARDS : TOOL_STEP) | (o->interp ? TOOL_INTERP : 0), &r->tm))
    return 1;
  const ModelConfig *c = &r->tm.step->cfg;
  r->batch = c->batch * nshards(r);
  r->epochs = o->epochs > 0 ? o->epochs : resumed ? r->ck.epochs : c->epochs > 0 ? c->epochs : 1;
  r->ck.epochs = r->epochs;
  DataOptions dopt = {.seed = r->ck.seed};
  bool recorded = data == r->ck.data; /* a checkpoint from elsewhere may name any path: say which */
  if (recorded) fprintf(stderr, "rnnc: data: %s (from the checkpoint)\n", data);
  if (data_load(data, r->tm.fwd, &dopt, &r->d, err, sizeof err)) {
    if (recorded) ir_report("%s (the data %s names; --data DATA trains on other data)\n", err, o->resume);
    return recorded ? 1 : fail(err);
  }
  r->have_data = true;
  if (resumed && r->ck.nvocab && (r->ck.nvocab != r->d.nvocab || memcmp(r->ck.vocab, r->d.vocab, (size_t)r->d.nvocab))) {
    ir_report("%s: the vocabulary of the data differs from the one %s was trained with\n", data,
            o->resume);
    return 1;
  }
  if (resumed && strcmp(r->ck.source, r->d.source))
    printf("note: %s was trained on %s; going on with %s\n", o->resume, r->ck.source, r->d.source);
  snprintf(r->ck.spec, sizeof r->ck.spec, "%s", o->spec);
  if (!recorded) snprintf(r->ck.data, sizeof r->ck.data, "%s", data);
  snprintf(r->ck.source, sizeof r->ck.source, "%s", r->d.source);
  r->ck.batch = r->batch, r->ck.threads = nshards(r), r->ck.ranks = r->ranks, r->ck.steps = c->steps, r->ck.dtype = c->dtype, r->ck.lr = c->opt.lr;
  r->ck.nvocab = r->d.nvocab;
  memcpy(r->ck.vocab, r->d.vocab, sizeof r->ck.vocab);
  long limit = r->ck.limit;
  r->ntrain = limit > 0 && limit < r->d.train.n ? limit : r->d.train.n;
  r->ntest = limit > 0 && limit < r->d.test.n ? limit : r->d.test.n;
  r->nbatches = r->ntrain / r->batch;
  if (r->nbatches == 0) {
    ir_report("%s: %ld training examples, fewer than one batch of %d (--batch)\n", r->d.source,
            r->ntrain, r->batch);
    return 1;
  }
  if (r->ntest == 0) {
    ir_report("%s: the test split is empty\n", r->d.source);
    return 1;
  }
  if (r->ck.batch_done > r->nbatches) return fail("the checkpoint's batch index is past the end of its epoch");
  if (eval_metrics_init(&r->m, r->tm.fwd, r->tm.pred, err, sizeof err)) return fail(err);
  if (!r->ck.history) {
    r->ck.history = mem_calloc(1, sizeof *r->ck.history, "the history");
  }
  if (!resumed) initial_weights(r, w);
  r->step = load_runner(r, r->tm.step, nshards(r) > 1 ? GOAL_APPLY : GOAL_STEP, w, err, sizeof err);
  if (r->step) r->pred = load_runner(r, r->tm.pred, GOAL_PREDICT, w, err, sizeof err);
  if (!r->step || !r->pred || load_shards(r, w, err, sizeof err)) return fail(err);
  print_header(r, data);
  if (resumed)
    printf("resuming %s: %d epoch%s done%s\n", o->resume, r->ck.epoch, r->ck.epoch == 1 ? "" : "s",
           r->ck.batch_done ? ", and part of the next" : "");
  if (resumed && r->ck.batch_done)
    printf("epoch %d goes on at batch %ld of %ld\n", r->ck.epoch + 1, r->ck.batch_done + 1, r->nbatches);
  fflush(stdout);
  return 0;
}

/* Member s of the team: its part of the test split (whole batches of
 * predict's, but for the split's last) through its own predict, from the
 * step's current parameters. */
static void eval_part(void *ctx, int s) {
  Run *r = ctx;
  Shard *sh = &r->shards[s];
  long B = r->tm.pred->cfg.batch, batches = (r->ntest + B - 1) / B;
  long from = batches * s / r->threads * B, to = batches * (s + 1) / r->threads * B;
  runner_copy_params(sh->pred, r->step);
  eval_metrics_reset(&sh->m);
  sh->rc = eval_split(sh->pred, r->tm.pred, &r->d.test, from, to < r->ntest ? to : r->ntest, &sh->m, sh->err,
                      sizeof sh->err);
}

/* The test split through predict with the step's current parameters, in
 * one part per member of the team at once; the parts' sums are added in
 * order (one part: what one pass over the split sums). */
static int evaluate(Run *r) {
  team_run(r->team, eval_part, r);
  eval_metrics_reset(&r->m);
  for (int s = 0; s < r->threads; s++) {
    if (r->shards[s].rc) return fail(r->shards[s].err);
    eval_metrics_add(&r->m, &r->shards[s].m);
  }
  return 0;
}

/* --eval-every: the test split after batch `done` of the epoch under way,
 * reported as a line of its own with the training seconds so far (those of
 * the epochs before, their end-of-epoch evaluations included, and of this
 * one).  The seconds it took, or -1 after an error. */
static double eval_mid_epoch(Run *r, Progress *p, long done) {
  double t = progress_now();
  if (evaluate(r)) return -1;
  const Checkpoint *ck = &r->ck;
  double trained = ck->seconds;
  for (int k = 0; k < ck->epoch; k++) trained += ck->history[k].seconds;
  char line[256];
  int n = snprintf(line, sizeof line, "  test after %.2f epochs, %.1f s of training: loss %.4f",
                   ck->epoch + (double)done / (double)r->nbatches, trained, eval_loss(&r->m));
  if (r->m.classifier) snprintf(line + n, sizeof line - (size_t)n, " acc %.4f", eval_accuracy(&r->m));
  double took = progress_now() - t;
  progress_note(p, line, took);
  return took;
}

/* Member s of the team: shard s of the batch.  With --threads, its grad
 * starts from a copy of the trainable parameters as of the last update,
 * which nobody writes while the shards run (the optimizer's state, which a
 * grad never reads, is not copied).  A copy rather than one shared blob,
 * since copying the parameters costs a fraction of a percent of a shard's
 * grad (bench/README.md). */
static void run_shard(void *ctx, int s) {
  Run *r = ctx;
  Shard *sh = &r->shards[s];
  if (nshards(r) > 1) runner_copy_trainable(sh->runner, r->step);
  data_gather(&r->d.train, sh->idx, r->batch / nshards(r), r->tm.step->cfg.dtype, sh->dest);
  sh->rc = runner_exec(sh->runner, sh->seed, sh->err, sizeof sh->err);
  sh->loss = runner_loss(sh->runner);
  sh->acc = r->acc ? runner_metric(sh->runner, "accuracy") : 0;
}

/* Member s's part of the mean of the shards' gradients (each the gradient
 * of a mean over as many examples as the others) into apply's blob: one
 * slice of the blob per member, so the mean takes the cores the shards
 * did; with --mpi, this rank's sum, divided after the allreduce. */
static void mean_slice(void *ctx, int s) {
  Run *r = ctx;
  size_t bytes, shard_bytes;
  void *mean = runner_grads(r->step, &bytes);
  const void *g[TEAM_MAX_MEMBERS];
  for (int k = 0; k < r->threads; k++) {
    g[k] = runner_grads(r->shards[k].runner, &shard_bytes);
    if (shard_bytes != bytes) die("the gradients of grad and apply differ in size");
  }
  bool f64 = r->tm.step->cfg.dtype == DT_F64;
  size_t n = bytes / (f64 ? sizeof(double) : sizeof(float));
  size_t from = n * (size_t)s / (size_t)r->threads, to = n * (size_t)(s + 1) / (size_t)r->threads;
  int divide = r->mpi ? 1 : r->threads; /* --mpi: after the allreduce */
  for (size_t i = from; i < to; i++) {
    double sum = 0;
    if (f64) for (int k = 0; k < r->threads; k++) sum += ((const double *)g[k])[i];
    else for (int k = 0; k < r->threads; k++) sum += ((const float *)g[k])[i];
    if (f64) ((double *)mean)[i] = sum / divide;
    else ((float *)mean)[i] = (float)(sum / divide);
  }
}

/* The batch's gradient, into apply's blob: the mean of the shards'
 * (mean_slice, on the team); with --mpi, summed over the ranks by one
 * allreduce, then divided. */
static void average_grads(Run *r) {
  team_run(r->team, mean_slice, r);
  if (!r->mpi) return;
  size_t bytes;
  void *mean = runner_grads(r->step, &bytes);
  bool f64 = r->tm.step->cfg.dtype == DT_F64;
  size_t n = bytes / (f64 ? sizeof(double) : sizeof(float));
  double t = progress_now();
  ranks_sum(mean, n, f64);
  r->reduce_s += progress_now() - t;
  int total = nshards(r);
  for (size_t i = 0; i < n; i++)
    if (f64) ((double *)mean)[i] /= total;
    else ((float *)mean)[i] = (float)((double)((float *)mean)[i] / total);
}

/* One batch (examples idx; index: (epoch, batch) for its dropout seeds):
 * every shard at once, then with --threads the update from their mean
 * gradient.  Its loss and accuracy are the means of the shards'.  0, or -1
 * with a message. */
static int train_batch(Run *r, const long *idx, uint64_t index, double *loss, double *acc, char *err, size_t errlen) {
  int n = r->threads, total = nshards(r), rows = r->batch / total;
  for (int s = 0; s < n; s++) {
    int k = r->rank * n + s; /* the shard of the whole batch: --threads total's shard k */
    r->shards[s].idx = idx + (long)k * rows;
    /* shard 0 draws what one thread draws for the whole batch */
    r->shards[s].seed = rnnc_bits(r->ck.seed, STREAM_DROPOUT, (uint64_t)k << 56 | index);
  }
  team_run(r->team, run_shard, r);
  double sums[2] = {0, 0}; /* loss, accuracy */
  for (int s = 0; s < n; s++) {
    if (r->shards[s].rc) return ir_errorf(err, errlen, "%s", r->shards[s].err);
    sums[0] += r->shards[s].loss, sums[1] += r->shards[s].acc;
  }
  if (r->mpi) ranks_sum_doubles(sums, 2);
  *loss = sums[0] / total, *acc = sums[1] / total;
  if (total == 1) return 0;
  average_grads(r);
  return runner_exec(r->step, 0, err, errlen);
}

/* FNV-1a over n bytes, going on from h (FNV_START to begin). */
#define FNV_START 0xcbf29ce484222325u
static uint64_t fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3u;
  return h;
}

/* --mpi: 0 if every rank holds the parameters and optimizer state this one
 * does (a checksum of the blob: FNV-1a), else 1 after rank 0 says which
 * differs.  Every rank learns the outcome, so all stop together.  `where`
 * says when, for the message. */
static int same_params(Run *r, const char *where) {
  if (!r->mpi) return 0;
  size_t bytes;
  const void *p = runner_params(r->step, &bytes);
  uint64_t h = fnv1a(FNV_START, p, bytes);
  uint64_t *all = mem_alloc((size_t)r->ranks, sizeof *all, "the checksums");
  ranks_gather(h, all);
  int k = 1;
  while (k < r->ranks && all[k] == all[0]) k++;
  if (k < r->ranks && r->rank == 0)
    ir_report("--mpi: the ranks drifted apart: %s, rank %d's parameters differ from rank 0's (checksums %016llx, "
              "%016llx); stopped (the last checkpoint is as it was)\n", where, k, (unsigned long long)all[k],
              (unsigned long long)all[0]);
  free(all);
  if (k == r->ranks) return 0;
  r->agreed = true;
  return 1;
}

/* NULL if the batch just trained left everything finite, else what is not,
 * into buf.  The loss is free to check; the parameters and optimizer state
 * cost one pass over the blob, under 1% of a step (fmnist_lstm), and catch
 * what the loss cannot show yet: a gradient that overflowed in this update
 * (Adam's inf / inf, SGD's w - inf), or a state that stalls (v = inf). */
static const char *nonfinite(Runner *step_runner, double loss, char *buf, size_t size) {
  if (!isfinite(loss)) {
    snprintf(buf, size, "the loss is %s", isnan(loss) ? "NaN" : loss > 0 ? "inf" : "-inf");
    return buf;
  }
  char what[256];
  if (!runner_nonfinite_params(step_runner, what, sizeof what)) return NULL;
  snprintf(buf, size, "after the update, %s", what);
  return buf;
}

/* True if the batch's data as the shards read it holds a NaN or an infinity
 * (the loaders refuse those, but a value beyond f32's range becomes inf). */
static bool batch_nonfinite(const Run *r) {
  const Graph *g = nshards(r) > 1 ? r->tm.grad : r->tm.step;
  for (int s = 0; s < r->threads; s++)
    for (int i = 0; i < g->ninputs; i++) {
      const Node *x = g->inputs[i];
      const void *data = runner_buffer(r->shards[s].runner, x->attr.name);
      if (ir_is_float(x->dtype) && !bind_all_finite(data, ir_numel(x->shape), x->dtype)) return true;
    }
  return false;
}

/* Stops the run at batch b of the current epoch for `what`: what is on disk
 * is the last epoch's checkpoint, as it was.  Returns 1. */
static int stop_nonfinite(const Run *r, const Progress *p, long b, const char *what) {
  if (p->tty) printf("\n");
  int e = r->ck.epoch;
  ir_report("epoch %d, batch %ld: %s; stopped (hint: %s)", e + 1, b + 1, what,
          batch_nonfinite(r) ? "the batch's data holds NaN or inf: values beyond the range of the model's dtype?"
                             : "lower the learning rate with --lr, or set clip_norm in model{}");
  if (e > 0) fprintf(stderr, "; %s holds epoch %d", r->o->out, e);
  fprintf(stderr, "\n");
  return 1;
}

/* One epoch (or what is left of it).  0, 128 + signal, or 1. */
static int epoch(Run *r, long *perm, Progress *p) {
  Checkpoint *ck = &r->ck;
  int e = ck->epoch, B = r->batch;
  shuffle(perm, r->ntrain, ck->seed, e);
  progress_begin(p, stdout, e + 1, r->epochs, r->nbatches, B, ck->batch_done);
  double t0 = progress_now(), before = ck->seconds, paused = 0; /* paused: mid-epoch evaluations */
  for (long b = ck->batch_done; b < r->nbatches; b++) {
    char err[1024];
    double loss = 0, acc = 0;
    if (train_batch(r, perm + b * B, (uint64_t)e << 32 | (uint64_t)b, &loss, &acc, err, sizeof err)) return fail(err);
    const char *bad = nonfinite(r->step, loss, err, sizeof err);
    if (bad) {
      r->agreed = true; /* the loss is the batch's and the parameters the same on every rank */
      return r->rank ? 1 : stop_nonfinite(r, p, b, bad);
    }
    if ((b + 1) % CHECK_EVERY == 0) {
      char where[64];
      snprintf(where, sizeof where, "after batch %ld of epoch %d", b + 1, e + 1);
      if (same_params(r, where)) return 1;
    }
    ck->loss_sum += loss;
    ck->acc_sum += acc;
    ck->batch_done = b + 1;
    ck->seconds = before + progress_now() - t0 - paused;
    long k = b + 1;
    progress_update(p, k, ck->loss_sum / (double)k, r->acc ? ck->acc_sum / (double)k : NAN);
    if (b + 1 < r->nbatches) {
      if (r->o->eval_every > 0 && k % r->o->eval_every == 0 && r->rank == 0) {
        double took = eval_mid_epoch(r, p, k);
        if (took < 0) return 1;
        paused += took;
      }
      int rc = check_stop(r, p);
      if (rc) return rc;
    }
  }
  char where[64];
  snprintf(where, sizeof where, "at the end of epoch %d", e + 1);
  if (same_params(r, where)) return 1;
  if (r->rank == 0 && evaluate(r)) return 1; /* rank 0 alone evaluates and writes */
  CkptEpoch row = {ck->loss_sum / (double)r->nbatches, r->acc ? ck->acc_sum / (double)r->nbatches : NAN,
                   eval_loss(&r->m), eval_accuracy(&r->m), before + progress_now() - t0 - paused};
  CkptEpoch *h = mem_realloc(ck->history, (size_t)(e + 2), sizeof *h, "the history");
  ck->history = h;
  h[e] = row;
  ck->epoch = e + 1, ck->batch_done = 0, ck->loss_sum = ck->acc_sum = ck->seconds = 0;
  progress_end(p, &row);
  if (r->rank > 0) return check_stop(r, p);
  char err[1024];
  if (save(r, r->o->out)) return 1;
  char title[256];
  int best = 0;
  for (int k = 1; k < ck->epoch; k++)
    if (r->m.classifier ? h[k].test_acc > h[best].test_acc : h[k].test_loss < h[best].test_loss) best = k;
  if (r->m.classifier)
    snprintf(title, sizeof title, "%s: best test accuracy %.4f (epoch %d)", r->tm.step->cfg.name, h[best].test_acc, best + 1);
  else
    snprintf(title, sizeof title, "%s: best test loss %.4g (epoch %d)", r->tm.step->cfg.name, h[best].test_loss, best + 1);
  if (curves_write(r->stem, title, ck->history, ck->epoch, r->m.classifier, err, sizeof err))
    return fail(err);
  return check_stop(r, p);
}

/* ---- --mpi: starting the job ---- */

/* Joins the MPI job.  Ranks other than 0 print nothing on stdout (rank 0
 * speaks for the job); their stderr is kept in a temporary file until setup
 * is over (*saved: the real one), since their errors in setting up are
 * mostly rank 0's (the same command line, the same files).  0, 1 after
 * printing an error, or -1 for a rank that ends at once with status 0. */
static int join_job(Run *r, FILE **kept, int *saved) {
  char err[1024];
  *kept = NULL, *saved = -1;
  if (!r->o->mpi) {
    const char *size = getenv("OMPI_COMM_WORLD_SIZE"), *rank = getenv("OMPI_COMM_WORLD_RANK");
    /* rank 0 says why and fails the job; the others end quietly with 0, since mpirun ends the job at
     * the first non-zero status, which could be before rank 0 has said anything */
    if (size && atoi(size) > 1 && rank && atoi(rank) > 0) return -1;
    if (size && atoi(size) > 1)
      return fail("rnnc train runs under mpirun without --mpi: every rank would train the whole run alone and "
                  "write the same files (add --mpi)");
    return 0;
  }
  if (ranks_start(&r->rank, &r->ranks, err, sizeof err)) return fail(err);
  r->mpi = true;
  if (r->rank == 0) return 0;
  fflush(stdout);
  if (!freopen("/dev/null", "w", stdout)) ranks_abort(1);
  fflush(stderr);
  *kept = tmpfile();
  *saved = dup(2);
  if (*kept && *saved >= 0) dup2(fileno(*kept), 2);
  return 0;
}

/* After setup on every rank: 0 if every rank is ready to train the same
 * run, else 1 (with the same answer on every rank).  A rank that failed
 * while rank 0 did not shows its kept errors, each line after its rank. */
static int ready(Run *r, int rc, FILE *kept, int saved) {
  if (!r->mpi) return rc;
  int failed = rc > 0;
  if (saved >= 0) { /* ranks > 0: the real stderr back */
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
  }
  /* the settings that make the ranks' batches one batch, and the parameters they start from */
  uint64_t h = FNV_START;
  if (!rc) {
    size_t bytes;
    const void *p = runner_params(r->step, &bytes);
    double v[] = {r->batch, r->threads, r->ck.steps, r->ck.dtype, r->ck.lr, (double)r->ck.seed, (double)r->ck.limit,
                  (double)r->ntrain, r->epochs, r->ck.epoch, (double)r->ck.batch_done, (double)bytes};
    h = fnv1a(fnv1a(h, v, sizeof v), p, bytes);
  }
  uint64_t *all = mem_alloc((size_t)r->ranks, sizeof *all, "the settings");
  ranks_gather(failed ? 0 : h, all);
  int k = 1;
  while (k < r->ranks && all[k] == all[0]) k++;
  bool rank0 = all[0] == 0; /* rank 0 failed */
  free(all);
  if (kept) {
    if (failed && !rank0) {
      char line[2048];
      rewind(kept);
      while (fgets(line, sizeof line, kept)) fprintf(stderr, "rank %d: %s", r->rank, line);
    }
    fclose(kept);
  }
  if (ranks_max(failed)) return rc > 0 ? rc : 1;
  if (k < r->ranks) {
    if (r->rank == 0)
      ir_report("--mpi: rank %d has other settings, data or starting parameters than rank 0 (every rank must run "
                "the same command line on the same files)\n", k);
    return 1;
  }
  return rc;
}

int train_run(const ToolOptions *o) {
  Run r = {.o = o, .ranks = 1};
  StFile w;
  st_init(&w);
  r.stem = tool_stem(o->out);
  size_t n = strlen(r.stem) + sizeof ".interrupted.safetensors";
  r.interrupted = mem_alloc(n, 1, "a file name");
  snprintf(r.interrupted, n, "%s.interrupted.safetensors", r.stem);
  FILE *kept;
  int saved;
  int rc = join_job(&r, &kept, &saved);
  if (rc) {
    free(r.stem), free(r.interrupted);
    return rc > 0 ? rc : 0;
  }
  rc = ready(&r, setup(&r, &w), kept, saved);
  st_free(&w);
  long *perm = NULL;
  if (!rc && r.ck.epoch >= r.epochs) {
    printf("%s already holds %d epochs of the %d asked for: nothing to train (--epochs N for more)\n", o->resume,
           r.ck.epoch, r.epochs);
    rc = -1;
  }
  if (!rc) {
    perm = mem_alloc((size_t)r.ntrain, sizeof *perm, "the shuffle");
    Signals sig;
    catch_signals(&sig);
    double t0 = progress_now();
    int first = r.ck.epoch;
    Progress p;
    while (!rc && r.ck.epoch < r.epochs) rc = epoch(&r, perm, &p);
    restore_signals(&sig);
    if (!rc) summary(&r, progress_now() - t0, r.ck.epoch - first);
    if (rc == 1 && r.mpi && !r.agreed) { /* this rank alone: the others would wait for it */
      fflush(stdout), fflush(stderr);
      ranks_abort(1);
    }
  }
  if (rc == -1) rc = 0;
  free_shards(&r);
  free(perm);
  runner_free(r.step), runner_free(r.pred);
  eval_metrics_free(&r.m);
  if (r.have_data) data_free(&r.d);
  tool_model_free(&r.tm);
  ckpt_free(&r.ck);
  free(r.stem), free(r.interrupted);
  if (r.mpi && r.rank > 0) rc = 0; /* the job's status is rank 0's (see below); an error of this rank's own aborted */
  if (r.mpi) {
    /* leave together, and only rank 0 with the job's status: mpirun ends the job when a rank exits
     * with a non-zero status, which could cut short rank 0's writing its interrupted state or its
     * message (mpirun drops what it has not yet passed on) */
    fflush(stdout), fflush(stderr);
    ranks_wait();
    ranks_end();
  }
  return rc;
}

/*
 * native.c - `--backend c`: generated code compiled, loaded and run from rnnc
 * itself.
 *
 * The spec is built (build.c) into the cache directory, compiled with the
 * system C compiler into a shared object named by a hash of the generated
 * text and the compile command (so an unchanged spec compiles once), and
 * loaded with dlopen.  Its NAME_tool_run entry point (compiled in with
 * -DRNNC_TOOL_API) takes tensors by position; this file binds them by name
 * with the same contract as the interpreter (bind.h), through the
 * NAME_params_info table the generated code exports, and stores the same
 * results under the same names.
 *
 * Only code that passed `rnnc check` is ever loaded.  native_compile runs
 * the check on the exact translation unit it compiles (with -DRNNC_TOOL_API)
 * and only then the compiler, writing to a temporary it stamps with a record
 * of the object (a trailer: size and a hash of the bytes before it, which
 * the dynamic loader ignores) and renames into place.  native_load opens
 * the file, checks the record against the bytes, and dlopens that same open
 * file (/proc/self/fd), so what loads is what was compiled after the check:
 * a truncated, corrupt or replaced object has no matching record.  (The
 * record guards against accidents, not against someone who may write the
 * cache; the cache directory must be the user's own and not writable by
 * others, so nobody else may.)  A damaged entry is rebuilt with a note.
 * Sources are generated into a temporary directory (rnnc_tmp.h) removed on
 * every path; concurrent runs each compile into their own temporary, and the
 * renames of identical objects replace one another harmlessly.
 *
 * The cache is $RNNC_CACHE_DIR, else $XDG_CACHE_HOME/rnnc, else
 * $HOME/.cache/rnnc, else /tmp/rnnc-cache; the compiler is $CC or cc, with
 * the optimisation flags in $RNNC_CFLAGS or, by default, -O3 -march=native
 * -ffp-contract=fast -fno-math-errno: fused multiply-adds (faster products,
 * rounding differently from the interpreter), the vector width gcc prefers
 * for the machine, and square roots that need not set errno (generated code
 * never reads it), so that the loops of Adam's update vectorize (sqrt is
 * correctly rounded either way); bench/README.md has the measurements.  f64
 * code asks gcc for 256-bit vectors itself outside its products, whatever the
 * flags, because of a gcc bug with shuffles of 8 doubles (codegen/preamble.c,
 * tests/backend/gcc_v8df_shuffle.c).
 *
 * The tiles of the products are native_wide_tiles()'s, but for the shapes
 * that this machine's tile profile names (tiles.h): a file in the cache
 * named by a hash of the CPU, the compiler and the flags, which `rnnc bench
 * --tune` writes; so a profile measured elsewhere, or for other flags, is
 * never read.  One that cannot be read is ignored with a note, as a damaged
 * object is rebuilt with one.
 */
#define _POSIX_C_SOURCE 200809L
#include "alloc.h"
#include "native.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bind.h"
#include "lint.h"
#include "build.h"
#include "rnnc_tmp.h"

enum { MAX_INPUTS = 64 /* inputs and targets of one model */, MAX_ARGS = 64 /* of the C compiler */ };

/* Part of every entry's name, so that objects of an older layout (without
 * the record) are never taken for damaged entries of this one. */
#define CACHE_FORMAT "rnnc cache 2"

/* Mirrors NAME_param_info of every generated header (same members, same order). */
typedef struct {
  const char *name;
  int rank;
  int shape[4];
  long offset;
  int trainable;
} ParamInfo;

typedef void (*StreamF32)(const float *, void *const *, void *const *, void *);
typedef void (*StreamF64)(const double *, void *const *, void *const *, void *);
typedef float (*RunF32)(int, float *, void *const *, float *, void *const *, void *const *, void *, uint64_t);
typedef double (*RunF64)(int, double *, void *const *, double *, void *const *, void *const *, void *, uint64_t);

/* ---- the cache ---- */

static void cache_dir(char *buf, size_t size) {
  const char *env = getenv("RNNC_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (env && *env) snprintf(buf, size, "%s", env);
  else if (xdg && *xdg) snprintf(buf, size, "%s/rnnc", xdg);
  else if (home && *home) snprintf(buf, size, "%s/.cache/rnnc", home);
  else snprintf(buf, size, "/tmp/rnnc-cache");
}

/* mkdir -p; the last directory private to the user. */
static int make_dirs(char *path) {
  for (char *p = path + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    int rc = mkdir(path, 0777);
    *p = '/';
    if (rc && errno != EEXIST) return -1;
  }
  return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

/* The cache directory, made if need be, and tidied of what killed runs left.
 * Anyone who may write it may put code there that rnnc would load. */
static int open_cache(char *dir, size_t size, char *err, size_t errlen) {
  cache_dir(dir, size);
  if (make_dirs(dir)) return ir_errorf(err, errlen, "%s: cannot create the cache directory: %s", dir, strerror(errno));
  struct stat st;
  if (stat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return ir_errorf(err, errlen,
                     "%s: the cache directory must be a directory of your own that others cannot write "
                     "(set RNNC_CACHE_DIR to another)", dir);
  rnnc_tmp_sweep(dir);
  return 0;
}

#define FNV_BASIS 1469598103934665603u

static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
  return h;
}

/* Goes on with hash h over the first n bytes of fd.  0, or -1 if they cannot be read. */
static int hash_fd(int fd, uint64_t n, uint64_t *h) {
  char buf[1 << 16];
  for (uint64_t at = 0; at < n;) {
    size_t want = n - at < sizeof buf ? (size_t)(n - at) : sizeof buf;
    ssize_t got = pread(fd, buf, want, (off_t)at);
    if (got <= 0) return -1;
    *h = fnv1a(*h, buf, (size_t)got);
    at += (uint64_t)got;
  }
  return 0;
}

static uint64_t hash_file(uint64_t h, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && !fstat(fd, &st)) hash_fd(fd, (uint64_t)st.st_size, &h);
  if (fd >= 0) close(fd);
  return h;
}

/* ---- the record of a compiled object: a trailer of magic, size, hash ---- */

#define OBJECT_MAGIC "rnncobj1"
enum { TRAILER_BYTES = 24 };

static const char OBJECT_MISSING[] = "missing";

static void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* Appends the record of the object at path (its bytes as they are now). */
static int stamp_object(const char *path) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st;
  unsigned char t[TRAILER_BYTES];
  uint64_t h = FNV_BASIS;
  int rc = fstat(fd, &st) || hash_fd(fd, (uint64_t)st.st_size, &h) ? -1 : 0;
  if (!rc) {
    memcpy(t, OBJECT_MAGIC, 8), put64(t + 8, (uint64_t)st.st_size), put64(t + 16, h);
    rc = pwrite(fd, t, sizeof t, st.st_size) == (ssize_t)sizeof t ? 0 : -1;
  }
  return close(fd) || rc ? -1 : 0;
}

/* Opens the object at path if its bytes match its record: the open file,
 * or -1 with what is wrong in *why (OBJECT_MISSING if there is none). */
static int open_verified(const char *path, const char **why) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO in its place must not hang us */
  if (fd < 0) {
    *why = errno == ENOENT ? OBJECT_MISSING : "cannot be opened";
    return -1;
  }
  struct stat st;
  unsigned char t[TRAILER_BYTES];
  uint64_t h = FNV_BASIS;
  bool sized = !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size >= TRAILER_BYTES;
  uint64_t body = sized ? (uint64_t)st.st_size - TRAILER_BYTES : 0;
  *why = !sized || pread(fd, t, sizeof t, (off_t)body) != (ssize_t)sizeof t || memcmp(t, OBJECT_MAGIC, 8) ||
                 get64(t + 8) != body
             ? "truncated, or not an object this rnnc compiled"
         : hash_fd(fd, body, &h) || h != get64(t + 16) ? "corrupt: its bytes do not match its record"
                                                       : NULL;
  if (*why) close(fd), fd = -1;
  return fd;
}

/* Runs argv, waiting for it, its standard output into the file `out`
 * unless that is NULL; 0 on exit status 0. */
static int run(char *const *argv, const char *out) {
  fflush(NULL); /* what rnnc wrote so far (stderr is line-buffered: main.c) before the child's output */
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (out && (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)) _exit(127);
    execvp(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

const char *native_cc(void) { return getenv("CC") && *getenv("CC") ? getenv("CC") : "cc"; }

const char *native_cflags(void) {
  return getenv("RNNC_CFLAGS") ? getenv("RNNC_CFLAGS") : "-O3 -march=native -ffp-contract=fast -fno-math-errno";
}

bool native_wide_tiles(void) {
#if defined(__GNUC__) && defined(__x86_64__)
  return strstr(native_cflags(), "-march=native") && __builtin_cpu_supports("avx512f");
#else
  return false;
#endif
}

/* ---- the tile profile of this machine ---- */

/* The lines of /proc/cpuinfo that say what the CPU is and what it can do
 * (x86: model name, flags; arm: the implementer, part and features), the
 * first of each, hashed; the machine's architecture where there is none.
 * Not its clock, which changes from read to read. */
static uint64_t hash_cpu(uint64_t h) {
  static const char *const keys[] = {"model name", "flags", "CPU implementer", "CPU part", "Features"};
  enum { NKEYS = sizeof keys / sizeof *keys };
  bool seen[NKEYS] = {false};
  struct utsname u;
  if (!uname(&u)) h = fnv1a(h, u.machine, strlen(u.machine) + 1);
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[8192]; /* a longer line hashes in pieces, the same every time */
  while (f && fgets(line, sizeof line, f))
    for (int k = 0; k < NKEYS; k++)
      if (!seen[k] && !strncmp(line, keys[k], strlen(keys[k])) && strchr(" \t:", line[strlen(keys[k])])) {
        seen[k] = true;
        h = fnv1a(h, line, strlen(line));
      }
  if (f) fclose(f);
  return h;
}

void native_tiles_key(char key[static TILES_KEY_LEN + 1]) {
  uint64_t h = fnv1a(FNV_BASIS, "rnnc tiles", 11);
  h = fnv1a(hash_cpu(h), native_cc(), strlen(native_cc()) + 1);
  h = fnv1a(h, native_cflags(), strlen(native_cflags()) + 1);
  snprintf(key, TILES_KEY_LEN + 1, "%016llx", (unsigned long long)h);
}

/* DIR/tiles-KEY.txt, in path. */
static void tiles_path(const char *dir, const char *key, char *path, size_t size) {
  snprintf(path, size, "%s/tiles-%s.txt", dir, key);
}

int native_tiles_path(char *path, size_t size, char *err, size_t errlen) {
  char dir[3072], key[TILES_KEY_LEN + 1];
  if (open_cache(dir, sizeof dir, err, errlen)) return -1;
  native_tiles_key(key);
  tiles_path(dir, key, path, size);
  return 0;
}

TileChoice native_tiles(TileProfile *p) {
  char dir[3072], key[TILES_KEY_LEN + 1], path[3200], err[3400];
  TileKind fallback = native_wide_tiles() ? TILES_WIDE : TILES_PORTABLE;
  *p = (TileProfile){0};
  cache_dir(dir, sizeof dir);
  native_tiles_key(key);
  tiles_path(dir, key, path, sizeof path);
  if (access(path, F_OK)) return tiles_choice(p, fallback); /* none measured */
  if (!tiles_read(path, p, err, sizeof err) && strcmp(p->key, key)) {
    snprintf(err, sizeof err, "%s:1: error: measured on another machine or with other flags (key %s, not %s)", path,
             p->key, key);
    tiles_free(p);
  }
  if (!p->rules) {
    fputs("rnnc: note: ", stderr);
    ir_show(stderr, err, strlen(err));
    fputs("; the tile profile is ignored (rnnc bench --tune measures a new one)\n", stderr);
  }
  return tiles_choice(p, fallback);
}

/* What every compile command of an object has between the compiler and the flags. */
static const char *const fixed_args[] = {"-std=c99", "-fPIC", "-shared", "-DRNNC_TOOL_API"};
enum { NFIXED = sizeof fixed_args / sizeof fixed_args[0], MAX_SOURCES = 8 };

/* The C compiler on the nc files c, with the nfixed arguments `fixed`
 * before the flags, writing out. */
static int run_compiler(const char *const *fixed, int nfixed, int nc, const char *const *c, const char *flags,
                        const char *out, char *err, size_t errlen) {
  char *argv[MAX_ARGS + MAX_SOURCES] = {(char *)native_cc()};
  int argc = 1;
  for (int i = 0; i < nfixed; i++) argv[argc++] = (char *)fixed[i];
  flags = flags ? flags : native_cflags();
  char *words = mem_alloc(strlen(flags) + 1, 1, "the compiler's flags");
  strcpy(words, flags);
  for (char *w = strtok(words, " \t"); w && argc < MAX_ARGS - 5; w = strtok(NULL, " \t")) argv[argc++] = w;
  argv[argc++] = "-o", argv[argc++] = (char *)out;
  for (int i = 0; i < nc && i < MAX_SOURCES; i++) argv[argc++] = (char *)c[i];
  argv[argc++] = "-lm";
  argv[argc] = NULL;
  int rc = run(argv, NULL) ? ir_errorf(err, errlen, "the C compiler (%s) failed on %s", argv[0], c[0]) : 0;
  free(words);
  return rc;
}

int native_compile_program(int nc, const char *const *c, const char *exe, char *err, size_t errlen) {
  static const char *const c99[] = {"-std=c99"};
  if (nc > MAX_SOURCES) return ir_errorf(err, errlen, "%s: more than %d sources", exe, MAX_SOURCES);
  return run_compiler(c99, 1, nc, c, NULL, exe, err, errlen);
}

int native_run_program(const char *exe, const char *out) {
  char *argv[] = {(char *)exe, NULL};
  return run(argv, out);
}

int native_compile(const char *c, const char *flags, const char *so, char *err, size_t errlen) {
  const char *tool_api[] = {"-DRNNC_TOOL_API"}; /* what the compiler sees, checked */
  if (lint_files(1, &c, 1, tool_api, stderr))
    return ir_errorf(err, errlen, "%s: the generated code fails `rnnc check` (above), so it is not compiled", c);
  char tmp[4200];
  if (rnnc_tmp_name(tmp, sizeof tmp, so)) return ir_errorf(err, errlen, "%s: the path is too long", so);
  if (run_compiler(fixed_args, NFIXED, 1, &c, flags, tmp, err, errlen)) return remove(tmp), -1;
  if (stamp_object(tmp) || rename(tmp, so)) {
    ir_errorf(err, errlen, "%s: cannot write: %s", so, strerror(errno));
    return remove(tmp), -1;
  }
  return 0;
}

/* Compiles c into the cache entry so unless it is there and intact. */
static int ensure_entry(const char *so, const char *c, char *err, size_t errlen) {
  const char *why;
  int fd = open_verified(so, &why);
  if (fd >= 0) return close(fd), 0;
  if (why != OBJECT_MISSING) fprintf(stderr, "rnnc: note: %s: %s; rebuilding it\n", so, why);
  return native_compile(c, NULL, so, err, errlen);
}

/* The cache entry's name: a hash of the compile command and the generated text. */
static void entry_name(const char *dir, const char *h, const char *c, char *so, size_t size) {
  const char *command[NFIXED + 3] = {CACHE_FORMAT, native_cc(), native_cflags()};
  for (int i = 0; i < NFIXED; i++) command[3 + i] = fixed_args[i];
  uint64_t key = FNV_BASIS;
  for (int i = 0; i < NFIXED + 3; i++) key = fnv1a(key, command[i], strlen(command[i]) + 1);
  key = hash_file(hash_file(key, h), c);
  snprintf(so, size, "%s/model-%016llx.so", dir, (unsigned long long)key);
}

/* Emits, compiles (unless cached) and returns the path of the shared object.
 * The sources go to a temporary directory of the cache, removed whatever happens. */
static int build_object(const PipelineOptions *po, char *so, size_t size, char *err, size_t errlen) {
  char dir[3072], base[3100], src[3200];
  if (open_cache(dir, sizeof dir, err, errlen)) return -1;
  snprintf(base, sizeof base, "%s/src", dir);
  if (rnnc_tmp_name(src, sizeof src, base) || mkdir(src, 0700))
    return ir_errorf(err, errlen, "%s: cannot create a directory in the cache: %s", dir, strerror(errno));
  TileProfile profile;
  BuildOptions eo = {.spec = po->spec, .fe = po->fe, .dir = src, .quiet = true, .tiles = native_tiles(&profile)};
  char *h = NULL, *c = NULL;
  int rc = build_c(&eo, &h, &c, err, errlen);
  tiles_free(&profile);
  if (rc && !err[0]) ir_errorf(err, errlen, "cannot generate C for %s", po->spec);
  if (!rc) {
    entry_name(dir, h, c, so, size);
    if ((rc = ensure_entry(so, c, err, errlen))) {
      char why[512];
      snprintf(why, sizeof why, "%s", err);
      ir_errorf(err, errlen, "%s: %s", po->spec, why);
    }
  }
  rnnc_tmp_remove(src);
  free(h), free(c);
  return rc ? -1 : 0;
}

/* ---- binding ---- */

typedef struct {
  void *lib;
  const ParamInfo *info;
  int nparams;
  const long *arena;
  RunF32 run32; /* NAME_tool_run, as the model's float type says */
  RunF64 run64;
  StreamF32 stream32; /* NAME_tool_stream, when there is one (streams) */
  StreamF64 stream64;
  bool streams; /* false: no streaming step (pipeline_can_stream) */
  const char *const *input_names; /* the order NAME_tool_run takes its inputs in */
  size_t es;    /* bytes per element of the model's float type */
} Model;

static void *symbol(Model *m, const char *model, const char *what) {
  char name[256];
  snprintf(name, sizeof name, "%s_%s", model, what);
  return dlsym(m->lib, name);
}

static const ParamInfo *find_param(const Model *m, const char *name) {
  for (int i = 0; i < m->nparams; i++)
    if (!strcmp(m->info[i].name, name)) return &m->info[i];
  return NULL;
}

static long numel(const ParamInfo *p) {
  long n = 1;
  for (int k = 0; k < p->rank; k++) n *= p->shape[k];
  return n;
}

/* The params blob's size: past the end of the last parameter. */
static long params_elems(const Model *m) {
  long end = 0;
  for (int i = 0; i < m->nparams; i++)
    if (m->info[i].offset + numel(&m->info[i]) > end) end = m->info[i].offset + numel(&m->info[i]);
  return end;
}

/* dlopen of the object at so only if its record says it is what
 * native_compile wrote, through the very file that was verified. */
static void *open_object(const char *so, char *err, size_t errlen) {
  const char *why;
  int fd = open_verified(so, &why);
  if (fd < 0) {
    ir_errorf(err, errlen, "%s: refusing to load: %s", so, why);
    return NULL;
  }
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  void *lib = dlopen(access(self, R_OK) ? so : self, RTLD_NOW | RTLD_LOCAL);
  if (!lib) ir_errorf(err, errlen, "%s: cannot load: %s", so, dlerror());
  close(fd);
  return lib;
}

static int load_model(Model *m, const char *so, const char *name, char *err, size_t errlen) {
  m->lib = open_object(so, err, errlen);
  if (!m->lib) return -1;
  m->info = symbol(m, name, "params_info");
  m->arena = symbol(m, name, "tool_arena");
  void *run = symbol(m, name, "tool_run"), *stream = symbol(m, name, "tool_stream");
  m->input_names = symbol(m, name, "tool_inputs");
  const int *dtype = symbol(m, name, "tool_dtype"), *nparams = symbol(m, name, "tool_nparams");
  if (!m->info || !m->arena || !run || !dtype || !nparams || !m->input_names)
    return ir_errorf(err, errlen, "%s: not a model built by this rnnc", so);
  m->es = (size_t)*dtype;
  m->streams = stream != NULL;
  /* POSIX guarantees dlsym's object pointer holds a function's address;
   * ISO C has no cast between the two, so copy the bits. */
  _Static_assert(sizeof run == sizeof m->run32 && sizeof run == sizeof m->stream64, "function pointers");
  if (m->es == 8) memcpy(&m->run64, &run, sizeof run), memcpy(&m->stream64, &stream, sizeof stream);
  else memcpy(&m->run32, &run, sizeof run), memcpy(&m->stream32, &stream, sizeof stream);
  m->nparams = *nparams;
  return 0;
}

/* A loaded model bound to one graph's buffers. */
struct Native {
  Model m;
  const Graph *g;
  int fn; /* NAME_tool_run's entry point: 0 predict, 1 grad, 2 step, 3 apply; 4: NAME_tool_stream */
  char *params, *grads, *arena;
  void **in, **ordered, **outs, **metrics;
  double loss;
};

void native_free(Native *b) {
  if (!b) return;
  for (int i = 0; b->in && i < b->g->ninputs; i++) free(b->in[i]);
  for (int i = 0; b->outs && i < b->g->nresults; i++) free(b->outs[i]), free(b->metrics[i]);
  free(b->in), free(b->ordered), free(b->outs), free(b->metrics), free(b->params), free(b->grads), free(b->arena);
  if (b->m.lib) dlclose(b->m.lib);
  free(b);
}

/* apply reads its input grad.<param> from the gradient blob, at the
 * parameter's offset (where NAME_grad writes it). */
static int bind_grad(Native *b, const Node *x, const void *value, char *err, size_t errlen) {
  const ParamInfo *info = find_param(&b->m, x->attr.name + 5);
  if (!info) return ir_errorf(err, errlen, "generated code has no gradient '%s'", x->attr.name);
  memcpy(b->grads + (size_t)info->offset * b->m.es, value, (size_t)ir_numel(x->shape) * b->m.es);
  return 0;
}

Native *native_load(const char *so, const Graph *g, Goal goal, const StFile *weights, const StFile *inputs,
                         char *err, size_t errlen) {
  Native *b = mem_calloc(1, sizeof *b, "a loaded model");
  Model *m = &b->m;
  b->g = g;
  err[0] = 0;
  if (load_model(m, so, g->cfg.name, err, errlen)) {
    native_free(b);
    return NULL;
  }
  b->fn = goal == GOAL_PREDICT ? 0 : goal == GOAL_GRAD ? 1 : goal == GOAL_STEP ? 2 : goal == GOAL_APPLY ? 3 : 4;
  if (b->fn == 4 && !m->streams) {
    ir_errorf(err, errlen, "%s: the generated code has no streaming step", so);
    native_free(b);
    return NULL;
  }
  long total = params_elems(m);
  b->params = mem_calloc_lines((size_t)total, m->es, "the parameters of the generated code");
  b->grads = mem_calloc_lines((size_t)total, m->es, "the gradients of the generated code");
  b->arena = mem_calloc_lines((size_t)m->arena[b->fn], 1, "the arena of the generated code");
  b->in = mem_calloc((size_t)g->ninputs, sizeof *b->in, "the buffers of the generated code");
  b->ordered = mem_calloc(MAX_INPUTS, sizeof *b->ordered, "the buffers of the generated code");
  b->outs = mem_calloc((size_t)g->nresults, sizeof *b->outs, "the buffers of the generated code");
  b->metrics = mem_calloc((size_t)g->nresults, sizeof *b->metrics, "the buffers of the generated code");
  int rc = 0;
  /* every parameter the code reads: those of g and, for a step, the optimizer state */
  for (int i = 0; !rc && i < g->nparams; i++) {
    const Node *p = g->params[i];
    const ParamInfo *info = find_param(m, p->attr.name);
    if (!info) rc = ir_errorf(err, errlen, "%s: generated code has no parameter '%s'", so, p->attr.name);
    else rc = bind_load(weights, p, b->params + (size_t)info->offset * m->es, err, errlen);
  }
  for (int i = 0; !rc && i < g->ninputs; i++) {
    const Node *x = g->inputs[i];
    b->in[i] = mem_calloc_lines((size_t)ir_numel(x->shape), ir_dtype_size(x->dtype), "an input of the generated code");
    rc = bind_load(inputs, x, b->in[i], err, errlen);
    if (!rc && goal == GOAL_APPLY) rc = bind_grad(b, x, b->in[i], err, errlen);
  }
  int no = 0, nm = 0;
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    void *buf = mem_calloc((size_t)ir_numel(r->node->shape), ir_dtype_size(r->node->dtype),
                           "a result of the generated code");
    if (r->role == ROLE_OUTPUT) b->outs[no++] = buf;
    else if (r->role == ROLE_METRIC) b->metrics[nm++] = buf;
    else free(buf);
  }
  /* tool_run takes every input the model has, in its own order; streaming, predict's */
  for (int k = 0; m->input_names[k] && k < MAX_INPUTS; k++)
    for (int i = 0; i < g->ninputs; i++)
      if (!strcmp(g->inputs[i]->attr.name, m->input_names[k])) b->ordered[k] = b->in[i];
  if (rc) {
    native_free(b);
    return NULL;
  }
  return b;
}

void native_exec(Native *b, uint64_t seed) {
  Model *m = &b->m;
  if (b->fn == 4 && m->es == 8) m->stream64((const double *)(void *)b->params, b->in, b->outs, b->arena);
  else if (b->fn == 4) m->stream32((const float *)(void *)b->params, b->in, b->outs, b->arena);
  else if (m->es == 8)
    b->loss = m->run64(b->fn, (double *)(void *)b->params, b->ordered, (double *)(void *)b->grads, b->outs,
                       b->metrics, b->arena, seed);
  else
    b->loss = m->run32(b->fn, (float *)(void *)b->params, b->ordered, (float *)(void *)b->grads, b->outs,
                       b->metrics, b->arena, seed);
}

int native_store(const Native *b, StFile *out, char *err, size_t errlen) {
  const Model *m = &b->m;
  const Graph *g = b->g;
  int no = 0, nm = 0;
  for (int i = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    const ParamInfo *info = r->role == ROLE_GRAD ? find_param(m, r->name + 5) : find_param(m, r->name);
    double loss = b->loss;
    float lf = (float)loss;
    const void *value = r->role == ROLE_LOSS     ? (m->es == 8 ? (const void *)&loss : (const void *)&lf)
                        : r->role == ROLE_OUTPUT ? b->outs[no++]
                        : r->role == ROLE_METRIC ? b->metrics[nm++]
                        : info                   ? (r->role == ROLE_GRAD ? b->grads : b->params) + (size_t)info->offset * m->es
                                                 : NULL;
    if (!value) return ir_errorf(err, errlen, "generated code has no tensor for result '%s'", r->name);
    bind_store(out, r->name, r->node, value);
  }
  return 0;
}

int native_build(const PipelineOptions *po, char *so, size_t size, char *err, size_t errlen) {
  err[0] = 0;
  return build_object(po, so, size, err, errlen);
}

void *native_buffer(Native *b, const char *name) {
  const Graph *g = b->g;
  for (int i = 0; i < g->ninputs; i++)
    if (!strcmp(g->inputs[i]->attr.name, name)) return b->in[i];
  for (int i = 0, no = 0, nm = 0; i < g->nresults; i++) {
    const Result *r = &g->results[i];
    void *buf = r->role == ROLE_OUTPUT ? b->outs[no++] : r->role == ROLE_METRIC ? b->metrics[nm++] : NULL;
    if (buf && !strcmp(r->name, name)) return buf;
  }
  return NULL;
}

void *native_params(Native *b, size_t *bytes) {
  *bytes = (size_t)params_elems(&b->m) * b->m.es;
  return b->params;
}

void *native_grads(Native *b, size_t *bytes) {
  long end = 0;
  for (int i = 0; i < b->m.nparams; i++) {
    const ParamInfo *p = &b->m.info[i];
    if (p->trainable && p->offset + numel(p) > end) end = p->offset + numel(p);
  }
  *bytes = (size_t)end * b->m.es;
  return b->grads;
}

double native_loss(const Native *b) { return b->loss; }

void *native_symbol(Native *b, const char *what) { return symbol(&b->m, b->g->cfg.name, what); }

void *native_arena(Native *b) { return b->arena; }

int native_run(const PipelineOptions *po, const Graph *g, const StFile *weights, const StFile *inputs,
                  uint64_t seed, StFile *out, char *err, size_t errlen) {
  char so[4096];
  err[0] = 0;
  if (build_object(po, so, sizeof so, err, errlen)) return -1;
  Native *b = native_load(so, g, po->goal, weights, inputs, err, errlen);
  if (!b) return -1;
  native_exec(b, seed);
  int rc = native_store(b, out, err, errlen);
  native_free(b);
  return rc;
}

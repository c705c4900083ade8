/*
 * tiles.c - tile profiles (tiles.h): read as hostile text, written whole.
 *
 * A profile sits in the cache directory, where a full disk, a kill or
 * another user's mistake may have damaged it, or a user names one that
 * anyone wrote.  So it is read as a stranger's file: a regular file of at
 * most TILES_MAX_RULES lines of TILES_MAX_LINE bytes (readfile.h refuses a
 * larger one before reading it), split into lines that must each end in a
 * newline (a file cut short is refused, not half-read), each line split into
 * words that must be the format's: numbers of digits only, in range; the
 * flags 0 or 1; the dtype and the tiles by name.  Any error names the file
 * and the line, and the profile is then not used at all.
 */
#include "tiles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "readfile.h"
#include "rnnc_tmp.h"

enum { MAX_WORDS = 8, WORD_SHOWN = 24 /* bytes of a bad word a message repeats */ };

#define MAGIC "rnnc-tiles"

const char *tiles_kind_name(TileKind k) { return k == TILES_WIDE ? "wide" : "portable"; }

/* A line cut into at most MAX_WORDS words (one more says "too many"). */
typedef struct {
  char *word[MAX_WORDS + 1];
  int n;
} Words;

static void split(char *line, Words *w) {
  w->n = 0;
  for (char *t = strtok(line, " \t\r"); t && w->n <= MAX_WORDS; t = strtok(NULL, " \t\r")) w->word[w->n++] = t;
}

/* Where a message points: the file and line, as a spec error does. */
typedef struct {
  const char *path;
  int line;
  char *err;
  size_t errlen;
} At;

static int bad(const At *at, const char *what, const char *word) {
  if (word)
    return ir_errorf(at->err, at->errlen, "%s:%d: error: %s, got '%.*s'", at->path, at->line, what, WORD_SHOWN, word);
  return ir_errorf(at->err, at->errlen, "%s:%d: error: %s", at->path, at->line, what);
}

/* A number of digits only in [lo, hi]: 0, or -1 with a message. */
static int number(const At *at, const char *what, const char *s, long lo, long hi, long *out) {
  long v = 0;
  bool digits = *s != 0 && strlen(s) <= 9;
  for (const char *c = s; digits && *c; c++) {
    digits = *c >= '0' && *c <= '9';
    v = v * 10 + (*c - '0');
  }
  char msg[96];
  snprintf(msg, sizeof msg, "%s must be an integer in [%ld, %ld]", what, lo, hi);
  if (!digits || v < lo || v > hi) return bad(at, msg, s);
  *out = v;
  return 0;
}

/* s, one of the two names: its index, or -1 with a message. */
static int one_of(const At *at, const char *what, const char *s, const char *const names[2]) {
  for (int i = 0; i < 2; i++)
    if (!strcmp(s, names[i])) return i;
  return bad(at, what, s);
}

static int header(const At *at, const Words *w, TileProfile *p) {
  if (w->n != 3 || strcmp(w->word[0], MAGIC))
    return bad(at, "not a tile profile: its first line must be '" MAGIC " VERSION KEY'", NULL);
  char want[16];
  snprintf(want, sizeof want, "%d", TILES_VERSION);
  if (strcmp(w->word[1], want)) return bad(at, "the format version must be 1 (this rnnc's)", w->word[1]);
  const char *key = w->word[2];
  bool hex = strlen(key) == TILES_KEY_LEN;
  for (const char *c = key; hex && *c; c++) hex = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f');
  if (!hex) return bad(at, "the key must be 16 hex digits (0-9, a-f)", key);
  memcpy(p->key, key, TILES_KEY_LEN + 1);
  return 0;
}

static int rule(const At *at, const Words *w, TileRule *r) {
  static const char *const dims[3] = {"M", "N", "K"};
  static const struct {
    const char *what, *names[2];
  } words[4] = {{"ta must be 0 or 1", {"0", "1"}},
                {"tb must be 0 or 1", {"0", "1"}},
                {"the dtype must be f32 or f64", {"f32", "f64"}},
                {"the tiles must be portable or wide", {"portable", "wide"}}};
  if (w->n != 7) return bad(at, "a rule is 7 words: M N K ta tb f32|f64 portable|wide", NULL);
  long dim[3];
  int v[4];
  for (int i = 0; i < 3; i++)
    if (number(at, dims[i], w->word[i], 1, IR_MAX_EXTENT, &dim[i])) return -1;
  for (int i = 0; i < 4; i++)
    if ((v[i] = one_of(at, words[i].what, w->word[3 + i], words[i].names)) < 0) return -1;
  *r = (TileRule){.shape = {.M = dim[0], .N = dim[1], .K = dim[2], .ta = v[0], .tb = v[1], .dtype = v[2] ? DT_F64 : DT_F32},
                  .kind = v[3] ? TILES_WIDE : TILES_PORTABLE};
  return 0;
}

/* One line (without its newline) of the text: the header, a comment, a
 * blank, or a rule (and its line number in lines[], for duplicates). */
static int parse_line(const At *at, char *line, TileProfile *p, int *lines) {
  Words w;
  split(line, &w);
  if (at->line == 1) return header(at, &w, p);
  if (!w.n || w.word[0][0] == '#') return 0;
  if (p->nrules == TILES_MAX_RULES) return bad(at, "more rules than a profile may have (4096)", NULL);
  TileRule r;
  if (rule(at, &w, &r)) return -1;
  for (int i = 0; i < p->nrules; i++)
    if (tile_shape_eq(p->rules[i].shape, r.shape)) {
      char msg[64];
      snprintf(msg, sizeof msg, "this shape has a rule already (line %d)", lines[i]);
      return bad(at, msg, NULL);
    }
  lines[p->nrules] = at->line;
  p->rules[p->nrules++] = r;
  return 0;
}

static int parse(const At *start, char *text, size_t n, TileProfile *p) {
  At at = *start;
  if (!n) return at.line = 1, bad(&at, "empty: not a tile profile", NULL);
  int *lines = mem_alloc(TILES_MAX_RULES, sizeof *lines, "a tile profile"), rc = 0;
  p->rules = mem_alloc(TILES_MAX_RULES, sizeof *p->rules, "a tile profile");
  for (char *s = text; !rc && s < text + n; s++) {
    at.line++;
    char *end = memchr(s, '\n', (size_t)(text + n - s));
    size_t len = end ? (size_t)(end - s) : (size_t)(text + n - s);
    if (len > TILES_MAX_LINE) rc = bad(&at, "a line longer than a profile's lines may be (200 bytes)", NULL);
    else if (memchr(s, 0, len)) rc = bad(&at, "a NUL byte: not a text file", NULL);
    else if (!end) rc = bad(&at, "the last line has no newline: the file was cut short", NULL);
    else *end = 0, rc = parse_line(&at, s, p, lines);
    s += len;
  }
  free(lines);
  return rc;
}

int tiles_read(const char *path, TileProfile *p, char *err, size_t errlen) {
  *p = (TileProfile){0};
  FileBytes b = {0};
  char why[600];
  size_t max = (size_t)(TILES_MAX_RULES + 64) * (TILES_MAX_LINE + 1), n = strlen(path);
  int rc = file_append(&b, path, "a tile profile", max, why, sizeof why);
  if (rc) /* why is "PATH: reason" */
    ir_errorf(err, errlen, "%s: error: %s", path, strncmp(why, path, n) || why[n] != ':' ? why : why + n + 2);
  else rc = parse(&(At){.path = path, .err = err, .errlen = errlen}, b.p, b.n, p);
  free(b.p);
  if (rc) tiles_free(p);
  return rc ? -1 : 0;
}

/* What put_profile prints. */
typedef struct {
  const TileProfile *p;
  const char *comment;
} Out;

static void put_profile(FILE *f, const void *arg) {
  const Out *o = arg;
  fprintf(f, MAGIC " %d %s\n", TILES_VERSION, o->p->key);
  if (o->comment) fprintf(f, "# %s\n", o->comment);
  fprintf(f, "# M N K ta tb dtype tiles\n");
  for (int i = 0; i < o->p->nrules; i++) {
    const TileRule *r = &o->p->rules[i];
    fprintf(f, "%ld %ld %ld %d %d %s %s\n", r->shape.M, r->shape.N, r->shape.K, r->shape.ta, r->shape.tb,
            ir_dtype_name(r->shape.dtype), tiles_kind_name(r->kind));
  }
}

int tiles_write(const char *path, const TileProfile *p, const char *comment, char *err, size_t errlen) {
  Out o = {p, comment};
  if (p->nrules > TILES_MAX_RULES) return ir_errorf(err, errlen, "%s: more rules than a profile may have (4096)", path);
  return rnnc_tmp_write(path, put_profile, &o, err, errlen);
}

void tiles_set(TileProfile *p, TileShape s, TileKind kind) {
  for (int i = 0; i < p->nrules; i++)
    if (tile_shape_eq(p->rules[i].shape, s)) {
      p->rules[i].kind = kind;
      return;
    }
  p->rules = mem_realloc(p->rules, (size_t)p->nrules + 1, sizeof *p->rules, "a tile profile");
  p->rules[p->nrules++] = (TileRule){.shape = s, .kind = kind};
}

void tiles_free(TileProfile *p) {
  free(p->rules);
  *p = (TileProfile){0};
}

TileChoice tiles_choice(const TileProfile *p, TileKind fallback) {
  return (TileChoice){.fallback = fallback, .rules = p->rules, .nrules = p->nrules};
}

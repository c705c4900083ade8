/*
 * test_safetensors.c - the safetensors reader/writer and the bind layer.
 *
 * Round trips every dtype with metadata; then feeds st_read every kind of
 * malformed file as a few literal bytes and checks it fails with a message
 * naming the file and the problem; then checks that a failed st_write leaves
 * no temporary behind and an existing file intact, and that a write removes
 * the temporaries a killed process left (and nothing else); then the bind contract (lookup,
 * shapes, dtype conversion, id ranges) as bind_load's messages state it.
 * Plain asserts: the first failure prints what was expected and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bind.h"
#include "check.h"
#include "ir.h"
#include "rnnc_tmp.h"
#include "safetensors.h"

static char dir[] = "/tmp/rnnc_test_st_XXXXXX";

typedef struct {
  char s[300];
} Path;

static Path tmp_path(const char *name) {
  Path p;
  snprintf(p.s, sizeof p.s, "%s/%s", dir, name);
  return p;
}

/* The temporary st_write uses for path (rnnc_tmp.h). */
static Path temp_of(const Path *path) {
  Path p;
  CHECK(rnnc_tmp_name(p.s, sizeof p.s, path->s) == 0, "temporary name of %s", path->s);
  return p;
}

static void write_bytes(const char *path, const void *data, size_t n) {
  FILE *fp = fopen(path, "wb");
  CHECK(fp && fwrite(data, 1, n, fp) == n && fclose(fp) == 0, "cannot write %s", path);
}

/* A file with header length field `hlen`, then `json`, then `ndata` bytes of data. */
static void write_st(const char *path, unsigned long long hlen, const char *json, size_t ndata) {
  size_t jn = strlen(json), n = 8 + jn + ndata;
  unsigned char *b = calloc(n, 1);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(hlen >> (8 * i));
  memcpy(b + 8, json, jn);
  write_bytes(path, b, n);
  free(b);
}

static void check_words(const char *what, const char *err, va_list ap) {
  for (const char *w; (w = va_arg(ap, const char *));)
    CHECK(strstr(err, w), "%s: message lacks \"%s\": %s", what, w, err);
}

/* st_read(path) must fail with a message naming the file and containing each word. */
static void expect_read_error(const char *path, ...) {
  StFile f;
  char err[512] = "";
  CHECK(st_read(path, &f, err, sizeof err) == -1, "%s: st_read accepted a bad file", path);
  CHECK(f.ntensors == 0 && f.nmeta == 0, "%s: failed read left tensors behind", path);
  CHECK(strncmp(err, path, strlen(path)) == 0, "message does not start with the file: %s", err);
  va_list ap;
  va_start(ap, path);
  check_words(path, err, ap);
  va_end(ap);
}

/* A header (correct length field) with ndata data bytes must be rejected. */
static void expect_bad_header(const char *json, size_t ndata, ...) {
  Path bad = tmp_path("bad.safetensors");
  const char *path = bad.s;
  write_st(path, strlen(json), json, ndata);
  StFile f;
  char err[512] = "";
  CHECK(st_read(path, &f, err, sizeof err) == -1, "st_read accepted %s", json);
  CHECK(strncmp(err, path, strlen(path)) == 0, "message does not start with the file: %s", err);
  va_list ap;
  va_start(ap, ndata);
  check_words(json, err, ap);
  va_end(ap);
}

static void read_ok(const char *path, StFile *f) {
  char err[512] = "";
  CHECK(st_read(path, f, err, sizeof err) == 0, "st_read failed: %s", err);
}

static void write_ok(const char *path, const StFile *f) {
  char err[512] = "";
  CHECK(st_write(path, f, err, sizeof err) == 0, "st_write failed: %s", err);
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ---- round trip ---- */

static void test_round_trip(void) {
  const float f32[6] = {1.5f, -2, 3, 1e-30f, -0.0f, 7};
  const double f64[3] = {3.141592653589793, -1e300, 5e-324};
  const int32_t i32[4] = {INT32_MIN, -1, 0, INT32_MAX};
  const int64_t i64[2] = {INT64_MIN, INT64_MAX};
  const uint8_t u8[5] = {0, 1, 127, 128, 255};
  const int64_t s23[] = {2, 3}, s3[] = {3}, s221[] = {2, 2, 1}, s2[] = {2}, s5[] = {5},
                s040[] = {0, 4, 0};
  StFile f;
  st_init(&f);
  CHECK(st_add(&f, "lstm.weight_ih", ST_F32, 2, s23, f32), "st_add F32");
  CHECK(st_add(&f, "b", ST_F64, 1, s3, f64), "st_add F64");
  CHECK(st_add(&f, "ids", ST_I32, 3, s221, i32), "st_add I32");
  CHECK(st_add(&f, "big", ST_I64, 1, s2, i64), "st_add I64");
  CHECK(st_add(&f, "bytes \"quoted\"", ST_U8, 1, s5, u8), "st_add U8");
  CHECK(st_add(&f, "empty", ST_F32, 3, s040, NULL), "st_add zero-size");
  CHECK(st_add(&f, "scalar", ST_F64, 0, NULL, NULL), "st_add rank 0");
  CHECK(st_set_meta(&f, "format", "pt") == 0 && st_set_meta(&f, "spec", "x.lua") == 0 &&
            st_set_meta(&f, "format", "rnnc") == 0,
        "st_set_meta");
  Path rt = tmp_path("rt.safetensors"), rt_tmp = temp_of(&rt);
  const char *path = rt.s;
  write_ok(path, &f);
  CHECK(access(rt_tmp.s, F_OK) != 0, "st_write left its .tmp file");

  unsigned char head[8];
  FILE *fp = fopen(path, "rb");
  CHECK(fp && fread(head, 1, 8, fp) == 8, "cannot read back %s", path);
  unsigned long long hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | head[i];
  char *json = calloc(hlen + 1, 1);
  CHECK(fread(json, 1, hlen, fp) == hlen, "short header");
  fclose(fp);
  CHECK(hlen % 8 == 0, "header length %llu is not a multiple of 8", hlen);
  const char *close = strrchr(json, '}');
  CHECK(close && strspn(close + 1, " ") == strlen(close + 1), "header padding is not spaces: %s",
        json);
  CHECK(file_size(path) == (long)(8 + hlen + 24 + 24 + 16 + 16 + 5 + 0 + 8), "file size %ld",
        file_size(path));
  free(json);

  StFile g;
  read_ok(path, &g);
  CHECK(g.ntensors == f.ntensors, "read %d tensors, wrote %d", g.ntensors, f.ntensors);
  for (int i = 0; i < f.ntensors; i++) {
    const StTensor *a = &f.tensors[i], *b = &g.tensors[i];
    CHECK(strcmp(a->name, b->name) == 0, "tensor %d is '%s', wrote '%s'", i, b->name, a->name);
    CHECK(a->dtype == b->dtype && a->rank == b->rank, "'%s': dtype or rank changed", a->name);
    CHECK(memcmp(a->shape, b->shape, (size_t)a->rank * sizeof *a->shape) == 0, "'%s': shape",
          a->name);
    CHECK(memcmp(a->data, b->data, (size_t)st_numel(a) * st_dtype_size(a->dtype)) == 0,
          "'%s': data changed", a->name);
  }
  CHECK(g.nmeta == 2 && strcmp(st_get_meta(&g, "format"), "rnnc") == 0 &&
            strcmp(st_get_meta(&g, "spec"), "x.lua") == 0 && !st_get_meta(&g, "nope"),
        "metadata did not round-trip");
  CHECK(st_numel(st_find(&g, "empty")) == 0 && st_numel(st_find(&g, "scalar")) == 1, "numel");
  CHECK(st_get(st_find(&g, "lstm.weight_ih"), 0) == 1.5 && st_get(st_find(&g, "b"), 1) == -1e300 &&
            st_get(st_find(&g, "ids"), 0) == INT32_MIN &&
            st_get(st_find(&g, "big"), 1) == (double)INT64_MAX &&
            st_get(st_find(&g, "bytes \"quoted\""), 4) == 255,
        "st_get");
  st_free(&g);
  st_free(&f);
  CHECK(f.ntensors == 0 && !f.tensors, "st_free leaves an empty file");
}

static void test_replace(void) {
  const float a1[2] = {1, 2};
  const double a2[3] = {4, 5, 6};
  const int64_t s2[] = {2}, s3[] = {3};
  StFile f;
  st_init(&f);
  st_add(&f, "a", ST_F32, 1, s2, a1);
  st_add(&f, "b", ST_F32, 1, s2, NULL);
  StTensor *t = st_add(&f, "a", ST_F64, 1, s3, a2);
  CHECK(f.ntensors == 2, "replacing added a tensor (%d)", f.ntensors);
  CHECK(t == &f.tensors[0] && st_find(&f, "a") == t, "replacement moved the tensor");
  CHECK(t->dtype == ST_F64 && t->shape[0] == 3 && ((double *)t->data)[2] == 6, "not replaced");
  CHECK(((float *)st_find(&f, "b")->data)[1] == 0, "NULL data is not zero-filled");
  const int64_t bad[] = {-1};
  CHECK(!st_add(&f, "c", ST_F32, 1, bad, NULL) && !st_add(&f, "c", ST_F32, ST_MAXDIM + 1, s2, NULL),
        "st_add accepted a bad shape");
  st_free(&f);
}

/* ---- malformed files ---- */

/* st_read_memory on the n bytes at b gives what st_read gave on them as the file path. */
static void expect_same_from_memory(const char *path, const unsigned char *b, size_t n) {
  StFile f, g;
  char file_err[512] = "", mem_err[512] = "";
  int file_rc = st_read(path, &f, file_err, sizeof file_err);
  int mem_rc = st_read_memory(b, n, path, &g, mem_err, sizeof mem_err);
  CHECK(file_rc == mem_rc && strcmp(file_err, mem_err) == 0,
        "%s, %zu bytes: from the file %d \"%s\", from memory %d \"%s\"", path, n, file_rc, file_err,
        mem_rc, mem_err);
  CHECK(mem_rc || (g.ntensors == f.ntensors && strcmp(g.path, path) == 0),
        "from memory: %d tensors, path %s", g.ntensors, g.path ? g.path : "(none)");
  st_free(&f);
  st_free(&g);
}

/* Every proper prefix of a valid file is rejected, never crashes, and reading
 * it from memory says the same. */
static void test_truncated(void) {
  const int64_t s[] = {3};
  StFile f;
  st_init(&f);
  st_add(&f, "w", ST_F64, 1, s, NULL);
  st_set_meta(&f, "k", "v");
  Path full = tmp_path("full.safetensors"), cutp = tmp_path("cut.safetensors");
  const char *path = full.s, *cut = cutp.s;
  write_ok(path, &f);
  st_free(&f);
  long n = file_size(path);
  CHECK(n > 0, "size of %s", path);
  if (n <= 0) return; /* (and gcc -O3 sees that malloc gets a size) */
  unsigned char *b = malloc((size_t)n);
  FILE *fp = fopen(path, "rb");
  CHECK(fp && fread(b, 1, (size_t)n, fp) == (size_t)n, "read back");
  fclose(fp);
  for (long k = 0; k < n; k++) {
    write_bytes(cut, b, (size_t)k);
    expect_read_error(cut,
                      k < 8        ? "too short"
                      : k < n - 24 ? "header length"
                                   : "beyond the data area",
                      (const char *)NULL);
    expect_same_from_memory(cut, b, (size_t)k);
  }
  expect_same_from_memory(path, b, (size_t)n);
  free(b);
}

static void test_malformed(void) {
  Path w = tmp_path("w.safetensors"), none = tmp_path("no_such.safetensors");
  const char *path = w.s;
  expect_read_error(none.s, "cannot open", (const char *)NULL);
  write_bytes(path, "abc", 3);
  expect_read_error(path, "3 bytes", "too short", (const char *)NULL);
  write_st(path, 100, "{}", 10);
  expect_read_error(path, "header length 100", "larger than the 12 bytes", (const char *)NULL);
  write_st(path, 1ull << 40, "", 0);
  expect_read_error(path, "absurd", "100 MB", (const char *)NULL);
  write_st(path, 0xffffffffffffffffull, "{}", 0);
  expect_read_error(path, "absurd", (const char *)NULL);

  expect_bad_header("", 0, "not valid JSON", (const char *)NULL);
  expect_bad_header("{\"a\": ", 0, "not valid JSON", (const char *)NULL);
  expect_bad_header("{} {}", 0, "unexpected bytes after the JSON", (const char *)NULL);
  expect_bad_header("[1, 2]", 0, "not a JSON object", (const char *)NULL);
  expect_bad_header("{\"w\": 5}", 0, "tensor 'w'", "not an object", (const char *)NULL);
  expect_bad_header("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "tensor 'w'",
                    "dtype is missing", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": 3, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
                    "dtype is missing or not a string", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"BF16\", \"shape\": [1], \"data_offsets\": [0, 2]}}", 2,
                    "tensor 'w'", "BF16 is not supported", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"Q7\", \"shape\": [1], \"data_offsets\": [0, 2]}}", 2,
                    "tensor 'w'", "unknown dtype 'Q7'", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": 4, \"data_offsets\": [0, 16]}}", 16,
                    "tensor 'w'", "shape is missing or not an array", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 16]}}", 16,
                    "shape is missing", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, -1], \"data_offsets\": [0, 0]}}",
                    0, "non-negative integers", "dimension 2", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4,
                    "non-negative integers", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}",
                    8, "non-negative integers", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [1,1,1,1,1,1,1,1,1], "
                    "\"data_offsets\": [0, 1]}}",
                    1, "rank 9", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0]}}", 1,
                    "tensor 'w'", "data_offsets must be two", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1, 2]}}", 2,
                    "data_offsets must be two", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, \"1\"]}}", 1,
                    "data_offsets must be two", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [-1, 0]}}", 1,
                    "data_offsets must be two", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [1]}}", 1, "data_offsets must be two",
                    (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [8, 4]}}", 8,
                    "tensor 'w'", "[8, 4]", "end is before begin", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8,
                    "tensor 'w'", "[0, 16]", "beyond the data area (8 bytes)", (const char *)NULL);
  expect_bad_header("{\"lstm1.weight_ih\": {\"dtype\": \"F32\", \"shape\": [4, 8], "
                    "\"data_offsets\": [0, 100]}}",
                    100,
                    "/bad.safetensors: tensor 'lstm1.weight_ih': data_offsets [0, 100] hold 100 "
                    "bytes, but F32 [4, 8] needs 128",
                    (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"I64\", \"shape\": [4294967296, 4294967296, 4294967296], "
                    "\"data_offsets\": [0, 0]}}",
                    0, "tensor 'w'", "too many elements", (const char *)NULL);
  expect_bad_header("{\"w\": {\"dtype\": \"I64\", \"shape\": [1073741824, 1073741824, 4], "
                    "\"data_offsets\": [0, 0]}}",
                    0, "tensor 'w'", "too many elements", (const char *)NULL);
  expect_bad_header("{\"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]}, "
                    "\"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [1, 2]}}",
                    2, "tensor 'a' appears twice", (const char *)NULL);
  expect_bad_header("{\"a\": {\"dtype\": \"U8\", \"dtype\": \"F32\", \"shape\": [1], "
                    "\"data_offsets\": [0, 1]}}",
                    1, "tensor 'a'", "key 'dtype' appears twice", (const char *)NULL);
  expect_bad_header("{\"__metadata__\": [1]}", 0, "__metadata__ is not an object",
                    (const char *)NULL);
  expect_bad_header("{\"__metadata__\": {\"k\": 1}}", 0,
                    "__metadata__ value of 'k' is not a string", (const char *)NULL);
  expect_bad_header("{\"__metadata__\": {\"k\": \"1\", \"k\": \"2\"}}", 0,
                    "__metadata__ key 'k' appears twice", (const char *)NULL);

  /* Legal edge cases: an empty header object; a zero-size tensor with spaces after the JSON. */
  StFile f;
  write_st(path, 2, "{}", 0);
  read_ok(path, &f);
  CHECK(f.ntensors == 0 && f.nmeta == 0, "empty file");
  st_free(&f);
  const char *ok = "{\"e\": {\"dtype\": \"F64\", \"shape\": [0, 3], \"data_offsets\": [0, 0]}}   ";
  write_st(path, strlen(ok), ok, 0);
  read_ok(path, &f);
  CHECK(f.ntensors == 1 && st_numel(&f.tensors[0]) == 0 && f.tensors[0].rank == 2,
        "zero-size read");
  st_free(&f);
}

/* ---- failed writes ---- */

static void expect_write_error(const char *path, const StFile *f, const char *word) {
  char err[512] = "";
  CHECK(st_write(path, f, err, sizeof err) == -1, "st_write(%s) succeeded", path);
  CHECK(strstr(err, path) && strstr(err, word), "st_write message lacks the path or \"%s\": %s",
        word, err);
}

static void test_failed_write(void) {
  const int64_t s[] = {2};
  const float v1[2] = {1, 2}, v2[2] = {3, 4};
  StFile f, g;
  st_init(&f);
  st_add(&f, "w", ST_F32, 1, s, v1);

  /* Directory does not exist: nothing is created. */
  char missing[300];
  snprintf(missing, sizeof missing, "%s/no/such/dir/w.safetensors", dir);
  expect_write_error(missing, &f, "cannot create");
  Path missing_path = {{0}};
  snprintf(missing_path.s, sizeof missing_path.s, "%s", missing);
  CHECK(access(temp_of(&missing_path).s, F_OK) != 0, "a temporary exists after a failed write");

  /* The temporary cannot be created (it is a directory): the existing PATH survives. */
  Path keep = tmp_path("keep.safetensors"), keep_tmp = temp_of(&keep);
  const char *path = keep.s, *tmp = keep_tmp.s;
  write_ok(path, &f);
  CHECK(mkdir(tmp, 0700) == 0, "mkdir %s", tmp);
  st_add(&f, "w", ST_F32, 1, s, v2);
  expect_write_error(path, &f, "cannot create");
  CHECK(rmdir(tmp) == 0, "the blocking directory is gone");
  read_ok(path, &g);
  CHECK(((float *)g.tensors[0].data)[0] == 1, "a failed write changed the existing file");
  st_free(&g);

  /* rename fails (PATH is a directory): the temporary written first is removed. */
  Path adir = tmp_path("adir"), adir_tmp = temp_of(&adir);
  const char *dpath = adir.s, *dtmp = adir_tmp.s;
  CHECK(mkdir(dpath, 0700) == 0, "mkdir %s", dpath);
  expect_write_error(dpath, &f, "cannot write");
  CHECK(access(dtmp, F_OK) != 0, "a temporary exists after a failed rename");
  rmdir(dpath);

  /* And a successful write does replace the file. */
  write_ok(path, &f);
  read_ok(path, &g);
  CHECK(((float *)g.tensors[0].data)[0] == 3, "st_write did not replace the file");
  st_free(&g);
  st_free(&f);
}

/* ---- bind ---- */

/* A PID that no process has: a child's, after it has been reaped. */
static long dead_pid(void) {
  pid_t pid = fork();
  CHECK(pid >= 0, "fork");
  if (pid == 0) _exit(0);
  CHECK(waitpid(pid, NULL, 0) == pid, "waitpid");
  return (long)pid;
}

/* What a kill -9 leaves (a dead process's temporary file, and its directory
 * of files as the compile cache makes them) goes at the next write into that
 * directory; a live process's temporary and names that only look alike stay. */
static void test_leftovers(void) {
  char name[300];
  long dead = dead_pid();
  snprintf(name, sizeof name, "%s/w.safetensors.rnnc-%ld.tmp", dir, dead);
  write_bytes(name, "half", 4);
  Path dead_dir;
  char inside[400];
  snprintf(dead_dir.s, sizeof dead_dir.s, "%s/src.rnnc-%ld.tmp", dir, dead);
  CHECK(mkdir(dead_dir.s, 0700) == 0, "mkdir %s", dead_dir.s);
  snprintf(inside, sizeof inside, "%s/model.c", dead_dir.s);
  write_bytes(inside, "int x;", 6);
  Path live = tmp_path("other.safetensors"), live_tmp = temp_of(&live);
  write_bytes(live_tmp.s, "mine", 4);
  const char *lookalikes[] = {"a.rnnc-.tmp", "a.rnnc-12x.tmp", "a.rnnc-1.tmpx", "rnnc-1.tmp", "a.1.tmp"};
  for (size_t i = 0; i < sizeof lookalikes / sizeof *lookalikes; i++) write_bytes(tmp_path(lookalikes[i]).s, "u", 1);

  StFile f;
  st_init(&f);
  int64_t s[1] = {1};
  const float v[1] = {1};
  st_add(&f, "w", ST_F32, 1, s, v);
  write_ok(tmp_path("w.safetensors").s, &f);
  st_free(&f);
  CHECK(access(name, F_OK) != 0, "a dead process's temporary %s survived a write", name);
  CHECK(access(dead_dir.s, F_OK) != 0, "a dead process's temporary directory %s survived a write", dead_dir.s);
  CHECK(access(live_tmp.s, F_OK) == 0, "a live process's temporary %s was removed", live_tmp.s);
  for (size_t i = 0; i < sizeof lookalikes / sizeof *lookalikes; i++)
    CHECK(access(tmp_path(lookalikes[i]).s, F_OK) == 0, "%s is not a temporary, but was removed", lookalikes[i]);
  remove(live_tmp.s);
  for (size_t i = 0; i < sizeof lookalikes / sizeof *lookalikes; i++) remove(tmp_path(lookalikes[i]).s);
  remove(tmp_path("w.safetensors").s);
}

static void expect_bind_error(const StFile *f, const Node *leaf, void *buf, ...) {
  char err[512] = "";
  CHECK(bind_load(f, leaf, buf, err, sizeof err) == -1, "bind_load accepted '%s'",
        leaf->attr.name);
  CHECK(strncmp(err, "in.safetensors: tensor '", 24) == 0, "message lacks file and tensor: %s",
        err);
  va_list ap;
  va_start(ap, buf);
  check_words(leaf->attr.name, err, ap);
  va_end(ap);
}

static void bind_ok(const StFile *f, const Node *leaf, void *buf) {
  char err[512] = "";
  CHECK(bind_load(f, leaf, buf, err, sizeof err) == 0, "bind_load: %s", err);
}

static void test_bind(void) {
  Graph *g = ir_graph_new();
  g->cfg.dtype = DT_F32;
  Node *w = ir_param(g, "l.w", ir_shape(2, 2, 3), (Init){INIT_ZEROS, 0, 0}, true);
  Node *x = ir_input(g, "x", ir_shape(2, 3, 2), DT_I32);
  x->attr.max = 10;
  Node *y = ir_input(g, "y", ir_shape(1, 2), DT_I32);
  const double wd[6] = {0.5, 1, 2, 3, 4, 5.25};
  const int64_t s23[] = {2, 3}, s32[] = {3, 2}, s2[] = {2}, s6[] = {6};
  StFile f;
  st_init(&f);
  f.path = malloc(sizeof "in.safetensors"); /* as st_read would record it */
  strcpy(f.path, "in.safetensors");

  float wbuf[6];
  int32_t xbuf[6];
  expect_bind_error(&f, w, wbuf, "'l.w' is missing (the file has no tensors)", (const char *)NULL);
  char name[16];
  for (int i = 0; i < 7; i++) {
    snprintf(name, sizeof name, "t%d", i);
    st_add(&f, name, ST_U8, 0, NULL, NULL);
  }
  expect_bind_error(&f, w, wbuf, "'l.w' is missing", "'t0', 't1', 't2', 't3', 't4' and 2 more",
                    (const char *)NULL);

  /* floats: F64 -> F32, shape checked, ints refused */
  st_add(&f, "l.w", ST_F64, 2, s32, wd);
  expect_bind_error(&f, w, wbuf, "has shape [3, 2], but the model needs [2, 3]",
                    (const char *)NULL);
  st_add(&f, "l.w", ST_F64, 2, s23, wd);
  bind_ok(&f, w, wbuf);
  CHECK(wbuf[0] == 0.5f && wbuf[5] == 5.25f, "F64 -> F32 conversion");
  w->dtype = DT_F64;
  double dbuf[6];
  const float wf[6] = {1, 2, 3, 4, 5, 6.5f};
  st_add(&f, "l.w", ST_F32, 2, s23, wf);
  bind_ok(&f, w, dbuf);
  CHECK(dbuf[5] == 6.5, "F32 -> F64 conversion");
  st_add(&f, "l.w", ST_I32, 2, s23, NULL);
  expect_bind_error(&f, w, dbuf, "is I32, but the model needs floats", (const char *)NULL);

  /* ints: I32 and I64 accepted, floats and U8 refused, ranges checked */
  const int32_t xi[6] = {0, 1, 2, 9, 3, 4};
  st_add(&f, "x", ST_I32, 2, s32, xi);
  bind_ok(&f, x, xbuf);
  CHECK(xbuf[3] == 9, "I32 ids");
  int64_t xl[6] = {5, 6, 7, 8, 9, 0};
  st_add(&f, "x", ST_I64, 2, s32, xl);
  bind_ok(&f, x, xbuf);
  CHECK(xbuf[0] == 5 && xbuf[4] == 9, "I64 ids narrowed");
  xl[3] = 10;
  st_add(&f, "x", ST_I64, 2, s32, xl);
  expect_bind_error(&f, x, xbuf, "element [1, 1] is 10, outside [0, 10)", (const char *)NULL);
  xl[3] = -1;
  st_add(&f, "x", ST_I64, 2, s32, xl);
  expect_bind_error(&f, x, xbuf, "element [1, 1] is -1, outside [0, 10)", (const char *)NULL);
  xl[3] = 5000000000;
  st_add(&f, "x", ST_I64, 2, s32, xl);
  expect_bind_error(&f, x, xbuf, "element [1, 1] is 5000000000, outside the int32 range",
                    (const char *)NULL);
  st_add(&f, "x", ST_F32, 2, s32, NULL);
  expect_bind_error(&f, x, xbuf, "is F32, but the model needs integer ids", (const char *)NULL);
  st_add(&f, "x", ST_U8, 2, s32, NULL);
  expect_bind_error(&f, x, xbuf, "is U8", (const char *)NULL);
  st_add(&f, "x", ST_I32, 1, s6, NULL);
  expect_bind_error(&f, x, xbuf, "has shape [6], but the model needs [3, 2]", (const char *)NULL);
  const int32_t yi[2] = {-7, 123456};
  st_add(&f, "y", ST_I32, 1, s2, yi);
  bind_ok(&f, y, xbuf);
  CHECK(xbuf[0] == -7 && xbuf[1] == 123456, "no bound: any int32 is accepted");

  /* bind_store writes the node's dtype and shape; reading it back is the identity */
  StFile out;
  st_init(&out);
  bind_store(&out, "l.w", w, dbuf);
  bind_store(&out, "x", x, xbuf);
  w->dtype = DT_F32;
  bind_store(&out, "w32", w, wbuf);
  const StTensor *t = st_find(&out, "l.w");
  CHECK(t && t->dtype == ST_F64 && t->rank == 2 && t->shape[0] == 2 && t->shape[1] == 3 &&
            ((double *)t->data)[5] == 6.5,
        "bind_store F64");
  t = st_find(&out, "x");
  CHECK(t && t->dtype == ST_I32 && t->shape[0] == 3 && ((int32_t *)t->data)[0] == -7,
        "bind_store I32");
  t = st_find(&out, "w32");
  CHECK(t && t->dtype == ST_F32 && ((float *)t->data)[0] == 0.5f, "bind_store F32");
  st_free(&out);
  st_free(&f);
  ir_graph_free(g);
}

int main(void) {
  CHECK(mkdtemp(dir), "mkdtemp");
  test_round_trip();
  test_replace();
  test_truncated();
  test_malformed();
  test_failed_write();
  test_leftovers();
  test_bind();
  const char *left[] = {"rt.safetensors",   "bad.safetensors", "w.safetensors",
                        "full.safetensors", "cut.safetensors", "keep.safetensors"};
  for (size_t i = 0; i < sizeof left / sizeof *left; i++) unlink(tmp_path(left[i]).s);
  CHECK(rmdir(dir) == 0, "temporary directory %s is not empty", dir);
  return check_done("test_safetensors");
}

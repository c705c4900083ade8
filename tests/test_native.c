/*
 * test_native.c - native_compile compiles only code that passes
 * `rnnc check`, and native_load loads only what native_compile wrote.
 *
 * A file calling system() must be refused before the C compiler runs (no
 * object, no temporary); a clean file must compile into an object that
 * loads as far as its symbols (it is no model, so that is the error); an
 * object the C compiler wrote directly, without the record, must be refused.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "native.h"
#include "check.h"

/* A failed check says what went wrong and shows the detail (a path, a message). */
#define CHECK_DETAIL(cond, what, detail) CHECK(cond, "%s: %s", what, detail)

static char dir[] = "/tmp/rnnc_test_backend_XXXXXX";

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CHECK_DETAIL(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write", path);
}

static void path_in(char *buf, size_t size, const char *name) { snprintf(buf, size, "%s/%s", dir, name); }

/* Loading so as the model "m" must fail with `want` in the message. */
static void load_fails(const char *so, const char *want) {
  char err[1024] = "";
  Graph g = {.cfg = {.name = "m"}};
  Native *b = native_load(so, &g, GOAL_PREDICT, NULL, NULL, err, sizeof err);
  CHECK_DETAIL(b == NULL, "native_load accepted an object that is no model", so);
  CHECK_DETAIL(strstr(err, want) != NULL, want, err);
}

int main(void) {
  CHECK_DETAIL(mkdtemp(dir) != NULL, "mkdtemp", dir);
  char bad[512], good[512], so[512], raw[512], cmd[2048], err[1024] = "";
  path_in(bad, sizeof bad, "bad.c"), path_in(good, sizeof good, "good.c");
  path_in(so, sizeof so, "m.so"), path_in(raw, sizeof raw, "raw.so");

  write_text(bad, "#include <stdlib.h>\nint m_run(void) { return system(\"true\"); }\n");
  CHECK_DETAIL(native_compile(bad, "-O0", so, err, sizeof err) != 0, "a file calling system() compiled", bad);
  CHECK_DETAIL(strstr(err, "fails `rnnc check`") != NULL, "the error names the check", err);
  CHECK_DETAIL(access(so, F_OK) != 0, "an object was written for code that fails the check", so);

  write_text(good, "int m_twice(int x);\nint m_twice(int x) { return 2 * x; }\n");
  CHECK_DETAIL(native_compile(good, "-O0", so, err, sizeof err) == 0, "a clean file did not compile", err);
  load_fails(so, "not a model built by this rnnc"); /* loaded: only the symbols are missing */

  snprintf(cmd, sizeof cmd, "cc -shared -fPIC -o %s %s", raw, good);
  CHECK_DETAIL(system(cmd) == 0, "cc failed", cmd);
  load_fails(raw, "refusing to load: truncated, or not an object this rnnc compiled");

  CHECK_DETAIL(unlink(bad) == 0 && unlink(good) == 0 && unlink(so) == 0 && unlink(raw) == 0, "files left", dir);
  CHECK_DETAIL(rmdir(dir) == 0, "the directory holds more than the test wrote", dir);
  return check_done("test_native");
}

/*
 * check.h - the CHECK harness of the C unit tests (tests/test_*.c).
 *
 * CHECK(cond, fmt, ...) counts a check and, when cond is false, prints the
 * test's file:line, the condition and the message.  A failed check ends the
 * test at once (exit 1), since later checks usually depend on it (a file that
 * was not written, a graph that was not built); a test whose checks are
 * independent sets check_keep_going to run them all and report every failure.
 * check_done prints the count and gives main's exit code.
 */
#ifndef RNNC_TESTS_CHECK_H
#define RNNC_TESTS_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int check_count, check_failed;
static bool check_keep_going;

#define CHECK(cond, ...) CHECK_AT(__LINE__, cond, __VA_ARGS__)
/* For a helper that checks on behalf of its caller: line is the caller's. */
#define CHECK_AT(line, cond, ...) check_that((cond), __FILE__, (line), #cond, __VA_ARGS__)

static void check_that(bool ok, const char *file, int line, const char *cond, const char *fmt, ...) {
  check_count++;
  if (ok) return;
  check_failed++;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s:%d: check failed: %s\n  ", file, line, cond);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (!check_keep_going) exit(1);
}

static int check_done(const char *test) {
  if (check_failed) printf("%s: %d checks, %d failed\n", test, check_count, check_failed);
  else printf("%s: %d checks passed\n", test, check_count);
  return check_failed != 0;
}

#endif

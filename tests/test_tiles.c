/*
 * test_tiles.c - tile profiles (host/tiles.h) as hostile input: a good
 * profile reads back as written; every damaged or hostile one is refused
 * with the message at its line, and leaves nothing behind.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tiles.h"

static char dir[] = "/tmp/rnnc_test_tiles_XXXXXX";
static char path[64];

static void write_bytes(const char *text, size_t n) {
  FILE *f = fopen(path, "wb");
  CHECK(f && fwrite(text, 1, n, f) == n && fclose(f) == 0, "cannot write %s", path);
}

/* text as the profile must be refused with `want` (after "PATH:") in the message. */
static void refused_bytes(const char *what, const char *text, size_t n, const char *want) {
  char err[1024] = "", expect[256];
  TileProfile p;
  write_bytes(text, n);
  snprintf(expect, sizeof expect, "%s:%s", path, want);
  CHECK(tiles_read(path, &p, err, sizeof err) == -1, "%s: accepted", what);
  CHECK(!strncmp(err, expect, strlen(expect)), "%s: the message is '%s', want '%s...'", what, err, expect);
  CHECK(p.rules == NULL && p.nrules == 0, "%s: rules left behind", what);
}

static void refused(const char *what, const char *text, const char *want) {
  refused_bytes(what, text, strlen(text), want);
}

#define HEADER "rnnc-tiles 1 0123456789abcdef\n"

static void good_profile(void) {
  const char *text = HEADER "# a comment\n\n64 512 128 0 0 f32 wide\n512 128 192 1 0 f64 portable\n";
  char err[1024];
  TileProfile p, q;
  write_bytes(text, strlen(text));
  CHECK(tiles_read(path, &p, err, sizeof err) == 0, "a good profile is refused: %s", err);
  CHECK(!strcmp(p.key, "0123456789abcdef") && p.nrules == 2, "key '%s', %d rules", p.key, p.nrules);
  TileShape s0 = {.M = 64, .N = 512, .K = 128, .dtype = DT_F32}, s1 = {.M = 512, .N = 128, .K = 192, .ta = true, .dtype = DT_F64};
  TileChoice c = tiles_choice(&p, TILES_WIDE);
  CHECK(tile_choose(&c, s0) == TILES_WIDE && tile_choose(&c, s1) == TILES_PORTABLE, "the rules are not read as written");
  TileShape other = s0;
  other.tb = true;
  CHECK(tile_choose(&c, other) == TILES_WIDE, "a shape without a rule does not get the fallback");
  c = tiles_choice(&p, TILES_PORTABLE);
  CHECK(tile_choose(&c, other) == TILES_PORTABLE, "a shape without a rule does not get the fallback");
  /* written and read again: the same rules, and a replaced rule replaced */
  tiles_set(&p, s1, TILES_WIDE);
  CHECK(p.nrules == 2, "tiles_set added a rule for a shape that had one");
  CHECK(tiles_write(path, &p, "a comment", err, sizeof err) == 0, "cannot write: %s", err);
  CHECK(tiles_read(path, &q, err, sizeof err) == 0, "a written profile is refused: %s", err);
  c = tiles_choice(&q, TILES_PORTABLE);
  CHECK(q.nrules == 2 && tile_choose(&c, s1) == TILES_WIDE && tile_choose(&c, s0) == TILES_WIDE, "read back wrong");
  tiles_free(&p), tiles_free(&q);
}

static void hostile_profiles(void) {
  refused("empty", "", "1: error: empty");
  refused("no header", "64 512 128 0 0 f32 wide\n", "1: error: not a tile profile");
  refused("another version", "rnnc-tiles 2 0123456789abcdef\n", "1: error: the format version must be 1");
  refused("a bad key", "rnnc-tiles 1 0123456789ABCDEF\n", "1: error: the key must be 16 hex digits");
  refused("truncated", HEADER "64 512 128 0 0 f32 wi", "2: error: the last line has no newline");
  refused("a word short", HEADER "64 512 128 0 0 f32\n", "2: error: a rule is 7 words");
  refused("a word too many", HEADER "64 512 128 0 0 f32 wide wide\n", "2: error: a rule is 7 words");
  refused("a negative M", HEADER "-64 512 128 0 0 f32 wide\n", "2: error: M must be an integer in [1, 16777216], got '-64'");
  refused("a zero N", HEADER "64 0 128 0 0 f32 wide\n", "2: error: N must be an integer");
  refused("a huge K", HEADER "64 512 99999999999999999999 0 0 f32 wide\n", "2: error: K must be an integer");
  refused("K past the extent", HEADER "64 512 16777217 0 0 f32 wide\n", "2: error: K must be an integer");
  refused("a float", HEADER "64 512 1e3 0 0 f32 wide\n", "2: error: K must be an integer");
  refused("a flag of 2", HEADER "64 512 128 2 0 f32 wide\n", "2: error: ta must be 0 or 1, got '2'");
  refused("an unknown dtype", HEADER "64 512 128 0 0 i32 wide\n", "2: error: the dtype must be f32 or f64, got 'i32'");
  refused("unknown tiles", HEADER "64 512 128 0 0 f32 huge\n", "2: error: the tiles must be portable or wide, got 'huge'");
  refused("a shape twice", HEADER "64 512 128 0 0 f32 wide\n64 512 128 0 0 f32 portable\n",
          "3: error: this shape has a rule already (line 2)");
  refused_bytes("a NUL byte", HEADER "64 512 128 0 0 f32\0wide\n", sizeof HEADER + 24, "2: error: a NUL byte");

  char *line = malloc(400);
  memset(line, '1', 399), line[399] = 0;
  char *text = malloc(600);
  snprintf(text, 600, HEADER "%s\n", line);
  refused("an over-long line", text, "2: error: a line longer than a profile's lines may be (200 bytes)");
  free(line), free(text);

  /* one rule more than TILES_MAX_RULES */
  size_t cap = 64 + (size_t)(TILES_MAX_RULES + 1) * 32, n = 0;
  char *many = malloc(cap);
  n += (size_t)snprintf(many + n, cap - n, HEADER);
  for (int i = 1; i <= TILES_MAX_RULES + 1; i++) n += (size_t)snprintf(many + n, cap - n, "%d 512 128 0 0 f32 wide\n", i);
  char want[64];
  snprintf(want, sizeof want, "%d: error: more rules than a profile may have", TILES_MAX_RULES + 2);
  refused("too many rules", many, want);
  free(many);

  /* a file far larger than any profile is refused before it is read */
  FILE *f = fopen(path, "wb");
  CHECK(f && !ftruncate(fileno(f), 1L << 30) && !fclose(f), "cannot make a large file");
  char err[1024];
  TileProfile p;
  CHECK(tiles_read(path, &p, err, sizeof err) == -1 && strstr(err, "more than rnnc reads"), "a 1 GB file: '%s'", err);
}

int main(void) {
  check_keep_going = true;
  CHECK(mkdtemp(dir) != NULL, "cannot create %s", dir);
  snprintf(path, sizeof path, "%s/tiles.txt", dir);
  good_profile();
  hostile_profiles();
  remove(path);
  rmdir(dir);
  return check_done("test_tiles");
}

/*
 * test_team.c - the team of threads of rnnc train --threads (team.c).
 *
 * Teams of 1 to 4 members (4 on fewer cores too) run many runs in a row:
 * after each team_run every member has run the job exactly once more, and
 * what each wrote is what the caller reads; what the caller wrote before
 * the run is what the members read.  Some runs start after the caller
 * paused, or have one member pause inside the job, longer than team.c
 * watches before it sleeps: both hand-overs run both ways, watched and
 * woken.  The plain build compiles this test and team.c with
 * ThreadSanitizer (tests/CMakeLists.txt), which reports any access the
 * hand-overs leave unordered; the ASan build checks the same values.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>

#include "check.h"
#include "team.h"

enum { MAX_MEMBERS = 4, RUNS = 3000, PAUSE_NS = 400 * 1000 };

typedef struct {
  long run;                     /* written by the caller before each run */
  long runs[MAX_MEMBERS];       /* each member's count of jobs */
  long seen[MAX_MEMBERS];       /* the run each member read */
  long result[MAX_MEMBERS][64]; /* what each member wrote */
} Shared;

static void pause_ns(long ns) {
  struct timespec ts = {0, ns};
  nanosleep(&ts, NULL);
}

static void job(void *ctx, int k) {
  Shared *s = ctx;
  s->runs[k]++;
  s->seen[k] = s->run;
  if (s->run % 101 == 7 && k == (int)(s->run % MAX_MEMBERS)) pause_ns(PAUSE_NS); /* the caller sleeps */
  for (int i = 0; i < 64; i++) s->result[k][i] = s->run * 1000 + k * 64 + i;
}

static void test_team(int n) {
  char err[128];
  Team *t = team_new(n, err, sizeof err);
  CHECK(t != NULL, "a team of %d: %s", n, err);
  static Shared s;
  memset(&s, 0, sizeof s);
  for (long r = 1; r <= RUNS; r++) {
    s.run = r;
    if (r % 97 == 3) pause_ns(PAUSE_NS); /* the members sleep */
    team_run(t, job, &s);
    for (int k = 0; k < n; k++) {
      CHECK(s.runs[k] == r, "team of %d, run %ld: member %d ran %ld jobs", n, r, k, s.runs[k]);
      CHECK(s.seen[k] == r, "team of %d, run %ld: member %d read run %ld", n, r, k, s.seen[k]);
      for (int i = 0; i < 64; i++)
        CHECK(s.result[k][i] == r * 1000 + k * 64 + i, "team of %d, run %ld: member %d's result %d", n, r, k, i);
    }
  }
  team_free(t);
}

int main(void) {
  for (int n = 1; n <= MAX_MEMBERS; n++) test_team(n);
  team_free(NULL);
  return check_done("test_team");
}

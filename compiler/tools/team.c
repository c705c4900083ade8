/*
 * team.c - a fixed team of threads: one job per member, run after run.
 *
 * The threads are made once and sleep on a condition variable between runs:
 * team_run sets the run's job, bumps a generation number and wakes them,
 * runs member 0's job on the caller's thread (so n members keep n cores
 * busy), and waits until the count of members still working drops to zero.  Every hand-over goes
 * through the one mutex, which is what makes the members' results visible
 * to the caller after team_run, and the caller's writes between runs visible
 * to the members.  The member threads block SIGINT and SIGTERM: signals go
 * to the caller's thread (rnnc train's handler only sets a flag, which the
 * caller reads between runs).
 */
#define _POSIX_C_SOURCE 200809L
#include "team.h"
#include "alloc.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

typedef struct {
  Team *team;
  int k;
  pthread_t thread;
} Member;

struct Team {
  int n, started; /* members; threads made (members 1..started) */
  TeamJob job; /* of the run under way */
  void *ctx;
  Member *members;
  pthread_mutex_t mu;
  pthread_cond_t go, finished;
  unsigned long generation; /* of the run under way */
  int working;              /* members 1..n-1 not yet done with it */
  bool quit;
};

static void *member_main(void *arg) {
  Member *m = arg;
  Team *t = m->team;
  unsigned long done = 0; /* the last generation this member ran */
  pthread_mutex_lock(&t->mu);
  for (;;) {
    while (t->generation == done && !t->quit) pthread_cond_wait(&t->go, &t->mu);
    if (t->quit) break;
    done = t->generation;
    TeamJob job = t->job;
    void *ctx = t->ctx;
    pthread_mutex_unlock(&t->mu);
    job(ctx, m->k);
    pthread_mutex_lock(&t->mu);
    if (--t->working == 0) pthread_cond_signal(&t->finished);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

Team *team_new(int n, char *err, size_t errlen) {
  Team *t = mem_calloc(1, sizeof *t, "the team");
  Member *members = mem_calloc((size_t)n, sizeof *members, "the team");
  *t = (Team){.n = n, .members = members};
  pthread_mutex_init(&t->mu, NULL);
  pthread_cond_init(&t->go, NULL);
  pthread_cond_init(&t->finished, NULL);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old); /* the new threads inherit the mask */
  int rc = 0;
  for (int k = 1; k < n && !rc; k++) {
    members[k] = (Member){.team = t, .k = k};
    rc = pthread_create(&members[k].thread, NULL, member_main, &members[k]);
    if (!rc) t->started = k;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc) {
    ir_errorf(err, errlen, "cannot start thread %d of %d: %s", t->started + 2, n, strerror(rc));
    team_free(t);
    return NULL;
  }
  return t;
}

void team_run(Team *t, TeamJob job, void *ctx) {
  pthread_mutex_lock(&t->mu);
  t->job = job, t->ctx = ctx;
  t->working = t->n - 1;
  t->generation++;
  pthread_cond_broadcast(&t->go);
  pthread_mutex_unlock(&t->mu);
  job(ctx, 0);
  pthread_mutex_lock(&t->mu);
  while (t->working > 0) pthread_cond_wait(&t->finished, &t->mu);
  pthread_mutex_unlock(&t->mu);
}

void team_free(Team *t) {
  if (!t) return;
  pthread_mutex_lock(&t->mu);
  t->quit = true;
  pthread_cond_broadcast(&t->go);
  pthread_mutex_unlock(&t->mu);
  for (int k = 1; k <= t->started; k++) pthread_join(t->members[k].thread, NULL);
  pthread_cond_destroy(&t->go);
  pthread_cond_destroy(&t->finished);
  pthread_mutex_destroy(&t->mu);
  free(t->members);
  free(t);
}

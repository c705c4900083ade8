/*
 * team.c - a fixed team of threads: one job per member, run after run.
 *
 * The threads are made once and wait between runs: team_run sets the run's
 * job, bumps a generation number and wakes them, runs member 0's job on the
 * caller's thread (so n members keep n cores busy), and waits until the
 * count of members still working drops to zero.  A training step hands work
 * over twice, a fraction of a millisecond apart, and waking a thread that
 * sleeps on a condition variable can take tens of microseconds (a
 * virtual machine's interrupt): so whoever waits first watches the
 * generation or the count for up to SPIN_NS, and only then sleeps on its
 * condition variable (a bound: on fewer cores than members, a watcher takes
 * at most that from a thread with work).  The generation and the count are atomic (release when
 * written, acquire when read), which is what makes the members' results
 * visible to the caller after team_run, and the caller's writes between
 * runs visible to the members; a sleeper is woken under the mutex, after
 * the change it waits for, so no wake-up is missed.  The member threads
 * block SIGINT and SIGTERM: signals go to the caller's thread (rnnc train's
 * handler only sets a flag, which the caller reads between runs).
 */
#define _POSIX_C_SOURCE 200809L
#include "team.h"
#include "alloc.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
  atomic_ulong generation; /* of the run under way */
  atomic_int working;      /* members 1..n-1 not yet done with it */
  atomic_bool quit;
};

enum { SPIN_NS = 200 * 1000 };

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Watches until done(t, arg) or SPIN_NS pass: whether it is done. */
static bool spin(const Team *t, bool (*done)(const Team *, unsigned long), unsigned long arg) {
  long long until = now_ns() + SPIN_NS;
  for (int i = 1;; i++) {
    if (done(t, arg)) return true;
    if (i % 64 == 0 && now_ns() > until) return false;
  }
}

/* A member's wait is over: a run after generation `done`, or the end. */
static bool new_run(const Team *t, unsigned long done) {
  return atomic_load_explicit(&t->generation, memory_order_acquire) != done || atomic_load(&t->quit);
}

/* The caller's wait is over: members 1..n-1 are done with the run. */
static bool all_done(const Team *t, unsigned long unused) {
  (void)unused;
  return atomic_load_explicit(&t->working, memory_order_acquire) == 0;
}

static void *member_main(void *arg) {
  Member *m = arg;
  Team *t = m->team;
  unsigned long done = 0; /* the last generation this member ran */
  for (;;) {
    if (!spin(t, new_run, done)) {
      pthread_mutex_lock(&t->mu);
      while (!new_run(t, done)) pthread_cond_wait(&t->go, &t->mu);
      pthread_mutex_unlock(&t->mu);
    }
    if (atomic_load(&t->quit)) break;
    done = atomic_load_explicit(&t->generation, memory_order_acquire);
    t->job(t->ctx, m->k);
    if (atomic_fetch_sub_explicit(&t->working, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&t->mu);
      pthread_cond_signal(&t->finished);
      pthread_mutex_unlock(&t->mu);
    }
  }
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
  atomic_store_explicit(&t->working, t->n - 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&t->generation, 1, memory_order_release);
  pthread_cond_broadcast(&t->go);
  pthread_mutex_unlock(&t->mu);
  job(ctx, 0);
  if (spin(t, all_done, 0)) return;
  pthread_mutex_lock(&t->mu);
  while (!all_done(t, 0)) pthread_cond_wait(&t->finished, &t->mu);
  pthread_mutex_unlock(&t->mu);
}

void team_free(Team *t) {
  if (!t) return;
  pthread_mutex_lock(&t->mu);
  atomic_store(&t->quit, true);
  pthread_cond_broadcast(&t->go);
  pthread_mutex_unlock(&t->mu);
  for (int k = 1; k <= t->started; k++) pthread_join(t->members[k].thread, NULL);
  pthread_cond_destroy(&t->go);
  pthread_cond_destroy(&t->finished);
  pthread_mutex_destroy(&t->mu);
  free(t->members);
  free(t);
}

/*
 * team.h - a fixed team of threads that runs one job per member, over and
 * over (rnnc train --threads: one shard of every batch per member, one part
 * of the test split per member).
 */
#ifndef RNNC_TEAM_H
#define RNNC_TEAM_H

#include <stddef.h>

/* The most members a team has: train.c gives each member's shard 8 bits of
 * its dropout seed's index. */
enum { TEAM_MAX_MEMBERS = 256 };

typedef struct Team Team;
typedef void (*TeamJob)(void *ctx, int member);

/* A team of n members (n >= 1): member 0 is the thread that calls
 * team_run, members 1..n-1 are threads made here, once.  NULL with a
 * message when a thread cannot be made. */
Team *team_new(int n, char *err, size_t errlen);

/* Runs job(ctx, k) for every member k at once; returns when all are done,
 * with what they wrote visible to the caller (and, at the next run, what the
 * caller wrote in between visible to them). */
void team_run(Team *t, TeamJob job, void *ctx);

/* Ends the members' threads (between runs) and frees t; NULL is a no-op. */
void team_free(Team *t);

#endif

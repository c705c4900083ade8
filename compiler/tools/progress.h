/*
 * progress.h - what rnnc train shows while it runs: the progress line of an
 * epoch (the curves it leaves behind are curves.h's).
 */
#ifndef RNNC_PROGRESS_H
#define RNNC_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "checkpoint.h"

/* The progress of one epoch on `out`.  On a terminal, one line rewritten
 * in place (at most 10 times a second):
 *   epoch 3/10  412/937 [=====>....] loss 0.4123 acc 0.8521  9,874 samples/s  ETA 5s
 * otherwise plain lines: one each 10% of the epoch once it has run 10 s (so
 * a log of short epochs holds only the epochs' own lines). */
typedef struct {
  FILE *out;
  bool tty;
  int epoch, epochs;
  long batches, batch_size;
  long first;            /* the batch the epoch (re)started at */
  double t0, last, end;  /* start of the epoch (or of its resumed part); last redraw; its last batch */
  int tenths;            /* plain: the last tenth reported */
  int width;             /* tty: the longest line drawn, to clear it */
} Progress;

double progress_now(void); /* seconds, monotonic */

void progress_begin(Progress *p, FILE *out, int epoch, int epochs, long batches, long batch_size, long first);
/* After batch `done` (1-based) with the running mean loss and accuracy (NaN: none). */
void progress_update(Progress *p, long done, double loss, double acc);
/* A line of its own in the middle of the epoch (replacing the tty line, which
 * the next update draws again), after `paused` seconds spent on something
 * other than training, which the rate and ETA leave out. */
void progress_note(Progress *p, const char *line, double paused);
/* The epoch's final line (replacing the tty line): its training loss and
 * accuracy, the test loss and accuracy (NaN: none) and its seconds. */
void progress_end(Progress *p, const CkptEpoch *e);

/* "12,345" */
char *progress_count(char *buf, size_t size, long n);

#endif

/*
 * progress.c - the progress line of rnnc train.
 *
 * The line: on a terminal it is redrawn in place with a carriage return,
 * padded with spaces over whatever the previous draw left, at most every
 * 0.1 s so that drawing never costs more than the batches; in a log, a line
 * at each tenth of an epoch that has been running for 10 s or more.  Rates
 * and the ETA count only the batches run since the epoch (re)started.
 */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


enum { BAR = 30 };

double progress_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

char *progress_count(char *buf, size_t size, long n) {
  char digits[32];
  int len = snprintf(digits, sizeof digits, "%ld", n < 0 ? -n : n), o = 0;
  char tmp[48];
  if (n < 0) tmp[o++] = '-';
  for (int i = 0; i < len; i++) {
    if (i && (len - i) % 3 == 0) tmp[o++] = ',';
    tmp[o++] = digits[i];
  }
  tmp[o] = 0;
  snprintf(buf, size, "%s", tmp);
  return buf;
}

static void duration(char *buf, size_t size, double s) {
  long t = (long)(s + 0.5);
  if (t < 60) snprintf(buf, size, "%lds", t);
  else if (t < 3600) snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
  else snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
}

void progress_begin(Progress *p, FILE *out, int epoch, int epochs, long batches, long batch_size, long first) {
  *p = (Progress){.out = out, .tty = isatty(fileno(out)), .epoch = epoch, .epochs = epochs, .batches = batches,
                  .batch_size = batch_size, .first = first, .t0 = progress_now(), .last = -1};
  p->tenths = batches ? (int)(first * 10 / batches) : 10;
  p->end = -1;
}

/* A loss or accuracy: 4 decimals, or 4 digits when large (a diverging run). */
static const char *metric(char *buf, size_t size, double v) {
  snprintf(buf, size, fabs(v) < 1e4 ? "%.4f" : "%.4g", v);
  return buf;
}

/* "epoch 3/10  412/937 [=====>....] loss 0.4123 acc 0.8521" */
static int head(const Progress *p, char *buf, size_t size, long done, double loss, double acc) {
  char bar[BAR + 1];
  long fill = p->batches ? done * BAR / p->batches : BAR;
  for (int i = 0; i < BAR; i++) bar[i] = i < fill ? '=' : i == fill ? '>' : '.';
  bar[BAR] = 0;
  int n = snprintf(buf, size, "epoch %d/%d  %ld/%ld [%s]", p->epoch, p->epochs, done, p->batches, bar);
  char v[32];
  if (!isnan(loss)) n += snprintf(buf + n, size - (size_t)n, " loss %s", metric(v, sizeof v, loss));
  if (!isnan(acc)) n += snprintf(buf + n, size - (size_t)n, " acc %s", metric(v, sizeof v, acc));
  return n;
}

static double rate(const Progress *p, long done, double t) {
  return t > p->t0 ? (double)((done - p->first) * p->batch_size) / (t - p->t0) : 0;
}

static void draw(Progress *p, const char *line) {
  int len = (int)strlen(line);
  fprintf(p->out, "\r%s%*s", line, p->width > len ? p->width - len : 0, "");
  if (len > p->width) p->width = len;
  fflush(p->out);
}

void progress_update(Progress *p, long done, double loss, double acc) {
  double t = progress_now();
  if (done == p->batches) p->end = t; /* the rate of the epoch's line: training only, not the evaluation */
  int tenth = p->batches ? (int)(done * 10 / p->batches) : 10;
  if (p->tty && t - p->last < 0.1) return;
  if (!p->tty) { /* a tenth passed, in a long epoch, and not the last batch (progress_end's line) */
    bool next = tenth > p->tenths;
    if (next) p->tenths = tenth;
    if (!next || t - p->t0 < 10 || done == p->batches) return;
  }
  p->last = t;
  char line[256], r[32], eta[32];
  int n = head(p, line, sizeof line, done, loss, acc);
  double per_s = rate(p, done, t);
  duration(eta, sizeof eta, per_s > 0 ? (double)((p->batches - done) * p->batch_size) / per_s : 0);
  snprintf(line + n, sizeof line - (size_t)n, "  %s samples/s  ETA %s", progress_count(r, sizeof r, lround(per_s)), eta);
  if (p->tty) draw(p, line);
  else fprintf(p->out, "%s\n", line), fflush(p->out);
}

void progress_note(Progress *p, const char *line, double paused) {
  p->t0 += paused;
  if (p->tty) draw(p, line), fputc('\n', p->out), p->last = 0;
  else fprintf(p->out, "%s\n", line);
  fflush(p->out);
}

void progress_end(Progress *p, const CkptEpoch *e) {
  char line[320], r[32], took[32];
  int n = head(p, line, sizeof line, p->batches, e->train_loss, e->train_acc);
  char v[32];
  n += snprintf(line + n, sizeof line - (size_t)n, "  test loss %s", metric(v, sizeof v, e->test_loss));
  if (!isnan(e->test_acc)) n += snprintf(line + n, sizeof line - (size_t)n, " acc %s", metric(v, sizeof v, e->test_acc));
  duration(took, sizeof took, e->seconds);
  if (e->seconds < 10) snprintf(took, sizeof took, "%.*fs", e->seconds < 1 ? 2 : 1, e->seconds);
  snprintf(line + n, sizeof line - (size_t)n, "  %s  %s samples/s", took,
           progress_count(r, sizeof r, lround(rate(p, p->batches, p->end > 0 ? p->end : progress_now()))));
  if (p->tty) draw(p, line), fputc('\n', p->out);
  else fprintf(p->out, "%s\n", line);
  fflush(p->out);
}

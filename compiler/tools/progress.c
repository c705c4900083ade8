/*
 * progress.c - the progress line of rnnc train and its training curves.
 *
 * The line: on a terminal it is redrawn in place with a carriage return,
 * padded with spaces over whatever the previous draw left, at most every
 * 0.1 s so that drawing never costs more than the batches; in a log, a line
 * at each tenth of an epoch that has been running for 10 s or more.  Rates
 * and the ETA count only the batches run since the epoch (re)started.
 *
 * The curves: a CSV for scripts, and an SVG drawn here by hand (two panels,
 * loss and accuracy, each with "nice" ticks at 1, 2 or 5 times a power of
 * ten), so that a browser shows the run without any other tool.
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

#include "rnnc_tmp.h"

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

/* ---- curves ---- */

/* Writes what `fill` prints to path through a temporary (rnnc_tmp.h) and a rename. */
static int write_atomic(const char *path, void (*fill)(FILE *, const void *), const void *arg, char *err,
                        size_t errlen) {
  size_t n = strlen(path) + 64;
  char *tmp = malloc(n);
  if (!tmp) die("out of memory");
  FILE *f = rnnc_tmp_open(path, tmp, n);
  if (f) fill(f, arg);
  int rc = f && !rnnc_tmp_commit(f, tmp, path) ? 0 : -1;
  if (rc) snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
  free(tmp);
  return rc;
}

typedef struct {
  const char *title;
  const CkptEpoch *h;
  int n;
  bool has_acc;
} Curves;

static void put_num(FILE *f, double v) {
  if (!isnan(v)) fprintf(f, "%.8g", v);
}

static void fill_csv(FILE *f, const void *arg) {
  const Curves *c = arg;
  fprintf(f, "epoch,train_loss,train_acc,test_loss,test_acc,seconds\n");
  for (int e = 0; e < c->n; e++) {
    const CkptEpoch *r = &c->h[e];
    fprintf(f, "%d,", e + 1);
    put_num(f, r->train_loss), fputc(',', f);
    put_num(f, r->train_acc), fputc(',', f);
    put_num(f, r->test_loss), fputc(',', f);
    put_num(f, r->test_acc), fputc(',', f);
    fprintf(f, "%.3f\n", r->seconds);
  }
}

/* Ticks lo, lo + step, ..., hi covering [min, max] at 1, 2 or 5 x 10^k. */
typedef struct {
  double lo, hi, step;
  int decimals;
} Axis;

static Axis nice_axis(double min, double max, int ticks) {
  if (!(max > min)) {
    double pad = fabs(min) > 0 ? fabs(min) * 0.1 : 1;
    min -= pad, max += pad;
  }
  double raw = (max - min) / ticks, mag = pow(10, floor(log10(raw))), step = mag;
  if (raw / mag > 5) step = 10 * mag;
  else if (raw / mag > 2) step = 5 * mag;
  else if (raw / mag > 1) step = 2 * mag;
  Axis a = {floor(min / step) * step, ceil(max / step) * step, step, 0};
  a.decimals = step < 1 ? (int)ceil(-log10(step) - 1e-9) : 0;
  return a;
}

static void xml_text(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) fputc(*s, f);
  }
}

enum { PW = 420, PH = 260, ML = 60, MT = 62, GAP = 90 }; /* plot size, left/top margins, between panels */

/* One panel at x offset ox: train and test series of `which` (0 loss, 1 accuracy). */
static void panel(FILE *f, const Curves *c, int which, int ox) {
  double min = INFINITY, max = -INFINITY;
  for (int e = 0; e < c->n; e++) {
    double v[2] = {which ? c->h[e].train_acc : c->h[e].train_loss, which ? c->h[e].test_acc : c->h[e].test_loss};
    for (int k = 0; k < 2; k++)
      if (isfinite(v[k])) min = fmin(min, v[k]), max = fmax(max, v[k]);
  }
  if (!isfinite(min)) min = 0, max = 1;
  Axis y = nice_axis(min, max, 5);
  int xmax = c->n > 1 ? c->n : 2, xstep = (xmax + 9) / 10;
  double x0 = ox + ML, y0 = MT;
#define PX(e) (x0 + (double)((e) - 1) / (xmax - 1) * PW)
#define PY(v) (y0 + PH - ((v) - y.lo) / (y.hi - y.lo) * PH)
  fprintf(f, "<g font-family=\"sans-serif\" font-size=\"12\">\n");
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n", x0 + PW / 2.0,
          y0 - 12, which ? "accuracy" : "loss");
  for (double v = y.lo; v <= y.hi + y.step / 2; v += y.step) {
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", x0, PY(v), x0 + PW, PY(v));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", x0 - 6, PY(v) + 4, y.decimals, v);
  }
  for (int e = 1; e <= xmax; e += xstep) {
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>\n", PX(e), y0 + PH, PX(e),
            y0 + PH + 5);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>\n", PX(e), y0 + PH + 18, e);
  }
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#000\"/>\n", x0, y0, PW, PH);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n", x0 + PW / 2.0, y0 + PH + 36);
  static const char *const color[2] = {"#1f77b4", "#ff7f0e"}, *const label[2] = {"train", "test"};
  for (int k = 0; k < 2; k++) {
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", color[k],
            k ? " stroke-dasharray=\"6 3\"" : "");
    for (int e = 0; e < c->n; e++) {
      double v = which ? (k ? c->h[e].test_acc : c->h[e].train_acc) : (k ? c->h[e].test_loss : c->h[e].train_loss);
      if (isfinite(v)) fprintf(f, "%.1f,%.1f ", PX(e + 1), PY(v));
    }
    fprintf(f, "\"/>\n");
    for (int e = 0; e < c->n; e++) {
      double v = which ? (k ? c->h[e].test_acc : c->h[e].train_acc) : (k ? c->h[e].test_loss : c->h[e].train_loss);
      if (isfinite(v)) fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", PX(e + 1), PY(v), color[k]);
    }
    /* the legend inside the plot: top right for the loss (falling), bottom right for accuracy (rising) */
    double lx = x0 + PW - 84, ly = (which ? y0 + PH - 44 : y0 + 10) + 16 + 18 * k;
    if (k == 0)
      fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"76\" height=\"42\" fill=\"#fff\" stroke=\"#999\"/>\n", lx - 6,
              ly - 14);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", lx, ly - 4,
            lx + 24, ly - 4, color[k], k ? " stroke-dasharray=\"6 3\"" : "");
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx + 30, ly, label[k]);
  }
  fprintf(f, "</g>\n");
#undef PX
#undef PY
}

static void fill_svg(FILE *f, const void *arg) {
  const Curves *c = arg;
  int panels = c->has_acc ? 2 : 1, w = panels * (ML + PW) + (panels - 1) * GAP + 30, h = MT + PH + 50;
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", w, h + 10, w,
          h + 10);
  fprintf(f, "<title>");
  xml_text(f, c->title);
  fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
  fprintf(f, "<text x=\"%d\" y=\"20\" font-family=\"sans-serif\" font-size=\"15\" font-weight=\"bold\">", ML);
  xml_text(f, c->title);
  fprintf(f, "</text>\n");
  panel(f, c, 0, 0);
  if (c->has_acc) panel(f, c, 1, ML + PW + GAP);
  fprintf(f, "</svg>\n");
}

int curves_write(const char *stem, const char *title, const CkptEpoch *h, int n, bool has_acc, char *err,
                 size_t errlen) {
  Curves c = {title, h, n, has_acc};
  size_t len = strlen(stem) + 8;
  char *path = malloc(len);
  if (!path) die("out of memory");
  snprintf(path, len, "%s.csv", stem);
  int rc = write_atomic(path, fill_csv, &c, err, errlen);
  snprintf(path, len, "%s.svg", stem);
  if (!rc) rc = write_atomic(path, fill_svg, &c, err, errlen);
  free(path);
  return rc;
}

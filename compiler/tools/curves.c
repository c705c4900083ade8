/*
 * curves.c - the training curves rnnc train leaves beside its checkpoint: a
 * CSV for scripts, and an SVG drawn here by hand (two panels, loss and
 * accuracy, each with "nice" ticks at 1, 2 or 5 times a power of ten), so
 * that a browser shows the run without any other tool.
 */
#include "curves.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "rnnc_tmp.h"

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
  char *path = mem_alloc(len, 1, "a file name");
  snprintf(path, len, "%s.csv", stem);
  int rc = rnnc_tmp_write(path, fill_csv, &c, err, errlen);
  snprintf(path, len, "%s.svg", stem);
  if (!rc) rc = rnnc_tmp_write(path, fill_svg, &c, err, errlen);
  free(path);
  return rc;
}

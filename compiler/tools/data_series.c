/*
 * data_series.c - series: the sine made from the seed, and CSV files.
 *
 * Sine: s_t = sin(2 pi t / 50) + e_t, e_t ~ N(0, 0.1^2) for t = 0 .. 11199
 * (224 periods), e_t by Box-Muller from rnnc_uniform(seed, SINE_STREAM, 2t)
 * and (.., 2t + 1): the same seed gives the same series bit for bit.
 *
 * CSV: the first number of every line (a ',' or ';' ends it; the rest of the
 * line is ignored); blank lines are skipped; the first line is a header if it
 * does not parse; any other line that does not (or is not finite) is an error
 * at FILE:LINE.
 *
 * Both: the test part is the last test_fraction of the values; each part is
 * cut in windows of W values at every start (stride 1), y = the value after
 * the window (a target [1]) or the H values after it (a per-step target
 * [H, 1]: a forecast of H steps), so no window spans both parts.
 */
#include "data_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnnc_rand.h"

#define SINE_SIGMA 0.1

enum {
  SINE_PERIOD = 50,         /* samples per period */
  SINE_SAMPLES = 11200,     /* 224 periods: ~10,000 training windows at T <= 70 */
  SINE_STREAM = 0x73696e65, /* "sine": the rnnc_rand stream of the noise */
};

/* Cuts v[0..n) in windows of w values plus the next h, train then test. */
static int series_windows(Load *L, const double *v, long n, int w, int h) {
  long wh = (long)w + h;
  if (n < wh)
    return data_fail(L, "%s: the window of %d values is longer than the series: a window and the %d value%s after it "
                   "need %ld values, the series has %ld", L->src, w, h, h == 1 ? "" : "s", wh, n);
  long split = n - lround((double)n * L->test_fraction);
  long ntrain = split - wh + 1, ntest = n - split - wh + 1;
  if (ntrain < 1 || ntest < 1)
    return data_fail(L, "%s: %ld values are too few for windows of %d: the training part (%ld values) and the test "
                   "part (the last %g%%, %ld values) each need at least %ld", L->src, n, w, split,
                100 * L->test_fraction, n - split, wh);
  DataSplit *parts[2] = {&L->d->train, &L->d->test};
  long start[2] = {0, split}, count[2] = {ntrain, ntest};
  for (int p = 0; p < 2; p++) {
    float *x = data_field_new(L, parts[p], 0, L->x, DT_F32, L->xs, count[p]);
    float *y = x ? data_field_new(L, parts[p], 1, L->y, DT_F32, L->ys, count[p]) : NULL;
    if (!y) return -1;
    for (long i = 0; i < count[p]; i++) {
      const double *s = v + start[p] + i;
      for (int t = 0; t < w; t++) x[i * w + t] = (float)s[t];
      for (int t = 0; t < h; t++) y[i * h + t] = (float)s[w + t];
    }
  }
  return 0;
}

/* Checks the spec's input against windows of w values; *h: the values its
 * target forecasts. */
static int series_spec(Load *L, const char *source, int w, int *h) {
  char gives[64];
  snprintf(gives, sizeof gives, "float [%d, 1] (a window of %d values)", w, w);
  if (!data_is_float_shape(L->x, L->xs, 2, w, 1)) return data_mismatch(L, L->x, L->xs, source, gives);
  *h = L->ys.rank == 2 ? L->ys.dim[0] : 1;
  if (!data_is_float_shape(L->y, L->ys, 1, 1, 0) && !data_is_float_shape(L->y, L->ys, 2, *h, 1))
    return data_mismatch(L, L->y, L->ys, source, "float [1] (the next value) or [H, 1] per step (the next H)");
  return 0;
}

int data_sine_load(Load *L, const Graph *g, uint64_t seed) {
  snprintf(L->d->source, sizeof L->d->source, "sine (period %d, sigma %g, %d samples, seed %llu)", SINE_PERIOD,
           SINE_SIGMA, SINE_SAMPLES, (unsigned long long)seed);
  int h;
  if (series_spec(L, "the sine series", g->cfg.steps, &h)) return -1;
  double *v = malloc(SINE_SAMPLES * sizeof *v);
  if (!v) return data_fail(L, "sine: out of memory");
  const double pi = 3.14159265358979323846;
  for (long t = 0; t < SINE_SAMPLES; t++) {
    double u1 = rnnc_uniform(seed, SINE_STREAM, 2 * (uint64_t)t);
    double u2 = rnnc_uniform(seed, SINE_STREAM, 2 * (uint64_t)t + 1);
    double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * pi * u2); /* 1 - u1 is in (0, 1] */
    v[t] = sin(2.0 * pi * (double)t / SINE_PERIOD) + SINE_SIGMA * z;
  }
  L->d->noise_var = SINE_SIGMA * SINE_SIGMA;
  int rc = series_windows(L, v, SINE_SAMPLES, g->cfg.steps, h);
  free(v);
  return rc;
}

/* ---- CSV ---- */

/* The first number of a line [s, end): 0, or -1 if it does not parse. */
static int csv_number(const char *s, const char *end, double *v) {
  while (s < end && isspace((unsigned char)*s)) s++;
  char *stop;
  errno = 0;
  *v = strtod(s, &stop);
  if (stop == s || !isfinite(*v)) return -1;
  while (stop < end && (*stop == ' ' || *stop == '\t' || *stop == '\r')) stop++;
  return stop == end || *stop == ',' || *stop == ';' ? 0 : -1;
}

int data_csv_load(Load *L, const Graph *g, int window) {
  snprintf(L->d->source, sizeof L->d->source, "%s", L->src);
  int w = window > 0 ? window : g->cfg.steps, h;
  if (series_spec(L, "the CSV series", w, &h)) return -1;
  FileBytes b = {0};
  if (data_read_file(L, L->src, &b)) {
    free(b.p);
    return -1;
  }
  double *v = malloc((b.n / 2 + 1) * sizeof *v); /* k non-blank lines take 2k - 1 bytes at least */
  int rc = v ? 0 : data_fail(L, "%s: out of memory", L->src);
  long n = 0, line = 0;
  bool first = true;
  for (size_t at = 0; rc == 0 && at < b.n;) {
    line++;
    const char *s = b.p + at;
    const char *nl = memchr(b.p + at, '\n', b.n - at);
    size_t len = nl ? (size_t)(nl - (b.p + at)) : b.n - at;
    at += len + 1;
    size_t k = 0;
    while (k < len && isspace((unsigned char)s[k])) k++;
    if (k == len) continue; /* blank lines */
    if (csv_number(s, s + len, &v[n]) == 0) n++;
    else if (!first) {
      int shown = len > 40 ? 40 : (int)len;
      rc = data_fail(L, "%s:%ld: not a number: '%.*s%s'", L->src, line, shown, s, len > 40 ? "..." : "");
    }
    first = false; /* only the first line may be a header */
  }
  if (rc == 0 && n == 0) rc = data_fail(L, "%s: no numbers", L->src);
  if (rc == 0) rc = series_windows(L, v, n, w, h);
  free(v);
  free(b.p);
  return rc;
}

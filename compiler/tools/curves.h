/*
 * curves.h - the training curves of a run, as CSV and SVG files.
 */
#ifndef RNNC_CURVES_H
#define RNNC_CURVES_H

#include <stdbool.h>
#include <stddef.h>

#include "checkpoint.h"

/* Writes STEM.csv (epoch, train_loss, train_acc, test_loss, test_acc,
 * seconds) and STEM.svg (loss and, when has_acc, accuracy per epoch, train
 * and test, with axes, ticks and a legend; a self-contained file a browser
 * shows), each to a temporary file renamed into place.  title heads the
 * plot.  0, or -1 with a message. */
int curves_write(const char *stem, const char *title, const CkptEpoch *h, int n, bool has_acc, char *err,
                 size_t errlen);

#endif

/*
 * sample.h - `rnnc sample`: text from a character model, one character at a
 * time through the streaming step of the generated code.
 */
#ifndef RNNC_SAMPLE_H
#define RNNC_SAMPLE_H

#include "model.h"

/* Feeds o->prime (default: a newline) to the model of o->spec with the
 * parameters and vocabulary of o->weights (a checkpoint of rnnc train on
 * text), then draws o->length characters from softmax(logits / temperature)
 * with rnnc_rand.h under o->seed, each fed back in.  Prints the prime and
 * what follows it, then a newline.  0, or 1 after printing an error. */
int sample_run(const ToolOptions *o);

#endif

/*
 * checkpoint.h - rnnc train's checkpoints: everything a run needs to go on
 * exactly where it stopped, in one safetensors file.
 *
 * Tensors: every parameter and the optimizer state under the names `rnnc
 * init` gives them (so any command taking --weights reads a checkpoint as it
 * reads a weights file), `train.history` (F64 [epochs, 6]: the curves so far)
 * and, for text, `data.vocab` (U8: the character of each id).  Metadata
 * (strings; numbers printed exactly, %.17g): the settings of the run (seed,
 * batch, steps, dtype, learning rate, data source, example limit, epochs
 * asked for, threads: the shards of a batch, ranks: the MPI processes they ran in) and where it
 * stands (epochs done, batches done in the next one, the partial sums of its
 * training loss and accuracy, the seconds it has taken so far).
 *
 * The shuffle of an epoch is a pure function of (seed, epoch) and the dropout
 * seed of a batch of (seed, its index), so (seed, epoch, batch) is the whole
 * random state: a run resumed from a checkpoint draws what the uninterrupted
 * run would have drawn.
 */
#ifndef RNNC_CHECKPOINT_H
#define RNNC_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "frontend.h"
#include "safetensors.h"

/* One row of the training curves; an accuracy is NaN when the model has none. */
typedef struct {
  double train_loss, train_acc, test_loss, test_acc, seconds;
} CkptEpoch;

typedef struct {
  /* the run */
  char spec[512];              /* the spec as given */
  char data[512], source[512]; /* --data as given (to load again); what it read (Dataset.source) */
  uint64_t seed;
  int batch, steps, dtype;     /* as trained (after overrides) */
  double lr;                   /* as trained */
  long limit;                  /* examples per split (0: all) */
  int threads;                 /* shards per batch (--threads; 1 in checkpoints older than it); with
                                  --mpi, of all ranks together */
  int ranks;                   /* processes of the MPI job (--mpi) that trained it; 1 without */
  int epochs;                  /* the epochs asked for (--epochs, else the spec's) */
  /* where it stands */
  int epoch;                   /* epochs completed */
  long batch_done;             /* batches of epoch + 1 already trained */
  double loss_sum, acc_sum;    /* over those batches */
  double seconds;              /* spent on those batches */
  CkptEpoch *history;          /* one row per completed epoch (malloc'd, `epoch` rows) */
  int nvocab;                  /* text: the vocabulary (0: none) */
  unsigned char vocab[DATA_MAX_VOCAB];
} Checkpoint;

/* Adds c's tensors and metadata to w (the parameters and optimizer state,
 * as `rnnc init` names them) and writes w to path (a temporary file, then
 * renamed).  0, or -1 with a message. */
int ckpt_write(const char *path, StFile *w, const Checkpoint *c, char *err, size_t errlen);

/* Reads path into w (every tensor: a weights file for bind.h) and c.  A
 * plain weights file (no run metadata) is an error.  0, or -1 with a message. */
int ckpt_read(const char *path, StFile *w, Checkpoint *c, char *err, size_t errlen);

/* Reads any weights file into w; when it is a checkpoint, also c (else c is
 * zero).  1 when it is a checkpoint, 0 when not, -1 with a message. */
int ckpt_read_weights(const char *path, StFile *w, Checkpoint *c, char *err, size_t errlen);

/* Fills the overrides fe leaves open (batch, steps, dtype, lr) with the
 * settings c was trained with, so that eval and sample run the very object
 * training compiled (found in the cache): with --threads N, at the batch of
 * one shard. */
void ckpt_settings(const Checkpoint *c, FeOptions *fe);

/* The vocabulary of a weights file or checkpoint (`data.vocab`): its size,
 * 0 when it has none, or -1 with a message when the tensor is malformed. */
int ckpt_vocab(const StFile *w, unsigned char vocab[DATA_MAX_VOCAB], char *err, size_t errlen);

void ckpt_free(Checkpoint *c);

#endif

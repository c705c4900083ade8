/*
 * ranks.h - rnnc train --mpi: the processes of an MPI job, each of which
 * trains its part of every batch (train.c says how a batch is split).
 *
 * A thin layer over MPI_COMM_WORLD, so that train.c names what it needs
 * (a sum of gradients, a vote, a comparison of checksums) and nothing of MPI.
 * ranks_mpi.c implements it with Open MPI when CMake finds MPI; otherwise
 * ranks_none.c, whose ranks_start refuses with a message saying how to get
 * it, so the rest of rnnc builds and runs without MPI.
 *
 * Every call after ranks_start but ranks_abort is collective: all ranks
 * make it, in the same order, or the job waits.  A rank that meets an
 * error where the others go on calls ranks_abort, which ends every rank of
 * the job, rather than returning alone.
 */
#ifndef RNNC_RANKS_H
#define RNNC_RANKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Joins the job (MPI_Init_thread: only the calling thread makes MPI calls);
 * *rank is this process's, *size the job's count.  0, or -1 with a message
 * (without MPI: how to get it). */
int ranks_start(int *rank, int *size, char *err, size_t errlen);

/* Leaves the job (MPI_Finalize), after the last collective call. */
void ranks_end(void);

/* Ends every rank of the job at once with `status` (MPI_Abort); does not return. */
_Noreturn void ranks_abort(int status);

/* Replaces n values of buf (doubles when f64, else floats) with their sums
 * over the ranks, every rank getting the same sums (MPI_Allreduce). */
void ranks_sum(void *buf, size_t n, bool f64);

/* The same for a few doubles (a batch's loss and accuracy). */
void ranks_sum_doubles(double *x, int n);

/* The largest of the ranks' v: a vote (any rank caught a signal). */
int ranks_max(int v);

/* Returns when every rank has called it (MPI_Barrier). */
void ranks_wait(void);

/* Every rank's v, in rank order, into all[size] (MPI_Allgather). */
void ranks_gather(uint64_t v, uint64_t *all);

#endif

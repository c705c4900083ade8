/*
 * ranks_mpi.c - ranks.h over MPI_COMM_WORLD (Open MPI), built when CMake
 * finds MPI.
 *
 * MPI_Init_thread asks for MPI_THREAD_FUNNELED: train.c's team threads
 * never call MPI, only the thread that started the job does.  The world
 * keeps MPI's default error handler, MPI_ERRORS_ARE_FATAL, so a failed MPI
 * call ends the job rather than returning a code nobody acts on; and mpirun
 * ends the job when a rank exits without MPI_Finalize (killed, crashed, or
 * exit() alone), so no rank waits forever for one that has gone.  Waiting
 * ranks yield their core rather than spin (Open MPI's mpi_yield_when_idle,
 * unless the environment sets it).
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include "ranks.h"

#include <limits.h>
#include <stdlib.h>
#include <mpi.h>

#include "ir.h"

int ranks_start(int *rank, int *size, char *err, size_t errlen) {
  /* A rank waiting in a collective yields its core (sched_yield) instead of spinning, unless the
   * user says otherwise: on a machine whose cores are shared (other jobs, rank 0's evaluation, the
   * team's threads) spinning takes the core the rank being waited for needs (README, Training
   * over MPI, has the measurements). */
  setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
  int provided, inited;
  MPI_Initialized(&inited);
  if (inited) die("ranks_start called twice");
  if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return ir_errorf(err, errlen, "--mpi: MPI_Init_thread failed");
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    return ir_errorf(err, errlen, "--mpi: this MPI library cannot be used by a process with threads "
                                  "(MPI_THREAD_FUNNELED not provided)");
  }
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  return 0;
}

void ranks_end(void) { MPI_Finalize(); }

_Noreturn void ranks_abort(int status) {
  MPI_Abort(MPI_COMM_WORLD, status);
  _Exit(status); /* MPI_Abort does not return; should it, this process still ends */
}

void ranks_sum(void *buf, size_t n, bool f64) {
  if (n > INT_MAX) die("a gradient of %zu values is more than one MPI_Allreduce takes", n);
  MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, f64 ? MPI_DOUBLE : MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

void ranks_sum_doubles(double *x, int n) { MPI_Allreduce(MPI_IN_PLACE, x, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); }

int ranks_max(int v) {
  int m;
  MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return m;
}

void ranks_wait(void) { MPI_Barrier(MPI_COMM_WORLD); }

void ranks_gather(uint64_t v, uint64_t *all) {
  MPI_Allgather(&v, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, MPI_COMM_WORLD);
}

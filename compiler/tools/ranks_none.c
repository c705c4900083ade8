/*
 * ranks_none.c - ranks.h when rnnc is built without MPI (CMake found no
 * MPI C library): ranks_start says how to get it, and nothing else can be
 * reached, since every other call follows a successful ranks_start.
 */
#include "ranks.h"

#include "ir.h"

int ranks_start(int *rank, int *size, char *err, size_t errlen) {
  *rank = 0, *size = 1;
  return ir_errorf(err, errlen,
                   "--mpi: this rnnc was built without MPI; install Open MPI (Debian: apt-get install "
                   "openmpi-bin libopenmpi-dev, as scripts/setup.sh does) and rebuild rnnc");
}

void ranks_end(void) {}

_Noreturn void ranks_abort(int status) { die("ranks_abort(%d) without MPI", status); }

void ranks_sum(void *buf, size_t n, bool f64) {
  (void)buf, (void)n, (void)f64;
  die("ranks_sum without MPI");
}

void ranks_sum_doubles(double *x, int n) {
  (void)x, (void)n;
  die("ranks_sum_doubles without MPI");
}

int ranks_max(int v) {
  (void)v;
  die("ranks_max without MPI");
}

void ranks_wait(void) { die("ranks_wait without MPI"); }

void ranks_gather(uint64_t v, uint64_t *all) {
  (void)v, (void)all;
  die("ranks_gather without MPI");
}

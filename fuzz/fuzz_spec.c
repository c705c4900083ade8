/*
 * fuzz_spec.c - libFuzzer target: the sandboxed Lua front end (fe_load) on a
 * spec of arbitrary text.
 *
 * fe_load takes a path (its folder is where `require` looks), so each run
 * writes the text to spec.lua in the process's temporary directory.  Batch
 * and steps are overridden small, as a spec may ask for any size.  A bad
 * spec must end in an error message, never in a crash, an exit (libFuzzer
 * reports one) or a hang (-timeout, longer than the spec deadline set here:
 * a spec that runs into the deadline ends in its error, as it must).  Use
 * with fuzz/spec.dict, the words of the spec language.
 *
 * The passes after fe_load are not fuzzed here: pipeline_run's checks of a
 * spec's results (check_goal, stream, verify) end a bad spec with exit(1) by
 * ir_user_error, which in-process fuzzing reports on the first spec without
 * a loss.
 */
#include <stdint.h>

#include "frontend.h"
#include "fuzz_util.h"

/* Well under the ctest entry's -timeout=10, and short: inputs grown from the
 * deadline spec run to the deadline, and at 2 s each they held a 10-minute
 * campaign to 8 runs a second (the median input takes 30 ms). */
static const double SPEC_SECONDS = 0.25;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fe_set_timeout(SPEC_SECONDS);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[FUZZ_PATH_MAX];
  fuzz_write(path, "spec.lua", data, size);
  FeOptions o = {.batch = 2, .steps = 3, .dtype = -1, .training = true};
  Graph *g = fe_load(path, &o);
  if (g) ir_graph_free(g);
  return 0;
}

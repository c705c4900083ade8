/*
 * step_weights.c - NAME_step_weights, the weights `rnnc build --embed-weights`
 * compiles in already prepared for NAME_step (laid out by rnnc itself,
 * codegen/params.c), must be what NAME_step_prepare makes of NAME_weights (laid
 * out by the generated code): the same bytes.  Generic over models through
 * fields.h (tests/generated/fields.sh).
 */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include HEADER

#define STR_(x) #x
#define STR(x) STR_(x)

static REAL prepared[K(_STEP_PARAMS_ELEMS)];

int main(void) {
  FN(_step_prepare)(FN(_weights), prepared);
  for (long i = 0; i < K(_STEP_PARAMS_ELEMS); i++)
    if (memcmp(&prepared[i], &FN(_step_weights)[i], sizeof prepared[i])) {
      printf("FAIL: %s_step_weights[%ld] is not what %s_step_prepare writes there\n", STR(MODEL), i, STR(MODEL));
      return 1;
    }
  printf("%s: %s_step_weights is %s_step_prepare(%s_weights)\n", STR(MODEL), STR(MODEL), STR(MODEL), STR(MODEL));
  return 0;
}

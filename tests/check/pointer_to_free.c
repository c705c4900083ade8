/* expect: tests/check/pointer_to_free.c:5:33: error: reference to 'free' is not allowed (generated code may only call functions it defines and libm) */
/* Naming a libc function without calling it is caught too (a const global, so that is the only fault). */
#include <stdlib.h>

void (*const release)(void *) = free;

/*
 * lint.h - `rnnc check`: validates generated C with libclang.  Each file must
 * parse warning-free as C99 (-Wall -Wextra -Wpedantic) and be embeddable: it
 * calls only functions it defines and libm, never recurses, declares no
 * variable-length array and keeps no mutable file-scope or static variable.
 */
#ifndef RNNC_LINT_H
#define RNNC_LINT_H

#include <stdio.h>

/* Checks the nfiles files of paths one by one, parsing each with the extra
 * clang flags (-I/-D options, passed through as given).  Prints every clang
 * diagnostic of warning severity or above as clang formats it, and every
 * violation as "file:line:col: error: what is not allowed (why)", to out.
 * Returns 0 when every file is clean, 1 when any file has a diagnostic, a
 * violation, or cannot be read or parsed. */
int lint_files(int nfiles, const char *const *paths, int nflags, const char *const *flags,
                FILE *out);

#endif

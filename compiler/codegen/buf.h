/*
 * buf.h - a growable string: how code generation builds the text it returns
 * (it writes no files; see emit_c.h).
 */
#ifndef RNNC_BUF_H
#define RNNC_BUF_H

#include <stddef.h>

#include "ir.h"

typedef struct {
  char *s; /* NULL until something is printed */
  size_t len, cap;
} Buf;

/* Appends the printf-formatted text (out of memory is a user error, alloc.h). */
void buf_printf(Buf *b, const char *fmt, ...) IR_PRINTF(2, 3);
void buf_free(Buf *b);
/* b's text; "" while nothing is printed. */
const char *buf_str(const Buf *b);
/* Appends the name of the file at `path` (a spec's, which comes from
 * outside), without its directories, as text inside a C comment that nothing
 * in it can end or change: generated code is the same bytes from any
 * checkout and says nothing of the machine that made it. */
void buf_comment_file(Buf *b, const char *path);

#endif

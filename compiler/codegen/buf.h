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
/* Appends s, which comes from outside (a spec's file path), as text inside a
 * C comment that nothing in s can end or change. */
void buf_comment_text(Buf *b, const char *s);

#endif

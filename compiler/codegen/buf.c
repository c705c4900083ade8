/*
 * buf.c - the growable string of code generation (buf.h).
 *
 * Each buf_printf measures its text with vsnprintf first and doubles the
 * capacity past what it needs, so appending n bytes costs amortised O(n).
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void buf_printf(Buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (b->len + (size_t)n + 1 > b->cap) {
    b->cap = (b->len + (size_t)n + 1) * 2;
    b->s = mem_realloc(b->s, b->cap, 1, "the generated C");
  }
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void buf_free(Buf *b) {
  free(b->s);
  *b = (Buf){0};
}

const char *buf_str(const Buf *b) { return b->s ? b->s : ""; }

/* Bytes that could end the comment or change how it is read are written as
 * \xHH instead: control and non-ASCII bytes (a newline), a backslash (a line
 * splice), the / of a star-slash or slash-star and the second ? of ?? (a
 * trigraph such as ??/ is a backslash). */
void buf_comment_file(Buf *b, const char *path) {
  const char *s = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  for (size_t i = 0; s[i]; i++) {
    unsigned char c = (unsigned char)s[i];
    bool slash_pair = c == '/' && ((i > 0 && s[i - 1] == '*') || s[i + 1] == '*');
    bool trigraph = c == '?' && i > 0 && s[i - 1] == '?';
    if (c < 32 || c > 126 || c == '\\' || slash_pair || trigraph) buf_printf(b, "\\x%02X", c);
    else buf_printf(b, "%c", c);
  }
}

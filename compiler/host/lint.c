/*
 * lint.c - `rnnc check`: libclang validation of generated (embeddable) C.
 *
 * Generated model code must drop into a product as it is: C99, warning-free,
 * no libc beyond libm, no hidden state.  Each file is parsed by libclang with
 * -std=c99 -Wall -Wextra -Wpedantic plus the caller's flags (-I/-D); every
 * diagnostic of warning severity or above is printed and fails the file.
 * Then one pre-order walk of the AST enforces the rules clang does not know:
 *   calls      every call, and every other use of a function's name, names a
 *              function defined in the file (or a header it includes) or one
 *              of `allowed_callees`; calls through function pointers are out;
 *   recursion  the graph of calls between the file's functions (keyed by
 *              USR) has no cycle, so stack use is bounded;
 *   VLAs       no variably modified type in a declaration, cast or sizeof;
 *   state      no file-scope or static variable that is not const.
 * The walk uses libclang's own data-recursive visitor (CXChildVisit_Recurse),
 * so deep expressions cost no C stack, and the cycle search afterwards is an
 * iterative depth-first search.  Declarations from system headers are
 * skipped; everything else the file includes is checked like the file.
 * Violations print like clang's diagnostics: "file:line:col: error: ...".
 */
#include "alloc.h"
#include "lint.h"

#include <clang-c/Index.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

/* Functions generated code may call without defining them: libm in double
 * and float form, and the builtins that <math.h>'s macros (INFINITY, NAN,
 * HUGE_VAL, isnan, isinf, signbit, ...) expand to under clang. */
static const char *const allowed_callees[] = {
  "exp", "expf", "exp2", "exp2f", "expm1", "expm1f",
  "log", "logf", "log2", "log2f", "log10", "log10f", "log1p", "log1pf",
  "pow", "powf", "sqrt", "sqrtf", "cbrt", "cbrtf", "hypot", "hypotf",
  "sin", "sinf", "cos", "cosf", "tan", "tanf", "asin", "asinf", "acos", "acosf",
  "atan", "atanf", "atan2", "atan2f",
  "sinh", "sinhf", "cosh", "coshf", "tanh", "tanhf", "asinh", "asinhf",
  "acosh", "acoshf", "atanh", "atanhf",
  "erf", "erff", "erfc", "erfcf", "lgamma", "lgammaf", "tgamma", "tgammaf",
  "fabs", "fabsf", "fmax", "fmaxf", "fmin", "fminf", "fdim", "fdimf", "fma", "fmaf",
  "fmod", "fmodf", "remainder", "remainderf", "copysign", "copysignf",
  "floor", "floorf", "ceil", "ceilf", "round", "roundf", "trunc", "truncf",
  "rint", "rintf", "nearbyint", "nearbyintf", "lrint", "lrintf", "lround", "lroundf",
  "ldexp", "ldexpf", "frexp", "frexpf", "modf", "modff", "scalbn", "scalbnf",
  "nextafter", "nextafterf",
  "__builtin_inf", "__builtin_inff", "__builtin_nan", "__builtin_nanf",
  "__builtin_huge_val", "__builtin_huge_valf",
  "__builtin_isnan", "__builtin_isinf", "__builtin_isinf_sign", "__builtin_isfinite",
  "__builtin_isnormal", "__builtin_signbit", "__builtin_fpclassify",
  "__builtin_isgreater", "__builtin_isgreaterequal", "__builtin_isless",
  "__builtin_islessequal", "__builtin_islessgreater", "__builtin_isunordered",
};

typedef enum { RULE_CALLS, RULE_RECURSION, RULE_VLA, RULE_STATE } CheckRule;

/* Why each rule exists: the end of every message that breaks it. */
static const char *const rule_why[] = {
  [RULE_CALLS] = "generated code may only call functions it defines and libm",
  [RULE_RECURSION] = "generated code must run in bounded stack space",
  [RULE_VLA] = "array sizes in generated code are compile-time constants",
  [RULE_STATE] = "generated code keeps no hidden state",
};

/* A function defined in the file: a node of the call graph. */
typedef struct {
  CXString usr, name;
  int first, end; /* its calls: calls[first .. end), contiguous as its body is walked once */
} CheckFunc;

/* A direct call from one function of the file to another. */
typedef struct {
  int from, to;
  CXSourceLocation at;
} CheckCall;

typedef struct {
  FILE *out;
  int errors;
  int fn;           /* the function whose body is being walked; -1 outside any */
  bool callee_next; /* the next DeclRefExpr is the callee of the call just checked */
  CheckFunc *funcs;
  int nfuncs, capfuncs;
  int *slots; /* hash table over funcs by USR: index + 1, 0 when empty */
  int nslots; /* a power of two, at least twice nfuncs */
  CheckCall *calls;
  int ncalls, capcalls;
} CheckWalk;

static enum CXCursorKind kind(CXCursor c) { return clang_getCursorKind(c); }

/* Prints "file:line:col: error: <fmt ...> (why)" at the place the code
 * appears (the expansion site for code written by a macro). */
static void violation(CheckWalk *w, CXSourceLocation at, CheckRule rule, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
static void violation(CheckWalk *w, CXSourceLocation at, CheckRule rule, const char *fmt, ...) {
  CXFile file;
  unsigned line, col;
  clang_getExpansionLocation(at, &file, &line, &col, NULL);
  CXString name = clang_getFileName(file);
  fprintf(w->out, "%s:%u:%u: error: ", clang_getCString(name), line, col);
  clang_disposeString(name);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(w->out, fmt, ap);
  va_end(ap);
  fprintf(w->out, " (%s)\n", rule_why[rule]);
  w->errors++;
}

/* Reports "<what> '<name of named>' is not allowed" at cursor at. */
static void violation_named(CheckWalk *w, CXCursor at, CXCursor named, CheckRule rule,
                            const char *what) {
  CXString name = clang_getCursorSpelling(named);
  violation(w, clang_getCursorLocation(at), rule, "%s '%s' is not allowed", what,
            clang_getCString(name));
  clang_disposeString(name);
}

/* ---- the call graph ---- */

static size_t hash(const char *s) {
  size_t h = 2166136261u; /* FNV-1a */
  while (*s) h = (h ^ (unsigned char)*s++) * 16777619u;
  return h;
}

/* The slot holding the function with this USR, or the empty slot where it goes. */
static int *slot_of(CheckWalk *w, const char *usr) {
  size_t mask = (size_t)w->nslots - 1, i = hash(usr) & mask;
  while (w->slots[i] && strcmp(clang_getCString(w->funcs[w->slots[i] - 1].usr), usr))
    i = (i + 1) & mask;
  return &w->slots[i];
}

static void rehash(CheckWalk *w) {
  free(w->slots);
  w->nslots = w->nslots ? 2 * w->nslots : 64;
  w->slots = mem_calloc((size_t)w->nslots, sizeof *w->slots, "the functions of a C file");
  for (int i = 0; i < w->nfuncs; i++) *slot_of(w, clang_getCString(w->funcs[i].usr)) = i + 1;
}

/* The node of function f, made on first sight. */
static int func_node(CheckWalk *w, CXCursor f) {
  if (2 * (w->nfuncs + 1) > w->nslots) rehash(w);
  CXString usr = clang_getCursorUSR(f);
  int *slot = slot_of(w, clang_getCString(usr));
  if (*slot) {
    clang_disposeString(usr);
    return *slot - 1;
  }
  w->funcs = mem_grow(w->funcs, w->nfuncs, &w->capfuncs, sizeof *w->funcs, "the functions of a C file");
  w->funcs[w->nfuncs] = (CheckFunc){.usr = usr, .name = clang_getCursorSpelling(f)};
  *slot = ++w->nfuncs;
  return w->nfuncs - 1;
}

static void add_call(CheckWalk *w, int to, CXSourceLocation at) {
  w->calls = mem_grow(w->calls, w->ncalls, &w->capcalls, sizeof *w->calls, "the calls of a C file");
  w->calls[w->ncalls++] = (CheckCall){w->fn, to, at};
}

static const char *func_name(const CheckWalk *w, int f) {
  return clang_getCString(w->funcs[f].name);
}

/* Reports the cycle that call closes: it calls path[k], still on the search
 * path path[0..depth), from path[depth - 1]. */
static void report_cycle(CheckWalk *w, const int *path, int depth, const CheckCall *call) {
  int k = depth - 1;
  while (path[k] != call->to) k--;
  size_t len = strlen(func_name(w, call->to)) + 3;
  for (int i = k; i < depth; i++) len += strlen(func_name(w, path[i])) + 6;
  char *cycle = mem_alloc(len, 1, "a cycle of calls"), *p = cycle;
  for (int i = k; i < depth; i++) p += sprintf(p, "'%s' -> ", func_name(w, path[i]));
  sprintf(p, "'%s'", func_name(w, call->to));
  violation(w, call->at, RULE_RECURSION, "recursion %s is not allowed", cycle);
  free(cycle);
}

/* Every call that closes a cycle: a depth-first search from each function in
 * turn, where a call to a function still on the search path is a back edge. */
static void check_recursion(CheckWalk *w) {
  int n = w->nfuncs;
  int *state = mem_calloc((size_t)n + 1, sizeof *state, "the call graph"); /* 0 unseen, 1 on the path, 2 done */
  int *path = mem_alloc((size_t)n + 1, sizeof *path, "the call graph");
  int *next = mem_alloc((size_t)n + 1, sizeof *next, "the call graph"); /* each function's next call to follow */
  for (int root = 0; root < n; root++) {
    if (state[root]) continue;
    int depth = 1;
    path[0] = root, state[root] = 1, next[root] = w->funcs[root].first;
    while (depth) {
      int u = path[depth - 1];
      if (next[u] == w->funcs[u].end) {
        state[u] = 2, depth--;
        continue;
      }
      const CheckCall *call = &w->calls[next[u]++];
      if (state[call->to] == 1) report_cycle(w, path, depth, call);
      if (state[call->to] == 0) {
        state[call->to] = 1, next[call->to] = w->funcs[call->to].first;
        path[depth++] = call->to;
      }
    }
  }
  free(state);
  free(path);
  free(next);
}

/* ---- the walk ---- */

static bool allowed_callee(const char *name) {
  for (size_t i = 0; i < sizeof allowed_callees / sizeof *allowed_callees; i++)
    if (!strcmp(name, allowed_callees[i])) return true;
  return false;
}

/* A call of function f (or, when !is_call, another use of its name) at cursor
 * at: fine when the file defines f, and then a call is an edge of the call
 * graph; otherwise f must be allowed. */
static void check_use(CheckWalk *w, CXCursor at, CXCursor f, bool is_call) {
  CXCursor def = clang_getCursorDefinition(f);
  if (!clang_Cursor_isNull(def) && !clang_Location_isInSystemHeader(clang_getCursorLocation(def))) {
    if (is_call && w->fn >= 0) add_call(w, func_node(w, def), clang_getCursorLocation(at));
    return;
  }
  CXString name = clang_getCursorSpelling(f);
  bool ok = allowed_callee(clang_getCString(name));
  clang_disposeString(name);
  if (!ok) violation_named(w, at, f, RULE_CALLS, is_call ? "call to" : "reference to");
}

static enum CXChildVisitResult take_first(CXCursor c, CXCursor parent, CXClientData data) {
  (void)parent;
  *(CXCursor *)data = c;
  return CXChildVisit_Break;
}

static CXCursor first_child(CXCursor c) {
  CXCursor child = clang_getNullCursor();
  clang_visitChildren(c, take_first, &child);
  return child;
}

/* A call is direct when its callee, stripped of parentheses and implicit
 * conversions (which libclang shows as UnexposedExpr), names a function: what
 * clang's CallExpr::getDirectCallee finds.  Anything else calls a pointer. */
static void check_call(CheckWalk *w, CXCursor call) {
  CXCursor e = first_child(call);
  while (kind(e) == CXCursor_UnexposedExpr || kind(e) == CXCursor_ParenExpr) e = first_child(e);
  CXCursor f = clang_getNullCursor();
  if (kind(e) == CXCursor_DeclRefExpr) f = clang_getCursorReferenced(e);
  if (kind(f) != CXCursor_FunctionDecl) {
    violation(w, clang_getCursorLocation(call), RULE_CALLS,
              "call through a function pointer is not allowed");
    return;
  }
  /* The walk goes on into the callee, pre-order, so e is the next DeclRefExpr
   * it meets: e is checked here, as a call, and must not count again. */
  w->callee_next = true;
  check_use(w, call, f, true);
}

/* Any other use of a function's name, as in `void (*p)(void *) = free;`. */
static void check_reference(CheckWalk *w, CXCursor ref) {
  if (w->callee_next) {
    w->callee_next = false;
    return;
  }
  CXCursor f = clang_getCursorReferenced(ref);
  if (kind(f) == CXCursor_FunctionDecl) check_use(w, ref, f, false);
}

/* Is t a variable-length array, or a pointer to or an array of one? */
static bool has_vla(CXType t) {
  for (;;) {
    t = clang_getCanonicalType(t);
    if (t.kind == CXType_VariableArray) return true;
    if (t.kind == CXType_Pointer) t = clang_getPointeeType(t);
    else if (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)
      t = clang_getArrayElementType(t);
    else return false;
  }
}

/* A variable, parameter or typedef of type t declared at c. */
static void check_declared_type(CheckWalk *w, CXCursor c, CXType t) {
  if (has_vla(t)) violation_named(w, c, c, RULE_VLA, "variable-length array in the type of");
}

static void check_cast(CheckWalk *w, CXCursor cast) {
  if (has_vla(clang_getCursorType(cast)))
    violation(w, clang_getCursorLocation(cast), RULE_VLA,
              "cast to a variable-length array type is not allowed");
}

/* sizeof is a constant unless its operand has a variable-length array type,
 * and libclang shows no type for sizeof(type): so a sizeof (or _Alignof:
 * always constant) that clang cannot evaluate is one of a VLA. */
static void check_sizeof(CheckWalk *w, CXCursor c) {
  CXEvalResult r = clang_Cursor_Evaluate(c);
  bool constant = r && clang_EvalResult_getKind(r) == CXEval_Int;
  if (r) clang_EvalResult_dispose(r);
  if (!constant)
    violation(w, clang_getCursorLocation(c), RULE_VLA,
              "sizeof of a variable-length array is not allowed");
}

/* A variable with static storage (file scope, static or extern) must be
 * const: anything else is state hidden from the caller. */
static void check_variable(CheckWalk *w, CXCursor v) {
  enum CX_StorageClass sc = clang_Cursor_getStorageClass(v);
  bool file_scope = kind(clang_getCursorSemanticParent(v)) == CXCursor_TranslationUnit ||
                    sc == CX_SC_Extern;
  if (!file_scope && sc != CX_SC_Static) return;
  /* Canonical: the const of an array's elements, or behind a typedef, counts. */
  if (clang_isConstQualifiedType(clang_getCanonicalType(clang_getCursorType(v)))) return;
  violation_named(w, v, v, RULE_STATE,
                  file_scope ? "mutable file-scope variable" : "mutable static local variable");
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData data);

/* Walks a function definition as the caller of the calls in its body. */
static void walk_function(CheckWalk *w, CXCursor f) {
  int node = func_node(w, f);
  w->fn = node;
  w->funcs[node].first = w->ncalls;
  clang_visitChildren(f, visit, w);
  w->funcs[node].end = w->ncalls;
  w->fn = -1;
}

static enum CXChildVisitResult visit(CXCursor c, CXCursor parent, CXClientData data) {
  (void)parent;
  CheckWalk *w = data;
  enum CXCursorKind k = kind(c);
  /* The platform's declarations are not ours to judge.  Only declarations
   * can sit in a system header: code a system macro writes (INFINITY) is
   * located where the macro is used. */
  if (clang_isDeclaration(k) && clang_Location_isInSystemHeader(clang_getCursorLocation(c)))
    return CXChildVisit_Continue;
  switch (k) {
  case CXCursor_FunctionDecl:
    if (!clang_isCursorDefinition(c)) break;
    walk_function(w, c);
    return CXChildVisit_Continue;
  case CXCursor_CallExpr: check_call(w, c); break;
  case CXCursor_DeclRefExpr: check_reference(w, c); break;
  case CXCursor_VarDecl:
    check_variable(w, c);
    check_declared_type(w, c, clang_getCursorType(c));
    break;
  case CXCursor_ParmDecl: check_declared_type(w, c, clang_getCursorType(c)); break;
  case CXCursor_TypedefDecl:
    check_declared_type(w, c, clang_getTypedefDeclUnderlyingType(c));
    break;
  case CXCursor_CStyleCastExpr: check_cast(w, c); break;
  case CXCursor_UnaryExpr: check_sizeof(w, c); break; /* sizeof and _Alignof */
  default: break;
  }
  return CXChildVisit_Recurse;
}

/* ---- one file ---- */

/* Prints the diagnostics of warning severity and above; returns their number. */
static int report_diagnostics(CXTranslationUnit tu, FILE *out) {
  int n = 0;
  for (unsigned i = 0; i < clang_getNumDiagnostics(tu); i++) {
    CXDiagnostic d = clang_getDiagnostic(tu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Warning) {
      CXString s = clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation |
                                                 CXDiagnostic_DisplayColumn |
                                                 CXDiagnostic_DisplayOption);
      fprintf(out, "%s\n", clang_getCString(s));
      clang_disposeString(s);
      n++;
    }
    clang_disposeDiagnostic(d);
  }
  return n;
}

/* Walks the file and searches its call graph; returns the number of violations. */
static int check_rules(CXTranslationUnit tu, FILE *out) {
  CheckWalk w = {.out = out, .fn = -1};
  clang_visitChildren(clang_getTranslationUnitCursor(tu), visit, &w);
  check_recursion(&w);
  for (int i = 0; i < w.nfuncs; i++) {
    clang_disposeString(w.funcs[i].usr);
    clang_disposeString(w.funcs[i].name);
  }
  free(w.funcs);
  free(w.slots);
  free(w.calls);
  return w.errors;
}

/* libclang reports an unreadable file as a bare error code: say why first. */
static bool readable(const char *path, FILE *out) {
  errno = 0;
  FILE *f = fopen(path, "rb");
  bool ok = f && (fgetc(f) != EOF || !ferror(f));
  int err = errno;
  if (f) fclose(f);
  if (!ok) fprintf(out, "%s: error: cannot read the file: %s\n", path, strerror(err));
  return ok;
}

static bool check_file(CXIndex index, const char *path, int nargs, const char *const *args,
                       FILE *out) {
  if (!readable(path, out)) return false;
  CXTranslationUnit tu;
  enum CXErrorCode rc = clang_parseTranslationUnit2(index, path, args, nargs, NULL, 0,
                                                    CXTranslationUnit_KeepGoing, &tu);
  if (rc != CXError_Success) {
    fprintf(out, "%s: error: libclang cannot parse the file (CXErrorCode %d)\n", path, (int)rc);
    return false;
  }
  int problems = report_diagnostics(tu, out) + check_rules(tu, out);
  clang_disposeTranslationUnit(tu);
  return problems == 0;
}

int lint_files(int nfiles, const char *const *paths, int nflags, const char *const *flags,
                FILE *out) {
  static const char *const base[] = {"-xc", "-std=c99", "-Wall", "-Wextra", "-Wpedantic"};
  enum { NBASE = sizeof base / sizeof *base };
  const char **args = mem_alloc((NBASE + (size_t)nflags) * sizeof *args, 1, "the clang arguments");
  for (int i = 0; i < NBASE + nflags; i++) args[i] = i < NBASE ? base[i] : flags[i - NBASE];
  CXIndex index = clang_createIndex(0, 0); /* 0: libclang prints no diagnostics itself */
  bool clean = true;
  for (int i = 0; i < nfiles; i++) clean &= check_file(index, paths[i], NBASE + nflags, args, out);
  clang_disposeIndex(index);
  free(args);
  return !clean;
}

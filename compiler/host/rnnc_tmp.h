/*
 * rnnc_tmp.h - the temporary files behind every file rnnc writes.
 *
 * A file is written whole under a temporary name in its own directory, then
 * renamed over its real name, so an existing file is never half-written.  A
 * process killed in between (kill -9, a crash) cannot remove its temporary,
 * so the name says whose it is: PATH.rnnc-PID.tmp.  Before writing into a
 * directory, rnnc removes the temporaries there whose process is gone
 * (rnnc_tmp_sweep), so a kill leaves nothing behind for longer than the next
 * write to that directory.  A temporary of a live process is never touched.
 * (O_TMPFILE cannot serve: the compile cache's objects are written by the C
 * compiler, by name.)
 */
#ifndef RNNC_TMP_H
#define RNNC_TMP_H

#include <stddef.h>
#include <stdio.h>

/* PATH.rnnc-PID.tmp for this process in buf.  0, or -1 if it does not fit. */
int rnnc_tmp_name(char *buf, size_t size, const char *path);

/* Removes a temporary: a file, or a directory of files. */
void rnnc_tmp_remove(const char *tmp);

/* Removes the temporaries in dir (files, and directories of files) whose
 * owner process no longer exists.  Errors are ignored: it only tidies. */
void rnnc_tmp_sweep(const char *dir);

/* Sweeps path's directory and opens a fresh temporary for path (its name in
 * tmp, tmpsize bytes), "wb".  NULL with errno set on failure. */
FILE *rnnc_tmp_open(const char *path, char *tmp, size_t tmpsize);

/* Flushes and closes f (the temporary tmp), checking both and f's error
 * indicator (so a failed fwrite anywhere counts), and renames tmp over path.  On any failure tmp is removed, path is left as it was and -1
 * is returned with errno set; else 0. */
int rnnc_tmp_commit(FILE *f, const char *tmp, const char *path);

/* The whole write: what fill prints to its FILE (given arg) becomes path,
 * through a temporary and a rename.  0, or -1 with a message in err. */
int rnnc_tmp_write(const char *path, void (*fill)(FILE *f, const void *arg), const void *arg, char *err,
                   size_t errlen);

#endif

/*
 * rnnc_tmp.c - temporary files named after their owner (see rnnc_tmp.h).
 *
 * A name is recognised as a temporary only in the exact form
 * NAME.rnnc-DIGITS.tmp, so a sweep never touches a user's file.  Its owner
 * is gone when kill(pid, 0) says there is no such process (ESRCH); EPERM
 * means another user's live process, whose file is left alone.  A recycled
 * PID only delays the removal until that process ends.
 */
#define _POSIX_C_SOURCE 200809L /* kill, opendir, lstat */
#include "rnnc_tmp.h"

#include "alloc.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define TMP_MARK ".rnnc-"
#define TMP_SUFFIX ".tmp"

int rnnc_tmp_name(char *buf, size_t size, const char *path) {
  int n = snprintf(buf, size, "%s" TMP_MARK "%ld" TMP_SUFFIX, path, (long)getpid());
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The owner's PID if name is a temporary's, else 0. */
static long owner_of(const char *name) {
  size_t n = strlen(name), ns = strlen(TMP_SUFFIX);
  if (n <= ns || strcmp(name + n - ns, TMP_SUFFIX)) return 0;
  const char *end = name + n - ns, *digits = end;
  while (digits > name && digits[-1] >= '0' && digits[-1] <= '9') digits--;
  size_t nm = strlen(TMP_MARK);
  if (digits == end || end - digits > 9 || digits - name < (ptrdiff_t)nm + 1 || strncmp(digits - nm, TMP_MARK, nm))
    return 0;
  return strtol(digits, NULL, 10);
}

static bool owner_gone(long pid) { return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH; }

/* dir/name in a fresh string, or NULL. */
static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (path) snprintf(path, n, "%s/%s", dir, name);
  return path;
}

/* A temporary directory holds only files its owner wrote. */
void rnnc_tmp_remove(const char *path) {
  struct stat st;
  if (lstat(path, &st) || !S_ISDIR(st.st_mode)) {
    unlink(path);
    return;
  }
  DIR *dp = opendir(path);
  if (!dp) return;
  for (struct dirent *e; (e = readdir(dp));) {
    char *entry = strcmp(e->d_name, ".") && strcmp(e->d_name, "..") ? join(path, e->d_name) : NULL;
    if (entry) unlink(entry);
    free(entry);
  }
  closedir(dp);
  rmdir(path);
}

void rnnc_tmp_sweep(const char *dir) {
  DIR *dp = opendir(dir);
  if (!dp) return;
  for (struct dirent *e; (e = readdir(dp));) {
    long pid = owner_of(e->d_name);
    if (pid <= 0 || !owner_gone(pid)) continue;
    char *path = join(dir, e->d_name);
    if (!path) break;
    rnnc_tmp_remove(path);
    free(path);
  }
  closedir(dp);
}

/* The directory part of path ("." for a bare name), in a fresh string. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup(".");
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *dir = malloc(n + 1);
  if (dir) memcpy(dir, path, n), dir[n] = 0;
  return dir;
}

FILE *rnnc_tmp_open(const char *path, char *tmp, size_t tmpsize) {
  if (rnnc_tmp_name(tmp, tmpsize, path)) {
    errno = ENAMETOOLONG;
    return NULL;
  }
  char *dir = dir_of(path);
  if (!dir) return NULL;
  rnnc_tmp_sweep(dir);
  free(dir);
  return fopen(tmp, "wb");
}

int rnnc_tmp_commit(FILE *f, const char *tmp, const char *path) {
  errno = 0;
  bool ok = !ferror(f) && fflush(f) == 0;
  ok = fclose(f) == 0 && ok;
  if (ok && rename(tmp, path) == 0) return 0;
  int saved = errno ? errno : EIO; /* ferror alone leaves no errno */
  remove(tmp);
  errno = saved;
  return -1;
}

int rnnc_tmp_write(const char *path, void (*fill)(FILE *f, const void *arg), const void *arg, char *err,
                   size_t errlen) {
  size_t n = strlen(path) + 64;
  char *tmp = mem_alloc(n, 1, "a file name");
  FILE *f = rnnc_tmp_open(path, tmp, n);
  if (f) fill(f, arg);
  int rc = f && !rnnc_tmp_commit(f, tmp, path) ? 0 : -1;
  if (rc) snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
  free(tmp);
  return rc;
}

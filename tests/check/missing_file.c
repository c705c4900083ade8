/* expect: tests/check/no_such_file.c: error: cannot read the file: No such file or directory */
/* args: tests/check/clean.c tests/check/no_such_file.c */
/* Several files in one run; one that cannot be read gets a clear message and fails the run. */

#!/bin/sh
# run.sh RNNC CASE - runs `rnnc check` on a C file of tests/check and checks
# the result against the file's "/* expect: ... */" line: exit status 1 and
# exactly that first line on stderr, or for "/* expect: clean */" status 0
# and no output at all.  An "/* args: ... */" line gives the arguments of
# `rnnc check` (default: the file itself).
set -u
rnnc=$1 case=$2
expected=$(sed -n 's|^/\* expect: \(.*\) \*/$|\1|p' "$case")
args=$(sed -n 's|^/\* args: \(.*\) \*/$|\1|p' "$case")
[ -n "$expected" ] || { echo "FAIL: $case has no '/* expect: ... */' line"; exit 1; }
# shellcheck disable=SC2086 # args is a list of words
err=$("$rnnc" check ${args:-$case} 2>&1 >/dev/null)
status=$?
if [ "$expected" = clean ]; then
  if [ "$status" -ne 0 ] || [ -n "$err" ]; then
    printf 'FAIL: %s: exit status %s, expected 0 and no output\n%s\n' "$case" "$status" "$err"
    exit 1
  fi
  echo "ok: $case is clean"; exit 0
fi
first=$(printf '%s\n' "$err" | head -n 1)
if [ "$status" -ne 1 ]; then
  echo "FAIL: $case: exit status $status, expected 1"; printf '%s\n' "$err"; exit 1
fi
if [ "$first" != "$expected" ]; then
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$case" "$expected" "$first"; exit 1
fi
echo "ok: $first"

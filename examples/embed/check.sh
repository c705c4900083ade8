#!/bin/sh
# check.sh PROGRAM LINES - runs the example and checks that it printed LINES
# lines of three numbers ("step input prediction") and nothing else.  The
# values are not checked: the weights are untrained.
set -eu
out=$("$1")
printf '%s\n' "$out"
numbers=$(printf '%s\n' "$out" | grep -cE '^[0-9]+( -?[0-9]+\.[0-9]+){2}$' || true)
lines=$(printf '%s\n' "$out" | wc -l)
if [ "$numbers" -ne "$2" ] || [ "$lines" -ne "$2" ]; then
  echo "FAIL: expected $2 lines of 3 numbers, got $numbers such lines of $lines"
  exit 1
fi

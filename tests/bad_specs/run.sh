#!/bin/sh
# run.sh RNNC SPEC - a bad spec must make rnnc exit with status 1 (not crash,
# not 70 for an internal error) and print exactly the message its
# "-- expect: " line gives as the first line on stderr, when compiled for the
# goal of its "-- goal: " line (step if none), with the options of its
# "-- args: " line if any.
set -u
rnnc=$1 spec=$2
expected=$(sed -n 's/^-- expect: //p' "$spec")
[ -n "$expected" ] || { echo "FAIL: $spec has no '-- expect:' line"; exit 1; }
goal=$(sed -n 's/^-- goal: //p' "$spec")
args=$(sed -n 's/^-- args: //p' "$spec")
# shellcheck disable=SC2086 # args is a list of options
err=$("$rnnc" ir "$spec" --goal "${goal:-step}" --dump-after none $args 2>&1 >/dev/null)
status=$?
first=$(printf '%s\n' "$err" | head -n 1)
if [ "$status" -ne 1 ]; then
  echo "FAIL: $spec: exit status $status, expected 1"; printf '%s\n' "$err"; exit 1
fi
if [ "$first" != "$expected" ]; then
  printf 'FAIL: %s\n  expected: %s\n  got:      %s\n' "$spec" "$expected" "$first"; exit 1
fi
printf 'ok: %s\n' "$first"

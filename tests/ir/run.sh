#!/bin/sh
# run.sh RNNC SPEC [--update] - IR golden test.
# Prints the IR after every pass (`rnnc ir`) for SPEC and compares it with
# SPEC's .expected file next to it.  The goal (predict, loss, grad, step) is
# read from a "-- goal: X" line in the spec.  --update rewrites the golden
# file instead (review the diff before committing it).
set -eu
rnnc=$1 spec=$2
expected=${spec%.lua}.expected
goal=$(sed -n 's/^-- goal: *\([a-z]*\).*/\1/p' "$spec")
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
"$rnnc" ir "$spec" --goal "${goal:-grad}" >"$actual"
if [ "${3:-}" = "--update" ]; then
  cp "$actual" "$expected"
  echo "updated $expected"
elif ! diff -u "$expected" "$actual"; then
  echo "FAIL: the IR of $spec differs from $expected (diff above; tests/ir/run.sh RNNC SPEC --update to accept)"
  exit 1
fi

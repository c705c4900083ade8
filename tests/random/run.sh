#!/bin/sh
# run.sh RNNC SEED|SPEC.lua DTYPE - a random spec (gen_spec.py SEED), or one of
# regress/ (specs random ones reduced to a bug they found), differential:
# `rnnc build` must write code that passes `rnnc check`, and the generated C
# must agree with the interpreter (tests/backend/run.sh: grad, streaming,
# three training steps).  The spec is printed first, so that a failure in the
# test log can be reproduced from the log alone.
set -eu
rnnc=$1 seed=$2 dtype=$3 # seed: a number or a spec file
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $seed in
  *.lua) cp "$seed" "$tmp/spec.lua" ;;
  *) /usr/bin/python3 "$here/gen_spec.py" "$seed" "$tmp/spec.lua" ;;
esac
cat "$tmp/spec.lua"
"$rnnc" build "$tmp/spec.lua" --dtype "$dtype" -o "$tmp/c" >/dev/null
sh "$here/../backend/run.sh" "$rnnc" "$tmp/spec.lua" "$dtype"

#!/bin/sh
# step_weights.sh RNNC SRC MODEL[:DTYPE]... - for each spec, `rnnc build
# --embed-weights` with `rnnc init`'s weights, then step_weights.c: the weights
# compiled in prepared for the streaming step are what NAME_step_prepare
# writes from the plain ones, byte for byte (both transposes, in panels or not).
set -eu
rnnc=$1 src=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for arg in "$@"; do
  model=${arg%%:*} dtype=f32
  case $arg in *:*) dtype=${arg#*:} ;; esac
  dir=$tmp/$model.$dtype
  mkdir "$dir"
  "$rnnc" init "$src/specs/$model.lua" -o "$dir/weights.safetensors" --seed 1 --dtype "$dtype"
  "$rnnc" build "$src/specs/$model.lua" -o "$dir" --dtype "$dtype" --embed-weights "$dir/weights.safetensors" >/dev/null
  sh "$here/fields.sh" "$dir/$model.h" >"$dir/fields.h"
  cc -std=c99 -O1 -Wall -Wextra -Wpedantic -Werror -I"$dir" "$here/step_weights.c" "$dir/$model.c" -lm -o "$dir/check"
  printf '%s: ' "$dtype"
  "$dir/check"
done

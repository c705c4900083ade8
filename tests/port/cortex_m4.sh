#!/bin/sh
# cortex_m4.sh RNNC SRC MODEL... - each model's generated C, with its weights
# compiled in, builds and links for a Cortex-M4F (hard float, newlib) as a
# step-only program (cortex_m4.c) with the strict warnings a product's build
# may use; prints the program's footprint (arm-none-eabi-size: text holds the
# code and the const weights, data and bss the RAM).  An f32 model's step must
# not need double arithmetic, which the M4F's single-precision FPU leaves to
# software (libgcc's __aeabi_d* helpers).  The weights are `rnnc init`'s: the
# sizes do not depend on the values.
set -eu
rnnc=$1 src=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for tool in arm-none-eabi-gcc arm-none-eabi-size; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/setup.sh installs it)"; exit 1; }
done

for model in "$@"; do
  dir=$tmp/$model
  mkdir "$dir"
  "$rnnc" init "$src/specs/$model.lua" -o "$dir/weights.safetensors" --seed 1
  "$rnnc" build "$src/specs/$model.lua" -o "$dir" --embed-weights "$dir/weights.safetensors" >/dev/null
  sh "$src/tests/generated/fields.sh" "$dir/$model.h" >"$dir/fields.h"
  arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 \
    -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -ffunction-sections -fdata-sections \
    -Wl,--gc-sections --specs=nano.specs --specs=nosys.specs \
    -I"$dir" "$here/cortex_m4.c" "$dir/$model.c" -lm -o "$dir/$model.elf"
  echo "$model: Cortex-M4F step-only program (arm-none-eabi-size, bytes):"
  arm-none-eabi-size "$dir/$model.elf"
  grep -E "define [A-Z_]+_(STREAM_ARENA_BYTES|STEP_PARAMS_ELEMS) " "$dir/$model.h"
  if grep -q "^#define REAL float" "$dir/fields.h" && arm-none-eabi-nm "$dir/$model.elf" | grep -q " __aeabi_d"; then
    echo "FAIL: $model: the f32 step calls software double arithmetic:"
    arm-none-eabi-nm "$dir/$model.elf" | grep " __aeabi_d"
    exit 1
  fi
done

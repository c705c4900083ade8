#!/bin/sh
# aarch64.sh SRC MODEL... - the generated C of each model (SRC/generated/MODEL/)
# computes the same bits on aarch64 as on x86-64.  driver.c (which see) is built
# with the model twice, natively and with aarch64-linux-gnu-gcc (static, so that
# qemu-aarch64 needs no sysroot), both ISO C99 with -ffp-contract=off, so that
# the compiler fuses no multiply-add of its own; the two runs must print the
# same text: a hash of NAME_init's parameters, every output of NAME_predict and
# of NAME_step, all as hex floats.  Twice: with RNNC_NO_FMA (each product
# rounded before it is added, as C99 evaluates it), and with the generated
# code's fmaf (rounded once), which aarch64 always has and x86-64 with -mfma.
set -eu
src=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-std=c99 -O2 -ffp-contract=off -Wall -Wextra -Wpedantic -Werror"
for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is missing (scripts/setup.sh installs it)"; exit 1; }
done

build() { # COMPILER OUTPUT [flags...]: driver.c and the model's C into $tmp/$model/OUTPUT
  cc=$1 out=$2
  shift 2
  $cc $flags "$@" -I"$tmp/$model" -I"$gen" -I"$here/../generated" "$here/driver.c" "$gen/$model.c" -lm \
    -o "$tmp/$model/$out"
}

# same MODEL NAME X86_FLAGS ARM_FLAGS: the two builds print the same
same() {
  model=$1 name=$2
  build gcc x86_64 $3 &
  build aarch64-linux-gnu-gcc aarch64 -static $4
  wait $! # the native build, run alongside
  "$tmp/$model/x86_64" >"$tmp/$model/x86_64.out"
  qemu-aarch64 "$tmp/$model/aarch64" >"$tmp/$model/aarch64.out"
  lines=$(wc -l <"$tmp/$model/x86_64.out")
  if ! cmp -s "$tmp/$model/x86_64.out" "$tmp/$model/aarch64.out"; then
    echo "FAIL: $model ($name): aarch64 and x86-64 differ (x86-64 <, aarch64 >):"
    diff "$tmp/$model/x86_64.out" "$tmp/$model/aarch64.out" | head -n 20
    exit 1
  fi
  echo "$model ($name): aarch64 (qemu) and x86-64 print the same $lines lines: $(head -n 1 "$tmp/$model/x86_64.out")"
}

for model in "$@"; do
  gen=$src/generated/$model
  mkdir "$tmp/$model"
  sh "$src/tests/generated/fields.sh" "$gen/$model.h" >"$tmp/$model/fields.h"
  same "$model" "RNNC_NO_FMA" -DRNNC_NO_FMA -DRNNC_NO_FMA
  if grep -qw fma /proc/cpuinfo; then
    same "$model" "fmaf" -mfma ""
  else
    echo "$model: this x86-64 has no FMA: the fused variant is not compared"
  fi
done

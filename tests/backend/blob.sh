#!/bin/sh
# blob.sh RNNC SPEC - NAME_init / NAME_store / NAME_load of the spec's generated
# code (blob.c), under AddressSanitizer and UndefinedBehaviorSanitizer.
set -eu
rnnc=$1 spec=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$rnnc" build "$spec" -o "$tmp" >"$tmp/files"
c=$(sed -n 2p "$tmp/files")
name=$(basename "$c" .c)
upper=$(echo "$name" | tr a-z A-Z)
cc -std=c99 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -DMODEL="$name" -DMODEL_UPPER="$upper" \
  -include "$tmp/$name.h" -o "$tmp/blob" "$(dirname "$0")/blob.c" "$c" -lm
"$tmp/blob"

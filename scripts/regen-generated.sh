#!/bin/sh
# regen-generated.sh - rewrites generated/<spec>/ with the output of
# `rnnc build specs/<spec>.lua -o generated/<spec>` for every spec in specs/
# (not the *_cell.lua files other specs require).  Run it, review the diff and
# commit it whenever the emitter's output changes: the ctest
# generated.up_to_date fails until generated/ matches what rnnc writes now.
#
#   scripts/regen-generated.sh               build rnnc into build/ (setup.sh
#                                            the first time), rewrite generated/
#   scripts/regen-generated.sh RNNC          rewrite generated/ with that rnnc
#   scripts/regen-generated.sh --check RNNC  what generated.up_to_date runs:
#                                            generate with RNNC into a temp dir,
#                                            fail on any byte difference
#
# rnnc runs from the repository root on relative paths, so the spec path the
# files mention reads specs/<spec>.lua wherever the repository is.
set -eu
usage() { echo "usage: $0 [[--check] RNNC]" >&2; exit 2; }
mode=update rnnc=
if [ "${1:-}" = "--check" ]; then
  [ $# -eq 2 ] || usage
  mode=check rnnc=$2
elif [ $# -eq 1 ]; then
  rnnc=$1
elif [ $# -ne 0 ]; then
  usage
fi
case $rnnc in */*) rnnc=$(cd "$(dirname "$rnnc")" && pwd)/$(basename "$rnnc") ;; esac
cd "$(dirname "$0")/.."

if [ -z "$rnnc" ]; then
  if [ -x build/rnnc ]; then
    cmake --build build --target rnnc >/dev/null
  else
    . scripts/setup.sh
  fi
  rnnc=build/rnnc
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/generated
mkdir "$out"

status=0
for spec in specs/*.lua; do
  name=$(basename "$spec" .lua)
  case $name in *_cell) continue ;; esac
  if ! "$rnnc" build "$spec" -o "$out/$name" >/dev/null; then
    echo "FAIL: rnnc build $spec -o generated/$name failed" >&2
    status=1
  fi
done
[ $status -eq 0 ] || exit 1

if [ $mode = update ]; then
  rm -rf generated
  cp -R "$out" generated
  echo "rewrote generated/ ($(find generated -type f | wc -l) files); review with git diff generated/"
elif ! diff -r generated "$out" >"$tmp/diff"; then
  # Names first (diff -r's "Only in" and "diff -r" lines), then the start of the diff.
  grep -E '^(Only in|diff -r|Binary files)' "$tmp/diff" | sed "s|$out|(rnnc now)|" >&2
  head -n 40 "$tmp/diff" | grep -vE '^(Only in|diff -r)' >&2 || true
  echo "FAIL: generated/ is not what $rnnc writes now; run scripts/regen-generated.sh $rnnc," \
       "review git diff generated/ and commit it" >&2
  exit 1
else
  echo "generated/ is up to date ($(find generated -type f | wc -l) files)"
fi

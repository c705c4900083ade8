#!/bin/sh
# comment_path.sh RNNC - a spec whose path could end or bend a C comment
# ("*/" in its directories, "??" and a backslash in its name) must build C
# that still passes `rnnc check` (rnnc build runs it), name only the file,
# and that with those bytes escaped.
set -eu
rnnc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir="$tmp/a*/b??/c\\"
mkdir -p "$dir"
cp specs/sine_rnn.lua "$dir/sp*ec??\\.lua"
"$rnnc" build "$dir/sp*ec??\\.lua" -o "$tmp/out" --steps 2 --batch 2 >/dev/null
cc -std=c99 -Wall -Wextra -Wpedantic -Werror -c "$tmp/out/sine_rnn.c" -o "$tmp/out/sine_rnn.o"
grep -q 'from sp\*ec?\\x3F\\x5C\.lua\.' "$tmp/out/sine_rnn.c" || {
  echo "FAIL: the file name is not escaped in the comment:"; sed -n 2p "$tmp/out/sine_rnn.c"; exit 1
}
if grep -q 'b?' "$tmp/out/sine_rnn.c"; then
  echo "FAIL: the comment names the spec's directories:"; grep -m 1 'b?' "$tmp/out/sine_rnn.c"; exit 1
fi
echo ok

#!/bin/sh
# comment_path.sh RNNC - a spec path that could end or bend a C comment
# ("*/", "??/", a backslash) must build C that still passes `rnnc check`
# (rnnc build runs it) and name the path with those bytes escaped.
set -eu
rnnc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir="$tmp/a*/b??/c\\"
mkdir -p "$dir"
cp specs/sine_rnn.lua "$dir/spec.lua"
"$rnnc" build "$dir/spec.lua" -o "$tmp/out" --steps 2 --batch 2 >/dev/null
cc -std=c99 -Wall -Wextra -Wpedantic -Werror -c "$tmp/out/sine_rnn.c" -o "$tmp/out/sine_rnn.o"
grep -q 'a\*\\x2Fb?\\x3F/c\\x5C/spec.lua' "$tmp/out/sine_rnn.c" || {
  echo "FAIL: the path is not escaped in the comment:"; sed -n 2p "$tmp/out/sine_rnn.c"; exit 1
}
echo ok

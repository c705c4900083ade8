#!/bin/sh
# run.sh RNNC CASE - tile profiles (compiler/host/tiles.h) end to end:
#   build  rnnc build --tiles PROFILE changes exactly the kernels of the
#          shapes the profile names (kernels.py), and a bad profile is an
#          error at its line;
#   tune   rnnc bench --tune writes this machine's profile, which parses and
#          which --backend c then reads; a damaged or foreign profile in the
#          cache is ignored with one note, and the run still succeeds.
#          Exit 77 (skipped) where the machine has no tiles to choose.
set -u
rnnc=$1 case=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_fail MESSAGE COMMAND...: exit status 1, stderr exactly MESSAGE.
expect_fail() {
  want=$1
  shift
  "$@" >/dev/null 2>"$tmp/err"
  status=$?
  if [ "$status" -eq 1 ] && [ "$(cat "$tmp/err")" = "$want" ]; then echo "ok: $want"; else
    fail "$*: status $status, stderr '$(cat "$tmp/err")', want '$want'"; fi
}

case $case in
build)
  spec=specs/fmnist_lstm.lua
  # the forward product h U^T (64 x 512 x 128) wide, dh = dz U (64 x 128 x 512) portable
  printf 'rnnc-tiles 1 0123456789abcdef\n64 512 128 0 0 f32 wide\n64 128 512 0 0 f32 portable\n' >"$tmp/p.txt"
  for t in portable wide "$tmp/p.txt"; do
    name=$(basename "$t" .txt)
    "$rnnc" build $spec -o "$tmp/$name" --steps 4 --tiles "$t" >/dev/null || fail "build --tiles $t"
  done
  /usr/bin/python3 tests/tiles/kernels.py "$tmp/portable/fmnist_lstm.c" "$tmp/wide/fmnist_lstm.c" \
    "$tmp/p/fmnist_lstm.c" "matmul [64, 512] (fmnist_lstm.lua:12)" "matmul [64, 128] (fmnist_lstm.lua:12)" ||
    fail "kernels.py"
  printf 'rnnc-tiles 1 0123456789abcdef\n64 512 128 0 0 f32 wide\n64 512 128 0 0 f32 portable\n' >"$tmp/bad.txt"
  expect_fail "$tmp/bad.txt:3: error: this shape has a rule already (line 2)" \
    "$rnnc" build $spec -o "$tmp/bad" --tiles "$tmp/bad.txt"
  printf 'rnnc-tiles 1 0123456789abcdef\n64 512 128 0 0 f32 wide\n64 512' >"$tmp/bad.txt"
  expect_fail "$tmp/bad.txt:3: error: the last line has no newline: the file was cut short" \
    "$rnnc" build $spec -o "$tmp/bad" --tiles "$tmp/bad.txt"
  [ ! -e "$tmp/bad" ] || fail "a build with a bad profile wrote files"
  ;;
tune)
  spec=specs/sine_rnn.lua
  export RNNC_CACHE_DIR=$tmp/cache
  "$rnnc" bench $spec --tune --repeat 3 >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; exit 1; }
  cat "$tmp/out"
  if grep -q '^bench --tune: nothing to choose' "$tmp/out"; then exit 77; fi
  [ -s "$tmp/err" ] && fail "bench --tune wrote to stderr: $(cat "$tmp/err")"
  num='[0-9]+\.[0-9]+'
  grep -Eq '^ +M +N +K +ta +tb +dtype +portable +wide +choice$' "$tmp/out" || fail "no table header"
  grep -Eq "^ +[0-9]+ +[0-9]+ +[0-9]+ +[01] +[01] +f32 +$num +$num +(portable|wide)$" "$tmp/out" || fail "no row"
  grep -Eq "^default tiles \(wide\) +$num +$num$" "$tmp/out" || fail "no default timing"
  grep -Eq "^tuned \(the profile\) +$num +$num$" "$tmp/out" || fail "no tuned timing"
  profile=$(sed -n 's/^profile: \(.*\) (key [0-9a-f]*)$/\1/p' "$tmp/out")
  case "$profile" in "$RNNC_CACHE_DIR"/tiles-*.txt) ;; *) fail "the profile is at '$profile'" ;; esac
  rows=$(grep -c '^[0-9]' "$profile")
  shapes=$(sed -n 's/^\([0-9]*\) product shapes.*/\1/p' "$tmp/out")
  [ "$rows" = "$shapes" ] && [ "$rows" -gt 0 ] || fail "the profile has $rows rules for $shapes shapes"
  "$rnnc" build $spec -o "$tmp/built" --tiles "$profile" >/dev/null || fail "the profile written does not parse"
  "$rnnc" bench $spec --tune -o "$tmp/named.txt" --repeat 3 >/dev/null || fail "bench --tune -o"
  "$rnnc" build $spec -o "$tmp/built" --tiles "$tmp/named.txt" >/dev/null || fail "the profile of -o does not parse"

  # the --backend c run reads the profile: silently when it is good, with one note when it is not
  small="--batch 2 --steps 3"
  "$rnnc" init $spec -o "$tmp/w.st" $small >/dev/null && "$rnnc" inputs $spec -o "$tmp/x.st" $small >/dev/null || exit 1
  grad() { "$rnnc" grad $spec --weights "$tmp/w.st" --inputs "$tmp/x.st" -o "$tmp/g.st" --backend c $small 2>"$tmp/err"; }
  grad || fail "grad --backend c with a good profile: $(cat "$tmp/err")"
  [ -s "$tmp/err" ] && fail "a good profile draws a message: $(cat "$tmp/err")"
  key=$(basename "$profile" .txt | sed 's/^tiles-//')
  # expect_note WHAT MESSAGE: grad succeeds, its stderr exactly one note with MESSAGE
  expect_note() {
    if ! grad; then fail "$1: grad --backend c failed: $(cat "$tmp/err")"; return; fi
    want="rnnc: note: $2; the tile profile is ignored (rnnc bench --tune measures a new one)"
    if [ "$(cat "$tmp/err")" = "$want" ]; then echo "ok: $1: one note"; else
      fail "$1: stderr '$(cat "$tmp/err")', want '$want'"; fi
  }
  printf 'rnnc-tiles 1 %s\n32 50 50 0 0 f32 wi' "$key" >"$profile"
  expect_note "truncated" "$profile:2: error: the last line has no newline: the file was cut short"
  head -c 100000 /dev/urandom | tr -d '\n\000' >"$profile"
  expect_note "random bytes" "$profile:1: error: a line longer than a profile's lines may be (200 bytes)"
  printf 'rnnc-tiles 1 0123456789abcdef\n' >"$profile"
  expect_note "another key" "$profile:1: error: measured on another machine or with other flags (key 0123456789abcdef, not $key)"
  ;;
*)
  echo "run.sh: unknown case '$case'"
  exit 2
  ;;
esac
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }

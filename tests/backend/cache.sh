#!/bin/sh
# cache.sh RNNC SPEC - the compile cache of --backend c (native.c): a cached
# object that is truncated, corrupt or replaced is rebuilt, with a note, and
# gives the same result; a run leaves nothing in the cache but the entry, on
# failure too; two runs building one entry at once both succeed; what a killed
# run left is removed; a cache directory others may write is refused; code that
# fails `rnnc check` is never compiled.
set -u
rnnc=$1 spec=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
cache=$tmp/cache
export RNNC_CACHE_DIR=$cache

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

grad() { # grad OUT: rnnc grad through the C backend, stderr in $tmp/err
  "$rnnc" grad "$spec" --weights "$tmp/w.safetensors" --inputs "$tmp/x.safetensors" -o "$1" --backend c \
    --batch 2 --steps 3 2>"$tmp/err"
}

# Only the entry itself: no sources, no temporaries.
expect_only_entry() {
  left=$(ls -A "$cache" | grep -v '^model-[0-9a-f]*\.so$')
  if [ -n "$left" ]; then fail "$1: the cache holds more than its entry: $left"; else echo "ok: $1: only the entry"; fi
}

# expect_rebuilt WHAT NOTE: the run succeeds, says NOTE and gives the first result.
expect_rebuilt() {
  if ! grad "$tmp/again.safetensors"; then fail "$1: exited with $?: $(cat "$tmp/err")"; return; fi
  case "$(cat "$tmp/err")" in
    "rnnc: note: $so: $2; rebuilding it") ;;
    *) fail "$1: stderr is '$(cat "$tmp/err")', want the note '$2'" ;;
  esac
  if cmp -s "$tmp/first.safetensors" "$tmp/again.safetensors"; then echo "ok: $1: rebuilt, same result"; else
    fail "$1: a different result after the rebuild"; fi
  grad "$tmp/again.safetensors"
  [ -s "$tmp/err" ] && fail "$1: the rebuilt entry is not taken as it is: $(cat "$tmp/err")"
  expect_only_entry "$1"
}

"$rnnc" init "$spec" -o "$tmp/w.safetensors" --batch 2 --steps 3 >/dev/null || exit 1
"$rnnc" inputs "$spec" -o "$tmp/x.safetensors" --batch 2 --steps 3 >/dev/null || exit 1
grad "$tmp/first.safetensors" || { cat "$tmp/err"; exit 1; }
so=$(ls "$cache"/model-*.so)
expect_only_entry "a cold run"
size=$(wc -c <"$so")

truncate -s $((size / 2)) "$so"
expect_rebuilt "truncated to half" "truncated, or not an object this rnnc compiled"
: >"$so"
expect_rebuilt "truncated to nothing" "truncated, or not an object this rnnc compiled"
printf 'X' | dd of="$so" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
expect_rebuilt "one byte changed" "corrupt: its bytes do not match its record"
printf 'int other(void) { return 1; }\n' >"$tmp/other.c"
cc -shared -fPIC -o "$so" "$tmp/other.c"
expect_rebuilt "replaced by another object" "truncated, or not an object this rnnc compiled"

# A failed compile leaves nothing either (and no entry).
rm -rf "$cache"
if CC=false grad "$tmp/none.safetensors"; then fail "CC=false succeeded"; fi
case "$(head -n 1 "$tmp/err")" in
  "rnnc: error: $spec: the C compiler (false) failed on "*) echo "ok: CC=false: $(head -n 1 "$tmp/err")" ;;
  *) fail "CC=false: stderr '$(head -n 1 "$tmp/err")'" ;;
esac
left=$(ls -A "$cache")
[ -z "$left" ] && echo "ok: a failed compile leaves an empty cache" || fail "a failed compile left: $left"

# Two runs building the same entry at once.
rm -rf "$cache"
"$rnnc" grad "$spec" --weights "$tmp/w.safetensors" --inputs "$tmp/x.safetensors" -o "$tmp/a.safetensors" \
  --backend c --batch 2 --steps 3 2>"$tmp/err_a" &
pid=$!
grad "$tmp/b.safetensors" || fail "concurrent run b: $(cat "$tmp/err")"
wait $pid || fail "concurrent run a: $(cat "$tmp/err_a")"
cmp -s "$tmp/a.safetensors" "$tmp/first.safetensors" && cmp -s "$tmp/b.safetensors" "$tmp/first.safetensors" &&
  echo "ok: two concurrent runs give the first result" || fail "concurrent runs differ from the first result"
grad "$tmp/again.safetensors"
[ -s "$tmp/err" ] && fail "after concurrent runs the entry is not intact: $(cat "$tmp/err")"
expect_only_entry "two concurrent runs"

# What a killed run left (its sources, a half-written object) goes; a live process's stays.
sh -c 'exit 0' &
dead=$!
wait $dead
mkdir "$cache/src.rnnc-$dead.tmp" && echo 'int x;' >"$cache/src.rnnc-$dead.tmp/model.c"
echo half >"$so.rnnc-$dead.tmp"
echo live >"$so.rnnc-$$.tmp"
grad "$tmp/again.safetensors" || fail "a run after a kill: $(cat "$tmp/err")"
left=$(ls -A "$cache" | grep -v '^model-[0-9a-f]*\.so$')
[ "$left" = "$(basename "$so").rnnc-$$.tmp" ] && echo "ok: a killed run's leftovers are removed, a live one's kept" ||
  fail "after a run, the cache holds: $left"
rm -f "$so.rnnc-$$.tmp"

# A cache others may write is refused: they could put code there for rnnc to load.
chmod 777 "$cache"
if grad "$tmp/none.safetensors"; then fail "a world-writable cache was used"; fi
case "$(head -n 1 "$tmp/err")" in
  "rnnc: error: $cache: the cache directory must be a directory of your own that others cannot write"*)
    echo "ok: a world-writable cache is refused" ;;
  *) fail "world-writable cache: stderr '$(head -n 1 "$tmp/err")'" ;;
esac
chmod 700 "$cache"

[ "$failures" -eq 0 ] && echo "all cache checks passed" || echo "$failures cache checks FAILED"
[ "$failures" -eq 0 ]

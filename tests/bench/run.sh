#!/bin/sh
# run.sh RNNC - `rnnc bench` prints its rows: the table (train step and
# predict, each with interpreter and generated times and their ratio), the
# JSON that bench/compare.py reads, and the --compile table.  Never the
# timings themselves: tests do not assert speed.
set -u
rnnc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect FILE REGEX: some line of FILE matches the extended regex.
expect() {
  if grep -Eq "$2" "$1"; then echo "ok: $2"; else
    echo "FAIL: no line matches $2"; cat "$1"; failures=$((failures + 1)); fi
}

# run NAME COMMAND...: the command succeeds; its stdout goes to $tmp/NAME.
run() {
  name=$1
  shift
  if ! "$@" >"$tmp/$name" 2>"$tmp/$name.err"; then
    echo "FAIL: $* exited with $?"; cat "$tmp/$name.err"; failures=$((failures + 1)); fi
}

num='[0-9]+\.[0-9]+'
run table "$rnnc" bench specs/sine_rnn.lua --repeat 3
expect "$tmp/table" '^bench sine_rnn \(specs/sine_rnn\.lua\): batch 32, steps 10, f32, one thread$'
expect "$tmp/table" "^not timed below: graphs $num s, generate C $num s \([0-9]+ bytes\), compile $num s \(.+\)$"
expect "$tmp/table" '^ms per run, median and min of 3 runs after one warm-up run:$'
expect "$tmp/table" '^computation +interp +min +generated +min +interp/generated$'
expect "$tmp/table" "^train step +$num +$num +$num +$num +$num""x$"
expect "$tmp/table" "^predict +$num +$num +$num +$num +$num""x$"
[ "$(wc -l <"$tmp/table")" -eq 6 ] || { echo "FAIL: not 6 lines"; failures=$((failures + 1)); }

# The JSON compare.py reads: both rows, every field a number.
run json "$rnnc" bench specs/sine_rnn.lua --repeat 3 --batch 2 --steps 3 --dtype f64 --json
if /usr/bin/python3 - "$tmp/json" <<'PY'; then echo "ok: --json"; else failures=$((failures + 1)); fi
import json, sys
r = json.load(open(sys.argv[1]))
assert (r["model"], r["batch"], r["steps"], r["dtype"], r["repeat"]) == ("sine_rnn", 2, 3, "f64", 3), r
assert [row["name"] for row in r["rows"]] == ["train", "predict"], r["rows"]
for row in r["rows"]:
    for k in ("interp_median_ms", "interp_min_ms", "generated_median_ms", "generated_min_ms", "ratio"):
        assert isinstance(row[k], float) and row[k] > 0, (k, row)
PY

# --compile with --steps measures that T only.
run compile "$rnnc" bench specs/sine_rnn.lua --compile --steps 3 --batch 2
expect "$tmp/compile" '^bench --compile sine_rnn \(specs/sine_rnn\.lua\): batch 2, f32; compiler .+$'
expect "$tmp/compile" '^ +steps +C bytes +lines +kernels +generate +cc -O2 +cc +spec to -O2 \.so$'
expect "$tmp/compile" "^ +3 +[0-9]+ +[0-9]+ +[0-9]+ +$num +$num +$num +$num$"

# A bad value is a one-line error.
if "$rnnc" bench specs/sine_rnn.lua --repeat 0 2>"$tmp/err"; then
  echo "FAIL: --repeat 0 succeeded"; failures=$((failures + 1))
else expect "$tmp/err" "^rnnc: error: --repeat expects an integer in \[1, 1000000\], got '0'$"; fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }

#!/bin/sh
# run.sh RNNC CASE - rnnc asked for something big: a clear error (exit 1, the
# limit or the size in the message) or a result, never a crash, a hang or an
# internal error (exit 70).  Every command runs under a time limit, so a
# hang fails the test (timeout's status, 124, is not the one expected).
#   steps       --steps near and at the cap on a one-unit RNN: the graph's
#               limit (IR_MAX_NODES) named before anything is built, past the
#               cap the option's range; below the limit it compiles
#   checkpoint  --resume from a checkpoint whose steps, batch or threads were
#               edited: 2^40 steps names the metadata and its range; 1000000
#               steps (in range) stops at the graph's limit, at the spec
#   spec_files  a spec, or a file it requires, that is a FIFO (no writer ever
#               comes), a directory, an endless device or larger than
#               IR_MAX_SPEC_BYTES: named, with what it is, at once
#   oom         an input larger than the address space rnnc is given
#               (ulimit -v): out of memory with the size and the tensor
set -u
rnnc=$1 case=$2
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
tiny=tests/sizes/tiny.lua

# expect STATUS MESSAGE-PREFIX COMMAND...: the command (60 s at most) exits
# with STATUS and the first line of its stderr starts with MESSAGE-PREFIX.
expect() {
  want_status=$1 want=$2
  shift 2
  timeout 60 "$@" >/dev/null 2>"$tmp/stderr"
  status=$?
  first=$(head -n 1 "$tmp/stderr")
  case "$first" in
    "$want"*) [ "$status" -eq "$want_status" ] && { echo "ok: $first"; return; } ;;
  esac
  printf 'FAIL: %s\n  status %s (want %s)\n  got:  %s\n  want: %s...\n' "$*" "$status" "$want_status" "$first" "$want"
  failures=$((failures + 1))
}

# edited CKPT KEY VALUE OUT: a copy of CKPT with metadata rnnc.KEY = VALUE.
edited() {
  /usr/bin/python3 - "$@" <<'PY'
import json, struct, sys
src, key, value, out = sys.argv[1:]
data = open(src, "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
header["__metadata__"]["rnnc." + key] = value
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
open(out, "wb").write(struct.pack("<Q", len(text)) + text + data[8 + n:])
PY
}

limit="more than the limit of 4194304; use fewer --steps"
case $case in
steps)
  expect 1 "$tiny: error: unrolling 8 per-step nodes over 1000000 steps makes 8000000 nodes, $limit" \
    "$rnnc" ir $tiny --goal step --steps 1000000
  expect 1 "$tiny: error: unrolling 8 per-step nodes over 1048576 steps makes 8388608 nodes, $limit" \
    "$rnnc" ir $tiny --goal predict --steps 1048576
  expect 1 "rnnc: error: --steps expects an integer in [1, 1048576], got '1048577'" \
    "$rnnc" ir $tiny --steps 1048577
  expect 1 "rnnc: error: --batch expects an integer in [1, 1048576], got '1099511627776'" \
    "$rnnc" ir $tiny --batch 1099511627776
  # below the limit: the whole pipeline runs (a training step's graph)
  expect 0 "" "$rnnc" ir $tiny --goal step --steps 20000
  ;;
checkpoint)
  sine=tests/train/sine_tiny.lua
  timeout 60 "$rnnc" train $sine --data sine --epochs 1 --limit 64 -o "$tmp/ck.safetensors" >/dev/null ||
    { echo "FAIL: training the checkpoint"; exit 1; }
  edited "$tmp/ck.safetensors" steps 1099511627776 "$tmp/steps40.safetensors"
  expect 1 "rnnc: error: $tmp/steps40.safetensors: checkpoint metadata 'rnnc.steps' is '1099511627776', not a number in [1, 1048576]" \
    "$rnnc" train $sine --data sine --epochs 2 --resume "$tmp/steps40.safetensors" -o "$tmp/out.safetensors"
  edited "$tmp/ck.safetensors" batch 4294967297 "$tmp/batch.safetensors"
  expect 1 "rnnc: error: $tmp/batch.safetensors: checkpoint metadata 'rnnc.batch' is '4294967297', not a number in [1, 1048576]" \
    "$rnnc" train $sine --data sine --epochs 2 --resume "$tmp/batch.safetensors" -o "$tmp/out.safetensors"
  edited "$tmp/ck.safetensors" threads 100000 "$tmp/threads.safetensors"
  expect 1 "rnnc: error: $tmp/threads.safetensors: checkpoint metadata 'rnnc.threads' is '100000', not a number in [1, 256]" \
    "$rnnc" train $sine --data sine --epochs 2 --resume "$tmp/threads.safetensors" -o "$tmp/out.safetensors"
  edited "$tmp/ck.safetensors" steps 1000000 "$tmp/steps.safetensors"
  expect 1 "$sine: error: unrolling" \
    "$rnnc" train $sine --data sine --epochs 2 --resume "$tmp/steps.safetensors" -o "$tmp/out.safetensors"
  ;;
spec_files)
  mkfifo "$tmp/pipe.lua" "$tmp/pipe_cell.lua"
  mkdir "$tmp/dir_cell.lua"
  ln -s /dev/zero "$tmp/zero_cell.lua"
  head -c 16777217 /dev/zero | tr '\0' ' ' >"$tmp/big_cell.lua"
  expect 1 "$tmp/pipe.lua: error: cannot read the spec $tmp/pipe.lua: not a regular file but a pipe" \
    "$rnnc" ir "$tmp/pipe.lua"
  for cell in pipe_cell:pipe dir_cell:directory zero_cell:device; do
    printf 'model{batch = 1, steps = 1}\nrequire "%s"\n' "${cell%%:*}" >"$tmp/${cell%%:*}_spec.lua"
    expect 1 "$tmp/${cell%%:*}_spec.lua:2: error: cannot read the module file $tmp/${cell%%:*}.lua: not a regular file but a" \
      "$rnnc" ir "$tmp/${cell%%:*}_spec.lua"
  done
  printf 'model{batch = 1, steps = 1}\nrequire "big_cell"\n' >"$tmp/big_spec.lua"
  expect 1 "$tmp/big_spec.lua:2: error: cannot read the module file $tmp/big_cell.lua: 16777217 bytes, more than rnnc reads as the module file (16777216 bytes in all)" \
    "$rnnc" ir "$tmp/big_spec.lua"
  ;;
oom)
  # 600 MB of address space: rnnc and its libraries fit, the 537 MB input does not
  expect 1 "rnnc: error: out of memory allocating 536.9 MB (tensor 'x')" \
    sh -c "ulimit -v 600000 && exec \"\$@\"" sh "$rnnc" inputs $here/big_input.lua -o "$tmp/x.safetensors"
  ;;
*) echo "unknown case $case"; exit 2 ;;
esac
[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }

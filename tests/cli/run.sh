#!/bin/sh
# run.sh RNNC - the command line, end to end: each case runs rnnc and checks
# the exit status and the first line of stderr (for failures) or the files
# written (for successes).  Bad files are made here, byte by byte.
set -u
rnnc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect_fail STATUS MESSAGE-PREFIX -- COMMAND...: the command must exit with
# STATUS and its first stderr line must start with MESSAGE-PREFIX.
expect_fail() {
  want_status=$1 want=$2
  shift 3
  err=$("$@" 2>&1 >/dev/null)
  status=$?
  first=$(printf '%s\n' "$err" | head -n 1)
  case "$first" in
    "$want"*) [ "$status" -eq "$want_status" ] && { printf 'ok: %s\n' "$first"; return; } ;;
  esac
  printf 'FAIL: %s\n  status %s (want %s)\n  got:  %s\n  want: %s...\n' "$*" "$status" "$want_status" "$first" "$want"
  failures=$((failures + 1))
}

# expect_ok COMMAND...: the command must succeed.
expect_ok() {
  if "$@" >"$tmp/stdout" 2>"$tmp/stderr"; then echo "ok: $*"; else
    echo "FAIL: $* exited with $?"; cat "$tmp/stderr"; failures=$((failures + 1)); fi
}

# expect_tensors FILE NAME...: the file lists exactly these tensor names (in any order).
expect_tensors() {
  file=$1
  shift
  got=$("$rnnc" show "$file" | awk '{print $1}' | sort | tr '\n' ' ')
  want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
  if [ "$got" = "$want" ]; then echo "ok: $file holds $want"; else
    printf 'FAIL: %s\n  holds: %s\n  want:  %s\n' "$file" "$got" "$want"; failures=$((failures + 1)); fi
}

spec=specs/sine_rnn.lua
small="--batch 4 --steps 3"

# ---- usage ----
expect_fail 1 "usage: rnnc COMMAND" -- "$rnnc"
expect_fail 1 "rnnc: error: unknown command 'frobnicate'" -- "$rnnc" frobnicate
expect_fail 1 "rnnc: error: grad needs --weights" -- "$rnnc" grad $spec --inputs x -o y
expect_fail 1 "rnnc: error: --batch expects an integer in [1, 1048576], got '0'" -- "$rnnc" summary $spec --batch 0
expect_fail 1 "rnnc: error: summary does not take option '--weights'" -- "$rnnc" summary $spec --weights w
expect_fail 1 "rnnc: error: --dtype expects f32 or f64, got 'f16'" -- "$rnnc" init $spec -o w --dtype f16
expect_fail 1 "nope.lua: error: cannot read the spec nope.lua" -- "$rnnc" summary nope.lua
# every command reports a bad spec once, however many graphs it builds
for args in "build nope.lua -o $tmp/once" "train nope.lua --data sine -o $tmp/once.st"; do
  n=$("$rnnc" $args 2>&1 | grep -c "cannot read the spec")
  if [ "$n" = 1 ]; then echo "ok: rnnc $args: the missing spec reported once"
  else echo "FAIL: rnnc $args printed the error $n times"; failures=$((failures + 1)); fi
done

# ---- the happy path: init, inputs, grad, step ----
expect_ok "$rnnc" init $spec $small -o "$tmp/w.st" --seed 3
expect_tensors "$tmp/w.st" rnn1.weight_ih rnn1.weight_hh rnn1.bias_ih rnn1.bias_hh dense1.weight dense1.bias \
  opt.rnn1.weight_ih.momentum_buffer opt.rnn1.weight_hh.momentum_buffer opt.rnn1.bias_ih.momentum_buffer \
  opt.rnn1.bias_hh.momentum_buffer opt.dense1.weight.momentum_buffer opt.dense1.bias.momentum_buffer
expect_ok "$rnnc" inputs $spec $small -o "$tmp/x.st" --seed 4
expect_tensors "$tmp/x.st" x y
expect_ok "$rnnc" grad $spec $small --weights "$tmp/w.st" --inputs "$tmp/x.st" -o "$tmp/g.st"
expect_tensors "$tmp/g.st" loss prediction grad.rnn1.weight_ih grad.rnn1.weight_hh grad.rnn1.bias_ih \
  grad.rnn1.bias_hh grad.dense1.weight grad.dense1.bias
expect_ok "$rnnc" grad $spec $small --weights "$tmp/w.st" --inputs "$tmp/x.st" -o "$tmp/g2.st"
if cmp -s "$tmp/g.st" "$tmp/g2.st"; then echo "ok: grad is deterministic"; else
  echo "FAIL: two grad runs differ"; failures=$((failures + 1)); fi
expect_ok "$rnnc" step $spec $small --weights "$tmp/w.st" --inputs "$tmp/x.st" -o "$tmp/w2.st"
expect_tensors "$tmp/w2.st" loss rnn1.weight_ih rnn1.weight_hh rnn1.bias_ih rnn1.bias_hh dense1.weight dense1.bias \
  opt.rnn1.weight_ih.momentum_buffer opt.rnn1.weight_hh.momentum_buffer opt.rnn1.bias_ih.momentum_buffer \
  opt.rnn1.bias_hh.momentum_buffer opt.dense1.weight.momentum_buffer opt.dense1.bias.momentum_buffer
expect_ok "$rnnc" grad $spec $small --weights "$tmp/w.st" --inputs "$tmp/x.st" -o "$tmp/g64.st" --dtype f64
expect_ok "$rnnc" summary $spec --json
if /usr/bin/python3 -m json.tool "$tmp/stdout" >/dev/null; then echo "ok: summary --json parses"; else
  echo "FAIL: summary --json is not JSON"; failures=$((failures + 1)); fi
expect_ok "$rnnc" graph $spec $small --stage backward -o "$tmp/g.dot"
expect_ok dot -Tsvg "$tmp/g.dot" -o "$tmp/g.svg"

# ---- bad tensor files: clear errors, and the output file is left alone ----
echo "precious" >"$tmp/out.st"
expect_fail 1 "rnnc: error: $tmp/nothing.st: " -- "$rnnc" grad $spec $small --weights "$tmp/nothing.st" --inputs "$tmp/x.st" -o "$tmp/out.st"
head -c 5 "$tmp/w.st" >"$tmp/short.st"
expect_fail 1 "rnnc: error: $tmp/short.st: " -- "$rnnc" grad $spec $small --weights "$tmp/short.st" --inputs "$tmp/x.st" -o "$tmp/out.st"
head -c 300 "$tmp/w.st" >"$tmp/truncated.st"
expect_fail 1 "rnnc: error: $tmp/truncated.st: " -- "$rnnc" grad $spec $small --weights "$tmp/truncated.st" --inputs "$tmp/x.st" -o "$tmp/out.st"
printf '\020\000\000\000\000\000\000\000{"a": not json}' >"$tmp/badjson.st"
expect_fail 1 "rnnc: error: $tmp/badjson.st: " -- "$rnnc" grad $spec $small --weights "$tmp/badjson.st" --inputs "$tmp/x.st" -o "$tmp/out.st"
"$rnnc" init specs/lstm_dropout.lua $small -o "$tmp/other.st" 2>/dev/null
expect_fail 1 "rnnc: error: $tmp/other.st: tensor 'rnn1.weight_ih' is missing (the file has 'lstm1.weight_ih'" -- "$rnnc" grad $spec $small --weights "$tmp/other.st" --inputs "$tmp/x.st" -o "$tmp/out.st"
# a name from a file is shown, control characters as \ddd: a file cannot drive the terminal
/usr/bin/python3 -c 'import json, struct, sys
h = json.dumps({"\x1b]0;owned\x07": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + bytes(4))' "$tmp/escape.st"
expect_fail 1 "rnnc: error: $tmp/escape.st: tensor 'rnn1.weight_ih' is missing (the file has '\\027]0;owned\\007'" -- "$rnnc" grad $spec $small --weights "$tmp/escape.st" --inputs "$tmp/x.st" -o "$tmp/out.st"
expect_fail 1 "rnnc: error: unknown command 'a\\027[2Jb'" -- "$rnnc" "$(printf 'a\033[2Jb')"
"$rnnc" init $spec --batch 4 --steps 3 -o "$tmp/w5.st" 2>/dev/null
expect_fail 1 "rnnc: error: $tmp/x.st: tensor 'x' has shape [4, 3, 1], but the model needs [4, 5, 1]" -- "$rnnc" grad $spec --batch 4 --steps 5 --weights "$tmp/w5.st" --inputs "$tmp/x.st" -o "$tmp/out.st"
if [ "$(cat "$tmp/out.st")" = precious ]; then echo "ok: failed runs left the output file alone"; else
  echo "FAIL: a failed run changed the output file"; failures=$((failures + 1)); fi
expect_fail 1 "rnnc: error: " -- "$rnnc" grad $spec $small --weights "$tmp/w.st" --inputs "$tmp/x.st" -o "$tmp/no/such/dir/out.st"

# ---- ids out of range ----
"$rnnc" inputs specs/fmnist_lstm.lua $small -o "$tmp/fx.st" 2>/dev/null
"$rnnc" init specs/fmnist_lstm.lua $small -o "$tmp/fw.st" 2>/dev/null
/usr/bin/python3 - "$tmp/fx.st" <<'PY'
import json, struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
begin = header["y"]["data_offsets"][0]
data[8 + n + begin:8 + n + begin + 4] = struct.pack("<i", 12)
open(path, "wb").write(data)
PY
expect_fail 1 "rnnc: error: $tmp/fx.st: tensor 'y' element [0] is 12, outside [0, 10)" -- "$rnnc" grad specs/fmnist_lstm.lua $small --weights "$tmp/fw.st" --inputs "$tmp/fx.st" -o "$tmp/out.st"

# a spec without parameters: ISO C has no empty arrays, so rnnc build says so
cat >"$tmp/noparams.lua" <<'LUA'
model{name = "noparams", batch = 2, steps = 3}
local x = sequence("x", 2)
output("h", last(tanh(x)))
LUA
expect_fail 1 "$tmp/noparams.lua: error: the spec has no parameters; generated code needs at least one" -- "$rnnc" build "$tmp/noparams.lua" -o "$tmp/np"

# a learned initial state: every entry point, streaming too (its state starts from the learned
# value through the flag state_start, which NAME_reset zeroes; backend.learned_initial_state
# compares the stream with predict)
expect_ok "$rnnc" build tests/layers/learned_initial_state.lua -o "$tmp/h0"
if [ -s "$tmp/stderr" ]; then echo "FAIL: rnnc build of a learned initial state wrote: $(cat "$tmp/stderr")"; failures=$((failures + 1)); fi
for fn in predict grad train_step apply init step reset; do
  grep -q "learned_initial_state_$fn(" "$tmp/h0/learned_initial_state.h" || { echo "FAIL: a learned initial state lacks _$fn"; failures=$((failures + 1)); }
done
grep -q "state_start\[1\]" "$tmp/h0/learned_initial_state.h" || { echo "FAIL: a learned initial state's stream has no start flag"; failures=$((failures + 1)); }
# a whole input of a fixed number of steps as a sequence: every entry point but streaming, with a
# note (tests/layers/static_sequence.lua sizes it by the model's steps, and streams)
sed 's/{m.steps, 3}/{4, 3}/' tests/layers/static_sequence.lua >"$tmp/fixed_steps.lua"
expect_ok "$rnnc" build "$tmp/fixed_steps.lua" -o "$tmp/static"
note="$tmp/fixed_steps.lua:10: note: no streaming step (NAME_reset, NAME_step): this sequence is a whole input 'bias' of 4 steps, which a stream of any length cannot follow; the other entry points are emitted"
if [ "$(cat "$tmp/stderr")" = "$note" ]; then echo "ok: $note"; else
  printf 'FAIL: rnnc build of a whole input as a sequence\n  got:  %s\n  want: %s\n' "$(cat "$tmp/stderr")" "$note"; failures=$((failures + 1)); fi
grep -q "static_sequence_grad(" "$tmp/static/static_sequence.h" || { echo "FAIL: a whole input as a sequence lacks _grad"; failures=$((failures + 1)); }
expect_fail 1 "$tmp/fixed_steps.lua:10: error: add: mixes the steps of two time loops: 3 steps (the sequence of line 7) and 4 steps (the sequence of line 10)" -- "$rnnc" summary "$tmp/fixed_steps.lua" --steps 3

# build --entry: only what the listed entry points need
expect_fail 1 "rnnc: error: --entry: no entry point 'predikt' (predict, grad" -- "$rnnc" build $spec -o "$tmp/e" --entry predikt
sed '/optimizer(/d; /^loss(/d' specs/sine_rnn.lua >"$tmp/noloss.lua"
expect_fail 1 "$tmp/noloss.lua: error: --entry grad: the spec has no loss" -- "$rnnc" build "$tmp/noloss.lua" -o "$tmp/e" --entry grad
expect_fail 1 "rnnc: error: --tiles expects portable, wide or the path of a tile profile, got 'huge' (no such file)" -- \
  "$rnnc" build $spec -o "$tmp/e" --tiles huge
expect_fail 1 "rnnc: error: bench: -o names the profile of --tune" -- "$rnnc" bench $spec -o "$tmp/e.txt"
expect_fail 1 "rnnc: error: bench: --tune goes with neither --compile nor --json" -- "$rnnc" bench $spec --tune --json
expect_ok "$rnnc" build specs/fmnist_lstm.lua -o "$tmp/step" --entry step --batch 1
h="$tmp/step/fmnist_lstm.h" c="$tmp/step/fmnist_lstm.c"
for absent in _predict _grad _train_step _apply _init _store _load _tool_ opt. RNNC_TOOL_API rnnc_init_ rnnc_uniform GRADS_BYTES; do
  if grep -qF "$absent" "$h" "$c"; then echo "FAIL: --entry step emits '$absent'"; failures=$((failures + 1)); fi
done
for present in fmnist_lstm_step_prepare fmnist_lstm_step fmnist_lstm_reset "FMNIST_LSTM_BATCH 1" "FMNIST_LSTM_PARAMS_BYTES 328768"; do
  grep -q "$present" "$h" || { echo "FAIL: --entry step lacks '$present'"; failures=$((failures + 1)); }
done
if cc -std=c99 -Wall -Wextra -Wpedantic -Werror -c "$c" -o "$tmp/step.o"; then echo "ok: --entry step compiles as strict C99"
else echo "FAIL: --entry step does not compile"; failures=$((failures + 1)); fi

# RNNC_LANES, set by a build for a vector unit the target macros do not name:
# any width compiles, and a width below 1 is an #error that says what it is.
for lanes in 1 3 32; do
  cc -std=c99 -Wall -Wextra -Wpedantic -Werror -DRNNC_LANES=$lanes -c "$c" -o "$tmp/lanes.o" ||
    { echo "FAIL: RNNC_LANES=$lanes does not compile"; failures=$((failures + 1)); }
done
if cc -std=c99 -DRNNC_LANES=0 -c "$c" -o "$tmp/lanes.o" 2>"$tmp/lanes.err"; then
  echo "FAIL: RNNC_LANES=0 compiles"; failures=$((failures + 1))
elif grep -q "RNNC_LANES is the elements of one vector register" "$tmp/lanes.err"; then echo "ok: RNNC_LANES=0 is refused"
else echo "FAIL: RNNC_LANES=0: $(head -n 1 "$tmp/lanes.err")"; failures=$((failures + 1)); fi

# The same bytes from any checkout: a spec named by an absolute path, in a
# directory of another name, gives the C it gives by a relative path.
mkdir -p "$tmp/elsewhere/some dir"
cp specs/sine_rnn.lua "$tmp/elsewhere/some dir/"
expect_ok "$rnnc" build specs/sine_rnn.lua -o "$tmp/relative"
expect_ok "$rnnc" build "$tmp/elsewhere/some dir/sine_rnn.lua" -o "$tmp/absolute"
for f in sine_rnn.c sine_rnn.h; do
  if cmp -s "$tmp/relative/$f" "$tmp/absolute/$f"; then echo "ok: $f is the same from another directory"
  else echo "FAIL: $f differs with the spec elsewhere"; failures=$((failures + 1)); fi
done
if grep -qF "$tmp" "$tmp/absolute/sine_rnn.c" "$tmp/absolute/sine_rnn.h"; then
  echo "FAIL: the generated C names the directory of the spec"; failures=$((failures + 1))
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]

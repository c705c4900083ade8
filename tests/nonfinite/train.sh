#!/bin/sh
# train.sh RNNC - rnnc train stops at the batch whose loss, parameters or
# optimizer state stop being finite: exit 1, "epoch E, batch B: what", the
# checkpoint of the last epoch byte for byte as it was.
#   - an exploding learning rate (SGD, resumed at --lr 1000 after a good
#     epoch): the loss becomes inf in epoch 2;
#   - a finite loss with an infinite gradient (tests/nonfinite/sqrt_param.lua):
#     only the check of the parameters after the update sees it, at batch 1;
#   - a series holding 1e39, beyond f32: inf in the data, a finite loss, NaN
#     weights after the update, and a hint that names the data.
# Each through generated code, the interpreter and --threads 2.
set -u
rnnc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
lr_hint="hint: lower the learning rate with --lr, or set clip_norm in model{}"

# expect_stop WANT COMMAND...: exit status 1 and stderr's last line begins with WANT
expect_stop() {
  want=$1
  shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  status=$?
  last=$(tail -n 1 "$tmp/err")
  case "$last" in
    "$want"*) [ $status = 1 ] && { echo "ok: $last"; return; } ;;
  esac
  printf 'FAIL: %s\n  status %s (want 1)\n  got:  %s\n  want: %s...\n' "$*" "$status" "$last" "$want"
  failures=$((failures + 1))
}

sgd=tests/nonfinite/sine_sgd.lua
"$rnnc" train $sgd --data sine --epochs 1 --seed 3 -o "$tmp/ck.safetensors" >/dev/null || exit 1
cp "$tmp/ck.safetensors" "$tmp/epoch1.safetensors"
/usr/bin/python3 -c "
import math
with open('$tmp/big.csv', 'w') as f:
    f.write(''.join('%g\n' % (1e39 if t == 100 else math.sin(t / 8)) for t in range(400)))"
for how in "--backend c" "--backend interp" "--threads 2"; do
  expect_stop "rnnc: error: epoch 2, batch " \
    "$rnnc" train $sgd --data sine --epochs 2 --resume "$tmp/ck.safetensors" --lr 1000 $how -o "$tmp/ck.safetensors"
  case "$last" in
    *": the loss is inf; stopped ($lr_hint); $tmp/ck.safetensors holds epoch 1") ;;
    *": after the update, "*" holds "*"; stopped ($lr_hint); $tmp/ck.safetensors holds epoch 1") ;; # FMA diverges otherwise
    *) echo "FAIL: $how: the message's end: $last"; failures=$((failures + 1)) ;;
  esac
  cmp -s "$tmp/ck.safetensors" "$tmp/epoch1.safetensors" || { echo "FAIL: $how: the checkpoint changed"; failures=$((failures + 1)); }
  expect_stop "rnnc: error: epoch 1, batch 1: after the update, offset1.b is -inf; stopped ($lr_hint)" \
    "$rnnc" train tests/nonfinite/sqrt_param.lua --data sine $how -o "$tmp/sqrt.safetensors"
  expect_stop "rnnc: error: epoch 1, batch 21: after the update, rnn1.weight_ih holds NaN in 16 of 16 values; stopped (hint: the batch's data holds NaN or inf: values beyond the range of the model's dtype?)" \
    "$rnnc" train tests/train/sine_tiny.lua --data "$tmp/big.csv" $how -o "$tmp/big.safetensors"
  [ -e "$tmp/sqrt.safetensors" ] || [ -e "$tmp/big.safetensors" ] && { echo "FAIL: $how: a stopped first epoch wrote a checkpoint"; failures=$((failures + 1)); }
done
[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }

#!/bin/sh
# commands.sh RNNC - grad, step and apply refuse to write a NaN or an infinity
# (interpreter and generated code): a NaN in the inputs, a NaN in apply's
# gradients, and inputs so large that a finite step overflows each exit 1
# with the message naming the first bad result (and the bad input, if any),
# and leave the output file as it was.  (sine_rnn clips: one NaN gradient
# makes the norm, and so every update, NaN, as in PyTorch.)  A finite step still
# writes its file.
set -u
rnnc=$1
spec=specs/sine_rnn.lua
small="--batch 3 --steps 5"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
here=$(dirname "$0")

# edit IN OUT NAME EXPR: OUT is IN with tensor NAME replaced by EXPR of v (numpy)
edit() {
  /usr/bin/python3 -c "
import sys; sys.path.insert(0, '$here/../parity')
import numpy as np, safetensors_np as st
t = st.load('$1'); v = t['$3']; t['$3'] = ($4).astype(v.dtype); st.save('$2', t)"
}

# expect_refusal WANT COMMAND...: exit status 1, stderr's first line is WANT,
# and $tmp/out.safetensors is byte for byte what it was
expect_refusal() {
  want=$1
  shift
  cp "$tmp/w.safetensors" "$tmp/out.safetensors"
  err=$("$@" -o "$tmp/out.safetensors" 2>&1 >/dev/null)
  status=$?
  first=$(printf '%s\n' "$err" | head -n 1)
  if [ "$status" -ne 1 ] || [ "$first" != "$want" ]; then
    printf 'FAIL: %s\n  status %s (want 1)\n  got:  %s\n  want: %s\n' "$*" "$status" "$first" "$want"
    failures=$((failures + 1))
  elif ! cmp -s "$tmp/w.safetensors" "$tmp/out.safetensors"; then
    echo "FAIL: $* changed its output file"
    failures=$((failures + 1))
  else
    echo "ok: $first"
  fi
}

"$rnnc" init $spec $small -o "$tmp/w.safetensors" || exit 1
"$rnnc" inputs $spec $small -o "$tmp/x.safetensors" || exit 1
edit "$tmp/x.safetensors" "$tmp/xnan.safetensors" x "np.where(np.arange(v.size).reshape(v.shape) == 7, np.nan, v)"
edit "$tmp/x.safetensors" "$tmp/xhuge.safetensors" x "v * 1e30"
for backend in interp c; do
  b="--backend $backend"
  expect_refusal "rnnc: error: step: loss is NaN; $tmp/out.safetensors not written ($tmp/xnan.safetensors: x holds NaN in 1 of 15 values)" \
    "$rnnc" step $spec $small $b --weights "$tmp/w.safetensors" --inputs "$tmp/xnan.safetensors"
  expect_refusal "rnnc: error: grad: prediction holds NaN in 1 of 3 values; $tmp/out.safetensors not written ($tmp/xnan.safetensors: x holds NaN in 1 of 15 values)" \
    "$rnnc" grad $spec $small $b --weights "$tmp/w.safetensors" --inputs "$tmp/xnan.safetensors"
  expect_refusal "rnnc: error: step: loss is inf; $tmp/out.safetensors not written (the weights and inputs are finite: lower the learning rate, or set clip_norm in model{})" \
    "$rnnc" step $spec $small $b --weights "$tmp/w.safetensors" --inputs "$tmp/xhuge.safetensors"
  "$rnnc" grad $spec $small $b --weights "$tmp/w.safetensors" --inputs "$tmp/x.safetensors" -o "$tmp/g.safetensors" || exit 1
  edit "$tmp/g.safetensors" "$tmp/gnan.safetensors" grad.rnn1.weight_hh "np.where(np.arange(v.size).reshape(v.shape) == 3, np.nan, v)"
  expect_refusal "rnnc: error: apply: opt.rnn1.weight_ih.momentum_buffer holds NaN in 50 of 50 values; $tmp/out.safetensors not written ($tmp/gnan.safetensors: grad.rnn1.weight_hh holds NaN in 1 of 2500 values)" \
    "$rnnc" apply $spec $small $b --weights "$tmp/w.safetensors" --inputs "$tmp/gnan.safetensors"
  # the control: the same commands on finite inputs write their files
  if "$rnnc" step $spec $small $b --weights "$tmp/w.safetensors" --inputs "$tmp/x.safetensors" -o "$tmp/w2.safetensors" &&
     ! cmp -s "$tmp/w.safetensors" "$tmp/w2.safetensors"; then echo "ok: $backend: a finite step writes its weights"
  else echo "FAIL: $backend: a finite step"; failures=$((failures + 1)); fi
done
[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }

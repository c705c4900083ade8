#!/bin/sh
# run.sh RNNC SPEC DTYPE [rnnc options...] - generated C against the interpreter.
# For the same weights and inputs, `grad` must agree (loss, outputs, metrics,
# every gradient), streaming must give what predict gives, and the parameters
# and optimizer state must agree after three chained training steps, taken
# by train_step and by grad then apply.  Bounds: normwise relative error 1e-12 in f64, 1e-5
# in f32 (compare.py); the backends differ only in summation order.
set -eu
rnnc=$1 spec=$2 dtype=$3
shift 3
tol=1e-12
if [ "$dtype" = f32 ]; then
  # Without fused multiply-adds (neither the compiler's nor RNNC_FMA's), so
  # that both backends do the same f32 arithmetic: Adam's m / sqrt(v)
  # amplifies any rounding difference in tiny gradients (with FMA the f32
  # weights differ by about 2e-5 after 3 steps).
  tol=1e-5
  export RNNC_CFLAGS="-O2 -march=native -ffp-contract=off -DRNNC_NO_FMA"
fi
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
compare() { /usr/bin/python3 "$here/compare.py" "$1" "$2" "$tol"; }

"$rnnc" init "$spec" --dtype "$dtype" --seed 11 -o "$tmp/w.st" "$@"
"$rnnc" inputs "$spec" --seed 12 -o "$tmp/x.st" "$@"
for backend in interp c; do
  "$rnnc" grad "$spec" --dtype "$dtype" --seed 13 --backend $backend --weights "$tmp/w.st" --inputs "$tmp/x.st" \
    -o "$tmp/grad.$backend.st" "$@"
done
printf 'grad: '
compare "$tmp/grad.c.st" "$tmp/grad.interp.st"

# Streaming (batch 1, one step at a time, the state carried by the caller)
# gives what predict gives for the whole batch; a spec that reads a whole
# input as a sequence, that reads one in reverse, that has several time
# loops, or whose sequences have lengths, has no streaming step (only those
# reasons are accepted).
if why=$("$rnnc" ir "$spec" --goal stream --dump-after none "$@" 2>&1 >/dev/null); then
  "$rnnc" predict "$spec" --dtype "$dtype" --weights "$tmp/w.st" --inputs "$tmp/x.st" -o "$tmp/p.batch.st" "$@"
  "$rnnc" predict "$spec" --dtype "$dtype" --backend c --stream --weights "$tmp/w.st" --inputs "$tmp/x.st" \
    -o "$tmp/p.stream.st" "$@"
  printf 'streaming: '
  compare "$tmp/p.stream.st" "$tmp/p.batch.st"
else
  case $why in
    *"error: no streaming step (NAME_reset, NAME_step): this sequence is a whole "* | \
    *"error: no streaming step (NAME_reset, NAME_step): this value is read in reverse"* | \
    *"error: no streaming step (NAME_reset, NAME_step): this value is in a second time loop"* | \
    *"error: no streaming step (NAME_reset, NAME_step): this sequence has a length per example"*) echo "streaming: none: $why" ;;
    *) echo "$why"; exit 1 ;;
  esac
fi

# Specs without an optimizer have no training step.
"$rnnc" summary "$spec" --json "$@" | grep -q '"optimizer": {"kind": "none"' && exit 0
for backend in interp c; do
  cp "$tmp/w.st" "$tmp/w0.$backend.st"
  for i in 1 2 3; do
    "$rnnc" step "$spec" --dtype "$dtype" --seed $((20 + i)) --backend $backend --weights "$tmp/w$((i - 1)).$backend.st" \
      --inputs "$tmp/x.st" -o "$tmp/w$i.$backend.st" "$@"
  done
done
printf 'after 3 steps: '
compare "$tmp/w3.c.st" "$tmp/w3.interp.st"

# NAME_grad then NAME_apply is NAME_train_step (the same graph up to the
# gradients, the same update after them): bit for bit in the interpreter; in
# generated code mostly too, but the plan of a step may sum a weight gradient
# in another order than grad's (mnist_stacked_lstm f64: 7e-15 after 3
# steps), hence the same bound as between the backends.  And the two
# backends' apply agree.
for backend in interp c; do
  cp "$tmp/w.st" "$tmp/a0.$backend.st"
  for i in 1 2 3; do
    "$rnnc" grad "$spec" --dtype "$dtype" --seed $((20 + i)) --backend $backend --weights "$tmp/a$((i - 1)).$backend.st" \
      --inputs "$tmp/x.st" -o "$tmp/g$i.$backend.st" "$@"
    "$rnnc" apply "$spec" --dtype "$dtype" --backend $backend --weights "$tmp/a$((i - 1)).$backend.st" \
      --inputs "$tmp/g$i.$backend.st" -o "$tmp/a$i.$backend.st" "$@"
  done
  printf 'grad + apply, 3 steps (%s): ' $backend
  /usr/bin/python3 "$here/compare.py" "$tmp/a3.$backend.st" "$tmp/w3.$backend.st" "$tol" --subset
done
printf 'apply after 3 steps: '
compare "$tmp/a3.c.st" "$tmp/a3.interp.st"

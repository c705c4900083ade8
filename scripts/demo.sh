#!/bin/sh
# demo.sh - sets up, builds and shows rnnc on the Fashion-MNIST LSTM (the
# README's first command): the model, its initial weights, one batch's loss
# and gradients from the interpreter, a training step, the model as C and its
# speed against the interpreter, and a finite-difference check of every
# gradient.
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh

spec=specs/fmnist_lstm.lua
out=build/demo
mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }

say "the model ($spec)"
build/rnnc summary "$spec"

say "initial weights (PyTorch's initialisers) and a batch of random inputs"
build/rnnc init "$spec" -o "$out/w.safetensors" --seed 1
build/rnnc inputs "$spec" -o "$out/x.safetensors" --seed 2
build/rnnc show "$out/x.safetensors"

say "loss and gradients of one batch (interpreter, unrolled over 28 steps)"
start=$(date +%s%N)
build/rnnc grad "$spec" --weights "$out/w.safetensors" --inputs "$out/x.safetensors" -o "$out/grad.safetensors"
end=$(date +%s%N)
build/rnnc show "$out/grad.safetensors" | head -n 6
echo "rnnc grad took $(( (end - start) / 1000000 )) ms"

say "one Adam step"
build/rnnc step "$spec" --weights "$out/w.safetensors" --inputs "$out/x.safetensors" -o "$out/w2.safetensors"
build/rnnc show "$out/w2.safetensors" | grep -E "^(loss|opt.step|lstm1.weight_ih) "

say "the same model as C: unrolled, shape-specialised, malloc-free, checked by libclang"
build/rnnc build "$spec" -o "$out/c"
wc -c "$out"/c/*

say "generated code against the interpreter on the same graph (one core)"
build/rnnc bench "$spec" --repeat 10

say "every gradient against finite differences (f64, batch 2, 4 steps)"
build/rnnc gradcheck "$spec" --batch 2 --steps 4

say "files in $out"
ls -l "$out"

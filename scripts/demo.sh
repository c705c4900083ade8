#!/bin/sh
# demo.sh - sets up, builds and shows rnnc on the Fashion-MNIST LSTM (the
# README's first command): the model, the model as C, training it through
# the generated code on Fashion-MNIST (Debian's dataset-fashion-mnist) with
# its progress line, the test accuracy and confusion matrix, where the files
# are, the generated training step's speed against the interpreter's, and a
# finite-difference check of every gradient.  A few minutes on 2 cores.
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh

spec=specs/fmnist_lstm.lua
out=build/demo
mkdir -p "$out"
say() { printf '\n== %s\n' "$*"; }

say "the model ($spec)"
build/rnnc summary "$spec"

say "the model as C: unrolled, shape-specialised, malloc-free, checked by libclang"
build/rnnc build "$spec" -o "$out/c"
wc -c "$out"/c/*

say "training it on Fashion-MNIST through the generated code (one core)"
build/rnnc train "$spec" --data fashion-mnist --seed 1 -o "$out/fmnist_lstm.safetensors"

say "the trained model on the 10,000 test images"
build/rnnc eval "$spec" --weights "$out/fmnist_lstm.safetensors" --data fashion-mnist

say "one training step: generated code against the interpreter on the same graph (one core)"
build/rnnc bench "$spec" --repeat 10

say "every gradient against finite differences (f64, batch 2, 4 steps)"
build/rnnc gradcheck "$spec" --batch 2 --steps 4

say "files"
echo "generated C:        $out/c/fmnist_lstm.h, $out/c/fmnist_lstm.c"
echo "trained weights:    $out/fmnist_lstm.safetensors (parameters, Adam state, epoch, seed)"
echo "training curves:    $out/fmnist_lstm.csv, $out/fmnist_lstm.svg (open in a browser)"

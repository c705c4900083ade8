#!/bin/sh
# test.sh - sets up, builds and runs every test (the README's second command):
# first the normal build, then the same tests built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/), so memory errors fail CI too; then
# every reader of untrusted input is fuzzed for 20 s (libFuzzer, clang: build-fuzz/,
# 9 targets, 3 minutes of CPU in all; scripts/fuzz.sh runs longer campaigns).
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh
(cd build && ctest --output-on-failure -j "$(nproc)")

echo "rnnc: the same tests under ASan and UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRNNC_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$(nproc)" >/dev/null
(cd build-asan && ctest --output-on-failure -j "$(nproc)")

echo "rnnc: fuzzing each reader of untrusted input for 20 s (fuzz/)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRNNC_FUZZ=ON -DRNNC_FUZZ_SECONDS=20 >/dev/null
cmake --build build-fuzz -j "$(nproc)" >/dev/null
cd build-fuzz && ctest --output-on-failure -j "$(nproc)"

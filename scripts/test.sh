#!/bin/sh
# test.sh - sets up, builds and runs every test (the README's second command):
# first the normal build, then the same tests built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan/), so memory errors fail CI too.
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh
(cd build && ctest --output-on-failure -j "$(nproc)")

echo "rnnc: the same tests under ASan and UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRNNC_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$(nproc)" >/dev/null
cd build-asan && ctest --output-on-failure -j "$(nproc)"

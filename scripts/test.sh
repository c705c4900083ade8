#!/bin/sh
# test.sh - sets up, builds and runs every test (the README's second command).
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh
cd build && ctest --output-on-failure -j "$(nproc)"

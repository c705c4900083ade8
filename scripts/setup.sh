#!/bin/sh
# setup.sh - installs what rnnc needs on Debian 12 (idempotent, quiet when
# everything is there) and builds it with CMake into build/.
# Sourced by test.sh and demo.sh; extra CMake options come from $RNNC_CMAKE_FLAGS.
set -eu

RNNC_PACKAGES="build-essential cmake pkg-config liblua5.4-dev libcjson-dev zlib1g-dev \
python3 python3-numpy python3-torch graphviz libclang-14-dev clang dataset-fashion-mnist \
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user gcc-arm-none-eabi libnewlib-arm-none-eabi \
openmpi-bin libopenmpi-dev wamerican wfrench wngerman witalian wspanish"
# (gcc-aarch64-linux-gnu to libnewlib-arm-none-eabi: tests/port cross-compiles generated code for aarch64, run under
# qemu-aarch64, and for a Cortex-M4F with newlib; libc6-dev-arm64-cross is only a
# recommendation of the cross gcc, which --no-install-recommends leaves out;
# openmpi-bin and libopenmpi-dev: rnnc train --mpi, and the tests that run it under mpirun;
# wamerican to wspanish: the word lists of rnnc train --data words)

missing=""
for p in $RNNC_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "rnnc: installing:$missing"
  if [ "$(id -u)" -ne 0 ]; then
    echo "rnnc: error: run as root (or install the packages above with sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

cd "$(dirname "$0")/.."
# shellcheck disable=SC2086
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo ${RNNC_CMAKE_FLAGS:-} >/dev/null
cmake --build build -j "$(nproc)"

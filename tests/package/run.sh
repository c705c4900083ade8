#!/bin/sh
# run.sh CMAKE BUILD_DIR SOURCE_DIR - rnnc as a product gets it: installs
# BUILD_DIR into a temporary prefix, then configures and builds project/ against
# it (find_package(rnnc) through CMAKE_PREFIX_PATH alone) on a copy of
# specs/sine_rnn.lua named my_sine.lua, not after its model{name}, and runs the
# program.  Fails when the install, the package, rnnc_add_model or the program do.
set -eu
cmake=$1 build=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

"$cmake" --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
cp "$src/specs/sine_rnn.lua" "$tmp/my_sine.lua"
"$cmake" -S "$src/tests/package/project" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
  -DSPEC="$tmp/my_sine.lua" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; fail "configure"; }
# the package found is the one just installed, not another on the system
found=$(sed -n 's/^rnnc_DIR:PATH=//p' "$tmp/build/CMakeCache.txt")
[ "$found" = "$tmp/prefix/lib/cmake/rnnc" ] || fail "rnnc_DIR is '$found', not $tmp/prefix/lib/cmake/rnnc"
"$cmake" --build "$tmp/build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }
[ -f "$tmp/build/sine_model/sine_rnn.h" ] || fail "no sine_model/sine_rnn.h: outputs not named by model{name}"

status=0
out=$("$tmp/build/predict") || status=$?
[ "$status" -eq 0 ] || { printf '%s\n' "$out"; fail "predict exited $status"; }
printf '%s\n' "$out"
printf '%s\n' "$out" | grep -qE '^prediction -?[0-9]+\.[0-9]{6}$' || fail "expected one line 'prediction P'"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "expected one line of output"

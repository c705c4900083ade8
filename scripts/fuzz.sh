#!/bin/sh
# fuzz.sh - builds the libFuzzer targets of fuzz/ (clang, ASan, UBSan) in
# build-fuzz/ and fuzzes each for SECONDS (default 300), one after another
# (RNNC_FUZZ_JOBS=N: N at a time), through their ctest entries fuzz.TARGET:
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    e.g. scripts/fuzz.sh 600 spec blob
#
# TARGETs: safetensors checkpoint data_idx data_idx_gz data_csv data_text
# data_text_dir spec blob tiles (default: all).  The corpus of each grows in
# build-fuzz/fuzz/corpus/TARGET (git-ignored, kept between runs and shared
# with scripts/test.sh's short runs); crashes are written to
# build-fuzz/fuzz/findings/TARGET/.  Prints execs, exec/s, coverage and
# findings per target at the end; exits 1 when a target found something.
set -eu
cd "$(dirname "$0")/.."
seconds=300
case "${1:-}" in [0-9]*) seconds=$1; shift ;; esac
pattern="."
[ $# -gt 0 ] && pattern="^fuzz\\.($(echo "$@" | tr ' ' '|'))\$"

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRNNC_FUZZ=ON \
  -DRNNC_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-fuzz -j 2 >/dev/null
log=build-fuzz/fuzz/last-campaign.log
status=0
(cd build-fuzz && ctest -V -j "${RNNC_FUZZ_JOBS:-1}" -R "$pattern") >"$log" 2>&1 || status=1

# ctest -V prefixes each line of test N with "N: "; "Start N: fuzz.TARGET" names N.
printf '%-14s %12s %8s %8s %s\n' target execs exec/s cov result
awk '
  /Start +[0-9]+: fuzz\./ { sub(":", "", $2); name[$2] = substr($3, 6) }
  match($0, /^[0-9]+: /) { n = substr($0, 1, RLENGTH - 2); line = substr($0, RLENGTH + 1)
    if (line ~ /stat::number_of_executed_units/) execs[n] = $NF
    if (line ~ /stat::average_exec_per_sec/) rate[n] = $NF
    if (line ~ / cov: /) { split(line, w, " cov: "); split(w[2], c, " "); cov[n] = c[1] }
    if (line ~ /^==[0-9]+== ERROR|SUMMARY: |Test unit written to/) found[n] = found[n] line "\n" }
  END { for (n in name) {
      printf "%-14s %12s %8s %8s %s\n", name[n], execs[n], rate[n], cov[n], found[n] ? "FOUND:" : "ok"
      k = split(found[n], lines, "\n")
      for (i = 1; i < k; i++) printf "%-14s   %s\n", name[n], lines[i] } }' "$log" | sort -s -k1,1
echo "full log: $log"
exit $status

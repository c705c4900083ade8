#!/bin/sh
# check.sh PROGRAM LINES [PYTHON3 RNNC SPEC WEIGHTS] - runs the example and
# checks that it printed LINES lines of three numbers ("step input
# prediction") and nothing else.  With the last four arguments, it also checks
# the numbers against an independent reference, reference.py: the interpreter
# (`rnnc predict`) on the same samples and weights, which must agree within
# 2e-6 (one unit in the printed sixth decimal, and the few ulps by which the
# interpreter and generated code may differ).  The weights are untrained: the
# check is of the plumbing (state carried between steps, embedded weights),
# not of the fit.
set -eu
out=$("$1")
printf '%s\n' "$out"
numbers=$(printf '%s\n' "$out" | grep -cE '^[0-9]+( -?[0-9]+\.[0-9]+){2}$' || true)
lines=$(printf '%s\n' "$out" | wc -l)
if [ "$numbers" -ne "$2" ] || [ "$lines" -ne "$2" ]; then
  echo "FAIL: expected $2 lines of 3 numbers, got $numbers such lines of $lines"
  exit 1
fi
[ $# -eq 6 ] || exit 0

ref=$("$3" "$(dirname "$0")/reference.py" "$4" "$5" "$6" "$2")
printf '%s\n%s\n' "$out" "$ref" | awk -v n="$2" '
  function abs(v) { return v < 0 ? -v : v }
  NR <= n { x[NR] = $2; p[NR] = $3; next }
  {
    i = NR - n
    if (abs(x[i] - $2) > 2e-6 || abs(p[i] - $3) > 2e-6) {
      printf "FAIL: step %d: the program printed %s %s, the interpreter gives %s %s\n", i - 1, x[i], p[i], $2, $3
      bad = 1
    }
  }
  END {
    if (NR != 2 * n) { printf "FAIL: reference.py printed %d lines, not %d\n", NR - n, n; exit 1 }
    if (bad) exit 1
    printf "all %d predictions agree with the interpreter (rnnc predict) within 2e-6\n", n
  }'

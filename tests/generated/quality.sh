#!/bin/sh
# quality.sh RNNC SPEC DTYPE [rnnc options...] - is the generated C fit to ship
# into someone else's product, as it is?  The backend tests check its numbers;
# this checks what a user's build and a sanitizer would see:
#  (a) NAME.c compiles with gcc and clang at -std=c99 -Wall -Wextra -Wpedantic
#      -Werror -O2, and NAME.h on its own (a file that only includes it) too,
#      and from C++ (calling into the C object, which links only if the
#      extern "C" guard is right);
#  (b) `rnnc build` itself runs `rnnc check` on both files and fails on any
#      violation (libm only, no recursion, no VLA, no mutable globals);
#  (c) harness.c runs predict, grad, two identical train_steps, grad then
#      apply, reset and step (if it streams) under ASan and UBSan, on buffers of exactly the sizes the header
#      gives: no report, finite results, bitwise-deterministic training;
#  (d) NAME.c has no loop of one iteration, '* 1' stride or '0.0f +';
#  (e) the optimizer writes each update over its parameter: no entry point
#      copies an update into params at its end (plan.c, updates_in_place);
#  (f) no stack or concat kernel gathers values that already lie in order
#      in one buffer, a fixed step apart (plan.c, join_as_view).
# Extra options (--steps T) only for specs too slow to compile at full size.
set -eu
rnnc=$1 spec=$2 dtype=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
strict="-std=c99 -Wall -Wextra -Wpedantic -Werror"

# (b) build, which checks
"$rnnc" build "$spec" --dtype "$dtype" -o "$tmp" "$@" >"$tmp/paths"
name=$(basename "$(head -n 1 "$tmp/paths")" .h)
echo "(b) rnnc build and its rnnc check: ok ($name)"

# (a) compilers
cd "$tmp" # from here on, every file is in tmp
for cc in gcc clang; do
  $cc $strict -O2 -c "$name.c" -o "$name.$cc.o"
  printf '#include "%s.h"\n' "$name" >header_only.c
  $cc $strict -c header_only.c -o header_only.o
done
if grep -q "${name}_reset(" "$name.h"; then
  printf '#include "%s.h"\nint main() { %s_state s; %s_reset(&s); return 0; }\n' "$name" "$name" "$name" >cxx.cc
else # no streaming step: a function every build has
  printf '#include "%s.h"\nint main() { return %s_params_info[0].offset != 0; }\n' "$name" "$name" >cxx.cc
fi
g++ -x c++ -Wall -Wextra -Wpedantic -Werror cxx.cc -x none "$name.gcc.o" -lm -o cxx
./cxx
echo "(a) gcc, clang -O2 -Werror, the header alone, and from C++: ok"

# (c) sanitizers: fields.h describes the model to harness.c (fields.sh, which see).
sh "$here/fields.sh" "$name.h" >fields.h
# -fno-var-tracking: full line information, a third of the compile time.
gcc -std=c99 -Wall -Wextra -Werror -O1 -g -fno-var-tracking -fsanitize=address,undefined -fno-sanitize-recover=all \
  -I. "$here/harness.c" "$name.c" -lm -o harness
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./harness 2>report || { cat report; exit 1; }
if [ -s report ]; then cat report; echo "FAIL: the harness wrote to stderr"; exit 1; fi
echo "(c) ASan + UBSan harness: ok"

# (d) readable, as a reviewer reads it: no loop of one iteration, no stride of
# 1 written out, no zero literal added
if grep -nE 'for \([a-z]+ [a-z0-9_]+ = [0-9]+; [a-z0-9_]+ < 1;|[^0-9.]\* 1[]);, ]|\(0\.0f? \+ ' "$name.c"; then
  echo "FAIL: $name.c has the code above, which should be simpler"
  exit 1
fi
echo "(d) no loops of one iteration, '* 1' strides or '0 +': ok"

# (e) updates in place: a copy into params at the end of an entry point is an
# arena buffer and a pass over every parameter that the optimizer's loop
# could have saved by writing over the parameter it last reads
if grep -nE '_copy\(.*, params \+ [0-9]+\);' "$name.c"; then
  echo "FAIL: $name.c copies updates into params (above) instead of writing them in place"
  exit 1
fi
echo "(e) updates written in place: ok"

# (f) joins that are views: a call such as kN_stack(x + 50, x + 100, x + 150, out) copies
# what is already a view of x
if awk '/^  k[0-9]+_(stack|concat)\(/ {
      line = $0; sub(/^  k[0-9]+_[a-z]+\(/, "", line); sub(/\);$/, "", line)
      n = split(line, arg, ", "); if (n < 3) next
      base = ""; ok = 1
      for (i = 1; i < n && ok; i++) {
        b = arg[i]; off = 0
        if (index(b, " + ")) { split(b, part, " \\+ "); b = part[1]; off = part[2] + 0 }
        if (i == 1) base = b; else if (b != base) ok = 0
        at[i] = off
      }
      step = at[2] - at[1]
      for (i = 2; i < n && ok; i++) if (at[i] - at[i - 1] != step) ok = 0
      if (ok && step > 0) { print FILENAME ":" NR ": " substr($0, 1, 120) "..."; bad = 1 }
    } END { exit !bad }' "$name.c"; then
  echo "FAIL: $name.c gathers values that already lie in order in one buffer (above): a view would do"
  exit 1
fi
echo "(f) joins of values in order are views: ok"

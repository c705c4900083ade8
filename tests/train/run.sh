#!/bin/sh
# run.sh RNNC CASE [ARGS...] - rnnc train, eval and sample end to end.
#   curves         sine_tiny, 3 epochs: the checkpoint, CSV and SVG; the test mse against the noise
#                  variance and the last-value predictor; the checkpoint as --weights of predict; --lr
#                  reaches the generated code (another object, recorded in the checkpoint); a CSV series
#                  in windows of --window values
#   resume         the parameters after 2 epochs are bit-identical whether or not the run stopped
#                  after epoch 1 and resumed, and with or without --eval-every's test evaluations; a finished checkpoint (its --epochs kept) has nothing to train
#   sigterm [--threads N]
#                  SIGTERM in the middle of epoch 2: exit status 143, the epoch-1 checkpoint intact
#                  and loadable, the interrupted state written beside it, and resuming from it gives
#                  bit for bit the parameters of an uninterrupted run (with N threads: the same)
#   threads        --threads 2 trains what one thread does (f64, no dropout: within 1e-9 after an
#                  epoch of 31 batches; the shards' gradients are summed in another order); resuming
#                  it (the checkpoint's threads) is bit for bit the uninterrupted run; eval of its
#                  checkpoint repeats training's test numbers
#   interp         --backend interp trains and evaluates what the generated code does: in f64 the
#                  parameters after an epoch agree within 1e-10, the test numbers to the printed digit
#   eval           rnnc eval repeats the test loss and accuracy of training's last epoch and prints
#                  the confusion matrix
#   sample         a character model prints its prime and exactly --length more characters; eval
#                  gives its bits per character next to the unigram entropy
#   lower SPEC DATA EPOCHS [--batch B] [--steps T] [--limit N]
#                  a short run of SPEC lowers its test loss (fixed seed; below 0.95 times the initial)
#   mpi            mpirun -n 2 ... --mpi trains what --threads 2 does (f64: within 1e-12 after an epoch;
#                  two ranks sum in the same order, so in fact bit for bit), -n 2 --threads 2 what
#                  --threads 4 does; the checkpoint records 2 ranks; a batch the ranks x threads do not
#                  divide is refused once (by rank 0), and so is mpirun without --mpi; ranks whose code
#                  rounds otherwise (with and without FMA) drift apart, and the checksum stops them
#   mpi_resume     SIGTERM to mpirun in the middle of an epoch after the first: every rank stops at the same batch, rank 0
#                  writes the interrupted state; resuming it with -n 2 is bit for bit the uninterrupted
#                  -n 2 run, and so is resuming it in one process (the checkpoint's 2 shards: --threads 2)
#   mpi_kill       SIGKILL to rank 1 in the middle of epoch 2: the job ends within 10 s with a non-zero
#                  status and mpirun's message naming the killed rank; the epoch-1 checkpoint resumes;
#                  an error on rank 0 alone (no folder to write its checkpoint in) ends the job too
#   mpi_missing    (a build without MPI) --mpi says how to get it
#   errors         bad uses get their message; damaged checkpoints; a checkpoint naming data
#                  that is no dataset (/etc/passwd for a series, /dev/zero, a binary as text)
# Timings are never asserted.
set -u
rnnc=$1 case=$2
shift 2
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { /usr/bin/python3 "$here/check.py" "$@" || exit 1; }
die() { echo "FAIL: $*"; exit 1; }
# run NAME COMMAND...: the command succeeds; stdout and stderr in $tmp/NAME.log
run() {
  name=$1
  shift
  "$@" >"$tmp/$name.log" 2>&1
  status=$?
  [ $status = 0 ] || { cat "$tmp/$name.log"; die "$* exited with $status"; }
}
# expect FILE TEXT: a line of FILE contains TEXT
expect() { grep -qF -- "$2" "$1" || { cat "$1"; die "no line of $1 contains: $2"; }; }

# $mpirun NP ARGS...: Open MPI's mpirun on this machine, with more ranks than cores if need be
# (a command, not a function, so that $! of `$mpirun ... &` is mpirun's own pid).  Open MPI refuses
# to start as root (a guard against running a cluster job as root by mistake) unless both
# variables say it is meant: test.sh and ctest run as root in a fresh container.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun="mpirun --oversubscribe -n"
# In the ASan build (test.sh's second stage) Open MPI's libraries and the components it loads and
# unloads leave allocations at exit that LeakSanitizer reports and cannot attribute to a library (their
# modules are gone), so only under mpirun leaks are not checked; addresses still are, and the same
# train.c paths run leak-checked without MPI (--threads).
case $case in mpi*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" ;; esac
# await SECONDS COMMAND...: runs COMMAND every 0.05 s until it succeeds (0) or SECONDS pass (1);
# $waited: the tenths of a second it took.  Generous limits: an ASan build on a busy machine is slow.
await() {
  limit=$(($1 * 20)) n=0
  shift
  until "$@"; do
    [ $n -ge $limit ] && { waited=$((n / 2)); return 1; }
    sleep 0.05
    n=$((n + 1))
  done
  waited=$((n / 2))
}
ended() { ! kill -0 "$1" 2>/dev/null; } # ended PID: the process has exited

text=/usr/share/common-licenses/GPL-3 # any text will do; Debian has this one
[ -f "$text" ] || text=README.md
sine="tests/train/sine_tiny.lua"
fmnist="tests/train/fmnist_tiny.lua"
char="tests/train/char_tiny.lua"

case $case in
curves)
  run train "$rnnc" train $sine --data sine --epochs 3 --seed 5 -o "$tmp/run.safetensors"
  expect "$tmp/train.log" "epoch 3/3"
  expect "$tmp/train.log" "best test loss"
  expect "$tmp/train.log" "baselines: noise variance 0.01; last-value predictor test mse 0.0"
  check curves "$tmp/run" 3
  check baselines "$tmp/train.log" "$tmp/run.csv"
  [ "$(check meta "$tmp/run.safetensors" epoch)" = 3 ] || die "the checkpoint does not say 3 epochs"
  run inputs "$rnnc" inputs $sine -o "$tmp/x.safetensors"
  run predict "$rnnc" predict $sine --weights "$tmp/run.safetensors" --inputs "$tmp/x.safetensors" -o "$tmp/y.safetensors"
  run lr "$rnnc" train $sine --data sine --epochs 1 --lr 0.05 -o "$tmp/lr.safetensors"
  [ "$(check meta "$tmp/lr.safetensors" lr)" = 0.050000000000000003 ] || die "the checkpoint does not record --lr 0.05"
  expect "$tmp/lr.log" "Adam lr 0.05"
  [ "$(grep '^code ' "$tmp/lr.log")" != "$(grep '^code ' "$tmp/train.log")" ] || die "--lr 0.05 ran the same object"
  awk 'BEGIN { for (t = 0; t < 400; t++) printf "%.6f\n", sin(t / 5) }' >"$tmp/series.csv"
  run window "$rnnc" train $sine --data "$tmp/series.csv" --window 12 --epochs 1 -o "$tmp/w.safetensors"
  expect "$tmp/window.log" "batch 8, steps 12,"
  [ "$(check meta "$tmp/w.safetensors" steps)" = 12 ] || die "the checkpoint does not record the window of 12"
  run window_eval "$rnnc" eval $sine --weights "$tmp/w.safetensors" --data "$tmp/series.csv"
  expect "$tmp/window_eval.log" "test mse"
  echo "ok: curves, checkpoint as weights, --lr, a CSV series with --window"
  ;;
resume)
  opts="--data fashion-mnist --limit 2000 --seed 3"
  run full "$rnnc" train $fmnist $opts --epochs 2 -o "$tmp/full.safetensors"
  run first "$rnnc" train $fmnist $opts --epochs 1 --eval-every 10 -o "$tmp/part.safetensors"
  expect "$tmp/first.log" "  test after 0.08 epochs, "
  expect "$tmp/first.log" "  test after 0.96 epochs, "
  run rest "$rnnc" train $fmnist --resume "$tmp/part.safetensors" --epochs 2 --eval-every 7 -o "$tmp/part.safetensors"
  expect "$tmp/rest.log" "resuming $tmp/part.safetensors: 1 epoch done"
  expect "$tmp/rest.log" "  test after 1.06 epochs, "
  check same "$tmp/full.safetensors" "$tmp/part.safetensors"
  check curves "$tmp/part" 2
  run again "$rnnc" train $fmnist --resume "$tmp/part.safetensors" -o "$tmp/part.safetensors"
  expect "$tmp/again.log" "already holds 2 epochs of the 2 asked for: nothing to train"
  ;;
sigterm)
  opts="--data fashion-mnist --seed 4 $*"
  run full "$rnnc" train $fmnist $opts --epochs 2 -o "$tmp/full.safetensors"
  "$rnnc" train $fmnist $opts --epochs 3 -o "$tmp/ck.safetensors" >"$tmp/killed.log" 2>&1 &
  pid=$!
  i=0
  while [ ! -f "$tmp/ck.safetensors" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
  [ -f "$tmp/ck.safetensors" ] || { kill $pid; die "no checkpoint after 30 s"; }
  sleep 0.1 # into epoch 2 (an epoch takes about half a second)
  kill -TERM $pid
  wait $pid
  rc=$?
  cat "$tmp/killed.log"
  [ $rc = 143 ] || die "exit status $rc after SIGTERM, expected 143"
  expect "$tmp/killed.log" "interrupted by SIGTERM at epoch 2, batch"
  expect "$tmp/killed.log" "$tmp/ck.safetensors holds epoch 1"
  [ "$(check meta "$tmp/ck.safetensors" epoch)" = 1 ] || die "the epoch-1 checkpoint changed"
  run eval "$rnnc" eval $fmnist --weights "$tmp/ck.safetensors"
  done=$(check meta "$tmp/ck.interrupted.safetensors" batch_done)
  [ "$done" -gt 0 ] || die "the interrupted state is not in the middle of an epoch (batch_done '$done')"
  echo "ok: interrupted after batch $done of epoch 2"
  run resume "$rnnc" train $fmnist --resume "$tmp/ck.interrupted.safetensors" --epochs 2 -o "$tmp/ck.safetensors"
  expect "$tmp/resume.log" "epoch 2 goes on at batch $((done + 1))"
  check same "$tmp/full.safetensors" "$tmp/ck.safetensors"
  ;;
interp)
  opts="--data fashion-mnist --limit 500 --seed 6 --epochs 1 --dtype f64"
  run c "$rnnc" train $fmnist $opts -o "$tmp/c.safetensors"
  run interp "$rnnc" train $fmnist $opts --backend interp -o "$tmp/i.safetensors"
  expect "$tmp/interp.log" "running in the interpreter (--backend interp)"
  check close "$tmp/i.safetensors" "$tmp/c.safetensors" 1e-10
  [ "$(cut -d, -f2-5 "$tmp/i.csv")" = "$(cut -d, -f2-5 "$tmp/c.csv")" ] || die "the curves differ: $(cat "$tmp/i.csv" "$tmp/c.csv")"
  run eval_c "$rnnc" eval $fmnist --weights "$tmp/c.safetensors"
  run eval_i "$rnnc" eval $fmnist --weights "$tmp/c.safetensors" --backend interp
  [ "$(grep '^loss' "$tmp/eval_c.log")" = "$(grep '^loss' "$tmp/eval_i.log")" ] || die "eval differs between the backends"
  echo "ok: interp trains and evaluates as the generated code does"
  ;;
eval)
  run train "$rnnc" train $fmnist --data fashion-mnist --limit 3000 --epochs 1 -o "$tmp/ck.safetensors"
  run eval "$rnnc" eval $fmnist --weights "$tmp/ck.safetensors" --limit 3000
  loss=$(tail -n 1 "$tmp/ck.csv" | cut -d, -f4) acc=$(tail -n 1 "$tmp/ck.csv" | cut -d, -f5)
  expect "$tmp/eval.log" "$(printf 'loss %.4f  accuracy %.4f (' "$loss" "$acc")"
  expect "$tmp/eval.log" "confusion matrix (rows: true class, columns: predicted; last column: recall)"
  [ "$(grep -cE '^ +[0-9] +[0-9 ]+ [01]\.[0-9]{3}$' "$tmp/eval.log")" = 10 ] || { cat "$tmp/eval.log"; die "not 10 rows"; }
  cat "$tmp/eval.log"
  ;;
sample)
  run train "$rnnc" train $char --data "$text" --epochs 1 --limit 400 -o "$tmp/char.safetensors"
  "$rnnc" sample $char --weights "$tmp/char.safetensors" --prime "The " --length 57 --seed 2 >"$tmp/s1" || die "sample failed"
  [ "$(wc -c <"$tmp/s1")" = $((4 + 57 + 1)) ] || { cat "$tmp/s1"; die "not prime + 57 characters + newline"; }
  [ "$(head -c 4 "$tmp/s1")" = "The " ] || die "the sample does not start with the prime"
  "$rnnc" sample $char --weights "$tmp/char.safetensors" --length 300 --temperature 0 >"$tmp/s2" || die "sample failed"
  [ "$(wc -c <"$tmp/s2")" = $((1 + 300 + 1)) ] || die "the default prime is not one newline"
  run eval "$rnnc" eval $char --weights "$tmp/char.safetensors"
  expect "$tmp/eval.log" "most frequent confusions"
  check baselines "$tmp/eval.log"
  cat "$tmp/s1"
  ;;
lower)
  spec=$1 data=$2 epochs=$3
  shift 3
  [ "$data" = text ] && data=$text
  run init "$rnnc" init "$spec" --seed 7 -o "$tmp/w0.safetensors"
  run before "$rnnc" eval "$spec" --weights "$tmp/w0.safetensors" --data "$data" --seed 7 "$@"
  run train "$rnnc" train "$spec" --data "$data" --seed 7 --epochs "$epochs" -o "$tmp/ck.safetensors" "$@"
  run after "$rnnc" eval "$spec" --weights "$tmp/ck.safetensors" "$@"
  check lower "$tmp/before.log" "$tmp/after.log" 0.95
  ;;
threads)
  opts="--data fashion-mnist --limit 500 --seed 6 --dtype f64"
  run one "$rnnc" train $fmnist $opts --epochs 1 -o "$tmp/one.safetensors"
  run two "$rnnc" train $fmnist $opts --epochs 1 --threads 2 -o "$tmp/two.safetensors"
  expect "$tmp/two.log" "batch 16 (2 threads, 8 examples each)"
  [ "$(check meta "$tmp/two.safetensors" threads)" = 2 ] || die "the checkpoint does not record --threads 2"
  check close "$tmp/two.safetensors" "$tmp/one.safetensors" 1e-9
  run full "$rnnc" train $fmnist $opts --epochs 2 --threads 2 -o "$tmp/full.safetensors"
  run rest "$rnnc" train $fmnist --resume "$tmp/two.safetensors" --epochs 2 -o "$tmp/two.safetensors"
  expect "$tmp/rest.log" "batch 16 (2 threads, 8 examples each)"
  check same "$tmp/full.safetensors" "$tmp/two.safetensors"
  run eval "$rnnc" eval $fmnist --weights "$tmp/full.safetensors" --limit 500
  loss=$(tail -n 1 "$tmp/full.csv" | cut -d, -f4) acc=$(tail -n 1 "$tmp/full.csv" | cut -d, -f5)
  expect "$tmp/eval.log" "$(printf 'loss %.4f  accuracy %.4f (' "$loss" "$acc")"
  ;;
mpi)
  opts="--data fashion-mnist --limit 500 --seed 6 --dtype f64 --epochs 1"
  run two "$rnnc" train $fmnist $opts --threads 2 -o "$tmp/two.safetensors"
  run mpi $mpirun 2 "$rnnc" train $fmnist $opts --mpi -o "$tmp/mpi.safetensors"
  expect "$tmp/mpi.log" "batch 16 (2 ranks x 1 thread, 8 examples each)"
  expect "$tmp/mpi.log" "allreduce of the gradients (24912 bytes per batch, rank 0): "
  [ "$(grep -c '^rnnc train fmnist_tiny' "$tmp/mpi.log")" = 1 ] || die "not rank 0 alone prints"
  [ "$(check meta "$tmp/mpi.safetensors" ranks)" = 2 ] || die "the checkpoint does not record 2 ranks"
  [ "$(check meta "$tmp/mpi.safetensors" threads)" = 2 ] || die "the checkpoint does not record 2 shards"
  check close "$tmp/mpi.safetensors" "$tmp/two.safetensors" 1e-12
  run four "$rnnc" train $fmnist $opts --threads 4 -o "$tmp/four.safetensors"
  run mpi2 $mpirun 2 "$rnnc" train $fmnist $opts --mpi --threads 2 -o "$tmp/mpi2.safetensors"
  expect "$tmp/mpi2.log" "batch 16 (2 ranks x 2 threads, 4 examples each)"
  check close "$tmp/mpi2.safetensors" "$tmp/four.safetensors" 1e-12
  # refused: once, by rank 0, and the job's status is not 0
  $mpirun 2 "$rnnc" train $fmnist $opts --mpi --threads 3 -o "$tmp/x.safetensors" >"$tmp/bad.log" 2>&1 &&
    die "2 ranks x 3 threads with a batch of 16 ran"
  want="rnnc: error: --mpi: 2 ranks x 3 threads do not divide the batch of 16 into shards of one size (a --batch that is a multiple of 6 will)"
  [ "$(grep -cxF "$want" "$tmp/bad.log")" = 1 ] || { cat "$tmp/bad.log"; die "not once: $want"; }
  $mpirun 2 "$rnnc" train $fmnist $opts -o "$tmp/x.safetensors" >"$tmp/bad.log" 2>&1 && die "mpirun without --mpi ran"
  want="rnnc: error: rnnc train runs under mpirun without --mpi: every rank would train the whole run alone and write the same files (add --mpi)"
  [ "$(grep -cxF "$want" "$tmp/bad.log")" = 1 ] || { cat "$tmp/bad.log"; die "not once: $want"; }
  [ ! -f "$tmp/x.safetensors" ] || die "a refused run wrote a checkpoint"
  # ranks that round differently drift apart: the checksum after batch 50 stops them (an MPMD job: rank 0
  # runs code compiled without fused multiply-adds, rank 1 with them, as two kinds of CPU might)
  o="$fmnist --data fashion-mnist --limit 2000 --seed 6 --epochs 1 --mpi -o $tmp/x.safetensors"
  # shellcheck disable=SC2086
  $mpirun 1 -x RNNC_CFLAGS="-O2 -ffp-contract=off" "$rnnc" train $o : -n 1 -x RNNC_CFLAGS="-O2 -ffp-contract=fast -march=native" \
    "$rnnc" train $o >"$tmp/drift.log" 2>&1 && { cat "$tmp/drift.log"; die "ranks running other code did not stop"; }
  expect "$tmp/drift.log" "rnnc: error: --mpi: the ranks drifted apart: after batch 50 of epoch 1, rank 1's parameters differ from rank 0's"
  [ ! -f "$tmp/x.safetensors" ] || die "ranks that drifted apart wrote a checkpoint"
  echo "ok: -n 2 trains what --threads 2 does, -n 2 --threads 2 what --threads 4 does"
  ;;
mpi_resume)
  opts="--data fashion-mnist --seed 4 --mpi"
  run full $mpirun 2 "$rnnc" train $fmnist $opts --epochs 12 -o "$tmp/full.safetensors"
  # A SIGTERM that lands in the test evaluation after an epoch's last batch leaves an epoch's end, not
  # its middle, which shows nothing about resuming: that run is tried again (epochs of about 0.1 s
  # landed there one time in six).
  for attempt in 1 2 3 4 5; do
    rm -f "$tmp/ck.safetensors" "$tmp/ck.interrupted.safetensors"
    $mpirun 2 "$rnnc" train $fmnist $opts --epochs 12 -o "$tmp/ck.safetensors" >"$tmp/killed.log" 2>&1 &
    pid=$!
    await 120 test -f "$tmp/ck.safetensors" || { kill $pid; die "no checkpoint after 120 s"; }
    # into epoch 2 or later: an epoch takes 0.1-0.4 s on an idle machine and 2 s on a busy one, and
    # mpirun passes SIGTERM on a second or so later (4 epochs were over by then on an idle machine)
    sleep 0.3
    kill -TERM $pid # mpirun passes SIGTERM on to every rank
    wait $pid
    rc=$?
    tr '\r' '\n' <"$tmp/killed.log" | grep -v '^epoch '
    [ $rc != 0 ] || die "mpirun exited with 0 after SIGTERM"
    expect "$tmp/killed.log" "interrupted by SIGTERM at epoch "
    done=$(check meta "$tmp/ck.interrupted.safetensors" batch_done)
    epochs=$(check meta "$tmp/ck.interrupted.safetensors" epoch)
    [ "$done" -gt 0 ] && break
    echo "note: attempt $attempt stopped at an epoch's end (batch_done 0); again"
  done
  [ "$done" -gt 0 ] || die "the interrupted state is not in the middle of an epoch (batch_done '$done') in 5 attempts"
  [ "$(check meta "$tmp/ck.safetensors" epoch)" = "$epochs" ] || die "the last epoch's checkpoint changed"
  [ "$(check meta "$tmp/ck.interrupted.safetensors" ranks)" = 2 ] || die "the interrupted state does not record 2 ranks"
  echo "ok: interrupted after batch $done of epoch $((epochs + 1))"
  run resume $mpirun 2 "$rnnc" train $fmnist --resume "$tmp/ck.interrupted.safetensors" --mpi -o "$tmp/ck.safetensors"
  expect "$tmp/resume.log" "epoch $((epochs + 1)) goes on at batch $((done + 1))"
  check same "$tmp/full.safetensors" "$tmp/ck.safetensors"
  # another count: one process takes the checkpoint's 2 shards as --threads 2, the same sums
  run one "$rnnc" train $fmnist --resume "$tmp/ck.interrupted.safetensors" -o "$tmp/one.safetensors"
  expect "$tmp/one.log" "batch 16 (2 threads, 8 examples each)"
  expect "$tmp/one.log" "note: resuming with other settings than $tmp/ck.interrupted.safetensors was trained with"
  check same "$tmp/full.safetensors" "$tmp/one.safetensors"
  ;;
mpi_kill)
  opts="--data fashion-mnist --seed 4 --mpi"
  $mpirun 2 "$rnnc" train $fmnist $opts --epochs 5 -o "$tmp/ck.safetensors" >"$tmp/killed.log" 2>&1 &
  pid=$!
  await 120 test -f "$tmp/ck.safetensors" || { kill $pid; die "no checkpoint after 120 s"; }
  rank1=""
  for child in $(pgrep -P $pid); do # mpirun starts the ranks as its children; OMPI_COMM_WORLD_RANK says which
    tr '\0' '\n' <"/proc/$child/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && rank1=$child
  done
  [ -n "$rank1" ] || { kill $pid; die "no rank 1 among mpirun's children: $(pgrep -a -P $pid)"; }
  kill -KILL "$rank1"
  await 10 ended $pid || { kill -KILL $pid; die "the job still runs 10 s after rank 1 was killed"; }
  took=$waited
  wait $pid
  rc=$?
  tr '\r' '\n' <"$tmp/killed.log" | grep -v '^epoch '
  [ $rc != 0 ] || die "mpirun exited with 0 after rank 1 was killed"
  expect "$tmp/killed.log" "mpirun noticed that process rank 1 with PID " # (Open MPI 4.1 prints PID 0)
  expect "$tmp/killed.log" "exited on signal 9 (Killed)."
  pgrep -f "$tmp/ck.safetensors" >/dev/null && die "ranks of the job outlived it: $(pgrep -a -f "$tmp/ck.safetensors")"
  echo "ok: the job ended $((took / 10)).$((took % 10)) s after rank 1 was killed"
  run resume $mpirun 2 "$rnnc" train $fmnist --resume "$tmp/ck.safetensors" --mpi --epochs 2 -o "$tmp/ck.safetensors"
  [ "$(check meta "$tmp/ck.safetensors" epoch)" = 2 ] || die "resuming the last checkpoint did not train epoch 2"
  # an error on rank 0 alone (its checkpoint's folder is gone) ends the job: ranks_abort, not a hang
  mkdir "$tmp/gone"
  $mpirun 2 "$rnnc" train $fmnist $opts --epochs 2 -o "$tmp/gone/ck.safetensors" >"$tmp/gone.log" 2>&1 &
  pid=$!
  await 120 grep -q '^code ' "$tmp/gone.log" || { kill $pid; die "training did not start in 120 s"; }
  rm -r "$tmp/gone" # while epoch 1 trains
  # the end of epoch 1 fails on rank 0 alone; from its message the job has 10 s to end
  failed() { grep -qF "rnnc: error: $tmp/gone/ck.safetensors: cannot create $tmp/gone/ck.safetensors." "$tmp/gone.log"; }
  failed_or_ended() { failed || ended $pid; }
  await 300 failed_or_ended || { kill $pid; die "rank 0 did not fail to write its checkpoint in 300 s"; }
  failed || { cat "$tmp/gone.log"; die "the job ended without rank 0's message"; }
  await 10 ended $pid || { kill -KILL $pid; die "the job still runs 10 s after rank 0 failed"; }
  wait $pid && die "mpirun exited with 0 after rank 0 failed"
  echo "ok: the job ended $((waited / 10)).$((waited % 10)) s after rank 0 failed"
  ;;
mpi_missing)
  "$rnnc" train $fmnist --data fashion-mnist --mpi -o "$tmp/x.safetensors" >"$tmp/out" 2>"$tmp/err" && die "--mpi ran"
  expect "$tmp/err" "rnnc: error: --mpi: this rnnc was built without MPI; install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev, as scripts/setup.sh does) and rebuild rnnc"
  ;;
errors)
  fails() { # fails TEXT COMMAND...: exit status 1 and TEXT on stderr
    want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    [ $status = 1 ] || { cat "$tmp/err"; die "$* exited with $status, not 1"; }
    grep -qF -- "$want" "$tmp/err" || { cat "$tmp/err"; die "no message: $want"; }
  }
  fails "train needs --data DATA" "$rnnc" train $sine -o "$tmp/a.safetensors"
  fails "train needs -o" "$rnnc" train $sine --data sine
  fails "--lr expects a positive number, got '0'" "$rnnc" train $sine --data sine --lr 0 -o "$tmp/a.safetensors"
  run init "$rnnc" init $sine -o "$tmp/w.safetensors"
  fails "not a checkpoint of rnnc train" "$rnnc" train $sine --resume "$tmp/w.safetensors" -o "$tmp/a.safetensors"
  fails "eval needs --data DATA" "$rnnc" eval $sine --weights "$tmp/w.safetensors"
  fails "has no vocabulary (data.vocab)" "$rnnc" sample $char --weights "$tmp/w.safetensors"
  fails "--window 12 and --steps 10 differ" "$rnnc" train $sine --data sine --window 12 --steps 10 -o "$tmp/a.safetensors"
  fails "fewer than one batch of 8" "$rnnc" train $sine --data sine --limit 7 -o "$tmp/a.safetensors"
  fails "cannot write in $tmp/no/such/" "$rnnc" train $sine --data sine -o "$tmp/no/such/a.safetensors"
  fails "--threads expects an integer in [1, 256], got '0'" "$rnnc" train $sine --data sine --threads 0 -o "$tmp/a.safetensors"
  fails "rnnc: error: --threads 3 does not divide the batch of 8 into shards of one size" \
    "$rnnc" train $sine --data sine --threads 3 -o "$tmp/a.safetensors"
  fails "rnnc: error: --threads runs shards of a batch through generated code; the interpreter (--backend interp) takes --threads 1" \
    "$rnnc" train $sine --data sine --threads 2 --backend interp -o "$tmp/a.safetensors"
  fails "eval does not take option '--threads'" "$rnnc" eval $sine --weights "$tmp/w.safetensors" --threads 2
  # a checkpoint from elsewhere names its data: rnnc says which, and reads only a dataset
  run one "$rnnc" train $sine --data sine --epochs 1 -o "$tmp/one.safetensors"
  # damaged checkpoints: cut short, garbage, a count no bytes back
  head -c 300 "$tmp/one.safetensors" >"$tmp/cut.safetensors"
  fails "rnnc: error: $tmp/cut.safetensors: header length" "$rnnc" train $sine --resume "$tmp/cut.safetensors" -o "$tmp/a.safetensors"
  printf 'rnnc!' >"$tmp/junk.safetensors"
  fails "rnnc: error: $tmp/junk.safetensors: file is 5 bytes, too short" "$rnnc" train $sine --resume "$tmp/junk.safetensors" -o "$tmp/a.safetensors"
  cp "$tmp/one.safetensors" "$tmp/epochs.safetensors"
  check setmeta "$tmp/epochs.safetensors" epoch 1000000000
  fails "rnnc: error: $tmp/epochs.safetensors: tensor 'train.history' must be F64 [1000000000, 6]" \
    "$rnnc" train $sine --resume "$tmp/epochs.safetensors" -o "$tmp/a.safetensors"
  resume_with_data() { # resume_with_data PATH MESSAGE: the checkpoint names PATH as data; MESSAGE on stderr
    cp "$tmp/one.safetensors" "$tmp/named.safetensors"
    check setmeta "$tmp/named.safetensors" data "$1"
    spec=$(check meta "$tmp/named.safetensors" spec)
    fails "$2" "$rnnc" train "$spec" --resume "$tmp/named.safetensors" --epochs 2 -o "$tmp/named.safetensors"
    head -n 1 "$tmp/err" | grep -qxF "rnnc: data: $1 (from the checkpoint)" || { cat "$tmp/err"; die "no line: rnnc: data: $1"; }
    [ "$(wc -l <"$tmp/err")" -eq 2 ] || { cat "$tmp/err"; die "more than the data line and the error"; }
  }
  resume_with_data /etc/passwd "rnnc: error: /etc/passwd: the spec's input 'x' is float [8, 1] per example, but text gives int32"
  resume_with_data /dev/zero "rnnc: error: /dev/zero: not a dataset but a device, a pipe or a socket; DATA is fashion-mnist, sine, words, a .csv file, a text file or a directory (the data $tmp/named.safetensors names; --data DATA trains on other data)"
  resume_with_data "$tmp/none" "rnnc: error: $tmp/none: No such file or directory"
  run char "$rnnc" train $char --data "$text" --epochs 1 --limit 64 -o "$tmp/one.safetensors"
  resume_with_data /bin/sh "rnnc: error: /bin/sh: not text: byte "
  resume_with_data /etc/passwd "rnnc: error: /etc/passwd: the vocabulary of the data differs"
  echo "ok: errors"
  ;;
*) die "unknown case $case" ;;
esac

#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer with leak
# detection on (CTest `sanitizers`, label `asan`; docs/architecture.md).
# Usage: run.sh SRC_DIR BUILD_DIR [JOBS]
#
# Configures BUILD_DIR with -DIMC_ASAN=ON, builds everything (imcsim, the
# test programs, the benchmarks run_cli uses), and runs every test but those
# labelled fuzz (libFuzzer builds its own sanitized binaries), valgrind (it
# cannot run sanitized programs), scripts (Python against a fake simulator),
# onnx and func (PyTorch exports and trains their inputs first: minutes of
# Python, no imcsim code; the C readers they feed are fuzzed under ASan by
# scripts/fuzz), long (whole networks simulated many times, or the NoC's
# closed-form sweeps: minutes each natively, several times that under ASan;
# validation is the same: 32 checks of whole networks, 105 s natively, 485 s
# under ASan;
# the same engine, NoC and output paths run here in test_two_tile,
# test_streams, test_noc_sc, app_cli and outputs) and asan (this one). Every
# sanitizer report of every process, also of a process whose stderr a test
# discards, goes to a log file: an error, a leak or a UBSan report fails the
# run (ASan's warnings, such as SystemC's coroutine stack switches, are shown). Suppressions: test/sanitizers/lsan.supp (Check's own
# allocations only).
set -uo pipefail
src=$(cd "$1" && pwd)
bdir=$2
jobs=${3:-2}
t0=$SECONDS
mkdir -p "$bdir"
cmake -S "$src" -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMC_ASAN=ON >"$bdir/configure.log" 2>&1 ||
  { cat "$bdir/configure.log"; echo "sanitizers: error: cannot configure $bdir" >&2; exit 1; }
cmake --build "$bdir" -j "$jobs" >"$bdir/build.log" 2>&1 ||
  { tail -n 40 "$bdir/build.log"; echo "sanitizers: error: the build failed (see $bdir/build.log)" >&2; exit 1; }
built=$((SECONDS - t0))

logs=$bdir/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"
chmod 1777 "$logs" # tests that drop privileges (setpriv) log here too
export ASAN_OPTIONS="detect_leaks=1:log_path=$logs/asan:strict_string_checks=1:detect_invalid_pointer_pairs=0:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan"
# use_stacks=0: SystemC switches its coroutines without ASan's fiber calls, so
# ASan may take a coroutine stack SystemC has freed by exit for the main
# thread's; LeakSanitizer's tracer then reads it and dies of SIGSEGV ("Tracer
# caught signal 11", seen on `run --timeline` on 2026-12-05, with the code of
# ab91e58 too: one run in two). At exit no live block is held by a stack
# alone, and leaving stacks out can only report more leaks, never fewer.
export LSAN_OPTIONS="suppressions=$src/test/sanitizers/lsan.supp:print_suppressions=0:use_stacks=0"
ctest --test-dir "$bdir" -j "$jobs" -LE 'fuzz|valgrind|scripts|onnx|func|long|validation|asan' \
  --output-on-failure \
  >"$bdir/ctest.log" 2>&1
rc=$?
tail -n 25 "$bdir/ctest.log"
mapfile -t reports < <(grep -lE 'ERROR: |runtime error|SUMMARY: ' "$logs"/* 2>/dev/null)
for w in "$logs"/*; do
  [[ -e $w ]] && ! grep -qE 'ERROR: |runtime error|SUMMARY: ' "$w" && echo "(warning) $w: $(head -n 1 "$w")"
done
if ((${#reports[@]})); then
  for r in "${reports[@]}"; do
    echo "=== $r"
    head -n 60 "$r"
  done
  echo "sanitizers: ${#reports[@]} sanitizer report(s) in $logs" >&2
  rc=1
fi
echo "sanitizers: build $built s, tests $((SECONDS - t0 - built)) s"
exit $rc

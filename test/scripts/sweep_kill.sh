#!/usr/bin/env bash
# A sweep locks its OUTDIR (a second sweep there is refused, not run twice);
# killing the sweep with TERM or KILL stops its points; a point killed by
# SIGKILL is recorded with an error line, not the warning it printed before.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
running() { pgrep -f -- "sweeplib.py point $1 " || pgrep -f -- "fake_imcsim run .*$1/points" ; }
gone() { # no process of the sweep in $1 left within 5 s
  for _ in $(seq 50); do running "$1" >/dev/null || return 0; sleep 0.1; done
  running "$1" | xargs -r ps -o pid,cmd -p >&2; return 1
}
started() { # until 2 points of the sweep in $1 run
  for _ in $(seq 100); do [[ $(running "$1" | wc -l) -ge 2 ]] && return 0; sleep 0.1; done
  return 1
}
export FAKE_IMCSIM_SLEEP=30
for sig in TERM KILL; do
  "$SRC/scripts/sweep" "$T/spec.yaml" -o "$T/$sig" -j 2 2>"$T/$sig.err" &
  pid=$!
  started "$T/$sig" || fail "the sweep did not start its points"
  # a second sweep on the same OUTDIR, while the first runs
  if sweep "$T/spec.yaml" -o "$T/$sig" --resume 2>"$T/second.err"; then fail "a second sweep ran"; fi
  grep -q "^sweep: error: $T/$sig is in use by another sweep" "$T/second.err" ||
    { cat "$T/second.err"; fail "no 'in use' error"; }
  kill -"$sig" "$pid"          # the sweep process alone, not its group
  st=0
  wait "$pid" 2>/dev/null || st=$?
  gone "$T/$sig" || fail "kill -$sig of the sweep left its points running"
  [[ $sig == KILL ]] || { [[ $st == 143 ]] && grep -q "interrupted by SIGTERM" "$T/$sig.err"; } ||
    { cat "$T/$sig.err"; fail "TERM: status $st"; }
done
# the lock is released with the last process: the sweep can be resumed
unset FAKE_IMCSIM_SLEEP FAKE_IMCSIM_FAIL
export FAKE_IMCSIM_KILL=adc.bits=13
if sweep "$T/spec.yaml" -o "$T/KILL" --resume 2>/dev/null; then fail "expected failed points"; fi
grep -q "^4,failed,137,error: imcsim was killed by SIGKILL (signal 9) (out of memory?),isaac,lenet5," \
  "$T/KILL/failed.csv" || { cat "$T/KILL/failed.csv"; fail "the SIGKILLed point's error"; }
echo "PASS: OUTDIR locked; TERM and KILL of the sweep stop its points; a SIGKILLed point says so"

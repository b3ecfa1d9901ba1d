#!/usr/bin/env bash
# A sweep killed after a few jobs and resumed gives the same merged CSV as an
# uninterrupted one, and the resumed run does not redo finished points.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sweep "$T/spec.yaml" -o "$T/ref" -j 2 2>/dev/null && fail "expected exit 1 (failed points)" || [[ $? == 1 ]]
n=$(( $(wc -l < "$T/ref/results.csv") - 1 ))
[[ $n == 12 ]] || fail "expected 12 rows, got $n"

export FAKE_IMCSIM_SLEEP=0.3
setsid "$SRC/scripts/sweep" "$T/spec.yaml" -o "$T/int" -j 2 2>/dev/null &
pid=$!
for _ in $(seq 200); do  # until 3 jobs are logged (header + 3 lines)
  [[ -f $T/int/joblog && $(wc -l < "$T/int/joblog") -ge 4 ]] && break
  sleep 0.05
done
kill -KILL -- "-$pid"
wait "$pid" 2>/dev/null || true
for _ in $(seq 100); do  # let orphaned jobs, if any, end before counting
  pgrep -f -- "$T/int" >/dev/null || break
  sleep 0.1
done
[[ ! -e $T/int/results.csv ]] || fail "the killed sweep merged anyway"
done_before=$(ls "$T/int/points" | grep -c '^[0-9]*\.\(json\|err\)$' || true)
(( done_before >= 3 && done_before < 12 )) || fail "killed after $done_before of 12 points"

export FAKE_IMCSIM_SLEEP=0 FAKE_IMCSIM_LOG=$T/calls
sweep "$T/spec.yaml" -o "$T/int" --resume -j 2 2>/dev/null || [[ $? == 1 ]]
same "$T/ref/results.csv" "$T/int/results.csv"
same "$T/ref/failed.csv" "$T/int/failed.csv"
calls=$(wc -l < "$T/calls")
[[ $calls == $((12 - done_before)) ]] || fail "resume ran $calls points, expected $((12 - done_before))"
grep -q '^4,failed,1,imcsim: error: simulated runtime failure for adc.bits=13,isaac,lenet5,isaac,13,128$' "$T/ref/failed.csv" || fail "failed.csv lacks point 4"
grep -q '^1,failed,2,' "$T/ref/failed.csv" || fail "failed.csv lacks bad-input point 1"
grep -q '^0,ok,isaac,lenet5,,isaac,4,128,' "$T/ref/results.csv" || fail "row 0 wrong"
echo "PASS: resumed after $done_before of 12 points, $calls re-run; CSVs identical"

#!/usr/bin/env bash
# No user string reaches a shell: a spec named 'x;touch PWNED;.yaml' in a
# directory with spaces, an -o 'out;touch INJECTED;' with spaces, and the
# Slurm script of such paths run every point as arguments, create nothing
# else, and give the CSV of a plain sweep. -o onto a file is a clear error.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sweep "$T/spec.yaml" -o "$T/plain" 2>/dev/null || [[ $? == 1 ]]
dir="$T/my dir; \$(touch SUBST) \`touch BACKTICK\`"
mkdir -p "$dir"
cp "$T/spec.yaml" "$dir/x;touch PWNED;.yaml"
cd "$dir"
# the default OUTDIR comes from the spec's name: out/sweeps/x;touch PWNED;
sweep "x;touch PWNED;.yaml" 2>err.txt || [[ $? == 1 ]] || { cat err.txt; fail "sweep exited $?"; }
same "$T/plain/results.csv" "out/sweeps/x;touch PWNED;/results.csv"
same "$T/plain/failed.csv" "out/sweeps/x;touch PWNED;/failed.csv"
out="$dir/out;touch INJECTED; with spaces"
sweep "x;touch PWNED;.yaml" -o "$out" -j 2 2>err.txt || [[ $? == 1 ]] || { cat err.txt; fail "sweep -o exited $?"; }
same "$T/plain/results.csv" "$out/results.csv"
sweep "x;touch PWNED;.yaml" -o "$out/slurm run" --slurm 2>/dev/null || fail "--slurm failed"
s="$out/slurm run/sweep.slurm"
for i in $(seq 0 11); do SLURM_ARRAY_TASK_ID=$i bash "$s" || fail "task $i failed"; done
bash "$s" merge 2>/dev/null || [[ $? == 1 ]]
same "$T/plain/results.csv" "$out/slurm run/results.csv"
# nothing ran a command hidden in a name, here or anywhere under $T
found=$(find "$T" / -xdev -maxdepth 1 \( -name PWNED -o -name INJECTED -o -name SUBST \
        -o -name BACKTICK \) 2>/dev/null; find "$T" \( -name PWNED -o -name INJECTED -o -name SUBST \
        -o -name BACKTICK \) 2>/dev/null)
[[ -z $found ]] || fail "a name was run as a command: $found"
# a newline in the spec's name does not escape the comment of the Slurm script
cp "$T/spec.yaml" "$dir/nl
touch NEWLINE
.yaml"
sweep "$dir/nl
touch NEWLINE
.yaml" -o "$T/nl" --slurm 2>/dev/null || fail "--slurm with a newline in the spec name failed"
SLURM_ARRAY_TASK_ID=0 bash "$T/nl/sweep.slurm" || fail "task 0 failed"
[[ ! -e NEWLINE && ! -e $T/NEWLINE && ! -e $T/nl/NEWLINE ]] || fail "the spec's name ran as a command"
# -o onto an existing file: an error that says so, exit 2, no traceback
: > "$T/a file"
sweep "x;touch PWNED;.yaml" -o "$T/a file" 2>err.txt && fail "-o onto a file succeeded"
st=$?
[[ $st == 2 ]] && grep -qx "sweep: error: -o $T/a file: exists and is not a directory (expected a directory for the sweep)" err.txt &&
  ! grep -q Traceback err.txt || { cat err.txt; fail "-o onto a file: status $st"; }
echo "PASS: hostile and spaced names stay arguments (local, -o, Slurm); -o onto a file is an error"

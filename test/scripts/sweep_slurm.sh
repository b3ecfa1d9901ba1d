#!/usr/bin/env bash
# The job-array script written by --slurm, run by hand with SLURM_ARRAY_TASK_ID
# set to each index and then with 'merge', gives the same CSV as a local run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sweep "$T/spec.yaml" -o "$T/local" 2>/dev/null || [[ $? == 1 ]]
sweep "$T/spec.yaml" -o "$T/slurm" --slurm 2>/dev/null
s=$T/slurm/sweep.slurm
grep -qx '#SBATCH --array=0-11' "$s" || fail "array directive missing"
[[ ! -e $T/slurm/results.csv ]] || fail "--slurm ran the sweep locally"
# every index, in reverse order (a cluster runs them in any order)
for i in $(seq 11 -1 0); do SLURM_ARRAY_TASK_ID=$i bash "$s" || fail "task $i failed"; done
bash "$s" merge 2>/dev/null || [[ $? == 1 ]]
same "$T/local/results.csv" "$T/slurm/results.csv"
same "$T/local/failed.csv" "$T/slurm/failed.csv"
bash "$s" 2>/dev/null && fail "ran without SLURM_ARRAY_TASK_ID" || true
echo "PASS: the Slurm array run by hand gives the local CSV"

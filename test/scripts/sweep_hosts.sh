#!/usr/bin/env bash
# A sweep spread over several job slots with parallel's --sshlogin syntax
# (local ':' entries: this machine has no other hosts) gives the same CSV as a
# plain local run.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
sweep "$T/spec.yaml" -o "$T/local" 2>/dev/null || [[ $? == 1 ]]
sweep "$T/spec.yaml" -o "$T/hosts" --hosts 2/:,1/: 2>/dev/null || [[ $? == 1 ]]
same "$T/local/results.csv" "$T/hosts/results.csv"
same "$T/local/failed.csv" "$T/hosts/failed.csv"
# parallel really ran 12 jobs through the --sshlogin entries
[[ $(awk 'NR > 1 && $2 == ":"' "$T/hosts/joblog" | wc -l) == 12 ]] || fail "joblog: jobs not run via ':'"
echo "PASS: --hosts 2/:,1/: gives the local CSV"

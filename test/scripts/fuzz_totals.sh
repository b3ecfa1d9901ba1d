#!/usr/bin/env bash
# scripts/fuzz --totals sums a history file per target (hand count below):
# comments and the header are skipped, a run with a finding counts as one.
set -euo pipefail
SRC=${IMC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/imc-fuzz-totals.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
printf '# a comment\ndate\ttarget\tseconds\texecutions\tcov\tft\tcorpus\tfinding\n' >"$T/h.tsv"
printf '2026-01-01T00:00:00Z\ttrace\t1800\t1000\t10\t20\t5\t-\n' >>"$T/h.tsv"
printf '2026-01-02T00:00:00Z\ttrace\t3600\t500\t11\t21\t6\tcrash-1\n' >>"$T/h.tsv"
printf '2026-01-03T00:00:00Z\tyaml\t900\t7\t1\t2\t3\t-\n' >>"$T/h.tsv"
"$SRC/scripts/fuzz" --totals "$T/h.tsv" >"$T/out"
grep -Eq '^trace +2 +1\.50 +1500 +1$' "$T/out" || { cat "$T/out"; fail "trace: 2 runs, 1.5 h, 1500, 1 finding"; }
grep -Eq '^yaml +1 +0\.25 +7 +0$' "$T/out" || { cat "$T/out"; fail "yaml: 1 run, 0.25 h, 7, 0"; }
[[ $(wc -l <"$T/out") == 3 ]] || { cat "$T/out"; fail "expected a header and 2 targets"; }
if "$SRC/scripts/fuzz" --totals "$T/missing.tsv" 2>"$T/err"; then fail "a missing file must fail"; fi
grep -q "cannot read" "$T/err" || fail "no message for a missing file"
# the repository's record reads
"$SRC/scripts/fuzz" --totals >/dev/null || fail "test/fuzz/record.tsv does not read"
echo ok

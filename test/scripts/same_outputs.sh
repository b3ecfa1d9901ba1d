#!/usr/bin/env bash
# scripts/same-outputs: the same build twice reads "same"; a binary whose
# JSON gains a byte reads DIFFER (exit 1); a binary that fails, or no binary,
# is exit 2. Needs the real simulator ($IMCSIM, set by CTest).
set -euo pipefail
SRC=${IMC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
: "${IMCSIM:?IMCSIM must name the built imcsim}"
T=$(mktemp -d "${TMPDIR:-/tmp}/imc-same-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
so() { "$SRC/scripts/same-outputs" "$@"; }

so --quick "$IMCSIM" > "$T/out" || fail "the same build read as different (exit $?)"
grep -q "^outputs the same bytes (3 runs)$" "$T/out" || { cat "$T/out"; fail "no verdict"; }
[[ $(grep -c " same   same " "$T/out") == 3 ]] || { cat "$T/out"; fail "expected 3 rows of same"; }

# another binary: the same simulator, one more byte in each JSON result
cat > "$T/alt" <<ALT
#!/usr/bin/env bash
"$IMCSIM" "\$@"; rc=\$?
prev=
for a in "\$@"; do [[ \$prev == --json ]] && echo >> "\$a"; prev=\$a; done
exit \$rc
ALT
chmod +x "$T/alt"
rc=0; so --quick --keep "$T/keep" "$T/alt" > "$T/out" || rc=$?
[[ $rc == 1 ]] || { cat "$T/out"; fail "a changed JSON: exit $rc, expected 1"; }
grep -q "^l5 *DIFFER same " "$T/out" || { cat "$T/out"; fail "the JSON difference not reported"; }
[[ -s $T/keep/this/l5.json && -s $T/keep/other/l5.tl ]] || fail "--keep kept no outputs"

printf '#!/bin/sh\nexit 3\n' > "$T/bad"; chmod +x "$T/bad"
rc=0; so --quick "$T/bad" > /dev/null 2> "$T/err" || rc=$?
[[ $rc == 2 ]] || fail "a failing binary: exit $rc, expected 2"
grep -q "failed on '--arch isaac --model lenet5" "$T/err" || { cat "$T/err"; fail "the failure not named"; }
rc=0; so "$T/none" 2> "$T/err" || rc=$?
[[ $rc == 2 ]] && grep -q "is not an executable" "$T/err" || fail "a missing binary: exit $rc"
echo "PASS: same build same, a changed JSON DIFFER (1), a failing binary 2"

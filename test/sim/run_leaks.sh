#!/usr/bin/env bash
# Memory the runs allocate is freed: `imcsim run` and `imcsim compare` under
# valgrind's memcheck, failing on a definite leak (every run leaked its
# estimate's per-layer array until cebaddb; LeakSanitizer in the asan job did
# not see it, a copy of the pointer lingering in memory it scans). Only
# definite leaks count: SystemC keeps its coroutines' blocks to the end
# ("possibly lost") and valgrind reads their stack switches as uses of
# uninitialised values. Skipped (77) without valgrind.
set -u
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 77; }
imcsim="$IMC_BIN/imcsim"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
fail=0
memcheck() { # description, command...
  local what=$1; shift
  valgrind -q --leak-check=full --errors-for-leak-kinds=definite --undef-value-errors=no \
    --error-exitcode=99 "$@" >"$t/out" 2>"$t/err"
  local st=$?
  if [[ $st -ne 0 ]]; then echo "FAIL: $what: status $st"; grep -A12 "definitely lost" "$t/err" | head -40; fail=1
  else echo "ok: $what"; fi
}
memcheck "run: no definite leak" "$imcsim" run --arch isaac --model lenet5 --batch 2 --quiet \
  --json "$t/r.json" --csv "$t/csv"
# the parent: its children's results and estimates come through a pipe
memcheck "compare: no definite leak" "$imcsim" compare --arch isaac,puma --model mlp_small \
  --json "$t/c.json"
exit $fail

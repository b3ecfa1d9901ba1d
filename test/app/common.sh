# Shared set-up of the shell tests of imcsim's front door (app_cli.sh,
# outputs.sh): a private directory to work in, and the checks they report.
set -u
imcsim="$IMC_BIN/imcsim"
t=$(mktemp -d)
trap 'chmod -R u+w "$t"; rm -rf "$t"' EXIT
cd "$t" || exit 1
fail=0
check() { # description, status (0 = ok)
  if [[ $2 -ne 0 ]]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
_expect() { # grep flags, description, expected status, expected stderr, command...
  local how=$1 what=$2 want=$3 msg=$4; shift 4
  "$@" >stdout.txt 2>stderr.txt; local st=$?
  if [[ $st -ne $want ]] || ! grep "$how" -- "$msg" stderr.txt; then
    echo "FAIL: $what: status $st (expected $want), stderr:"; cat stderr.txt; echo "(expected: $msg)"; fail=1
  else echo "ok: $what"; fi
}
expect_error() { _expect -qxF "$@"; }    # ... the stderr line, exactly
expect_error_in() { _expect -qF "$@"; }  # ... a part of stderr

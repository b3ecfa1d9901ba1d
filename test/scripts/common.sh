# Shared setup of the sweep tests: the fake simulator, a private temp dir,
# and helpers. Sourced by each test/scripts/*.sh.
set -euo pipefail
SRC=${IMC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export IMCSIM=$SRC/test/scripts/fake_imcsim
unset FAKE_IMCSIM_SLEEP FAKE_IMCSIM_LOG FAKE_IMCSIM_FAIL FAKE_IMCSIM_KILL
command -v parallel >/dev/null || { echo "SKIP: GNU parallel not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/imc-sweep-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
sweep() { "$SRC/scripts/sweep" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
same() { cmp -s "$1" "$2" || { diff "$1" "$2" | head -20 >&2; fail "$1 differs from $2"; }; }
# A 2 models x 3 x 2 grid with one point that fails (exit 1) and one that is
# rejected as bad input (exit 2): failed points must be listed, not lost.
cat > "$T/spec.yaml" <<'YAML'
arch: isaac
models: [lenet5, vgg8]
set:
  adc.model: isaac   # fixed for every point
grid:
  adc.bits: [4, 6, 13]
  crossbar.rows: [128, bad]
YAML
export FAKE_IMCSIM_FAIL=adc.bits=13

#!/usr/bin/env bash
# Bad specs give the exact positioned error on stderr and exit 2.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
check() {  # check 'spec text' 'expected stderr (@ stands for the file)'
  printf '%s' "$1" > "$T/bad.yaml"
  local rc=0
  sweep "$T/bad.yaml" -o "$T/out" 2> "$T/err" >/dev/null || rc=$?
  [[ $rc == 2 ]] || fail "exit $rc (expected 2) for: $1"
  [[ $(cat "$T/err") == "${2//@/$T/bad.yaml}" ]] || fail "for spec:
$1
got:      $(cat "$T/err")
expected: ${2//@/$T/bad.yaml}"
  [[ ! -e $T/out ]] || fail "a bad spec created the output directory"
}
check $'arch: isaac\nmodel: vgg8\ngrid:\n  adc.bits: [4, 5\n' \
  "@:4:13: error: '[' is not closed (expected ']' before the end of the file)"
check $'arch: isaac\nmodl: vgg8\n' \
  "@:2:1: error: unknown key 'modl'; did you mean 'model'? (expected one of command, arch, model, models, batch, set, grid, points, timeout_s)"
check $'arch: isaac\nmodel: vgg8\ngrid:\n  adc.bits: [4]\n  adc.bits: [5]\n' \
  "@:5:3: error: duplicate key 'adc.bits' (expected each key once; first at line 4)"
check $'arch: isaac\nmodel: vgg8\ngrid:\n  adc.bits: []\n' \
  "@:4:13: error: empty list for 'adc.bits' (expected at least one value)"
check $'arch: isaac\nmodel: vgg8\nbatch: two\n' \
  "@:3:8: error: 'two' is not an integer (expected a batch size)"
check $'arch: isaac\nmodel: vgg8\ngrid:\n\tadc.bits: [4]\n' \
  "@:4:1: error: tab in indentation (expected spaces)"
check $'arch: isaac\nmodels: [vgg8]\nset:\n  adc.bits: 4\ngrid:\n  adc.bits: [5]\n' \
  "@:6:3: error: 'adc.bits' is both in 'set' and in 'grid' (expected each parameter in one place)"
check $'model: vgg8\n' \
  "@:1:1: error: missing 'arch' (command 'run') (expected 'arch: NAME' (a preset) or 'arch: FILE.yaml')"
check $'command: noc\narch: isaac\n' \
  "@:2:1: error: 'arch' does not apply to command 'noc' (expected topology and traffic flags in 'set:'/'grid:')"
check $'arch: isaac\nmodel: vgg8\nset:\n  <<: {adc.bits: 4}\n' \
  "@:4:3: error: merge keys '<<' are not supported (expected the keys written out)"
check $'arch: isaac\nmodel: !!python/name:os.system vgg8\n' \
  "@:2:8: error: tag 'tag:yaml.org,2002:python/name:os.system' is not supported (expected plain YAML values)"
check $'arch: isaac\nmodel: vgg8\n---\narch: puma\n' \
  "@:3:1: error: a second document (expected one document without '---')"
check $'arch: isaac\nmodel: vgg8\nset: {adc.bits: 4, adc.bits: 5}\n' \
  "@:3:20: error: duplicate key 'adc.bits' (expected each key once; first at line 3)"
check $'arch: isaac\nmodel: vgg8\ngrid:\n  adc.bits: [4, 5]\n   crossbar.rows: [64]\n' \
  "@:5:4: error: unexpected indentation (expected a key at column 3)"
check $'arch: isaac\nmodel: vgg8\npoints:\n  - adc.bits: 4\n  - [5]\n' \
  "@:5:5: error: a point must be a mapping (expected '- key: value' or '- {key: value, ...}')"
echo "PASS: 15 bad specs, 15 exact positioned errors"

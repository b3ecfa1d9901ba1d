#!/usr/bin/env bash
# The option rules every command shares (app/opts.h), the front door's checks
# of output paths, and `run --traces DIR` without --model.
set -u
imcsim="$IMC_BIN/imcsim"
t=$(mktemp -d)
trap 'chmod -R u+w "$t"; rm -rf "$t"' EXIT
cd "$t" || exit 1
fail=0
check() { # description, status (0 = ok)
  if [[ $2 -ne 0 ]]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
expect_error() { # description, expected status, expected stderr line (exact), command...
  local what=$1 want=$2 msg=$3; shift 3
  "$@" >stdout.txt 2>stderr.txt; local st=$?
  if [[ $st -ne $want ]] || ! grep -qxF -- "$msg" stderr.txt; then
    echo "FAIL: $what: status $st (expected $want), stderr:"; cat stderr.txt; echo "(expected: $msg)"; fail=1
  else echo "ok: $what"; fi
}

# --set, --set= and -s are one option, repeatable without a cap, in order.
"$imcsim" arch dump isaac --set adc.bits=7 --set tile.ces=10 >d1 2>/dev/null &&
  "$imcsim" arch dump isaac --set=adc.bits=7 -s tile.ces=10 >d2 2>/dev/null &&
  "$imcsim" arch dump isaac -sadc.bits=6 -s adc.bits=7 --set=tile.ces=10 >d3 2>/dev/null &&
  cmp -s d1 d2 && cmp -s d1 d3 && grep -q "bits: 7" d1
check "--set KEY=VALUE, --set=KEY=VALUE and -s KEY=VALUE are the same; the last wins" $?
sets=(); for i in $(seq 1 100); do sets+=(--set "adc.bits=$(( i % 8 + 1 ))"); done
"$imcsim" arch dump isaac "${sets[@]}" >d4 2>/dev/null && grep -q "bits: 5" d4
check "100 --set options are accepted (no cap) and applied in order" $?
for c in "run --arch isaac" "compare --arch isaac,puma" "compile --arch isaac"; do
  "$imcsim" $c --model lenet5 --set=adc.bitz=3 -s x=1 >stdout.txt 2>stderr.txt
  [[ $? -eq 2 ]] && grep -qF -- "--set adc.bitz=3: error: unknown key 'adc.bitz'" stderr.txt
  check "${c%% *} takes --set=KEY=VALUE and -s KEY=VALUE" $?
done

# Typed values: one wording.
expect_error "run: bad --batch" 2 "imcsim run: error: --batch 'x' (expected an integer in 1..100000)" \
  "$imcsim" run --arch isaac --model lenet5 --batch x
expect_error "compare: bad --batch" 2 "imcsim compare: error: --batch '0' (expected an integer in 1..100000)" \
  "$imcsim" compare --arch isaac,puma --model lenet5 --batch=0
expect_error "compile: bad --replicate" 2 "imcsim compile: error: --replicate 'most' (expected none, balanced or max)" \
  "$imcsim" compile --arch isaac --model lenet5 --replicate most
expect_error "run: bad --replicate" 2 "imcsim run: error: --replicate 'most' (expected none, balanced or max)" \
  "$imcsim" run --arch isaac --model lenet5 --replicate most
expect_error "trace dump: bad --limit" 2 "imcsim trace dump: error: --limit '-1' (expected an integer >= 0)" \
  "$imcsim" trace dump x.imct --limit -1
expect_error "missing value" 2 "imcsim run: error: '--model' needs a value (see 'imcsim run --help')" \
  "$imcsim" run --arch isaac --model
expect_error "unknown option" 2 "imcsim compile: error: unknown option '--frobnicate' (see 'imcsim compile --help')" \
  "$imcsim" compile --frobnicate
expect_error "value given to a flag" 2 "imcsim arch show: error: '--json' takes no value (see 'imcsim arch show --help')" \
  "$imcsim" arch show isaac --json=1
expect_error "ambiguous prefix" 2 "imcsim run: error: ambiguous option '--t' (could be --traces, --timeline) (see 'imcsim run --help')" \
  "$imcsim" run --arch isaac --model lenet5 --t x
"$imcsim" run --arch=isaac --model=lenet5 --batch=2 --quiet --json=- >eq.json && "$imcsim" run --arch isaac --mod lenet5 --bat 2 --quiet --json - >sp.json && cmp -s eq.json sp.json
check "--name=VALUE, --name VALUE and unambiguous prefixes are the same" $?
expect_error "unexpected argument" 2 "imcsim models: error: unexpected argument 'vgg8' (see 'imcsim models --help')" \
  "$imcsim" models lenet5 vgg8

# --help: every command, on stdout, exit 0, listing its options.
for c in "arch show" "arch check" "arch dump" "arch params" "arch presets" models compile \
         "trace dump" "trace stats" run compare; do
  "$imcsim" $c --help >stdout.txt 2>stderr.txt && [[ ! -s stderr.txt ]] && grep -q "^usage: imcsim $c" stdout.txt &&
    grep -q -- "-h, --help" stdout.txt
  check "imcsim $c --help" $?
done

# Output paths: parents are created, bad paths fail before any work.
"$imcsim" compile --arch isaac --model lenet5 -o out/deep/vgg >/dev/null && [[ -s out/deep/vgg/mapping.json ]]
check "compile -o creates the missing parents" $?
touch plain
expect_error "compile -o under a file" 1 "imcsim compile: error: cannot write in 'plain/x': Not a directory" \
  "$imcsim" compile --arch isaac --model lenet5 -o plain/x
mkdir ro && chmod a-w ro
if [[ $(id -u) -ne 0 ]]; then
  expect_error "run --json in a read-only directory" 1 "imcsim run: error: cannot write 'ro/new/r.json': Permission denied" \
    "$imcsim" run --arch isaac --model vgg16 --json ro/new/r.json
  [[ ! -e ro/new ]]; check "a refused path leaves nothing behind" $?
fi
# vgg16 does not fit isaac: the error must be the path, i.e. found before the model
expect_error "run --csv under a file, before loading the model" 1 "imcsim run: error: cannot write in 'plain/csv': Not a directory" \
  "$imcsim" run --arch isaac --model nosuchmodel --csv plain/csv
expect_error "run --json into a directory" 1 "imcsim run: error: cannot write 'out': Is a directory" \
  "$imcsim" run --arch isaac --model lenet5 --json out
expect_error "compare --csv under a file" 1 "imcsim compare: error: cannot write 'plain/c.csv': Not a directory" \
  "$imcsim" compare --arch isaac,puma --model lenet5 --csv plain/c.csv
"$imcsim" run --arch isaac --model nosuchmodel --csv new/csv --json new2/r.json >/dev/null 2>&1
[[ ! -e new && ! -e new2 ]]; check "a failed run creates no output directory" $?
"$imcsim" run --arch isaac --model lenet5 --quiet --csv a/b/csv --json c/d/r.json --timeline e/f/t.json &&
  [[ -s a/b/csv/layers.csv && -s c/d/r.json && -s e/f/t.json ]]
check "run creates the parents of --csv, --json and --timeline" $?

# run --traces DIR: the index names the model (zoo name, or the file).
"$imcsim" run --arch isaac --model lenet5 --traces out/deep/vgg --quiet --json with.json &&
  "$imcsim" run --arch isaac --traces out/deep/vgg --quiet --json without.json && cmp -s with.json without.json
check "run --traces DIR without --model (zoo model)" $?
cp "$IMC_SRC/test/sim/mlp2.yaml" m.yaml
"$imcsim" compile --arch isaac --model ./m.yaml -o mt >/dev/null && grep -qx "source $t/m.yaml" mt/index.txt
check "the index records the model file's absolute path" $?
mkdir elsewhere && (cd elsewhere && "$imcsim" run --arch isaac --traces ../mt --quiet --json ../f1.json) &&
  "$imcsim" run --arch isaac --model m.yaml --quiet --json f2.json && cmp -s f1.json f2.json
check "run --traces DIR without --model (model file), from another directory" $?
sed -i -e 's/^imcsim-trace-index 2$/imcsim-trace-index 1/' -e '/^source /d' mt/index.txt
expect_error "a format-1 index without --model" 2 "mt: error: the trace index (format 1) does not name the model (expected --model M, or traces written again by 'imcsim compile -o')" \
  "$imcsim" run --arch isaac --traces mt
"$imcsim" run --arch isaac --model m.yaml --traces mt --quiet --json f3.json && cmp -s f2.json f3.json
check "a format-1 index still runs with --model" $?

# One name per layer kind in every report: mapping.json, `imcsim models`, the
# run's JSON and CSV (labels), the trace dump (the kind).
cat >kinds.yaml <<'YAML'
name: kinds
input: {height: 8, width: 8, channels: 4}
layers:
  - {name: c, type: conv2d, out_channels: 8, kernel: 3, padding: 1, activation: relu}
  - {name: p, type: maxpool, kernel: 2}
  - {name: s, type: sigmoid}
  - {name: g, type: global_maxpool}
  - {name: f, type: linear, out_features: 4}
YAML
"$imcsim" compile --arch isaac --model kinds.yaml -o kt >/dev/null &&
  "$imcsim" models kinds.yaml --json >km.json &&
  "$imcsim" run --arch isaac --model kinds.yaml --quiet --json kr.json --csv kc &&
  "$imcsim" trace dump kt/L000_c.imct --limit 0 >kd0.txt && "$imcsim" trace dump kt/L003_g.imct --limit 0 >kd3.txt &&
  /usr/bin/python3 - <<'PY'
import csv, json
want = ["conv2d", "maxpool", "sigmoid", "global_maxpool", "linear"]  # the model file's types
mapping = [l["type"] for l in json.load(open("kt/mapping.json"))["layers"]]
models = [l["type"] for l in json.load(open("km.json"))["layer_list"]]
run = [l["type"] for l in json.load(open("kr.json"))["layers"]]
runcsv = [r["type"] for r in csv.DictReader(open("kc/layers.csv"))]
assert mapping == models == run == runcsv == want, (mapping, models, run, runcsv)
assert "(conv2d, act relu," in open("kd0.txt").read()
assert "(global_pool, act none," in open("kd3.txt").read()
PY
check "one name per layer kind: mapping.json, models, run JSON/CSV, trace dump" $?

# compare: units a reader wants in the text, full precision in the CSV.
"$imcsim" compare --arch isaac,puma --model lenet5 --csv c.csv >c.txt 2>/dev/null
check "compare runs" $?
grep -qE '^ops/s/W +[0-9.]+ GOPS/W +[0-9.]+ GOPS/W$' c.txt && grep -qE '^latency +[0-9.]+ us +[0-9.]+ us$' c.txt &&
  grep -qE '^ADC conversions +[0-9]+ +[0-9]+$' c.txt && ! grep -q '(1)' c.txt && ! grep -q 'e+' c.txt
check "compare prints SI prefixes and units, counts in full, no '(1)'" $?
/usr/bin/python3 - c.csv c.txt <<'PY'
import csv, re, sys
rows = {r[0]: r for r in csv.reader(open(sys.argv[1]))}
# The text table: a 26-column label, then 17 columns per architecture.
text = {l[:26].strip(): [l[26 + 17 * i:43 + 17 * i].strip() for i in range(2)]
        for l in open(sys.argv[2]) if len(l) > 26}
prefix = {"G": 1e9, "M": 1e6, "k": 1e3, "": 1, "m": 1e-3, "u": 1e-6, "n": 1e-9}
for name, unit, label, shown_unit in [
        ("ops/s/W", "OPS/W", "ops/s/W", "OPS/W"), ("latency", "s", "latency", "s"),
        ("energy per inference", "J", "energy per inference", "J"),
        ("throughput", "inferences/s", "throughput (inferences/s)", "")]:  # unit in the label
    assert rows[name][1] == unit, rows[name]
    for v, cell in zip(rows[name][2:], text[label]):
        if name == "ops/s/W":  # not a round number: its 12 digits are there (less the
            # 12th's trailing zeros: %.12g drops them), far more than the text's 4
            assert len(re.sub(r"[^0-9]", "", v.split("e")[0]).lstrip("0")) >= 10, v
        num, _, u = cell.partition(" ")
        assert u.endswith(shown_unit), (cell, shown_unit)
        scale = prefix[u[: len(u) - len(shown_unit)]]
        assert float(num) == float(f"{float(v) / scale:.4g}"), (cell, v)
for name in ["MACs", "ADC conversions", "flits"]:  # counts: whole, the same in both
    assert rows[name][1] == "1" and rows[name][2:] == text[name], (rows[name], text[name])
assert rows["MACs"][2:] == ["416520", "416520"]  # LeNet-5's MACs (docs/model-format.md)
PY
check "compare CSV keeps base units and full precision; the text is the same value rounded" $?

[[ $fail -eq 0 ]] && echo "app_cli: all checks passed"
exit $fail

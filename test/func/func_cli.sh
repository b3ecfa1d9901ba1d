#!/usr/bin/env bash
# imcsim run --functional from the command line: bad inputs give exactly one
# error line and exit status 2; good runs are deterministic by seed and their
# JSON carries the functional object. Needs the digits fixture ($IMC_FUNC_DATA).
set -u
im="$IMC_BIN/imcsim"
D="$IMC_FUNC_DATA"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect_error WHAT PATTERN ARGS...: status 2, one stderr line matching PATTERN
expect_error() {
  local what=$1 pat=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local st=$? n
  n=$(wc -l <"$tmp/err")
  if [ "$st" -ne 2 ] || [ "$n" -ne 1 ] || ! grep -q -- "$pat" "$tmp/err"; then
    echo "FAIL $what: status $st, $n stderr lines (expected 2 and one line matching '$pat'):"
    cat "$tmp/err"
    fails=$((fails + 1))
  else
    echo "ok   $what: $(cat "$tmp/err")"
  fi
}

run=(run --arch isaac --quiet)
expect_error "model without weights" "model 'lenet5' has no weights" \
  "$im" "${run[@]}" --model lenet5 --functional --data "$D/digits_test.imcd"
/usr/bin/python3 -c "
import numpy as np; np.savez('$tmp/small.npz', x=np.zeros((4, 5, 5, 1), np.float32), y=np.arange(4))"
/usr/bin/python3 "$IMC_SRC/scripts/make-dataset" "$tmp/small.npz" -o "$tmp/small.imcd" >/dev/null
expect_error "dataset of another shape" "samples of 5x5x1 (HxWxC) do not fit model 'cnn'" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --functional --data "$tmp/small.imcd"
head -c 1000 "$D/digits_test.imcd" >"$tmp/trunc.imcd"
expect_error "truncated dataset" "truncated at byte 1000 (expected 93632 bytes" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --functional --data "$tmp/trunc.imcd"
head -c 200 /dev/urandom >"$tmp/junk.imcd"
expect_error "not a dataset" "byte 0: bad magic" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --functional --data "$tmp/junk.imcd"
expect_error "missing dataset" "cannot read the dataset" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --functional --data "$tmp/nope.imcd"
expect_error "unknown device type" "'device.type' is 'memristor' (expected one of {sram, rram, pcm, mram, fefet, dram})" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --set device.type=memristor --functional --data "$D/digits_test.imcd"
expect_error "variation out of range" "'device.variation_sigma' is '1.5' (expected a number in \[0, 1\])" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --set device.variation_sigma=1.5 --functional --data "$D/digits_test.imcd"
expect_error "stuck-at rates above 1" "device.stuck_on_rate + device.stuck_off_rate = 0.7 + 0.4 exceeds 1" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --set device.stuck_on_rate=0.7 --set device.stuck_off_rate=0.4 --functional --data "$D/digits_test.imcd"
expect_error "negative drift time" "'nonideal.drift_time_s' is '-5'" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --set nonideal.drift_time_s=-5 --functional --data "$D/digits_test.imcd"
expect_error "ADC gain error out of range" "'adc.gain_error' is '-1'" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --set adc.gain_error=-1 --functional --data "$D/digits_test.imcd"
expect_error "MVMU granularity" "ce.mvmu_crossbars = 2 is not supported (expected 1, e.g. --set ce.mvmu_crossbars=1" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --set ce.mvmu_crossbars=2 --functional --data "$D/digits_test.imcd"
# finite inputs whose layer outputs a float cannot hold: one error, not null statistics
/usr/bin/python3 -c "
import numpy as np; z = np.load('$D/digits_test.npz')
np.savez('$tmp/huge.npz', x=z['x'][:40] * np.float32(3e38), y=z['y'][:40])"
/usr/bin/python3 "$IMC_SRC/scripts/make-dataset" "$tmp/huge.npz" -o "$tmp/huge.imcd" >/dev/null
expect_error "inputs of 3e38" "layer '/conv1/Conv': output [0-9]* is inf in the float reference pass on calibration input 0 .*scale the inputs down" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --functional --data "$tmp/huge.imcd"
expect_error "--functional without --data" "--functional needs --data FILE" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --functional
expect_error "--data without --functional" "--data needs --functional" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --data "$D/digits_test.imcd"
expect_error "--limit 0" "--limit '0' (expected an integer in 1..16777216)" \
  "$im" "${run[@]}" --model "$D/cnn.onnx" --functional --data "$D/digits_test.imcd" --limit 0
/usr/bin/python3 -c "import numpy as np; np.savez('$tmp/nox.npz', y=np.arange(3))"
expect_error "make-dataset without x" "no array 'x'" \
  /usr/bin/python3 "$IMC_SRC/scripts/make-dataset" "$tmp/nox.npz" -o "$tmp/nox.imcd"

# a good run: the functional object, adc_clipped the real count, same seed = same bytes
args=(run --arch isaac --model "$D/cnn.onnx" --functional --data "$D/digits_test.imcd" --limit 20
      --set nonideal.variation=true --set nonideal.read_noise=true --set adc.bits=7 --quiet)
"$im" "${args[@]}" --seed 5 --json "$tmp/a.json" 2>/dev/null &&
  "$im" "${args[@]}" --seed 5 --json "$tmp/b.json" 2>/dev/null &&
  "$im" "${args[@]}" --seed 6 --json "$tmp/c.json" 2>/dev/null || { echo "FAIL good runs"; fails=$((fails + 1)); }
if cmp -s "$tmp/a.json" "$tmp/b.json" && ! cmp -s "$tmp/a.json" "$tmp/c.json"; then
  echo "ok   same seed, same JSON; another seed, another"
else
  echo "FAIL seeds: a/b equal? $(cmp -s "$tmp/a.json" "$tmp/b.json" && echo yes), a/c differ?"
  fails=$((fails + 1))
fi
/usr/bin/python3 - "$tmp/a.json" <<'PY' || fails=$((fails + 1))
import json, sys
j = json.load(open(sys.argv[1]))
f = j["functional"]
assert f["images"] == 20 and 0 <= f["top1"] <= 1 and "top5" in f, f
assert f["adc_clipped"] > 0
assert all("rel_rmse" in l and "clipped_fraction" in l for l in f["layers"])
# batch 1: the run's adc_clipped is image 0's clipped conversions, at most the total
assert 0 < j["adc_clipped"] <= f["adc_clipped"], (j["adc_clipped"], f["adc_clipped"])
print("ok   JSON: functional.top1 %.2f, adc_clipped %d of the run, %d over 20 images"
      % (f["top1"], j["adc_clipped"], f["adc_clipped"]))
PY
[ "$fails" -eq 0 ] || { echo "$fails failures"; exit 1; }

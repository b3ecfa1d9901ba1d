#!/usr/bin/env bash
# Reliability of what imcsim writes and reads (issue 16): a failed write to
# stdout fails the command; a run's files appear together under a manifest;
# CSV and YAML outputs quote hostile names so they read back; counts that
# would overflow are errors; a trace header cannot drive a huge allocation.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
py=/usr/bin/python3
manifest="$IMC_SRC/scripts/lib/runmanifest.py"

# --- 2. A write to stdout that fails (a full disk) fails the command: exit 1
# and a message, for every command that prints; also when only the last
# flush, at exit, fails (models prints less than one buffer). The reason is
# that of the first write that failed, also when it failed mid-output (run
# --json -, arch params, trace stats print more than one buffer).
"$imcsim" compile --arch isaac --model lenet5 -o traces >/dev/null 2>&1
for c in "models" "models --json" "models $IMC_SRC/workloads/models/lenet5.yaml" \
         "arch show isaac" "arch show isaac --json" "arch dump isaac" "arch params" \
         "arch presets" "compile --arch isaac --model lenet5" \
         "compile --arch isaac --model lenet5 --json" "trace stats traces" \
         "trace dump traces/L000_conv1.imct --limit 5" \
         "run --arch isaac --model lenet5" "run --arch isaac --model lenet5 --json -" \
         "compare --arch isaac,puma --model lenet5" \
         "noc --topology mesh --k 4 --rate 0.05 --warmup 100 --measure 500" \
         "estimate --arch isaac --model lenet5" "import $IMC_SRC/test/fuzz/corpus/onnx/cnn.onnx"; do
  # shellcheck disable=SC2086
  "$imcsim" $c >/dev/full 2>stderr.txt
  st=$?
  [[ $st -eq 1 ]] &&
    grep -qE "^imcsim [a-z]+: error: cannot write to standard output: No space left on device$" stderr.txt
  check "'imcsim $c >/dev/full' exits 1 with the reason (status $st)" $?
done
"$imcsim" models >&- 2>stderr.txt
[[ $? -eq 1 ]] && grep -q "cannot write to standard output: Bad file descriptor" stderr.txt
check "'imcsim models >&-' (stdout closed) exits 1" $?
"$imcsim" models | head -c 10 >/dev/null
check "a reader that stops early is not an error of imcsim's (SIGPIPE)" $((PIPESTATUS[0] != 0 && PIPESTATUS[0] != 141))

# --- 3. The outputs of a run: published together, the manifest last.
"$imcsim" run --arch isaac --model lenet5 --json out/r.json --csv out/csv \
  --timeline out/t.json --quiet 2>/dev/null
check "run writes JSON, CSVs and timeline" $?
"$py" "$manifest" out/csv/manifest.json >m.txt && grep -q "^complete .* (4 files)$" m.txt
check "the manifest (out/csv/manifest.json) lists 4 files whose checksums match" $?
(cd out && sha256sum r.json t.json csv/layers.csv csv/tiles.csv) | sort >sums.txt
"$py" -c '
import json, os, sys
m = json.load(open("out/csv/manifest.json"))
for e in m["files"]:
    p = os.path.relpath(os.path.join("out/csv", e["path"]), "out")
    print(e["sha256"] + "  " + p)' | sort | cmp -s - sums.txt
check "its checksums are those sha256sum computes" $?
! ls -A out out/csv | grep -q '\.tmp'
check "no temporary file is left behind" $?
echo garbage >>out/csv/tiles.csv
"$py" "$manifest" out/csv/manifest.json >m.txt; st=$?
[[ $st -eq 1 ]] && grep -q "^torn: csv file .*tiles.csv is not the one the manifest lists" m.txt
check "a file changed after the run shows the set torn" $?
"$imcsim" run --arch isaac --model lenet5 --json solo.json --quiet 2>/dev/null &&
  "$py" "$manifest" solo.json.manifest >/dev/null
check "a JSON alone gets FILE.manifest" $?
"$imcsim" run --arch isaac --model lenet5 --json /dev/null --quiet 2>/dev/null && [[ -c /dev/null ]] &&
  [[ ! -e /dev/null.manifest ]]
check "--json /dev/null writes the device in place, no manifest" $?
"$imcsim" run --arch isaac --model no_such_model --json fail.json --timeline fail_t.json 2>/dev/null
[[ $? -eq 2 && ! -e fail.json && ! -e fail_t.json && -z $(ls -A . | grep '\.tmp') ]]
check "a failed run leaves no output and no temporary file" $?
"$imcsim" compile --arch isaac --model lenet5 -o comp >/dev/null 2>&1 &&
  "$py" "$manifest" comp/manifest.json | grep -q "^complete .* (10 files)$"
check "compile -o DIR publishes mapping.json, the index and 8 traces under DIR/manifest.json" $?
"$imcsim" compare --arch isaac,puma --model lenet5 --json cmp.json --csv cmp.csv >/dev/null 2>&1 &&
  "$py" "$manifest" cmp.json.manifest | grep -q "^complete .* (2 files)$"
check "compare --json --csv publishes both under a manifest" $?

# --- 7. Hostile layer names: layers.csv quotes them (RFC 4180) and reads back.
cat >hostile.yaml <<'YAML'
name: hostile
input: {features: 64}
layers:
  - {name: "a,b", type: linear, out_features: 32}
  - {name: "say \"hi\"", type: linear, out_features: 16}
  - {name: "two\nlines", type: linear, out_features: 8}
YAML
"$imcsim" run --arch isaac --model hostile.yaml --csv hcsv --quiet 2>/dev/null &&
  "$py" -c '
import csv, sys
rows = list(csv.DictReader(open("hcsv/layers.csv", newline="")))
sys.exit([r["layer"] for r in rows] != ["a,b", "say \"hi\"", "two\nlines"])'
check "layers.csv reads back names with ',', '\"' and a newline" $?
echo "base: puma" >'q"x y.yaml'
"$imcsim" compare --arch 'isaac,q"x y.yaml' --model lenet5 --csv hc.csv >/dev/null 2>&1 &&
  [[ $(head -1 hc.csv) == 'metric,unit,isaac,"q""x y.yaml"' ]]
check "compare's CSV quotes an architecture file named 'q\"x y.yaml'" $?

# arch dump of hostile names loads back as the same architecture.
cat >harch.yaml <<'YAML'
base: isaac
name: "x\ny: 1\n# \"q\" \\ \t end \x01 \u0085 \u2028 é"
tile:
  extras:
    - {name: "a,b: [c]\n- d", count: 1, power_mw: 1, leakage_mw: 0, area_mm2: 0}
YAML
"$imcsim" arch dump harch.yaml >d1.yaml 2>/dev/null && "$imcsim" arch dump d1.yaml >d2.yaml 2>/dev/null &&
  [[ $(tail -n +2 d1.yaml) == "$(tail -n +2 d2.yaml)" ]] &&
  "$imcsim" arch show harch.yaml --json 2>/dev/null | "$py" -c 'import json,sys; sys.exit(json.load(sys.stdin)["name"] != "x\ny: 1\n# \"q\" \\ \t end \x01 \u0085 \u2028 é")'
check "arch dump quotes hostile names: the dump loads back to the same configuration" $?
expect_error_in "--set name= refuses bytes that are not UTF-8" 2 "(expected non-empty UTF-8 text" \
  "$imcsim" arch dump isaac --set $'name=a\xffb'

# An unwritable parent of --csv: the reason is the permission, checked before
# the run (as root, checked as nobody).
mkdir -p ro && chmod 555 ro
as_user=()
if [[ $(id -u) -eq 0 ]]; then
  command -v setpriv >/dev/null && as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  chmod 755 "$t"
fi
if [[ $(id -u) -ne 0 || ${#as_user[@]} -gt 0 ]]; then
  expect_error_in "--csv under an unwritable directory: permission denied" 1 \
    "imcsim run: error: cannot write in '$t/ro/sub/csv': Permission denied" \
    "${as_user[@]}" "$imcsim" run --arch isaac --model lenet5 --csv "$t/ro/sub/csv" --quiet
fi

# imcsim import -o FILE replaces FILE at once: killed at any step of writing
# it, FILE is the old text or the whole new one, never a part.
cnn="$IMC_SRC/test/fuzz/corpus/onnx/cnn.onnx"
"$imcsim" import "$cnn" -o whole.yaml 2>/dev/null
steps=$(echo old >imp.yaml; IMC_TEST_KILL_AT=count "$imcsim" import "$cnn" -o imp.yaml 2>&1 >/dev/null |
        sed -n 's/.*IMC_TEST_KILL_AT: \([0-9]*\).*/\1/p')
ok=1
for k in $(seq 1 "${steps:-0}"); do
  echo old >imp.yaml
  IMC_TEST_KILL_AT=$k "$imcsim" import "$cnn" -o imp.yaml
  [[ $(cat imp.yaml) == old ]] || cmp -s imp.yaml whole.yaml || { ok=0; echo "killed at step $k: a torn imp.yaml"; }
done 2>/dev/null # (and the shell's "Killed")
[[ ${steps:-0} -ge 2 && $ok == 1 ]]
check "import -o killed at each of its ${steps:-0} steps leaves the old file or the new one" $?

# --- 4. Counts that would overflow are errors, not wrapped numbers.
"$py" -c "
print('name: bigmacs'); print('input: {height: 8191, width: 8191, channels: 16}'); print('layers:')
for i in range(40): print(f'  - {{name: c{i}, type: conv2d, out_channels: 16, kernel: 4096, padding: {2048 - i % 2}}}')
" >bigmacs.yaml
expect_error_in "40 layers of 2^58 MACs: an error, not a wrapped total" 2 \
  "error: the layers up to 'c32' total more than 9223372036854775807 MACs or weights" \
  "$imcsim" models bigmacs.yaml
cat >wide.yaml <<'YAML'
name: wide
input: {height: 1, width: 1, channels: 1024}
layers:
  - {name: c1, type: conv2d, out_channels: 1, kernel: 4096, padding: 2048}
YAML
expect_error_in "a 2^34-row matrix is an error, not '0 x 1'" 2 \
  "error: layer 'c1' unrolls to a 17179869184 x 1 matrix (expected at most 1073741823 rows" \
  "$imcsim" compile --arch isaac --model wide.yaml --set chip.chips=65536

# --- 5. What the model cannot honour is refused before the run: a clock of
# 1e-13 GHz passed 2^63 ps and was reported as a deadlock; links or a
# bandwidth of 0 between chips ran as one link, or never ended.
expect_error_in "a 1e-13 GHz clock is out of the honoured range" 2 \
  "error: 'tech.clock_ghz' is '1e-13' (expected a number in [0.001, 1000])" \
  "$imcsim" run --arch isaac --model lenet5 --set tech.clock_ghz=1e-13 --quiet
# 1 s crossbar reads and 2^20 extra read slots per MVM: 5.2e6 s of simulated
# time, past 2^53 ps, where a cycle no longer converts to its picosecond
# exactly: it was reported as a deadlock ("a packet ... handed over late")
expect_error_in "a simulated time past 2^53 ps is reported as such, not as a deadlock" 1 \
  "error: the simulated time passed 2^53 ps (5.24296e+06 s; the limit is 9007 s), beyond which" \
  "$imcsim" run --arch isaac --model mlp_small --set crossbar.read_latency_ns=1e9 \
  --set crossbar.extra_read_cycles=1048576 --quiet
expect_error_in "2 chips and no off-chip link" 2 \
  "error: chip.offchip.links = 0, but the 2 chips of the system exchange data over them" \
  "$imcsim" run --arch isaac --model lenet5 --set chip.chips=2 --set chip.offchip.links=0 --quiet
expect_error_in "2 chips and a link bandwidth of 0" 2 \
  "error: chip.offchip.bandwidth_gbps = 0, but the 2 chips of the system exchange data" \
  timeout 60 "$imcsim" run --arch isaac --model lenet5 --set chip.chips=2 --set chip.offchip.bandwidth_gbps=0 --quiet

# A valid arch whose routes are adaptive (odd_even, unicast): the run and the
# estimate go through; the estimate has no link-load bound (null), where it
# once failed the run after the simulation with "link loads follow
# dimension-order routes".
oe=(--arch isaac --model lenet5 --set chip.noc.routing=odd_even --set chip.noc.multicast=false)
"$imcsim" run "${oe[@]}" --batch 2 --quiet --json oe.json &&
  "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['estimate']['noc'] is None and d['noc']['bound_period_s'] > 0 and d['period_s'] > 0" oe.json &&
  "$imcsim" estimate "${oe[@]}" | grep -q 'NoC            no bound: odd_even routing is adaptive'
check "odd_even routing: run and estimate go through, no link-load bound" $?

# --- 6. A trace header claiming 2^32 - 1 tiles: a clear error, no huge allocation.
"$py" - traces/L000_conv1.imct huge.imct <<'PY'
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", b, 32, 0xFFFFFFFF)           # H_NTILES
struct.pack_into("<I", b, 116, zlib.crc32(bytes(b[:116] + b[120:])))  # H_CRC
open(sys.argv[2], "wb").write(b)
PY
expect_error_in "trace stats: 2^32 - 1 tiles in a header is an error" 2 \
  "huge.imct: offset 32: error: tile count 4294967295 out of range (expected 1..1073741823)" \
  "$imcsim" trace stats huge.imct
exit $fail

#!/usr/bin/env bash
# imcsim compile --image: bad inputs give exactly one error line and exit
# status 2 (a usage error 2 with its message); the image is deterministic and
# holds what docs/vp.md says at the offsets it says. Needs the digits fixture.
set -u
im="$IMC_BIN/imcsim"
D="$IMC_FUNC_DATA"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

# expect_error WHAT STATUS PATTERN ARGS...
expect_error() {
  local what=$1 want=$2 pat=$3
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local st=$?
  if [ "$st" -ne "$want" ] || ! grep -q -- "$pat" "$tmp/err" || [ "$(grep -c error "$tmp/err")" -ne 1 ]; then
    echo "FAIL $what: status $st (expected $want and one error matching '$pat'):"
    cat "$tmp/err"
    fails=$((fails + 1))
  else
    echo "ok   $what: $(grep error "$tmp/err")"
  fi
}

c=(compile --arch isaac)
expect_error "--calib without --image" 2 "--calib needs --image" \
  "$im" "${c[@]}" --model "$D/cnn.onnx" --calib "$D/digits_test.imcd"
expect_error "missing calibration file" 2 "nope.imcd" \
  "$im" "${c[@]}" --model "$D/cnn.onnx" --image "$tmp/a.img" --calib "$tmp/nope.imcd"
/usr/bin/python3 -c "
import numpy as np; np.savez('$tmp/small.npz', x=np.zeros((4, 5, 5, 1), np.float32), y=np.arange(4))"
/usr/bin/python3 "$IMC_SRC/scripts/make-dataset" "$tmp/small.npz" -o "$tmp/small.imcd" >/dev/null
expect_error "calibration of another shape" 2 "samples of 5x5x1 (expected 8x8x1" \
  "$im" "${c[@]}" --model "$D/cnn.onnx" --image "$tmp/a.img" --calib "$tmp/small.imcd"
echo "default: {weight_bits: 8}" >"$tmp/q.yaml"
expect_error "--quant is not carried" 2 "--quant is not carried by an image" \
  "$im" "${c[@]}" --model "$D/cnn.onnx" --image "$tmp/a.img" --quant "$tmp/q.yaml"
mkdir -p "$tmp/ro" && chmod 500 "$tmp/ro"
if [ "$(id -u)" -ne 0 ]; then
  expect_error "unwritable image" 1 "ro/a.img" \
    "$im" "${c[@]}" --model "$D/cnn.onnx" --image "$tmp/ro/a.img" --calib "$D/digits_test.imcd"
fi

# deterministic, and the header as documented
"$im" "${c[@]}" --model "$D/cnn.onnx" --image "$tmp/a.img" --calib "$D/digits_test.imcd" >/dev/null 2>&1
"$im" "${c[@]}" --model "$D/cnn.onnx" --image "$tmp/b.img" --calib "$D/digits_test.imcd" >/dev/null 2>&1
if cmp -s "$tmp/a.img" "$tmp/b.img"; then echo "ok   same inputs give byte-identical images"; else
  echo "FAIL images differ"; fails=$((fails + 1)); fi
/usr/bin/python3 - "$tmp/a.img" <<'PY' || fails=$((fails + 1))
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
magic, ver, hdr, total, arch, model, n, crc, nin, nout, pol, res = struct.unpack_from("<8sIIQQQIIIIII", b)
assert magic == b"IMCSIMG\0" and ver == 1 and hdr == 64 and total == len(b), (magic, ver, hdr, total)
assert crc == zlib.crc32(b[:44] + b"\0\0\0\0" + b[48:]), "CRC-32 as zlib's over the image with the field zeroed"
assert (nin, nout, pol, res) == (64, 10, 1, 0), (nin, nout, pol, res)
types = [struct.unpack_from("<IIQQ", b, 64 + 24 * i) for i in range(n)]
assert [t[0] for t in types[:4]] == [1, 3, 4, 5] and all(t[0] == 6 for t in types[4:]), types
assert [t[1] for t in types[4:]] == list(range(n - 4)), "one trace per layer, in order"
off = 64 + 24 * n
for t in types:
    assert t[2] == off, (t, off)
    off += t[3]
assert off == total
cal = types[2]
cn, cv = struct.unpack_from("<II", b, cal[2])
assert (cn, cv) == (32, 64) and cal[3] == 8 + 4 * 32 * 64
assert b[types[4][2]:types[4][2] + 4] == b"IMCT", "trace sections are trace files"
print(f"ok   header, sections and CRC as docs/vp.md says ({n} sections, {total} bytes)")
PY
echo "$fails failure(s)"
[ "$fails" -eq 0 ]

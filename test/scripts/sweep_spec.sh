#!/usr/bin/env bash
# A spec using block and flow collections (one over two lines), quoting and
# comments expands to the documented points, in the documented order (arch,
# model, batch, points entry, grid with the last key fastest).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
mkdir -p "$T/archs"; : > "$T/archs/my arch.yaml"
cat > "$T/ok.yaml" <<'YAML'
# comment line
arch:                       # a block list
  - isaac
  - "archs/my arch.yaml"    # a file, relative to the spec
models: [lenet5]
batch: [1, 4]
set: {adc.model: 'zig#zag', "quoted.key": "a: b"}
points:
  - crossbar.rows: 64
    crossbar.cols: 64
  - {crossbar.rows: 128}
grid:
  adc.bits: [4,             # a flow list may span lines
             8]
YAML
sweep "$T/ok.yaml" --dry-run | sed "s|$IMCSIM|IMCSIM|; s|$T|T|g" > "$T/got"
: > "$T/want"
i=0
for arch in isaac "'T/archs/my arch.yaml'"; do
  for batch in 1 4; do
    for p in "--set crossbar.rows=64 --set crossbar.cols=64" "--set crossbar.rows=128"; do
      for bits in 4 8; do
        echo "$i IMCSIM run --arch $arch --model lenet5 --set 'adc.model=zig#zag' --set 'quoted.key=a: b' $p --set adc.bits=$bits --batch $batch --json OUT.json" >> "$T/want"
        i=$((i + 1))
      done
    done
  done
done
same "$T/want" "$T/got"
echo "PASS: 16 points in the documented order"

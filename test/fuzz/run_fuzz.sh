#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (outside the gcc build) and runs
# each for a bounded time over a copy of its seed corpus.
# Usage: run_fuzz.sh SRC_DIR WORK_DIR [SECONDS_PER_TARGET [PRESETS_GEN_C]]
# PRESETS_GEN_C is the build's generated arch/presets_gen.c (the embedded
# presets the model target loads through the real arch loader); the ONNX
# decoder protoc-c generated lies in the same build, workloads/onnx.pb-c.c.
# Needs Debian packages clang and libclang-rt-14-dev (libFuzzer runtime).
set -euo pipefail
src=$1
work=$2
secs=${3:-20}
presets=${4:-}
cc=${FUZZ_CC:-clang}

fail() { echo "run_fuzz: error: $*" >&2; exit 1; }

command -v "$cc" >/dev/null ||
  fail "'$cc' not found (expected clang with libFuzzer: apt-get install clang libclang-rt-14-dev)"
command -v pkg-config >/dev/null || fail "pkg-config not found"
mkdir -p "$work"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
  >"$work/probe.c"
"$cc" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" 2>"$work/probe.log" ||
  fail "$cc cannot link -fsanitize=fuzzer (libFuzzer runtime missing: apt-get install libclang-rt-14-dev); see $work/probe.log"

flags=(-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -fno-omit-frame-pointer
       -I"$src/base" -I"$src/traces" -I"$src/workloads" -I"$src/arch" -I"$src/test/traces")
yaml=$(pkg-config --cflags --libs yaml-0.1)
util=("$src/base/diag.c" "$src/base/ytree.c" "$src/base/strutil.c")
onnx_pb=""
if [[ -n $presets ]]; then
  onnx_pb="$(dirname "$presets")/../workloads/onnx.pb-c.c"
  [[ -f $onnx_pb ]] || fail "the model and onnx targets need the generated $onnx_pb (build first)"
  flags+=(-I"$(dirname "$onnx_pb")")
  yaml="$yaml $(pkg-config --libs libprotobuf-c)"
fi

# target name : extra sources : max input bytes
targets=(
  "trace:$src/traces/trace_io.c:16384"
  "yaml::4096"
)
if [[ -f "$src/test/fuzz/fuzz_model.c" ]]; then
  [[ -f $presets ]] || fail "the model target needs the generated presets file (got '$presets')"
  targets+=("model:$(sed "s|^|$src/|" "$src/test/fuzz/model_sources.txt" | tr '\n' ' ')$presets $onnx_pb:8192")
fi
if [[ -f "$src/test/fuzz/fuzz_onnx.c" && -n $onnx_pb ]]; then
  targets+=("onnx:$(sed "s|^|$src/|" "$src/test/fuzz/onnx_sources.txt" | tr '\n' ' ')$onnx_pb:8192")
fi

for t in "${targets[@]}"; do
  IFS=: read -r name extra maxlen <<<"$t"
  bin="$work/fuzz_$name"
  # shellcheck disable=SC2086
  "$cc" "${flags[@]}" "$src/test/fuzz/fuzz_$name.c" $extra "${util[@]}" $yaml -lm -o "$bin" ||
    fail "cannot build fuzz_$name"
  corpus="$work/corpus_$name"
  rm -rf "$corpus" "$work/artifacts_$name"
  mkdir -p "$corpus" "$work/artifacts_$name"
  cp "$src/test/fuzz/corpus/$name"/* "$corpus/"
  echo "run_fuzz: fuzz_$name for ${secs} s over $(ls "$corpus" | wc -l) seeds"
  if ! "$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$work/artifacts_$name/" "$corpus" \
       >"$work/fuzz_$name.log" 2>&1; then
    tail -n 40 "$work/fuzz_$name.log" >&2
    fail "fuzz_$name found a failure: $(ls "$work/artifacts_$name")"
  fi
  grep -E '^stat::number_of_executed_units' "$work/fuzz_$name.log" || true
done
echo "run_fuzz: no failures"

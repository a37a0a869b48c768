#!/usr/bin/env bash
# Goal: a bounded libFuzzer run of the codec in CI, where the main build uses g++.
#
# Method: configures tests/fuzz on its own with clang in BIN_DIR/../fuzz-build (reused when present;
# TC_FUZZ_BUILD_DIR overrides), builds only codec_decode_fuzz (the codec, hashing and SHA-2 sources
# with -fsanitize=fuzzer,address,undefined), seeds a fresh corpus with valid encodings written by the
# target itself (TC_FUZZ_SEED_DIR), then fuzzes for TC_FUZZ_SECONDS (default 30) with a fixed seed
# (TC_FUZZ_SEED, default 1). Fails on any crash, sanitizer report, leak or agreement check; the
# reproducer is kept as fuzz-build/artifacts/crash-* and its path printed.
#
# Usage: bash tests/core/codec_fuzz_test.sh BIN_DIR   (ctest passes build/bin)
set -euo pipefail

bin_dir=${1:?usage: codec_fuzz_test.sh BIN_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${TC_FUZZ_BUILD_DIR:-$bin_dir/../fuzz-build}
seconds=${TC_FUZZ_SECONDS:-30}
seed=${TC_FUZZ_SEED:-1}
compiler=${TC_FUZZ_CXX:-clang++}

if ! command -v "$compiler" >/dev/null; then
  echo "codec_fuzz_test: $compiler not found; install clang and libclang-rt-dev" >&2
  exit 1
fi

if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S "$root/tests/fuzz" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$compiler" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j "${TC_JOBS:-2}" --target codec_decode_fuzz
fuzzer="$build_dir/bin/codec_decode_fuzz"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build_dir/artifacts"
TC_FUZZ_SEED_DIR="$work/corpus" "$fuzzer"
seeds=$(find "$work/corpus" -type f | wc -l)
if [[ "$seeds" -lt 10 ]]; then
  echo "codec_fuzz_test: expected a seed corpus, got $seeds files" >&2
  exit 1
fi

echo "codec_fuzz_test: fuzzing for ${seconds}s from $seeds seeds (seed $seed)"
if ! "$fuzzer" -max_total_time="$seconds" -seed="$seed" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/" \
    "$work/corpus" 2>"$work/log"; then
  tail -n 60 "$work/log" >&2
  echo "codec_fuzz_test: FAILED; reproducer in $build_dir/artifacts/ (run: $fuzzer FILE)" >&2
  exit 1
fi
grep -E "^stat::number_of_executed_units|^Done" "$work/log" || true
echo "codec_fuzz_test: passed"

#!/usr/bin/env bash
# A bounded libFuzzer run of one target, for CI, where the main build uses g++.
#
# Method: configures tests/fuzz on its own with clang in BIN_DIR/../fuzz-build (reused when present;
# TC_FUZZ_BUILD_DIR overrides), builds only TARGET (its few sources with
# -fsanitize=fuzzer,address,undefined), seeds a fresh corpus with valid inputs written by the target
# itself (TC_FUZZ_SEED_DIR; at least MIN_SEEDS files), then fuzzes for TC_FUZZ_SECONDS (default 30)
# with a fixed seed (TC_FUZZ_SEED, default 1) and inputs up to MAX_LEN bytes. Fails on any crash,
# sanitizer report, leak or check of the target; the reproducer is kept as
# fuzz-build/artifacts/crash-* and its path printed.
#
# Usage: bash tests/fuzz/run_bounded.sh TARGET BIN_DIR MIN_SEEDS MAX_LEN
set -euo pipefail

target=${1:?usage: run_bounded.sh TARGET BIN_DIR MIN_SEEDS MAX_LEN}
bin_dir=${2:?usage: run_bounded.sh TARGET BIN_DIR MIN_SEEDS MAX_LEN}
min_seeds=${3:?usage: run_bounded.sh TARGET BIN_DIR MIN_SEEDS MAX_LEN}
max_len=${4:?usage: run_bounded.sh TARGET BIN_DIR MIN_SEEDS MAX_LEN}
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${TC_FUZZ_BUILD_DIR:-$bin_dir/../fuzz-build}
seconds=${TC_FUZZ_SECONDS:-30}
seed=${TC_FUZZ_SEED:-1}
compiler=${TC_FUZZ_CXX:-clang++}

if ! command -v "$compiler" >/dev/null; then
  echo "$target: $compiler not found; install clang and libclang-rt-dev" >&2
  exit 1
fi

# The fuzz tests run side by side under ctest -j and share the build folder: one at a time
# configures and builds it (the fuzzing itself runs in parallel).
mkdir -p "$build_dir"
{
  flock 9
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    cmake -S "$root/tests/fuzz" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER="$compiler" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  cmake --build "$build_dir" -j "${TC_JOBS:-2}" --target "$target"
} 9>"$build_dir/.configure.lock"
fuzzer="$build_dir/bin/$target"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$build_dir/artifacts"
TC_FUZZ_SEED_DIR="$work/corpus" "$fuzzer"
seeds=$(find "$work/corpus" -type f | wc -l)
if [[ "$seeds" -lt "$min_seeds" ]]; then
  echo "$target: expected a seed corpus of at least $min_seeds files, got $seeds" >&2
  exit 1
fi

echo "$target: fuzzing for ${seconds}s from $seeds seeds (seed $seed)"
if ! "$fuzzer" -max_total_time="$seconds" -seed="$seed" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/" \
    "$work/corpus" 2>"$work/log"; then
  tail -n 60 "$work/log" >&2
  echo "$target: FAILED; reproducer in $build_dir/artifacts/ (run: $fuzzer FILE)" >&2
  exit 1
fi
grep -E "^stat::number_of_executed_units|^Done" "$work/log" || true
echo "$target: passed"

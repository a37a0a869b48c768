#!/usr/bin/env bash
# Configures (once) and builds into build/: everything, or only the targets named as arguments.
# TC_BUILD_DIR overrides the build folder; TC_CMAKE_ARGS adds configure options (-DTC_CUDA=OFF ...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${TC_BUILD_DIR:-$root/build}
jobs=${TC_JOBS:-$(nproc)}

if [[ ! -f "$build_dir/build.ninja" ]]; then
  # shellcheck disable=SC2086
  cmake -S "$root" -B "$build_dir" -G Ninja ${TC_CMAKE_ARGS:-}
fi
targets=()
if (($# > 0)); then
  targets=(--target "$@")
fi
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"

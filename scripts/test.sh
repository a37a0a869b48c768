#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test through CTest.
# Extra arguments go to ctest (for example: -L core, -R codec).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${TC_BUILD_DIR:-$root/build}

"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" --timeout 600 "$@"

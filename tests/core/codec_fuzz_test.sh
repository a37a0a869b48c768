#!/usr/bin/env bash
# Goal: a bounded libFuzzer run of the codec in CI, where the main build uses g++.
#
# Method: tests/fuzz/run_bounded.sh with codec_decode_fuzz (the codec, hashing and SHA-2 sources):
# a seed corpus of valid encodings written by the target, then TC_FUZZ_SECONDS (default 30) of
# fuzzing with a fixed seed, inputs up to 4 KiB. Fails on any crash, sanitizer report, leak or
# agreement check; the reproducer is kept in fuzz-build/artifacts/.
#
# Usage: bash tests/core/codec_fuzz_test.sh BIN_DIR   (ctest passes build/bin)
set -euo pipefail
bin_dir=${1:?usage: codec_fuzz_test.sh BIN_DIR}
exec bash "$(dirname "$0")/../fuzz/run_bounded.sh" codec_decode_fuzz "$bin_dir" 10 4096

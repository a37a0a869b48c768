#!/usr/bin/env bash
# Goal: a bounded libFuzzer run of the P2P frame decoder (net/frame.h) in CI, beside the codec's.
#
# Method: tests/fuzz/run_bounded.sh with frame_decode_fuzz (net/frame.cpp, the generated envelope,
# the codec and the consensus message checks): a seed corpus of valid frames of every message type,
# compressed and not, written by the target, then TC_FUZZ_SECONDS (default 30) of fuzzing with a
# fixed seed, inputs up to 128 KiB (two maximal frames under the target's 64 KiB limits). Fails on
# any crash, sanitizer report, leak or check of the target (buffer bound, broken-stream behaviour,
# counters, re-encoding); the reproducer is kept in fuzz-build/artifacts/.
#
# Usage: bash tests/net/frame_fuzz_test.sh BIN_DIR   (ctest passes build/bin)
set -euo pipefail
bin_dir=${1:?usage: frame_fuzz_test.sh BIN_DIR}
exec bash "$(dirname "$0")/../fuzz/run_bounded.sh" frame_decode_fuzz "$bin_dir" 20 131072

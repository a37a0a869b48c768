#!/usr/bin/env bash
# Goal: a bounded libFuzzer run of the configuration parser in CI, where the main build uses g++.
#
# Method: tests/fuzz/run_bounded.sh with config_parse_fuzz (core/config.cpp, its TOML subset parser
# and what they stand on): a seed corpus of node/config/*.toml, each profile's effective
# configuration and the four inputs that crashed toml++ 3.3.0, written by the target, then
# TC_FUZZ_SECONDS (default 30) of fuzzing with a fixed seed, inputs up to 4 KiB. Fails on any crash,
# sanitizer report, leak, a rejection that is not a kConfig error naming the file, or an effective
# configuration that does not read back to the same values; the reproducer is kept in
# fuzz-build/artifacts/.
#
# Usage: bash tests/core/config_fuzz_test.sh BIN_DIR   (ctest passes build/bin)
set -euo pipefail
bin_dir=${1:?usage: config_fuzz_test.sh BIN_DIR}
exec bash "$(dirname "$0")/../fuzz/run_bounded.sh" config_parse_fuzz "$bin_dir" 10 4096

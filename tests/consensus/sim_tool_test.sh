#!/usr/bin/env bash
# Goal: timecoin-sim exits 0 on clean runs (also with --behaviours naming some attacks, and with
# --set-changes), non-zero with a reproduce line that reproduces on a bad config (--behaviours and
# --set-changes --epoch-blocks included), exits 2 naming the option on a usage error (an unknown
# option or behaviour, a number out of range, never wrapped, --epoch-blocks without --set-changes,
# --set-changes with --weights or one validator), prints usage for --help, and prints the figures
# table; bench/consensus/sim_sweep.sh logs one line per chunk of a sweep, keeps the failing chunk's
# output, and refuses bad arguments with exit 2. Method: run the built tool (argument: the build's
# bin folder).
set -euo pipefail
bin=$1/timecoin-sim
out=/tmp/tc_sim_tool_test.$$
trap 'rm -f "$out" "$out.again" "$out.sweep" "$out.sweep.fail"' EXIT
sweep=$(dirname "$0")/../../bench/consensus/sim_sweep.sh

"$bin" --seeds 5 --validators 4 --byzantine 1 --partitions --crashes | grep -q '^ok: 5 seeds'
"$bin" --seeds 3 --weights 100,10,10,1 --byzantine 1 | grep -q '^ok: 3 seeds'
# One validator decides alone and the run ends (before issue 12 it ran forever).
timeout 60 "$bin" --seeds 3 --validators 1 --heights 1 | grep -q '^ok: 3 seeds'
"$bin" --seeds 5 --byzantine 1 --behaviours payload-variants,invalid-blocks | grep -q '^ok: 5 seeds'
"$bin" --seeds 5 --validators 7 --byzantine 2 --set-changes --epoch-blocks 2 --partitions \
  --crashes | grep -q '^ok: 5 seeds.*sets change every 2 heights'
"$bin" --seeds 3 --validators 6 --byzantine 2 --set-changes | grep -q 'sets change every 3 heights'

if "$bin" --seeds 1 --validators 6 --byzantine 2 > "$out" 2>&1; then
  echo "expected a non-zero exit for Byzantine power of 1/3" >&2
  exit 1
fi
grep -q 'FAIL seed 1' "$out" && grep -q 'reproduce: timecoin-sim' "$out"

# The reproduce line carries every non-default option and, run again, fails the same way.
if "$bin" --seeds 2 --first-seed 7 --weights 1,1,1,2 --byzantine 1 --heights 3 \
  --behaviours invalid-blocks,replay > "$out" 2>&1; then
  echo "expected a non-zero exit for Byzantine power of 2/5" >&2
  exit 1
fi
reproduce=$(sed -n 's/^reproduce: timecoin-sim //p' "$out")
for option in '--first-seed 7' '--weights 1,1,1,2' '--byzantine 1' '--heights 3' \
  '--behaviours replay,invalid-blocks'; do
  if [[ " $reproduce " != *" $option "* ]]; then
    echo "reproduce line '$reproduce' lacks '$option'" >&2
    exit 1
  fi
done
# shellcheck disable=SC2086
if "$bin" $reproduce > "$out.again" 2>&1; then
  echo "the reproduce line '$reproduce' did not fail" >&2
  exit 1
fi
[[ "$(grep '^FAIL' "$out")" == "$(grep '^FAIL' "$out.again")" ]]

# With changing sets too: a pool with no honest identity fails, and its reproduce line carries
# --set-changes and --epoch-blocks.
if "$bin" --seeds 1 --first-seed 3 --validators 2 --byzantine 2 --set-changes --epoch-blocks 5 \
  > "$out" 2>&1; then
  echo "expected a non-zero exit for a pool with no honest identity" >&2
  exit 1
fi
grep -q '^FAIL seed 3 .*sets change every 5 heights.*config:' "$out"
reproduce=$(sed -n 's/^reproduce: timecoin-sim //p' "$out")
if [[ " $reproduce " != *" --set-changes --epoch-blocks 5 "* ]]; then
  echo "reproduce line '$reproduce' lacks '--set-changes --epoch-blocks 5'" >&2
  exit 1
fi
# shellcheck disable=SC2086
if "$bin" $reproduce > "$out.again" 2>&1; then
  echo "the reproduce line '$reproduce' did not fail" >&2
  exit 1
fi
[[ "$(grep '^FAIL' "$out")" == "$(grep '^FAIL' "$out.again")" ]]

# --help prints usage and exits 0.
"$bin" --help | grep -q '^usage: timecoin-sim'

# Usage errors exit 2 and name the option; out-of-range numbers are refused, not wrapped.
expect_usage_error() {
  local option=$1
  shift
  local rc=0
  "$bin" "$@" > /dev/null 2> "$out" || rc=$?
  if [[ $rc -ne 2 ]] || ! grep -q -- "$option" "$out"; then
    echo "expected exit 2 naming $option for: $*; got $rc: $(cat "$out")" >&2
    exit 1
  fi
}
expect_usage_error --bogus --bogus
expect_usage_error --validators --validators 18446744073709551620
expect_usage_error --validators --validators 4097
expect_usage_error --validators --validators 0
expect_usage_error --seeds --seeds 18446744073709551616
expect_usage_error --seeds --seeds
expect_usage_error --first-seed --first-seed -1
expect_usage_error --byzantine --byzantine 4294967297
expect_usage_error --heights --heights 0
expect_usage_error --weights --weights 1,18446744073709551617
expect_usage_error --weights --validators 3 --weights 1,2
expect_usage_error --behaviours --behaviours replay,bogus
expect_usage_error --behaviours --behaviours
expect_usage_error --epoch-blocks --set-changes --epoch-blocks 0
expect_usage_error --epoch-blocks --set-changes --epoch-blocks 1000001
expect_usage_error --epoch-blocks --set-changes --epoch-blocks -2
expect_usage_error --epoch-blocks --set-changes --epoch-blocks
expect_usage_error --epoch-blocks --epoch-blocks 4
expect_usage_error --set-changes --set-changes --weights 1,2,3
expect_usage_error --set-changes --set-changes --validators 1

"$bin" --figures --heights 3 | grep -q '^| 100 |'

# The sweep script: 5 seeds in chunks of 2 are three clean lines; a failing setting stops at its
# first chunk with the reproduce line kept; missing arguments or a bad count exit 2.
CHUNK=2 FIRST=10 "$sweep" "$bin" "$out.sweep" 5 --validators 4 --byzantine 1
[[ $(grep -c ' rc=0 ok: ' "$out.sweep") == 3 ]]
grep -q 'seeds 14+1 rc=0' "$out.sweep"
if CHUNK=2 "$sweep" "$bin" "$out.sweep" 6 --validators 6 --byzantine 2; then
  echo "expected the sweep to stop on a failing chunk" >&2
  exit 1
fi
grep -q 'reproduce: timecoin-sim' "$out.sweep.fail"
set +e
"$sweep" "$bin" "$out.sweep" > /dev/null 2>&1; [[ $? == 2 ]] || { echo "sweep usage: expected 2" >&2; exit 1; }
"$sweep" "$bin" "$out.sweep" 0x5 > /dev/null 2>&1; [[ $? == 2 ]] || { echo "sweep count: expected 2" >&2; exit 1; }
set -e
echo "timecoin-sim tool test passed"

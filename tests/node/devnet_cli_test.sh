#!/usr/bin/env bash
# Goal: the demo's main job (timecoin-devnet) runs as a program and reports agreement.
# Method: run 4 validators for 5 blocks at 200 ms under a light load with hostile shares, in a
# scratch data directory, and check the exit status and the summary lines it prints.
# Scenarios: a clean run finalizes user transactions with all validators agreeing; a non-empty data
# directory is refused with exit 1 and a message naming it; an unknown flag, and an out-of-range
# --epoch-blocks, --followers or --validators, exit 2 naming the option.
set -euo pipefail

bin_dir=${1:?usage: devnet_cli_test.sh BIN_DIR}
devnet="$bin_dir/timecoin-devnet"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

rc=0
"$devnet" --validators 4 --blocks 5 --block-interval-ms 200 --tx-rate 300 --malformed 20 \
  --duplicate 20 --bad-sig 20 --epoch-blocks 2 --data-dir "$scratch/run" --timeout-s 120 >"$scratch/out.txt" 2>&1 ||
  rc=$?
cat "$scratch/out.txt"
[[ $rc == 0 ]] || fail "devnet run exited $rc"
grep -Eq "^ *agreement +yes: all 4 validators at height 5," "$scratch/out.txt" ||
  fail "no agreement line for 4 validators at height 5"
finalized=$(sed -En 's/^ *finalized +([0-9]+) user transactions.*/\1/p' "$scratch/out.txt")
[[ -n "$finalized" && "$finalized" -gt 0 ]] || fail "no user transaction finalized: '$finalized'"

rc=0
"$devnet" --validators 4 --blocks 1 --data-dir "$scratch/run" >"$scratch/again.txt" 2>&1 || rc=$?
[[ $rc != 0 ]] || fail "a second run on a used data directory succeeded"
grep -q "$scratch/run" "$scratch/again.txt" || fail "refusal does not name the data directory"

# expect_usage_error OPTION ARGS...: exit 2 with OPTION named on stderr.
expect_usage_error() {
  local option=$1
  shift
  local rc=0
  "$devnet" "$@" >/dev/null 2>"$scratch/usage.txt" || rc=$?
  [[ $rc == 2 ]] && grep -q -- "$option" "$scratch/usage.txt" ||
    fail "expected exit 2 naming $option for: $*; got $rc: $(cat "$scratch/usage.txt")"
}
expect_usage_error --no-such-flag --no-such-flag
expect_usage_error --epoch-blocks --epoch-blocks 0
expect_usage_error --epoch-blocks --epoch-blocks 1000001
expect_usage_error --epoch-blocks --epoch-blocks 18446744073709551616
expect_usage_error --followers --followers 64
expect_usage_error --followers --validators 60 --followers 5
expect_usage_error --validators --validators 0

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "devnet CLI: all checks passed"

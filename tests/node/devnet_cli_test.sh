#!/usr/bin/env bash
# Goal: the demo's main job (timecoin-devnet) runs as a program and reports agreement.
# Method: run 4 validators for 5 blocks at 200 ms under a light load with hostile shares, in a
# scratch data directory, and check the exit status and the summary lines it prints.
# Then run it again on the same data directory, and check that it resumes.
# Scenarios: a clean run finalizes user transactions with all validators agreeing; a second run on
# its data directory resumes at height 5 and goes on to height 8, finalizing new transfers (the
# load skips the funding outputs the first run spent); a resume with another --seed (other genesis
# allocations) exits 1 naming validator-0's directory, and one with --blocks at or below the stored
# tip exits 2 naming --blocks; an unknown flag, and an out-of-range --epoch-blocks, --followers or
# --validators, exit 2 naming the option.
# Issue 14 (the tools tried as an attacker would): negative --bus-delay-ms, --timeout-s, --tx-rate,
# --seed and --drain-blocks, a hex --blocks, --ingress-port 65536 and shares summing past 1000
# exit 2 naming the option; --help exits 0; a devnet without --data-dir stopped by SIGTERM (and
# one by SIGINT) exits 143 (130), kills its devnet process and leaves nothing in $TMPDIR, where a
# run holds about 300 MB.
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
"$devnet" --validators 4 --blocks 8 --block-interval-ms 200 --tx-rate 300 --epoch-blocks 2 \
  --data-dir "$scratch/run" --timeout-s 120 >"$scratch/again.txt" 2>&1 || rc=$?
cat "$scratch/again.txt"
[[ $rc == 0 ]] || fail "resumed run exited $rc"
grep -q "resumed at height 5" "$scratch/again.txt" || fail "no 'resumed at height 5' in the banner"
grep -Eq "^ +6 " "$scratch/again.txt" || fail "the resumed run did not go on at height 6"
grep -Eq "^ *agreement +yes: all 4 validators at height 8," "$scratch/again.txt" ||
  fail "no agreement line for 4 validators at height 8 after the resume"
finalized=$(sed -En 's/^ *finalized +([0-9]+) user transactions.*/\1/p' "$scratch/again.txt")
[[ -n "$finalized" && "$finalized" -gt 0 ]] || fail "the resumed run finalized nothing: '$finalized'"

rc=0
"$devnet" --validators 4 --blocks 9 --seed 2 --data-dir "$scratch/run" >"$scratch/seed.txt" 2>&1 ||
  rc=$?
[[ $rc == 1 ]] || fail "a resume with another --seed exited $rc, expected 1"
grep -q "$scratch/run/validator-0" "$scratch/seed.txt" ||
  fail "the genesis refusal does not name validator-0's directory: $(cat "$scratch/seed.txt")"

rc=0
"$devnet" --validators 4 --blocks 8 --data-dir "$scratch/run" >"$scratch/low.txt" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q -- "--blocks" "$scratch/low.txt" ||
  fail "--blocks at the stored tip: expected exit 2 naming --blocks; got $rc: $(cat "$scratch/low.txt")"

# expect_usage_error OPTION ARGS...: exit 2 with OPTION named on stderr.
expect_usage_error() {
  local option=$1
  shift
  local rc=0
  timeout 60 "$devnet" "$@" >/dev/null 2>"$scratch/usage.txt" || rc=$?
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
expect_usage_error '--bus-delay-ms: "-1" is not a decimal number from 0 to 60000' --bus-delay-ms -1
expect_usage_error '--timeout-s: "-1" is not a decimal number' --timeout-s -1
expect_usage_error '--tx-rate: "-1" is not a decimal number from 0 to 1000000' --tx-rate -1
expect_usage_error '--seed: "-1"' --seed -1
expect_usage_error '--drain-blocks: "-1"' --drain-blocks -1
expect_usage_error '--blocks: "0x10"' --blocks 0x10
expect_usage_error '--ingress-port: "65536" is not a decimal number from 0 to 65535' \
  --ingress-port 65536
expect_usage_error "--malformed + --duplicate + --bad-sig exceed 1000" \
  --malformed 500 --duplicate 500 --bad-sig 1
rc=0
"$devnet" --help >"$scratch/help.txt" || rc=$?
[[ $rc == 0 ]] && grep -q -- "--bus-delay-ms UINT=2" "$scratch/help.txt" ||
  fail "--help: exit $rc: $(cat "$scratch/help.txt")"

# stop_by_signal SIGNAL EXPECTED_STATUS: a temporary devnet under load, stopped once it commits.
stop_by_signal() {
  local signal=$1 expected=$2 tmp="$scratch/tmp-$1" rc=0
  mkdir "$tmp"
  TMPDIR="$tmp" "$devnet" --validators 4 --blocks 1000 --block-interval-ms 200 --tx-rate 300 \
    >"$scratch/$signal.txt" 2>&1 &
  local pid=$!
  local waited=0
  until grep -Eq "^ +2 " "$scratch/$signal.txt" || ((waited >= 600)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  local child
  child=$(ps -o pid= --ppid "$pid" | tr -d ' ' || true)
  [[ -n "$child" ]] || fail "$signal: no devnet process under $pid"
  [[ -n "$(ls -A "$tmp")" ]] || fail "$signal: nothing in \$TMPDIR while the devnet runs"
  kill -s "$signal" "$pid"
  waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited < 300)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    fail "$signal: still running 30 s after the signal"
    kill -9 "$pid"
  fi
  wait "$pid" || rc=$?
  [[ $rc == "$expected" ]] || fail "$signal: exit $rc, expected $expected: $(tail -3 "$scratch/$signal.txt")"
  [[ -z "$(ls -A "$tmp")" ]] || fail "$signal: left in \$TMPDIR: $(ls -A "$tmp")"
  grep -q "stopped by signal" "$scratch/$signal.txt" || fail "$signal: no stop line"
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    fail "$signal: the devnet process $child still runs"
    kill -9 "$child"
  fi
}
stop_by_signal TERM 143
stop_by_signal INT 130

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "devnet CLI: all checks passed"

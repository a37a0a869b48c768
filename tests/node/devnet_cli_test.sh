#!/usr/bin/env bash
# Goal: the demo's main job (timecoin-devnet) runs as a program and reports agreement.
# Method: run 4 validators for 5 blocks at 200 ms under a light load with hostile shares, in a
# scratch data directory, and check the exit status and the summary lines it prints.
# Scenarios: a clean run finalizes user transactions with all validators agreeing; a non-empty data
# directory is refused with exit 1 and a message naming it; an unknown flag exits non-zero.
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
  --duplicate 20 --bad-sig 20 --data-dir "$scratch/run" --timeout-s 120 >"$scratch/out.txt" 2>&1 ||
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

rc=0
"$devnet" --no-such-flag >/dev/null 2>&1 || rc=$?
[[ $rc != 0 ]] || fail "an unknown flag was accepted"

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "devnet CLI: all checks passed"

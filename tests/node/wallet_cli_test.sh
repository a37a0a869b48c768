#!/usr/bin/env bash
# Goal: timecoin-wallet works end to end as a program: keygen -> address -> build-tx -> decode-tx,
# and every failure exits 2 with a message naming the problem.
# Method: run the built tool (argument 1: the bin directory) in a scratch directory with the RFC
# 8032 TEST 1 seed, so every output is deterministic. The expected txid and sighash were computed
# independently from docs/protocol.md with Python's hashlib, and the signatures checked with
# Python's `cryptography` Ed25519 verifier, when this test was written.
# Scenarios: key file mode 0600 and no overwrite; random keys differ; addresses per network;
# build-tx on devnet decoded from an argument and from stdin; network/--chain-id handling;
# errors: wrong-family address, bad outpoint, disagreeing --network/--chain-id, missing key file,
# truncated and non-hex transactions, missing subcommand.
# Issue 14 (the tools tried as an attacker would): build-tx refuses, naming the ledger's rule, an
# output below dust (545 refused, 546 built), a zero output, outputs summing past 2^64 and a
# duplicate input; a transfer above one 1,232-byte datagram is refused unless
# --allow-larger-than-datagram; --lock-time -5, --chain-id -1 and a hex --lock-time exit 2 naming
# the option; --help exits 0 at the top and after a subcommand; decode-tx - < /dev/zero ends with
# exit 2 within a 300 MB address-space limit instead of growing without bound.
set -euo pipefail

bin_dir=${1:?usage: wallet_cli_test.sh BIN_DIR}
wallet="$bin_dir/timecoin-wallet"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
expect_eq() {  # expect_eq WHAT ACTUAL EXPECTED
  [[ "$2" == "$3" ]] || fail "$1: got '$2', expected '$3'"
}
expect_contains() {  # expect_contains WHAT TEXT NEEDLE
  [[ "$2" == *"$3"* ]] || fail "$1: '$3' not in: $2"
}
# expect_error NEEDLE COMMAND...: the command exits 2 and its stderr contains NEEDLE.
expect_error() {
  local needle=$1 rc=0
  shift
  "$@" >/dev/null 2>stderr.txt || rc=$?
  expect_eq "exit status of $*" "$rc" 2
  expect_contains "stderr of $*" "$(cat stderr.txt)" "$needle"
}

seed=9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60
pubkey=d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a
txid_a=1111111111111111111111111111111111111111111111111111111111111111
txid_b=abababababababababababababababababababababababababababababababab

# keygen
expect_eq "keygen --seed pubkey" "$("$wallet" keygen --seed "$seed" --out key.json)" "$pubkey"
expect_eq "key file mode" "$(stat -c %a key.json)" 600
expect_contains "key file" "$(cat key.json)" "\"seed\": \"$seed\""
expect_error "already exists; refusing to overwrite a key" "$wallet" keygen --out key.json
random_a=$("$wallet" keygen --out random_a.json)
random_b=$("$wallet" keygen --out random_b.json)
[[ ${#random_a} == 64 && "$random_a" != "$random_b" ]] || fail "random keys: $random_a $random_b"
expect_error "seed: expected 64 hex characters, got 4" "$wallet" keygen --seed abcd --out x.json

# address
expect_eq "mainnet address" "$("$wallet" address --key key.json)" \
  TIME146jp6a3cnphZZ4orZEBvg3GhVkwobjy2g
devnet_address=$("$wallet" address --key key.json --network devnet)
expect_eq "devnet address" "$devnet_address" TIME046jp6a3cnphZZ4orZEBvg3GhVkwobjy2g
expect_eq "testnet address" "$("$wallet" address --key key.json --network testnet)" \
  "$devnet_address"
expect_error 'unknown network "moon"' "$wallet" address --key key.json --network moon
expect_error "key file nope.json: cannot open: No such file or directory" \
  "$wallet" address --key nope.json

# build-tx and decode-tx
tx=$("$wallet" build-tx --key key.json --input "$txid_a:0" --input "$txid_b:2" \
  --output "$devnet_address:1000" --network devnet --lock-time 5)
expect_eq "tx length" "${#tx}" 640
json=$("$wallet" decode-tx "$tx")
expect_contains "decode-tx" "$json" \
  '"txid": "048e9ed6a715f75774ffb3da9327eed0e66a4c2c83ef80ab3846dc2f7afb4d9a"'
expect_contains "decode-tx" "$json" \
  '"sighash": "37ded17dbbea556fda5c62d135f26546cd0d329d000bceef219c05fe4c565860"'
expect_contains "decode-tx" "$json" '"network": "devnet"'
expect_contains "decode-tx" "$json" '"lock_time": 5'
expect_contains "decode-tx" "$json" '"value_sat": 1000'
expect_contains "decode-tx" "$json" "\"pubkey\": \"$pubkey\""
expect_eq "decode-tx from stdin" "$(echo "$tx" | "$wallet" decode-tx -)" "$json"
expect_eq "--chain-id 3 is devnet" "$("$wallet" build-tx --key key.json --input "$txid_a:0" \
  --input "$txid_b:2" --output "$devnet_address:1000" --chain-id 3 --lock-time 5)" "$tx"
mainnet_tx=$("$wallet" build-tx --key key.json --input "$txid_a:0" \
  --output TIME146jp6a3cnphZZ4orZEBvg3GhVkwobjy2g:546)
expect_contains "default network" "$("$wallet" decode-tx "$mainnet_tx")" '"network": "mainnet"'

# errors
expect_error "address is for testnet/devnet, not mainnet" \
  "$wallet" build-tx --key key.json --input "$txid_a:0" --output "$devnet_address:1"
expect_error 'input "zz:0": txid: expected 64 hex characters, got 2' \
  "$wallet" build-tx --key key.json --input zz:0 --output "$devnet_address:1" --network devnet
expect_error "--network testnet disagrees with --chain-id 1 (mainnet)" \
  "$wallet" build-tx --key key.json --input "$txid_a:0" --output "$devnet_address:1" \
  --network testnet --chain-id 1
expect_error "a transfer needs at least one input" \
  "$wallet" build-tx --key key.json --output "$devnet_address:1" --network devnet
expect_error "count_exceeds_buffer: input_count 2 needs 264 bytes at offset 24, 26 remain" \
  "$wallet" decode-tx "${tx:0:100}"
expect_error "transaction hex: non-hex character at position 2" "$wallet" decode-tx 01zz
expect_error "A subcommand is required" "$wallet"
expect_error "--out is required" "$wallet" keygen

# What the ledger would reject is never signed; the message names the rule.
build() {  # build ARGS...: build-tx on devnet with key.json
  "$wallet" build-tx --key key.json --network devnet "$@"
}
expect_error "the ledger would reject this transfer: tx " build --input "$txid_a:0" \
  --output "$devnet_address:545"
expect_error "output 0: dust: 545 vs 546" build --input "$txid_a:0" --output "$devnet_address:545"
build --input "$txid_a:0" --output "$devnet_address:546" >/dev/null ||
  fail "an output of exactly the dust threshold was refused"
expect_error "output 1: zero_value" build --input "$txid_a:0" --output "$devnet_address:1000" \
  --output "$devnet_address:0"
expect_error "output_overflow" build --input "$txid_a:0" \
  --output "$devnet_address:18446744073709551615" --output "$devnet_address:1000"
expect_error "input 2: duplicate_input" build --input "$txid_a:0" --input "$txid_b:2" \
  --input "$txid_a:0" --output "$devnet_address:1000"

# 9 inputs: 24 + 9 x 132 + 32 = 1,244 bytes, above the 1,232 of one ingress datagram.
large=()
for vout in 0 1 2 3 4 5 6 7 8; do large+=(--input "$txid_a:$vout"); done
expect_error "1244 bytes, above the 1232 of one ingress datagram (pass --allow-larger-than-datagram" \
  build "${large[@]}" --output "$devnet_address:1000"
large_tx=$(build "${large[@]}" --output "$devnet_address:1000" --allow-larger-than-datagram)
expect_contains "a transfer larger than a datagram when asked" "$("$wallet" decode-tx "$large_tx")" \
  '"encoded_bytes": 1244'
# 8 inputs: 1,112 bytes, built without the flag.
build "${large[@]:0:16}" --output "$devnet_address:1000" >/dev/null ||
  fail "a transfer that fits a datagram was refused"

# Numbers follow the shared command-line rules (node/cli/command_line.h).
expect_error '--lock-time: "-5" is not a decimal number from 0 to 18446744073709551615' \
  build --input "$txid_a:0" --output "$devnet_address:1000" --lock-time -5
expect_error '--lock-time: "0x10" is not a decimal number' \
  build --input "$txid_a:0" --output "$devnet_address:1000" --lock-time 0x10
expect_error '--chain-id: "-1" is not a decimal number from 0 to 4294967295' \
  "$wallet" build-tx --key key.json --input "$txid_a:0" --output "$devnet_address:1000" --chain-id -1
expect_error "--no-such-flag" "$wallet" address --key key.json --no-such-flag
for args in "--help" "build-tx --help" "decode-tx --help"; do
  rc=0
  # shellcheck disable=SC2086
  "$wallet" $args >help.txt 2>&1 || rc=$?
  expect_eq "exit status of $args" "$rc" 0
  expect_contains "usage of $args" "$(cat help.txt)" "Usage:"
done
expect_contains "build-tx --help" "$("$wallet" build-tx --help)" "--allow-larger-than-datagram"

# Standard input is read with a bound: 2 x 100,000 hex characters and 1,024 bytes of whitespace.
rc=0
(ulimit -v 300000 && timeout 20 "$wallet" decode-tx - </dev/zero) >/dev/null 2>stderr.txt || rc=$?
expect_eq "exit status of decode-tx - < /dev/zero" "$rc" 2
expect_contains "decode-tx - < /dev/zero" "$(cat stderr.txt)" "stdin: more than 201024 bytes"

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "wallet_cli_test: all checks passed"

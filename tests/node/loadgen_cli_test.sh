#!/usr/bin/env bash
# Goal: timecoin-loadgen follows the shared command-line rules (node/cli/command_line.h): every
# argument error exits 2 naming the option, --help exits 0, and a good command still writes its
# transactions (issue 14, the tools tried as an attacker would).
# Method: run the built tool (argument 1: the bin directory) in a scratch directory; each refused
# command runs under a 10 s timeout, so one that would send forever (--count -1 used to wrap to
# 2^64 - 1) fails the test instead of hanging it.
# Scenarios: --count -1, --rate -1, --port 0 and 65536, --keys 0, --malformed 1001, --seed -1,
# --chain-id 0x3, shares summing past 1000, a non-IPv4 --dst-ip, a non-hex --funding-txid, a
# --target that is not an IP literal, an unknown flag; --help; a pcap of 10 transactions with
# hostile shares (exit 0, the summary line, a pcap header and 10 records).
set -euo pipefail

bin_dir=${1:?usage: loadgen_cli_test.sh BIN_DIR}
loadgen="$bin_dir/timecoin-loadgen"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# expect_usage_error NEEDLE ARGS...: exit 2 within 10 s, NEEDLE on stderr.
expect_usage_error() {
  local needle=$1 rc=0
  shift
  timeout 10 "$loadgen" "$@" >/dev/null 2>stderr.txt || rc=$?
  [[ $rc == 2 ]] && grep -qF -- "$needle" stderr.txt ||
    fail "expected exit 2 naming '$needle' for: $*; got $rc: $(cat stderr.txt)"
}

expect_usage_error '--count: "-1" is not a decimal number from 0 to 18446744073709551615' \
  --count -1 --target 127.0.0.1 --port 9
expect_usage_error '--rate: "-1" is not a decimal number from 0 to 1000000000' --rate -1
expect_usage_error '--port: "0" is not a decimal number from 1 to 65535' --port 0
expect_usage_error '--port: "65536"' --port 65536
expect_usage_error '--keys: "0" is not a decimal number from 1 to 1048576' --keys 0
expect_usage_error '--malformed: "1001" is not a decimal number from 0 to 1000' --malformed 1001
expect_usage_error '--seed: "-1"' --seed -1
expect_usage_error '--chain-id: "0x3"' --chain-id 0x3
expect_usage_error "--malformed + --duplicate + --bad-sig exceed 1000" \
  --malformed 600 --duplicate 300 --bad-sig 101 --pcap x.pcap
expect_usage_error '--dst-ip "10.0.0" is not an IPv4 literal' --pcap x.pcap --dst-ip 10.0.0
expect_usage_error "--funding-txid: " --funding-txid zz --pcap x.pcap
expect_usage_error "--target: loadgen target 'localhost' is not an IP literal" \
  --target localhost --count 1
expect_usage_error "--no-such-flag" --no-such-flag

rc=0
"$loadgen" --help >help.txt || rc=$?
[[ $rc == 0 ]] && grep -q -- "--count UINT=10000" help.txt || fail "--help: exit $rc: $(cat help.txt)"

rc=0
out=$("$loadgen" --pcap tx.pcap --count 10 --malformed 100 --duplicate 100 --bad-sig 100) || rc=$?
[[ $rc == 0 ]] || fail "pcap run exited $rc"
[[ "$out" =~ ^generated\ 10:\ valid\ [0-9]+,\ malformed\ [0-9]+,\ duplicate\ [0-9]+,\ bad\ signature\ [0-9]+$ ]] ||
  fail "pcap run summary: $out"
# A pcap file: 24-byte header, then per record a 16-byte header and the frame.
size=$(stat -c %s tx.pcap)
at=24
records=0
while ((at < size)); do
  incl=$(od -An -t u4 -j $((at + 8)) -N 4 tx.pcap | tr -d ' ')
  at=$((at + 16 + incl))
  records=$((records + 1))
done
((at == size)) || records=-1
[[ $records == 10 ]] || fail "pcap records: $records"

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "loadgen_cli_test: all checks passed"

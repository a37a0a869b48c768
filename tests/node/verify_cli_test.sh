#!/usr/bin/env bash
# Goal: timecoin-verify gives the ZIP-215 verdict per input line, in order, on every backend, and
# reports malformed input and bad options with exit status 2.
# Method: run the built tool (argument 1: the bin directory) on published vectors from
# $TC_TESTDATA_DIR/ed25519 turned into its line format with jq: RFC 8032 section 7.1 (all valid)
# and Wycheproof EdDSA v1 (151 cases; expected "ok" for result "valid" and for tcId 151, the one
# case ZIP-215 accepts against its label, see docs/decisions/0001-ed25519-zip215.md). Cases with
# an empty signature cannot be written in the line format and are left out.
# Scenarios: RFC 8032 on cpu (1 and 2 threads, batches of 1 and 64), auto, gpu (falls back to cpu
# with a note on stderr when no device is present) and libsodium; Wycheproof on cpu with batches
# of 1, 7 and 1024 and on auto; wrong-length key and signature are "fail"; a non-hex field, a
# missing field and odd-length hex are errors naming the line (exit 2, nothing on stdout); an
# unknown backend is exit 2; --bench prints exactly one line of the documented format for cpu
# and libsodium.
# Issue 14 (the tools tried as an attacker would): negative, hex and out-of-range --threads,
# --batch and --bench exit 2 naming the option; --batch 4194304 and --threads 64 --batch 65536
# (threads x batch above 262,144) exit 2 naming both, under a 1 GB address-space limit, instead of
# allocating 6 GB; the largest allowed setting (--threads 1 --batch 262144) runs within 1.5 GB;
# stdin < /dev/zero ends with exit 2 naming line 1; a line over 65,536 bytes is an error naming its
# line; 2,000,000 lines stream through within a 200 MB limit; 70,000 lines (more than one window)
# keep their order; --help exits 0.
set -euo pipefail

bin_dir=$(cd "${1:?usage: verify_cli_test.sh BIN_DIR}" && pwd)
verify="$bin_dir/timecoin-verify"
vectors=${TC_TESTDATA_DIR:?TC_TESTDATA_DIR must point at the shared test vectors}/ed25519
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
# expect_error NEEDLE INPUT_FILE ARGS...: exit 2, empty stdout, NEEDLE in stderr.
expect_error() {
  local needle=$1 input=$2 rc=0
  shift 2
  "$verify" "$@" <"$input" >stdout.txt 2>stderr.txt || rc=$?
  expect_eq "exit status of $* <$input" "$rc" 2
  expect_eq "stdout of $* <$input" "$(cat stdout.txt)" ""
  expect_contains "stderr of $* <$input" "$(cat stderr.txt)" "$needle"
}

jq -r '.vectors[] | "\(.public_key) \(if .message == "" then "-" else .message end) \(.signature)"' \
  "$vectors/rfc8032_section7.1_ed25519.json" >rfc.txt
rfc_count=$(wc -l <rfc.txt)
expect_eq "RFC 8032 vectors" "$rfc_count" 5
rfc_expected=$(printf "ok\n%.0s" $(seq "$rfc_count"))

jq -r '.testGroups[] | .publicKey.pk as $pk | .tests[] | select(.sig != "")
  | "\($pk) \(if .msg == "" then "-" else .msg end) \(.sig)"' \
  "$vectors/wycheproof_ed25519_test.json" >wycheproof.txt
jq -r '.testGroups[] | .tests[] | select(.sig != "")
  | if .result == "valid" or .tcId == 151 then "ok" else "fail" end' \
  "$vectors/wycheproof_ed25519_test.json" >wycheproof_expected.txt
wycheproof_lines=$(wc -l <wycheproof.txt)
((wycheproof_lines > 140)) || fail "only $wycheproof_lines Wycheproof cases"
expect_eq "Wycheproof valid count" "$(grep -c '^ok$' wycheproof_expected.txt)" 89

# RFC 8032 on every backend.
for args in "--backend cpu" "--backend cpu --threads 2 --batch 1" "--backend cpu --batch 64" \
  "--backend auto" "--backend libsodium"; do
  # shellcheck disable=SC2086
  expect_eq "RFC 8032 with $args" "$("$verify" $args <rfc.txt)" "$rfc_expected"
done
gpu_out=$("$verify" --backend gpu <rfc.txt 2>gpu_stderr.txt)
expect_eq "RFC 8032 with --backend gpu" "$gpu_out" "$rfc_expected"
if [[ -s gpu_stderr.txt ]]; then
  expect_contains "gpu fallback note" "$(cat gpu_stderr.txt)" "no usable GPU"
fi

# Wycheproof v1 under ZIP-215.
for args in "--backend cpu --batch 1" "--backend cpu --batch 7 --threads 2" \
  "--backend cpu --batch 1024" "--backend auto"; do
  # shellcheck disable=SC2086
  "$verify" $args <wycheproof.txt >got.txt
  cmp -s got.txt wycheproof_expected.txt ||
    fail "Wycheproof with $args: $(diff got.txt wycheproof_expected.txt | head -5)"
done

# Wrong lengths are verdicts, not errors: a 31-byte key, a 63-byte signature, a 65-byte one.
read -r pk msg sig <<<"$(head -n 1 rfc.txt)"
{
  echo "$pk $msg $sig"
  echo "${pk:2} $msg $sig"
  echo "$pk $msg ${sig:2}"
  echo "$pk $msg ${sig}00"
  echo "$pk $msg $sig"
} >lengths.txt
for backend in cpu libsodium; do
  expect_eq "wrong lengths ($backend)" "$("$verify" --backend "$backend" <lengths.txt)" \
    "$(printf 'ok\nfail\nfail\nfail\nok')"
done

# Malformed lines are errors naming the line.
{
  echo "$pk $msg $sig"
  echo "$pk zz $sig"
} >nonhex.txt
expect_error "line 2: message: " nonhex.txt
expect_error "non-hex" nonhex.txt --backend libsodium
{
  echo "$pk $msg $sig"
  echo "$pk $msg $sig"
  echo "$pk $sig"
} >fields.txt
expect_error "line 3: expected 3 fields (PUBKEY_HEX MSG_HEX SIG_HEX), got 2" fields.txt
echo "${pk}0 $msg $sig" >odd.txt
expect_error "line 1: public key: " odd.txt
expect_error "--backend" rfc.txt --backend tpu

# Numbers and memory whatever the flags (node/cli/command_line.h, docs/tools.md).
expect_error '--threads: "-1" is not a decimal number from 1 to 256' rfc.txt --threads -1
expect_error '--batch: "-1" is not a decimal number from 1 to 262144' rfc.txt --batch -1
expect_error '--batch: "0x40"' rfc.txt --batch 0x40
expect_error '--bench: "-5"' rfc.txt --bench -5
expect_error '--batch: "4194304" is not a decimal number from 1 to 262144' rfc.txt --batch 4194304
rc=0
(ulimit -v 1000000 && "$verify" --threads 64 --batch 65536 <rfc.txt) >stdout.txt 2>stderr.txt ||
  rc=$?
expect_eq "exit status of --threads 64 --batch 65536" "$rc" 2
expect_contains "--threads 64 --batch 65536" "$(cat stderr.txt)" \
  "--threads 64 x --batch 65536 is above 262144 signatures"
out=$(ulimit -v 1500000 && "$verify" --backend cpu --threads 1 --batch 262144 <rfc.txt)
expect_eq "RFC 8032 with the largest batch" "$out" "$rfc_expected"

# Standard input is read in bounded lines and windows.
rc=0
(ulimit -v 500000 && timeout 20 "$verify" </dev/zero) >stdout.txt 2>stderr.txt || rc=$?
expect_eq "exit status of < /dev/zero" "$rc" 2
expect_contains "< /dev/zero" "$(cat stderr.txt)" "stdin: line 1 is longer than 65536 bytes"
{
  echo "$pk $msg $sig"
  printf '%s - %s\n' "$pk" "$(head -c 65500 /dev/zero | tr '\0' 'a')"
} >long.txt
expect_error "stdin: line 2 is longer than 65536 bytes" long.txt
# Wrong-length keys are cheap "fail" verdicts: 2,000,000 lines would take over 200 MB if held.
rc=0
count=$( (ulimit -v 200000 && yes "00 - 00" | head -n 2000000 | "$verify" --backend cpu |
  grep -c '^fail$') 2>stderr.txt) || rc=$?
expect_eq "2,000,000 streamed lines" "$count" 2000000
expect_eq "stderr of 2,000,000 streamed lines" "$(cat stderr.txt)" ""
# Valid at every 7,000th line, over more than one window of 65,536 lines.
awk -v good="$pk $msg $sig" 'BEGIN { for (i = 1; i <= 70000; i++) print (i % 7000 == 0 ? good : "00 - 00") }' \
  >windows.txt
awk 'BEGIN { for (i = 1; i <= 70000; i++) print (i % 7000 == 0 ? "ok" : "fail") }' \
  >windows_expected.txt
for backend in cpu libsodium; do
  "$verify" --backend "$backend" <windows.txt >got.txt
  cmp -s got.txt windows_expected.txt || fail "70,000 lines in order ($backend)"
done
rc=0
"$verify" --help >help.txt || rc=$?
expect_eq "exit status of --help" "$rc" 0
expect_contains "--help" "$(cat help.txt)" "--threads x --batch is at most 262144"

# --bench: one line, documented format, the backend actually used.
line_format='^backend=(cpu|gpu|libsodium) threads=[0-9]+ batch=[0-9]+ verifications_per_second=[0-9]+$'
out=$("$verify" --bench 300 --backend cpu --threads 2 --batch 64)
expect_eq "bench lines" "$(wc -l <<<"$out")" 1
[[ "$out" =~ $line_format ]] || fail "bench line format: $out"
expect_contains "bench cpu" "$out" "backend=cpu threads=2 batch=64 "
out=$("$verify" --bench 100 --backend libsodium)
[[ "$out" =~ $line_format ]] || fail "bench line format: $out"
expect_contains "bench libsodium" "$out" "backend=libsodium threads=1 batch=1 "
out=$("$verify" --bench 100 --backend gpu --batch 32 2>/dev/null)
[[ "$out" =~ $line_format ]] || fail "bench line format: $out"
[[ "$out" == backend=gpu* || "$out" == "backend=cpu threads=1 batch=32 "* ]] ||
  fail "bench --backend gpu names the backend used: $out"

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "verify_cli_test: all checks passed"

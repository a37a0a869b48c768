#!/usr/bin/env bash
# Goal: timecoin-gpu-check, the GPU acceptance program, passes host-only on the published vectors
# and a seeded random set with the documented counts, and fails (non-zero, with the case named)
# when a verdict is wrong; so the command a GPU session runs is exercised in CI without a GPU.
# Method: run the built tool (argument 1: the bin directory) on $TC_TESTDATA_DIR/ed25519 and on
# edited copies of it in a scratch folder, and check exit statuses and output lines.
# Scenarios: --backend cpu with --vectors and --random 20000 --seed 7 (exit 0; per-suite counts
# 5/5, 1024/1024, 151/89, 145/84, 12/9, 1337 in all with 1211 accepted; the test-data signer
# reproduces all 1029 published signatures; every backend agrees on every case; the seeded kind
# counts; every kind accepted exactly as constructed); a verdict flipped in the verdict table
# (exit 1, the case and the count mismatch named); a truncated JSON file (exit 2, file and
# offset named); --backend gpu (exit 3 with the reason without a device, or agreement with one);
# bad options (exit 2); --throughput with one small batch size prints the machine-readable line.
set -euo pipefail

bin_dir=$(cd "${1:?usage: gpu_check_test.sh BIN_DIR}" && pwd)
check="$bin_dir/timecoin-gpu-check"
vectors=${TC_TESTDATA_DIR:?TC_TESTDATA_DIR must point at the shared test vectors}/ed25519
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
# expect_line FILE PREFIX: some line of FILE starts with PREFIX (compared as a plain string).
expect_line() {
  awk -v prefix="$2" 'index($0, prefix) == 1 { found = 1 } END { exit !found }' "$1" ||
    fail "no line starting with '$2' in $1: $(tail -n 5 "$1")"
}
# run_tool OUT_FILE ARGS...: runs the tool, stdout and stderr to OUT_FILE; prints the exit status.
run_tool() {
  local out=$1 rc=0
  shift
  "$check" "$@" >"$out" 2>&1 || rc=$?
  echo "$rc"
}

# The acceptance run, host only.
rc=$(run_tool pass.txt --backend cpu --vectors "$vectors" --random 20000 --seed 7)
[[ "$rc" == 0 ]] || fail "acceptance run exited $rc: $(tail -n 20 pass.txt)"
expect_line pass.txt "vectors suite=rfc8032 cases=5 expected_accept=5 "
expect_line pass.txt "vectors suite=supercop cases=1024 expected_accept=1024 "
expect_line pass.txt "vectors suite=wycheproof_v1 cases=151 expected_accept=89 "
expect_line pass.txt "vectors suite=wycheproof_legacy cases=145 expected_accept=84 "
expect_line pass.txt "vectors suite=speccheck cases=12 expected_accept=9 "
expect_line pass.txt "vectors total cases=1337 expected_accept=1211"
expect_line pass.txt "vectors signer reproduced=1029 of 1029 "
expect_line pass.txt "vectors backend=host-single cases=1337 agree=1337 disagree=0"
expect_line pass.txt "vectors backend=cpu-batch cases=1337 agree=1337 disagree=0"
expect_line pass.txt "random kind=valid cases=7296 expected_accept=7296 accepted=7296"
expect_line pass.txt "random kind=y_ge_p cases=1068 expected_accept=590 accepted=590"
expect_line pass.txt "random backend=host-single cases=20000 agree=20000 disagree=0 "
expect_line pass.txt "random backend=cpu-batch cases=20000 agree=20000 disagree=0 "
expect_line pass.txt "PASS: 12 checks, all agreed"
kinds=$(grep -c '^random kind=' pass.txt || true)
[[ "$kinds" == 13 ]] || fail "expected 13 random kinds, got $kinds"
# Every kind: accepted equals expected_accept, and the kinds add up to the case count.
awk '/^random kind=/ {
       for (i = 2; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
       if (v["accepted"] != v["expected_accept"]) bad = bad " " $2
       total += v["cases"]
     }
     END { if (bad != "" || total != 20000) { print "kinds:" bad " total " total; exit 1 } }' \
  pass.txt || fail "random kind counts"
if grep -q 'backend=gpu' pass.txt; then fail "--backend cpu ran the GPU"; fi

# A wrong expected verdict (Wycheproof v1 tcId 1 marked reject) must fail, naming the case.
mkdir -p bad/derived
cp "$vectors"/*.json "$vectors"/*.input bad/
chmod -R u+w bad
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "wycheproof_v1" && $2 == "1" { $9 = "reject" } { print }' \
  "$vectors/derived/ed25519_verdicts.tsv" >bad/derived/ed25519_verdicts.tsv
rc=$(run_tool flipped.txt --backend cpu --vectors bad)
[[ "$rc" == 1 ]] || fail "flipped verdict: exit $rc, expected 1"
expect_line flipped.txt "vectors suite=wycheproof_v1 cases=151 expected_accept=88 "
expect_line flipped.txt "    disagree: wycheproof_v1 tcId 1 pubkey="
expect_line flipped.txt "vectors backend=host-single cases=1337 agree=1336 disagree=1"
expect_line flipped.txt "vectors backend=cpu-batch cases=1337 agree=1336 disagree=1"
expect_line flipped.txt "FAIL: 3 of 9 checks failed:"

# A truncated JSON file is an input error naming the file and the offset.
head -c 5000 "$vectors/speccheck_cases_annotated.json" >bad/speccheck_cases_annotated.json
cp "$vectors/derived/ed25519_verdicts.tsv" bad/derived/
rc=$(run_tool truncated.txt --backend cpu --vectors bad)
[[ "$rc" == 2 ]] || fail "truncated JSON: exit $rc, expected 2"
grep -q 'speccheck_cases_annotated.json: offset 5000: ' truncated.txt ||
  fail "truncated JSON: $(cat truncated.txt)"

# --backend gpu: exit 3 with the reason without a device; agreement where there is one.
rc=$(run_tool gpu.txt --backend gpu --vectors "$vectors")
if [[ "$rc" == 3 ]]; then
  grep -q -- '--backend gpu needs a usable CUDA device: ' gpu.txt || fail "gpu: $(cat gpu.txt)"
else
  [[ "$rc" == 0 ]] || fail "--backend gpu exited $rc: $(tail -n 20 gpu.txt)"
  expect_line gpu.txt "vectors backend=gpu cases=1337 agree=1337 disagree=0 on_device="
fi

# Bad options.
for args in "--backend tpu --vectors $vectors" "--seed 7" "--random -5" "--threads 0 --random" \
  "--throughput --batch-sizes 1k,,4k" "--vectors"; do
  # shellcheck disable=SC2086
  rc=$(run_tool usage.txt $args)
  [[ "$rc" == 2 ]] || fail "'$args': exit $rc, expected 2"
  grep -q '^usage: timecoin-gpu-check' usage.txt || fail "'$args': no usage text"
done
rc=$(run_tool missing.txt --backend cpu --vectors "$scratch/none")
[[ "$rc" == 2 ]] || fail "missing vector folder: exit $rc, expected 2"
grep -q 'none/derived/ed25519_verdicts.tsv: cannot read' missing.txt || fail "$(cat missing.txt)"

# Throughput, one small size: the machine-readable line and the table.
rc=$(run_tool throughput.txt --backend cpu --throughput --batch-sizes 1k --threads 2)
[[ "$rc" == 0 ]] || fail "throughput exited $rc: $(tail -n 20 throughput.txt)"
grep -Eq '^backend=cpu batch=1024 verifications_per_second=[1-9][0-9]* threads=2$' throughput.txt ||
  fail "throughput line: $(cat throughput.txt)"
expect_line throughput.txt "| 1024 | "

if ((failures > 0)); then
  echo "gpu_check_test: $failures failure(s)" >&2
  exit 1
fi
echo "timecoin-gpu-check tool test passed"

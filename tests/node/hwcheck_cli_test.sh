#!/usr/bin/env bash
# Goal: timecoin-hwcheck and `timecoind hwcheck` (one command, node/hwcheck/command.h) work as
# programs: each reports this machine against dev-cpu, judges a
# synthetic machine root, prints the documented JSON shape, and exits 0 (all ok or n/a), 1 (drift),
# 2 (usage error naming the option) or 3 (the machine's files cannot be read).
# Method: run each built program (argument 1: the bin directory) on the real / with dev-cpu, and on
# a small synthetic /proc and /sys tree for e810 built here; read --json output with jq.
# Scenarios: dev-cpu on this machine (exit status agrees with the JSON result; the JSON items have
# the documented keys, statuses and fix only on drift; counts add up); e810 on a matching tree
# (exit 0) and with irdma loaded (exit 1, the fix printed); a profile given as a file path; no
# --profile, an unknown flag, an unknown profile and a malformed profile file exit 2 naming the
# option; a root without /proc exits 3 naming --root.
set -euo pipefail

bin_dir=${1:?usage: hwcheck_cli_test.sh BIN_DIR}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

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
# expect_exit CODE NEEDLE ARGS...: the tool exits CODE with NEEDLE on stderr and nothing on stdout.
expect_exit() {
  local code=$1 needle=$2 rc=0
  shift 2
  "${hwcheck[@]}" "$@" >"$scratch/out.txt" 2>"$scratch/err.txt" || rc=$?
  expect_eq "exit status of $*" "$rc" "$code"
  expect_eq "stdout of $*" "$(cat "$scratch/out.txt")" ""
  expect_contains "stderr of $*" "$(cat "$scratch/err.txt")" "$needle"
}

check_program() {  # check_program PROGRAM...: every scenario through that command
  hwcheck=("$@")
  # This machine against dev-cpu.
  rc=0
  "${hwcheck[@]}" --profile dev-cpu --json --nvidia-smi /nonexistent >"$scratch/dev.json" || rc=$?
  result=$(jq -r .result "$scratch/dev.json")
  case "$result" in
    ok) expect_eq "dev-cpu exit status for result ok" "$rc" 0 ;;
    drift) expect_eq "dev-cpu exit status for result drift" "$rc" 1 ;;
    *) fail "dev-cpu result '$result'" ;;
  esac
  expect_eq "JSON top-level keys" "$(jq -c 'keys_unsorted' "$scratch/dev.json")" \
    '["profile","root","result","counts","items"]'
  expect_eq "JSON item keys" "$(jq -c '[.items[] | keys_unsorted] | unique' "$scratch/dev.json")" \
    '[["check","status","expected","actual","fix"]]'
  expect_eq "statuses" "$(jq -r '[.items[].status | select(. != "ok" and . != "drift" and
    . != "not_applicable")] | length' "$scratch/dev.json")" 0
  expect_eq "fix only on drift" "$(jq '[.items[] | select((.fix == null) == (.status == "drift"))]
    | length' "$scratch/dev.json")" 0
  expect_eq "counts add up" "$(jq '.counts.ok + .counts.drift + .counts.not_applicable ==
    (.items | length)' "$scratch/dev.json")" true
  expect_eq "dev-cpu hugepages" "$(jq -r '.items[] | select(.check == "memory.hugepages_1g")
    | .status' "$scratch/dev.json")" not_applicable
  text=$("${hwcheck[@]}" --profile dev-cpu --nvidia-smi /nonexistent || true)
  expect_contains "text header" "$text" "hwcheck: profile dev-cpu, root /"
  expect_eq "text closing line" "$(tail -n 1 <<<"$text" | cut -d' ' -f1-2)" "result: $result"

  # A synthetic e810 machine.
  tree=$(mktemp -d "$scratch/e810.XXXX")
  put() {  # put PATH TEXT
    mkdir -p "$(dirname "$tree$1")"
    echo "$2" >"$tree$1"
  }
  put /proc/cmdline "ro default_hugepagesz=1G hugepagesz=1G hugepages=16 amd_iommu=on iommu=pt \
  irqaffinity=0-1 processor.max_cstate=1 nohz=on nohz_full=2-30 rcu_nocbs=2-30"
  put /sys/devices/system/cpu/online 0-31
  put /sys/devices/system/cpu/nohz_full 2-30
  put /sys/devices/system/cpu/smt/control off
  put /sys/devices/system/cpu/smt/active 0
  put /sys/devices/system/cpu/cpu0/topology/thread_siblings_list 0
  put /sys/fs/cgroup/timecoin.slice/cpuset.cpus.partition isolated
  put /sys/fs/cgroup/timecoin.slice/cpuset.cpus.effective 2-30
  put /sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages 16
  put /sys/bus/pci/devices/0000:41:00.0/vendor 0x8086
  put /sys/bus/pci/devices/0000:41:00.0/device 0x159b
  ln -s ../../../bus/pci/drivers/vfio-pci "$tree/sys/bus/pci/devices/0000:41:00.0/driver"
  ln -s ../../../kernel/iommu_groups/7 "$tree/sys/bus/pci/devices/0000:41:00.0/iommu_group"
  mkdir -p "$tree/sys/kernel/iommu_groups/7/devices/0000:41:00.0" "$tree/sys/class/iommu/ivhd0"
  put /lib/firmware/intel/ice/ddp/ice.pkg ddp
  rc=0
  "${hwcheck[@]}" --profile e810 --root "$tree" >"$scratch/e810.txt" || rc=$?
  expect_eq "e810 matching tree exit status ($(cat "$scratch/e810.txt"))" "$rc" 0
  expect_contains "e810 matching tree" "$(cat "$scratch/e810.txt")" "ok    nic.0000:41:00.0.driver"
  mkdir -p "$tree/sys/module/irdma"
  rc=0
  "${hwcheck[@]}" --profile e810 --root "$tree" >"$scratch/e810.txt" || rc=$?
  expect_eq "e810 with irdma loaded: exit status" "$rc" 1
  expect_contains "e810 with irdma loaded" "$(cat "$scratch/e810.txt")" \
    "fix: echo 'blacklist irdma' > /etc/modprobe.d/timecoin-irdma.conf && modprobe -r irdma"
  rc=0
  "${hwcheck[@]}" --profile "$(dirname "$0")/../../firmware_configs/profiles/e810.json" --root "$tree" \
    --json >"$scratch/e810.json" || rc=$?
  expect_eq "profile by path: exit status" "$rc" 1
  expect_eq "profile by path: drifts" "$(jq -c '[.items[] | select(.status == "drift") | .check]' \
    "$scratch/e810.json")" '["nic.blacklist.irdma"]'

  # Usage errors and unreadable roots.
  expect_exit 2 "--profile is required"
  expect_exit 2 "--no-such-flag" --profile dev-cpu --no-such-flag
  expect_exit 2 '--profile: unknown profile "a100" (profiles in ' --profile a100
  printf '{"name": "broken",\n  "cpu": [\n' >"$scratch/broken.json"
  expect_exit 2 "--profile: $scratch/broken.json:3:0: JSON syntax error" --profile "$scratch/broken.json"
  sed 's/"rss_queues": 8/"rss_queues": 0/' "$(dirname "$0")/../../firmware_configs/profiles/e810.json" \
    >"$scratch/e810.json"
  expect_exit 2 "e810.json: nic.rss_queues: expected an integer in 1..64, got 0" \
    --profile "$scratch/e810.json"
  expect_exit 3 "--root $scratch/empty: cannot read $scratch/empty/proc/cmdline" \
    --profile dev-cpu --root "$scratch/empty"
}

check_program "$bin_dir/timecoin-hwcheck"
check_program "$bin_dir/timecoind" hwcheck

if ((failures > 0)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "hwcheck_cli_test: all checks passed"

#!/usr/bin/env bash
# Goal: `timecoind devnet` runs N timecoind processes on loopback under load, reports agreement in
# its last line, and leaves nothing behind, also when stopped by a signal.
# Method: run 4 nodes for 4 s at 200 transfers/s and 300 ms blocks, and check the node lines, the
# last line and that its temporary directory is gone; run it again for 60 s and send SIGTERM once
# the nodes are up; run it with bad flags.
# Scenarios: a clean run finalizes every transfer with all nodes agreeing; SIGTERM stops the nodes,
# prints the summary and removes the temporary data (no node process is left); --nodes 0,
# --nodes -1, --rate -5, an unknown flag and a missing --duration exit 2 naming the option.
set -euo pipefail

bin_dir=${1:?usage: timecoind_devnet_test.sh BIN_DIR}
timecoind="$bin_dir/timecoind"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

rc=0
"$timecoind" devnet --nodes 4 --duration 4 --rate 200 --block-interval-ms 300 >"$scratch/out.txt" 2>&1 || rc=$?
cat "$scratch/out.txt"
[[ $rc == 0 ]] || fail "devnet run exited $rc"
[[ $(grep -c '^node [0-3]: rpc=http://127.0.0.1:[0-9]* p2p=127.0.0.1:[0-9]* ingress=127.0.0.1:[0-9]* data=' "$scratch/out.txt") == 4 ]] ||
  fail "expected 4 node lines"
last=$(tail -n 1 "$scratch/out.txt")
[[ $last =~ ^devnet:\ nodes=4\ sent=([0-9]+)\ final=([0-9]+)\ final_tps=[0-9.]+\ p50_ms=[0-9]+\ p99_ms=[0-9]+\ agree=yes$ ]] ||
  fail "last line: $last"
sent=${BASH_REMATCH[1]:-0}
final=${BASH_REMATCH[2]:-0}
((sent >= 600)) || fail "sent $sent transfers, expected about 800"
[[ $final == "$sent" ]] || fail "final $final of $sent sent"
data=$(sed -n 's/^node 0: .* data=\(.*\)\/node-0$/\1/p' "$scratch/out.txt")
[[ -n $data && ! -e $data ]] || fail "temporary directory '$data' left behind"

# Stopped by SIGTERM once up.
"$timecoind" devnet --nodes 4 --duration 60 --rate 100 --block-interval-ms 300 >"$scratch/term.txt" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [[ $(grep -c '^node ' "$scratch/term.txt" || true) == 4 ]] && break
  sleep 0.1
done
sleep 1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
cat "$scratch/term.txt"
tail -n 1 "$scratch/term.txt" | grep -q '^devnet: nodes=4 .* agree=yes$' || fail "no summary after SIGTERM"
data=$(sed -n 's/^node 0: .* data=\(.*\)\/node-0$/\1/p' "$scratch/term.txt")
[[ -n $data && ! -e $data ]] || fail "temporary directory '$data' left after SIGTERM"
if pgrep -f "timecoind --config $data/" >/dev/null; then fail "node processes left after SIGTERM"; fi

for case in "--nodes 0 --duration 1|--nodes" "--nodes -1 --duration 1|--nodes" \
  "--duration 1 --rate -5|--rate" "--duration 1 --bogus|--bogus" "--nodes 4|--duration"; do
  args=${case%|*}
  option=${case#*|}
  rc=0
  # shellcheck disable=SC2086
  "$timecoind" devnet $args >"$scratch/bad.txt" 2>&1 || rc=$?
  [[ $rc == 2 ]] || fail "devnet $args exited $rc, expected 2"
  grep -q -- "$option" "$scratch/bad.txt" || fail "devnet $args: '$option' not named: $(cat "$scratch/bad.txt")"
done

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "timecoind devnet: all checks passed"

#!/usr/bin/env bash
# The main job: installs what is missing, builds, then runs the appliance end to end in CPU-fallback
# mode on this machine — a local devnet of masternodes under load from the load generator, each with
# its own embedded RocksDB — after a short tour of the wallet tool.
#
# Environment: TC_DEMO_VALIDATORS (4), TC_DEMO_BLOCKS (20), TC_DEMO_TX_RATE (500 tx/s),
# TC_DEMO_DIR (a fresh temporary folder, removed at the end unless TC_DEMO_KEEP=1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TC_BUILD_DIR:-$root/build}/bin

"$root/scripts/setup.sh"
"$root/scripts/build.sh"

work=${TC_DEMO_DIR:-$(mktemp -d /tmp/timecoin-demo.XXXXXX)}
if [[ "${TC_DEMO_KEEP:-0}" != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

step() { printf '\n== %s\n' "$*"; }

step "1. A wallet key, its devnet address, and a signed transfer (timecoin-wallet)"
"$bin/timecoin-wallet" keygen --out "$work/alice.key" >/dev/null
"$bin/timecoin-wallet" keygen --out "$work/bob.key" >/dev/null
bob=$("$bin/timecoin-wallet" address --key "$work/bob.key" --network devnet)
echo "bob's devnet address: $bob"
tx=$("$bin/timecoin-wallet" build-tx --key "$work/alice.key" --network devnet \
  --input "$(printf '11%.0s' {1..32}):0" --output "$bob:250000000")
echo "signed transfer: ${#tx} hex characters"
"$bin/timecoin-wallet" decode-tx "$tx" | head -n 12

step "2. A devnet of ${TC_DEMO_VALIDATORS:-4} masternodes under load (timecoin-devnet)"
echo "(1 s blocks; the load carries 1 % malformed, 2 % duplicate and 2 % badly signed datagrams)"
"$bin/timecoin-devnet" --validators "${TC_DEMO_VALIDATORS:-4}" --blocks "${TC_DEMO_BLOCKS:-20}" \
  --tx-rate "${TC_DEMO_TX_RATE:-500}" --malformed 10 --duplicate 20 --bad-sig 20 \
  --data-dir "$work/devnet"

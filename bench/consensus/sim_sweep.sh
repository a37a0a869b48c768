#!/usr/bin/env bash
# A long simulator sweep that keeps what it did: runs timecoin-sim over TOTAL seeds from FIRST in
# chunks of CHUNK, appending one line per chunk to LOG, so a sweep stopped after an hour still has
# its clean chunks on record. Stops at the first failing chunk and writes its output (the seed and
# the reproduce line) to LOG.fail. The figures in docs/consensus.md were made this way.
# Usage: bench/consensus/sim_sweep.sh SIM LOG TOTAL [timecoin-sim options...]
#   e.g. bench/consensus/sim_sweep.sh build/bin/timecoin-sim 10v3b.log 100000 \
#          --validators 10 --byzantine 3 --partitions --crashes
# FIRST (default 1000000000) and CHUNK (default 2000) come from the environment.
set -uo pipefail
if (($# < 3)); then
  echo "usage: $0 SIM LOG TOTAL [timecoin-sim options...]" >&2
  exit 2
fi
sim=$1 log=$2 total=$3
shift 3
first=${FIRST:-1000000000}
chunk=${CHUNK:-2000}
if ! [[ $total =~ ^[1-9][0-9]*$ && $first =~ ^[0-9]+$ && $chunk =~ ^[1-9][0-9]*$ ]]; then
  echo "$0: TOTAL, FIRST and CHUNK must be positive integers" >&2
  exit 2
fi
for ((done = 0; done < total; done += chunk)); do
  n=$((total - done < chunk ? total - done : chunk))
  out=$("$sim" --seeds "$n" --first-seed $((first + done)) "$@" 2>&1)
  rc=$?
  echo "$(date -u +%H:%M:%S) seeds $((first + done))+$n rc=$rc $(tail -1 <<<"$out")" >>"$log"
  if ((rc != 0)); then
    echo "$out" >"$log.fail"
    exit "$rc"
  fi
done

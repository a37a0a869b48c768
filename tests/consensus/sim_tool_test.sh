#!/usr/bin/env bash
# Goal: timecoin-sim exits 0 on clean runs, non-zero with the reproduce line on a bad config, and
# prints the figures table. Method: run the built tool (argument: the build's bin folder).
set -euo pipefail
bin=$1/timecoin-sim
"$bin" --seeds 5 --validators 4 --byzantine 1 --partitions --crashes | grep -q '^ok: 5 seeds'
"$bin" --seeds 3 --weights 100,10,10,1 --byzantine 1 | grep -q '^ok: 3 seeds'
if "$bin" --seeds 1 --validators 6 --byzantine 2 > /tmp/tc_sim_tool_test.$$ 2>&1; then
  echo "expected a non-zero exit for Byzantine power of 1/3" >&2
  exit 1
fi
grep -q 'FAIL seed 1' /tmp/tc_sim_tool_test.$$ && grep -q 'reproduce: timecoin-sim' /tmp/tc_sim_tool_test.$$
rm -f /tmp/tc_sim_tool_test.$$
if "$bin" --bogus 2> /dev/null; then exit 1; fi
"$bin" --figures --heights 3 | grep -q '^| 100 |'
echo "timecoin-sim tool test passed"

// The multi-process devnet behind `timecoind devnet`: N timecoind processes on loopback, each with
// its own data directory, configuration and ports (node/devnet/network_files.h), in a temporary
// directory that is removed at the end and when `stop` is set (SIGTERM or SIGINT). It prints one
// line per node once it is up, drives the nodes with the load generator (dataplane/loadgen:
// funded transfers over UDP, round-robin over the nodes), prints progress each second, stops the
// nodes with SIGTERM and ends with a summary whose last line is
//   devnet: nodes=N sent=S final=F final_tps=X p50_ms=Y p99_ms=Z agree=yes|no
// Startup thread; `stop` may be set from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace tc::node {

struct DevnetLaunchOptions {
  std::string timecoind;  // the program to start (timecoind's own path)
  std::uint32_t nodes = 4;
  std::uint64_t duration_s = 10;
  std::uint64_t rate = 500;  // transfers per second, over all nodes
  std::uint32_t block_interval_ms = 1000;
};

// Runs the devnet; returns the process exit status: 0 when the nodes agree on tip and state and
// transactions became final (or none were sent), 1 otherwise or when a node failed to start.
int run_devnet(const DevnetLaunchOptions& options, const std::atomic<bool>& stop);

}  // namespace tc::node

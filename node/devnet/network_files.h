// The files of a local multi-process devnet: for each of N masternodes a data directory holding a
// fresh node key (node_key.json) and the shared genesis (genesis.json, N Gold masternodes with
// their loopback P2P addresses), and a timecoind configuration file pointing at it, with free
// ports chosen on this machine. `timecoind devnet` and the daemon's multi-process tests start
// timecoind processes over these. Startup thread; touches only `root`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/keys.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::node {

struct NetworkFilesOptions {
  std::string root;  // created when missing; node i lives in <root>/node-<i>
  std::uint32_t nodes = 4;
  std::uint32_t block_interval_ms = 1000;
  // Genesis allocations; empty: one output of 1,000 TIME to node 0's key.
  std::vector<TxOutput> allocations;
  std::string log_level = "info";
  // Lines appended to every node's configuration file (overrides for tests and --set).
  std::string extra_config;
};

struct NodeFiles {
  std::string data_dir;
  std::string config_file;
  Pubkey pubkey;
  std::uint16_t p2p_port = 0;
  std::uint16_t rpc_port = 0;
  std::uint16_t ingress_port = 0;
};

struct NetworkFiles {
  std::vector<NodeFiles> nodes;
  Hash256 genesis_txid;  // the genesis coinbase: allocation n is outpoint (genesis_txid, n)
};

// Writes every node's key, the genesis and the configuration files. Ports are ones the kernel
// handed out free a moment ago (bound and released), so another process may take one first: the
// daemon then fails to bind and says which port. Errors: kInvalidArgument for 0 or more than 64
// nodes, kIoError naming the file that could not be written, kAlreadyExists when a node's data
// directory already holds a key.
Result<NetworkFiles> write_network_files(const NetworkFilesOptions& options);

}  // namespace tc::node

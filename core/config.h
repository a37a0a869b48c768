// NodeConfig: the validator's whole setup, read once at startup from a TOML file over profile
// defaults.
//
// A network's profile (mainnet, testnet, devnet) supplies every default; the file names the network
// in [node] and overrides what it needs. The file is the TOML subset of core/toml_subset.h. Parsing
// is strict: malformed text, an unknown key at any level, a value of the wrong type, out of range,
// or not one of the allowed words is a kConfig error whose message names the file, line, column and
// full dotted key ("devnet.toml:14:1: unknown key 'mempool.max_txs'"), so the daemon exits at
// startup instead of running on a typo. The parsed config remembers where each value came from (the
// profile or a line of the file), which render_effective_config prints for `timecoind --check`.
// Every key is described in docs/configuration.md. Called from the startup thread; the result is a
// plain value any thread may read once the stages are started.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.h"
#include "core/network.h"
#include "core/status.h"

namespace tc {

// [node]: which network this node joins and where it keeps its state.
struct NodeSection {
  Network profile = Network::kMainnet;  // the key is "profile": the network's defaults
  std::uint32_t chain_id = 0;           // network_chain_id(profile); not a key of the file
  std::string data_dir;                 // RocksDB and key files live here; must be non-empty

  bool operator==(const NodeSection&) const = default;
};

// [net]: listening sockets and peers. Addresses are IP literals (IPv4 or IPv6), never host names,
// so nothing is resolved at startup. P2P and RPC are TCP; ingress is the UDP transaction port.
struct NetSection {
  std::string p2p_listen_address;
  std::uint16_t p2p_port = 0;
  std::string rpc_listen_address;  // 127.0.0.1 by default: RPC is not exposed unless asked
  std::uint16_t rpc_port = 0;
  std::string ingress_listen_address;
  std::uint16_t ingress_udp_port = 0;
  std::uint32_t max_peers = 0;
  std::vector<std::string> seed_peers;  // "host:port" or "[ipv6]:port"; host names allowed here

  bool operator==(const NetSection&) const = default;
};

// [consensus]: block interval and Tendermint step timeouts. A step's timeout in round r is
// base + r * delta, so a stalled height waits a little longer each round (view change).
struct ConsensusSection {
  std::uint32_t block_interval_ms = 0;
  std::uint32_t timeout_propose_ms = 0;
  std::uint32_t timeout_propose_delta_ms = 0;
  std::uint32_t timeout_prevote_ms = 0;
  std::uint32_t timeout_prevote_delta_ms = 0;
  std::uint32_t timeout_precommit_ms = 0;
  std::uint32_t timeout_precommit_delta_ms = 0;

  bool operator==(const ConsensusSection&) const = default;
};

// [mempool]: the bounds of the pool of unconfirmed transactions, under the names and units of
// ledger::MempoolConfig, onto which ledger::mempool_config() maps them. The minimum fee is not
// here: it is a consensus rule (ledger::LedgerParams::fee_min), the same on every node.
struct MempoolSection {
  std::uint32_t tx_count_max = 0;
  std::uint64_t bytes_max = 0;  // sum of the transactions' encodings
  std::uint64_t ttl_ms = 0;     // an unconfirmed transaction is dropped after this long

  bool operator==(const MempoolSection&) const = default;
};

// [cores]: the CPU cores each stage's threads are pinned to, one thread per listed core, for the
// daemon's stages: ingress, verify, mempool, consensus, commit (a block is executed and committed
// by one stage), net (P2P) and rpc (JSON-RPC and /metrics). An empty list leaves that stage
// unpinned (scheduled by the OS), the default. Only the form is checked here (0..1023, no core
// twice in one list); whether the cores exist is checked when the stages start
// (core/cpu_affinity.h). Stages may share cores, which a small devnet machine needs.
struct CoresSection {
  std::vector<int> ingress;
  std::vector<int> verify;
  std::vector<int> mempool;
  std::vector<int> consensus;
  std::vector<int> commit;
  std::vector<int> net;
  std::vector<int> rpc;

  bool operator==(const CoresSection&) const = default;
};

enum class VerifyBackend : std::uint8_t { kAuto, kCpu, kGpu };
// "auto", "cpu", "gpu".
std::string_view verify_backend_name(VerifyBackend backend);

// [verify]: the signature verification stage. "auto" uses a GPU when one is usable and the CPU
// otherwise; "gpu" makes a missing GPU a startup error. A batch is sent when it holds
// batch_size_max signatures or when its oldest signature has waited batch_deadline_us, whichever
// comes first.
struct VerifySection {
  VerifyBackend backend = VerifyBackend::kAuto;
  std::uint32_t batch_size_max = 0;
  std::uint32_t batch_deadline_us = 0;
  std::uint32_t gpu_device = 0;  // CUDA device index

  bool operator==(const VerifySection&) const = default;
};

enum class IngressBackend : std::uint8_t { kAuto, kDpdk, kSocket };
// "auto", "dpdk", "socket".
std::string_view ingress_backend_name(IngressBackend backend);

// How the socket backend's SO_REUSEPORT group hands datagrams to its queues when there are several
// (dataplane/socket_backend.h): by a hash of the 4-tuple, or by the CPU that received the datagram.
enum class SocketSpread : std::uint8_t { kHash, kCpu };
// "hash", "cpu".
std::string_view socket_spread_name(SocketSpread spread);

// [ingress]: the transaction ingress stage (dataplane/). "auto" uses DPDK when the node was built
// with it, a port is configured (dpdk_port or dpdk_vdevs) and net.ingress_listen_address is
// specific, and the UDP socket backend otherwise; once chosen, DPDK failing to start is a startup
// error, as it always is for "dpdk" (node/ingress/ingress_service.h). The listen address and UDP
// port are net.ingress_listen_address and net.ingress_udp_port (for DPDK the address must be the
// node's own, since ingress answers ARP for it); the polling cores are cores.ingress, one per
// queue. dataplane/ingress_config.h maps this section onto the backends' configs.
struct IngressSection {
  IngressBackend backend = IngressBackend::kAuto;
  std::vector<std::string> eal_args;      // DPDK EAL arguments, without program name and --vdev
  std::string dpdk_port;                  // ethdev name or PCI address; empty: the first port
  std::vector<std::string> dpdk_vdevs;    // virtual devices, each passed as --vdev=<value>
  std::uint32_t queues = 0;               // RX queues (DPDK, RSS); the socket backend uses one
  std::uint32_t mbufs = 0;                // mbufs in the receive pool, for all queues
  std::uint32_t mbuf_cache = 0;           // per-lcore mempool cache
  std::uint32_t rx_descriptors = 0;       // NIC RX ring entries per queue
  std::uint32_t tx_descriptors = 0;       // NIC TX ring entries per queue (ARP/ND replies)
  std::uint32_t burst_max = 0;            // frames or datagrams per receive burst
  std::uint32_t ring_depth = 0;           // verify ring slots per queue; a power of two
  std::uint32_t rate_limit_per_s = 0;     // datagrams per second per source IP; 0: no limit
  std::uint32_t rate_limit_burst = 0;     // token bucket size; >= 1 when the rate is set
  std::uint32_t rate_limit_sources = 0;   // sources tracked per queue
  std::uint32_t recent_set_capacity = 0;  // dedup keys remembered, all queues together
  bool udp_checksum = false;              // verify UDP checksums in software
  SocketSpread socket_spread = SocketSpread::kHash;  // socket backend, queues > 1

  bool operator==(const IngressSection&) const = default;
};

// [log]: the threshold below which records are dropped, and the line format (core/log.h).
struct LogSection {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;

  bool operator==(const LogSection&) const = default;
};

// Where the effective values came from: the keys the file set, each with its line. A key not
// listed holds its profile default.
struct ConfigSources {
  struct FileKey {
    std::string key;         // dotted: "mempool.ttl_ms"
    std::uint32_t line = 0;  // 1-based, in `origin_name`

    bool operator==(const FileKey&) const = default;
  };
  std::string origin_name;  // parse_config's origin_name (the file); empty for default_config
  std::vector<FileKey> file_keys;  // in the order of docs/configuration.md

  // The line that set `dotted_key`, or 0 when the file did not set it.
  std::uint32_t line_of(std::string_view dotted_key) const;

  bool operator==(const ConfigSources&) const = default;
};

struct NodeConfig {
  NodeSection node;
  NetSection net;
  ConsensusSection consensus;
  MempoolSection mempool;
  CoresSection cores;
  VerifySection verify;
  IngressSection ingress;
  LogSection log;
  ConfigSources sources;

  bool operator==(const NodeConfig&) const = default;
};

// The defaults of a network's profile: what a file holding only `[node] profile = "..."` yields
// (with no sources).
NodeConfig default_config(Network profile);

// Parses configuration text (the TOML subset of core/toml_subset.h) into a NodeConfig.
// `origin_name` names the text in error messages (a file name). The profile is read first ([node]
// profile, "mainnet" when absent), its defaults are applied, and every other key present overrides
// one default; config.sources records each key the text set and its line. Errors, all kConfig, with
// "origin:line:column: ": syntax (including what the subset leaves out: floats, dates, inline
// tables ...); an unknown key or section; a wrong type; a value out of its range; an unknown word
// for an enumerated value; an empty string where one is required; a string holding NUL (the values
// reach C functions); a core listed twice in one list;
// a port of 0; a listen address that is not an IP literal; the P2P and RPC ports equal; an ingress
// ring depth that is not a power of two, a rate limit without a burst, fewer mbufs than the queues'
// descriptors and caches hold, a queue count other than the length of a non-empty cores.ingress,
// and backend "dpdk" with an unspecified ingress address. Only the first error is reported: the
// first syntax error, else the first bad key in file order, else the first failed check between
// keys. Does not touch the file system or check that the cores exist.
Result<NodeConfig> parse_config(std::string_view text, std::string_view origin_name);

// Reads the file at `path` and parses it as parse_config does, with `path` as the origin name. A
// file that cannot be read is a kConfig error naming the path and the reason.
Result<NodeConfig> load_config_file(const std::string& path);

// The effective configuration as text that parse_config reads back to the same values: every key,
// section by section in the order of docs/configuration.md, one per line, each followed by where
// its value came from (ingress.dpdk_port, when not set, as a comment line):
//   [mempool]
//   tx_count_max = 10000  # devnet profile default
//   ttl_ms = 600000  # node/config/devnet.toml:22
// For `timecoind --config FILE --check`. Allocates the returned string only.
std::string render_effective_config(const NodeConfig& config);

}  // namespace tc

// Daemon: one timecoind masternode process, wired from its configuration and node/topology.h.
//
// open() takes the data directory's lock (node/data_dir.h), reads the node key and genesis file,
// opens the ChainStore, commits genesis on the first start or checks the stored chain against the
// genesis file on every later one, loads the ledger and the durable signing state, and builds the
// stages and rings of the topology table: UDP ingress, the one verify stage
// (node/stages/verify_stage.h: every transaction from ingress or a peer is pre-checked, verified on
// the GPU or the CPU, and admitted there), the net stage and the consensus stage. run() starts one
// thread per stage (core/stage_loop.h) and returns when asked to stop or when a stage fails.
//
// Shutdown (run's return) is ordered: UDP ingress stops receiving and the net stage stops passing
// peers' messages in, the verify stage answers what it took and stops, the consensus stage finishes
// the message or timer it is handling (a block commit completes or never started: each is one
// synced RocksDB batch) and stops, then the net stage closes every connection; the store is closed
// when the Daemon is destroyed. Nothing is lost that was committed: every commit is synced when it
// returns, so kill -9 at any moment loses none either.
//
// open(), run() and the destructor belong to one thread (main's).
#pragma once

#include <atomic>
#include <memory>

#include "core/config.h"
#include "core/keys.h"
#include "core/metrics.h"
#include "core/status.h"
#include "ledger/ledger.h"
#include "node/data_dir.h"
#include "node/ingress/ingress_service.h"
#include "node/rpc/json_rpc.h"
#include "node/rpc/node_state.h"
#include "node/rpc/rpc_server.h"
#include "node/rpc_control.h"
#include "node/signing_state_file.h"
#include "node/stages/consensus_stage.h"
#include "node/stages/net_stage.h"
#include "node/stages/tx_ring.h"
#include "node/stages/verify_stage.h"
#include "node/topology.h"
#include "storage/chain_store.h"

namespace tc::node {

class Daemon {
 public:
  // Errors, each naming its file or key: the topology's (kConfig); the data directory's (kIoError,
  // kUnavailable when another timecoind holds it); the key file's (kIoError when missing,
  // kMalformed); the genesis file's (kIoError, kMalformed naming the field), kConfig when its
  // network is not the configured profile's or the stored chain has another genesis; kCorruption
  // for a store without the signing state directory a validator needs; the store's, ledger's,
  // signing state's; kConfig for seeds that do not resolve or a P2P port that cannot be bound;
  // the ingress service's (a UDP port that cannot be bound, [ingress] errors); the verify stage's
  // (kConfig for backend "gpu" without a usable GPU, a core of cores.verify that cannot be pinned);
  // the RPC server's (kConfig for an RPC port that cannot be bound, kIoError for the cookie).
  static Result<std::unique_ptr<Daemon>> open(const NodeConfig& config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs the stages until `stop` is set or the RPC `stop` is called (OK) or a stage fails (its
  // error); then shuts down as the file comment says.
  Status run(const std::atomic<bool>& stop);

 private:
  Daemon(const Topology& topology, std::unique_ptr<DataDir> data_dir, const KeyPair& key)
      : topology_(topology), data_dir_(std::move(data_dir)), key_(key) {}
  Status open_chain(const NodeConfig& config);
  Status start_rpc(const NodeConfig& config);

  Topology topology_;
  std::unique_ptr<DataDir> data_dir_;
  KeyPair key_;
  std::unique_ptr<storage::ChainStore> store_;
  std::unique_ptr<ledger::StoreBackend> backend_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<SigningStateFile> signing_state_;
  InboundRing inbound_;
  OutboundRing outbound_;
  TxRing net_to_verify_;
  VerifyResultRing verify_to_net_results_;
  TxRing verify_to_net_;
  std::unique_ptr<IngressService> ingress_;
  std::unique_ptr<VerifyStage> verify_;
  std::unique_ptr<ConsensusStage> consensus_;
  std::unique_ptr<NetStage> net_;
  // The one registry /metrics renders; the verify stage and the RPC layer register into it.
  MetricsRegistry metrics_;
  rpc::NodeSnapshots snapshots_;
  TxRing rpc_to_verify_;
  VerifyResultRing verify_to_rpc_results_;
  std::atomic<bool> rpc_stop_requested_{false};
  std::unique_ptr<RpcControl> rpc_control_;
  std::unique_ptr<rpc::Dispatcher> dispatcher_;
  std::unique_ptr<rpc::RpcServer> rpc_server_;
};

}  // namespace tc::node

// What the RPC layer learns from the daemon's other threads, and the two things it may ask of them.
//
// The chain itself (blocks, headers, transactions, UTXOs, masternode records) is read straight from
// storage::ChainStore and the thread-safe parts of ledger::Ledger, which any thread may call. What
// lives inside a stage (the consensus round, the connected peers, the verify engine's backend and
// counters) reaches RPC as snapshots: the owning stage builds a value during its housekeeping and
// publishes it into a Published<T> slot, and RPC threads read the latest one. Publishing is one
// allocation and one std::atomic<std::shared_ptr> store; readers and writer contend only for the
// spin bit libstdc++ holds around a reference-count update, never for the time a reader keeps or
// serialises the value, so no stage waits on RPC however many requests are in flight. A stage that
// has not published yet reads as absent.
// Submitting a transaction and stopping the node go through NodeControl, which the daemon
// implements over its rings and signal path.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "consensus/validator_set.h"
#include "core/bytes.h"
#include "core/status.h"
#include "gpu/verify_engine.h"
#include "ledger/rules.h"

namespace tc::rpc {

// A single-writer, many-reader slot holding the latest published value of T. publish() from the
// owning stage; latest() from any thread. The value a reader holds stays valid (shared ownership)
// while the writer publishes newer ones.
template <typename T>
class Published {
 public:
  // Replaces the published value; readers see it from their next latest(). Allocates one T.
  void publish(T value) {
    slot_.store(std::make_shared<const T>(std::move(value)), std::memory_order_release);
  }
  // The latest value, or null before the first publish().
  std::shared_ptr<const T> latest() const { return slot_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::shared_ptr<const T>> slot_;
};

// The consensus stage's position and the validator set of its height, published after each step
// change and each commit.
struct ConsensusSnapshot {
  std::uint64_t height = 0;  // the height being decided (last committed + 1)
  std::uint32_t round = 0;
  consensus::Step step = consensus::Step::kPropose;
  std::vector<consensus::Validator> validators;  // the set of `height`, in set order
  // Wall time from the first proposal seen at the last committed height to its commit; absent
  // until the first commit after start.
  std::optional<std::chrono::microseconds> last_commit_latency;
};

// One connected peer, as the net stage sees it.
struct PeerSnapshot {
  Pubkey key;
  std::string address;  // "127.0.0.1:24100" or "[::1]:24100"
  bool inbound = false;
  std::uint64_t connected_unix_ms = 0;
  std::uint64_t tip_height = 0;  // the peer's last announced tip
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::int64_t misbehaviour_score = 0;
};

// The net stage's view: where it listens and whom it is connected to.
struct NetworkSnapshot {
  std::string p2p_listen_address;
  std::uint16_t p2p_port = 0;
  std::uint64_t known_peers = 0;   // addresses in the peer book
  std::uint64_t banned_peers = 0;  // keys or addresses banned now
  std::vector<PeerSnapshot> peers;
};

// The verify stage's engine: which backend runs batches, its sizes, and its counters (fallbacks
// from the GPU to the CPU among them).
struct VerifySnapshot {
  std::string backend;  // "gpu" or "cpu"
  std::string device;   // e.g. "NVIDIA H200 (sm_90)" or "cpu: 2 threads"
  std::size_t batch_size_max = 0;
  std::size_t batches_in_flight_max = 0;
  int cpu_threads = 0;
  gpu::VerifyEngineMetrics metrics;
};

// Every snapshot slot. The daemon owns one, hands each slot's publish side to its stage, and gives
// the RPC layer a const pointer.
struct NodeSnapshots {
  Published<ConsensusSnapshot> consensus;
  Published<NetworkSnapshot> network;
  Published<VerifySnapshot> verify;
};

// The verdict on a submitted transaction: accepted into the mempool, or the first rule it broke
// (the ledger's reason and its Status message naming the input or output), or not judged in time.
struct SubmitOutcome {
  enum class Kind : std::uint8_t {
    kAccepted,
    kRejected,  // `reason` and `status` say why
    kTimedOut,  // the verify stage did not answer within the caller's deadline (it may still)
    kQueueFull  // the verify stage's RPC ring was full: nothing was submitted
  };
  Kind kind = Kind::kAccepted;
  Hash256 txid;
  ledger::RejectReason reason = ledger::RejectReason::kOk;
  Status status;
};

// What RPC may ask of the rest of the node. Implemented by the daemon.
class NodeControl {
 public:
  virtual ~NodeControl() = default;

  // Hands one encoded transaction (already decoded by the caller, so well formed) to the verify
  // stage — the same path as ingress: ledger pre-check, signatures, admission — and waits up to
  // `timeout` for the verdict. Called on an RPC worker thread, which it may block; it must never
  // make a stage wait for RPC (the stage answers through a promise or a flag, and a full ring is
  // kQueueFull at once).
  virtual SubmitOutcome submit_transaction(ByteSpan tx, std::chrono::milliseconds timeout) = 0;

  // Starts an orderly shutdown, as SIGTERM does, and returns at once: the daemon stops the RPC
  // server later from its own thread. Must not call RpcServer::stop itself (it would wait for the
  // request that is calling it).
  virtual void request_stop() = 0;
};

}  // namespace tc::rpc

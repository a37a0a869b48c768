// RpcControl: the daemon's rpc::NodeControl. sendrawtransaction goes to the verify stage over its
// RPC ring (source kRpc, a fresh tag per call) and the verdict comes back on the RPC result ring;
// a stop request sets the flag Daemon::run watches, as SIGTERM does.
//
// Both rings have one producer and one consumer, and RPC calls come from several HTTP workers at
// once: a mutex makes the workers one producer and one consumer. A waiting worker drains the result
// ring and files each verdict under its tag, so whichever worker drains, each waiter finds its own;
// a verdict whose waiter gave up (kTimedOut) is dropped when it arrives. The verify stage never
// waits on this: a full RPC ring is kQueueFull at once, and the result ring is drained by every
// waiter every millisecond.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>

#include "node/rpc/node_state.h"
#include "node/stages/tx_ring.h"
#include "node/stages/verify_stage.h"

namespace tc::node {

class RpcControl final : public rpc::NodeControl {
 public:
  // The rings and the flag must outlive this object; the verify stage consumes `requests` and
  // produces `results`.
  RpcControl(TxRing& requests, VerifyResultRing& results, std::atomic<bool>& stop_requested)
      : requests_(requests), results_(results), stop_requested_(stop_requested) {}

  rpc::SubmitOutcome submit_transaction(ByteSpan tx, std::chrono::milliseconds timeout) override;
  void request_stop() override { stop_requested_.store(true, std::memory_order_release); }

 private:
  // Moves every verdict on the result ring to answered_, or drops it when nobody waits for it.
  // REQUIRES: mutex_ held.
  void drain_results();

  TxRing& requests_;
  VerifyResultRing& results_;
  std::atomic<bool>& stop_requested_;
  std::mutex mutex_;
  std::uint64_t last_tag_ = 0;                      // GUARDED_BY(mutex_)
  std::set<std::uint64_t> waiting_;                 // GUARDED_BY(mutex_)
  std::map<std::uint64_t, VerifyResult> answered_;  // GUARDED_BY(mutex_)
};

}  // namespace tc::node

#include "node/rpc_control.h"

#include <array>
#include <span>
#include <thread>

#include "ledger/rules.h"

namespace tc::node {
namespace {

// How often a waiting RPC worker looks for its verdict: well under a verification's latency, and
// idle RPC workers cost nothing.
constexpr std::chrono::milliseconds kResultPollInterval{1};

rpc::SubmitOutcome outcome_of(const VerifyResult& result) {
  rpc::SubmitOutcome outcome;
  outcome.txid = result.txid;
  if (result.outcome == VerifyOutcome::kAdmitted) return outcome;
  outcome.kind = rpc::SubmitOutcome::Kind::kRejected;
  outcome.reason = result.reason;
  outcome.status = ledger::reject_status(result.reason, result.txid, result.failure);
  return outcome;
}

}  // namespace

rpc::SubmitOutcome RpcControl::submit_transaction(ByteSpan tx, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint64_t tag = 0;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    tag = ++last_tag_;
    TxRecord header;
    header.tag = tag;
    header.source = VerifySource::kRpc;
    if (!requests_.push(tx, header)) {
      rpc::SubmitOutcome full;
      full.kind = rpc::SubmitOutcome::Kind::kQueueFull;
      return full;
    }
    waiting_.insert(tag);
  }
  for (;;) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      drain_results();
      const auto answer = answered_.find(tag);
      if (answer != answered_.end()) {
        const rpc::SubmitOutcome outcome = outcome_of(answer->second);
        answered_.erase(answer);
        waiting_.erase(tag);
        return outcome;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        waiting_.erase(tag);
        rpc::SubmitOutcome late;
        late.kind = rpc::SubmitOutcome::Kind::kTimedOut;
        return late;
      }
    }
    std::this_thread::sleep_for(kResultPollInterval);
  }
}

void RpcControl::drain_results() {
  std::array<VerifyResult, 64> burst;
  for (std::uint32_t n; (n = results_.pop_burst(std::span(burst))) > 0;) {
    for (std::uint32_t i = 0; i < n; ++i) {
      if (waiting_.contains(burst[i].tag)) answered_.emplace(burst[i].tag, burst[i]);
    }
  }
}

}  // namespace tc::node

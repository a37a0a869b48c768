#include "node/stages/tx_intake_stage.h"

#include <cassert>
#include <chrono>

#include "core/log.h"

namespace tc::node {
namespace {

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

TxIntakeStage::TxIntakeStage(const TxIntakeStageConfig& config, ledger::Ledger& ledger,
                             std::vector<dataplane::IngressRing*> ingress, TxBatchRing& from_peers,
                             TxBatchRing& to_peers)
    : config_(config),
      ledger_(ledger),
      ingress_(std::move(ingress)),
      from_peers_(from_peers),
      to_peers_(to_peers) {}

Status TxIntakeStage::init() {
  gpu::BatchVerifierCpuConfig verifier_config;
  verifier_config.batch_size_max = config_.verify_batch_max;
  return verifier_.init(config_.chain_id, verifier_config).with_context("transaction verifier");
}

std::uint32_t TxIntakeStage::step(std::uint32_t burst_max) {
  std::uint32_t handled = 0;
  for (dataplane::IngressRing* ring : ingress_) {
    const std::uint32_t n = ring->peek(burst_max);
    if (n == 0) continue;
    views_.clear();
    for (std::uint32_t i = 0; i < n; ++i) {
      TransactionView view;
      // The ring holds only transactions that passed this very decode (dataplane/ingress_ring.h).
      const DecodeError decoded = decode_transaction_view(ring->ready(i).transaction(), &view);
      assert(decoded == DecodeError::kOk);
      (void)decoded;
      views_.push_back(view);
    }
    admit_views(/*forward=*/true);
    ring->release(n);  // the views point into the ring until here
    handled += n;
  }
  if (TxBatchMessage* batch = from_peers_.take()) {
    views_.clear();
    for (std::uint32_t i = 0; i < batch->count; ++i) {
      TransactionView view;
      if (decode_transaction_view(batch->txs[i], &view) != DecodeError::kOk) {
        count(TxIntakeOutcome::kUndecodable);
        continue;
      }
      views_.push_back(view);
    }
    admit_views(/*forward=*/false);
    handled += batch->count;
    from_peers_.release(batch);
  }
  if (forward_ != nullptr) {
    count(TxIntakeOutcome::kForwarded, forward_->count);
    to_peers_.publish(forward_);
    forward_ = nullptr;
  }
  return handled;
}

void TxIntakeStage::admit_views(bool forward) {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < views_.size(); ++i) {
    if (ledger_.precheck(views_[i]) != ledger::RejectReason::kOk) {
      count(TxIntakeOutcome::kPrecheckRejected);
      continue;
    }
    views_[kept++] = views_[i];
  }
  views_.resize(kept);
  valid_.resize(kept);
  verifier_.verify(views_, valid_);
  const std::uint64_t now = wall_clock_ms();
  for (std::size_t i = 0; i < kept; ++i) {
    if (valid_[i] == 0) {
      count(TxIntakeOutcome::kBadSignature);
      continue;
    }
    if (ledger_.submit(views_[i], now) != ledger::RejectReason::kOk) {
      count(TxIntakeOutcome::kRejected);
      continue;
    }
    count(TxIntakeOutcome::kAdmitted);
    if (!forward) continue;
    if (forward_ == nullptr) {
      forward_ = to_peers_.acquire();
      if (forward_ == nullptr) {
        count(TxIntakeOutcome::kForwardFull);
        continue;
      }
      forward_->count = 0;
    }
    forward_->add(views_[i].bytes());
  }
}

void TxIntakeStage::housekeeping(std::uint64_t now_ns) {
  if (now_ns < next_expiry_ns_) return;
  next_expiry_ns_ = now_ns + 1'000'000'000;
  const std::size_t expired = ledger_.expire(wall_clock_ms());
  if (expired > 0) TC_LOG_DEBUG("mempool expired", {{"transactions", expired}});
}

}  // namespace tc::node

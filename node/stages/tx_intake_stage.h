// TxIntakeStage: the verify stage's place in the topology, until branch verify-stage's VerifyStage
// (over gpu::VerifyEngine) takes it. It takes transactions from UDP ingress (the IngressService's
// rings, node/ingress/ingress_service.h) and from peers' forwarded batches (the net stage), and for
// each burst: the ledger's pre-check (what the mempool would refuse anyway costs no signature),
// every input signature in one batch (TxBatchVerifier, node/app/tx_verifier.h: the one
// verification seam), then mempool admission (Ledger::submit). Transactions admitted from ingress
// are forwarded to peers as one batch per step (the verify_to_net ring); those from peers are not
// forwarded again (the sender forwarded them to every peer it is connected to).
//
// Shape (STYLE §2): init on the startup thread; step(burst) and housekeeping(now) on the stage
// thread through run_stage_loop. Counters by outcome are read after the stage stopped.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/codec.h"
#include "core/status.h"
#include "dataplane/ingress_ring.h"
#include "ledger/ledger.h"
#include "node/app/tx_verifier.h"
#include "node/stages/peer_messages.h"

namespace tc::node {

struct TxIntakeStageConfig {
  std::uint32_t chain_id = 0;
  std::uint32_t verify_batch_max = 256;  // signatures per batch equation
};

enum class TxIntakeOutcome : std::uint8_t {
  kAdmitted,          // into the mempool
  kPrecheckRejected,  // refused before signatures were checked
  kBadSignature,
  kRejected,     // refused at admission after the signatures verified (a race on inputs)
  kUndecodable,  // a peer's transaction that does not decode
  kForwarded,    // admitted ingress transactions handed to the net stage
  kForwardFull,  // not forwarded: the ring to the net stage was full
  kCount
};
inline constexpr std::size_t kTxIntakeOutcomeCount =
    static_cast<std::size_t>(TxIntakeOutcome::kCount);

class TxIntakeStage {
 public:
  // `ledger`, the rings (each ingress ring, `from_peers`, `to_peers`) must outlive the stage; this
  // stage is the one consumer of the ingress rings and of from_peers and the one producer of
  // to_peers.
  TxIntakeStage(const TxIntakeStageConfig& config, ledger::Ledger& ledger,
                std::vector<dataplane::IngressRing*> ingress, TxBatchRing& from_peers,
                TxBatchRing& to_peers);

  // Sizes the batch verifier. Errors: the verifier's.
  Status init();
  // Handles at most one burst of ingress transactions per ingress ring and one peer batch.
  std::uint32_t step(std::uint32_t burst_max);
  // Drops mempool transactions past their TTL, once a second.
  void housekeeping(std::uint64_t now_ns);

  std::uint64_t outcome(TxIntakeOutcome o) const { return outcomes_[static_cast<std::size_t>(o)]; }

 private:
  // Pre-checks, verifies and admits views_; with `forward`, adds the admitted ones to the forward
  // batch.
  void admit_views(bool forward);
  void count(TxIntakeOutcome o, std::uint64_t n = 1) {
    outcomes_[static_cast<std::size_t>(o)] += n;
  }

  TxIntakeStageConfig config_;
  ledger::Ledger& ledger_;
  std::vector<dataplane::IngressRing*> ingress_;
  TxBatchRing& from_peers_;
  TxBatchRing& to_peers_;
  TxBatchVerifier verifier_;
  std::vector<TransactionView> views_;  // the burst being handled, reused
  std::vector<std::uint8_t> valid_;
  TxBatchMessage* forward_ = nullptr;  // the batch being filled this step, if any
  std::uint64_t next_expiry_ns_ = 0;
  std::array<std::uint64_t, kTxIntakeOutcomeCount> outcomes_{};
};

}  // namespace tc::node

// The simulator's application: each validator's chain of blocks that link by parent hash, standing
// in for the ledger behind the engine's Application interface.
//
// A block is "SIMBLK", its height, its parent's hash, its proposer, round, a nonce and a marker
// byte; its hash is SHA-256 of those bytes, so every byte binds. A block is valid when it extends
// this node's tip at the next height and its marker is not the refused value (which stands for a
// block with a bad transaction). The chain survives a simulated crash: it is the node's disk.
// Single-threaded; called by the node's engine and by the simulator.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "consensus/engine.h"
#include "consensus/sim/set_schedule.h"

namespace tc::consensus::sim {

constexpr std::uint32_t kChainId = 0x51A;  // the simulator's own chain id

// What makes a block from build_invalid_block invalid.
enum class InvalidBlockKind : std::uint8_t { kWrongHeight, kWrongParent, kRefusedMarker };
constexpr std::uint64_t kInvalidBlockKinds = 3;

class SimApp final : public Application {
 public:
  // `valid`: whether the block passed validate_block against the state just before the commit.
  using CommitHook =
      std::function<void(std::uint64_t, const Hash256&, const CommitCertificate&, bool valid)>;
  // `schedule` names the set of every height and must outlive the app.
  SimApp(std::uint32_t index, SetSchedule& schedule, CommitHook hook)
      : index_(index), schedule_(schedule), hook_(std::move(hook)) {}

  std::uint64_t tip_height() const { return chain_.size(); }
  const Hash256& tip_hash() const { return chain_.empty() ? genesis_ : chain_.back().hash; }
  // REQUIRES: 1 <= height <= tip_height().
  const CommittedBlock& block(std::uint64_t height) const { return chain_[height - 1]; }

  Result<std::shared_ptr<const ValidatorSet>> validator_set(std::uint64_t height) override {
    return schedule_.set_of(height);
  }
  std::optional<BlockCandidate> build_block(std::uint64_t height, std::uint32_t round) override {
    return make_block(height, round);
  }
  // A new valid block for (height, round) on this node's tip (also what a Byzantine node signs).
  BlockCandidate make_block(std::uint64_t height, std::uint32_t round);
  // A block for (height, round) that binds to its hash but that validate_block refuses.
  BlockCandidate build_invalid_block(std::uint64_t height, std::uint32_t round,
                                     InvalidBlockKind kind);
  bool payload_binds(const Hash256& hash, ByteSpan payload) override;
  bool validate_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                      BlockOrigin origin) override;
  // Appends the block and calls the hook, with whether the block was valid just before.
  Status commit_block(std::uint64_t height, const Hash256& hash, ByteSpan payload,
                      const CommitCertificate& certificate) override;

 private:
  std::uint32_t index_;
  SetSchedule& schedule_;
  CommitHook hook_;
  Hash256 genesis_;
  std::vector<CommittedBlock> chain_;
  std::uint64_t nonce_ = 0;
};

}  // namespace tc::consensus::sim

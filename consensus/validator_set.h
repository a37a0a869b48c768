// The validator set of one epoch (voting power per consensus key), the quorum arithmetic over
// weighted power, and the weighted round-robin proposer schedule.
//
// Quorums are integer comparisons, never floating point: a quorum is > 2/3 of the total voting
// power (3 * power > 2 * total); "more than the faulty share" is > 1/3 (3 * power > total). The
// proposer of (height, round) is Tendermint's proposer-priority algorithm run from all-zero
// priorities at the set's first height (docs/consensus.md). Values are immutable after create();
// ProposerSchedule is owned by one engine and used from its thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace tc::consensus {

inline constexpr std::size_t kMaxValidators = 4096;
// Bounds the total so that 3 * total fits in u64 and priorities fit in i64 with room to spare.
inline constexpr std::uint64_t kMaxTotalVotingPower = std::uint64_t{1} << 50;

// > 2/3 of the total voting power.
constexpr bool is_quorum(std::uint64_t power, std::uint64_t total) {
  return 3 * power > 2 * total;
}
// > 1/3 of the total: at least one honest validator is among them when faulty power is < 1/3.
constexpr bool exceeds_one_third(std::uint64_t power, std::uint64_t total) {
  return 3 * power > total;
}

// The rule the engine applies where the protocol says "> 2/3". Always is_quorum in the node; the
// simulator's tests inject a deliberately broken rule to prove that the invariants catch it.
using QuorumRule = bool (*)(std::uint64_t power, std::uint64_t total);

struct Validator {
  Pubkey pubkey;
  std::uint64_t power = 0;
  friend bool operator==(const Validator&, const Validator&) = default;
};

class ValidatorSet {
 public:
  // Errors (kInvalidArgument): empty set, more than kMaxValidators, a zero power (free-tier nodes
  // do not vote and are not validators), a duplicate key, total power above kMaxTotalVotingPower.
  // The order given is the set's index order; every node must build it in the same order.
  static Result<ValidatorSet> create(std::vector<Validator> validators);

  std::size_t size() const { return validators_.size(); }
  const Validator& validator(std::uint32_t index) const { return validators_[index]; }
  std::uint64_t power(std::uint32_t index) const { return validators_[index].power; }
  std::uint64_t total_power() const { return total_power_; }
  std::span<const Validator> validators() const { return validators_; }
  std::optional<std::uint32_t> index_of(const Pubkey& pubkey) const;

 private:
  std::vector<Validator> validators_;
  std::unordered_map<Pubkey, std::uint32_t> index_;
  std::uint64_t total_power_ = 0;
};

// Weighted round robin (Tendermint proposer priority). One step: every priority grows by its power,
// the highest priority (lowest index on ties) is selected, and its priority drops by the total.
// Over any window of total_power steps each validator is selected exactly in proportion to its
// power, and the priorities always sum to zero. Height h of a set whose first height is base starts
// from the state after (h - base) steps; round r of that height is the (r + 1)-th step from there.
class ProposerSchedule {
 public:
  ProposerSchedule(const ValidatorSet& set, std::uint64_t base_height);

  // Moves the schedule to `height`. REQUIRES: height >= current height(). Costs O(n) per height.
  void advance_to(std::uint64_t height);
  std::uint64_t height() const { return height_; }
  // The proposer of (height(), round). Costs O(n) per round not yet computed at this height.
  std::uint32_t proposer(std::uint32_t round);

 private:
  static std::uint32_t step(const ValidatorSet& set, std::vector<std::int64_t>& priorities);

  const ValidatorSet* set_;
  std::uint64_t height_;
  std::vector<std::int64_t> priorities_;        // state at height_, before round 0
  std::vector<std::int64_t> round_priorities_;  // state after round_proposers_.size() steps
  std::vector<std::uint32_t> round_proposers_;  // proposers of rounds 0.. at height_
};

}  // namespace tc::consensus

// The validator set of one epoch (voting power per consensus key), the quorum arithmetic over
// weighted power, and the weighted proposer schedule.
//
// Quorums are integer comparisons, never floating point: a quorum is > 2/3 of the total voting
// power (3 * power > 2 * total); "more than the faulty share" is > 1/3 (3 * power > total). The
// proposer of (height, round) is a pure function of the set, the height and the round
// (docs/consensus.md), so that a node starting at any height, or entering a new epoch's set, agrees
// with every other without replaying earlier heights. Values are immutable after create(); any
// thread may read them.
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

// The proposer of (height, round): step k = (height - 1 + round) mod total_power of a periodic
// weighted sequence. A validator of power p owns p points per period, at (2j + 1) / (2p) for
// j < p (Webster's divisor sequence); the period lists every point in (value, index) order. Over
// any window of total_power consecutive steps each validator is selected exactly in proportion to
// its power, its turns are spread evenly, equal powers rotate in index order, and round r + 1 of
// height h has the proposer of round r of height h + 1. Costs O(n log n), allocates O(n), exact
// integer arithmetic.
std::uint32_t proposer_of(const ValidatorSet& set, std::uint64_t height, std::uint32_t round);

}  // namespace tc::consensus

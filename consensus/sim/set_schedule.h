// The simulator's validator set of every height: one fixed set, or (SimConfig::set_changes) a set
// per epoch drawn from a pool of identities larger than any one set.
//
// Epoch e covers heights e * epoch_blocks + 1 .. (e + 1) * epoch_blocks. The set of epoch e + 1 is
// derived from that of epoch e by a generator seeded with the run's seed alone: members leave and
// change power, pool identities join, and then the set is repaired so that at least one honest
// identity is in it, not every identity of the pool is, and the Byzantine identities (the last
// `byzantine` of the pool) hold < 1/3 of its power (the honest members alone make a quorum, so the
// set stays live), Byzantine members losing power or leaving until they do. A set is thus a
// function of the seed and the height only: every node's application and the checkers that build a
// schedule from the same arguments agree on it. Set index i is the i-th member in pool order. Sets
// are derived lazily and kept; single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "consensus/sim/sim_crypto.h"
#include "consensus/sim/sim_network.h"
#include "consensus/validator_set.h"

namespace tc::consensus::sim {

// A member's voting power in a changing set is drawn from 1..kSetPowerMax.
constexpr std::uint64_t kSetPowerMax = 10;

// One epoch's set and who is who in it.
struct EpochSet {
  std::shared_ptr<const ValidatorSet> set;
  std::vector<std::uint32_t> members;                   // pool identity of each set index
  std::vector<std::optional<std::uint32_t>> set_index;  // per pool identity; nullopt: not a member
  std::vector<std::uint64_t> powers;                    // per pool identity; 0: not a member
};

class SetSchedule {
 public:
  // One set for every height; set index i is pool identity i. REQUIRES: set.size() == pool size.
  explicit SetSchedule(const ValidatorSet& set);
  // A set per epoch of `epoch_blocks` heights over the identities of `keys`. `keys` must outlive
  // the schedule. REQUIRES: pool_size >= 2, byzantine < pool_size, epoch_blocks >= 1.
  SetSchedule(std::uint64_t seed, const SimKeyTable& keys, std::uint32_t pool_size,
              std::uint32_t byzantine, std::uint64_t epoch_blocks);

  bool changes() const { return epoch_blocks_ != 0; }
  // The epoch of `height`: always 0 for a fixed set. REQUIRES: height >= 1.
  std::uint64_t epoch_of(std::uint64_t height) const {
    return changes() ? (height - 1) / epoch_blocks_ : 0;
  }
  // The set of `height` and its members; the reference is valid while the schedule lives.
  // REQUIRES: height >= 1.
  const EpochSet& at(std::uint64_t height);
  const std::shared_ptr<const ValidatorSet>& set_of(std::uint64_t height) { return at(height).set; }
  // Pool identity `identity`'s index in the set of `height`, or nullopt when it is not a member.
  std::optional<std::uint32_t> index_of(std::uint32_t identity, std::uint64_t height) {
    return at(height).set_index[identity];
  }

 private:
  // Appends the set of the epoch after the last one derived.
  void derive_next_epoch();
  void append_epoch(const std::vector<std::uint64_t>& powers);

  const SimKeyTable* keys_ = nullptr;
  std::uint32_t pool_size_ = 0;
  std::uint32_t byzantine_ = 0;
  std::uint64_t epoch_blocks_ = 0;  // 0: one fixed set
  Rng rng_;
  std::vector<EpochSet> epochs_;
};

}  // namespace tc::consensus::sim

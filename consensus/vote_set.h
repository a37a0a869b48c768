// The votes of one type (prevote or precommit) in one (height, round): at most one per validator,
// tallied per block hash in integer voting power.
//
// The engine keeps one RoundVoteSet per type for every live round of its current height and drops
// them all when the height commits (pruning). A second, different vote from one validator is a
// conflict: add() reports it with the first vote, which the engine turns into equivocation
// evidence. A conflicting vote still counts towards its own block when the caller asks (the block
// is known, or nil): an equivocator may have shown a real quorum for that block to others, and a
// proposer relays that quorum as its proof-of-lock. Each validator counts at most once per hash,
// which keeps quorum intersection intact. Owned by the engine; its thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/messages.h"
#include "consensus/validator_set.h"

namespace tc::consensus {

class RoundVoteSet {
 public:
  RoundVoteSet(std::uint64_t height, std::uint32_t round, VoteType type,
               std::size_t validator_count);

  enum class AddResult : std::uint8_t {
    kAdded,      // counted
    kDuplicate,  // the same vote (same hash) is already counted; nothing changes
    kConflict,   // the validator already voted for another hash; *first holds that vote
  };
  // Adds a vote whose signature the caller has verified, with its validator's power. A conflicting
  // vote is counted for its hash when count_conflicting is set and that validator has not been
  // counted for that hash yet; power_any still counts the validator once.
  // REQUIRES: vote.height/round/type match this set; vote.validator_index < validator_count.
  AddResult add(const Vote& vote, std::uint64_t power, bool count_conflicting, const Vote** first);

  // The vote counted for a validator, or nullptr.
  const Vote* vote_of(std::uint32_t validator_index) const;
  // Power of the votes for `block_hash` (zero hash = nil).
  std::uint64_t power_for(const Hash256& block_hash) const;
  // Power of all counted votes, whatever their hash ("2f+1 PREVOTE(h, r, *)").
  std::uint64_t power_any() const { return power_any_; }
  // A non-nil block hash whose votes satisfy `rule` against `total`, if any.
  std::optional<Hash256> quorum_block(std::uint64_t total, QuorumRule rule) const;
  // Every counted vote for `block_hash`: first votes in validator index order, then counted
  // conflicting votes (certificate building, proof-of-lock relay).
  std::vector<Vote> votes_for(const Hash256& block_hash) const;
  // Marks that evidence against a validator was reported here; returns false if it already was.
  bool mark_evidence_reported(std::uint32_t validator_index);

 private:
  struct Tally {
    Hash256 block_hash;
    std::uint64_t power = 0;
  };

  void add_to_tally(const Hash256& block_hash, std::uint64_t power);

  std::uint64_t height_;
  std::uint32_t round_;
  VoteType type_;
  std::vector<std::optional<Vote>> votes_;  // by validator index
  std::vector<std::uint8_t> evidence_reported_;
  std::vector<Vote> conflicting_counted_;  // conflicting votes that count for their hash
  std::vector<Tally> tallies_;             // one per distinct hash counted
  std::uint64_t power_any_ = 0;
};

}  // namespace tc::consensus

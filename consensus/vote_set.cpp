#include "consensus/vote_set.h"

#include <cassert>

namespace tc::consensus {

RoundVoteSet::RoundVoteSet(std::uint64_t height, std::uint32_t round, VoteType type,
                           std::size_t validator_count)
    : height_(height),
      round_(round),
      type_(type),
      votes_(validator_count),
      evidence_reported_(validator_count, 0) {}

RoundVoteSet::AddResult RoundVoteSet::add(const Vote& vote, std::uint64_t power,
                                          bool count_conflicting, const Vote** first) {
  assert(vote.height == height_ && vote.round == round_ && vote.type == type_);
  assert(vote.validator_index < votes_.size());
  std::optional<Vote>& slot = votes_[vote.validator_index];
  if (slot.has_value()) {
    if (slot->block_hash == vote.block_hash) return AddResult::kDuplicate;
    if (first != nullptr) *first = &*slot;
    for (const Vote& counted : conflicting_counted_) {
      if (counted.validator_index == vote.validator_index &&
          counted.block_hash == vote.block_hash) {
        return AddResult::kDuplicate;
      }
    }
    if (count_conflicting) {
      conflicting_counted_.push_back(vote);
      add_to_tally(vote.block_hash, power);
    }
    return AddResult::kConflict;
  }
  slot = vote;
  power_any_ += power;
  add_to_tally(vote.block_hash, power);
  return AddResult::kAdded;
}

void RoundVoteSet::add_to_tally(const Hash256& block_hash, std::uint64_t power) {
  for (Tally& tally : tallies_) {
    if (tally.block_hash == block_hash) {
      tally.power += power;
      return;
    }
  }
  tallies_.push_back(Tally{block_hash, power});
}

const Vote* RoundVoteSet::vote_of(std::uint32_t validator_index) const {
  if (validator_index >= votes_.size() || !votes_[validator_index].has_value()) return nullptr;
  return &*votes_[validator_index];
}

std::uint64_t RoundVoteSet::power_for(const Hash256& block_hash) const {
  for (const Tally& tally : tallies_)
    if (tally.block_hash == block_hash) return tally.power;
  return 0;
}

std::optional<Hash256> RoundVoteSet::quorum_block(std::uint64_t total, QuorumRule rule) const {
  for (const Tally& tally : tallies_) {
    if (!tally.block_hash.is_zero() && rule(tally.power, total)) return tally.block_hash;
  }
  return std::nullopt;
}

std::vector<Vote> RoundVoteSet::votes_for(const Hash256& block_hash) const {
  std::vector<Vote> out;
  for (const std::optional<Vote>& slot : votes_)
    if (slot.has_value() && slot->block_hash == block_hash) out.push_back(*slot);
  for (const Vote& vote : conflicting_counted_)
    if (vote.block_hash == block_hash) out.push_back(vote);
  return out;
}

bool RoundVoteSet::mark_evidence_reported(std::uint32_t validator_index) {
  if (evidence_reported_[validator_index] != 0) return false;
  evidence_reported_[validator_index] = 1;
  return true;
}

}  // namespace tc::consensus

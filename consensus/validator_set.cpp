#include "consensus/validator_set.h"

#include <cassert>
#include <string>

namespace tc::consensus {

Result<ValidatorSet> ValidatorSet::create(std::vector<Validator> validators) {
  if (validators.empty()) return invalid_argument("validator set is empty");
  if (validators.size() > kMaxValidators) {
    return invalid_argument("validator set has " + std::to_string(validators.size()) +
                            " validators, more than " + std::to_string(kMaxValidators));
  }
  ValidatorSet set;
  for (std::uint32_t i = 0; i < validators.size(); ++i) {
    const Validator& v = validators[i];
    if (v.power == 0) {
      return invalid_argument("validator " + std::to_string(i) + " (" + to_hex(v.pubkey) +
                              ") has zero voting power");
    }
    if (v.power > kMaxTotalVotingPower || set.total_power_ + v.power > kMaxTotalVotingPower) {
      return invalid_argument("total voting power exceeds 2^50 at validator " + std::to_string(i));
    }
    if (!set.index_.emplace(v.pubkey, i).second) {
      return invalid_argument("validator " + std::to_string(i) + ": duplicate key " +
                              to_hex(v.pubkey));
    }
    set.total_power_ += v.power;
  }
  set.validators_ = std::move(validators);
  return set;
}

std::optional<std::uint32_t> ValidatorSet::index_of(const Pubkey& pubkey) const {
  auto it = index_.find(pubkey);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

ProposerSchedule::ProposerSchedule(const ValidatorSet& set, std::uint64_t base_height)
    : set_(&set),
      height_(base_height),
      priorities_(set.size(), 0),
      round_priorities_(priorities_) {}

std::uint32_t ProposerSchedule::step(const ValidatorSet& set,
                                     std::vector<std::int64_t>& priorities) {
  std::uint32_t best = 0;
  for (std::uint32_t i = 0; i < priorities.size(); ++i) {
    priorities[i] += static_cast<std::int64_t>(set.power(i));
    if (priorities[i] > priorities[best]) best = i;
  }
  priorities[best] -= static_cast<std::int64_t>(set.total_power());
  return best;
}

void ProposerSchedule::advance_to(std::uint64_t height) {
  assert(height >= height_);
  if (height == height_) return;
  while (height_ < height) {
    step(*set_, priorities_);
    ++height_;
  }
  round_priorities_ = priorities_;
  round_proposers_.clear();
}

std::uint32_t ProposerSchedule::proposer(std::uint32_t round) {
  while (round_proposers_.size() <= round) {
    round_proposers_.push_back(step(*set_, round_priorities_));
  }
  return round_proposers_[round];
}

}  // namespace tc::consensus

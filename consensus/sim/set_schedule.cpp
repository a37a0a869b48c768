#include "consensus/sim/set_schedule.h"

#include <cassert>
#include <utility>

namespace tc::consensus::sim {
namespace {

// The schedule's own stream, apart from the run's generator, so that the sets depend on the seed
// alone and not on what else the run drew before a height was first asked for.
constexpr std::uint64_t kScheduleStream = 0xD1B54A32D192ED03ull;

}  // namespace

SetSchedule::SetSchedule(const ValidatorSet& set) : rng_(0) {
  EpochSet epoch;
  epoch.set = std::make_shared<const ValidatorSet>(set);
  for (std::uint32_t i = 0; i < set.size(); ++i) {
    epoch.members.push_back(i);
    epoch.set_index.emplace_back(i);
    epoch.powers.push_back(set.power(i));
  }
  pool_size_ = static_cast<std::uint32_t>(set.size());
  epochs_.push_back(std::move(epoch));
}

SetSchedule::SetSchedule(std::uint64_t seed, const SimKeyTable& keys, std::uint32_t pool_size,
                         std::uint32_t byzantine, std::uint64_t epoch_blocks)
    : keys_(&keys),
      pool_size_(pool_size),
      byzantine_(byzantine),
      epoch_blocks_(epoch_blocks),
      rng_(seed * kScheduleStream + 1) {
  assert(pool_size >= 2 && byzantine < pool_size && epoch_blocks >= 1);
}

const EpochSet& SetSchedule::at(std::uint64_t height) {
  assert(height >= 1);
  const std::uint64_t epoch = epoch_of(height);
  while (epochs_.size() <= epoch) derive_next_epoch();
  return epochs_[epoch];
}

void SetSchedule::derive_next_epoch() {
  // Epoch 0 starts from the whole pool at power 1, so it too is a changed set.
  std::vector<std::uint64_t> powers =
      epochs_.empty() ? std::vector<std::uint64_t>(pool_size_, 1) : epochs_.back().powers;
  for (std::uint64_t& power : powers) {
    if (power == 0) {
      if (rng_.chance(0.4)) power = rng_.uniform(1, kSetPowerMax);  // joins
      continue;
    }
    const std::uint64_t draw = rng_.uniform(0, 99);
    if (draw < 20) {
      power = 0;  // leaves
    } else if (draw < 45) {
      power = rng_.uniform(1, kSetPowerMax);  // changes power
    }
  }
  const std::uint32_t honest = pool_size_ - byzantine_;
  auto power_of = [&](std::uint32_t first, std::uint32_t end) {
    std::uint64_t sum = 0;
    for (std::uint32_t i = first; i < end; ++i) sum += powers[i];
    return sum;
  };
  auto members_of = [&](std::uint32_t first, std::uint32_t end) {
    std::vector<std::uint32_t> members;
    for (std::uint32_t i = first; i < end; ++i)
      if (powers[i] != 0) members.push_back(i);
    return members;
  };
  if (power_of(0, honest) == 0) powers[rng_.uniform(0, honest - 1)] = rng_.uniform(1, kSetPowerMax);
  // The pool stays larger than the set: a Byzantine member leaves when every identity is in (an
  // honest one when there is no Byzantine identity; at least one honest member remains).
  if (members_of(0, pool_size_).size() == pool_size_) {
    powers[byzantine_ > 0 ? rng_.uniform(honest, pool_size_ - 1) : rng_.uniform(0, honest - 1)] = 0;
  }
  // Until the honest members hold > 2/3 of the power, a random Byzantine member drops to the most
  // power x with 3 (others + x) < honest + others + x (others: the other Byzantine members'
  // power), or leaves when that is 0, so Byzantine members stay in the sets as far as the bound
  // allows.
  while (3 * power_of(honest, pool_size_) >= power_of(0, pool_size_)) {
    const std::vector<std::uint32_t> byzantine_members = members_of(honest, pool_size_);
    const std::uint32_t member = byzantine_members[rng_.uniform(0, byzantine_members.size() - 1)];
    const std::uint64_t others = power_of(honest, pool_size_) - powers[member];
    const std::uint64_t honest_power = power_of(0, honest);
    powers[member] = honest_power > 2 * others ? (honest_power - 2 * others - 1) / 2 : 0;
  }
  append_epoch(powers);
}

void SetSchedule::append_epoch(const std::vector<std::uint64_t>& powers) {
  EpochSet epoch;
  epoch.powers = powers;
  epoch.set_index.assign(pool_size_, std::nullopt);
  std::vector<Validator> validators;
  for (std::uint32_t i = 0; i < pool_size_; ++i) {
    if (powers[i] == 0) continue;
    epoch.set_index[i] = static_cast<std::uint32_t>(epoch.members.size());
    epoch.members.push_back(i);
    validators.push_back(Validator{keys_->pubkey(i), powers[i]});
  }
  // Distinct keys, powers in 1..kSetPowerMax and at least one member: create cannot fail.
  Result<ValidatorSet> set = ValidatorSet::create(std::move(validators));
  assert(set.is_ok());
  epoch.set = std::make_shared<const ValidatorSet>(std::move(set).value());
  epochs_.push_back(std::move(epoch));
}

}  // namespace tc::consensus::sim

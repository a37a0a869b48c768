// Masternode tiers and what each one is worth (DESIGN §3): collateral locked, reward weight, voting
// power. Free nodes relay and earn but do not vote. These numbers are consensus rules; any change
// is a protocol change recorded in docs/protocol.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/amount.h"

namespace tc {

enum class MasternodeTier : std::uint8_t { kFree = 0, kBronze = 1, kSilver = 2, kGold = 3 };

struct TierRules {
  MasternodeTier tier;
  std::string_view name;
  Amount collateral;
  std::uint64_t reward_weight;
  std::uint64_t voting_power;
};

// clang-format off
inline constexpr std::array<TierRules, 4> kTierRules = {{
    // tier                    name      collateral                        weight   power
    {MasternodeTier::kFree,   "free",   Amount::from_time(0),        100,     0},
    {MasternodeTier::kBronze, "bronze", Amount::from_time(1'000),    1'000,   1},
    {MasternodeTier::kSilver, "silver", Amount::from_time(10'000),   10'000,  10},
    {MasternodeTier::kGold,   "gold",   Amount::from_time(100'000),  100'000, 100},
}};
// clang-format on

// REQUIRES: tier is one of the four enumerators (checked by tier_from_byte on input from outside).
inline constexpr const TierRules& tier_rules(MasternodeTier tier) {
  return kTierRules[static_cast<std::uint8_t>(tier)];
}

// The tier for a wire byte, or nullopt for any other value.
inline constexpr std::optional<MasternodeTier> tier_from_byte(std::uint8_t value) {
  if (value > static_cast<std::uint8_t>(MasternodeTier::kGold)) return std::nullopt;
  return static_cast<MasternodeTier>(value);
}

// The tier by its lower-case name ("gold"), for config and tools.
std::optional<MasternodeTier> tier_from_name(std::string_view name);

}  // namespace tc

#include "core/masternode_tier.h"

namespace tc {

std::optional<MasternodeTier> tier_from_name(std::string_view name) {
  for (const TierRules& rules : kTierRules) {
    if (rules.name == name) return rules.tier;
  }
  return std::nullopt;
}

}  // namespace tc

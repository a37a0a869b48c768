// Goal: a round's vote set counts each validator once per hash, tallies weighted power per block,
// and reports double votes.
// Method: add hand-made (already verified) votes with chosen powers.
// Scenarios: added / duplicate / conflict results; power per hash, nil and any; quorum_block over
// weighted power ignores nil; a conflicting vote counts for its hash only when asked, once;
// certificate votes listed per hash; evidence is reported once per validator.
#include "consensus/vote_set.h"

#include <gtest/gtest.h>

namespace tc::consensus {
namespace {

Hash256 hash_of(std::uint8_t fill) {
  Hash256 h;
  h.bytes.fill(fill);
  return h;
}

Vote prevote(std::uint32_t validator, const Hash256& hash) {
  return Vote{1, 0, VoteType::kPrevote, validator, hash, Signature{}};
}

TEST(RoundVoteSetTest, AddDuplicateAndConflict) {
  RoundVoteSet set(1, 0, VoteType::kPrevote, 4);
  const Vote* first = nullptr;
  EXPECT_EQ(set.add(prevote(0, hash_of(1)), 1, false, &first), RoundVoteSet::AddResult::kAdded);
  EXPECT_EQ(set.add(prevote(0, hash_of(1)), 1, false, &first), RoundVoteSet::AddResult::kDuplicate);
  EXPECT_EQ(set.add(prevote(0, hash_of(2)), 1, false, &first), RoundVoteSet::AddResult::kConflict);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->block_hash, hash_of(1));
  EXPECT_EQ(set.power_for(hash_of(2)), 0u);
  EXPECT_EQ(set.power_any(), 1u);
  EXPECT_TRUE(set.mark_evidence_reported(0));
  EXPECT_FALSE(set.mark_evidence_reported(0));
}

TEST(RoundVoteSetTest, WeightedTalliesAndQuorum) {
  // Powers 100, 10, 10, 1: total 121, quorum needs > 80.67, i.e. 81.
  RoundVoteSet set(1, 0, VoteType::kPrevote, 4);
  set.add(prevote(1, hash_of(7)), 10, false, nullptr);
  set.add(prevote(2, hash_of(7)), 10, false, nullptr);
  set.add(prevote(3, Hash256{}), 1, false, nullptr);
  EXPECT_EQ(set.power_for(hash_of(7)), 20u);
  EXPECT_EQ(set.power_for(Hash256{}), 1u);
  EXPECT_EQ(set.power_any(), 21u);
  EXPECT_FALSE(set.quorum_block(121, is_quorum).has_value());
  set.add(prevote(0, hash_of(7)), 100, false, nullptr);
  EXPECT_EQ(set.quorum_block(121, is_quorum), hash_of(7));
  EXPECT_EQ(set.votes_for(hash_of(7)).size(), 3u);
}

TEST(RoundVoteSetTest, NilQuorumIsNotABlockQuorum) {
  RoundVoteSet set(1, 0, VoteType::kPrevote, 4);
  for (std::uint32_t i = 0; i < 4; ++i) set.add(prevote(i, Hash256{}), 1, false, nullptr);
  EXPECT_TRUE(is_quorum(set.power_for(Hash256{}), 4));
  EXPECT_FALSE(set.quorum_block(4, is_quorum).has_value());
}

TEST(RoundVoteSetTest, ConflictingVoteCountsOnceForItsOwnHashWhenAsked) {
  RoundVoteSet set(1, 0, VoteType::kPrevote, 4);
  set.add(prevote(3, hash_of(1)), 1, false, nullptr);  // the equivocator's first vote
  set.add(prevote(0, hash_of(2)), 1, false, nullptr);
  set.add(prevote(1, hash_of(2)), 1, false, nullptr);
  EXPECT_EQ(set.add(prevote(3, hash_of(2)), 1, true, nullptr), RoundVoteSet::AddResult::kConflict);
  EXPECT_EQ(set.add(prevote(3, hash_of(2)), 1, true, nullptr), RoundVoteSet::AddResult::kDuplicate);
  EXPECT_EQ(set.power_for(hash_of(2)), 3u);
  EXPECT_EQ(set.power_for(hash_of(1)), 1u);
  EXPECT_EQ(set.power_any(), 3u);
  EXPECT_EQ(set.quorum_block(4, is_quorum), hash_of(2));
  EXPECT_EQ(set.votes_for(hash_of(2)).size(), 3u);
}

}  // namespace
}  // namespace tc::consensus

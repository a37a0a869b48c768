// Goal: the peer layer's parts do what net/peer_manager.h builds on: PeerBook's backoff doubles
// from its initial delay to its cap with jitter in [d/2, d] and starts over after a stable
// connection; peer exchange takes at most the bound per answer and in all; the sources keep their
// entries; a ban record round-trips and every malformed one is refused; BanList keeps the longer
// ban and forgets expired ones; a token bucket allows its burst, then its rate; RecentHashes
// forgets the oldest past capacity; PeerScores keeps decaying scores by key and, when full, forgets
// the lowest.
//
// Method: the classes alone, with explicit times; no sockets.
#include "net/peer_book.h"

#include <gtest/gtest.h>

#include "net/ban_list.h"
#include "net/peer_scores.h"
#include "net/rate_limiter.h"
#include "net/recent_hashes.h"
#include "tests/net/peer_test_support.h"

namespace tc::net {
namespace {

using namespace std::chrono_literals;
using testing::loopback;

PeerAddressRecord record(std::uint8_t n, std::uint16_t port) {
  return PeerAddressRecord{samples::key(n).pubkey(), loopback(port)};
}

TEST(PeerBookTest, BackoffDoublesToItsCapWithJitterAndStartsOverAfterAStableConnection) {
  PeerBookConfig config;
  config.backoff_initial = 100ms;
  config.backoff_max = 800ms;
  PeerBook book(config, 7);
  const PeerEndpoint seed = loopback(1000);
  book.add_seed(seed);
  const auto now = PeerBook::Clock::now();
  const std::chrono::milliseconds nominal[] = {100ms, 200ms, 400ms, 800ms, 800ms, 800ms};
  for (const auto expected : nominal) {
    book.dial_failed(seed, now, "connect: refused");
    const PeerBook::Entry* entry = book.find(seed);
    ASSERT_NE(entry, nullptr);
    EXPECT_GE(entry->last_delay, expected / 2);
    EXPECT_LE(entry->last_delay, expected);
    EXPECT_EQ(entry->next_dial, now + entry->last_delay);
  }
  // A short-lived connection counts as one more failure; a stable one starts the backoff over.
  book.connection_lost(seed, now, "closed by peer", false);
  EXPECT_EQ(book.find(seed)->failures, 7u);
  book.connection_lost(seed, now, "closed by peer", true);
  EXPECT_EQ(book.find(seed)->failures, 1u);
  EXPECT_LE(book.find(seed)->last_delay, 100ms);
}

TEST(PeerBookTest, PeerExchangeTakesAtMostTheBoundPerAnswerAndInAll) {
  PeerBookConfig config;
  config.max_exchanged_entries = 5;
  PeerBook book(config, 7);
  std::vector<PeerAddressRecord> answer;
  for (std::uint16_t port = 1; port <= 10; ++port) answer.push_back(record(20, port));
  EXPECT_EQ(book.add_exchanged(answer, 3), 3u);
  EXPECT_EQ(book.add_exchanged(answer, 3), 2u);  // 3 known already; 2 more reach the bound of 5
  EXPECT_EQ(book.add_exchanged(answer, 3), 0u);
  EXPECT_EQ(book.entries().size(), 5u);
  // Seeds, registrations and validators are not held back by that bound.
  book.add_seed(loopback(2000));
  const std::vector<PeerAddressRecord> registrations = {record(21, 2001)};
  book.set_registrations(registrations);
  EXPECT_EQ(book.entries().size(), 7u);
  EXPECT_LE(book.sample(100).size(), 6u);  // the seed has no key, so it is never passed on
  EXPECT_EQ(book.sample(2).size(), 2u);
  // A registration that leaves the set is forgotten; the seed stays.
  book.set_registrations({});
  EXPECT_EQ(book.find(loopback(2001)), nullptr);
  EXPECT_NE(book.find(loopback(2000)), nullptr);
}

TEST(PeerBookTest, ASeedLearnsItsKeyOnTheFirstHandshake) {
  PeerBook book(PeerBookConfig{}, 7);
  book.add_seed(loopback(3000));
  EXPECT_FALSE(book.find(loopback(3000))->key.has_value());
  book.dial_succeeded(loopback(3000), samples::key(5).pubkey());
  EXPECT_EQ(book.find(loopback(3000))->key, samples::key(5).pubkey());
  EXPECT_EQ(endpoint_name(loopback(3000)), "127.0.0.1:3000");
}

TEST(BanListTest, BanRecordRoundTripsAndMalformedRecordsAreRefused) {
  const BanRecord record{0x0102030405060708, BanCause::kInvalidMessage, 300};
  const Bytes value = encode_ban_record(record);
  ASSERT_EQ(value.size(), kBanRecordValueBytes);
  EXPECT_EQ(value[0], kBanRecordVersion);
  EXPECT_EQ(value[1], 0x08);  // expiry, little-endian
  EXPECT_EQ(value[9], 3);     // cause
  const Result<BanRecord> decoded = decode_ban_record(value);
  ASSERT_TRUE(decoded.is_ok());
  EXPECT_EQ(*decoded, record);

  const Bytes short_value(value.begin(), value.end() - 1);
  EXPECT_EQ(decode_ban_record(short_value).status().code(), StatusCode::kMalformed);
  Bytes bad_version = value;
  bad_version[0] = 2;
  EXPECT_EQ(decode_ban_record(bad_version).status().code(), StatusCode::kMalformed);
  for (const std::uint8_t cause : {0, 4, 255}) {
    Bytes bad_cause = value;
    bad_cause[9] = cause;
    const Result<BanRecord> refused = decode_ban_record(bad_cause);
    EXPECT_EQ(refused.status().code(), StatusCode::kMalformed) << int(cause);
  }
}

TEST(BanListTest, KeepsTheLongerBanAndForgetsExpiredOnes) {
  testing::MemoryPeerStore store;
  BanList bans(&store);
  const Pubkey key = samples::key(9).pubkey();
  const IpAddress16 address = loopback(1).address;
  ASSERT_TRUE(bans.ban(key, address, 1'000, 10'000, BanCause::kRateLimit, 100).is_ok());
  ASSERT_TRUE(bans.ban(key, address, 2'000, 1'000, BanCause::kInvalidMessage, 100).is_ok());
  ASSERT_TRUE(bans.key_ban(key, 10'999).has_value());
  EXPECT_EQ(bans.key_ban(key, 10'999)->cause, BanCause::kRateLimit);
  EXPECT_EQ(store.size(), 2u);
  EXPECT_FALSE(bans.key_ban(key, 11'000).has_value());
  EXPECT_FALSE(bans.address_ban(address, 11'000).has_value());
  EXPECT_EQ(store.size(), 0u);
}

TEST(TokenBucketTest, AllowsTheBurstThenTheRate) {
  const auto start = TokenBucket::Clock::now();
  TokenBucket bucket(TokenBucketConfig{10, 5}, start);
  int taken = 0;
  for (int i = 0; i < 20; ++i) taken += bucket.take(start);
  EXPECT_EQ(taken, 5);
  EXPECT_FALSE(bucket.take(start + 50ms));  // half a token
  EXPECT_TRUE(bucket.take(start + 100ms));
  EXPECT_FALSE(bucket.take(start + 100ms));
  // Refill stops at the burst.
  taken = 0;
  for (int i = 0; i < 20; ++i) taken += bucket.take(start + 10s);
  EXPECT_EQ(taken, 5);
  TokenBucket unlimited(TokenBucketConfig{}, start);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.take(start));
}

TEST(RecentHashesTest, ForgetsTheOldestPastCapacity) {
  RecentHashes recent(2);
  Hash256 a, b, c;
  a.bytes[0] = 1;
  b.bytes[0] = 2;
  c.bytes[0] = 3;
  recent.insert(a, {});
  recent.insert(b, {});
  recent.insert(c, {});
  EXPECT_EQ(recent.find(a), nullptr);
  EXPECT_NE(recent.find(b), nullptr);
  EXPECT_NE(recent.find(c), nullptr);
  EXPECT_EQ(recent.size(), 2u);
}

TEST(PeerScoresTest, KeepsDecayingScoresByKeyAndForgetsTheLowestWhenFull) {
  PeerScores scores(/*capacity=*/2, /*decay_per_second=*/1.0);
  const PeerScores::Clock::time_point t0{std::chrono::hours(1)};
  const Pubkey a = samples::key(1).pubkey();
  const Pubkey b = samples::key(2).pubkey();
  const Pubkey c = samples::key(3).pubkey();
  scores.keep(a, 50, t0);
  scores.keep(b, 10, t0);
  scores.keep(c, 0, t0);  // nothing against it: not kept
  EXPECT_EQ(scores.size(), 2u);
  // Full, and c is lower than both: fresh keys with little against them cannot push the worst out.
  scores.keep(c, 5, t0);
  EXPECT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores.take(c, t0), 0.0);
  // Two seconds on, b has decayed to 8, below c's 30: b goes.
  scores.keep(c, 30, t0 + 2s);
  EXPECT_EQ(scores.size(), 2u);
  EXPECT_EQ(scores.take(b, t0 + 2s), 0.0);
  EXPECT_DOUBLE_EQ(scores.take(a, t0 + 10s), 40.0);
  EXPECT_EQ(scores.take(a, t0 + 10s), 0.0);   // taken out
  EXPECT_EQ(scores.take(c, t0 + 100s), 0.0);  // decayed away
  EXPECT_EQ(scores.size(), 0u);
}

}  // namespace
}  // namespace tc::net

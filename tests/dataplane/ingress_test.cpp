// Goal: IngressStage gives every datagram exactly one outcome, hands only decodable, new,
// rate-allowed transactions to the verify ring with the right descriptor, and never blocks.
// Method: signed transfers from TxGenerator are fed as bursts of Datagrams; the ring is drained by
// the test as the verify stage would be. RecentSet and RateLimiter are also tested on their own.
// Scenarios: valid burst reaches the ring in order with source, queue and arrival time; oversize;
// each malformed variant counted by DecodeError; duplicates within and across bursts; ring full
// (and a dropped datagram accepted later, not taken for a duplicate); token bucket refill and
// per-source isolation; recent-set eviction bound and concurrent inserts; housekeeping flushes
// every outcome, decode error, byte and burst count into the metrics registry, and the rendered
// Prometheus text shows them per queue.
#include "dataplane/ingress.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "dataplane/loadgen/tx_generator.h"

namespace tc::dataplane {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000;

struct Fixture {
  RecentSet recent;
  IngressRing ring;
  IngressStage stage;
  explicit Fixture(std::uint32_t depth = 64, RateLimitConfig rate = {},
                   MetricsRegistry* metrics = nullptr) {
    EXPECT_TRUE(recent.init(RecentSetConfig{1024, /*test_key_seed=*/7}).is_ok());
    EXPECT_TRUE(ring.init(depth).is_ok());
    IngressConfig config;
    config.queue = 3;
    config.rate_limit = rate;
    EXPECT_TRUE(stage.init(config, &recent, &ring, metrics).is_ok());
  }
  void feed(const std::vector<Bytes>& payloads, std::uint64_t now_ns = 0,
            SourceAddress source = SourceAddress::from_ipv4(0x0a000001, 5000)) {
    std::vector<Datagram> datagrams;
    for (const Bytes& p : payloads) datagrams.push_back(Datagram{ByteSpan(p), source});
    stage.process_burst(datagrams, now_ns);
  }
  std::vector<Bytes> drain() {
    std::vector<Bytes> out;
    const std::uint32_t n = ring.peek(ring.depth());
    for (std::uint32_t i = 0; i < n; ++i) {
      const ByteSpan tx = ring.ready(i).transaction();
      out.emplace_back(tx.begin(), tx.end());
    }
    ring.release(n);
    return out;
  }
  std::uint64_t outcome(IngressOutcome o) const { return stage.counters().outcome(o); }
};

std::vector<Bytes> transfers(std::size_t n, std::uint64_t first = 0) {
  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(generator.transfer(first + i));
  return out;
}

TEST(IngressTest, ValidBurstReachesTheRingInOrderWithDescriptors) {
  Fixture f;
  const auto txs = transfers(8);
  const SourceAddress source = SourceAddress::from_ipv4(0xc0a80001, 41000);
  f.feed(txs, 77, source);
  EXPECT_EQ(f.outcome(IngressOutcome::kAccepted), 8u);
  EXPECT_EQ(f.stage.counters().frames, 8u);
  ASSERT_EQ(f.ring.peek(64), 8u);
  for (std::uint32_t i = 0; i < 8; ++i) {
    const IngressTx& slot = f.ring.ready(i);
    EXPECT_EQ(Bytes(slot.transaction().begin(), slot.transaction().end()), txs[i]);
    EXPECT_EQ(slot.source, source);
    EXPECT_EQ(slot.queue, 3);
    EXPECT_EQ(slot.arrival_ns, 77u);
    EXPECT_EQ(txs[i].size(), 252u);
  }
}

TEST(IngressTest, OversizeAndMalformedAreCountedByReason) {
  Fixture f;
  Bytes valid = transfers(1)[0];
  Bytes truncated(valid.begin(), valid.begin() + 100);
  Bytes trailing = valid;
  trailing.push_back(0);
  Bytes bad_version = valid;
  store_u16_le(bad_version.data(), 9);
  Bytes oversize(kMaxDatagramTransactionBytes + 1, 0);
  Bytes empty;
  f.feed({truncated, trailing, bad_version, oversize, empty});
  EXPECT_EQ(f.outcome(IngressOutcome::kTooLong), 1u);
  EXPECT_EQ(f.outcome(IngressOutcome::kMalformedTx), 4u);
  const IngressCounters& c = f.stage.counters();
  EXPECT_EQ(c.malformed(DecodeError::kTrailingBytes), 1u);
  EXPECT_EQ(c.malformed(DecodeError::kUnknownVersion), 1u);
  EXPECT_EQ(c.malformed(DecodeError::kTruncated) + c.malformed(DecodeError::kCountExceedsBuffer),
            2u);
  EXPECT_TRUE(f.drain().empty());
}

TEST(IngressTest, DuplicatesWithinAndAcrossBurstsAreDropped) {
  Fixture f;
  const auto txs = transfers(3);
  f.feed({txs[0], txs[1], txs[0]});
  f.feed({txs[1], txs[2]});
  EXPECT_EQ(f.outcome(IngressOutcome::kAccepted), 3u);
  EXPECT_EQ(f.outcome(IngressOutcome::kDuplicate), 2u);
  EXPECT_EQ(f.drain(), (std::vector<Bytes>{txs[0], txs[1], txs[2]}));
}

TEST(IngressTest, FullRingDropsAtTheEdgeAndForgetsTheDropped) {
  Fixture f(/*depth=*/4);
  const auto txs = transfers(6);
  f.feed(txs);
  EXPECT_EQ(f.outcome(IngressOutcome::kAccepted), 4u);
  EXPECT_EQ(f.outcome(IngressOutcome::kRingFull), 2u);
  EXPECT_EQ(f.drain().size(), 4u);
  // The two dropped ones were not remembered: sent again, they are accepted.
  f.feed({txs[4], txs[5]});
  EXPECT_EQ(f.outcome(IngressOutcome::kAccepted), 6u);
  EXPECT_EQ(f.outcome(IngressOutcome::kDuplicate), 0u);
}

TEST(IngressTest, TokenBucketLimitsEachSourceAndRefills) {
  Fixture f(64, RateLimitConfig{/*rate_per_s=*/10, /*burst=*/3, /*sources=*/16});
  const auto txs = transfers(12);
  const SourceAddress a = SourceAddress::from_ipv4(0x01020304, 1);
  const SourceAddress b = SourceAddress::from_ipv4(0x05060708, 1);
  f.feed({txs[0], txs[1], txs[2], txs[3], txs[4]}, 0, a);
  EXPECT_EQ(f.outcome(IngressOutcome::kAccepted), 3u);
  EXPECT_EQ(f.outcome(IngressOutcome::kRateLimited), 2u);
  f.feed({txs[5], txs[6]}, 0, b);  // another source has its own bucket
  EXPECT_EQ(f.outcome(IngressOutcome::kAccepted), 5u);
  f.feed({txs[3], txs[4], txs[7]}, kSecond / 5, a);  // 200 ms = 2 tokens
  EXPECT_EQ(f.outcome(IngressOutcome::kAccepted), 7u);
  EXPECT_EQ(f.outcome(IngressOutcome::kRateLimited), 3u);
}

TEST(IngressTest, RateLimiterRejectsBadConfig) {
  RateLimiter limiter;
  EXPECT_EQ(limiter.init(RateLimitConfig{10, 0, 16}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(limiter.init(RateLimitConfig{}).is_ok());
  EXPECT_FALSE(limiter.enabled());
  EXPECT_TRUE(limiter.allow(SourceAddress{}, 0));
}

DedupKey key_of(const RecentSet& set, std::uint64_t i) {
  std::uint8_t bytes[8];
  store_u64_le(bytes, i);
  return set.key_of(ByteSpan(bytes, 8));
}

TEST(IngressTest, RecentSetRemembersRecentAndStaysBounded) {
  RecentSet set;
  ASSERT_EQ(set.init(RecentSetConfig{0}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(set.init(RecentSetConfig{1000, /*test_key_seed=*/5}).is_ok());
  EXPECT_EQ(set.capacity(), 1024u);
  EXPECT_EQ(RecentSet::footprint(RecentSetConfig{1000}), 1024u * 8);
  const auto hash_of = [&set](std::uint64_t i) { return key_of(set, i); };
  // An eighth of the slots: with this seed no bucket of eight overflows, so all are remembered.
  for (std::uint64_t i = 0; i < 128; ++i) EXPECT_FALSE(set.test_and_insert(hash_of(i)));
  for (std::uint64_t i = 0; i < 128; ++i) EXPECT_TRUE(set.test_and_insert(hash_of(i)));
  // Far more hashes than slots: the set forgets, but never reports a new hash as seen.
  std::size_t false_duplicates = 0;
  for (std::uint64_t i = 1000; i < 1000 + 20'000; ++i)
    false_duplicates += set.test_and_insert(hash_of(i));
  EXPECT_EQ(false_duplicates, 0u);
}

// Payloads that differ in one 8-byte field (a counter where a transfer has its lock_time) give keys
// in arithmetic progression. Bucketing on the key's middle bits sent them to a handful of buckets
// that overflowed and forgot; the top bits spread them. An eighth full, nothing may be forgotten.
TEST(IngressTest, RecentSetSpreadsKeysOfPayloadsThatDifferInOneField) {
  for (std::uint64_t seed : {5u, 6u, 7u}) {
    RecentSet set;
    ASSERT_TRUE(set.init(RecentSetConfig{1u << 15, seed}).is_ok());
    Bytes payload(252, 0x11);
    const auto key_at = [&](std::uint64_t counter) {
      store_u64_le(payload.data() + 200, counter);
      return set.key_of(ByteSpan(payload));
    };
    constexpr std::uint64_t kKeys = (1u << 15) / 8;
    for (std::uint64_t i = 0; i < kKeys; ++i) ASSERT_FALSE(set.test_and_insert(key_at(i)));
    std::uint64_t remembered = 0;
    for (std::uint64_t i = 0; i < kKeys; ++i) remembered += set.test_and_insert(key_at(i));
    EXPECT_EQ(remembered, kKeys) << "seed " << seed;
  }
}

TEST(IngressTest, RecentSetConcurrentInsertsSeeEachHashOnceAsNew) {
  RecentSet set;
  ASSERT_TRUE(set.init(RecentSetConfig{1u << 16, /*test_key_seed=*/11}).is_ok());
  const auto hash_of = [&set](std::uint64_t i) { return key_of(set, i); };
  constexpr std::uint64_t kHashes = 4000;
  std::atomic<std::uint64_t> new_count{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      std::uint64_t mine = 0;
      for (std::uint64_t i = 0; i < kHashes; ++i) mine += !set.test_and_insert(hash_of(i));
      new_count += mine;
    });
  }
  for (auto& thread : threads) thread.join();
  // A simultaneous first insert of one hash may count it new twice (documented); never fewer.
  EXPECT_GE(new_count.load(), kHashes);
  EXPECT_LE(new_count.load(), kHashes + kHashes / 10);
}

TEST(IngressTest, HousekeepingFlushesEveryCounterIntoTheRegistry) {
  MetricsRegistry metrics;
  Fixture f(/*depth=*/4, RateLimitConfig{}, &metrics);
  const auto txs = transfers(6);
  Bytes malformed = txs[0];
  malformed.push_back(0);
  f.feed({txs[0], txs[1], txs[0], malformed});  // accepted 2, duplicate 1, malformed 1
  f.stage.count_frame(IngressOutcome::kWrongPort, 60);
  f.stage.count_burst(1000);
  const Counter& accepted = metrics.counter("timecoin_ingress_packets_total", "",
                                            {{"queue", "3"}, {"outcome", "accepted"}});
  EXPECT_EQ(accepted.value(), 0u);  // nothing leaves the stage before housekeeping
  f.stage.housekeeping(1'000);
  EXPECT_EQ(accepted.value(), 2u);
  f.feed({txs[2], txs[3], txs[4], txs[5]});  // ring depth 4: 2 accepted, 2 ring_full
  f.stage.fini();
  const std::string text = metrics.render_prometheus();
  for (const char* line : {
           R"(timecoin_ingress_packets_total{queue="3",outcome="accepted"} 4)",
           R"(timecoin_ingress_packets_total{queue="3",outcome="duplicate"} 1)",
           R"(timecoin_ingress_packets_total{queue="3",outcome="malformed_tx"} 1)",
           R"(timecoin_ingress_packets_total{queue="3",outcome="wrong_port"} 1)",
           R"(timecoin_ingress_packets_total{queue="3",outcome="ring_full"} 2)",
           R"(timecoin_ingress_packets_total{queue="3",outcome="rate_limited"} 0)",
           R"(timecoin_ingress_malformed_total{queue="3",error="trailing_bytes"} 1)",
           R"(timecoin_ingress_bytes_total{queue="3"} 1060)",
           R"(timecoin_ingress_bursts_total{queue="3"} 1)",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }
  // Every outcome has a series, so a dashboard sees a zero rather than nothing.
  for (std::size_t o = 0; o < kIngressOutcomeCount; ++o) {
    const std::string series = std::string("outcome=\"") +
                               std::string(ingress_outcome_name(static_cast<IngressOutcome>(o))) +
                               "\"}";
    EXPECT_NE(text.find(series), std::string::npos) << series;
  }
}

TEST(IngressTest, RecentSetWithARandomKeyDedups) {
  RecentSet set;
  ASSERT_TRUE(set.init(RecentSetConfig{1u << 16}).is_ok());  // getrandom, as a node has
  const Bytes payload(252, 0x5a);
  const DedupKey key = set.key_of(ByteSpan(payload));
  EXPECT_FALSE(set.test_and_insert(key));
  EXPECT_TRUE(set.test_and_insert(key));
  EXPECT_TRUE(set.test_and_insert(set.key_of(ByteSpan(payload))));
}

TEST(IngressTest, RingRejectsBadDepth) {
  IngressRing ring;
  EXPECT_EQ(ring.init(3).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ring.init(1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ring.init(8).is_ok());
  EXPECT_EQ(ring.reserve(20), 8u);
}

}  // namespace
}  // namespace tc::dataplane

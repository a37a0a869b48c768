// Goal: the registry renders exactly the Prometheus text exposition format, registration is
// idempotent, and CounterSet publishes each stage-local count exactly once.
// Method: register metrics, update them, and compare render_prometheus() with the whole expected
// text. Scenarios:
//   - counters, gauges and histograms with and without labels, families in name order, series in
//     registration order, cumulative buckets ending at +Inf with _sum and _count;
//   - label values and help text escaping;
//   - the same (name, labels) returns the same object;
//   - CounterSet: add/get, flush publishes deltas, a second flush adds nothing new;
//   - concurrent updates from 4 threads sum exactly.
#include "core/metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace tc {
namespace {

TEST(MetricsTest, RendersExpositionFormat) {
  MetricsRegistry registry;
  Counter& accepted = registry.counter("tc_ingress_packets_total", "Packets by outcome.",
                                       {{"outcome", "accepted"}});
  Counter& dropped = registry.counter("tc_ingress_packets_total", "Packets by outcome.",
                                      {{"outcome", "ring_full"}});
  Gauge& height = registry.gauge("tc_chain_height", "Height of the last committed block.");
  Histogram& batch = registry.histogram("tc_verify_batch_size", "Signatures per verify batch.",
                                        {8, 64, 512}, {{"backend", "cpu"}});
  accepted.add(41);
  accepted.add();
  dropped.add(3);
  height.set(812);
  height.add(-2);
  batch.observe(1);
  batch.observe(8);
  batch.observe(100);
  batch.observe(4096);

  EXPECT_EQ(registry.render_prometheus(),
            "# HELP tc_chain_height Height of the last committed block.\n"
            "# TYPE tc_chain_height gauge\n"
            "tc_chain_height 810\n"
            "# HELP tc_ingress_packets_total Packets by outcome.\n"
            "# TYPE tc_ingress_packets_total counter\n"
            "tc_ingress_packets_total{outcome=\"accepted\"} 42\n"
            "tc_ingress_packets_total{outcome=\"ring_full\"} 3\n"
            "# HELP tc_verify_batch_size Signatures per verify batch.\n"
            "# TYPE tc_verify_batch_size histogram\n"
            "tc_verify_batch_size_bucket{backend=\"cpu\",le=\"8\"} 2\n"
            "tc_verify_batch_size_bucket{backend=\"cpu\",le=\"64\"} 2\n"
            "tc_verify_batch_size_bucket{backend=\"cpu\",le=\"512\"} 3\n"
            "tc_verify_batch_size_bucket{backend=\"cpu\",le=\"+Inf\"} 4\n"
            "tc_verify_batch_size_sum{backend=\"cpu\"} 4205\n"
            "tc_verify_batch_size_count{backend=\"cpu\"} 4\n");
  EXPECT_EQ(batch.bucket_count(0), 2u);
  EXPECT_EQ(batch.bucket_count(3), 1u);
}

TEST(MetricsTest, UnlabelledHistogramAndEscaping) {
  MetricsRegistry registry;
  registry.histogram("tc_commit_us", "Commit time.\nIn microseconds \\ wall clock.", {100})
      .observe(50);
  registry.counter("tc_peer_bans_total", "Bans.", {{"peer", "a\"b\\c\nd"}, {"why", "spam"}}).add();
  EXPECT_EQ(registry.render_prometheus(),
            "# HELP tc_commit_us Commit time.\\nIn microseconds \\\\ wall clock.\n"
            "# TYPE tc_commit_us histogram\n"
            "tc_commit_us_bucket{le=\"100\"} 1\n"
            "tc_commit_us_bucket{le=\"+Inf\"} 1\n"
            "tc_commit_us_sum 50\n"
            "tc_commit_us_count 1\n"
            "# HELP tc_peer_bans_total Bans.\n"
            "# TYPE tc_peer_bans_total counter\n"
            "tc_peer_bans_total{peer=\"a\\\"b\\\\c\\nd\",why=\"spam\"} 1\n");
}

TEST(MetricsTest, RegistrationIsIdempotent) {
  MetricsRegistry registry;
  Counter& a = registry.counter("tc_x_total", "X.", {{"k", "1"}});
  Counter& b = registry.counter("tc_x_total", "X.", {{"k", "1"}});
  Counter& c = registry.counter("tc_x_total", "X.", {{"k", "2"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  EXPECT_EQ(&registry.gauge("tc_g", "G."), &registry.gauge("tc_g", "G."));
}

enum class TestOutcome : std::uint8_t { kAccepted, kMalformed, kDuplicate, kCount };

std::string_view test_outcome_name(TestOutcome outcome) {
  switch (outcome) {
    case TestOutcome::kAccepted:
      return "accepted";
    case TestOutcome::kMalformed:
      return "malformed";
    case TestOutcome::kDuplicate:
      return "duplicate";
    case TestOutcome::kCount:
      break;
  }
  return "?";
}

TEST(MetricsTest, CounterSetFlushesDeltas) {
  MetricsRegistry registry;
  CounterSet<TestOutcome> counters;
  counters.bind(registry, "tc_stage_items_total", "Items by outcome.", &test_outcome_name,
                {{"stage", "ingress"}});
  counters.add(TestOutcome::kAccepted, 5);
  counters.add(TestOutcome::kMalformed);
  EXPECT_EQ(counters.get(TestOutcome::kAccepted), 5u);

  const std::string before =
      "# HELP tc_stage_items_total Items by outcome.\n"
      "# TYPE tc_stage_items_total counter\n"
      "tc_stage_items_total{stage=\"ingress\",outcome=\"accepted\"} 0\n"
      "tc_stage_items_total{stage=\"ingress\",outcome=\"malformed\"} 0\n"
      "tc_stage_items_total{stage=\"ingress\",outcome=\"duplicate\"} 0\n";
  EXPECT_EQ(registry.render_prometheus(), before);

  counters.flush();
  counters.flush();  // nothing new: adds nothing
  counters.add(TestOutcome::kAccepted, 2);
  counters.add(TestOutcome::kDuplicate, 4);
  counters.flush();
  EXPECT_EQ(registry.render_prometheus(),
            "# HELP tc_stage_items_total Items by outcome.\n"
            "# TYPE tc_stage_items_total counter\n"
            "tc_stage_items_total{stage=\"ingress\",outcome=\"accepted\"} 7\n"
            "tc_stage_items_total{stage=\"ingress\",outcome=\"malformed\"} 1\n"
            "tc_stage_items_total{stage=\"ingress\",outcome=\"duplicate\"} 4\n");
  EXPECT_EQ(counters.get(TestOutcome::kAccepted), 7u);
}

TEST(MetricsTest, ConcurrentUpdatesSumExactly) {
  MetricsRegistry registry;
  Counter& counter = registry.counter("tc_c_total", "C.");
  Histogram& histogram = registry.histogram("tc_h", "H.", {10});
  constexpr int kThreads = 4;
  constexpr int kAdds = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAdds; ++i) {
        counter.add();
        histogram.observe(static_cast<std::uint64_t>(i % 20));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), std::uint64_t{kThreads} * kAdds);
  EXPECT_EQ(histogram.bucket_count(0) + histogram.bucket_count(1), std::uint64_t{kThreads} * kAdds);
  EXPECT_EQ(histogram.bucket_count(0), std::uint64_t{kThreads} * kAdds * 11 / 20);
}

}  // namespace
}  // namespace tc

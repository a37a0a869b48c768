// Goal: run_stage_loop delivers every item between two stages over an SpscRing, runs housekeeping
// on its interval and once more at stop, drains a stage's input before returning, and refuses a
// core that does not exist before stepping. Method: a toy producer stage (sequence numbers in
// bursts) and a toy consumer stage (checks order, counts into a CounterSet flushed in housekeeping)
// each on its own thread, stopped in pipeline order. Timing is asserted only as lower bounds (gaps
// between housekeeping calls), so a loaded machine cannot fail the test. Scenarios:
//   - 200,000 items cross the ring in order with no loss; the registry counter equals the total
//     after stop (the final housekeeping flushed it);
//   - housekeeping runs repeatedly while idle, never twice within one interval;
//   - a stop set before the loop starts still drains everything queued (stage with drained());
//   - pinning to core 1023 is kConfig and the stage is never stepped; pinning to an allowed core
//   works.
#include "core/stage_loop.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "core/cpu_affinity.h"
#include "core/metrics.h"
#include "core/spsc_ring.h"

namespace tc {
namespace {

class ProducerStage {
 public:
  ProducerStage(SpscRing<std::uint64_t>* out, std::uint64_t total) : out_(out), total_(total) {}

  std::uint32_t step(std::uint32_t burst_max) {
    std::array<std::uint64_t, 64> burst;
    std::uint32_t n = burst_max < burst.size() ? burst_max : burst.size();
    if (n > total_ - next_) n = static_cast<std::uint32_t>(total_ - next_);
    for (std::uint32_t i = 0; i < n; ++i) burst[i] = next_ + i;
    std::uint32_t pushed = out_->push_burst(std::span<const std::uint64_t>(burst.data(), n));
    next_ += pushed;
    if (next_ == total_) done.store(true, std::memory_order_release);
    return pushed;
  }
  void housekeeping(std::uint64_t) {}

  std::atomic<bool> done{false};

 private:
  SpscRing<std::uint64_t>* out_;
  std::uint64_t total_;
  std::uint64_t next_ = 0;
};

enum class ConsumerOutcome : std::uint8_t { kInOrder, kOutOfOrder, kCount };
std::string_view consumer_outcome_name(ConsumerOutcome outcome) {
  return outcome == ConsumerOutcome::kInOrder ? "in_order" : "out_of_order";
}

class ConsumerStage {
 public:
  explicit ConsumerStage(SpscRing<std::uint64_t>* in) : in_(in) {}

  std::uint32_t step(std::uint32_t burst_max) {
    std::array<std::uint64_t, 64> burst;
    std::uint32_t got = in_->pop_burst(
        std::span<std::uint64_t>(burst.data(), std::min<std::size_t>(burst_max, 64)));
    for (std::uint32_t i = 0; i < got; ++i) {
      counters.add(burst[i] == expected_ ? ConsumerOutcome::kInOrder
                                         : ConsumerOutcome::kOutOfOrder);
      expected_ = burst[i] + 1;
    }
    return got;
  }
  void housekeeping(std::uint64_t now_ns) {
    counters.flush();
    if (housekeeping_times_ns.size() < housekeeping_times_ns.capacity()) {
      housekeeping_times_ns.push_back(now_ns);
    }
    housekeeping_runs.fetch_add(1, std::memory_order_relaxed);
  }
  bool drained() const { return in_->empty(); }

  CounterSet<ConsumerOutcome> counters;
  std::atomic<std::uint64_t> housekeeping_runs{0};
  std::vector<std::uint64_t> housekeeping_times_ns = reserved(4096);

 private:
  static std::vector<std::uint64_t> reserved(std::size_t n) {
    std::vector<std::uint64_t> v;
    v.reserve(n);
    return v;
  }

  SpscRing<std::uint64_t>* in_;
  std::uint64_t expected_ = 0;
};

StageLoopOptions quiet_options() {
  StageLoopOptions options;
  options.housekeeping_interval_ns = 1'000'000;
  options.idle_spin_steps = 64;
  options.idle_yield_steps = 64;
  options.idle_sleep_us = 100;
  return options;
}

TEST(StageLoopTest, EveryItemArrivesAndHousekeepingRunsOnSchedule) {
  constexpr std::uint64_t kItems = 200'000;
  SpscRing<std::uint64_t> ring;
  ASSERT_TRUE(ring.init(256).is_ok());
  MetricsRegistry registry;
  ProducerStage producer(&ring, kItems);
  ConsumerStage consumer(&ring);
  consumer.counters.bind(registry, "tc_toy_items_total", "Toy items.", &consumer_outcome_name);

  std::atomic<bool> stop_producer{false};
  std::atomic<bool> stop_consumer{false};
  StageLoopStats consumer_stats;
  Status producer_status;
  Status consumer_status;
  StageLoopOptions options = quiet_options();
  std::thread producer_thread(
      [&] { producer_status = run_stage_loop(producer, options, stop_producer); });
  std::thread consumer_thread(
      [&] { consumer_status = run_stage_loop(consumer, options, stop_consumer, &consumer_stats); });

  // Let the pipeline finish its work and then idle through several housekeeping intervals.
  while (!producer.done.load(std::memory_order_acquire)) std::this_thread::yield();
  std::uint64_t runs_at_done = consumer.housekeeping_runs.load();
  while (consumer.housekeeping_runs.load() < runs_at_done + 5) std::this_thread::yield();

  // Ordered shutdown: upstream first.
  stop_producer.store(true, std::memory_order_release);
  producer_thread.join();
  stop_consumer.store(true, std::memory_order_release);
  consumer_thread.join();

  ASSERT_TRUE(producer_status.is_ok()) << producer_status.to_string();
  ASSERT_TRUE(consumer_status.is_ok()) << consumer_status.to_string();
  EXPECT_EQ(consumer.counters.get(ConsumerOutcome::kInOrder), kItems);
  EXPECT_EQ(consumer.counters.get(ConsumerOutcome::kOutOfOrder), 0u);
  EXPECT_EQ(consumer_stats.items, kItems);
  EXPECT_EQ(consumer_stats.housekeeping_runs, consumer.housekeeping_runs.load());
  EXPECT_GE(consumer_stats.housekeeping_runs, 6u);
  EXPECT_EQ(registry.render_prometheus(),
            "# HELP tc_toy_items_total Toy items.\n"
            "# TYPE tc_toy_items_total counter\n"
            "tc_toy_items_total{outcome=\"in_order\"} 200000\n"
            "tc_toy_items_total{outcome=\"out_of_order\"} 0\n");
  EXPECT_TRUE(ring.empty());
}

TEST(StageLoopTest, HousekeepingGapsRespectTheInterval) {
  SpscRing<std::uint64_t> ring;
  ASSERT_TRUE(ring.init(4).is_ok());
  ConsumerStage consumer(&ring);  // idle throughout: only housekeeping happens
  std::atomic<bool> stop{false};
  StageLoopOptions options = quiet_options();
  options.housekeeping_interval_ns = 2'000'000;
  std::thread thread([&] { ASSERT_TRUE(run_stage_loop(consumer, options, stop).is_ok()); });
  while (consumer.housekeeping_runs.load() < 4) std::this_thread::yield();
  stop.store(true);
  thread.join();
  // Four or more scheduled runs, then the final one at stop, which may come sooner than an
  // interval.
  const std::vector<std::uint64_t>& times = consumer.housekeeping_times_ns;
  ASSERT_GE(times.size(), 5u);
  for (std::size_t i = 1; i + 1 < times.size(); ++i) {
    EXPECT_GE(times[i] - times[i - 1], options.housekeeping_interval_ns) << "run " << i;
  }
}

TEST(StageLoopTest, StopBeforeStartStillDrainsTheInput) {
  SpscRing<std::uint64_t> ring;
  ASSERT_TRUE(ring.init(1024).is_ok());
  for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(ring.push(i));
  ConsumerStage consumer(&ring);
  std::atomic<bool> stop{true};
  StageLoopOptions options = quiet_options();
  options.burst_max = 7;
  StageLoopStats stats;
  ASSERT_TRUE(run_stage_loop(consumer, options, stop, &stats).is_ok());
  EXPECT_EQ(consumer.counters.get(ConsumerOutcome::kInOrder), 1000u);
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(stats.items, 1000u);
  EXPECT_EQ(stats.housekeeping_runs, consumer.housekeeping_runs.load());
  EXPECT_GE(stats.housekeeping_runs, 1u);
}

TEST(StageLoopTest, PinningFailureStopsBeforeTheFirstStep) {
  SpscRing<std::uint64_t> ring;
  ASSERT_TRUE(ring.init(4).is_ok());
  ConsumerStage consumer(&ring);
  std::atomic<bool> stop{true};
  StageLoopOptions options = quiet_options();
  std::thread([&] {
    options.core = 1023;
    StageLoopStats stats;
    Status status = run_stage_loop(consumer, options, stop, &stats);
    EXPECT_EQ(status.code(), StatusCode::kConfig);
    EXPECT_EQ(stats.steps, 0u);
    EXPECT_EQ(consumer.housekeeping_runs.load(), 0u);

    options.core = allowed_cores().front();
    EXPECT_TRUE(run_stage_loop(consumer, options, stop, &stats).is_ok());
    EXPECT_EQ(sched_getcpu(), options.core);
  }).join();
}

}  // namespace
}  // namespace tc

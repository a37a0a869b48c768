// Throughput of SpscRing between two threads, against a bounded std::mutex + std::deque queue of
// the same depth moving the same bursts, measured in the same run. The producer is the benchmark
// thread; a consumer thread pops bursts of the same size. Each burst size prints ring/mutex as a
// ratio.
//
//   build/bin/bench_spsc_ring [--benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true]
//
// With repetitions the ratio table uses the medians.
//
// On a machine with fewer than two free cores the two threads time-share, which penalises both
// queues; read the ratio, not the absolute rate.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "bench/ratio_reporter.h"
#include "core/spsc_ring.h"
#include "core/stage_loop.h"

namespace {

constexpr std::uint32_t kDepth = 1024;
constexpr std::size_t kBurstMax = 32;

// The baseline: what a stage would write without a ring: a deque bounded to kDepth under one
// mutex, a whole burst moved per lock acquisition (as fair to it as the ring's burst calls).
class MutexQueue {
 public:
  std::uint32_t push_burst(const std::uint64_t* items, std::uint32_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::uint32_t room = kDepth - static_cast<std::uint32_t>(queue_.size());
    if (n > room) n = room;
    queue_.insert(queue_.end(), items, items + n);
    return n;
  }
  std::uint32_t pop_burst(std::uint64_t* out, std::uint32_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (n > queue_.size()) n = static_cast<std::uint32_t>(queue_.size());
    for (std::uint32_t i = 0; i < n; ++i) out[i] = queue_[i];
    queue_.erase(queue_.begin(), queue_.begin() + n);
    return n;
  }

 private:
  std::mutex mutex_;
  std::deque<std::uint64_t> queue_;
};

class RingQueue {
 public:
  RingQueue() { (void)ring_.init(kDepth); }
  std::uint32_t push_burst(const std::uint64_t* items, std::uint32_t n) {
    return ring_.push_burst(std::span<const std::uint64_t>(items, n));
  }
  std::uint32_t pop_burst(std::uint64_t* out, std::uint32_t n) {
    return ring_.pop_burst(std::span<std::uint64_t>(out, n));
  }

 private:
  tc::SpscRing<std::uint64_t> ring_;
};

// Waiting for the other thread: spin briefly, then give the core away, so that on a machine with
// fewer free cores than threads the other side gets to run. Both queues wait the same way.
void wait_for_other_side(std::uint32_t* failures) {
  if (++*failures < 64) {
    tc::cpu_relax();
  } else {
    std::this_thread::yield();
  }
}

// Moves sequence numbers through Queue in bursts of state.range(0); items/s is the figure.
template <typename Queue>
void transfer(benchmark::State& state) {
  const auto burst = static_cast<std::uint32_t>(state.range(0));
  Queue queue;
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> received{0};
  std::thread consumer([&] {
    std::array<std::uint64_t, kBurstMax> out;
    std::uint64_t count = 0;
    std::uint64_t checksum = 0;
    std::uint32_t failures = 0;
    for (;;) {
      std::uint32_t got = queue.pop_burst(out.data(), burst);
      if (got == 0) {
        if (done.load(std::memory_order_acquire)) {
          got = queue.pop_burst(out.data(), burst);
          if (got == 0) break;
        } else {
          wait_for_other_side(&failures);
          continue;
        }
      }
      failures = 0;
      for (std::uint32_t i = 0; i < got; ++i) checksum += out[i];
      count += got;
    }
    benchmark::DoNotOptimize(checksum);
    received.store(count, std::memory_order_release);
  });

  std::array<std::uint64_t, kBurstMax> items;
  std::uint64_t next = 0;
  std::uint64_t sent = 0;
  for (auto _ : state) {
    for (std::uint32_t i = 0; i < burst; ++i) items[i] = next++;
    std::uint32_t pushed = 0;
    std::uint32_t failures = 0;
    while (pushed < burst) {
      std::uint32_t n = queue.push_burst(items.data() + pushed, burst - pushed);
      if (n == 0) wait_for_other_side(&failures);
      pushed += n;
    }
    sent += burst;
  }
  done.store(true, std::memory_order_release);
  consumer.join();
  if (received.load() != sent) state.SkipWithError("items lost");
  state.SetItemsProcessed(static_cast<std::int64_t>(sent));
}

BENCHMARK_TEMPLATE(transfer, RingQueue)->Name("spsc_ring")->Arg(1)->Arg(8)->Arg(32)->UseRealTime();
BENCHMARK_TEMPLATE(transfer, MutexQueue)
    ->Name("mutex_deque")
    ->Arg(1)
    ->Arg(8)
    ->Arg(32)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFullName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\nspsc_ring vs mutex_deque (items/s ratio, same run, depth %u):\n", kDepth);
  for (int burst : {1, 8, 32}) {
    const std::string suffix = "/" + std::to_string(burst) + "/real_time";
    const double ratio = reporter.ratio("spsc_ring" + suffix, "mutex_deque" + suffix);
    if (ratio < 0) continue;
    std::printf("  burst %2d: ring %.3g items/s, mutex %.3g items/s, ratio %.1fx\n", burst,
                reporter.rate("spsc_ring" + suffix), reporter.rate("mutex_deque" + suffix), ratio);
  }
  return 0;
}

// Metrics: counters, gauges and fixed-bucket histograms, registered by name and rendered in the
// Prometheus text exposition format (version 0.0.4) for the node's /metrics endpoint.
//
// Registration (at init, from any thread) takes a mutex and returns a reference that stays valid
// for the registry's lifetime. Updates are relaxed atomics and take no lock, so any thread may
// update any metric; stage hot paths go one step further and count into a CounterSet (a plain array
// indexed by an outcome enum, owned by the stage thread) that housekeeping flushes into the
// registry. render_prometheus() may run on any thread concurrently with updates; each value it
// prints is one atomic read, so a scrape is not a consistent snapshot across metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tc {

// One label of a series. Names match [a-zA-Z_][a-zA-Z0-9_]*; values are any text (escaped on
// output).
struct MetricLabel {
  std::string name;
  std::string value;
};
using MetricLabels = std::vector<MetricLabel>;

// A monotonically increasing count.
class Counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down: a ring's fill level, peers connected, the current height.
class Gauge {
 public:
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Counts observations into fixed buckets given by inclusive upper bounds (Prometheus "le"), plus an
// overflow bucket (+Inf), and keeps their sum. Values are unsigned integers in the unit the
// metric's name says (microseconds, bytes, signatures per batch).
class Histogram {
 public:
  // REQUIRES: `upper_bounds` strictly increasing (checked by the registry).
  explicit Histogram(std::vector<std::uint64_t> upper_bounds);

  // Adds one observation: the first bucket whose bound is >= value, or the overflow bucket. A
  // linear scan: histograms have a handful of buckets.
  void observe(std::uint64_t value) {
    std::size_t i = 0;
    while (i < upper_bounds_.size() && value > upper_bounds_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  const std::vector<std::uint64_t>& upper_bounds() const { return upper_bounds_; }
  // Observations in bucket i alone (not cumulative); i == upper_bounds().size() is the overflow.
  std::uint64_t bucket_count(std::size_t i) const {
    return counts_[i].load(std::memory_order_relaxed);
  }
  std::uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<std::uint64_t> upper_bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // upper_bounds_.size() + 1
  std::atomic<std::uint64_t> sum_{0};
};

// Owns every metric of a process. Not copyable; typically one per node, created at startup.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Each returns the metric registered under (name, labels), creating it on first use; the same
  // (name, labels) returns the same object. All series of one name form a family sharing its help
  // text and type (and, for histograms, bucket bounds). Registering a name with another type or
  // other bounds, an invalid metric or label name, or the label "le" on a histogram is a
  // programming error: the process stops with a message. Names match [a-zA-Z_:][a-zA-Z0-9_:]*;
  // counters should end in
  // "_total" and carry their unit ("_bytes", "_us") per Prometheus conventions.
  Counter& counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help,
                       const std::vector<std::uint64_t>& upper_bounds,
                       const MetricLabels& labels = {});

  // Every family in name order, each with "# HELP" and "# TYPE" lines and then its series in the
  // order they were registered. Label values and help text are escaped as the format requires
  // (backslash, double quote in label values, newline). A histogram prints cumulative
  // <name>_bucket{le="..."} lines ending with le="+Inf", then <name>_sum and <name>_count.
  std::string render_prometheus() const;

 private:
  enum class Type : std::uint8_t { kCounter, kGauge, kHistogram };
  struct Series {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<std::uint64_t> upper_bounds;
    std::deque<Series> series;
  };

  Series& find_or_add(std::string_view name, std::string_view help, Type type,
                      const MetricLabels& labels, const std::vector<std::uint64_t>& upper_bounds);

  mutable std::mutex mutex_;
  std::map<std::string, Family, std::less<>> families_;  // GUARDED_BY(mutex_)
};

// Per-stage outcome counters: a plain array of u64 indexed by an outcome enum, written only by the
// owning stage thread with no atomics, and flushed into registry counters during housekeeping.
//
//   enum class VerifyOutcome : std::uint8_t { kAccepted, kBadSignature, kRingFull, kCount };
//   std::string_view verify_outcome_name(VerifyOutcome);   // "accepted", "bad_signature", ...
//   CounterSet<VerifyOutcome> counters;
//   counters.bind(registry, "tc_verify_tx_total", "Transactions by verify outcome.",
//                 &verify_outcome_name);          // series tc_verify_tx_total{outcome="accepted"}
//                 ...
//   counters.add(VerifyOutcome::kAccepted);       // hot path: one add to a local array
//   counters.flush();                             // housekeeping: publish what was added since
//
// REQUIRES: Outcome is an enum whose last enumerator is kCount. Not thread-safe: one owner thread
// for add() and flush(); the registry counters it feeds may be read from anywhere.
template <typename Outcome>
class CounterSet {
 public:
  static constexpr std::size_t kSize = static_cast<std::size_t>(Outcome::kCount);

  void add(Outcome outcome, std::uint64_t n = 1) {
    totals_[static_cast<std::size_t>(outcome)] += n;
  }
  // Total added since construction, flushed or not.
  std::uint64_t get(Outcome outcome) const { return totals_[static_cast<std::size_t>(outcome)]; }

  // Registers one counter series per outcome under `name`, labelled outcome="<outcome_name(o)>"
  // after `labels`. Call once, at init, before the first flush().
  void bind(MetricsRegistry& registry, std::string_view name, std::string_view help,
            std::string_view (*outcome_name)(Outcome), const MetricLabels& labels = {}) {
    for (std::size_t i = 0; i < kSize; ++i) {
      MetricLabels series_labels = labels;
      series_labels.push_back({"outcome", std::string(outcome_name(static_cast<Outcome>(i)))});
      bound_[i] = &registry.counter(name, help, series_labels);
    }
  }

  // Adds to each bound counter what was added locally since the last flush. Without bind() it only
  // advances the flushed mark.
  void flush() {
    for (std::size_t i = 0; i < kSize; ++i) {
      std::uint64_t delta = totals_[i] - flushed_[i];
      if (delta != 0 && bound_[i] != nullptr) bound_[i]->add(delta);
      flushed_[i] = totals_[i];
    }
  }

 private:
  std::array<std::uint64_t, kSize> totals_{};
  std::array<std::uint64_t, kSize> flushed_{};
  std::array<Counter*, kSize> bound_{};
};

}  // namespace tc

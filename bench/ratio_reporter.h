// The console reporter of the benchmark programs in bench/: it prints Google Benchmark's usual
// table and records each benchmark's user counters (items_per_second above all), so that main can
// print its figures as ratios against a baseline measured in the same run (docs/benchmarks.md).
// With --benchmark_repetitions it keeps the median aggregate, which one disturbed repetition on a
// shared machine cannot move; otherwise the iteration run. A benchmark that --benchmark_filter
// left out, or that failed, is not recorded: counter(), rate() and ratio() then return a negative
// value, so that a table prints "n/a" or leaves the row out instead of a made-up figure. Google
// Benchmark calls ReportRuns on the thread that runs RunSpecifiedBenchmarks; main reads the figures
// once that has returned.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace tc::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // The name a benchmark's figures are recorded under.
  enum class Key {
    // The name it was registered under, without the suffixes Google Benchmark appends
    // ("/min_time:0.050"): for programs that register each benchmark under a name of its own.
    kFunctionName,
    // The full name without the aggregate's suffix ("spsc_ring/8/real_time"): for BENCHMARK
    // macros whose arguments, time type and threads tell apart the runs of one function.
    kFullName,
  };

  // Colours only on a terminal, so that redirected output stays plain text.
  explicit RatioReporter(Key key)
      : ConsoleReporter(isatty(fileno(stdout)) ? OO_ColorTabular : OO_Tabular), key_(key) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const bool is_median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.run_type != Run::RT_Iteration && !is_median) continue;
      Recorded& recorded =
          recorded_[key_ == Key::kFunctionName ? run.run_name.function_name : run.run_name.str()];
      // The median arrives after the repetitions it summarises; none of them may replace it.
      if (recorded.is_median && !is_median) continue;
      recorded.is_median = is_median;
      recorded.counters.clear();
      for (const auto& [counter, value] : run.counters) recorded.counters[counter] = value.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // The names of the recorded benchmarks, sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> sorted;
    for (const auto& [name, recorded] : recorded_) sorted.push_back(name);
    return sorted;
  }

  // The user counter `counter` of benchmark `name` (vs_single, or items_per_second as set by
  // SetItemsProcessed), or a negative value when the benchmark was filtered out, failed, or does
  // not set that counter.
  double counter(const std::string& name, const std::string& counter) const {
    const auto recorded = recorded_.find(name);
    if (recorded == recorded_.end()) return -1;
    const auto value = recorded->second.counters.find(counter);
    return value == recorded->second.counters.end() ? -1 : value->second;
  }

  // Items per second of `name`, or a negative value when it was filtered out.
  double rate(const std::string& name) const { return counter(name, "items_per_second"); }

  // The ratio of two items-per-second rates (above 1: the numerator is faster), or a negative
  // value when either side was filtered out or the denominator's rate is not positive.
  double ratio(const std::string& numerator, const std::string& denominator) const {
    const double top = rate(numerator);
    const double bottom = rate(denominator);
    if (top < 0 || bottom <= 0) return -1;
    return top / bottom;
  }

 private:
  struct Recorded {
    bool is_median = false;
    std::map<std::string, double> counters;
  };

  Key key_;
  std::map<std::string, Recorded> recorded_;
};

// Prints one right-aligned Markdown table cell of `width` characters; "n/a" for a negative
// (missing) ratio.
inline void print_ratio_cell(int width, double ratio) {
  if (ratio < 0) {
    std::printf(" %*s |", width, "n/a");
  } else {
    std::printf(" %*.2f |", width, ratio);
  }
}

}  // namespace tc::bench

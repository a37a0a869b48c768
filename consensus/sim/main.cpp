// timecoin-sim: runs the deterministic consensus simulator over a range of seeds and exits non-zero
// on the first invariant violation, printing the seed that reproduces it and a trace tail.
//
//   timecoin-sim --seeds N --first-seed S --validators K --byzantine F [--partitions] [--crashes]
//                [--minutes M] [--weights w1,w2,...] [--heights H] [--trace LINES] [--figures]
//
// --minutes M keeps running consecutive seeds until M minutes of wall time have passed (or N seeds,
// if given). --figures runs LAN-latency simulations for 4, 16, 64 and 100 validators and prints
// commit latency p50/p99, messages and signature verifications per height (docs/benchmarks.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/sim/simulator.h"

namespace {

using tc::consensus::sim::SimConfig;
using tc::consensus::sim::SimResult;

bool parse_u64(std::string_view text, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

int usage(const char* message) {
  std::fprintf(stderr,
               "timecoin-sim: %s\nusage: timecoin-sim [--seeds N] [--first-seed S] "
               "[--validators K] [--byzantine F] [--partitions] [--crashes] [--minutes M] "
               "[--weights w1,w2,...] [--heights H] [--trace LINES] [--figures]\n",
               message);
  return 2;
}

std::uint64_t percentile(std::vector<std::uint64_t> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

int run_figures(std::uint64_t seed, std::uint64_t heights) {
  std::printf(
      "LAN simulation (0.2-1 ms one-way latency, no loss, no faults), %llu heights, seed %llu\n",
      static_cast<unsigned long long>(heights), static_cast<unsigned long long>(seed));
  std::printf(
      "| validators | commit latency p50 (ms) | p99 (ms) | messages / height | "
      "signature verifications / height (all nodes) | per node |\n");
  std::printf("|---|---|---|---|---|---|\n");
  for (std::uint32_t n : {4u, 16u, 64u, 100u}) {
    SimConfig config;
    config.seed = seed;
    config.validators = n;
    config.network = tc::consensus::sim::lan_network();
    config.target_height = heights;
    config.trace_lines = 0;
    const SimResult result = run_simulation(config);
    if (!result.ok) {
      std::printf("n=%u: %s\n", n, result.violation.c_str());
      return 1;
    }
    const double h = static_cast<double>(heights);
    std::printf("| %u | %.2f | %.2f | %.0f | %.0f | %.1f |\n", n,
                static_cast<double>(percentile(result.stats.commit_latencies_us, 0.5)) / 1000.0,
                static_cast<double>(percentile(result.stats.commit_latencies_us, 0.99)) / 1000.0,
                static_cast<double>(result.stats.messages_sent) / h,
                static_cast<double>(result.stats.signatures_verified) / h,
                static_cast<double>(result.stats.signatures_verified) / h / n);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  SimConfig base;
  base.trace_lines = 40;
  std::uint64_t seeds = 0;
  std::uint64_t first_seed = 1;
  std::uint64_t minutes = 0;
  bool figures = false;
  bool seeds_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::uint64_t& out) {
      if (i + 1 >= argc || !parse_u64(argv[i + 1], out)) return false;
      ++i;
      return true;
    };
    std::uint64_t v = 0;
    if (arg == "--seeds") {
      if (!value(seeds)) return usage("--seeds needs a number");
      seeds_given = true;
    } else if (arg == "--first-seed") {
      if (!value(first_seed)) return usage("--first-seed needs a number");
    } else if (arg == "--validators") {
      if (!value(v) || v == 0 || v > 4096) return usage("--validators needs 1..4096");
      base.validators = static_cast<std::uint32_t>(v);
    } else if (arg == "--byzantine") {
      if (!value(v) || v > 4096) return usage("--byzantine needs a number");
      base.byzantine = static_cast<std::uint32_t>(v);
    } else if (arg == "--minutes") {
      if (!value(minutes)) return usage("--minutes needs a number");
    } else if (arg == "--heights") {
      if (!value(v) || v == 0) return usage("--heights needs a positive number");
      base.target_height = v;
    } else if (arg == "--trace") {
      if (!value(v)) return usage("--trace needs a number of lines");
      base.trace_lines = v;
    } else if (arg == "--partitions") {
      base.partitions = true;
    } else if (arg == "--crashes") {
      base.crashes = true;
    } else if (arg == "--figures") {
      figures = true;
    } else if (arg == "--weights") {
      if (i + 1 >= argc) return usage("--weights needs a comma-separated list");
      std::string_view list = argv[++i];
      base.weights.clear();
      while (!list.empty()) {
        const std::size_t comma = list.find(',');
        if (!parse_u64(list.substr(0, comma), v) || v == 0) {
          return usage("--weights: each weight must be a positive integer");
        }
        base.weights.push_back(v);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else {
      return usage(("unknown argument " + std::string(arg)).c_str());
    }
  }
  if (figures) return run_figures(first_seed, base.target_height == 8 ? 20 : base.target_height);
  if (!base.weights.empty() && base.weights.size() != base.validators) {
    if (base.validators != 4) return usage("--weights must list one weight per validator");
    base.validators = static_cast<std::uint32_t>(base.weights.size());
  }
  if (!seeds_given) seeds = minutes > 0 ? ~std::uint64_t{0} : 100;

  const auto start = std::chrono::steady_clock::now();
  std::uint64_t ran = 0;
  std::uint64_t max_round = 0;
  for (std::uint64_t seed = first_seed; ran < seeds; ++seed, ++ran) {
    if (minutes > 0 && std::chrono::steady_clock::now() - start >= std::chrono::minutes(minutes)) {
      break;
    }
    SimConfig config = base;
    config.seed = seed;
    const SimResult result = run_simulation(config);
    if (!result.ok) {
      std::printf("FAIL seed %llu (validators %u, byzantine %u%s%s): %s\n",
                  static_cast<unsigned long long>(seed), config.validators, config.byzantine,
                  config.partitions ? ", partitions" : "", config.crashes ? ", crashes" : "",
                  result.violation.c_str());
      std::printf(
          "reproduce: timecoin-sim --seeds 1 --first-seed %llu --validators %u "
          "--byzantine %u%s%s\ntrace tail:\n%s",
          static_cast<unsigned long long>(seed), config.validators, config.byzantine,
          config.partitions ? " --partitions" : "", config.crashes ? " --crashes" : "",
          result.trace.c_str());
      return 1;
    }
    max_round = std::max<std::uint64_t>(max_round, result.stats.max_round);
  }
  std::printf("ok: %llu seeds from %llu, %u validators, %u Byzantine%s%s; highest round %llu\n",
              static_cast<unsigned long long>(ran), static_cast<unsigned long long>(first_seed),
              base.validators, base.byzantine, base.partitions ? ", partitions" : "",
              base.crashes ? ", crashes" : "", static_cast<unsigned long long>(max_round));
  return 0;
}

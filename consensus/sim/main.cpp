// timecoin-sim: runs the deterministic consensus simulator over a range of seeds and exits non-zero
// on the first invariant violation, printing the seed that reproduces it and a trace tail.
//
//   timecoin-sim --seeds N --first-seed S --validators K --byzantine F [--partitions] [--crashes]
//                [--minutes M] [--weights w1,w2,...] [--heights H] [--behaviours b1,b2,...]
//                [--set-changes [--epoch-blocks N]] [--trace LINES] [--figures] [--help]
//
// --behaviours limits the Byzantine validators to the named attacks (default: all of them), so a
// long run can concentrate on one.
// --set-changes makes --validators a pool of identities from which the set of every epoch of
// --epoch-blocks heights (default 3) is drawn: members join, leave and change power, and the
// Byzantine identities keep < 1/3 of every set's power (consensus/sim/set_schedule.h).
// --minutes M keeps running consecutive seeds until M minutes of wall time have passed (or N seeds,
// if given). Usage errors (an unknown option, a number out of its range) exit 2 naming the option;
// a failing seed prints a command line with every non-default option that reproduces it. --figures
// runs LAN-latency simulations for 4, 16, 64 and 100 validators and prints commit latency p50/p99,
// messages and signature verifications per height (docs/benchmarks.md).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/sim/simulator.h"

namespace {

namespace sim = tc::consensus::sim;
using tc::consensus::sim::SimConfig;
using tc::consensus::sim::SimResult;

// Option ranges. Weights beyond the set's total-power bound would be refused by the set anyway;
// the other limits only keep a typo from running for years.
constexpr std::uint64_t kWeightMax = tc::consensus::kMaxTotalVotingPower;
constexpr std::uint64_t kMinutesMax = 1'000'000;
constexpr std::uint64_t kHeightsMax = 1'000'000;
constexpr std::uint64_t kTraceLinesMax = 1'000'000;
constexpr std::uint64_t kEpochBlocksMax = 1'000'000;

// A decimal number in [min, max]; anything else (a sign, a non-digit, a value that does not fit)
// is refused rather than wrapped.
bool parse_u64(std::string_view text, std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  if (text.empty()) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) return false;
    value = value * 10 + digit;
  }
  if (value < min) return false;
  out = value;
  return true;
}

// The names --behaviours takes, one per ByzantineBehaviour bit.
struct BehaviourName {
  const char* name;
  std::uint32_t bit;
};
constexpr BehaviourName kBehaviourNames[] = {
    {"equivocate", sim::kEquivocateProposal},         {"double-vote", sim::kDoubleVote},
    {"unknown-block-votes", sim::kUnknownBlockVotes}, {"withhold", sim::kWithhold},
    {"invalid-signatures", sim::kInvalidSignatures},  {"replay", sim::kReplay},
    {"payload-variants", sim::kPayloadVariants},      {"invalid-blocks", sim::kInvalidBlocks},
};

constexpr const char* kUsage =
    "usage: timecoin-sim [--seeds N] [--first-seed S] [--validators K] [--byzantine F] "
    "[--partitions] [--crashes] [--minutes M] [--weights w1,w2,...] [--heights H] "
    "[--behaviours b1,b2,...] [--set-changes [--epoch-blocks N]] [--trace LINES] [--figures] "
    "[--help]\n"
    "behaviours: equivocate, double-vote, unknown-block-votes, withhold, invalid-signatures, "
    "replay, payload-variants, invalid-blocks\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "timecoin-sim: %s\n%s", message.c_str(), kUsage);
  return 2;
}

// The options that reproduce `config` exactly: every one that differs from its default.
std::string reproduce_command(const SimConfig& config) {
  const SimConfig defaults;
  std::string command = "timecoin-sim --seeds 1 --first-seed " + std::to_string(config.seed) +
                        " --validators " + std::to_string(config.validators) + " --byzantine " +
                        std::to_string(config.byzantine);
  if (!config.weights.empty()) {
    command += " --weights ";
    for (std::size_t i = 0; i < config.weights.size(); ++i) {
      command += (i == 0 ? "" : ",") + std::to_string(config.weights[i]);
    }
  }
  if (config.partitions) command += " --partitions";
  if (config.crashes) command += " --crashes";
  if (config.set_changes) {
    command += " --set-changes --epoch-blocks " + std::to_string(config.epoch_blocks);
  }
  if (config.target_height != defaults.target_height) {
    command += " --heights " + std::to_string(config.target_height);
  }
  if (config.byzantine_behaviours != defaults.byzantine_behaviours) {
    std::string names;
    for (const BehaviourName& b : kBehaviourNames) {
      if (config.byzantine_behaviours & b.bit)
        names += (names.empty() ? "" : ",") + std::string(b.name);
    }
    command += " --behaviours " + names;
  }
  return command;
}

// ", sets change every N heights" when they do, else empty.
std::string set_changes_text(const SimConfig& config) {
  if (!config.set_changes) return "";
  if (config.epoch_blocks == 1) return ", sets change every height";
  return ", sets change every " + std::to_string(config.epoch_blocks) + " heights";
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
  bool validators_given = false;
  bool epoch_blocks_given = false;
  constexpr std::uint64_t kMax = ~std::uint64_t{0};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    // Reads the option's number into `out` when it lies in [min, max]; else names the option.
    std::string error;
    auto number = [&](std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
      if (i + 1 < argc && parse_u64(argv[i + 1], min, max, out)) {
        ++i;
        return true;
      }
      error = arg + " needs a number in " + std::to_string(min) + ".." + std::to_string(max) +
              (i + 1 < argc ? ", got '" + std::string(argv[i + 1]) + "'" : ", got nothing");
      return false;
    };
    std::uint64_t v = 0;
    if (arg == "--help" || arg == "-h") {
      std::printf("%s", kUsage);
      return 0;
    } else if (arg == "--seeds") {
      if (!number(1, kMax, seeds)) return usage_error(error);
      seeds_given = true;
    } else if (arg == "--first-seed") {
      if (!number(0, kMax, first_seed)) return usage_error(error);
    } else if (arg == "--validators") {
      if (!number(1, tc::consensus::kMaxValidators, v)) return usage_error(error);
      base.validators = static_cast<std::uint32_t>(v);
      validators_given = true;
    } else if (arg == "--byzantine") {
      if (!number(0, tc::consensus::kMaxValidators, v)) return usage_error(error);
      base.byzantine = static_cast<std::uint32_t>(v);
    } else if (arg == "--minutes") {
      if (!number(1, kMinutesMax, minutes)) return usage_error(error);
    } else if (arg == "--heights") {
      if (!number(1, kHeightsMax, v)) return usage_error(error);
      base.target_height = v;
    } else if (arg == "--trace") {
      if (!number(0, kTraceLinesMax, v)) return usage_error(error);
      base.trace_lines = v;
    } else if (arg == "--behaviours") {
      if (i + 1 >= argc) return usage_error("--behaviours needs a comma-separated list");
      std::string_view list = argv[++i];
      base.byzantine_behaviours = 0;
      do {
        const std::size_t comma = list.find(',');
        const std::string_view name = list.substr(0, comma);
        const auto it = std::find_if(std::begin(kBehaviourNames), std::end(kBehaviourNames),
                                     [&](const BehaviourName& b) { return name == b.name; });
        if (it == std::end(kBehaviourNames)) {
          return usage_error("--behaviours: unknown behaviour '" + std::string(name) + "'");
        }
        base.byzantine_behaviours |= it->bit;
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      } while (!list.empty());
    } else if (arg == "--partitions") {
      base.partitions = true;
    } else if (arg == "--crashes") {
      base.crashes = true;
    } else if (arg == "--set-changes") {
      base.set_changes = true;
    } else if (arg == "--epoch-blocks") {
      if (!number(1, kEpochBlocksMax, base.epoch_blocks)) return usage_error(error);
      epoch_blocks_given = true;
    } else if (arg == "--figures") {
      figures = true;
    } else if (arg == "--weights") {
      if (i + 1 >= argc) return usage_error("--weights needs a comma-separated list");
      std::string_view list = argv[++i];
      base.weights.clear();
      do {
        const std::size_t comma = list.find(',');
        if (!parse_u64(list.substr(0, comma), 1, kWeightMax, v)) {
          return usage_error("--weights: each weight must be a number in 1.." +
                             std::to_string(kWeightMax) + ", got '" + std::string(argv[i]) + "'");
        }
        base.weights.push_back(v);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      } while (!list.empty());
      if (base.weights.size() > tc::consensus::kMaxValidators) {
        return usage_error("--weights lists more than " +
                           std::to_string(tc::consensus::kMaxValidators) + " validators");
      }
    } else {
      return usage_error("unknown argument " + arg);
    }
  }
  if (figures) return run_figures(first_seed, base.target_height == 8 ? 20 : base.target_height);
  if (!base.weights.empty()) {
    if (validators_given && base.weights.size() != base.validators) {
      return usage_error("--weights lists " + std::to_string(base.weights.size()) +
                         " weights for --validators " + std::to_string(base.validators));
    }
    base.validators = static_cast<std::uint32_t>(base.weights.size());
  }
  if (epoch_blocks_given && !base.set_changes) {
    return usage_error("--epoch-blocks needs --set-changes");
  }
  if (base.set_changes && !base.weights.empty()) {
    return usage_error("--set-changes draws every set's powers; it takes no --weights");
  }
  if (base.set_changes && base.validators < 2) {
    return usage_error("--set-changes needs --validators 2 or more (a pool larger than a set)");
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
      std::printf("FAIL seed %llu (validators %u, byzantine %u%s%s%s): %s\n",
                  static_cast<unsigned long long>(seed), config.validators, config.byzantine,
                  config.partitions ? ", partitions" : "", config.crashes ? ", crashes" : "",
                  set_changes_text(config).c_str(), result.violation.c_str());
      std::printf("reproduce: %s\ntrace tail:\n%s", reproduce_command(config).c_str(),
                  result.trace.c_str());
      return 1;
    }
    max_round = std::max<std::uint64_t>(max_round, result.stats.max_round);
  }
  std::printf("ok: %llu seeds from %llu, %u validators, %u Byzantine%s%s%s; highest round %llu\n",
              static_cast<unsigned long long>(ran), static_cast<unsigned long long>(first_seed),
              base.validators, base.byzantine, base.partitions ? ", partitions" : "",
              base.crashes ? ", crashes" : "", set_changes_text(base).c_str(),
              static_cast<unsigned long long>(max_round));
  return 0;
}

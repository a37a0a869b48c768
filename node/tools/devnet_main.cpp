// timecoin-devnet: the appliance's main job in CPU-fallback mode. Starts a local network of K
// masternode validators in one process (node/devnet/devnet.h: RocksDB per validator, real Ed25519,
// BFT consensus over an in-process bus, UDP ingress on validator 0), runs the load generator
// against the ingress port at a target rate, and stops once every validator has committed N blocks.
// Prints one line per block and a summary, and exits non-zero when the validators disagree on the
// tip or the UTXO set, or when no user transaction was finalized. With --data-dir naming a
// directory that holds a devnet, it resumes that devnet up to height --blocks (docs/devnet.md).
//   timecoin-devnet --validators 4 --blocks 20 --tx-rate 500
//   timecoin-devnet --blocks 50 --tx-rate 2000 --block-interval-ms 200 --bad-sig 20 --duplicate 20
//   timecoin-devnet --data-dir d --blocks 20 && timecoin-devnet --data-dir d --blocks 40
// Without --data-dir the stores go to a temporary directory that is removed however the run ends,
// SIGTERM and SIGINT included (run_in_temporary_directory below). Exit status: 0 on agreement with
// transactions finalized, 1 on a failed run, 2 on an argument error (naming the option), 128 + N
// when stopped by signal N; --help exits 0. Options follow node/cli/command_line.h.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/hashing.h"
#include "core/stage_loop.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "ledger/rules.h"
#include "node/cli/command_line.h"
#include "node/devnet/devnet.h"

namespace {

using tc::dataplane::GeneratedKind;

// The load generator's funding: 1 TIME per output, and a fee that meets the ledger's 0.1 % rule
// exactly (1e8 * 1/1000 = 100,000 sat), so every valid transfer is admissible.
constexpr std::uint64_t kFundingValueSat = 100'000'000;
constexpr std::uint64_t kFeeSat = 100'000;
constexpr std::uint32_t kAllocationsMax = 65'535;
// Bounds of the numeric options: far beyond a useful devnet, and low enough that the funding and
// pacing arithmetic below stays under 2^64.
constexpr std::uint64_t kBlocksMax = 1'000'000;
constexpr std::uint64_t kTxRateMax = 1'000'000;
constexpr std::uint32_t kBlockIntervalMsMax = 3'600'000;
constexpr std::uint64_t kBusDelayMsMax = 60'000;
constexpr std::uint64_t kTimeoutSMax = 10'000'000;
constexpr std::uint32_t kPerMille = 1000;

int fail(const tc::Status& status) {
  std::fprintf(stderr, "timecoin-devnet: %s\n", status.to_string().c_str());
  return 1;
}

struct LoadResult {
  std::uint64_t by_kind[4] = {};
  std::uint64_t sent = 0;
  bool exhausted = false;  // every funded output was used before the stop
  tc::Status error;
};

// Sends the generator's stream to the ingress port at `rate` datagrams per second until `stop` is
// set or the funded outputs run out. Runs on its own thread, like an outside client.
void run_loadgen(const tc::dataplane::TxGeneratorConfig& config, std::uint32_t funded,
                 std::uint16_t port, std::uint64_t rate, const std::atomic<bool>& stop,
                 LoadResult* result) {
  tc::dataplane::TxGenerator generator(config);
  tc::dataplane::UdpSender sender;
  if (tc::Status s = sender.open("127.0.0.1", port); !s.is_ok()) {
    result->error = s;
    return;
  }
  constexpr std::size_t kBatch = 64;
  constexpr std::uint64_t kNsPerSecond = 1'000'000'000;
  std::vector<tc::Bytes> batch;
  const std::uint64_t start_ns = tc::steady_now_ns();
  while (!stop.load(std::memory_order_acquire)) {
    // Datagrams due by now; split so that no product passes 2^64 (rate <= kTxRateMax).
    const std::uint64_t elapsed_ns = tc::steady_now_ns() - start_ns;
    const std::uint64_t due =
        elapsed_ns / kNsPerSecond * rate + elapsed_ns % kNsPerSecond * rate / kNsPerSecond;
    if (due <= result->sent) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      continue;
    }
    batch.clear();
    const std::uint64_t n = std::min<std::uint64_t>(kBatch, due - result->sent);
    for (std::uint64_t i = 0; i < n; ++i) {
      // Every kind but a duplicate spends the next funded output.
      if (generator.sequence() >= funded) {
        result->exhausted = true;
        break;
      }
      batch.emplace_back();
      ++result->by_kind[static_cast<int>(generator.next(&batch.back()))];
    }
    for (std::size_t done = 0; done < batch.size();) {
      auto accepted =
          sender.send(std::span<const tc::Bytes>(batch.data() + done, batch.size() - done));
      if (!accepted.is_ok()) {
        result->error = accepted.status();
        return;
      }
      done += *accepted;
    }
    result->sent += batch.size();
    if (result->exhausted) return;
  }
}

// The first funding output that no transfer of an earlier run spent: one past the highest spent
// one (the generator spends them in order; a transfer that never finalized leaves a gap).
tc::Result<std::uint64_t> first_unspent_funding(tc::node::Devnet& devnet, std::uint32_t funded) {
  std::vector<tc::OutPoint> outpoints(funded);
  for (std::uint32_t n = 0; n < funded; ++n) outpoints[n] = tc::OutPoint{devnet.genesis_txid(), n};
  std::vector<tc::storage::UtxoLookup> found(funded);
  TC_RETURN_IF_ERROR(devnet.ledger(0).backend().lookup(outpoints, found));
  for (std::uint32_t n = funded; n > 0; --n) {
    if (!found[n - 1].found) return std::uint64_t{n};
  }
  return std::uint64_t{0};
}

std::string short_hex(const tc::Hash256& hash) {
  return tc::to_hex(hash.span()).substr(0, 16);
}

// The parsed command line.
struct RunOptions {
  tc::node::DevnetConfig config;
  std::uint64_t blocks = 20;
  std::uint64_t rate = 500;
  std::uint32_t interval_ms = 0;
  std::uint64_t drain = 0;
  std::uint64_t timeout_s = 0;
  tc::dataplane::TxGeneratorConfig load;
  bool temporary_data_dir = false;  // config.data_dir is removed when the run ends
};

// Creates or resumes the devnet, runs it under load to options.blocks and prints the summary.
// Returns the exit status.
int run_devnet(RunOptions options) {
  tc::node::DevnetConfig& config = options.config;
  tc::dataplane::TxGeneratorConfig& load = options.load;
  const std::uint64_t blocks = options.blocks;
  const std::uint64_t rate = options.rate;
  const std::uint32_t interval_ms = options.interval_ms;
  const std::uint64_t drain = options.drain;
  const std::uint64_t timeout_s = options.timeout_s;

  // Fund every transfer the load can send before the stop (with a margin), within one coinbase. A
  // resumed devnet keeps its genesis: as many outputs as it was funded with, from this --seed (the
  // devnet refuses the config if the seed differs).
  auto stored = tc::node::Devnet::stored_allocations(config.data_dir);
  if (!stored.is_ok()) return fail(stored.status());
  const bool resume = !stored->empty();
  const std::uint64_t wanted = rate * (blocks + 2) * interval_ms / 1000 + 1024;
  const auto funded =
      resume ? static_cast<std::uint32_t>(stored->size())
             : static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, kAllocationsMax));
  config.allocations = tc::dataplane::TxGenerator(load).funding_outputs(funded);

  auto created = tc::node::Devnet::create(config);
  if (!created.is_ok() && resume && created.status().code() == tc::StatusCode::kConfig) {
    return fail(created.status().with_context(
        "resuming " + config.data_dir +
        " (a resumed devnet needs the --validators, --followers and --seed it was started with)"));
  }
  if (!created.is_ok()) return fail(created.status());
  tc::node::Devnet& devnet = **created;
  load.funding_txid = devnet.genesis_txid();
  const std::uint64_t resumed_at = devnet.ledger(0).tip()->height;
  if (resumed_at >= blocks) {
    std::fprintf(stderr,
                 "timecoin-devnet: --blocks %llu: the devnet in %s is already at height %llu\n",
                 static_cast<unsigned long long>(blocks), devnet.data_dir().c_str(),
                 static_cast<unsigned long long>(resumed_at));
    return tc::cli::kExitUsage;
  }
  auto first_sequence = first_unspent_funding(devnet, funded);
  if (!first_sequence.is_ok()) return fail(first_sequence.status());
  load.first_sequence = *first_sequence;
  const std::string resumed_note =
      resume ? ", resumed at height " + std::to_string(resumed_at) : std::string();
  std::printf(
      "devnet: %u validators, %u followers, epochs of %llu blocks, block interval %u ms, bus "
      "delay %llu ms, ingress udp 127.0.0.1:%u, %u funded outputs (load from output %llu), data "
      "%s%s%s\n",
      config.validators, config.followers, static_cast<unsigned long long>(config.epoch_blocks),
      interval_ms, static_cast<unsigned long long>(config.bus_delay_ms), devnet.ingress_port(),
      funded, static_cast<unsigned long long>(load.first_sequence), devnet.data_dir().c_str(),
      options.temporary_data_dir ? " (temporary)" : "", resumed_note.c_str());

  std::atomic<bool> stop_load{rate == 0};
  LoadResult load_result;
  std::thread loadgen(run_loadgen, load, funded, devnet.ingress_port(), rate, std::cref(stop_load),
                      &load_result);
  const std::uint64_t start_ms = tc::steady_now_ns() / 1'000'000;
  std::printf("%8s %6s %9s %6s %11s\n", "height", "txs", "proposer", "round", "latency_ms");
  const tc::Status run =
      devnet.run_until_height(blocks, timeout_s * 1000, [&](const tc::node::BlockRecord& block) {
        std::printf("%8llu %6u %9u %6u %11llu\n", static_cast<unsigned long long>(block.height),
                    block.txs, block.proposer, block.round,
                    static_cast<unsigned long long>(block.latency_ms));
        std::fflush(stdout);
        if (block.height + drain >= blocks) stop_load.store(true);
      });
  const std::uint64_t elapsed_ms = tc::steady_now_ns() / 1'000'000 - start_ms;
  stop_load.store(true);
  loadgen.join();
  devnet.stop_ingress();
  if (!run.is_ok()) return fail(run);
  if (!load_result.error.is_ok()) return fail(load_result.error.with_context("loadgen"));

  const tc::node::DevnetCounters c = devnet.counters();
  std::printf("\nsummary\n");
  std::printf(
      "  loadgen sent        %llu (valid %llu, malformed %llu, duplicate %llu, bad "
      "signature %llu)%s\n",
      static_cast<unsigned long long>(load_result.sent),
      static_cast<unsigned long long>(load_result.by_kind[0]),
      static_cast<unsigned long long>(load_result.by_kind[1]),
      static_cast<unsigned long long>(load_result.by_kind[2]),
      static_cast<unsigned long long>(load_result.by_kind[3]),
      load_result.exhausted ? " - stopped early: funded outputs used up" : "");
  std::string outcomes;
  for (std::size_t i = 0; i < c.ingress.size(); ++i) {
    if (c.ingress[i] == 0) continue;
    outcomes += (outcomes.empty() ? "" : ", ") +
                std::string(tc::dataplane::ingress_outcome_name(
                    static_cast<tc::dataplane::IngressOutcome>(i))) +
                " " + std::to_string(c.ingress[i]);
  }
  std::printf("  ingress received    %llu (%s)\n",
              static_cast<unsigned long long>(c.ingress_frames),
              outcomes.empty() ? "none" : outcomes.c_str());
  std::printf("  lost before ingress %llu (kernel socket buffer)\n",
              static_cast<unsigned long long>(
                  load_result.sent > c.ingress_frames ? load_result.sent - c.ingress_frames : 0));
  // ", missing_input 3, duplicate 1": the rejections of a counter array indexed by RejectReason.
  const auto rejections = [](const std::array<std::uint64_t, tc::ledger::kRejectReasonCount>& by) {
    std::string out;
    for (std::size_t i = 1; i < by.size(); ++i) {
      if (by[i] == 0) continue;
      out += ", " +
             std::string(tc::ledger::reject_reason_name(static_cast<tc::ledger::RejectReason>(i))) +
             " " + std::to_string(by[i]);
    }
    return out;
  };
  std::printf("  pre-checked         %llu passed%s (a rejection here costs no signature check)\n",
              static_cast<unsigned long long>(c.prechecked[0]), rejections(c.prechecked).c_str());
  std::printf(
      "  verified            %llu valid, %llu bad signature (%llu signatures checked by "
      "all verify stages)\n",
      static_cast<unsigned long long>(c.verified), static_cast<unsigned long long>(c.bad_signature),
      static_cast<unsigned long long>(c.signatures_checked));
  const std::string admissions = rejections(c.admitted);
  std::printf("  mempool admitted    %llu%s; forwarded to peers %llu (%llu not admitted there)\n",
              static_cast<unsigned long long>(c.admitted[0]), admissions.c_str(),
              static_cast<unsigned long long>(c.forwarded),
              static_cast<unsigned long long>(c.forward_rejected));
  const double seconds = static_cast<double>(elapsed_ms) / 1000.0;
  std::printf("  finalized           %llu user transactions in %zu blocks, %.1f tx/s over %.1f s\n",
              static_cast<unsigned long long>(c.finalized), devnet.blocks().size(),
              seconds > 0 ? static_cast<double>(c.finalized) / seconds : 0.0, seconds);
  std::printf(
      "  bus                 %llu messages, %llu bytes, %llu timers; evidence %llu\n",
      static_cast<unsigned long long>(c.bus.messages), static_cast<unsigned long long>(c.bus.bytes),
      static_cast<unsigned long long>(c.bus.timeouts), static_cast<unsigned long long>(c.evidence));

  auto reports = devnet.reports();
  if (!reports.is_ok()) return fail(reports.status());
  bool agree = true;
  for (const tc::node::ValidatorReport& r : *reports) {
    agree = agree && r.tip == reports->front().tip && r.utxo_digest == reports->front().utxo_digest;
  }
  if (agree) {
    const tc::node::ValidatorReport& r = reports->front();
    std::printf(
        "  agreement           yes: all %zu validators at height %llu, tip %s, UTXO set "
        "%s (%llu outputs)\n",
        reports->size(), static_cast<unsigned long long>(r.tip.height),
        short_hex(r.tip.hash).c_str(), short_hex(r.utxo_digest.hash).c_str(),
        static_cast<unsigned long long>(r.utxo_digest.count));
  } else {
    std::printf("  agreement           NO\n");
    for (std::size_t i = 0; i < reports->size(); ++i) {
      const tc::node::ValidatorReport& r = (*reports)[i];
      std::printf("    validator %zu: height %llu, tip %s, UTXO set %s (%llu outputs)\n", i,
                  static_cast<unsigned long long>(r.tip.height), short_hex(r.tip.hash).c_str(),
                  short_hex(r.utxo_digest.hash).c_str(),
                  static_cast<unsigned long long>(r.utxo_digest.count));
    }
  }
  if (!agree) return fail(tc::corruption("validators disagree on the tip or the UTXO set"));
  if (c.finalized == 0) return fail(tc::unavailable("no user transaction was finalized"));
  return 0;
}

// ---- the temporary data directory ---------------------------------------------------------------
//
// Without --data-dir the stores (about 300 MB per run) go to a temporary directory, which must go
// away however the run ends: a normal exit, an error, SIGTERM or SIGINT, even a crash. So the
// devnet runs in a child process and this one only waits for it and then removes the directory,
// once no process has a store in it open. SIGTERM, SIGINT or SIGHUP to this process kill the child
// (SIGKILL: nothing in a temporary devnet needs saving; a Ctrl-C reaches the child directly too);
// the directory is removed and the exit status is 128 + the signal. A second signal exits at once,
// leaving the directory. The child dies with this process (PR_SET_PDEATHSIG).

constexpr int kStopSignals[] = {SIGTERM, SIGINT, SIGHUP};

// Written by the signal handler and read by the waiting parent. The child's pid is 0 once it has
// exited, so that the handler never signals a reused pid.
std::atomic<pid_t> g_child{0};
volatile std::sig_atomic_t g_stop_signal = 0;
static_assert(std::atomic<pid_t>::is_always_lock_free);  // async-signal-safe

extern "C" void on_stop_signal(int signal) {
  if (g_stop_signal != 0) _exit(128 + signal);
  g_stop_signal = signal;
  const pid_t child = g_child.load();
  if (child > 0) ::kill(child, SIGKILL);
}

// Sets how the stop signals are handled: by `handler`, or SIG_DFL when it is null.
void handle_stop_signals(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler != nullptr ? handler : SIG_DFL;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: waitid returns EINTR, and is simply called again
  for (const int signal : kStopSignals) sigaction(signal, &action, nullptr);
}

void block_stop_signals(int how) {
  sigset_t set;
  sigemptyset(&set);
  for (const int signal : kStopSignals) sigaddset(&set, signal);
  sigprocmask(how, &set, nullptr);
}

// Makes a fresh directory under the system temp directory ($TMPDIR or /tmp), runs `run(directory)`
// in a child process, removes the directory when the child has exited and returns the child's exit
// status (128 + N when it or this process was stopped by signal N). Call before any thread starts.
int run_in_temporary_directory(const std::function<int(const std::string&)>& run) {
  std::error_code error;
  std::string directory =
      (std::filesystem::temp_directory_path(error) / "timecoin-devnet-XXXXXX").string();
  // Signals stay pending until the child's pid is known, so none is lost between fork and here.
  block_stop_signals(SIG_BLOCK);
  if (error || ::mkdtemp(directory.data()) == nullptr) {
    std::fprintf(stderr, "timecoin-devnet: cannot create a temporary data directory %s: %s\n",
                 directory.c_str(), error ? error.message().c_str() : std::strerror(errno));
    return 1;
  }
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    std::fprintf(stderr, "timecoin-devnet: fork: %s\n", std::strerror(errno));
    std::filesystem::remove_all(directory, error);
    return 1;
  }
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(1);  // the parent died before the line above
    block_stop_signals(SIG_UNBLOCK);
    std::exit(run(directory));
  }
  g_child.store(child);
  handle_stop_signals(on_stop_signal);
  block_stop_signals(SIG_UNBLOCK);
  // Waits without reaping first, so the handler can signal the pid until the moment it is freed.
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT) != 0) {
    if (errno != EINTR) {
      std::fprintf(stderr, "timecoin-devnet: waitid: %s\n", std::strerror(errno));
      break;
    }
  }
  g_child.store(0);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  std::filesystem::remove_all(directory, error);
  if (error) {
    std::fprintf(stderr, "timecoin-devnet: cannot remove %s: %s\n", directory.c_str(),
                 error.message().c_str());
  }
  if (g_stop_signal != 0) {
    std::fprintf(stderr, "timecoin-devnet: stopped by signal %d (%s); removed %s\n",
                 static_cast<int>(g_stop_signal), strsignal(g_stop_signal), directory.c_str());
    return 128 + g_stop_signal;
  }
  if (WIFSIGNALED(status)) {
    std::fprintf(stderr, "timecoin-devnet: the devnet process died of signal %d (%s); removed %s\n",
                 WTERMSIG(status), strsignal(WTERMSIG(status)), directory.c_str());
    return 128 + WTERMSIG(status);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TimeCoin devnet: K masternodes in one process under UDP transaction load"};
  app.name("timecoin-devnet");
  RunOptions options;
  tc::node::DevnetConfig& config = options.config;
  tc::dataplane::TxGeneratorConfig& load = options.load;
  options.interval_ms = config.consensus.block_interval_ms;
  std::uint64_t drain_blocks = 2;
  load.funding_value_sat = kFundingValueSat;
  load.fee_sat = kFeeSat;
  tc::cli::add_unsigned_option(&app, "--validators", &config.validators,
                               "masternode validators (Gold, genesis)", std::uint32_t{1},
                               tc::node::kDevnetValidatorsMax);
  tc::cli::add_unsigned_option(
      &app, "--followers", &config.followers,
      "nodes not registered at genesis that follow the chain and vote once a registration of "
      "their key is active (keys: the next validator indices)",
      std::uint32_t{0}, tc::node::kDevnetValidatorsMax - 1);
  tc::cli::add_unsigned_option(
      &app, "--epoch-blocks", &config.epoch_blocks,
      "validator-set changes take effect at multiples of this height (default 100)",
      std::uint64_t{1}, tc::node::kDevnetEpochBlocksMax);
  tc::cli::add_unsigned_option(&app, "--blocks", &options.blocks,
                               "stop once every validator has committed this many blocks",
                               std::uint64_t{1}, kBlocksMax);
  tc::cli::add_unsigned_option(&app, "--tx-rate", &options.rate,
                               "load generator datagrams per second (0: no load)", std::uint64_t{0},
                               kTxRateMax);
  app.add_option("--data-dir", config.data_dir,
                 "where validator-<i>/ RocksDB stores go; a directory that holds a devnet is "
                 "resumed (same --validators, --followers and --seed); default: a temporary "
                 "directory removed at exit, also on SIGTERM and SIGINT");
  tc::cli::add_unsigned_option(&app, "--block-interval-ms", &options.interval_ms,
                               "block interval (devnet profile: 1000)", std::uint32_t{1},
                               kBlockIntervalMsMax);
  tc::cli::add_unsigned_option(&app, "--bus-delay-ms", &config.bus_delay_ms,
                               "one-way delay of the in-process bus", std::uint64_t{0},
                               kBusDelayMsMax);
  tc::cli::add_unsigned_option(&app, "--ingress-port", &config.ingress_port,
                               "UDP ingress port (0: a free port)");
  tc::cli::add_unsigned_option(&app, "--malformed", &load.malformed_per_mille,
                               "malformed share, per mille", std::uint32_t{0}, kPerMille);
  tc::cli::add_unsigned_option(&app, "--duplicate", &load.duplicate_per_mille,
                               "duplicate share, per mille", std::uint32_t{0}, kPerMille);
  tc::cli::add_unsigned_option(&app, "--bad-sig", &load.bad_signature_per_mille,
                               "bad-signature share, per mille", std::uint32_t{0}, kPerMille);
  tc::cli::add_unsigned_option(&app, "--seed", &load.seed, "load generator key seed");
  CLI::Option* drain_option = tc::cli::add_unsigned_option(
      &app, "--drain-blocks", &drain_blocks,
      "the load stops when this many blocks remain, so the last ones empty the mempool "
      "(default: 2, fewer below 8 blocks)",
      std::uint64_t{0}, kBlocksMax);
  tc::cli::add_unsigned_option(&app, "--timeout-s", &options.timeout_s,
                               "give up after this long (0: 3 x the expected time + 60)",
                               std::uint64_t{0}, kTimeoutSMax);
  if (auto exit_status = tc::cli::parse_command_line(&app, argc, argv)) return *exit_status;
  if (config.validators + config.followers > tc::node::kDevnetValidatorsMax) {
    return tc::cli::usage_error(
        app, "--validators + --followers exceed " + std::to_string(tc::node::kDevnetValidatorsMax));
  }
  if (load.malformed_per_mille + load.duplicate_per_mille + load.bad_signature_per_mille >
      kPerMille) {
    return tc::cli::usage_error(app, "--malformed + --duplicate + --bad-sig exceed 1000");
  }
  config.consensus.block_interval_ms = options.interval_ms;
  options.drain =
      drain_option->count() > 0 ? drain_blocks : std::min<std::uint64_t>(2, options.blocks / 4);
  if (options.timeout_s == 0) {
    options.timeout_s = 3 * options.blocks * options.interval_ms / 1000 + 60;
  }
  if (!config.data_dir.empty()) return run_devnet(std::move(options));
  return run_in_temporary_directory([&options](const std::string& directory) {
    options.config.data_dir = directory;
    options.temporary_data_dir = true;
    return run_devnet(std::move(options));
  });
}

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
#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/hashing.h"
#include "core/stage_loop.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "ledger/rules.h"
#include "node/devnet/devnet.h"

namespace {

using tc::dataplane::GeneratedKind;

// The load generator's funding: 1 TIME per output, and a fee that meets the ledger's 0.1 % rule
// exactly (1e8 * 1/1000 = 100,000 sat), so every valid transfer is admissible.
constexpr std::uint64_t kFundingValueSat = 100'000'000;
constexpr std::uint64_t kFeeSat = 100'000;
constexpr std::uint32_t kAllocationsMax = 65'535;
// Bad flags and out-of-range numbers, as the other tools report them.
constexpr int kExitUsage = 2;

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
  std::vector<tc::Bytes> batch;
  const std::uint64_t start_ns = tc::steady_now_ns();
  while (!stop.load(std::memory_order_acquire)) {
    const std::uint64_t due = (tc::steady_now_ns() - start_ns) * rate / 1'000'000'000;
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TimeCoin devnet: K masternodes in one process under UDP transaction load"};
  tc::node::DevnetConfig config;
  std::uint64_t blocks = 20;
  std::uint64_t rate = 500;
  std::uint32_t interval_ms = config.consensus.block_interval_ms;
  std::int64_t drain_blocks = -1;
  std::uint64_t timeout_s = 0;
  tc::dataplane::TxGeneratorConfig load;
  load.funding_value_sat = kFundingValueSat;
  load.fee_sat = kFeeSat;
  app.add_option("--validators", config.validators, "masternode validators (Gold, genesis)")
      ->check(CLI::Range(1u, tc::node::kDevnetValidatorsMax));
  app.add_option("--followers", config.followers,
                 "nodes not registered at genesis that follow the chain and vote once a "
                 "registration of their key is active (keys: the next validator indices)")
      ->check(CLI::Range(0u, tc::node::kDevnetValidatorsMax - 1));
  app.add_option("--epoch-blocks", config.epoch_blocks,
                 "validator-set changes take effect at multiples of this height (default 100)")
      ->check(CLI::Range(std::uint64_t{1}, tc::node::kDevnetEpochBlocksMax));
  app.add_option("--blocks", blocks, "stop once every validator has committed this many blocks")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000}));
  app.add_option("--tx-rate", rate, "load generator datagrams per second (0: no load)");
  app.add_option("--data-dir", config.data_dir,
                 "where validator-<i>/ RocksDB stores go; a directory that holds a devnet is "
                 "resumed (same --validators, --followers and --seed); default: a temporary "
                 "directory removed at exit");
  app.add_option("--block-interval-ms", interval_ms, "block interval (devnet profile: 1000)")
      ->check(CLI::Range(1u, 3'600'000u));
  app.add_option("--bus-delay-ms", config.bus_delay_ms, "one-way delay of the in-process bus");
  app.add_option("--ingress-port", config.ingress_port, "UDP ingress port (0: a free port)");
  app.add_option("--malformed", load.malformed_per_mille, "malformed share, per mille");
  app.add_option("--duplicate", load.duplicate_per_mille, "duplicate share, per mille");
  app.add_option("--bad-sig", load.bad_signature_per_mille, "bad-signature share, per mille");
  app.add_option("--seed", load.seed, "load generator key seed");
  app.add_option("--drain-blocks", drain_blocks,
                 "the load stops when this many blocks remain, so the last ones empty the mempool "
                 "(default: 2, fewer below 8 blocks)");
  app.add_option("--timeout-s", timeout_s,
                 "give up after this long (0: 3 x the expected time + 60)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : kExitUsage;
  }
  if (config.validators + config.followers > tc::node::kDevnetValidatorsMax) {
    std::fprintf(stderr, "timecoin-devnet: --validators + --followers exceed %u\n",
                 tc::node::kDevnetValidatorsMax);
    return kExitUsage;
  }
  if (load.malformed_per_mille + load.duplicate_per_mille + load.bad_signature_per_mille > 1000) {
    return fail(tc::invalid_argument("--malformed + --duplicate + --bad-sig exceed 1000"));
  }
  config.consensus.block_interval_ms = interval_ms;
  const std::uint64_t drain = drain_blocks >= 0 ? static_cast<std::uint64_t>(drain_blocks)
                                                : std::min<std::uint64_t>(2, blocks / 4);
  if (timeout_s == 0) timeout_s = 3 * blocks * interval_ms / 1000 + 60;

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
    return kExitUsage;
  }
  auto first_sequence = first_unspent_funding(devnet, funded);
  if (!first_sequence.is_ok()) return fail(first_sequence.status());
  load.first_sequence = *first_sequence;
  const std::string resumed_note =
      resume ? ", resumed at height " + std::to_string(resumed_at) : std::string();
  std::printf(
      "devnet: %u validators, %u followers, epochs of %llu blocks, block interval %u ms, bus "
      "delay %llu ms, ingress udp 127.0.0.1:%u, %u funded outputs (load from output %llu), data "
      "%s%s\n",
      config.validators, config.followers, static_cast<unsigned long long>(config.epoch_blocks),
      interval_ms, static_cast<unsigned long long>(config.bus_delay_ms), devnet.ingress_port(),
      funded, static_cast<unsigned long long>(load.first_sequence),
      config.data_dir.empty() ? "(temporary)" : devnet.data_dir().c_str(), resumed_note.c_str());

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

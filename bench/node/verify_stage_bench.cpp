// Verify stage benchmarks (docs/benchmarks.md, "Verify stage"), all on the same 4,096 signed
// one-input transfers, each spending its own genesis coin:
//   - BM_VerifyStage: the transactions through an IngressRing into node::VerifyStage run by
//     core/stage_loop.h (decode, Ledger::precheck, signatures through gpu::VerifyEngine on its CPU
//     backend with one worker, Ledger::submit, forward ring), timed from the loop's start until it
//     has drained everything. A fresh ledger per iteration (untimed), since admission changes it.
//   - BM_TxBatchVerifierAdmit (the named baseline): the devnet's path before the stage, on the
//     calling thread: decode, precheck, node::TxBatchVerifier (BatchVerifierCpu) over bursts of
//     64, submit.
//   - BM_TxBatchVerifierOnly: TxBatchVerifier over the same bursts of 64 alone (signatures only).
// items_per_second is transactions per wall second; cpu_us_per_tx is the process's CPU time (every
// thread: the stage loop and the engine's worker) per transaction, timed over the same span, and
// for the stage loop_cpu_us_per_tx the loop thread's share and idle_steps_per_tx its empty steps.
// main prints the stage's ratios against each baseline, both ways.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#include "bench/ratio_reporter.h"
#include "core/codec.h"
#include "core/log.h"
#include "core/stage_loop.h"
#include "ledger/ledger.h"
#include "node/app/tx_verifier.h"
#include "node/stages/verify_stage.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::node {
namespace {

using ledger::testing::TestChain;
using ledger::testing::TestChainOptions;

constexpr std::uint32_t kTransactions = 4096;
constexpr std::uint32_t kBurst = 64;
constexpr std::uint64_t kFee = 1'000'000;

double cpu_seconds_of(clockid_t clock) {
  timespec now{};
  clock_gettime(clock, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}
double process_cpu_seconds() {
  return cpu_seconds_of(CLOCK_PROCESS_CPUTIME_ID);
}

void set_cpu_per_tx(benchmark::State& state, double cpu_seconds) {
  state.counters["cpu_us_per_tx"] =
      cpu_seconds * 1e6 / (static_cast<double>(state.iterations()) * kTransactions);
}

TestChainOptions chain_options() {
  TestChainOptions options;
  options.coin_count = kTransactions;
  options.config.mempool.tx_count_max = 2 * kTransactions;
  return options;
}

// The transactions, signed once: every chain built from chain_options() has the same genesis, so
// they are valid on each.
const std::vector<Bytes>& transactions() {
  static const std::vector<Bytes> txs = [] {
    TestChain chain(chain_options());
    std::vector<Bytes> out;
    for (std::uint32_t i = 0; i < kTransactions; ++i) {
      std::vector<OutPoint> inputs{chain.coin(i)};
      out.push_back(ledger::testing::encode_tx(ledger::testing::make_transfer(
          chain.wallet(), inputs,
          {TxOutput{Amount(chain.coin_value().satoshis() - kFee),
                    ledger::testing::hash_of(ledger::testing::test_key(7))}})));
    }
    return out;
  }();
  return txs;
}

void BM_VerifyStage(benchmark::State& state) {
  set_log_level(LogLevel::kWarn);
  const std::vector<Bytes>& txs = transactions();
  double cpu_seconds = 0;
  std::uint64_t idle_steps = 0;
  double loop_cpu_seconds = 0;
  for (auto _ : state) {
    TestChain chain(chain_options());
    dataplane::IngressRing ingress;
    TxRing forward;
    if (!ingress.init(kTransactions).is_ok() || !forward.init(std::size_t{4} << 20).is_ok()) {
      state.SkipWithError("ring init");
      return;
    }
    for (std::uint32_t i = 0; i < kTransactions; ++i) {
      ingress.reserve(1);
      dataplane::IngressTx& slot = ingress.reserved(0);
      slot.length = static_cast<std::uint16_t>(txs[i].size());
      std::memcpy(slot.bytes, txs[i].data(), txs[i].size());
      ingress.publish(1);
    }
    VerifyStageRings rings;
    rings.ingress = {&ingress};
    rings.forward = &forward;
    VerifyStageConfig config;
    config.backend = VerifyBackend::kCpu;
    VerifyStage stage;
    if (!stage.init(config, &chain.ledger(), rings).is_ok()) {
      state.SkipWithError("stage init");
      return;
    }
    // The stop flag is set from the start: the loop runs until every transaction is answered.
    const std::atomic<bool> stop{true};
    // A shared machine's idle backoff (core/stage_loop.h): while the worker verifies, the loop
    // spins and yields briefly, then sleeps 50 us, instead of spinning 2,048 steps first.
    StageLoopOptions options;
    options.idle_spin_steps = 16;
    options.idle_yield_steps = 16;
    const double cpu_begin = process_cpu_seconds();
    const double loop_cpu_begin = cpu_seconds_of(CLOCK_THREAD_CPUTIME_ID);
    const auto begin = std::chrono::steady_clock::now();
    StageLoopStats loop_stats;
    const Status status = run_stage_loop(stage, options, stop, &loop_stats);
    idle_steps += loop_stats.idle_steps;
    const auto end = std::chrono::steady_clock::now();
    cpu_seconds += process_cpu_seconds() - cpu_begin;
    loop_cpu_seconds += cpu_seconds_of(CLOCK_THREAD_CPUTIME_ID) - loop_cpu_begin;
    if (!status.is_ok() || stage.counters().outcome(VerifySource::kIngress,
                                                    VerifyOutcome::kAdmitted) != kTransactions) {
      state.SkipWithError("not every transaction was admitted");
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(end - begin).count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kTransactions);
  set_cpu_per_tx(state, cpu_seconds);
  state.counters["loop_cpu_us_per_tx"] =
      loop_cpu_seconds * 1e6 / (static_cast<double>(state.iterations()) * kTransactions);
  state.counters["idle_steps_per_tx"] =
      static_cast<double>(idle_steps) / (static_cast<double>(state.iterations()) * kTransactions);
}
BENCHMARK(BM_VerifyStage)->UseManualTime()->Unit(benchmark::kMillisecond);

void BM_TxBatchVerifierAdmit(benchmark::State& state) {
  const std::vector<Bytes>& txs = transactions();
  TxBatchVerifier verifier;
  if (!verifier.init(kChainIdDevnet, gpu::BatchVerifierCpuConfig{}).is_ok()) {
    state.SkipWithError("verifier init");
    return;
  }
  std::vector<TransactionView> views;
  std::vector<std::uint8_t> valid(kBurst);
  double cpu_seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    TestChain chain(chain_options());
    state.ResumeTiming();
    const double cpu_begin = process_cpu_seconds();
    std::uint64_t admitted = 0;
    for (std::uint32_t first = 0; first < kTransactions; first += kBurst) {
      views.clear();
      for (std::uint32_t i = first; i < first + kBurst; ++i) {
        TransactionView view;
        if (decode_transaction_view(txs[i], &view) == DecodeError::kOk &&
            chain.ledger().precheck(view) == ledger::RejectReason::kOk) {
          views.push_back(view);
        }
      }
      valid.resize(views.size());
      verifier.verify(views, valid);
      for (std::size_t i = 0; i < views.size(); ++i) {
        if (valid[i] != 0 && chain.ledger().submit(views[i], 0) == ledger::RejectReason::kOk) {
          ++admitted;
        }
      }
    }
    cpu_seconds += process_cpu_seconds() - cpu_begin;
    if (admitted != kTransactions) {
      state.SkipWithError("not every transaction was admitted");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kTransactions);
  set_cpu_per_tx(state, cpu_seconds);
}
BENCHMARK(BM_TxBatchVerifierAdmit)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TxBatchVerifierOnly(benchmark::State& state) {
  const std::vector<Bytes>& txs = transactions();
  TxBatchVerifier verifier;
  if (!verifier.init(kChainIdDevnet, gpu::BatchVerifierCpuConfig{}).is_ok()) {
    state.SkipWithError("verifier init");
    return;
  }
  std::vector<TransactionView> views(kTransactions);
  for (std::uint32_t i = 0; i < kTransactions; ++i) views[i] = *TransactionView::parse(txs[i]);
  std::vector<std::uint8_t> valid(kBurst);
  const double cpu_begin = process_cpu_seconds();
  for (auto _ : state) {
    std::uint64_t verified = 0;
    for (std::uint32_t first = 0; first < kTransactions; first += kBurst) {
      verifier.verify(std::span(views).subspan(first, kBurst), valid);
      for (std::uint8_t v : valid) verified += v;
    }
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kTransactions);
  set_cpu_per_tx(state, process_cpu_seconds() - cpu_begin);
}
BENCHMARK(BM_TxBatchVerifierOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tc::node

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFunctionName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::printf("\nverify stage (same run, same %u transactions):\n", tc::node::kTransactions);
  for (const char* name : {"BM_VerifyStage", "BM_TxBatchVerifierAdmit", "BM_TxBatchVerifierOnly"}) {
    std::printf("  %-26s %10.0f tx/s per wall second, %7.1f us of CPU per tx\n", name,
                reporter.rate(name), reporter.counter(name, "cpu_us_per_tx"));
  }
  // CPU cost ratios are baseline / stage, so that above 1 means the stage is cheaper, like the
  // throughput ratios.
  auto cpu_ratio = [&](const char* baseline) {
    const double stage = reporter.counter("BM_VerifyStage", "cpu_us_per_tx");
    const double base = reporter.counter(baseline, "cpu_us_per_tx");
    return stage <= 0 || base < 0 ? -1.0 : base / stage;
  };
  std::printf("| stage against | wall throughput ratio | CPU cost ratio |\n|---|---:|---:|\n");
  for (const char* baseline : {"BM_TxBatchVerifierAdmit", "BM_TxBatchVerifierOnly"}) {
    std::printf("| %s |", baseline);
    tc::bench::print_ratio_cell(8, reporter.ratio("BM_VerifyStage", baseline));
    tc::bench::print_ratio_cell(8, cpu_ratio(baseline));
    std::printf("\n");
  }
  return 0;
}

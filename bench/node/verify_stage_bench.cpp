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
// items_per_second is transactions per wall second. main prints the stage's ratio against each.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstring>
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
    StageLoopOptions options;
    options.idle_sleep_us = 0;
    const auto begin = std::chrono::steady_clock::now();
    const Status status = run_stage_loop(stage, options, stop);
    const auto end = std::chrono::steady_clock::now();
    if (!status.is_ok() || stage.counters().outcome(VerifySource::kIngress,
                                                    VerifyOutcome::kAdmitted) != kTransactions) {
      state.SkipWithError("not every transaction was admitted");
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(end - begin).count());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kTransactions);
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
  for (auto _ : state) {
    state.PauseTiming();
    TestChain chain(chain_options());
    state.ResumeTiming();
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
    if (admitted != kTransactions) {
      state.SkipWithError("not every transaction was admitted");
      return;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kTransactions);
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
  for (auto _ : state) {
    std::uint64_t verified = 0;
    for (std::uint32_t first = 0; first < kTransactions; first += kBurst) {
      verifier.verify(std::span(views).subspan(first, kBurst), valid);
      for (std::uint8_t v : valid) verified += v;
    }
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kTransactions);
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
  std::printf("\nverify stage, transactions per wall second (same run, same %u transactions):\n",
              tc::node::kTransactions);
  for (const char* name : {"BM_VerifyStage", "BM_TxBatchVerifierAdmit", "BM_TxBatchVerifierOnly"}) {
    std::printf("  %-26s %10.0f tx/s\n", name, reporter.rate(name));
  }
  std::printf("| stage / TxBatchVerifier + precheck + submit | stage / TxBatchVerifier alone |\n");
  std::printf("|---:|---:|\n|");
  tc::bench::print_ratio_cell(10, reporter.ratio("BM_VerifyStage", "BM_TxBatchVerifierAdmit"));
  tc::bench::print_ratio_cell(10, reporter.ratio("BM_VerifyStage", "BM_TxBatchVerifierOnly"));
  std::printf("\n");
  return 0;
}

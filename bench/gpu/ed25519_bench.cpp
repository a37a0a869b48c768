// Ed25519 verification throughput on one core: the ZIP-215 single verifier and the random-linear-
// combination batch verifier (batches of 64 and 1024), against libsodium's
// crypto_sign_verify_detached measured in the same run. 32-byte messages (the protocol's sighash);
// all signatures valid, signed by libsodium. Then the verify engine (gpu/verify_engine.h) with 1
// and 2 CPU workers against libsodium on 1 and 2 threads, per wall second. After the runs it prints
// each figure as a ratio to libsodium (docs/benchmarks.md). Run: build/bin/bench_ed25519
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gpu/verifier.h"
#include "gpu/verify_engine.h"

namespace {

constexpr std::size_t kPoolSize = 1024;

struct Pool {
  std::vector<std::uint8_t> pubkeys, sigs, msgs;
  std::vector<tc::gpu::SignatureRef> refs;
  Pool() : pubkeys(32 * kPoolSize), sigs(64 * kPoolSize), msgs(32 * kPoolSize) {
    if (sodium_init() < 0) std::abort();
    for (std::size_t i = 0; i < kPoolSize; ++i) {
      std::uint8_t secret[64];
      crypto_sign_keypair(&pubkeys[32 * i], secret);
      randombytes_buf(&msgs[32 * i], 32);
      crypto_sign_detached(&sigs[64 * i], nullptr, &msgs[32 * i], 32, secret);
      refs.push_back(
          tc::gpu::SignatureRef{&pubkeys[32 * i], 32, &sigs[64 * i], 64, &msgs[32 * i], 32});
    }
  }
};

const Pool& pool() {
  static const Pool instance;
  return instance;
}

void BM_libsodium_verify(benchmark::State& state) {
  const Pool& p = pool();
  std::size_t i = 0, failures = 0;
  for (auto _ : state) {
    const auto& r = p.refs[i++ % kPoolSize];
    failures += crypto_sign_verify_detached(r.sig, r.msg, 32, r.pubkey) != 0;
  }
  if (failures != 0) state.SkipWithError("libsodium rejected a valid signature");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_libsodium_verify);

void BM_zip215_verify_single(benchmark::State& state) {
  const Pool& p = pool();
  std::size_t i = 0, failures = 0;
  for (auto _ : state) {
    failures += tc::gpu::verify_single(p.refs[i++ % kPoolSize]) != tc::gpu::Verdict::kAccept;
  }
  if (failures != 0) state.SkipWithError("rejected a valid signature");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_zip215_verify_single);

void BM_zip215_verify_batch(benchmark::State& state) {
  const Pool& p = pool();
  const std::size_t batch = static_cast<std::size_t>(state.range(0));
  tc::gpu::BatchVerifierCpu verifier;
  if (verifier.init(tc::gpu::BatchVerifierCpuConfig{batch, 4}) != tc::gpu::Status::kOk) {
    state.SkipWithError("init failed");
    return;
  }
  std::vector<tc::gpu::Verdict> verdicts(batch);
  std::size_t offset = 0, failures = 0;
  for (auto _ : state) {
    const std::span<const tc::gpu::SignatureRef> refs(p.refs.data() + offset, batch);
    (void)verifier.verify(refs, verdicts, nullptr);
    for (auto v : verdicts) failures += v != tc::gpu::Verdict::kAccept;
    offset = (offset + batch) % (kPoolSize - batch + 1);
  }
  if (failures != 0) state.SkipWithError("rejected a valid signature");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(batch));
}
BENCHMARK(BM_zip215_verify_batch)->Arg(64)->Arg(1024);

// Wall-clock rates for the multi-threaded figures: libsodium on T benchmark threads (each
// verifying its own share), against the verify engine with T CPU workers fed by one thread.
void BM_libsodium_verify_threads(benchmark::State& state) {
  const Pool& p = pool();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 97, failures = 0;
  for (auto _ : state) {
    const auto& r = p.refs[i++ % kPoolSize];
    failures += crypto_sign_verify_detached(r.sig, r.msg, 32, r.pubkey) != 0;
  }
  if (failures != 0) state.SkipWithError("libsodium rejected a valid signature");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_libsodium_verify_threads)->Threads(1)->Threads(2)->UseRealTime();

void BM_verify_engine_cpu(benchmark::State& state) {
  const Pool& p = pool();
  tc::gpu::VerifyEngine engine;
  tc::gpu::VerifyEngineConfig config;
  config.batch_size_max = 1024;
  config.batches_in_flight_max = 4;
  config.cpu_threads = static_cast<int>(state.range(0));
  if (engine.init(config, nullptr) != tc::gpu::Status::kOk) {
    state.SkipWithError("init failed");
    return;
  }
  std::vector<tc::gpu::Verdict> verdicts(kPoolSize);
  std::size_t failures = 0;
  for (auto _ : state) {
    // Four batches per iteration so T workers have work at once.
    for (int round = 0; round < 4; ++round) {
      std::size_t submitted = 0, delivered = 0;
      while (delivered < kPoolSize) {
        if (submitted < kPoolSize) {
          submitted += engine.submit_burst(std::span(p.refs).subspan(submitted));
          if (submitted == kPoolSize) engine.flush();
        }
        delivered +=
            engine.poll(std::span(verdicts).subspan(delivered), std::chrono::milliseconds(50));
      }
      for (auto v : verdicts) failures += v != tc::gpu::Verdict::kAccept;
    }
  }
  if (failures != 0) state.SkipWithError("rejected a valid signature");
  state.SetItemsProcessed(state.iterations() * 4 * static_cast<std::int64_t>(kPoolSize));
}
BENCHMARK(BM_verify_engine_cpu)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// Records items/s per benchmark so main can print ratios to libsodium.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates_[run.benchmark_name()] = it->second.value;
    }
  }
  const std::map<std::string, double>& rates() const { return rates_; }

 private:
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto& rates = reporter.rates();
  const auto base = rates.find("BM_libsodium_verify");
  if (base != rates.end() && base->second > 0) {
    std::printf("\nratio to libsodium crypto_sign_verify_detached (same run, one core):\n");
    for (const auto& [name, rate] : rates) {
      if (name.find("real_time") != std::string::npos) continue;
      std::printf("  %-36s %6.2fx  (%.0f verifications/s)\n", name.c_str(), rate / base->second,
                  rate);
    }
  }
  // Wall-clock figures: the engine with T workers against libsodium on T threads.
  for (const int threads : {1, 2}) {
    const auto engine =
        rates.find("BM_verify_engine_cpu/" + std::to_string(threads) + "/real_time");
    const auto sodium =
        rates.find("BM_libsodium_verify_threads/real_time/threads:" + std::to_string(threads));
    if (engine != rates.end() && sodium != rates.end() && sodium->second > 0) {
      std::printf(
          "  verify engine, %d CPU worker(s), batch 1024 / libsodium on %d thread(s): "
          "%.2fx  (%.0f vs %.0f verifications per wall second)\n",
          threads, threads, engine->second / sodium->second, engine->second, sodium->second);
    }
  }
  benchmark::Shutdown();
  return 0;
}

// Ed25519 verification throughput on one core: the ZIP-215 single verifier and the random-linear-
// combination batch verifier (batches of 8 to 1024), against libsodium's
// crypto_sign_verify_detached measured in the same run. 32-byte messages (the protocol's sighash);
// all signatures valid, signed by libsodium. Then batches of 1024 with a share of invalid
// signatures (0, 0.1, 1, 10, 30 and 100 percent; a flipped bit in S or in the message at seeded
// random positions), through BatchVerifierCpu with its failure policy (in steady state, and with
// the failure history off so that every batch is the first of a flood) and with plain bisection,
// against verify_single and libsodium on the same inputs. Then the verify engine
// (gpu/verify_engine.h) with 1 and 2 CPU workers against libsodium on 1 and 2 threads, per wall
// second. After the runs it prints each figure as a ratio to libsodium, and the invalid-share
// table as ratios to verify_single and libsodium (docs/benchmarks.md); with
// --benchmark_repetitions it uses the medians. Run: build/bin/bench_ed25519
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "bench/ratio_reporter.h"
#include "gpu/ed25519/ifma/verify8.h"
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
  tc::gpu::BatchVerifierCpuConfig config;
  config.batch_size_max = batch;
  if (verifier.init(config) != tc::gpu::Status::kOk) {
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
// Sizes 8 to 64 give the per-signature cost of small equations, from which the failure policy's
// break-even sizes are derived (gpu/verifier.h).
BENCHMARK(BM_zip215_verify_batch)->Arg(8)->Arg(16)->Arg(32)->Arg(64)->Arg(1024);

// --- Batches with invalid signatures ------------------------------------------------------------

// Invalid shares in per mille: the pool with round(share * 1024) signatures made invalid.
constexpr int kInvalidPerMille[] = {0, 1, 10, 100, 300, 1000};

// A copy of the pool in which round(share * 1024) signatures, at positions drawn from a fixed
// seed, have one bit flipped: in S for even draws, in the message for odd ones (also seeded). A
// flip of one of S's top bits gives S >= L, rejected before any equation; the rest fail their
// equation. expected holds verify_single's verdicts.
struct MixedPool {
  std::vector<std::uint8_t> pubkeys, sigs, msgs;
  std::vector<tc::gpu::SignatureRef> refs;
  std::vector<tc::gpu::Verdict> expected;

  explicit MixedPool(int per_mille) {
    const Pool& p = pool();
    pubkeys = p.pubkeys;
    sigs = p.sigs;
    msgs = p.msgs;
    const std::size_t invalid = (kPoolSize * static_cast<std::size_t>(per_mille) + 500) / 1000;
    std::mt19937_64 rng(0x5eed0000u + static_cast<std::uint64_t>(per_mille));
    std::vector<std::size_t> order(kPoolSize);
    for (std::size_t i = 0; i < kPoolSize; ++i) order[i] = i;
    for (std::size_t i = 0; i < invalid; ++i) {  // the first `invalid` of a seeded shuffle
      std::swap(order[i], order[i + rng() % (kPoolSize - i)]);
      const std::uint64_t draw = rng();
      const std::size_t bit = (draw >> 1) % 256;
      std::uint8_t* target = (draw & 1) == 0 ? &sigs[64 * order[i] + 32] : &msgs[32 * order[i]];
      target[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    for (std::size_t i = 0; i < kPoolSize; ++i) {
      refs.push_back(
          tc::gpu::SignatureRef{&pubkeys[32 * i], 32, &sigs[64 * i], 64, &msgs[32 * i], 32});
      expected.push_back(tc::gpu::verify_single(refs.back()));
    }
  }
};

const MixedPool& mixed_pool(int per_mille) {
  static const std::map<int, MixedPool> pools = [] {
    std::map<int, MixedPool> made;
    for (const int share : kInvalidPerMille) made.emplace(share, MixedPool(share));
    return made;
  }();
  return pools.at(per_mille);
}

// CPU seconds of the calling thread: robust to the thread being descheduled on a loaded machine.
double thread_cpu_seconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

enum class BatchPolicy : int { kDefault = 0, kNoHistory = 1, kBisectionOnly = 2 };

// Each iteration verifies the mixed pool three ways, one after the other: BatchVerifierCpu,
// verify_single on each signature, and libsodium on each signature. The reported time (and so
// items_per_second) is the batch verifier's; the counters are medians over iterations of the
// ratios within an iteration, so the three see the same load: vs_single (verify_single's time
// over the batch verifier's), vs_libsodium, single_vs_libsodium. kDefault keeps its failure
// history across iterations and is warmed up with one untimed batch (a steady flood);
// kNoHistory starts every batch as the first after a quiet period; kBisectionOnly is bisection
// as it was before the failure policy: halving down to groups of 4, no probes, no history.
void BM_invalid_mix(benchmark::State& state) {
  const MixedPool& p = mixed_pool(static_cast<int>(state.range(0)));
  const auto policy = static_cast<BatchPolicy>(state.range(1));
  tc::gpu::BatchVerifierCpuConfig config;
  config.batch_size_max = kPoolSize;
  if (policy != BatchPolicy::kDefault) config.failure_half_life_signatures = 0;
  if (policy == BatchPolicy::kBisectionOnly) {
    config.single_check_below = 4;
    config.probe_signatures = 0;
  }
  tc::gpu::BatchVerifierCpu verifier;
  if (verifier.init(config) != tc::gpu::Status::kOk) {
    state.SkipWithError("init failed");
    return;
  }
  std::vector<tc::gpu::Verdict> verdicts(kPoolSize);
  if (policy == BatchPolicy::kDefault) (void)verifier.verify(p.refs, verdicts, nullptr);
  tc::gpu::BatchVerifyStats stats;
  std::vector<double> vs_single, vs_sodium, single_vs_sodium;
  std::size_t mismatches = 0;
  for (auto _ : state) {
    const double start = thread_cpu_seconds();
    (void)verifier.verify(p.refs, verdicts, &stats);
    const double batch_done = thread_cpu_seconds();
    for (std::size_t i = 0; i < kPoolSize; ++i) {
      mismatches += tc::gpu::verify_single(p.refs[i]) != p.expected[i];
    }
    const double single_done = thread_cpu_seconds();
    for (std::size_t i = 0; i < kPoolSize; ++i) {
      const auto& r = p.refs[i];
      const bool accepted = crypto_sign_verify_detached(r.sig, r.msg, 32, r.pubkey) == 0;
      mismatches += accepted != (p.expected[i] == tc::gpu::Verdict::kAccept);
    }
    const double sodium_done = thread_cpu_seconds();
    for (std::size_t i = 0; i < kPoolSize; ++i) mismatches += verdicts[i] != p.expected[i];
    const double batch = batch_done - start, single = single_done - batch_done;
    const double sodium = sodium_done - single_done;
    vs_single.push_back(single / batch);
    vs_sodium.push_back(sodium / batch);
    single_vs_sodium.push_back(sodium / single);
    state.SetIterationTime(batch);
  }
  if (mismatches != 0) state.SkipWithError("a verdict differs from verify_single");
  const double batches = static_cast<double>(state.iterations());
  state.counters["equations"] = static_cast<double>(stats.batch_equations) / batches;
  state.counters["singles"] = static_cast<double>(stats.single_checks) / batches;
  state.counters["vs_single"] = median(vs_single);
  state.counters["vs_libsodium"] = median(vs_sodium);
  state.counters["single_vs_libsodium"] = median(single_vs_sodium);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPoolSize));
}
BENCHMARK(BM_invalid_mix)
    ->ArgsProduct({{0, 1, 10, 100, 300, 1000}, {0, 1, 2}})
    ->ArgNames({"per_mille", "policy"})
    ->UseManualTime()
    ->Iterations(9)
    ->Unit(benchmark::kMillisecond);

// --- The eight-way IFMA path -------------------------------------------------------------------

// Each iteration verifies the mixed pool (0 or 1000 per mille invalid) as 128 bursts of eight
// through the eight-way AVX-512 IFMA path (gpu/ed25519/ifma/verify8.h), then libsodium on the same
// 1,024 signatures. The reported time is the IFMA path's; vs_libsodium is the median over
// iterations of libsodium's time over the IFMA path's in the same iteration. Skipped on a CPU
// without IFMA.
void BM_ifma_eight_burst(benchmark::State& state) {
  namespace ifma = tc::gpu::ed25519::ifma;
  if (!ifma::ifma_supported()) {
    state.SkipWithError("this CPU lacks AVX-512 IFMA");
    return;
  }
  const MixedPool& p = mixed_pool(static_cast<int>(state.range(0)));
  std::vector<ifma::SignatureBytes> lanes;
  for (const auto& r : p.refs) lanes.push_back(ifma::SignatureBytes{r.pubkey, r.sig, r.msg, 32});
  std::vector<double> vs_sodium;
  std::size_t mismatches = 0;
  tc::gpu::ed25519::VerifyOutcome outcomes[kPoolSize];
  for (auto _ : state) {
    const double start = thread_cpu_seconds();
    for (std::size_t i = 0; i < kPoolSize; i += ifma::kVerifyLanes) {
      ifma::verify_eight(&lanes[i], ifma::kVerifyLanes, &outcomes[i]);
    }
    const double ifma_done = thread_cpu_seconds();
    for (std::size_t i = 0; i < kPoolSize; ++i) {
      const auto& r = p.refs[i];
      const bool accepted = crypto_sign_verify_detached(r.sig, r.msg, 32, r.pubkey) == 0;
      mismatches += accepted != (p.expected[i] == tc::gpu::Verdict::kAccept);
    }
    const double sodium_done = thread_cpu_seconds();
    for (std::size_t i = 0; i < kPoolSize; ++i) {
      const bool accepted = outcomes[i] == tc::gpu::ed25519::VerifyOutcome::kValid;
      mismatches += accepted != (p.expected[i] == tc::gpu::Verdict::kAccept);
    }
    vs_sodium.push_back((sodium_done - ifma_done) / (ifma_done - start));
    state.SetIterationTime(ifma_done - start);
  }
  if (mismatches != 0) state.SkipWithError("a verdict differs from verify_single");
  state.counters["vs_libsodium"] = median(vs_sodium);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPoolSize));
}
BENCHMARK(BM_ifma_eight_burst)
    ->Arg(0)
    ->Arg(1000)
    ->ArgName("per_mille")
    ->UseManualTime()
    ->Iterations(9)
    ->Unit(benchmark::kMillisecond);

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

// Prints one speed-up of the invalid-mix table, `width` digits and an "x", or "n/a" when the
// --benchmark_filter left out its policy.
void print_invalid_mix_cell(int width, double speedup) {
  if (speedup < 0) {
    std::printf("  %*s", width + 1, "n/a");
  } else {
    std::printf("  %*.2fx", width, speedup);
  }
}

void print_invalid_mix_table(const tc::bench::RatioReporter& reporter) {
  const std::string suffix = "/iterations:9/manual_time";
  if (reporter.counter("BM_invalid_mix/per_mille:0/policy:0" + suffix, "vs_single") <= 0) return;
  std::printf(
      "\nbatches of 1024 with invalid signatures, speed relative to verify_single and to "
      "libsodium on the same inputs in the same iteration (their time / the batch verifier's; "
      "medians):\n"
      "  invalid  policy/single  policy/libsodium  first-batch/single  bisection-only/single  "
      "single/libsodium  policy verifications/s\n");
  for (const int share : kInvalidPerMille) {
    const std::string name = "BM_invalid_mix/per_mille:" + std::to_string(share) + "/policy:";
    const std::string policy = name + "0" + suffix;
    if (reporter.counter(policy, "vs_single") <= 0) continue;
    std::printf("  %5.1f%%  %12.2fx  %15.2fx", share / 10.0, reporter.counter(policy, "vs_single"),
                reporter.counter(policy, "vs_libsodium"));
    print_invalid_mix_cell(17, reporter.counter(name + "1" + suffix, "vs_single"));
    print_invalid_mix_cell(20, reporter.counter(name + "2" + suffix, "vs_single"));
    std::printf("  %15.2fx  %22.0f\n", reporter.counter(policy, "single_vs_libsodium"),
                reporter.counter(policy, "items_per_second"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFullName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double base = reporter.rate("BM_libsodium_verify");
  if (base > 0) {
    std::printf("\nratio to libsodium crypto_sign_verify_detached (same run, one core):\n");
    for (const std::string& name : reporter.names()) {
      if (name.find("real_time") != std::string::npos) continue;
      if (name.find("BM_invalid_mix") != std::string::npos) continue;
      const double rate = reporter.rate(name);
      if (rate < 0) continue;
      std::printf("  %-36s %6.2fx  (%.0f verifications/s)\n", name.c_str(), rate / base, rate);
    }
  }
  print_invalid_mix_table(reporter);
  for (const int per_mille : {0, 1000}) {
    const std::string name =
        "BM_ifma_eight_burst/per_mille:" + std::to_string(per_mille) + "/iterations:9/manual_time";
    const double ratio = reporter.counter(name, "vs_libsodium");
    if (ratio <= 0) continue;
    std::printf(
        "  eight-way IFMA bursts of 8, %d per mille invalid / libsodium on the same signatures "
        "(same iteration): %.2fx  (%.0f verifications/s)\n",
        per_mille, ratio, reporter.rate(name));
  }
  // Wall-clock figures: the engine with T workers against libsodium on T threads.
  for (const int threads : {1, 2}) {
    const std::string engine = "BM_verify_engine_cpu/" + std::to_string(threads) + "/real_time";
    const std::string sodium =
        "BM_libsodium_verify_threads/real_time/threads:" + std::to_string(threads);
    const double ratio = reporter.ratio(engine, sodium);
    if (ratio < 0) continue;
    std::printf(
        "  verify engine, %d CPU worker(s), batch 1024 / libsodium on %d thread(s): "
        "%.2fx  (%.0f vs %.0f verifications per wall second)\n",
        threads, threads, ratio, reporter.rate(engine), reporter.rate(sodium));
  }
  benchmark::Shutdown();
  return 0;
}

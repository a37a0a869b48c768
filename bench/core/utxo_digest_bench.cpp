// UTXO set digest (core/utxo_digest.h): the cost of adding one element, against a named baseline
// measured in the same run:
//   - sha256_element: tc::sha256 of the 73-byte element encoding, the cheapest thing any
//     per-output commitment must do. add() hashes 89 bytes (tag | element) and then expands the
//     key into 2048 ChaCha20 bytes, so the ratio says what the lattice hash adds on top.
// and, to split add() into its parts:
//   - element_key: utxo_element_key (encoding plus SHA-256 of tag | element);
//   - expansion/<backend>: chacha20_sliced_blocks, the 32 ChaCha20 blocks add() runs, on each
//     backend this CPU has (add() uses the one chacha20_sliced_backend() names);
//   - sodium_expansion: libsodium's crypto_stream_chacha20_ietf of 2048 bytes (its own SIMD
//     dispatch), to judge our ChaCha20;
//   - remove: as add, subtracting;
//   - digest: UtxoSetDigest::digest() (once per block, not per element).
//
// Each per-element benchmark handles one burst of kBurstElements distinct elements per iteration
// and reports elements/s (items_per_second, on CPU time). After the runs, main prints ns per
// element, elements/s and each benchmark's time over sha256_element's (2 means add costs two
// SHA-256s of the element).
// Absolute rates on a shared machine are context only. --benchmark_repetitions=N makes the
// ratios use medians.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "bench/ratio_reporter.h"
#include "core/chacha20.h"
#include "core/sha2.h"
#include "core/utxo_digest.h"

namespace {

constexpr std::size_t kBurstElements = 64;

struct Element {
  tc::OutPoint outpoint;
  tc::TxOutput output;
  std::uint64_t height = 0;
  bool coinbase = false;
  std::uint8_t encoding[tc::kUtxoElementBytes];
  tc::Hash256 key;
};

// kBurstElements distinct elements with their encodings and keys precomputed.
std::vector<Element> make_burst() {
  std::vector<Element> burst(kBurstElements);
  for (std::size_t i = 0; i < burst.size(); ++i) {
    Element& e = burst[i];
    for (std::size_t b = 0; b < 32; ++b)
      e.outpoint.txid.bytes[b] = static_cast<std::uint8_t>(i * 7 + b);
    e.outpoint.vout = static_cast<std::uint32_t>(i % 3);
    e.output.value = tc::Amount(1000 + i);
    for (std::size_t b = 0; b < 20; ++b) {
      e.output.pubkey_hash.bytes[b] = static_cast<std::uint8_t>(i * 13 + b);
    }
    e.height = 800'000 + i;
    e.coinbase = i == 0;
    tc::encode_utxo_element(e.outpoint, e.output, e.height, e.coinbase, e.encoding);
    e.key = tc::utxo_element_key(e.outpoint, e.output, e.height, e.coinbase);
  }
  return burst;
}

void finish_burst(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurstElements));
}

void bm_add(benchmark::State& state) {
  const auto burst = make_burst();
  tc::UtxoSetDigest set;
  for (auto _ : state) {
    for (const Element& e : burst) set.add(e.outpoint, e.output, e.height, e.coinbase);
    benchmark::DoNotOptimize(&set);
    benchmark::ClobberMemory();
  }
  finish_burst(state);
}

void bm_remove(benchmark::State& state) {
  const auto burst = make_burst();
  tc::UtxoSetDigest set;
  for (auto _ : state) {
    for (const Element& e : burst) set.remove(e.outpoint, e.output, e.height, e.coinbase);
    benchmark::DoNotOptimize(&set);
    benchmark::ClobberMemory();
  }
  finish_burst(state);
}

void bm_sha256_element(benchmark::State& state) {
  const auto burst = make_burst();
  tc::Hash256 digest;
  for (auto _ : state) {
    for (const Element& e : burst) {
      digest = tc::sha256(tc::ByteSpan(e.encoding, tc::kUtxoElementBytes));
      benchmark::DoNotOptimize(digest);
    }
  }
  finish_burst(state);
}

void bm_element_key(benchmark::State& state) {
  const auto burst = make_burst();
  tc::Hash256 key;
  for (auto _ : state) {
    for (const Element& e : burst) {
      key = tc::utxo_element_key(e.outpoint, e.output, e.height, e.coinbase);
      benchmark::DoNotOptimize(key);
    }
  }
  finish_burst(state);
}

void bm_expansion(benchmark::State& state, tc::ChaCha20Backend backend) {
  const auto burst = make_burst();
  tc::ChaCha20SlicedBlocks sliced;
  for (auto _ : state) {
    for (const Element& e : burst) {
      tc::chacha20_sliced_blocks(backend, tc::ChaCha20Key{e.key.bytes}, 0, tc::ChaCha20Nonce{},
                                 sliced);
      benchmark::DoNotOptimize(&sliced);
      benchmark::ClobberMemory();
    }
  }
  finish_burst(state);
}

void bm_sodium_expansion(benchmark::State& state) {
  if (sodium_init() < 0) {
    state.SkipWithError("sodium_init failed");
    return;
  }
  const auto burst = make_burst();
  std::vector<std::uint8_t> stream(tc::UtxoSetDigest::kStateBytes);
  const std::uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {};
  for (auto _ : state) {
    for (const Element& e : burst) {
      crypto_stream_chacha20_ietf(stream.data(), stream.size(), nonce, e.key.data());
      benchmark::DoNotOptimize(stream.data());
      benchmark::ClobberMemory();
    }
  }
  finish_burst(state);
}

void bm_digest(benchmark::State& state) {
  const auto burst = make_burst();
  tc::UtxoSetDigest set;
  for (const Element& e : burst) set.add(e.outpoint, e.output, e.height, e.coinbase);
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.digest());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::pair<std::string, std::function<void(benchmark::State&)>>> benchmarks = {
      {"utxo_digest/add", bm_add},
      {"utxo_digest/remove", bm_remove},
      {"baseline/sha256_element", bm_sha256_element},
      {"part/element_key", bm_element_key},
  };
  for (tc::ChaCha20Backend backend :
       {tc::ChaCha20Backend::kPortable, tc::ChaCha20Backend::kAvx2, tc::ChaCha20Backend::kAvx512}) {
    if (!tc::chacha20_backend_available(backend)) continue;
    benchmarks.emplace_back("part/expansion/" + std::string(tc::chacha20_backend_name(backend)),
                            [backend](benchmark::State& state) { bm_expansion(state, backend); });
  }
  benchmarks.emplace_back("part/sodium_expansion", bm_sodium_expansion);
  benchmarks.emplace_back("utxo_digest/digest", bm_digest);
  for (const auto& [name, function] : benchmarks) {
    benchmark::RegisterBenchmark(name.c_str(), function)->MinTime(0.2);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFunctionName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf(
      "\nburst of %zu distinct elements; add() uses chacha20 backend %s; ns per element (digest: "
      "per call); last column: time over the baseline's time\n",
      kBurstElements,
      std::string(tc::chacha20_backend_name(tc::chacha20_sliced_backend())).c_str());
  std::printf("| benchmark               | ns/element | elements/s | x sha256_element |\n");
  std::printf("|-------------------------|-----------:|-----------:|-----------------:|\n");
  for (const auto& [name, function] : benchmarks) {
    const double rate = reporter.rate(name);
    if (rate <= 0) continue;
    std::printf("| %-23s | %10.1f | %10.3g |", name.c_str(), 1e9 / rate, rate);
    // Time over the baseline's time is the baseline's rate over this one's.
    tc::bench::print_ratio_cell(16, reporter.ratio("baseline/sha256_element", name));
    std::printf("\n");
  }
  return 0;
}

// SHA-2 throughput over bursts of equal-length messages: the multi-buffer API (the backend that
// sha2_multi_buffer_backend() picks) against baselines measured in the same run:
//   - portable_single: tc::sha256 / tc::sha512 called once per message;
//   - openssl_evp: OpenSSL 3's supported API, digest fetched once and one EVP_MD_CTX reused
//     (Init/Update/Final per message); its per-call overhead, which the one-shot SHA256() also
//     pays, dominates short messages;
//   - openssl_low_level: the deprecated SHA256_Init/Update/Final, which reach OpenSSL's assembly
//     (SHA-NI where present) with no provider overhead: the strongest single-message baseline.
//
// Each benchmark hashes one burst of kBurstMessages messages per iteration and reports bytes/s and
// messages/s. After the runs, main prints per message size the ratios of the multi-buffer API to
// each baseline and of portable_single to openssl_low_level (messages/s over messages/s; above 1
// means the first is faster). Absolute rates on a shared machine are context only;
// docs/benchmarks.md quotes ratios. The default run takes a few seconds; --benchmark_filter and
// --benchmark_min_time work as usual (the console reporter is always used: it collects the ratios).
#include <benchmark/benchmark.h>
// The low-level SHA-2 calls are deprecated in OpenSSL 3 but are its fastest path for short
// messages.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench/ratio_reporter.h"
#include "core/sha2.h"

namespace {

constexpr std::size_t kBurstMessages = 64;
constexpr std::size_t kMessageBytes[] = {32, 64, 128, 250, 1024};

enum class Method { kPortableSingle, kMultiBuffer, kOpensslEvp, kOpensslLowLevel };
constexpr Method kMethods[] = {Method::kPortableSingle, Method::kMultiBuffer, Method::kOpensslEvp,
                               Method::kOpensslLowLevel};
constexpr const char* kMethodNames[] = {"portable_single", "multi_buffer", "openssl_evp",
                                        "openssl_low_level"};

// kBurstMessages distinct messages of `message_bytes` each, laid out back to back.
struct Burst {
  explicit Burst(std::size_t message_bytes) : storage(kBurstMessages * message_bytes) {
    for (std::size_t i = 0; i < storage.size(); ++i) {
      storage[i] = static_cast<std::uint8_t>(i * 131 + (i >> 8));
    }
    for (std::size_t i = 0; i < kBurstMessages; ++i) {
      messages.emplace_back(storage.data() + i * message_bytes, message_bytes);
    }
  }
  std::vector<std::uint8_t> storage;
  std::vector<tc::ByteSpan> messages;
};

// OpenSSL's digest and one reusable context, created outside the timed loop.
class OpensslHasher {
 public:
  explicit OpensslHasher(const char* digest_name)
      : digest_(EVP_MD_fetch(nullptr, digest_name, nullptr)), context_(EVP_MD_CTX_new()) {}
  ~OpensslHasher() {
    EVP_MD_CTX_free(context_);
    EVP_MD_free(digest_);
  }
  OpensslHasher(const OpensslHasher&) = delete;
  OpensslHasher& operator=(const OpensslHasher&) = delete;

  bool is_ready() const { return digest_ != nullptr && context_ != nullptr; }
  // Writes the digest of `message` to `output`; false when OpenSSL reports a failure.
  bool hash(tc::ByteSpan message, std::uint8_t* output) {
    return EVP_DigestInit_ex2(context_, digest_, nullptr) == 1 &&
           EVP_DigestUpdate(context_, message.data(), message.size()) == 1 &&
           EVP_DigestFinal_ex(context_, output, nullptr) == 1;
  }

 private:
  EVP_MD* digest_;
  EVP_MD_CTX* context_;
};

template <typename Digest>
void run_burst(benchmark::State& state, Method method, std::size_t message_bytes) {
  const Burst burst(message_bytes);
  std::vector<Digest> digests(kBurstMessages);
  constexpr bool kIs256 = Digest::kSize == 32;
  OpensslHasher openssl(kIs256 ? "SHA256" : "SHA512");
  if (!openssl.is_ready()) {
    state.SkipWithError("OpenSSL digest fetch failed");
    return;
  }
  bool openssl_ok = true;
  for (auto _ : state) {
    switch (method) {
      case Method::kPortableSingle:
        for (std::size_t i = 0; i < kBurstMessages; ++i) {
          if constexpr (kIs256) {
            digests[i] = tc::sha256(burst.messages[i]);
          } else {
            digests[i] = tc::sha512(burst.messages[i]);
          }
        }
        break;
      case Method::kMultiBuffer:
        if constexpr (kIs256) {
          tc::sha256_many(burst.messages, digests);
        } else {
          tc::sha512_many(burst.messages, digests);
        }
        break;
      case Method::kOpensslEvp:
        for (std::size_t i = 0; i < kBurstMessages; ++i) {
          openssl_ok &= openssl.hash(burst.messages[i], digests[i].data());
        }
        break;
      case Method::kOpensslLowLevel:
        for (std::size_t i = 0; i < kBurstMessages; ++i) {
          if constexpr (kIs256) {
            SHA256_CTX context;
            SHA256_Init(&context);
            SHA256_Update(&context, burst.messages[i].data(), message_bytes);
            SHA256_Final(digests[i].data(), &context);
          } else {
            SHA512_CTX context;
            SHA512_Init(&context);
            SHA512_Update(&context, burst.messages[i].data(), message_bytes);
            SHA512_Final(digests[i].data(), &context);
          }
        }
        break;
    }
    benchmark::DoNotOptimize(digests.data());
    benchmark::ClobberMemory();
  }
  if (!openssl_ok) {
    state.SkipWithError("OpenSSL digest failed");
    return;
  }
  const auto messages = static_cast<std::int64_t>(state.iterations() * kBurstMessages);
  state.SetItemsProcessed(messages);
  state.SetBytesProcessed(messages * static_cast<std::int64_t>(message_bytes));
}

std::string benchmark_name(const char* algorithm, Method method, std::size_t message_bytes) {
  return std::string(algorithm) + "/" + kMethodNames[static_cast<int>(method)] + "/" +
         std::to_string(message_bytes);
}

}  // namespace

int main(int argc, char** argv) {
  for (const char* algorithm : {"sha256", "sha512"}) {
    for (std::size_t message_bytes : kMessageBytes) {
      for (Method method : kMethods) {
        const std::string name = benchmark_name(algorithm, method, message_bytes);
        const bool is_256 = std::string(algorithm) == "sha256";
        benchmark::RegisterBenchmark(name.c_str(), [is_256, method,
                                                    message_bytes](benchmark::State& state) {
          if (is_256) {
            run_burst<tc::Hash256>(state, method, message_bytes);
          } else {
            run_burst<tc::Hash512>(state, method, message_bytes);
          }
        })->MinTime(0.05);
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tc::bench::RatioReporter reporter(tc::bench::RatioReporter::Key::kFunctionName);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();

  std::printf("\nmulti-buffer backend: %s; burst of %zu messages; ratios of messages/s\n",
              std::string(tc::sha2_backend_name(tc::sha2_multi_buffer_backend())).c_str(),
              kBurstMessages);
  std::printf(
      "| algorithm | bytes | mb / openssl evp | mb / openssl low-level | mb / portable single |"
      " portable single / openssl low-level |\n");
  std::printf(
      "|-----------|------:|-----------------:|-----------------------:|---------------------:|"
      "------------------------------------:|\n");
  for (const char* algorithm : {"sha256", "sha512"}) {
    for (std::size_t message_bytes : kMessageBytes) {
      const auto name = [&](Method method) {
        return benchmark_name(algorithm, method, message_bytes);
      };
      std::printf("| %-9s | %5zu |", algorithm, message_bytes);
      tc::bench::print_ratio_cell(
          16, reporter.ratio(name(Method::kMultiBuffer), name(Method::kOpensslEvp)));
      tc::bench::print_ratio_cell(
          22, reporter.ratio(name(Method::kMultiBuffer), name(Method::kOpensslLowLevel)));
      tc::bench::print_ratio_cell(
          20, reporter.ratio(name(Method::kMultiBuffer), name(Method::kPortableSingle)));
      tc::bench::print_ratio_cell(
          35, reporter.ratio(name(Method::kPortableSingle), name(Method::kOpensslLowLevel)));
      std::printf("\n");
    }
  }
  return 0;
}

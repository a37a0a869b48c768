// timecoin-gpu-check: the acceptance run of the Ed25519 verifier on one machine, GPU or not. It
// needs only gpu/ (built alone with `cmake -S gpu`), so a bare CUDA machine without the rest of
// the project's dependencies can run it; docs/benchmarks.md ("Running the GPU acceptance") has
// the commands, and tests/gpu/gpu_check_test.sh runs it host-only in CI.
//
//   timecoin-gpu-check [--backend auto|cpu|gpu] [--threads T] MODE...
//     --vectors DIR   every published case of DIR (../shared/testdata/ed25519) through every
//                     backend, against its ZIP-215 verdict; the test-data signer must reproduce
//                     the RFC 8032 and SUPERCOP signatures from their secret keys
//     --random [N]    N generated cases (gpu/testing/ed25519_case_generator.h) from --seed S:
//                     the host single verifier against each case's verdict by construction, and
//                     the CPU batch verifier and the GPU pipeline against the host, case by case;
//                     N defaults to 1000000 with a GPU and 20000 without
//     --throughput    verifications per second through CudaVerifyPipeline (copies included) and
//                     of BatchVerifierCpu on T host threads, for --batch-sizes (default
//                     1k,4k,16k,64k,256k,1M); lines "backend=gpu batch=N
//                     verifications_per_second=R"
//
// Backends: the host single verifier (verify_single) and the CPU batch verifier always run; the
// GPU pipeline runs with --backend gpu (which exits 3 when there is no usable device) and with
// auto when a device is present. auto without a device runs the same checks host-only and says
// so. The CUDA kernel verifies 32-byte messages only; the pipeline verifies other shapes on the
// host, so the vector output says how many cases actually ran on the device.
//
// Exit status: 0 when every check agreed; 1 when any check failed (a summary lists them); 2 on a
// bad option or an unreadable or malformed vector file; 3 when --backend gpu finds no device.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gpu/cuda_pipeline.h"
#include "gpu/cuda_verifier.h"
#include "gpu/testing/ed25519_case_generator.h"
#include "gpu/testing/ed25519_signer.h"
#include "gpu/testing/ed25519_vector_files.h"
#include "gpu/testing/test_files.h"
#include "gpu/verifier.h"

#if defined(TC_HAVE_CUDA)
#include <cuda_runtime_api.h>
#endif

namespace {

using tc::gpu::BatchVerifierCpu;
using tc::gpu::BatchVerifierCpuConfig;
using tc::gpu::CudaPipelineConfig;
using tc::gpu::CudaVerifyPipeline;
using tc::gpu::SignatureRef;
using tc::gpu::Status;
using tc::gpu::Verdict;
using tc::gpu::test::CaseKind;
using tc::gpu::test::GeneratedCase;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitNoDevice = 3;

// Disagreeing cases printed per check; the rest are only counted.
constexpr std::size_t kShownDisagreements = 5;
// The GPU verifies random cases in batches of this many (the pipeline's batch_size_max).
constexpr std::size_t kRandomGpuBatch = std::size_t{1} << 18;
// About 190 bytes of host memory per random case.
constexpr std::uint64_t kRandomCountMax = std::uint64_t{1} << 24;
// A batch of 1M signatures must not trip the pipeline's kernel timeout, whatever the kernel's
// speed turns out to be on first contact with hardware.
constexpr std::uint32_t kKernelTimeoutMs = 120000;
constexpr int kStreamCount = 4;
// BatchVerifierCpu chunk size on the host threads: the verify engine's default batch.
constexpr std::size_t kCpuBatchSize = 1024;

enum class Backend { kAuto, kCpu, kGpu };

struct Options {
  Backend backend = Backend::kAuto;
  std::string vectors_dir;  // empty: no vector run
  bool random = false;
  std::optional<std::size_t> random_count;
  std::uint64_t seed = 1;
  bool throughput = false;
  std::vector<std::size_t> batch_sizes = {1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20};
  int threads = 0;  // 0: hardware_concurrency
};

constexpr const char* kUsage =
    "usage: timecoin-gpu-check [--backend auto|cpu|gpu] [--threads T] [--seed S]\n"
    "                          [--vectors DIR] [--random [N]] [--throughput [--batch-sizes LIST]]\n"
    "  at least one of --vectors, --random, --throughput; LIST is comma-separated sizes with an\n"
    "  optional k (x1024) or M (x1048576) suffix. Exit: 0 all checks agreed, 1 a check failed,\n"
    "  2 bad option or vector file, 3 --backend gpu without a usable device.\n";

// A decimal count, optionally with a k (2^10) or M (2^20) suffix when allow_suffix.
bool parse_count(std::string_view text, bool allow_suffix, std::uint64_t* out) {
  std::uint64_t multiplier = 1;
  if (allow_suffix && !text.empty() && (text.back() == 'k' || text.back() == 'M')) {
    multiplier = text.back() == 'k' ? 1 << 10 : 1 << 20;
    text.remove_suffix(1);
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      value > UINT64_MAX / multiplier) {
    return false;
  }
  *out = value * multiplier;
  return true;
}

// Parses argv into *options; on error prints the reason and the usage and returns false.
bool parse_options(int argc, char** argv, Options* options) {
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "timecoin-gpu-check: %s\n%s", message.c_str(), kUsage);
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    std::uint64_t count = 0;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--backend" && has_value) {
      const std::string_view value = argv[++i];
      if (value == "auto") {
        options->backend = Backend::kAuto;
      } else if (value == "cpu") {
        options->backend = Backend::kCpu;
      } else if (value == "gpu") {
        options->backend = Backend::kGpu;
      } else {
        return fail("--backend must be auto, cpu or gpu, not '" + std::string(value) + "'");
      }
    } else if (arg == "--vectors" && has_value) {
      options->vectors_dir = argv[++i];
    } else if (arg == "--random") {
      options->random = true;
      if (has_value && std::string_view(argv[i + 1]).rfind("--", 0) != 0) {
        if (!parse_count(argv[++i], false, &count) || count == 0 || count > kRandomCountMax) {
          return fail("--random takes a count from 1 to 16777216, not '" + std::string(argv[i]) +
                      "'");
        }
        options->random_count = count;
      }
    } else if (arg == "--seed" && has_value) {
      if (!parse_count(argv[++i], false, &count)) {
        return fail("--seed takes an unsigned integer, not '" + std::string(argv[i]) + "'");
      }
      options->seed = count;
    } else if (arg == "--throughput") {
      options->throughput = true;
    } else if (arg == "--batch-sizes" && has_value) {
      options->batch_sizes.clear();
      const std::string_view list = argv[++i];
      std::size_t begin = 0;
      while (begin <= list.size()) {
        const std::size_t end = std::min(list.find(',', begin), list.size());
        if (!parse_count(list.substr(begin, end - begin), true, &count) || count == 0 ||
            count > (std::uint64_t{1} << 24)) {
          return fail("--batch-sizes takes sizes from 1 to 16M, not '" + std::string(list) + "'");
        }
        options->batch_sizes.push_back(count);
        begin = end + 1;
      }
    } else if (arg == "--threads" && has_value) {
      if (!parse_count(argv[++i], false, &count) || count == 0 || count > 1024) {
        return fail("--threads takes a count from 1 to 1024, not '" + std::string(argv[i]) + "'");
      }
      options->threads = static_cast<int>(count);
    } else {
      return fail("unknown option or missing value: '" + std::string(arg) + "'");
    }
  }
  if (options->vectors_dir.empty() && !options->random && !options->throughput) {
    return fail("nothing to do: give --vectors DIR, --random or --throughput");
  }
  return true;
}

// Every check of the run, and the ones that failed, for the closing summary.
class CheckLog {
 public:
  void record(bool ok, const std::string& what) {
    ++total_;
    if (!ok) failures_.push_back(what);
  }
  bool passed() const { return failures_.empty(); }
  int total() const { return total_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  int total_ = 0;
  std::vector<std::string> failures_;
};

const char* verdict_name(Verdict verdict) {
  return verdict == Verdict::kAccept ? "accept" : "reject";
}

Verdict verdict_of(bool accept) {
  return accept ? Verdict::kAccept : Verdict::kReject;
}

std::string hex_of(const std::uint8_t* bytes, std::size_t count) {
  return count == 0 ? "-" : tc::gpu::test::to_hex(bytes, count);
}

bool is_device_shape(const SignatureRef& sig) {
  return sig.pubkey_bytes == 32 && sig.sig_bytes == 64 && sig.msg_bytes == 32;
}

// Runs body(begin, end) over [0, count) split into `threads` contiguous ranges, one per thread.
template <typename Body>
void parallel_for(std::size_t count, int threads, const Body& body) {
  const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(threads, count));
  std::vector<std::thread> workers;
  for (std::size_t p = 1; p < parts; ++p) {
    workers.emplace_back([&, p] { body(count * p / parts, count * (p + 1) / parts); });
  }
  body(0, count / parts);
  for (std::thread& worker : workers) worker.join();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --- The GPU -----------------------------------------------------------------------------------

// Why there is no usable device, for the messages of --backend gpu and auto.
std::string device_unavailable_reason() {
#if defined(TC_HAVE_CUDA)
  int devices = 0;
  const cudaError_t error = cudaGetDeviceCount(&devices);
  cudaGetLastError();
  if (error != cudaSuccess) {
    return std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(error) + " (" +
           cudaGetErrorString(error) + ")";
  }
  return "cudaGetDeviceCount found no device";
#else
  return "this build has no CUDA verifier (configured with TC_CUDA=OFF or without nvcc)";
#endif
}

std::string device_description() {
#if defined(TC_HAVE_CUDA)
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    cudaGetLastError();
    return "device 0 (properties unavailable)";
  }
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB",
                static_cast<double>(prop.totalGlobalMem) / (1 << 30));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
         std::to_string(prop.minor) + ", " + std::to_string(prop.multiProcessorCount) + " SMs, " +
         memory + ")";
#else
  return "none";
#endif
}

CudaPipelineConfig pipeline_config(std::size_t batch_size_max) {
  CudaPipelineConfig config;
  config.batch_size_max = batch_size_max;
  config.stream_count = kStreamCount;
  config.kernel_timeout_ms = kKernelTimeoutMs;
  return config;
}

// --- Comparing verdicts ------------------------------------------------------------------------

// Compares got[i] with expected[i] for every case; prints the first few disagreements through
// describe(i) and returns how many there were.
template <typename Describe>
std::size_t count_disagreements(std::span<const Verdict> got, std::span<const Verdict> expected,
                                const Describe& describe) {
  std::size_t disagreements = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] == expected[i]) continue;
    if (++disagreements <= kShownDisagreements) {
      std::printf("    disagree: %s expected=%s got=%s\n", describe(i).c_str(),
                  verdict_name(expected[i]), verdict_name(got[i]));
    }
  }
  if (disagreements > kShownDisagreements) {
    std::printf("    ... and %zu more\n", disagreements - kShownDisagreements);
  }
  return disagreements;
}

// Verdicts of BatchVerifierCpu (OS-keyed, as in production) over refs on `threads` threads, each
// verifying a contiguous slice in chunks of chunk_size. False when a verifier cannot start.
bool verify_cpu_batch(std::span<const SignatureRef> refs, std::span<Verdict> verdicts,
                      std::size_t chunk_size, int threads) {
  std::atomic<bool> ok{true};
  parallel_for(refs.size(), threads, [&](std::size_t begin, std::size_t end) {
    BatchVerifierCpu verifier;
    BatchVerifierCpuConfig config;
    config.batch_size_max = std::max<std::size_t>(1, std::min(chunk_size, end - begin));
    if (verifier.init(config) != Status::kOk ||
        verifier.verify(refs.subspan(begin, end - begin), verdicts.subspan(begin, end - begin),
                        nullptr) != Status::kOk) {
      ok = false;
    }
  });
  return ok;
}

// --- --vectors ---------------------------------------------------------------------------------

SignatureRef ref_of(const tc::gpu::test::VectorCase& c) {
  return SignatureRef{c.pubkey.data(), c.pubkey.size(), c.sig.data(),
                      c.sig.size(),    c.msg.data(),    c.msg.size()};
}

// Returns false (after printing why) when the vector files cannot be loaded: a usage error.
bool run_vectors(const Options& options, bool use_gpu, CheckLog* log) {
  std::printf("\n== vectors: %s ==\n", options.vectors_dir.c_str());
  std::vector<tc::gpu::test::VectorSuite> suites;
  std::string error;
  if (!tc::gpu::test::load_ed25519_vectors(options.vectors_dir, &suites, &error)) {
    std::fprintf(stderr, "timecoin-gpu-check: %s\n", error.c_str());
    return false;
  }
  std::vector<const tc::gpu::test::VectorCase*> cases;
  std::size_t expected_accept_total = 0;
  for (const auto& suite : suites) {
    std::size_t expected_accept = 0;
    for (const auto& c : suite.cases) {
      cases.push_back(&c);
      expected_accept += c.expect_accept ? 1 : 0;
    }
    expected_accept_total += expected_accept;
    const bool counts_ok =
        suite.cases.size() == suite.cases_published && expected_accept == suite.accept_published;
    std::printf(
        "vectors suite=%s cases=%zu expected_accept=%zu (published: %zu cases, %zu accepted "
        "under ZIP-215) %s\n",
        suite.name, suite.cases.size(), expected_accept, suite.cases_published,
        suite.accept_published, counts_ok ? "ok" : "MISMATCH");
    log->record(counts_ok, std::string("vectors suite ") + suite.name + ": case counts differ " +
                               "from the published ones (edited or truncated file?)");
  }
  const std::size_t n = cases.size();
  std::vector<SignatureRef> refs;
  std::vector<Verdict> expected;
  for (const auto* c : cases) {
    refs.push_back(ref_of(*c));
    expected.push_back(verdict_of(c->expect_accept));
  }
  std::printf("vectors total cases=%zu expected_accept=%zu\n", n, expected_accept_total);

  // The test-data signer against the published signatures.
  std::size_t signer_cases = 0, signer_reproduced = 0;
  for (const auto* c : cases) {
    if (c->seed.size() != 32) continue;
    ++signer_cases;
    const tc::gpu::test::KeyPair key = tc::gpu::test::key_from_seed(c->seed.data());
    const auto sig = tc::gpu::test::sign(key, c->msg.data(), c->msg.size());
    const bool same = c->pubkey.size() == 32 &&
                      std::equal(key.pubkey.begin(), key.pubkey.end(), c->pubkey.begin()) &&
                      c->sig.size() == 64 && std::equal(sig.begin(), sig.end(), c->sig.begin());
    signer_reproduced += same ? 1 : 0;
    if (!same && signer_cases - signer_reproduced <= kShownDisagreements) {
      std::printf("    signer differs: %s got sig=%s\n", c->name.c_str(),
                  hex_of(sig.data(), sig.size()).c_str());
    }
  }
  std::printf(
      "vectors signer reproduced=%zu of %zu (RFC 8032 and SUPERCOP public keys and "
      "signatures from their secret keys)\n",
      signer_reproduced, signer_cases);
  log->record(signer_cases > 0 && signer_reproduced == signer_cases,
              "vectors: the test-data signer did not reproduce every published signature");

  auto describe = [&](std::size_t i) {
    const auto& c = *cases[i];
    return c.name + " pubkey=" + hex_of(c.pubkey.data(), c.pubkey.size()) +
           " sig=" + hex_of(c.sig.data(), c.sig.size()) +
           " msg=" + hex_of(c.msg.data(), c.msg.size());
  };
  auto report = [&](const char* backend, std::span<const Verdict> got, const std::string& extra) {
    const std::size_t disagreements = count_disagreements(got, expected, describe);
    std::printf("vectors backend=%s cases=%zu agree=%zu disagree=%zu%s\n", backend, n,
                n - disagreements, disagreements, extra.c_str());
    log->record(disagreements == 0, std::string("vectors backend=") + backend + ": " +
                                        std::to_string(disagreements) + " of " + std::to_string(n) +
                                        " verdicts differ from the expected");
  };

  std::vector<Verdict> got(n);
  for (std::size_t i = 0; i < n; ++i) got[i] = tc::gpu::verify_single(refs[i]);
  report("host-single", got, "");

  // Chunks of 64: every chunk holding an invalid case fails its batch equation and bisects.
  std::fill(got.begin(), got.end(), Verdict::kReject);
  const bool batch_ran = verify_cpu_batch(refs, got, 64, 1);
  log->record(batch_ran, "vectors backend=cpu-batch: BatchVerifierCpu could not start");
  report("cpu-batch", got, "");

  if (use_gpu) {
    const std::size_t on_device =
        static_cast<std::size_t>(std::count_if(refs.begin(), refs.end(), is_device_shape));
    CudaVerifyPipeline pipeline;
    Status status = pipeline.init(pipeline_config(n));
    if (status == Status::kOk) status = pipeline.verify(refs, got);
    log->record(status == Status::kOk,
                std::string("vectors backend=gpu: pipeline returned ") + status_name(status));
    if (status == Status::kOk) {
      report("gpu", got,
             " on_device=" + std::to_string(on_device) + " (32-byte messages; the other " +
                 std::to_string(n - on_device) + " ran on the host inside the pipeline)");
    } else {
      std::printf("vectors backend=gpu status=%s\n", status_name(status));
    }
  }
  return true;
}

// --- --random ----------------------------------------------------------------------------------

void run_random(const Options& options, bool use_gpu, int threads, CheckLog* log) {
  const std::size_t n = options.random_count.value_or(use_gpu ? 1000000 : 20000);
  std::printf("\n== random: seed=%llu cases=%zu (32-byte messages) ==\n",
              static_cast<unsigned long long>(options.seed), n);
  const auto generate_start = std::chrono::steady_clock::now();
  const tc::gpu::test::CaseGenerator generator(options.seed);
  std::vector<GeneratedCase> cases(n);
  parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
    generator.generate(begin, std::span(cases).subspan(begin, end - begin), false);
  });
  std::vector<SignatureRef> refs(n);
  std::vector<Verdict> expected(n);
  for (std::size_t i = 0; i < n; ++i) {
    const GeneratedCase& c = cases[i];
    refs[i] = SignatureRef{c.pubkey.data(), 32, c.sig.data(), 64, c.msg.data(), 32};
    expected[i] = verdict_of(c.expect_accept);
  }
  std::printf("random generated in %.1f s on %d threads\n", seconds_since(generate_start), threads);

  auto describe = [&](std::size_t i) {
    const GeneratedCase& c = cases[i];
    return "case " + std::to_string(i) + " kind=" + case_kind_name(c.kind) +
           " pubkey=" + hex_of(c.pubkey.data(), 32) + " sig=" + hex_of(c.sig.data(), 64) +
           " msg=" + hex_of(c.msg.data(), 32);
  };
  const std::string reproduce = " (reproduce: --random " + std::to_string(n) + " --seed " +
                                std::to_string(options.seed) + ")";

  // The host single verifier is the reference; it is first checked against the construction.
  std::vector<Verdict> single(n);
  const auto single_start = std::chrono::steady_clock::now();
  parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) single[i] = tc::gpu::verify_single(refs[i]);
  });
  const double single_seconds = seconds_since(single_start);
  std::size_t kind_cases[static_cast<int>(CaseKind::kCount)] = {};
  std::size_t kind_accepted[static_cast<int>(CaseKind::kCount)] = {};
  std::size_t kind_expected[static_cast<int>(CaseKind::kCount)] = {};
  for (std::size_t i = 0; i < n; ++i) {
    const int kind = static_cast<int>(cases[i].kind);
    ++kind_cases[kind];
    kind_accepted[kind] += single[i] == Verdict::kAccept ? 1 : 0;
    kind_expected[kind] += cases[i].expect_accept ? 1 : 0;
  }
  for (int kind = 0; kind < static_cast<int>(CaseKind::kCount); ++kind) {
    std::printf("random kind=%s cases=%zu expected_accept=%zu accepted=%zu\n",
                case_kind_name(static_cast<CaseKind>(kind)), kind_cases[kind], kind_expected[kind],
                kind_accepted[kind]);
  }
  const std::size_t construction_disagreements = count_disagreements(single, expected, describe);
  std::printf(
      "random backend=host-single cases=%zu agree=%zu disagree=%zu (against the verdict "
      "by construction) seconds=%.2f\n",
      n, n - construction_disagreements, construction_disagreements, single_seconds);
  log->record(construction_disagreements == 0,
              "random backend=host-single: " + std::to_string(construction_disagreements) + " of " +
                  std::to_string(n) + " verdicts differ from the construction" + reproduce);

  auto report = [&](const char* backend, std::span<const Verdict> got, const std::string& extra) {
    const std::size_t disagreements = count_disagreements(got, single, describe);
    std::printf("random backend=%s cases=%zu agree=%zu disagree=%zu (against host-single)%s\n",
                backend, n, n - disagreements, disagreements, extra.c_str());
    log->record(disagreements == 0, std::string("random backend=") + backend + ": " +
                                        std::to_string(disagreements) + " of " + std::to_string(n) +
                                        " verdicts differ from host-single" + reproduce);
  };

  std::vector<Verdict> got(n, Verdict::kReject);
  const auto batch_start = std::chrono::steady_clock::now();
  log->record(verify_cpu_batch(refs, got, kCpuBatchSize, threads),
              "random backend=cpu-batch: BatchVerifierCpu could not start");
  char timing[64];
  std::snprintf(timing, sizeof timing, " seconds=%.2f", seconds_since(batch_start));
  report("cpu-batch", got, timing);

  if (use_gpu) {
    std::fill(got.begin(), got.end(), Verdict::kReject);
    CudaVerifyPipeline pipeline;
    const std::size_t batch = std::min(n, kRandomGpuBatch);
    Status status = pipeline.init(pipeline_config(batch));
    const auto gpu_start = std::chrono::steady_clock::now();
    for (std::size_t begin = 0; begin < n && status == Status::kOk; begin += batch) {
      const std::size_t count = std::min(batch, n - begin);
      status = pipeline.verify(std::span(refs).subspan(begin, count),
                               std::span(got).subspan(begin, count));
    }
    const double gpu_seconds = seconds_since(gpu_start);
    log->record(status == Status::kOk,
                std::string("random backend=gpu: pipeline returned ") + status_name(status));
    if (status == Status::kOk) {
      std::snprintf(timing, sizeof timing, " seconds=%.2f", gpu_seconds);
      report("gpu", got,
             " on_device=" + std::to_string(n) + " batches_of=" + std::to_string(batch) + timing);
    } else {
      std::printf("random backend=gpu status=%s\n", status_name(status));
    }
  }
}

// --- --throughput ------------------------------------------------------------------------------

// Timed repetitions per batch size: enough work to time small batches, at least 5 for the median.
int repetitions_for(std::size_t batch) {
  return static_cast<int>(std::clamp<std::size_t>((std::size_t{1} << 18) / batch, 5, 50));
}

// Median verifications per second of BatchVerifierCpu over refs on `threads` threads (each its
// own verifier and contiguous slice), after one warm-up round; the threads start each round
// together at a barrier. *all_accepted tells whether every verdict of the last round was kAccept.
double cpu_batch_rate(std::span<const SignatureRef> refs, int threads, bool* all_accepted) {
  const std::size_t n = refs.size();
  const std::size_t parts = std::max<std::size_t>(1, std::min<std::size_t>(threads, n));
  const int repetitions = repetitions_for(n);
  std::vector<Verdict> verdicts(n, Verdict::kReject);
  std::vector<BatchVerifierCpu> verifiers(parts);
  bool started = true;
  for (std::size_t p = 0; p < parts; ++p) {
    BatchVerifierCpuConfig config;
    config.batch_size_max = std::max<std::size_t>(1, std::min(kCpuBatchSize, n / parts + 1));
    started = started && verifiers[p].init(config) == Status::kOk;
  }
  if (!started) {
    *all_accepted = false;
    return 0;
  }
  // Phases alternate: the completion of an even phase starts a round's clock, of an odd one
  // stops it.
  std::vector<double> seconds;
  seconds.reserve(static_cast<std::size_t>(repetitions) + 1);
  std::chrono::steady_clock::time_point round_start;
  std::uint64_t phase = 0;
  auto on_phase = [&]() noexcept {
    if (phase++ % 2 == 0) {
      round_start = std::chrono::steady_clock::now();
    } else {
      seconds.push_back(seconds_since(round_start));
    }
  };
  std::barrier sync(static_cast<std::ptrdiff_t>(parts), on_phase);
  std::atomic<bool> verified{true};
  auto worker = [&](std::size_t p) {
    const std::size_t begin = n * p / parts, end = n * (p + 1) / parts;
    for (int round = 0; round <= repetitions; ++round) {
      sync.arrive_and_wait();
      if (verifiers[p].verify(refs.subspan(begin, end - begin),
                              std::span(verdicts).subspan(begin, end - begin),
                              nullptr) != Status::kOk) {
        verified = false;
      }
      sync.arrive_and_wait();
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t p = 1; p < parts; ++p) pool.emplace_back(worker, p);
  worker(0);
  for (std::thread& t : pool) t.join();
  seconds.erase(seconds.begin());  // the warm-up round
  *all_accepted = verified && std::all_of(verdicts.begin(), verdicts.end(),
                                          [](Verdict v) { return v == Verdict::kAccept; });
  return static_cast<double>(n) / median(seconds);
}

// Median verifications per second through a CudaVerifyPipeline sized for refs, after one warm-up
// call; 0 with *status set when the pipeline fails.
double gpu_rate(std::span<const SignatureRef> refs, Status* status, bool* all_accepted) {
  std::vector<Verdict> verdicts(refs.size(), Verdict::kReject);
  CudaVerifyPipeline pipeline;
  *status = pipeline.init(pipeline_config(refs.size()));
  if (*status == Status::kOk) *status = pipeline.verify(refs, verdicts);
  std::vector<double> seconds;
  for (int round = 0; round < repetitions_for(refs.size()) && *status == Status::kOk; ++round) {
    const auto start = std::chrono::steady_clock::now();
    *status = pipeline.verify(refs, verdicts);
    seconds.push_back(seconds_since(start));
  }
  *all_accepted = std::all_of(verdicts.begin(), verdicts.end(),
                              [](Verdict v) { return v == Verdict::kAccept; });
  if (*status != Status::kOk) return 0;
  return static_cast<double>(refs.size()) / median(seconds);
}

void run_throughput(const Options& options, bool use_gpu, int threads, CheckLog* log) {
  const std::size_t largest =
      *std::max_element(options.batch_sizes.begin(), options.batch_sizes.end());
  std::printf(
      "\n== throughput: valid signatures over 32-byte messages, median of 5 to 50 "
      "timed repetitions after one warm-up ==\n");
  const tc::gpu::test::CaseGenerator generator(options.seed);
  std::vector<GeneratedCase> cases(largest);
  parallel_for(largest, threads, [&](std::size_t begin, std::size_t end) {
    generator.generate(begin, std::span(cases).subspan(begin, end - begin), true);
  });
  std::vector<SignatureRef> refs(largest);
  for (std::size_t i = 0; i < largest; ++i) {
    refs[i] =
        SignatureRef{cases[i].pubkey.data(), 32, cases[i].sig.data(), 64, cases[i].msg.data(), 32};
  }
  struct Row {
    std::size_t batch;
    double gpu, cpu;
  };
  std::vector<Row> rows;
  for (const std::size_t batch : options.batch_sizes) {
    const std::span<const SignatureRef> input = std::span(refs).first(batch);
    Row row{batch, 0, 0};
    if (use_gpu) {
      Status status = Status::kOk;
      bool all_accepted = false;
      row.gpu = gpu_rate(input, &status, &all_accepted);
      log->record(status == Status::kOk && all_accepted,
                  "throughput backend=gpu batch=" + std::to_string(batch) + ": status " +
                      status_name(status) +
                      (all_accepted ? "" : ", not every valid signature accepted"));
      std::printf("backend=gpu batch=%zu verifications_per_second=%.0f\n", batch, row.gpu);
    }
    bool cpu_all_accepted = false;
    row.cpu = cpu_batch_rate(input, threads, &cpu_all_accepted);
    log->record(cpu_all_accepted, "throughput backend=cpu batch=" + std::to_string(batch) +
                                      ": not every valid signature accepted");
    std::printf("backend=cpu batch=%zu verifications_per_second=%.0f threads=%d\n", batch, row.cpu,
                threads);
    std::fflush(stdout);
    rows.push_back(row);
  }
  std::printf("\n| batch | %s cpu batch verifier, %d threads (verifications/s) |%s\n",
              use_gpu ? "gpu pipeline (verifications/s) |" : "", threads,
              use_gpu ? " gpu / cpu |" : "");
  std::printf("|---:|%s---:|%s\n", use_gpu ? "---:|" : "", use_gpu ? "---:|" : "");
  for (const Row& row : rows) {
    if (use_gpu) {
      std::printf("| %zu | %.0f | %.0f | %.2fx |\n", row.batch, row.gpu, row.cpu,
                  row.cpu > 0 ? row.gpu / row.cpu : 0.0);
    } else {
      std::printf("| %zu | %.0f |\n", row.batch, row.cpu);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, &options)) return kExitUsage;
  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));

  const bool device_present = tc::gpu::cuda_device_status() == Status::kOk;
  if (options.backend == Backend::kGpu && !device_present) {
    std::fprintf(stderr, "timecoin-gpu-check: --backend gpu needs a usable CUDA device: %s\n",
                 device_unavailable_reason().c_str());
    return kExitNoDevice;
  }
  const bool use_gpu = options.backend != Backend::kCpu && device_present;
  if (use_gpu) {
    std::printf(
        "timecoin-gpu-check: backends host-single, cpu-batch and gpu: %s; host threads %d\n",
        device_description().c_str(), threads);
  } else if (options.backend == Backend::kCpu) {
    std::printf(
        "timecoin-gpu-check: backends host-single and cpu-batch (--backend cpu: host only); "
        "host threads %d\n",
        threads);
  } else {
    std::printf(
        "timecoin-gpu-check: no usable GPU (%s): running the host checks only "
        "(host-single, cpu-batch); host threads %d\n",
        device_unavailable_reason().c_str(), threads);
  }

  CheckLog log;
  if (!options.vectors_dir.empty() && !run_vectors(options, use_gpu, &log)) return kExitUsage;
  if (options.random) run_random(options, use_gpu, threads, &log);
  if (options.throughput) run_throughput(options, use_gpu, threads, &log);

  if (log.passed()) {
    std::printf("\nPASS: %d checks, all agreed (gpu %s)\n", log.total(),
                use_gpu ? "included" : "not run: host only");
    return 0;
  }
  std::printf("\nFAIL: %zu of %d checks failed:\n", log.failures().size(), log.total());
  for (const std::string& failure : log.failures()) std::printf("  - %s\n", failure.c_str());
  return kExitFailed;
}

// timecoin-verify: Ed25519 verification from the command line, through the verify stage's engine.
//
//   timecoin-verify [--backend auto|cpu|gpu|libsodium] [--batch N] [--threads T]
//       reads lines "PUBKEY_HEX MSG_HEX SIG_HEX" (an empty message is written "-") from stdin and
//       prints "ok" or "fail" per line, in input order. A key or signature of the wrong length is
//       "fail"; a line that is not three hex fields is an error naming its line number.
//   timecoin-verify --bench N [--backend ...] [--batch N] [--threads T]
//       signs N random 32-byte messages with libsodium, verifies them with the backend and ends
//       with one line "backend=NAME threads=T batch=B verifications_per_second=R" (scripts read
//       it; R is per wall second of the verification alone).
//
// Backends: cpu is gpu/verify_engine.h with T CPU workers and batches of N; gpu is the same
// engine with the CUDA backend (without a usable device it says so on stderr and runs cpu);
// auto is gpu when a device is present, else cpu; libsodium is crypto_sign_verify_detached, the
// speed baseline, whose rules are stricter than the consensus rule ZIP-215
// (docs/decisions/0001-ed25519-zip215.md). Exit status: 0 when every line was checked (whatever
// the verdicts), 2 on any error, with "timecoin-verify: <message>" on stderr.
//
// Memory is bounded whatever the flags and the input (docs/tools.md, "timecoin-verify's
// memory"): --threads x --batch is at most kSignatureSlotsMax (each CPU worker sizes its scratch
// for a whole batch, about 1.6 KB per signature); a line is at most kLineBytesMax bytes; and the
// input is read and verified in windows of at most window_signatures() lines and about
// kWindowArenaBytesMax decoded bytes, the verdicts of each window printed before the next is read.
// So on an error at line n the verdicts of the windows before line n's are already on stdout.
#include <sodium.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "gpu/verify_engine.h"
#include "node/cli/bounded_read.h"
#include "node/cli/command_line.h"

namespace {

// Any error after the arguments were accepted (the same status as an argument error).
constexpr int kExitError = 2;
// --threads x --batch: the signatures the CPU workers size their scratch for (262,144 x about
// 1.6 KB: about 0.4 GB, docs/tools.md).
constexpr std::size_t kSignatureSlotsMax = std::size_t{1} << 18;
constexpr std::uint32_t kThreadsMax = 256;
// A line of 64 + 128 hex characters for the key and signature leaves room for a message of up to
// about 32 KiB; consensus and transaction messages are 32-byte digests.
constexpr std::size_t kLineBytesMax = 65'536;
// A window stops taking lines once its decoded bytes reach this (a line adds at most
// kLineBytesMax / 2).
constexpr std::size_t kWindowArenaBytesMax = std::size_t{64} << 20;
constexpr std::size_t kWindowSignaturesMin = std::size_t{1} << 16;
constexpr std::size_t kBenchSignaturesMax = std::size_t{1} << 26;

struct Options {
  std::string backend = "auto";
  std::size_t batch = 1024;
  std::uint32_t threads = 1;
  std::size_t bench = 0;  // 0: verify the lines of stdin
};

// Batches the engine keeps in flight: enough for every worker to have one queued behind the one
// it runs.
std::size_t batches_in_flight(const Options& options) {
  return 2 * static_cast<std::size_t>(options.threads) + 2;
}

// Lines read (or bench signatures made) before they are verified: every batch slot of the engine
// filled, so a window keeps all workers busy. At most 4 x kSignatureSlotsMax.
std::size_t window_signatures(const Options& options) {
  return std::max(kWindowSignaturesMin, options.batch * batches_in_flight(options));
}

// One window of signatures to check: every field's bytes in one arena, referenced by offsets
// until the arena stops growing. Cleared and refilled per window, so its buffers are allocated
// by the first window only.
struct Window {
  std::vector<std::uint8_t> arena;
  struct Line {
    std::size_t pubkey, pubkey_bytes, msg, msg_bytes, sig, sig_bytes;
  };
  std::vector<Line> lines;
  std::vector<tc::gpu::SignatureRef> refs;
  std::vector<tc::gpu::Verdict> verdicts;

  std::size_t append(tc::ByteSpan bytes) {
    const std::size_t offset = arena.size();
    arena.insert(arena.end(), bytes.begin(), bytes.end());
    return offset;
  }
  void add(tc::ByteSpan pubkey, tc::ByteSpan msg, tc::ByteSpan sig) {
    Line line;
    line.pubkey_bytes = pubkey.size();
    line.pubkey = append(pubkey);
    line.msg_bytes = msg.size();
    line.msg = append(msg);
    line.sig_bytes = sig.size();
    line.sig = append(sig);
    lines.push_back(line);
  }
  // Sets refs and sizes verdicts for the lines added, once the arena is complete.
  void seal() {
    refs.clear();
    for (const Line& l : lines) {
      refs.push_back(tc::gpu::SignatureRef{
          arena.data() + l.pubkey, l.pubkey_bytes, arena.data() + l.sig, l.sig_bytes,
          l.msg_bytes == 0 ? nullptr : arena.data() + l.msg, l.msg_bytes});
    }
    verdicts.assign(lines.size(), tc::gpu::Verdict::kReject);
  }
  void clear() {
    arena.clear();
    lines.clear();
  }
};

// Splits `text` at runs of spaces and tabs (a trailing "\r" counts as space) into at most
// fields.size() + 1 fields; returns how many it found, stopping at fields.size() + 1.
std::size_t split_fields(std::string_view text, std::span<std::string_view> fields) {
  constexpr std::string_view kSpace = " \t\r\v\f";
  std::size_t count = 0;
  for (std::size_t at = text.find_first_not_of(kSpace); at != std::string_view::npos;) {
    const std::size_t end = std::min(text.find_first_of(kSpace, at), text.size());
    if (count < fields.size()) fields[count] = text.substr(at, end - at);
    if (++count > fields.size()) break;
    at = text.find_first_not_of(kSpace, end);
  }
  return count;
}

// Parses one input line into *window. Errors name the line number and the field.
tc::Status parse_line(std::string_view text, std::uint64_t line_number, Window* window) {
  std::string_view parts[3];
  const std::size_t found = split_fields(text, parts);
  const std::string where = "line " + std::to_string(line_number);
  if (found != 3) {
    return tc::malformed(where + ": expected 3 fields (PUBKEY_HEX MSG_HEX SIG_HEX), got " +
                         (found > 3 ? std::string("more") : std::to_string(found)));
  }
  static const char* const kNames[3] = {"public key", "message", "signature"};
  tc::Bytes decoded[3];
  for (int f = 0; f < 3; ++f) {
    if (f == 1 && parts[1] == "-") continue;  // the empty message
    auto bytes = tc::from_hex(parts[f]);
    if (!bytes.is_ok()) return bytes.status().with_context(where + ": " + kNames[f]);
    decoded[f] = std::move(*bytes);
  }
  window->add(decoded[0], decoded[1], decoded[2]);
  return tc::Status::ok();
}

// Fills *window from `reader` up to `signatures_max` lines or kWindowArenaBytesMax decoded bytes.
// An empty window means the input has ended.
tc::Status read_window(tc::cli::LineReader* reader, std::size_t signatures_max, Window* window) {
  std::string_view text;
  while (window->lines.size() < signatures_max && window->arena.size() < kWindowArenaBytesMax) {
    TC_ASSIGN_OR_RETURN(const bool more, reader->next(&text));
    if (!more) break;
    TC_RETURN_IF_ERROR(parse_line(text, reader->line_number(), window));
  }
  return tc::Status::ok();
}

// Valid signatures by 64 libsodium keys over random 32-byte messages.
class BenchSigner {
 public:
  BenchSigner() : pubkeys_(32 * kKeys), secrets_(64 * kKeys) {
    for (std::size_t k = 0; k < kKeys; ++k) {
      crypto_sign_keypair(&pubkeys_[32 * k], &secrets_[64 * k]);
    }
  }
  ~BenchSigner() { sodium_memzero(secrets_.data(), secrets_.size()); }
  BenchSigner(const BenchSigner&) = delete;
  BenchSigner& operator=(const BenchSigner&) = delete;

  // Adds `count` signatures to *window.
  void sign(std::size_t count, Window* window) {
    std::uint8_t msg[32], sig[64];
    for (std::size_t i = 0; i < count; ++i, ++signed_) {
      const std::size_t k = signed_ % kKeys;
      randombytes_buf(msg, sizeof msg);
      crypto_sign_detached(sig, nullptr, msg, sizeof msg, &secrets_[64 * k]);
      window->add(tc::ByteSpan(&pubkeys_[32 * k], 32), tc::ByteSpan(msg, sizeof msg),
                  tc::ByteSpan(sig, sizeof sig));
    }
  }

 private:
  static constexpr std::size_t kKeys = 64;
  std::vector<std::uint8_t> pubkeys_, secrets_;
  std::size_t signed_ = 0;
};

// libsodium's verdicts, the baseline: `threads` threads over contiguous ranges.
void verify_libsodium(std::span<const tc::gpu::SignatureRef> sigs,
                      std::span<tc::gpu::Verdict> verdicts, std::uint32_t threads) {
  auto run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const tc::gpu::SignatureRef& s = sigs[i];
      const bool ok = s.pubkey_bytes == crypto_sign_PUBLICKEYBYTES &&
                      s.sig_bytes == crypto_sign_BYTES &&
                      crypto_sign_verify_detached(s.sig, s.msg, s.msg_bytes, s.pubkey) == 0;
      verdicts[i] = ok ? tc::gpu::Verdict::kAccept : tc::gpu::Verdict::kReject;
    }
  };
  const std::size_t per_thread = (sigs.size() + threads - 1) / threads;
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t begin = std::min(sigs.size(), per_thread * t);
    pool.emplace_back(run, begin, std::min(sigs.size(), begin + per_thread));
  }
  run(0, std::min(sigs.size(), per_thread));
  for (std::thread& thread : pool) thread.join();
}

// Every signature through a VerifyEngine, verdicts in order.
void verify_engine(tc::gpu::VerifyEngine* engine, std::span<const tc::gpu::SignatureRef> sigs,
                   std::span<tc::gpu::Verdict> verdicts) {
  std::size_t submitted = 0, delivered = 0;
  while (delivered < sigs.size()) {
    bool blocked = true;
    if (submitted < sigs.size()) {
      const std::size_t took = engine->submit_burst(sigs.subspan(submitted));
      submitted += took;
      if (submitted == sigs.size()) engine->flush();
      blocked = took == 0 || submitted == sigs.size();
    }
    delivered += engine->poll(verdicts.subspan(delivered), blocked ? std::chrono::milliseconds(50)
                                                                   : std::chrono::milliseconds(0));
  }
}

struct Backend {
  std::string name;  // cpu, gpu or libsodium: the one actually used
  std::unique_ptr<tc::gpu::VerifyEngine> engine;
};

tc::Status open_backend(const Options& options, Backend* backend) {
  if (options.backend == "libsodium") {
    backend->name = "libsodium";
    return tc::Status::ok();
  }
  std::unique_ptr<tc::gpu::GpuBatchBackend> gpu;
  if (options.backend != "cpu") {
    tc::gpu::CudaPipelineConfig cuda;
    cuda.batch_size_max = options.batch;
    tc::gpu::Status status = tc::gpu::Status::kOk;
    gpu = tc::gpu::make_cuda_backend(cuda, &status);
    if (gpu == nullptr && options.backend == "gpu") {
      std::cerr << "timecoin-verify: --backend gpu: no usable GPU (" << tc::gpu::status_name(status)
                << "); using the cpu backend\n";
    }
  }
  backend->name = gpu != nullptr ? "gpu" : "cpu";
  tc::gpu::VerifyEngineConfig config;
  config.batch_size_max = options.batch;
  config.batches_in_flight_max = batches_in_flight(options);
  config.cpu_threads = static_cast<int>(options.threads);
  backend->engine = std::make_unique<tc::gpu::VerifyEngine>();
  const tc::gpu::Status status = backend->engine->init(config, std::move(gpu));
  if (status != tc::gpu::Status::kOk) {
    return tc::unavailable(std::string("verify engine: ") + tc::gpu::status_name(status));
  }
  return tc::Status::ok();
}

// Verifies the window's signatures into its verdicts; returns the seconds it took.
double verify_window(Backend* backend, std::uint32_t threads, Window* window) {
  window->seal();
  const auto start = std::chrono::steady_clock::now();
  if (backend->engine == nullptr) {
    verify_libsodium(window->refs, window->verdicts, threads);
  } else {
    verify_engine(backend->engine.get(), window->refs, window->verdicts);
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count();
}

void report_fallbacks(const Backend& backend) {
  if (backend.engine == nullptr) return;
  const tc::gpu::VerifyEngineMetrics m = backend.engine->metrics();
  const std::uint64_t fallbacks = m.get(tc::gpu::EngineCounter::kGpuFallbackUnavailable) +
                                  m.get(tc::gpu::EngineCounter::kGpuFallbackError) +
                                  m.get(tc::gpu::EngineCounter::kGpuFallbackTimeout);
  if (fallbacks > 0) {
    std::cerr << "timecoin-verify: " << fallbacks << " GPU batch(es) verified on the CPU instead\n";
  }
}

// The lines of stdin, window by window, each window's verdicts printed before the next is read.
tc::Status verify_stdin(const Options& options, Backend* backend) {
  tc::cli::LineReader reader(STDIN_FILENO, kLineBytesMax, "stdin");
  Window window;
  std::string out;
  for (;;) {
    window.clear();
    TC_RETURN_IF_ERROR(read_window(&reader, window_signatures(options), &window));
    if (window.lines.empty()) return tc::Status::ok();
    verify_window(backend, options.threads, &window);
    out.clear();
    for (const tc::gpu::Verdict v : window.verdicts) {
      out += v == tc::gpu::Verdict::kAccept ? "ok\n" : "fail\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }
}

// --bench: options.bench signatures made and verified window by window; only verification is
// timed.
tc::Status bench(const Options& options, Backend* backend) {
  BenchSigner signer;
  Window window;
  double seconds = 0;
  for (std::size_t done = 0; done < options.bench;) {
    const std::size_t count = std::min(window_signatures(options), options.bench - done);
    window.clear();
    signer.sign(count, &window);
    seconds += verify_window(backend, options.threads, &window);
    const auto rejected =
        std::count(window.verdicts.begin(), window.verdicts.end(), tc::gpu::Verdict::kReject);
    if (rejected != 0) {
      return tc::internal_error("bench: " + std::to_string(rejected) + " of " +
                                std::to_string(count) + " valid signatures rejected");
    }
    done += count;
  }
  const std::size_t batch = backend->name == "libsodium" ? 1 : options.batch;
  std::printf("backend=%s threads=%u batch=%zu verifications_per_second=%.0f\n",
              backend->name.c_str(), options.threads, batch,
              static_cast<double>(options.bench) / std::max(seconds, 1e-9));
  return tc::Status::ok();
}

tc::Status run(const Options& options) {
  Backend backend;
  TC_RETURN_IF_ERROR(open_backend(options, &backend));
  const tc::Status status =
      options.bench > 0 ? bench(options, &backend) : verify_stdin(options, &backend);
  report_fallbacks(backend);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ed25519 (ZIP-215) verification of PUBKEY_HEX MSG_HEX SIG_HEX lines from stdin"};
  app.name("timecoin-verify");
  Options options;
  app.add_option("--backend", options.backend,
                 "auto (gpu if present, else cpu), cpu, gpu, libsodium")
      ->check(CLI::IsMember({"auto", "cpu", "gpu", "libsodium"}));
  tc::cli::add_unsigned_option(&app, "--batch", &options.batch,
                               "signatures per batch; --threads x --batch is at most 262144",
                               std::size_t{1}, kSignatureSlotsMax);
  tc::cli::add_unsigned_option(&app, "--threads", &options.threads, "CPU verification threads",
                               std::uint32_t{1}, kThreadsMax);
  tc::cli::add_unsigned_option(&app, "--bench", &options.bench,
                               "verify N generated valid signatures and print the rate",
                               std::size_t{1}, kBenchSignaturesMax);
  if (auto exit_status = tc::cli::parse_command_line(&app, argc, argv)) return *exit_status;
  if (options.threads * options.batch > kSignatureSlotsMax) {
    return tc::cli::usage_error(
        app, "--threads " + std::to_string(options.threads) + " x --batch " +
                 std::to_string(options.batch) + " is above " + std::to_string(kSignatureSlotsMax) +
                 " signatures (each CPU worker sizes its memory for a whole batch)");
  }
  if (sodium_init() < 0) {
    std::cerr << "timecoin-verify: libsodium failed to initialise\n";
    return kExitError;
  }
  const tc::Status status = run(options);
  if (!status.is_ok()) {
    std::cerr << "timecoin-verify: " << status.message() << "\n";
    return kExitError;
  }
  return 0;
}

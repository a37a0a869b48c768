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
#include <sodium.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "gpu/verify_engine.h"

namespace {

constexpr int kExitError = 2;

struct Options {
  std::string backend = "auto";
  std::size_t batch = 1024;
  int threads = 1;
  std::size_t bench = 0;
};

// The signatures to check: every field's bytes in one arena, referenced by offsets until the
// arena stops growing.
struct Input {
  std::vector<std::uint8_t> arena;
  struct Line {
    std::size_t pubkey, pubkey_bytes, msg, msg_bytes, sig, sig_bytes;
  };
  std::vector<Line> lines;

  std::size_t append(const tc::Bytes& bytes) {
    const std::size_t offset = arena.size();
    arena.insert(arena.end(), bytes.begin(), bytes.end());
    return offset;
  }
  std::vector<tc::gpu::SignatureRef> refs() const {
    std::vector<tc::gpu::SignatureRef> out;
    out.reserve(lines.size());
    for (const Line& l : lines) {
      out.push_back(tc::gpu::SignatureRef{
          arena.data() + l.pubkey, l.pubkey_bytes, arena.data() + l.sig, l.sig_bytes,
          l.msg_bytes == 0 ? nullptr : arena.data() + l.msg, l.msg_bytes});
    }
    return out;
  }
};

// Parses one input line into *input. Errors name the line number and the field.
tc::Status parse_line(const std::string& text, std::size_t line_number, Input* input) {
  std::istringstream fields(text);
  std::vector<std::string> parts;
  for (std::string part; fields >> part;) parts.push_back(part);
  const std::string where = "line " + std::to_string(line_number);
  if (parts.size() != 3) {
    return tc::malformed(where + ": expected 3 fields (PUBKEY_HEX MSG_HEX SIG_HEX), got " +
                         std::to_string(parts.size()));
  }
  static const char* const kNames[3] = {"public key", "message", "signature"};
  tc::Bytes decoded[3];
  for (int f = 0; f < 3; ++f) {
    if (f == 1 && parts[1] == "-") continue;  // the empty message
    auto bytes = tc::from_hex(parts[static_cast<std::size_t>(f)]);
    if (!bytes.is_ok()) return bytes.status().with_context(where + ": " + kNames[f]);
    decoded[f] = std::move(*bytes);
  }
  Input::Line line;
  line.pubkey_bytes = decoded[0].size();
  line.pubkey = input->append(decoded[0]);
  line.msg_bytes = decoded[1].size();
  line.msg = input->append(decoded[1]);
  line.sig_bytes = decoded[2].size();
  line.sig = input->append(decoded[2]);
  input->lines.push_back(line);
  return tc::Status::ok();
}

tc::Status read_input(std::istream& in, Input* input) {
  std::string text;
  for (std::size_t line_number = 1; std::getline(in, text); ++line_number) {
    TC_RETURN_IF_ERROR(parse_line(text, line_number, input));
  }
  return tc::Status::ok();
}

// N valid signatures by 64 libsodium keys over random 32-byte messages.
void make_bench_input(std::size_t count, Input* input) {
  constexpr std::size_t kKeys = 64;
  std::vector<std::uint8_t> pubkeys(32 * kKeys), secrets(64 * kKeys);
  for (std::size_t k = 0; k < kKeys; ++k) crypto_sign_keypair(&pubkeys[32 * k], &secrets[64 * k]);
  input->arena.reserve(count * 128);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t k = i % kKeys;
    tc::Bytes msg(32), sig(64);
    randombytes_buf(msg.data(), msg.size());
    crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), &secrets[64 * k]);
    Input::Line line;
    line.pubkey_bytes = 32;
    line.pubkey = input->append(tc::Bytes(&pubkeys[32 * k], &pubkeys[32 * k] + 32));
    line.msg_bytes = 32;
    line.msg = input->append(msg);
    line.sig_bytes = 64;
    line.sig = input->append(sig);
    input->lines.push_back(line);
  }
  sodium_memzero(secrets.data(), secrets.size());
}

// libsodium's verdicts, the baseline: `threads` threads over contiguous ranges.
void verify_libsodium(std::span<const tc::gpu::SignatureRef> sigs,
                      std::span<tc::gpu::Verdict> verdicts, int threads) {
  auto run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const tc::gpu::SignatureRef& s = sigs[i];
      const bool ok = s.pubkey_bytes == crypto_sign_PUBLICKEYBYTES &&
                      s.sig_bytes == crypto_sign_BYTES &&
                      crypto_sign_verify_detached(s.sig, s.msg, s.msg_bytes, s.pubkey) == 0;
      verdicts[i] = ok ? tc::gpu::Verdict::kAccept : tc::gpu::Verdict::kReject;
    }
  };
  const std::size_t per_thread = (sigs.size() + threads - 1) / static_cast<std::size_t>(threads);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) {
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
  const tc::gpu::VerifyEngineMetrics m = engine->metrics();
  const std::uint64_t fallbacks = m.get(tc::gpu::EngineCounter::kGpuFallbackUnavailable) +
                                  m.get(tc::gpu::EngineCounter::kGpuFallbackError) +
                                  m.get(tc::gpu::EngineCounter::kGpuFallbackTimeout);
  if (fallbacks > 0) {
    std::cerr << "timecoin-verify: " << fallbacks << " GPU batch(es) verified on the CPU instead\n";
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
  config.batches_in_flight_max = 2 * static_cast<std::size_t>(options.threads) + 2;
  config.cpu_threads = options.threads;
  backend->engine = std::make_unique<tc::gpu::VerifyEngine>();
  const tc::gpu::Status status = backend->engine->init(config, std::move(gpu));
  if (status != tc::gpu::Status::kOk) {
    return tc::unavailable(std::string("verify engine: ") + tc::gpu::status_name(status));
  }
  return tc::Status::ok();
}

void verify_all(Backend* backend, int threads, std::span<const tc::gpu::SignatureRef> sigs,
                std::span<tc::gpu::Verdict> verdicts) {
  if (backend->engine == nullptr) {
    verify_libsodium(sigs, verdicts, threads);
  } else {
    verify_engine(backend->engine.get(), sigs, verdicts);
  }
}

tc::Status run(const Options& options) {
  Backend backend;
  Input input;
  if (options.bench > 0) {
    make_bench_input(options.bench, &input);
  } else {
    TC_RETURN_IF_ERROR(read_input(std::cin, &input));
  }
  TC_RETURN_IF_ERROR(open_backend(options, &backend));
  const std::vector<tc::gpu::SignatureRef> sigs = input.refs();
  std::vector<tc::gpu::Verdict> verdicts(sigs.size(), tc::gpu::Verdict::kReject);
  const auto start = std::chrono::steady_clock::now();
  verify_all(&backend, options.threads, sigs, verdicts);
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (options.bench == 0) {
    std::string out;
    out.reserve(5 * verdicts.size());
    for (const tc::gpu::Verdict v : verdicts)
      out += v == tc::gpu::Verdict::kAccept ? "ok\n" : "fail\n";
    std::cout << out;
    return tc::Status::ok();
  }
  const auto rejected = std::count(verdicts.begin(), verdicts.end(), tc::gpu::Verdict::kReject);
  if (rejected != 0) {
    return tc::internal_error("bench: " + std::to_string(rejected) + " of " +
                              std::to_string(verdicts.size()) + " valid signatures rejected");
  }
  const std::size_t batch = backend.name == "libsodium" ? 1 : options.batch;
  std::printf("backend=%s threads=%d batch=%zu verifications_per_second=%.0f\n",
              backend.name.c_str(), options.threads, batch,
              static_cast<double>(sigs.size()) / std::max(elapsed.count(), 1e-9));
  return tc::Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ed25519 (ZIP-215) verification of PUBKEY_HEX MSG_HEX SIG_HEX lines from stdin"};
  Options options;
  app.add_option("--backend", options.backend,
                 "auto (gpu if present, else cpu), cpu, gpu, libsodium")
      ->check(CLI::IsMember({"auto", "cpu", "gpu", "libsodium"}));
  app.add_option("--batch", options.batch, "signatures per batch")->check(CLI::Range(1, 1 << 22));
  app.add_option("--threads", options.threads, "CPU verification threads")
      ->check(CLI::Range(1, 256));
  app.add_option("--bench", options.bench, "verify N generated valid signatures and print the rate")
      ->check(CLI::Range(1, 1 << 26));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : kExitError;
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

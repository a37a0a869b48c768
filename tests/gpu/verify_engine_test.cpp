// Goal: the verify engine (gpu/verify_engine.h) delivers, in submission order, exactly the verdict
// of verify_single for every signature, whichever path verified its batch, and never loses a
// batch when the GPU fails.
// Method: a fixed-seed set of valid and mutated signatures (gpu/testing/ed25519_signer.h)
// is pushed through engines of different shapes and the delivered verdicts compared with
// verify_single one by one. The GPU is a fake GpuBatchBackend: there is no GPU on the CI machines,
// and the failure paths (device error, kernel timeout, device gone) cannot be provoked on real
// hardware on demand, so this is the one place where a mock device is the right tool. Its
// succeeding calls compute verdicts with verify_single, standing in for the kernel (which runs
// the same gpu/ed25519/verify.h).
// Scenarios: CPU only with 1 and 2 workers and odd batch sizes; a partial batch dispatched by
// its deadline and by flush; back-pressure when every batch slot awaits poll; a fake GPU that
// succeeds (counted as GPU batches); a fake GPU that fails with kInternal, kDeadlineExceeded and
// kUnavailable in turn (every batch falls back, counted per cause, verdicts exact and in order);
// pinning workers to an allowed core, and init refusing a core that does not exist; invalid
// configurations; fini with batches still queued.
#include "gpu/verify_engine.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <array>
#include <atomic>
#include <vector>

#include "gpu/csprng.h"
#include "gpu/testing/ed25519_signer.h"

namespace tc::gpu {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

struct Case {
  std::array<std::uint8_t, 32> pubkey;
  std::array<std::uint8_t, 64> sig;
  std::array<std::uint8_t, 32> msg;
};

// `count` signatures over 32-byte messages from 4 keys; every third one has a bit flipped in R,
// A, S or the message, so both verdicts occur in every batch.
class Cases {
 public:
  explicit Cases(std::size_t count) {
    const std::uint8_t seed[32] = {7};
    ChaCha20Rng rng(seed);
    std::vector<test::KeyPair> keys;
    for (int k = 0; k < 4; ++k) {
      std::uint8_t key_seed[32];
      rng.fill(key_seed, 32);
      keys.push_back(test::key_from_seed(key_seed));
    }
    cases_.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
      Case& c = cases_[i];
      const test::KeyPair& key = keys[i % keys.size()];
      rng.fill(c.msg.data(), 32);
      c.pubkey = key.pubkey;
      c.sig = test::sign(key, c.msg.data(), 32);
      if (i % 3 == 1) {
        std::uint8_t r[2];
        rng.fill(r, 2);
        const int bit = r[0] % 8, part = r[1] % 4, byte = (r[1] / 4) % 32;
        std::uint8_t* target = part == 0   ? c.sig.data()
                               : part == 1 ? c.pubkey.data()
                               : part == 2 ? c.sig.data() + 32
                                           : c.msg.data();
        target[byte] ^= static_cast<std::uint8_t>(1 << bit);
      }
      refs_.push_back(SignatureRef{c.pubkey.data(), 32, c.sig.data(), 64, c.msg.data(), 32});
      expected_.push_back(verify_single(refs_.back()));
    }
  }
  std::span<const SignatureRef> refs() const { return refs_; }
  const std::vector<Verdict>& expected() const { return expected_; }

 private:
  std::vector<Case> cases_;
  std::vector<SignatureRef> refs_;
  std::vector<Verdict> expected_;
};

const Cases& cases() {
  static const Cases instance(300);
  return instance;
}

// Pushes every signature through the engine in bursts of `burst`, polling between bursts (and
// waiting in poll only when it cannot submit), flushes the last batch, and returns the verdicts
// in delivery order.
std::vector<Verdict> run_all(VerifyEngine* engine, std::span<const SignatureRef> sigs,
                             std::size_t burst) {
  std::vector<Verdict> out;
  std::vector<Verdict> chunk(64);
  std::size_t next = 0;
  while (next < sigs.size() || engine->pending() > 0) {
    bool blocked = true;  // all submitted, or no batch slot free: wait in poll
    if (next < sigs.size()) {
      const std::size_t want = std::min(burst, sigs.size() - next);
      const std::size_t took = engine->submit_burst(sigs.subspan(next, want));
      next += took;
      if (next == sigs.size()) engine->flush();
      blocked = next == sigs.size() || took < want;
    }
    const std::size_t n = engine->poll(chunk, blocked ? milliseconds(20) : milliseconds(0));
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return out;
}

// A GPU stand-in: call i returns script[i % size]; kOk computes the verdicts with verify_single.
class FakeGpu final : public GpuBatchBackend {
 public:
  explicit FakeGpu(std::vector<Status> script, std::atomic<int>* calls)
      : script_(std::move(script)), calls_(calls) {}
  Status verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts) override {
    const Status status = script_[static_cast<std::size_t>(calls_->fetch_add(1)) % script_.size()];
    if (status != Status::kOk) {
      // A failed device leaves garbage behind; the engine must not use it.
      for (Verdict& v : verdicts) v = Verdict::kAccept;
      return status;
    }
    for (std::size_t i = 0; i < sigs.size(); ++i) verdicts[i] = verify_single(sigs[i]);
    return Status::kOk;
  }

 private:
  std::vector<Status> script_;
  std::atomic<int>* calls_;
};

TEST(VerifyEngine, CpuOnlyMatchesVerifySingleInOrder) {
  for (const int threads : {1, 2}) {
    for (const std::size_t batch : {1, 7, 64}) {
      VerifyEngine engine;
      VerifyEngineConfig config;
      config.batch_size_max = batch;
      config.batches_in_flight_max = 3;
      config.cpu_threads = threads;
      config.batch_deadline = std::chrono::hours(1);  // only full batches and the final flush
      ASSERT_EQ(engine.init(config, nullptr), Status::kOk);
      EXPECT_FALSE(engine.has_gpu());
      const std::vector<Verdict> got = run_all(&engine, cases().refs(), 50);
      EXPECT_EQ(got, cases().expected()) << "threads " << threads << " batch " << batch;
      const VerifyEngineMetrics m = engine.metrics();
      EXPECT_EQ(m.get(EngineCounter::kSignatures), cases().refs().size());
      EXPECT_EQ(m.get(EngineCounter::kAccepted) + m.get(EngineCounter::kRejected),
                cases().refs().size());
      EXPECT_EQ(m.get(EngineCounter::kBatchesCpu), (cases().refs().size() + batch - 1) / batch);
      EXPECT_EQ(m.get(EngineCounter::kBatchesGpu), 0u);
    }
  }
}

TEST(VerifyEngine, PartialBatchGoesOutAtItsDeadline) {
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 1024;
  config.batch_deadline = microseconds(1000);
  ASSERT_EQ(engine.init(config, nullptr), Status::kOk);
  ASSERT_EQ(engine.submit_burst(cases().refs().first(5)), 5u);
  std::vector<Verdict> out(5);
  std::size_t got = 0;
  for (int attempt = 0; attempt < 500 && got < 5; ++attempt) {
    got += engine.poll(std::span<Verdict>(out).subspan(got), milliseconds(10));
  }
  ASSERT_EQ(got, 5u);
  EXPECT_EQ(out, std::vector<Verdict>(cases().expected().begin(), cases().expected().begin() + 5));
  EXPECT_EQ(engine.pending(), 0u);
}

TEST(VerifyEngine, FlushSendsPartialBatchBeforeDeadline) {
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 1024;
  config.batch_deadline = std::chrono::hours(1);
  ASSERT_EQ(engine.init(config, nullptr), Status::kOk);
  ASSERT_EQ(engine.submit_burst(cases().refs().first(3)), 3u);
  std::vector<Verdict> out(3);
  EXPECT_EQ(engine.poll(out), 0u);  // not dispatched: the deadline is an hour away
  engine.flush();
  std::size_t got = 0;
  for (int attempt = 0; attempt < 500 && got < 3; ++attempt) {
    got += engine.poll(std::span<Verdict>(out).subspan(got), milliseconds(10));
  }
  ASSERT_EQ(got, 3u);
  EXPECT_EQ(out, std::vector<Verdict>(cases().expected().begin(), cases().expected().begin() + 3));
}

TEST(VerifyEngine, BackPressureWhenAllSlotsAwaitPoll) {
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 10;
  config.batches_in_flight_max = 2;
  ASSERT_EQ(engine.init(config, nullptr), Status::kOk);
  EXPECT_EQ(engine.submit_burst(cases().refs().first(50)), 20u);
  EXPECT_EQ(engine.submit_burst(cases().refs().subspan(20, 1)), 0u);
  std::vector<Verdict> out(10);
  std::size_t got = 0;
  for (int attempt = 0; attempt < 500 && got < 10; ++attempt) {
    got += engine.poll(std::span<Verdict>(out).subspan(got), milliseconds(10));
  }
  ASSERT_EQ(got, 10u);  // the first slot is free again
  EXPECT_EQ(engine.submit_burst(cases().refs().subspan(20, 30)), 10u);
  EXPECT_EQ(engine.pending(), 20u);
}

TEST(VerifyEngine, WorkingGpuVerifiesEveryBatch) {
  std::atomic<int> calls{0};
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 32;
  config.batch_deadline = std::chrono::hours(1);  // batch counts stay exact
  config.batches_in_flight_max = 4;
  ASSERT_EQ(
      engine.init(config, std::make_unique<FakeGpu>(std::vector<Status>{Status::kOk}, &calls)),
      Status::kOk);
  EXPECT_TRUE(engine.has_gpu());
  EXPECT_EQ(run_all(&engine, cases().refs(), 40), cases().expected());
  const VerifyEngineMetrics m = engine.metrics();
  const std::uint64_t batches = (cases().refs().size() + 31) / 32;
  EXPECT_EQ(m.get(EngineCounter::kBatchesGpu), batches);
  EXPECT_EQ(m.get(EngineCounter::kBatchesCpu), 0u);
  EXPECT_EQ(static_cast<std::uint64_t>(calls.load()), batches);
}

TEST(VerifyEngine, FailingGpuFallsBackPerBatchAndCountsEachCause) {
  std::atomic<int> calls{0};
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 25;  // 300 / 25 = 12 batches, 3 of each scripted outcome
  config.batch_deadline = std::chrono::hours(1);  // batch counts stay exact
  config.batches_in_flight_max = 3;
  config.cpu_threads = 2;
  const std::vector<Status> script = {Status::kInternal, Status::kOk, Status::kDeadlineExceeded,
                                      Status::kUnavailable};
  ASSERT_EQ(engine.init(config, std::make_unique<FakeGpu>(script, &calls)), Status::kOk);
  EXPECT_EQ(run_all(&engine, cases().refs(), 25), cases().expected());
  const VerifyEngineMetrics m = engine.metrics();
  EXPECT_EQ(calls.load(), 12);
  EXPECT_EQ(m.get(EngineCounter::kBatchesGpu), 3u);
  EXPECT_EQ(m.get(EngineCounter::kBatchesCpu), 9u);
  EXPECT_EQ(m.get(EngineCounter::kGpuFallbackError), 3u);
  EXPECT_EQ(m.get(EngineCounter::kGpuFallbackTimeout), 3u);
  EXPECT_EQ(m.get(EngineCounter::kGpuFallbackUnavailable), 3u);
  EXPECT_EQ(m.get(EngineCounter::kSignatures), 300u);
}

TEST(VerifyEngine, DeadGpuLosesNoBatch) {
  std::atomic<int> calls{0};
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 16;
  config.batch_deadline = std::chrono::hours(1);  // batch counts stay exact
  ASSERT_EQ(engine.init(config,
                        std::make_unique<FakeGpu>(std::vector<Status>{Status::kInternal}, &calls)),
            Status::kOk);
  EXPECT_EQ(run_all(&engine, cases().refs(), 100), cases().expected());
  const std::uint64_t batches = (cases().refs().size() + 15) / 16;
  EXPECT_EQ(engine.metrics().get(EngineCounter::kGpuFallbackError), batches);
  EXPECT_EQ(engine.metrics().get(EngineCounter::kBatchesCpu), batches);
}

TEST(VerifyEngine, PinsWorkersToAllowedCore) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  int core = 0;
  while (!CPU_ISSET(core, &allowed)) ++core;
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 64;
  config.cpu_threads = 2;
  config.cpu_cores = {core};
  ASSERT_EQ(engine.init(config, nullptr), Status::kOk);
  EXPECT_EQ(run_all(&engine, cases().refs().first(100), 100),
            std::vector<Verdict>(cases().expected().begin(), cases().expected().begin() + 100));
}

TEST(VerifyEngine, RejectsCoreThatDoesNotExist) {
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.cpu_cores = {CPU_SETSIZE - 1};
  EXPECT_EQ(engine.init(config, nullptr), Status::kInvalidArgument);
}

TEST(VerifyEngine, RejectsInvalidConfig) {
  VerifyEngineConfig zero_batch;
  zero_batch.batch_size_max = 0;
  VerifyEngineConfig zero_slots;
  zero_slots.batches_in_flight_max = 0;
  VerifyEngineConfig zero_threads;
  zero_threads.cpu_threads = 0;
  for (const VerifyEngineConfig& config : {zero_batch, zero_slots, zero_threads}) {
    VerifyEngine engine;
    EXPECT_EQ(engine.init(config, nullptr), Status::kInvalidArgument);
  }
  VerifyEngine twice;
  ASSERT_EQ(twice.init(VerifyEngineConfig{}, nullptr), Status::kOk);
  EXPECT_EQ(twice.init(VerifyEngineConfig{}, nullptr), Status::kInternal);
}

TEST(VerifyEngine, FiniWithQueuedBatchesReturns) {
  VerifyEngine engine;
  VerifyEngineConfig config;
  config.batch_size_max = 8;
  config.batches_in_flight_max = 8;
  ASSERT_EQ(engine.init(config, nullptr), Status::kOk);
  EXPECT_EQ(engine.submit_burst(cases().refs().first(64)), 64u);
  engine.fini();
  engine.fini();
  EXPECT_EQ(engine.metrics().get(EngineCounter::kBatchesCpu), 8u);
}

TEST(VerifyEngine, CudaBackendReportsUnavailableWithoutDevice) {
  Status status = Status::kOk;
  std::unique_ptr<GpuBatchBackend> backend = make_cuda_backend(CudaPipelineConfig{}, &status);
  if (cuda_device_status() == Status::kOk) {
    EXPECT_EQ(status, Status::kOk);
    EXPECT_NE(backend, nullptr);
  } else {
    EXPECT_EQ(status, Status::kUnavailable);
    EXPECT_EQ(backend, nullptr);
  }
}

}  // namespace
}  // namespace tc::gpu

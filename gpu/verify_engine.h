// The verify stage's engine: a batcher that gathers signatures into batches (up to a size or a
// deadline), dispatches each batch to the GPU backend when one is given and to a pool of CPU
// worker threads (BatchVerifierCpu, optionally pinned to cores) otherwise, and hands the verdicts
// back in submission order.
//
// A batch the GPU cannot verify (no device, a device error, a kernel timeout) is verified on the
// CPU instead: no batch is lost, and a counter per cause says so. The GPU backend is an interface
// (GpuBatchBackend) so tests can inject a failing device; make_cuda_backend gives the real one.
// One thread (the verify stage) owns a VerifyEngine and calls submit_burst, poll, flush and fini;
// metrics may be read from any thread. The engine's own threads run the batches.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "gpu/cuda_pipeline.h"
#include "gpu/status.h"
#include "gpu/verdict.h"
#include "gpu/verifier.h"

namespace tc::gpu {

// A device that verifies whole batches. Called from the engine's one GPU thread only.
class GpuBatchBackend {
 public:
  virtual ~GpuBatchBackend() = default;
  // Writes verdicts[i] = verify_single(sigs[i]) for every i and returns kOk; any other status
  // means the verdicts are not valid (kUnavailable: no device; kInternal: a device error;
  // kDeadlineExceeded: the kernel timed out) and the engine verifies the batch on the CPU.
  // REQUIRES: sigs.size() == verdicts.size() <= the batch_size_max the engine was given.
  virtual Status verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts) = 0;
};

// The CUDA backend over CudaVerifyPipeline. Sets *status to kOk and returns the backend when a
// device was found and its buffers allocated; otherwise returns null with *status kUnavailable
// (no CUDA build or no device), kInvalidArgument or kInternal (as CudaVerifyPipeline::init).
std::unique_ptr<GpuBatchBackend> make_cuda_backend(const CudaPipelineConfig& config,
                                                   Status* status);

struct VerifyEngineConfig {
  // Signatures per batch; a batch is dispatched as soon as it is full.
  std::size_t batch_size_max = 1024;
  // Batches submitted but not yet delivered by poll (the one being filled included); bounds
  // memory: every buffer is sized at init from batch_size_max * batches_in_flight_max.
  std::size_t batches_in_flight_max = 8;
  // A partial batch is dispatched by poll once its first signature has waited this long.
  std::chrono::microseconds batch_deadline{500};
  // CPU worker threads (at least 1: the CPU path is also the GPU's fallback).
  int cpu_threads = 1;
  // Worker i is pinned with sched_setaffinity to cpu_cores[i % size]; empty: not pinned.
  std::vector<int> cpu_cores;
};

// Counters of the engine, each indexed by what happened.
enum class EngineCounter : std::uint8_t {
  kSignatures = 0,          // submitted
  kAccepted,                // delivered as kAccept
  kRejected,                // delivered as kReject
  kBatchesGpu,              // verified by the GPU backend
  kBatchesCpu,              // verified by a CPU worker (including fallbacks)
  kGpuFallbackUnavailable,  // GPU batches re-run on the CPU: backend said kUnavailable
  kGpuFallbackError,        // ... kInternal, kInvalidArgument or kResourceExhausted
  kGpuFallbackTimeout,      // ... kDeadlineExceeded
  kCount,
};

struct VerifyEngineMetrics {
  std::array<std::uint64_t, static_cast<std::size_t>(EngineCounter::kCount)> counters{};
  std::uint64_t get(EngineCounter counter) const {
    return counters[static_cast<std::size_t>(counter)];
  }
};

class VerifyEngine {
 public:
  VerifyEngine() = default;
  ~VerifyEngine();  // fini()
  VerifyEngine(const VerifyEngine&) = delete;
  VerifyEngine& operator=(const VerifyEngine&) = delete;

  // Allocates all batch memory, initialises one BatchVerifierCpu per worker (coefficients keyed
  // from the OS) and starts the workers (and a GPU thread when `gpu` is not null; the engine
  // takes it). Errors: kInvalidArgument for a zero size or thread count, or a core the thread
  // could not be pinned to (bad setup: the caller exits naming its core list); kUnavailable
  // without OS randomness; kInternal when called twice.
  Status init(const VerifyEngineConfig& config, std::unique_ptr<GpuBatchBackend> gpu);

  // Takes signatures from the front of `sigs` while batch slots are free and returns how many it
  // took (fewer than sigs.size() when batches_in_flight_max batches await poll). Each batch is
  // dispatched as it fills. The referenced bytes must stay valid and unchanged until poll has
  // delivered their verdicts. Allocates nothing. REQUIRES: init succeeded.
  std::size_t submit_burst(std::span<const SignatureRef> sigs);

  // Dispatches the batch being filled now, whatever its size.
  void flush();

  // Dispatches the partial batch when its deadline has passed, then writes the verdicts of the
  // oldest undelivered signatures, in submission order, into out[0, n) and returns n (at most
  // out.size()). When none is ready it waits up to wait_max for the oldest batch to finish (or,
  // when only a partial batch is pending, for its deadline to dispatch it).
  std::size_t poll(std::span<Verdict> out,
                   std::chrono::microseconds wait_max = std::chrono::microseconds{0});

  // Signatures submitted whose verdicts poll has not delivered yet.
  std::size_t pending() const { return submitted_ - delivered_; }

  bool has_gpu() const { return gpu_ != nullptr; }

  // A snapshot of the counters; any thread.
  VerifyEngineMetrics metrics() const;

  // Ordered shutdown: the batches already dispatched are finished, then the threads stop.
  // Undelivered verdicts are dropped. Safe to call twice and without init.
  void fini();

 private:
  enum class BatchState : std::uint8_t { kFree, kFilling, kQueuedGpu, kQueuedCpu, kDone };
  // A FIFO of slot numbers with room for every batch slot, so pushes never allocate.
  class SlotQueue {
   public:
    void reset(std::size_t capacity) {
      slots_.assign(capacity, 0);
      first_ = 0;
      size_ = 0;
    }
    bool empty() const { return size_ == 0; }
    void push(std::size_t slot) { slots_[(first_ + size_++) % slots_.size()] = slot; }
    std::size_t pop() {
      const std::size_t slot = slots_[first_];
      first_ = (first_ + 1) % slots_.size();
      --size_;
      return slot;
    }

   private:
    std::vector<std::size_t> slots_;
    std::size_t first_ = 0, size_ = 0;
  };
  struct Batch {
    std::vector<SignatureRef> sigs;  // capacity batch_size_max
    std::vector<Verdict> verdicts;
    std::size_t count = 0;
    std::size_t delivered = 0;
    std::chrono::steady_clock::time_point first_submit;
    BatchState state = BatchState::kFree;  // GUARDED_BY(mutex_)
  };

  void dispatch(std::size_t sequence);
  void run_cpu_worker(int worker);
  void run_gpu_worker();
  void count(EngineCounter counter, std::uint64_t amount);

  VerifyEngineConfig config_;
  std::unique_ptr<Batch[]> batches_;
  std::vector<BatchVerifierCpu> cpu_verifiers_;
  std::unique_ptr<GpuBatchBackend> gpu_;
  std::vector<std::thread> threads_;

  // Owned by the stage thread: batch sequence numbers (slot = sequence % batches_in_flight_max).
  std::size_t head_ = 0;  // oldest batch not fully delivered
  std::size_t tail_ = 0;  // the batch being filled, or the next one to fill
  bool filling_ = false;
  std::uint64_t submitted_ = 0;
  std::uint64_t delivered_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;  // a queue gained a batch, or stop_
  std::condition_variable batch_done_;  // a batch became kDone
  SlotQueue gpu_queue_;                 // GUARDED_BY(mutex_); slots, in dispatch order
  SlotQueue cpu_queue_;                 // GUARDED_BY(mutex_)
  bool gpu_busy_ = false;               // GUARDED_BY(mutex_)
  bool stop_ = false;                   // GUARDED_BY(mutex_)

  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(EngineCounter::kCount)>
      counters_{};
};

}  // namespace tc::gpu

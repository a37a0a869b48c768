#include "gpu/verify_engine.h"

#include <sched.h>

#include <algorithm>
#include <latch>

namespace tc::gpu {
namespace {

class CudaGpuBackend final : public GpuBatchBackend {
 public:
  Status init(const CudaPipelineConfig& config) { return pipeline_.init(config); }
  Status verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts) override {
    return pipeline_.verify(sigs, verdicts);
  }

 private:
  CudaVerifyPipeline pipeline_;
};

// Pins the calling thread to `core`; kInvalidArgument when the kernel refuses (no such core, or
// one outside the process's cpuset).
Status pin_current_thread(int core) {
  if (core < 0 || core >= CPU_SETSIZE) return Status::kInvalidArgument;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0 ? Status::kOk : Status::kInvalidArgument;
}

EngineCounter fallback_counter(Status status) {
  switch (status) {
    case Status::kUnavailable:
      return EngineCounter::kGpuFallbackUnavailable;
    case Status::kDeadlineExceeded:
      return EngineCounter::kGpuFallbackTimeout;
    default:
      return EngineCounter::kGpuFallbackError;
  }
}

}  // namespace

std::unique_ptr<GpuBatchBackend> make_cuda_backend(const CudaPipelineConfig& config,
                                                   Status* status) {
  auto backend = std::make_unique<CudaGpuBackend>();
  *status = backend->init(config);
  if (*status != Status::kOk) return nullptr;
  return backend;
}

VerifyEngine::~VerifyEngine() {
  fini();
}

Status VerifyEngine::init(const VerifyEngineConfig& config, std::unique_ptr<GpuBatchBackend> gpu) {
  if (batches_ != nullptr) return Status::kInternal;
  if (config.batch_size_max == 0 || config.batches_in_flight_max == 0 || config.cpu_threads <= 0) {
    return Status::kInvalidArgument;
  }
  config_ = config;
  cpu_verifiers_.resize(static_cast<std::size_t>(config.cpu_threads));
  // Each worker's verifier keeps its own failure history (gpu/verifier.h) with the default policy.
  BatchVerifierCpuConfig verifier_config;
  verifier_config.batch_size_max = config.batch_size_max;
  for (BatchVerifierCpu& verifier : cpu_verifiers_) {
    const Status status = verifier.init(verifier_config);
    if (status != Status::kOk) {
      cpu_verifiers_.clear();
      return status;
    }
  }
  batches_ = std::make_unique<Batch[]>(config.batches_in_flight_max);
  for (std::size_t i = 0; i < config.batches_in_flight_max; ++i) {
    batches_[i].sigs.resize(config.batch_size_max);
    batches_[i].verdicts.resize(config.batch_size_max);
  }
  gpu_queue_.reset(config.batches_in_flight_max);
  cpu_queue_.reset(config.batches_in_flight_max);
  gpu_ = std::move(gpu);

  // Workers report their pinning before init returns; shared so no worker touches freed memory.
  struct Startup {
    explicit Startup(std::size_t workers) : pinned(workers, Status::kOk), started(workers) {}
    std::vector<Status> pinned;
    std::latch started;
  };
  auto startup = std::make_shared<Startup>(cpu_verifiers_.size());
  for (int w = 0; w < config.cpu_threads; ++w) {
    const int core = config.cpu_cores.empty()
                         ? -1
                         : config.cpu_cores[static_cast<std::size_t>(w) % config.cpu_cores.size()];
    threads_.emplace_back([this, w, core, startup] {
      const Status pin = core >= 0 ? pin_current_thread(core) : Status::kOk;
      startup->pinned[static_cast<std::size_t>(w)] = pin;
      startup->started.count_down();
      if (pin == Status::kOk) run_cpu_worker(w);
    });
  }
  startup->started.wait();
  if (gpu_ != nullptr) threads_.emplace_back([this] { run_gpu_worker(); });
  for (const Status status : startup->pinned) {
    if (status != Status::kOk) {
      fini();
      return status;
    }
  }
  return Status::kOk;
}

void VerifyEngine::fini() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

std::size_t VerifyEngine::submit_burst(std::span<const SignatureRef> sigs) {
  const std::size_t slots = config_.batches_in_flight_max;
  std::size_t taken = 0;
  while (taken < sigs.size()) {
    if (!filling_) {
      if (tail_ - head_ == slots) break;  // every slot awaits poll
      Batch& batch = batches_[tail_ % slots];
      batch.count = 0;
      batch.delivered = 0;
      batch.first_submit = std::chrono::steady_clock::now();
      filling_ = true;
    }
    Batch& batch = batches_[tail_ % slots];
    const std::size_t n = std::min(config_.batch_size_max - batch.count, sigs.size() - taken);
    std::copy_n(sigs.begin() + static_cast<std::ptrdiff_t>(taken), n,
                batch.sigs.begin() + static_cast<std::ptrdiff_t>(batch.count));
    batch.count += n;
    taken += n;
    if (batch.count == config_.batch_size_max) dispatch(tail_);
  }
  submitted_ += taken;
  count(EngineCounter::kSignatures, taken);
  return taken;
}

void VerifyEngine::flush() {
  if (filling_) dispatch(tail_);
}

void VerifyEngine::dispatch(std::size_t sequence) {
  const std::size_t slot = sequence % config_.batches_in_flight_max;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (gpu_ != nullptr) {
      batches_[slot].state = BatchState::kQueuedGpu;
      gpu_queue_.push(slot);
    } else {
      batches_[slot].state = BatchState::kQueuedCpu;
      cpu_queue_.push(slot);
    }
  }
  work_ready_.notify_all();
  filling_ = false;
  ++tail_;
}

std::size_t VerifyEngine::poll(std::span<Verdict> out, std::chrono::microseconds wait_max) {
  const auto now = std::chrono::steady_clock::now();
  const auto wait_until = now + wait_max;
  if (filling_) {
    const auto deadline =
        batches_[tail_ % config_.batches_in_flight_max].first_submit + config_.batch_deadline;
    // With nothing else in flight, the partial batch's deadline is the first thing to wait for.
    if (head_ == tail_ && deadline > now && wait_until > now) {
      std::this_thread::sleep_until(std::min(deadline, wait_until));
    }
    if (std::chrono::steady_clock::now() >= deadline) dispatch(tail_);
  }
  std::size_t written = 0;
  std::uint64_t accepted = 0;
  while (written < out.size() && head_ != tail_) {
    Batch& batch = batches_[head_ % config_.batches_in_flight_max];
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (batch.state != BatchState::kDone) {
        if (written > 0) break;
        if (!batch_done_.wait_until(lock, wait_until,
                                    [&batch] { return batch.state == BatchState::kDone; })) {
          break;
        }
      }
    }
    const std::size_t n = std::min(batch.count - batch.delivered, out.size() - written);
    for (std::size_t i = 0; i < n; ++i) {
      const Verdict verdict = batch.verdicts[batch.delivered + i];
      accepted += verdict == Verdict::kAccept ? 1 : 0;
      out[written + i] = verdict;
    }
    batch.delivered += n;
    written += n;
    if (batch.delivered == batch.count) {
      std::lock_guard<std::mutex> lock(mutex_);
      batch.state = BatchState::kFree;
      ++head_;
    }
  }
  delivered_ += written;
  count(EngineCounter::kAccepted, accepted);
  count(EngineCounter::kRejected, written - accepted);
  return written;
}

VerifyEngineMetrics VerifyEngine::metrics() const {
  VerifyEngineMetrics snapshot;
  for (std::size_t i = 0; i < counters_.size(); ++i) {
    snapshot.counters[i] = counters_[i].load(std::memory_order_relaxed);
  }
  return snapshot;
}

void VerifyEngine::count(EngineCounter counter, std::uint64_t amount) {
  counters_[static_cast<std::size_t>(counter)].fetch_add(amount, std::memory_order_relaxed);
}

// Runs CPU batches until fini; exits only once no GPU batch could still fall back to it.
void VerifyEngine::run_cpu_worker(int worker) {
  BatchVerifierCpu& verifier = cpu_verifiers_[static_cast<std::size_t>(worker)];
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [this] {
      return !cpu_queue_.empty() || (stop_ && gpu_queue_.empty() && !gpu_busy_);
    });
    if (cpu_queue_.empty()) return;
    const std::size_t slot = cpu_queue_.pop();
    Batch& batch = batches_[slot];
    lock.unlock();
    // The spans have equal sizes and the verifier is initialised, so this cannot fail.
    (void)verifier.verify(std::span<const SignatureRef>(batch.sigs.data(), batch.count),
                          std::span<Verdict>(batch.verdicts.data(), batch.count), nullptr);
    count(EngineCounter::kBatchesCpu, 1);
    lock.lock();
    batch.state = BatchState::kDone;
    batch_done_.notify_all();
  }
}

// Runs GPU batches in dispatch order; a batch the backend fails goes to the CPU queue.
void VerifyEngine::run_gpu_worker() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [this] { return !gpu_queue_.empty() || stop_; });
    if (gpu_queue_.empty()) {
      lock.unlock();
      work_ready_.notify_all();  // CPU workers wait for the GPU queue to drain before stopping
      return;
    }
    const std::size_t slot = gpu_queue_.pop();
    gpu_busy_ = true;
    Batch& batch = batches_[slot];
    lock.unlock();
    const Status status =
        gpu_->verify(std::span<const SignatureRef>(batch.sigs.data(), batch.count),
                     std::span<Verdict>(batch.verdicts.data(), batch.count));
    lock.lock();
    gpu_busy_ = false;
    if (status == Status::kOk) {
      count(EngineCounter::kBatchesGpu, 1);
      batch.state = BatchState::kDone;
      batch_done_.notify_all();
    } else {
      count(fallback_counter(status), 1);
      batch.state = BatchState::kQueuedCpu;
      cpu_queue_.push(slot);
      work_ready_.notify_all();
    }
  }
}

}  // namespace tc::gpu

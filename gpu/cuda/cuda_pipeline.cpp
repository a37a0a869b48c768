// CUDA implementation of gpu/cuda_pipeline.h: host code (g++) over the CUDA runtime API; the
// kernel itself is in cuda_verifier.cu.
#include "gpu/cuda_pipeline.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace tc::gpu {

// One stream's share: pinned staging for its slice and its device workspace.
struct StreamSlot {
  cudaStream_t stream = nullptr;
  std::uint8_t* host = nullptr;      // pinned: pubkeys, sigs, msgs (128 bytes per signature)
  Verdict* host_verdicts = nullptr;  // pinned
  std::uint8_t* device = nullptr;    // workspace
  CudaBatchVerifier verifier;
};

struct CudaVerifyPipeline::Impl {
  CudaPipelineConfig config;
  std::size_t slot_capacity = 0;
  StreamSlot slots[16];
  int slot_count = 0;
  // Indices (into the caller's span) of the signatures staged to the GPU, in submission order.
  std::unique_ptr<std::size_t[]> staged_index;
  // A batch was abandoned (timeout or error): its streams may still use the staging buffers.
  bool abandoned = false;

  ~Impl() {
    for (int i = 0; i < slot_count; ++i) {
      if (slots[i].stream != nullptr) cudaStreamDestroy(slots[i].stream);
      if (slots[i].host != nullptr) cudaFreeHost(slots[i].host);
      if (slots[i].host_verdicts != nullptr) cudaFreeHost(slots[i].host_verdicts);
      if (slots[i].device != nullptr) cudaFree(slots[i].device);
    }
  }
};

namespace {

// Waits for `stream` until `deadline`, polling: kOk when it completed, kInternal when it failed,
// kDeadlineExceeded when it is still running at the deadline.
Status wait_for_stream(cudaStream_t stream, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const cudaError_t state = cudaStreamQuery(stream);
    if (state == cudaSuccess) return Status::kOk;
    if (state != cudaErrorNotReady) return Status::kInternal;
    if (std::chrono::steady_clock::now() >= deadline) return Status::kDeadlineExceeded;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

// True when every stream of an abandoned batch has finished (or failed), so the buffers are free.
bool streams_idle(const StreamSlot* slots, int count) {
  for (int i = 0; i < count; ++i) {
    if (cudaStreamQuery(slots[i].stream) == cudaErrorNotReady) return false;
  }
  return true;
}

}  // namespace

CudaVerifyPipeline::CudaVerifyPipeline() = default;
CudaVerifyPipeline::~CudaVerifyPipeline() = default;

Status CudaVerifyPipeline::init(const CudaPipelineConfig& config) {
  if (config.batch_size_max == 0 || config.stream_count <= 0 || config.stream_count > 16) {
    return Status::kInvalidArgument;
  }
  const Status device = cuda_device_status();
  if (device != Status::kOk) return device;
  if (cudaSetDevice(config.device) != cudaSuccess) return Status::kUnavailable;
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->slot_capacity = (config.batch_size_max + config.stream_count - 1) /
                        static_cast<std::size_t>(config.stream_count);
  impl->staged_index = std::make_unique<std::size_t[]>(config.batch_size_max);
  for (int i = 0; i < config.stream_count; ++i) {
    StreamSlot& slot = impl->slots[i];
    ++impl->slot_count;
    const CudaBatch sizing{nullptr, nullptr, nullptr, impl->slot_capacity, nullptr};
    if (cudaStreamCreateWithFlags(&slot.stream, cudaStreamNonBlocking) != cudaSuccess ||
        cudaMallocHost(reinterpret_cast<void**>(&slot.host), 128 * impl->slot_capacity) !=
            cudaSuccess ||
        cudaMallocHost(reinterpret_cast<void**>(&slot.host_verdicts), impl->slot_capacity) !=
            cudaSuccess ||
        cudaMalloc(reinterpret_cast<void**>(&slot.device),
                   CudaBatchVerifier::workspace_bytes(sizing)) != cudaSuccess) {
      return Status::kInternal;
    }
  }
  impl_ = std::move(impl);
  return Status::kOk;
}

Status CudaVerifyPipeline::verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts) {
  if (sigs.size() != verdicts.size()) return Status::kInvalidArgument;
  if (!impl_) return Status::kUnavailable;
  if (sigs.size() > impl_->config.batch_size_max) return Status::kResourceExhausted;
  Impl& impl = *impl_;
  if (impl.abandoned) {
    if (!streams_idle(impl.slots, impl.slot_count)) return Status::kUnavailable;
    impl.abandoned = false;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(impl.config.kernel_timeout_ms);
  // Stage the fixed-shape signatures into the slots in submission order; others run on the CPU.
  std::size_t staged = 0;
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    const SignatureRef& sig = sigs[i];
    if (sig.pubkey_bytes != 32 || sig.sig_bytes != 64 || sig.msg_bytes != 32) {
      verdicts[i] = verify_single(sig);
      continue;
    }
    impl.staged_index[staged++] = i;
  }
  const std::size_t per_slot = std::max<std::size_t>(
      1, (staged + impl.slot_count - 1) / static_cast<std::size_t>(impl.slot_count));
  std::size_t slot_counts[16] = {};
  for (int s = 0; s < impl.slot_count; ++s) {
    StreamSlot& slot = impl.slots[s];
    const std::size_t begin = std::min(staged, per_slot * s);
    const std::size_t count = std::min(staged, begin + per_slot) - begin;
    slot_counts[s] = count;
    if (count == 0) continue;
    std::uint8_t* pubkeys = slot.host;
    std::uint8_t* sig_bytes = slot.host + 32 * count;
    std::uint8_t* msgs = slot.host + 96 * count;
    for (std::size_t j = 0; j < count; ++j) {
      const SignatureRef& sig = sigs[impl.staged_index[begin + j]];
      std::memcpy(pubkeys + 32 * j, sig.pubkey, 32);
      std::memcpy(sig_bytes + 64 * j, sig.sig, 64);
      std::memcpy(msgs + 32 * j, sig.msg, 32);
    }
    const CudaBatch batch{pubkeys, sig_bytes, msgs, count, slot.host_verdicts};
    if (slot.verifier.initialize(batch, slot.device, slot.stream) != Status::kOk ||
        slot.verifier.run(slot.stream) != Status::kOk) {
      impl.abandoned = true;
      return Status::kInternal;
    }
  }
  // Collect in submission order: slot s holds staged signatures [per_slot s, per_slot s + count).
  for (int s = 0; s < impl.slot_count; ++s) {
    if (slot_counts[s] == 0) continue;
    StreamSlot& slot = impl.slots[s];
    const Status waited = wait_for_stream(slot.stream, deadline);
    if (waited != Status::kOk) {
      impl.abandoned = true;
      return waited;
    }
    const std::size_t begin = per_slot * s;
    for (std::size_t j = 0; j < slot_counts[s]; ++j) {
      verdicts[impl.staged_index[begin + j]] = slot.host_verdicts[j];
    }
  }
  return Status::kOk;
}

}  // namespace tc::gpu

// The GPU verify pipeline: pinned host staging, device memory and several CUDA streams over
// CudaBatchVerifier (gpu/cuda_verifier.h), verifying a span of SignatureRef with verdicts in
// submission order.
//
// Where the library was built without CUDA or the machine has no usable device, init returns
// kUnavailable so the verify stage falls back to BatchVerifierCpu and counts it. A pipeline
// belongs to one thread (the verify stage).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "gpu/cuda_verifier.h"
#include "gpu/status.h"
#include "gpu/verifier.h"

namespace tc::gpu {

struct CudaPipelineConfig {
  std::size_t batch_size_max = 1 << 16;  // signatures per verify call; sizes all buffers
  int stream_count = 4;                  // the batch is split across this many streams
  int device = 0;
  // verify gives up on a batch whose streams have not finished this long after it was queued
  // (kDeadlineExceeded); until those streams drain, later calls return kUnavailable at once.
  std::uint32_t kernel_timeout_ms = 2000;
};

class CudaVerifyPipeline {
 public:
  CudaVerifyPipeline();
  ~CudaVerifyPipeline();
  CudaVerifyPipeline(const CudaVerifyPipeline&) = delete;
  CudaVerifyPipeline& operator=(const CudaVerifyPipeline&) = delete;

  // Allocates pinned host staging, device memory and the streams. kUnavailable without a device
  // (the caller falls back to the CPU), kInvalidArgument for a zero size or stream count,
  // kInternal when a CUDA allocation fails.
  Status init(const CudaPipelineConfig& config);

  // verdicts[i] = verify_single(sigs[i]) for every i, computed on the GPU for 32-byte messages
  // and on this thread for any other shape. Blocks until done. kInvalidArgument when the spans
  // differ in size, kResourceExhausted above batch_size_max, kUnavailable before init,
  // kInternal when a CUDA call fails, kDeadlineExceeded after kernel_timeout_ms, and kUnavailable
  // while a timed-out batch still occupies the device (the verdicts are then not valid).
  Status verify(std::span<const SignatureRef> sigs, std::span<Verdict> verdicts);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc::gpu

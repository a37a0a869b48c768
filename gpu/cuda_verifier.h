// The CUDA Ed25519 batch verifier: one signature per GPU thread running the same
// gpu/ed25519/verify.h as the CPU path, for the protocol's fixed shape (32-byte message).
//
// CudaBatchVerifier follows the project's batch-verifier protocol (can_implement, workspace_bytes,
// initialize, run) on a caller-owned stream and caller-owned device workspace; gpu/cuda_pipeline.h
// builds the stream pipeline on it. Where the library was built without CUDA or the machine has no
// usable device, everything returns kUnavailable so the caller falls back to the CPU verifier (and
// counts it). This header is C++17 so nvcc compiles it. One instance per stream.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gpu/status.h"
#include "gpu/verdict.h"

namespace tc::gpu {

// kOk when this build has the CUDA verifier and cudaGetDeviceCount finds at least one device;
// kUnavailable otherwise (no CUDA build, no driver, no device). Any thread.
Status cuda_device_status();

// A batch in structure-of-arrays host memory: pubkeys[32 i], sigs[64 i], msgs[32 i] for
// i < count, and one verdict per signature written back to verdicts.
struct CudaBatch {
  const std::uint8_t* pubkeys;
  const std::uint8_t* sigs;
  const std::uint8_t* msgs;
  std::size_t count;
  Verdict* verdicts;
};

class CudaBatchVerifier {
 public:
  // kOk when the batch can run: a device exists (else kUnavailable) and no pointer is null while
  // count > 0 (else kInvalidArgument).
  static Status can_implement(const CudaBatch& batch);
  // Device bytes initialize needs for this batch (inputs, verdicts): 129 bytes per signature.
  static std::size_t workspace_bytes(const CudaBatch& batch);
  // Queues the host-to-device copies of the batch into `workspace` (device memory of at least
  // workspace_bytes(batch)) on `stream` (a cudaStream_t; null is the default stream). The host
  // buffers must stay valid, and should be pinned for asynchronous copies, until the stream
  // completes.
  Status initialize(const CudaBatch& batch, void* workspace, void* stream);
  // Queues the kernel and the copy of the verdicts back to batch.verdicts on `stream`; the
  // verdicts are valid once the stream has completed. REQUIRES: initialize succeeded.
  Status run(void* stream);

 private:
  CudaBatch batch_{};
  std::uint8_t* workspace_ = nullptr;
};

}  // namespace tc::gpu

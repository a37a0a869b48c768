// CUDA implementation of gpu/cuda_verifier.h: the kernel runs gpu/ed25519/verify.h, one signature
// per thread. Compiled by nvcc as C++17.
#include <cuda_runtime.h>

#include "gpu/cuda_verifier.h"
#include "gpu/ed25519/verify.h"

namespace tc::gpu {
namespace {

constexpr int kThreadsPerBlock = 128;

// Workspace layout for n signatures: pubkeys (32 n), sigs (64 n), msgs (32 n), verdicts (n).
struct WorkspaceLayout {
  std::size_t pubkeys, sigs, msgs, verdicts, total;
};

WorkspaceLayout layout_for(std::size_t n) {
  return WorkspaceLayout{0, 32 * n, 96 * n, 128 * n, 129 * n};
}

__global__ void verify_msg32_kernel(const std::uint8_t* pubkeys, const std::uint8_t* sigs,
                                    const std::uint8_t* msgs, std::uint8_t* verdicts,
                                    std::size_t count) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= count) return;
  const ed25519::VerifyOutcome outcome =
      ed25519::verify_signature_msg32(pubkeys + 32 * i, sigs + 64 * i, msgs + 32 * i);
  verdicts[i] = static_cast<std::uint8_t>(
      outcome == ed25519::VerifyOutcome::kValid ? Verdict::kAccept : Verdict::kReject);
}

cudaStream_t as_stream(void* stream) {
  return static_cast<cudaStream_t>(stream);
}

}  // namespace

Status cuda_device_status() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices <= 0) {
    cudaGetLastError();  // clear the sticky "no device" error for later calls
    return Status::kUnavailable;
  }
  return Status::kOk;
}

Status CudaBatchVerifier::can_implement(const CudaBatch& batch) {
  if (batch.count > 0 && (batch.pubkeys == nullptr || batch.sigs == nullptr ||
                          batch.msgs == nullptr || batch.verdicts == nullptr)) {
    return Status::kInvalidArgument;
  }
  return cuda_device_status();
}

std::size_t CudaBatchVerifier::workspace_bytes(const CudaBatch& batch) {
  return layout_for(batch.count).total;
}

Status CudaBatchVerifier::initialize(const CudaBatch& batch, void* workspace, void* stream) {
  const Status status = can_implement(batch);
  if (status != Status::kOk) return status;
  if (workspace == nullptr && batch.count > 0) return Status::kInvalidArgument;
  batch_ = batch;
  workspace_ = static_cast<std::uint8_t*>(workspace);
  if (batch.count == 0) return Status::kOk;
  const WorkspaceLayout l = layout_for(batch.count);
  const cudaStream_t s = as_stream(stream);
  if (cudaMemcpyAsync(workspace_ + l.pubkeys, batch.pubkeys, 32 * batch.count,
                      cudaMemcpyHostToDevice, s) != cudaSuccess ||
      cudaMemcpyAsync(workspace_ + l.sigs, batch.sigs, 64 * batch.count, cudaMemcpyHostToDevice,
                      s) != cudaSuccess ||
      cudaMemcpyAsync(workspace_ + l.msgs, batch.msgs, 32 * batch.count, cudaMemcpyHostToDevice,
                      s) != cudaSuccess) {
    return Status::kInternal;
  }
  return Status::kOk;
}

Status CudaBatchVerifier::run(void* stream) {
  if (batch_.count == 0) return Status::kOk;
  if (workspace_ == nullptr) return Status::kInvalidArgument;
  const WorkspaceLayout l = layout_for(batch_.count);
  const cudaStream_t s = as_stream(stream);
  const unsigned blocks =
      static_cast<unsigned>((batch_.count + kThreadsPerBlock - 1) / kThreadsPerBlock);
  verify_msg32_kernel<<<blocks, kThreadsPerBlock, 0, s>>>(workspace_ + l.pubkeys,
                                                          workspace_ + l.sigs, workspace_ + l.msgs,
                                                          workspace_ + l.verdicts, batch_.count);
  if (cudaGetLastError() != cudaSuccess) return Status::kInternal;
  static_assert(sizeof(Verdict) == 1, "verdicts are copied as bytes");
  if (cudaMemcpyAsync(batch_.verdicts, workspace_ + l.verdicts, batch_.count,
                      cudaMemcpyDeviceToHost, s) != cudaSuccess) {
    return Status::kInternal;
  }
  return Status::kOk;
}

}  // namespace tc::gpu

// The GPU backend of a build without CUDA (TC_CUDA=OFF or no nvcc): every entry point reports
// kUnavailable, so callers take the CPU path and count the fallback.
#include "gpu/cuda_pipeline.h"
#include "gpu/cuda_verifier.h"

namespace tc::gpu {

struct CudaVerifyPipeline::Impl {};

Status cuda_device_status() {
  return Status::kUnavailable;
}

Status CudaBatchVerifier::can_implement(const CudaBatch&) {
  return Status::kUnavailable;
}
std::size_t CudaBatchVerifier::workspace_bytes(const CudaBatch& batch) {
  return 129 * batch.count;
}
Status CudaBatchVerifier::initialize(const CudaBatch&, void*, void*) {
  return Status::kUnavailable;
}
Status CudaBatchVerifier::run(void*) {
  return Status::kUnavailable;
}

CudaVerifyPipeline::CudaVerifyPipeline() = default;
CudaVerifyPipeline::~CudaVerifyPipeline() = default;
Status CudaVerifyPipeline::init(const CudaPipelineConfig&) {
  return Status::kUnavailable;
}
Status CudaVerifyPipeline::verify(std::span<const SignatureRef>, std::span<Verdict>) {
  return Status::kUnavailable;
}

}  // namespace tc::gpu

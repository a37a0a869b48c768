// The verdict of one signature check, shared by every verifier backend (gpu/verifier.h for the
// CPU, gpu/cuda_verifier.h for the GPU). A plain value; any thread.
#pragma once

#include <cstdint>

namespace tc::gpu {

enum class Verdict : std::uint8_t { kReject = 0, kAccept = 1 };

}  // namespace tc::gpu

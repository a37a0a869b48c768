// The status codes of the gpu/ library. gpu/ builds on its own (a bare CUDA machine, no core/), so
// it reports failures with this small enum instead of tc::Status; node/ maps it with
// to_tc_status-style glue (kUnavailable -> tc::StatusCode::kUnavailable and so on, same names).
// Values, not shared state; any thread.
#pragma once

#include <cstdint>

namespace tc::gpu {

enum class [[nodiscard]] Status : std::uint8_t{
    kOk = 0,
    kInvalidArgument,    // a caller passed a value outside the contract (sizes, null buffers)
    kResourceExhausted,  // a batch larger than the capacity sized at initialisation
    kUnavailable,        // no CUDA device / no CUDA build / no OS randomness: use the CPU path
    kInternal,           // a CUDA call failed after the device was found
    kDeadlineExceeded,   // the GPU did not finish a batch within its kernel timeout
};

inline const char* status_name(Status status) {
  switch (status) {
    case Status::kOk:
      return "OK";
    case Status::kInvalidArgument:
      return "InvalidArgument";
    case Status::kResourceExhausted:
      return "ResourceExhausted";
    case Status::kUnavailable:
      return "Unavailable";
    case Status::kInternal:
      return "Internal";
    case Status::kDeadlineExceeded:
      return "DeadlineExceeded";
  }
  return "Unknown";
}

}  // namespace tc::gpu

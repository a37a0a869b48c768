// IngressStage: the backend-independent half of transaction ingress, one instance per RX queue.
//
// A backend (socket_backend.h, dpdk_backend.h) receives a burst, strips the frame headers
// (packet.h) and hands the UDP payloads here. Per datagram, cheapest check first: length bound
// (kMaxDatagramTransactionBytes), canonical decode straight from the receive buffer
// (decode_transaction_view, no copy before the decision), the source's token bucket, then the wire
// hash (multi-buffer SHA-256 over the burst's survivors), the shared recent set, and a slot in the
// verify ring, into which the bytes are copied. A full ring drops at the edge (ring_full); the step
// never blocks. Each datagram gets exactly one IngressOutcome; counters live in the stage and are
// published to other threads by flush_counters() during housekeeping. One thread owns an
// IngressStage; only published_counters() may be called from others.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/status.h"
#include "dataplane/ingress_ring.h"
#include "dataplane/packet.h"
#include "dataplane/rate_limiter.h"
#include "dataplane/recent_set.h"

namespace tc::dataplane {

inline constexpr std::size_t kMaxBurst = 256;

struct IngressConfig {
  std::uint16_t queue = 0;  // RX queue id, stamped on descriptors
  RateLimitConfig rate_limit;
};

// One received UDP payload and its sender. The payload lives in the backend's receive buffer and
// must stay valid for the duration of process_burst().
struct Datagram {
  ByteSpan payload;
  SourceAddress source;
};

// Plain counters, indexed by outcome; malformed_by_error breaks kMalformedTx down by DecodeError.
struct IngressCounters {
  std::array<std::uint64_t, kIngressOutcomeCount> outcomes{};
  std::array<std::uint64_t, kDecodeErrorCount> malformed_by_error{};
  std::uint64_t frames = 0;  // frames or datagrams the backend received (sum of outcomes)
  std::uint64_t bytes = 0;   // their bytes
  std::uint64_t bursts = 0;  // non-empty receive bursts

  std::uint64_t outcome(IngressOutcome o) const { return outcomes[static_cast<std::size_t>(o)]; }
  std::uint64_t malformed(DecodeError e) const {
    return malformed_by_error[static_cast<std::size_t>(e)];
  }
};

class IngressStage {
 public:
  // Bytes init() allocates (the rate limiter's table; the ring and recent set are sized by their
  // own footprint()).
  static std::size_t footprint(const IngressConfig& config);

  // Allocates and joins the shared recent set and this queue's verify ring, which must outlive the
  // stage. Errors come from the rate limiter's config (kInvalidArgument).
  Status init(const IngressConfig& config, RecentSet* recent, IngressRing* ring);

  // Handles one burst: every datagram gets one outcome, accepted ones are published to the ring in
  // arrival order. `now_ns` is the burst's receive time. REQUIRES: datagrams.size() <= kMaxBurst.
  void process_burst(std::span<const Datagram> datagrams, std::uint64_t now_ns);

  // Counts a frame the backend dropped or answered before it became a datagram (frame-level
  // outcomes from classify_frame, kArpReplied, kReplyFailed, kTooLong for truncated reads).
  void count_frame(IngressOutcome outcome, std::size_t frame_bytes) {
    ++counters_.outcomes[static_cast<std::size_t>(outcome)];
    ++counters_.frames;
    counters_.bytes += frame_bytes;
  }
  // Counts bytes and the burst for frames whose outcomes process_burst() records.
  void count_burst(std::size_t frame_bytes) {
    counters_.bytes += frame_bytes;
    ++counters_.bursts;
  }

  // This thread's live counters.
  const IngressCounters& counters() const { return counters_; }
  // Copies the live counters where published_counters() can read them (relaxed atomics).
  void flush_counters();
  // The last flushed counters; any thread.
  IngressCounters published_counters() const;

  // Ordered shutdown: flushes counters and leaves the ring and recent set to their owners.
  void fini() { flush_counters(); }

 private:
  IngressConfig config_;
  RecentSet* recent_ = nullptr;
  IngressRing* ring_ = nullptr;
  RateLimiter rate_limiter_;
  IngressCounters counters_;
  std::array<std::atomic<std::uint64_t>, kIngressOutcomeCount + kDecodeErrorCount + 3> published_{};
  // Per-burst scratch, sized for kMaxBurst at compile time.
  std::array<ByteSpan, kMaxBurst> survivors_{};
  std::array<std::uint16_t, kMaxBurst> survivor_index_{};
  std::array<Hash256, kMaxBurst> hashes_{};
};

}  // namespace tc::dataplane

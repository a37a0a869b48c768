// IngressStage: the backend-independent half of transaction ingress, one instance per RX queue.
//
// A backend (socket_backend.h, dpdk_backend.h) receives a burst, strips the frame headers
// (packet.h) and hands the UDP payloads here. Per datagram, cheapest check first: length bound
// (kMaxDatagramTransactionBytes), canonical decode straight from the receive buffer
// (decode_transaction_view, no copy before the decision), the source's token bucket, the keyed
// 128-bit dedup key (dedup_key.h; the SHA-256 wire hash is left to the verify stage), then a slot
// in the verify ring and the shared recent set; only an accepted datagram is copied, into its ring
// slot. A full ring drops at the edge (ring_full); the step never blocks. Each datagram gets
// exactly one IngressOutcome. Counters live in the stage (IngressCounters, owner thread only) and
// housekeeping() flushes them into the metrics registry, where any thread may read them:
//   timecoin_ingress_packets_total{queue,outcome}   every frame's outcome (drop reasons included)
//   timecoin_ingress_malformed_total{queue,error}   malformed_tx broken down by DecodeError
//   timecoin_ingress_bytes_total{queue}             frame (or datagram) bytes received
//   timecoin_ingress_bursts_total{queue}            non-empty receive bursts
//   timecoin_ingress_packets_per_second{queue}      frames per second over the last second
// One thread owns an IngressStage (its queue's polling thread); the backends' step() and
// housekeeping() make it a stage for core/stage_loop.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/metrics.h"
#include "core/status.h"
#include "dataplane/ingress_ring.h"
#include "dataplane/packet.h"
#include "dataplane/rate_limiter.h"
#include "dataplane/recent_set.h"

namespace tc::dataplane {

inline constexpr std::size_t kMaxBurst = 256;

struct IngressConfig {
  std::uint16_t queue = 0;  // RX queue id, stamped on descriptors and metric labels
  RateLimitConfig rate_limit;
};

// One received UDP payload and its sender. The payload lives in the backend's receive buffer and
// must stay valid for the duration of process_burst().
struct Datagram {
  ByteSpan payload;
  SourceAddress source;
};

// The stage's counters, indexed by outcome; malformed_by_error breaks kMalformedTx down by
// DecodeError. Written by the owner thread only.
struct IngressCounters {
  CounterSet<IngressOutcome> outcomes;
  std::array<std::uint64_t, kDecodeErrorCount> malformed_by_error{};
  std::uint64_t frames = 0;  // frames or datagrams the backend received (sum of outcomes)
  std::uint64_t bytes = 0;   // their bytes
  std::uint64_t bursts = 0;  // non-empty receive bursts

  std::uint64_t outcome(IngressOutcome o) const { return outcomes.get(o); }
  std::uint64_t malformed(DecodeError e) const {
    return malformed_by_error[static_cast<std::size_t>(e)];
  }
};

class IngressStage {
 public:
  // Bytes init() allocates (the rate limiter's table; the ring and recent set are sized by their
  // own footprint()).
  static std::size_t footprint(const IngressConfig& config);

  // Joins the shared recent set and this queue's verify ring, which must outlive the stage, and
  // allocates the rate limiter. When `metrics` is not null, registers this queue's series there
  // (see the file comment; the registry must outlive the stage). Errors come from the rate
  // limiter's config (kInvalidArgument).
  Status init(const IngressConfig& config, RecentSet* recent, IngressRing* ring,
              MetricsRegistry* metrics = nullptr);

  // Handles one burst: every datagram gets one outcome, accepted ones are published to the ring in
  // arrival order. `now_ns` is the burst's receive time. REQUIRES: datagrams.size() <= kMaxBurst.
  void process_burst(std::span<const Datagram> datagrams, std::uint64_t now_ns);

  // Counts a frame the backend dropped or answered before it became a datagram (frame-level
  // outcomes from classify_frame, kArpReplied, kReplyFailed, kTooLong for truncated reads).
  void count_frame(IngressOutcome outcome, std::size_t frame_bytes) {
    counters_.outcomes.add(outcome);
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

  // Flushes the counters into the registry (when one was given) and, once a second, refreshes the
  // packets-per-second gauge. `now_ns` is steady-clock time. Owner thread.
  void housekeeping(std::uint64_t now_ns);

  // Ordered shutdown: a last housekeeping(); the ring and recent set stay with their owners.
  void fini();

 private:
  IngressConfig config_;
  RecentSet* recent_ = nullptr;
  IngressRing* ring_ = nullptr;
  RateLimiter rate_limiter_;
  IngressCounters counters_;

  // Registry series (null when no registry) and what was flushed into them.
  Counter* bytes_metric_ = nullptr;
  Counter* bursts_metric_ = nullptr;
  std::array<Counter*, kDecodeErrorCount> malformed_metrics_{};
  Gauge* rate_metric_ = nullptr;
  std::uint64_t flushed_bytes_ = 0;
  std::uint64_t flushed_bursts_ = 0;
  std::array<std::uint64_t, kDecodeErrorCount> flushed_malformed_{};
  std::uint64_t rate_window_start_ns_ = 0;
  std::uint64_t rate_window_frames_ = 0;

  // Per-burst scratch, sized for kMaxBurst at compile time.
  std::array<RecentSet::Probe, kMaxBurst> probes_{};
  std::array<std::uint16_t, kMaxBurst> survivor_index_{};
};

}  // namespace tc::dataplane

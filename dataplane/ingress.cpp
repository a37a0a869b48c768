#include "dataplane/ingress.h"

#include <cstring>
#include <string>

#include "core/stage_loop.h"

namespace tc::dataplane {
namespace {

constexpr std::uint64_t kRateWindowNs = 1'000'000'000;
constexpr std::size_t kPrefetchBytes = 256;  // a typical transfer; larger ones stream on their own

// Asks for the first cache lines of the next payload while this one is decoded and hashed.
inline void prefetch_payload(ByteSpan payload) {
  const std::size_t bytes = payload.size() < kPrefetchBytes ? payload.size() : kPrefetchBytes;
  for (std::size_t offset = 0; offset < bytes; offset += 64) {
    __builtin_prefetch(payload.data() + offset, 0, 3);
  }
}

}  // namespace

Status IngressRing::init(std::uint32_t depth) {
  if (depth < 2 || depth > (1u << 24) || (depth & (depth - 1)) != 0) {
    return invalid_argument("ingress ring depth " + std::to_string(depth) +
                            " is not a power of two in [2, 2^24]");
  }
  slots_ = std::make_unique<IngressTx[]>(depth);
  mask_ = depth - 1;
  return Status::ok();
}

std::size_t IngressStage::footprint(const IngressConfig& config) {
  return RateLimiter::footprint(config.rate_limit);
}

Status IngressStage::init(const IngressConfig& config, RecentSet* recent, IngressRing* ring,
                          MetricsRegistry* metrics) {
  config_ = config;
  recent_ = recent;
  ring_ = ring;
  counters_ = IngressCounters{};
  TC_RETURN_IF_ERROR(rate_limiter_.init(config.rate_limit)
                         .with_context("ingress queue " + std::to_string(config.queue)));
  if (metrics != nullptr) {
    const MetricLabels queue = {{"queue", std::to_string(config.queue)}};
    counters_.outcomes.bind(*metrics, "timecoin_ingress_packets_total",
                            "Received frames by ingress outcome (accepted or the drop reason).",
                            &ingress_outcome_name, queue);
    for (std::size_t e = 0; e < kDecodeErrorCount; ++e) {
      MetricLabels labels = queue;
      labels.push_back({"error", std::string(decode_error_name(static_cast<DecodeError>(e)))});
      malformed_metrics_[e] = &metrics->counter(
          "timecoin_ingress_malformed_total",
          "Datagrams dropped as malformed_tx, by the transaction decode error.", labels);
    }
    bytes_metric_ = &metrics->counter("timecoin_ingress_bytes_total",
                                      "Bytes of the frames (or datagrams) received.", queue);
    bursts_metric_ =
        &metrics->counter("timecoin_ingress_bursts_total", "Non-empty receive bursts.", queue);
    rate_metric_ = &metrics->gauge("timecoin_ingress_packets_per_second",
                                   "Frames received per second over the last second.", queue);
  }
  return Status::ok();
}

void IngressStage::process_burst(std::span<const Datagram> datagrams, std::uint64_t now_ns) {
  const std::size_t count = datagrams.size();
  counters_.frames += count;

  // Pass 1, in place and cheapest check first: length, canonical decode, the source's token
  // bucket, then the dedup key, whose recent-set bucket is prefetched for pass 2.
  std::size_t survivors = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (i + 1 < count) prefetch_payload(datagrams[i + 1].payload);
    const Datagram& datagram = datagrams[i];
    if (datagram.payload.size() > kMaxDatagramTransactionBytes) {
      counters_.outcomes.add(IngressOutcome::kTooLong);
      continue;
    }
    TransactionView view;
    const DecodeError error = decode_transaction_view(datagram.payload, &view);
    if (error != DecodeError::kOk) {
      counters_.outcomes.add(IngressOutcome::kMalformedTx);
      ++counters_.malformed_by_error[static_cast<std::size_t>(error)];
      continue;
    }
    if (!rate_limiter_.allow(datagram.source, now_ns)) {
      counters_.outcomes.add(IngressOutcome::kRateLimited);
      continue;
    }
    probes_[survivors] = recent_->probe_of(recent_->key_of(datagram.payload));
    recent_->prefetch(probes_[survivors]);
    survivor_index_[survivors] = static_cast<std::uint16_t>(i);
    ++survivors;
  }
  if (survivors == 0) return;

  // Pass 2: ring space, dedup, copy. Ring space is checked before the recent set so that a
  // datagram dropped for a full ring is not remembered, and its retransmission is not taken for a
  // duplicate. Only an accepted datagram is copied.
  const std::uint32_t space = ring_->reserve(static_cast<std::uint32_t>(survivors));
  std::uint32_t placed = 0;
  for (std::size_t k = 0; k < survivors; ++k) {
    if (placed == space) {
      counters_.outcomes.add(IngressOutcome::kRingFull, survivors - k);
      break;
    }
    if (recent_->test_and_insert(probes_[k])) {
      counters_.outcomes.add(IngressOutcome::kDuplicate);
      continue;
    }
    const Datagram& datagram = datagrams[survivor_index_[k]];
    IngressTx& slot = ring_->reserved(placed++);
    slot.source = datagram.source;
    slot.length = static_cast<std::uint16_t>(datagram.payload.size());
    slot.queue = config_.queue;
    slot.arrival_ns = now_ns;
    std::memcpy(slot.bytes, datagram.payload.data(), datagram.payload.size());
  }
  counters_.outcomes.add(IngressOutcome::kAccepted, placed);
  ring_->publish(placed);
}

void IngressStage::housekeeping(std::uint64_t now_ns) {
  counters_.outcomes.flush();
  if (bytes_metric_ != nullptr) {
    bytes_metric_->add(counters_.bytes - flushed_bytes_);
    bursts_metric_->add(counters_.bursts - flushed_bursts_);
    for (std::size_t e = 0; e < kDecodeErrorCount; ++e) {
      const std::uint64_t delta = counters_.malformed_by_error[e] - flushed_malformed_[e];
      if (delta != 0) malformed_metrics_[e]->add(delta);
    }
  }
  flushed_bytes_ = counters_.bytes;
  flushed_bursts_ = counters_.bursts;
  flushed_malformed_ = counters_.malformed_by_error;
  if (rate_window_start_ns_ == 0) {
    rate_window_start_ns_ = now_ns;
    rate_window_frames_ = counters_.frames;
  } else if (now_ns - rate_window_start_ns_ >= kRateWindowNs) {
    const std::uint64_t frames = counters_.frames - rate_window_frames_;
    const std::uint64_t elapsed_ns = now_ns - rate_window_start_ns_;
    if (rate_metric_ != nullptr) {
      rate_metric_->set(static_cast<std::int64_t>(frames * kRateWindowNs / elapsed_ns));
    }
    rate_window_start_ns_ = now_ns;
    rate_window_frames_ = counters_.frames;
  }
}

void IngressStage::fini() {
  housekeeping(steady_now_ns());
}

}  // namespace tc::dataplane

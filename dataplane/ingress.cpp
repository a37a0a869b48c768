#include "dataplane/ingress.h"

#include <cstring>

#include "core/sha2.h"

namespace tc::dataplane {

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

Status IngressStage::init(const IngressConfig& config, RecentSet* recent, IngressRing* ring) {
  config_ = config;
  recent_ = recent;
  ring_ = ring;
  return rate_limiter_.init(config.rate_limit)
      .with_context("ingress queue " + std::to_string(config.queue));
}

void IngressStage::process_burst(std::span<const Datagram> datagrams, std::uint64_t now_ns) {
  const auto count = [this](IngressOutcome outcome) {
    ++counters_.outcomes[static_cast<std::size_t>(outcome)];
  };
  counters_.frames += datagrams.size();

  // Cheap checks first, in place: length, canonical decode, the source's token bucket.
  std::size_t survivors = 0;
  for (std::size_t i = 0; i < datagrams.size(); ++i) {
    const Datagram& datagram = datagrams[i];
    if (datagram.payload.size() > kMaxDatagramTransactionBytes) {
      count(IngressOutcome::kTooLong);
      continue;
    }
    TransactionView view;
    const DecodeError error = decode_transaction_view(datagram.payload, &view);
    if (error != DecodeError::kOk) {
      count(IngressOutcome::kMalformedTx);
      ++counters_.malformed_by_error[static_cast<std::size_t>(error)];
      continue;
    }
    if (!rate_limiter_.allow(datagram.source, now_ns)) {
      count(IngressOutcome::kRateLimited);
      continue;
    }
    survivors_[survivors] = datagram.payload;
    survivor_index_[survivors] = static_cast<std::uint16_t>(i);
    ++survivors;
  }
  if (survivors == 0) return;

  // The wire hashes of the whole burst at once (multi-buffer lanes where available).
  sha256_many(std::span<const ByteSpan>(survivors_.data(), survivors),
              std::span<Hash256>(hashes_.data(), survivors));

  // Dedup and enqueue. Ring space is checked before the recent set so that a datagram dropped for
  // a full ring is not remembered, and its retransmission is not taken for a duplicate.
  const std::uint32_t space = ring_->reserve(static_cast<std::uint32_t>(survivors));
  std::uint32_t placed = 0;
  for (std::size_t k = 0; k < survivors; ++k) {
    if (k + 4 < survivors) recent_->prefetch(hashes_[k + 4]);
    if (placed == space) {
      count(IngressOutcome::kRingFull);
      continue;
    }
    if (recent_->test_and_insert(hashes_[k])) {
      count(IngressOutcome::kDuplicate);
      continue;
    }
    const Datagram& datagram = datagrams[survivor_index_[k]];
    IngressTx& slot = ring_->reserved(placed++);
    slot.wire_hash = hashes_[k];
    slot.source = datagram.source;
    slot.length = static_cast<std::uint16_t>(datagram.payload.size());
    slot.queue = config_.queue;
    slot.arrival_ns = now_ns;
    std::memcpy(slot.bytes, datagram.payload.data(), datagram.payload.size());
    count(IngressOutcome::kAccepted);
  }
  ring_->publish(placed);
}

void IngressStage::flush_counters() {
  std::size_t i = 0;
  for (std::uint64_t value : counters_.outcomes) {
    published_[i++].store(value, std::memory_order_relaxed);
  }
  for (std::uint64_t value : counters_.malformed_by_error) {
    published_[i++].store(value, std::memory_order_relaxed);
  }
  published_[i++].store(counters_.frames, std::memory_order_relaxed);
  published_[i++].store(counters_.bytes, std::memory_order_relaxed);
  published_[i].store(counters_.bursts, std::memory_order_relaxed);
}

IngressCounters IngressStage::published_counters() const {
  IngressCounters out;
  std::size_t i = 0;
  for (std::uint64_t& value : out.outcomes) value = published_[i++].load(std::memory_order_relaxed);
  for (std::uint64_t& value : out.malformed_by_error) {
    value = published_[i++].load(std::memory_order_relaxed);
  }
  out.frames = published_[i++].load(std::memory_order_relaxed);
  out.bytes = published_[i++].load(std::memory_order_relaxed);
  out.bursts = published_[i].load(std::memory_order_relaxed);
  return out;
}

}  // namespace tc::dataplane

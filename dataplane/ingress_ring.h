// IngressRing: the bounded single-producer/single-consumer ring from one RX queue's ingress stage
// to the verify stage, whose slots hold the transaction bytes themselves.
//
// A slot is an IngressTx: the datagram's transaction copied out of the receive buffer (so the mbuf
// or socket buffer goes back to its pool at once) plus its source and arrival time. The producer
// reserves free slots, writes them in place and publishes; the consumer peeks at published slots
// and releases them when done, which is what frees them for the producer: the ring is the slab, so
// no per-transaction allocation or free path exists. Depth and slot size are fixed at init
// (node/ingress/ingress_service.h makes one per queue, ingress.ring_depth slots). Exactly one
// producer thread and one consumer thread; the producer's and consumer's indices sit on separate
// cache-line pairs (core's kRingIndexAlign).
//
// Why not core/spsc_ring.h: SpscRing<T> moves elements by copy (push_burst copies T in, pop_burst
// copies T out). A slot here is 1,280 bytes, so SpscRing<IngressTx> would build each descriptor on
// the stack and copy it into the ring, and the verify stage would copy it out again: two extra
// copies of every transaction. Writing in place (reserve/reserved/publish) and reading in place
// (peek/ready/release) is what this ring adds; were SpscRing to offer those four calls, this file
// would become a typedef.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/bytes.h"
#include "core/codec.h"
#include "core/spsc_ring.h"
#include "core/status.h"
#include "dataplane/packet.h"

namespace tc::dataplane {

// One transaction handed to the verify stage. bytes[0, length) is a transaction that passed
// decode_transaction_view() (the consumer may re-parse it with the same call and it will succeed);
// its signatures are not verified, and its wire hash and txid are the verify stage's to compute.
struct alignas(64) IngressTx {
  SourceAddress source;          // sender IP and UDP port
  std::uint16_t length = 0;      // transaction bytes, <= kMaxDatagramTransactionBytes
  std::uint16_t queue = 0;       // RX queue that received it
  std::uint64_t arrival_ns = 0;  // the burst's receive time (steady clock)
  std::uint8_t bytes[kMaxDatagramTransactionBytes];

  ByteSpan transaction() const { return ByteSpan(bytes, length); }
};

class IngressRing {
 public:
  // Bytes init() allocates for `depth` slots.
  static std::size_t footprint(std::uint32_t depth) {
    return std::size_t{depth} * sizeof(IngressTx);
  }

  // Allocates `depth` slots. kInvalidArgument unless depth is a power of two in [2, 2^24].
  // Not thread-safe; call before producer and consumer start.
  Status init(std::uint32_t depth);

  std::uint32_t depth() const { return mask_ + 1; }

  // ---- Producer side (one thread) ----
  // How many slots, up to `wanted`, are free to write right now. Never blocks.
  std::uint32_t reserve(std::uint32_t wanted) {
    std::uint32_t free_slots = depth() - (tail_ - cached_head_);
    if (free_slots < wanted) {
      cached_head_ = head_.load(std::memory_order_acquire);
      free_slots = depth() - (tail_ - cached_head_);
    }
    return free_slots < wanted ? free_slots : wanted;
  }
  // The i-th reserved slot. REQUIRES: i < the last reserve()'s result.
  IngressTx& reserved(std::uint32_t i) { return slots_[(tail_ + i) & mask_]; }
  // Makes the first `count` reserved slots visible to the consumer, in order.
  void publish(std::uint32_t count) {
    tail_ += count;
    published_tail_.store(tail_, std::memory_order_release);
  }

  // ---- Consumer side (one thread) ----
  // How many published slots, up to `wanted`, are ready to read.
  std::uint32_t peek(std::uint32_t wanted) {
    std::uint32_t ready = cached_tail_ - consumer_head_;
    if (ready < wanted) {
      cached_tail_ = published_tail_.load(std::memory_order_acquire);
      ready = cached_tail_ - consumer_head_;
    }
    return ready < wanted ? ready : wanted;
  }
  // The i-th ready slot. REQUIRES: i < the last peek()'s result.
  const IngressTx& ready(std::uint32_t i) const { return slots_[(consumer_head_ + i) & mask_]; }
  // Returns the first `count` ready slots to the producer.
  void release(std::uint32_t count) {
    consumer_head_ += count;
    head_.store(consumer_head_, std::memory_order_release);
  }

 private:
  std::unique_ptr<IngressTx[]> slots_;
  std::uint32_t mask_ = 0;
  // Producer's private line, then the index it publishes; the consumer's likewise.
  alignas(kRingIndexAlign) std::uint32_t tail_ = 0;
  std::uint32_t cached_head_ = 0;
  alignas(kRingIndexAlign) std::atomic<std::uint32_t> published_tail_{0};
  alignas(kRingIndexAlign) std::uint32_t consumer_head_ = 0;
  std::uint32_t cached_tail_ = 0;
  alignas(kRingIndexAlign) std::atomic<std::uint32_t> head_{0};
};

}  // namespace tc::dataplane

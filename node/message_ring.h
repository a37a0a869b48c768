// MessageRing<Slot>: a bounded single-producer/single-consumer channel of variable-sized messages
// between two stages (the net stage and the consensus stage), built from two SpscRing<uint32_t>
// (core/spsc_ring.h) over a pool of `depth` slots allocated at init.
//
// The element that crosses a ring is a 4-byte slot index: `ready` carries indices from producer to
// consumer, `free` carries them back once the consumer is done. A slot's buffers (its Bytes) keep
// their capacity across uses, so once every slot has held its largest message a steady stream of
// messages allocates nothing, and memory is bounded by depth x the largest message the producer
// accepts (the frame limit of net/frame.h for messages from peers).
//
// Producer thread: acquire() (null when every slot is in flight: the ring is full, the caller
// counts a drop), fill the slot, publish(). Consumer thread: take() (null when empty), read the
// slot, release(). A slot belongs to exactly one side at a time. init() runs before either side
// starts; size() may be called from any thread (a snapshot).
#pragma once

#include <cstdint>
#include <vector>

#include "core/spsc_ring.h"
#include "core/status.h"

namespace tc::node {

template <typename Slot>
class MessageRing {
 public:
  // Allocates `depth` slots and fills the free ring. Errors: kInvalidArgument when depth is not a
  // power of two in 2..2^30. REQUIRES: neither side is running.
  Status init(std::uint32_t depth) {
    TC_RETURN_IF_ERROR(ready_.init(depth));
    TC_RETURN_IF_ERROR(free_.init(depth));
    slots_.assign(depth, Slot{});
    for (std::uint32_t i = 0; i < depth; ++i) free_.push(i);
    return Status::ok();
  }

  // ---- producer side
  // A free slot to fill, or null when all `depth` are queued or held by the consumer.
  Slot* acquire() {
    std::uint32_t index = 0;
    return free_.pop(&index) ? &slots_[index] : nullptr;
  }
  // Hands a slot from acquire() to the consumer. Never fails: the ready ring has room for every
  // slot.
  void publish(Slot* slot) { ready_.push(index_of(slot)); }

  // ---- consumer side
  // The oldest published slot, or null when none is waiting.
  Slot* take() {
    std::uint32_t index = 0;
    return ready_.pop(&index) ? &slots_[index] : nullptr;
  }
  // Returns a slot from take() to the producer.
  void release(Slot* slot) { free_.push(index_of(slot)); }

  // Slots published and not yet taken (a snapshot).
  std::uint32_t size() const { return ready_.size(); }
  std::uint32_t capacity() const { return ready_.capacity(); }

 private:
  std::uint32_t index_of(const Slot* slot) const {
    return static_cast<std::uint32_t>(slot - slots_.data());
  }

  std::vector<Slot> slots_;
  SpscRing<std::uint32_t> ready_;  // producer -> consumer
  SpscRing<std::uint32_t> free_;   // consumer -> producer
};

}  // namespace tc::node

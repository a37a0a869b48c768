// Bus: the devnet's in-process network and timer queue. It stands in for net/ (P2P over TCP):
// every message is carried as its wire encoding (consensus/messages.h for proposals and votes, the
// canonical transaction encoding for forwarded transactions) and delivered to every other node
// after a fixed delay, reliably and in send order; engine timeouts go through the same queue.
//
// Events are ordered by (due time, send sequence), so one run of sends gives one delivery order.
// Times are the devnet loop's milliseconds (set_now). Single-threaded: the devnet loop owns it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "consensus/engine.h"
#include "core/bytes.h"

namespace tc::node {

enum class BusEventKind : std::uint8_t { kProposal, kVote, kTransactions, kTimeout };

struct BusEvent {
  std::uint64_t due_ms = 0;
  std::uint64_t sequence = 0;  // send order; breaks ties between equal due times
  std::uint32_t to = 0;
  std::uint32_t from = 0;
  BusEventKind kind = BusEventKind::kTimeout;
  // kProposal and kVote: one encoded message; kTransactions: encoded transactions. Shared by every
  // receiver of one broadcast.
  std::shared_ptr<const std::vector<Bytes>> items;
  consensus::TimeoutEvent timeout;  // kTimeout
};

struct BusCounters {
  std::uint64_t messages = 0;  // deliveries scheduled (a broadcast to n - 1 nodes counts n - 1)
  std::uint64_t bytes = 0;     // their encoded bytes
  std::uint64_t timeouts = 0;
};

class Bus {
 public:
  // REQUIRES: node_count >= 1.
  Bus(std::uint32_t node_count, std::uint64_t delay_ms) : nodes_(node_count), delay_ms_(delay_ms) {}

  // The loop's current time; sends are due at now + delay.
  void set_now(std::uint64_t now_ms) { now_ms_ = now_ms; }
  std::uint64_t now() const { return now_ms_; }

  // Delivers `items` (one message, or a batch of transactions) from `from` to every other node.
  void broadcast(std::uint32_t from, BusEventKind kind, std::vector<Bytes> items);
  // Hands `event` back to node `to` after delay_ms.
  void schedule_timeout(std::uint32_t to, const consensus::TimeoutEvent& event,
                        std::uint64_t delay_ms);
  // Puts back an event taken by pop_due (same due time and sequence, so order is kept).
  void requeue(BusEvent event) { queue_.push(std::move(event)); }

  // The earliest event due at or before now, if any.
  std::optional<BusEvent> pop_due();
  // When the earliest pending event is due.
  std::optional<std::uint64_t> next_due() const;

  const BusCounters& counters() const { return counters_; }

 private:
  struct Later {
    bool operator()(const BusEvent& a, const BusEvent& b) const {
      return a.due_ms != b.due_ms ? a.due_ms > b.due_ms : a.sequence > b.sequence;
    }
  };

  std::uint32_t nodes_;
  std::uint64_t delay_ms_;
  std::uint64_t now_ms_ = 0;
  std::uint64_t sequence_ = 0;
  std::priority_queue<BusEvent, std::vector<BusEvent>, Later> queue_;
  BusCounters counters_;
};

}  // namespace tc::node

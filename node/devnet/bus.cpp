#include "node/devnet/bus.h"

#include <utility>

namespace tc::node {

void Bus::broadcast(std::uint32_t from, BusEventKind kind, std::vector<Bytes> items) {
  std::uint64_t bytes = 0;
  for (const Bytes& item : items) bytes += item.size();
  auto shared = std::make_shared<const std::vector<Bytes>>(std::move(items));
  for (std::uint32_t to = 0; to < nodes_; ++to) {
    if (to == from) continue;
    BusEvent event;
    event.due_ms = now_ms_ + delay_ms_;
    event.sequence = sequence_++;
    event.to = to;
    event.from = from;
    event.kind = kind;
    event.items = shared;
    queue_.push(std::move(event));
    ++counters_.messages;
    counters_.bytes += bytes;
  }
}

void Bus::schedule_timeout(std::uint32_t to, const consensus::TimeoutEvent& timeout,
                           std::uint64_t delay_ms) {
  BusEvent event;
  event.due_ms = now_ms_ + delay_ms;
  event.sequence = sequence_++;
  event.to = to;
  event.from = to;
  event.kind = BusEventKind::kTimeout;
  event.timeout = timeout;
  queue_.push(std::move(event));
  ++counters_.timeouts;
}

std::optional<BusEvent> Bus::pop_due() {
  if (queue_.empty() || queue_.top().due_ms > now_ms_) return std::nullopt;
  BusEvent event = queue_.top();
  queue_.pop();
  return event;
}

std::optional<std::uint64_t> Bus::next_due() const {
  if (queue_.empty()) return std::nullopt;
  return queue_.top().due_ms;
}

}  // namespace tc::node

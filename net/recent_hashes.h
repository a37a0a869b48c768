// RecentHashes: the gossip layer's memory of the messages it has seen lately, by hash, so that a
// proposal, vote, certificate or transaction batch that arrives again (from another peer, or
// echoed back) is neither delivered to the caller twice nor sent on twice. Bounded: past
// `capacity` hashes the oldest is forgotten first, so a message older than the last `capacity`
// may be delivered again; consensus and the mempool tolerate that (they drop duplicates
// themselves), the bound only keeps gossip from looping. Not thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <unordered_map>

#include "core/bytes.h"

namespace tc::net {

class RecentHashes {
 public:
  struct Seen {
    std::optional<Pubkey> from;  // the peer it first came from; empty when this node made it
    bool sent = false;           // this node has already gossiped it
  };

  // REQUIRES: capacity > 0.
  explicit RecentHashes(std::size_t capacity) : capacity_(capacity) {}

  // The record for `hash`, or null when it is not remembered. Valid until the next insert.
  Seen* find(const Hash256& hash) {
    const auto it = seen_.find(hash);
    return it == seen_.end() ? nullptr : &it->second;
  }

  // Remembers `hash` (which must not be remembered yet), forgetting the oldest past capacity.
  Seen& insert(const Hash256& hash, Seen seen) {
    if (order_.size() == capacity_) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(hash);
    return seen_.emplace(hash, seen).first->second;
  }

  std::size_t size() const { return order_.size(); }

 private:
  std::size_t capacity_;
  std::unordered_map<Hash256, Seen> seen_;
  std::deque<Hash256> order_;  // insertion order, oldest first
};

}  // namespace tc::net

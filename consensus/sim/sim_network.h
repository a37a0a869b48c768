// The simulator's network and clock: one seeded generator, the messages nodes exchange, and one
// queue of events in virtual time (deliveries, polls, timers, crashes, partitions).
//
// A send goes through the link model of NetworkConfig: uniform latency, and before GST loss, a
// reordering tail and partitions (two-way or one-way) that heal; duplication before and after GST.
// Events at one time run in the order they were scheduled, so a run is a pure function of its
// seed. The trace keeps the last events' descriptions for failure reports. Single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "consensus/engine.h"
#include "consensus/sim/simulator.h"

namespace tc::consensus::sim {

// SplitMix64: a small, fully specified generator, so a seed means the same run everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t uniform(std::uint64_t lo, std::uint64_t hi) {  // inclusive
    return lo + next() % (hi - lo + 1);
  }
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }

 private:
  std::uint64_t state_;
};

// kStatus carries only the sender's height (from_height), as a P2P status message does: with
// changing sets, honest validators outside their height's set send it, since they sign nothing
// that would tell lagging peers whom to ask for blocks.
enum class MessageKind : std::uint8_t { kProposal, kVote, kCatchUp, kSyncRequest, kStatus };

struct Message {
  MessageKind kind = MessageKind::kVote;
  std::uint32_t from = 0;
  std::uint64_t from_height = 0;  // the sender's current height, as a P2P status header carries
  Proposal proposal;
  Vote vote;
  std::vector<CommittedBlock> blocks;
};
using MessagePtr = std::shared_ptr<const Message>;

// The first four bytes of a hash in hex, or "nil".
std::string short_hash(const Hash256& hash);
// One line for the trace: "prevote h3 r1 ab12cd34 by v2".
std::string describe(const Message& message);

enum class EventKind : std::uint8_t {
  kDeliver,
  kPoll,
  kTimer,
  kCrash,
  kRestart,
  kPartitionStart,
  kPartitionEnd,
  kStatusTick,  // a node's status period (changing sets only)
};

struct Event {
  std::uint64_t time_us = 0;
  std::uint64_t seq = 0;
  EventKind kind = EventKind::kDeliver;
  std::uint32_t node = 0;
  std::uint32_t incarnation = 0;
  TimeoutEvent timeout;
  MessagePtr message;
};

class SimNetwork {
 public:
  // `rng` is the run's one generator, shared with the rest of the simulator; it must outlive this.
  SimNetwork(const SimConfig& config, Rng& rng);

  // GST: no faults from then on. Set once before the run starts.
  void set_gst_us(std::uint64_t gst_us) { gst_us_ = gst_us; }
  std::uint64_t gst_us() const { return gst_us_; }
  std::uint64_t now_us() const { return now_us_; }

  // Schedules `event` at its time_us; events at one time run in the order they were scheduled.
  void schedule(Event event);
  bool idle() const { return queue_.empty(); }
  // Removes and returns the earliest event without moving the clock. REQUIRES: !idle().
  Event take_next();
  // REQUIRES: time_us >= now_us().
  void advance_to(std::uint64_t time_us) { now_us_ = time_us; }

  // Sends `message` over the link from -> to: counted, then dropped, delayed or duplicated as the
  // link model says, and delivered to `to` as kDeliver events.
  void send(std::uint32_t from, std::uint32_t to, const MessagePtr& message);
  // Splits the validators into two random sides; returns whether the split is one-way.
  bool start_partition();
  void end_partition() { partitioned_ = false; }

  std::uint64_t messages_sent() const { return messages_sent_; }

 private:
  struct EventLater {
    bool operator()(const Event& a, const Event& b) const {
      return a.time_us != b.time_us ? a.time_us > b.time_us : a.seq > b.seq;
    }
  };
  bool link_blocked(std::uint32_t from, std::uint32_t to) const;

  const SimConfig& config_;
  Rng& rng_;
  std::priority_queue<Event, std::vector<Event>, EventLater> queue_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t now_us_ = 0;
  std::uint64_t gst_us_ = 0;
  std::uint64_t messages_sent_ = 0;
  bool partitioned_ = false;
  bool asymmetric_ = false;
  std::vector<std::uint8_t> side_;
};

// The last `lines` descriptions of events, stamped with the network's clock.
class Trace {
 public:
  Trace(std::size_t lines, const SimNetwork& network) : lines_(lines), network_(network) {}
  // Whether anything is kept: callers skip building descriptions when not.
  bool enabled() const { return lines_ > 0; }
  void add(std::string text);
  // "  12.3 ms  text" per entry, oldest first.
  std::string to_string() const;

 private:
  struct Entry {
    std::uint64_t time_us;
    std::string text;
  };
  std::size_t lines_;
  const SimNetwork& network_;
  std::deque<Entry> entries_;
};

}  // namespace tc::consensus::sim

// PeerBook: the addresses this node may dial, where each came from, and when each may next be
// dialled. Sources: seed addresses from config, the (key, address, port) of on-chain masternode
// registrations and of the current validator set (both passed in by the caller), and addresses
// learned by peer exchange. The peer manager (net/peer_manager.h) asks it which entries are due
// and reports each dial's outcome; failed dials back off exponentially with jitter.
// Not thread-safe: it lives on the peer manager's io thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "net/ban_list.h"

namespace tc::net {

// Where a peer listens.
struct PeerEndpoint {
  IpAddress16 address;
  std::uint16_t port = 0;
  friend auto operator<=>(const PeerEndpoint&, const PeerEndpoint&) = default;
};
// "127.0.0.1:9333" for IPv4-mapped addresses, "[::1]:9333" otherwise.
std::string endpoint_name(const PeerEndpoint& endpoint);

// A peer named by its key and where it listens (a registration, a validator, a PeerAddress).
struct PeerAddressRecord {
  Pubkey key;
  PeerEndpoint endpoint;
};

struct PeerBookConfig {
  // Delay before the first retry; it doubles with each consecutive failure up to backoff_max. Each
  // delay is drawn uniformly from [delay / 2, delay] so that nodes restarted together do not dial
  // in lockstep.
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{60'000};
  // Entries learned by peer exchange, at most (seeds, registrations and validators are not
  // counted); exchange addresses beyond it are not taken.
  std::size_t max_exchanged_entries = 1024;
  // A connection that lasted this long resets the backoff when it ends; one that ended sooner
  // counts as one more failure, so a peer that accepts and then refuses (full, banned, duplicate)
  // is not redialled in a tight loop.
  std::chrono::milliseconds stable_after{30'000};
};

class PeerBook {
 public:
  using Clock = std::chrono::steady_clock;

  struct Entry {
    PeerEndpoint endpoint;
    std::optional<Pubkey> key;  // the key the peer must prove; unknown for a seed
    bool seed = false;
    bool registration = false;
    bool validator = false;
    bool exchanged = false;
    Clock::time_point next_dial{};  // may be dialled at or after this time
    std::uint32_t failures = 0;     // consecutive failed dials and short-lived connections
    std::uint64_t dials = 0;        // dials started, ever
    std::chrono::milliseconds last_delay{0};  // the last backoff drawn
    std::string last_error;                   // why the last dial or connection ended
  };

  PeerBook(const PeerBookConfig& config, std::uint64_t seed);

  void add_seed(const PeerEndpoint& endpoint);
  // Replaces the registration (or validator) marks with `records`; entries no source holds any
  // more are forgotten.
  void set_registrations(std::span<const PeerAddressRecord> records);
  void set_validators(std::span<const PeerAddressRecord> records);
  // Takes at most `max_new` of `records` that the book does not know yet (by endpoint), within
  // max_exchanged_entries. Returns how many it took.
  std::size_t add_exchanged(std::span<const PeerAddressRecord> records, std::size_t max_new);

  // Up to `n` entries with a known key, chosen at random (for answering a peer exchange request).
  std::vector<PeerAddressRecord> sample(std::size_t n);

  // A dial to `endpoint` started now.
  void dial_started(const PeerEndpoint& endpoint);
  // The dial failed (no connection, or it closed before the handshake ended): the next one waits
  // the backoff.
  void dial_failed(const PeerEndpoint& endpoint, Clock::time_point now, const std::string& why);
  // The handshake succeeded with `key`: a seed's entry learns its key (so the peer is not dialled
  // again under another entry while connected, and can be passed on in peer exchange).
  void dial_succeeded(const PeerEndpoint& endpoint, const Pubkey& key);
  // An established connection ended. When it was `stable` (lasted stable_after) the backoff starts
  // over, otherwise it counts as a failure; either way the redial waits the drawn backoff.
  void connection_lost(const PeerEndpoint& endpoint, Clock::time_point now, const std::string& why,
                       bool stable);

  const Entry* find(const PeerEndpoint& endpoint) const;
  const std::map<PeerEndpoint, Entry>& entries() const { return entries_; }

 private:
  Entry& entry(const PeerEndpoint& endpoint);
  // The backoff before retry number `failures` (1-based), with jitter.
  std::chrono::milliseconds draw_delay(std::uint32_t failures);
  void forget_unheld();

  PeerBookConfig config_;
  std::mt19937_64 rng_;
  std::map<PeerEndpoint, Entry> entries_;
  std::size_t exchanged_entries_ = 0;
};

}  // namespace tc::net

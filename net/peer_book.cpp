#include "net/peer_book.h"

#include <algorithm>
#include <asio/ip/address_v6.hpp>

namespace tc::net {

std::string endpoint_name(const PeerEndpoint& endpoint) {
  asio::ip::address_v6::bytes_type bytes;
  std::copy(endpoint.address.bytes.begin(), endpoint.address.bytes.end(), bytes.begin());
  const asio::ip::address_v6 v6(bytes);
  if (v6.is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string() + ":" +
           std::to_string(endpoint.port);
  }
  return "[" + v6.to_string() + "]:" + std::to_string(endpoint.port);
}

PeerBook::PeerBook(const PeerBookConfig& config, std::uint64_t seed)
    : config_(config), rng_(seed) {}

PeerBook::Entry& PeerBook::entry(const PeerEndpoint& endpoint) {
  Entry& e = entries_[endpoint];
  e.endpoint = endpoint;
  return e;
}

void PeerBook::add_seed(const PeerEndpoint& endpoint) {
  entry(endpoint).seed = true;
}

void PeerBook::set_registrations(std::span<const PeerAddressRecord> records) {
  for (auto& [endpoint, e] : entries_) e.registration = false;
  for (const PeerAddressRecord& record : records) {
    Entry& e = entry(record.endpoint);
    e.registration = true;
    e.key = record.key;
  }
  forget_unheld();
}

void PeerBook::set_validators(std::span<const PeerAddressRecord> records) {
  for (auto& [endpoint, e] : entries_) e.validator = false;
  for (const PeerAddressRecord& record : records) {
    Entry& e = entry(record.endpoint);
    e.validator = true;
    e.key = record.key;
  }
  forget_unheld();
}

std::size_t PeerBook::add_exchanged(std::span<const PeerAddressRecord> records,
                                    std::size_t max_new) {
  std::size_t taken = 0;
  for (const PeerAddressRecord& record : records) {
    if (taken == max_new || exchanged_entries_ >= config_.max_exchanged_entries) break;
    if (entries_.contains(record.endpoint)) continue;
    Entry& e = entry(record.endpoint);
    e.exchanged = true;
    e.key = record.key;
    ++exchanged_entries_;
    ++taken;
  }
  return taken;
}

std::vector<PeerAddressRecord> PeerBook::sample(std::size_t n) {
  std::vector<PeerAddressRecord> known;
  for (const auto& [endpoint, e] : entries_) {
    if (e.key) known.push_back(PeerAddressRecord{*e.key, endpoint});
  }
  std::shuffle(known.begin(), known.end(), rng_);
  if (known.size() > n) known.resize(n);
  return known;
}

void PeerBook::dial_started(const PeerEndpoint& endpoint) {
  ++entry(endpoint).dials;
}

void PeerBook::dial_failed(const PeerEndpoint& endpoint, Clock::time_point now,
                           const std::string& why) {
  Entry& e = entry(endpoint);
  ++e.failures;
  e.last_delay = draw_delay(e.failures);
  e.next_dial = now + e.last_delay;
  e.last_error = why;
}

void PeerBook::dial_succeeded(const PeerEndpoint& endpoint, const Pubkey& key) {
  Entry& e = entry(endpoint);
  if (!e.key) e.key = key;
  e.last_error.clear();
}

void PeerBook::connection_lost(const PeerEndpoint& endpoint, Clock::time_point now,
                               const std::string& why, bool stable) {
  Entry& e = entry(endpoint);
  if (stable) e.failures = 0;
  ++e.failures;
  e.last_delay = draw_delay(e.failures);
  e.next_dial = now + e.last_delay;
  e.last_error = why;
}

const PeerBook::Entry* PeerBook::find(const PeerEndpoint& endpoint) const {
  const auto it = entries_.find(endpoint);
  return it == entries_.end() ? nullptr : &it->second;
}

std::chrono::milliseconds PeerBook::draw_delay(std::uint32_t failures) {
  // Doubling stops once past the cap, so the shift never overflows.
  std::chrono::milliseconds delay = config_.backoff_initial;
  for (std::uint32_t i = 1; i < failures && delay < config_.backoff_max; ++i) delay *= 2;
  delay = std::min(delay, config_.backoff_max);
  std::uniform_int_distribution<std::int64_t> jitter(delay.count() / 2, delay.count());
  return std::chrono::milliseconds(jitter(rng_));
}

void PeerBook::forget_unheld() {
  std::erase_if(entries_, [](const auto& item) {
    const Entry& e = item.second;
    return !e.seed && !e.registration && !e.validator && !e.exchanged;
  });
}

}  // namespace tc::net

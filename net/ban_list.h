// BanList: the timed bans of the peer layer, by node key and by address, mirrored to a PeerStore so
// that a restart remembers them. The peer manager bans a peer whose misbehaviour score reaches its
// threshold (net/peer_manager.h) and asks the list before it accepts or dials anyone.
//
// Expiry is wall-clock time (milliseconds since the Unix epoch), not steady time, because it must
// mean the same after a restart; every method takes `now_ms` so that callers and tests choose the
// clock. Not thread-safe: it lives on the peer manager's io thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "net/peer_store.h"

namespace tc::net {

// Why a peer was banned; stored as one byte in the ban record (docs/formats/p2p.md).
enum class BanCause : std::uint8_t {
  kProtocolViolation = 1,  // the frame decoder refused its bytes
  kRateLimit = 2,          // it kept sending past its rate limits
  kInvalidMessage = 3,     // the caller reported messages that failed its checks
};
std::string_view ban_cause_name(BanCause cause);

// Ban record layout. Key: kind u8 (1 = node key, 2 = address) ‖ the 32-byte key or 16-byte
// address. Value: version u8 = 1 ‖ expires_at_ms u64 LE ‖ cause u8 ‖ score u32 LE (14 bytes).
inline constexpr std::uint8_t kBanKindNodeKey = 1;
inline constexpr std::uint8_t kBanKindAddress = 2;
inline constexpr std::uint8_t kBanRecordVersion = 1;
inline constexpr std::size_t kBanRecordValueBytes = 14;

struct BanRecord {
  std::uint64_t expires_at_ms = 0;  // Unix milliseconds; banned while now_ms < expires_at_ms
  BanCause cause = BanCause::kProtocolViolation;
  std::uint32_t score = 0;  // the score that triggered it, for operators
  friend bool operator==(const BanRecord&, const BanRecord&) = default;
};

Bytes encode_ban_record(const BanRecord& record);
// Error, kMalformed: wrong size, version or cause (with the value's size or byte named).
Result<BanRecord> decode_ban_record(ByteSpan value);

using IpAddress16 = FixedBytes<16>;  // IPv6, or IPv4-mapped IPv6, as in PeerAddress

class BanList {
 public:
  // `store` may be null (bans then last until the process ends); otherwise it must outlive this.
  explicit BanList(PeerStore* store) : store_(store) {}

  // Loads every record from the store, erasing those expired at `now_ms` and those that do not
  // decode (both counted). Error: the store could not be read or erased (bans loaded so far stay).
  Status load(std::uint64_t now_ms);

  // Bans `key` and `address` until now_ms + duration_ms (a longer existing ban stays), writing
  // both records. Error: the store refused a write (the ban still holds in memory).
  Status ban(const Pubkey& key, const IpAddress16& address, std::uint64_t now_ms,
             std::uint64_t duration_ms, BanCause cause, std::uint32_t score);

  // The ban in force at now_ms, if any. An expired ban is forgotten here (and erased from the
  // store), so neither is const.
  std::optional<BanRecord> key_ban(const Pubkey& key, std::uint64_t now_ms);
  std::optional<BanRecord> address_ban(const IpAddress16& address, std::uint64_t now_ms);

  std::size_t size() const { return by_key_.size() + by_address_.size(); }
  std::uint64_t undecodable_records() const { return undecodable_records_; }

 private:
  template <typename Map, typename K>
  std::optional<BanRecord> lookup(Map& map, std::uint8_t kind, const K& k, std::uint64_t now_ms);
  Status put(std::uint8_t kind, ByteSpan id, const BanRecord& record);

  PeerStore* store_;
  std::map<Pubkey, BanRecord> by_key_;
  std::map<IpAddress16, BanRecord> by_address_;
  std::uint64_t undecodable_records_ = 0;
};

}  // namespace tc::net

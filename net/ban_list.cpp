#include "net/ban_list.h"

#include <algorithm>
#include <vector>

namespace tc::net {
namespace {

Bytes record_key(std::uint8_t kind, ByteSpan id) {
  Bytes key;
  key.reserve(1 + id.size());
  key.push_back(kind);
  key.insert(key.end(), id.begin(), id.end());
  return key;
}

}  // namespace

std::string_view ban_cause_name(BanCause cause) {
  switch (cause) {
    case BanCause::kProtocolViolation:
      return "protocol_violation";
    case BanCause::kRateLimit:
      return "rate_limit";
    case BanCause::kInvalidMessage:
      return "invalid_message";
  }
  return "unknown";
}

Bytes encode_ban_record(const BanRecord& record) {
  Bytes value(kBanRecordValueBytes);
  value[0] = kBanRecordVersion;
  store_u64_le(value.data() + 1, record.expires_at_ms);
  value[9] = static_cast<std::uint8_t>(record.cause);
  store_u32_le(value.data() + 10, record.score);
  return value;
}

Result<BanRecord> decode_ban_record(ByteSpan value) {
  if (value.size() != kBanRecordValueBytes) {
    return malformed("ban record: " + std::to_string(value.size()) + " bytes, expected " +
                     std::to_string(kBanRecordValueBytes));
  }
  if (value[0] != kBanRecordVersion) {
    return malformed("ban record: version " + std::to_string(value[0]));
  }
  const std::uint8_t cause = value[9];
  if (cause < static_cast<std::uint8_t>(BanCause::kProtocolViolation) ||
      cause > static_cast<std::uint8_t>(BanCause::kInvalidMessage)) {
    return malformed("ban record: cause " + std::to_string(cause));
  }
  BanRecord record;
  record.expires_at_ms = load_u64_le(value.data() + 1);
  record.cause = static_cast<BanCause>(cause);
  record.score = load_u32_le(value.data() + 10);
  return record;
}

Status BanList::load(std::uint64_t now_ms) {
  if (store_ == nullptr) return Status::ok();
  Result<std::vector<std::pair<Bytes, Bytes>>> records = store_->load_all();
  if (!records.is_ok()) return records.status().with_context("loading bans");
  std::vector<Bytes> stale;
  for (const auto& [key, value] : *records) {
    Result<BanRecord> record = decode_ban_record(value);
    const bool node_key = key.size() == 33 && key[0] == kBanKindNodeKey;
    const bool address = key.size() == 17 && key[0] == kBanKindAddress;
    if (!record.is_ok() || (!node_key && !address)) {
      ++undecodable_records_;
      stale.push_back(key);
      continue;
    }
    if (record->expires_at_ms <= now_ms) {
      stale.push_back(key);
      continue;
    }
    const ByteSpan id(key.data() + 1, key.size() - 1);
    if (node_key) by_key_[Pubkey::from_span(id)] = *record;
    if (address) by_address_[IpAddress16::from_span(id)] = *record;
  }
  for (const Bytes& key : stale) TC_RETURN_IF_ERROR(store_->erase(key));
  return Status::ok();
}

Status BanList::ban(const Pubkey& key, const IpAddress16& address, std::uint64_t now_ms,
                    std::uint64_t duration_ms, BanCause cause, std::uint32_t score) {
  const BanRecord record{now_ms + duration_ms, cause, score};
  BanRecord& by_key = by_key_[key];
  if (by_key.expires_at_ms < record.expires_at_ms) by_key = record;
  BanRecord& by_address = by_address_[address];
  if (by_address.expires_at_ms < record.expires_at_ms) by_address = record;
  TC_RETURN_IF_ERROR(put(kBanKindNodeKey, key.span(), by_key));
  return put(kBanKindAddress, address.span(), by_address);
}

std::optional<BanRecord> BanList::key_ban(const Pubkey& key, std::uint64_t now_ms) {
  return lookup(by_key_, kBanKindNodeKey, key, now_ms);
}

std::optional<BanRecord> BanList::address_ban(const IpAddress16& address, std::uint64_t now_ms) {
  return lookup(by_address_, kBanKindAddress, address, now_ms);
}

template <typename Map, typename K>
std::optional<BanRecord> BanList::lookup(Map& map, std::uint8_t kind, const K& k,
                                         std::uint64_t now_ms) {
  const auto it = map.find(k);
  if (it == map.end()) return std::nullopt;
  if (now_ms < it->second.expires_at_ms) return it->second;
  map.erase(it);
  // A failed erase leaves a record that load() drops as expired next time.
  if (store_ != nullptr) (void)store_->erase(record_key(kind, k.span()));
  return std::nullopt;
}

Status BanList::put(std::uint8_t kind, ByteSpan id, const BanRecord& record) {
  if (store_ == nullptr) return Status::ok();
  return store_->put(record_key(kind, id), encode_ban_record(record)).with_context("storing a ban");
}

}  // namespace tc::net

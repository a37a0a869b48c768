#include "node/genesis_file.h"

#include <asio/ip/address.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/bytes.h"
#include "core/masternode_tier.h"

namespace tc::node {
namespace {

using nlohmann::json;

Status field_error(const std::string& field, std::string_view why) {
  return malformed(field + ": " + std::string(why));
}

// Requires `object` to hold exactly the keys in `allowed`, each of them.
Status check_keys(const json& object, const std::string& where,
                  std::initializer_list<std::string_view> allowed) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool known = false;
    for (std::string_view key : allowed) known = known || it.key() == key;
    if (!known) return field_error(where + it.key(), "unknown field");
  }
  for (std::string_view key : allowed) {
    if (!object.contains(key)) return field_error(where + std::string(key), "missing");
  }
  return Status::ok();
}

Result<std::string> string_of(const json& value, const std::string& field) {
  if (!value.is_string()) return field_error(field, "expected a string");
  return value.get<std::string>();
}

Result<std::uint64_t> unsigned_of(const json& value, const std::string& field, std::uint64_t max) {
  if (!value.is_number_unsigned()) {
    return field_error(field, "expected an integer in 0.." + std::to_string(max));
  }
  const std::uint64_t n = value.get<std::uint64_t>();
  if (n > max) return field_error(field, "expected an integer in 0.." + std::to_string(max));
  return n;
}

Result<PubkeyHash> address_of(const json& value, const std::string& field, Network network) {
  TC_ASSIGN_OR_RETURN(const std::string text, string_of(value, field));
  auto decoded = decode_address_for(network, text);
  if (!decoded.is_ok()) return field_error(field, decoded.status().message());
  return *decoded;
}

Result<ledger::MasternodeRecord> masternode_of(const json& object, const std::string& where,
                                               Network network) {
  if (!object.is_object()) return field_error(where, "expected an object");
  TC_RETURN_IF_ERROR(
      check_keys(object, where + ".",
                 {"tier", "consensus_pubkey", "reward_address", "p2p_address", "p2p_port"}));
  ledger::MasternodeRecord record;
  TC_ASSIGN_OR_RETURN(const std::string tier, string_of(object["tier"], where + ".tier"));
  const auto parsed_tier = tier_from_name(tier);
  if (!parsed_tier) return field_error(where + ".tier", "unknown tier \"" + tier + "\"");
  record.tier = *parsed_tier;
  TC_ASSIGN_OR_RETURN(const std::string pubkey,
                      string_of(object["consensus_pubkey"], where + ".consensus_pubkey"));
  auto key = fixed_from_hex<32>(pubkey);
  if (!key.is_ok()) {
    return field_error(where + ".consensus_pubkey", "expected 64 hex characters");
  }
  record.consensus_pubkey = *key;
  TC_ASSIGN_OR_RETURN(record.reward_pubkey_hash,
                      address_of(object["reward_address"], where + ".reward_address", network));
  TC_ASSIGN_OR_RETURN(const std::string ip,
                      string_of(object["p2p_address"], where + ".p2p_address"));
  asio::error_code error;
  const asio::ip::address address = asio::ip::make_address(ip, error);
  if (error) return field_error(where + ".p2p_address", "\"" + ip + "\" is not an IP address");
  const asio::ip::address_v6 v6 =
      address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                      : address.to_v6();
  const auto bytes = v6.to_bytes();
  record.p2p_address = FixedBytes<16>::from_span(ByteSpan(bytes.data(), bytes.size()));
  const json& port = object["p2p_port"];
  if (!port.is_number_unsigned() || port.get<std::uint64_t>() == 0 ||
      port.get<std::uint64_t>() > 65'535) {
    return field_error(where + ".p2p_port", "expected an integer in 1..65535");
  }
  record.p2p_port = static_cast<std::uint16_t>(port.get<std::uint64_t>());
  return record;
}

}  // namespace

Result<GenesisFile> parse_genesis_file(std::string_view text) {
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return malformed("not a JSON document");
  if (!document.is_object()) return malformed("not a JSON object");
  TC_RETURN_IF_ERROR(check_keys(
      document, "", {"format", "network", "timestamp_ms", "allocations", "masternodes"}));
  TC_ASSIGN_OR_RETURN(const std::string format, string_of(document["format"], "format"));
  if (format != kGenesisFileFormat) {
    return field_error("format",
                       "\"" + format + "\", expected \"" + std::string(kGenesisFileFormat) + "\"");
  }
  GenesisFile file;
  TC_ASSIGN_OR_RETURN(const std::string network, string_of(document["network"], "network"));
  auto parsed_network = parse_network(network);
  if (!parsed_network.is_ok()) return field_error("network", parsed_network.status().message());
  file.network = *parsed_network;
  TC_ASSIGN_OR_RETURN(file.genesis.timestamp_ms,
                      unsigned_of(document["timestamp_ms"], "timestamp_ms", ~std::uint64_t{0}));

  const json& allocations = document["allocations"];
  if (!allocations.is_array() || allocations.empty() || allocations.size() > 65'535) {
    return field_error("allocations", "expected an array of 1 to 65535 allocations");
  }
  for (std::size_t i = 0; i < allocations.size(); ++i) {
    const std::string where = "allocations[" + std::to_string(i) + "]";
    const json& entry = allocations[i];
    if (!entry.is_object()) return field_error(where, "expected an object");
    TC_RETURN_IF_ERROR(check_keys(entry, where + ".", {"address", "amount_sat"}));
    TxOutput output;
    TC_ASSIGN_OR_RETURN(output.pubkey_hash,
                        address_of(entry["address"], where + ".address", file.network));
    TC_ASSIGN_OR_RETURN(const std::uint64_t amount,
                        unsigned_of(entry["amount_sat"], where + ".amount_sat", ~std::uint64_t{0}));
    output.value = Amount(amount);
    file.genesis.allocations.push_back(output);
  }

  const json& masternodes = document["masternodes"];
  if (!masternodes.is_array() || masternodes.empty() ||
      masternodes.size() > kGenesisMasternodesMax) {
    return field_error("masternodes", "expected an array of 1 to " +
                                          std::to_string(kGenesisMasternodesMax) + " masternodes");
  }
  std::set<Pubkey> keys;
  for (std::size_t i = 0; i < masternodes.size(); ++i) {
    const std::string where = "masternodes[" + std::to_string(i) + "]";
    TC_ASSIGN_OR_RETURN(ledger::MasternodeRecord record,
                        masternode_of(masternodes[i], where, file.network));
    if (!keys.insert(record.consensus_pubkey).second) {
      return field_error(where + ".consensus_pubkey", "appears twice");
    }
    file.genesis.masternodes.push_back(record);
  }
  return file;
}

Result<GenesisFile> read_genesis_file(const std::string& path) {
  const std::string where = "genesis file " + path + ": ";
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(where + "cannot open: " + std::strerror(errno));
  std::string text(kGenesisFileBytesMax + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return io_error(where + "cannot read");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kGenesisFileBytesMax) {
    return malformed(where + "larger than " + std::to_string(kGenesisFileBytesMax) + " bytes");
  }
  auto file = parse_genesis_file(text);
  if (!file.is_ok()) return file.status().with_context("genesis file " + path);
  return file;
}

std::string genesis_file_text(const GenesisFile& file) {
  json document = json::object();
  document["format"] = kGenesisFileFormat;
  document["network"] = network_name(file.network);
  document["timestamp_ms"] = file.genesis.timestamp_ms;
  json allocations = json::array();
  for (const TxOutput& output : file.genesis.allocations) {
    allocations.push_back({{"address", encode_address(file.network, output.pubkey_hash)},
                           {"amount_sat", output.value.satoshis()}});
  }
  document["allocations"] = std::move(allocations);
  json masternodes = json::array();
  for (const ledger::MasternodeRecord& record : file.genesis.masternodes) {
    asio::ip::address_v6::bytes_type bytes;
    std::copy(record.p2p_address.bytes.begin(), record.p2p_address.bytes.end(), bytes.begin());
    const asio::ip::address_v6 v6(bytes);
    const std::string ip = v6.is_v4_mapped()
                               ? asio::ip::make_address_v4(asio::ip::v4_mapped, v6).to_string()
                               : v6.to_string();
    masternodes.push_back(
        {{"tier", std::string(tier_rules(record.tier).name)},
         {"consensus_pubkey", to_hex(record.consensus_pubkey)},
         {"reward_address", encode_address(file.network, record.reward_pubkey_hash)},
         {"p2p_address", ip},
         {"p2p_port", record.p2p_port}});
  }
  document["masternodes"] = std::move(masternodes);
  return document.dump(2) + "\n";
}

}  // namespace tc::node

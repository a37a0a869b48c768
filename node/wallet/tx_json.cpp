#include "node/wallet/tx_json.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "core/address.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/masternode_tier.h"

namespace tc::wallet {
namespace {

using Json = nlohmann::ordered_json;

std::string_view kind_name(TxKind kind) {
  switch (kind) {
    case TxKind::kTransfer:
      return "transfer";
    case TxKind::kCoinbase:
      return "coinbase";
    case TxKind::kMasternodeRegistration:
      return "masternode_registration";
    case TxKind::kEquivocationEvidence:
      return "equivocation_evidence";
  }
  return "unknown";
}

Json address_or_null(const std::optional<Network>& network, const PubkeyHash& hash) {
  if (!network) return nullptr;
  return encode_address(*network, hash);
}

std::string ipv6_text(const FixedBytes<16>& address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, address.data(), text, sizeof(text));
  return text;
}

Json registration_json(const RegistrationPayload& payload, const std::optional<Network>& network) {
  Json json;
  json["tier"] = payload.tier;
  const auto tier = tier_from_byte(payload.tier);
  json["tier_name"] = tier ? Json(std::string(tier_rules(*tier).name)) : Json(nullptr);
  json["collateral_txid"] = to_hex(payload.collateral.txid);
  json["collateral_vout"] = payload.collateral.vout;
  json["consensus_pubkey"] = to_hex(payload.consensus_pubkey);
  json["reward_pubkey_hash"] = to_hex(payload.reward_pubkey_hash);
  json["reward_address"] = address_or_null(network, payload.reward_pubkey_hash);
  json["p2p_address"] = ipv6_text(payload.p2p_address);
  json["p2p_port"] = payload.p2p_port;
  json["possession_sig"] = to_hex(payload.possession_sig);
  return json;
}

Json evidence_json(const EvidencePayload& evidence) {
  Json json;
  json["validator"] = to_hex(evidence.validator);
  json["height"] = evidence.height;
  json["round"] = evidence.round;
  json["step"] = evidence.step;
  json["hash_a"] = to_hex(evidence.hash_a);
  json["pol_round_a"] = evidence.pol_round_a;
  json["sig_a"] = to_hex(evidence.sig_a);
  json["hash_b"] = to_hex(evidence.hash_b);
  json["pol_round_b"] = evidence.pol_round_b;
  json["sig_b"] = to_hex(evidence.sig_b);
  return json;
}

}  // namespace

std::string transaction_json(const Transaction& tx) {
  auto known = network_from_chain_id(tx.chain_id);
  const std::optional<Network> network =
      known.is_ok() ? std::optional<Network>(*known) : std::nullopt;

  Json json;
  json["txid"] = to_hex(txid(tx));
  json["wire_hash"] = to_hex(wire_hash(tx));
  json["sighash"] = to_hex(sighash(tx, tx.chain_id));
  json["encoded_bytes"] = encoded_size(tx);
  json["version"] = tx.version;
  json["kind"] = kind_name(tx.kind);
  json["chain_id"] = tx.chain_id;
  json["network"] = network ? Json(std::string(network_name(*network))) : Json(nullptr);
  json["lock_time"] = tx.lock_time;
  json["inputs"] = Json::array();
  for (const TxInput& input : tx.inputs) {
    Json entry;
    entry["prev_txid"] = to_hex(input.prev.txid);
    entry["prev_vout"] = input.prev.vout;
    entry["pubkey"] = to_hex(input.pubkey);
    entry["address"] = address_or_null(network, pubkey_hash(input.pubkey));
    entry["sig"] = to_hex(input.sig);
    json["inputs"].push_back(std::move(entry));
  }
  json["outputs"] = Json::array();
  for (const TxOutput& output : tx.outputs) {
    Json entry;
    entry["value_sat"] = output.value.satoshis();
    entry["pubkey_hash"] = to_hex(output.pubkey_hash);
    entry["address"] = address_or_null(network, output.pubkey_hash);
    json["outputs"].push_back(std::move(entry));
  }
  switch (tx.kind) {
    case TxKind::kTransfer:
      json["payload"] = nullptr;
      break;
    case TxKind::kCoinbase:
      json["payload"] = Json{{"height", tx.coinbase_height}};
      break;
    case TxKind::kMasternodeRegistration:
      json["payload"] = registration_json(tx.registration, network);
      break;
    case TxKind::kEquivocationEvidence:
      json["payload"] = evidence_json(tx.evidence);
      break;
  }
  return json.dump(2) + "\n";
}

Result<std::string> decode_transaction_hex_json(std::string_view hex) {
  // Only trailing whitespace is dropped, so hex error positions still count from the start.
  const std::size_t last = hex.find_last_not_of(" \t\r\n");
  hex = last == std::string_view::npos ? std::string_view() : hex.substr(0, last + 1);
  auto bytes = from_hex(hex);
  if (!bytes.is_ok()) return bytes.status().with_context("transaction hex");
  TC_ASSIGN_OR_RETURN(Transaction tx, decode_transaction(ByteSpan(*bytes)));
  return transaction_json(tx);
}

}  // namespace tc::wallet

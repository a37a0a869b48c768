#include "node/wallet/tx_builder.h"

#include <charconv>
#include <limits>

#include "core/codec.h"
#include "core/hashing.h"
#include "ledger/params.h"
#include "ledger/rules.h"

namespace tc::wallet {
namespace {

std::string quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// A decimal number of type T using every character of `text`; nullopt otherwise (empty, a sign,
// spaces, other characters, or out of range).
template <typename T>
std::optional<T> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  T value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value, 10);
  if (error != std::errc() || stop != end) return std::nullopt;
  return value;
}

// The ledger's stateless rules (the checks a transaction passes on its own) over the encoding of
// `tx`, with the protocol's parameters for its chain.
Status check_ledger_would_accept(const Transaction& tx) {
  Bytes encoded;
  encode(tx, &encoded);
  TransactionView view;
  DecodeFailure decode_failure;
  if (decode_transaction_view(ByteSpan(encoded), &view, &decode_failure) != DecodeError::kOk) {
    // build_transfer's shape (a transfer with inputs and outputs) always decodes.
    return internal_error("the wallet's own transfer does not decode: " +
                          std::string(decode_failure_status(decode_failure).message()));
  }
  ledger::LedgerParams params;
  params.chain_id = tx.chain_id;
  ledger::TxFailure failure;
  const ledger::RejectReason reason = ledger::check_stateless(view, params, nullptr, &failure);
  if (reason == ledger::RejectReason::kOk) return Status::ok();
  return invalid_argument(
      "the ledger would reject this transfer: " +
      std::string(ledger::reject_status(reason, txid(view), failure).message()));
}

}  // namespace

Result<OutPoint> parse_outpoint(std::string_view text) {
  const std::string context = "input " + quoted(text);
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return invalid_argument(context + ": expected TXID:VOUT");
  }
  auto txid = fixed_from_hex<Hash256::kSize>(text.substr(0, colon));
  if (!txid.is_ok()) {
    return invalid_argument(context + ": txid: " + std::string(txid.status().message()));
  }
  const std::string_view vout_text = text.substr(colon + 1);
  const auto vout = parse_decimal<std::uint32_t>(vout_text);
  if (!vout) {
    return invalid_argument(context + ": vout " + quoted(vout_text) +
                            " is not a decimal number below 2^32");
  }
  return OutPoint{*txid, *vout};
}

Result<Amount> parse_amount_sat(std::string_view text) {
  const auto satoshis = parse_decimal<std::uint64_t>(text);
  if (!satoshis) {
    return invalid_argument("amount " + quoted(text) +
                            " is not a whole number of satoshis below 2^64");
  }
  return Amount(*satoshis);
}

Result<TxOutput> parse_output(std::string_view text, Network network) {
  const std::string context = "output " + quoted(text);
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return invalid_argument(context + ": expected ADDRESS:AMOUNT_SAT");
  }
  auto pubkey_hash = decode_address_for(network, text.substr(0, colon));
  if (!pubkey_hash.is_ok()) {
    return invalid_argument(context + ": " + std::string(pubkey_hash.status().message()));
  }
  auto amount = parse_amount_sat(text.substr(colon + 1));
  if (!amount.is_ok()) {
    return invalid_argument(context + ": " + std::string(amount.status().message()));
  }
  return TxOutput{*amount, *pubkey_hash};
}

Result<Network> resolve_network(std::optional<std::string_view> name,
                                std::optional<std::uint32_t> chain_id) {
  std::optional<Network> by_name;
  if (name) {
    TC_ASSIGN_OR_RETURN(by_name, parse_network(*name));
  }
  std::optional<Network> by_chain_id;
  if (chain_id) {
    TC_ASSIGN_OR_RETURN(by_chain_id, network_from_chain_id(*chain_id));
  }
  if (by_name && by_chain_id && *by_name != *by_chain_id) {
    return invalid_argument("--network " + std::string(*name) + " disagrees with --chain-id " +
                            std::to_string(*chain_id) + " (" +
                            std::string(network_name(*by_chain_id)) + ")");
  }
  if (by_name) return *by_name;
  if (by_chain_id) return *by_chain_id;
  return Network::kMainnet;
}

Result<Transaction> build_transfer(const KeyPair& key, const TransferRequest& request) {
  constexpr std::size_t kCountMax = std::numeric_limits<std::uint16_t>::max();
  if (request.inputs.empty()) return invalid_argument("a transfer needs at least one input");
  if (request.outputs.empty()) return invalid_argument("a transfer needs at least one output");
  if (request.inputs.size() > kCountMax || request.outputs.size() > kCountMax) {
    return invalid_argument("a transaction holds at most 65535 inputs and 65535 outputs");
  }
  Transaction tx;
  tx.kind = TxKind::kTransfer;
  tx.chain_id = network_chain_id(request.network);
  tx.lock_time = request.lock_time;
  for (const std::string& word : request.inputs) {
    TC_ASSIGN_OR_RETURN(OutPoint prev, parse_outpoint(word));
    tx.inputs.push_back(TxInput{prev, Pubkey{}, Signature{}});
  }
  for (const std::string& word : request.outputs) {
    TC_ASSIGN_OR_RETURN(TxOutput output, parse_output(word, request.network));
    tx.outputs.push_back(output);
  }
  const std::size_t bytes = encoded_size(tx);
  if (bytes > kMaxTransactionBytes) {
    return invalid_argument("the transaction would be " + std::to_string(bytes) +
                            " bytes, above the limit of " + std::to_string(kMaxTransactionBytes));
  }
  sign_transaction(key, &tx);
  TC_RETURN_IF_ERROR(check_ledger_would_accept(tx));
  if (bytes > kMaxDatagramTransactionBytes && !request.allow_larger_than_datagram) {
    return invalid_argument("the transaction would be " + std::to_string(bytes) +
                            " bytes, above the " + std::to_string(kMaxDatagramTransactionBytes) +
                            " of one ingress datagram (pass --allow-larger-than-datagram to build "
                            "it for another path)");
  }
  return tx;
}

}  // namespace tc::wallet

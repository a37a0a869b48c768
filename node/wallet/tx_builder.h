// Building signed transfers from the wallet tool's command-line words: "TXID:VOUT" inputs,
// "ADDRESS:AMOUNT_SAT" outputs, and the --network / --chain-id choice.
//
// timecoin-wallet build-tx calls these; they are separate from the tool so tests can drive them
// without a process. Every function checks its text fully and names the offending word in its
// error. build_transfer refuses to sign what the ledger would reject on the transaction alone
// (ledger::check_stateless: dust, a zero output, outputs summing past 2^64, duplicate inputs) and,
// unless asked, what does not fit one ingress datagram. The rules that need the UTXO set (that
// inputs exist, are unspent and the key's, and pay the fee) are not checked here: the wallet does
// not know the inputs' values. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.h"
#include "core/keys.h"
#include "core/status.h"
#include "core/types.h"

namespace tc::wallet {

// "TXID:VOUT": 64 hex characters of the txid (its bytes in order, as decode-tx prints them), a
// colon, and a decimal u32. Errors, kInvalidArgument: "input \"x\": expected TXID:VOUT",
// "input \"x\": txid: expected 64 hex characters, got 3", "input \"x\": vout \"-1\" is not a
// decimal number below 2^32".
Result<OutPoint> parse_outpoint(std::string_view text);

// A decimal u64 count of satoshis: digits only, no sign, no separators. Error: kInvalidArgument
// "amount \"1.5\" is not a whole number of satoshis below 2^64".
Result<Amount> parse_amount_sat(std::string_view text);

// "ADDRESS:AMOUNT_SAT" for `network`: the address must decode and belong to the network's address
// family. Errors, kInvalidArgument, prefixed "output \"x\": ": no colon, the address error of
// decode_address_for(), or the amount error of parse_amount_sat().
Result<TxOutput> parse_output(std::string_view text, Network network);

// The network chosen by --network and/or --chain-id: mainnet when neither is given, the one given,
// or both when they agree. Errors, kInvalidArgument: an unknown name or chain id, or "--network
// testnet disagrees with --chain-id 1 (mainnet)".
Result<Network> resolve_network(std::optional<std::string_view> name,
                                std::optional<std::uint32_t> chain_id);

struct TransferRequest {
  Network network = Network::kMainnet;
  std::uint64_t lock_time = 0;
  std::vector<std::string> inputs;   // "TXID:VOUT" each
  std::vector<std::string> outputs;  // "ADDRESS:AMOUNT_SAT" each
  // A transfer above kMaxDatagramTransactionBytes (1,232) cannot be sent to UDP ingress; it is
  // refused unless this is set (for a path that takes larger transactions, up to
  // kMaxTransactionBytes).
  bool allow_larger_than_datagram = false;
};

// A transfer with the request's inputs and outputs in order, chain_id of its network, signed by
// `key` in every input (sign_transaction). Errors, kInvalidArgument: no inputs or no outputs, any
// word as above, more than 65535 inputs or outputs, an encoding above kMaxTransactionBytes; a
// rule of ledger::check_stateless with the protocol's ledger::LedgerParams, as "the ledger would
// reject this transfer: " and ledger::reject_status's message, which names the rule and the
// input or output ("tx 9f...: output 1: dust: 25 vs 546"); or, unless
// allow_larger_than_datagram, an encoding above kMaxDatagramTransactionBytes.
Result<Transaction> build_transfer(const KeyPair& key, const TransferRequest& request);

}  // namespace tc::wallet

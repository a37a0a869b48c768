// timecoin-wallet: key files, addresses, and signed transfers from the command line.
//
//   timecoin-wallet keygen [--seed HEX] --out FILE      create a key file; prints the pubkey
//   timecoin-wallet address --key FILE [--network N]    prints the key's address on network N
//   timecoin-wallet build-tx --key FILE --input TXID:VOUT... --output ADDRESS:AMOUNT_SAT...
//                            [--network N | --chain-id ID] [--lock-time HEIGHT]
//                            [--allow-larger-than-datagram]
//                                                        prints the signed transfer as hex
//   timecoin-wallet decode-tx HEX|-                     prints the transaction as JSON
//
// N is mainnet (the default), testnet or devnet. build-tx refuses a transfer the ledger would
// reject on its own (dust, duplicate inputs, ...; node/wallet/tx_builder.h), naming the rule, and
// one above the 1,232 bytes of an ingress datagram unless --allow-larger-than-datagram. decode-tx -
// reads at most kStdinBytesMax bytes of stdin. Exit status: 0 on success, 2 on any error, with
// "timecoin-wallet: <message>" on stderr naming the option, file, word or byte offset at fault;
// --help (also after a subcommand) exits 0. The logic lives in node/wallet/ (key_file.h,
// tx_builder.h, tx_json.h); this file only wires it to CLI11 through node/cli/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/address.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "node/cli/bounded_read.h"
#include "node/cli/command_line.h"
#include "node/wallet/key_file.h"
#include "node/wallet/tx_builder.h"
#include "node/wallet/tx_json.h"

namespace {

constexpr int kExitError = 2;
// The hex of the largest transaction (kMaxTransactionBytes), with room for trailing whitespace
// (a newline, a CRLF, an editor's padding).
constexpr std::size_t kStdinBytesMax = 2 * tc::kMaxTransactionBytes + 1024;

struct Options {
  std::string seed_hex;
  std::string key_path;
  std::string out_path;
  std::string network_name;
  std::uint32_t chain_id = 0;
  std::uint64_t lock_time = 0;
  bool allow_larger_than_datagram = false;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::string tx_hex;
};

tc::Status run_keygen(Options* options, bool seed_given) {
  std::optional<tc::KeyPair> key;
  if (seed_given) {
    auto seed = tc::fixed_from_hex<tc::SecretSeed::kSize>(options->seed_hex);
    tc::secure_zero(tc::MutableByteSpan(reinterpret_cast<std::uint8_t*>(options->seed_hex.data()),
                                        options->seed_hex.size()));
    if (!seed.is_ok()) return seed.status().with_context("--seed");
    key = tc::KeyPair::from_seed(*seed);
    tc::secure_zero(tc::MutableByteSpan(seed->data(), seed->size()));
  } else {
    auto generated = tc::KeyPair::generate();
    if (!generated.is_ok()) return generated.status();
    key = *generated;
  }
  TC_RETURN_IF_ERROR(tc::wallet::write_key_file(options->out_path, *key));
  std::cout << tc::to_hex(key->pubkey()) << "\n";
  return tc::Status::ok();
}

tc::Status run_address(const Options& options) {
  auto network = tc::parse_network(options.network_name);
  if (!network.is_ok()) return network.status();
  auto key = tc::wallet::read_key_file(options.key_path);
  if (!key.is_ok()) return key.status();
  std::cout << tc::encode_address(*network, tc::pubkey_hash(key->pubkey())) << "\n";
  return tc::Status::ok();
}

tc::Status run_build_tx(const Options& options, bool network_given, bool chain_id_given) {
  std::optional<std::string_view> name;
  if (network_given) name = options.network_name;
  std::optional<std::uint32_t> chain_id;
  if (chain_id_given) chain_id = options.chain_id;
  tc::wallet::TransferRequest request;
  TC_ASSIGN_OR_RETURN(request.network, tc::wallet::resolve_network(name, chain_id));
  request.lock_time = options.lock_time;
  request.allow_larger_than_datagram = options.allow_larger_than_datagram;
  request.inputs = options.inputs;
  request.outputs = options.outputs;
  auto key = tc::wallet::read_key_file(options.key_path);
  if (!key.is_ok()) return key.status();
  TC_ASSIGN_OR_RETURN(tc::Transaction tx, tc::wallet::build_transfer(*key, request));
  tc::Bytes encoded;
  tc::encode(tx, &encoded);
  std::cout << tc::to_hex(tc::ByteSpan(encoded)) << "\n";
  return tc::Status::ok();
}

tc::Status run_decode_tx(const Options& options) {
  std::string hex = options.tx_hex;
  if (hex == "-")
    TC_RETURN_IF_ERROR(tc::cli::read_to_end(STDIN_FILENO, kStdinBytesMax, "stdin", &hex));
  TC_ASSIGN_OR_RETURN(std::string json, tc::wallet::decode_transaction_hex_json(hex));
  std::cout << json;
  return tc::Status::ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TimeCoin wallet: key files, addresses and signed transfers"};
  app.name("timecoin-wallet");
  app.require_subcommand(1);
  Options options;

  CLI::App* keygen = app.add_subcommand("keygen", "Create a key file and print its pubkey");
  CLI::Option* seed_option = keygen->add_option(
      "--seed", options.seed_hex,
      "Derive the key from this 32-byte seed (64 hex characters) instead of fresh randomness; for "
      "tests and devnet, since the seed is visible to other processes");
  keygen->add_option("--out", options.out_path, "Key file to create (mode 0600, never overwritten)")
      ->required();

  CLI::App* address = app.add_subcommand("address", "Print the address of a key file's key");
  address->add_option("--key", options.key_path, "Key file")->required();
  address->add_option("--network", options.network_name, "mainnet, testnet or devnet")
      ->default_val("mainnet");

  CLI::App* build_tx =
      app.add_subcommand("build-tx", "Build a transfer signed in every input; print it as hex");
  build_tx->add_option("--key", options.key_path, "Key file that owns every input")->required();
  build_tx->add_option("--input", options.inputs, "Outpoint to spend, TXID:VOUT (repeatable)");
  build_tx->add_option("--output", options.outputs,
                       "Payment, ADDRESS:AMOUNT_SAT in satoshis (repeatable)");
  CLI::Option* network_option = build_tx->add_option("--network", options.network_name,
                                                     "mainnet (default), testnet or devnet");
  CLI::Option* chain_id_option = tc::cli::add_unsigned_option(
      build_tx, "--chain-id", &options.chain_id, "1 mainnet, 2 testnet, 3 devnet");
  tc::cli::add_unsigned_option(
      build_tx, "--lock-time", &options.lock_time,
      "Earliest block height that may include it (0, the default, is any)");
  build_tx->add_flag("--allow-larger-than-datagram", options.allow_larger_than_datagram,
                     "Build a transfer above the 1232 bytes of one ingress datagram (for a path "
                     "that takes larger ones, up to 100000 bytes)");

  CLI::App* decode_tx =
      app.add_subcommand("decode-tx", "Print an encoded transaction (hex, or - for stdin) as JSON");
  decode_tx->add_option("tx", options.tx_hex, "Transaction hex, or - to read it from stdin")
      ->required();

  if (auto exit_status = tc::cli::parse_command_line(&app, argc, argv)) return *exit_status;

  tc::Status status;
  if (keygen->parsed()) {
    status = run_keygen(&options, seed_option->count() > 0);
  } else if (address->parsed()) {
    status = run_address(options);
  } else if (build_tx->parsed()) {
    status = run_build_tx(options, network_option->count() > 0, chain_id_option->count() > 0);
  } else if (decode_tx->parsed()) {
    status = run_decode_tx(options);
  }
  if (!status.is_ok()) {
    std::cerr << "timecoin-wallet: " << status.message() << "\n";
    return kExitError;
  }
  return 0;
}

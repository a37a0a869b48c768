// Goal: the wallet logic behind timecoin-wallet (node/wallet/) writes and reads key files safely,
// turns command-line words into exactly the intended signed transfer, and describes any encoded
// transaction faithfully as JSON. Method: fixed keys (RFC 8032 TEST 1 seed) and hand-built
// transactions; JSON output is parsed back with nlohmann-json and compared field by field.
// Scenarios:
//   key file: text round trip; 0600 mode; refusal to overwrite; missing file; not JSON; wrong
//   format; bad seed hex; pubkey that does not match the seed; oversized file.
//   words: outpoint and amount parsing with each error; outputs checked against the network's
//   address family; --network / --chain-id resolution and disagreement.
//   build_transfer: fields in order, chain id of the network, every input signed over the sighash;
//   no inputs / no outputs; encoding above kMaxTransactionBytes; what ledger::check_stateless
//   rejects (dust, zero value, outputs summing past 2^64, duplicate inputs), each refused naming
//   the rule, the output or input, and the signed transfer's txid; a transfer above one datagram
//   refused unless allow_larger_than_datagram, and one exactly at 1,232 bytes built.
//   JSON: a built transfer decodes to its hashes, fields and addresses; coinbase and registration
//   payloads; unknown chain id gives null addresses; hex and codec errors name position/offset.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/address.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "node/wallet/key_file.h"
#include "node/wallet/tx_builder.h"
#include "node/wallet/tx_json.h"

namespace tc::wallet {
namespace {

// RFC 8032 section 7.1 TEST 1.
constexpr std::string_view kSeedHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kPubkeyHex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
// encode_address of that pubkey's hash (tests/core/address_test.cpp).
constexpr std::string_view kMainnetAddress = "TIME146jp6a3cnphZZ4orZEBvg3GhVkwobjy2g";
constexpr std::string_view kTestAddress = "TIME046jp6a3cnphZZ4orZEBvg3GhVkwobjy2g";
constexpr std::string_view kTxidA =
    "1111111111111111111111111111111111111111111111111111111111111111";
constexpr std::string_view kTxidB =
    "abababababababababababababababababababababababababababababababab";

KeyPair test_key() {
  return KeyPair::from_seed(*fixed_from_hex<32>(kSeedHex));
}

// A fresh, empty directory, removed with everything in it when the test ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "wallet_test_XXXXXX";
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

// ---- key file

TEST(KeyFileTest, TextRoundTrips) {
  const std::string text = key_file_text(test_key());
  EXPECT_EQ(text, "{\n  \"format\": \"timecoin-ed25519-seed-v1\",\n  \"seed\": \"" +
                      std::string(kSeedHex) + "\",\n  \"pubkey\": \"" + std::string(kPubkeyHex) +
                      "\"\n}\n");
  auto key = parse_key_file(text);
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  EXPECT_EQ(to_hex(key->pubkey()), kPubkeyHex);
  // Any key order and whitespace, unknown keys ignored.
  auto reordered =
      parse_key_file("{\"pubkey\":\"" + std::string(kPubkeyHex) + "\",\"note\":1,\"seed\":\"" +
                     std::string(kSeedHex) + "\",\"format\":\"timecoin-ed25519-seed-v1\"}");
  ASSERT_TRUE(reordered.is_ok()) << reordered.status().to_string();
  EXPECT_EQ(reordered->seed(), test_key().seed());
}

TEST(KeyFileTest, WritesMode0600AndNeverOverwrites) {
  const ScratchDir dir;
  const std::string path = dir.path() + "/key.json";
  ASSERT_TRUE(write_key_file(path, test_key()).is_ok());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto key = read_key_file(path);
  ASSERT_TRUE(key.is_ok()) << key.status().to_string();
  EXPECT_EQ(to_hex(key->pubkey()), kPubkeyHex);

  const Status again = write_key_file(path, KeyPair::from_seed(SecretSeed{}));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.message(), "key file " + path + ": already exists; refusing to overwrite a key");
  EXPECT_EQ(to_hex(read_key_file(path)->pubkey()), kPubkeyHex);  // untouched
}

TEST(KeyFileTest, ReadErrorsNameFileAndProblem) {
  const ScratchDir dir;
  const std::string missing = dir.path() + "/missing.json";
  auto absent = read_key_file(missing);
  EXPECT_EQ(absent.status().code(), StatusCode::kIoError);
  EXPECT_EQ(absent.status().message(),
            "key file " + missing + ": cannot open: No such file or directory");

  const std::string path = dir.path() + "/bad.json";
  const std::string seed(kSeedHex);
  const std::string pubkey(kPubkeyHex);
  const std::string format = "\"format\":\"timecoin-ed25519-seed-v1\"";
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"not json", "not a JSON object"},
      {"[1]", "not a JSON object"},
      {"{\"seed\":\"" + seed + "\"}", "missing string field \"format\""},
      {"{\"format\":\"v0\"}", "format is \"v0\", expected \"timecoin-ed25519-seed-v1\""},
      {"{" + format + ",\"pubkey\":\"" + pubkey + "\"}", "missing string field \"seed\""},
      {"{" + format + ",\"seed\":\"abc\"}", "seed: expected 64 hex characters, got 3"},
      {"{" + format + ",\"seed\":\"" + seed + "\"}", "missing string field \"pubkey\""},
      {"{" + format + ",\"seed\":\"" + seed + "\",\"pubkey\":\"" + std::string(64, '0') + "\"}",
       "pubkey " + std::string(64, '0') + " does not match the seed's pubkey " + pubkey},
  };
  for (const Case& c : cases) {
    auto key = read_key_file(write_text(path, c.text));
    ASSERT_FALSE(key.is_ok()) << c.text;
    EXPECT_EQ(key.status().code(), StatusCode::kMalformed);
    EXPECT_EQ(key.status().message(), "key file " + path + ": " + c.message);
  }
  auto huge = read_key_file(write_text(path, std::string(kKeyFileBytesMax + 1, ' ')));
  EXPECT_EQ(huge.status().message(),
            "key file " + path + ": larger than 4096 bytes; not a key file");
}

// ---- command-line words

TEST(TxBuilderTest, ParsesOutpoints) {
  auto outpoint = parse_outpoint(std::string(kTxidB) + ":7");
  ASSERT_TRUE(outpoint.is_ok());
  EXPECT_EQ(to_hex(outpoint->txid), kTxidB);
  EXPECT_EQ(outpoint->vout, 7u);
  EXPECT_EQ(parse_outpoint(std::string(kTxidA) + ":4294967295")->vout, 4294967295u);

  EXPECT_EQ(parse_outpoint("abc").status().message(), "input \"abc\": expected TXID:VOUT");
  EXPECT_EQ(parse_outpoint("abc:1").status().message(),
            "input \"abc:1\": txid: expected 64 hex characters, got 3");
  const std::string bad_vouts[] = {"", "-1", "+1", "4294967296", "1x", " 1"};
  for (const std::string& vout : bad_vouts) {
    const std::string word = std::string(kTxidA) + ":" + vout;
    auto parsed = parse_outpoint(word);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(),
              "input \"" + word + "\": vout \"" + vout + "\" is not a decimal number below 2^32");
  }
}

TEST(TxBuilderTest, ParsesAmountsAndOutputs) {
  EXPECT_EQ(parse_amount_sat("18446744073709551615")->satoshis(), 18446744073709551615ull);
  EXPECT_EQ(parse_amount_sat("0")->satoshis(), 0u);
  EXPECT_EQ(parse_amount_sat("18446744073709551616").status().message(),
            "amount \"18446744073709551616\" is not a whole number of satoshis below 2^64");
  EXPECT_FALSE(parse_amount_sat("1.5").is_ok());
  EXPECT_FALSE(parse_amount_sat("-5").is_ok());

  auto output = parse_output(std::string(kMainnetAddress) + ":2500", Network::kMainnet);
  ASSERT_TRUE(output.is_ok()) << output.status().to_string();
  EXPECT_EQ(output->value, Amount(2500));
  EXPECT_EQ(output->pubkey_hash, pubkey_hash(test_key().pubkey()));
  EXPECT_TRUE(parse_output(std::string(kTestAddress) + ":1", Network::kDevnet).is_ok());

  EXPECT_EQ(
      parse_output(std::string(kTestAddress) + ":1", Network::kMainnet).status().message(),
      "output \"" + std::string(kTestAddress) + ":1\": address is for testnet/devnet, not mainnet");
  EXPECT_EQ(parse_output("TIME1:1", Network::kMainnet).status().message(),
            "output \"TIME1:1\": address: Base58Check data is 0 bytes, shorter than its 4-byte "
            "checksum");
  EXPECT_EQ(parse_output(kMainnetAddress, Network::kMainnet).status().message(),
            "output \"" + std::string(kMainnetAddress) + "\": expected ADDRESS:AMOUNT_SAT");
  EXPECT_EQ(parse_output(std::string(kMainnetAddress) + ":x", Network::kMainnet).status().message(),
            "output \"" + std::string(kMainnetAddress) +
                ":x\": amount \"x\" is not a whole number of satoshis below 2^64");
}

TEST(TxBuilderTest, ResolvesNetworkFromNameAndChainId) {
  EXPECT_EQ(*resolve_network(std::nullopt, std::nullopt), Network::kMainnet);
  EXPECT_EQ(*resolve_network("devnet", std::nullopt), Network::kDevnet);
  EXPECT_EQ(*resolve_network(std::nullopt, 2), Network::kTestnet);
  EXPECT_EQ(*resolve_network("devnet", 3), Network::kDevnet);
  EXPECT_EQ(resolve_network("testnet", 1).status().message(),
            "--network testnet disagrees with --chain-id 1 (mainnet)");
  EXPECT_EQ(resolve_network(std::nullopt, 9).status().message(),
            "chain id 9 is not a known network (1 mainnet, 2 testnet, 3 devnet)");
  EXPECT_EQ(resolve_network("prod", std::nullopt).status().code(), StatusCode::kInvalidArgument);
}

TransferRequest devnet_request() {
  TransferRequest request;
  request.network = Network::kDevnet;
  request.lock_time = 42;
  request.inputs = {std::string(kTxidA) + ":0", std::string(kTxidB) + ":3"};
  request.outputs = {std::string(kTestAddress) + ":1000", std::string(kTestAddress) + ":600"};
  return request;
}

TEST(TxBuilderTest, BuildsASignedTransfer) {
  const KeyPair key = test_key();
  auto tx = build_transfer(key, devnet_request());
  ASSERT_TRUE(tx.is_ok()) << tx.status().to_string();
  EXPECT_EQ(tx->kind, TxKind::kTransfer);
  EXPECT_EQ(tx->chain_id, kChainIdDevnet);
  EXPECT_EQ(tx->lock_time, 42u);
  ASSERT_EQ(tx->inputs.size(), 2u);
  EXPECT_EQ(to_hex(tx->inputs[0].prev.txid), kTxidA);
  EXPECT_EQ(tx->inputs[1].prev.vout, 3u);
  ASSERT_EQ(tx->outputs.size(), 2u);
  EXPECT_EQ(tx->outputs[0].value, Amount(1000));
  EXPECT_EQ(tx->outputs[1].value, Amount(600));
  const Signature expected = sign(key, sighash(*tx, kChainIdDevnet).span());
  for (const TxInput& input : tx->inputs) {
    EXPECT_EQ(input.pubkey, key.pubkey());
    EXPECT_EQ(input.sig, expected);
  }
  // What the tool prints decodes back to the same transaction.
  Bytes encoded;
  encode(*tx, &encoded);
  auto decoded = decode_transaction(ByteSpan(encoded));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, *tx);
}

TEST(TxBuilderTest, RejectsEmptyAndOversizedTransfers) {
  TransferRequest request = devnet_request();
  request.inputs.clear();
  EXPECT_EQ(build_transfer(test_key(), request).status().message(),
            "a transfer needs at least one input");
  request = devnet_request();
  request.outputs.clear();
  EXPECT_EQ(build_transfer(test_key(), request).status().message(),
            "a transfer needs at least one output");
  request = devnet_request();
  request.outputs[1] = std::string(kMainnetAddress) + ":1";
  EXPECT_EQ(
      build_transfer(test_key(), request).status().message(),
      "output \"" + std::string(kMainnetAddress) + ":1\": address is for mainnet, not devnet");
  // 24 + 758 x 132 + 2 x 32 = 100,144 bytes.
  request = devnet_request();
  request.inputs.assign(758, std::string(kTxidA) + ":0");
  EXPECT_EQ(build_transfer(test_key(), request).status().message(),
            "the transaction would be 100144 bytes, above the limit of 100000");
}

// The message build_transfer gives for a rule of the ledger: the ledger's own, after the txid of
// the transfer as it would have been signed (the fields of devnet_request, these words).
std::string ledger_rejection(const TransferRequest& request, std::string_view rest) {
  TransferRequest allowed = devnet_request();
  Transaction tx = *build_transfer(test_key(), allowed);
  tx.outputs.clear();
  for (const std::string& word : request.outputs) {
    tx.outputs.push_back(*parse_output(word, request.network));
  }
  tx.inputs.clear();
  for (const std::string& word : request.inputs) {
    tx.inputs.push_back(TxInput{*parse_outpoint(word), Pubkey{}, Signature{}});
  }
  sign_transaction(test_key(), &tx);
  return "the ledger would reject this transfer: tx " + to_hex(txid(tx)) + ": " + std::string(rest);
}

TEST(TxBuilderTest, RefusesWhatTheLedgerWouldReject) {
  const std::string address(kTestAddress);
  struct Case {
    std::vector<std::string> inputs;
    std::vector<std::string> outputs;
    std::string rest;
  };
  const std::string a0 = std::string(kTxidA) + ":0";
  const std::string b3 = std::string(kTxidB) + ":3";
  const Case cases[] = {
      {{a0}, {address + ":1000", address + ":545"}, "output 1: dust: 545 vs 546"},
      {{a0}, {address + ":0"}, "output 0: zero_value: 0 vs 1"},
      {{a0},
       {address + ":18446744073709551615", address + ":1000"},
       "output 1: output_overflow: 1000 vs 0"},
      {{a0, b3, a0}, {address + ":1000"}, "input 2: duplicate_input"},
  };
  for (const Case& c : cases) {
    TransferRequest request = devnet_request();
    request.inputs = c.inputs;
    request.outputs = c.outputs;
    auto tx = build_transfer(test_key(), request);
    ASSERT_FALSE(tx.is_ok()) << c.rest;
    EXPECT_EQ(tx.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(tx.status().message(), ledger_rejection(request, c.rest));
  }
  // The dust threshold itself is spendable.
  TransferRequest request = devnet_request();
  request.outputs = {address + ":546"};
  EXPECT_TRUE(build_transfer(test_key(), request).is_ok());
}

TEST(TxBuilderTest, RefusesMoreThanOneDatagramUnlessAsked) {
  // 24 + 9 x 132 + 1 x 32 = 1,244 bytes.
  TransferRequest request = devnet_request();
  request.inputs.clear();
  for (int vout = 0; vout < 9; ++vout)
    request.inputs.push_back(std::string(kTxidA) + ":" + std::to_string(vout));
  request.outputs = {std::string(kTestAddress) + ":1000"};
  auto refused = build_transfer(test_key(), request);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "the transaction would be 1244 bytes, above the 1232 of one ingress datagram (pass "
            "--allow-larger-than-datagram to build it for another path)");
  request.allow_larger_than_datagram = true;
  auto allowed = build_transfer(test_key(), request);
  ASSERT_TRUE(allowed.is_ok()) << allowed.status().to_string();
  EXPECT_EQ(encoded_size(*allowed), 1244u);

  // Exactly one datagram: 24 + 6 x 132 + 13 x 32 = 1,232 bytes; a 14th output makes 1,264.
  request.allow_larger_than_datagram = false;
  request.inputs.resize(6);
  request.outputs.assign(13, std::string(kTestAddress) + ":1000");
  auto fits = build_transfer(test_key(), request);
  ASSERT_TRUE(fits.is_ok()) << fits.status().to_string();
  EXPECT_EQ(encoded_size(*fits), kMaxDatagramTransactionBytes);
  request.outputs.push_back(std::string(kTestAddress) + ":1000");
  EXPECT_FALSE(build_transfer(test_key(), request).is_ok());
}

// ---- JSON

nlohmann::json parse_json(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << text;
  return json;
}

std::string hex_of(const Transaction& tx) {
  Bytes encoded;
  encode(tx, &encoded);
  return to_hex(ByteSpan(encoded));
}

TEST(TxJsonTest, DescribesABuiltTransfer) {
  const Transaction tx = *build_transfer(test_key(), devnet_request());
  auto text = decode_transaction_hex_json(hex_of(tx) + "\n");
  ASSERT_TRUE(text.is_ok()) << text.status().to_string();
  const nlohmann::json json = parse_json(*text);
  EXPECT_EQ(json["txid"], to_hex(txid(tx)));
  EXPECT_EQ(json["wire_hash"], to_hex(wire_hash(tx)));
  EXPECT_EQ(json["sighash"], to_hex(sighash(tx, kChainIdDevnet)));
  EXPECT_EQ(json["encoded_bytes"], 24 + 2 * 132 + 2 * 32);
  EXPECT_EQ(json["version"], 1);
  EXPECT_EQ(json["kind"], "transfer");
  EXPECT_EQ(json["chain_id"], 3);
  EXPECT_EQ(json["network"], "devnet");
  EXPECT_EQ(json["lock_time"], 42);
  ASSERT_EQ(json["inputs"].size(), 2u);
  EXPECT_EQ(json["inputs"][1]["prev_txid"], kTxidB);
  EXPECT_EQ(json["inputs"][1]["prev_vout"], 3);
  EXPECT_EQ(json["inputs"][0]["pubkey"], kPubkeyHex);
  EXPECT_EQ(json["inputs"][0]["address"], kTestAddress);
  EXPECT_EQ(json["inputs"][0]["sig"], to_hex(tx.inputs[0].sig));
  ASSERT_EQ(json["outputs"].size(), 2u);
  EXPECT_EQ(json["outputs"][0]["value_sat"], 1000);
  EXPECT_EQ(json["outputs"][0]["pubkey_hash"], to_hex(pubkey_hash(test_key().pubkey())));
  EXPECT_EQ(json["outputs"][1]["address"], kTestAddress);
  EXPECT_TRUE(json["payload"].is_null());
  // Keys come in the documented order.
  EXPECT_EQ(text->find("\"txid\""), 4u);
}

TEST(TxJsonTest, DescribesCoinbaseAndRegistrationPayloads) {
  Transaction coinbase;
  coinbase.kind = TxKind::kCoinbase;
  coinbase.chain_id = kChainIdMainnet;
  coinbase.coinbase_height = 18446744073709551615ull;
  coinbase.outputs.push_back(TxOutput{Amount(5), pubkey_hash(test_key().pubkey())});
  nlohmann::json json = parse_json(transaction_json(coinbase));
  EXPECT_EQ(json["kind"], "coinbase");
  EXPECT_EQ(json["payload"]["height"].get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ(json["outputs"][0]["address"], kMainnetAddress);
  EXPECT_TRUE(json["inputs"].empty());

  Transaction registration = *build_transfer(test_key(), devnet_request());
  registration.kind = TxKind::kMasternodeRegistration;
  registration.registration.tier = 3;
  registration.registration.collateral = OutPoint{*fixed_from_hex<32>(kTxidB), 1};
  registration.registration.consensus_pubkey = test_key().pubkey();
  registration.registration.reward_pubkey_hash = pubkey_hash(test_key().pubkey());
  // ::ffff:192.0.2.7, an IPv4-mapped documentation address.
  registration.registration.p2p_address = *fixed_from_hex<16>("00000000000000000000ffffc0000207");
  registration.registration.p2p_port = 9333;
  sign_possession(test_key(), &registration);
  auto text = decode_transaction_hex_json(hex_of(registration));
  ASSERT_TRUE(text.is_ok()) << text.status().to_string();
  json = parse_json(*text);
  EXPECT_EQ(json["kind"], "masternode_registration");
  const nlohmann::json& payload = json["payload"];
  EXPECT_EQ(payload["tier"], 3);
  EXPECT_EQ(payload["tier_name"], "gold");
  EXPECT_EQ(payload["collateral_txid"], kTxidB);
  EXPECT_EQ(payload["collateral_vout"], 1);
  EXPECT_EQ(payload["consensus_pubkey"], kPubkeyHex);
  EXPECT_EQ(payload["reward_address"], kTestAddress);
  EXPECT_EQ(payload["p2p_address"], "::ffff:192.0.2.7");
  EXPECT_EQ(payload["p2p_port"], 9333);
  EXPECT_EQ(payload["possession_sig"], to_hex(registration.registration.possession_sig));

  registration.registration.tier = 9;  // the codec passes any tier byte; the ledger rejects it
  EXPECT_TRUE(parse_json(transaction_json(registration))["payload"]["tier_name"].is_null());
}

TEST(TxJsonTest, UnknownChainIdHasNoAddresses) {
  Transaction tx = *build_transfer(test_key(), devnet_request());
  tx.chain_id = 77;
  const nlohmann::json json = parse_json(transaction_json(tx));
  EXPECT_EQ(json["chain_id"], 77);
  EXPECT_TRUE(json["network"].is_null());
  EXPECT_TRUE(json["inputs"][0]["address"].is_null());
  EXPECT_TRUE(json["outputs"][0]["address"].is_null());
  EXPECT_EQ(json["sighash"], to_hex(sighash(tx, 77)));
}

TEST(TxJsonTest, ErrorsNamePositionOrOffset) {
  EXPECT_EQ(decode_transaction_hex_json("0g").status().message(),
            "transaction hex: non-hex character at position 1");
  EXPECT_EQ(decode_transaction_hex_json("abc").status().message(),
            "transaction hex: hex string has odd length 3");
  const std::string hex = hex_of(*build_transfer(test_key(), devnet_request()));
  // Cut inside the second input: the codec reports the shortfall at a byte offset.
  auto truncated = decode_transaction_hex_json(hex.substr(0, 2 * 200));
  ASSERT_FALSE(truncated.is_ok());
  EXPECT_EQ(truncated.status().code(), StatusCode::kMalformed);
  EXPECT_NE(truncated.status().message().find("offset"), std::string_view::npos)
      << truncated.status().message();
  auto trailing = decode_transaction_hex_json(hex + "00");
  ASSERT_FALSE(trailing.is_ok());
  EXPECT_NE(trailing.status().message().find("trailing_bytes"), std::string_view::npos)
      << trailing.status().message();
  EXPECT_FALSE(decode_transaction_hex_json("").is_ok());
}

}  // namespace
}  // namespace tc::wallet

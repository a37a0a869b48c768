// Goal: the genesis file parser (node/genesis_file.h) reads back what genesis_file_text writes and
// refuses every malformed document with an error that names the field.
// Method: a valid two-masternode document is written, then altered one field at a time.
// Scenarios: round trip; truncated text, not an object; a missing, unknown or mistyped field; a
// wrong format; an unknown network or tier; an address of another network; a bad pubkey; a host
// name as p2p_address; ports 0 and 65536; no allocations, no masternodes, a duplicated key; an IPv6
// address; a file over the size bound.
#include "node/genesis_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/hashing.h"
#include "core/keys.h"
#include "core/masternode_tier.h"

namespace tc::node {
namespace {

using nlohmann::json;

KeyPair key(std::uint8_t n) {
  SecretSeed seed;
  seed.bytes.fill(n);
  return KeyPair::from_seed(seed);
}

GenesisFile sample() {
  GenesisFile file;
  file.network = Network::kDevnet;
  file.genesis.timestamp_ms = 1'764'662'400'000;
  file.genesis.allocations.push_back(TxOutput{Amount(5'000'000'000), pubkey_hash(key(1).pubkey())});
  for (std::uint8_t i = 1; i <= 2; ++i) {
    ledger::MasternodeRecord record;
    record.tier = MasternodeTier::kGold;
    record.consensus_pubkey = key(i).pubkey();
    record.reward_pubkey_hash = pubkey_hash(key(i).pubkey());
    record.p2p_address.bytes[10] = 0xff;
    record.p2p_address.bytes[11] = 0xff;
    record.p2p_address.bytes[12] = 10;
    record.p2p_address.bytes[15] = i;
    record.p2p_port = static_cast<std::uint16_t>(24100 + i);
    file.genesis.masternodes.push_back(record);
  }
  return file;
}

json sample_json() {
  return json::parse(genesis_file_text(sample()));
}

// The error message of parsing `document`, or "" when it parsed.
std::string error_of(const json& document) {
  auto parsed = parse_genesis_file(document.dump());
  if (parsed.is_ok()) return "";
  EXPECT_EQ(parsed.status().code(), StatusCode::kMalformed);
  return std::string(parsed.status().message());
}

TEST(GenesisFileTest, RoundTrips) {
  const GenesisFile file = sample();
  auto parsed = parse_genesis_file(genesis_file_text(file));
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->network, file.network);
  EXPECT_EQ(parsed->genesis.timestamp_ms, file.genesis.timestamp_ms);
  EXPECT_EQ(parsed->genesis.allocations, file.genesis.allocations);
  EXPECT_EQ(parsed->genesis.masternodes, file.genesis.masternodes);
  EXPECT_EQ(sample_json()["masternodes"][1]["p2p_address"], "10.0.0.2");
}

TEST(GenesisFileTest, AcceptsIpv6Addresses) {
  json document = sample_json();
  document["masternodes"][0]["p2p_address"] = "2001:db8::7";
  auto parsed = parse_genesis_file(document.dump());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->genesis.masternodes[0].p2p_address.bytes[0], 0x20);
  EXPECT_EQ(parsed->genesis.masternodes[0].p2p_address.bytes[15], 7);
}

TEST(GenesisFileTest, RefusesWhatIsNotAnObject) {
  const std::string text = genesis_file_text(sample());
  EXPECT_EQ(parse_genesis_file(text.substr(0, text.size() / 2)).status().message(),
            "not a JSON document");
  EXPECT_EQ(parse_genesis_file("[1, 2]").status().message(), "not a JSON object");
  EXPECT_EQ(parse_genesis_file("").status().message(), "not a JSON document");
}

TEST(GenesisFileTest, NamesMissingUnknownAndMistypedFields) {
  json document = sample_json();
  document.erase("timestamp_ms");
  EXPECT_EQ(error_of(document), "timestamp_ms: missing");

  document = sample_json();
  document["extra"] = 1;
  EXPECT_EQ(error_of(document), "extra: unknown field");

  document = sample_json();
  document["masternodes"][1]["p2p_port_typo"] = 1;
  EXPECT_EQ(error_of(document), "masternodes[1].p2p_port_typo: unknown field");

  document = sample_json();
  document["allocations"][0].erase("amount_sat");
  EXPECT_EQ(error_of(document), "allocations[0].amount_sat: missing");

  document = sample_json();
  document["timestamp_ms"] = -5;
  EXPECT_NE(error_of(document).find("timestamp_ms: expected an integer"), std::string::npos);

  document = sample_json();
  document["allocations"][0]["amount_sat"] = "5000";
  EXPECT_NE(error_of(document).find("allocations[0].amount_sat: expected an integer"),
            std::string::npos);

  document = sample_json();
  document["masternodes"][0] = "gold";
  EXPECT_EQ(error_of(document), "masternodes[0]: expected an object");
}

TEST(GenesisFileTest, NamesBadValues) {
  json document = sample_json();
  document["format"] = "timecoin-genesis-v2";
  EXPECT_NE(error_of(document).find("format: \"timecoin-genesis-v2\""), std::string::npos);

  document = sample_json();
  document["network"] = "moonnet";
  EXPECT_NE(error_of(document).find("network: "), std::string::npos);

  document = sample_json();
  document["masternodes"][0]["tier"] = "platinum";
  EXPECT_EQ(error_of(document), "masternodes[0].tier: unknown tier \"platinum\"");

  document = sample_json();
  document["masternodes"][0]["consensus_pubkey"] = "abcd";
  EXPECT_EQ(error_of(document), "masternodes[0].consensus_pubkey: expected 64 hex characters");

  document = sample_json();
  document["masternodes"][1]["p2p_address"] = "node1.example";
  EXPECT_EQ(error_of(document),
            "masternodes[1].p2p_address: \"node1.example\" is not an IP address");

  for (int port : {0, 65536}) {
    document = sample_json();
    document["masternodes"][0]["p2p_port"] = port;
    EXPECT_EQ(error_of(document), "masternodes[0].p2p_port: expected an integer in 1..65535");
  }

  // A mainnet address in a devnet genesis.
  document = sample_json();
  document["allocations"][0]["address"] = encode_address(Network::kMainnet, PubkeyHash{});
  EXPECT_NE(error_of(document).find("allocations[0].address: "), std::string::npos);

  document = sample_json();
  document["allocations"] = json::array();
  EXPECT_EQ(error_of(document), "allocations: expected an array of 1 to 65535 allocations");

  document = sample_json();
  document["masternodes"] = json::array();
  EXPECT_EQ(error_of(document), "masternodes: expected an array of 1 to 1024 masternodes");

  document = sample_json();
  document["masternodes"][1]["consensus_pubkey"] = document["masternodes"][0]["consensus_pubkey"];
  EXPECT_EQ(error_of(document), "masternodes[1].consensus_pubkey: appears twice");
}

TEST(GenesisFileTest, ReadRefusesAFileOverTheBound) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("tc-genesis-" + std::to_string(::getpid())))
          .string();
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(kGenesisFileBytesMax + 1, ' ');
  }
  auto parsed = read_genesis_file(path);
  EXPECT_EQ(parsed.status().code(), StatusCode::kMalformed);
  EXPECT_NE(parsed.status().message().find("larger than"), std::string::npos);
  std::remove(path.c_str());

  auto missing = read_genesis_file(path);
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find("genesis file " + path + ": cannot open"),
            std::string::npos);
}

}  // namespace
}  // namespace tc::node

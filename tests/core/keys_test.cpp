// Goal: key derivation and signing are RFC 8032 Ed25519 byte for byte, transactions are signed over
// their sighash, and secret seeds do not outlive their KeyPair. Method: every vector of RFC 8032
// section 7.1 (testdata/ed25519/rfc8032_section7.1_ed25519.json; signing is deterministic, so equal
// signatures prove the signer without a verifier) and properties of sign_transaction.
// Scenarios: pubkey and signature of TEST 1, 2, 3, 1024 and SHA(abc); generate() gives distinct
// keys whose seed rederives them; sign_transaction fills every input's pubkey and the signature of
// sighash(tx, chain_id), is deterministic, and its signature changes with the chain id; a destroyed
// KeyPair leaves no seed bytes behind.
#include "core/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/hashing.h"

namespace tc {
namespace {

nlohmann::json load_rfc8032_vectors() {
  std::ifstream file(TC_TESTDATA_DIR "/ed25519/rfc8032_section7.1_ed25519.json");
  EXPECT_TRUE(file.good()) << "missing RFC 8032 vectors under " TC_TESTDATA_DIR;
  std::stringstream text;
  text << file.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

TEST(KeysTest, MatchesEveryRfc8032Vector) {
  const nlohmann::json document = load_rfc8032_vectors();
  ASSERT_TRUE(document.contains("vectors"));
  int checked = 0;
  for (const auto& vector : document["vectors"]) {
    const std::string name = vector["name"].get<std::string>();
    auto seed = fixed_from_hex<32>(vector["secret_key"].get<std::string>());
    auto message = from_hex(vector["message"].get<std::string>());
    ASSERT_TRUE(seed.is_ok() && message.is_ok()) << name;
    const KeyPair key = KeyPair::from_seed(*seed);
    EXPECT_EQ(to_hex(key.pubkey()), vector["public_key"].get<std::string>()) << name;
    EXPECT_EQ(to_hex(sign(key, ByteSpan(*message))), vector["signature"].get<std::string>())
        << name;
    ++checked;
  }
  EXPECT_EQ(checked, 5);
}

TEST(KeysTest, Test1ByHand) {
  // RFC 8032 section 7.1, TEST 1 (empty message), spelled out so the vector file is not the only
  // witness.
  const KeyPair key = KeyPair::from_seed(
      *fixed_from_hex<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  EXPECT_EQ(to_hex(key.pubkey()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(to_hex(sign(key, ByteSpan())),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
            "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST(KeysTest, GeneratedKeysAreDistinctAndRederivable) {
  auto first = KeyPair::generate();
  auto second = KeyPair::generate();
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_NE(first->seed(), second->seed());
  EXPECT_NE(first->pubkey(), second->pubkey());
  EXPECT_EQ(KeyPair::from_seed(first->seed()).pubkey(), first->pubkey());
}

Transaction two_input_transfer(std::uint32_t chain_id) {
  Transaction tx;
  tx.chain_id = chain_id;
  tx.lock_time = 7;
  tx.inputs.resize(2);
  tx.inputs[0].prev.txid.bytes.fill(0x11);
  tx.inputs[0].prev.vout = 0;
  tx.inputs[1].prev.txid.bytes.fill(0x22);
  tx.inputs[1].prev.vout = 3;
  tx.outputs.push_back(TxOutput{Amount(5000), PubkeyHash{}});
  return tx;
}

TEST(KeysTest, SignTransactionSignsTheSighashInEveryInput) {
  SecretSeed seed;
  seed.bytes.fill(0x5a);
  const KeyPair key = KeyPair::from_seed(seed);
  Transaction tx = two_input_transfer(kChainIdDevnet);
  sign_transaction(key, &tx);
  const Signature expected = sign(key, sighash(tx, kChainIdDevnet).span());
  for (const TxInput& input : tx.inputs) {
    EXPECT_EQ(input.pubkey, key.pubkey());
    EXPECT_EQ(input.sig, expected);
  }
  Transaction again = two_input_transfer(kChainIdDevnet);
  sign_transaction(key, &again);
  EXPECT_EQ(again, tx);

  Transaction other_chain = two_input_transfer(kChainIdTestnet);
  sign_transaction(key, &other_chain);
  EXPECT_NE(other_chain.inputs[0].sig, tx.inputs[0].sig);
  EXPECT_NE(txid(other_chain), txid(tx));  // chain_id is in the header, so in the body
}

TEST(KeysTest, DestroyedKeyPairLeavesNoSeedBehind) {
  SecretSeed seed;
  for (std::size_t i = 0; i < seed.size(); ++i) seed.bytes[i] = static_cast<std::uint8_t>(0xa0 + i);
  alignas(KeyPair) unsigned char storage[sizeof(KeyPair)];
  KeyPair* key = new (storage) KeyPair(KeyPair::from_seed(seed));
  ASSERT_EQ(key->seed(), seed);
  key->~KeyPair();
  const unsigned char* found =
      std::search(storage, storage + sizeof(storage), seed.bytes.begin(), seed.bytes.end());
  EXPECT_EQ(found, storage + sizeof(storage)) << "seed still in memory after destruction";
}

}  // namespace
}  // namespace tc

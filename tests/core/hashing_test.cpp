// Goal: the hashes of core/hashing.h follow docs/protocol.md and give the same digest whether
// computed from an owned Transaction or from a TransactionView over its encoding.
//
// Method: each hash is recomputed here from its definition with the one-shot tc::sha256 over bytes
// assembled by hand (the encoding with the sigs cut out, the tag and chain id prepended, the RFC
// 6962 recursion written out), over seeded random transactions of every kind; the view and owned
// forms are compared on the same transactions. Exact published digests live in
// protocol_vectors_test.cpp.
//
// Scenarios:
//   - txid / wire hash / sighash: owned == view == definition, for 1500 random transactions
//   - txid ignores signatures; wire hash does not; sighash depends on the chain id passed
//   - merkle_root == recursive RFC 6962 definition for 0..70 leaves; order matters
//   - block_hash of a header == of its BlockView == SHA-256 of the 128-byte encoding
//   - pubkey_hash is the first 20 bytes of SHA-256(pubkey)
#include "core/hashing.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "core/sha2.h"

namespace tc {
namespace {

template <std::size_t N>
FixedBytes<N> random_fixed(std::mt19937_64& rng) {
  FixedBytes<N> value;
  for (auto& b : value.bytes) b = static_cast<std::uint8_t>(rng());
  return value;
}

Transaction random_transaction(std::mt19937_64& rng) {
  Transaction tx;
  tx.kind = static_cast<TxKind>(rng() % 3);
  tx.chain_id = static_cast<std::uint32_t>(rng() % 4);
  tx.lock_time = rng();
  // Up to 12 inputs pushes the owned path past its stack buffer, exercising its flushes.
  const std::size_t input_count = tx.kind == TxKind::kCoinbase ? 0 : 1 + rng() % 12;
  const std::size_t output_count = 1 + rng() % 20;
  for (std::size_t i = 0; i < input_count; ++i) {
    tx.inputs.push_back(TxInput{OutPoint{random_fixed<32>(rng), static_cast<std::uint32_t>(rng())},
                                random_fixed<32>(rng), random_fixed<64>(rng)});
  }
  for (std::size_t i = 0; i < output_count; ++i) {
    tx.outputs.push_back(TxOutput{Amount(rng()), random_fixed<20>(rng)});
  }
  if (tx.kind == TxKind::kCoinbase) tx.coinbase_height = rng();
  if (tx.kind == TxKind::kMasternodeRegistration) {
    tx.registration.tier = static_cast<std::uint8_t>(rng() % 4);
    tx.registration.collateral = OutPoint{random_fixed<32>(rng), 0};
    tx.registration.consensus_pubkey = random_fixed<32>(rng);
    tx.registration.reward_pubkey_hash = random_fixed<20>(rng);
    tx.registration.p2p_address = random_fixed<16>(rng);
    tx.registration.p2p_port = static_cast<std::uint16_t>(rng());
    tx.registration.possession_sig = random_fixed<64>(rng);
  }
  return tx;
}

// The body by definition: the encoding with each input's 64-byte sig cut out.
Bytes body_of(const Bytes& encoding, std::size_t input_count) {
  Bytes body(encoding.begin(), encoding.begin() + kTransactionHeaderBytes);
  for (std::size_t i = 0; i < input_count; ++i) {
    const auto input =
        encoding.begin() + static_cast<std::ptrdiff_t>(kTransactionHeaderBytes + i * kInputBytes);
    body.insert(body.end(), input, input + kInputBodyBytes);
  }
  body.insert(body.end(),
              encoding.begin() +
                  static_cast<std::ptrdiff_t>(kTransactionHeaderBytes + input_count * kInputBytes),
              encoding.end());
  return body;
}

Hash256 merkle_by_definition(std::span<const Hash256> leaves) {
  if (leaves.empty()) return sha256(ByteSpan());
  if (leaves.size() == 1) {
    Bytes leaf = {0x00};
    leaf.insert(leaf.end(), leaves[0].bytes.begin(), leaves[0].bytes.end());
    return sha256(ByteSpan(leaf));
  }
  std::size_t k = 1;
  while (2 * k < leaves.size()) k *= 2;
  const Hash256 left = merkle_by_definition(leaves.subspan(0, k));
  const Hash256 right = merkle_by_definition(leaves.subspan(k));
  Bytes node = {0x01};
  node.insert(node.end(), left.bytes.begin(), left.bytes.end());
  node.insert(node.end(), right.bytes.begin(), right.bytes.end());
  return sha256(ByteSpan(node));
}

TEST(HashingTest, OwnedAndViewHashesMatchTheirDefinitions) {
  std::mt19937_64 rng(1234);
  for (int iteration = 0; iteration < 1500; ++iteration) {
    const Transaction tx = random_transaction(rng);
    Bytes encoding;
    encode(tx, &encoding);
    TransactionView view;
    ASSERT_EQ(decode_transaction_view(ByteSpan(encoding), &view), DecodeError::kOk);

    const Bytes body = body_of(encoding, tx.inputs.size());
    const Hash256 expected_txid = sha256(ByteSpan(body));
    EXPECT_EQ(txid(tx), expected_txid) << "iteration " << iteration;
    EXPECT_EQ(txid(view), expected_txid);

    const Hash256 expected_wire = sha256(ByteSpan(encoding));
    EXPECT_EQ(wire_hash(tx), expected_wire);
    EXPECT_EQ(wire_hash(view), expected_wire);

    Bytes preimage(kSighashTag.begin(), kSighashTag.end());
    preimage.resize(preimage.size() + 4);
    store_u32_le(preimage.data() + kSighashTag.size(), tx.chain_id);
    preimage.insert(preimage.end(), body.begin(), body.end());
    const Hash256 expected_sighash = sha256(ByteSpan(preimage));
    EXPECT_EQ(sighash(tx, tx.chain_id), expected_sighash);
    EXPECT_EQ(sighash(view, tx.chain_id), expected_sighash);
  }
}

TEST(HashingTest, TxidIgnoresSignaturesAndWireHashCoversThem) {
  std::mt19937_64 rng(8);
  Transaction tx = random_transaction(rng);
  tx.kind = TxKind::kTransfer;
  tx.coinbase_height = 0;
  tx.registration = RegistrationPayload{};
  if (tx.inputs.empty()) tx.inputs.push_back(TxInput{});
  Transaction resigned = tx;
  resigned.inputs[0].sig.bytes[5] ^= 0x01;
  EXPECT_EQ(txid(resigned), txid(tx));
  EXPECT_EQ(sighash(resigned, 1), sighash(tx, 1));
  EXPECT_NE(wire_hash(resigned), wire_hash(tx));
  Transaction repointed = tx;
  repointed.inputs[0].prev.vout ^= 1;
  EXPECT_NE(txid(repointed), txid(tx));
}

TEST(HashingTest, SighashBindsTheChainId) {
  std::mt19937_64 rng(9);
  const Transaction tx = random_transaction(rng);
  EXPECT_NE(sighash(tx, kChainIdMainnet), sighash(tx, kChainIdTestnet));
  EXPECT_NE(sighash(tx, kChainIdMainnet), txid(tx));
}

TEST(HashingTest, MerkleRootMatchesRfc6962Recursion) {
  std::mt19937_64 rng(6962);
  std::vector<Hash256> leaves;
  for (int i = 0; i < 70; ++i) leaves.push_back(random_fixed<32>(rng));
  for (std::size_t n = 0; n <= leaves.size(); ++n) {
    const std::span<const Hash256> prefix(leaves.data(), n);
    EXPECT_EQ(merkle_root(prefix), merkle_by_definition(prefix)) << n << " leaves";
  }
  std::vector<Hash256> swapped(leaves.begin(), leaves.begin() + 3);
  std::swap(swapped[1], swapped[2]);
  EXPECT_NE(merkle_root(swapped), merkle_root(std::span<const Hash256>(leaves.data(), 3)));
  // Duplicating the last leaf (the CVE-2012-2459 shape) changes the root.
  std::vector<Hash256> duplicated(leaves.begin(), leaves.begin() + 3);
  duplicated.push_back(duplicated.back());
  EXPECT_NE(merkle_root(duplicated), merkle_root(std::span<const Hash256>(leaves.data(), 3)));
}

TEST(HashingTest, BlockHashIsSha256OfTheHeaderForOwnedAndView) {
  std::mt19937_64 rng(10);
  Block block;
  block.header.height = 3;
  block.header.prev_hash = random_fixed<32>(rng);
  block.header.proposer = random_fixed<32>(rng);
  block.transactions.push_back(random_transaction(rng));
  block.header.tx_count = 1;
  Bytes bytes;
  encode(block, &bytes);
  BlockView view;
  ASSERT_EQ(decode_block_view(ByteSpan(bytes), &view), DecodeError::kOk);
  const Hash256 expected = sha256(ByteSpan(bytes.data(), kBlockHeaderBytes));
  EXPECT_EQ(block_hash(block.header), expected);
  EXPECT_EQ(block_hash(view), expected);
}

TEST(HashingTest, PubkeyHashIsFirst20BytesOfSha256) {
  std::mt19937_64 rng(11);
  const Pubkey pubkey = random_fixed<32>(rng);
  const Hash256 digest = sha256(pubkey.span());
  const PubkeyHash hash = pubkey_hash(pubkey);
  EXPECT_TRUE(std::equal(hash.bytes.begin(), hash.bytes.end(), digest.bytes.begin()));
}

}  // namespace
}  // namespace tc

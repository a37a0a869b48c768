// Goal: pin the protocol's byte strings and hashes (docs/protocol.md, "Worked vectors") so that any
// change to the codec or the hashes that would fork the network fails here.
//
// Method: fixed values built from byte patterns (fill(s, n) = s, s+1, ... mod 256) are encoded and
// hashed, and every result is compared byte for byte with constants. Provenance: the constants were
// computed by an independent Python 3 implementation of docs/protocol.md written only from the spec
// (struct.pack + hashlib.sha256), not from this codebase, and agree with it; docs/protocol.md lists
// the same values. The block and certificate vectors are printed by
// scripts/vectors/protocol_vectors.py.
//
// Scenarios:
//   - transfer (2 inputs, 2 outputs): encoding hex, txid, wire hash, sighash
//   - coinbase (height 812): encoding, txid == wire hash (no signatures), sighash
//   - registration (silver, ::ffff:192.0.2.1 port 9333): encoding, txid, wire hash, sighash,
//     possession hash
//   - equivocation evidence (a double prevote, no inputs or outputs): encoding, txid == wire hash,
//     sighash
//   - merkle roots over 0, 1, 2, 3 and 5 pattern leaves; tx_root and wtx_root of the block
//   - block header hex and block hash (version 2, 192 bytes); 3-transaction block size and SHA-256
//   of its encoding
//   - commit certificate with two signatures: encoding hex
//   - one flipped signature bit keeps tx_root and moves wtx_root (so the block hash)
//   - pubkey_hash of a pattern key
//   - each vector decodes back through the view and owned paths to the same value
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/codec.h"
#include "core/hashing.h"
#include "core/sha2.h"

namespace tc {
namespace {

template <std::size_t N>
FixedBytes<N> fill(unsigned start) {
  FixedBytes<N> value;
  for (std::size_t i = 0; i < N; ++i) value.bytes[i] = static_cast<std::uint8_t>(start + i);
  return value;
}

Transaction transfer_vector() {
  Transaction tx;
  tx.kind = TxKind::kTransfer;
  tx.chain_id = kChainIdMainnet;
  tx.lock_time = 0;
  tx.inputs = {TxInput{OutPoint{fill<32>(0x00), 0}, fill<32>(0x20), fill<64>(0x40)},
               TxInput{OutPoint{fill<32>(0x80), 7}, fill<32>(0xa0), fill<64>(0xc0)}};
  tx.outputs = {TxOutput{Amount(150'000'000), fill<20>(0x10)},
                TxOutput{Amount(49'990'000), fill<20>(0x30)}};
  return tx;
}

Transaction coinbase_vector() {
  Transaction tx;
  tx.kind = TxKind::kCoinbase;
  tx.chain_id = kChainIdMainnet;
  tx.outputs = {TxOutput{Amount(5'000'000'000), fill<20>(0x55)}};
  tx.coinbase_height = 812;
  return tx;
}

Transaction registration_vector() {
  Transaction tx;
  tx.kind = TxKind::kMasternodeRegistration;
  tx.chain_id = kChainIdMainnet;
  tx.lock_time = 811;
  tx.inputs = {TxInput{OutPoint{fill<32>(0x01), 1}, fill<32>(0x21), fill<64>(0x41)}};
  tx.outputs = {TxOutput{Amount(99'999'000), fill<20>(0x61)}};
  RegistrationPayload& reg = tx.registration;
  reg.tier = 2;  // silver
  reg.collateral = OutPoint{fill<32>(0x90), 0};
  reg.consensus_pubkey = fill<32>(0xb0);
  reg.reward_pubkey_hash = fill<20>(0xd0);
  reg.p2p_address.bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  reg.p2p_port = 9333;
  reg.possession_sig = fill<64>(0x15);
  return tx;
}

// A double prevote at height 812 round 2, pairs in hash order (signatures are patterns).
Transaction evidence_vector() {
  Transaction tx;
  tx.kind = TxKind::kEquivocationEvidence;
  tx.chain_id = kChainIdMainnet;
  EvidencePayload& ev = tx.evidence;
  ev.validator = fill<32>(0x01);
  ev.height = 812;
  ev.round = 2;
  ev.step = 2;  // prevote
  ev.hash_a = fill<32>(0x10);
  ev.pol_round_a = 0xFFFFFFFF;
  ev.sig_a = fill<64>(0x40);
  ev.hash_b = fill<32>(0x30);
  ev.pol_round_b = 0xFFFFFFFF;
  ev.sig_b = fill<64>(0x80);
  return tx;
}

// Block order: coinbase, transfer, registration.
Block block_vector() {
  Block block;
  block.transactions = {coinbase_vector(), transfer_vector(), registration_vector()};
  const BlockRoots roots = block_roots(block.transactions);
  BlockHeader& header = block.header;
  header.chain_id = kChainIdMainnet;
  header.height = 812;
  header.prev_hash = fill<32>(0xe0);
  header.tx_root = roots.tx_root;
  header.wtx_root = roots.wtx_root;
  header.utxo_digest = fill<32>(0x70);
  header.timestamp_ms = 1'700'000'000'000;
  header.proposer = fill<32>(0x33);
  header.round = 2;
  header.tx_count = 3;
  return block;
}

template <typename T>
std::string encoded_hex(const T& value) {
  Bytes bytes;
  encode(value, &bytes);
  return to_hex(ByteSpan(bytes));
}

struct TxVector {
  Transaction tx;
  const char* encoding;
  const char* txid;
  const char* wire_hash;
  const char* sighash;
};

// clang-format off
const char kTransferEncoding[] =
    "010000000100000002000200000000000000000000000000000102030405060708090a0b0c0d0e0f101112131415"
    "161718191a1b1c1d1e1f00000000202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d"
    "6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b"
    "9c9d9e9f07000000a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5"
    "c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3"
    "f4f5f6f7f8f9fafbfcfdfeff80d1f00800000000101112131415161718191a1b1c1d1e1f202122230000000070c9"
    "fa0200000000303132333435363738393a3b3c3d3e3f4041424300000000";
const char kCoinbaseEncoding[] =
    "01000100010000000000010008000000000000000000000000f2052a0100000055565758595a5b5c5d5e5f606162"
    "636465666768000000002c03000000000000";
const char kRegistrationEncoding[] =
    "010002000100000001000100b00000002b030000000000000102030405060708090a0b0c0d0e0f10111213141516"
    "1718191a1b1c1d1e1f20010000002122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40"
    "4142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e"
    "6f707172737475767778797a7b7c7d7e7f8018ddf505000000006162636465666768696a6b6c6d6e6f7071727374"
    "0000000002000000909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf00000000b0b1"
    "b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e300000000000000000000ffffc00002017524000015161718191a1b1c1d1e1f202122232425262728292a"
    "2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f5051525354";
const char kHeaderEncoding[] =
    "02000000010000002c03000000000000e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfd"
    "feff041db7c28a0246eb16317c4295cdbe5ac447f29503baccc90e734a0b43d4abb3782097891b241aeba2d8f1c8"
    "893b9f6f5fd7a2ec1108ed247620d5cb9a24f670707172737475767778797a7b7c7d7e7f80818283848586878889"
    "8a8b8c8d8e8f0068e5cf8b010000333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152"
    "0200000003000000";
const char kCertificateEncoding[] =
    "01000200020000002c030000000000006d588cc17988a5efc8120a625f4b339f2369eeb710a880b739638b41cbf3"
    "3ec7707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b"
    "9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9"
    "cacbcccdcecf7172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798"
    "999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6"
    "c7c8c9cacbcccdcecfd0";
const char kEvidenceEncoding[] =
    "010003000100000000000000f800000000000000000000000102030405060708090a0b0c0d0e0f101112131415161718"
    "191a1b1c1d1e1f202c030000000000000200000002000000101112131415161718191a1b1c1d1e1f2021222324252627"
    "28292a2b2c2d2e2fffffffff404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263"
    "6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f303132333435363738393a3b3c3d3e3f40414243"
    "4445464748494a4b4c4d4e4fffffffff808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";
// clang-format on

std::vector<TxVector> tx_vectors() {
  return {
      {transfer_vector(), kTransferEncoding,
       "22049820c73ed7601343dba6eba865ed7420c7eebd121d5c858cd5d79c77d68d",
       "8ec6852cb3b9dd1f1b32ccaac71c27e2963e8c98ce7d0094ec1020ca15cb9f8a",
       "4f1ad6b84c524e4da100cc5f0b09e6065fcfa40496994b5aab1c90b70b3ef5c1"},
      {coinbase_vector(), kCoinbaseEncoding,
       "2a265bc1bcd3ab7f4b07057e432aee86f53b46f298459c00d4fb76a8b18bebe9",
       "2a265bc1bcd3ab7f4b07057e432aee86f53b46f298459c00d4fb76a8b18bebe9",
       "0e9bc783149450d63e1ace832bbe96f4a4ae08253d9d407f17f7207be41f4d09"},
      {registration_vector(), kRegistrationEncoding,
       "94055d149e78cf26dd812eb7cd90969c1a912e5c600d746620253d34c729ab3d",
       "a8a1cfb3a3c76ad6e40a3eed35451961385f4c196c9bb1a3b4f5b70ec3546215",
       "7514b3cee53abda3487b6bceedb7f5e74a24c00c4b88e0b82e909683881e7873"},
      {evidence_vector(), kEvidenceEncoding,
       "c8a1ebea97a46bb85c13707780a8543e3e807553734c9ec8de7841251ef2931b",
       "c8a1ebea97a46bb85c13707780a8543e3e807553734c9ec8de7841251ef2931b",
       "0717dc28398781bb7efb3e13fd17f8f517ca8e33b26b9b75bbd2a61c2ceddf7d"},
  };
}

TEST(ProtocolVectorsTest, TransactionEncodingsAndHashes) {
  for (const TxVector& vector : tx_vectors()) {
    SCOPED_TRACE(vector.encoding);
    EXPECT_EQ(encoded_hex(vector.tx), vector.encoding);
    EXPECT_EQ(to_hex(txid(vector.tx)), vector.txid);
    EXPECT_EQ(to_hex(wire_hash(vector.tx)), vector.wire_hash);
    EXPECT_EQ(to_hex(sighash(vector.tx, vector.tx.chain_id)), vector.sighash);

    const Result<Bytes> bytes = from_hex(vector.encoding);
    ASSERT_TRUE(bytes.is_ok());
    TransactionView view;
    ASSERT_EQ(decode_transaction_view(ByteSpan(*bytes), &view), DecodeError::kOk);
    EXPECT_EQ(to_hex(txid(view)), vector.txid);
    EXPECT_EQ(to_hex(wire_hash(view)), vector.wire_hash);
    EXPECT_EQ(to_hex(sighash(view, view.chain_id())), vector.sighash);
    const Result<Transaction> decoded = decode_transaction(ByteSpan(*bytes));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, vector.tx);
  }
}

TEST(ProtocolVectorsTest, RegistrationPossessionHash) {
  const Transaction tx = registration_vector();
  const char kPossession[] = "1b4c4d4b92bf314385d044063b7184ee96e769d4e6464b3bbf7177df8a315c5a";
  EXPECT_EQ(to_hex(possession_hash(tx, kChainIdMainnet)), kPossession);
  Bytes bytes;
  encode(tx, &bytes);
  EXPECT_EQ(to_hex(possession_hash(*TransactionView::parse(bytes), kChainIdMainnet)), kPossession);
}

TEST(ProtocolVectorsTest, TransferLayoutAtKnownOffsets) {
  // Spot checks that read like the table in docs/protocol.md.
  const std::string hex = encoded_hex(transfer_vector());
  EXPECT_EQ(hex.size(), 2u * 352);
  EXPECT_EQ(hex.substr(0, 48), "010000000100000002000200000000000000000000000000");  // header
  EXPECT_EQ(hex.substr(2 * (24 + 132 + 32), 8), "07000000");      // second input's prev_vout
  EXPECT_EQ(hex.substr(2 * (24 + 264), 16), "80d1f00800000000");  // 150,000,000 sat
}

TEST(ProtocolVectorsTest, MerkleRoots) {
  std::vector<Hash256> leaves;
  for (unsigned i = 0; i < 5; ++i) leaves.push_back(fill<32>(32 * i));
  const struct {
    std::size_t count;
    const char* root;
  } kRoots[] = {
      {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {1, "699cacdb4c39d8e0bb1223352765a7f7acdc51dec6694f7b54c3d0a47f0cc409"},
      {2, "8e9bd8dc69d64fab1bb196d042c59cfd1dfb8de6b6eedfc42b3e217d67908b2c"},
      {3, "5637f26ba780a8da762393735ccdd7206d5e198a33dec95e4dec4b6c98a9d6c8"},
      {5, "25d2bbc66be3945e2c9a37ff2b42e98b1013de930c0ac7a1bc75eb75a223ec0e"},
  };
  for (const auto& expected : kRoots) {
    EXPECT_EQ(to_hex(merkle_root(std::span<const Hash256>(leaves.data(), expected.count))),
              expected.root)
        << expected.count << " leaves";
  }
}

TEST(ProtocolVectorsTest, BlockHeaderBlockAndHash) {
  const Block block = block_vector();
  EXPECT_EQ(to_hex(block.header.tx_root),
            "041db7c28a0246eb16317c4295cdbe5ac447f29503baccc90e734a0b43d4abb3");
  EXPECT_EQ(to_hex(block.header.wtx_root),
            "782097891b241aeba2d8f1c8893b9f6f5fd7a2ec1108ed247620d5cb9a24f670");
  EXPECT_EQ(encoded_hex(block.header), kHeaderEncoding);
  EXPECT_EQ(to_hex(block_hash(block.header)),
            "6d588cc17988a5efc8120a625f4b339f2369eeb710a880b739638b41cbf33ec7");

  Bytes bytes;
  encode(block, &bytes);
  EXPECT_EQ(bytes.size(), 984u);
  EXPECT_EQ(to_hex(sha256(ByteSpan(bytes))),
            "5e6f8e42cfbfda5d03350dfd054496251c0e254c8f7cb68e4bbc1f7282f996bb");
  BlockView view;
  ASSERT_EQ(decode_block_view(ByteSpan(bytes), &view), DecodeError::kOk);
  EXPECT_EQ(to_hex(block_hash(view)), to_hex(block_hash(block.header)));
  std::vector<Hash256> ids;
  for (const TransactionView tx : view) ids.push_back(txid(tx));
  EXPECT_EQ(merkle_root(ids), view.tx_root());
  EXPECT_EQ(view.wtx_root(), block.header.wtx_root);
  EXPECT_EQ(view.utxo_digest(), block.header.utxo_digest);
  const Result<Block> decoded = decode_block(ByteSpan(bytes));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, block);
}

TEST(ProtocolVectorsTest, OneSignatureBitMovesTheBlockHashButNotTheTxRoot) {
  Block block = block_vector();
  block.transactions[1].inputs[0].sig.bytes[0] ^= 0x01;
  const BlockRoots roots = block_roots(block.transactions);
  EXPECT_EQ(roots.tx_root, block_vector().header.tx_root);
  EXPECT_EQ(to_hex(roots.wtx_root),
            "f24ca7dd9f9cca32c2e96849ee009f9c33cf234cef491b01b88bc33ccbf51db5");
}

TEST(ProtocolVectorsTest, CommitCertificate) {
  CommitCertificate certificate;
  certificate.height = 812;
  certificate.round = 2;
  certificate.block_hash = block_hash(block_vector().header);
  certificate.signatures = {CommitSignature{fill<32>(0x70), fill<64>(0x90)},
                            CommitSignature{fill<32>(0x71), fill<64>(0x91)}};
  EXPECT_EQ(encoded_hex(certificate), kCertificateEncoding);
  const Result<Bytes> bytes = from_hex(kCertificateEncoding);
  ASSERT_TRUE(bytes.is_ok());
  const Result<CommitCertificate> decoded = decode_commit_certificate(ByteSpan(*bytes));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, certificate);
}

TEST(ProtocolVectorsTest, PubkeyHash) {
  EXPECT_EQ(to_hex(pubkey_hash(fill<32>(0x20))), "72dbb7336c76780023f83da4c355f2eeea85733b");
}

}  // namespace
}  // namespace tc

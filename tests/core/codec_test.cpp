// Goal: the codec of core/codec.h accepts exactly the canonical encodings of docs/protocol.md and
// reports each kind of malformed input as its own DecodeError, with a specific Status message.
//
// Method: seeded random values (a few thousand transactions, blocks, headers and certificates) are
// encoded, decoded through both the view and the owned path, compared field by field and
// re-encoded; then hand-built malformed buffers, one per DecodeError class and object, check the
// error value, the Status code and the message; finally seeded byte mutations of valid encodings
// check that every accepted buffer re-encodes to itself and that view and owned decoders agree.
//
// Scenarios:
//   - round trip: transactions of every kind, block headers, blocks (0..6 txs), certificates
//   - views: header fields, input/output pointers into the buffer, payload, block iteration
//   - every strict prefix and every one-byte extension of a valid transaction is rejected
//   - transaction rejections: truncated, trailing, count exceeds (inputs, outputs), oversize,
//     unknown version, unknown kind, non-zero reserved (header, output, registration x2),
//     no inputs (transfer, registration), inputs on coinbase, no outputs, bad payload size
//   - block rejections: oversize, truncated header/prefix, unknown version, reserved, tx_count
//     exceeds buffer, tx_bytes oversize/overrun, inner tx error (index, absolute offset),
//     tx count mismatch, trailing; standalone header truncated/trailing
//   - certificate rejections: truncated, unknown version, count exceeds, trailing
//   - failure leaves *out unchanged; names are distinct; mutated inputs never crash
#include "core/codec.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

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
  tx.kind = static_cast<TxKind>(rng() % 4);
  tx.chain_id = static_cast<std::uint32_t>(rng());
  tx.lock_time = rng();
  const bool evidence = tx.kind == TxKind::kEquivocationEvidence;
  const bool no_inputs = tx.kind == TxKind::kCoinbase || evidence;
  std::size_t input_count = no_inputs ? 0 : 1 + rng() % 4;
  std::size_t output_count = evidence ? 0 : 1 + rng() % 4;
  if (rng() % 50 == 0) input_count = no_inputs ? 0 : 1 + rng() % 200;
  if (rng() % 50 == 0) output_count = evidence ? 0 : 1 + rng() % 500;
  for (std::size_t i = 0; i < input_count; ++i) {
    tx.inputs.push_back(TxInput{OutPoint{random_fixed<32>(rng), static_cast<std::uint32_t>(rng())},
                                random_fixed<32>(rng), random_fixed<64>(rng)});
  }
  for (std::size_t i = 0; i < output_count; ++i) {
    tx.outputs.push_back(TxOutput{Amount(rng()), random_fixed<20>(rng)});
  }
  if (tx.kind == TxKind::kCoinbase) tx.coinbase_height = rng();
  if (tx.kind == TxKind::kMasternodeRegistration) {
    RegistrationPayload& reg = tx.registration;
    reg.tier = static_cast<std::uint8_t>(rng());
    reg.collateral = OutPoint{random_fixed<32>(rng), static_cast<std::uint32_t>(rng())};
    reg.consensus_pubkey = random_fixed<32>(rng);
    reg.reward_pubkey_hash = random_fixed<20>(rng);
    reg.p2p_address = random_fixed<16>(rng);
    reg.p2p_port = static_cast<std::uint16_t>(rng());
    reg.possession_sig = random_fixed<64>(rng);
  }
  if (evidence) {
    EvidencePayload& ev = tx.evidence;
    ev.validator = random_fixed<32>(rng);
    ev.height = rng();
    ev.round = static_cast<std::uint32_t>(rng());
    ev.step = static_cast<std::uint8_t>(rng());
    ev.hash_a = random_fixed<32>(rng);
    ev.pol_round_a = static_cast<std::uint32_t>(rng());
    ev.sig_a = random_fixed<64>(rng);
    ev.hash_b = random_fixed<32>(rng);
    ev.pol_round_b = static_cast<std::uint32_t>(rng());
    ev.sig_b = random_fixed<64>(rng);
  }
  return tx;
}

BlockHeader random_header(std::mt19937_64& rng) {
  BlockHeader header;
  header.chain_id = static_cast<std::uint32_t>(rng());
  header.height = rng();
  header.prev_hash = random_fixed<32>(rng);
  header.tx_root = random_fixed<32>(rng);
  header.wtx_root = random_fixed<32>(rng);
  header.utxo_digest = random_fixed<32>(rng);
  header.timestamp_ms = rng();
  header.proposer = random_fixed<32>(rng);
  header.round = static_cast<std::uint32_t>(rng());
  header.tx_count = static_cast<std::uint32_t>(rng());
  return header;
}

Block random_block(std::mt19937_64& rng) {
  Block block;
  block.header = random_header(rng);
  const std::size_t count = rng() % 7;
  for (std::size_t i = 0; i < count; ++i) block.transactions.push_back(random_transaction(rng));
  block.header.tx_count = static_cast<std::uint32_t>(count);
  return block;
}

CommitCertificate random_certificate(std::mt19937_64& rng) {
  CommitCertificate certificate;
  certificate.height = rng();
  certificate.round = static_cast<std::uint32_t>(rng());
  certificate.block_hash = random_fixed<32>(rng);
  const std::size_t count = rng() % 8;
  for (std::size_t i = 0; i < count; ++i) {
    certificate.signatures.push_back(CommitSignature{random_fixed<32>(rng), random_fixed<64>(rng)});
  }
  return certificate;
}

template <typename T>
Bytes encoded(const T& value) {
  Bytes bytes;
  encode(value, &bytes);
  return bytes;
}

// A fixed transfer (2 inputs, 2 outputs), coinbase and registration to break in the rejection
// tests.
Transaction sample(TxKind kind) {
  std::mt19937_64 rng(7 + static_cast<int>(kind));
  Transaction tx = random_transaction(rng);
  tx.kind = kind;
  tx.coinbase_height = 0;
  tx.registration = RegistrationPayload{};
  tx.evidence = EvidencePayload{};
  const bool no_inputs = kind == TxKind::kCoinbase || kind == TxKind::kEquivocationEvidence;
  tx.inputs.resize(no_inputs ? 0 : 2, tx.inputs.empty() ? TxInput{} : tx.inputs[0]);
  tx.outputs.resize(kind == TxKind::kEquivocationEvidence ? 0 : 2,
                    tx.outputs.empty() ? TxOutput{} : tx.outputs[0]);
  if (kind == TxKind::kCoinbase) tx.coinbase_height = 812;
  if (kind == TxKind::kMasternodeRegistration) tx.registration.tier = 3;
  if (kind == TxKind::kEquivocationEvidence) {
    tx.evidence.step = 2;
    tx.evidence.sig_b.bytes.fill(0xee);
  }
  return tx;
}

DecodeError tx_error(const Bytes& bytes, DecodeFailure* failure = nullptr) {
  TransactionView view;
  return decode_transaction_view(ByteSpan(bytes), &view, failure);
}

// Checks the view error, the owned Status and that the message names the error and the offset.
void expect_tx_rejected(const Bytes& bytes, DecodeError expected, std::uint64_t offset) {
  DecodeFailure failure;
  EXPECT_EQ(tx_error(bytes, &failure), expected) << decode_error_name(tx_error(bytes));
  EXPECT_EQ(failure.error, expected);
  EXPECT_EQ(failure.offset, offset);
  const Result<Transaction> owned = decode_transaction(ByteSpan(bytes));
  ASSERT_FALSE(owned.is_ok());
  EXPECT_EQ(owned.status().code(), StatusCode::kMalformed);
  const std::string message(owned.status().message());
  EXPECT_NE(message.find(std::string(decode_error_name(expected))), std::string::npos) << message;
  EXPECT_NE(message.find("offset " + std::to_string(offset)), std::string::npos) << message;
  EXPECT_EQ(message.rfind("tx: ", 0), 0u) << message;
}

void expect_block_rejected(const Bytes& bytes, DecodeError expected, std::uint64_t offset) {
  BlockView view;
  DecodeFailure failure;
  EXPECT_EQ(decode_block_view(ByteSpan(bytes), &view, &failure), expected)
      << decode_error_name(failure.error);
  EXPECT_EQ(failure.offset, offset);
  EXPECT_EQ(decode_block_view(ByteSpan(bytes), &view), expected);
  const Result<Block> owned = decode_block(ByteSpan(bytes));
  ASSERT_FALSE(owned.is_ok());
  EXPECT_EQ(owned.status().code(), StatusCode::kMalformed);
  const std::string message(owned.status().message());
  EXPECT_NE(message.find(std::string(decode_error_name(expected))), std::string::npos) << message;
  EXPECT_NE(message.find("offset " + std::to_string(offset)), std::string::npos) << message;
}

void expect_certificate_rejected(const Bytes& bytes, DecodeError expected, std::uint64_t offset) {
  CommitCertificateView view;
  DecodeFailure failure;
  EXPECT_EQ(decode_certificate_view(ByteSpan(bytes), &view, &failure), expected);
  EXPECT_EQ(failure.offset, offset);
  const Result<CommitCertificate> owned = decode_commit_certificate(ByteSpan(bytes));
  ASSERT_FALSE(owned.is_ok());
  EXPECT_EQ(owned.status().code(), StatusCode::kMalformed);
  const std::string message(owned.status().message());
  EXPECT_NE(message.find(std::string(decode_error_name(expected))), std::string::npos) << message;
}

// ---- Round trips
// ----------------------------------------------------------------------------------

TEST(CodecTest, RandomTransactionsRoundTripThroughViewAndOwned) {
  std::mt19937_64 rng(20240601);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    const Transaction tx = random_transaction(rng);
    const Bytes bytes = encoded(tx);
    ASSERT_EQ(bytes.size(), encoded_size(tx));

    TransactionView view;
    ASSERT_EQ(decode_transaction_view(ByteSpan(bytes), &view), DecodeError::kOk)
        << "iteration " << iteration;
    EXPECT_EQ(view.encoded_bytes(), bytes.size());
    EXPECT_EQ(view.bytes().data(), bytes.data());
    EXPECT_EQ(view.kind(), tx.kind);
    EXPECT_EQ(view.chain_id(), tx.chain_id);
    EXPECT_EQ(view.lock_time(), tx.lock_time);
    ASSERT_EQ(view.input_count(), tx.inputs.size());
    ASSERT_EQ(view.output_count(), tx.outputs.size());
    for (std::size_t i = 0; i < tx.inputs.size(); ++i) {
      const InputView in = view.input(i);
      EXPECT_EQ(in.prev(), tx.inputs[i].prev);
      EXPECT_EQ(in.pubkey(), tx.inputs[i].pubkey);
      EXPECT_EQ(in.sig(), tx.inputs[i].sig);
      EXPECT_EQ(in.data(), bytes.data() + kTransactionHeaderBytes + i * kInputBytes);
    }
    for (std::size_t i = 0; i < tx.outputs.size(); ++i) {
      EXPECT_EQ(view.output(i).to_output(), tx.outputs[i]);
    }
    if (tx.kind == TxKind::kCoinbase) {
      EXPECT_EQ(view.coinbase_height(), tx.coinbase_height);
    }
    if (tx.kind == TxKind::kMasternodeRegistration) {
      EXPECT_EQ(view.registration(), tx.registration);
    }
    EXPECT_EQ(view.to_transaction(), tx);

    const Result<Transaction> decoded = decode_transaction(ByteSpan(bytes));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, tx);
    EXPECT_EQ(encoded(*decoded), bytes);
  }
}

TEST(CodecTest, PayloadSizesFollowKind) {
  EXPECT_EQ(encoded_size(sample(TxKind::kTransfer)),
            kTransactionHeaderBytes + 2 * kInputBytes + 2 * kOutputBytes);
  EXPECT_EQ(encoded_size(sample(TxKind::kCoinbase)),
            kTransactionHeaderBytes + 2 * kOutputBytes + kCoinbasePayloadBytes);
  EXPECT_EQ(
      encoded_size(sample(TxKind::kMasternodeRegistration)),
      kTransactionHeaderBytes + 2 * kInputBytes + 2 * kOutputBytes + kRegistrationPayloadBytes);
  TransactionView view;
  const Bytes bytes = encoded(sample(TxKind::kMasternodeRegistration));
  ASSERT_EQ(decode_transaction_view(ByteSpan(bytes), &view), DecodeError::kOk);
  EXPECT_EQ(view.payload().size(), kRegistrationPayloadBytes);
  EXPECT_EQ(view.payload().data(), bytes.data() + bytes.size() - kRegistrationPayloadBytes);
}

TEST(CodecTest, RandomBlockHeadersRoundTrip) {
  std::mt19937_64 rng(99);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const BlockHeader header = random_header(rng);
    const Bytes bytes = encoded(header);
    ASSERT_EQ(bytes.size(), kBlockHeaderBytes);
    const auto fixed = encode_block_header(header);
    EXPECT_TRUE(std::equal(fixed.begin(), fixed.end(), bytes.begin()));
    const Result<BlockHeader> decoded = decode_block_header(ByteSpan(bytes));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, header);
  }
}

TEST(CodecTest, RandomBlocksRoundTripAndIterate) {
  std::mt19937_64 rng(4242);
  for (int iteration = 0; iteration < 300; ++iteration) {
    const Block block = random_block(rng);
    const Bytes bytes = encoded(block);
    ASSERT_EQ(bytes.size(), encoded_size(block));

    BlockView view;
    ASSERT_EQ(decode_block_view(ByteSpan(bytes), &view), DecodeError::kOk);
    EXPECT_EQ(view.header(), block.header);
    EXPECT_EQ(view.height(), block.header.height);
    EXPECT_EQ(view.prev_hash(), block.header.prev_hash);
    EXPECT_EQ(view.tx_root(), block.header.tx_root);
    EXPECT_EQ(view.proposer(), block.header.proposer);
    EXPECT_EQ(view.round(), block.header.round);
    EXPECT_EQ(view.timestamp_ms(), block.header.timestamp_ms);
    EXPECT_EQ(view.chain_id(), block.header.chain_id);
    std::size_t index = 0;
    for (const TransactionView tx : view) {
      ASSERT_LT(index, block.transactions.size());
      EXPECT_EQ(tx.to_transaction(), block.transactions[index]);
      ++index;
    }
    EXPECT_EQ(index, block.transactions.size());
    EXPECT_EQ(view.to_block(), block);

    const Result<Block> decoded = decode_block(ByteSpan(bytes));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, block);
    EXPECT_EQ(encoded(*decoded), bytes);
  }
}

TEST(CodecTest, RandomCertificatesRoundTrip) {
  std::mt19937_64 rng(77);
  for (int iteration = 0; iteration < 1000; ++iteration) {
    const CommitCertificate certificate = random_certificate(rng);
    const Bytes bytes = encoded(certificate);
    ASSERT_EQ(bytes.size(), encoded_size(certificate));
    CommitCertificateView view;
    ASSERT_EQ(decode_certificate_view(ByteSpan(bytes), &view), DecodeError::kOk);
    ASSERT_EQ(view.signature_count(), certificate.signatures.size());
    for (std::size_t i = 0; i < certificate.signatures.size(); ++i) {
      EXPECT_EQ(view.signature(i), certificate.signatures[i]);
    }
    const Result<CommitCertificate> decoded = decode_commit_certificate(ByteSpan(bytes));
    ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
    EXPECT_EQ(*decoded, certificate);
    EXPECT_EQ(encoded(*decoded), bytes);
  }
}

// ---- Transaction rejections
// -----------------------------------------------------------------------

TEST(CodecTest, EveryStrictPrefixAndEveryExtensionIsRejected) {
  for (TxKind kind : {TxKind::kTransfer, TxKind::kCoinbase, TxKind::kMasternodeRegistration}) {
    const Bytes bytes = encoded(sample(kind));
    for (std::size_t size = 0; size < bytes.size(); ++size) {
      const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
      const DecodeError error = tx_error(prefix);
      EXPECT_TRUE(error == DecodeError::kTruncated || error == DecodeError::kCountExceedsBuffer)
          << "size " << size << ": " << decode_error_name(error);
    }
    Bytes longer = bytes;
    longer.push_back(0);
    EXPECT_EQ(tx_error(longer), DecodeError::kTrailingBytes);
  }
}

TEST(CodecTest, RejectsTruncatedHeader) {
  const Bytes bytes(kTransactionHeaderBytes - 1, 0);
  expect_tx_rejected(bytes, DecodeError::kTruncated, 0);
}

TEST(CodecTest, RejectsTrailingBytes) {
  Bytes bytes = encoded(sample(TxKind::kTransfer));
  const std::size_t end = bytes.size();
  bytes.insert(bytes.end(), {1, 2, 3});
  expect_tx_rejected(bytes, DecodeError::kTrailingBytes, end);
}

TEST(CodecTest, RejectsInputCountBeyondBufferWithSpecificMessage) {
  Bytes bytes = encoded(sample(TxKind::kTransfer));
  store_u16_le(bytes.data() + 8, 300);
  bytes.resize(kTransactionHeaderBytes + 100);
  expect_tx_rejected(bytes, DecodeError::kCountExceedsBuffer, kTransactionHeaderBytes);
  const Result<Transaction> owned = decode_transaction(ByteSpan(bytes));
  EXPECT_EQ(owned.status().message(),
            "tx: count_exceeds_buffer: input_count 300 needs 39600 bytes at offset 24, 100 remain");
}

TEST(CodecTest, RejectsOutputCountBeyondBuffer) {
  Bytes bytes = encoded(sample(TxKind::kTransfer));
  store_u16_le(bytes.data() + 10, 3);
  expect_tx_rejected(bytes, DecodeError::kCountExceedsBuffer,
                     kTransactionHeaderBytes + 2 * kInputBytes);
}

TEST(CodecTest, RejectsOversizeTransaction) {
  Transaction tx = sample(TxKind::kTransfer);
  tx.outputs.resize(
      (kMaxTransactionBytes - kTransactionHeaderBytes - 2 * kInputBytes) / kOutputBytes + 1);
  const Bytes bytes = encoded(tx);
  ASSERT_GT(bytes.size(), kMaxTransactionBytes);
  expect_tx_rejected(bytes, DecodeError::kOversize, 0);
  // The largest accepted size is exactly the limit.
  tx.outputs.pop_back();
  const Bytes fits = encoded(tx);
  ASSERT_LE(fits.size(), kMaxTransactionBytes);
  EXPECT_EQ(tx_error(fits), DecodeError::kOk);
}

TEST(CodecTest, RejectsUnknownVersion) {
  Bytes bytes = encoded(sample(TxKind::kTransfer));
  store_u16_le(bytes.data(), 2);
  expect_tx_rejected(bytes, DecodeError::kUnknownVersion, 0);
  store_u16_le(bytes.data(), 0);
  expect_tx_rejected(bytes, DecodeError::kUnknownVersion, 0);
}

TEST(CodecTest, RejectsUnknownKind) {
  Bytes bytes = encoded(sample(TxKind::kTransfer));
  bytes[2] = 4;
  expect_tx_rejected(bytes, DecodeError::kUnknownKind, 2);
  bytes[2] = 0xff;
  expect_tx_rejected(bytes, DecodeError::kUnknownKind, 2);
}

TEST(CodecTest, RejectsNonZeroReservedInHeaderOutputAndRegistration) {
  Bytes header = encoded(sample(TxKind::kTransfer));
  header[3] = 1;
  expect_tx_rejected(header, DecodeError::kNonZeroReserved, 3);

  Bytes output = encoded(sample(TxKind::kTransfer));
  const std::size_t second_output_reserved =
      kTransactionHeaderBytes + 2 * kInputBytes + kOutputBytes + 28;
  output[second_output_reserved + 3] = 0x80;
  expect_tx_rejected(output, DecodeError::kNonZeroReserved, second_output_reserved);

  const Bytes registration = encoded(sample(TxKind::kMasternodeRegistration));
  const std::size_t payload = registration.size() - kRegistrationPayloadBytes;
  for (std::size_t at : {payload + 1, payload + 2, payload + 3}) {
    Bytes bytes = registration;
    bytes[at] = 1;
    expect_tx_rejected(bytes, DecodeError::kNonZeroReserved, at);
  }
  Bytes tail = registration;
  tail[payload + 111] = 1;
  expect_tx_rejected(tail, DecodeError::kNonZeroReserved, payload + 110);
}

TEST(CodecTest, RejectsTransferAndRegistrationWithoutInputs) {
  for (TxKind kind : {TxKind::kTransfer, TxKind::kMasternodeRegistration}) {
    Transaction tx = sample(kind);
    tx.inputs.clear();
    expect_tx_rejected(encoded(tx), DecodeError::kNoInputs, 8);
  }
}

TEST(CodecTest, RejectsCoinbaseWithInputs) {
  Transaction tx = sample(TxKind::kCoinbase);
  tx.inputs.push_back(sample(TxKind::kTransfer).inputs[0]);
  expect_tx_rejected(encoded(tx), DecodeError::kInputsOnCoinbase, 8);
}

TEST(CodecTest, EvidenceRoundTripsAndCarriesNoValue) {
  const Transaction tx = sample(TxKind::kEquivocationEvidence);
  const Bytes bytes = encoded(tx);
  ASSERT_EQ(bytes.size(), kTransactionHeaderBytes + kEvidencePayloadBytes);
  const Result<Transaction> decoded = decode_transaction(ByteSpan(bytes));
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, tx);
  EXPECT_EQ(TransactionView::parse(bytes)->evidence(), tx.evidence);

  Transaction with_input = tx;
  with_input.inputs.push_back(sample(TxKind::kTransfer).inputs[0]);
  expect_tx_rejected(encoded(with_input), DecodeError::kValueOnEvidence, 8);
  Transaction with_output = tx;
  with_output.outputs.push_back(sample(TxKind::kTransfer).outputs[0]);
  expect_tx_rejected(encoded(with_output), DecodeError::kValueOnEvidence, 10);

  const std::size_t payload = kTransactionHeaderBytes;
  for (std::size_t at : {payload + 45, payload + 46, payload + 47}) {
    Bytes reserved = bytes;
    reserved[at] = 1;
    expect_tx_rejected(reserved, DecodeError::kNonZeroReserved, at);
  }
  Bytes short_payload = bytes;
  store_u32_le(short_payload.data() + 12, kEvidencePayloadBytes - 1);
  short_payload.pop_back();
  expect_tx_rejected(short_payload, DecodeError::kBadPayloadSize, 12);
}

TEST(CodecTest, RejectsNoOutputs) {
  for (TxKind kind : {TxKind::kTransfer, TxKind::kCoinbase, TxKind::kMasternodeRegistration}) {
    Transaction tx = sample(kind);
    tx.outputs.clear();
    expect_tx_rejected(encoded(tx), DecodeError::kNoOutputs, 10);
  }
}

TEST(CodecTest, RejectsPayloadSizeOtherThanKindFixes) {
  // A transfer with 8 payload bytes, a coinbase with none, a registration with 113.
  Bytes transfer = encoded(sample(TxKind::kTransfer));
  store_u32_le(transfer.data() + 12, 8);
  transfer.resize(transfer.size() + 8);
  expect_tx_rejected(transfer, DecodeError::kBadPayloadSize, 12);

  Bytes coinbase = encoded(sample(TxKind::kCoinbase));
  store_u32_le(coinbase.data() + 12, 0);
  coinbase.resize(coinbase.size() - kCoinbasePayloadBytes);
  expect_tx_rejected(coinbase, DecodeError::kBadPayloadSize, 12);

  Bytes registration = encoded(sample(TxKind::kMasternodeRegistration));
  store_u32_le(registration.data() + 12, kRegistrationPayloadBytes + 1);
  registration.push_back(0);
  expect_tx_rejected(registration, DecodeError::kBadPayloadSize, 12);
}

TEST(CodecTest, FailureLeavesOutputViewUnchanged) {
  const Bytes good = encoded(sample(TxKind::kCoinbase));
  TransactionView view;
  ASSERT_EQ(decode_transaction_view(ByteSpan(good), &view), DecodeError::kOk);
  Bytes bad = good;
  bad[0] = 9;
  EXPECT_EQ(decode_transaction_view(ByteSpan(bad), &view), DecodeError::kUnknownVersion);
  EXPECT_EQ(view.bytes().data(), good.data());
}

// ---- Block rejections
// -----------------------------------------------------------------------------

Block sample_block() {
  Block block;
  block.header.height = 5;
  block.transactions = {sample(TxKind::kCoinbase), sample(TxKind::kTransfer)};
  block.header.tx_count = 2;
  return block;
}

TEST(CodecTest, RejectsOversizeBlock) {
  Bytes bytes(kMaxBlockBytes + 1, 0);
  expect_block_rejected(bytes, DecodeError::kOversize, 0);
}

TEST(CodecTest, RejectsBlockHeaderProblems) {
  const Bytes good = encoded(sample_block());
  const Bytes short_header(good.begin(), good.begin() + kBlockHeaderBytes - 1);
  expect_block_rejected(short_header, DecodeError::kTruncated, 0);

  for (const std::uint16_t other :
       {std::uint16_t{1}, std::uint16_t{3}}) {  // 1: the 128-byte header
    Bytes version = good;
    store_u16_le(version.data(), other);
    expect_block_rejected(version, DecodeError::kUnknownVersion, 0);
  }

  Bytes reserved = good;
  reserved[3] = 1;
  expect_block_rejected(reserved, DecodeError::kNonZeroReserved, 2);
}

TEST(CodecTest, RejectsTxCountBeyondBuffer) {
  Bytes bytes = encoded(sample_block());
  store_u32_le(bytes.data() + 188, 0xffffffff);
  expect_block_rejected(bytes, DecodeError::kCountExceedsBuffer, kBlockHeaderBytes);
}

TEST(CodecTest, RejectsBadTransactionLengthPrefix) {
  const Block block = sample_block();
  const Bytes good = encoded(block);
  const std::size_t second =
      kBlockHeaderBytes + kBlockTxLengthBytes + encoded_size(block.transactions[0]);

  Bytes oversize = good;
  store_u32_le(oversize.data() + second, kMaxTransactionBytes + 1);
  expect_block_rejected(oversize, DecodeError::kOversize, second);

  Bytes overrun = good;
  store_u32_le(overrun.data() + second, load_u32_le(good.data() + second) + 1);
  expect_block_rejected(overrun, DecodeError::kCountExceedsBuffer, second);

  // A third transaction's length prefix is cut short after two bytes. (The tx_count bound,
  // 3 x 68 bytes, passes because the first two transactions are larger than the minimum.)
  Bytes cut = good;
  store_u32_le(cut.data() + 188, 3);
  cut.insert(cut.end(), {0x40, 0x00});
  expect_block_rejected(cut, DecodeError::kTruncated, good.size());
}

TEST(CodecTest, ReportsInnerTransactionErrorWithIndexAndAbsoluteOffset) {
  const Block block = sample_block();
  Bytes bytes = encoded(block);
  const std::size_t second_tx =
      kBlockHeaderBytes + 2 * kBlockTxLengthBytes + encoded_size(block.transactions[0]);
  bytes[second_tx + 2] = 7;  // unknown kind
  BlockView view;
  DecodeFailure failure;
  ASSERT_EQ(decode_block_view(ByteSpan(bytes), &view, &failure), DecodeError::kUnknownKind);
  EXPECT_EQ(failure.tx_index, 1u);
  expect_block_rejected(bytes, DecodeError::kUnknownKind, second_tx + 2);
  const Result<Block> owned = decode_block(ByteSpan(bytes));
  EXPECT_EQ(owned.status().message().rfind("block: tx 1: unknown_kind: kind 7", 0), 0u)
      << owned.status().message();
}

TEST(CodecTest, RejectsBlockEndingBeforeTxCount) {
  Bytes bytes = encoded(sample_block());
  store_u32_le(bytes.data() + 188, 3);
  expect_block_rejected(bytes, DecodeError::kTxCountMismatch, bytes.size());
}

TEST(CodecTest, RejectsBlockTrailingBytes) {
  Bytes bytes = encoded(sample_block());
  const std::size_t end = bytes.size();
  bytes.push_back(0);
  expect_block_rejected(bytes, DecodeError::kTrailingBytes, end);
  // One fewer transaction in tx_count than present: the last one is trailing.
  Bytes fewer = encoded(sample_block());
  store_u32_le(fewer.data() + 188, 1);
  const std::size_t first_end =
      kBlockHeaderBytes + kBlockTxLengthBytes + encoded_size(sample(TxKind::kCoinbase));
  expect_block_rejected(fewer, DecodeError::kTrailingBytes, first_end);
}

TEST(CodecTest, StandaloneHeaderRejectsTruncatedAndTrailing) {
  const Bytes header = encoded(sample_block().header);
  const Result<BlockHeader> short_header =
      decode_block_header(ByteSpan(header.data(), kBlockHeaderBytes - 1));
  ASSERT_FALSE(short_header.is_ok());
  EXPECT_NE(short_header.status().message().find("truncated"), std::string_view::npos);
  Bytes longer = header;
  longer.push_back(0);
  const Result<BlockHeader> long_header = decode_block_header(ByteSpan(longer));
  ASSERT_FALSE(long_header.is_ok());
  EXPECT_EQ(long_header.status().message(),
            "block header: trailing_bytes: 1 bytes after the end at offset 192");
}

// ---- Certificate rejections
// -----------------------------------------------------------------------

TEST(CodecTest, CertificateRejections) {
  std::mt19937_64 rng(5);
  CommitCertificate certificate = random_certificate(rng);
  certificate.signatures.resize(3);
  const Bytes good = encoded(certificate);

  expect_certificate_rejected(Bytes(good.begin(), good.begin() + kCertificateHeaderBytes - 1),
                              DecodeError::kTruncated, 0);
  Bytes version = good;
  store_u16_le(version.data(), 0);
  expect_certificate_rejected(version, DecodeError::kUnknownVersion, 0);
  Bytes count = good;
  store_u16_le(count.data() + 2, 4);
  expect_certificate_rejected(count, DecodeError::kCountExceedsBuffer, kCertificateHeaderBytes);
  Bytes trailing = good;
  trailing.push_back(0);
  expect_certificate_rejected(trailing, DecodeError::kTrailingBytes, good.size());
}

// ---- Names and mutations
// --------------------------------------------------------------------------

TEST(CodecTest, DecodeErrorNamesAreDistinct) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kDecodeErrorCount; ++i) {
    names.insert(decode_error_name(static_cast<DecodeError>(i)));
  }
  EXPECT_EQ(names.size(), kDecodeErrorCount);
  EXPECT_EQ(decode_error_name(DecodeError::kOk), "ok");
  EXPECT_EQ(decode_error_name(DecodeError::kTxCountMismatch), "tx_count_mismatch");
}

TEST(CodecTest, MutatedEncodingsAreRejectedOrCanonical) {
  std::mt19937_64 rng(31337);
  std::size_t accepted = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Bytes bytes = encoded(random_transaction(rng));
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    }
    if (rng() % 4 == 0) bytes.resize(rng() % (bytes.size() + 1));
    TransactionView view;
    const DecodeError error = decode_transaction_view(ByteSpan(bytes), &view);
    const Result<Transaction> owned = decode_transaction(ByteSpan(bytes));
    ASSERT_EQ(error == DecodeError::kOk, owned.is_ok());
    if (owned.is_ok()) {
      ++accepted;
      EXPECT_EQ(encoded(*owned), bytes);
      EXPECT_EQ(view.to_transaction(), *owned);
    }
  }
  EXPECT_GT(accepted, 0u);  // flips of value/key bytes stay valid
}

}  // namespace
}  // namespace tc

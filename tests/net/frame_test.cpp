// Goal: net/frame.h turns every P2P message into frame bytes and back, in any split of the stream,
// and refuses every kind of hostile frame with its own counted violation, without letting a length
// prefix or a compressed payload make it allocate past its bounds.
//
// Method: real canonical bytes (signed transfers, a block with its roots, a certificate and votes
// signed over vote_digest, a proposal from consensus::encode_proposal) in every message of
// p2p.proto; FrameEncoder builds frames, FrameDecoder reads them back through feed() and through
// write_space()/commit() as a socket would. Hostile frames are built from store_frame_header() with
// a correct CRC unless the CRC is the point, so that each test reaches exactly the check it names.
//
// Scenarios:
//   - every message type round-trips, uncompressed and compressed, fed whole and byte by byte
//     (a truncated frame is kNeedMore until its last byte);
//   - a stream of all types split at random points through write_space()/commit();
//   - the default compression threshold is the measured 4 KiB: a compressible message of exactly
//     that size goes plain, one byte larger goes compressed;
//   - garbage bytes, an unknown version, unknown flags, a 4 GiB length prefix: the stream breaks,
//     nothing more is accepted, the buffer does not grow;
//   - a frame of exactly the maximum payload is accepted, one byte over is refused (decoder and
//     encoder), at the protocol maximum and at a lowered one;
//   - bad CRC, unknown type, bad message length: the frame is dropped and the next one decodes;
//   - decompression bombs: declared above the bound, and inflating past what the header declares;
//     a corrupt DEFLATE stream, one that ends short;
//   - Protobuf that does not parse; canonical bytes that do not decode in each carrying message;
//   - one counter per violation kind.
#include "net/frame.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/codec.h"
#include "tests/net/p2p_samples.h"

namespace tc::net {
namespace {

using samples::as_string;
using samples::encoded_proposal;
using samples::encoded_string;
using samples::encoded_vote;
using samples::every_message;
using samples::kConsensusCodec;
using samples::key;
using samples::sample_block;
using samples::sample_certificate;
using samples::signed_transfer;

FrameLimits never_compress() {
  FrameLimits limits;
  limits.compression_threshold_bytes = kMaxFrameMessageBytes;
  return limits;
}

FrameLimits always_try_compress() {
  FrameLimits limits;
  limits.compression_threshold_bytes = 0;
  return limits;
}

// A frame around `payload` with a correct CRC; header fields as given.
Bytes raw_frame(std::uint8_t type, ByteSpan payload, std::uint16_t flags = 0,
                std::uint32_t message_bytes = 0xFFFFFFFF) {
  FrameHeader header;
  header.type = type;
  header.flags = flags;
  header.payload_bytes = static_cast<std::uint32_t>(payload.size());
  header.message_bytes =
      message_bytes == 0xFFFFFFFF ? static_cast<std::uint32_t>(payload.size()) : message_bytes;
  header.payload_crc32c = crc32c(payload);
  Bytes frame(kFrameHeaderBytes);
  store_frame_header(header, frame.data());
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

Bytes frame_of(const google::protobuf::MessageLite& message, MessageType type,
               const FrameLimits& limits = never_compress()) {
  FrameEncoder encoder(limits);
  Bytes frame;
  const Status status = encoder.encode_message(type, message, &frame);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return frame;
}

Bytes ping_frame() {
  proto::Ping ping;
  ping.set_nonce(42);
  return frame_of(ping, MessageType::kPing);
}

// Feeds `bytes` whole and returns the decoder's first outcome.
DecodeOutcome feed_and_next(FrameDecoder& decoder, const Bytes& bytes) {
  EXPECT_EQ(decoder.feed(bytes), bytes.size());
  return decoder.next();
}

void expect_violation(FrameDecoder& decoder, const Bytes& bytes, FrameViolation violation) {
  ASSERT_EQ(feed_and_next(decoder, bytes), DecodeOutcome::kViolation);
  EXPECT_EQ(decoder.last_violation(), violation) << decoder.violation_status().to_string();
  EXPECT_EQ(decoder.counters().violation(violation), 1u);
  EXPECT_EQ(decoder.violation_status().code(), StatusCode::kMalformed);
  EXPECT_NE(decoder.violation_status().message().find(frame_violation_name(violation)),
            std::string_view::npos)
      << decoder.violation_status().to_string();
  EXPECT_EQ(decoder.stream_broken(), breaks_stream(violation));
}

// After a frame-level violation the decoder reads on: a following ping decodes.
void expect_reads_on(FrameDecoder& decoder) {
  ASSERT_EQ(feed_and_next(decoder, ping_frame()), DecodeOutcome::kMessage)
      << decoder.violation_status().to_string();
  EXPECT_EQ(decoder.message_type(), MessageType::kPing);
  EXPECT_EQ(decoder.messages().ping.nonce(), 42u);
}

// After a stream-breaking violation nothing more goes in and next() repeats the violation without
// counting it again.
void expect_stream_broken(FrameDecoder& decoder, FrameViolation violation) {
  EXPECT_TRUE(decoder.stream_broken());
  EXPECT_TRUE(decoder.write_space().empty());
  EXPECT_EQ(decoder.feed(ping_frame()), 0u);
  EXPECT_EQ(decoder.next(), DecodeOutcome::kViolation);
  EXPECT_EQ(decoder.counters().violation(violation), 1u);
}

TEST(Crc32c, MatchesTheCastagnoliCheckValue) {
  const std::string check = "123456789";
  EXPECT_EQ(crc32c(ByteSpan(reinterpret_cast<const std::uint8_t*>(check.data()), check.size())),
            0xE3069283u);
  EXPECT_EQ(crc32c(ByteSpan()), 0u);
}

TEST(FrameHeader, StoresAndLoadsEveryFieldLittleEndian) {
  FrameHeader header;
  header.type = 7;
  header.flags = kFrameFlagCompressed;
  header.payload_bytes = 0x01020304;
  header.message_bytes = 0x05060708;
  header.payload_crc32c = 0x0A0B0C0D;
  std::uint8_t bytes[kFrameHeaderBytes];
  store_frame_header(header, bytes);
  EXPECT_EQ(bytes[0], 'T');
  EXPECT_EQ(bytes[3], '2');
  EXPECT_EQ(bytes[kFrameVersionOffset], kFrameVersion);
  EXPECT_EQ(bytes[kFramePayloadBytesOffset], 0x04);
  const FrameHeader loaded = load_frame_header(bytes);
  EXPECT_EQ(loaded.magic, kFrameMagic);
  EXPECT_EQ(loaded.type, 7);
  EXPECT_EQ(loaded.flags, kFrameFlagCompressed);
  EXPECT_EQ(loaded.payload_bytes, 0x01020304u);
  EXPECT_EQ(loaded.message_bytes, 0x05060708u);
  EXPECT_EQ(loaded.payload_crc32c, 0x0A0B0C0Du);
}

void round_trip_every_type(const FrameLimits& limits, bool byte_by_byte) {
  const auto all = every_message();
  ASSERT_EQ(all.size(), std::size_t{kMaxMessageType});
  FrameEncoder encoder(limits);
  FrameDecoder decoder(limits, kConsensusCodec);
  for (const auto& [type, message] : all) {
    SCOPED_TRACE(std::string(message_type_name(type)));
    Bytes frame;
    ASSERT_TRUE(encoder.encode_message(type, *message, &frame).is_ok());
    if (byte_by_byte) {
      for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
        ASSERT_EQ(decoder.feed(ByteSpan(&frame[i], 1)), 1u);
        ASSERT_EQ(decoder.next(), DecodeOutcome::kNeedMore) << "at byte " << i;
      }
      ASSERT_EQ(decoder.feed(ByteSpan(&frame.back(), 1)), 1u);
    } else {
      ASSERT_EQ(decoder.feed(frame), frame.size());
    }
    ASSERT_EQ(decoder.next(), DecodeOutcome::kMessage) << decoder.violation_status().to_string();
    EXPECT_EQ(decoder.message_type(), type);
    EXPECT_EQ(decoder.messages().of(type).SerializeAsString(), message->SerializeAsString());
    EXPECT_EQ(decoder.next(), DecodeOutcome::kNeedMore);
    EXPECT_EQ(decoder.counters().messages(type), 1u);
  }
  for (std::size_t v = 0; v < kFrameViolationCount; ++v) {
    EXPECT_EQ(decoder.counters().violation(static_cast<FrameViolation>(v)), 0u);
  }
}

TEST(FrameRoundTrip, EveryMessageTypeUncompressed) {
  round_trip_every_type(never_compress(), /*byte_by_byte=*/false);
}

TEST(FrameRoundTrip, EveryMessageTypeCompressed) {
  round_trip_every_type(always_try_compress(), /*byte_by_byte=*/false);
}

TEST(FrameRoundTrip, EveryMessageTypeFedByteByByteIsNeedMoreUntilTheLastByte) {
  round_trip_every_type(never_compress(), /*byte_by_byte=*/true);
  round_trip_every_type(always_try_compress(), /*byte_by_byte=*/true);
}

TEST(FrameRoundTrip, CompressesOnlyAboveTheThresholdAndOnlyWhenSmaller) {
  FrameEncoder encoder;  // default threshold
  Bytes frame;
  proto::Ping ping;
  ping.set_nonce(1);
  ASSERT_TRUE(encoder.encode(ping, &frame).is_ok());
  EXPECT_FALSE(encoder.last_compressed());

  proto::SnapshotChunkResponse chunk;
  chunk.set_content_hash(std::string(32, '\x01'));
  chunk.set_chunk_count(1);
  chunk.set_data(std::string(100'000, 'a'));
  frame.clear();
  ASSERT_TRUE(encoder.encode(chunk, &frame).is_ok());
  EXPECT_TRUE(encoder.last_compressed());
  EXPECT_LT(encoder.last_payload_bytes(), 2'000u);
  EXPECT_EQ(frame.size(), kFrameHeaderBytes + encoder.last_payload_bytes());

  // Random bytes do not shrink: sent as they are, flag clear.
  std::mt19937_64 rng(3);
  std::string noise(100'000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  chunk.set_data(noise);
  frame.clear();
  ASSERT_TRUE(encoder.encode(chunk, &frame).is_ok());
  EXPECT_FALSE(encoder.last_compressed());
  EXPECT_EQ(load_frame_header(frame.data()).flags, 0);

  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  ASSERT_EQ(feed_and_next(decoder, frame), DecodeOutcome::kMessage);
  EXPECT_EQ(decoder.messages().snapshot_chunk_response.data(), noise);
}

// A SnapshotChunkResponse of `message_bytes` serialized bytes whose data is all 'a' (compressible).
proto::SnapshotChunkResponse compressible_chunk(std::size_t message_bytes) {
  proto::SnapshotChunkResponse chunk;
  chunk.set_content_hash(std::string(32, '\x01'));
  chunk.set_chunk_count(1);
  chunk.set_data(std::string(message_bytes, 'a'));
  // Shrink the data until the whole message has the size asked (the length prefix varies).
  while (chunk.ByteSizeLong() > message_bytes) chunk.mutable_data()->pop_back();
  return chunk;
}

TEST(FrameRoundTrip, DefaultThresholdIsTheMeasuredFourKibibytes) {
  EXPECT_EQ(FrameLimits().compression_threshold_bytes, 4096u);
  FrameEncoder encoder;
  Bytes frame;
  const proto::SnapshotChunkResponse at = compressible_chunk(4096);
  ASSERT_EQ(at.ByteSizeLong(), 4096u);
  ASSERT_TRUE(encoder.encode(at, &frame).is_ok());
  EXPECT_FALSE(encoder.last_compressed());
  EXPECT_EQ(encoder.last_payload_bytes(), 4096u);

  const proto::SnapshotChunkResponse above = compressible_chunk(4097);
  ASSERT_EQ(above.ByteSizeLong(), 4097u);
  frame.clear();
  ASSERT_TRUE(encoder.encode(above, &frame).is_ok());
  EXPECT_TRUE(encoder.last_compressed());
  EXPECT_LT(encoder.last_payload_bytes(), 200u);
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  ASSERT_EQ(feed_and_next(decoder, frame), DecodeOutcome::kMessage);
  EXPECT_EQ(decoder.messages().snapshot_chunk_response.data(), above.data());
}

TEST(FrameDecoder, ReadsAStreamSplitAtRandomPointsThroughWriteSpace) {
  const auto all = every_message();
  Bytes stream;
  FrameEncoder encoder(always_try_compress());
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (const auto& [type, message] : all) {
      ASSERT_TRUE(encoder.encode_message(type, *message, &stream).is_ok());
    }
  }
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  std::mt19937_64 rng(11);
  std::size_t at = 0;
  std::size_t received_count = 0;
  while (at < stream.size()) {
    const MutableByteSpan space = decoder.write_space();
    ASSERT_FALSE(space.empty());
    const std::size_t n = std::min({space.size(), stream.size() - at, 1 + rng() % 9000});
    std::memcpy(space.data(), stream.data() + at, n);
    decoder.commit(n);
    at += n;
    DecodeOutcome outcome;
    while ((outcome = decoder.next()) == DecodeOutcome::kMessage) {
      const auto& [type, message] = all[received_count % all.size()];
      ASSERT_EQ(decoder.message_type(), type);
      ASSERT_EQ(decoder.messages().of(type).SerializeAsString(), message->SerializeAsString());
      ++received_count;
    }
    ASSERT_EQ(outcome, DecodeOutcome::kNeedMore) << decoder.violation_status().to_string();
  }
  EXPECT_EQ(received_count, 3 * all.size());
  EXPECT_EQ(decoder.counters().bytes, stream.size());
  EXPECT_GT(decoder.counters().compressed_frames, 0u);
}

TEST(FrameDecoder, GarbageBytesBreakTheStream) {
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  std::mt19937_64 rng(5);
  Bytes garbage(1000);
  for (auto& b : garbage) b = static_cast<std::uint8_t>(rng());
  expect_violation(decoder, garbage, FrameViolation::kBadMagic);
  expect_stream_broken(decoder, FrameViolation::kBadMagic);
}

TEST(FrameDecoder, AnHttpRequestIsBadMagic) {
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  expect_violation(decoder, Bytes(get.begin(), get.end()), FrameViolation::kBadMagic);
}

TEST(FrameDecoder, UnknownVersionBreaksTheStream) {
  Bytes frame = ping_frame();
  frame[kFrameVersionOffset] = kFrameVersion + 1;
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, frame, FrameViolation::kUnknownVersion);
  expect_stream_broken(decoder, FrameViolation::kUnknownVersion);
}

TEST(FrameDecoder, UnknownFlagsBreakTheStream) {
  Bytes frame = ping_frame();
  store_u16_le(frame.data() + kFrameFlagsOffset, 0x0002);
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, frame, FrameViolation::kUnknownFlags);
  expect_stream_broken(decoder, FrameViolation::kUnknownFlags);
}

TEST(FrameDecoder, AFourGibLengthPrefixIsRefusedFromTheHeaderAlone) {
  FrameHeader header;
  header.type = static_cast<std::uint8_t>(MessageType::kSnapshotChunkResponse);
  header.payload_bytes = 0xFFFFFFFF;
  header.message_bytes = 0xFFFFFFFF;
  Bytes bytes(kFrameHeaderBytes);
  store_frame_header(header, bytes.data());
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  const std::size_t capacity_before = decoder.buffer_capacity();
  // Nothing beyond the 20 header bytes is needed to refuse it, and the buffer does not grow.
  expect_violation(decoder, bytes, FrameViolation::kPayloadOverMax);
  expect_stream_broken(decoder, FrameViolation::kPayloadOverMax);
  EXPECT_EQ(decoder.buffer_capacity(), capacity_before);
  EXPECT_LE(capacity_before, std::size_t{64} << 10);
}

// A SnapshotChunkResponse whose serialized size is exactly `message_bytes`.
proto::SnapshotChunkResponse chunk_of_size(std::size_t message_bytes) {
  proto::SnapshotChunkResponse chunk;
  chunk.set_content_hash(std::string(32, '\x07'));
  chunk.set_chunk_count(1);
  std::size_t data_bytes = message_bytes - 64;
  for (int attempt = 0; attempt < 4; ++attempt) {
    chunk.set_data(std::string(data_bytes, '\x09'));
    const std::size_t size = chunk.ByteSizeLong();
    if (size == message_bytes) break;
    data_bytes = data_bytes + message_bytes - size;
  }
  EXPECT_EQ(chunk.ByteSizeLong(), message_bytes);
  return chunk;
}

void exactly_max_and_one_over(const FrameLimits& limits) {
  FrameDecoder decoder(limits, kConsensusCodec);
  FrameEncoder encoder(limits);
  const proto::SnapshotChunkResponse at_max = chunk_of_size(limits.max_payload_bytes);
  Bytes frame;
  ASSERT_TRUE(encoder.encode(at_max, &frame).is_ok());
  ASSERT_EQ(frame.size(), kFrameHeaderBytes + limits.max_payload_bytes);
  ASSERT_EQ(feed_and_next(decoder, frame), DecodeOutcome::kMessage)
      << decoder.violation_status().to_string();
  EXPECT_EQ(decoder.messages().snapshot_chunk_response.data().size(), at_max.data().size());
  EXPECT_LE(decoder.buffer_capacity(), frame.size());

  // The encoder refuses to build one byte more...
  const proto::SnapshotChunkResponse over = chunk_of_size(limits.max_payload_bytes + 1);
  Bytes refused;
  const Status status = encoder.encode(over, &refused);
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(refused.empty());
  // ...and the decoder refuses it from its header when someone else builds it.
  const std::string over_bytes = over.SerializeAsString();
  const Bytes serialized(over_bytes.begin(), over_bytes.end());
  const Bytes over_frame =
      raw_frame(static_cast<std::uint8_t>(MessageType::kSnapshotChunkResponse), serialized);
  expect_violation(decoder, Bytes(over_frame.begin(), over_frame.begin() + kFrameHeaderBytes),
                   FrameViolation::kPayloadOverMax);
  EXPECT_LE(decoder.buffer_capacity(), frame.size());
}

TEST(FrameDecoder, AFrameOfExactlyTheMaximumIsAcceptedAndOneByteOverIsRefused) {
  FrameLimits limits = never_compress();
  limits.max_payload_bytes = 1 << 20;
  limits.max_message_bytes = 1 << 20;
  exactly_max_and_one_over(limits);
}

TEST(FrameDecoder, TheProtocolMaximumFrameIsAcceptedAndOneByteOverIsRefused) {
  exactly_max_and_one_over(never_compress());
}

TEST(FrameDecoder, BadCrcDropsTheFrameAndReadsOn) {
  const auto all = every_message();
  ASSERT_EQ(all[5].first, MessageType::kTransactionBatch);
  Bytes frame = frame_of(*all[5].second, MessageType::kTransactionBatch);
  frame[kFrameHeaderBytes + 10] ^= 0x01;
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, frame, FrameViolation::kBadCrc);
  expect_reads_on(decoder);
}

TEST(FrameDecoder, AFrameFedByteByByteWithABadCrcIsRefusedOnlyAtItsLastByte) {
  Bytes frame = ping_frame();
  frame[kFrameCrcOffset] ^= 0xFF;
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
    ASSERT_EQ(decoder.feed(ByteSpan(&frame[i], 1)), 1u);
    ASSERT_EQ(decoder.next(), DecodeOutcome::kNeedMore);
  }
  ASSERT_EQ(decoder.feed(ByteSpan(&frame.back(), 1)), 1u);
  EXPECT_EQ(decoder.next(), DecodeOutcome::kViolation);
  EXPECT_EQ(decoder.last_violation(), FrameViolation::kBadCrc);
}

TEST(FrameDecoder, UnknownTypeDropsTheFrameAndReadsOn) {
  const std::uint8_t payload[] = {0x08, 0x01};
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, raw_frame(0, payload), FrameViolation::kUnknownType);
  expect_reads_on(decoder);
  ASSERT_EQ(feed_and_next(decoder, raw_frame(kMaxMessageType + 1, payload)),
            DecodeOutcome::kViolation);
  EXPECT_EQ(decoder.counters().violation(FrameViolation::kUnknownType), 2u);
}

TEST(FrameDecoder, UncompressedFrameWithADifferentMessageLengthIsRefused) {
  const std::uint8_t payload[] = {0x08, 0x01};
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, raw_frame(static_cast<std::uint8_t>(MessageType::kPing), payload, 0, 3),
                   FrameViolation::kBadMessageLength);
  expect_reads_on(decoder);
}

// A compressed SnapshotChunkResponse of `message_bytes` zeros (about 1,000:1).
Bytes zero_bomb(std::size_t message_bytes) {
  FrameLimits limits = always_try_compress();
  limits.max_message_bytes = kMaxFrameMessageBytes;
  proto::SnapshotChunkResponse chunk = chunk_of_size(message_bytes);
  chunk.set_data(std::string(chunk.data().size(), '\0'));
  Bytes frame = frame_of(chunk, MessageType::kSnapshotChunkResponse, limits);
  EXPECT_EQ(load_frame_header(frame.data()).flags, kFrameFlagCompressed);
  EXPECT_LT(frame.size(), message_bytes / 100);
  return frame;
}

TEST(FrameDecoder, ACompressedFrameDeclaringMoreThanTheBoundIsRefused) {
  const Bytes bomb = zero_bomb(16 << 20);
  FrameLimits limits;
  limits.max_message_bytes = 1 << 20;
  FrameDecoder decoder(limits, kConsensusCodec);
  expect_violation(decoder, bomb, FrameViolation::kDecompressionBound);
  expect_reads_on(decoder);
}

TEST(FrameDecoder, ACompressedFrameInflatingPastWhatItDeclaresIsRefused) {
  // The header claims 1,000 bytes; the payload inflates to 16 MiB. The decoder inflates into a
  // 1,000-byte buffer and stops there.
  Bytes bomb = zero_bomb(16 << 20);
  store_u32_le(bomb.data() + kFrameMessageBytesOffset, 1000);
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, bomb, FrameViolation::kDecompressionBound);
  expect_reads_on(decoder);
}

TEST(FrameDecoder, ACorruptDeflateStreamIsRefused) {
  // 0xFF...: a DEFLATE block header of type 3, which does not exist.
  const Bytes payload(64, 0xFF);
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(
      decoder,
      raw_frame(static_cast<std::uint8_t>(MessageType::kPing), payload, kFrameFlagCompressed, 1000),
      FrameViolation::kBadCompressedData);
  expect_reads_on(decoder);
}

TEST(FrameDecoder, ADeflateStreamEndingShortOfItsDeclaredSizeIsRefused) {
  Bytes frame = zero_bomb(1 << 20);
  const FrameHeader header = load_frame_header(frame.data());
  store_u32_le(frame.data() + kFrameMessageBytesOffset, header.message_bytes + 1);
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, frame, FrameViolation::kBadCompressedData);
  expect_reads_on(decoder);
}

TEST(FrameDecoder, ProtobufThatDoesNotParseIsRefused) {
  // Field 1 as a length-delimited field that claims 100 bytes, with 2 present.
  const std::uint8_t payload[] = {0x0A, 0x64, 0x01, 0x02};
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, raw_frame(static_cast<std::uint8_t>(MessageType::kVote), payload),
                   FrameViolation::kProtobufParse);
  expect_reads_on(decoder);
}

void expect_canonical_violation(const google::protobuf::MessageLite& message, MessageType type,
                                std::string_view field) {
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  expect_violation(decoder, frame_of(message, type), FrameViolation::kCanonicalDecode);
  EXPECT_NE(decoder.violation_status().message().find(field), std::string_view::npos)
      << decoder.violation_status().to_string();
  expect_reads_on(decoder);
}

TEST(FrameDecoder, CanonicalBytesThatDoNotDecodeAreRefusedNamingTheField) {
  proto::TransactionBatch batch;
  const std::string tx = encoded_string(signed_transfer(key(2), 1));
  batch.add_transactions(tx);
  batch.add_transactions(tx.substr(0, tx.size() - 1));
  expect_canonical_violation(batch, MessageType::kTransactionBatch,
                             "transaction_batch.transactions[1]: tx: ");

  proto::VoteMessage vote;
  vote.set_vote(as_string(encoded_vote()).substr(1));
  expect_canonical_violation(vote, MessageType::kVote, "vote.vote: vote: expected 120 bytes");

  proto::ProposalMessage proposal;
  std::string proposal_bytes = as_string(encoded_proposal());
  proposal_bytes[0] = 9;  // version
  proposal.set_proposal(proposal_bytes);
  expect_canonical_violation(proposal, MessageType::kProposal, "unknown version 9");

  proto::CommitCertificateMessage certificate;
  certificate.set_certificate(encoded_string(sample_certificate(sample_block(1, 1))) + "x");
  expect_canonical_violation(certificate, MessageType::kCommitCertificate, "certificate: ");

  const Block block = sample_block(3, 2);
  proto::BlockRangeResponse response;
  proto::BlockEntry* entry = response.add_blocks();
  entry->set_block(encoded_string(block));
  entry->set_certificate(encoded_string(sample_certificate(block)));
  entry = response.add_blocks();
  std::string block_bytes = encoded_string(block);
  block_bytes.resize(block_bytes.size() - 5);
  entry->set_block(block_bytes);
  entry->set_certificate(encoded_string(sample_certificate(block)));
  expect_canonical_violation(response, MessageType::kBlockRangeResponse, "blocks[1].block: ");
  response.mutable_blocks(1)->set_header(std::string(191, '\0'));
  expect_canonical_violation(response, MessageType::kBlockRangeResponse, "blocks[1].header: ");
  response.mutable_blocks(1)->clear_header();
  expect_canonical_violation(response, MessageType::kBlockRangeResponse,
                             "blocks[1]: neither header nor block");
  response.mutable_blocks(1)->set_block(encoded_string(block));
  response.mutable_blocks(1)->clear_certificate();
  expect_canonical_violation(response, MessageType::kBlockRangeResponse, "blocks[1].certificate: ");

  proto::Hello hello;
  hello.set_node_pubkey(std::string(32, '\x01'));
  hello.set_nonce(std::string(31, '\x02'));
  expect_canonical_violation(hello, MessageType::kHello, "hello.nonce: 31 bytes, expected 32");

  proto::HelloAuth auth;
  auth.set_signature(std::string(65, '\x03'));
  expect_canonical_violation(auth, MessageType::kHelloAuth, "hello_auth.signature: 65 bytes");

  proto::PeerExchange peers;
  proto::PeerAddress* peer = peers.add_peers();
  peer->set_node_pubkey(std::string(32, '\x01'));
  peer->set_address(std::string(16, '\x00'));
  peer->set_port(70000);
  expect_canonical_violation(peers, MessageType::kPeerExchange, "peers[0].port: 70000");

  proto::SnapshotChunkResponse chunk;
  chunk.set_content_hash(std::string(32, '\x01'));
  chunk.set_chunk_index(4);
  chunk.set_chunk_count(4);
  expect_canonical_violation(chunk, MessageType::kSnapshotChunkResponse, "chunk_index 4");

  proto::Disconnect disconnect;
  disconnect.set_detail(std::string(kMaxDisconnectDetailBytes + 1, 'x'));
  expect_canonical_violation(disconnect, MessageType::kDisconnect, "disconnect.detail: 257 bytes");

  proto::TipStatus tip;
  tip.set_height(812);
  tip.set_block_hash(std::string(31, '\x66'));
  expect_canonical_violation(tip, MessageType::kTipStatus,
                             "tip_status.block_hash: 31 bytes, expected 32");
}

TEST(FrameDecoder, CountsEachViolationKindOnItsOwnCounter) {
  FrameDecoder decoder(FrameLimits(), kConsensusCodec);
  const std::uint8_t ping_payload[] = {0x08, 0x01};
  Bytes bad_crc = ping_frame();
  bad_crc[kFrameCrcOffset] ^= 1;
  const std::uint8_t unparsable[] = {0x0A, 0x64};
  proto::VoteMessage short_vote;
  short_vote.set_vote("x");
  const std::vector<Bytes> frames = {
      bad_crc,
      bad_crc,
      raw_frame(99, ping_payload),
      raw_frame(static_cast<std::uint8_t>(MessageType::kVote), unparsable),
      frame_of(short_vote, MessageType::kVote),
      ping_frame(),
  };
  for (const Bytes& frame : frames) ASSERT_EQ(decoder.feed(frame), frame.size());
  std::vector<DecodeOutcome> outcomes;
  for (DecodeOutcome o; (o = decoder.next()) != DecodeOutcome::kNeedMore;) outcomes.push_back(o);
  ASSERT_EQ(outcomes.size(), frames.size());
  EXPECT_EQ(outcomes.back(), DecodeOutcome::kMessage);
  EXPECT_EQ(decoder.counters().violation(FrameViolation::kBadCrc), 2u);
  EXPECT_EQ(decoder.counters().violation(FrameViolation::kUnknownType), 1u);
  EXPECT_EQ(decoder.counters().violation(FrameViolation::kProtobufParse), 1u);
  EXPECT_EQ(decoder.counters().violation(FrameViolation::kCanonicalDecode), 1u);
  EXPECT_EQ(decoder.counters().violation(FrameViolation::kBadMagic), 0u);
  EXPECT_EQ(decoder.counters().messages(MessageType::kPing), 1u);
}

TEST(FrameDecoder, ViolationNamesAreDistinct) {
  std::set<std::string_view> names;
  for (std::size_t v = 0; v < kFrameViolationCount; ++v) {
    names.insert(frame_violation_name(static_cast<FrameViolation>(v)));
  }
  EXPECT_EQ(names.size(), kFrameViolationCount);
  EXPECT_EQ(names.count("unknown"), 0u);
}

}  // namespace
}  // namespace tc::net

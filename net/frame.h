// The P2P frame: a fixed 20-byte header (magic, version, message type, flags, lengths, CRC32C of
// the payload) followed by one Protocol Buffers message of net/proto/p2p.proto, compressed with
// ISA-L igzip (raw DEFLATE) when it is larger than a threshold. Byte layout: docs/formats/p2p.md.
//
// FrameEncoder turns a message into frame bytes; FrameDecoder takes bytes from a TCP stream in any
// split, finds whole frames in a bounded buffer, checks each (header, length, CRC, decompression
// bound, Protobuf parse, the canonical bytes inside) and hands out parsed messages, counting every
// violation by kind. Both keep their buffers and message objects from frame to frame, so the steady
// state allocates nothing except where Protobuf grows a field past what an earlier frame needed.
// One encoder and one decoder belong to one connection and one thread; neither is thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/bytes.h"
#include "core/metrics.h"
#include "core/status.h"
#include "net/proto/p2p.pb.h"

struct inflate_state;
struct isal_zstream;

namespace tc::net {

// ---- Layout constants (docs/formats/p2p.md)
// ---------------------------------------------------------------

// Header: magic u32 | version u8 | type u8 | flags u16 | payload_bytes u32 | message_bytes u32 |
// payload_crc32c u32, little-endian. payload_bytes follow the header; message_bytes is the size of
// the Protobuf message once inflated (equal to payload_bytes when the frame is not compressed).
inline constexpr std::size_t kFrameHeaderBytes = 20;
inline constexpr std::size_t kFrameMagicOffset = 0;
inline constexpr std::size_t kFrameVersionOffset = 4;
inline constexpr std::size_t kFrameTypeOffset = 5;
inline constexpr std::size_t kFrameFlagsOffset = 6;
inline constexpr std::size_t kFramePayloadBytesOffset = 8;
inline constexpr std::size_t kFrameMessageBytesOffset = 12;
inline constexpr std::size_t kFrameCrcOffset = 16;
// "TCP2" in stream order.
inline constexpr std::uint32_t kFrameMagic = 0x32504354;
inline constexpr std::uint8_t kFrameVersion = 1;
// Flag bit 0: the payload is raw DEFLATE (RFC 1951) of the message. Every other bit must be zero.
inline constexpr std::uint16_t kFrameFlagCompressed = 0x0001;
inline constexpr std::uint16_t kFrameFlagsKnown = kFrameFlagCompressed;

// Protocol bounds. The largest message is a proposal of the largest block (64 MiB of block bytes,
// consensus::kMaxProposalPayloadBytes, plus its 124-byte header and the envelope); one MiB covers
// the envelope with room to spare. A peer may configure lower limits, never higher ones.
inline constexpr std::uint32_t kMaxFramePayloadBytes = (64u << 20) + (1u << 20);
inline constexpr std::uint32_t kMaxFrameMessageBytes = kMaxFramePayloadBytes;
// Messages at or below this size are sent uncompressed. Measured (docs/benchmarks.md, "Where
// compression starts to pay"): igzip level 1 costs about 6-8 µs per frame however small, so below
// 4 KiB it saves 5-15 % of a transaction batch or block with distinct keys and slows any connection
// whose link is faster than 30-190 MB/s; from 4 KiB up it saves 17-20 % (47-70 % on loadgen's
// repetitive transfers) and pays on links up to about 190-420 MB/s per connection.
inline constexpr std::uint32_t kDefaultCompressionThresholdBytes = 4096;
// Longest Disconnect.detail a peer may send.
inline constexpr std::size_t kMaxDisconnectDetailBytes = 256;

// The frame types; the value is the header's type byte. Each carries one message of p2p.proto.
enum class MessageType : std::uint8_t {
  kHello = 1,                 // proto::Hello
  kHelloAuth = 2,             // proto::HelloAuth
  kProposal = 3,              // proto::ProposalMessage
  kVote = 4,                  // proto::VoteMessage
  kCommitCertificate = 5,     // proto::CommitCertificateMessage
  kTransactionBatch = 6,      // proto::TransactionBatch
  kBlockRangeRequest = 7,     // proto::BlockRangeRequest
  kBlockRangeResponse = 8,    // proto::BlockRangeResponse
  kSnapshotChunkRequest = 9,  // proto::SnapshotChunkRequest
  kSnapshotChunkResponse = 10,
  kPeerExchange = 11,
  kPing = 12,
  kPong = 13,
  kDisconnect = 14,
  kTipStatus = 15,
};
inline constexpr std::uint8_t kMinMessageType = 1;
inline constexpr std::uint8_t kMaxMessageType = 15;

// "hello", "hello_auth", "proposal", ... ; stable, used in metrics. "unknown" outside the range.
std::string_view message_type_name(MessageType type);

// The frame type of each p2p.proto message, for FrameEncoder::encode.
// clang-format off
template <typename Message>
inline constexpr MessageType kMessageTypeOf = Message::kFrameTypeIsNotDefinedForThisMessage;
template <> inline constexpr MessageType kMessageTypeOf<proto::Hello> = MessageType::kHello;
template <> inline constexpr MessageType kMessageTypeOf<proto::HelloAuth> = MessageType::kHelloAuth;
template <> inline constexpr MessageType kMessageTypeOf<proto::ProposalMessage> = MessageType::kProposal;
template <> inline constexpr MessageType kMessageTypeOf<proto::VoteMessage> = MessageType::kVote;
template <> inline constexpr MessageType kMessageTypeOf<proto::CommitCertificateMessage> = MessageType::kCommitCertificate;
template <> inline constexpr MessageType kMessageTypeOf<proto::TransactionBatch> = MessageType::kTransactionBatch;
template <> inline constexpr MessageType kMessageTypeOf<proto::BlockRangeRequest> = MessageType::kBlockRangeRequest;
template <> inline constexpr MessageType kMessageTypeOf<proto::BlockRangeResponse> = MessageType::kBlockRangeResponse;
template <> inline constexpr MessageType kMessageTypeOf<proto::SnapshotChunkRequest> = MessageType::kSnapshotChunkRequest;
template <> inline constexpr MessageType kMessageTypeOf<proto::SnapshotChunkResponse> = MessageType::kSnapshotChunkResponse;
template <> inline constexpr MessageType kMessageTypeOf<proto::PeerExchange> = MessageType::kPeerExchange;
template <> inline constexpr MessageType kMessageTypeOf<proto::Ping> = MessageType::kPing;
template <> inline constexpr MessageType kMessageTypeOf<proto::Pong> = MessageType::kPong;
template <> inline constexpr MessageType kMessageTypeOf<proto::Disconnect> = MessageType::kDisconnect;
template <> inline constexpr MessageType kMessageTypeOf<proto::TipStatus> = MessageType::kTipStatus;
// clang-format on

// The header's fields, as read or to be written. `type` is the raw byte so that a decoded header
// can hold a type this build does not know.
struct FrameHeader {
  std::uint32_t magic = kFrameMagic;
  std::uint8_t version = kFrameVersion;
  std::uint8_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t payload_bytes = 0;
  std::uint32_t message_bytes = 0;
  std::uint32_t payload_crc32c = 0;
};

// Writes `header` as its kFrameHeaderBytes bytes at `out`, checking nothing (tests build hostile
// frames with it). REQUIRES: out has kFrameHeaderBytes bytes.
void store_frame_header(const FrameHeader& header, std::uint8_t* out);
// Reads the header fields from `in`, checking nothing. REQUIRES: in has kFrameHeaderBytes bytes.
FrameHeader load_frame_header(const std::uint8_t* in);

// CRC32C (Castagnoli, the iSCSI polynomial, as in RFC 3720 with the usual pre- and post-inversion)
// of `bytes`, through ISA-L's crc32_iscsi. CRC32C("123456789") = 0xE3069283.
std::uint32_t crc32c(ByteSpan bytes);

// The bounds one side enforces. Defaults are the protocol bounds; tests and constrained peers lower
// them.
struct FrameLimits {
  std::uint32_t max_payload_bytes = kMaxFramePayloadBytes;  // bytes after the header, as sent
  std::uint32_t max_message_bytes = kMaxFrameMessageBytes;  // the message, after inflating
  // Encoder only: a larger message is compressed (ConnectionConfig::limits carries it, so each
  // connection can be set; kMaxFrameMessageBytes turns compression off).
  std::uint32_t compression_threshold_bytes = kDefaultCompressionThresholdBytes;
};

// ---- Encoder
// ------------------------------------------------------------------------------------

// Builds frames. A message larger than compression_threshold_bytes is compressed with igzip
// level 1, and sent compressed only when that is smaller; anything else goes as it is.
class FrameEncoder {
 public:
  explicit FrameEncoder(const FrameLimits& limits = FrameLimits());
  ~FrameEncoder();
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  // Appends one frame carrying `message` to *out. Error, kOutOfRange: the serialized message is
  // above max_message_bytes or its payload above max_payload_bytes (*out unchanged). Does not check
  // the canonical bytes inside: the sender built them with the codecs.
  template <typename Message>
  Status encode(const Message& message, Bytes* out) {
    return encode_message(kMessageTypeOf<Message>, message, out);
  }

  // As encode(), for a type chosen at run time. REQUIRES: `message` is the type's p2p.proto
  // message.
  Status encode_message(MessageType type, const google::protobuf::MessageLite& message, Bytes* out);

  // Payload bytes the last successful encode() wrote (after compression) and whether it compressed.
  std::size_t last_payload_bytes() const { return last_payload_bytes_; }
  bool last_compressed() const { return last_compressed_; }

 private:
  // igzip level 1 of `message` into `out` (out_bytes long); returns the compressed size, or 0 when
  // it does not fit. encode_message passes message.size() - 1, so a result is always smaller.
  std::size_t compress(ByteSpan message, std::uint8_t* out, std::size_t out_bytes);

  FrameLimits limits_;
  Bytes message_buffer_;                          // the serialized message, reused
  std::unique_ptr<isal_zstream> deflate_stream_;  // igzip state (80 KiB), allocated once
  std::unique_ptr<std::uint8_t[]> level_buffer_;  // igzip level-1 working memory, allocated once
  std::size_t last_payload_bytes_ = 0;
  bool last_compressed_ = false;
};

// ---- Decoder
// ------------------------------------------------------------------------------------

// One value per way a peer's bytes can break the frame protocol. The first four break the stream:
// the decoder cannot trust the header, so cannot tell where the next frame starts, and refuses
// every later byte. The others spoil only their frame, which is dropped whole once its payload has
// arrived; the decoder goes on with the next one. Either way the peer sent something no correct
// peer sends, and the caller decides what follows (close, score, ban).
enum class FrameViolation : std::uint8_t {
  kBadMagic,            // the first 4 bytes of a header are not kFrameMagic
  kUnknownVersion,      // the version byte is not kFrameVersion
  kUnknownFlags,        // a flag bit other than kFrameFlagCompressed is set
  kPayloadOverMax,      // payload_bytes above max_payload_bytes (a 4 GiB length prefix lands here)
  kUnknownType,         // the type byte names no message
  kBadMessageLength,    // message_bytes differs from payload_bytes in an uncompressed frame
  kDecompressionBound,  // a compressed frame declares more than max_message_bytes, or inflates to
                        // more than it declares
  kBadCrc,              // the payload's CRC32C differs from the header's
  kBadCompressedData,   // the DEFLATE stream is corrupt or ends short of message_bytes
  kProtobufParse,       // the message does not parse as its type's p2p.proto message
  kCanonicalDecode,     // canonical bytes inside do not decode, or a fixed-size field is mis-sized
  kCount
};
inline constexpr std::size_t kFrameViolationCount =
    static_cast<std::size_t>(FrameViolation::kCount);

// "bad_magic", "unknown_version", ... ; stable, used in metrics.
std::string_view frame_violation_name(FrameViolation violation);
// True for the violations after which the stream cannot be read on (the first four).
bool breaks_stream(FrameViolation violation);

// How the decoder checks the canonical bytes of votes and proposals. Their codec lives in
// consensus/, which net/ does not include (core <- net, consensus beside it), so the caller that
// wires both (node/) passes consensus::decode_vote / decode_proposal in, adapted to return only
// their Status. Both must be set and must not allocate on success.
struct ConsensusCodec {
  Status (*check_vote)(ByteSpan bytes) = nullptr;
  Status (*check_proposal)(ByteSpan bytes) = nullptr;
};

// One reusable message object per frame type. After FrameDecoder::next() returns kMessage, the one
// of that type holds the message until the next call.
struct InboundMessages {
  proto::Hello hello;
  proto::HelloAuth hello_auth;
  proto::ProposalMessage proposal;
  proto::VoteMessage vote;
  proto::CommitCertificateMessage commit_certificate;
  proto::TransactionBatch transaction_batch;
  proto::BlockRangeRequest block_range_request;
  proto::BlockRangeResponse block_range_response;
  proto::SnapshotChunkRequest snapshot_chunk_request;
  proto::SnapshotChunkResponse snapshot_chunk_response;
  proto::PeerExchange peer_exchange;
  proto::Ping ping;
  proto::Pong pong;
  proto::Disconnect disconnect;
  proto::TipStatus tip_status;

  // The member that holds messages of `type`: the one switch from type to message, for the decoder
  // and for whoever reads what it decoded. REQUIRES: type is one of MessageType's values.
  google::protobuf::MessageLite& of(MessageType type);
  const google::protobuf::MessageLite& of(MessageType type) const {
    return const_cast<InboundMessages*>(this)->of(type);
  }
};

// What the decoder has counted, by the decoder's thread only.
struct FrameDecoderCounters {
  CounterSet<FrameViolation> violations;
  std::array<std::uint64_t, kMaxMessageType + 1> messages_by_type{};  // indexed by the type byte
  std::uint64_t bytes = 0;                                            // stream bytes taken in
  std::uint64_t compressed_frames = 0;  // accepted frames that were compressed
  std::uint64_t inflated_bytes = 0;     // message bytes those inflated to

  std::uint64_t violation(FrameViolation v) const { return violations.get(v); }
  std::uint64_t messages(MessageType type) const {
    return messages_by_type[static_cast<std::uint8_t>(type)];
  }
};

enum class DecodeOutcome : std::uint8_t {
  kNeedMore,   // no whole frame is buffered: feed more bytes
  kMessage,    // a frame was accepted: message_type() and messages() describe it
  kViolation,  // a frame was refused: last_violation() and violation_status() say why
};

// Reads frames out of one peer's byte stream. The buffer holds at most one header plus the
// current frame's payload plus read-ahead, and grows (once, then stays) only to the size of the
// largest frame the peer has announced within the limits, so a length prefix can never make it
// allocate more than max_payload_bytes + kFrameHeaderBytes.
class FrameDecoder {
 public:
  // REQUIRES: both consensus checks set.
  FrameDecoder(const FrameLimits& limits, const ConsensusCodec& consensus_codec);
  ~FrameDecoder();
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // Room at the end of the buffer to read stream bytes into (a socket read writes here directly),
  // then commit(n) for the n bytes written. Empty when the buffered bytes already make a whole
  // frame (call next() first) or after a stream-breaking violation. The span is valid until the
  // next call on this decoder.
  MutableByteSpan write_space();
  // REQUIRES: n <= write_space().size() of the span just returned.
  void commit(std::size_t n);
  // Copies as many of `bytes` as fit (write_space, commit) and returns how many; the caller feeds
  // the rest after next() has taken frames out. Returns 0 once the stream is broken.
  std::size_t feed(ByteSpan bytes);

  // Takes the next whole frame out of the buffer, if there is one, and checks it. A violation is
  // counted once; a stream-breaking one is then returned by every later call without counting
  // again, and no bytes are accepted after it.
  DecodeOutcome next();

  // After kMessage: the frame's type; the message is in messages() under that type's member.
  MessageType message_type() const { return message_type_; }
  const InboundMessages& messages() const { return messages_; }
  // After kViolation: the kind, and a kMalformed Status naming it with its context ("frame at
  // stream offset 40: bad_crc: payload CRC32C 0x1a2b3c4d, header says 0x00000000").
  FrameViolation last_violation() const { return last_violation_; }
  const Status& violation_status() const { return violation_status_; }
  bool stream_broken() const { return stream_broken_; }

  const FrameDecoderCounters& counters() const { return counters_; }
  // Bytes the stream buffer holds allocated (for tests of the bound).
  std::size_t buffer_capacity() const { return buffer_capacity_; }

 private:
  // Counts `violation`, records its Status and, for a stream-breaking one, stops the stream.
  DecodeOutcome refuse(FrameViolation violation, std::string detail);
  // The checks after the header's framing fields passed and the whole payload is buffered: type,
  // lengths, CRC, inflate, then parse_message.
  DecodeOutcome accept_frame(const FrameHeader& header, const std::uint8_t* payload);
  // Parses `message` into its type's member of messages_ and checks its canonical bytes.
  DecodeOutcome parse_message(MessageType type, ByteSpan message);
  // Empty when every canonical field of the message just parsed decodes, otherwise which field
  // failed and why ("transactions[3]: tx: truncated ...").
  std::string check_canonical(MessageType type);
  void reserve(std::size_t bytes);  // grows the stream buffer to at least `bytes`, keeping content

  FrameLimits limits_;
  ConsensusCodec consensus_codec_;
  InboundMessages messages_;
  FrameDecoderCounters counters_;

  // Stream buffer: bytes [read_offset_, write_offset_) are received and not yet taken.
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t buffer_capacity_ = 0;
  std::size_t read_offset_ = 0;
  std::size_t write_offset_ = 0;
  std::uint64_t stream_offset_ = 0;  // stream position of buffer_[read_offset_], for messages

  std::unique_ptr<std::uint8_t[]> inflate_buffer_;  // inflated messages, grow-only
  std::size_t inflate_capacity_ = 0;
  std::unique_ptr<inflate_state> inflate_state_;

  MessageType message_type_ = MessageType::kPing;
  FrameViolation last_violation_ = FrameViolation::kCount;
  Status violation_status_;
  bool stream_broken_ = false;
};

}  // namespace tc::net

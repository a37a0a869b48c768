#include "net/frame.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/codec.h"

namespace tc::net {
namespace {

// The stream buffer starts this large (or at one whole maximum frame, when that is smaller) and
// grows only for a frame that needs more.
constexpr std::size_t kInitialBufferBytes = 64 << 10;

std::string hex32(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

template <std::size_t N>
std::string check_size(const std::string& bytes, const char* field) {
  if (bytes.size() == N) return {};
  return std::string(field) + ": " + std::to_string(bytes.size()) + " bytes, expected " +
         std::to_string(N);
}

ByteSpan span_of(const std::string& bytes) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

std::string check_transaction(const std::string& bytes, const std::string& field) {
  TransactionView view;
  DecodeFailure failure;
  if (decode_transaction_view(span_of(bytes), &view, &failure) == DecodeError::kOk) return {};
  return field + ": " + std::string(decode_failure_status(failure).message());
}

std::string check_block(const std::string& bytes, const std::string& field) {
  BlockView view;
  DecodeFailure failure;
  if (decode_block_view(span_of(bytes), &view, &failure) == DecodeError::kOk) return {};
  return field + ": " + std::string(decode_failure_status(failure).message());
}

std::string check_certificate(const std::string& bytes, const std::string& field) {
  CommitCertificateView view;
  DecodeFailure failure;
  if (decode_certificate_view(span_of(bytes), &view, &failure) == DecodeError::kOk) return {};
  return field + ": " + std::string(decode_failure_status(failure).message());
}

std::string check_with(Status (*check)(ByteSpan), const std::string& bytes, const char* field) {
  const Status status = check(span_of(bytes));
  if (status.is_ok()) return {};
  return std::string(field) + ": " + std::string(status.message());
}

std::string indexed(const char* field, int index) {
  return std::string(field) + "[" + std::to_string(index) + "]";
}

}  // namespace

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kHello:
      return "hello";
    case MessageType::kHelloAuth:
      return "hello_auth";
    case MessageType::kProposal:
      return "proposal";
    case MessageType::kVote:
      return "vote";
    case MessageType::kCommitCertificate:
      return "commit_certificate";
    case MessageType::kTransactionBatch:
      return "transaction_batch";
    case MessageType::kBlockRangeRequest:
      return "block_range_request";
    case MessageType::kBlockRangeResponse:
      return "block_range_response";
    case MessageType::kSnapshotChunkRequest:
      return "snapshot_chunk_request";
    case MessageType::kSnapshotChunkResponse:
      return "snapshot_chunk_response";
    case MessageType::kPeerExchange:
      return "peer_exchange";
    case MessageType::kPing:
      return "ping";
    case MessageType::kPong:
      return "pong";
    case MessageType::kDisconnect:
      return "disconnect";
    case MessageType::kTipStatus:
      return "tip_status";
  }
  return "unknown";
}

std::string_view frame_violation_name(FrameViolation violation) {
  switch (violation) {
    case FrameViolation::kBadMagic:
      return "bad_magic";
    case FrameViolation::kUnknownVersion:
      return "unknown_version";
    case FrameViolation::kUnknownFlags:
      return "unknown_flags";
    case FrameViolation::kPayloadOverMax:
      return "payload_over_max";
    case FrameViolation::kUnknownType:
      return "unknown_type";
    case FrameViolation::kBadMessageLength:
      return "bad_message_length";
    case FrameViolation::kDecompressionBound:
      return "decompression_bound";
    case FrameViolation::kBadCrc:
      return "bad_crc";
    case FrameViolation::kBadCompressedData:
      return "bad_compressed_data";
    case FrameViolation::kProtobufParse:
      return "protobuf_parse";
    case FrameViolation::kCanonicalDecode:
      return "canonical_decode";
    case FrameViolation::kCount:
      break;
  }
  return "unknown";
}

bool breaks_stream(FrameViolation violation) {
  return violation == FrameViolation::kBadMagic || violation == FrameViolation::kUnknownVersion ||
         violation == FrameViolation::kUnknownFlags || violation == FrameViolation::kPayloadOverMax;
}

void store_frame_header(const FrameHeader& header, std::uint8_t* out) {
  store_u32_le(out + kFrameMagicOffset, header.magic);
  out[kFrameVersionOffset] = header.version;
  out[kFrameTypeOffset] = header.type;
  store_u16_le(out + kFrameFlagsOffset, header.flags);
  store_u32_le(out + kFramePayloadBytesOffset, header.payload_bytes);
  store_u32_le(out + kFrameMessageBytesOffset, header.message_bytes);
  store_u32_le(out + kFrameCrcOffset, header.payload_crc32c);
}

FrameHeader load_frame_header(const std::uint8_t* in) {
  FrameHeader header;
  header.magic = load_u32_le(in + kFrameMagicOffset);
  header.version = in[kFrameVersionOffset];
  header.type = in[kFrameTypeOffset];
  header.flags = load_u16_le(in + kFrameFlagsOffset);
  header.payload_bytes = load_u32_le(in + kFramePayloadBytesOffset);
  header.message_bytes = load_u32_le(in + kFrameMessageBytesOffset);
  header.payload_crc32c = load_u32_le(in + kFrameCrcOffset);
  return header;
}

std::uint32_t crc32c(ByteSpan bytes) {
  // crc32_iscsi neither pre- nor post-inverts; CRC32C does both.
  return ~crc32_iscsi(const_cast<std::uint8_t*>(bytes.data()), static_cast<int>(bytes.size()),
                      0xFFFFFFFFu);
}

// ---- FrameEncoder
// ---------------------------------------------------------------------------------

FrameEncoder::FrameEncoder(const FrameLimits& limits)
    : limits_(limits),
      deflate_stream_(std::make_unique<isal_zstream>()),
      level_buffer_(std::make_unique<std::uint8_t[]>(ISAL_DEF_LVL1_DEFAULT)) {}

FrameEncoder::~FrameEncoder() = default;

std::size_t FrameEncoder::compress(ByteSpan message, std::uint8_t* out, std::size_t out_bytes) {
  isal_zstream& stream = *deflate_stream_;
  isal_deflate_stateless_init(&stream);
  stream.level = 1;
  stream.level_buf = level_buffer_.get();
  stream.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
  stream.gzip_flag = IGZIP_DEFLATE;
  stream.end_of_stream = 1;
  stream.flush = NO_FLUSH;
  stream.next_in = const_cast<std::uint8_t*>(message.data());
  stream.avail_in = static_cast<std::uint32_t>(message.size());
  stream.next_out = out;
  stream.avail_out = static_cast<std::uint32_t>(out_bytes);
  // STATELESS_OVERFLOW means the result would not be smaller: the frame goes uncompressed.
  if (isal_deflate_stateless(&stream) != COMP_OK) return 0;
  return stream.total_out;
}

Status FrameEncoder::encode_message(MessageType type, const google::protobuf::MessageLite& message,
                                    Bytes* out) {
  const std::size_t message_bytes = message.ByteSizeLong();
  if (message_bytes > limits_.max_message_bytes) {
    return out_of_range(std::string(message_type_name(type)) + " message of " +
                        std::to_string(message_bytes) + " bytes exceeds the maximum of " +
                        std::to_string(limits_.max_message_bytes));
  }
  const std::size_t start = out->size();
  FrameHeader header;
  header.type = static_cast<std::uint8_t>(type);
  header.message_bytes = static_cast<std::uint32_t>(message_bytes);
  std::size_t payload_bytes = message_bytes;
  if (message_bytes > limits_.compression_threshold_bytes) {
    message_buffer_.resize(message_bytes);
    message.SerializeWithCachedSizesToArray(message_buffer_.data());
    out->resize(start + kFrameHeaderBytes + message_bytes);
    std::uint8_t* payload = out->data() + start + kFrameHeaderBytes;
    const std::size_t compressed = compress(message_buffer_, payload, message_bytes - 1);
    if (compressed != 0) {
      payload_bytes = compressed;
      header.flags = kFrameFlagCompressed;
    } else {
      std::memcpy(payload, message_buffer_.data(), message_bytes);
    }
  } else {
    out->resize(start + kFrameHeaderBytes + message_bytes);
    message.SerializeWithCachedSizesToArray(out->data() + start + kFrameHeaderBytes);
  }
  if (payload_bytes > limits_.max_payload_bytes) {
    out->resize(start);
    return out_of_range(std::string(message_type_name(type)) + " payload of " +
                        std::to_string(payload_bytes) + " bytes exceeds the maximum of " +
                        std::to_string(limits_.max_payload_bytes));
  }
  out->resize(start + kFrameHeaderBytes + payload_bytes);
  header.payload_bytes = static_cast<std::uint32_t>(payload_bytes);
  header.payload_crc32c = crc32c(ByteSpan(out->data() + start + kFrameHeaderBytes, payload_bytes));
  store_frame_header(header, out->data() + start);
  last_payload_bytes_ = payload_bytes;
  last_compressed_ = header.flags == kFrameFlagCompressed;
  return Status::ok();
}

// ---- FrameDecoder
// ---------------------------------------------------------------------------------

FrameDecoder::FrameDecoder(const FrameLimits& limits, const ConsensusCodec& consensus_codec)
    : limits_(limits),
      consensus_codec_(consensus_codec),
      inflate_state_(std::make_unique<inflate_state>()) {
  TC_CHECK(consensus_codec.check_vote != nullptr && consensus_codec.check_proposal != nullptr,
           "FrameDecoder needs the consensus codec checks");
  reserve(std::min<std::size_t>(kInitialBufferBytes,
                                kFrameHeaderBytes + std::size_t{limits_.max_payload_bytes}));
}

FrameDecoder::~FrameDecoder() = default;

void FrameDecoder::reserve(std::size_t bytes) {
  if (bytes <= buffer_capacity_) return;
  auto grown = std::make_unique_for_overwrite<std::uint8_t[]>(bytes);
  if (write_offset_ > read_offset_) {
    std::memcpy(grown.get(), buffer_.get() + read_offset_, write_offset_ - read_offset_);
  }
  write_offset_ -= read_offset_;
  read_offset_ = 0;
  buffer_ = std::move(grown);
  buffer_capacity_ = bytes;
}

MutableByteSpan FrameDecoder::write_space() {
  if (stream_broken_) return {};
  const std::size_t buffered = write_offset_ - read_offset_;
  // The whole of the frame being received must fit; a header that announces too much is left for
  // next() to refuse, and the buffer never grows for it.
  std::size_t frame_bytes = kFrameHeaderBytes;
  if (buffered >= kFrameHeaderBytes) {
    const std::uint32_t payload_bytes =
        load_u32_le(buffer_.get() + read_offset_ + kFramePayloadBytesOffset);
    if (payload_bytes > limits_.max_payload_bytes) return {};
    frame_bytes += payload_bytes;
  }
  const std::size_t missing = frame_bytes > buffered ? frame_bytes - buffered : 0;
  if (read_offset_ > 0 && buffer_capacity_ - write_offset_ < std::max<std::size_t>(missing, 1)) {
    std::memmove(buffer_.get(), buffer_.get() + read_offset_, buffered);
    read_offset_ = 0;
    write_offset_ = buffered;
  }
  reserve(frame_bytes);
  return MutableByteSpan(buffer_.get() + write_offset_, buffer_capacity_ - write_offset_);
}

void FrameDecoder::commit(std::size_t n) {
  TC_CHECK(write_offset_ + n <= buffer_capacity_, "commit past the write space");
  write_offset_ += n;
  counters_.bytes += n;
}

std::size_t FrameDecoder::feed(ByteSpan bytes) {
  std::size_t taken = 0;
  while (taken < bytes.size()) {
    const MutableByteSpan space = write_space();
    if (space.empty()) break;
    const std::size_t n = std::min(space.size(), bytes.size() - taken);
    std::memcpy(space.data(), bytes.data() + taken, n);
    commit(n);
    taken += n;
  }
  return taken;
}

DecodeOutcome FrameDecoder::refuse(FrameViolation violation, std::string detail) {
  counters_.violations.add(violation);
  last_violation_ = violation;
  violation_status_ = malformed("frame at stream offset " + std::to_string(stream_offset_) + ": " +
                                std::string(frame_violation_name(violation)) + ": " + detail);
  if (breaks_stream(violation)) stream_broken_ = true;
  return DecodeOutcome::kViolation;
}

DecodeOutcome FrameDecoder::next() {
  if (stream_broken_) return DecodeOutcome::kViolation;
  const std::size_t buffered = write_offset_ - read_offset_;
  if (buffered < kFrameHeaderBytes) return DecodeOutcome::kNeedMore;
  const FrameHeader header = load_frame_header(buffer_.get() + read_offset_);
  if (header.magic != kFrameMagic) {
    return refuse(FrameViolation::kBadMagic,
                  "magic " + hex32(header.magic) + ", expected " + hex32(kFrameMagic));
  }
  if (header.version != kFrameVersion) {
    return refuse(FrameViolation::kUnknownVersion, "version " + std::to_string(header.version) +
                                                       ", this node speaks " +
                                                       std::to_string(kFrameVersion));
  }
  if ((header.flags & ~kFrameFlagsKnown) != 0) {
    return refuse(FrameViolation::kUnknownFlags, "flags " + hex32(header.flags));
  }
  if (header.payload_bytes > limits_.max_payload_bytes) {
    return refuse(FrameViolation::kPayloadOverMax,
                  "payload_bytes " + std::to_string(header.payload_bytes) +
                      " exceeds the maximum of " + std::to_string(limits_.max_payload_bytes));
  }
  const std::size_t frame_bytes = kFrameHeaderBytes + std::size_t{header.payload_bytes};
  if (buffered < frame_bytes) return DecodeOutcome::kNeedMore;

  const DecodeOutcome outcome =
      accept_frame(header, buffer_.get() + read_offset_ + kFrameHeaderBytes);
  read_offset_ += frame_bytes;
  stream_offset_ += frame_bytes;
  if (read_offset_ == write_offset_) read_offset_ = write_offset_ = 0;
  return outcome;
}

DecodeOutcome FrameDecoder::accept_frame(const FrameHeader& header, const std::uint8_t* payload) {
  if (header.type < kMinMessageType || header.type > kMaxMessageType) {
    return refuse(FrameViolation::kUnknownType, "type " + std::to_string(header.type));
  }
  const auto type = static_cast<MessageType>(header.type);
  const bool compressed = (header.flags & kFrameFlagCompressed) != 0;
  if (!compressed && header.message_bytes != header.payload_bytes) {
    return refuse(FrameViolation::kBadMessageLength,
                  "uncompressed " + std::string(message_type_name(type)) +
                      " frame: message_bytes " + std::to_string(header.message_bytes) +
                      " != payload_bytes " + std::to_string(header.payload_bytes));
  }
  if (compressed && header.message_bytes > limits_.max_message_bytes) {
    return refuse(FrameViolation::kDecompressionBound,
                  std::string(message_type_name(type)) + " declares message_bytes " +
                      std::to_string(header.message_bytes) + ", above the maximum of " +
                      std::to_string(limits_.max_message_bytes));
  }
  const std::uint32_t crc = crc32c(ByteSpan(payload, header.payload_bytes));
  if (crc != header.payload_crc32c) {
    return refuse(FrameViolation::kBadCrc,
                  "payload CRC32C " + hex32(crc) + ", header says " + hex32(header.payload_crc32c));
  }
  if (!compressed) return parse_message(type, ByteSpan(payload, header.payload_bytes));

  if (header.message_bytes > inflate_capacity_) {
    inflate_buffer_ = std::make_unique_for_overwrite<std::uint8_t[]>(header.message_bytes);
    inflate_capacity_ = header.message_bytes;
  }
  inflate_state& state = *inflate_state_;
  isal_inflate_init(&state);
  state.crc_flag = ISAL_DEFLATE;
  state.next_in = const_cast<std::uint8_t*>(payload);
  state.avail_in = header.payload_bytes;
  state.next_out = inflate_buffer_.get();
  state.avail_out = header.message_bytes;
  const int result = isal_inflate_stateless(&state);
  if (result == ISAL_OUT_OVERFLOW) {
    return refuse(FrameViolation::kDecompressionBound,
                  std::string(message_type_name(type)) + " inflates past its declared " +
                      std::to_string(header.message_bytes) + " bytes");
  }
  if (result != ISAL_DECOMP_OK || state.total_out != header.message_bytes) {
    return refuse(FrameViolation::kBadCompressedData,
                  std::string(message_type_name(type)) + ": igzip inflate returned " +
                      std::to_string(result) + " after " + std::to_string(state.total_out) +
                      " of " + std::to_string(header.message_bytes) + " bytes");
  }
  counters_.compressed_frames += 1;
  counters_.inflated_bytes += header.message_bytes;
  return parse_message(type, ByteSpan(inflate_buffer_.get(), header.message_bytes));
}

google::protobuf::MessageLite& InboundMessages::of(MessageType type) {
  switch (type) {
    case MessageType::kHello:
      return hello;
    case MessageType::kHelloAuth:
      return hello_auth;
    case MessageType::kProposal:
      return proposal;
    case MessageType::kVote:
      return vote;
    case MessageType::kCommitCertificate:
      return commit_certificate;
    case MessageType::kTransactionBatch:
      return transaction_batch;
    case MessageType::kBlockRangeRequest:
      return block_range_request;
    case MessageType::kBlockRangeResponse:
      return block_range_response;
    case MessageType::kSnapshotChunkRequest:
      return snapshot_chunk_request;
    case MessageType::kSnapshotChunkResponse:
      return snapshot_chunk_response;
    case MessageType::kPeerExchange:
      return peer_exchange;
    case MessageType::kPing:
      return ping;
    case MessageType::kPong:
      return pong;
    case MessageType::kDisconnect:
      return disconnect;
    case MessageType::kTipStatus:
      return tip_status;
  }
  TC_CHECK(false, "InboundMessages::of called with an unchecked type");
  return hello;
}

DecodeOutcome FrameDecoder::parse_message(MessageType type, ByteSpan message) {
  google::protobuf::MessageLite* target = &messages_.of(type);
  if (!target->ParseFromArray(message.data(), static_cast<int>(message.size()))) {
    return refuse(FrameViolation::kProtobufParse, std::string(message_type_name(type)) + ": " +
                                                      std::to_string(message.size()) +
                                                      " bytes do not parse");
  }
  std::string canonical_error = check_canonical(type);
  if (!canonical_error.empty()) {
    return refuse(FrameViolation::kCanonicalDecode,
                  std::string(message_type_name(type)) + "." + canonical_error);
  }
  message_type_ = type;
  counters_.messages_by_type[static_cast<std::uint8_t>(type)] += 1;
  return DecodeOutcome::kMessage;
}

std::string FrameDecoder::check_canonical(MessageType type) {
  switch (type) {
    case MessageType::kHello: {
      std::string error = check_size<32>(messages_.hello.node_pubkey(), "node_pubkey");
      if (error.empty()) error = check_size<32>(messages_.hello.nonce(), "nonce");
      return error;
    }
    case MessageType::kHelloAuth:
      return check_size<64>(messages_.hello_auth.signature(), "signature");
    case MessageType::kProposal:
      return check_with(consensus_codec_.check_proposal, messages_.proposal.proposal(), "proposal");
    case MessageType::kVote:
      return check_with(consensus_codec_.check_vote, messages_.vote.vote(), "vote");
    case MessageType::kCommitCertificate:
      return check_certificate(messages_.commit_certificate.certificate(), "certificate");
    case MessageType::kTransactionBatch: {
      const auto& transactions = messages_.transaction_batch.transactions();
      for (int i = 0; i < transactions.size(); ++i) {
        std::string error = check_transaction(transactions[i], indexed("transactions", i));
        if (!error.empty()) return error;
      }
      return {};
    }
    case MessageType::kBlockRangeResponse: {
      const auto& blocks = messages_.block_range_response.blocks();
      for (int i = 0; i < blocks.size(); ++i) {
        const proto::BlockEntry& entry = blocks[i];
        const std::string field = indexed("blocks", i);
        std::string error;
        switch (entry.body_case()) {
          case proto::BlockEntry::kHeader: {
            const Result<BlockHeader> header = decode_block_header(span_of(entry.header()));
            if (!header.is_ok())
              error = field + ".header: " + std::string(header.status().message());
            break;
          }
          case proto::BlockEntry::kBlock:
            error = check_block(entry.block(), field + ".block");
            break;
          case proto::BlockEntry::BODY_NOT_SET:
            error = field + ": neither header nor block";
            break;
        }
        if (error.empty()) error = check_certificate(entry.certificate(), field + ".certificate");
        if (!error.empty()) return error;
      }
      return {};
    }
    case MessageType::kSnapshotChunkRequest:
      return check_size<32>(messages_.snapshot_chunk_request.content_hash(), "content_hash");
    case MessageType::kSnapshotChunkResponse: {
      const proto::SnapshotChunkResponse& chunk = messages_.snapshot_chunk_response;
      std::string error = check_size<32>(chunk.content_hash(), "content_hash");
      if (error.empty() && chunk.chunk_index() >= chunk.chunk_count()) {
        error = "chunk_index " + std::to_string(chunk.chunk_index()) +
                " is not below chunk_count " + std::to_string(chunk.chunk_count());
      }
      return error;
    }
    case MessageType::kPeerExchange: {
      const auto& peers = messages_.peer_exchange.peers();
      for (int i = 0; i < peers.size(); ++i) {
        const std::string field = indexed("peers", i);
        std::string error =
            check_size<32>(peers[i].node_pubkey(), (field + ".node_pubkey").c_str());
        if (error.empty()) error = check_size<16>(peers[i].address(), (field + ".address").c_str());
        if (error.empty() && (peers[i].port() == 0 || peers[i].port() > 65535)) {
          error = field + ".port: " + std::to_string(peers[i].port()) + " is not in 1..65535";
        }
        if (!error.empty()) return error;
      }
      return {};
    }
    case MessageType::kDisconnect:
      if (messages_.disconnect.detail().size() > kMaxDisconnectDetailBytes) {
        return "detail: " + std::to_string(messages_.disconnect.detail().size()) +
               " bytes, at most " + std::to_string(kMaxDisconnectDetailBytes);
      }
      return {};
    case MessageType::kTipStatus:
      return check_size<32>(messages_.tip_status.block_hash(), "block_hash");
    case MessageType::kBlockRangeRequest:
    case MessageType::kPing:
    case MessageType::kPong:
      return {};  // integers only: nothing canonical inside
  }
  return {};
}

}  // namespace tc::net

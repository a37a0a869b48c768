// libFuzzer target for the P2P frame decoder (net/frame.h).
//
// The first input byte picks how the rest is split into feed() calls (1 to 256 bytes, so frames
// arrive cut at every offset); the rest is the peer's byte stream. The decoder runs under small
// limits (64 KiB payloads and messages) so the fuzzer reaches the bounds. Checked on every step:
// the stream buffer never exceeds one maximal frame; a stream-breaking violation accepts no more
// bytes and repeats without counting again; a frame-level violation lets the decoder go on; every
// counted violation was returned; and every accepted message, encoded again by FrameEncoder (with
// and without compression), decodes to the same message. Any failure aborts, which libFuzzer
// reports as a crash. With TC_FUZZ_SEED_DIR set, the binary writes a seed corpus of valid streams
// (every message type, compressed and not) into that folder and exits
// (tests/net/frame_fuzz_test.sh). Build: tests/fuzz/CMakeLists.txt (clang, -fsanitize=fuzzer).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "consensus/messages.h"
#include "core/codec.h"
#include "net/frame.h"

namespace tc::net {
namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "frame_decode_fuzz: %s\n", what);
  std::abort();
}

void check(bool condition, const char* what) {
  if (!condition) fail(what);
}

constexpr ConsensusCodec kConsensusCodec{&consensus::check_vote_encoding,
                                         &consensus::check_proposal_encoding};

FrameLimits fuzz_limits(std::uint32_t compression_threshold_bytes) {
  FrameLimits limits;
  limits.max_payload_bytes = 64 << 10;
  limits.max_message_bytes = 64 << 10;
  limits.compression_threshold_bytes = compression_threshold_bytes;
  return limits;
}

// An accepted message survives encode -> decode unchanged, compressed or not. The encoders and
// decoders persist across inputs (they only ever see valid frames, which leave them empty), so the
// fuzzer spends its time on the stream under test rather than on their buffers.
void check_reencoding(MessageType type, const google::protobuf::MessageLite& message) {
  static FrameEncoder plain(fuzz_limits(0xFFFFFFFFu));
  static FrameEncoder compressing(fuzz_limits(0));
  static FrameDecoder decoder(fuzz_limits(0), kConsensusCodec);
  static Bytes frame;
  const std::string expected = message.SerializeAsString();
  for (FrameEncoder* encoder : {&plain, &compressing}) {
    frame.clear();
    check(encoder->encode_message(type, message, &frame).is_ok(), "re-encoding was refused");
    check(decoder.feed(frame) == frame.size(), "re-encoded frame did not fit");
    check(decoder.next() == DecodeOutcome::kMessage, "re-encoded frame was refused");
    check(decoder.message_type() == type, "re-encoded frame changed type");
    check(decoder.messages().of(type).SerializeAsString() == expected,
          "re-encoded message differs");
  }
}

void fuzz_stream(ByteSpan input) {
  if (input.empty()) return;
  const std::size_t chunk_bytes = std::size_t{input[0]} + 1;
  ByteSpan stream = input.subspan(1);
  const FrameLimits limits = fuzz_limits(kDefaultCompressionThresholdBytes);
  FrameDecoder decoder(limits, kConsensusCodec);
  const std::size_t max_frame_bytes = kFrameHeaderBytes + limits.max_payload_bytes;
  std::uint64_t violations_returned = 0;
  while (true) {
    const std::size_t taken = decoder.feed(stream.first(std::min(chunk_bytes, stream.size())));
    stream = stream.subspan(taken);
    check(decoder.buffer_capacity() <= max_frame_bytes, "stream buffer grew past one frame");
    DecodeOutcome outcome;
    while ((outcome = decoder.next()) != DecodeOutcome::kNeedMore) {
      if (outcome == DecodeOutcome::kMessage) {
        check_reencoding(decoder.message_type(), decoder.messages().of(decoder.message_type()));
        continue;
      }
      ++violations_returned;
      check(decoder.violation_status().code() == StatusCode::kMalformed,
            "violation not kMalformed");
      if (decoder.stream_broken()) break;
    }
    if (decoder.stream_broken()) {
      check(breaks_stream(decoder.last_violation()), "stream broken by a frame-level violation");
      check(decoder.write_space().empty(), "a broken stream offers write space");
      check(decoder.feed(stream) == 0 || stream.empty(), "a broken stream took bytes");
      check(decoder.next() == DecodeOutcome::kViolation, "a broken stream recovered");
      break;
    }
    if (stream.empty()) break;
    check(taken > 0, "the decoder took no bytes yet holds no whole frame");
  }
  std::uint64_t violations_counted = 0;
  for (std::size_t v = 0; v < kFrameViolationCount; ++v) {
    violations_counted += decoder.counters().violation(static_cast<FrameViolation>(v));
  }
  check(violations_counted == violations_returned, "violation counters disagree with outcomes");
}

// ---- Seed corpus
// ----------------------------------------------------------------------------------

void write_seed(const std::string& dir, const std::string& name, const Bytes& bytes) {
  const std::string path = dir + "/" + name;
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) fail(("cannot write seed " + path).c_str());
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  if (std::fclose(file) != 0 || !ok) fail(("cannot write seed " + path).c_str());
}

std::string fixed(std::size_t n, char c) {
  return std::string(n, c);
}

std::string encoded_certificate() {
  CommitCertificate certificate;
  certificate.height = 7;
  certificate.signatures.push_back(CommitSignature{});
  Bytes bytes;
  encode(certificate, &bytes);
  return std::string(bytes.begin(), bytes.end());
}

std::string encoded_transaction(std::uint64_t height) {
  Transaction tx;
  tx.kind = TxKind::kCoinbase;
  tx.chain_id = kChainIdTestnet;
  tx.coinbase_height = height;
  tx.outputs.push_back(TxOutput{Amount(50), PubkeyHash{}});
  Bytes bytes;
  encode(tx, &bytes);
  return std::string(bytes.begin(), bytes.end());
}

void write_seed_corpus(const std::string& dir) {
  Bytes stream;
  FrameEncoder plain(fuzz_limits(0xFFFFFFFFu));
  FrameEncoder compressing(fuzz_limits(0));
  auto add = [&](const auto& message, const std::string& name) {
    for (FrameEncoder* encoder : {&plain, &compressing}) {
      Bytes frame{0};  // first byte: feed the rest in 1-byte chunks
      check(encoder->encode(message, &frame).is_ok(), "seed encoding failed");
      write_seed(dir, name + (encoder == &plain ? "-plain" : "-compressed"), frame);
      check(encoder->encode(message, &stream).is_ok(), "seed encoding failed");
    }
  };
  proto::Hello hello;
  hello.set_chain_id(kChainIdTestnet);
  hello.set_protocol_version(kFrameVersion);
  hello.set_node_pubkey(fixed(32, 1));
  hello.set_nonce(fixed(32, 2));
  add(hello, "hello");
  proto::HelloAuth auth;
  auth.set_signature(fixed(64, 3));
  add(auth, "hello_auth");
  consensus::Vote vote;
  vote.type = consensus::VoteType::kPrevote;
  Bytes vote_bytes;
  consensus::encode_vote(vote, vote_bytes);
  proto::VoteMessage vote_message;
  vote_message.set_vote(std::string(vote_bytes.begin(), vote_bytes.end()));
  add(vote_message, "vote");
  consensus::Proposal proposal;
  proposal.payload.assign(600, 0x5A);
  Bytes proposal_bytes;
  consensus::encode_proposal(proposal, proposal_bytes);
  proto::ProposalMessage proposal_message;
  proposal_message.set_proposal(std::string(proposal_bytes.begin(), proposal_bytes.end()));
  add(proposal_message, "proposal");
  proto::CommitCertificateMessage certificate;
  certificate.set_certificate(encoded_certificate());
  add(certificate, "certificate");
  proto::TransactionBatch batch;
  for (std::uint64_t h = 0; h < 8; ++h) batch.add_transactions(encoded_transaction(h));
  add(batch, "transaction_batch");
  proto::BlockRangeRequest request;
  request.set_start_height(1);
  request.set_count(4);
  add(request, "block_range_request");
  proto::BlockRangeResponse response;
  proto::BlockEntry* entry = response.add_blocks();
  entry->set_header(fixed(kBlockHeaderBytes, 0));
  entry->set_certificate(encoded_certificate());
  add(response, "block_range_response");
  proto::SnapshotChunkRequest chunk_request;
  chunk_request.set_content_hash(fixed(32, 4));
  add(chunk_request, "snapshot_chunk_request");
  proto::SnapshotChunkResponse chunk;
  chunk.set_content_hash(fixed(32, 4));
  chunk.set_chunk_count(2);
  chunk.set_data(fixed(2000, 'z'));
  add(chunk, "snapshot_chunk_response");
  proto::PeerExchange peers;
  proto::PeerAddress* peer = peers.add_peers();
  peer->set_node_pubkey(fixed(32, 5));
  peer->set_address(fixed(16, 0));
  peer->set_port(9333);
  add(peers, "peer_exchange");
  proto::Ping ping;
  ping.set_nonce(9);
  add(ping, "ping");
  proto::Pong pong;
  pong.set_nonce(9);
  add(pong, "pong");
  proto::Disconnect disconnect;
  disconnect.set_reason(proto::DISCONNECT_BANNED);
  disconnect.set_detail("seed");
  add(disconnect, "disconnect");
  stream.insert(stream.begin(), 200);  // the whole stream in 201-byte chunks
  write_seed(dir, "stream", stream);
}

}  // namespace
}  // namespace tc::net

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  if (const char* dir = std::getenv("TC_FUZZ_SEED_DIR")) {
    tc::net::write_seed_corpus(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tc::net::fuzz_stream(tc::ByteSpan(data, size));
  return 0;
}

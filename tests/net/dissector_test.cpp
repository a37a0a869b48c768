// Goal: the Wireshark dissector (tools/wireshark/timecoin.lua) reassembles P2P frames across TCP
// segments, decodes every message type down to the canonical bytes inside (votes, proposals and
// their blocks, certificates, transactions), inflates compressed frames, and marks every class of
// malformed frame "malformed" with the FrameViolation name net/frame.h gives it, without a Lua
// error.
//
// Method: the real FrameEncoder encodes one message of every p2p.proto type with real canonical
// bytes (tests/net/p2p_samples.h); the frames are cut into TCP segments (several frames in one
// segment, one frame over many), wrapped in Ethernet/IPv4/TCP headers and written with the
// dataplane's PcapWriter; Debian's tshark reads the capture with the script loaded (`-T fields`).
// Hostile frames are built from store_frame_header() with a correct CRC unless the CRC is the
// point, each on its own TCP stream so that a stream-breaking one spoils only itself.
//
// Scenarios:
//   - every message type, compressed as the encoder chooses (1,448-byte segments) and never
//     compressed (1,000-byte segments): each decodes once per stream, with its fields' exact
//     values; the compressed frames are inflated; nothing is marked malformed;
//   - each frame violation (bad_magic, unknown_version, unknown_flags, payload_over_max,
//     unknown_type, bad_message_length, decompression_bound, bad_crc, bad_compressed_data,
//     protobuf_parse, canonical_decode in a vote, a transaction and a Hello) is marked with its
//     name; a good frame after a bad CRC on the same stream still decodes;
//   - with TCP reassembly off, a short header and a payload past the end are marked truncated;
//   - 420 messages of every type with random bytes flipped, cut short or extended (CRC fixed, so
//     the Protobuf walker and the canonical decoders see them) raise no Lua error;
//   - real traffic: two PeerManagers on loopback meet (Hello, HelloAuth, PeerExchange), exchange
//     every type a caller sends and shut down (Disconnect) while dumpcap captures on lo; every
//     frame decodes and none is malformed (skipped, saying so, where capturing is not permitted);
//   - tshark exits 0 and reports no Lua error.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "dataplane/pcap_writer.h"
#include "net/frame.h"
#include "tests/net/p2p_samples.h"
#include "tests/net/peer_test_support.h"
#include "tests/tshark_support.h"

namespace tc::net {
namespace {

constexpr std::uint16_t kP2pPort = 24100;

void store_u16_be(std::uint8_t* out, std::uint16_t value) {
  out[0] = static_cast<std::uint8_t>(value >> 8);
  out[1] = static_cast<std::uint8_t>(value);
}

void store_u32_be(std::uint8_t* out, std::uint32_t value) {
  store_u16_be(out, static_cast<std::uint16_t>(value >> 16));
  store_u16_be(out + 2, static_cast<std::uint16_t>(value));
}

// One client-to-node TCP stream in a capture: Ethernet/IPv4/TCP (no options) around each segment,
// sequence numbers running on from segment to segment.
class TcpStream {
 public:
  TcpStream(dataplane::PcapWriter* writer, std::uint16_t client_port)
      : writer_(writer), client_port_(client_port) {}

  // Sends `bytes` as consecutive segments of at most `segment_bytes`.
  void send(ByteSpan bytes, std::size_t segment_bytes) {
    for (std::size_t offset = 0; offset < bytes.size(); offset += segment_bytes) {
      const std::size_t n = std::min(segment_bytes, bytes.size() - offset);
      write_segment(ByteSpan(bytes.data() + offset, n));
    }
  }

 private:
  void write_segment(ByteSpan payload) {
    Bytes frame = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00};
    const std::size_t ip = frame.size();
    frame.resize(ip + 40);
    std::uint8_t* p = frame.data() + ip;
    p[0] = 0x45;
    store_u16_be(p + 2, static_cast<std::uint16_t>(40 + payload.size()));
    store_u16_be(p + 6, 0x4000);  // DF
    p[8] = 64;
    p[9] = 6;  // TCP
    store_u32_be(p + 12, 0x0a000001);
    store_u32_be(p + 16, 0x0a000002);
    std::uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += (std::uint32_t{p[i]} << 8) | p[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    store_u16_be(p + 10, static_cast<std::uint16_t>(~sum));
    std::uint8_t* tcp = p + 20;
    store_u16_be(tcp, client_port_);
    store_u16_be(tcp + 2, kP2pPort);
    store_u32_be(tcp + 4, sequence_);
    store_u32_be(tcp + 8, 1);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18;  // PSH, ACK
    store_u16_be(tcp + 14, 65535);
    frame.insert(frame.end(), payload.begin(), payload.end());
    sequence_ += static_cast<std::uint32_t>(payload.size());
    ASSERT_TRUE(writer_->write(ByteSpan(frame), ++timestamp_us_).is_ok());
  }

  dataplane::PcapWriter* writer_;
  std::uint16_t client_port_;
  std::uint32_t sequence_ = 1000;
  std::uint64_t timestamp_us_ = 0;
};

Bytes bytes_of(const std::string& text) {
  return Bytes(text.begin(), text.end());
}

// A frame of `type` around `payload` whose header is right unless `edit` changes it.
template <typename Edit>
Bytes hostile_frame(MessageType type, const Bytes& payload, Edit edit) {
  FrameHeader header;
  header.type = static_cast<std::uint8_t>(type);
  header.payload_bytes = static_cast<std::uint32_t>(payload.size());
  header.message_bytes = header.payload_bytes;
  header.payload_crc32c = crc32c(ByteSpan(payload));
  edit(header);
  Bytes frame(kFrameHeaderBytes);
  store_frame_header(header, frame.data());
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

Bytes encoded(const google::protobuf::MessageLite& message, MessageType type) {
  FrameEncoder encoder;
  Bytes frame;
  EXPECT_TRUE(encoder.encode_message(type, message, &frame).is_ok());
  return frame;
}

std::string ping_payload(std::uint64_t nonce) {
  proto::Ping ping;
  ping.set_nonce(nonce);
  return ping.SerializeAsString();
}

// Whether one of `messages` starts with "malformed: RULE".
bool marked(const std::vector<std::string>& messages, const std::string& rule) {
  for (const std::string& message : messages) {
    if (message.rfind("malformed: " + rule, 0) == 0) return true;
  }
  return false;
}

enum Field : std::size_t {
  kType,
  kCompressed,
  kExpert,
  kHelloChainId,
  kHelloPubkey,
  kHelloListenPort,
  kAuthSignature,
  kVoteHeight,
  kVoteType,
  kVoteIndex,
  kVoteBlockHash,
  kProposalHeight,
  kProposalBlockHash,
  kBlockHeight,
  kBlockTxCount,
  kCertHeight,
  kCertSignatureCount,
  kCertValidator,
  kTxVersion,
  kTxValue,
  kRangeStart,
  kRangeCount,
  kRangeRequestId,
  kResponseRequestId,
  kChunkRequestHash,
  kChunkIndex,
  kChunkCount,
  kSnapshotBytes,
  kPeerPubkey,
  kPeerPort,
  kPeerExchangeRequest,
  kPingNonce,
  kPongNonce,
  kDisconnectReason,
  kDisconnectDetail,
  kFieldCount
};

const std::vector<std::string> kFields = {
    "timecoin_p2p.type",
    "timecoin_p2p.flags.compressed",
    "_ws.expert.message",
    "timecoin_p2p.hello.chain_id",
    "timecoin_p2p.hello.node_pubkey",
    "timecoin_p2p.hello.listen_port",
    "timecoin_p2p.helloauth.signature",
    "timecoin.vote.height",
    "timecoin.vote.type",
    "timecoin.vote.validator_index",
    "timecoin.vote.block_hash",
    "timecoin.proposal.height",
    "timecoin.proposal.block_hash",
    "timecoin.block.height",
    "timecoin.block.tx_count",
    "timecoin.cert.height",
    "timecoin.cert.signature_count",
    "timecoin.cert.validator",
    "timecoin.tx.version",
    "timecoin.tx.output.value",
    "timecoin_p2p.blockrangerequest.start_height",
    "timecoin_p2p.blockrangerequest.count",
    "timecoin_p2p.blockrangerequest.request_id",
    "timecoin_p2p.blockrangeresponse.request_id",
    "timecoin_p2p.snapshotchunkrequest.content_hash",
    "timecoin_p2p.snapshotchunkresponse.chunk_index",
    "timecoin_p2p.snapshotchunkresponse.chunk_count",
    "timecoin_p2p.snapshotchunkresponse.snapshot_bytes",
    "timecoin_p2p.peeraddress.node_pubkey",
    "timecoin_p2p.peeraddress.port",
    "timecoin_p2p.peerexchange.request",
    "timecoin_p2p.ping.nonce",
    "timecoin_p2p.pong.nonce",
    "timecoin_p2p.disconnect.reason",
    "timecoin_p2p.disconnect.detail",
};

TEST(DissectorTest, EveryMessageTypeDecodesAcrossSegmentsCompressedOrNot) {
  tshark::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string capture = dir.path() + "/p2p.pcap";
  dataplane::PcapWriter writer;
  ASSERT_TRUE(writer.open(capture).is_ok());
  int compressed_frames = 0;
  // The samples are small: a threshold below the default 4 KiB compresses the larger ones.
  FrameLimits compress_samples;
  compress_samples.compression_threshold_bytes = 512;
  FrameLimits never_compress;
  never_compress.compression_threshold_bytes = kMaxFrameMessageBytes;
  for (const bool compress : {true, false}) {
    FrameEncoder encoder(compress ? compress_samples : never_compress);
    Bytes stream;
    for (const auto& [type, message] : samples::every_message()) {
      ASSERT_TRUE(encoder.encode_message(type, *message, &stream).is_ok());
      if (encoder.last_compressed()) ++compressed_frames;
    }
    TcpStream tcp(&writer, compress ? 40001 : 40002);
    tcp.send(ByteSpan(stream), compress ? 1448 : 1000);
  }
  ASSERT_TRUE(writer.close().is_ok());
  ASSERT_GE(compressed_frames, 3);  // the batch, the proposal, the block range, the chunk

  const tshark::Run run = tshark::run(capture, tshark::fields_args(kFields), dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(tshark::mentions_lua_error(run)) << run.err;
  const std::vector<tshark::Packet> packets = tshark::packets(run.out, kFieldCount);
  auto values = [&](Field field) { return tshark::value_counts(packets, field); };
  using Counts = std::map<std::string, int>;

  Counts every_type_twice;
  for (int type = kMinMessageType; type <= kMaxMessageType; ++type) {
    every_type_twice[std::to_string(type)] = 2;
  }
  EXPECT_EQ(values(kType), every_type_twice);
  EXPECT_EQ(values(kCompressed)["1"], compressed_frames);
  EXPECT_EQ(values(kCompressed)["0"],
            2 * (kMaxMessageType - kMinMessageType + 1) - compressed_frames);
  EXPECT_TRUE(values(kExpert).empty());

  const std::string key1 = to_hex(samples::key(1).pubkey().span());
  EXPECT_EQ(values(kHelloChainId), (Counts{{"2", 2}}));
  EXPECT_EQ(values(kHelloPubkey), (Counts{{std::string(64, '1'), 2}}));
  EXPECT_EQ(values(kHelloListenPort), (Counts{{"9333", 2}}));
  EXPECT_EQ(values(kAuthSignature), (Counts{{std::string(128, '3'), 2}}));
  EXPECT_EQ(values(kVoteHeight), (Counts{{"5", 2}}));
  EXPECT_EQ(values(kVoteType), (Counts{{"2", 2}}));
  EXPECT_EQ(values(kVoteIndex), (Counts{{"2", 2}}));
  EXPECT_EQ(values(kVoteBlockHash),
            (Counts{{to_hex(block_hash(samples::sample_block(5, 1).header).span()), 2}}));
  EXPECT_EQ(values(kProposalHeight), (Counts{{"6", 2}}));
  EXPECT_EQ(values(kProposalBlockHash),
            (Counts{{to_hex(block_hash(samples::sample_block(6, 8).header).span()), 2}}));
  // The proposal's block (6), the range's block (9) and header-only entry (10).
  EXPECT_EQ(values(kBlockHeight), (Counts{{"6", 2}, {"9", 2}, {"10", 2}}));
  EXPECT_EQ(values(kBlockTxCount), (Counts{{"9", 2}, {"21", 2}, {"1", 2}}));
  // The certificate message (9) and the range's two entries (9, 10), three signers each.
  EXPECT_EQ(values(kCertHeight), (Counts{{"9", 4}, {"10", 2}}));
  EXPECT_EQ(values(kCertSignatureCount), (Counts{{"3", 6}}));
  EXPECT_EQ(values(kCertValidator)[key1], 6);
  // 16 in the batch, 9 in the proposal's block, 21 in the range's block.
  EXPECT_EQ(values(kTxVersion), (Counts{{"1", 2 * (16 + 9 + 21)}}));
  EXPECT_EQ(values(kTxValue)["1000100"], 2 * 3);   // batch transfer 100's three outputs
  EXPECT_EQ(values(kTxValue)["50000000"], 2 * 2);  // the two blocks' coinbases
  EXPECT_EQ(values(kRangeStart), (Counts{{"9", 2}}));
  EXPECT_EQ(values(kRangeCount), (Counts{{"2", 2}}));
  EXPECT_EQ(values(kRangeRequestId), (Counts{{"77", 2}}));
  EXPECT_EQ(values(kResponseRequestId), (Counts{{"77", 2}}));
  EXPECT_EQ(values(kChunkRequestHash), (Counts{{std::string(64, '4'), 2}}));
  EXPECT_EQ(values(kChunkIndex), (Counts{{"3", 2}}));
  EXPECT_EQ(values(kChunkCount), (Counts{{"4", 2}}));
  EXPECT_EQ(values(kSnapshotBytes), (Counts{{"1048576", 2}}));
  EXPECT_EQ(values(kPeerPubkey), (Counts{{std::string(64, '5'), 2}}));
  EXPECT_EQ(values(kPeerPort), (Counts{{"9333", 2}}));
  EXPECT_TRUE(values(kPeerExchangeRequest).empty());  // false is the default: not on the wire
  EXPECT_EQ(values(kPingNonce), (Counts{{"72623859790382856", 2}}));
  EXPECT_EQ(values(kPongNonce), (Counts{{"72623859790382856", 2}}));
  EXPECT_EQ(values(kDisconnectReason), (Counts{{"1", 2}}));
  EXPECT_EQ(values(kDisconnectDetail), (Counts{{"chain 2, expected 1", 2}}));
}

TEST(DissectorTest, EveryMalformedFrameClassIsMarked) {
  tshark::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const Bytes ping = bytes_of(ping_payload(7));
  const Bytes good_ping = hostile_frame(MessageType::kPing, ping, [](FrameHeader&) {});

  proto::VoteMessage short_vote;
  short_vote.set_vote(samples::as_string(samples::encoded_vote()).substr(0, 119));
  proto::TransactionBatch short_transaction;
  Bytes transfer;
  encode(samples::signed_transfer(samples::key(2), 1), &transfer);
  short_transaction.add_transactions(samples::as_string(transfer).substr(0, 100));
  proto::Hello short_key;
  short_key.set_chain_id(kChainIdTestnet);
  short_key.set_node_pubkey(std::string(31, '\x11'));
  short_key.set_nonce(std::string(32, '\x22'));

  struct Case {
    std::uint16_t port;
    std::string rule;
    Bytes bytes;
  };
  std::vector<Case> cases = {
      {41001, "bad_magic",
       hostile_frame(MessageType::kPing, ping, [](FrameHeader& h) { h.magic = 0x50545448; })},
      {41002, "unknown_version",
       hostile_frame(MessageType::kPing, ping, [](FrameHeader& h) { h.version = 2; })},
      {41003, "unknown_flags",
       hostile_frame(MessageType::kPing, ping, [](FrameHeader& h) { h.flags = 0x0002; })},
      {41004, "payload_over_max",
       hostile_frame(MessageType::kPing, {}, [](FrameHeader& h) { h.payload_bytes = 0xffffffff; })},
      {41005, "unknown_type",
       hostile_frame(MessageType::kPing, ping,
                     [](FrameHeader& h) { h.type = kMaxMessageType + 1; })},
      {41006, "bad_message_length",
       hostile_frame(MessageType::kPing, ping, [](FrameHeader& h) { h.message_bytes += 1; })},
      {41007, "decompression_bound",
       hostile_frame(MessageType::kPing, ping,
                     [](FrameHeader& h) {
                       h.flags = kFrameFlagCompressed;
                       h.message_bytes = kMaxFrameMessageBytes + 1;
                     })},
      {41008, "bad_crc",
       hostile_frame(MessageType::kPing, ping, [](FrameHeader& h) { h.payload_crc32c ^= 1; })},
      {41009, "bad_compressed_data",
       hostile_frame(MessageType::kPing, Bytes(16, 0xff),
                     [](FrameHeader& h) {
                       h.flags = kFrameFlagCompressed;
                       h.message_bytes = 100;
                     })},
      {41010, "protobuf_parse",
       hostile_frame(MessageType::kPing, Bytes{0x08, 0x80}, [](FrameHeader&) {})},
      {41011, "canonical_decode", encoded(short_vote, MessageType::kVote)},
      {41012, "canonical_decode", encoded(short_transaction, MessageType::kTransactionBatch)},
      {41013, "canonical_decode", encoded(short_key, MessageType::kHello)},
  };
  // The stream goes on after a frame-spoiling violation: a good Ping follows the bad CRC.
  cases[7].bytes.insert(cases[7].bytes.end(), good_ping.begin(), good_ping.end());

  const std::string capture = dir.path() + "/malformed.pcap";
  {
    dataplane::PcapWriter writer;
    ASSERT_TRUE(writer.open(capture).is_ok());
    for (const Case& c : cases) TcpStream(&writer, c.port).send(ByteSpan(c.bytes), 1448);
    ASSERT_TRUE(writer.close().is_ok());
  }
  // Without reassembly, a segment shorter than a header, and a frame cut short.
  const std::string cut_capture = dir.path() + "/cut.pcap";
  {
    dataplane::PcapWriter writer;
    ASSERT_TRUE(writer.open(cut_capture).is_ok());
    TcpStream(&writer, 41014).send(ByteSpan(good_ping.data(), 10), 1448);
    TcpStream(&writer, 41015).send(ByteSpan(good_ping.data(), good_ping.size() - 1), 1448);
    ASSERT_TRUE(writer.close().is_ok());
  }

  const std::vector<std::string> fields = {"tcp.srcport", "_ws.expert.message",
                                           "timecoin_p2p.ping.nonce"};
  const tshark::Run run = tshark::run(capture, tshark::fields_args(fields), dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(tshark::mentions_lua_error(run)) << run.err;
  const std::vector<tshark::Packet> packets = tshark::packets(run.out, fields.size());
  ASSERT_EQ(packets.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].rule + " on port " + std::to_string(cases[i].port));
    ASSERT_EQ(packets[i][0], std::vector<std::string>{std::to_string(cases[i].port)});
    EXPECT_TRUE(marked(packets[i][1], cases[i].rule)) << ::testing::PrintToString(packets[i][1]);
    const std::vector<std::string> nonce =
        i == 7 ? std::vector<std::string>{"7"} : std::vector<std::string>{};
    EXPECT_EQ(packets[i][2], nonce);
  }

  const tshark::Run cut = tshark::run(
      cut_capture, "-o tcp.desegment_tcp_streams:FALSE " + tshark::fields_args(fields), dir.path());
  ASSERT_EQ(cut.exit_code, 0) << cut.err;
  EXPECT_FALSE(tshark::mentions_lua_error(cut)) << cut.err;
  const std::vector<tshark::Packet> cut_packets = tshark::packets(cut.out, fields.size());
  ASSERT_EQ(cut_packets.size(), 2u);
  EXPECT_TRUE(marked(cut_packets[0][1], "truncated: 10 bytes, frame header needs 20"))
      << ::testing::PrintToString(cut_packets[0][1]);
  EXPECT_TRUE(marked(cut_packets[1][1], "truncated: payload_bytes"))
      << ::testing::PrintToString(cut_packets[1][1]);
}

TEST(DissectorTest, CorruptedMessagesNeverRaiseALuaError) {
  tshark::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string capture = dir.path() + "/corrupted.pcap";
  dataplane::PcapWriter writer;
  ASSERT_TRUE(writer.open(capture).is_ok());
  std::mt19937 random(18);
  constexpr int kPerType = 30;
  std::uint16_t port = 42000;
  for (const auto& [type, message] : samples::every_message()) {
    const Bytes original = bytes_of(message->SerializeAsString());
    for (int n = 0; n < kPerType; ++n) {
      Bytes mutated = original;
      switch (n % 3) {
        case 0:  // flip up to 4 random bytes
          for (int flips = 1 + static_cast<int>(random() % 4); flips > 0 && !mutated.empty();
               --flips) {
            mutated[random() % mutated.size()] ^= static_cast<std::uint8_t>(1 + random() % 255);
          }
          break;
        case 1:  // cut short
          mutated.resize(random() % (mutated.size() + 1));
          break;
        default:  // random bytes appended
          for (int extra = 1 + static_cast<int>(random() % 12); extra > 0; --extra) {
            mutated.push_back(static_cast<std::uint8_t>(random()));
          }
          break;
      }
      const Bytes frame = hostile_frame(type, mutated, [](FrameHeader&) {});
      TcpStream(&writer, port++).send(ByteSpan(frame), 1448);
    }
  }
  ASSERT_TRUE(writer.close().is_ok());

  const std::vector<std::string> fields = {"timecoin_p2p.type", "_ws.expert.message"};
  const tshark::Run run = tshark::run(capture, tshark::fields_args(fields), dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(tshark::mentions_lua_error(run)) << run.err;
  const std::vector<tshark::Packet> packets = tshark::packets(run.out, fields.size());
  // Each frame is one PDU: the packet that completes it shows its type, once.
  std::size_t with_type = 0;
  std::size_t marked_malformed = 0;
  for (const tshark::Packet& packet : packets) {
    with_type += packet[0].size() == 1 ? 1 : 0;
    marked_malformed += marked(packet[1], "") ? 1 : 0;
  }
  EXPECT_EQ(with_type,
            static_cast<std::size_t>(kPerType * (kMaxMessageType - kMinMessageType + 1)));
  // Most corruptions break a rule (some, such as a flipped nonce byte, break none).
  EXPECT_GT(marked_malformed, with_type / 2);
}

// dumpcap capturing on the loopback interface into a file, as a child process.
class LoopbackCapture {
 public:
  // Starts dumpcap on lo for traffic to or from `port_a` or `port_b` and waits until it captures.
  // False (with *why set) when it cannot: no dumpcap, or no permission to capture here.
  bool start(const std::string& capture, std::uint16_t port_a, std::uint16_t port_b,
             const std::string& log, std::string* why) {
    capture_ = capture;
    const std::string filter =
        "port " + std::to_string(port_a) + " or port " + std::to_string(port_b);
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
      }
      execlp("dumpcap", "dumpcap", "-i", "lo", "-f", filter.c_str(), "-w", capture.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    probe_ = socket(AF_INET, SOCK_DGRAM, 0);
    probe_to_.sin_family = AF_INET;
    probe_to_.sin_port = htons(port_a);
    probe_to_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sync(why)) return true;
    if (pid_ <= 0) *why = "dumpcap cannot capture on lo here: " + tshark::read_file(log);
    stop();
    return false;
  }

  // Waits until everything sent so far is in the file: sends UDP probe datagrams to port_a until
  // the file grows past its size at the call. The kernel hands packets over in blocks and dumpcap
  // writes them as they come (for live viewers), so a probe in the file means all before it are.
  bool sync(std::string* why) {
    std::error_code error;
    std::uintmax_t size_before = std::filesystem::file_size(capture_, error);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      const std::uintmax_t size = std::filesystem::file_size(capture_, error);
      if (!error) {
        if (size_before == 0 || size_before == static_cast<std::uintmax_t>(-1)) size_before = size;
        if (size > size_before) return true;
        sendto(probe_, "probe", 5, 0, reinterpret_cast<const sockaddr*>(&probe_to_),
               sizeof probe_to_);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    *why = "dumpcap wrote no probe to the file within 10 s";
    return false;
  }

  // Stops dumpcap (SIGTERM: it closes the file properly) and waits for it.
  void stop() {
    if (probe_ >= 0) close(probe_);
    probe_ = -1;
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  ~LoopbackCapture() { stop(); }

 private:
  std::string capture_;
  pid_t pid_ = -1;
  int probe_ = -1;
  sockaddr_in probe_to_{};
};

TEST(DissectorTest, RealLoopbackTrafficBetweenTwoPeersDecodes) {
  tshark::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  testing::Node a(21, testing::test_config());
  testing::Node b(22, testing::test_config());
  const std::string ports = std::to_string(a.port()) + "," + std::to_string(b.port());
  const std::string capture = dir.path() + "/loopback.pcapng";
  LoopbackCapture dumpcap;
  std::string why;
  if (!dumpcap.start(capture, a.port(), b.port(), dir.path() + "/dumpcap.log", &why)) {
    GTEST_SKIP() << why;
  }

  b.on_io([&] {
    b.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(b.eventually([&](PeerManager& m) { return m.connected(a.pubkey()); }));
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(b.pubkey()); }));
  std::size_t sent = 0;
  for (const auto& [type, message] : samples::every_message()) {
    if (type == MessageType::kHello || type == MessageType::kHelloAuth ||
        type == MessageType::kDisconnect || type == MessageType::kPeerExchange ||
        type == MessageType::kPing || type == MessageType::kPong ||
        type == MessageType::kTipStatus) {  // a tip reaches the handler as on_peer_tip
      continue;
    }
    EXPECT_TRUE(a.on_io([&] { return a.manager_->send_message_to(b.pubkey(), type, *message); }));
    ++sent;
  }
  ASSERT_TRUE(b.handler_.wait_for([&] { return b.handler_.received_.size() >= sent; }));
  b.stop();
  a.stop();
  ASSERT_TRUE(dumpcap.sync(&why)) << why;
  dumpcap.stop();

  const std::vector<std::string> fields = {"timecoin_p2p.type", "_ws.expert.message",
                                           "timecoin.vote.height", "timecoin.tx.version"};
  const tshark::Run run =
      tshark::run(capture, "-o timecoin_p2p.tcp_ports:" + ports + " " + tshark::fields_args(fields),
                  dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(tshark::mentions_lua_error(run)) << run.err;
  const std::vector<tshark::Packet> packets = tshark::packets(run.out, fields.size());
  std::map<std::string, int> types = tshark::value_counts(packets, 0);
  SCOPED_TRACE("types seen: " + ::testing::PrintToString(types));
  // Both Hellos and HelloAuths (more when a closing peer redials), the peer exchange requests, the
  // eight caller types once each, a Disconnect.
  EXPECT_GE(types["1"], 2);
  EXPECT_GE(types["2"], 2);
  EXPECT_GE(types["11"], 2);
  for (int type = 3; type <= 10; ++type) EXPECT_EQ(types[std::to_string(type)], 1) << type;
  EXPECT_GE(types["14"], 1);
  for (const auto& [message, count] : tshark::value_counts(packets, 1)) {
    EXPECT_NE(message.rfind("malformed", 0), 0u) << message;  // TCP's own notes are fine
  }
  EXPECT_EQ(tshark::value_counts(packets, 2), (std::map<std::string, int>{{"5", 1}}));
  EXPECT_EQ(tshark::value_counts(packets, 3)["1"], 16 + 9 + 21);
}

}  // namespace
}  // namespace tc::net

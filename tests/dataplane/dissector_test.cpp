// Goal: the Wireshark dissector (tools/wireshark/timecoin.lua) reads every field of the ingress
// datagrams timecoin-loadgen writes into a pcap, and marks each malformed one with the rule the
// node's own codec names.
//
// Method: the real timecoin-loadgen (build/bin) writes a capture with shares of malformed,
// duplicated and badly signed transfers; Debian's tshark reads it with the script loaded
// (`-T fields`); a TxGenerator with the same flags regenerates the payloads, and each packet's
// fields are compared with the bytes it carried, and each expert "malformed" text with the
// DecodeError name of decode_transaction_view on that payload.
//
// Scenarios:
//   - 300 datagrams on the testnet port: one packet per datagram, every field of every well-formed
//     transaction equal to its bytes, exactly the malformed ones marked (with the codec's rule);
//   - a coinbase, a registration and an evidence transaction: their payload fields;
//   - 300 corrupted datagrams (bytes flipped, cut short, extended) raise no Lua error;
//   - the ingress-port preference: datagrams to port 25000 decode only when it names that port;
//   - tshark exits 0 and reports no Lua error.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/codec.h"
#include "dataplane/frame_builder.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/pcap_writer.h"
#include "tests/tshark_support.h"

namespace tc::dataplane {
namespace {

constexpr char kFundingTxid[] = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a0102";

std::string loadgen() {
  return std::string(TC_BIN_DIR) + "/timecoin-loadgen";
}

std::string hex_at(const Bytes& bytes, std::size_t offset, std::size_t size) {
  return to_hex(ByteSpan(bytes.data() + offset, size));
}

int run_loadgen(const std::string& args) {
  const std::string command = "'" + loadgen() + "' " + args + " > /dev/null";
  return std::system(command.c_str());
}

enum Field : std::size_t {
  kFrame,
  kVersion,
  kKind,
  kChainId,
  kInputCount,
  kOutputCount,
  kPayloadBytes,
  kLockTime,
  kPrevTxid,
  kPrevVout,
  kPubkey,
  kSignature,
  kValue,
  kPubkeyHash,
  kOutputReserved,
  kMalformed,
  kFieldCount
};

const std::vector<std::string> kFields = {
    "frame.number",
    "timecoin.tx.version",
    "timecoin.tx.kind",
    "timecoin.tx.chain_id",
    "timecoin.tx.input_count",
    "timecoin.tx.output_count",
    "timecoin.tx.payload_bytes",
    "timecoin.tx.lock_time",
    "timecoin.tx.input.prev_txid",
    "timecoin.tx.input.prev_vout",
    "timecoin.tx.input.pubkey",
    "timecoin.tx.input.signature",
    "timecoin.tx.output.value",
    "timecoin.tx.output.pubkey_hash",
    "timecoin.tx.output.reserved",
    "_ws.expert.message",
};

TEST(DissectorTest, EveryLoadgenTransactionFieldDecodes) {
  tshark::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string capture = dir.path() + "/loadgen.pcap";
  constexpr int kCount = 300;
  ASSERT_EQ(run_loadgen("--pcap '" + capture + "' --count " + std::to_string(kCount) +
                        " --port 24102 --seed 7 --funding-txid " + kFundingTxid +
                        " --malformed 100 --duplicate 100 --bad-sig 100"),
            0);

  TxGeneratorConfig config;
  config.seed = 7;
  config.funding_txid = *fixed_from_hex<32>(kFundingTxid);
  config.malformed_per_mille = 100;
  config.duplicate_per_mille = 100;
  config.bad_signature_per_mille = 100;
  TxGenerator generator(config);

  const tshark::Run run = tshark::run(capture, tshark::fields_args(kFields), dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(tshark::mentions_lua_error(run)) << run.err;
  const std::vector<tshark::Packet> packets = tshark::packets(run.out, kFieldCount);
  ASSERT_EQ(packets.size(), static_cast<std::size_t>(kCount));

  int malformed = 0;
  int decoded = 0;
  Bytes payload;
  for (int i = 0; i < kCount; ++i) {
    generator.next(&payload);
    const tshark::Packet& packet = packets[i];
    SCOPED_TRACE("packet " + std::to_string(i + 1));
    ASSERT_EQ(packet[kFrame], std::vector<std::string>{std::to_string(i + 1)});
    TransactionView view;
    const DecodeError error = decode_transaction_view(ByteSpan(payload), &view);
    if (error != DecodeError::kOk) {
      ++malformed;
      ASSERT_EQ(packet[kMalformed].size(), 1u);
      EXPECT_EQ(packet[kMalformed][0].rfind(
                    "malformed: " + std::string(decode_error_name(error)) + ": ", 0),
                0u)
          << packet[kMalformed][0];
      continue;
    }
    ++decoded;
    EXPECT_TRUE(packet[kMalformed].empty());
    EXPECT_EQ(packet[kVersion], std::vector<std::string>{"1"});
    EXPECT_EQ(packet[kKind], std::vector<std::string>{"0"});
    EXPECT_EQ(packet[kChainId], std::vector<std::string>{std::to_string(kChainIdDevnet)});
    EXPECT_EQ(packet[kInputCount], std::vector<std::string>{"1"});
    EXPECT_EQ(packet[kOutputCount], std::vector<std::string>{"3"});
    EXPECT_EQ(packet[kPayloadBytes], std::vector<std::string>{"0"});
    EXPECT_EQ(packet[kLockTime], std::vector<std::string>{"0"});
    EXPECT_EQ(packet[kPrevTxid], std::vector<std::string>{kFundingTxid});
    EXPECT_EQ(packet[kPrevVout],
              std::vector<std::string>{std::to_string(load_u32_le(payload.data() + 24 + 32))});
    EXPECT_EQ(packet[kPubkey], std::vector<std::string>{hex_at(payload, 24 + 36, 32)});
    EXPECT_EQ(packet[kSignature], std::vector<std::string>{hex_at(payload, 24 + 68, 64)});
    const std::size_t outputs = kTransactionHeaderBytes + kInputBytes;
    ASSERT_EQ(packet[kValue].size(), 3u);
    ASSERT_EQ(packet[kPubkeyHash].size(), 3u);
    for (std::size_t o = 0; o < 3; ++o) {
      const std::size_t at = outputs + o * kOutputBytes;
      EXPECT_EQ(packet[kValue][o], std::to_string(load_u64_le(payload.data() + at)));
      EXPECT_EQ(packet[kPubkeyHash][o], hex_at(payload, at + 8, 20));
      EXPECT_EQ(packet[kOutputReserved][o], "0");
    }
  }
  // About a tenth of 300 are malformed; the rest (valid, duplicate, badly signed) decode.
  EXPECT_GT(malformed, 10);
  EXPECT_EQ(decoded + malformed, kCount);
}

Transaction payload_transaction(TxKind kind) {
  Transaction tx;
  tx.kind = kind;
  tx.chain_id = kChainIdTestnet;
  if (kind != TxKind::kEquivocationEvidence) {
    tx.outputs.push_back(TxOutput{Amount(5'000), PubkeyHash()});
  }
  if (kind == TxKind::kMasternodeRegistration) tx.inputs.push_back(TxInput{});
  tx.coinbase_height = 42;
  tx.registration.tier = 2;
  tx.registration.collateral.vout = 5;
  tx.registration.p2p_address = *fixed_from_hex<16>("00000000000000000000ffff0a010203");
  tx.registration.p2p_port = 24100;
  tx.evidence.height = 77;
  tx.evidence.round = 3;
  tx.evidence.step = 3;
  tx.evidence.pol_round_a = 0xffffffff;
  tx.evidence.pol_round_b = 0xffffffff;
  return tx;
}

TEST(DissectorTest, PayloadsOfEveryKindDecodeAndCorruptionRaisesNoLuaError) {
  tshark::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string capture = dir.path() + "/kinds.pcap";
  PcapWriter writer;
  ASSERT_TRUE(writer.open(capture).is_ok());
  UdpFrameSpec spec;
  spec.dst_port = 24002;
  std::uint64_t time_us = 0;
  auto write = [&](const Bytes& payload) {
    Bytes frame;
    append_udp_frame(spec, ByteSpan(payload), &frame);
    ASSERT_TRUE(writer.write(ByteSpan(frame), ++time_us).is_ok());
  };
  std::vector<Bytes> originals;
  for (const TxKind kind :
       {TxKind::kCoinbase, TxKind::kMasternodeRegistration, TxKind::kEquivocationEvidence}) {
    Bytes bytes;
    encode(payload_transaction(kind), &bytes);
    TransactionView view;
    ASSERT_EQ(decode_transaction_view(ByteSpan(bytes), &view), DecodeError::kOk);
    write(bytes);
    originals.push_back(bytes);
  }
  TxGenerator generator(TxGeneratorConfig{});
  originals.push_back(generator.transfer(0));
  std::mt19937 random(18);
  constexpr int kCorrupted = 300;
  for (int n = 0; n < kCorrupted; ++n) {
    Bytes bytes = originals[n % originals.size()];
    switch (n % 3) {
      case 0:
        for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) {
          bytes[random() % bytes.size()] ^= static_cast<std::uint8_t>(1 + random() % 255);
        }
        break;
      case 1:
        bytes.resize(random() % bytes.size());
        break;
      default:
        for (int extra = 1 + static_cast<int>(random() % 40); extra > 0; --extra) {
          bytes.push_back(static_cast<std::uint8_t>(random()));
        }
        break;
    }
    write(bytes);
  }
  ASSERT_TRUE(writer.close().is_ok());

  const std::vector<std::string> fields = {
      "timecoin.tx.kind",
      "timecoin.tx.coinbase.height",
      "timecoin.tx.registration.tier",
      "timecoin.tx.registration.collateral_vout",
      "timecoin.tx.registration.p2p_address",
      "timecoin.tx.registration.p2p_port",
      "timecoin.tx.evidence.height",
      "timecoin.tx.evidence.round",
      "timecoin.tx.evidence.step",
      "timecoin.tx.evidence.pol_round",
      "_ws.expert.message",
  };
  const tshark::Run run = tshark::run(capture, tshark::fields_args(fields), dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(tshark::mentions_lua_error(run)) << run.err;
  const std::vector<tshark::Packet> packets = tshark::packets(run.out, fields.size());
  ASSERT_EQ(packets.size(), 3u + kCorrupted);
  using Values = std::vector<std::string>;
  EXPECT_EQ(packets[0][0], Values{"1"});
  EXPECT_EQ(packets[0][1], Values{"42"});
  EXPECT_EQ(packets[1][0], Values{"2"});
  EXPECT_EQ(packets[1][2], Values{"2"});
  EXPECT_EQ(packets[1][3], Values{"5"});
  EXPECT_EQ(packets[1][4], Values{"::ffff:10.1.2.3"});
  EXPECT_EQ(packets[1][5], Values{"24100"});
  EXPECT_EQ(packets[2][0], Values{"3"});
  EXPECT_EQ(packets[2][6], Values{"77"});
  EXPECT_EQ(packets[2][7], Values{"3"});
  EXPECT_EQ(packets[2][8], Values{"3"});
  EXPECT_EQ(packets[2][9], (Values{"0xffffffff", "0xffffffff"}));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(packets[i][10].empty()) << i;
  int marked = 0;
  for (std::size_t i = 3; i < packets.size(); ++i) marked += packets[i][10].empty() ? 0 : 1;
  // Every cut and every extension breaks a rule; a flipped byte may land in a signature.
  EXPECT_GE(marked, 2 * kCorrupted / 3);
}

TEST(DissectorTest, IngressPortPreferenceChoosesTheDissectedPort) {
  tshark::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string capture = dir.path() + "/port.pcap";
  ASSERT_EQ(run_loadgen("--pcap '" + capture + "' --count 5 --port 25000"), 0);
  const std::vector<std::string> fields = {"frame.number", "timecoin.tx.version"};

  const tshark::Run plain = tshark::run(capture, tshark::fields_args(fields), dir.path());
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(tshark::value_counts(tshark::packets(plain.out, 2), 1).count("1"), 0u);

  const tshark::Run chosen = tshark::run(
      capture, "-o timecoin.udp_ports:25000 " + tshark::fields_args(fields), dir.path());
  ASSERT_EQ(chosen.exit_code, 0) << chosen.err;
  EXPECT_FALSE(tshark::mentions_lua_error(chosen)) << chosen.err;
  EXPECT_EQ(tshark::value_counts(tshark::packets(chosen.out, 2), 1)["1"], 5);
}

}  // namespace
}  // namespace tc::dataplane

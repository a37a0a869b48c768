// timecoin-loadgen: makes funded keys and signed transfers (with an optional share of malformed,
// duplicated and badly signed ones) and either sends them as UDP datagrams to an ingress port at a
// target rate, or writes them as Ethernet frames to a pcap file for DPDK's net_pcap replay.
//   timecoin-loadgen --target 127.0.0.1 --port 24102 --count 100000 --rate 50000
//   timecoin-loadgen --pcap tx.pcap --count 10000 --dst-ip 10.0.0.2 --malformed 50 --duplicate 50
// The generator logic lives in dataplane/loadgen/; this file only parses flags (through
// node/cli/command_line.h) and paces. Exit status: 0 when every datagram was sent or written, 2 on
// an argument error (naming the option), 1 when sending or writing failed; --help exits 0.
#include <arpa/inet.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "dataplane/frame_builder.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "dataplane/pcap_writer.h"
#include "node/cli/command_line.h"

namespace {

using tc::dataplane::GeneratedKind;

// Beyond any NIC; keeps the pacing arithmetic below 2^64.
constexpr std::uint64_t kRateMax = 1'000'000'000;
constexpr std::uint32_t kPerMille = 1000;

int fail(const tc::Status& status) {
  std::fprintf(stderr, "timecoin-loadgen: %s\n", status.to_string().c_str());
  return 1;
}

// When datagram `sent` is due at `rate` per second, counted from the start: sent / rate seconds,
// split so that no product passes 2^64 (rate <= kRateMax).
std::chrono::nanoseconds due_after(std::uint64_t sent, std::uint64_t rate) {
  return std::chrono::seconds(sent / rate) +
         std::chrono::nanoseconds(sent % rate * 1'000'000'000 / rate);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"TimeCoin load generator: signed transactions over UDP or into a pcap file"};
  app.name("timecoin-loadgen");
  tc::dataplane::TxGeneratorConfig config;
  std::string target = "127.0.0.1";
  std::uint16_t port = 24102;
  std::uint64_t count = 10'000;
  std::uint64_t rate = 0;
  std::string pcap_path;
  std::string dst_ip = "10.0.0.2";
  std::string funding_txid_hex;
  app.add_option("--target", target, "ingress address (IPv4 or IPv6 literal)");
  tc::cli::add_unsigned_option(&app, "--port", &port,
                               "ingress UDP port (24002 mainnet, 24102 testnet)", std::uint16_t{1});
  tc::cli::add_unsigned_option(&app, "--count", &count, "transactions to generate");
  tc::cli::add_unsigned_option(&app, "--rate", &rate,
                               "datagrams per second; 0 sends as fast as possible",
                               std::uint64_t{0}, kRateMax);
  app.add_option("--pcap", pcap_path, "write a pcap file instead of sending");
  app.add_option("--dst-ip", dst_ip, "pcap only: destination IPv4 address in the frames");
  tc::cli::add_unsigned_option(&app, "--chain-id", &config.chain_id,
                               "chain id signed into every transaction");
  tc::cli::add_unsigned_option(&app, "--seed", &config.seed,
                               "key derivation seed (deterministic keys)");
  tc::cli::add_unsigned_option(&app, "--keys", &config.key_count, "number of funded keys",
                               std::uint32_t{1}, std::uint32_t{1} << 20);
  app.add_option("--funding-txid", funding_txid_hex, "hex txid whose outputs fund the transfers");
  tc::cli::add_unsigned_option(&app, "--malformed", &config.malformed_per_mille,
                               "malformed share, per mille", std::uint32_t{0}, kPerMille);
  tc::cli::add_unsigned_option(&app, "--duplicate", &config.duplicate_per_mille,
                               "duplicate share, per mille", std::uint32_t{0}, kPerMille);
  tc::cli::add_unsigned_option(&app, "--bad-sig", &config.bad_signature_per_mille,
                               "bad-signature share, per mille", std::uint32_t{0}, kPerMille);
  if (auto exit_status = tc::cli::parse_command_line(&app, argc, argv)) return *exit_status;
  if (config.malformed_per_mille + config.duplicate_per_mille + config.bad_signature_per_mille >
      kPerMille) {
    return tc::cli::usage_error(app, "--malformed + --duplicate + --bad-sig exceed 1000");
  }
  if (!funding_txid_hex.empty()) {
    auto txid = tc::fixed_from_hex<32>(funding_txid_hex);
    if (!txid.is_ok()) {
      return tc::cli::usage_error(app, "--funding-txid: " + std::string(txid.status().message()));
    }
    config.funding_txid = *txid;
  }
  tc::dataplane::TxGenerator generator(config);
  std::uint64_t by_kind[4] = {};

  if (!pcap_path.empty()) {
    in_addr address{};
    if (inet_pton(AF_INET, dst_ip.c_str(), &address) != 1) {
      return tc::cli::usage_error(app, "--dst-ip \"" + dst_ip + "\" is not an IPv4 literal");
    }
    tc::dataplane::UdpFrameSpec spec;
    spec.dst_ipv4 = ntohl(address.s_addr);
    spec.dst_port = port;
    spec.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    tc::dataplane::PcapWriter writer;
    if (tc::Status s = writer.open(pcap_path); !s.is_ok()) return fail(s);
    tc::Bytes payload;
    tc::Bytes frame;
    for (std::uint64_t i = 0; i < count; ++i) {
      ++by_kind[static_cast<int>(generator.next(&payload))];
      frame.clear();
      tc::dataplane::append_udp_frame(spec, tc::ByteSpan(payload), &frame);
      if (tc::Status s = writer.write(tc::ByteSpan(frame), i); !s.is_ok()) return fail(s);
    }
    if (tc::Status s = writer.close(); !s.is_ok()) return fail(s);
  } else {
    tc::dataplane::UdpSender sender;
    if (tc::Status s = sender.open(target, port); !s.is_ok()) {
      // kConfig: --target is not an IP literal.
      if (s.code() == tc::StatusCode::kConfig) {
        return tc::cli::usage_error(app, "--target: " + std::string(s.message()));
      }
      return fail(s);
    }
    constexpr std::size_t kBatch = 64;
    std::vector<tc::Bytes> batch(kBatch);
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t sent = 0; sent < count;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBatch, count - sent));
      for (std::size_t i = 0; i < n; ++i) ++by_kind[static_cast<int>(generator.next(&batch[i]))];
      for (std::size_t done = 0; done < n;) {
        auto result = sender.send(std::span<const tc::Bytes>(batch.data() + done, n - done));
        if (!result.is_ok()) return fail(result.status());
        done += *result;
      }
      sent += n;
      if (rate > 0) std::this_thread::sleep_until(start + due_after(sent, rate));
    }
  }
  std::printf("generated %llu: valid %llu, malformed %llu, duplicate %llu, bad signature %llu\n",
              static_cast<unsigned long long>(count), static_cast<unsigned long long>(by_kind[0]),
              static_cast<unsigned long long>(by_kind[1]),
              static_cast<unsigned long long>(by_kind[2]),
              static_cast<unsigned long long>(by_kind[3]));
  return 0;
}

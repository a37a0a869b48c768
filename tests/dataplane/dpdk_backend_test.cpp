// Goal: the DPDK backend, running the real EAL (--no-huge --no-pci), turns frames from a real
// ethdev into exactly the counted outcomes and ring contents the ingress rules promise, answers
// ARP and neighbour solicitation itself, and returns every mbuf to its pool.
// Method: one EAL per process (DPDK allows one), set up by a gtest Environment with a unique
// --file-prefix. Before EAL init it writes a crafted capture with PcapWriter (replayed by
// net_pcap0; replies are captured by its tx_pcap) and, when the process may (root, `ip netns`),
// creates a veth pair whose outer end net_af_packet0 opens while the inner end sits in a network
// namespace with an address. Each test drives its own port.
// Scenarios: (1) pcap replay: valid IPv4 transactions (untagged, one VLAN tag, QinQ), an IPv6 one,
// a truncated frame, a wrong port, a bad IP total length, an ARP request (reply checked in the TX
// capture), a neighbour solicitation, a duplicate, an oversize datagram, a malformed transaction;
// each outcome by counter and in the rendered metrics, the ring holding exactly the valid ones in
// order, the pool full after. (2) af_packet on a veth pair: a kernel UDP sender in the namespace
// resolves our address by ARP (answered by us) and its datagrams reach the ring through a polling
// lcore running core/stage_loop.h, observed from the test thread through the metrics registry.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "core/cpu_affinity.h"
#include "dataplane/frame_builder.h"
#include "dataplane/ingress.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "dataplane/packet.h"
#include "dataplane/pcap_writer.h"

#ifdef TC_HAVE_DPDK
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "dataplane/dpdk_backend.h"

namespace tc::dataplane {
namespace {

const MacAddress kOurMac{0x02, 0, 0, 0, 0, 0x02};
const MacAddress kPeerMac{0x02, 0, 0, 0, 0, 0x01};
constexpr std::uint16_t kPort = 24102;

struct Shared {
  std::string pcap_in;
  std::string pcap_out;
  std::vector<Bytes> pcap_valid;  // the transactions that must reach the ring, in order
  bool have_veth = false;
  std::string veth_outer;
  std::string netns;
  std::uint32_t veth_local_ipv4 = 0;
  std::uint32_t veth_peer_ipv4 = 0;
  Status eal;
  std::vector<int> cores_before_eal;  // allowed_cores() around dpdk_eal_init
  std::vector<int> cores_after_eal;
};
Shared* g_shared = nullptr;

bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// Writes the crafted capture; remembers the valid transactions in replay order.
void write_capture(Shared* shared) {
  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> frames;
  const auto add_udp = [&](UdpFrameSpec spec, const Bytes& payload) {
    spec.dst_mac = kOurMac;
    spec.src_mac = kPeerMac;
    spec.dst_port = kPort;
    Bytes frame;
    append_udp_frame(spec, ByteSpan(payload), &frame);
    frames.push_back(frame);
  };
  const auto add_valid = [&](UdpFrameSpec spec) {
    Bytes tx = generator.transfer(shared->pcap_valid.size());
    add_udp(spec, tx);
    shared->pcap_valid.push_back(tx);
  };
  for (int i = 0; i < 5; ++i) add_valid(UdpFrameSpec{});
  UdpFrameSpec tagged;
  tagged.vlan_tags = 1;
  add_valid(tagged);
  tagged.vlan_tags = 2;
  add_valid(tagged);
  UdpFrameSpec v6;
  v6.ipv6 = true;
  add_valid(v6);
  // Truncated inside the IPv4 header.
  add_udp(UdpFrameSpec{}, generator.transfer(100));
  frames.back().resize(14 + 12);
  // Wrong port.
  UdpFrameSpec wrong_port;
  add_udp(wrong_port, generator.transfer(101));
  store_u16_be(frames.back().data() + 14 + 20 + 2, 9);
  // Bad IP total length (beyond the frame); checksum fixed so only the length is wrong.
  add_udp(UdpFrameSpec{}, generator.transfer(102));
  {
    std::uint8_t* ip = frames.back().data() + 14;
    store_u16_be(ip + 2, 1400);
    store_u16_be(ip + 10, 0);
    store_u16_be(ip + 10, checksum_finish(checksum_add(0, ByteSpan(ip, 20))));
  }
  // ARP request for us and a neighbour solicitation for us.
  frames.emplace_back();
  append_arp_request(kPeerMac, 0x0a000001, 0x0a000002, 0, &frames.back());
  frames.emplace_back();
  append_neighbor_solicitation(kPeerMac, UdpFrameSpec{}.src_ipv6, UdpFrameSpec{}.dst_ipv6,
                               &frames.back());
  // Duplicate of the first valid transaction, oversize datagram, malformed transaction.
  add_udp(UdpFrameSpec{}, shared->pcap_valid[0]);
  add_udp(UdpFrameSpec{}, Bytes(kMaxDatagramTransactionBytes + 40, 0x11));
  Bytes malformed = generator.transfer(103);
  malformed.push_back(0);
  add_udp(UdpFrameSpec{}, malformed);

  PcapWriter writer;
  ASSERT_TRUE(writer.open(shared->pcap_in).is_ok());
  std::uint64_t time_us = 1'700'000'000'000'000;
  for (const Bytes& frame : frames) ASSERT_TRUE(writer.write(ByteSpan(frame), time_us++).is_ok());
  ASSERT_TRUE(writer.close().is_ok());
}

class DpdkEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_shared = new Shared;
    const std::string tag = std::to_string(getpid());
    g_shared->pcap_in = "/tmp/tc_dataplane_" + tag + "_in.pcap";
    g_shared->pcap_out = "/tmp/tc_dataplane_" + tag + "_out.pcap";
    write_capture(g_shared);
    std::vector<std::string> args = {
        "--no-huge",
        "--no-pci",
        "--no-telemetry",
        "-m",
        "256",
        "--file-prefix=tc_dataplane_" + tag,
        "-l",
        "0-1",
        "--log-level=4",
        "--vdev=net_pcap0,rx_pcap=" + g_shared->pcap_in + ",tx_pcap=" + g_shared->pcap_out};
    // A veth pair with its inner end in a namespace, when this process may make one.
    const std::string suffix = std::to_string(getpid() % 100000);
    g_shared->netns = "tcdp" + suffix;
    g_shared->veth_outer = "tcdo" + suffix;
    const std::string inner = "tcdi" + suffix;
    const int subnet = 100 + getpid() % 100;
    g_shared->veth_local_ipv4 =
        (10u << 24) | (199u << 16) | (static_cast<unsigned>(subnet) << 8) | 1;
    g_shared->veth_peer_ipv4 = g_shared->veth_local_ipv4 + 1;
    const std::string peer_ip = "10.199." + std::to_string(subnet) + ".2/24";
    g_shared->have_veth =
        geteuid() == 0 && run("ip netns add " + g_shared->netns) &&
        run("ip link add " + g_shared->veth_outer + " type veth peer name " + inner + " netns " +
            g_shared->netns) &&
        run("ip link set " + g_shared->veth_outer + " up") &&
        run("ip -n " + g_shared->netns + " addr add " + peer_ip + " dev " + inner) &&
        run("ip -n " + g_shared->netns + " link set " + inner + " up") &&
        run("ip -n " + g_shared->netns + " link set lo up");
    if (g_shared->have_veth) {
      args.push_back("--vdev=net_af_packet0,iface=" + g_shared->veth_outer);
    }
    g_shared->cores_before_eal = allowed_cores();
    g_shared->eal = dpdk_eal_init(args);
    g_shared->cores_after_eal = allowed_cores();
  }
  void TearDown() override {
    run("ip link del " + g_shared->veth_outer);
    run("ip netns del " + g_shared->netns);
    std::remove(g_shared->pcap_in.c_str());
    std::remove(g_shared->pcap_out.c_str());
    delete g_shared;
  }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new DpdkEnvironment);

LocalEndpoint pcap_local() {
  LocalEndpoint local;
  local.mac = kOurMac;
  local.has_ipv4 = true;
  local.ipv4 = 0x0a000002;
  local.has_ipv6 = true;
  local.ipv6 = UdpFrameSpec{}.dst_ipv6;
  local.udp_port = kPort;
  return local;
}

std::vector<Bytes> drain(IngressRing* ring) {
  std::vector<Bytes> out;
  const std::uint32_t n = ring->peek(ring->depth());
  for (std::uint32_t i = 0; i < n; ++i) {
    const ByteSpan tx = ring->ready(i).transaction();
    out.emplace_back(tx.begin(), tx.end());
  }
  ring->release(n);
  return out;
}

// Reads a classic pcap back into frames (the net_pcap TX capture of our replies).
std::vector<Bytes> read_capture(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Bytes> frames;
  for (std::size_t at = 24; at + 16 <= file.size();) {
    const std::uint32_t length = load_u32_le(file.data() + at + 8);
    at += 16;
    if (at + length > file.size()) break;
    frames.emplace_back(file.begin() + static_cast<std::ptrdiff_t>(at),
                        file.begin() + static_cast<std::ptrdiff_t>(at + length));
    at += length;
  }
  return frames;
}

// rte_eal_init pins the calling thread to the main lcore (-l 0-1: core 0); the node starts its
// other stages from that thread and pins each to its own core, so dpdk_eal_init must give the
// thread its CPU set back.
TEST(DpdkBackendTest, EalInitLeavesTheStartupThreadItsCpuSet) {
  ASSERT_TRUE(g_shared->eal.is_ok()) << g_shared->eal.to_string();
  ASSERT_GT(g_shared->cores_before_eal.size(), 1u) << "needs a process allowed on 2+ cores";
  EXPECT_EQ(g_shared->cores_after_eal, g_shared->cores_before_eal);
  EXPECT_TRUE(check_cores_allowed(g_shared->cores_before_eal, "stage").is_ok());
}

TEST(DpdkBackendTest, PcapReplayCountsEveryOutcomeAndReturnsEveryMbuf) {
  ASSERT_TRUE(g_shared->eal.is_ok()) << g_shared->eal.to_string();
  RecentSet recent;
  ASSERT_TRUE(recent.init(RecentSetConfig{4096}).is_ok());
  IngressRing ring;
  ASSERT_TRUE(ring.init(64).is_ok());
  IngressRing* rings[] = {&ring};
  DpdkConfig config;
  config.port_name = "net_pcap0";
  config.mbuf_count = 1023;
  config.mbuf_cache = 32;
  config.rx_descriptors = 256;
  config.burst_max = 8;  // several bursts, and the tail of one
  config.local = pcap_local();
  MetricsRegistry metrics;
  DpdkBackend backend;
  ASSERT_TRUE(backend.init(config, &recent, rings, &metrics).is_ok());
  std::size_t frames = 0;
  for (int idle = 0; idle < 100;) {
    const std::size_t n = backend.step(0);
    frames += n;
    idle = n == 0 ? idle + 1 : 0;
  }
  const IngressCounters& c = backend.stage(0).counters();
  EXPECT_EQ(frames, 16u);
  EXPECT_EQ(c.frames, 16u);
  EXPECT_EQ(c.outcome(IngressOutcome::kAccepted), 8u);
  EXPECT_EQ(c.outcome(IngressOutcome::kTooShort), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kWrongPort), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kBadIpHeader), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kArpReplied), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kNeighborAdvertised), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kDuplicate), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kTooLong), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kMalformedTx), 1u);
  EXPECT_EQ(c.malformed(DecodeError::kTrailingBytes), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kReplyFailed), 0u);
  EXPECT_EQ(drain(&ring), g_shared->pcap_valid);
  EXPECT_EQ(backend.mbufs_available(), backend.mbufs_total());
  backend.fini();  // closes the TX capture, flushes the counters
  const std::string text = metrics.render_prometheus();
  for (const std::string& line : std::vector<std::string>{
           R"(timecoin_ingress_packets_total{queue="0",outcome="accepted"} 8)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="too_short"} 1)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="wrong_port"} 1)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="bad_ip_header"} 1)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="arp_replied"} 1)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="neighbor_advertised"} 1)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="duplicate"} 1)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="too_long"} 1)",
           R"(timecoin_ingress_packets_total{queue="0",outcome="malformed_tx"} 1)",
           R"(timecoin_ingress_malformed_total{queue="0",error="trailing_bytes"} 1)",
           R"(timecoin_ingress_nic_dropped_total{port="net_pcap0",reason="rx_ring_full"} 0)",
           R"(timecoin_ingress_mbufs_free{port="net_pcap0"} )" + std::to_string(config.mbuf_count),
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
  }

  const std::vector<Bytes> replies = read_capture(g_shared->pcap_out);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(load_u16_be(replies[0].data() + 12), kEtherTypeArp);
  EXPECT_EQ(load_u16_be(replies[0].data() + 14 + 6), 2);  // ARP reply
  EXPECT_TRUE(std::equal(kOurMac.begin(), kOurMac.end(), replies[0].data() + 14 + 8));
  EXPECT_EQ(load_u16_be(replies[1].data() + 12), kEtherTypeIpv6);
  EXPECT_EQ(replies[1][14 + 40], 136);  // neighbour advertisement
}

TEST(DpdkBackendTest, AfPacketOnVethAnswersArpAndReceivesKernelSender) {
  ASSERT_TRUE(g_shared->eal.is_ok()) << g_shared->eal.to_string();
  if (!g_shared->have_veth) {
    GTEST_SKIP() << "needs root and `ip netns` to build a veth pair in a network namespace";
  }
  RecentSet recent;
  ASSERT_TRUE(recent.init(RecentSetConfig{4096}).is_ok());
  IngressRing ring;
  ASSERT_TRUE(ring.init(64).is_ok());
  IngressRing* rings[] = {&ring};
  DpdkConfig config;
  config.port_name = "net_af_packet0";
  config.mbuf_count = 1023;
  config.mbuf_cache = 32;
  config.rx_descriptors = 256;
  config.lcores = {1};
  config.local.has_ipv4 = true;
  config.local.ipv4 = g_shared->veth_local_ipv4;
  config.local.udp_port = kPort;
  // Software UDP checksums stay off here: veth offloads them, so a frame read through AF_PACKET
  // carries only the pseudo-header sum (TP_STATUS_CSUMNOTREADY), which a real wire never does.
  config.loop.housekeeping_interval_ns = 1'000'000;
  config.loop.idle_sleep_us = 100;  // the test machine's cores are shared
  MetricsRegistry metrics;
  DpdkBackend backend;
  ASSERT_TRUE(backend.init(config, &recent, rings, &metrics).is_ok());
  const Counter& accepted = metrics.counter("timecoin_ingress_packets_total", "",
                                            {{"queue", "0"}, {"outcome", "accepted"}});
  const Counter& arp_replied = metrics.counter("timecoin_ingress_packets_total", "",
                                               {{"queue", "0"}, {"outcome", "arp_replied"}});
  std::atomic<bool> stop{false};
  ASSERT_TRUE(backend.start_lcores(&stop).is_ok());

  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> txs;
  for (std::uint64_t i = 0; i < 16; ++i) txs.push_back(generator.transfer(500 + i));
  // The sender thread enters the namespace (setns affects only the calling thread).
  Status sent = Status::ok();
  std::thread sender([&] {
    const int ns = open(("/var/run/netns/" + g_shared->netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      sent = internal_error("setns failed");
      return;
    }
    close(ns);
    const std::uint32_t ip = g_shared->veth_local_ipv4;
    const std::string target = std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) +
                               "." + std::to_string((ip >> 8) & 255) + "." +
                               std::to_string(ip & 255);
    UdpSender udp;
    sent = udp.open(target, kPort);
    if (!sent.is_ok()) return;
    // The kernel holds the datagrams while ARP resolves our address; send twice to be sure one
    // round survives (duplicates are then counted, not accepted).
    for (int round = 0; round < 2 && sent.is_ok(); ++round) {
      auto result = udp.send(txs);
      if (!result.is_ok()) sent = result.status();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  sender.join();
  ASSERT_TRUE(sent.is_ok()) << sent.to_string();
  // Up to 20 s: ARP resolution and the lcore's first polls can be slow on a loaded machine; the
  // loop ends as soon as every datagram is in.
  for (int waited = 0; waited < 2000 && accepted.value() < txs.size(); ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  backend.wait_lcores();
  EXPECT_GE(arp_replied.value(), 1u);
  EXPECT_EQ(accepted.value(), txs.size());
  EXPECT_EQ(backend.stage(0).counters().outcome(IngressOutcome::kAccepted), txs.size());
  std::vector<Bytes> received = drain(&ring);
  std::sort(received.begin(), received.end());
  std::sort(txs.begin(), txs.end());
  EXPECT_EQ(received, txs);
  backend.fini();
}

}  // namespace
}  // namespace tc::dataplane

#else

TEST(DpdkBackendTest, BuiltWithoutDpdk) {
  GTEST_SKIP() << "built with TC_DPDK off or no libdpdk";
}

#endif

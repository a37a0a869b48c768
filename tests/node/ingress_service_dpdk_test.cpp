// Goal: with DPDK in the build, the ingress service chooses, initialises and runs the DPDK backend
// from the node's configuration, and the transactions a port receives reach the verify ring.
// Method: one EAL per process, so a gtest Environment writes two captures of valid transactions
// with PcapWriter (broadcast destination MAC, 10.0.0.2, port 24102) and starts the first service
// itself, letting it initialise the EAL from ingress.eal_args (--no-huge --no-pci, a unique
// --file-prefix, -m 256, lcores 0-1) and ingress.dpdk_vdevs (net_pcap0 and net_pcap1 replaying
// them); later services find the EAL initialised. The test thread waits on counters() (bounded).
// Scenarios: backend "dpdk" on net_pcap0, its queue polled by the service's own thread (no
// cores.ingress), delivers every replayed transaction to the ring in order and counts a duplicate
// and a malformed one; "auto" with net_pcap1 configured and a specific address chooses DPDK, runs
// the queue on EAL worker lcore 1 (cores.ingress = [1]) and delivers that capture; a second
// service asking to initialise the EAL again gets kUnavailable.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "dataplane/frame_builder.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/pcap_writer.h"
#include "node/ingress/ingress_service.h"

#ifdef TC_HAVE_DPDK
#include <unistd.h>

namespace tc::node {
namespace {

using dataplane::IngressOutcome;

constexpr std::uint16_t kPort = 24102;
constexpr std::uint32_t kOurIpv4 = 0x0a000002;  // 10.0.0.2, UdpFrameSpec's destination

struct Shared {
  std::string pcap[2];
  std::vector<Bytes> valid[2];  // what each capture must deliver, in order
  std::unique_ptr<IngressService> first;
  Status first_status;
};
Shared* g_shared = nullptr;

// Writes `valid` transactions, then a duplicate of the first and a malformed one, as frames to the
// broadcast MAC (the pcap port's own MAC is not known before the EAL makes it).
void write_capture(const std::string& path, std::uint64_t first_sequence,
                   std::vector<Bytes>* valid) {
  dataplane::TxGenerator generator(dataplane::TxGeneratorConfig{});
  dataplane::UdpFrameSpec spec;
  spec.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  spec.dst_ipv4 = kOurIpv4;
  spec.dst_port = kPort;
  std::vector<Bytes> payloads;
  for (std::uint64_t i = 0; i < 24; ++i) {
    valid->push_back(generator.transfer(first_sequence + i));
    payloads.push_back(valid->back());
  }
  payloads.push_back(valid->front());
  payloads.push_back(Bytes(valid->back().begin(), valid->back().end() - 1));
  dataplane::PcapWriter writer;
  ASSERT_TRUE(writer.open(path).is_ok());
  std::uint64_t time_us = 1'700'000'000'000'000;
  for (const Bytes& payload : payloads) {
    spec.src_port = static_cast<std::uint16_t>(40000 + time_us % 64);
    Bytes frame;
    dataplane::append_udp_frame(spec, ByteSpan(payload), &frame);
    ASSERT_TRUE(writer.write(ByteSpan(frame), time_us++).is_ok());
  }
  ASSERT_TRUE(writer.close().is_ok());
}

NodeConfig dpdk_config(IngressBackend backend, const std::string& port) {
  NodeConfig config = default_config(Network::kTestnet);
  config.net.ingress_listen_address = "10.0.0.2";
  config.net.ingress_udp_port = kPort;
  config.ingress.backend = backend;
  config.ingress.dpdk_port = port;
  config.ingress.queues = 1;
  config.ingress.mbufs = 1023;
  config.ingress.mbuf_cache = 32;
  config.ingress.rx_descriptors = 256;
  config.ingress.ring_depth = 64;
  config.ingress.recent_set_capacity = 4096;
  return config;
}

IngressServiceOptions quick_options(DpdkEalSetup eal) {
  IngressServiceOptions options;
  options.dpdk_eal = eal;
  options.loop.idle_spin_steps = 16;
  options.loop.idle_yield_steps = 16;
  options.loop.idle_sleep_us = 100;  // the test machine's cores are shared
  return options;
}

class DpdkEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    g_shared = new Shared;
    const std::string tag = std::to_string(getpid());
    for (int i = 0; i < 2; ++i) {
      g_shared->pcap[i] = "/tmp/tc_ingress_service_" + tag + "_" + std::to_string(i) + ".pcap";
      write_capture(g_shared->pcap[i], 100 * static_cast<std::uint64_t>(i), &g_shared->valid[i]);
    }
    NodeConfig config = dpdk_config(IngressBackend::kDpdk, "net_pcap0");
    config.ingress.eal_args = {"--no-huge", "--no-pci", "--no-telemetry",
                               "-m",        "256",      "--file-prefix=tc_ingress_service_" + tag,
                               "-l",        "0-1",      "--log-level=4"};
    config.ingress.dpdk_vdevs = {"net_pcap0,rx_pcap=" + g_shared->pcap[0],
                                 "net_pcap1,rx_pcap=" + g_shared->pcap[1]};
    auto started = IngressService::start(config, quick_options(DpdkEalSetup::kInitialise));
    g_shared->first_status = started.status();
    if (started.is_ok()) g_shared->first = std::move(started).value();
  }
  void TearDown() override {
    g_shared->first.reset();
    for (const std::string& path : g_shared->pcap) std::remove(path.c_str());
    delete g_shared;
  }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new DpdkEnvironment);

// Waits up to 10 s until queue 0 has counted `wanted` frames; then stops the service.
void receive(IngressService* service, std::uint64_t wanted) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (service->counters(0).frames < wanted && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  service->stop();
}

std::vector<Bytes> drain(IngressService* service) {
  dataplane::IngressRing& ring = service->ring(0);
  const std::uint32_t n = ring.peek(ring.depth());
  std::vector<Bytes> out;
  for (std::uint32_t i = 0; i < n; ++i) {
    const ByteSpan tx = ring.ready(i).transaction();
    out.emplace_back(tx.begin(), tx.end());
  }
  ring.release(n);
  return out;
}

TEST(IngressServiceDpdkTest, DpdkBackendInitialisesTheEalAndReplaysACapture) {
  ASSERT_TRUE(g_shared->first_status.is_ok()) << g_shared->first_status.to_string();
  IngressService& service = *g_shared->first;
  EXPECT_EQ(service.backend(), IngressBackend::kDpdk);
  EXPECT_EQ(service.reason(), "ingress.backend is \"dpdk\"");
  EXPECT_EQ(service.udp_port(), kPort);
  const std::uint64_t frames = g_shared->valid[0].size() + 2;
  receive(&service, frames);
  const IngressQueueCounters c = service.counters(0);
  EXPECT_EQ(c.frames, frames);
  EXPECT_EQ(c.outcome(IngressOutcome::kAccepted), g_shared->valid[0].size());
  EXPECT_EQ(c.outcome(IngressOutcome::kDuplicate), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kMalformedTx), 1u);
  EXPECT_EQ(drain(&service), g_shared->valid[0]);
}

TEST(IngressServiceDpdkTest, AutoChoosesAConfiguredPortAndRunsItOnAWorkerLcore) {
  ASSERT_TRUE(g_shared->first_status.is_ok()) << g_shared->first_status.to_string();
  NodeConfig config = dpdk_config(IngressBackend::kAuto, "net_pcap1");
  config.cores.ingress = {1};
  auto started = IngressService::start(config, quick_options(DpdkEalSetup::kAlreadyInitialised));
  ASSERT_TRUE(started.is_ok()) << started.status().to_string();
  IngressService& service = **started;
  EXPECT_EQ(service.backend(), IngressBackend::kDpdk);
  EXPECT_EQ(service.reason(),
            "auto: DPDK port 'net_pcap1' configured and net.ingress_listen_address 10.0.0.2 is "
            "specific");
  const std::uint64_t frames = g_shared->valid[1].size() + 2;
  receive(&service, frames);
  const IngressQueueCounters c = service.counters(0);
  EXPECT_EQ(c.frames, frames);
  EXPECT_EQ(c.outcome(IngressOutcome::kAccepted), g_shared->valid[1].size());
  EXPECT_EQ(drain(&service), g_shared->valid[1]);
}

TEST(IngressServiceDpdkTest, SecondEalInitialisationIsRefused) {
  ASSERT_TRUE(g_shared->first_status.is_ok()) << g_shared->first_status.to_string();
  auto started = IngressService::start(dpdk_config(IngressBackend::kDpdk, "net_pcap1"),
                                       quick_options(DpdkEalSetup::kInitialise));
  ASSERT_FALSE(started.is_ok());
  EXPECT_EQ(started.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(started.status().to_string().find("already initialised"), std::string::npos)
      << started.status().to_string();
}

}  // namespace
}  // namespace tc::node

#else

TEST(IngressServiceDpdkTest, BuiltWithoutDpdk) {
  GTEST_SKIP() << "built with TC_DPDK off or no libdpdk";
}

#endif

// Goal: the ingress service picks the backend the configuration asks for, delivers every valid
// transaction a kernel sender sends to exactly one queue's ring, and fails at startup, with the key
// or port named, on every bad setup, leaving nothing running.
// Method: NodeConfigs built from the devnet profile on 127.0.0.1 with a free port; UdpSenders (each
// its own source port) send over loopback while the service's threads receive; the test thread
// waits on counters() (a bounded wait), then reads the rings after stop(). DPDK runs belong to
// ingress_service_dpdk_test.cpp and ingress_service_dpdk_no_port_test.cpp (one EAL per process).
// Scenarios: "socket" chosen, its footprint the recent set, ring and stage, and one queue's
// outcomes counted exactly, in counters() and the given registry, stop() safe twice with the ring
// still readable; "auto" without a DPDK port, and with one but an unspecified listen address,
// chooses the socket backend and says why; two queues on one port (SO_REUSEPORT, pinned to two
// cores when there are two) receive 240 transactions from 48 source ports, each exactly once, both
// queues used, each descriptor stamped with its queue; "dpdk" with an unspecified address (or in a
// build without DPDK) is kConfig; zero queues, a cores.ingress of the wrong length, a ring depth
// that is not a power of two, a port in use and a core that does not exist fail start(), and after
// the last the port is free again.
#include "node/ingress/ingress_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "core/cpu_affinity.h"
#include "dataplane/ingress_config.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"

namespace tc::node {
namespace {

using dataplane::IngressOutcome;
using dataplane::TxGenerator;
using dataplane::TxGeneratorConfig;
using dataplane::UdpSender;

NodeConfig socket_config(IngressBackend backend, std::uint32_t queues) {
  NodeConfig config = default_config(Network::kDevnet);
  config.net.ingress_listen_address = "127.0.0.1";
  config.net.ingress_udp_port = 0;
  config.ingress.backend = backend;
  config.ingress.queues = queues;
  config.ingress.ring_depth = 512;
  return config;
}

IngressServiceOptions quick_options(MetricsRegistry* metrics = nullptr) {
  IngressServiceOptions options;
  options.metrics = metrics;
  options.loop.idle_spin_steps = 16;
  options.loop.idle_yield_steps = 16;
  options.loop.idle_sleep_us = 100;
  return options;
}

std::uint64_t frames(const IngressService& service) {
  std::uint64_t total = 0;
  for (std::uint32_t q = 0; q < service.queue_count(); ++q) total += service.counters(q).frames;
  return total;
}

// Waits up to 10 s until the service has counted `wanted` datagrams over all queues.
void wait_for_frames(const IngressService& service, std::uint64_t wanted) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (frames(service) < wanted && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

std::vector<Bytes> drain(IngressService* service, std::uint32_t queue) {
  dataplane::IngressRing& ring = service->ring(queue);
  const std::uint32_t n = ring.peek(ring.depth());
  std::vector<Bytes> out;
  for (std::uint32_t i = 0; i < n; ++i) {
    EXPECT_EQ(ring.ready(i).queue, queue);
    const ByteSpan tx = ring.ready(i).transaction();
    out.emplace_back(tx.begin(), tx.end());
  }
  ring.release(n);
  return out;
}

TEST(IngressServiceTest, SocketBackendCountsOneQueueExactly) {
  MetricsRegistry metrics;
  auto started =
      IngressService::start(socket_config(IngressBackend::kSocket, 1), quick_options(&metrics));
  ASSERT_TRUE(started.is_ok()) << started.status().to_string();
  IngressService& service = **started;
  EXPECT_EQ(service.backend(), IngressBackend::kSocket);
  EXPECT_EQ(service.reason(), "ingress.backend is \"socket\"");
  const NodeConfig config = socket_config(IngressBackend::kSocket, 1);
  EXPECT_EQ(IngressService::footprint(config),
            dataplane::RecentSet::footprint(dataplane::recent_set_config(config)) +
                dataplane::IngressRing::footprint(512) +
                dataplane::IngressStage::footprint(dataplane::ingress_stage_config(config)));
  ASSERT_EQ(service.queue_count(), 1u);
  ASSERT_NE(service.udp_port(), 0);

  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> payloads;
  for (std::uint64_t i = 0; i < 20; ++i) payloads.push_back(generator.transfer(i));
  payloads.push_back(payloads[7]);                                        // duplicate
  payloads.push_back(Bytes(payloads[2].begin(), payloads[2].end() - 1));  // malformed
  UdpSender sender;
  ASSERT_TRUE(sender.open("127.0.0.1", service.udp_port()).is_ok());
  auto sent = sender.send(payloads);
  ASSERT_TRUE(sent.is_ok());
  ASSERT_EQ(*sent, payloads.size());
  wait_for_frames(service, payloads.size());

  service.stop();
  service.stop();
  const IngressQueueCounters c = service.counters(0);
  EXPECT_EQ(c.frames, payloads.size());
  EXPECT_EQ(c.outcome(IngressOutcome::kAccepted), 20u);
  EXPECT_EQ(c.outcome(IngressOutcome::kDuplicate), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kMalformedTx), 1u);
  EXPECT_GT(c.bytes, 0u);
  const std::vector<Bytes> ring = drain(&service, 0);
  EXPECT_EQ(ring, std::vector<Bytes>(payloads.begin(), payloads.begin() + 20));
  const std::string text = metrics.render_prometheus();
  EXPECT_NE(text.find(R"(timecoin_ingress_packets_total{queue="0",outcome="accepted"} 20)"),
            std::string::npos)
      << text;
}

TEST(IngressServiceTest, AutoWithoutUsableDpdkPortChoosesSocket) {
  auto no_port = IngressService::start(socket_config(IngressBackend::kAuto, 1), quick_options());
  ASSERT_TRUE(no_port.is_ok()) << no_port.status().to_string();
  EXPECT_EQ((*no_port)->backend(), IngressBackend::kSocket);
#ifdef TC_HAVE_DPDK
  EXPECT_EQ((*no_port)->reason(),
            "auto: no DPDK port configured (ingress.dpdk_port and ingress.dpdk_vdevs are empty)");
#else
  EXPECT_EQ((*no_port)->reason(), "auto: this build has no DPDK");
#endif

  // A port, but DPDK could not answer ARP for an unspecified address: sockets, and no EAL.
  NodeConfig config = socket_config(IngressBackend::kAuto, 1);
  config.net.ingress_listen_address = "0.0.0.0";
  config.ingress.dpdk_vdevs = {"net_null0"};
  auto unspecified = IngressService::start(config, quick_options());
  ASSERT_TRUE(unspecified.is_ok()) << unspecified.status().to_string();
  EXPECT_EQ((*unspecified)->backend(), IngressBackend::kSocket);
#ifdef TC_HAVE_DPDK
  EXPECT_NE((*unspecified)->reason().find("'0.0.0.0' is not a specific address"), std::string::npos)
      << (*unspecified)->reason();
#endif
}

TEST(IngressServiceTest, TwoReusePortQueuesDeliverEachTransactionToOneRing) {
  constexpr std::size_t kTxs = 240;
  NodeConfig config = socket_config(IngressBackend::kSocket, 2);
  const std::vector<int> cores = allowed_cores();
  if (cores.size() >= 2) config.cores.ingress = {cores[0], cores[1]};
  auto started = IngressService::start(config, quick_options());
  ASSERT_TRUE(started.is_ok()) << started.status().to_string();
  IngressService& service = **started;
  ASSERT_EQ(service.queue_count(), 2u);

  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> sent;
  for (std::uint64_t i = 0; i < kTxs; ++i) sent.push_back(generator.transfer(i));
  // 48 source ports, 5 transactions each; all senders stay open so their ports stay distinct.
  std::vector<UdpSender> senders(48);
  for (std::size_t s = 0; s < senders.size(); ++s) {
    ASSERT_TRUE(senders[s].open("127.0.0.1", service.udp_port()).is_ok());
    std::vector<Bytes> share;
    for (std::size_t i = s; i < kTxs; i += senders.size()) share.push_back(sent[i]);
    auto result = senders[s].send(share);
    ASSERT_TRUE(result.is_ok());
    ASSERT_EQ(*result, share.size());
  }
  wait_for_frames(service, kTxs);
  service.stop();

  std::vector<Bytes> received;
  for (std::uint32_t q = 0; q < 2; ++q) {
    const IngressQueueCounters c = service.counters(q);
    const std::vector<Bytes> ring = drain(&service, q);
    EXPECT_EQ(ring.size(), c.outcome(IngressOutcome::kAccepted)) << "queue " << q;
    EXPECT_EQ(c.frames, c.outcome(IngressOutcome::kAccepted)) << "queue " << q;
    // 48 flows hashed over two sockets: one queue empty with p = 2^-47.
    EXPECT_FALSE(ring.empty()) << "queue " << q;
    received.insert(received.end(), ring.begin(), ring.end());
  }
  std::sort(received.begin(), received.end());
  std::sort(sent.begin(), sent.end());
  EXPECT_EQ(received, sent);
}

TEST(IngressServiceTest, DpdkWithoutAnAddressItCanAnswerForFails) {
  NodeConfig config = socket_config(IngressBackend::kDpdk, 1);
  config.net.ingress_listen_address = "0.0.0.0";
  auto started = IngressService::start(config, quick_options());
  ASSERT_FALSE(started.is_ok());
  EXPECT_EQ(started.status().code(), StatusCode::kConfig);
#ifdef TC_HAVE_DPDK
  EXPECT_NE(started.status().to_string().find("net.ingress_listen_address '0.0.0.0'"),
            std::string::npos)
      << started.status().to_string();
#else
  EXPECT_NE(started.status().to_string().find("this build has no DPDK"), std::string::npos)
      << started.status().to_string();
  config.net.ingress_listen_address = "10.0.0.2";
  started = IngressService::start(config, quick_options());
  EXPECT_EQ(started.status().code(), StatusCode::kConfig);
  EXPECT_NE(started.status().to_string().find("this build has no DPDK"), std::string::npos);
#endif
}

TEST(IngressServiceTest, BadSetupFailsAtStartWithTheKeyNamed) {
  NodeConfig config = socket_config(IngressBackend::kSocket, 0);
  auto started = IngressService::start(config, quick_options());
  EXPECT_EQ(started.status().code(), StatusCode::kConfig);
  EXPECT_NE(started.status().to_string().find("ingress.queues 0"), std::string::npos);

  config = socket_config(IngressBackend::kSocket, 2);
  config.cores.ingress = {0};
  started = IngressService::start(config, quick_options());
  EXPECT_EQ(started.status().code(), StatusCode::kConfig);
  EXPECT_NE(started.status().to_string().find("cores.ingress"), std::string::npos);

  config = socket_config(IngressBackend::kSocket, 1);
  config.ingress.ring_depth = 1000;
  started = IngressService::start(config, quick_options());
  EXPECT_EQ(started.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(started.status().to_string().find("ingress.ring_depth"), std::string::npos);

  // A port in use, by another service (released at the end of the block).
  config = socket_config(IngressBackend::kSocket, 1);
  {
    auto first = IngressService::start(config, quick_options());
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    config.net.ingress_udp_port = (*first)->udp_port();
    started = IngressService::start(config, quick_options());
    EXPECT_EQ(started.status().code(), StatusCode::kConfig);
    EXPECT_NE(started.status().to_string().find(std::to_string(config.net.ingress_udp_port)),
              std::string::npos)
        << started.status().to_string();
  }

  // A core that does not exist: bound, then refused when its thread pins, and the socket closed.
  config.cores.ingress = {1023};
  started = IngressService::start(config, quick_options());
  EXPECT_EQ(started.status().code(), StatusCode::kConfig);
  EXPECT_NE(started.status().to_string().find("core 1023"), std::string::npos)
      << started.status().to_string();
  config.cores.ingress.clear();
  started = IngressService::start(config, quick_options());
  EXPECT_TRUE(started.is_ok()) << started.status().to_string();
}

}  // namespace
}  // namespace tc::node

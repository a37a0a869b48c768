// Goal: the socket backend receives real kernel UDP datagrams in both receive modes and gives them
// the same outcomes as the DPDK path; kAuto picks a mode that works on this kernel.
// Method: a UdpSender (the load generator's sender) sends over loopback to a backend bound to an
// ephemeral port; the test polls step() until every datagram is counted (bounded wait).
// Scenarios: io_uring multishot and recvmmsg each receive valid transfers into the ring with the
// sender's address; a duplicate, a malformed and an oversize datagram are counted by reason, also
// in the rendered metrics after fini(); a bad listen address and a port in use fail init with
// kConfig naming them.
#include "dataplane/socket_backend.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"

namespace tc::dataplane {
namespace {

void poll_until(SocketBackend* backend, std::uint64_t frames) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (backend->stage().counters().frames < frames &&
         std::chrono::steady_clock::now() < deadline) {
    if (backend->step() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void receive_with(SocketReceiveMode mode) {
  RecentSet recent;
  ASSERT_TRUE(recent.init(RecentSetConfig{4096}).is_ok());
  IngressRing ring;
  ASSERT_TRUE(ring.init(128).is_ok());
  SocketBackendConfig config;
  config.listen_address = "127.0.0.1";
  config.mode = mode;
  config.buffer_count = 64;
  config.burst_max = 16;
  MetricsRegistry metrics;
  SocketBackend backend;
  const Status init = backend.init(config, &recent, &ring, &metrics);
  if (mode == SocketReceiveMode::kIoUringMultishot && init.code() == StatusCode::kUnavailable) {
    GTEST_SKIP() << "kernel refuses io_uring multishot recvmsg: " << init.to_string();
  }
  ASSERT_TRUE(init.is_ok()) << init.to_string();
  if (mode != SocketReceiveMode::kAuto) {
    EXPECT_EQ(backend.mode(), mode);
  }

  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> payloads;
  for (std::uint64_t i = 0; i < 40; ++i) payloads.push_back(generator.transfer(i));
  payloads.push_back(payloads[3]);                                        // duplicate
  payloads.push_back(Bytes(payloads[5].begin(), payloads[5].end() - 1));  // malformed
  payloads.push_back(Bytes(kMaxDatagramTransactionBytes + 100, 0x22));    // oversize
  UdpSender sender;
  ASSERT_TRUE(sender.open("127.0.0.1", backend.bound_port()).is_ok());
  auto sent = sender.send(payloads);
  ASSERT_TRUE(sent.is_ok());
  ASSERT_EQ(*sent, payloads.size());
  poll_until(&backend, payloads.size());

  const IngressCounters& c = backend.stage().counters();
  EXPECT_EQ(c.frames, payloads.size());
  EXPECT_EQ(c.outcome(IngressOutcome::kAccepted), 40u);
  EXPECT_EQ(c.outcome(IngressOutcome::kDuplicate), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kMalformedTx), 1u);
  EXPECT_EQ(c.outcome(IngressOutcome::kTooLong), 1u);
  ASSERT_EQ(ring.peek(128), 40u);
  for (std::uint32_t i = 0; i < 40; ++i) {
    const IngressTx& slot = ring.ready(i);
    EXPECT_EQ(Bytes(slot.transaction().begin(), slot.transaction().end()), payloads[i]);
    EXPECT_TRUE(slot.source.is_ipv4());
    EXPECT_EQ(slot.source.ipv4(), 0x7f000001u);
  }
  ring.release(40);
  backend.fini();
  const std::string text = metrics.render_prometheus();
  for (const char* line : {R"(timecoin_ingress_packets_total{queue="0",outcome="accepted"} 40)",
                           R"(timecoin_ingress_packets_total{queue="0",outcome="duplicate"} 1)",
                           R"(timecoin_ingress_packets_total{queue="0",outcome="malformed_tx"} 1)",
                           R"(timecoin_ingress_packets_total{queue="0",outcome="too_long"} 1)"}) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line;
  }
}

TEST(SocketBackendTest, IoUringMultishotReceivesKernelDatagrams) {
  receive_with(SocketReceiveMode::kIoUringMultishot);
}

TEST(SocketBackendTest, RecvmmsgReceivesKernelDatagrams) {
  receive_with(SocketReceiveMode::kRecvmmsg);
}

TEST(SocketBackendTest, AutoChoosesAWorkingMode) {
  receive_with(SocketReceiveMode::kAuto);
}

TEST(SocketBackendTest, BadAddressAndPortInUseFailAtInit) {
  RecentSet recent;
  ASSERT_TRUE(recent.init(RecentSetConfig{64}).is_ok());
  IngressRing ring;
  ASSERT_TRUE(ring.init(8).is_ok());
  SocketBackendConfig config;
  config.listen_address = "not-an-ip";
  SocketBackend first;
  Status status = first.init(config, &recent, &ring);
  EXPECT_EQ(status.code(), StatusCode::kConfig);
  EXPECT_NE(status.to_string().find("not-an-ip"), std::string::npos);
  config.listen_address = "127.0.0.1";
  config.mode = SocketReceiveMode::kRecvmmsg;
  ASSERT_TRUE(first.init(config, &recent, &ring).is_ok());
  config.port = first.bound_port();
  SocketBackend second;
  status = second.init(config, &recent, &ring);
  EXPECT_EQ(status.code(), StatusCode::kConfig);
  EXPECT_NE(status.to_string().find(std::to_string(config.port)), std::string::npos);
}

}  // namespace
}  // namespace tc::dataplane

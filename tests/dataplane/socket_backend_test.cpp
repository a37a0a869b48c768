// Goal: the socket backend receives real kernel UDP datagrams in both receive modes and gives them
// the same outcomes as the DPDK path; kAuto picks a mode that works on this kernel; several
// backends on one port (SO_REUSEPORT) each receive a share and together receive every datagram
// exactly once, deduplicated across queues by their shared recent set.
// Method: UdpSenders (the load generator's sender; each its own source port) send over loopback
// to backends bound to an ephemeral port; the test polls step() until every datagram is counted
// (bounded wait), then reads the rings and counters.
// Scenarios: io_uring multishot and recvmmsg each receive valid transfers into the ring with the
// sender's address; a duplicate, a malformed and an oversize datagram are counted by reason, also
// in the rendered metrics after fini(); a bad listen address and a port in use fail init with
// kConfig naming them. Reuse port: three queues and 48 source ports receive 480 distinct
// transactions, each accepted exactly once, each ring's descriptors stamped with its own queue,
// the union of the rings equal to what was sent, more than one queue used; one source port lands
// on one queue, and the same transactions resent from 32 other ports are all counted duplicate,
// also on the queue that never accepted them; with the CPU spread program, a sender pinned to
// CPU c reaches queue c mod 2 only; a plain bind on a reuse-port group's port, and a reuse-port
// bind on a plain socket's port, fail with kConfig; the CPU spread without reuse_port is kConfig.
#include "dataplane/socket_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "core/cpu_affinity.h"
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

// N backends in one SO_REUSEPORT group on 127.0.0.1, one ring each, one shared recent set.
struct ReusePortGroup {
  RecentSet recent;
  std::vector<std::unique_ptr<IngressRing>> rings;
  std::vector<std::unique_ptr<SocketBackend>> backends;

  // Binds `queues` backends with `spread`; queue 0 picks the port, the others join it.
  void open(std::uint16_t queues, ReusePortSpread spread = ReusePortSpread::kHash) {
    ASSERT_TRUE(recent.init(RecentSetConfig{4096}).is_ok());
    for (std::uint16_t q = 0; q < queues; ++q) {
      rings.push_back(std::make_unique<IngressRing>());
      ASSERT_TRUE(rings.back()->init(1024).is_ok());
      SocketBackendConfig config;
      config.listen_address = "127.0.0.1";
      config.port = q == 0 ? 0 : backends[0]->bound_port();
      config.reuse_port = true;
      config.reuse_port_spread = spread;
      config.reuse_port_sockets = queues;
      config.ingress.queue = q;
      backends.push_back(std::make_unique<SocketBackend>());
      const Status status = backends.back()->init(config, &recent, rings.back().get());
      ASSERT_TRUE(status.is_ok()) << status.to_string();
      ASSERT_EQ(backends.back()->bound_port(), backends[0]->bound_port());
    }
  }
  std::uint16_t port() const { return backends[0]->bound_port(); }

  std::uint64_t frames() const {
    std::uint64_t total = 0;
    for (const auto& backend : backends) total += backend->stage().counters().frames;
    return total;
  }
  std::uint64_t outcome(std::uint16_t queue, IngressOutcome o) const {
    return backends[queue]->stage().counters().outcome(o);
  }
  std::uint64_t total(IngressOutcome o) const {
    std::uint64_t sum = 0;
    for (std::uint16_t q = 0; q < backends.size(); ++q) sum += outcome(q, o);
    return sum;
  }

  // Steps every backend in turn until `frames` datagrams are counted in all, for at most 10 s.
  void poll_until(std::uint64_t wanted) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (this->frames() < wanted && std::chrono::steady_clock::now() < deadline) {
      std::uint32_t handled = 0;
      for (auto& backend : backends) handled += backend->step();
      if (handled == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  // Takes every descriptor out of queue q's ring, checking that each carries queue q.
  std::vector<Bytes> drain(std::uint16_t q) {
    IngressRing& ring = *rings[q];
    const std::uint32_t n = ring.peek(ring.depth());
    std::vector<Bytes> out;
    for (std::uint32_t i = 0; i < n; ++i) {
      EXPECT_EQ(ring.ready(i).queue, q);
      const ByteSpan tx = ring.ready(i).transaction();
      out.emplace_back(tx.begin(), tx.end());
    }
    ring.release(n);
    return out;
  }
};

// Sends payloads[i] from senders[i % senders.size()], each sender its own source port.
void send_spread(std::vector<UdpSender>& senders, const std::vector<Bytes>& payloads) {
  std::vector<std::vector<Bytes>> per_sender(senders.size());
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    per_sender[i % senders.size()].push_back(payloads[i]);
  }
  for (std::size_t s = 0; s < senders.size(); ++s) {
    auto sent = senders[s].send(per_sender[s]);
    ASSERT_TRUE(sent.is_ok()) << sent.status().to_string();
    ASSERT_EQ(*sent, per_sender[s].size());
  }
}

std::vector<UdpSender> open_senders(std::size_t count, std::uint16_t port) {
  std::vector<UdpSender> senders(count);
  for (UdpSender& sender : senders) EXPECT_TRUE(sender.open("127.0.0.1", port).is_ok());
  return senders;
}

TEST(SocketBackendReusePortTest, QueuesShareOnePortAndReceiveEachDatagramOnce) {
  constexpr std::uint16_t kQueues = 3;
  constexpr std::size_t kTxs = 480;
  ReusePortGroup group;
  ASSERT_NO_FATAL_FAILURE(group.open(kQueues));
  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> sent;
  for (std::uint64_t i = 0; i < kTxs; ++i) sent.push_back(generator.transfer(i));
  std::vector<UdpSender> senders = open_senders(48, group.port());
  ASSERT_NO_FATAL_FAILURE(send_spread(senders, sent));
  group.poll_until(kTxs);

  EXPECT_EQ(group.frames(), kTxs);
  EXPECT_EQ(group.total(IngressOutcome::kAccepted), kTxs);
  EXPECT_EQ(group.total(IngressOutcome::kDuplicate), 0u);
  std::vector<Bytes> received;
  std::uint32_t queues_used = 0;
  for (std::uint16_t q = 0; q < kQueues; ++q) {
    const std::vector<Bytes> ring = group.drain(q);
    EXPECT_EQ(ring.size(), group.outcome(q, IngressOutcome::kAccepted)) << "queue " << q;
    if (!ring.empty()) ++queues_used;
    received.insert(received.end(), ring.begin(), ring.end());
  }
  // 48 flows over 3 sockets by the kernel's hash: all on one would happen with p = 3^-47.
  EXPECT_GE(queues_used, 2u);
  std::sort(received.begin(), received.end());
  std::sort(sent.begin(), sent.end());
  EXPECT_EQ(received, sent);  // every transaction once: none lost, none on two queues
}

TEST(SocketBackendReusePortTest, SharedRecentSetCatchesDuplicatesOnAnotherQueue) {
  constexpr std::size_t kTxs = 32;
  ReusePortGroup group;
  ASSERT_NO_FATAL_FAILURE(group.open(2));
  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> originals;
  for (std::uint64_t i = 0; i < kTxs; ++i) originals.push_back(generator.transfer(1000 + i));
  // One source port: one 4-tuple, so the kernel hands every datagram to the same queue.
  std::vector<UdpSender> one = open_senders(1, group.port());
  ASSERT_NO_FATAL_FAILURE(send_spread(one, originals));
  group.poll_until(kTxs);
  ASSERT_EQ(group.total(IngressOutcome::kAccepted), kTxs);
  const std::uint16_t first = group.outcome(0, IngressOutcome::kAccepted) == kTxs ? 0 : 1;
  const std::uint16_t other = 1 - first;
  ASSERT_EQ(group.outcome(first, IngressOutcome::kAccepted), kTxs);

  // The same transactions from 32 new source ports, one each: spread over both queues.
  std::vector<UdpSender> many = open_senders(kTxs, group.port());
  ASSERT_NO_FATAL_FAILURE(send_spread(many, originals));
  group.poll_until(2 * kTxs);
  EXPECT_EQ(group.frames(), 2 * kTxs);
  EXPECT_EQ(group.total(IngressOutcome::kAccepted), kTxs);
  EXPECT_EQ(group.total(IngressOutcome::kDuplicate), kTxs);
  // The other queue never accepted any of them, yet knew each was a duplicate (p = 2^-32 that no
  // resend reached it).
  EXPECT_EQ(group.outcome(other, IngressOutcome::kAccepted), 0u);
  EXPECT_GT(group.outcome(other, IngressOutcome::kDuplicate), 0u);
  EXPECT_EQ(group.drain(first).size(), kTxs);
  EXPECT_TRUE(group.drain(other).empty());
}

TEST(SocketBackendReusePortTest, CpuSpreadSteersBySendingCpu) {
  const std::vector<int> cores = allowed_cores();
  if (cores.size() < 2) GTEST_SKIP() << "needs two CPUs to send from";
  ReusePortGroup group;
  ASSERT_NO_FATAL_FAILURE(group.open(2, ReusePortSpread::kCpu));
  TxGenerator generator(TxGeneratorConfig{});
  // Loopback receives a datagram in the sending CPU's softirq (no RPS on lo), so the program sees
  // the sender's CPU: 16 transactions from each of two CPUs, over 8 source ports each.
  std::vector<Bytes> by_cpu[2];
  for (int c = 0; c < 2; ++c) {
    for (std::uint64_t i = 0; i < 16; ++i)
      by_cpu[c].push_back(generator.transfer(2000 + 100 * c + i));
    Status sent = Status::ok();
    std::thread sender([&] {
      sent = pin_current_thread(cores[c]);
      if (!sent.is_ok()) return;
      std::vector<UdpSender> senders = open_senders(8, group.port());
      send_spread(senders, by_cpu[c]);
    });
    sender.join();
    ASSERT_TRUE(sent.is_ok()) << sent.to_string();
  }
  group.poll_until(32);
  EXPECT_EQ(group.total(IngressOutcome::kAccepted), 32u);
  std::vector<Bytes> expected[2];
  for (int c = 0; c < 2; ++c) {
    std::vector<Bytes>& queue = expected[cores[c] % 2];
    queue.insert(queue.end(), by_cpu[c].begin(), by_cpu[c].end());
  }
  for (std::uint16_t q = 0; q < 2; ++q) {
    std::vector<Bytes> received = group.drain(q);
    std::sort(received.begin(), received.end());
    std::sort(expected[q].begin(), expected[q].end());
    EXPECT_EQ(received, expected[q]) << "queue " << q;
  }
}

TEST(SocketBackendReusePortTest, MixedReusePortBindsAndBadSpreadFailAtInit) {
  RecentSet recent;
  ASSERT_TRUE(recent.init(RecentSetConfig{64}).is_ok());
  IngressRing ring;
  ASSERT_TRUE(ring.init(8).is_ok());
  SocketBackendConfig config;
  config.listen_address = "127.0.0.1";
  config.mode = SocketReceiveMode::kRecvmmsg;
  config.reuse_port = true;
  SocketBackend grouped;
  ASSERT_TRUE(grouped.init(config, &recent, &ring).is_ok());
  // Without SO_REUSEPORT the group's port is in use.
  SocketBackendConfig plain = config;
  plain.reuse_port = false;
  plain.port = grouped.bound_port();
  SocketBackend second;
  Status status = second.init(plain, &recent, &ring);
  EXPECT_EQ(status.code(), StatusCode::kConfig);
  EXPECT_NE(status.to_string().find(std::to_string(plain.port)), std::string::npos);
  // A plain socket's port cannot be joined with SO_REUSEPORT either.
  plain.port = 0;
  SocketBackend alone;
  ASSERT_TRUE(alone.init(plain, &recent, &ring).is_ok());
  SocketBackendConfig joining = config;
  joining.port = alone.bound_port();
  SocketBackend third;
  status = third.init(joining, &recent, &ring);
  EXPECT_EQ(status.code(), StatusCode::kConfig);
  EXPECT_NE(status.to_string().find("SO_REUSEPORT"), std::string::npos);
  // The CPU program needs a group and its size.
  SocketBackendConfig cpu = config;
  cpu.reuse_port_spread = ReusePortSpread::kCpu;
  cpu.reuse_port_sockets = 0;
  SocketBackend fourth;
  EXPECT_EQ(fourth.init(cpu, &recent, &ring).code(), StatusCode::kConfig);
  cpu.reuse_port_sockets = 2;
  cpu.reuse_port = false;
  EXPECT_EQ(fourth.init(cpu, &recent, &ring).code(), StatusCode::kConfig);
}

}  // namespace
}  // namespace tc::dataplane

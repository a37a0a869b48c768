// Ingress throughput per core for valid 252-byte transaction datagrams (verification excluded):
//   BM_DedupKey        the keyed NH dedup key of one burst (what ingress hashes), against
//   BM_WireHashSha256  the SHA-256 wire hash of the same burst (sha256_many, what it used to hash);
//   BM_IngressStage    the backend-independent stage alone: bounds, decode, dedup key, recent set,
//                      ring enqueue with copy (the DPDK path's own per-datagram work), with a
//                      recent set of 2^16 keys (512 KiB, cache-resident) and of 2^20 (8 MiB, the
//                      default: nearly every insert misses the caches);
//   BM_DpdkNetRing     the whole DPDK path on one lcore: frames written into recycled mbufs and
//                      injected into a net_ring port (TX into its ring), then DpdkBackend::step (rx
//                      burst, classify, stage, mbuf free); the injection is included;
//   BM_DpdkNetRingInjectOnly  the injection with a bare rx burst and free, so that the path's own
//                      work (classify + stage) is the difference;
//   BM_SocketLoopback  the baseline: the kernel socket backend receiving the same datagrams over
//                      loopback (sendmmsg and receive on the same core, io_uring or recvmmsg).
//   BM_SocketSendOnly  the sending half alone, so the receive cost is the difference.
// Every pass edits each transaction's lock_time so that dedup keys stay new and dedup accepts
// them. Ratios go to docs/benchmarks.md; run: build/bin/bench_ingress --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/sha2.h"
#include "dataplane/dedup_key.h"
#include "dataplane/frame_builder.h"
#include "dataplane/ingress.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "dataplane/socket_backend.h"

#ifdef TC_HAVE_DPDK
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/dpdk_backend.h"
#endif

namespace tc::dataplane {
namespace {

constexpr std::size_t kTransactions = 4096;
constexpr std::size_t kBurst = 32;
constexpr std::size_t kLockTimeOffset = 16;  // in the transaction header

std::vector<Bytes> make_transactions() {
  TxGenerator generator(TxGeneratorConfig{});
  std::vector<Bytes> txs;
  const Bytes first = generator.transfer(0);
  // One signed transfer, varied by input vout: distinct hashes, no signing cost in the setup.
  for (std::size_t i = 0; i < kTransactions; ++i) {
    Bytes tx = first;
    store_u32_le(tx.data() + kTransactionHeaderBytes + kInputPrevVoutOffset,
                 static_cast<std::uint32_t>(i));
    txs.push_back(tx);
  }
  return txs;
}

void BM_DedupKey(benchmark::State& state) {
  const std::vector<Bytes> txs = make_transactions();
  const DedupHashKey key = DedupHashKey::from_seed(1);
  std::size_t next = 0;
  for (auto _ : state) {
    for (std::size_t i = next; i < next + kBurst; ++i) {
      benchmark::DoNotOptimize(dedup_key(key, ByteSpan(txs[i])));
    }
    next = (next + kBurst) % kTransactions;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
}
BENCHMARK(BM_DedupKey);

void BM_WireHashSha256(benchmark::State& state) {
  const std::vector<Bytes> txs = make_transactions();
  std::vector<ByteSpan> spans(txs.begin(), txs.end());
  std::vector<Hash256> hashes(kBurst);
  std::size_t next = 0;
  for (auto _ : state) {
    sha256_many(std::span<const ByteSpan>(spans.data() + next, kBurst), hashes);
    benchmark::DoNotOptimize(hashes.data());
    next = (next + kBurst) % kTransactions;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
}
BENCHMARK(BM_WireHashSha256);

void BM_IngressStage(benchmark::State& state) {
  std::vector<Bytes> txs = make_transactions();
  RecentSet recent;
  (void)recent.init(RecentSetConfig{static_cast<std::uint32_t>(state.range(0))});
  IngressRing ring;
  (void)ring.init(4096);
  IngressStage stage;
  (void)stage.init(IngressConfig{}, &recent, &ring);
  std::vector<Datagram> datagrams(kTransactions);
  for (std::size_t i = 0; i < kTransactions; ++i) {
    datagrams[i] = Datagram{ByteSpan(txs[i]), SourceAddress::from_ipv4(0x0a000001, 4000)};
  }
  std::uint64_t pass = 0;
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == 0) {
      ++pass;
      for (Bytes& tx : txs) store_u64_le(tx.data() + kLockTimeOffset, pass);
    }
    stage.process_burst(std::span<const Datagram>(datagrams.data() + next, kBurst), pass);
    ring.release(ring.peek(kBurst));
    next = (next + kBurst) % kTransactions;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
  state.counters["accepted"] =
      static_cast<double>(stage.counters().outcome(IngressOutcome::kAccepted));
  state.counters["dropped"] = static_cast<double>(
      stage.counters().frames - stage.counters().outcome(IngressOutcome::kAccepted));
}
BENCHMARK(BM_IngressStage)->Arg(1 << 16)->Arg(1 << 20);

#ifdef TC_HAVE_DPDK
// The DPDK port and its input, as a NIC would feed it: each burst takes mbufs from a pool with a
// per-lcore cache (so it gets back the ones the backend just freed, still in cache, as a NIC's
// descriptor refill does) and writes a frame into each, standing in for the NIC's DMA, with the
// pass number in its lock_time so that every frame is new to the dedup set. The write is CPU work
// a NIC would do instead; BM_DpdkNetRingInjectOnly measures it so that it can be taken out.
class NetRingFeed {
 public:
  Status init(DpdkBackend* backend, RecentSet* recent, IngressRing* ring) {
    const std::vector<Bytes> txs = make_transactions();
    DpdkConfig config;
    config.port_name = "net_ring0";
    config.burst_max = kBurst;
    config.local.mac = {0x02, 0, 0, 0, 0, 0x02};
    config.local.has_ipv4 = true;
    config.local.ipv4 = 0x0a000002;
    config.local.udp_port = 24002;
    IngressRing* rings[] = {ring};
    TC_RETURN_IF_ERROR(backend->init(config, recent, rings));
    port_ = backend->port_id();
    pool_ = rte_pktmbuf_pool_create("bench_frames", 2047, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                    SOCKET_ID_ANY);
    if (pool_ == nullptr) return Status(StatusCode::kResourceExhausted, "bench frame pool");
    for (const Bytes& tx : txs) {
      UdpFrameSpec spec;
      spec.dst_mac = config.local.mac;
      spec.udp_checksum = false;
      Bytes frame;
      append_udp_frame(spec, ByteSpan(tx), &frame);
      frames_.push_back(std::move(frame));
    }
    return Status::ok();
  }
  ~NetRingFeed() {
    if (pool_ != nullptr) rte_mempool_free(pool_);
  }

  // Writes the next burst of frames into fresh mbufs and enqueues them on the port's RX side.
  void inject(std::uint64_t pass) {
    rte_mbuf** burst = burst_.data();
    if (rte_pktmbuf_alloc_bulk(pool_, burst, kBurst) != 0) return;
    for (std::size_t i = 0; i < kBurst; ++i) {
      const Bytes& frame = frames_[next_ + i];
      auto* data = rte_pktmbuf_mtod(burst[i], std::uint8_t*);
      std::memcpy(data, frame.data(), frame.size());
      burst[i]->data_len = burst[i]->pkt_len = static_cast<std::uint16_t>(frame.size());
      store_u64_le(data + kFrameHeaderBytes + kLockTimeOffset, pass);
    }
    const std::uint16_t sent = rte_eth_tx_burst(port_, 0, burst, kBurst);
    if (sent < kBurst) rte_pktmbuf_free_bulk(burst + sent, kBurst - sent);
    next_ = (next_ + kBurst) % kTransactions;
  }
  bool wrapped() const { return next_ == 0; }
  std::uint16_t port() const { return port_; }

 private:
  static constexpr std::size_t kFrameHeaderBytes = 14 + 20 + 8;  // Ethernet, IPv4, UDP
  std::vector<Bytes> frames_;
  std::array<rte_mbuf*, kBurst> burst_{};
  rte_mempool* pool_ = nullptr;
  std::uint16_t port_ = 0;
  std::size_t next_ = 0;
};

void BM_DpdkNetRing(benchmark::State& state) {
  RecentSet recent;
  (void)recent.init(RecentSetConfig{1u << 20});
  IngressRing ring;
  (void)ring.init(4096);
  DpdkBackend backend;
  {
    NetRingFeed feed;
    const Status init = feed.init(&backend, &recent, &ring);
    if (!init.is_ok()) return state.SkipWithError(init.to_string().c_str());
    std::uint64_t pass = 1;
    std::uint64_t received = 0;
    for (auto _ : state) {
      feed.inject(pass);
      received += backend.step(0);
      ring.release(ring.peek(kBurst));
      if (feed.wrapped()) ++pass;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(received));
    const IngressCounters& counters = backend.stage(0).counters();
    state.counters["accepted"] = static_cast<double>(counters.outcome(IngressOutcome::kAccepted));
    state.counters["dropped"] =
        static_cast<double>(counters.frames - counters.outcome(IngressOutcome::kAccepted));
    backend.fini();
  }
}
BENCHMARK(BM_DpdkNetRing);

// The feed alone, drained by a bare receive burst and free: what BM_DpdkNetRing spends outside
// classification and the ingress stage.
void BM_DpdkNetRingInjectOnly(benchmark::State& state) {
  RecentSet recent;
  (void)recent.init(RecentSetConfig{64});
  IngressRing ring;
  (void)ring.init(8);
  DpdkBackend backend;
  {
    NetRingFeed feed;
    const Status init = feed.init(&backend, &recent, &ring);
    if (!init.is_ok()) return state.SkipWithError(init.to_string().c_str());
    std::uint64_t pass = 1;
    std::uint64_t received = 0;
    rte_mbuf* burst[kBurst];
    for (auto _ : state) {
      feed.inject(pass);
      const std::uint16_t n = rte_eth_rx_burst(feed.port(), 0, burst, kBurst);
      rte_pktmbuf_free_bulk(burst, n);
      received += n;
      if (feed.wrapped()) ++pass;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(received));
    backend.fini();
  }
}
BENCHMARK(BM_DpdkNetRingInjectOnly);
#endif

void BM_SocketLoopback(benchmark::State& state) {
  std::vector<Bytes> txs = make_transactions();
  RecentSet recent;
  (void)recent.init(RecentSetConfig{1u << 20});
  IngressRing ring;
  (void)ring.init(4096);
  SocketBackendConfig config;
  config.listen_address = "127.0.0.1";
  config.mode =
      state.range(0) == 0 ? SocketReceiveMode::kIoUringMultishot : SocketReceiveMode::kRecvmmsg;
  config.burst_max = kBurst;
  SocketBackend backend;
  const Status init = backend.init(config, &recent, &ring);
  if (!init.is_ok()) return state.SkipWithError(init.to_string().c_str());
  state.SetLabel(std::string(socket_receive_mode_name(backend.mode())));
  UdpSender sender;
  (void)sender.open("127.0.0.1", backend.bound_port());
  std::uint64_t pass = 0;
  std::size_t next = 0;
  std::uint64_t received = 0;
  for (auto _ : state) {
    if (next == 0) {
      ++pass;
      for (Bytes& tx : txs) store_u64_le(tx.data() + kLockTimeOffset, pass);
    }
    (void)sender.send(std::span<const Bytes>(txs.data() + next, kBurst));
    for (int idle = 0; idle < 4;) {
      const std::size_t n = backend.step();
      received += n;
      idle = n == 0 ? idle + 1 : 0;
    }
    ring.release(ring.peek(4096));
    next = (next + kBurst) % kTransactions;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(received));
  state.counters["accepted"] =
      static_cast<double>(backend.stage().counters().outcome(IngressOutcome::kAccepted));
}
BENCHMARK(BM_SocketLoopback)->Arg(0)->Arg(1);

void BM_SocketSendOnly(benchmark::State& state) {
  const std::vector<Bytes> txs = make_transactions();
  SocketBackendConfig config;
  config.listen_address = "127.0.0.1";
  config.mode = SocketReceiveMode::kRecvmmsg;
  RecentSet recent;
  (void)recent.init(RecentSetConfig{64});
  IngressRing ring;
  (void)ring.init(8);
  SocketBackend
      sink;  // bound, never read: the kernel delivers until the buffer is full, then drops
  (void)sink.init(config, &recent, &ring);
  UdpSender sender;
  (void)sender.open("127.0.0.1", sink.bound_port());
  std::size_t next = 0;
  for (auto _ : state) {
    (void)sender.send(std::span<const Bytes>(txs.data() + next, kBurst));
    next = (next + kBurst) % kTransactions;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBurst));
}
BENCHMARK(BM_SocketSendOnly);

}  // namespace
}  // namespace tc::dataplane

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
#ifdef TC_HAVE_DPDK
  const tc::Status eal = tc::dataplane::dpdk_eal_init(
      {"--no-huge", "--no-pci", "--no-telemetry", "-m", "512", "-l", "0", "--log-level=4",
       "--file-prefix=tc_bench_ingress_" + std::to_string(getpid()), "--vdev=net_ring0"});
  if (!eal.is_ok()) std::fprintf(stderr, "%s\n", eal.to_string().c_str());
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

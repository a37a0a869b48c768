#include "dataplane/dpdk_backend.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sched.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"

namespace tc::dataplane {
namespace {

constexpr std::uint64_t kPortStatsIntervalNs = 1'000'000'000;

std::string dpdk_error(int error) {
  return rte_strerror(error < 0 ? -error : error);
}

std::atomic<bool> g_eal_initialised{false};
std::atomic<unsigned> g_pool_serial{0};

}  // namespace

Status dpdk_eal_init(const std::vector<std::string>& args) {
  if (g_eal_initialised.exchange(true)) {
    return unavailable("DPDK EAL already initialised in this process");
  }
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.emplace_back("timecoind");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  cpu_set_t before;
  const bool saved = sched_getaffinity(0, sizeof(before), &before) == 0;
  const int rc = rte_eal_init(static_cast<int>(storage.size()), argv.data());
  if (saved && sched_setaffinity(0, sizeof(before), &before) != 0) {
    TC_LOG_WARN("DPDK EAL: cannot restore the startup thread's CPU set",
                {{"error", std::strerror(errno)}});
  }
  if (rc < 0) {
    return config_error("DPDK EAL init failed: " + dpdk_error(rte_errno));
  }
  TC_LOG_INFO("DPDK EAL initialised",
              {{"lcores", rte_lcore_count()}, {"ports", rte_eth_dev_count_avail()}});
  return Status::ok();
}

// One RX queue: its stage and its per-burst scratch, sized at init.
struct DpdkQueue {
  IngressStage stage;
  rte_mbuf* mbufs[kMaxBurst];
  Datagram datagrams[kMaxBurst];
};

// One queue as a core/stage_loop.h stage. It is the source of the data path, so once the stop flag
// is set it stops receiving (step returns 0) and the loop returns after a last housekeeping.
class DpdkQueueLoop {
 public:
  DpdkQueueLoop(DpdkBackend* backend, std::uint16_t queue, const StageLoopOptions& options,
                const std::atomic<bool>* stop)
      : backend_(backend), queue_(queue), options_(options), stop_(stop) {}

  std::uint32_t step(std::uint32_t burst_max) {
    if (stop_->load(std::memory_order_relaxed)) return 0;
    return static_cast<std::uint32_t>(backend_->step(queue_, burst_max));
  }
  void housekeeping(std::uint64_t now_ns) { backend_->housekeeping(queue_, now_ns); }

  // The lcore's entry point (rte_lcore_function_t): the standard loop over this queue.
  static int run(void* argument) {
    auto* loop = static_cast<DpdkQueueLoop*>(argument);
    const Status status = run_stage_loop(*loop, loop->options_, *loop->stop_);
    if (!status.is_ok()) {
      TC_LOG_ERROR("dpdk ingress loop failed",
                   {{"queue", loop->queue_}, {"error", status.to_string()}});
      return -1;
    }
    return 0;
  }

 private:
  DpdkBackend* backend_;
  std::uint16_t queue_;
  StageLoopOptions options_;
  const std::atomic<bool>* stop_;
};

struct DpdkBackend::State {
  DpdkConfig config;
  std::uint16_t port = 0;
  bool port_started = false;
  rte_mempool* pool = nullptr;
  LocalEndpoint local;
  std::vector<std::unique_ptr<DpdkQueue>> queues;
  bool checksum_offload = false;
  std::vector<unsigned> launched;
  std::vector<std::unique_ptr<DpdkQueueLoop>> loops;

  // Port-wide series, updated by queue 0's housekeeping (null without a registry).
  Counter* nic_missed_metric = nullptr;
  Counter* nic_no_mbuf_metric = nullptr;
  Gauge* mbufs_free_metric = nullptr;
  std::uint64_t flushed_missed = 0;
  std::uint64_t flushed_no_mbuf = 0;
  std::uint64_t next_port_stats_ns = 0;

  std::size_t step(std::uint16_t queue, std::uint32_t burst_max);
  void reply(IngressStage& stage, std::uint16_t queue, const rte_mbuf* request,
             const FrameInfo& info);
  void port_housekeeping(std::uint64_t now_ns);
};

void DpdkBackend::State::reply(IngressStage& stage, std::uint16_t queue, const rte_mbuf* request,
                               const FrameInfo& info) {
  const ByteSpan frame(rte_pktmbuf_mtod(request, const std::uint8_t*), request->data_len);
  rte_mbuf* answer = rte_pktmbuf_alloc(pool);
  if (answer == nullptr) return stage.count_frame(IngressOutcome::kReplyFailed, frame.size());
  MutableByteSpan room(rte_pktmbuf_mtod(answer, std::uint8_t*), rte_pktmbuf_tailroom(answer));
  const bool arp = info.kind == FrameKind::kArpRequest;
  const std::size_t bytes = arp ? build_arp_reply(frame, info, local, room)
                                : build_neighbor_advertisement(frame, info, local, room);
  answer->data_len = static_cast<std::uint16_t>(bytes);
  answer->pkt_len = static_cast<std::uint32_t>(bytes);
  if (bytes == 0 || rte_eth_tx_burst(port, queue, &answer, 1) != 1) {
    rte_pktmbuf_free(answer);
    return stage.count_frame(IngressOutcome::kReplyFailed, frame.size());
  }
  stage.count_frame(arp ? IngressOutcome::kArpReplied : IngressOutcome::kNeighborAdvertised,
                    frame.size());
}

std::size_t DpdkBackend::State::step(std::uint16_t queue, std::uint32_t burst_max) {
  DpdkQueue& q = *queues[queue];
  rte_mbuf** mbufs = q.mbufs;
  const std::uint16_t wanted =
      static_cast<std::uint16_t>(burst_max < config.burst_max ? burst_max : config.burst_max);
  const std::uint16_t received = rte_eth_rx_burst(port, queue, mbufs, wanted);
  if (received == 0) return 0;
  const std::uint64_t now_ns = steady_now_ns();
  IngressStage& stage = q.stage;
  Datagram* datagrams = q.datagrams;
  std::size_t count = 0;
  std::size_t bytes = 0;
  FrameInfo info;
  for (std::uint16_t i = 0; i < received; ++i) {
    if (i + 1 < received) rte_prefetch0(rte_pktmbuf_mtod(mbufs[i + 1], void*));
    const rte_mbuf* m = mbufs[i];
    if (m->nb_segs != 1) {  // frames we accept fit one default-sized buffer
      stage.count_frame(IngressOutcome::kTooLong, m->pkt_len);
      continue;
    }
    if (checksum_offload) {
      if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
        stage.count_frame(IngressOutcome::kBadIpHeader, m->data_len);
        continue;
      }
      if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD) {
        stage.count_frame(IngressOutcome::kBadUdpChecksum, m->data_len);
        continue;
      }
    }
    const ByteSpan frame(rte_pktmbuf_mtod(m, const std::uint8_t*), m->data_len);
    classify_frame(frame, local, &info);
    switch (info.kind) {
      case FrameKind::kDatagram:
        datagrams[count].payload = info.payload;
        datagrams[count].source = info.source;
        ++count;
        bytes += frame.size();
        break;
      case FrameKind::kArpRequest:
      case FrameKind::kNeighborSolicitation:
        reply(stage, queue, m, info);
        break;
      case FrameKind::kDrop:
        stage.count_frame(info.drop, frame.size());
        break;
    }
  }
  stage.count_burst(bytes);
  stage.process_burst(std::span<const Datagram>(datagrams, count), now_ns);
  // The accepted transactions were copied into the verify ring: every mbuf goes back now.
  rte_pktmbuf_free_bulk(mbufs, received);
  return received;
}

void DpdkBackend::State::port_housekeeping(std::uint64_t now_ns) {
  if (nic_missed_metric == nullptr || now_ns < next_port_stats_ns) return;
  next_port_stats_ns = now_ns + kPortStatsIntervalNs;
  rte_eth_stats stats;
  if (rte_eth_stats_get(port, &stats) == 0) {
    // Counters a port reset may lower are flushed as "no change" until they pass the mark again.
    if (stats.imissed > flushed_missed) nic_missed_metric->add(stats.imissed - flushed_missed);
    if (stats.rx_nombuf > flushed_no_mbuf) {
      nic_no_mbuf_metric->add(stats.rx_nombuf - flushed_no_mbuf);
    }
    if (stats.imissed > flushed_missed) flushed_missed = stats.imissed;
    if (stats.rx_nombuf > flushed_no_mbuf) flushed_no_mbuf = stats.rx_nombuf;
  }
  mbufs_free_metric->set(static_cast<std::int64_t>(rte_mempool_avail_count(pool)));
}

DpdkBackend::DpdkBackend() : state_(std::make_unique<State>()) {}
DpdkBackend::~DpdkBackend() {
  fini();
}

std::size_t DpdkBackend::footprint(const DpdkConfig& config) {
  return std::size_t{config.mbuf_count} *
         (RTE_MBUF_DEFAULT_BUF_SIZE + sizeof(rte_mbuf) + RTE_CACHE_LINE_SIZE);
}

Status DpdkBackend::init(const DpdkConfig& config, RecentSet* recent,
                         std::span<IngressRing* const> rings, MetricsRegistry* metrics) {
  fini();
  State& s = *state_;
  s.config = config;
  s.queues.clear();
  s.nic_missed_metric = nullptr;
  s.nic_no_mbuf_metric = nullptr;
  s.mbufs_free_metric = nullptr;
  const std::string port_label = config.port_name.empty() ? "port 0" : config.port_name;
  if (config.rx_queues == 0 || rings.size() != config.rx_queues) {
    return config_error("dpdk " + port_label + ": rx_queues " + std::to_string(config.rx_queues) +
                        " needs as many rings, got " + std::to_string(rings.size()));
  }
  if (config.burst_max == 0 || config.burst_max > kMaxBurst) {
    return config_error("dpdk " + port_label + ": burst_max outside 1.." +
                        std::to_string(kMaxBurst));
  }
  if (config.port_name.empty()) {
    if (!rte_eth_dev_is_valid_port(0)) return config_error("dpdk: no port available");
    s.port = 0;
  } else if (rte_eth_dev_get_port_by_name(config.port_name.c_str(), &s.port) != 0) {
    return config_error("dpdk: no port named '" + config.port_name + "'");
  }
  rte_eth_dev_info info;
  int rc = rte_eth_dev_info_get(s.port, &info);
  if (rc != 0) return config_error("dpdk " + port_label + ": dev_info: " + dpdk_error(rc));
  if (config.rx_queues > info.max_rx_queues || config.rx_queues > info.max_tx_queues) {
    return config_error("dpdk " + port_label + ": " + std::to_string(config.rx_queues) +
                        " queues asked, the port offers " + std::to_string(info.max_rx_queues));
  }
  const int socket = rte_eth_dev_socket_id(s.port);
  const std::string pool_name = "tc_rx" + std::to_string(g_pool_serial.fetch_add(1));
  s.pool = rte_pktmbuf_pool_create(pool_name.c_str(), config.mbuf_count, config.mbuf_cache, 0,
                                   RTE_MBUF_DEFAULT_BUF_SIZE,
                                   socket < 0 ? static_cast<int>(SOCKET_ID_ANY) : socket);
  if (s.pool == nullptr) {
    return config_error("dpdk " + port_label + ": mbuf pool of " +
                        std::to_string(config.mbuf_count) + ": " + dpdk_error(rte_errno));
  }
  rte_eth_conf port_conf{};
  if (config.rx_queues > 1 && info.flow_type_rss_offloads != 0) {
    port_conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    port_conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
  }
  const std::uint64_t checksum_offloads =
      RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
  if ((info.rx_offload_capa & checksum_offloads) == checksum_offloads) {
    port_conf.rxmode.offloads |= checksum_offloads;
    s.checksum_offload = true;
  }
  rc = rte_eth_dev_configure(s.port, config.rx_queues, config.rx_queues, &port_conf);
  if (rc != 0) return config_error("dpdk " + port_label + ": configure: " + dpdk_error(rc));
  std::uint16_t rx_descriptors = config.rx_descriptors;
  std::uint16_t tx_descriptors = config.tx_descriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(s.port, &rx_descriptors, &tx_descriptors);
  for (std::uint16_t q = 0; q < config.rx_queues; ++q) {
    rc = rte_eth_rx_queue_setup(s.port, q, rx_descriptors, static_cast<unsigned>(socket), nullptr,
                                s.pool);
    if (rc != 0) {
      return config_error("dpdk " + port_label + ": rx queue " + std::to_string(q) + ": " +
                          dpdk_error(rc));
    }
    rc = rte_eth_tx_queue_setup(s.port, q, tx_descriptors, static_cast<unsigned>(socket), nullptr);
    if (rc != 0) {
      return config_error("dpdk " + port_label + ": tx queue " + std::to_string(q) + ": " +
                          dpdk_error(rc));
    }
  }
  rc = rte_eth_dev_start(s.port);
  if (rc != 0) return config_error("dpdk " + port_label + ": start: " + dpdk_error(rc));
  s.port_started = true;
  s.local = config.local;
  if (s.local.mac == MacAddress{}) {
    rte_ether_addr mac;
    rte_eth_macaddr_get(s.port, &mac);
    std::memcpy(s.local.mac.data(), mac.addr_bytes, 6);
  }
  for (std::uint16_t q = 0; q < config.rx_queues; ++q) {
    IngressConfig stage_config = config.ingress;
    stage_config.queue = q;
    s.queues.push_back(std::make_unique<DpdkQueue>());
    TC_RETURN_IF_ERROR(s.queues.back()->stage.init(stage_config, recent, rings[q], metrics));
  }
  if (metrics != nullptr) {
    s.nic_missed_metric =
        &metrics->counter("timecoin_ingress_nic_dropped_total",
                          "Frames the port dropped before ingress saw them, by reason.",
                          {{"port", port_label}, {"reason", "rx_ring_full"}});
    s.nic_no_mbuf_metric =
        &metrics->counter("timecoin_ingress_nic_dropped_total",
                          "Frames the port dropped before ingress saw them, by reason.",
                          {{"port", port_label}, {"reason", "no_mbuf"}});
    s.mbufs_free_metric =
        &metrics->gauge("timecoin_ingress_mbufs_free", "Free mbufs in the port's receive pool.",
                        {{"port", port_label}});
    s.flushed_missed = 0;
    s.flushed_no_mbuf = 0;
    s.next_port_stats_ns = 0;
    rte_eth_stats_reset(s.port);
  }
  TC_LOG_INFO("dpdk ingress port started", {{"port", port_label},
                                            {"driver", info.driver_name},
                                            {"queues", config.rx_queues},
                                            {"rss", port_conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS},
                                            {"mbufs", config.mbuf_count}});
  return Status::ok();
}

std::size_t DpdkBackend::step(std::uint16_t queue, std::uint32_t burst_max) {
  return state_->step(queue, burst_max);
}

void DpdkBackend::housekeeping(std::uint16_t queue, std::uint64_t now_ns) {
  state_->queues[queue]->stage.housekeeping(now_ns);
  if (queue == 0) state_->port_housekeeping(now_ns);
}

Status DpdkBackend::start_lcores(const std::atomic<bool>* stop) {
  State& s = *state_;
  if (s.config.lcores.size() < s.config.rx_queues) {
    return config_error("dpdk: " + std::to_string(s.config.rx_queues) + " queues need as many " +
                        "lcores, " + std::to_string(s.config.lcores.size()) + " configured");
  }
  StageLoopOptions options = s.config.loop;
  options.core = -1;  // the EAL pinned the lcore
  options.burst_max = s.config.burst_max;
  s.loops.clear();
  for (std::uint16_t q = 0; q < s.config.rx_queues; ++q) {
    s.loops.push_back(std::make_unique<DpdkQueueLoop>(this, q, options, stop));
  }
  for (std::uint16_t q = 0; q < s.config.rx_queues; ++q) {
    const unsigned lcore = s.config.lcores[q];
    const int rc = rte_eal_remote_launch(&DpdkQueueLoop::run, s.loops[q].get(), lcore);
    if (rc != 0) {
      return config_error("dpdk: cannot launch queue " + std::to_string(q) + " on lcore " +
                          std::to_string(lcore) + ": " + dpdk_error(rc));
    }
    s.launched.push_back(lcore);
  }
  return Status::ok();
}

void DpdkBackend::wait_lcores() {
  for (unsigned lcore : state_->launched) rte_eal_wait_lcore(lcore);
  state_->launched.clear();
}

void DpdkBackend::fini() {
  State& s = *state_;
  wait_lcores();
  for (auto& queue : s.queues) queue->stage.fini();
  if (s.pool != nullptr && s.mbufs_free_metric != nullptr) {
    s.next_port_stats_ns = 0;
    s.port_housekeeping(steady_now_ns());
  }
  if (s.port_started) {
    // Stopped, not closed: closing a virtual device removes its port, and a later init() in the
    // same process (tests, benchmark repetitions) must find it again. The EAL releases it at exit.
    rte_eth_dev_stop(s.port);
    s.port_started = false;
  }
  if (s.pool != nullptr) {
    rte_mempool_free(s.pool);
    s.pool = nullptr;
  }
}

const LocalEndpoint& DpdkBackend::local() const {
  return state_->local;
}
std::uint16_t DpdkBackend::port_id() const {
  return state_->port;
}
IngressStage& DpdkBackend::stage(std::uint16_t queue) {
  return state_->queues[queue]->stage;
}
std::uint32_t DpdkBackend::mbufs_available() const {
  return state_->pool == nullptr ? 0 : rte_mempool_avail_count(state_->pool);
}
std::uint32_t DpdkBackend::mbufs_total() const {
  return state_->pool == nullptr ? 0 : state_->pool->size;
}

}  // namespace tc::dataplane

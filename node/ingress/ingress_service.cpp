#include "node/ingress/ingress_service.h"

#include <cassert>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "core/cpu_affinity.h"
#include "core/log.h"
#include "dataplane/dpdk_backend.h"
#include "dataplane/ingress.h"
#include "dataplane/ingress_config.h"
#include "dataplane/recent_set.h"
#include "dataplane/socket_backend.h"

namespace tc::node {
namespace {

constexpr std::uint32_t kQueuesMax = 64;

struct Choice {
  IngressBackend backend = IngressBackend::kSocket;
  std::string reason;
};

#ifdef TC_HAVE_DPDK
constexpr bool kBuiltWithDpdk = true;
#else
constexpr bool kBuiltWithDpdk = false;
#endif

// The backend for `config` and why (see the header's file comment); errors only for "dpdk".
Result<Choice> choose_backend(const NodeConfig& config) {
  const IngressSection& in = config.ingress;
  switch (in.backend) {
    case IngressBackend::kSocket:
      return Choice{IngressBackend::kSocket, "ingress.backend is \"socket\""};
    case IngressBackend::kDpdk: {
      if (!kBuiltWithDpdk) {
        return config_error(
            "ingress.backend is \"dpdk\" but this build has no DPDK (TC_DPDK=OFF or no libdpdk "
            "found); use \"socket\" or \"auto\"");
      }
      const Result<dataplane::DpdkConfig> dpdk = dataplane::dpdk_backend_config(config);
      if (!dpdk.is_ok()) return dpdk.status().with_context("ingress.backend \"dpdk\"");
      return Choice{IngressBackend::kDpdk, "ingress.backend is \"dpdk\""};
    }
    case IngressBackend::kAuto:
      break;
  }
  if (!kBuiltWithDpdk) return Choice{IngressBackend::kSocket, "auto: this build has no DPDK"};
  if (in.dpdk_port.empty() && in.dpdk_vdevs.empty()) {
    return Choice{IngressBackend::kSocket,
                  "auto: no DPDK port configured (ingress.dpdk_port and ingress.dpdk_vdevs are "
                  "empty)"};
  }
  const Result<dataplane::DpdkConfig> dpdk = dataplane::dpdk_backend_config(config);
  if (!dpdk.is_ok())
    return Choice{IngressBackend::kSocket, "auto: " + std::string(dpdk.status().message())};
  return Choice{IngressBackend::kDpdk,
                "auto: DPDK port " +
                    (in.dpdk_port.empty() ? std::string("0") : "'" + in.dpdk_port + "'") +
                    " configured and net.ingress_listen_address " +
                    config.net.ingress_listen_address + " is specific"};
}

// A socket queue's receive loop for run_stage_loop. Ingress is the source of the data path, so once
// the stop flag is set it receives nothing more and the loop returns after a last housekeeping (as
// DpdkBackend's own lcore loops do); under steady traffic the loop would otherwise never see the
// empty step it stops at.
struct SocketQueueLoop {
  dataplane::SocketBackend* backend;
  const std::atomic<bool>* stop;

  std::uint32_t step(std::uint32_t burst_max) {
    if (stop->load(std::memory_order_relaxed)) return 0;
    return backend->step(burst_max);
  }
  void housekeeping(std::uint64_t now_ns) { backend->housekeeping(now_ns); }
};

#ifdef TC_HAVE_DPDK
// A DPDK queue's receive loop on a thread of the service's own (no cores.ingress), like the above.
struct DpdkQueueLoop {
  dataplane::DpdkBackend* backend;
  std::uint16_t queue;
  const std::atomic<bool>* stop;

  std::uint32_t step(std::uint32_t burst_max) {
    if (stop->load(std::memory_order_relaxed)) return 0;
    return static_cast<std::uint32_t>(backend->step(queue, burst_max));
  }
  void housekeeping(std::uint64_t now_ns) { backend->housekeeping(queue, now_ns); }
};
#endif

// Runs `loop` under run_stage_loop on a new thread pinned to `core` (-1: unpinned), appended to
// *threads. Returns once the thread has pinned itself; when it could not, the thread has ended and
// the pinning error is returned, so a bad core fails start() before any datagram is taken.
template <typename Loop>
Status start_loop_thread(Loop loop, int core, StageLoopOptions options,
                         const std::atomic<bool>* stop, std::vector<std::thread>* threads) {
  options.core = -1;  // pinned below, before the loop starts
  std::promise<Status> pinned;
  std::future<Status> pinning = pinned.get_future();
  std::thread thread([loop, core, options, stop, pinned = std::move(pinned)]() mutable {
    Status status = core >= 0 ? pin_current_thread(core) : Status::ok();
    const bool run = status.is_ok();
    pinned.set_value(std::move(status));
    if (!run) return;
    // Unpinned by the loop itself, so it has no error to return.
    const Status looped = run_stage_loop(loop, options, *stop);
    assert(looped.is_ok());
    (void)looped;
  });
  Status status = pinning.get();
  if (!status.is_ok()) {
    thread.join();
    return status;
  }
  threads->push_back(std::move(thread));
  return Status::ok();
}

std::string queue_where(std::uint32_t queue) {
  return "ingress queue " + std::to_string(queue);
}

}  // namespace

struct IngressService::State {
  // First so that it outlives every stage that flushes into it.
  MetricsRegistry own_metrics;
  MetricsRegistry* metrics = nullptr;

  IngressBackend backend = IngressBackend::kSocket;
  std::string reason;
  std::uint16_t udp_port = 0;
  std::uint32_t queues = 0;
  StageLoopOptions loop;

  // Before the backends, which hold pointers to them.
  dataplane::RecentSet recent;
  std::unique_ptr<dataplane::IngressRing[]> rings;

  std::vector<std::unique_ptr<dataplane::SocketBackend>> sockets;
#ifdef TC_HAVE_DPDK
  std::unique_ptr<dataplane::DpdkBackend> dpdk;
#endif

  // Each queue's registry series that counters() reads.
  struct QueueSeries {
    std::array<const Counter*, dataplane::kIngressOutcomeCount> outcomes{};
    const Counter* bytes = nullptr;
  };
  std::vector<QueueSeries> series;

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  bool running = false;

  Status init_socket(const NodeConfig& config);
  Status start_socket(const NodeConfig& config);
#ifdef TC_HAVE_DPDK
  Status init_dpdk(const NodeConfig& config, DpdkEalSetup eal);
  Status start_dpdk(const NodeConfig& config);
#endif
  void bind_series();
};

Status IngressService::State::init_socket(const NodeConfig& config) {
  dataplane::SocketBackendConfig socket = dataplane::socket_backend_config(config);
  for (std::uint32_t q = 0; q < queues; ++q) {
    socket.ingress.queue = static_cast<std::uint16_t>(q);
    // Queue 0 binds the configured port (a free one for 0); the others join its SO_REUSEPORT group.
    if (q > 0) socket.port = sockets[0]->bound_port();
    sockets.push_back(std::make_unique<dataplane::SocketBackend>());
    TC_RETURN_IF_ERROR(
        sockets.back()->init(socket, &recent, &rings[q], metrics).with_context(queue_where(q)));
  }
  udp_port = sockets[0]->bound_port();
  return Status::ok();
}

Status IngressService::State::start_socket(const NodeConfig& config) {
  for (std::uint32_t q = 0; q < queues; ++q) {
    const int core = config.cores.ingress.empty() ? -1 : config.cores.ingress[q];
    TC_RETURN_IF_ERROR(
        start_loop_thread(SocketQueueLoop{sockets[q].get(), &stop}, core, loop, &stop, &threads)
            .with_context(queue_where(q)));
  }
  return Status::ok();
}

#ifdef TC_HAVE_DPDK
Status IngressService::State::init_dpdk(const NodeConfig& config, DpdkEalSetup eal) {
  TC_ASSIGN_OR_RETURN(dataplane::DpdkConfig dpdk_config, dataplane::dpdk_backend_config(config));
  dpdk_config.loop = loop;
  if (eal == DpdkEalSetup::kInitialise) {
    TC_RETURN_IF_ERROR(dataplane::dpdk_eal_init(dataplane::dpdk_eal_arguments(config))
                           .with_context("ingress.eal_args"));
  }
  std::vector<dataplane::IngressRing*> queue_rings;
  for (std::uint32_t q = 0; q < queues; ++q) queue_rings.push_back(&rings[q]);
  dpdk = std::make_unique<dataplane::DpdkBackend>();
  TC_RETURN_IF_ERROR(dpdk->init(dpdk_config, &recent, queue_rings, metrics));
  udp_port = dpdk_config.local.udp_port;
  return Status::ok();
}

Status IngressService::State::start_dpdk(const NodeConfig& config) {
  if (!config.cores.ingress.empty()) {
    return dpdk->start_lcores(&stop).with_context("cores.ingress");
  }
  for (std::uint32_t q = 0; q < queues; ++q) {
    TC_RETURN_IF_ERROR(
        start_loop_thread(DpdkQueueLoop{dpdk.get(), static_cast<std::uint16_t>(q), &stop}, -1, loop,
                          &stop, &threads));
  }
  return Status::ok();
}
#endif

void IngressService::State::bind_series() {
  for (std::uint32_t q = 0; q < queues; ++q) {
    // The series each queue's IngressStage registered at init (dataplane/ingress.h); looking them
    // up returns the same objects.
    QueueSeries queue_series;
    const MetricLabels queue = {{"queue", std::to_string(q)}};
    for (std::size_t o = 0; o < dataplane::kIngressOutcomeCount; ++o) {
      MetricLabels labels = queue;
      labels.push_back({"outcome", std::string(dataplane::ingress_outcome_name(
                                       static_cast<dataplane::IngressOutcome>(o)))});
      queue_series.outcomes[o] = &metrics->counter("timecoin_ingress_packets_total", "", labels);
    }
    queue_series.bytes = &metrics->counter("timecoin_ingress_bytes_total", "", queue);
    series.push_back(queue_series);
  }
}

std::size_t IngressService::footprint(const NodeConfig& config) {
  const std::size_t per_queue =
      dataplane::IngressRing::footprint(config.ingress.ring_depth) +
      dataplane::IngressStage::footprint(dataplane::ingress_stage_config(config));
  return dataplane::RecentSet::footprint(dataplane::recent_set_config(config)) +
         std::size_t{config.ingress.queues} * per_queue;
}

IngressService::IngressService() : state_(std::make_unique<State>()) {}

IngressService::~IngressService() {
  stop();
}

Result<std::unique_ptr<IngressService>> IngressService::start(
    const NodeConfig& config, const IngressServiceOptions& options) {
  const std::uint32_t queues = config.ingress.queues;
  if (queues == 0 || queues > kQueuesMax) {
    return config_error("ingress.queues " + std::to_string(queues) + " outside 1.." +
                        std::to_string(kQueuesMax));
  }
  if (!config.cores.ingress.empty() && config.cores.ingress.size() != queues) {
    return config_error(std::to_string(queues) + " ingress queues need as many cores in " +
                        "cores.ingress, which lists " +
                        std::to_string(config.cores.ingress.size()));
  }
  TC_ASSIGN_OR_RETURN(Choice choice, choose_backend(config));

  std::unique_ptr<IngressService> service(new IngressService());
  State& s = *service->state_;
  s.metrics = options.metrics != nullptr ? options.metrics : &s.own_metrics;
  s.backend = choice.backend;
  s.reason = std::move(choice.reason);
  s.queues = queues;
  s.loop = options.loop;
  s.loop.burst_max = config.ingress.burst_max;
  TC_RETURN_IF_ERROR(s.recent.init(dataplane::recent_set_config(config))
                         .with_context("ingress.recent_set_capacity"));
  s.rings = std::make_unique<dataplane::IngressRing[]>(queues);
  for (std::uint32_t q = 0; q < queues; ++q) {
    TC_RETURN_IF_ERROR(
        s.rings[q].init(config.ingress.ring_depth).with_context("ingress.ring_depth"));
  }

  if (s.backend == IngressBackend::kSocket) {
    TC_RETURN_IF_ERROR(s.init_socket(config));
  } else {
#ifdef TC_HAVE_DPDK
    TC_RETURN_IF_ERROR(s.init_dpdk(config, options.dpdk_eal).with_context("ingress backend dpdk"));
#endif
  }
  s.bind_series();
  s.running = true;
  // From here an error returns through the service's destructor, which stops what did start.
  if (s.backend == IngressBackend::kSocket) {
    TC_RETURN_IF_ERROR(s.start_socket(config));
  } else {
#ifdef TC_HAVE_DPDK
    TC_RETURN_IF_ERROR(s.start_dpdk(config).with_context("ingress backend dpdk"));
#endif
  }
  TC_LOG_INFO("ingress started", {{"backend", ingress_backend_name(s.backend)},
                                  {"reason", s.reason},
                                  {"queues", queues},
                                  {"udp_port", s.udp_port}});
  return service;
}

void IngressService::stop() {
  State& s = *state_;
  if (!s.running) return;
  s.stop.store(true, std::memory_order_release);
  for (std::thread& thread : s.threads) thread.join();
  s.threads.clear();
  for (auto& socket : s.sockets) socket->fini();
#ifdef TC_HAVE_DPDK
  // Waits for the lcores start_lcores() launched, then stops the port.
  if (s.dpdk != nullptr) s.dpdk->fini();
#endif
  s.running = false;
}

IngressBackend IngressService::backend() const {
  return state_->backend;
}
const std::string& IngressService::reason() const {
  return state_->reason;
}
std::uint32_t IngressService::queue_count() const {
  return state_->queues;
}
dataplane::IngressRing& IngressService::ring(std::uint32_t queue) {
  assert(queue < state_->queues);
  return state_->rings[queue];
}
std::uint16_t IngressService::udp_port() const {
  return state_->udp_port;
}

IngressQueueCounters IngressService::counters(std::uint32_t queue) const {
  assert(queue < state_->series.size());
  const State::QueueSeries& series = state_->series[queue];
  IngressQueueCounters out;
  for (std::size_t o = 0; o < out.outcomes.size(); ++o) {
    out.outcomes[o] = series.outcomes[o]->value();
    out.frames += out.outcomes[o];
  }
  out.bytes = series.bytes->value();
  return out;
}

}  // namespace tc::node

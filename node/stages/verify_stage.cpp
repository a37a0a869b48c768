#include "node/stages/verify_stage.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "core/hashing.h"
#include "core/log.h"
#include "core/stage_loop.h"
#include "gpu/cuda_pipeline.h"
#include "node/app/consensus_crypto.h"

namespace tc::node {
namespace {

// The engine's own deadline is a backstop only: the stage sends partial batches itself (so that it
// knows every batch's size), and the engine would send one only if the stage stopped stepping.
constexpr std::uint32_t kEngineDeadlineFactor = 8;

const std::vector<std::uint64_t> kBatchSignatureBuckets = {
    1, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536, 262144};

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

std::string_view verify_outcome_name(VerifyOutcome outcome) {
  switch (outcome) {
    case VerifyOutcome::kAdmitted:
      return "admitted";
    case VerifyOutcome::kMalformed:
      return "malformed";
    case VerifyOutcome::kPrecheckRejected:
      return "precheck_rejected";
    case VerifyOutcome::kBadSignature:
      return "bad_signature";
    case VerifyOutcome::kAdmitRejected:
      return "admit_rejected";
    case VerifyOutcome::kCount:
      break;
  }
  return "unknown";
}

VerifyStageConfig verify_stage_config(const NodeConfig& config) {
  VerifyStageConfig stage;
  stage.backend = config.verify.backend;
  stage.batch_size_max = config.verify.batch_size_max;
  stage.batch_deadline_us = config.verify.batch_deadline_us;
  stage.gpu_device = config.verify.gpu_device;
  stage.worker_cores = config.cores.verify;
  return stage;
}

VerifyBatchPolicy verify_batch_policy(const VerifyStageConfig& config, bool gpu) {
  VerifyBatchPolicy policy;
  policy.gpu = gpu;
  policy.cpu_workers =
      config.worker_cores.empty() ? 1 : static_cast<int>(config.worker_cores.size());
  policy.batch_deadline_us = config.batch_deadline_us;
  if (gpu) {
    policy.batch_size_max = config.batch_size_max;
    policy.batches_in_flight_max = kGpuBatchesInFlight;
  } else {
    policy.batch_size_max = std::min<std::size_t>(config.batch_size_max, kCpuBatchSignaturesMax);
    policy.batches_in_flight_max = 2 * static_cast<std::size_t>(policy.cpu_workers) + 1;
  }
  return policy;
}

// The registry's series, created at init when a registry is given.
struct VerifyStage::Series {
  std::array<Counter*, ledger::kRejectReasonCount> rejected{};
  std::array<Counter*, kDecodeErrorCount> malformed{};
  Counter* forwarded = nullptr;
  Counter* result_ring_full = nullptr;
  Counter* forward_ring_full = nullptr;
  Histogram* batch_signatures = nullptr;
  std::array<Counter*, static_cast<std::size_t>(gpu::EngineCounter::kCount)> engine{};
  Gauge* in_flight = nullptr;
  // What was flushed so far.
  std::array<std::uint64_t, ledger::kRejectReasonCount> rejected_flushed{};
  std::array<std::uint64_t, kDecodeErrorCount> malformed_flushed{};
  std::uint64_t forwarded_flushed = 0;
  std::uint64_t result_ring_full_flushed = 0;
  std::uint64_t forward_ring_full_flushed = 0;
  gpu::VerifyEngineMetrics engine_flushed;
};

VerifyStage::VerifyStage() = default;

VerifyStage::~VerifyStage() {
  fini();
}

std::size_t VerifyStage::footprint(const VerifyStageConfig& config) {
  const VerifyBatchPolicy policy = verify_batch_policy(config, false);
  const std::size_t engine_bytes = policy.batch_size_max * policy.batches_in_flight_max *
                                   (sizeof(gpu::SignatureRef) + sizeof(gpu::Verdict));
  return std::size_t{config.transactions_in_flight_max} * sizeof(InFlight) + engine_bytes +
         ledger::kMaxTransactionSignatures * sizeof(gpu::SignatureRef) +
         policy.batch_size_max * sizeof(gpu::Verdict);
}

Status VerifyStage::check_setup(const VerifyStageConfig& config,
                                const VerifyStageRings& rings) const {
  if (started_) return internal_error("verify stage: init called twice");
  if (config.batch_size_max == 0 || config.batch_deadline_us == 0 ||
      config.transactions_in_flight_max == 0) {
    return config_error(
        "verify stage: batch_size_max, batch_deadline_us and the in-flight bound "
        "must be at least 1");
  }
  if ((rings.rpc != nullptr && rings.rpc_results == nullptr) ||
      (rings.peer != nullptr && rings.peer_results == nullptr) ||
      (rings.proposal != nullptr && rings.proposal_results == nullptr)) {
    return config_error("verify stage: an input ring without its result ring");
  }
  return Status::ok();
}

Status VerifyStage::init(const VerifyStageConfig& config, ledger::Ledger* ledger,
                         const VerifyStageRings& rings, MetricsRegistry* metrics) {
  TC_RETURN_IF_ERROR(check_setup(config, rings));
  std::unique_ptr<gpu::GpuBatchBackend> device;
  std::string reason = "verify.backend = \"cpu\"";
  if (config.backend != VerifyBackend::kCpu) {
    gpu::CudaPipelineConfig cuda;
    cuda.batch_size_max = config.batch_size_max;
    cuda.device = static_cast<int>(config.gpu_device);
    gpu::Status status = gpu::Status::kOk;
    device = gpu::make_cuda_backend(cuda, &status);
    if (device == nullptr) {
      reason = "no usable GPU (device " + std::to_string(config.gpu_device) + ": " +
               gpu::status_name(status) + ")";
      if (config.backend == VerifyBackend::kGpu) {
        return config_error("verify.backend = \"gpu\": " + reason);
      }
    } else {
      reason = "GPU device " + std::to_string(config.gpu_device);
    }
  }
  return start(config, ledger, rings, metrics, std::move(device), reason);
}

Status VerifyStage::init_with_device(const VerifyStageConfig& config, ledger::Ledger* ledger,
                                     const VerifyStageRings& rings,
                                     std::unique_ptr<gpu::GpuBatchBackend> device,
                                     MetricsRegistry* metrics) {
  TC_RETURN_IF_ERROR(check_setup(config, rings));
  const bool gpu = device != nullptr;
  return start(config, ledger, rings, metrics, std::move(device),
               gpu ? "device given by the caller" : "no device given by the caller");
}

Status VerifyStage::start(const VerifyStageConfig& config, ledger::Ledger* ledger,
                          const VerifyStageRings& rings, MetricsRegistry* metrics,
                          std::unique_ptr<gpu::GpuBatchBackend> device, const std::string& reason) {
  config_ = config;
  ledger_ = ledger;
  chain_id_ = ledger->params().chain_id;
  rings_ = rings;
  policy_ = verify_batch_policy(config, device != nullptr);
  gpu::VerifyEngineConfig engine;
  engine.batch_size_max = policy_.batch_size_max;
  engine.batches_in_flight_max = policy_.batches_in_flight_max;
  engine.batch_deadline =
      std::chrono::microseconds(std::uint64_t{config.batch_deadline_us} * kEngineDeadlineFactor);
  engine.cpu_threads = policy_.cpu_workers;
  engine.cpu_cores = config.worker_cores;
  const gpu::Status engine_status = engine_.init(engine, std::move(device));
  if (engine_status == gpu::Status::kInvalidArgument && !config.worker_cores.empty()) {
    return config_error("cores.verify: a verify worker could not be pinned to its core");
  }
  TC_RETURN_IF_ERROR(status_from_gpu(engine_status, "verify stage: engine init"));

  in_flight_.assign(config.transactions_in_flight_max, InFlight{});
  head_ = tail_ = submit_ = verdict_ = 0;
  ingress_taken_.assign(rings.ingress.size(), 0);
  refs_.assign(ledger::kMaxTransactionSignatures, gpu::SignatureRef{});
  verdicts_.assign(policy_.batch_size_max, gpu::Verdict::kReject);
  counters_ = VerifyStageCounters{};
  started_ = true;

  if (metrics != nullptr) {
    series_ = std::make_unique<Series>();
    for (std::size_t s = 0; s < kVerifySourceCount; ++s) {
      counters_.outcomes[s].bind(
          *metrics, "timecoin_verify_transactions_total",
          "Transactions the verify stage took, by source and outcome.", &verify_outcome_name,
          {{"source", std::string(verify_source_name(static_cast<VerifySource>(s)))}});
    }
    for (std::size_t r = 0; r < ledger::kRejectReasonCount; ++r) {
      series_->rejected[r] = &metrics->counter(
          "timecoin_verify_rejected_total", "Transactions the verify stage rejected, by rule.",
          {{"reason",
            std::string(ledger::reject_reason_name(static_cast<ledger::RejectReason>(r)))}});
    }
    for (std::size_t e = 0; e < kDecodeErrorCount; ++e) {
      series_->malformed[e] = &metrics->counter(
          "timecoin_verify_malformed_total", "Items that did not decode, by decode error.",
          {{"error", std::string(decode_error_name(static_cast<DecodeError>(e)))}});
    }
    series_->forwarded = &metrics->counter("timecoin_verify_forwarded_total",
                                           "Admitted transactions sent to the net stage.");
    series_->result_ring_full = &metrics->counter(
        "timecoin_verify_output_full_total",
        "Times completion stopped at a full output ring until it had room.", {{"ring", "result"}});
    series_->forward_ring_full = &metrics->counter(
        "timecoin_verify_output_full_total",
        "Times completion stopped at a full output ring until it had room.", {{"ring", "forward"}});
    series_->batch_signatures = &metrics->histogram(
        "timecoin_verify_batch_signatures",
        "Signatures per batch the verify stage sent to the engine.", kBatchSignatureBuckets);
    using gpu::EngineCounter;
    auto engine_counter = [&](EngineCounter c, const char* name, const char* help,
                              MetricLabels labels) {
      series_->engine[static_cast<std::size_t>(c)] = &metrics->counter(name, help, labels);
    };
    engine_counter(EngineCounter::kBatchesGpu, "timecoin_verify_batches_total",
                   "Signature batches verified, by backend.", {{"backend", "gpu"}});
    engine_counter(EngineCounter::kBatchesCpu, "timecoin_verify_batches_total",
                   "Signature batches verified, by backend.", {{"backend", "cpu"}});
    engine_counter(EngineCounter::kGpuFallbackUnavailable, "timecoin_verify_gpu_fallbacks_total",
                   "GPU batches verified on the CPU instead, by cause.",
                   {{"cause", "unavailable"}});
    engine_counter(EngineCounter::kGpuFallbackError, "timecoin_verify_gpu_fallbacks_total",
                   "GPU batches verified on the CPU instead, by cause.", {{"cause", "error"}});
    engine_counter(EngineCounter::kGpuFallbackTimeout, "timecoin_verify_gpu_fallbacks_total",
                   "GPU batches verified on the CPU instead, by cause.", {{"cause", "timeout"}});
    engine_counter(EngineCounter::kAccepted, "timecoin_verify_signatures_total",
                   "Signature verdicts delivered.", {{"verdict", "accepted"}});
    engine_counter(EngineCounter::kRejected, "timecoin_verify_signatures_total",
                   "Signature verdicts delivered.", {{"verdict", "rejected"}});
    metrics
        ->gauge("timecoin_verify_backend_info", "1 for the verification backend in use.",
                {{"backend", policy_.gpu ? "gpu" : "cpu"}})
        .set(1);
    series_->in_flight = &metrics->gauge("timecoin_verify_in_flight_transactions",
                                         "Transactions taken and not yet answered.");
  }
  TC_LOG_INFO("verify stage started", {{"backend", policy_.gpu ? "gpu" : "cpu"},
                                       {"reason", reason},
                                       {"batch_size_max", policy_.batch_size_max},
                                       {"batches_in_flight_max", policy_.batches_in_flight_max},
                                       {"batch_deadline_us", policy_.batch_deadline_us},
                                       {"cpu_workers", policy_.cpu_workers}});
  return Status::ok();
}

void VerifyStage::fini() {
  engine_.fini();
}

VerifyResultRing* VerifyStage::results_for(VerifySource source) const {
  switch (source) {
    case VerifySource::kRpc:
      return rings_.rpc_results;
    case VerifySource::kPeer:
      return rings_.peer_results;
    case VerifySource::kProposal:
      return rings_.proposal_results;
    default:
      return nullptr;
  }
}

TxRing* VerifyStage::input_for(VerifySource source) const {
  switch (source) {
    case VerifySource::kRpc:
      return rings_.rpc;
    case VerifySource::kPeer:
      return rings_.peer;
    case VerifySource::kProposal:
      return rings_.proposal;
    default:
      return nullptr;
  }
}

std::uint32_t VerifyStage::step(std::uint32_t burst_max) {
  const std::uint64_t now_ns = steady_now_ns();
  // Signatures of the last item that the engine had no batch slot for go first: nothing new is
  // taken until they are in.
  if (submit_ != tail_) submit_signatures(entry(submit_), now_ns);
  flush_batch_at_deadline(now_ns);
  collect_verdicts();
  std::uint32_t handled = complete(burst_max);
  handled += intake(burst_max, now_ns);
  return handled;
}

void VerifyStage::flush_batch_at_deadline(std::uint64_t now_ns) {
  if (batch_fill_ == 0) return;
  if (now_ns - batch_started_ns_ < std::uint64_t{policy_.batch_deadline_us} * 1000) return;
  engine_.flush();
  count_batch();
}

void VerifyStage::count_batch() {
  ++counters_.batches;
  counters_.batch_signatures += batch_fill_;
  if (series_ != nullptr) series_->batch_signatures->observe(batch_fill_);
  batch_fill_ = 0;
}

// The engine dispatches a batch by itself the moment it holds batch_size_max signatures; this
// mirrors that count so the stage knows each batch's size and when the partial one started.
void VerifyStage::submit_signatures(InFlight& item, std::uint64_t now_ns) {
  while (item.submitted < item.signatures) {
    const std::size_t taken = engine_.submit_burst(std::span<const gpu::SignatureRef>(
        refs_.data() + item.submitted, item.signatures - item.submitted));
    if (taken == 0) return;
    item.submitted += static_cast<std::uint32_t>(taken);
    std::size_t left = taken;
    while (left > 0) {
      if (batch_fill_ == 0) batch_started_ns_ = now_ns;
      const std::size_t fill = std::min(left, policy_.batch_size_max - batch_fill_);
      batch_fill_ += fill;
      left -= fill;
      if (batch_fill_ == policy_.batch_size_max) count_batch();
    }
  }
  ++submit_;
}

void VerifyStage::collect_verdicts() {
  for (;;) {
    while (verdict_ != submit_ && entry(verdict_).verdicts == entry(verdict_).signatures) {
      ++verdict_;
    }
    if (verdict_ == tail_ || engine_.pending() == 0) return;
    const std::size_t n = engine_.poll(verdicts_);
    if (n == 0) return;
    for (std::size_t i = 0; i < n; ++i) {
      while (entry(verdict_).verdicts == entry(verdict_).signatures) ++verdict_;
      InFlight& item = entry(verdict_);
      if (verdicts_[i] != gpu::Verdict::kAccept && item.first_rejected == kNoRejection) {
        item.first_rejected = item.verdicts;
      }
      ++item.verdicts;
    }
  }
}

std::uint32_t VerifyStage::complete(std::uint32_t limit) {
  std::uint32_t done = 0;
  while (head_ != submit_ && done < limit) {
    InFlight& item = entry(head_);
    if (item.verdicts < item.signatures) break;
    if (!complete_one(item)) break;
    release_input(item);
    ++head_;
    ++done;
  }
  return done;
}

// Judges an item whose verdicts are all in, admits it, answers its source and forwards it. False,
// with nothing changed, when an output ring it needs is full: the item stays at the head.
bool VerifyStage::complete_one(InFlight& item) {
  VerifyResultRing* results = results_for(item.source);
  if (results != nullptr && results->free_count() == 0) {
    if (!waiting_for_output_) ++counters_.result_ring_full;
    waiting_for_output_ = true;
    return false;
  }
  Hash256 id;
  bool have_id = false;
  if (item.outcome == VerifyOutcome::kAdmitted) {
    if (item.first_rejected != kNoRejection) {
      item.outcome = VerifyOutcome::kBadSignature;
      item.reason = ledger::signature_failure(item.view, item.first_rejected, &item.failure);
    } else if (item.source != VerifySource::kProposal) {
      // Room to forward is reserved before admission: a transaction the mempool took must not
      // then wait on the forward ring, and Ledger::submit cannot be undone or repeated.
      TxRecord* forward = nullptr;
      if (rings_.forward != nullptr) {
        forward = rings_.forward->reserve(item.view.encoded_bytes());
        if (forward == nullptr) {
          if (!waiting_for_output_) ++counters_.forward_ring_full;
          waiting_for_output_ = true;
          return false;
        }
      }
      item.reason = ledger_->submit(item.view, wall_clock_ms(), &item.failure, &id);
      have_id = true;
      if (item.reason != ledger::RejectReason::kOk) {
        item.outcome = VerifyOutcome::kAdmitRejected;
      } else if (forward != nullptr) {
        forward->source = item.source;
        forward->origin = item.record != nullptr ? item.record->origin : 0;
        forward->txid = id;
        std::memcpy(forward->bytes(), item.view.bytes().data(), item.view.encoded_bytes());
        rings_.forward->publish();
        ++counters_.forwarded;
      }
    }
  }
  waiting_for_output_ = false;
  count_result(item);
  if (results == nullptr) return true;
  VerifyResult result;
  result.tag = item.record->tag;
  result.origin = item.record->origin;
  result.outcome = item.outcome;
  result.reason = item.reason;
  result.decode_error = item.decode_error;
  result.failure = item.failure;
  if (item.outcome != VerifyOutcome::kMalformed) result.txid = have_id ? id : txid(item.view);
  const bool pushed = results->push(result);
  (void)pushed;  // room was checked above, and this thread is the ring's only producer
  return true;
}

void VerifyStage::count_result(const InFlight& item) {
  counters_.outcomes[static_cast<std::size_t>(item.source)].add(item.outcome);
  if (item.outcome == VerifyOutcome::kMalformed) {
    ++counters_.malformed[static_cast<std::size_t>(item.decode_error)];
  } else if (item.outcome != VerifyOutcome::kAdmitted) {
    ++counters_.rejected[static_cast<std::size_t>(item.reason)];
  }
}

void VerifyStage::release_input(const InFlight& item) {
  if (item.source == VerifySource::kIngress) {
    rings_.ingress[item.ingress_queue]->release(1);
    --ingress_taken_[item.ingress_queue];
  } else {
    input_for(item.source)->release_oldest();
  }
}

// Takes new items while the in-flight table has room and the engine took every signature so far;
// the sources in turn, starting one further each step, so no source can starve another.
std::uint32_t VerifyStage::intake(std::uint32_t limit, std::uint64_t now_ns) {
  const std::size_t ingress_count = rings_.ingress.size();
  const std::size_t source_count = ingress_count + 3;
  std::uint32_t taken = 0;
  const std::size_t first = next_source_++ % source_count;
  for (std::size_t k = 0; k < source_count; ++k) {
    const std::size_t s = (first + k) % source_count;
    while (taken < limit && tail_ - head_ < in_flight_.size() && submit_ == tail_) {
      InFlight& item = entry(tail_);
      item = InFlight{};
      ByteSpan bytes;
      std::uint64_t height = 0;
      if (s < ingress_count) {
        dataplane::IngressRing& ring = *rings_.ingress[s];
        const std::uint32_t held = ingress_taken_[s];
        if (ring.peek(held + 1) <= held) break;
        bytes = ring.ready(held).transaction();
        ++ingress_taken_[s];
        item.ingress_queue = static_cast<std::uint32_t>(s);
      } else {
        item.source = static_cast<VerifySource>(s - ingress_count + 1);
        TxRing* ring = input_for(item.source);
        if (ring == nullptr) break;
        item.record = ring->next();
        if (item.record == nullptr) break;
        bytes = item.record->transaction();
        height = item.record->height;
      }
      ++tail_;
      ++taken;
      start_item(item, bytes, height, now_ns);
    }
  }
  return taken;
}

// Decode, the cheap rules, and the signatures into the engine. An item decided here (malformed,
// pre-check rejected) carries no signature and completes in its turn.
void VerifyStage::start_item(InFlight& item, ByteSpan bytes, std::uint64_t height,
                             std::uint64_t now_ns) {
  item.decode_error = decode_transaction_view(bytes, &item.view);
  if (item.decode_error != DecodeError::kOk) {
    item.outcome = VerifyOutcome::kMalformed;
    ++submit_;
    return;
  }
  if (item.source == VerifySource::kProposal) {
    if (item.view.kind() == TxKind::kEquivocationEvidence) {
      item.reason = ledger::check_evidence(item.view, height, ledger_->params(), &item.failure);
    }
  } else {
    item.reason = ledger_->precheck(item.view, &item.failure);
  }
  if (item.reason != ledger::RejectReason::kOk) {
    item.outcome = VerifyOutcome::kPrecheckRejected;
    ++submit_;
    return;
  }
  item.signatures = static_cast<std::uint32_t>(
      ledger::gather_signatures(item.view, chain_id_, &item.messages, refs_));
  submit_signatures(item, now_ns);
}

bool VerifyStage::drained() const {
  if (head_ != tail_) return false;
  for (std::size_t q = 0; q < rings_.ingress.size(); ++q) {
    if (rings_.ingress[q]->peek(1) != 0) return false;
  }
  for (const TxRing* ring : {rings_.rpc, rings_.peer, rings_.proposal}) {
    if (ring != nullptr && !ring->empty()) return false;
  }
  return true;
}

void VerifyStage::housekeeping(std::uint64_t now_ns) {
  for (auto& outcomes : counters_.outcomes) outcomes.flush();
  if (config_.snapshot != nullptr && now_ns >= next_snapshot_ns_) {
    next_snapshot_ns_ = now_ns + kVerifySnapshotIntervalNs;
    rpc::VerifySnapshot snapshot;
    snapshot.backend = policy_.gpu ? "gpu" : "cpu";
    // The engine does not name its device; the configured index and the worker count say which.
    snapshot.device = policy_.gpu ? "cuda device " + std::to_string(config_.gpu_device)
                                  : "cpu: " + std::to_string(policy_.cpu_workers) + " threads";
    snapshot.batch_size_max = policy_.batch_size_max;
    snapshot.batches_in_flight_max = policy_.batches_in_flight_max;
    snapshot.cpu_threads = policy_.cpu_workers;
    snapshot.metrics = engine_.metrics();
    config_.snapshot->publish(std::move(snapshot));
  }
  if (series_ == nullptr) return;
  Series& s = *series_;
  for (std::size_t r = 0; r < ledger::kRejectReasonCount; ++r) {
    s.rejected[r]->add(counters_.rejected[r] - s.rejected_flushed[r]);
  }
  s.rejected_flushed = counters_.rejected;
  for (std::size_t e = 0; e < kDecodeErrorCount; ++e) {
    s.malformed[e]->add(counters_.malformed[e] - s.malformed_flushed[e]);
  }
  s.malformed_flushed = counters_.malformed;
  s.forwarded->add(counters_.forwarded - s.forwarded_flushed);
  s.forwarded_flushed = counters_.forwarded;
  s.result_ring_full->add(counters_.result_ring_full - s.result_ring_full_flushed);
  s.result_ring_full_flushed = counters_.result_ring_full;
  s.forward_ring_full->add(counters_.forward_ring_full - s.forward_ring_full_flushed);
  s.forward_ring_full_flushed = counters_.forward_ring_full;
  const gpu::VerifyEngineMetrics engine = engine_.metrics();
  for (std::size_t c = 0; c < s.engine.size(); ++c) {
    if (s.engine[c] != nullptr) s.engine[c]->add(engine.counters[c] - s.engine_flushed.counters[c]);
  }
  s.engine_flushed = engine;
  s.in_flight->set(static_cast<std::int64_t>(tail_ - head_));
}

}  // namespace tc::node

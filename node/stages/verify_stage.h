// VerifyStage: the one verify stage of the data path (DESIGN §2), between the transaction sources
// and the mempool. Every transaction that wants into the node passes here, whichever way it came:
// ingress datagrams (one IngressRing per RX queue), RPC sendrawtransaction, peers' forwarded
// transactions and, as signatures only, the transactions of a proposed block (a TxRing each).
//
// Per transaction, cheapest check first: decode (decode_transaction_view, in place in the input
// ring); the ledger's pre-check (Ledger::precheck: what admission would refuse without a signature
// costs a UTXO lookup, not a verification); its signatures (ledger/tx_signatures.h) into
// gpu::VerifyEngine, the GPU when the build and the machine have one and CPU workers otherwise or
// as its counted fallback; then admission (Ledger::submit). A proposal's transaction skips the
// pre-check and admission (block execution judges the block): it gets check_evidence for
// evidence, then its signatures. Every item taken from an input gets exactly one outcome and,
// from an RPC, peer or proposal ring, exactly one VerifyResult on that source's result ring,
// carrying the record's tag and origin back; an admitted transaction also goes out on the forward
// ring for the net stage. Items complete in the order they were taken (the engine delivers
// verdicts in submission order), so every input ring is released in order and stays the slab of
// its transactions until their result is sent: nothing is copied on the way in.
//
// Back-pressure, never loss: when a result ring or the forward ring has no room, the stage stops
// completing (and, once its in-flight table is full, taking) until it does; it drops nothing it
// took. The engine's batch slots bound what is in flight the same way. Upstream, a full input
// ring is the producer's to handle (ingress counts ring_full at the edge).
//
// Batching follows the backend (VerifyBatchPolicy below, numbers in docs/benchmarks.md): the CPU
// gets small batches that a deadline sends early, the GPU large ones with several in flight.
//
// Counters are the stage's own (VerifyStageCounters, owner thread only); housekeeping() flushes
// them and the engine's into the registry (the batch histogram is observed once per batch, as the
// batch is sent):
//   timecoin_verify_transactions_total{source,outcome}  every item taken, by source and outcome
//   timecoin_verify_rejected_total{reason}              rejections by the ledger's reason
//   timecoin_verify_malformed_total{error}              kMalformed by DecodeError
//   timecoin_verify_forwarded_total                     admitted transactions sent to the net stage
//   timecoin_verify_output_full_total{ring}             waits for room in a full output ring
//   timecoin_verify_batch_signatures                    histogram: signatures per engine batch
//   timecoin_verify_batches_total{backend}              batches verified by the GPU or the CPU
//   timecoin_verify_gpu_fallbacks_total{cause}          GPU batches re-run on the CPU
//   timecoin_verify_signatures_total{verdict}           signature verdicts delivered
//   timecoin_verify_backend_info{backend}               1 for the backend in use
//   timecoin_verify_in_flight_transactions              taken and not yet answered
// One thread owns a VerifyStage (its stage loop: core/stage_loop.h runs step, housekeeping and
// drained); the engine's worker threads are its own. Ledger::precheck and submit are thread-safe,
// so several verify stages may share one ledger.
//
// Wiring it (what node/topology does; the rings are the topology's, each with its one producer):
//   TxRing rpc, peer, proposal, forward;                  // init(capacity_bytes), >= 256 KiB each
//   VerifyResultRing rpc_results, peer_results, proposal_results;  // init(depth), power of two
//   VerifyStageRings rings{.ingress = {&ingress->ring(0)}, .rpc = &rpc, .rpc_results = ...};
//   VerifyStage stage;
//   TC_RETURN_IF_ERROR(stage.init(verify_stage_config(node_config), ledger, rings, &registry));
//   std::thread([&] { run_stage_loop(stage, loop_options, verify_stop); });
// Shutdown: set verify_stop after the ingress service and the RPC, peer and consensus producers
// have stopped; the loop returns once every item taken or queued is answered (the consumers of the
// result and forward rings must keep draining until then); then fini().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/codec.h"
#include "core/config.h"
#include "core/metrics.h"
#include "core/spsc_ring.h"
#include "core/status.h"
#include "dataplane/ingress_ring.h"
#include "gpu/verify_engine.h"
#include "ledger/ledger.h"
#include "ledger/tx_signatures.h"
#include "node/rpc/node_state.h"
#include "node/stages/tx_ring.h"

namespace tc::node {

inline constexpr std::size_t kVerifySourceCount = static_cast<std::size_t>(VerifySource::kCount);

// What happened to one item. Every item taken from an input gets exactly one.
enum class VerifyOutcome : std::uint8_t {
  kAdmitted = 0,      // in the mempool now (kProposal: every signature verified)
  kMalformed,         // does not decode as one canonical transaction (decode_error says why)
  kPrecheckRejected,  // Ledger::precheck (kProposal: check_evidence) refused it; no signature
                      // was checked
  kBadSignature,      // a signature did not verify (reason kBadSignature or kBadPossessionProof)
  kAdmitRejected,     // its signatures verified and Ledger::submit refused it (reason)
  kCount,
};
// "admitted", "malformed", "precheck_rejected", "bad_signature", "admit_rejected".
std::string_view verify_outcome_name(VerifyOutcome outcome);

// The answer to one item from an RPC, peer or proposal ring, on that source's result ring.
struct VerifyResult {
  std::uint64_t tag = 0;     // the input record's tag
  std::uint32_t origin = 0;  // the input record's origin (the peer, for kPeer)
  VerifyOutcome outcome = VerifyOutcome::kAdmitted;
  // kOk when admitted; the ledger's rule for kPrecheckRejected, kBadSignature and kAdmitRejected
  // (ledger::reject_status(reason, txid, failure) words it as the RPC error).
  ledger::RejectReason reason = ledger::RejectReason::kOk;
  DecodeError decode_error = DecodeError::kOk;  // kMalformed: why
  ledger::TxFailure failure;                    // where the rule broke
  Hash256 txid;                                 // all zero for kMalformed
};
using VerifyResultRing = SpscRing<VerifyResult>;

// The rings a verify stage joins; each must outlive the stage. The stage is the one consumer of
// every input and the one producer of every result and forward ring. A null input is a source
// this node does not have; an input needs its result ring (ingress has none: UDP gets no answer).
struct VerifyStageRings {
  std::vector<dataplane::IngressRing*> ingress;  // one per RX queue (IngressService::ring(q))
  TxRing* rpc = nullptr;
  VerifyResultRing* rpc_results = nullptr;
  TxRing* peer = nullptr;
  VerifyResultRing* peer_results = nullptr;
  TxRing* proposal = nullptr;  // record.height = the proposed block's height
  VerifyResultRing* proposal_results = nullptr;
  // Admitted transactions (record.source, origin and txid set) for the net stage to forward; null:
  // admitted transactions are not forwarded.
  TxRing* forward = nullptr;
};

struct VerifyStageConfig {
  VerifyBackend backend = VerifyBackend::kAuto;  // [verify] backend
  std::uint32_t batch_size_max = 4096;           // [verify] batch_size_max, signatures
  std::uint32_t batch_deadline_us = 1000;        // [verify] batch_deadline_us
  std::uint32_t gpu_device = 0;                  // [verify] gpu_device
  // [cores] verify: one CPU worker per listed core, pinned there; empty: one unpinned worker.
  std::vector<int> worker_cores;
  // Items taken and not yet answered (the in-flight table); with the engine's batch slots it
  // bounds the stage's memory and the input records it holds. At least 1.
  std::uint32_t transactions_in_flight_max = 8192;
  // Where housekeeping publishes the backend, its sizes and the engine's counters every
  // kVerifySnapshotIntervalNs (for getverifyinfo); null: not published. Must outlive the stage.
  rpc::Published<rpc::VerifySnapshot>* snapshot = nullptr;
};

// How often the verify stage publishes its snapshot: fresh enough for an operator, rare enough
// that the allocation it costs is nothing.
inline constexpr std::uint64_t kVerifySnapshotIntervalNs = 200'000'000;

// The stage's configuration from a node's ([verify] and cores.verify).
VerifyStageConfig verify_stage_config(const NodeConfig& config);

// How the stage batches signatures for the backend in use, chosen at init.
//   CPU: batches of min(batch_size_max, kCpuBatchSignaturesMax), a partial one sent after
//     batch_deadline_us; two batches per worker in flight (one verifying, one queued) plus the one
//     filling. 64 signatures is where the batch verifier already has most of its gain (2.49x
//     libsodium per core, against 3.37x at 1,024) while a batch costs about 1.3 ms of one core
//     instead of about 18 ms, so a deadline rarely has to cut a batch short to bound latency.
//   GPU: batches of batch_size_max (the config's, 4096 by default; issue 15 argues for 64k+ on
//     an H100), kGpuBatchesInFlight of them, so the device has the next batch staged while one
//     runs and the CPU workers stay free for fallbacks; the same deadline.
struct VerifyBatchPolicy {
  bool gpu = false;  // the backend in use: the GPU (with CPU fallback) or the CPU alone
  std::size_t batch_size_max = 0;
  std::size_t batches_in_flight_max = 0;
  std::uint32_t batch_deadline_us = 0;
  int cpu_workers = 0;
};
inline constexpr std::size_t kCpuBatchSignaturesMax = 64;
inline constexpr std::size_t kGpuBatchesInFlight = 4;
VerifyBatchPolicy verify_batch_policy(const VerifyStageConfig& config, bool gpu);

// The stage's counts, written by its thread only; read them there or after fini().
struct VerifyStageCounters {
  std::array<CounterSet<VerifyOutcome>, kVerifySourceCount> outcomes;  // per source
  std::array<std::uint64_t, ledger::kRejectReasonCount> rejected{};    // by reason
  std::array<std::uint64_t, kDecodeErrorCount> malformed{};            // by DecodeError
  std::uint64_t forwarded = 0;
  // Times completion stopped at a full result or forward ring (once per wait, however many steps
  // it lasts).
  std::uint64_t result_ring_full = 0;
  std::uint64_t forward_ring_full = 0;
  std::uint64_t batches = 0;           // engine batches the stage filled (sent full or by deadline)
  std::uint64_t batch_signatures = 0;  // their signatures

  std::uint64_t outcome(VerifySource source, VerifyOutcome o) const {
    return outcomes[static_cast<std::size_t>(source)].get(o);
  }
  std::uint64_t reason(ledger::RejectReason r) const {
    return rejected[static_cast<std::size_t>(r)];
  }
};

class VerifyStage {
 public:
  VerifyStage();
  ~VerifyStage();  // fini()
  VerifyStage(const VerifyStage&) = delete;
  VerifyStage& operator=(const VerifyStage&) = delete;

  // Bytes init() allocates under `config` on the CPU backend (the in-flight table, the engine's
  // batches and scratch); a GPU backend adds its own staging (gpu/cuda_pipeline.h).
  static std::size_t footprint(const VerifyStageConfig& config);

  // Chooses the backend (kCpu: the CPU; kGpu: the GPU, and none usable is an error; kAuto: the GPU
  // when one is usable, else the CPU, logged with the reason), starts the engine's workers,
  // allocates the in-flight table and joins the rings; `ledger` and the rings must outlive the
  // stage. When `metrics` is not null, registers the series of the file comment there. Errors:
  // kConfig for backend "gpu" without a usable GPU (naming the device and why), an input without
  // its result ring, batch_size_max, batch_deadline_us or transactions_in_flight_max of 0, or a
  // worker core that cannot be pinned (naming cores.verify); kUnavailable without OS randomness.
  Status init(const VerifyStageConfig& config, ledger::Ledger* ledger,
              const VerifyStageRings& rings, MetricsRegistry* metrics = nullptr);

  // init() with `device` as the GPU backend instead of the one config.backend would choose (null:
  // the CPU alone): for a caller that built its own device, and for tests that inject a failing
  // or fake one. The same errors but for the GPU's.
  Status init_with_device(const VerifyStageConfig& config, ledger::Ledger* ledger,
                          const VerifyStageRings& rings,
                          std::unique_ptr<gpu::GpuBatchBackend> device,
                          MetricsRegistry* metrics = nullptr);

  // One step of the stage loop: sends a partial batch whose deadline passed, collects verdicts,
  // completes up to burst_max items in order (admission, result, forward, release of the input)
  // and takes up to burst_max new ones (decode, pre-check, signatures into the engine), the
  // sources in turn. Returns the items completed plus taken; 0 when it only waited for verdicts or
  // for room in an output ring. Never blocks.
  std::uint32_t step(std::uint32_t burst_max);

  // Flushes the counters (and the engine's) into the registry. Owner thread.
  void housekeeping(std::uint64_t now_ns);

  // True when nothing is in flight and no input holds an item: what the stage loop waits for
  // before it returns after stop, so shutdown loses no item that was taken or queued.
  bool drained() const;

  // Stops the engine's workers. Items still in flight are not answered: call it after the loop
  // returned (drained). Safe to call twice.
  void fini();

  const VerifyStageCounters& counters() const { return counters_; }
  const VerifyBatchPolicy& policy() const { return policy_; }
  // Items taken and not yet answered.
  std::size_t in_flight() const { return static_cast<std::size_t>(tail_ - head_); }
  // The engine's counters (batches by backend, fallbacks, verdicts); any thread.
  gpu::VerifyEngineMetrics engine_metrics() const { return engine_.metrics(); }

 private:
  static constexpr std::uint32_t kNoRejection = 0xffffffff;
  // One item between intake and its result.
  struct InFlight {
    const TxRecord* record = nullptr;  // TxRing sources; null for ingress
    std::uint32_t ingress_queue = 0;
    VerifySource source = VerifySource::kIngress;
    // Decided at intake for malformed and pre-check rejections; kAdmitted means "still going".
    VerifyOutcome outcome = VerifyOutcome::kAdmitted;
    ledger::RejectReason reason = ledger::RejectReason::kOk;
    DecodeError decode_error = DecodeError::kOk;
    ledger::TxFailure failure;
    TransactionView view;
    ledger::TxSignedMessages messages;  // what the engine's SignatureRefs point at
    std::uint32_t signatures = 0;
    std::uint32_t submitted = 0;  // handed to the engine
    std::uint32_t verdicts = 0;   // delivered back
    std::uint32_t first_rejected = kNoRejection;
  };

  InFlight& entry(std::uint64_t index) { return in_flight_[index % in_flight_.size()]; }
  const InFlight& entry(std::uint64_t index) const { return in_flight_[index % in_flight_.size()]; }
  Status check_setup(const VerifyStageConfig& config, const VerifyStageRings& rings) const;
  Status start(const VerifyStageConfig& config, ledger::Ledger* ledger,
               const VerifyStageRings& rings, MetricsRegistry* metrics,
               std::unique_ptr<gpu::GpuBatchBackend> device, const std::string& reason);
  VerifyResultRing* results_for(VerifySource source) const;
  TxRing* input_for(VerifySource source) const;

  void flush_batch_at_deadline(std::uint64_t now_ns);
  // Counts the batch being filled as sent (full, or flushed at its deadline).
  void count_batch();
  void submit_signatures(InFlight& item, std::uint64_t now_ns);
  void collect_verdicts();
  std::uint32_t complete(std::uint32_t limit);
  bool complete_one(InFlight& item);
  std::uint32_t intake(std::uint32_t limit, std::uint64_t now_ns);
  void start_item(InFlight& item, ByteSpan bytes, std::uint64_t height, std::uint64_t now_ns);
  void release_input(const InFlight& item);
  void count_result(const InFlight& item);

  VerifyStageConfig config_;
  VerifyBatchPolicy policy_;
  ledger::Ledger* ledger_ = nullptr;
  std::uint32_t chain_id_ = 0;
  VerifyStageRings rings_;
  gpu::VerifyEngine engine_;
  bool started_ = false;

  // The in-flight table: items [head_, tail_) in intake order; submit_ is the first whose
  // signatures are not all with the engine (tail_ when all are), verdict_ the first still owed
  // verdicts.
  std::vector<InFlight> in_flight_;
  std::uint64_t head_ = 0;
  std::uint64_t tail_ = 0;
  std::uint64_t submit_ = 0;
  std::uint64_t verdict_ = 0;
  std::vector<std::uint32_t> ingress_taken_;  // per queue: slots taken and not yet released
  std::size_t next_source_ = 0;               // intake starts here, rotating per step
  bool waiting_for_output_ = false;           // the head item waits for room in an output ring

  // The signatures of the last item gathered (kMaxTransactionSignatures); the engine copies refs
  // at submit, so only the last item's may still be waiting for batch slots.
  std::vector<gpu::SignatureRef> refs_;
  std::vector<gpu::Verdict> verdicts_;  // poll scratch, one batch
  std::size_t batch_fill_ = 0;          // signatures in the engine's batch being filled
  std::uint64_t batch_started_ns_ = 0;

  VerifyStageCounters counters_;
  // Registry series (null without a registry) and what was flushed into them.
  struct Series;
  std::unique_ptr<Series> series_;
  std::uint64_t next_snapshot_ns_ = 0;
};

}  // namespace tc::node

// Goal: the verify stage gives every transaction it takes exactly one outcome, answers it to the
// source it came from, admits valid ones into the ledger's mempool and forwards them, and neither
// loses nor stalls anything under back-pressure, shutdown or a flood of invalid signatures.
// Method: a real gpu::VerifyEngine on its CPU backend (no GPU on the CI machines: backend "auto"
// falls back to the CPU there, and the GPU path itself is gpu/'s to test), a real Ledger over a
// RocksDB ChainStore in a temporary directory, real rings (IngressRing, TxRing, SpscRing). Most
// tests step the stage on the test thread until a condition holds (bounded by a deadline); the
// shutdown test runs it in core/stage_loop.h's loop on its own thread.
// Scenarios:
//   - a valid transaction from each source: ingress, RPC and peer ones admitted and forwarded (with
//     source, origin and txid), the proposal's verified without admission; each result carries its
//     tag, origin and txid;
//   - bad signature, bad possession proof, malformed bytes (truncated, empty, garbage), double
//     spend (pending and finalized input), duplicate and fee too low, each rejected with the
//     ledger's reason and counted by reason, answered to RPC, to the peer (with its origin) or only
//     counted (ingress); the registry shows the counts;
//   - a full RPC result ring stops completion without loss, and the rest completes once drained;
//     a full forward ring stops admission before Ledger::submit (nothing admitted unforwarded);
//   - stop while items are queued and in flight: the loop returns only once every item is
//     answered;
//   - 240 all-invalid signatures queued ahead of 16 valid transactions on another source: the
//     valid ones are admitted before the flood is through (sources take turns), every invalid one
//     is rejected, all within a deadline;
//   - proposal evidence failing check_evidence and a coinbase (no signatures) in a proposal;
//   - a GPU backend (a device injected through init_with_device that verifies on the host, since
//     the CUDA one cannot run on CI): the GPU batch policy, batches counted as GPU; a device that
//     always fails: every batch falls back to the CPU, counted by cause, and nothing is lost;
//   - init: backend "gpu" without a GPU and an input without a result ring are kConfig errors;
//     the batch policy for CPU and GPU.
#include "node/stages/verify_stage.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/hashing.h"
#include "core/stage_loop.h"
#include "gpu/cuda_verifier.h"
#include "storage/chain_store.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/storage/chain_fixture.h"

namespace tc::node {
namespace {

using ledger::RejectReason;
using ledger::testing::encode_tx;
using ledger::testing::hash_of;
using ledger::testing::make_registration;
using ledger::testing::make_transfer;
using ledger::testing::test_key;

constexpr std::uint64_t kFee = 1'000'000;
constexpr std::uint32_t kPeerId = 7;

class VerifyStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    storage::StoreOptions store_options;
    store_options.path = dir_.sub("db");
    store_options.read_path = storage::ReadPath::kDefault;
    auto store = storage::ChainStore::open(store_options);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(*store);
    backend_ = std::make_unique<ledger::StoreBackend>(store_.get(), nullptr);
    ledger::testing::TestChainOptions options;
    options.backend = backend_.get();
    options.coin_count = 320;
    options.config.mempool.tx_count_max = 1000;
    chain_ = std::make_unique<ledger::testing::TestChain>(options);
    ASSERT_TRUE(chain_->genesis_status().is_ok()) << chain_->genesis_status().to_string();

    ASSERT_TRUE(ingress_.init(256).is_ok());
    for (TxRing* ring : {&rpc_, &peer_, &proposal_, &forward_}) {
      ASSERT_TRUE(ring->init(TxRing::kCapacityBytesMin).is_ok());
    }
    for (VerifyResultRing* ring : {&rpc_results_, &peer_results_, &proposal_results_}) {
      ASSERT_TRUE(ring->init(512).is_ok());
    }
    rings_.ingress = {&ingress_};
    rings_.rpc = &rpc_;
    rings_.rpc_results = &rpc_results_;
    rings_.peer = &peer_;
    rings_.peer_results = &peer_results_;
    rings_.proposal = &proposal_;
    rings_.proposal_results = &proposal_results_;
    rings_.forward = &forward_;
    config_.backend = VerifyBackend::kAuto;
    config_.batch_size_max = 64;
    config_.batch_deadline_us = 200;
  }

  void TearDown() override {
    stage_.reset();
    chain_.reset();
    backend_.reset();
    store_.reset();
  }

  void start(MetricsRegistry* metrics = nullptr) {
    stage_ = std::make_unique<VerifyStage>();
    const Status status = stage_->init(config_, &chain_->ledger(), rings_, metrics);
    ASSERT_TRUE(status.is_ok()) << status.to_string();
  }

  // A transfer of genesis coin `coin` paying `fee`, signed by the wallet.
  Bytes spend(std::uint32_t coin, std::uint64_t fee = kFee, std::uint8_t to = 7) {
    std::vector<OutPoint> inputs{chain_->coin(coin)};
    return encode_tx(make_transfer(
        chain_->wallet(), inputs,
        {TxOutput{Amount(chain_->coin_value().satoshis() - fee), hash_of(test_key(to))}}));
  }
  // The same with one bit of input 0's signature flipped.
  Bytes spend_bad_signature(std::uint32_t coin) {
    Bytes bytes = spend(coin);
    bytes[kTransactionHeaderBytes + kInputSigOffset + 5] ^= 0x01;
    return bytes;
  }

  void push_ingress(const Bytes& bytes) {
    ASSERT_EQ(ingress_.reserve(1), 1u);
    dataplane::IngressTx& slot = ingress_.reserved(0);
    slot.length = static_cast<std::uint16_t>(bytes.size());
    std::memcpy(slot.bytes, bytes.data(), bytes.size());
    ingress_.publish(1);
  }
  void push(TxRing& ring, const Bytes& bytes, std::uint64_t tag, std::uint32_t origin = 0,
            std::uint64_t height = 0) {
    TxRecord header;
    header.tag = tag;
    header.origin = origin;
    header.height = height;
    ASSERT_TRUE(ring.push(bytes, header));
  }

  // Steps the stage until `done` holds; false after 20 s.
  bool step_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (stage_->step(32) == 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return true;
  }
  bool step_until_idle() {
    return step_until([&] { return stage_->drained(); });
  }

  std::vector<VerifyResult> drain(VerifyResultRing& ring) {
    std::vector<VerifyResult> results;
    VerifyResult result;
    while (ring.pop(&result)) results.push_back(result);
    return results;
  }
  std::vector<Hash256> forwarded() {
    std::vector<Hash256> txids;
    while (const TxRecord* record = forward_.next()) {
      txids.push_back(record->txid);
      EXPECT_EQ(txid(*TransactionView::parse(record->transaction())), record->txid);
      forward_.release_oldest();
    }
    return txids;
  }
  bool pending(const Bytes& bytes) {
    return chain_->ledger().mempool().contains(txid(*TransactionView::parse(bytes)));
  }
  std::uint64_t count(VerifySource source, VerifyOutcome outcome) {
    return stage_->counters().outcome(source, outcome);
  }

  storage::testing::TempDir dir_;  // declared first: removed after the store closes
  std::unique_ptr<storage::ChainStore> store_;
  std::unique_ptr<ledger::StoreBackend> backend_;
  std::unique_ptr<ledger::testing::TestChain> chain_;
  dataplane::IngressRing ingress_;
  TxRing rpc_, peer_, proposal_, forward_;
  VerifyResultRing rpc_results_, peer_results_, proposal_results_;
  VerifyStageRings rings_;
  VerifyStageConfig config_;
  std::unique_ptr<VerifyStage> stage_;
};

TEST_F(VerifyStageTest, ValidTransactionFromEverySourceIsAnsweredAndAdmitted) {
  start();
  EXPECT_FALSE(stage_->policy().gpu) << "this machine has a GPU: the CPU-only assertions below "
                                        "assume the fallback";
  const Bytes from_ingress = spend(0), from_rpc = spend(1), from_peer = spend(2),
              from_proposal = spend(3);
  push_ingress(from_ingress);
  push(rpc_, from_rpc, 101);
  push(peer_, from_peer, 202, kPeerId);
  push(proposal_, from_proposal, 303, 0, 1);
  ASSERT_TRUE(step_until_idle());

  const auto rpc = drain(rpc_results_);
  ASSERT_EQ(rpc.size(), 1u);
  EXPECT_EQ(rpc[0].tag, 101u);
  EXPECT_EQ(rpc[0].outcome, VerifyOutcome::kAdmitted);
  EXPECT_EQ(rpc[0].reason, RejectReason::kOk);
  EXPECT_EQ(rpc[0].txid, txid(*TransactionView::parse(from_rpc)));
  const auto peer = drain(peer_results_);
  ASSERT_EQ(peer.size(), 1u);
  EXPECT_EQ(peer[0].tag, 202u);
  EXPECT_EQ(peer[0].origin, kPeerId);
  EXPECT_EQ(peer[0].outcome, VerifyOutcome::kAdmitted);
  const auto proposal = drain(proposal_results_);
  ASSERT_EQ(proposal.size(), 1u);
  EXPECT_EQ(proposal[0].tag, 303u);
  EXPECT_EQ(proposal[0].outcome, VerifyOutcome::kAdmitted);
  EXPECT_EQ(proposal[0].txid, txid(*TransactionView::parse(from_proposal)));

  EXPECT_TRUE(pending(from_ingress));
  EXPECT_TRUE(pending(from_rpc));
  EXPECT_TRUE(pending(from_peer));
  EXPECT_FALSE(pending(from_proposal)) << "a proposal's transaction is verified, not admitted";
  const std::vector<Hash256> out = forwarded();
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(stage_->counters().forwarded, 3u);
  for (VerifySource source :
       {VerifySource::kIngress, VerifySource::kRpc, VerifySource::kPeer, VerifySource::kProposal}) {
    EXPECT_EQ(count(source, VerifyOutcome::kAdmitted), 1u) << verify_source_name(source);
  }
  const gpu::VerifyEngineMetrics engine = stage_->engine_metrics();
  EXPECT_EQ(engine.get(gpu::EngineCounter::kSignatures), 4u);
  EXPECT_EQ(engine.get(gpu::EngineCounter::kAccepted), 4u);
  EXPECT_GE(engine.get(gpu::EngineCounter::kBatchesCpu), 1u);
  EXPECT_EQ(stage_->counters().batch_signatures, 4u);
  EXPECT_EQ(stage_->in_flight(), 0u);
}

TEST_F(VerifyStageTest, ForwardedRecordsCarryTheirSourceAndOrigin) {
  start();
  push(peer_, spend(4), 1, kPeerId);
  ASSERT_TRUE(step_until_idle());
  const TxRecord* record = forward_.next();
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->source, VerifySource::kPeer);
  EXPECT_EQ(record->origin, kPeerId) << "the net stage must not send it back to its sender";
  forward_.release_oldest();
}

TEST_F(VerifyStageTest, EachRejectionIsCountedByReasonAndAnsweredToItsSource) {
  MetricsRegistry registry;
  start(&registry);
  // One finalized transaction, so that a replay of it is a double spend of a spent output; then
  // one pending.
  const Bytes finalized = spend(11);
  push(rpc_, finalized, 1);
  ASSERT_TRUE(step_until_idle());
  ASSERT_TRUE(chain_->produce_block().is_ok());
  const Bytes first = spend(10);
  push(rpc_, first, 2);
  ASSERT_TRUE(step_until_idle());
  ASSERT_TRUE(pending(first));
  drain(rpc_results_);
  forwarded();

  Bytes malformed = spend(12);
  malformed.resize(malformed.size() - 3);
  // A registration whose possession proof is not by its consensus key, with a valid input
  // signature over it (the sighash covers the proof).
  Transaction registration = make_registration(chain_->wallet(), chain_->coin(13),
                                               Amount(chain_->coin_value().satoshis() - kFee),
                                               MasternodeTier::kFree, OutPoint{}, test_key(40));
  registration.registration.possession_sig.bytes[5] ^= 0x01;
  sign_transaction(chain_->wallet(), &registration);
  const Bytes bad_possession = encode_tx(registration);
  struct Case {
    Bytes bytes;
    VerifyOutcome outcome;
    RejectReason reason;
  };
  const std::vector<Case> cases = {
      {spend_bad_signature(14), VerifyOutcome::kBadSignature, RejectReason::kBadSignature},
      {bad_possession, VerifyOutcome::kBadSignature, RejectReason::kBadPossessionProof},
      {malformed, VerifyOutcome::kMalformed, RejectReason::kOk},
      {Bytes{}, VerifyOutcome::kMalformed, RejectReason::kOk},
      {Bytes(300, 0xff), VerifyOutcome::kMalformed, RejectReason::kOk},
      {first, VerifyOutcome::kPrecheckRejected, RejectReason::kDuplicate},
      {spend(10, kFee, 8), VerifyOutcome::kPrecheckRejected, RejectReason::kConflict},
      {finalized, VerifyOutcome::kPrecheckRejected, RejectReason::kMissingInput},
      {spend(15, 10), VerifyOutcome::kPrecheckRejected, RejectReason::kFeeTooLow},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) push(rpc_, cases[i].bytes, 1000 + i);
  push(peer_, spend_bad_signature(16), 77, kPeerId);
  push(peer_, spend(17, 10), 78, kPeerId);
  push_ingress(spend_bad_signature(18));
  push_ingress(malformed);
  ASSERT_TRUE(step_until_idle());

  const auto rpc = drain(rpc_results_);
  ASSERT_EQ(rpc.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    EXPECT_EQ(rpc[i].tag, 1000 + i) << "results come back in order, with their tags";
    EXPECT_EQ(rpc[i].outcome, cases[i].outcome) << verify_outcome_name(rpc[i].outcome);
    if (cases[i].outcome == VerifyOutcome::kMalformed) {
      EXPECT_NE(rpc[i].decode_error, DecodeError::kOk);
      EXPECT_TRUE(rpc[i].txid.is_zero());
    } else {
      EXPECT_EQ(rpc[i].reason, cases[i].reason) << ledger::reject_reason_name(rpc[i].reason);
      EXPECT_EQ(rpc[i].txid, txid(*TransactionView::parse(cases[i].bytes)));
    }
  }
  EXPECT_EQ(rpc[0].failure.input_index, 0u);
  const auto peer = drain(peer_results_);
  ASSERT_EQ(peer.size(), 2u);
  EXPECT_EQ(peer[0].origin, kPeerId);
  EXPECT_EQ(peer[0].reason, RejectReason::kBadSignature);
  EXPECT_EQ(peer[1].reason, RejectReason::kFeeTooLow);
  EXPECT_TRUE(forwarded().empty()) << "nothing rejected is forwarded";
  EXPECT_EQ(chain_->ledger().mempool().size(), 1u) << "only the first transaction is pending";

  const VerifyStageCounters& counters = stage_->counters();
  EXPECT_EQ(counters.reason(RejectReason::kBadSignature), 3u);  // rpc, peer, ingress
  EXPECT_EQ(counters.reason(RejectReason::kBadPossessionProof), 1u);
  EXPECT_EQ(counters.reason(RejectReason::kFeeTooLow), 2u);
  EXPECT_EQ(counters.reason(RejectReason::kDuplicate), 1u);
  EXPECT_EQ(counters.reason(RejectReason::kConflict), 1u);
  EXPECT_EQ(counters.reason(RejectReason::kMissingInput), 1u);
  EXPECT_EQ(count(VerifySource::kIngress, VerifyOutcome::kBadSignature), 1u);
  EXPECT_EQ(count(VerifySource::kIngress, VerifyOutcome::kMalformed), 1u);
  EXPECT_EQ(count(VerifySource::kRpc, VerifyOutcome::kMalformed), 3u);
  EXPECT_EQ(count(VerifySource::kRpc, VerifyOutcome::kPrecheckRejected), 4u);
  EXPECT_EQ(count(VerifySource::kRpc, VerifyOutcome::kAdmitted), 2u);

  stage_->housekeeping(steady_now_ns());
  const std::string text = registry.render_prometheus();
  EXPECT_NE(text.find("timecoin_verify_rejected_total{reason=\"bad_signature\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("timecoin_verify_rejected_total{reason=\"fee_too_low\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("timecoin_verify_transactions_total{source=\"rpc\",outcome=\"malformed\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("timecoin_verify_backend_info{backend=\"cpu\"} 1"), std::string::npos);
  EXPECT_NE(text.find("timecoin_verify_batch_signatures_count"), std::string::npos);
}

TEST_F(VerifyStageTest, FullResultRingHoldsItemsUntilDrainedAndLosesNone) {
  ASSERT_TRUE(rpc_results_.init(2).is_ok());
  start();
  constexpr std::uint32_t kCount = 9;
  for (std::uint32_t i = 0; i < kCount; ++i) push(rpc_, spend(20 + i), i);
  // Step until nothing moves: two results fit, the third waits at the head.
  ASSERT_TRUE(step_until([&] { return rpc_results_.size() == 2 && stage_->in_flight() == 7; }));
  for (int i = 0; i < 100; ++i) stage_->step(32);
  EXPECT_EQ(rpc_results_.size(), 2u);
  EXPECT_EQ(stage_->counters().result_ring_full, 1u) << "one wait, however many steps it lasts";
  EXPECT_FALSE(stage_->drained());
  EXPECT_EQ(chain_->ledger().mempool().size(), 2u) << "held items are not admitted yet";

  std::vector<VerifyResult> all;
  ASSERT_TRUE(step_until([&] {
    for (const VerifyResult& r : drain(rpc_results_)) all.push_back(r);
    return all.size() == kCount;
  }));
  for (std::uint32_t i = 0; i < kCount; ++i) {
    EXPECT_EQ(all[i].tag, i);
    EXPECT_EQ(all[i].outcome, VerifyOutcome::kAdmitted);
  }
  EXPECT_TRUE(step_until_idle());
  EXPECT_EQ(chain_->ledger().mempool().size(), kCount);
}

TEST_F(VerifyStageTest, FullForwardRingStopsBeforeAdmission) {
  // Fill the forward ring with large records first (this thread hands the producer side to the
  // stage's steps, which run on it too).
  const Bytes filler(60'000, 0);
  std::uint32_t fillers = 0;
  while (forward_.push(filler, TxRecord{})) ++fillers;
  ASSERT_GE(fillers, 2u);
  while (forward_.push(Bytes(), TxRecord{})) {
  }
  start();
  const Bytes tx = spend(40);
  push(rpc_, tx, 1);
  // Its signature verifies, and then it waits at the head for room to forward it.
  ASSERT_TRUE(step_until([&] { return stage_->counters().forward_ring_full > 0; }));
  for (int i = 0; i < 100; ++i) stage_->step(32);
  EXPECT_FALSE(pending(tx)) << "admitted without room to forward it";
  EXPECT_EQ(rpc_results_.size(), 0u);

  const TxRecord* oldest = forward_.next();
  ASSERT_NE(oldest, nullptr);
  EXPECT_EQ(oldest->length, filler.size());
  forward_.release_oldest();
  ASSERT_TRUE(step_until_idle());
  EXPECT_TRUE(pending(tx));
  const auto rpc = drain(rpc_results_);
  ASSERT_EQ(rpc.size(), 1u);
  EXPECT_EQ(rpc[0].outcome, VerifyOutcome::kAdmitted);
  EXPECT_EQ(stage_->counters().forwarded, 1u);
}

TEST_F(VerifyStageTest, StopDrainsEveryQueuedAndInFlightItem) {
  start();
  constexpr std::uint32_t kEach = 40;
  for (std::uint32_t i = 0; i < kEach; ++i) {
    push_ingress(spend(50 + i));
    push(rpc_, spend(100 + i), i);
    push(peer_, spend_bad_signature(150 + i), i, kPeerId);
  }
  std::atomic<bool> stop{false};
  StageLoopOptions options;
  options.burst_max = 8;
  options.idle_sleep_us = 10;
  Status loop_status = internal_error("not run");
  std::thread loop([&] { loop_status = run_stage_loop(*stage_, options, stop); });
  stop.store(true, std::memory_order_release);  // at once: everything is still queued
  loop.join();
  ASSERT_TRUE(loop_status.is_ok()) << loop_status.to_string();
  EXPECT_TRUE(stage_->drained());
  EXPECT_EQ(stage_->in_flight(), 0u);
  EXPECT_EQ(count(VerifySource::kIngress, VerifyOutcome::kAdmitted), kEach);
  EXPECT_EQ(drain(rpc_results_).size(), kEach);
  EXPECT_EQ(drain(peer_results_).size(), kEach);
  EXPECT_EQ(count(VerifySource::kPeer, VerifyOutcome::kBadSignature), kEach);
  EXPECT_EQ(chain_->ledger().mempool().size(), 2 * kEach);
  EXPECT_EQ(forwarded().size(), 2 * kEach);
}

TEST_F(VerifyStageTest, FloodOfInvalidSignaturesDoesNotStallValidTransactions) {
  start();
  constexpr std::uint32_t kInvalid = 240;
  constexpr std::uint32_t kValid = 16;
  for (std::uint32_t i = 0; i < kInvalid; ++i) {
    if (i < 200) {
      push_ingress(spend_bad_signature(i));
    } else {
      push(peer_, spend_bad_signature(i), i, kPeerId);
    }
  }
  std::vector<Bytes> valid;
  for (std::uint32_t i = 0; i < kValid; ++i) {
    valid.push_back(spend(kInvalid + i));
    push(rpc_, valid.back(), i);
  }
  const auto begin = std::chrono::steady_clock::now();
  // The sources take turns, so the valid RPC transactions are not queued behind the whole flood.
  ASSERT_TRUE(step_until([&] {
    return count(VerifySource::kRpc, VerifyOutcome::kAdmitted) == kValid;
  })) << "stalled";
  EXPECT_LT(count(VerifySource::kIngress, VerifyOutcome::kBadSignature), 200u);
  ASSERT_TRUE(step_until_idle()) << "stalled";
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  for (const Bytes& bytes : valid) EXPECT_TRUE(pending(bytes));
  EXPECT_EQ(count(VerifySource::kRpc, VerifyOutcome::kAdmitted), kValid);
  EXPECT_EQ(count(VerifySource::kIngress, VerifyOutcome::kBadSignature), 200u);
  EXPECT_EQ(count(VerifySource::kPeer, VerifyOutcome::kBadSignature), kInvalid - 200);
  // 256 single checks cost about 11 ms of one core here; a stall would run into the 20 s bound.
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(VerifyStageTest, ProposalTransactionsGetSignaturesAndEvidenceRulesOnly) {
  start();
  Transaction coinbase;
  coinbase.kind = TxKind::kCoinbase;
  coinbase.chain_id = kChainIdDevnet;
  coinbase.coinbase_height = 1;
  coinbase.outputs.push_back(TxOutput{Amount(5), hash_of(test_key(9))});
  push(proposal_, encode_tx(coinbase), 1, 0, 1);
  // Evidence whose lock_time is set breaks check_evidence (kBadEvidence) before any signature.
  Transaction evidence;
  evidence.kind = TxKind::kEquivocationEvidence;
  evidence.chain_id = kChainIdDevnet;
  evidence.lock_time = 5;
  evidence.evidence.height = 1;
  evidence.evidence.hash_a.bytes.fill(1);
  evidence.evidence.hash_b.bytes.fill(2);
  push(proposal_, encode_tx(evidence), 2, 0, 3);
  push(proposal_, spend_bad_signature(60), 3, 0, 1);
  ASSERT_TRUE(step_until_idle());
  const auto results = drain(proposal_results_);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome, VerifyOutcome::kAdmitted) << "a coinbase has no signature";
  EXPECT_EQ(results[1].outcome, VerifyOutcome::kPrecheckRejected);
  EXPECT_EQ(results[1].reason, RejectReason::kBadEvidence);
  EXPECT_EQ(results[2].outcome, VerifyOutcome::kBadSignature);
  EXPECT_EQ(chain_->ledger().mempool().size(), 0u);
  EXPECT_TRUE(forwarded().empty());
}

TEST_F(VerifyStageTest, InitRefusesBadSetup) {
  VerifyStage stage;
  VerifyStageRings missing_results = rings_;
  missing_results.peer_results = nullptr;
  Status status = stage.init(config_, &chain_->ledger(), missing_results);
  EXPECT_EQ(status.code(), StatusCode::kConfig) << status.to_string();

  VerifyStageConfig zero = config_;
  zero.batch_size_max = 0;
  EXPECT_EQ(VerifyStage().init(zero, &chain_->ledger(), rings_).code(), StatusCode::kConfig);

  if (gpu::cuda_device_status() == gpu::Status::kOk) {
    GTEST_SKIP() << "a usable GPU is present: backend \"gpu\" would start";
  }
  VerifyStageConfig gpu_only = config_;
  gpu_only.backend = VerifyBackend::kGpu;
  VerifyStage gpu_stage;
  status = gpu_stage.init(gpu_only, &chain_->ledger(), rings_);
  EXPECT_EQ(status.code(), StatusCode::kConfig);
  EXPECT_NE(status.message().find("verify.backend"), std::string::npos) << status.to_string();
}

// A device that verifies on the host (verify_single), or one that always fails with `failure`.
class HostDevice final : public gpu::GpuBatchBackend {
 public:
  explicit HostDevice(gpu::Status failure = gpu::Status::kOk) : failure_(failure) {}
  gpu::Status verify(std::span<const gpu::SignatureRef> sigs,
                     std::span<gpu::Verdict> verdicts) override {
    if (failure_ != gpu::Status::kOk) return failure_;
    for (std::size_t i = 0; i < sigs.size(); ++i) verdicts[i] = gpu::verify_single(sigs[i]);
    return gpu::Status::kOk;
  }

 private:
  gpu::Status failure_;
};

TEST_F(VerifyStageTest, GpuBackendGetsLargeBatchesAndAFailingDeviceFallsBackCounted) {
  for (const gpu::Status failure : {gpu::Status::kOk, gpu::Status::kInternal}) {
    SCOPED_TRACE(gpu::status_name(failure));
    MetricsRegistry registry;
    stage_ = std::make_unique<VerifyStage>();
    config_.batch_size_max = 256;
    ASSERT_TRUE(stage_
                    ->init_with_device(config_, &chain_->ledger(), rings_,
                                       std::make_unique<HostDevice>(failure), &registry)
                    .is_ok());
    EXPECT_TRUE(stage_->policy().gpu);
    EXPECT_EQ(stage_->policy().batch_size_max, 256u) << "the GPU takes the configured size";
    EXPECT_EQ(stage_->policy().batches_in_flight_max, kGpuBatchesInFlight);
    const std::uint32_t first = failure == gpu::Status::kOk ? 200 : 260;
    std::vector<Bytes> txs;
    for (std::uint32_t i = 0; i < 50; ++i) {
      txs.push_back(i % 10 == 9 ? spend_bad_signature(first + i) : spend(first + i));
      push(rpc_, txs.back(), i);
    }
    ASSERT_TRUE(step_until_idle());
    EXPECT_EQ(count(VerifySource::kRpc, VerifyOutcome::kAdmitted), 45u);
    EXPECT_EQ(count(VerifySource::kRpc, VerifyOutcome::kBadSignature), 5u);
    EXPECT_EQ(drain(rpc_results_).size(), 50u);
    forwarded();
    const gpu::VerifyEngineMetrics engine = stage_->engine_metrics();
    stage_->housekeeping(steady_now_ns());
    const std::string text = registry.render_prometheus();
    EXPECT_NE(text.find("timecoin_verify_backend_info{backend=\"gpu\"} 1"), std::string::npos);
    if (failure == gpu::Status::kOk) {
      EXPECT_GE(engine.get(gpu::EngineCounter::kBatchesGpu), 1u);
      EXPECT_EQ(engine.get(gpu::EngineCounter::kBatchesCpu), 0u);
    } else {
      const std::uint64_t fallbacks = engine.get(gpu::EngineCounter::kGpuFallbackError);
      EXPECT_GE(fallbacks, 1u);
      EXPECT_EQ(engine.get(gpu::EngineCounter::kBatchesCpu), fallbacks);
      EXPECT_NE(text.find("timecoin_verify_gpu_fallbacks_total{cause=\"error\"} " +
                          std::to_string(fallbacks)),
                std::string::npos)
          << text;
    }
    stage_.reset();
  }
}

TEST(VerifyBatchPolicyTest, CpuGetsSmallBatchesAndTheGpuLargeOnes) {
  VerifyStageConfig config;
  config.batch_size_max = 4096;
  config.batch_deadline_us = 1000;
  config.worker_cores = {2, 3};
  const VerifyBatchPolicy cpu = verify_batch_policy(config, false);
  EXPECT_EQ(cpu.batch_size_max, kCpuBatchSignaturesMax);
  EXPECT_EQ(cpu.batches_in_flight_max, 5u);
  EXPECT_EQ(cpu.cpu_workers, 2);
  const VerifyBatchPolicy gpu = verify_batch_policy(config, true);
  EXPECT_EQ(gpu.batch_size_max, 4096u);
  EXPECT_EQ(gpu.batches_in_flight_max, kGpuBatchesInFlight);
  config.batch_size_max = 16;
  EXPECT_EQ(verify_batch_policy(config, false).batch_size_max, 16u)
      << "the configured maximum bounds the CPU batch too";
}

}  // namespace
}  // namespace tc::node

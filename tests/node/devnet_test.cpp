// Goal: the single-process devnet takes transactions off a real UDP socket and finalizes every
// valid one through real Ed25519 verification, BFT consensus among 4 validators and RocksDB
// commits, drops every bad one with the right counter, and leaves all validators with the same
// chain and UTXO set.
// Method: a 4-validator Devnet with 200 ms blocks in a temporary directory, fed by the load
// generator's TxGenerator over a kernel UDP socket (UdpSender). Sending is closed-loop: each batch
// of 32 datagrams is sent only after the ingress thread has taken the previous ones off the socket,
// so the kernel's socket buffer can never overflow and every sent datagram is counted by ingress;
// the ingress ring (4096 slots) holds more than the whole stream, so nothing is dropped as
// ring_full. Load arrives in two waves, one before block 1 and one between blocks 4 and 5 (the
// devnet pauses every validator at the requested height, so the wave lands mid-chain), and the
// chain then runs to height 10, which leaves 5 blocks to include the second wave. With every drop
// path excluded by construction, the test asserts exact counts: every valid transfer finalized on
// every validator. Nothing asserts on timings; the only time bound is each run's generous timeout.
// Scenarios: exact accounting from sent to finalized (valid, malformed, duplicate, bad signature);
// bad-signature transfers never finalized and their outpoints still unspent; agreement on tip and
// UTXO set digest across validators; blocks certified in round 0 with proposers rotating; replays
// of finalized transfers (one signature bit flipped so that the ingress recent set, which still
// holds the originals, lets them through as a replay of older history would pass) are dropped by
// the ledger pre-check as missing_input without a single signature verification; with epochs of 4
// blocks and a follower node, a Bronze registration of the follower's key (proof of possession
// signed with it) sent to the ingress port mid-run keeps the devnet running, the follower's
// precommits appear in certificates from the activation boundary on and in none before, and once
// its collateral is spent it leaves the set at the next boundary and signs no certificate after it;
// a validator that double-votes (played through Devnet::send_vote) is named by evidence in a block,
// leaves the set at the next boundary, and the other three go on and agree.
// Restart (issue 12, item 4: a node restarted after a change uses the right set), each on a data
// directory of its own: a devnet whose follower joined and whose other follower joined and left is
// destroyed and created again on its directory, and continues from its old tip with the joined
// follower signing and the departed one silent, every node agreeing; a node whose directory is
// older than the others' (a crash between two nodes' commits, made by restoring a copy) catches up
// from the leader's store at create; a config whose genesis differs (validator count, allocations)
// or with fewer nodes than stored, and half-written directories (a corrupted or missing signing
// state, a missing store, an empty node directory beside stored ones) are refused with the
// directory named, never started afresh.
#include "node/devnet/devnet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "dataplane/loadgen/tx_generator.h"
#include "dataplane/loadgen/udp_sender.h"
#include "ledger/masternode_registry.h"
#include "node/app/ledger_application.h"
#include "tests/ledger/ledger_fixture.h"

namespace tc::node {
namespace {

using dataplane::GeneratedKind;
using dataplane::IngressOutcome;

constexpr std::uint32_t kFunded = 600;
constexpr std::uint64_t kRunTimeoutMs = 60'000;

dataplane::TxGeneratorConfig load_config() {
  dataplane::TxGeneratorConfig config;
  config.seed = 7;
  config.key_count = 8;
  config.funding_value_sat = 100'000'000;  // 1 TIME per output
  config.fee_sat = 100'000;                // meets the 0.1 % fee rule exactly
  config.malformed_per_mille = 50;
  config.duplicate_per_mille = 80;
  config.bad_signature_per_mille = 80;
  return config;
}

DevnetConfig devnet_config(const dataplane::TxGeneratorConfig& load) {
  DevnetConfig config;
  config.validators = 4;
  config.consensus.block_interval_ms = 200;
  // Generous step timeouts: with no faults every round-0 proposal arrives, so they never fire, and
  // a loaded CI machine that stalls the loop for a while cannot push a height into round 1.
  config.consensus.timeout_propose_ms = 10'000;
  config.consensus.timeout_prevote_ms = 10'000;
  config.consensus.timeout_precommit_ms = 10'000;
  config.bus_delay_ms = 1;
  config.allocations = dataplane::TxGenerator(load).funding_outputs(kFunded);
  return config;
}

struct Sent {
  std::uint64_t by_kind[4] = {};
  std::uint64_t total = 0;
  std::vector<Hash256> valid_txids;
  std::vector<Bytes> valid;
  std::vector<Bytes> bad_signature;
};

// Sends one batch, then waits until the ingress thread has taken every datagram sent so far
// (*total, which grows by the batch) off the socket.
void send_batch(Devnet& devnet, dataplane::UdpSender& sender, const std::vector<Bytes>& batch,
                std::uint64_t* total) {
  auto accepted = sender.send(batch);
  ASSERT_TRUE(accepted.is_ok()) << accepted.status().to_string();
  ASSERT_EQ(*accepted, batch.size());
  *total += batch.size();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (devnet.ingress_frames() < *total && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_EQ(devnet.ingress_frames(), *total) << "ingress did not receive a batch in 10 s";
}

// Sends `count` datagrams of the generator's stream in batches of 32, each after ingress has taken
// every earlier one off the socket.
void send_wave(Devnet& devnet, dataplane::TxGenerator& generator, std::uint32_t count, Sent* sent) {
  dataplane::UdpSender sender;
  ASSERT_TRUE(sender.open("127.0.0.1", devnet.ingress_port()).is_ok());
  std::vector<Bytes> batch;
  for (std::uint32_t done = 0; done < count;) {
    batch.clear();
    for (; batch.size() < 32 && done < count; ++done) {
      Bytes payload;
      const GeneratedKind kind = generator.next(&payload);
      ++sent->by_kind[static_cast<int>(kind)];
      if (kind == GeneratedKind::kValid) {
        sent->valid_txids.push_back(txid(*TransactionView::parse(payload)));
        sent->valid.push_back(payload);
      } else if (kind == GeneratedKind::kBadSignature) {
        sent->bad_signature.push_back(payload);
      }
      batch.push_back(std::move(payload));
    }
    send_batch(devnet, sender, batch, &sent->total);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(Devnet, FinalizesEveryValidTransferAndAgrees) {
  dataplane::TxGeneratorConfig load = load_config();
  const DevnetConfig config = devnet_config(load);
  auto created = Devnet::create(config);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  Devnet& devnet = **created;
  load.funding_txid = devnet.genesis_txid();
  dataplane::TxGenerator generator(load);

  Sent sent;
  send_wave(devnet, generator, 250, &sent);
  ASSERT_TRUE(devnet.run_until_height(4, kRunTimeoutMs).is_ok());
  send_wave(devnet, generator, 250, &sent);
  const Status run = devnet.run_until_height(10, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  devnet.stop_ingress();
  ASSERT_LE(generator.sequence(), kFunded);

  // The stream holds every kind (the shares are 5 % / 8 % / 8 % of 500).
  const std::uint64_t valid = sent.by_kind[static_cast<int>(GeneratedKind::kValid)];
  const std::uint64_t malformed = sent.by_kind[static_cast<int>(GeneratedKind::kMalformed)];
  const std::uint64_t duplicate = sent.by_kind[static_cast<int>(GeneratedKind::kDuplicate)];
  const std::uint64_t bad_signature = sent.by_kind[static_cast<int>(GeneratedKind::kBadSignature)];
  ASSERT_GT(malformed, 0u);
  ASSERT_GT(duplicate, 0u);
  ASSERT_GT(bad_signature, 0u);
  ASSERT_EQ(valid + malformed + duplicate + bad_signature, 500u);

  // Exact accounting, stage by stage.
  const DevnetCounters c = devnet.counters();
  EXPECT_EQ(c.ingress_frames, 500u);
  EXPECT_EQ(c.ingress[static_cast<std::size_t>(IngressOutcome::kMalformedTx)], malformed);
  EXPECT_EQ(c.ingress[static_cast<std::size_t>(IngressOutcome::kDuplicate)], duplicate);
  EXPECT_EQ(c.ingress[static_cast<std::size_t>(IngressOutcome::kAccepted)], valid + bad_signature);
  EXPECT_EQ(c.ingress[static_cast<std::size_t>(IngressOutcome::kRingFull)], 0u);
  // Every ingress transaction is new and spends an unspent output: all pass the pre-check.
  EXPECT_EQ(c.prechecked[static_cast<std::size_t>(ledger::RejectReason::kOk)],
            valid + bad_signature);
  std::uint64_t prechecked_out = 0;
  for (std::size_t i = 1; i < c.prechecked.size(); ++i) prechecked_out += c.prechecked[i];
  EXPECT_EQ(prechecked_out, 0u);
  EXPECT_EQ(c.bad_signature, bad_signature);
  EXPECT_EQ(c.verified, valid);
  EXPECT_EQ(c.admitted[static_cast<std::size_t>(ledger::RejectReason::kOk)], valid);
  EXPECT_EQ(c.forwarded, valid);
  EXPECT_EQ(c.forward_rejected, 0u);
  EXPECT_EQ(c.finalized, valid);
  EXPECT_EQ(c.evidence, 0u);

  // Every valid transfer is final on every validator; no bad-signature transfer is, and the output
  // it tried to spend is still unspent.
  for (std::uint32_t i = 0; i < devnet.validator_count(); ++i) {
    ledger::Ledger& ledger = devnet.ledger(i);
    for (const Hash256& id : sent.valid_txids) {
      ASSERT_EQ(ledger.tx_status(id).state, ledger::TxState::kFinalized) << "validator " << i;
    }
    for (const Bytes& bytes : sent.bad_signature) {
      const TransactionView view = *TransactionView::parse(bytes);
      EXPECT_EQ(ledger.tx_status(txid(view)).state, ledger::TxState::kUnknown);
      const OutPoint spent = view.input(0).prev();
      storage::UtxoLookup found;
      ASSERT_TRUE(ledger.backend()
                      .lookup(std::span<const OutPoint>(&spent, 1),
                              std::span<storage::UtxoLookup>(&found, 1))
                      .is_ok());
      EXPECT_TRUE(found.found) << "validator " << i;
    }
  }

  // Agreement: same tip and UTXO set everywhere.
  auto reports = devnet.reports();
  ASSERT_TRUE(reports.is_ok()) << reports.status().to_string();
  ASSERT_EQ(reports->size(), 4u);
  for (const ValidatorReport& r : *reports) {
    EXPECT_EQ(r.tip.height, 10u);
    EXPECT_EQ(r.tip, reports->front().tip);
    EXPECT_EQ(r.utxo_digest, reports->front().utxo_digest);
    EXPECT_EQ(r.blocks_rejected, 0u);
  }

  // Validator 0 saw every block once, in order; with no faults every block is decided in round 0,
  // and the weighted round robin over four equal validators lets each propose.
  ASSERT_EQ(devnet.blocks().size(), 10u);
  std::set<std::uint32_t> proposers;
  for (std::size_t k = 0; k < devnet.blocks().size(); ++k) {
    EXPECT_EQ(devnet.blocks()[k].height, k + 1);
    EXPECT_EQ(devnet.blocks()[k].round, 0u);
    proposers.insert(devnet.blocks()[k].proposer);
  }
  EXPECT_EQ(proposers.size(), 4u);
}

TEST(Devnet, PreCheckDropsReplaysOfFinalizedTransfersWithoutVerifying) {
  dataplane::TxGeneratorConfig load = load_config();
  load.malformed_per_mille = 0;
  load.duplicate_per_mille = 0;
  load.bad_signature_per_mille = 0;
  auto created = Devnet::create(devnet_config(load));
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  Devnet& devnet = **created;
  load.funding_txid = devnet.genesis_txid();
  dataplane::TxGenerator generator(load);

  Sent sent;
  send_wave(devnet, generator, 64, &sent);
  ASSERT_TRUE(devnet.run_until_height(3, kRunTimeoutMs).is_ok());
  ASSERT_EQ(sent.valid.size(), 64u);
  const DevnetCounters before = devnet.counters();
  ASSERT_EQ(before.prechecked[static_cast<std::size_t>(ledger::RejectReason::kOk)], 64u);
  ASSERT_EQ(before.verified, 64u);
  ASSERT_EQ(before.finalized, 64u);
  ASSERT_GT(before.signatures_checked, 0u);

  // Replay the finalized history. The ingress recent set still holds these payloads, so one
  // signature bit is flipped in each: a distinct datagram to ingress (as a replay older than the
  // recent set is), spending the same spent outputs. Were it verified, it would count as
  // bad_signature; the pre-check must drop it first, as missing_input (what submit says).
  std::vector<Bytes> replays = sent.valid;
  for (Bytes& bytes : replays) {
    const TransactionView view = *TransactionView::parse(bytes);
    const std::size_t sig_offset =
        static_cast<std::size_t>(view.input(0).sig_data() - view.bytes().data());
    bytes[sig_offset] ^= 0x01;
  }
  dataplane::UdpSender sender;
  ASSERT_TRUE(sender.open("127.0.0.1", devnet.ingress_port()).is_ok());
  for (std::size_t k = 0; k < replays.size(); k += 32) {
    const std::vector<Bytes> batch(replays.begin() + k, replays.begin() + k + 32);
    send_batch(devnet, sender, batch, &sent.total);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  const Status run = devnet.run_until_height(4, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  devnet.stop_ingress();

  const DevnetCounters after = devnet.counters();
  const auto accepted = static_cast<std::size_t>(IngressOutcome::kAccepted);
  EXPECT_EQ(after.ingress[accepted], before.ingress[accepted] + 64);  // all reached verify stage
  EXPECT_EQ(after.prechecked[static_cast<std::size_t>(ledger::RejectReason::kMissingInput)], 64u);
  EXPECT_EQ(after.prechecked[static_cast<std::size_t>(ledger::RejectReason::kOk)], 64u);
  EXPECT_EQ(after.signatures_checked, before.signatures_checked);
  EXPECT_EQ(after.bad_signature, 0u);
  EXPECT_EQ(after.verified, 64u);
  EXPECT_EQ(after.admitted, before.admitted);
  EXPECT_EQ(after.forwarded, 64u);
  EXPECT_EQ(after.forward_rejected, 0u);
  EXPECT_EQ(after.finalized, 64u);
}

// Sends one transaction to the devnet's ingress port and waits until ingress has taken it.
void send_tx(Devnet& devnet, const Transaction& tx) {
  dataplane::UdpSender sender;
  ASSERT_TRUE(sender.open("127.0.0.1", devnet.ingress_port()).is_ok());
  std::uint64_t total = devnet.ingress_frames();
  send_batch(devnet, sender, {ledger::testing::encode_tx(tx)}, &total);
}

// Runs the devnet one height at a time (at most 8 more) until validator 0 has finalized `id`;
// returns the height of the block that holds it (0 if none did).
std::uint64_t run_until_final(Devnet& devnet, std::uint64_t height, const Hash256& id) {
  for (const std::uint64_t last = height + 8; height < last;) {
    const ledger::TxStatus status = devnet.ledger(0).tx_status(id);
    if (status.state == ledger::TxState::kFinalized) return status.height;
    const Status run = devnet.run_until_height(++height, kRunTimeoutMs);
    EXPECT_TRUE(run.is_ok()) << run.to_string();
    if (!run.is_ok()) break;
  }
  ADD_FAILURE() << "transaction not finalized by height " << height;
  return 0;
}

bool signed_by(const BlockRecord& block, std::uint32_t node) {
  return std::find(block.signers.begin(), block.signers.end(), node) != block.signers.end();
}

TEST(Devnet, RegistrationJoinsAndDeregistrationLeavesAtEpochBoundaries) {
  constexpr std::uint64_t kEpoch = 4;
  constexpr std::uint32_t kFollower = 4;
  const KeyPair owner = ledger::testing::test_key(9);
  DevnetConfig config = devnet_config(load_config());
  config.followers = 1;
  config.epoch_blocks = kEpoch;
  config.consensus.block_interval_ms = 100;
  config.allocations = {TxOutput{Amount::from_time(1'000), ledger::testing::hash_of(owner)},
                        TxOutput{Amount::from_time(10), ledger::testing::hash_of(owner)}};
  auto created = Devnet::create(config);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  Devnet& devnet = **created;
  ASSERT_EQ(devnet.validator_count(), 5u);
  const OutPoint collateral{devnet.genesis_txid(), 0};
  const OutPoint fee_coin{devnet.genesis_txid(), 1};
  const Pubkey& follower = devnet.validator_pubkey(kFollower);
  const ledger::MasternodeRegistry& registry = devnet.ledger(0).registry();

  ASSERT_TRUE(devnet.run_until_height(1, kRunTimeoutMs).is_ok());
  const Transaction registration = ledger::testing::make_registration(
      owner, fee_coin, Amount(990'000'000), MasternodeTier::kBronze, collateral,
      devnet.consensus_key(kFollower));
  send_tx(devnet, registration);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::uint64_t registered = run_until_final(devnet, 1, txid(registration));
  ASSERT_GT(registered, 0u);
  ASSERT_TRUE(registry.find(follower).has_value());
  const std::uint64_t joins = ledger::activation_height(registered, kEpoch);
  const auto follower_signed = [&] {
    auto reports = devnet.reports();
    EXPECT_TRUE(reports.is_ok()) << reports.status().to_string();
    return reports.is_ok() ? (*reports)[kFollower].signed_messages : 0;
  };
  const std::uint64_t height = joins + 2 * kEpoch - 1;
  Status run = devnet.run_until_height(height, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  // Signing is certain once the set names it; appearing in a certificate is not (its 1 of 401
  // votes is never needed for a quorum, so validator 0 may certify before it arrives).
  EXPECT_GT(follower_signed(), 0u) << "the follower never signed after height " << joins;

  const auto active = [&](std::uint64_t at) {
    for (const ledger::MasternodeRecord& r : registry.active_at(at)) {
      if (r.consensus_pubkey == follower) return true;
    }
    return false;
  };
  EXPECT_TRUE(active(height));
  for (const BlockRecord& block : devnet.blocks()) {
    if (block.height < joins) {
      EXPECT_FALSE(signed_by(block, kFollower)) << "before activation, height " << block.height;
    }
  }

  // Spending the collateral deregisters: the follower leaves at the next boundary.
  const std::size_t before_leave = devnet.blocks().size();
  const Transaction release = ledger::testing::make_transfer(
      owner, std::span<const OutPoint>(&collateral, 1),
      {TxOutput{Amount::from_time(999), ledger::testing::hash_of(owner)}});
  send_tx(devnet, release);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::uint64_t released = run_until_final(devnet, height, txid(release));
  ASSERT_GT(released, 0u);
  const std::uint64_t leaves = ledger::deactivation_height(released, kEpoch);
  // One height of slack: the follower may still be finishing height leaves - 1 when validator 0
  // reaches `leaves`.
  run = devnet.run_until_height(leaves + 1, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  const std::uint64_t signed_when_left = follower_signed();
  run = devnet.run_until_height(leaves + kEpoch, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  EXPECT_EQ(follower_signed(), signed_when_left) << "the follower signed after it left the set";
  for (std::size_t k = before_leave; k < devnet.blocks().size(); ++k) {
    const BlockRecord& block = devnet.blocks()[k];
    if (block.height >= leaves) {
      EXPECT_FALSE(signed_by(block, kFollower)) << "after deactivation, height " << block.height;
    }
  }

  EXPECT_FALSE(active(leaves));

  // Every node, the follower too, followed the whole chain.
  auto reports = devnet.reports();
  ASSERT_TRUE(reports.is_ok()) << reports.status().to_string();
  ASSERT_EQ(reports->size(), 5u);
  for (const ValidatorReport& r : *reports) {
    EXPECT_EQ(r.tip.height, leaves + kEpoch);
    EXPECT_EQ(r.tip, reports->front().tip);
    EXPECT_EQ(r.utxo_digest, reports->front().utxo_digest);
  }
}

// A data directory of the test's own, removed at the end of the test.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("timecoin-devnet-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path node(std::uint32_t index) const {
    return path_ / ("validator-" + std::to_string(index));
  }

 private:
  std::filesystem::path path_;
};

// Every node's tip, UTXO digest and signed count; fails the test when reports() does.
std::vector<ValidatorReport> reports_of(const Devnet& devnet) {
  auto reports = devnet.reports();
  EXPECT_TRUE(reports.is_ok()) << reports.status().to_string();
  return reports.is_ok() ? *reports : std::vector<ValidatorReport>{};
}

void expect_agreement(const std::vector<ValidatorReport>& reports, std::uint64_t height) {
  ASSERT_FALSE(reports.empty());
  for (std::size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].tip.height, height) << "node " << i;
    EXPECT_EQ(reports[i].tip, reports.front().tip) << "node " << i;
    EXPECT_EQ(reports[i].utxo_digest, reports.front().utxo_digest) << "node " << i;
  }
}

TEST(Devnet, RestartAfterAJoinAndALeaveSignsWithTheStoredSet) {
  constexpr std::uint64_t kEpoch = 4;
  constexpr std::uint32_t kJoiner = 4;  // registers and stays
  constexpr std::uint32_t kLeaver = 5;  // registers, then spends its collateral
  const ScratchDir dir("restart-set");
  const KeyPair owner = ledger::testing::test_key(9);
  DevnetConfig config = devnet_config(load_config());
  config.followers = 2;
  config.epoch_blocks = kEpoch;
  config.consensus.block_interval_ms = 100;
  config.data_dir = dir.path().string();
  // Per follower (vouts 2k and 2k + 1): a Bronze collateral and a coin paying the registration's
  // fee.
  config.allocations.clear();
  for (int follower = 0; follower < 2; ++follower) {
    config.allocations.push_back(
        TxOutput{Amount::from_time(1'000), ledger::testing::hash_of(owner)});
    config.allocations.push_back(TxOutput{Amount::from_time(10), ledger::testing::hash_of(owner)});
  }

  std::uint64_t stopped_at = 0;
  std::uint64_t joins = 0;
  std::uint64_t leaves = 0;
  storage::ChainTip stopped_tip;
  {
    auto created = Devnet::create(config);
    ASSERT_TRUE(created.is_ok()) << created.status().to_string();
    Devnet& devnet = **created;
    ASSERT_TRUE(devnet.run_until_height(1, kRunTimeoutMs).is_ok());
    std::vector<Hash256> registrations;
    for (std::uint32_t follower : {kJoiner, kLeaver}) {
      const std::uint32_t vout = 2 * (follower - kJoiner);
      const Transaction registration = ledger::testing::make_registration(
          owner, OutPoint{devnet.genesis_txid(), vout + 1}, Amount(990'000'000),
          MasternodeTier::kBronze, OutPoint{devnet.genesis_txid(), vout},
          devnet.consensus_key(follower));
      send_tx(devnet, registration);
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
      registrations.push_back(txid(registration));
    }
    std::uint64_t registered = 0;
    for (const Hash256& id : registrations) {
      registered = std::max(registered, run_until_final(devnet, 1, id));
    }
    ASSERT_GT(registered, 0u);
    joins = ledger::activation_height(registered, kEpoch);
    ASSERT_TRUE(devnet.run_until_height(joins + 1, kRunTimeoutMs).is_ok());

    const OutPoint leaver_collateral{devnet.genesis_txid(), 2};
    const Transaction release = ledger::testing::make_transfer(
        owner, std::span<const OutPoint>(&leaver_collateral, 1),
        {TxOutput{Amount::from_time(999), ledger::testing::hash_of(owner)}});
    send_tx(devnet, release);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    const std::uint64_t released = run_until_final(devnet, joins + 1, txid(release));
    ASSERT_GT(released, 0u);
    leaves = ledger::deactivation_height(released, kEpoch);
    stopped_at = leaves + 1;
    const Status run = devnet.run_until_height(stopped_at, kRunTimeoutMs);
    ASSERT_TRUE(run.is_ok()) << run.to_string();
    const std::vector<ValidatorReport> reports = reports_of(devnet);
    expect_agreement(reports, stopped_at);
    ASSERT_FALSE(::testing::Test::HasFailure());
    EXPECT_GT(reports[kJoiner].signed_messages, 0u);
    EXPECT_GT(reports[kLeaver].signed_messages, 0u) << "the leaver never voted while in the set";
    stopped_tip = reports.front().tip;
  }

  auto resumed = Devnet::create(config);
  ASSERT_TRUE(resumed.is_ok()) << resumed.status().to_string();
  Devnet& devnet = **resumed;
  const std::vector<ValidatorReport> at_start = reports_of(devnet);
  expect_agreement(at_start, stopped_at);
  EXPECT_EQ(at_start.front().tip, stopped_tip);
  const std::uint64_t height = stopped_at + kEpoch;
  const Status run = devnet.run_until_height(height, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();

  // Heights go on from the stored tip, on the stored chain.
  ASSERT_EQ(devnet.blocks().size(), height - stopped_at);
  for (std::size_t k = 0; k < devnet.blocks().size(); ++k) {
    EXPECT_EQ(devnet.blocks()[k].height, stopped_at + 1 + k);
  }
  const std::vector<ValidatorReport> reports = reports_of(devnet);
  expect_agreement(reports, height);
  ASSERT_FALSE(::testing::Test::HasFailure());
  const ledger::MasternodeRegistry& registry = devnet.ledger(0).registry();
  EXPECT_TRUE(registry.find(devnet.validator_pubkey(kJoiner)).has_value());
  EXPECT_FALSE(registry.find(devnet.validator_pubkey(kLeaver)).has_value());
  // The engines' counters start at the restart: the joiner signs with the set its ledger names,
  // the leaver, out of that set, signs nothing and appears in no certificate.
  EXPECT_GT(reports[kJoiner].signed_messages, 0u) << "the joined follower did not sign";
  EXPECT_EQ(reports[kLeaver].signed_messages, 0u) << "the departed follower signed";
  for (const BlockRecord& block : devnet.blocks()) {
    EXPECT_FALSE(signed_by(block, kLeaver)) << "height " << block.height;
  }
}

TEST(Devnet, RestartCatchesUpANodeBehindFromTheLeadersStore) {
  const ScratchDir dir("restart-behind");
  DevnetConfig config = devnet_config(load_config());
  config.data_dir = dir.path().string();
  const std::filesystem::path behind_copy = dir.path() / "validator-3-at-2";
  {
    auto created = Devnet::create(config);
    ASSERT_TRUE(created.is_ok()) << created.status().to_string();
    ASSERT_TRUE((*created)->run_until_height(2, kRunTimeoutMs).is_ok());
  }
  std::filesystem::copy(dir.node(3), behind_copy, std::filesystem::copy_options::recursive);
  {
    auto created = Devnet::create(config);
    ASSERT_TRUE(created.is_ok()) << created.status().to_string();
    ASSERT_TRUE((*created)->run_until_height(5, kRunTimeoutMs).is_ok());
  }
  // Node 3 as if it had crashed after its commit of height 2 while the others went on to 5.
  std::filesystem::remove_all(dir.node(3));
  std::filesystem::rename(behind_copy, dir.node(3));

  auto created = Devnet::create(config);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  Devnet& devnet = **created;
  expect_agreement(reports_of(devnet), 5);
  const Status run = devnet.run_until_height(7, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  const std::vector<ValidatorReport> reports = reports_of(devnet);
  expect_agreement(reports, 7);
  for (const ValidatorReport& r : reports) EXPECT_EQ(r.blocks_rejected, 0u);
}

// Creates the devnet of `config`, runs it to `height` and destroys it.
void run_and_stop(const DevnetConfig& config, std::uint64_t height) {
  auto created = Devnet::create(config);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  const Status run = (*created)->run_until_height(height, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
}

void expect_refused(const DevnetConfig& config, StatusCode code, const std::string& named) {
  auto created = Devnet::create(config);
  ASSERT_FALSE(created.is_ok()) << "created over " << named;
  EXPECT_EQ(created.status().code(), code) << created.status().to_string();
  EXPECT_NE(created.status().to_string().find(named), std::string::npos)
      << created.status().to_string();
}

TEST(Devnet, RestartWithAnotherConfigIsRefused) {
  const ScratchDir dir("restart-config");
  DevnetConfig config = devnet_config(load_config());
  config.validators = 2;
  config.data_dir = dir.path().string();
  run_and_stop(config, 2);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  DevnetConfig more = config;
  more.validators = 3;  // same allocations, another genesis validator set
  expect_refused(more, StatusCode::kConfig, dir.node(0).string());
  DevnetConfig fewer = config;
  fewer.validators = 1;  // validator-1's chain would be left behind
  expect_refused(fewer, StatusCode::kConfig, dir.node(1).string());
  DevnetConfig with_follower = config;
  with_follower.followers = 1;  // validator-2 has no store
  expect_refused(with_follower, StatusCode::kConfig, dir.node(2).string());
  DevnetConfig other_allocations = config;
  other_allocations.allocations.pop_back();
  expect_refused(other_allocations, StatusCode::kConfig, dir.node(0).string());

  // The refusals changed nothing: the same config still resumes at the stored tip.
  auto resumed = Devnet::create(config);
  ASSERT_TRUE(resumed.is_ok()) << resumed.status().to_string();
  expect_agreement(reports_of(**resumed), 2);
  EXPECT_FALSE(std::filesystem::exists(dir.node(2)));
}

TEST(Devnet, RestartFromAHalfWrittenDirectoryIsRefused) {
  const ScratchDir dir("restart-damaged");
  DevnetConfig config = devnet_config(load_config());
  config.validators = 2;
  config.data_dir = dir.path().string();
  run_and_stop(config, 2);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::filesystem::path signing_dir = dir.node(1) / "signing_state";
  const std::filesystem::path record = signing_dir / "signing_state";
  ASSERT_TRUE(std::filesystem::exists(record)) << "validator 1 signed nothing by height 2";
  const std::filesystem::path saved = dir.path() / "signing_state.saved";
  std::filesystem::copy(signing_dir, saved, std::filesystem::copy_options::recursive);

  // A flipped byte in the record fails its checksum.
  {
    std::fstream file(record, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(file.is_open());
    file.seekg(8);
    char byte = 0;
    file.read(&byte, 1);
    file.seekp(8);
    byte = static_cast<char>(byte ^ 0x40);
    file.write(&byte, 1);
  }
  expect_refused(config, StatusCode::kCorruption, dir.node(1).string());

  // No signing state at all, beside a store: what the validator signed is lost.
  std::filesystem::remove_all(signing_dir);
  expect_refused(config, StatusCode::kCorruption, dir.node(1).string());

  // A signing state without its store.
  for (const auto& entry : std::filesystem::directory_iterator(dir.node(1))) {
    std::filesystem::remove_all(entry.path());
  }
  std::filesystem::copy(saved, signing_dir, std::filesystem::copy_options::recursive);
  expect_refused(config, StatusCode::kCorruption, dir.node(1).string());

  // An empty node directory beside a stored one is not started from genesis either.
  std::filesystem::remove_all(signing_dir);
  ASSERT_TRUE(std::filesystem::is_empty(dir.node(1)));
  expect_refused(config, StatusCode::kConfig, dir.node(1).string());
  EXPECT_TRUE(std::filesystem::is_empty(dir.node(1)));
}

}  // namespace
}  // namespace tc::node

namespace tc::node {
namespace {

// Validator 3 of 4 prevotes two different blocks at one (height, round) (the test plays it through
// Devnet::send_vote, signed with its real key). The honest engines report the equivocation, a
// proposer puts the evidence in a block, every node's ledger removes validator 3 at the next epoch
// boundary, and the other three go on without it: it signs nothing after it left, and every node
// agrees on the chain.
TEST(Devnet, AnEquivocatingValidatorLeavesTheSetAtTheNextBoundary) {
  constexpr std::uint64_t kEpoch = 4;
  constexpr std::uint32_t kByzantine = 3;
  DevnetConfig config = devnet_config(load_config());
  config.epoch_blocks = kEpoch;
  config.consensus.block_interval_ms = 100;
  auto created = Devnet::create(config);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  Devnet& devnet = **created;
  ASSERT_TRUE(devnet.run_until_height(1, kRunTimeoutMs).is_ok());

  // Height 2 is next for every node; sign two prevotes for made-up blocks in its round 0.
  const ledger::MasternodeRegistry& registry = devnet.ledger(0).registry();
  const auto set = validator_set_at(registry, 2);
  ASSERT_TRUE(set.is_ok());
  const auto index = set->index_of(devnet.validator_pubkey(kByzantine));
  ASSERT_TRUE(index.has_value());
  for (std::uint8_t fill : {0x5a, 0xa5}) {
    consensus::Vote vote;
    vote.height = 2;
    vote.round = 0;
    vote.type = consensus::VoteType::kPrevote;
    vote.validator_index = *index;
    vote.block_hash.bytes.fill(fill);
    vote.sig =
        sign(devnet.consensus_key(kByzantine), consensus::vote_digest(kChainIdDevnet, vote).span());
    devnet.send_vote(kByzantine, vote);
  }

  // The evidence (height 2) enters block 3 or a later one; the record leaves at the boundary after.
  std::uint64_t slashed_at = 0;
  for (std::uint64_t h = 2; h <= 12 && slashed_at == 0; ++h) {
    const Status run = devnet.run_until_height(h, kRunTimeoutMs);
    ASSERT_TRUE(run.is_ok()) << run.to_string();
    const auto record = registry.find(devnet.validator_pubkey(kByzantine));
    ASSERT_TRUE(record.has_value());
    if (record->slashed) slashed_at = *record->deregistered_height;
  }
  ASSERT_GT(slashed_at, 0u) << "no block carried the evidence";
  EXPECT_GT(devnet.counters().evidence, 0u);
  EXPECT_EQ(devnet.counters().slashed, 1u);
  const std::uint64_t leaves = ledger::deactivation_height(slashed_at, kEpoch);

  const auto byzantine_signed = [&] {
    auto reports = devnet.reports();
    EXPECT_TRUE(reports.is_ok()) << reports.status().to_string();
    return reports.is_ok() ? (*reports)[kByzantine].signed_messages : 0;
  };
  Status run = devnet.run_until_height(leaves + 1, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  const std::uint64_t signed_when_left = byzantine_signed();
  run = devnet.run_until_height(leaves + kEpoch, kRunTimeoutMs);
  ASSERT_TRUE(run.is_ok()) << run.to_string();
  EXPECT_EQ(byzantine_signed(), signed_when_left) << "validator 3 signed after it left the set";
  EXPECT_FALSE(registry.find(devnet.validator_pubkey(kByzantine)).has_value());
  const auto later = validator_set_at(registry, leaves + kEpoch);
  ASSERT_TRUE(later.is_ok());
  EXPECT_EQ(later->size(), 3u);
  for (const BlockRecord& block : devnet.blocks()) {
    if (block.height >= leaves) {
      EXPECT_FALSE(signed_by(block, kByzantine)) << "after removal, height " << block.height;
    }
  }
  auto reports = devnet.reports();
  ASSERT_TRUE(reports.is_ok()) << reports.status().to_string();
  for (const ValidatorReport& r : *reports) {
    EXPECT_EQ(r.tip, reports->front().tip);
    EXPECT_EQ(r.utxo_digest, reports->front().utxo_digest);
  }
}

}  // namespace
}  // namespace tc::node

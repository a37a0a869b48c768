// Goal: block sync (net/block_sync.h) brings a node that is behind to the tip of a real chain from
// several peers over real connections, checking every entry, and drops a peer that serves bad
// data without losing or reordering a block.
//
// Method: real TCP connections (net/connection.h) on 127.0.0.1 through tests/net/sync_harness.h.
// The chain is built with the real codec: heights 1..N (N = TC_SYNC_BLOCKS, default 10,000), each
// a coinbase block with correct roots, committed by a certificate signed by a one-member validator
// set. Serving nodes answer with answer_block_range() from that chain; the syncing node checks
// entries as node/ will (consensus::verify_certificate through the batch verifier's
// verify_single, ledger::check_block_binding) and records what it commits. The state machine's
// own rules (round-robin, window, ordering, timeouts, bad pages) are also driven directly, without
// sockets, through a recording network.
//
// Scenarios:
//   - three honest peers: every block arrives once, in height order, identical to the source; the
//     window bound holds; every peer served part;
//   - three peers of which one serves corrupt entries (a flipped byte in a block; a certificate
//     with a bad signature): the result is the same, that peer is reported exactly once with the
//     height and rule, and its ranges are fetched from the others;
//   - three peers of which one ignores the byte bound of the requests and fills its pages to its
//     own (oversized pages): reported once, the chain still arrives whole, and the window never
//     held more bytes than its bound;
//   - ranges go round-robin to peers whose height covers them; out-of-order pages wait for the
//     head; a short page's rest is asked again;
//   - a peer that answers with an empty page, entries of another height, more entries or bytes
//     than asked, a header where a block was asked, or an entry it claims is larger than the window
//     is reported and its range goes to another peer;
//   - an entry larger than a page is asked for again with room for it; the window is bounded in
//     bytes, and the next height to commit gets its room by giving back pages further ahead;
//   - a request that times out, or whose peer disconnects, goes to another peer, and a late
//     answer is ignored; a commit failure stops the sync and blames no peer;
//   - server side: pages are bounded by blocks, by the request's bytes and its own, stop at the
//   tip,
//     answer headers_only, and name the size of a first entry over the request's bound.
#include "net/block_sync.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "consensus/certificate.h"
#include "consensus/messages.h"
#include "core/codec.h"
#include "core/hashing.h"
#include "core/keys.h"
#include "ledger/ledger.h"
#include "tests/net/sync_harness.h"

namespace tc::net {
namespace {

using namespace sync_testing;

// How many blocks the sync tests move: TC_SYNC_BLOCKS, or 10,000.
std::uint64_t sync_block_count() {
  const char* value = std::getenv("TC_SYNC_BLOCKS");
  return value != nullptr ? std::strtoull(value, nullptr, 10) : 10'000;
}

class SingleVerifier final : public consensus::SignatureVerifier {
 public:
  void verify_batch(std::span<const consensus::SignedDigest> items,
                    std::span<std::uint8_t> valid) override {
    for (std::size_t i = 0; i < items.size(); ++i) {
      valid[i] = verify_ed25519(items[i].pubkey, items[i].digest, items[i].sig) ? 1 : 0;
    }
  }
};

ByteSpan span_of(const std::string& s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

// A certificate for (height, hash) signed by the one validator.
CommitCertificate certify(const KeyPair& validator, const consensus::ValidatorSet& set,
                          std::uint64_t height, const Hash256& hash) {
  consensus::Vote precommit;
  precommit.height = height;
  precommit.type = consensus::VoteType::kPrecommit;
  precommit.block_hash = hash;
  const Hash256 digest = consensus::vote_digest(kChain, precommit);
  precommit.sig = sign(validator, digest.span());
  return consensus::make_certificate(height, 0, hash, std::span(&precommit, 1), set);
}

// Heights 1..count of a chain of coinbase blocks with correct roots and signed certificates.
struct TestChain {
  KeyPair validator = samples::key(40);
  consensus::ValidatorSet set =
      consensus::ValidatorSet::create({consensus::Validator{validator.pubkey(), 1}}).value();
  std::vector<Bytes> blocks{Bytes{}};  // index = height; height 0 (genesis) is not synced
  std::vector<Bytes> certificates{Bytes{}};

  explicit TestChain(std::uint64_t count) {
    Hash256 prev;
    for (std::uint64_t height = 1; height <= count; ++height) {
      Block block;
      Transaction coinbase;
      coinbase.kind = TxKind::kCoinbase;
      coinbase.chain_id = kChain;
      coinbase.coinbase_height = height;
      for (std::uint8_t k = 0; k < 2; ++k) {
        PubkeyHash to;
        to.bytes.fill(static_cast<std::uint8_t>(height + k));
        coinbase.outputs.push_back(TxOutput{Amount(50'000'000 + height), to});
      }
      block.transactions.push_back(std::move(coinbase));
      const BlockRoots roots = block_roots(block.transactions);
      block.header.chain_id = kChain;
      block.header.height = height;
      block.header.prev_hash = prev;
      block.header.tx_root = roots.tx_root;
      block.header.wtx_root = roots.wtx_root;
      block.header.timestamp_ms = 1'700'000'000'000ull + height * 1000;
      block.header.proposer = validator.pubkey();
      block.header.tx_count = 1;
      prev = block_hash(block.header);
      Bytes block_bytes;
      encode(block, &block_bytes);
      Bytes certificate_bytes;
      encode(certify(validator, set, height, prev), &certificate_bytes);
      blocks.push_back(std::move(block_bytes));
      certificates.push_back(std::move(certificate_bytes));
    }
  }
  std::uint64_t tip() const { return blocks.size() - 1; }
};

enum class Corruption { kNone, kFlippedBlockByte, kBadCertificateSignature };

// Serves a TestChain; a corrupt source spoils every fifth height it serves.
class ChainSource final : public BlockSource {
 public:
  ChainSource(const TestChain& chain, Corruption corruption)
      : chain_(chain), corruption_(corruption) {}
  std::uint64_t tip_height() const override { return chain_.tip(); }
  Status read_entry(std::uint64_t height, Bytes* block, Bytes* certificate) const override {
    if (height == 0 || height > chain_.tip()) return not_found("no such height");
    Bytes block_bytes = chain_.blocks[height];
    Bytes certificate_bytes = chain_.certificates[height];
    if (height % 5 == 0 && corruption_ == Corruption::kFlippedBlockByte) {
      // One byte of an output's pubkey hash: the block still decodes, but no longer binds.
      Block decoded = decode_block(block_bytes).value();
      decoded.transactions[0].outputs[0].pubkey_hash.bytes[7] ^= 0x01;
      block_bytes.clear();
      encode(decoded, &block_bytes);
    }
    if (height % 5 == 0 && corruption_ == Corruption::kBadCertificateSignature) {
      CommitCertificate decoded = decode_commit_certificate(certificate_bytes).value();
      decoded.signatures[0].sig.bytes[3] ^= 0x01;
      certificate_bytes.clear();
      encode(decoded, &certificate_bytes);
    }
    block->insert(block->end(), block_bytes.begin(), block_bytes.end());
    certificate->insert(certificate->end(), certificate_bytes.begin(), certificate_bytes.end());
    return Status::ok();
  }

 private:
  const TestChain& chain_;
  Corruption corruption_;
};

// Checks entries as node/ will and records what it commits; routes requests to connections.
class SyncDriver final : public BlockSyncChain, public BlockSyncNetwork {
 public:
  SyncDriver(const TestChain& chain, SyncingNode* node) : chain_(chain), node_(node) {}

  Status check_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) override {
    TC_ASSIGN_OR_RETURN(CommitCertificate decoded, decode_commit_certificate(certificate));
    TC_RETURN_IF_ERROR(consensus::verify_certificate(decoded, kChain, height, decoded.block_hash,
                                                     chain_.set, verifier_));
    return ledger::check_block_binding(block, decoded.block_hash);
  }
  Status commit_entry(std::uint64_t height, ByteSpan block, ByteSpan certificate) override {
    EXPECT_EQ(height, committed_blocks.size() + 1);
    committed_blocks.emplace_back(block.begin(), block.end());
    committed_certificates.emplace_back(certificate.begin(), certificate.end());
    return Status::ok();
  }
  bool send_request(const Pubkey& peer, const proto::BlockRangeRequest& request) override {
    Connection* connection = node_->connection_to(peer);
    return connection != nullptr && connection->send(request);
  }
  void report_bad_peer(const Pubkey& peer, const Status& why) override {
    reports.push_back(BadPeerReport{peer, why});
    if (Connection* connection = node_->connection_to(peer)) {
      connection->close(proto::DISCONNECT_BANNED, std::string(why.message().substr(0, 200)));
    }
  }

  std::vector<Bytes> committed_blocks;
  std::vector<Bytes> committed_certificates;
  std::vector<BadPeerReport> reports;

 private:
  const TestChain& chain_;
  SyncingNode* node_;
  SingleVerifier verifier_;
};

class SyncTest : public LoopbackSyncTest {
 protected:
  ~SyncTest() override { shut_down(); }

  // Syncs `chain` from the servers into a fresh node; returns once done or after `timeout`.
  void run_block_sync(const TestChain& chain, const BlockSyncConfig& config,
                      SyncDriver** driver_out, BlockSync** sync_out,
                      std::chrono::seconds timeout = 60s) {
    auto finished = std::make_shared<std::promise<void>>();
    on_io([&] {
      syncing_ = std::make_unique<SyncingNode>(io_, samples::key(9));
      driver_ = std::make_unique<SyncDriver>(chain, syncing_.get());
      block_sync_ = std::make_unique<BlockSync>(config, 1, driver_.get(), driver_.get());
      BlockSync* sync = block_sync_.get();
      syncing_->established = [sync, &chain](Connection& connection) {
        // The peers' heights would come from the peer manager; here every server has the chain.
        sync->set_peer_height(connection.peer_key(), chain.tip());
        sync->poll(Clock::now());
      };
      syncing_->message = [sync](Connection& connection, MessageType type,
                                 const InboundMessages& messages) {
        if (type == MessageType::kBlockRangeResponse) {
          sync->on_response(connection.peer_key(), messages.block_range_response, Clock::now());
        }
      };
      syncing_->closed = [sync](const Pubkey& peer) { sync->remove_peer(peer); };
      syncing_->every_tick([sync, finished] {
        sync->poll(Clock::now());
        if (sync->done() || !sync->failure().is_ok()) {
          finished->set_value();
          return false;
        }
        return true;
      });
      for (auto& server : servers_) syncing_->dial(server->endpoint());
      return 0;
    });
    *driver_out = driver_.get();
    *sync_out = block_sync_.get();
    ASSERT_EQ(finished->get_future().wait_for(timeout), std::future_status::ready);
  }

  void expect_identical(const TestChain& chain, const SyncDriver& driver) {
    ASSERT_EQ(driver.committed_blocks.size(), chain.tip());
    for (std::uint64_t height = 1; height <= chain.tip(); ++height) {
      ASSERT_EQ(driver.committed_blocks[height - 1], chain.blocks[height]) << height;
      ASSERT_EQ(driver.committed_certificates[height - 1], chain.certificates[height]) << height;
    }
  }

  std::unique_ptr<SyncDriver> driver_;
  std::unique_ptr<BlockSync> block_sync_;
};

const TestChain& shared_chain() {
  static const TestChain chain(sync_block_count());
  return chain;
}

TEST_F(SyncTest, ThreeHonestPeersDeliverEveryBlockInOrder) {
  const TestChain& chain = shared_chain();
  ChainSource source(chain, Corruption::kNone);
  for (std::uint8_t k = 1; k <= 3; ++k) add_server(k, &source);
  BlockSyncConfig config;
  SyncDriver* driver = nullptr;
  BlockSync* sync = nullptr;
  const auto started = Clock::now();
  run_block_sync(chain, config, &driver, &sync);
  const auto elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("synced %llu blocks from 3 peers in %.2f s\n",
              static_cast<unsigned long long>(chain.tip()), elapsed);
  ASSERT_TRUE(sync->failure().is_ok()) << sync->failure().to_string();
  ASSERT_TRUE(sync->done());
  expect_identical(chain, *driver);
  EXPECT_TRUE(driver->reports.empty());
  EXPECT_LE(sync->counters().pages_held_peak, config.pages_in_window_max);
  EXPECT_LE(sync->counters().window_bytes_peak, config.window_bytes_max);
  // Every peer did part of the work.
  for (const auto& server : servers_) EXPECT_GT(server->requests_answered(), 0u);
}

class CorruptPeerTest : public SyncTest, public ::testing::WithParamInterface<Corruption> {};

TEST_P(CorruptPeerTest, CorruptPeerIsReportedAndItsRangesComeFromTheOthers) {
  const TestChain& chain = shared_chain();
  ChainSource honest(chain, Corruption::kNone);
  ChainSource corrupt(chain, GetParam());
  add_server(1, &honest);
  ServingNode* bad = add_server(2, &corrupt);
  add_server(3, &honest);
  BlockSyncConfig config;
  SyncDriver* driver = nullptr;
  BlockSync* sync = nullptr;
  run_block_sync(chain, config, &driver, &sync);
  ASSERT_TRUE(sync->failure().is_ok()) << sync->failure().to_string();
  ASSERT_TRUE(sync->done());
  expect_identical(chain, *driver);

  ASSERT_EQ(driver->reports.size(), 1u);
  EXPECT_EQ(driver->reports[0].peer, bad->pubkey());
  const std::string why = driver->reports[0].why.to_string();
  EXPECT_NE(why.find("height"), std::string::npos) << why;
  if (GetParam() == Corruption::kFlippedBlockByte) {
    EXPECT_NE(why.find("root"), std::string::npos) << why;
  } else {
    EXPECT_EQ(driver->reports[0].why.code(), StatusCode::kCorruption) << why;
  }
  EXPECT_GT(bad->requests_answered(), 0u);
  EXPECT_GT(sync->counters().ranges_reassigned, 0u);
  EXPECT_EQ(sync->counters().bad_peers, 1u);
  EXPECT_EQ(sync->peer_count(), 2u);
  EXPECT_LE(sync->counters().pages_held_peak, config.pages_in_window_max);
}

INSTANTIATE_TEST_SUITE_P(Corruptions, CorruptPeerTest,
                         ::testing::Values(Corruption::kFlippedBlockByte,
                                           Corruption::kBadCertificateSignature),
                         [](const auto& info) {
                           return info.param == Corruption::kFlippedBlockByte
                                      ? "FlippedBlockByte"
                                      : "BadCertificateSignature";
                         });

TEST_F(SyncTest, PeerSendingPagesOverTheAskedBytesIsReported) {
  const TestChain chain(2'000);
  ChainSource source(chain, Corruption::kNone);
  add_server(1, &source);
  ServingNode* oversized = add_server(2, &source);
  oversized->ignore_bytes_max = true;
  add_server(3, &source);
  // Pages of about 16 entries by bytes; the hostile peer sends up to 128.
  const std::size_t entry = chain.blocks[1].size() + chain.certificates[1].size();
  BlockSyncConfig config;
  config.page_bytes_max = 16 * entry;
  config.window_bytes_max = 4 * config.page_bytes_max;
  SyncDriver* driver = nullptr;
  BlockSync* sync = nullptr;
  run_block_sync(chain, config, &driver, &sync);
  ASSERT_TRUE(sync->failure().is_ok()) << sync->failure().to_string();
  ASSERT_TRUE(sync->done());
  expect_identical(chain, *driver);
  ASSERT_EQ(driver->reports.size(), 1u);
  EXPECT_EQ(driver->reports[0].peer, oversized->pubkey());
  EXPECT_NE(driver->reports[0].why.to_string().find("asked"), std::string::npos)
      << driver->reports[0].why.to_string();
  EXPECT_NE(driver->reports[0].why.to_string().find("page of"), std::string::npos)
      << driver->reports[0].why.to_string();
  EXPECT_EQ(sync->counters().bad_peers, 1u);
  EXPECT_LE(sync->counters().window_bytes_peak, config.window_bytes_max);
}

// ---- BlockSync as a state machine, without sockets -------------------------------------------

class RecordingNetwork final : public BlockSyncNetwork {
 public:
  bool send_request(const Pubkey& peer, const proto::BlockRangeRequest& request) override {
    sent.emplace_back(peer, request);
    return true;
  }
  void report_bad_peer(const Pubkey& peer, const Status& why) override {
    reports.push_back(BadPeerReport{peer, why});
  }
  std::vector<std::pair<Pubkey, proto::BlockRangeRequest>> sent;
  std::vector<BadPeerReport> reports;
};

class AcceptingChain final : public BlockSyncChain {
 public:
  Status check_entry(std::uint64_t, ByteSpan, ByteSpan) override { return Status::ok(); }
  Status commit_entry(std::uint64_t height, ByteSpan, ByteSpan) override {
    committed.push_back(height);
    return Status::ok();
  }
  std::vector<std::uint64_t> committed;
};

proto::BlockRangeResponse page_of(const TestChain& chain, std::uint64_t request_id,
                                  std::uint64_t start, std::uint64_t count) {
  proto::BlockRangeResponse response;
  response.set_request_id(request_id);
  for (std::uint64_t h = start; h < start + count; ++h) {
    proto::BlockEntry* entry = response.add_blocks();
    entry->set_block(chain.blocks[h].data(), chain.blocks[h].size());
    entry->set_certificate(chain.certificates[h].data(), chain.certificates[h].size());
  }
  return response;
}

TEST(BlockSyncMachine, RangesGoRoundRobinToPeersWhoseHeightCoversThem) {
  const TestChain chain(40);
  RecordingNetwork network;
  AcceptingChain accepting;
  BlockSyncConfig config;
  config.page_blocks_max = 10;
  config.pages_in_window_max = 3;
  BlockSync sync(config, 1, &accepting, &network);
  const Pubkey low = samples::key(1).pubkey();
  const Pubkey high = samples::key(2).pubkey();
  sync.set_peer_height(low, 15);
  sync.set_peer_height(high, 40);
  sync.poll(Clock::now());
  // A window of 3 ranges of 10, round-robin over the peers whose chain reaches the range's start.
  ASSERT_EQ(network.sent.size(), 3u);
  EXPECT_EQ(network.sent[0].first, low);
  EXPECT_EQ(network.sent[0].second.start_height(), 1u);
  EXPECT_EQ(network.sent[0].second.count(), 10u);
  EXPECT_EQ(network.sent[1].first, high);
  EXPECT_EQ(network.sent[1].second.start_height(), 11u);
  EXPECT_EQ(network.sent[1].second.count(), 10u);
  EXPECT_EQ(network.sent[2].first, high);  // low's chain ends at 15 < 21
  EXPECT_EQ(network.sent[2].second.start_height(), 21u);

  // Pages arrive out of order; nothing commits until height 1's page is there.
  const auto& second = network.sent[1].second;
  sync.on_response(high, page_of(chain, second.request_id(), 11, 10), Clock::now());
  EXPECT_TRUE(accepting.committed.empty());
  EXPECT_EQ(network.sent.size(), 3u);  // the window is full: 2 requested + 1 held
  const auto first = network.sent[0].second;
  sync.on_response(low, page_of(chain, first.request_id(), 1, 10), Clock::now());
  ASSERT_EQ(accepting.committed.size(), 20u);
  for (std::uint64_t i = 0; i < 20; ++i) EXPECT_EQ(accepting.committed[i], i + 1);
  EXPECT_EQ(sync.next_height(), 21u);
  EXPECT_LE(sync.counters().pages_held_peak, 3u);
}

TEST(BlockSyncMachine, ShortPageIsAskedAgainForTheRest) {
  const TestChain chain(20);
  RecordingNetwork network;
  AcceptingChain accepting;
  BlockSyncConfig config;
  config.page_blocks_max = 10;
  config.pages_in_window_max = 1;
  BlockSync sync(config, 1, &accepting, &network);
  const Pubkey peer = samples::key(1).pubkey();
  sync.set_peer_height(peer, 20);
  sync.poll(Clock::now());
  ASSERT_EQ(network.sent.size(), 1u);
  sync.on_response(peer, page_of(chain, network.sent[0].second.request_id(), 1, 4), Clock::now());
  EXPECT_EQ(sync.counters().short_pages, 1u);
  ASSERT_EQ(network.sent.size(), 2u);
  EXPECT_EQ(network.sent[1].second.start_height(), 5u);
  EXPECT_EQ(network.sent[1].second.count(), 6u);
  EXPECT_TRUE(network.reports.empty());
}

struct BadPage {
  const char* name;
  std::function<proto::BlockRangeResponse(const TestChain&, std::uint64_t id)> make;
  const char* reason;
};

std::uint64_t entry_bytes(const TestChain& chain, std::uint64_t height) {
  return chain.blocks[height].size() + chain.certificates[height].size();
}

// The byte bounds of the machine tests: a page holds five entries of `chain` and never six, and
// the window four pages.
std::uint64_t page_bytes_of(const TestChain& chain) {
  std::uint64_t largest = 0;
  for (std::uint64_t h = 1; h <= chain.tip(); ++h)
    largest = std::max(largest, entry_bytes(chain, h));
  return 5 * largest;
}
std::uint64_t window_bytes_of(const TestChain& chain) {
  return 4 * page_bytes_of(chain);
}

TEST(BlockSyncMachine, MalformedPagesReportThePeerAndMoveItsRange) {
  const TestChain chain(20);
  const std::uint64_t page_bytes = page_bytes_of(chain);
  const std::uint64_t window_bytes = window_bytes_of(chain);
  for (std::uint64_t h = 1; h + 5 <= 20; ++h) {
    std::uint64_t six = 0;
    for (std::uint64_t i = 0; i < 6; ++i) six += entry_bytes(chain, h + i);
    ASSERT_GT(six, page_bytes);
  }
  const std::vector<BadPage> cases = {
      {"empty",
       [](const TestChain&, std::uint64_t id) {
         proto::BlockRangeResponse r;
         r.set_request_id(id);
         return r;
       },
       "empty page"},
      {"other height", [](const TestChain& c, std::uint64_t id) { return page_of(c, id, 2, 5); },
       "entry is for block 2"},
      {"too many", [](const TestChain& c, std::uint64_t id) { return page_of(c, id, 1, 11); },
       "11 entries, 10 asked"},
      {"headers only",
       [](const TestChain& c, std::uint64_t id) {
         proto::BlockRangeResponse r = page_of(c, id, 1, 1);
         r.mutable_blocks(0)->set_header(c.blocks[1].data(), kBlockHeaderBytes);
         return r;
       },
       "without a block"},
      {"more bytes than asked",
       [](const TestChain& c, std::uint64_t id) { return page_of(c, id, 1, 6); }, "page of"},
      {"an entry claimed larger than the window",
       [](const TestChain& c, std::uint64_t id) {
         proto::BlockRangeResponse r;
         r.set_request_id(id);
         r.set_first_entry_bytes(window_bytes_of(c) + 1);
         return r;
       },
       "above the window"},
      {"an empty page claiming an entry that fits",
       [](const TestChain& c, std::uint64_t id) {
         proto::BlockRangeResponse r;
         r.set_request_id(id);
         r.set_first_entry_bytes(entry_bytes(c, 1));
         return r;
       },
       "empty page"},
  };
  for (const BadPage& bad : cases) {
    SCOPED_TRACE(bad.name);
    RecordingNetwork network;
    AcceptingChain accepting;
    BlockSyncConfig config;
    config.page_blocks_max = 10;
    config.page_bytes_max = page_bytes;
    config.window_bytes_max = window_bytes;
    config.pages_in_window_max = 1;
    BlockSync sync(config, 1, &accepting, &network);
    const Pubkey liar = samples::key(1).pubkey();
    const Pubkey honest = samples::key(2).pubkey();
    sync.set_peer_height(liar, 20);
    sync.poll(Clock::now());
    sync.set_peer_height(honest, 20);
    ASSERT_EQ(network.sent.size(), 1u);
    ASSERT_EQ(network.sent[0].first, liar);
    sync.on_response(liar, bad.make(chain, network.sent[0].second.request_id()), Clock::now());
    ASSERT_EQ(network.reports.size(), 1u);
    EXPECT_EQ(network.reports[0].peer, liar);
    EXPECT_NE(network.reports[0].why.to_string().find(bad.reason), std::string::npos)
        << network.reports[0].why.to_string();
    EXPECT_TRUE(accepting.committed.empty());
    // The same range goes to the honest peer.
    ASSERT_EQ(network.sent.size(), 2u);
    EXPECT_EQ(network.sent[1].first, honest);
    EXPECT_EQ(network.sent[1].second.start_height(), 1u);
    EXPECT_EQ(network.sent[1].second.count(), 10u);
    EXPECT_EQ(network.sent[1].second.bytes_max(), page_bytes);
    EXPECT_EQ(sync.peer_count(), 1u);
  }
}

TEST(BlockSyncMachine, EntryLargerThanAPageIsAskedForAgainWithRoomForIt) {
  const TestChain chain(20);
  const std::uint64_t page_bytes = page_bytes_of(chain);
  const std::uint64_t window_bytes = window_bytes_of(chain);
  RecordingNetwork network;
  AcceptingChain accepting;
  BlockSyncConfig config;
  config.page_blocks_max = 10;
  config.page_bytes_max = page_bytes;
  config.window_bytes_max = window_bytes;
  config.pages_in_window_max = 1;
  BlockSync sync(config, 1, &accepting, &network);
  const Pubkey peer = samples::key(1).pubkey();
  sync.set_peer_height(peer, 20);
  sync.poll(Clock::now());
  ASSERT_EQ(network.sent.size(), 1u);
  EXPECT_EQ(network.sent[0].second.bytes_max(), page_bytes);
  // Height 1 is (said to be) larger than a page: an empty page naming its size is no offence.
  const std::uint64_t large = 3 * page_bytes;
  proto::BlockRangeResponse too_large;
  too_large.set_request_id(network.sent[0].second.request_id());
  too_large.set_first_entry_bytes(large);
  sync.on_response(peer, too_large, Clock::now());
  EXPECT_TRUE(network.reports.empty());
  EXPECT_EQ(sync.counters().large_entries, 1u);
  ASSERT_EQ(network.sent.size(), 2u);
  EXPECT_EQ(network.sent[1].second.start_height(), 1u);
  EXPECT_EQ(network.sent[1].second.bytes_max(), large);
  sync.on_response(peer, page_of(chain, network.sent[1].second.request_id(), 1, 10), Clock::now());
  ASSERT_EQ(accepting.committed.size(), 10u);
  // The rest goes back to the page bound.
  ASSERT_EQ(network.sent.size(), 3u);
  EXPECT_EQ(network.sent[2].second.start_height(), 11u);
  EXPECT_EQ(network.sent[2].second.bytes_max(), page_bytes);
  EXPECT_TRUE(network.reports.empty());
}

TEST(BlockSyncMachine, WindowIsBoundedInBytesAndTheNextHeightGetsRoom) {
  const TestChain chain(20);
  const std::uint64_t page_bytes = page_bytes_of(chain);
  const std::uint64_t window_bytes = window_bytes_of(chain);
  RecordingNetwork network;
  AcceptingChain accepting;
  BlockSyncConfig config;
  config.page_blocks_max = 5;
  config.page_bytes_max = page_bytes;
  config.window_bytes_max = window_bytes;  // four pages' worth
  config.pages_in_window_max = 16;
  config.requests_per_peer_max = 16;
  BlockSync sync(config, 1, &accepting, &network);
  const Pubkey peer = samples::key(1).pubkey();
  sync.set_peer_height(peer, 20);
  sync.poll(Clock::now());
  // The byte bound stops the window at four requests, before the count bound of 16.
  ASSERT_EQ(network.sent.size(), 4u);
  EXPECT_EQ(sync.counters().window_bytes_peak, window_bytes);
  // Pages 6..20 arrive and wait for height 1, whose entry turns out to need the whole window.
  for (std::size_t i = 1; i < 4; ++i) {
    const auto& request = network.sent[i].second;
    sync.on_response(peer, page_of(chain, request.request_id(), request.start_height(), 5),
                     Clock::now());
  }
  EXPECT_TRUE(accepting.committed.empty());
  proto::BlockRangeResponse too_large;
  too_large.set_request_id(network.sent[0].second.request_id());
  too_large.set_first_entry_bytes(window_bytes);
  sync.on_response(peer, too_large, Clock::now());
  // The three held pages were given back so that height 1 could be asked with the whole window.
  EXPECT_EQ(sync.counters().pages_given_back, 3u);
  ASSERT_EQ(network.sent.size(), 5u);
  EXPECT_EQ(network.sent[4].second.start_height(), 1u);
  EXPECT_EQ(network.sent[4].second.bytes_max(), window_bytes);
  EXPECT_LE(sync.counters().window_bytes_peak, window_bytes);
  sync.on_response(peer, page_of(chain, network.sent[4].second.request_id(), 1, 5), Clock::now());
  // The given-back heights are asked again (answered here as they are sent) and everything
  // commits in order.
  for (std::size_t i = 5; i < network.sent.size(); ++i) {
    const proto::BlockRangeRequest request = network.sent[i].second;
    sync.on_response(peer,
                     page_of(chain, request.request_id(), request.start_height(), request.count()),
                     Clock::now());
  }
  EXPECT_TRUE(sync.done());
  ASSERT_EQ(accepting.committed.size(), 20u);
  for (std::uint64_t i = 0; i < 20; ++i) EXPECT_EQ(accepting.committed[i], i + 1);
  EXPECT_LE(sync.counters().window_bytes_peak, window_bytes);
  EXPECT_TRUE(network.reports.empty());
}

TEST(BlockSyncMachine, TimedOutRequestGoesToAnotherPeerAndLateAnswerIsIgnored) {
  const TestChain chain(10);
  RecordingNetwork network;
  AcceptingChain accepting;
  BlockSyncConfig config;
  config.page_blocks_max = 10;
  config.pages_in_window_max = 1;
  config.request_timeout = 100ms;
  BlockSync sync(config, 1, &accepting, &network);
  const Pubkey slow = samples::key(1).pubkey();
  const Pubkey fast = samples::key(2).pubkey();
  sync.set_peer_height(slow, 10);
  const auto t0 = Clock::now();
  sync.poll(t0);
  sync.set_peer_height(fast, 10);
  ASSERT_EQ(network.sent.size(), 1u);
  sync.poll(t0 + 50ms);
  EXPECT_EQ(network.sent.size(), 1u);
  sync.poll(t0 + 100ms);
  ASSERT_EQ(network.sent.size(), 2u);
  EXPECT_EQ(network.sent[1].first, fast);
  EXPECT_EQ(sync.counters().requests_timed_out, 1u);
  sync.on_response(slow, page_of(chain, network.sent[0].second.request_id(), 1, 10), t0 + 120ms);
  EXPECT_EQ(sync.counters().unsolicited_responses, 1u);
  EXPECT_TRUE(accepting.committed.empty());
  sync.on_response(fast, page_of(chain, network.sent[1].second.request_id(), 1, 10), t0 + 130ms);
  EXPECT_TRUE(sync.done());
  EXPECT_TRUE(network.reports.empty());  // slowness is not reported
}

TEST(BlockSyncMachine, DisconnectedPeersRangesGoToAnotherPeer) {
  const TestChain chain(10);
  RecordingNetwork network;
  AcceptingChain accepting;
  BlockSyncConfig config;
  config.pages_in_window_max = 1;
  BlockSync sync(config, 1, &accepting, &network);
  const Pubkey gone = samples::key(1).pubkey();
  const Pubkey staying = samples::key(2).pubkey();
  sync.set_peer_height(gone, 10);
  sync.poll(Clock::now());
  sync.set_peer_height(staying, 10);
  ASSERT_EQ(network.sent.size(), 1u);
  ASSERT_EQ(network.sent[0].first, gone);
  sync.remove_peer(gone);
  sync.poll(Clock::now());
  ASSERT_EQ(network.sent.size(), 2u);
  EXPECT_EQ(network.sent[1].first, staying);
  EXPECT_EQ(network.sent[1].second.start_height(), 1u);
  EXPECT_EQ(network.sent[1].second.count(), 10u);
  // An answer from the departed peer is not used.
  sync.on_response(gone, page_of(chain, network.sent[0].second.request_id(), 1, 10), Clock::now());
  EXPECT_EQ(sync.counters().unsolicited_responses, 1u);
  sync.on_response(staying, page_of(chain, network.sent[1].second.request_id(), 1, 10),
                   Clock::now());
  EXPECT_TRUE(sync.done());
  EXPECT_TRUE(network.reports.empty());
}

TEST(BlockSyncMachine, CommitFailureStopsTheSync) {
  class FailingChain final : public BlockSyncChain {
   public:
    Status check_entry(std::uint64_t, ByteSpan, ByteSpan) override { return Status::ok(); }
    Status commit_entry(std::uint64_t height, ByteSpan, ByteSpan) override {
      return height == 3 ? io_error("store write failed at 3") : Status::ok();
    }
  } failing;
  const TestChain chain(10);
  RecordingNetwork network;
  BlockSync sync(BlockSyncConfig{}, 1, &failing, &network);
  const Pubkey peer = samples::key(1).pubkey();
  sync.set_peer_height(peer, 10);
  sync.poll(Clock::now());
  ASSERT_EQ(network.sent.size(), 1u);
  sync.on_response(peer, page_of(chain, network.sent[0].second.request_id(), 1, 10), Clock::now());
  EXPECT_EQ(sync.failure().code(), StatusCode::kIoError);
  EXPECT_FALSE(sync.done());
  EXPECT_EQ(sync.next_height(), 3u);
  EXPECT_TRUE(network.reports.empty());  // a local failure blames no peer
  sync.poll(Clock::now());
  EXPECT_EQ(network.sent.size(), 1u);
}

// ---- Server side ---------------------------------------------------------------------------

TEST(AnswerBlockRange, PagesAreBoundedAndStopAtTheTip) {
  const TestChain chain(50);
  ChainSource source(chain, Corruption::kNone);
  proto::BlockRangeRequest request;
  request.set_start_height(1);
  request.set_count(1000);
  request.set_request_id(77);
  request.set_bytes_max(~std::uint64_t{0});
  proto::BlockRangeResponse response;

  ASSERT_TRUE(
      answer_block_range(request, source, BlockPageLimits{.blocks_max = 20}, &response).is_ok());
  EXPECT_EQ(response.request_id(), 77u);
  ASSERT_EQ(response.blocks_size(), 20);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(span_of(response.blocks(i).block()).size(), chain.blocks[i + 1].size());
  }

  // A byte bound of three entries' worth.
  const std::size_t entry = chain.blocks[1].size() + chain.certificates[1].size();
  ASSERT_TRUE(answer_block_range(request, source,
                                 BlockPageLimits{.blocks_max = 1000, .bytes_max = 3 * entry + 1},
                                 &response)
                  .is_ok());
  EXPECT_EQ(response.blocks_size(), 3);
  // The first entry goes even when it alone is over the server's own bound.
  ASSERT_TRUE(
      answer_block_range(request, source, BlockPageLimits{.bytes_max = 1}, &response).is_ok());
  EXPECT_EQ(response.blocks_size(), 1);

  // The request's bound is never passed, not even by the first entry; an empty page names its size.
  request.set_bytes_max(2 * entry + 1);
  ASSERT_TRUE(answer_block_range(request, source, BlockPageLimits{}, &response).is_ok());
  EXPECT_EQ(response.blocks_size(), 2);
  EXPECT_EQ(response.first_entry_bytes(), 0u);
  request.set_bytes_max(entry - 1);
  ASSERT_TRUE(
      answer_block_range(request, source, BlockPageLimits{.bytes_max = 1}, &response).is_ok());
  EXPECT_EQ(response.blocks_size(), 0);
  EXPECT_EQ(response.first_entry_bytes(), entry);
  request.set_bytes_max(~std::uint64_t{0});

  request.set_start_height(45);
  ASSERT_TRUE(answer_block_range(request, source, BlockPageLimits{}, &response).is_ok());
  EXPECT_EQ(response.blocks_size(), 6);  // 45..50
  request.set_start_height(51);
  ASSERT_TRUE(answer_block_range(request, source, BlockPageLimits{}, &response).is_ok());
  EXPECT_EQ(response.blocks_size(), 0);
  request.set_start_height(~std::uint64_t{0});
  ASSERT_TRUE(answer_block_range(request, source, BlockPageLimits{}, &response).is_ok());
  EXPECT_EQ(response.blocks_size(), 0);

  request.set_start_height(10);
  request.set_count(2);
  request.set_headers_only(true);
  ASSERT_TRUE(answer_block_range(request, source, BlockPageLimits{}, &response).is_ok());
  ASSERT_EQ(response.blocks_size(), 2);
  EXPECT_TRUE(response.blocks(0).has_header());
  EXPECT_EQ(span_of(response.blocks(0).header()).size(), kBlockHeaderBytes);
  EXPECT_EQ(decode_block_header(span_of(response.blocks(1).header()))->height, 11u);
}

}  // namespace
}  // namespace tc::net

// Goal: snapshot sync (net/snapshot_sync.h) installs a UTXO snapshot fetched in chunks only when
// its digest matches the certified header, and reports a peer that serves chunks no correct peer
// sends.
//
// Method: real TCP connections on 127.0.0.1 (tests/net/sync_harness.h). The snapshot is a real
// ChainStore export (RocksDB in a temporary directory) of a 25-block chain from the storage tests'
// ChainModel, served by SnapshotFileServer in 4 KiB chunks; the syncing side's sink is a fresh
// ChainStore's import_utxo_snapshot with the certified header's utxo_digest, as node/ will wire it.
//
// Scenarios:
//   - a good snapshot is installed, after the first peer served chunks one byte short (reported,
//     the fetch restarted with the second peer): the store's tip and UTXO set equal the source's;
//   - a snapshot whose digest does not match the certified header (the set one block earlier) is
//     refused from every peer, each reported, and the store stays empty;
//   - a peer whose chunks are larger than the fetcher's chunk bound is reported, and the snapshot
//     comes from the next peer;
//   - the server refuses requests for another snapshot or a chunk past the end, and refuses to
//     cut chunks above kMaxSnapshotChunkBytes.
#include "net/snapshot_sync.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "storage/chain_store.h"
#include "tests/net/sync_harness.h"
#include "tests/storage/chain_fixture.h"

namespace tc::net {
namespace {

using namespace sync_testing;

class StoreSink final : public SnapshotSink {
 public:
  StoreSink(storage::ChainStore* store, const Hash256& certified_utxo_digest)
      : store_(store), certified_utxo_digest_(certified_utxo_digest) {}
  Status install(const std::string& file) override {
    ++installs;
    return store_->import_utxo_snapshot(file, certified_utxo_digest_).status();
  }
  int installs = 0;

 private:
  storage::ChainStore* store_;
  Hash256 certified_utxo_digest_;
};

class SnapshotNetwork final : public SnapshotSyncNetwork {
 public:
  explicit SnapshotNetwork(SyncingNode* node) : node_(node) {}
  bool send_request(const Pubkey& peer, const proto::SnapshotChunkRequest& request) override {
    Connection* connection = node_->connection_to(peer);
    return connection != nullptr && connection->send(request);
  }
  void report_bad_peer(const Pubkey& peer, const Status& why) override {
    reports.push_back(BadPeerReport{peer, why});
  }
  std::vector<BadPeerReport> reports;

 private:
  SyncingNode* node_;
};

std::unique_ptr<storage::ChainStore> open_store(const std::string& path) {
  storage::StoreOptions options;
  options.path = path;
  options.read_path = storage::ReadPath::kDefault;
  auto store = storage::ChainStore::open(options);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

class SnapshotSyncTest : public LoopbackSyncTest {
 protected:
  ~SnapshotSyncTest() override { shut_down(); }

  // A source store with 25 blocks exported to a snapshot file; the certified header at its tip
  // carries the set's UTXO digest.
  void SetUp() override {
    storage::testing::ChainModel model(
        {.seed = 7, .genesis_outputs = 300, .transfers_per_block = 10});
    source_ = open_store(dir_.sub("source"));
    ASSERT_NE(source_, nullptr);
    for (int h = 0; h < 25; ++h) {
      ASSERT_TRUE(source_->commit_block(model.next_block().commit()).is_ok());
      if (h == 23) digest_before_tip_ = model.set_digest().digest();
    }
    auto exported = source_->export_utxo_snapshot(dir_.sub("snapshot"));
    ASSERT_TRUE(exported.is_ok()) << exported.status().to_string();
    info_ = *exported;
    tip_digest_ = model.set_digest().digest();
    auto server = SnapshotFileServer::open(
        dir_.sub("snapshot"), {info_.tip.height, info_.digest.hash}, /*chunk_bytes=*/4096);
    ASSERT_TRUE(server.is_ok()) << server.status().to_string();
    snapshot_server_ = std::move(server).value();
  }

  // Fetches the snapshot from the servers into a fresh store that trusts `certified_digest`.
  SnapshotSyncState fetch(const Hash256& certified_digest, storage::ChainStore* target,
                          SnapshotNetwork** network_out,
                          std::uint32_t chunk_bytes_max = kMaxSnapshotChunkBytes) {
    auto finished = std::make_shared<std::promise<SnapshotSyncState>>();
    on_io([&] {
      syncing_ = std::make_unique<SyncingNode>(io_, samples::key(9));
      network_ = std::make_unique<SnapshotNetwork>(syncing_.get());
      sink_ = std::make_unique<StoreSink>(target, certified_digest);
      sync_ = std::make_unique<SnapshotSync>(
          SnapshotSyncConfig{.chunks_in_flight_max = 4, .chunk_bytes_max = chunk_bytes_max},
          SnapshotTarget{info_.tip.height, info_.digest.hash}, dir_.sub("fetched"), sink_.get(),
          network_.get());
      SnapshotSync* sync = sync_.get();
      // Peers are tried in the order they were dialled.
      established_count_ = 0;
      syncing_->established = [this, sync](Connection&) {
        if (++established_count_ < servers_.size()) return;
        for (auto& server : servers_) sync->add_peer(server->pubkey());
        sync->poll(Clock::now());
      };
      syncing_->message = [sync](Connection& connection, MessageType type,
                                 const InboundMessages& messages) {
        if (type == MessageType::kSnapshotChunkResponse) {
          sync->on_chunk(connection.peer_key(), messages.snapshot_chunk_response, Clock::now());
        }
      };
      syncing_->every_tick([sync, finished] {
        sync->poll(Clock::now());
        if (sync->state() == SnapshotSyncState::kFetching) return true;
        finished->set_value(sync->state());
        return false;
      });
      for (auto& server : servers_) syncing_->dial(server->endpoint());
      return 0;
    });
    auto future = finished->get_future();
    EXPECT_EQ(future.wait_for(30s), std::future_status::ready);
    *network_out = network_.get();
    return future.get();
  }

  storage::testing::TempDir dir_;
  std::unique_ptr<storage::ChainStore> source_;
  storage::SnapshotInfo info_;
  Hash256 tip_digest_;
  Hash256 digest_before_tip_;
  std::unique_ptr<SnapshotFileServer> snapshot_server_;
  std::unique_ptr<SnapshotNetwork> network_;
  std::unique_ptr<StoreSink> sink_;
  std::unique_ptr<SnapshotSync> sync_;
  std::size_t established_count_ = 0;
  std::unique_ptr<storage::ChainStore> target_;
};

TEST_F(SnapshotSyncTest, GoodSnapshotIsInstalledAfterACorruptPeerIsReported) {
  ServingNode* corrupt = add_server(1, nullptr, snapshot_server_.get());
  corrupt->corrupt_chunks = true;
  add_server(2, nullptr, snapshot_server_.get());
  target_ = open_store(dir_.sub("target"));
  storage::ChainStore* target = target_.get();
  ASSERT_NE(target, nullptr);
  SnapshotNetwork* network = nullptr;
  EXPECT_EQ(fetch(tip_digest_, target, &network), SnapshotSyncState::kInstalled)
      << sync_->failure().to_string();
  ASSERT_EQ(network->reports.size(), 1u);
  EXPECT_EQ(network->reports[0].peer, corrupt->pubkey());
  // Chunk 0 one byte short still describes a consistent file of 4095-byte chunks; the lie shows
  // at a later chunk whose size does not fit it.
  EXPECT_NE(network->reports[0].why.to_string().find("expected"), std::string::npos)
      << network->reports[0].why.to_string();
  EXPECT_EQ(sink_->installs, 1);
  ASSERT_TRUE(target->tip().has_value());
  EXPECT_EQ(*target->tip(), info_.tip);
  EXPECT_EQ(*target->utxo_set_digest(), *source_->utxo_set_digest());
  EXPECT_GT(sync_->counters().chunks_received, 1u);  // several chunks, not one
}

TEST_F(SnapshotSyncTest, SnapshotWhoseDigestDoesNotMatchTheCertifiedHeaderIsRefused) {
  add_server(1, nullptr, snapshot_server_.get());
  add_server(2, nullptr, snapshot_server_.get());
  target_ = open_store(dir_.sub("target"));
  storage::ChainStore* target = target_.get();
  ASSERT_NE(target, nullptr);
  SnapshotNetwork* network = nullptr;
  // The certified header names the set one block earlier than the snapshot's.
  ASSERT_NE(digest_before_tip_, tip_digest_);
  EXPECT_EQ(fetch(digest_before_tip_, target, &network), SnapshotSyncState::kRefused);
  EXPECT_EQ(sync_->failure().code(), StatusCode::kInvalidArgument) << sync_->failure().to_string();
  EXPECT_EQ(sink_->installs, 2);
  EXPECT_EQ(network->reports.size(), 2u);
  EXPECT_FALSE(target->tip().has_value());
  EXPECT_EQ(target->utxo_set_digest()->count, 0u);
}

TEST_F(SnapshotSyncTest, PeerWithChunksOverTheBoundIsReported) {
  // The same file cut in 8 KiB chunks by the first peer: consistent, but over this fetcher's bound.
  auto large = SnapshotFileServer::open(dir_.sub("snapshot"), {info_.tip.height, info_.digest.hash},
                                        /*chunk_bytes=*/8192);
  ASSERT_TRUE(large.is_ok()) << large.status().to_string();
  ServingNode* oversized = add_server(1, nullptr, large->get());
  add_server(2, nullptr, snapshot_server_.get());
  target_ = open_store(dir_.sub("target"));
  storage::ChainStore* target = target_.get();
  ASSERT_NE(target, nullptr);
  SnapshotNetwork* network = nullptr;
  EXPECT_EQ(fetch(tip_digest_, target, &network, /*chunk_bytes_max=*/4096),
            SnapshotSyncState::kInstalled)
      << sync_->failure().to_string();
  ASSERT_EQ(network->reports.size(), 1u);
  EXPECT_EQ(network->reports[0].peer, oversized->pubkey());
  EXPECT_NE(network->reports[0].why.to_string().find("above the chunk bound of 4096"),
            std::string::npos)
      << network->reports[0].why.to_string();
  EXPECT_EQ(sink_->installs, 1);
  EXPECT_EQ(*target->utxo_set_digest(), *source_->utxo_set_digest());
  shut_down();  // before `large`, which the first server reads, is destroyed
}

TEST_F(SnapshotSyncTest, ServerRefusesChunksAboveTheProtocolBound) {
  const SnapshotFileInfo info{info_.tip.height, info_.digest.hash};
  EXPECT_EQ(SnapshotFileServer::open(dir_.sub("snapshot"), info, kMaxSnapshotChunkBytes + 1)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SnapshotFileServer::open(dir_.sub("snapshot"), info, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(SnapshotFileServer::open(dir_.sub("snapshot"), info, kMaxSnapshotChunkBytes).is_ok());
}

TEST_F(SnapshotSyncTest, ServerAnswersOnlyItsSnapshotsChunks) {
  proto::SnapshotChunkRequest request;
  request.set_height(info_.tip.height);
  request.set_content_hash(info_.digest.hash.data(), info_.digest.hash.size());
  request.set_chunk_index(0);
  proto::SnapshotChunkResponse response;
  ASSERT_TRUE(snapshot_server_->answer(request, &response).is_ok());
  EXPECT_EQ(response.data().size(), 4096u);
  const std::uint32_t count = response.chunk_count();
  ASSERT_GT(count, 1u);
  EXPECT_EQ(count, (response.snapshot_bytes() + 4095) / 4096);

  request.set_chunk_index(count - 1);
  ASSERT_TRUE(snapshot_server_->answer(request, &response).is_ok());
  EXPECT_EQ(response.data().size(), response.snapshot_bytes() - (count - 1) * 4096ull);
  request.set_chunk_index(count);
  EXPECT_EQ(snapshot_server_->answer(request, &response).code(), StatusCode::kNotFound);
  request.set_chunk_index(0);
  request.set_height(info_.tip.height - 1);
  EXPECT_EQ(snapshot_server_->answer(request, &response).code(), StatusCode::kNotFound);
  request.set_height(info_.tip.height);
  request.mutable_content_hash()->at(0) ^= 1;
  EXPECT_EQ(snapshot_server_->answer(request, &response).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace tc::net

// Goal: node/net_peer_store.h keeps net/'s bans in a real ChainStore's `peers` column family, so a
// ban outlives both a reopen of the store and a restart of the node that made it; expired and
// undecodable records are dropped on load.
//
// Method: a ChainStore in a fresh temp dir, closed and reopened as a restart would. First at the
// BanList level with explicit clocks, then with two PeerManagers on loopback: A bans B, A restarts
// over the reopened store, and B's reconnection is refused.
#include "node/net_peer_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "net/ban_list.h"
#include "tests/net/peer_test_support.h"

namespace tc::node {
namespace {

namespace fs = std::filesystem;
using net::BanCause;
using net::BanList;
using net::BanRecord;

class NetPeerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/timecoin-net-peer-store-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<storage::ChainStore> open() {
    storage::StoreOptions options;
    options.path = dir_.string();
    options.read_path = storage::ReadPath::kDefault;
    auto store = storage::ChainStore::open(options);
    EXPECT_TRUE(store.is_ok()) << store.status().to_string();
    return std::move(store).value();
  }

  fs::path dir_;
};

TEST_F(NetPeerStoreTest, BanOutlivesAReopenAndExpiresOnTime) {
  const net::IpAddress16 address = net::testing::loopback(1).address;
  const Pubkey key = net::samples::key(12).pubkey();
  {
    auto store = open();
    ChainStorePeerStore peers(store.get());
    BanList bans(&peers);
    ASSERT_TRUE(bans.load(1'000).is_ok());
    ASSERT_TRUE(bans.ban(key, address, 1'000, 60'000, BanCause::kRateLimit, 57).is_ok());
  }
  {
    auto store = open();
    ChainStorePeerStore peers(store.get());
    BanList bans(&peers);
    ASSERT_TRUE(bans.load(2'000).is_ok());
    const std::optional<BanRecord> by_key = bans.key_ban(key, 2'000);
    ASSERT_TRUE(by_key.has_value());
    EXPECT_EQ(*by_key, (BanRecord{61'000, BanCause::kRateLimit, 57}));
    EXPECT_TRUE(bans.address_ban(address, 60'999).has_value());
    EXPECT_FALSE(bans.key_ban(net::samples::key(13).pubkey(), 2'000).has_value());
  }
  {
    // Past the expiry both records are dropped from the store on load.
    auto store = open();
    ChainStorePeerStore peers(store.get());
    BanList bans(&peers);
    ASSERT_TRUE(bans.load(61'000).is_ok());
    EXPECT_FALSE(bans.key_ban(key, 61'000).has_value());
    EXPECT_EQ(bans.size(), 0u);
    const auto records = store->peers();
    ASSERT_TRUE(records.is_ok());
    EXPECT_TRUE(records->empty());
  }
}

TEST_F(NetPeerStoreTest, UndecodableRecordsAreDroppedAndCounted) {
  auto store = open();
  const Bytes key = {net::kBanKindNodeKey, 1, 2, 3};  // a node key of 3 bytes
  const Bytes value = net::encode_ban_record(BanRecord{1'000'000, BanCause::kRateLimit, 1});
  ASSERT_TRUE(store->put_peer(key, value).is_ok());
  Bytes bad_value = value;
  bad_value[0] = 9;  // unknown version
  Bytes good_key(33, 0x42);
  good_key[0] = net::kBanKindNodeKey;
  ASSERT_TRUE(store->put_peer(good_key, bad_value).is_ok());
  ChainStorePeerStore peers(store.get());
  BanList bans(&peers);
  ASSERT_TRUE(bans.load(1'000).is_ok());
  EXPECT_EQ(bans.undecodable_records(), 2u);
  EXPECT_EQ(bans.size(), 0u);
  EXPECT_TRUE(store->peers()->empty());
}

TEST_F(NetPeerStoreTest, ANodeRestartedOverItsStoreStillRefusesTheBannedPeer) {
  net::PeerManagerConfig config = net::testing::test_config();
  config.invalid_message_score = config.ban_score;
  auto store = open();
  auto peers = std::make_unique<ChainStorePeerStore>(store.get());
  auto a = std::make_unique<net::testing::Node>(11, config, peers.get());
  const std::uint16_t a_port = a->port();
  net::testing::Node b(12, net::testing::test_config());
  b.on_io([&] {
    b.manager_->add_seed(net::testing::loopback(a_port));
    return 0;
  });
  ASSERT_TRUE(a->eventually([&](net::PeerManager& m) { return m.connected(b.pubkey()); }));
  a->on_io([&] {
    a->manager_->report_invalid(b.pubkey(), "proposal at height 3: bad signature");
    return 0;
  });
  ASSERT_EQ(a->counters().bans, 1u);

  // A restarts: manager, adapter and store all closed and reopened.
  a.reset();
  peers.reset();
  store.reset();
  store = open();
  peers = std::make_unique<ChainStorePeerStore>(store.get());
  a = std::make_unique<net::testing::Node>(11, config, peers.get(), a_port);
  ASSERT_TRUE(a->eventually([](net::PeerManager& m) { return m.counters().refused_banned >= 1; }));
  EXPECT_FALSE(a->connected(b.pubkey()));
  a.reset();
}

}  // namespace
}  // namespace tc::node

// Goal: net/peer_manager.h builds a peer set from seeds and peer exchange, carries every message
// type both ways, redials a restarted peer with exponential backoff, drops and counts a flood past
// the rate limit and bans the flooder (refusing its reconnection, also after a restart of the
// banning node), suppresses duplicate gossip, refuses a peer over the maximum, and keeps serving
// its peers while hostile sockets hang on it.
//
// Method: every node is a PeerManager on its own io_context and thread, on 127.0.0.1 with real
// TCP sockets (tests/net/peer_test_support.h). Timers are short (dial every 10 ms, backoff 40 ms
// doubling to 320 ms). Assertions are on counters, attempt counts and what each handler received,
// never on exact times; every wait is bounded.
#include "net/peer_manager.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/net/peer_test_support.h"

namespace tc::net {
namespace {

using namespace std::chrono_literals;
using testing::MemoryPeerStore;
using testing::Node;
using testing::test_config;

// A transaction batch that differs with `n`.
proto::TransactionBatch batch_of(std::uint32_t n) {
  proto::TransactionBatch batch;
  batch.add_transactions(samples::encoded_string(samples::signed_transfer(samples::key(2), n)));
  return batch;
}

// Every node is connected to every other by exactly one connection, with no other connection open
// or closing (a duplicate being closed would drop what is queued on it).
bool settled(const std::vector<std::unique_ptr<Node>>& nodes) {
  for (const auto& node : nodes) {
    for (const auto& other : nodes) {
      if (node != other && !node->connected(other->pubkey())) return false;
    }
    if (node->on_io([&] { return node->manager_->connection_count(); }) != nodes.size() - 1) {
      return false;
    }
  }
  return true;
}

TEST(PeerManagerTest, FourNodesMeetThroughSeedAndPeerExchangeAndCarryEveryTypeBothWays) {
  std::vector<std::unique_ptr<Node>> nodes;
  nodes.push_back(std::make_unique<Node>(11, test_config()));
  const PeerEndpoint seed = nodes[0]->endpoint();
  for (std::uint8_t n = 12; n <= 14; ++n) {
    nodes.push_back(std::make_unique<Node>(n, test_config()));
    nodes.back()->on_io([&] {
      nodes.back()->manager_->add_seed(seed);
      return 0;
    });
  }
  // Nodes 1..3 know only the seed; they find each other through its peer exchange answers.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!settled(nodes) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(settled(nodes));
  // Which of them learned addresses from an answer and which were dialled by those depends on the
  // order the handshakes finished; some must have.
  std::uint64_t taken = 0;
  for (std::size_t i = 1; i < nodes.size(); ++i) taken += nodes[i]->counters().exchange_taken;
  EXPECT_GT(taken, 0u);
  EXPECT_GT(nodes[0]->counters().exchange_answered, 0u);

  // Every node forwards its own batch: each other node gets exactly one from each sender.
  for (std::uint32_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(
        nodes[i]->on_io([&] { return nodes[i]->manager_->forward_transactions(batch_of(i), {}); }),
        3u);
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    ASSERT_TRUE(nodes[i]->handler_.wait_for([&] {
      return nodes[i]->handler_.received_.size() == 3;
    })) << "node "
        << i;
    std::set<Pubkey> senders;
    for (const testing::Received& r : nodes[i]->handler_.received()) senders.insert(r.from);
    EXPECT_EQ(senders.size(), 3u);
  }

  // Every type the caller may send, from node 0 to node 1 and back.
  const std::vector<MessageType> caller_types = {MessageType::kProposal,
                                                 MessageType::kVote,
                                                 MessageType::kCommitCertificate,
                                                 MessageType::kTransactionBatch,
                                                 MessageType::kBlockRangeRequest,
                                                 MessageType::kBlockRangeResponse,
                                                 MessageType::kSnapshotChunkRequest,
                                                 MessageType::kSnapshotChunkResponse};
  const auto all = samples::every_message();
  for (auto [from, to] : {std::pair{0, 1}, std::pair{1, 0}}) {
    Node& sender = *nodes[from];
    Node& receiver = *nodes[to];
    for (const auto& [type, message] : all) {
      if (std::find(caller_types.begin(), caller_types.end(), type) == caller_types.end()) continue;
      EXPECT_TRUE(sender.on_io([&] {
        return sender.manager_->send_message_to(receiver.pubkey(), type, *message);
      })) << message_type_name(type);
    }
    for (const auto& [type, message] : all) {
      if (std::find(caller_types.begin(), caller_types.end(), type) == caller_types.end()) continue;
      const std::string expected = message->SerializeAsString();
      ASSERT_TRUE(receiver.handler_.wait_for([&] {
        return std::any_of(receiver.handler_.received_.begin(), receiver.handler_.received_.end(),
                           [&](const testing::Received& r) {
                             return r.type == type && r.bytes == expected &&
                                    r.from == sender.pubkey();
                           });
      })) << message_type_name(type)
          << " from node " << from;
    }
  }
}

TEST(PeerManagerTest, RedialsARestartedPeerWithExponentialBackoff) {
  auto b = std::make_unique<Node>(12, test_config());
  const std::uint16_t b_port = b->port();
  const Pubkey b_key = b->pubkey();
  Node a(11, test_config());
  a.on_io([&] {
    a.manager_->add_seed(b->endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(b_key); }));
  const std::uint64_t dials_before = a.counters().dials;

  b.reset();  // B goes away; A's dials now fail
  ASSERT_TRUE(a.eventually([&](PeerManager& m) {
    const PeerBook::Entry* entry = m.book().find(testing::loopback(b_port));
    return entry != nullptr && entry->failures >= 4;
  }));
  std::this_thread::sleep_for(600ms);
  const auto [failures, dials, last_delay] = a.on_io([&] {
    const PeerBook::Entry* entry = a.manager_->book().find(testing::loopback(b_port));
    return std::tuple(entry->failures, entry->dials, entry->last_delay);
  });
  // With a 10 ms dial tick and no backoff there would be ~100 dials in this time; the doubling
  // delays (20-40, 40-80, 80-160, then 160-320 ms) allow a handful.
  EXPECT_GE(failures, 4u);
  EXPECT_LE(dials - dials_before, 12u);
  EXPECT_LE(failures, dials - dials_before + 1);  // the lost connection counts once too
  // The delay drawn for the latest failure is at least half the nominal, which doubles up to 320.
  const auto nominal =
      std::min<std::chrono::milliseconds>(40ms * (1 << std::min(failures - 1, 4u)), 320ms);
  EXPECT_GE(last_delay, nominal / 2);
  EXPECT_LE(last_delay, 320ms);

  // B comes back on the same port (a new process would): A finds it again.
  b = std::make_unique<Node>(12, test_config(), nullptr, b_port);
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(b_key); }, 3s));
  EXPECT_TRUE(b->handler_.wait_for([&] { return !b->handler_.established_.empty(); }));
}

TEST(PeerManagerTest, FloodPastTheRateLimitIsDroppedCountedAndEndsInABanThatRefusesReconnection) {
  PeerManagerConfig strict = test_config();
  strict.rate_limits.type(MessageType::kVote) = {10, 20};
  strict.ban_score = 50;
  strict.score_decay_per_second = 0;
  MemoryPeerStore store;
  Node a(11, strict, &store);
  Node b(12, test_config());
  b.on_io([&] {
    b.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(b.pubkey()); }));
  // Each side counts the connection once its own handshake check passed; B sends after both.
  ASSERT_TRUE(b.eventually([&](PeerManager& m) { return m.connected(a.pubkey()); }));

  proto::VoteMessage vote;
  vote.set_vote(samples::as_string(samples::encoded_vote()));
  b.on_io([&] {
    for (int i = 0; i < 200; ++i) b.manager_->send_to(a.pubkey(), vote);
    return 0;
  });
  ASSERT_TRUE(a.eventually([](PeerManager& m) { return m.counters().bans == 1; }));
  const PeerManagerCounters counters = a.counters();
  // 20 tokens: the first is delivered, the next 19 are duplicates; 50 drops reach the ban score.
  EXPECT_EQ(counters.delivered_of(MessageType::kVote), 1u);
  EXPECT_EQ(counters.duplicates_of(MessageType::kVote), 19u);
  EXPECT_EQ(counters.rate_limited_of(MessageType::kVote), 50u);
  EXPECT_EQ(store.size(), 2u);  // by key and by address
  ASSERT_TRUE(b.handler_.wait_for([&] {
    return !b.handler_.closed_.empty() &&
           b.handler_.closed_.front().second.find("DISCONNECT_BANNED") != std::string::npos;
  })) << (b.handler_.closed().empty() ? "" : b.handler_.closed().front().second);

  // B keeps dialling its seed; A refuses each time and never takes it back.
  ASSERT_TRUE(a.eventually([](PeerManager& m) { return m.counters().refused_banned >= 2; }));
  EXPECT_FALSE(a.connected(b.pubkey()));
}

TEST(PeerManagerTest, AProtocolViolationAfterTheHandshakeBansThePeer) {
  Node a(11, test_config());
  Node b(12, test_config());
  b.on_io([&] {
    b.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(b.pubkey()); }));
  ASSERT_TRUE(b.eventually([&](PeerManager& m) { return m.connected(a.pubkey()); }));
  // The sender's encoder does not check canonical bytes; the receiver's decoder does.
  proto::VoteMessage bad_vote;
  bad_vote.set_vote("not a vote");
  EXPECT_TRUE(b.on_io([&] { return b.manager_->send_to(a.pubkey(), bad_vote); }));
  ASSERT_TRUE(a.eventually([](PeerManager& m) { return m.counters().bans == 1; }));
  EXPECT_EQ(a.counters().delivered_of(MessageType::kVote), 0u);
  ASSERT_TRUE(a.eventually([](PeerManager& m) { return m.counters().refused_banned >= 1; }));
  EXPECT_FALSE(a.connected(b.pubkey()));
}

TEST(PeerManagerTest, BanSurvivesARestartOfTheBanningNode) {
  PeerManagerConfig config = test_config();
  config.invalid_message_score = config.ban_score;
  MemoryPeerStore store;
  auto a = std::make_unique<Node>(11, config, &store);
  const std::uint16_t a_port = a->port();
  Node b(12, test_config());
  b.on_io([&] {
    b.manager_->add_seed(testing::loopback(a_port));
    return 0;
  });
  ASSERT_TRUE(a->eventually([&](PeerManager& m) { return m.connected(b.pubkey()); }));
  a->on_io([&] {
    a->manager_->report_invalid(b.pubkey(), "block 7: bad tx_root");
    return 0;
  });
  ASSERT_EQ(a->counters().bans, 1u);
  a.reset();
  ASSERT_EQ(store.size(), 2u);

  a = std::make_unique<Node>(11, config, &store, a_port);
  ASSERT_TRUE(a->eventually([](PeerManager& m) { return m.counters().refused_banned >= 1; }));
  EXPECT_FALSE(a->connected(b.pubkey()));
  EXPECT_EQ(a->handler_.established_.size(), 0u);
}

TEST(PeerManagerTest, DuplicateGossipIsNeitherDeliveredNorSentAgain) {
  std::vector<std::unique_ptr<Node>> nodes;
  for (std::uint8_t n = 11; n <= 13; ++n) nodes.push_back(std::make_unique<Node>(n, test_config()));
  std::vector<PeerAddressRecord> set;
  for (const auto& node : nodes) set.push_back(node->record());
  for (const auto& node : nodes) {
    node->on_io([&] {
      node->manager_->set_validators(set);
      return 0;
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!settled(nodes) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(settled(nodes));
  Node& a = *nodes[0];
  Node& b = *nodes[1];
  Node& c = *nodes[2];

  proto::VoteMessage vote;
  vote.set_vote(samples::as_string(samples::encoded_vote()));
  EXPECT_EQ(a.on_io([&] { return a.manager_->broadcast_to_validators(vote); }), 2u);
  ASSERT_TRUE(b.handler_.wait_for([&] { return b.handler_.received_.size() == 1; }));
  ASSERT_TRUE(c.handler_.wait_for([&] { return c.handler_.received_.size() == 1; }));
  // B relays what it received: not back to A, only to C, which has it already.
  EXPECT_EQ(b.on_io([&] { return b.manager_->broadcast_to_validators(vote); }), 1u);
  ASSERT_TRUE(c.eventually(
      [](PeerManager& m) { return m.counters().duplicates_of(MessageType::kVote) == 1; }));
  EXPECT_EQ(c.handler_.count(MessageType::kVote), 1u);
  // A gossiped it already: a second broadcast sends nothing.
  EXPECT_EQ(a.on_io([&] { return a.manager_->broadcast_to_validators(vote); }), 0u);
  EXPECT_EQ(a.counters().gossip_suppressed, 1u);
  // B relays again: it has sent it once, so nothing goes out.
  EXPECT_EQ(b.on_io([&] { return b.manager_->broadcast_to_validators(vote); }), 0u);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(b.handler_.count(MessageType::kVote), 1u);
  EXPECT_EQ(c.handler_.count(MessageType::kVote), 1u);
}

TEST(PeerManagerTest, APeerOverTheInboundMaximumIsRefusedButAValidatorIsNot) {
  PeerManagerConfig one_inbound = test_config();
  one_inbound.max_inbound = 1;
  Node a(11, one_inbound);
  Node b(12, test_config());
  Node c(13, test_config());
  Node v(14, test_config());
  b.on_io([&] {
    b.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(b.pubkey()); }));
  c.on_io([&] {
    c.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([](PeerManager& m) { return m.counters().refused_too_many >= 1; }));
  EXPECT_FALSE(a.connected(c.pubkey()));
  EXPECT_TRUE(c.eventually([&](PeerManager& m) {
    const PeerBook::Entry* entry = m.book().find(a.endpoint());
    return entry != nullptr &&
           entry->last_error.find("DISCONNECT_TOO_MANY_PEERS") != std::string::npos;
  }));

  // A validator of A's set is taken even though A is full.
  const std::vector<PeerAddressRecord> set = {a.record(), v.record()};
  a.on_io([&] {
    a.manager_->set_validators(set);
    return 0;
  });
  v.on_io([&] {
    v.manager_->set_validators(set);
    return 0;
  });
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(v.pubkey()); }));
  EXPECT_TRUE(a.connected(b.pubkey()));
  EXPECT_FALSE(a.connected(c.pubkey()));
}

TEST(PeerManagerTest, HostileSocketsDoNotHoldUpAnotherPeersTraffic) {
  PeerManagerConfig config = test_config();
  config.rate_limits.type(MessageType::kBlockRangeRequest) = {0, 0};  // unlimited here
  Node a(11, config);
  Node b(12, config);
  b.on_io([&] {
    b.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(b.pubkey()); }));

  // One socket that connects and then neither speaks nor reads, one that sends garbage.
  asio::io_context raw_io;
  asio::ip::tcp::socket silent(raw_io);
  asio::ip::tcp::socket garbage(raw_io);
  const asio::ip::tcp::endpoint target(asio::ip::address_v4::loopback(), a.port());
  silent.connect(target);
  garbage.connect(target);
  const std::string junk(4096, '\x5a');
  asio::write(garbage, asio::buffer(junk));

  constexpr int kRequests = 300;
  a.on_io([&] {
    for (int i = 0; i < kRequests; ++i) {
      proto::BlockRangeRequest request;
      request.set_start_height(i);
      request.set_count(1);
      request.set_request_id(i);
      a.manager_->send_to(b.pubkey(), request);
    }
    return 0;
  });
  ASSERT_TRUE(b.handler_.wait_for(
      [&] { return b.handler_.received_.size() == static_cast<std::size_t>(kRequests); }, 3s));
  // The garbage sender was closed for its bytes; it never got to a handshake, so nothing is banned.
  EXPECT_EQ(a.counters().bans, 0u);
  EXPECT_TRUE(a.connected(b.pubkey()));
}

}  // namespace
}  // namespace tc::net

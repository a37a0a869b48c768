// Goal: net/peer_manager.h builds a peer set from seeds and peer exchange, carries every message
// type both ways, redials a restarted peer with exponential backoff, drops and counts a flood past
// the rate limit and bans the flooder (refusing its reconnection, also after a restart of the
// banning node), suppresses duplicate gossip (a replayed vote included), refuses a peer over the
// maximum and evicts relays, then masternodes, for peers of a higher role, keeps a peer's score
// across its reconnection, announces tips without passing them on, gives each peer its role and
// describes it in peer_infos(), backs off after failed accepts, and keeps serving its peers while
// hostile sockets hang on it.
//
// Method: every node is a PeerManager on its own io_context and thread, on 127.0.0.1 with real
// TCP sockets (tests/net/peer_test_support.h). Timers are short (dial every 10 ms, backoff 40 ms
// doubling to 320 ms). Assertions are on counters, attempt counts and what each handler received,
// never on exact times; every wait is bounded.
#include "net/peer_manager.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
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

Hash256 hash_of(std::uint8_t n) {
  Hash256 hash;
  hash.bytes.fill(n);
  return hash;
}

// `from` dials `to` (as its seed); returns once each counts the other connected.
void connect(Node& from, Node& to) {
  from.on_io([&] {
    from.manager_->add_seed(to.endpoint());
    return 0;
  });
  ASSERT_TRUE(to.eventually([&](PeerManager& m) { return m.connected(from.pubkey()); }));
  ASSERT_TRUE(from.eventually([&](PeerManager& m) { return m.connected(to.pubkey()); }));
}

std::optional<PeerInfo> info_of(Node& node, const Pubkey& peer) {
  return node.on_io([&]() -> std::optional<PeerInfo> {
    for (const PeerInfo& info : node.manager_->peer_infos()) {
      if (info.key == peer) return info;
    }
    return std::nullopt;
  });
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

TEST(PeerManagerTest, APeerOverTheInboundMaximumIsRefusedButAValidatorEvictsARelay) {
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

  // A validator of A's set dialling in is taken even though A is full: the relay B makes room. (A
  // knows no address for it, so the connection is inbound.)
  const std::vector<PeerAddressRecord> set = {a.record(), {v.pubkey(), testing::loopback(1)}};
  a.on_io([&] {
    a.manager_->set_validators(set);
    return 0;
  });
  v.on_io([&] {
    v.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return m.connected(v.pubkey()); }));
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return !m.connected(b.pubkey()); }));
  EXPECT_EQ(a.counters().evictions, 1u);
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

TEST(PeerManagerTest, TipsGoOutAtTheHandshakeAndOnCommitCoalescedAndAreNeverPassedOn) {
  PeerManagerConfig no_exchange = test_config();
  no_exchange.exchange_take_max = 0;  // A and C meet only B
  Node a(11, no_exchange);
  Node b(12, test_config());
  Node c(13, no_exchange);
  a.on_io([&] {
    a.manager_->announce_tip(10, hash_of(10));
    return 0;
  });
  b.on_io([&] {
    b.manager_->announce_tip(3, hash_of(3));
    return 0;
  });
  connect(a, b);
  connect(c, b);
  auto heard = [](Node& node, const Pubkey& from, const PeerTip& tip) {
    return node.handler_.wait_for([&] {
      return std::any_of(node.handler_.tips_.begin(), node.handler_.tips_.end(),
                         [&](const auto& t) { return t.first == from && t.second == tip; });
    });
  };
  // Each side's tip comes right after the handshake, whichever side dialled.
  EXPECT_TRUE(heard(b, a.pubkey(), PeerTip{10, hash_of(10)}));
  EXPECT_TRUE(heard(a, b.pubkey(), PeerTip{3, hash_of(3)}));
  EXPECT_TRUE(heard(c, b.pubkey(), PeerTip{3, hash_of(3)}));

  // A commits 11..60 at once, as a syncing node does: B hears at most the first at once and the
  // latest one interval later, never 50 frames, and nothing is rate limited.
  const std::uint64_t announced_before = a.counters().tip_announcements;
  a.on_io([&] {
    for (std::uint8_t height = 11; height <= 60; ++height) {
      a.manager_->announce_tip(height, hash_of(height));
    }
    return 0;
  });
  ASSERT_TRUE(heard(b, a.pubkey(), PeerTip{60, hash_of(60)}));
  const std::uint64_t announced = a.counters().tip_announcements - announced_before;
  EXPECT_GE(announced, 1u);
  EXPECT_LE(announced, 2u);
  EXPECT_EQ(b.counters().rate_limited_of(MessageType::kTipStatus), 0u);
  const std::optional<PeerInfo> a_at_b = info_of(b, a.pubkey());
  ASSERT_TRUE(a_at_b.has_value());
  EXPECT_EQ(a_at_b->tip, (PeerTip{60, hash_of(60)}));

  // B does not pass A's tips on: C only ever hears B's own.
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(c.connected(a.pubkey()));
  for (const auto& [from, tip] : c.handler_.tips()) EXPECT_EQ(from, b.pubkey());
}

TEST(PeerManagerTest, RolesFollowTheSetsAndValidatorGossipReachesNeitherMasternodesNorRelays) {
  Node v(11, test_config());
  Node w(12, test_config());
  Node m(13, test_config());
  Node r(14, test_config());
  std::vector<PeerAddressRecord> validators = {v.record(), w.record()};
  std::vector<PeerAddressRecord> registrations = {v.record(), w.record(), m.record()};
  v.on_io([&] {
    v.manager_->set_validators(validators);
    v.manager_->set_registrations(registrations);
    return 0;
  });
  connect(w, v);
  connect(m, v);
  connect(r, v);
  // No duplicate still closing: what V queues below stays queued.
  ASSERT_TRUE(v.eventually([](PeerManager& pm) { return pm.connection_count() == 3; }));
  auto roles = [&] {
    return v.on_io([&] {
      std::map<Pubkey, PeerRole> by_key;
      for (const PeerInfo& info : v.manager_->peer_infos()) by_key[info.key] = info.role;
      return by_key;
    });
  };
  EXPECT_EQ(roles(), (std::map<Pubkey, PeerRole>{{w.pubkey(), PeerRole::kValidator},
                                                 {m.pubkey(), PeerRole::kMasternode},
                                                 {r.pubkey(), PeerRole::kRelay}}));

  // A vote goes to the validator W only; a transaction batch to everyone.
  proto::VoteMessage vote;
  vote.set_vote(samples::as_string(samples::encoded_vote()));
  EXPECT_EQ(v.on_io([&] { return v.manager_->broadcast_to_validators(vote); }), 1u);
  EXPECT_EQ(v.on_io([&] { return v.manager_->forward_transactions(batch_of(1), {}); }), 3u);
  for (Node* node : {&w, &m, &r}) {
    ASSERT_TRUE(node->handler_.wait_for([&] {
      return std::any_of(
          node->handler_.received_.begin(), node->handler_.received_.end(),
          [](const testing::Received& x) { return x.type == MessageType::kTransactionBatch; });
    }));
  }
  ASSERT_TRUE(w.handler_.wait_for([&] {
    return std::any_of(w.handler_.received_.begin(), w.handler_.received_.end(),
                       [](const testing::Received& x) { return x.type == MessageType::kVote; });
  }));
  EXPECT_EQ(m.handler_.count(MessageType::kVote), 0u);
  EXPECT_EQ(r.handler_.count(MessageType::kVote), 0u);

  // R registers, then joins the validator set: its role follows, and so does validator gossip.
  registrations.push_back(r.record());
  v.on_io([&] {
    v.manager_->set_registrations(registrations);
    return 0;
  });
  EXPECT_EQ(roles()[r.pubkey()], PeerRole::kMasternode);
  validators.push_back(r.record());
  v.on_io([&] {
    v.manager_->set_validators(validators);
    return 0;
  });
  EXPECT_EQ(roles()[r.pubkey()], PeerRole::kValidator);
  EXPECT_EQ(roles()[m.pubkey()], PeerRole::kMasternode);
  const auto all = samples::every_message();
  const auto& certificate = *std::find_if(all.begin(), all.end(), [](const auto& entry) {
    return entry.first == MessageType::kCommitCertificate;
  });
  const auto& certificate_message =
      static_cast<const proto::CommitCertificateMessage&>(*certificate.second);
  EXPECT_EQ(v.on_io([&] { return v.manager_->broadcast_to_validators(certificate_message); }), 2u);
  EXPECT_TRUE(r.handler_.wait_for([&] {
    return std::any_of(
        r.handler_.received_.begin(), r.handler_.received_.end(),
        [](const testing::Received& x) { return x.type == MessageType::kCommitCertificate; });
  }));
}

TEST(PeerManagerTest, PeerInfosDescribeEachPeerAndCountItsTrafficBothWays) {
  Node a(11, test_config());
  Node b(12, test_config());
  const std::uint64_t before_ms = system_now_ms();
  connect(b, a);
  const std::uint64_t after_ms = system_now_ms();
  a.on_io([&] {
    for (int i = 0; i < 5; ++i) {
      proto::BlockRangeRequest request;
      request.set_start_height(i);
      request.set_count(1);
      a.manager_->send_to(b.pubkey(), request);
    }
    return 0;
  });
  ASSERT_TRUE(b.handler_.wait_for([&] { return b.handler_.received_.size() == 5; }));
  a.on_io([&] {
    a.manager_->report_invalid(b.pubkey(), "block 3: bad tx_root");
    return 0;
  });

  // Once nothing is in flight, what each side sent is exactly what the other received.
  std::optional<PeerInfo> b_at_a;
  std::optional<PeerInfo> a_at_b;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  do {
    b_at_a = info_of(a, b.pubkey());
    a_at_b = info_of(b, a.pubkey());
    ASSERT_TRUE(b_at_a && a_at_b);
    if (b_at_a->messages_in == a_at_b->messages_out && b_at_a->bytes_in == a_at_b->bytes_out &&
        a_at_b->messages_in == b_at_a->messages_out && a_at_b->bytes_in == b_at_a->bytes_out) {
      break;
    }
    std::this_thread::sleep_for(5ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(b_at_a->messages_in, a_at_b->messages_out);
  EXPECT_EQ(b_at_a->bytes_in, a_at_b->bytes_out);
  EXPECT_EQ(a_at_b->messages_in, b_at_a->messages_out);
  EXPECT_EQ(a_at_b->bytes_in, b_at_a->bytes_out);
  // B got A's Hello, HelloAuth, PeerExchange request and the five requests at least.
  EXPECT_GE(a_at_b->messages_in, 8u);
  EXPECT_GT(a_at_b->bytes_in, a_at_b->messages_in * kFrameHeaderBytes);

  EXPECT_TRUE(b_at_a->inbound);
  EXPECT_FALSE(a_at_b->inbound);
  EXPECT_EQ(b_at_a->role, PeerRole::kRelay);
  EXPECT_EQ(b_at_a->remote.address, testing::loopback(0).address);
  EXPECT_EQ(a_at_b->remote, a.endpoint());
  for (const PeerInfo& info : {*b_at_a, *a_at_b}) {
    EXPECT_GE(info.connected_since_ms, before_ms);
    EXPECT_LE(info.connected_since_ms, after_ms);
    EXPECT_FALSE(info.tip.has_value());
  }
  // Reported once (25), decaying by 1 a second since.
  EXPECT_GT(b_at_a->score, 20.0);
  EXPECT_LE(b_at_a->score, 25.0);
  EXPECT_EQ(a_at_b->score, 0.0);
}

TEST(PeerManagerTest, AScoreSurvivesAReconnectSoTheNextOffenceBans) {
  PeerManagerConfig config = test_config();
  config.invalid_message_score = 40;  // ban_score 100: the third report bans
  config.score_decay_per_second = 0;
  Node a(11, config);
  auto b = std::make_unique<Node>(12, test_config());
  const Pubkey b_key = b->pubkey();
  connect(*b, a);
  a.on_io([&] {
    a.manager_->report_invalid(b_key, "bad vote signature");
    a.manager_->report_invalid(b_key, "bad vote signature");
    return 0;
  });
  b.reset();
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return !m.connected(b_key); }));

  b = std::make_unique<Node>(12, test_config());
  connect(*b, a);
  const std::optional<PeerInfo> info = info_of(a, b_key);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->score, 80.0);
  a.on_io([&] {
    a.manager_->report_invalid(b_key, "bad vote signature");
    return 0;
  });
  EXPECT_EQ(a.counters().bans, 1u);
  ASSERT_TRUE(a.eventually([&](PeerManager& m) { return !m.connected(b_key); }));
}

TEST(PeerManagerTest, AFullNodeEvictsRelaysThenMasternodesWorstScoreFirstNewestOnTies) {
  PeerManagerConfig full = test_config();
  full.max_inbound = 3;
  full.max_outbound = 0;  // A dials nobody back: every peer here is inbound
  full.score_decay_per_second = 0;
  Node a(11, full);
  std::vector<std::unique_ptr<Node>> relays;
  for (std::uint8_t n = 21; n <= 23; ++n)
    relays.push_back(std::make_unique<Node>(n, test_config()));
  Node m(24, test_config());
  std::vector<std::unique_ptr<Node>> validators;
  for (std::uint8_t n = 25; n <= 28; ++n) {
    validators.push_back(std::make_unique<Node>(n, test_config()));
  }
  // Roles by key; the addresses listen nowhere, so A's own dials to them fail.
  const PeerEndpoint nowhere = testing::loopback(1);
  std::vector<PeerAddressRecord> validator_set = {a.record()};
  for (const auto& v : validators) validator_set.push_back({v->pubkey(), nowhere});
  const std::vector<PeerAddressRecord> registrations = {{m.pubkey(), nowhere}};
  a.on_io([&] {
    a.manager_->set_validators(validator_set);
    a.manager_->set_registrations(registrations);
    return 0;
  });
  for (const auto& r : relays) connect(*r, a);
  a.on_io([&] {
    a.manager_->report_invalid(relays[0]->pubkey(), "bad transaction");
    return 0;
  });
  auto evicted = [&](Node& node, std::uint64_t evictions) {
    EXPECT_TRUE(a.eventually([&](PeerManager& pm) { return !pm.connected(node.pubkey()); }));
    EXPECT_EQ(a.counters().evictions, evictions);
  };

  // The masternode evicts the relay with the highest score, although it is the oldest.
  connect(m, a);
  evicted(*relays[0], 1);
  // A validator: the relays left tie at 0, so the newest goes; then the other relay; then the
  // masternode.
  connect(*validators[0], a);
  evicted(*relays[2], 2);
  connect(*validators[1], a);
  evicted(*relays[1], 3);
  connect(*validators[2], a);
  evicted(m, 4);
  // Only validators are left: the next one is taken over the limit and evicts nobody.
  connect(*validators[3], a);
  for (const auto& v : validators) EXPECT_TRUE(a.connected(v->pubkey()));
  EXPECT_EQ(a.counters().evictions, 4u);
  // The evicted keep dialling their seed and are refused: a relay or masternode never evicts a
  // validator.
  ASSERT_TRUE(a.eventually([](PeerManager& pm) { return pm.counters().refused_too_many >= 2; }));
  EXPECT_EQ(a.counters().evictions, 4u);
  EXPECT_FALSE(a.connected(m.pubkey()));
}

TEST(PeerManagerTest, RelaysHaveTheirOwnInboundCap) {
  PeerManagerConfig config = test_config();
  config.max_inbound_relays = 1;
  Node a(11, config);
  Node r1(21, test_config());
  Node r2(22, test_config());
  Node m(24, test_config());
  const std::vector<PeerAddressRecord> registrations = {{m.pubkey(), testing::loopback(1)}};
  a.on_io([&] {
    a.manager_->set_registrations(registrations);
    return 0;
  });
  connect(r1, a);
  r2.on_io([&] {
    r2.manager_->add_seed(a.endpoint());
    return 0;
  });
  ASSERT_TRUE(a.eventually([](PeerManager& pm) { return pm.counters().refused_relays >= 1; }));
  EXPECT_FALSE(a.connected(r2.pubkey()));
  // A registered masternode is not a relay: it still gets in, and evicts nobody.
  connect(m, a);
  EXPECT_TRUE(a.connected(r1.pubkey()));
  EXPECT_EQ(a.counters().evictions, 0u);
  EXPECT_EQ(a.counters().refused_too_many, 0u);
}

// Runs in a child process (a death test), so that the lowered descriptor limit touches nothing
// else; returns the exit code: 0 when the accept errors were counted and backed off, and the node
// took the waiting connections once descriptors were free again.
int accept_errors_back_off() {
  PeerManagerConfig config = test_config();
  config.accept_retry_initial = 5ms;
  config.accept_retry_max = 40ms;
  Node a(11, config);
  // The client sockets are opened while descriptors are free; they connect once none is left.
  asio::io_context client_io;
  std::vector<asio::ip::tcp::socket> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back(client_io);
    clients.back().open(asio::ip::tcp::v4());
  }
  rlimit original{};
  if (getrlimit(RLIMIT_NOFILE, &original) != 0) return 2;
  // dup() returns the lowest free descriptor, and every one below it is taken: with that as the
  // limit no new descriptor can be made, so accept fails with EMFILE.
  const int lowest_free = dup(0);
  close(lowest_free);
  rlimit none_left = original;
  none_left.rlim_cur = static_cast<rlim_t>(lowest_free);
  if (setrlimit(RLIMIT_NOFILE, &none_left) != 0) return 3;
  const asio::ip::tcp::endpoint target(asio::ip::address_v4::loopback(), a.port());
  for (auto& client : clients) client.connect(target);
  std::this_thread::sleep_for(300ms);
  const std::uint64_t errors = a.counters().accept_errors;
  // 5, 10, 20 ms, then every 40 ms: about ten in 300 ms; without the wait, thousands.
  if (errors < 3 || errors > 20) {
    std::fprintf(stderr, "accept_errors %llu in 300 ms\n", static_cast<unsigned long long>(errors));
    return 4;
  }
  if (a.on_io([&] { return a.manager_->connection_count(); }) != 0) return 5;
  if (setrlimit(RLIMIT_NOFILE, &original) != 0) return 6;
  if (!a.eventually([&](PeerManager& m) { return m.connection_count() == clients.size(); })) {
    std::fprintf(stderr, "the waiting connections were not taken once descriptors were free\n");
    return 7;
  }
  return 0;
}

TEST(PeerManagerTest, AFailedAcceptIsCountedAndRetriedAfterAGrowingDelay) {
  EXPECT_EXIT(std::_Exit(accept_errors_back_off()), ::testing::ExitedWithCode(0), "");
}

TEST(PeerManagerTest, AReplayedVoteIsACountedDuplicateDeliveredOnceAndNotGossipedAgain) {
  std::vector<std::unique_ptr<Node>> nodes;
  for (std::uint8_t n = 11; n <= 14; ++n) nodes.push_back(std::make_unique<Node>(n, test_config()));
  Node& a = *nodes[0];  // under test
  Node& hostile = *nodes[1];
  Node& honest = *nodes[2];
  Node& observer = *nodes[3];
  // A relays every vote it is handed, as consensus does with a valid one.
  a.handler_.delivered = [&](const Pubkey&, MessageType type, const InboundMessages& messages) {
    if (type == MessageType::kVote) a.manager_->broadcast_to_validators(messages.vote);
  };
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

  // The hostile peer sends the same vote bytes three times (send_to does not suppress), then an
  // honest peer sends them once more.
  proto::VoteMessage vote;
  vote.set_vote(samples::as_string(samples::encoded_vote()));
  hostile.on_io([&] {
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(hostile.manager_->send_to(a.pubkey(), vote));
    return 0;
  });
  ASSERT_TRUE(a.eventually(
      [](PeerManager& m) { return m.counters().duplicates_of(MessageType::kVote) == 2; }));
  EXPECT_TRUE(honest.on_io([&] { return honest.manager_->send_to(a.pubkey(), vote); }));
  ASSERT_TRUE(a.eventually(
      [](PeerManager& m) { return m.counters().duplicates_of(MessageType::kVote) == 3; }));
  const PeerManagerCounters counters = a.counters();
  EXPECT_EQ(counters.delivered_of(MessageType::kVote), 1u);
  EXPECT_EQ(a.handler_.count(MessageType::kVote), 1u);
  EXPECT_EQ(counters.gossip_suppressed, 0u);  // A relayed once, for the one delivery
  // The observer hears it once, from A; the hostile peer is not sent its own vote back.
  ASSERT_TRUE(observer.handler_.wait_for([&] { return observer.handler_.received_.size() == 1; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(observer.handler_.count(MessageType::kVote), 1u);
  EXPECT_EQ(observer.handler_.received().front().from, a.pubkey());
  EXPECT_EQ(hostile.handler_.count(MessageType::kVote), 0u);
}

}  // namespace
}  // namespace tc::net
